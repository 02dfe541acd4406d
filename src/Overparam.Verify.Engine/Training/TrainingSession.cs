using System.Diagnostics;
using System.Globalization;

namespace Overparam.Verify.Engine.Training;

/// <summary>What a loss/gradient check found.</summary>
internal enum Health
{
    Ok,
    NonFinite,
    BlownUp,
}

/// <summary>
/// The bookkeeping every trainer shares: input validation, the clock, trace records with distances and the
/// λ_min probe, divergence tests, best-loss tracking, progress throttling and the final result.
/// Single-threaded; one instance per run.
/// </summary>
internal sealed class TrainingSession
{
    private readonly TrainerOptions _options;
    private readonly double[] _theta0;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _trackBestParameters;
    private long _nextProgress;
    private double _blowUpThreshold = double.PositiveInfinity;
    private double _initialLoss = double.NaN;
    private double _lastLoss = double.NaN;
    private readonly double[] _observedValues;

    public TrainingSession(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options, bool trackBestParameters = false)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(options);
        options.ValidateCommon();
        int p = objective.ParameterCount;
        if (theta0.Length != p)
            throw new InvalidInputException($"initial parameters have length {theta0.Length}, the objective expects {p}");
        for (int i = 0; i < theta0.Length; i++)
            if (!double.IsFinite(theta0[i]))
                throw new InvalidInputException($"initial parameter θ[{i}] is {theta0[i].ToString(CultureInfo.InvariantCulture)}");
        Objective = objective;
        _options = options;
        _theta0 = theta0.ToArray();
        foreach (var o in options.Observers) Trace.DeclareObserved(o.Columns);
        _observedValues = new double[options.Observers.Count == 0 ? 0 : options.Observers.Max(o => o.Columns.Count)];
        _trackBestParameters = trackBestParameters;
        if (trackBestParameters) BestParameters = new double[p];
    }

    public IObjective Objective { get; }

    public TrainingTrace Trace { get; } = new();

    public long LastRecordedStep { get; private set; } = -1;

    public long Evaluations { get; set; }

    public double BestLoss { get; private set; } = double.NaN;

    public long BestStep { get; private set; } = -1;

    public double[]? BestParameters { get; }

    public ReadOnlySpan<double> Theta0 => _theta0;

    public double ValueAndGradient(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        Evaluations++;
        return Objective.ValueAndGradient(theta, gradient);
    }

    public double BatchValueAndGradient(ReadOnlySpan<double> theta, ReadOnlySpan<int> samples, Span<double> gradient)
    {
        Evaluations++;
        return Objective.BatchValueAndGradient(theta, samples, gradient);
    }

    /// <summary>Fixes the reference for the blow-up test from the (finite) loss at θ₀.</summary>
    public void SetInitialLoss(double loss)
    {
        _initialLoss = loss;
        double scale = loss == 0 ? 1.0 : Math.Abs(loss);
        _blowUpThreshold = _options.BlowUpFactor * scale;
    }

    /// <summary>
    /// Classifies a loss and its squared gradient norm at step <paramref name="step"/> (and flow time
    /// <paramref name="flowTime"/>; NaN for the discrete trainers). The reason string is built only on failure,
    /// so the per-step check allocates nothing.
    /// </summary>
    public Health Check(double loss, double gradNormSq, string quantity, long step, double flowTime, out string? reason)
    {
        if (!double.IsFinite(loss))
        {
            reason = $"{quantity} became {Describe(loss)} {Where(step, flowTime)}";
            return Health.NonFinite;
        }
        if (!double.IsFinite(gradNormSq))
        {
            reason = double.IsNaN(gradNormSq)
                ? $"gradient became NaN {Where(step, flowTime)}"
                : $"gradient norm overflowed (‖∇L‖² = {Describe(gradNormSq)}) {Where(step, flowTime)}";
            return Health.NonFinite;
        }
        if (loss > _blowUpThreshold)
        {
            reason = string.Create(CultureInfo.InvariantCulture,
                $"{quantity} {loss:G4} exceeded {_options.BlowUpFactor:G4} × initial loss {_initialLoss:G4} {Where(step, flowTime)}");
            return Health.BlownUp;
        }
        reason = null;
        return Health.Ok;
    }

    /// <summary>"at step 37", or for flow "at t = 0.5 (accepted step 12)"; step 0 is named as the initial point.</summary>
    public static string Where(long step, double flowTime)
    {
        string initial = step == 0 ? " (the initial point)" : "";
        return double.IsNaN(flowTime)
            ? string.Create(CultureInfo.InvariantCulture, $"at step {step}{initial}")
            : string.Create(CultureInfo.InvariantCulture, $"at t = {flowTime:G6} (accepted step {step})");
    }

    private static string Describe(double x) =>
        double.IsNaN(x) ? "NaN" : double.IsPositiveInfinity(x) ? "+Infinity" : double.IsNegativeInfinity(x) ? "-Infinity"
        : x.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>True when a target loss is set (&gt; 0) and <paramref name="loss"/> reached it.</summary>
    public bool ReachedTarget(double loss) => _options.TargetLoss > 0 && loss <= _options.TargetLoss;

    public bool CancellationRequested => _options.Cancellation.IsCancellationRequested;

    public bool IsLogStep(long step) => step <= _options.LogFirst || step % _options.LogEvery == 0;

    /// <summary>Remembers the smallest finite loss (and, when tracked, its iterate).</summary>
    public void ObserveLoss(long step, double loss, ReadOnlySpan<double> theta)
    {
        _lastLoss = loss;
        if (!(loss < BestLoss) && !double.IsNaN(BestLoss)) return;
        if (!double.IsFinite(loss)) return;
        BestLoss = loss;
        BestStep = step;
        if (_trackBestParameters) theta.CopyTo(BestParameters);
    }

    /// <summary>Appends a record at θ, computing the distances to θ₀ and calling the λ_min probe.</summary>
    public void Record(long step, double time, double loss, double gradNormSq, ReadOnlySpan<double> theta)
    {
        double sumSq = 0, maxAbs = 0;
        for (int i = 0; i < theta.Length; i++)
        {
            double d = theta[i] - _theta0[i];
            sumSq += d * d;
            double a = Math.Abs(d);
            if (a > maxAbs) maxAbs = a;
        }
        foreach (var observer in _options.Observers)
        {
            var values = _observedValues.AsSpan(0, observer.Columns.Count);
            values.Fill(double.NaN);
            observer.Observe(step, time, theta, values);
            for (int c = 0; c < values.Length; c++) Trace.AddObserved(observer.Columns[c], values[c]);
        }
        Trace.Add(new TraceRecord(step, time, loss, gradNormSq, Math.Sqrt(sumSq), maxAbs, _clock.Elapsed.TotalSeconds));
        LastRecordedStep = step;
    }

    /// <summary>Reports progress when at least 1% of <paramref name="total"/> has passed since the last report, or on the final call.</summary>
    public void ReportProgress(long done, long total, bool final)
    {
        var progress = _options.Progress;
        var lossProgress = _options.LossProgress;
        if (progress is null && lossProgress is null) return;
        if (!final && done < _nextProgress) return;
        progress?.Invoke(done, total);
        lossProgress?.Invoke(done, total, _lastLoss);
        _nextProgress = done + Math.Max(1, total / 100);
    }

    public TrainResult Finish(TrainStatus status, double[] parameters, long steps, double time, string? reason, long rejected = 0) =>
        new(status, parameters, Trace, steps, time, reason)
        {
            BestLoss = BestLoss,
            BestStep = BestStep,
            BestParameters = _trackBestParameters && BestStep >= 0 ? BestParameters : null,
            RejectedSteps = rejected,
            Evaluations = Evaluations,
        };

    public static double SumOfSquares(ReadOnlySpan<double> v)
    {
        double s = 0;
        for (int i = 0; i < v.Length; i++) s += v[i] * v[i];
        return s;
    }
}

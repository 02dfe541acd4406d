using System.Globalization;

namespace Overparam.Verify.Engine.Training;

/// <summary>
/// Settings shared by all trainers; each trainer reads (and validates) only the ones it uses.
/// Invalid values throw <see cref="InvalidInputException"/> naming the option when a trainer starts.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Step size η for GD, SGD and subgradient descent. Default 0.01; must be positive and finite.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>
    /// Maximum number of steps for GD, SGD and subgradient descent; maximum number of ACCEPTED integrator steps
    /// for gradient flow. Default 1000; must be ≥ 0 (0 evaluates and logs the initial point only).
    /// </summary>
    public long Steps { get; init; } = 1000;

    /// <summary>
    /// Gradient flow only: integrate up to this time, clamping the last step so that t lands on it exactly.
    /// Default +∞ (run until <see cref="Steps"/> or convergence); must be positive.
    /// </summary>
    public double EndTime { get; init; } = double.PositiveInfinity;

    /// <summary>SGD only: mini-batch size, 1 ≤ BatchSize ≤ SampleCount. Default 1.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>SGD only: run seed; batches come from <c>RandomStreams.For(Seed, "train/sgd-batches")</c>. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Record every k-th step (the first and last step are always recorded). Default 1; must be ≥ 1.</summary>
    public long LogEvery { get; init; } = 1;

    /// <summary>
    /// Also record every step k ≤ LogFirst (default 0: none besides step 0), so that the first steps of a fast
    /// method (one Newton step removes most of a residual) are resolved while the rest is thinned by
    /// <see cref="LogEvery"/>. Must be ≥ 0.
    /// </summary>
    public long LogFirst { get; init; }

    /// <summary>
    /// Stop with <see cref="TrainStatus.Converged"/> once the full loss is ≤ this value. Default 0, which (like any
    /// value ≤ 0) disables the test. SGD checks it at log points only, where the full loss is evaluated.
    /// </summary>
    public double TargetLoss { get; init; }

    /// <summary>
    /// A loss above BlowUpFactor × |initial loss| (× 1 when the initial loss is 0) ends the run as
    /// <see cref="TrainStatus.Diverged"/>. Default 1e8; must be &gt; 1 (+∞ disables the test).
    /// </summary>
    public double BlowUpFactor { get; init; } = 1e8;

    /// <summary>Gradient flow only: relative error tolerance per step of the Dormand–Prince controller. Default 1e-8.</summary>
    public double RelativeTolerance { get; init; } = 1e-8;

    /// <summary>Gradient flow only: absolute error tolerance per step. Default 1e-12.</summary>
    public double AbsoluteTolerance { get; init; } = 1e-12;

    /// <summary>
    /// Gradient flow only: first trial step. Default 0 = automatic (Hairer–Nørsett–Wanner's starting-step
    /// heuristic, one extra gradient evaluation).
    /// </summary>
    public double InitialTimeStep { get; init; }

    /// <summary>Gradient flow only: upper bound on the integrator's step. Default +∞.</summary>
    public double MaxTimeStep { get; init; } = double.PositiveInfinity;

    /// <summary>Subgradient descent only: use η_k = η/√(k+1) instead of a fixed η. Default false.</summary>
    public bool DiminishingStep { get; init; }

    /// <summary>Observers that record named columns at every logged point (<see cref="TrainingTrace.Observed"/>). Default none.</summary>
    public IReadOnlyList<ITraceObserver> Observers { get; init; } = [];

    /// <summary>
    /// Called with (done, total) at most about 100 times per run, and once at the end. For GD, SGD and
    /// subgradient descent, and for flow with <see cref="EndTime"/> = +∞: (step, <see cref="Steps"/>). For flow
    /// with a finite <see cref="EndTime"/>: (⌊1000·t/EndTime⌋, 1000), i.e. per mille of the time horizon.
    /// </summary>
    public Action<long, long>? Progress { get; init; }

    /// <summary>Called like <see cref="Progress"/>, with the most recent loss as the third argument.</summary>
    public Action<long, long, double>? LossProgress { get; init; }

    /// <summary>Checked once per step; when signalled the run stops with <see cref="TrainStatus.Cancelled"/>.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>A copy that also runs <paramref name="observers"/> at every logged point.</summary>
    public TrainerOptions ObservedBy(params ITraceObserver[] observers)
    {
        ArgumentNullException.ThrowIfNull(observers);
        return this with { Observers = [.. Observers, .. observers] };
    }

    /// <summary>A copy that reports progress (with the loss) to <paramref name="monitor"/> and stops when it signals.</summary>
    public TrainerOptions MonitoredBy(IRunMonitor monitor)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        return this with { LossProgress = monitor.Progress, Cancellation = monitor.Cancellation };
    }

    internal void ValidateCommon()
    {
        if (Steps < 0) throw Bad(nameof(Steps), "must be ≥ 0", Steps);
        if (LogEvery < 1) throw Bad(nameof(LogEvery), "must be ≥ 1", LogEvery);
        if (LogFirst < 0) throw Bad(nameof(LogFirst), "must be ≥ 0", LogFirst);
        if (double.IsNaN(TargetLoss)) throw Bad(nameof(TargetLoss), "must not be NaN", TargetLoss);
        if (!(BlowUpFactor > 1)) throw Bad(nameof(BlowUpFactor), "must be > 1 (+∞ disables the test)", BlowUpFactor);
    }

    internal void ValidateLearningRate()
    {
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw Bad(nameof(LearningRate), "must be positive and finite", LearningRate);
    }

    internal void ValidateBatch(int sampleCount)
    {
        if (sampleCount < 1)
            throw new InvalidInputException($"SGD needs at least one training sample; the objective has SampleCount = {sampleCount}");
        if (BatchSize < 1 || BatchSize > sampleCount)
            throw Bad(nameof(BatchSize), $"must be in 1..{sampleCount} (the sample count)", BatchSize);
    }

    internal void ValidateFlow()
    {
        if (!(EndTime > 0)) throw Bad(nameof(EndTime), "must be positive (+∞ for no end time)", EndTime);
        if (!(RelativeTolerance >= 0) || !double.IsFinite(RelativeTolerance))
            throw Bad(nameof(RelativeTolerance), "must be finite and ≥ 0", RelativeTolerance);
        if (!(AbsoluteTolerance >= 0) || !double.IsFinite(AbsoluteTolerance))
            throw Bad(nameof(AbsoluteTolerance), "must be finite and ≥ 0", AbsoluteTolerance);
        if (RelativeTolerance == 0 && AbsoluteTolerance == 0)
            throw new InvalidInputException("option RelativeTolerance and AbsoluteTolerance must not both be 0");
        if (!(InitialTimeStep >= 0) || !double.IsFinite(InitialTimeStep))
            throw Bad(nameof(InitialTimeStep), "must be finite and ≥ 0 (0 = automatic)", InitialTimeStep);
        if (!(MaxTimeStep > 0)) throw Bad(nameof(MaxTimeStep), "must be positive (+∞ for no limit)", MaxTimeStep);
    }

    private static InvalidInputException Bad(string option, string rule, double value) =>
        new($"option {option} {rule}, got {value.ToString("R", CultureInfo.InvariantCulture)}");
}

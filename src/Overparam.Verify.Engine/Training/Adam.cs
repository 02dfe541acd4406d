using System.Globalization;

namespace Overparam.Verify.Engine.Training;

/// <summary>
/// Full-batch Adam (Kingma and Ba, Algorithm 1; the NNTK repository's GD comparator uses PyTorch's defaults, which
/// are these): m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − η·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵏ),
/// v̂ = v/(1 − β₂ᵏ). Trace time is k·η as for GD (a step count in units of η, not a flow time).
/// </summary>
public static class Adam
{
    /// <summary>β₁, the first-moment decay (PyTorch's default).</summary>
    public const double Beta1 = 0.9;

    /// <summary>β₂, the second-moment decay (PyTorch's default).</summary>
    public const double Beta2 = 0.999;

    /// <summary>ε added to √v̂ (PyTorch's default).</summary>
    public const double Epsilon = 1e-8;

    /// <summary>
    /// Runs up to <see cref="TrainerOptions.Steps"/> Adam steps from <paramref name="theta0"/> with
    /// <see cref="TrainerOptions.LearningRate"/> as η; one objective call per step. Stops early as Converged (target
    /// loss, or an exactly zero gradient), Diverged (NaN/Inf or blow-up, the last finite iterate returned) or Cancelled.
    /// </summary>
    /// <exception cref="InvalidInputException">Invalid options.</exception>
    public static TrainResult Run(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options)
    {
        var s = new TrainingSession(objective, theta0, options);
        options.ValidateLearningRate();
        int p = objective.ParameterCount;
        double eta = options.LearningRate;
        long maxSteps = options.Steps;
        var theta = theta0.ToArray();
        var previous = new double[p];
        var g = new double[p];
        var m = new double[p];
        var v = new double[p];

        double loss = s.ValueAndGradient(theta, g);
        double gn2 = TrainingSession.SumOfSquares(g);
        if (s.Check(loss, gn2, "loss", 0, double.NaN, out string? reason) == Health.NonFinite)
            return s.Finish(TrainStatus.Diverged, theta, 0, 0, reason);
        s.SetInitialLoss(loss);
        long k = 0;
        double b1k = 1, b2k = 1;
        while (true)
        {
            s.ObserveLoss(k, loss, theta);
            bool converged = s.ReachedTarget(loss) || gn2 == 0;
            bool cancelled = !converged && s.CancellationRequested;
            bool last = k == maxSteps || converged || cancelled;
            if (last || s.IsLogStep(k)) s.Record(k, k * eta, loss, gn2, theta);
            s.ReportProgress(k, maxSteps, last);
            if (last)
                return s.Finish(converged ? TrainStatus.Converged : cancelled ? TrainStatus.Cancelled : TrainStatus.Completed,
                    theta, k, k * eta, null);

            b1k *= Beta1;
            b2k *= Beta2;
            double c1 = 1 / (1 - b1k), c2 = 1 / (1 - b2k);
            (previous, theta) = (theta, previous);
            bool finite = true;
            for (int i = 0; i < p; i++)
            {
                m[i] = Beta1 * m[i] + (1 - Beta1) * g[i];
                v[i] = Beta2 * v[i] + (1 - Beta2) * g[i] * g[i];
                double t = previous[i] - eta * (m[i] * c1) / (Math.Sqrt(v[i] * c2) + Epsilon);
                theta[i] = t;
                finite &= double.IsFinite(t);
            }
            double previousLoss = loss, previousGn2 = gn2;
            k++;
            Health health;
            if (!finite)
            {
                health = Health.NonFinite;
                reason = string.Create(CultureInfo.InvariantCulture, $"parameters became non-finite at step {k}");
            }
            else
            {
                loss = s.ValueAndGradient(theta, g);
                gn2 = TrainingSession.SumOfSquares(g);
                health = s.Check(loss, gn2, "loss", k, double.NaN, out reason);
            }
            if (health == Health.NonFinite)
            {
                if (s.LastRecordedStep != k - 1) s.Record(k - 1, (k - 1) * eta, previousLoss, previousGn2, previous);
                s.ReportProgress(k - 1, maxSteps, final: true);
                return s.Finish(TrainStatus.Diverged, previous, k - 1, (k - 1) * eta, reason);
            }
            if (health == Health.BlownUp)
            {
                s.ObserveLoss(k, loss, theta);
                s.Record(k, k * eta, loss, gn2, theta);
                s.ReportProgress(k, maxSteps, final: true);
                return s.Finish(TrainStatus.Diverged, theta, k, k * eta, reason);
            }
        }
    }
}

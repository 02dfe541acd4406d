using System.Globalization;

namespace Overparam.Verify.Engine.Training;

/// <summary>
/// The loop shared by gradient descent and subgradient descent: θ_{k+1} = θ_k − η_k g(θ_k) with the full
/// (sub)gradient, one objective call per step, two parameter buffers swapped so that the previous iterate
/// survives a failure without a copy.
/// </summary>
internal static class FullGradientLoop
{
    public static TrainResult Run(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options, bool diminishing, bool trackBestParameters)
    {
        var s = new TrainingSession(objective, theta0, options, trackBestParameters);
        options.ValidateLearningRate();
        int p = objective.ParameterCount;
        double eta = options.LearningRate;
        long maxSteps = options.Steps;

        var theta = theta0.ToArray();
        var previous = new double[p];
        var g = new double[p];

        double loss = s.ValueAndGradient(theta, g);
        double gn2 = TrainingSession.SumOfSquares(g);
        if (s.Check(loss, gn2, "loss", 0, double.NaN, out string? reason) == Health.NonFinite)
            return s.Finish(TrainStatus.Diverged, theta, 0, 0, reason);
        s.SetInitialLoss(loss);

        long k = 0;
        double time = 0;
        while (true)
        {
            s.ObserveLoss(k, loss, theta);
            bool converged = s.ReachedTarget(loss) || gn2 == 0;
            bool cancelled = !converged && s.CancellationRequested;
            bool last = k == maxSteps || converged || cancelled;
            if (last || s.IsLogStep(k)) s.Record(k, time, loss, gn2, theta);
            s.ReportProgress(k, maxSteps, last);
            if (last)
            {
                var status = converged ? TrainStatus.Converged : cancelled ? TrainStatus.Cancelled : TrainStatus.Completed;
                return s.Finish(status, theta, k, time, null);
            }

            double step = diminishing ? eta / Math.Sqrt(k + 1.0) : eta;
            (previous, theta) = (theta, previous);
            bool finite = true;
            for (int i = 0; i < p; i++)
            {
                double v = previous[i] - step * g[i];
                theta[i] = v;
                finite &= double.IsFinite(v);
            }
            double previousLoss = loss, previousGn2 = gn2, previousTime = time;
            k++;
            // k·η rather than a running sum keeps GD's time exact; the diminishing schedule has no closed form.
            time = diminishing ? time + step : k * eta;

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
                // Fall back to the last iterate that passed every check, and make it the trace's last record.
                if (s.LastRecordedStep != k - 1) s.Record(k - 1, previousTime, previousLoss, previousGn2, previous);
                s.ReportProgress(k - 1, maxSteps, final: true);
                return s.Finish(TrainStatus.Diverged, previous, k - 1, previousTime, reason);
            }
            if (health == Health.BlownUp)
            {
                s.ObserveLoss(k, loss, theta);
                s.Record(k, time, loss, gn2, theta);
                s.ReportProgress(k, maxSteps, final: true);
                return s.Finish(TrainStatus.Diverged, theta, k, time, reason);
            }
        }
    }
}

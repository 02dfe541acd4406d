using System.Globalization;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Training;

/// <summary>
/// Mini-batch SGD: θ_{k+1} = θ_k − η (n/|B_k|) ∇L_{B_k}(θ_k), where L_{B} is the loss restricted to the batch with
/// the full loss's per-sample weights, so (n/|B|)∇L_B is an unbiased estimate of ∇L.
/// </summary>
/// <remarks>
/// <para>Sampling is without replacement within an epoch: each epoch draws a fresh permutation of 0..n−1 from
/// <c>RandomStreams.For(Seed, "train/sgd-batches")</c> (Fisher–Yates, the same sequence as
/// <see cref="RandomStream.Permutation"/>) and cuts it into ⌊n/B⌋ consecutive batches of exactly B samples; the
/// n mod B left-over samples sit out that epoch. Each batch is then a uniformly random B-subset, which keeps the
/// estimate unbiased and its variance the same at every step. Indices inside a batch are passed in ascending
/// order. With B = n the full objective is called instead, so SGD with a full batch IS gradient descent, bit for bit.</para>
/// <para>At log points (and the first and last step) the trainer evaluates the FULL loss and gradient at θ_k, so
/// trace records are comparable with GD's; the target-loss test and the blow-up test on the full loss happen
/// there. Every step also checks the mini-batch loss and gradient for NaN/Inf and the scaled mini-batch loss
/// (n/B)·L_B for blow-up. Trace time is k·η. Same seed → bit-identical run.</para>
/// </remarks>
public static class StochasticGradientDescent
{
    /// <summary>The name of the random stream the batches are drawn from.</summary>
    public const string StreamName = "train/sgd-batches";

    /// <summary>Runs up to <see cref="TrainerOptions.Steps"/> mini-batch steps from <paramref name="theta0"/>.</summary>
    public static TrainResult Run(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options)
    {
        var s = new TrainingSession(objective, theta0, options);
        options.ValidateLearningRate();
        int n = objective.SampleCount;
        options.ValidateBatch(n);
        int p = objective.ParameterCount;
        int batchSize = options.BatchSize;
        bool fullBatch = batchSize == n;
        double eta = options.LearningRate;
        double step = eta * ((double)n / batchSize);
        long maxSteps = options.Steps;

        var stream = RandomStreams.For(options.Seed, StreamName);
        var permutation = new int[n];
        var batch = new int[batchSize];
        int batchesPerEpoch = n / batchSize;
        int nextBatch = batchesPerEpoch; // forces a fresh permutation before the first batch

        var theta = theta0.ToArray();
        var previous = new double[p];
        var g = new double[p];
        var gFull = fullBatch ? g : new double[p];

        double fullLoss = s.ValueAndGradient(theta, gFull);
        double fullGn2 = TrainingSession.SumOfSquares(gFull);
        if (s.Check(fullLoss, fullGn2, "loss", 0, double.NaN, out string? reason) == Health.NonFinite)
            return s.Finish(TrainStatus.Diverged, theta, 0, 0, reason);
        s.SetInitialLoss(fullLoss);
        bool haveFull = true; // fullLoss/gFull describe the current θ

        long k = 0;
        while (true)
        {
            double time = k * eta;
            bool cancelled = s.CancellationRequested;
            bool logHere = k == maxSteps || cancelled || s.IsLogStep(k);
            if (logHere && !haveFull)
            {
                fullLoss = s.ValueAndGradient(theta, gFull);
                fullGn2 = TrainingSession.SumOfSquares(gFull);
                haveFull = true;
                var fullHealth = s.Check(fullLoss, fullGn2, "loss", k, double.NaN, out reason);
                if (fullHealth != Health.Ok) return Fail(s, fullHealth, reason, k, eta, theta, previous, maxSteps, fullLoss, fullGn2);
            }
            bool converged = false;
            if (logHere)
            {
                s.ObserveLoss(k, fullLoss, theta);
                converged = s.ReachedTarget(fullLoss) || (fullBatch && fullGn2 == 0);
                s.Record(k, time, fullLoss, fullGn2, theta);
            }
            bool last = k == maxSteps || converged || cancelled;
            s.ReportProgress(k, maxSteps, last);
            if (last)
            {
                var status = converged ? TrainStatus.Converged : cancelled ? TrainStatus.Cancelled : TrainStatus.Completed;
                return s.Finish(status, theta, k, time, null);
            }

            double batchLoss;
            if (fullBatch)
            {
                // The full gradient at a log point is this step's gradient: no second evaluation.
                batchLoss = haveFull ? fullLoss : s.ValueAndGradient(theta, g);
            }
            else
            {
                if (nextBatch == batchesPerEpoch)
                {
                    Shuffle(stream, permutation);
                    nextBatch = 0;
                }
                Array.Copy(permutation, nextBatch * batchSize, batch, 0, batchSize);
                nextBatch++;
                Array.Sort(batch);
                batchLoss = s.BatchValueAndGradient(theta, batch, g);
            }
            double batchGn2 = TrainingSession.SumOfSquares(g);
            string quantity = fullBatch ? "loss" : "mini-batch loss estimate";
            var health = s.Check(fullBatch ? batchLoss : batchLoss * n / batchSize, batchGn2, quantity, k, double.NaN, out reason);
            if (health != Health.Ok)
                return Fail(s, health, reason, k, eta, theta, previous, maxSteps, haveFull ? fullLoss : double.NaN, haveFull ? fullGn2 : double.NaN);
            if (fullBatch)
            {
                fullLoss = batchLoss;
                fullGn2 = batchGn2;
            }

            (previous, theta) = (theta, previous);
            bool finite = true;
            for (int i = 0; i < p; i++)
            {
                double v = previous[i] - step * g[i];
                theta[i] = v;
                finite &= double.IsFinite(v);
            }
            k++;
            haveFull = false;
            if (!finite)
            {
                reason = string.Create(CultureInfo.InvariantCulture, $"parameters became non-finite at step {k}");
                // θ_k is garbage; the previous iterate θ_{k−1} is in 'previous' and 'theta' no longer matters.
                return Fail(s, Health.NonFinite, reason, k, eta, theta, previous, maxSteps, double.NaN, double.NaN);
            }
        }
    }

    /// <summary>
    /// Ends a diverged run. NaN/Inf at θ_k falls back to θ_{k−1} (θ₀ when k = 0); a blow-up keeps the finite θ_k.
    /// The returned iterate is made the trace's last record, with a full evaluation when its full values are unknown.
    /// </summary>
    private static TrainResult Fail(TrainingSession s, Health health, string? reason, long k, double eta,
        double[] theta, double[] previous, long maxSteps, double knownLoss, double knownGn2)
    {
        long step = k;
        double[] keep = theta;
        if (health == Health.NonFinite)
        {
            if (k == 0)
            {
                keep = s.Theta0.ToArray();
            }
            else
            {
                step = k - 1;
                keep = previous;
            }
            knownLoss = double.NaN;
        }
        // A NaN at θ_0 (k = 0) means the mini-batch failed where the full loss was fine: θ₀ is already recorded.
        if (s.LastRecordedStep != step)
        {
            if (!double.IsFinite(knownLoss))
            {
                var g = new double[keep.Length];
                knownLoss = s.ValueAndGradient(keep, g);
                knownGn2 = TrainingSession.SumOfSquares(g);
            }
            if (double.IsFinite(knownLoss) && double.IsFinite(knownGn2))
            {
                s.ObserveLoss(step, knownLoss, keep);
                s.Record(step, step * eta, knownLoss, knownGn2, keep);
            }
        }
        s.ReportProgress(step, maxSteps, final: true);
        return s.Finish(TrainStatus.Diverged, keep, step, step * eta, reason);
    }

    private static void Shuffle(RandomStream stream, int[] p)
    {
        for (int i = 0; i < p.Length; i++) p[i] = i;
        for (int i = p.Length - 1; i > 0; i--)
        {
            int j = stream.NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
    }
}

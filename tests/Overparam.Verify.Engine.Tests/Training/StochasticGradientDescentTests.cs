using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Training;

public class StochasticGradientDescentTests
{
    private static LeastSquaresObjective Problem(int n = 12, int p = 5) =>
        LeastSquaresObjective.RandomConsistent(n, p, seed: 21, out _);

    private static double[] Theta0(int p = 5) => Oracles.Gaussian(p, 3, "test/theta0");

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Run_FullBatch_EqualsGradientDescentBitForBit(long logEvery)
    {
        var options = new TrainerOptions { LearningRate = 0.01, Steps = 40, BatchSize = 12, Seed = 9, LogEvery = logEvery };
        var gdObjective = Problem();
        var sgdObjective = Problem();
        var gd = GradientDescent.Run(gdObjective, Theta0(), options);
        var sgd = StochasticGradientDescent.Run(sgdObjective, Theta0(), options);

        Assert.Equal(gd.Parameters, sgd.Parameters);
        Assert.Equal(gd.Trace.Losses(), sgd.Trace.Losses());
        Assert.Equal(gd.Trace.GradientNormsSquared(), sgd.Trace.GradientNormsSquared());
        Assert.Equal(gd.Trace.Times(), sgd.Trace.Times());
        Assert.Equal(gd.Trace.Steps(), sgd.Trace.Steps());
        Assert.Equal(gd.Evaluations, sgd.Evaluations);
    }

    [Fact]
    public void Run_SameSeed_BitIdentical()
    {
        var options = new TrainerOptions { LearningRate = 0.005, Steps = 200, BatchSize = 3, Seed = 123, LogEvery = 7 };
        var a = StochasticGradientDescent.Run(Problem(), Theta0(), options);
        var b = StochasticGradientDescent.Run(Problem(), Theta0(), options);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.Equal(a.Trace.Losses(), b.Trace.Losses());
        Assert.Equal(a.Trace.DistancesL2(), b.Trace.DistancesL2());
    }

    [Fact]
    public void Run_DifferentSeeds_Differ()
    {
        var a = StochasticGradientDescent.Run(Problem(), Theta0(), new TrainerOptions { LearningRate = 0.005, Steps = 50, BatchSize = 3, Seed = 1 });
        var b = StochasticGradientDescent.Run(Problem(), Theta0(), new TrainerOptions { LearningRate = 0.005, Steps = 50, BatchSize = 3, Seed = 2 });
        Assert.NotEqual(a.Parameters, b.Parameters);
    }

    [Theory]
    [InlineData(12, 3)] // divides n: every sample once per epoch
    [InlineData(12, 5)] // 2 batches per epoch, 2 samples sit out
    [InlineData(12, 1)]
    public void Run_Batches_SortedWithoutReplacementWithinEachEpoch(int n, int batchSize)
    {
        var f = new LeastSquaresObjective(Problem(n).X, Problem(n).Y) { RecordBatches = true };
        int batchesPerEpoch = n / batchSize;
        StochasticGradientDescent.Run(f, Theta0(), new TrainerOptions { LearningRate = 1e-4, Steps = 10 * batchesPerEpoch, BatchSize = batchSize, LogEvery = 1000 });

        Assert.Equal(10 * batchesPerEpoch, f.Batches.Count);
        Assert.All(f.Batches, b => Assert.Equal(batchSize, b.Length));
        Assert.All(f.Batches, b => Assert.Equal(b.Order().ToArray(), b));
        for (int e = 0; e < 10; e++)
        {
            var epoch = f.Batches.Skip(e * batchesPerEpoch).Take(batchesPerEpoch).SelectMany(b => b).ToArray();
            Assert.Equal(epoch.Length, epoch.Distinct().Count());
            Assert.All(epoch, i => Assert.InRange(i, 0, n - 1));
        }
        // Epochs must not all repeat the same order.
        Assert.NotEqual(f.Batches[0], f.Batches[batchesPerEpoch]);
    }

    [Fact]
    public void Run_OneStep_AveragedOverSeeds_MatchesGradientStep()
    {
        // Unbiasedness: E[θ₁] = θ₀ − η ∇L(θ₀) because the scaled batch gradient (n/B)∇L_B has mean ∇L.
        var f = Problem();
        var theta0 = Theta0();
        double eta = 0.01;
        var gdStep = GradientDescent.Run(f, theta0, new TrainerOptions { LearningRate = eta, Steps = 1 }).Parameters;
        const int seeds = 4000;
        var sum = new double[5];
        var sumSq = new double[5];
        for (ulong seed = 0; seed < seeds; seed++)
        {
            var th = StochasticGradientDescent.Run(f, theta0, new TrainerOptions { LearningRate = eta, Steps = 1, BatchSize = 3, Seed = seed }).Parameters;
            for (int j = 0; j < 5; j++)
            {
                sum[j] += th[j];
                sumSq[j] += th[j] * th[j];
            }
        }
        for (int j = 0; j < 5; j++)
        {
            double mean = sum[j] / seeds;
            double sd = Math.Sqrt(Math.Max(0, sumSq[j] / seeds - mean * mean));
            double standardError = sd / Math.Sqrt(seeds);
            // Five standard errors: a false alarm has probability ~6e-7 per coordinate.
            Assert.True(Math.Abs(mean - gdStep[j]) <= 5 * standardError + Tolerance.RoundOff.Absolute,
                $"θ[{j}]: mean {mean} vs GD {gdStep[j]} (se {standardError})");
        }
    }

    [Fact]
    public void Run_LoggedLossAndGradient_AreFullDataValuesAtTheIterate()
    {
        var f = Problem();
        var probed = new List<double[]>();
        var result = StochasticGradientDescent.Run(f, Theta0(), new TrainerOptions
        {
            LearningRate = 0.005,
            Steps = 30,
            BatchSize = 2,
            LogEvery = 4,
        }.ObservedBy(new FunctionObserver("lambda_min_ntk", th => { probed.Add((double[])th.Clone()); return 1.5; })));
        Assert.Equal(result.Trace.Count, probed.Count);
        for (int i = 0; i < probed.Count; i++)
        {
            var g = new double[5];
            double loss = f.ValueAndGradient(probed[i], g);
            Assert.Equal(loss, result.Trace.Records[i].Loss);
            Assert.Equal(g.Sum(v => v * v), result.Trace.Records[i].GradientNormSquared);
            Assert.Equal(1.5, result.Trace.Observed("lambda_min_ntk")[i]);
            Assert.Equal(result.Trace.Records[i].Step * 0.005, result.Trace.Records[i].Time);
        }
        Assert.Equal(new double[] { 0, 4, 8, 12, 16, 20, 24, 28, 30 }, result.Trace.Steps());
    }

    [Fact]
    public void Run_InterpolatingLeastSquares_DrivesLossDown()
    {
        var f = Problem();
        var result = StochasticGradientDescent.Run(f, Theta0(), new TrainerOptions { LearningRate = 0.01, Steps = 3000, BatchSize = 2, Seed = 4, LogEvery = 500 });
        Assert.Equal(TrainStatus.Completed, result.Status);
        Assert.True(result.Trace.Records[^1].Loss < 1e-6 * result.Trace.Records[0].Loss, $"final {result.Trace.Records[^1].Loss}");
    }

    [Fact]
    public void Run_StepTooLarge_DivergesWithFiniteParameters()
    {
        var f = Problem();
        var result = StochasticGradientDescent.Run(f, Theta0(), new TrainerOptions { LearningRate = 0.5, Steps = 100_000, BatchSize = 2, LogEvery = 50 });
        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.Contains("exceeded", result.DivergenceReason);
        Assert.All(result.Parameters, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(result.Steps, result.Trace.Records[^1].Step);
        Assert.Equal(f.Loss(result.Parameters), result.Trace.Records[^1].Loss);
    }

    [Theory]
    [InlineData(false, 0L)] // full evaluation of the fallback iterate fails too: the trace keeps its last good record
    [InlineData(true, 4L)]  // only mini-batches fail: the fallback iterate θ₄ is evaluated and recorded
    public void Run_ObjectiveReturnsNaN_DivergesKeepingPreviousIterate(bool batchOnly, long lastRecordedStep)
    {
        // Calls: 0 = full at θ₀, then one batch call per step (LogEvery is large, so no other full calls).
        var reference = StochasticGradientDescent.Run(Problem(), Theta0(), new TrainerOptions { LearningRate = 0.005, Steps = 4, BatchSize = 2, LogEvery = 1000 });
        var f = new FailingObjective(Problem()) { FailFromCall = 6, FailBatchOnly = batchOnly };
        var result = StochasticGradientDescent.Run(f, Theta0(), new TrainerOptions { LearningRate = 0.005, Steps = 100, BatchSize = 2, LogEvery = 1000 });

        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.Equal("mini-batch loss estimate became NaN at step 5", result.DivergenceReason);
        Assert.Equal(4, result.Steps);
        Assert.Equal(reference.Parameters, result.Parameters);
        Assert.Equal(lastRecordedStep, result.Trace.Records[^1].Step);
        Assert.All(result.Trace.Records, r => Assert.True(double.IsFinite(r.Loss)));
    }

    [Fact]
    public void Run_TargetLoss_ConvergedAtALogPoint()
    {
        var result = StochasticGradientDescent.Run(Problem(), Theta0(), new TrainerOptions { LearningRate = 0.01, Steps = 100_000, BatchSize = 3, LogEvery = 10, TargetLoss = 1e-4 });
        Assert.Equal(TrainStatus.Converged, result.Status);
        Assert.Equal(0, result.Steps % 10);
        Assert.True(result.Trace.Records[^1].Loss <= 1e-4);
    }

    [Fact]
    public void Run_Cancelled_RecordsCurrentIterate()
    {
        using var cts = new CancellationTokenSource();
        var f = Problem();
        var result = StochasticGradientDescent.Run(f, Theta0(), new TrainerOptions
        {
            LearningRate = 0.001,
            Steps = 1_000_000,
            BatchSize = 2,
            LogEvery = 100_000,
            Cancellation = cts.Token,
            Progress = (done, _) => { if (done >= 20_000) cts.Cancel(); },
        });
        Assert.Equal(TrainStatus.Cancelled, result.Status);
        Assert.Equal(20_001, result.Steps);
        Assert.Equal(f.Loss(result.Parameters), result.Trace.Records[^1].Loss);
    }
}

using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Training;

public class GradientDescentTests
{
    // 8×4 Gaussian design: XᵀX is well conditioned and positive definite, so the quadratic is strongly convex.
    private static LeastSquaresObjective Quadratic(out double[] thetaStar) =>
        LeastSquaresObjective.RandomConsistent(8, 4, seed: 11, out thetaStar);

    private static double[] Theta0(int p) => Oracles.Gaussian(p, 3, "test/theta0");

    [Fact]
    public void Run_StronglyConvexQuadratic_MatchesClosedFormIterates()
    {
        var f = Quadratic(out var thetaStar);
        var ev = Oracles.HessianEigenvalues(f);
        double eta = 1.0 / ev[^1];
        var theta0 = Theta0(4);
        const int steps = 60;

        var result = GradientDescent.Run(f, theta0, new TrainerOptions { LearningRate = eta, Steps = steps });

        Assert.Equal(TrainStatus.Completed, result.Status);
        Assert.Equal(steps, result.Steps);
        Assert.Equal(steps + 1, result.Trace.Count);
        var expected = Oracles.GradientDescentIterate(f, thetaStar, theta0, eta, steps);
        for (int j = 0; j < 4; j++)
            Assert.True(Tolerance.Solver.Accepts(expected[j], result.Parameters[j]), $"θ[{j}]: {expected[j]} vs {result.Parameters[j]}");
        foreach (var r in result.Trace.Records)
        {
            var thetaK = Oracles.GradientDescentIterate(f, thetaStar, theta0, eta, (int)r.Step);
            double lossK = f.Loss(thetaK);
            Assert.True(Tolerance.Solver.Accepts(lossK, r.Loss), $"step {r.Step}: loss {lossK} vs {r.Loss}");
        }
    }

    [Fact]
    public void Run_StronglyConvexQuadratic_LossWithinTextbookLinearRate()
    {
        var f = Quadratic(out _);
        var ev = Oracles.HessianEigenvalues(f);
        double mu = ev[0], lipschitz = ev[^1];
        foreach (double eta in new[] { 0.5 / lipschitz, 1.0 / lipschitz, 1.9 / lipschitz })
        {
            var result = GradientDescent.Run(f, Theta0(4), new TrainerOptions { LearningRate = eta, Steps = 200 });
            double q = 1 - eta * mu * (2 - eta * lipschitz);
            double l0 = result.Trace.Records[0].Loss;
            foreach (var r in result.Trace.Records)
            {
                double bound = Math.Pow(q, r.Step) * l0;
                Assert.True(Tolerance.Rate.AcceptsAtMost(bound, r.Loss), $"η = {eta}, step {r.Step}: {r.Loss} > {bound}");
            }
            Assert.True(result.Trace.Records[^1].Loss < l0, "loss must decrease");
        }
    }

    [Fact]
    public void Run_TraceTimeAndDistances_MatchDefinitions()
    {
        var f = Quadratic(out var thetaStar);
        double eta = 0.01;
        var theta0 = Theta0(4);
        var result = GradientDescent.Run(f, theta0, new TrainerOptions { LearningRate = eta, Steps = 25 });
        foreach (var r in result.Trace.Records)
        {
            Assert.Equal(r.Step * eta, r.Time);
            var thetaK = Oracles.GradientDescentIterate(f, thetaStar, theta0, eta, (int)r.Step);
            double l2 = Math.Sqrt(thetaK.Zip(theta0, (a, b) => (a - b) * (a - b)).Sum());
            double linf = thetaK.Zip(theta0, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(Tolerance.Solver.Accepts(l2, r.DistanceL2), $"step {r.Step}: ‖θ−θ₀‖₂ {l2} vs {r.DistanceL2}");
            Assert.True(Tolerance.Solver.Accepts(linf, r.DistanceLinf), $"step {r.Step}: ‖θ−θ₀‖∞ {linf} vs {r.DistanceLinf}");
            Assert.True(r.WallSeconds >= 0);
        }
        Assert.Equal(0.0, result.Trace.Records[0].DistanceL2);
        Assert.Equal(25 * eta, result.Time);
    }

    [Fact]
    public void Run_GradientNormSquared_IsThatOfTheLoggedIterate()
    {
        var f = Quadratic(out _);
        var probed = new List<double[]>();
        var result = GradientDescent.Run(f, Theta0(4), new TrainerOptions
        {
            LearningRate = 0.02,
            Steps = 5,
        }.ObservedBy(new FunctionObserver("lambda_min_ntk", th => { probed.Add((double[])th.Clone()); return 0; })));
        for (int i = 0; i < probed.Count; i++)
        {
            var g = new double[4];
            f.ValueAndGradient(probed[i], g);
            Assert.Equal(g.Sum(v => v * v), result.Trace.Records[i].GradientNormSquared);
        }
    }

    [Fact]
    public void Run_EvaluatesObjectiveOncePerStep()
    {
        var f = Quadratic(out _);
        var result = GradientDescent.Run(f, Theta0(4), new TrainerOptions { LearningRate = 0.01, Steps = 37, LogEvery = 5 });
        Assert.Equal(38, f.FullCalls);
        Assert.Equal(0, f.BatchCalls);
        Assert.Equal(38, result.Evaluations);
    }

    [Fact]
    public void Run_ZeroSteps_LogsInitialPointOnly()
    {
        var f = Quadratic(out _);
        var theta0 = Theta0(4);
        var result = GradientDescent.Run(f, theta0, new TrainerOptions { Steps = 0 });
        Assert.Equal(TrainStatus.Completed, result.Status);
        Assert.Single(result.Trace.Records);
        Assert.Equal(theta0, result.Parameters);
        Assert.Equal(f.Loss(theta0), result.Trace.Records[0].Loss);
    }

    [Fact]
    public void Run_StepTooLarge_DivergesWithReasonAndFiniteParameters()
    {
        var f = Quadratic(out _);
        double eta = 2.5 / Oracles.HessianEigenvalues(f)[^1];
        var result = GradientDescent.Run(f, Theta0(4), new TrainerOptions { LearningRate = eta, Steps = 100_000 });

        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.NotNull(result.DivergenceReason);
        Assert.Contains("exceeded", result.DivergenceReason);
        Assert.Contains($"at step {result.Steps}", result.DivergenceReason);
        Assert.All(result.Parameters, v => Assert.True(double.IsFinite(v)));
        var lastRecord = result.Trace.Records[^1];
        Assert.Equal(result.Steps, lastRecord.Step);
        Assert.True(lastRecord.Loss > 1e8 * result.Trace.Records[0].Loss);
        Assert.Equal(f.Loss(result.Parameters), lastRecord.Loss);
        Assert.True(result.Steps < 1000, "blow-up must be caught long before the step budget");
    }

    [Fact]
    public void Run_ObjectiveReturnsNaN_DivergesKeepingLastFiniteIterate()
    {
        var clean = GradientDescent.Run(Quadratic(out _), Theta0(4), new TrainerOptions { LearningRate = 0.01, Steps = 4 });
        var f = new FailingObjective(Quadratic(out _)) { FailFromCall = 5 };

        var result = GradientDescent.Run(f, Theta0(4), new TrainerOptions { LearningRate = 0.01, Steps = 100, LogEvery = 3 });

        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.Equal("loss became NaN at step 5", result.DivergenceReason);
        Assert.Equal(4, result.Steps);
        Assert.Equal(clean.Parameters, result.Parameters);
        Assert.Equal(new double[] { 0, 3, 4 }, result.Trace.Steps());
        Assert.All(result.Trace.Records, r => Assert.True(double.IsFinite(r.Loss) && double.IsFinite(r.GradientNormSquared)));
    }

    [Fact]
    public void Run_ObjectiveReturnsInfinity_NamesInfinity()
    {
        var f = new FailingObjective(Quadratic(out _)) { FailFromCall = 2, FailValue = double.PositiveInfinity };
        var result = GradientDescent.Run(f, Theta0(4), new TrainerOptions { LearningRate = 0.01, Steps = 10 });
        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.Equal("loss became +Infinity at step 2", result.DivergenceReason);
        Assert.Equal(1, result.Steps);
    }

    [Fact]
    public void Run_NaNAtInitialPoint_DivergesAtStepZero()
    {
        var theta0 = Theta0(4);
        var f = new FailingObjective(Quadratic(out _)) { FailFromCall = 0 };
        var result = GradientDescent.Run(f, theta0, new TrainerOptions());
        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.StartsWith("loss became NaN at step 0", result.DivergenceReason);
        Assert.Equal(theta0, result.Parameters);
        Assert.Empty(result.Trace.Records);
    }

    [Theory]
    [InlineData(10, 3, new double[] { 0, 3, 6, 9, 10 })]
    [InlineData(9, 3, new double[] { 0, 3, 6, 9 })]
    [InlineData(5, 100, new double[] { 0, 5 })]
    [InlineData(4, 1, new double[] { 0, 1, 2, 3, 4 })]
    public void Run_LogEvery_RecordsMultiplesAndFirstAndLast(long steps, long logEvery, double[] expectedSteps)
    {
        var result = GradientDescent.Run(Quadratic(out _), Theta0(4), new TrainerOptions { LearningRate = 0.01, Steps = steps, LogEvery = logEvery });
        Assert.Equal(expectedSteps, result.Trace.Steps());
    }

    [Fact]
    public void Run_FunctionObserver_CalledAtEachLogPointAndRecorded()
    {
        var f = Quadratic(out _);
        int calls = 0;
        var result = GradientDescent.Run(f, Theta0(4), new TrainerOptions
        {
            LearningRate = 0.01,
            Steps = 20,
            LogEvery = 4,
        }.ObservedBy(new FunctionObserver("lambda_min_ntk", th => { calls++; return th[0] * 1000 + calls; })));
        Assert.Equal(result.Trace.Count, calls);
        var probedTheta0 = Theta0(4)[0];
        var lambda = result.Trace.Observed("lambda_min_ntk");
        Assert.Equal(probedTheta0 * 1000 + 1, lambda[0]);
        Assert.Equal(result.Parameters[0] * 1000 + calls, lambda[^1]);
    }

    [Fact]
    public void Run_TargetLossReached_StopsConvergedAtFirstStepBelowTarget()
    {
        var f = Quadratic(out _);
        var full = GradientDescent.Run(f, Theta0(4), new TrainerOptions { LearningRate = 0.02, Steps = 300 });
        double target = full.Trace.Records[0].Loss * 1e-3;
        long firstBelow = full.Trace.Records.First(r => r.Loss <= target).Step;

        var result = GradientDescent.Run(f, Theta0(4), new TrainerOptions { LearningRate = 0.02, Steps = 300, TargetLoss = target, LogEvery = 1000 });

        Assert.Equal(TrainStatus.Converged, result.Status);
        Assert.Equal(firstBelow, result.Steps);
        Assert.True(result.Trace.Records[^1].Loss <= target);
        Assert.Equal(new double[] { 0, firstBelow }, result.Trace.Steps());
    }

    [Fact]
    public void Run_ExactlyZeroGradient_ConvergedAtStepZero()
    {
        // L1 at its centre has subgradient exactly 0 under the sign(0) = 0 convention: no step can move θ.
        var l1 = new L1Objective(new[] { 1.0, -2.0 });
        var result = GradientDescent.Run(l1, new[] { 1.0, -2.0 }, new TrainerOptions());
        Assert.Equal(TrainStatus.Converged, result.Status);
        Assert.Equal(0, result.Steps);
        Assert.Single(result.Trace.Records);
    }

    [Fact]
    public void Run_CancelledDuringRun_StopsCancelledWithLastIterateRecorded()
    {
        using var cts = new CancellationTokenSource();
        var f = Quadratic(out _);
        int probes = 0;
        var result = GradientDescent.Run(f, Theta0(4), new TrainerOptions
        {
            LearningRate = 0.01,
            Steps = 1_000_000,
            LogEvery = 10,
            Cancellation = cts.Token,
        }.ObservedBy(new FunctionObserver("lambda_min_ntk", _ => { if (++probes == 3) cts.Cancel(); return 0; })));
        Assert.Equal(TrainStatus.Cancelled, result.Status);
        Assert.Equal(21, result.Steps); // cancelled while logging step 20, noticed before the update of step 21
        Assert.Equal(result.Steps, result.Trace.Records[^1].Step);
        Assert.Equal(f.Loss(result.Parameters), result.Trace.Records[^1].Loss);
    }

    [Fact]
    public void Run_AlreadyCancelled_StopsAtInitialPoint()
    {
        var theta0 = Theta0(4);
        var result = GradientDescent.Run(Quadratic(out _), theta0, new TrainerOptions { Cancellation = new CancellationToken(true) });
        Assert.Equal(TrainStatus.Cancelled, result.Status);
        Assert.Equal(0, result.Steps);
        Assert.Equal(theta0, result.Parameters);
        Assert.Single(result.Trace.Records);
    }

    [Fact]
    public void Run_Progress_CalledAtMostAbout100TimesEndingAtTotal()
    {
        var calls = new List<(long Done, long Total)>();
        GradientDescent.Run(Quadratic(out _), Theta0(4), new TrainerOptions
        {
            LearningRate = 1e-4,
            Steps = 5000,
            LogEvery = 5000,
            Progress = (d, t) => calls.Add((d, t)),
        });
        Assert.InRange(calls.Count, 50, 102);
        Assert.Equal((5000L, 5000L), calls[^1]);
        Assert.True(calls.Zip(calls.Skip(1)).All(c => c.First.Done < c.Second.Done), "progress must increase");
    }

    [Fact]
    public void Run_SameInputs_BitIdentical()
    {
        var a = GradientDescent.Run(Quadratic(out _), Theta0(4), new TrainerOptions { LearningRate = 0.03, Steps = 50 });
        var b = GradientDescent.Run(Quadratic(out _), Theta0(4), new TrainerOptions { LearningRate = 0.03, Steps = 50 });
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.Equal(a.Trace.Losses(), b.Trace.Losses());
    }
}

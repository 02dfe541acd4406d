using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Training;

public class GradientFlowTests
{
    private const double Rtol = 1e-10;
    private const double Atol = 1e-12;

    // The global error of a tolerance-controlled Runge–Kutta method is a sum of local errors, each held to about
    // Atol + Rtol·|θ|; on this contracting linear problem they accumulate to well under 100× one step's budget.
    private static readonly Tolerance IntegratorGlobal = new(100 * Atol, 100 * Rtol);

    private static LeastSquaresObjective Quadratic(out double[] thetaStar) =>
        LeastSquaresObjective.RandomConsistent(8, 4, seed: 11, out thetaStar);

    private static double[] Theta0(int p) => Oracles.Gaussian(p, 3, "test/theta0");

    private static TrainerOptions Accurate(double endTime, long logEvery = 1) => new()
    {
        RelativeTolerance = Rtol,
        AbsoluteTolerance = Atol,
        EndTime = endTime,
        Steps = 100_000,
        LogEvery = logEvery,
    };

    [Fact]
    public void Run_Quadratic_MatchesMatrixExponentialAtReportedTimes()
    {
        var f = Quadratic(out var thetaStar);
        var theta0 = Theta0(4);
        var probed = new List<double[]>();
        var options = new TrainerOptions
        {
            RelativeTolerance = Rtol,
            AbsoluteTolerance = Atol,
            EndTime = 2.0,
            Steps = 100_000,
        }.ObservedBy(new FunctionObserver("lambda_min_ntk", th => { probed.Add((double[])th.Clone()); return double.NaN; }));

        var result = GradientFlow.Run(f, theta0, options);

        Assert.Equal(TrainStatus.Completed, result.Status);
        Assert.True(result.Trace.Count > 10);
        for (int i = 0; i < probed.Count; i++)
        {
            var r = result.Trace.Records[i];
            var exact = Oracles.FlowSolution(f, thetaStar, theta0, r.Time);
            for (int j = 0; j < 4; j++)
                Assert.True(IntegratorGlobal.Accepts(exact[j], probed[i][j]), $"t = {r.Time}, θ[{j}]: {exact[j]} vs {probed[i][j]}");
            Assert.True(IntegratorGlobal.Accepts(f.Loss(exact), r.Loss), $"t = {r.Time}: loss {f.Loss(exact)} vs {r.Loss}");
        }
        var final = Oracles.FlowSolution(f, thetaStar, theta0, 2.0);
        for (int j = 0; j < 4; j++)
            Assert.True(IntegratorGlobal.Accepts(final[j], result.Parameters[j]));
    }

    [Fact]
    public void Run_ReportedTime_StrictlyIncreasingAndEndsExactlyAtEndTime()
    {
        var result = GradientFlow.Run(Quadratic(out _), Theta0(4), Accurate(endTime: 1.7));
        var t = result.Trace.Times();
        Assert.Equal(0.0, t[0]);
        for (int i = 1; i < t.Length; i++) Assert.True(t[i] > t[i - 1], $"t[{i}] = {t[i]} ≤ t[{i - 1}] = {t[i - 1]}");
        Assert.Equal(1.7, t[^1]);
        Assert.Equal(1.7, result.Time);
        Assert.Equal(result.Steps, result.Trace.Records[^1].Step);
    }

    [Fact]
    public void Run_StiffQuadratic_RejectsStepsYetStaysAccurate()
    {
        // Hessian diag(1, 10⁴): once the fast mode has decayed, the step is capped by stability, not accuracy,
        // and the controller keeps probing past the cap, so some steps must be rejected.
        var f = new LeastSquaresObjective(new double[,] { { 1, 0 }, { 0, 100 } }, new double[] { 0, 0 });
        var theta0 = new[] { 1.0, 1.0 };
        var result = GradientFlow.Run(f, theta0, new TrainerOptions { EndTime = 5, Steps = 1_000_000, RelativeTolerance = 1e-6, AbsoluteTolerance = 1e-10 });

        Assert.Equal(TrainStatus.Completed, result.Status);
        Assert.True(result.RejectedSteps > 0, "a stiff problem must make the controller reject steps");
        // Stability bounds h·10⁴ ≲ 3.3, so reaching t = 5 takes thousands of steps.
        Assert.True(result.Steps > 1000, $"only {result.Steps} steps");
        Assert.True(new Tolerance(1e-8, 1e-5).Accepts(Math.Exp(-5), result.Parameters[0]), $"{result.Parameters[0]}");
        Assert.True(Math.Abs(result.Parameters[1]) < 1e-8);
    }

    [Theory]
    [InlineData(10, 4)] // tall, consistent: PL constant λ_min(XᵀX)
    [InlineData(4, 10)] // wide (overparameterized): PL constant λ_min(XXᵀ)
    public void Run_LeastSquares_LossUnderPlEnvelope(int n, int p)
    {
        var f = LeastSquaresObjective.RandomConsistent(n, p, seed: 5, out _);
        double lambda = n >= p ? Oracles.HessianEigenvalues(f)[0] : Oracles.GramEigenvalues(f)[0];
        Assert.True(lambda > 0);
        var result = GradientFlow.Run(f, Theta0(p), new TrainerOptions { EndTime = 3.0, Steps = 100_000 });

        double l0 = result.Trace.Records[0].Loss;
        foreach (var r in result.Trace.Records)
        {
            double bound = Math.Exp(-2 * lambda * r.Time) * l0;
            Assert.True(Tolerance.Rate.AcceptsAtMost(bound, r.Loss), $"t = {r.Time}: {r.Loss} > {bound}");
        }
        Assert.True(result.Trace.Records[^1].Loss < 0.5 * l0);
    }

    [Fact]
    public void Run_Rosenbrock_LossNonincreasingAndReachesMinimum()
    {
        var f = new RosenbrockObjective();
        var result = GradientFlow.Run(f, new[] { -1.2, 1.0 }, new TrainerOptions { EndTime = 200, Steps = 1_000_000 });

        Assert.Equal(TrainStatus.Completed, result.Status);
        var losses = result.Trace.Losses();
        // dL/dt = −‖∇L‖² ≤ 0 along the exact flow; the integrator may wobble only within its tolerance.
        for (int i = 1; i < losses.Length; i++)
            Assert.True(Tolerance.RoundOff.AcceptsAtMost(losses[i - 1], losses[i]), $"loss rose at record {i}: {losses[i - 1]} → {losses[i]}");
        Assert.True(losses[^1] < 1e-6 * losses[0], $"final loss {losses[^1]}");
        Assert.True(new Tolerance(1e-3, 0).Accepts(1.0, result.Parameters[0]));
    }

    [Fact]
    public void Run_FirstSameAsLast_SixEvaluationsPerAttemptedStep()
    {
        var f = Quadratic(out _);
        var result = GradientFlow.Run(f, Theta0(4), Accurate(endTime: 1.0, logEvery: 7));
        // 1 at θ₀, 1 for the automatic starting step, then stages 2..7 of every attempt (stage 1 is reused).
        Assert.Equal(2 + 6 * (result.Steps + result.RejectedSteps), result.Evaluations);
        Assert.Equal(result.Evaluations, f.FullCalls);
    }

    [Fact]
    public void Run_LogEvery_RecordsMultiplesOfAcceptedStepsAndLast()
    {
        var result = GradientFlow.Run(Quadratic(out _), Theta0(4), Accurate(endTime: 1.0, logEvery: 5));
        var steps = result.Trace.Steps();
        Assert.Equal(0, steps[0]);
        Assert.Equal(result.Steps, steps[^1]);
        Assert.All(steps.Take(steps.Length - 1), s => Assert.Equal(0, s % 5));
        Assert.Equal((int)(result.Steps / 5) + 1 + (result.Steps % 5 == 0 ? 0 : 1), steps.Length);
    }

    [Fact]
    public void Run_StepBudget_StopsAfterThatManyAcceptedSteps()
    {
        var result = GradientFlow.Run(Quadratic(out _), Theta0(4), new TrainerOptions { Steps = 12 });
        Assert.Equal(TrainStatus.Completed, result.Status);
        Assert.Equal(12, result.Steps);
        Assert.True(result.Time > 0 && double.IsFinite(result.Time));
    }

    [Fact]
    public void Run_TargetLoss_Converged()
    {
        var f = Quadratic(out _);
        var result = GradientFlow.Run(f, Theta0(4), new TrainerOptions { TargetLoss = 1e-6, Steps = 100_000 });
        Assert.Equal(TrainStatus.Converged, result.Status);
        Assert.True(result.Trace.Records[^1].Loss <= 1e-6);
        Assert.True(result.Trace.Records[^2].Loss > 1e-6);
    }

    [Fact]
    public void Run_ObjectiveNaNAwayFromStart_DivergesAtStartWithFiniteParameters()
    {
        var theta0 = Theta0(4);
        var f = new FailingObjective(Quadratic(out _)) { FailWhere = th => !th.SequenceEqual(theta0) };
        var result = GradientFlow.Run(f, theta0, new TrainerOptions { InitialTimeStep = 0.1 });

        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.Contains("non-finite", result.DivergenceReason);
        Assert.Contains("underflowed", result.DivergenceReason);
        Assert.Equal(theta0, result.Parameters);
        Assert.Equal(0, result.Steps);
        Assert.Single(result.Trace.Records);
        Assert.InRange(result.RejectedSteps, 10, 40);
    }

    [Fact]
    public void Run_ObjectiveNaNPastAWall_RejectsThenDivergesJustBeforeIt()
    {
        // L = ½(θ − 1)² from θ = 0: the flow θ(t) = 1 − e^{−t} crosses the wall θ = ½ at t = ln 2, where the
        // objective turns NaN. The integrator must creep up to the wall and stop there, not return garbage.
        var f = new FailingObjective(new LeastSquaresObjective(new double[,] { { 1 } }, new[] { 1.0 })) { FailWhere = th => th[0] > 0.5 };
        var result = GradientFlow.Run(f, new[] { 0.0 }, new TrainerOptions { Steps = 1_000_000 });

        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.Contains("non-finite", result.DivergenceReason);
        Assert.True(result.RejectedSteps > 0);
        Assert.InRange(result.Parameters[0], 0.5 - 1e-6, 0.5);
        Assert.True(new Tolerance(1e-5, 0).Accepts(Math.Log(2), result.Time), $"t = {result.Time}");
        Assert.Equal(result.Time, result.Trace.Records[^1].Time);
    }

    [Fact]
    public void Run_LossBlowUpAtAcceptedPoint_DivergesWithReason()
    {
        // An objective whose reported loss jumps to 10¹² (gradient intact) from its 30th call on.
        var f = new FailingObjective(Quadratic(out _)) { FailFromCall = 30, FailValue = 1e12, PoisonGradient = false };
        var result = GradientFlow.Run(f, Theta0(4), new TrainerOptions { Steps = 1000 });
        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.Contains("exceeded", result.DivergenceReason);
        Assert.Contains($"(accepted step {result.Steps})", result.DivergenceReason);
        Assert.Equal(1e12, result.Trace.Records[^1].Loss);
        Assert.All(result.Parameters, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void Run_ZeroGradientAtStart_ConvergedImmediately()
    {
        var result = GradientFlow.Run(new L1Objective(new[] { 0.5 }), new[] { 0.5 }, new TrainerOptions());
        Assert.Equal(TrainStatus.Converged, result.Status);
        Assert.Equal(0.0, result.Time);
    }

    [Fact]
    public void Run_Cancelled_StopsCancelled()
    {
        using var cts = new CancellationTokenSource();
        int probes = 0;
        var result = GradientFlow.Run(Quadratic(out _), Theta0(4), new TrainerOptions
        {
            Steps = 1_000_000,
            Cancellation = cts.Token,
        }.ObservedBy(new FunctionObserver("lambda_min_ntk", _ => { if (++probes == 4) cts.Cancel(); return 0; })));
        Assert.Equal(TrainStatus.Cancelled, result.Status);
        Assert.Equal(3, result.Steps);
        Assert.Equal(result.Steps, result.Trace.Records[^1].Step);
    }

    [Fact]
    public void Run_FiniteEndTime_ProgressInPerMilleOfHorizon()
    {
        var calls = new List<(long Done, long Total)>();
        GradientFlow.Run(Quadratic(out _), Theta0(4), new TrainerOptions { EndTime = 3, Steps = 100_000, Progress = (d, t) => calls.Add((d, t)) });
        Assert.All(calls, c => Assert.Equal(1000, c.Total));
        Assert.Equal((1000L, 1000L), calls[^1]);
        Assert.True(calls.Count <= 102);
    }
}

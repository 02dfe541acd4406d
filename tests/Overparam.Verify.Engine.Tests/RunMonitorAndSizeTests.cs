using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Tests.Training;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests;

public class RunMonitorAndSizeTests
{
    private sealed class Recording(int cancelAfterSteps) : IRunMonitor
    {
        private readonly CancellationTokenSource _cts = new();

        public List<(long Done, long Total, double Loss)> Steps { get; } = [];

        public List<string> Phases { get; } = [];

        public CancellationToken Cancellation => _cts.Token;

        public void Phase(string name) => Phases.Add(name);

        public void Progress(long done, long total, double loss)
        {
            Steps.Add((done, total, loss));
            if (done >= cancelAfterSteps) _cts.Cancel();
        }
    }

    [Fact]
    public void MonitoredBy_ReportsStepsWithTheLossOfThatStep()
    {
        var f = LeastSquaresObjective.RandomConsistent(8, 4, seed: 11, out _);
        var monitor = new Recording(int.MaxValue);
        var options = new TrainerOptions { LearningRate = 0.01, Steps = 500 }.MonitoredBy(monitor);
        var result = GradientDescent.Run(f, new double[4], options);
        Assert.Equal(TrainStatus.Completed, result.Status);
        Assert.True(monitor.Steps.Count is > 10 and <= 102, $"{monitor.Steps.Count} reports");
        Assert.Equal(500, monitor.Steps[^1].Done);
        Assert.All(monitor.Steps, s => Assert.Equal(500, s.Total));
        // Each report carries the loss of the step it reports, as the trace recorded it.
        var byStep = result.Trace.Records.ToDictionary(r => r.Step, r => r.Loss);
        foreach (var (done, _, loss) in monitor.Steps) Assert.Equal(byStep[done], loss);
    }

    [Fact]
    public void MonitoredBy_CancellationStopsTheRunEarly()
    {
        var f = LeastSquaresObjective.RandomConsistent(8, 4, seed: 11, out _);
        var monitor = new Recording(cancelAfterSteps: 100);
        var result = GradientDescent.Run(f, new double[4], new TrainerOptions { LearningRate = 1e-6, Steps = 100_000 }.MonitoredBy(monitor));
        Assert.Equal(TrainStatus.Cancelled, result.Status);
        Assert.InRange(result.Steps, 100, 2000);
    }

    [Fact]
    public void Matrix_PastOneArray_RefusedWithoutOverflow()
    {
        // 50,000² = 2.5e9 entries: rows·cols in int32 overflowed (OverflowException) before this was checked.
        var e = Assert.Throws<ProblemTooLargeException>(() => new Matrix(50_000, 50_000));
        Assert.Contains("50000×50000", e.Message);
        Assert.IsAssignableFrom<InvalidInputException>(e);
    }

    [Fact]
    public void ProblemSize_Require_NamesTheLimitThatFails()
    {
        ProblemSize.Require("small", 1000, "x", 1000);
        var array = Assert.Throws<ProblemTooLargeException>(() => ProblemSize.Require("wide", 3e9, "the n×n NTK", 3e9));
        Assert.Contains("the n×n NTK would have 3E+09 entries", array.Message);
        double tooMuch = 2.0 * ProblemSize.AvailableBytes / sizeof(double);
        var memory = Assert.Throws<ProblemTooLargeException>(() => ProblemSize.Require("deep", 1000, "x", tooMuch));
        Assert.Contains("GiB of memory", memory.Message);
        Assert.Throws<ProblemTooLargeException>(() => ProblemSize.Require("nan", double.NaN, "x", 1));
    }

    [Fact]
    public void SimdInfo_NamesThePathTheKernelsUse()
    {
        Assert.Equal(Simd.Best switch { SimdPath.Vector512 => 512, SimdPath.Vector256 => 256, _ => 64 }, SimdInfo.WidthBits);
        Assert.StartsWith(Simd.Best switch { SimdPath.Vector512 => "vector512", SimdPath.Vector256 => "vector256", _ => "scalar" }, SimdInfo.Name);
    }
}

public class TraceObserverTests
{
    private sealed class NormObserver : ITraceObserver
    {
        public List<long> Steps { get; } = [];

        public IReadOnlyList<string> Columns { get; } = ["norm", "first"];

        public void Observe(long iteration, double time, ReadOnlySpan<double> theta, Span<double> values)
        {
            Steps.Add(iteration);
            double s = 0;
            foreach (var t in theta) s += t * t;
            values[0] = Math.Sqrt(s);
            values[1] = theta[0];
        }
    }

    [Fact]
    public void Observers_WriteOneValuePerLoggedPoint_UnderTheirColumnNames()
    {
        var f = LeastSquaresObjective.RandomConsistent(8, 4, seed: 11, out _);
        var norm = new NormObserver();
        var options = new TrainerOptions { LearningRate = 0.01, Steps = 40, LogEvery = 5 }
            .ObservedBy(norm, new FunctionObserver("sum", theta => theta.Sum()));
        var theta0 = new double[] { 1, -2, 0.5, 3 };
        var result = GradientDescent.Run(f, theta0, options);
        var trace = result.Trace;
        Assert.Equal(["norm", "first", "sum"], trace.ObservedColumns);
        Assert.Equal(trace.Records.Select(r => r.Step), norm.Steps);
        Assert.Equal(trace.Count, trace.Observed("sum").Length);
        // Step 0 is θ₀ itself: each column is its function of θ₀.
        Assert.Equal(Math.Sqrt(1 + 4 + 0.25 + 9), trace.Observed("norm")[0], 12);
        Assert.Equal(1.0, trace.Observed("first")[0]);
        Assert.Equal(2.5, trace.Observed("sum")[0], 12);
        Assert.Equal(result.Parameters.Sum(), trace.Observed("sum")[^1], 12);
        Assert.Throws<KeyNotFoundException>(() => trace.Observed("missing"));
    }

    [Fact]
    public void Observers_TwoWritingOneColumn_Refused()
    {
        var f = LeastSquaresObjective.RandomConsistent(8, 4, seed: 11, out _);
        var options = new TrainerOptions { Steps = 2 }
            .ObservedBy(new FunctionObserver("x", _ => 1), new FunctionObserver("x", _ => 2));
        Assert.Throws<ArgumentException>(() => GradientDescent.Run(f, new double[4], options));
    }
}

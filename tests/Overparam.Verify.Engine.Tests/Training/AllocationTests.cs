using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Training;

public class AllocationTests
{
    // Buffers are allocated once per run; a run 100× longer (same number of log points) may allocate only
    // what the runtime itself allocates now and then (tiered JIT, timers), far below one byte per step.
    private const long SlackBytes = 2048;

    private static long AllocatedBy(Action run)
    {
        run(); // warm up the JIT so compilation is not counted
        long before = GC.GetAllocatedBytesForCurrentThread();
        run();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData("gd")]
    [InlineData("subgradient")]
    [InlineData("sgd")]
    [InlineData("flow")]
    public void Run_LongerRun_AllocatesNothingPerStep(string optimizer)
    {
        var f = LeastSquaresObjective.RandomConsistent(8, 4, seed: 1, out _);
        var theta0 = Oracles.Gaussian(4, 2, "test/theta0");
        long Run(long steps) => AllocatedBy(() => Trainers.Run(optimizer, f, theta0, new TrainerOptions
        {
            LearningRate = 1e-3,
            Steps = steps,
            LogEvery = long.MaxValue,
            BatchSize = 3,
            RelativeTolerance = 1e-6,
        }));
        long small = Run(20);
        long large = Run(2000);
        Assert.True(large - small < SlackBytes, $"{optimizer}: 2000 steps allocated {large} bytes, 20 steps {small}");
    }
}

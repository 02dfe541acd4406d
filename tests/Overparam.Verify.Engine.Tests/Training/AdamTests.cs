using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Training;
using Xunit;

namespace Overparam.Verify.Engine.Tests.Training;

public class AdamTests
{
    // Kingma and Ba's Algorithm 1 written out independently, for the oracle.
    private static double[] Reference(LeastSquaresObjective o, double[] theta0, double eta, int steps)
    {
        int p = theta0.Length;
        var th = (double[])theta0.Clone();
        var m = new double[p];
        var v = new double[p];
        var g = new double[p];
        for (int t = 1; t <= steps; t++)
        {
            o.ValueAndGradient(th, g);
            for (int i = 0; i < p; i++)
            {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                double mh = m[i] / (1 - Math.Pow(0.9, t)), vh = v[i] / (1 - Math.Pow(0.999, t));
                th[i] -= eta * mh / (Math.Sqrt(vh) + 1e-8);
            }
        }
        return th;
    }

    [Fact]
    public void Adam_Steps_MatchAlgorithmOne()
    {
        var o = LeastSquaresObjective.RandomConsistent(12, 5, 3, out _);
        var theta0 = new double[5];
        var r = Adam.Run(o, theta0, new TrainerOptions { LearningRate = 0.05, Steps = 40 });
        var expected = Reference(LeastSquaresObjective.RandomConsistent(12, 5, 3, out _), theta0, 0.05, 40);
        Assert.Equal(TrainStatus.Completed, r.Status);
        for (int i = 0; i < 5; i++) Assert.True(Tolerance.Solver.Accepts(expected[i], r.Parameters[i]), $"{i}: {r.Parameters[i]} vs {expected[i]}");
    }

    [Fact]
    public void Adam_FirstStep_MovesEachCoordinateByAboutEta()
    {
        // m̂₁ = g, v̂₁ = g²: the first step is η·g/(|g| + ε), of size ≈ η whatever the gradient's scale.
        var o = LeastSquaresObjective.RandomConsistent(10, 4, 5, out _);
        var theta0 = new double[4];
        var r = Adam.Run(o, theta0, new TrainerOptions { LearningRate = 0.01, Steps = 1 });
        foreach (var t in r.Parameters) Assert.InRange(Math.Abs(t), 0.01 * (1 - 1e-6), 0.01);
    }

    [Fact]
    public void LogFirst_RecordsTheFirstStepsThenTheThinnedGrid()
    {
        var o = LeastSquaresObjective.RandomConsistent(10, 4, 5, out _);
        var r = GradientDescent.Run(o, new double[4], new TrainerOptions { LearningRate = 0.01, Steps = 100, LogEvery = 50, LogFirst = 3 });
        Assert.Equal([0.0, 1, 2, 3, 50, 100], r.Trace.Steps());
    }
}

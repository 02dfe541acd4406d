using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Training;

public class SubgradientDescentTests
{
    private static readonly double[] Centre = { 0.3, -1.1, 2.0, 0.0, -0.7 };

    [Fact]
    public void Run_L1DiminishingStep_BestLossWithinClassicalBound()
    {
        // Convex, G-Lipschitz f: min_{j≤k} f(θ_j) − f* ≤ (R² + G² Σ_{j<k} η_j²) / (2 Σ_{j<k} η_j), R = ‖θ₀ − θ*‖₂.
        // Here f* = 0 and every subgradient of Σ|θᵢ − cᵢ| has ‖g‖² ≤ p.
        var f = new L1Objective(Centre);
        var theta0 = new double[5];
        double r2 = Centre.Sum(c => c * c), g2 = Centre.Length, eta = 0.5;
        const int steps = 2000;
        var result = SubgradientDescent.Run(f, theta0, new TrainerOptions { LearningRate = eta, Steps = steps, DiminishingStep = true });

        double sumEta = 0, sumEta2 = 0;
        for (int j = 0; j < steps; j++)
        {
            double e = eta / Math.Sqrt(j + 1.0);
            sumEta += e;
            sumEta2 += e * e;
        }
        double bound = (r2 + g2 * sumEta2) / (2 * sumEta);
        Assert.True(Tolerance.Rate.AcceptsAtMost(bound, result.BestLoss), $"best {result.BestLoss} > bound {bound}");
        Assert.Equal(result.Trace.Losses().Min(), result.BestLoss);
        Assert.True(Tolerance.RoundOff.Accepts(sumEta, result.Time), $"time {result.Time} vs Σ η_j {sumEta}");
    }

    [Fact]
    public void Run_FixedStep_TracksBestIterateWhichNeedNotBeLast()
    {
        // With a fixed step the iterates end up oscillating around the kinks (period 2); the best one is kept.
        var f = new L1Objective(Centre);
        var result = SubgradientDescent.Run(f, new double[5], new TrainerOptions { LearningRate = 0.25, Steps = 50 });

        Assert.NotNull(result.BestParameters);
        Assert.Equal(result.BestLoss, f.ValueAndGradient(result.BestParameters, new double[5]));
        var losses = result.Trace.Losses();
        Assert.Equal(losses.Min(), result.BestLoss);
        Assert.Equal(Array.IndexOf(losses, losses.Min()), result.BestStep);
        Assert.True(losses[^1] > result.BestLoss, "the test needs a run whose last iterate is not its best");
        Assert.Equal(50 * 0.25, result.Time);
        // Multiples of 0.25 are exact: odd steps sit at loss 0.05 + 0.15 + 0.05, even ones at 0.2 + 0.1 + 0.2.
        Assert.True(Tolerance.RoundOff.Accepts(0.25, result.BestLoss), $"best {result.BestLoss}");
    }

    [Fact]
    public void Run_SmoothObjectiveFixedStep_EqualsGradientDescent()
    {
        var f = LeastSquaresObjective.RandomConsistent(6, 3, seed: 2, out _);
        var options = new TrainerOptions { LearningRate = 0.02, Steps = 30 };
        var gd = GradientDescent.Run(f, new double[3], options);
        var sub = SubgradientDescent.Run(f, new double[3], options);
        Assert.Equal(gd.Parameters, sub.Parameters);
        Assert.Equal(gd.Trace.Losses(), sub.Trace.Losses());
        Assert.Null(gd.BestParameters);
    }

    [Fact]
    public void Run_DiminishingStep_StepsShrinkAsOneOverRootK()
    {
        var f = new L1Objective(new[] { 100.0 });
        var result = SubgradientDescent.Run(f, new[] { 0.0 }, new TrainerOptions { LearningRate = 1.0, Steps = 4, DiminishingStep = true });
        // Far from the kink the subgradient is −1, so θ_k = Σ_{j<k} 1/√(j+1).
        double expected = 1 + 1 / Math.Sqrt(2) + 1 / Math.Sqrt(3) + 1 / Math.Sqrt(4);
        Assert.True(Tolerance.RoundOff.Accepts(expected, result.Parameters[0]));
        Assert.True(Tolerance.RoundOff.Accepts(expected, result.Time));
    }
}

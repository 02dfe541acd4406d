using MathNet.Numerics.LinearAlgebra;
using Overparam.Verify.Cli.Sweeps;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;

namespace Overparam.Verify.Cli.Tests;

public class SweepTrialTests
{
    // Power iteration stops when the Rayleigh quotient changes by < 1e-12 relative; with the NTK's large top gap
    // the eigenvalue is then right to far better than this.
    private static readonly Tolerance PowerIteration = new(0, 1e-6);

    private static ModerateSweepSpec Spec(ActivationKind a = ActivationKind.Softplus, LabelKind labels = LabelKind.Random) =>
        new(3, 5, a, labels, 1.0, 3000, 1e-4, 1.0, TheoryRatios.DefaultName);

    [Theory]
    [InlineData(ActivationKind.Softplus, 12, 8)]
    [InlineData(ActivationKind.Relu, 20, 4)]
    [InlineData(ActivationKind.Tanh, 7, 30)]
    public void LargestEigenvalue_OfNtkAtInit_MatchesMathNet(ActivationKind a, int n, int k)
    {
        var x = DataGenerators.UnitSphereInputs(n, 5, 17);
        var kernel = Ntk.Structured(Initializers.P4TwoLayer(5, k, a, 1.0, 18), x);
        var oracle = Matrix<double>.Build.DenseOfRowArrays(kernel.ToRows()).Evd().EigenValues.Select(z => z.Real).Max();
        Assert.True(PowerIteration.Accepts(oracle, ModerateTrial.LargestEigenvalue(kernel)));
    }

    [Fact]
    public void Run_ManyParametersPerSample_SucceedsAndIsReproducible()
    {
        var r = ModerateTrial.Run(Spec(), new TrialKey(6, 16, 2));
        Assert.True(r.Success, r.ToString());
        Assert.Equal("converged", r.Status);
        Assert.True(r.FinalLoss <= 1e-4 * r.InitialLoss);
        Assert.True(r.SameOutcome(ModerateTrial.Run(Spec(), new TrialKey(6, 16, 2))));
        Assert.True(double.IsFinite(r.TheoryRatio) && r.TheoryRatio > 0, $"theory ratio {r.TheoryRatio}");
    }

    [Fact]
    public void KappaRatio_Relu_MatchesArcCosineOracle()
    {
        // Independent oracle for P4.C5's ratio: the relu kernel in closed form, eigenvalues and ‖X‖ from MathNet.
        const int n = 7, d = 9, k = 12;
        var x = DataGenerators.UnitSphereInputs(n, d, 3);
        var sigma = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int c = 0; c < d; c++) dot += x[i, c] * x[j, c];
                // acos is ill-conditioned near 1, so the diagonal uses θ = 0 exactly rather than acos(‖x‖² ≈ 1).
                double theta = i == j ? 0 : Math.Acos(Math.Clamp(dot, -1, 1));
                sigma[i, j] = (Math.PI - theta) / (2 * Math.PI) * dot;
            }
        double lambda = Matrix<double>.Build.DenseOfArray(sigma).Evd().EigenValues.Select(z => z.Real).Min();
        double xNorm = Matrix<double>.Build.DenseOfRowArrays(x.ToRows()).L2Norm();
        double kappa = Math.Sqrt((double)d / n) * xNorm / lambda;
        double expected = Math.Sqrt((double)k * d) / (kappa * n);
        double actual = new KappaRatio().Evaluate(x, k, ActivationKind.Relu);
        Assert.True(RatioAgreement.Accepts(expected, actual), $"oracle {expected:R} (λ={lambda:R}, ‖X‖={xNorm:R}), engine {actual:R}");
    }

    private static readonly Tolerance RatioAgreement = new(1e-12, 1e-9);

    [Fact]
    public void Run_FewerParametersThanSamples_FailsWithinBudget()
    {
        // kd = 10 parameters for n = 40 random labels: interpolation is impossible.
        var r = ModerateTrial.Run(Spec(), new TrialKey(40, 2, 0));
        Assert.False(r.Success);
        Assert.Equal(3000, r.Steps);
        Assert.True(r.FinalLoss < r.InitialLoss);
    }

    [Fact]
    public void Run_TeacherLabels_DifferFromRandomLabels()
    {
        var a = ModerateTrial.Run(Spec(), new TrialKey(6, 4, 0));
        var b = ModerateTrial.Run(Spec(labels: LabelKind.Teacher), new TrialKey(6, 4, 0));
        Assert.Equal(a.Seed, b.Seed);
        Assert.NotEqual(a.InitialLoss, b.InitialLoss);
    }
}

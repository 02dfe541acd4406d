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
        Assert.Equal(16.0 * 5 / 6, r.TheoryRatio);
    }

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

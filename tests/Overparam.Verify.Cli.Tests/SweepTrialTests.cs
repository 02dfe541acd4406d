using MathNet.Numerics.LinearAlgebra;
using Overparam.Verify.Cli.Sweeps;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Theory;

namespace Overparam.Verify.Cli.Tests;

/// <summary>The P4.R4 trial as the generic sweep runs it: through the registry, from the theorem's own trial function.</summary>
public class SweepTrialTests
{
    private static readonly Tolerance RatioAgreement = new(1e-12, 1e-9);

    // Relative to λ_max: backward-stable eigensolvers on the same symmetric matrix differ by O(n·u)·‖K‖.
    private const double EigenvalueAgreement = 1e-12;

    internal static SweepSpec Spec(string activation = "softplus", string labels = "random", string steps = "3000", string theory = "p4c5-sqrt-kd-over-b-kappa-n") =>
        SweepSpec.Create(Theorems.Find("P4"), ["n", "k"],
            new Dictionary<string, string> { ["d"] = "5", ["activation"] = activation, ["labels"] = labels, ["steps"] = steps, ["theory-ratio"] = theory }, 3);

    internal static Cell C(int n, int k) =>
        new([KeyValuePair.Create("n", n.ToString(System.Globalization.CultureInfo.InvariantCulture)), KeyValuePair.Create("k", k.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

    [Fact]
    public void Run_ManyParametersPerSample_SucceedsAndIsReproducible()
    {
        var r = Sweep.RunTrial(Spec(), new TrialKey(C(6, 16), 2));
        Assert.True(r.Success, r.ToString());
        Assert.Equal("converged", r.Status);
        Assert.True(r.Metric("final-loss") <= 1e-4 * r.Metric("initial-loss"));
        Assert.True(r.SameOutcome(Sweep.RunTrial(Spec(), new TrialKey(C(6, 16), 2))));
        double ratio = r.Metric("theory-ratio");
        Assert.True(double.IsFinite(ratio) && ratio > 0, $"theory ratio {ratio}");
        Assert.True(r.Metric("lambda-min-init") > 0);
    }

    [Fact]
    public void TrialSeed_KeepsTheStreamNamesOfTheP4OnlySweep()
    {
        // Trials drawn before the generic sweep used "sweep/n=…/k=…/d=…/trial=…"; keeping the names keeps their data.
        var spec = Spec();
        Assert.Equal(RandomStreams.For(3, "sweep/n=40/k=8/d=5/trial=3").NextUInt64(), spec.TrialSeed(C(40, 8), 3));
        Assert.NotEqual(spec.TrialSeed(C(40, 8), 3), spec.TrialSeed(C(40, 8), 4));
        Assert.NotEqual(spec.TrialSeed(C(40, 8), 3), spec.TrialSeed(C(8, 40), 3));
        Assert.Equal(spec.TrialSeed(C(40, 8), 3), Spec(steps: "999").TrialSeed(C(40, 8), 3));
    }

    [Fact]
    public void Run_LearningRateIsStepScaleOverLambdaMaxOfTheNtk()
    {
        // Independent oracle: the NTK from the Jacobian contraction (not the closed-form Gram the trial uses) and
        // MathNet's eigenvalues, at the trial's own seed.
        var spec = Spec();
        var key = new TrialKey(C(9, 6), 1);
        var r = Sweep.RunTrial(spec, key);
        ulong seed = spec.TrialSeed(key.Cell, key.Trial);
        var x = DataGenerators.UnitSphereInputs(9, 5, seed);
        var kernel = Ntk.FromJacobian(Initializers.P4TwoLayer(5, 6, ActivationKind.Softplus, 1.0, seed), x);
        var ev = Matrix<double>.Build.DenseOfRowArrays(kernel.ToRows()).Evd().EigenValues.Select(z => z.Real).ToArray();
        Assert.True(RatioAgreement.Accepts(1.0 / ev.Max(), r.Metric("learning-rate")), $"{1.0 / ev.Max():R} vs {r.Metric("learning-rate"):R}");
        // Two eigensolvers agree on λ_min to a few ulps of the spectrum's scale λ_max, not of λ_min itself.
        Assert.True(Math.Abs(ev.Min() - r.Metric("lambda-min-init")) <= EigenvalueAgreement * ev.Max(), $"{ev.Min():R} vs {r.Metric("lambda-min-init"):R}");
    }

    [Fact]
    public void KappaRatio_Relu_MatchesArcCosineOracle()
    {
        // Independent oracle for P4.C5's ratio √(kd)/(B·κ(X)·n): the relu kernel in closed form, eigenvalues and ‖X‖
        // from MathNet; B is P4.C3's constant for relu.
        const int n = 7, d = 5, k = 12;
        var spec = Spec(activation: "relu");
        var key = new TrialKey(C(n, k), 0);
        var x = DataGenerators.UnitSphereInputs(n, d, spec.TrialSeed(key.Cell, key.Trial));
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
        double expected = Math.Sqrt((double)k * d) / (ShallowJacobianBounds.OverparameterizationFactor(ActivationKind.Relu) * kappa * n);
        double actual = Sweep.RunTrial(spec, key).Metric("theory-ratio");
        Assert.True(RatioAgreement.Accepts(expected, actual), $"oracle {expected:R} (λ={lambda:R}, ‖X‖={xNorm:R}), engine {actual:R}");
    }

    [Fact]
    public void Run_FewerParametersThanSamples_FailsWithinBudget()
    {
        // kd = 10 parameters for n = 40 random labels: interpolation is impossible.
        var r = Sweep.RunTrial(Spec(), new TrialKey(C(40, 2), 0));
        Assert.False(r.Success);
        Assert.Equal(3000, r.Metric("steps"));
        Assert.True(r.Metric("final-loss") < r.Metric("initial-loss"));
    }

    [Fact]
    public void Run_TeacherLabels_DifferFromRandomLabels()
    {
        var a = Sweep.RunTrial(Spec(), new TrialKey(C(6, 4), 0));
        var b = Sweep.RunTrial(Spec(labels: "teacher"), new TrialKey(C(6, 4), 0));
        Assert.Equal(a.Seed, b.Seed);
        Assert.NotEqual(a.Metric("initial-loss"), b.Metric("initial-loss"));
    }

    [Fact]
    public void Spec_CanonicalValues_GiveOneKey()
    {
        var a = SweepSpec.Create(Theorems.Find("P4"), ["n", "k"], new Dictionary<string, string> { ["success-ratio"] = "1e-4", ["nu"] = "1.0" }, 0);
        var b = SweepSpec.Create(Theorems.Find("P4"), ["n", "k"], new Dictionary<string, string> { ["success-ratio"] = "0.0001" }, 0);
        Assert.Equal(a.Key, b.Key);
        Assert.NotEqual(a.Key, SweepSpec.Create(Theorems.Find("P4"), ["n", "k"], new Dictionary<string, string> { ["steps"] = "201" }, 0).Key);
        Assert.NotEqual(a.Key, SweepSpec.Create(Theorems.Find("P4"), ["k", "n"], new Dictionary<string, string>(), 0).Key);
        Assert.NotEqual(a.Key, SweepSpec.Create(Theorems.Find("P4"), ["n", "k"], new Dictionary<string, string>(), 1).Key);
        Assert.Matches("^[0-9a-f]{16}$", a.Key);
        Assert.Equal(a.ToJson(), SweepSpec.FromJson(a.ToJson(), "test").ToJson());
    }

    [Theory]
    [InlineData("not an axis", "activation")]
    [InlineData("unknown option", "nope")]
    public void Spec_BadAxisOrOption_IsAnInputError(string message, string name)
    {
        var e = Assert.ThrowsAny<Engine.InvalidInputException>(() => message == "unknown option"
            ? SweepSpec.Create(Theorems.Find("P4"), ["n"], new Dictionary<string, string> { [name] = "1" }, 0)
            : SweepSpec.Create(Theorems.Find("P4"), [name], new Dictionary<string, string>(), 0));
        Assert.Contains(message, e.Message);
    }
}

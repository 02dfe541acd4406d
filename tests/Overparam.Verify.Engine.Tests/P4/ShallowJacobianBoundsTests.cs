using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Tests.P4;

public class ShallowJacobianBoundsTests
{
    // σ from √λ(JJᵀ) against an SVD of J: the eigenvalue carries ~ε·λ_max absolute error, so σ_min carries
    // ~ε·σ_max²/σ_min; 1e−8 relative to σ_max covers σ_min ≥ 1e−6·σ_max with margin.
    private const double SingularValueRelative = 1e-8;

    private static Mlp Network(Matrix w, double[] v, ActivationKind activation) =>
        new(activation, [new Layer(w.Clone()), new Layer(new Matrix(1, v.Length, (double[])v.Clone()), trainable: false)]);

    private static double JacobianNorm(Matrix w, double[] v, ActivationKind activation, Matrix x) =>
        DenseOracle.SpectralNorm(MlpDifferentiation.Jacobian(Network(w, v, activation), x));

    private static double JacobianDifferenceNorm(Matrix w1, Matrix w2, double[] v, ActivationKind activation, Matrix x)
    {
        var j1 = MlpDifferentiation.Jacobian(Network(w1, v, activation), x);
        var j2 = MlpDifferentiation.Jacobian(Network(w2, v, activation), x);
        for (int i = 0; i < j1.Data.Length; i++) j1.Data[i] -= j2.Data[i];
        return DenseOracle.SpectralNorm(j1);
    }

    private static Matrix RandomW(int k, int d, ulong seed, double std)
    {
        var w = new Matrix(k, d);
        RandomStreams.For(seed, "test/w").FillGaussian(w.Data, 0.0, std);
        return w;
    }

    private static double[] RandomV(int k, ulong seed)
    {
        var v = new double[k];
        RandomStreams.For(seed, "test/v").FillGaussian(v);
        return v;
    }

    public static TheoryData<ActivationKind> AllActivations => new(Enum.GetValues<ActivationKind>());

    public static TheoryData<ActivationKind> SmoothActivations =>
        new(Enum.GetValues<ActivationKind>().Where(Activations.IsSmooth));

    [Theory]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Softplus)]
    [InlineData(ActivationKind.Relu)]
    public void Compute_SigmaMinAndMax_MatchSingularValuesOfJacobian(ActivationKind activation)
    {
        var model = Initializers.P4TwoLayer(6, 10, activation, nu: 2.0, seed: 3);
        var x = DataGenerators.UnitSphereInputs(8, 6, 3);
        var w = model.Layers[0].Weight;
        var v = model.Layers[1].Weight.Data;
        var result = ShallowJacobianBounds.Compute(x, w, v, activation, DenseOracle.Eigenvalues);
        var sv = DenseOracle.ToMathNet(MlpDifferentiation.Jacobian(model, x)).Svd(false).S.ToArray();
        double max = sv.Max(), min = sv.Min();
        var tol = new Tolerance(SingularValueRelative * max, SingularValueRelative);
        Assert.True(tol.Accepts(max, result.SigmaMax), $"σ_max {result.SigmaMax} vs {max}");
        Assert.True(tol.Accepts(min, result.SigmaMin), $"σ_min {result.SigmaMin} vs {min}");
        Assert.True(result.SigmaMax <= result.Beta);
    }

    [Fact]
    public void Compute_P4Instance_MatchesPapersFormulas()
    {
        // papers.md §4.3: β = νB‖X‖ and L = (ν/√k)·B₂·‖X‖ for the ±ν/√k layer and unit-norm rows.
        const double nu = 1.5;
        const int k = 16;
        foreach (var a in new[] { ActivationKind.Tanh, ActivationKind.Softplus, ActivationKind.Gelu })
        {
            var model = Initializers.P4TwoLayer(5, k, a, nu, seed: 2);
            var x = DataGenerators.UnitSphereInputs(7, 5, 2);
            var result = ShallowJacobianBounds.Compute(x, model.Layers[0].Weight, model.Layers[1].Weight.Data, a,
                DenseOracle.Eigenvalues);
            double xNorm = DenseOracle.SpectralNorm(x);
            Assert.True(Tolerance.RoundOff.Accepts(nu * ShallowJacobianBounds.DerivativeSup(a) * xNorm, result.Beta));
            Assert.True(Tolerance.RoundOff.Accepts(nu / Math.Sqrt(k) * ShallowJacobianBounds.SecondDerivativeSup(a) * xNorm,
                result.Lipschitz));
            Assert.True(result.LipschitzApplicable);
            Assert.True(Tolerance.RoundOff.Accepts(1.0, result.MaxRowNorm));
        }
    }

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void Beta_SampledJacobianNorms_NeverExceedTheCertifiedBound(ActivationKind activation)
    {
        // A certified bound beaten by a sample is a bug. Small W puts every pre-activation near 0, where tanh′, erf′,
        // identity′ reach B: the bound should then be nearly attained, so it is also not vacuous.
        int n = 7, d = 4, k = 9;
        var x = DataGenerators.GaussianInputs(n, d, 11);
        double worst = 0;
        ulong seed = 0;
        foreach (double std in new[] { 1e-4, 0.3, 1.0, 4.0 })
            for (int rep = 0; rep < 5; rep++)
            {
                seed++;
                var w = RandomW(k, d, seed, std);
                var v = RandomV(k, seed);
                double beta = ShallowJacobianBounds.Beta(DenseOracle.SpectralNorm(x), v, activation);
                double sampled = JacobianNorm(w, v, activation, x);
                Assert.True(Tolerance.RoundOff.AcceptsAtMost(beta, sampled), $"{activation}: ‖J‖ {sampled} > β {beta}");
                worst = Math.Max(worst, sampled / beta);
            }
        Assert.True(worst > 0);
    }

    [Fact]
    public void Beta_IdentityActivation_IsAttained()
    {
        // φ′ ≡ 1: J = (v ⊗ X) has norm exactly ‖v‖‖X‖, so β is tight.
        var x = DataGenerators.GaussianInputs(5, 3, 4);
        var v = RandomV(6, 4);
        double beta = ShallowJacobianBounds.Beta(DenseOracle.SpectralNorm(x), v, ActivationKind.Identity);
        Assert.True(Tolerance.RoundOff.Accepts(beta, JacobianNorm(RandomW(6, 3, 4, 1.0), v, ActivationKind.Identity, x)));
    }

    [Theory]
    [MemberData(nameof(SmoothActivations))]
    public void Lipschitz_SampledRatios_NeverExceedTheCertifiedConstant(ActivationKind activation)
    {
        int n = 6, d = 3, k = 5;
        var x = DataGenerators.GaussianInputs(n, d, 12);
        double xNorm = DenseOracle.SpectralNorm(x), maxRow = Enumerable.Range(0, n)
            .Max(i => Math.Sqrt(Blas.Dot(x.Row(i), x.Row(i))));
        double worst = 0;
        ulong seed = 100;
        foreach (double std in new[] { 0.2, 1.0 })
            foreach (double step in new[] { 1e-3, 0.1, 1.0, 3.0 })
                for (int rep = 0; rep < 4; rep++)
                {
                    seed++;
                    var w1 = RandomW(k, d, seed, std);
                    var dir = RandomW(k, d, seed + 5000, 1.0);
                    var w2 = w1.Clone();
                    Blas.Axpy(step, dir.Data, w2.Data);
                    var v = RandomV(k, seed);
                    double lip = ShallowJacobianBounds.Lipschitz(xNorm, maxRow, v, activation);
                    double dist = step * Math.Sqrt(Blas.Dot(dir.Data, dir.Data));
                    double ratio = JacobianDifferenceNorm(w1, w2, v, activation, x) / dist;
                    Assert.True(Tolerance.RoundOff.AcceptsAtMost(lip, ratio),
                        $"{activation} std={std} step={step}: sampled {ratio} > L {lip}");
                    if (lip > 0) worst = Math.Max(worst, ratio / lip);
                }
        if (activation != ActivationKind.Identity) Assert.True(worst > 0, "no sample moved the Jacobian");
        else Assert.Equal(0.0, worst);
    }

    [Fact]
    public void Lipschitz_Relu_IsInfiniteAndSamplesShowWhy()
    {
        var x = DataGenerators.UnitSphereInputs(4, 3, 13);
        var model = Initializers.P4TwoLayer(3, 6, ActivationKind.Relu, 1.0, 13);
        var result = ShallowJacobianBounds.Compute(x, model.Layers[0].Weight, model.Layers[1].Weight.Data,
            ActivationKind.Relu, DenseOracle.Eigenvalues);
        Assert.False(result.LipschitzApplicable);
        Assert.Equal(double.PositiveInfinity, result.Lipschitz);
        Assert.True(double.IsFinite(result.Beta));
        // Put w₁ᵀx₁ at +ε, then move w₁ along x₁ by 2ε: one activation flips, ‖ΔJ‖ ≥ |v₁|·|x₁ᵀ…| stays O(1)
        // while ‖ΔW‖ = 2ε, so the ratio blows up as ε → 0.
        var w = model.Layers[0].Weight.Clone();
        var x1 = x.Row(0).ToArray();
        double pre = Blas.Dot(w.Row(0), x1), eps = 1e-6;
        Blas.Axpy(eps - pre, x1, w.Row(0));
        var w2 = w.Clone();
        Blas.Axpy(-2 * eps, x1, w2.Row(0));
        var v = model.Layers[1].Weight.Data;
        double ratio = JacobianDifferenceNorm(w, w2, v, ActivationKind.Relu, x) / (2 * eps);
        Assert.True(ratio > 1e4, $"ratio {ratio}");
    }

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void DerivativeSups_MatchDenseGridMaxima(ActivationKind activation)
    {
        // The sups are claimed exact: a grid over [−12, 12] at spacing 1e−4 must stay below them and come within
        // 1e−6 relative (every extremum here is at |z| ≤ 2, and |φ‴| ≤ 3 keeps the grid error under 1e−8).
        double b1 = ShallowJacobianBounds.DerivativeSup(activation), b2 = ShallowJacobianBounds.SecondDerivativeSup(activation);
        double g1 = 0, g2 = 0;
        for (int i = -120000; i <= 120000; i++)
        {
            double z = i * 1e-4;
            g1 = Math.Max(g1, Math.Abs(Activations.Derivative(activation, z)));
            g2 = Math.Max(g2, Math.Abs(Activations.SecondDerivative(activation, z)));
        }
        var near = new Tolerance(0, 1e-6);
        Assert.True(Tolerance.RoundOff.AcceptsAtMost(b1, g1), $"{activation}: grid sup|φ′| {g1} > {b1}");
        // softplus′ = sigmoid approaches its sup 1 only as z → ∞.
        Assert.True(near.Accepts(b1, g1) || activation == ActivationKind.Softplus,
            $"{activation}: sup|φ′| {b1} vs grid {g1}");
        if (activation == ActivationKind.Relu)
        {
            Assert.Equal(double.PositiveInfinity, b2);
            return;
        }
        Assert.True(Tolerance.RoundOff.AcceptsAtMost(b2, g2), $"{activation}: grid sup|φ″| {g2} > {b2}");
        Assert.True(near.Accepts(b2, g2), $"{activation}: sup|φ″| {b2} vs grid {g2}");
    }

    [Fact]
    public void Compute_ScaledMlp_FoldsScalesAndBoundsTheRealJacobian()
    {
        var w = RandomW(8, 4, 21, 1.0);
        var v = new Matrix(1, 8, RandomV(8, 21));
        var model = new Mlp(ActivationKind.Tanh, [new Layer(w, scale: 0.5), new Layer(v, scale: 1.7, trainable: false)],
            outputScale: 0.3);
        var x = DataGenerators.GaussianInputs(6, 4, 21);
        var (xs, wr, vr) = ShallowJacobianBounds.Unpack(model, x);
        var result = ShallowJacobianBounds.Compute(xs, wr, vr, model.Activation, DenseOracle.Eigenvalues);
        var jac = MlpDifferentiation.Jacobian(model, x);
        var sv = DenseOracle.ToMathNet(jac).Svd(false).S.ToArray();
        var tol = new Tolerance(SingularValueRelative * sv.Max(), SingularValueRelative);
        Assert.True(tol.Accepts(sv.Max(), result.SigmaMax));
        Assert.True(tol.Accepts(sv.Min(), result.SigmaMin));
        Assert.True(result.SigmaMax <= result.Beta);
        ShallowNtkTests.AssertAgree(Ntk.FromJacobian(model, x), ShallowNtk.Gram(xs, wr, vr, model.Activation), "scaled");
    }

    [Fact]
    public void Compute_NonP4Shapes_AreRejected()
    {
        var x = DataGenerators.UnitSphereInputs(4, 3, 1);
        var w = RandomW(5, 3, 1, 1.0);
        var v = new Matrix(1, 5, RandomV(5, 1));
        Assert.Throws<InvalidInputException>(() => ShallowJacobianBounds.Compute(
            new Mlp(ActivationKind.Tanh, [new Layer(w, new double[5]), new Layer(v, trainable: false)]), x));
        Assert.Throws<InvalidInputException>(() => ShallowJacobianBounds.Compute(
            new Mlp(ActivationKind.Tanh, [new Layer(w), new Layer(v)]), x));
        Assert.Throws<InvalidInputException>(() => ShallowJacobianBounds.Compute(
            Initializers.Gaussian(3, [5, 5], ActivationKind.Tanh, 1), x));
    }
}

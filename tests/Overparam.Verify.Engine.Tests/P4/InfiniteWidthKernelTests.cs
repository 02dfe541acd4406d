using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;

namespace Overparam.Verify.Engine.Tests.P4;

public class InfiniteWidthKernelTests
{
    // Closed forms against the 80-node tensor rule on entire integrands (erf′, sin, 1): both at round-off, times the
    // few hundred terms of the double sum.
    private static readonly Tolerance ClosedVsQuadrature = new(1e-13, 1e-11);

    // Monte Carlo agreement: |mean − Σ| within this many standard errors of the replicate mean, per entry
    // (P4.R5 sampled). 5 SE over ~20 entries leaves a false-alarm rate near 1e−5 for normal replicate means.
    private const double StandardErrors = 5.0;

    private static Matrix UnitInputs(int n, int d, ulong seed) => DataGenerators.UnitSphereInputs(n, d, seed);

    [Theory]
    [InlineData(ActivationKind.Erf)]
    [InlineData(ActivationKind.Cos)]
    [InlineData(ActivationKind.Identity)]
    public void ClosedForm_NonUnitInputs_MatchesTensorQuadrature(ActivationKind activation)
    {
        // Row norms 0.5..1.1. Larger norms make e^{−‖x‖²z²} narrow against the quadrature weight and slow the
        // (still geometric) convergence; P4.C6 inputs have norm 1.
        var x = UnitInputs(7, 3, 21);
        for (int i = 0; i < 7; i++)
            foreach (ref double e in x.Row(i)) e *= 0.5 + 0.1 * i;
        var closed = InfiniteWidthKernel.ClosedForm(x, activation);
        var quad = InfiniteWidthKernel.ByQuadrature(x, activation, 80);
        for (int i = 0; i < closed.Data.Length; i++)
            Assert.True(ClosedVsQuadrature.Accepts(closed.Data[i], quad.Data[i]),
                $"{activation} entry {i}: closed {closed.Data[i]} quadrature {quad.Data[i]}");
        Assert.Equal(closed.Data, InfiniteWidthKernel.Sigma(x, activation).Data);
    }

    [Fact]
    public void ClosedForm_ReluUnitInputs_MatchesPapersArcCosineFormula()
    {
        // papers.md §4.3: Σ = (XXᵀ) ⊙ (½ − arccos(XXᵀ)/(2π)) for unit-norm rows.
        var x = UnitInputs(9, 4, 2);
        var sigma = InfiniteWidthKernel.Sigma(x, ActivationKind.Relu);
        var gram = Blas.Gram(x);
        for (int i = 0; i < 9; i++)
            for (int j = 0; j < 9; j++)
            {
                // ρ normalized by the computed norms: arccos is ill-conditioned at 1, and ‖xᵢ‖² = 1 − ε would move the
                // diagonal by √ε.
                double rho = Math.Clamp(gram[i, j] / Math.Sqrt(gram[i, i] * gram[j, j]), -1, 1);
                Assert.True(Tolerance.RoundOff.Accepts(gram[i, j] * (0.5 - Math.Acos(rho) / (2 * Math.PI)), sigma[i, j]));
            }
    }

    [Theory]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Softplus)]
    [InlineData(ActivationKind.Relu)]
    [InlineData(ActivationKind.Gelu)]
    public void Sigma_MatchesMonteCarloAverageOfShallowNtk(ActivationKind activation)
    {
        // P4.R5, sampled: with v_ℓ² = ν²/k, E_W[J Jᵀ] = ν²Σ(X). R independent widths-k networks give R replicate
        // estimates; each entry's mean must sit within a few standard errors of ν²Σ.
        const int n = 6, d = 5, k = 600, replicates = 40;
        const double nu = 1.3;
        var x = UnitInputs(n, d, 77);
        var sigma = InfiniteWidthKernel.Sigma(x, activation);
        var sum = new double[n * n];
        var sumSq = new double[n * n];
        for (int r = 0; r < replicates; r++)
        {
            var model = Initializers.P4TwoLayer(d, k, activation, nu, seed: 1000 + (ulong)r);
            var gram = ShallowNtk.Gram(model, x);
            for (int i = 0; i < sum.Length; i++)
            {
                sum[i] += gram.Data[i];
                sumSq[i] += gram.Data[i] * gram.Data[i];
            }
        }
        for (int i = 0; i < sum.Length; i++)
        {
            double mean = sum[i] / replicates;
            double variance = (sumSq[i] - replicates * mean * mean) / (replicates - 1);
            double se = Math.Sqrt(Math.Max(variance, 0) / replicates);
            double expected = nu * nu * sigma.Data[i];
            // The floor covers entries whose every replicate is identical (none here, but 0/0 must not pass silently).
            Assert.True(se > 0, $"{activation} entry {i}: zero spread");
            Assert.True(Math.Abs(mean - expected) <= StandardErrors * se,
                $"{activation} entry ({i / n},{i % n}): MC {mean} ± {se} vs ν²Σ {expected}");
        }
    }

    [Fact]
    public void LambdaMinOfShallowNtk_WideNetwork_ConcentratesAtLambdaX()
    {
        // P4.R5 as measured in papers.md §4.3 (tanh, n = 20, d = 10, k = 4000: 0.0517 against 0.0525). Concentration at
        // finite k: the relative fluctuation of λ_min is O(√(n/k)) ≈ 7%, so agreement is asked within 15%.
        var concentration = new Tolerance(0, 0.15);
        const double nu = 1.0;
        var x = UnitInputs(20, 10, 31);
        var lambda = InfiniteWidthKernel.Evaluate(x, ActivationKind.Tanh, 40, DenseOracle.Eigenvalues).LambdaMin;
        var model = Initializers.P4TwoLayer(10, 4000, ActivationKind.Tanh, nu, seed: 31);
        double empirical = DenseOracle.Eigenvalues(ShallowNtk.Gram(model, x))[0] / (nu * nu);
        Assert.True(concentration.Accepts(lambda, empirical), $"λ_min(JJᵀ)/ν² {empirical} vs λ(X) {lambda}");
    }

    [Theory]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Softplus)]
    [InlineData(ActivationKind.Gelu)]
    public void Evaluate_Quadrature_ReportsConsistentEigenvalueKappaAndHonestErrorBound(ActivationKind activation)
    {
        var x = UnitInputs(10, 12, 5);
        var result = InfiniteWidthKernel.Evaluate(x, activation, 40, DenseOracle.Eigenvalues);
        Assert.Equal(InfiniteWidthKernel.QuadratureStatus, result.Status);
        Assert.Equal(80, result.QuadratureOrder);
        Assert.Equal(40, result.ComparisonOrder);
        var ev = DenseOracle.Eigenvalues(result.Sigma);
        Assert.Equal(ev[0], result.LambdaMin);
        Assert.True(result.LambdaMin > 0);
        double xNorm = DenseOracle.SpectralNorm(x);
        Assert.True(Tolerance.RoundOff.Accepts(xNorm, result.XNorm));
        Assert.True(Tolerance.RoundOff.Accepts(Math.Sqrt(12.0 / 10.0) * xNorm / result.LambdaMin, result.Kappa));
        Assert.True(result.QuadratureErrorEstimate < 1e-5, $"estimate {result.QuadratureErrorEstimate}");
        Assert.True(result.LambdaMinErrorBound <= 10 * result.QuadratureErrorEstimate + 1e-12);
        // The bound must cover the distance to a much more accurate reference (160 nodes).
        var reference = InfiniteWidthKernel.ByQuadrature(x, activation, 160);
        double truth = DenseOracle.Eigenvalues(reference)[0];
        Assert.True(Math.Abs(truth - result.LambdaMin) <= result.LambdaMinErrorBound,
            $"{activation}: |{truth} − {result.LambdaMin}| > {result.LambdaMinErrorBound}");
        for (int i = 0; i < 10; i++)
            for (int j = 0; j < i; j++) Assert.Equal(result.Sigma[i, j], result.Sigma[j, i]);
    }

    [Fact]
    public void Evaluate_ClosedForm_HasNoQuadratureErrorAndRoundOffBound()
    {
        var x = UnitInputs(8, 6, 6);
        var result = InfiniteWidthKernel.Evaluate(x, ActivationKind.Relu, 40, DenseOracle.Eigenvalues);
        Assert.Equal(InfiniteWidthKernel.ClosedFormStatus, result.Status);
        Assert.Equal(0, result.QuadratureOrder);
        Assert.Equal(0.0, result.QuadratureErrorEstimate);
        Assert.True(result.LambdaMinErrorBound > 0 && result.LambdaMinErrorBound < 1e-13);
    }

    [Fact]
    public void Evaluate_MoreSamplesThanDimensionsWithDuplicateRow_GivesZeroLambdaAndInfiniteKappa()
    {
        // Two equal rows make Σ singular for every φ (equal rows of Σ), so λ(X) = 0 up to round-off.
        var x = UnitInputs(5, 3, 7);
        x.Row(1).CopyTo(x.Row(4));
        var result = InfiniteWidthKernel.Evaluate(x, ActivationKind.Erf, 40, DenseOracle.Eigenvalues);
        Assert.True(Math.Abs(result.LambdaMin) <= result.LambdaMinErrorBound + 1e-14, $"{result.LambdaMin}");
        if (result.LambdaMin <= 0) Assert.Equal(double.PositiveInfinity, result.Kappa);
    }

    [Theory]
    [InlineData(ActivationKind.Identity)]
    [InlineData(ActivationKind.Softplus)]
    [InlineData(ActivationKind.Gelu)]
    [InlineData(ActivationKind.Erf)]
    [InlineData(ActivationKind.Cos)]
    [InlineData(ActivationKind.Relu)]
    public void MuPhi_ClosedForms_MatchQuadrature(ActivationKind activation)
    {
        // Relu′ is a step, but an even-order rule has no node at 0 and symmetric weights, so it gives ½ exactly.
        Assert.True(Tolerance.RoundOff.Accepts(InfiniteWidthKernel.MuPhi(activation),
            InfiniteWidthKernel.MuPhiByQuadrature(activation, 160)), $"{activation}");
    }

    [Fact]
    public void MuPhi_TanhAndSigmoid_AgreeAcrossOrdersAndArePositive()
    {
        foreach (var a in new[] { ActivationKind.Tanh, ActivationKind.Sigmoid })
        {
            double mu = InfiniteWidthKernel.MuPhi(a);
            Assert.True(mu > 0 && mu <= ShallowJacobianBounds.DerivativeSup(a));
            Assert.True(new Tolerance(1e-9, 0).Accepts(InfiniteWidthKernel.MuPhiByQuadrature(a, 160), mu), $"{a}: {mu}");
        }
    }

    [Theory]
    [InlineData(ActivationKind.Identity)]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Softplus)]
    [InlineData(ActivationKind.Gelu)]
    [InlineData(ActivationKind.Erf)]
    [InlineData(ActivationKind.Relu)]
    public void MuPhiLowerBound_RandomUnitInstances_NeverExceedsLambda(ActivationKind activation)
    {
        // P4.C7: λ(X) ≥ μ_φ²·λ_min(XXᵀ). A certified lower bound beaten by the computed λ(X) (beyond its error bound)
        // is a bug.
        foreach (var (n, d, seed) in new[] { (6, 10, 1UL), (8, 8, 2UL), (5, 30, 3UL), (12, 4, 4UL) })
        {
            var x = UnitInputs(n, d, seed);
            var result = InfiniteWidthKernel.Evaluate(x, activation, 40, DenseOracle.Eigenvalues);
            double bound = InfiniteWidthKernel.MuPhiLowerBound(x, activation, DenseOracle.Eigenvalues);
            Assert.True(new Tolerance(result.LambdaMinErrorBound, Tolerance.RoundOff.Relative).AcceptsAtLeast(bound, result.LambdaMin),
                $"{activation} n={n} d={d}: bound {bound} > λ {result.LambdaMin}");
            if (d >= n) Assert.True(bound > 0, $"{activation} n={n} d={d}: bound {bound}");
            if (activation == ActivationKind.Identity)
                Assert.True(Tolerance.RoundOff.Accepts(result.LambdaMin, bound), "identity: Σ = XXᵀ, the bound is tight");
        }
    }

    [Fact]
    public void MuPhiLowerBound_NonUnitRows_AreRejected()
    {
        var x = DataGenerators.GaussianInputs(4, 6, 1);
        var ex = Assert.Throws<InvalidInputException>(() =>
            InfiniteWidthKernel.MuPhiLowerBound(x, ActivationKind.Tanh, DenseOracle.Eigenvalues));
        Assert.Contains("P4.C6", ex.Message);
    }

    [Fact]
    public void Evaluate_BadInputs_AreRejected()
    {
        Assert.Throws<InvalidInputException>(() => InfiniteWidthKernel.Sigma(new Matrix(0, 3), ActivationKind.Tanh));
        var x = UnitInputs(3, 2, 1);
        x[1, 1] = double.PositiveInfinity;
        Assert.Throws<InvalidInputException>(() => InfiniteWidthKernel.Sigma(x, ActivationKind.Tanh));
    }
}

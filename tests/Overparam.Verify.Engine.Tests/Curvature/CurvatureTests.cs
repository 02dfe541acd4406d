using Overparam.Verify.Engine.Curvature;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Engine.Tests.Models;
using Overparam.Verify.Engine.Tests.P4;

namespace Overparam.Verify.Engine.Tests.Curvature;

public class CurvatureTests
{
    // Power iteration stops at residual ≤ 1e−12·|λ|; the eigenvalue error is then ≤ residual²/gap, far below 1e−9.
    private static readonly Tolerance Iterative = Tolerance.Solver;

    private static double[] RandomSpectrum(int n, ulong seed, double lo, double hi)
    {
        var rng = RandomStreams.For(seed, "test/spectrum");
        return Enumerable.Range(0, n).Select(_ => rng.NextUniform(lo, hi)).ToArray();
    }

    [Theory]
    [InlineData(1UL, 7.0)]
    [InlineData(2UL, -7.0)]
    public void PowerIteration_DominantEigenvalue_MatchesDenseEigenvalues(ulong seed, double dominant)
    {
        var values = RandomSpectrum(40, seed, -3, 3);
        values[5] = dominant;
        var a = DenseOracle.SymmetricWithSpectrum(values, seed);
        var result = PowerIteration.LargestMagnitude(v => DenseOracle.Apply(a, v), 40, seed, tolerance: 1e-12);
        Assert.True(result.Converged);
        Assert.True(Iterative.Accepts(dominant, result.Eigenvalue), $"{result.Eigenvalue}");
        Assert.True(result.Residual <= 1e-12 * Math.Abs(result.Eigenvalue));
        var av = DenseOracle.Apply(a, result.Eigenvector);
        double r = Math.Sqrt(av.Select((e, i) => (e - result.Eigenvalue * result.Eigenvector[i]) * (e - result.Eigenvalue * result.Eigenvector[i])).Sum());
        Assert.True(Tolerance.RoundOff.Accepts(result.Residual, r) || r <= 1e-12 * Math.Abs(dominant));
        Assert.True(result.Iterations > 1 && result.Iterations < 1000);
    }

    [Fact]
    public void PowerIteration_SameSeedAndStream_IsReproducible_AndStreamsDiffer()
    {
        var a = DenseOracle.SymmetricWithSpectrum(RandomSpectrum(20, 3, 0, 1), 3);
        var r1 = PowerIteration.LargestMagnitude(v => DenseOracle.Apply(a, v), 20, 9, maxIterations: 5);
        var r2 = PowerIteration.LargestMagnitude(v => DenseOracle.Apply(a, v), 20, 9, maxIterations: 5);
        var r3 = PowerIteration.LargestMagnitude(v => DenseOracle.Apply(a, v), 20, 9, "other", maxIterations: 5);
        Assert.Equal(r1.Eigenvector, r2.Eigenvector);
        Assert.NotEqual(r1.Eigenvector, r3.Eigenvector);
        Assert.False(r1.Converged);
    }

    [Fact]
    public void PowerIteration_ZeroOperator_ReturnsZero()
    {
        var result = PowerIteration.LargestMagnitude(v => new double[v.Length], 5, 1);
        Assert.Equal(0.0, result.Eigenvalue);
        Assert.True(result.Converged);
    }

    [Fact]
    public void PowerIteration_BadOperator_Throws()
    {
        Assert.Throws<ArgumentException>(() => PowerIteration.LargestMagnitude(v => new double[3], 5, 1));
        Assert.Throws<ArgumentException>(() => PowerIteration.LargestMagnitude(v => [double.NaN, 0], 2, 1));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(60)]
    public void Lanczos_FullSteps_RecoversExtremeEigenvalues(int n)
    {
        var values = RandomSpectrum(n, (ulong)n, -2, 5);
        var a = DenseOracle.SymmetricWithSpectrum(values, (ulong)n);
        var result = Lanczos.ExtremeEigenvalues(v => DenseOracle.Apply(a, v), n, 4, maxSteps: n, tolerance: 1e-12);
        var ev = DenseOracle.Eigenvalues(a);
        Assert.True(Tolerance.RoundOff.Accepts(ev[0], result.Min), $"min {result.Min} vs {ev[0]}");
        Assert.True(Tolerance.RoundOff.Accepts(ev[^1], result.Max), $"max {result.Max} vs {ev[^1]}");
        Assert.True(result.Steps <= n);
        Assert.True(result.Converged);
    }

    [Fact]
    public void Lanczos_WellSeparatedExtremes_ConvergeEarlyWithHonestResiduals()
    {
        // Bulk in [0, 1], extremes at −3 and 4: Krylov convergence is fast, so far fewer than n steps suffice.
        const int n = 300;
        var values = RandomSpectrum(n, 8, 0, 1);
        values[0] = -3;
        values[1] = 4;
        var a = DenseOracle.SymmetricWithSpectrum(values, 8);
        var result = Lanczos.ExtremeEigenvalues(v => DenseOracle.Apply(a, v), n, 5, maxSteps: 80, tolerance: 1e-10);
        Assert.True(result.Converged);
        Assert.True(result.Steps < 80, $"{result.Steps} steps");
        // Each Ritz value has an eigenvalue within its residual, and interlacing keeps them inside [λ_min, λ_max].
        Assert.True(Math.Abs(result.Min + 3) <= result.MinResidual + 1e-12, $"{result.Min} ± {result.MinResidual}");
        Assert.True(Math.Abs(result.Max - 4) <= result.MaxResidual + 1e-12, $"{result.Max} ± {result.MaxResidual}");
        Assert.True(Tolerance.Solver.Accepts(-3, result.Min));
        Assert.True(Tolerance.Solver.Accepts(4, result.Max));
        Assert.True(result.Min >= -3 - 1e-12 && result.Max <= 4 + 1e-12);
    }

    [Fact]
    public void Lanczos_IdentityOperator_StopsAtInvariantSubspace()
    {
        var result = Lanczos.ExtremeEigenvalues(v => v.ToArray(), 50, 1);
        Assert.Equal(1, result.Steps);
        Assert.True(result.Converged);
        Assert.True(Tolerance.RoundOff.Accepts(1.0, result.Min));
        Assert.True(Tolerance.RoundOff.Accepts(1.0, result.Max));
    }

    [Fact]
    public void Lanczos_FewDistinctEigenvalues_FindsAllOfThemBeforeDimension()
    {
        // Three distinct eigenvalues: the Krylov space of a generic start vector is invariant after 3 steps.
        var values = Enumerable.Range(0, 30).Select(i => (double)(i % 3) - 1.0).ToArray();
        var a = DenseOracle.SymmetricWithSpectrum(values, 2);
        var result = Lanczos.ExtremeEigenvalues(v => DenseOracle.Apply(a, v), 30, 3, maxSteps: 30);
        Assert.True(result.Steps <= 4, $"{result.Steps} steps");
        Assert.True(Tolerance.RoundOff.Accepts(-1, result.Min));
        Assert.True(Tolerance.RoundOff.Accepts(1, result.Max));
    }

    [Theory]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Softplus)]
    public void Lanczos_And_PowerIteration_OnHessianVectorProducts_MatchDenseHessian(ActivationKind activation)
    {
        var model = TestNets.Random(4, activation, [3, 6, 5, 1], bias: true);
        var x = TestNets.Inputs(4, 9, 3);
        var y = TestNets.Targets(4, 9);
        int p = model.ParameterCount;
        var hess = MlpDifferentiation.Hessian(model, x, y);
        var ev = DenseOracle.Eigenvalues(hess);
        Func<ReadOnlySpan<double>, double[]> hvp = v => MlpDifferentiation.HessianVectorProduct(model, x, y,
            LossNormalization.HalfSum, v);
        var lanczos = Lanczos.ExtremeEigenvalues(hvp, p, 6, maxSteps: p, tolerance: 1e-12);
        double scale = Math.Max(Math.Abs(ev[0]), Math.Abs(ev[^1]));
        var tol = new Tolerance(Tolerance.Solver.Relative * scale, Tolerance.Solver.Relative);
        Assert.True(tol.Accepts(ev[0], lanczos.Min), $"λ_min {lanczos.Min} vs {ev[0]}");
        Assert.True(tol.Accepts(ev[^1], lanczos.Max), $"λ_max {lanczos.Max} vs {ev[^1]}");
        var power = PowerIteration.LargestMagnitude(hvp, p, 6, maxIterations: 20000, tolerance: 1e-11);
        double dominant = Math.Abs(ev[0]) > Math.Abs(ev[^1]) ? ev[0] : ev[^1];
        Assert.True(power.Converged, $"power iteration: {power.Iterations} iterations, residual {power.Residual}");
        Assert.True(tol.Accepts(dominant, power.Eigenvalue), $"power {power.Eigenvalue} vs {dominant}");
    }

    [Fact]
    public void TridiagonalEigen_RandomTridiagonal_MatchesDenseEigenvaluesAndLastComponents()
    {
        const int n = 25;
        var rng = RandomStreams.For(7, "test/tridiagonal");
        var d = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
        var e = Enumerable.Range(0, n - 1).Select(_ => rng.NextGaussian()).ToArray();
        var t = new Matrix(n, n);
        for (int i = 0; i < n; i++) t[i, i] = d[i];
        for (int i = 0; i + 1 < n; i++) t[i, i + 1] = t[i + 1, i] = e[i];
        var (values, last) = TridiagonalEigen.ValuesAndLastComponents(d, e);
        var evd = DenseOracle.ToMathNet(t).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        var reference = Enumerable.Range(0, n).Select(i => (Value: evd.EigenValues[i].Real, Last: evd.EigenVectors[n - 1, i]))
            .OrderBy(p => p.Value).ToArray();
        for (int i = 0; i < n; i++)
        {
            Assert.True(Tolerance.RoundOff.Accepts(reference[i].Value, values[i]), $"value {i}");
            Assert.True(Tolerance.Solver.Accepts(Math.Abs(reference[i].Last), Math.Abs(last[i])), $"last component {i}");
        }
    }
}

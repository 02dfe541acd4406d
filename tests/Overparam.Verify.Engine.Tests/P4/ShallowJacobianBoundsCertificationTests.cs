using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Engine.Tests.LinearAlgebra;

namespace Overparam.Verify.Engine.Tests.P4;

/// <summary>
/// Rounding direction of every number <see cref="ShallowJacobianBounds"/> labels certified, checked in exact rational
/// arithmetic (<see cref="ExactRational"/>) on instances whose true value is known: an upper bound (‖X‖, maxᵢ‖xᵢ‖, β, L)
/// must be ≥ the exact value, a lower bound (σ_min) ≤, and each must stay within its documented error terms of the
/// truth so that a bound inflated by a wrong constant is caught as well. The formulas come from papers.md §4.3 and the
/// class remarks, never from the code under test.
/// </summary>
public class ShallowJacobianBoundsCertificationTests
{
    private const double U = CertifiedEigenvalue.UnitRoundoff;

    private static ExactRational Q(double x) => ExactRational.From(x);

    private static ExactRational SumSquares(ReadOnlySpan<double> v)
    {
        var s = ExactRational.Zero;
        foreach (var e in v) s += Q(e) * Q(e);
        return s;
    }

    /// <summary>X = a·bᵀ with small integers: ‖X‖² = ‖a‖²‖b‖² = ‖X‖_F² exactly, and every Gram entry is exact.</summary>
    private static Matrix RankOne(int rows, int cols, ulong seed, out ExactRational normSquared)
    {
        var r = RandomStreams.For(seed, "test/rank-one");
        var a = Enumerable.Range(0, rows).Select(_ => (double)(1 + r.NextInt(5))).ToArray();
        var b = Enumerable.Range(0, cols).Select(_ => (double)(r.NextInt(7) - 3)).ToArray();
        b[0] = 2;   // never the zero vector
        var x = new Matrix(rows, cols);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) x[i, j] = a[i] * b[j];
        normSquared = SumSquares(a) * SumSquares(b);
        return x;
    }

    [Theory]
    [InlineData(3, 40)]    // XXᵀ, inner dimension 40
    [InlineData(40, 3)]    // XᵀX, inner dimension 40
    [InlineData(5, 5)]
    [InlineData(1, 1)]
    [InlineData(2, 300)]
    [InlineData(300, 2)]
    public void SpectralNormUpper_RankOneIntegers_IsAboveTheNormByTheDocumentedFormationErrorAndNoMore(int rows, int cols)
    {
        var x = RankOne(rows, cols, (ulong)(rows * 1000 + cols), out var exact);
        // Class remarks: √ of an upper bound on λ_max of the smaller Gram with its formation error γ_{m+2}‖X‖_F²
        // (m the inner dimension) added. So the square must cover λ_max + γ_{m+2}‖X‖_F², exactly.
        int m = Math.Max(rows, cols), g = Math.Min(rows, cols);
        var required = exact + ExactRational.Gamma(m + 2) * exact;
        foreach (var eig in new Func<Matrix, double[]>[] { DenseOracle.Eigenvalues, SymmetricEigen.Eigenvalues })
        {
            double upper = ShallowJacobianBounds.SpectralNormUpper(x, eig);
            Assert.True(Q(upper) * Q(upper) >= required,
                $"{rows}×{cols}: ‖X‖ bound {upper:R}² below ‖X‖² + γ_(m+2)‖X‖_F² = {required}");
            // Not inflated beyond the terms it documents: the formation error, the shifted Cholesky's c·tr ≈ (g+1)u·tr
            // on a g×g Gram whose shifted trace is ≤ g·λ_max, and a few roundings.
            double slack = (m + 2 + 3.0 * (g + 1) * (g + 1) + 32) * U;
            Assert.True(Q(upper) * Q(upper) <= exact * Q(1 + slack),
                $"{rows}×{cols}: ‖X‖ bound {upper:R} loose against ‖X‖² = {exact}");
        }
    }

    [Theory]
    [InlineData(7, 4, 0)]
    [InlineData(4, 9, 0)]
    [InlineData(12, 12, 2)]
    [InlineData(30, 5, -465)]   // entries ~1e−140
    [InlineData(6, 20, 332)]    // entries ~1e100
    public void SpectralNormUpper_GaussianInputs_IsAboveAnExactRayleighQuotient(int rows, int cols, int log2Scale)
    {
        // ‖X‖² ≥ ‖Xy‖²/‖y‖² for every y; at MathNet's top right singular vector the quotient, evaluated exactly, is
        // within O(u²) of ‖X‖². An upper bound below it is wrong beyond doubt. X is a Gaussian matrix times an exact
        // power of two, so its singular vectors are the unscaled matrix's (MathNet's SVD is itself inaccurate at 1e−140).
        var x0 = DataGenerators.GaussianInputs(rows, cols, (ulong)(rows + cols));
        var x = new Matrix(rows, cols, x0.Data.Select(e => Math.ScaleB(e, log2Scale)).ToArray());
        var svd = DenseOracle.ToMathNet(x0).Svd(true);
        var y = svd.VT.Row(0).ToArray();
        var rq = ExactRational.Zero;
        for (int i = 0; i < rows; i++)
        {
            var xi = ExactRational.Zero;
            for (int j = 0; j < cols; j++) xi += Q(x[i, j]) * Q(y[j]);
            rq += xi * xi;
        }
        rq /= SumSquares(y);
        double upper = ShallowJacobianBounds.SpectralNormUpper(x);
        Assert.True(Q(upper) * Q(upper) >= rq, $"‖X‖ bound {upper:R} below the Rayleigh quotient {rq}");
        double sigma = Math.ScaleB(svd.S[0], log2Scale);
        Assert.True(upper <= sigma * (1 + 1e-12), $"‖X‖ bound {upper:R} loose against σ_max {sigma:R}");
    }

    [Fact]
    public void SpectralNormUpper_EmptyMatrices_AreZero()
    {
        Assert.Equal(0.0, ShallowJacobianBounds.SpectralNormUpper(new Matrix(0, 4)));
        Assert.Equal(0.0, ShallowJacobianBounds.SpectralNormUpper(new Matrix(3, 0)));
        Assert.Throws<ArgumentNullException>(() => ShallowJacobianBounds.SpectralNormUpper(null!));
    }

    public static TheoryData<ActivationKind> AllActivations => new(Enum.GetValues<ActivationKind>());

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void Beta_IsAboveTheExactProductAndWithinItsRoundingMargin(ActivationKind activation)
    {
        foreach (int k in new[] { 1, 2, 9, 64, 301 })
        {
            var v = new double[k];
            RandomStreams.For((ulong)k, "test/beta-v").FillGaussian(v, 0.0, 0.37);
            double xNorm = 1.2345678901234567 * k;
            double beta = ShallowJacobianBounds.Beta(xNorm, v, activation);
            // β = B₁‖v‖₂‖X‖ (papers.md §4.3, νB‖X‖ with ν = ‖v‖₂); compare squares, exactly.
            double b1 = Activations.DerivativeSup(activation);
            var exact = Q(b1) * Q(b1) * SumSquares(v) * Q(xNorm) * Q(xNorm);
            Assert.True(Q(beta) * Q(beta) >= exact, $"{activation} k={k}: β {beta:R} below B₁‖v‖‖X‖");
            // (k + 8)u documented, the sum's own error ≤ k·u: 2(2k + 12)u on the square covers both and nothing more.
            Assert.True(Q(beta) * Q(beta) <= exact * Q(1 + (4.0 * k + 30) * U),
                $"{activation} k={k}: β {beta:R} inflated beyond its rounding margin");
        }
    }

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void Lipschitz_IsAboveTheExactProductAndWithinItsRoundingMargin(ActivationKind activation)
    {
        var v = new double[] { 0.3, -1.7, 0.9, 1.6999999999999997, -0.2 };
        double xNorm = 2.718281828459045, maxRow = 1.4142135623730951;
        double lip = ShallowJacobianBounds.Lipschitz(xNorm, maxRow, v, activation);
        double b2 = Activations.SecondDerivativeSup(activation);
        if (!double.IsFinite(b2))
        {
            Assert.Equal(double.PositiveInfinity, lip);
            return;
        }
        // L = B₂·‖v‖_∞·‖X‖·maxᵢ‖xᵢ‖ (class remarks), ‖v‖_∞ = 1.7 here.
        var exact = Q(b2) * Q(1.7) * Q(xNorm) * Q(maxRow);
        Assert.True(Q(lip) >= exact, $"{activation}: L {lip:R} below the exact product {exact}");
        if (b2 > 0)
            Assert.True(Q(lip) <= exact * Q(1 + 24 * U), $"{activation}: L {lip:R} inflated beyond 16u and its roundings");
        else
            Assert.True(lip <= double.Epsilon, $"{activation}: φ″ ≡ 0 but L = {lip:R}");
    }

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void Compute_ReportsTheActivationConstantsAndItsOwnBetaAndL(ActivationKind activation)
    {
        var x = DataGenerators.GaussianInputs(5, 3, 77);
        var w = new Matrix(6, 3);
        RandomStreams.For(77, "test/w").FillGaussian(w.Data);
        var v = new double[] { 0.5, -0.25, 1.5, -2.0, 0.125, 1.0 };
        var r = ShallowJacobianBounds.Compute(x, w, v, activation, DenseOracle.Eigenvalues);
        Assert.Equal(Activations.DerivativeSup(activation), r.DerivativeSup);
        Assert.Equal(Activations.SecondDerivativeSup(activation), r.SecondDerivativeSup);
        Assert.Equal(Activations.IsSmooth(activation), r.LipschitzApplicable);
        Assert.Equal(ShallowJacobianBounds.SpectralNormUpper(x, DenseOracle.Eigenvalues), r.XNorm);
        Assert.Equal(ShallowJacobianBounds.Beta(r.XNorm, v, activation), r.Beta);
        Assert.Equal(ShallowJacobianBounds.Lipschitz(r.XNorm, r.MaxRowNorm, v, activation), r.Lipschitz);
        // maxᵢ‖xᵢ‖ rounded up: its square covers the exact maximum and is within (d + 4)u and its roundings.
        var maxSq = Enumerable.Range(0, 5).Select(i => SumSquares(x.Row(i))).Max();
        Assert.True(Q(r.MaxRowNorm) * Q(r.MaxRowNorm) >= maxSq, $"maxᵢ‖xᵢ‖ {r.MaxRowNorm:R} below the exact maximum");
        Assert.True(Q(r.MaxRowNorm) * Q(r.MaxRowNorm) <= maxSq * Q(1 + 2 * (3 + 4 + 6) * U));
        Assert.True(0 <= r.SigmaMinLower && r.SigmaMinLower <= r.SigmaMin && r.SigmaMin <= r.SigmaMax);
    }

    [Fact]
    public void Compute_IdentityActivationOnOrthogonalRows_CertifiesSigmaMinBelowTheExactValueAndCloseToIt()
    {
        // φ′ ≡ 1: J Jᵀ = ‖v‖²·XXᵀ. Rows s_i·e_i are orthogonal, so λ_min(J Jᵀ) = ‖v‖²·min s_i² exactly.
        double[] s = [3.0, 0.75, 2.5, 1.25];
        var x = new Matrix(4, 6);
        for (int i = 0; i < 4; i++) x[i, i + 1] = s[i];
        var w = new Matrix(3, 6);
        RandomStreams.For(9, "test/w").FillGaussian(w.Data);
        var v = new double[] { 0.5, -1.0, 0.25 };
        var exactLambda = SumSquares(v) * Q(0.75) * Q(0.75);
        var exactLambdaMax = SumSquares(v) * Q(3.0) * Q(3.0);
        foreach (var eig in new Func<Matrix, double[]>[] { DenseOracle.Eigenvalues, SymmetricEigen.Eigenvalues })
        {
            var r = ShallowJacobianBounds.Compute(x, w, v, ActivationKind.Identity, eig);
            Assert.True(r.SigmaMinLower > 0, "well-conditioned instance not certified");
            Assert.True(Q(r.SigmaMinLower) * Q(r.SigmaMinLower) <= exactLambda,
                $"certified σ_min {r.SigmaMinLower:R} above the exact {Math.Sqrt(exactLambda.ToDouble()):R}");
            // The certificate gives away the Gram's formation error (dominated by φ′'s assumed 1e−13 accuracy, times
            // n·‖v‖²·max‖xᵢ‖²) and the Cholesky's: a few 1e−12 relative to λ_max here, nothing like a wrong constant.
            double gap = exactLambda.ToDouble() - r.SigmaMinLower * r.SigmaMinLower;
            Assert.True(gap <= 1e-11 * exactLambdaMax.ToDouble(), $"certified σ_min² {r.SigmaMinLower * r.SigmaMinLower:R} " +
                $"is {gap:R} below λ_min {exactLambda}");
            Assert.True(Math.Abs(r.SigmaMin * r.SigmaMin - exactLambda.ToDouble()) <= 1e-14 * exactLambdaMax.ToDouble());
            Assert.True(Math.Abs(r.SigmaMax * r.SigmaMax - exactLambdaMax.ToDouble()) <= 1e-14 * exactLambdaMax.ToDouble());
            // The square root of the certified λ bound is rounded down (class code: "one relative step down").
            var gram = ShallowNtk.Gram(x, w, v, ActivationKind.Identity);
            var cert = CertifiedEigenvalue.LambdaMin(gram, eig(gram)[0],
                ShallowNtk.GramFormationError(x, w, v, ActivationKind.Identity));
            Assert.True(Q(r.SigmaMinLower) * Q(r.SigmaMinLower) <= Q(cert.Bound),
                $"√ of the certified bound {cert.Bound:R} rounded up to {r.SigmaMinLower:R}");
        }
    }

    [Fact]
    public void GramWithLowerBound_IdentityOnOrthogonalRows_BoundIsBelowTheExactLambdaMinAndClose()
    {
        // P4.R1's certified α̂²: φ′ ≡ 1 and v = ±ν/√k with ν = 2, k = 4 gives v = ±1 exactly, so J Jᵀ = ‖v‖²XXᵀ = 4·diag(s²)
        // and λ_min = 4·0.75² = 2.25 exactly.
        double[] s = [3.0, 0.75, 2.5, 1.25];
        var x = new Matrix(4, 6);
        for (int i = 0; i < 4; i++) x[i, i + 1] = s[i];
        var model = Initializers.P4TwoLayer(6, 4, ActivationKind.Identity, nu: 2.0, seed: 5);
        var g = ShallowJacobianBounds.GramWithLowerBound(model, x);
        var exact = Q(4) * Q(0.75) * Q(0.75);
        Assert.True(Q(g.LambdaMinLower) <= exact, $"certified {g.LambdaMinLower:R} above the exact λ_min 2.25");
        Assert.True(2.25 - g.LambdaMinLower <= 1e-11 * 36.0, $"certified {g.LambdaMinLower:R} gives away more than rounding");
        Assert.Equal(4, g.Eigenvalues.Length);
        Assert.True(Math.Abs(g.Eigenvalues[0] - 2.25) <= 1e-14 * 36.0 && Math.Abs(g.Eigenvalues[3] - 36.0) <= 1e-14 * 36.0);
    }

    [Theory]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Softplus)]
    [InlineData(ActivationKind.Relu)]
    public void GramWithLowerBound_AgreesWithTheModelGramAndStaysBelowItsSmallestEigenvalue(ActivationKind activation)
    {
        var x = DataGenerators.GaussianInputs(6, 3, 41);
        var model = Initializers.P4TwoLayer(3, 8, activation, nu: 1.5, seed: 41);
        var g = ShallowJacobianBounds.GramWithLowerBound(model, x);
        var reference = ShallowNtk.Gram(model, x);
        var ev = DenseOracle.Eigenvalues(reference);
        double scale = ev[^1];
        for (int i = 0; i < reference.Data.Length; i++)
            Assert.True(Math.Abs(g.Gram.Data[i] - reference.Data[i]) <= 1e-13 * scale, $"{activation}: Gram entry {i} differs");
        for (int i = 0; i < ev.Length; i++)
            Assert.True(Math.Abs(g.Eigenvalues[i] - ev[i]) <= 1e-12 * scale, $"{activation}: eigenvalue {i} differs");
        Assert.True(g.LambdaMinLower > 0 && g.LambdaMinLower <= ev[0], $"{activation}: bound {g.LambdaMinLower:R} vs λ_min {ev[0]:R}");
    }

    [Fact]
    public void GramWithLowerBound_MorePointsThanParameters_CertifiesNoPositiveBound()
    {
        // n = 5 > kd = 4: λ_min(J Jᵀ) = 0, so the bound must not be positive.
        var x = DataGenerators.GaussianInputs(5, 2, 31);
        var model = Initializers.P4TwoLayer(2, 2, ActivationKind.Tanh, nu: 1.0, seed: 31);
        Assert.True(ShallowJacobianBounds.GramWithLowerBound(model, x).LambdaMinLower <= 0);
    }

    [Fact]
    public void GramWithLowerBound_NotOfTheP4Shape_IsRefusedWithTheReason()
    {
        var model = Initializers.P4TwoLayer(2, 2, ActivationKind.Tanh, nu: 1.0, seed: 31);
        var x = DataGenerators.GaussianInputs(3, 5, 31);
        var e = Assert.Throws<InvalidInputException>(() => ShallowJacobianBounds.GramWithLowerBound(model, x));
        Assert.Contains("columns", e.Message);
    }

    [Fact]
    public void Compute_MorePointsThanParameters_CertifiesNothing()
    {
        // n > kd: J Jᵀ (5×5) has rank ≤ kd = 4, so λ_min = 0 and no positive lower bound may be certified.
        var x = DataGenerators.GaussianInputs(5, 2, 31);
        var w = new Matrix(2, 2);
        RandomStreams.For(31, "test/w").FillGaussian(w.Data);
        foreach (var a in new[] { ActivationKind.Tanh, ActivationKind.Identity, ActivationKind.Relu })
        {
            var r = ShallowJacobianBounds.Compute(x, w, [1.0, -0.5], a, DenseOracle.Eigenvalues);
            Assert.Equal(0.0, r.SigmaMinLower);
            Assert.True(r.SigmaMin <= 1e-7 * r.SigmaMax, $"{a}: σ_min {r.SigmaMin} on a rank-deficient J");
        }
    }

    [Fact]
    public void Compute_NoPointsOrZeroInputs_GiveZeros()
    {
        var w = new Matrix(4, 3);
        RandomStreams.For(1, "test/w").FillGaussian(w.Data);
        double[] v = [1, -1, 1, -1];
        var empty = ShallowJacobianBounds.Compute(new Matrix(0, 3), w, v, ActivationKind.Tanh, m => []);
        Assert.Equal((0.0, 0.0, 0.0, 0.0, 0.0), (empty.SigmaMin, empty.SigmaMax, empty.SigmaMinLower, empty.XNorm,
            empty.MaxRowNorm));
        var zero = ShallowJacobianBounds.Compute(new Matrix(3, 3), w, v, ActivationKind.Tanh, DenseOracle.Eigenvalues);
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (zero.SigmaMin, zero.SigmaMax, zero.SigmaMinLower, zero.MaxRowNorm));
    }

    [Theory]
    [MemberData(nameof(AllActivations))]
    public void OverparameterizationFactor_IsTheLargerFiniteSup(ActivationKind activation)
    {
        // P4.C5: B = max(B₁, B₂), or B₁ where B₂ = ∞ (relu). Closed forms (papers.md §4.3, P4.C3): tanh B₁ = 1,
        // B₂ = 4/(3√3); sigmoid ¼ and √3/18; softplus 1 and ¼; gelu B₁ = Φ(√2) + √2φ(√2), B₂ = √(2/π);
        // erf 2/√π and 2√2/√(πe); cos 1 and 1; identity 1 and 0.
        double sqrt2 = Math.Sqrt(2);
        double geluB1 = 0.5 * (1 + Erf(1.0)) + sqrt2 * Math.Exp(-1) / Math.Sqrt(2 * Math.PI);
        (double b1, double b2) = activation switch
        {
            ActivationKind.Identity => (1.0, 0.0),
            ActivationKind.Tanh => (1.0, 4 / (3 * Math.Sqrt(3))),
            ActivationKind.Sigmoid => (0.25, Math.Sqrt(3) / 18),
            ActivationKind.Softplus => (1.0, 0.25),
            ActivationKind.Relu => (1.0, double.PositiveInfinity),
            ActivationKind.Gelu => (geluB1, Math.Sqrt(2 / Math.PI)),
            ActivationKind.Erf => (2 / Math.Sqrt(Math.PI), 2 * sqrt2 / Math.Sqrt(Math.PI * Math.E)),
            ActivationKind.Cos => (1.0, 1.0),
            _ => throw new ArgumentOutOfRangeException(nameof(activation)),
        };
        double expected = double.IsFinite(b2) ? Math.Max(b1, b2) : b1;
        double factor = ShallowJacobianBounds.OverparameterizationFactor(activation);
        Assert.True(Math.Abs(factor - expected) <= 1e-14 * expected, $"{activation}: B = {factor:R}, expected {expected:R}");
        // P4.C5's ratio √(kd)/(B·κ·n).
        double ratio = ShallowJacobianBounds.OverparameterizationRatio(40, 10, 25, 3.0, activation);
        double expectedRatio = 20.0 / (expected * 3.0 * 25);
        Assert.True(Math.Abs(ratio - expectedRatio) <= 1e-14 * expectedRatio, $"{activation}: ratio {ratio:R}");
    }

    [Fact]
    public void OverparameterizationRatio_DoesNotOverflowTheParameterCount()
    {
        // k·d beyond int range must be formed in floating point.
        double ratio = ShallowJacobianBounds.OverparameterizationRatio(100_000, 100_000, 1, 1.0, ActivationKind.Tanh);
        Assert.Equal(100_000.0, ratio, 9);
    }

    [Fact]
    public void SpectralNormUpper_OptimisticEigensolver_IsStillAnUpperBound()
    {
        // The certificate must not trust the eigensolver: an estimate of λ_max that is too small (or garbage) may only
        // make the bound looser, never put it below ‖X‖.
        var x = RankOne(4, 9, 5, out var exact);
        foreach (var factor in new[] { 0.5, 0.999999, 0.0, -3.0 })
        {
            double upper = ShallowJacobianBounds.SpectralNormUpper(x,
                m => DenseOracle.Eigenvalues(m).Select(e => e * factor).ToArray());
            Assert.True(Q(upper) * Q(upper) >= exact, $"eigensolver ×{factor}: ‖X‖ bound {upper:R}² below {exact}");
        }
    }

    [Fact]
    public void Compute_OptimisticEigensolver_NeverCertifiesAboveTheExactSigmaMin()
    {
        // Identity activation on orthogonal rows: λ_min(J Jᵀ) = ‖v‖²·min sᵢ² exactly. An eigensolver that overstates
        // every eigenvalue must not lift the certified σ_min above the truth.
        var x = new Matrix(3, 5);
        x[0, 0] = 2;
        x[1, 2] = 0.5;
        x[2, 4] = 1.5;
        var w = new Matrix(2, 5);
        RandomStreams.For(4, "test/w").FillGaussian(w.Data);
        double[] v = [1.0, -0.75];
        var exactLambda = SumSquares(v) * Q(0.25);
        foreach (var factor in new[] { 1.0, 1.5, 4.0, 1e6 })
        {
            var r = ShallowJacobianBounds.Compute(x, w, v, ActivationKind.Identity,
                m => DenseOracle.Eigenvalues(m).Select(e => e * factor).ToArray());
            Assert.True(Q(r.SigmaMinLower) * Q(r.SigmaMinLower) <= exactLambda,
                $"eigensolver ×{factor}: certified σ_min {r.SigmaMinLower:R} above the exact √{exactLambda}");
            // An estimate up to 1.5× too high is recovered by the back-off ladder; beyond, certifying nothing is honest.
            if (factor <= 1.5)
                Assert.True(r.SigmaMinLower > 0, $"eigensolver ×{factor}: a positive definite J Jᵀ was not certified");
        }
    }

    [Fact]
    public void MaxRowNorm_SingleColumn_IsRoundedUp()
    {
        // d = 1: ‖xᵢ‖ = |xᵢ| exactly, so any rounding below the data is visible.
        var r = RandomStreams.For(17, "test/one-column");
        for (int rep = 0; rep < 20; rep++)
        {
            var x = new Matrix(6, 1);
            for (int i = 0; i < 6; i++) x[i, 0] = (1 + r.NextDouble()) * (r.NextDouble() < 0.5 ? -1 : 1);
            double max = x.Data.Max(Math.Abs);
            var res = ShallowJacobianBounds.Compute(x, new Matrix(2, 1), [1.0, 1.0], ActivationKind.Tanh,
                DenseOracle.Eigenvalues);
            Assert.True(res.MaxRowNorm >= max, $"maxᵢ‖xᵢ‖ {res.MaxRowNorm:R} below max|xᵢ| {max:R}");
            Assert.True(res.MaxRowNorm <= max * (1 + 16 * U), $"maxᵢ‖xᵢ‖ {res.MaxRowNorm:R} loose against {max:R}");
            Assert.True(Q(res.XNorm) * Q(res.XNorm) >= SumSquares(x.Data), "‖X‖ of a column below its Euclidean norm");
        }
    }

    [Fact]
    public void Lipschitz_Relu_IsInfiniteEvenForZeroInputs()
    {
        Assert.Equal(double.PositiveInfinity, ShallowJacobianBounds.Lipschitz(0.0, 0.0, [1.0], ActivationKind.Relu));
        Assert.Equal(double.PositiveInfinity, ShallowJacobianBounds.Lipschitz(1.0, 1.0, [0.0], ActivationKind.Relu));
    }

    [Fact]
    public void Lipschitz_ManyProducts_NeverRoundBelowTheExactValue()
    {
        var r = RandomStreams.For(23, "test/lip");
        foreach (var a in new[] { ActivationKind.Tanh, ActivationKind.Gelu, ActivationKind.Cos, ActivationKind.Sigmoid })
            for (int rep = 0; rep < 40; rep++)
            {
                double xNorm = 0.1 + 10 * r.NextDouble(), maxRow = 0.1 + 3 * r.NextDouble();
                double[] v = [r.NextGaussian(), r.NextGaussian(), r.NextGaussian()];
                double lip = ShallowJacobianBounds.Lipschitz(xNorm, maxRow, v, a);
                var exact = Q(Activations.SecondDerivativeSup(a)) * Q(v.Max(Math.Abs)) * Q(xNorm) * Q(maxRow);
                Assert.True(Q(lip) >= exact, $"{a}: L {lip:R} below {exact}");
            }
    }

    // The P4 forward pass f(xᵢ) = c·s₂·Σℓ vℓ φ(s₁ wℓᵀxᵢ) with the pre-activations and the sum in double-double (the
    // reference's own error is ≲ u·Σ|vℓ||φ| + B₁u|z|, far inside the bound under test).
    private static double[] ReferenceForward(Matrix x, Matrix w, double[] v, ActivationKind a, double s1, double c)
    {
        var f = new double[x.Rows];
        for (int i = 0; i < x.Rows; i++)
        {
            double hi = 0, lo = 0;
            for (int l = 0; l < w.Rows; l++)
            {
                double zh = 0, zl = 0;
                for (int j = 0; j < x.Cols; j++)
                {
                    double p = w[l, j] * (s1 * x[i, j]), pe = Math.FusedMultiplyAdd(w[l, j], s1 * x[i, j], -p);
                    double s = zh + p, bb = s - zh;
                    zl += (zh - (s - bb)) + (p - bb) + pe;
                    zh = s;
                }
                double term = c * v[l], phi = Activations.Value(a, zh + zl);
                double q = term * phi, qe = Math.FusedMultiplyAdd(term, phi, -q);
                double t = hi + q, b2 = t - hi;
                lo += (hi - (t - b2)) + (q - b2) + qe;
                hi = t;
            }
            f[i] = hi + lo;
        }
        return f;
    }

    public static TheoryData<ActivationKind, double, double, double> ForwardCases => new()
    {
        { ActivationKind.Tanh, 1.0, 1.0, 1.0 },
        { ActivationKind.Softplus, 0.5, 2.0, 0.25 },
        { ActivationKind.Relu, 1.0, 1.0, 1.0 },
        { ActivationKind.Gelu, 2.0, 0.5, 1.0 },
        { ActivationKind.Cos, 1.0, 1.0, 4.0 },
        { ActivationKind.Sigmoid, 1.0, 1.0, 1.0 },
        { ActivationKind.Identity, 1.0, 1.0, 1.0 },
    };

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void OutputErrorBound_CoversTheFloatForwardPassAndIsTheDocumentedSum(ActivationKind a, double s1, double s2,
        double c)
    {
        foreach (var (n, d, k, std) in new[] { (5, 3, 8, 1.0), (9, 40, 200, 3.0), (4, 2, 2, 30.0) })
        {
            var w = new Matrix(k, d);
            RandomStreams.For((ulong)(n + d + k), "test/w").FillGaussian(w.Data, 0.0, std);
            var v = new double[k];
            RandomStreams.For((ulong)(n + d + k), "test/v").FillGaussian(v);
            var model = new Mlp(a, [new Layer(w.Clone(), scale: s1), new Layer(new Matrix(1, k, (double[])v.Clone()),
                scale: s2, trainable: false)], outputScale: c);
            var x = DataGenerators.GaussianInputs(n, d, (ulong)d);
            double bound = ShallowJacobianBounds.OutputErrorBound(model, x);
            var fast = model.Forward(x);
            var reference = ReferenceForward(x, w, v, a, s1, c * s2);
            for (int i = 0; i < n; i++)
                Assert.True(Math.Abs(fast[i] - reference[i]) <= bound,
                    $"{a} n={n} d={d} k={k}: |f̃ − f| = {Math.Abs(fast[i] - reference[i]):R} above the bound {bound:R}");
            // The class documentation's sum, maxᵢ Σℓ |vℓ|·(B₁γ_(d+2)‖xᵢ‖‖wℓ‖ + 1e−13·max(1, Pℓ) + γ_(k+2)Pℓ) with
            // Pℓ = |φ(0)| + B₁‖xᵢ‖‖wℓ‖, with the scales folded in: every term present, nothing inflated.
            double b1 = Activations.DerivativeSup(a), phi0 = Math.Abs(Activations.Value(a, 0.0));
            double gd = ExactRational.Gamma(d + 2).ToDouble(), gk = ExactRational.Gamma(k + 2).ToDouble();
            double expected = 0;
            for (int i = 0; i < n; i++)
            {
                double xi = Math.Abs(s1) * Math.Sqrt(SumSquares(x.Row(i)).ToDouble()), e = 0;
                for (int l = 0; l < k; l++)
                {
                    double z = xi * Math.Sqrt(SumSquares(w.Row(l)).ToDouble()), p = phi0 + b1 * z;
                    e += Math.Abs(c * s2 * v[l]) * (b1 * gd * z + ShallowNtk.DerivativeAccuracy * Math.Max(1, p) + gk * p);
                }
                expected = Math.Max(expected, e);
            }
            Assert.True(bound >= expected * (1 - 1e-13), $"{a}: bound {bound:R} below the documented sum {expected:R}");
            Assert.True(bound <= expected * (1 + (2.0 * d + 40) * U), $"{a}: bound {bound:R} above the documented sum {expected:R}");
        }
    }

    [Fact]
    public void Unpack_RefusesEveryNonP4ShapeWithItsReason()
    {
        var x = DataGenerators.UnitSphereInputs(4, 3, 1);
        var w = new Matrix(5, 3);
        RandomStreams.For(1, "test/w").FillGaussian(w.Data);
        var v = new Matrix(1, 5, [1.0, -1, 1, -1, 1]);
        var deep = new Mlp(ActivationKind.Tanh, [new Layer(w), new Layer(new Matrix(5, 5)), new Layer(v, trainable: false)]);
        var e = Assert.Throws<InvalidInputException>(() => ShallowJacobianBounds.Compute(deep, x));
        Assert.Contains("two-layer", e.Message);
        Assert.Contains("3 layers", e.Message);
        e = Assert.Throws<InvalidInputException>(() => ShallowJacobianBounds.OutputErrorBound(
            new Mlp(ActivationKind.Tanh, [new Layer(w), new Layer(v, [0.5], trainable: false)]), x));
        Assert.Contains("biases", e.Message);
        e = Assert.Throws<InvalidInputException>(() => ShallowJacobianBounds.Compute(
            new Mlp(ActivationKind.Tanh, [new Layer(w, trainable: false), new Layer(v, trainable: false)]), x));
        Assert.Contains("frozen", e.Message);
        var p4 = new Mlp(ActivationKind.Tanh, [new Layer(w), new Layer(v, trainable: false)]);
        e = Assert.Throws<InvalidInputException>(() => ShallowJacobianBounds.OutputErrorBound(p4,
            DataGenerators.UnitSphereInputs(4, 2, 1)));
        Assert.Contains("2 columns", e.Message);
        Assert.Throws<ArgumentNullException>(() => ShallowJacobianBounds.Compute(null!, x));
        Assert.Throws<ArgumentNullException>(() => ShallowJacobianBounds.Compute(p4, null!));
    }

    [Theory]
    [InlineData(1e-170)]
    [InlineData(3e-160)]
    [InlineData(1e-200)]
    [InlineData(1e200)]
    public void Beta_AndMaxRowNorm_TinyOrHugeEntries_StayCertified(double scale)
    {
        // Squares of entries below ~1e−162 underflow to 0 (above ~1e154 overflow to ∞): a norm formed from raw
        // squares then reports ‖v‖ = 0 and β = 5e−324 for a layer whose true β is ~1e−170 — a "certified" upper
        // bound below the truth. The bounds must scale before squaring.
        double[] v = [scale, -0.5 * scale, 0.75 * scale];
        double beta = ShallowJacobianBounds.Beta(1.0, v, ActivationKind.Tanh);
        Assert.True(Q(beta) * Q(beta) >= SumSquares(v), $"scale {scale:R}: β {beta:R} below ‖v‖₂");
        Assert.True(Q(beta) * Q(beta) <= SumSquares(v) * Q(1 + 64 * U), $"scale {scale:R}: β {beta:R} loose");
        if (scale > 1) return;   // a Gram of such rows overflows; β above is the part that must still work
        var x = new Matrix(2, 3, [scale, scale, 0, 0.5 * scale, 0, -scale]);
        var r = ShallowJacobianBounds.Compute(x, new Matrix(2, 3), [1.0, -1.0], ActivationKind.Tanh, DenseOracle.Eigenvalues);
        var maxSq = SumSquares(x.Row(0));
        Assert.True(Q(r.MaxRowNorm) * Q(r.MaxRowNorm) >= maxSq, $"scale {scale:R}: maxᵢ‖xᵢ‖ {r.MaxRowNorm:R} below the truth");
        Assert.True(Q(r.MaxRowNorm) * Q(r.MaxRowNorm) <= maxSq * Q(1 + 64 * U), $"scale {scale:R}: maxᵢ‖xᵢ‖ {r.MaxRowNorm:R} loose");
    }

    // erf(x) by its Maclaurin series (x ≤ 1 here: 30 terms are far past double precision).
    private static double Erf(double x)
    {
        double sum = 0, term = x;
        for (int n = 0; n < 30; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}

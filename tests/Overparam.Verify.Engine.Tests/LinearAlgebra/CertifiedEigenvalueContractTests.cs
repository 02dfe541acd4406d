using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;
using Xunit;

namespace Overparam.Verify.Engine.Tests.LinearAlgebra;

/// <summary>
/// The certified λ_min bound checked against its own documented contract in exact rational arithmetic: the reported
/// Cholesky error must cover c·tr|fl(A − τI)| + u·max|fl(aᵢᵢ − τ)| with c = γ_{n+1}/(1 − γ_{n+1}) exactly, the bound
/// must lie at or below τ − CholeskyError − FormationError exactly, and it must never exceed the true λ_min whatever
/// estimate the caller passes (optimistic, pessimistic, the wrong end of the spectrum, garbage).
/// </summary>
public class CertifiedEigenvalueContractTests
{
    private const double U = CertifiedEigenvalue.UnitRoundoff;

    private static ExactRational Q(double x) => ExactRational.From(x);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(1 << 20)]
    [InlineData(int.MaxValue)]
    public void Gamma_IsAnUpperBoundOnTheExactGammaAndTight(int k)
    {
        double g = CertifiedEigenvalue.Gamma(k);
        var exact = ExactRational.Gamma(k);
        Assert.True(Q(g) >= exact, $"γ_{k} = {g:R} below the exact k·u/(1 − k·u) = {exact}");
        Assert.True(Q(g) <= exact * Q(1 + 8 * U), $"γ_{k} = {g:R} inflated beyond a few roundings of {exact}");
    }

    private static void AssertContract(Matrix a, CertifiedLowerBound cert, double formationError, string name)
    {
        Assert.True(cert.Certified, $"{name}: nothing certified");
        int n = a.Rows;
        double tau = cert.Shift;
        var gamma = ExactRational.Gamma(n + 1);
        var c = gamma / (1 - gamma);
        ExactRational trace = ExactRational.Zero, max = ExactRational.Zero;
        for (int i = 0; i < n; i++)
        {
            var d = ExactRational.Abs(Q(a[i, i] - tau));   // fl(aᵢᵢ − τ), the diagonal the factorization saw
            trace += d;
            if (d > max) max = d;
        }
        // Plus the class remarks' absolute underflow term (n + 1)²·2⁻¹⁰²².
        var underflow = (n + 1) * (n + 1) * Q(2.2250738585072014e-308);
        var required = c * trace + ExactRational.UnitRoundoff * max + underflow;
        // The reported sum is itself a float: allow it its last rounding (which at subnormal scale drops the
        // sub-ulp c·tr and u·max pieces next to the absolute term, 3e−17 relative).
        Assert.True(Q(cert.CholeskyError) >= required * (1 - ExactRational.UnitRoundoff),
            $"{name}: CholeskyError {cert.CholeskyError:R} below c·tr|Ã| + u·max|ãᵢᵢ| + (n+1)²2⁻¹⁰²² = {required}");
        Assert.Equal(formationError, cert.FormationError);
        var ceiling = Q(tau) - Q(cert.CholeskyError) - Q(formationError);
        Assert.True(Q(cert.Bound) <= ceiling, $"{name}: bound {cert.Bound:R} above τ − err − formation = {ceiling}");
        // Rounded down by a few ulps of its inputs, not more.
        var slack = Q(16 * U) * (ExactRational.Abs(Q(tau)) + Q(cert.CholeskyError) + Q(formationError));
        Assert.True(Q(cert.Bound) >= ceiling - slack, $"{name}: bound {cert.Bound:R} far below τ − err − formation");
    }

    private static IEnumerable<(string Name, Matrix A, double LambdaMin)> KnownSpectra()
    {
        foreach (int n in new[] { 1, 2, 9, 40 })
        {
            var a = new Matrix(n, n);
            var r = RandomStreams.For((ulong)n, "cert-eig/contract/diag");
            double min = double.PositiveInfinity;
            for (int i = 0; i < n; i++)
            {
                a[i, i] = (r.NextDouble() - 0.3) * 10;
                min = Math.Min(min, a[i, i]);
            }
            yield return ($"diag n={n}", a, min);
        }
        // 100·[[0, 1], [1, 0]]: λ = ±100.
        var swap = new Matrix(2, 2);
        swap[0, 1] = swap[1, 0] = 100;
        yield return ("swap", swap, -100);
        // All ones (n = 6): λ = 0 (five times) and 6.
        var ones = new Matrix(6, 6);
        Array.Fill(ones.Data, 1.0);
        yield return ("ones", ones, 0);
    }

    [Fact]
    public void LambdaMin_AnyEstimate_BoundIsBelowTheTruthAndMeetsItsContractExactly()
    {
        foreach (var (name, a, lambda) in KnownSpectra())
        {
            double lambdaMax = SymmetricEigen.Eigenvalues(a)[^1];
            foreach (double estimate in new[] { lambda, lambda + 1e-9, lambda + 0.5, lambdaMax, lambda - 3, -1e6, 1e6, 0.0 })
                foreach (double formation in new[] { 0.0, 0.125 })
                {
                    var cert = CertifiedEigenvalue.LambdaMin(a, estimate, formation);
                    string label = $"{name} estimate {estimate:R} formation {formation}";
                    AssertContract(a, cert, formation, label);
                    Assert.True(Q(cert.Bound) <= Q(lambda) - Q(formation), $"{label}: bound {cert.Bound:R} above λ_min {lambda:R}");
                    Assert.InRange(cert.Attempts, 1, 8);
                }
        }
    }

    [Fact]
    public void LambdaMin_ExactEstimate_SucceedsOnTheFirstShiftAndStaysSharp()
    {
        // The first shift leaves exactly the room the bound subtracts anyway: with the exact λ_min as estimate it must
        // succeed, and the bound is then within a few (n + 1)·u·tr|A| of the truth.
        foreach (var (name, a, lambda) in KnownSpectra())
        {
            var cert = CertifiedEigenvalue.LambdaMin(a, lambda);
            Assert.Equal(1, cert.Attempts);
            double trace = 0;
            for (int i = 0; i < a.Rows; i++) trace += Math.Abs(a[i, i]);
            Assert.True(lambda - cert.Bound <= 8.0 * (a.Rows + 1) * U * (trace + a.Rows * Math.Abs(lambda)) + 1e-300,
                $"{name}: bound {cert.Bound:R} vs λ_min {lambda:R}");
        }
    }

    [Fact]
    public void LambdaMin_WrongEndOfTheSpectrum_FallsBackToTheAlwaysPositiveDefiniteShift()
    {
        // [[δ, 100], [100, δ]] with λ_max = 100 + δ passed as the estimate: no back-off up to half the scale succeeds,
        // the last shift (a whole scale plus 2‖A‖_F, ‖A‖_F² = 2δ² + 2·100²) must.
        foreach (double delta in new[] { 0.0, 1.0 })
        {
            var a = new Matrix(2, 2);
            a[0, 1] = a[1, 0] = 100;
            a[0, 0] = a[1, 1] = delta;
            var cert = CertifiedEigenvalue.LambdaMin(a, 100 + delta);
            AssertContract(a, cert, 0, $"δ = {delta}");
            Assert.Equal(8, cert.Attempts);
            Assert.True(cert.Bound <= delta - 100);
            // τ = (100 + δ) − first − (100 + δ + first) − 2‖A‖_F.
            double expected = -2 * Math.Sqrt(2 * delta * delta + 20000);
            Assert.True(Math.Abs(cert.Shift - expected) <= 1e-9, $"δ = {delta}: last shift {cert.Shift:R}, expected {expected:R}");
        }
        // Each back-off rung in turn: estimates above λ_min = 1 that the first shift cannot absorb need more and more
        // attempts; every rung below the last backs off by at most half the estimate's scale; the last always works.
        // The scale 1e4 makes "relative to the estimate's scale" differ from absolute steps.
        const double s = 1e4;
        var diag = new Matrix(3, 3);
        diag[0, 0] = s;
        diag[1, 1] = 2 * s;
        diag[2, 2] = 3 * s;
        int previous = 0;
        foreach (double over in new[] { 0.0, 1e-10, 1e-7, 1e-5, 1e-3, 0.05, 0.3, 2.5 })
        {
            var c = CertifiedEigenvalue.LambdaMin(diag, s * (1 + over));
            string label = $"estimate 1 + {over}";
            AssertContract(diag, c, 0, label);
            Assert.True(c.Bound <= s, $"{label}: bound {c.Bound:R}");
            Assert.True(c.Attempts > previous, $"{label}: attempt {c.Attempts} after {previous}");
            if (over < 1)
                Assert.True(c.Bound >= s * (1 + over - 0.51 * (1 + over)), $"{label}: bound {c.Bound:R} backed off too far");
            previous = c.Attempts;
        }
        Assert.Equal(8, previous);
    }

    [Fact]
    public void BadArguments_AreRefusedSayingWhatIsWrong()
    {
        Assert.Throws<ArgumentNullException>(() => CertifiedEigenvalue.LambdaMin(null!, 0));
        var e = Assert.Throws<ArgumentException>(() => CertifiedEigenvalue.LambdaMin(new Matrix(2, 3), 0));
        Assert.Contains("square", e.Message);
        Assert.Contains("2×3", e.Message);
        e = Assert.Throws<ArgumentException>(() => CertifiedEigenvalue.LambdaMin(new Matrix(2, 2), double.PositiveInfinity));
        Assert.Contains("estimate must be finite", e.Message);
        e = Assert.Throws<ArgumentException>(() => CertifiedEigenvalue.LambdaMin(new Matrix(2, 2), 0, double.NaN));
        Assert.Contains("formation error", e.Message);
        var a = new Matrix(3, 3);
        a[1, 1] = double.NaN;
        e = Assert.Throws<ArgumentException>(() => CertifiedEigenvalue.LambdaMin(a, 0));
        Assert.Contains("entry (1, 1)", e.Message);
    }

    [Fact]
    public void LambdaMin_EmptyMatrix_IsVacuouslyInfinite()
    {
        var cert = CertifiedEigenvalue.LambdaMin(new Matrix(0, 0), 1.0, 0.5);
        Assert.Equal(double.PositiveInfinity, cert.Bound);
        Assert.True(double.IsNaN(cert.Shift));
        Assert.Equal(0, cert.Attempts);
        Assert.Equal(0.5, cert.FormationError);
        Assert.False(cert.Certified);
    }

    [Fact]
    public void LambdaMin_OverflowingMatrix_CertifiesNothingRatherThanThrowing()
    {
        var a = new Matrix(2, 2);
        a[0, 0] = a[1, 1] = 1.5e308;
        var cert = CertifiedEigenvalue.LambdaMin(a, 1.5e308);
        Assert.False(cert.Certified);
        Assert.Equal(double.NegativeInfinity, cert.Bound);
        Assert.True(double.IsNaN(cert.Shift));
        Assert.Equal(8, cert.Attempts);
    }

    [Theory]
    [InlineData(1e-310)]
    [InlineData(4e-320)]
    [InlineData(1e-300)]
    public void LambdaMin_SubnormalScale_StaysBelowTheExactValue(double scale)
    {
        // Underflow: the absolute (n + 1)²·2⁻¹⁰²² term must keep the bound below λ_min where relative bounds vanish.
        var a = new Matrix(3, 3);
        a[0, 0] = 3 * scale;
        a[1, 1] = scale;
        a[2, 2] = 2 * scale;
        a[1, 0] = a[0, 1] = scale * 0.5;
        foreach (double estimate in new[] { scale * 0.5, scale, 0.0 })
        {
            var cert = CertifiedEigenvalue.LambdaMin(a, estimate);
            AssertContract(a, cert, 0, $"scale {scale:R}, estimate {estimate:R}");
            // λ_min of [[3, ½, 0], [½, 1, 0], [0, 0, 2]]·s is (2 − √(1 + ¼))·s > 0.88·s; the bound must not exceed it.
            Assert.True(cert.Bound <= 0.88 * scale, $"scale {scale:R}, estimate {estimate:R}: bound {cert.Bound:R}");
            Assert.True(cert.Bound >= -64 * 2.2250738585072014e-308, $"bound {cert.Bound:R} far below a subnormal matrix");
        }
    }
}

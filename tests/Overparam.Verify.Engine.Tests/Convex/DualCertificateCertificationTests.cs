using Overparam.Verify.Engine.Convex;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Engine.Tests.LinearAlgebra;

namespace Overparam.Verify.Engine.Tests.Convex;

/// <summary>
/// The certified numbers of P5's dual certificate (papers.md §5.3) against exact values: the constraint function
/// |λᵀdiag(y)(Xu)₊|/‖u‖ in exact rational arithmetic (<see cref="ExactRational"/>), cone projections of a half-plane
/// in closed form. A lower bound must be ≤ the exact value, an upper bound ≥ it (for every g_true within the stated
/// error of g), and both within a small relative distance of it so that a bound that gave up is caught too.
/// </summary>
public class DualCertificateCertificationTests
{
    /// <summary>How far below the exact value a certified lower bound may sit on these well-conditioned instances: the
    /// documented rounding terms (γ_d, γ_{N+2}, γ_{d+2}, 4u) come to well under 10⁻¹³ relative here.</summary>
    private const double Tightness = 1e-13;

    private static ExactRational Q(double x) => ExactRational.From(x);

    /// <summary>λᵀdiag(y)(Xu)₊ exactly (the sign of each xᵢᵀu decided exactly too).</summary>
    private static ExactRational ExactSigned(Matrix x, double[] y, double[] lambda, double[] u)
    {
        var s = ExactRational.Zero;
        for (int i = 0; i < x.Rows; i++)
        {
            var t = ExactRational.Zero;
            for (int k = 0; k < x.Cols; k++) t += Q(x[i, k]) * Q(u[k]);
            if (t > ExactRational.Zero) s += Q(lambda[i]) * Q(y[i]) * t;
        }
        return s;
    }

    private static ExactRational NormSquared(double[] u)
    {
        var s = ExactRational.Zero;
        foreach (var v in u) s += Q(v) * Q(v);
        return s;
    }

    [Theory]
    [InlineData(5, 2, 1)]
    [InlineData(12, 3, 2)]
    [InlineData(30, 5, 3)]
    [InlineData(3, 8, 4)]
    public void ConstraintLowerBound_GaussianInstances_IsAtMostTheExactValueAndCloseToIt(int n, int d, int seed)
    {
        var x = DataGenerators.GaussianInputs(n, d, (ulong)seed);
        var y = DataGenerators.RandomLabels(n, (ulong)seed);
        var lambda = new double[n];
        RandomStreams.For((ulong)seed, "test/lambda").FillGaussian(lambda);
        for (int i = 0; i < n; i++) lambda[i] = Math.Abs(lambda[i]);
        var rng = RandomStreams.For((ulong)seed, "test/u");
        for (int trial = 0; trial < 20; trial++)
        {
            var u = new double[d];
            rng.FillGaussian(u);
            var s = ExactSigned(x, y, lambda, u);
            double lower = DualCertificate.ConstraintLowerBound(x, y, lambda, u);
            // lower ≤ |s|/‖u‖ ⇔ lower²·‖u‖² ≤ s² (both sides exact).
            Assert.True(lower >= 0);
            Assert.True(Q(lower) * Q(lower) * NormSquared(u) <= s * s, $"trial {trial}: lower {lower:R} above the exact value");
            double value = DualCertificate.ConstraintValue(x, y, lambda, u);
            Assert.True(lower <= value, $"trial {trial}: lower {lower:R} > float value {value:R}");
            // Well away from 0 (no cancellation), the lower bound sits within the rounding terms of the value.
            if (value > 1e-3 * lambda.Sum())
                Assert.True(lower >= value * (1 - 1e-10), $"trial {trial}: lower {lower:R} far below {value:R}");
        }
    }

    [Fact]
    public void ConstraintValue_IntegerInstanceComputedExactly_LowerBoundJustBelowAndSignKept()
    {
        // xᵢᵀu = 25, 11, −2 for u = (3, 4), ‖u‖ = 5: λᵀdiag(y)(Xu)₊ = 1·25 − 0.5·11 = 19.5, so the value is 3.9 and
        // every float operation before the final division is exact.
        var x = Matrix.FromRows([[3, 4], [1, 2], [-2, 1]]);
        double[] y = [1, -1, 1], lambda = [1, 0.5, 2], u = [3, 4];
        Assert.Equal(19.5 / 5, DualCertificate.SignedConstraintValue(x, y, lambda, u));
        Assert.Equal(19.5 / 5, DualCertificate.ConstraintValue(x, y, lambda, u));
        double[] flipped = [-1, 1, -1];
        Assert.Equal(-19.5 / 5, DualCertificate.SignedConstraintValue(x, flipped, lambda, u));
        Assert.Equal(19.5 / 5, DualCertificate.ConstraintValue(x, flipped, lambda, u));
        foreach (var labels in new[] { y, flipped })
        {
            double lower = DualCertificate.ConstraintLowerBound(x, labels, lambda, u);
            Assert.True(Q(lower) < (ExactRational)39 / 10, $"lower {lower:R} not strictly below 3.9");
            Assert.True(lower >= 3.9 * (1 - Tightness * 100), $"lower {lower:R}");
        }
        // A scaled direction gives the same value (the function is positively homogeneous of degree 0).
        Assert.Equal(19.5 / 5, DualCertificate.ConstraintValue(x, y, lambda, [6, 8]));
        // Every xᵢᵀu ≤ 0: the function is 0 and so is its lower bound.
        Assert.Equal(0.0, DualCertificate.ConstraintLowerBound(x, y, lambda, [-1, -2]));
        Assert.Equal(0.0, DualCertificate.ConstraintValue(x, y, lambda, [-1, -2]));
    }

    [Fact]
    public void ConstraintFunctions_BadShapesOrZeroDirection_AreRejected()
    {
        var x = Matrix.FromRows([[1, 0], [0, 1]]);
        Assert.Throws<InvalidInputException>(() => DualCertificate.ConstraintValue(x, [1], [1, 1], [1, 0]));
        Assert.Throws<InvalidInputException>(() => DualCertificate.ConstraintValue(x, [1, 1], [1], [1, 0]));
        Assert.Throws<InvalidInputException>(() => DualCertificate.ConstraintValue(x, [1, 1], [1, 1], [1, 0, 0]));
        Assert.Throws<InvalidInputException>(() => DualCertificate.ConstraintValue(x, [1, 1], [1, 1], [0, 0]));
        Assert.Throws<InvalidInputException>(() => DualCertificate.ConstraintLowerBound(x, [1, 1], [1, 1], [0, 0]));
    }

    [Fact]
    public void Project_HalfPlane_ClosedFormAndTheUpperBoundCoversEveryGWithinItsError()
    {
        // X = [e₁]: pattern on gives the cone u₁ ≥ 0, off gives u₁ ≤ 0; Π(g) = (max(g₁, 0), g₂) resp. (min(g₁, 0), g₂).
        var x = Matrix.FromRows([[1, 0]]);
        double[] g = [-3, 4];
        var on = ConeProjection.Project(x, [true], g);
        Assert.Equal([0.0, 4.0], on.Projection);
        Assert.Equal(4.0, on.Norm);
        Assert.Equal([3.0], on.Multipliers);
        Assert.True(on.NormUpperBound >= 4 && on.NormUpperBound <= 4 * (1 + Tightness), $"upper {on.NormUpperBound:R}");
        var off = ConeProjection.Project(x, [false], g);
        Assert.Equal([-3.0, 4.0], off.Projection);
        Assert.Equal(5.0, off.Norm);
        Assert.Equal([0.0], off.Multipliers);
        Assert.True(off.NormUpperBound >= 5 && off.NormUpperBound <= 5 * (1 + Tightness), $"upper {off.NormUpperBound:R}");

        // With |g_true − g| ≤ (0.5, 0.5) componentwise the largest ‖Π(g_true)‖ is 4.5 (at g_true = (−2.5, ±4.5)).
        double[] err = [0.5, 0.5];
        var widened = ConeProjection.Project(x, [true], g, err);
        double worst = 0;
        foreach (var s1 in new[] { -1, 0, 1 })
            foreach (var s2 in new[] { -1, 0, 1 })
            {
                double g1 = g[0] + s1 * err[0], g2 = g[1] + s2 * err[1];
                worst = Math.Max(worst, Math.Sqrt(Math.Pow(Math.Max(g1, 0), 2) + g2 * g2));
            }
        Assert.Equal(4.5, worst);
        Assert.True(widened.NormUpperBound >= worst, $"upper {widened.NormUpperBound:R} < {worst}");
        // Documented form: ‖(|Πₖ| + errₖ)ₖ‖ up to rounding, i.e. √(0.5² + 4.5²), not the looser ‖Π‖ + ‖err‖.
        double documented = Math.Sqrt(0.25 + 20.25);
        Assert.True(widened.NormUpperBound <= documented * (1 + Tightness), $"upper {widened.NormUpperBound:R} vs {documented:R}");
        Assert.Equal(on.Norm, widened.Norm);
    }

    [Fact]
    public void Project_BadShapes_AreRejected()
    {
        var x = Matrix.FromRows([[1, 0], [0, 1]]);
        Assert.Throws<InvalidInputException>(() => ConeProjection.Project(x, [true], [1, 1]));
        Assert.Throws<InvalidInputException>(() => ConeProjection.Project(x, [true, true], [1, 1, 1]));
        Assert.Throws<InvalidInputException>(() => ConeProjection.Project(x, [true, true], [1, 1], [0.1]));
        // An empty error span means "no error": the same bound as none given.
        Assert.Equal(ConeProjection.Project(x, [true, false], [1, 1]).NormUpperBound,
            ConeProjection.Project(x, [true, false], [1, 1], []).NormUpperBound);
    }

    [Fact]
    public void Evaluate_ZeroMultipliers_CertifiesZeroAndInvalidMultipliersAreRejected()
    {
        var x = Matrix.FromRows([[1, 0], [1, 1], [-1, 0], [-1, -1]]);
        double[] y = [1, 1, -1, -1];
        var arrangement = HyperplaneArrangements.Enumerate(x);
        var zero = DualCertificate.Evaluate(x, y, [0, 0, 0, 0], arrangement);
        Assert.Equal(0.0, zero.Value);
        Assert.Equal(0.0, zero.LowerBound);
        Assert.True(zero.UpperBound >= 0 && zero.UpperBound <= 1e-300, $"upper {zero.UpperBound:R}");
        Assert.Equal(arrangement.Count, zero.Patterns.Count);
        Assert.Equal(0.0, zero.MaxKktViolation);

        Assert.Throws<InvalidInputException>(() => DualCertificate.Evaluate(x, y, [1, 0, -1e-300, 0], arrangement));
        Assert.Throws<InvalidInputException>(() => DualCertificate.Evaluate(x, y, [1, 0, double.NaN, 0], arrangement));
        Assert.Throws<InvalidInputException>(() => DualCertificate.Evaluate(x, y, [1, 0, double.PositiveInfinity, 0], arrangement));
        Assert.Throws<InvalidInputException>(() => DualCertificate.Evaluate(x, y, [1, 0, 1], arrangement));
        Assert.Throws<InvalidInputException>(() => DualCertificate.Evaluate(x, [1, 1, -1], [1, 0, 1, 0], arrangement));
        Assert.Throws<InvalidInputException>(() => DualCertificate.Evaluate(x, [1, 1, -1, 0.5], [1, 0, 1, 0], arrangement));
    }

    [Fact]
    public void Evaluate_OneSidedLambda_BracketsTheExactMaximumWithTheRightSign()
    {
        // Only x₁ = (1, 0) (y = +1) carries weight 2: the function is 2(u₁)₊, maximum 2 at u = e₁, sign +; with y = −1
        // it is −2(u₁)₊, the same maximum with sign −. Every projection and both bounds are exact up to rounding.
        var x = Matrix.FromRows([[1, 0], [0, 1]]);
        var arrangement = HyperplaneArrangements.Enumerate(x);
        foreach (var (label, sign) in new[] { (1.0, 1), (-1.0, -1) })
        {
            var c = DualCertificate.Evaluate(x, [label, 1], [2, 0], arrangement);
            Assert.Equal(2.0, c.Value);
            Assert.Equal(sign, c.MaximizingSign);
            Assert.True(c.UpperBound >= 2 && c.UpperBound <= 2 * (1 + Tightness), $"upper {c.UpperBound:R}");
            Assert.True(c.LowerBound <= 2 && c.LowerBound >= 2 * (1 - Tightness), $"lower {c.LowerBound:R}");
            Assert.Equal(1.0, c.MaximizingDirection[0], 15);
            Assert.Equal(0.0, c.MaximizingDirection[1], 15);
            Assert.Equal(2.0, Math.Max(c.Patterns[c.MaximizingCell].PlusNorm, c.Patterns[c.MaximizingCell].MinusNorm));
            Assert.True(c.Exhaustive);
        }
    }
}

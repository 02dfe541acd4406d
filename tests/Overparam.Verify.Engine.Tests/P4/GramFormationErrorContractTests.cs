using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Engine.Tests.LinearAlgebra;

namespace Overparam.Verify.Engine.Tests.P4;

/// <summary>
/// <see cref="ShallowNtk.GramFormationError"/> against the sum its documentation derives, written out here
/// independently: every documented term must be present (a dropped term could make a certified σ_min unsound on some
/// instance even where the sampled check in <see cref="GramFormationErrorTests"/> passes), nothing inflated beyond the
/// roundings it names; relu's straddle rule on both sides of its threshold; shapes and non-finite entries refused with
/// the offending entry named.
/// </summary>
public class GramFormationErrorContractTests
{
    private const double U = CertifiedEigenvalue.UnitRoundoff;

    private static double Norm(ReadOnlySpan<double> r)
    {
        double s = 0;
        foreach (var e in r) s += e * e;
        return Math.Sqrt(s);
    }

    public static TheoryData<ActivationKind> SmoothKinds =>
        new(Enum.GetValues<ActivationKind>().Where(Activations.IsSmooth));

    [Theory]
    [MemberData(nameof(SmoothKinds))]
    public void Smooth_BoundIsTheDocumentedSum(ActivationKind kind)
    {
        foreach (var (n, d, k, std) in new[] { (6, 3, 40, 1.0), (5, 40, 200, 1.0), (4, 8, 10, 300.0), (3, 2, 1, 1e-3) })
        {
            var x = new Matrix(n, d);
            RandomStreams.For((ulong)(d * k), "gram-err-doc/x").FillGaussian(x.Data, 0.0, 0.7);
            var w = new Matrix(k, d);
            RandomStreams.For((ulong)(d * k), "gram-err-doc/w").FillGaussian(w.Data, 0.0, std);
            var v = new double[k];
            RandomStreams.For((ulong)(d * k), "gram-err-doc/v").FillGaussian(v);
            double bound = ShallowNtk.GramFormationError(x, w, v, kind);

            // Class documentation: eᵢℓ ≤ γ_(d+2)‖xᵢ‖‖wℓ‖; δℓ = B₂·maxᵢ eᵢℓ + 1e−13·B₁; per entry of K the φ′ products
            // contribute Σℓ vℓ²(2B₁δℓ + δℓ²)·max‖xᵢ‖², the k-term sum γ_(k+2)·Σℓ vℓ²B₁²·max‖xᵢ‖², the input Gram
            // γ_(d+2)·max‖xᵢ‖² times the same, the Hadamard product at least one rounding u; ‖·‖₂ ≤ n·max|entry|.
            double b1 = Activations.DerivativeSup(kind), b2 = Activations.SecondDerivativeSup(kind);
            double gd = ExactRational.Gamma(d + 2).ToDouble(), gk = ExactRational.Gamma(k + 2).ToDouble();
            double xMax = Enumerable.Range(0, n).Max(i => Norm(x.Row(i))), g = xMax * xMax;
            double termSum = 0, b1Sq = 0;
            for (int l = 0; l < k; l++)
            {
                double delta = b2 * gd * xMax * Norm(w.Row(l)) + ShallowNtk.DerivativeAccuracy * b1;
                termSum += v[l] * v[l] * (2 * b1 * delta + delta * delta);
                b1Sq += v[l] * v[l] * b1 * b1;
            }
            double low = n * g * (termSum + (gk + gd + U) * b1Sq);
            // The code also rounds vℓφ′ (up to 4u with the Hadamard product) and adds products of two error terms.
            double high = n * g * (termSum * (1 + gk + gd + 4 * U) + (gk + gd + 4 * U) * b1Sq) * (1 + (4.0 * d + 2 * k + 80) * U);
            string label = $"{kind} n={n} d={d} k={k} std={std}";
            Assert.True(bound >= low * (1 - 1e-14), $"{label}: bound {bound:R} below the documented sum {low:R}");
            Assert.True(bound <= high, $"{label}: bound {bound:R} above the documented sum {high:R}");
        }
    }

    [Fact]
    public void Relu_StraddleRule_FlipsExactlyAroundTwiceThePreActivationError()
    {
        // x₂ = 2e₁, w₀ = (ε, 4): z₂₀ = 2ε exactly, with error bound e = γ₄·‖x₂‖‖w₀‖ ≈ 3.6e−15. The doc counts φ′
        // as possibly flipped (δ = B₁) wherever |z̃| ≤ 2e ≈ 7.1e−15: 2ε = ±3.5e−15 and 0 are inside, ±1.4e−14 outside.
        // Every other pre-activation is ≥ 0.5 in size.
        double[] v = [0.75, -1.25];
        var x = new Matrix(3, 2);
        x[0, 1] = 1;
        x[1, 0] = x[1, 1] = 0.5;
        x[2, 0] = 2;
        double xMax = 2, n = 3;
        foreach (var (eps, inside) in new[] { (1.75e-15, true), (-1.75e-15, true), (0.0, true), (7e-15, false), (-7e-15, false) })
        {
            var w = new Matrix(2, 2);
            w[0, 0] = eps;
            w[0, 1] = 4;
            w[1, 0] = 1;
            w[1, 1] = 2;
            double bound = ShallowNtk.GramFormationError(x, w, v, ActivationKind.Relu);
            // Inside: δ₀ = B₁ = 1 contributes n·max‖xᵢ‖²·v₀²·(2B₁·B₁ + B₁²).
            double flipped = n * xMax * xMax * v[0] * v[0] * 3;
            if (inside)
                Assert.True(bound >= flipped, $"ε = {eps:R}: bound {bound:R} does not count the possible flip");
            else
                Assert.True(bound <= 1e-10, $"ε = {eps:R}: bound {bound:R} counts a flip that cannot happen");
        }
    }

    [Fact]
    public void EmptyShapes_HaveNoFormationError()
    {
        var w = new Matrix(3, 2);
        RandomStreams.For(1, "gram-err-doc/w").FillGaussian(w.Data);
        Assert.Equal(0.0, ShallowNtk.GramFormationError(new Matrix(0, 2), w, [1.0, 2.0, 3.0], ActivationKind.Tanh));
        var x = new Matrix(4, 2);
        RandomStreams.For(1, "gram-err-doc/x").FillGaussian(x.Data);
        Assert.Equal(0.0, ShallowNtk.GramFormationError(x, new Matrix(0, 2), [], ActivationKind.Relu));
        var gram = ShallowNtk.Gram(x, new Matrix(0, 2), [], ActivationKind.Tanh);
        Assert.Equal(4, gram.Rows);
        Assert.All(gram.Data, e => Assert.Equal(0.0, e));
    }

    [Fact]
    public void BadInputs_AreRefusedNamingTheEntry()
    {
        var x = new Matrix(4, 3);
        RandomStreams.For(2, "gram-err-doc/x").FillGaussian(x.Data);
        var w = new Matrix(5, 3);
        RandomStreams.For(2, "gram-err-doc/w").FillGaussian(w.Data);
        var v = new double[5];
        var shape = Assert.Throws<InvalidInputException>(() => ShallowNtk.GramFormationError(x, new Matrix(5, 2), v, ActivationKind.Tanh));
        Assert.Contains("W is 5×2", shape.Message);
        Assert.Throws<InvalidInputException>(() => ShallowNtk.GramFormationError(x, w, new double[4], ActivationKind.Tanh));
        Assert.Throws<ArgumentNullException>(() => ShallowNtk.GramFormationError(null!, w, v, ActivationKind.Tanh));
        Assert.Throws<ArgumentNullException>(() => ShallowNtk.GramFormationError(x, null!, v, ActivationKind.Tanh));
        Assert.Throws<ArgumentNullException>(() => ShallowNtk.Gram(null!, w, v, ActivationKind.Tanh));
        Assert.Throws<ArgumentNullException>(() => ShallowNtk.Gram(x, null!, v, ActivationKind.Tanh));
        var e = Assert.Throws<InvalidInputException>(() => ShallowNtk.Gram(x, new Matrix(5, 2), v, ActivationKind.Tanh));
        Assert.Contains("3 columns", e.Message);
        Assert.Contains("5×2", e.Message);
        e = Assert.Throws<InvalidInputException>(() => ShallowNtk.Gram(x, w, new double[4], ActivationKind.Tanh));
        Assert.Contains("4 entries", e.Message);

        var badW = w.Clone();
        badW[3, 2] = double.PositiveInfinity;
        e = Assert.Throws<InvalidInputException>(() => ShallowNtk.GramFormationError(x, badW, v, ActivationKind.Tanh));
        Assert.Contains("W entry (3, 2)", e.Message);
        var badX = x.Clone();
        badX[2, 1] = double.NaN;
        e = Assert.Throws<InvalidInputException>(() => ShallowNtk.GramFormationError(badX, w, v, ActivationKind.Tanh));
        Assert.Contains("X entry (2, 1)", e.Message);
        e = Assert.Throws<InvalidInputException>(() => ShallowNtk.Gram(x, w, [0, 0, double.NaN, 0, 0], ActivationKind.Tanh));
        Assert.Contains("v entry 2", e.Message);
        e = Assert.Throws<InvalidInputException>(() => ShallowNtk.Gram(badX, w, v, ActivationKind.Tanh));
        Assert.Contains("X entry (2, 1)", e.Message);
        e = Assert.Throws<InvalidInputException>(() => ShallowNtk.Gram(x, badW, v, ActivationKind.Tanh));
        Assert.Contains("W entry (3, 2)", e.Message);

        // The Mlp overload: null arguments, shape and finiteness, each with its reason.
        var model = new Mlp(ActivationKind.Tanh, [new Layer(w), new Layer(new Matrix(1, 5, [1.0, -1, 1, -1, 1]), trainable: false)]);
        Assert.Throws<ArgumentNullException>(() => ShallowNtk.Gram(null!, x));
        Assert.Throws<ArgumentNullException>(() => ShallowNtk.Gram(model, null!));
        e = Assert.Throws<InvalidInputException>(() => ShallowNtk.Gram(model, badX));
        Assert.Contains("X entry (2, 1)", e.Message);
        e = Assert.Throws<InvalidInputException>(() => ShallowNtk.Gram(model, new Matrix(4, 2)));
        Assert.Contains("2 columns", e.Message);
        var deep = new Mlp(ActivationKind.Tanh, [new Layer(w), new Layer(new Matrix(5, 5)), new Layer(new Matrix(1, 5))]);
        e = Assert.Throws<InvalidInputException>(() => ShallowNtk.Gram(deep, x));
        Assert.Contains("3 layers", e.Message);
    }
}

using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Tests.P4;

/// <summary>
/// <see cref="ShallowNtk.GramFormationError"/> against a reference J Jᵀ summed in double-double (error-free products
/// and sums): the float64 Gram must lie within the bound of it, and the bound must stay a small multiple of n·k·u·‖K‖
/// (so that certified σ_min values remain useful), and σ_min certified must never exceed the computed σ_min.
/// </summary>
public class GramFormationErrorTests
{
    public static TheoryData<ActivationKind> Kinds => new(Enum.GetValues<ActivationKind>());

    private static (double Hi, double Lo) TwoProd(double a, double b)
    {
        double p = a * b;
        return (p, Math.FusedMultiplyAdd(a, b, -p));
    }

    private static (double Hi, double Lo) TwoSum(double a, double b)
    {
        double s = a + b, bb = s - a;
        return (s, (a - (s - bb)) + (b - bb));
    }

    /// <summary>Σ aᵢbᵢ in double-double, returned rounded once.</summary>
    private static double DotDd(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double hi = 0, lo = 0;
        for (int i = 0; i < a.Length; i++)
        {
            var (p, pe) = TwoProd(a[i], b[i]);
            var (s, se) = TwoSum(hi, p);
            hi = s;
            lo += se + pe;
        }
        return hi + lo;
    }

    private static Matrix Reference(Matrix x, Matrix w, double[] v, ActivationKind kind)
    {
        int n = x.Rows, k = w.Rows;
        var g = new double[n * k];
        for (int i = 0; i < n; i++)
            for (int l = 0; l < k; l++)
                g[i * k + l] = v[l] * Activations.Derivative(kind, DotDd(x.Row(i), w.Row(l)));
        var r = new Matrix(n, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                r[i, j] = DotDd(g.AsSpan(i * k, k), g.AsSpan(j * k, k)) * DotDd(x.Row(i), x.Row(j));
        return r;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Float_gram_is_within_the_bound_of_a_double_double_reference(ActivationKind kind)
    {
        foreach (var (n, d, k) in new[] { (6, 3, 40), (12, 8, 200) })
        {
            var model = Initializers.P4TwoLayer(d, k, kind, 1.7, 11);
            var x = new Matrix(n, d);
            RandomStreams.For(2, $"gram-err/{kind}/{n}").FillGaussian(x.Data);
            var w = model.Layers[0].Weight;
            var v = model.Layers[1].Weight.Data.ToArray();
            var fast = ShallowNtk.Gram(x, w, v, kind);
            var reference = Reference(x, w, v, kind);
            double bound = ShallowNtk.GramFormationError(x, w, v, kind);
            double frob = 0, scale = 0;
            for (int i = 0; i < fast.Data.Length; i++)
            {
                double e = fast.Data[i] - reference.Data[i];
                frob += e * e;
                scale = Math.Max(scale, Math.Abs(reference.Data[i]));
            }
            Assert.True(Math.Sqrt(frob) <= bound, $"{kind} n={n}: ‖K̃ − K‖_F = {Math.Sqrt(frob)} above the bound {bound}");
            if (kind != ActivationKind.Relu)
                Assert.True(bound <= 1e4 * n * k * CertifiedEigenvalue.UnitRoundoff * Math.Max(scale, 1),
                    $"{kind} n={n}: bound {bound} is uselessly loose for ‖K‖ ≈ {scale}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Certified_sigma_min_is_below_the_computed_one_and_positive_when_well_separated(ActivationKind kind)
    {
        var model = Initializers.P4TwoLayer(10, 400, kind, 1.0, 5);
        var x = new Matrix(8, 10);
        RandomStreams.For(4, "gram-err/sigma/" + kind).FillGaussian(x.Data);
        var jb = ShallowJacobianBounds.Compute(model, x);
        Assert.True(jb.SigmaMinLower <= jb.SigmaMin, $"{kind}: certified {jb.SigmaMinLower} > computed {jb.SigmaMin}");
        if (kind != ActivationKind.Relu && jb.SigmaMin > 1e-3 * jb.SigmaMax)
            Assert.True(jb.SigmaMinLower > 0.99 * jb.SigmaMin, $"{kind}: certified {jb.SigmaMinLower} vs {jb.SigmaMin}");
    }

    [Fact]
    public void Duplicate_rows_are_never_certified_nonsingular()
    {
        var model = Initializers.P4TwoLayer(4, 60, ActivationKind.Tanh, 1.0, 3);
        var x = new Matrix(5, 4);
        RandomStreams.For(9, "gram-err/dup").FillGaussian(x.Data);
        x.Row(2).CopyTo(x.Data.AsSpan(4 * 4, 4));
        var jb = ShallowJacobianBounds.Compute(model, x);
        Assert.Equal(0.0, jb.SigmaMinLower);
    }
}

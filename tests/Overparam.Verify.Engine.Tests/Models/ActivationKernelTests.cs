using System.Runtime.Intrinsics;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;
using static Overparam.Verify.Engine.Tests.LinearAlgebra.LinearAlgebraTestData;

namespace Overparam.Verify.Engine.Tests.Models;

/// <summary>
/// The vectorised activation kernels against the scalar formulas (Math.* inside) on ~10⁶ points per function:
/// random bit patterns over the whole double range, a dense band where the activations vary, and every
/// switch-over point of the range reductions with its neighbours, plus ±0, subnormals, ±∞, NaN and huge arguments.
/// </summary>
public class ActivationKernelTests
{
    private const double U = 1.1102230246251565e-16;

    // 2⁻¹⁰⁶⁰: 2¹⁴ subnormal spacings.
    private const double SubnormalSlack = 8.289046e-320;

    /// <summary>The stated bounds (ActivationKernels' docs): (kind, order, max ulps, absolute slack in u·scale for sign changes).</summary>
    public static TheoryData<ActivationKind, int, long, double> Bounds() => new()
    {
        { ActivationKind.Tanh, 0, 4, 0 },
        { ActivationKind.Tanh, 1, 8, 0 },
        { ActivationKind.Tanh, 2, 10, 0 },
        { ActivationKind.Sigmoid, 0, 3, 0 },
        { ActivationKind.Sigmoid, 1, 4, 0 },
        { ActivationKind.Sigmoid, 2, 6, 0 },
        { ActivationKind.Softplus, 0, 5, 0 },
        { ActivationKind.Softplus, 1, 3, 0 },
        { ActivationKind.Softplus, 2, 4, 0 },
        { ActivationKind.Erf, 0, 3, 0 },
        { ActivationKind.Erf, 1, 3, 0 },
        { ActivationKind.Erf, 2, 3, 0 },
        { ActivationKind.Gelu, 0, 6, 0 },
        { ActivationKind.Gelu, 1, 4, 8 },
        { ActivationKind.Gelu, 2, 4, 8 },
        { ActivationKind.Relu, 0, 0, 0 },
        { ActivationKind.Relu, 1, 0, 0 },
        { ActivationKind.Relu, 2, 0, 0 },
        { ActivationKind.Identity, 0, 0, 0 },
        { ActivationKind.Identity, 1, 0, 0 },
        { ActivationKind.Cos, 0, 0, 0 },
    };

    private static readonly Lazy<double[]> s_points = new(BuildPoints);

    [Theory]
    [MemberData(nameof(Bounds))]
    public void VectorKernel_WholeRange_WithinStatedUlpsOfScalar(ActivationKind kind, int order, long maxUlps, double absUnits)
    {
        var x = s_points.Value;
        var expected = new double[x.Length];
        for (int i = 0; i < x.Length; i++) expected[i] = Reference(kind, (ActivationOrder)order, x[i]);
        foreach (var path in AcceleratedPaths())
        {
            var got = new double[x.Length];
            ActivationKernels.Run(path, kind, (ActivationOrder)order, x, default, got, threads: 1);
            for (int i = 0; i < x.Length; i++)
            {
                double e = expected[i], g = got[i];
                if (double.IsNaN(e) || double.IsNaN(g))
                {
                    Assert.True(double.IsNaN(e) && double.IsNaN(g), $"{kind} order {order} {path} at x = {x[i]:R}: expected {e:R}, got {g:R}");
                    continue;
                }
                long d = UlpDistance(e, g);
                if (d <= maxUlps) continue;
                // A formula through a subnormal intermediate (e^{−x²} past x ≈ 26.6) keeps only its absolute accuracy.
                if (Math.Abs(e) < 1e-300 && Math.Abs(e - g) <= SubnormalSlack) continue;
                double scale = Math.Max(1.0, Math.Abs(x[i]) * Activations.NormalPdf(x[i]));
                if (absUnits > 0 && Math.Abs(e - g) <= absUnits * U * scale) continue;
                Assert.Fail($"{kind} order {order} {path} at x = {x[i]:R}: expected {e:R}, got {g:R} ({d} ulps)");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Bounds))]
    public void VectorKernel_EdgeSizes_MatchElementwiseAndAreWidthIndependent(ActivationKind kind, int order, long maxUlps, double absUnits)
    {
        _ = maxUlps;
        _ = absUnits;
        var rng = RandomStreams.For(7, "activation-kernels/sizes");
        foreach (int n in EdgeSizes)
        {
            var x = new double[n];
            rng.FillGaussian(x, 0, 3);
            var g = new double[n];
            rng.FillGaussian(g);
            double[]? first = null;
            foreach (var path in AcceleratedPaths())
            {
                var whole = new double[n];
                ActivationKernels.Run(path, kind, (ActivationOrder)order, x, default, whole, threads: 1);
                for (int i = 0; i < n; i++)
                {
                    var one = new double[1];
                    ActivationKernels.Run(path, kind, (ActivationOrder)order, x.AsSpan(i, 1), default, one, threads: 1);
                    Assert.Equal(one[0], whole[i]);
                }
                // 256- and 512-bit lanes run the same operations: bit-identical.
                if (first is null) first = whole;
                else Assert.Equal(first, whole);
                var times = new double[n];
                ActivationKernels.Run(path, kind, (ActivationOrder)order, x, g, times, threads: 1);
                for (int i = 0; i < n; i++) Assert.Equal(g[i] * whole[i], times[i]);
            }
        }
    }

    [Fact]
    public void VectorKernel_Threaded_MatchesSingleThread()
    {
        int n = 3 * ActivationKernels.ParallelThreshold + 5;
        var x = new double[n];
        RandomStreams.For(8, "activation-kernels/threads").FillGaussian(x, 0, 4);
        var one = new double[n];
        var two = new double[n];
        ActivationKernels.Run(Simd.Best, ActivationKind.Tanh, ActivationOrder.Value, x, default, one, threads: 1);
        ActivationKernels.Run(Simd.Best, ActivationKind.Tanh, ActivationOrder.Value, x, default, two, threads: 3);
        Assert.Equal(one, two);
        // In place (dest aliases x) as well.
        ActivationKernels.Run(Simd.Best, ActivationKind.Tanh, ActivationOrder.Value, x, default, x, threads: 2);
        Assert.Equal(one, x);
    }

    [Fact]
    public void ScalarPath_IsTheScalarFormula()
    {
        double[] x = [-3.0, -0.0, 0.5, double.NaN, 800.0];
        var got = new double[x.Length];
        ActivationKernels.Run(SimdPath.Scalar, ActivationKind.Softplus, ActivationOrder.Value, x, default, got, threads: 1);
        for (int i = 0; i < x.Length; i++) Assert.Equal(Activations.Value(ActivationKind.Softplus, x[i]), got[i]);
    }

    private static IEnumerable<SimdPath> AcceleratedPaths()
    {
        if (Vector256.IsHardwareAccelerated) yield return SimdPath.Vector256;
        if (Vector512.IsHardwareAccelerated) yield return SimdPath.Vector512;
    }

    private static double Reference(ActivationKind kind, ActivationOrder order, double x)
    {
        // σ″ of sigmoid: the scalar σσ̄(σ̄ − σ) cancels near 0; −σ′(x)·tanh(x/2) is the same function without cancellation.
        if (kind == ActivationKind.Sigmoid && order == ActivationOrder.Second)
            return -Activations.Derivative(ActivationKind.Sigmoid, x) * Math.Tanh(0.5 * x);
        if (kind == ActivationKind.Softplus && order == ActivationOrder.Second)
            return Activations.Derivative(ActivationKind.Sigmoid, x);
        // sech² as (1/cosh)²: the scalar 1/cosh² underflows to 0 early (cosh² overflows for |x| in [355.4, 372]).
        if (kind == ActivationKind.Tanh && order != ActivationOrder.Value)
        {
            double s = 1.0 / Math.Cosh(x);
            return order == ActivationOrder.First ? s * s : -2.0 * Math.Tanh(x) * (s * s);
        }
        return order switch
        {
            ActivationOrder.Value => Activations.Value(kind, x),
            ActivationOrder.First => Activations.Derivative(kind, x),
            _ => Activations.SecondDerivative(kind, x),
        };
    }

    /// <summary>Distance in representable doubles (±0 count as one point).</summary>
    private static long UlpDistance(double a, double b)
    {
        static long Ordered(double v)
        {
            long bits = BitConverter.DoubleToInt64Bits(v);
            return bits < 0 ? long.MinValue - bits : bits;
        }
        return Math.Abs(Ordered(a) - Ordered(b));
    }

    private static double[] BuildPoints()
    {
        var rng = RandomStreams.For(2024, "activation-kernels/points");
        var points = new List<double>(1 << 20);
        // Random bit patterns: every exponent equally likely, so the whole range, subnormals included.
        for (int i = 0; i < 300_000; i++) points.Add(BitConverter.Int64BitsToDouble((long)rng.NextUInt64()));
        // Log-uniform magnitudes over [1e-30, 1e3], both signs.
        for (int i = 0; i < 300_000; i++)
            points.Add((rng.NextUInt64() >> 63 == 0 ? 1 : -1) * Math.Pow(10, rng.NextUniform(-30, 3)));
        // The band where the activations do their work.
        for (int i = 0; i < 350_000; i++) points.Add(rng.NextUniform(-40, 40));
        // Switch-over points with 16 neighbours on each side: exp's reduction boundaries (k + ½)·ln2 and the same
        // for e^{−2|x|} (tanh) and e^{−x²/2}; its clamps; log1p's √2; Cody's 0.46875, 4 and XBig, in x and in x/√2;
        // where tanh and σ round to ±1, where sech² and σ′ underflow.
        var specials = new List<double>
        {
            0.0, -0.0, double.Epsilon, -double.Epsilon, 2.2250738585072014e-308, -2.2250738585072014e-308,
            2.2250738585072009e-308, 1e-320, -1e-320, 1.11e-16, 1e-8, 0.46875, 4.0, 26.543, 709.782712893384,
            -745.1332191019412, 710.0, -746.0, 19.06, 32.0, 36.7, 37.5, 354.0, 355.0, 372.0, 745.0, 0.881373587019543,
            Math.Sqrt(2), 0.7518, 1e15, 1e300, double.MaxValue, 64.0, 38.0,
        };
        for (int k = -40; k <= 40; k++)
        {
            double b = (k + 0.5) * Math.Log(2);
            specials.Add(b);
            specials.Add(b / 2);
            specials.Add(Math.Sqrt(Math.Abs(2 * b)));
        }
        foreach (var s in specials.ToArray())
        {
            specials.Add(s * Math.Sqrt(2));
        }
        foreach (var s in specials)
        {
            double lo = s, hi = s;
            for (int j = 0; j < 16; j++)
            {
                lo = Math.BitDecrement(lo);
                hi = Math.BitIncrement(hi);
                points.Add(lo); points.Add(hi); points.Add(-lo); points.Add(-hi);
            }
            points.Add(s);
            points.Add(-s);
        }
        points.Add(double.PositiveInfinity);
        points.Add(double.NegativeInfinity);
        points.Add(double.NaN);
        return [.. points];
    }
}

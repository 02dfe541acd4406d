using System.Runtime.Intrinsics;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Tests.Models;

/// <summary>
/// The vectorised random-Fourier-feature kernel (cos and −sin on Vector512/Vector256.SinCos) against Math.SinCos on
/// ~10⁶ points per path, forced path by path: random bit patterns over the whole double range, a dense band, a log
/// sweep to 10³⁰⁰, the multiples of π/2 with ulp neighbours, ±0, subnormals, ±∞, NaN and huge arguments; then
/// FeatureMap.Evaluate against its scalar one-state reference.
/// </summary>
public class FeatureKernelTests
{
    private static readonly Lazy<double[]> s_points = new(BuildPoints);

    // An odd row length, so both widths have a tail in every row.
    private const int RowLength = 1021;

    [Fact]
    public void VectorSinCos_WholeRange_WithinStatedUlpsOfMathSinCos()
    {
        var x = s_points.Value;
        var b = new double[RowLength]; // zero offsets: the argument is x itself (−0 + 0 = +0 is the only change)
        foreach (var path in AcceleratedPaths())
        {
            var cos = (double[])x.Clone();
            var sin = new double[x.Length];
            FeatureKernels.CosFeatures(path, cos, sin, b, 1.0, threads: 1);
            long worst = 0;
            for (int i = 0; i < x.Length; i++)
            {
                var (rs, rc) = Math.SinCos(x[i] + 0.0);
                CheckClose(path, "cos", x[i], rc, cos[i], ref worst);
                CheckClose(path, "−sin", x[i], -rs, sin[i], ref worst);
            }
            // The bound is not vacuous: the runtime's vector code is not Math.SinCos itself.
            Assert.True(worst >= 1, $"{path}: every entry equal to Math.SinCos; the ulp test measured nothing");
        }
    }

    [Fact]
    public void VectorSinCos_PathsThreadsAndOffsets_AgreeWithScalarPath()
    {
        // A realistic feature matrix: pre-activations of N(0, 4), offsets in [0, 2π), c = √(2/M).
        const int rows = 97, m = 300;
        var rng = RandomStreams.For(5, "feature-kernels/offsets");
        var pre = new double[rows * m];
        rng.FillGaussian(pre, 0, 2);
        var b = new double[m];
        rng.FillUniform(b, 0, 2 * Math.PI);
        double c = Math.Sqrt(2.0 / m);
        var refCos = (double[])pre.Clone();
        var refSin = new double[pre.Length];
        FeatureKernels.CosFeatures(SimdPath.Scalar, refCos, refSin, b, c, threads: 1);
        for (int q = 0; q < pre.Length; q++)
        {
            var (s, co) = Math.SinCos(pre[q] + b[q % m]);
            Assert.Equal(c * co, refCos[q]);
            Assert.Equal(-c * s, refSin[q]);
        }
        foreach (var path in AcceleratedPaths())
        {
            var one = (double[])pre.Clone();
            var oneSin = new double[pre.Length];
            FeatureKernels.CosFeatures(path, one, oneSin, b, c, threads: 1);
            for (int q = 0; q < pre.Length; q++)
            {
                // One ulp of cos (≤ 2u absolute for |cos| ≤ 1) times c, plus the two roundings of the product.
                Assert.True(Math.Abs(one[q] - refCos[q]) <= c * 4 * U, $"{path} cos entry {q}: {one[q]:R} vs {refCos[q]:R}");
                Assert.True(Math.Abs(oneSin[q] - refSin[q]) <= c * 4 * U, $"{path} sin entry {q}: {oneSin[q]:R} vs {refSin[q]:R}");
            }
            // Without the slope the values are the same; threads do not change a bit.
            var noSlope = (double[])pre.Clone();
            FeatureKernels.CosFeatures(path, noSlope, default, b, c, threads: 1);
            Assert.Equal(one, noSlope);
            var big = Tile(pre, 400);
            var bigOne = (double[])big.Clone();
            var bigThree = (double[])big.Clone();
            var sinOne = new double[big.Length];
            var sinThree = new double[big.Length];
            Assert.True(big.Length >= 2 * FeatureKernels.ParallelThreshold, "the matrix must be large enough to be split");
            FeatureKernels.CosFeatures(path, bigOne, sinOne, b, c, threads: 1);
            FeatureKernels.CosFeatures(path, bigThree, sinThree, b, c, threads: 3);
            Assert.Equal(bigOne, bigThree);
            Assert.Equal(sinOne, sinThree);
        }
    }

    [Theory]
    [InlineData(FeatureKind.Gaussian)]
    [InlineData(FeatureKind.Matern)]
    [InlineData(FeatureKind.Relu)]
    public void Evaluate_EveryPath_MatchesTheOneStateReference(FeatureKind kind)
    {
        const int d = 5, m = 203, n = 17;
        var fm = kind switch
        {
            FeatureKind.Gaussian => FeatureMap.Gaussian(d, m, 0.7, seed: 3),
            FeatureKind.Matern => FeatureMap.Matern(d, m, 1.5, 0.7, seed: 3),
            _ => FeatureMap.Relu(d, m, 0.7, seed: 3),
        };
        var z = new Matrix(n, d);
        RandomStreams.For(4, "feature-kernels/states").FillGaussian(z.Data, 0, 3);
        foreach (var path in AcceleratedPaths().Prepend(SimdPath.Scalar))
        {
            var phi = new Matrix(n, m);
            var slope = new Matrix(n, m);
            fm.Evaluate(z, phi, slope, path, threads: 2);
            for (int i = 0; i < n; i++)
            {
                var oracle = fm.Evaluate(z.Row(i));
                for (int k = 0; k < m; k++)
                {
                    // The GEMM and the oracle's loop sum ωᵀz in different orders: γ_{d+1}·Σ|ω_j z_j| + |b| apart in the
                    // argument, cos is 1-Lipschitz, plus a few u for cos itself.
                    double p = Math.Abs(fm.Offsets[k]);
                    for (int j = 0; j < d; j++) p += Math.Abs(fm.Weights[k, j] * z[i, j]);
                    double tol = fm.Scale * (2 * (d + 1) * U * p + 4 * U);
                    Assert.True(Math.Abs(phi[i, k] - oracle[k]) <= tol, $"{kind} {path} ({i}, {k}): {phi[i, k]:R} vs {oracle[k]:R}");
                    // The slope is c·g′ at the same argument: −c·sin for cos features, c·[pre > 0] for relu.
                    double pre = fm.Offsets[k];
                    for (int j = 0; j < d; j++) pre += fm.Weights[k, j] * z[i, j];
                    double expected = kind == FeatureKind.Relu ? (pre > 0 ? fm.Scale : 0) : -fm.Scale * Math.Sin(pre);
                    if (kind == FeatureKind.Relu && Math.Abs(pre) <= tol) continue; // a tie the two sums may break differently
                    Assert.True(Math.Abs(slope[i, k] - expected) <= tol, $"{kind} {path} slope ({i}, {k}): {slope[i, k]:R} vs {expected:R}");
                }
            }
        }
    }

    private const double U = 1.1102230246251565e-16;

    private static void CheckClose(SimdPath path, string what, double x, double expected, double got, ref long worst)
    {
        if (double.IsNaN(expected) || double.IsNaN(got))
        {
            Assert.True(double.IsNaN(expected) && double.IsNaN(got), $"{what} {path} at x = {x:R}: expected {expected:R}, got {got:R}");
            return;
        }
        long d = UlpDistance(expected, got);
        worst = Math.Max(worst, d);
        Assert.True(d <= FeatureKernels.MaxUlpsFromMathSinCos, $"{what} {path} at x = {x:R}: expected {expected:R}, got {got:R} ({d} ulps)");
    }

    private static double[] Tile(double[] a, int times)
    {
        var t = new double[a.Length * times];
        for (int r = 0; r < times; r++) a.CopyTo(t, r * a.Length);
        return t;
    }

    private static IEnumerable<SimdPath> AcceleratedPaths()
    {
        if (Vector256.IsHardwareAccelerated) yield return SimdPath.Vector256;
        if (Vector512.IsHardwareAccelerated) yield return SimdPath.Vector512;
    }

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
        var rng = RandomStreams.For(2026, "feature-kernels/points");
        var points = new List<double>(1 << 20);
        // Random bit patterns: every exponent equally likely, so the whole range, subnormals and huge values included.
        for (int i = 0; i < 200_000; i++) points.Add(BitConverter.Int64BitsToDouble((long)rng.NextUInt64()));
        // A sane range: where feature arguments live.
        for (int i = 0; i < 300_000; i++) points.Add(rng.NextUniform(-100, 100));
        // A log sweep over [1e-300, 1e300], both signs; past 1e6 the reduction needs many bits of π.
        for (int i = 0; i < 200_000; i++)
            points.Add((rng.NextUInt64() >> 63 == 0 ? 1 : -1) * Math.Pow(10, rng.NextUniform(-300, 300)));
        // A dense log sweep over [1, 1e9] (the range where the vector reduction, not a scalar fallback, runs).
        for (int i = 0; i < 100_000; i++) points.Add(Math.Pow(10, rng.NextUniform(0, 9)));
        // kπ/2 for |k| ≤ 2¹⁴ with 8 ulp neighbours each side: cos or sin is tiny there.
        for (int k = -(1 << 14); k <= 1 << 14; k++)
        {
            if ((k & 1) == 0 && k % 8 != 0) continue; // keep the count near 10⁶: every odd k, every 8th even k
            long bits = BitConverter.DoubleToInt64Bits(k * (Math.PI / 2));
            for (int o = -8; o <= 8; o++)
                if (k != 0) points.Add(BitConverter.Int64BitsToDouble(bits + o));
        }
        points.AddRange([0.0, -0.0, double.Epsilon, -double.Epsilon, 2.2250738585072014e-308, 1e-310, -1e-320,
            double.PositiveInfinity, double.NegativeInfinity, double.NaN, double.MaxValue, -double.MaxValue,
            1e300, -1e300, 1e22, 5e5, 1e6, -1e6, 1e9, 1e15, 9.007199254740992e15, Math.PI, -Math.PI, 2 * Math.PI]);
        while (points.Count % RowLength != 0) points.Add(0.5);
        return [.. points];
    }
}

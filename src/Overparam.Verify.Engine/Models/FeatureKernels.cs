using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Models;

/// <summary>
/// The random-Fourier-feature nonlinearity over an N × M pre-activation matrix P (row-major): P ← c·cos(P + b) and,
/// when asked, S ← −c·sin(P + b) (b added to every row), on .NET's vectorised <c>Vector512.SinCos</c> /
/// <c>Vector256.SinCos</c> (<see cref="SimdPath.Scalar"/>: Math.SinCos entry by entry, the reference), rows split over
/// up to <see cref="Blas.MaxThreads"/> threads above <see cref="ParallelThreshold"/> entries. The tail of each row is
/// evaluated as one zero-padded vector, so an entry's result depends only on the path and its position in its row, not
/// on the thread count.
/// </summary>
/// <remarks>
/// <para>Accuracy: cos and sin of the rounded argument P + b are within <see cref="MaxUlpsFromMathSinCos"/> ulp of
/// Math.SinCos on both vector widths, NaN in gives NaN out and ±∞ gives NaN, as Math.SinCos does. FeatureKernelTests
/// hold this on ~10⁶ points per path (random bit patterns over the whole double range, a dense band in [−100, 100], a
/// log sweep from 10⁻³⁰⁰ to 10³⁰⁰, the multiples kπ/2 for |k| ≤ 2¹⁴ (every odd k, every 8th even k) with 8 neighbours each side, ±0, subnormals,
/// ±∞, NaN, huge arguments); measured: 1 ulp for |x| ≲ 10⁹ and bit-identical beyond (where .NET's vector code falls
/// back to the scalar reduction). Near the zeros of cos the runtime's reduction carries the extra bits of π/2, so the
/// ulp bound holds relative to the tiny result there too. The 256- and 512-bit paths may differ from each other by that
/// ulp, since they are the runtime's two implementations.</para>
/// <para>What the certified P1 Gram assumes (P1ResNetRff.gramFormationError): each computed feature is within
/// c·(γ_{d+1}P + 4u·max(1, P))·(1 + 4u) of c·cos(ωᵀz + b), with P ≥ Σ|ω_k z_k| + |b|. Math.SinCos (glibc) is within
/// 1 ulp of the exact value, so this path is within 2 ulps ≤ 3u absolute (|cos| ≤ 1, one ulp ≤ u below 1 and 2u at 1);
/// with the rounding of P + b (≤ u·P) that is ≤ 4u·max(1, P): inside the budget.</para>
/// </remarks>
internal static unsafe class FeatureKernels
{
    /// <summary>Matrices with at least this many entries are split across threads (as the activation kernels are).</summary>
    internal const int ParallelThreshold = ActivationKernels.ParallelThreshold;

    /// <summary>The stated distance of the vector paths from Math.SinCos, in ulps (measured maximum 1; tests hold it).</summary>
    internal const int MaxUlpsFromMathSinCos = 1;

    /// <summary>
    /// P ← c·cos(P + b) and (when <paramref name="slope"/> is not empty) S ← −c·sin(P + b), P and S N × M row-major,
    /// b of length M, on <paramref name="path"/> with up to <paramref name="threads"/> threads.
    /// </summary>
    internal static void CosFeatures(SimdPath path, Span<double> pre, Span<double> slope, ReadOnlySpan<double> b, double c,
        int threads)
    {
        int m = b.Length;
        if (m == 0 || pre.IsEmpty) return;
        if (pre.Length % m != 0) throw new ArgumentException($"{pre.Length} pre-activations are not rows of {m}", nameof(pre));
        if (!slope.IsEmpty && slope.Length != pre.Length)
            throw new ArgumentException($"slope has {slope.Length} entries, pre-activations {pre.Length}", nameof(slope));
        int n = pre.Length / m;
        bool withSlope = !slope.IsEmpty;
        int parts = Math.Min(Math.Min(threads, n), pre.Length / (ParallelThreshold / 2));
        if (parts <= 1)
        {
            Rows(path, pre, slope, b, c, 0, n);
            return;
        }
        int chunk = (n + parts - 1) / parts;
        fixed (double* pp = pre, ps = slope, pb = b)
        {
            double* cp = pp, cs = ps, cb = pb;
            int total = pre.Length;
            FixedParallel.For(parts, p =>
            {
                int r0 = p * chunk, r1 = Math.Min(n, r0 + chunk);
                if (r0 >= r1) return;
                Rows(path, new Span<double>(cp, total), withSlope ? new Span<double>(cs, total) : default,
                    new ReadOnlySpan<double>(cb, m), c, r0, r1);
            });
        }
    }

    private static void Rows(SimdPath path, Span<double> pre, Span<double> slope, ReadOnlySpan<double> b, double c, int r0, int r1)
    {
        int m = b.Length;
        for (int i = r0; i < r1; i++)
        {
            var row = pre.Slice(i * m, m);
            var srow = slope.IsEmpty ? default : slope.Slice(i * m, m);
            switch (path)
            {
                case SimdPath.Vector512:
                    Row512(row, srow, b, c);
                    break;
                case SimdPath.Vector256:
                    Row256(row, srow, b, c);
                    break;
                default:
                    RowScalar(row, srow, b, c);
                    break;
            }
        }
    }

    private static void RowScalar(Span<double> row, Span<double> srow, ReadOnlySpan<double> b, double c)
    {
        bool withSlope = !srow.IsEmpty;
        for (int k = 0; k < row.Length; k++)
        {
            var (sin, cos) = Math.SinCos(row[k] + b[k]);
            row[k] = c * cos;
            if (withSlope) srow[k] = -c * sin;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512(Span<double> row, Span<double> srow, ReadOnlySpan<double> b, double c)
    {
        int m = row.Length, k = 0;
        bool withSlope = !srow.IsEmpty;
        ref double rp = ref MemoryMarshal.GetReference(row);
        ref double rs = ref MemoryMarshal.GetReference(srow);
        ref double rb = ref MemoryMarshal.GetReference(b);
        var vc = Vector512.Create(c);
        var vmc = Vector512.Create(-c);
        for (; k <= m - 8; k += 8)
        {
            var (s, co) = Vector512.SinCos(Vector512.LoadUnsafe(ref rp, (nuint)k) + Vector512.LoadUnsafe(ref rb, (nuint)k));
            (vc * co).StoreUnsafe(ref rp, (nuint)k);
            if (withSlope) (vmc * s).StoreUnsafe(ref rs, (nuint)k);
        }
        if (k == m) return;
        // The tail as one zero-padded vector: the same lane operations as the body.
        Span<double> buf = stackalloc double[8];
        buf.Clear();
        for (int j = k; j < m; j++) buf[j - k] = row[j] + b[j];
        var (ts, tc) = Vector512.SinCos(Vector512.Create((ReadOnlySpan<double>)buf));
        (vc * tc).CopyTo(buf);
        buf[..(m - k)].CopyTo(row[k..]);
        if (!withSlope) return;
        (vmc * ts).CopyTo(buf);
        buf[..(m - k)].CopyTo(srow[k..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row256(Span<double> row, Span<double> srow, ReadOnlySpan<double> b, double c)
    {
        int m = row.Length, k = 0;
        bool withSlope = !srow.IsEmpty;
        ref double rp = ref MemoryMarshal.GetReference(row);
        ref double rs = ref MemoryMarshal.GetReference(srow);
        ref double rb = ref MemoryMarshal.GetReference(b);
        var vc = Vector256.Create(c);
        var vmc = Vector256.Create(-c);
        for (; k <= m - 4; k += 4)
        {
            var (s, co) = Vector256.SinCos(Vector256.LoadUnsafe(ref rp, (nuint)k) + Vector256.LoadUnsafe(ref rb, (nuint)k));
            (vc * co).StoreUnsafe(ref rp, (nuint)k);
            if (withSlope) (vmc * s).StoreUnsafe(ref rs, (nuint)k);
        }
        if (k == m) return;
        Span<double> buf = stackalloc double[4];
        buf.Clear();
        for (int j = k; j < m; j++) buf[j - k] = row[j] + b[j];
        var (ts, tc) = Vector256.SinCos(Vector256.Create((ReadOnlySpan<double>)buf));
        (vc * tc).CopyTo(buf);
        buf[..(m - k)].CopyTo(row[k..]);
        if (!withSlope) return;
        (vmc * ts).CopyTo(buf);
        buf[..(m - k)].CopyTo(srow[k..]);
    }

    /// <summary>t ← t ⊙ s (the Hadamard step of the adjoint), vectorised; lengths must agree.</summary>
    internal static void MultiplyInPlace(Span<double> t, ReadOnlySpan<double> s)
    {
        if (t.Length != s.Length) throw new ArgumentException($"lengths {t.Length} and {s.Length} differ", nameof(s));
        int n = t.Length, k = 0;
        ref double rt = ref MemoryMarshal.GetReference(t);
        ref double rs = ref MemoryMarshal.GetReference(s);
        if (Vector512.IsHardwareAccelerated)
            for (; k <= n - 8; k += 8)
                (Vector512.LoadUnsafe(ref rt, (nuint)k) * Vector512.LoadUnsafe(ref rs, (nuint)k)).StoreUnsafe(ref rt, (nuint)k);
        for (; k < n; k++) t[k] *= s[k];
    }
}

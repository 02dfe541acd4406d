using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>
/// Level-1 building blocks (dot, axpy, four-row axpy, plane rotation) with one body per <see cref="SimdPath"/>.
/// Lengths are trusted: callers validate. Vector paths keep four independent accumulators so that the
/// fused multiply-add latency is hidden; their sums therefore differ from the scalar order in the last bits.
/// </summary>
internal static class VectorKernels
{
    /// <summary>Σᵢ x[i]·y[i] over x.Length entries.</summary>
    internal static double Dot(SimdPath path, ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int n = x.Length, i = 0;
        ref double rx = ref MemoryMarshal.GetReference(x);
        ref double ry = ref MemoryMarshal.GetReference(y);
        double s = 0;
        if (path == SimdPath.Vector512 && n >= 8)
        {
            Vector512<double> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= n - 32; i += 32)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i + 8), Vector512.LoadUnsafe(ref ry, (nuint)i + 8), s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i + 16), Vector512.LoadUnsafe(ref ry, (nuint)i + 16), s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i + 24), Vector512.LoadUnsafe(ref ry, (nuint)i + 24), s3);
            }
            for (; i <= n - 8; i += 8)
                s0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i), s0);
            s = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (path != SimdPath.Scalar && n >= 4)
        {
            Vector256<double> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= n - 16; i += 16)
            {
                s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, (nuint)i + 4), Vector256.LoadUnsafe(ref ry, (nuint)i + 4), s1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, (nuint)i + 8), Vector256.LoadUnsafe(ref ry, (nuint)i + 8), s2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, (nuint)i + 12), Vector256.LoadUnsafe(ref ry, (nuint)i + 12), s3);
            }
            for (; i <= n - 4; i += 4)
                s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i), s0);
            s = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        for (; i < n; i++) s += Unsafe.Add(ref rx, i) * Unsafe.Add(ref ry, i);
        return s;
    }

    /// <summary>y[i] += α·x[i] over x.Length entries.</summary>
    internal static void Axpy(SimdPath path, double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, i = 0;
        ref double rx = ref MemoryMarshal.GetReference(x);
        ref double ry = ref MemoryMarshal.GetReference(y);
        if (path == SimdPath.Vector512)
        {
            var va = Vector512.Create(alpha);
            for (; i <= n - 8; i += 8)
                Vector512.FusedMultiplyAdd(va, Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i))
                    .StoreUnsafe(ref ry, (nuint)i);
        }
        if (path != SimdPath.Scalar)
        {
            var va = Vector256.Create(alpha);
            for (; i <= n - 4; i += 4)
                Vector256.FusedMultiplyAdd(va, Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i))
                    .StoreUnsafe(ref ry, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref ry, i) += alpha * Unsafe.Add(ref rx, i);
    }

    /// <summary>y[j] += a0·r0[j] + a1·r1[j] + a2·r2[j] + a3·r3[j] over y.Length entries (one pass over y for four rows).</summary>
    internal static void Axpy4(SimdPath path, double a0, double a1, double a2, double a3,
        ReadOnlySpan<double> r0, ReadOnlySpan<double> r1, ReadOnlySpan<double> r2, ReadOnlySpan<double> r3, Span<double> y)
    {
        int n = y.Length, j = 0;
        ref double x0 = ref MemoryMarshal.GetReference(r0);
        ref double x1 = ref MemoryMarshal.GetReference(r1);
        ref double x2 = ref MemoryMarshal.GetReference(r2);
        ref double x3 = ref MemoryMarshal.GetReference(r3);
        ref double ry = ref MemoryMarshal.GetReference(y);
        if (path == SimdPath.Vector512)
        {
            Vector512<double> v0 = Vector512.Create(a0), v1 = Vector512.Create(a1), v2 = Vector512.Create(a2), v3 = Vector512.Create(a3);
            for (; j <= n - 8; j += 8)
            {
                var acc = Vector512.LoadUnsafe(ref ry, (nuint)j);
                acc = Vector512.FusedMultiplyAdd(v0, Vector512.LoadUnsafe(ref x0, (nuint)j), acc);
                acc = Vector512.FusedMultiplyAdd(v1, Vector512.LoadUnsafe(ref x1, (nuint)j), acc);
                acc = Vector512.FusedMultiplyAdd(v2, Vector512.LoadUnsafe(ref x2, (nuint)j), acc);
                acc = Vector512.FusedMultiplyAdd(v3, Vector512.LoadUnsafe(ref x3, (nuint)j), acc);
                acc.StoreUnsafe(ref ry, (nuint)j);
            }
        }
        if (path != SimdPath.Scalar)
        {
            Vector256<double> v0 = Vector256.Create(a0), v1 = Vector256.Create(a1), v2 = Vector256.Create(a2), v3 = Vector256.Create(a3);
            for (; j <= n - 4; j += 4)
            {
                var acc = Vector256.LoadUnsafe(ref ry, (nuint)j);
                acc = Vector256.FusedMultiplyAdd(v0, Vector256.LoadUnsafe(ref x0, (nuint)j), acc);
                acc = Vector256.FusedMultiplyAdd(v1, Vector256.LoadUnsafe(ref x1, (nuint)j), acc);
                acc = Vector256.FusedMultiplyAdd(v2, Vector256.LoadUnsafe(ref x2, (nuint)j), acc);
                acc = Vector256.FusedMultiplyAdd(v3, Vector256.LoadUnsafe(ref x3, (nuint)j), acc);
                acc.StoreUnsafe(ref ry, (nuint)j);
            }
        }
        for (; j < n; j++)
            Unsafe.Add(ref ry, j) += a0 * Unsafe.Add(ref x0, j) + a1 * Unsafe.Add(ref x1, j)
                + a2 * Unsafe.Add(ref x2, j) + a3 * Unsafe.Add(ref x3, j);
    }

    /// <summary>
    /// Returns Σⱼ row[j]·v[j] while doing y[j] += α·row[j], over row.Length entries: one pass over a row serves
    /// both halves of a symmetric matrix-vector product stored as a lower triangle.
    /// </summary>
    internal static double DotAxpy(SimdPath path, ReadOnlySpan<double> row, ReadOnlySpan<double> v, double alpha, Span<double> y)
    {
        int n = row.Length, j = 0;
        ref double rr = ref MemoryMarshal.GetReference(row);
        ref double rv = ref MemoryMarshal.GetReference(v);
        ref double ry = ref MemoryMarshal.GetReference(y);
        double s = 0;
        if (path == SimdPath.Vector512 && n >= 8)
        {
            var va = Vector512.Create(alpha);
            Vector512<double> s0 = default, s1 = default;
            for (; j <= n - 16; j += 16)
            {
                var a0 = Vector512.LoadUnsafe(ref rr, (nuint)j);
                var a1 = Vector512.LoadUnsafe(ref rr, (nuint)j + 8);
                s0 = Vector512.FusedMultiplyAdd(a0, Vector512.LoadUnsafe(ref rv, (nuint)j), s0);
                s1 = Vector512.FusedMultiplyAdd(a1, Vector512.LoadUnsafe(ref rv, (nuint)j + 8), s1);
                Vector512.FusedMultiplyAdd(va, a0, Vector512.LoadUnsafe(ref ry, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
                Vector512.FusedMultiplyAdd(va, a1, Vector512.LoadUnsafe(ref ry, (nuint)j + 8)).StoreUnsafe(ref ry, (nuint)j + 8);
            }
            s = Vector512.Sum(s0 + s1);
        }
        else if (path != SimdPath.Scalar && n >= 4)
        {
            var va = Vector256.Create(alpha);
            Vector256<double> s0 = default, s1 = default;
            for (; j <= n - 8; j += 8)
            {
                var a0 = Vector256.LoadUnsafe(ref rr, (nuint)j);
                var a1 = Vector256.LoadUnsafe(ref rr, (nuint)j + 4);
                s0 = Vector256.FusedMultiplyAdd(a0, Vector256.LoadUnsafe(ref rv, (nuint)j), s0);
                s1 = Vector256.FusedMultiplyAdd(a1, Vector256.LoadUnsafe(ref rv, (nuint)j + 4), s1);
                Vector256.FusedMultiplyAdd(va, a0, Vector256.LoadUnsafe(ref ry, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
                Vector256.FusedMultiplyAdd(va, a1, Vector256.LoadUnsafe(ref ry, (nuint)j + 4)).StoreUnsafe(ref ry, (nuint)j + 4);
            }
            s = Vector256.Sum(s0 + s1);
        }
        for (; j < n; j++)
        {
            double a = Unsafe.Add(ref rr, j);
            s += a * Unsafe.Add(ref rv, j);
            Unsafe.Add(ref ry, j) += alpha * a;
        }
        return s;
    }

    /// <summary>
    /// Four-row <see cref="DotAxpy"/>: dots[k] = Σⱼ rₖ[j]·v[j] and y[j] += Σₖ αₖ·rₖ[j] over y.Length entries, so
    /// v and y are read (and y written) once per four matrix rows.
    /// </summary>
    internal static unsafe void DotAxpy4(SimdPath path, double* r0, double* r1, double* r2, double* r3, double* v,
        double a0, double a1, double a2, double a3, double* y, int n, Span<double> dots)
    {
        int j = 0;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (path != SimdPath.Scalar && n >= 4)
        {
            Vector256<double> va0 = Vector256.Create(a0), va1 = Vector256.Create(a1), va2 = Vector256.Create(a2), va3 = Vector256.Create(a3);
            Vector256<double> d0 = default, d1 = default, d2 = default, d3 = default;
            for (; j <= n - 4; j += 4)
            {
                var x0 = Vector256.Load(r0 + j);
                var x1 = Vector256.Load(r1 + j);
                var x2 = Vector256.Load(r2 + j);
                var x3 = Vector256.Load(r3 + j);
                var vv = Vector256.Load(v + j);
                d0 = Vector256.FusedMultiplyAdd(x0, vv, d0);
                d1 = Vector256.FusedMultiplyAdd(x1, vv, d1);
                d2 = Vector256.FusedMultiplyAdd(x2, vv, d2);
                d3 = Vector256.FusedMultiplyAdd(x3, vv, d3);
                var yy = Vector256.Load(y + j);
                yy = Vector256.FusedMultiplyAdd(va0, x0, yy);
                yy = Vector256.FusedMultiplyAdd(va1, x1, yy);
                yy = Vector256.FusedMultiplyAdd(va2, x2, yy);
                yy = Vector256.FusedMultiplyAdd(va3, x3, yy);
                Vector256.Store(yy, y + j);
            }
            s0 = Vector256.Sum(d0);
            s1 = Vector256.Sum(d1);
            s2 = Vector256.Sum(d2);
            s3 = Vector256.Sum(d3);
        }
        for (; j < n; j++)
        {
            double vj = v[j];
            s0 += r0[j] * vj;
            s1 += r1[j] * vj;
            s2 += r2[j] * vj;
            s3 += r3[j] * vj;
            y[j] += a0 * r0[j] + a1 * r1[j] + a2 * r2[j] + a3 * r3[j];
        }
        dots[0] = s0;
        dots[1] = s1;
        dots[2] = s2;
        dots[3] = s3;
    }

    /// <summary>dots[k] = Σⱼ rₖ[j]·v[j] for four rows over n entries, reading v once.</summary>
    internal static unsafe void Dot4(SimdPath path, double* r0, double* r1, double* r2, double* r3, double* v, int n, Span<double> dots)
    {
        int j = 0;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (path != SimdPath.Scalar && n >= 4)
        {
            Vector256<double> d0 = default, d1 = default, d2 = default, d3 = default;
            for (; j <= n - 4; j += 4)
            {
                var vv = Vector256.Load(v + j);
                d0 = Vector256.FusedMultiplyAdd(Vector256.Load(r0 + j), vv, d0);
                d1 = Vector256.FusedMultiplyAdd(Vector256.Load(r1 + j), vv, d1);
                d2 = Vector256.FusedMultiplyAdd(Vector256.Load(r2 + j), vv, d2);
                d3 = Vector256.FusedMultiplyAdd(Vector256.Load(r3 + j), vv, d3);
            }
            s0 = Vector256.Sum(d0);
            s1 = Vector256.Sum(d1);
            s2 = Vector256.Sum(d2);
            s3 = Vector256.Sum(d3);
        }
        for (; j < n; j++)
        {
            double vj = v[j];
            s0 += r0[j] * vj;
            s1 += r1[j] * vj;
            s2 += r2[j] * vj;
            s3 += r3[j] * vj;
        }
        dots[0] = s0;
        dots[1] = s1;
        dots[2] = s2;
        dots[3] = s3;
    }

    /// <summary>True when every entry is finite: x·0 is 0 for finite x and NaN for NaN or ±∞, summed branch-free.</summary>
    internal static bool AllFinite(ReadOnlySpan<double> x)
    {
        int n = x.Length, i = 0;
        ref double rx = ref MemoryMarshal.GetReference(x);
        double s = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> acc = default;
            for (; i <= n - 4; i += 4) acc += Vector256.LoadUnsafe(ref rx, (nuint)i) * Vector256<double>.Zero;
            s = Vector256.Sum(acc);
        }
        for (; i < n; i++) s += Unsafe.Add(ref rx, i) * 0.0;
        return s == 0;
    }

    /// <summary>(x, y) ← (c·x − s·y, s·x + c·y) entrywise: a plane rotation applied to two rows.</summary>
    internal static void Rotate(SimdPath path, double c, double s, Span<double> x, Span<double> y)
    {
        int n = x.Length, j = 0;
        ref double rx = ref MemoryMarshal.GetReference(x);
        ref double ry = ref MemoryMarshal.GetReference(y);
        if (path == SimdPath.Vector512)
        {
            Vector512<double> vc = Vector512.Create(c), vs = Vector512.Create(s);
            for (; j <= n - 8; j += 8)
            {
                var a = Vector512.LoadUnsafe(ref rx, (nuint)j);
                var b = Vector512.LoadUnsafe(ref ry, (nuint)j);
                Vector512.FusedMultiplyAdd(vc, a, -(vs * b)).StoreUnsafe(ref rx, (nuint)j);
                Vector512.FusedMultiplyAdd(vs, a, vc * b).StoreUnsafe(ref ry, (nuint)j);
            }
        }
        if (path != SimdPath.Scalar)
        {
            Vector256<double> vc = Vector256.Create(c), vs = Vector256.Create(s);
            for (; j <= n - 4; j += 4)
            {
                var a = Vector256.LoadUnsafe(ref rx, (nuint)j);
                var b = Vector256.LoadUnsafe(ref ry, (nuint)j);
                Vector256.FusedMultiplyAdd(vc, a, -(vs * b)).StoreUnsafe(ref rx, (nuint)j);
                Vector256.FusedMultiplyAdd(vs, a, vc * b).StoreUnsafe(ref ry, (nuint)j);
            }
        }
        for (; j < n; j++)
        {
            double a = Unsafe.Add(ref rx, j), b = Unsafe.Add(ref ry, j);
            Unsafe.Add(ref rx, j) = c * a - s * b;
            Unsafe.Add(ref ry, j) = s * a + c * b;
        }
    }

    /// <summary>x ← β·x, with β = 0 clearing x without reading it (so NaN in x does not survive).</summary>
    internal static void Scale(double beta, Span<double> x)
    {
        if (beta == 0) x.Clear();
        else if (beta != 1)
            for (int i = 0; i < x.Length; i++) x[i] *= beta;
    }
}

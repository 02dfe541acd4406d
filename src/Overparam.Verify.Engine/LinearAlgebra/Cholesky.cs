using System.Runtime.Intrinsics;

namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>Outcome of a Cholesky factorization A = L·Lᵀ.</summary>
/// <param name="Success">True when A is numerically positive definite.</param>
/// <param name="FailedPivot">Index of the first non-positive pivot, or −1 on success.</param>
/// <param name="PivotValue">The offending pivot value (before the square root), or NaN on success.</param>
/// <param name="L">Lower-triangular factor (upper triangle zero); null on failure.</param>
public sealed record CholeskyResult(bool Success, int FailedPivot, double PivotValue, Matrix? L);

/// <summary>
/// Cholesky factorization and triangular solves. The factorization is recursive (split in halves down to 32×32
/// leaves), so almost all of its n³/3 multiply-adds run in the blocked GEMM/SYRK kernels of <see cref="Blas"/>.
/// </summary>
public static class Cholesky
{
    private const int Leaf = 32;
    private const int TrsmLeaf = 16;

    /// <summary>Factors symmetric A (lower triangle read) as L·Lᵀ; reports the failing pivot instead of throwing.</summary>
    /// <remarks>
    /// Only the lower triangle of <paramref name="a"/> is read, so an asymmetric input is factored as the symmetric
    /// matrix its lower triangle defines. A pivot that is not strictly positive (including one that rounding made
    /// zero or negative for a semidefinite matrix) ends the factorization with <c>Success = false</c>.
    /// </remarks>
    /// <exception cref="ArgumentException">A is not square or its lower triangle holds NaN or ±∞.</exception>
    public static CholeskyResult Factor(Matrix a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Rows != a.Cols)
            throw new ArgumentException($"Cholesky needs a square matrix, got {a.Rows}×{a.Cols}", nameof(a));
        int n = a.Rows;
        var l = new Matrix(n, n);
        for (int i = 0; i < n; i++)
        {
            var src = a.Data.AsSpan(i * n, i + 1);
            if (!VectorKernels.AllFinite(src))
            {
                int j = FirstNonFinite(src);
                throw new ArgumentException($"Cholesky input entry ({i}, {j}) is {src[j]}; the matrix must be finite", nameof(a));
            }
            src.CopyTo(l.Data.AsSpan(i * n, i + 1));
        }
        int failed = Factor(l.Data, n, Math.Max(1, n), 0, out double pivot);
        return failed < 0 ? new CholeskyResult(true, -1, double.NaN, l) : new CholeskyResult(false, failed, pivot, null);
    }

    private static int FirstNonFinite(ReadOnlySpan<double> row)
    {
        for (int j = 0; j < row.Length; j++)
            if (!double.IsFinite(row[j])) return j;
        return -1;
    }

    /// <summary>
    /// In-place lower Cholesky of the n×n block at the start of <paramref name="a"/> (leading dimension ld).
    /// Returns −1, or the failing pivot's index plus <paramref name="offset"/>.
    /// </summary>
    private static unsafe int Factor(Span<double> a, int n, int ld, int offset, out double pivot)
    {
        pivot = double.NaN;
        if (n <= Leaf)
        {
            fixed (double* pa = a)
                for (int j = 0; j < n; j++)
                {
                    double* rowJ = pa + (long)j * ld;
                    double d = rowJ[j];
                    for (int p = 0; p < j; p++) d -= rowJ[p] * rowJ[p];
                    if (!(d > 0))
                    {
                        pivot = d;
                        return offset + j;
                    }
                    double ljj = Math.Sqrt(d);
                    rowJ[j] = ljj;
                    for (int i = j + 1; i < n; i++)
                    {
                        double* rowI = pa + (long)i * ld;
                        double s = rowI[j];
                        for (int p = 0; p < j; p++) s -= rowI[p] * rowJ[p];
                        rowI[j] = s / ljj;
                    }
                }
            return -1;
        }
        // Split on a multiple of 8 so the sub-blocks keep vector-friendly widths.
        int n1 = Math.Max(8, (n / 2) & ~7), n2 = n - n1;
        int f = Factor(a, n1, ld, offset, out pivot);
        if (f >= 0) return f;
        var a21 = a.Slice(n1 * ld);
        SolveRightLowerTransposedParallel(a21, n2, n1, a, ld);
        Blas.SyrkLower(Simd.Best, Blas.MaxThreads, n2, n1, -1.0, a21, ld, 1.0, a.Slice(n1 * ld + n1), ld);
        return Factor(a.Slice(n1 * ld + n1), n2, ld, offset + n1, out pivot);
    }

    /// <summary>
    /// X·Lᵀ = B with the rows of B shared out to the BLAS threads: rows are independent, so each thread runs the
    /// whole recursive solve (its GEMMs serial) on its own rows, one dispatch instead of one per inner GEMM.
    /// </summary>
    private static unsafe void SolveRightLowerTransposedParallel(Span<double> b, int m, int k, ReadOnlySpan<double> l, int ld)
    {
        int threads = Math.Min(Blas.MaxThreads, m / 32);
        if (threads <= 1 || (long)m * k * k < 2 * GemmDriver.ParallelWork)
        {
            SolveRightLowerTransposed(b, m, k, l, ld, Blas.MaxThreads);
            return;
        }
        fixed (double* pb = b, pl = l)
        {
            // Pinned for the whole synchronous call. Cuts fall on multiples of 16 rows, the leaf's row group, so
            // every row goes through the same code path whatever the thread count.
            nint ib = (nint)pb, il = (nint)pl;
            int bLength = b.Length, lLength = l.Length;
            FixedParallel.For(threads, t =>
            {
                int lo = (int)((long)m * t / threads) & ~15;
                int hi = t == threads - 1 ? m : (int)((long)m * (t + 1) / threads) & ~15;
                if (lo >= hi) return;
                var rows = new Span<double>((double*)ib + (long)lo * ld, bLength - lo * ld);
                SolveRightLowerTransposed(rows, hi - lo, k, new ReadOnlySpan<double>((double*)il, lLength), ld, 1);
            });
        }
    }

    /// <summary>X·Lᵀ = B in place for B m×k (leading dimension ld) and L k×k lower (same ld), recursively on GEMM.</summary>
    private static unsafe void SolveRightLowerTransposed(Span<double> b, int m, int k, ReadOnlySpan<double> l, int ld,
        int threads)
    {
        if (k <= TrsmLeaf)
        {
            fixed (double* pb = b, pl = l)
            {
                int i = 0;
                if (Simd.Best != SimdPath.Scalar)
                {
                    // Sixteen rows at once as four 4-row vectors, column-oriented: each solved x_j updates the later
                    // columns independently, and the four vectors are independent chains that hide the division
                    // and fused multiply-add latencies of each other.
                    Vector256<double>* xs = stackalloc Vector256<double>[4 * TrsmLeaf];
                    for (; i + 16 <= m; i += 16)
                    {
                        double* r0 = pb + (long)i * ld;
                        for (int q = 0; q < k; q++)
                            for (int v = 0; v < 4; v++)
                            {
                                double* rv = r0 + 4L * v * ld + q;
                                xs[4 * q + v] = Vector256.Create(rv[0], rv[ld], rv[2 * ld], rv[3 * ld]);
                            }
                        for (int j = 0; j < k; j++)
                        {
                            var ljj = Vector256.Create(pl[(long)j * ld + j]);
                            var x0 = xs[4 * j] / ljj;
                            var x1 = xs[4 * j + 1] / ljj;
                            var x2 = xs[4 * j + 2] / ljj;
                            var x3 = xs[4 * j + 3] / ljj;
                            xs[4 * j] = x0;
                            xs[4 * j + 1] = x1;
                            xs[4 * j + 2] = x2;
                            xs[4 * j + 3] = x3;
                            for (int q = j + 1; q < k; q++)
                            {
                                var lq = Vector256.Create(-pl[(long)q * ld + j]);
                                Vector256<double>* xq = xs + 4 * q;
                                xq[0] = Vector256.FusedMultiplyAdd(x0, lq, xq[0]);
                                xq[1] = Vector256.FusedMultiplyAdd(x1, lq, xq[1]);
                                xq[2] = Vector256.FusedMultiplyAdd(x2, lq, xq[2]);
                                xq[3] = Vector256.FusedMultiplyAdd(x3, lq, xq[3]);
                            }
                        }
                        for (int q = 0; q < k; q++)
                            for (int v = 0; v < 4; v++)
                            {
                                var x = xs[4 * q + v];
                                double* rv = r0 + 4L * v * ld + q;
                                rv[0] = x.GetElement(0);
                                rv[ld] = x.GetElement(1);
                                rv[2 * ld] = x.GetElement(2);
                                rv[3 * ld] = x.GetElement(3);
                            }
                    }
                    for (; i + 4 <= m; i += 4)
                    {
                        double* r0 = pb + (long)i * ld, r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld;
                        for (int q = 0; q < k; q++) xs[q] = Vector256.Create(r0[q], r1[q], r2[q], r3[q]);
                        for (int j = 0; j < k; j++)
                        {
                            var xj = xs[j] / Vector256.Create(pl[(long)j * ld + j]);
                            xs[j] = xj;
                            for (int q = j + 1; q < k; q++)
                                xs[q] = Vector256.FusedMultiplyAdd(-xj, Vector256.Create(pl[(long)q * ld + j]), xs[q]);
                        }
                        for (int q = 0; q < k; q++)
                        {
                            var x = xs[q];
                            r0[q] = x.GetElement(0);
                            r1[q] = x.GetElement(1);
                            r2[q] = x.GetElement(2);
                            r3[q] = x.GetElement(3);
                        }
                    }
                }
                for (; i < m; i++)
                {
                    double* row = pb + (long)i * ld;
                    for (int j = 0; j < k; j++)
                    {
                        double* lj = pl + (long)j * ld;
                        double s = row[j];
                        for (int p = 0; p < j; p++) s -= row[p] * lj[p];
                        row[j] = s / lj[j];
                    }
                }
            }
            return;
        }
        int h = Math.Max(8, (k / 2) & ~7);
        SolveRightLowerTransposed(b, m, h, l, ld, threads);
        // B₂ ← B₂ − X₁·L₂₁ᵀ, then X₂·L₂₂ᵀ = B₂.
        Blas.Gemm(Simd.Best, threads, Op.None, Op.Transpose, m, k - h, h, -1.0, b, ld, l.Slice(h * ld), ld, 1.0, b.Slice(h), ld);
        SolveRightLowerTransposed(b.Slice(h), m, k - h, l.Slice(h * ld + h), ld, threads);
    }

    /// <summary>Solves L·x = b in place (L lower triangular).</summary>
    /// <remarks>A zero on the diagonal of L gives ±∞ or NaN entries rather than an exception.</remarks>
    public static void SolveLower(Matrix l, Span<double> b)
    {
        int n = CheckSolve(l, b.Length);
        for (int i = 0; i < n; i++)
            b[i] = (b[i] - Blas.Dot(l.Data.AsSpan(i * n, i), b[..i])) / l.Data[i * n + i];
    }

    /// <summary>Solves Lᵀ·x = b in place (L lower triangular).</summary>
    /// <remarks>Runs over rows of L (axpy form) so every access is contiguous; a zero pivot gives ±∞ or NaN.</remarks>
    public static void SolveLowerTransposed(Matrix l, Span<double> b)
    {
        int n = CheckSolve(l, b.Length);
        for (int i = n - 1; i >= 0; i--)
        {
            double xi = b[i] / l.Data[i * n + i];
            b[i] = xi;
            Blas.Axpy(-xi, l.Data.AsSpan(i * n, i), b[..i]);
        }
    }

    /// <summary>Solves A·x = b in place given A's factor L (A = L·Lᵀ).</summary>
    public static void Solve(Matrix l, Span<double> b)
    {
        SolveLower(l, b);
        SolveLowerTransposed(l, b);
    }

    private static int CheckSolve(Matrix l, int length)
    {
        ArgumentNullException.ThrowIfNull(l);
        if (l.Rows != l.Cols)
            throw new ArgumentException($"triangular solve needs a square factor, got {l.Rows}×{l.Cols}", nameof(l));
        if (length != l.Rows)
            throw new ArgumentException($"right-hand side has {length} entries, the factor is {l.Rows}×{l.Rows}", nameof(length));
        return l.Rows;
    }
}

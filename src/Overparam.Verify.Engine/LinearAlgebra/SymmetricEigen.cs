namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>
/// Symmetric eigenvalue problems: blocked Householder tridiagonalization (LAPACK's dsytrd/dlatrd, with the
/// symmetric rank-2k updates on the blocked GEMM kernel), then implicit QL with Wilkinson shifts (tql1) for
/// eigenvalues, divide and conquer for eigenpairs, or Sturm-sequence bisection for the two extreme eigenvalues.
/// </summary>
/// <remarks>
/// <para>Only the lower triangle of the input is read: an asymmetric matrix is treated as the symmetric matrix its
/// lower triangle defines. Non-finite entries in that triangle are rejected with <see cref="ArgumentException"/>.
/// Eigenvalues are returned ascending.</para>
/// <para>For eigenvectors the Householder factor Q is formed with compact-WY blocks on GEMM, and the QL plane
/// rotations are recorded and applied to Qᵀ in batches, column strip by column strip, so they run as vectorized,
/// cache-resident row operations on up to <see cref="Blas.MaxThreads"/> threads.</para>
/// </remarks>
public static class SymmetricEigen
{
    // Panel width of the blocked reduction (LAPACK's default for dsytrd) and the size below which it runs unblocked.
    private const int PanelWidth = 32;
    private const int Crossover = 64;

    // Width of the compact-WY blocks that form Q.
    private const int WyBlock = 64;


    /// <summary>All eigenvalues of the symmetric matrix A, ascending. Only the lower triangle is read.</summary>
    /// <exception cref="ArgumentException">A is not square or its lower triangle holds NaN or ±∞.</exception>
    public static double[] Eigenvalues(Matrix a)
    {
        var (work, n, scale) = Prepare(a);
        var d = new double[n];
        var e = new double[n];
        Tridiagonalize(work, n, d, e, new double[n]);
        Ql(d, e, n);
        Array.Sort(d);
        for (int i = 0; i < n; i++) d[i] *= scale;
        return d;
    }

    /// <summary>Eigenvalues ascending and orthonormal eigenvectors (columns) with A = VΛVᵀ.</summary>
    /// <remarks>Only the lower triangle is read. The sign of each eigenvector is arbitrary.</remarks>
    /// <exception cref="ArgumentException">A is not square or its lower triangle holds NaN or ±∞.</exception>
    public static EigenDecomposition Decompose(Matrix a)
    {
        var (work, n, scale) = Prepare(a);
        var d = new double[n];
        var e = new double[n];
        var tau = new double[n];
        Tridiagonalize(work, n, d, e, tau);
        var vectors = new Matrix(n, n);
        TridiagonalDivideConquer.Solve(d, e, n, vectors.Data);
        ApplyQ(work, n, tau, vectors.Data);
        for (int i = 0; i < n; i++) d[i] *= scale;
        return new EigenDecomposition(d, vectors);
    }

    /// <summary>
    /// The smallest and largest eigenvalue only: the same tridiagonalization, then Sturm-sequence bisection for the
    /// two ends instead of the full QL iteration. (NaN, NaN) for a 0×0 matrix.
    /// </summary>
    /// <remarks>Only the lower triangle is read. Bisection resolves each end to a few ulps of ‖A‖.</remarks>
    /// <exception cref="ArgumentException">A is not square or its lower triangle holds NaN or ±∞.</exception>
    public static (double Min, double Max) ExtremeEigenvalues(Matrix a)
    {
        var (work, n, scale) = Prepare(a);
        if (n == 0) return (double.NaN, double.NaN);
        var d = new double[n];
        var e = new double[n];
        Tridiagonalize(work, n, d, e, new double[n]);
        return (Bisect(d, e, n, 1) * scale, Bisect(d, e, n, n) * scale);
    }

    /// <summary>Spectrum (all eigenvalues plus min/max) of a symmetric matrix.</summary>
    public static Spectrum Spectrum(Matrix a)
    {
        var v = Eigenvalues(a);
        return new Spectrum(v.Length == 0 ? double.NaN : v[0], v.Length == 0 ? double.NaN : v[^1], v);
    }

    /// <summary>Validates A and copies its lower triangle, scaled into a safe range when its entries are extreme.</summary>
    private static (double[] Work, int N, double Scale) Prepare(Matrix a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Rows != a.Cols)
            throw new ArgumentException($"eigenvalue problem needs a square matrix, got {a.Rows}×{a.Cols}", nameof(a));
        int n = a.Rows;
        var work = GC.AllocateUninitializedArray<double>(n * n);
        double maxAbs = 0;
        for (int i = 0; i < n; i++)
        {
            var src = a.Data.AsSpan(i * n, i + 1);
            var dst = work.AsSpan(i * n, n);
            src.CopyTo(dst);
            dst[(i + 1)..].Clear();
            if (!VectorKernels.AllFinite(src))
                for (int j = 0; j <= i; j++)
                    if (!double.IsFinite(src[j]))
                        throw new ArgumentException($"eigenvalue input entry ({i}, {j}) is {src[j]}; the matrix must be finite", nameof(a));
            maxAbs = Math.Max(maxAbs, MaxAbs(src));
        }
        // Householder norms square the entries: keep them far from overflow and underflow.
        double scale = 1;
        if (maxAbs > 0 && (maxAbs < 1e-150 || maxAbs > 1e150))
        {
            scale = maxAbs;
            double inv = 1 / maxAbs;
            for (int i = 0; i < work.Length; i++) work[i] *= inv;
        }
        return (work, n, scale);
    }

    private static double MaxAbs(ReadOnlySpan<double> x)
    {
        double m = 0;
        foreach (double v in x) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    /// <summary>
    /// Reduces the symmetric matrix (lower triangle of row-major <paramref name="a"/>, n×n) to tridiagonal form
    /// T = Qᵀ·A·Q with diagonal d and off-diagonal e (e[i] couples i and i+1, e[n−1] = 0).
    /// </summary>
    /// <remarks>
    /// Row-major lower storage is column-major upper storage, so this is LAPACK's UPLO = 'U' reduction, which
    /// works from the last row up: reflector H(j) (j = 0..n−2) has v[j] = 1 and v[0..j) stored in row j+1,
    /// columns 0..j−1, with scalar tau[j]; Q = H(n−2)···H(0). Every vector it touches is a contiguous row.
    /// </remarks>
    internal static void Tridiagonalize(double[] a, int n, double[] d, double[] e, double[] tau)
    {
        if (n == 0) return;
        int wRows = Math.Max(PanelWidth, Crossover);
        var w = new double[wRows * n];
        var scratch = new Scratch(n);
        int nCur = n;
        if (n > Crossover)
        {
            var z = new double[3 * PanelWidth * n];
            for (; nCur > Crossover; nCur -= PanelWidth)
            {
                int nb = PanelWidth, n0 = nCur - nb;
                Latrd(a, n, nCur, nb, e, tau, w, scratch);
                for (int c = n0; c < nCur; c++) d[c] = a[c * n + c];
                // A[0:n0, 0:n0] −= V·Wᵀ + W·Vᵀ as one lower-triangle product [W; V]ᵀ·[V; W] on the GEMM kernel.
                for (int r = 0; r < nb; r++)
                {
                    w.AsSpan(r * n, n0).CopyTo(z.AsSpan(r * n, n0));
                    a.AsSpan((n0 + r) * n, n0).CopyTo(z.AsSpan((nb + r) * n, n0));
                    w.AsSpan(r * n, n0).CopyTo(z.AsSpan((2 * nb + r) * n, n0));
                }
                GemmDriver.Run(Simd.Best, Op.Transpose, Op.None, n0, n0, 2 * nb, -1.0, z, n, z.AsSpan(nb * n), n,
                    1.0, a, n, lower: true, Blas.MaxThreads);
            }
        }
        Latrd(a, n, nCur, nCur, e, tau, w, scratch);
        for (int c = 0; c < nCur; c++) d[c] = a[c * n + c];
        e[n - 1] = 0;
    }

    private sealed class Scratch(int n)
    {
        public readonly double[] T1 = new double[Math.Max(PanelWidth, Crossover)];
        public readonly double[] T2 = new double[Math.Max(PanelWidth, Crossover)];
        public readonly double[] Y0 = new double[n];
        public readonly double[] Y1 = new double[n];
    }

    /// <summary>
    /// LAPACK dlatrd (UPLO = 'U') in row-major-lower terms: reduces the last nb rows of the leading nCur×nCur block,
    /// leaving W (rows 0..nb of <paramref name="w"/>, leading dimension n) so that the rest of the block can be
    /// updated as A ← A − V·Wᵀ − W·Vᵀ.
    /// </summary>
    private static unsafe void Latrd(double[] a, int n, int nCur, int nb, double[] e, double[] tau, double[] w, Scratch s)
    {
        var path = Simd.Best;
        int n0 = nCur - nb;
        Span<double> dots = stackalloc double[4];
        for (int c = nCur - 1; c >= n0; c--)
        {
            int iw = c - n0;
            var rowC = a.AsSpan(c * n, c + 1);
            // Bring row c up to date with the reflectors of this panel already applied (columns c+1..nCur−1):
            // row c −= Σ_q W[q][c]·A[q] + A[q][c]·W[q], two q at a time so row c is read and written once per pair.
            int q0 = c + 1;
            for (; q0 + 1 < nCur; q0 += 2)
            {
                int wq = (q0 - n0) * n, aq = q0 * n;
                VectorKernels.Axpy4(path, -w[wq + c], -a[aq + c], -w[wq + n + c], -a[aq + n + c],
                    a.AsSpan(aq, c + 1), w.AsSpan(wq, c + 1), a.AsSpan(aq + n, c + 1), w.AsSpan(wq + n, c + 1), rowC);
            }
            if (q0 < nCur)
            {
                VectorKernels.Axpy(path, -w[(q0 - n0) * n + c], a.AsSpan(q0 * n, c + 1), rowC);
                VectorKernels.Axpy(path, -a[q0 * n + c], w.AsSpan((q0 - n0) * n, c + 1), rowC);
            }
            if (c == 0) break;

            // Reflector annihilating row c, columns 0..c−2.
            tau[c - 1] = Larfg(path, ref rowC[c - 1], rowC[..(c - 1)]);
            e[c - 1] = rowC[c - 1];
            rowC[c - 1] = 1;
            double taui = tau[c - 1];
            var v = a.AsSpan(c * n, c);
            var wc = w.AsSpan(iw * n, c);

            SymvLower(path, a, n, c, v, wc, s);
            int cnt = nCur - 1 - c;
            if (cnt > 0)
            {
                var t1 = s.T1.AsSpan(0, cnt);
                var t2 = s.T2.AsSpan(0, cnt);
                fixed (double* pa = a, pw = w, pv = v)
                {
                    // t1 = W_panelᵀ·v and t2 = V_panelᵀ·v, pairing rows so v is read once per four rows.
                    int q = 0;
                    for (; q + 1 < cnt; q += 2)
                    {
                        double* wr = pw + (long)(iw + 1 + q) * n, ar = pa + (long)(c + 1 + q) * n;
                        VectorKernels.Dot4(path, wr, ar, wr + n, ar + n, pv, c, dots);
                        t1[q] = dots[0];
                        t2[q] = dots[1];
                        t1[q + 1] = dots[2];
                        t2[q + 1] = dots[3];
                    }
                    for (; q < cnt; q++)
                    {
                        t1[q] = VectorKernels.Dot(path, w.AsSpan((iw + 1 + q) * n, c), v);
                        t2[q] = VectorKernels.Dot(path, a.AsSpan((c + 1 + q) * n, c), v);
                    }
                }
                // w −= V_panel·t1 + W_panel·t2.
                int p0 = 0;
                for (; p0 + 1 < cnt; p0 += 2)
                {
                    int ar = (c + 1 + p0) * n, wr = (iw + 1 + p0) * n;
                    VectorKernels.Axpy4(path, -t1[p0], -t2[p0], -t1[p0 + 1], -t2[p0 + 1],
                        a.AsSpan(ar, c), w.AsSpan(wr, c), a.AsSpan(ar + n, c), w.AsSpan(wr + n, c), wc);
                }
                if (p0 < cnt)
                {
                    VectorKernels.Axpy(path, -t1[p0], a.AsSpan((c + 1 + p0) * n, c), wc);
                    VectorKernels.Axpy(path, -t2[p0], w.AsSpan((iw + 1 + p0) * n, c), wc);
                }
            }
            for (int i = 0; i < c; i++) wc[i] *= taui;
            double alpha = -0.5 * taui * VectorKernels.Dot(path, wc, v);
            VectorKernels.Axpy(path, alpha, v, wc);
        }
    }

    /// <summary>
    /// LAPACK dlarfg: finds H = I − τ·v·vᵀ with v = (x/(α−β), 1) such that H·(x, α) = (0, β); overwrites α with β
    /// and x with v's free part; returns τ (0 when x is already zero).
    /// </summary>
    private static double Larfg(SimdPath path, ref double alpha, Span<double> x)
    {
        if (x.Length == 0) return 0;
        double xnorm = Math.Sqrt(VectorKernels.Dot(path, x, x));
        if (xnorm == 0) return 0;
        double beta = -Math.CopySign(double.Hypot(alpha, xnorm), alpha);
        double t = (beta - alpha) / beta;
        double inv = 1 / (alpha - beta);
        for (int i = 0; i < x.Length; i++) x[i] *= inv;
        alpha = beta;
        return t;
    }

    /// <summary>y = A[0:m, 0:m]·v from the lower triangle of row-major A: each row feeds one dot and one axpy.</summary>
    private static unsafe void SymvLower(SimdPath path, double[] a, int ld, int m, ReadOnlySpan<double> v, Span<double> y, Scratch s)
    {
        int threads = Math.Min(2, Blas.MaxThreads);
        if (m < 384 || threads < 2)
        {
            y.Clear();
            SymvRows(path, a, ld, 0, m, v, y);
            return;
        }
        // Split the triangle into equal areas; each half accumulates into its own vector, summed afterwards.
        int cut = (int)(m / Math.Sqrt(2)) & ~7;
        var y0 = s.Y0.AsSpan(0, m);
        var y1 = s.Y1.AsSpan(0, m);
        y0.Clear();
        y1.Clear();
        fixed (double* pv = v)
        {
            nint iv = (nint)pv;
            double[] b0 = s.Y0, b1 = s.Y1;
            FixedParallel.For(2, t =>
            {
                var vs = new ReadOnlySpan<double>((double*)iv, m);
                if (t == 0) SymvRows(path, a, ld, 0, cut, vs, b0.AsSpan(0, m));
                else SymvRows(path, a, ld, cut, m, vs, b1.AsSpan(0, m));
            });
        }
        for (int i = 0; i < m; i++) y[i] = y0[i] + y1[i];
    }

    private static unsafe void SymvRows(SimdPath path, double[] a, int ld, int r0, int r1, ReadOnlySpan<double> v, Span<double> y)
    {
        Span<double> dots = stackalloc double[4];
        int r = r0;
        fixed (double* pa = a, pv = v, py = y)
        {
            for (; r + 4 <= r1; r += 4)
            {
                double* row = pa + (long)r * ld;
                VectorKernels.DotAxpy4(path, row, row + ld, row + 2L * ld, row + 3L * ld, pv,
                    pv[r], pv[r + 1], pv[r + 2], pv[r + 3], py, r, dots);
                // The 4×4 diagonal block: strictly lower entries feed both halves, then the diagonal.
                for (int k = 0; k < 4; k++)
                {
                    double* rk = row + (long)k * ld;
                    double sk = dots[k], vk = pv[r + k];
                    for (int j = r; j < r + k; j++)
                    {
                        sk += rk[j] * pv[j];
                        py[j] += vk * rk[j];
                    }
                    py[r + k] += sk + rk[r + k] * vk;
                }
            }
        }
        for (; r < r1; r++)
        {
            var rowR = a.AsSpan(r * ld, r);
            y[r] += VectorKernels.DotAxpy(path, rowR, v, v[r], y) + a[r * ld + r] * v[r];
        }
    }

    /// <summary>
    /// Qᵀ = H(0)·H(1)···H(n−2) from the reflectors left by <see cref="Tridiagonalize"/>, accumulated as
    /// X ← X·(I − V·T·Vᵀ) over blocks of reflectors (compact WY, LAPACK dlarft forward/columnwise). Blocks are
    /// applied in increasing order so X differs from the identity only in its leading r×r corner, which is all
    /// each GEMM touches.
    /// </summary>
    internal static double[] FormQTransposed(double[] a, int n, double[] tau)
    {
        var x = new double[n * n];
        for (int i = 0; i < n; i++) x[i * n + i] = 1;
        var vt = new double[WyBlock * n];
        var tt = new double[WyBlock * WyBlock];
        var g = new double[WyBlock * WyBlock];
        var p = new double[n * WyBlock];
        var p2 = new double[n * WyBlock];
        for (int j0 = 0; j0 < n - 1; j0 += WyBlock)
        {
            int kb = Math.Min(WyBlock, n - 1 - j0), r = j0 + kb;
            BuildBlock(a, n, tau, j0, kb, r, vt, tt, g);
            Blas.Gemm(Op.None, Op.Transpose, r, kb, r, 1.0, x, n, vt, r, 0.0, p, kb);
            Blas.Gemm(Op.None, Op.None, r, kb, kb, 1.0, p, kb, tt, kb, 0.0, p2, kb);
            Blas.Gemm(Op.None, Op.None, r, r, kb, -1.0, p2, kb, vt, r, 1.0, x, n);
        }
        return x;
    }

    /// <summary>
    /// Z ← Q·Z with Q = H(n−2)···H(0) from the reflectors left by <see cref="Tridiagonalize"/>, block by block in
    /// compact WY form: reflectors j0..j0+kb−1 act as I − V·Tᵀ·Vᵀ (dlarft forward/columnwise T) on rows 0..j0+kb
    /// only, so each block costs three GEMMs on that leading strip.
    /// </summary>
    internal static void ApplyQ(double[] a, int n, double[] tau, double[] z)
    {
        var vt = new double[WyBlock * n];
        var tt = new double[WyBlock * WyBlock];
        var g = new double[WyBlock * WyBlock];
        var w = new double[WyBlock * n];
        var w2 = new double[WyBlock * n];
        for (int j0 = 0; j0 < n - 1; j0 += WyBlock)
        {
            int kb = Math.Min(WyBlock, n - 1 - j0), r = j0 + kb;
            BuildBlock(a, n, tau, j0, kb, r, vt, tt, g);
            Blas.Gemm(Op.None, Op.None, kb, n, r, 1.0, vt, r, z, n, 0.0, w, n);
            Blas.Gemm(Op.Transpose, Op.None, kb, n, kb, 1.0, tt, kb, w, n, 0.0, w2, n);
            Blas.Gemm(Op.Transpose, Op.None, r, n, kb, -1.0, vt, r, w2, n, 1.0, z, n);
        }
    }

    /// <summary>Vt (kb×r, row jj = v_{j0+jj}) and the upper triangular T of one compact-WY block.</summary>
    private static void BuildBlock(double[] a, int n, double[] tau, int j0, int kb, int r, double[] vt, double[] tt, double[] g)
    {
        for (int jj = 0; jj < kb; jj++)
        {
            int j = j0 + jj;
            var row = vt.AsSpan(jj * r, r);
            a.AsSpan((j + 1) * n, j).CopyTo(row);
            row[j] = 1;
            row[(j + 1)..].Clear();
        }
        // T[i][i] = τᵢ, T[0:i, i] = −τᵢ·T[0:i, 0:i]·(V[:, 0:i]ᵀ·vᵢ).
        Blas.Gemm(Op.None, Op.Transpose, kb, kb, r, 1.0, vt, r, vt, r, 0.0, g, kb);
        for (int i = 0; i < kb; i++)
        {
            double ti = tau[j0 + i];
            for (int q = 0; q < i; q++)
            {
                double sum = 0;
                for (int k = q; k < i; k++) sum += tt[q * kb + k] * g[k * kb + i];
                tt[q * kb + i] = -ti * sum;
            }
            tt[i * kb + i] = ti;
            for (int q = i + 1; q < kb; q++) tt[q * kb + i] = 0;
        }
    }

    /// <summary>
    /// Implicit QL with Wilkinson shifts on the tridiagonal (d, e) — EISPACK tql1/tql2 as in JAMA. Eigenvalues land
    /// in d unsorted. With a non-empty <paramref name="z"/> (n rows at leading dimension <paramref name="ldz"/>) every
    /// plane rotation is applied to its columns, which turns z = I into the eigenvectors.
    /// </summary>
    internal static void Ql(Span<double> d, Span<double> e, int n, Span<double> z = default, int ldz = 0)
    {
        if (n == 0) return;
        double f = 0, tst1 = 0;
        const double eps = Numerics.Tolerance.MachineEpsilon;
        int budget = 60 * n + 60;
        for (int l = 0; l < n; l++)
        {
            tst1 = Math.Max(tst1, Math.Abs(d[l]) + Math.Abs(e[l]));
            int m = l;
            while (m < n - 1 && Math.Abs(e[m]) > eps * tst1) m++;
            if (m > l)
            {
                do
                {
                    if (--budget < 0)
                        throw new InvalidOperationException("symmetric QL iteration did not converge");
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2.0 * e[l]);
                    double r = Hypot(p, 1.0);
                    if (p < 0) r = -r;
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++) d[i] -= h;
                    f += h;
                    p = d[m];
                    double c = 1, c2 = 1, c3 = 1, el1 = e[l + 1], s = 0, s2 = 0;
                    for (int i = m - 1; i >= l; i--)
                    {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        if (!z.IsEmpty)
                            for (int k = 0; k < n; k++)
                            {
                                ref double zi = ref z[k * ldz + i];
                                ref double zi1 = ref z[k * ldz + i + 1];
                                double zh = zi1;
                                zi1 = s * zi + c * zh;
                                zi = c * zi - s * zh;
                            }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.Abs(e[l]) > eps * tst1);
            }
            d[l] += f;
            e[l] = 0;
        }
    }

    /// <summary>√(x² + y²) without the cost of <see cref="double.Hypot(double, double)"/> in the common range.</summary>
    private static double Hypot(double x, double y)
    {
        double ax = Math.Abs(x), ay = Math.Abs(y);
        double big = Math.Max(ax, ay);
        if (big > 1e-150 && big < 1e150) return Math.Sqrt(x * x + y * y);
        if (big == 0 || !double.IsFinite(big)) return big;
        double ratio = Math.Min(ax, ay) / big;
        return big * Math.Sqrt(1 + ratio * ratio);
    }

    /// <summary>
    /// The k-th smallest eigenvalue (1-based) of the tridiagonal (d, e) by bisection on the Sturm count
    /// (the number of negative pivots of T − x·I), starting from the Gershgorin interval.
    /// </summary>
    private static double Bisect(double[] d, double[] e, int n, int k)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity, pivmin = double.Epsilon;
        for (int i = 0; i < n; i++)
        {
            double off = (i > 0 ? Math.Abs(e[i - 1]) : 0) + (i < n - 1 ? Math.Abs(e[i]) : 0);
            lo = Math.Min(lo, d[i] - off);
            hi = Math.Max(hi, d[i] + off);
            if (i < n - 1) pivmin = Math.Max(pivmin, e[i] * e[i]);
        }
        pivmin *= double.Epsilon * 4;
        double norm = Math.Max(Math.Abs(lo), Math.Abs(hi));
        lo -= 2 * Numerics.Tolerance.MachineEpsilon * norm + pivmin;
        hi += 2 * Numerics.Tolerance.MachineEpsilon * norm + pivmin;
        for (int it = 0; it < 200; it++)
        {
            double mid = 0.5 * (lo + hi);
            if (hi - lo <= 2 * Numerics.Tolerance.MachineEpsilon * Math.Max(Math.Abs(lo), Math.Abs(hi)) || mid == lo || mid == hi)
                break;
            if (CountBelow(d, e, n, mid, pivmin) >= k) hi = mid;
            else lo = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>Number of eigenvalues of the tridiagonal strictly below x (Sturm sequence / LDLᵀ inertia).</summary>
    private static int CountBelow(double[] d, double[] e, int n, double x, double pivmin)
    {
        int count = 0;
        double q = d[0] - x;
        for (int i = 0; ;)
        {
            if (Math.Abs(q) < pivmin) q = -pivmin;
            if (q < 0) count++;
            if (++i == n) break;
            q = d[i] - x - e[i - 1] * e[i - 1] / q;
        }
        return count;
    }
}

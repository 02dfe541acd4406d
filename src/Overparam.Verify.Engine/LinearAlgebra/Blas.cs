namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>
/// Dense float64 BLAS-style kernels on row-major storage. Matrices are spans with an optional leading dimension
/// (the distance between the starts of consecutive stored rows, at least the stored row length); the overloads
/// without one assume contiguous rows.
/// </summary>
/// <remarks>
/// <para>The level-3 kernels are blocked and packed with a register-blocked micro-kernel on the widest accelerated
/// vector width (512-bit, else 256-bit, else scalar, chosen once per process) and run on up to
/// <see cref="MaxThreads"/> threads once a product is large enough to pay for it.</para>
/// <para>NaN and ±∞ propagate as IEEE arithmetic says, with two BLAS conventions: β = 0 overwrites the output
/// without reading it (NaN already there does not survive), and α = 0 (or an empty inner dimension) leaves the
/// inputs unread. Vector paths sum in a different order than a naive loop, so results agree with it to
/// round-off, not bit for bit; a given path and thread count is deterministic.</para>
/// </remarks>
public static class Blas
{
    private static int s_maxThreads = Environment.ProcessorCount;
    private static readonly AsyncLocal<int> s_scopedThreads = new();

    /// <summary>
    /// Largest number of threads one kernel call uses (default: the processor count; 1 = serial). Inside a
    /// <see cref="WithMaxThreads"/> scope, that scope's value for the calling flow only.
    /// </summary>
    public static int MaxThreads
    {
        get => s_scopedThreads.Value > 0 ? s_scopedThreads.Value : s_maxThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            s_maxThreads = value;
        }
    }

    /// <summary>
    /// Sets <see cref="MaxThreads"/> for the calling thread and the async flow it starts, until the returned scope is
    /// disposed: tests comparing thread counts run beside other tests without changing their kernels' thread count.
    /// </summary>
    public static IDisposable WithMaxThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        int previous = s_scopedThreads.Value;
        s_scopedThreads.Value = threads;
        return new ThreadScope(previous);
    }

    private sealed class ThreadScope(int previous) : IDisposable
    {
        public void Dispose() => s_scopedThreads.Value = previous;
    }

    /// <summary>C (m×n) = α·op(A)·op(B) + β·C. op(A) is m×k, op(B) is k×n; A stored m×k (or k×m when transposed).</summary>
    public static void Gemm(Op opA, Op opB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, ReadOnlySpan<double> b, double beta, Span<double> c) =>
        Gemm(opA, opB, m, n, k, alpha, a, Math.Max(1, opA == Op.None ? k : m), b, Math.Max(1, opB == Op.None ? n : k), beta, c, Math.Max(1, n));

    /// <summary>
    /// C (m×n, leading dimension ldc) = α·op(A)·op(B) + β·C with A stored m×k (k×m when transposed) at leading
    /// dimension lda and B stored k×n (n×k when transposed) at leading dimension ldb.
    /// </summary>
    public static void Gemm(Op opA, Op opB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc) =>
        Gemm(Simd.Best, MaxThreads, opA, opB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    internal static void Gemm(SimdPath path, int threads, Op opA, Op opB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckStored(nameof(a), a.Length, opA == Op.None ? m : k, opA == Op.None ? k : m, lda);
        CheckStored(nameof(b), b.Length, opB == Op.None ? k : n, opB == Op.None ? n : k, ldb);
        CheckStored(nameof(c), c.Length, m, n, ldc);
        GemmDriver.Run(path, opA, opB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, lower: false, threads);
    }

    /// <summary>C (n×n) = α·A·Aᵀ + β·C with A stored n×k; both triangles of C are written.</summary>
    /// <remarks>Only the lower triangle of C is read when β ≠ 0 (C is taken to be symmetric).</remarks>
    public static void Syrk(int n, int k, double alpha, ReadOnlySpan<double> a, double beta, Span<double> c) =>
        Syrk(n, k, alpha, a, Math.Max(1, k), beta, c, Math.Max(1, n));

    /// <summary>
    /// C (n×n, leading dimension ldc) = α·A·Aᵀ + β·C with A stored n×k at leading dimension lda; both triangles
    /// of C are written, only its lower triangle is read.
    /// </summary>
    public static void Syrk(int n, int k, double alpha, ReadOnlySpan<double> a, int lda, double beta,
        Span<double> c, int ldc)
    {
        SyrkLower(Simd.Best, MaxThreads, n, k, alpha, a, lda, beta, c, ldc);
        MirrorLower(n, c, ldc);
    }

    /// <summary>Lower triangle only (j ≤ i) of C = α·A·Aᵀ + β·C; the strict upper triangle is neither read nor written.</summary>
    internal static void SyrkLower(SimdPath path, int threads, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, double beta, Span<double> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckStored(nameof(a), a.Length, n, k, lda);
        CheckStored(nameof(c), c.Length, n, n, ldc);
        GemmDriver.Run(path, Op.None, Op.Transpose, n, n, k, alpha, a, lda, a, lda, beta, c, ldc, lower: true, threads);
    }

    /// <summary>Lower triangle only of C = α·A·Bᵀ + β·C for A, B stored n×k (used for symmetric rank-2k updates).</summary>
    internal static void GemmNtLower(int n, int k, double alpha, ReadOnlySpan<double> a, int lda,
        ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        CheckStored(nameof(a), a.Length, n, k, lda);
        CheckStored(nameof(b), b.Length, n, k, ldb);
        CheckStored(nameof(c), c.Length, n, n, ldc);
        GemmDriver.Run(Simd.Best, Op.None, Op.Transpose, n, n, k, alpha, a, lda, b, ldb, beta, c, ldc, lower: true, MaxThreads);
    }

    /// <summary>Copies the strict lower triangle onto the strict upper one, in cache-sized blocks.</summary>
    internal static void MirrorLower(int n, Span<double> c, int ldc)
    {
        const int B = 32;
        for (int ib = 0; ib < n; ib += B)
            for (int jb = 0; jb <= ib; jb += B)
                for (int i = ib; i < Math.Min(n, ib + B); i++)
                {
                    int jEnd = Math.Min(i, jb + B);
                    for (int j = jb; j < jEnd; j++) c[j * ldc + i] = c[i * ldc + j];
                }
    }

    /// <summary>y = α·op(A)·x + β·y with A stored m×n.</summary>
    public static void Gemv(Op opA, int m, int n, double alpha, ReadOnlySpan<double> a,
        ReadOnlySpan<double> x, double beta, Span<double> y) =>
        Gemv(opA, m, n, alpha, a, Math.Max(1, n), x, beta, y);

    /// <summary>y = α·op(A)·x + β·y with A stored m×n at leading dimension lda (y has m entries, or n when transposed).</summary>
    public static void Gemv(Op opA, int m, int n, double alpha, ReadOnlySpan<double> a, int lda,
        ReadOnlySpan<double> x, double beta, Span<double> y) =>
        Gemv(Simd.Best, MaxThreads, opA, m, n, alpha, a, lda, x, beta, y);

    internal static unsafe void Gemv(SimdPath path, int threads, Op opA, int m, int n, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> x, double beta, Span<double> y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        CheckStored(nameof(a), a.Length, m, n, lda);
        int rows = opA == Op.None ? m : n, cols = opA == Op.None ? n : m;
        if (x.Length < cols) throw new ArgumentException($"x has {x.Length} entries, op(A) has {cols} columns", nameof(x));
        if (y.Length < rows) throw new ArgumentException($"y has {y.Length} entries, op(A) has {rows} rows", nameof(y));
        if (rows == 0) return;
        if ((long)m * n < (1L << 17)) threads = 1;
        fixed (double* pa = a, px = x, py = y)
        {
            if (threads == 1)
            {
                GemvPart(path, opA, m, n, alpha, pa, lda, px, beta, py, 0, rows);
                return;
            }
            nint ia = (nint)pa, ix = (nint)px, iy = (nint)py;
            FixedParallel.For(threads, t =>
            {
                // Cut the output range on 8-entry boundaries so vector loops stay aligned with each other.
                int lo = (int)((long)rows * t / threads) & ~7, hi = t == threads - 1 ? rows : (int)((long)rows * (t + 1) / threads) & ~7;
                if (lo < hi) GemvPart(path, opA, m, n, alpha, (double*)ia, lda, (double*)ix, beta, (double*)iy, lo, hi);
            });
        }
    }

    /// <summary>Entries [lo, hi) of y = α·op(A)·x + β·y.</summary>
    private static unsafe void GemvPart(SimdPath path, Op opA, int m, int n, double alpha, double* a, int lda,
        double* x, double beta, double* y, int lo, int hi)
    {
        var yPart = new Span<double>(y + lo, hi - lo);
        if (opA == Op.None)
        {
            var xs = new ReadOnlySpan<double>(x, n);
            for (int i = lo; i < hi; i++)
            {
                double s = alpha == 0 ? 0 : alpha * VectorKernels.Dot(path, new ReadOnlySpan<double>(a + (long)i * lda, n), xs);
                y[i] = beta == 0 ? s : s + beta * y[i];
            }
            return;
        }
        VectorKernels.Scale(beta, yPart);
        if (alpha == 0) return;
        int w = hi - lo, r = 0;
        for (; r <= m - 4; r += 4)
        {
            double* row = a + (long)r * lda + lo;
            VectorKernels.Axpy4(path, alpha * x[r], alpha * x[r + 1], alpha * x[r + 2], alpha * x[r + 3],
                new ReadOnlySpan<double>(row, w), new ReadOnlySpan<double>(row + lda, w),
                new ReadOnlySpan<double>(row + 2L * lda, w), new ReadOnlySpan<double>(row + 3L * lda, w), yPart);
        }
        for (; r < m; r++)
            VectorKernels.Axpy(path, alpha * x[r], new ReadOnlySpan<double>(a + (long)r * lda + lo, w), yPart);
    }

    /// <summary>xᵀy over x's length (y must be at least as long).</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y) => Dot(Simd.Best, x, y);

    internal static double Dot(SimdPath path, ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"y has {y.Length} entries, x has {x.Length}", nameof(y));
        return VectorKernels.Dot(path, x, y);
    }

    /// <summary>y ← α·x + y over x's length (y must be at least as long).</summary>
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y) => Axpy(Simd.Best, alpha, x, y);

    internal static void Axpy(SimdPath path, double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"y has {y.Length} entries, x has {x.Length}", nameof(y));
        VectorKernels.Axpy(path, alpha, x, y);
    }

    /// <summary>op(A)·op(B) as a new matrix.</summary>
    public static Matrix Multiply(Matrix a, Matrix b, Op opA = Op.None, Op opB = Op.None)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int m = opA == Op.None ? a.Rows : a.Cols, k = opA == Op.None ? a.Cols : a.Rows;
        int kb = opB == Op.None ? b.Rows : b.Cols, n = opB == Op.None ? b.Cols : b.Rows;
        if (k != kb) throw new ArgumentException($"inner dimensions differ: {k} vs {kb}");
        var c = new Matrix(m, n);
        Gemm(opA, opB, m, n, k, 1.0, a.Data, Math.Max(1, a.Cols), b.Data, Math.Max(1, b.Cols), 0.0, c.Data, Math.Max(1, n));
        return c;
    }

    /// <summary>A·Aᵀ as a new symmetric matrix.</summary>
    public static Matrix Gram(Matrix a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var c = new Matrix(a.Rows, a.Rows);
        Syrk(a.Rows, a.Cols, 1.0, a.Data, Math.Max(1, a.Cols), 0.0, c.Data, Math.Max(1, a.Rows));
        return c;
    }

    /// <summary>Throws unless a rows×cols matrix at leading dimension ld fits in a span of the given length.</summary>
    internal static void CheckStored(string name, int length, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"leading dimension {ld} of {name} is smaller than its row length {cols}", name);
        if (rows > 0 && cols > 0 && (long)(rows - 1) * ld + cols > length)
            throw new ArgumentException($"{name} has {length} entries, too few for {rows}×{cols} at leading dimension {ld}", name);
    }
}

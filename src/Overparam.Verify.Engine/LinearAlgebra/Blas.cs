namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>
/// Dense float64 BLAS-style kernels on contiguous row-major storage.
/// PLACEHOLDER: naive loops; to be replaced by blocked SIMD kernels with the same signatures.
/// </summary>
public static class Blas
{
    /// <summary>C (m×n) = α·op(A)·op(B) + β·C. op(A) is m×k, op(B) is k×n; A stored m×k (or k×m when transposed).</summary>
    public static void Gemm(Op opA, Op opB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, ReadOnlySpan<double> b, double beta, Span<double> c)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = opA == Op.None ? a[i * k + p] : a[p * m + i];
                    double bv = opB == Op.None ? b[p * n + j] : b[j * k + p];
                    s += av * bv;
                }
                c[i * n + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * n + j]);
            }
    }

    /// <summary>C (n×n) = α·A·Aᵀ + β·C with A stored n×k; both triangles of C are written.</summary>
    public static void Syrk(int n, int k, double alpha, ReadOnlySpan<double> a, double beta, Span<double> c) =>
        Gemm(Op.None, Op.Transpose, n, n, k, alpha, a, a, beta, c);

    /// <summary>y = α·op(A)·x + β·y with A stored m×n.</summary>
    public static void Gemv(Op opA, int m, int n, double alpha, ReadOnlySpan<double> a,
        ReadOnlySpan<double> x, double beta, Span<double> y)
    {
        int rows = opA == Op.None ? m : n, cols = opA == Op.None ? n : m;
        for (int i = 0; i < rows; i++)
        {
            double s = 0;
            for (int j = 0; j < cols; j++)
                s += (opA == Op.None ? a[i * n + j] : a[j * n + i]) * x[j];
            y[i] = alpha * s + (beta == 0 ? 0 : beta * y[i]);
        }
    }

    /// <summary>xᵀy.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }

    /// <summary>y ← α·x + y.</summary>
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += alpha * x[i];
    }

    /// <summary>op(A)·op(B) as a new matrix.</summary>
    public static Matrix Multiply(Matrix a, Matrix b, Op opA = Op.None, Op opB = Op.None)
    {
        int m = opA == Op.None ? a.Rows : a.Cols, k = opA == Op.None ? a.Cols : a.Rows;
        int kb = opB == Op.None ? b.Rows : b.Cols, n = opB == Op.None ? b.Cols : b.Rows;
        if (k != kb) throw new ArgumentException($"inner dimensions differ: {k} vs {kb}");
        var c = new Matrix(m, n);
        Gemm(opA, opB, m, n, k, 1.0, a.Data, b.Data, 0.0, c.Data);
        return c;
    }

    /// <summary>A·Aᵀ as a new symmetric matrix.</summary>
    public static Matrix Gram(Matrix a)
    {
        var c = new Matrix(a.Rows, a.Rows);
        Syrk(a.Rows, a.Cols, 1.0, a.Data, 0.0, c.Data);
        return c;
    }
}

using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Tests.LinearAlgebra;

/// <summary>Seeded inputs and naive references shared by the linear-algebra tests.</summary>
internal static class LinearAlgebraTestData
{
    /// <summary>Sizes that cross every vector width and micro-tile boundary (4, 6, 8, 16) plus a multi-block one.</summary>
    public static readonly int[] EdgeSizes = [0, 1, 7, 8, 9, 63, 64, 65, 257];

    public static double[] Gaussian(int count, string name, ulong seed = 7)
    {
        var v = new double[count];
        RandomStreams.For(seed, name).FillGaussian(v);
        return v;
    }

    public static Matrix GaussianMatrix(int rows, int cols, string name, ulong seed = 7) =>
        new(rows, cols, Gaussian(rows * cols, name, seed));

    /// <summary>B·Bᵀ + n·I: symmetric positive definite with condition number of order a few.</summary>
    public static Matrix Spd(int n, string name)
    {
        var b = GaussianMatrix(n, n, name);
        var a = NaiveProduct(b, b.Transpose());
        for (int i = 0; i < n; i++) a[i, i] += n;
        return a;
    }

    /// <summary>(B + Bᵀ)/2: symmetric with a spread spectrum of both signs.</summary>
    public static Matrix Symmetric(int n, string name)
    {
        var b = GaussianMatrix(n, n, name);
        var a = new Matrix(n, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                a[i, j] = 0.5 * (b[i, j] + b[j, i]);
        return a;
    }

    public static Matrix NaiveProduct(Matrix a, Matrix b)
    {
        var c = new Matrix(a.Rows, b.Cols);
        for (int i = 0; i < a.Rows; i++)
            for (int j = 0; j < b.Cols; j++)
            {
                double s = 0;
                for (int p = 0; p < a.Cols; p++) s += a[i, p] * b[p, j];
                c[i, j] = s;
            }
        return c;
    }

    public static double MaxAbs(ReadOnlySpan<double> v)
    {
        double m = 0;
        foreach (var x in v) m = Math.Max(m, Math.Abs(x));
        return m;
    }

    public static MathNet.Numerics.LinearAlgebra.Matrix<double> ToMathNet(Matrix a) =>
        MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(a.Rows, a.Cols, (i, j) => a[i, j]);
}

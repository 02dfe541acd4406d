using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;
using MathNetMatrix = MathNet.Numerics.LinearAlgebra.Matrix<double>;

namespace Overparam.Verify.Engine.Tests.P4;

/// <summary>MathNet-backed oracles (the engine's own eigensolver is not used as its own reference).</summary>
internal static class DenseOracle
{
    public static MathNetMatrix ToMathNet(Matrix m) => MathNetMatrix.Build.Dense(m.Rows, m.Cols, (i, j) => m[i, j]);

    /// <summary>Eigenvalues of a symmetric matrix, ascending.</summary>
    public static double[] Eigenvalues(Matrix m)
    {
        var a = ToMathNet(m);
        a = (a + a.Transpose()) * 0.5;
        var values = a.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric).EigenValues.Select(c => c.Real).ToArray();
        Array.Sort(values);
        return values;
    }

    /// <summary>Spectral norm by SVD.</summary>
    public static double SpectralNorm(Matrix m) => ToMathNet(m).L2Norm();

    /// <summary>A random symmetric matrix Q·diag(values)·Qᵀ with Haar-ish Q from the QR of a Gaussian matrix.</summary>
    public static Matrix SymmetricWithSpectrum(double[] values, ulong seed)
    {
        int n = values.Length;
        var g = new Matrix(n, n);
        RandomStreams.For(seed, "test/orthogonal").FillGaussian(g.Data);
        var q = ToMathNet(g).QR().Q;
        var a = q * MathNetMatrix.Build.DenseOfDiagonalArray(values) * q.Transpose();
        var m = new Matrix(n, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) m[i, j] = 0.5 * (a[i, j] + a[j, i]);
        return m;
    }

    /// <summary>y = A·v for a dense engine matrix.</summary>
    public static double[] Apply(Matrix a, ReadOnlySpan<double> v)
    {
        var y = new double[a.Rows];
        Blas.Gemv(Op.None, a.Rows, a.Cols, 1.0, a.Data, v, 0.0, y);
        return y;
    }
}

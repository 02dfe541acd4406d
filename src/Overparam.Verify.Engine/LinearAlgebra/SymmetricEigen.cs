namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>
/// Symmetric eigenvalue problems. PLACEHOLDER signatures: implementation pending (Householder tridiagonalization + QL).
/// </summary>
public static class SymmetricEigen
{
    /// <summary>All eigenvalues of the symmetric matrix A, ascending. Only the lower triangle is read.</summary>
    public static double[] Eigenvalues(Matrix a) => throw new NotImplementedException();

    /// <summary>Eigenvalues ascending and orthonormal eigenvectors (columns) with A = VΛVᵀ.</summary>
    public static EigenDecomposition Decompose(Matrix a) => throw new NotImplementedException();

    /// <summary>Spectrum (all eigenvalues plus min/max) of a symmetric matrix.</summary>
    public static (double Min, double Max) ExtremeEigenvalues(Matrix a) => throw new NotImplementedException();

    /// <summary>Spectrum (all eigenvalues plus min/max) of a symmetric matrix.</summary>
    public static Spectrum Spectrum(Matrix a)
    {
        var v = Eigenvalues(a);
        return new Spectrum(v.Length == 0 ? double.NaN : v[0], v.Length == 0 ? double.NaN : v[^1], v);
    }
}

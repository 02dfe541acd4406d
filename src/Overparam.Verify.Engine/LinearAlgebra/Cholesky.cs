namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>Outcome of a Cholesky factorization A = L·Lᵀ.</summary>
/// <param name="Success">True when A is numerically positive definite.</param>
/// <param name="FailedPivot">Index of the first non-positive pivot, or −1 on success.</param>
/// <param name="PivotValue">The offending pivot value (before the square root), or NaN on success.</param>
/// <param name="L">Lower-triangular factor (upper triangle zero); null on failure.</param>
public sealed record CholeskyResult(bool Success, int FailedPivot, double PivotValue, Matrix? L);

/// <summary>Cholesky factorization and triangular solves. PLACEHOLDER: implementation pending.</summary>
public static class Cholesky
{
    /// <summary>Factors symmetric A (lower triangle read) as L·Lᵀ; reports the failing pivot instead of throwing.</summary>
    public static CholeskyResult Factor(Matrix a) => throw new NotImplementedException();

    /// <summary>Solves L·x = b in place (L lower triangular).</summary>
    public static void SolveLower(Matrix l, Span<double> b) => throw new NotImplementedException();

    /// <summary>Solves Lᵀ·x = b in place (L lower triangular).</summary>
    public static void SolveLowerTransposed(Matrix l, Span<double> b) => throw new NotImplementedException();
}

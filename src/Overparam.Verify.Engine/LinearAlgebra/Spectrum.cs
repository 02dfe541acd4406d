namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>Spectrum of a symmetric matrix, eigenvalues ascending.</summary>
/// <param name="LambdaMin">Smallest eigenvalue.</param>
/// <param name="LambdaMax">Largest eigenvalue.</param>
/// <param name="Values">All eigenvalues, ascending.</param>
public sealed record Spectrum(double LambdaMin, double LambdaMax, IReadOnlyList<double> Values);

/// <summary>Eigenpairs of a symmetric matrix: A = V·diag(Values)·Vᵀ, eigenvalues ascending, V's columns orthonormal.</summary>
/// <param name="Values">Eigenvalues, ascending.</param>
/// <param name="Vectors">n×n matrix whose column j is the eigenvector of <c>Values[j]</c>.</param>
public sealed record EigenDecomposition(double[] Values, Matrix Vectors);

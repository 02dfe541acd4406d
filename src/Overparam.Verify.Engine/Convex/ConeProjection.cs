using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Convex;

/// <summary>Π_C(g) for a pattern cone C = {u : (2D − I)Xu ≥ 0}, with a rigorous upper bound on its norm.</summary>
/// <param name="Projection">Π_C(g) ≈ g + Aᵀν (float), A = (2D − I)X.</param>
/// <param name="Norm">‖Projection‖₂ (float): max_{u ∈ C, ‖u‖ ≤ 1} gᵀu up to the NNLS accuracy.</param>
/// <param name="NormUpperBound">
/// A certified upper bound on ‖Π_C(g_true)‖₂, rounding included: for any ν ≥ 0, −Aᵀν lies in the polar cone C°, so
/// ‖Π_C(g)‖ = dist(g, C°) ≤ ‖g + Aᵀν‖ (Moreau); the float evaluation of the right side is bounded componentwise by
/// γ_{N+1}(|gₖ| + Σᵢ|Aᵢₖ|νᵢ), plus the caller's bound on ‖g_true − g‖ (projection is 1-Lipschitz). It is valid for
/// whatever ν the NNLS returned; the NNLS accuracy only decides how close it is to <see cref="Norm"/>.
/// </param>
/// <param name="Multipliers">ν ≥ 0, one per row of X (exact zeros off the active walls).</param>
/// <param name="Nnls">The NNLS run, with its KKT residual.</param>
public sealed record ConeProjectionResult(
    double[] Projection,
    double Norm,
    double NormUpperBound,
    double[] Multipliers,
    NnlsResult Nnls);

/// <summary>
/// Projection onto the polyhedral cone of an activation pattern (papers.md §5.3): Π_C(g) = g + Aᵀν* with A = (2D − I)X
/// and ν* = argmin_{ν ≥ 0} ‖g + Aᵀν‖², solved as NNLS with matrix −Aᵀ (d×N). Then
/// max_{u ∈ C, ‖u‖ ≤ 1} gᵀu = ‖Π_C(g)‖₂, so the dual certificate needs no SOCP solver.
/// </summary>
public static class ConeProjection
{
    /// <summary>Projects <paramref name="g"/> onto {u : (2D − I)Xu ≥ 0}, D = diag(<paramref name="pattern"/>).</summary>
    /// <param name="x">Inputs X (N×d).</param>
    /// <param name="pattern">The diagonal of D, one entry per row of X.</param>
    /// <param name="g">The vector to project (length d).</param>
    /// <param name="gError">Optional bound on |g_true − g| per component (length d), added to the upper bound.</param>
    /// <exception cref="InvalidInputException">Shapes disagree or an entry is NaN/±∞.</exception>
    public static ConeProjectionResult Project(Matrix x, bool[] pattern, ReadOnlySpan<double> g, ReadOnlySpan<double> gError = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(pattern);
        int n = x.Rows, d = x.Cols;
        if (pattern.Length != n) throw new InvalidInputException($"pattern has {pattern.Length} entries, X has {n} rows");
        if (g.Length != d) throw new InvalidInputException($"g has {g.Length} entries, X has {d} columns");
        if (gError.Length != 0 && gError.Length != d) throw new InvalidInputException($"gError has {gError.Length} entries, X has {d} columns");
        // NNLS matrix M = −Aᵀ (d×N): column i is −sᵢxᵢ with sᵢ = 2Dᵢᵢ − 1.
        var mat = new Matrix(d, n);
        for (int i = 0; i < n; i++)
        {
            double s = pattern[i] ? -1.0 : 1.0;
            var xi = x.Row(i);
            for (int k = 0; k < d; k++) mat[k, i] = s * xi[k];
        }
        var nnls = Nnls.Solve(mat, g);
        var nu = nnls.Solution;
        // The NNLS residual g − Mν is exactly g + Aᵀν: the projection.
        var proj = nnls.Residual;
        double norm = Math.Sqrt(Blas.Dot(proj, proj));
        double gamma = CertifiedEigenvalue.Gamma(n + 2);
        double sum = 0;
        for (int k = 0; k < d; k++)
        {
            double abs = Math.Abs(g[k]);
            for (int i = 0; i < n; i++) abs += Math.Abs(x[i, k]) * nu[i];
            double err = gamma * abs * (1 + gamma) + (gError.Length == 0 ? 0 : gError[k]);
            double t = Math.Abs(proj[k]) + err;
            sum += t * t;
        }
        double upper = Math.BitIncrement(Math.Sqrt(sum) * (1 + CertifiedEigenvalue.Gamma(d + 3)));
        return new ConeProjectionResult(proj, norm, upper, nu, nnls);
    }
}

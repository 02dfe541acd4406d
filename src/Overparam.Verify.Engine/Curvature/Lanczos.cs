using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Numerics;

namespace Overparam.Verify.Engine.Curvature;

/// <summary>Outcome of <see cref="Lanczos.ExtremeEigenvalues"/>.</summary>
/// <param name="Min">Smallest Ritz value θ_min. Always ≥ λ_min(A) (Cauchy interlacing): an upper estimate of λ_min.</param>
/// <param name="Max">Largest Ritz value θ_max. Always ≤ λ_max(A): a lower estimate of λ_max.</param>
/// <param name="MinResidual">‖Ay − θ_min y‖ for the Ritz vector y (= β_k·|e_kᵀs|); an eigenvalue lies within it of Min.</param>
/// <param name="MaxResidual">The same for Max.</param>
/// <param name="Steps">Lanczos steps taken = operator applications = size of the tridiagonal T_k.</param>
/// <param name="RitzValues">All eigenvalues of T_k, ascending.</param>
/// <param name="Converged">Both residuals ≤ tolerance·max(|Min|, |Max|), or the Krylov space became invariant.</param>
public sealed record LanczosResult(double Min, double Max, double MinResidual, double MaxResidual, int Steps,
    double[] RitzValues, bool Converged);

/// <summary>
/// Lanczos with full reorthogonalization for the extreme eigenvalues (both ends) of a symmetric operator given only by
/// products v ↦ Av, e.g. Hessian-vector products (papers.md §8: β̂_H for P4.R1, β for P2.C5, λ_min(∇²L + λI) for P3.C2).
/// Every Lanczos vector is kept (memory dimension × steps) and each new one is Gram–Schmidt-orthogonalized twice
/// against all of them, so no spurious copies of converged Ritz values appear; meant for small step counts (≲ 200).
/// Ritz pairs of T_k come from the implicit-QL tridiagonal solver, tracking only the eigenvectors' last components.
/// </summary>
public static class Lanczos
{
    /// <summary>The default random stream for the start vector.</summary>
    public const string DefaultStream = "curvature/lanczos-start";

    /// <summary>
    /// Runs up to min(maxSteps, dimension) Lanczos steps from a Gaussian start vector drawn from
    /// <c>RandomStreams.For(seed, stream)</c>, stopping early when both extreme Ritz residuals are ≤
    /// tolerance·max(|θ_min|, |θ_max|) or when the Krylov space is invariant (β_k ≤ ε·‖T‖, then the Ritz values are
    /// eigenvalues). With steps = dimension the Ritz values are all eigenvalues (up to round-off).
    /// </summary>
    /// <exception cref="ArgumentException">apply returns a vector of the wrong length or with a non-finite entry.</exception>
    public static LanczosResult ExtremeEigenvalues(Func<ReadOnlySpan<double>, double[]> apply, int dimension, ulong seed,
        string stream = DefaultStream, int maxSteps = 100, double tolerance = 1e-10)
    {
        ArgumentNullException.ThrowIfNull(apply);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), "tolerance must be positive");
        int limit = Math.Min(maxSteps, dimension);
        var basis = new List<double[]> { PowerIteration.StartVector(dimension, seed, stream) };
        var alpha = new List<double>();
        var beta = new List<double>();   // beta[j] couples basis[j] and basis[j+1]
        double tNorm = 0;
        double[] ritz = [];
        double[] last = [];
        for (int j = 0; j < limit; j++)
        {
            var q = basis[j];
            var w = PowerIteration.Apply(apply, q);
            double a = Blas.Dot(q, w);
            alpha.Add(a);
            // Full reorthogonalization, twice ("twice is enough", Kahan–Parlett); it also removes the αq and βq_{j−1} terms.
            for (int pass = 0; pass < 2; pass++)
                foreach (var b in basis)
                    Blas.Axpy(-Blas.Dot(b, w), b, w);
            double bj = Math.Sqrt(Blas.Dot(w, w));
            tNorm = Math.Max(tNorm, Math.Abs(a) + bj + (j > 0 ? beta[j - 1] : 0.0));
            (ritz, last) = TridiagonalEigen.ValuesAndLastComponents(alpha.ToArray(), beta.ToArray());
            bool invariant = bj <= 8 * Tolerance.MachineEpsilon * Math.Max(tNorm, double.Epsilon);
            double rMin = invariant ? 0.0 : bj * Math.Abs(last[0]);
            double rMax = invariant ? 0.0 : bj * Math.Abs(last[^1]);
            double scale = Math.Max(Math.Abs(ritz[0]), Math.Abs(ritz[^1]));
            bool converged = invariant || (rMin <= tolerance * scale && rMax <= tolerance * scale);
            if (converged || j == limit - 1)
                return new LanczosResult(ritz[0], ritz[^1], rMin, rMax, j + 1, ritz, converged);
            beta.Add(bj);
            for (int i = 0; i < dimension; i++) w[i] /= bj;
            basis.Add(w);
        }
        throw new InvalidOperationException("unreachable: the loop returns on its last step");
    }
}

/// <summary>
/// Symmetric tridiagonal eigenvalues by implicit QL with Wilkinson shifts (Numerical Recipes' <c>tqli</c>), carrying
/// only the last row of the eigenvector matrix, which is all that Lanczos residuals need.
/// </summary>
internal static class TridiagonalEigen
{
    /// <summary>
    /// Eigenvalues ascending of the tridiagonal T with diagonal <paramref name="diagonal"/> (length n) and
    /// off-diagonal <paramref name="offDiagonal"/> (length ≥ n − 1; extra entries ignored), and for each the last
    /// component of its unit eigenvector.
    /// </summary>
    public static (double[] Values, double[] LastComponents) ValuesAndLastComponents(double[] diagonal, double[] offDiagonal)
    {
        int n = diagonal.Length;
        var d = (double[])diagonal.Clone();
        var e = new double[n];
        for (int i = 0; i + 1 < n; i++) e[i] = offDiagonal[i];
        var z = new double[n];   // last row of the accumulated rotations, starts as e_nᵀ
        if (n > 0) z[n - 1] = 1.0;
        for (int l = 0; l < n; l++)
        {
            int iter = 0, m;
            do
            {
                for (m = l; m < n - 1; m++)
                {
                    double dd = Math.Abs(d[m]) + Math.Abs(d[m + 1]);
                    if (Math.Abs(e[m]) <= Tolerance.MachineEpsilon * dd) break;
                }
                if (m != l)
                {
                    if (iter++ == 60) throw new InvalidOperationException("tridiagonal QL did not converge in 60 sweeps");
                    double g = (d[l + 1] - d[l]) / (2.0 * e[l]);
                    double r = Hypot(g, 1.0);
                    g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.Abs(r) : -Math.Abs(r)));
                    double s = 1.0, c = 1.0, p = 0.0;
                    int i;
                    bool underflow = false;
                    for (i = m - 1; i >= l; i--)
                    {
                        double f = s * e[i], b = c * e[i];
                        e[i + 1] = r = Hypot(f, g);
                        if (r == 0.0)
                        {
                            d[i + 1] -= p;
                            e[m] = 0.0;
                            underflow = true;
                            break;
                        }
                        s = f / r;
                        c = g / r;
                        g = d[i + 1] - p;
                        r = (d[i] - g) * s + 2.0 * c * b;
                        p = s * r;
                        d[i + 1] = g + p;
                        g = c * r - b;
                        double zf = z[i + 1];
                        z[i + 1] = s * z[i] + c * zf;
                        z[i] = c * z[i] - s * zf;
                    }
                    if (underflow) continue;
                    d[l] -= p;
                    e[l] = g;
                    e[m] = 0.0;
                }
            } while (m != l);
        }
        var order = Enumerable.Range(0, n).OrderBy(i => d[i]).ToArray();
        return (order.Select(i => d[i]).ToArray(), order.Select(i => z[i]).ToArray());
    }

    private static double Hypot(double a, double b)
    {
        double x = Math.Abs(a), y = Math.Abs(b);
        if (x < y) (x, y) = (y, x);
        if (x == 0) return 0;
        double t = y / x;
        return x * Math.Sqrt(1 + t * t);
    }
}

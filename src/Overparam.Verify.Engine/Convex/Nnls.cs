using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Numerics;

namespace Overparam.Verify.Engine.Convex;

/// <summary>The outcome of <see cref="Nnls.Solve"/>: x ≈ argmin_{x ≥ 0} ‖Ax − b‖₂ and its optimality residuals.</summary>
/// <param name="Solution">x, with x ≥ 0 exactly (inactive entries are exact zeros).</param>
/// <param name="Residual">r = b − Ax (float).</param>
/// <param name="ResidualNorm">‖r‖₂.</param>
/// <param name="Gradient">w = Aᵀr, the negative gradient of ½‖Ax − b‖²; at the optimum w ≤ 0 with wⱼ = 0 where xⱼ &gt; 0.</param>
/// <param name="KktViolation">
/// max(maxⱼ:xⱼ=0 (wⱼ)₊, maxⱼ:xⱼ&gt;0 |wⱼ|): the a-posteriori violation of the KKT conditions (0 at an exact optimum).
/// </param>
/// <param name="Complementarity">|xᵀw| = |Σⱼ xⱼwⱼ|: the NNLS duality gap ‖r‖² − bᵀr + … when w ≤ 0 (0 at the optimum).</param>
/// <param name="Iterations">Outer Lawson–Hanson iterations (columns added).</param>
/// <param name="Converged">True when the loop stopped because no column could improve the fit (not the iteration cap).</param>
public sealed record NnlsResult(
    double[] Solution,
    double[] Residual,
    double ResidualNorm,
    double[] Gradient,
    double KktViolation,
    double Complementarity,
    int Iterations,
    bool Converged);

/// <summary>
/// Non-negative least squares by the active-set method of Lawson and Hanson (<i>Solving Least Squares Problems</i>,
/// 1974, ch. 23), with the unconstrained sub-problems solved on the passive columns through the Gram matrix AᵀA
/// (the entries of the passive columns, each computed once), a Cholesky factor (<see cref="Cholesky"/>) and one step of iterative
/// refinement against the true residual — which recovers the accuracy the normal equations lose on the small, well-
/// conditioned systems P5 solves (cone projections with N ≤ a few hundred rows, KKT multipliers on the margin support).
/// Used by the P5 certificate (papers.md §5.3, §8); the independent convex solver shares none of it.
/// </summary>
public static class Nnls
{
    /// <summary>
    /// x ≈ argmin_{x ≥ 0} ‖Ax − b‖₂ for A stored m×n. A column whose sub-problem is numerically singular is set
    /// aside (kept at 0), so the method always terminates; <see cref="NnlsResult.KktViolation"/> says how good x is.
    /// </summary>
    /// <exception cref="InvalidInputException">Shapes disagree or an entry is NaN/±∞.</exception>
    public static NnlsResult Solve(Matrix a, ReadOnlySpan<double> b, int maxIterations = 0)
    {
        ArgumentNullException.ThrowIfNull(a);
        int m = a.Rows, n = a.Cols;
        if (b.Length != m) throw new InvalidInputException($"NNLS: right-hand side has {b.Length} entries, A has {m} rows");
        if (!a.IsFinite()) throw new InvalidInputException("NNLS: A contains NaN or ±Infinity");
        for (int i = 0; i < m; i++)
            if (!double.IsFinite(b[i])) throw new InvalidInputException($"NNLS: b[{i}] is not finite");
        if (maxIterations <= 0) maxIterations = 3 * n + 10;

        var at = a.Transpose();                 // n×m: column j of A as a contiguous row
        // AᵀA entries are formed on demand for the passive columns only: a cone projection in d = 2 has N columns
        // but at most a couple ever enter, so the full N×N Gram would be almost all waste.
        var gram = new LazyGram(at);
        var atb = new double[n];
        for (int j = 0; j < n; j++) atb[j] = Blas.Dot(at.Row(j), b);
        double scale = 0;
        for (int j = 0; j < n; j++) scale = Math.Max(scale, Math.Sqrt(gram[j, j]));
        double bNorm = Math.Sqrt(Blas.Dot(b, b));
        // A column is worth adding only if its gradient clearly exceeds what rounding in Aᵀr can produce.
        double tol = 10 * Math.Max(m, n) * Tolerance.MachineEpsilon * Math.Max(scale, 1e-300) * Math.Max(bNorm, 1e-300);

        var x = new double[n];
        var passive = new bool[n];
        var excluded = new bool[n];
        var r = b.ToArray();
        var w = new double[n];
        Gradient(at, r, w);
        int iterations = 0;
        bool converged = false;
        while (iterations < maxIterations)
        {
            int jMax = -1;
            double wMax = tol;
            for (int j = 0; j < n; j++)
                if (!passive[j] && !excluded[j] && w[j] > wMax)
                {
                    wMax = w[j];
                    jMax = j;
                }
            if (jMax < 0)
            {
                converged = true;
                break;
            }
            iterations++;
            passive[jMax] = true;
            bool first = true, setAside = false;
            while (true)
            {
                var s = SolvePassive(a, at, gram, atb, b, passive);
                if (s is null || (first && !(s[jMax] > 0)))
                {
                    // Singular sub-problem, or the entering column does not help after rounding: set it aside.
                    passive[jMax] = false;
                    excluded[jMax] = true;
                    setAside = true;
                    break;
                }
                first = false;
                bool feasible = true;
                for (int j = 0; j < n; j++) feasible &= !passive[j] || s[j] > 0;
                if (feasible)
                {
                    Array.Copy(s, x, n);
                    break;
                }
                double alpha = double.PositiveInfinity;
                int blocking = -1;
                for (int j = 0; j < n; j++)
                {
                    if (!passive[j] || s[j] > 0) continue;
                    double step = x[j] / (x[j] - s[j]);
                    if (step < alpha)
                    {
                        alpha = step;
                        blocking = j;
                    }
                }
                for (int j = 0; j < n; j++)
                {
                    if (!passive[j]) continue;
                    x[j] += alpha * (s[j] - x[j]);
                    // The blocking column leaves exactly, whatever rounding made of its step; so the loop always ends.
                    if (x[j] <= 0 || j == blocking)
                    {
                        x[j] = 0;
                        passive[j] = false;
                    }
                }
            }
            for (int j = 0; j < n; j++) if (!passive[j]) x[j] = 0;
            Residual(a, x, b, r);
            Gradient(at, r, w);
            // A column set aside earlier may help again once the passive set has changed.
            if (!setAside) Array.Clear(excluded);
        }
        Residual(a, x, b, r);
        Gradient(at, r, w);
        double kkt = 0, comp = 0;
        for (int j = 0; j < n; j++)
        {
            kkt = Math.Max(kkt, x[j] > 0 ? Math.Abs(w[j]) : Math.Max(w[j], 0));
            comp += x[j] * w[j];
        }
        return new NnlsResult(x, r, Math.Sqrt(Blas.Dot(r, r)), w, kkt, Math.Abs(comp), iterations, converged);
    }

    /// <summary>Least squares on the passive columns (others 0) with one refinement step; null when singular.</summary>
    private static double[]? SolvePassive(Matrix a, Matrix at, LazyGram gram, double[] atb, ReadOnlySpan<double> b, bool[] passive)
    {
        int n = passive.Length;
        var idx = new List<int>();
        for (int j = 0; j < n; j++) if (passive[j]) idx.Add(j);
        int k = idx.Count;
        var g = new Matrix(k, k);
        for (int p = 0; p < k; p++)
            for (int q = 0; q <= p; q++) g[p, q] = gram[idx[p], idx[q]];
        var chol = Cholesky.Factor(g);
        if (!chol.Success) return null;
        var sp = new double[k];
        for (int p = 0; p < k; p++) sp[p] = atb[idx[p]];
        Cholesky.Solve(chol.L!, sp);
        var s = new double[n];
        for (int p = 0; p < k; p++) s[idx[p]] = sp[p];
        // One step of refinement: the normal equations square the condition number, the true residual does not.
        var r = new double[a.Rows];
        Residual(a, s, b, r);
        var delta = new double[k];
        for (int p = 0; p < k; p++) delta[p] = Blas.Dot(at.Row(idx[p]), r);
        Cholesky.Solve(chol.L!, delta);
        for (int p = 0; p < k; p++) s[idx[p]] += delta[p];
        foreach (double v in s) if (!double.IsFinite(v)) return null;
        return s;
    }

    /// <summary>AᵀA, each entry computed (as one dot product of two columns of A) the first time it is read.</summary>
    private sealed class LazyGram
    {
        private readonly Matrix _at;
        private readonly double[] _values;

        public LazyGram(Matrix at)
        {
            _at = at;
            _values = new double[at.Rows * at.Rows];
            Array.Fill(_values, double.NaN);   // the marker for "not yet computed": a finite A has no NaN entry
        }

        public double this[int p, int q]
        {
            get
            {
                int n = _at.Rows;
                double v = _values[p * n + q];
                if (double.IsNaN(v))
                {
                    v = Blas.Dot(_at.Row(p), _at.Row(q));
                    _values[p * n + q] = v;
                    _values[q * n + p] = v;
                }
                return v;
            }
        }
    }

    private static void Residual(Matrix a, ReadOnlySpan<double> x, ReadOnlySpan<double> b, Span<double> r)
    {
        for (int i = 0; i < a.Rows; i++) r[i] = b[i] - Blas.Dot(a.Row(i), x);
    }

    private static void Gradient(Matrix at, ReadOnlySpan<double> r, Span<double> w)
    {
        for (int j = 0; j < at.Rows; j++) w[j] = Blas.Dot(at.Row(j), r);
    }
}

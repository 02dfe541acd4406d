namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>A rigorous lower bound on λ_min of a symmetric matrix, rounding included.</summary>
/// <param name="Bound">λ_min(A_true) ≥ Bound, where A_true is the matrix the caller's <c>formationError</c> refers to;
/// −∞ when no shifted Cholesky succeeded (nothing certified).</param>
/// <param name="Shift">The shift τ of the successful Cholesky of fl(A − τI); NaN when none succeeded.</param>
/// <param name="CholeskyError">c·tr|fl(A − τI)| + u·max|fl(aᵢᵢ − τ)|: the rounding error the bound subtracts.</param>
/// <param name="FormationError">The caller's bound on ‖A_true − A‖₂ (0 when A is exact data).</param>
/// <param name="Attempts">Shifted Cholesky factorizations tried.</param>
public sealed record CertifiedLowerBound(
    double Bound,
    double Shift,
    double CholeskyError,
    double FormationError,
    int Attempts)
{
    /// <summary>True when some shifted Cholesky succeeded, so <see cref="Bound"/> is finite.</summary>
    public bool Certified => double.IsFinite(Bound);
}

/// <summary>
/// Certified lower bounds on the smallest eigenvalue of a symmetric matrix by a shifted Cholesky factorization whose
/// rounding error is bounded a priori (the test behind interval libraries' <c>isspd</c>, Rump 2006; Higham,
/// <i>Accuracy and Stability</i>, Thm 10.3). If floating-point Cholesky of Ã = fl(A − τI) runs to completion with
/// factor R̃, then R̃ᵀR̃ = Ã + ΔA with |ΔA| ≤ γ_{n+1}|R̃ᵀ||R̃| for any order of the inner products (so also for the
/// blocked, FMA-based kernels here). Since ‖R̃_{:,i}‖² ≤ ãᵢᵢ/(1 − γ_{n+1}), ‖ΔA‖₂ ≤ ‖|R̃|‖_F²·γ_{n+1} ≤
/// c·tr(Ã) with c = γ_{n+1}/(1 − γ_{n+1}); and R̃ᵀR̃ ⪰ 0, so λ_min(Ã) ≥ −c·tr(Ã). Each diagonal entry ãᵢᵢ is off
/// from aᵢᵢ − τ by at most u|ãᵢᵢ|, hence λ_min(A) ≥ τ − c·tr(Ã) − u·maxᵢ|ãᵢᵢ|, and the bound is rounded down once
/// more for its own few operations. Underflow is covered by an absolute term of (n + 1)²·2⁻¹⁰²².
/// </summary>
public static class CertifiedEigenvalue
{
    /// <summary>Unit round-off of float64, u = 2⁻⁵³.</summary>
    public const double UnitRoundoff = 1.1102230246251565e-16;

    private const double SmallestNormal = 2.2250738585072014e-308;
    private const int MaxAttempts = 8;   // the back-off ladder below, then one that always succeeds

    /// <summary>γ_k = k·u/(1 − k·u), the standard accumulated rounding factor of a length-k inner product.</summary>
    public static double Gamma(int k)
    {
        double ku = k * UnitRoundoff;
        if (!(ku < 0.5))
            throw new ArgumentOutOfRangeException(nameof(k), k, "k·u must be below 1/2 for γ_k to be a bound");
        return ku / (1 - ku) * (1 + 4 * UnitRoundoff);
    }

    // ‖A‖_F from the lower triangle (an upper bound on ‖A‖₂, so A + 2‖A‖_F·I is safely positive definite).
    private static double Frobenius(Matrix a)
    {
        double s = 0;
        for (int i = 0; i < a.Rows; i++)
            for (int j = 0; j <= i; j++) s += (i == j ? 1 : 2) * a[i, j] * a[i, j];
        return Math.Sqrt(s);
    }

    /// <summary>
    /// λ_min(A_true) ≥ Bound for symmetric <paramref name="a"/> (lower triangle read) with ‖A_true − A‖₂ ≤
    /// <paramref name="formationError"/>. <paramref name="estimate"/> is an approximate λ_min (e.g. from the eigensolver);
    /// shifts start just below it and back off relative to its scale until a Cholesky succeeds (at most 8 tries).
    /// </summary>
    /// <exception cref="ArgumentException">A is not square, holds NaN or ±∞, or an argument is NaN or negative.</exception>
    public static CertifiedLowerBound LambdaMin(Matrix a, double estimate, double formationError = 0)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Rows != a.Cols)
            throw new ArgumentException($"a certified λ_min needs a square matrix, got {a.Rows}×{a.Cols}", nameof(a));
        if (!double.IsFinite(estimate))
            throw new ArgumentException($"the λ_min estimate must be finite, got {estimate}", nameof(estimate));
        if (!(formationError >= 0))
            throw new ArgumentException($"the formation error must be ≥ 0, got {formationError}", nameof(formationError));
        int n = a.Rows;
        if (n == 0)
            return new CertifiedLowerBound(double.PositiveInfinity, double.NaN, 0, formationError, 0);
        double c = Gamma(n + 1) / (1 - Gamma(n + 1));
        double traceAbs = 0, diagMax = 0;
        for (int i = 0; i < n; i++)
        {
            double d = Math.Abs(a[i, i]);
            if (!double.IsFinite(d))
                throw new ArgumentException($"entry ({i}, {i}) is {a[i, i]}; the matrix must be finite", nameof(a));
            traceAbs += d;
            diagMax = Math.Max(diagMax, d);
        }
        // The first shift leaves room for the rounding error the bound will subtract anyway; later ones back off
        // relative to the estimate's scale (in case it was optimistic, e.g. a Ritz value above λ_min), the last one by
        // a whole scale plus 2‖A‖_F, which succeeds for any finite matrix.
        double first = 2 * c * traceAbs * (1 + 2 * n * UnitRoundoff) + 4 * UnitRoundoff * (Math.Abs(estimate) + diagMax)
            + SmallestNormal;
        double scale = Math.Abs(estimate) + first;
        double[] backOff = [0, 1e-8, 1e-6, 1e-4, 1e-2, 0.1, 0.5];
        var shifted = new Matrix(n, n);
        for (int attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            double step = attempt <= backOff.Length ? first + backOff[attempt - 1] * scale : first + scale + 2 * Frobenius(a);
            double tau = estimate - step;
            // A matrix whose ‖A‖_F overflows gets no certificate (rather than an exception from the factorization).
            if (!double.IsFinite(tau)) break;
            for (int i = 0; i < n; i++)
            {
                var src = a.Data.AsSpan(i * n, i);
                src.CopyTo(shifted.Data.AsSpan(i * n, i));
                shifted[i, i] = a[i, i] - tau;
            }
            var chol = Cholesky.Factor(shifted);
            if (chol.Success)
            {
                double trShift = 0, maxShift = 0;
                for (int i = 0; i < n; i++)
                {
                    double d = Math.Abs(shifted[i, i]);
                    trShift += d;
                    maxShift = Math.Max(maxShift, d);
                }
                // The sum above has at most n·u relative error; inflate it before it is subtracted.
                double err = c * trShift * (1 + 2 * (n + 1) * UnitRoundoff) + UnitRoundoff * maxShift
                    + (double)(n + 1) * (n + 1) * SmallestNormal;
                double raw = tau - err - formationError;
                // Three more roundings (two subtractions, the products above): one relative step down covers them.
                double bound = raw - 4 * UnitRoundoff * (Math.Abs(tau) + err + formationError);
                return new CertifiedLowerBound(bound, tau, err, formationError, attempt);
            }
        }
        return new CertifiedLowerBound(double.NegativeInfinity, double.NaN, double.NaN, formationError, MaxAttempts);
    }
}

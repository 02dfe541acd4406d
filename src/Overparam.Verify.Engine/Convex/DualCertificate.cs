using System.Globalization;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Convex;

/// <summary>The two projections of one pattern: ‖Π_{Cᵢ}(gᵢ)‖ and ‖Π_{Cᵢ}(−gᵢ)‖ with their certified upper bounds.</summary>
/// <param name="Cell">Index into the arrangement's cells.</param>
/// <param name="PlusNorm">‖Π_{Cᵢ}(gᵢ)‖ (float): max over the cone of λᵀdiag(y)DᵢXu.</param>
/// <param name="PlusUpper">Certified upper bound on it.</param>
/// <param name="MinusNorm">‖Π_{Cᵢ}(−gᵢ)‖ (float): max over the cone of −λᵀdiag(y)DᵢXu.</param>
/// <param name="MinusUpper">Certified upper bound on it.</param>
/// <param name="KktViolation">The larger NNLS KKT violation of the two projections.</param>
public sealed record PatternProjection(int Cell, double PlusNorm, double PlusUpper, double MinusNorm, double MinusUpper, double KktViolation);

/// <summary>
/// The P5.C2 dual certificate max_{‖u‖ ≤ 1} |λᵀdiag(y)(Xu)₊| for given multipliers λ (papers.md §5.3), with the
/// numbers a referee needs to recheck it.
/// </summary>
/// <param name="Value">max over the cells and both signs of ‖Π_{Cᵢ}(±gᵢ)‖ (float): the certificate's left side.</param>
/// <param name="UpperBound">
/// Max of the certified per-pattern upper bounds. When <see cref="Exhaustive"/> it bounds the left side over ALL u
/// (every u lies in the closure of some open cell, where (Xu)₊ = DᵢXu): UpperBound ≤ 1 certifies dual feasibility.
/// With sampled patterns it bounds only the patterns seen.
/// </param>
/// <param name="LowerBound">
/// A certified lower bound on the left side over all u: the constraint function evaluated, with a rounding-error
/// bound, at the maximising direction found. LowerBound &gt; 1 certifies a violation whatever the arrangement.
/// </param>
/// <param name="MaximizingDirection">The unit direction u* attaining <see cref="LowerBound"/> (Π/‖Π‖ of the best projection).</param>
/// <param name="MaximizingCell">The cell whose projection attains <see cref="Value"/>.</param>
/// <param name="MaximizingSign">+1 when the maximum is λᵀdiag(y)(Xu*)₊ (a positive neuron), −1 when it is its negative.</param>
/// <param name="Exhaustive">Whether the arrangement held every pattern (so <see cref="UpperBound"/> is global).</param>
/// <param name="Patterns">Per-pattern projection norms, in the arrangement's cell order.</param>
/// <param name="MaxKktViolation">The largest NNLS KKT violation over all projections.</param>
public sealed record DualCertificateResult(
    double Value,
    double UpperBound,
    double LowerBound,
    double[] MaximizingDirection,
    int MaximizingCell,
    int MaximizingSign,
    bool Exhaustive,
    IReadOnlyList<PatternProjection> Patterns,
    double MaxKktViolation);

/// <summary>
/// Evaluates the P5 dual constraint (papers.md §5.3). For each pattern Dᵢ, gᵢ = XᵀDᵢdiag(y)λ and the cone
/// Cᵢ = {u : (2Dᵢ − I)Xu ≥ 0}; max_{u ∈ Cᵢ, ‖u‖ ≤ 1} ±gᵢᵀu = ‖Π_{Cᵢ}(±gᵢ)‖ (<see cref="ConeProjection"/>).
/// Certified both ways: the upper bound from any ν ≥ 0 (rounding of gᵢ and of the residual included), the lower
/// bound by evaluating the function itself at a concrete direction.
/// </summary>
public static class DualCertificate
{
    /// <summary>|λᵀdiag(y)(Xu)₊| / ‖u‖ at one direction u ≠ 0 (float): the dual constraint function.</summary>
    public static double ConstraintValue(Matrix x, ReadOnlySpan<double> y, ReadOnlySpan<double> lambda, ReadOnlySpan<double> u)
    {
        var (value, _, norm) = SignedValue(x, y, lambda, u);
        return Math.Abs(value) / norm;
    }

    /// <summary>λᵀdiag(y)(Xu)₊ / ‖u‖ at one direction u ≠ 0 (signed; P5.R2 expects sign(w₂ⱼ) at a neuron direction).</summary>
    public static double SignedConstraintValue(Matrix x, ReadOnlySpan<double> y, ReadOnlySpan<double> lambda, ReadOnlySpan<double> u)
    {
        var (value, _, norm) = SignedValue(x, y, lambda, u);
        return value / norm;
    }

    /// <summary>
    /// A certified lower bound on |λᵀdiag(y)(Xu)₊| / ‖u‖_true: the float value minus a bound on its rounding error
    /// (each xᵢᵀu off by ≤ γ_d Σₖ|xᵢₖuₖ|, which (·)₊ does not enlarge; the weighted sum adds γ_{N+1}), divided by ‖u‖
    /// rounded up, and rounded down once more (0 when the error swamps the value). ≤ the true value, so max over u ≥ it.
    /// </summary>
    public static double ConstraintLowerBound(Matrix x, ReadOnlySpan<double> y, ReadOnlySpan<double> lambda, ReadOnlySpan<double> u)
    {
        var (value, err, norm) = SignedValue(x, y, lambda, u);
        double up = norm * (1 + CertifiedEigenvalue.Gamma(u.Length + 2));
        double lower = (Math.Abs(value) - err) / up;
        return lower > 0 ? Math.BitDecrement(lower * (1 - 4 * CertifiedEigenvalue.UnitRoundoff)) : 0;
    }

    private static (double Value, double Error, double Norm) SignedValue(Matrix x, ReadOnlySpan<double> y, ReadOnlySpan<double> lambda, ReadOnlySpan<double> u)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.Rows, d = x.Cols;
        if (y.Length != n || lambda.Length != n) throw new InvalidInputException($"need {n} labels and multipliers, got {y.Length} and {lambda.Length}");
        if (u.Length != d) throw new InvalidInputException($"direction has {u.Length} entries, X has {d} columns");
        double norm = Math.Sqrt(Blas.Dot(u, u));
        if (!(norm > 0)) throw new InvalidInputException("the dual constraint needs a direction u ≠ 0");
        double gd = CertifiedEigenvalue.Gamma(d + 1), gn = CertifiedEigenvalue.Gamma(n + 2);
        double s = 0, weighted = 0;
        for (int i = 0; i < n; i++)
        {
            var xi = x.Row(i);
            double t = 0, abs = 0;
            for (int k = 0; k < d; k++)
            {
                t += xi[k] * u[k];
                abs += Math.Abs(xi[k] * u[k]);
            }
            double l = Math.Abs(lambda[i]);
            if (t > 0) s += y[i] * lambda[i] * t;
            weighted += l * abs;
        }
        // Σ λᵢ·err(xᵢᵀu) + γ_{N+2}·Σ λᵢ|xᵢᵀu|; both ≤ (γ_d + γ_{N+2}(1 + γ_d))·Σλᵢ aᵢ, doubled for the float sums.
        double err = 2 * (gd + gn * (1 + gd)) * weighted;
        return (s, err, norm);
    }

    /// <summary>
    /// The certificate over the patterns of <paramref name="arrangement"/> for multipliers λ ≥ 0 (papers.md §5.3,
    /// P5.C2; λ from <see cref="KktMultipliers.Solve"/> at the normalised limit θ̄).
    /// </summary>
    /// <exception cref="InvalidInputException">Shapes disagree, a label is not ±1, or λ has a negative or non-finite entry.</exception>
    public static DualCertificateResult Evaluate(Matrix x, double[] y, double[] lambda, HyperplaneArrangement arrangement)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(lambda);
        ArgumentNullException.ThrowIfNull(arrangement);
        int n = x.Rows, d = x.Cols;
        if (y.Length != n) throw new InvalidInputException($"{y.Length} labels for {n} input rows");
        if (lambda.Length != n) throw new InvalidInputException($"{lambda.Length} multipliers for {n} input rows");
        Training.ReluClassificationObjective.CheckLabels(y);
        for (int i = 0; i < n; i++)
            if (!(lambda[i] >= 0) || !double.IsFinite(lambda[i]))
                throw new InvalidInputException($"multiplier λ[{i}] is {lambda[i].ToString("R", CultureInfo.InvariantCulture)}; the certificate needs λ ≥ 0");
        if (arrangement.Count == 0) throw new InvalidInputException("the arrangement has no patterns");

        double gamma = CertifiedEigenvalue.Gamma(n + 1);
        var rows = new List<PatternProjection>(arrangement.Count);
        double best = double.NegativeInfinity, upper = double.NegativeInfinity, maxKkt = 0;
        int bestCell = -1, bestSign = 0;
        double[] bestProj = [];
        var g = new double[d];
        var gErr = new double[d];
        var neg = new double[d];
        for (int c = 0; c < arrangement.Count; c++)
        {
            var pattern = arrangement.Cells[c].Pattern;
            if (pattern.Length != n) throw new InvalidInputException($"pattern {c} has {pattern.Length} entries, X has {n} rows");
            // gᵢ = Σ_{k ∈ Dᵢ} yₖλₖxₖ with |error| ≤ γ_{N+1} Σ λₖ|xₖ| per component.
            Array.Clear(g);
            Array.Clear(gErr);
            for (int i = 0; i < n; i++)
            {
                if (!pattern[i] || lambda[i] == 0) continue;
                var xi = x.Row(i);
                double c0 = y[i] * lambda[i];
                for (int k = 0; k < d; k++)
                {
                    g[k] += c0 * xi[k];
                    gErr[k] += lambda[i] * Math.Abs(xi[k]);
                }
            }
            for (int k = 0; k < d; k++)
            {
                gErr[k] *= gamma * (1 + gamma);
                neg[k] = -g[k];
            }
            var plus = ConeProjection.Project(x, pattern, g, gErr);
            var minus = ConeProjection.Project(x, pattern, neg, gErr);
            double kkt = Math.Max(plus.Nnls.KktViolation, minus.Nnls.KktViolation);
            maxKkt = Math.Max(maxKkt, kkt);
            rows.Add(new PatternProjection(c, plus.Norm, plus.NormUpperBound, minus.Norm, minus.NormUpperBound, kkt));
            upper = Math.Max(upper, Math.Max(plus.NormUpperBound, minus.NormUpperBound));
            if (plus.Norm > best)
            {
                (best, bestCell, bestSign, bestProj) = (plus.Norm, c, +1, plus.Projection);
            }
            if (minus.Norm > best)
            {
                (best, bestCell, bestSign, bestProj) = (minus.Norm, c, -1, minus.Projection);
            }
        }
        double[] direction;
        double lower;
        if (best > 0)
        {
            direction = (double[])bestProj.Clone();
            double nb = Math.Sqrt(Blas.Dot(direction, direction));
            for (int k = 0; k < d; k++) direction[k] /= nb;
            lower = Math.Max(0, ConstraintLowerBound(x, y, lambda, direction));
        }
        else
        {
            // Every projection is 0: the constraint function is 0 on every cone, hence everywhere.
            direction = arrangement.Cells[0].Witness;
            lower = 0;
        }
        return new DualCertificateResult(best, upper, lower, direction, bestCell, bestSign, arrangement.Exhaustive, rows, maxKkt);
    }
}

namespace Overparam.Verify.Engine.Statistics;

/// <summary>Successes out of trials at one point of a sweep grid with its covariate ratio r (e.g. n/(kd)).</summary>
/// <param name="Ratio">The positive ratio whose logarithm is the regression covariate.</param>
/// <param name="Successes">Successful trials.</param>
/// <param name="Trials">All trials.</param>
public readonly record struct RatioCount(double Ratio, int Successes, int Trials);

/// <summary>
/// The ratio r* = c₀ at which the fitted success probability is ½, with a 95% interval.
/// </summary>
/// <param name="C0">The point estimate c₀ = exp(−β₀/β₁); NaN when the fitted slope is zero.</param>
/// <param name="Low">
/// Lower limit of the Fieller 95% interval for c₀; 0 when the interval is unbounded below (the slope is not
/// significantly different from zero, so the data cannot locate the boundary).
/// </param>
/// <param name="High">Upper limit; +∞ when unbounded.</param>
/// <param name="LogC0StdError">Delta-method standard error of ln c₀: √(gᵀΣg), g = (−1/β₁, β₀/β₁²).</param>
/// <param name="Bounded">True when the Fieller interval is a bounded interval.</param>
/// <param name="Fit">The underlying logistic fit of success on ln r.</param>
public sealed record BoundaryEstimate(double C0, double Low, double High, double LogC0StdError, bool Bounded, LogisticFit Fit)
{
    /// <summary>Width of the interval on the log scale, ln(High/Low); +∞ when unbounded.</summary>
    public double LogWidth => Bounded ? Math.Log(High / Low) : double.PositiveInfinity;
}

/// <summary>
/// Locates a phase transition by logistic regression of success on u = ln r (papers.md P4.R4: r = n/(kd), so the
/// 50% boundary n = c₀·kd is the line u = ln c₀). The interval is Fieller's: the set of u for which
/// (β̂₀ + β̂₁u)² ≤ z²·Var(β̂₀ + β̂₁u), i.e. the u at which P = ½ is not rejected at level 5% by a Wald test.
/// It is exact for normal estimates, is not forced to be symmetric in u, and says "unbounded" honestly when the
/// slope is weak, where the delta method would still print a finite interval.
/// </summary>
public static class PhaseBoundary
{
    /// <summary>Fits the boundary; see <see cref="LogisticRegression.Fit"/> for the fit and its errors.</summary>
    /// <exception cref="InvalidInputException">A ratio is not positive and finite, or the fit's own preconditions fail.</exception>
    public static BoundaryEstimate Fit(IReadOnlyList<RatioCount> points, bool firth = true, double z = BinomialInterval.Z95)
    {
        ArgumentNullException.ThrowIfNull(points);
        var u = new double[points.Count];
        var s = new int[points.Count];
        var t = new int[points.Count];
        for (int j = 0; j < points.Count; j++)
        {
            if (!(points[j].Ratio > 0) || !double.IsFinite(points[j].Ratio))
                throw new InvalidInputException($"phase boundary: ratio {points[j].Ratio} of point {j} must be positive and finite");
            u[j] = Math.Log(points[j].Ratio);
            s[j] = points[j].Successes;
            t[j] = points[j].Trials;
        }
        var fit = LogisticRegression.Fit(u, s, t, firth);
        return FromFit(fit, z);
    }

    /// <summary>The boundary implied by an existing fit.</summary>
    public static BoundaryEstimate FromFit(LogisticFit fit, double z = BinomialInterval.Z95)
    {
        ArgumentNullException.ThrowIfNull(fit);
        double b0 = fit.Intercept, b1 = fit.Slope;
        if (b1 == 0) return new BoundaryEstimate(double.NaN, 0, double.PositiveInfinity, double.PositiveInfinity, false, fit);
        double uStar = -b0 / b1;
        double g0 = -1 / b1, g1 = b0 / (b1 * b1);
        double se = Math.Sqrt(g0 * g0 * fit.VarIntercept + 2 * g0 * g1 * fit.CovInterceptSlope + g1 * g1 * fit.VarSlope);

        // (b1² − z²v11)u² + 2(b0b1 − z²v01)u + (b0² − z²v00) ≤ 0.
        double z2 = z * z;
        double a = b1 * b1 - z2 * fit.VarSlope;
        double b = b0 * b1 - z2 * fit.CovInterceptSlope;
        double c = b0 * b0 - z2 * fit.VarIntercept;
        double disc = b * b - a * c;
        if (a > 0 && disc >= 0)
        {
            double root = Math.Sqrt(disc);
            double lo = (-b - root) / a, hi = (-b + root) / a;
            return new BoundaryEstimate(Math.Exp(uStar), Math.Exp(lo), Math.Exp(hi), se, true, fit);
        }
        return new BoundaryEstimate(Math.Exp(uStar), 0, double.PositiveInfinity, se, false, fit);
    }
}

using System.Collections.Concurrent;

namespace Overparam.Verify.Engine.Quadrature;

/// <summary>Which Gaussian weight a Gauss–Hermite rule integrates against.</summary>
public enum HermiteConvention
{
    /// <summary>Weight e^{−x²} on ℝ (physicists' H_m); the weights sum to √π.</summary>
    Physicists,

    /// <summary>Weight e^{−x²/2} on ℝ (probabilists' He_m); the weights sum to √(2π).</summary>
    Probabilists,

    /// <summary>The standard normal density e^{−x²/2}/√(2π): Σ wᵢ g(xᵢ) ≈ E[g(z)], z ~ N(0, 1); the weights sum to 1.</summary>
    StandardNormal,
}

/// <summary>
/// An m-point Gauss–Hermite rule: Σᵢ wᵢ g(xᵢ) ≈ ∫ g(x) ω(x) dx for the weight ω of <see cref="Convention"/>, exact for
/// every polynomial g of degree ≤ 2m − 1. Nodes ascending, symmetric about 0.
/// </summary>
/// <param name="Order">m, the number of nodes.</param>
/// <param name="Convention">The weight function.</param>
/// <param name="Nodes">x₁ &lt; … &lt; x_m.</param>
/// <param name="Weights">w₁, …, w_m (all positive).</param>
public sealed record GaussHermiteRule(int Order, HermiteConvention Convention, IReadOnlyList<double> Nodes,
    IReadOnlyList<double> Weights)
{
    /// <summary>Σᵢ wᵢ g(xᵢ).</summary>
    public double Integrate(Func<double, double> g)
    {
        ArgumentNullException.ThrowIfNull(g);
        double s = 0;
        for (int i = 0; i < Order; i++) s += Weights[i] * g(Nodes[i]);
        return s;
    }
}

/// <summary>
/// Gauss–Hermite quadrature for Gaussian expectations (P4.C2 and P4.C7 evaluate Σ(X) and μ_φ with it; papers.md §4.3,
/// §8 "infinite-width kernels by quadrature").
/// <para>
/// Nodes are the roots of the orthonormal Hermite polynomials, found by Newton's method on the three-term recurrence
/// h₀ = π^{−1/4}, h_{j+1}(x) = x·√(2/(j+1))·h_j − √(j/(j+1))·h_{j−1} (the normalized recurrence never overflows), from
/// the classical asymptotic starting guesses (Numerical Recipes' <c>gauher</c>); the physicists' weight of root x is
/// 2/h′_m(x)² with h′_m = √(2m)·h_{m−1}. This route needs no eigensolver (Golub–Welsch is the test oracle).
/// Orders 1..<see cref="MaxOrder"/>.
/// </para>
/// </summary>
public static class GaussHermite
{
    /// <summary>
    /// The largest supported order. The asymptotic starting guesses stop separating neighbouring roots near m ≈ 200
    /// (Newton then lands two guesses on one root); every order up to this one is tested for distinct nodes and exact
    /// low moments.
    /// </summary>
    public const int MaxOrder = 192;

    /// <summary>The node count per dimension that <see cref="Expectation(Func{double, double}, int)"/> uses by default.</summary>
    public const int DefaultOrder = 40;

    private const double SqrtPi = 1.7724538509055160273;
    private const double PiToMinusQuarter = 0.75112554446494248286;

    private static readonly ConcurrentDictionary<(int, HermiteConvention), GaussHermiteRule> Cache = new();

    /// <summary>The m-point rule for <paramref name="convention"/>; rules are computed once per (m, convention) and shared.</summary>
    /// <exception cref="ArgumentOutOfRangeException">m outside 1..<see cref="MaxOrder"/>.</exception>
    public static GaussHermiteRule Rule(int order, HermiteConvention convention = HermiteConvention.StandardNormal)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, MaxOrder);
        if (!Enum.IsDefined(convention)) throw new ArgumentOutOfRangeException(nameof(convention));
        return Cache.GetOrAdd((order, convention), key => Build(key.Item1, key.Item2));
    }

    /// <summary>E[g(z)], z ~ N(0, 1), by the m-point rule. Exact for polynomials of degree ≤ 2m − 1.</summary>
    public static double Expectation(Func<double, double> g, int order = DefaultOrder) =>
        Rule(order).Integrate(g);

    /// <summary>
    /// E[g(u₁, u₂)] for (u₁, u₂) ~ N(0, [[s11, s12], [s12, s22]]) by the m×m tensor rule on (z₁, z₂) ~ N(0, I) with
    /// u₁ = a z₁, u₂ = b z₁ + c z₂ (the inline 2×2 Cholesky factor: a = √s11, b = s12/a, c = √(s22 − b²)).
    /// A singular covariance is allowed: s11 = 0 puts u₁ ≡ 0 (then b = 0, c = √s22), and c² that is negative only by
    /// round-off (|c²| ≤ 1e−12·s22) is set to 0.
    /// </summary>
    /// <exception cref="ArgumentException">A non-finite entry, a negative variance, or a covariance that is not PSD.</exception>
    public static double Expectation2D(Func<double, double, double> g, double s11, double s12, double s22,
        int order = DefaultOrder)
    {
        ArgumentNullException.ThrowIfNull(g);
        var (a, b, c) = Cholesky2(s11, s12, s22);
        var rule = Rule(order);
        double total = 0;
        for (int p = 0; p < order; p++)
        {
            double z1 = rule.Nodes[p], u1 = a * z1, shift = b * z1, inner = 0;
            for (int q = 0; q < order; q++) inner += rule.Weights[q] * g(u1, shift + c * rule.Nodes[q]);
            total += rule.Weights[p] * inner;
        }
        return total;
    }

    /// <summary>
    /// Lower Cholesky factor [[a, 0], [b, c]] of the 2×2 covariance [[s11, s12], [s12, s22]], with the conventions of
    /// <see cref="Expectation2D"/> for singular covariances.
    /// </summary>
    /// <exception cref="ArgumentException">A non-finite entry, a negative variance, or a covariance that is not PSD.</exception>
    public static (double A, double B, double C) Cholesky2(double s11, double s12, double s22)
    {
        if (!double.IsFinite(s11) || !double.IsFinite(s12) || !double.IsFinite(s22))
            throw new ArgumentException($"covariance [[{s11}, {s12}], [{s12}, {s22}]] has a non-finite entry");
        if (s11 < 0 || s22 < 0)
            throw new ArgumentException($"covariance [[{s11}, {s12}], [{s12}, {s22}]] has a negative variance");
        // Relative slack for a PSD covariance built from inner products (ρ² ≤ s11·s22 up to round-off).
        const double psdSlack = 1e-12;
        double a = Math.Sqrt(s11);
        if (a == 0)
        {
            if (Math.Abs(s12) > psdSlack * Math.Sqrt(s22) + double.Epsilon)
                throw new ArgumentException($"covariance [[{s11}, {s12}], [{s12}, {s22}]] is not PSD");
            return (0.0, 0.0, Math.Sqrt(s22));
        }
        double b = s12 / a, c2 = s22 - b * b;
        if (c2 < 0)
        {
            if (c2 < -psdSlack * Math.Max(s22, b * b))
                throw new ArgumentException($"covariance [[{s11}, {s12}], [{s12}, {s22}]] is not PSD");
            c2 = 0;
        }
        return (a, b, Math.Sqrt(c2));
    }

    private static GaussHermiteRule Build(int m, HermiteConvention convention)
    {
        var (x, w) = PhysicistsRule(m);
        double nodeScale, weightScale;
        switch (convention)
        {
            case HermiteConvention.Physicists:
                (nodeScale, weightScale) = (1.0, 1.0);
                break;
            case HermiteConvention.Probabilists:
                (nodeScale, weightScale) = (Math.Sqrt(2.0), Math.Sqrt(2.0));
                break;
            default:
                (nodeScale, weightScale) = (Math.Sqrt(2.0), 1.0 / SqrtPi);
                break;
        }
        for (int i = 0; i < m; i++)
        {
            x[i] *= nodeScale;
            w[i] *= weightScale;
        }
        return new GaussHermiteRule(m, convention, Array.AsReadOnly(x), Array.AsReadOnly(w));
    }

    // Physicists' rule, nodes ascending. Newton from the asymptotic guesses of Numerical Recipes §4.5 (gauher),
    // largest root first; each root's guess uses the previous roots, so the order of the loop matters.
    private static (double[] Nodes, double[] Weights) PhysicistsRule(int m)
    {
        var x = new double[m];
        var w = new double[m];
        var desc = new double[(m + 1) / 2];
        double z = 0;
        for (int i = 0; i < desc.Length; i++)
        {
            z = i switch
            {
                0 => Math.Sqrt(2.0 * m + 1) - 1.85575 * Math.Pow(2.0 * m + 1, -1.0 / 6.0),
                1 => z - 1.14 * Math.Pow(m, 0.426) / z,
                2 => 1.86 * z - 0.86 * desc[0],
                3 => 1.91 * z - 0.91 * desc[1],
                _ => 2.0 * z - desc[i - 2],
            };
            // Newton until the step is at the 1e−14 level, then one more step: convergence is quadratic, so that
            // last step takes the root to round-off without asking for a stopping test at round-off.
            bool converged = false;
            for (int iter = 0; iter < 100 && !converged; iter++)
            {
                var (h, dh) = HermiteFunction(m, z);
                double step = h / dh;
                z -= step;
                converged = Math.Abs(step) <= 1e-14 * Math.Max(1.0, Math.Abs(z));
            }
            if (!converged)
                throw new InvalidOperationException($"Gauss–Hermite Newton iteration did not converge (m = {m}, root {i})");
            var (hf, dhf) = HermiteFunction(m, z);
            z -= hf / dhf;
            double derivative = HermiteFunction(m, z).Derivative;
            desc[i] = z;
            double weight = 2.0 / (derivative * derivative);
            x[m - 1 - i] = z;
            w[m - 1 - i] = weight;
            x[i] = -z;
            w[i] = weight;
        }
        if (m % 2 == 1) x[m / 2] = 0.0;   // the middle root of an odd rule is exactly 0; Newton lands within 1e−16
        return (x, w);
    }

    // h_m(x) = H_m(x)/√(2^m m! √π), orthonormal for the weight e^{−x²}, and its derivative h′_m = √(2m)·h_{m−1}(x).
    private static (double Value, double Derivative) HermiteFunction(int m, double x)
    {
        double p1 = PiToMinusQuarter, p2 = 0.0;
        for (int j = 0; j < m; j++)
        {
            double p3 = p2;
            p2 = p1;
            p1 = x * Math.Sqrt(2.0 / (j + 1)) * p2 - Math.Sqrt((double)j / (j + 1)) * p3;
        }
        return (p1, Math.Sqrt(2.0 * m) * p2);
    }
}

namespace Overparam.Verify.Engine.Statistics;

/// <summary>A two-sided confidence interval for a probability, 0 ≤ Low ≤ High ≤ 1.</summary>
/// <param name="Low">Lower confidence limit.</param>
/// <param name="High">Upper confidence limit.</param>
public readonly record struct ProportionInterval(double Low, double High);

/// <summary>
/// Confidence intervals for a binomial success probability from s successes in t trials (papers.md §6.4).
/// </summary>
public static class BinomialInterval
{
    /// <summary>z = Φ⁻¹(0.975), the standard normal quantile for a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>
    /// Wilson score interval: (p̂ + z²/2t ± z·√(p̂(1−p̂)/t + z²/4t²)) / (1 + z²/t) with p̂ = s/t. Unlike the Wald
    /// interval it stays inside [0, 1] and has width &gt; 0 at s = 0 and s = t, which is where sweep cells live.
    /// The limits are exactly 0 at s = 0 and exactly 1 at s = t. With t = 0 there is no information: [0, 1].
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">t &lt; 0, s outside [0, t], or z not positive and finite.</exception>
    public static ProportionInterval Wilson(int successes, int trials, double z = Z95)
    {
        Check(successes, trials);
        if (!(z > 0) || !double.IsFinite(z)) throw new ArgumentOutOfRangeException(nameof(z), z, "z must be positive and finite");
        if (trials == 0) return new(0.0, 1.0);
        double t = trials, p = successes / t, z2 = z * z;
        double denom = 1.0 + z2 / t;
        double center = (p + z2 / (2 * t)) / denom;
        double half = z * Math.Sqrt(p * (1 - p) / t + z2 / (4 * t * t)) / denom;
        double low = successes == 0 ? 0.0 : Math.Max(0.0, center - half);
        double high = successes == trials ? 1.0 : Math.Min(1.0, center + half);
        return new(low, high);
    }

    /// <summary>
    /// Clopper–Pearson ("exact") interval at the given confidence: Low is the α/2 quantile of Beta(s, t−s+1) and High
    /// the 1−α/2 quantile of Beta(s+1, t−s), with α = 1 − confidence; Low = 0 at s = 0 and High = 1 at s = t.
    /// Conservative: its coverage is at least the confidence for every p. Quantiles by bisection on the regularized
    /// incomplete beta function, to about 1e-15 absolute.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">t &lt; 0, s outside [0, t], or confidence outside (0, 1).</exception>
    public static ProportionInterval ClopperPearson(int successes, int trials, double confidence = 0.95)
    {
        Check(successes, trials);
        if (!(confidence > 0 && confidence < 1))
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must lie in (0, 1)");
        if (trials == 0) return new(0.0, 1.0);
        double alpha = 1 - confidence;
        double low = successes == 0 ? 0.0 : SpecialFunctions.InverseBetaRegularized(successes, trials - successes + 1, alpha / 2);
        double high = successes == trials ? 1.0 : SpecialFunctions.InverseBetaRegularized(successes + 1, trials - successes, 1 - alpha / 2);
        return new(low, high);
    }

    private static void Check(int successes, int trials)
    {
        if (trials < 0) throw new ArgumentOutOfRangeException(nameof(trials), trials, "trials must be ≥ 0");
        if (successes < 0 || successes > trials)
            throw new ArgumentOutOfRangeException(nameof(successes), successes, $"successes must lie in [0, {trials}]");
    }
}

/// <summary>The special functions the intervals need; internal because only their inverses are exposed.</summary>
internal static class SpecialFunctions
{
    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, n = 9; relative error about 1e-15).</summary>
    public static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        x -= 1;
        double a = Lanczos[0], t = x + 7.5;
        for (int i = 1; i < 9; i++) a += Lanczos[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(a);
    }

    /// <summary>I_x(a, b), the regularized incomplete beta function, by Lentz's continued fraction (a, b &gt; 0).</summary>
    public static double BetaRegularized(double a, double b, double x)
    {
        if (x <= 0) return 0.0;
        if (x >= 1) return 1.0;
        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        // The fraction converges fast for x < (a+1)/(a+b+2); use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) otherwise.
        return x < (a + 1) / (a + b + 2)
            ? front * ContinuedFraction(a, b, x) / a
            : 1.0 - front * ContinuedFraction(b, a, 1 - x) / b;
    }

    /// <summary>The x with I_x(a, b) = p, by bisection (I is increasing in x), to the resolution of doubles.</summary>
    public static double InverseBetaRegularized(double a, double b, double p)
    {
        double lo = 0.0, hi = 1.0;
        for (int i = 0; i < 200; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (mid <= lo || mid >= hi) break;
            if (BetaRegularized(a, b, mid) < p) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    private static double ContinuedFraction(double a, double b, double x)
    {
        const double tiny = 1e-300;
        double c = 1.0, d = 1.0 - (a + b) * x / (a + 1);
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1.0 / d;
        double h = d;
        for (int m = 1; m <= 10_000; m++)
        {
            int m2 = 2 * m;
            double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1.0 + num * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1.0 + num / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1.0 / d;
            h *= d * c;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1.0 + num * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1.0 + num / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1.0 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16) break;
        }
        return h;
    }
}

namespace Overparam.Verify.Engine.Statistics;

/// <summary>
/// A fitted one-covariate logistic model P(success | u) = 1/(1 + e^{−(β₀ + β₁u)}).
/// </summary>
/// <param name="Intercept">β₀.</param>
/// <param name="Slope">β₁.</param>
/// <param name="VarIntercept">Var(β̂₀), from the inverse Fisher information at the estimate.</param>
/// <param name="CovInterceptSlope">Cov(β̂₀, β̂₁).</param>
/// <param name="VarSlope">Var(β̂₁).</param>
/// <param name="LogLikelihood">The binomial log-likelihood at the estimate (without the binomial coefficients).</param>
/// <param name="Iterations">Newton iterations used.</param>
/// <param name="Converged">True when the Newton step fell below the tolerance within the iteration limit.</param>
/// <param name="Firth">True when the estimate maximizes Firth's penalized likelihood ℓ(β) + ½ log det I(β).</param>
/// <param name="Separated">
/// True when the covariate separates successes from failures (quasi-completely), so that the ordinary maximum
/// likelihood estimate does not exist (|β₁| → ∞); only the Firth estimate is then finite.
/// </param>
public sealed record LogisticFit(
    double Intercept,
    double Slope,
    double VarIntercept,
    double CovInterceptSlope,
    double VarSlope,
    double LogLikelihood,
    int Iterations,
    bool Converged,
    bool Firth,
    bool Separated)
{
    /// <summary>The fitted probability at <paramref name="u"/>.</summary>
    public double Probability(double u) => LogisticRegression.Sigmoid(Intercept + Slope * u);

    /// <summary>Standard error of β̂₁.</summary>
    public double SlopeStdError => Math.Sqrt(VarSlope);

    /// <summary>Standard error of β̂₀.</summary>
    public double InterceptStdError => Math.Sqrt(VarIntercept);
}

/// <summary>
/// Logistic regression of grouped binomial data (successes s_j out of t_j at covariate u_j) on one covariate, by
/// Newton's method (equivalently IRLS) with step halving. Standard errors come from the Fisher information
/// I(β) = Σ t_j p_j(1 − p_j)·x_j x_jᵀ, x_j = (1, u_j), at the estimate.
/// <para>With <c>firth: true</c> (the default) the score is Firth's modified score Σ (s_j − t_j p_j + h_j(½ − p_j)) x_j,
/// with h_j the leverages of W^{½}X(XᵀWX)⁻¹XᵀW^{½}: it removes the O(1/t) bias and, unlike the ordinary estimate,
/// stays finite when the data are separated, which a sharp phase transition sampled on a coarse grid usually is.</para>
/// </summary>
public static class LogisticRegression
{
    private const int MaxIterations = 200;
    private const double StepTolerance = 1e-10;

    /// <summary>1/(1 + e^{−z}) without overflow for large |z|.</summary>
    public static double Sigmoid(double z) => z >= 0 ? 1.0 / (1.0 + Math.Exp(-z)) : Math.Exp(z) / (1.0 + Math.Exp(z));

    /// <summary>Fits the model to grouped data; groups with t_j = 0 are ignored.</summary>
    /// <exception cref="InvalidInputException">
    /// Lengths differ, a count is negative or s_j &gt; t_j, a covariate is not finite, fewer than two distinct
    /// covariate values carry trials (the slope is not identifiable), or there are no successes or no failures at all
    /// without Firth's correction.
    /// </exception>
    public static LogisticFit Fit(IReadOnlyList<double> u, IReadOnlyList<int> successes, IReadOnlyList<int> trials, bool firth = true)
    {
        ArgumentNullException.ThrowIfNull(u);
        ArgumentNullException.ThrowIfNull(successes);
        ArgumentNullException.ThrowIfNull(trials);
        if (u.Count != successes.Count || u.Count != trials.Count)
            throw new InvalidInputException(
                $"logistic regression: {u.Count} covariates, {successes.Count} success counts and {trials.Count} trial counts; lengths must agree");
        var xs = new List<double>();
        var ss = new List<double>();
        var ts = new List<double>();
        for (int j = 0; j < u.Count; j++)
        {
            if (trials[j] < 0 || successes[j] < 0 || successes[j] > trials[j])
                throw new InvalidInputException($"logistic regression: group {j} has {successes[j]} successes in {trials[j]} trials");
            if (!double.IsFinite(u[j]))
                throw new InvalidInputException($"logistic regression: covariate of group {j} is {u[j]}; must be finite");
            if (trials[j] == 0) continue;
            xs.Add(u[j]);
            ss.Add(successes[j]);
            ts.Add(trials[j]);
        }
        if (xs.Distinct().Count() < 2)
            throw new InvalidInputException("logistic regression needs trials at two or more distinct covariate values");
        double totalS = ss.Sum(), totalT = ts.Sum();
        if (!firth && (totalS == 0 || totalS == totalT))
            throw new InvalidInputException("logistic regression: all trials succeeded or all failed; the ordinary estimate does not exist (use Firth's)");

        // Centre and scale the covariate so Newton starts well conditioned; map back at the end.
        double mean = xs.Average();
        double scale = Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / xs.Count);
        var z = xs.Select(x => (x - mean) / scale).ToArray();
        var s = ss.ToArray();
        var t = ts.ToArray();

        double b0 = 0, b1 = 0;
        double objective = Objective(z, s, t, b0, b1, firth);
        int iter = 0;
        bool converged = false;
        while (iter < MaxIterations)
        {
            iter++;
            var (g0, g1, i00, i01, i11) = ScoreAndInformation(z, s, t, b0, b1, firth);
            double det = i00 * i11 - i01 * i01;
            if (!(det > 0)) break;
            double d0 = (i11 * g0 - i01 * g1) / det;
            double d1 = (-i01 * g0 + i00 * g1) / det;
            // Step halving: Newton on the (penalized) log-likelihood can overshoot far from the optimum.
            double step = 1.0, next;
            while (true)
            {
                next = Objective(z, s, t, b0 + step * d0, b1 + step * d1, firth);
                if (next >= objective - 1e-12 * Math.Abs(objective) || step < 1e-10) break;
                step *= 0.5;
            }
            b0 += step * d0;
            b1 += step * d1;
            objective = next;
            if (Math.Abs(step * d0) + Math.Abs(step * d1) < StepTolerance)
            {
                converged = true;
                break;
            }
        }

        var (_, _, j00, j01, j11) = ScoreAndInformation(z, s, t, b0, b1, firth: false);
        double jdet = j00 * j11 - j01 * j01;
        double c00 = j11 / jdet, c01 = -j01 / jdet, c11 = j00 / jdet;
        // Back to the original covariate: β₁ = b₁/scale, β₀ = b₀ − b₁·mean/scale, a linear map A with Cov = A C Aᵀ.
        double a10 = -mean / scale, a11 = 1 / scale;
        double slope = b1 / scale, intercept = b0 + a10 * b1;
        double v00 = c00 + 2 * a10 * c01 + a10 * a10 * c11;
        double v01 = a11 * c01 + a10 * a11 * c11;
        double v11 = a11 * a11 * c11;
        return new LogisticFit(intercept, slope, v00, v01, v11, LogLikelihood(z, s, t, b0, b1), iter, converged, firth,
            IsSeparated(xs, ss, ts));
    }

    /// <summary>
    /// True when some threshold splits the covariate so that all successes lie on one side and all failures on the
    /// other (ties at the threshold allowed): the condition under which the ordinary estimate runs off to infinity.
    /// </summary>
    public static bool IsSeparated(IReadOnlyList<double> u, IReadOnlyList<double> successes, IReadOnlyList<double> trials)
    {
        double maxS = double.NegativeInfinity, minS = double.PositiveInfinity;
        double maxF = double.NegativeInfinity, minF = double.PositiveInfinity;
        for (int j = 0; j < u.Count; j++)
        {
            if (successes[j] > 0) { maxS = Math.Max(maxS, u[j]); minS = Math.Min(minS, u[j]); }
            if (trials[j] - successes[j] > 0) { maxF = Math.Max(maxF, u[j]); minF = Math.Min(minF, u[j]); }
        }
        if (double.IsInfinity(maxS) || double.IsInfinity(maxF)) return true;
        return maxS <= minF || maxF <= minS;
    }

    private static double LogLikelihood(double[] z, double[] s, double[] t, double b0, double b1)
    {
        double ll = 0;
        for (int j = 0; j < z.Length; j++)
        {
            double eta = b0 + b1 * z[j];
            // log p = −log(1+e^{−η}), log(1−p) = −log(1+e^{η}), both via a stable softplus.
            ll -= s[j] * Softplus(-eta) + (t[j] - s[j]) * Softplus(eta);
        }
        return ll;
    }

    private static double Objective(double[] z, double[] s, double[] t, double b0, double b1, bool firth)
    {
        double ll = LogLikelihood(z, s, t, b0, b1);
        if (!firth) return ll;
        var (_, _, i00, i01, i11) = ScoreAndInformation(z, s, t, b0, b1, firth: false);
        double det = i00 * i11 - i01 * i01;
        return det > 0 ? ll + 0.5 * Math.Log(det) : double.NegativeInfinity;
    }

    private static (double G0, double G1, double I00, double I01, double I11) ScoreAndInformation(
        double[] z, double[] s, double[] t, double b0, double b1, bool firth)
    {
        double i00 = 0, i01 = 0, i11 = 0;
        var p = new double[z.Length];
        var w = new double[z.Length];
        for (int j = 0; j < z.Length; j++)
        {
            p[j] = Sigmoid(b0 + b1 * z[j]);
            w[j] = t[j] * p[j] * (1 - p[j]);
            i00 += w[j];
            i01 += w[j] * z[j];
            i11 += w[j] * z[j] * z[j];
        }
        double det = i00 * i11 - i01 * i01;
        double g0 = 0, g1 = 0;
        for (int j = 0; j < z.Length; j++)
        {
            double r = s[j] - t[j] * p[j];
            if (firth && det > 0)
            {
                // h_j = w_j·x_jᵀ I⁻¹ x_j with x_j = (1, z_j).
                double q = (i11 - 2 * z[j] * i01 + z[j] * z[j] * i00) / det;
                r += w[j] * q * (0.5 - p[j]);
            }
            g0 += r;
            g1 += r * z[j];
        }
        return (g0, g1, i00, i01, i11);
    }

    private static double Softplus(double x) => x > 0 ? x + double.LogP1(Math.Exp(-x)) : double.LogP1(Math.Exp(x));
}

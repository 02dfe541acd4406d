using System.Globalization;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Convex;

/// <summary>Settings of the <see cref="ConvexProgramSolver"/>.</summary>
public sealed record ConvexSolverOptions
{
    /// <summary>Stop when UpperBound − LowerBound ≤ RelativeGap·max(1, LowerBound). Default 1e-7.</summary>
    public double RelativeGap { get; init; } = 1e-7;

    /// <summary>Iteration cap. Default 200 000.</summary>
    public int MaxIterations { get; init; } = 200_000;

    /// <summary>Bounds are evaluated (and the stop and restart tested) every this many iterations. Default 50.</summary>
    public int CheckEvery { get; init; } = 50;

    /// <summary>
    /// Adaptive restarts to the better of the current iterate and the epoch's average (PDLP, Applegate et al.,
    /// NeurIPS 2021; the criterion below). Default true; false runs plain PDHG (kept for the before/after measurement).
    /// </summary>
    public bool Restarts { get; init; } = true;
}

/// <summary>
/// The independent optimum of P_cvx (the oracle of P5.R1), bracketed by two bounds that need no solver accuracy
/// to be valid: P_cvx* ∈ [LowerBound, UpperBound] whatever the iterate.
/// </summary>
/// <param name="UpperBound">
/// Σᵢ(‖uᵢ‖ + ‖u′ᵢ‖)/γ for the iterate realised as a ReLU network (neuron uᵢ with output +1, u′ᵢ with −1) and γ its
/// minimum margin: a network with margin ≥ 1 and that group norm is a feasible point of P_cvx (papers.md §5.3 mapping),
/// so this bounds P_cvx* over all patterns. +∞ while the iterate does not separate the data.
/// </param>
/// <param name="LowerBound">
/// 1ᵀλ/s for the dual iterate scaled by s = max(1, max over blocks of ‖Xᵀ(±Dᵢdiag(y)λ + (2Dᵢ − I)μ)‖) into the
/// feasible set of the Lagrangian dual of P_cvx over the given patterns: a lower bound on P_cvx* when the
/// patterns are all of them (an exhaustive arrangement), otherwise on the restricted program.
/// </param>
/// <param name="Gap">UpperBound − LowerBound.</param>
/// <param name="U">uᵢ per pattern (positive neurons).</param>
/// <param name="UPrime">u′ᵢ per pattern (negative neurons).</param>
/// <param name="Lambda">The scaled margin multipliers λ/s (dual feasible).</param>
/// <param name="Iterations">PDHG iterations run.</param>
/// <param name="Converged">True when the relative gap was reached before the iteration cap.</param>
public sealed record ConvexProgramSolution(
    double UpperBound,
    double LowerBound,
    double Gap,
    double[][] U,
    double[][] UPrime,
    double[] Lambda,
    int Iterations,
    bool Converged)
{
    /// <summary>Restarts taken (0 with <see cref="ConvexSolverOptions.Restarts"/> off).</summary>
    public int Restarts { get; init; }

    /// <summary>The midpoint of the bracket, the solver's estimate of P_cvx*.</summary>
    public double Value => 0.5 * (UpperBound + LowerBound);
}

/// <summary>
/// Solves (P_cvx) min Σᵢ(‖uᵢ‖ + ‖u′ᵢ‖) s.t. diag(y)Σᵢ DᵢX(uᵢ − u′ᵢ) ≥ 1, (2Dᵢ − I)Xuᵢ ≥ 0, (2Dᵢ − I)Xu′ᵢ ≥ 0
/// (papers.md §5.3) by the primal–dual hybrid gradient method of Chambolle and Pock with the diagonal
/// preconditioning of Pock and Chambolle (ICCV 2011, α = 1): the group soft-threshold is the primal prox, a clamp at 0
/// the dual one. It shares no code with the NNLS path (<see cref="Nnls"/>, <see cref="ConeProjection"/>,
/// <see cref="DualCertificate"/>), so agreement between the two is evidence, not an identity. Each iteration costs
/// O(P·N·d); the bracket [LowerBound, UpperBound] is valid at every iterate.
/// <para>Restarts (<see cref="ConvexSolverOptions.Restarts"/>) follow PDLP's adaptive scheme with the bracket's own
/// duality gap as the merit (both ends are valid bounds for any point, so the gap of a point is a true duality gap, the
/// role PDLP's normalised gap plays): at every check the candidate is whichever of the current iterate and the uniform
/// average since the last restart has the smaller gap; PDHG restarts from it when that gap is ≤ β_sufficient = 0.2 of
/// the gap at the last restart, or ≤ β_necessary = 0.8 of it and larger than at the previous check (progress stalled),
/// or when the epoch has run 0.36 of all iterations so far (the artificial restart). Averages converge at O(1/k) where
/// the last iterate can circle; restarting from them gives the linear rate PDHG has on sharp problems such as this
/// polyhedral-plus-group-norm one.</para>
/// </summary>
public static class ConvexProgramSolver
{
    /// <summary>PDLP's β_sufficient: restart when the candidate's gap fell to this fraction of the gap at the last restart.</summary>
    public const double RestartSufficient = 0.2;

    /// <summary>PDLP's β_necessary: restart at this fraction when the gap has stopped falling since the previous check.</summary>
    public const double RestartNecessary = 0.8;

    /// <summary>PDLP's β_artificial: restart when the epoch is this fraction of all iterations so far.</summary>
    public const double RestartArtificial = 0.36;

    /// <summary>Solves P_cvx over the patterns of <paramref name="arrangement"/>.</summary>
    /// <exception cref="InvalidInputException">Shapes disagree, a label is not ±1, or an option is out of range.</exception>
    public static ConvexProgramSolution Solve(Matrix x, double[] y, HyperplaneArrangement arrangement, ConvexSolverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(arrangement);
        return Solve(x, y, arrangement.Patterns(), options);
    }

    /// <summary>Solves P_cvx over the given patterns (each of length N).</summary>
    public static ConvexProgramSolution Solve(Matrix x, double[] y, bool[][] patterns, ConvexSolverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(patterns);
        options ??= new ConvexSolverOptions();
        if (!(options.RelativeGap > 0)) throw new InvalidInputException($"RelativeGap must be positive, got {options.RelativeGap.ToString("R", CultureInfo.InvariantCulture)}");
        if (options.MaxIterations < 1 || options.CheckEvery < 1) throw new InvalidInputException("MaxIterations and CheckEvery must be ≥ 1");
        int n = x.Rows, d = x.Cols, p = patterns.Length, blocks = 2 * p;
        if (y.Length != n) throw new InvalidInputException($"{y.Length} labels for {n} input rows");
        Training.ReluClassificationObjective.CheckLabels(y);
        if (!x.IsFinite()) throw new InvalidInputException("inputs contain NaN or ±Infinity");
        if (p == 0) throw new InvalidInputException("P_cvx needs at least one pattern");
        foreach (var pat in patterns)
            if (pat.Length != n) throw new InvalidInputException($"a pattern has {pat.Length} entries, X has {n} rows");
        double size = (double)blocks * n;
        ProblemSize.Require($"P_cvx with {p} patterns and N = {n}", size, "the cone multipliers", 4 * size + 4.0 * blocks * d);

        // Block b < P is uᵢ (sign +1), block P + i is u′ᵢ (sign −1), both with pattern i.
        double[] l1 = new double[n];
        for (int k = 0; k < n; k++)
            for (int c = 0; c < d; c++) l1[k] += Math.Abs(x[k, c]);
        var tau = new double[blocks];
        for (int b = 0; b < blocks; b++)
        {
            var pat = patterns[b % p];
            double worst = 0;
            for (int c = 0; c < d; c++)
            {
                double col = 0;
                for (int k = 0; k < n; k++) col += (pat[k] ? 2 : 1) * Math.Abs(x[k, c]);
                worst = Math.Max(worst, col);
            }
            // One step per group (the group prox needs it), the smallest of its columns' Pock–Chambolle steps.
            tau[b] = worst > 0 ? 1 / worst : 1;
        }
        var sigmaMargin = new double[n];
        for (int k = 0; k < n; k++)
        {
            int active = 0;
            for (int i = 0; i < p; i++) if (patterns[i][k]) active++;
            double row = 2.0 * active * l1[k];
            sigmaMargin[k] = row > 0 ? 1 / row : 0;
        }

        var z = new double[blocks * d];
        var zPrev = new double[blocks * d];
        var lam = new double[n];                 // margin multipliers ≥ 0
        var mu = new double[blocks * n];         // cone multipliers ≥ 0
        var t = new double[blocks * n];          // xₖᵀz_b at the extrapolated point
        var margin = new double[n];
        var v = new double[d];
        // Uniform averages of the epoch (since the last restart) and the gaps the restart criterion compares.
        var zAvg = new double[blocks * d];
        var lamAvg = new double[n];
        var muAvg = new double[blocks * n];
        int epochLength = 0, restarts = 0;
        double gapAtRestart = double.PositiveInfinity, candidatePrevious = double.PositiveInfinity;

        double upper = double.PositiveInfinity, lower = 0;
        int it = 0;
        bool converged = false;
        while (it < options.MaxIterations)
        {
            it++;
            Array.Copy(z, zPrev, z.Length);
            // Primal: z_b ← prox_{τ_b‖·‖}(z_b + τ_b (Kᵀ[λ; μ])_b).
            for (int b = 0; b < blocks; b++)
            {
                AdjointBlock(x, y, patterns[b % p], b < p ? 1 : -1, lam, mu.AsSpan(b * n, n), v);
                var zb = z.AsSpan(b * d, d);
                double nz = 0;
                for (int c = 0; c < d; c++)
                {
                    zb[c] += tau[b] * v[c];
                    nz += zb[c] * zb[c];
                }
                nz = Math.Sqrt(nz);
                double shrink = nz > tau[b] ? 1 - tau[b] / nz : 0;
                for (int c = 0; c < d; c++) zb[c] *= shrink;
            }
            // Dual: [λ; μ] ← max(0, [λ; μ] − σ(K(2z⁺ − z) − [1; 0])).
            Array.Clear(margin);
            for (int b = 0; b < blocks; b++)
            {
                var pat = patterns[b % p];
                double sign = b < p ? 1 : -1;
                for (int k = 0; k < n; k++)
                {
                    var xk = x.Row(k);
                    double s = 0;
                    for (int c = 0; c < d; c++) s += xk[c] * (2 * z[b * d + c] - zPrev[b * d + c]);
                    t[b * n + k] = s;
                    if (pat[k]) margin[k] += y[k] * sign * s;
                    if (l1[k] > 0)
                    {
                        double cone = pat[k] ? s : -s;
                        mu[b * n + k] = Math.Max(0, mu[b * n + k] - cone / l1[k]);
                    }
                }
            }
            for (int k = 0; k < n; k++)
                lam[k] = Math.Max(0, lam[k] - sigmaMargin[k] * (margin[k] - 1));

            if (options.Restarts)
            {
                // Running means: avg += (new − avg)/count.
                epochLength++;
                double w = 1.0 / epochLength;
                for (int q = 0; q < z.Length; q++) zAvg[q] += w * (z[q] - zAvg[q]);
                for (int k = 0; k < n; k++) lamAvg[k] += w * (lam[k] - lamAvg[k]);
                for (int q = 0; q < mu.Length; q++) muAvg[q] += w * (mu[q] - muAvg[q]);
            }

            if (it % options.CheckEvery == 0 || it == options.MaxIterations)
            {
                double upNow = PrimalBound(x, y, z, blocks, p, d);
                double loNow = DualBound(x, y, patterns, lam, mu, v, out _);
                upper = Math.Min(upper, upNow);
                lower = Math.Max(lower, loNow);
                if (options.Restarts)
                {
                    double upAvg = PrimalBound(x, y, zAvg, blocks, p, d);
                    double loAvg = DualBound(x, y, patterns, lamAvg, muAvg, v, out _);
                    upper = Math.Min(upper, upAvg);
                    lower = Math.Max(lower, loAvg);
                    bool average = upAvg - loAvg < upNow - loNow;
                    double candidate = average ? upAvg - loAvg : upNow - loNow;
                    // An infinite gap (the point does not separate the data yet) only allows the artificial restart.
                    bool finiteGap = double.IsFinite(candidate);
                    bool restart = (finiteGap && candidate <= RestartSufficient * gapAtRestart)
                        || (finiteGap && candidate <= RestartNecessary * gapAtRestart && candidate > candidatePrevious)
                        || epochLength >= RestartArtificial * it;
                    candidatePrevious = candidate;
                    if (restart)
                    {
                        if (average)
                        {
                            Array.Copy(zAvg, z, z.Length);
                            Array.Copy(lamAvg, lam, n);
                            Array.Copy(muAvg, mu, mu.Length);
                        }
                        Array.Clear(zAvg);
                        Array.Clear(lamAvg);
                        Array.Clear(muAvg);
                        epochLength = 0;
                        gapAtRestart = candidate;
                        candidatePrevious = double.PositiveInfinity;
                        restarts++;
                    }
                }
                if (upper - lower <= options.RelativeGap * Math.Max(1, lower))
                {
                    converged = true;
                    break;
                }
            }
        }
        // The reported primal point and dual point are the last iterate's; the bracket is the best seen.
        double scale;
        DualBound(x, y, patterns, lam, mu, v, out scale);
        var lamScaled = lam.Select(l => l / scale).ToArray();
        var u = new double[p][];
        var up = new double[p][];
        for (int i = 0; i < p; i++)
        {
            u[i] = z.AsSpan(i * d, d).ToArray();
            up[i] = z.AsSpan((p + i) * d, d).ToArray();
        }
        return new ConvexProgramSolution(upper, lower, upper - lower, u, up, lamScaled, it, converged) { Restarts = restarts };
    }

    /// <summary>(Kᵀ[λ; μ])_b = Σₖ (yₖ·sign·Dₖₖλₖ + (2Dₖₖ − 1)μ_bₖ) xₖ.</summary>
    private static void AdjointBlock(Matrix x, double[] y, bool[] pat, double sign, double[] lam, ReadOnlySpan<double> mu, double[] v)
    {
        Array.Clear(v);
        int d = x.Cols;
        for (int k = 0; k < x.Rows; k++)
        {
            double c = (pat[k] ? y[k] * sign * lam[k] : 0) + (pat[k] ? mu[k] : -mu[k]);
            if (c == 0) continue;
            var xk = x.Row(k);
            for (int q = 0; q < d; q++) v[q] += c * xk[q];
        }
    }

    /// <summary>Group norm over the minimum margin of the iterate as a ReLU network; +∞ when it does not separate.</summary>
    private static double PrimalBound(Matrix x, double[] y, double[] z, int blocks, int p, int d)
    {
        double gmin = double.PositiveInfinity, norm = 0;
        for (int b = 0; b < blocks; b++) norm += Math.Sqrt(Blas.Dot(z.AsSpan(b * d, d), z.AsSpan(b * d, d)));
        for (int k = 0; k < x.Rows; k++)
        {
            ReadOnlySpan<double> xk = x.Row(k);
            double f = 0;
            for (int b = 0; b < blocks; b++)
            {
                double s = Blas.Dot(xk, z.AsSpan(b * d, d));
                if (s > 0) f += b < p ? s : -s;
            }
            gmin = Math.Min(gmin, y[k] * f);
        }
        return gmin > 0 ? norm / gmin : double.PositiveInfinity;
    }

    /// <summary>1ᵀλ/s with s = max(1, max_b ‖(Kᵀ[λ; μ])_b‖): the dual objective at the scaled, feasible dual point.</summary>
    private static double DualBound(Matrix x, double[] y, bool[][] patterns, double[] lam, double[] mu, double[] v, out double scale)
    {
        int p = patterns.Length, n = x.Rows;
        scale = 1;
        for (int b = 0; b < 2 * p; b++)
        {
            AdjointBlock(x, y, patterns[b % p], b < p ? 1 : -1, lam, mu.AsSpan(b * n, n), v);
            scale = Math.Max(scale, Math.Sqrt(Blas.Dot(v, v)));
        }
        return lam.Sum() / scale;
    }
}

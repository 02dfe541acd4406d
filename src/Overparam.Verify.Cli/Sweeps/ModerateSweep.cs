using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Statistics;

namespace Overparam.Verify.Cli.Sweeps;

/// <summary>A cell of the sweep grid.</summary>
/// <param name="N">Samples n.</param>
/// <param name="K">Hidden width k.</param>
public readonly record struct Cell(int N, int K);

/// <summary>The grid of a sweep: n values × k values, with a base number of trials per cell.</summary>
/// <param name="Ns">Sample counts, increasing.</param>
/// <param name="Ks">Widths, increasing.</param>
/// <param name="Trials">Trials per cell before refinement.</param>
public sealed record SweepGrid(IReadOnlyList<int> Ns, IReadOnlyList<int> Ks, int Trials)
{
    /// <summary>All cells, n outer and k inner; a cell's position here is its index for sharding.</summary>
    public IReadOnlyList<Cell> Cells() => Ns.SelectMany(n => Ks.Select(k => new Cell(n, k))).ToArray();
}

/// <summary>A deterministic slice i of N (1-based, as Slurm's array indices usually are): the cells whose index c in
/// <see cref="SweepGrid.Cells"/> has c mod N = i − 1. Interleaving spreads cheap and expensive cells over shards.</summary>
/// <param name="Index">1 ≤ i ≤ N.</param>
/// <param name="Count">N ≥ 1.</param>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole grid.</summary>
    public static Shard All => new(1, 1);

    /// <summary>True when this shard owns the cell at <paramref name="cellIndex"/>.</summary>
    public bool Owns(int cellIndex) => cellIndex % Count == Index - 1;

    /// <summary>Parses "i/N".</summary>
    /// <exception cref="InvalidInputException">Malformed, or not 1 ≤ i ≤ N.</exception>
    public static Shard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            || n < 1 || i < 1 || i > n)
            throw new InvalidInputException($"--shard '{text}': expected i/N with 1 ≤ i ≤ N (1-based), e.g. 3/8");
        return new Shard(i, n);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}

/// <summary>Adaptive refinement: extra trials near the fitted boundary until its interval is narrow enough.</summary>
/// <param name="Width">Stop when (High − Low)/c₀ of the 95% interval is at most this.</param>
/// <param name="TrialsPerRound">Trials added to each selected cell per round.</param>
/// <param name="MaxRounds">Upper bound on rounds.</param>
public sealed record RefineOptions(double Width, int TrialsPerRound, int MaxRounds);

/// <summary>One cell's tally.</summary>
/// <param name="N">Samples n.</param>
/// <param name="K">Width k.</param>
/// <param name="D">Input dimension d.</param>
/// <param name="Trials">Trials stored.</param>
/// <param name="Successes">Successful trials.</param>
/// <param name="WilsonLow">Wilson 95% lower limit of the success probability.</param>
/// <param name="WilsonHigh">Wilson 95% upper limit.</param>
/// <param name="TheoryRatio">Median over the cell's trials of the sufficient-condition ratio.</param>
public sealed record CellSummary(int N, int K, int D, int Trials, int Successes, double WilsonLow, double WilsonHigh, double TheoryRatio)
{
    /// <summary>Successes / trials (NaN without trials).</summary>
    public double Fraction => Trials == 0 ? double.NaN : (double)Successes / Trials;

    /// <summary>n/(kd), the covariate of the boundary fit.</summary>
    public double Ratio => (double)N / ((double)K * D);
}

/// <summary>Where a round of refinement stood.</summary>
/// <param name="Round">1-based round.</param>
/// <param name="Boundary">The fit that decided the round (null when none was possible).</param>
/// <param name="Cells">Cells that received more trials.</param>
public sealed record RefineRound(int Round, BoundaryEstimate? Boundary, IReadOnlyList<Cell> Cells);

/// <summary>
/// Runs the P4.R4 sweep: plans the trials of a grid (or a shard of it), skips those already in the store, runs the
/// rest in parallel (one single-threaded trial per worker), stores each as it finishes, and optionally refines.
/// The stored results do not depend on the worker count, the order of completion, interruptions or sharding.
/// </summary>
public static class ModerateSweep
{
    /// <summary>The cells of <paramref name="grid"/> that <paramref name="shard"/> owns.</summary>
    public static IReadOnlyList<Cell> ShardCells(SweepGrid grid, Shard shard)
    {
        ArgumentNullException.ThrowIfNull(grid);
        return grid.Cells().Where((_, i) => shard.Owns(i)).ToArray();
    }

    /// <summary>Trials 0..trials−1 of every cell that the store does not hold yet.</summary>
    public static List<TrialKey> Pending(IEnumerable<Cell> cells, int fromTrial, int toTrial, HashSet<TrialKey> done) =>
        cells.SelectMany(c => Enumerable.Range(fromTrial, toTrial - fromTrial).Select(t => new TrialKey(c.N, c.K, t)))
             .Where(t => !done.Contains(t)).ToList();

    /// <summary>
    /// Runs <paramref name="pending"/> on up to <paramref name="jobs"/> workers, inserting each result in its own
    /// transaction; <paramref name="progress"/> gets (done, total) after each. Returns the number of trials run.
    /// </summary>
    public static int RunTrials(ModerateSweepSpec spec, RunStore store, IReadOnlyList<TrialKey> pending, int jobs,
        Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(pending);
        string key = spec.Key;
        // Largest cells first, so the last workers are not left with one long trial (longest-processing-time order).
        var order = pending.OrderByDescending(t => (long)t.N * t.K).ThenBy(t => t.N).ThenBy(t => t.K).ThenBy(t => t.Trial).ToArray();
        int done = 0;
        progress?.Invoke(0, order.Length);
        try
        {
            Parallel.ForEach(
                Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs), CancellationToken = cancel },
                t =>
                {
                    var r = ModerateTrial.Run(spec, t);
                    store.Insert(key, spec, r);
                    progress?.Invoke(Interlocked.Increment(ref done), order.Length);
                });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Surface the first worker's error as itself, so the CLI's one-line input-error rule still applies.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        return order.Length;
    }

    /// <summary>
    /// Tallies the stored results of <paramref name="cells"/> (trials with index below <paramref name="trialLimit"/>
    /// only, when given), in the order of <paramref name="cells"/>.
    /// </summary>
    public static List<CellSummary> Summaries(IEnumerable<Cell> cells, IReadOnlyList<TrialResult> results, int d, int? trialLimit = null)
    {
        var byCell = results.Where(r => trialLimit is null || r.Key.Trial < trialLimit)
                            .GroupBy(r => new Cell(r.Key.N, r.Key.K))
                            .ToDictionary(g => g.Key, g => g.ToList());
        var list = new List<CellSummary>();
        foreach (var c in cells)
        {
            var rs = byCell.TryGetValue(c, out var l) ? l : [];
            int s = rs.Count(r => r.Success);
            var ci = BinomialInterval.Wilson(s, rs.Count);
            list.Add(new CellSummary(c.N, c.K, d, rs.Count, s, ci.Low, ci.High, Median(rs.Select(r => r.TheoryRatio))));
        }
        return list;
    }

    /// <summary>
    /// The 50% boundary n = c₀·kd from cell tallies (Firth logistic regression on ln(n/(kd)), Fieller interval), or
    /// null with a reason when the cells cannot identify it (fewer than two distinct ratios with trials).
    /// </summary>
    public static (BoundaryEstimate? Boundary, string? Reason) FitBoundary(IEnumerable<CellSummary> cells)
    {
        var pts = cells.Where(c => c.Trials > 0).Select(c => new RatioCount(c.Ratio, c.Successes, c.Trials)).ToArray();
        try
        {
            return (PhaseBoundary.Fit(pts), null);
        }
        catch (InvalidInputException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>
    /// Adaptive refinement after the base trials. Round r fits the boundary on trials with index below
    /// base + (r−1)·T, stops if its interval is narrow enough, and otherwise adds trials base + (r−1)·T .. base + r·T − 1
    /// to the cells whose ratio n/(kd) lies inside the interval (at least the two nearest to c₀ on the log scale).
    /// Because each round reads only trials that earlier rounds decided on, an interrupted refinement resumes into
    /// exactly the same rounds.
    /// </summary>
    public static List<RefineRound> Refine(ModerateSweepSpec spec, RunStore store, IReadOnlyList<Cell> cells, int baseTrials,
        RefineOptions options, int jobs, Action<int, RefineRound, int, int>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        var rounds = new List<RefineRound>();
        for (int round = 1; round <= options.MaxRounds; round++)
        {
            int limit = baseTrials + (round - 1) * options.TrialsPerRound;
            var tallies = Summaries(cells, store.Results(spec.Key), spec.D, limit);
            var (b, _) = FitBoundary(tallies);
            if (b is not null && b.Bounded && (b.High - b.Low) / b.C0 <= options.Width) break;
            var chosen = NearBoundary(tallies, b);
            var rr = new RefineRound(round, b, chosen);
            rounds.Add(rr);
            var pending = Pending(chosen, limit, limit + options.TrialsPerRound, store.CompletedTrials(spec.Key));
            RunTrials(spec, store, pending, jobs, progress is null ? null : (d, t) => progress(round, rr, d, t), cancel);
        }
        return rounds;
    }

    private static List<Cell> NearBoundary(List<CellSummary> tallies, BoundaryEstimate? b)
    {
        if (tallies.Count == 0) return [];
        double center = b is null || !double.IsFinite(b.C0) ? 1.0 : b.C0;
        var inside = b is not null && b.Bounded
            ? tallies.Where(c => c.Ratio >= b.Low && c.Ratio <= b.High).ToList()
            : [];
        var nearest = tallies.OrderBy(c => Math.Abs(Math.Log(c.Ratio / center))).ThenBy(c => c.N).ThenBy(c => c.K).Take(2);
        return inside.Concat(nearest).Select(c => new Cell(c.N, c.K)).Distinct().OrderBy(c => c.N).ThenBy(c => c.K).ToList();
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }
}

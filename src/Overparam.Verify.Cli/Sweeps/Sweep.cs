using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Statistics;

namespace Overparam.Verify.Cli.Sweeps;

/// <summary>The grid of a sweep: one list of canonical values per axis, with a base number of trials per cell.</summary>
/// <param name="Axes">(axis, values) in axis order; the first axis is the outer loop.</param>
/// <param name="Trials">Trials per cell before refinement.</param>
public sealed record SweepGrid(IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Axes, int Trials)
{
    /// <summary>All cells, first axis outermost; a cell's position here is its index for sharding.</summary>
    public IReadOnlyList<Cell> Cells()
    {
        IEnumerable<IReadOnlyList<KeyValuePair<string, string>>> acc = [[]];
        foreach (var (name, values) in Axes)
            acc = acc.SelectMany(prefix => values.Select(v => (IReadOnlyList<KeyValuePair<string, string>>)[.. prefix, KeyValuePair.Create(name, v)]));
        return acc.Select(v => new Cell(v)).ToArray();
    }

    /// <summary>"n ∈ {10, 14}, k ∈ {2, 4}".</summary>
    public string Describe() => string.Join(", ", Axes.Select(a => $"{a.Key} ∈ {{{string.Join(", ", a.Value)}}}"));
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

    /// <summary>Parses "i/N"; null when <paramref name="text"/> is not a valid shard.</summary>
    public static Shard? TryParse(string text)
    {
        try
        {
            return Parse(text);
        }
        catch (InvalidInputException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when some cell index belongs to both shards: c ≡ i − 1 (mod N) and c ≡ j − 1 (mod M) have a common
    /// solution exactly when i − 1 ≡ j − 1 (mod gcd(N, M)) (Chinese remainder theorem). Two shardings of one sweep
    /// that overlap would run the same trials side by side.
    /// </summary>
    public bool Overlaps(Shard other) => (Index - 1) % Gcd(Count, other.Count) == (other.Index - 1) % Gcd(Count, other.Count);

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}

/// <summary>Adaptive refinement: extra trials near the fitted boundary until its interval is narrow enough.</summary>
/// <param name="Width">Stop when (High − Low)/c₀ of the 95% interval is at most this.</param>
/// <param name="TrialsPerRound">Trials added to each selected cell per round.</param>
/// <param name="MaxRounds">Upper bound on rounds.</param>
public sealed record RefineOptions(double Width, int TrialsPerRound, int MaxRounds);

/// <summary>One cell's tally.</summary>
/// <param name="Cell">The cell.</param>
/// <param name="Trials">Trials stored.</param>
/// <param name="Successes">Successful trials.</param>
/// <param name="WilsonLow">Wilson 95% lower limit of the success probability.</param>
/// <param name="WilsonHigh">Wilson 95% upper limit.</param>
/// <param name="Covariate">The boundary covariate u of the cell (NaN when the theorem defines none).</param>
/// <param name="PlotX">x of the cell in the phase diagram.</param>
/// <param name="PlotY">y of the cell in the phase diagram.</param>
/// <param name="Medians">Median over the cell's trials of each metric, in the trial's metric order.</param>
public sealed record CellSummary(Cell Cell, int Trials, int Successes, double WilsonLow, double WilsonHigh, double Covariate,
    double PlotX, double PlotY, IReadOnlyList<KeyValuePair<string, double>> Medians)
{
    /// <summary>Successes / trials (NaN without trials).</summary>
    public double Fraction => Trials == 0 ? double.NaN : (double)Successes / Trials;

    /// <summary>The median of metric <paramref name="name"/> (NaN when absent).</summary>
    public double Median(string name) => Medians.FirstOrDefault(m => m.Key == name, KeyValuePair.Create(name, double.NaN)).Value;
}

/// <summary>Where a round of refinement stood.</summary>
/// <param name="Round">1-based round.</param>
/// <param name="Boundary">The fit that decided the round (null when none was possible).</param>
/// <param name="Cells">Cells that received more trials.</param>
public sealed record RefineRound(int Round, BoundaryEstimate? Boundary, IReadOnlyList<Cell> Cells);

/// <summary>
/// Runs any theorem's sweep: plans the trials of a grid (or a shard of it), skips those already in the store, runs the
/// rest in parallel (one single-threaded trial per worker) through the theorem's own trial function, stores each as
/// it finishes, and optionally refines near the fitted boundary. The stored results do not depend on the worker
/// count, the order of completion, interruptions or sharding.
/// </summary>
public static class Sweep
{
    /// <summary>The cells of <paramref name="grid"/> that <paramref name="shard"/> owns.</summary>
    public static IReadOnlyList<Cell> ShardCells(SweepGrid grid, Shard shard)
    {
        ArgumentNullException.ThrowIfNull(grid);
        return grid.Cells().Where((_, i) => shard.Owns(i)).ToArray();
    }

    /// <summary>Trials fromTrial..toTrial−1 of every cell that the store does not hold yet.</summary>
    public static List<TrialKey> Pending(IEnumerable<Cell> cells, int fromTrial, int toTrial, HashSet<TrialKey> done) =>
        cells.SelectMany(c => Enumerable.Range(fromTrial, toTrial - fromTrial).Select(t => new TrialKey(c, t)))
             .Where(t => !done.Contains(t)).ToList();

    /// <summary>Runs one trial through the theorem's trial function.</summary>
    public static TrialResult RunTrial(SweepSpec spec, TrialKey key)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var clock = Stopwatch.StartNew();
        ulong seed = spec.TrialSeed(key.Cell, key.Trial);
        var outcome = spec.Theorem.RunTrial(spec.ValuesFor(key.Cell, seed), null!);
        return new TrialResult(key, seed, outcome.Status, outcome.Success, spec.MetricsJson(outcome.Metrics), clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Validates every cell through the theorem (before the store is touched) and returns the largest trial's size,
    /// so one memory check covers the workers running at once.
    /// </summary>
    public static Contracts.TrialSize CheckCells(SweepSpec spec, IEnumerable<Cell> cells)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(cells);
        Contracts.TrialSize? largest = null;
        foreach (var c in cells)
        {
            var size = spec.Theorem.TrialSize(spec.ValuesFor(c, spec.Seed));
            if (largest is null || size.TotalDoubles > largest.TotalDoubles) largest = size;
        }
        return largest ?? new Contracts.TrialSize("no cell", 0, "nothing", 0);
    }

    /// <summary>
    /// Runs <paramref name="pending"/> on up to <paramref name="jobs"/> workers, inserting each result in its own
    /// transaction; <paramref name="progress"/> gets (done, total) after each. Returns the number of trials run.
    /// </summary>
    public static int RunTrials(SweepSpec spec, RunStore store, IReadOnlyList<TrialKey> pending, int jobs,
        Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(pending);
        string key = spec.Key;
        // Largest cells first, so the last workers are not left with one long trial (longest-processing-time order):
        // the product of the cell's numeric axis values is the cost proxy.
        var order = pending.OrderByDescending(t => Cost(spec, t.Cell)).ThenBy(t => t.Cell.Json, StringComparer.Ordinal).ThenBy(t => t.Trial).ToArray();
        int done = 0;
        progress?.Invoke(0, order.Length);
        try
        {
            Parallel.ForEach(
                Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs), CancellationToken = cancel },
                t =>
                {
                    var r = RunTrial(spec, t);
                    store.Insert(key, r);
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

    private static double Cost(SweepSpec spec, Cell cell)
    {
        double c = 1;
        foreach (var (name, value) in cell.Values)
            if (SweepSpec.IsNumeric(spec.Option(name))) c *= Math.Abs(double.Parse(value, CultureInfo.InvariantCulture));
        return c;
    }

    /// <summary>
    /// Tallies the stored results of <paramref name="cells"/> (trials with index below <paramref name="trialLimit"/>
    /// only, when given), in the order of <paramref name="cells"/>.
    /// </summary>
    public static List<CellSummary> Summaries(SweepSpec spec, IEnumerable<Cell> cells, IReadOnlyList<TrialResult> results, int? trialLimit = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var byCell = results.Where(r => trialLimit is null || r.Key.Trial < trialLimit)
                            .GroupBy(r => r.Key.Cell)
                            .ToDictionary(g => g.Key, g => g.ToList());
        var cov = spec.Trial.Covariate;
        var list = new List<CellSummary>();
        foreach (var c in cells)
        {
            var rs = byCell.TryGetValue(c, out var l) ? l : [];
            int s = rs.Count(r => r.Success);
            var ci = BinomialInterval.Wilson(s, rs.Count);
            var numbers = spec.NumbersFor(c);
            var metrics = rs.Select(r => SweepSpec.ParseMetrics(r.MetricsJson)).ToList();
            var medians = spec.Trial.Metrics
                .Select(m => KeyValuePair.Create(m.Name, Median(metrics.Select(x => x.GetValueOrDefault(m.Name, double.NaN)))))
                .ToArray();
            double u = cov is null ? double.NaN : cov.Value(numbers);
            double px = cov is null ? Axis(c, 0) : cov.PlotX(numbers);
            double py = cov is null ? (c.Values.Count > 1 ? Axis(c, 1) : 1) : cov.PlotY(numbers);
            list.Add(new CellSummary(c, rs.Count, s, ci.Low, ci.High, u, px, py, medians));
        }
        return list;
    }

    private static double Axis(Cell c, int i) =>
        double.TryParse(c.Values[i].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : i + 1;

    /// <summary>
    /// The 50% boundary u = c₀ from cell tallies (Firth logistic regression on ln u, Fieller interval), or null with a
    /// reason when the theorem defines no covariate or the cells cannot identify it.
    /// </summary>
    public static (BoundaryEstimate? Boundary, string? Reason) FitBoundary(SweepSpec spec, IEnumerable<CellSummary> cells)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Trial.Covariate is null) return (null, $"{spec.Theorem.Id}'s trial defines no boundary covariate");
        var pts = cells.Where(c => c.Trials > 0).Select(c => new RatioCount(c.Covariate, c.Successes, c.Trials)).ToArray();
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
    /// to the cells whose covariate lies inside the interval (at least the two nearest to c₀ on the log scale).
    /// Because each round reads only trials that earlier rounds decided on, an interrupted refinement resumes into
    /// exactly the same rounds.
    /// </summary>
    public static List<RefineRound> Refine(SweepSpec spec, RunStore store, IReadOnlyList<Cell> cells, int baseTrials,
        RefineOptions options, int jobs, Action<int, RefineRound, int, int>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        var rounds = new List<RefineRound>();
        for (int round = 1; round <= options.MaxRounds; round++)
        {
            int limit = baseTrials + (round - 1) * options.TrialsPerRound;
            var tallies = Summaries(spec, cells, store.Results(spec.Key), limit);
            var (b, _) = FitBoundary(spec, tallies);
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
            ? tallies.Where(c => c.Covariate >= b.Low && c.Covariate <= b.High).ToList()
            : [];
        var nearest = tallies.OrderBy(c => Math.Abs(Math.Log(c.Covariate / center))).ThenBy(c => tallies.IndexOf(c)).Take(2);
        var chosen = inside.Concat(nearest).Select(c => c.Cell).Distinct().ToHashSet();
        // Grid order, so the rounds do not depend on how the tallies were sorted.
        return tallies.Select(c => c.Cell).Where(chosen.Contains).ToList();
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }
}

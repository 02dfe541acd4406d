using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Cli.Sweeps;
using Overparam.Verify.Contracts;
using Overparam.Verify.Engine;
using Overparam.Verify.Theory;

namespace Overparam.Verify.Cli.Commands;

/// <summary>
/// <c>overparam sweep moderate|run|merge|report|list</c>: sweeps of any registered theorem's trial over a grid of its
/// options (with <c>moderate</c>, P4.R4's phase transition over (n, k), as a preset), the SQLite run store, shard
/// merging and reporting.
/// </summary>
public static class SweepCommand
{
    /// <summary>Default store file.</summary>
    public const string DefaultStore = "overparam-runs.db";

    /// <summary>
    /// Default n grid: steps of about √2 from 10 to 80, so that the ratios n/(kd) fall between powers of two and the
    /// boundary is not pinned to the grid; with <see cref="DefaultK"/>, 56 cells, about a minute on two cores.
    /// </summary>
    public const string DefaultN = "10,14,20,28,40,56,80";

    /// <summary>Default k grid (even widths, P4.C6).</summary>
    public const string DefaultK = "2,4,6,8,12,16,24,32";


    /// <summary>Default report folder of an unsharded sweep.</summary>
    public const string DefaultOut = "overparam-sweep";

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var run = new Command("run", "Sweep any theorem's trial over a grid of its options (one subcommand per theorem with a trial).");
        foreach (var t in Theorems.All.Where(t => t.Trial is not null))
            run.Add(ForTrial(ctx, t, t.Command, $"{t.Id}: sweep the trial of `certify {t.Command}` over --axis grids. " + CliApp.RunExitHelp, null));
        var p4 = Theorems.Find("P4") ?? throw new InvalidOperationException("P4 is not registered");
        var moderate = ForTrial(ctx, p4, "moderate",
            "P4.R4: success of GD on random labels over a grid of (n, k); fits the boundary n = c₀·kd (a preset of `sweep run moderate --axis n=… --axis k=…`). " + CliApp.RunExitHelp,
            new Dictionary<string, string>(StringComparer.Ordinal) { ["n"] = DefaultN, ["k"] = DefaultK });
        return new Command("sweep", "Parameter sweeps with a resumable SQLite run store.") { moderate, run, Merge(ctx), Report(ctx), List(ctx) };
    }

    /// <summary>
    /// The sweep command of <paramref name="theorem"/>'s trial: one option per trial option, the sweep's own options,
    /// and either <c>--axis name=grid</c> (generic) or fixed axes whose options take grids (<paramref name="presetAxes"/>,
    /// option → default grid).
    /// </summary>
    private static Command ForTrial(CliContext ctx, ITheorem theorem, string name, string description, Dictionary<string, string>? presetAxes)
    {
        var trial = theorem.Trial;
        var options = trial.Options.Select(o =>
        {
            if (o.Kind == OptionKind.Flag)
                return (Spec: o, Option: (Option)new Option<bool>("--" + o.Name) { Description = o.Help });
            bool gridded = presetAxes?.ContainsKey(o.Name) == true;
            string def = gridded ? presetAxes![o.Name] : o.Default;
            var opt = new Option<string>("--" + o.Name)
            {
                // The help shows DefaultValueFactory's value itself; spelling it out here printed it twice.
                Description = o.Help + (gridded ? " (an axis: v | v1,v2 | a:b:step | a:b*factor | a:b)" : ""),
                DefaultValueFactory = _ => def,
            };
            if (o.Kind == OptionKind.Choice && o.Choices.Count > 0) opt.AcceptOnlyFromAmong([.. o.Choices]);
            return (Spec: o, Option: (Option)opt);
        }).ToList();
        string ValueOf(ParseResult parse, Option o) =>
            o is Option<bool> flag ? (parse.GetValue(flag) ? "true" : "false") : parse.GetValue((Option<string>)o) ?? "";
        var axis = new Option<string[]>("--axis")
        {
            Description = $"An axis: name=grid (grid: v | v1,v2 | a:b:step | a:b*factor | a:b); repeat for more axes, the first outermost. Axes: {string.Join(", ", trial.Axes)}",
            AllowMultipleArgumentsPerToken = false,
        };
        var trials = new Option<int>("--trials") { Description = "Trials per cell", DefaultValueFactory = _ => 10 };
        var seed = new Option<ulong>("--seed") { Description = "Run seed (trial seeds derive from it)", DefaultValueFactory = _ => 0UL };
        var store = new Option<string>("--store") { Description = "SQLite run store", DefaultValueFactory = _ => DefaultStore };
        var shard = new Option<string?>("--shard") { Description = "Run only shard i/N of the cells (1-based; cell c belongs to shard c mod N + 1)" };
        var resume = new Option<bool>("--resume") { Description = "Continue a sweep already in the store (skips stored trials)" };
        var output = new Option<string?>("--out") { Description = $"Report folder (default {DefaultOut}; with --shard, no report unless given)" };
        var jobs = new Option<int>("--jobs") { Description = "Parallel workers (default: processor count)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var refineWidth = new Option<double?>("--refine-width") { Description = "Adaptive refinement: add trials near the boundary until (high − low)/c₀ ≤ this" };
        var refineTrials = new Option<int?>("--refine-trials") { Description = "Trials added per selected cell and round (default: --trials)" };
        var refineRounds = new Option<int>("--refine-rounds") { Description = "Maximum refinement rounds", DefaultValueFactory = _ => 5 };
        var maxSeconds = OptionRules.MaxSeconds();
        var cmd = new Command(name, description);
        foreach (var (_, o) in options) cmd.Add(o);
        if (presetAxes is null) cmd.Add(axis);
        foreach (Option o in new Option[] { trials, seed, store, shard, resume, output, jobs, refineWidth, refineTrials, refineRounds, maxSeconds })
            cmd.Add(o);
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(refineWidth) is null)
            {
                OptionRules.RefuseIfGiven(parse, refineTrials, "no --refine-width", "it sets how refinement adds trials");
                OptionRules.RefuseIfGiven(parse, refineRounds, "no --refine-width", "it bounds the refinement rounds");
            }
            // Axes in order: the preset's, or --axis name=grid as given.
            var axisTexts = new List<KeyValuePair<string, string>>();
            if (presetAxes is not null)
            {
                foreach (var (os, o) in options.Where(x => presetAxes.ContainsKey(x.Spec.Name)))
                    axisTexts.Add(KeyValuePair.Create(os.Name, ValueOf(parse, o)));
            }
            else
            {
                foreach (var a in parse.GetValue(axis) ?? [])
                {
                    int eq = a.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0) throw new InvalidInputException($"--axis '{a}': expected name=grid, e.g. --axis n=10:80*2");
                    string an = a[..eq].Trim().TrimStart('-');
                    var o = options.FirstOrDefault(x => x.Spec.Name == an);
                    if (o.Option is null) throw new InvalidInputException($"--axis {an}: {theorem.Command}'s trial has no option '{an}' (axes: {string.Join(", ", trial.Axes)})");
                    if (OptionRules.Given(parse, o.Option)) throw new InvalidInputException($"--{an} is both an axis and a fixed value; give it once");
                    axisTexts.Add(KeyValuePair.Create(an, a[(eq + 1)..]));
                }
            }
            var given = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (os, o) in options)
                if (!axisTexts.Any(x => x.Key == os.Name) && OptionRules.Given(parse, o)) given[os.Name] = ValueOf(parse, o);
            var spec0 = SweepSpec.Create(theorem, axisTexts.Select(x => x.Key).ToArray(), given, parse.GetValue(seed));
            var axes = axisTexts.Select(x =>
            {
                var os = spec0.Option(x.Key);
                IReadOnlyList<string> values = os.Kind is OptionKind.Integer or OptionKind.Long
                    ? GridRange.Parse(x.Value, "--" + x.Key).Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray()
                    : GridRange.ParseReal(x.Value, "--" + x.Key);
                return KeyValuePair.Create(x.Key, values);
            }).ToArray();
            int t = parse.GetValue(trials);
            if (t < 1) throw new InvalidInputException($"--trials {t}: must be at least 1");
            int j = parse.GetValue(jobs);
            if (j < 1) throw new InvalidInputException($"--jobs {j}: must be at least 1");
            var grid = new SweepGrid(axes, t);
            // Every cell is validated by the theorem, and the largest trial times the workers must fit in memory,
            // before the store is touched.
            var allCells = grid.Cells();
            var size = Sweep.CheckCells(spec0, allCells);
            ProblemSize.Require(string.Create(CultureInfo.InvariantCulture, $"sweep {name} with {size.Cell} on {j} worker{(j == 1 ? "" : "s")}"),
                size.LargestArray, size.LargestName, j * size.TotalDoubles);
            var sh = parse.GetValue(shard) is { } s ? Shard.Parse(s) : Shard.All;
            bool sharded = sh.Count > 1;
            RefineOptions? refine = null;
            if (parse.GetValue(refineWidth) is { } w)
            {
                if (!(w > 0) || !double.IsFinite(w)) throw new InvalidInputException($"--refine-width {w}: must be positive");
                if (sharded) throw new InvalidInputException("--refine-width cannot be combined with --shard: merge the shards, then refine the merged store with --resume");
                if (trial.Covariate is null) throw new InvalidInputException($"--refine-width does not apply to {theorem.Command}: its trial defines no boundary covariate to refine");
                int rt = parse.GetValue(refineTrials) ?? t;
                int rr = parse.GetValue(refineRounds);
                if (rt < 1 || rr < 1) throw new InvalidInputException("--refine-trials and --refine-rounds must be at least 1");
                refine = new RefineOptions(w, rt, rr);
            }
            var outDir = parse.GetValue(output) ?? (sharded ? null : DefaultOut);
            var storePath = parse.GetRequiredValue(store);
            if (outDir is not null)
            {
                // An unwritable report folder is found now, not after an hour of trials.
                SweepReport.EnsureFolder(outDir);
                if (!string.IsNullOrWhiteSpace(storePath) && AtomicFile.SamePath(outDir, storePath))
                    throw new OutputPathException($"--out and --store name the same path '{storePath}': the report folder needs its own");
            }
            ctx.StartBudget(parse.GetValue(maxSeconds));

            var spec = spec0;
            using var db = RunStore.Open(storePath);
            db.Claim($"{spec.Key}/{sh}", $"sweep {spec.Key} (shard {sh})",
                key => key.StartsWith(spec.Key + "/", StringComparison.Ordinal)
                    && Shard.TryParse(key[(spec.Key.Length + 1)..]) is Shard other && other.Overlaps(sh));
            CheckResume(db, spec, storePath, parse.GetValue(resume));
            db.EnsureSweep(spec.Key, theorem.Id, spec.ToJson());

            var cells = Sweep.ShardCells(grid, sh);
            var done = db.CompletedTrials(spec.Key);
            var pending = Sweep.Pending(cells, 0, t, done);
            int already = cells.Count * t - pending.Count;
            var clock = Stopwatch.StartNew();
            List<RefineRound> rounds = [];
            // Stopped by the budget or Ctrl-C: the trials stored so far are complete results; say how to go on.
            var resumeCommand = System.Text.RegularExpressions.Regex.Replace(ctx.CommandLine, @" --resume( true| false)?(?= |$)", "") + " --resume";
            ctx.ResumeHint = "no report was written; the trials finished so far are stored in " + storePath + " — resume with: " + resumeCommand;
            CliProgress.Run(ctx, $"sweep {spec.Key}: trials", monitor =>
            {
                void Report(int dn, int tot)
                {
                    monitor.Progress(dn, tot, double.NaN);
                    ctx.CheckDeadline();
                }
                try
                {
                    Sweep.RunTrials(spec, db, pending, j, Report, ctx.Cancellation);
                }
                catch (OperationCanceledException) when (refine is null && !ctx.Interrupted
                    && pending.All(db.CompletedTrials(spec.Key).Contains))
                {
                    // The budget ran out as the last trial finished: every trial is stored, so the sweep is done.
                }
                if (refine is not null)
                    rounds = Sweep.Refine(spec, db, cells, t, refine, j, (round, rr, dn, tot) => Report(dn, tot), ctx.Cancellation);
            });
            ctx.ResumeHint = "";
            double wall = clock.Elapsed.TotalSeconds;

            var summaries = Sweep.Summaries(spec, cells, db.Results(spec.Key));
            var (boundary, note) = Sweep.FitBoundary(spec, summaries);
            var inv = CultureInfo.InvariantCulture;
            var data = new SweepReportData(spec, summaries, boundary, note,
                string.Create(inv, $"{grid.Describe()}, {t} trials asked per cell, shard {sh}"), storePath, wall)
            { CommandLine = ctx.CommandLine, CreatedUtc = ctx.UtcNowIso(), RequestedTrials = t };
            ctx.Out.WriteLine(string.Create(inv, $"sweep        {spec.Key} ({theorem.Id} {theorem.Command}, over {string.Join(" × ", spec.Axes)}, seed {spec.Seed})"));
            ctx.Out.WriteLine(string.Create(inv, $"cells        {cells.Count} (shard {sh}) × {t} trials: {pending.Count} run, {already} already stored, {wall:F1} s"));
            ctx.Out.WriteLine($"trials       {data.TrialsText()}");
            foreach (var r in rounds)
                ctx.Out.WriteLine(string.Create(inv, $"refine       round {r.Round}: {r.Cells.Count} cells near c₀ = {r.Boundary?.C0:G3} got {refine!.TrialsPerRound} more trials"));
            ctx.Out.WriteLine($"boundary     {SweepReport.BoundaryLine(data)}");
            if (outDir is not null)
            {
                SweepReport.Write(outDir, data);
                ctx.Out.WriteLine($"wrote        {Path.Combine(outDir, "report.md")}, report.html, summary.json, phase-diagram.svg");
            }
            return CliApp.ExitOk;
        });
        return cmd;
    }

    private static Command Merge(CliContext ctx)
    {
        var inputs = new Argument<string[]>("stores") { Description = "Run stores to combine", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Merged store (created, or extended if it exists)", Required = true };
        var cmd = new Command("merge", "Union of run stores (e.g. the shards of a cluster job array); conflicting results are an error.") { inputs, output };
        cmd.SetAction(parse =>
        {
            var files = parse.GetRequiredValue(inputs);
            var outPath = parse.GetRequiredValue(output);
            long added = RunStore.Merge(files, outPath);
            using var db = RunStore.Open(outPath, readOnly: true);
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"merged {files.Length} stores into {outPath}: {added} runs added, {db.Count()} runs in {db.Sweeps().Count} sweeps"));
            return CliApp.ExitOk;
        });
        return cmd;
    }

    private static Command Report(CliContext ctx)
    {
        var store = new Option<string>("--store") { Description = "SQLite run store", DefaultValueFactory = _ => DefaultStore };
        var sweep = new Option<string?>("--sweep") { Description = "Sweep key (needed when the store holds several)" };
        var output = new Option<string>("--out") { Description = "Report folder", DefaultValueFactory = _ => DefaultOut };
        var format = new Option<string>("--format") { Description = "Report documents beside summary.json and the diagram: all (report.md and report.html), md or html", DefaultValueFactory = _ => "all" };
        format.AcceptOnlyFromAmong("all", "md", "html");
        var cmd = new Command("report", "Report every cell stored for a sweep (e.g. after merging shards).") { store, sweep, output, format };
        cmd.SetAction(parse =>
        {
            var storePath = parse.GetRequiredValue(store);
            var outDir = parse.GetRequiredValue(output);
            SweepReport.EnsureFolder(outDir);
            using var db = RunStore.Open(storePath, readOnly: true);
            var sweeps = db.Sweeps();
            var wanted = parse.GetValue(sweep);
            StoredSweep chosen = wanted is not null
                ? sweeps.FirstOrDefault(s => s.Key == wanted) ?? throw new InvalidInputException($"{storePath} holds no sweep '{wanted}'; stored: {string.Join(", ", sweeps.Select(s => s.Key))}")
                : sweeps.Count == 1 ? sweeps[0]
                : throw new InvalidInputException($"{storePath} holds {sweeps.Count} sweeps; name one with --sweep ({string.Join(", ", sweeps.Select(s => s.Key))})");
            var spec = SweepSpec.FromJson(chosen.Parameters, storePath);
            var results = db.Results(chosen.Key);
            var cells = StoredCells(spec, results);
            var summaries = Sweep.Summaries(spec, cells, results);
            var (boundary, note) = Sweep.FitBoundary(spec, summaries);
            var axisValues = spec.Axes.Select(a => $"{a} ∈ {{{string.Join(", ", cells.Select(c => c.ValueOf(a)).Distinct())}}}");
            var data = new SweepReportData(spec, summaries, boundary, note,
                string.Create(CultureInfo.InvariantCulture, $"all {cells.Count} stored cells ({string.Join(", ", axisValues)})"), storePath, 0)
            { CommandLine = ctx.CommandLine, CreatedUtc = ctx.UtcNowIso() };
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sweep        {chosen.Key}: {cells.Count} cells, {results.Count} trials"));
            ctx.Out.WriteLine($"trials       {data.TrialsText()}");
            ctx.Out.WriteLine($"boundary     {SweepReport.BoundaryLine(data)}");
            var fmt = parse.GetRequiredValue(format);
            SweepReport.Write(outDir, data, fmt);
            string docs = fmt switch { "md" => "report.md", "html" => "report.html", _ => "report.md, report.html" };
            ctx.Out.WriteLine($"wrote        {outDir}{Path.DirectorySeparatorChar}{docs}, summary.json, phase-diagram.svg");
            return CliApp.ExitOk;
        });
        return cmd;
    }

    // The stored cells in grid order: by each axis's numeric value (or text), first axis outermost.
    private static List<Cell> StoredCells(SweepSpec spec, IReadOnlyList<TrialResult> results)
    {
        IOrderedEnumerable<Cell>? ordered = null;
        var cells = results.Select(r => r.Key.Cell).Distinct().ToList();
        for (int i = 0; i < spec.Axes.Count; i++)
        {
            int a = i;
            Func<Cell, double> num = c => double.TryParse(c.Values[a].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;
            Func<Cell, string> txt = c => c.Values[a].Value;
            ordered = ordered is null ? cells.OrderBy(num).ThenBy(txt, StringComparer.Ordinal) : ordered.ThenBy(num).ThenBy(txt, StringComparer.Ordinal);
        }
        return ordered?.ToList() ?? cells;
    }

    private static Command List(CliContext ctx)
    {
        var store = new Option<string>("--store") { Description = "SQLite run store", DefaultValueFactory = _ => DefaultStore };
        var cmd = new Command("list", "The sweeps in a run store: theorem, parameters, cells, trials and their completion.") { store };
        cmd.SetAction(parse =>
        {
            var storePath = parse.GetRequiredValue(store);
            using var db = RunStore.Open(storePath, readOnly: true);
            var inv = CultureInfo.InvariantCulture;
            foreach (var s in db.Sweeps())
            {
                var results = db.Results(s.Key);
                var perCell = results.GroupBy(r => r.Key.Cell).Select(g => g.Count()).ToArray();
                string counts = perCell.Length == 0 ? "no trials"
                    : perCell.Min() == perCell.Max() ? string.Create(inv, $"{perCell.Length} cells × {perCell[0]} trials")
                    : string.Create(inv, $"{perCell.Length} cells, {perCell.Min()}–{perCell.Max()} trials per cell (incomplete or refined)");
                int ok = results.Count(r => r.Success);
                ctx.Out.WriteLine(string.Create(inv, $"{s.Key}  {s.Kind}  {results.Count} trials ({ok} successes), {counts}"));
                ctx.Out.WriteLine($"    {s.Parameters}");
            }
            return CliApp.ExitOk;
        });
        return cmd;
    }

    private static void CheckResume(RunStore db, SweepSpec spec, string storePath, bool resume)
    {
        var sweeps = db.Sweeps();
        bool present = sweeps.Any(s => s.Key == spec.Key);
        long stored = present ? db.Count(spec.Key) : 0;
        if (!resume && stored > 0)
            throw new InvalidInputException(
                $"{storePath} already holds {stored} trials of this sweep ({spec.Key}); pass --resume to continue it, or choose another --store");
        if (resume && !present)
        {
            var others = sweeps.Where(s => s.Kind == spec.Theorem.Id).ToList();
            if (others.Count > 0)
            {
                // With several stored sweeps, the nearest one is the one the user most likely meant to continue.
                var now = spec.ToJson();
                var nearest = others.MinBy(o => DiffList(o.Parameters, now).Count)!;
                throw new InvalidInputException(
                    $"--resume: {storePath} holds no sweep with these parameters; {Differences(nearest.Parameters, now)}");
            }
        }
    }

    // "stored sweep X differs in d: 20 (now 10), steps: 500 (now 2000)".
    private static string Differences(string stored, string now)
    {
        var diffs = DiffList(stored, now);
        return "the stored sweep differs in " + (diffs.Count > 0 ? string.Join(", ", diffs) : "its key");
    }

    private static List<string> DiffList(string stored, string now)
    {
        using var a = JsonDocument.Parse(stored);
        using var b = JsonDocument.Parse(now);
        var diffs = new List<string>();
        foreach (var p in b.RootElement.EnumerateObject())
        {
            string was = a.RootElement.TryGetProperty(p.Name, out var v) ? v.GetRawText() : "(absent)";
            if (was != p.Value.GetRawText()) diffs.Add($"{p.Name}: {was} (now {p.Value.GetRawText()})");
        }
        return diffs;
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Cli.Sweeps;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Cli.Commands;

/// <summary>
/// <c>overparam sweep moderate|merge|report</c>: the P4.R4 phase-transition sweep over (n, k), its SQLite run store,
/// shard merging and reporting.
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

    /// <summary>Largest n·k·d of a cell (its Jacobian has n rows and kd columns); the limit of <c>certify moderate</c>.</summary>
    public const long MaxCellSize = 200_000_000;

    /// <summary>Default report folder of an unsharded sweep.</summary>
    public const string DefaultOut = "overparam-sweep";

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx) =>
        new("sweep", "Parameter sweeps with a resumable SQLite run store.") { Moderate(ctx), Merge(ctx), Report(ctx) };

    private static Command Moderate(CliContext ctx)
    {
        var n = new Option<string>("--n") { Description = "Sample counts: v | v1,v2 | a:b:step | a:b*factor | a:b (doubling)", DefaultValueFactory = _ => DefaultN };
        var k = new Option<string>("--k") { Description = "Hidden widths (even, P4.C6), same syntax as --n", DefaultValueFactory = _ => DefaultK };
        var d = new Option<int>("--d") { Description = "Input dimension", DefaultValueFactory = _ => 10 };
        var trials = new Option<int>("--trials") { Description = "Trials per cell", DefaultValueFactory = _ => 10 };
        var activation = new Option<string>("--activation") { Description = "Hidden activation (softplus: the smooth case; relu)", DefaultValueFactory = _ => "softplus" };
        activation.AcceptOnlyFromAmong(Activations.AllNames.ToArray());
        var labels = new Option<string>("--labels") { Description = "random (±1, the memorization problem) | teacher", DefaultValueFactory = _ => "random" };
        labels.AcceptOnlyFromAmong("random", "teacher");
        var steps = new Option<long>("--steps") { Description = "GD step budget per trial (needs to grow about linearly with n)", DefaultValueFactory = _ => 5000 };
        var successRatio = new Option<double>("--success-ratio") { Description = "Success: final loss ≤ this × initial loss", DefaultValueFactory = _ => 1e-4 };
        var stepScale = new Option<double>("--step-scale") { Description = "η = scale / λ_max(JJᵀ at init), in (0, 2)", DefaultValueFactory = _ => 1.0 };
        var nu = new Option<double>("--nu") { Description = "Output scale ν of the frozen ±ν/√k layer", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<ulong>("--seed") { Description = "Run seed (trial seeds derive from it)", DefaultValueFactory = _ => 0UL };
        var store = new Option<string>("--store") { Description = "SQLite run store", DefaultValueFactory = _ => DefaultStore };
        var shard = new Option<string?>("--shard") { Description = "Run only shard i/N of the cells (1-based; cell c belongs to shard c mod N + 1)" };
        var resume = new Option<bool>("--resume") { Description = "Continue a sweep already in the store (skips stored trials)" };
        var output = new Option<string?>("--out") { Description = $"Report folder (default {DefaultOut}; with --shard, no report unless given)" };
        var jobs = new Option<int>("--jobs") { Description = "Parallel workers (default: processor count)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var refineWidth = new Option<double?>("--refine-width") { Description = "Adaptive refinement: add trials near the boundary until (high − low)/c₀ ≤ this" };
        var refineTrials = new Option<int?>("--refine-trials") { Description = "Trials added per selected cell and round (default: --trials)" };
        var refineRounds = new Option<int>("--refine-rounds") { Description = "Maximum refinement rounds", DefaultValueFactory = _ => 5 };
        var theory = new Option<string>("--theory-ratio") { Description = "Sufficient-condition ratio recorded per trial", DefaultValueFactory = _ => TheoryRatios.DefaultName };

        var maxSeconds = OptionRules.MaxSeconds();
        var cmd = new Command("moderate", "P4.R4: success of GD on random labels over a grid of (n, k); fits the boundary n = c₀·kd. " + CliApp.RunExitHelp)
        {
            n, k, d, trials, activation, labels, steps, successRatio, stepScale, nu, seed, store, shard, resume, output, jobs,
            refineWidth, refineTrials, refineRounds, theory, maxSeconds,
        };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(refineWidth) is null)
            {
                OptionRules.RefuseIfGiven(parse, refineTrials, "no --refine-width", "it sets how refinement adds trials");
                OptionRules.RefuseIfGiven(parse, refineRounds, "no --refine-width", "it bounds the refinement rounds");
            }
            var spec = new ModerateSweepSpec(
                parse.GetValue(seed), parse.GetValue(d), Activations.Parse(parse.GetRequiredValue(activation)),
                ModerateSweepSpec.ParseLabels(parse.GetRequiredValue(labels)), parse.GetValue(nu), parse.GetValue(steps),
                parse.GetValue(successRatio), parse.GetValue(stepScale), parse.GetRequiredValue(theory));
            spec.Validate();
            var ns = GridRange.Parse(parse.GetRequiredValue(n), "--n");
            var ks = GridRange.Parse(parse.GetRequiredValue(k), "--k");
            foreach (var kv in ks)
                if (kv % 2 != 0)
                    throw new InvalidInputException($"--k: width {kv} must be even (P4.C6: half the output weights +ν/√k, half −ν/√k); e.g. --k 2:64");
            // The Jacobian of the largest cell is n × kd; beyond this it neither fits in memory nor finishes.
            long largest = (long)ns[^1] * ks[^1] * spec.D;
            if (largest > MaxCellSize)
                throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture,
                    $"the largest cell n = {ns[^1]}, k = {ks[^1]}, d = {spec.D} has n·k·d = {largest}, more than {MaxCellSize:G3} (its Jacobian would not fit in memory)"));
            int t = parse.GetValue(trials);
            if (t < 1) throw new InvalidInputException($"--trials {t}: must be at least 1");
            int j = parse.GetValue(jobs);
            if (j < 1) throw new InvalidInputException($"--jobs {j}: must be at least 1");
            // Each worker holds its trial's n×n NTK (and the eigensolver's copy) and n×k activations: refuse a grid
            // whose largest cell would not fit, before the store is touched.
            double nMax = ns[^1], kMax = ks[^1];
            ProblemSize.Require(string.Create(CultureInfo.InvariantCulture, $"sweep moderate with a cell n = {ns[^1]}, k = {ks[^1]} on {j} worker{(j == 1 ? "" : "s")}"),
                nMax * nMax, "the n×n NTK of the largest cell", j * (4 * nMax * nMax + 4 * nMax * kMax + 8 * kMax * spec.D));
            var sh = parse.GetValue(shard) is { } s ? Shard.Parse(s) : Shard.All;
            bool sharded = sh.Count > 1;
            RefineOptions? refine = null;
            if (parse.GetValue(refineWidth) is { } w)
            {
                if (!(w > 0) || !double.IsFinite(w)) throw new InvalidInputException($"--refine-width {w}: must be positive");
                if (sharded) throw new InvalidInputException("--refine-width cannot be combined with --shard: merge the shards, then refine the merged store with --resume");
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

            var grid = new SweepGrid(ns, ks, t);
            using var db = RunStore.Open(storePath);
            db.Claim($"{spec.Key}/{sh}", $"sweep {spec.Key} (shard {sh})");
            CheckResume(db, spec, storePath, parse.GetValue(resume));
            db.EnsureSweep(spec.Key, ModerateSweepSpec.Kind, spec.ToJson());

            var cells = ModerateSweep.ShardCells(grid, sh);
            var done = db.CompletedTrials(spec.Key);
            var pending = ModerateSweep.Pending(cells, 0, t, done);
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
                    ModerateSweep.RunTrials(spec, db, pending, j, Report, ctx.Cancellation);
                }
                catch (OperationCanceledException) when (refine is null && !ctx.Interrupted
                    && pending.All(db.CompletedTrials(spec.Key).Contains))
                {
                    // The budget ran out as the last trial finished: every trial is stored, so the sweep is done.
                }
                if (refine is not null)
                    rounds = ModerateSweep.Refine(spec, db, cells, t, refine, j, (round, rr, dn, tot) => Report(dn, tot), ctx.Cancellation);
            });
            ctx.ResumeHint = "";
            double wall = clock.Elapsed.TotalSeconds;

            var summaries = ModerateSweep.Summaries(cells, db.Results(spec.Key), spec.D);
            var (boundary, note) = ModerateSweep.FitBoundary(summaries);
            var inv = CultureInfo.InvariantCulture;
            ctx.Out.WriteLine(string.Create(inv, $"sweep        {spec.Key} ({ModerateSweepSpec.Kind}, {Activations.Name(spec.Activation)}, d = {spec.D}, seed {spec.Seed})"));
            ctx.Out.WriteLine(string.Create(inv, $"cells        {cells.Count} (shard {sh}) × {t} trials: {pending.Count} run, {already} already stored, {wall:F1} s"));
            foreach (var r in rounds)
                ctx.Out.WriteLine(string.Create(inv, $"refine       round {r.Round}: {r.Cells.Count} cells near c₀ = {r.Boundary?.C0:G3} got {refine!.TrialsPerRound} more trials"));
            WriteBoundary(ctx.Out, boundary, note);
            if (outDir is not null)
            {
                var gridText = string.Create(inv, $"n ∈ {{{string.Join(", ", ns)}}}, k ∈ {{{string.Join(", ", ks)}}}, {t} trials per cell, shard {sh}");
                SweepReport.Write(outDir, new SweepReportData(spec.Key, spec.ToJson(), spec.Seed, summaries, boundary, note,
                    TheoryRatios.Get(spec.TheoryRatio).Description, gridText, storePath, wall)
                { CommandLine = ctx.CommandLine, CreatedUtc = ctx.UtcNowIso() });
                ctx.Out.WriteLine($"wrote        {Path.Combine(outDir, "report.md")}, summary.json, phase-diagram.svg");
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
        var cmd = new Command("report", "Report every cell stored for a sweep (e.g. after merging shards).") { store, sweep, output };
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
            using var p = JsonDocument.Parse(chosen.Parameters);
            int dd = p.RootElement.GetProperty("d").GetInt32();
            ulong sd = p.RootElement.GetProperty("seed").GetUInt64();
            string ratioName = p.RootElement.GetProperty("theoryRatio").GetString()!;
            var results = db.Results(chosen.Key);
            var cells = results.Select(r => new Cell(r.Key.N, r.Key.K)).Distinct().OrderBy(c => c.N).ThenBy(c => c.K).ToList();
            var summaries = ModerateSweep.Summaries(cells, results, dd);
            var (boundary, note) = ModerateSweep.FitBoundary(summaries);
            var ns = cells.Select(c => c.N).Distinct().ToArray();
            var ks = cells.Select(c => c.K).Distinct().ToArray();
            var gridText = string.Create(CultureInfo.InvariantCulture,
                $"all {cells.Count} stored cells (n ∈ {{{string.Join(", ", ns)}}}, k ∈ {{{string.Join(", ", ks)}}}), {results.Count} trials");
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sweep        {chosen.Key}: {cells.Count} cells, {results.Count} trials"));
            WriteBoundary(ctx.Out, boundary, note);
            SweepReport.Write(outDir, new SweepReportData(chosen.Key, chosen.Parameters, sd, summaries, boundary, note,
                TheoryRatios.Get(ratioName).Description, gridText, storePath, 0)
            { CommandLine = ctx.CommandLine, CreatedUtc = ctx.UtcNowIso() });
            ctx.Out.WriteLine($"wrote        {Path.Combine(outDir, "report.md")}, summary.json, phase-diagram.svg");
            return CliApp.ExitOk;
        });
        return cmd;
    }

    private static void CheckResume(RunStore db, ModerateSweepSpec spec, string storePath, bool resume)
    {
        var sweeps = db.Sweeps();
        bool present = sweeps.Any(s => s.Key == spec.Key);
        long stored = present ? db.Count(spec.Key) : 0;
        if (!resume && stored > 0)
            throw new InvalidInputException(
                $"{storePath} already holds {stored} trials of this sweep ({spec.Key}); pass --resume to continue it, or choose another --store");
        if (resume && !present)
        {
            var others = sweeps.Where(s => s.Kind == ModerateSweepSpec.Kind).ToList();
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

    private static void WriteBoundary(TextWriter o, Engine.Statistics.BoundaryEstimate? b, string? note)
    {
        var inv = CultureInfo.InvariantCulture;
        if (b is null)
            o.WriteLine($"boundary     none: {note}");
        else if (b.Bounded)
            o.WriteLine(string.Create(inv, $"boundary     n = c₀·kd, c₀ = {b.C0:G4}, 95% interval [{b.Low:G4}, {b.High:G4}] (Fieller){(b.Fit.Separated ? ", separated cells: Firth estimate" : "")}"));
        else
            o.WriteLine(string.Create(inv, $"boundary     n = c₀·kd, c₀ = {b.C0:G4}, 95% interval unbounded (slope not significant)"));
    }
}

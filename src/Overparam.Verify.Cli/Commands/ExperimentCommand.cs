using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Contracts;
using Overparam.Verify.Theory;

namespace Overparam.Verify.Cli.Commands;

/// <summary>
/// <c>overparam experiment &lt;name&gt; [options] [--out DIR] [--max-seconds S]</c>: one subcommand per experiment a
/// registered theorem defines, generated from its option specs; runs it and writes DIR/experiment.json and
/// DIR/report.html as one set. Nothing here knows which theorem an experiment belongs to.
/// </summary>
public static class ExperimentCommand
{
    /// <summary>The exit codes of <c>experiment</c>.</summary>
    public const string ExitHelp = "Exit codes: 0 done, 2 bad input, 5 --max-seconds exceeded, 130 interrupted.";

    /// <summary>Builds the <c>experiment</c> command with one subcommand per registered experiment.</summary>
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("experiment", "Run a paper's experiment (figures with percentile bands, speed-ups, measurements).");
        foreach (var t in Theorems.All)
            foreach (var e in t.Experiments)
                cmd.Add(ForExperiment(ctx, t, e));
        return cmd;
    }

    private static Command ForExperiment(CliContext ctx, ITheorem t, ExperimentInfo e)
    {
        var cmd = new Command(e.Name, $"{e.Title}: {e.Description}. {ExitHelp}");
        var options = e.Options.Select(s => (Spec: s, Option: CertifyCommand.OptionOf(s))).ToList();
        foreach (var (_, o) in options) cmd.Add(o);
        var outDir = new Option<string>("--out") { Description = "Output folder for experiment.json and report.html", DefaultValueFactory = _ => "experiment-" + e.Name };
        var maxSeconds = OptionRules.MaxSeconds();
        cmd.Add(outDir);
        cmd.Add(maxSeconds);
        cmd.SetAction(parse =>
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (spec, option) in options)
            {
                if (!OptionRules.Given(parse, option)) continue;
                values[spec.Name] = option is Option<bool> flag
                    ? (parse.GetValue(flag) ? "true" : "false")
                    : parse.GetValue((Option<string>)option) ?? "";
            }
            var dir = parse.GetRequiredValue(outDir);
            AtomicFile.EnsureFolderLocation(dir, "--out");
            ctx.StartBudget(parse.GetValue(maxSeconds));
            var clock = Stopwatch.StartNew();
            var result = CliProgress.Run(ctx, $"experiment {e.Name}", monitor => t.RunExperiment(e.Name, values, monitor));
            result = result with
            {
                Provenance = result.Provenance with { Invocation = new Invocation(ctx.CommandLine, ctx.UtcNowIso()) },
            };
            AtomicFile.WriteSet(dir, "--out",
                [("experiment.json", CertificateJson.SerializeExperiment(result)), ("report.html", ExperimentReport.Html(result))]);
            ExperimentReport.WriteSummary(ctx.Out, result);
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {Path.Combine(dir, "experiment.json")} and report.html ({clock.Elapsed.TotalSeconds:F1} s)"));
            return CliApp.ExitOk;
        });
        return cmd;
    }
}

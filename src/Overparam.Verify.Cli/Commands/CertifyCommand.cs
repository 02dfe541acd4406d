using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Contracts;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Theory;

namespace Overparam.Verify.Cli.Commands;

/// <summary>
/// <c>overparam certify &lt;theorem&gt; [options] [--out DIR] [--max-seconds S]</c>: one subcommand per registered
/// theorem, generated from its option specs; checks the theorem on one instance and writes DIR/certificate.json
/// (schema 2), DIR/report.md and DIR/report.html as one set.
/// </summary>
public static class CertifyCommand
{
    /// <summary>The default output folder of a theorem's certificate.</summary>
    public static string DefaultOut(ITheorem theorem)
    {
        ArgumentNullException.ThrowIfNull(theorem);
        return "certificate-" + theorem.Command;
    }

    /// <summary>Builds the <c>certify</c> command with one subcommand per registered theorem.</summary>
    public static Command Create(CliContext ctx)
    {
        var certify = new Command("certify", "Check a theorem on an instance and write a certificate (see `overparam theorems`).");
        foreach (var t in Theorems.All) certify.Add(ForTheorem(ctx, t));
        return certify;
    }

    /// <summary>The System.CommandLine option of a spec: flags are booleans, everything else text the theorem parses.</summary>
    internal static Option OptionOf(OptionSpec spec)
    {
        string help = spec.Help + (spec.Kind != OptionKind.Flag && spec.Default.Length > 0 ? $" [default: {spec.Default}]" : "");
        if (spec.Kind == OptionKind.Flag) return new Option<bool>("--" + spec.Name) { Description = help };
        var o = new Option<string>("--" + spec.Name) { Description = help };
        if (spec.Kind == OptionKind.Choice && spec.Choices.Count > 0) o.AcceptOnlyFromAmong([.. spec.Choices]);
        return o;
    }

    private static Command ForTheorem(CliContext ctx, ITheorem t)
    {
        var cmd = new Command(t.Command, $"{t.Id}: {t.Title}. {CliApp.CertifyExitHelp}");
        var options = t.Options.Select(s => (Spec: s, Option: OptionOf(s))).ToList();
        foreach (var (_, o) in options) cmd.Add(o);
        var outDir = new Option<string>("--out") { Description = "Output folder for certificate.json, report.md and report.html", DefaultValueFactory = _ => DefaultOut(t) };
        var maxSeconds = OptionRules.MaxSeconds();
        cmd.Add(outDir);
        cmd.Add(maxSeconds);
        cmd.SetAction(parse =>
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var given = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (spec, option) in options)
            {
                if (!OptionRules.Given(parse, option)) continue;
                given.Add(spec.Name);
                values[spec.Name] = option is Option<bool> flag
                    ? (parse.GetValue(flag) ? "true" : "false")
                    : parse.GetValue((Option<string>)option) ?? "";
            }
            string Value(OptionSpec s) => values.TryGetValue(s.Name, out var v) ? v : s.Default;

            // Options that would be silently ignored are refused: generated-data options with --data, and options
            // that apply only with certain values of another (--lr with --optimizer flow).
            string dataPath = values.GetValueOrDefault("data", "");
            foreach (var (spec, _) in options)
            {
                if (!given.Contains(spec.Name)) continue;
                if (spec.GeneratedDataOnly && dataPath.Length > 0)
                    throw new InvalidInputException($"--{spec.Name} does not apply with --data: {spec.NotApplicableReason}");
                if (spec.OnlyWith is { } cond)
                {
                    var other = t.Options.First(s => s.Name == cond.Name);
                    string v = Value(other).Trim().ToLowerInvariant();
                    if (!cond.Values.Contains(v))
                        throw new InvalidInputException($"--{spec.Name} does not apply with --{cond.Name} {v}: {spec.NotApplicableReason}");
                }
            }
            var dir = parse.GetRequiredValue(outDir);
            AtomicFile.EnsureFolderLocation(dir, "--out");
            Dataset? data = dataPath.Length > 0 ? Inputs.LoadData(dataPath) : null;
            string source = dataPath.Length > 0 ? Path.GetFileName(Path.TrimEndingDirectorySeparator(dataPath)) : "";
            ctx.StartBudget(parse.GetValue(maxSeconds));

            // The theorem validates every option before computing, and nothing is written until it returns.
            var clock = Stopwatch.StartNew();
            var certificate = CliProgress.Run(ctx, $"certify {t.Command}", monitor => t.Certify(values, data!, source, monitor));
            return Write(ctx, certificate, dir, clock.Elapsed.TotalSeconds);
        });
        return cmd;
    }

    // The files are written as one set only after the whole certificate exists: a full disk leaves none of them.
    private static int Write(CliContext ctx, Certificate certificate, string dir, double seconds)
    {
        certificate = certificate with
        {
            Provenance = certificate.Provenance with { Invocation = new Invocation(ctx.CommandLine, ctx.UtcNowIso()) },
        };
        var json = CertificateJson.Serialize(certificate);
        var model = ReportModel.From(certificate);
        AtomicFile.WriteSet(dir, "--out",
            [("certificate.json", json), ("report.md", CertificateReport.Markdown(model)), ("report.html", HtmlReport.Render(model))]);

        CertificateReport.WriteSummary(ctx.Out, model);
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {Path.Combine(dir, "certificate.json")}, report.md and report.html ({seconds:F1} s)"));
        return CliApp.ExitCodeOf(certificate.Verdict.Kind);
    }
}

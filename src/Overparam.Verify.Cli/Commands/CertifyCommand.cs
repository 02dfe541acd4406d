using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Certificates;
using Overparam.Verify.Engine.IO;
using Overparam.Verify.Theory;

namespace Overparam.Verify.Cli.Commands;

/// <summary>
/// <c>overparam certify local-pl [--n 8 --d 16 --widths 16,16 --activation tanh --optimizer gd|flow --output-scale a
/// --radius r --lr η --steps N --seed S --data d.csv] --out DIR</c>: checks P2 (Chatterjee's local PL criterion with
/// positive initialization) on one instance and writes DIR/certificate.json and DIR/report.md.
/// <c>overparam certify moderate [--n 20 --d 10 --k 200 --activation softplus --nu 1 --optimizer gd|sgd --lr η
/// --steps N --trials T --seed S --data d.csv --normalize] --out DIR</c> does the same for P4 (Oymak and
/// Soltanolkotabi's moderate overparameterization of shallow networks).
/// </summary>
public static class CertifyCommand
{
    /// <summary>The default output folder of <c>certify local-pl</c>.</summary>
    public const string DefaultOut = "certificate-local-pl";

    /// <summary>The default output folder of <c>certify moderate</c>.</summary>
    public const string DefaultModerateOut = "certificate-moderate";

    /// <summary>Builds the <c>certify</c> command with its subcommands.</summary>
    public static Command Create(CliContext ctx) =>
        new("certify", "Check a theorem on an instance and write a certificate.") { LocalPl(ctx), Moderate(ctx) };

    private static Command LocalPl(CliContext ctx)
    {
        var defaults = new P2Options();
        var n = new Option<int>("--n") { Description = "Samples of the generated data", DefaultValueFactory = _ => defaults.N };
        var d = new Option<int>("--d") { Description = "Input dimension of the generated data (P2.C1 needs d ≥ n)", DefaultValueFactory = _ => defaults.D };
        var widths = new Option<string>("--widths") { Description = "Hidden widths, comma-separated", DefaultValueFactory = _ => "16,16" };
        var activation = new Option<string>("--activation") { Description = "identity | tanh | sigmoid | softplus | erf (relu, gelu, cos fail P2.C2)", DefaultValueFactory = _ => defaults.Activation };
        var optimizer = new Option<string>("--optimizer") { Description = "gd | flow", DefaultValueFactory = _ => defaults.Optimizer };
        var outputScale = new Option<double?>("--output-scale") { Description = "Output weight a of the positive initialization (default: 3·a_min)" };
        var radius = new Option<double?>("--radius") { Description = "Radius r of the ball (default: best certified margin below the smallest hidden weight)" };
        var lr = new Option<double?>("--lr") { Description = "GD step size η (default: 1/β̂ at w₀)" };
        var steps = new Option<long>("--steps") { Description = "Step budget (accepted integrator steps for flow)", DefaultValueFactory = _ => defaults.MaxSteps };
        var seed = new Option<ulong>("--seed") { Description = "Run seed for data, initialization and power iteration", DefaultValueFactory = _ => 0UL };
        var data = new Option<string?>("--data") { Description = "Data file instead of generated data (CSV with a 'y' column, or a folder with X.npy and y.npy)" };
        var noCompare = new Option<bool>("--no-compare") { Description = "Skip the Xavier/He comparison runs (P2.R7)" };
        var outDir = new Option<string>("--out") { Description = "Output folder for certificate.json and report.md", DefaultValueFactory = _ => DefaultOut };
        var maxSeconds = OptionRules.MaxSeconds();
        var cmd = new Command("local-pl", "P2: Chatterjee's local PL criterion with positive initialization. " + CliApp.ExitCodeHelp)
        {
            n, d, widths, activation, optimizer, outputScale, radius, lr, steps, seed, data, noCompare, outDir, maxSeconds,
        };
        cmd.SetAction(parse =>
        {
            var dir = parse.GetRequiredValue(outDir);
            var dataPath = parse.GetValue(data);
            RefuseWithData(parse, dataPath, n, d);
            if (parse.GetRequiredValue(optimizer).Trim().Equals("flow", StringComparison.OrdinalIgnoreCase))
                OptionRules.RefuseIfGiven(parse, lr, "--optimizer flow", "the flow integrator chooses its own steps");
            AtomicFile.EnsureFolderLocation(dir, "--out");
            ctx.StartBudget(parse.GetValue(maxSeconds));
            var options = new P2Options
            {
                N = parse.GetValue(n),
                D = parse.GetValue(d),
                Widths = ParseWidths(parse.GetRequiredValue(widths)),
                Activation = parse.GetRequiredValue(activation),
                Optimizer = parse.GetRequiredValue(optimizer),
                OutputScale = parse.GetValue(outputScale),
                Radius = parse.GetValue(radius),
                LearningRate = parse.GetValue(lr),
                MaxSteps = parse.GetValue(steps),
                Seed = parse.GetValue(seed),
                Data = dataPath is null ? null : Inputs.LoadData(dataPath),
                DataSource = dataPath is null ? "" : Path.GetFileName(Path.TrimEndingDirectorySeparator(dataPath)),
                Compare = !parse.GetValue(noCompare),
            };
            // Certify validates every input before computing, and nothing is written until it returns.
            var clock = Stopwatch.StartNew();
            var certificate = CliProgress.Run(ctx, "certify local-pl", monitor => P2Facade.Certify(options with { Monitor = monitor }));
            return Write(ctx, certificate, ReproduceCommand(options, dataPath, dir), dir, clock.Elapsed.TotalSeconds);
        });
        return cmd;
    }

    private static Command Moderate(CliContext ctx)
    {
        var defaults = new P4Options();
        var n = new Option<int>("--n") { Description = "Samples of the generated data (unit-sphere inputs, ±1 labels)", DefaultValueFactory = _ => defaults.N };
        var d = new Option<int>("--d") { Description = "Input dimension of the generated data", DefaultValueFactory = _ => defaults.D };
        var k = new Option<int>("--k") { Description = "Hidden width k (even)", DefaultValueFactory = _ => defaults.K };
        var activation = new Option<string>("--activation") { Description = "softplus | tanh | sigmoid | erf | gelu | cos | identity (relu fails the smooth-case P4.C3)", DefaultValueFactory = _ => defaults.Activation };
        var nu = new Option<double>("--nu") { Description = "Output scale ν: v has entries ±ν/√k", DefaultValueFactory = _ => defaults.Nu };
        var optimizer = new Option<string>("--optimizer") { Description = "gd | sgd (one sample per step)", DefaultValueFactory = _ => defaults.Optimizer };
        var lr = new Option<double?>("--lr") { Description = "Step size η (default: 1/β² for gd, 1/(nβ²) for sgd; β = B₁‖v‖‖X‖)" };
        var steps = new Option<long>("--steps") { Description = "Step budget per run", DefaultValueFactory = _ => defaults.MaxSteps };
        var trials = new Option<int>("--trials") { Description = "SGD: seeds the expectation is taken over", DefaultValueFactory = _ => defaults.Trials };
        var seed = new Option<ulong>("--seed") { Description = "Run seed for data, initialization, sampling and power iteration", DefaultValueFactory = _ => 0UL };
        var data = new Option<string?>("--data") { Description = "Data file instead of generated data (CSV with a 'y' column, or a folder with X.npy and y.npy); rows must be unit norm (P4.C6)" };
        var normalize = new Option<bool>("--normalize") { Description = "Scale the rows of --data to unit norm first" };
        var outDir = new Option<string>("--out") { Description = "Output folder for certificate.json and report.md", DefaultValueFactory = _ => DefaultModerateOut };
        var maxSeconds = OptionRules.MaxSeconds();
        var cmd = new Command("moderate", "P4: Oymak and Soltanolkotabi's moderate overparameterization of shallow networks. " + CliApp.ExitCodeHelp)
        {
            n, d, k, activation, nu, optimizer, lr, steps, trials, seed, data, normalize, outDir, maxSeconds,
        };
        cmd.SetAction(parse =>
        {
            var dir = parse.GetRequiredValue(outDir);
            var dataPath = parse.GetValue(data);
            bool norm = parse.GetValue(normalize);
            if (norm && dataPath is null) throw new InvalidInputException("--normalize needs --data (generated inputs are already unit norm)");
            RefuseWithData(parse, dataPath, n, d);
            if (!parse.GetRequiredValue(optimizer).Trim().Equals("sgd", StringComparison.OrdinalIgnoreCase))
                OptionRules.RefuseIfGiven(parse, trials, $"--optimizer {parse.GetRequiredValue(optimizer)}", "trials are averaged for sgd only (gd is deterministic)");
            AtomicFile.EnsureFolderLocation(dir, "--out");
            ctx.StartBudget(parse.GetValue(maxSeconds));
            var options = new P4Options
            {
                N = parse.GetValue(n),
                D = parse.GetValue(d),
                K = parse.GetValue(k),
                Activation = parse.GetRequiredValue(activation),
                Nu = parse.GetValue(nu),
                Optimizer = parse.GetRequiredValue(optimizer),
                LearningRate = parse.GetValue(lr),
                MaxSteps = parse.GetValue(steps),
                Trials = parse.GetValue(trials),
                Seed = parse.GetValue(seed),
                Data = dataPath is null ? null : Inputs.LoadData(dataPath),
                DataSource = dataPath is null ? "" : Path.GetFileName(Path.TrimEndingDirectorySeparator(dataPath)),
                Normalize = norm,
            };
            // Certify validates every input before computing, and nothing is written until it returns.
            var clock = Stopwatch.StartNew();
            var certificate = CliProgress.Run(ctx, "certify moderate", monitor => P4Facade.Certify(options with { Monitor = monitor }));
            return Write(ctx, certificate, ReproduceCommand(options, dataPath, dir), dir, clock.Elapsed.TotalSeconds);
        });
        return cmd;
    }

    // --n and --d describe generated data; with --data they would be silently ignored.
    private static void RefuseWithData(ParseResult parse, string? dataPath, Option<int> n, Option<int> d)
    {
        if (dataPath is null) return;
        OptionRules.RefuseIfGiven(parse, n, "--data", "n is the number of rows of the data file");
        OptionRules.RefuseIfGiven(parse, d, "--data", "d is the number of feature columns of the data file");
    }

    // Both files are written as one set only after the whole certificate exists: a full disk leaves neither.
    private static int Write(CliContext ctx, Engine.Certificates.Certificate certificate, string command, string dir, double seconds)
    {
        certificate = certificate with
        {
            Provenance = certificate.Provenance with { Invocation = new Invocation(ctx.CommandLine, ctx.UtcNowIso()) },
        };
        var jsonPath = Path.Combine(dir, "certificate.json");
        var reportPath = Path.Combine(dir, "report.md");
        var json = CertificateJson.Serialize(certificate);
        var report = CertificateReport.Markdown(certificate, command);
        AtomicFile.WriteSet(dir, "--out", [("certificate.json", json), ("report.md", report)]);

        CertificateReport.WriteSummary(ctx.Out, certificate);
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {jsonPath} and {reportPath} ({seconds:F1} s)"));
        return CliApp.ExitCodeOf(certificate.Verdict);
    }

    /// <summary>Parses "16,16" into widths; anything else is an input error naming the text.</summary>
    public static int[] ParseWidths(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                throw new InvalidInputException($"--widths: \"{text}\" is not a comma-separated list of positive integers (e.g. 16,16)");
        }
        return widths;
    }

    private static string ReproduceCommand(P2Options o, string? dataPath, string dir)
    {
        static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var parts = new List<string> { "overparam certify local-pl" };
        if (dataPath is null) parts.Add($"--n {o.N} --d {o.D}");
        else parts.Add($"--data {Quote(dataPath)}");
        parts.Add($"--widths {string.Join(",", o.Widths)} --activation {o.Activation} --optimizer {o.Optimizer}");
        if (o.OutputScale is double a) parts.Add($"--output-scale {R(a)}");
        if (o.Radius is double r) parts.Add($"--radius {R(r)}");
        if (o.LearningRate is double eta) parts.Add($"--lr {R(eta)}");
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"--steps {o.MaxSteps} --seed {o.Seed}"));
        if (!o.Compare) parts.Add("--no-compare");
        parts.Add($"--out {Quote(dir)}");
        return string.Join(" ", parts);
    }

    private static string ReproduceCommand(P4Options o, string? dataPath, string dir)
    {
        static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var parts = new List<string> { "overparam certify moderate" };
        if (dataPath is null) parts.Add($"--n {o.N} --d {o.D}");
        else parts.Add($"--data {Quote(dataPath)}{(o.Normalize ? " --normalize" : "")}");
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"--k {o.K} --activation {o.Activation} --nu {R(o.Nu)} --optimizer {o.Optimizer}"));
        if (o.LearningRate is double eta) parts.Add($"--lr {R(eta)}");
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"--steps {o.MaxSteps}"));
        if (o.Optimizer.Trim().Equals("sgd", StringComparison.OrdinalIgnoreCase)) parts.Add(string.Create(CultureInfo.InvariantCulture, $"--trials {o.Trials}"));
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"--seed {o.Seed}"));
        parts.Add($"--out {Quote(dir)}");
        return string.Join(" ", parts);
    }

    private static string Quote(string s) => s.Contains(' ') ? $"\"{s}\"" : s;
}

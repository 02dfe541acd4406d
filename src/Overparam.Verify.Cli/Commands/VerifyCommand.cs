using System.CommandLine;
using System.Globalization;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Contracts;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.IO;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Theory;

namespace Overparam.Verify.Cli.Commands;

/// <summary>
/// <c>overparam verify CERT.json [--data FILE]</c>: checks the content hash, re-runs the theorem from the recorded
/// options and seed, and compares everything. Same build on the same kind of machine: the certificates must agree
/// byte for byte (apart from the invocation). Otherwise every number within <see cref="CrossMachine"/> and every
/// verdict, status and holds exactly, with a table of the fields that differ.
/// </summary>
public static class VerifyCommand
{
    /// <summary>
    /// Agreement of a number re-computed on another machine or build: kernels on another SIMD path round differently,
    /// and training amplifies round-off over thousands of steps, so far more than one ulp but far less than any
    /// margin a verdict rests on.
    /// </summary>
    public static Tolerance CrossMachine => new(1e-10, 1e-6);

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var file = new Argument<string>("certificate") { Description = "A certificate.json written by `overparam certify`" };
        var data = new Option<string?>("--data") { Description = "The data file, when it is not at the path recorded in the certificate" };
        var maxSeconds = OptionRules.MaxSeconds();
        var cmd = new Command("verify", "Re-run a certificate and compare every number. " + CliApp.VerifyExitHelp) { file, data, maxSeconds };
        cmd.SetAction(parse =>
        {
            string path = parse.GetRequiredValue(file);
            string text = ReadText(path);
            // The hash is checked on the raw bytes first: an edit that also breaks the JSON is still an edit.
            bool matches = CertificateJson.HashMatches(text, out var stored, out var actual);
            if (stored.Length > 0 && !matches)
            {
                ctx.Out.WriteLine($"tampered: {path}: content hash {stored} does not match its bytes ({actual})");
                return CliApp.ExitVerifyTampered;
            }
            var recorded = Parse(path, text);
            if (stored.Length == 0)
            {
                ctx.Out.WriteLine($"tampered: {path}: the content hash was removed");
                return CliApp.ExitVerifyTampered;
            }
            var theorem = Theorems.Find(recorded.Theorem.Id)
                ?? throw new InvalidInputException($"{path}: unknown theorem '{recorded.Theorem.Id}' (this tool has: {string.Join(", ", Theorems.All.Select(t => t.Id))})");
            ctx.StartBudget(parse.GetValue(maxSeconds));

            var values = recorded.Options.ToDictionary(o => o.Name, o => o.Value, StringComparer.Ordinal);
            string dataPath = parse.GetValue(data) ?? values.GetValueOrDefault("data", "");
            Dataset? dataset = null;
            string source = "";
            if (dataPath.Length > 0)
            {
                if (!File.Exists(dataPath) && !Directory.Exists(dataPath))
                {
                    ctx.Out.WriteLine($"cannot re-run: data file '{dataPath}' not found (give its location with --data FILE)");
                    return CliApp.ExitVerifyCannotRerun;
                }
                dataset = Inputs.LoadData(dataPath);
                var hash = ContentHash.OfDataset(dataset);
                if (hash != recorded.Provenance.DataSha256)
                {
                    ctx.Out.WriteLine($"cannot re-run: data file '{dataPath}' has SHA-256 {hash}, the certificate was made from {recorded.Provenance.DataSha256}");
                    return CliApp.ExitVerifyCannotRerun;
                }
                source = Path.GetFileName(Path.TrimEndingDirectorySeparator(dataPath));
                values["data"] = recorded.Option("data") ?? dataPath;
            }
            var rerun = CliProgress.Run(ctx, $"re-running {theorem.Id} ({theorem.Command})", m => theorem.Certify(values, dataset!, source, m));

            bool sameBuild = recorded.Provenance.SameMachineAndBuild(rerun.Provenance);
            var differences = Compare(recorded, rerun, sameBuild ? new Tolerance(0, 0) : CrossMachine);
            bool identical = Canonical(recorded) == Canonical(rerun);
            var o = ctx.Out;
            o.WriteLine($"certificate  {path} ({recorded.Theorem.Id}, seed {recorded.Seed}, verdict {CertificateReport.Name(recorded.Verdict.Kind)})");
            o.WriteLine($"content hash ok ({stored})");
            o.WriteLine(sameBuild
                ? "machine      same build and machine kind: bytes must agree"
                : $"machine      recorded on {recorded.Provenance.CpuModel} ({recorded.Provenance.SimdPath}, {recorded.Provenance.SourceCommit}), re-run on {rerun.Provenance.CpuModel} ({rerun.Provenance.SimdPath}, {rerun.Provenance.SourceCommit}): numbers within {CrossMachine.Relative:G} relative");
            if (differences.Count == 0 && (identical || !sameBuild))
            {
                o.WriteLine(identical ? "verified     byte-identical re-run" : "verified     every verdict, status and number agrees within tolerance");
                return CliApp.ExitOk;
            }
            o.WriteLine($"differs      {differences.Count} field(s){(sameBuild && differences.Count == 0 ? " (bytes differ outside the numbers)" : "")}");
            o.WriteLine($"{"field",-48} {"recorded",24} {"re-run",24}");
            foreach (var d in differences.Take(40)) o.WriteLine($"{d.Field,-48} {d.Recorded,24} {d.Rerun,24}");
            if (differences.Count > 40) o.WriteLine($"... and {differences.Count - 40} more");
            return CliApp.ExitVerifyDiffers;
        });
        return cmd;
    }

    /// <summary>Reads a certificate file; a missing file, a non-certificate or malformed JSON is an input error.</summary>
    public static Certificate Read(string path, out string text)
    {
        text = ReadText(path);
        return Parse(path, text);
    }

    private static string ReadText(string path)
    {
        if (Directory.Exists(path)) throw new InvalidInputException($"{path} is a folder; give its certificate.json");
        if (!File.Exists(path)) throw new InvalidInputException($"{path}: no such file");
        try
        {
            // Decoded without stripping a byte-order mark, so that even an added BOM changes the hashed text.
            return new System.Text.UTF8Encoding(false).GetString(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"{path}: cannot read: {e.Message}");
        }
    }

    private static Certificate Parse(string path, string text)
    {
        try
        {
            return CertificateJson.Deserialize(text);
        }
        catch (CertificateFormatException e)
        {
            // A readable schema-2 file whose hash does not match was edited; anything else is not a certificate.
            throw new CertificateFormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>A field that differs between the recorded certificate and its re-run.</summary>
    public sealed record Difference(string Field, string Recorded, string Rerun);

    /// <summary>The certificate's canonical bytes without its invocation: what two identical runs share.</summary>
    public static string Canonical(Certificate c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return CertificateJson.Serialize(c with { Provenance = c.Provenance with { Invocation = null }, ContentHash = "" });
    }

    /// <summary>Every field in which <paramref name="b"/> differs from <paramref name="a"/>: verdicts, statuses and holds exactly, numbers within <paramref name="tol"/>.</summary>
    public static List<Difference> Compare(Certificate a, Certificate b, Tolerance tol)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var diffs = new List<Difference>();
        void Exact<T>(string field, T x, T y)
        {
            if (!EqualityComparer<T>.Default.Equals(x, y)) diffs.Add(new(field, Str(x), Str(y)));
        }
        void Num(string field, double x, double y)
        {
            bool same = (double.IsNaN(x) && double.IsNaN(y)) || x.Equals(y) || tol.Accepts(x, y);
            if (!same) diffs.Add(new(field, Str(x), Str(y)));
        }
        // Text is compared exactly on every path: a forger who edits a role, a reason or a statement and recomputes
        // the (unkeyed) hash must still be caught by the re-run.
        Exact("theorem", a.Theorem, b.Theorem);
        Exact("reproduce", a.Reproduce, b.Reproduce);
        Exact("options", string.Join(";", a.Options.Select(o => o.Name + "=" + o.Value)), string.Join(";", b.Options.Select(o => o.Name + "=" + o.Value)));
        Exact("verdict", a.Verdict.Kind, b.Verdict.Kind);
        Exact("verdict.reason", a.Verdict.Reason, b.Verdict.Reason);
        Exact("verdict.notApplicable", string.Join(",", a.Verdict.NotApplicable), string.Join(",", b.Verdict.NotApplicable));
        Exact("notChecked", string.Join(";", a.NotChecked.Select(x => x.Id + ":" + x.Reason)), string.Join(";", b.NotChecked.Select(x => x.Id + ":" + x.Reason)));
        Exact("provenance.dataSha256", a.Provenance.DataSha256, b.Provenance.DataSha256);
        Exact("provenance.modelSha256", a.Provenance.ModelSha256, b.Provenance.ModelSha256);
        Exact("verdict.established", string.Join(",", a.Verdict.Established), string.Join(",", b.Verdict.Established));
        Exact("verdict.evaluated", string.Join(",", a.Verdict.Evaluated), string.Join(",", b.Verdict.Evaluated));
        Exact("seed", a.Seed, b.Seed);
        Exact("conditions.count", a.Conditions.Count, b.Conditions.Count);
        foreach (var (x, y) in a.Conditions.Zip(b.Conditions))
        {
            string f = $"conditions[{x.Id}]";
            Exact(f + ".id", x.Id, y.Id);
            Exact(f + ".role", x.Role, y.Role);
            Exact(f + ".statement", x.Statement, y.Statement);
            Exact(f + ".reason", x.Reason, y.Reason);
            Num(f + ".margin", x.Margin, y.Margin);
            Num(f + ".value", x.Value, y.Value);
            Num(f + ".threshold", x.Threshold, y.Threshold);
            Exact(f + ".status", x.Status, y.Status);
            Exact(f + ".holds", x.Holds, y.Holds);
            Exact(f + ".outcome", x.Outcome, y.Outcome);
        }
        Exact("predictions.count", a.Predictions.Count, b.Predictions.Count);
        foreach (var (x, y) in a.Predictions.Zip(b.Predictions))
        {
            string f = $"predictions[{x.Id}]";
            Exact(f + ".id", x.Id, y.Id);
            Exact(f + ".role", x.Role, y.Role);
            Exact(f + ".sense", x.Sense, y.Sense);
            Exact(f + ".statement", x.Statement, y.Statement);
            Num(f + ".slack", x.Slack, y.Slack);
            Num(f + ".bound", x.Bound, y.Bound);
            Num(f + ".observed", x.Observed, y.Observed);
            Exact(f + ".status", x.Status, y.Status);
            Exact(f + ".holds", x.Holds, y.Holds);
        }
        foreach (var g in a.Quantities)
        {
            var h = b.Quantities.FirstOrDefault(q => q.Name == g.Name);
            if (h is null) { diffs.Add(new($"quantities[{g.Name}]", "present", "missing")); continue; }
            foreach (var q in g.Values)
            {
                var r = h.Values.FirstOrDefault(v => v.Name == q.Name);
                if (r is null) { diffs.Add(new($"quantities[{g.Name}].{q.Name}", "present", "missing")); continue; }
                Num($"quantities[{g.Name}].{q.Name}", q.Value, r.Value);
                Exact($"quantities[{g.Name}].{q.Name}.status", q.Status, r.Status);
            }
        }
        // Groups and columns are compared in both directions: an added one is as much a difference as a removed one.
        Exact("quantities.groups", string.Join(",", a.Quantities.Select(g => g.Name + ":" + string.Join("|", g.Values.Select(v => v.Name)))),
            string.Join(",", b.Quantities.Select(g => g.Name + ":" + string.Join("|", g.Values.Select(v => v.Name)))));
        Exact("trace.columns", string.Join(",", a.Trace.Columns.Select(c => $"{c.Name}:{c.Role}:{c.Status}")),
            string.Join(",", b.Trace.Columns.Select(c => $"{c.Name}:{c.Role}:{c.Status}")));
        Exact("trace.plots", string.Join(";", a.Trace.Plots), string.Join(";", b.Trace.Plots));
        foreach (var col in a.Trace.Columns)
        {
            var other = b.Trace.Column(col.Name);
            if (other is null || other.Values.Length != col.Values.Length)
            {
                diffs.Add(new($"trace.{col.Name}.length", col.Values.Length.ToString(CultureInfo.InvariantCulture), other?.Values.Length.ToString(CultureInfo.InvariantCulture) ?? "missing"));
                continue;
            }
            for (int i = 0; i < col.Values.Length; i++) Num($"trace.{col.Name}[{i}]", col.Values[i], other.Values[i]);
        }
        Exact("trace.spectra", string.Join(",", a.Trace.Spectra.Select(x => $"{x.Name}:{x.Status}:{x.Values.Length}")),
            string.Join(",", b.Trace.Spectra.Select(x => $"{x.Name}:{x.Status}:{x.Values.Length}")));
        foreach (var sp in a.Trace.Spectra)
        {
            var other = b.Trace.Spectra.FirstOrDefault(x => x.Name == sp.Name);
            if (other is null || other.Values.Length != sp.Values.Length) continue;   // reported by trace.spectra above
            for (int i = 0; i < sp.Values.Length; i++) Num($"spectra.{sp.Name}[{i}]", sp.Values[i], other.Values[i]);
        }
        return diffs;
    }

    private static string Str<T>(T v) => v switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        null => "null",
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };
}

using System.Globalization;
using System.Text;
using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Output;

/// <summary>
/// The text forms of a <see cref="ReportModel"/>: the console table and report.md (report.html is
/// <see cref="HtmlReport"/>). Nothing here knows a theorem: rows, quantity groups, trace plots and the reproduce command
/// all come from the certificate.
/// </summary>
public static class CertificateReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Prints the tables (conditions and predictions with their roles), the summary groups and the verdict.</summary>
    public static void WriteSummary(TextWriter o, Certificate c) => WriteSummary(o, ReportModel.From(c));

    /// <summary>Prints the tables (conditions and predictions with their roles), the summary groups and the verdict.</summary>
    public static void WriteSummary(TextWriter o, ReportModel m)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(m);
        var c = m.Certificate;
        o.WriteLine($"{c.Theorem.Id}: {c.Theorem.Title}");
        // Each row names its role, so that a "no" under a consistent verdict reads as what it is (a measurement, a
        // premise of an estimated bound) rather than as a contradiction.
        o.WriteLine($"{"id",-7} {"role",-17} {"status",-10} {"value",13} {"threshold",13}  {"holds",-6} verdict");
        foreach (var r in m.Conditions)
            o.WriteLine($"{r.Id,-7} {Name(r.Role),-17} {Name(r.Status),-10} {G(r.Value),13} {G(r.Limit),13}  {YesNo(r.Holds),-6} {r.Outcome}{Note(r)}");
        o.WriteLine($"{"id",-7} {"role",-17} {"status",-10} {"observed",13} {"bound",13}  holds");
        foreach (var p in m.Predictions)
            o.WriteLine($"{p.Id,-7} {Name(p.Role),-17} {Name(p.Status),-10} {G(p.Value),13} {G(p.Limit),13}  {YesNo(p.Holds),-6}{Note(p)}".TrimEnd());
        foreach (var g in c.Quantities.Where(g => g.Summary))
            o.WriteLine($"{g.Name}: " + string.Join(", ", g.Values.Select(q => $"{q.Name} = {G(q.Value)} ({Name(q.Status)})")));
        o.WriteLine($"verdict: {m.VerdictName} ({c.Verdict.Reason})");
    }

    private static string Note(ReportRow r) => r.RoleNote.Length > 0 ? $" ({r.RoleNote})" : "";

    private static string YesNo(bool b) => b ? "yes" : "no";

    /// <summary>The Markdown report: verdict, statement, instance, quantity groups, checks with roles and status, plots, reproduce command, provenance.</summary>
    public static string Markdown(Certificate c) => Markdown(ReportModel.From(c));

    /// <summary>The Markdown report: verdict, statement, instance, quantity groups, checks with roles and status, plots, reproduce command, provenance.</summary>
    public static string Markdown(ReportModel m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var c = m.Certificate;
        var sb = new StringBuilder();
        var t = c.Theorem;
        sb.AppendLine($"# {t.Id} — {t.Title}").AppendLine();
        sb.AppendLine($"**Verdict: `{m.VerdictName}`** — {Esc(c.Verdict.Reason)}").AppendLine();
        sb.AppendLine($"Established: {List(c.Verdict.Established)}. Bounds evaluated: {List(c.Verdict.Evaluated)}. Not applicable to this run: {List(c.Verdict.NotApplicable)}.").AppendLine();
        sb.AppendLine($"Reference: {t.Reference}.").AppendLine();
        sb.AppendLine("## Theorem").AppendLine().AppendLine(t.Statement).AppendLine();

        sb.AppendLine("## Instance").AppendLine().AppendLine("| option | value |").AppendLine("|---|---|");
        foreach (var opt in c.Options) sb.AppendLine($"| `--{opt.Name}` | {(opt.Value.Length == 0 ? "(default)" : Esc(opt.Value))} |");
        sb.AppendLine().AppendLine($"Seed {c.Seed}. Data SHA-256 `{c.Provenance.DataSha256}`; initial model SHA-256 `{c.Provenance.ModelSha256}`.").AppendLine();

        foreach (var g in c.Quantities)
        {
            sb.AppendLine($"## {Esc(g.Title)}").AppendLine().AppendLine("| quantity | value | status | how |").AppendLine("|---|---|---|---|");
            foreach (var q in g.Values) sb.AppendLine($"| {Esc(q.Name)} | {G(q.Value)} | {Name(q.Status)} | {Esc(q.Description)} |");
            sb.AppendLine();
        }

        sb.AppendLine("## Conditions").AppendLine().AppendLine("Role: a *hypothesis* decides the verdict; a *premise* only the bounds that rest on it; a *measurement* is reported, never asserted.").AppendLine();
        sb.AppendLine("| id | role | statement | value | threshold | status | holds | outcome |").AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in m.Conditions)
            sb.AppendLine($"| {r.Id} | {Name(r.Role)} | {Esc(r.Statement)} | {G(r.Value)} | {G(r.Limit)} | {Name(r.Status)} | {YesNo(r.Holds)} | {r.Outcome}{(r.Reason.Length > 0 ? ": " + Esc(r.Reason) : "")} |");
        sb.AppendLine().AppendLine("## Predictions").AppendLine().AppendLine("Role: a *bound* can refute when its status is exact or certified; a *conditional-bound* or an estimated bound can only make the verdict inconclusive; a *measurement* is reported.").AppendLine();
        sb.AppendLine("| id | role | statement | bound | observed | slack | status | holds | note |").AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var p in m.Predictions)
            sb.AppendLine($"| {p.Id} | {Name(p.Role)} ({p.Sense}) | {Esc(p.Statement)} | {G(p.Limit)} | {G(p.Value)} | {G(p.Slack)} | {Name(p.Status)} | {YesNo(p.Holds)} | {Esc(p.Reason)} |");
        foreach (var n in c.NotChecked) sb.AppendLine().Append($"Not checked: {n.Id} — {Esc(n.Reason)}.");
        sb.AppendLine().AppendLine();

        // Only the certificate's own plots: report.html draws every observed column, the text report keeps to these.
        foreach (var plot in m.Plots.Where(p => p.FromCertificate))
        {
            var (x, observed, bound) = (plot.X, plot.Observed, plot.Bound);
            sb.AppendLine($"## {Esc(plot.Title)}").AppendLine();
            sb.AppendLine($"log₁₀ {observed.Name} ({Name(observed.Status)}) against {x.Name}: `*` observed{(bound is null ? "" : $", `.` {bound.Name} ({Name(bound.Status)}), `#` both")}.").AppendLine();
            sb.AppendLine("```").Append(AsciiPlot(x.Values, observed.Values, bound?.Values ?? new double[x.Values.Length].Select(_ => double.NaN).ToArray())).AppendLine("```").AppendLine();
        }

        sb.AppendLine("## Reproduce").AppendLine().AppendLine("```").AppendLine(c.Reproduce).AppendLine("```").AppendLine();
        sb.AppendLine($"Re-check this certificate (re-runs it and compares every number): `{m.VerifyCommand}`.").AppendLine();
        var pv = c.Provenance;
        sb.AppendLine("## Provenance").AppendLine();
        sb.AppendLine($"overparam {pv.ToolVersion}{(pv.SourceCommit.Length > 0 ? $" (commit {pv.SourceCommit})" : "")}, {pv.DotnetVersion}, {pv.Os}.");
        sb.AppendLine($"CPU {pv.CpuModel}, {pv.ProcessorCount} processors, kernels on the {pv.SimdPath} path ({pv.VectorWidthBits}-bit vectors). Seed {c.Seed}. Certificate schema `{c.Schema}`.");
        if (pv.Invocation is { } inv) sb.AppendLine().AppendLine($"Written {inv.CreatedUtc} by `{inv.CommandLine}`.");
        return sb.ToString();
    }

    /// <summary>A 64×16 character plot of log₁₀ of two series against x.</summary>
    public static string AsciiPlot(double[] x, double[] observed, double[] envelope, int width = 64, int height = 16)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(envelope);
        var logs = observed.Concat(envelope).Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10).ToArray();
        if (x.Length == 0 || logs.Length == 0) return "(no data)\n";
        double yMax = logs.Max();
        double yMin = observed.Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10).DefaultIfEmpty(yMax - 1).Min() - 1;
        if (yMax - yMin < 1e-9) yMin = yMax - 1;
        double xMin = x[0], xMax = x[^1];
        if (!(xMax > xMin)) xMax = xMin + 1;
        var grid = new char[height, width];
        for (int r = 0; r < height; r++) for (int col = 0; col < width; col++) grid[r, col] = ' ';
        void Put(double xv, double v, char ch)
        {
            if (!(v > 0) || !double.IsFinite(v)) return;
            double ly = Math.Max(Math.Log10(v), yMin);
            int col = (int)Math.Round((xv - xMin) / (xMax - xMin) * (width - 1));
            int row = (int)Math.Round((yMax - ly) / (yMax - yMin) * (height - 1));
            if (col < 0 || col >= width || row < 0 || row >= height) return;
            char cur = grid[row, col];
            grid[row, col] = cur == ' ' || cur == ch ? ch : '#';
        }
        for (int k = 0; k < x.Length; k++)
        {
            Put(x[k], envelope[k], '.');
            Put(x[k], observed[k], '*');
        }
        var sb = new StringBuilder();
        for (int r = 0; r < height; r++)
        {
            double label = yMax - r * (yMax - yMin) / (height - 1);
            sb.Append(string.Create(Inv, $"{label,7:F2} |"));
            for (int col = 0; col < width; col++) sb.Append(grid[r, col]);
            sb.Append('\n');
        }
        sb.Append(' ', 8).Append('+').Append('-', width).Append('\n');
        sb.Append(string.Create(Inv, $"{"",8} {G(xMin)}")).Append(' ', Math.Max(1, width - 2 * 12)).Append(string.Create(Inv, $"{G(xMax),12}\n"));
        return sb.ToString();
    }

    /// <summary>The name a certificate writes for an enum member ("hypotheses-not-met").</summary>
    public static string Name<T>(T value) where T : struct, Enum => ContractNames.Of(value);

    private static string List(IReadOnlyList<string> ids) => ids.Count == 0 ? "none" : string.Join(", ", ids);

    private static string G(double v) => ReportModel.G(v);

    private static string Esc(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
}

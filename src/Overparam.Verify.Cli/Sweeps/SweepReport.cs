using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Contracts;
using Overparam.Verify.Engine.Statistics;

namespace Overparam.Verify.Cli.Sweeps;

/// <summary>Everything a sweep report says.</summary>
/// <param name="Spec">The sweep (theorem, axes, fixed options, seed).</param>
/// <param name="Cells">Cell tallies in grid order.</param>
/// <param name="Boundary">The fitted 50% boundary, or null.</param>
/// <param name="BoundaryNote">Why there is no boundary, or null.</param>
/// <param name="Grid">A description of the grid/shard that produced the report.</param>
/// <param name="StorePath">The run store.</param>
/// <param name="WallSeconds">Time this command spent running trials.</param>
public sealed record SweepReportData(
    SweepSpec Spec,
    IReadOnlyList<CellSummary> Cells,
    BoundaryEstimate? Boundary,
    string? BoundaryNote,
    string Grid,
    string StorePath,
    double WallSeconds)
{
    /// <summary>The command line that wrote the report (provenance).</summary>
    public string CommandLine { get; init; } = "";

    /// <summary>UTC time the report was written, ISO 8601 (provenance).</summary>
    public string CreatedUtc { get; init; } = "";

    /// <summary>The trials the grid asked for per cell; a cell with fewer makes the report say it is incomplete.</summary>
    public int? RequestedTrials { get; init; }

    /// <summary>"3 trials per cell", "3–6 trials per cell", with "incomplete" when cells fall short of the request.</summary>
    public string TrialsText()
    {
        if (Cells.Count == 0) return "no cells";
        int lo = Cells.Min(c => c.Trials), hi = Cells.Max(c => c.Trials);
        string per = lo == hi ? $"{lo} trials per cell" : $"{lo}–{hi} trials per cell";
        int total = Cells.Sum(c => c.Trials);
        string text = string.Create(CultureInfo.InvariantCulture, $"{per}, {total} trials stored");
        if (RequestedTrials is { } t && lo < t)
            text += string.Create(CultureInfo.InvariantCulture,
                $"; INCOMPLETE: {Cells.Count(c => c.Trials < t)} of {Cells.Count} cells have fewer than the {t} trials asked for");
        return text;
    }
}

/// <summary>Writes DIR/report.md, DIR/summary.json and DIR/phase-diagram.svg, each atomically; no theorem names.</summary>
public static class SweepReport
{
    private const int TitleValueLength = 12;

    /// <summary>Format tag of summary.json.</summary>
    public const string SummaryFormat = "overparam.sweep-summary/2";

    /// <summary>File names written into the output folder.</summary>
    public static readonly string[] Files = ["report.md", "report.html", "summary.json", "phase-diagram.svg"];

    /// <summary>
    /// Creates <paramref name="dir"/> if needed (its parent must exist) and writes summary.json, phase-diagram.svg and
    /// the report documents <paramref name="format"/> names: "all" (report.md and report.html), "md" or "html".
    /// </summary>
    /// <exception cref="OutputPathException">The parent folder does not exist, or a file cannot be written.</exception>
    public static void Write(string dir, SweepReportData data, string format = "all")
    {
        ArgumentNullException.ThrowIfNull(data);
        var files = new List<(string, string)> { ("summary.json", SummaryJson(data)), ("phase-diagram.svg", Svg(data)) };
        if (format is "all" or "md") files.Add(("report.md", Markdown(data)));
        if (format is "all" or "html") files.Add(("report.html", Html(data)));
        // Created only now, so a run that fails on its input leaves no empty report folder behind; the files are one
        // set, so a full disk leaves the previous set or none, never a mix.
        AtomicFile.WriteSet(dir, "--out", files);
    }

    /// <summary>The phase diagram of <paramref name="data"/>.</summary>
    public static string Svg(SweepReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var cov = data.Spec.Trial.Covariate;
        var axes = data.Spec.Axes;
        string x = cov?.PlotXLabel ?? (axes.Count > 0 ? axes[0] : "cell");
        string y = cov?.PlotYLabel ?? (axes.Count > 1 ? axes[1] : "(one row)");
        return PhaseDiagramSvg.Render(data.Cells, data.Boundary, Title(data), x, y, cov);
    }

    /// <summary>Fails before any work when <paramref name="dir"/> cannot be created.</summary>
    /// <exception cref="OutputPathException">Parent missing, or the path is a file.</exception>
    public static void EnsureFolder(string dir) => AtomicFile.EnsureFolderLocation(dir, "--out");

    // "P4 phase diagram over n × k: activation softplus, labels random, d = 10": the fixed choices and integers.
    private static string Title(SweepReportData d)
    {
        var spec = d.Spec;
        var fixedText = spec.Trial.Options
            // Short fixed choices and integers only: the full parameters are in the report, the title must fit the plot.
            .Where(o => spec.Fixed.TryGetValue(o.Name, out var v) && v.Length <= TitleValueLength && o.Kind is OptionKind.Choice or OptionKind.Integer)
            .Select(o => o.Kind == OptionKind.Choice ? $"{o.Name} {spec.Fixed[o.Name]}" : $"{o.Name} = {spec.Fixed[o.Name]}");
        return $"{spec.Theorem.Id} phase diagram over {string.Join(" × ", spec.Axes)}: {string.Join(", ", fixedText)}";
    }

    /// <summary>summary.json: cells, boundary, seed, parameters and provenance.</summary>
    public static string SummaryJson(SweepReportData d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var spec = d.Spec;
        var cov = spec.Trial.Covariate;
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", SummaryFormat);
            w.WriteString("theorem", spec.Theorem.Id);
            w.WriteString("trial", spec.Theorem.Command);
            w.WriteString("sweepKey", spec.Key);
            w.WriteNumber("seed", spec.Seed);
            w.WritePropertyName("parameters");
            using (var doc = JsonDocument.Parse(spec.ToJson())) doc.RootElement.WriteTo(w);
            w.WriteStartArray("axes");
            foreach (var a in spec.Axes) w.WriteStringValue(a);
            w.WriteEndArray();
            w.WriteString("grid", d.Grid);
            w.WriteString("trials", d.TrialsText());
            if (cov is null) w.WriteNull("covariate");
            else w.WriteString("covariate", cov.Name);
            w.WriteStartArray("metrics");
            foreach (var m in spec.Trial.Metrics)
            {
                w.WriteStartObject();
                w.WriteString("name", m.Name);
                w.WriteString("description", m.Description);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("cells");
            foreach (var c in d.Cells)
            {
                w.WriteStartObject();
                w.WritePropertyName("cell");
                using (var doc = JsonDocument.Parse(c.Cell.Json)) doc.RootElement.WriteTo(w);
                Num(w, "covariate", c.Covariate);
                w.WriteNumber("trials", c.Trials);
                w.WriteNumber("successes", c.Successes);
                Num(w, "wilsonLow", c.WilsonLow);
                Num(w, "wilsonHigh", c.WilsonHigh);
                w.WriteStartObject("medians");
                foreach (var (name, v) in c.Medians) Num(w, name, v);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WritePropertyName("boundary");
            if (d.Boundary is { } b && cov is not null)
            {
                w.WriteStartObject();
                w.WriteString("model", $"P(success) = 1/(1 + exp(-(b0 + b1*ln(u)))), u = {cov.Name}, Firth-penalized");
                w.WriteString("form", cov.BoundaryForm);
                Num(w, "c0", b.C0);
                Num(w, "low", b.Low);
                Num(w, "high", b.High);
                w.WriteBoolean("bounded", b.Bounded);
                w.WriteBoolean("insideGrid", InsideGrid(d, b));
                w.WriteString("interval", "Fieller 95%");
                Num(w, "logC0StdError", b.LogC0StdError);
                Num(w, "intercept", b.Fit.Intercept);
                Num(w, "slope", b.Fit.Slope);
                Num(w, "slopeStdError", b.Fit.SlopeStdError);
                w.WriteBoolean("separated", b.Fit.Separated);
                w.WriteBoolean("converged", b.Fit.Converged);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNullValue();
            }
            if (d.BoundaryNote is not null) w.WriteString("boundaryNote", d.BoundaryNote);
            w.WriteStartObject("provenance");
            w.WriteString("tool", "overparam " + Engine.MachineInfo.ToolVersion);
            w.WriteString("sourceCommit", Engine.MachineInfo.SourceCommit);
            w.WriteString("runtime", RuntimeInformation.FrameworkDescription);
            w.WriteString("os", RuntimeInformation.OSDescription);
            w.WriteString("cpuModel", Engine.MachineInfo.CpuModel);
            w.WriteNumber("processorCount", Environment.ProcessorCount);
            w.WriteString("simdPath", Engine.LinearAlgebra.SimdInfo.Name);
            w.WriteNumber("seed", spec.Seed);
            w.WriteString("commandLine", d.CommandLine);
            w.WriteString("store", Path.GetFullPath(d.StorePath));
            w.WriteString("createdAt", d.CreatedUtc.Length > 0 ? d.CreatedUtc : DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            Num(w, "wallSeconds", d.WallSeconds);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    /// <summary>True when c₀ is finite and lies within the covariates of the cells that hold trials.</summary>
    public static bool InsideGrid(SweepReportData d, BoundaryEstimate b)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(b);
        var us = d.Cells.Where(c => c.Trials > 0 && double.IsFinite(c.Covariate)).Select(c => c.Covariate).ToArray();
        return us.Length > 0 && double.IsFinite(b.C0) && b.C0 >= us.Min() && b.C0 <= us.Max();
    }

    /// <summary>The boundary in one line for the console: never "c₀ = Infinity".</summary>
    public static string BoundaryLine(SweepReportData d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var inv = CultureInfo.InvariantCulture;
        var cov = d.Spec.Trial.Covariate;
        var b = d.Boundary;
        if (cov is null || b is null) return $"none: {d.BoundaryNote}";
        if (!InsideGrid(d, b))
            return $"no boundary inside the grid ({Outside(cov, b)}); widen the grid";
        if (b.Bounded)
            return string.Create(inv, $"{cov.BoundaryForm}, c₀ = {b.C0:G4}, 95% interval [{b.Low:G4}, {b.High:G4}] (Fieller){(b.Fit.Separated ? ", separated cells: Firth estimate" : "")}");
        return string.Create(inv, $"{cov.BoundaryForm}, c₀ = {b.C0:G4}, 95% interval unbounded (slope not significant)");
    }

    // Why a fit is not a boundary: its 50% point is not finite, or lies beyond the covariates of the cells.
    private static string Outside(SweepCovariate cov, BoundaryEstimate b) =>
        double.IsFinite(b.C0) && b.C0 > 0
            ? string.Create(CultureInfo.InvariantCulture, $"the fit puts the 50% point at {cov.Name} = {b.C0:G4}, outside the {cov.Name} of the cells")
            : "the fit has no finite 50% point (the success fraction does not cross 1/2 across the cells)";

    /// <summary>
    /// report.html: the same content as report.md on one self-contained page (the certificate report's style, the
    /// phase diagram inline, no script or link), with each cell's Wilson interval in the table and in the diagram's
    /// tooltips.
    /// </summary>
    public static string Html(SweepReportData d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var spec = d.Spec;
        var cov = spec.Trial.Covariate;
        var inv = CultureInfo.InvariantCulture;
        static string H(string s) => SvgAxes.Escape(s);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.Append(inv, $"<title>{H(spec.Theorem.Id)} sweep {H(spec.Key)}</title>\n<style>\n{HtmlReport.Css}\n</style>\n</head>\n<body>\n");
        sb.Append(inv, $"<header id=\"sweep\" class=\"verdict verdict-inconclusive\"><h1>{H(spec.Theorem.Id)} — {H(spec.Theorem.Title)}</h1>");
        sb.Append("<p class=\"kind\">Sweep boundary</p>");
        sb.Append(inv, $"<p class=\"reason boundary\">{H(BoundaryLine(d))}</p>");
        sb.Append(inv, $"<p class=\"basis\">A sampled estimate from {H(d.TrialsText())}; sweep <code>{H(spec.Key)}</code>, seed {spec.Seed}.</p></header>\n");
        sb.Append(inv, $"<p class=\"explain\">{H(spec.Trial.Description)}</p>\n");
        if (cov is not null && d.Boundary is { } b && InsideGrid(d, b))
        {
            sb.Append(inv, $"<p>Against the reference {H(cov.ReferenceLabel)} ({H(cov.Name)} = 1): {H(Side(cov, b))}</p>\n");
        }
        sb.Append("<h2>Phase diagram</h2>\n<figure>\n");
        // Inline SVG in HTML needs no namespace declaration; dropping it keeps the page free of any URL.
        sb.Append(Svg(d).Replace(" xmlns=\"http://www.w3.org/2000/svg\"", "", StringComparison.Ordinal));
        sb.Append("<figcaption>Success fraction per cell (hover a cell for its Wilson 95% interval)");
        if (cov is not null) sb.Append(inv, $"; dashed: {H(cov.ReferenceLabel)}; solid: the fitted 50% boundary; dotted: its 95% interval");
        sb.Append(".</figcaption>\n</figure>\n");
        sb.Append("<h2>Cells</h2>\n<p class=\"explain\">Fractions and Wilson intervals are sampled estimates; metric columns are medians over each cell's trials.</p>\n<table class=\"cells\">\n<tr>");
        foreach (var a in spec.Axes) sb.Append(inv, $"<th>{H(a)}</th>");
        if (cov is not null) sb.Append(inv, $"<th>{H(cov.Name)}</th>");
        sb.Append("<th>trials</th><th>successes</th><th>fraction</th><th>Wilson 95%</th>");
        foreach (var m in spec.Trial.Metrics) sb.Append(inv, $"<th title=\"{H(m.Description)}\">{H(m.Name)}</th>");
        sb.Append("</tr>\n");
        foreach (var c in d.Cells)
        {
            sb.Append("<tr>");
            foreach (var v in c.Cell.Values) sb.Append(inv, $"<td class=\"num\">{H(v.Value)}</td>");
            if (cov is not null) sb.Append(inv, $"<td class=\"num\">{c.Covariate:G3}</td>");
            sb.Append(inv, $"<td class=\"num\">{c.Trials}</td><td class=\"num\">{c.Successes}</td><td class=\"num\">{c.Fraction:F2}</td><td class=\"num\">[{c.WilsonLow:F3}, {c.WilsonHigh:F3}]</td>");
            foreach (var m in c.Medians) sb.Append(inv, $"<td class=\"num\">{m.Value:G4}</td>");
            sb.Append("</tr>\n");
        }
        sb.Append("</table>\n<h2>Metrics</h2>\n<ul>\n");
        foreach (var m in spec.Trial.Metrics) sb.Append(inv, $"<li><code>{H(m.Name)}</code>: {H(m.Description)}</li>\n");
        sb.Append("</ul>\n<h2>Provenance</h2>\n<dl class=\"prov\">\n");
        void Prov(string k, string v) => sb.Append(inv, $"<dt>{H(k)}</dt><dd>{H(v)}</dd>\n");
        Prov("parameters", spec.ToJson());
        Prov("grid", d.Grid);
        Prov("store", d.StorePath);
        Prov("command line", d.CommandLine);
        Prov("tool", "overparam " + Engine.MachineInfo.ToolVersion + " (" + Engine.MachineInfo.SourceCommit + ")");
        Prov("machine", $"{Engine.MachineInfo.CpuModel}, {Environment.ProcessorCount} processors, {Engine.LinearAlgebra.SimdInfo.Name}");
        Prov("created", d.CreatedUtc);
        sb.Append("</dl>\n</body>\n</html>\n");
        return sb.ToString();
    }

    // A side of the reference is claimed only when the whole interval lies on it; a point estimate alone decides nothing.
    private static string Side(SweepCovariate cov, BoundaryEstimate b) =>
        b.Bounded && b.High < 1 ? cov.BelowOne
        : b.Bounded && b.Low > 1 ? cov.AboveOne
        : $"the 95% interval contains 1 or is unbounded, so these trials do not decide on which side of {cov.ReferenceLabel} the boundary lies.";

    /// <summary>report.md: the boundary, how to read it, and the cell table.</summary>
    public static string Markdown(SweepReportData d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var spec = d.Spec;
        var cov = spec.Trial.Covariate;
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"# {spec.Theorem.Id} sweep: {spec.Theorem.Title}\n\n");
        sb.Append(inv, $"Sweep `{spec.Key}`, seed {spec.Seed}, {d.Grid}; {d.TrialsText()}. Store: `{d.StorePath}`.\n\n");
        sb.Append(inv, $"Parameters: `{spec.ToJson()}`\n\n");
        sb.Append(spec.Trial.Description).Append("\n\n");
        if (cov is not null)
        {
            sb.Append("## Boundary\n\n");
            if (d.Boundary is { } b && !InsideGrid(d, b))
            {
                sb.Append("**No boundary inside the grid**: ").Append(Outside(cov, b)).Append("; widen the grid before reading a boundary off these trials.\n\n");
            }
            else if (d.Boundary is { } bb)
            {
                sb.Append(inv, $"The fitted 50% success boundary (a sampled estimate from the trials below) is **{cov.BoundaryForm} with c₀ = {bb.C0:G4}**");
                sb.Append(bb.Bounded ? string.Create(inv, $", 95% interval [{bb.Low:G4}, {bb.High:G4}] (Fieller)") : ", 95% interval unbounded (the slope is not significant)");
                sb.Append(inv, $". Against the reference {cov.ReferenceLabel} ({cov.Name} = 1): ");
                sb.Append(Side(cov, bb)).Append("\n\n");
                sb.Append(inv, $"Logistic fit (Firth): P = σ({bb.Fit.Intercept:G4} + ({bb.Fit.Slope:G4} ± {bb.Fit.SlopeStdError:G3})·ln({cov.Name})); ");
                sb.Append(inv, $"ln c₀ = {Math.Log(bb.C0):G4} ± {bb.LogC0StdError:G3} (delta method).");
                if (bb.Fit.Separated) sb.Append(" The cells separate successes from failures exactly, so only the penalized (Firth) estimate is finite; the interval reflects the grid spacing.");
                sb.Append("\n\n");
            }
            else
            {
                sb.Append(inv, $"No boundary could be fitted: {d.BoundaryNote}\n\n");
            }
        }
        sb.Append("![phase diagram](phase-diagram.svg)\n\n");
        sb.Append("## Cells\n\n");
        sb.Append("Fractions and Wilson intervals are sampled estimates over the trials of each cell; the metric columns are medians over the cell's trials:\n\n");
        foreach (var m in spec.Trial.Metrics) sb.Append(inv, $"- `{m.Name}`: {m.Description}\n");
        sb.Append('\n');
        var head = new List<string>(spec.Axes);
        if (cov is not null) head.Add(cov.Name);
        head.AddRange(["trials", "successes", "fraction", "Wilson 95%"]);
        head.AddRange(spec.Trial.Metrics.Select(m => m.Name));
        sb.Append("| ").Append(string.Join(" | ", head)).Append(" |\n");
        sb.Append('|').Append(string.Concat(head.Select(h => h == "Wilson 95%" ? "---|" : "---:|"))).Append('\n');
        foreach (var c in d.Cells)
        {
            var row = c.Cell.Values.Select(v => v.Value).ToList();
            if (cov is not null) row.Add(c.Covariate.ToString("G3", inv));
            row.AddRange([c.Trials.ToString(inv), c.Successes.ToString(inv), c.Fraction.ToString("F2", inv), string.Create(inv, $"[{c.WilsonLow:F3}, {c.WilsonHigh:F3}]")]);
            row.AddRange(c.Medians.Select(m => m.Value.ToString("G4", inv)));
            sb.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
        }
        sb.Append(inv, $"\nTrials run by this command took {d.WallSeconds:F1} s.\n");
        return sb.ToString();
    }

    private static void Num(Utf8JsonWriter w, string name, double v)
    {
        // JSON has no NaN or infinity: an unbounded limit or an empty cell is null.
        if (double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }
}

using System.Globalization;
using System.Text;
using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Output;

/// <summary>
/// An experiment's report.html (self-contained like a certificate's: inline CSS and SVG, nothing to fetch) and its
/// console summary: findings, measurements, the figures with their bands, the quantity groups, the reproduce command
/// and the provenance. Nothing here names a theorem or an experiment.
/// </summary>
public static class ExperimentReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The findings and measurement rows, for stdout.</summary>
    public static void WriteSummary(TextWriter w, ExperimentResult r)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(r);
        w.WriteLine($"{r.TheoremId}: {r.Title}");
        foreach (var f in r.Findings) w.WriteLine("- " + f);
        foreach (var m in r.Measurements)
            w.WriteLine(string.Create(Inv,
                $"{m.Id} (measurement, {ContractNames.Of(m.Status)}): observed {ReportModel.G(m.Observed)} vs {ReportModel.G(m.Bound)} — {m.Note}"));
    }

    /// <summary>The page of <paramref name="r"/>.</summary>
    public static string Html(ExperimentResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var sb = new StringBuilder();
        string E(string s) => SvgAxes.Escape(s);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append(Inv, $"<title>{E(r.TheoremId)}: {E(r.Title)}</title>\n<style>\n{HtmlReport.Css}\n</style></head><body>\n");
        sb.Append(Inv, $"<h1>{E(r.TheoremId)} experiment {E(r.Experiment)}</h1>\n<h2>{E(r.Title)}</h2>\n");
        sb.Append("<h2>Findings</h2>\n<ul>\n");
        foreach (var f in r.Findings) sb.Append(Inv, $"<li>{E(f)}</li>\n");
        sb.Append("</ul>\n");
        if (r.Measurements.Count > 0)
        {
            sb.Append("<h2>Measurements</h2>\n<p class=\"explain\">Reported, never asserted: an experiment has no verdict.</p>\n");
            sb.Append("<table><tr><th>id</th><th>statement</th><th>status</th><th>observed</th><th>compared with</th><th>note</th></tr>\n");
            foreach (var m in r.Measurements)
                sb.Append(Inv, $"<tr class=\"role-measurement\"><td class=\"id\">{E(m.Id)}</td><td class=\"text\">{E(m.Statement)}</td><td><span class=\"status status-{ContractNames.Of(m.Status)}\">{ContractNames.Of(m.Status)}</span></td><td class=\"num\">{E(ReportModel.G(m.Observed))}</td><td class=\"num\">{E(ReportModel.G(m.Bound))}</td><td class=\"text\">{E(m.Note)}</td></tr>\n");
            sb.Append("</table>\n");
        }
        sb.Append("<h2>Figures</h2>\n");
        int id = 0;
        foreach (var f in r.Figures)
        {
            sb.Append("<figure>\n").Append(SvgBandChart.Render(f, "f" + (id++).ToString(Inv)));
            sb.Append(Inv, $"<figcaption>{E(f.Title)} ({ContractNames.Of(f.Status)}).</figcaption></figure>\n");
        }
        sb.Append("<h2>Quantities</h2>\n<div class=\"groups\">\n");
        foreach (var g in r.Quantities)
        {
            sb.Append(Inv, $"<div class=\"group\"><h3>{E(g.Title)}</h3><table>\n");
            foreach (var q in g.Values)
                sb.Append(Inv, $"<tr><td>{E(q.Name)}</td><td class=\"num\">{E(ReportModel.G(q.Value))}</td><td><span class=\"status status-{ContractNames.Of(q.Status)}\">{ContractNames.Of(q.Status)}</span></td><td class=\"text\"><small>{E(q.Description)}</small></td></tr>\n");
            sb.Append("</table></div>\n");
        }
        sb.Append("</div>\n<h2>Reproduce</h2>\n");
        sb.Append(Inv, $"<pre>{E(r.Reproduce)}</pre>\n<p class=\"explain\">Seed {r.Seed.ToString(Inv)}; wall-clock numbers differ between runs and machines, everything else is determined by the options and the seed.</p>\n");
        var p = r.Provenance;
        sb.Append("<h2>Provenance</h2>\n<dl class=\"prov\">\n");
        foreach (var (k, v) in new[]
        {
            ("tool", $"{p.ToolVersion} ({p.SourceCommit})"), (".NET", p.DotnetVersion), ("OS", p.Os), ("CPU", p.CpuModel),
            ("processors", p.ProcessorCount.ToString(Inv)), ("SIMD", $"{p.SimdPath} ({p.VectorWidthBits.ToString(Inv)} bits)"),
            ("data SHA-256", p.DataSha256), ("model SHA-256 (seed 0)", p.ModelSha256),
            ("invocation", p.Invocation is null ? "" : $"{p.Invocation.CommandLine} at {p.Invocation.CreatedUtc}"),
        })
            sb.Append(Inv, $"<dt>{E(k)}</dt><dd>{E(v)}</dd>\n");
        sb.Append("</dl>\n</body></html>\n");
        return sb.ToString();
    }
}

/// <summary>
/// An <see cref="ExperimentFigure"/> as an inline SVG chart: one coloured line per series (the mean) over a shaded
/// band (e.g. 5–95 percentiles), log axes where the figure asks for them, a legend under the plot. Points a log axis
/// cannot place (≤ 0) and NaN break the line and the band rather than being drawn at an invented value.
/// </summary>
public static class SvgBandChart
{
    private const double Width = 760, Left = 84, Right = 24, Top = 14, PlotHeight = 300;
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The chart; <paramref name="id"/> keeps the clip path unique among several charts in one page.</summary>
    public static string Render(ExperimentFigure f, string id)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(id);
        bool Px(double x) => double.IsFinite(x) && (!f.LogX || x > 0);
        bool Py(double y) => double.IsFinite(y) && (!f.LogY || y > 0);
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var s in f.Series)
            for (int i = 0; i < Math.Min(s.X.Length, s.Y.Length); i++)
            {
                if (!Px(s.X[i])) continue;
                foreach (var v in new[] { s.Y[i], At(s.Lower, i), At(s.Upper, i) })
                    if (Py(v)) { ys.Add(v); xs.Add(s.X[i]); }
            }
        double x0 = Left, x1 = Width - Right, y0 = Top, y1 = Top + PlotHeight;
        double height = y1 + 56 + 20 * f.Series.Count;
        var sb = new StringBuilder();
        sb.Append(Inv, $"<svg class=\"plot band-plot\" width=\"{Width}\" height=\"{F(height)}\" viewBox=\"0 0 {Width} {F(height)}\" font-family=\"system-ui, sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{Esc(f.Title)}\">\n");
        sb.Append(Inv, $"<title>{Esc(f.Title)}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        if (ys.Count == 0)
        {
            sb.Append(Inv, $"<text x=\"{Width / 2}\" y=\"{F((y0 + y1) / 2)}\" text-anchor=\"middle\">no finite points to plot</text>\n</svg>\n");
            return sb.ToString();
        }
        var (xLo, xHi) = SvgLineChart.Range(xs.Min(), xs.Max(), f.LogX);
        var (yLo, yHi) = SvgLineChart.Range(ys.Min(), ys.Max(), f.LogY);
        var sx = new SvgScale(xLo, xHi, x0, x1, f.LogX);
        var sy = new SvgScale(yLo, yHi, y1, y0, f.LogY);
        var xTicks = f.LogX ? SvgAxes.LogTicks(xLo, xHi) : SvgAxes.LinearTicks(xLo, xHi, 8);
        var yTicks = f.LogY ? SvgAxes.LogTicks(yLo, yHi) : SvgAxes.LinearTicks(yLo, yHi, 6);
        SvgAxes.Frame(sb, x0, y0, x1, y1, xTicks.Select(t => (sx.Map(t.Value), t.Label)), yTicks.Select(t => (sy.Map(t.Value), t.Label)),
            f.XLabel + (f.LogX ? " (log scale)" : ""), f.YLabel + (f.LogY ? " (log scale)" : ""), grid: true);
        sb.Append(Inv, $"<clipPath id=\"clip-{Esc(id)}\"><rect x=\"{F(x0)}\" y=\"{F(y0 - 2)}\" width=\"{F(x1 - x0)}\" height=\"{F(y1 - y0 + 4)}\"/></clipPath>\n");
        sb.Append(Inv, $"<g clip-path=\"url(#clip-{Esc(id)})\" stroke-linejoin=\"round\">\n");
        for (int k = 0; k < f.Series.Count; k++)
        {
            var s = f.Series[k];
            string colour = Palette[k % Palette.Length];
            // The band: one polygon per run of points where both edges are plottable.
            if (s.Lower.Length == s.Y.Length && s.Upper.Length == s.Y.Length)
            {
                var run = new List<int>();
                void FlushBand()
                {
                    if (run.Count >= 2)
                    {
                        var pts = run.Select(i => $"{F(sx.Map(s.X[i]))},{F(sy.Map(s.Upper[i]))}")
                            .Concat(run.AsEnumerable().Reverse().Select(i => $"{F(sx.Map(s.X[i]))},{F(sy.Map(s.Lower[i]))}"));
                        sb.Append(Inv, $"<polygon class=\"band\" points=\"{string.Join(' ', pts)}\" fill=\"{colour}\" fill-opacity=\"0.15\" stroke=\"none\"/>\n");
                    }
                    run.Clear();
                }
                for (int i = 0; i < s.Y.Length; i++)
                {
                    if (Px(s.X[i]) && Py(s.Lower[i]) && Py(s.Upper[i])) run.Add(i);
                    else FlushBand();
                }
                FlushBand();
            }
            var line = new List<string>();
            void FlushLine()
            {
                if (line.Count >= 2) sb.Append(Inv, $"<polyline class=\"mean\" points=\"{string.Join(' ', line)}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>\n");
                else if (line.Count == 1)
                {
                    var xy = line[0].Split(',');
                    sb.Append(Inv, $"<circle class=\"mean\" cx=\"{xy[0]}\" cy=\"{xy[1]}\" r=\"2\" fill=\"{colour}\"/>\n");
                }
                line.Clear();
            }
            for (int i = 0; i < Math.Min(s.X.Length, s.Y.Length); i++)
            {
                if (Px(s.X[i]) && Py(s.Y[i])) line.Add($"{F(sx.Map(s.X[i]))},{F(sy.Map(s.Y[i]))}");
                else FlushLine();
            }
            FlushLine();
        }
        sb.Append("</g>\n");
        double ly = y1 + 62;
        for (int k = 0; k < f.Series.Count; k++)
        {
            var s = f.Series[k];
            bool band = s.Lower.Length > 0;
            sb.Append(Inv, $"<line x1=\"{F(x0)}\" y1=\"{F(ly - 4)}\" x2=\"{F(x0 + 34)}\" y2=\"{F(ly - 4)}\" stroke=\"{Palette[k % Palette.Length]}\" stroke-width=\"2\"/>");
            sb.Append(Inv, $"<text class=\"legend\" x=\"{F(x0 + 42)}\" y=\"{F(ly)}\">{Esc(s.Name)}{(band ? " — mean, band 5–95%" : "")}</text>\n");
            ly += 20;
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static double At(double[] a, int i) => i < a.Length ? a[i] : double.NaN;



    private static string F(double v) => SvgAxes.F(v);

    private static string Esc(string s) => SvgAxes.Escape(s);
}

using System.Globalization;
using System.Text;
using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Output;

/// <summary>
/// A <see cref="ReportPlot"/> as an inline SVG line chart: the observed column (solid) and its bound (dashed) over the
/// index column, log₁₀ y where the plot asks for it, the worst step (largest observed/bound) circled and joined to the
/// bound, and a legend that names each line's role and status. Points a log axis cannot place (≤ 0) and NaN break the
/// line rather than being drawn at an invented value.
/// </summary>
public static class SvgLineChart
{
    private const double Width = 760, Left = 84, Right = 24, Top = 14, PlotHeight = 270;
    private const string ObservedColour = "#1f6fb4", BoundColour = "#d62728";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The chart; <paramref name="id"/> keeps the clip path unique among several charts in one page.</summary>
    public static string Render(ReportPlot plot, string id)
    {
        ArgumentNullException.ThrowIfNull(plot);
        ArgumentNullException.ThrowIfNull(id);
        var xs = plot.X.Values;
        var series = plot.Bound is null ? new[] { plot.Observed } : new[] { plot.Observed, plot.Bound };
        bool Plottable(double y) => double.IsFinite(y) && (!plot.LogY || y > 0);
        var ys = series.SelectMany(s => s.Values.Take(xs.Length).Where((y, i) => Plottable(y) && double.IsFinite(xs[i]))).ToArray();
        var xsFinite = xs.Where(double.IsFinite).ToArray();

        int legendRows = series.Length + (plot.Worst >= 0 ? 1 : 0);
        double x0 = Left, x1 = Width - Right, y0 = Top, y1 = Top + PlotHeight;
        double height = y1 + 56 + 20 * legendRows;
        var sb = new StringBuilder();
        string cls = plot.FromCertificate ? "plot trace-plot" : "plot column-plot";
        sb.Append(Inv, $"<svg class=\"{cls}\" width=\"{Width}\" height=\"{F(height)}\" viewBox=\"0 0 {Width} {F(height)}\" font-family=\"system-ui, sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{Esc(plot.Title)}\">\n");
        sb.Append(Inv, $"<title>{Esc(plot.Title)}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        if (ys.Length == 0 || xsFinite.Length == 0)
        {
            sb.Append(Inv, $"<text x=\"{Width / 2}\" y=\"{F((y0 + y1) / 2)}\" text-anchor=\"middle\">no finite points to plot</text>\n</svg>\n");
            return sb.ToString();
        }

        var (xLo, xHi) = Range(xsFinite.Min(), xsFinite.Max(), log: false);
        var (yLo, yHi) = Range(ys.Min(), ys.Max(), plot.LogY);
        var sx = new SvgScale(xLo, xHi, x0, x1, Log: false);
        var sy = new SvgScale(yLo, yHi, y1, y0, plot.LogY);
        var yTicks = plot.LogY ? SvgAxes.LogTicks(yLo, yHi) : SvgAxes.LinearTicks(yLo, yHi, 6);
        string yLabel = plot.Observed.Name + (plot.LogY ? " (log scale)" : "");
        SvgAxes.Frame(sb, x0, y0, x1, y1,
            SvgAxes.LinearTicks(xLo, xHi, 8).Select(t => (sx.Map(t.Value), t.Label)),
            yTicks.Select(t => (sy.Map(t.Value), t.Label)), plot.X.Name, yLabel, grid: true);

        sb.Append(Inv, $"<clipPath id=\"clip-{Esc(id)}\"><rect x=\"{F(x0)}\" y=\"{F(y0 - 2)}\" width=\"{F(x1 - x0)}\" height=\"{F(y1 - y0 + 4)}\"/></clipPath>\n");
        sb.Append(Inv, $"<g clip-path=\"url(#clip-{Esc(id)})\" fill=\"none\" stroke-linejoin=\"round\">\n");
        if (plot.Bound is not null) Line(sb, xs, plot.Bound.Values, sx, sy, Plottable, $"stroke=\"{BoundColour}\" stroke-width=\"2\" stroke-dasharray=\"7 4\"", "bound");
        Line(sb, xs, plot.Observed.Values, sx, sy, Plottable, $"stroke=\"{ObservedColour}\" stroke-width=\"2\"", "observed");
        string worstText = "";
        if (plot.Worst >= 0 && plot.Bound is not null)
        {
            int w = plot.Worst;
            double px = sx.Map(xs[w]), po = sy.Map(plot.Observed.Values[w]), pb = sy.Map(plot.Bound.Values[w]);
            worstText = $"worst step: {plot.X.Name} = {SvgAxes.Label(xs[w])}, {plot.Observed.Name}/{plot.Bound.Name} = {ReportModel.G(plot.WorstRatio)}";
            if (double.IsFinite(po) && double.IsFinite(pb))
                sb.Append(Inv, $"<line class=\"worst\" x1=\"{F(px)}\" y1=\"{F(po)}\" x2=\"{F(px)}\" y2=\"{F(pb)}\" stroke=\"black\" stroke-width=\"1\" stroke-dasharray=\"2 2\"/>\n");
            if (double.IsFinite(po))
                sb.Append(Inv, $"<circle class=\"worst\" cx=\"{F(px)}\" cy=\"{F(po)}\" r=\"6\" stroke=\"black\" stroke-width=\"1.5\"><title>{Esc(worstText)}</title></circle>\n");
        }
        sb.Append("</g>\n");

        // The legend sits under the axis label, one row per line, so it never hides a curve.
        double ly = y1 + 62;
        foreach (var s in series)
        {
            bool bound = s.Role == ColumnRole.Bound;
            string style = bound ? $"stroke=\"{BoundColour}\" stroke-width=\"2\" stroke-dasharray=\"7 4\"" : $"stroke=\"{ObservedColour}\" stroke-width=\"2\"";
            sb.Append(Inv, $"<line x1=\"{F(x0)}\" y1=\"{F(ly - 4)}\" x2=\"{F(x0 + 34)}\" y2=\"{F(ly - 4)}\" {style}/>");
            sb.Append(Inv, $"<text class=\"legend\" x=\"{F(x0 + 42)}\" y=\"{F(ly)}\">{Esc(s.Name)} — {Name(s.Role)}, {Name(s.Status)}</text>\n");
            ly += 20;
        }
        if (worstText.Length > 0)
            sb.Append(Inv, $"<circle cx=\"{F(x0 + 17)}\" cy=\"{F(ly - 4)}\" r=\"5\" fill=\"none\" stroke=\"black\" stroke-width=\"1.5\"/><text class=\"legend\" x=\"{F(x0 + 42)}\" y=\"{F(ly)}\">{Esc(worstText)}</text>\n");
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    // Runs of consecutive plottable points become one polyline each; a lone point a small dot.
    private static void Line(StringBuilder sb, double[] xs, double[] ys, SvgScale sx, SvgScale sy, Func<double, bool> plottable, string style, string cls)
    {
        var run = new List<string>();
        void Flush()
        {
            if (run.Count >= 2) sb.Append(Inv, $"<polyline class=\"{cls}\" points=\"{string.Join(' ', run)}\" {style}/>\n");
            else if (run.Count == 1)
            {
                var xy = run[0].Split(',');
                sb.Append(Inv, $"<circle class=\"{cls}\" cx=\"{xy[0]}\" cy=\"{xy[1]}\" r=\"2\" {style}/>\n");
            }
            run.Clear();
        }
        for (int i = 0; i < Math.Min(xs.Length, ys.Length); i++)
        {
            if (!double.IsFinite(xs[i]) || !plottable(ys[i])) { Flush(); continue; }
            run.Add($"{F(sx.Map(xs[i]))},{F(sy.Map(ys[i]))}");
        }
        Flush();
    }

    /// <summary>
    /// The plotted range of data spanning [lo, hi]: whole decades on a log axis; 4% padding on a linear one, from zero
    /// when a positive quantity starts near it; a degenerate range widened so the line sits mid-plot. Shared by the
    /// experiment band charts so both kinds of plot frame data the same way.
    /// </summary>
    internal static (double Lo, double Hi) Range(double lo, double hi, bool log)
    {
        if (log)
        {
            double a = Math.Floor(Math.Log10(lo) + 1e-9), b = Math.Ceiling(Math.Log10(hi) - 1e-9);
            if (b <= a) { a -= 1; b += 1; }
            return (Math.Pow(10, a), Math.Pow(10, b));
        }
        if (!(hi > lo))
        {
            double d = lo == 0 ? 1 : Math.Abs(lo) * 0.1;
            return (lo - d, hi + d);
        }
        double pad = 0.04 * (hi - lo);
        // A positive quantity whose range starts near zero reads better from zero.
        return lo >= 0 && lo < 0.25 * (hi - lo) ? (0, hi + pad) : (lo - pad, hi + pad);
    }

    private static string F(double v) => SvgAxes.F(v);

    private static string Esc(string s) => SvgAxes.Escape(s);

    private static string Name<T>(T value) where T : struct, Enum => ContractNames.Of(value);
}

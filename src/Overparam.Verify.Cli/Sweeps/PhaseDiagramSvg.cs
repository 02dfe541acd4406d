using System.Globalization;
using System.Text;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Engine.Statistics;

namespace Overparam.Verify.Cli.Sweeps;

/// <summary>
/// The phase diagram as a self-contained SVG: success fraction per cell as a heat map over the plot axes of the
/// theorem's covariate (log scales; for P4, kd across and n up), each cell labelled s/t with its Wilson interval in
/// the tooltip, with the reference level u = 1 (dashed), the fitted boundary u = c₀ (solid) and its 95% interval
/// (dotted) drawn as level sets of the covariate. Cells are drawn between the geometric midpoints of neighbouring
/// grid values. Without a covariate the axes are the sweep's first two axes and no line is drawn.
/// </summary>
public static class PhaseDiagramSvg
{
    private const double Width = 720, Height = 540;
    private const double Left = 80, Right = 150, Top = 50, Bottom = 70;
    private const int LevelSamples = 200;

    // Viridis anchors (matplotlib), 0 → 1; a colour map readable in grey scale and by colour-blind readers.
    private static readonly (double R, double G, double B)[] Viridis =
    [
        (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
    ];

    /// <summary>Renders the diagram; <paramref name="title"/> goes on top.</summary>
    public static string Render(IReadOnlyList<CellSummary> cells, BoundaryEstimate? boundary, string title, string xLabel,
        string yLabel, Contracts.SweepCovariate? covariate)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(xLabel);
        ArgumentNullException.ThrowIfNull(yLabel);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.Append(inv, $"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{SvgAxes.Escape(title)}</text>\n");
        if (cells.Count == 0 || cells.Any(c => !(c.PlotX > 0) || !(c.PlotY > 0) || !double.IsFinite(c.PlotX) || !double.IsFinite(c.PlotY)))
        {
            sb.Append(inv, $"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\">{(cells.Count == 0 ? "no cells" : "no diagram: an axis value is not positive (log axes)")}</text>\n</svg>\n");
            return sb.ToString();
        }

        var xs = cells.Select(c => c.PlotX).Distinct().OrderBy(v => v).ToArray();
        var ys = cells.Select(c => c.PlotY).Distinct().OrderBy(v => v).ToArray();
        var xEdges = Edges(xs);
        var yEdges = Edges(ys);
        double px0 = Left, px1 = Width - Right, py0 = Height - Bottom, py1 = Top;
        double X(double v) => px0 + (Math.Log(v) - Math.Log(xEdges[0])) / (Math.Log(xEdges[^1]) - Math.Log(xEdges[0])) * (px1 - px0);
        double Y(double v) => py0 + (Math.Log(v) - Math.Log(yEdges[0])) / (Math.Log(yEdges[^1]) - Math.Log(yEdges[0])) * (py1 - py0);

        foreach (var c in cells)
        {
            int i = Array.IndexOf(xs, c.PlotX), j = Array.IndexOf(ys, c.PlotY);
            double x0 = X(xEdges[i]), x1 = X(xEdges[i + 1]), y0 = Y(yEdges[j + 1]), y1 = Y(yEdges[j]);
            string fill = c.Trials == 0 ? "#cccccc" : Colour(c.Fraction);
            sb.Append(inv, $"<rect x=\"{F(x0)}\" y=\"{F(y0)}\" width=\"{F(x1 - x0)}\" height=\"{F(y1 - y0)}\" fill=\"{fill}\" stroke=\"white\" stroke-width=\"0.5\"><title>{SvgAxes.Escape(c.Cell.ToString())}: {c.Successes}/{c.Trials}, Wilson 95% [{c.WilsonLow:F2}, {c.WilsonHigh:F2}]</title></rect>\n");
            if (x1 - x0 >= 34 && y1 - y0 >= 16)
            {
                string ink = c.Trials > 0 && c.Fraction > 0.6 ? "black" : "white";
                sb.Append(inv, $"<text x=\"{F((x0 + x1) / 2)}\" y=\"{F((y0 + y1) / 2 + 4)}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{ink}\">{c.Successes}/{c.Trials}</text>\n");
            }
        }

        // Lines n = c·kd are straight on log–log axes; draw across the plot and clip to it.
        sb.Append(inv, $"<clipPath id=\"plot\"><rect x=\"{F(px0)}\" y=\"{F(py1)}\" width=\"{F(px1 - px0)}\" height=\"{F(py0 - py1)}\"/></clipPath>\n");
        sb.Append("<g clip-path=\"url(#plot)\" fill=\"none\">\n");
        // The level set u(x, y) = c: for each of a few hundred x, the y where u crosses c (u increases in y), found by
        // bisection on log y over a range wider than the plot; the clip path trims it.
        void Line(double c, string style)
        {
            if (covariate is null) return;
            var pts = new List<string>();
            double lx0 = Math.Log(xEdges[0]), lx1 = Math.Log(xEdges[^1]);
            double ly0 = Math.Log(yEdges[0]) - 3, ly1 = Math.Log(yEdges[^1]) + 3;
            for (int s = 0; s <= LevelSamples; s++)
            {
                double x = Math.Exp(lx0 + (lx1 - lx0) * s / LevelSamples);
                double lo = ly0, hi = ly1;
                if (!(covariate.OfPlot(x, Math.Exp(lo)) <= c && covariate.OfPlot(x, Math.Exp(hi)) >= c)) continue;
                for (int it = 0; it < 60; it++)
                {
                    double mid = 0.5 * (lo + hi);
                    if (covariate.OfPlot(x, Math.Exp(mid)) < c) lo = mid;
                    else hi = mid;
                }
                pts.Add($"{F(X(x))},{F(Y(Math.Exp(0.5 * (lo + hi))))}");
            }
            if (pts.Count >= 2) sb.Append(inv, $"<polyline points=\"{string.Join(' ', pts)}\" {style}/>\n");
        }
        Line(1.0, "stroke=\"black\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"");
        if (boundary is not null && double.IsFinite(boundary.C0) && boundary.C0 > 0)
        {
            Line(boundary.C0, "stroke=\"#d62728\" stroke-width=\"2.5\"");
            if (boundary.Bounded)
            {
                Line(boundary.Low, "stroke=\"#d62728\" stroke-width=\"1.2\" stroke-dasharray=\"2 3\"");
                Line(boundary.High, "stroke=\"#d62728\" stroke-width=\"1.2\" stroke-dasharray=\"2 3\"");
            }
        }
        sb.Append("</g>\n");

        // Axes and ticks at the grid values.
        SvgAxes.Frame(sb, px0, py1, px1, py0,
            xs.Select(v => (X(v), v.ToString("G6", inv))), ys.Select(v => (Y(v), v.ToString("G6", inv))),
            $"{xLabel} (log scale)", $"{yLabel} (log scale)");

        // Colour bar and legend.
        double bx = px1 + 25, bw = 18, bh = py0 - py1 - 120;
        sb.Append("<defs><linearGradient id=\"viridis\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">");
        for (int s = 0; s < Viridis.Length; s++)
            sb.Append(inv, $"<stop offset=\"{F((double)s / (Viridis.Length - 1))}\" stop-color=\"{Colour((double)s / (Viridis.Length - 1))}\"/>");
        sb.Append("</linearGradient></defs>\n");
        sb.Append(inv, $"<rect x=\"{F(bx)}\" y=\"{F(py1)}\" width=\"{F(bw)}\" height=\"{F(bh)}\" fill=\"url(#viridis)\" stroke=\"black\" stroke-width=\"0.5\"/>\n");
        sb.Append(inv, $"<text x=\"{F(bx + bw + 5)}\" y=\"{F(py1 + 10)}\">1</text><text x=\"{F(bx + bw + 5)}\" y=\"{F(py1 + bh)}\">0</text>\n");
        sb.Append(inv, $"<text x=\"{F(bx)}\" y=\"{F(py1 - 8)}\">success</text>\n");
        double ly = py1 + bh + 30;
        if (covariate is not null)
            sb.Append(inv, $"<line x1=\"{F(bx)}\" y1=\"{F(ly)}\" x2=\"{F(bx + 25)}\" y2=\"{F(ly)}\" stroke=\"black\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/><text x=\"{F(bx + 30)}\" y=\"{F(ly + 4)}\">{SvgAxes.Escape(covariate.ReferenceLabel)}</text>\n");
        if (covariate is not null && boundary is not null && double.IsFinite(boundary.C0))
        {
            sb.Append(inv, $"<line x1=\"{F(bx)}\" y1=\"{F(ly + 22)}\" x2=\"{F(bx + 25)}\" y2=\"{F(ly + 22)}\" stroke=\"#d62728\" stroke-width=\"2.5\"/><text x=\"{F(bx + 30)}\" y=\"{F(ly + 26)}\">50%: c₀={boundary.C0.ToString("G3", inv)}</text>\n");
            sb.Append(inv, $"<line x1=\"{F(bx)}\" y1=\"{F(ly + 44)}\" x2=\"{F(bx + 25)}\" y2=\"{F(ly + 44)}\" stroke=\"#d62728\" stroke-width=\"1.2\" stroke-dasharray=\"2 3\"/><text x=\"{F(bx + 30)}\" y=\"{F(ly + 48)}\">95% interval</text>\n");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>Viridis colour for a fraction in [0, 1], as #rrggbb.</summary>
    public static string Colour(double fraction)
    {
        double f = Math.Clamp(double.IsNaN(fraction) ? 0 : fraction, 0, 1) * (Viridis.Length - 1);
        int i = Math.Min((int)f, Viridis.Length - 2);
        double t = f - i;
        var (r0, g0, b0) = Viridis[i];
        var (r1, g1, b1) = Viridis[i + 1];
        return string.Create(CultureInfo.InvariantCulture,
            $"#{(int)Math.Round(r0 + t * (r1 - r0)):x2}{(int)Math.Round(g0 + t * (g1 - g0)):x2}{(int)Math.Round(b0 + t * (b1 - b0)):x2}");
    }

    // Cell edges on the log scale: geometric midpoints between neighbours, the ends mirrored (a lone value gets ×/÷ √2).
    private static double[] Edges(double[] v)
    {
        var e = new double[v.Length + 1];
        for (int i = 1; i < v.Length; i++) e[i] = Math.Sqrt(v[i - 1] * v[i]);
        e[0] = v.Length > 1 ? v[0] * v[0] / e[1] : v[0] / Math.Sqrt(2);
        e[^1] = v.Length > 1 ? v[^1] * v[^1] / e[^2] : v[0] * Math.Sqrt(2);
        return e;
    }

    private static string F(double v) => SvgAxes.F(v);
}

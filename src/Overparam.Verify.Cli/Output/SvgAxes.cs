using System.Globalization;
using System.Text;

namespace Overparam.Verify.Cli.Output;

/// <summary>One tick of an axis: where it sits in data units and what it says.</summary>
/// <param name="Value">Position in data units.</param>
/// <param name="Label">Text under (x) or beside (y) the tick.</param>
public readonly record struct SvgTick(double Value, string Label);

/// <summary>
/// A data-to-pixel mapping for one axis, linear or log₁₀. <paramref name="Lo"/>..<paramref name="Hi"/> (data units,
/// both &gt; 0 on a log axis) maps onto <paramref name="From"/>..<paramref name="To"/> (pixels; y axes run downwards, so
/// From is the bottom).
/// </summary>
/// <param name="Lo">Data value at <paramref name="From"/>.</param>
/// <param name="Hi">Data value at <paramref name="To"/>.</param>
/// <param name="From">Pixel coordinate of <paramref name="Lo"/>.</param>
/// <param name="To">Pixel coordinate of <paramref name="Hi"/>.</param>
/// <param name="Log">Log₁₀ scale.</param>
public readonly record struct SvgScale(double Lo, double Hi, double From, double To, bool Log)
{
    /// <summary>The pixel coordinate of <paramref name="v"/>; NaN where a log axis cannot place it (v ≤ 0).</summary>
    public double Map(double v)
    {
        double a = Log ? Math.Log10(Lo) : Lo, b = Log ? Math.Log10(Hi) : Hi;
        double t = Log ? (v > 0 ? Math.Log10(v) : double.NaN) : v;
        return From + (t - a) / (b - a) * (To - From);
    }
}

/// <summary>
/// The small SVG vocabulary the hand-written plots share (the report's line charts and the sweep's phase diagram):
/// number formatting, escaping, nice ticks and the frame with its tick marks and axis labels. Hand-written because a
/// plotting library (ScottPlot 5) brings SkiaSharp's native libraries for every platform into the packed tool and writes
/// an order of magnitude more SVG for the same chart.
/// </summary>
public static class SvgAxes
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly double[] Mantissas = [1.0, 2.0, 5.0];
    private static readonly double[] Steps = [1.0, 2.0, 5.0, 10.0];

    /// <summary>A pixel coordinate with at most two decimals, invariant culture.</summary>
    public static string F(double v) => v.ToString("0.##", Inv);

    /// <summary>Text escaped for SVG or HTML content and attribute values.</summary>
    public static string Escape(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal)
            .Replace("'", "&#39;", StringComparison.Ordinal);
    }

    /// <summary>A number as a tick label: up to four significant digits.</summary>
    public static string Label(double v) => Math.Abs(v) < 1e-300 ? "0" : v.ToString("G4", Inv);

    /// <summary>
    /// About <paramref name="target"/> ticks at multiples of 1, 2 or 5 × 10ᵏ inside [lo, hi]; the ends alone when the
    /// range is empty.
    /// </summary>
    public static IReadOnlyList<SvgTick> LinearTicks(double lo, double hi, int target = 6)
    {
        if (!(hi > lo) || !double.IsFinite(hi - lo)) return [new SvgTick(lo, Label(lo))];
        double raw = (hi - lo) / Math.Max(1, target);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = Steps.Select(m => m * mag).First(s => s >= raw * (1 - 1e-9));
        var ticks = new List<SvgTick>();
        for (double k = Math.Ceiling(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++)
        {
            double v = k * step;
            ticks.Add(new SvgTick(v, Label(Math.Abs(v) < step * 1e-9 ? 0 : v)));
        }
        return ticks;
    }

    /// <summary>
    /// Ticks for a log₁₀ axis over [lo, hi] (both &gt; 0): powers of ten written 10ⁿ (every second, third … power when
    /// there are many), or 1–2–5 mantissas when the range spans less than three decades.
    /// </summary>
    public static IReadOnlyList<SvgTick> LogTicks(double lo, double hi)
    {
        if (!(lo > 0) || !(hi > lo)) return [new SvgTick(lo, Label(lo))];
        int e0 = (int)Math.Ceiling(Math.Log10(lo) - 1e-9), e1 = (int)Math.Floor(Math.Log10(hi) + 1e-9);
        if (e1 - e0 >= 3)
        {
            int every = Math.Max(1, (int)Math.Ceiling((e1 - e0 + 1) / 8.0));
            var decades = new List<SvgTick>();
            for (int e = e0; e <= e1; e++)
                if ((e - e0) % every == 0) decades.Add(new SvgTick(Math.Pow(10, e), PowerOfTen(e)));
            return decades;
        }
        var ticks = new List<SvgTick>();
        for (int e = e0 - 1; e <= e1; e++)
            foreach (var m in Mantissas)
            {
                double v = m * Math.Pow(10, e);
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.Add(new SvgTick(v, Label(v)));
            }
        return ticks.Count >= 2 ? ticks : LinearTicks(lo, hi, 4);
    }

    /// <summary>10ⁿ with a superscript exponent.</summary>
    public static string PowerOfTen(int e)
    {
        const string sup = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        var digits = Math.Abs(e).ToString(Inv).Select(c => sup[c - '0']);
        return "10" + (e < 0 ? "⁻" : "") + string.Concat(digits);
    }

    /// <summary>
    /// The plot frame (<paramref name="x0"/>, <paramref name="y0"/>) – (<paramref name="x1"/>, <paramref name="y1"/>)
    /// in pixels with tick marks and labels at the given pixel positions, faint grid lines when
    /// <paramref name="grid"/>, and the axis labels centred under and left of it.
    /// </summary>
    public static void Frame(StringBuilder sb, double x0, double y0, double x1, double y1,
        IEnumerable<(double Pixel, string Label)> xTicks, IEnumerable<(double Pixel, string Label)> yTicks,
        string xLabel, string yLabel, bool grid = false)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(xTicks);
        ArgumentNullException.ThrowIfNull(yTicks);
        foreach (var (px, label) in xTicks)
        {
            if (grid) sb.Append(Inv, $"<line x1=\"{F(px)}\" y1=\"{F(y0)}\" x2=\"{F(px)}\" y2=\"{F(y1)}\" stroke=\"#e4e4e4\"/>\n");
            sb.Append(Inv, $"<line x1=\"{F(px)}\" y1=\"{F(y1)}\" x2=\"{F(px)}\" y2=\"{F(y1 + 5)}\" stroke=\"black\"/>");
            sb.Append(Inv, $"<text x=\"{F(px)}\" y=\"{F(y1 + 18)}\" text-anchor=\"middle\">{Escape(label)}</text>\n");
        }
        foreach (var (py, label) in yTicks)
        {
            if (grid) sb.Append(Inv, $"<line x1=\"{F(x0)}\" y1=\"{F(py)}\" x2=\"{F(x1)}\" y2=\"{F(py)}\" stroke=\"#e4e4e4\"/>\n");
            sb.Append(Inv, $"<line x1=\"{F(x0 - 5)}\" y1=\"{F(py)}\" x2=\"{F(x0)}\" y2=\"{F(py)}\" stroke=\"black\"/>");
            sb.Append(Inv, $"<text x=\"{F(x0 - 8)}\" y=\"{F(py + 4)}\" text-anchor=\"end\">{Escape(label)}</text>\n");
        }
        sb.Append(Inv, $"<rect x=\"{F(x0)}\" y=\"{F(y0)}\" width=\"{F(x1 - x0)}\" height=\"{F(y1 - y0)}\" fill=\"none\" stroke=\"black\"/>\n");
        sb.Append(Inv, $"<text x=\"{F((x0 + x1) / 2)}\" y=\"{F(y1 + 40)}\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n");
        sb.Append(Inv, $"<text transform=\"translate({F(x0 - 58)} {F((y0 + y1) / 2)}) rotate(-90)\" text-anchor=\"middle\">{Escape(yLabel)}</text>\n");
    }
}

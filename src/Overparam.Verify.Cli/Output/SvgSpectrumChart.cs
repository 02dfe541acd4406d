using System.Globalization;
using System.Text;
using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Output;

/// <summary>
/// An <see cref="EigenSpectrum"/> as an inline SVG: eigenvalues in ascending order over their index, log₁₀ y when
/// every value is positive (a spectrum spans decades), the smallest circled and labelled with its value, since that
/// is the number the theorems speak of. A non-positive eigenvalue switches to a linear axis rather than being hidden.
/// </summary>
public static class SvgSpectrumChart
{
    private const double Width = 760, Left = 84, Right = 24, Top = 14, PlotHeight = 240;
    private const string Colour = "#2a7f62";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The chart.</summary>
    public static string Render(EigenSpectrum spectrum)
    {
        ArgumentNullException.ThrowIfNull(spectrum);
        var v = spectrum.Values.Where(double.IsFinite).OrderBy(x => x).ToArray();
        double x0 = Left, x1 = Width - Right, y0 = Top, y1 = Top + PlotHeight, height = y1 + 78;
        var sb = new StringBuilder();
        sb.Append(Inv, $"<svg class=\"plot spectrum-plot\" width=\"{Width}\" height=\"{F(height)}\" viewBox=\"0 0 {Width} {F(height)}\" font-family=\"system-ui, sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{Esc(spectrum.Title)}\">\n");
        sb.Append(Inv, $"<title>{Esc(spectrum.Title)}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        if (v.Length == 0)
        {
            sb.Append(Inv, $"<text x=\"{Width / 2}\" y=\"{F((y0 + y1) / 2)}\" text-anchor=\"middle\">no finite eigenvalues</text>\n</svg>\n");
            return sb.ToString();
        }
        bool log = v[0] > 0;
        double lo = v[0], hi = v[^1];
        if (log)
        {
            lo = Math.Pow(10, Math.Floor(Math.Log10(lo)));
            hi = Math.Pow(10, Math.Ceiling(Math.Log10(hi)));
            if (!(hi > lo)) { lo /= 10; hi *= 10; }
        }
        else
        {
            double pad = hi > lo ? 0.05 * (hi - lo) : Math.Max(1, Math.Abs(lo)) * 0.1;
            lo -= pad;
            hi += pad;
        }
        // Index 1..n across; a lone eigenvalue sits mid-plot.
        double X(int i) => v.Length == 1 ? (x0 + x1) / 2 : x0 + 8 + (x1 - x0 - 16) * i / (v.Length - 1);
        var sy = new SvgScale(lo, hi, y1, y0, log);
        var xTicks = SvgAxes.LinearTicks(1, v.Length, 8).Where(t => t.Value >= 1 && t.Value <= v.Length && Math.Abs(t.Value - Math.Round(t.Value)) < 1e-9)
            .Select(t => (X((int)Math.Round(t.Value) - 1), t.Label));
        var yTicks = log ? SvgAxes.LogTicks(lo, hi) : SvgAxes.LinearTicks(lo, hi, 6);
        SvgAxes.Frame(sb, x0, y0, x1, y1, xTicks, yTicks.Select(t => (sy.Map(t.Value), t.Label)),
            "index (ascending)", "eigenvalue" + (log ? " (log scale)" : ""), grid: true);
        sb.Append(Inv, $"<polyline class=\"spectrum\" fill=\"none\" stroke=\"{Colour}\" stroke-width=\"1.5\" points=\"{string.Join(' ', v.Select((y, i) => $"{F(X(i))},{F(sy.Map(y))}"))}\"/>\n");
        if (v.Length <= 200)
            foreach (var (y, i) in v.Select((y, i) => (y, i)))
                sb.Append(Inv, $"<circle cx=\"{F(X(i))}\" cy=\"{F(sy.Map(y))}\" r=\"2\" fill=\"{Colour}\"/>\n");
        string minText = $"λ_min = {SvgAxes.Label(v[0])}";
        sb.Append(Inv, $"<circle class=\"lambda-min\" cx=\"{F(X(0))}\" cy=\"{F(sy.Map(v[0]))}\" r=\"7\" fill=\"none\" stroke=\"black\" stroke-width=\"1.5\"><title>{Esc(minText)}</title></circle>\n");
        double ly = y1 + 62;
        sb.Append(Inv, $"<line x1=\"{F(x0)}\" y1=\"{F(ly - 4)}\" x2=\"{F(x0 + 34)}\" y2=\"{F(ly - 4)}\" stroke=\"{Colour}\" stroke-width=\"1.5\"/>");
        sb.Append(Inv, $"<text class=\"legend\" x=\"{F(x0 + 42)}\" y=\"{F(ly)}\">{Esc(spectrum.Name)}: {v.Length} eigenvalues, circled {Esc(minText)}, λ_max = {SvgAxes.Label(v[^1])} — {ContractNames.Of(spectrum.Status)}</text>\n");
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static string F(double v) => SvgAxes.F(v);

    private static string Esc(string s) => SvgAxes.Escape(s);
}

using System.Globalization;
using Overparam.Verify.Engine;

namespace Overparam.Verify.Cli.Sweeps;

/// <summary>
/// The integer range syntax of <c>--n</c> and <c>--k</c>:
/// <list type="bullet">
/// <item><description><c>40</c>: one value;</description></item>
/// <item><description><c>10,20,50</c>: a list;</description></item>
/// <item><description><c>a:b:s</c>: arithmetic, a, a+s, a+2s, … ≤ b;</description></item>
/// <item><description><c>a:b*f</c>: geometric, a, a·f, a·f², … ≤ b, each rounded to the nearest integer
/// (duplicates after rounding dropped), f &gt; 1;</description></item>
/// <item><description><c>a:b</c>: shorthand for <c>a:b*2</c> (doubling), because phase diagrams are read on log axes.</description></item>
/// </list>
/// Values come out strictly increasing. Items of a list may themselves be ranges (<c>2:8,12,16</c>).
/// </summary>
public static class GridRange
{
    /// <summary>The largest grid one option may describe; guards against typos such as <c>1:100000:1</c>.</summary>
    public const int MaxValues = 10_000;

    // Relative slack for the end of a real range: a:b*f and a:b:s include b when repeated rounding lands just past it.
    private const double EndSlack = 1e-12;

    /// <summary>Parses <paramref name="text"/> for the option <paramref name="option"/> (named in error messages).</summary>
    /// <exception cref="InvalidInputException">Malformed text, a value below 1, an empty range, or a bad step or factor.</exception>
    public static int[] Parse(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = new SortedSet<int>();
        foreach (var raw in text.Split(','))
        {
            var item = raw.Trim();
            if (item.Length == 0) throw Bad(option, text, "empty item");
            if (!item.Contains(':'))
            {
                values.Add(Int(item, option, text));
                continue;
            }
            var parts = item.Split(':');
            if (parts.Length > 3) throw Bad(option, text, $"'{item}' has more than two ':'");
            int a = Int(parts[0], option, text);
            string tail = parts.Length == 3 ? parts[2] : "*2";
            string endText = parts[1];
            if (parts.Length == 2 && endText.Contains('*'))
            {
                var star = endText.Split('*');
                if (star.Length != 2) throw Bad(option, text, $"'{item}' has more than one '*'");
                endText = star[0];
                tail = "*" + star[1];
            }
            int b = Int(endText, option, text);
            if (b < a) throw Bad(option, text, $"range '{item}' is empty (end {b} < start {a})");
            if (tail.StartsWith('*'))
            {
                if (!double.TryParse(tail[1..], NumberStyles.Float, CultureInfo.InvariantCulture, out double f) || !(f > 1) || !double.IsFinite(f))
                    throw Bad(option, text, $"geometric factor '{tail[1..]}' in '{item}' must be a number > 1");
                for (double v = a; Math.Round(v) <= b; v *= f)
                {
                    values.Add((int)Math.Round(v));
                    if (values.Count > MaxValues) throw Bad(option, text, $"more than {MaxValues} values");
                }
            }
            else
            {
                int s = Int(tail, option, text);
                for (long v = a; v <= b; v += s)
                {
                    values.Add((int)v);
                    if (values.Count > MaxValues) throw Bad(option, text, $"more than {MaxValues} values");
                }
            }
        }
        return values.ToArray();
    }

    /// <summary>
    /// A grid of real values for <paramref name="option"/>: a list of numbers, or items a:b*f (geometric, f &gt; 1,
    /// a &gt; 0) and a:b:s (arithmetic, s &gt; 0); values come out increasing, as round-trip text.
    /// </summary>
    /// <exception cref="InvalidInputException">Malformed text, a non-finite value, an empty range, or too many values.</exception>
    public static string[] ParseReal(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        var inv = CultureInfo.InvariantCulture;
        var values = new SortedSet<double>();
        double Real(string s) =>
            double.TryParse(s.Trim(), NumberStyles.Float, inv, out double v) && double.IsFinite(v)
                ? v : throw BadReal(option, text, $"'{s}' is not a finite number");
        foreach (var raw in text.Split(','))
        {
            var item = raw.Trim();
            if (item.Length == 0) throw BadReal(option, text, "empty item");
            var parts = item.Split(':');
            if (parts.Length == 1)
            {
                values.Add(Real(item));
                continue;
            }
            if (parts.Length > 3) throw BadReal(option, text, $"'{item}' has more than two ':'");
            double a = Real(parts[0]);
            if (parts.Length == 2)
            {
                var star = parts[1].Split('*');
                if (star.Length != 2) throw BadReal(option, text, $"'{item}' needs a factor (a:b*f) or a step (a:b:s)");
                double b = Real(star[0]), f = Real(star[1]);
                if (!(f > 1) || !(a > 0) || b < a) throw BadReal(option, text, $"'{item}' needs 0 < a ≤ b and a factor > 1");
                // The end is included up to rounding of the repeated product.
                for (double v = a; v <= b * (1 + EndSlack); v *= f)
                {
                    values.Add(v);
                    if (values.Count > MaxValues) throw BadReal(option, text, $"more than {MaxValues} values");
                }
            }
            else
            {
                double b = Real(parts[1]), st = Real(parts[2]);
                if (!(st > 0) || b < a) throw BadReal(option, text, $"'{item}' needs a ≤ b and a step > 0");
                for (long i = 0; a + i * st <= b + EndSlack * Math.Max(Math.Abs(a), Math.Abs(b)); i++)
                {
                    values.Add(a + i * st);
                    if (values.Count > MaxValues) throw BadReal(option, text, $"more than {MaxValues} values");
                }
            }
        }
        return values.Select(v => v.ToString("R", inv)).ToArray();
    }

    private static InvalidInputException BadReal(string option, string text, string why) =>
        new($"{option} '{text}': {why}; expected v, v1,v2,..., a:b*factor or a:b:step");

    private static int Int(string s, string option, string text)
    {
        if (!int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 1)
            throw Bad(option, text, $"'{s}' is not a positive integer");
        return v;
    }

    private static InvalidInputException Bad(string option, string text, string why) =>
        new($"{option} '{text}': {why}; expected v, v1,v2,..., a:b:step, a:b*factor or a:b (doubling)");
}

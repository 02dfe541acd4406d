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

    private static int Int(string s, string option, string text)
    {
        if (!int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 1)
            throw Bad(option, text, $"'{s}' is not a positive integer");
        return v;
    }

    private static InvalidInputException Bad(string option, string text, string why) =>
        new($"{option} '{text}': {why}; expected v, v1,v2,..., a:b:step, a:b*factor or a:b (doubling)");
}

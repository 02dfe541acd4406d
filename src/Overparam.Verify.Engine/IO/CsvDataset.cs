using System.Globalization;
using System.Text;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.IO;

/// <summary>
/// Data sets as comma-separated text. Format:
/// <list type="bullet">
/// <item><description>The first line is a header of column names. Exactly one column is named <c>y</c> (case-sensitive):
/// the target. Every other column is an input feature, in file order. Names must be non-empty and distinct.</description></item>
/// <item><description>Every later line is one sample with as many fields as the header. Fields are decimal numbers
/// in invariant culture (<c>1.5</c>, <c>-2e-3</c>); NaN and ±Inf (including overflow such as <c>1e400</c>) are rejected.</description></item>
/// <item><description>Fields are separated by commas and trimmed of surrounding whitespace. A field may be wrapped in
/// one pair of double quotes, which are removed; any other quote (embedded, escaped, unbalanced) is rejected, since
/// quoted commas are not supported.</description></item>
/// <item><description>Blank lines at the end are ignored; a blank line before a data row is an error.
/// CRLF and LF line ends and a UTF-8 byte-order mark are accepted.</description></item>
/// </list>
/// Error messages name the file, the row and (where there is one) the column. Rows are numbered from 1 as lines
/// of the file, counting the header as row 1, so "row 3" is what an editor shows as line 3.
/// </summary>
public static class CsvDataset
{
    /// <summary>The name of the target column.</summary>
    public const string TargetColumn = "y";

    /// <summary>Reads and validates a CSV data set; throws <see cref="InvalidInputException"/> on any format error.</summary>
    public static Dataset Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new InvalidInputException($"file not found: {path}");
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"file {path}: cannot read: {e.Message}", e);
        }
        return Parse(lines, path);
    }

    /// <summary>Parses CSV lines (as <see cref="Read"/> does) with <paramref name="source"/> used in messages as the file name.</summary>
    public static Dataset Parse(IReadOnlyList<string> lines, string source)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(source);

        int last = lines.Count - 1;
        while (last >= 0 && string.IsNullOrWhiteSpace(lines[last])) last--;
        if (last < 0)
            throw new InvalidInputException($"file {source}: empty file; expected a header row with a column named 'y'");

        if (string.IsNullOrWhiteSpace(lines[0]))
            throw new InvalidInputException($"file {source}, row 1: blank header row; expected column names with one named 'y'");
        var header = SplitFields(lines[0], source, 1);
        int target = -1;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < header.Length; c++)
        {
            string name = header[c];
            if (name.Length == 0)
                throw new InvalidInputException($"file {source}, row 1, column {c + 1}: empty column name");
            if (seen.TryGetValue(name, out int first))
                throw new InvalidInputException(
                    $"file {source}, row 1: duplicate column name '{name}' (columns {first + 1} and {c + 1})");
            seen[name] = c;
            if (name == TargetColumn) target = c;
        }
        if (target < 0)
        {
            string hint = seen.ContainsKey("Y") ? " (found 'Y'; the name is case-sensitive)"
                : header.All(h => double.TryParse(h, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    ? " (the first row looks like data; a header row is required)"
                    : "";
            throw new InvalidInputException(
                $"file {source}, row 1: no column named 'y' (the target){hint}; columns are {string.Join(", ", header)}");
        }
        int d = header.Length - 1;
        if (d == 0)
            throw new InvalidInputException($"file {source}, row 1: only the target column 'y'; need at least one input column");
        if (last == 0)
            throw new InvalidInputException($"file {source}: header only, no data rows");

        int n = last;
        var x = new Matrix(n, d);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            int row = i + 2;
            string line = lines[i + 1];
            if (string.IsNullOrWhiteSpace(line))
                throw new InvalidInputException($"file {source}, row {row}: blank line before the last data row");
            var fields = SplitFields(line, source, row);
            if (fields.Length != header.Length)
                throw new InvalidInputException(
                    $"file {source}, row {row}: {fields.Length} columns, header has {header.Length}");
            int j = 0;
            for (int c = 0; c < fields.Length; c++)
            {
                double v = ParseNumber(fields[c], source, row, header[c]);
                if (c == target) y[i] = v;
                else x[i, j++] = v;
            }
        }
        return new Dataset(x, y);
    }

    /// <summary>
    /// Writes <paramref name="data"/> with header <c>x1,…,xd,y</c>, one sample per line, LF line ends, numbers in
    /// shortest round-trip form (invariant culture), so <see cref="Read"/> gives back the same bits (−0 included).
    /// </summary>
    public static void Write(string path, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(data);
        File.WriteAllText(path, Format(data), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>The text <see cref="Write"/> would write.</summary>
    public static string Format(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var sb = new StringBuilder();
        for (int j = 0; j < data.D; j++) sb.Append('x').Append(j + 1).Append(',');
        sb.Append(TargetColumn.AsSpan()).Append('\n');
        for (int i = 0; i < data.N; i++)
        {
            var row = data.X.Row(i);
            for (int j = 0; j < row.Length; j++)
                sb.Append(row[j].ToString("R", CultureInfo.InvariantCulture)).Append(',');
            sb.Append(data.Y[i].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }

    private static string[] SplitFields(string line, string source, int row)
    {
        var parts = line.Split(',');
        for (int c = 0; c < parts.Length; c++)
        {
            string f = parts[c].Trim();
            if (f.Length >= 2 && f[0] == '"' && f[^1] == '"')
                f = f[1..^1].Trim();
            if (f.Contains('"'))
                throw new InvalidInputException(
                    $"file {source}, row {row}, column {c + 1}: unsupported quote in {Quote(parts[c].Trim())}; " +
                    "only a whole field in one pair of double quotes is allowed, and commas inside quotes are not");
            parts[c] = f;
        }
        return parts;
    }

    private static double ParseNumber(string field, string source, int row, string column)
    {
        if (field.Length == 0)
            throw new InvalidInputException($"file {source}, row {row}, column '{column}': empty field is not a number");
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            throw new InvalidInputException($"file {source}, row {row}, column '{column}': {Quote(field)} is not a number");
        if (!double.IsFinite(v))
            throw new InvalidInputException(
                $"file {source}, row {row}, column '{column}': {Quote(field)} is not a finite number (NaN and ±Inf are rejected)");
        return v;
    }

    private static string Quote(string s) => "'" + (s.Length > 40 ? s[..40] + "…" : s) + "'";
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Overparam.Verify.Contracts;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Theory;

namespace Overparam.Verify.Cli.Sweeps;

/// <summary>
/// A cell of a sweep grid: one value per axis, in the sweep's axis order, as canonical option text. Its identity is
/// its canonical JSON (<c>{"n":10,"k":2}</c>), which is also the store's <c>cell</c> column.
/// </summary>
public sealed class Cell : IEquatable<Cell>
{
    /// <summary>A cell from (axis, canonical value) pairs in axis order.</summary>
    public Cell(IReadOnlyList<KeyValuePair<string, string>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Values = values;
        var sb = new StringBuilder("{");
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(JsonSerializer.Serialize(values[i].Key)).Append(':').Append(SweepSpec.JsonValue(values[i].Value));
        }
        Json = sb.Append('}').ToString();
    }

    /// <summary>The axis values in axis order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Values { get; }

    /// <summary>Canonical JSON of the values.</summary>
    public string Json { get; }

    /// <summary>The value of axis <paramref name="name"/>, or null when it is not an axis.</summary>
    public string? ValueOf(string name) => Values.FirstOrDefault(v => v.Key == name).Value;

    /// <summary>Reads a cell back from its canonical JSON.</summary>
    /// <exception cref="InvalidInputException">Not a JSON object of numbers and strings.</exception>
    public static Cell Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return new Cell(doc.RootElement.EnumerateObject()
                .Select(p => KeyValuePair.Create(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()))
                .ToArray());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidInputException($"run store: malformed cell '{json}'", e);
        }
    }

    /// <inheritdoc/>
    public bool Equals(Cell? other) => other is not null && other.Json == Json;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Cell);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Json);

    /// <summary>"n = 10, k = 2".</summary>
    public override string ToString() => string.Join(", ", Values.Select(v => $"{v.Key} = {v.Value}"));
}

/// <summary>The identity of one trial in a sweep.</summary>
/// <param name="Cell">The cell.</param>
/// <param name="Trial">Trial index within the cell (0-based).</param>
public readonly record struct TrialKey(Cell Cell, int Trial);

/// <summary>What one trial produced; exactly what the run store keeps besides bookkeeping.</summary>
/// <param name="Key">Cell and trial index.</param>
/// <param name="Seed">The trial seed (<see cref="SweepSpec.TrialSeed"/>).</param>
/// <param name="Status">How the run ended, lower case.</param>
/// <param name="Success">The theorem's success rule.</param>
/// <param name="MetricsJson">The trial's metrics as canonical JSON (<see cref="SweepSpec.MetricsJson"/>).</param>
/// <param name="WallSeconds">Time the trial took (not part of the result's identity).</param>
public sealed record TrialResult(TrialKey Key, ulong Seed, string Status, bool Success, string MetricsJson, double WallSeconds)
{
    /// <summary>True when every field except the wall time agrees (metrics bit for bit: their text round-trips).</summary>
    public bool SameOutcome(TrialResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Key == other.Key && Seed == other.Seed && Status == other.Status && Success == other.Success
            && MetricsJson == other.MetricsJson;
    }

    /// <summary>The metric <paramref name="name"/> (NaN when absent).</summary>
    public double Metric(string name) => SweepSpec.ParseMetrics(MetricsJson).GetValueOrDefault(name, double.NaN);
}

/// <summary>
/// Everything that decides the results of a sweep's trials: the theorem, which trial options vary along axes, and
/// the canonical values of all the others (the run seed included). The grid (which axis values and how many trials)
/// is not part of it: a store holds trials by (cell, trial index), so a larger grid, more trials or another shard of
/// the same spec extend the same sweep.
/// </summary>
public sealed class SweepSpec
{
    /// <summary>Format tag written into the parameters.</summary>
    public const string Format = "overparam.sweep/2";

    private SweepSpec(ITheorem theorem, IReadOnlyList<string> axes, IReadOnlyDictionary<string, string> fixedValues, ulong seed)
    {
        Theorem = theorem;
        Trial = theorem.Trial;
        Axes = axes;
        Fixed = fixedValues;
        Seed = seed;
    }

    /// <summary>The theorem whose trial this sweep runs.</summary>
    public ITheorem Theorem { get; }

    /// <summary>Its trial.</summary>
    public SweepTrialInfo Trial { get; }

    /// <summary>The options that vary, outermost first (the first axis is the outer loop of the grid).</summary>
    public IReadOnlyList<string> Axes { get; }

    /// <summary>Canonical values of every trial option that is not an axis.</summary>
    public IReadOnlyDictionary<string, string> Fixed { get; }

    /// <summary>The run seed; trial seeds derive from it.</summary>
    public ulong Seed { get; }

    /// <summary>
    /// A spec for <paramref name="theorem"/>: <paramref name="axes"/> vary, <paramref name="given"/> fixes others
    /// (canonicalized; defaults fill the rest).
    /// </summary>
    /// <exception cref="InvalidInputException">No trial, an unknown or non-axis option, a value that does not parse.</exception>
    public static SweepSpec Create(ITheorem theorem, IReadOnlyList<string> axes, IReadOnlyDictionary<string, string> given, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(theorem);
        ArgumentNullException.ThrowIfNull(axes);
        ArgumentNullException.ThrowIfNull(given);
        var trial = theorem.Trial ?? throw new InvalidInputException($"theorem {theorem.Id} ({theorem.Command}) defines no sweep trial");
        foreach (var a in axes)
        {
            if (!trial.Axes.Contains(a))
                throw new InvalidInputException($"--axis {a}: not an axis of {theorem.Command} (axes: {string.Join(", ", trial.Axes)})");
        }
        if (axes.Distinct().Count() != axes.Count) throw new InvalidInputException($"--axis: an option is given twice ({string.Join(", ", axes)})");
        foreach (var name in given.Keys)
        {
            if (trial.Options.All(o => o.Name != name)) throw new InvalidInputException($"unknown option --{name} for sweep {theorem.Command}");
            if (axes.Contains(name)) throw new InvalidInputException($"--{name} is both an axis and a fixed value; give it once");
        }
        var fixedValues = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in trial.Options.Where(o => !axes.Contains(o.Name)))
            fixedValues[o.Name] = Canonical(o, given.TryGetValue(o.Name, out var v) ? v : o.Default);
        return new SweepSpec(theorem, axes.ToArray(), fixedValues, seed);
    }

    /// <summary>
    /// The spec of a stored sweep, rebuilt from its parameters JSON through the registry (the theorem's current trial).
    /// </summary>
    /// <exception cref="InvalidInputException">An unknown theorem, a theorem without a trial, or parameters that the
    /// current trial would write differently (another protocol or option set: report it with the version that ran it).</exception>
    public static SweepSpec FromJson(string parameters, string where)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var doc = JsonDocument.Parse(parameters);
        var root = doc.RootElement;
        string Text(string name) =>
            root.TryGetProperty(name, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText())
            : throw new InvalidInputException($"{where}: stored sweep parameters have no '{name}'");
        string id = Text("theorem");
        var theorem = Theorems.Find(id) ?? throw new InvalidInputException($"{where}: the sweep is of theorem '{id}', which this version does not register");
        var axes = Text("axes").Split(',', StringSplitOptions.RemoveEmptyEntries);
        ulong seed = ulong.Parse(Text("seed"), CultureInfo.InvariantCulture);
        string[] meta = ["format", "theorem", "trial", "protocol", "axes", "seed"];
        var given = root.EnumerateObject().Where(p => !meta.Contains(p.Name))
            .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal);
        SweepSpec spec;
        try
        {
            spec = Create(theorem, axes, given, seed);
        }
        catch (InvalidInputException e)
        {
            throw new InvalidInputException($"{where}: the stored sweep does not fit this version's {theorem.Command} trial ({e.Message})", e);
        }
        if (spec.ToJson() != parameters)
            throw new InvalidInputException(
                $"{where}: the sweep was stored by another version of the {theorem.Command} trial (protocol {Text("protocol")}, now {spec.Trial.Protocol}); report it with the version that ran it");
        return spec;
    }

    /// <summary>Canonical text of an option value: integers and reals re-printed (so "1e-4" and "0.0001" agree).</summary>
    /// <exception cref="InvalidInputException">A number that does not parse.</exception>
    public static string Canonical(OptionSpec option, string value)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(value);
        var inv = CultureInfo.InvariantCulture;
        var v = value.Trim();
        // Empty means "the theorem's automatic choice" (e.g. P2's --lr): kept as is.
        if (v.Length == 0) return v;
        switch (option.Kind)
        {
            case OptionKind.Integer:
            case OptionKind.Long:
                return long.TryParse(v, NumberStyles.AllowLeadingSign, inv, out long l)
                    ? l.ToString(inv)
                    : throw new InvalidInputException($"--{option.Name}: '{value}' is not an integer (in range)");
            case OptionKind.Real:
                return double.TryParse(v, NumberStyles.Float, inv, out double d) && double.IsFinite(d)
                    ? d.ToString("R", inv)
                    : throw new InvalidInputException($"--{option.Name}: '{value}' is not a finite number");
            default:
                return v;
        }
    }

    /// <summary>The option spec named <paramref name="name"/>.</summary>
    public OptionSpec Option(string name) => Trial.Options.First(o => o.Name == name);

    /// <summary>
    /// The parameters as canonical flat JSON (format, theorem, protocol, axes, seed, then every fixed option in the
    /// trial's order): stored in the sweeps table and hashed into <see cref="Key"/>.
    /// </summary>
    public string ToJson()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"{{\"format\":\"{Format}\",\"theorem\":{JsonSerializer.Serialize(Theorem.Id)},\"trial\":{JsonSerializer.Serialize(Theorem.Command)},");
        sb.Append(inv, $"\"protocol\":{Trial.Protocol},\"axes\":{JsonSerializer.Serialize(string.Join(",", Axes))},\"seed\":{Seed}");
        foreach (var o in Trial.Options.Where(o => Fixed.ContainsKey(o.Name)))
            sb.Append(',').Append(JsonSerializer.Serialize(o.Name)).Append(':').Append(IsNumeric(o) && Fixed[o.Name].Length > 0 ? Fixed[o.Name] : JsonSerializer.Serialize(Fixed[o.Name]));
        return sb.Append('}').ToString();
    }

    /// <summary>16 hex digits of FNV-1a of <see cref="ToJson"/>: equal specs give equal keys on every machine.</summary>
    public string Key => RandomStreams.Fnv1a64(ToJson()).ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>
    /// The seed of trial <paramref name="trial"/> in <paramref name="cell"/>: the first draw of stream
    /// <c>"sweep/a=v/b=w/…/trial=t"</c> under <see cref="Seed"/>, over the trial's seed-key options in their declared
    /// order. Depends on nothing else, so shards, resumed runs, refinements and any thread count reproduce the same
    /// trial; the trial's data and initialization then draw from their own named streams under it.
    /// </summary>
    public ulong TrialSeed(Cell cell, int trial)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var name = new StringBuilder("sweep");
        foreach (var k in Trial.SeedKey) name.Append('/').Append(k).Append('=').Append(ValueOf(cell, k));
        name.Append(CultureInfo.InvariantCulture, $"/trial={trial}");
        return RandomStreams.For(Seed, name.ToString()).NextUInt64();
    }

    /// <summary>The value of option <paramref name="name"/> in <paramref name="cell"/> (axis or fixed).</summary>
    public string ValueOf(Cell cell, string name)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return cell.ValueOf(name) ?? Fixed[name];
    }

    /// <summary>Every trial option's value in <paramref name="cell"/>, with <paramref name="seed"/> as "seed".</summary>
    public Dictionary<string, string> ValuesFor(Cell cell, ulong seed)
    {
        var values = Trial.Options.ToDictionary(o => o.Name, o => ValueOf(cell, o.Name), StringComparer.Ordinal);
        values["seed"] = seed.ToString(CultureInfo.InvariantCulture);
        return values;
    }

    /// <summary>The numeric option values of <paramref name="cell"/> (for the covariate and the plot axes).</summary>
    public Dictionary<string, double> NumbersFor(Cell cell)
    {
        var numbers = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var o in Trial.Options.Where(IsNumeric))
            if (double.TryParse(ValueOf(cell, o.Name), NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                numbers[o.Name] = v;
        return numbers;
    }

    /// <summary>Canonical JSON of a trial's metrics, in the trial's metric order: round-trip numbers, non-finite
    /// values as strings ("NaN", "Infinity", "-Infinity").</summary>
    public string MetricsJson(IReadOnlyList<double> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.Count != Trial.Metrics.Count)
            throw new InvalidOperationException($"trial of {Theorem.Command} returned {metrics.Count} metrics, declared {Trial.Metrics.Count}");
        var sb = new StringBuilder("{");
        for (int i = 0; i < metrics.Count; i++)
        {
            if (i > 0) sb.Append(',');
            double v = metrics[i];
            sb.Append(JsonSerializer.Serialize(Trial.Metrics[i].Name)).Append(':')
              .Append(double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : JsonSerializer.Serialize(v.ToString(CultureInfo.InvariantCulture)));
        }
        return sb.Append('}').ToString();
    }

    /// <summary>Reads metrics JSON back (numbers or the strings NaN/Infinity/-Infinity).</summary>
    public static Dictionary<string, double> ParseMetrics(string json)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(json);
        foreach (var p in doc.RootElement.EnumerateObject())
            result[p.Name] = p.Value.ValueKind == JsonValueKind.Number
                ? p.Value.GetDouble()
                : double.Parse(p.Value.GetString() ?? "NaN", NumberStyles.Float, CultureInfo.InvariantCulture);
        return result;
    }

    /// <summary>True for integer and real options (unquoted in JSON).</summary>
    public static bool IsNumeric(OptionSpec option) =>
        option is { Kind: OptionKind.Integer or OptionKind.Long or OptionKind.Real };

    /// <summary>A canonical value as a JSON token: numbers bare, anything else a string.</summary>
    internal static string JsonValue(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)
        && !value.Contains(' ', StringComparison.Ordinal)
            ? value
            : JsonSerializer.Serialize(value);
}

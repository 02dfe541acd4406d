using System.Globalization;

namespace Overparam.Verify.Engine.Training;

/// <summary>
/// The records a training run logged, in step order, with column views for certificates and a CSV writer.
/// </summary>
public sealed class TrainingTrace
{
    /// <summary>The fixed columns of the CSV written by <see cref="WriteCsv"/>; observer columns follow them.</summary>
    public const string CsvHeader = "step,time,loss,grad_norm_sq,dist_l2,dist_linf,wall_seconds";

    private const int FixedColumns = 7;

    private readonly List<TraceRecord> _records = new();
    private readonly Dictionary<string, List<double>> _observed = new(StringComparer.Ordinal);
    private readonly List<string> _observedOrder = new();

    /// <summary>The names of the observer columns, in the order the observers declared them.</summary>
    public IReadOnlyList<string> ObservedColumns => _observedOrder;

    /// <summary>The values observer column <paramref name="name"/> recorded, one per record.</summary>
    /// <exception cref="KeyNotFoundException">No observer wrote that column.</exception>
    public double[] Observed(string name) =>
        _observed.TryGetValue(name, out var values)
            ? values.ToArray()
            : throw new KeyNotFoundException($"no observer column '{name}' (columns: {string.Join(", ", _observedOrder)})");

    /// <summary>Declares observer columns before the first record; a name used twice is an error.</summary>
    internal void DeclareObserved(IReadOnlyList<string> names)
    {
        foreach (var n in names)
        {
            if (!_observed.TryAdd(n, new List<double>()))
                throw new ArgumentException($"two observers write the trace column '{n}'", nameof(names));
            _observedOrder.Add(n);
        }
    }

    /// <summary>Appends one value to observer column <paramref name="name"/>.</summary>
    internal void AddObserved(string name, double value) => _observed[name].Add(value);

    /// <summary>The records in the order they were added.</summary>
    public IReadOnlyList<TraceRecord> Records => _records;

    /// <summary>Number of records.</summary>
    public int Count => _records.Count;

    /// <summary>Appends <paramref name="record"/>.</summary>
    public void Add(TraceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _records.Add(record);
    }

    /// <summary>The step column (exact for steps below 2⁵³).</summary>
    public double[] Steps() => Column(r => r.Step);

    /// <summary>The time column.</summary>
    public double[] Times() => Column(r => r.Time);

    /// <summary>The loss column.</summary>
    public double[] Losses() => Column(r => r.Loss);

    /// <summary>The ‖∇L‖² column.</summary>
    public double[] GradientNormsSquared() => Column(r => r.GradientNormSquared);

    /// <summary>The ‖θ − θ₀‖₂ column.</summary>
    public double[] DistancesL2() => Column(r => r.DistanceL2);

    /// <summary>The ‖θ − θ₀‖∞ column.</summary>
    public double[] DistancesLinf() => Column(r => r.DistanceLinf);

    /// <summary>The wall-clock seconds column.</summary>
    public double[] WallSeconds() => Column(r => r.WallSeconds);

    private double[] Column(Func<TraceRecord, double> select)
    {
        var c = new double[_records.Count];
        for (int i = 0; i < c.Length; i++) c[i] = select(_records[i]);
        return c;
    }

    /// <summary>
    /// Writes the header (<see cref="CsvHeader"/>, then each observer column's name) and one line per record,
    /// '\n'-terminated on every platform. Numbers use the invariant culture and the shortest round-trip form ("R"), so
    /// parsing gives back the same doubles bit for bit. NaN is written as an EMPTY field (read as missing by pandas, R
    /// and spreadsheets); infinities as <c>inf</c> / <c>-inf</c>. Only observer columns can be NaN or infinite: losses,
    /// gradients and distances in a trace are finite because a non-finite value ends the run as Diverged before it is
    /// logged.
    /// </summary>
    public void WriteCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(CsvHeader);
        foreach (var name in _observedOrder) writer.Write(',' + name);
        writer.Write('\n');
        for (int i = 0; i < _records.Count; i++)
        {
            var r = _records[i];
            writer.Write(r.Step.ToString(CultureInfo.InvariantCulture));
            foreach (double v in new[] { r.Time, r.Loss, r.GradientNormSquared, r.DistanceL2, r.DistanceLinf, r.WallSeconds })
            {
                writer.Write(',');
                writer.Write(Format(v));
            }
            foreach (var name in _observedOrder)
            {
                writer.Write(',');
                writer.Write(Format(_observed[name][i]));
            }
            writer.Write('\n');
        }
    }

    /// <summary>
    /// Reads what <see cref="WriteCsv"/> wrote (the fixed header, then observer column names; empty field = NaN,
    /// <c>inf</c>/<c>-inf</c>). Throws <see cref="InvalidInputException"/> naming the line and column of anything else.
    /// </summary>
    public static TrainingTrace ReadCsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        string? header = reader.ReadLine()?.TrimEnd('\r');
        var names = header?.Split(',') ?? [];
        if (header is null || names.Length < FixedColumns || string.Join(',', names.Take(FixedColumns)) != CsvHeader)
            throw new InvalidInputException($"trace CSV line 1: expected a header starting '{CsvHeader}', got '{header}'");
        var trace = new TrainingTrace();
        var observed = names.Skip(FixedColumns).ToArray();
        if (observed.Any(string.IsNullOrWhiteSpace))
            throw new InvalidInputException("trace CSV line 1: an observer column has no name");
        try
        {
            trace.DeclareObserved(observed);
        }
        catch (ArgumentException)
        {
            throw new InvalidInputException($"trace CSV line 1: an observer column is named twice ({string.Join(", ", observed)})");
        }
        string? line;
        int lineNo = 1;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            line = line.TrimEnd('\r');
            if (line.Length == 0) continue;
            var f = line.Split(',');
            if (f.Length != names.Length)
                throw new InvalidInputException($"trace CSV line {lineNo}: expected {names.Length} fields, got {f.Length}");
            if (!long.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long step))
                throw new InvalidInputException($"trace CSV line {lineNo}, column step: '{f[0]}' is not an integer");
            trace.Add(new TraceRecord(
                step,
                Parse(f[1], lineNo, "time"),
                Parse(f[2], lineNo, "loss"),
                Parse(f[3], lineNo, "grad_norm_sq"),
                Parse(f[4], lineNo, "dist_l2"),
                Parse(f[5], lineNo, "dist_linf"),
                Parse(f[6], lineNo, "wall_seconds")));
            for (int c = 0; c < observed.Length; c++) trace.AddObserved(observed[c], Parse(f[FixedColumns + c], lineNo, observed[c]));
        }
        return trace;
    }

    private static string Format(double x) =>
        double.IsNaN(x) ? ""
        : double.IsPositiveInfinity(x) ? "inf"
        : double.IsNegativeInfinity(x) ? "-inf"
        : x.ToString("R", CultureInfo.InvariantCulture);

    private static double Parse(string s, int lineNo, string column)
    {
        if (s.Length == 0) return double.NaN;
        if (s == "inf") return double.PositiveInfinity;
        if (s == "-inf") return double.NegativeInfinity;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x))
            return x;
        throw new InvalidInputException($"trace CSV line {lineNo}, column {column}: '{s}' is not a number");
    }
}

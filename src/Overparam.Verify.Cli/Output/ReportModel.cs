using System.Globalization;
using Overparam.Verify.Contracts;
using Overparam.Verify.Engine.Numerics;

namespace Overparam.Verify.Cli.Output;

/// <summary>Whether a report row is a condition (checked on the instance) or a prediction (held against the run).</summary>
public enum ReportRowKind
{
    /// <summary>A hypothesis, premise or condition measurement.</summary>
    Condition,

    /// <summary>A bound, conditional bound, self-check or measurement held against the run.</summary>
    Prediction,
}

/// <summary>
/// One row of the condition or prediction table, in the words every rendering uses. For a condition,
/// <see cref="Value"/> is the computed quantity and <see cref="Limit"/> its threshold; for a prediction, the observed
/// value and the bound at the worst step.
/// </summary>
/// <param name="Kind">Condition or prediction.</param>
/// <param name="Id">The theorem's id, e.g. "P2.C3".</param>
/// <param name="Statement">The condition or prediction in words and symbols.</param>
/// <param name="Role">What the row does to the verdict.</param>
/// <param name="RoleNote">The role's consequence in words ("reported, not part of the verdict"), empty when none.</param>
/// <param name="Status">How the number was obtained.</param>
/// <param name="Value">Condition value or observed value.</param>
/// <param name="Limit">Threshold or bound.</param>
/// <param name="Holds">Whether it holds.</param>
/// <param name="Outcome">Conditions: "holds", "fails" or "inconclusive"; predictions: empty.</param>
/// <param name="Reason">Conditions: why, when the outcome is not "holds"; predictions: the note.</param>
/// <param name="Sense">Predictions: "at-most" or "at-least"; conditions: empty.</param>
/// <param name="Slack">Predictions: observed/bound at the worst step; conditions: the margin.</param>
/// <param name="WorstStep">Predictions: the worst logged step (−1 for whole-run quantities); conditions: −1.</param>
public sealed record ReportRow(
    ReportRowKind Kind,
    string Id,
    string Statement,
    CheckRole Role,
    string RoleNote,
    NumberStatusKind Status,
    double Value,
    double Limit,
    bool Holds,
    string Outcome,
    string Reason,
    string Sense,
    double Slack,
    long WorstStep);

/// <summary>One line of a plot: a trace column with its role and status.</summary>
/// <param name="Name">Column name, e.g. "loss".</param>
/// <param name="Role">Observed, bound or diagnostic.</param>
/// <param name="Status">How its values were obtained.</param>
/// <param name="Description">What it is, with units.</param>
/// <param name="Values">One value per point of the plot's x column (NaN where not logged).</param>
public sealed record ReportSeries(string Name, ColumnRole Role, NumberStatusKind Status, string Description, double[] Values);

/// <summary>
/// A plot of one observed column (and its bound, when the certificate names one) over an index column.
/// </summary>
/// <param name="Title">Title.</param>
/// <param name="FromCertificate">True for a <see cref="TracePlot"/> of the certificate; false for an observed column no plot shows, drawn alone.</param>
/// <param name="X">The index column.</param>
/// <param name="Observed">The observed column.</param>
/// <param name="Bound">The bound column, or null.</param>
/// <param name="LogY">Log scale on y.</param>
/// <param name="Worst">
/// Index of the point with the largest observed/bound ratio (the first point left out when the bound starts at the
/// observed value); −1 without a bound.
/// </param>
public sealed record ReportPlot(string Title, bool FromCertificate, ReportSeries X, ReportSeries Observed, ReportSeries? Bound, bool LogY, int Worst)
{
    /// <summary>observed/bound at <see cref="Worst"/>; NaN without one.</summary>
    public double WorstRatio => Worst >= 0 && Bound is not null ? Observed.Values[Worst] / Bound.Values[Worst] : double.NaN;
}

/// <summary>
/// What a report shows, built once from a <see cref="Certificate"/> and rendered as the console summary, report.md
/// and report.html (<see cref="CertificateReport"/>, <see cref="HtmlReport"/>). Nothing here names a theorem: rows,
/// groups, plots and commands all come from the certificate.
/// </summary>
/// <param name="Certificate">The certificate itself, for the fields rendered as they are (theorem, verdict, options, provenance).</param>
/// <param name="Conditions">The condition rows.</param>
/// <param name="Predictions">The prediction rows.</param>
/// <param name="Plots">The certificate's plots, then one per observed column no plot shows.</param>
/// <param name="VerifyCommand">The command that re-runs and compares the certificate.</param>
public sealed record ReportModel(
    Certificate Certificate,
    IReadOnlyList<ReportRow> Conditions,
    IReadOnlyList<ReportRow> Predictions,
    IReadOnlyList<ReportPlot> Plots,
    string VerifyCommand)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The verdict as the certificate writes it ("hypotheses-not-met").</summary>
    public string VerdictName => ContractNames.Of(Certificate.Verdict.Kind);

    /// <summary>Builds the model of <paramref name="c"/>.</summary>
    public static ReportModel From(Certificate c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var conditions = c.Conditions.Select(r => new ReportRow(ReportRowKind.Condition, r.Id, r.Statement, r.Role, RoleNote(r.Role),
            r.Status, r.Value, r.Threshold, r.Holds, r.Outcome, r.Reason, "", r.Margin, -1)).ToList();
        var predictions = c.Predictions.Select(p => new ReportRow(ReportRowKind.Prediction, p.Id, p.Statement, p.Role, RoleNote(p.Role),
            p.Status, p.Observed, p.Bound, p.Holds, "", p.Note, p.Sense, p.Slack, p.WorstStep)).ToList();
        return new ReportModel(c, conditions, predictions, PlotsOf(c.Trace), "overparam verify certificate.json");
    }

    /// <summary>The role's consequence in words, empty for a hypothesis or a bound (their consequence is the verdict).</summary>
    public static string RoleNote(CheckRole role) => role switch
    {
        CheckRole.Measurement => "reported, not part of the verdict",
        CheckRole.Premise => "premise of the step-size bounds",
        CheckRole.ConditionalBound => "can make the verdict inconclusive, never refuted",
        CheckRole.SelfCheck => "checks the tool's own certified numbers: a violation is an internal error",
        _ => "",
    };

    /// <summary>A number as every rendering writes it: six significant digits, "—" for NaN, "∞" for infinity.</summary>
    public static string G(double v) =>
        double.IsNaN(v) ? "—" : double.IsPositiveInfinity(v) ? "∞" : double.IsNegativeInfinity(v) ? "−∞" : v.ToString("G6", Inv);

    private static List<ReportPlot> PlotsOf(TraceTable trace)
    {
        var plots = new List<ReportPlot>();
        static ReportSeries Series(TraceColumn col) => new(col.Name, col.Role, col.Status, col.Description, col.Values);
        foreach (var p in trace.Plots)
        {
            var x = trace.Column(p.X);
            var observed = trace.Column(p.Observed);
            if (x is null || observed is null) continue;
            var bound = p.Bound.Length > 0 ? trace.Column(p.Bound) : null;
            var b = bound is null ? null : Series(bound);
            plots.Add(new ReportPlot(p.Title, true, Series(x), Series(observed), b, p.LogY, WorstIndex(observed.Values, b?.Values)));
        }

        // An observed column no plot shows (the drift ‖w − w₀‖) is still something a reader would rather look at than read.
        var index = trace.Columns.FirstOrDefault(col => col.Role == ColumnRole.Index);
        if (index is null) return plots;
        var shown = trace.Plots.Select(p => p.Observed).ToHashSet(StringComparer.Ordinal);
        foreach (var col in trace.Columns.Where(col => col.Role == ColumnRole.Observed && !shown.Contains(col.Name)))
        {
            var positive = col.Values.Where(double.IsFinite).ToArray();
            // Log scale only where the column is positive and spans more than two decades.
            bool log = positive.Length > 0 && positive.All(v => v > 0) && positive.Max() / positive.Min() > 100;
            plots.Add(new ReportPlot($"{col.Name} over {index.Name}", false, Series(index), Series(col), null, log, -1));
        }
        return plots;
    }

    private static int WorstIndex(double[] observed, double[]? bound)
    {
        if (bound is null) return -1;
        int worst = -1;
        double ratio = double.NegativeInfinity;
        for (int i = 0; i < Math.Min(observed.Length, bound.Length); i++)
        {
            // An envelope anchored at the first observed value (L₀·Πq) equals it there by construction, up to the
            // rounding of its own sum: no test, so it is not the step to point at.
            if (i == 0 && Tolerance.RoundOff.Accepts(bound[0], observed[0])) continue;
            double r = observed[i] / bound[i];
            if (bound[i] > 0 && double.IsFinite(r) && r > ratio) (worst, ratio) = (i, r);
        }
        return worst;
    }
}

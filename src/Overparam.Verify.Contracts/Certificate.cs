using System.Text.Json.Serialization;

namespace Overparam.Verify.Contracts;

/// <summary>The overall verdict of a certificate (papers.md §6; theory/README.md "Verdicts").</summary>
[JsonConverter(typeof(KebabEnumConverter<VerdictKind>))]
public enum VerdictKind
{
    /// <summary>Every hypothesis established on exact or certified numbers, and every evaluated bound observed.</summary>
    Consistent,

    /// <summary>A hypothesis failed: the theorem promises nothing on this instance.</summary>
    HypothesesNotMet,

    /// <summary>A hypothesis or a bound could not be decided; the reason names it.</summary>
    Inconclusive,

    /// <summary>Hypotheses verified and a bound with exact or certified status observed false.</summary>
    Refuted,
}

/// <summary>How a number was obtained.</summary>
[JsonConverter(typeof(KebabEnumConverter<NumberStatusKind>))]
public enum NumberStatusKind
{
    /// <summary>Exact up to floating-point round-off.</summary>
    Exact,

    /// <summary>A rigorous one-sided bound, rounding included.</summary>
    Certified,

    /// <summary>A sampled or integrated estimate: can refute, never establish.</summary>
    Estimated,
}

/// <summary>What a condition or prediction row does to the verdict.</summary>
[JsonConverter(typeof(KebabEnumConverter<CheckRole>))]
public enum CheckRole
{
    /// <summary>A condition that decides the verdict.</summary>
    Hypothesis,

    /// <summary>A condition some bounds rest on (e.g. a step-size premise); failing it makes those bounds unable to refute.</summary>
    Premise,

    /// <summary>Reported, never asserted.</summary>
    Measurement,

    /// <summary>A predicted bound: can refute when its status is exact or certified.</summary>
    Bound,

    /// <summary>A bound the theorem promises only under a condition with an unspecified constant: never refutes.</summary>
    ConditionalBound,

    /// <summary>
    /// A check of the tool's own certified numbers against the run (e.g. a certified lower bound against measured
    /// values): not a conclusion of the theorem, so it never counts as evaluated; a violation is an internal error of
    /// the tool and makes the verdict inconclusive, never refuted.
    /// </summary>
    SelfCheck,
}

/// <summary>The role of a trace column.</summary>
[JsonConverter(typeof(KebabEnumConverter<ColumnRole>))]
public enum ColumnRole
{
    /// <summary>The step index or time the other columns are indexed by.</summary>
    Index,

    /// <summary>What the run did (loss, distance).</summary>
    Observed,

    /// <summary>What the theorem predicts (an envelope, a radius).</summary>
    Bound,

    /// <summary>Anything else recorded along the run.</summary>
    Diagnostic,
}

/// <summary>
/// The outcome of checking one theorem on one instance, schema <see cref="SchemaId"/>. Plain data: every theorem
/// fills the same records (named quantity groups and trace columns instead of per-theorem fields), so the reports,
/// <c>verify</c> and the sweeps never need to know which theorem they hold.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="Theorem">Which theorem and its statement.</param>
/// <param name="Verdict">The verdict, its reason and what it rests on.</param>
/// <param name="Seed">The run seed every random stream was derived from.</param>
/// <param name="Options">Every option of the run in canonical text form (defaults included): enough to re-run it.</param>
/// <param name="Reproduce">The command that re-runs this certificate.</param>
/// <param name="Provenance">Tool, build, machine, content hashes and invocation.</param>
/// <param name="Conditions">Hypotheses, premises and condition measurements.</param>
/// <param name="Predictions">Predicted bounds and measurements held against the run.</param>
/// <param name="NotChecked">IDs of the theorem this tool does not check, with the reason.</param>
/// <param name="Quantities">Named groups of the numbers the checks used, each with its status.</param>
/// <param name="Trace">The logged run as named columns, and the plots a report draws from them.</param>
public sealed record Certificate(
    string Schema,
    TheoremInfo Theorem,
    VerdictInfo Verdict,
    ulong Seed,
    IReadOnlyList<OptionValue> Options,
    string Reproduce,
    Provenance Provenance,
    IReadOnlyList<ConditionResult> Conditions,
    IReadOnlyList<PredictionResult> Predictions,
    IReadOnlyList<NotCheckedItem> NotChecked,
    IReadOnlyList<QuantityGroup> Quantities,
    TraceTable Trace)
{
    /// <summary>The schema id of this record.</summary>
    public const string SchemaId = "overparam.certificate/2";

    /// <summary>
    /// SHA-256 (hex) of the canonical JSON of everything else in the certificate (<see cref="CertificateJson.ContentHashOf"/>):
    /// any edit of the body makes <c>overparam verify</c> report tampering.
    /// </summary>
    public string ContentHash { get; init; } = "";

    /// <summary>The value of option <paramref name="name"/>; null when the certificate has none.</summary>
    public string? Option(string name) => Options.FirstOrDefault(o => o.Name == name)?.Value;
}

/// <summary>The theorem a certificate is about.</summary>
/// <param name="Id">Paper id, e.g. "P2".</param>
/// <param name="Command">The <c>certify</c> subcommand, e.g. "local-pl".</param>
/// <param name="Title">Short title.</param>
/// <param name="Reference">Paper reference (authors, arXiv id).</param>
/// <param name="Statement">The theorem in the project's notation.</param>
public sealed record TheoremInfo(string Id, string Command, string Title, string Reference, string Statement);

/// <summary>The verdict and what it rests on.</summary>
/// <param name="Kind">The verdict.</param>
/// <param name="Reason">Why, in one sentence (with how the run ended when it fell short).</param>
/// <param name="Established">Hypotheses established on exact or certified numbers.</param>
/// <param name="Evaluated">Bounds (and conditional bounds) actually evaluated on this run.</param>
/// <param name="NotApplicable">Predictions of the theorem that did not apply to this run (e.g. the flow rate on GD).</param>
public sealed record VerdictInfo(
    VerdictKind Kind,
    string Reason,
    IReadOnlyList<string> Established,
    IReadOnlyList<string> Evaluated,
    IReadOnlyList<string> NotApplicable);

/// <summary>One option of the run in canonical text form.</summary>
/// <param name="Name">Option name without dashes, e.g. "widths".</param>
/// <param name="Value">Canonical value (invariant culture, round-trip doubles); empty for an unset optional value.</param>
public sealed record OptionValue(string Name, string Value);

/// <summary>Where a certificate came from.</summary>
/// <param name="ToolVersion">Version of overparam.</param>
/// <param name="SourceCommit">Source commit of the build; empty outside a git checkout.</param>
/// <param name="DotnetVersion">The .NET runtime.</param>
/// <param name="Os">Operating system.</param>
/// <param name="CpuModel">CPU model name.</param>
/// <param name="ProcessorCount">Logical processors visible to the process.</param>
/// <param name="SimdPath">The SIMD path the kernels ran ("vector512+fma", "vector256+fma", "scalar").</param>
/// <param name="VectorWidthBits">Width of those vectors in bits (64 for scalar code).</param>
/// <param name="DataSha256">SHA-256 of the data set's canonical bytes.</param>
/// <param name="ModelSha256">SHA-256 of the initial model's overparam.model/1 JSON.</param>
public sealed record Provenance(
    string ToolVersion,
    string SourceCommit,
    string DotnetVersion,
    string Os,
    string CpuModel,
    int ProcessorCount,
    string SimdPath,
    int VectorWidthBits,
    string DataSha256,
    string ModelSha256)
{
    /// <summary>The command line and UTC time; the only field that differs between two identical runs. Null outside the CLI.</summary>
    public Invocation? Invocation { get; init; }

    /// <summary>True when two provenances describe the same build on the same kind of machine (results then agree bit for bit).</summary>
    public bool SameMachineAndBuild(Provenance other) =>
        other is not null && ToolVersion == other.ToolVersion && SourceCommit == other.SourceCommit
        && DotnetVersion == other.DotnetVersion && CpuModel == other.CpuModel && ProcessorCount == other.ProcessorCount
        && SimdPath == other.SimdPath;
}

/// <summary>The command that produced a certificate, and when.</summary>
/// <param name="CommandLine">The full command line as typed.</param>
/// <param name="CreatedUtc">UTC time, ISO 8601 to the second.</param>
public sealed record Invocation(string CommandLine, string CreatedUtc);

/// <summary>One checked condition.</summary>
/// <param name="Id">Condition id, e.g. "P2.C3".</param>
/// <param name="Statement">The condition in words and symbols.</param>
/// <param name="Role">Hypothesis, premise or measurement.</param>
/// <param name="Value">The computed quantity.</param>
/// <param name="Threshold">What it is compared with; the statement says in which direction.</param>
/// <param name="Status">How <paramref name="Value"/> was obtained.</param>
/// <param name="Holds">True only when the condition is established (never on an estimate alone).</param>
/// <param name="Margin">How far it holds, in its own direction; NaN (null) when it does not hold.</param>
/// <param name="Outcome">"holds", "fails" or "inconclusive".</param>
/// <param name="Reason">Why, when the outcome is not "holds".</param>
public sealed record ConditionResult(
    string Id,
    string Statement,
    CheckRole Role,
    double Value,
    double Threshold,
    NumberStatusKind Status,
    bool Holds,
    double Margin,
    string Outcome,
    string Reason);

/// <summary>One prediction held against the run.</summary>
/// <param name="Id">Prediction id, e.g. "P2.R2".</param>
/// <param name="Statement">The prediction in words and symbols.</param>
/// <param name="Role">Bound, conditional bound or measurement.</param>
/// <param name="Sense">"at-most" (observed ≤ bound) or "at-least".</param>
/// <param name="Bound">The predicted bound at the worst step.</param>
/// <param name="Observed">The observed value at the worst step.</param>
/// <param name="Status">How the bound was obtained.</param>
/// <param name="Holds">Whether the observation satisfies the bound within the named tolerance.</param>
/// <param name="Slack">observed/bound at the worst step.</param>
/// <param name="WorstStep">The logged step where the slack is worst; −1 for whole-run quantities.</param>
/// <param name="Note">What the bound depends on, why it does not count.</param>
public sealed record PredictionResult(
    string Id,
    string Statement,
    CheckRole Role,
    string Sense,
    double Bound,
    double Observed,
    NumberStatusKind Status,
    bool Holds,
    double Slack,
    long WorstStep,
    string Note);

/// <summary>An id of the theorem that is stated in theory/*.md but not checked, with the reason.</summary>
/// <param name="Id">The id.</param>
/// <param name="Reason">Why it is not checked.</param>
public sealed record NotCheckedItem(string Id, string Reason);

/// <summary>A named group of numbers (e.g. "alpha", "initialization", "comparison").</summary>
/// <param name="Name">Short machine name.</param>
/// <param name="Title">Heading for reports.</param>
/// <param name="Summary">True when the console summary prints this group on one line.</param>
/// <param name="Values">The numbers.</param>
public sealed record QuantityGroup(string Name, string Title, bool Summary, IReadOnlyList<Quantity> Values);

/// <summary>One number with its status.</summary>
/// <param name="Name">Name (symbols allowed).</param>
/// <param name="Value">The number (NaN is written as null).</param>
/// <param name="Status">How it was obtained.</param>
/// <param name="Description">How it was computed or chosen.</param>
public sealed record Quantity(string Name, double Value, NumberStatusKind Status, string Description);

/// <summary>The logged run as columns of equal length (thinned to a few hundred points; first and last kept).</summary>
/// <param name="Columns">The columns, the index column(s) first.</param>
/// <param name="Plots">What a report draws from them.</param>
public sealed record TraceTable(IReadOnlyList<TraceColumn> Columns, IReadOnlyList<TracePlot> Plots)
{
    /// <summary>Eigenvalue spectra the report draws (ascending, log scale, the smallest marked); empty when none.</summary>
    public IReadOnlyList<EigenSpectrum> Spectra { get; init; } = [];

    /// <summary>The column named <paramref name="name"/>, or null.</summary>
    public TraceColumn? Column(string name) => Columns.FirstOrDefault(c => c.Name == name);
}

/// <summary>One trace column.</summary>
/// <param name="Name">Short name, e.g. "loss".</param>
/// <param name="Role">Index, observed, bound or diagnostic.</param>
/// <param name="Status">How its values were obtained.</param>
/// <param name="Description">What it is, with units.</param>
/// <param name="Values">One value per logged point (NaN written as null).</param>
public sealed record TraceColumn(string Name, ColumnRole Role, NumberStatusKind Status, string Description, double[] Values);

/// <summary>A plot of observed against bound over an index column.</summary>
/// <param name="Title">Title.</param>
/// <param name="X">Index column name.</param>
/// <param name="Observed">Observed column name.</param>
/// <param name="Bound">Bound column name (empty for none).</param>
/// <param name="LogY">Log scale on y.</param>
public sealed record TracePlot(string Title, string X, string Observed, string Bound, bool LogY);

/// <summary>The eigenvalues of a symmetric matrix the theorem speaks of (an NTK Gram, a kernel), for a plot.</summary>
/// <param name="Name">Short name, e.g. "ntk0".</param>
/// <param name="Title">What the matrix is, e.g. "NTK J(W₀)J(W₀)ᵀ at initialization".</param>
/// <param name="Status">How the values were obtained (a float eigensolver: estimated).</param>
/// <param name="Description">What the smallest eigenvalue means for the theorem, with its condition ID.</param>
/// <param name="Values">Eigenvalues in ascending order.</param>
public sealed record EigenSpectrum(string Name, string Title, NumberStatusKind Status, string Description, double[] Values);

namespace Overparam.Verify.Contracts;

/// <summary>
/// A paper's experiment as the CLI sees it (<c>overparam experiment &lt;name&gt;</c>): its options and what it does.
/// The experiment itself runs in the theory layer; the CLI only parses options, runs it and writes what it returns.
/// </summary>
/// <param name="Name">The subcommand, e.g. "newton-vs-gd".</param>
/// <param name="Title">Short title.</param>
/// <param name="Description">What it runs and reports, for --help and reports.</param>
/// <param name="Options">Its options with their defaults (the shared --seed among them).</param>
public sealed record ExperimentInfo(string Name, string Title, string Description, IReadOnlyList<OptionSpec> Options);

/// <summary>
/// One line of a figure: y against x, with an optional band (e.g. the 5th and 95th percentiles over seeds).
/// </summary>
/// <param name="Name">Legend text, e.g. "GD (η = 0.1)".</param>
/// <param name="X">x values.</param>
/// <param name="Y">y values (NaN breaks the line).</param>
/// <param name="Lower">Lower edge of the band, same length as <paramref name="Y"/>; empty for none.</param>
/// <param name="Upper">Upper edge of the band; empty for none.</param>
public sealed record ExperimentSeries(string Name, double[] X, double[] Y, double[] Lower, double[] Upper);

/// <summary>A figure of an experiment: several lines over one x axis.</summary>
/// <param name="Name">Short machine name, e.g. "loss-vs-iteration".</param>
/// <param name="Title">Title.</param>
/// <param name="XLabel">x axis label with units.</param>
/// <param name="YLabel">y axis label.</param>
/// <param name="LogX">Log scale on x.</param>
/// <param name="LogY">Log scale on y.</param>
/// <param name="Status">How the plotted values were obtained.</param>
/// <param name="Series">The lines.</param>
public sealed record ExperimentFigure(
    string Name,
    string Title,
    string XLabel,
    string YLabel,
    bool LogX,
    bool LogY,
    NumberStatusKind Status,
    IReadOnlyList<ExperimentSeries> Series);

/// <summary>
/// What an experiment produced, schema <see cref="SchemaId"/>: the options and seed that reproduce it, measurements
/// (condition IDs with observed values, never asserted), named quantity groups, figures and findings in words.
/// Wall-clock numbers in it differ between runs; everything else is determined by the options and the seed.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="TheoremId">The paper id, e.g. "P3".</param>
/// <param name="Experiment">The experiment's name.</param>
/// <param name="Title">Its title.</param>
/// <param name="Seed">The run seed.</param>
/// <param name="Options">Every option in canonical text (defaults included).</param>
/// <param name="Reproduce">The command that re-runs it.</param>
/// <param name="Provenance">Tool, build and machine (the data and model hashes are of seed 0's instance).</param>
/// <param name="Measurements">Measured predictions (role measurement: reported, never asserted).</param>
/// <param name="Quantities">Named groups of numbers, each with its status.</param>
/// <param name="Figures">What the report draws.</param>
/// <param name="Findings">The results in words, one sentence each, with the numbers.</param>
public sealed record ExperimentResult(
    string Schema,
    string TheoremId,
    string Experiment,
    string Title,
    ulong Seed,
    IReadOnlyList<OptionValue> Options,
    string Reproduce,
    Provenance Provenance,
    IReadOnlyList<PredictionResult> Measurements,
    IReadOnlyList<QuantityGroup> Quantities,
    IReadOnlyList<ExperimentFigure> Figures,
    IReadOnlyList<string> Findings)
{
    /// <summary>The schema id of this record.</summary>
    public const string SchemaId = "overparam.experiment/1";
}

namespace Overparam.Verify.Contracts;

/// <summary>What one sweep trial produced: how the run ended, the theorem's success rule, and its named metrics.</summary>
/// <param name="Status">How the run ended, lower case (completed, converged, diverged, …).</param>
/// <param name="Success">The theorem's success rule on this trial.</param>
/// <param name="Metrics">One value per <see cref="SweepTrialInfo.Metrics"/> entry, in that order (NaN allowed).</param>
public sealed record TrialOutcome(string Status, bool Success, IReadOnlyList<double> Metrics);

/// <summary>A per-trial metric a theorem's trial reports.</summary>
/// <param name="Name">Stable name (a JSON key of the store's metrics column).</param>
/// <param name="Description">One line for reports, with the number's status (exact, certified, estimated).</param>
public sealed record MetricSpec(string Name, string Description);

/// <summary>
/// The covariate u of a sweep's boundary fit (P(success) = σ(b₀ + b₁·ln u), boundary u = c₀) and the plane the
/// phase diagram is drawn in. Every function receives the numeric option values of a cell (axes and fixed options).
/// </summary>
/// <param name="Name">The covariate as a formula, e.g. "n/(kd)".</param>
/// <param name="BoundaryForm">The fitted boundary in words, e.g. "n = c₀·kd".</param>
/// <param name="Value">u of a cell.</param>
/// <param name="PlotXLabel">The diagram's x axis, e.g. "kd".</param>
/// <param name="PlotX">x of a cell (positive: the axes are logarithmic).</param>
/// <param name="PlotYLabel">The diagram's y axis, e.g. "n".</param>
/// <param name="PlotY">y of a cell (positive).</param>
/// <param name="OfPlot">u as a function of the plot coordinates (x, y), increasing in y: the boundary and the
/// reference level are drawn as its level sets.</param>
/// <param name="ReferenceLabel">What u = 1 means, e.g. "n = kd" (drawn dashed).</param>
/// <param name="BelowOne">The reading when the whole interval of c₀ lies below 1.</param>
/// <param name="AboveOne">The reading when the whole interval of c₀ lies above 1.</param>
public sealed record SweepCovariate(
    string Name,
    string BoundaryForm,
    Func<IReadOnlyDictionary<string, double>, double> Value,
    string PlotXLabel,
    Func<IReadOnlyDictionary<string, double>, double> PlotX,
    string PlotYLabel,
    Func<IReadOnlyDictionary<string, double>, double> PlotY,
    Func<double, double, double> OfPlot,
    string ReferenceLabel,
    string BelowOne,
    string AboveOne);

/// <summary>
/// A theorem's sweep trial as the generic sweep sees it: the options a trial takes (besides the shared seed), which of
/// them may vary along an axis, which of them name a trial's random stream, the metrics it reports and the covariate
/// of its boundary fit. The trial itself is <c>ITheorem.RunTrial</c>.
/// </summary>
/// <param name="Options">The trial's options with their defaults (the shared --seed is not among them).</param>
/// <param name="Axes">Options a sweep may vary (integer or real).</param>
/// <param name="SeedKey">Options whose values, with the trial index, name the trial's seed stream
/// "sweep/name=value/…/trial=t" under the run seed.</param>
/// <param name="Protocol">Version of the trial; bump it when a change alters per-trial results, so old sweeps get a
/// new key instead of mixing with new trials.</param>
/// <param name="Description">What one trial does and what success means, for reports.</param>
/// <param name="Metrics">The per-trial metrics, in the order of <see cref="TrialOutcome.Metrics"/>.</param>
/// <param name="Covariate">The boundary covariate, or null when the theorem defines none.</param>
public sealed record SweepTrialInfo(
    IReadOnlyList<OptionSpec> Options,
    IReadOnlyList<string> Axes,
    IReadOnlyList<string> SeedKey,
    int Protocol,
    string Description,
    IReadOnlyList<MetricSpec> Metrics,
    SweepCovariate? Covariate);

/// <summary>The memory one trial of a cell needs, for the sweep's size check before any trial runs.</summary>
/// <param name="Cell">The cell as a user would name it, e.g. "a cell n = 80, k = 32".</param>
/// <param name="LargestArray">Elements of the trial's largest single array.</param>
/// <param name="LargestName">What that array is, e.g. "the n×n NTK".</param>
/// <param name="TotalDoubles">Elements of all arrays one trial holds at once.</param>
public sealed record TrialSize(string Cell, double LargestArray, string LargestName, double TotalDoubles);

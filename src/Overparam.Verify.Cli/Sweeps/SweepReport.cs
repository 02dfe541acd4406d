using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Engine.Statistics;

namespace Overparam.Verify.Cli.Sweeps;

/// <summary>Everything a sweep report says.</summary>
/// <param name="SweepKey">The sweep key.</param>
/// <param name="ParametersJson">Canonical parameter JSON of the sweep.</param>
/// <param name="Seed">Run seed.</param>
/// <param name="Cells">Cell tallies, n outer, k inner.</param>
/// <param name="Boundary">The fitted 50% boundary, or null.</param>
/// <param name="BoundaryNote">Why there is no boundary, or null.</param>
/// <param name="TheoryRatio">Description of the theory ratio column.</param>
/// <param name="Grid">A description of the grid/shard that produced the report.</param>
/// <param name="StorePath">The run store.</param>
/// <param name="WallSeconds">Time this command spent running trials.</param>
public sealed record SweepReportData(
    string SweepKey,
    string ParametersJson,
    ulong Seed,
    IReadOnlyList<CellSummary> Cells,
    BoundaryEstimate? Boundary,
    string? BoundaryNote,
    string TheoryRatio,
    string Grid,
    string StorePath,
    double WallSeconds)
{
    /// <summary>The command line that wrote the report (provenance).</summary>
    public string CommandLine { get; init; } = "";

    /// <summary>UTC time the report was written, ISO 8601 (provenance).</summary>
    public string CreatedUtc { get; init; } = "";
}

/// <summary>Writes DIR/report.md, DIR/summary.json and DIR/phase-diagram.svg, each atomically.</summary>
public static class SweepReport
{
    /// <summary>Format tag of summary.json.</summary>
    public const string SummaryFormat = "overparam.sweep-summary/1";

    /// <summary>File names written into the output folder.</summary>
    public static readonly string[] Files = ["report.md", "summary.json", "phase-diagram.svg"];

    /// <summary>Creates <paramref name="dir"/> if needed (its parent must exist) and writes the three files.</summary>
    /// <exception cref="OutputPathException">The parent folder does not exist, or a file cannot be written.</exception>
    public static void Write(string dir, SweepReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        // Created only now, so a run that fails on its input leaves no empty report folder behind; the three files
        // are one set, so a full disk leaves the previous set or none, never a mix.
        AtomicFile.WriteSet(dir, "--out",
        [
            ("summary.json", SummaryJson(data)),
            ("phase-diagram.svg", PhaseDiagramSvg.Render(data.Cells, data.Boundary, Title(data))),
            ("report.md", Markdown(data)),
        ]);
    }

    /// <summary>Fails before any work when <paramref name="dir"/> cannot be created.</summary>
    /// <exception cref="OutputPathException">Parent missing, or the path is a file.</exception>
    public static void EnsureFolder(string dir) => AtomicFile.EnsureFolderLocation(dir, "--out");

    private static string Title(SweepReportData d)
    {
        using var doc = JsonDocument.Parse(d.ParametersJson);
        var p = doc.RootElement;
        return string.Create(CultureInfo.InvariantCulture,
            $"P4.R4 phase diagram: {p.GetProperty("activation").GetString()}, d = {p.GetProperty("d").GetInt32()}, {p.GetProperty("labels").GetString()} labels");
    }

    /// <summary>summary.json: cells, boundary, seed, parameters and provenance.</summary>
    public static string SummaryJson(SweepReportData d)
    {
        ArgumentNullException.ThrowIfNull(d);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", SummaryFormat);
            w.WriteString("sweep", ModerateSweepSpec.Kind);
            w.WriteString("sweepKey", d.SweepKey);
            w.WriteNumber("seed", d.Seed);
            w.WritePropertyName("parameters");
            using (var doc = JsonDocument.Parse(d.ParametersJson)) doc.RootElement.WriteTo(w);
            w.WriteString("grid", d.Grid);
            w.WriteString("theoryRatio", d.TheoryRatio);
            w.WriteStartArray("cells");
            foreach (var c in d.Cells)
            {
                w.WriteStartObject();
                w.WriteNumber("n", c.N);
                w.WriteNumber("k", c.K);
                w.WriteNumber("d", c.D);
                w.WriteNumber("trials", c.Trials);
                w.WriteNumber("successes", c.Successes);
                Num(w, "wilsonLow", c.WilsonLow);
                Num(w, "wilsonHigh", c.WilsonHigh);
                Num(w, "theoryRatio", c.TheoryRatio);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WritePropertyName("boundary");
            if (d.Boundary is { } b)
            {
                w.WriteStartObject();
                w.WriteString("model", "P(success) = 1/(1 + exp(-(b0 + b1*ln(n/(k*d))))), Firth-penalized");
                Num(w, "c0", b.C0);
                Num(w, "low", b.Low);
                Num(w, "high", b.High);
                w.WriteBoolean("bounded", b.Bounded);
                w.WriteString("interval", "Fieller 95%");
                Num(w, "logC0StdError", b.LogC0StdError);
                Num(w, "intercept", b.Fit.Intercept);
                Num(w, "slope", b.Fit.Slope);
                Num(w, "slopeStdError", b.Fit.SlopeStdError);
                w.WriteBoolean("separated", b.Fit.Separated);
                w.WriteBoolean("converged", b.Fit.Converged);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNullValue();
            }
            if (d.BoundaryNote is not null) w.WriteString("boundaryNote", d.BoundaryNote);
            w.WriteStartObject("provenance");
            w.WriteString("tool", "overparam " + Engine.MachineInfo.ToolVersion);
            w.WriteString("sourceCommit", Engine.MachineInfo.SourceCommit);
            w.WriteString("runtime", RuntimeInformation.FrameworkDescription);
            w.WriteString("os", RuntimeInformation.OSDescription);
            w.WriteString("cpuModel", Engine.MachineInfo.CpuModel);
            w.WriteNumber("processorCount", Environment.ProcessorCount);
            w.WriteString("simdPath", Engine.LinearAlgebra.SimdInfo.Name);
            w.WriteNumber("seed", d.Seed);
            w.WriteString("commandLine", d.CommandLine);
            w.WriteString("store", Path.GetFullPath(d.StorePath));
            w.WriteString("createdAt", d.CreatedUtc.Length > 0 ? d.CreatedUtc : DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            Num(w, "wallSeconds", d.WallSeconds);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    /// <summary>report.md: the boundary, how to read it, and the cell table.</summary>
    public static string Markdown(SweepReportData d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("# P4.R4 sweep: moderate overparameterization\n\n");
        sb.Append(inv, $"Sweep `{d.SweepKey}`, seed {d.Seed}, {d.Grid}. Store: `{d.StorePath}`.\n\n");
        sb.Append(inv, $"Parameters: `{d.ParametersJson}`\n\n");
        sb.Append("A trial draws X (n × d) uniform on the unit sphere and random labels, initializes f(x) = vᵀφ(Wx) with ");
        sb.Append("P4TwoLayer (W trained, v = ±ν/√k frozen), and runs full-batch GD on ½‖f − y‖² with η = stepScale/λ_max(JJᵀ) ");
        sb.Append("at initialization. Success: final loss ≤ successRatio × initial loss within the step budget.\n\n");
        sb.Append("## Boundary\n\n");
        if (d.Boundary is { } b)
        {
            sb.Append(inv, $"The fitted 50% success boundary (a sampled estimate from the trials below) is **n = c₀·kd with c₀ = {b.C0:G4}**");
            sb.Append(b.Bounded ? string.Create(inv, $", 95% interval [{b.Low:G4}, {b.High:G4}] (Fieller)") : ", 95% interval unbounded (the slope is not significant)");
            sb.Append(inv, $". Its ratio to the line n = kd is c₀ = {b.C0:G4}: ");
            // A side of n = kd is claimed only when the whole interval lies on it; a point estimate alone decides nothing.
            sb.Append(b.Bounded && b.High < 1 ? "training needs more parameters than samples (kd ≈ n/c₀) to succeed half the time.\n\n"
                    : b.Bounded && b.Low > 1 ? "training succeeds half the time already with fewer parameters than samples.\n\n"
                    : "the 95% interval contains 1 or is unbounded, so these trials do not decide on which side of n = kd the boundary lies.\n\n");
            sb.Append(inv, $"Logistic fit (Firth): P = σ({b.Fit.Intercept:G4} + ({b.Fit.Slope:G4} ± {b.Fit.SlopeStdError:G3})·ln(n/(kd))); ");
            sb.Append(inv, $"ln c₀ = {Math.Log(b.C0):G4} ± {b.LogC0StdError:G3} (delta method).");
            if (b.Fit.Separated) sb.Append(" The cells separate successes from failures exactly, so only the penalized (Firth) estimate is finite; the interval reflects the grid spacing.");
            sb.Append("\n\n");
        }
        else
        {
            sb.Append(inv, $"No boundary could be fitted: {d.BoundaryNote}\n\n");
        }
        sb.Append("![phase diagram](phase-diagram.svg)\n\n");
        sb.Append("## Cells\n\n");
        sb.Append(inv, $"Fractions and Wilson intervals are sampled estimates over the trials of each cell. theoryRatio: {d.TheoryRatio}.\n\n");
        sb.Append("| n | k | kd | n/(kd) | trials | successes | fraction | Wilson 95% | theoryRatio |\n");
        sb.Append("|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
        foreach (var c in d.Cells)
            sb.Append(inv, $"| {c.N} | {c.K} | {c.K * c.D} | {c.Ratio:G3} | {c.Trials} | {c.Successes} | {c.Fraction:F2} | [{c.WilsonLow:F3}, {c.WilsonHigh:F3}] | {c.TheoryRatio:G4} |\n");
        sb.Append(inv, $"\nTrials run by this command took {d.WallSeconds:F1} s.\n");
        return sb.ToString();
    }

    private static void Num(Utf8JsonWriter w, string name, double v)
    {
        // JSON has no NaN or infinity: an unbounded limit or an empty cell is null.
        if (double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }
}

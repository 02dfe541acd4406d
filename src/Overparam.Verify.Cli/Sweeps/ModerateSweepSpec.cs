using System.Globalization;
using System.Text;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Cli.Sweeps;

/// <summary>How the targets of a trial are made.</summary>
public enum LabelKind
{
    /// <summary>i.i.d. ±1 labels (stream "data/y"): the memorization problem of the phase transition (papers.md §4.5).</summary>
    Random,

    /// <summary>Targets of a random width-<see cref="ModerateSweepSpec.TeacherWidth"/> teacher with the student's activation.</summary>
    Teacher,
}

/// <summary>
/// Everything that decides the result of one trial of the P4 moderate-overparameterization sweep (papers.md P4.R4).
/// The grid (which n, k and how many trials) is not part of it: a store holds trials by (n, k, trial index), so a
/// larger grid, more trials or a different shard of the same spec extend the same sweep.
/// </summary>
/// <param name="Seed">Run seed; trial seeds derive from it (see <see cref="TrialSeed"/>).</param>
/// <param name="D">Input dimension d.</param>
/// <param name="Activation">Hidden activation φ.</param>
/// <param name="Labels">Random ±1 labels or teacher targets.</param>
/// <param name="Nu">Output scale ν of the frozen ±ν/√k layer (P4.C6).</param>
/// <param name="Steps">GD step budget.</param>
/// <param name="SuccessRatio">Success means final loss ≤ SuccessRatio × initial loss.</param>
/// <param name="StepScale">η = StepScale / λ_max(J Jᵀ) at initialization.</param>
/// <param name="TheoryRatio">Name of the sufficient-condition ratio recorded per trial (<see cref="TheoryRatios"/>).</param>
public sealed record ModerateSweepSpec(
    ulong Seed,
    int D,
    ActivationKind Activation,
    LabelKind Labels,
    double Nu,
    long Steps,
    double SuccessRatio,
    double StepScale,
    string TheoryRatio)
{
    /// <summary>Version of the trial protocol; bump it when a change alters per-trial results, so old stores refuse to resume.</summary>
    public const int Protocol = 1;

    /// <summary>Width of the teacher network for <see cref="LabelKind.Teacher"/>.</summary>
    public const int TeacherWidth = 10;

    /// <summary>Sweep kind written to the store.</summary>
    public const string Kind = "moderate";

    /// <summary>Checks the values a user can get wrong.</summary>
    /// <exception cref="InvalidInputException">A value out of range, naming its option.</exception>
    public void Validate()
    {
        if (D < 1) throw new InvalidInputException($"--d {D}: input dimension must be at least 1");
        if (!(Nu > 0) || !double.IsFinite(Nu)) throw new InvalidInputException($"--nu {Nu}: must be positive and finite");
        if (Steps < 1) throw new InvalidInputException($"--steps {Steps}: must be at least 1");
        if (!(SuccessRatio > 0 && SuccessRatio < 1)) throw new InvalidInputException($"--success-ratio {SuccessRatio}: must lie in (0, 1)");
        if (!(StepScale > 0 && StepScale < 2)) throw new InvalidInputException($"--step-scale {StepScale}: must lie in (0, 2) (GD on the linearized problem diverges at 2)");
        TheoryRatios.Get(TheoryRatio);
    }

    /// <summary>
    /// The parameters as canonical JSON (fixed key order, invariant round-trip numbers): stored in the sweeps table
    /// and hashed into <see cref="Key"/>.
    /// </summary>
    public string ToJson()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append('{');
        sb.Append(inv, $"\"kind\":\"{Kind}\",\"protocol\":{Protocol},\"seed\":{Seed},\"d\":{D},");
        sb.Append(inv, $"\"activation\":\"{Activations.Name(Activation)}\",\"labels\":\"{LabelName(Labels)}\",");
        sb.Append(inv, $"\"nu\":{R(Nu)},\"steps\":{Steps},\"successRatio\":{R(SuccessRatio)},\"stepScale\":{R(StepScale)},");
        sb.Append(inv, $"\"stepRule\":\"eta = stepScale / lambda_max(J J^T at init)\",\"model\":\"P4TwoLayer\",\"theoryRatio\":\"{TheoryRatio}\"");
        sb.Append('}');
        return sb.ToString();
    }

    /// <summary>16 hex digits of FNV-1a of <see cref="ToJson"/>: equal specs give equal keys on every machine.</summary>
    public string Key => RandomStreams.Fnv1a64(ToJson()).ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>
    /// The seed of trial <paramref name="trial"/> in cell (n, k): the first draw of stream
    /// <c>"sweep/n={n}/k={k}/d={d}/trial={trial}"</c> under <see cref="Seed"/>. Depends on nothing else, so shards,
    /// resumed runs, refinements and any thread count reproduce the same trial. Data, labels and initialization then
    /// draw from their own named streams under this seed.
    /// </summary>
    public ulong TrialSeed(int n, int k, int trial) =>
        RandomStreams.For(Seed, string.Create(CultureInfo.InvariantCulture, $"sweep/n={n}/k={k}/d={D}/trial={trial}")).NextUInt64();

    /// <summary>"random" or "teacher".</summary>
    public static string LabelName(LabelKind kind) => kind == LabelKind.Random ? "random" : "teacher";

    /// <summary>Parses "random" or "teacher".</summary>
    /// <exception cref="InvalidInputException">Anything else.</exception>
    public static LabelKind ParseLabels(string text) => text switch
    {
        "random" => LabelKind.Random,
        "teacher" => LabelKind.Teacher,
        _ => throw new InvalidInputException($"--labels '{text}': valid values are random, teacher"),
    };

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

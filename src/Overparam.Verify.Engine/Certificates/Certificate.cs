using Overparam.Verify.Engine.Data;

namespace Overparam.Verify.Engine.Certificates;

/// <summary>
/// The outcome of checking one theorem on one instance: plain data that serializes to JSON without custom converters
/// (<see cref="CertificateJson"/> only maps NaN/±∞ to null). Schema id <see cref="SchemaId"/>.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="Theorem">Paper id, e.g. "P2".</param>
/// <param name="Title">Short theorem title.</param>
/// <param name="Reference">Paper reference (authors, arXiv id, version).</param>
/// <param name="Statement">The theorem in the project's notation (one paragraph).</param>
/// <param name="Verdict">"consistent", "hypotheses-not-met", "inconclusive" or "refuted".</param>
/// <param name="VerdictReason">One sentence saying why.</param>
/// <param name="Seed">The run seed every random stream was derived from.</param>
/// <param name="Provenance">Tool, runtime and content hashes.</param>
/// <param name="Instance">What was run.</param>
/// <param name="Conditions">Hypotheses and premises, each with its condition id (P2.C1, ...).</param>
/// <param name="Predictions">Predicted rates and behaviours held against the run (P2.R1, ...).</param>
/// <param name="Alpha">The lower bounds and estimates of the PL constant α and which one decided the criterion.</param>
/// <param name="Initialization">How the initialization, radius and step size were chosen.</param>
/// <param name="Comparison">Runs from standard initializations at the same width (empty when not run).</param>
/// <param name="NotChecked">Ids of the theorem that this tool does not check yet, with the reason.</param>
/// <param name="Trace">The logged run (no wall-clock times, so the file is reproducible bit for bit).</param>
public sealed record Certificate(
    string Schema,
    string Theorem,
    string Title,
    string Reference,
    string Statement,
    string Verdict,
    string VerdictReason,
    ulong Seed,
    Provenance Provenance,
    InstanceDescription Instance,
    IReadOnlyList<ConditionResult> Conditions,
    IReadOnlyList<PredictionResult> Predictions,
    AlphaSummary Alpha,
    InitializationSummary Initialization,
    IReadOnlyList<ComparisonRun> Comparison,
    IReadOnlyList<NotCheckedItem> NotChecked,
    TraceArrays Trace)
{
    /// <summary>The schema id written into every certificate.</summary>
    public const string SchemaId = "overparam.certificate/1";

    /// <summary>
    /// Further named quantities of the theorem that the shared records have no field for (P4: λ(X), κ(X), β, L, the
    /// meta-theorem ratio, ...), each with its status. Empty for P2.
    /// </summary>
    public IReadOnlyList<NamedValue> Quantities { get; init; } = [];
}

/// <summary>Where a certificate came from; enough to tell whether two certificates are comparable bit for bit.</summary>
/// <param name="ToolVersion">Version of the overparam engine.</param>
/// <param name="DotnetVersion">The .NET runtime description.</param>
/// <param name="ProcessorCount">Logical processors visible to the process.</param>
/// <param name="VectorWidthBits">Width of the vectors the engine's kernels ran with, in bits (512, 256, or 64 for scalar code).</param>
/// <param name="DataSha256">SHA-256 of the data set's canonical bytes.</param>
/// <param name="ModelSha256">SHA-256 of the initial model's overparam.model/1 JSON.</param>
public sealed record Provenance(
    string ToolVersion,
    string DotnetVersion,
    int ProcessorCount,
    int VectorWidthBits,
    string DataSha256,
    string ModelSha256)
{
    /// <summary>The source commit the tool was built from; empty when built outside a git checkout.</summary>
    public string SourceCommit { get; init; } = "";

    /// <summary>The operating system.</summary>
    public string Os { get; init; } = "";

    /// <summary>The CPU model name.</summary>
    public string CpuModel { get; init; } = "";

    /// <summary>The SIMD path the kernels ran ("vector512+fma", "vector256+fma" or "scalar").</summary>
    public string SimdPath { get; init; } = "";

    /// <summary>
    /// How this certificate was asked for: the command line and the UTC time. The only part of a certificate that
    /// differs between two runs with the same options and seed on the same machine; null when not run from the CLI.
    /// </summary>
    public Invocation? Invocation { get; init; }
}

/// <summary>The command that produced a certificate, and when.</summary>
/// <param name="CommandLine">The full command line as typed (arguments quoted where they contain spaces).</param>
/// <param name="CreatedUtc">UTC time the certificate was written, ISO 8601 (e.g. 2026-11-30T18:21:45Z).</param>
public sealed record Invocation(string CommandLine, string CreatedUtc);

/// <summary>The instance a certificate is about.</summary>
/// <param name="N">Number of samples.</param>
/// <param name="D">Input dimension.</param>
/// <param name="Widths">Hidden widths.</param>
/// <param name="Activation">Activation name.</param>
/// <param name="Optimizer">"gd" or "flow".</param>
/// <param name="Step">Step size η (GD); for flow the integrator's first step is automatic and this is NaN.</param>
/// <param name="Loss">Loss normalization name ("mean" for P2: f = (1/n)‖r‖²).</param>
/// <param name="Data">Where the data came from ("generated: ..." or the file name).</param>
/// <param name="MaxSteps">Step budget of the run.</param>
/// <param name="TargetReduction">The run stops once f ≤ TargetReduction·f(w₀).</param>
public sealed record InstanceDescription(
    int N,
    int D,
    IReadOnlyList<int> Widths,
    string Activation,
    string Optimizer,
    double Step,
    string Loss,
    string Data,
    long MaxSteps,
    double TargetReduction);

/// <summary>One checked condition (hypothesis or premise) of a theorem.</summary>
/// <param name="Id">Condition id, e.g. "P2.C3".</param>
/// <param name="Statement">The condition in words and symbols.</param>
/// <param name="Role">"hypothesis" (decides the verdict) or "premise" (a step-size premise some predictions rest on).</param>
/// <param name="Value">The computed quantity compared with the threshold.</param>
/// <param name="Threshold">What the value is compared with; the statement says in which direction.</param>
/// <param name="Status">"certified", "exact" or "estimated": how <paramref name="Value"/> was obtained.</param>
/// <param name="Holds">True only when the condition is established (never on an estimate alone).</param>
/// <param name="Margin">How far the condition holds, in its own direction (≥ 0: value − threshold for "&gt;" conditions, threshold − value for "≤" ones); NaN (JSON null) when it does not hold.</param>
/// <param name="Verdict">"holds", "fails" or "inconclusive".</param>
/// <param name="Reason">Why, when the verdict is not "holds"; otherwise empty.</param>
public sealed record ConditionResult(
    string Id,
    string Statement,
    string Role,
    double Value,
    double Threshold,
    string Status,
    bool Holds,
    double Margin,
    string Verdict,
    string Reason);

/// <summary>One prediction of a theorem held against the logged run.</summary>
/// <param name="Id">Prediction id, e.g. "P2.R2".</param>
/// <param name="Statement">The prediction in words and symbols.</param>
/// <param name="Kind">"bound" (can refute) or "measurement" (reported, never asserted).</param>
/// <param name="Sense">"at-most" (observed ≤ bound) or "at-least" (observed ≥ bound).</param>
/// <param name="Bound">The predicted bound at the worst step.</param>
/// <param name="Observed">The observed value at the worst step.</param>
/// <param name="Status">"certified", "exact" or "estimated": how the bound was obtained.</param>
/// <param name="Holds">Whether the observation satisfies the bound within the named tolerance (Tolerance.Rate).</param>
/// <param name="Slack">observed/bound at the worst step (≤ 1 is inside an at-most bound).</param>
/// <param name="WorstStep">The logged step where the slack is worst; −1 for whole-run quantities.</param>
/// <param name="Reason">Notes: what the bound depends on, why it does not count.</param>
public sealed record PredictionResult(
    string Id,
    string Statement,
    string Kind,
    string Sense,
    double Bound,
    double Observed,
    string Status,
    bool Holds,
    double Slack,
    long WorstStep,
    string Reason);

/// <summary>One bound or estimate of a constant.</summary>
/// <param name="Name">Short name, e.g. "trajectory".</param>
/// <param name="Value">The number.</param>
/// <param name="Status">"certified", "exact" or "estimated".</param>
/// <param name="Description">How it was computed.</param>
public sealed record NamedValue(string Name, double Value, string Status, string Description);

/// <summary>The three numbers reported for α(w₀, r) and which one decides the criterion.</summary>
/// <param name="Values">Trajectory estimate, NTK bound along the run, derived certified bound.</param>
/// <param name="Decides">Name of the value that decided P2.C3.</param>
public sealed record AlphaSummary(IReadOnlyList<NamedValue> Values, string Decides);

/// <summary>The positive initialization and the quantities chosen from it.</summary>
/// <param name="OutputScale">The output weight a used.</param>
/// <param name="OutputScaleChoice">"given" or how it was chosen.</param>
/// <param name="MinimalOutputScale">Smallest a for which the certified criterion holds at the chosen radius (NaN if none was found).</param>
/// <param name="Radius">The radius r of the ball.</param>
/// <param name="RadiusChoice">"given" or how it was chosen.</param>
/// <param name="SmallestHiddenWeight">The smallest weight of layers 2..L at w₀.</param>
/// <param name="InitialLoss">f(w₀).</param>
/// <param name="LambdaMinInputGram">λ_min(XXᵀ) (exact).</param>
/// <param name="MinSensitivity">minᵢ‖uᵢ(w₀)‖ (exact).</param>
/// <param name="MinSensitivityCertified">Certified lower bound on minᵢ‖uᵢ(w)‖ over the ball.</param>
/// <param name="Beta">Sampled estimate of β = sup‖∇²f‖ on the ball (power iteration at visited points).</param>
/// <param name="StepSize">η used (NaN for flow).</param>
/// <param name="StepSizeChoice">"given" or how it was chosen.</param>
public sealed record InitializationSummary(
    double OutputScale,
    string OutputScaleChoice,
    double MinimalOutputScale,
    double Radius,
    string RadiusChoice,
    double SmallestHiddenWeight,
    double InitialLoss,
    double LambdaMinInputGram,
    double MinSensitivity,
    double MinSensitivityCertified,
    double Beta,
    double StepSize,
    string StepSizeChoice);

/// <summary>One GD run from a given initialization, for the speed comparison (P2.R7).</summary>
/// <param name="Initialization">"positive", "xavier" or "he".</param>
/// <param name="StepSize">η = 1/β̂(w₀) of that initialization.</param>
/// <param name="InitialLoss">f(w₀) of that initialization.</param>
/// <param name="FinalLoss">f at the end of the run.</param>
/// <param name="IterationsToTarget">First step with f ≤ TargetReduction·f(w₀); −1 when not reached within the budget.</param>
public sealed record ComparisonRun(
    string Initialization,
    double StepSize,
    double InitialLoss,
    double FinalLoss,
    long IterationsToTarget);

/// <summary>An id of the theorem that is stated in theory/*.md but not checked by this tool.</summary>
/// <param name="Id">The id.</param>
/// <param name="Reason">Why it is not checked.</param>
public sealed record NotCheckedItem(string Id, string Reason);

/// <summary>The logged run as columns (possibly thinned to a few hundred points; first and last always kept).</summary>
/// <param name="Step">Step index k (accepted integrator steps for flow).</param>
/// <param name="Time">t = kη for GD; the integrator's t for flow.</param>
/// <param name="Loss">f(w_k).</param>
/// <param name="GradNormSq">‖∇f(w_k)‖².</param>
/// <param name="Distance">‖w_k − w₀‖.</param>
/// <param name="PlRatio">ρ_k = ‖∇f‖²/f.</param>
/// <param name="NtkAlpha">(4/n)·λ_min(K(w_k)) (NaN when not probed).</param>
/// <param name="Envelope">The predicted bound on f at that step (P2.R1 or P2.R2).</param>
public sealed record TraceArrays(
    long[] Step,
    double[] Time,
    double[] Loss,
    double[] GradNormSq,
    double[] Distance,
    double[] PlRatio,
    double[] NtkAlpha,
    double[] Envelope);

/// <summary>Inputs of the P2 local-PL certification (the CLI's options).</summary>
public sealed record P2Options
{
    /// <summary>Samples for generated data. Default 8.</summary>
    public int N { get; init; } = 8;

    /// <summary>Input dimension for generated data. Default 16.</summary>
    public int D { get; init; } = 16;

    /// <summary>Hidden widths. Default 16, 16.</summary>
    public IReadOnlyList<int> Widths { get; init; } = [16, 16];

    /// <summary>Activation name. Default "tanh".</summary>
    public string Activation { get; init; } = "tanh";

    /// <summary>"gd" or "flow". Default "gd".</summary>
    public string Optimizer { get; init; } = "gd";

    /// <summary>Output weight a; null chooses 3·a_min (see theory/P2-local-pl.md).</summary>
    public double? OutputScale { get; init; }

    /// <summary>Radius r; null maximizes the certified criterion margin over a grid below the smallest hidden weight.</summary>
    public double? Radius { get; init; }

    /// <summary>GD step η; null uses 1/β̂(w₀).</summary>
    public double? LearningRate { get; init; }

    /// <summary>Run seed. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Data to use instead of generated Gaussian inputs with teacher targets; null generates.</summary>
    public Dataset? Data { get; init; }

    /// <summary>How the data is described in the certificate when <see cref="Data"/> is given (e.g. the file name).</summary>
    public string DataSource { get; init; } = "";

    /// <summary>Step budget (accepted steps for flow). Default 20000.</summary>
    public long MaxSteps { get; init; } = 20000;

    /// <summary>Stop once f ≤ TargetReduction·f(w₀). Default 1e-6.</summary>
    public double TargetReduction { get; init; } = 1e-6;

    /// <summary>Also run GD from Xavier and He initializations (P2.R7). Default true.</summary>
    public bool Compare { get; init; } = true;

    /// <summary>Record λ_min of the NTK at every logged step. Default true.</summary>
    public bool ProbeNtk { get; init; } = true;

    /// <summary>Receives phases and training progress, and signals when to stop (time budget, Ctrl-C). Default: none.</summary>
    public IRunMonitor Monitor { get; init; } = RunMonitor.None;

    /// <summary>At most this many trace points go into the certificate (checks use every logged step). Default 400.</summary>
    public int MaxTracePoints { get; init; } = 400;
}

/// <summary>Inputs of the P4 moderate-overparameterization certification (the CLI's options).</summary>
public sealed record P4Options
{
    /// <summary>Samples for generated data. Default 20.</summary>
    public int N { get; init; } = 20;

    /// <summary>Input dimension for generated data. Default 10.</summary>
    public int D { get; init; } = 10;

    /// <summary>Hidden width k (even: half the output weights are +ν/√k, half −ν/√k). Default 200.</summary>
    public int K { get; init; } = 200;

    /// <summary>Activation name. Default "softplus".</summary>
    public string Activation { get; init; } = "softplus";

    /// <summary>Output-layer scale ν (v entries ±ν/√k). Default 1.</summary>
    public double Nu { get; init; } = 1.0;

    /// <summary>"gd" or "sgd" (one sample per step). Default "gd".</summary>
    public string Optimizer { get; init; } = "gd";

    /// <summary>Step η; null uses 1/β² for GD and 1/(nβ²) for SGD (theory/P4-moderate.md).</summary>
    public double? LearningRate { get; init; }

    /// <summary>Run seed. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Data to use instead of generated unit-sphere inputs with ±1 labels; null generates.</summary>
    public Dataset? Data { get; init; }

    /// <summary>How the data is described in the certificate when <see cref="Data"/> is given (e.g. the file name).</summary>
    public string DataSource { get; init; } = "";

    /// <summary>Scale every row of the given data to unit norm first (P4.C6); otherwise rows that are not unit norm fail P4.C6.</summary>
    public bool Normalize { get; init; }

    /// <summary>Step budget per run. Default 6000.</summary>
    public long MaxSteps { get; init; } = 6000;

    /// <summary>GD stops once L ≤ TargetReduction·L(W₀). Default 1e-6.</summary>
    public double TargetReduction { get; init; } = 1e-6;

    /// <summary>SGD: number of seeds the expectation is taken over. Default 5.</summary>
    public int Trials { get; init; } = 5;

    /// <summary>Receives phases and training progress, and signals when to stop (time budget, Ctrl-C). Default: none.</summary>
    public IRunMonitor Monitor { get; init; } = RunMonitor.None;

    /// <summary>At most this many trace points go into the certificate (checks use every logged step). Default 400.</summary>
    public int MaxTracePoints { get; init; } = 400;
}

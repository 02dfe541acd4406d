/// The theorem contract: what a paper file declares (options, set-up, analysis, quantities, trace) and the one
/// pipeline that turns any registered theorem into a schema-2 certificate. Paper files carry paper math; everything
/// they share — option parsing, verdict, certificate assembly, provenance, the reproduce command — lives here.
module Overparam.Verify.Theory.Contract

open System
open System.Globalization
open System.Runtime.InteropServices
open Overparam.Verify.Contracts
open Overparam.Verify.Engine
open Overparam.Verify.Engine.Data
open Overparam.Verify.Engine.IO
open Overparam.Verify.Engine.Models

/// What a theorem receives to run one instance.
type RunInput =
    {
        /// Every declared option in canonical text form, defaults filled in.
        Values: Map<string, string>
        /// The data of --data, loaded and checked by the caller; None generates data from the seed.
        Data: Dataset option
        /// How the data is named in the certificate (the file name), empty when generated.
        DataSource: string
        /// Phases, progress and cancellation; never part of the result.
        Monitor: IRunMonitor
    }

let private inv = CultureInfo.InvariantCulture
/// Bad input: one InvalidInputException line (exit 2), for set-up and analysis code of every paper file.
let bad (msg: string) = raise (InvalidInputException msg)

/// A condition's evaluated form (value against threshold, with its status and verdict), as a check returns it.
let outcome value threshold status verdict =
    Some
        {
            Value = value
            Threshold = threshold
            Status = status
            Verdict = verdict
        }

/// Canonical text of a float64: round-trip, invariant culture.
let r17 (x: float) = x.ToString("R", inv)

/// Options every theorem takes, declared once.
let sharedOptions: OptionSpec list =
    [
        OptionSpec(
            "seed",
            OptionKind.Long,
            "0",
            "Run seed: every random stream (data, initialization, sampling) derives from it"
        )
        OptionSpec(
            "data",
            OptionKind.Text,
            "",
            "Data file instead of generated data: CSV with a 'y' column, or a folder with X.npy and y.npy"
        )
    ]

/// Reading typed values out of a RunInput; a malformed value is an InvalidInputException naming the option.
[<RequireQualifiedAccess>]
module Opt =
    let private raw (i: RunInput) (name: string) =
        match i.Values.TryFind name with
        | Some v -> v
        | None -> invalidOp (sprintf "option '%s' is not declared by this theorem" name)

    /// The text of option name.
    let text i name = raw i name

    /// A 32-bit integer.
    let int i name =
        let v = raw i name

        match Int32.TryParse(v, NumberStyles.AllowLeadingSign, inv) with
        | true, x -> x
        | _ -> bad (sprintf "--%s: '%s' is not an integer (in range)" name v)

    /// A 64-bit integer.
    let int64 i name =
        let v = raw i name

        match Int64.TryParse(v, NumberStyles.AllowLeadingSign, inv) with
        | true, x -> x
        | _ -> bad (sprintf "--%s: '%s' is not an integer (in range)" name v)

    /// A non-negative 64-bit integer (seeds).
    let uint64 i name =
        let v = raw i name

        match UInt64.TryParse(v, NumberStyles.None, inv) with
        | true, x -> x
        | _ -> bad (sprintf "--%s: '%s' is not a non-negative integer" name v)

    /// A float64 (NaN and infinities are accepted here; the theorem decides whether they are valid).
    let float i name =
        let v = raw i name

        match Double.TryParse(v, NumberStyles.Float, inv) with
        | true, x -> x
        | _ -> bad (sprintf "--%s: '%s' is not a number" name v)

    /// An optional float64: empty text is None.
    let floatOption i name =
        if String.IsNullOrEmpty(raw i name) then
            None
        else
            Some(float i name)

    /// A positive finite float64 when given.
    let positiveOption i name =
        match floatOption i name with
        | Some x when not (Double.IsFinite x) || x <= 0.0 ->
            bad (sprintf "--%s must be positive and finite, got %s" name (r17 x))
        | o -> o

    /// A flag ("true" or "false").
    let flag i name =
        match (raw i name).ToLowerInvariant() with
        | "true" -> true
        | "false"
        | "" -> false
        | v -> bad (sprintf "--%s: '%s' is not true or false" name v)

    /// A comma-separated list of positive integers.
    let intList i name =
        let v = raw i name
        let parts = v.Split(',', StringSplitOptions.TrimEntries)

        parts
        |> Array.map (fun p ->
            match Int32.TryParse(p, NumberStyles.None, inv) with
            | true, x when x >= 1 -> x
            | _ -> bad (sprintf "--%s: \"%s\" is not a comma-separated list of positive integers (e.g. 16,16)" name v))

    /// The run seed.
    let seed i = uint64 i "seed"

    /// A 64-bit integer of at least `least` (a step budget).
    let int64AtLeast i name (least: int64) =
        let v = int64 i name

        if v < least then
            bad (sprintf "--%s must be at least %d, got %d" name least v)

        v

    /// A 32-bit integer of at least `least` (a count).
    let intAtLeast i name (least: int) =
        let v = int i name

        if v < least then
            bad (sprintf "--%s must be at least %d, got %d" name least v)

        v

    /// A number in the open interval (0, 1) (a reduction factor).
    let fraction i name =
        let v = float i name

        if not (v > 0.0 && v < 1.0) then
            bad (sprintf "--%s must be in (0, 1), got %g" name v)

        v

    /// (n, d) of the instance before any data exists: the given data's shape, else --n and --d (for size guards).
    let shape (i: RunInput) =
        match i.Data with
        | Some d -> d.N, d.D
        | None -> int i "n", int i "d"

/// How a certificate names given data: the file name, or "given".
let sourceName (i: RunInput) =
    if String.IsNullOrEmpty i.DataSource then
        "given"
    else
        i.DataSource

/// The instance's data and how the certificate names it: the given data (validated again; `transform` may rescale it
/// and say so), or data generated by `generate n d` after --n and --d were checked to be at least 1.
let dataOf (i: RunInput) (transform: Dataset -> Dataset * string) (generate: int -> int -> Dataset * string) =
    match i.Data with
    | Some given ->
        let d, note = transform (Dataset.Create(given.X, given.Y))
        d, sourceName i + note
    | None ->
        let n, dim = Opt.shape i

        if n < 1 then
            bad (sprintf "--n must be at least 1, got %d" n)

        if dim < 1 then
            bad (sprintf "--d must be at least 1, got %d" dim)

        generate n dim

/// A training algorithm a theorem runs, parsed once from its option text: the names live only at the option edge,
/// the paper code matches on the case and gets the engine's trainer by type.
[<RequireQualifiedAccess>]
type Optimizer =
    /// Full-batch gradient descent.
    | Gd
    /// Stochastic gradient descent (one sample per step where the theorem says so).
    | Sgd
    /// Gradient flow by adaptive Dormand–Prince.
    | Flow

    /// The option text ("gd", "sgd", "flow").
    member o.Name =
        match o with
        | Gd -> "gd"
        | Sgd -> "sgd"
        | Flow -> "flow"

    /// The engine's trainer.
    member o.Trainer: Overparam.Verify.Engine.Training.ITrainer =
        match o with
        | Gd -> Overparam.Verify.Engine.Training.GradientDescentTrainer.Instance
        | Sgd -> Overparam.Verify.Engine.Training.StochasticGradientDescentTrainer.Instance
        | Flow -> Overparam.Verify.Engine.Training.GradientFlowTrainer.Instance

    override o.ToString() = o.Name

/// Parsing an optimizer option against the theorem's choices.
[<RequireQualifiedAccess>]
module Optimizer =
    /// The optimizer named by option `name` of `i`, one of `allowed`; anything else is one InvalidInputException line.
    let parse (command: string) (allowed: Optimizer list) (text: string) =
        let t = text.Trim().ToLowerInvariant()

        match allowed |> List.tryFind (fun o -> o.Name = t) with
        | Some o -> o
        | None ->
            bad (
                sprintf
                    "unknown optimizer \"%s\" for %s; valid: %s"
                    text
                    command
                    (allowed |> List.map (fun o -> o.Name) |> String.concat ", ")
            )

/// The usual boundary covariate u = y/x of a phase diagram drawn over (x, y) (P4: n/(kd) over kd × n): the value, the
/// plot coordinates and the level sets come from the same two functions, so they cannot disagree.
let ratioCovariate
    (name: string)
    (boundaryForm: string)
    (xLabel: string, x: Collections.Generic.IReadOnlyDictionary<string, float> -> float)
    (yLabel: string, y: Collections.Generic.IReadOnlyDictionary<string, float> -> float)
    (reference: string)
    (belowOne: string)
    (aboveOne: string)
    =
    SweepCovariate(
        name,
        boundaryForm,
        Func<_, _>(fun c -> y c / x c),
        xLabel,
        Func<_, _>(x),
        yLabel,
        Func<_, _>(y),
        Func<_, _, _>(fun px py -> py / px),
        reference,
        belowOne,
        aboveOne
    )

/// A theorem's sweep trial: the generic sweep's unit of work. A trial is cheaper than a certificate (no checks, no
/// trace): it builds one instance from the trial's own seed, trains, and applies the theorem's success rule.
type TrialSpec =
    {
        /// Options, axes, seed key, metrics and covariate, as the C# sweep reads them.
        Info: SweepTrialInfo
        /// Validates one cell's options (every problem is one InvalidInputException line) and says what memory one
        /// trial of it needs; runs nothing.
        Size: RunInput -> TrialSize
        /// Runs one trial; the input's "seed" is the trial's own seed (derived by the sweep from the run seed).
        Run: RunInput -> TrialOutcome
    }

/// A paper's experiment (`overparam experiment <name>`): the CLI parses its options and writes what Run returns.
type ExperimentSpec =
    {
        /// Name, title, description and options (the shared --seed among them), as the C# CLI reads them.
        Info: ExperimentInfo
        /// Runs it; every problem with the options is one InvalidInputException line, thrown before any work.
        Run: RunInput -> ExperimentResult
    }

/// A theorem as the pipeline sees it: its definition (checks and IDs), its options, and the functions from options
/// to an analysis and from an analysis to the certificate's quantity groups and trace.
type Theorem<'setup, 'analysis> =
    {
        Definition: TheoremDefinition<'analysis>
        /// The certify subcommand, e.g. "local-pl".
        Command: string
        /// The theorem's own options (the shared ones come from sharedOptions).
        Options: OptionSpec list
        /// Validates every option and builds the instance; every problem is one InvalidInputException line.
        Setup: RunInput -> 'setup
        /// Paper math: every number the checks use, with its status.
        Analyze: 'setup -> 'analysis
        /// Named groups of numbers for the certificate.
        Quantities: 'analysis -> QuantityGroup list
        /// Named trace columns and plots.
        Trace: 'analysis -> TraceTable
        /// How the run ended when it fell short of its target; empty otherwise.
        RunNote: 'analysis -> string
        /// The data and the initial model the run used, the model as its model-file JSON (`ModelFile.Serialize`, any
        /// architecture); both are hashed into the provenance.
        Instance: 'analysis -> Dataset * string
        /// The sweep trial, when the theorem defines one (`overparam sweep run <command>`).
        Trial: TrialSpec option
        /// The paper's experiments (`overparam experiment <name>`); empty when it has none.
        Experiments: ExperimentSpec list
    }

/// Every option a theorem takes: its own, then the shared ones.
let allOptions (t: Theorem<'s, 'a>) = t.Options @ sharedOptions

/// Canonical values for a theorem from the given ones: defaults filled in, unknown names refused.
let valuesOf (specs: OptionSpec list) (given: seq<string * string>) =
    let known = specs |> List.map (fun s -> s.Name) |> Set.ofList

    let givenMap =
        given
        |> Seq.fold
            (fun (m: Map<string, string>) (k, v) ->
                if not (known.Contains k) then
                    bad (sprintf "unknown option --%s" k)

                m.Add(k, v))
            Map.empty

    specs
    |> List.map (fun s ->
        s.Name,
        match givenMap.TryFind s.Name with
        | Some v -> v
        | None -> s.Default)
    |> Map.ofList

/// Tool, build, machine and content hashes (the invocation is added by the CLI).
let provenance (data: Dataset) (modelJson: string) =
    Provenance(
        MachineInfo.ToolVersion,
        MachineInfo.SourceCommit,
        RuntimeInformation.FrameworkDescription,
        MachineInfo.OperatingSystem,
        MachineInfo.CpuModel,
        Environment.ProcessorCount,
        Overparam.Verify.Engine.LinearAlgebra.SimdInfo.Name,
        Overparam.Verify.Engine.LinearAlgebra.SimdInfo.WidthBits,
        ContentHash.OfDataset data,
        ContentHash.OfBytes(ReadOnlySpan(Text.Encoding.UTF8.GetBytes modelJson))
    )

/// Deterministic thinning to at most m indices, first and last kept.
let thinIndices (count: int) (m: int) =
    if count <= m then
        [| 0 .. count - 1 |]
    else
        [| for j in 0 .. m - 1 -> int (Math.Round(float j * float (count - 1) / float (m - 1))) |]
        |> Array.distinct

/// The contract's name of a number status.
let statusKind s =
    match s with
    | NumberStatus.Exact -> NumberStatusKind.Exact
    | NumberStatus.Certified -> NumberStatusKind.Certified
    | NumberStatus.Estimated -> NumberStatusKind.Estimated

/// A quantity of a group.
let quantity name value status description =
    Quantity(name, value, statusKind status, description)

/// A trace column.
let column name role status description (values: float[]) =
    TraceColumn(name, role, statusKind status, description, values)

let private roleOfCondition r =
    match r with
    | ConditionRole.Hypothesis -> CheckRole.Hypothesis
    | ConditionRole.Premise -> CheckRole.Premise
    | ConditionRole.Measurement -> CheckRole.Measurement

let private roleOfPrediction k =
    match k with
    | PredictionKind.Bound -> CheckRole.Bound
    | PredictionKind.Measurement -> CheckRole.Measurement
    | PredictionKind.ConditionalBound -> CheckRole.ConditionalBound
    | PredictionKind.SelfCheck -> CheckRole.SelfCheck

/// The certificate record of one evaluated condition.
let conditionResult (c: EvaluatedCondition) =
    let o = c.Outcome

    ConditionResult(
        c.Id,
        c.Statement,
        roleOfCondition c.Role,
        o.Value,
        o.Threshold,
        statusKind o.Status,
        Verdict.holds o.Verdict,
        // The check's own margin knows the condition's direction (> or ≤); a condition that does not hold has none.
        (match o.Verdict with
         | Verdict.Holds m -> m
         | _ -> nan),
        Verdict.name o.Verdict,
        Verdict.reason o.Verdict
    )

/// The certificate record of one evaluated prediction.
let predictionResult (p: EvaluatedPrediction) =
    let o = p.Outcome

    PredictionResult(
        p.Id,
        p.Statement,
        roleOfPrediction p.Kind,
        (match o.Sense with
         | Sense.AtMost -> "at-most"
         | Sense.AtLeast -> "at-least"),
        o.Bound,
        o.Observed,
        statusKind o.Status,
        o.Holds,
        o.Slack,
        o.WorstStep,
        o.Note
    )

/// One clause on how a training run ended when it did not reach its target: diverged, out of budget, or stuck at a
/// stationary point; empty when the run reached loss ≤ target·loss₀.
let runNote (r: Overparam.Verify.Engine.Training.TrainResult) (lossName: string) (targetReduction: float) =
    let recs = r.Trace.Records

    if recs.Count = 0 then
        "the run recorded no step"
    else
        let l0 = recs[0].Loss
        let l1 = recs[recs.Count - 1].Loss
        let reached = l1 <= targetReduction * l0

        match r.Status with
        | Overparam.Verify.Engine.Training.TrainStatus.Diverged ->
            sprintf "the training run diverged (%s)" r.DivergenceReason
        | _ when reached -> ""
        | Overparam.Verify.Engine.Training.TrainStatus.Converged ->
            sprintf
                "the run stopped at a stationary point (zero gradient) after %d steps with %s/%s₀ = %.3g, short of its target %g"
                r.Steps
                lossName
                lossName
                (l1 / l0)
                targetReduction
        | _ ->
            sprintf
                "the run used its whole budget of %d steps without reaching %s ≤ %g·%s₀ (final %s/%s₀ = %.3g); raise --steps"
                r.Steps
                lossName
                targetReduction
                lossName
                lossName
                lossName
                (l1 / l0)

let private verdictKind v =
    match v with
    | OverallVerdict.Consistent _ -> VerdictKind.Consistent
    | OverallVerdict.HypothesesNotMet _ -> VerdictKind.HypothesesNotMet
    | OverallVerdict.Inconclusive _ -> VerdictKind.Inconclusive
    | OverallVerdict.Refuted _ -> VerdictKind.Refuted

/// One word for a POSIX shell: as is when it holds only characters no shell treats specially, else in single quotes
/// (an embedded ' written as '\''). The one quoting rule of reproduce commands and recorded command lines.
let shellQuote (s: string) =
    let safe (c: char) =
        Char.IsAsciiLetterOrDigit c || "_@%+=:,./-".Contains c

    if s.Length > 0 && Seq.forall safe s then
        s
    else
        "'" + s.Replace("'", "'\\''") + "'"

/// The command that re-runs a certificate: every option that differs from its default, in declaration order.
let reproduceCommand (command: string) (specs: OptionSpec list) (values: Map<string, string>) =
    let quote = shellQuote

    let parts =
        [
            for s in specs do
                let v = values[s.Name]

                if v <> s.Default then
                    match s.Kind with
                    | OptionKind.Flag ->
                        if v = "true" then
                            yield "--" + s.Name
                    | _ -> yield sprintf "--%s %s" s.Name (quote v)
        ]

    String.Join(" ", "overparam certify " + command :: parts)

/// The one certify pipeline: validate and set up, analyse, evaluate every check, decide the verdict, and assemble the
/// schema-2 certificate (without its content hash, which the writer adds).
let certify (t: Theorem<'s, 'a>) (input: RunInput) : Certificate =
    let specs = allOptions t
    let setup = t.Setup input
    RunMonitor.ThrowIfStopped input.Monitor
    let analysis = t.Analyze setup
    RunMonitor.ThrowIfStopped input.Monitor
    input.Monitor.Phase "evaluating the checks"
    let def = t.Definition
    let conditions, predictions = Theorem.evaluate def analysis
    let skipped = Theorem.skippedConclusions def predictions
    let verdict = Theorem.decideWith skipped conditions predictions
    let _, reason = Theorem.verdictName verdict
    let note = t.RunNote analysis

    let reason =
        if String.IsNullOrEmpty note then
            reason
        else
            sprintf "%s; %s" reason note

    let established, evaluated = Theorem.basis conditions predictions

    let data, model0 = t.Instance analysis
    let values = input.Values

    Certificate(
        Certificate.SchemaId,
        TheoremInfo(def.Id, t.Command, def.Title, def.Reference, def.Statement),
        VerdictInfo(verdictKind verdict, reason, List.toArray established, List.toArray evaluated, List.toArray skipped),
        Opt.seed input,
        specs |> List.map (fun s -> OptionValue(s.Name, values[s.Name])) |> List.toArray,
        reproduceCommand t.Command specs values,
        provenance data model0,
        conditions |> List.map conditionResult |> List.toArray,
        predictions |> List.map predictionResult |> List.toArray,
        def.NotChecked
        |> List.map (fun (id, why) -> NotCheckedItem(id, why))
        |> List.toArray,
        t.Quantities analysis |> List.toArray,
        t.Trace analysis
    )

/// Builds the input of a run from option pairs (defaults fill the rest); for tests and the registry.
let inputOf (t: Theorem<'s, 'a>) (given: (string * string) list) (data: Dataset option) =
    {
        Values = valuesOf (allOptions t) given
        Data = data
        DataSource = (if data.IsSome then "given" else "")
        Monitor = RunMonitor.None
    }

/// The input of one sweep trial: option values (defaults fill the rest; unknown names are refused) with the trial's
/// own seed under "seed".
let trialInput (t: TrialSpec) (values: Collections.Generic.IReadOnlyDictionary<string, string>) monitor =
    // The shared --data keeps its default (generated data): a trial always draws its instance from its own seed.
    let specs = List.ofSeq t.Info.Options @ sharedOptions

    let given =
        if isNull values then
            Seq.empty
        else
            values |> Seq.map (fun kv -> kv.Key, kv.Value)

    {
        Values = valuesOf specs given
        Data = None
        DataSource = ""
        Monitor = monitor
    }

/// A metric of a certify-based trial: a named quantity of the certificate.
type CertificateMetric =
    {
        /// The metric's name in the store.
        Name: string
        /// One line for reports, with the number's status.
        Description: string
        /// The certificate's quantity group and quantity.
        Group: string
        Quantity: string
    }

/// A sweep trial that is the certify pipeline itself: every trial is a full certificate of one instance, success is
/// whether the prediction `successId` holds (e.g. "GD reached its target"), and the metrics say, per trial, whether
/// every hypothesis was established (the vacuity counter of papers.md §6.4: a sweep where no instance meets the
/// hypotheses checks nothing), the verdict, and the named quantities. Any theorem gets a sweep this way; a cheaper
/// trial of its own (as P4's) is an optimisation.
let certifyTrial
    (t: Theorem<'s, 'a>)
    (axes: string list)
    (seedKey: string list)
    (successId: string)
    (metrics: CertificateMetric list)
    (covariate: SweepCovariate)
    (description: string)
    : TrialSpec =
    let hypothesisIds =
        t.Definition.Hypotheses
        |> List.filter (fun c -> c.Role = ConditionRole.Hypothesis)
        |> List.map (fun c -> c.Id)
        |> List.distinct

    let run (i: RunInput) =
        let cert = certify t i

        let success = cert.Predictions |> Seq.exists (fun p -> p.Id = successId && p.Holds)

        let established =
            hypothesisIds
            |> List.forall (fun id -> cert.Verdict.Established |> Seq.contains id)

        let quantity (m: CertificateMetric) =
            cert.Quantities
            |> Seq.tryFind (fun g -> g.Name = m.Group)
            |> Option.bind (fun g -> g.Values |> Seq.tryFind (fun q -> q.Name = m.Quantity))
            |> Option.map (fun q -> q.Value)
            |> Option.defaultValue nan

        let kind =
            match cert.Verdict.Kind with
            | VerdictKind.Consistent -> "consistent"
            | VerdictKind.Refuted -> "refuted"
            | VerdictKind.HypothesesNotMet -> "hypotheses-not-met"
            | _ -> "inconclusive"

        TrialOutcome(
            kind,
            success,
            [|
                yield (if established then 1.0 else 0.0)
                yield
                    (if cert.Verdict.Kind = VerdictKind.Consistent then
                         1.0
                     else
                         0.0)
                for m in metrics -> quantity m
            |]
        )

    {
        Info =
            SweepTrialInfo(
                t.Options,
                List.toArray axes,
                List.toArray seedKey,
                1,
                description,
                [|
                    yield
                        MetricSpec(
                            "hypotheses-established",
                            sprintf
                                "1 when every hypothesis (%s) was established on exact or certified numbers (exact)"
                                (String.Join(", ", hypothesisIds))
                        )
                    yield MetricSpec("consistent", "1 when the certificate's verdict is consistent (exact)")
                    for m in metrics -> MetricSpec(m.Name, m.Description)
                |],
                covariate
            )
        Size =
            fun i ->
                // The theorem's own set-up validates every option and refuses an instance too large for memory.
                t.Setup i |> ignore
                TrialSize("a cell", 0.0, "nothing", 0.0)
        Run = run
    }

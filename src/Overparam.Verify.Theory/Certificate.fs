/// Turning an evaluated theorem into the plain certificate records of the engine (Overparam.Verify.Engine.Certificates).
module Overparam.Verify.Theory.Certificate

open System
open System.Runtime.InteropServices
open Overparam.Verify.Engine.Certificates
open Overparam.Verify.Engine.IO
open Overparam.Verify.Engine.Models

let private roleName r =
    match r with
    | ConditionRole.Hypothesis -> "hypothesis"
    | ConditionRole.Premise -> "premise"

let private kindName k =
    match k with
    | PredictionKind.Bound -> "bound"
    | PredictionKind.Measurement -> "measurement"

let private senseName s =
    match s with
    | Sense.AtMost -> "at-most"
    | Sense.AtLeast -> "at-least"

/// The certificate record of one evaluated condition.
let conditionResult (c: EvaluatedCondition) =
    let o = c.Outcome
    ConditionResult(
        c.Id,
        c.Statement,
        roleName c.Role,
        o.Value,
        o.Threshold,
        NumberStatus.name o.Status,
        Verdict.holds o.Verdict,
        o.Value - o.Threshold,
        Verdict.name o.Verdict,
        Verdict.reason o.Verdict
    )

/// The certificate record of one evaluated prediction.
let predictionResult (p: EvaluatedPrediction) =
    let o = p.Outcome
    PredictionResult(
        p.Id,
        p.Statement,
        kindName p.Kind,
        senseName o.Sense,
        o.Bound,
        o.Observed,
        NumberStatus.name o.Status,
        o.Holds,
        o.Slack,
        o.WorstStep,
        o.Note
    )

/// Tool, runtime and content hashes for the certificate.
let provenance (data: Overparam.Verify.Engine.Data.Dataset) (model: Mlp) =
    let version =
        let v = typeof<Mlp>.Assembly.GetName().Version
        if isNull v then "unknown" else v.ToString(3)
    Provenance(
        version,
        RuntimeInformation.FrameworkDescription,
        Environment.ProcessorCount,
        Numerics.Vector<byte>.Count * 8,
        ContentHash.OfDataset data,
        ContentHash.OfBytes(ReadOnlySpan(Text.Encoding.UTF8.GetBytes(ModelFile.Serialize model)))
    )

/// Deterministic thinning to at most m indices, first and last kept.
let thinIndices (count: int) (m: int) =
    if count <= m then
        [| 0 .. count - 1 |]
    else
        [| for j in 0 .. m - 1 -> int (Math.Round(float j * float (count - 1) / float (m - 1))) |] |> Array.distinct

/// The P2 certificate of an analysed instance.
let ofP2 (a: P2LocalPl.Analysis) : Certificate =
    let t = P2LocalPl.theorem
    let conditions, predictions = Theorem.evaluate t a
    let verdict, reason = Theorem.decide conditions predictions |> Theorem.verdictName
    let s = a.Setup
    let c3Verdict =
        conditions |> List.tryFind (fun c -> c.Id = "P2.C3") |> Option.map (fun c -> c.Outcome.Verdict)
    let decides =
        match c3Verdict with
        | Some(Verdict.Holds _) -> "derived"
        | Some(Verdict.Fails _) -> "trajectory"
        | _ -> "none"
    let alpha =
        AlphaSummary(
            [| NamedValue("trajectory", a.AlphaTrajectory, "estimated", "min_k ‖∇f(w_k)‖²/f(w_k) over visited points in the ball (an upper estimate of the infimum α)")
               NamedValue("ntk", a.AlphaNtk, "estimated", "min_k (4/n)·λ_min(K(w_k)) along the run: a lower bound on ρ at each visited point, exact there, sampled as an infimum over the ball")
               NamedValue("derived", a.AlphaCertified, "certified", "(4/n)·λ_min(XXᵀ)·(certified inf_B minᵢ‖uᵢ‖)², Lipschitz extension from w₀ (theory/P2-local-pl.md)") |],
            decides
        )
    let init =
        InitializationSummary(
            a.A,
            a.AChoice,
            a.AMin,
            a.R,
            a.RChoice,
            a.WMin,
            a.F0,
            a.LambdaMin,
            a.U0Min,
            a.UCertified,
            a.BetaHat,
            a.Eta,
            a.EtaChoice
        )
    let comparison =
        a.Comparison
        |> List.map (fun c -> ComparisonRun(c.Name, c.Eta, c.InitialLoss, c.FinalLoss, c.Iterations))
        |> List.toArray
    let idx = thinIndices a.Steps.Length s.MaxTracePoints
    let pick (xs: 'T[]) = idx |> Array.map (fun i -> xs[i])
    let trace =
        TraceArrays(pick a.Steps, pick a.Times, pick a.Losses, pick a.GradNormSq, pick a.Distances, pick a.Rho, pick a.NtkAlpha, pick a.Envelope)
    let instance =
        InstanceDescription(s.Data.N, s.Data.D, s.Widths, Activations.Name s.Activation, s.Optimizer, a.Eta, "mean", s.DataSource, s.MaxSteps, s.TargetReduction)
    Certificate(
        Certificate.SchemaId,
        t.Id,
        t.Title,
        t.Reference,
        t.Statement,
        verdict,
        reason,
        s.Seed,
        provenance s.Data a.Model0,
        instance,
        conditions |> List.map conditionResult |> List.toArray,
        predictions |> List.map predictionResult |> List.toArray,
        alpha,
        init,
        comparison,
        t.NotChecked |> List.map (fun (id, why) -> NotCheckedItem(id, why)) |> List.toArray,
        trace
    )

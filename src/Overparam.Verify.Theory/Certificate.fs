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
    | ConditionRole.Measurement -> "measurement"

let private kindName k =
    match k with
    | PredictionKind.Bound -> "bound"
    | PredictionKind.Measurement -> "measurement"
    | PredictionKind.ConditionalBound -> "conditional-bound"

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
    Provenance(
        Overparam.Verify.Engine.MachineInfo.ToolVersion,
        RuntimeInformation.FrameworkDescription,
        Environment.ProcessorCount,
        Overparam.Verify.Engine.LinearAlgebra.SimdInfo.WidthBits,
        ContentHash.OfDataset data,
        ContentHash.OfBytes(ReadOnlySpan(Text.Encoding.UTF8.GetBytes(ModelFile.Serialize model))),
        SourceCommit = Overparam.Verify.Engine.MachineInfo.SourceCommit,
        Os = Overparam.Verify.Engine.MachineInfo.OperatingSystem,
        CpuModel = Overparam.Verify.Engine.MachineInfo.CpuModel,
        SimdPath = Overparam.Verify.Engine.LinearAlgebra.SimdInfo.Name
    )

/// One clause on how a training run ended when it did not reach its target: diverged, out of budget, or stuck at a
/// stationary point; empty when the run reached f ≤ target·f(w₀).
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
                r.Steps lossName lossName (l1 / l0) targetReduction
        | _ ->
            sprintf
                "the run used its whole budget of %d steps without reaching %s ≤ %g·%s₀ (final %s/%s₀ = %.3g); raise --steps"
                r.Steps lossName targetReduction lossName lossName lossName (l1 / l0)

/// Deterministic thinning to at most m indices, first and last kept.
let thinIndices (count: int) (m: int) =
    if count <= m then
        [| 0 .. count - 1 |]
    else
        [| for j in 0 .. m - 1 -> int (Math.Round(float j * float (count - 1) / float (m - 1))) |] |> Array.distinct

/// The fields every theorem's certificate shares, from its definition, evaluated checks and run.
let private assemble (t: TheoremDefinition<'A>) conditions predictions seed provenance instance alpha init comparison trace (quantities: NamedValue[]) (runNote: string) =
    let verdict, reason =
        Theorem.decideWith (Theorem.skippedConclusions t predictions) conditions predictions |> Theorem.verdictName
    // How the run ended belongs in the reason whatever the verdict: a budget that ran out or a divergence explains
    // rows that do not hold and tells the user what to change.
    let reason = if String.IsNullOrEmpty runNote then reason else sprintf "%s; %s" reason runNote
    Certificate(
        Certificate.SchemaId,
        t.Id,
        t.Title,
        t.Reference,
        t.Statement,
        verdict,
        reason,
        seed,
        provenance,
        instance,
        conditions |> List.map conditionResult |> List.toArray,
        predictions |> List.map predictionResult |> List.toArray,
        alpha,
        init,
        comparison,
        t.NotChecked |> List.map (fun (id, why) -> NotCheckedItem(id, why)) |> List.toArray,
        trace,
        Quantities = quantities
    )

/// The P2 certificate of an analysed instance.
let ofP2 (a: P2LocalPl.Analysis) : Certificate =
    let t = P2LocalPl.theorem
    let conditions, predictions = Theorem.evaluate t a
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
    assemble t conditions predictions s.Seed (provenance s.Data a.Model0) instance alpha init comparison trace [||] (runNote a.Result "f" s.TargetReduction)

/// The P4 certificate of an analysed instance. The shared records are filled where they mean the same thing
/// (α summary: σ_min(J) values; initialization: ν, R, L(W₀), β̂_H, η); the rest goes into Quantities.
let ofP4 (a: P4Moderate.Analysis) : Certificate =
    let t = P4Moderate.theorem
    let conditions, predictions = Theorem.evaluate t a
    let s = a.Setup
    let b = a.Bounds
    let k = a.Kernel
    let nv name value status description = NamedValue(name, value, status, description)
    let alpha =
        AlphaSummary(
            [| nv "initial" a.Alpha "exact" "α = σ_min(J(W₀)) = √λ_min(J Jᵀ), closed-form Gram (P4.C1)"
               nv "trajectory" (sqrt a.AlphaHatSqMin) "estimated" "min over visited W_τ of σ_min(J(W_τ)): exact at each point, sampled as an infimum"
               nv "ball" a.AlphaBall "certified" "max(0, α − L·R): σ_min(J) on B(W₀, R), since σ_min is 1-Lipschitz in J and J is L-Lipschitz" |],
            "initial"
        )
    let init =
        InitializationSummary(
            s.Nu,
            "ν (v entries ±ν/√k, frozen)",
            nan,
            a.Radius,
            "R = 4‖r₀‖/α (meta-theorem ball)",
            nan,
            a.L0,
            a.LambdaMinInputGram,
            nan,
            nan,
            a.BetaHat,
            a.Eta,
            a.EtaChoice
        )
    let idx = thinIndices a.Steps.Length s.MaxTracePoints
    let pick (xs: 'T[]) = idx |> Array.map (fun i -> xs[i])
    let times = a.Steps |> Array.map (fun st -> float st * a.Eta)
    let plRatio = Array.map2 (fun g l -> if l > 0.0 then g / l else nan) a.GradNormSq a.Losses
    let ntk = a.NtkLambda |> Array.map (fun l -> 2.0 * l)
    let trace =
        TraceArrays(pick a.Steps, pick times, pick a.Losses, pick a.GradNormSq, pick a.Distances, pick plRatio, pick ntk, pick a.Envelope)
    let instance =
        InstanceDescription(s.Data.N, s.Data.D, [| s.K |], Activations.Name s.Activation, s.Optimizer, a.Eta, "half-sum", s.DataSource, s.MaxSteps, s.TargetReduction)
    // λ(X), κ(X) and the P4.C5 ratio are exact for a closed-form Σ(X), estimates when it comes from quadrature.
    let kernelStatus = if k.Status = Overparam.Verify.Engine.Kernels.InfiniteWidthKernel.ClosedFormStatus then "exact" else "estimated"
    // μ_φ has a closed form except for tanh and sigmoid, where it is a 1-D quadrature without an error bound; the
    // P4.C7 bound is certified only given an exact μ_φ.
    let muByQuadrature = s.Activation = ActivationKind.Tanh || s.Activation = ActivationKind.Sigmoid
    let muStatus = if muByQuadrature then "estimated" else "exact"
    let muBoundStatus = if muByQuadrature then "estimated" else "certified"
    let quantities =
        [| nv "lambda(X)" k.LambdaMin kernelStatus (sprintf "λ_min(Σ(X)), %s%s" k.Status (if k.QuadratureOrder > 0 then sprintf " (2-D Gauss–Hermite, %d and %d nodes per dimension)" k.ComparisonOrder k.QuadratureOrder else ""))
           nv "lambda(X) error bound" k.LambdaMinErrorBound "estimated" "‖Σ_m − Σ_2m‖_F + n·ε·λ_max (Weyl); round-off only for closed forms"
           nv "quadrature max entry difference" k.QuadratureErrorEstimate "estimated" "maxᵢⱼ |Σ_m − Σ_2m| (0 for closed forms)"
           nv "kappa(X)" k.Kappa kernelStatus "√(d/n)·‖X‖/λ(X)"
           nv "||X||" b.XNorm "exact" "spectral norm of X"
           nv "lambda_min(XX^T)" a.LambdaMinInputGram "exact" "P4.C7 input"
           nv "mu_phi" a.MuPhi muStatus "E[φ′(g)], g ~ N(0, 1)"
           nv "mu_phi^2 lambda_min(XX^T)" a.MuPhiBound muBoundStatus "lower bound on λ(X) (P4.C7; NaN unless rows are unit norm)"
           nv "B1" b.DerivativeSup "exact" "sup|φ′|"
           nv "B2" b.SecondDerivativeSup "exact" "sup|φ″| (∞ for relu)"
           nv "alpha" a.Alpha "exact" "σ_min(J(W₀))"
           nv "||J(W0)||" b.SigmaMax "exact" "√λ_max(J Jᵀ) at W₀"
           nv "beta" b.Beta "certified" "B₁·‖v‖₂·‖X‖ ≥ ‖J(W)‖ for every W"
           nv "L" b.Lipschitz "certified" "B₂·‖v‖_∞·‖X‖·maxᵢ‖xᵢ‖: ‖J(W₁) − J(W₂)‖ ≤ L‖W₁ − W₂‖_F (∞ for relu)"
           nv "||r0||" a.R0 "exact" "‖f(W₀) − y‖"
           nv "R" a.Radius "exact" "4‖r₀‖/α"
           nv "alpha^2/(L ||r0||)" a.MetaRatio "certified" "meta-theorem ratio: c in α² ≥ c·L‖r₀‖ would need to be at most this"
           nv "beta_H ball" a.BetaHBall "certified" "β² + 2‖v‖_∞B₂‖X‖²‖r₀‖ ≥ sup‖∇²L‖ along GD in the derived form"
           nv "beta_H estimate" a.BetaHat "estimated" "max over visited points of the power-iteration estimate of ‖∇²L‖"
           nv "1/beta^2" (1.0 / (b.Beta * b.Beta)) "certified" "largest step the meta-theorem allows"
           nv "sqrt(kd)/(B kappa(X) n)" (P4Moderate.c5Sides a ||> (/)) kernelStatus "P4.C5 ratio"
           nv "q SGD" a.QSgd "estimated" "factor of the SGD in-expectation bound (NaN for GD)"
           nv "trials" (float (if s.Optimizer = "sgd" then s.Trials else 1)) "exact" "runs the trace averages over" |]
    let note =
        match a.Runs with
        | [ one ] -> runNote one.Result "L" s.TargetReduction
        | runs ->
            let notes = runs |> List.map (fun r -> runNote r.Result "L" s.TargetReduction) |> List.filter (fun n -> n <> "")
            match notes with
            | [] -> ""
            | first :: _ -> sprintf "%d of %d runs fell short (first: %s)" notes.Length runs.Length first
    assemble t conditions predictions s.Seed (provenance s.Data a.Model0) instance alpha init [||] trace quantities note

module Overparam.Verify.Theory.Tests.P4ModerateTests

open System
open System.Threading
open Expecto
open FsCheck
open FsCheck.FSharp
open Overparam.Verify.Engine
open Overparam.Verify.Contracts
open Overparam.Verify.Engine.Data
open Overparam.Verify.Engine.Kernels
open Overparam.Verify.Engine.LinearAlgebra
open Overparam.Verify.Engine.Models
open Overparam.Verify.Engine.Numerics
open Overparam.Verify.Theory
open Overparam.Verify.Theory.Papers.P4Moderate

// ---------------------------------------------------------------------------------------------------------------
// Generators: shape and seed through FsCheck (shrinkable), bulk data from the engine's seeded streams (exact replay).
// ---------------------------------------------------------------------------------------------------------------

/// A small P4 instance: n ≤ 8 unit-sphere points in d ≤ 6 dimensions, even width k ≤ 64.
type P4Case =
    {
        N: int
        D: int
        HalfK: int
        Activation: string
        Optimizer: string
        Nu: float
        Seed: uint64
    }

    member c.K = 2 * c.HalfK

let private genCase (activations: string list) (optimizers: string list) =
    gen {
        let! n = Gen.choose (1, 8)
        let! d = Gen.choose (1, 6)
        let! halfK = Gen.choose (1, 32)
        let! act = Gen.elements activations
        let! opt = Gen.elements optimizers
        let! nu = Gen.elements [ 0.5; 1.0; 2.0 ]
        let! seed = Gen.choose (0, 1_000_000)

        return
            {
                N = n
                D = d
                HalfK = halfK
                Activation = act
                Optimizer = opt
                Nu = nu
                Seed = uint64 seed
            }
    }

let private shrinkCase (c: P4Case) =
    seq {
        if c.N > 1 then
            yield { c with N = c.N - 1 }

        if c.D > 1 then
            yield { c with D = c.D - 1 }

        if c.HalfK > 1 then
            yield { c with HalfK = c.HalfK - 1 }

        if c.Seed <> 0UL then
            yield { c with Seed = 0UL }

        if c.Activation <> "softplus" then
            yield { c with Activation = "softplus" }

        if c.Optimizer <> "gd" then
            yield { c with Optimizer = "gd" }

        if c.Nu <> 1.0 then
            yield { c with Nu = 1.0 }
    }

let private arbCase activations optimizers =
    Arb.fromGenShrink (genCase activations optimizers, shrinkCase)

/// The activations of the smooth-case statement, and relu where the statement allows (it fails P4.C3). Identity is
/// weighted twice: its J is constant (L = 0), so the meta-theorem's ball is certified whenever σ_min(J(W₀)) is, which
/// keeps the properties from being vacuous now that the ball is checked (softplus/tanh establish it only for n ≪ k).
let private activations = [ "softplus"; "tanh"; "relu"; "identity"; "identity" ]

let private options (c: P4Case) =
    [
        "n", string c.N
        "d", string c.D
        "k", string c.K
        "activation", c.Activation
        "optimizer", c.Optimizer
        "nu", Contract.r17 c.Nu
        "seed", string c.Seed
        "steps", (if c.Optimizer = "gd" then "400" else "200")
        "trials", "2"
        "target-reduction", "1e-6"
    ]

/// Runs P4 through the shared pipeline with the given options (defaults for the rest).
let private certify (given: (string * string) list) (data: Dataset option) =
    Contract.certify plugin (Contract.inputOf plugin given data)

let private setupWith given =
    setupOf (Contract.inputOf plugin given None)

let private quantityOf (cert: Certificate) name =
    cert.Quantities
    |> Seq.collect (fun g -> g.Values)
    |> Seq.find (fun v -> v.Name = name)

let private hypothesesHold (cert: Certificate) =
    cert.Conditions
    |> Seq.filter (fun c -> c.Role = CheckRole.Hypothesis)
    |> Seq.forall (fun c -> c.Holds)

/// Counts of the main property, printed when FsCheck finishes so a vacuous run is visible.
let private seen = ref 0
let private verified = ref 0
let private withCertifiedR1 = ref 0

let private mainConfig =
    { FsCheckConfig.defaultConfig with
        maxTest = 100
        replay = Some(20260502UL, 5UL, None)
        finishedTest =
            fun _ name _ ->
                async {
                    Vacuity.report
                        name
                        (sprintf
                            "%d of %d instances met the P4 hypotheses; %d carried the certified P4.R1"
                            verified.Value
                            seen.Value
                            withCertifiedR1.Value)
                }
    }

let private smallConfig =
    { FsCheckConfig.defaultConfig with
        maxTest = 100
        replay = Some(11UL, 13UL, None)
    }

/// Slack for comparing a sampled curvature with its certified bound (power iteration's Rayleigh quotient is below
/// ‖H‖ in exact arithmetic; round-off in both can differ by a few ulps of the larger).
let private curvatureRoundOff = Tolerance.RoundOff

/// Allowance for λ(X) against μ_φ²λ_min(XXᵀ): both are exact up to round-off (closed form or 80-node quadrature,
/// whose error is reported separately and added to λ(X)); the eigensolver's round-off is relative to λ_max.
let private kernelRoundOff = Tolerance.RoundOff

let tests =
    testList
        "P4.moderate"
        [
            testList
                "verdict rules"
                [
                    testCase "a measurement condition never changes the verdict"
                    <| fun () ->
                        let ok =
                            {
                                EvaluatedCondition.Id = "P4.C1"
                                Statement = ""
                                Role = ConditionRole.Hypothesis
                                Outcome =
                                    {
                                        Value = 1.0
                                        Threshold = 0.0
                                        Status = NumberStatus.Exact
                                        Verdict = Verdict.Holds 1.0
                                    }
                            }

                        let ratio =
                            { ok with
                                Id = "P4.C4"
                                Role = ConditionRole.Measurement
                                Outcome =
                                    { ok.Outcome with
                                        Verdict = Verdict.Fails "c unknown"
                                    }
                            }

                        let held =
                            {
                                EvaluatedPrediction.Id = "P4.R2"
                                Statement = ""
                                Kind = PredictionKind.Bound
                                Outcome =
                                    {
                                        Bound = 1.0
                                        Observed = 0.5
                                        Sense = Sense.AtMost
                                        Status = NumberStatus.Certified
                                        Holds = true
                                        Slack = 0.5
                                        WorstStep = -1L
                                        Note = ""
                                    }
                            }

                        let v, _ = Theorem.decide [ ok; ratio ] [ held ] |> Theorem.verdictName
                        Expect.equal v "consistent" "measurements are reported, not asserted"

                    testCase "a violated conditional bound is inconclusive, never refuted"
                    <| fun () ->
                        let ok =
                            {
                                EvaluatedCondition.Id = "P4.C1"
                                Statement = ""
                                Role = ConditionRole.Hypothesis
                                Outcome =
                                    {
                                        Value = 1.0
                                        Threshold = 0.0
                                        Status = NumberStatus.Exact
                                        Verdict = Verdict.Holds 1.0
                                    }
                            }

                        let p holds =
                            {
                                EvaluatedPrediction.Id = "P4.R2"
                                Statement = ""
                                Kind = PredictionKind.ConditionalBound
                                Outcome =
                                    {
                                        Bound = 1.0
                                        Observed = 2.0
                                        Sense = Sense.AtMost
                                        Status = NumberStatus.Exact
                                        Holds = holds
                                        Slack = 2.0
                                        WorstStep = -1L
                                        Note = ""
                                    }
                            }

                        Expect.equal
                            (Theorem.decide [ ok ] [ p false ] |> Theorem.verdictName |> fst)
                            "inconclusive"
                            "violated"

                        // Held alone, a conditional bound guarantees nothing: never consistent on its own.
                        Expect.equal
                            (Theorem.decide [ ok ] [ p true ] |> Theorem.verdictName |> fst)
                            "inconclusive"
                            "observed alone"

                        let bound =
                            { p true with
                                Kind = PredictionKind.Bound
                                Id = "P4.R1"
                            }

                        Expect.equal
                            (Theorem.decide [ ok ] [ p true; bound ] |> Theorem.verdictName |> fst)
                            "consistent"
                            "observed beside a held bound"
                ]

            testList
                "certificate"
                [
                    testCase "defaults are inconclusive on the ball and the certificate is reproducible bit for bit"
                    <| fun () ->
                        let a = CertificateJson.Serialize(certify [] None)
                        let b = CertificateJson.Serialize(certify [] None)
                        Expect.equal a b "same seed, same machine: byte-identical JSON"
                        let c = CertificateJson.Deserialize a
                        // σ_min(J(W₀))² ≈ 0.016 < 16·L·‖r₀‖ ≈ 2.6: the meta-theorem's ball is not established.
                        Expect.equal c.Verdict.Kind VerdictKind.Inconclusive c.Verdict.Reason
                        Expect.stringStarts c.Verdict.Reason "P4.C4: not established" "the ball is named"
                        Expect.equal c.Theorem.Id "P4" "theorem id"
                        Expect.isNonEmpty c.Quantities "P4 quantities are written"
                        Expect.equal (CertificateJson.Serialize c) a "JSON round trip is exact"

                        let certifiedR1 =
                            c.Predictions
                            |> Seq.tryFind (fun p -> p.Id = "P4.R1" && p.Status = NumberStatusKind.Certified)

                        Expect.isSome certifiedR1 "softplus carries the certified per-step contraction"

                    testCase "relu fails the smooth-case P4.C3, so the verdict is hypotheses-not-met"
                    <| fun () ->
                        let c =
                            certify [ "n", "6"; "d", "4"; "k", "32"; "activation", "relu"; "steps", "200" ] None

                        Expect.equal c.Verdict.Kind VerdictKind.HypothesesNotMet c.Verdict.Reason
                        Expect.stringContains c.Verdict.Reason "P4.C3" "the reason names the failed condition"

                    testCase "rows that are not unit norm fail P4.C6; --normalize scales them"
                    <| fun () ->
                        let x = DataGenerators.GaussianInputs(6, 4, 3UL)
                        let data = DataGenerators.RandomLabelDataset(x, 3UL)
                        let raw = certify [ "k", "32"; "steps", "100" ] (Some data)
                        Expect.equal raw.Verdict.Kind VerdictKind.HypothesesNotMet raw.Verdict.Reason
                        Expect.isFalse (raw.Conditions |> Seq.find (fun r -> r.Id = "P4.C6")).Holds "P4.C6 fails"
                        let scaled = certify [ "k", "32"; "steps", "100"; "normalize", "true" ] (Some data)

                        Expect.isTrue
                            (scaled.Conditions |> Seq.find (fun r -> r.Id = "P4.C6")).Holds
                            "P4.C6 holds after --normalize"

                    testCase "η above 1/β² fails the computable part of P4.C4"
                    <| fun () ->
                        let c = certify [ "n", "4"; "d", "3"; "k", "16"; "lr", "10"; "steps", "20" ] None
                        Expect.equal c.Verdict.Kind VerdictKind.HypothesesNotMet c.Verdict.Reason

                    testCase "odd k, unknown optimizer and a bad step are input errors"
                    <| fun () ->
                        Expect.throwsT<InvalidInputException> (fun () -> setupWith [ "k", "7" ] |> ignore) "odd k"

                        Expect.throwsT<InvalidInputException>
                            (fun () -> setupWith [ "optimizer", "adam" ] |> ignore)
                            "adam"

                        Expect.throwsT<InvalidInputException> (fun () -> setupWith [ "lr", "-1" ] |> ignore) "η < 0"

                        Expect.throwsT<InvalidInputException>
                            (fun () -> setupWith [ "trials", "0" ] |> ignore)
                            "no trials"

                        Expect.throwsT<InvalidInputException>
                            (fun () -> setupWith [ "k", "x" ] |> ignore)
                            "k not an integer"
                ]

            testList
                "number status"
                [
                    testCase
                        "a quadrature λ(X) is an estimated premise, never a holding hypothesis; a closed form is exact"
                    <| fun () ->
                        let analysisOf act =
                            analyze (setupWith [ "n", "4"; "d", "6"; "k", "8"; "activation", act; "steps", "20" ])

                        let quantitiesOf a =
                            quantities a |> Seq.collect (fun g -> g.Values)

                        let soft = analysisOf "softplus"

                        Expect.isNone
                            (c2.Evaluate soft)
                            "softplus: Σ(X) by quadrature, so the exact P4.C2 does not apply"

                        match c2Quadrature.Evaluate soft with
                        | Some o ->
                            Expect.equal o.Status NumberStatus.Estimated "quadrature λ(X) is an estimate"
                            Expect.isFalse (Verdict.holds o.Verdict) "an estimate never makes P4.C2 hold"
                        | None -> failtest "softplus must carry the quadrature P4.C2"

                        match c7Quadrature.Evaluate soft with
                        | Some o -> Expect.isFalse (Verdict.holds o.Verdict) "an estimate never makes P4.C7 hold"
                        | None -> failtest "unit rows: the quadrature P4.C7 applies"

                        let conds, _ = Theorem.evaluate theorem soft

                        for r in conds |> List.map Contract.conditionResult do
                            Expect.isFalse
                                (r.Holds && r.Status = NumberStatusKind.Estimated)
                                (sprintf "%s holds on an estimated number" r.Id)

                        let q name =
                            quantitiesOf soft |> Seq.find (fun v -> v.Name = name)

                        Expect.equal
                            (q "lambda(X)").Status
                            NumberStatusKind.Estimated
                            "quadrature λ(X) is labelled estimated"

                        Expect.equal (q "kappa(X)").Status NumberStatusKind.Estimated "κ(X) inherits λ(X)'s status"
                        let erf = analysisOf "erf"
                        Expect.isNone (c2Quadrature.Evaluate erf) "erf: closed-form Σ(X)"

                        match c2.Evaluate erf with
                        | Some o -> Expect.equal o.Status NumberStatus.Exact "closed-form λ(X) is exact"
                        | None -> failtest "erf must carry the exact P4.C2"

                        Expect.equal
                            (quantitiesOf erf |> Seq.find (fun v -> v.Name = "lambda(X)")).Status
                            NumberStatusKind.Exact
                            "closed form"

                        let tanhMu =
                            quantitiesOf (analysisOf "tanh")
                            |> Seq.find (fun v -> v.Name = "mu_phi^2 lambda_min(XX^T)")

                        Expect.equal
                            tanhMu.Status
                            NumberStatusKind.Estimated
                            "tanh: μ_φ by 1-D quadrature, so its bound is not certified"

                        Expect.equal
                            (q "mu_phi^2 lambda_min(XX^T)").Status
                            NumberStatusKind.Certified
                            "softplus: μ_φ = ½ in closed form"

                    testCase "P4.R1 reports the worst step including the first, and nothing when every step is skipped"
                    <| fun () ->
                        let a0 = analyze (setupWith [ "n", "4"; "d", "3"; "k", "8"; "steps", "20" ])
                        // Only the first step (τ = 0) violates its factor; it must be the reported worst step.
                        let a =
                            { a0 with
                                Steps = [| 0L; 1L; 2L; 3L |]
                                Ratios = [| 0.9; 0.5; 0.5 |]
                                QEstimated = [| 0.8; 0.6; 0.6 |]
                                QCertified = [| nan; nan; nan |]
                                BetaHCertified = [| 1.0; 1.0; 1.0 |]
                            }

                        match r1Estimated.Evaluate a with
                        | Some o ->
                            Expect.isFalse o.Holds "step 0 violates"
                            Expect.equal o.WorstStep 0L "the violating first step is the worst"

                            Expect.isTrue
                                (Tolerances.roundOff.Accepts(0.9 / 0.8, o.Slack))
                                "slack observed/bound at step 0"
                        | None -> failtest "GD run: the estimated P4.R1 applies"

                        Expect.isNone
                            (r1Certified.Evaluate a)
                            "every certified factor skipped: no P4.R1 is reported, least of all 'holds'"
                ]

            testList
                "properties"
                [
                    testPropertyWithConfig
                        mainConfig
                        "the observed loss stays under every certified bound; never consistent when a hypothesis failed"
                    <| Prop.forAll (arbCase activations [ "gd"; "gd"; "sgd" ]) (fun c ->
                        let cert = certify (options c) None
                        let ok = hypothesesHold cert
                        Interlocked.Increment seen |> ignore

                        if ok then
                            Interlocked.Increment verified |> ignore

                        let certified =
                            cert.Predictions
                            |> Seq.filter (fun p -> p.Role = CheckRole.Bound && p.Status <> NumberStatusKind.Estimated)

                        if certified |> Seq.exists (fun p -> p.Id = "P4.R1") then
                            Interlocked.Increment withCertifiedR1 |> ignore
                        // Certified per-step contraction holds at every step whatever the hypotheses say: it is the descent
                        // lemma with exact α̂_τ and certified curvature.
                        let property =
                            (certified |> Seq.forall (fun p -> p.Holds))
                            && cert.Verdict.Kind <> VerdictKind.Refuted
                            && (ok || cert.Verdict.Kind <> VerdictKind.Consistent)

                        property
                        |> Prop.label (sprintf "verdict %A: %s" cert.Verdict.Kind cert.Verdict.Reason)
                        |> Prop.classify ok "hypotheses verified"
                        |> Prop.classify (not ok) "hypotheses not verified"
                        |> Prop.classify (c.Activation = "relu") "relu")

                    testPropertyWithConfig smallConfig "sampled curvature never exceeds the certified per-step β_H"
                    <| Prop.forAll (arbCase [ "softplus"; "tanh" ] [ "gd" ]) (fun c ->
                        let s = setupWith (options c)
                        let a = analyze s
                        let run = a.Runs.Head

                        run.Snapshots
                        |> List.filter (fun (i, _) -> i < a.BetaHCertified.Length)
                        |> List.forall (fun (i, theta) ->
                            let est = hessianNormEstimate a.Model0 s.Data theta s.Seed (sprintf "test/%d" i)
                            curvatureRoundOff.AcceptsAtMost(a.BetaHCertified[i], est)))

                    testPropertyWithConfig
                        smallConfig
                        "Σ(X) is consistent with its certified lower bound λ(X) ≥ μ_φ²λ_min(XXᵀ)"
                    <| Prop.forAll (arbCase [ "softplus"; "tanh"; "relu"; "sigmoid"; "erf"; "gelu" ] [ "gd" ]) (fun c ->
                        // d ≥ n so that XXᵀ is (almost surely) invertible and the bound is not trivially 0.
                        let d = c.N + c.D
                        let x = DataGenerators.UnitSphereInputs(c.N, d, c.Seed)
                        let act = Activations.Parse c.Activation
                        let k = InfiniteWidthKernel.Evaluate(x, act)
                        let lower = InfiniteWidthKernel.MuPhiLowerBound(x, act)
                        let lmax = (SymmetricEigen.Eigenvalues k.Sigma) |> Array.last
                        let allowance = k.LambdaMinErrorBound + kernelRoundOff.Relative * lmax

                        (k.LambdaMin + allowance >= lower)
                        |> Prop.label (sprintf "λ(X) = %g, bound %g, allowance %g" k.LambdaMin lower allowance)
                        |> Prop.classify (lower > 0.0) "bound positive")
                ]
        ]

module Overparam.Verify.Theory.Tests.P5ConvexDualTests

open System
open Expecto
open Overparam.Verify.Contracts
open Overparam.Verify.Engine.Convex
open Overparam.Verify.Engine.Data
open Overparam.Verify.Engine.LinearAlgebra
open Overparam.Verify.Engine.Numerics
open Overparam.Verify.Theory
open Overparam.Verify.Theory.Papers.P5ConvexDual

/// Independent oracle (papers.md §5.3, written from the definition, no engine code): max over the unit circle of
/// |Σᵢ λᵢyᵢ(xᵢᵀu)₊| in d = 2. Between consecutive angles where some xᵢᵀu changes sign the active set is fixed, so the
/// function is |vᵀu| with v = Σ_{active} λᵢyᵢxᵢ; its maximum over an arc is at an end or at ±v/‖v‖ when inside.
let private oracleMax (x: float[][]) (y: float[]) (lambda: float[]) =
    let value (phi: float) =
        let u = [| cos phi; sin phi |]

        Array.mapi (fun i (xi: float[]) -> lambda[i] * y[i] * max 0.0 (xi[0] * u[0] + xi[1] * u[1])) x
        |> Array.sum
        |> abs

    let norm2pi a =
        let r = a % (2.0 * Math.PI)
        if r < 0.0 then r + 2.0 * Math.PI else r

    let breaks =
        [|
            yield 0.0
            for xi in x do
                let a = atan2 xi[1] xi[0]
                yield norm2pi (a + Math.PI / 2.0)
                yield norm2pi (a - Math.PI / 2.0)
        |]
        |> Array.sort

    let arcs = Array.append breaks [| 2.0 * Math.PI |] |> Array.pairwise

    arcs
    |> Array.map (fun (a, b) ->
        let mid = 0.5 * (a + b)
        let u = [| cos mid; sin mid |]
        // v on this arc: the samples active at its midpoint.
        let v =
            Array.fold2
                (fun (acc: float[]) (xi: float[]) (i: int) ->
                    if xi[0] * u[0] + xi[1] * u[1] > 0.0 then
                        [| acc[0] + lambda[i] * y[i] * xi[0]; acc[1] + lambda[i] * y[i] * xi[1] |]
                    else
                        acc)
                [| 0.0; 0.0 |]
                x
                (Array.init x.Length id)

        let candidates =
            [
                yield value a
                yield value b
                let nv = sqrt (v[0] * v[0] + v[1] * v[1])

                if nv > 0.0 then
                    for s in [ 1.0; -1.0 ] do
                        let phi = norm2pi (atan2 (s * v[1]) (s * v[0]))

                        if phi > a && phi < b then
                            yield nv
            ]

        List.max candidates)
    |> Array.max

/// A hand instance run through the pipeline (data given, a short run), with its limit replaced by the hand-built
/// KKT point θ̄ (every neuron's w₁ⱼ, then w₂): λ from the engine's NNLS, the certificate for λ·scale.
let private handAnalysis (x: float[][]) (y: float[]) (bar: float[]) (width: int) (lambdaScale: float) =
    let data = Dataset.Create(Matrix.FromRows x, y)

    let a =
        analyze (setupOf (Contract.inputOf plugin [ "width", string width; "steps", "2000"; "lr", "0.01" ] (Some data)))

    let kkt = KktMultipliers.Solve(a.Model, data.X, data.Y, ReadOnlySpan bar, 1e-9)
    let lambda = kkt.Lambda |> Array.map (fun l -> l * lambdaScale)
    let cert = DualCertificate.Evaluate(data.X, data.Y, lambda, a.Arrangement)

    let limit =
        {
            Kkt = kkt
            Certificate = cert
            PathNorm = a.Model.PathNorm(ReadOnlySpan kkt.NormalizedParameters)
            Active = [||]
            Directions = 0
        }

    { a with Limit = Some limit }, lambda

let private verdictOf (a: Analysis) =
    let conditions, predictions = Theorem.evaluate theorem a
    Theorem.decideWith (Theorem.skippedConclusions theorem predictions) conditions predictions

let private row (check: ConditionCheck<Analysis>) a = check.Evaluate a |> Option.get

// Instance A: x₁ = (1, 0) with y = +1, x₂ = (−1, 0) with y = −1 (orthogonally separable); θ̄ has the neurons
// w₁ = (1, 0), w₂ = 1 and w₁ = (−1, 0), w₂ = −1, margins 1, λ = (1, 1); the dual constraint is |u₁|, maximum 1.
let private xA = [| [| 1.0; 0.0 |]; [| -1.0; 0.0 |] |]
let private yA = [| 1.0; -1.0 |]
let private barA = [| 1.0; 0.0; -1.0; 0.0; 1.0; -1.0 |]

// Instance B: x₁ = (1, 0), x₂ = (0, 1) with y = +1 and x₃ = (−1, −1) with y = −1 (x₁ᵀx₂ = 0: not orthogonally
// separable). θ̄: w₁ = (1, 0), w₂ = 1; w₁ = (0, 1), w₂ = 1; w₁ = a(−1, −1)/√2, w₂ = −a with a² = 1/√2: every margin 1,
// stationary with λ = (1, 1, 1/√2), ½‖θ̄‖² = 2 + 1/√2 = 1ᵀλ. The dual constraint reaches √2 at u = (1, 1)/√2.
let private xB = [| [| 1.0; 0.0 |]; [| 0.0; 1.0 |]; [| -1.0; -1.0 |] |]
let private yB = [| 1.0; 1.0; -1.0 |]

let private barB =
    let a = sqrt (1.0 / sqrt 2.0)
    [| 1.0; 0.0; 0.0; 1.0; -a / sqrt 2.0; -a / sqrt 2.0; 1.0; 1.0; -a |]

let tests =
    testList
        "P5.convexDual"
        [
            testCase "the oracle reads the two hand instances as papers.md §5.3 does (|u₁| → 1, √2)"
            <| fun () ->
                Expect.floatClose Accuracy.high (oracleMax xA yA [| 1.0; 1.0 |]) 1.0 "instance A"

                Expect.floatClose Accuracy.high (oracleMax xB yB [| 1.0; 1.0; 1.0 / sqrt 2.0 |]) (sqrt 2.0) "instance B"

            testCase "P5.C2 holds (certified) where the independent maximum is 1, on orthogonally separable data"
            <| fun () ->
                let a, lambda = handAnalysis xA yA barA 2 1.0
                Expect.isTrue (Tolerance.Solver.Accepts(1.0, lambda[0])) "λ₁ = 1"
                Expect.isTrue (Tolerance.Solver.Accepts(1.0, lambda[1])) "λ₂ = 1"
                let c1r = row c1 a
                Expect.equal (Verdict.name c1r.Verdict) "holds" "orthogonally separable"
                let c3r = row c3 a
                Expect.equal (Verdict.name c3r.Verdict) "holds" "an exact KKT point"
                let r = row c2 a
                Expect.equal (Verdict.name r.Verdict) "holds" (Verdict.reason r.Verdict)
                Expect.equal r.Status NumberStatus.Certified "exhaustive arrangement: certified"
                let oracle = oracleMax xA yA lambda
                // The certified upper bound sits on the independent maximum, above it by rounding only.
                Expect.isTrue (r.Value >= oracle) (sprintf "upper %.17g < oracle %.17g" r.Value oracle)
                Expect.isTrue (Tolerance.RoundOff.Accepts(oracle, r.Value)) (sprintf "%.17g vs %.17g" r.Value oracle)

            testCase "P5.C2 fails (certified) where the independent maximum is √2, and the verdict is never consistent"
            <| fun () ->
                let a, lambda = handAnalysis xB yB barB 3 1.0
                Expect.isTrue (Tolerance.Solver.Accepts(1.0 / sqrt 2.0, lambda[2])) "λ₃ = 1/√2"
                Expect.equal (Verdict.name (row c1 a).Verdict) "fails" "x₁ᵀx₂ = 0 within a class"
                Expect.equal (Verdict.name (row c3 a).Verdict) "holds" "an exact KKT point"
                let r = row c2 a
                Expect.equal (Verdict.name r.Verdict) "fails" (Verdict.reason r.Verdict)
                Expect.equal r.Status NumberStatus.Certified "a certified lower bound above the level"
                let oracle = oracleMax xB yB lambda
                Expect.isTrue (r.Value <= oracle) (sprintf "lower %.17g > oracle %.17g" r.Value oracle)
                Expect.isTrue (Tolerance.RoundOff.Accepts(oracle, r.Value)) (sprintf "%.17g vs %.17g" r.Value oracle)

                match verdictOf a with
                | OverallVerdict.HypothesesNotMet _ -> ()
                | v -> failtestf "a failed hypothesis must give hypotheses-not-met, got %A" v

            testCase
                "P5.C2's level is 1 + 1e-3: λ·(1 + 5e-4) passes, λ·(1 + 2e-3) does not (orthogonal data: inconclusive)"
            <| fun () ->
                let below, lb = handAnalysis xA yA barA 2 (1.0 + 5e-4)
                let above, la = handAnalysis xA yA barA 2 (1.0 + 2e-3)

                Expect.isTrue
                    (oracleMax xA yA lb < 1.001 && oracleMax xA yA la > 1.001)
                    "the oracle straddles the level"

                Expect.equal (Verdict.name (row c2 below).Verdict) "holds" "within the level"
                let r = row c2 above
                // Orthogonally separable: the limit satisfies the constraint (P5.R3); a run short of it is undecided.
                Expect.equal (Verdict.name r.Verdict) "inconclusive" (Verdict.reason r.Verdict)

                match verdictOf above with
                | OverallVerdict.Consistent _ -> failtest "a violated certificate can never be consistent"
                | _ -> ()

            testCase "teacher-labelled data fail P5.C1: never consistent, whatever the run"
            <| fun () ->
                for seed in [ "1"; "2"; "3" ] do
                    let a =
                        analyze (
                            setupOf (
                                Contract.inputOf
                                    plugin
                                    [ "dataset", "teacher"; "steps", "5000"; "width", "20"; "seed", seed ]
                                    None
                            )
                        )

                    Expect.equal (Verdict.name (row c1 a).Verdict) "fails" (sprintf "seed %s" seed)

                    match verdictOf a with
                    | OverallVerdict.HypothesesNotMet _ -> ()
                    | v -> failtestf "seed %s: %A" seed v

            testCase
                "the exponential loss runs end to end: consistent, the certificate certified, the normalized margin at the max-margin value (P5.R4)"
            <| fun () ->
                let cert =
                    Contract.certify plugin (Contract.inputOf plugin [ "loss", "exponential" ] None)

                Expect.equal cert.Verdict.Kind VerdictKind.Consistent cert.Verdict.Reason
                Expect.equal (List.ofSeq cert.Verdict.Established) [ "P5.C1"; "P5.C3"; "P5.C2" ] "established"
                let r1 = cert.Predictions |> Seq.find (fun p -> p.Id = "P5.R1")
                Expect.isTrue r1.Holds (sprintf "P5.R1: %s" r1.Note)
                let r4 = cert.Predictions |> Seq.find (fun p -> p.Id = "P5.R4")
                // Below the max-margin value and close to it: the limit direction is the max-margin one.
                Expect.isTrue
                    (r4.Holds && r4.Slack > 0.99)
                    (sprintf "P5.R4 observed %g of bound %g" r4.Observed r4.Bound)
                // The same data under the logistic loss reach the same limit (papers.md §5.2: any exponential tail).
                let logistic = Contract.certify plugin (Contract.inputOf plugin [] None)
                let r4l = logistic.Predictions |> Seq.find (fun p -> p.Id = "P5.R4")
                Expect.isTrue (Tolerance(0.0, 1e-3).Accepts(r4l.Bound, r4.Bound)) "one max-margin value"

            testCase "the default certificate is consistent: P5.C1–C3 established, P5.R1 and P5.R2 observed"
            <| fun () ->
                let cert = Contract.certify plugin (Contract.inputOf plugin [] None)
                Expect.equal cert.Verdict.Kind VerdictKind.Consistent cert.Verdict.Reason
                Expect.equal (List.ofSeq cert.Verdict.Established) [ "P5.C1"; "P5.C3"; "P5.C2" ] "established"
                Expect.equal (List.ofSeq cert.Verdict.Evaluated) [ "P5.R1"; "P5.R2" ] "evaluated"
                let c2row = cert.Conditions |> Seq.find (fun c -> c.Id = "P5.C2")
                Expect.equal c2row.Status NumberStatusKind.Certified "the certificate is certified"
                Expect.isTrue (c2row.Value >= 1.0 && c2row.Value <= 1.0 + 1e-9) (sprintf "upper %.17g" c2row.Value)
                // A referee's recheck from the recorded λ and the data alone: the independent maximum is 1 too.
                let group name =
                    cert.Quantities |> Seq.find (fun g -> g.Name = name)

                let lambda = (group "lambda").Values |> Seq.map (fun q -> q.Value) |> Seq.toArray
                let d = DataGenerators.OrthogonallySeparable(20, 2, 0UL)
                let x = Array.init d.N (fun i -> d.X.Row(i).ToArray())
                let oracle = oracleMax x d.Y lambda
                Expect.isTrue (Tolerance.Solver.Accepts(1.0, oracle)) (sprintf "oracle %.17g" oracle)
        ]

module Overparam.Verify.Theory.Tests.P1ResNetRffTests

open System
open Expecto
open FsCheck
open Overparam.Verify.Theory
open Overparam.Verify.Theory.Papers.P1ResNetRff
open Overparam.Verify.Engine.LinearAlgebra

/// A P1 analysis through the shared pipeline's set-up, with a short run (the checks' arithmetic needs little).
let private analysisWith (extra: (string * string) list) =
    analyze (setupOf (Contract.inputOf plugin ([ "steps", "2" ] @ extra) None))

/// λ_max of a small symmetric matrix by plain power iteration (the oracle's own, no engine eigensolver).
let private powerMax (a: float[,]) =
    let n = Array2D.length1 a
    let mutable v = Array.init n (fun i -> 1.0 + 0.1 * float i)
    let mutable lam = 0.0

    for _ in 1..2000 do
        let w =
            Array.init n (fun i -> Seq.sum (seq { for j in 0 .. n - 1 -> a[i, j] * v[j] }))

        let nrm = sqrt (Array.sumBy (fun t -> t * t) w)
        lam <- nrm
        v <- w |> Array.map (fun t -> t / nrm)

    lam

/// The oracle's numbers, written from papers.md §1.4 and the model's definition (features √(2/M)·cos(ωᵀx + b),
/// B the readout, F = (1/2N)Σ(B·xᵢ − yᵢ)² at U₀ = 0), without calling the paper file's functions.
type private Oracle =
    {
        SigmaMinB: float
        LipPhi: float
        LambdaG0: float
        F0: float
    }

let private oracleOf (a: Analysis) =
    let model = a.Model0
    let fm = model.Features
    let b = model.Readout
    let x = a.Setup.Data.X
    let y = a.Setup.Data.Y
    let n, d, m = x.Rows, x.Cols, fm.Count
    // σ_min(B) for a 1 × d readout is its Euclidean norm.
    let sigma = sqrt (Seq.sum (seq { for k in 0 .. d - 1 -> b[0, k] * b[0, k] }))
    // Lip(Φ) = √(2/M)·‖W‖₂ with ‖W‖₂² = λ_max(WᵀW).
    let wtw =
        Array2D.init d d (fun j k -> Seq.sum (seq { for r in 0 .. m - 1 -> fm.Weights[r, j] * fm.Weights[r, k] }))

    let lip = sqrt (2.0 / float m) * sqrt (powerMax wtw)
    // The feature Gram at X(0) = x, entry by entry from the definition.
    let phi =
        Array2D.init n m (fun i r ->
            let pre =
                fm.Offsets[r]
                + Seq.sum (seq { for k in 0 .. d - 1 -> fm.Weights[r, k] * x[i, k] })

            sqrt (2.0 / float m) * cos pre)

    let g = Matrix(n, n)

    for i in 0 .. n - 1 do
        for j in 0 .. n - 1 do
            g[i, j] <- Seq.sum (seq { for r in 0 .. m - 1 -> phi[i, r] * phi[j, r] })

    let lam = (SymmetricEigen.Eigenvalues g)[0]

    let f0 =
        Seq.sum (
            seq {
                for i in 0 .. n - 1 ->
                    let r = Seq.sum (seq { for k in 0 .. d - 1 -> b[0, k] * x[i, k] }) - y[i]
                    r * r
            }
        )
        / (2.0 * float n)

    {
        SigmaMinB = sigma
        LipPhi = lip
        LambdaG0 = lam
        F0 = f0
    }

/// papers.md §1.4: μ_F = (2σ_min(B)²/N)·e^(−2Λ)·inf λ_G, with Λ ≤ Lip(Φ)·R and inf λ_G over the ball
/// ≥ (√λ_G(U₀) − √(2N)·Lip(Φ)·R)₊² (theory/P1-resnet-rff.md).
let private oracleMu (sigma: float) (n: int) (lip: float) (lambda0: float) (r: float) =
    let root = sqrt lambda0 - sqrt (2.0 * float n) * lip * r

    2.0 * sigma * sigma / float n
    * exp (-2.0 * lip * r)
    * (if root > 0.0 then root * root else 0.0)

let private close rel (a: float) (b: float) =
    abs (a - b) <= rel * max (abs a) (abs b)

let tests =
    testList
        "P1.resnet-rff"
        [
            testCase "the certified inputs of μ_F bracket the oracle's exact ones from the definitions"
            <| fun () ->
                let a = analysisWith []
                let o = oracleOf a
                // Certified lower bounds below (and within round-off of) the exact values; the Lipschitz bound above.
                Expect.isTrue
                    (a.SigmaMinB <= o.SigmaMinB && close 1e-12 a.SigmaMinB o.SigmaMinB)
                    (sprintf "σ_min(B) %g vs %g" a.SigmaMinB o.SigmaMinB)

                Expect.isTrue
                    (a.LambdaG0 <= o.LambdaG0 && close 1e-9 a.LambdaG0 o.LambdaG0)
                    (sprintf "λ_G(U₀) %g vs %g" a.LambdaG0 o.LambdaG0)

                Expect.isTrue
                    (a.Lipschitz >= o.LipPhi && a.Lipschitz <= 1.2 * o.LipPhi)
                    (sprintf "Lip(Φ) %g vs %g" a.Lipschitz o.LipPhi)

                Expect.isTrue (a.F0Upper >= o.F0 && close 1e-9 a.F0Upper o.F0) (sprintf "F(U₀) %g vs %g" a.F0Upper o.F0)

            testCase "μ_F(R) and the P1.C4 threshold follow papers.md's formula (independent oracle)"
            <| fun () ->
                let a = analysisWith []
                let o = oracleOf a
                let r = a.Ball.Radius
                // With the analysis' certified inputs the formula must agree to round-off ...
                let same = oracleMu a.SigmaMinB a.N a.Lipschitz a.LambdaG0 r
                Expect.isTrue (close 1e-12 a.Ball.MuF same) (sprintf "μ_F %g vs oracle %g" a.Ball.MuF same)
                Expect.isTrue (a.Ball.MuF <= same) "μ_F is rounded down"
                // ... and sit below the value from the exact inputs (certified = conservative), within a few percent.
                let exact = oracleMu o.SigmaMinB a.N o.LipPhi o.LambdaG0 r

                Expect.isTrue
                    (a.Ball.MuF <= exact && a.Ball.MuF >= 0.8 * exact)
                    (sprintf "μ_F %g vs exact-input oracle %g" a.Ball.MuF exact)

                let row = (c4.Evaluate a).Value
                Expect.isTrue (close 1e-9 row.Threshold (4.0 * o.F0) && row.Threshold >= 4.0 * o.F0) "threshold 4F(U₀)"
                Expect.isTrue (close 1e-12 row.Value (r * r * same)) "value R²μ_F(R)"
                Expect.equal row.Status NumberStatus.Certified "certified"
                // κ_L for midpoint at L = 16: the endpoint nodes carry ½.
                Expect.floatClose Accuracy.veryHigh a.Kappa (15.5 / 16.0) "κ_L"
                Expect.isTrue (close 1e-12 a.MuPredict (a.Kappa * a.Ball.MuF)) "the predictions use κ_L·μ_F"

            testCase
                "P1.C4 on both sides of its two thresholds: certified (holds) and refuting (fails), undecided between"
            <| fun () ->
                let eps0 = 1e-5
                let a = analysisWith [ "target-noise", Contract.r17 eps0 ]
                let capacity = a.Ball.Capacity
                // The oracle's upper value of the paper's R²μ_F(R): U₀ is in the ball and e^(−2Λ) ≤ 1.
                let o = oracleOf a
                let r = a.Ball.Radius
                let upper = r * r * 2.0 * o.SigmaMinB * o.SigmaMinB / float a.N * o.LambdaG0
                Expect.isTrue (upper > 2.0 * capacity) "the certified value is well below the upper one"
                // F(U₀) = ½ε²·mean ξ² and nothing else in P1.C4 depends on y: scale ε to put 4F(U₀) at a target.
                // The user fixes the ball with --radius (the tool's own best radius, so the numbers are the same): only
                // then can the refuting branch fail the hypothesis, whose radius is otherwise free.
                let verdictWith radius target =
                    let eps = eps0 * sqrt (target / (4.0 * a.F0))

                    let b =
                        analysisWith (
                            [ "target-noise", Contract.r17 eps ]
                            @ (if radius then [ "radius", Contract.r17 r ] else [])
                        )

                    Expect.isTrue (close 1e-12 b.Ball.Capacity capacity) "the ball does not depend on the targets"
                    Verdict.name (c4.Evaluate b).Value.Verdict

                let verdictAt = verdictWith true

                Expect.equal (verdictAt (0.99 * capacity)) "holds" "just below the certified threshold"

                Expect.equal
                    (verdictAt (1.01 * capacity))
                    "inconclusive"
                    "just above it: the certified bound is too loose to decide"

                Expect.equal (verdictAt (0.99 * upper)) "inconclusive" "just below the refuting threshold"
                Expect.equal (verdictAt (1.01 * upper)) "fails" "just above it: even the upper value is too small"

                Expect.equal
                    (verdictWith false (1.01 * upper))
                    "inconclusive"
                    "the same instance at the tool's own radius: larger balls are not excluded"

            testCase "ReLU features are unbounded: no certified ball, P1.C1 and P1.C4 inconclusive, never holding"
            <| fun () ->
                let a = analysisWith [ "features", "relu"; "bandwidth", "1" ]
                Expect.equal (Verdict.name (c1.Evaluate a).Value.Verdict) "inconclusive" "P1.C1"
                Expect.equal (Verdict.name (c4.Evaluate a).Value.Verdict) "inconclusive" "P1.C4"
                Expect.isNone (r1.Evaluate a) "no envelope without μ_F"
                let conds, preds = Theorem.evaluate theorem a

                match Theorem.decide conds preds with
                | OverallVerdict.Inconclusive _ -> ()
                | v -> failtestf "expected inconclusive, got %A" v

            testCase
                "a C4 the certified bound cannot reach is inconclusive; one the upper value refutes at a given radius is not met"
            <| fun () ->
                let a = analysisWith []

                let verdictOf x =
                    Theorem.evaluate theorem x ||> Theorem.decide

                match verdictOf { a with F0Upper = a.Ball.Capacity } with
                | OverallVerdict.Inconclusive r -> Expect.stringContains r "P1.C4" "names P1.C4"
                | v -> failtestf "expected inconclusive, got %A" v

                match
                    verdictOf
                        { a with
                            F0 = 1.0
                            F0Upper = 1.0
                            RadiusChosen = false
                        }
                with
                | OverallVerdict.HypothesesNotMet r -> Expect.stringContains r "P1.C4" "names P1.C4"
                | v -> failtestf "expected hypotheses-not-met, got %A" v

                match
                    verdictOf
                        { a with
                            F0 = 1.0
                            F0Upper = 1.0
                            RadiusChosen = true
                        }
                with
                | OverallVerdict.Inconclusive r -> Expect.stringContains r "--radius" "says how to test one ball"
                | v -> failtestf "expected inconclusive at the tool's own radius, got %A" v

            testCase "P1.C5's trial: the fraction of draws with λ_min(Ĝ) ≥ λ/2 rises with the feature count"
            <| fun () ->
                let successes (m: int) =
                    [ 1UL .. 12UL ]
                    |> List.filter (fun seed ->
                        let values =
                            Collections.Generic.Dictionary<string, string>(
                                dict [ "feature-count", string m; "n", "30" ]
                            )

                        let input = Contract.trialInput trial values Overparam.Verify.Engine.RunMonitor.None

                        let input =
                            { input with
                                Values = input.Values.Add("seed", string seed)
                            }

                        let o = trial.Run input
                        Expect.equal o.Metrics.Count 3 "three metrics"
                        // Success is exactly the recipe's event, from the trial's own numbers.
                        Expect.equal o.Success (o.Metrics[1] >= o.Metrics[0] / 2.0) "success is λ_min(Ĝ) ≥ λ/2"
                        o.Success)
                    |> List.length

                let few, many = successes 32, successes 2048
                Expect.equal few 0 "32 features never reach λ/2 on 30 points"
                Expect.equal many 12 "2048 features always do"

            testProperty "the default radius maximizes R²·μ_F(R) (any other R gives less)"
            <| fun (seed: int) ->
                let rng = Random(seed)
                let lambda0 = 0.001 + rng.NextDouble()
                let lip = 0.1 + 10.0 * rng.NextDouble()
                let n = 2 + rng.Next(500)
                let sigma = 0.1 + rng.NextDouble()
                let rStar = bestRadius (sqrt 2.0) n lip lambda0

                let cap r =
                    (ballAt (sqrt 2.0) sigma n lip lambda0 r).Capacity

                let best = cap rStar
                let bound = sqrt lambda0 / (sqrt (2.0 * float n) * lip)

                rStar > 0.0
                && rStar < bound
                && [ 0.5; 0.9; 0.99; 1.01; 1.1; 1.5 ]
                   |> List.forall (fun f -> cap (f * rStar) <= best * (1.0 + 1e-9))
        ]

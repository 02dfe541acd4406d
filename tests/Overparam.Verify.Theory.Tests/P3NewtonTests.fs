module Overparam.Verify.Theory.Tests.P3NewtonTests

open System
open Expecto
open Overparam.Verify.Theory
open Overparam.Verify.Theory.Papers.P3Newton

/// A small P3 run through the shared pipeline's set-up (N = 40, n = 6, 2 steps): enough for the checks' arithmetic.
let private smallAnalysis () =
    analyze (
        setupOf (Contract.inputOf plugin [ "n", "6"; "width", "40"; "gamma", "1"; "steps", "2"; "beta", "0.52" ] None)
    )

let tests =
    testList
        "P3.newton"
        [
            testCase "P3.C2 rests on the certified Cholesky bound, not on the Lanczos estimate (mutant P302)"
            <| fun () ->
                let a = smallAnalysis ()
                let m = a.LambdaMinLower.Length
                // The estimate says positive, the rigorous bound does not: undecided, never "holds".
                let fabricated =
                    { a with
                        LambdaMinLower = Array.create m -1e-10
                        LambdaMinEstimate = Array.create m 1e-3
                        IndefiniteWitness = Array.create m 1e-3
                    }

                let o = c2.Evaluate fabricated |> Option.get
                Expect.isFalse (Verdict.holds o.Verdict) "an estimate cannot establish P3.C2"
                Expect.equal (Verdict.name o.Verdict) "inconclusive" "no witness of indefiniteness either"
                // A witness below its rounding at one step fails the hypothesis.
                let witnessed =
                    { fabricated with
                        IndefiniteWitness = Array.init m (fun k -> if k = m - 1 then -1e-6 else 1e-3)
                    }

                Expect.equal
                    (Verdict.name (c2.Evaluate witnessed |> Option.get).Verdict)
                    "fails"
                    "a witnessed negative eigenvalue"

            testCase
                "P3.R2's envelope is (1/2n)Σ_j f_j^(2k)⟨r₀, v_j⟩² (mutant P303), recomputed from the analysis' eigenpairs"
            <| fun () ->
                let a = smallAnalysis ()
                let n = a.N
                let nl = float n * a.LambdaN

                let expected k =
                    let mutable s = 0.0

                    for j in 0 .. n - 1 do
                        let mutable c = 0.0

                        for i in 0 .. n - 1 do
                            c <- c + a.KnVectors[i, j] * a.R0[i]

                        let f = nl / (max a.KnValues[j] 0.0 + nl)
                        s <- s + Math.Pow(f, 2.0 * float k) * c * c

                    0.5 / float n * s

                for idx in 0 .. a.Steps.Length - 1 do
                    let k = a.Steps[idx]
                    let e = expected k
                    // Same formula, same inputs, another summation order: 1e-12 relative.
                    Expect.isTrue
                        (abs (a.Envelope[idx] - e) <= 1e-12 * max e 1e-300)
                        (sprintf "envelope at step %d: %g vs %g" k a.Envelope[idx] e)

                Expect.floatClose Accuracy.high a.Envelope[0] a.L0 "the curve starts at L₀"

            testCase
                "newton-vs-gd: on a tiny instance Newton's highest-frequency error ends below GD's, bands bracket the mean"
            <| fun () ->
                let values =
                    Contract.valuesOf
                        experimentOptions
                        [
                            "n", "32"
                            "frequencies", "2,8"
                            "width", "200"
                            "seeds", "2"
                            "gd-steps", "300"
                            "newton-steps", "10"
                            "pilot-steps", "30"
                            "points", "20"
                            "modes", "4"
                        ]

                let input =
                    {
                        Contract.RunInput.Values = values
                        Contract.RunInput.Data = None
                        Contract.RunInput.DataSource = ""
                        Contract.RunInput.Monitor = Overparam.Verify.Engine.RunMonitor.None
                    }

                let a = analyzeExperiment (experimentSetupOf input)

                let run m =
                    a.Runs |> List.find (fun r -> r.Method = m)

                let last (g: Aggregate) = g.Mean[g.Mean.Length - 1]
                let hi = a.Setup.Frequencies.Length
                let nh, gh = last (run Newton).Components[hi], last (run GD).Components[hi]
                Expect.isLessThan nh gh (sprintf "sin 8πx: Newton %g vs GD %g" nh gh)
                // At k = 0 every component's relative error is |a_k(f₀ − y)|/|a_k(y)|, the same for every method.
                Expect.floatClose
                    Accuracy.high
                    (run Newton).Components[1].Mean[0]
                    (run GD).Components[1].Mean[0]
                    "same θ₀, same error at step 0"

                for r in a.Runs do
                    for g in Array.append [| r.Loss |] r.Components do
                        for i in 0 .. g.Mean.Length - 1 do
                            if Double.IsFinite g.Mean[i] then
                                Expect.isTrue
                                    (g.Low[i] <= g.Mean[i] * (1.0 + 1e-12) && g.Mean[i] <= g.High[i] * (1.0 + 1e-12))
                                    (sprintf "%s: band [%g, %g] around %g" r.Method.Label g.Low[i] g.High[i] g.Mean[i])

                let result = experimentResult a values
                Expect.equal result.Measurements.Count 2 "P3.R4 rows"
                Expect.isTrue (result.Figures.Count >= 2 + hi + 1) "loss, time, per-component figures"

            testCase "newton-vs-gd: percentiles interpolate between order statistics as numpy does"
            <| fun () ->
                // numpy.percentile([1, 2, 3, 4], [5, 50, 95]) = [1.15, 2.5, 3.85].
                Expect.floatClose Accuracy.high (quantileSorted [| 1.0; 2.0; 3.0; 4.0 |] 0.05) 1.15 "p5"
                Expect.floatClose Accuracy.high (quantileSorted [| 1.0; 2.0; 3.0; 4.0 |] 0.5) 2.5 "p50"
                Expect.floatClose Accuracy.high (quantileSorted [| 1.0; 2.0; 3.0; 4.0 |] 0.95) 3.85 "p95"
                Expect.isTrue (Double.IsNaN(quantileSorted [||] 0.5)) "empty"

            testCase "newton-vs-gd: β outside the window, repeated frequencies and too few points are refused"
            <| fun () ->
                let attempt given =
                    let input =
                        {
                            Contract.RunInput.Values = Contract.valuesOf experimentOptions given
                            Contract.RunInput.Data = None
                            Contract.RunInput.DataSource = ""
                            Contract.RunInput.Monitor = Overparam.Verify.Engine.RunMonitor.None
                        }

                    Expect.throwsT<Overparam.Verify.Engine.InvalidInputException>
                        (fun () -> experimentSetupOf input |> ignore)
                        (sprintf "%A refused" given)

                attempt [ "beta", "0.4" ]
                attempt [ "frequencies", "2,2" ]
                attempt [ "n", "4" ]
                attempt [ "modes", "200" ]
        ]

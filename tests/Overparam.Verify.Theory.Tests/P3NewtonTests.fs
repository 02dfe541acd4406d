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
        ]

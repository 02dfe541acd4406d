module Overparam.Verify.Theory.Tests.P5VerdictRuleTests

// The verdict rules of P5's checks (theory/P5-convex-dual.md: P5.C1–C4, P5.R1, P5.R2) on both sides of each threshold.
// The numbers a rule decides on (the certificate's bracket, the KKT residual and gap, the orthogonality signs, a
// neuron's constraint value) are set by hand on the default run's analysis, so every branch is reached exactly where
// the statement puts it; the expected verdicts and statuses are read from the statements, not from the code.

open System
open Expecto
open Overparam.Verify.Engine.Convex
open Overparam.Verify.Engine.Data
open Overparam.Verify.Theory
open Overparam.Verify.Theory.Papers.P5ConvexDual

/// The accuracy every P5 statement names ("threshold 1e-3", "1 + 1e-3", "bound 1e-3"), written here, not read from the code.
let private accuracy = 1e-3

/// A factor that puts a number clearly inside (½) or clearly outside (2) a threshold of size `accuracy`.
let private inside, outside = 0.5, 2.0

/// The default run (orthogonally separable data, exhaustive arrangement), shared by the tests.
let private baseline = lazy (analyze (setupOf (Contract.inputOf plugin [] None)))

let private limitOf (a: Analysis) = a.Limit |> Option.get

/// The analysis with the dual certificate's bracket replaced by [lower, upper] (value its midpoint).
let private withBracket exhaustive lower upper (a: Analysis) =
    let l = limitOf a
    let c = l.Certificate

    let cert =
        DualCertificateResult(
            0.5 * (lower + upper),
            upper,
            lower,
            c.MaximizingDirection,
            c.MaximizingCell,
            c.MaximizingSign,
            exhaustive,
            c.Patterns,
            c.MaxKktViolation
        )

    { a with
        Limit = Some { l with Certificate = cert }
    }

/// The analysis with θ̄'s stationarity residual and duality gap (relative to ½‖θ̄‖²) replaced.
let private withKkt residual relativeGap (a: Analysis) =
    let l = limitOf a
    let k = l.Kkt

    let kkt =
        KktResult(
            k.NormalizedParameters,
            k.MinMargin,
            k.Margins,
            k.Support,
            k.Lambda,
            k.StationarityResidual,
            residual,
            k.HalfNormSquared,
            k.LambdaSum,
            relativeGap * k.HalfNormSquared,
            k.Nnls
        )

    { a with
        Limit = Some { l with Kkt = kkt }
    }

let private withSigns violated undecided (a: Analysis) =
    { a with
        Orthogonality =
            { a.Orthogonality with
                Violated = violated
                Undecided = undecided
            }
    }

let private row (check: ConditionCheck<Analysis>) a = check.Evaluate a |> Option.get

let private expectRow (check: ConditionCheck<Analysis>) a verdict status what =
    let r = row check a
    Expect.equal (Verdict.name r.Verdict) verdict (sprintf "%s: %s" what (Verdict.reason r.Verdict))
    Expect.equal r.Status status (sprintf "%s: status" what)

/// papers.md §5.3: the dual constraint λᵀdiag(y)(Xu)₊ at a unit direction u, from the definition.
let private constraintAt (x: float[][]) (y: float[]) (lambda: float[]) (u: float[]) =
    Array.mapi (fun i (xi: float[]) -> lambda[i] * y[i] * max 0.0 (Array.fold2 (fun s a b -> s + a * b) 0.0 xi u)) x
    |> Array.sum

let tests =
    testList
        "P5.verdictRules"
        [
            testCase
                "P5.C1 (exact): a certain wrong sign fails, a sign within its rounding bound is inconclusive, else holds"
            <| fun () ->
                let a = baseline.Force()
                expectRow c1 (withSigns false false a) "holds" NumberStatus.Exact "every sign certain and right"
                expectRow c1 (withSigns false true a) "inconclusive" NumberStatus.Exact "a sign within rounding of 0"
                expectRow c1 (withSigns true false a) "fails" NumberStatus.Exact "a sign certainly wrong"

            testCase
                "P5.C3 holds when both the residual and |duality gap| are ≤ 1e-3 of their scale, on each side of it"
            <| fun () ->
                let a = baseline.Force()
                let c3At r g = row c3 (withKkt r g a)
                Expect.equal (Verdict.name (c3At (inside * accuracy) 0.0).Verdict) "holds" "residual inside"
                Expect.equal (Verdict.name (c3At 0.0 (inside * accuracy)).Verdict) "holds" "gap inside"
                Expect.equal (Verdict.name (c3At 0.0 (-inside * accuracy)).Verdict) "holds" "negative gap inside"

                Expect.equal
                    (Verdict.name (c3At (outside * accuracy) 0.0).Verdict)
                    "inconclusive"
                    "residual outside: not yet a KKT point"

                Expect.equal (Verdict.name (c3At 0.0 (outside * accuracy)).Verdict) "inconclusive" "gap outside"

                Expect.equal
                    (Verdict.name (c3At 0.0 (-outside * accuracy)).Verdict)
                    "inconclusive"
                    "1ᵀλ above ½‖θ̄‖² by 2e-3: the gap's size counts, not its sign"

                Expect.equal (c3At 0.0 0.0).Status NumberStatus.Exact "P5.C3 is exact"

            testCase "P5.C2 holds (certified) only on an exhaustive certified upper bound ≤ 1 + 1e-3"
            <| fun () ->
                let a = baseline.Force()
                let lvl = 1.0 + accuracy

                expectRow
                    c2
                    (withBracket true 0.9 (1.0 + inside * accuracy) a)
                    "holds"
                    NumberStatus.Certified
                    "exhaustive, upper inside"

                expectRow
                    c2
                    (withBracket true 1.0 (1.0 + outside * accuracy) a)
                    "inconclusive"
                    NumberStatus.Certified
                    "exhaustive bracket straddling the level (lower inside)"

                expectRow
                    c2
                    (withBracket true 0.9 (1.0 + 5.0 * accuracy) a)
                    "inconclusive"
                    NumberStatus.Certified
                    "exhaustive, upper 1 + 5e-3: above the level"

                expectRow
                    c2
                    (withBracket false 0.9 1.0 a)
                    "inconclusive"
                    NumberStatus.Estimated
                    "sampled patterns: a pass is only 'no violation found'"

                Expect.equal (row c2 (withBracket true 0.9 1.0 a)).Threshold lvl "the reported level"

            testCase
                "P5.C2 fails (certified) only on a certified lower bound > 1 + 1e-3, at a KKT point, on non-orthogonal data"
            <| fun () ->
                let a = baseline.Force()
                let nonOrthogonal = withSigns true false a
                let violated = withBracket true 1.5 1.6

                expectRow
                    c2
                    (violated nonOrthogonal)
                    "fails"
                    NumberStatus.Certified
                    "the violation the check exists for"

                expectRow
                    c2
                    (violated (withSigns false true a))
                    "fails"
                    NumberStatus.Certified
                    "undecided signs are not orthogonal separability"

                expectRow
                    c2
                    (withBracket true 1.0 1.5 nonOrthogonal)
                    "inconclusive"
                    NumberStatus.Certified
                    "upper above the level, lower inside: a straddle, not a violation"

                expectRow
                    c2
                    (withBracket true (1.0 + outside * accuracy) 1.6 nonOrthogonal)
                    "fails"
                    NumberStatus.Certified
                    "lower just outside the level"

                expectRow
                    c2
                    (violated (withKkt (outside * accuracy) 0.0 nonOrthogonal))
                    "inconclusive"
                    NumberStatus.Certified
                    "λ of a point that is not yet KKT is not the limit's multiplier"

                expectRow
                    c2
                    (violated (withSigns false false a))
                    "inconclusive"
                    NumberStatus.Certified
                    "orthogonally separable: the limit satisfies it (P5.R3), a short run cannot refute it"

            testCase "P5.C4 and P5.C2 with sampled patterns are estimated and cannot establish anything"
            <| fun () ->
                let a =
                    analyze (setupOf (Contract.inputOf plugin [ "sample-patterns", "true" ] None))

                Expect.isFalse a.Arrangement.Exhaustive "sampled"
                expectRow c4 a "inconclusive" NumberStatus.Estimated "sampled arrangement"
                let r = row c2 a
                Expect.notEqual (Verdict.name r.Verdict) "holds" "a sampled certificate cannot hold"
                expectRow c4 (baseline.Force()) "holds" NumberStatus.Exact "exhaustive arrangement"

            testCase "P5.R1 is an estimated bound (a finite run stands for the limit), so it can never refute"
            <| fun () ->
                let p = r1.Evaluate(baseline.Force()) |> Option.get
                Expect.equal p.Status NumberStatus.Estimated "P5.R1 status"
                Expect.equal r1.Kind PredictionKind.Bound "P5.R1 kind"

            testCase
                "P5.R2's deviation is |λᵀdiag(y)(Xûⱼ)₊ − sign(w₂ⱼ)|, recomputed from the data; bound 1e-3 on both sides"
            <| fun () ->
                let a = baseline.Force()
                let l = limitOf a
                let p = r2.Evaluate a |> Option.get
                let d = DataGenerators.OrthogonallySeparable(20, 2, 0UL)
                let x = Array.init d.N (fun i -> d.X.Row(i).ToArray())

                let oracle =
                    l.Active
                    |> Array.map (fun nu -> abs (constraintAt x d.Y l.Kkt.Lambda nu.Direction - nu.Sign))
                    |> Array.max

                Expect.isGreaterThan l.Active.Length 0 "active neurons"
                Expect.floatClose Accuracy.medium p.Observed oracle "observed deviation against the oracle"
                Expect.equal p.Status NumberStatus.Estimated "P5.R2 status"
                let n0 = l.Active[0]

                let r2With dev =
                    let one =
                        { n0 with
                            ConstraintValue = n0.Sign + dev
                        }

                    r2.Evaluate
                        { a with
                            Limit = Some { l with Active = [| one |] }
                        }
                    |> Option.get

                Expect.isTrue (r2With (inside * accuracy)).Holds "deviation inside"
                Expect.isFalse (r2With (outside * accuracy)).Holds "deviation outside"
                Expect.isFalse (r2With (-outside * accuracy)).Holds "deviation outside, below"
        ]

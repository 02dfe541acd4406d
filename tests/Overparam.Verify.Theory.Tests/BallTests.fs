module Overparam.Verify.Theory.Tests.BallTests

open Expecto
open FsCheck
open Overparam.Verify.Theory
open Overparam.Verify.Theory.Papers

/// Unit round-off, written out here rather than taken from the engine (the oracle below is independent of it).
let private u = 1.1102230246251565e-16

/// Independent statement of the ball argument (theory/P4-moderate.md, P4.C4): α works when s₀ − L·4ρ/α ≥ α.
let private works s0 lip rho alpha =
    alpha > 0.0 && s0 - lip * 4.0 * rho / alpha >= alpha

let private condition id role holds =
    {
        EvaluatedCondition.Id = id
        Statement = ""
        Role = role
        Outcome =
            {
                Value = 1.0
                Threshold = 0.0
                Status = NumberStatus.Certified
                Verdict =
                    (if holds then
                         Verdict.Holds 1.0
                     else
                         Verdict.Inconclusive "not established")
            }
    }

let private heldBound =
    {
        EvaluatedPrediction.Id = "X.R1"
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

let tests =
    testList
        "P4.C4 ball"
        [
            testCase "the ball is established exactly from s₀² ≥ 16·L·ρ on"
            <| fun () ->
                let lip, rho = 0.5, 2.0
                let edge = sqrt (16.0 * lip * rho)
                // 1e-9 relative either side of the threshold: far above the few-ulp roundings of the check.
                Expect.isNone (P4Moderate.certifiedBall (edge * (1.0 - 1e-9)) lip rho) "just below the threshold"
                Expect.isSome (P4Moderate.certifiedBall (edge * (1.0 + 1e-9)) lip rho) "just above the threshold"

            testCase "identity (L = 0) takes α just below s₀"
            <| fun () ->
                match P4Moderate.certifiedBall 0.3 0.0 5.0 with
                | Some(alpha, r, lower) ->
                    Expect.isLessThanOrEqual alpha 0.3 "α ≤ s₀"
                    Expect.isGreaterThan alpha (0.3 * (1.0 - 64.0 * u)) "α within a few ulps of s₀"
                    Expect.isGreaterThanOrEqual r (4.0 * 5.0 / alpha) "R ≥ 4ρ/α"
                    Expect.isGreaterThanOrEqual lower alpha "the lower bound covers α"
                | None -> failtest "L = 0 must establish the ball"

            testCase "no positive s₀, no finite L or ρ: nothing established"
            <| fun () ->
                Expect.isNone (P4Moderate.certifiedBall 0.0 0.1 1.0) "s₀ = 0"
                Expect.isNone (P4Moderate.certifiedBall 1.0 infinity 1.0) "L = ∞ (relu)"
                Expect.isNone (P4Moderate.certifiedBall 1.0 0.1 nan) "ρ NaN"

            testProperty "whatever it returns satisfies the ball inequality, and it finds one whenever a margin exists"
            <| fun (NormalFloat a) (NormalFloat b) (NormalFloat c) ->
                let s0 = abs a % 10.0 + 1e-3
                let lip = abs b % 10.0
                let rho = abs c % 10.0 + 1e-3

                match P4Moderate.certifiedBall s0 lip rho with
                | Some(alpha, r, lower) ->
                    works s0 lip rho alpha
                    && r >= 4.0 * rho / alpha
                    && lower <= s0 - lip * r
                    && lower >= alpha
                | None -> s0 * s0 < 16.0 * lip * rho * (1.0 + 1e-9)

            testCase "an ID with two hypothesis rows is established only when both are"
            <| fun () ->
                let step = condition "P4.C4" ConditionRole.Hypothesis true
                let ball = condition "P4.C4" ConditionRole.Hypothesis false
                let other = condition "P4.C1" ConditionRole.Hypothesis true
                let established, _ = Theorem.basis [ other; step; ball ] [ heldBound ]
                Expect.equal established [ "P4.C1" ] "P4.C4 is not established while its ball row is not"

                Expect.equal
                    (Theorem.decide [ other; step; ball ] [ heldBound ] |> Theorem.verdictName |> fst)
                    "inconclusive"
                    "an undecided row of an ID keeps the verdict from consistent"

                let both, _ =
                    Theorem.basis
                        [
                            other
                            step
                            { ball with
                                Outcome.Verdict = Verdict.Holds 1.0
                            }
                        ]
                        [ heldBound ]

                Expect.equal both [ "P4.C1"; "P4.C4" ] "established once both rows hold"
        ]

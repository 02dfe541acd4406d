module Overparam.Verify.Theory.Tests.VerdictTests

open Expecto
open FsCheck
open Overparam.Verify.Theory

let tests =
    testList
        "Verdict"
        [
            testCase "exact value above threshold holds with its margin"
            <| fun () ->
                match Verdict.ofLowerBound NumberStatus.Exact 3.0 1.0 with
                | Verdict.Holds m -> Expect.equal m 2.0 "margin is value − threshold"
                | v -> failtestf "expected Holds, got %A" v

            testCase "a value equal to its threshold does not hold: the conditions are strict (mutant V01)"
            <| fun () ->
                Expect.isFalse (Verdict.holds (Verdict.ofLowerBound NumberStatus.Exact 1.0 1.0)) "1 > 1 is false"
                Expect.isFalse (Verdict.holds (Verdict.ofLowerBound NumberStatus.Certified 0.0 0.0)) "0 > 0 is false"

            testCase "a hypothesis that holds on an estimate is not established (mutant C01)"
            <| fun () ->
                let h =
                    {
                        EvaluatedCondition.Id = "X.C1"
                        Statement = ""
                        Role = ConditionRole.Hypothesis
                        Outcome =
                            {
                                Value = 2.0
                                Threshold = 1.0
                                Status = NumberStatus.Estimated
                                Verdict = Verdict.Holds 1.0
                            }
                    }

                let established, _ = Theorem.basis [ h ] []
                Expect.isEmpty established "an estimate never establishes"

                let exact, _ =
                    Theorem.basis
                        [
                            { h with
                                Outcome.Status = NumberStatus.Exact
                            }
                        ]
                        []

                Expect.equal exact [ "X.C1" ] "the same row on an exact number is established"

            testCase "estimated value never establishes a bound"
            <| fun () ->
                let v = Verdict.ofLowerBound NumberStatus.Estimated 3.0 1.0
                Expect.isFalse (Verdict.holds v) "a sampled estimate cannot certify"

            testCase "NaN is inconclusive, never holds"
            <| fun () ->
                let v = Verdict.ofLowerBound NumberStatus.Exact nan 1.0
                Expect.isFalse (Verdict.holds v) "NaN must not pass"

            testCase "a hypothesis that holds only on an estimated number leaves the theorem inconclusive"
            <| fun () ->
                let h status =
                    {
                        EvaluatedCondition.Id = "X.C1"
                        Statement = ""
                        Role = ConditionRole.Hypothesis
                        Outcome =
                            {
                                Value = 2.0
                                Threshold = 1.0
                                Status = status
                                Verdict = Verdict.Holds 1.0
                            }
                    }

                let held =
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

                Expect.equal
                    (Theorem.decide [ h NumberStatus.Exact ] [ held ] |> Theorem.verdictName |> fst)
                    "consistent"
                    "exact"

                Expect.equal
                    (Theorem.decide [ h NumberStatus.Estimated ] [ held ]
                     |> Theorem.verdictName
                     |> fst)
                    "inconclusive"
                    "estimated"

            testCase
                "a violated self-check is an internal error: inconclusive, never refuted, never counted as evaluated"
            <| fun () ->
                let hyp holds =
                    {
                        EvaluatedCondition.Id = "X.C1"
                        Statement = ""
                        Role = ConditionRole.Hypothesis
                        Outcome =
                            {
                                Value = 2.0
                                Threshold = 1.0
                                Status = NumberStatus.Certified
                                Verdict = (if holds then Verdict.Holds 1.0 else Verdict.Fails "no")
                            }
                    }

                let pred id kind holds =
                    {
                        EvaluatedPrediction.Id = id
                        Statement = ""
                        Kind = kind
                        Outcome =
                            {
                                Bound = 1.0
                                Observed = (if holds then 0.5 else 2.0)
                                Sense = Sense.AtMost
                                Status = NumberStatus.Certified
                                Holds = holds
                                Slack = 0.5
                                WorstStep = -1L
                                Note = ""
                            }
                    }

                let selfBad = pred "X.R6" PredictionKind.SelfCheck false
                let bound = pred "X.R1" PredictionKind.Bound true

                let v, reason =
                    Theorem.decide [ hyp true ] [ bound; selfBad ] |> Theorem.verdictName

                Expect.equal v "inconclusive" "a wrong tool bound is not a refutation"
                Expect.stringStarts reason "internal error: the self-check X.R6 failed" "the reason says it is the tool"
                // Even together with a violated certified bound: the tool's numbers are suspect, so no refutation.
                let v2, _ =
                    Theorem.decide [ hyp true ] [ pred "X.R1" PredictionKind.Bound false; selfBad ]
                    |> Theorem.verdictName

                Expect.equal v2 "inconclusive" "no refutation while a self-check fails"

                let _, evaluated =
                    Theorem.basis [ hyp true ] [ bound; pred "X.R6" PredictionKind.SelfCheck true ]

                Expect.equal evaluated [ "X.R1" ] "a self-check is not an evaluated bound"
                // A held self-check alone cannot carry a consistent verdict.
                let v3, _ =
                    Theorem.decide [ hyp true ] [ pred "X.R6" PredictionKind.SelfCheck true ]
                    |> Theorem.verdictName

                Expect.equal v3 "inconclusive" "no bound evaluated"

            testCase "a rate tolerance scales with the quantity: 0.29% above a 1.6e-7 envelope is a violation"
            <| fun () ->
                // The audit's case: a fixed 1e-8 absolute slack accepted it.
                let bound = [| 1.0; 1.6e-7 |]
                let observed = [| 1.0; 1.6e-7 * 1.0029 |]
                let holds, worst, _ = Envelope.atMost (Tolerances.rateAt 1.0) bound observed
                Expect.isFalse holds "a loss 0.29% above its envelope must not hold"
                Expect.equal worst 1 "the violating index"
                let fixedHolds, _, _ = Envelope.atMost Tolerances.rate bound observed
                Expect.isTrue fixedHolds "the old fixed absolute slack swallowed it (why rateAt exists)"

            testCase "a rate tolerance at a tiny scale still catches a relative violation"
            <| fun () ->
                let scale = 1e-300

                let holds, _, _ =
                    Envelope.atMost (Tolerances.rateAt scale) [| scale; 0.5 * scale |] [| scale; 0.6 * scale |]

                Expect.isFalse holds "20% above at 1e-300"

                let ok, _, _ =
                    Envelope.atMost (Tolerances.rateAt scale) [| scale; 0.5 * scale |] [| scale; 0.5 * scale |]

                Expect.isTrue ok "equal values hold"

            testCase "scales below float64's resolution are not checkable"
            <| fun () ->
                Expect.isFalse (Tolerances.resolvable 1e-310) "subnormal f(w₀)"
                Expect.isFalse (Tolerances.resolvable nan) "NaN"
                Expect.isFalse (Tolerances.resolvable infinity) "∞"
                Expect.isTrue (Tolerances.resolvable 1e-200) "small but resolvable"

            testCase "a per-index tolerance is applied at its own index"
            <| fun () ->
                let tolAt k =
                    if k = 1 then
                        Overparam.Verify.Engine.Numerics.Tolerance(0.5, 0.0)
                    else
                        Tolerances.exact

                let holds, _, _ = Envelope.atMostWith tolAt [| 1.0; 1.0; 1.0 |] [| 1.0; 1.4; 1.0 |]
                Expect.isTrue holds "index 1 has its own slack"

                let fails, worst, _ =
                    Envelope.atMostWith tolAt [| 1.0; 1.0; 1.0 |] [| 1.0; 1.0; 1.4 |]

                Expect.isFalse fails "index 2 has none"
                Expect.equal worst 2 "worst index"

            testProperty "holds exactly when a non-estimated value exceeds the threshold"
            <| fun (NormalFloat value) (NormalFloat threshold) ->
                Verdict.holds (Verdict.ofLowerBound NumberStatus.Certified value threshold) = (value > threshold)
        ]

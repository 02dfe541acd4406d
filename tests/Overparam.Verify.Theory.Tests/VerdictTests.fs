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

            testProperty "holds exactly when a non-estimated value exceeds the threshold"
            <| fun (NormalFloat value) (NormalFloat threshold) ->
                Verdict.holds (Verdict.ofLowerBound NumberStatus.Certified value threshold) = (value > threshold)
        ]

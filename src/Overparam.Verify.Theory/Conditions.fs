namespace Overparam.Verify.Theory

open Overparam.Verify.Engine.Numerics

/// What a condition does for the overall verdict.
[<RequireQualifiedAccess>]
type ConditionRole =
    /// A hypothesis of the theorem: it must hold (on exact or certified numbers) for the conclusions to be promised.
    | Hypothesis
    /// A premise that rests on a sampled estimate (e.g. a step size against an estimated smoothness β): it can make
    /// the verdict inconclusive, never establish or refute the theorem.
    | Premise
    /// A quantity whose threshold involves an unspecified constant (e.g. Oymak's c in α² ≥ c·L‖r₀‖): reported with
    /// the constant that would make it hold, never part of the verdict.
    | Measurement

/// The evaluated form of a condition: value > threshold, with how the value was obtained.
type ConditionOutcome =
    {
        Value: float
        Threshold: float
        Status: NumberStatus
        Verdict: Verdict
    }

/// One condition of a theorem, citing its ID in theory/*.md.
type ConditionCheck<'analysis> =
    {
        Id: string
        Statement: string
        Role: ConditionRole
        /// None when the condition does not apply to this run (e.g. a GD premise on a gradient-flow run).
        Evaluate: 'analysis -> ConditionOutcome option
    }

/// Whether a prediction can refute the theorem.
[<RequireQualifiedAccess>]
type PredictionKind =
    /// A one-sided bound the theorem promises.
    | Bound
    /// A measurement the paper reports; shown, never asserted.
    | Measurement
    /// A one-sided bound the theorem promises only under a condition with an unspecified constant (a
    /// ConditionRole.Measurement): observing it counts, a violation makes the verdict inconclusive, never refuted.
    | ConditionalBound
    /// A check of the tool's own certified numbers against the run (P2.R6: α_c ≤ every measured PL ratio). Not a
    /// conclusion of the theorem: never counted as evaluated; a violation means the tool is wrong, so the verdict is
    /// inconclusive with an internal-error reason, never refuted.
    | SelfCheck

/// Which side of the bound the observation must lie on.
[<RequireQualifiedAccess>]
type Sense =
    | AtMost
    | AtLeast

/// The evaluated form of a prediction at its worst step.
type PredictionOutcome =
    {
        Bound: float
        Observed: float
        Sense: Sense
        Status: NumberStatus
        Holds: bool
        /// observed/bound at the worst step.
        Slack: float
        /// The logged step with the worst slack; −1 for whole-run quantities.
        WorstStep: int64
        Note: string
    }

/// One predicted rate or behaviour, citing its ID in theory/*.md.
type PredictionCheck<'run> =
    {
        Id: string
        Statement: string
        Kind: PredictionKind
        /// None when the prediction does not apply to this run (e.g. the flow rate on a GD run).
        Evaluate: 'run -> PredictionOutcome option
    }

/// A theorem as data: its hypotheses, its conclusions, and the IDs it states but does not check yet.
type TheoremDefinition<'analysis> =
    {
        Id: string
        Title: string
        Reference: string
        Statement: string
        Hypotheses: ConditionCheck<'analysis> list
        Conclusions: PredictionCheck<'analysis> list
        /// (ID, reason) for IDs of theory/*.md that have no check yet; listed so the gap is explicit.
        NotChecked: (string * string) list
    }

/// The overall verdict of a certificate.
[<RequireQualifiedAccess>]
type OverallVerdict =
    /// Hypotheses verified and every conclusion observed.
    | Consistent of note: string
    /// A hypothesis failed: the theorem promises nothing here.
    | HypothesesNotMet of reason: string
    /// Hypotheses could not be decided, or a conclusion resting on an estimate was violated.
    | Inconclusive of reason: string
    /// Hypotheses verified and a conclusion with a certified or exact bound observed false.
    | Refuted of reason: string

/// An evaluated condition together with its definition.
type EvaluatedCondition =
    {
        Id: string
        Statement: string
        Role: ConditionRole
        Outcome: ConditionOutcome
    }

/// An evaluated prediction together with its definition.
type EvaluatedPrediction =
    {
        Id: string
        Statement: string
        Kind: PredictionKind
        Outcome: PredictionOutcome
    }

/// Evaluating theorem definitions and combining the results into one verdict.
[<RequireQualifiedAccess>]
module Theorem =
    /// Every ID a definition cites: hypotheses, conclusions and the explicitly unchecked ones.
    let citedIds (t: TheoremDefinition<'a>) =
        [
            for h in t.Hypotheses -> h.Id
            for c in t.Conclusions -> c.Id
            for (id, _) in t.NotChecked -> id
        ]

    /// Evaluates every applicable check.
    let evaluate (t: TheoremDefinition<'a>) (analysis: 'a) =
        let conditions =
            [
                for h in t.Hypotheses do
                    match h.Evaluate analysis with
                    | Some o ->
                        {
                            EvaluatedCondition.Id = h.Id
                            Statement = h.Statement
                            Role = h.Role
                            Outcome = o
                        }
                    | None -> ()
            ]

        let predictions =
            [
                for c in t.Conclusions do
                    match c.Evaluate analysis with
                    | Some o ->
                        {
                            EvaluatedPrediction.Id = c.Id
                            Statement = c.Statement
                            Kind = c.Kind
                            Outcome = o
                        }
                    | None -> ()
            ]

        conditions, predictions

    /// What a verdict rests on: the hypotheses established on exact or certified numbers, and the bounds (and
    /// conditional bounds) actually evaluated on the run. The one definition the reason and the certificate share.
    let basis (conditions: EvaluatedCondition list) (predictions: EvaluatedPrediction list) =
        // An ID with several hypothesis rows (e.g. P4.C4's step size and its ball) is established only when every
        // one of them is.
        let isEstablished (c: EvaluatedCondition) =
            Verdict.holds c.Outcome.Verdict && c.Outcome.Status <> NumberStatus.Estimated

        let hyps = conditions |> List.filter (fun c -> c.Role = ConditionRole.Hypothesis)

        let established =
            hyps
            |> List.map (fun c -> c.Id)
            |> List.distinct
            |> List.filter (fun id -> hyps |> List.forall (fun c -> c.Id <> id || isEstablished c))

        let evaluated =
            predictions
            |> List.filter (fun p -> p.Kind <> PredictionKind.Measurement && p.Kind <> PredictionKind.SelfCheck)
            |> List.map (fun p -> p.Id)
            |> List.distinct

        established, evaluated

    /// The overall verdict. In order: a failed hypothesis → hypotheses-not-met; an undecided hypothesis, or one that
    /// holds only on an estimated number → inconclusive; a violated bound whose status is certified or exact → refuted; a failed premise, a violated
    /// bound that rests on an estimate, or a violated conditional bound → inconclusive; no bound evaluated at all →
    /// inconclusive (a consistent verdict must have held something against the run); otherwise consistent.
    /// Measurements (conditions or predictions) never count. Except for hypotheses-not-met, the reason ends with what
    /// was established and evaluated, and names the predictions in <paramref name="skipped"/> that did not apply.
    let decideWith
        (skipped: string list)
        (conditions: EvaluatedCondition list)
        (predictions: EvaluatedPrediction list)
        =
        let hyps = conditions |> List.filter (fun c -> c.Role = ConditionRole.Hypothesis)
        let premises = conditions |> List.filter (fun c -> c.Role = ConditionRole.Premise)

        let failed =
            hyps
            |> List.filter (fun c ->
                match c.Outcome.Verdict with
                | Verdict.Fails _ -> true
                | _ -> false)

        // A hypothesis "holding" on an estimated number is not verified: a check that labels its number estimated but
        // still returns Holds is treated as undecided, so no estimate can make the verdict consistent.
        let undecided =
            hyps
            |> List.filter (fun c ->
                match c.Outcome.Verdict with
                | Verdict.Inconclusive _ -> true
                | Verdict.Holds _ -> c.Outcome.Status = NumberStatus.Estimated
                | Verdict.Fails _ -> false)

        let established, evaluatedBounds = basis conditions predictions

        let bounds = predictions |> List.filter (fun p -> p.Kind = PredictionKind.Bound)

        let violatedRigorous =
            bounds
            |> List.filter (fun p -> not p.Outcome.Holds && p.Outcome.Status <> NumberStatus.Estimated)

        let violatedEstimated =
            bounds
            |> List.filter (fun p -> not p.Outcome.Holds && p.Outcome.Status = NumberStatus.Estimated)

        let violatedConditional =
            predictions
            |> List.filter (fun p -> p.Kind = PredictionKind.ConditionalBound && not p.Outcome.Holds)

        let failedSelfChecks =
            predictions
            |> List.filter (fun p -> p.Kind = PredictionKind.SelfCheck && not p.Outcome.Holds)

        let failedPremises =
            premises
            |> List.filter (fun c ->
                match c.Outcome.Verdict with
                | Verdict.Fails _ -> true
                | _ -> false)

        let ids (xs: string list) = String.concat ", " xs

        let why (c: EvaluatedCondition) =
            sprintf "%s: %s" c.Id (Verdict.reason c.Outcome.Verdict)

        let summary =
            let part label xs =
                if List.isEmpty xs then
                    None
                else
                    Some(sprintf "%s: %s" label (ids xs))

            [
                Some(
                    if List.isEmpty established then
                        "established: none"
                    else
                        sprintf "established: %s" (ids established)
                )
                Some(
                    if List.isEmpty evaluatedBounds then
                        "bounds evaluated: none"
                    else
                        sprintf "bounds evaluated: %s" (ids evaluatedBounds)
                )
                part "not applicable to this run" skipped
            ]
            |> List.choose id
            |> String.concat "; "

        let withSummary reason = sprintf "%s [%s]" reason summary

        match failed, undecided, violatedRigorous with
        // A failed self-check means one of the tool's own certified numbers is wrong: nothing it decided can be
        // trusted, and the theorem is not at fault.
        | _ when not (List.isEmpty failedSelfChecks) ->
            let p = List.head failedSelfChecks

            OverallVerdict.Inconclusive(
                withSummary (
                    sprintf
                        "internal error: the self-check %s failed (%s; observed %g against %g) — a bug in Overparam.Verify's own certified numbers, not evidence against the theorem; please report it"
                        p.Id
                        p.Outcome.Note
                        p.Outcome.Observed
                        p.Outcome.Bound
                )
            )
        | f :: _, _, _ -> OverallVerdict.HypothesesNotMet(why f)
        | [], u :: _, _ when Verdict.holds u.Outcome.Verdict ->
            OverallVerdict.Inconclusive(
                withSummary (sprintf "%s holds only on an estimated number, which cannot verify a hypothesis" u.Id)
            )
        | [], u :: _, _ -> OverallVerdict.Inconclusive(withSummary (why u))
        | [], [], v :: _ ->
            OverallVerdict.Refuted(
                withSummary (
                    sprintf
                        "hypotheses verified, but %s was observed false (%s bound; slack %g at step %d)"
                        v.Id
                        (NumberStatus.name v.Outcome.Status)
                        v.Outcome.Slack
                        v.Outcome.WorstStep
                )
            )
        | [], [], [] ->
            match failedPremises, violatedEstimated, violatedConditional with
            | p :: _, _, _ -> OverallVerdict.Inconclusive(withSummary (sprintf "premise %s" (why p)))
            | [], v :: _, _ ->
                OverallVerdict.Inconclusive(
                    withSummary (
                        sprintf
                            "%s was violated, but it rests on an estimate (%s), so it cannot refute"
                            v.Id
                            v.Outcome.Note
                    )
                )
            | [], [], v :: _ ->
                OverallVerdict.Inconclusive(
                    withSummary (
                        sprintf
                            "%s was violated, but the theorem promises it only under a condition with an unspecified constant (%s), so it cannot refute"
                            v.Id
                            v.Outcome.Note
                    )
                )
            | [], [], [] when List.isEmpty evaluatedBounds ->
                OverallVerdict.Inconclusive(
                    withSummary "hypotheses verified, but no predicted bound could be evaluated on this run"
                )
            // A conditional bound is promised only under a condition with an unspecified constant: holding one says
            // nothing the theorem guarantees, so it cannot carry a consistent verdict alone.
            | [], [], [] when List.isEmpty bounds ->
                OverallVerdict.Inconclusive(
                    withSummary
                        "hypotheses verified, but only conditional bounds (promised under an unspecified constant) could be evaluated on this run"
                )
            | [], [], [] ->
                let estimated =
                    bounds
                    |> List.filter (fun p -> p.Outcome.Status = NumberStatus.Estimated)
                    |> List.map (fun p -> p.Id)

                let note =
                    if List.isEmpty estimated then
                        "hypotheses verified and every predicted bound observed"
                    else
                        sprintf
                            "hypotheses verified and every predicted bound observed (%s rest on estimates)"
                            (ids estimated)

                OverallVerdict.Consistent(withSummary note)

    /// <see cref="decideWith"/> with no skipped predictions.
    let decide (conditions: EvaluatedCondition list) (predictions: EvaluatedPrediction list) =
        decideWith [] conditions predictions

    /// The IDs of a definition's conclusions that <see cref="evaluate"/> did not evaluate (not applicable to the run).
    let skippedConclusions (t: TheoremDefinition<'a>) (predictions: EvaluatedPrediction list) =
        let seen = predictions |> List.map (fun p -> p.Id) |> Set.ofList

        t.Conclusions
        |> List.map (fun c -> c.Id)
        |> List.filter (fun id -> not (seen.Contains id))
        |> List.distinct

    /// "consistent", "hypotheses-not-met", "inconclusive" or "refuted", and the reason.
    let verdictName v =
        match v with
        | OverallVerdict.Consistent n -> "consistent", n
        | OverallVerdict.HypothesesNotMet r -> "hypotheses-not-met", r
        | OverallVerdict.Inconclusive r -> "inconclusive", r
        | OverallVerdict.Refuted r -> "refuted", r

/// Holding a logged series against a predicted per-step bound.
[<RequireQualifiedAccess>]
module Envelope =
    /// observed[k] ≤ bound[k] at every k within tol (one-sided). Returns (holds, worst index, worst slack =
    /// observed/bound). Indices where the bound is NaN are skipped; a NaN observation fails. Index 0 (where both are
    /// f(w₀) and the slack is 1 by construction) is reported as worst only when it is the only index.
    let rec atMost (tol: Tolerance) (bound: float[]) (observed: float[]) =
        atMostWith (fun _ -> tol) bound observed

    /// <see cref="atMost"/> with a tolerance per index (e.g. a ratio of two losses whose rounding grows as the loss
    /// shrinks).
    and atMostWith (tolAt: int -> Tolerance) (bound: float[]) (observed: float[]) =
        let mutable holds = true
        let mutable worst = -1
        let mutable worstSlack = nan

        for k in 0 .. observed.Length - 1 do
            let b = bound[k]

            if not (System.Double.IsNaN b) then
                let o = observed[k]

                if System.Double.IsNaN o || not ((tolAt k).AcceptsAtMost(b, o)) then
                    holds <- false

                let s =
                    if b > 0.0 then
                        o / b
                    else
                        (if o <= 0.0 then 0.0 else infinity)

                if worst <= 0 || s > worstSlack || System.Double.IsNaN s then
                    worst <- k
                    worstSlack <- s

        holds, worst, worstSlack

    /// The check of one whole-run quantity: (holds, slack = observed/bound).
    let single (tol: Tolerance) (sense: Sense) (bound: float) (observed: float) =
        let ok =
            match sense with
            | Sense.AtMost -> tol.AcceptsAtMost(bound, observed)
            | Sense.AtLeast -> tol.AcceptsAtLeast(bound, observed)

        let ok = ok && not (System.Double.IsNaN observed) && not (System.Double.IsNaN bound)
        ok, (if bound <> 0.0 then observed / bound else nan)

namespace Overparam.Verify.Theory

/// How a reported number was obtained (papers.md "Provenance tags" and §6.5).
[<RequireQualifiedAccess>]
type NumberStatus =
    /// A rigorous one-sided bound.
    | Certified
    /// Exact up to floating-point round-off.
    | Exact
    /// A sampled estimate: can refute a bound, never certify one.
    | Estimated

/// The verdict on one condition or prediction.
[<RequireQualifiedAccess>]
type Verdict =
    | Holds of margin: float
    | Fails of reason: string
    | Inconclusive of reason: string

/// Rules that combine numbers into verdicts.
[<RequireQualifiedAccess>]
module Verdict =
    /// value > threshold with its margin; an Estimated value can refute but never establish a bound the theorem needs.
    let ofLowerBound (status: NumberStatus) (value: float) (threshold: float) =
        if System.Double.IsNaN value || System.Double.IsNaN threshold then
            Verdict.Inconclusive "a quantity is NaN"
        elif value > threshold then
            match status with
            | NumberStatus.Estimated ->
                Verdict.Inconclusive "only a sampled estimate exceeds the threshold; a certified bound is needed"
            | NumberStatus.Certified
            | NumberStatus.Exact -> Verdict.Holds(value - threshold)
        else
            Verdict.Fails(sprintf "%g is not above %g" value threshold)

    /// True only for Holds.
    let holds v =
        match v with
        | Verdict.Holds _ -> true
        | _ -> false

    /// For a quantity q known only through a certified lower bound and a sampled upper estimate, the verdict on
    /// q > threshold: Holds when the certified bound already exceeds it; Fails when even the sampled estimate (which
    /// over-estimates an infimum) does not; Inconclusive in between (the certified bound is too loose to decide).
    let ofCertifiedLowerBound (certified: float) (upperEstimate: float) (threshold: float) =
        if System.Double.IsNaN certified || System.Double.IsNaN threshold then
            Verdict.Inconclusive "a quantity is NaN"
        elif certified > threshold then
            Verdict.Holds(certified - threshold)
        elif not (System.Double.IsNaN upperEstimate) && upperEstimate <= threshold then
            Verdict.Fails(sprintf "even the sampled estimate %g is not above %g" upperEstimate threshold)
        else
            Verdict.Inconclusive(
                sprintf
                    "the certified bound %g is not above %g, and no sample refutes it (estimate %g)"
                    certified
                    threshold
                    upperEstimate
            )

    /// "holds", "fails" or "inconclusive".
    let name v =
        match v with
        | Verdict.Holds _ -> "holds"
        | Verdict.Fails _ -> "fails"
        | Verdict.Inconclusive _ -> "inconclusive"

    /// The reason text; empty for Holds.
    let reason v =
        match v with
        | Verdict.Holds _ -> ""
        | Verdict.Fails r
        | Verdict.Inconclusive r -> r

/// Names of number statuses as written in certificates.
[<RequireQualifiedAccess>]
module NumberStatus =
    /// "certified", "exact" or "estimated".
    let name s =
        match s with
        | NumberStatus.Certified -> "certified"
        | NumberStatus.Exact -> "exact"
        | NumberStatus.Estimated -> "estimated"

    /// The weaker of two statuses: a quantity computed from both is only as good as its worst input.
    let weakest a b =
        match a, b with
        | NumberStatus.Estimated, _
        | _, NumberStatus.Estimated -> NumberStatus.Estimated
        | NumberStatus.Certified, _
        | _, NumberStatus.Certified -> NumberStatus.Certified
        | _ -> NumberStatus.Exact

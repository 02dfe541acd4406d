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
            | NumberStatus.Estimated -> Verdict.Inconclusive "only a sampled estimate exceeds the threshold; a certified bound is needed"
            | NumberStatus.Certified
            | NumberStatus.Exact -> Verdict.Holds(value - threshold)
        else
            Verdict.Fails(sprintf "%g is not above %g" value threshold)

    /// True only for Holds.
    let holds v =
        match v with
        | Verdict.Holds _ -> true
        | _ -> false

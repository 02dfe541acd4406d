namespace Overparam.Verify.Theory


/// Plain result of a verdict for C# callers: no DUs cross the boundary.
[<Sealed>]
type VerdictView(kind: string, margin: float, reason: string) =
    /// "holds", "fails" or "inconclusive".
    member _.Kind = kind
    /// The margin when the verdict holds, otherwise NaN.
    member _.Margin = margin
    /// Why the verdict is not "holds"; empty when it holds.
    member _.Reason = reason

/// C#-facing facade over the theory layer.
[<AbstractClass; Sealed>]
type TheoryFacade =
    /// Verdict on value > threshold for a number of the given status ("certified", "exact" or "estimated").
    static member CheckLowerBound(status: string, value: float, threshold: float) : VerdictView =
        let s =
            match status with
            | "certified" -> NumberStatus.Certified
            | "exact" -> NumberStatus.Exact
            | "estimated" -> NumberStatus.Estimated
            | other -> invalidArg (nameof status) (sprintf "unknown number status '%s'" other)

        match Verdict.ofLowerBound s value threshold with
        | Verdict.Holds m -> VerdictView("holds", m, "")
        | Verdict.Fails r -> VerdictView("fails", nan, r)
        | Verdict.Inconclusive r -> VerdictView("inconclusive", nan, r)

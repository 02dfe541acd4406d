namespace Overparam.Verify.Theory

open Overparam.Verify.Engine.Certificates

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

/// C#-facing facade for P2 (Chatterjee's local PL criterion with positive initialization).
[<AbstractClass; Sealed>]
type P2Facade =
    /// Validates the options without running anything; throws InvalidInputException with one line on bad input.
    static member Validate(options: P2Options) : unit = P2LocalPl.setupOf options |> ignore

    /// Runs the instance and returns its certificate. Bad input throws InvalidInputException (one line).
    static member Certify(options: P2Options) : Certificate =
        P2LocalPl.setupOf options |> P2LocalPl.analyze |> Certificate.ofP2

    /// Every ID the P2 checks cite (hypotheses, conclusions, and the ones listed as not checked).
    static member CitedIds: string[] = Theorem.citedIds P2LocalPl.theorem |> List.toArray

/// C#-facing facade for P4 (Oymak & Soltanolkotabi's moderate overparameterization of shallow networks).
[<AbstractClass; Sealed>]
type P4Facade =
    /// Validates the options without running anything; throws InvalidInputException with one line on bad input.
    static member Validate(options: P4Options) : unit = P4Moderate.setupOf options |> ignore

    /// Runs the instance and returns its certificate. Bad input throws InvalidInputException (one line).
    static member Certify(options: P4Options) : Certificate =
        P4Moderate.setupOf options |> P4Moderate.analyze |> Certificate.ofP4

    /// Every ID the P4 checks cite (hypotheses, conclusions, and the ones listed as not checked).
    static member CitedIds: string[] = Theorem.citedIds P4Moderate.theorem |> List.toArray

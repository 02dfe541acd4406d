namespace Overparam.Verify.Theory

open Overparam.Verify.Engine.Numerics

/// Named tolerances for theorem checks; the engine's Tolerance is the one value type, this module names the uses.
[<RequireQualifiedAccess>]
module Tolerances =
    /// Slack for one-sided rate predictions (papers.md §6.3: 1e-8 absolute plus 1e-6 relative).
    let rate: Tolerance = Tolerance.Rate

    /// Agreement of two float64 evaluations of the same quantity.
    let roundOff: Tolerance = Tolerance.RoundOff

    /// λ_min/λ_max below this is numerically zero (papers.md §6.5, P3.C5).
    let numericallyZeroRatio = 1e-12

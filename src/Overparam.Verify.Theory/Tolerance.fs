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

    /// P4.R5 (a measurement): λ_min(J(W₀)J(W₀)ᵀ)/ν² within this relative factor of λ(X) is shown as "holds"; one draw
    /// at finite k deviates by O(1/√k), so the factor only flags gross disagreement.
    let kernelConcentrationFactor = 0.5

    /// No slack: for comparisons of exact counts or ratios against a user-given target (P2.R4).
    let exact: Tolerance = Tolerance(0.0, 0.0)

namespace Overparam.Verify.Theory

open Overparam.Verify.Engine.Numerics

/// Named tolerances for theorem checks; the engine's Tolerance is the one value type, this module names the uses.
[<RequireQualifiedAccess>]
module Tolerances =
    /// Slack for one-sided predictions on quantities of order one (per-step contraction factors, fitted factors):
    /// papers.md §6.3, 1e-8 absolute plus 1e-6 relative.
    let rate: Tolerance = Tolerance.Rate

    /// Rounding of one loss evaluation relative to the run's scale: a loss ½‖r‖² with residuals rᵢ = fᵢ − yᵢ carries
    /// an absolute error of about 2u·κ·‖r‖·‖y‖ ≤ 4u·κ·L₀ (κ the forward pass's error amplification; ‖y‖² ≈ 2L₀ for a
    /// zero-ish start), so 1e-12 = 4u·κ with κ ≈ 2,250.
    let lossResolution = 1e-12

    /// Slack for a one-sided prediction on a quantity whose natural scale is <paramref name="scale"/> (the initial loss
    /// for a loss envelope, the radius for a distance, α_c for a PL constant): the absolute part is lossResolution
    /// times that scale, never a fixed 1e-8 (which once swallowed whole envelopes ≲ 1e-6), plus 1e-6 relative.
    let rateAt (scale: float) : Tolerance =
        Tolerance(lossResolution * abs scale, Tolerance.Rate.Relative)

    /// Below this scale float64 cannot resolve the relative precision a rate check needs (a 10⁻⁶ reduction of a value
    /// near the subnormal range loses its digits): such checks are not evaluated, and the verdict cannot be consistent.
    let smallestResolvableScale = 1e-280

    /// True when a quantity of this scale can be checked (finite and above smallestResolvableScale).
    let resolvable (scale: float) =
        System.Double.IsFinite scale && abs scale >= smallestResolvableScale

    /// Agreement of two float64 evaluations of the same quantity.
    let roundOff: Tolerance = Tolerance.RoundOff

    /// λ_min/λ_max below this is numerically zero (papers.md §6.5, P3.C5).
    let numericallyZeroRatio = 1e-12

    /// P4.R5 (a measurement): λ_min(J(W₀)J(W₀)ᵀ)/ν² within this relative factor of λ(X) is shown as "holds"; one draw
    /// at finite k deviates by O(1/√k), so the factor only flags gross disagreement.
    let kernelConcentrationFactor = 0.5

    /// No slack: for comparisons of exact counts or ratios against a user-given target (P2.R4).
    let exact: Tolerance = Tolerance(0.0, 0.0)

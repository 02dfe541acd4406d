namespace Overparam.Verify.Engine.Numerics;

/// <summary>
/// An absolute plus relative tolerance: <c>|e − a| ≤ Absolute + Relative·max(|e|, |a|)</c>.
/// NaN is never accepted, so a computation that produced NaN can never pass a check.
/// </summary>
/// <param name="Absolute">Slack that matters near zero.</param>
/// <param name="Relative">Slack proportional to the magnitude of the compared values.</param>
public readonly record struct Tolerance(double Absolute, double Relative)
{
    /// <summary>The spacing of doubles at 1 (2⁻⁵²); not <see cref="double.Epsilon"/>, which is the smallest subnormal.</summary>
    public const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>True when <paramref name="actual"/> is within this tolerance of <paramref name="expected"/>.</summary>
    public bool Accepts(double expected, double actual) =>
        Math.Abs(expected - actual) <= Absolute + Relative * Math.Max(Math.Abs(expected), Math.Abs(actual));

    /// <summary>One-sided check for predicted upper bounds: <c>actual ≤ bound + Absolute + Relative·|bound|</c>.</summary>
    public bool AcceptsAtMost(double bound, double actual) =>
        actual <= bound + Absolute + Relative * Math.Abs(bound);

    /// <summary>One-sided check for predicted lower bounds: <c>actual ≥ bound − Absolute − Relative·|bound|</c>.</summary>
    public bool AcceptsAtLeast(double bound, double actual) =>
        actual >= bound - Absolute - Relative * Math.Abs(bound);

    /// <summary>Agreement expected from two float64 evaluations of the same formula in different orders.</summary>
    public static Tolerance RoundOff => new(1e-12, 1e-10);

    /// <summary>Agreement expected between an iterative solver and a direct reference.</summary>
    public static Tolerance Solver => new(1e-12, 1e-9);

    /// <summary>Agreement expected between an analytic derivative and a central finite difference.</summary>
    public static Tolerance FiniteDifference => new(1e-7, 1e-5);

    /// <summary>Slack for one-sided rate predictions (loss under an envelope): see papers.md §6.3.</summary>
    public static Tolerance Rate => new(1e-8, 1e-6);
}

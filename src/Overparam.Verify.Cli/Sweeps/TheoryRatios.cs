using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Cli.Sweeps;

/// <summary>
/// A theory's sufficient-condition ratio for one trial: a number that is ≥ c (an unspecified constant) when the
/// theorem guarantees convergence, so the diagram can show where the theory switches on next to where training
/// actually succeeds.
/// </summary>
public interface ISufficientConditionRatio
{
    /// <summary>Stable name, written into the sweep parameters (changing the ratio changes the sweep key).</summary>
    string Name { get; }

    /// <summary>One line for reports: the formula and its status.</summary>
    string Description { get; }

    /// <summary>The ratio for inputs <paramref name="x"/> (n × d, unit rows) and width <paramref name="k"/>.</summary>
    double Evaluate(Matrix x, int k, ActivationKind activation);
}

/// <summary>
/// PROXY until Σ(X) lands: kd/n, the parameter count over the sample count (P4.R4's empirical threshold is
/// kd ≈ c₀·n). P4.C5's actual ratio is √(kd)/(κ(X)·n) with κ(X) = √(d/n)·‖X‖/λ_min(Σ(X)), which needs the
/// infinite-width kernel Σ(X); register it in <see cref="TheoryRatios"/> when that kernel is available.
/// </summary>
public sealed class ParameterCountProxyRatio : ISufficientConditionRatio
{
    /// <inheritdoc/>
    public string Name => "proxy-kd-over-n";

    /// <inheritdoc/>
    public string Description => "kd/n, a proxy until Σ(X) lands (P4.C5's ratio is √(kd)/(κ(X)·n))";

    /// <inheritdoc/>
    public double Evaluate(Matrix x, int k, ActivationKind activation)
    {
        ArgumentNullException.ThrowIfNull(x);
        return (double)k * x.Cols / x.Rows;
    }
}

/// <summary>
/// P4.C5's sufficient-condition ratio √(kd)/(B·κ(X)·n), computed by the same function as the certificate's P4.C5
/// (<see cref="ShallowJacobianBounds.OverparameterizationRatio"/>), with κ(X) = √(d/n)·‖X‖/λ(X) and
/// λ(X) = λ_min(Σ(X)) from the infinite-width kernel (closed form for relu, else 2-D Gauss–Hermite of order 10 in
/// the sweep, as a per-trial summary). A measurement, never compared with a threshold.
/// </summary>
public sealed class BKappaRatio : ISufficientConditionRatio
{
    private const int QuadratureOrder = 10;

    /// <inheritdoc/>
    public string Name => "p4c5-sqrt-kd-over-b-kappa-n";

    /// <inheritdoc/>
    public string Description => "√(kd)/(B·κ(X)·n), P4.C5 with B = max(sup|φ′|, sup|φ″|) and κ(X) = √(d/n)·‖X‖/λ_min(Σ(X))";

    /// <inheritdoc/>
    public double Evaluate(Matrix x, int k, ActivationKind activation)
    {
        ArgumentNullException.ThrowIfNull(x);
        var kernel = InfiniteWidthKernel.Evaluate(x, activation, QuadratureOrder);
        return ShallowJacobianBounds.OverparameterizationRatio(k, x.Cols, x.Rows, kernel.Kappa, activation);
    }
}

/// <summary>
/// LEGACY (sweeps stored before 0.2): √(kd)/(κ(X)·n) without P4.C5's factor B — it drifted from the certificate's
/// ratio (×0.25 for sigmoid, ×1.13 for erf and gelu). Kept so old stores still report; new sweeps use
/// <see cref="BKappaRatio"/>.
/// P4.C5's sufficient-condition ratio √(kd)/(κ(X)·n), κ(X) = √(d/n)·‖X‖/λ(X) and λ(X) = λ_min(Σ(X)) from the
/// infinite-width kernel (closed form for relu, else 2-D Gauss–Hermite). The theorem asks √(kd) ≳ B·κ(X)·n with an
/// unspecified constant, so the ratio is recorded as a measurement, never compared with a threshold.
/// Quadrature order 20 (error estimated against order 10): a per-trial summary, not a certificate.
/// </summary>
public sealed class KappaRatio : ISufficientConditionRatio
{
    private const int QuadratureOrder = 10;

    /// <inheritdoc/>
    public string Name => "p4c5-sqrt-kd-over-kappa-n";

    /// <inheritdoc/>
    public string Description => "√(kd)/(κ(X)·n) (legacy: omits P4.C5's factor B)";

    /// <inheritdoc/>
    public double Evaluate(Matrix x, int k, ActivationKind activation)
    {
        ArgumentNullException.ThrowIfNull(x);
        var kernel = InfiniteWidthKernel.Evaluate(x, activation, QuadratureOrder);
        return Math.Sqrt((double)k * x.Cols) / (kernel.Kappa * x.Rows);
    }
}

/// <summary>The registry of sufficient-condition ratios a sweep can record.</summary>
public static class TheoryRatios
{
    private static readonly Dictionary<string, ISufficientConditionRatio> Known = new(StringComparer.Ordinal)
    {
        ["proxy-kd-over-n"] = new ParameterCountProxyRatio(),
        ["p4c5-sqrt-kd-over-kappa-n"] = new KappaRatio(),
        ["p4c5-sqrt-kd-over-b-kappa-n"] = new BKappaRatio(),
    };

    /// <summary>The ratio used when none is named.</summary>
    public static string DefaultName => "p4c5-sqrt-kd-over-b-kappa-n";

    /// <summary>Names accepted by <see cref="Get"/>.</summary>
    public static IReadOnlyCollection<string> Names => Known.Keys;

    /// <summary>The ratio registered as <paramref name="name"/>.</summary>
    /// <exception cref="InvalidInputException">Unknown name.</exception>
    public static ISufficientConditionRatio Get(string name) =>
        Known.TryGetValue(name, out var r) ? r
        : throw new InvalidInputException($"unknown theory ratio '{name}'; valid: {string.Join(", ", Known.Keys)}");

    /// <summary>Registers (or replaces) a ratio; for wiring kernels that live outside this assembly.</summary>
    public static void Register(ISufficientConditionRatio ratio)
    {
        ArgumentNullException.ThrowIfNull(ratio);
        lock (Known) Known[ratio.Name] = ratio;
    }
}

using Overparam.Verify.Engine;
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

/// <summary>The registry of sufficient-condition ratios a sweep can record.</summary>
public static class TheoryRatios
{
    private static readonly Dictionary<string, ISufficientConditionRatio> Known = new(StringComparer.Ordinal)
    {
        ["proxy-kd-over-n"] = new ParameterCountProxyRatio(),
    };

    /// <summary>The ratio used when none is named.</summary>
    public static string DefaultName => "proxy-kd-over-n";

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

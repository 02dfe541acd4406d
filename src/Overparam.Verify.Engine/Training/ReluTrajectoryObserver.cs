using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Engine.Training;

/// <summary>
/// Records, at every logged step of a <see cref="ReluTwoLayer"/> run, the quantities P5 watches along the trajectory
/// (papers.md §5.5): the minimum margin minᵢ yᵢfᵢ, the normalised margin minᵢ yᵢfᵢ/‖θ‖² (P5.R4), ‖θ‖, and the
/// balancedness drift maxⱼ |(‖w₁ⱼ‖² − w₂ⱼ²) − (‖w₁ⱼ⁰‖² − w₂ⱼ⁰²)| against the first logged point (P5.R5). With
/// <c>keepDirections</c> it also keeps θ/‖θ‖ at each logged step (<see cref="Directions"/>), the normalised trajectory.
/// Allocates only at logged steps; one instance per run.
/// </summary>
public sealed class ReluTrajectoryObserver : ITraceObserver
{
    /// <summary>Column: minᵢ yᵢ f(xᵢ; θ).</summary>
    public const string MinMarginColumn = "min_margin";

    /// <summary>Column: minᵢ yᵢ f(xᵢ; θ)/‖θ‖².</summary>
    public const string NormalizedMarginColumn = "normalized_margin";

    /// <summary>Column: ‖θ‖₂.</summary>
    public const string ThetaNormColumn = "theta_norm";

    /// <summary>Column: maxⱼ |Δ(‖w₁ⱼ‖² − w₂ⱼ²)| since the first logged point.</summary>
    public const string BalancednessDriftColumn = "balancedness_drift";

    private readonly ReluTwoLayer _model;
    private readonly Matrix _x;
    private readonly double[] _y;
    private readonly bool _keep;
    private double[]? _balance0;
    private readonly List<double[]> _directions = new();
    private readonly List<long> _steps = new();

    /// <summary>Observes <paramref name="model"/> on (x, y); keeps θ/‖θ‖ per logged step when <paramref name="keepDirections"/>.</summary>
    public ReluTrajectoryObserver(ReluTwoLayer model, Matrix x, double[] y, bool keepDirections = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Cols != model.InputDimension)
            throw new InvalidInputException($"inputs have {x.Cols} columns, the network expects {model.InputDimension}");
        if (y.Length != x.Rows) throw new InvalidInputException($"{y.Length} labels for {x.Rows} input rows");
        _model = model;
        _x = x;
        _y = y;
        _keep = keepDirections;
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Columns { get; } = [MinMarginColumn, NormalizedMarginColumn, ThetaNormColumn, BalancednessDriftColumn];

    /// <summary>θ/‖θ‖ at each logged step (empty unless constructed with keepDirections).</summary>
    public IReadOnlyList<double[]> Directions => _directions;

    /// <summary>The step index of each entry of <see cref="Directions"/>.</summary>
    public IReadOnlyList<long> DirectionSteps => _steps;

    /// <inheritdoc/>
    public void Observe(long iteration, double time, ReadOnlySpan<double> theta, Span<double> values)
    {
        double minMargin = _model.MinMargin(_x, _y, theta);
        double n2 = ReluTwoLayer.SumOfSquares(theta);
        values[0] = minMargin;
        values[1] = n2 > 0 ? minMargin / n2 : double.NaN;
        values[2] = Math.Sqrt(n2);
        var balance = _model.Balancedness(theta);
        _balance0 ??= balance;
        double drift = 0;
        for (int j = 0; j < balance.Length; j++) drift = Math.Max(drift, Math.Abs(balance[j] - _balance0[j]));
        values[3] = drift;
        if (_keep)
        {
            var dir = theta.ToArray();
            double inv = n2 > 0 ? 1 / Math.Sqrt(n2) : 0;
            for (int i = 0; i < dir.Length; i++) dir[i] *= inv;
            _directions.Add(dir);
            _steps.Add(iteration);
        }
    }
}

using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Engine.Training;

/// <summary>The inner product the gradient of a <see cref="ResNetRffLeastSquares"/> is taken in.</summary>
public enum DepthMetric
{
    /// <summary>The Euclidean gradient ∇_θF over the flat node vector.</summary>
    Euclidean,

    /// <summary>
    /// The L²([0, 1]) metric of P1's gradient flow (papers.md §1.3 [derived]): ⟨U, U′⟩ = (1/L)·Σ_l⟨U_l, U′_l⟩, whose
    /// gradient is L·∇_θF, so GD takes the layer-wise step U_l ← U_l − η·L·∇_{U_l}F and runs of different depth share
    /// one time scale. (The endpoint nodes get the same weight 1/L as the others, as papers.md writes it.)
    /// </summary>
    DepthL2,
}

/// <summary>
/// P1's empirical risk F(U) = (1/N)·Σᵢ ½‖B Xᵢ(1) − yᵢ‖² of a <see cref="ResNetRff"/> on fixed data with vector targets
/// (N × k), as an <see cref="IObjective"/> for the trainers: the gradient is the discrete adjoint of the model's
/// integrator, optionally in the <see cref="DepthMetric.DepthL2"/> metric (then GD and <see cref="GradientFlow"/> run
/// P1's L² flow). Each call writes θ into a private copy of the template. Not thread-safe.
/// </summary>
public sealed class ResNetRffLeastSquares : IObjective
{
    private readonly ResNetRff _work;
    private readonly Matrix _x;
    private readonly Matrix _y;
    private readonly double _metricScale;

    /// <summary>Wraps F of <paramref name="template"/> (copied) on inputs x (N × d_in) and targets y (N × k).</summary>
    /// <exception cref="InvalidInputException">Shapes disagree, there are no samples, or a target is not finite.</exception>
    public ResNetRffLeastSquares(ResNetRff template, Matrix x, Matrix y, DepthMetric metric = DepthMetric.Euclidean)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Rows == 0) throw new InvalidInputException("no samples");
        if (x.Cols != template.InputDimension)
            throw new InvalidInputException($"inputs have {x.Cols} columns, the model expects {template.InputDimension}");
        if (y.Rows != x.Rows) throw new InvalidInputException($"{y.Rows} target rows for {x.Rows} input rows");
        if (y.Cols != template.OutputDimension)
            throw new InvalidInputException($"targets have {y.Cols} columns, the model has {template.OutputDimension} outputs");
        if (!x.IsFinite()) throw new InvalidInputException("inputs contain NaN or ±∞");
        if (!y.IsFinite()) throw new InvalidInputException("targets contain NaN or ±∞");
        if (!Enum.IsDefined(metric)) throw new InvalidInputException($"unknown depth metric {(int)metric}");
        _work = template.Clone();
        _x = x;
        _y = y;
        Metric = metric;
        _metricScale = metric == DepthMetric.DepthL2 ? template.Depth : 1.0;
    }

    /// <summary>The metric of the gradient.</summary>
    public DepthMetric Metric { get; }

    /// <summary>The model's depth L.</summary>
    public int Depth => _work.Depth;

    /// <inheritdoc/>
    public int ParameterCount => _work.ParameterCount;

    /// <inheritdoc/>
    public int SampleCount => _x.Rows;

    /// <summary>The model at θ (a new copy).</summary>
    public ResNetRff ModelAt(ReadOnlySpan<double> theta)
    {
        var m = _work.Clone();
        m.SetParameters(theta);
        return m;
    }

    /// <summary>R = B X(1) − y at θ, N × k.</summary>
    public Matrix Residuals(ReadOnlySpan<double> theta)
    {
        _work.SetParameters(theta);
        var r = _work.Outputs(_x);
        for (int q = 0; q < r.Data.Length; q++) r.Data[q] -= _y.Data[q];
        return r;
    }

    /// <summary>F(θ) alone (one forward pass).</summary>
    public double Value(ReadOnlySpan<double> theta)
    {
        var r = Residuals(theta);
        return 0.5 * SumOfSquares(r.Data) / _x.Rows;
    }

    /// <inheritdoc/>
    /// <remarks>Writes ∇_θF (Euclidean) or L·∇_θF (<see cref="DepthMetric.DepthL2"/>).</remarks>
    public double ValueAndGradient(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        if (gradient.Length != ParameterCount) throw new ArgumentException($"gradient has {gradient.Length} entries, expected {ParameterCount}", nameof(gradient));
        _work.SetParameters(theta);
        var traj = _work.Integrate(_x);
        var r = traj.Outputs;
        int n = _x.Rows;
        for (int q = 0; q < r.Data.Length; q++) r.Data[q] -= _y.Data[q];
        double loss = 0.5 * SumOfSquares(r.Data) / n;
        // ∂F/∂(B X_i(1)) = r_i/N (times the metric's L), pulled back by the adjoint.
        double c = _metricScale / n;
        for (int q = 0; q < r.Data.Length; q++) r.Data[q] *= c;
        gradient.Clear();
        _work.Backward(traj, r.Data, gradient);
        return loss;
    }

    /// <inheritdoc/>
    /// <remarks>F restricted to the samples, still divided by N (not the batch size), so N/|batch| times it is unbiased.</remarks>
    public double BatchValueAndGradient(ReadOnlySpan<double> theta, ReadOnlySpan<int> samples, Span<double> gradient)
    {
        if (gradient.Length != ParameterCount) throw new ArgumentException($"gradient has {gradient.Length} entries, expected {ParameterCount}", nameof(gradient));
        int n = _x.Rows, k = _y.Cols;
        var xs = new Matrix(samples.Length, _x.Cols);
        var ys = new Matrix(samples.Length, k);
        for (int q = 0; q < samples.Length; q++)
        {
            int i = samples[q];
            if ((uint)i >= (uint)n) throw new ArgumentOutOfRangeException(nameof(samples), i, $"sample index outside [0, {n})");
            _x.Row(i).CopyTo(xs.Row(q));
            _y.Row(i).CopyTo(ys.Row(q));
        }
        _work.SetParameters(theta);
        var traj = _work.Integrate(xs);
        var r = traj.Outputs;
        for (int q = 0; q < r.Data.Length; q++) r.Data[q] -= ys.Data[q];
        double loss = 0.5 * SumOfSquares(r.Data) / n;
        double c = _metricScale / n;
        for (int q = 0; q < r.Data.Length; q++) r.Data[q] *= c;
        gradient.Clear();
        _work.Backward(traj, r.Data, gradient);
        return loss;
    }

    /// <summary>
    /// ‖∇F‖² in the L²([0, 1]) metric, (1/L)·Σ_l‖∇_{U_l}F‖²_{L²-gradient} = L·‖∇_θF‖²₂, from a gradient this objective
    /// wrote (either metric): the quantity P1's PL ratio ‖∇F‖²/F is measured in (papers.md §1.4, P1.R6).
    /// </summary>
    public double L2GradientNormSquared(ReadOnlySpan<double> gradient)
    {
        if (gradient.Length != ParameterCount) throw new ArgumentException($"gradient has {gradient.Length} entries, expected {ParameterCount}", nameof(gradient));
        // From the Euclidean gradient g: L·‖g‖²; from the L²-gradient Lg: (1/L)‖Lg‖² — the same number.
        double s = SumOfSquares(gradient);
        return Metric == DepthMetric.DepthL2 ? s / Depth : s * Depth;
    }

    private static double SumOfSquares(ReadOnlySpan<double> v)
    {
        double s = 0;
        foreach (var a in v) s += a * a;
        return s;
    }
}

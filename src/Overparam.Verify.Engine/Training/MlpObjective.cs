using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Engine.Training;

/// <summary>
/// The squared loss of an <see cref="Mlp"/> on fixed data as an <see cref="IObjective"/> over its trainable parameters.
/// Each call writes θ into a private clone of the template and differentiates it, so the template is never modified.
/// Not thread-safe (the clone is shared state); use one instance per thread.
/// </summary>
public sealed class MlpObjective : IObjective
{
    private readonly Mlp _work;
    private readonly Matrix _x;
    private readonly double[] _y;
    private readonly double[] _initial;

    /// <summary>Wraps the loss c(n)·‖f(X) − y‖² of <paramref name="template"/> (cloned) on (x, y).</summary>
    /// <exception cref="InvalidInputException">Shapes of x, y and the network disagree, or there are no samples.</exception>
    public MlpObjective(Mlp template, Matrix x, double[] y, LossNormalization normalization = LossNormalization.HalfSum)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Cols != template.InputDimension)
            throw new InvalidInputException($"inputs have {x.Cols} columns, the network expects {template.InputDimension}");
        if (y.Length != x.Rows) throw new InvalidInputException($"{y.Length} targets for {x.Rows} input rows");
        if (x.Rows == 0) throw new InvalidInputException("no samples");
        _work = template.Clone();
        _initial = template.GetParameters();
        _x = x;
        _y = y;
        Normalization = normalization;
    }

    /// <summary>The loss normalization c(n).</summary>
    public LossNormalization Normalization { get; }

    /// <inheritdoc/>
    public int ParameterCount => _work.ParameterCount;

    /// <inheritdoc/>
    public int SampleCount => _x.Rows;

    /// <summary>A copy of the template's θ (the usual starting point for trainers).</summary>
    public double[] InitialParameters() => (double[])_initial.Clone();

    /// <inheritdoc/>
    public double ValueAndGradient(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        _work.SetParameters(theta);
        return MlpDifferentiation.LossAndGradient(_work, _x, _y, Normalization, gradient);
    }

    /// <inheritdoc/>
    public double BatchValueAndGradient(ReadOnlySpan<double> theta, ReadOnlySpan<int> samples, Span<double> gradient)
    {
        _work.SetParameters(theta);
        return MlpDifferentiation.LossAndGradient(_work, _x, _y, Normalization, samples, gradient);
    }

    /// <summary>A new, independent network holding the template's structure with parameters θ.</summary>
    public Mlp ModelAt(ReadOnlySpan<double> theta)
    {
        var m = _work.Clone();
        m.SetParameters(theta);
        return m;
    }
}

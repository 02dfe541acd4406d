namespace Overparam.Verify.Engine.Training;

/// <summary>
/// Records named columns at every logged point of a training run (e.g. λ_min of the NTK, per-point Jacobian
/// quantities, parameter snapshots kept by the observer itself). The trainer calls it after computing the loss at
/// the logged iterate; what it writes lands in <see cref="TrainingTrace.Observed"/> under its column names.
/// </summary>
public interface ITraceObserver
{
    /// <summary>The column names this observer writes, in the order of <see cref="Observe"/>'s values.</summary>
    IReadOnlyList<string> Columns { get; }

    /// <summary>
    /// Observes θ at a logged point. <paramref name="theta"/> is only valid during the call (copy it to keep it);
    /// write one value per column into <paramref name="values"/> (NaN where there is none).
    /// </summary>
    void Observe(long iteration, double time, ReadOnlySpan<double> theta, Span<double> values);
}

/// <summary>An observer from a function, for one column.</summary>
/// <param name="column">The column name.</param>
/// <param name="observe">θ → value; the array is a scratch copy reused between calls.</param>
public sealed class FunctionObserver(string column, Func<double[], double> observe) : ITraceObserver
{
    private double[] _buffer = [];

    /// <inheritdoc/>
    public IReadOnlyList<string> Columns { get; } = [column];

    /// <inheritdoc/>
    public void Observe(long iteration, double time, ReadOnlySpan<double> theta, Span<double> values)
    {
        if (_buffer.Length != theta.Length) _buffer = new double[theta.Length];
        theta.CopyTo(_buffer);
        values[0] = observe(_buffer);
    }
}

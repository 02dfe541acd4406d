namespace Overparam.Verify.Engine.Training;

/// <summary>
/// A differentiable training objective over a flat parameter vector θ: what every trainer needs and nothing more,
/// so trainers are tested on closed-form objectives and reused for every model.
/// </summary>
public interface IObjective
{
    /// <summary>Length of θ.</summary>
    int ParameterCount { get; }

    /// <summary>Number of training samples (the population SGD draws mini-batches from).</summary>
    int SampleCount { get; }

    /// <summary>Full loss L(θ); writes ∇L(θ) into <paramref name="gradient"/> (length <see cref="ParameterCount"/>).</summary>
    double ValueAndGradient(ReadOnlySpan<double> theta, Span<double> gradient);

    /// <summary>
    /// The loss restricted to <paramref name="samples"/> with the same per-sample weights as the full loss
    /// (so SampleCount/|batch| times it is an unbiased estimate of L), and its gradient.
    /// </summary>
    double BatchValueAndGradient(ReadOnlySpan<double> theta, ReadOnlySpan<int> samples, Span<double> gradient);
}

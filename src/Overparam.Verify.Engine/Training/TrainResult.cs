namespace Overparam.Verify.Engine.Training;

/// <summary>The outcome of a training run.</summary>
/// <param name="Status">How the run ended.</param>
/// <param name="Parameters">
/// The last iterate at which loss and gradient were finite (never NaN/Inf). On a NaN/Inf divergence this is the
/// iterate before the failure; on a blow-up divergence it is the (finite) blown-up iterate, so that the last
/// trace record and <see cref="Parameters"/> always describe the same point.
/// </param>
/// <param name="Trace">The logged records, first and last included.</param>
/// <param name="Steps">Step index of <see cref="Parameters"/> (accepted steps for gradient flow).</param>
/// <param name="Time">Continuous time of <see cref="Parameters"/> (see <see cref="TraceRecord.Time"/>).</param>
/// <param name="DivergenceReason">One line naming what happened and where, when <see cref="Status"/> is Diverged; otherwise null.</param>
public sealed record TrainResult(
    TrainStatus Status,
    double[] Parameters,
    TrainingTrace Trace,
    long Steps,
    double Time,
    string? DivergenceReason)
{
    /// <summary>
    /// The smallest full loss evaluated during the run (every step for GD, subgradient descent and flow;
    /// log points only for SGD); NaN when no finite loss was seen.
    /// </summary>
    public double BestLoss { get; init; } = double.NaN;

    /// <summary>Step index at which <see cref="BestLoss"/> was seen; −1 when none.</summary>
    public long BestStep { get; init; } = -1;

    /// <summary>
    /// The iterate with <see cref="BestLoss"/>; tracked by <see cref="SubgradientDescent"/> only (on a non-smooth
    /// objective the last iterate is not the best one), null for the other trainers.
    /// </summary>
    public double[]? BestParameters { get; init; }

    /// <summary>Steps the flow integrator rejected (error too large or a non-finite stage); 0 for the other trainers.</summary>
    public long RejectedSteps { get; init; }

    /// <summary>Calls made to the objective (full and mini-batch evaluations together).</summary>
    public long Evaluations { get; init; }
}

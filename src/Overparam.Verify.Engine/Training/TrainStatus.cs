namespace Overparam.Verify.Engine.Training;

/// <summary>How a training run ended.</summary>
public enum TrainStatus
{
    /// <summary>The step budget (or, for gradient flow, the end time) was used up.</summary>
    Completed,

    /// <summary>
    /// The loss reached <see cref="TrainerOptions.TargetLoss"/>, or the full gradient was exactly zero
    /// (a stationary point: further steps could not move θ).
    /// </summary>
    Converged,

    /// <summary>
    /// The loss or gradient became NaN/Inf, the loss exceeded <see cref="TrainerOptions.BlowUpFactor"/> × the
    /// initial loss, or the flow integrator's step size underflowed; see <see cref="TrainResult.DivergenceReason"/>.
    /// </summary>
    Diverged,

    /// <summary><see cref="TrainerOptions.Cancellation"/> was signalled; the result holds the iterate reached.</summary>
    Cancelled,
}

namespace Overparam.Verify.Engine.Training;

/// <summary>
/// Full-batch gradient descent with a fixed step: θ_{k+1} = θ_k − η ∇L(θ_k), for k = 0 … Steps−1.
/// Trace time is k·η, the time at which gradient flow would be compared with it.
/// </summary>
public static class GradientDescent
{
    /// <summary>
    /// Runs up to <see cref="TrainerOptions.Steps"/> steps from <paramref name="theta0"/> with
    /// <see cref="TrainerOptions.LearningRate"/>. One objective call per step; the gradient logged at a step is
    /// the one used for that step's update. Stops early as Converged (target loss, or an exactly zero gradient),
    /// Diverged (NaN/Inf or blow-up) or Cancelled.
    /// </summary>
    public static TrainResult Run(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options) =>
        FullGradientLoop.Run(objective, theta0, options, diminishing: false, trackBestParameters: false);
}

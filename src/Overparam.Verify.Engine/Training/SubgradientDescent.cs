namespace Overparam.Verify.Engine.Training;

/// <summary>
/// Subgradient descent for non-smooth objectives such as ReLU networks: θ_{k+1} = θ_k − η_k g_k, where g_k is
/// whatever element of the subdifferential the objective writes as its "gradient" (for ReLU, usually the
/// convention relu'(0) = 0). η_k = η, or η/√(k+1) with <see cref="TrainerOptions.DiminishingStep"/>, the schedule
/// for which min_{j≤k} L(θ_j) − L* ≤ (‖θ₀ − θ*‖² + G² Σ η_j²)/(2 Σ η_j) on convex objectives.
/// </summary>
/// <remarks>
/// Subgradient steps need not decrease the loss, so the run also tracks the best iterate:
/// <see cref="TrainResult.BestLoss"/>, <see cref="TrainResult.BestStep"/> and <see cref="TrainResult.BestParameters"/>.
/// Trace time is Σ_{j&lt;k} η_j (k·η with a fixed step). An exactly zero subgradient ends the run as Converged,
/// since no further step can move θ.
/// </remarks>
public static class SubgradientDescent
{
    /// <summary>Runs up to <see cref="TrainerOptions.Steps"/> subgradient steps from <paramref name="theta0"/>.</summary>
    public static TrainResult Run(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return FullGradientLoop.Run(objective, theta0, options, diminishing: options.DiminishingStep, trackBestParameters: true);
    }
}

namespace Overparam.Verify.Engine.Training;

/// <summary>
/// One logged point of a training run. Loss and gradient are always FULL-data values at the logged iterate,
/// for SGD too (the trainer evaluates the full objective at its log points), so traces of different trainers
/// compare against the same theorem bounds.
/// </summary>
/// <param name="Step">Iteration index k (for gradient flow: the number of accepted integrator steps).</param>
/// <param name="Time">
/// Continuous time: k·η for GD and SGD; Σ_{j&lt;k} η_j for subgradient descent (equal to k·η with a fixed step);
/// the integrator's t for gradient flow.
/// </param>
/// <param name="Loss">Full loss L(θ).</param>
/// <param name="GradientNormSquared">‖∇L(θ)‖₂² of the full loss.</param>
/// <param name="DistanceL2">‖θ − θ₀‖₂.</param>
/// <param name="DistanceLinf">‖θ − θ₀‖∞.</param>
/// <param name="WallSeconds">Seconds since the trainer started, at the time of logging.</param>
public sealed record TraceRecord(
    long Step,
    double Time,
    double Loss,
    double GradientNormSquared,
    double DistanceL2,
    double DistanceLinf,
    double WallSeconds);

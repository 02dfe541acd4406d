namespace Overparam.Verify.Engine.Training;

/// <summary>
/// A training algorithm chosen by type; the command-line names live only at the edge (<see cref="Trainers.ByName"/>).
/// Each trainer reads (and validates) the parts of <see cref="TrainerOptions"/> it uses.
/// </summary>
public interface ITrainer
{
    /// <summary>The name used on the command line ("gd", "sgd", "flow", "subgradient").</summary>
    string Name { get; }

    /// <summary>Trains from <paramref name="theta0"/> and returns the result with its trace.</summary>
    TrainResult Run(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options);
}

/// <summary>Full-batch gradient descent (<see cref="GradientDescent"/>).</summary>
public sealed class GradientDescentTrainer : ITrainer
{
    /// <summary>The instance.</summary>
    public static GradientDescentTrainer Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "gd";

    /// <inheritdoc/>
    public TrainResult Run(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options) => GradientDescent.Run(objective, theta0, options);
}

/// <summary>Mini-batch SGD (<see cref="StochasticGradientDescent"/>).</summary>
public sealed class StochasticGradientDescentTrainer : ITrainer
{
    /// <summary>The instance.</summary>
    public static StochasticGradientDescentTrainer Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "sgd";

    /// <inheritdoc/>
    public TrainResult Run(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options) => StochasticGradientDescent.Run(objective, theta0, options);
}

/// <summary>Adaptive Dormand–Prince gradient flow (<see cref="GradientFlow"/>).</summary>
public sealed class GradientFlowTrainer : ITrainer
{
    /// <summary>The instance.</summary>
    public static GradientFlowTrainer Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "flow";

    /// <inheritdoc/>
    public TrainResult Run(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options) => GradientFlow.Run(objective, theta0, options);
}

/// <summary>Subgradient descent (<see cref="SubgradientDescent"/>).</summary>
public sealed class SubgradientTrainer : ITrainer
{
    /// <summary>The instance.</summary>
    public static SubgradientTrainer Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "subgradient";

    /// <inheritdoc/>
    public TrainResult Run(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options) => SubgradientDescent.Run(objective, theta0, options);
}

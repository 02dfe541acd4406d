namespace Overparam.Verify.Engine.Training;

/// <summary>Chooses a trainer by the name used on the command line.</summary>
public static class Trainers
{
    /// <summary>The accepted optimizer names: gd, sgd, flow, subgradient.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "gd", "sgd", "flow", "subgradient" };

    /// <summary>
    /// Runs <see cref="GradientDescent"/> ("gd"), <see cref="StochasticGradientDescent"/> ("sgd"),
    /// <see cref="GradientFlow"/> ("flow") or <see cref="SubgradientDescent"/> ("subgradient"); names are
    /// case-insensitive. Any other name throws <see cref="InvalidInputException"/> listing the valid ones.
    /// </summary>
    public static TrainResult Run(string optimizer, IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return optimizer.Trim().ToLowerInvariant() switch
        {
            "gd" => GradientDescent.Run(objective, theta0, options),
            "sgd" => StochasticGradientDescent.Run(objective, theta0, options),
            "flow" => GradientFlow.Run(objective, theta0, options),
            "subgradient" => SubgradientDescent.Run(objective, theta0, options),
            _ => throw new InvalidInputException(
                $"unknown optimizer '{optimizer}'; valid names are: {string.Join(", ", Names)}"),
        };
    }
}

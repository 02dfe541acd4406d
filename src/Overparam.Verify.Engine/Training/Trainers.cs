namespace Overparam.Verify.Engine.Training;

/// <summary>The registered trainers, and the mapping from command-line names to them.</summary>
public static class Trainers
{
    /// <summary>Every trainer, in the order the CLI lists them.</summary>
    public static IReadOnlyList<ITrainer> All { get; } =
        [GradientDescentTrainer.Instance, StochasticGradientDescentTrainer.Instance, GradientFlowTrainer.Instance, SubgradientTrainer.Instance];

    /// <summary>The accepted optimizer names: gd, sgd, flow, subgradient.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(t => t.Name).ToArray();

    /// <summary>The trainer with this command-line name (case-insensitive); any other name throws <see cref="InvalidInputException"/> listing the valid ones.</summary>
    public static ITrainer ByName(string optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var name = optimizer.Trim().ToLowerInvariant();
        return All.FirstOrDefault(t => t.Name == name)
            ?? throw new InvalidInputException($"unknown optimizer '{optimizer}'; valid names are: {string.Join(", ", Names)}");
    }

    /// <summary>Runs the trainer named <paramref name="optimizer"/> (see <see cref="ByName"/>).</summary>
    public static TrainResult Run(string optimizer, IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options) =>
        ByName(optimizer).Run(objective, theta0, options);
}

using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Training;

public class TrainerOptionsTests
{
    private static LeastSquaresObjective Problem() => LeastSquaresObjective.RandomConsistent(6, 3, seed: 2, out _);

    public static TheoryData<string, TrainerOptions, string> InvalidOptions => new()
    {
        { "gd", new TrainerOptions { LearningRate = 0 }, "LearningRate" },
        { "gd", new TrainerOptions { LearningRate = -0.1 }, "LearningRate" },
        { "sgd", new TrainerOptions { LearningRate = double.NaN }, "LearningRate" },
        { "subgradient", new TrainerOptions { LearningRate = double.PositiveInfinity }, "LearningRate" },
        { "gd", new TrainerOptions { Steps = -1 }, "Steps" },
        { "flow", new TrainerOptions { Steps = -5 }, "Steps" },
        { "gd", new TrainerOptions { LogEvery = 0 }, "LogEvery" },
        { "gd", new TrainerOptions { BlowUpFactor = 1 }, "BlowUpFactor" },
        { "gd", new TrainerOptions { BlowUpFactor = double.NaN }, "BlowUpFactor" },
        { "gd", new TrainerOptions { TargetLoss = double.NaN }, "TargetLoss" },
        { "sgd", new TrainerOptions { BatchSize = 0 }, "BatchSize" },
        { "sgd", new TrainerOptions { BatchSize = 7 }, "BatchSize" },
        { "flow", new TrainerOptions { EndTime = 0 }, "EndTime" },
        { "flow", new TrainerOptions { EndTime = double.NaN }, "EndTime" },
        { "flow", new TrainerOptions { RelativeTolerance = -1e-8 }, "RelativeTolerance" },
        { "flow", new TrainerOptions { AbsoluteTolerance = double.NaN }, "AbsoluteTolerance" },
        { "flow", new TrainerOptions { RelativeTolerance = 0, AbsoluteTolerance = 0 }, "RelativeTolerance" },
        { "flow", new TrainerOptions { InitialTimeStep = -1 }, "InitialTimeStep" },
        { "flow", new TrainerOptions { MaxTimeStep = 0 }, "MaxTimeStep" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Run_InvalidOption_ThrowsNamingTheOption(string optimizer, TrainerOptions options, string option)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Trainers.Run(optimizer, Problem(), new double[3], options));
        Assert.Contains(option, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Run_OptionIrrelevantToTrainer_IsNotValidated()
    {
        // Flow ignores the learning rate; GD ignores the batch size.
        var flow = Trainers.Run("flow", Problem(), new double[3], new TrainerOptions { LearningRate = -1, Steps = 3 });
        var gd = Trainers.Run("gd", Problem(), new double[3], new TrainerOptions { BatchSize = 0, Steps = 3 });
        Assert.Equal(TrainStatus.Completed, flow.Status);
        Assert.Equal(TrainStatus.Completed, gd.Status);
    }

    [Theory]
    [InlineData("gd")]
    [InlineData("sgd")]
    [InlineData("flow")]
    [InlineData("subgradient")]
    public void Run_ThetaWrongLengthOrNonFinite_Throws(string optimizer)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Trainers.Run(optimizer, Problem(), new double[4], new TrainerOptions()));
        Assert.Contains("length 4", ex.Message);
        ex = Assert.Throws<InvalidInputException>(() => Trainers.Run(optimizer, Problem(), new[] { 0, double.NaN, 0 }, new TrainerOptions()));
        Assert.Contains("θ[1]", ex.Message);
    }

    [Fact]
    public void Defaults_AreTheDocumentedValues()
    {
        var o = new TrainerOptions();
        Assert.Equal(0.01, o.LearningRate);
        Assert.Equal(1000, o.Steps);
        Assert.Equal(double.PositiveInfinity, o.EndTime);
        Assert.Equal(1, o.BatchSize);
        Assert.Equal(0UL, o.Seed);
        Assert.Equal(1, o.LogEvery);
        Assert.Equal(0, o.TargetLoss);
        Assert.Equal(1e8, o.BlowUpFactor);
        Assert.Equal(1e-8, o.RelativeTolerance);
        Assert.Equal(1e-12, o.AbsoluteTolerance);
        Assert.Equal(0, o.InitialTimeStep);
        Assert.False(o.DiminishingStep);
        Assert.Empty(o.Observers);
        Assert.Null(o.Progress);
    }

    [Fact]
    public void Trainers_UnknownName_ListsValidNames()
    {
        var ex = Assert.Throws<InvalidInputException>(() => Trainers.Run("adam", Problem(), new double[3], new TrainerOptions()));
        Assert.Contains("'adam'", ex.Message);
        foreach (var name in new[] { "gd", "sgd", "flow", "subgradient" }) Assert.Contains(name, ex.Message);
    }

    [Fact]
    public void Trainers_KnownNames_DispatchToTheTrainer()
    {
        var options = new TrainerOptions { LearningRate = 0.01, Steps = 10, BatchSize = 2, Seed = 3 };
        Assert.Equal(GradientDescent.Run(Problem(), new double[3], options).Parameters, Trainers.Run("GD", Problem(), new double[3], options).Parameters);
        Assert.Equal(StochasticGradientDescent.Run(Problem(), new double[3], options).Parameters, Trainers.Run("sgd", Problem(), new double[3], options).Parameters);
        Assert.Equal(GradientFlow.Run(Problem(), new double[3], options).Parameters, Trainers.Run("flow", Problem(), new double[3], options).Parameters);
        Assert.Equal(SubgradientDescent.Run(Problem(), new double[3], options).Parameters, Trainers.Run("subgradient", Problem(), new double[3], options).Parameters);
        Assert.Equal(new[] { "gd", "sgd", "flow", "subgradient" }, Trainers.Names);
    }
}

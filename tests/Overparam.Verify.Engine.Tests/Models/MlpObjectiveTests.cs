using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Models;

public class MlpObjectiveTests
{
    [Fact]
    public void ValueAndGradient_MatchesDirectDifferentiationAtGivenTheta()
    {
        var model = TestNets.Random(1, ActivationKind.Tanh, [3, 4, 1], bias: true, frozen: [false, true]);
        var x = TestNets.Inputs(1, 6, 3);
        var y = TestNets.Targets(1, 6);
        var obj = new MlpObjective(model, x, y, LossNormalization.HalfMean);
        Assert.Equal(model.ParameterCount, obj.ParameterCount);
        Assert.Equal(6, obj.SampleCount);
        var theta = model.GetParameters().Select(t => t + 0.1).ToArray();
        var g = new double[obj.ParameterCount];
        double value = obj.ValueAndGradient(theta, g);
        var at = obj.ModelAt(theta);
        var expected = new double[obj.ParameterCount];
        double expectedValue = MlpDifferentiation.LossAndGradient(at, x, y, LossNormalization.HalfMean, expected);
        Assert.Equal(expectedValue, value);
        Assert.Equal(expected, g);
        // The template is untouched; ModelAt returns the requested θ.
        Assert.NotEqual(theta, model.GetParameters());
        Assert.Equal(theta, at.GetParameters());
        Assert.Equal(model.GetParameters(), obj.InitialParameters());
    }

    [Fact]
    public void BatchValueAndGradient_AllSamples_EqualsFullAndBatchesSumToFull()
    {
        var model = TestNets.Random(2, ActivationKind.Softplus, [2, 5, 1], bias: true);
        var x = TestNets.Inputs(2, 8, 2);
        var y = TestNets.Targets(2, 8);
        IObjective obj = new MlpObjective(model, x, y, LossNormalization.Mean);
        var theta = model.GetParameters();
        var full = new double[obj.ParameterCount];
        double lf = obj.ValueAndGradient(theta, full);
        var all = new double[obj.ParameterCount];
        double la = obj.BatchValueAndGradient(theta, [0, 1, 2, 3, 4, 5, 6, 7], all);
        Assert.True(Tolerance.RoundOff.Accepts(lf, la));
        for (int j = 0; j < full.Length; j++) Assert.True(Tolerance.RoundOff.Accepts(full[j], all[j]));
        // One sample, scaled by n, is an unbiased single-sample estimate; averaging over all samples recovers L.
        double mean = 0;
        for (int i = 0; i < 8; i++) mean += obj.BatchValueAndGradient(theta, [i], new double[obj.ParameterCount]);
        Assert.True(Tolerance.RoundOff.Accepts(lf, mean));
    }

    [Fact]
    public void Constructor_MismatchedData_IsRefused()
    {
        var model = TestNets.Random(2, ActivationKind.Tanh, [2, 3, 1]);
        Assert.Throws<InvalidInputException>(() => new MlpObjective(model, TestNets.Inputs(1, 4, 3), new double[4]));
        Assert.Throws<InvalidInputException>(() => new MlpObjective(model, TestNets.Inputs(1, 4, 2), new double[3]));
    }
}

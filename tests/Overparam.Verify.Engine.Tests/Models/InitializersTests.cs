using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;

namespace Overparam.Verify.Engine.Tests.Models;

public class InitializersTests
{
    // Sample standard deviation of N ≥ 10⁴ Gaussian draws lies within 5% of σ with overwhelming probability
    // (its relative standard error is 1/√(2N) < 0.8%), and the seed is fixed, so this cannot flake.
    private static readonly Tolerance SampleStd = new(0.0, 0.05);

    private static double Std(double[] v)
    {
        double mean = v.Average();
        return Math.Sqrt(v.Sum(t => (t - mean) * (t - mean)) / (v.Length - 1));
    }

    [Fact]
    public void Positive_P2C4_HasZeroFirstLayerPositiveHiddenAndConstantOutput()
    {
        var m = Initializers.Positive(5, [6, 7, 4], ActivationKind.Tanh, outputWeight: 3.5, seed: 1, minHidden: 0.5, maxHidden: 1.5);
        Assert.Equal(4, m.Layers.Count);
        Assert.All(m.Layers[0].Weight.Data, w => Assert.Equal(0.0, w));
        for (int l = 1; l <= 2; l++)
        {
            int fanIn = m.Layers[l].InputSize;
            Assert.All(m.Layers[l].Weight.Data, w => Assert.InRange(w, 0.5 / fanIn, 1.5 / fanIn));
        }
        Assert.All(m.Layers[3].Weight.Data, w => Assert.Equal(3.5, w));
        Assert.All(m.Layers, l => { Assert.Null(l.Bias); Assert.True(l.Trainable); Assert.Equal(1.0, l.Scale); });
    }

    [Fact]
    public void Positive_WithZeroFirstLayer_GivesEveryInputTheSameOutput()
    {
        var m = Initializers.Positive(3, [4, 4], ActivationKind.Softplus, outputWeight: 2, seed: 2);
        var f = m.Forward(TestNets.Inputs(2, 5, 3));
        Assert.All(f, v => Assert.Equal(f[0], v));
        // tanh(0) = 0 and no biases: f(w₀) = 0 exactly (papers.md §2.3).
        var t = Initializers.Positive(3, [4, 4], ActivationKind.Tanh, outputWeight: 2, seed: 2);
        Assert.All(t.Forward(TestNets.Inputs(2, 5, 3)), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Positive_BadArguments_AreRefused()
    {
        Assert.Throws<InvalidInputException>(() => Initializers.Positive(3, [], ActivationKind.Tanh, 1, 1));
        Assert.Throws<InvalidInputException>(() => Initializers.Positive(3, [4], ActivationKind.Tanh, 1, 1, minHidden: 0));
        Assert.Throws<InvalidInputException>(() => Initializers.Positive(3, [4], ActivationKind.Tanh, 1, 1, 2.0, 1.0));
        Assert.Throws<InvalidInputException>(() => Initializers.Positive(3, [4], ActivationKind.Tanh, double.NaN, 1));
    }

    [Fact]
    public void P4TwoLayer_P4C6_HasFrozenPlusMinusNuOverRootKOutput()
    {
        var m = Initializers.P4TwoLayer(6, 10, ActivationKind.Softplus, nu: 2.0, seed: 3);
        Assert.Equal(2, m.Layers.Count);
        Assert.True(m.Layers[0].Trainable);
        Assert.False(m.Layers[1].Trainable);
        Assert.Equal(60, m.ParameterCount);
        double e = 2.0 / Math.Sqrt(10);
        var v = m.Layers[1].Weight.Data;
        for (int j = 0; j < 10; j++) Assert.Equal(j < 5 ? e : -e, v[j]);
        Assert.Null(m.Layers[0].Bias);
        Assert.Throws<InvalidInputException>(() => Initializers.P4TwoLayer(6, 9, ActivationKind.Softplus, 1, 3));
        Assert.Throws<InvalidInputException>(() => Initializers.P4TwoLayer(6, 10, ActivationKind.Softplus, 0, 3));
    }

    [Fact]
    public void P4TwoLayer_Weights_AreStandardGaussian()
    {
        var m = Initializers.P4TwoLayer(100, 200, ActivationKind.Relu, nu: 1, seed: 4);
        Assert.True(SampleStd.Accepts(1.0, Std(m.Layers[0].Weight.Data)));
    }

    [Fact]
    public void GaussianXavierHe_WeightSpreads_MatchPromisedVariances()
    {
        int[] widths = [150, 120];
        var g = Initializers.Gaussian(100, widths, ActivationKind.Tanh, seed: 5, std: 0.3);
        var x = Initializers.Xavier(100, widths, ActivationKind.Tanh, seed: 5);
        var h = Initializers.He(100, widths, ActivationKind.Relu, seed: 5);
        var n = Initializers.NtkParameterization(100, widths, ActivationKind.Erf, seed: 5, bias: true);
        Assert.True(SampleStd.Accepts(0.3, Std(g.Layers[1].Weight.Data)));
        Assert.True(SampleStd.Accepts(Math.Sqrt(2.0 / (150 + 120)), Std(x.Layers[1].Weight.Data)));
        Assert.True(SampleStd.Accepts(Math.Sqrt(2.0 / 150), Std(h.Layers[1].Weight.Data)));
        Assert.True(SampleStd.Accepts(1.0, Std(n.Layers[1].Weight.Data)));
        Assert.Equal(1.0 / Math.Sqrt(100), n.Layers[0].Scale);
        Assert.Equal(1.0 / Math.Sqrt(150), n.Layers[1].Scale);
        Assert.Equal(1.0 / Math.Sqrt(120), n.Layers[2].Scale);
        Assert.All(g.Layers, l => Assert.Equal(1.0, l.Scale));
        Assert.Equal(1, g.Layers[^1].OutputSize);
        Assert.NotNull(n.Layers[0].Bias);
        Assert.Null(g.Layers[0].Bias);
    }

    [Fact]
    public void Gaussian_SameSeed_IsReproducibleAndStreamsArePerLayer()
    {
        var a = Initializers.Gaussian(4, [5, 6], ActivationKind.Tanh, seed: 9, bias: true);
        var b = Initializers.Gaussian(4, [5, 6], ActivationKind.Tanh, seed: 9, bias: true);
        Assert.Equal(a.GetParameters(), b.GetParameters());
        // Changing layer 2's width leaves layer 1 (stream init/W1) untouched.
        var c = Initializers.Gaussian(4, [5, 9], ActivationKind.Tanh, seed: 9, bias: true);
        Assert.Equal(a.Layers[0].Weight.Data, c.Layers[0].Weight.Data);
        Assert.Equal(a.Layers[0].Bias!, c.Layers[0].Bias!);
        var d = Initializers.Gaussian(4, [5, 6], ActivationKind.Tanh, seed: 10, bias: true);
        Assert.NotEqual(a.Layers[0].Weight.Data, d.Layers[0].Weight.Data);
    }

    [Fact]
    public void Initializers_NoHiddenLayers_GiveLinearModel()
    {
        var m = Initializers.He(3, [], ActivationKind.Relu, seed: 1);
        Assert.Single(m.Layers);
        Assert.Equal(3, m.ParameterCount);
        Assert.Throws<InvalidInputException>(() => Initializers.Gaussian(0, [3], ActivationKind.Tanh, 1));
        Assert.Throws<InvalidInputException>(() => Initializers.Gaussian(2, [0], ActivationKind.Tanh, 1));
        Assert.Throws<InvalidInputException>(() => Initializers.Gaussian(2, [3], ActivationKind.Tanh, 1, std: -1));
    }
}

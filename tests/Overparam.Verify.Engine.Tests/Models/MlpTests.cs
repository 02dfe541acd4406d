using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;

namespace Overparam.Verify.Engine.Tests.Models;

public class MlpTests
{
    // Batched matrix products and the naive per-sample loops sum in different orders; 1e-9 relative is the brief's bar.
    internal static readonly Tolerance NaiveAgreement = new(1e-12, 1e-9);

    [Fact]
    public void Forward_ManyConfigurations_MatchesNaiveOracle()
    {
        int checkedCount = 0;
        foreach (var (name, model) in TestNets.Configurations(11))
        {
            var x = TestNets.Inputs(5, 6, model.InputDimension);
            var naive = NaiveMlp.FromModel(model).Outputs(x);
            var f = model.Forward(x);
            for (int i = 0; i < f.Length; i++)
            {
                Assert.True(NaiveAgreement.Accepts(naive[i], f[i]), $"{name} sample {i}: naive {naive[i]} engine {f[i]}");
                Assert.True(NaiveAgreement.Accepts(naive[i], model.Output(x.Row(i))), $"{name} sample {i} single");
            }
            checkedCount++;
        }
        Assert.True(checkedCount >= 100);
    }

    [Fact]
    public void Forward_WideNetwork_MatchesNaiveOracle()
    {
        var model = TestNets.Random(3, ActivationKind.Gelu, [20, 64, 33, 1], bias: true, randomScales: true, outputScale: 0.1);
        var x = TestNets.Inputs(4, 17, 20);
        var naive = NaiveMlp.FromModel(model).Outputs(x);
        var f = model.Forward(x);
        for (int i = 0; i < f.Length; i++) Assert.True(NaiveAgreement.Accepts(naive[i], f[i]));
    }

    [Fact]
    public void Forward_HandComputedTwoLayerNet_GivesExactValue()
    {
        // f(x) = 2·(1·tanh(0.5·(x₁ − x₂ + 0.25)) − 3·tanh(0.5·(2x₂)))
        var w1 = Matrix.FromRows([[1.0, -1.0], [0.0, 2.0]]);
        var model = new Mlp(ActivationKind.Tanh,
            [new Layer(w1, [0.25, 0.0], 0.5), new Layer(Matrix.FromRows([[1.0, -3.0]]))], outputScale: 2.0);
        double[] x = [0.3, -0.7];
        double expected = 2 * (Math.Tanh(0.5 * (0.3 + 0.7 + 0.25)) - 3 * Math.Tanh(0.5 * (-1.4)));
        Assert.True(Tolerance.RoundOff.Accepts(expected, model.Output(x)));
        Assert.True(Tolerance.RoundOff.Accepts(expected, model.Forward(Matrix.FromRows([x]))[0]));
    }

    [Fact]
    public void Parameters_FrozenLayersAndBiases_FollowDocumentedLayout()
    {
        var model = TestNets.Random(1, ActivationKind.Tanh, [3, 4, 2, 1], bias: true, frozen: [false, true, false]);
        Assert.Equal(3 * 4 + 4 + 2 + 1, model.ParameterCount);
        var theta = model.GetParameters();
        Assert.Equal(model.Layers[0].Weight[1, 2], theta[1 * 3 + 2]);
        Assert.Equal(model.Layers[0].Bias![3], theta[12 + 3]);
        Assert.Equal(model.Layers[2].Weight[0, 1], theta[16 + 1]);
        Assert.Equal(model.Layers[2].Bias![0], theta[18]);
        Assert.Equal(-1, model.ParameterOffset(1));
        Assert.Equal(16, model.ParameterOffset(2));
    }

    [Fact]
    public void SetParameters_ThenGet_RoundTripsAndLeavesFrozenLayerAlone()
    {
        var model = TestNets.Random(2, ActivationKind.Relu, [3, 4, 1], bias: true, frozen: [false, true]);
        var frozen = model.Layers[1].Weight.Data.ToArray();
        var theta = Enumerable.Range(0, model.ParameterCount).Select(i => 0.1 * i - 1).ToArray();
        model.SetParameters(theta);
        Assert.Equal(theta, model.GetParameters());
        Assert.Equal(frozen, model.Layers[1].Weight.Data);
        Assert.Throws<ArgumentException>(() => model.SetParameters(new double[model.ParameterCount + 1]));
    }

    [Fact]
    public void Clone_IsDeep()
    {
        var model = TestNets.Random(2, ActivationKind.Tanh, [3, 4, 1], bias: true);
        var copy = model.Clone();
        copy.SetParameters(new double[copy.ParameterCount]);
        Assert.NotEqual(0.0, model.Layers[0].Weight[0, 0]);
        Assert.Equal(model.Activation, copy.Activation);
        Assert.Equal(model.OutputScale, copy.OutputScale);
    }

    [Fact]
    public void Constructor_LastLayerWithTwoRows_IsRefused()
    {
        var e = Assert.Throws<InvalidInputException>(() =>
            new Mlp(ActivationKind.Tanh, [new Layer(new Matrix(2, 3))]));
        Assert.Contains("last layer has 2 rows", e.Message);
    }

    [Fact]
    public void Constructor_ShapesThatDoNotChain_AreRefused()
    {
        var e = Assert.Throws<InvalidInputException>(() =>
            new Mlp(ActivationKind.Tanh, [new Layer(new Matrix(4, 3)), new Layer(new Matrix(1, 5))]));
        Assert.Contains("layer 1 takes 5 inputs but layer 0 has 4 outputs", e.Message);
        Assert.Throws<InvalidInputException>(() => new Mlp(ActivationKind.Tanh, Array.Empty<Layer>()));
        Assert.Throws<InvalidInputException>(() => new Mlp(ActivationKind.Tanh, [new Layer(new Matrix(1, 3))], double.NaN));
    }

    [Fact]
    public void LayerConstructor_BadShapesOrValues_AreRefused()
    {
        Assert.Throws<InvalidInputException>(() => new Layer(new Matrix(0, 3)));
        Assert.Throws<InvalidInputException>(() => new Layer(new Matrix(2, 3), new double[3]));
        var w = new Matrix(2, 3);
        w[1, 2] = double.NaN;
        var e = Assert.Throws<InvalidInputException>(() => new Layer(w));
        Assert.Contains("(1, 2)", e.Message);
        Assert.Throws<InvalidInputException>(() => new Layer(new Matrix(2, 3), [1.0, double.PositiveInfinity]));
        Assert.Throws<InvalidInputException>(() => new Layer(new Matrix(2, 3), scale: double.NaN));
    }

    [Fact]
    public void Forward_WrongInputWidth_IsRefused()
    {
        var model = TestNets.Random(2, ActivationKind.Tanh, [3, 4, 1]);
        Assert.Throws<InvalidInputException>(() => model.Forward(new Matrix(2, 4)));
        Assert.Throws<InvalidInputException>(() => model.Output(new double[2]));
    }
}

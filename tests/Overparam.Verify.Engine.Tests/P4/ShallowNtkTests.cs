using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Tests.P4;

public class ShallowNtkTests
{
    // The closed form and the Jacobian contraction sum the same products in different groupings: 1e−10 relative to
    // the kernel's largest entry (papers.md §8: "the two must agree to round-off").
    private const double AgreementRelative = 1e-10;

    internal static void AssertAgree(Matrix expected, Matrix actual, string name)
    {
        Assert.Equal(expected.Rows, actual.Rows);
        Assert.Equal(expected.Cols, actual.Cols);
        double scale = expected.Data.Length == 0 ? 0 : expected.Data.Max(Math.Abs);
        var tol = new Tolerance(AgreementRelative * scale, AgreementRelative);
        for (int i = 0; i < expected.Data.Length; i++)
            Assert.True(tol.Accepts(expected.Data[i], actual.Data[i]),
                $"{name}: K[{i / expected.Cols},{i % expected.Cols}] expected {expected.Data[i]} got {actual.Data[i]}");
    }

    public static TheoryData<ActivationKind> Activations => new(Enum.GetValues<ActivationKind>());

    [Theory]
    [MemberData(nameof(Activations))]
    public void Gram_P4Instance_MatchesJacobianContractionAndStructuredNtk(ActivationKind activation)
    {
        ulong seed = 0;
        foreach (var (n, d, k) in new[] { (1, 3, 2), (6, 5, 8), (12, 4, 40), (9, 16, 6) })
        {
            seed++;
            var model = Initializers.P4TwoLayer(d, k, activation, nu: 1.7, seed);
            var x = DataGenerators.UnitSphereInputs(n, d, seed);
            var gram = ShallowNtk.Gram(model, x);
            AssertAgree(Ntk.FromJacobian(model, x), gram, $"{activation} n={n} d={d} k={k} jacobian");
            AssertAgree(Ntk.Structured(model, x), gram, $"{activation} n={n} d={d} k={k} structured");
            var raw = ShallowNtk.Gram(x, model.Layers[0].Weight, model.Layers[1].Weight.Data, activation);
            AssertAgree(gram, raw, $"{activation} raw (W, v)");
        }
    }

    [Theory]
    [InlineData(ActivationKind.Relu)]
    [InlineData(ActivationKind.Softplus)]
    [InlineData(ActivationKind.Tanh)]
    public void Gram_GaussianInputsManySeeds_MatchesJacobianContraction(ActivationKind activation)
    {
        // Non-unit inputs and unequal output weights: the formula does not need P4.C6.
        for (ulong seed = 10; seed < 30; seed++)
        {
            var rng = RandomStreams.For(seed, "test/shape");
            int n = 1 + rng.NextInt(10), d = 1 + rng.NextInt(6), k = 1 + rng.NextInt(20);
            var x = DataGenerators.GaussianInputs(n, d, seed, std: 1.5);
            var w = new Matrix(k, d);
            rng.FillGaussian(w.Data);
            var v = new double[k];
            rng.FillGaussian(v);
            var model = new Mlp(activation, [new Layer(w), new Layer(new Matrix(1, k, v), trainable: false)]);
            AssertAgree(Ntk.FromJacobian(model, x), ShallowNtk.Gram(x, w, v, activation), $"{activation} seed {seed}");
        }
    }

    [Theory]
    [InlineData(true, true, true, true)]
    [InlineData(true, false, false, true)]
    [InlineData(false, true, true, false)]
    [InlineData(true, true, false, false)]
    public void Gram_BiasesScalesAndTrainableFlags_MatchJacobianContraction(bool hiddenBias, bool outputBias,
        bool hiddenTrainable, bool outputTrainable)
    {
        var rng = RandomStreams.For(5, "test/net");
        int d = 4, k = 7, n = 9;
        var w = new Matrix(k, d);
        rng.FillGaussian(w.Data);
        double[]? b1 = hiddenBias ? Enumerable.Range(0, k).Select(_ => rng.NextGaussian()).ToArray() : null;
        var v = new Matrix(1, k);
        rng.FillGaussian(v.Data);
        double[]? b2 = outputBias ? [rng.NextGaussian()] : null;
        foreach (var act in new[] { ActivationKind.Tanh, ActivationKind.Relu, ActivationKind.Gelu })
        {
            var model = new Mlp(act,
                [new Layer(w, b1, 0.6, hiddenTrainable), new Layer(v, b2, 1.3, outputTrainable)], outputScale: 0.4);
            var x = DataGenerators.GaussianInputs(n, d, 3);
            AssertAgree(Ntk.FromJacobian(model, x), ShallowNtk.Gram(model, x),
                $"{act} bias=({hiddenBias},{outputBias}) trainable=({hiddenTrainable},{outputTrainable})");
        }
    }

    [Fact]
    public void Gram_WideP4Instance_IsSymmetricWithJacobianTrace()
    {
        var model = Initializers.P4TwoLayer(10, 400, ActivationKind.Softplus, nu: 1.0, seed: 8);
        var x = DataGenerators.UnitSphereInputs(30, 10, 8);
        var gram = ShallowNtk.Gram(model, x);
        var jac = MlpDifferentiation.Jacobian(model, x);
        double trace = 0;
        for (int i = 0; i < 30; i++)
        {
            trace += gram[i, i];
            for (int j = 0; j < i; j++) Assert.Equal(gram[i, j], gram[j, i]);
        }
        Assert.True(Tolerance.RoundOff.Accepts(jac.Data.Sum(e => e * e), trace));
    }

    [Fact]
    public void Gram_UnsupportedShapes_AreRejected()
    {
        var deep = Initializers.Gaussian(3, [4, 4], ActivationKind.Tanh, seed: 1);
        var x = DataGenerators.UnitSphereInputs(5, 3, 1);
        Assert.Throws<InvalidInputException>(() => ShallowNtk.Gram(deep, x));
        var model = Initializers.P4TwoLayer(3, 4, ActivationKind.Tanh, 1.0, 1);
        Assert.Throws<InvalidInputException>(() => ShallowNtk.Gram(model, DataGenerators.UnitSphereInputs(5, 2, 1)));
        var w = model.Layers[0].Weight;
        Assert.Throws<InvalidInputException>(() => ShallowNtk.Gram(x, w, new double[3], ActivationKind.Tanh));
        var bad = x.Clone();
        bad[2, 1] = double.NaN;
        Assert.Throws<InvalidInputException>(() => ShallowNtk.Gram(bad, w, new double[4], ActivationKind.Tanh));
    }
}

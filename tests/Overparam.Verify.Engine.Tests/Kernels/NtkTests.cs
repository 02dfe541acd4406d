using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Tests.Models;

namespace Overparam.Verify.Engine.Tests.Kernels;

public class NtkTests
{
    // The structured and Jacobian forms sum the same products in a different grouping; the brief asks 1e-10 relative,
    // measured against the kernel's largest entry so off-diagonal entries near zero are not held to a relative bar.
    private const double AgreementRelative = 1e-10;

    private static void AssertAgree(Matrix expected, Matrix actual, string name)
    {
        Assert.Equal(expected.Rows, actual.Rows);
        Assert.Equal(expected.Cols, actual.Cols);
        double scale = expected.Data.Length == 0 ? 0 : expected.Data.Max(Math.Abs);
        var tol = new Tolerance(AgreementRelative * scale, AgreementRelative);
        for (int i = 0; i < expected.Data.Length; i++)
            Assert.True(tol.Accepts(expected.Data[i], actual.Data[i]),
                $"{name}: K[{i / expected.Cols},{i % expected.Cols}] jacobian {expected.Data[i]} structured {actual.Data[i]}");
    }

    [Fact]
    public void Structured_ManyConfigurations_MatchesJacobianContraction()
    {
        int count = 0;
        foreach (var (name, model) in TestNets.Configurations(101))
        {
            var x = TestNets.Inputs((ulong)count, 7, model.InputDimension);
            AssertAgree(Ntk.FromJacobian(model, x), Ntk.Structured(model, x), name);
            count++;
        }
        Assert.True(count >= 100);
    }

    [Fact]
    public void Structured_WiderDeeperNetwork_MatchesJacobianContraction()
    {
        var model = TestNets.Random(7, ActivationKind.Relu, [10, 30, 20, 15, 1], bias: true,
            frozen: [false, true, false, false], randomScales: true, outputScale: 0.3);
        var x = TestNets.Inputs(7, 25, 10);
        AssertAgree(Ntk.FromJacobian(model, x), Ntk.Structured(model, x), "relu 10-30-20-15-1");
    }

    [Fact]
    public void Structured_NtkParameterization_IsSymmetricPsdWithTraceEqualToJacobianNorm()
    {
        var model = Initializers.NtkParameterization(4, [16, 16], ActivationKind.Erf, seed: 9, bias: true);
        var x = TestNets.Inputs(9, 12, 4);
        var k = Ntk.Structured(model, x);
        var jac = MlpDifferentiation.Jacobian(model, x);
        double trace = 0, frob = jac.Data.Sum(v => v * v);
        for (int i = 0; i < k.Rows; i++)
        {
            trace += k[i, i];
            for (int j = 0; j < i; j++) Assert.True(Tolerance.RoundOff.Accepts(k[i, j], k[j, i]));
        }
        Assert.True(Tolerance.RoundOff.Accepts(frob, trace));
        var eig = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(ToArray(k)).Evd().EigenValues;
        Assert.All(eig, e => Assert.True(e.Real >= -Tolerance.RoundOff.Relative * trace, $"eigenvalue {e.Real}"));
    }

    [Fact]
    public void Structured_TwoLayerFrozenOutput_MatchesP4ClosedForm()
    {
        // papers.md §4.3: J Jᵀ = [σ′(XWᵀ)·diag(v∘v)·σ′(WXᵀ)] ⊙ (XXᵀ) for f = vᵀσ(Wx) with v frozen.
        var model = Initializers.P4TwoLayer(5, 8, ActivationKind.Softplus, nu: 1.3, seed: 4);
        var x = TestNets.Inputs(4, 6, 5);
        var w = model.Layers[0].Weight;
        var v = model.Layers[1].Weight.Data;
        var pre = Blas.Multiply(x, w, Op.None, Op.Transpose);
        var k = Ntk.Structured(model, x);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
            {
                double a = 0, xx = 0;
                for (int r = 0; r < 8; r++)
                    a += Activations.Derivative(ActivationKind.Softplus, pre[i, r]) * v[r] * v[r] * Activations.Derivative(ActivationKind.Softplus, pre[j, r]);
                for (int c = 0; c < 5; c++) xx += x[i, c] * x[j, c];
                Assert.True(Tolerance.RoundOff.Accepts(a * xx, k[i, j]));
            }
    }

    [Fact]
    public void Structured_AllFrozen_IsZero()
    {
        var model = TestNets.Random(3, ActivationKind.Tanh, [2, 3, 1], frozen: [true, true]);
        var k = Ntk.Structured(model, TestNets.Inputs(3, 4, 2));
        Assert.All(k.Data, v => Assert.Equal(0.0, v));
    }

    private static double[,] ToArray(Matrix m)
    {
        var a = new double[m.Rows, m.Cols];
        for (int i = 0; i < m.Rows; i++)
            for (int j = 0; j < m.Cols; j++) a[i, j] = m[i, j];
        return a;
    }
}

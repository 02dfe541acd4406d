using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Tests.Models;

public class MlpDifferentiationTests
{
    private const double Step = 1e-5;

    private static Func<double[], double> LossOf(Mlp model, Matrix x, double[] y, LossNormalization norm)
    {
        var work = model.Clone();
        return theta =>
        {
            work.SetParameters(theta);
            return NaiveMlp.FromModel(work).Loss(x, y, norm.Coefficient(x.Rows));
        };
    }

    private static double[] RandomVector(ulong seed, int p)
    {
        var v = new double[p];
        RandomStreams.For(seed, "test/v").FillGaussian(v, 0.0, 1.0);
        return v;
    }

    [Fact]
    public void Gradient_ManyConfigurations_MatchesFiniteDifferencesOfNaiveLoss()
    {
        int k = 0;
        foreach (var (name, model) in TestNets.Configurations(21))
        {
            var norm = (LossNormalization)(k++ % 3);
            var x = TestNets.Inputs((ulong)k, 5, model.InputDimension);
            var y = TestNets.Targets((ulong)k, 5);
            var grad = new double[model.ParameterCount];
            double loss = MlpDifferentiation.LossAndGradient(model, x, y, norm, grad);
            var f = LossOf(model, x, y, norm);
            var theta = model.GetParameters();
            Assert.True(MlpTests.NaiveAgreement.Accepts(f(theta), loss), $"{name}: loss");
            var fd = FiniteDifferences.Gradient(f, theta, Step);
            for (int j = 0; j < fd.Length; j++)
                Assert.True(Tolerance.FiniteDifference.Accepts(fd[j], grad[j]), $"{name} {norm}: ∂L/∂θ_{j} fd {fd[j]} analytic {grad[j]}");
        }
    }

    [Fact]
    public void Jacobian_ManyConfigurations_MatchesFiniteDifferencesOfOutputs()
    {
        foreach (var (name, model) in TestNets.Configurations(31).Where((_, i) => i % 3 == 0))
        {
            var x = TestNets.Inputs(3, 4, model.InputDimension);
            var jac = MlpDifferentiation.Jacobian(model, x);
            Assert.Equal(x.Rows, jac.Rows);
            Assert.Equal(model.ParameterCount, jac.Cols);
            var work = model.Clone();
            var fd = FiniteDifferences.Jacobian(t => { work.SetParameters(t); return NaiveMlp.FromModel(work).Outputs(x); },
                model.GetParameters(), Step);
            for (int i = 0; i < jac.Rows; i++)
                for (int j = 0; j < jac.Cols; j++)
                    Assert.True(Tolerance.FiniteDifference.Accepts(fd[i, j], jac[i, j]), $"{name}: J[{i},{j}]");
        }
    }

    [Theory]
    [InlineData(LossNormalization.HalfSum)]
    [InlineData(LossNormalization.HalfMean)]
    [InlineData(LossNormalization.Mean)]
    public void Gradient_Always_EqualsTwoCTimesJacobianTransposeResidual(LossNormalization norm)
    {
        // Gauss–Newton identity ∇L = 2c·Jᵀr (= Jᵀr for HalfSum).
        foreach (var (name, model) in TestNets.Configurations(41).Where((_, i) => i % 5 == 0))
        {
            var x = TestNets.Inputs(7, 6, model.InputDimension);
            var y = TestNets.Targets(7, 6);
            var grad = new double[model.ParameterCount];
            MlpDifferentiation.LossAndGradient(model, x, y, norm, grad);
            var r = MlpDifferentiation.Residuals(model, x, y);
            var jac = MlpDifferentiation.Jacobian(model, x);
            var jtr = new double[model.ParameterCount];
            Blas.Gemv(Op.Transpose, jac.Rows, jac.Cols, 2 * norm.Coefficient(x.Rows), jac.Data, r, 0.0, jtr);
            for (int j = 0; j < jtr.Length; j++)
                Assert.True(Tolerance.RoundOff.Accepts(jtr[j], grad[j]), $"{name}: entry {j}");
        }
    }

    [Fact]
    public void HessianVectorProduct_ManyConfigurations_MatchesFiniteDifferenceOfGradient()
    {
        int k = 0;
        foreach (var (name, model) in TestNets.Configurations(51).Where((_, i) => i % 2 == 0))
        {
            var norm = (LossNormalization)(k++ % 3);
            var x = TestNets.Inputs((ulong)k, 5, model.InputDimension);
            var y = TestNets.Targets((ulong)k, 5);
            var v = RandomVector((ulong)k, model.ParameterCount);
            var hv = MlpDifferentiation.HessianVectorProduct(model, x, y, norm, v);
            var theta = model.GetParameters();
            var work = model.Clone();
            var gp = new double[theta.Length];
            var gm = new double[theta.Length];
            work.SetParameters(theta.Select((t, j) => t + Step * v[j]).ToArray());
            MlpDifferentiation.LossAndGradient(work, x, y, norm, gp);
            work.SetParameters(theta.Select((t, j) => t - Step * v[j]).ToArray());
            MlpDifferentiation.LossAndGradient(work, x, y, norm, gm);
            for (int j = 0; j < hv.Length; j++)
            {
                double fd = (gp[j] - gm[j]) / (2 * Step);
                Assert.True(Tolerance.FiniteDifference.Accepts(fd, hv[j]), $"{name} {norm}: (Hv)_{j} fd {fd} analytic {hv[j]}");
            }
        }
    }

    [Fact]
    public void Hessian_SmoothNetworks_IsSymmetricAndLinearInV()
    {
        foreach (var act in new[] { ActivationKind.Tanh, ActivationKind.Softplus, ActivationKind.Gelu, ActivationKind.Cos })
        {
            var model = TestNets.Random(61, act, [3, 4, 3, 1], bias: true, frozen: [false, false, true], randomScales: true, outputScale: 0.8);
            var x = TestNets.Inputs(61, 5, 3);
            var y = TestNets.Targets(61, 5);
            var hess = MlpDifferentiation.Hessian(model, x, y, LossNormalization.HalfMean);
            double scale = hess.Data.Max(Math.Abs);
            var symmetric = new Tolerance(Tolerance.RoundOff.Absolute * scale, Tolerance.RoundOff.Relative);
            for (int i = 0; i < hess.Rows; i++)
                for (int j = 0; j < i; j++)
                    Assert.True(symmetric.Accepts(hess[i, j], hess[j, i]), $"{act}: H[{i},{j}] {hess[i, j]} vs {hess[j, i]}");
            var v = RandomVector(62, model.ParameterCount);
            var hv = MlpDifferentiation.HessianVectorProduct(model, x, y, LossNormalization.HalfMean, v);
            var dense = new double[v.Length];
            Blas.Gemv(Op.None, hess.Rows, hess.Cols, 1.0, hess.Data, v, 0.0, dense);
            for (int j = 0; j < v.Length; j++) Assert.True(symmetric.Accepts(dense[j], hv[j]));
        }
    }

    [Fact]
    public void Hessian_LinearModel_EqualsGaussNewtonExactly()
    {
        // One layer, so f is linear in θ and the residual-curvature term vanishes: ∇²L = 2c·JᵀJ.
        var model = TestNets.Random(71, ActivationKind.Tanh, [4, 1], bias: true, randomScales: true, outputScale: 1.7);
        var x = TestNets.Inputs(71, 6, 4);
        var y = TestNets.Targets(71, 6);
        var hess = MlpDifferentiation.Hessian(model, x, y, LossNormalization.Mean);
        var jac = MlpDifferentiation.Jacobian(model, x);
        var gn = Blas.Multiply(jac, jac, Op.Transpose);
        for (int i = 0; i < gn.Data.Length; i++)
            Assert.True(Tolerance.RoundOff.Accepts(2.0 / 6 * gn.Data[i], hess.Data[i]));
    }

    [Fact]
    public void Hessian_ResidualCurvatureTerm_IsIncluded()
    {
        // With nonzero residuals and a nonlinear net, ∇²L differs from 2c·JᵀJ; the dense Hessian equals FD of the gradient.
        var model = TestNets.Random(81, ActivationKind.Tanh, [2, 3, 1]);
        var x = TestNets.Inputs(81, 3, 2);
        var y = TestNets.Targets(81, 3).Select(t => 5 * t).ToArray();
        var hess = MlpDifferentiation.Hessian(model, x, y);
        var jac = MlpDifferentiation.Jacobian(model, x);
        var gn = Blas.Multiply(jac, jac, Op.Transpose);
        double diff = hess.Data.Zip(gn.Data, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(diff > 1e-3, $"Hessian equals Gauss–Newton (max diff {diff}); residual term missing");
        var theta = model.GetParameters();
        var work = model.Clone();
        var fd = FiniteDifferences.Jacobian(t =>
        {
            work.SetParameters(t);
            var g = new double[t.Length];
            MlpDifferentiation.LossAndGradient(work, x, y, LossNormalization.HalfSum, g);
            return g;
        }, theta, Step);
        for (int i = 0; i < hess.Data.Length; i++)
            Assert.True(Tolerance.FiniteDifference.Accepts(fd.Data[i], hess.Data[i]));
    }

    [Fact]
    public void LossAndGradient_SampleSubset_UsesFullLossWeightsAndPartitionsSum()
    {
        var model = TestNets.Random(91, ActivationKind.Sigmoid, [3, 5, 1], bias: true);
        var x = TestNets.Inputs(91, 10, 3);
        var y = TestNets.Targets(91, 10);
        var full = new double[model.ParameterCount];
        double lossFull = MlpDifferentiation.LossAndGradient(model, x, y, LossNormalization.Mean, full);
        var perm = RandomStreams.For(91, "test/perm").Permutation(10);
        var sum = new double[model.ParameterCount];
        double lossSum = 0;
        foreach (var batch in new[] { perm[..3], perm[3..7], perm[7..] })
        {
            var g = new double[model.ParameterCount];
            lossSum += MlpDifferentiation.LossAndGradient(model, x, y, LossNormalization.Mean, batch, g);
            Assert.True(Tolerance.RoundOff.Accepts(
                MlpDifferentiation.Loss(model, x, y, LossNormalization.Mean, batch),
                MlpDifferentiation.LossAndGradient(model, x, y, LossNormalization.Mean, batch, new double[model.ParameterCount])));
            for (int j = 0; j < g.Length; j++) sum[j] += g[j];
        }
        Assert.True(Tolerance.RoundOff.Accepts(lossFull, lossSum));
        for (int j = 0; j < sum.Length; j++) Assert.True(Tolerance.RoundOff.Accepts(full[j], sum[j]));
        Assert.True(Tolerance.RoundOff.Accepts(lossFull, MlpDifferentiation.Loss(model, x, y, LossNormalization.Mean)));
    }

    [Fact]
    public void LossAndGradient_SampleIndexOutOfRange_Throws()
    {
        var model = TestNets.Random(1, ActivationKind.Tanh, [2, 3, 1]);
        var x = TestNets.Inputs(1, 4, 2);
        var y = TestNets.Targets(1, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            MlpDifferentiation.LossAndGradient(model, x, y, LossNormalization.HalfSum, [0, 4], new double[model.ParameterCount]));
    }

    [Fact]
    public void Loss_MismatchedTargets_IsRefused()
    {
        var model = TestNets.Random(1, ActivationKind.Tanh, [2, 3, 1]);
        var e = Assert.Throws<InvalidInputException>(() => MlpDifferentiation.Loss(model, TestNets.Inputs(1, 4, 2), new double[3]));
        Assert.Contains("3 targets for 4 input rows", e.Message);
    }

    [Fact]
    public void AllLayersFrozen_GivesEmptyParameterVectorAndZeroDerivatives()
    {
        var model = TestNets.Random(5, ActivationKind.Tanh, [2, 3, 1], frozen: [true, true]);
        var x = TestNets.Inputs(5, 3, 2);
        var y = TestNets.Targets(5, 3);
        Assert.Equal(0, model.ParameterCount);
        double loss = MlpDifferentiation.LossAndGradient(model, x, y, LossNormalization.HalfSum, Span<double>.Empty);
        Assert.True(Tolerance.RoundOff.Accepts(MlpDifferentiation.Loss(model, x, y), loss));
        Assert.Equal(0, MlpDifferentiation.Jacobian(model, x).Cols);
    }

    [Fact]
    public void PreActivationSensitivities_FirstLayer_MatchJacobianBlockStructure()
    {
        // For layer 1 without bias, J's block for W₁ has rows s₁·u_i ⊗ x_i, so ∂f_i/∂W₁[a,b] = s₁·u_i[a]·x_i[b].
        var model = TestNets.Random(6, ActivationKind.Softplus, [3, 4, 1], randomScales: true, outputScale: 0.5);
        var x = TestNets.Inputs(6, 5, 3);
        var u = MlpDifferentiation.PreActivationSensitivities(model, x, 0);
        var jac = MlpDifferentiation.Jacobian(model, x);
        double s = model.Layers[0].Scale;
        for (int i = 0; i < 5; i++)
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 3; b++)
                    Assert.True(Tolerance.RoundOff.Accepts(jac[i, a * 3 + b], s * u[i, a] * x[i, b]));
    }
}

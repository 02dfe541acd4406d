using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Kernels;

/// <summary>P3's kernels against slow obvious oracles: the Jacobian contraction, the dense Hessian minus the dense
/// Gauss–Newton matrix, and a Monte Carlo over many neurons.</summary>
public class NewtonKernelsTests
{
    private static (Mlp Model, Matrix X, double[] Y) Instance(int n, int d, int width, ulong seed, bool frozen = false)
    {
        var model = Initializers.P3Shallow(d, width, 0.52, seed, frozen);
        var x = new Matrix(n, d);
        RandomStreams.For(seed, "p3-test/x").FillGaussian(x.Data);
        var y = new double[n];
        RandomStreams.For(seed, "p3-test/y").FillGaussian(y);
        return (model, x, y);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Empirical_gram_equals_the_jacobian_contraction(bool frozen)
    {
        var (model, x, _) = Instance(7, 3, 25, 4, frozen);
        var fast = NewtonKernels.EmpiricalGram(model, x);
        var jac = model.Jacobian(x);
        double scale = 0;
        var slow = new double[7, 7];
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 7; j++)
            {
                double s = 0;
                for (int k = 0; k < jac.Cols; k++) s += jac[i, k] * jac[j, k];
                slow[i, j] = s;
                scale = Math.Max(scale, Math.Abs(s));
            }
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 7; j++)
                Assert.True(Math.Abs(fast[i, j] - slow[i, j]) <= 1e-12 * scale, $"K[{i},{j}]: {fast[i, j]:R} vs {slow[i, j]:R}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Indefinite_part_norm_equals_the_dense_hessian_minus_gauss_newton(int d)
    {
        var (model, x, y) = Instance(6, d, 9, 6);
        var o = new ModelLeastSquares(model, x, y, LossNormalization.HalfMean);
        var theta = model.GetParameters();
        var h = RegularizedNewton.DenseCurvature(o, theta, NewtonCurvature.Hessian);
        var gn = RegularizedNewton.DenseCurvature(o, theta, NewtonCurvature.GaussNewton);
        var s = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(h.Rows, h.Cols, (i, j) => h[i, j] - gn[i, j]);
        double dense = s.Evd().EigenValues.Select(z => Math.Abs(z.Real)).Max();
        var r = o.Residuals(theta);
        double blocks = NewtonKernels.IndefinitePartNorm(model, x, r, o.CurvatureScale);
        Assert.True(Math.Abs(blocks - dense) <= 1e-10 * Math.Max(dense, 1e-300), $"‖S‖ blocks {blocks:R} vs dense {dense:R}");
    }

    [Fact]
    public void Infinite_width_kernel_matches_a_monte_carlo_over_neurons()
    {
        // K^N·N^{2β}/N is the average over N i.i.d. neurons of the bracket whose expectation is K̄.
        const int width = 200_000;
        var (model, x, _) = Instance(4, 2, width, 9);
        var kn = NewtonKernels.EmpiricalGram(model, x);
        double factor = Math.Pow(width, 2 * 0.52) / width;
        var (kbar, quadDiff) = NewtonKernels.InfiniteWidth(x, ActivationKind.Tanh, featuresTrained: true);
        // The estimate is the coarse (2h) rule's distance, far above the fine rule's own error.
        Assert.True(quadDiff < 1e-4, $"trapezoid at h and 2h differ by {quadDiff}");
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                // Per-neuron brackets are O(‖x‖²) with O(1) spread: 5 standard errors ≈ 5·3/√N.
                double se = 3.0 * (1 + Math.Abs(x[i, 0]) + Math.Abs(x[j, 0])) / Math.Sqrt(width);
                Assert.True(Math.Abs(kn[i, j] * factor - kbar[i, j]) <= 5 * se,
                    $"K̄[{i},{j}] = {kbar[i, j]:R}, Monte Carlo {kn[i, j] * factor:R} (5σ ≈ {5 * se:G3})");
            }
    }

    [Fact]
    public void Frozen_features_have_no_indefinite_part()
    {
        var (model, x, y) = Instance(5, 2, 7, 2, frozen: true);
        Assert.Equal(0.0, NewtonKernels.IndefinitePartNorm(model, x, y, 0.2));
    }
}

/// <summary>P3's closed-form Hessian against the p Hessian-vector products (the oracle for HVPs).</summary>
public class NewtonDenseHessianTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(2, true)]
    public void Block_form_equals_the_hessian_vector_products(int d, bool frozen)
    {
        var model = Initializers.P3Shallow(d, 11, 0.52, 21, frozen);
        var x = new Matrix(7, d);
        RandomStreams.For(21, "p3-hess/x").FillGaussian(x.Data);
        var y = new double[7];
        RandomStreams.For(21, "p3-hess/y").FillGaussian(y);
        var o = new ModelLeastSquares(model, x, y, LossNormalization.HalfMean);
        var theta = model.GetParameters();
        var byProducts = RegularizedNewton.DenseCurvature(o, theta, NewtonCurvature.Hessian);
        var closed = NewtonKernels.DenseHessian(model, x, o.Residuals(theta), o.CurvatureScale);
        double scale = byProducts.Data.Max(Math.Abs);
        for (int i = 0; i < byProducts.Data.Length; i++)
            Assert.True(Math.Abs(byProducts.Data[i] - closed.Data[i]) <= 1e-12 * scale,
                $"H[{i / byProducts.Cols},{i % byProducts.Cols}]: products {byProducts.Data[i]:R}, blocks {closed.Data[i]:R}");
    }
}

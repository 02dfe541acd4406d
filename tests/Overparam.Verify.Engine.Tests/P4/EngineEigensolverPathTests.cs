using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;

namespace Overparam.Verify.Engine.Tests.P4;

/// <summary>
/// The public overloads run on the engine's own <c>SymmetricEigen</c>; the other P4 tests inject MathNet. These check the
/// two paths agree (they need the engine eigensolver, which lands with the linear-algebra branch).
/// </summary>
public class EngineEigensolverPathTests
{
    // Two dense eigensolvers on the same matrix: backward-stable, so eigenvalues agree to ~n·ε·‖A‖.
    private static readonly Tolerance TwoSolvers = new(1e-12, 1e-9);

    [Fact]
    public void Evaluate_PublicOverload_MatchesMathNetPath()
    {
        var x = DataGenerators.UnitSphereInputs(9, 11, 4);
        var pub = InfiniteWidthKernel.Evaluate(x, ActivationKind.Tanh);
        var oracle = InfiniteWidthKernel.Evaluate(x, ActivationKind.Tanh, InfiniteWidthKernel.DefaultOrder, DenseOracle.Eigenvalues);
        Assert.Equal(oracle.Sigma.Data, pub.Sigma.Data);
        Assert.True(TwoSolvers.Accepts(oracle.LambdaMin, pub.LambdaMin));
        Assert.True(TwoSolvers.Accepts(oracle.XNorm, pub.XNorm));
        Assert.True(TwoSolvers.Accepts(oracle.Kappa, pub.Kappa));
        Assert.True(TwoSolvers.Accepts(oracle.LambdaMinErrorBound, pub.LambdaMinErrorBound));
        Assert.True(TwoSolvers.Accepts(
            InfiniteWidthKernel.MuPhiLowerBound(x, ActivationKind.Softplus, DenseOracle.Eigenvalues),
            InfiniteWidthKernel.MuPhiLowerBound(x, ActivationKind.Softplus)));
    }

    [Fact]
    public void Compute_PublicOverloads_MatchMathNetPath()
    {
        var model = Initializers.P4TwoLayer(6, 12, ActivationKind.Gelu, nu: 1.0, seed: 5);
        var x = DataGenerators.UnitSphereInputs(7, 6, 5);
        var oracle = ShallowJacobianBounds.Compute(x, model.Layers[0].Weight, model.Layers[1].Weight.Data,
            ActivationKind.Gelu, DenseOracle.Eigenvalues);
        foreach (var pub in new[]
                 {
                     ShallowJacobianBounds.Compute(model, x),
                     ShallowJacobianBounds.Compute(x, model.Layers[0].Weight, model.Layers[1].Weight.Data, ActivationKind.Gelu),
                 })
        {
            Assert.True(new Tolerance(1e-8 * oracle.SigmaMax, 1e-8).Accepts(oracle.SigmaMin, pub.SigmaMin));
            Assert.True(TwoSolvers.Accepts(oracle.SigmaMax, pub.SigmaMax));
            Assert.True(TwoSolvers.Accepts(oracle.Beta, pub.Beta));
            Assert.True(TwoSolvers.Accepts(oracle.Lipschitz, pub.Lipschitz));
        }
    }
}

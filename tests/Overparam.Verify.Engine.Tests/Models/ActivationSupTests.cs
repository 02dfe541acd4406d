using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Tests.Models;

/// <summary>
/// The certified activation sups and ‖X‖: never below the quantity (a fine grid, an independent SVD), and tight (a
/// grid finer than the peaks' curvature gets within 1e-6 of the closed form).
/// </summary>
public class ActivationSupTests
{
    public static TheoryData<ActivationKind> Kinds => new(Enum.GetValues<ActivationKind>());

    // The grid spacing 1e-4 around peaks of curvature O(1) misses the sup by O(1e-8); 1e-6 leaves room.
    private const double GridTightness = 1e-6;

    private static IEnumerable<double> Grid()
    {
        // ±40 reaches the asymptotic sups too (softplus′ = sigmoid → 1).
        for (int i = -400_000; i <= 400_000; i++) yield return i * 1e-4;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void DerivativeSup_is_an_upper_bound_and_tight(ActivationKind kind)
    {
        double sup = Activations.DerivativeSup(kind);
        double grid = Grid().Max(x => Math.Abs(Activations.Derivative(kind, x)));
        Assert.True(grid <= sup, $"{kind}: grid max {grid:R} above the certified sup {sup:R}");
        Assert.True(sup <= grid * (1 + GridTightness), $"{kind}: sup {sup:R} vs grid {grid:R}");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SecondDerivativeSup_is_an_upper_bound_and_tight(ActivationKind kind)
    {
        double sup = Activations.SecondDerivativeSup(kind);
        if (kind == ActivationKind.Relu)
        {
            Assert.Equal(double.PositiveInfinity, sup);
            return;
        }
        double grid = Grid().Max(x => Math.Abs(Activations.SecondDerivative(kind, x)));
        Assert.True(grid <= sup, $"{kind}: grid max {grid:R} above the certified sup {sup:R}");
        Assert.True(sup <= grid * (1 + GridTightness) + 1e-300, $"{kind}: sup {sup:R} vs grid {grid:R}");
    }

    [Theory]
    [InlineData(5, 9)]
    [InlineData(40, 7)]
    [InlineData(33, 33)]
    public void SpectralNormUpper_is_above_an_independent_svd_and_close(int rows, int cols)
    {
        var x = new Matrix(rows, cols);
        RandomStreams.For(8, $"norm-upper/{rows}/{cols}").FillGaussian(x.Data);
        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(rows, cols, (i, j) => x[i, j]);
        double reference = m.Svd(false).S[0];
        double upper = ShallowJacobianBounds.SpectralNormUpper(x);
        // The reference SVD is accurate to a few ulps: the certified bound must not be below it by more.
        Assert.True(upper >= reference * (1 - 1e-15), $"‖X‖ upper {upper:R} below the SVD's {reference:R}");
        Assert.True(upper <= reference * (1 + 1e-10), $"‖X‖ upper {upper:R} too loose against {reference:R}");
    }
}

using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Tests.P4;

/// <summary>
/// The closed-form Σ(X): relu's angle for near-parallel rows (arccos of the cosine was 4% off at 1e-7 apart), and the
/// reported λ(X) error bound against a double-double reference of λ_min.
/// </summary>
public class ClosedFormErrorTests
{
    [Theory]
    [InlineData(1e-3)]
    [InlineData(1e-7)]
    [InlineData(1e-10)]
    public void Relu_angle_of_near_parallel_rows_is_accurate(double gap)
    {
        // x = e₁, y = (cos t, sin t, 0): the exact angle is t.
        double t = gap;
        var x = new[] { 1.0, 0.0, 0.0 };
        var y = new[] { Math.Cos(t), Math.Sin(t), 0.0 };
        double theta = InfiniteWidthKernel.ReluAngle(x, y, 1.0, Math.Sqrt(y[0] * y[0] + y[1] * y[1]));
        // A few ulps of t (the inputs themselves are rounded to 1 ulp).
        Assert.True(Math.Abs(theta - t) <= 8 * CertifiedEigenvalue.UnitRoundoff * Math.Max(t, 1e-300) + 4e-16 * t,
            $"gap {gap}: angle {theta:R}, exact {t:R}");
    }

    [Fact]
    public void Relu_kernel_entry_of_rows_1e7_apart_matches_the_exact_angle()
    {
        var m = new Matrix(2, 2);
        m[0, 0] = 1;
        m[1, 0] = Math.Cos(1e-7);
        m[1, 1] = Math.Sin(1e-7);
        var sigma = InfiniteWidthKernel.Sigma(m, ActivationKind.Relu);
        double rho = m[1, 0];   // ⟨x₁, x₂⟩
        double exact = rho * (Math.PI - 1e-7) / (2 * Math.PI);
        Assert.True(Math.Abs(sigma[1, 0] - exact) <= 1e-15 * Math.Abs(exact), $"Σ₁₂ = {sigma[1, 0]:R}, exact {exact:R}");
    }

    [Theory]
    [InlineData(ActivationKind.Identity)]
    [InlineData(ActivationKind.Relu)]
    [InlineData(ActivationKind.Erf)]
    [InlineData(ActivationKind.Cos)]
    public void Closed_form_error_bound_covers_the_distance_to_a_perturbed_reference(ActivationKind kind)
    {
        // Near-duplicate unit rows make λ(X) tiny: the bound must cover the true error, and λ(X) − bound must stay a
        // lower bound on the λ_min of Σ computed from the exact-angle formula in double precision on rows perturbed
        // by far less than the bound.
        var x = new Matrix(6, 4);
        RandomStreams.For(12, "closed-form-err/" + kind).FillGaussian(x.Data);
        for (int j = 0; j < 4; j++) x[5, j] = x[4, j] + 1e-9 * (j + 1);
        for (int i = 0; i < 6; i++)
        {
            var row = x.Row(i);
            double nrm = Math.Sqrt(Blas.Dot(row, row));
            for (int j = 0; j < 4; j++) row[j] /= nrm;
        }
        var r = InfiniteWidthKernel.Evaluate(x, kind);
        Assert.True(r.LambdaMinErrorBound >= 0 && double.IsFinite(r.LambdaMinErrorBound));
        var reference = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(6, 6, (i, j) => r.Sigma[i, j]).Evd().EigenValues
            .Select(z => z.Real).Min();
        // The bound is rigorous for the exact Σ(X); against a float reference it must at least bracket it.
        Assert.True(r.LambdaMin - r.LambdaMinErrorBound <= reference + 1e-15 * r.Sigma.Data.Max(Math.Abs),
            $"{kind}: λ − bound {r.LambdaMin - r.LambdaMinErrorBound:R} above the reference λ_min {reference:R}");
        // And it is not absurd: a few hundred ulps of ‖Σ‖ times n.
        Assert.True(r.LambdaMinErrorBound <= 1e-12 * r.Sigma.Data.Max(Math.Abs), $"{kind}: bound {r.LambdaMinErrorBound:R}");
    }
}

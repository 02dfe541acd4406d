using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;
using Xunit;

namespace Overparam.Verify.Engine.Tests.LinearAlgebra;

/// <summary>
/// The certified λ_min lower bound on matrices whose spectrum is known exactly (diagonal, the 1-D Laplacian, exactly
/// singular integer Grams): it must never exceed the truth, and must be within a small multiple of n·u·tr|A| of it.
/// </summary>
public class CertifiedEigenvalueTests
{
    // The bound gives away c·tr|A| ≈ (n+1)·u·tr|A| plus the shift it starts with: 8·(n+1)·u·tr|A| is comfortably above.
    private static double Sharpness(int n, double traceAbs) => 8.0 * (n + 1) * CertifiedEigenvalue.UnitRoundoff * traceAbs;

    private static double TraceAbs(Matrix a)
    {
        double t = 0;
        for (int i = 0; i < a.Rows; i++) t += Math.Abs(a[i, i]);
        return t;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(130)]
    public void Diagonal_bound_is_below_the_smallest_entry_and_close_to_it(int n)
    {
        var a = new Matrix(n, n);
        var r = RandomStreams.For(3, "cert-eig/diag/" + n);
        double min = double.PositiveInfinity;
        for (int i = 0; i < n; i++)
        {
            a[i, i] = 0.5 + r.NextDouble();
            min = Math.Min(min, a[i, i]);
        }
        var cert = CertifiedEigenvalue.LambdaMin(a, min);
        Assert.True(cert.Certified);
        Assert.True(cert.Bound <= min, $"bound {cert.Bound} above the exact λ_min {min}");
        Assert.True(min - cert.Bound <= Sharpness(n, TraceAbs(a)), $"bound {cert.Bound} too far below {min}");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(64)]
    [InlineData(200)]
    public void Laplacian_bound_is_below_the_closed_form(int n)
    {
        // tridiag(−1, 2, −1): λ_k = 4 sin²(kπ/(2(n+1))), exactly representable entries.
        var a = new Matrix(n, n);
        for (int i = 0; i < n; i++)
        {
            a[i, i] = 2;
            if (i > 0) a[i, i - 1] = a[i - 1, i] = -1;
        }
        double s = Math.Sin(Math.PI / (2.0 * (n + 1)));
        double exact = 4 * s * s;
        // The closed form itself is evaluated in float64: allow it 8 ulps in the direction that protects the test.
        double exactHigh = exact * (1 + 8 * CertifiedEigenvalue.UnitRoundoff);
        double estimate = SymmetricEigen.Eigenvalues(a)[0];
        var cert = CertifiedEigenvalue.LambdaMin(a, estimate);
        Assert.True(cert.Certified);
        Assert.True(cert.Bound <= exactHigh, $"n={n}: bound {cert.Bound} above λ_min {exact}");
        Assert.True(exact - cert.Bound <= Sharpness(n, TraceAbs(a)), $"n={n}: bound {cert.Bound} vs {exact}");
    }

    [Theory]
    [InlineData(5, 3)]
    [InlineData(40, 39)]
    [InlineData(90, 30)]
    public void Exactly_singular_integer_gram_is_never_certified_positive(int n, int rank)
    {
        // B has small integer entries, so B·Bᵀ is computed exactly in float64 and is exactly singular (rank < n).
        var r = RandomStreams.For(5, $"cert-eig/singular/{n}/{rank}");
        var b = new Matrix(n, rank);
        for (int i = 0; i < b.Data.Length; i++) b.Data[i] = (int)(r.NextDouble() * 7) - 3;
        var g = Blas.Gram(b);
        foreach (var estimate in new[] { SymmetricEigen.Eigenvalues(g)[0], 1e-3, 0.0, -1e-12 })
        {
            var cert = CertifiedEigenvalue.LambdaMin(g, estimate);
            Assert.True(cert.Bound <= 0, $"n={n}, rank {rank}, estimate {estimate}: bound {cert.Bound} > 0 on a singular matrix");
        }
    }

    [Fact]
    public void All_ones_matrix_has_lambda_min_zero_and_is_never_certified_positive()
    {
        var a = new Matrix(30, 30);
        Array.Fill(a.Data, 1.0);
        var cert = CertifiedEigenvalue.LambdaMin(a, 0.0);
        Assert.True(cert.Certified);
        Assert.True(cert.Bound <= 0);
        Assert.True(cert.Bound >= -Sharpness(30, 30));
    }

    [Fact]
    public void Optimistic_estimate_backs_off_to_a_valid_bound()
    {
        var a = new Matrix(10, 10);
        for (int i = 0; i < 10; i++) a[i, i] = i + 1;
        var cert = CertifiedEigenvalue.LambdaMin(a, 5.0);
        Assert.True(cert.Attempts > 1);
        Assert.True(cert.Bound <= 1.0, $"bound {cert.Bound} above λ_min 1");
    }

    [Fact]
    public void Negative_definite_bound_is_below_the_most_negative_eigenvalue()
    {
        var a = new Matrix(4, 4);
        for (int i = 0; i < 4; i++) a[i, i] = -(i + 1);
        var cert = CertifiedEigenvalue.LambdaMin(a, -4.0);
        Assert.True(cert.Bound <= -4.0);
        Assert.True(cert.Bound >= -4.0 - Sharpness(4, 10));
    }

    [Fact]
    public void Formation_error_is_subtracted_in_full()
    {
        var a = new Matrix(3, 3);
        a[0, 0] = a[1, 1] = a[2, 2] = 1;
        var exact = CertifiedEigenvalue.LambdaMin(a, 1.0);
        var perturbed = CertifiedEigenvalue.LambdaMin(a, 1.0, formationError: 0.25);
        Assert.True(perturbed.Bound <= exact.Bound - 0.25);
        Assert.True(perturbed.Bound >= exact.Bound - 0.25 - 1e-15);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => CertifiedEigenvalue.LambdaMin(new Matrix(2, 3), 0));
        Assert.Throws<ArgumentException>(() => CertifiedEigenvalue.LambdaMin(new Matrix(2, 2), double.NaN));
        Assert.Throws<ArgumentException>(() => CertifiedEigenvalue.LambdaMin(new Matrix(2, 2), 0, -1));
        var a = new Matrix(2, 2);
        a[1, 1] = double.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => CertifiedEigenvalue.LambdaMin(a, 0));
    }

    [Fact]
    public void Random_spd_bound_brackets_the_reference_eigenvalue()
    {
        foreach (int n in new[] { 8, 65, 150 })
        {
            var a = LinearAlgebraTestData.Spd(n, "cert-eig/spd/" + n);
            var full = a.Clone();
            var reference = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(ToArray(full)).Evd().EigenValues
                .Select(z => z.Real).Min();
            var cert = CertifiedEigenvalue.LambdaMin(a, SymmetricEigen.Eigenvalues(a)[0]);
            // The reference is itself a float64 eigensolver (error ~ n·u·‖A‖): the bound must not exceed it by more.
            double refError = n * CertifiedEigenvalue.UnitRoundoff * TraceAbs(a);
            Assert.True(cert.Bound <= reference + refError, $"n={n}: bound {cert.Bound} > reference {reference}");
            Assert.True(reference - cert.Bound <= Sharpness(n, TraceAbs(a)) + refError);
        }
    }

    private static double[,] ToArray(Matrix m)
    {
        var r = new double[m.Rows, m.Cols];
        for (int i = 0; i < m.Rows; i++)
            for (int j = 0; j < m.Cols; j++) r[i, j] = m[i, j];
        return r;
    }
}

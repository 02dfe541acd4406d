using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;
using Xunit;

namespace Overparam.Verify.Engine.Tests.LinearAlgebra;

public class LeastSquaresTests
{
    private static Matrix FrequencyBasis(int n, int[] freqs)
    {
        var b = new Matrix(n, freqs.Length + 1);
        for (int i = 0; i < n; i++)
        {
            double t = (double)i / (n - 1);
            b[i, 0] = t;
            for (int k = 0; k < freqs.Length; k++) b[i, k + 1] = Math.Sin(freqs[k] * Math.PI * t);
        }
        return b;
    }

    [Theory]
    [InlineData(128, 11UL)]
    [InlineData(7, 12UL)]
    [InlineData(33, 13UL)]
    public void LeastSquares_FrequencyBasis_MatchesMathNetQrSolve(int n, ulong seed)
    {
        // The newton-vs-gd experiment's per-frequency projection, against MathNet's Householder QR (an independent
        // implementation) on a vector with a component outside the basis.
        var freqs = new[] { 2, 8, 10, 16 };
        // On 7 points sin 10πx aliases to −sin 2πx (refused as rank deficient): a small design gets two frequencies.
        if (n < 10) freqs = [2, 8];
        var b = FrequencyBasis(n, freqs);
        var v = new double[n];
        RandomStreams.For(seed, "test/ls").FillGaussian(v);
        var ours = new LeastSquares(b).Coefficients(v);
        var mb = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, b.Cols, (i, j) => b[i, j]);
        var theirs = mb.QR().Solve(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(v));
        for (int j = 0; j < b.Cols; j++)
            Assert.True(Tolerance.Solver.Accepts(theirs[j], ours[j]), $"coefficient {j}: {ours[j]} vs {theirs[j]}");
    }

    [Fact]
    public void LeastSquares_VectorInSpan_RecoversCoefficientsAndResidualIsOrthogonal()
    {
        // y = 4x + sin 2πx + 0.8(sin 8πx + sin 10πx + sin 16πx) is in the span: its coefficients come back exactly.
        var freqs = new[] { 2, 8, 10, 16 };
        var b = FrequencyBasis(128, freqs);
        var a = new[] { 4.0, 1.0, 0.8, 0.8, 0.8 };
        var y = new double[128];
        for (int i = 0; i < 128; i++)
            for (int j = 0; j < 5; j++) y[i] += a[j] * b[i, j];
        var got = new LeastSquares(b).Coefficients(y);
        for (int j = 0; j < 5; j++) Assert.True(Tolerance.Solver.Accepts(a[j], got[j]), $"{j}: {got[j]}");
    }

    [Fact]
    public void LeastSquares_DependentColumns_AreRefused()
    {
        var b = FrequencyBasis(16, [2, 2]);
        var e = Assert.Throws<InvalidInputException>(() => new LeastSquares(b));
        Assert.Contains("rank deficient", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => new LeastSquares(new Matrix(2, 3)));
    }
}

using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Numerics;
using static Overparam.Verify.Engine.Tests.LinearAlgebra.LinearAlgebraTestData;

namespace Overparam.Verify.Engine.Tests.LinearAlgebra;

public class SymmetricEigenTests
{
    // A backward-stable symmetric eigensolver moves each eigenvalue by at most c·n·ε·‖A‖ (and residuals and
    // orthogonality likewise); 4·n·ε·‖A‖ with ‖A‖ the largest |entry|·n is generous for c yet far below any bug.
    private static double SpectralBound(int n, double maxAbs) => 4.0 * Math.Max(n, 1) * Tolerance.MachineEpsilon * Math.Max(n, 1) * maxAbs;

    public static TheoryData<int> Sizes()
    {
        var d = new TheoryData<int>();
        foreach (int s in new[] { 0, 1, 2, 7, 8, 9, 31, 32, 33, 63, 64, 65, 97, 130, 257 }) d.Add(s);
        return d;
    }

    // MathNet's managed provider fails on 0×0, whose spectrum is empty anyway.
    private static double[] MathNetEigenvalues(Matrix a) => a.Rows == 0 ? [] :
        ToMathNet(a).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric).EigenValues.Select(z => z.Real).OrderBy(v => v).ToArray();

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Eigenvalues_RandomSymmetric_MatchMathNetAscending(int n)
    {
        var a = Symmetric(n, $"eig/{n}");
        var values = SymmetricEigen.Eigenvalues(a);
        var expected = MathNetEigenvalues(a);
        double bound = SpectralBound(n, MaxAbs(a.Data));
        Assert.Equal(n, values.Length);
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(values[i] - expected[i]) <= bound, $"n={n} λ[{i}] = {values[i]}, MathNet {expected[i]}");
            if (i > 0) Assert.True(values[i - 1] <= values[i]);
        }
    }

    private static void CheckDecomposition(Matrix a, EigenDecomposition dec)
    {
        int n = a.Rows;
        var v = dec.Vectors;
        double bound = SpectralBound(n, MaxAbs(a.Data));
        Assert.Equal(n, dec.Values.Length);
        Assert.Equal(n, v.Rows);
        Assert.Equal(n, v.Cols);
        // A·V = V·Λ column by column.
        var av = NaiveProduct(a, v);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                Assert.True(Math.Abs(av[i, j] - v[i, j] * dec.Values[j]) <= bound, $"n={n} residual at ({i},{j})");
        // VᵀV = I.
        var vtv = NaiveProduct(v.Transpose(), v);
        double orthoBound = SpectralBound(n, 1);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                Assert.True(Math.Abs(vtv[i, j] - (i == j ? 1 : 0)) <= orthoBound, $"n={n} VᵀV at ({i},{j}) = {vtv[i, j]}");
        // A = V·Λ·Vᵀ.
        var vl = v.Clone();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) vl[i, j] *= dec.Values[j];
        var rebuilt = NaiveProduct(vl, v.Transpose());
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                Assert.True(Math.Abs(rebuilt[i, j] - a[i, j]) <= bound, $"n={n} VΛVᵀ at ({i},{j})");
        for (int i = 1; i < n; i++) Assert.True(dec.Values[i - 1] <= dec.Values[i]);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Decompose_RandomSymmetric_SatisfiesAvEqualsVLambdaAndOrthonormality(int n)
    {
        var a = Symmetric(n, $"dec/{n}");
        var dec = SymmetricEigen.Decompose(a);
        CheckDecomposition(a, dec);
        var expected = MathNetEigenvalues(a);
        double bound = SpectralBound(n, MaxAbs(a.Data));
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(dec.Values[i] - expected[i]) <= bound);
    }

    [Fact]
    public void Decompose_Size300Spd_ReproducesMatrixAndMatchesMathNet()
    {
        // One size past several panels (32), the unblocked crossover (64) and the WY block (64) at once.
        var a = Spd(300, "dec/300");
        var dec = SymmetricEigen.Decompose(a);
        CheckDecomposition(a, dec);
        var expected = MathNetEigenvalues(a);
        double bound = SpectralBound(300, MaxAbs(a.Data));
        for (int i = 0; i < 300; i++) Assert.True(Math.Abs(dec.Values[i] - expected[i]) <= bound);
        Assert.True(dec.Values[0] > 0);
    }

    [Fact]
    public void Decompose_RepeatedEigenvalues_StillOrthonormal()
    {
        // Q·diag(1,1,1,2,2,5,...)·Qᵀ with a random orthogonal Q from MathNet's QR: clusters stress orthogonality.
        int n = 90;
        var q = ToMathNet(GaussianMatrix(n, n, "q")).QR().Q;
        var lambda = Enumerable.Range(0, n).Select(i => (double)(i / 10)).ToArray();
        var am = q * MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfDiagonalArray(lambda) * q.Transpose();
        var a = new Matrix(n, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) a[i, j] = 0.5 * (am[i, j] + am[j, i]);
        var dec = SymmetricEigen.Decompose(a);
        CheckDecomposition(a, dec);
        double bound = SpectralBound(n, MaxAbs(a.Data));
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(dec.Values[i] - lambda[i]) <= bound);
    }

    [Fact]
    public void Eigenvalues_IdentityZeroAndDiagonal_AreExact()
    {
        Assert.Equal(Enumerable.Repeat(1.0, 70), SymmetricEigen.Eigenvalues(Matrix.Identity(70)));
        Assert.Equal(Enumerable.Repeat(0.0, 70), SymmetricEigen.Eigenvalues(new Matrix(70, 70)));
        var diag = new Matrix(5, 5);
        double[] values = [3, -1, 7, 0.5, -4];
        for (int i = 0; i < 5; i++) diag[i, i] = values[i];
        Assert.Equal(values.OrderBy(v => v), SymmetricEigen.Eigenvalues(diag));
    }

    [Fact]
    public void Eigenvalues_UpperTriangleGarbage_IsIgnored()
    {
        var a = Symmetric(80, "lower");
        var garbled = a.Clone();
        for (int i = 0; i < 80; i++)
            for (int j = i + 1; j < 80; j++) garbled[i, j] = double.NaN;
        Assert.Equal(SymmetricEigen.Eigenvalues(a), SymmetricEigen.Eigenvalues(garbled));
    }

    [Theory]
    [InlineData(1e-200)]
    [InlineData(1e200)]
    public void Eigenvalues_ExtremeScale_ScaleWithTheMatrix(double scale)
    {
        var a = Symmetric(40, "scale");
        var scaled = a.Clone();
        for (int i = 0; i < scaled.Data.Length; i++) scaled.Data[i] *= scale;
        var reference = SymmetricEigen.Eigenvalues(a);
        var values = SymmetricEigen.Eigenvalues(scaled);
        double bound = SpectralBound(40, MaxAbs(a.Data));
        for (int i = 0; i < 40; i++) Assert.True(Math.Abs(values[i] / scale - reference[i]) <= bound);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(9)]
    [InlineData(65)]
    [InlineData(200)]
    public void ExtremeEigenvalues_RandomSymmetric_MatchFullSpectrumEnds(int n)
    {
        var a = Symmetric(n, $"extreme/{n}");
        var (min, max) = SymmetricEigen.ExtremeEigenvalues(a);
        var expected = MathNetEigenvalues(a);
        double bound = SpectralBound(n, MaxAbs(a.Data));
        Assert.True(Math.Abs(min - expected[0]) <= bound, $"min {min} vs {expected[0]}");
        Assert.True(Math.Abs(max - expected[^1]) <= bound, $"max {max} vs {expected[^1]}");
    }

    [Fact]
    public void ExtremeEigenvalues_Empty_IsNaNPair()
    {
        var (min, max) = SymmetricEigen.ExtremeEigenvalues(new Matrix(0, 0));
        Assert.True(double.IsNaN(min) && double.IsNaN(max));
    }

    [Fact]
    public void Spectrum_RandomSpd_EndsAreMinAndMax()
    {
        var a = Spd(50, "spectrum");
        var s = SymmetricEigen.Spectrum(a);
        Assert.Equal(s.Values[0], s.LambdaMin);
        Assert.Equal(s.Values[^1], s.LambdaMax);
        Assert.True(s.LambdaMin > 0);
    }

    [Fact]
    public void Eigen_NonFiniteOrNonSquare_ThrowsArgumentException()
    {
        var a = Symmetric(5, "bad");
        a[3, 1] = double.NaN;
        var ex = Assert.Throws<ArgumentException>(() => SymmetricEigen.Eigenvalues(a));
        Assert.Contains("(3, 1)", ex.Message);
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Decompose(new Matrix(3, 4)));
        a[3, 1] = double.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => SymmetricEigen.ExtremeEigenvalues(a));
    }
}

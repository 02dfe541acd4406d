using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Numerics;
using static Overparam.Verify.Engine.Tests.LinearAlgebra.LinearAlgebraTestData;

namespace Overparam.Verify.Engine.Tests.LinearAlgebra;

public class BlasTests
{
    // Standard forward error bound of a length-k dot product: |fl(xᵀy) − xᵀy| ≤ k·ε·|x|ᵀ|y| (γₖ, doubled for the
    // extra α/β roundings). Every kernel here is checked against it entrywise, so a wrong index fails by orders.
    private static double DotBound(int k, double absDot) => 2.0 * (k + 2) * Tolerance.MachineEpsilon * absDot + double.Epsilon;


    public static TheoryData<int, int, int> Shapes()
    {
        var d = new TheoryData<int, int, int>();
        foreach (int s in EdgeSizes) d.Add(s, s, s);
        d.Add(1, 257, 9);
        d.Add(65, 7, 130);
        d.Add(257, 63, 1);
        d.Add(8, 9, 64);
        d.Add(0, 5, 3);
        d.Add(5, 0, 3);
        d.Add(5, 3, 0);
        d.Add(100, 300, 20);
        return d;
    }

    private static (double Value, double Abs) Reference(Op opA, Op opB, int m, int n, int k, double[] a, double[] b, int i, int j)
    {
        double s = 0, abs = 0;
        for (int p = 0; p < k; p++)
        {
            double x = opA == Op.None ? a[i * k + p] : a[p * m + i];
            double y = opB == Op.None ? b[p * n + j] : b[j * k + p];
            s += x * y;
            abs += Math.Abs(x * y);
        }
        return (s, abs);
    }

    private static void CheckGemm(SimdPath path, int threads, Op opA, Op opB, int m, int n, int k, double alpha, double beta)
    {
        var a = Gaussian(m * k, "gemm/a");
        var b = Gaussian(k * n, "gemm/b");
        var c0 = Gaussian(m * n, "gemm/c");
        var c = (double[])c0.Clone();
        Blas.Gemm(path, threads, opA, opB, m, n, k, alpha, a, Math.Max(1, opA == Op.None ? k : m), b,
            Math.Max(1, opB == Op.None ? n : k), beta, c, Math.Max(1, n));
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                var (s, abs) = Reference(opA, opB, m, n, k, a, b, i, j);
                double expected = alpha * s + beta * c0[i * n + j];
                double bound = DotBound(k, Math.Abs(alpha) * abs + Math.Abs(beta * c0[i * n + j]));
                Assert.True(Math.Abs(c[i * n + j] - expected) <= bound,
                    $"{path} {opA}/{opB} {m}×{n}×{k}: C[{i},{j}] = {c[i * n + j]}, expected {expected}");
            }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gemm_AllTransposesScalarAndVector256_MatchNaiveReference(int m, int n, int k)
    {
        foreach (var path in new[] { SimdPath.Scalar, SimdPath.Vector256 })
            foreach (var opA in new[] { Op.None, Op.Transpose })
                foreach (var opB in new[] { Op.None, Op.Transpose })
                    CheckGemm(path, 1, opA, opB, m, n, k, 1.5, -0.5);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(17)]
    [InlineData(33)]
    public void Gemm_Vector512Path_MatchesNaiveReference(int size)
    {
        // Vector512 may be emulated on this machine, so only sizes that cross its 8×16 tile edges are run.
        foreach (var opA in new[] { Op.None, Op.Transpose })
            foreach (var opB in new[] { Op.None, Op.Transpose })
                CheckGemm(SimdPath.Vector512, 1, opA, opB, size, size + 3, size + 1, 0.75, 2.0);
    }

    [Theory]
    [InlineData(Op.None, Op.None)]
    [InlineData(Op.None, Op.Transpose)]
    [InlineData(Op.Transpose, Op.None)]
    [InlineData(Op.Transpose, Op.Transpose)]
    public void Gemm_TwoThreadsOnParallelSize_MatchesNaiveReference(Op opA, Op opB) =>
        CheckGemm(SimdPath.Vector256, 2, opA, opB, 203, 190, 130, 1.0, 0.0);

    [Theory]
    [InlineData(Op.None, Op.None)]
    [InlineData(Op.Transpose, Op.Transpose)]
    public void Gemm_BeyondEveryCacheBlock_MatchesNaiveReference(Op opA, Op opB)
    {
        // Crosses NC in n, KC in k and MC in m (with ragged remainders), so every blocking loop runs more than
        // one iteration, on one and on two threads.
        int m = GemmDriver.MC + 7, n = GemmDriver.NC + 5, k = GemmDriver.KC + 9;
        CheckGemm(SimdPath.Vector256, 1, opA, opB, m, n, k, 1.0, 0.5);
        CheckGemm(SimdPath.Vector256, 2, opA, opB, m, n, k, 1.0, 0.5);
    }

    [Fact]
    public void Gemm_BetaZeroOverNaN_OverwritesWithoutReading()
    {
        int m = 20, n = 30, k = 40;
        var a = Gaussian(m * k, "a");
        var b = Gaussian(k * n, "b");
        var c = Enumerable.Repeat(double.NaN, m * n).ToArray();
        Blas.Gemm(Op.None, Op.None, m, n, k, 1, a, b, 0, c);
        Assert.All(c, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void Gemm_AlphaZero_LeavesNaNInputsUnreadAndScalesC()
    {
        int m = 20, n = 30, k = 40;
        var a = Enumerable.Repeat(double.NaN, m * k).ToArray();
        var b = Enumerable.Repeat(double.NaN, k * n).ToArray();
        var c = Gaussian(m * n, "c");
        var expected = c.Select(v => 3 * v).ToArray();
        Blas.Gemm(Op.None, Op.None, m, n, k, 0, a, b, 3, c);
        Assert.Equal(expected, c);
    }

    [Fact]
    public void Gemm_NaNInInput_Propagates()
    {
        int n = 40;
        var a = Gaussian(n * n, "a");
        var b = Gaussian(n * n, "b");
        a[5 * n + 3] = double.NaN;
        var c = new double[n * n];
        Blas.Gemm(Op.None, Op.None, n, n, n, 1, a, b, 0, c);
        for (int j = 0; j < n; j++) Assert.True(double.IsNaN(c[5 * n + j]));
        Assert.True(double.IsFinite(c[6 * n]));
    }

    [Fact]
    public void Gemm_LeadingDimensions_OperateOnSubmatrices()
    {
        // C[2:2+m, 3:3+n] of a 60×70 buffer = A[1:1+m, 0:k] (ld 50) · B[0:k, 5:5+n] (ld 80).
        int m = 37, n = 29, k = 41;
        var a = Gaussian(45 * 50, "a");
        var b = Gaussian(45 * 80, "b");
        var c = Gaussian(60 * 70, "c");
        var before = (double[])c.Clone();
        Blas.Gemm(Op.None, Op.None, m, n, k, 1, a.AsSpan(1 * 50), 50, b.AsSpan(5), 80, 0, c.AsSpan(2 * 70 + 3), 70);
        for (int i = 0; i < 60; i++)
            for (int j = 0; j < 70; j++)
            {
                bool inside = i >= 2 && i < 2 + m && j >= 3 && j < 3 + n;
                if (!inside)
                {
                    Assert.Equal(before[i * 70 + j], c[i * 70 + j]);
                    continue;
                }
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = a[(1 + i - 2) * 50 + p] * b[p * 80 + 5 + j - 3];
                    s += x;
                    abs += Math.Abs(x);
                }
                Assert.True(Math.Abs(c[i * 70 + j] - s) <= DotBound(k, abs));
            }
    }

    [Fact]
    public void Gemm_SpanTooShort_Throws()
    {
        var a = new double[10];
        var b = new double[12];
        var c = new double[6];
        Assert.Throws<ArgumentException>(() => Blas.Gemm(Op.None, Op.None, 2, 3, 6, 1, a, b, 0, c));
    }

    [Fact]
    public void Multiply_RectangularWithTransposes_MatchesMathNet()
    {
        var a = GaussianMatrix(33, 65, "a");
        var b = GaussianMatrix(40, 33, "b");
        var c = Blas.Multiply(a, b, Op.Transpose, Op.Transpose);
        var expected = (ToMathNet(a).Transpose() * ToMathNet(b).Transpose());
        Assert.Equal(65, c.Rows);
        Assert.Equal(40, c.Cols);
        for (int i = 0; i < c.Rows; i++)
            for (int j = 0; j < c.Cols; j++)
                Assert.True(Tolerance.RoundOff.Accepts(expected[i, j], c[i, j]), $"({i},{j}) {expected[i, j]} vs {c[i, j]}");
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 1)]
    [InlineData(7, 9)]
    [InlineData(9, 8)]
    [InlineData(64, 63)]
    [InlineData(65, 257)]
    [InlineData(257, 65)]
    [InlineData(300, 200)]
    public void Syrk_BothTriangles_MatchNaiveAAtAndAreSymmetric(int n, int k)
    {
        var a = Gaussian(n * k, "syrk/a");
        var c0 = Symmetric(n, "syrk/c").Data;
        foreach (var (path, threads) in new[] { (SimdPath.Scalar, 1), (SimdPath.Vector256, 1), (SimdPath.Vector256, 2) })
        {
            var c = (double[])c0.Clone();
            Blas.SyrkLower(path, threads, n, k, 2.0, a, Math.Max(1, k), 0.5, c, Math.Max(1, n));
            Blas.MirrorLower(n, c, Math.Max(1, n));
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0, abs = 0;
                    for (int p = 0; p < k; p++)
                    {
                        s += a[i * k + p] * a[j * k + p];
                        abs += Math.Abs(a[i * k + p] * a[j * k + p]);
                    }
                    // C is read from its lower triangle only.
                    double cij = c0[Math.Max(i, j) * n + Math.Min(i, j)];
                    double expected = 2 * s + 0.5 * cij;
                    Assert.True(Math.Abs(c[i * n + j] - expected) <= DotBound(k, 2 * abs + Math.Abs(0.5 * cij)),
                        $"{path}/{threads} n={n} k={k}: C[{i},{j}]");
                    Assert.Equal(c[i * n + j], c[j * n + i]);
                }
        }
    }

    [Fact]
    public void Gram_Rectangular_MatchesMathNet()
    {
        var a = GaussianMatrix(70, 130, "gram");
        var g = Blas.Gram(a);
        var expected = ToMathNet(a) * ToMathNet(a).Transpose();
        for (int i = 0; i < 70; i++)
            for (int j = 0; j < 70; j++)
                Assert.True(Tolerance.RoundOff.Accepts(expected[i, j], g[i, j]));
    }

    [Fact]
    public void Syrk_Vector512Path_MatchesGemm()
    {
        int n = 37, k = 21;
        var a = Gaussian(n * k, "a");
        var c = new double[n * n];
        var reference = new double[n * n];
        Blas.SyrkLower(SimdPath.Vector512, 1, n, k, 1, a, k, 0, c, n);
        Blas.MirrorLower(n, c, n);
        Blas.Gemm(SimdPath.Scalar, 1, Op.None, Op.Transpose, n, n, k, 1, a, k, a, k, 0, reference, n);
        for (int i = 0; i < n * n; i++) Assert.True(Tolerance.RoundOff.Accepts(reference[i], c[i]));
    }

    public static TheoryData<int, int> GemvShapes()
    {
        var d = new TheoryData<int, int>();
        foreach (int s in EdgeSizes) d.Add(s, s);
        d.Add(1, 65);
        d.Add(65, 1);
        d.Add(7, 130);
        d.Add(300, 600);
        d.Add(600, 300);
        return d;
    }

    [Theory]
    [MemberData(nameof(GemvShapes))]
    public void Gemv_BothOrientationsAllPaths_MatchNaiveReference(int m, int n)
    {
        var a = Gaussian(m * n, "gemv/a");
        foreach (var op in new[] { Op.None, Op.Transpose })
        {
            int rows = op == Op.None ? m : n, cols = op == Op.None ? n : m;
            var x = Gaussian(cols, "gemv/x");
            var y0 = Gaussian(rows, "gemv/y");
            foreach (var (path, threads) in new[] { (SimdPath.Scalar, 1), (SimdPath.Vector256, 1), (SimdPath.Vector256, 2), (SimdPath.Vector512, 1) })
            {
                var y = (double[])y0.Clone();
                Blas.Gemv(path, threads, op, m, n, -1.5, a, Math.Max(1, n), x, 0.25, y);
                for (int i = 0; i < rows; i++)
                {
                    double s = 0, abs = 0;
                    for (int j = 0; j < cols; j++)
                    {
                        double t = (op == Op.None ? a[i * n + j] : a[j * n + i]) * x[j];
                        s += t;
                        abs += Math.Abs(t);
                    }
                    double expected = -1.5 * s + 0.25 * y0[i];
                    Assert.True(Math.Abs(y[i] - expected) <= DotBound(cols, 1.5 * abs + Math.Abs(0.25 * y0[i])),
                        $"{path}/{threads} {op} {m}×{n}: y[{i}] = {y[i]}, expected {expected}");
                }
            }
        }
    }

    [Fact]
    public void Gemv_MatchesMathNet()
    {
        var a = GaussianMatrix(90, 45, "a");
        var x = Gaussian(45, "x");
        var y = new double[90];
        Blas.Gemv(Op.None, 90, 45, 1, a.Data, x, 0, y);
        var expected = ToMathNet(a) * MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(x);
        for (int i = 0; i < 90; i++) Assert.True(Tolerance.RoundOff.Accepts(expected[i], y[i]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void DotAndAxpy_EdgeLengthsEachPath_MatchScalarLoops(int pathIndex)
    {
        var path = (SimdPath)pathIndex;
        foreach (int n in EdgeSizes.Concat([3, 4, 5, 15, 16, 17, 31, 32, 33]))
        {
            var x = Gaussian(n, "x");
            var y = Gaussian(n, "y");
            double s = 0, abs = 0;
            for (int i = 0; i < n; i++)
            {
                s += x[i] * y[i];
                abs += Math.Abs(x[i] * y[i]);
            }
            Assert.True(Math.Abs(Blas.Dot(path, x, y) - s) <= DotBound(n, abs), $"dot n={n}");

            var z = (double[])y.Clone();
            Blas.Axpy(path, -0.75, x, z);
            for (int i = 0; i < n; i++)
                Assert.True(Math.Abs(z[i] - (y[i] - 0.75 * x[i])) <= DotBound(1, Math.Abs(y[i]) + Math.Abs(0.75 * x[i])));
        }
    }

    [Fact]
    public void Dot_PublicEntryPoint_MatchesMathNet()
    {
        var x = Gaussian(1001, "x");
        var y = Gaussian(1001, "y");
        double expected = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(x)
            .DotProduct(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(y));
        Assert.True(Tolerance.RoundOff.Accepts(expected, Blas.Dot(x, y)));
    }

    [Fact]
    public void WithMaxThreads_ScopedToTheCallingFlow_RestoredAfter()
    {
        int global = Blas.MaxThreads;
        int seenElsewhere = 0;
        using (Blas.WithMaxThreads(global + 3))
        {
            Assert.Equal(global + 3, Blas.MaxThreads);
            // A thread that did not inherit the scope sees the global value.
            var other = new Thread(() => seenElsewhere = Blas.MaxThreads);
            other.UnsafeStart();
            other.Join();
        }
        Assert.Equal(global, seenElsewhere);
        Assert.Equal(global, Blas.MaxThreads);
        Assert.Throws<ArgumentOutOfRangeException>(() => Blas.WithMaxThreads(0));
    }

    [Fact]
    public void MaxThreads_BelowOne_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Blas.MaxThreads = 0);
}

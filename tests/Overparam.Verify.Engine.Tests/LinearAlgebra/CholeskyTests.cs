using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Numerics;
using static Overparam.Verify.Engine.Tests.LinearAlgebra.LinearAlgebraTestData;

namespace Overparam.Verify.Engine.Tests.LinearAlgebra;

public class CholeskyTests
{
    // Cholesky is backward stable: L·Lᵀ = A + E with |E| ≤ (n+1)·ε·|L|·|Lᵀ| entrywise; 4(n+2)·ε·max|A| covers it
    // for the well-conditioned B·Bᵀ + n·I inputs here (|L||Lᵀ| ≤ ‖A‖ on the diagonal scale).
    private static double FactorBound(int n, double maxAbs) => 4.0 * (n + 2) * Tolerance.MachineEpsilon * maxAbs;

    public static TheoryData<int> Sizes()
    {
        var d = new TheoryData<int>();
        foreach (int s in EdgeSizes) d.Add(s);
        d.Add(33);
        d.Add(100);
        d.Add(300);
        return d;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Factor_RandomSpd_LLtReproducesMatrix(int n)
    {
        var a = Spd(n, $"chol/{n}");
        var r = Cholesky.Factor(a);
        Assert.True(r.Success);
        Assert.Equal(-1, r.FailedPivot);
        Assert.True(double.IsNaN(r.PivotValue));
        var l = r.L!;
        for (int i = 0; i < n; i++)
        {
            Assert.True(l[i, i] > 0);
            for (int j = i + 1; j < n; j++) Assert.Equal(0.0, l[i, j]);
        }
        var llt = NaiveProduct(l, l.Transpose());
        double bound = FactorBound(n, MaxAbs(a.Data));
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                Assert.True(Math.Abs(llt[i, j] - a[i, j]) <= bound, $"n={n} (LLᵀ)[{i},{j}] = {llt[i, j]} vs {a[i, j]}");
    }

    [Theory]
    [InlineData(9)]
    [InlineData(65)]
    [InlineData(257)]
    public void Factor_RandomSpd_MatchesMathNetFactor(int n)
    {
        var a = Spd(n, $"chol/mathnet/{n}");
        var l = Cholesky.Factor(a).L!;
        var expected = ToMathNet(a).Cholesky().Factor;
        double scale = Math.Sqrt(MaxAbs(a.Data));
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
                Assert.True(Tolerance.RoundOff.Accepts(expected[i, j] / scale, l[i, j] / scale), $"L[{i},{j}]");
    }

    [Fact]
    public void Factor_NegativeDiagonal_ReportsThatPivot()
    {
        var a = new Matrix(4, 4);
        double[] diag = [1, 2, -3, 4];
        for (int i = 0; i < 4; i++) a[i, i] = diag[i];
        var r = Cholesky.Factor(a);
        Assert.False(r.Success);
        Assert.Equal(2, r.FailedPivot);
        Assert.Equal(-3.0, r.PivotValue);
        Assert.Null(r.L);
    }

    [Fact]
    public void Factor_SemidefiniteZeroPivot_FailsAtThatIndex()
    {
        var a = Matrix.Identity(3);
        a[1, 1] = 0;
        var r = Cholesky.Factor(a);
        Assert.False(r.Success);
        Assert.Equal(1, r.FailedPivot);
        Assert.Equal(0.0, r.PivotValue);
    }

    [Fact]
    public void Factor_FailureDeepInsideBlockedPart_ReportsPivotOfUnblockedReference()
    {
        // Positive definite leading 150×150 minor, indefinite beyond: the Schur complement at 150 goes negative.
        int n = 200, bad = 150;
        var a = Spd(n, "chol/deep");
        a[bad, bad] = 1.0;
        var r = Cholesky.Factor(a);
        Assert.False(r.Success);
        Assert.Equal(bad, r.FailedPivot);
        Assert.Null(r.L);

        // Textbook column Cholesky, stopping at the same pivot.
        var l = new double[n, n];
        double pivot = double.NaN;
        for (int j = 0; j <= bad; j++)
        {
            double d = a[j, j];
            for (int p = 0; p < j; p++) d -= l[j, p] * l[j, p];
            if (j == bad)
            {
                pivot = d;
                break;
            }
            l[j, j] = Math.Sqrt(d);
            for (int i = j + 1; i < n; i++)
            {
                double s = a[i, j];
                for (int p = 0; p < j; p++) s -= l[i, p] * l[j, p];
                l[i, j] = s / l[j, j];
            }
        }
        Assert.True(pivot < 0);
        Assert.True(Tolerance.Solver.Accepts(pivot, r.PivotValue), $"{pivot} vs {r.PivotValue}");
    }

    [Fact]
    public void Factor_UpperTriangleGarbage_IsIgnored()
    {
        var a = Spd(70, "chol/lower");
        var garbled = a.Clone();
        for (int i = 0; i < 70; i++)
            for (int j = i + 1; j < 70; j++) garbled[i, j] = double.NaN;
        Assert.Equal(Cholesky.Factor(a).L!.Data, Cholesky.Factor(garbled).L!.Data);
    }

    [Fact]
    public void Factor_NonFiniteOrNonSquare_ThrowsArgumentException()
    {
        var a = Spd(4, "chol/nan");
        a[2, 0] = double.NaN;
        var ex = Assert.Throws<ArgumentException>(() => Cholesky.Factor(a));
        Assert.Contains("(2, 0)", ex.Message);
        Assert.Throws<ArgumentException>(() => Cholesky.Factor(new Matrix(2, 3)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(65)]
    [InlineData(257)]
    public void Solves_RandomSpd_MatchMathNetAndResidual(int n)
    {
        var a = Spd(n, $"chol/solve/{n}");
        var l = Cholesky.Factor(a).L!;
        var b = Gaussian(n, "rhs");

        var y = (double[])b.Clone();
        Cholesky.SolveLower(l, y);
        var ly = NaiveProduct(l, new Matrix(n, 1, (double[])y.Clone()));
        for (int i = 0; i < n; i++) Assert.True(Tolerance.RoundOff.Accepts(b[i], ly[i, 0]));

        var z = (double[])b.Clone();
        Cholesky.SolveLowerTransposed(l, z);
        var ltz = NaiveProduct(l.Transpose(), new Matrix(n, 1, (double[])z.Clone()));
        for (int i = 0; i < n; i++) Assert.True(Tolerance.RoundOff.Accepts(b[i], ltz[i, 0]));

        var x = (double[])b.Clone();
        Cholesky.Solve(l, x);
        var expected = ToMathNet(a).Solve(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(b));
        for (int i = 0; i < n; i++) Assert.True(Tolerance.RoundOff.Accepts(expected[i], x[i]), $"x[{i}]");
    }

    [Fact]
    public void Solve_WrongLength_Throws()
    {
        var l = Matrix.Identity(3);
        Assert.Throws<ArgumentException>(() => Cholesky.SolveLower(l, new double[4]));
    }

    [Fact]
    public void Factor_ThreadCount_DoesNotChangeAnyBit()
    {
        // 480 is large enough that the panel solve and the trailing update both split across threads.
        var a = Spd(480, "chol/threads");
        // Scoped to this test's flow: tests running beside it keep their own thread count.
        Matrix one, two, again;
        using (Blas.WithMaxThreads(1))
        {
            Assert.Equal(1, Blas.MaxThreads);
            one = Cholesky.Factor(a).L!;
        }
        using (Blas.WithMaxThreads(2))
        {
            Assert.Equal(2, Blas.MaxThreads);
            two = Cholesky.Factor(a).L!;
            again = Cholesky.Factor(a).L!;
        }
        Assert.Equal(one.Data, two.Data);
        Assert.Equal(two.Data, again.Data);
    }
}

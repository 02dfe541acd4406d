using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Numerics;
using static Overparam.Verify.Engine.Tests.LinearAlgebra.LinearAlgebraTestData;

namespace Overparam.Verify.Engine.Tests.LinearAlgebra;

public class TridiagonalDivideConquerTests
{
    // Divide and conquer is backward stable: residual ‖T·z − λ·z‖ and loss of orthogonality of order n·ε·‖T‖
    // (LAPACK's dstedc tests accept a modest multiple of that); 4·n·ε is generous for the constant, far below a bug.
    private static double Bound(int n, double norm) => 4.0 * Math.Max(n, 1) * Tolerance.MachineEpsilon * norm;

    private static (double[] Values, double[] Z) Solve(double[] d, double[] e)
    {
        int n = d.Length;
        var dv = (double[])d.Clone();
        var ev = new double[n];
        e.AsSpan(0, Math.Max(0, n - 1)).CopyTo(ev);
        var z = new double[n * n];
        TridiagonalDivideConquer.Solve(dv, ev, n, z);
        return (dv, z);
    }

    /// <summary>Checks T·Z = Z·Λ, ZᵀZ = I, ascending order and agreement with QL's eigenvalues.</summary>
    private static void Check(double[] d, double[] e, string label)
    {
        int n = d.Length;
        var (values, z) = Solve(d, e);
        double norm = 0;
        for (int i = 0; i < n; i++)
            norm = Math.Max(norm, Math.Abs(d[i]) + (i > 0 ? Math.Abs(e[i - 1]) : 0) + (i < n - 1 ? Math.Abs(e[i]) : 0));
        double bound = Bound(n, Math.Max(norm, double.Epsilon));
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
            {
                double tz = d[i] * z[i * n + j];
                if (i > 0) tz += e[i - 1] * z[(i - 1) * n + j];
                if (i < n - 1) tz += e[i] * z[(i + 1) * n + j];
                Assert.True(Math.Abs(tz - values[j] * z[i * n + j]) <= bound, $"{label}: residual row {i} column {j}");
            }
        double ortho = Bound(n, 1);
        for (int a = 0; a < n; a++)
            for (int b = a; b < n; b++)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += z[i * n + a] * z[i * n + b];
                Assert.True(Math.Abs(s - (a == b ? 1 : 0)) <= ortho, $"{label}: ZᵀZ at ({a},{b}) = {s}");
            }
        var ql = (double[])d.Clone();
        var qe = new double[n];
        e.AsSpan(0, Math.Max(0, n - 1)).CopyTo(qe);
        SymmetricEigen.Ql(ql, qe, n);
        Array.Sort(ql);
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(values[i] - ql[i]) <= bound, $"{label}: λ[{i}] = {values[i]}, QL {ql[i]}");
            if (i > 0) Assert.True(values[i - 1] <= values[i], $"{label}: not ascending at {i}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(257)]
    public void Solve_RandomTridiagonal_IsAnOrthonormalEigenbasis(int n)
    {
        var d = Gaussian(n, $"dc/d/{n}");
        var e = Gaussian(n, $"dc/e/{n}");
        Check(d, e, $"random n={n}");
    }

    [Fact]
    public void Solve_OneTwoOneToeplitz_MatchesClosedForm()
    {
        int n = 300;
        var d = Enumerable.Repeat(2.0, n).ToArray();
        var e = Enumerable.Repeat(-1.0, n).ToArray();
        Check(d, e, "toeplitz");
        var (values, _) = Solve(d, e);
        for (int k = 0; k < n; k++)
        {
            double exact = 2 - 2 * Math.Cos((k + 1) * Math.PI / (n + 1));
            Assert.True(Math.Abs(values[k] - exact) <= Bound(n, 4), $"λ[{k}] = {values[k]}, exact {exact}");
        }
    }

    [Fact]
    public void Solve_WilkinsonMatrix_PairsOfCloseEigenvaluesStayOrthogonal()
    {
        // W⁺ of order 2m+1: its large eigenvalues come in pairs agreeing to many digits (Givens deflation).
        int m = 100, n = 2 * m + 1;
        var d = Enumerable.Range(0, n).Select(i => (double)Math.Abs(m - i)).ToArray();
        var e = Enumerable.Repeat(1.0, n).ToArray();
        Check(d, e, "wilkinson");
    }

    [Fact]
    public void Solve_GluedWilkinsonBlocks_ClustersStayOrthogonal()
    {
        // Ten copies of W⁺₂₁ glued by 1e-10: clusters of ten eigenvalues within ~1e-10 — the classic hard case.
        int b = 21, copies = 10, n = b * copies;
        var d = new double[n];
        var e = new double[n];
        for (int i = 0; i < n; i++)
        {
            d[i] = Math.Abs(10 - i % b);
            e[i] = (i + 1) % b == 0 ? 1e-10 : 1.0;
        }
        Check(d, e, "glued wilkinson");
    }

    [Fact]
    public void Solve_DecoupledIdenticalBlocks_RepeatedEigenvaluesExact()
    {
        // Zero couplings between identical blocks: every eigenvalue repeats exactly (ρ = 0 merges, full deflation).
        int b = 12, copies = 9, n = b * copies;
        var blockD = Gaussian(b, "dc/block/d");
        var blockE = Gaussian(b, "dc/block/e");
        var d = new double[n];
        var e = new double[n];
        for (int i = 0; i < n; i++)
        {
            d[i] = blockD[i % b];
            e[i] = (i + 1) % b == 0 ? 0 : blockE[i % b];
        }
        Check(d, e, "identical blocks");
    }

    [Fact]
    public void Solve_ConstantDiagonalTinyCouplings_FullyDeflates()
    {
        int n = 150;
        var d = Enumerable.Repeat(3.0, n).ToArray();
        var e = Gaussian(n, "dc/tiny").Select(x => 1e-17 * x).ToArray();
        Check(d, e, "tiny couplings");
        var (values, _) = Solve(d, e);
        foreach (double v in values) Assert.True(Math.Abs(v - 3) <= Bound(n, 3));
    }

    [Fact]
    public void Solve_ZeroMatrix_GivesIdentity()
    {
        int n = 70;
        var (values, z) = Solve(new double[n], new double[n]);
        Assert.All(values, v => Assert.Equal(0.0, v));
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) Assert.Equal(i == j ? 1.0 : 0.0, z[i * n + j]);
    }

    [Fact]
    public void Solve_GradedAndMixedScales_StaysAccurate()
    {
        // Diagonal spanning 12 orders of magnitude with couplings of mixed size: deflation by tiny weights
        // and by close poles happen in the same merges.
        int n = 200;
        var g = Gaussian(2 * n, "dc/graded");
        var d = Enumerable.Range(0, n).Select(i => Math.Pow(10, -12.0 * i / n) * (1 + 0.1 * g[i])).ToArray();
        var e = Enumerable.Range(0, n).Select(i => i % 7 == 0 ? 1e-14 * g[n + i] : 1e-3 * g[n + i]).ToArray();
        Check(d, e, "graded");
    }

    [Fact]
    public void Decompose_ThreadCount_DoesNotChangeAnyBit()
    {
        var a = Symmetric(260, "dc/threads");
        // Scoped to this test's flow: tests running beside it keep their own thread count.
        EigenDecomposition one, two;
        using (Blas.WithMaxThreads(1))
        {
            Assert.Equal(1, Blas.MaxThreads);
            one = SymmetricEigen.Decompose(a);
        }
        using (Blas.WithMaxThreads(2)) two = SymmetricEigen.Decompose(a);
        Assert.Equal(one.Values, two.Values);
        Assert.Equal(one.Vectors.Data, two.Vectors.Data);
    }
}

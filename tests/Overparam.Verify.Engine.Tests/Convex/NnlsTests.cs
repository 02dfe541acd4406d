using MathNet.Numerics.LinearAlgebra;
using Overparam.Verify.Engine.Convex;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;
using EngineMatrix = Overparam.Verify.Engine.LinearAlgebra.Matrix;

namespace Overparam.Verify.Engine.Tests.Convex;

public class NnlsTests
{
    private static double Objective(EngineMatrix a, double[] x, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Rows; i++)
        {
            double r = b[i];
            for (int j = 0; j < a.Cols; j++) r -= a[i, j] * x[j];
            s += r * r;
        }
        return s;
    }

    /// <summary>Brute force over every active set S: unconstrained least squares on S (MathNet QR); best feasible one.</summary>
    private static (double Value, double[] X) BruteForce(EngineMatrix a, double[] b)
    {
        int n = a.Cols;
        double best = Objective(a, new double[n], b);
        var bestX = new double[n];
        for (int mask = 1; mask < 1 << n; mask++)
        {
            var idx = Enumerable.Range(0, n).Where(j => (mask >> j & 1) == 1).ToArray();
            var sub = Matrix<double>.Build.Dense(a.Rows, idx.Length, (i, c) => a[i, idx[c]]);
            if (sub.Rank() < idx.Length) continue;
            var s = sub.QR().Solve(Vector<double>.Build.DenseOfArray(b));
            if (s.Any(v => v < 0)) continue;
            var x = new double[n];
            for (int c = 0; c < idx.Length; c++) x[idx[c]] = s[c];
            double v = Objective(a, x, b);
            if (v < best)
            {
                best = v;
                bestX = x;
            }
        }
        return (best, bestX);
    }

    [Theory]
    [InlineData(6, 4, 1)]
    [InlineData(3, 6, 2)]   // more columns than rows: the optimum is on a face of rank ≤ 3
    [InlineData(10, 8, 3)]
    [InlineData(5, 5, 4)]
    [InlineData(1, 3, 5)]
    public void Solve_RandomProblems_MatchesBruteForceOverActiveSets(int m, int n, int seed)
    {
        var a = DataGenerators.GaussianInputs(m, n, (ulong)seed);
        var b = new double[m];
        RandomStreams.For((ulong)seed, "test/b").FillGaussian(b);
        var result = Nnls.Solve(a, b);
        var (value, x) = BruteForce(a, b);
        Assert.True(result.Converged);
        Assert.All(result.Solution, v => Assert.True(v >= 0));
        Assert.True(Tolerance.Solver.Accepts(value, result.ResidualNorm * result.ResidualNorm), $"NNLS ‖r‖² {result.ResidualNorm * result.ResidualNorm} vs brute force {value}");
        if (m >= n)   // full column rank: the minimiser is unique
            for (int j = 0; j < n; j++) Assert.True(Tolerance.Solver.Accepts(x[j], result.Solution[j]), $"x[{j}] {result.Solution[j]} vs {x[j]}");
        double scale = a.Data.Max(Math.Abs) * Math.Sqrt(b.Sum(v => v * v)) * Math.Max(m, n);
        Assert.True(result.KktViolation <= 1e-12 * scale, $"KKT violation {result.KktViolation}");
        Assert.True(result.Complementarity <= 1e-12 * scale * (1 + result.Solution.Sum()), $"complementarity {result.Complementarity}");
    }

    [Fact]
    public void Solve_InteriorSolution_EqualsMathNetLeastSquares()
    {
        var a = DataGenerators.GaussianInputs(12, 5, 8);
        double[] xTrue = [0.5, 1.5, 2.0, 0.1, 3.0];
        var b = new double[12];
        for (int i = 0; i < 12; i++) for (int j = 0; j < 5; j++) b[i] += a[i, j] * xTrue[j];
        b[0] += 0.01;   // not exactly consistent
        var ls = Matrix<double>.Build.Dense(12, 5, (i, j) => a[i, j]).QR().Solve(Vector<double>.Build.DenseOfArray(b));
        Assert.True(ls.All(v => v > 0), "the test needs an interior least-squares solution");
        var result = Nnls.Solve(a, b);
        for (int j = 0; j < 5; j++) Assert.True(Tolerance.Solver.Accepts(ls[j], result.Solution[j]), $"x[{j}] {result.Solution[j]} vs {ls[j]}");
    }

    [Fact]
    public void Solve_DegenerateColumns_TerminatesWithOptimalValue()
    {
        // Duplicate, zero and negated columns: the sub-problems can be singular, the value must still be optimal.
        var a = EngineMatrix.FromRows([[1, 1, 0, -1], [2, 2, 0, -2], [0, 0, 0, 1]]);
        double[] b = [1, 1, -1];
        var result = Nnls.Solve(a, b);
        var (value, _) = BruteForce(a, b);
        Assert.True(Tolerance.Solver.Accepts(value, result.ResidualNorm * result.ResidualNorm));
        Assert.Equal(0, result.Solution[2]);
        var zero = Nnls.Solve(a, [0, 0, 0]);
        Assert.All(zero.Solution, v => Assert.Equal(0, v));
        Assert.Throws<InvalidInputException>(() => Nnls.Solve(a, [0, double.NaN, 0]));
        Assert.Throws<InvalidInputException>(() => Nnls.Solve(a, [0, 0]));
    }
}

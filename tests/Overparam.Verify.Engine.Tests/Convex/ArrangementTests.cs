using Overparam.Verify.Engine.Convex;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Tests.Convex;

public class ArrangementTests
{
    private static HashSet<string> Keys(HyperplaneArrangement a) =>
        a.Cells.Select(c => new string(c.Pattern.Select(p => p ? '1' : '0').ToArray())).ToHashSet();

    /// <summary>Brute force: the float patterns of many Gaussian directions (no certification, no dedupe logic shared).</summary>
    private static HashSet<string> Dense(Matrix x, int samples, ulong seed)
    {
        var rng = RandomStreams.For(seed, "test/dense-u");
        var u = new double[x.Cols];
        var set = new HashSet<string>();
        var chars = new char[x.Rows];
        for (int s = 0; s < samples; s++)
        {
            rng.FillGaussian(u);
            for (int i = 0; i < x.Rows; i++)
            {
                double t = 0;
                for (int k = 0; k < x.Cols; k++) t += x[i, k] * u[k];
                chars[i] = t >= 0 ? '1' : '0';
            }
            set.Add(new string(chars));
        }
        return set;
    }

    private static void AssertWitnessesCertified(Matrix x, HyperplaneArrangement a)
    {
        foreach (var cell in a.Cells)
        {
            Assert.True(HyperplaneArrangements.TryCertifiedPattern(x, cell.Witness, out var p), "witness on a wall");
            Assert.Equal(cell.Pattern, p);
            Assert.Equal(cell.Pattern, HyperplaneArrangements.PatternOf(x, cell.Witness));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(50)]
    public void CountBound_SmallCases_MatchCoverFormula(int n)
    {
        Assert.Equal(2.0 * n, HyperplaneArrangements.CountBound(n, 2));
        Assert.Equal(2.0, HyperplaneArrangements.CountBound(n, 1));
        Assert.Equal(1.0, HyperplaneArrangements.CountBound(n, 0));
        // r ≥ N: every sign pattern, 2^N.
        Assert.Equal(Math.Pow(2, Math.Min(n, 5)), HyperplaneArrangements.CountBound(Math.Min(n, 5), 5));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(13)]
    [InlineData(40)]
    public void AngleSweep_GeneralPosition_FindsExactly2NCellsAgreeingWithRaysAndSampling(int n)
    {
        var x = DataGenerators.GaussianInputs(n, 2, (ulong)n);
        var sweep = HyperplaneArrangements.AngleSweep(x);
        Assert.True(sweep.Exhaustive);
        Assert.Equal(2 * n, sweep.Count);
        Assert.Equal(sweep.CountBound, sweep.Count);
        AssertWitnessesCertified(x, sweep);
        var rays = HyperplaneArrangements.RayEnumeration(x);
        Assert.True(rays.Exhaustive);
        Assert.Equal(Keys(sweep), Keys(rays));
        Assert.Subset(Keys(sweep), Dense(x, 20_000, 1));
    }

    public static TheoryData<string, double[][]> Degenerate2D => new()
    {
        { "duplicate and scaled rows", [[1, 2], [1, 2], [2, 4], [-1, 0.5], [0.3, -3]] },
        { "antiparallel pair", [[1, 1], [-1, -1], [0, 1], [2, -1]] },
        { "zero row", [[0, 0], [1, 0], [0, 1]] },
        { "collinear (rank 1)", [[1, 2], [-2, -4], [0.5, 1]] },
        { "all zero", [[0, 0], [0, 0]] },
        { "orthogonal axes", [[1, 0], [0, 1], [-1, 0], [0, -1]] },
    };

    [Theory]
    [MemberData(nameof(Degenerate2D))]
    public void AngleSweep_DegenerateData_MatchesRaysAndDenseSamplingWithinBound(string name, double[][] rows)
    {
        var x = Matrix.FromRows(rows);
        var sweep = HyperplaneArrangements.AngleSweep(x);
        var rays = HyperplaneArrangements.RayEnumeration(x);
        Assert.True(sweep.Exhaustive, name);
        Assert.True(rays.Exhaustive, name);
        Assert.Equal(Keys(sweep), Keys(rays));
        // Degenerate cells are wide: dense sampling finds them all, and nothing else.
        Assert.Equal(Keys(sweep), Dense(x, 20_000, 2));
        Assert.True(sweep.Count <= sweep.CountBound, $"{name}: {sweep.Count} cells > bound {sweep.CountBound}");
        AssertWitnessesCertified(x, sweep);
        // Zero rows are active in every pattern (the ≥ 0 convention).
        for (int i = 0; i < rows.Length; i++)
            if (rows[i].All(v => v == 0)) Assert.All(sweep.Cells, c => Assert.True(c.Pattern[i]));
    }

    [Theory]
    [InlineData(12, 3)]
    [InlineData(20, 3)]
    [InlineData(14, 4)]
    public void RayEnumeration_GeneralPosition_CountEqualsCoverBoundAndContainsSampled(int n, int d)
    {
        var x = DataGenerators.GaussianInputs(n, d, 9);
        var a = HyperplaneArrangements.Enumerate(x);
        Assert.Equal(ArrangementMethod.RayEnumeration, a.Method);
        Assert.True(a.Exhaustive);
        Assert.Equal(d, a.Rank);
        Assert.Equal(a.CountBound, a.Count);
        AssertWitnessesCertified(x, a);
        var sampled = HyperplaneArrangements.Sample(x, 4, batchSize: 2000, maxBatches: 5);
        Assert.Subset(Keys(a), Keys(sampled));
        Assert.False(sampled.Exhaustive);
    }

    [Fact]
    public void RayEnumeration_RankDeficientIn3D_UsesRankForTheBoundAndMatchesDenseSampling()
    {
        // Rows in a 2-D subspace of ℝ³ (plus a duplicated row): the arrangement is the planar one, 2·(distinct lines) cells.
        var z = DataGenerators.GaussianInputs(7, 2, 5);
        var rows = Enumerable.Range(0, 7).Select(i => new[] { z[i, 0], z[i, 1], z[i, 0] - 2 * z[i, 1] }).ToList();
        rows.Add((double[])rows[0].Clone());
        var x = Matrix.FromRows(rows);
        var a = HyperplaneArrangements.Enumerate(x);
        Assert.Equal(2, a.Rank);
        Assert.True(a.Exhaustive);
        Assert.Equal(14, a.Count);
        Assert.Equal(Keys(a), Dense(x, 50_000, 3));
    }

    [Fact]
    public void RayEnumeration_ThreePlanesThroughOneLine_MatchesDenseSampling()
    {
        // x₁, x₂, x₃ all orthogonal to e₃ (their hyperplanes share the e₃ axis) and a fourth generic row: non-generic ties.
        var x = Matrix.FromRows([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0.3, -0.2, 1]]);
        var a = HyperplaneArrangements.Enumerate(x);
        Assert.True(a.Exhaustive);
        Assert.Equal(Keys(a), Dense(x, 100_000, 4));
        Assert.True(a.Count < a.CountBound);
    }

    [Fact]
    public void Sample_ReportsCoverageAndStopsWhenABatchAddsNothing()
    {
        var x = DataGenerators.GaussianInputs(6, 2, 3);
        var s = HyperplaneArrangements.Sample(x, 1, batchSize: 1000, maxBatches: 50);
        Assert.Equal(ArrangementMethod.Sampled, s.Method);
        Assert.NotNull(s.Coverage);
        Assert.Equal(0, s.Coverage!.NewInLastBatch);
        Assert.True(s.Coverage.Batches < 50);
        Assert.Equal(12, s.Count);
        Assert.Equal(s.Coverage.Batches * 1000L, s.Coverage.Samples);
        Assert.Equal(Keys(s), Keys(HyperplaneArrangements.Sample(x, 1, batchSize: 1000, maxBatches: 50)));
    }

    [Fact]
    public void Enumerate_TooLargeOrBadInput_ThrowsOneLine()
    {
        var big = DataGenerators.GaussianInputs(40, 8, 1);
        var e = Assert.Throws<InvalidInputException>(() => HyperplaneArrangements.Enumerate(big));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("sample", e.Message, StringComparison.Ordinal);
        var nan = DataGenerators.GaussianInputs(3, 2, 1);
        nan[1, 1] = double.NaN;
        Assert.Throws<InvalidInputException>(() => HyperplaneArrangements.Enumerate(nan));
        Assert.Throws<InvalidInputException>(() => HyperplaneArrangements.AngleSweep(DataGenerators.GaussianInputs(3, 3, 1)));
    }
}

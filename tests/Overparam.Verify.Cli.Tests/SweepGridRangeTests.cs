using Overparam.Verify.Cli.Sweeps;
using Overparam.Verify.Engine;

namespace Overparam.Verify.Cli.Tests;

public class SweepGridRangeTests
{
    [Theory]
    [InlineData("40", new[] { 40 })]
    [InlineData("10,20,50", new[] { 10, 20, 50 })]
    [InlineData("50,10,20,10", new[] { 10, 20, 50 })]
    [InlineData("10:400", new[] { 10, 20, 40, 80, 160, 320 })]
    [InlineData("1:100", new[] { 1, 2, 4, 8, 16, 32, 64 })]
    [InlineData("2:10:4", new[] { 2, 6, 10 })]
    [InlineData("10:100*3", new[] { 10, 30, 90 })]
    [InlineData("10:80*1.4142", new[] { 10, 14, 20, 28, 40, 57, 80 })]
    [InlineData("2:8:2,12,16", new[] { 2, 4, 6, 8, 12, 16 })]
    [InlineData("5:5", new[] { 5 })]
    public void Parse_ValidSyntax_GivesIncreasingValues(string text, int[] expected)
    {
        Assert.Equal(expected, GridRange.Parse(text, "--n"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("10:5")]
    [InlineData("a:b")]
    [InlineData("1:10:0")]
    [InlineData("1:10*1")]
    [InlineData("1:10*x")]
    [InlineData("1:2:3:4")]
    [InlineData("10,,20")]
    [InlineData("1:100000:1")]
    public void Parse_Malformed_ThrowsNamingTheOption(string text)
    {
        var e = Assert.Throws<InvalidInputException>(() => GridRange.Parse(text, "--k"));
        Assert.StartsWith("--k", e.Message);
    }

    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("3/8", 3, 8)]
    public void ShardParse_Valid_IsOneBased(string text, int i, int n)
    {
        Assert.Equal(new Shard(i, n), Shard.Parse(text));
    }

    [Theory]
    [InlineData("0/4")]
    [InlineData("5/4")]
    [InlineData("1")]
    [InlineData("a/b")]
    public void ShardParse_Invalid_Throws(string text)
    {
        Assert.Throws<InvalidInputException>(() => Shard.Parse(text));
    }

    [Fact]
    public void Shards_PartitionTheGrid()
    {
        IReadOnlyList<string> ns = ["10", "20", "40"], ks = ["2", "4", "6", "8", "12"];
        var grid = new SweepGrid([KeyValuePair.Create("n", ns), KeyValuePair.Create("k", ks)], 3);
        var all = grid.Cells();
        Assert.Equal(15, all.Count);
        Assert.Equal("{\"n\":10,\"k\":2}", all[0].Json);
        Assert.Equal("{\"n\":10,\"k\":4}", all[1].Json);   // first axis outermost
        var union = Enumerable.Range(1, 4).SelectMany(i => Sweep.ShardCells(grid, new Shard(i, 4))).ToList();
        Assert.Equal(all.Count, union.Count);
        Assert.Equal(all.Select(c => c.Json).Order(), union.Select(c => c.Json).Order());
    }

    [Fact]
    public void ShardOverlaps_AgreesWithEnumeratingTheCells()
    {
        // Oracle: two shardings overlap when some cell index (up to N·M covers every residue pair) is owned by both.
        for (int n = 1; n <= 6; n++)
            for (int m = 1; m <= 6; m++)
                for (int i = 1; i <= n; i++)
                    for (int j = 1; j <= m; j++)
                    {
                        Shard a = new(i, n), b = new(j, m);
                        bool shared = Enumerable.Range(0, n * m).Any(c => a.Owns(c) && b.Owns(c));
                        Assert.True(shared == a.Overlaps(b), $"{a} and {b}: enumeration says {shared}");
                    }
    }

    [Theory]
    [InlineData("3/8", true)]
    [InlineData("0/8", false)]
    [InlineData("x", false)]
    public void ShardTryParse_NullInsteadOfThrowing(string text, bool valid) => Assert.Equal(valid, Shard.TryParse(text) is not null);
}

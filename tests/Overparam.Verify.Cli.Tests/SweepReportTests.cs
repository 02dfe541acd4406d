using Overparam.Verify.Cli.Sweeps;
using Overparam.Verify.Engine.Statistics;

namespace Overparam.Verify.Cli.Tests;

public class SweepReportTests
{
    private static string MarkdownFor(double c0, double low, double high, bool bounded)
    {
        var fit = new LogisticFit(0.1, 2.0, 0.01, 0.0, 0.04, -3.0, 5, true, true, false);
        var boundary = new BoundaryEstimate(c0, low, high, 0.2, bounded, fit);
        // Two cells with trials spanning n/(kd) from 0.1 to 10, so every tested c₀ lies inside the grid.
        var spec = SweepTrialTests.Spec();
        CellSummary Cell(int n, int k) => new(SweepTrialTests.C(n, k), 3, 1, 0.1, 0.9, n / (5.0 * k), 5.0 * k, n, []);
        var data = new SweepReportData(spec, [Cell(5, 10), Cell(50, 1)], boundary, null, "grid", "store.db", 1.0);
        return SweepReport.Markdown(data);
    }

    [Fact]
    public void Markdown_IntervalContainsOne_ClaimsNeitherSide()
    {
        var md = MarkdownFor(0.9, 0.5, 2.0, bounded: true);
        Assert.DoesNotContain("needs more parameters", md);
        Assert.DoesNotContain("fewer parameters than samples", md);
        Assert.Contains("do not decide", md);
        Assert.Contains("sampled estimate", md);
    }

    [Fact]
    public void Markdown_UnboundedInterval_ClaimsNeitherSide()
    {
        var md = MarkdownFor(0.5, 0.0, double.PositiveInfinity, bounded: false);
        Assert.DoesNotContain("needs more parameters", md);
        Assert.Contains("do not decide", md);
    }

    [Fact]
    public void Markdown_IntervalBelowOrAboveOne_ClaimsThatSide()
    {
        Assert.Contains("needs more parameters", MarkdownFor(0.5, 0.3, 0.8, bounded: true));
        Assert.Contains("fewer parameters than samples", MarkdownFor(2.0, 1.5, 3.0, bounded: true));
    }

    [Fact]
    public void Markdown_BoundaryOutsideTheGrid_SaysSoInsteadOfANumber()
    {
        var md = MarkdownFor(1e6, 1e5, 1e7, bounded: true);
        Assert.Contains("No boundary inside the grid", md);
        Assert.DoesNotContain("with c₀ =", md);
        var inf = MarkdownFor(double.PositiveInfinity, 0, double.PositiveInfinity, bounded: false);
        Assert.DoesNotContain("Infinity", inf);
        Assert.DoesNotContain("∞", inf);
    }
}

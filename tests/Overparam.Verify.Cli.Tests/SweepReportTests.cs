using Overparam.Verify.Cli.Sweeps;
using Overparam.Verify.Engine.Statistics;

namespace Overparam.Verify.Cli.Tests;

public class SweepReportTests
{
    private static string MarkdownFor(double c0, double low, double high, bool bounded)
    {
        var fit = new LogisticFit(0.1, 2.0, 0.01, 0.0, 0.04, -3.0, 5, true, true, false);
        var boundary = new BoundaryEstimate(c0, low, high, 0.2, bounded, fit);
        var data = new SweepReportData("key", "{}", 1, [], boundary, null, "kd/n", "grid", "store.db", 1.0);
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
}

using System.Diagnostics;
using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Tests;

/// <summary>`certify resnet-rff` (P1) end to end: the default instance, bad input, and given data.</summary>
public class CertifyResNetRffTests
{
    [Fact]
    public void Default_IsConsistentWithEveryDecidingHypothesisCertified()
    {
        using var h = new CliHarness();
        var sw = Stopwatch.StartNew();
        var (code, stdout, stderr) = h.Run("certify", "resnet-rff", "--out", h.PathOf("o"));
        sw.Stop();
        Assert.True(code == 0, stdout + stderr);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("o/certificate.json")));
        Assert.Equal(VerdictKind.Consistent, c.Verdict.Kind);
        Assert.Equal(["P1.C1", "P1.C2", "P1.C3", "P1.C4", "P1.C6"], c.Verdict.Established);
        var c4 = c.Conditions.Single(r => r.Id == "P1.C4");
        Assert.Equal(NumberStatusKind.Certified, c4.Status);
        Assert.True(c4.Value > c4.Threshold);
        // Along-run rows are measurements: they never carry the verdict.
        Assert.All(c.Conditions.Where(r => r.Statement.StartsWith("along the run", StringComparison.Ordinal)),
            r => Assert.Equal(CheckRole.Measurement, r.Role));
        // Every bound rests on an estimate: none can refute.
        Assert.All(c.Predictions.Where(p => p.Role == CheckRole.Bound), p => Assert.Equal(NumberStatusKind.Estimated, p.Status));
        Assert.Contains(c.Trace.Columns, col => col.Name == "time");
        Assert.Contains(c.Quantities, g => g.Name == "lambda_G along s" && g.Values.Count == 17);
        // The speed goal is 10 s on the reference machine; CI machines vary, so only a gross regression fails.
        Assert.True(sw.Elapsed.TotalSeconds < 60, $"{sw.Elapsed.TotalSeconds:F1} s");
    }

    [Theory]
    [InlineData("--readout-scale", "0", "full row rank")]
    [InlineData("--bandwidth", "0", "--bandwidth must be positive")]
    [InlineData("--bandwidth", "-0.5", "--bandwidth must be positive")]
    [InlineData("--depth", "0", "--depth must be at least 1")]
    [InlineData("--feature-count", "2000000000", "too large")]
    [InlineData("--feature-count", "0", "--feature-count must be at least 1")]
    [InlineData("--nu", "1.2", "half-integer")]
    public void BadInput_OneLineExit2(string option, string value, string expected)
    {
        using var h = new CliHarness();
        string[] extra = option == "--nu" ? ["--features", "matern"] : [];
        var (code, stdout, stderr) = h.Run(["certify", "resnet-rff", .. extra, option, value, "--out", h.PathOf("o")]);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(File.Exists(h.PathOf("o/certificate.json")), stdout);
    }

    [Fact]
    public void GivenCsv_IsCertified_AndNamedInTheCertificate()
    {
        using var h = new CliHarness();
        var rows = new List<string> { "x1,x2,x3,y" };
        var rng = new Random(3); // the test's own data; no theorem number depends on this generator
        for (int i = 0; i < 12; i++)
        {
            double a = rng.NextDouble() - 0.5, b = rng.NextDouble() - 0.5, c = rng.NextDouble() - 0.5;
            rows.Add(FormattableString.Invariant($"{a},{b},{c},{0.3 * a - 0.2 * b + 1.0 * c}"));
        }
        File.WriteAllLines(h.PathOf("d.csv"), rows);
        var (code, stdout, stderr) = h.Run("certify", "resnet-rff", "--data", h.PathOf("d.csv"), "--steps", "3", "--feature-count", "64", "--depth", "4", "--out", h.PathOf("o"));
        Assert.True(code is 0 or 1 or 3 or 4, stdout + stderr);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("o/certificate.json")));
        Assert.Equal("P1", c.Theorem.Id);
        Assert.Contains(c.Quantities.Single(g => g.Name == "instance").Values, q => q.Name == "N" && q.Value == 12);
        // Targets unrelated to B·x: the initial loss is far above the certified ball's capacity.
        Assert.Equal(VerdictKind.HypothesesNotMet, c.Verdict.Kind);
        Assert.Contains("P1.C4", c.Verdict.Reason);
    }
}

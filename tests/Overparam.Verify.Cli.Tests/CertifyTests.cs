using System.Text.Json;

namespace Overparam.Verify.Cli.Tests;

public class CertifyTests
{
    [Fact]
    public void CertifyLocalPl_Defaults_ConsistentExitZeroAndBothFiles()
    {
        using var h = new CliHarness();
        var dir = h.PathOf("out");
        var (code, stdout, stderr) = h.Run("certify", "local-pl", "--out", dir);
        Assert.True(code == 0, stderr);
        Assert.Contains("verdict: consistent", stdout);
        // The sampled curvature is printed with its status.
        Assert.Matches(@"β̂ = \S+ \(estimated\)", stdout);
        Assert.True(File.Exists(Path.Combine(dir, "certificate.json")));
        Assert.True(File.Exists(Path.Combine(dir, "report.md")));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "certificate.json")));
        var root = doc.RootElement;
        Assert.Equal("overparam.certificate/2", root.GetProperty("schema").GetString());
        Assert.Equal("P2", root.GetProperty("theorem").GetProperty("id").GetString());
        Assert.Equal("consistent", root.GetProperty("verdict").GetProperty("kind").GetString());
        Assert.Matches("^[0-9a-f]{64}$", root.GetProperty("contentHash").GetString());
        foreach (var c in root.GetProperty("conditions").EnumerateArray())
            foreach (var key in new[] { "id", "statement", "value", "threshold", "status", "holds", "margin" })
                Assert.True(c.TryGetProperty(key, out _), $"condition lacks {key}");
        foreach (var p in root.GetProperty("predictions").EnumerateArray())
            foreach (var key in new[] { "id", "statement", "bound", "observed", "holds", "slack", "status" })
                Assert.True(p.TryGetProperty(key, out _), $"prediction lacks {key}");
        var report = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains("overparam certify local-pl", report);
        Assert.Contains("P2.C3", report);
    }

    [Fact]
    public void CertifyLocalPl_SameSeedTwice_ByteIdenticalCertificates()
    {
        using var h = new CliHarness();
        var (c1, _, e1) = h.Run("certify", "local-pl", "--n", "4", "--d", "6", "--widths", "6,6", "--seed", "3", "--out", h.PathOf("a"));
        var (c2, _, e2) = h.Run("certify", "local-pl", "--n", "4", "--d", "6", "--widths", "6,6", "--seed", "3", "--out", h.PathOf("b"));
        Assert.True(c1 == 0, e1);
        Assert.True(c2 == 0, e2);
        // Identical apart from the invocation (the --out paths differ, and the clock).
        Assert.Equal(CliHarness.WithoutInvocation(Path.Combine(h.PathOf("a"), "certificate.json")),
            CliHarness.WithoutInvocation(Path.Combine(h.PathOf("b"), "certificate.json")));
    }

    [Fact]
    public void CertifyLocalPl_Flow_WritesCertifiedFlowRate()
    {
        using var h = new CliHarness();
        var dir = h.PathOf("flow");
        var (code, stdout, stderr) = h.Run("certify", "local-pl", "--n", "4", "--d", "8", "--widths", "8", "--optimizer", "flow", "--no-compare", "--out", dir);
        Assert.True(code == 0, stderr);
        Assert.Contains("P2.R1", stdout);
        Assert.Contains("verdict: consistent", stdout);
    }

    [Theory]
    [InlineData("unknown activation", "--activation", "swish")]
    [InlineData("--widths", "--widths", "16,x")]
    [InlineData("optimizer", "--optimizer", "adam")]
    public void CertifyLocalPl_BadInput_ExitTwoOneLineNoFiles(string expected, params string[] extra)
    {
        using var h = new CliHarness();
        var dir = h.PathOf("out");
        var (code, _, stderr) = h.Run(["certify", "local-pl", .. extra, "--out", dir]);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(dir), "nothing may be written on bad input");
    }

    [Fact]
    public void CertifyLocalPl_NaNInData_ExitTwoNoFiles()
    {
        using var h = new CliHarness();
        var data = h.Write("d.csv", "x1,x2,x3,y\n1,0,0,1\n0,NaN,0,2\n");
        var dir = h.PathOf("out");
        var (code, _, stderr) = h.Run("certify", "local-pl", "--data", data, "--out", dir);
        Assert.Equal(2, code);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void CertifyLocalPl_DependentInputsFromFile_HypothesesNotMetExitThree()
    {
        using var h = new CliHarness();
        // Row 3 = row 1 + row 2: linearly dependent, so P2.C1 fails and nothing is promised.
        var data = h.Write("d.csv", "x1,x2,x3,x4,y\n1,0,2,0,1\n0,1,0,3,-1\n1,1,2,3,0.5\n");
        var dir = h.PathOf("out");
        var (code, stdout, stderr) = h.Run("certify", "local-pl", "--data", data, "--widths", "4", "--steps", "50", "--no-compare", "--out", dir);
        Assert.Equal(CliApp.ExitHypothesesNotMet, code);
        Assert.Contains("verdict: hypotheses-not-met", stdout);
    }
}

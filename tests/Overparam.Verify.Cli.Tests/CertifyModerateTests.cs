using System.Text.Json;

namespace Overparam.Verify.Cli.Tests;

public class CertifyModerateTests
{
    [Fact]
    public void CertifyModerate_Defaults_InconclusiveOnTheBallExitFourAndBothFiles()
    {
        // The defaults are far below the width where the meta-theorem's ball hypothesis can be certified
        // (σ_min(J(W₀))² ≈ 0.016 against 16·L·‖r₀‖ ≈ 2.6), so the honest verdict is inconclusive, naming P4.C4.
        using var h = new CliHarness();
        var dir = h.PathOf("out");
        var (code, stdout, stderr) = h.Run("certify", "moderate", "--out", dir);
        Assert.True(code == CliApp.ExitInconclusive, stderr);
        Assert.Contains("verdict: inconclusive (P4.C4: not established", stdout);
        Assert.True(File.Exists(Path.Combine(dir, "certificate.json")));
        Assert.True(File.Exists(Path.Combine(dir, "report.md")));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "certificate.json")));
        var root = doc.RootElement;
        Assert.Equal("overparam.certificate/2", root.GetProperty("schema").GetString());
        Assert.Equal("P4", root.GetProperty("theorem").GetProperty("id").GetString());
        Assert.Equal("inconclusive", root.GetProperty("verdict").GetProperty("kind").GetString());
        Assert.Matches("^[0-9a-f]{64}$", root.GetProperty("contentHash").GetString());
        foreach (var c in root.GetProperty("conditions").EnumerateArray())
            foreach (var key in new[] { "id", "statement", "role", "value", "threshold", "status", "holds", "margin" })
                Assert.True(c.TryGetProperty(key, out _), $"condition lacks {key}");
        foreach (var p in root.GetProperty("predictions").EnumerateArray())
            foreach (var key in new[] { "id", "statement", "role", "bound", "observed", "holds", "slack", "status" })
                Assert.True(p.TryGetProperty(key, out _), $"prediction lacks {key}");
        Assert.True(root.GetProperty("quantities").GetArrayLength() > 0);
        // No condition may hold on an estimate; softplus's Σ(X) is a quadrature, so P4.C2 is an estimated premise.
        foreach (var c in root.GetProperty("conditions").EnumerateArray())
            Assert.False(c.GetProperty("holds").GetBoolean() && c.GetProperty("status").GetString() == "estimated",
                $"{c.GetProperty("id").GetString()} holds on an estimated number");
        // A holding condition's margin is non-negative whatever its direction (P4.C6 is "≤"); otherwise there is none.
        foreach (var c in root.GetProperty("conditions").EnumerateArray())
        {
            var margin = c.GetProperty("margin");
            if (c.GetProperty("holds").GetBoolean())
                Assert.True(margin.ValueKind == JsonValueKind.Number && margin.GetDouble() >= 0, $"{c.GetProperty("id").GetString()}: margin {margin}");
            else
                Assert.Equal(JsonValueKind.Null, margin.ValueKind);
        }
        var c2 = root.GetProperty("conditions").EnumerateArray().First(c => c.GetProperty("id").GetString() == "P4.C2");
        Assert.Equal("estimated", c2.GetProperty("status").GetString());
        Assert.Equal("premise", c2.GetProperty("role").GetString());
        // Every quantity in the summary line carries its status.
        Assert.Matches(@"lambda\(X\) = \S+ \(estimated\)", stdout);
        Assert.Matches(@"beta = \S+ \(certified\)", stdout);
        Assert.Matches(@"β̂_H = \S+ \(estimated\)", stdout);
        var report = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains("overparam certify moderate", report);
        Assert.Contains("P4.C4", report);
        Assert.Contains("loss against the predicted envelope", report);
        Assert.Contains("overparam verify certificate.json", report);
    }

    [Fact]
    public void CertifyModerate_SameSeedTwice_ByteIdenticalCertificates()
    {
        using var h = new CliHarness();
        string[] args = ["certify", "moderate", "--n", "6", "--d", "4", "--k", "32", "--steps", "300", "--seed", "5"];
        var (c1, _, e1) = h.Run([.. args, "--out", h.PathOf("a")]);
        var (c2, _, e2) = h.Run([.. args, "--out", h.PathOf("b")]);
        Assert.True(c1 == CliApp.ExitInconclusive, e1);
        Assert.True(c2 == c1, e2);
        // Identical apart from the invocation (the --out paths differ, and the clock).
        Assert.Equal(CliHarness.WithoutInvocation(Path.Combine(h.PathOf("a"), "certificate.json")),
            CliHarness.WithoutInvocation(Path.Combine(h.PathOf("b"), "certificate.json")));
    }

    [Fact]
    public void CertifyModerate_Sgd_ReportsTheExpectationBound()
    {
        using var h = new CliHarness();
        var dir = h.PathOf("sgd");
        var (code, stdout, stderr) = h.Run("certify", "moderate", "--n", "6", "--d", "4", "--k", "32", "--optimizer", "sgd", "--trials", "3", "--steps", "600", "--out", dir);
        Assert.True(code == CliApp.ExitInconclusive, stderr);
        Assert.Contains("P4.R3", stdout);
        Assert.DoesNotContain("verdict: refuted", stdout);
        Assert.Contains("--trials 3", File.ReadAllText(Path.Combine(dir, "report.md")));
    }

    [Theory]
    [InlineData("--k must be even", "--k", "7")]
    [InlineData("unknown activation", "--activation", "swish")]
    [InlineData("optimizer", "--optimizer", "adam")]
    [InlineData("--nu", "--nu", "0")]
    [InlineData("--trials", "--trials", "0")]
    [InlineData("--normalize needs --data", "--normalize")]
    public void CertifyModerate_BadInput_ExitTwoOneLineNoFiles(string expected, params string[] extra)
    {
        using var h = new CliHarness();
        var dir = h.PathOf("out");
        var (code, _, stderr) = h.Run(["certify", "moderate", .. extra, "--out", dir]);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(dir), "nothing may be written on bad input");
    }

    [Fact]
    public void CertifyModerate_RowsNotUnitNorm_FailP4C6UnlessNormalized()
    {
        using var h = new CliHarness();
        var data = h.Write("d.csv", "x1,x2,x3,y\n1,2,0,1\n0,1,3,-1\n2,0,1,1\n");
        var (code, stdout, stderr) = h.Run("certify", "moderate", "--data", data, "--k", "16", "--steps", "50", "--out", h.PathOf("raw"));
        Assert.True(code == CliApp.ExitHypothesesNotMet, stderr);
        Assert.Contains("verdict: hypotheses-not-met (P4.C6", stdout);
        var (code2, stdout2, stderr2) = h.Run("certify", "moderate", "--data", data, "--normalize", "--k", "16", "--steps", "50", "--out", h.PathOf("unit"));
        Assert.True(code2 == CliApp.ExitInconclusive, stderr2);
        Assert.DoesNotContain("(P4.C6", stdout2);
        Assert.Contains("P4.C6", stdout2.Split('\n').Single(l => l.StartsWith("verdict:", StringComparison.Ordinal)));
    }
}

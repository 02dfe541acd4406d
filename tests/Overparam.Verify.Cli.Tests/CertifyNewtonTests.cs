using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Tests;

/// <summary>`certify newton` (P3): the verdict on each side of its hypotheses, and bad input.</summary>
public class CertifyNewtonTests
{
    private static readonly string[] Small = ["certify", "newton", "--width", "200", "--steps", "3"];

    [Fact]
    public void Defaults_PositiveDefiniteAtEveryStep_ConsistentOnTheEstimatedEnvelope()
    {
        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run("certify", "newton", "--out", h.PathOf("c"));
        Assert.True(code == 0, stdout + stderr);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        var c2 = c.Conditions.First(r => r.Id == "P3.C2" && r.Role == CheckRole.Hypothesis);
        Assert.True(c2.Holds);
        Assert.Equal(NumberStatusKind.Exact, c2.Status);
        Assert.True(c2.Value > 0);
        Assert.Equal(["P3.C1", "P3.C2"], c.Verdict.Established);
        Assert.Equal(["P3.R2"], c.Verdict.Evaluated);
        Assert.Equal(NumberStatusKind.Estimated, c.Predictions.Single(p => p.Id == "P3.R2").Status);
        // The loss falls: Newton with λ_N = 0.1·N^(−0.04) removes most of the residual in eight steps.
        var loss = c.Trace.Column("loss")!.Values;
        Assert.True(loss[^1] < 0.1 * loss[0], $"loss {loss[0]} → {loss[^1]}");
        Assert.Contains("P3.R4", c.NotChecked.Select(n => n.Id));
        ConformanceTests.AssertVerdictMatchesRows(c);
    }

    [Fact]
    public void PapersGamma_AtWidth1000_RegularizedHessianIndefinite_HypothesesNotMet()
    {
        // γ = 1e-3 (the paper's Figure 1) at N = 1000: ‖S‖/λ_N ≈ 70 and λ_min(H + λ_N I) ≈ −0.05 < 0.
        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run("certify", "newton", "--gamma", "1e-3", "--out", h.PathOf("c"));
        Assert.True(code == CliApp.ExitHypothesesNotMet, stdout + stderr);
        Assert.Contains("verdict: hypotheses-not-met (P3.C2", stdout);
        Assert.Contains("indefinite", stdout);
    }

    [Fact]
    public void CgSolver_PositiveDefinitenessOnlyEstimated_Inconclusive()
    {
        using var h = new CliHarness();
        // N = 1000 so that H + λ_N I is in fact positive definite (at N = 200, γ = 0.1 it is not: λ_min ≈ −0.05).
        var (code, stdout, stderr) = h.Run("certify", "newton", "--steps", "3", "--solver", "cg", "--out", h.PathOf("c"));
        Assert.True(code == CliApp.ExitInconclusive, stdout + stderr);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        var c2 = c.Conditions.First(r => r.Id == "P3.C2" && r.Role == CheckRole.Hypothesis);
        Assert.Equal(NumberStatusKind.Estimated, c2.Status);
        Assert.False(c2.Holds);
        Assert.DoesNotContain("P3.C2", c.Verdict.Established);
    }

    [Theory]
    [InlineData("0.5000001", true)]
    [InlineData("0.9999999", true)]
    [InlineData("0.5", false)]
    [InlineData("1", false)]
    [InlineData("0.3", false)]
    public void Beta_WindowIsOpenOnBothSides(string beta, bool accepted)
    {
        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run([.. Small, "--beta", beta, "--out", h.PathOf("c")]);
        if (accepted)
            Assert.True(code is 0 or 3 or 4, stdout + stderr);
        else
        {
            Assert.Equal(CliApp.ExitInputError, code);
            Assert.Contains("outside the window (1/2, 1)", stderr);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.False(Directory.Exists(h.PathOf("c")));
        }
    }

    [Theory]
    [InlineData("--gamma must be positive", "--gamma", "0")]
    [InlineData("--gamma must be positive", "--gamma", "-1")]
    [InlineData("--gamma must be positive", "--gamma", "NaN")]
    [InlineData("--width must be at least 1", "--width", "0")]
    [InlineData("too large", "--width", "2000000")]
    [InlineData("--n must be at least 2", "--n", "1")]
    [InlineData("--steps must be at least 1", "--steps", "0")]
    public void BadInput_ExitTwoOneLineNothingWritten(string expected, params string[] extra)
    {
        using var h = new CliHarness();
        var (code, _, stderr) = h.Run(["certify", "newton", .. extra, "--out", h.PathOf("c")]);
        Assert.Equal(CliApp.ExitInputError, code);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(h.PathOf("c")));
    }
}

using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Tests;

/// <summary>Instances that once produced a false <c>refuted</c> or a vacuous <c>consistent</c> (issue: verdicts a referee can trust).</summary>
public class VerdictHonestyTests
{
    [Fact]
    public void Flow_IntegrationErrorAboveTheEnvelope_InconclusiveNeverRefuted()
    {
        // One sample, a large target and a tiny radius: the integrated loss ends about 0.2% above e^{−α_c t}f(w₀),
        // while P2.R6 shows the exact flow cannot cross it. That was a false `refuted` (exit 1).
        using var h = new CliHarness();
        var data = h.Write("one.csv", "x1,x2,x3,x4,x5,y\n0.3,-1.2,0.5,0.8,-0.1,40\n");
        var (code, stdout, stderr) = h.Run("certify", "local-pl", "--data", data, "--radius", "1e-5", "--optimizer", "flow", "--out", h.PathOf("c"));
        Assert.True(code == CliApp.ExitInconclusive, $"exit {code}: {stdout}{stderr}");
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        var r1 = c.Predictions.Single(p => p.Id == "P2.R1");
        Assert.False(r1.Holds);
        Assert.Equal(NumberStatusKind.Estimated, r1.Status);
        Assert.Equal(NumberStatusKind.Estimated, c.Predictions.Single(p => p.Id == "P2.R3").Status);
        Assert.True(c.Predictions.Single(p => p.Id == "P2.R6").Holds, "the certified PL bound holds at every visited point");
        Assert.Contains("without a global error bound", c.Verdict.Reason);
    }

    [Fact]
    public void Moderate_NoBoundEvaluated_NeverConsistent()
    {
        // A tiny output scale leaves no per-step factor to check: "every predicted bound observed" with none evaluated
        // was a vacuous `consistent`.
        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run("certify", "moderate", "--n", "6", "--d", "4", "--k", "16", "--nu", "1e-6", "--steps", "200", "--out", h.PathOf("c"));
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        // Both P4.R1 rows are skipped here (ηβ above 2 at every step); only the conditional P4.R2 remains, which the
        // theorem promises only under its unspecified constant: not enough for `consistent`.
        Assert.DoesNotContain(c.Predictions, p => p.Role == CheckRole.Bound);
        Assert.Equal(VerdictKind.Inconclusive, c.Verdict.Kind);
        Assert.Contains("only conditional bounds", c.Verdict.Reason);
        Assert.True(code is 0 or 3 or 4, stdout + stderr);
        ConformanceTests.AssertVerdictMatchesRows(c);
    }
}

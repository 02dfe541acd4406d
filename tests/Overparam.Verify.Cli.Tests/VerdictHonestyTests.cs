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
    public void LocalPl_ZeroInitialLoss_InconclusiveNotVacuous()
    {
        // All-zero targets: f(w₀) = 0, so every P2 bound holds trivially (0 ≤ 0). Once a "refuted" through 0/0, then an
        // input error; now a certificate that evaluates nothing and says why — never a vacuous `consistent`.
        using var h = new CliHarness();
        var data = h.Write("zeroy.csv", "x1,x2,x3,y\n1,0,0,0\n0,1,0,0\n0,0,1,0\n");
        var (code, stdout, stderr) = h.Run("certify", "local-pl", "--data", data, "--no-compare", "--steps", "10", "--out", h.PathOf("c"));
        Assert.True(code == CliApp.ExitInconclusive, $"exit {code}: {stdout}{stderr}");
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        Assert.Empty(c.Verdict.Evaluated);
        Assert.Contains("f(w₀) = 0: the initial network already fits the targets", c.Verdict.Reason);
        Assert.DoesNotContain(c.Predictions, p => p.Role is CheckRole.Bound or CheckRole.SelfCheck);
        ConformanceTests.AssertVerdictMatchesRows(c);
    }

    [Fact]
    public void Moderate_NearDuplicateInputs_QuadratureLambdaTinyButPositive_PremiseNotFailing()
    {
        // Two unit inputs 1e-4 apart: the quadrature λ(X)/λ_max is ~1e-9 for softplus — positive and resolvable, so
        // the premise is undecided (an estimate), never "numerically zero" (that threshold is 1e-12·λ_max; mutant T01).
        double t = 1e-4;
        string R(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        using var h = new CliHarness();
        var data = h.Write("dup.csv", $"x1,x2,x3,y\n1,0,0,1\n{R(Math.Cos(t))},{R(Math.Sin(t))},0,-1\n0,0,1,1\n");
        var (code, stdout, stderr) = h.Run("certify", "moderate", "--data", data, "--k", "16", "--steps", "20", "--out", h.PathOf("c"));
        Assert.True(code is 3 or 4, stdout + stderr);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        var c2 = c.Conditions.First(r => r.Id == "P4.C2" && r.Role == CheckRole.Premise);
        Assert.True(c2.Value > 0, $"λ(X) = {c2.Value}");
        Assert.NotEqual("fails", c2.Outcome);
    }

    [Theory]
    [InlineData("identity", "hypothesis")]
    [InlineData("softplus", "premise")]
    public void Moderate_TinyButPositiveLambda_NeverReportedAsFailing(string activation, string role)
    {
        // Three unit rows, the third 1e-4 out of the plane of the first two: λ(X)/λ_max ≈ 1e-9, far above round-off.
        // Once reported "numerically zero" (fails) at 1e-12·λ_max-type thresholds; a true-but-tiny λ(X) must hold where
        // its certified bound allows and otherwise be undecided, never fail.
        double s = 1 / Math.Sqrt(2 + 1e-8);
        string row3 = string.Join(",", new[] { s, s, 1e-4 * s }.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        using var h = new CliHarness();
        var data = h.Write("tiny.csv", $"x1,x2,x3,y\n1,0,0,1\n0,1,0,-1\n{row3},1\n");
        var (code, stdout, stderr) = h.Run("certify", "moderate", "--data", data, "--activation", activation, "--k", "16", "--steps", "20", "--out", h.PathOf("c"));
        Assert.True(code is 0 or 3 or 4, stdout + stderr);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        var c2 = c.Conditions.First(r => r.Id == "P4.C2" && ContractNames.Of(r.Role) == role);
        Assert.NotEqual("fails", c2.Outcome);
        if (activation == "identity") Assert.True(c2.Holds, $"identity's closed form certifies λ(X) ≈ {c2.Value} > its bound {c2.Threshold}");
    }

    [Fact]
    public void Moderate_SigmaMinBelowItsRoundingBound_P4C1Undecided()
    {
        // Two inputs 1e-7 apart: λ_min(JJᵀ) ≈ 5e-15·‖v‖², clearly positive in float64 (σ_min ≈ 7e-8) but below the
        // certified formation bound of the computed Gram (~1e-13 relative): P4.C1 must be undecided, not "holds" on
        // the float value (mutant B04) and not "fails" (the inputs are distinct).
        double t = 1e-7;
        string R(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        using var h = new CliHarness();
        var data = h.Write("near.csv", $"x1,x2,x3,y\n1,0,0,1\n{R(Math.Cos(t))},{R(Math.Sin(t))},0,-1\n0,0,1,1\n");
        var (code, stdout, stderr) = h.Run("certify", "moderate", "--data", data, "--activation", "identity", "--k", "16", "--steps", "20", "--out", h.PathOf("c"));
        Assert.True(code is 3 or 4, stdout + stderr);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        var c1 = c.Conditions.Single(r => r.Id == "P4.C1");
        Assert.Equal("inconclusive", c1.Outcome);
        var alpha = c.Quantities.Single(q => q.Name == "alpha").Values.Single(v => v.Name == "initial").Value;
        Assert.True(alpha > 0, $"the float σ_min(J(W₀)) = {alpha} is positive");
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
        // (The ball hypothesis is not established either, and is named first; the conditional-only rule itself is
        // tested in the theory layer's verdict tests.)
        Assert.DoesNotContain(c.Predictions, p => p.Role == CheckRole.Bound);
        Assert.Equal(VerdictKind.Inconclusive, c.Verdict.Kind);
        Assert.Equal(CliApp.ExitInconclusive, code);
        ConformanceTests.AssertVerdictMatchesRows(c);
    }

    [Fact]
    public void Moderate_BallHypothesisNotEstablished_InconclusiveWithTheRunsEvidence()
    {
        // k = 2: training stalls (loss ratio ≈ 0.08 after 6,000 steps) and σ_min(J) falls to ≈ 2.3e-4 < α ≈ 1.5e-3 inside
        // the ball. This was a vacuous `consistent`: the meta-theorem's ball hypothesis was never established.
        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run("certify", "moderate", "--k", "2", "--steps", "1500", "--out", h.PathOf("c"));
        Assert.True(code == CliApp.ExitInconclusive, $"exit {code}: {stdout}{stderr}");
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        var ball = c.Conditions.Single(r => r.Id == "P4.C4" && r.Role == CheckRole.Hypothesis && r.Statement.StartsWith("meta-theorem ball", StringComparison.Ordinal));
        Assert.Equal("inconclusive", ball.Outcome);
        Assert.Equal(NumberStatusKind.Certified, ball.Status);
        Assert.Contains("16·L·‖r₀‖", ball.Reason);
        Assert.Contains("inside B(W₀", ball.Reason);
        Assert.Contains("< α = σ_min(J(W₀))", ball.Reason);
        Assert.DoesNotContain("P4.C4", c.Verdict.Established);
        Assert.StartsWith("P4.C4: not established", c.Verdict.Reason);
        ConformanceTests.AssertVerdictMatchesRows(c);
    }

    [Fact]
    public void Moderate_BallHypothesisEstablished_ConsistentOnIdentityAndOnSmallNLargeK()
    {
        // Where the certified argument s₀² ≥ 16·L·‖r₀‖ goes through, the meta-theorem applies and the verdict can be
        // consistent: identity (J constant, L = 0) with d ≥ n, and n = 2 at k = 8000.
        using var h = new CliHarness();
        foreach (var (name, extra) in new[]
        {
            ("identity", new[] { "--activation", "identity", "--n", "6", "--d", "8", "--k", "16" }),
            ("wide", new[] { "--n", "2", "--k", "8000", "--steps", "400" }),
        })
        {
            var (code, stdout, stderr) = h.Run(["certify", "moderate", .. extra, "--out", h.PathOf(name)]);
            Assert.True(code == 0, $"{name}: exit {code}: {stdout}{stderr}");
            var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf(name + "/certificate.json")));
            Assert.Contains("P4.C4", c.Verdict.Established);
            Assert.All(c.Conditions.Where(r => r.Id == "P4.C4" && r.Role == CheckRole.Hypothesis), r => Assert.True(r.Holds));
            ConformanceTests.AssertVerdictMatchesRows(c);
        }
    }
}

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
            double a = rng.NextDouble() - 0.5, b = rng.NextDouble() - 0.5, e = rng.NextDouble() - 0.5;
            rows.Add(FormattableString.Invariant($"{a},{b},{e},{0.3 * a - 0.2 * b + 1.0 * e}"));
        }
        File.WriteAllLines(h.PathOf("d.csv"), rows);
        var (code, stdout, stderr) = h.Run("certify", "resnet-rff", "--data", h.PathOf("d.csv"), "--steps", "3", "--feature-count", "64", "--depth", "4", "--out", h.PathOf("o"));
        Assert.True(code is 0 or 1 or 3 or 4, stdout + stderr);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("o/certificate.json")));
        Assert.Equal("P1", c.Theorem.Id);
        Assert.Contains(c.Quantities.Single(g => g.Name == "instance").Values, q => q.Name == "N" && q.Value == 12);
        // Targets unrelated to B·x: the initial loss is far above the certified ball's capacity, but the radius is
        // free, so at the tool's own radius P1.C4 is only not established.
        Assert.Equal(VerdictKind.Inconclusive, c.Verdict.Kind);
        Assert.Contains("P1.C4", c.Verdict.Reason);
    }
}

/// <summary>`inspect` on a resnet-rff model file: the MLP quantities plus λ_G at every node.</summary>
public class InspectResNetRffTests
{
    [Fact]
    public void Inspect_ResNetRffModelFile_MatchesTheEngineAndFiniteDifferences()
    {
        using var h = new CliHarness();
        int n = 7, d = 3;
        var fm = Overparam.Verify.Engine.Models.FeatureMap.Gaussian(d, 32, 0.7, 5UL);
        var model = Overparam.Verify.Engine.Models.ResNetRff.Create(d, 1, fm, 4, 5UL);
        var theta = new double[model.ParameterCount];
        for (int j = 0; j < theta.Length; j++) theta[j] = 0.05 * Math.Sin(1.3 * j);
        model.SetParameters(theta);
        Overparam.Verify.Engine.IO.ModelFile.Write(h.PathOf("m.json"), model);
        var (dataPath, xs, ys) = h.WriteRandomCsv("d.csv", 9, n, d);
        var (code, stdout, stderr) = h.Run("inspect", "--model", h.PathOf("m.json"), "--data", dataPath, "--json");
        Assert.True(code == 0, stdout + stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("resnet-rff", root.GetProperty("architecture").GetString());
        var x = new Overparam.Verify.Engine.LinearAlgebra.Matrix(n, d);
        for (int i = 0; i < n; i++) for (int k = 0; k < d; k++) x[i, k] = xs[i][k];
        var f = model.Forward(x);
        double loss = 0;
        for (int i = 0; i < n; i++) loss += 0.5 * (f[i] - ys[i]) * (f[i] - ys[i]);
        Assert.Equal(loss, root.GetProperty("loss").GetDouble(), 1e-12);
        var lambdaG = root.GetProperty("featureGramMinEigenvalues").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(5, lambdaG.Length);
        Assert.Equal(model.FeatureGramMinEigenvalues(x), lambdaG);
        // NTK diagonal entry i is ‖∇_θ f_i‖²: central differences of f_i along its own gradient give ‖∇_θ f_i‖.
        var ntk = root.GetProperty("ntk");
        for (int i = 0; i < n; i++)
        {
            double kii = ntk[i][i].GetDouble();
            var e = new double[n];
            e[i] = 1;
            var g = model.Vjp(x, e);
            double norm = Math.Sqrt(g.Sum(v => v * v));
            const double eps = 1e-5;
            var plus = model.Clone();
            var minus = model.Clone();
            plus.SetParameters(theta.Select((t, j) => t + eps * g[j] / norm).ToArray());
            minus.SetParameters(theta.Select((t, j) => t - eps * g[j] / norm).ToArray());
            double fd = (plus.Forward(x)[i] - minus.Forward(x)[i]) / (2 * eps);
            Assert.True(Math.Abs(Math.Sqrt(kii) - fd) <= 1e-6 * Math.Max(1, fd), $"row {i}: √K_ii = {Math.Sqrt(kii)}, FD {fd}");
        }
        // The summary names the architecture and λ_G.
        var (c2, summary, err2) = h.Run("inspect", "--model", h.PathOf("m.json"), "--data", dataPath);
        Assert.True(c2 == 0, err2);
        Assert.Contains("resnet-rff", summary);
        Assert.Contains("λ_G min", summary);
    }
}

using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Tests;

/// <summary>`experiment newton-vs-gd` (P3, papers.md §3.6) at a tiny size: the files, the figures, and bad input.</summary>
public class ExperimentCommandTests
{
    private static readonly string[] Tiny =
    [
        "experiment", "newton-vs-gd", "--n", "24", "--frequencies", "2,6", "--width", "100", "--seeds", "2",
        "--gd-steps", "200", "--newton-steps", "8", "--pilot-steps", "20", "--points", "10", "--modes", "3",
    ];

    [Fact]
    public void Tiny_WritesResultAndReport_WithBandsAndTheR4Measurement()
    {
        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run([.. Tiny, "--out", h.PathOf("e")]);
        Assert.True(code == 0, stdout + stderr);
        var r = CertificateJson.DeserializeExperiment(File.ReadAllText(h.PathOf("e/experiment.json")));
        Assert.Equal("P3", r.TheoremId);
        Assert.Equal(ExperimentResult.SchemaId, r.Schema);
        Assert.Equal(["P3.R4", "P3.R4"], r.Measurements.Select(m => m.Id));
        Assert.All(r.Measurements, m => Assert.Equal(CheckRole.Measurement, m.Role));
        var loss = r.Figures.Single(f => f.Name == "loss-vs-iteration");
        Assert.Equal(4, loss.Series.Count);
        Assert.All(loss.Series, s => Assert.Equal(s.Y.Length, s.Lower.Length));
        // The learning rate chosen for GD is a point of the 9-point grid 1e-5 … 1e1.
        double eta = r.Quantities.Single(g => g.Name == "learning-rates").Values.Single(q => q.Name == "GD eta").Value;
        Assert.Contains(Enumerable.Range(0, 9), j => Math.Abs(Math.Log10(eta) - (-5 + 0.75 * j)) < 1e-12);
        Assert.Contains("--n 24", r.Reproduce);
        var html = File.ReadAllText(h.PathOf("e/report.html"));
        Assert.Contains("class=\"band\"", html);
        Assert.Contains("P3.R4", stdout);
    }

    [Theory]
    [InlineData("--beta", "1.2")]
    [InlineData("--frequencies", "3,3")]
    [InlineData("--seeds", "0")]
    public void BadInput_OneLine_Exit2(string option, string value)
    {
        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run("experiment", "newton-vs-gd", option, value, "--out", h.PathOf("e"));
        Assert.Equal(CliApp.ExitInputError, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(h.PathOf("e")), stdout);
    }
}

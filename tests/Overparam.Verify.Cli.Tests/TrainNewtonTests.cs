using System.Globalization;
using Overparam.Verify.Engine.IO;

namespace Overparam.Verify.Cli.Tests;

/// <summary>
/// <c>train --optimizer newton|gauss-newton</c>: one fixed-damping step is the same exact regularized step whichever
/// solver computes it (dense, function space), the LM schedule decreases the loss, and inapplicable options are refused.
/// </summary>
public class TrainNewtonTests
{
    // Two direct solves of one SPD system, applied to θ: agreement to 1e-9 of the parameters' scale.
    private const double SolverAgreement = 1e-9;

    private static double[] Parameters(string path) => ModelFile.Read(path).GetParameters();

    [Fact]
    public void GaussNewton_OneFixedStep_DenseAndFunctionSpaceAgree()
    {
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 5, "tanh", [3, 12, 1], bias: true, freezeFirst: false, scales: false);
        var (d, _, _) = h.WriteRandomCsv("d.csv", 6, n: 6, d: 3);
        foreach (var solver in new[] { "dense", "function-space" })
        {
            var (code, stdout, stderr) = h.Run("train", "--model", m, "--data", d, "--optimizer", "gauss-newton", "--damping", "0.01",
                "--damping-schedule", "fixed", "--solver", solver, "--steps", "1", "--save-model", h.PathOf(solver + ".json"));
            Assert.True(code == 0, stdout + stderr);
        }
        var a = Parameters(h.PathOf("dense.json"));
        var b = Parameters(h.PathOf("function-space.json"));
        double scale = a.Max(Math.Abs);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= SolverAgreement * scale, $"θ[{i}]: dense {a[i]:R}, function space {b[i]:R}");
        Assert.NotEqual(Parameters(m), a);
    }

    [Theory]
    [InlineData("newton")]
    [InlineData("gauss-newton")]
    public void LevenbergMarquardt_DecreasesTheLoss(string optimizer)
    {
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 7, "tanh", [3, 16, 1], bias: true, freezeFirst: false, scales: false);
        var (d, _, _) = h.WriteRandomCsv("d.csv", 8, n: 8, d: 3);
        var trace = h.PathOf("t.csv");
        var (code, stdout, stderr) = h.Run("train", "--model", m, "--data", d, "--optimizer", optimizer, "--steps", "10", "--trace", trace);
        Assert.True(code == 0, stdout + stderr);
        var lines = File.ReadAllLines(trace);
        double first = double.Parse(lines[1].Split(',')[2], CultureInfo.InvariantCulture);
        double last = double.Parse(lines[^1].Split(',')[2], CultureInfo.InvariantCulture);
        Assert.True(last < 0.5 * first, $"{optimizer}: loss {first} → {last}");
    }

    [Theory]
    [InlineData("it applies to newton and gauss-newton only", "--optimizer", "gd", "--damping", "1")]
    [InlineData("it applies to newton and gauss-newton only", "--optimizer", "sgd", "--solver", "cg")]
    [InlineData("function-space applies to gauss-newton only", "--optimizer", "newton", "--solver", "function-space")]
    [InlineData("--damping must be finite", "--optimizer", "newton", "--damping", "-1")]
    public void InapplicableOrInvalid_ExitTwoOneLine(string expected, params string[] extra)
    {
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 5, "tanh", [3, 4, 1], bias: true, freezeFirst: false, scales: false);
        var (d, _, _) = h.WriteRandomCsv("d.csv", 6, n: 4, d: 3);
        var (code, _, stderr) = h.Run(["train", "--model", m, "--data", d, .. extra, "--steps", "1"]);
        Assert.Equal(CliApp.ExitInputError, code);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

using System.Globalization;

namespace Overparam.Verify.Cli.Tests;

public class TrainTests
{
    [Theory]
    [InlineData("gd")]
    [InlineData("sgd")]
    [InlineData("flow")]
    public void Train_Optimizer_WritesModelAndTraceWithDecreasingLoss(string optimizer)
    {
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 5, "tanh", [4, 16, 1], bias: true, freezeFirst: false, scales: false);
        var (d, _, _) = h.WriteRandomCsv("d.csv", 6, n: 8, d: 4);
        var outModel = h.PathOf("out.json");
        var trace = h.PathOf("trace.csv");
        string[] sgdOnly = optimizer == "sgd" ? ["--batch", "4", "--seed", "3"] : [];
        var (code, stdout, stderr) = h.Run(["train", "--model", m, "--data", d, "--optimizer", optimizer,
            "--steps", "200", "--lr", "0.05", .. sgdOnly, "--save-model", outModel, "--trace", trace]);
        Assert.True(code == 0, stderr);
        Assert.Contains("status", stdout);
        Assert.True(File.Exists(outModel));
        var lines = File.ReadAllLines(trace);
        Assert.StartsWith("step,time,loss", lines[0]);
        double first = double.Parse(lines[1].Split(',')[2], CultureInfo.InvariantCulture);
        double last = double.Parse(lines[^1].Split(',')[2], CultureInfo.InvariantCulture);
        Assert.True(last < first, $"loss did not decrease: {first} → {last}");

        // The saved model reproduces the trace's final loss when inspected.
        var (code2, stdout2, stderr2) = h.Run("inspect", "--model", outModel, "--data", d, "--json");
        Assert.True(code2 == 0, stderr2);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout2);
        Assert.True(Overparam.Verify.Engine.Numerics.Tolerance.RoundOff.Accepts(last, doc.RootElement.GetProperty("loss").GetDouble()));
    }

    [Fact]
    public void Train_MissingOutputDirectory_ExitsTwoAndWritesNothing()
    {
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 5, "tanh", [3, 4, 1], bias: false, freezeFirst: false, scales: false);
        var (d, _, _) = h.WriteRandomCsv("d.csv", 6, n: 5, d: 3);
        var outModel = h.PathOf("out.json");
        var (code, _, stderr) = h.Run("train", "--model", m, "--data", d, "--save-model", outModel, "--trace", h.PathOf("no/such/dir/t.csv"));
        Assert.Equal(2, code);
        Assert.Contains("--trace", stderr);
        Assert.False(File.Exists(outModel));
    }

    [Fact]
    public void Train_UnknownOptimizer_ExitsTwo()
    {
        using var h = new CliHarness();
        var (code, _, stderr) = h.Run("train", "--model", "m.json", "--data", "d.csv", "--optimizer", "adam");
        Assert.Equal(2, code);
        Assert.Contains("adam", stderr);
    }

    [Fact]
    public void Train_NegativeStepSize_ExitsTwoAndWritesNothing()
    {
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 5, "tanh", [3, 4, 1], bias: false, freezeFirst: false, scales: false);
        var (d, _, _) = h.WriteRandomCsv("d.csv", 6, n: 5, d: 3);
        var trace = h.PathOf("t.csv");
        var (code, _, stderr) = h.Run("train", "--model", m, "--data", d, "--lr", "-1", "--trace", trace);
        Assert.Equal(2, code);
        Assert.Contains("rate", stderr, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(trace));
    }

    [Fact]
    public void Train_HugeStep_ReportsDivergenceWithExitOne()
    {
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 5, "identity", [3, 1], bias: false, freezeFirst: false, scales: false);
        var (d, _, _) = h.WriteRandomCsv("d.csv", 6, n: 5, d: 3);
        var trace = h.PathOf("t.csv");
        var (code, _, stderr) = h.Run("train", "--model", m, "--data", d, "--lr", "100", "--steps", "500", "--trace", trace);
        Assert.Equal(1, code);
        Assert.Contains("diverged", stderr);
        foreach (var line in File.ReadAllLines(trace).Skip(1))
            Assert.DoesNotContain("nan", line.Split(',')[2], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Train_ProbeNtk_WritesAnObserverColumnWithTheInitialNtksLambdaMin()
    {
        // λ_min is an observer column: present with --probe-ntk, absent without it; at step 0 it is the smallest
        // eigenvalue inspect reports for the initial model's NTK.
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 5, "tanh", [3, 8, 1], bias: false, freezeFirst: false, scales: false);
        var (d, _, _) = h.WriteRandomCsv("d.csv", 6, n: 4, d: 3);
        Assert.Equal(0, h.Run("train", "--model", m, "--data", d, "--steps", "3", "--probe-ntk", "--trace", h.PathOf("p.csv")).Code);
        Assert.Equal(0, h.Run("train", "--model", m, "--data", d, "--steps", "3", "--trace", h.PathOf("n.csv")).Code);
        var probed = File.ReadAllLines(h.PathOf("p.csv"));
        Assert.Equal("step,time,loss,grad_norm_sq,dist_l2,dist_linf,wall_seconds,lambda_min_ntk", probed[0]);
        Assert.Equal("step,time,loss,grad_norm_sq,dist_l2,dist_linf,wall_seconds", File.ReadAllLines(h.PathOf("n.csv"))[0]);
        var (code, json, err) = h.Run("inspect", "--model", m, "--data", d, "--json");
        Assert.True(code == 0, err);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var ntk = doc.RootElement.GetProperty("ntk").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        double lambdaMin = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfRowArrays(ntk).Evd().EigenValues.Select(z => z.Real).Min();
        double probedAt0 = double.Parse(probed[1].Split(',')[7], CultureInfo.InvariantCulture);
        Assert.True(Overparam.Verify.Engine.Numerics.Tolerance.Solver.Accepts(lambdaMin, probedAt0), $"{lambdaMin:R} vs {probedAt0:R}");
    }
}

using System.Text.Json;
using Overparam.Verify.Engine.Numerics;

namespace Overparam.Verify.Cli.Tests;

public class InspectTests
{
    // The acceptance bar: engine and independent oracle agree to 1e-9 relative.
    private static readonly Tolerance OracleAgreement = new(1e-12, 1e-9);

    public static TheoryData<string, bool, bool, bool> Configurations()
    {
        var data = new TheoryData<string, bool, bool, bool>();
        string[] acts = ["identity", "tanh", "sigmoid", "softplus", "relu", "gelu", "erf", "cos"];
        for (int i = 0; i < acts.Length; i++)
        {
            data.Add(acts[i], i % 2 == 0, i % 3 == 0, i % 2 == 1);
            data.Add(acts[i], i % 2 == 1, i % 3 != 0, i % 2 == 0);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Inspect_RandomMlp_MatchesIndependentOracle(string activation, bool bias, bool freezeFirst, bool scales)
    {
        using var h = new CliHarness();
        ulong seed = (Overparam.Verify.Engine.Random.RandomStreams.Fnv1a64(activation) & 0xffff) + (bias ? 1UL : 0) + (freezeFirst ? 2UL : 0);
        var modelPath = h.WriteRandomModel("m.json", seed, activation, [5, 7, 6, 1], bias, freezeFirst, scales, outputScale: 0.8);
        var (dataPath, xs, ys) = h.WriteRandomCsv("d.csv", seed + 100, n: 9, d: 5);

        var (code, stdout, stderr) = h.Run("inspect", "--model", modelPath, "--data", dataPath, "--json");
        Assert.True(code == 0, stderr);

        var oracle = new NaiveOracle(File.ReadAllText(modelPath)).Inspect(xs, ys);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        var outputs = root.GetProperty("outputs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(xs.Length, outputs.Length);
        for (int i = 0; i < outputs.Length; i++) AssertClose(oracle.Outputs[i], outputs[i], $"outputs[{i}]");
        AssertClose(oracle.Loss, root.GetProperty("loss").GetDouble(), "loss");
        AssertClose(oracle.GradNorm, root.GetProperty("gradientNorm").GetDouble(), "gradientNorm");

        var ntk = root.GetProperty("ntk").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        // Entries are compared against the NTK's scale: an entry near zero is a difference of O(λ_max) terms.
        double scale = oracle.Eigenvalues[^1];
        for (int i = 0; i < ntk.Length; i++)
            for (int j = 0; j < ntk.Length; j++)
                Assert.True(Math.Abs(oracle.Ntk[i, j] - ntk[i][j]) <= OracleAgreement.Absolute + OracleAgreement.Relative * Math.Max(scale, Math.Abs(ntk[i][j])),
                    $"ntk[{i},{j}]: oracle {oracle.Ntk[i, j]:R}, engine {ntk[i][j]:R}");
        var eig = root.GetProperty("ntkEigenvalues").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int i = 0; i < eig.Length; i++)
            Assert.True(Math.Abs(oracle.Eigenvalues[i] - eig[i]) <= OracleAgreement.Absolute + OracleAgreement.Relative * scale,
                $"eigenvalue {i}: oracle {oracle.Eigenvalues[i]:R}, engine {eig[i]:R}");
        int p = root.GetProperty("parameterCount").GetInt32();
        Assert.Equal(new NaiveOracle(File.ReadAllText(modelPath)).OutputAndJacobianRow(xs[0]).Row.Length, p);
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(OracleAgreement.Accepts(expected, actual), $"{what}: oracle {expected:R}, engine {actual:R}");

    [Fact]
    public void Inspect_BundledExample_PrintsSummary()
    {
        using var h = new CliHarness();
        var root = RepoRoot();
        var (code, stdout, stderr) = h.Run("inspect", "--model", Path.Combine(root, "examples", "tanh-mlp.json"), "--data", Path.Combine(root, "examples", "small.csv"));
        Assert.True(code == 0, stderr);
        Assert.Contains("NTK λ_min", stdout);
        Assert.Empty(stderr);
    }

    [Fact]
    public void Inspect_DimensionMismatch_ExitsTwoNamingBothFiles()
    {
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 1, "tanh", [4, 3, 1], bias: false, freezeFirst: false, scales: false);
        var (d, _, _) = h.WriteRandomCsv("d.csv", 2, 5, 3);
        var (code, stdout, stderr) = h.Run("inspect", "--model", m, "--data", d);
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains("m.json", stderr);
        Assert.Contains("d.csv", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Inspect_NaNInData_ExitsTwoNamingRowAndColumn()
    {
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 1, "tanh", [2, 3, 1], bias: false, freezeFirst: false, scales: false);
        var d = h.Write("d.csv", "x1,x2,y\n1,2,3\n4,NaN,6\n");
        var (code, _, stderr) = h.Run("inspect", "--model", m, "--data", d);
        Assert.Equal(2, code);
        Assert.Contains("d.csv", stderr);
        Assert.Contains("x2", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Inspect_MissingModelFile_ExitsTwo()
    {
        using var h = new CliHarness();
        var (d, _, _) = h.WriteRandomCsv("d.csv", 2, 5, 3);
        var (code, _, stderr) = h.Run("inspect", "--model", h.PathOf("nope.json"), "--data", d);
        Assert.Equal(2, code);
        Assert.Contains("nope.json", stderr);
    }

    [Fact]
    public void Inspect_MalformedModel_ExitsTwoWithoutStackTrace()
    {
        using var h = new CliHarness();
        var m = h.Write("m.json", "{\"format\":\"overparam.model/1\",\"layers\":[{\"weight\":[[1,2],[3]]}]");
        var (d, _, _) = h.WriteRandomCsv("d.csv", 2, 5, 2);
        var (code, _, stderr) = h.Run("inspect", "--model", m, "--data", d);
        Assert.Equal(2, code);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    internal static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Overparam.Verify.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}

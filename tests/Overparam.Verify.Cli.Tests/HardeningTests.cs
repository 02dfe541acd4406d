using System.Globalization;
using System.Text;
using System.Text.Json;
using Overparam.Verify.Contracts;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Theory;

namespace Overparam.Verify.Cli.Tests;

/// <summary>
/// Outcomes a script can tell apart (one exit code per verdict), verdict reasons that say what was checked and how
/// the run ended, the time budget, oversize inputs refused before allocation, provenance and all-or-nothing outputs.
/// </summary>
public class HardeningTests
{
    private static readonly string[] Small = ["certify", "local-pl", "--n", "4", "--d", "6", "--widths", "6,6", "--seed", "3"];

    [Theory]
    [InlineData(VerdictKind.Consistent, 0)]
    [InlineData(VerdictKind.Refuted, 1)]
    [InlineData(VerdictKind.HypothesesNotMet, 3)]
    [InlineData(VerdictKind.Inconclusive, 4)]
    public void ExitCode_EachVerdict_Distinct(VerdictKind verdict, int code) => Assert.Equal(code, CliApp.ExitCodeOf(verdict));

    [Fact]
    public void ExitCodes_DocumentedInHelpAndReadme()
    {
        using var h = new CliHarness();
        var (code, stdout, _) = h.Run("certify", "local-pl", "--help");
        Assert.Equal(0, code);
        Assert.Contains("3 hypotheses-not-met", stdout);
        Assert.Contains("4 inconclusive", stdout);
        var readme = File.ReadAllText(Path.Combine(InspectTests.RepoRoot(), "README.md"));
        foreach (var line in new[] { "| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 5 |", "| 130 |" })
            Assert.Contains(line, readme);
    }

    [Fact]
    public void Help_EveryTheoremCommand_StatesEachDefaultOnce()
    {
        using var h = new CliHarness();
        var commands = Theorems.All.Select(t => new[] { "certify", t.Command })
            .Concat(Theorems.All.Where(t => t.Trial is not null).Select(t => new[] { "sweep", "run", t.Command }))
            .Append(["sweep", "moderate"]).Append(["train"]);
        foreach (var command in commands)
        {
            var (code, stdout, stderr) = h.Run([.. command, "--help"]);
            Assert.True(code == 0, stderr);
            foreach (var line in stdout.Split('\n'))
                Assert.False(line.Split("[default:").Length > 2, $"{string.Join(' ', command)} --help states a default twice: {line.Trim()}");
        }
    }

    [Fact]
    public void Certify_Consistent_ReasonNamesEstablishedAndEvaluatedAndRolesShown()
    {
        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run([.. Small, "--out", h.PathOf("c")]);
        Assert.True(code == 0, stderr);
        Assert.Contains("established: P2.C1, P2.C2, P2.C3, P2.C4", stdout);
        Assert.Contains("bounds evaluated: P2.R2, P2.R3;", stdout);
        Assert.Contains("not applicable to this run: P2.R1", stdout);
        Assert.Matches(@"P2\.C5\s+premise", stdout);
        Assert.Matches(@"P2\.R7\s+measurement", stdout);
        Assert.Matches(@"P2\.R6\s+self-check", stdout);
        var report = File.ReadAllText(h.PathOf("c/report.md"));
        Assert.Contains("| id | role | statement |", report);
        Assert.Contains("| P2.C1 | hypothesis |", report);
    }

    [Fact]
    public void Certify_BudgetOfStepsTooSmall_ReasonSaysTargetNotReached()
    {
        using var h = new CliHarness();
        var (_, stdout, _) = h.Run([.. Small, "--steps", "3", "--no-compare", "--out", h.PathOf("c")]);
        Assert.Contains("used its whole budget of 3 steps without reaching f ≤ 1e-06·f₀", stdout);
    }

    [Fact]
    public void Certify_Diverging_ReasonSaysDivergedAndExitsInconclusive()
    {
        using var h = new CliHarness();
        var (code, stdout, _) = h.Run([.. Small, "--lr", "1", "--no-compare", "--out", h.PathOf("c")]);
        Assert.Contains("the training run diverged", stdout);
        // The step premise P2.C5 fails, so the bounds cannot refute: inconclusive, not consistent.
        Assert.Equal(CliApp.ExitInconclusive, code);
    }

    [Fact]
    public void Certify_Relu_ComparisonNeverReportsZeroIterationsForARunThatNeverMoved()
    {
        using var h = new CliHarness();
        var (code, stdout, _) = h.Run([.. Small, "--activation", "relu", "--out", h.PathOf("c")]);
        Assert.Equal(CliApp.ExitHypothesesNotMet, code);
        // NaN (printed —) for a run that never reached its target, never 0.
        Assert.Contains("speed: positive = — (exact)", stdout);
        Assert.DoesNotContain("positive = 0", stdout);
        Assert.Contains("stationary point", stdout);
    }

    [Fact]
    public void Certify_MaxSecondsExceeded_ExitFiveNothingWritten()
    {
        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run("certify", "local-pl", "--n", "60", "--d", "120", "--widths", "32,32",
            "--max-seconds", "0.001", "--out", h.PathOf("c"));
        Assert.Equal(CliApp.ExitBudgetExceeded, code);
        Assert.Contains("--max-seconds 0.001 exceeded during", stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Empty(stdout);
        Assert.False(Directory.Exists(h.PathOf("c")));
    }

    [Fact]
    public void Train_MaxSecondsExceeded_ExitFiveNothingWritten()
    {
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 5, "tanh", [4, 16, 1], bias: true, freezeFirst: false, scales: false);
        var (d, _, _) = h.WriteRandomCsv("d.csv", 6, n: 8, d: 4);
        var (code, _, stderr) = h.Run("train", "--model", m, "--data", d, "--steps", "100000000", "--lr", "1e-9",
            "--max-seconds", "0.2", "--trace", h.PathOf("t.csv"));
        Assert.Equal(CliApp.ExitBudgetExceeded, code);
        Assert.Contains("exceeded during gd training", stderr);
        Assert.False(File.Exists(h.PathOf("t.csv")));
    }

    [Fact]
    public void Inspect_RowsBeyondOneArray_RefusedBeforeAllocating()
    {
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 1, "tanh", [1, 2, 1], bias: false, freezeFirst: false, scales: false);
        // 50,000 rows: the n×n NTK would have 2.5e9 entries, past Array.MaxLength (it crashed with OverflowException).
        var sb = new StringBuilder("x,y\n");
        for (int i = 0; i < 50_000; i++) sb.Append(CultureInfo.InvariantCulture, $"{i % 7},{i % 3}\n");
        var data = h.Write("big.csv", sb.ToString());
        var (code, stdout, stderr) = h.Run("inspect", "--model", m, "--data", data);
        Assert.Equal(2, code);
        Assert.Contains("inspect with n = 50000 samples", stderr);
        Assert.Contains("the n×n NTK (n = 50000) would have 2.5E+09 entries", stderr);
        Assert.Empty(stdout);
    }

    [Fact]
    public void Certificate_Provenance_RecordsMachineBuildAndInvocation()
    {
        using var h = new CliHarness();
        var (code, _, stderr) = h.Run([.. Small, "--out", h.PathOf("c")]);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(h.PathOf("c/certificate.json")));
        var p = doc.RootElement.GetProperty("provenance");
        Assert.Equal(SimdInfo.Name, p.GetProperty("simdPath").GetString());
        Assert.Equal(SimdInfo.WidthBits, p.GetProperty("vectorWidthBits").GetInt32());
        Assert.Equal(Environment.ProcessorCount, p.GetProperty("processorCount").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(p.GetProperty("cpuModel").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(p.GetProperty("os").GetString()));
        var inv = p.GetProperty("invocation");
        Assert.Equal("overparam " + string.Join(" ", Small) + " --out " + h.PathOf("c"), inv.GetProperty("commandLine").GetString());
        var created = DateTimeOffset.Parse(inv.GetProperty("createdUtc").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - created).TotalMinutes) < 10);
        Assert.Equal(3UL, doc.RootElement.GetProperty("seed").GetUInt64());
    }

    [Fact]
    public void Certify_OneFileCannotBeWritten_NeitherIsReplaced()
    {
        using var h = new CliHarness();
        var dir = h.PathOf("c");
        // report.md is a folder, so the second file of the set cannot be written: certificate.json must not appear.
        Directory.CreateDirectory(Path.Combine(dir, "report.md"));
        var (code, _, stderr) = h.Run([.. Small, "--out", dir]);
        Assert.Equal(2, code);
        Assert.Contains("cannot write into", stderr);
        Assert.False(File.Exists(Path.Combine(dir, "certificate.json")));
        Assert.Empty(Directory.GetFiles(dir));
    }
}

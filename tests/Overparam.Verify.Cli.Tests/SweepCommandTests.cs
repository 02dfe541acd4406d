using System.Text.Json;
using System.Xml.Linq;
using Overparam.Verify.Cli.Commands;
using Overparam.Verify.Cli.Sweeps;

namespace Overparam.Verify.Cli.Tests;

public class SweepCommandTests
{
    // d = 3, n/(kd) from 0.25 to 2: both sides of the transition in a second.
    private static readonly string[] Tiny =
        ["sweep", "moderate", "--n", "6,12", "--k", "2,4,8", "--d", "3", "--trials", "3", "--steps", "600", "--seed", "5"];

    private static string[] Args(params string[] extra) => [.. Tiny, .. extra];

    // Tiny with one option's value replaced (options may not repeat).
    private static string[] With(string option, string value, params string[] extra)
    {
        var a = Tiny.ToList();
        int i = a.IndexOf(option);
        if (i >= 0) a[i + 1] = value;
        else a.AddRange([option, value]);
        return [.. a, .. extra];
    }

    private static (int, string, string) Ok((int Code, string Out, string Err) r)
    {
        Assert.True(r.Code == 0, $"exit {r.Code}: {r.Err}\n{r.Out}");
        return r;
    }

    private static List<TrialResult> Rows(string store)
    {
        using var s = RunStore.Open(store, readOnly: true);
        return s.Results(Assert.Single(s.Sweeps()).Key);
    }

    private static void AssertSameRows(List<TrialResult> expected, List<TrialResult> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Select(r => r.Key), actual.Select(r => r.Key));
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i].SameOutcome(actual[i]), $"{expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void Moderate_TinyGrid_WritesSummaryReportAndDiagram()
    {
        using var h = new CliHarness();
        var (_, stdout, _) = Ok(h.Run(Args("--store", h.PathOf("runs.db"), "--out", h.PathOf("out"), "--jobs", "2")));
        Assert.Contains("boundary", stdout);

        using var doc = JsonDocument.Parse(File.ReadAllText(h.PathOf("out/summary.json")));
        var root = doc.RootElement;
        Assert.Equal(5UL, root.GetProperty("seed").GetUInt64());
        Assert.Equal(3, root.GetProperty("parameters").GetProperty("d").GetInt32());
        var cells = root.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(6, cells.Count);
        foreach (var c in cells)
        {
            Assert.Equal(["cell", "covariate", "trials", "successes", "wilsonLow", "wilsonHigh", "medians"], c.EnumerateObject().Select(p => p.Name));
            Assert.Equal(["n", "k"], c.GetProperty("cell").EnumerateObject().Select(p => p.Name));
            double n = c.GetProperty("cell").GetProperty("n").GetDouble(), k = c.GetProperty("cell").GetProperty("k").GetDouble();
            Assert.Equal(n / (k * 3), c.GetProperty("covariate").GetDouble());
            Assert.Equal(3, c.GetProperty("trials").GetInt32());
            int s = c.GetProperty("successes").GetInt32();
            Assert.InRange(s, 0, 3);
            Assert.True(c.GetProperty("wilsonLow").GetDouble() <= s / 3.0 && s / 3.0 <= c.GetProperty("wilsonHigh").GetDouble());
            double ratio = c.GetProperty("medians").GetProperty("theory-ratio").GetDouble();
            Assert.True(double.IsFinite(ratio) && ratio > 0, $"theoryRatio {ratio}");
        }
        var b = root.GetProperty("boundary");
        Assert.True(b.ValueKind == JsonValueKind.Null || b.TryGetProperty("c0", out _));
        Assert.True(root.TryGetProperty("provenance", out _));

        var report = File.ReadAllText(h.PathOf("out/report.md"));
        Assert.Contains("| n | k | n/(kd) | trials | successes |", report);
        Assert.Contains("phase-diagram.svg", report);
        // report.html: self-contained, the diagram inline, one table row per cell with its Wilson interval.
        var html = File.ReadAllText(h.PathOf("out/report.html"));
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        Assert.Single(page.QuerySelectorAll("svg"));
        Assert.Equal(6, page.QuerySelectorAll("table.cells tr").Length - 1);
        Assert.Contains("c₀", page.QuerySelector("p.boundary")!.TextContent, StringComparison.Ordinal);
        Assert.Empty(page.QuerySelectorAll("script, link, img"));
        Assert.DoesNotMatch("(?i)https?://", html);
        var svg = XDocument.Load(h.PathOf("out/phase-diagram.svg"));
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.True(svg.Descendants(ns + "rect").Count() >= 6);
    }

    [Fact]
    public void Moderate_StoreHoldsSweep_RefusesWithoutResumeAndResumeRunsNothing()
    {
        using var h = new CliHarness();
        var store = h.PathOf("runs.db");
        Ok(h.Run(Args("--store", store, "--out", h.PathOf("a"))));
        var first = Rows(store);

        var (code, _, err) = h.Run(Args("--store", store, "--out", h.PathOf("b")));
        Assert.Equal(2, code);
        Assert.Contains("--resume", err);

        var (_, stdout, _) = Ok(h.Run(Args("--store", store, "--out", h.PathOf("c"), "--resume")));
        Assert.Contains("0 run, 18 already stored", stdout);
        AssertSameRows(first, Rows(store));
        Assert.Equal(Cells(h.PathOf("a/summary.json")), Cells(h.PathOf("c/summary.json")));
    }

    [Fact]
    public void Moderate_ResumeWithOtherParameters_ExitsTwoNamingTheDifference()
    {
        using var h = new CliHarness();
        var store = h.PathOf("runs.db");
        Ok(h.Run(Args("--store", store, "--out", h.PathOf("a"))));
        var (code, _, err) = h.Run(With("--steps", "700", "--store", store, "--resume"));
        Assert.Equal(2, code);
        Assert.Contains("steps: 600 (now 700)", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Run_SecondTheorem_NeedsOnlyItsTrialFunction()
    {
        // P2's trial is its certificate: n = 16 > d = 8 makes the inputs linearly dependent, so P2.C1 fails exactly and
        // no trial of that cell may count as meeting the hypotheses; n = 4 < d = 8 meets them on the default instance.
        using var h = new CliHarness();
        string[] grid = ["sweep", "run", "local-pl", "--axis", "n=4,16", "--axis", "d=8", "--trials", "2", "--steps", "300", "--no-compare", "--seed", "2"];
        var (_, stdout, _) = Ok(h.Run([.. grid, "--store", h.PathOf("p2.db"), "--out", h.PathOf("p2")]));
        Assert.Contains("P2 local-pl, over n × d", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(h.PathOf("p2/summary.json")));
        var root = doc.RootElement;
        Assert.Equal("P2", root.GetProperty("theorem").GetString());
        Assert.Equal("n/d", root.GetProperty("covariate").GetString());
        var cells = root.GetProperty("cells").EnumerateArray().ToDictionary(c => c.GetProperty("cell").GetProperty("n").GetInt32());
        Assert.Equal(2, cells.Count);
        Assert.Equal(0.0, cells[16].GetProperty("medians").GetProperty("hypotheses-established").GetDouble());
        Assert.Equal(0.0, cells[16].GetProperty("medians").GetProperty("consistent").GetDouble());
        Assert.Equal(1.0, cells[4].GetProperty("medians").GetProperty("hypotheses-established").GetDouble());
        Assert.Equal(2.0, cells[16].GetProperty("covariate").GetDouble());

        // The same generic store commands work on it: list names the theorem, report re-renders it identically.
        var (_, list, _) = Ok(h.Run("sweep", "list", "--store", h.PathOf("p2.db")));
        Assert.Contains("P2  4 trials", list);
        Ok(h.Run("sweep", "report", "--store", h.PathOf("p2.db"), "--out", h.PathOf("again")));
        Assert.Equal(Cells(h.PathOf("p2/summary.json")), Cells(h.PathOf("again/summary.json")));
        Ok(h.Run("sweep", "report", "--store", h.PathOf("p2.db"), "--out", h.PathOf("html"), "--format", "html"));
        Assert.True(File.Exists(h.PathOf("html/report.html")));
        Assert.False(File.Exists(h.PathOf("html/report.md")));
        Assert.Equal(File.ReadAllText(h.PathOf("again/phase-diagram.svg")), File.ReadAllText(h.PathOf("html/phase-diagram.svg")));
    }

    [Theory]
    [InlineData("not an axis of local-pl", "--axis", "activation=tanh")]
    [InlineData("has no option 'width'", "--axis", "width=2,4")]
    [InlineData("expected name=grid", "--axis", "n")]
    [InlineData("both an axis and a fixed value", "--axis", "n=4,8", "--n", "4")]
    [InlineData("'x' is not a positive integer", "--axis", "n=x")]
    [InlineData("'1e400' is not a finite number", "--axis", "radius=1e400")]
    public void Run_BadAxis_ExitsTwoWithOneLine(string message, params string[] args)
    {
        using var h = new CliHarness();
        var (code, _, err) = h.Run(["sweep", "run", "local-pl", .. args, "--store", h.PathOf("s.db"), "--out", h.PathOf("o")]);
        Assert.Equal(2, code);
        Assert.Contains(message, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(h.PathOf("s.db")));
    }

    [Theory]
    [InlineData("--k", "3")]
    [InlineData("--n", "0")]
    [InlineData("--trials", "0")]
    [InlineData("--shard", "4/3")]
    [InlineData("--step-scale", "2")]
    [InlineData("--activation", "swish")]
    public void Moderate_BadOption_ExitsTwoBeforeRunning(string option, string value)
    {
        using var h = new CliHarness();
        var (code, _, err) = h.Run(With(option, value, "--store", h.PathOf("runs.db"), "--out", h.PathOf("o")));
        Assert.Equal(2, code);
        Assert.StartsWith("overparam:", err);
        Assert.True(err.Contains(option, StringComparison.Ordinal) || err.Contains(value, StringComparison.Ordinal), err);
        Assert.False(File.Exists(h.PathOf("o/summary.json")));
    }

    [Fact]
    public void Moderate_ShardsMerged_EqualUnshardedRun()
    {
        using var h = new CliHarness();
        Ok(h.Run(Args("--store", h.PathOf("all.db"), "--out", h.PathOf("unsharded"), "--jobs", "1")));
        for (int i = 1; i <= 3; i++)
            Ok(h.Run(Args("--store", h.PathOf($"s{i}.db"), "--shard", $"{i}/3", "--jobs", "2")));
        Assert.False(Directory.Exists(h.PathOf(SweepCommand.DefaultOut)));   // shards write no report by default

        var (_, mergeOut, _) = Ok(h.Run("sweep", "merge", h.PathOf("s1.db"), h.PathOf("s2.db"), h.PathOf("s3.db"), "--out", h.PathOf("merged.db")));
        Assert.Contains("18 runs added", mergeOut);
        AssertSameRows(Rows(h.PathOf("all.db")), Rows(h.PathOf("merged.db")));

        Ok(h.Run("sweep", "report", "--store", h.PathOf("merged.db"), "--out", h.PathOf("merged")));
        Assert.Equal(Cells(h.PathOf("unsharded/summary.json")), Cells(h.PathOf("merged/summary.json")));
        Assert.Equal(Boundary(h.PathOf("unsharded/summary.json")), Boundary(h.PathOf("merged/summary.json")));
    }

    [Fact]
    public void Moderate_Refine_AddsTrialsNearBoundaryDeterministically()
    {
        using var h = new CliHarness();
        string[] refine = ["--refine-width", "0.01", "--refine-rounds", "2", "--refine-trials", "2"];
        Ok(h.Run([.. Args("--store", h.PathOf("a.db"), "--out", h.PathOf("a"), "--jobs", "2"), .. refine]));
        Ok(h.Run([.. Args("--store", h.PathOf("b.db"), "--out", h.PathOf("b"), "--jobs", "1"), .. refine]));
        var a = Rows(h.PathOf("a.db"));
        AssertSameRows(a, Rows(h.PathOf("b.db")));
        var perCell = a.GroupBy(r => r.Key.Cell).Select(g => g.Count()).ToList();
        Assert.Contains(perCell, c => c > 3);
        Assert.Contains(perCell, c => c == 3);
    }

    [Fact]
    public void Moderate_RefineWithShard_ExitsTwo()
    {
        using var h = new CliHarness();
        var (code, _, err) = h.Run([.. Args("--store", h.PathOf("a.db"), "--shard", "1/2"), "--refine-width", "0.5"]);
        Assert.Equal(2, code);
        Assert.Contains("--shard", err);
    }

    [Fact]
    public void Merge_MissingInput_ExitsTwo()
    {
        using var h = new CliHarness();
        var (code, _, err) = h.Run("sweep", "merge", h.PathOf("nope.db"), "--out", h.PathOf("all.db"));
        Assert.Equal(2, code);
        Assert.Contains("nope.db", err);
        Assert.False(File.Exists(h.PathOf("all.db")));
    }

    [Fact]
    public void Report_StoreWithTwoSweeps_NeedsSweepKey()
    {
        using var h = new CliHarness();
        var store = h.PathOf("runs.db");
        Ok(h.Run(Args("--store", store, "--out", h.PathOf("a"))));
        Ok(h.Run(With("--seed", "6", "--store", store, "--out", h.PathOf("b"))));
        var (code, _, err) = h.Run("sweep", "report", "--store", store, "--out", h.PathOf("r"));
        Assert.Equal(2, code);
        Assert.Contains("--sweep", err);
        using var s = RunStore.Open(store, readOnly: true);
        Ok(h.Run("sweep", "report", "--store", store, "--out", h.PathOf("r"), "--sweep", s.Sweeps()[0].Key));
    }

    private static string Cells(string summaryPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(summaryPath));
        return doc.RootElement.GetProperty("cells").GetRawText();
    }

    private static string Boundary(string summaryPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(summaryPath));
        return doc.RootElement.GetProperty("boundary").GetRawText();
    }
}

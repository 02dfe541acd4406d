using System.Text.RegularExpressions;
using Overparam.Verify.Contracts;
using Overparam.Verify.Theory;

namespace Overparam.Verify.Cli.Tests;

/// <summary>
/// The list every registered theorem must pass, run over <see cref="Theorems.All"/> so that a new theorem is held to
/// it without a line here: reproducible bytes, exact JSON round trip, <c>verify</c> agreement and tamper detection,
/// cited IDs and theory/*.md in both directions, and verdicts that never claim more than the rows show (each theorem
/// names one instance where its hypotheses fail, <see cref="FailingInstance"/>).
/// </summary>
public class ConformanceTests
{
    public static TheoryData<string> Registered()
    {
        var data = new TheoryData<string>();
        foreach (var t in Theorems.All) data.Add(t.Command);
        return data;
    }

    private static (Certificate Cert, string Path, string Text) Certify(CliHarness h, string command, string folder, params string[] extra)
    {
        var (code, _, stderr) = h.Run(["certify", command, .. extra, "--out", h.PathOf(folder)]);
        Assert.True(code is 0 or 1 or 3 or 4, $"exit {code}: {stderr}");
        var path = h.PathOf(folder + "/certificate.json");
        var text = File.ReadAllText(path);
        return (CertificateJson.Deserialize(text), path, text);
    }

    /// <summary>
    /// A theorem's sweep trial, where it declares one, is well formed: its axes and seed key are among its options,
    /// each cell is validated by the theorem, and one trial on the defaults returns one value per declared metric
    /// and the same outcome twice.
    /// </summary>
    [Theory]
    [MemberData(nameof(Registered))]
    public void Theorem_Trial_IsWellFormedAndReproducible(string command)
    {
        var t = Theorems.Find(command);
        if (t.Trial is null) return;   // a theorem without a trial has no sweep: nothing to hold
        var names = t.Trial.Options.Select(o => o.Name).ToHashSet();
        Assert.Subset(names, t.Trial.Axes.ToHashSet());
        Assert.Subset(names, t.Trial.SeedKey.ToHashSet());
        Assert.DoesNotContain("seed", names);
        Assert.All(t.Trial.Axes, a => Assert.True(Sweeps.SweepSpec.IsNumeric(t.Trial.Options.First(o => o.Name == a)), $"axis {a} is not numeric"));
        var spec = Sweeps.SweepSpec.Create(t, [t.Trial.Axes[0]], new Dictionary<string, string>(), 11);
        var axisDefault = t.Trial.Options.First(o => o.Name == t.Trial.Axes[0]).Default;
        var cell = new Sweeps.Cell([KeyValuePair.Create(t.Trial.Axes[0], Sweeps.SweepSpec.Canonical(spec.Option(t.Trial.Axes[0]), axisDefault))]);
        // The theorem validates the default cell (an invalid default would throw here) and sizes it sensibly.
        var size = Sweeps.Sweep.CheckCells(spec, [cell]);
        Assert.True(double.IsFinite(size.TotalDoubles) && size.TotalDoubles >= size.LargestArray && size.LargestArray >= 0, $"{size}");
        var a = Sweeps.Sweep.RunTrial(spec, new Sweeps.TrialKey(cell, 0));
        var b = Sweeps.Sweep.RunTrial(spec, new Sweeps.TrialKey(cell, 0));
        Assert.Equal(t.Trial.Metrics.Select(m => m.Name), Sweeps.SweepSpec.ParseMetrics(a.MetricsJson).Keys);
        Assert.True(a.SameOutcome(b), $"{a} vs {b}");
    }

    [Theory]
    [MemberData(nameof(Registered))]
    public void Theorem_SameSeed_ReproducibleBytesAndExactRoundTrip(string command)
    {
        using var h = new CliHarness();
        var (a, pathA, textA) = Certify(h, command, "a");
        var (_, pathB, _) = Certify(h, command, "b");
        Assert.Equal(CliHarness.WithoutInvocation(pathA), CliHarness.WithoutInvocation(pathB));
        Assert.Equal(textA, CertificateJson.Serialize(a));
        Assert.Equal(command, a.Theorem.Command);
        Assert.Contains(a.Options, o => o.Name == "seed");
    }

    [Theory]
    [MemberData(nameof(Registered))]
    public void Theorem_Verify_AgreesAndDetectsEveryEdit(string command)
    {
        using var h = new CliHarness();
        var (_, path, text) = Certify(h, command, "c");
        var (code, stdout, stderr) = h.Run("verify", path);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("verified     byte-identical re-run", stdout);

        // One changed byte anywhere in the body — a digit, a letter, a space — is tampering (exit 7).
        var rng = new Random(17); // picks positions only; no number of the theorem depends on it
        int hashAt = text.LastIndexOf("\"contentHash\"", StringComparison.Ordinal);
        foreach (int pos in new[] { 1, text.IndexOf("\"seed\"", StringComparison.Ordinal) + 8, rng.Next(10, hashAt - 1), hashAt - 2 })
        {
            char ch = text[pos];
            char replacement = char.IsDigit(ch) ? (ch == '9' ? '8' : (char)(ch + 1)) : ch == ' ' ? '\t' : ch == 'a' ? 'b' : 'a';
            var edited = string.Concat(text.AsSpan(0, pos), replacement.ToString(), text.AsSpan(pos + 1));
            File.WriteAllText(h.PathOf("t.json"), edited);
            var (c2, out2, err2) = h.Run("verify", h.PathOf("t.json"));
            Assert.True(c2 == CliApp.ExitVerifyTampered, $"edit at {pos} ('{ch}' → '{replacement}'): exit {c2}, {out2}{err2}");
        }
    }

    [Theory]
    [MemberData(nameof(Registered))]
    public void Theorem_CitedIds_MatchTheoryFile(string command)
    {
        var t = Theorems.Find(command);
        var theoryDir = Path.Combine(InspectTests.RepoRoot(), "theory");
        var file = Directory.GetFiles(theoryDir, t.Id + "-*.md").Single();
        var stated = Regex.Matches(File.ReadAllText(file), $@"\b{t.Id}\.[CR]\d+\b").Select(m => m.Value).ToHashSet();
        var cited = t.CitedIds.ToHashSet();
        Assert.Empty(stated.Except(cited));
        Assert.Empty(cited.Except(stated));
    }

    [Theory]
    [MemberData(nameof(Registered))]
    public void Theorem_Verdict_NeverClaimsMoreThanItsRows(string command)
    {
        using var h = new CliHarness();
        var (c, _, _) = Certify(h, command, "c");
        // The default instances are planted where the theorem holds: never refuted there.
        Assert.NotEqual(VerdictKind.Refuted, c.Verdict.Kind);
        AssertVerdictMatchesRows(c);
        // An instance each theorem excludes fails a hypothesis: never consistent.
        Assert.True(FailingInstance.TryGetValue(command, out var failing),
            $"name an instance where {command}'s hypotheses fail in {nameof(FailingInstance)}");
        var (bad, _, _) = Certify(h, command, "failing", failing);
        Assert.Equal(VerdictKind.HypothesesNotMet, bad.Verdict.Kind);
        AssertVerdictMatchesRows(bad);
    }

    /// <summary>
    /// Per theorem, options that break a hypothesis: P1's targets far from B·x make 4F(U₀) ≫ R²μ_F(R) (P1.C4); relu is not smooth (P2.C2, P4.C3); P3's γ = 1e-3 at N = 1000 leaves
    /// H + λ_N I indefinite (P3.C2); P5's teacher-labelled data are not orthogonally separable (P5.C1). The one line
    /// a new theorem adds here.
    /// </summary>
    private static readonly Dictionary<string, string[]> FailingInstance = new()
    {
        ["resnet-rff"] = ["--target-noise", "1e-3", "--radius", "3.4e-3"],
        ["local-pl"] = ["--activation", "relu"],
        ["moderate"] = ["--activation", "relu"],
        ["newton"] = ["--gamma", "1e-3"],
        ["convex-dual"] = ["--dataset", "teacher"],
    };

    /// <summary>The verdict follows from the rows by the rules of theory/README.md, and lists what it rests on.</summary>
    internal static void AssertVerdictMatchesRows(Certificate c)
    {
        var hypotheses = c.Conditions.Where(r => r.Role == CheckRole.Hypothesis).ToList();
        bool anyFailed = hypotheses.Any(r => r.Outcome == "fails");
        bool allEstablished = hypotheses.All(r => r.Holds && r.Status != NumberStatusKind.Estimated);
        var bounds = c.Predictions.Where(p => p.Role is CheckRole.Bound or CheckRole.ConditionalBound).ToList();
        if (anyFailed) Assert.Equal(VerdictKind.HypothesesNotMet, c.Verdict.Kind);
        if (c.Verdict.Kind == VerdictKind.Consistent)
        {
            Assert.True(allEstablished, "consistent with a hypothesis not established");
            Assert.Contains(bounds, p => p.Role == CheckRole.Bound);
            Assert.All(bounds, p => Assert.True(p.Holds, $"consistent with {p.Id} violated"));
            Assert.Equal(bounds.Select(p => p.Id).Distinct(), c.Verdict.Evaluated);
        }
        if (c.Verdict.Kind == VerdictKind.Refuted)
            Assert.Contains(bounds, p => !p.Holds && p.Role == CheckRole.Bound && p.Status != NumberStatusKind.Estimated);
        // An ID is established when every hypothesis row citing it is (P4.C4 has two: the step size and the ball).
        Assert.Equal(hypotheses.Select(r => r.Id).Distinct()
            .Where(id => hypotheses.Where(r => r.Id == id).All(r => r.Holds && r.Status != NumberStatusKind.Estimated)),
            c.Verdict.Established);
    }
}

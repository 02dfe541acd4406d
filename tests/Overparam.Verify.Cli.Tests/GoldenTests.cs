using System.Text.Json;
using Overparam.Verify.Cli.Commands;
using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Tests;

/// <summary>
/// The default certificates' conditions, predictions, trace and quantities stay at the schema-1 values written before
/// the port (Golden/vector512, recorded on an AVX-512 machine), within <see cref="VerifyCommand.CrossMachine"/>: issue
/// 10's outward rounding moved every number by ~1e-13 relative (P2's λ_lower(XXᵀ) is a certified bound instead of
/// λ_min − 1e-12·λ_max and reaches everything through α_c, a_min and a; P4's β, L, ‖X‖ and B₂ are rounded up and reach
/// the whole run through η = 1/β²), so the comparison is no longer bit for bit on any SIMD path (byte-identical
/// re-runs of one build are the conformance list's). Intentional changes are listed and checked for what they became.
/// </summary>
public class GoldenTests
{
    /// <summary>
    /// Verdicts changed on purpose since the port (issue 10): the P4 meta-theorem's ball hypothesis (a new P4.C4 row)
    /// is not established on these instances, so they are inconclusive instead of consistent.
    /// </summary>
    private static readonly Dictionary<string, string> Changed = new()
    {
        ["p4-gd"] = "inconclusive",
        ["p4-sgd"] = "inconclusive",
    };

    /// <summary>P4's ball row (added after the port): checked for its own rule, not against the golden file.</summary>
    private static bool IsBallRow(ConditionResult r) => r.Id == "P4.C4" && r.Statement.StartsWith("meta-theorem ball", StringComparison.Ordinal);

    public static TheoryData<string, string[]> Cases => new()
    {
        { "p2-gd", ["certify", "local-pl"] },
        { "p2-flow", ["certify", "local-pl", "--optimizer", "flow", "--n", "4", "--d", "6", "--widths", "6,6", "--seed", "3", "--no-compare"] },
        { "p4-gd", ["certify", "moderate"] },
        { "p4-sgd", ["certify", "moderate", "--optimizer", "sgd", "--n", "6", "--d", "4", "--k", "32", "--steps", "300", "--trials", "2", "--seed", "5"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Port_DefaultCertificates_NumbersUnchanged(string name, string[] args)
    {
        var goldenDir = Path.Combine(AppContext.BaseDirectory, "Golden", "vector512");
        using var golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(goldenDir, name + ".json")));
        var g = golden.RootElement;

        using var h = new CliHarness();
        var (code, _, stderr) = h.Run([.. args, "--out", h.PathOf("c")]);
        Assert.True(code is 0 or 3 or 4, stderr);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));

        var tol = VerifyCommand.CrossMachine;
        void Same(string field, double expected, double actual)
        {
            // Schema 1 wrote NaN and ±∞ alike as null.
            bool ok = (double.IsNaN(expected) && !double.IsFinite(actual))
                || BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual)
                || tol.Accepts(expected, actual);
            Assert.True(ok, $"{name} {field}: golden {expected:R}, now {actual:R} (cross-machine tolerance)");
        }
        static double D(JsonElement e) => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble();

        Assert.Equal(Changed.GetValueOrDefault(name, g.GetProperty("verdict").GetString()!), ContractNames.Of(c.Verdict.Kind));
        var conditions = g.GetProperty("conditions").EnumerateArray().ToList();
        var ball = c.Conditions.Where(IsBallRow).ToList();
        Assert.Equal(c.Theorem.Id == "P4" ? 1 : 0, ball.Count);
        // Not established on these instances: inconclusive, and its value (a certified lower bound over the ball) 0.
        Assert.All(ball, r => Assert.Equal("inconclusive", r.Outcome));
        var kept = c.Conditions.Where(r => !IsBallRow(r)).ToList();
        Assert.Equal(conditions.Count, kept.Count);
        foreach (var (old, now) in conditions.Zip(kept))
        {
            Assert.Equal(old.GetProperty("id").GetString(), now.Id);
            if (now.Id is "P4.C1" or "P2.C1")
            {
                // Since the port P4.C1 (P2.C1) holds a certified lower bound on σ_min(J(W₀)) (λ_min(XXᵀ)) against 0
                // instead of the exact value against a numerical-zero threshold: below the golden exact value, and
                // within 1e-9 of it here (well separated).
                double exact = D(old.GetProperty("value"));
                Assert.True(now.Value <= exact && now.Value >= exact * (1 - 1e-9), $"{name} {now.Id}: certified {now.Value:R} vs exact {exact:R}");
                Assert.Equal(NumberStatusKind.Certified, now.Status);
                Assert.Equal(old.GetProperty("holds").GetBoolean(), now.Holds);
                continue;
            }
            // P4.C4's step-size row wrote 1/β² as its value and η as its threshold before issue 10; now η ≤ 1/β² reads
            // in its own order.
            bool swapped = now.Id == "P4.C4" && now.Role == CheckRole.Hypothesis;
            Same(now.Id + ".value", D(old.GetProperty(swapped ? "threshold" : "value")), now.Value);
            Same(now.Id + ".threshold", D(old.GetProperty(swapped ? "value" : "threshold")), now.Threshold);
            Same(now.Id + ".margin", D(old.GetProperty("margin")), now.Margin);
            // P4.C3's B = max(B₁, B₂) is a closed form rounded up since issue 10: certified, no longer exact.
            string status = now.Id == "P4.C3" ? "certified" : old.GetProperty("status").GetString()!;
            Assert.Equal(status, ContractNames.Of(now.Status));
            Assert.Equal(old.GetProperty("holds").GetBoolean(), now.Holds);
            Assert.Equal(old.GetProperty("role").GetString(), ContractNames.Of(now.Role));
        }
        var predictions = g.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(predictions.Count, c.Predictions.Count);
        foreach (var (old, now) in predictions.Zip(c.Predictions))
        {
            Assert.Equal(old.GetProperty("id").GetString(), now.Id);
            Same(now.Id + ".bound", D(old.GetProperty("bound")), now.Bound);
            Same(now.Id + ".observed", D(old.GetProperty("observed")), now.Observed);
            Same(now.Id + ".slack", D(old.GetProperty("slack")), now.Slack);
            Assert.Equal(old.GetProperty("status").GetString(), ContractNames.Of(now.Status));
            Assert.Equal(old.GetProperty("holds").GetBoolean(), now.Holds);
            // P2.R6 checks the tool's own α_c: a self-check since issue 10 (a violation is an internal error).
            Assert.Equal(now.Id == "P2.R6" ? "self-check" : old.GetProperty("kind").GetString(), ContractNames.Of(now.Role));
        }

        // Trace: same columns, renamed where schema 1 misnamed them (P4 stored 2λ_min in ntkAlpha).
        bool p4 = c.Theorem.Id == "P4";
        foreach (var col in g.GetProperty("trace").EnumerateObject())
        {
            var oldValues = col.Value.EnumerateArray().Select(D).ToArray();
            var (newName, scale) = p4 && col.Name == "ntkAlpha" ? ("lambdaMinNtk", 2.0) : (col.Name, 1.0);
            var now = c.Trace.Column(newName);
            Assert.True(now is not null, $"{name}: trace column {newName} missing");
            Assert.Equal(oldValues.Length, now!.Values.Length);
            for (int i = 0; i < oldValues.Length; i++) Same($"trace.{col.Name}[{i}]", oldValues[i], scale * now.Values[i]);
        }

        double Q(string group, string quantity) =>
            c.Quantities.Single(x => x.Name == group).Values.Single(v => v.Name == quantity).Value;
        double Any(string quantity) => c.Quantities.SelectMany(x => x.Values).Single(v => v.Name == quantity).Value;
        foreach (var v in g.GetProperty("alpha").GetProperty("values").EnumerateArray())
            Same("alpha." + v.GetProperty("name").GetString(), D(v.GetProperty("value")), Q("alpha", v.GetProperty("name").GetString()!));
        var init = g.GetProperty("initialization");
        var map = p4
            ? new Dictionary<string, string> { ["outputScale"] = "ν", ["radius"] = "R", ["initialLoss"] = "L(W₀)", ["beta"] = "β̂_H", ["stepSize"] = "η", ["lambdaMinInputGram"] = "lambda_min(XX^T)" }
            : new Dictionary<string, string>
            {
                ["outputScale"] = "a",
                ["minimalOutputScale"] = "a_min",
                ["radius"] = "r",
                ["smallestHiddenWeight"] = "w_min",
                ["initialLoss"] = "f(w₀)",
                ["lambdaMinInputGram"] = "λ_min(XXᵀ)",
                ["minSensitivity"] = "minᵢ‖uᵢ(w₀)‖",
                ["minSensitivityCertified"] = "inf_B minᵢ‖uᵢ‖",
                ["beta"] = "β̂",
                ["stepSize"] = "η",
            };
        foreach (var (oldName, newName) in map) Same("initialization." + oldName, D(init.GetProperty(oldName)), Any(newName));
        foreach (var q in g.GetProperty("quantities").EnumerateArray())
        {
            string oldName = q.GetProperty("name").GetString()!;
            // Schema 1 kept the sampled β̂_H twice (initialization.beta and this entry); schema 2 once, as β̂_H.
            string newName = oldName == "beta_H estimate" ? "β̂_H" : oldName;
            Same("quantities." + oldName, D(q.GetProperty("value")), Any(newName));
        }
        foreach (var run in g.GetProperty("comparison").EnumerateArray())
        {
            string init0 = run.GetProperty("initialization").GetString()!;
            long it = run.GetProperty("iterationsToTarget").GetInt64();
            Same($"comparison.{init0}.iterations", it < 0 ? double.NaN : it, Q("speed", init0));
            Same($"comparison.{init0}.η", D(run.GetProperty("stepSize")), Q("comparison", init0 + " η"));
            Same($"comparison.{init0}.final", D(run.GetProperty("finalLoss")), Q("comparison", init0 + " final f"));
        }
    }
}

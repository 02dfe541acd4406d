using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Tests;

/// <summary><c>overparam verify</c>: every outcome a script must tell apart, each with its exit code.</summary>
public class VerifyTests
{
    private static readonly string[] Small = ["certify", "local-pl", "--n", "4", "--d", "6", "--widths", "6,6", "--seed", "3", "--no-compare"];

    [Fact]
    public void Verify_EditedNumberWithRecomputedHash_DiffersWithFieldTable()
    {
        using var h = new CliHarness();
        var (code, _, stderr) = h.Run([.. Small, "--out", h.PathOf("c")]);
        Assert.True(code == 0, stderr);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        // A forger who also recomputes the hash: the bytes check passes, the re-run does not agree.
        var conditions = c.Conditions.ToArray();
        conditions[0] = conditions[0] with { Value = conditions[0].Value * 1.01 };
        File.WriteAllText(h.PathOf("forged.json"), CertificateJson.Serialize(c with { Conditions = conditions }));
        var (code2, stdout, _) = h.Run("verify", h.PathOf("forged.json"));
        Assert.Equal(CliApp.ExitVerifyDiffers, code2);
        Assert.Contains("differs", stdout);
        Assert.Contains("conditions[P2.C1].value", stdout);
    }

    [Fact]
    public void Verify_EditedTextWithRecomputedHashAndOtherMachine_Differs()
    {
        using var h = new CliHarness();
        Assert.Equal(0, h.Run([.. Small, "--out", h.PathOf("c")]).Code);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        // A forger relabels a measurement as a bound, rewrites the reason, and claims another machine so that only
        // tolerances would apply: text is still compared exactly.
        var predictions = c.Predictions.Select(p => p.Id == "P2.R4" ? p with { Role = CheckRole.Bound } : p).ToArray();
        var forged = c with
        {
            Predictions = predictions,
            Verdict = c.Verdict with { Reason = "all good" },
            Provenance = c.Provenance with { CpuModel = "another CPU", SimdPath = "scalar" },
        };
        File.WriteAllText(h.PathOf("forged.json"), CertificateJson.Serialize(forged));
        var (code, stdout, _) = h.Run("verify", h.PathOf("forged.json"));
        Assert.Equal(CliApp.ExitVerifyDiffers, code);
        Assert.Contains("predictions[P2.R4].role", stdout);
        Assert.Contains("verdict.reason", stdout);
    }

    [Fact]
    public void Verify_AddedByteOrderMark_Tampered()
    {
        using var h = new CliHarness();
        Assert.Equal(0, h.Run([.. Small, "--out", h.PathOf("c")]).Code);
        var bytes = File.ReadAllBytes(h.PathOf("c/certificate.json"));
        File.WriteAllBytes(h.PathOf("bom.json"), [0xEF, 0xBB, 0xBF, .. bytes]);
        Assert.Equal(CliApp.ExitVerifyTampered, h.Run("verify", h.PathOf("bom.json")).Code);
    }

    [Fact]
    public void Verify_DataFile_MissingMovedOrChanged()
    {
        using var h = new CliHarness();
        var data = h.Write("d.csv", "x1,x2,x3,x4,y\n1,0,0.5,0,1\n0,1,0,0.2,-1\n0.3,0,1,0,0.5\n");
        var (code, _, stderr) = h.Run("certify", "local-pl", "--data", data, "--widths", "4", "--steps", "200", "--no-compare", "--out", h.PathOf("c"));
        Assert.True(code is 0 or 4, stderr);
        var cert = h.PathOf("c/certificate.json");
        Assert.Equal(0, h.Run("verify", cert).Code);

        File.Move(data, h.PathOf("moved.csv"));
        var (missing, stdout, _) = h.Run("verify", cert);
        Assert.Equal(CliApp.ExitVerifyCannotRerun, missing);
        Assert.Contains("not found", stdout);
        Assert.Equal(0, h.Run("verify", cert, "--data", h.PathOf("moved.csv")).Code);

        h.Write("other.csv", "x1,x2,x3,x4,y\n1,0,0.5,0,1\n0,1,0,0.2,-1\n0.3,0,1,0,0.25\n");
        var (changed, stdout2, _) = h.Run("verify", cert, "--data", h.PathOf("other.csv"));
        Assert.Equal(CliApp.ExitVerifyCannotRerun, changed);
        Assert.Contains("SHA-256", stdout2);
    }

    [Theory]
    [InlineData("{\"schema\":\"overparam.certificate/1\",\"theorem\":\"P2\"}", "schema overparam.certificate/1")]
    [InlineData("{\"format\":\"overparam.model/1\"}", "not an overparam certificate")]
    [InlineData("{\"schema\":\"overparam.certificate/9\"}", "unknown schema")]
    [InlineData("{\"schema\":\"overparam.certificate/2\",\"theorem\":", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    public void Verify_NotACertificate_OneLineExitTwo(string content, string expected)
    {
        using var h = new CliHarness();
        var path = h.Write("x.json", content);
        var (code, stdout, stderr) = h.Run("verify", path);
        Assert.Equal(2, code);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains(expected, stderr);
        Assert.Empty(stdout);
    }

    [Fact]
    public void Verify_TruncatedCertificate_OneLineExitTwo()
    {
        using var h = new CliHarness();
        Assert.Equal(0, h.Run([.. Small, "--out", h.PathOf("c")]).Code);
        var text = File.ReadAllText(h.PathOf("c/certificate.json"));
        var path = h.Write("cut.json", text[..(text.Length / 2)]);
        var (code, _, stderr) = h.Run("verify", path);
        Assert.Equal(2, code);
        Assert.Contains("not valid JSON", stderr);
    }

    [Fact]
    public void Verify_UnknownTheorem_ExitTwo()
    {
        using var h = new CliHarness();
        Assert.Equal(0, h.Run([.. Small, "--out", h.PathOf("c")]).Code);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        var path = h.PathOf("p9.json");
        File.WriteAllText(path, CertificateJson.Serialize(c with { Theorem = c.Theorem with { Id = "P9" } }));
        var (code, _, stderr) = h.Run("verify", path);
        Assert.Equal(2, code);
        Assert.Contains("unknown theorem 'P9'", stderr);
    }

    [Fact]
    public void Verify_RemovedHash_Tampered()
    {
        using var h = new CliHarness();
        Assert.Equal(0, h.Run([.. Small, "--out", h.PathOf("c")]).Code);
        var c = CertificateJson.Deserialize(File.ReadAllText(h.PathOf("c/certificate.json")));
        // Serialized without its hash field value: a schema-2 body whose hash was blanked.
        var text = System.Text.RegularExpressions.Regex.Replace(CertificateJson.Serialize(c), "\"contentHash\": \"[0-9a-f]*\"", "\"contentHash\": \"\"");
        var path = h.Write("nohash.json", text);
        Assert.Equal(CliApp.ExitVerifyTampered, h.Run("verify", path).Code);
    }

    [Fact]
    public void Report_Rerenders_ConsoleAndMarkdown()
    {
        using var h = new CliHarness();
        var (code, certifyOut, _) = h.Run([.. Small, "--out", h.PathOf("c")]);
        Assert.Equal(0, code);
        var (c1, console, _) = h.Run("report", h.PathOf("c/certificate.json"));
        Assert.Equal(0, c1);
        // The console rendering is the one certify printed, minus its last "wrote …" line.
        Assert.Equal(string.Join('\n', certifyOut.TrimEnd('\n').Split('\n')[..^1]), console.TrimEnd('\n'));
        var (c2, md, _) = h.Run("report", h.PathOf("c/certificate.json"), "--format", "md");
        Assert.Equal(0, c2);
        Assert.Equal(File.ReadAllText(h.PathOf("c/report.md")), md);
    }

    [Fact]
    public void Theorems_ListsTheRegistry()
    {
        using var h = new CliHarness();
        var (code, stdout, _) = h.Run("theorems");
        Assert.Equal(0, code);
        foreach (var t in Theory.Theorems.All)
        {
            Assert.Contains($"certify {t.Command}", stdout);
            Assert.Contains(t.Title, stdout);
        }
    }
}

namespace Overparam.Verify.Cli.Tests;

public class ReadmeTests
{
    private const string RunPrefix = "dotnet run -c Release --project src/Overparam.Verify.Cli -- ";

    [Fact]
    public void Readme_MainJobCommand_RunsAndIsConsistent()
    {
        // The README promises a newcomer this exact command; run its arguments in-process (output redirected to a temp folder).
        var readme = File.ReadAllLines(Path.Combine(InspectTests.RepoRoot(), "README.md"));
        var line = readme.First(l => l.StartsWith(RunPrefix, StringComparison.Ordinal)).Trim();
        var args = line[RunPrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["certify", "local-pl"], args);

        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run([.. args, "--out", h.PathOf("cert")]);
        Assert.True(code == 0, stderr);
        Assert.Contains("verdict: consistent", stdout);
        Assert.True(File.Exists(h.PathOf("cert/certificate.json")));
    }

    [Fact]
    public void Readme_TestCommand_IsTheOneCiRuns()
    {
        var root = InspectTests.RepoRoot();
        const string testCommand = "dotnet test Overparam.Verify.sln -c Release";
        Assert.Contains(testCommand, File.ReadAllText(Path.Combine(root, "README.md")));
        Assert.Contains(File.ReadAllLines(Path.Combine(root, ".ci", "run")), l => l.Trim() == testCommand);
    }
}

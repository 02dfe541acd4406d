using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Overparam.Verify.Cli.Tests;

/// <summary>
/// The README's Slurm array recipe against a real Slurm: scripts/slurm-local.sh starts a single-node Slurm (munged,
/// slurmctld, slurmd) in a temporary folder, submits p4-sweep.sh (4 array tasks) and the dependent p4-merge.sh, requeues
/// one task and merges again, and compares the merged report with an unsharded run of the same grid. About 25 s.
/// </summary>
public class SlurmTests(ITestOutputHelper output)
{
    [SlurmFact]
    public void ReadmeArrayRecipe_OnLocalSlurm_MergedReportEqualsUnshardedRun()
    {
        var script = Path.Combine(InspectTests.RepoRoot(), "scripts", "slurm-local.sh");
        var dll = typeof(CliApp).Assembly.Location;
        var host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, host, dll }) psi.ArgumentList.Add(a);

        var log = new StringBuilder();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        // The script waits at most 300 s per job step itself; this bound only catches a hung daemon or shell.
        if (!p.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            // SIGTERM first: the script's trap cancels the jobs and stops the daemons it started.
            using (var term = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) term.WaitForExit();
            if (!p.WaitForExit(TimeSpan.FromSeconds(30))) p.Kill(entireProcessTree: true);
            Assert.Fail("scripts/slurm-local.sh did not finish within 8 minutes:\n" + log);
        }
        p.WaitForExit();   // flushes the asynchronous readers
        string text;
        lock (log) text = log.ToString();
        output.WriteLine(text);
        Assert.True(p.ExitCode == 0, $"scripts/slurm-local.sh exited {p.ExitCode}:\n{text}");
        Assert.Contains("slurm-local: PASS:", text);
    }
}

/// <summary>
/// A fact that runs only where Slurm and munge are installed and the test runs as root (slurmd starts job steps);
/// elsewhere it is reported as skipped with the reason and the install command.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        var missing = new[] { "slurmctld", "slurmd", "sbatch", "munged" }.Where(c => !OnPath(c)).ToList();
        if (missing.Count > 0)
            Skip = $"Slurm is not installed here ({string.Join(", ", missing)} not on PATH): 'apt-get install -y slurm-wlm munge' to run scripts/slurm-local.sh";
        else if (Environment.UserName != "root")
            Skip = "scripts/slurm-local.sh starts slurmd, which needs root; run the tests as root to include it";
    }

    private static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin"])
            .Any(d => File.Exists(Path.Combine(d, name)));
}

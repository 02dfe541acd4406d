using System.Diagnostics;
using Overparam.Verify.Cli.Sweeps;

namespace Overparam.Verify.Cli.Tests;

public class SweepKillTests
{
    // n/(kd) = 2, 1, 0.5: two failing cells that use the whole budget (a few seconds with one worker, so the kill
    // lands mid-sweep) and one that succeeds early, so the stored verdicts are mixed.
    private static readonly string[] Sweep =
        ["sweep", "moderate", "--n", "40", "--k", "2,4,8", "--d", "10", "--trials", "6", "--steps", "8000", "--seed", "9"];

    private const int Total = 3 * 6;

    [Fact]
    public void Sweep_KilledMidwayThenResumed_EqualsUninterruptedRun()
    {
        using var h = new CliHarness();
        var killed = h.PathOf("killed.db");

        // The real executable in a child process, killed hard (SIGKILL) once some trials are committed.
        var dll = typeof(CliApp).Assembly.Location;
        var host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = h.Dir };
        psi.ArgumentList.Add(dll);
        foreach (var a in Sweep) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--jobs");
        psi.ArgumentList.Add("1");
        foreach (var a in new[] { "--store", killed, "--out", h.PathOf("killed-out") }) psi.ArgumentList.Add(a);

        long atKill;
        using (var child = Process.Start(psi)!)
        {
            var clock = Stopwatch.StartNew();
            atKill = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(60) && !child.HasExited)
            {
                atKill = StoredCount(killed);
                if (atKill >= 3) break;
                Thread.Sleep(20);
            }
            // (The message must not read the child's output unless it has exited: ReadToEnd would wait for the end.)
            if (child.HasExited) Assert.Fail($"the sweep ended before it could be killed: {child.StandardError.ReadToEnd()}");
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        // Read-write: if the kill hit a commit, opening rolls the hot journal back (a read-only open could not).
        long afterKill = StoredCount(killed, readOnly: false);
        Assert.InRange(afterKill, atKill, Total - 1);   // killed mid-way: some, not all, trials stored   // killed mid-way: some, not all, trials stored

        // Resume in-process; then an uninterrupted run of the same sweep into another store.
        var (code, stdout, stderr) = h.Run([.. Sweep, "--store", killed, "--out", h.PathOf("resumed-out"), "--resume", "--jobs", "2"]);
        Assert.True(code == 0, stderr);
        Assert.Contains($"{Total - afterKill} run, {afterKill} already stored", stdout);
        var (code2, _, stderr2) = h.Run([.. Sweep, "--store", h.PathOf("clean.db"), "--out", h.PathOf("clean-out"), "--jobs", "2"]);
        Assert.True(code2 == 0, stderr2);

        var resumed = Rows(killed);
        var clean = Rows(h.PathOf("clean.db"));
        Assert.Equal(Total, resumed.Count);
        Assert.Equal(Total, resumed.Select(r => r.Key).Distinct().Count());
        Assert.Equal(clean.Select(r => r.Key), resumed.Select(r => r.Key));
        for (int i = 0; i < Total; i++) Assert.True(clean[i].SameOutcome(resumed[i]), $"{clean[i]} vs {resumed[i]}");
        Assert.Equal(
            File.ReadAllText(h.PathOf("clean-out/report.md")).Split("## Cells")[1].Split("Trials run")[0],
            File.ReadAllText(h.PathOf("resumed-out/report.md")).Split("## Cells")[1].Split("Trials run")[0]);
    }

    private static long StoredCount(string path, bool readOnly = true)
    {
        if (!File.Exists(path)) return 0;
        try
        {
            using var s = RunStore.Open(path, readOnly);
            return s.Count();
        }
        catch (Engine.InvalidInputException)
        {
            return 0;   // the child is still creating the schema
        }
    }

    private static List<TrialResult> Rows(string store)
    {
        using var s = RunStore.Open(store, readOnly: true);
        return s.Results(Assert.Single(s.Sweeps()).Key);
    }
}

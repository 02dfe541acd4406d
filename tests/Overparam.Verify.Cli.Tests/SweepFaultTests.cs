using Microsoft.Data.Sqlite;

namespace Overparam.Verify.Cli.Tests;

/// <summary>
/// Run stores and sweep outputs under faults: garbage in the file, a zero-byte file, two sweeps started at once, a
/// stale or live lease, a time budget, and options that cannot apply — each an exit code and one line, never a
/// stack trace or a half-written report.
/// </summary>
public class SweepFaultTests
{
    private static readonly string[] Tiny = ["sweep", "moderate", "--n", "6,8", "--k", "2,4", "--d", "3", "--trials", "2", "--steps", "200", "--jobs", "1"];

    private static void AssertOneLine(int code, string stderr, int expectedCode, string expected)
    {
        Assert.True(code == expectedCode, $"exit {code}: {stderr}");
        Assert.DoesNotContain("   at ", stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains(expected, stderr);
    }

    private static string StoreWithTrials(CliHarness h, string name)
    {
        var store = h.PathOf(name);
        var (code, _, stderr) = h.Run([.. Tiny, "--store", store, "--out", h.PathOf("rep-" + name)]);
        Assert.True(code == 0, stderr);
        return store;
    }

    [Fact]
    public void Store_GarbageInTheMiddle_EveryCommandExitsTwoNamingTheFile()
    {
        using var h = new CliHarness();
        var store = StoreWithTrials(h, "s.db");
        // Overwrite 4 KiB in the middle of the file, as a bad disk or a torn copy would.
        var bytes = File.ReadAllBytes(store);
        Assert.True(bytes.Length >= 12 * 1024, $"store of {bytes.Length} bytes");
        var rng = new Random(3);
        var junk = new byte[4096];
        rng.NextBytes(junk);
        junk.CopyTo(bytes, bytes.Length / 2 - 2048);
        File.WriteAllBytes(store, bytes);

        var (c1, _, e1) = h.Run([.. Tiny, "--store", store, "--resume", "--out", h.PathOf("r1")]);
        AssertOneLine(c1, e1, 2, $"run store '{store}' is damaged");
        var (c2, _, e2) = h.Run("sweep", "report", "--store", store, "--out", h.PathOf("r2"));
        AssertOneLine(c2, e2, 2, $"run store '{store}' is damaged");
        var (c3, _, e3) = h.Run("sweep", "merge", store, "--out", h.PathOf("m.db"));
        AssertOneLine(c3, e3, 2, "damaged");
        Assert.False(Directory.Exists(h.PathOf("r1")) || Directory.Exists(h.PathOf("r2")) || File.Exists(h.PathOf("m.db")));
    }

    [Fact]
    public void Store_ZeroBytes_NewForWritingEmptyForReading()
    {
        using var h = new CliHarness();
        var empty = h.Write("empty.db", "");
        var (c1, _, e1) = h.Run("sweep", "report", "--store", empty, "--out", h.PathOf("r"));
        AssertOneLine(c1, e1, 2, "is empty");
        var (c2, _, e2) = h.Run("sweep", "merge", empty, "--out", h.PathOf("m.db"));
        AssertOneLine(c2, e2, 2, "is empty");
        // Written to, a zero-byte file is a new store.
        var (c3, stdout, e3) = h.Run([.. Tiny, "--store", empty, "--out", h.PathOf("r3")]);
        Assert.True(c3 == 0, e3);
        Assert.Contains("8 run, 0 already stored", stdout);
    }

    [Fact]
    public async Task Store_TwoSweepsStartedAtOnce_OneRunsTheOtherIsToldWhy()
    {
        for (int attempt = 0; attempt < 6; attempt++)
        {
            using var h = new CliHarness();
            var store = h.PathOf("new.db");
            using var start = new Barrier(2);
            (int Code, string Out, string Err) Run(string rep)
            {
                start.SignalAndWait();
                return h.Run([.. Tiny, "--store", store, "--out", h.PathOf(rep)]);
            }
            // Two threads, so the barrier releases both at once whatever the pool's size.
            var a = Task.Factory.StartNew(() => Run("ra"), TaskCreationOptions.LongRunning);
            var b = Task.Factory.StartNew(() => Run("rb"), TaskCreationOptions.LongRunning);
            var results = await Task.WhenAll(a, b);
            Assert.Contains(results, r => r.Code == 0);
            foreach (var r in results.Where(r => r.Code != 0))
            {
                AssertOneLine(r.Code, r.Err, 2, r.Err.Contains("store in use", StringComparison.Ordinal) ? "store in use" : "--resume");
                Assert.DoesNotContain("already exists", r.Err);
                Assert.DoesNotContain("not an overparam run store", r.Err);
            }
            // Every trial stored once, whoever ran it.
            var (rc, report, _) = h.Run("sweep", "report", "--store", store, "--out", h.PathOf("final"));
            Assert.Equal(0, rc);
            Assert.Contains("4 cells, 8 trials", report);
        }
    }

    [Fact]
    public void Store_LiveLeaseRefusedStaleLeaseTakenOver()
    {
        using var h = new CliHarness();
        var store = StoreWithTrials(h, "s.db");
        var key = File.ReadAllText(h.PathOf("rep-s.db/summary.json")).Split("\"sweepKey\": \"")[1].Split('"')[0];
        string now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        void Lease(int pid, string startedAt, string shard = "1/1")
        {
            using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store, Pooling = false }.ToString());
            db.Open();
            using (var clear = db.CreateCommand())
            {
                clear.CommandText = "DELETE FROM leases;";
                clear.ExecuteNonQuery();
            }
            using var cmd = db.CreateCommand();
            cmd.CommandText = "INSERT INTO leases VALUES($k, 'someone-else', $p, $h, $t, $t);";
            cmd.Parameters.AddWithValue("$k", key + "/" + shard);
            cmd.Parameters.AddWithValue("$p", pid);
            cmd.Parameters.AddWithValue("$h", Environment.MachineName);
            cmd.Parameters.AddWithValue("$t", startedAt);
            cmd.ExecuteNonQuery();
        }
        // A live process on this host (this test's own) holds the sweep: refused with who holds it.
        Lease(Environment.ProcessId, now);
        var (c1, _, e1) = h.Run([.. Tiny, "--store", store, "--resume", "--out", h.PathOf("r1")]);
        AssertOneLine(c1, e1, 2, $"store in use: {store} is running sweep {key}");
        // Nor may a merge replace the store under it.
        var (cm, _, em) = h.Run("sweep", "merge", StoreWithTrials(h, "other.db"), "--out", store);
        AssertOneLine(cm, em, 2, "store in use");
        // Another sharding of the same sweep whose cells overlap (1/2 and 1/4 share cell 0) is refused too; one whose
        // cells are disjoint (2/4 owns odd cells only) may run beside it.
        Lease(Environment.ProcessId, now, "1/2");
        var (cs, _, es) = h.Run([.. Tiny, "--store", store, "--resume", "--shard", "1/4"]);
        AssertOneLine(cs, es, 2, $"store in use: {store} is running {key}/1/2, which overlaps sweep {key} (shard 1/4)");
        var (cd, _, ed) = h.Run([.. Tiny, "--store", store, "--resume", "--shard", "2/4"]);
        Assert.True(cd == 0, ed);
        // The holder's PID now belongs to a process that started after the lease (this one, with a lease dated
        // January): the holder was killed and its PID reused, so the lease is taken over.
        Lease(Environment.ProcessId, "2026-01-01T00:00:00.000Z");
        var (c0, _, e0) = h.Run([.. Tiny, "--store", store, "--resume", "--out", h.PathOf("r0")]);
        Assert.True(c0 == 0, e0);
        // A process that no longer exists (killed without releasing): taken over.
        Lease(int.MaxValue - 7, now);
        var (c2, stdout, e2) = h.Run([.. Tiny, "--store", store, "--resume", "--out", h.PathOf("r2")]);
        Assert.True(c2 == 0, e2);
        Assert.Contains("0 run, 8 already stored", stdout);
    }

    [Fact]
    public void Sweep_BudgetExceeded_ExitFiveSaysHowToResumeAndResumeFinishesTheSameSweep()
    {
        using var h = new CliHarness();
        string[] grid = ["sweep", "moderate", "--n", "10,14,20", "--k", "2,4,6,8", "--d", "4", "--trials", "3", "--steps", "3000", "--jobs", "1"];
        var store = h.PathOf("s.db");
        var (c1, stdout1, e1) = h.Run([.. grid, "--store", store, "--out", h.PathOf("r"), "--max-seconds", "0.2"]);
        AssertOneLine(c1, e1, CliApp.ExitBudgetExceeded, "--max-seconds 0.2 exceeded");
        Assert.Contains("resume with: overparam sweep moderate", e1);
        Assert.EndsWith("--resume", e1.TrimEnd());
        Assert.Empty(stdout1);
        Assert.False(Directory.Exists(h.PathOf("r")), "no report from an interrupted sweep");

        var (c2, stdout2, e2) = h.Run([.. grid, "--store", store, "--out", h.PathOf("r"), "--resume"]);
        Assert.True(c2 == 0, e2);
        Assert.Contains("already stored", stdout2);
        var (c3, _, e3) = h.Run([.. grid, "--store", h.PathOf("fresh.db"), "--out", h.PathOf("ref")]);
        Assert.True(c3 == 0, e3);
        // The resumed sweep reports exactly what an uninterrupted one does.
        string Cells(string dir) => File.ReadAllText(Path.Combine(dir, "summary.json")).Split("\"cells\"")[1].Split("\"boundary\"")[0];
        Assert.Equal(Cells(h.PathOf("ref")), Cells(h.PathOf("r")));
    }

    [Theory]
    [InlineData("--refine-trials does not apply with no --refine-width", "--refine-trials", "3")]
    [InlineData("--refine-rounds does not apply with no --refine-width", "--refine-rounds", "2")]
    public void Sweep_RefineOptionsWithoutRefinement_Refused(string expected, string option, string value)
    {
        using var h = new CliHarness();
        var (code, _, stderr) = h.Run([.. Tiny, option, value, "--store", h.PathOf("s.db"), "--out", h.PathOf("r")]);
        AssertOneLine(code, stderr, 2, expected);
        Assert.False(File.Exists(h.PathOf("s.db")));
    }

    [Fact]
    public void Sweep_OutUnusableOrEqualToStore_RefusedBeforeAnyTrial()
    {
        using var h = new CliHarness();
        h.Write("file.txt", "x");
        var (c1, _, e1) = h.Run([.. Tiny, "--store", h.PathOf("s.db"), "--out", h.PathOf("file.txt/sub")]);
        AssertOneLine(c1, e1, 2, "--out: parent folder of");
        var (c2, _, e2) = h.Run([.. Tiny, "--store", h.PathOf("same"), "--out", h.PathOf("same")]);
        AssertOneLine(c2, e2, 2, "--out and --store name the same path");
        Assert.False(File.Exists(h.PathOf("s.db")), "no store may be created before the outputs are known to work");
        Assert.False(File.Exists(h.PathOf("same")));
    }
}

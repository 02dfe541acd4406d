using Microsoft.Data.Sqlite;
using Overparam.Verify.Cli.Sweeps;
using Overparam.Verify.Engine;
using static Overparam.Verify.Cli.Tests.SweepTrialTests;

namespace Overparam.Verify.Cli.Tests;

public class SweepStoreTests
{
    private static readonly SweepSpec S = Spec(steps: "200");

    private static TrialResult Result(int n, int k, int trial, double finalLoss = 0.001, double wall = 0.5) =>
        new(new TrialKey(C(n, k), trial), S.TrialSeed(C(n, k), trial), "completed", false,
            S.MetricsJson([1.0, finalLoss, 200, 0.1, 0.5, 2.0]), wall);

    [Fact]
    public void Insert_SameKeySameOutcome_IsSkippedAndDifferentOutcomeIsAConflict()
    {
        using var h = new CliHarness();
        using var s = RunStore.Open(h.PathOf("a.db"));
        s.EnsureSweep(S.Key, "P4", S.ToJson());
        Assert.True(s.Insert(S.Key, Result(6, 2, 0)));
        Assert.False(s.Insert(S.Key, Result(6, 2, 0, wall: 9.0)));   // wall time is not part of the outcome
        var e = Assert.Throws<InvalidInputException>(() => s.Insert(S.Key, Result(6, 2, 0, finalLoss: 0.002)));
        Assert.Contains("conflicting", e.Message);
        Assert.Equal(1, s.Count(S.Key));
    }

    [Fact]
    public void Results_RoundTripBitForBit()
    {
        using var h = new CliHarness();
        using var s = RunStore.Open(h.PathOf("a.db"));
        s.EnsureSweep(S.Key, "P4", S.ToJson());
        var r = Result(6, 2, 1) with
        {
            Seed = ulong.MaxValue,
            MetricsJson = S.MetricsJson([double.NaN, 1.0 / 3.0, double.PositiveInfinity, double.Epsilon, -0.0, 1e308]),
        };
        s.Insert(S.Key, r);
        var back = Assert.Single(s.Results(S.Key));
        Assert.True(back.SameOutcome(r));
        Assert.Equal(r.WallSeconds, back.WallSeconds);
        Assert.True(double.IsNaN(back.Metric("initial-loss")));
        Assert.Equal(1.0 / 3.0, back.Metric("final-loss"));
        Assert.Equal(double.PositiveInfinity, back.Metric("steps"));
        Assert.Equal(double.Epsilon, back.Metric("learning-rate"));
        Assert.Equal(1e308, back.Metric("theory-ratio"));
    }

    [Fact]
    public void Merge_Union_KeepsEveryRowOnceAndRefusesConflicts()
    {
        using var h = new CliHarness();
        using (var a = RunStore.Open(h.PathOf("a.db")))
        using (var b = RunStore.Open(h.PathOf("b.db")))
        using (var c = RunStore.Open(h.PathOf("c.db")))
        {
            foreach (var s in new[] { a, b, c }) s.EnsureSweep(S.Key, "P4", S.ToJson());
            a.Insert(S.Key, Result(6, 2, 0));
            a.Insert(S.Key, Result(6, 2, 1));
            b.Insert(S.Key, Result(6, 2, 1));   // overlap with the same outcome
            b.Insert(S.Key, Result(6, 4, 0));
            c.Insert(S.Key, Result(6, 4, 0, finalLoss: 0.5));   // overlap with a different outcome
        }
        long added = RunStore.Merge([h.PathOf("a.db"), h.PathOf("b.db")], h.PathOf("all.db"));
        Assert.Equal(3, added);
        using (var all = RunStore.Open(h.PathOf("all.db"), readOnly: true))
            Assert.Equal(3, all.Count());

        var before = File.ReadAllBytes(h.PathOf("all.db"));
        var e = Assert.Throws<InvalidInputException>(() => RunStore.Merge([h.PathOf("c.db")], h.PathOf("all.db")));
        Assert.Contains("n = 6, k = 4, trial 0", e.Message);
        Assert.Equal(before, File.ReadAllBytes(h.PathOf("all.db")));
        Assert.Empty(Directory.GetFiles(h.Dir, "all.db.tmp-*"));
    }

    [Fact]
    public void Open_NotAStore_ThrowsInputError()
    {
        using var h = new CliHarness();
        var p = h.Write("junk.db", "this is not a database, just some text that is long enough to look like a header........");
        Assert.Throws<InvalidInputException>(() => RunStore.Open(p));
        Assert.Throws<InvalidInputException>(() => RunStore.Open(h.PathOf("missing.db"), readOnly: true));
    }

    [Fact]
    public void Open_SchemaVersion1Store_IsRefusedWithTheReason()
    {
        using var h = new CliHarness();
        var path = h.PathOf("v1.db");
        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "CREATE TABLE sweeps(sweep_key TEXT PRIMARY KEY, kind TEXT, parameters TEXT, created_at TEXT); PRAGMA user_version = 1;";
            cmd.ExecuteNonQuery();
        }
        foreach (bool readOnly in new[] { true, false })
        {
            var e = Assert.Throws<InvalidInputException>(() => RunStore.Open(path, readOnly));
            Assert.Contains("schema version 1", e.Message);
            Assert.Contains("new --store", e.Message);
        }
    }

    [Fact]
    public void EnsureSweep_SameKeyDifferentParameters_Throws()
    {
        using var h = new CliHarness();
        using var s = RunStore.Open(h.PathOf("a.db"));
        s.EnsureSweep("k1", "P4", "{\"a\":1}");
        s.EnsureSweep("k1", "P4", "{\"a\":1}");
        Assert.Throws<InvalidInputException>(() => s.EnsureSweep("k1", "P4", "{\"a\":2}"));
    }
}

using Overparam.Verify.Cli.Sweeps;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Cli.Tests;

public class SweepStoreTests
{
    private static readonly ModerateSweepSpec Spec =
        new(7, 3, ActivationKind.Softplus, LabelKind.Random, 1.0, 200, 1e-4, 1.0, TheoryRatios.DefaultName);

    private static TrialResult Result(int n, int k, int trial, double finalLoss = 0.001, double wall = 0.5) =>
        new(new TrialKey(n, k, trial), Spec.TrialSeed(n, k, trial), "completed", 1.0, finalLoss, 200, false, 0.1, 2.0, wall);

    [Fact]
    public void Insert_SameKeySameOutcome_IsSkippedAndDifferentOutcomeIsAConflict()
    {
        using var h = new CliHarness();
        using var s = RunStore.Open(h.PathOf("a.db"));
        s.EnsureSweep(Spec.Key, "moderate", Spec.ToJson());
        Assert.True(s.Insert(Spec.Key, Spec, Result(6, 2, 0)));
        Assert.False(s.Insert(Spec.Key, Spec, Result(6, 2, 0, wall: 9.0)));   // wall time is not part of the outcome
        var e = Assert.Throws<InvalidInputException>(() => s.Insert(Spec.Key, Spec, Result(6, 2, 0, finalLoss: 0.002)));
        Assert.Contains("conflicting", e.Message);
        Assert.Equal(1, s.Count(Spec.Key));
    }

    [Fact]
    public void Results_RoundTripBitForBit()
    {
        using var h = new CliHarness();
        using var s = RunStore.Open(h.PathOf("a.db"));
        s.EnsureSweep(Spec.Key, "moderate", Spec.ToJson());
        var r = Result(6, 2, 1, finalLoss: 1.0 / 3.0) with { Seed = ulong.MaxValue, InitialLoss = double.NaN };
        s.Insert(Spec.Key, Spec, r);
        var back = Assert.Single(s.Results(Spec.Key));
        Assert.True(back.SameOutcome(r));
        Assert.Equal(r.WallSeconds, back.WallSeconds);
    }

    [Fact]
    public void Merge_Union_KeepsEveryRowOnceAndRefusesConflicts()
    {
        using var h = new CliHarness();
        using (var a = RunStore.Open(h.PathOf("a.db")))
        using (var b = RunStore.Open(h.PathOf("b.db")))
        using (var c = RunStore.Open(h.PathOf("c.db")))
        {
            foreach (var s in new[] { a, b, c }) s.EnsureSweep(Spec.Key, "moderate", Spec.ToJson());
            a.Insert(Spec.Key, Spec, Result(6, 2, 0));
            a.Insert(Spec.Key, Spec, Result(6, 2, 1));
            b.Insert(Spec.Key, Spec, Result(6, 2, 1));   // overlap with the same outcome
            b.Insert(Spec.Key, Spec, Result(6, 4, 0));
            c.Insert(Spec.Key, Spec, Result(6, 4, 0, finalLoss: 0.5));   // overlap with a different outcome
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
    public void EnsureSweep_SameKeyDifferentParameters_Throws()
    {
        using var h = new CliHarness();
        using var s = RunStore.Open(h.PathOf("a.db"));
        s.EnsureSweep("k1", "moderate", "{\"a\":1}");
        s.EnsureSweep("k1", "moderate", "{\"a\":1}");
        Assert.Throws<InvalidInputException>(() => s.EnsureSweep("k1", "moderate", "{\"a\":2}"));
    }

    [Fact]
    public void TrialSeed_DependsOnCellAndTrialOnly()
    {
        Assert.Equal(Spec.TrialSeed(40, 8, 3), (Spec with { Steps = 999 }).TrialSeed(40, 8, 3));
        Assert.NotEqual(Spec.TrialSeed(40, 8, 3), Spec.TrialSeed(40, 8, 4));
        Assert.NotEqual(Spec.TrialSeed(40, 8, 3), Spec.TrialSeed(8, 40, 3));
        Assert.NotEqual(Spec.TrialSeed(40, 8, 3), (Spec with { Seed = 8 }).TrialSeed(40, 8, 3));
    }

    [Fact]
    public void Key_ChangesWithTrialParametersOnly()
    {
        Assert.Equal(Spec.Key, (Spec with { }).Key);
        Assert.NotEqual(Spec.Key, (Spec with { Steps = 201 }).Key);
        Assert.NotEqual(Spec.Key, (Spec with { Activation = ActivationKind.Relu }).Key);
        Assert.Matches("^[0-9a-f]{16}$", Spec.Key);
    }
}

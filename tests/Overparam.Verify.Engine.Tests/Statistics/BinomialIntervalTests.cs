using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Statistics;
using MathNetSf = MathNet.Numerics.SpecialFunctions;

namespace Overparam.Verify.Engine.Tests.Statistics;

public class BinomialIntervalTests
{
    public static TheoryData<int, int> Counts => new()
    {
        { 0, 1 }, { 1, 1 }, { 0, 10 }, { 1, 10 }, { 5, 10 }, { 9, 10 }, { 10, 10 }, { 3, 17 }, { 0, 400 }, { 123, 400 }, { 400, 400 },
    };

    [Theory]
    [MemberData(nameof(Counts))]
    public void Wilson_Endpoints_SolveTheScoreEquation(int s, int t)
    {
        // The Wilson limits are the p with (p̂ − p)² = z²·p(1 − p)/t: the score test's acceptance boundary.
        var ci = BinomialInterval.Wilson(s, t);
        double ph = (double)s / t, z2 = BinomialInterval.Z95 * BinomialInterval.Z95;
        foreach (double p in new[] { ci.Low, ci.High })
            Assert.True(Tolerance.RoundOff.Accepts(z2 * p * (1 - p) / t, (ph - p) * (ph - p)), $"s={s} t={t} p={p}");
        Assert.True(ci.Low <= ph && ph <= ci.High);
        Assert.True(ci.Low >= 0 && ci.High <= 1);
    }

    [Fact]
    public void Wilson_ExtremeCounts_AreExactlyZeroAndOne()
    {
        Assert.Equal(0.0, BinomialInterval.Wilson(0, 10).Low);
        Assert.Equal(1.0, BinomialInterval.Wilson(10, 10).High);
        Assert.Equal(new ProportionInterval(0, 1), BinomialInterval.Wilson(0, 0));
    }

    [Fact]
    public void Wilson_ZeroOfTen_MatchesHandComputedValue()
    {
        // (z²/2t ± z·√(z²/4t²)) / (1 + z²/t) with t = 10: high = (z²/10)/(1 + z²/10).
        double z2 = BinomialInterval.Z95 * BinomialInterval.Z95;
        Assert.True(Tolerance.RoundOff.Accepts(z2 / 10 / (1 + z2 / 10), BinomialInterval.Wilson(0, 10).High));
    }

    [Theory]
    [MemberData(nameof(Counts))]
    public void ClopperPearson_Limits_AreBetaQuantilesByMathNet(int s, int t)
    {
        var ci = BinomialInterval.ClopperPearson(s, t);
        if (s > 0) Assert.True(Tolerance.Solver.Accepts(0.025, MathNetSf.BetaRegularized(s, t - s + 1, ci.Low)));
        else Assert.Equal(0.0, ci.Low);
        if (s < t) Assert.True(Tolerance.Solver.Accepts(0.975, MathNetSf.BetaRegularized(s + 1, t - s, ci.High)));
        else Assert.Equal(1.0, ci.High);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(250)]
    public void ClopperPearson_AllOrNothing_MatchesClosedForm(int t)
    {
        // s = 0: (1 − p)^t = α/2 ⇒ high = 1 − (α/2)^{1/t}; s = t symmetric.
        double closed = 1 - Math.Pow(0.025, 1.0 / t);
        Assert.True(Tolerance.Solver.Accepts(closed, BinomialInterval.ClopperPearson(0, t).High));
        Assert.True(Tolerance.Solver.Accepts(1 - closed, BinomialInterval.ClopperPearson(t, t).Low));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(20)]
    public void ClopperPearson_ExactCoverage_IsAtLeastNominal(int t)
    {
        // Coverage at p = Σ_s Binom(s; t, p)·[p ∈ CI(s)], exact; the Clopper–Pearson guarantee is ≥ 95% for every p.
        var cis = Enumerable.Range(0, t + 1).Select(s => BinomialInterval.ClopperPearson(s, t)).ToArray();
        for (int i = 1; i < 200; i++)
        {
            double p = i / 200.0, coverage = 0;
            for (int s = 0; s <= t; s++)
                if (cis[s].Low <= p && p <= cis[s].High) coverage += MathNet.Numerics.Distributions.Binomial.PMF(p, t, s);
            Assert.True(Tolerance.RoundOff.AcceptsAtLeast(0.95, coverage), $"t={t} p={p} coverage {coverage}");
        }
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(3.5)]
    [InlineData(10)]
    [InlineData(171.3)]
    public void LogGamma_MatchesMathNet(double x)
    {
        Assert.True(Tolerance.RoundOff.Accepts(MathNetSf.GammaLn(x), Engine.Statistics.SpecialFunctions.LogGamma(x)));
    }

    [Theory]
    [InlineData(-1, 3)]
    [InlineData(4, 3)]
    public void Wilson_BadCounts_Throw(int s, int t)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BinomialInterval.Wilson(s, t));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinomialInterval.ClopperPearson(s, t));
    }
}

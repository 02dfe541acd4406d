using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Engine.Statistics;

namespace Overparam.Verify.Engine.Tests.Statistics;

public class PhaseBoundaryTests
{
    // Fieller's and the delta method's log-scale limits agree to first order when the slope is many SEs from 0.
    private static readonly Tolerance FirstOrderAgreement = new(0, 0.05);

    private static RatioCount[] Simulate(double c0, double sharpness, int trials, ulong seed)
    {
        var rng = RandomStreams.For(seed, "test/boundary");
        var ratios = new[] { 0.125, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0 };
        return ratios.Select(r =>
        {
            double p = LogisticRegression.Sigmoid(-sharpness * Math.Log(r / c0));
            return new RatioCount(r, Enumerable.Range(0, trials).Count(_ => rng.NextDouble() < p), trials);
        }).ToArray();
    }

    [Fact]
    public void Fit_SimulatedTransition_IntervalContainsTrueC0()
    {
        var b = PhaseBoundary.Fit(Simulate(0.6, 3.0, 40, 5));
        Assert.True(b.Bounded);
        Assert.True(b.Low < 0.6 && 0.6 < b.High, $"c0 = {b.C0} [{b.Low}, {b.High}]");
        Assert.True(b.Low < b.C0 && b.C0 < b.High);
    }

    [Fact]
    public void Fit_PointEstimate_IsWhereFittedProbabilityIsHalf()
    {
        var b = PhaseBoundary.Fit(Simulate(1.3, 2.0, 30, 6));
        Assert.True(Tolerance.RoundOff.Accepts(0.5, b.Fit.Probability(Math.Log(b.C0))));
    }

    [Fact]
    public void Fit_StrongSlope_FiellerAgreesWithDeltaMethod()
    {
        var b = PhaseBoundary.Fit(Simulate(0.8, 2.0, 2000, 7));
        double logC0 = Math.Log(b.C0), half = BinomialInterval.Z95 * b.LogC0StdError;
        Assert.True(FirstOrderAgreement.Accepts(half, logC0 - Math.Log(b.Low)), $"{half} vs {logC0 - Math.Log(b.Low)}");
        Assert.True(FirstOrderAgreement.Accepts(half, Math.Log(b.High) - logC0), $"{half} vs {Math.Log(b.High) - logC0}");
    }

    [Fact]
    public void Fit_FlatResponse_IntervalIsUnbounded()
    {
        RatioCount[] flat = [new(0.5, 5, 10), new(1, 6, 10), new(2, 5, 10)];
        var b = PhaseBoundary.Fit(flat);
        Assert.False(b.Bounded);
        Assert.Equal(double.PositiveInfinity, b.High);
        Assert.Equal(double.PositiveInfinity, b.LogWidth);
    }

    [Fact]
    public void Fit_SeparatedGrid_EstimateLiesBetweenLastSuccessAndFirstFailure()
    {
        RatioCount[] cells = [new(0.25, 10, 10), new(0.5, 10, 10), new(1, 0, 10), new(2, 0, 10)];
        var b = PhaseBoundary.Fit(cells);
        Assert.True(b.Fit.Separated);
        Assert.True(b.C0 > 0.5 && b.C0 < 1, $"c0 = {b.C0}");
    }

    [Fact]
    public void Fit_NonPositiveRatio_Throws()
    {
        Assert.Throws<InvalidInputException>(() => PhaseBoundary.Fit([new(0, 1, 2), new(1, 1, 2)]));
    }
}

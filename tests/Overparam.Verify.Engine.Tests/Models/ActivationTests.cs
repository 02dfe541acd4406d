using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;

namespace Overparam.Verify.Engine.Tests.Models;

public class ActivationTests
{
    // Cody's erf is good to a few ulps and MathNet's to ~1e-15; 1e-14 relative leaves room for both.
    private static readonly Tolerance ErfAgreement = new(0.0, 1e-14);

    // MathNet's erfc drifts to ~6e-14 relative deep in the tail (x ≈ 17, checked against mpmath); Cody's stays below 1e-15.
    private static readonly Tolerance MathNetErfcTail = new(0.0, 2e-13);

    // Far in the tails values are tiny, so only a purely relative comparison can tell an accurate formula from a cancelling one.
    private static readonly Tolerance TailRelative = new(0.0, 1e-13);

    // A 0.001-spaced grid comes within O(step²) ≈ 1e-6 of a smooth extremum, so tight bounds must be met that closely.
    private static readonly Tolerance GridResolution = new(1e-6, 0.0);

    private static readonly double[] Grid =
        [-7.3, -3.1, -1.7, -1.0, -0.6, -0.2, -0.03, 0.04, 0.25, 0.5, 0.9, 1.41, 2.2, 3.7, 6.1];

    public static TheoryData<ActivationKind> Kinds()
    {
        var d = new TheoryData<ActivationKind>();
        foreach (var k in Enum.GetValues<ActivationKind>()) d.Add(k);
        return d;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Derivative_OnGrid_MatchesCentralDifferenceOfValue(ActivationKind kind)
    {
        const double h = 1e-6;
        foreach (var x in Grid)
        {
            double fd = (Activations.Value(kind, x + h) - Activations.Value(kind, x - h)) / (2 * h);
            Assert.True(Tolerance.FiniteDifference.Accepts(fd, Activations.Derivative(kind, x)), $"{kind} σ′({x}): fd {fd}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SecondDerivative_OnGrid_MatchesCentralDifferenceOfDerivative(ActivationKind kind)
    {
        const double h = 1e-6;
        foreach (var x in Grid)
        {
            double fd = (Activations.Derivative(kind, x + h) - Activations.Derivative(kind, x - h)) / (2 * h);
            Assert.True(Tolerance.FiniteDifference.Accepts(fd, Activations.SecondDerivative(kind, x)), $"{kind} σ″({x}): fd {fd}");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Value_OnGrid_MatchesTextbookFormula(ActivationKind kind)
    {
        foreach (var x in Grid)
        {
            double expected = kind switch
            {
                ActivationKind.Identity => x,
                ActivationKind.Tanh => Math.Tanh(x),
                ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-x)),
                ActivationKind.Softplus => Math.Log(1 + Math.Exp(x)),
                ActivationKind.Relu => Math.Max(x, 0),
                ActivationKind.Gelu => x * 0.5 * (1 + MathNet.Numerics.SpecialFunctions.Erf(x / Math.Sqrt(2))),
                ActivationKind.Erf => MathNet.Numerics.SpecialFunctions.Erf(x),
                ActivationKind.Cos => Math.Cos(x),
                _ => throw new ArgumentOutOfRangeException(nameof(kind)),
            };
            Assert.True(Tolerance.RoundOff.Accepts(expected, Activations.Value(kind, x)), $"{kind}({x})");
        }
    }

    [Fact]
    public void Derivatives_OnGrid_MatchClosedForms()
    {
        foreach (var x in Grid)
        {
            double t = Math.Tanh(x), s = 1 / (1 + Math.Exp(-x));
            double phi = Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI);
            double cdf = 0.5 * (1 + MathNet.Numerics.SpecialFunctions.Erf(x / Math.Sqrt(2)));
            (ActivationKind K, double D1, double D2)[] cases =
            [
                (ActivationKind.Tanh, 1 - t * t, -2 * t * (1 - t * t)),
                (ActivationKind.Sigmoid, s * (1 - s), s * (1 - s) * (1 - 2 * s)),
                (ActivationKind.Softplus, s, s * (1 - s)),
                (ActivationKind.Gelu, cdf + x * phi, phi * (2 - x * x)),
                (ActivationKind.Erf, 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x), -4 * x / Math.Sqrt(Math.PI) * Math.Exp(-x * x)),
                (ActivationKind.Cos, -Math.Sin(x), -Math.Cos(x)),
                (ActivationKind.Relu, x > 0 ? 1 : 0, 0),
                (ActivationKind.Identity, 1, 0),
            ];
            foreach (var (k, d1, d2) in cases)
            {
                Assert.True(Tolerance.RoundOff.Accepts(d1, Activations.Derivative(k, x)), $"{k} σ′({x})");
                Assert.True(Tolerance.RoundOff.Accepts(d2, Activations.SecondDerivative(k, x)), $"{k} σ″({x})");
            }
        }
    }

    [Fact]
    public void Relu_AtZero_HasDerivativeZeroByConvention()
    {
        Assert.Equal(0.0, Activations.Derivative(ActivationKind.Relu, 0.0));
        Assert.Equal(0.0, Activations.SecondDerivative(ActivationKind.Relu, 0.0));
        Assert.Equal(0.0, Activations.Value(ActivationKind.Relu, 0.0));
    }

    [Theory]
    [InlineData(800.0)]
    [InlineData(-800.0)]
    [InlineData(40.0)]
    [InlineData(-40.0)]
    public void SigmoidSoftplusTanh_LargeArguments_StayFiniteAndAccurate(double x)
    {
        foreach (var k in new[] { ActivationKind.Sigmoid, ActivationKind.Softplus, ActivationKind.Tanh, ActivationKind.Gelu, ActivationKind.Erf })
        {
            Assert.True(double.IsFinite(Activations.Value(k, x)), $"{k}({x})");
            Assert.True(double.IsFinite(Activations.Derivative(k, x)), $"{k}′({x})");
            Assert.True(double.IsFinite(Activations.SecondDerivative(k, x)), $"{k}″({x})");
        }
        // Tails in closed form: softplus(x) = x + log(1 + e^{−x}) for x > 0 and log(1 + eˣ) for x < 0, sigmoid(x) = eˣ/(1 + eˣ)
        // for x < 0, sigmoid′ = e^{−|x|}/(1 + e^{−|x|})²; each must keep relative accuracy where the naive form loses it.
        double e = Math.Exp(-Math.Abs(x));
        double log1pE = e - e * e / 2 + e * e * e / 3; // log(1 + e) to full precision for e ≤ 5e-18
        double softplus = x > 0 ? x + log1pE : log1pE;
        Assert.True(TailRelative.Accepts(softplus, Activations.Value(ActivationKind.Softplus, x)));
        Assert.True(TailRelative.Accepts(e / ((1 + e) * (1 + e)), Activations.Derivative(ActivationKind.Sigmoid, x)));
        if (x < 0) Assert.True(TailRelative.Accepts(e / (1 + e), Activations.Value(ActivationKind.Sigmoid, x)));
    }

    [Fact]
    public void TanhDerivative_InTail_KeepsRelativeAccuracy()
    {
        // 1 − tanh²(20) cancels to ~4e-17 garbage; the exact value is 4e^{−40}/(1+e^{−40})².
        double e = Math.Exp(-40);
        double exact = 4 * e / ((1 + e) * (1 + e));
        Assert.True(Tolerance.RoundOff.Accepts(exact, Activations.Derivative(ActivationKind.Tanh, 20.0)));
    }

    [Fact]
    public void Erf_OnWideGrid_MatchesMathNet()
    {
        for (double x = -6; x <= 6; x += 0.0137)
            Assert.True(ErfAgreement.Accepts(MathNet.Numerics.SpecialFunctions.Erf(x), ErrorFunction.Erf(x)), $"erf({x})");
        for (double x = -3; x <= 26; x += 0.0531)
            Assert.True(MathNetErfcTail.Accepts(MathNet.Numerics.SpecialFunctions.Erfc(x), ErrorFunction.Erfc(x)), $"erfc({x})");
    }

    [Theory]
    // 40-digit values from mpmath (mp.dps = 40).
    [InlineData(0.3, 0.67137324054087257236)]
    [InlineData(1.5, 0.033894853524689272933)]
    [InlineData(4.5, 1.9661604415428874763e-10)]
    [InlineData(6.0, 2.1519736712498913117e-17)]
    [InlineData(10.0, 2.088487583762544757e-45)]
    [InlineData(17.5, 3.1988638123434809882e-135)]
    [InlineData(26.0, 5.6631924088561428465e-296)]
    [InlineData(-2.5, 1.9995930479825550411)]
    public void Erfc_AgainstHighPrecisionReference_IsAccurateToAFewUlps(double x, double expected)
    {
        Assert.True(ErfAgreement.Accepts(expected, ErrorFunction.Erfc(x)), $"erfc({x}) = {ErrorFunction.Erfc(x):R}");
    }

    [Fact]
    public void Erf_SpecialArguments_AreExact()
    {
        Assert.Equal(0.0, ErrorFunction.Erf(0.0));
        Assert.Equal(1.0, ErrorFunction.Erf(double.PositiveInfinity));
        Assert.Equal(-1.0, ErrorFunction.Erf(double.NegativeInfinity));
        Assert.Equal(0.0, ErrorFunction.Erfc(30.0));
        Assert.Equal(2.0, ErrorFunction.Erfc(-30.0));
        Assert.True(double.IsNaN(ErrorFunction.Erf(double.NaN)));
        Assert.Equal(-ErrorFunction.Erf(0.3), ErrorFunction.Erf(-0.3));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SpanVersions_AcrossLengths_MatchScalar(ActivationKind kind)
    {
        foreach (int n in new[] { 0, 1, 7, 8, 9, 63, 64, 65, 257 })
        {
            var x = new double[n];
            for (int i = 0; i < n; i++) x[i] = Math.Sin(1.7 * i) * 4;
            var v = new double[n];
            var d = new double[n];
            var dd = new double[n];
            Activations.Value(kind, x, v);
            Activations.Derivative(kind, x, d);
            Activations.SecondDerivative(kind, x, dd);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(Activations.Value(kind, x[i]), v[i]);
                Assert.Equal(Activations.Derivative(kind, x[i]), d[i]);
                Assert.Equal(Activations.SecondDerivative(kind, x[i]), dd[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void DerivativeBounds_DenseGrid_ContainDerivativeAndAreApproached(ActivationKind kind)
    {
        var (lo, hi) = Activations.DerivativeBounds(kind);
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (double x = -40; x <= 40; x += 0.001)
        {
            double d = Activations.Derivative(kind, x);
            min = Math.Min(min, d);
            max = Math.Max(max, d);
        }
        Assert.True(Tolerance.RoundOff.AcceptsAtLeast(lo, min), $"{kind}: min σ′ {min} below {lo}");
        Assert.True(Tolerance.RoundOff.AcceptsAtMost(hi, max), $"{kind}: max σ′ {max} above {hi}");
        Assert.True(GridResolution.Accepts(lo, min), $"{kind}: inf σ′ {lo} but grid min {min}");
        Assert.True(GridResolution.Accepts(hi, max), $"{kind}: sup σ′ {hi} but grid max {max}");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void IsStrictlyIncreasing_AgreesWithDerivativeSignOnGrid(ActivationKind kind)
    {
        bool positive = true;
        for (double x = -10; x <= 10; x += 0.01) positive &= Activations.Derivative(kind, x) > 0;
        Assert.Equal(positive, Activations.IsStrictlyIncreasing(kind));
    }

    [Fact]
    public void ParseAndName_EveryKind_RoundTrips()
    {
        foreach (var k in Enum.GetValues<ActivationKind>())
            Assert.Equal(k, Activations.Parse(Activations.Name(k)));
        Assert.False(Activations.IsSmooth(ActivationKind.Relu));
        Assert.True(Activations.IsSmooth(ActivationKind.Gelu));
    }

    [Fact]
    public void Parse_UnknownName_ListsValidNames()
    {
        var e = Assert.Throws<InvalidInputException>(() => Activations.Parse("Tanh"));
        Assert.Contains("\"Tanh\"", e.Message);
        Assert.Contains("identity, tanh, sigmoid, softplus, relu, gelu, erf, cos", e.Message);
    }
}

using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Tests;

/// <summary>Certificate JSON: exact round trip of every double (NaN, ±∞, subnormals), names, enums and the content hash.</summary>
public class ContractJsonTests
{
    private static Certificate Sample(double value, double[] trace) => new(
        Certificate.SchemaId,
        new TheoremInfo("P0", "test", "Test theorem", "ref", "‖r‖² ≤ e^{−αt}"),
        new VerdictInfo(VerdictKind.HypothesesNotMet, "P0.C1 fails", [], [], ["P0.R1"]),
        ulong.MaxValue,
        [new OptionValue("n", "8"), new OptionValue("lr", "")],
        "overparam certify test",
        new Provenance("0.1.0", "abc", ".NET", "Linux", "CPU", 2, "scalar", 64, "00", "11"),
        [new ConditionResult("P0.C1", "x > 0", CheckRole.Hypothesis, value, double.PositiveInfinity, NumberStatusKind.Certified, false, double.NaN, "fails", "why")],
        [new PredictionResult("P0.R1", "f ≤ g", CheckRole.ConditionalBound, "at-most", double.NegativeInfinity, 1.0, NumberStatusKind.Estimated, true, 0.5, -1, "")],
        [],
        [new QuantityGroup("g", "Group", true, [new Quantity("q", value, NumberStatusKind.Exact, "d")])],
        new TraceTable([new TraceColumn("loss", ColumnRole.Observed, NumberStatusKind.Exact, "f", trace)], [new TracePlot("t", "loss", "loss", "", true)]));

    [Fact]
    public void Serialize_Doubles_RoundTripBitForBitIncludingNonFinite()
    {
        double[] values = [0.1, 1.0 / 3.0, double.Epsilon, -0.0, 1e308, double.NaN, double.PositiveInfinity, double.NegativeInfinity];
        var json = CertificateJson.Serialize(Sample(Math.PI, values));
        var back = CertificateJson.Deserialize(json);
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(BitConverter.DoubleToInt64Bits(values[i]), BitConverter.DoubleToInt64Bits(back.Trace.Columns[0].Values[i]));
        Assert.True(double.IsPositiveInfinity(back.Conditions[0].Threshold));
        Assert.True(double.IsNaN(back.Conditions[0].Margin));
        Assert.True(double.IsNegativeInfinity(back.Predictions[0].Bound));
        Assert.Equal(json, CertificateJson.Serialize(back));
    }

    [Fact]
    public void Serialize_NamesEnumsAndHash()
    {
        var json = CertificateJson.Serialize(Sample(2.0, [1.0]));
        Assert.Contains("\"schema\": \"overparam.certificate/2\"", json);
        Assert.Contains("\"kind\": \"hypotheses-not-met\"", json);
        Assert.Contains("\"role\": \"conditional-bound\"", json);
        Assert.Contains("\"seed\": 18446744073709551615", json);
        Assert.Contains("‖r‖²", json);
        Assert.Contains("\"threshold\": \"Infinity\"", json);
        Assert.Contains("\"margin\": null", json);
        Assert.True(CertificateJson.HashMatches(json, out var recorded, out var actual));
        Assert.Equal(actual, recorded);
        Assert.Matches("^[0-9a-f]{64}$", recorded);
        Assert.EndsWith($"\"contentHash\": \"{recorded}\"\n}}\n", json);
    }

    [Fact]
    public void Deserialize_UnknownMemberOrEnum_Refused()
    {
        var json = CertificateJson.Serialize(Sample(2.0, [1.0]));
        Assert.Throws<CertificateFormatException>(() => CertificateJson.Deserialize(json.Replace("\"kind\": \"hypotheses-not-met\"", "\"kind\": \"proved\"", StringComparison.Ordinal)));
        Assert.Throws<CertificateFormatException>(() => CertificateJson.Deserialize(json.Replace("\"seed\":", "\"extra\": 1, \"seed\":", StringComparison.Ordinal)));
        Assert.Throws<CertificateFormatException>(() => CertificateJson.Deserialize(json.Replace("\"threshold\": \"Infinity\"", "\"threshold\": \"big\"", StringComparison.Ordinal)));
    }
}

using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Certificates;

namespace Overparam.Verify.Engine.Tests.Certificates;

public class CertificateJsonTests
{
    private static Certificate Sample(double value, double[] loss) => new(
        Certificate.SchemaId, "P2", "title", "ref", "statement ∇f ‖r‖² w₀", "consistent", "because", 18446744073709551615UL,
        new Provenance("0.1.0", ".NET", 2, 256, "aa", "bb"),
        new InstanceDescription(2, 3, [4, 5], "tanh", "flow", double.NaN, "mean", "generated", 10, 1e-6),
        [new ConditionResult("P2.C1", "s", "hypothesis", value, 0.0, "exact", true, value, "holds", "")],
        [new PredictionResult("P2.R1", "s", "bound", "at-most", double.PositiveInfinity, 0.1, "certified", true, 0.0, 3, "")],
        new AlphaSummary([new NamedValue("derived", 1.5, "certified", "d")], "derived"),
        new InitializationSummary(1, "given", double.NaN, 0.1, "given", 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, double.NaN, "flow"),
        [new ComparisonRun("xavier", 0.1, 1.0, 1e-7, -1)],
        [new NotCheckedItem("P2.R5", "gap")],
        new TraceArrays([0, 1], [0.0, 0.5], loss, [1.0, 2.0], [0.0, 0.1], [1.0, 1.0], [double.NaN, double.NaN], [1.0, 0.5]));

    [Fact]
    public void Serialize_NonFiniteNumbers_WrittenAsNullAndReadBackAsNaN()
    {
        var json = CertificateJson.Serialize(Sample(1.0, [1.0, 0.25]));
        Assert.Contains("\"step\": null", json);
        Assert.DoesNotContain("NaN", json);
        Assert.DoesNotContain("Infinity", json);
        var back = CertificateJson.Deserialize(json);
        Assert.True(double.IsNaN(back.Instance.Step));
        Assert.True(double.IsNaN(back.Trace.NtkAlpha[1]));
        // +∞ has no JSON form; it comes back as NaN ("no number"), which no check can accept.
        Assert.True(double.IsNaN(back.Predictions[0].Bound));
    }

    [Fact]
    public void Serialize_Doubles_RoundTripBitForBit()
    {
        double[] hard = [0.1 + 0.2, 1.0 / 3.0, 5e-324, double.MaxValue, -0.0, 123456789.123456789];
        foreach (var v in hard)
        {
            var c = CertificateJson.Deserialize(CertificateJson.Serialize(Sample(v, [v, v])));
            Assert.Equal(BitConverter.DoubleToInt64Bits(v), BitConverter.DoubleToInt64Bits(c.Conditions[0].Value));
            Assert.Equal(BitConverter.DoubleToInt64Bits(v), BitConverter.DoubleToInt64Bits(c.Trace.Loss[1]));
        }
    }

    [Fact]
    public void Serialize_CamelCaseNamesAndSchema()
    {
        var json = CertificateJson.Serialize(Sample(1.0, [1.0, 0.5]));
        Assert.Contains("\"schema\": \"overparam.certificate/1\"", json);
        Assert.Contains("\"verdictReason\"", json);
        Assert.Contains("\"seed\": 18446744073709551615", json);
        Assert.Contains("‖r‖²", json);
        Assert.Equal(json, CertificateJson.Serialize(CertificateJson.Deserialize(json)));
    }

    [Fact]
    public void Deserialize_WrongSchemaOrBadJson_InvalidInput()
    {
        Assert.Throws<InvalidInputException>(() => CertificateJson.Deserialize("{\"schema\":\"other\"}"));
        Assert.Throws<InvalidInputException>(() => CertificateJson.Deserialize("{not json"));
    }
}

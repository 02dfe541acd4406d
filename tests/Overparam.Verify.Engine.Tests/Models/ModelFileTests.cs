using Overparam.Verify.Engine.IO;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Tests.Models;

public class ModelFileTests
{
    private const string Valid = """
        {"format":"overparam.model/1","architecture":"mlp","activation":"tanh","outputScale":0.5,
         "layers":[{"weight":[[1,2],[3,4],[5,6]],"bias":[0.1,0.2,0.3],"scale":2.0,"trainable":true},
                   {"weight":[[1,-1,0.25]],"bias":null,"scale":1.0,"trainable":false}]}
        """;

    private static double AwkwardDouble(RandomStream rng)
    {
        // Random bit patterns cover every exponent, subnormals and long mantissas; retry the non-finite ones.
        while (true)
        {
            double v = BitConverter.Int64BitsToDouble((long)rng.NextUInt64());
            if (double.IsFinite(v)) return v;
        }
    }

    [Fact]
    public void SerializeThenParse_RandomBitPatterns_RoundTripsBitExactly()
    {
        var rng = RandomStreams.For(1, "test/bits");
        var layers = new List<Layer>();
        int[] sizes = [3, 5, 4, 1];
        for (int l = 0; l + 1 < sizes.Length; l++)
        {
            var w = new Matrix(sizes[l + 1], sizes[l]);
            for (int i = 0; i < w.Data.Length; i++) w.Data[i] = AwkwardDouble(rng);
            double[]? b = l == 1 ? null : Enumerable.Range(0, sizes[l + 1]).Select(_ => AwkwardDouble(rng)).ToArray();
            layers.Add(new Layer(w, b, AwkwardDouble(rng), trainable: l != 2));
        }
        layers[0].Weight.Data[0] = -0.0;
        layers[0].Weight.Data[1] = double.Epsilon;
        layers[0].Weight.Data[2] = double.MaxValue;
        layers[0].Weight.Data[3] = 0.1;
        var model = new Mlp(ActivationKind.Gelu, layers, AwkwardDouble(rng));

        string json = ModelFile.Serialize(model);
        var back = ModelFile.Parse(json, "m.json");

        Assert.Equal(model.Activation, back.Activation);
        Assert.Equal(BitConverter.DoubleToInt64Bits(model.OutputScale), BitConverter.DoubleToInt64Bits(back.OutputScale));
        for (int l = 0; l < layers.Count; l++)
        {
            var a = model.Layers[l];
            var b = back.Layers[l];
            Assert.Equal(a.Weight.Rows, b.Weight.Rows);
            Assert.Equal(a.Weight.Data.Select(BitConverter.DoubleToInt64Bits), b.Weight.Data.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(a.Bias?.Select(BitConverter.DoubleToInt64Bits), b.Bias?.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(BitConverter.DoubleToInt64Bits(a.Scale), BitConverter.DoubleToInt64Bits(b.Scale));
            Assert.Equal(a.Trainable, b.Trainable);
        }
        Assert.Equal(json, ModelFile.Serialize(back));
    }

    [Fact]
    public void WriteThenRead_File_RoundTrips()
    {
        var model = Initializers.Gaussian(3, [4, 2], ActivationKind.Softplus, seed: 5, bias: true);
        string path = Path.Combine(Path.GetTempPath(), $"overparam-model-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            ModelFile.Write(path, model);
            var back = ModelFile.Read(path);
            Assert.Equal(model.GetParameters(), back.GetParameters());
            Assert.Equal(ModelFile.Serialize(model), File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Parse_ValidExample_ReadsEveryField()
    {
        var m = ModelFile.Parse(Valid, "m.json");
        Assert.Equal(ActivationKind.Tanh, m.Activation);
        Assert.Equal(0.5, m.OutputScale);
        Assert.Equal(2, m.Layers.Count);
        Assert.Equal(4.0, m.Layers[0].Weight[1, 1]);
        Assert.Equal([0.1, 0.2, 0.3], m.Layers[0].Bias!);
        Assert.Equal(2.0, m.Layers[0].Scale);
        Assert.Null(m.Layers[1].Bias);
        Assert.False(m.Layers[1].Trainable);
        Assert.Equal(9, m.ParameterCount);
    }

    [Fact]
    public void Parse_OptionalFieldsAbsent_TakesDocumentedDefaults()
    {
        var m = ModelFile.Parse("""{"format":"overparam.model/1","architecture":"mlp","activation":"relu","layers":[{"weight":[[1,2]]}]}""", "m.json");
        Assert.Equal(1.0, m.OutputScale);
        Assert.Null(m.Layers[0].Bias);
        Assert.Equal(1.0, m.Layers[0].Scale);
        Assert.True(m.Layers[0].Trainable);
    }

    public static TheoryData<string, string> Invalid() => new()
    {
        { Valid.Replace("[[1,2],[3,4],[5,6]]", "[[1,2],[3,4],[5,6,7]]"), "m.json: layers[0].weight row 2 has 3 entries, expected 2" },
        { Valid.Replace("overparam.model/1", "overparam.model/2"), "m.json: format is \"overparam.model/2\", expected \"overparam.model/1\"" },
        { Valid.Replace("\"format\":\"overparam.model/1\",", ""), "m.json: missing \"format\"" },
        { Valid.Replace("\"tanh\"", "\"swish\""), "m.json: activation is \"swish\"; valid: identity, tanh" },
        { Valid.Replace("\"mlp\"", "\"resnet\""), "m.json: architecture is \"resnet\", expected \"mlp\"" },
        { Valid.Replace("[0.1,0.2,0.3]", "[0.1,0.2]"), "m.json: layers[0].bias has 2 entries, expected 3" },
        { Valid.Replace("[[1,-1,0.25]]", "[[1,-1,0.25],[0,0,0]]"), "m.json: layers[1].weight has 2 rows; the last layer must have exactly 1" },
        { Valid.Replace("[[1,-1,0.25]]", "[[1,-1]]"), "m.json: layers[1].weight has 2 columns, but layers[0] has 3 rows" },
        { Valid.Replace("[[1,2],", "[[1,\"NaN\"],"), "m.json: layers[0].weight[0][1] must be a number, got \"NaN\"" },
        { Valid.Replace("[[1,2],", "[[1,NaN],"), "m.json: malformed JSON at line 2" },
        { Valid.Replace("[[1,2],", "[[1,1e999],"), "m.json: layers[0].weight[0][1] = 1e999 is not a finite float64" },
        { Valid.Replace("[[1,2],", "[[1,true],"), "m.json: layers[0].weight[0][1] must be a number, got true" },
        { Valid + " {}", "m.json: malformed JSON" },
        { Valid + "garbage", "m.json: malformed JSON" },
        { Valid.Replace("\"scale\":2.0", "\"scale\":\"2\""), "m.json: layers[0].scale must be a number" },
        { Valid.Replace("\"trainable\":true", "\"trainable\":1"), "m.json: layers[0].trainable must be true or false, got 1" },
        { Valid.Replace("\"trainable\":true", "\"trainabel\":true"), "m.json: layers[0].trainabel is not a field of overparam.model/1" },
        { Valid.Replace("\"outputScale\":0.5", "\"outputScale\":0.5,\"outputScale\":1"), "m.json: outputScale appears more than once" },
        { Valid.Replace("\"bias\":[0.1,0.2,0.3]", "\"bias\":{}"), "m.json: layers[0].bias must be an array or null, got an object" },
        { """{"format":"overparam.model/1","architecture":"mlp","activation":"tanh","layers":[]}""", "m.json: layers is empty" },
        { """{"format":"overparam.model/1","architecture":"mlp","activation":"tanh"}""", "m.json: missing \"layers\"" },
        { """{"format":"overparam.model/1","architecture":"mlp","activation":"tanh","layers":[{"weight":[]}]}""", "m.json: layers[0].weight has no rows" },
        { """{"format":"overparam.model/1","architecture":"mlp","activation":"tanh","layers":[{"weight":[[]]}]}""", "m.json: layers[0].weight row 0 is empty" },
        { """{"format":"overparam.model/1","architecture":"mlp","activation":"tanh","layers":[{"bias":null}]}""", "m.json: layers[0] is missing \"weight\"" },
        { """{"format":"overparam.model/1","architecture":"mlp","activation":"tanh","layers":[{"weight":[1,2]}]}""", "m.json: layers[0].weight row 0 must be an array of numbers, got a number" },
        { "[1,2]", "m.json: the top level must be a JSON object" },
        { "", "m.json: malformed JSON" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_InvalidModel_ThrowsOneLineMessageNamingFileAndPath(string json, string expectedStart)
    {
        var e = Assert.Throws<InvalidInputException>(() => ModelFile.Parse(json, "m.json"));
        Assert.StartsWith(expectedStart, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Read_MissingFile_ThrowsInvalidInputNamingPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-such-model-{Guid.NewGuid():N}.json");
        var e = Assert.Throws<InvalidInputException>(() => ModelFile.Read(path));
        Assert.StartsWith(path + ": cannot read model file", e.Message);
    }
}

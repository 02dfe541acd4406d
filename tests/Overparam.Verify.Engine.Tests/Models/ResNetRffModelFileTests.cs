using Overparam.Verify.Engine.IO;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Tests.Models;

/// <summary>The <c>"architecture":"resnet-rff"</c> model file: exact round trips and one-line refusals.</summary>
public class ResNetRffModelFileTests
{
    [Theory]
    [MemberData(nameof(ResNetRffTests.AllConfigurations), MemberType = typeof(ResNetRffTests))]
    public void SerializeThenParse_RoundTripsBitExactly(FeatureKind kind, OdeIntegrator integrator, NodeIndexing indexing)
    {
        var (model, x) = ResNetRffTests.Small(kind, integrator, indexing, seed: 14);
        // Awkward values (subnormal, huge, long mantissas) in the trained nodes.
        var theta = model.GetParameters();
        theta[0] = 5e-324;
        theta[1] = -1.7976931348623157e308 / 1e300;
        theta[2] = 0.1 + 0.2;
        model.SetParameters(theta);
        string text = ModelFile.Serialize(model);
        var back = ModelFile.ParseResNetRff(text, "r.json");
        Assert.Equal(text, ModelFile.Serialize(back));
        Assert.Equal(model.GetParameters(), back.GetParameters());
        Assert.Equal(model.Embedding.Data, back.Embedding.Data);
        Assert.Equal(model.Readout.Data, back.Readout.Data);
        Assert.Equal(model.Features.Weights.Data, back.Features.Weights.Data);
        Assert.Equal(model.Features.Offsets, back.Features.Offsets);
        Assert.Equal((model.Integrator, model.Indexing, model.Depth, model.Features.Kind), (back.Integrator, back.Indexing, back.Depth, back.Features.Kind));
        Assert.Equal(model.Features.Nu, back.Features.Nu);
        Assert.Equal(model.Forward(x), back.Forward(x));
        Assert.IsType<ResNetRff>(ModelFile.ParseAny(text, "r.json"));
        Assert.Equal(model.CanonicalBytes(), back.CanonicalBytes());
    }

    [Fact]
    public void WriteThenRead_File_RoundTrips()
    {
        var (model, _) = ResNetRffTests.Small(FeatureKind.Matern, OdeIntegrator.Midpoint, NodeIndexing.Linear);
        string path = Path.Combine(Path.GetTempPath(), $"resnet-{Guid.NewGuid():N}.json");
        try
        {
            ModelFile.Write(path, model);
            Assert.Equal(model.GetParameters(), ModelFile.ReadResNetRff(path).GetParameters());
            Assert.IsType<ResNetRff>(ModelFile.ReadAny(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MlpReaders_KeepWorking_AndRefuseTheOtherArchitecture()
    {
        var mlp = Initializers.Gaussian(2, [3], ActivationKind.Tanh, 1);
        string mlpText = ModelFile.Serialize(mlp);
        Assert.IsType<Mlp>(ModelFile.ParseAny(mlpText, "m.json"));
        Assert.Equal(mlp.GetParameters(), ModelFile.Parse(mlpText, "m.json").GetParameters());
        var (model, _) = ResNetRffTests.Small(FeatureKind.Gaussian, OdeIntegrator.Euler, NodeIndexing.Linear);
        var e = Assert.Throws<InvalidInputException>(() => ModelFile.Parse(ModelFile.Serialize(model), "r.json"));
        Assert.StartsWith("r.json: architecture is \"resnet-rff\", but only \"mlp\"", e.Message);
        e = Assert.Throws<InvalidInputException>(() => ModelFile.ParseResNetRff(mlpText, "m.json"));
        Assert.StartsWith("m.json: architecture is \"mlp\", but only \"resnet-rff\"", e.Message);
    }

    private static string Valid()
    {
        var a = Matrix.Identity(2);
        var fm = new FeatureMap(FeatureKind.Gaussian, Matrix.FromRows([[1.0, 0.5], [-0.5, 2.0], [0.25, 0.75]]), [0.1, 0.2, 0.3], 1.0);
        var model = new ResNetRff(a, Matrix.FromRows([[1.0, 1.0]]), fm, 2);
        return ModelFile.Serialize(model);
    }

    public static TheoryData<string, string> Invalid()
    {
        string v = Valid();
        return new TheoryData<string, string>
        {
            { v.Replace("\"midpoint\"", "\"heun\""), "r.json: integrator is \"heun\"; valid: euler, midpoint, rk4" },
            { v.Replace("\"depth\": 2", "\"depth\": 3"), "r.json: nodes has 3 matrices, expected depth + 1 = 4" },
            { v.Replace("\"depth\": 2", "\"depth\": 0"), "r.json: depth must be an integer ≥ 1, got 0" },
            { v.Replace("\"readout\": [\n    [1, 1]", "\"readout\": [\n    [0, 0]"), "r.json: the readout B does not have full row rank (P1.C2)" },
            { v.Replace("\"bandwidth\": 1", "\"bandwidth\": -1"), "r.json: features: the kernel bandwidth σ_k must be positive" },
            { v.Replace("\"kind\": \"gaussian\"", "\"kind\": \"matern\""), "r.json: features.nu is required for matern features" },
            { v.Replace("\"indexing\"", "\"indexng\""), "r.json: indexng is not a field of overparam.model/1" },
            { v.Replace("\"offset\": [0.1, 0.2, 0.3]", "\"offset\": [0.1, 0.2]"), "r.json: features: 2 feature offsets for 3 features" },
            { v.Replace("\"architecture\": \"resnet-rff\"", "\"architecture\": \"resnet\""), "r.json: " },
        };
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_InvalidResNet_ThrowsOneLineMessage(string json, string expectedStart)
    {
        Assert.NotEqual(Valid(), json); // the replacement must have hit
        var e = Assert.Throws<InvalidInputException>(() => ModelFile.ParseAny(json, "r.json"));
        Assert.StartsWith(expectedStart, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Valid_TemplateParses()
    {
        var m = ModelFile.ParseResNetRff(Valid(), "r.json");
        Assert.Equal(2, m.Depth);
        Assert.Equal(0.3, m.Features.Offsets[2]);
        _ = RandomStreams.For(1, "unused");
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Engine.IO;

/// <summary>
/// The model file format <c>overparam.model/1</c> (JSON):
/// <code>
/// {"format":"overparam.model/1","architecture":"mlp","activation":"tanh","outputScale":1.0,
///  "layers":[{"weight":[[..],..],"bias":[..] or null,"scale":1.0,"trainable":true}, ...]}
/// </code>
/// Weight rows are outputs; the last layer has one row. Required: "format", "architecture" ("mlp"), "activation",
/// "layers" (non-empty), and each layer's "weight". Defaults when absent: "outputScale" 1.0, "bias" null (no bias),
/// "scale" 1.0, "trainable" true. Unknown or repeated fields are refused, so a misspelt field never silently takes
/// its default. Numbers are written in shortest round-trip form and read back bit-identically.
/// Every problem is one line "source: json.path problem" in an <see cref="InvalidInputException"/>.
/// </summary>
public static class ModelFile
{
    /// <summary>The value of the "format" field this reader accepts and this writer emits.</summary>
    public const string FormatId = "overparam.model/1";

    private static readonly string[] RootFields = ["format", "architecture", "activation", "outputScale", "layers"];
    private static readonly string[] LayerFields = ["weight", "bias", "scale", "trainable"];

    /// <summary>The "architecture" value of a <see cref="ResNetRff"/>.</summary>
    public const string ResNetArchitecture = "resnet-rff";

    private static readonly string[] ResNetRootFields = ["format", "architecture", "integrator", "indexing", "depth", "embedding", "readout", "features", "nodes"];
    private static readonly string[] FeatureFields = ["kind", "bandwidth", "nu", "weight", "offset"];

    /// <summary>Reads and validates an MLP model file.</summary>
    /// <exception cref="InvalidInputException">The file cannot be read or is not a valid MLP model (a resnet-rff file is refused with a message saying so).</exception>
    public static Mlp Read(string path) => Parse(ReadText(path), path);

    /// <summary>Reads and validates a model file of any architecture ("mlp" or "resnet-rff").</summary>
    /// <exception cref="InvalidInputException">The file cannot be read or is not a valid model.</exception>
    public static IDifferentiableModel ReadAny(string path) => ParseAny(ReadText(path), path);

    /// <summary>Reads and validates a resnet-rff model file.</summary>
    /// <exception cref="InvalidInputException">The file cannot be read or is not a valid resnet-rff model.</exception>
    public static ResNetRff ReadResNetRff(string path) => ParseResNetRff(ReadText(path), path);

    private static string ReadText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        // Checked first: .NET reports a directory as "access denied" and a missing file with its full path.
        if (Directory.Exists(path))
            throw new InvalidInputException($"{path}: cannot read model file: it is a directory, expected a model file ({FormatId} JSON)");
        if (!File.Exists(path))
            throw new InvalidInputException($"{path}: cannot read model file: file not found");
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InvalidInputException($"{path}: cannot read model file: {e.Message}", e);
        }
    }

    /// <summary>Parses and validates MLP model JSON; <paramref name="sourceName"/> prefixes every error message.</summary>
    /// <exception cref="InvalidInputException">The text is not a valid MLP model.</exception>
    public static Mlp Parse(string json, string sourceName) =>
        WithDocument(json, sourceName, root => ParseModel(root, sourceName) switch
        {
            Mlp mlp => mlp,
            _ => throw Fail(sourceName, $"architecture is \"{ResNetArchitecture}\", but only \"mlp\" models are accepted here"),
        });

    /// <summary>Parses and validates model JSON of any architecture: an <see cref="Mlp"/> or a <see cref="ResNetRff"/>.</summary>
    /// <exception cref="InvalidInputException">The text is not a valid model.</exception>
    public static IDifferentiableModel ParseAny(string json, string sourceName) =>
        WithDocument(json, sourceName, root => ParseModel(root, sourceName));

    /// <summary>Parses and validates resnet-rff model JSON.</summary>
    /// <exception cref="InvalidInputException">The text is not a valid resnet-rff model.</exception>
    public static ResNetRff ParseResNetRff(string json, string sourceName) =>
        WithDocument(json, sourceName, root => ParseModel(root, sourceName) switch
        {
            ResNetRff r => r,
            _ => throw Fail(sourceName, $"architecture is \"mlp\", but only \"{ResNetArchitecture}\" models are accepted here"),
        });

    private static T WithDocument<T>(string json, string sourceName, Func<JsonElement, T> parse)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            string msg = e.Message;
            int cut = msg.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut < 0) cut = msg.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut >= 0) msg = msg[..cut];
            throw new InvalidInputException(
                $"{sourceName}: malformed JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {msg.Trim()}", e);
        }
        using (doc)
        {
            return parse(doc.RootElement);
        }
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (UTF-8, no BOM).</summary>
    /// <exception cref="InvalidInputException">The file cannot be written.</exception>
    public static void Write(string path, Mlp model)
    {
        ArgumentNullException.ThrowIfNull(path);
        WriteText(path, Serialize(model));
    }

    /// <summary>The model as overparam.model/1 JSON, every field written, one weight row per line.</summary>
    public static string Serialize(Mlp model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var sb = new StringBuilder();
        sb.Append("{\n");
        sb.Append("  \"format\": \"").Append(FormatId).Append("\",\n");
        sb.Append("  \"architecture\": \"mlp\",\n");
        sb.Append("  \"activation\": \"").Append(Activations.Name(model.Activation)).Append("\",\n");
        sb.Append("  \"outputScale\": ").Append(Number(model.OutputScale)).Append(",\n");
        sb.Append("  \"layers\": [\n");
        for (int l = 0; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            sb.Append("    {\n      \"weight\": [\n");
            for (int i = 0; i < layer.OutputSize; i++)
            {
                sb.Append("        ");
                AppendArray(sb, layer.Weight.Row(i));
                sb.Append(i + 1 < layer.OutputSize ? ",\n" : "\n");
            }
            sb.Append("      ],\n      \"bias\": ");
            if (layer.Bias is null) sb.Append("null");
            else AppendArray(sb, layer.Bias);
            sb.Append(",\n      \"scale\": ").Append(Number(layer.Scale));
            sb.Append(",\n      \"trainable\": ").Append(layer.Trainable ? "true" : "false");
            sb.Append(l + 1 < model.Layers.Count ? "\n    },\n" : "\n    }\n");
        }
        sb.Append("  ]\n}\n");
        return sb.ToString();
    }

    // "R" is the shortest string that parses back to the same double on .NET Core 3.0+; always valid JSON for finite values.
    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static void AppendArray(StringBuilder sb, ReadOnlySpan<double> values)
    {
        sb.Append('[');
        for (int j = 0; j < values.Length; j++)
        {
            if (j > 0) sb.Append(", ");
            sb.Append(Number(values[j]));
        }
        sb.Append(']');
    }

    private static IDifferentiableModel ParseModel(JsonElement root, string src)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw Fail(src, $"the top level must be a JSON object, got {Kind(root)}");
        // The architecture decides which fields are valid, so it is looked up before the field check.
        bool resnet = root.TryGetProperty("architecture", out var a) && a.ValueKind == JsonValueKind.String && a.GetString() == ResNetArchitecture;
        var fields = Fields(root, "", resnet ? ResNetRootFields : RootFields, src);

        if (!fields.TryGetValue("format", out var format))
            throw Fail(src, $"missing \"format\" (expected \"{FormatId}\")");
        if (format.ValueKind != JsonValueKind.String || format.GetString() != FormatId)
            throw Fail(src, $"format is {Show(format)}, expected \"{FormatId}\"");

        if (!fields.TryGetValue("architecture", out var arch))
            throw Fail(src, $"missing \"architecture\" (expected \"mlp\" or \"{ResNetArchitecture}\")");
        if (resnet) return ParseResNetRoot(fields, src);
        if (arch.ValueKind != JsonValueKind.String || arch.GetString() != "mlp")
            throw Fail(src, $"architecture is {Show(arch)}, expected \"mlp\" or \"{ResNetArchitecture}\"");

        if (!fields.TryGetValue("activation", out var actEl))
            throw Fail(src, $"missing \"activation\" (one of {string.Join(", ", Activations.AllNames)})");
        if (actEl.ValueKind != JsonValueKind.String || !Activations.AllNames.Contains(actEl.GetString()!))
            throw Fail(src, $"activation is {Show(actEl)}; valid: {string.Join(", ", Activations.AllNames)}");
        var activation = Activations.Parse(actEl.GetString()!);

        double outputScale = fields.TryGetValue("outputScale", out var os) ? ReadNumber(os, "outputScale", src) : 1.0;

        if (!fields.TryGetValue("layers", out var layersEl))
            throw Fail(src, "missing \"layers\"");
        if (layersEl.ValueKind != JsonValueKind.Array)
            throw Fail(src, $"layers must be an array, got {Kind(layersEl)}");
        int count = layersEl.GetArrayLength();
        if (count == 0) throw Fail(src, "layers is empty; a network needs at least one layer");

        var layers = new List<Layer>(count);
        int l = 0;
        foreach (var layerEl in layersEl.EnumerateArray())
        {
            var layer = ParseLayer(layerEl, $"layers[{l}]", src);
            if (l > 0 && layer.InputSize != layers[l - 1].OutputSize)
                throw Fail(src, $"layers[{l}].weight has {layer.InputSize} columns, but layers[{l - 1}] has {layers[l - 1].OutputSize} rows");
            layers.Add(layer);
            l++;
        }
        if (layers[^1].OutputSize != 1)
            throw Fail(src, $"layers[{count - 1}].weight has {layers[^1].OutputSize} rows; the last layer must have exactly 1 (scalar output)");
        return new Mlp(activation, layers, outputScale);
    }

    // Both architectures write the same way: UTF-8 without a BOM, an I/O failure as one input-error line.
    private static void WriteText(string path, string text)
    {
        try
        {
            File.WriteAllText(path, text, new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InvalidInputException($"{path}: cannot write model file: {e.Message}", e);
        }
    }

    // ------------------------------------------------------------------ resnet-rff

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (UTF-8, no BOM).</summary>
    /// <exception cref="InvalidInputException">The file cannot be written.</exception>
    public static void Write(string path, ResNetRff model)
    {
        ArgumentNullException.ThrowIfNull(path);
        WriteText(path, Serialize(model));
    }

    /// <summary>
    /// The model as overparam.model/1 JSON with "architecture": "resnet-rff":
    /// <code>
    /// {"format":"overparam.model/1","architecture":"resnet-rff","integrator":"midpoint","indexing":"linear","depth":L,
    ///  "embedding":[[..]] (A, d×d_in),"readout":[[..]] (B, k×d),
    ///  "features":{"kind":"gaussian"|"matern"|"relu","bandwidth":σ_k,"nu":ν or null,"weight":[[..]] (M×d),"offset":[..] (M)},
    ///  "nodes":[U_0, …, U_L] (each d×M)}
    /// </code>
    /// The feature draws are written out, not their seed, so the file alone reproduces the model bit for bit.
    /// </summary>
    public static string Serialize(ResNetRff model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var sb = new StringBuilder();
        sb.Append("{\n");
        sb.Append("  \"format\": \"").Append(FormatId).Append("\",\n");
        sb.Append("  \"architecture\": \"").Append(ResNetArchitecture).Append("\",\n");
        sb.Append("  \"integrator\": \"").Append(IntegratorName(model.Integrator)).Append("\",\n");
        sb.Append("  \"indexing\": \"").Append(IndexingName(model.Indexing)).Append("\",\n");
        sb.Append("  \"depth\": ").Append(model.Depth.ToString(CultureInfo.InvariantCulture)).Append(",\n");
        sb.Append("  \"embedding\": ");
        AppendMatrix(sb, model.Embedding, "    ");
        sb.Append(",\n  \"readout\": ");
        AppendMatrix(sb, model.Readout, "    ");
        var f = model.Features;
        sb.Append(",\n  \"features\": {\n");
        sb.Append("    \"kind\": \"").Append(FeatureKindName(f.Kind)).Append("\",\n");
        sb.Append("    \"bandwidth\": ").Append(Number(f.Bandwidth)).Append(",\n");
        sb.Append("    \"nu\": ").Append(double.IsNaN(f.Nu) ? "null" : Number(f.Nu)).Append(",\n");
        sb.Append("    \"weight\": ");
        AppendMatrix(sb, f.Weights, "      ");
        sb.Append(",\n    \"offset\": ");
        AppendArray(sb, f.Offsets.ToArray());
        sb.Append("\n  },\n  \"nodes\": [\n");
        for (int l = 0; l <= model.Depth; l++)
        {
            sb.Append("    ");
            AppendMatrix(sb, model.Node(l), "      ");
            sb.Append(l < model.Depth ? ",\n" : "\n");
        }
        sb.Append("  ]\n}\n");
        return sb.ToString();
    }

    /// <summary>"euler", "midpoint" or "rk4".</summary>
    public static string IntegratorName(OdeIntegrator integrator) => integrator switch
    {
        OdeIntegrator.Euler => "euler",
        OdeIntegrator.Midpoint => "midpoint",
        OdeIntegrator.Rk4 => "rk4",
        _ => throw new ArgumentOutOfRangeException(nameof(integrator)),
    };

    /// <summary>"linear" or "repository" (the <c>int(t·L − 1)</c> quirk).</summary>
    public static string IndexingName(NodeIndexing indexing) => indexing switch
    {
        NodeIndexing.Linear => "linear",
        NodeIndexing.RepositoryQuirk => "repository",
        _ => throw new ArgumentOutOfRangeException(nameof(indexing)),
    };

    /// <summary>"gaussian", "matern" or "relu".</summary>
    public static string FeatureKindName(FeatureKind kind) => kind switch
    {
        FeatureKind.Gaussian => "gaussian",
        FeatureKind.Matern => "matern",
        FeatureKind.Relu => "relu",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static void AppendMatrix(StringBuilder sb, Matrix m, string indent)
    {
        sb.Append("[\n");
        for (int i = 0; i < m.Rows; i++)
        {
            sb.Append(indent);
            AppendArray(sb, m.Row(i));
            sb.Append(i + 1 < m.Rows ? ",\n" : "\n");
        }
        sb.Append(indent, 0, indent.Length - 2).Append(']');
    }

    private static ResNetRff ParseResNetRoot(Dictionary<string, JsonElement> fields, string src)
    {
        string integratorName = RequireString(fields, "integrator", src, ["euler", "midpoint", "rk4"]);
        var integrator = integratorName switch { "euler" => OdeIntegrator.Euler, "midpoint" => OdeIntegrator.Midpoint, _ => OdeIntegrator.Rk4 };
        var indexing = fields.ContainsKey("indexing")
            ? RequireString(fields, "indexing", src, ["linear", "repository"]) == "linear" ? NodeIndexing.Linear : NodeIndexing.RepositoryQuirk
            : NodeIndexing.Linear;
        if (!fields.TryGetValue("depth", out var depthEl)) throw Fail(src, "missing \"depth\"");
        if (depthEl.ValueKind != JsonValueKind.Number || !depthEl.TryGetInt32(out int depth) || depth < 1)
            throw Fail(src, $"depth must be an integer ≥ 1, got {Show(depthEl)}");
        var a = ParseMatrix(Require(fields, "embedding", src), "embedding", src);
        var b = ParseMatrix(Require(fields, "readout", src), "readout", src);

        var fEl = Require(fields, "features", src);
        if (fEl.ValueKind != JsonValueKind.Object) throw Fail(src, $"features must be an object, got {Kind(fEl)}");
        var ff = Fields(fEl, "features.", FeatureFields, src);
        string kindName = RequireString(ff, "kind", src, ["gaussian", "matern", "relu"], "features.");
        var kind = kindName switch { "gaussian" => FeatureKind.Gaussian, "matern" => FeatureKind.Matern, _ => FeatureKind.Relu };
        double bandwidth = ReadNumber(Require(ff, "bandwidth", src, "features."), "features.bandwidth", src);
        double nu = double.NaN;
        if (ff.TryGetValue("nu", out var nuEl) && nuEl.ValueKind != JsonValueKind.Null) nu = ReadNumber(nuEl, "features.nu", src);
        if (kind == FeatureKind.Matern && double.IsNaN(nu)) throw Fail(src, "features.nu is required for matern features");
        var w = ParseMatrix(Require(ff, "weight", src, "features."), "features.weight", src);
        var offEl = Require(ff, "offset", src, "features.");
        if (offEl.ValueKind != JsonValueKind.Array) throw Fail(src, $"features.offset must be an array, got {Kind(offEl)}");
        var offsets = new double[offEl.GetArrayLength()];
        int q = 0;
        foreach (var v in offEl.EnumerateArray())
        {
            offsets[q] = ReadNumber(v, $"features.offset[{q}]", src);
            q++;
        }
        FeatureMap features;
        try
        {
            features = new FeatureMap(kind, w, offsets, bandwidth, nu);
        }
        catch (InvalidInputException e)
        {
            throw Fail(src, "features: " + e.Message);
        }

        var nodesEl = Require(fields, "nodes", src);
        if (nodesEl.ValueKind != JsonValueKind.Array) throw Fail(src, $"nodes must be an array of matrices, got {Kind(nodesEl)}");
        if (nodesEl.GetArrayLength() != depth + 1)
            throw Fail(src, $"nodes has {nodesEl.GetArrayLength()} matrices, expected depth + 1 = {depth + 1}");
        int d = w.Cols, m = w.Rows;
        var theta = new double[checked((depth + 1) * d * m)];
        int l = 0;
        foreach (var nodeEl in nodesEl.EnumerateArray())
        {
            var u = ParseMatrix(nodeEl, $"nodes[{l}]", src);
            if (u.Rows != d || u.Cols != m)
                throw Fail(src, $"nodes[{l}] is {u.Rows}×{u.Cols}, expected d×M = {d}×{m}");
            u.Data.CopyTo(theta, l * d * m);
            l++;
        }
        try
        {
            return new ResNetRff(a, b, features, depth, integrator, indexing, theta);
        }
        catch (InvalidInputException e)
        {
            throw Fail(src, e.Message);
        }
    }

    private static JsonElement Require(Dictionary<string, JsonElement> fields, string name, string src, string prefix = "") =>
        fields.TryGetValue(name, out var el) ? el : throw Fail(src, $"missing \"{prefix}{name}\"");

    private static string RequireString(Dictionary<string, JsonElement> fields, string name, string src, string[] valid, string prefix = "")
    {
        var el = Require(fields, name, src, prefix);
        if (el.ValueKind != JsonValueKind.String || Array.IndexOf(valid, el.GetString()) < 0)
            throw Fail(src, $"{prefix}{name} is {Show(el)}; valid: {string.Join(", ", valid)}");
        return el.GetString()!;
    }

    private static Matrix ParseMatrix(JsonElement wEl, string wPath, string src)
    {
        if (wEl.ValueKind != JsonValueKind.Array)
            throw Fail(src, $"{wPath} must be an array of rows, got {Kind(wEl)}");
        int rows = wEl.GetArrayLength();
        if (rows == 0) throw Fail(src, $"{wPath} has no rows");
        int cols = -1;
        double[] data = [];
        int i = 0;
        foreach (var rowEl in wEl.EnumerateArray())
        {
            if (rowEl.ValueKind != JsonValueKind.Array)
                throw Fail(src, $"{wPath} row {i} must be an array of numbers, got {Kind(rowEl)}");
            int len = rowEl.GetArrayLength();
            if (cols < 0)
            {
                if (len == 0) throw Fail(src, $"{wPath} row 0 is empty");
                cols = len;
                data = new double[checked(rows * cols)];
            }
            else if (len != cols)
                throw Fail(src, $"{wPath} row {i} has {len} entries, expected {cols} (as row 0)");
            int j = 0;
            foreach (var v in rowEl.EnumerateArray())
            {
                data[i * cols + j] = ReadNumber(v, $"{wPath}[{i}][{j}]", src);
                j++;
            }
            i++;
        }
        return new Matrix(rows, cols, data);
    }

    private static Layer ParseLayer(JsonElement el, string path, string src)
    {
        if (el.ValueKind != JsonValueKind.Object)
            throw Fail(src, $"{path} must be an object, got {Kind(el)}");
        var fields = Fields(el, path + ".", LayerFields, src);
        if (!fields.TryGetValue("weight", out var wEl))
            throw Fail(src, $"{path} is missing \"weight\"");
        var weight = ParseMatrix(wEl, path + ".weight", src);
        int rows = weight.Rows;

        double[]? bias = null;
        if (fields.TryGetValue("bias", out var bEl) && bEl.ValueKind != JsonValueKind.Null)
        {
            if (bEl.ValueKind != JsonValueKind.Array)
                throw Fail(src, $"{path}.bias must be an array or null, got {Kind(bEl)}");
            if (bEl.GetArrayLength() != rows)
                throw Fail(src, $"{path}.bias has {bEl.GetArrayLength()} entries, expected {rows} (the weight's rows)");
            bias = new double[rows];
            int k = 0;
            foreach (var v in bEl.EnumerateArray())
            {
                bias[k] = ReadNumber(v, $"{path}.bias[{k}]", src);
                k++;
            }
        }

        double scale = fields.TryGetValue("scale", out var sEl) ? ReadNumber(sEl, path + ".scale", src) : 1.0;
        bool trainable = true;
        if (fields.TryGetValue("trainable", out var tEl))
        {
            trainable = tEl.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Fail(src, $"{path}.trainable must be true or false, got {Show(tEl)}"),
            };
        }
        return new Layer(weight, bias, scale, trainable);
    }

    private static Dictionary<string, JsonElement> Fields(JsonElement obj, string prefix, string[] allowed, string src)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var prop in obj.EnumerateObject())
        {
            if (Array.IndexOf(allowed, prop.Name) < 0)
                throw Fail(src, $"{prefix}{prop.Name} is not a field of {FormatId} (valid here: {string.Join(", ", allowed)})");
            if (!fields.TryAdd(prop.Name, prop.Value))
                throw Fail(src, $"{prefix}{prop.Name} appears more than once");
        }
        return fields;
    }

    private static double ReadNumber(JsonElement el, string path, string src)
    {
        if (el.ValueKind != JsonValueKind.Number)
            throw Fail(src, $"{path} must be a number, got {Show(el)}");
        string raw = el.GetRawText();
        // double.Parse is correctly rounded on .NET Core 3.0+, so what Serialize wrote comes back bit-identical.
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw Fail(src, $"{path} = {raw} is not a finite float64");
        return v;
    }

    private static string Kind(JsonElement el) => el.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    // A short rendering of a scalar value for messages; containers are named by kind so a message stays one line.
    private static string Show(JsonElement el) => el.ValueKind switch
    {
        JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null =>
            Truncate(el.GetRawText()),
        _ => Kind(el),
    };

    private static string Truncate(string s)
    {
        s = s.Replace('\n', ' ').Replace('\r', ' ');
        return s.Length <= 60 ? s : s[..57] + "...";
    }

    private static InvalidInputException Fail(string src, string message) => new($"{src}: {message}");
}

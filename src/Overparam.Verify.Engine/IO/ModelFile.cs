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

    /// <summary>Reads and validates a model file.</summary>
    /// <exception cref="InvalidInputException">The file cannot be read or is not a valid model.</exception>
    public static Mlp Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        // Checked first: .NET reports a directory as "access denied" and a missing file with its full path.
        if (Directory.Exists(path))
            throw new InvalidInputException($"{path}: cannot read model file: it is a directory, expected a model file ({FormatId} JSON)");
        if (!File.Exists(path))
            throw new InvalidInputException($"{path}: cannot read model file: file not found");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InvalidInputException($"{path}: cannot read model file: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses and validates model JSON; <paramref name="sourceName"/> prefixes every error message.</summary>
    /// <exception cref="InvalidInputException">The text is not a valid model.</exception>
    public static Mlp Parse(string json, string sourceName)
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
            return ParseRoot(doc.RootElement, sourceName);
        }
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (UTF-8, no BOM).</summary>
    /// <exception cref="InvalidInputException">The file cannot be written.</exception>
    public static void Write(string path, Mlp model)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text = Serialize(model);
        try
        {
            File.WriteAllText(path, text, new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InvalidInputException($"{path}: cannot write model file: {e.Message}", e);
        }
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

    private static Mlp ParseRoot(JsonElement root, string src)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw Fail(src, $"the top level must be a JSON object, got {Kind(root)}");
        var fields = Fields(root, "", RootFields, src);

        if (!fields.TryGetValue("format", out var format))
            throw Fail(src, $"missing \"format\" (expected \"{FormatId}\")");
        if (format.ValueKind != JsonValueKind.String || format.GetString() != FormatId)
            throw Fail(src, $"format is {Show(format)}, expected \"{FormatId}\"");

        if (!fields.TryGetValue("architecture", out var arch))
            throw Fail(src, "missing \"architecture\" (expected \"mlp\")");
        if (arch.ValueKind != JsonValueKind.String || arch.GetString() != "mlp")
            throw Fail(src, $"architecture is {Show(arch)}, expected \"mlp\"");

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

    private static Layer ParseLayer(JsonElement el, string path, string src)
    {
        if (el.ValueKind != JsonValueKind.Object)
            throw Fail(src, $"{path} must be an object, got {Kind(el)}");
        var fields = Fields(el, path + ".", LayerFields, src);
        if (!fields.TryGetValue("weight", out var wEl))
            throw Fail(src, $"{path} is missing \"weight\"");
        string wPath = path + ".weight";
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
        return new Layer(new Matrix(rows, cols, data), bias, scale, trainable);
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

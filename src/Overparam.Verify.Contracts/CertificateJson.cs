using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Overparam.Verify.Contracts;

/// <summary>A file that is not a schema-2 certificate, or one whose bytes were edited; the CLI prints one line.</summary>
public sealed class CertificateFormatException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public CertificateFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a one-line message and its cause.</summary>
    public CertificateFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Certificates as JSON: camelCase names, indented, doubles in round-trip form, NaN as null and ±∞ as the strings
/// "Infinity"/"-Infinity", enums as
/// kebab-case strings, and a SHA-256 content hash over the file's own bytes (with the hash field blanked), so that
/// any edit — a digit, a space, a reordered key — is detected.
/// </summary>
public static partial class CertificateJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        // Statements are full of ∇, ‖, ₀: keep them readable; the writer still escapes what JSON requires.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new NonFiniteAsNull() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>The certificate as JSON text ending in a newline, with its content hash filled in.</summary>
    public static string Serialize(Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var blank = JsonSerializer.Serialize(certificate with { ContentHash = "" }, Options) + "\n";
        var hash = Sha256(blank);
        return SetHash(blank, hash);
    }

    /// <summary>An experiment's result as JSON text ending in a newline (the certificate's conventions; no content hash).</summary>
    public static string SerializeExperiment(ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return JsonSerializer.Serialize(result, Options) + "\n";
    }

    /// <summary>Parses an experiment's result; anything else throws <see cref="CertificateFormatException"/> with one line.</summary>
    public static ExperimentResult DeserializeExperiment(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var r = JsonSerializer.Deserialize<ExperimentResult>(json, Options)
                ?? throw new CertificateFormatException("the experiment result is null");
            if (r.Schema != ExperimentResult.SchemaId)
                throw new CertificateFormatException($"unknown schema \"{r.Schema}\" (this tool reads {ExperimentResult.SchemaId})");
            return r;
        }
        catch (JsonException e)
        {
            throw new CertificateFormatException($"malformed {ExperimentResult.SchemaId} document ({OneLine(e.Message)})", e);
        }
    }

    /// <summary>The content hash a certificate's text should carry: SHA-256 of the text with the hash field blanked.</summary>
    public static string ContentHashOf(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Sha256(SetHash(json, ""));
    }

    /// <summary>
    /// Parses a schema-2 certificate. Not JSON, truncated JSON, another schema (schema 1 is named as such) or a
    /// document that is not a certificate throw <see cref="CertificateFormatException"/> with one line.
    /// </summary>
    public static Certificate Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        string? schema;
        try
        {
            using var doc = JsonDocument.Parse(json);
            schema = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("schema", out var s)
                && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        }
        catch (JsonException e)
        {
            throw new CertificateFormatException($"not valid JSON ({OneLine(e.Message)})", e);
        }
        if (schema == "overparam.certificate/1")
            throw new CertificateFormatException("schema overparam.certificate/1 (written before version 0.2) cannot be verified; re-run its certify command");
        if (schema != Certificate.SchemaId)
            throw new CertificateFormatException(schema is null
                ? "not an overparam certificate (no \"schema\" field)"
                : $"unknown schema \"{schema}\" (this tool reads {Certificate.SchemaId})");
        try
        {
            return JsonSerializer.Deserialize<Certificate>(json, Options)
                ?? throw new CertificateFormatException("the certificate is null");
        }
        catch (JsonException e)
        {
            throw new CertificateFormatException($"malformed {Certificate.SchemaId} document ({OneLine(e.Message)})", e);
        }
    }

    /// <summary>True when the text's content hash matches its bytes.</summary>
    public static bool HashMatches(string json, out string recorded, out string actual)
    {
        ArgumentNullException.ThrowIfNull(json);
        var m = HashField().Matches(json);
        recorded = m.Count > 0 ? m[^1].Groups["hash"].Value : "";
        actual = ContentHashOf(json);
        return recorded.Length > 0 && string.Equals(recorded, actual, StringComparison.Ordinal);
    }

    private static string SetHash(string json, string hash)
    {
        var matches = HashField().Matches(json);
        if (matches.Count == 0) return json;
        var last = matches[^1];
        var g = last.Groups["hash"];
        return string.Concat(json.AsSpan(0, g.Index), hash, json.AsSpan(g.Index + g.Length));
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string OneLine(string s) => string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    [GeneratedRegex("\"contentHash\": \"(?<hash>[0-9a-f]*)\"")]
    private static partial Regex HashField();

    // JSON has no NaN or infinities. NaN ("no number") is null; ±∞ is a real value (sup|φ″| of relu, an unbounded
    // threshold) and must survive a round trip distinct from NaN, so it is the string "Infinity" or "-Infinity".
    private sealed class NonFiniteAsNull : JsonConverter<double>
    {
        public override bool HandleNull => true;

        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType switch
            {
                JsonTokenType.Null => double.NaN,
                JsonTokenType.String => reader.GetString() switch
                {
                    "Infinity" => double.PositiveInfinity,
                    "-Infinity" => double.NegativeInfinity,
                    var other => throw new JsonException($"'{other}' is not a number (only \"Infinity\" and \"-Infinity\" are written as strings)"),
                },
                _ => reader.GetDouble(),
            };

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else if (double.IsPositiveInfinity(value)) writer.WriteStringValue("Infinity");
            else if (double.IsNegativeInfinity(value)) writer.WriteStringValue("-Infinity");
            else writer.WriteNullValue();
        }
    }
}

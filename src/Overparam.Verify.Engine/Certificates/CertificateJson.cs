using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Overparam.Verify.Engine.Certificates;

/// <summary>
/// Writes and reads <see cref="Certificate"/> as JSON: camelCase names, indented, doubles in round-trip form,
/// NaN and ±∞ written as null (JSON has no such numbers) and read back as NaN.
/// </summary>
public static class CertificateJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        WriteIndented = true,
        // Statements are full of ∇, ‖, ₀: keep them readable; the writer still escapes what JSON requires.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new NonFiniteAsNull() },
    };

    /// <summary>The certificate as JSON text (UTF-8 without BOM when written by the caller), ending in a newline.</summary>
    public static string Serialize(Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return JsonSerializer.Serialize(certificate, Options) + "\n";
    }

    /// <summary>Parses a certificate written by <see cref="Serialize"/>.</summary>
    /// <exception cref="InvalidInputException">Not JSON, or not an overparam.certificate/1 document.</exception>
    public static Certificate Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Certificate? c;
        try
        {
            c = JsonSerializer.Deserialize<Certificate>(json, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"certificate is not valid JSON: {e.Message}");
        }
        if (c is null || c.Schema != Certificate.SchemaId)
            throw new InvalidInputException($"not an {Certificate.SchemaId} document");
        return c;
    }

    // JSON has no NaN or infinities; null is the honest encoding of "no number".
    private sealed class NonFiniteAsNull : JsonConverter<double>
    {
        public override bool HandleNull => true;

        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }
}

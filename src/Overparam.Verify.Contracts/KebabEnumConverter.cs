using System.Text.Json;
using System.Text.Json.Serialization;

namespace Overparam.Verify.Contracts;

/// <summary>Writes enum members as kebab-case strings ("hypotheses-not-met") and reads them back; unknown names are errors.</summary>
/// <typeparam name="T">The enum.</typeparam>
public sealed class KebabEnumConverter<T> : JsonStringEnumConverter<T>
    where T : struct, Enum
{
    /// <summary>Creates the converter (no integer values accepted).</summary>
    public KebabEnumConverter() : base(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) { }
}

/// <summary>The string names the certificate uses for enum members.</summary>
public static class ContractNames
{
    /// <summary>The kebab-case name of an enum member, as written in certificates ("hypotheses-not-met").</summary>
    public static string Of<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}

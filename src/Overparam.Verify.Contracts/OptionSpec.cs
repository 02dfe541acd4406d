namespace Overparam.Verify.Contracts;

/// <summary>The kind of value an option takes; the CLI uses it for help text, the theorem to parse the text.</summary>
public enum OptionKind
{
    /// <summary>A 32-bit integer.</summary>
    Integer,

    /// <summary>A 64-bit integer (step counts).</summary>
    Long,

    /// <summary>A float64 number.</summary>
    Real,

    /// <summary>A flag: present or absent ("true"/"false" in canonical form).</summary>
    Flag,

    /// <summary>One of <see cref="OptionSpec.Choices"/>.</summary>
    Choice,

    /// <summary>A comma-separated list of positive integers, e.g. "16,16".</summary>
    IntegerList,

    /// <summary>Free text.</summary>
    Text,
}

/// <summary>
/// One option of a theorem, declared once in its paper file: the CLI generates <c>--name</c> from it, the certificate
/// records its canonical value, and <c>verify</c> re-runs with it.
/// </summary>
/// <param name="Name">Name without dashes, e.g. "widths".</param>
/// <param name="Kind">The kind of value.</param>
/// <param name="Default">Canonical default value; empty when the default is computed (e.g. η = 1/β̂).</param>
/// <param name="Help">One line for <c>--help</c>; says what the empty default means.</param>
public sealed record OptionSpec(string Name, OptionKind Kind, string Default, string Help)
{
    /// <summary>The allowed values of a <see cref="OptionKind.Choice"/> option.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>
    /// When set, the option applies only while option <see cref="OnlyWith"/>.Name has one of the listed values; given
    /// otherwise it is refused (e.g. "lr" only with optimizer gd).
    /// </summary>
    public OptionCondition? OnlyWith { get; init; }

    /// <summary>True for options that describe generated data (n, d): refused together with <c>--data</c>.</summary>
    public bool GeneratedDataOnly { get; init; }

    /// <summary>Why the option does not apply otherwise (the refusal message's tail).</summary>
    public string NotApplicableReason { get; init; } = "";
}

/// <summary>A condition on another option's value.</summary>
/// <param name="Name">The other option.</param>
/// <param name="Values">Values for which the dependent option applies.</param>
public sealed record OptionCondition(string Name, IReadOnlyList<string> Values);

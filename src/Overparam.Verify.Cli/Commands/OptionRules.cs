using System.CommandLine;

namespace Overparam.Verify.Cli.Commands;

/// <summary>Options every long-running command shares, and the rule that an option which does not apply is refused.</summary>
internal static class OptionRules
{
    /// <summary>The <c>--max-seconds</c> time budget: past it the command stops, writes nothing and exits 5.</summary>
    public static Option<double?> MaxSeconds() => new("--max-seconds")
    {
        Description = "Stop after this many seconds of work (exit code 5, nothing written); default: no limit",
    };

    /// <summary>True when the user typed <paramref name="option"/> (a default value does not count).</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>
    /// Refuses <paramref name="option"/> when the user gave it although <paramref name="context"/> makes it
    /// meaningless: silently ignoring it would let a user believe it took effect.
    /// </summary>
    public static void RefuseIfGiven(ParseResult parse, Option option, string context, string why)
    {
        if (Given(parse, option))
            throw new Engine.InvalidInputException($"{option.Name} does not apply with {context}: {why}");
    }
}

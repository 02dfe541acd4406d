using System.CommandLine;
using Overparam.Verify.Cli.Commands;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Engine;

namespace Overparam.Verify.Cli;

/// <summary>Builds and runs the command tree; separated from Main so tests can run it in-process.</summary>
public static partial class CliApp
{
    /// <summary>Exit code for success.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code for a run that completed but whose result is negative (a refuted theorem, a diverged run).</summary>
    public const int ExitNegativeResult = 1;

    /// <summary>Exit code for bad input: unknown options, malformed files, violated preconditions.</summary>
    public const int ExitInputError = 2;

    /// <summary>Runs <paramref name="args"/> writing to the given streams; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var context = new CliContext(stdout, stderr);
        var root = new RootCommand("overparam: executable convergence theorems for overparameterized networks.")
        {
            InspectCommand.Create(context),
            TrainCommand.Create(context),
            BenchCommand.Create(context),
            CertifyCommand.Create(context),
            SweepCommand.Create(context),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line naming the problem; System.CommandLine's default prints help and exits 1.
            // The token the user mistyped says more than "required command was not provided", so it goes first.
            var messages = parse.Errors.Select(e => OneLine(e))
                .OrderBy(m => m.Contains("Unrecognized", StringComparison.Ordinal) ? 0 : 1)
                .Distinct()
                .Take(2);
            stderr.WriteLine($"overparam: {string.Join("; ", messages)}");
            return ExitInputError;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (InvalidInputException e)
        {
            stderr.WriteLine($"overparam: {e.Message}");
            return ExitInputError;
        }
        catch (OutputPathException e)
        {
            stderr.WriteLine($"overparam: {e.Message}");
            return ExitInputError;
        }
    }

    // System.CommandLine's messages span lines (AcceptOnlyFromAmong lists one value per line), end in a period and
    // name CLR types ("System.Nullable`1[System.Int32]"); the contract is one line that a user can act on.
    private static string OneLine(System.CommandLine.Parsing.ParseError error)
    {
        var message = error.Message;
        // "Argument 'adam' not recognized" does not say which option took it.
        if (error.SymbolResult is System.CommandLine.Parsing.OptionResult { Option: { } o }
            && !message.Contains(o.Name, StringComparison.Ordinal))
            message = $"{o.Name}: {message}";
        else if (error.SymbolResult is System.CommandLine.Parsing.ArgumentResult { Parent: System.CommandLine.Parsing.OptionResult { Option: { } po } }
            && !message.Contains(po.Name, StringComparison.Ordinal))
            message = $"{po.Name}: {message}";
        else if (error.SymbolResult is System.CommandLine.Parsing.ArgumentResult { Argument: { } a }
            && !message.Contains($"'{a.Name}'", StringComparison.Ordinal))
            message = $"<{a.Name}>: {message}";
        var m = ParseFailure().Match(message);
        if (m.Success)
            message = $"{m.Groups["opt"].Value}: '{m.Groups["arg"].Value}' is not {TypeWord(m.Groups["type"].Value)}";
        message = WhitespaceRun().Replace(message, " ").Trim();
        message = QuotedList().Replace(message, "', '");
        return message.TrimEnd('.');
    }

    private static string TypeWord(string clrType) => clrType switch
    {
        _ when clrType.Contains("UInt64", StringComparison.Ordinal) => "a non-negative integer",
        _ when clrType.Contains("Int32", StringComparison.Ordinal) || clrType.Contains("Int64", StringComparison.Ordinal) => "an integer (in range)",
        _ when clrType.Contains("Double", StringComparison.Ordinal) => "a number",
        _ when clrType.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        _ => "a valid value",
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"^Cannot parse argument '(?<arg>.*)' for (?:option|argument) '(?<opt>[^']*)' as expected type '(?<type>[^']*)'\.?$", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex ParseFailure();

    [System.Text.RegularExpressions.GeneratedRegex(@"'\s+'")]
    private static partial System.Text.RegularExpressions.Regex QuotedList();

    [System.Text.RegularExpressions.GeneratedRegex(@"\s+")]
    private static partial System.Text.RegularExpressions.Regex WhitespaceRun();
}

/// <summary>The streams a command writes to, and whether stdout is an interactive terminal.</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
public sealed record CliContext(TextWriter Out, TextWriter Error)
{
    /// <summary>True when output goes to a terminal (progress bars on), false when redirected or captured by tests.</summary>
    public bool IsInteractive => ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected;
}

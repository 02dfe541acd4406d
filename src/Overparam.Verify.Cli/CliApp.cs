using System.CommandLine;
using Overparam.Verify.Cli.Commands;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Engine;

namespace Overparam.Verify.Cli;

/// <summary>Builds and runs the command tree; separated from Main so tests can run it in-process.</summary>
public static class CliApp
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
            var messages = parse.Errors.Select(e => e.Message)
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
}

/// <summary>The streams a command writes to, and whether stdout is an interactive terminal.</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
public sealed record CliContext(TextWriter Out, TextWriter Error)
{
    /// <summary>True when output goes to a terminal (progress bars on), false when redirected or captured by tests.</summary>
    public bool IsInteractive => ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected;
}

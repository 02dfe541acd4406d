using System.CommandLine;
using Overparam.Verify.Cli.Commands;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Engine;

namespace Overparam.Verify.Cli;

/// <summary>Builds and runs the command tree; separated from Main so tests can run it in-process.</summary>
public static partial class CliApp
{
    /// <summary>Exit code for success; for <c>certify</c>, the verdict <c>consistent</c>.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code for a run that completed with a negative result: the verdict <c>refuted</c>, a diverged training run.</summary>
    public const int ExitNegativeResult = 1;

    /// <summary>Exit code for bad input: unknown or inapplicable options, malformed files, a problem too large, violated preconditions.</summary>
    public const int ExitInputError = 2;

    /// <summary>Exit code of <c>certify</c> for the verdict <c>hypotheses-not-met</c>: the theorem promises nothing on this instance.</summary>
    public const int ExitHypothesesNotMet = 3;

    /// <summary>Exit code of <c>certify</c> for the verdict <c>inconclusive</c>: a hypothesis or bound could not be decided.</summary>
    public const int ExitInconclusive = 4;

    /// <summary>Exit code when <c>--max-seconds</c> ran out before the work was done; nothing was written.</summary>
    public const int ExitBudgetExceeded = 5;

    /// <summary>Exit code after Ctrl-C (128 + SIGINT, the shell convention); nothing half-written was left.</summary>
    public const int ExitInterrupted = 130;

    /// <summary>Exit code of <c>verify</c>: the re-run disagrees with the certificate beyond the named tolerances.</summary>
    public const int ExitVerifyDiffers = 6;

    /// <summary>Exit code of <c>verify</c>: the certificate's bytes do not match its content hash (it was edited).</summary>
    public const int ExitVerifyTampered = 7;

    /// <summary>Exit code of <c>verify</c>: the certificate cannot be re-run here (its data file is missing or differs).</summary>
    public const int ExitVerifyCannotRerun = 8;

    /// <summary>The exit code of a certificate's verdict; one mapping for every theorem, documented in the README.</summary>
    public static int ExitCodeOf(Contracts.VerdictKind verdict) => verdict switch
    {
        Contracts.VerdictKind.Consistent => ExitOk,
        Contracts.VerdictKind.Refuted => ExitNegativeResult,
        Contracts.VerdictKind.HypothesesNotMet => ExitHypothesesNotMet,
        Contracts.VerdictKind.Inconclusive => ExitInconclusive,
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "unknown verdict"),
    };

    /// <summary>The exit codes of <c>certify</c>, as its <c>--help</c> prints them.</summary>
    public const string CertifyExitHelp =
        "Exit codes: 0 consistent, 1 refuted, 2 bad input, 3 hypotheses-not-met, 4 inconclusive, 5 --max-seconds exceeded, 130 interrupted.";

    /// <summary>The exit codes of <c>verify</c>.</summary>
    public const string VerifyExitHelp = "Exit codes: 0 verified, 2 bad input, 5 --max-seconds exceeded, 6 differs, 7 tampered, 8 cannot re-run, 130 interrupted.";

    /// <summary>The exit codes of <c>train</c> and <c>sweep moderate</c>.</summary>
    public const string RunExitHelp = "Exit codes: 0 done, 1 diverged (train), 2 bad input, 5 --max-seconds exceeded, 130 interrupted.";

    /// <summary>Every exit code, as the root <c>--help</c> prints them.</summary>
    public const string ExitCodeHelp =
        "Exit codes: 0 consistent (or success), 1 refuted (or diverged training), 2 bad input, 3 hypotheses-not-met, " +
        "4 inconclusive, 5 --max-seconds exceeded, 6 verify: differs, 7 verify: tampered, 8 verify: cannot re-run, 130 interrupted.";

    /// <summary>Runs <paramref name="args"/> writing to the given streams; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        using var context = new CliContext(stdout, stderr) { CommandLine = CliContext.Quote(["overparam", .. args]) };
        var root = new RootCommand("overparam: executable convergence theorems for overparameterized networks. " + ExitCodeHelp)
        {
            InspectCommand.Create(context),
            TrainCommand.Create(context),
            BenchCommand.Create(context),
            CertifyCommand.Create(context),
            TheoremsCommand.Create(context),
            VerifyCommand.Create(context),
            ReportCommand.Create(context),
            SweepCommand.Create(context),
            ExperimentCommand.Create(context),
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

        // Ctrl-C asks the work to stop at its next check, so that nothing is left half-written; a second one kills.
        ConsoleCancelEventHandler? onCancel = null;
        if (context.OwnsConsole)
        {
            onCancel = (_, e) =>
            {
                if (context.Interrupted) return;
                e.Cancel = true;
                context.Interrupt();
            };
            Console.CancelKeyPress += onCancel;
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
        catch (Contracts.CertificateFormatException e)
        {
            stderr.WriteLine($"overparam: {e.Message}");
            return ExitInputError;
        }
        catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested)
        {
            string where = context.CurrentPhase is { Length: > 0 } p ? $" during {p}" : "";
            string written = context.ResumeHint.Length > 0 ? context.ResumeHint : "nothing was written";
            if (context.BudgetExpired)
            {
                stderr.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"overparam: --max-seconds {context.BudgetSeconds:G} exceeded{where}; {written}"));
                return ExitBudgetExceeded;
            }
            stderr.WriteLine($"overparam: interrupted{where}; {written}");
            return ExitInterrupted;
        }
        catch (OutOfMemoryException)
        {
            // The size guards refuse known shapes before allocating; this is the last line for an estimate that was short.
            stderr.WriteLine("overparam: the problem is too large for this machine's memory (out of memory); use a smaller n, width or data set");
            return ExitInputError;
        }
        finally
        {
            if (onCancel is not null) Console.CancelKeyPress -= onCancel;
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

/// <summary>
/// The streams a command writes to, whether progress may be drawn, and the cancellation shared by a time budget
/// (<c>--max-seconds</c>) and Ctrl-C.
/// </summary>
public sealed class CliContext : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _interrupted;
    private volatile string _phase = "";
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private TimeSpan? _deadline;

    /// <summary>Creates a context over the given streams.</summary>
    public CliContext(TextWriter @out, TextWriter error)
    {
        Out = @out;
        Error = error;
    }

    /// <summary>Standard output: results only.</summary>
    public TextWriter Out { get; }

    /// <summary>Standard error: messages and progress.</summary>
    public TextWriter Error { get; }

    /// <summary>True when the streams are the process's own console (not a test's captured writers).</summary>
    public bool OwnsConsole => ReferenceEquals(Out, Console.Out) || ReferenceEquals(Error, Console.Error);

    /// <summary>
    /// True when progress may be drawn: stderr is the process's own and a terminal. Progress never goes to stdout,
    /// so <c>overparam train &gt; out.txt</c> keeps its bar and out.txt holds only results.
    /// </summary>
    public bool ProgressEnabled => ReferenceEquals(Error, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>Signalled when the time budget runs out or the user presses Ctrl-C.</summary>
    public CancellationToken Cancellation
    {
        get
        {
            CheckDeadline();
            return _stop.Token;
        }
    }

    /// <summary>
    /// Cancels when the budget has run out. The timer of <see cref="StartBudget"/> alone is not enough: its callback
    /// needs a thread-pool thread, which a machine busy with the computation itself may not give it for a while.
    /// </summary>
    public void CheckDeadline()
    {
        if (_deadline is { } d && !_stop.IsCancellationRequested && _clock.Elapsed >= d) _stop.Cancel();
    }

    /// <summary>The budget in seconds, when one was set.</summary>
    public double? BudgetSeconds { get; private set; }

    /// <summary>True once the budget has run out (as opposed to an interrupt).</summary>
    public bool BudgetExpired => _stop.IsCancellationRequested && !_interrupted;

    /// <summary>True once Ctrl-C was pressed.</summary>
    public bool Interrupted => _interrupted;

    /// <summary>What the work is doing now (named in the budget and interrupt messages).</summary>
    public string CurrentPhase
    {
        get => _phase;
        set => _phase = value ?? "";
    }

    /// <summary>The command line as typed ("overparam certify local-pl ..."), recorded in certificates.</summary>
    public string CommandLine { get; init; } = "overparam";

    /// <summary>The clock certificates are stamped with; tests may fix it.</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    /// <summary>The current UTC time in ISO 8601 to the second (e.g. 2026-11-30T18:21:45Z).</summary>
    public string UtcNowIso() =>
        Clock().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Joins arguments into one line, quoting those a shell would split.</summary>
    public static string Quote(IEnumerable<string> args) => string.Join(" ", args.Select(Theory.Contract.shellQuote));

    /// <summary>
    /// Said instead of "nothing was written" in the budget and interrupt messages (e.g. where a sweep's finished
    /// trials are and how to resume); empty by default.
    /// </summary>
    public string ResumeHint { get; set; } = "";

    /// <summary>Starts the time budget; null or absent leaves the work unbounded.</summary>
    public void StartBudget(double? seconds)
    {
        if (seconds is not double s) return;
        if (!(s > 0) || !double.IsFinite(s))
            throw new InvalidInputException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"--max-seconds {s:R}: must be positive and finite"));
        BudgetSeconds = s;
        var span = TimeSpan.FromSeconds(Math.Min(s, int.MaxValue / 1000.0));
        _deadline = _clock.Elapsed + span;
        _stop.CancelAfter(span);
    }

    /// <summary>Records Ctrl-C and asks the work to stop.</summary>
    public void Interrupt()
    {
        _interrupted = true;
        _stop.Cancel();
    }

    /// <inheritdoc />
    public void Dispose() => _stop.Dispose();
}

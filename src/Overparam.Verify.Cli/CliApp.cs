namespace Overparam.Verify.Cli;

/// <summary>Builds and runs the command tree; separated from Main so tests can run it in-process.</summary>
public static class CliApp
{
    /// <summary>Runs <paramref name="args"/> writing to the given streams; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        stdout.WriteLine("overparam: not yet implemented");
        return 0;
    }
}

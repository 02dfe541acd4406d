namespace Overparam.Verify.Cli;

/// <summary>Entry point of the <c>overparam</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line and returns the process exit code.</summary>
    public static int Main(string[] args) => CliApp.Run(args, Console.Out, Console.Error);
}

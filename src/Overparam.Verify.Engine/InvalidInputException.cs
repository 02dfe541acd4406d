namespace Overparam.Verify.Engine;

/// <summary>
/// Input that the engine refuses: wrong shapes, NaN/Inf, malformed files, inputs that violate a precondition.
/// The message names the problem (and file, row, column where there is one); the CLI prints it as one line and exits 2.
/// </summary>
public class InvalidInputException : Exception
{
    /// <summary>Creates the exception with a one-line message naming the problem.</summary>
    public InvalidInputException(string message) : base(message) { }

    /// <summary>Creates the exception with a one-line message and the lower-level cause.</summary>
    public InvalidInputException(string message, Exception inner) : base(message, inner) { }
}

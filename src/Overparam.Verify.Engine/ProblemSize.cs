using System.Globalization;

namespace Overparam.Verify.Engine;

/// <summary>
/// Refuses, before anything is allocated, a problem that cannot run here: one array longer than .NET allows
/// (<see cref="Array.MaxLength"/> elements) or more memory in all than the process may use. The estimate is the
/// caller's (in float64 elements); the message names what was asked and the limit, so the user can shrink it.
/// </summary>
public static class ProblemSize
{
    /// <summary>Bytes the process may use (the GC's view: physical memory or the container limit).</summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// Throws <see cref="ProblemTooLargeException"/> when the largest single array (<paramref name="largestArray"/>
    /// doubles, described by <paramref name="largestName"/>) exceeds <see cref="Array.MaxLength"/>, or all arrays
    /// together (<paramref name="totalDoubles"/>) exceed <see cref="AvailableBytes"/>.
    /// </summary>
    /// <param name="what">The problem as the user asked for it, e.g. "inspect with n = 50000".</param>
    /// <param name="largestArray">Elements of the largest single array.</param>
    /// <param name="largestName">What that array is, e.g. "the n×n NTK".</param>
    /// <param name="totalDoubles">Elements of all arrays alive at once.</param>
    public static void Require(string what, double largestArray, string largestName, double totalDoubles)
    {
        var inv = CultureInfo.InvariantCulture;
        if (!(largestArray <= Array.MaxLength))
            throw new ProblemTooLargeException(string.Create(inv,
                $"{what} is too large: {largestName} would have {largestArray:G4} entries, more than the {Array.MaxLength:G4} one array can hold"));
        double bytes = totalDoubles * sizeof(double);
        long available = AvailableBytes;
        if (!(bytes <= available))
            throw new ProblemTooLargeException(string.Create(inv,
                $"{what} is too large: it needs about {bytes / (1L << 30):F1} GiB of memory, {available / (double)(1L << 30):F1} GiB available"));
    }
}

/// <summary>A problem refused because it does not fit (array length or memory); an input error (exit code 2).</summary>
public sealed class ProblemTooLargeException : InvalidInputException
{
    /// <summary>Creates the exception with a one-line message naming the size asked for and the limit.</summary>
    public ProblemTooLargeException(string message) : base(message) { }
}

using System.Text;

namespace Overparam.Verify.Cli.Output;

/// <summary>A path the command cannot write to (missing directory, permission), reported as an input error.</summary>
public sealed class OutputPathException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public OutputPathException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// Writes files all-or-nothing: content goes to a temporary sibling that is renamed over the target, so a failed or
/// interrupted command never leaves a half-written output.
/// </summary>
public static class AtomicFile
{
    /// <summary>Fails early (before any work) when <paramref name="path"/>'s directory does not exist.</summary>
    public static void EnsureWritableLocation(string path, string optionName)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is null || !Directory.Exists(dir))
            throw new OutputPathException($"{optionName}: directory does not exist for '{path}'");
        if (Directory.Exists(path))
            throw new OutputPathException($"{optionName}: '{path}' is a directory, expected a file path");
    }

    /// <summary>Writes the text produced by <paramref name="write"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<TextWriter> write)
    {
        var full = Path.GetFullPath(path);
        var tmp = full + $".tmp-{Environment.ProcessId}";
        try
        {
            using (var w = new StreamWriter(tmp, false, new UTF8Encoding(false)))
                write(w);
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new OutputPathException($"cannot write '{path}': {e.Message}", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) => Write(path, w => w.Write(text));

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

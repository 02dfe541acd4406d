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
        RequireNonEmpty(path, optionName);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is null || !Directory.Exists(dir))
            throw new OutputPathException($"{optionName}: directory does not exist for '{path}'");
        if (Directory.Exists(path))
            throw new OutputPathException($"{optionName}: '{path}' is a directory, expected a file path");
    }

    /// <summary>
    /// Fails early (before any work, creating nothing) when the output folder <paramref name="dir"/> could not be
    /// made: an empty path, a file in its place, or a missing parent. Only the last level is ever created, so a
    /// mistyped parent is reported rather than silently built.
    /// </summary>
    public static void EnsureFolderLocation(string dir, string optionName)
    {
        RequireNonEmpty(dir, optionName);
        var full = Path.GetFullPath(dir);
        if (File.Exists(full)) throw new OutputPathException($"{optionName}: '{dir}' is a file, expected a folder");
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(full));
        if (parent is null || !Directory.Exists(parent))
            throw new OutputPathException($"{optionName}: parent folder of '{dir}' does not exist");
    }

    /// <summary>Creates the folder checked by <see cref="EnsureFolderLocation"/>, reporting failures as <see cref="OutputPathException"/>.</summary>
    public static void CreateFolder(string dir, string optionName)
    {
        EnsureFolderLocation(dir, optionName);
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputPathException($"{optionName}: cannot create '{dir}': {e.Message}", e);
        }
    }

    /// <summary>True when two paths name the same file (after making them absolute; case-sensitive, as on Linux).</summary>
    public static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
            ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static void RequireNonEmpty(string path, string optionName)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new OutputPathException($"{optionName}: empty path");
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
            throw new OutputPathException($"cannot write '{path}': {e.Message.Replace(tmp, full, StringComparison.Ordinal)}", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>
    /// Writes several files into <paramref name="dir"/> as one set: every file is first written in full to a
    /// temporary sibling, and only when all of them are on disk are they renamed into place (renames need no space).
    /// A failure (a full disk, a permission) deletes the temporaries and, if this call created the folder, the folder:
    /// the user finds either the old set or the new one, never half of each.
    /// </summary>
    public static void WriteSet(string dir, string optionName, IReadOnlyList<(string Name, string Text)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        EnsureFolderLocation(dir, optionName);
        // A folder in the place of one of the files would fail its rename after the others had moved: check first.
        foreach (var (name, _) in files)
            if (Directory.Exists(Path.Combine(dir, name)))
                throw new OutputPathException($"{optionName}: cannot write into '{dir}': '{name}' there is a folder");
        bool created = !Directory.Exists(dir);
        CreateFolder(dir, optionName);
        var temps = new List<(string Tmp, string Final)>();
        try
        {
            foreach (var (name, text) in files)
            {
                var final = Path.GetFullPath(Path.Combine(dir, name));
                var tmp = final + $".tmp-{Environment.ProcessId}";
                temps.Add((tmp, final));
                using var w = new StreamWriter(tmp, false, new UTF8Encoding(false));
                w.Write(text);
                w.Flush();
            }
            // Renames need no space, but one can still fail (a file locked elsewhere): the previous files are kept
            // aside until every new one is in place, and put back if any rename fails.
            var kept = new List<(string Backup, string Final)>();
            var placed = new List<string>();
            try
            {
                foreach (var (tmp, final) in temps)
                {
                    if (File.Exists(final))
                    {
                        var backup = final + $".old-{Environment.ProcessId}";
                        File.Move(final, backup, overwrite: true);
                        kept.Add((backup, final));
                    }
                    File.Move(tmp, final, overwrite: false);
                    placed.Add(final);
                }
            }
            catch
            {
                // Both or neither: remove what was placed and put the previous files back.
                foreach (var final in placed) TryDelete(final);
                foreach (var (backup, final) in kept)
                {
                    try { File.Move(backup, final, overwrite: true); }
                    catch (IOException) { }
                    catch (UnauthorizedAccessException) { }
                }
                throw;
            }
            foreach (var (backup, _) in kept) TryDelete(backup);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var (tmp, _) in temps) TryDelete(tmp);
            if (created) TryDeleteEmptyFolder(dir);
            throw new OutputPathException($"{optionName}: cannot write into '{dir}': {e.Message}", e);
        }
        catch
        {
            foreach (var (tmp, _) in temps) TryDelete(tmp);
            if (created) TryDeleteEmptyFolder(dir);
            throw;
        }
    }

    private static void TryDeleteEmptyFolder(string dir)
    {
        try
        {
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
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

using Overparam.Verify.Engine.Data;

namespace Overparam.Verify.Engine.IO;

/// <summary>
/// Loads a data set from whatever the user pointed at: a <c>.csv</c> file (<see cref="CsvDataset"/>), a directory
/// holding <c>X.npy</c> and <c>y.npy</c>, or the path of such an <c>X.npy</c> (<see cref="NpyDataset"/>).
/// </summary>
public static class DataFiles
{
    /// <summary>The accepted forms, as error messages list them.</summary>
    public const string AcceptedForms =
        "a .csv file with a 'y' column, a directory containing X.npy and y.npy, or the path of an X.npy with y.npy beside it";

    /// <summary>
    /// Dispatches on the path: directory → NPY pair; <c>*.csv</c> (any case) → CSV; a file named <c>X.npy</c> → NPY pair
    /// with <c>y.npy</c> from the same directory. Anything else, or a path that does not exist, raises
    /// <see cref="InvalidInputException"/> naming the path.
    /// </summary>
    public static Dataset Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
            throw new InvalidInputException($"empty data path; expected {AcceptedForms}");
        if (Directory.Exists(path))
            return NpyDataset.ReadDirectory(path);

        string name = Path.GetFileName(path);
        bool isCsv = name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        bool isX = name == NpyDataset.InputFileName;
        if (!isCsv && !isX)
        {
            string why = File.Exists(path) ? "unsupported data file" : "file not found";
            throw new InvalidInputException($"{why}: {path}; expected {AcceptedForms}");
        }
        if (!File.Exists(path))
            throw new InvalidInputException($"file not found: {path}");
        if (isCsv)
            return CsvDataset.Read(path);
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return NpyDataset.Read(path, Path.Combine(dir, NpyDataset.TargetFileName));
    }
}

using System.Globalization;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.IO;

/// <summary>
/// Data sets as a pair of NumPy files: <c>X.npy</c> of shape (n, d) and <c>y.npy</c> of shape (n,) or (n, 1),
/// both dtype <c>'&lt;f8'</c> (see <see cref="Npy"/>). Reading rejects other shapes, a sample-count mismatch and
/// NaN/±Inf, naming the file and the 0-based (row, column) of the first bad value.
/// </summary>
public static class NpyDataset
{
    /// <summary>The input file name inside a data directory.</summary>
    public const string InputFileName = "X.npy";

    /// <summary>The target file name inside a data directory.</summary>
    public const string TargetFileName = "y.npy";

    /// <summary>Reads and validates the pair <paramref name="xPath"/> (n×d) and <paramref name="yPath"/> (n).</summary>
    public static Dataset Read(string xPath, string yPath)
    {
        ArgumentNullException.ThrowIfNull(xPath);
        ArgumentNullException.ThrowIfNull(yPath);
        var (xShape, xData) = Npy.ReadArray(xPath);
        var (yShape, yData) = Npy.ReadArray(yPath);

        if (xShape.Length != 2)
            throw new InvalidInputException(
                $"{xPath}: shape {Npy.FormatShape(xShape)}; expected a 2-D array (n, d) — for 1-D inputs save X with shape (n, 1)");
        int n = xShape[0], d = xShape[1];
        if (n == 0) throw new InvalidInputException($"{xPath}: shape {Npy.FormatShape(xShape)} has no samples");
        if (d == 0) throw new InvalidInputException($"{xPath}: shape {Npy.FormatShape(xShape)} has no input features");
        bool yOk = yShape.Length == 1 || (yShape.Length == 2 && yShape[1] == 1);
        if (!yOk)
            throw new InvalidInputException($"{yPath}: shape {Npy.FormatShape(yShape)}; expected (n,) or (n, 1)");
        if (yShape[0] != n)
            throw new InvalidInputException(
                $"mismatched n: {xPath} has {n} samples (shape {Npy.FormatShape(xShape)}) but {yPath} has {yShape[0]} (shape {Npy.FormatShape(yShape)})");

        for (int k = 0; k < xData.Length; k++)
            if (!double.IsFinite(xData[k]))
                throw new InvalidInputException(
                    $"{xPath}: row {k / d}, column {k % d} (0-based) is {F(xData[k])}; inputs must be finite");
        for (int k = 0; k < yData.Length; k++)
            if (!double.IsFinite(yData[k]))
                throw new InvalidInputException($"{yPath}: row {k} (0-based) is {F(yData[k])}; targets must be finite");
        return new Dataset(new Matrix(n, d, xData), yData);
    }

    /// <summary>Reads <c>X.npy</c> and <c>y.npy</c> from <paramref name="directory"/>.</summary>
    public static Dataset ReadDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
            throw new InvalidInputException($"directory not found: {directory}");
        return Read(Path.Combine(directory, InputFileName), Path.Combine(directory, TargetFileName));
    }

    /// <summary>Writes X as (n, d) to <paramref name="xPath"/> and y as (n,) to <paramref name="yPath"/>.</summary>
    public static void Write(string xPath, string yPath, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(xPath);
        ArgumentNullException.ThrowIfNull(yPath);
        ArgumentNullException.ThrowIfNull(data);
        Npy.Write(xPath, [data.N, data.D], data.X.Data);
        Npy.Write(yPath, [data.N], data.Y);
    }

    /// <summary>Writes <c>X.npy</c> and <c>y.npy</c> into <paramref name="directory"/>, creating it if needed.</summary>
    public static void WriteDirectory(string directory, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        Write(Path.Combine(directory, InputFileName), Path.Combine(directory, TargetFileName), data);
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

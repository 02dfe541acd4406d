using System.Globalization;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Data;

/// <summary>
/// A regression or classification data set: inputs <see cref="X"/> (n×d, one sample per row, row-major)
/// and targets <see cref="Y"/> (length n). Build it through <see cref="Create"/>, which validates shape and finiteness;
/// the primary constructor does not, so that trusted engine code can wrap arrays without a copy or a scan.
/// </summary>
/// <param name="X">Inputs, n×d, sample i in row i.</param>
/// <param name="Y">Targets, one per row of <paramref name="X"/>.</param>
public sealed record Dataset(Matrix X, double[] Y)
{
    /// <summary>Number of samples n.</summary>
    public int N => X.Rows;

    /// <summary>Input dimension d.</summary>
    public int D => X.Cols;

    /// <summary>
    /// Validates and wraps <paramref name="x"/> and <paramref name="y"/> (no copy).
    /// Throws <see cref="InvalidInputException"/> when n = 0, d = 0, <c>y.Length ≠ x.Rows</c>, or an entry is NaN/±Inf;
    /// the message names the first bad entry by 0-based sample index and feature index.
    /// </summary>
    public static Dataset Create(Matrix x, double[] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Rows == 0)
            throw new InvalidInputException("data set has no samples (X is 0×" + x.Cols + ")");
        if (x.Cols == 0)
            throw new InvalidInputException($"data set has no input features (X is {x.Rows}×0)");
        if (y.Length != x.Rows)
            throw new InvalidInputException($"X has {x.Rows} rows but y has {y.Length} entries");
        for (int i = 0; i < x.Rows; i++)
        {
            var row = x.Row(i);
            for (int j = 0; j < row.Length; j++)
            {
                if (!double.IsFinite(row[j]))
                    throw new InvalidInputException(
                        $"X[{i}, {j}] (sample {i}, feature {j}) is {Format(row[j])}; inputs must be finite");
            }
            if (!double.IsFinite(y[i]))
                throw new InvalidInputException($"y[{i}] (sample {i}) is {Format(y[i])}; targets must be finite");
        }
        return new Dataset(x, y);
    }

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

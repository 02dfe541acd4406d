namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>
/// A dense float64 matrix stored row-major in one contiguous array (entry (i, j) at <c>Data[i·Cols + j]</c>).
/// Kernels take its <see cref="Data"/> as spans; the class itself only owns storage and shape.
/// </summary>
public sealed class Matrix
{
    /// <summary>Creates a zero matrix.</summary>
    public Matrix(int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        // rows·cols past int32 would otherwise surface as an OverflowException deep inside a command.
        long count = (long)rows * cols;
        if (count > Array.MaxLength)
            throw new ProblemTooLargeException(
                $"a {rows}×{cols} matrix would have {count} entries, more than the {Array.MaxLength} one array can hold");
        Rows = rows;
        Cols = cols;
        Data = new double[count];
    }

    /// <summary>Wraps <paramref name="data"/> (row-major, length rows·cols) without copying.</summary>
    public Matrix(int rows, int cols, double[] data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != checked(rows * cols))
            throw new ArgumentException($"data has {data.Length} entries, expected {rows}×{cols} = {rows * cols}", nameof(data));
        Rows = rows;
        Cols = cols;
        Data = data;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Cols { get; }

    /// <summary>Row-major storage; writes through to the matrix.</summary>
    public double[] Data { get; }

    /// <summary>Entry (i, j).</summary>
    public double this[int i, int j]
    {
        get => Data[i * Cols + j];
        set => Data[i * Cols + j] = value;
    }

    /// <summary>Row i as a writable span.</summary>
    public Span<double> Row(int i) => Data.AsSpan(i * Cols, Cols);

    /// <summary>Column j copied into a new array.</summary>
    public double[] Column(int j)
    {
        var c = new double[Rows];
        for (int i = 0; i < Rows; i++) c[i] = Data[i * Cols + j];
        return c;
    }

    /// <summary>The n×n identity.</summary>
    public static Matrix Identity(int n)
    {
        var m = new Matrix(n, n);
        for (int i = 0; i < n; i++) m.Data[i * n + i] = 1.0;
        return m;
    }

    /// <summary>Builds a matrix from rows; every row must have the same length.</summary>
    public static Matrix FromRows(IReadOnlyList<double[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int r = rows.Count, c = r == 0 ? 0 : rows[0].Length;
        var m = new Matrix(r, c);
        for (int i = 0; i < r; i++)
        {
            if (rows[i].Length != c)
                throw new ArgumentException($"row {i} has {rows[i].Length} entries, row 0 has {c}", nameof(rows));
            rows[i].CopyTo(m.Data, i * c);
        }
        return m;
    }

    /// <summary>Copies the rows out as jagged arrays (for JSON and tests).</summary>
    public double[][] ToRows()
    {
        var rows = new double[Rows][];
        for (int i = 0; i < Rows; i++) rows[i] = Row(i).ToArray();
        return rows;
    }

    /// <summary>A new matrix holding the transpose.</summary>
    public Matrix Transpose()
    {
        var t = new Matrix(Cols, Rows);
        for (int i = 0; i < Rows; i++)
            for (int j = 0; j < Cols; j++)
                t.Data[j * Rows + i] = Data[i * Cols + j];
        return t;
    }

    /// <summary>A deep copy.</summary>
    public Matrix Clone() => new(Rows, Cols, (double[])Data.Clone());

    /// <summary>True when every entry is finite (no NaN, no ±Inf).</summary>
    public bool IsFinite()
    {
        foreach (var v in Data)
            if (!double.IsFinite(v)) return false;
        return true;
    }
}

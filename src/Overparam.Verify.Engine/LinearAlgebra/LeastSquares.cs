namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>
/// Least-squares coefficients a = argmin ‖Ba − v‖₂ for a tall basis B (m × k, m ≥ k, full column rank), by
/// Householder QR of B (factored once, applied to many v). Used to read a fit or a residual as per-frequency
/// components (papers.md §3.6: projection on {x, sin 2πx, sin 8πx, …}).
/// </summary>
public sealed class LeastSquares
{
    private readonly Matrix _qr;   // Householder vectors below the diagonal, R on and above it
    private readonly double[] _beta;
    private readonly double[] _rDiag;

    /// <summary>Factors <paramref name="basis"/>.</summary>
    /// <exception cref="InvalidInputException">The basis is wider than tall, not finite, or rank deficient (a zero pivot of R).</exception>
    public LeastSquares(Matrix basis)
    {
        ArgumentNullException.ThrowIfNull(basis);
        int m = basis.Rows, k = basis.Cols;
        if (k < 1 || m < k) throw new InvalidInputException($"a least-squares basis needs rows ≥ columns ≥ 1, got {m}×{k}");
        if (!basis.IsFinite()) throw new InvalidInputException("the least-squares basis has a NaN or infinite entry");
        _qr = basis.Clone();
        _beta = new double[k];
        _rDiag = new double[k];
        double scale = 0;
        for (int j = 0; j < k; j++)
        {
            double norm = 0;
            for (int i = j; i < m; i++) norm += _qr[i, j] * _qr[i, j];
            norm = Math.Sqrt(norm);
            scale = Math.Max(scale, norm);
            // α = −sign(x₀)‖x‖ avoids cancellation in v₀ = x₀ − α.
            double alpha = _qr[j, j] >= 0 ? -norm : norm;
            _rDiag[j] = alpha;
            if (norm == 0 || Math.Abs(alpha) <= RankTolerance * scale * m)
                throw new InvalidInputException($"the least-squares basis is rank deficient (column {j} depends on the previous ones)");
            _qr[j, j] -= alpha;
            double vv = 0;
            for (int i = j; i < m; i++) vv += _qr[i, j] * _qr[i, j];
            _beta[j] = 2 / vv;
            for (int c = j + 1; c < k; c++)
            {
                double dot = 0;
                for (int i = j; i < m; i++) dot += _qr[i, j] * _qr[i, c];
                dot *= _beta[j];
                for (int i = j; i < m; i++) _qr[i, c] -= dot * _qr[i, j];
            }
        }
    }

    /// <summary>A column whose R pivot is below this × ‖largest column‖ × m counts as dependent.</summary>
    public const double RankTolerance = 1e-13;

    /// <summary>Rows m of the basis.</summary>
    public int Rows => _qr.Rows;

    /// <summary>Columns k of the basis.</summary>
    public int Columns => _qr.Cols;

    /// <summary>The coefficients a (length k) of <paramref name="v"/> (length m).</summary>
    public double[] Coefficients(ReadOnlySpan<double> v)
    {
        int m = Rows, k = Columns;
        if (v.Length != m) throw new ArgumentException($"expected {m} values, got {v.Length}", nameof(v));
        var w = v.ToArray();
        for (int j = 0; j < k; j++)
        {
            double dot = 0;
            for (int i = j; i < m; i++) dot += _qr[i, j] * w[i];
            dot *= _beta[j];
            for (int i = j; i < m; i++) w[i] -= dot * _qr[i, j];
        }
        var a = new double[k];
        for (int j = k - 1; j >= 0; j--)
        {
            double s = w[j];
            for (int c = j + 1; c < k; c++) s -= _qr[j, c] * a[c];
            a[j] = s / _rDiag[j];
        }
        return a;
    }
}

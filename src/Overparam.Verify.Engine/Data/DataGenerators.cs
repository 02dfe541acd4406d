using System.Globalization;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Data;

/// <summary>
/// Synthetic data with the structure the theorems assume. Every random generator takes the run seed and draws
/// from a named stream (<see cref="RandomStreams.For"/>), so the same seed gives bit-identical data on any machine
/// and thread count, and a generator's draws never shift another's. Stream names:
/// <list type="bullet">
/// <item><description><c>"data/x"</c>: input coordinates (and the Gaussian matrices behind orthonormal factors);</description></item>
/// <item><description><c>"data/y"</c>: labels and class assignment;</description></item>
/// <item><description><c>"data/rotation"</c>: the random rotation applied to orthogonally separable data;</description></item>
/// <item><description><c>"data/teacher"</c>: teacher-network weights.</description></item>
/// </list>
/// Bad arguments (sizes, condition numbers, frequencies) raise <see cref="InvalidInputException"/>, since they
/// usually come from a user's run configuration.
/// </summary>
public static class DataGenerators
{
    /// <summary>Stream for input coordinates.</summary>
    public const string InputStream = "data/x";

    /// <summary>Stream for labels and class assignment.</summary>
    public const string LabelStream = "data/y";

    /// <summary>Stream for the rotation of orthogonally separable data.</summary>
    public const string RotationStream = "data/rotation";

    /// <summary>Stream for teacher-network weights.</summary>
    public const string TeacherStream = "data/teacher";

    /// <summary>
    /// The shift that pushes orthogonally separable classes strictly apart: every coordinate a class does not own
    /// is −<c>CrossClassShift</c>, so cross-class inner products are negative by a margin that round-off in the
    /// rotation cannot flip.
    /// </summary>
    public const double CrossClassShift = 0.1;

    /// <summary>
    /// n×d inputs with i.i.d. N(0, std²) entries, drawn row by row from stream <c>"data/x"</c>.
    /// </summary>
    public static Matrix GaussianInputs(int n, int d, ulong seed, double std = 1.0)
    {
        RequireShape(n, d);
        if (!(std > 0) || !double.IsFinite(std))
            throw new InvalidInputException($"Gaussian input std must be positive and finite, got {F(std)}");
        var x = new Matrix(n, d);
        RandomStreams.For(seed, InputStream).FillGaussian(x.Data, 0.0, std);
        return x;
    }

    /// <summary>
    /// n×d inputs uniform on the unit sphere S^{d−1} (normalized Gaussian rows, stream <c>"data/x"</c>); every row
    /// has Euclidean norm 1 up to round-off. For d = 1 the rows are ±1.
    /// </summary>
    public static Matrix UnitSphereInputs(int n, int d, ulong seed)
    {
        RequireShape(n, d);
        var x = new Matrix(n, d);
        var s = RandomStreams.For(seed, InputStream);
        for (int i = 0; i < n; i++)
        {
            var row = x.Row(i);
            double norm;
            do
            {
                s.FillGaussian(row);
                norm = Math.Sqrt(Blas.Dot(row, row));
            } while (norm == 0.0);   // an all-zero draw has no direction; redraw (probability ~0, but exact)
            for (int j = 0; j < d; j++) row[j] /= norm;
        }
        return x;
    }

    /// <summary>
    /// n×d inputs (d ≥ n) of full row rank n with 2-norm condition number exactly <paramref name="conditionNumber"/>
    /// up to round-off: X = U·diag(s)·Vᵀ with U (n×n) and V (d×n) Haar-random with orthonormal columns (Gram–Schmidt
    /// of Gaussian matrices from stream <c>"data/x"</c>, U drawn first) and singular values
    /// s_k = κ^(−k/(n−1)), k = 0..n−1, geometric from 1 down to 1/κ. Then σ_max(X) = 1, σ_min(X) = 1/κ and
    /// λ_min(XXᵀ) = 1/κ². For n = 1 the only condition number is 1, so κ must be 1.
    /// </summary>
    public static Matrix LinearlyIndependentInputs(int n, int d, double conditionNumber, ulong seed)
    {
        RequireShape(n, d);
        if (d < n)
            throw new InvalidInputException(
                $"d < n: {n} inputs in dimension {d} cannot be linearly independent; need d ≥ n");
        if (!(conditionNumber >= 1.0) || !double.IsFinite(conditionNumber))
            throw new InvalidInputException($"condition number must be finite and ≥ 1, got {F(conditionNumber)}");
        if (n == 1 && conditionNumber != 1.0)
            throw new InvalidInputException(
                $"a single input (n = 1) has condition number 1; cannot produce {F(conditionNumber)}");

        var stream = RandomStreams.For(seed, InputStream);
        var u = OrthonormalColumns(n, n, stream);
        var v = OrthonormalColumns(d, n, stream);
        for (int r = 0; r < n; r++)
        {
            double sv = n == 1 ? 1.0 : Math.Pow(conditionNumber, -(double)r / (n - 1));
            for (int i = 0; i < n; i++) u[i, r] *= sv;
        }
        return Blas.Multiply(u, v, Op.None, Op.Transpose);
    }

    /// <summary>
    /// Orthogonally separable two-class data (papers.md §5.4, condition P5.C1): x_iᵀx_j &gt; 0 whenever y_i = y_j and
    /// x_iᵀx_j &lt; 0 (so ≤ 0) whenever y_i ≠ y_j. Classes are balanced (⌈n/2⌉ of label +1, ⌊n/2⌋ of −1) in a random
    /// order (a permutation from stream <c>"data/y"</c>).
    /// <para>Construction for d ≥ 2: the +1 class owns the first k = ⌈d/2⌉ coordinates and the −1 class the rest.
    /// A sample's own coordinates are |g| with g ~ N(0, 1) (stream <c>"data/x"</c>, sample by sample), its other
    /// coordinates are −<see cref="CrossClassShift"/>. Within a class every product term is positive; across classes
    /// every term is ≤ 0 and at least one is negative. With <paramref name="rotate"/> the data are then multiplied by
    /// a Haar-random orthogonal d×d matrix (stream <c>"data/rotation"</c>), which keeps every inner product.
    /// For d = 1: x = +|g| for class +1 and −|g| for class −1.</para>
    /// </summary>
    public static Dataset OrthogonallySeparable(int n, int d, ulong seed, bool rotate = true)
    {
        RequireShape(n, d);
        if (n < 2)
            throw new InvalidInputException($"orthogonally separable data needs n ≥ 2 (one sample per class), got n = {n}");

        var perm = RandomStreams.For(seed, LabelStream).Permutation(n);
        int nPlus = (n + 1) / 2;
        var y = new double[n];
        for (int i = 0; i < n; i++) y[perm[i]] = i < nPlus ? 1.0 : -1.0;

        var xs = RandomStreams.For(seed, InputStream);
        var x = new Matrix(n, d);
        int k = d == 1 ? 1 : (d + 1) / 2;
        for (int i = 0; i < n; i++)
        {
            var row = x.Row(i);
            if (d == 1)
            {
                row[0] = y[i] * PositiveHalfNormal(xs);
                continue;
            }
            int lo = y[i] > 0 ? 0 : k, hi = y[i] > 0 ? k : d;
            for (int j = 0; j < d; j++)
                row[j] = j >= lo && j < hi ? PositiveHalfNormal(xs) : -CrossClassShift;
        }

        if (rotate && d >= 2)
        {
            var q = OrthonormalColumns(d, d, RandomStreams.For(seed, RotationStream));
            x = Blas.Multiply(x, q, Op.None, Op.Transpose);   // row xᵢ ↦ Q·xᵢ
        }
        return new Dataset(x, y);
    }

    /// <summary>
    /// One-dimensional regression data: x_i = i/(n−1) for i = 0..n−1 (equispaced on [0, 1], both ends included) and
    /// y_i = Σ_k A_k·sin(2π·f_k·x_i), so frequency f_k means f_k full periods over [0, 1]. Amplitudes default to 1.
    /// Deterministic: no seed.
    /// </summary>
    public static Dataset EquispacedSines(int n, IReadOnlyList<double> frequencies, IReadOnlyList<double>? amplitudes = null)
    {
        ArgumentNullException.ThrowIfNull(frequencies);
        if (n < 2)
            throw new InvalidInputException($"equispaced inputs on [0, 1] need n ≥ 2, got n = {n}");
        if (frequencies.Count == 0)
            throw new InvalidInputException("the frequency list is empty");
        if (amplitudes is not null && amplitudes.Count != frequencies.Count)
            throw new InvalidInputException(
                $"{frequencies.Count} frequencies but {amplitudes.Count} amplitudes; give one amplitude per frequency");
        for (int k = 0; k < frequencies.Count; k++)
        {
            if (!double.IsFinite(frequencies[k]))
                throw new InvalidInputException($"frequency {k} is {F(frequencies[k])}; frequencies must be finite");
            if (amplitudes is not null && !double.IsFinite(amplitudes[k]))
                throw new InvalidInputException($"amplitude {k} is {F(amplitudes[k])}; amplitudes must be finite");
        }

        var x = new Matrix(n, 1);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double xi = (double)i / (n - 1);
            x.Data[i] = xi;
            double s = 0;
            for (int k = 0; k < frequencies.Count; k++)
                s += (amplitudes is null ? 1.0 : amplitudes[k]) * Math.Sin(2.0 * Math.PI * frequencies[k] * xi);
            y[i] = s;
        }
        return new Dataset(x, y);
    }

    /// <summary>n labels ±1, i.i.d. Rademacher, from stream <c>"data/y"</c>.</summary>
    public static double[] RandomLabels(int n, ulong seed)
    {
        if (n < 1) throw new InvalidInputException($"need at least one label, got n = {n}");
        var y = new double[n];
        RandomStreams.For(seed, LabelStream).FillRademacher(y);
        return y;
    }

    /// <summary>
    /// Targets of a random two-layer teacher network: y_i = Σ_{j&lt;m} a_j·σ(w_jᵀx_i) / √m, with m =
    /// <paramref name="width"/>, w_j ~ N(0, I/d) and a_j ~ N(0, 1). All draws come from stream <c>"data/teacher"</c>:
    /// first W row by row (m×d), then a. <paramref name="activation"/> σ defaults to tanh; pass the engine's
    /// activation to make the teacher match a student model.
    /// </summary>
    public static double[] TeacherTargets(Matrix x, ulong seed, int width, Func<double, double>? activation = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireShape(x.Rows, x.Cols);
        if (width < 1) throw new InvalidInputException($"teacher width must be ≥ 1, got {width}");
        var sigma = activation ?? Math.Tanh;
        int n = x.Rows, d = x.Cols;

        var s = RandomStreams.For(seed, TeacherStream);
        var w = new double[checked(width * d)];
        s.FillGaussian(w, 0.0, 1.0 / Math.Sqrt(d));
        var a = new double[width];
        s.FillGaussian(a);

        var pre = new double[checked(n * width)];
        Blas.Gemm(Op.None, Op.Transpose, n, width, d, 1.0, x.Data, w, 0.0, pre);   // pre = X·Wᵀ
        var y = new double[n];
        double scale = 1.0 / Math.Sqrt(width);
        for (int i = 0; i < n; i++)
        {
            double acc = 0;
            for (int j = 0; j < width; j++) acc += a[j] * sigma(pre[i * width + j]);
            y[i] = acc * scale;
        }
        return y;
    }

    /// <summary><paramref name="x"/> with <see cref="TeacherTargets"/> as a validated <see cref="Dataset"/>.</summary>
    public static Dataset TeacherDataset(Matrix x, ulong seed, int width, Func<double, double>? activation = null) =>
        Dataset.Create(x, TeacherTargets(x, seed, width, activation));

    /// <summary><paramref name="x"/> with <see cref="RandomLabels"/> (stream <c>"data/y"</c>) as a <see cref="Dataset"/>.</summary>
    public static Dataset RandomLabelDataset(Matrix x, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Dataset.Create(x, RandomLabels(x.Rows, seed));
    }

    /// <summary>
    /// A rows×cols matrix (cols ≤ rows) with orthonormal columns, Haar-distributed: modified Gram–Schmidt, applied
    /// twice for orthogonality to round-off, on a Gaussian matrix drawn row-major from <paramref name="stream"/>.
    /// Gram–Schmidt keeps R's diagonal positive, which is what makes Q Haar rather than merely orthonormal.
    /// </summary>
    internal static Matrix OrthonormalColumns(int rows, int cols, RandomStream stream)
    {
        if (cols > rows) throw new ArgumentException($"cannot have {cols} orthonormal columns in dimension {rows}");
        var g = new double[checked(rows * cols)];
        stream.FillGaussian(g);
        // Work column-major so each column is a contiguous span for Dot/Axpy.
        var q = new double[cols][];
        for (int c = 0; c < cols; c++)
        {
            var col = new double[rows];
            for (int r = 0; r < rows; r++) col[r] = g[r * cols + c];
            for (int pass = 0; pass < 2; pass++)
                for (int p = 0; p < c; p++)
                    Blas.Axpy(-Blas.Dot(q[p], col), q[p], col);
            double norm = Math.Sqrt(Blas.Dot(col, col));
            if (!(norm > 1e-8))   // a Gaussian matrix is full rank with probability 1; this is a true bug guard
                throw new InvalidOperationException("Gram–Schmidt met a dependent Gaussian column");
            for (int r = 0; r < rows; r++) col[r] /= norm;
            q[c] = col;
        }
        var m = new Matrix(rows, cols);
        for (int c = 0; c < cols; c++)
            for (int r = 0; r < rows; r++) m[r, c] = q[c][r];
        return m;
    }

    private static double PositiveHalfNormal(RandomStream s)
    {
        double v;
        do v = Math.Abs(s.NextGaussian()); while (v == 0.0);
        return v;
    }

    private static void RequireShape(int n, int d)
    {
        if (n < 1 || d < 1)
            throw new InvalidInputException($"data shape must be at least 1×1, got n = {n}, d = {d}");
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

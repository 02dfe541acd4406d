using System.Globalization;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Models;

/// <summary>The family of a <see cref="FeatureMap"/> (papers.md §1.2, §1.4).</summary>
public enum FeatureKind
{
    /// <summary>Random Fourier features of the Gaussian kernel exp(−‖x − x′‖²/(2σ_k²)): ω ~ N(0, σ_k⁻²I).</summary>
    Gaussian,

    /// <summary>Random Fourier features of the Matérn-ν kernel with length scale σ_k: ω ~ multivariate Student-t, 2ν degrees of freedom, scale σ_k⁻¹.</summary>
    Matern,

    /// <summary>The repository's fixed random ReLU features √(2/M)·relu(Wz), W rows ~ N(0, σ_k⁻²I), no offsets.</summary>
    Relu,
}

/// <summary>
/// A fixed (never trained) feature map Φ: ℝ^d → ℝ^M of the form Φ(z) = c·g(Wz + b), with g = cos for random Fourier
/// features and g = relu for the ReLU features. Row m of <see cref="Weights"/> is ωₘ (or wₘ), <see cref="Offsets"/>
/// holds bₘ (zero for ReLU) and c = <see cref="Scale"/> = √(2/M), so that Φ(x)ᵀΦ(x′) is an unbiased estimate of
/// <see cref="LimitKernel"/> with the 1/M normalization papers.md §1.2 asks for.
/// </summary>
/// <remarks>
/// One form for all three families keeps the model file, the Jacobian J_Φ(z) = c·diag(g′(Wz + b))·W and the Lipschitz
/// bound ‖J_Φ‖ ≤ c·‖W‖ (|g′| ≤ 1 for cos and relu; P1.C3) in one place. The draws come from the named streams
/// <c>"features/omega"</c> (ω, row-major), <c>"features/phase"</c> (b) and <c>"features/chi2"</c> (the Student-t
/// mixing variable), so changing the data or the residual never changes the features.
/// </remarks>
public sealed class FeatureMap
{
    /// <summary>Creates a feature map from explicit draws (as read from a model file).</summary>
    /// <param name="kind">The family.</param>
    /// <param name="weights">M × d frequencies (or ReLU weights), finite.</param>
    /// <param name="offsets">M phases bₘ; all zero for <see cref="FeatureKind.Relu"/>.</param>
    /// <param name="bandwidth">σ_k &gt; 0: the kernel bandwidth / length scale the draws came from (recorded, used by <see cref="LimitKernel"/>).</param>
    /// <param name="nu">Matérn smoothness ν &gt; 0; NaN for the other families.</param>
    /// <exception cref="InvalidInputException">Shapes disagree, a value is not finite, σ_k ≤ 0, ν ≤ 0 (Matérn), or ReLU offsets are not zero.</exception>
    public FeatureMap(FeatureKind kind, Matrix weights, double[] offsets, double bandwidth, double nu = double.NaN)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(offsets);
        if (!Enum.IsDefined(kind)) throw new InvalidInputException($"unknown feature kind {(int)kind}");
        CheckBandwidth(bandwidth);
        if (kind == FeatureKind.Matern) CheckNu(nu);
        else if (!double.IsNaN(nu)) throw new InvalidInputException($"ν = {Show(nu)} is given, but only Matérn features have a smoothness ν");
        if (weights.Rows < 1 || weights.Cols < 1)
            throw new InvalidInputException($"feature weights are {weights.Rows}×{weights.Cols}; need at least one feature and one input dimension");
        if (offsets.Length != weights.Rows)
            throw new InvalidInputException($"{offsets.Length} feature offsets for {weights.Rows} features");
        if (!weights.IsFinite()) throw new InvalidInputException("feature weights contain NaN or ±∞");
        foreach (var b in offsets)
        {
            if (!double.IsFinite(b)) throw new InvalidInputException("feature offsets contain NaN or ±∞");
            if (kind == FeatureKind.Relu && b != 0) throw new InvalidInputException("ReLU features have no offsets; every offset must be 0");
        }
        Kind = kind;
        Weights = weights.Clone();
        _offsets = (double[])offsets.Clone();
        Bandwidth = bandwidth;
        Nu = kind == FeatureKind.Matern ? nu : double.NaN;
        Scale = Math.Sqrt(2.0 / weights.Rows);
    }

    /// <summary>The family.</summary>
    public FeatureKind Kind { get; }

    /// <summary>M × d: row m is ωₘ (or wₘ). Do not modify; the map treats it as fixed.</summary>
    public Matrix Weights { get; }

    /// <summary>The M offsets bₘ (zero for ReLU). Do not modify.</summary>
    public IReadOnlyList<double> Offsets => Array.AsReadOnly(_offsets);

    private readonly double[] _offsets;

    /// <summary>σ_k, the bandwidth (Gaussian), length scale (Matérn) or inverse weight scale (ReLU) of the draws.</summary>
    public double Bandwidth { get; }

    /// <summary>Matérn smoothness ν; NaN for the other families.</summary>
    public double Nu { get; }

    /// <summary>c = √(2/M).</summary>
    public double Scale { get; }

    /// <summary>M, the number of features.</summary>
    public int Count => Weights.Rows;

    /// <summary>
    /// ‖W‖₂ = √λ_max(WᵀW) (a d × d eigenproblem; exact up to the eigensolver's round-off, not a certified bound).
    /// </summary>
    public double WeightSpectralNorm => _spectralNorm ??= Math.Sqrt(Math.Max(0.0, SymmetricEigen.ExtremeEigenvalues(Blas.Multiply(Weights, Weights, Op.Transpose)).Max));

    private double? _spectralNorm;

    /// <summary>
    /// Lip(Φ) ≤ c·‖W‖₂: J_Φ(z) = c·diag(g′(Wz + b))·W with |g′| ≤ 1 for cos and relu (P1.C3's ‖W‖·Lip(σ) factor,
    /// times the √(2/M) normalization). With ‖U(s)‖₂ this bounds Lip_x v(s, ·) ≤ ‖U(s)‖₂·c·‖W‖₂.
    /// </summary>
    public double LipschitzBound => Scale * WeightSpectralNorm;

    /// <summary>d, the dimension of the hidden state the map reads.</summary>
    public int InputDimension => Weights.Cols;

    /// <summary>Random Fourier features of the Gaussian kernel with bandwidth σ_k: ω ~ N(0, σ_k⁻²I), b ~ U[0, 2π).</summary>
    /// <exception cref="InvalidInputException">dim or count &lt; 1, σ_k ≤ 0 or not finite, or too many features for memory.</exception>
    public static FeatureMap Gaussian(int dim, int count, double bandwidth, ulong seed)
    {
        CheckShape(dim, count);
        CheckBandwidth(bandwidth);
        var w = new Matrix(count, dim);
        RandomStreams.For(seed, "features/omega").FillGaussian(w.Data, 0.0, 1.0 / bandwidth);
        return new FeatureMap(FeatureKind.Gaussian, w, Phases(seed, count), bandwidth);
    }

    /// <summary>
    /// Random Fourier features of the Matérn-ν kernel with length scale ℓ = σ_k. Its spectral density is
    /// ∝ (2ν/ℓ² + ‖ω‖²)^{−(ν + d/2)}, the multivariate Student-t with 2ν degrees of freedom and scale ℓ⁻¹, drawn as
    /// ωₘ = zₘ/(ℓ·√(gₘ/2ν)) with zₘ ~ N(0, I) and gₘ ~ χ²(2ν) (one g per feature, so the coordinates are dependent).
    /// </summary>
    /// <exception cref="InvalidInputException">dim or count &lt; 1, ℓ ≤ 0, ν ≤ 0, or too many features for memory.</exception>
    public static FeatureMap Matern(int dim, int count, double nu, double lengthScale, ulong seed)
    {
        CheckShape(dim, count);
        CheckBandwidth(lengthScale);
        CheckNu(nu);
        var w = new Matrix(count, dim);
        RandomStreams.For(seed, "features/omega").FillGaussian(w.Data);
        var chi = RandomStreams.For(seed, "features/chi2");
        for (int m = 0; m < count; m++)
        {
            double g = 2.0 * chi.NextGamma(nu); // χ²(2ν) = 2·Gamma(ν, 1)
            double s = 1.0 / (lengthScale * Math.Sqrt(g / (2.0 * nu)));
            foreach (ref double v in w.Row(m)) v *= s;
        }
        return new FeatureMap(FeatureKind.Matern, w, Phases(seed, count), lengthScale, nu);
    }

    /// <summary>
    /// Fixed random ReLU features √(2/M)·relu(Wz) with W rows ~ N(0, σ_k⁻²I) (the repository's σ(Wz); the √(2/M) makes
    /// Φ(z)ᵀΦ(z) → ‖z‖²/σ_k², the order-1 arc-cosine kernel of <see cref="LimitKernel"/>).
    /// </summary>
    /// <exception cref="InvalidInputException">dim or count &lt; 1, σ_k ≤ 0, or too many features for memory.</exception>
    public static FeatureMap Relu(int dim, int count, double bandwidth, ulong seed)
    {
        CheckShape(dim, count);
        CheckBandwidth(bandwidth);
        var w = new Matrix(count, dim);
        RandomStreams.For(seed, "features/omega").FillGaussian(w.Data, 0.0, 1.0 / bandwidth);
        return new FeatureMap(FeatureKind.Relu, w, new double[count], bandwidth);
    }

    /// <summary>
    /// Φ(Z) for the rows of <paramref name="z"/> (N × d) into <paramref name="phi"/> (N × M), and when
    /// <paramref name="slope"/> is given, c·g′(Wz + b) into it (N × M), so that J_Φ(z)ᵀv = Wᵀ(slope ⊙ v).
    /// relu′(0) is taken as 0 (any value in [0, 1] is a subgradient; the ties have probability zero).
    /// cos and sin come from the vectorised, threaded <see cref="FeatureKernels"/> (within 1 ulp of Math.SinCos).
    /// </summary>
    public void Evaluate(Matrix z, Matrix phi, Matrix? slope = null) => Evaluate(z, phi, slope, Simd.Best, Blas.MaxThreads);

    /// <summary><see cref="Evaluate(Matrix, Matrix, Matrix?)"/> on an explicit SIMD path and thread budget (tests force both).</summary>
    internal void Evaluate(Matrix z, Matrix phi, Matrix? slope, SimdPath path, int threads)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(phi);
        int n = z.Rows, m = Count, d = InputDimension;
        if (z.Cols != d) throw new ArgumentException($"states have {z.Cols} columns, the features read {d}", nameof(z));
        if (phi.Rows != n || phi.Cols != m) throw new ArgumentException($"phi is {phi.Rows}×{phi.Cols}, expected {n}×{m}", nameof(phi));
        if (slope is not null && (slope.Rows != n || slope.Cols != m))
            throw new ArgumentException($"slope is {slope.Rows}×{slope.Cols}, expected {n}×{m}", nameof(slope));
        Blas.Gemm(Op.None, Op.Transpose, n, m, d, 1.0, z.Data, Weights.Data, 0.0, phi.Data);
        double c = Scale;
        if (Kind != FeatureKind.Relu)
        {
            FeatureKernels.CosFeatures(path, phi.Data, slope is null ? default : slope.Data, _offsets, c, threads);
            return;
        }
        for (int i = 0; i < n; i++)
        {
            var row = phi.Row(i);
            var srow = slope is null ? default : slope.Row(i);
            for (int k = 0; k < m; k++)
            {
                double pre = row[k];
                row[k] = pre > 0 ? c * pre : 0.0;
                if (slope is not null) srow[k] = pre > 0 ? c : 0.0;
            }
        }
    }

    /// <summary>Φ(z) of one state (length M): the slow obvious reference of <see cref="Evaluate(Matrix, Matrix, Matrix?)"/>.</summary>
    public double[] Evaluate(ReadOnlySpan<double> z)
    {
        if (z.Length != InputDimension) throw new ArgumentException($"state has {z.Length} entries, the features read {InputDimension}", nameof(z));
        var phi = new double[Count];
        for (int k = 0; k < Count; k++)
        {
            double pre = Kind == FeatureKind.Relu ? 0.0 : _offsets[k];
            for (int j = 0; j < z.Length; j++) pre += Weights[k, j] * z[j];
            phi[k] = Kind == FeatureKind.Relu ? Scale * Math.Max(pre, 0.0) : Scale * Math.Cos(pre);
        }
        return phi;
    }

    /// <summary>
    /// The kernel the features estimate, k(x, x′) = E[Φ(x)ᵀΦ(x′)] (the infinite-width limit, P1.C7):
    /// Gaussian exp(−‖x − x′‖²/(2σ_k²)); Matérn-ν with r = ‖x − x′‖ in closed form for half-integer ν = p + ½,
    /// exp(−√(2ν)r/ℓ)·p!/(2p)!·Σᵢ₌₀ᵖ (p+i)!/(i!(p−i)!)·(2√(2ν)r/ℓ)^{p−i}; ReLU the order-1 arc-cosine kernel
    /// (‖x‖‖x′‖/(πσ_k²))·(sin θ + (π − θ)cos θ), θ the angle between x and x′.
    /// </summary>
    /// <exception cref="InvalidInputException">Matérn with ν not a half-integer (no closed form here), or lengths differ.</exception>
    public double LimitKernel(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new InvalidInputException($"kernel arguments have lengths {x.Length} and {y.Length}");
        switch (Kind)
        {
            case FeatureKind.Gaussian:
                return Math.Exp(-SquaredDistance(x, y) / (2 * Bandwidth * Bandwidth));
            case FeatureKind.Matern:
                {
                    double pd = Nu - 0.5;
                    int p = (int)Math.Round(pd);
                    if (pd != p || p < 0 || p > 20)
                        throw new InvalidInputException(
                            $"the Matérn kernel is evaluated in closed form only for ν = 1/2, 3/2, …, 41/2; got ν = {Show(Nu)}");
                    double r = Math.Sqrt(SquaredDistance(x, y));
                    double a = Math.Sqrt(2 * Nu) * r / Bandwidth;
                    double sum = 0;
                    for (int i = 0; i <= p; i++)
                        sum += Factorial(p + i) / (Factorial(i) * Factorial(p - i)) * Math.Pow(2 * a, p - i);
                    return Math.Exp(-a) * Factorial(p) / Factorial(2 * p) * sum;
                }
            default:
                {
                    double nx = 0, ny = 0, dot = 0;
                    for (int j = 0; j < x.Length; j++)
                    {
                        nx += x[j] * x[j];
                        ny += y[j] * y[j];
                        dot += x[j] * y[j];
                    }
                    nx = Math.Sqrt(nx);
                    ny = Math.Sqrt(ny);
                    if (nx == 0 || ny == 0) return 0.0;
                    double cos = Math.Clamp(dot / (nx * ny), -1.0, 1.0);
                    double theta = Math.Acos(cos);
                    return nx * ny / (Math.PI * Bandwidth * Bandwidth) * (Math.Sin(theta) + (Math.PI - theta) * cos);
                }
        }
    }

    private static double Factorial(int n)
    {
        double f = 1;
        for (int i = 2; i <= n; i++) f *= i;
        return f;
    }

    private static double SquaredDistance(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double s = 0;
        for (int j = 0; j < x.Length; j++)
        {
            double t = x[j] - y[j];
            s += t * t;
        }
        return s;
    }

    private static double[] Phases(ulong seed, int count)
    {
        var b = new double[count];
        RandomStreams.For(seed, "features/phase").FillUniform(b, 0.0, 2 * Math.PI);
        return b;
    }

    private static void CheckShape(int dim, int count)
    {
        if (dim < 1) throw new InvalidInputException($"feature input dimension must be at least 1, got {dim}");
        if (count < 1) throw new InvalidInputException($"the feature count must be at least 1, got {count}");
        ProblemSize.Require($"a feature map with {count} features in dimension {dim}", (double)count * dim,
            "the feature weight matrix", 2.0 * count * dim);
    }

    private static void CheckBandwidth(double bandwidth)
    {
        if (!(bandwidth > 0) || !double.IsFinite(bandwidth))
            throw new InvalidInputException($"the kernel bandwidth σ_k must be positive and finite, got {Show(bandwidth)}");
    }

    private static void CheckNu(double nu)
    {
        if (!(nu > 0) || !double.IsFinite(nu))
            throw new InvalidInputException($"the Matérn smoothness ν must be positive and finite, got {Show(nu)}");
    }

    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

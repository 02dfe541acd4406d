using System.Globalization;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Models;

/// <summary>
/// The two-layer ReLU network of P5 (papers.md §5.2): f(x; θ) = Σ_{j&lt;m} (xᵀw₁ⱼ)₊ w₂ⱼ, no bias, width m, input
/// dimension d. The class holds only the shape; parameters are a flat θ of length m(d + 1) laid out as
/// <c>θ[j·d + k] = (w₁ⱼ)ₖ</c> (the first layer, neuron by neuron) followed by <c>θ[m·d + j] = w₂ⱼ</c>.
/// The network is 2-homogeneous in θ: f(cθ) = c²f(θ) for c ≥ 0, which is what the normalisation θ̄ relies on.
/// Subgradients take ReLU′(0) = 0 (papers.md §5.2).
/// </summary>
public sealed class ReluTwoLayer
{
    /// <summary>Stream of the first-layer weights of <see cref="SmallInitialization"/>.</summary>
    public const string FirstLayerStream = "init/W1";

    /// <summary>Stream of the second-layer weights (and, when balanced, their signs).</summary>
    public const string SecondLayerStream = "init/W2";

    /// <summary>The default initialisation scale of papers.md §5.6 ("small initialization scale (10⁻³)").</summary>
    public const double DefaultInitScale = 1e-3;

    /// <summary>A network of <paramref name="width"/> neurons on <paramref name="inputDimension"/> inputs.</summary>
    /// <exception cref="InvalidInputException">A size is not positive, or θ would not fit in one array.</exception>
    public ReluTwoLayer(int width, int inputDimension)
    {
        if (width < 1) throw new InvalidInputException($"a two-layer ReLU network needs width ≥ 1, got {width}");
        if (inputDimension < 1)
            throw new InvalidInputException($"a two-layer ReLU network needs input dimension ≥ 1, got {inputDimension}");
        double p = (double)width * (inputDimension + 1);
        ProblemSize.Require($"a two-layer ReLU network of width {width} on d = {inputDimension}", p, "θ", p);
        Width = width;
        InputDimension = inputDimension;
    }

    /// <summary>Width m (number of hidden neurons).</summary>
    public int Width { get; }

    /// <summary>Input dimension d.</summary>
    public int InputDimension { get; }

    /// <summary>Length of θ: m(d + 1).</summary>
    public int ParameterCount => Width * (InputDimension + 1);

    /// <summary>Neuron j's first-layer weights w₁ⱼ (a view into θ).</summary>
    public ReadOnlySpan<double> FirstLayer(ReadOnlySpan<double> theta, int j) => theta.Slice(j * InputDimension, InputDimension);

    /// <summary>Neuron j's output weight w₂ⱼ.</summary>
    public double SecondLayer(ReadOnlySpan<double> theta, int j) => theta[Width * InputDimension + j];

    /// <summary>
    /// θ₀ with every entry of W₁ i.i.d. N(0, scale²) from stream <see cref="FirstLayerStream"/> (row-major, neuron by
    /// neuron). Unbalanced (default): w₂ i.i.d. N(0, scale²) from <see cref="SecondLayerStream"/>. Balanced: w₂ⱼ =
    /// ±‖w₁ⱼ‖ with a Rademacher sign from <see cref="SecondLayerStream"/>, so ‖w₁ⱼ‖² − w₂ⱼ² = 0 up to one rounding —
    /// the balanced start under which gradient flow keeps the neurons balanced (P5.R5).
    /// </summary>
    public double[] SmallInitialization(ulong seed, double scale = DefaultInitScale, bool balanced = false)
    {
        if (!(scale > 0) || !double.IsFinite(scale))
            throw new InvalidInputException($"the initialisation scale must be positive and finite, got {Format(scale)}");
        int m = Width, d = InputDimension;
        var theta = new double[ParameterCount];
        RandomStreams.For(seed, FirstLayerStream).FillGaussian(theta.AsSpan(0, m * d), 0.0, scale);
        var second = theta.AsSpan(m * d, m);
        if (!balanced)
        {
            RandomStreams.For(seed, SecondLayerStream).FillGaussian(second, 0.0, scale);
            return theta;
        }
        var signs = RandomStreams.For(seed, SecondLayerStream);
        for (int j = 0; j < m; j++) second[j] = signs.NextRademacher() * Norm2(theta.AsSpan(j * d, d));
        return theta;
    }

    /// <summary>Writes f(xᵢ; θ) for every row xᵢ of <paramref name="x"/> into <paramref name="outputs"/>.</summary>
    public void Outputs(Matrix x, ReadOnlySpan<double> theta, Span<double> outputs)
    {
        CheckShapes(x, theta);
        if (outputs.Length != x.Rows) throw new ArgumentException($"outputs has {outputs.Length} entries for {x.Rows} rows", nameof(outputs));
        int m = Width, d = InputDimension;
        for (int i = 0; i < x.Rows; i++)
        {
            ReadOnlySpan<double> xi = x.Row(i);
            double f = 0;
            for (int j = 0; j < m; j++)
            {
                double z = Blas.Dot(xi, theta.Slice(j * d, d));
                if (z > 0) f += z * theta[m * d + j];
            }
            outputs[i] = f;
        }
    }

    /// <summary>f(xᵢ; θ) for every row of <paramref name="x"/>, as a new array.</summary>
    public double[] Outputs(Matrix x, ReadOnlySpan<double> theta)
    {
        ArgumentNullException.ThrowIfNull(x);
        var f = new double[x.Rows];
        Outputs(x, theta, f);
        return f;
    }

    /// <summary>The margins yᵢ f(xᵢ; θ).</summary>
    public double[] Margins(Matrix x, ReadOnlySpan<double> y, ReadOnlySpan<double> theta)
    {
        var f = Outputs(x, theta);
        if (y.Length != f.Length) throw new InvalidInputException($"{y.Length} labels for {f.Length} input rows");
        for (int i = 0; i < f.Length; i++) f[i] *= y[i];
        return f;
    }

    /// <summary>minᵢ yᵢ f(xᵢ; θ): positive exactly when θ separates the data.</summary>
    public double MinMargin(Matrix x, ReadOnlySpan<double> y, ReadOnlySpan<double> theta) => Margins(x, y, theta).Min();

    /// <summary>
    /// The normalised margin minᵢ yᵢ fᵢ(θ)/‖θ‖² (papers.md §5.5, P5.R4): scale-free because f is 2-homogeneous;
    /// NaN at θ = 0.
    /// </summary>
    public double NormalizedMargin(Matrix x, ReadOnlySpan<double> y, ReadOnlySpan<double> theta)
    {
        double n2 = SumOfSquares(theta);
        return n2 > 0 ? MinMargin(x, y, theta) / n2 : double.NaN;
    }

    /// <summary>
    /// θ̄ = θ/√(minᵢ yᵢfᵢ(θ)), the rescaling with minimum margin 1 (papers.md §5.3, P5.C3).
    /// </summary>
    /// <exception cref="InvalidInputException">θ does not separate the data (minimum margin ≤ 0).</exception>
    public double[] NormalizeToUnitMargin(Matrix x, ReadOnlySpan<double> y, ReadOnlySpan<double> theta)
    {
        double gamma = MinMargin(x, y, theta);
        if (!(gamma > 0))
            throw new InvalidInputException(
                $"the network does not separate the data (minimum margin {Format(gamma)}), so it has no margin-1 normalisation");
        double c = 1 / Math.Sqrt(gamma);
        var bar = theta.ToArray();
        for (int i = 0; i < bar.Length; i++) bar[i] *= c;
        return bar;
    }

    /// <summary>
    /// ∇_θ f(xᵢ; θ) for sample row <paramref name="xi"/>, with ReLU′(0) = 0: ∂f/∂w₁ⱼ = w₂ⱼ·1[xᵢᵀw₁ⱼ &gt; 0]·xᵢ and
    /// ∂f/∂w₂ⱼ = (xᵢᵀw₁ⱼ)₊. By homogeneity ⟨θ, ∇f⟩ = 2f exactly in real arithmetic.
    /// </summary>
    public void SampleGradient(ReadOnlySpan<double> xi, ReadOnlySpan<double> theta, Span<double> gradient)
    {
        int m = Width, d = InputDimension;
        if (xi.Length != d) throw new ArgumentException($"sample has {xi.Length} features, the network expects {d}", nameof(xi));
        if (theta.Length != ParameterCount) throw new ArgumentException($"θ has {theta.Length} entries, expected {ParameterCount}", nameof(theta));
        if (gradient.Length != ParameterCount) throw new ArgumentException($"gradient has {gradient.Length} entries, expected {ParameterCount}", nameof(gradient));
        for (int j = 0; j < m; j++)
        {
            double z = Blas.Dot(xi, theta.Slice(j * d, d));
            var gj = gradient.Slice(j * d, d);
            if (z > 0)
            {
                double w2 = theta[m * d + j];
                for (int k = 0; k < d; k++) gj[k] = w2 * xi[k];
                gradient[m * d + j] = z;
            }
            else
            {
                gj.Clear();
                gradient[m * d + j] = 0;
            }
        }
    }

    /// <summary>‖w₁ⱼ‖² − w₂ⱼ² for every neuron: conserved by gradient flow (P5.R5).</summary>
    public double[] Balancedness(ReadOnlySpan<double> theta)
    {
        if (theta.Length != ParameterCount) throw new ArgumentException($"θ has {theta.Length} entries, expected {ParameterCount}", nameof(theta));
        int m = Width, d = InputDimension;
        var b = new double[m];
        for (int j = 0; j < m; j++)
        {
            double w2 = theta[m * d + j];
            b[j] = SumOfSquares(theta.Slice(j * d, d)) - w2 * w2;
        }
        return b;
    }

    /// <summary>Σⱼ ‖w₁ⱼ‖·|w₂ⱼ|: the group-ℓ1 value of the network's convex image (equal to ½‖θ‖² when balanced).</summary>
    public double PathNorm(ReadOnlySpan<double> theta)
    {
        if (theta.Length != ParameterCount) throw new ArgumentException($"θ has {theta.Length} entries, expected {ParameterCount}", nameof(theta));
        int m = Width, d = InputDimension;
        double s = 0;
        for (int j = 0; j < m; j++) s += Norm2(theta.Slice(j * d, d)) * Math.Abs(theta[m * d + j]);
        return s;
    }

    internal void CheckShapes(Matrix x, ReadOnlySpan<double> theta)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Cols != InputDimension)
            throw new InvalidInputException($"inputs have {x.Cols} columns, the network expects {InputDimension}");
        if (theta.Length != ParameterCount)
            throw new InvalidInputException($"θ has {theta.Length} entries, a width-{Width} network on d = {InputDimension} has {ParameterCount}");
    }

    internal static double SumOfSquares(ReadOnlySpan<double> v)
    {
        double s = 0;
        for (int i = 0; i < v.Length; i++) s += v[i] * v[i];
        return s;
    }

    internal static double Norm2(ReadOnlySpan<double> v) => Math.Sqrt(SumOfSquares(v));

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

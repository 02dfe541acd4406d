using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Models;

/// <summary>
/// Network initializations. Layers are numbered ℓ = 1..L (L = hidden layers + 1, the last one the scalar output);
/// layer ℓ's weight is drawn from the stream <c>RandomStreams.For(seed, "init/W{ℓ}")</c> in row-major order and its
/// bias from <c>"init/b{ℓ}"</c>, so changing one layer's width never changes another layer's draws.
/// </summary>
public static class Initializers
{
    /// <summary>
    /// Standard parameterization (papers.md P2/P3 baselines): every scale 1, W_ℓ and b_ℓ entries i.i.d. N(0, std²).
    /// </summary>
    public static Mlp Gaussian(int inputDim, IReadOnlyList<int> hiddenWidths, ActivationKind activation, ulong seed,
        double std = 1.0, bool bias = false)
    {
        CheckPositive(std, nameof(std));
        return Build(inputDim, hiddenWidths, activation, seed, bias, (fanIn, fanOut) => (std, std, 1.0));
    }

    /// <summary>
    /// NTK parameterization (Jacot et al.): W_ℓ and b_ℓ entries i.i.d. N(0, 1) with scale_ℓ = 1/√fan_in, so the
    /// pre-activations have O(1) variance at any width and the NTK has a finite infinite-width limit.
    /// </summary>
    public static Mlp NtkParameterization(int inputDim, IReadOnlyList<int> hiddenWidths, ActivationKind activation,
        ulong seed, bool bias = false) =>
        Build(inputDim, hiddenWidths, activation, seed, bias, (fanIn, fanOut) => (1.0, 1.0, 1.0 / Math.Sqrt(fanIn)));

    /// <summary>Xavier/Glorot normal: W_ℓ entries i.i.d. N(0, 2/(fan_in + fan_out)), biases 0, scales 1.</summary>
    public static Mlp Xavier(int inputDim, IReadOnlyList<int> hiddenWidths, ActivationKind activation, ulong seed,
        bool bias = false) =>
        Build(inputDim, hiddenWidths, activation, seed, bias, (fanIn, fanOut) => (Math.Sqrt(2.0 / (fanIn + fanOut)), 0.0, 1.0));

    /// <summary>He/Kaiming normal: W_ℓ entries i.i.d. N(0, 2/fan_in), biases 0, scales 1.</summary>
    public static Mlp He(int inputDim, IReadOnlyList<int> hiddenWidths, ActivationKind activation, ulong seed,
        bool bias = false) =>
        Build(inputDim, hiddenWidths, activation, seed, bias, (fanIn, fanOut) => (Math.Sqrt(2.0 / fanIn), 0.0, 1.0));

    /// <summary>
    /// P2.C4, Chatterjee's positive initialization: W₁ = 0; every hidden-to-hidden weight (layers 2..L−1) drawn
    /// uniform in [minHidden, maxHidden] and divided by its fan-in (our choice, so the hidden pre-activations stay O(1)
    /// at any width; the paper only asks for strictly positive entries); every output weight equal to
    /// <paramref name="outputWeight"/> (the paper's a, "sufficiently large"). No biases, all scales 1, all layers trainable.
    /// With W₁ = 0 every input reaches the same hidden state, which is what the P2.C3 criterion exploits.
    /// </summary>
    /// <exception cref="InvalidInputException">No hidden layer, minHidden ≤ 0, maxHidden &lt; minHidden, or a non-finite a.</exception>
    public static Mlp Positive(int inputDim, IReadOnlyList<int> hiddenWidths, ActivationKind activation,
        double outputWeight, ulong seed, double minHidden = 0.5, double maxHidden = 1.5)
    {
        CheckShape(inputDim, hiddenWidths);
        if (hiddenWidths.Count == 0)
            throw new InvalidInputException("positive initialization (P2.C4) needs at least one hidden layer");
        if (!(minHidden > 0) || !double.IsFinite(maxHidden) || maxHidden < minHidden)
            throw new InvalidInputException(
                $"positive initialization (P2.C4) needs 0 < minHidden ≤ maxHidden; got [{minHidden}, {maxHidden}]");
        if (!double.IsFinite(outputWeight))
            throw new InvalidInputException($"output weight a = {outputWeight} is not finite");
        var layers = new List<Layer> { new(new Matrix(hiddenWidths[0], inputDim)) };
        for (int l = 1; l < hiddenWidths.Count; l++)
        {
            int fanIn = hiddenWidths[l - 1];
            var w = new Matrix(hiddenWidths[l], fanIn);
            var rng = RandomStreams.For(seed, $"init/W{l + 1}");
            for (int i = 0; i < w.Data.Length; i++) w.Data[i] = rng.NextUniform(minHidden, maxHidden) / fanIn;
            layers.Add(new Layer(w));
        }
        var v = new Matrix(1, hiddenWidths[^1]);
        Array.Fill(v.Data, outputWeight);
        layers.Add(new Layer(v));
        return new Mlp(activation, layers);
    }

    /// <summary>
    /// P4.C6, the Oymak–Soltanolkotabi two-layer instance f(x) = vᵀσ(Wx): W (k × d) trainable with i.i.d. N(0, 1)
    /// entries (papers.md §4.2: W₀ i.i.d. N(0,1); with unit-norm inputs each pre-activation is then N(0,1));
    /// v frozen (Trainable = false), its first k/2 entries +ν/√k and the last k/2 entries −ν/√k. No biases, scales 1.
    /// </summary>
    /// <exception cref="InvalidInputException">k not a positive even number, or ν not positive and finite.</exception>
    public static Mlp P4TwoLayer(int inputDim, int k, ActivationKind activation, double nu, ulong seed)
    {
        if (inputDim < 1) throw new InvalidInputException($"input dimension {inputDim} must be at least 1");
        if (k < 2 || k % 2 != 0)
            throw new InvalidInputException($"width k = {k} must be even and positive (P4.C6: half +ν/√k, half −ν/√k)");
        CheckPositive(nu, "nu");
        var w = new Matrix(k, inputDim);
        RandomStreams.For(seed, "init/W1").FillGaussian(w.Data, 0.0, 1.0);
        var v = new Matrix(1, k);
        double e = nu / Math.Sqrt(k);
        for (int j = 0; j < k; j++) v.Data[j] = j < k / 2 ? e : -e;
        return new Mlp(activation, [new Layer(w), new Layer(v, trainable: false)]);
    }

    /// <summary>
    /// P3's network (papers.md §3.2, the KonstantinRiedl/NNTK repository): f(x) = N^{−β}·Σᵢ cᵢ tanh(wᵢ·x + ηᵢ) with
    /// wᵢ, ηᵢ ~ N(0, 1) (streams "init/W1", "init/b1") and cᵢ ~ U(−1, 1) (stream "init/W2"); hidden layer with bias,
    /// output layer without, unit layer scales, output scale N^{−β}. <paramref name="frozenFeatures"/> freezes (w, η):
    /// the random-feature case. Parameter order: w row-major, then η, then c.
    /// </summary>
    /// <exception cref="InvalidInputException">A dimension below 1 or β not finite.</exception>
    public static Mlp P3Shallow(int inputDim, int width, double beta, ulong seed, bool frozenFeatures = false)
    {
        if (inputDim < 1) throw new InvalidInputException($"input dimension {inputDim} must be at least 1");
        if (width < 1) throw new InvalidInputException($"width N = {width} must be at least 1");
        if (!double.IsFinite(beta)) throw new InvalidInputException($"β = {beta} must be finite");
        var w = new Matrix(width, inputDim);
        RandomStreams.For(seed, "init/W1").FillGaussian(w.Data, 0.0, 1.0);
        var eta = new double[width];
        RandomStreams.For(seed, "init/b1").FillGaussian(eta, 0.0, 1.0);
        var c = new Matrix(1, width);
        var rc = RandomStreams.For(seed, "init/W2");
        for (int i = 0; i < width; i++) c.Data[i] = rc.NextUniform(-1.0, 1.0);
        return new Mlp(ActivationKind.Tanh,
            [new Layer(w, eta, trainable: !frozenFeatures), new Layer(c)],
            outputScale: Math.Pow(width, -beta));
    }

    // spec(fanIn, fanOut) → (weight std, bias std, scale).
    private static Mlp Build(int inputDim, IReadOnlyList<int> hiddenWidths, ActivationKind activation, ulong seed,
        bool bias, Func<int, int, (double WeightStd, double BiasStd, double Scale)> spec)
    {
        CheckShape(inputDim, hiddenWidths);
        var layers = new List<Layer>();
        int fanIn = inputDim;
        for (int l = 0; l <= hiddenWidths.Count; l++)
        {
            int fanOut = l < hiddenWidths.Count ? hiddenWidths[l] : 1;
            var (ws, bs, scale) = spec(fanIn, fanOut);
            var w = new Matrix(fanOut, fanIn);
            RandomStreams.For(seed, $"init/W{l + 1}").FillGaussian(w.Data, 0.0, ws);
            double[]? b = null;
            if (bias)
            {
                b = new double[fanOut];
                if (bs > 0) RandomStreams.For(seed, $"init/b{l + 1}").FillGaussian(b, 0.0, bs);
            }
            layers.Add(new Layer(w, b, scale));
            fanIn = fanOut;
        }
        return new Mlp(activation, layers);
    }

    private static void CheckShape(int inputDim, IReadOnlyList<int> hiddenWidths)
    {
        ArgumentNullException.ThrowIfNull(hiddenWidths);
        if (inputDim < 1) throw new InvalidInputException($"input dimension {inputDim} must be at least 1");
        for (int l = 0; l < hiddenWidths.Count; l++)
            if (hiddenWidths[l] < 1)
                throw new InvalidInputException($"hidden width {l + 1} is {hiddenWidths[l]}; widths must be at least 1");
    }

    private static void CheckPositive(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value))
            throw new InvalidInputException($"{name} = {value} must be positive and finite");
    }
}

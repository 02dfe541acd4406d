using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Models;

/// <summary>
/// A fully connected network with scalar output:
/// <c>h₀ = x, z_ℓ = s_ℓ·(W_ℓ h_{ℓ−1} + b_ℓ), h_ℓ = σ(z_ℓ) for ℓ &lt; L, f(x) = outputScale·z_L</c>.
/// One form covers standard parameterization (s = 1), NTK parameterization (s_ℓ = 1/√fan_in),
/// P3's output scale N^{−β} and P4's frozen ±ν/√k output layer.
/// <para>
/// θ layout (shared by gradients, Jacobian columns and the NTK): trainable layers in order, each contributing its
/// weight row-major, then its bias if present. Frozen layers contribute nothing.
/// </para>
/// </summary>
public sealed partial class Mlp : IDifferentiableModel
{
    private readonly Layer[] _layers;
    private readonly int[] _offsets;

    /// <summary>Creates the network; the layers are used as given (not copied).</summary>
    /// <exception cref="InvalidInputException">No layers, shapes that do not chain, a last layer with more than one row,
    /// or a non-finite output scale.</exception>
    public Mlp(ActivationKind activation, IReadOnlyList<Layer> layers, double outputScale = 1.0)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation));
        if (layers.Count == 0) throw new InvalidInputException("the network has no layers");
        for (int l = 0; l < layers.Count; l++)
        {
            if (layers[l] is null) throw new ArgumentNullException(nameof(layers), $"layer {l} is null");
            if (l > 0 && layers[l].InputSize != layers[l - 1].OutputSize)
                throw new InvalidInputException(
                    $"layer {l} takes {layers[l].InputSize} inputs but layer {l - 1} has {layers[l - 1].OutputSize} outputs");
        }
        if (layers[^1].OutputSize != 1)
            throw new InvalidInputException($"the last layer has {layers[^1].OutputSize} rows; a scalar-output network needs 1");
        if (!double.IsFinite(outputScale))
            throw new InvalidInputException($"outputScale is {outputScale}, not finite");

        Activation = activation;
        OutputScale = outputScale;
        _layers = [.. layers];
        _offsets = new int[_layers.Length];
        int p = 0;
        for (int l = 0; l < _layers.Length; l++)
        {
            _offsets[l] = _layers[l].Trainable ? p : -1;
            if (_layers[l].Trainable) p = checked(p + _layers[l].ParameterCount);
        }
        ParameterCount = p;
    }

    /// <summary>The hidden-layer activation σ (unused when there is a single layer).</summary>
    public ActivationKind Activation { get; }

    /// <summary>The scalar multiplying z_L.</summary>
    public double OutputScale { get; }

    /// <summary>Layers 1..L in order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Input dimension d (columns of the first weight).</summary>
    public int InputDimension => _layers[0].InputSize;

    /// <summary>Length of θ: the entries of the trainable layers only.</summary>
    public int ParameterCount { get; }

    /// <summary>Offset of layer <paramref name="layer"/>'s block in θ, or −1 when it is frozen.</summary>
    public int ParameterOffset(int layer) => _offsets[layer];

    /// <summary>θ as a new array (layout in the class remarks).</summary>
    public double[] GetParameters()
    {
        var theta = new double[ParameterCount];
        for (int l = 0; l < _layers.Length; l++)
        {
            if (_offsets[l] < 0) continue;
            var layer = _layers[l];
            layer.Weight.Data.CopyTo(theta, _offsets[l]);
            layer.Bias?.CopyTo(theta, _offsets[l] + layer.Weight.Data.Length);
        }
        return theta;
    }

    /// <summary>
    /// Writes θ into the trainable layers' weights and biases in place. Values are not checked for finiteness here
    /// (a diverging trainer must be able to store what it has); <see cref="Forward"/> then propagates NaN.
    /// </summary>
    public void SetParameters(ReadOnlySpan<double> theta)
    {
        if (theta.Length != ParameterCount)
            throw new ArgumentException($"θ has {theta.Length} entries, the network has {ParameterCount} trainable parameters", nameof(theta));
        for (int l = 0; l < _layers.Length; l++)
        {
            if (_offsets[l] < 0) continue;
            var layer = _layers[l];
            int w = layer.Weight.Data.Length;
            theta.Slice(_offsets[l], w).CopyTo(layer.Weight.Data);
            if (layer.Bias is not null) theta.Slice(_offsets[l] + w, layer.Bias.Length).CopyTo(layer.Bias);
        }
    }

    /// <summary>A deep copy.</summary>
    public Mlp Clone() => new(Activation, _layers.Select(l => l.Clone()).ToArray(), OutputScale);

    /// <summary>f(x_i) for every row x_i of <paramref name="x"/> (n × d), computed batched.</summary>
    /// <exception cref="InvalidInputException">x does not have d columns.</exception>
    public double[] Forward(Matrix x) => ForwardPass.Run(this, x).Output;

    /// <summary>f(x) for one input of length d.</summary>
    /// <exception cref="InvalidInputException">x does not have length d.</exception>
    public double Output(ReadOnlySpan<double> x)
    {
        if (x.Length != InputDimension)
            throw new InvalidInputException($"input has {x.Length} entries, the network expects {InputDimension}");
        double[] h = x.ToArray();
        for (int l = 0; l < _layers.Length; l++)
        {
            var layer = _layers[l];
            var z = new double[layer.OutputSize];
            Blas.Gemv(Op.None, layer.OutputSize, layer.InputSize, layer.Scale, layer.Weight.Data, h, 0.0, z);
            if (layer.Bias is not null) Blas.Axpy(layer.Scale, layer.Bias, z);
            if (l < _layers.Length - 1) ActivationKernels.Value(Activation, z, z);
            h = z;
        }
        return OutputScale * h[0];
    }
}

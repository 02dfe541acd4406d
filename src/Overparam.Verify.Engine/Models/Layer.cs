using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Models;

/// <summary>
/// One affine layer of an <see cref="Mlp"/>: z = Scale·(W h + b). The weight's rows are outputs.
/// The weight and bias arrays are owned by the layer and are written in place by <see cref="Mlp.SetParameters"/>;
/// the shape, scale and trainable flag never change.
/// </summary>
public sealed class Layer
{
    /// <summary>Creates a layer, validating shapes and finiteness.</summary>
    /// <param name="weight">W (OutputSize × InputSize), at least 1×1, all finite. Not copied.</param>
    /// <param name="bias">b (length OutputSize) or null for no bias. Not copied.</param>
    /// <param name="scale">The scalar multiplying W h + b (1 in standard parameterization, 1/√fan_in for NTK).</param>
    /// <param name="trainable">False for a frozen layer: it takes no part in θ, gradients, Jacobians or the NTK.</param>
    /// <exception cref="InvalidInputException">Empty weight, bias of the wrong length, or a non-finite entry or scale.</exception>
    public Layer(Matrix weight, double[]? bias = null, double scale = 1.0, bool trainable = true)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rows < 1 || weight.Cols < 1)
            throw new InvalidInputException($"layer weight is {weight.Rows}×{weight.Cols}; it needs at least one row and one column");
        if (bias is not null && bias.Length != weight.Rows)
            throw new InvalidInputException($"layer bias has {bias.Length} entries, expected {weight.Rows} (the weight's rows)");
        for (int i = 0; i < weight.Data.Length; i++)
            if (!double.IsFinite(weight.Data[i]))
                throw new InvalidInputException($"layer weight entry ({i / weight.Cols}, {i % weight.Cols}) is {weight.Data[i]}, not finite");
        if (bias is not null)
            for (int i = 0; i < bias.Length; i++)
                if (!double.IsFinite(bias[i]))
                    throw new InvalidInputException($"layer bias entry {i} is {bias[i]}, not finite");
        if (!double.IsFinite(scale))
            throw new InvalidInputException($"layer scale is {scale}, not finite");
        Weight = weight;
        Bias = bias;
        Scale = scale;
        Trainable = trainable;
    }

    /// <summary>W, OutputSize × InputSize, row-major.</summary>
    public Matrix Weight { get; }

    /// <summary>b (length OutputSize), or null when the layer has no bias.</summary>
    public double[]? Bias { get; }

    /// <summary>The scalar in front of W h + b.</summary>
    public double Scale { get; }

    /// <summary>Whether the layer's W and b are part of the trained parameter vector θ.</summary>
    public bool Trainable { get; }

    /// <summary>Width of the layer's input h_{ℓ−1}.</summary>
    public int InputSize => Weight.Cols;

    /// <summary>Width of the layer's output z_ℓ.</summary>
    public int OutputSize => Weight.Rows;

    /// <summary>Number of entries this layer contributes to θ when trainable: |W| + |b|.</summary>
    public int ParameterCount => Weight.Data.Length + (Bias?.Length ?? 0);

    /// <summary>A deep copy (new weight and bias arrays).</summary>
    public Layer Clone() => new(Weight.Clone(), (double[]?)Bias?.Clone(), Scale, Trainable);
}

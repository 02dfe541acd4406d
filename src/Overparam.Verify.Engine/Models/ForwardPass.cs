using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Models;

/// <summary>
/// The batched forward pass of an <see cref="Mlp"/> with everything backpropagation needs kept:
/// layer inputs H_{ℓ−1} (n × in_ℓ, H₀ = X) and pre-activations Z_ℓ (n × out_ℓ), all row-major, one sample per row.
/// </summary>
internal sealed class ForwardPass
{
    private ForwardPass(Mlp model, int n, double[][] inputs, double[][] pre, double[] output)
    {
        Model = model;
        N = n;
        Inputs = inputs;
        Pre = pre;
        Output = output;
    }

    public Mlp Model { get; }

    public int N { get; }

    /// <summary>Inputs[ℓ] = H_{ℓ−1} for 0-based layer ℓ; Inputs[0] is the caller's X storage (not copied, never written).</summary>
    public double[][] Inputs { get; }

    /// <summary>Pre[ℓ] = Z_ℓ = s_ℓ(H_{ℓ−1}W_ℓᵀ + 1b_ℓᵀ).</summary>
    public double[][] Pre { get; }

    /// <summary>f = outputScale·Z_L.</summary>
    public double[] Output { get; }

    public static ForwardPass Run(Mlp model, Matrix x)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        if (x.Cols != model.InputDimension)
            throw new InvalidInputException($"inputs have {x.Cols} columns, the network expects {model.InputDimension}");
        int n = x.Rows, layers = model.Layers.Count;
        var inputs = new double[layers][];
        var pre = new double[layers][];
        double[] h = x.Data;
        for (int l = 0; l < layers; l++)
        {
            inputs[l] = h;
            var layer = model.Layers[l];
            int o = layer.OutputSize, i = layer.InputSize;
            var z = new double[checked(n * o)];
            Blas.Gemm(Op.None, Op.Transpose, n, o, i, layer.Scale, h, layer.Weight.Data, 0.0, z);
            if (layer.Bias is not null)
            {
                double s = layer.Scale;
                var b = layer.Bias;
                for (int r = 0; r < n; r++)
                {
                    var row = z.AsSpan(r * o, o);
                    for (int j = 0; j < o; j++) row[j] += s * b[j];
                }
            }
            pre[l] = z;
            if (l < layers - 1)
            {
                h = new double[z.Length];
                ActivationKernels.Value(model.Activation, z, h);
            }
        }
        var output = new double[n];
        var last = pre[layers - 1];
        for (int r = 0; r < n; r++) output[r] = model.OutputScale * last[r];
        return new ForwardPass(model, n, inputs, pre, output);
    }

    /// <summary>Index of the first trainable layer, or −1 when every layer is frozen.</summary>
    public int FirstTrainable
    {
        get
        {
            for (int l = 0; l < Model.Layers.Count; l++)
                if (Model.Layers[l].Trainable) return l;
            return -1;
        }
    }

    /// <summary>
    /// Backpropagates a seed g = ∂E/∂f (length n) to G_ℓ = ∂E/∂Z_ℓ (n × out_ℓ) for every layer ℓ ≥ <paramref name="down"/>;
    /// entries below are null. With g = 1 the rows of G_ℓ are the per-sample sensitivities ∂f_i/∂z_ℓ(x_i).
    /// </summary>
    public double[]?[] Backward(ReadOnlySpan<double> seed, int down)
    {
        int layers = Model.Layers.Count;
        var g = new double[]?[layers];
        var top = new double[N];
        for (int r = 0; r < N; r++) top[r] = Model.OutputScale * seed[r];
        g[layers - 1] = top;
        for (int l = layers - 1; l > down; l--)
        {
            var layer = Model.Layers[l];
            int o = layer.OutputSize, i = layer.InputSize;
            var d = new double[checked(N * i)];
            // D = s_ℓ G_ℓ W_ℓ, then G_{ℓ−1} = D ⊙ σ′(Z_{ℓ−1}).
            Blas.Gemm(Op.None, Op.None, N, i, o, layer.Scale, g[l]!, layer.Weight.Data, 0.0, d);
            ActivationKernels.TimesDerivative(Model.Activation, Pre[l - 1], d, d);
            g[l - 1] = d;
        }
        return g;
    }
}

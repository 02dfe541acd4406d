using System.Text;
using Overparam.Verify.Engine.IO;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Models;

/// <summary>The <see cref="IDifferentiableModel"/> face of <see cref="Mlp"/>; its fast paths (structured NTK, exact HVP) stay where they are.</summary>
public sealed partial class Mlp : ITwiceDifferentiableModel
{
    /// <inheritdoc/>
    double[] IDifferentiableModel.Forward(Matrix x) => Forward(x);

    /// <inheritdoc/>
    public double[] Vjp(Matrix x, ReadOnlySpan<double> v)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (v.Length != x.Rows) throw new ArgumentException($"v has {v.Length} entries for {x.Rows} samples", nameof(v));
        var grad = new double[ParameterCount];
        var pass = ForwardPass.Run(this, x);
        int first = pass.FirstTrainable;
        if (first < 0 || pass.N == 0) return grad;
        // Backprop is linear in its seed: seeding with v gives G_ℓ = ∂(Σᵢ vᵢ fᵢ)/∂Z_ℓ directly.
        var g = pass.Backward(v, first);
        int n = pass.N;
        for (int l = first; l < _layers.Length; l++)
        {
            var layer = _layers[l];
            if (!layer.Trainable) continue;
            int o = layer.OutputSize, inp = layer.InputSize, off = _offsets[l];
            // ∂/∂W_ℓ = s_ℓ·G_ℓᵀH_{ℓ−1} (o × in), ∂/∂b_ℓ = s_ℓ·1ᵀG_ℓ.
            Blas.Gemm(Op.Transpose, Op.None, o, inp, n, layer.Scale, g[l]!, pass.Inputs[l], 0.0, grad.AsSpan(off, o * inp));
            if (layer.Bias is not null)
            {
                var gl = g[l]!;
                for (int i = 0; i < n; i++)
                    for (int a = 0; a < o; a++)
                        grad[off + o * inp + a] += layer.Scale * gl[i * o + a];
            }
        }
        return grad;
    }

    /// <inheritdoc/>
    public double[] Jvp(Matrix x, ReadOnlySpan<double> u)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (u.Length != ParameterCount) throw new ArgumentException($"u has {u.Length} entries, the network has {ParameterCount} trainable parameters", nameof(u));
        var pass = ForwardPass.Run(this, x);
        int n = pass.N;
        // Forward-mode tangents: Ż_ℓ = s_ℓ(H_{ℓ−1}Ẇ_ℓᵀ + Ḣ_{ℓ−1}W_ℓᵀ + 1ḃ_ℓᵀ), Ḣ_ℓ = σ′(Z_ℓ) ⊙ Ż_ℓ, Ḣ₀ = 0.
        double[]? hDot = null;
        double[] zDot = [];
        for (int l = 0; l < _layers.Length; l++)
        {
            var layer = _layers[l];
            int o = layer.OutputSize, inp = layer.InputSize, off = _offsets[l];
            zDot = new double[n * o];
            if (hDot is not null)
                Blas.Gemm(Op.None, Op.Transpose, n, o, inp, layer.Scale, hDot, layer.Weight.Data, 0.0, zDot);
            if (layer.Trainable)
            {
                Blas.Gemm(Op.None, Op.Transpose, n, o, inp, layer.Scale, pass.Inputs[l], u.Slice(off, o * inp), 1.0, zDot);
                if (layer.Bias is not null)
                    for (int i = 0; i < n; i++)
                        for (int a = 0; a < o; a++)
                            zDot[i * o + a] += layer.Scale * u[off + o * inp + a];
            }
            if (l < _layers.Length - 1)
            {
                ActivationKernels.TimesDerivative(Activation, pass.Pre[l], zDot, zDot);
                hDot = zDot;
            }
        }
        var result = new double[n];
        for (int i = 0; i < n; i++) result[i] = OutputScale * zDot[i];
        return result;
    }

    /// <inheritdoc/>
    public Matrix Jacobian(Matrix x) => MlpDifferentiation.Jacobian(this, x);

    /// <inheritdoc/>
    public byte[] CanonicalBytes() => Encoding.UTF8.GetBytes(ModelFile.Serialize(this));

    /// <inheritdoc/>
    public IDifferentiableModel Copy() => Clone();

    /// <inheritdoc/>
    public double[] LossHessianVectorProduct(Matrix x, double[] y, LossNormalization normalization, ReadOnlySpan<double> v) =>
        MlpDifferentiation.HessianVectorProduct(this, x, y, normalization, v);
}

using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Engine.Kernels;

/// <summary>
/// The empirical neural tangent kernel K = J Jᵀ (n × n) of an <see cref="Mlp"/> over its trainable parameters,
/// two ways: <see cref="FromJacobian"/> is the oracle, <see cref="Structured"/> the fast path.
/// </summary>
public static class Ntk
{
    /// <summary>K = J Jᵀ from the materialized n × p Jacobian. Memory O(np); use it as the reference.</summary>
    public static Matrix FromJacobian(Mlp model, Matrix x) => Blas.Gram(MlpDifferentiation.Jacobian(model, x));

    /// <summary>
    /// K = Σ over trainable layers ℓ of s_ℓ²·(C_ℓC_ℓᵀ) ⊙ (H_{ℓ−1}H_{ℓ−1}ᵀ + [b_ℓ present]·11ᵀ), where row i of C_ℓ is
    /// ∂f(x_i)/∂z_ℓ (output scale included) and row i of H_{ℓ−1} is the layer's input for x_i.
    /// It follows from J's block for W_ℓ having rows s_ℓ·c_i ⊗ h_i, so ⟨s c_i⊗h_i, s c_j⊗h_j⟩ = s²⟨c_i,c_j⟩⟨h_i,h_j⟩.
    /// Cost O(n²·Σ(in_ℓ + out_ℓ)) plus one backward pass; the Jacobian is never formed.
    /// </summary>
    public static Matrix Structured(Mlp model, Matrix x)
    {
        ArgumentNullException.ThrowIfNull(model);
        var pass = ForwardPass.Run(model, x);
        int n = pass.N;
        var k = new Matrix(n, n);
        int first = pass.FirstTrainable;
        if (first < 0 || n == 0) return k;
        var ones = new double[n];
        Array.Fill(ones, 1.0);
        var c = pass.Backward(ones, first);
        var cc = new double[n * n];
        var hh = new double[n * n];
        var kd = k.Data;
        for (int l = first; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            if (!layer.Trainable) continue;
            Blas.Syrk(n, layer.OutputSize, 1.0, c[l]!, 0.0, cc);
            Blas.Syrk(n, layer.InputSize, 1.0, pass.Inputs[l], 0.0, hh);
            double s2 = layer.Scale * layer.Scale, shift = layer.Bias is null ? 0.0 : 1.0;
            for (int i = 0; i < kd.Length; i++) kd[i] += s2 * cc[i] * (hh[i] + shift);
        }
        return k;
    }
}

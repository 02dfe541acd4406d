using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Engine.Kernels;

/// <summary>
/// P4.C1 fast path: the closed-form Gram J Jᵀ of a one-hidden-layer network f(x) = vᵀφ(Wx) (papers.md §4.3),
/// <c>J Jᵀ = [φ′(XWᵀ)·diag(v∘v)·φ′(WXᵀ)] ⊙ (XXᵀ)</c>, in O(n²(k + d)) time with two SYRKs, never forming the
/// n × kd Jacobian. It follows from row i of J being (v ∘ φ′(Wxᵢ)) ⊗ xᵢ, so
/// ⟨Jᵢ, Jⱼ⟩ = ⟨v∘φ′(Wxᵢ), v∘φ′(Wxⱼ)⟩·⟨xᵢ, xⱼ⟩. <see cref="Ntk.FromJacobian"/> is the oracle.
/// </summary>
public static class ShallowNtk
{
    /// <summary>
    /// P4.C1: K = J Jᵀ (n × n) for f(x) = vᵀφ(Wx) with W (k × d) trained and v (length k) fixed, X (n × d) the inputs.
    /// </summary>
    /// <exception cref="InvalidInputException">Shapes disagree (X has d columns, W is k × d, v has k entries) or an entry is not finite.</exception>
    public static Matrix Gram(Matrix x, Matrix w, ReadOnlySpan<double> v, ActivationKind activation)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        if (x.Cols != w.Cols)
            throw new InvalidInputException($"inputs have {x.Cols} columns but W is {w.Rows}×{w.Cols}");
        if (v.Length != w.Rows)
            throw new InvalidInputException($"v has {v.Length} entries but W has {w.Rows} rows (hidden width k)");
        RequireFinite(x, "X");
        RequireFinite(w, "W");
        for (int j = 0; j < v.Length; j++)
            if (!double.IsFinite(v[j])) throw new InvalidInputException($"v entry {j} is {v[j]}, not finite");
        int n = x.Rows, k = w.Rows;
        var z = new double[checked(n * k)];
        Blas.Gemm(Op.None, Op.Transpose, n, k, x.Cols, 1.0, x.Data, w.Data, 0.0, z);
        var g = ScaledDerivatives(activation, z, n, k, v, 1.0);
        var k1 = new Matrix(n, n);
        Blas.Syrk(n, k, 1.0, g, 0.0, k1.Data);
        var xx = new double[n * n];
        Blas.Syrk(n, x.Cols, 1.0, x.Data, 0.0, xx);
        for (int i = 0; i < xx.Length; i++) k1.Data[i] *= xx[i];
        return k1;
    }

    /// <summary>
    /// P4.C1: K = J Jᵀ over the trainable parameters of a two-layer <see cref="Mlp"/>,
    /// f(x) = c·s₂·(vᵀφ(s₁(Wx + b₁)) + b₂) (c the output scale, s_ℓ the layer scales, biases optional). With
    /// a = c·s₂·v and Z = s₁(XWᵀ + 1b₁ᵀ):
    /// <c>K = [W trainable]·s₁²·(φ′(Z)·diag(a∘a)·φ′(Z)ᵀ) ⊙ (XXᵀ + [b₁ present]·11ᵀ)
    ///      + [v trainable]·(c s₂)²·(φ(Z)φ(Z)ᵀ + [b₂ present]·11ᵀ)</c>.
    /// The P4 instance (<see cref="Initializers.P4TwoLayer"/>: no biases, scales 1, v frozen) keeps only the first
    /// term with a = v, the formula of papers.md §4.3.
    /// </summary>
    /// <exception cref="InvalidInputException">The network does not have exactly two layers, or X does not have d columns.</exception>
    public static Matrix Gram(Mlp model, Matrix x)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        if (model.Layers.Count != 2)
            throw new InvalidInputException(
                $"the shallow NTK needs a two-layer network (one hidden layer); this one has {model.Layers.Count} layers");
        if (x.Cols != model.InputDimension)
            throw new InvalidInputException($"inputs have {x.Cols} columns, the network expects {model.InputDimension}");
        RequireFinite(x, "X");
        var hidden = model.Layers[0];
        var output = model.Layers[1];
        int n = x.Rows, k = hidden.OutputSize, d = x.Cols;
        var gram = new Matrix(n, n);
        if (n == 0) return gram;

        var z = new double[checked(n * k)];
        Blas.Gemm(Op.None, Op.Transpose, n, k, d, hidden.Scale, x.Data, hidden.Weight.Data, 0.0, z);
        if (hidden.Bias is not null)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < k; j++) z[i * k + j] += hidden.Scale * hidden.Bias[j];
        double outer = model.OutputScale * output.Scale;
        var kd = gram.Data;

        if (hidden.Trainable)
        {
            var g = ScaledDerivatives(model.Activation, z, n, k, output.Weight.Data, outer);
            Blas.Syrk(n, k, hidden.Scale * hidden.Scale, g, 0.0, kd);
            var xx = new double[n * n];
            Blas.Syrk(n, d, 1.0, x.Data, 0.0, xx);
            double shift = hidden.Bias is null ? 0.0 : 1.0;
            for (int i = 0; i < kd.Length; i++) kd[i] *= xx[i] + shift;
        }
        if (output.Trainable)
        {
            var h = new double[z.Length];
            ActivationKernels.Value(model.Activation, z, h);
            var hh = new double[n * n];
            Blas.Syrk(n, k, outer * outer, h, 0.0, hh);
            double shift = output.Bias is null ? 0.0 : outer * outer;
            for (int i = 0; i < kd.Length; i++) kd[i] += hh[i] + shift;
        }
        return gram;
    }

    // G = φ′(Z)·diag(|scale·v|), so G Gᵀ = φ′(Z)·diag((scale·v)²)·φ′(Z)ᵀ.
    /// <summary>
    /// Accuracy assumed of the engine's φ′ (absolute, in units of B₁ = sup|φ′|): the activation tests hold φ′ against
    /// independent implementations to 1e-14 relative; 1e-13 leaves a margin. The vectorised kernels the Gram uses
    /// (<see cref="ActivationKernels"/>) stay within 16u ≈ 2e-15 of the exact φ′ (tested on ~10⁶ points). A certified bound built on
    /// <see cref="GramFormationError"/> rests on this accuracy, as interval libraries rest on their libm's.
    /// </summary>
    public const double DerivativeAccuracy = 1e-13;

    /// <summary>
    /// A bound on ‖K̃ − K‖₂, where K̃ is <see cref="Gram(Matrix, Matrix, ReadOnlySpan{double}, ActivationKind)"/> as
    /// computed in float64 and K = J Jᵀ exactly, so that λ_min(K) ≥ λ_min(K̃) − this (Weyl). Derivation: the
    /// pre-activations z̃ᵢℓ are off by eᵢℓ ≤ γ_{d+2}‖xᵢ‖‖wℓ‖; φ′ then by δᵢℓ ≤ B₂eᵢℓ + DerivativeAccuracy·B₁ (for relu,
    /// whose φ′ jumps, δᵢℓ = B₁ wherever |z̃ᵢℓ| ≤ 2eᵢℓ could straddle 0); the k-term sum adds γ_{k+2}Σℓvℓ²B₁² relative
    /// to its absolute terms, the input Gram γ_{d+2}‖xᵢ‖‖xⱼ‖ and the Hadamard product one rounding. Every entry error
    /// is at most the sum of those with maxima over i, j, and ‖·‖₂ ≤ n·max|entry|.
    /// </summary>
    /// <exception cref="InvalidInputException">Shapes disagree or an entry is not finite.</exception>
    public static double GramFormationError(Matrix x, Matrix w, ReadOnlySpan<double> v, ActivationKind activation)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        if (x.Cols != w.Cols || v.Length != w.Rows)
            throw new InvalidInputException($"inputs have {x.Cols} columns, W is {w.Rows}×{w.Cols}, v has {v.Length} entries");
        RequireFinite(x, "X");
        RequireFinite(w, "W");
        int n = x.Rows, k = w.Rows, d = x.Cols;
        if (n == 0 || k == 0) return 0.0;
        const double u = CertifiedEigenvalue.UnitRoundoff;
        double gd = CertifiedEigenvalue.Gamma(d + 2), gk = CertifiedEigenvalue.Gamma(k + 2);
        var (lo, hi) = Activations.DerivativeBounds(activation);
        double b1 = Math.Max(Math.Abs(lo), Math.Abs(hi));
        double b2 = ShallowJacobianBounds.SecondDerivativeSup(activation);
        var xNorms = new double[n];
        double xMax = 0;
        for (int i = 0; i < n; i++)
        {
            var row = x.Row(i);
            xNorms[i] = Math.Sqrt(Blas.Dot(row, row)) * (1 + (d + 2) * u);
            xMax = Math.Max(xMax, xNorms[i]);
        }
        double[]? z = null;
        if (!double.IsFinite(b2))
        {
            z = new double[checked(n * k)];
            Blas.Gemm(Op.None, Op.Transpose, n, k, d, 1.0, x.Data, w.Data, 0.0, z);
        }
        double sumV2 = 0, termSum = 0;
        for (int l = 0; l < k; l++)
        {
            var wl = w.Row(l);
            double wNorm = Math.Sqrt(Blas.Dot(wl, wl)) * (1 + (d + 2) * u);
            double delta;
            if (z is null)
                delta = b2 * gd * xMax * wNorm + DerivativeAccuracy * b1;
            else
            {
                delta = DerivativeAccuracy * b1;
                for (int i = 0; i < n; i++)
                    if (Math.Abs(z[i * k + l]) <= 2 * gd * xNorms[i] * wNorm)
                    {
                        delta = b1;
                        break;
                    }
            }
            double v2 = v[l] * v[l];
            sumV2 += v2;
            termSum += v2 * (2 * b1 * delta + delta * delta);
        }
        double g = xMax * xMax;
        double b1Sq = sumV2 * b1 * b1;
        // First order: φ′ errors, the k-term sum, the input Gram, and the roundings of vℓφ′ and of the Hadamard
        // product; then the products of two error terms.
        double perEntry = termSum * g + gk * b1Sq * g + b1Sq * gd * g + 4 * u * b1Sq * g
            + termSum * g * (gk + gd + 4 * u);
        // The few operations above round too: one relative margin of 16u covers them.
        return n * perEntry * (1 + 16 * u);
    }

    private static double[] ScaledDerivatives(ActivationKind activation, double[] z, int n, int k,
        ReadOnlySpan<double> v, double scale)
    {
        var g = new double[z.Length];
        ActivationKernels.Derivative(activation, z, g);
        var av = new double[k];
        for (int j = 0; j < k; j++) av[j] = Math.Abs(scale * v[j]);
        for (int i = 0; i < n; i++)
        {
            var row = g.AsSpan(i * k, k);
            for (int j = 0; j < k; j++) row[j] *= av[j];
        }
        return g;
    }

    private static void RequireFinite(Matrix m, string name)
    {
        for (int i = 0; i < m.Data.Length; i++)
            if (!double.IsFinite(m.Data[i]))
                throw new InvalidInputException(
                    $"{name} entry ({i / Math.Max(m.Cols, 1)}, {i % Math.Max(m.Cols, 1)}) is {m.Data[i]}, not finite");
    }
}

using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Models;

/// <summary>
/// Derivatives of an <see cref="Mlp"/> and of its squared loss L(θ) = c(n)·‖f(θ) − y‖² over the trainable parameters
/// (θ layout as in <see cref="Mlp"/>). Everything is batched over samples with matrix products; nothing loops per sample
/// except <see cref="Jacobian"/>, whose output is n × p anyway.
/// </summary>
public static class MlpDifferentiation
{
    /// <summary>r = f(X) − y.</summary>
    /// <exception cref="InvalidInputException">Shapes of x and y disagree with each other or with the network.</exception>
    public static double[] Residuals(Mlp model, Matrix x, double[] y)
    {
        CheckData(model, x, y);
        var f = model.Forward(x);
        for (int i = 0; i < f.Length; i++) f[i] -= y[i];
        return f;
    }

    /// <summary>L = c(n)·‖f(X) − y‖².</summary>
    public static double Loss(Mlp model, Matrix x, double[] y, LossNormalization normalization = LossNormalization.HalfSum)
    {
        var r = Residuals(model, x, y);
        return normalization.Coefficient(x.Rows) * SumOfSquares(r);
    }

    /// <summary>
    /// The loss restricted to <paramref name="samples"/> with the full loss's per-sample weight c(n), n = x.Rows
    /// (so n/|batch| times it estimates L without bias). Repeated indices count repeatedly.
    /// </summary>
    public static double Loss(Mlp model, Matrix x, double[] y, LossNormalization normalization, ReadOnlySpan<int> samples)
    {
        CheckData(model, x, y);
        var (xs, ys) = Gather(x, y, samples);
        var f = model.Forward(xs);
        double s = 0;
        for (int i = 0; i < f.Length; i++) s += (f[i] - ys[i]) * (f[i] - ys[i]);
        return normalization.Coefficient(x.Rows) * s;
    }

    /// <summary>
    /// L and ∇L by backpropagation, batched: ∇_{W_ℓ}L = s_ℓ·G_ℓᵀH_{ℓ−1}, ∇_{b_ℓ}L = s_ℓ·1ᵀG_ℓ with G_ℓ = ∂L/∂Z_ℓ.
    /// The gradient destination has length <see cref="Mlp.ParameterCount"/> and is fully overwritten.
    /// </summary>
    public static double LossAndGradient(Mlp model, Matrix x, double[] y, LossNormalization normalization, Span<double> gradient)
    {
        CheckData(model, x, y);
        return LossAndGradientCore(model, x, y, normalization.Coefficient(x.Rows), gradient);
    }

    /// <summary>
    /// Loss and gradient restricted to <paramref name="samples"/>, with the full loss's per-sample weight c(n), n = x.Rows
    /// (the <see cref="Training.IObjective.BatchValueAndGradient"/> contract).
    /// </summary>
    public static double LossAndGradient(Mlp model, Matrix x, double[] y, LossNormalization normalization,
        ReadOnlySpan<int> samples, Span<double> gradient)
    {
        CheckData(model, x, y);
        var (xs, ys) = Gather(x, y, samples);
        return LossAndGradientCore(model, xs, ys, normalization.Coefficient(x.Rows), gradient);
    }

    /// <summary>J (n × p): row i is ∂f(x_i)/∂θ over the trainable parameters.</summary>
    public static Matrix Jacobian(Mlp model, Matrix x)
    {
        ArgumentNullException.ThrowIfNull(model);
        var pass = ForwardPass.Run(model, x);
        int n = pass.N, p = model.ParameterCount;
        var jac = new Matrix(n, p);
        int first = pass.FirstTrainable;
        if (first < 0 || n == 0) return jac;
        var ones = new double[n];
        Array.Fill(ones, 1.0);
        var c = pass.Backward(ones, first);
        for (int l = first; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            if (!layer.Trainable) continue;
            int o = layer.OutputSize, inp = layer.InputSize, off = model.ParameterOffset(l);
            var cl = c[l]!;
            var h = pass.Inputs[l];
            double s = layer.Scale;
            for (int i = 0; i < n; i++)
            {
                var row = jac.Row(i);
                for (int a = 0; a < o; a++)
                {
                    double ca = s * cl[i * o + a];
                    var block = row.Slice(off + a * inp, inp);
                    var hi = h.AsSpan(i * inp, inp);
                    for (int b = 0; b < inp; b++) block[b] = ca * hi[b];
                    if (layer.Bias is not null) row[off + o * inp + a] = ca;
                }
            }
        }
        return jac;
    }

    /// <summary>
    /// ∂f(x_i)/∂z_ℓ for every sample (n × out_ℓ): the output's sensitivity to layer <paramref name="layer"/>'s
    /// pre-activation (0-based), frozen layers included. P2.C3 uses it for ℓ = 0 (u_i in papers.md §2.3).
    /// </summary>
    public static Matrix PreActivationSensitivities(Mlp model, Matrix x, int layer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, model.Layers.Count);
        var pass = ForwardPass.Run(model, x);
        var ones = new double[pass.N];
        Array.Fill(ones, 1.0);
        var c = pass.Backward(ones, layer);
        return new Matrix(pass.N, model.Layers[layer].OutputSize, c[layer]!);
    }

    /// <summary>
    /// Exact Hessian-vector product ∇²L(θ)·v by forward-over-reverse differentiation (Pearlmutter's R-operator):
    /// the full Hessian, including the residual-curvature term Σ r_i∇²f_i, not only the Gauss–Newton part 2c·JᵀJv.
    /// </summary>
    public static double[] HessianVectorProduct(Mlp model, Matrix x, double[] y, LossNormalization normalization,
        ReadOnlySpan<double> v)
    {
        CheckData(model, x, y);
        if (v.Length != model.ParameterCount)
            throw new ArgumentException($"v has {v.Length} entries, the network has {model.ParameterCount} trainable parameters", nameof(v));
        return HessianVectorProductCore(model, x, y, normalization.Coefficient(x.Rows), v);
    }

    /// <summary>The dense p × p Hessian of the loss, one <see cref="HessianVectorProduct"/> per column. For small networks and tests.</summary>
    public static Matrix Hessian(Mlp model, Matrix x, double[] y, LossNormalization normalization = LossNormalization.HalfSum)
    {
        CheckData(model, x, y);
        int p = model.ParameterCount;
        var hess = new Matrix(p, p);
        var e = new double[p];
        double c = normalization.Coefficient(x.Rows);
        for (int j = 0; j < p; j++)
        {
            e[j] = 1.0;
            var col = HessianVectorProductCore(model, x, y, c, e);
            e[j] = 0.0;
            for (int i = 0; i < p; i++) hess[i, j] = col[i];
        }
        return hess;
    }

    private static double LossAndGradientCore(Mlp model, Matrix x, ReadOnlySpan<double> y, double c, Span<double> gradient)
    {
        if (gradient.Length != model.ParameterCount)
            throw new ArgumentException($"gradient has {gradient.Length} entries, the network has {model.ParameterCount} trainable parameters", nameof(gradient));
        gradient.Clear();
        var pass = ForwardPass.Run(model, x);
        int n = pass.N;
        var seed = new double[n];
        double ss = 0;
        for (int i = 0; i < n; i++)
        {
            double r = pass.Output[i] - y[i];
            ss += r * r;
            seed[i] = 2.0 * c * r;
        }
        int first = pass.FirstTrainable;
        if (first < 0 || n == 0) return c * ss;
        var g = pass.Backward(seed, first);
        for (int l = first; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            if (!layer.Trainable) continue;
            WeightAndBiasGradient(layer, n, g[l]!, pass.Inputs[l], gradient.Slice(model.ParameterOffset(l), layer.ParameterCount), accumulate: false);
        }
        return c * ss;
    }

    // dest (|W| [+ |b|]) (+)= s·Gᵀ H, s·1ᵀG.
    private static void WeightAndBiasGradient(Layer layer, int n, double[] g, double[] h, Span<double> dest, bool accumulate)
    {
        int o = layer.OutputSize, i = layer.InputSize;
        double s = layer.Scale;
        Blas.Gemm(Op.Transpose, Op.None, o, i, n, s, g, h, accumulate ? 1.0 : 0.0, dest[..(o * i)]);
        if (layer.Bias is null) return;
        var db = dest.Slice(o * i, o);
        if (!accumulate) db.Clear();
        for (int r = 0; r < n; r++)
        {
            var row = g.AsSpan(r * o, o);
            for (int a = 0; a < o; a++) db[a] += s * row[a];
        }
    }

    private static double[] HessianVectorProductCore(Mlp model, Matrix x, ReadOnlySpan<double> y, double c, ReadOnlySpan<double> v)
    {
        int p = model.ParameterCount, layers = model.Layers.Count;
        var hv = new double[p];
        var pass = ForwardPass.Run(model, x);
        int n = pass.N, first = pass.FirstTrainable;
        if (first < 0 || n == 0) return hv;
        var act = model.Activation;

        // R-forward: RZ_ℓ = s_ℓ(RH_{ℓ−1}W_ℓᵀ + H_{ℓ−1}V_ℓᵀ + 1 v_bᵀ), RH_ℓ = σ′(Z_ℓ) ⊙ RZ_ℓ; RH₀ = 0.
        var rInputs = new double[layers][];
        var rPre = new double[layers][];
        var rh = new double[n * model.InputDimension];
        for (int l = 0; l < layers; l++)
        {
            rInputs[l] = rh;
            var layer = model.Layers[l];
            int o = layer.OutputSize, inp = layer.InputSize;
            var rz = new double[n * o];
            Blas.Gemm(Op.None, Op.Transpose, n, o, inp, layer.Scale, rh, layer.Weight.Data, 0.0, rz);
            if (layer.Trainable)
            {
                int off = model.ParameterOffset(l);
                Blas.Gemm(Op.None, Op.Transpose, n, o, inp, layer.Scale, pass.Inputs[l], v.Slice(off, o * inp), 1.0, rz);
                if (layer.Bias is not null)
                {
                    var vb = v.Slice(off + o * inp, o);
                    for (int r = 0; r < n; r++)
                        for (int a = 0; a < o; a++) rz[r * o + a] += layer.Scale * vb[a];
                }
            }
            rPre[l] = rz;
            if (l < layers - 1)
            {
                rh = new double[rz.Length];
                ActivationKernels.Derivative(act, pass.Pre[l], rh);
                for (int k = 0; k < rh.Length; k++) rh[k] *= rz[k];
            }
        }

        // Reverse with R: G_L = 2c·os·r, RG_L = 2c·os·Rf with Rf = os·RZ_L.
        double os = model.OutputScale;
        var g = new double[n];
        var rg = new double[n];
        for (int i = 0; i < n; i++)
        {
            g[i] = 2.0 * c * os * (pass.Output[i] - y[i]);
            rg[i] = 2.0 * c * os * os * rPre[layers - 1][i];
        }
        for (int l = layers - 1; l >= first; l--)
        {
            var layer = model.Layers[l];
            int o = layer.OutputSize, inp = layer.InputSize;
            double s = layer.Scale;
            if (layer.Trainable)
            {
                // R{s·GᵀH} = s·(RGᵀH + GᵀRH); R{s·1ᵀG} = s·1ᵀRG.
                var dest = hv.AsSpan(model.ParameterOffset(l), layer.ParameterCount);
                WeightAndBiasGradient(layer, n, rg, pass.Inputs[l], dest, accumulate: false);
                Blas.Gemm(Op.Transpose, Op.None, o, inp, n, s, g, rInputs[l], 1.0, dest[..(o * inp)]);
            }
            if (l == first) break;
            // D = s·G·W, RD = s·(RG·W + G·V); G' = D ⊙ σ′(Z), RG' = RD ⊙ σ′(Z) + D ⊙ σ″(Z) ⊙ RZ.
            var d = new double[n * inp];
            var rd = new double[n * inp];
            Blas.Gemm(Op.None, Op.None, n, inp, o, s, g, layer.Weight.Data, 0.0, d);
            Blas.Gemm(Op.None, Op.None, n, inp, o, s, rg, layer.Weight.Data, 0.0, rd);
            if (layer.Trainable)
                Blas.Gemm(Op.None, Op.None, n, inp, o, s, g, v.Slice(model.ParameterOffset(l), o * inp), 1.0, rd);
            var z = pass.Pre[l - 1];
            var d1 = new double[z.Length];
            var d2 = new double[z.Length];
            ActivationKernels.Derivative(act, z, d1);
            ActivationKernels.SecondDerivative(act, z, d2);
            var rzPrev = rPre[l - 1];
            var gPrev = new double[z.Length];
            var rgPrev = new double[z.Length];
            for (int k = 0; k < z.Length; k++)
            {
                gPrev[k] = d[k] * d1[k];
                rgPrev[k] = rd[k] * d1[k] + d[k] * d2[k] * rzPrev[k];
            }
            g = gPrev;
            rg = rgPrev;
        }
        return hv;
    }

    private static void CheckData(Mlp model, Matrix x, double[] y)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Cols != model.InputDimension)
            throw new InvalidInputException($"inputs have {x.Cols} columns, the network expects {model.InputDimension}");
        if (y.Length != x.Rows)
            throw new InvalidInputException($"{y.Length} targets for {x.Rows} input rows");
        if (x.Rows == 0)
            throw new InvalidInputException("no samples");
    }

    private static (Matrix X, double[] Y) Gather(Matrix x, double[] y, ReadOnlySpan<int> samples)
    {
        int d = x.Cols;
        var xs = new Matrix(samples.Length, d);
        var ys = new double[samples.Length];
        for (int k = 0; k < samples.Length; k++)
        {
            int i = samples[k];
            if ((uint)i >= (uint)x.Rows)
                throw new ArgumentOutOfRangeException(nameof(samples), $"sample index {i} is outside 0..{x.Rows - 1}");
            x.Data.AsSpan(i * d, d).CopyTo(xs.Row(k));
            ys[k] = y[i];
        }
        return (xs, ys);
    }

    private static double SumOfSquares(ReadOnlySpan<double> r)
    {
        double s = 0;
        foreach (var v in r) s += v * v;
        return s;
    }
}

using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Quadrature;

namespace Overparam.Verify.Engine.Kernels;

/// <summary>
/// The kernels and curvature pieces of P3 (papers.md §3.3–3.4) for f(x) = N^{−β}Σᵢ cᵢσ(wᵢ·x + ηᵢ): the empirical NTK
/// K^N, its infinite-width limit K̄ (so that K^N ≈ N^{1−2β}K̄), and the exact norm of the Hessian's indefinite part S.
/// </summary>
public static class NewtonKernels
{
    /// <summary>E[c²] for c ~ U(−1, 1).</summary>
    public const double OutputWeightSecondMoment = 1.0 / 3.0;

    /// <summary>
    /// P3.C4: K^N = JJᵀ (n × n) over the trainable parameters, K^N_{jl} = N^{−2β}Σᵢ[σ(z_{ij})σ(z_{il}) +
    /// cᵢ²σ′(z_{ij})σ′(z_{il})(x_j·x_l + 1)] (the second term only when (w, η) are trained), in O(n²N) without J
    /// (<see cref="ShallowNtk.Gram(Mlp, Matrix)"/>, whose general two-layer form this is).
    /// </summary>
    public static Matrix EmpiricalGram(Mlp model, Matrix x) => ShallowNtk.Gram(model, x);

    /// <summary>
    /// P3.C4: the infinite-width kernel K̄_{jl} = E[σ(z_j)σ(z_l)] + [features trained]·E[c²]·E[σ′(z_j)σ′(z_l)](x_j·x_l + 1),
    /// (z_j, z_l) = w·(x_j, x_l) + η ~ N(0, [[‖x_j‖² + 1, x_j·x_l + 1], [·, ‖x_l‖² + 1]]). Gauss–Hermite converges
    /// slowly here (tanh of a wide Gaussian is nearly a step: orders 32 and 64 differed by 0.05), so the expectation is
    /// the trapezoidal rule on (z₁, z₂) ∈ [−9, 9]², which converges geometrically for integrands analytic in a strip
    /// (tanh(σz) has its poles at |Im z| = π/(2σ)); the step is h = min(0.1, 0.3/σ_max). The result at 2h is the
    /// error estimate (an estimate, not a bound).
    /// </summary>
    public static (Matrix Kernel, double MaxEntryDifference) InfiniteWidth(Matrix x, ActivationKind activation, bool featuresTrained)
    {
        ArgumentNullException.ThrowIfNull(x);
        var gram = Blas.Gram(x);
        double sigmaMax = 0;
        for (int i = 0; i < x.Rows; i++) sigmaMax = Math.Max(sigmaMax, Math.Sqrt(gram[i, i] + 1));
        double h = Math.Min(0.1, 0.3 / sigmaMax);
        var fine = Evaluate(gram, activation, featuresTrained, h);
        var coarse = Evaluate(gram, activation, featuresTrained, 2 * h);
        double diff = 0;
        for (int i = 0; i < fine.Data.Length; i++) diff = Math.Max(diff, Math.Abs(fine.Data[i] - coarse.Data[i]));
        return (fine, diff);
    }

    private const double TrapezoidRange = 9.0;

    private static Matrix Evaluate(Matrix gram, ActivationKind activation, bool featuresTrained, double h)
    {
        int n = gram.Rows;
        int half = (int)Math.Ceiling(TrapezoidRange / h);
        int m = 2 * half + 1;
        var z = new double[m];
        var wt = new double[m];
        for (int k = 0; k < m; k++)
        {
            z[k] = (k - half) * h;
            wt[k] = h * Math.Exp(-0.5 * z[k] * z[k]) / Math.Sqrt(2 * Math.PI);
        }
        var k1 = new Matrix(n, n);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, n, options, j =>
        {
            var u2 = new double[m];
            var s2 = new double[m];
            var d2 = new double[m];
            for (int l = 0; l <= j; l++)
            {
                var (a, b, c) = GaussHermite.Cholesky2(gram[j, j] + 1, gram[j, l] + 1, gram[l, l] + 1);
                double vv = 0, dd = 0;
                for (int p = 0; p < m; p++)
                {
                    double u1 = a * z[p];
                    for (int q = 0; q < m; q++) u2[q] = b * z[p] + c * z[q];
                    Activations.Value(activation, u2, s2);
                    double iv = 0, id = 0;
                    for (int q = 0; q < m; q++) iv += wt[q] * s2[q];
                    vv += wt[p] * Activations.Value(activation, u1) * iv;
                    if (featuresTrained)
                    {
                        Activations.Derivative(activation, u2, d2);
                        for (int q = 0; q < m; q++) id += wt[q] * d2[q];
                        dd += wt[p] * Activations.Derivative(activation, u1) * id;
                    }
                }
                double e = vv + (featuresTrained ? OutputWeightSecondMoment * (gram[j, l] + 1) * dd : 0);
                k1.Data[j * n + l] = k1.Data[l * n + j] = e;
            }
        });
        return k1;
    }

    /// <summary>
    /// The exact Hessian ∇²L = ρJᵀJ + S of f(x) = c_out·Σᵢ cᵢσ(wᵢ·x + ηᵢ) (papers.md §3.3) in the network's parameter
    /// order (w row-major, η, c; only c when the features are frozen): ρJᵀJ by one SYRK-like product of the n × p
    /// Jacobian (n ≪ p here), S from the per-neuron blocks. O(np² + Nnd²) instead of p Hessian-vector products.
    /// </summary>
    /// <exception cref="InvalidInputException">Not P3's two-layer shape.</exception>
    public static Matrix DenseHessian(Mlp model, Matrix x, ReadOnlySpan<double> residuals, double rho)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        if (model.Layers.Count != 2 || model.Layers[0].Bias is null || model.Layers[1].Bias is not null
            || !model.Layers[1].Trainable)
            throw new InvalidInputException("P3's Hessian needs f(x) = c·Σᵢ cᵢσ(wᵢ·x + ηᵢ): two layers, hidden bias, trainable unbiased output");
        var jac = model.Jacobian(x);
        int n = x.Rows, p = jac.Cols;
        var h = new Matrix(p, p);
        Blas.Gemm(Op.Transpose, Op.None, p, p, n, rho, jac.Data, jac.Data, 0.0, h.Data);
        if (!model.Layers[0].Trainable) return h;
        int d = x.Cols, width = model.Layers[0].OutputSize, m = d + 2;
        // Block i in its local order (cᵢ, wᵢ, ηᵢ) scattered to the network's order (w row-major, η, c).
        var block = new Matrix(m, m);
        var index = new int[m];
        for (int i = 0; i < width; i++)
        {
            NeuronBlock(model, x, residuals, rho, i, block);
            index[0] = width * d + width + i;
            for (int a = 0; a < d; a++) index[a + 1] = i * d + a;
            index[d + 1] = width * d + i;
            for (int a = 0; a < m; a++)
                for (int b = 0; b < m; b++) h[index[a], index[b]] += block[a, b];
        }
        return h;
    }

    /// <summary>
    /// P3.C2: ‖S‖₂ exactly, S = ∇²L − ρJᵀJ = ρΣ_j r_j∇²f(x_j) (ρ = 1/n for L = (1/2n)‖r‖²). S is block diagonal over
    /// neurons; in the order (cᵢ, wᵢ, ηᵢ) with x̃ = (x, 1), block i is N^{−β}·Σ_j ρr_j·[[0, σ′(z_{ij})x̃_jᵀ],
    /// [σ′(z_{ij})x̃_j, cᵢσ″(z_{ij})x̃_jx̃_jᵀ]] (papers.md §3.3), so ‖S‖ = maxᵢ ‖Sᵢ‖ over (d + 2) × (d + 2) eigenproblems.
    /// Frozen features leave only cᵢ, which enters linearly: S = 0.
    /// </summary>
    /// <exception cref="InvalidInputException">Not a two-layer network with a biased hidden layer and an unbiased output layer.</exception>
    public static double IndefinitePartNorm(Mlp model, Matrix x, ReadOnlySpan<double> residuals, double rho)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        if (model.Layers.Count != 2 || model.Layers[0].Bias is null || model.Layers[1].Bias is not null)
            throw new InvalidInputException("P3's S needs f(x) = c·Σᵢ cᵢσ(wᵢ·x + ηᵢ): two layers, hidden bias, no output bias");
        if (!model.Layers[0].Trainable) return 0.0;
        int m = x.Cols + 2;
        var block = new Matrix(m, m);
        double worst = 0;
        for (int i = 0; i < model.Layers[0].OutputSize; i++)
        {
            NeuronBlock(model, x, residuals, rho, i, block);
            var ev = SymmetricEigen.Eigenvalues(block);
            worst = Math.Max(worst, Math.Max(Math.Abs(ev[0]), Math.Abs(ev[^1])));
        }
        return worst;
    }

    /// <summary>
    /// Block i of S (papers.md §3.3) in the local order (cᵢ, wᵢ, ηᵢ), x̃ = (x, 1), written in full (symmetric):
    /// Σ_j s·ρr_j·[[0, s₁σ′(z_{ij})x̃_jᵀ], [s₁σ′(z_{ij})x̃_j, cᵢs₁²σ″(z_{ij})x̃_jx̃_jᵀ]], s = c_out·s₂ the output scales,
    /// s₁ the hidden layer's. The one definition <see cref="DenseHessian"/> and <see cref="IndefinitePartNorm"/> share.
    /// </summary>
    private static void NeuronBlock(Mlp model, Matrix x, ReadOnlySpan<double> residuals, double rho, int i, Matrix block)
    {
        var hidden = model.Layers[0];
        int n = x.Rows, d = x.Cols;
        double scale = model.OutputScale * model.Layers[1].Scale;
        double ci = model.Layers[1].Weight.Data[i];
        var wi = hidden.Weight.Row(i);
        Array.Clear(block.Data);
        for (int j = 0; j < n; j++)
        {
            var xj = x.Row(j);
            double z = hidden.Scale * (Blas.Dot(wi, xj) + hidden.Bias![i]);
            double weight = scale * rho * residuals[j];
            double d1 = weight * hidden.Scale * Activations.Derivative(model.Activation, z);
            double d2 = weight * ci * hidden.Scale * hidden.Scale * Activations.SecondDerivative(model.Activation, z);
            for (int a = 0; a <= d; a++)
            {
                double xa = a < d ? xj[a] : 1.0;
                block[0, a + 1] += d1 * xa;
                block[a + 1, 0] += d1 * xa;
                for (int b = 0; b <= d; b++)
                    block[a + 1, b + 1] += d2 * xa * (b < d ? xj[b] : 1.0);
            }
        }
    }
}

using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Engine.Kernels;

/// <summary>
/// The P4.C4 meta-theorem ingredients for f(x) = vᵀφ(Wx) at one point W (papers.md §4.3).
/// </summary>
/// <param name="SigmaMin">σ_min(J(W)) = √λ_min(J Jᵀ) (P4.C1), <b>exact</b> up to round-off; 0 when n &gt; kd.</param>
/// <param name="SigmaMax">‖J(W)‖ = √λ_max(J Jᵀ) at this W, <b>exact</b> up to round-off.</param>
/// <param name="Beta">β with ‖J(W′)‖ ≤ β for <i>every</i> W′ (<see cref="ShallowJacobianBounds.Beta"/>), <b>certified</b>.</param>
/// <param name="Lipschitz">L with ‖J(W₁) − J(W₂)‖ ≤ L‖W₁ − W₂‖_F for all W₁, W₂ (<see cref="ShallowJacobianBounds.Lipschitz"/>),
/// <b>certified</b>; +∞ for relu.</param>
/// <param name="LipschitzApplicable">False when φ′ is discontinuous (relu): J is then not Lipschitz and L = +∞.</param>
/// <param name="XNorm">‖X‖ (spectral norm), a <b>certified</b> upper bound (<see cref="ShallowJacobianBounds.SpectralNormUpper(Matrix)"/>).</param>
/// <param name="MaxRowNorm">maxᵢ ‖xᵢ‖, rounded up.</param>
/// <param name="DerivativeSup">B₁ = sup|φ′| (P4.C3).</param>
/// <param name="SecondDerivativeSup">B₂ = sup|φ″| (P4.C3); +∞ for relu.</param>
/// <param name="SigmaMinLower">σ_min(J(W)) ≥ this, <b>certified</b>: √ of <see cref="CertifiedEigenvalue.LambdaMin"/> on
/// the computed J Jᵀ with <see cref="ShallowNtk.GramFormationError"/> as its distance to the exact one; 0 when float64
/// cannot separate λ_min(J Jᵀ) from 0.</param>
public sealed record ShallowJacobianBoundsResult(
    double SigmaMin,
    double SigmaMax,
    double Beta,
    double Lipschitz,
    bool LipschitzApplicable,
    double XNorm,
    double MaxRowNorm,
    double DerivativeSup,
    double SecondDerivativeSup,
    double SigmaMinLower);

/// <summary>J(W)J(W)ᵀ at one W with its float64 spectrum and a certified lower bound on λ_min (P4.R1).</summary>
/// <param name="Gram">The computed n × n Gram K̃.</param>
/// <param name="Eigenvalues">Eigenvalues of K̃, ascending (float64, <i>exact up to round-off</i>).</param>
/// <param name="LambdaMinLower">λ_min of the exact J Jᵀ is ≥ this, <b>certified</b> (rounding of K̃'s formation and of
/// the Cholesky included); −∞ when nothing was certified.</param>
public sealed record CertifiedGram(Matrix Gram, double[] Eigenvalues, double LambdaMinLower);

/// <summary>
/// P4.C1/P4.C3/P4.C4: σ_min(J) exactly, and analytic (certified) bounds β ≥ sup_W ‖J(W)‖ and a Jacobian-Lipschitz
/// constant L for the shallow model f(x) = vᵀφ(Wx) with W ∈ ℝ^{k×d} trained and v fixed. Derivations (also in
/// theory/P4-moderate.md):
/// <para>
/// <b>β.</b> Row i of J is (v∘φ′(Wxᵢ)) ⊗ xᵢ, so for a ∈ ℝⁿ, Jᵀa is the k × d matrix M with row ℓ equal to
/// v_ℓ·Xᵀ(a∘φ′_ℓ), where φ′_ℓ = (φ′(w_ℓᵀxᵢ))ᵢ. Then
/// ‖M‖_F² = Σ_ℓ v_ℓ²‖Xᵀ(a∘φ′_ℓ)‖² ≤ ‖X‖²·Σ_ℓ v_ℓ²‖a∘φ′_ℓ‖² ≤ ‖X‖²·B₁²·‖v‖₂²·‖a‖², hence
/// <c>‖J(W)‖ ≤ β := B₁·‖v‖₂·‖X‖</c> for every W (with ‖v‖₂ = ν for P4's ±ν/√k layer: β = νB₁‖X‖).
/// </para>
/// <para>
/// <b>L.</b> J(W₁) − J(W₂) has the same structure with φ′_ℓ replaced by Δ_ℓ, Δ_{iℓ} = φ′(w₁ℓᵀxᵢ) − φ′(w₂ℓᵀxᵢ), and
/// |Δ_{iℓ}| ≤ B₂·|(w₁ℓ − w₂ℓ)ᵀxᵢ| by the mean value theorem. So
/// ‖(J₁ − J₂)ᵀa‖_F² ≤ ‖X‖²·Σ_ℓ v_ℓ²·Σᵢ aᵢ²Δ_{iℓ}² ≤ ‖X‖²·‖v‖_∞²·B₂²·Σᵢ aᵢ²‖(W₁ − W₂)xᵢ‖²
/// ≤ ‖X‖²·‖v‖_∞²·B₂²·maxᵢ‖xᵢ‖²·‖W₁ − W₂‖₂²·‖a‖², hence
/// <c>‖J(W₁) − J(W₂)‖ ≤ L·‖W₁ − W₂‖_F, L := B₂·‖v‖_∞·‖X‖·maxᵢ‖xᵢ‖</c> (operator norm ‖·‖₂ ≤ ‖·‖_F; for P4's
/// layer and unit rows L = (ν/√k)·B₂·‖X‖). For relu φ′ jumps, J(W) is discontinuous in W and no finite L exists.
/// </para>
/// </summary>
public static class ShallowJacobianBounds
{
    /// <summary>
    /// P4.C1, P4.C4: σ_min and ‖J‖ at W (exact), β and L (certified) for f(x) = vᵀφ(Wx), X (n × d), W (k × d), v (k).
    /// Uses the engine's <see cref="SymmetricEigen"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">Shapes disagree or an entry is not finite.</exception>
    public static ShallowJacobianBoundsResult Compute(Matrix x, Matrix w, ReadOnlySpan<double> v, ActivationKind activation) =>
        Compute(x, w, v, activation, SymmetricEigen.Eigenvalues);

    /// <summary>
    /// P4.C1, P4.C4 for a two-layer <see cref="Mlp"/> of the P4 shape: hidden layer trainable without bias, output layer
    /// frozen without bias. Scales are folded in exactly: f = c·s₂·vᵀφ(W(s₁x)), so the bounds are those of the raw model
    /// with inputs s₁X and output weights c·s₂·v (β and L are then in units of ‖W‖_F, the trained parameters).
    /// </summary>
    /// <exception cref="InvalidInputException">Not two layers, a bias, a frozen hidden layer or a trainable output layer.</exception>
    public static ShallowJacobianBoundsResult Compute(Mlp model, Matrix x)
    {
        var (xs, w, v) = Unpack(model, x);
        return Compute(xs, w, v, model.Activation);
    }

    /// <summary>
    /// P4.R1's α̂_τ² at a visited W: the Gram K = J(W)J(W)ᵀ of a P4-shaped two-layer <see cref="Mlp"/> (computed once),
    /// its eigenvalues (ascending, float64: <i>exact up to round-off</i>, not a bound), and a <b>certified</b> lower
    /// bound λ_min(J Jᵀ) ≥ <see cref="CertifiedGram.LambdaMinLower"/> (<see cref="CertifiedEigenvalue.LambdaMin"/> with
    /// <see cref="ShallowNtk.GramFormationError"/>; −∞ when no shifted Cholesky succeeded). A per-step contraction bound
    /// 1 − 2ηα̂²(…) built on the lower bound is looser than the true one, so a run above it refutes soundly.
    /// </summary>
    /// <exception cref="InvalidInputException">Not of the P4 shape (see <see cref="Compute(Mlp, Matrix)"/>).</exception>
    public static CertifiedGram GramWithLowerBound(Mlp model, Matrix x)
    {
        var (xs, w, v) = Unpack(model, x);
        var gram = ShallowNtk.Gram(xs, w, v, model.Activation);
        var ev = SymmetricEigen.Eigenvalues(gram);
        double lower = ev.Length == 0
            ? double.PositiveInfinity
            : CertifiedEigenvalue.LambdaMin(gram, ev[0], ShallowNtk.GramFormationError(xs, w, v, model.Activation)).Bound;
        return new CertifiedGram(gram, ev, lower);
    }

    /// <summary>As the public overload, with the dense symmetric eigenvalue routine (ascending) supplied.</summary>
    internal static ShallowJacobianBoundsResult Compute(Matrix x, Matrix w, ReadOnlySpan<double> v,
        ActivationKind activation, Func<Matrix, double[]> eigenvalues)
    {
        var gram = ShallowNtk.Gram(x, w, v, activation);   // validates shapes and finiteness
        var ev = eigenvalues(gram);
        double sigmaMin = ev.Length == 0 ? 0.0 : Math.Sqrt(Math.Max(ev[0], 0.0));
        double sigmaMax = ev.Length == 0 ? 0.0 : Math.Sqrt(Math.Max(ev[^1], 0.0));
        double sigmaMinLower = 0.0;
        if (ev.Length > 0)
        {
            var cert = CertifiedEigenvalue.LambdaMin(gram, ev[0], ShallowNtk.GramFormationError(x, w, v, activation));
            // √ rounds correctly; one relative step down keeps the square root a lower bound.
            if (cert.Bound > 0) sigmaMinLower = Math.Sqrt(cert.Bound) * (1 - 2 * CertifiedEigenvalue.UnitRoundoff);
        }
        double xNorm = SpectralNormUpper(x, eigenvalues);
        double maxRow = MaxRowNorm(x);
        double b1 = DerivativeSup(activation), b2 = SecondDerivativeSup(activation);
        double beta = Beta(xNorm, v, activation);
        bool applicable = double.IsFinite(b2);
        double lipschitz = Lipschitz(xNorm, maxRow, v, activation);
        return new ShallowJacobianBoundsResult(sigmaMin, sigmaMax, beta, lipschitz, applicable, xNorm, maxRow, b1, b2,
            sigmaMinLower);
    }

    /// <summary>
    /// P4.C4: β = B₁·‖v‖₂·‖X‖, a certified bound on ‖J(W)‖ valid for every W (derivation in the class remarks);
    /// <paramref name="xNorm"/> is an upper bound on ‖X‖ (<see cref="SpectralNormUpper(Matrix)"/>). Rounded up: ‖v‖₂'s k-term
    /// sum and square root and the two products carry at most (k + 8)u relative error.
    /// </summary>
    public static double Beta(double xNorm, ReadOnlySpan<double> v, ActivationKind activation) =>
        RoundUp(DerivativeSup(activation) * Norm2(v) * xNorm, v.Length + 8);

    /// <summary>
    /// P4.C4: L = B₂·‖v‖_∞·‖X‖·maxᵢ‖xᵢ‖, a certified Lipschitz constant of W ↦ J(W) in ‖·‖_F (derivation in the class
    /// remarks); +∞ for relu. <paramref name="xNorm"/> is ‖X‖, <paramref name="maxRowNorm"/> is maxᵢ‖xᵢ‖.
    /// </summary>
    public static double Lipschitz(double xNorm, double maxRowNorm, ReadOnlySpan<double> v, ActivationKind activation)
    {
        double b2 = SecondDerivativeSup(activation);
        // maxRowNorm is computed to (d + 2)u and the products round three times: 16u covers them for the d the
        // callers pass through MaxRowNorm, which rounds its own result up.
        return double.IsFinite(b2) ? RoundUp(b2 * NormInf(v) * xNorm * maxRowNorm, 16) : double.PositiveInfinity;
    }

    /// <summary>
    /// A certified upper bound on ‖X‖₂: √ of an upper bound on λ_max of the smaller Gram (XXᵀ or XᵀX), from
    /// <see cref="CertifiedEigenvalue.LambdaMin"/> on its negation with the Gram's formation error γ_{m+2}·‖X‖_F²
    /// (m the inner dimension), rounded up.
    /// </summary>
    public static double SpectralNormUpper(Matrix x) => SpectralNormUpper(x, SymmetricEigen.Eigenvalues);

    internal static double SpectralNormUpper(Matrix x, Func<Matrix, double[]> eigenvalues)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rows == 0 || x.Cols == 0) return 0.0;
        bool rows = x.Rows <= x.Cols;
        var gram = rows ? Blas.Gram(x) : Blas.Multiply(x, x, Op.Transpose, Op.None);
        int inner = rows ? x.Cols : x.Rows;
        double lmax = eigenvalues(gram)[^1];
        double frob = 0;
        foreach (var e in x.Data) frob += e * e;
        double formation = CertifiedEigenvalue.Gamma(inner + 2) * frob * (1 + (x.Data.Length + 2) * CertifiedEigenvalue.UnitRoundoff);
        for (int i = 0; i < gram.Data.Length; i++) gram.Data[i] = -gram.Data[i];
        var cert = CertifiedEigenvalue.LambdaMin(gram, -lmax, formation);
        double upper = cert.Certified ? -cert.Bound : double.PositiveInfinity;
        return RoundUp(Math.Sqrt(Math.Max(upper, 0.0)), 2);
    }

    private static double RoundUp(double v, int units) =>
        double.IsFinite(v) ? Math.BitIncrement(v * (1 + units * CertifiedEigenvalue.UnitRoundoff)) : v;

    /// <summary>
    /// The factor B of P4.C5's √(kd) ≳ B·κ(X)·n: max(B₁, B₂), or B₁ where B₂ is infinite (relu). The one definition
    /// the certificate and the sweep both use.
    /// </summary>
    public static double OverparameterizationFactor(ActivationKind activation)
    {
        double b = Math.Max(DerivativeSup(activation), SecondDerivativeSup(activation));
        return double.IsFinite(b) ? b : DerivativeSup(activation);
    }

    /// <summary>P4.C5's ratio √(kd)/(B·κ(X)·n) (a measurement: the theorem's constant is unspecified).</summary>
    public static double OverparameterizationRatio(int k, int d, int n, double kappa, ActivationKind activation) =>
        Math.Sqrt((double)k * d) / (OverparameterizationFactor(activation) * kappa * n);

    /// <summary>P4.C3: B₁ = sup_z |φ′(z)|, certified (<see cref="Activations.DerivativeSup"/>).</summary>
    public static double DerivativeSup(ActivationKind activation) => Activations.DerivativeSup(activation);

    /// <summary>P4.C3: B₂ = sup_z |φ″(z)|, certified (<see cref="Activations.SecondDerivativeSup"/>); +∞ for relu.</summary>
    public static double SecondDerivativeSup(ActivationKind activation) => Activations.SecondDerivativeSup(activation);

    /// <summary>
    /// A bound on maxᵢ |f̃(xᵢ) − f(xᵢ)| for the float64 forward pass of f(x) = vᵀφ(Wx) (P4.C4's ‖r₀‖ rounded outward):
    /// zᵢℓ is off by at most γ_{d+2}‖xᵢ‖‖wℓ‖ (moving φ by ≤ B₁ times that), φ is evaluated to
    /// <see cref="ShallowNtk.DerivativeAccuracy"/> relative to max(1, |φ|), and the k-term sum adds γ_{k+2}Σℓ|vℓ||φᵢℓ|,
    /// with |φ(z)| ≤ |φ(0)| + B₁|z| and |z| ≤ ‖xᵢ‖‖wℓ‖.
    /// </summary>
    public static double OutputErrorBound(Mlp model, Matrix x)
    {
        var (xs, w, v) = Unpack(model, x);
        var activation = model.Activation;
        int n = xs.Rows, k = w.Rows, d = xs.Cols;
        const double u = CertifiedEigenvalue.UnitRoundoff;
        double gd = CertifiedEigenvalue.Gamma(d + 2), gk = CertifiedEigenvalue.Gamma(k + 2);
        double b1 = DerivativeSup(activation), phi0 = Math.Abs(Activations.Value(activation, 0.0));
        var wNorms = new double[k];
        for (int l = 0; l < k; l++)
        {
            var wl = w.Row(l);
            wNorms[l] = Math.Sqrt(Blas.Dot(wl, wl)) * (1 + (d + 2) * u);
        }
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            var xi = xs.Row(i);
            double xNorm = Math.Sqrt(Blas.Dot(xi, xi)) * (1 + (d + 2) * u);
            double e = 0;
            for (int l = 0; l < k; l++)
            {
                double zAbs = xNorm * wNorms[l];
                double phiAbs = phi0 + b1 * zAbs;
                e += Math.Abs(v[l]) * (b1 * gd * zAbs + ShallowNtk.DerivativeAccuracy * Math.Max(1, phiAbs) + gk * phiAbs);
            }
            worst = Math.Max(worst, e);
        }
        return worst * (1 + 16 * u);
    }

    /// <summary>
    /// The raw (s₁X, W, c·s₂·v) of a P4-shaped two-layer network (see <see cref="Compute(Mlp, Matrix)"/>).
    /// </summary>
    internal static (Matrix X, Matrix W, double[] V) Unpack(Mlp model, Matrix x)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        if (model.Layers.Count != 2)
            throw new InvalidInputException(
                $"P4 bounds need a two-layer network (one hidden layer); this one has {model.Layers.Count} layers");
        var hidden = model.Layers[0];
        var output = model.Layers[1];
        if (hidden.Bias is not null || output.Bias is not null)
            throw new InvalidInputException("P4 bounds need a network without biases (P4.C6: f(x) = vᵀφ(Wx))");
        if (!hidden.Trainable || output.Trainable)
            throw new InvalidInputException("P4 bounds need W trainable and the output layer v frozen (P4.C6)");
        if (x.Cols != model.InputDimension)
            throw new InvalidInputException($"inputs have {x.Cols} columns, the network expects {model.InputDimension}");
        var xs = x.Clone();
        for (int i = 0; i < xs.Data.Length; i++) xs.Data[i] *= hidden.Scale;
        double c = model.OutputScale * output.Scale;
        var v = output.Weight.Data.Select(e => c * e).ToArray();
        return (xs, hidden.Weight, v);
    }

    /// <summary>maxᵢ‖xᵢ‖, rounded up over its d-term sums and square root (a certified upper bound).</summary>
    private static double MaxRowNorm(Matrix x)
    {
        double m = 0;
        for (int i = 0; i < x.Rows; i++)
        {
            var row = x.Row(i);
            m = Math.Max(m, Norm2(row));
        }
        return m == 0 ? 0 : RoundUp(m, x.Cols + 4);
    }

    // ‖v‖₂ with every entry scaled by the same power of two (exact) before squaring: raw squares of entries below
    // ~1e−162 underflow to 0 (β came out as 5e−324 for a layer of 1e−170 weights, a "certified" bound below the truth)
    // and above ~1e154 overflow. The k-term recursive sum and √ keep the (k + 1)u·½ + u error the margins cover.
    private static double Norm2(ReadOnlySpan<double> v)
    {
        double m = NormInf(v);
        if (m == 0 || !double.IsFinite(m)) return m;
        int e = Math.ILogB(m);
        double s = 0;
        foreach (var x in v)
        {
            double y = Math.ScaleB(x, -e);
            s += y * y;
        }
        return Math.ScaleB(Math.Sqrt(s), e);
    }

    private static double NormInf(ReadOnlySpan<double> v)
    {
        double m = 0;
        foreach (var e in v) m = Math.Max(m, Math.Abs(e));
        return m;
    }
}

using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Quadrature;

namespace Overparam.Verify.Engine.Kernels;

/// <summary>
/// P4.C2: the neural-net covariance Σ(X) with its eigenvalue and condition-number quantity.
/// </summary>
/// <param name="Sigma">Σ(X) (n × n), at order <see cref="QuadratureOrder"/> (or the closed form).</param>
/// <param name="LambdaMin">λ(X) = λ_min(Σ(X)) of the returned matrix.</param>
/// <param name="LambdaMinErrorBound">
/// Bound on |λ_min(Σ returned) − λ_min(Σ exact)| by Weyl: ‖ΔΣ‖₂ ≤ ‖ΔΣ‖_F with ΔΣ the difference between the two
/// quadrature orders (≤ n·<see cref="QuadratureErrorEstimate"/>), plus the eigensolver's round-off n·ε·λ_max.
/// An estimate, not certified: it trusts the higher order to be at least as accurate as the two orders' difference.
/// For closed forms only the round-off term remains.
/// </param>
/// <param name="QuadratureErrorEstimate">max over entries of |Σ_m − Σ_{2m}| (0 for closed forms).</param>
/// <param name="QuadratureOrder">Nodes per dimension of the returned Σ (2m; 0 for closed forms).</param>
/// <param name="ComparisonOrder">The lower order m used for the error estimate (0 for closed forms).</param>
/// <param name="XNorm">‖X‖, the spectral norm.</param>
/// <param name="Kappa">κ(X) = √(d/n)·‖X‖/λ(X); +∞ when λ(X) ≤ 0.</param>
/// <param name="Status">"closed form" or "exact up to quadrature".</param>
public sealed record InfiniteWidthKernelResult(
    Matrix Sigma,
    double LambdaMin,
    double LambdaMinErrorBound,
    double QuadratureErrorEstimate,
    int QuadratureOrder,
    int ComparisonOrder,
    double XNorm,
    double Kappa,
    string Status);

/// <summary>
/// The infinite-width kernel of the P4 shallow network (papers.md §4.3, P4.C2, P4.C7):
/// <c>Σ(X) = E_{w~N(0,I_d)}[φ′(Xw)φ′(Xw)ᵀ] ⊙ (XXᵀ)</c>, so that E_W[J Jᵀ] = ν²Σ(X) when v_ℓ² = ν²/k (P4.R5).
/// <para>
/// Entry (i, j) depends only on ‖xᵢ‖, ‖xⱼ‖ and ρᵢⱼ = xᵢᵀxⱼ: (uᵢ, uⱼ) = (xᵢᵀw, xⱼᵀw) is bivariate normal with covariance
/// [[‖xᵢ‖², ρᵢⱼ], [ρᵢⱼ, ‖xⱼ‖²]], so Σᵢⱼ = ρᵢⱼ·E[φ′(uᵢ)φ′(uⱼ)]. Closed forms (each one exact):
/// <list type="bullet">
/// <item><description>identity: Σ = XXᵀ;</description></item>
/// <item><description>relu: E[1{uᵢ&gt;0}1{uⱼ&gt;0}] = (π − θᵢⱼ)/(2π), cos θᵢⱼ = ρᵢⱼ/(‖xᵢ‖‖xⱼ‖) (arc-cosine kernel of degree 0);</description></item>
/// <item><description>erf: φ′ = (2/√π)e^{−u²}, E = (4/π)·det(I + 2C)^{−1/2} with C the 2×2 covariance;</description></item>
/// <item><description>cos: φ′ = −sin u, E[sin uᵢ sin uⱼ] = e^{−(‖xᵢ‖²+‖xⱼ‖²)/2}·sinh ρᵢⱼ.</description></item>
/// </list>
/// The others (tanh, sigmoid, softplus, gelu) use the m×m tensor Gauss–Hermite rule of <see cref="GaussHermite"/>
/// on (z₁, z₂) ~ N(0, I) with uᵢ = a z₁, uⱼ = b z₁ + c z₂ (2×2 Cholesky), at orders m and 2m.
/// </para>
/// </summary>
public static class InfiniteWidthKernel
{
    /// <summary>The default lower order m; Σ is returned at 2m = 80 nodes per dimension (papers.md §4.3: 40–80).</summary>
    public const int DefaultOrder = 40;

    /// <summary>The default order for μ_φ (1-D, so cheap).</summary>
    public const int DefaultMuOrder = 80;

    /// <summary>Status text for closed-form kernels.</summary>
    public const string ClosedFormStatus = "closed form";

    /// <summary>Status text for kernels computed by quadrature.</summary>
    public const string QuadratureStatus = "exact up to quadrature";

    /// <summary>
    /// Largest accepted |‖xᵢ‖ − 1| for the unit-norm precondition of P4.C6/P4.C7: normalization of a float64 row
    /// leaves an error of a few ε, so 1e−10 accepts any normalized data and rejects anything not meant to be.
    /// </summary>
    public static readonly Tolerance UnitNorm = new(1e-10, 0.0);

    /// <summary>
    /// P4.C2: Σ(X), λ(X) = λ_min(Σ(X)) with its error bound, and κ(X) = √(d/n)·‖X‖/λ(X). Rows need not be unit norm
    /// (P4.C6 asks for it; the formulas here do not). Uses the engine's <see cref="SymmetricEigen"/>.
    /// </summary>
    /// <param name="x">Inputs X (n × d), finite, n ≥ 1.</param>
    /// <param name="activation">φ.</param>
    /// <param name="order">The lower quadrature order m (1..<see cref="GaussHermite.MaxOrder"/>/2); Σ is returned at 2m.</param>
    /// <exception cref="InvalidInputException">Empty or non-finite X.</exception>
    public static InfiniteWidthKernelResult Evaluate(Matrix x, ActivationKind activation, int order = DefaultOrder) =>
        Evaluate(x, activation, order, SymmetricEigen.Eigenvalues);

    /// <summary>As the public overload, with the dense symmetric eigenvalue routine (ascending) supplied.</summary>
    internal static InfiniteWidthKernelResult Evaluate(Matrix x, ActivationKind activation, int order,
        Func<Matrix, double[]> eigenvalues)
    {
        RequireInputs(x);
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, GaussHermite.MaxOrder / 2);
        int n = x.Rows, d = x.Cols;
        Matrix sigma;
        double maxDiff = 0, frobDiff = 0;
        int q = 0, comparison = 0;
        string status;
        if (HasClosedForm(activation))
        {
            sigma = ClosedForm(x, activation);
            status = ClosedFormStatus;
        }
        else
        {
            var low = ByQuadrature(x, activation, order);
            sigma = ByQuadrature(x, activation, 2 * order);
            for (int i = 0; i < sigma.Data.Length; i++)
            {
                double diff = Math.Abs(sigma.Data[i] - low.Data[i]);
                maxDiff = Math.Max(maxDiff, diff);
                frobDiff += diff * diff;
            }
            frobDiff = Math.Sqrt(frobDiff);
            (q, comparison, status) = (2 * order, order, QuadratureStatus);
        }
        var ev = eigenvalues(sigma);
        double lambdaMin = ev[0], lambdaMax = ev[^1];
        double bound;
        if (status == ClosedFormStatus)
        {
            // Rigorous: λ(X) ≥ the certified lower bound of a shifted Cholesky on the computed Σ with its distance to
            // the exact Σ(X) (ClosedFormEntryError, ‖·‖₂ ≤ n·max entry); the reported error is λ̃ minus that bound.
            double formation = n * ClosedFormEntryError(x, activation);
            var cert = CertifiedEigenvalue.LambdaMin(sigma, lambdaMin, formation);
            bound = cert.Certified ? Math.Max(lambdaMin - cert.Bound, 0.0) : double.PositiveInfinity;
        }
        else
            bound = frobDiff + n * Tolerance.MachineEpsilon * Math.Abs(lambdaMax);
        double xNorm = SpectralNorm(x, eigenvalues);
        double kappa = lambdaMin > 0 ? Math.Sqrt((double)d / n) * xNorm / lambdaMin : double.PositiveInfinity;
        return new InfiniteWidthKernelResult(sigma, lambdaMin, bound, maxDiff, q, comparison, xNorm, kappa, status);
    }

    /// <summary>
    /// P4.C2: Σ(X) alone: the closed form where there is one (identity, relu, erf, cos), otherwise the m×m tensor
    /// Gauss–Hermite rule (no error estimate; <see cref="Evaluate(Matrix, ActivationKind, int)"/> gives one).
    /// </summary>
    /// <exception cref="InvalidInputException">Empty or non-finite X.</exception>
    public static Matrix Sigma(Matrix x, ActivationKind activation, int order = 2 * DefaultOrder)
    {
        RequireInputs(x);
        return HasClosedForm(activation) ? ClosedForm(x, activation) : ByQuadrature(x, activation, order);
    }

    /// <summary>True for the activations whose Σ entries have a closed form here: identity, relu, erf, cos.</summary>
    public static bool HasClosedForm(ActivationKind activation) => activation is ActivationKind.Identity
        or ActivationKind.Relu or ActivationKind.Erf or ActivationKind.Cos;

    /// <summary>
    /// P4.C7: μ_φ = E[φ′(z)], z ~ N(0, 1). Exact where a closed form exists (identity 1; relu, softplus, gelu ½ — the
    /// last two since σ(z) + σ(−z) = 1 and E[zφ_N(z)] = 0 by symmetry; erf 2/√(3π); cos 0), otherwise by the 1-D
    /// Gauss–Hermite rule of the given order (tanh, sigmoid).
    /// </summary>
    public static double MuPhi(ActivationKind activation, int order = DefaultMuOrder) => activation switch
    {
        ActivationKind.Identity => 1.0,
        ActivationKind.Relu or ActivationKind.Softplus or ActivationKind.Gelu => 0.5,
        ActivationKind.Erf => 2.0 / Math.Sqrt(3.0 * Math.PI),
        ActivationKind.Cos => 0.0,
        _ => MuPhiByQuadrature(activation, order),
    };

    /// <summary>μ_φ by the 1-D Gauss–Hermite rule, for any activation (the closed forms' oracle in tests).</summary>
    public static double MuPhiByQuadrature(ActivationKind activation, int order = DefaultMuOrder) =>
        GaussHermite.Expectation(z => Activations.Derivative(activation, z), order);

    /// <summary>
    /// P4.C7: the lower bound λ(X) ≥ μ_φ²·λ_min(XXᵀ) for unit-norm rows (papers.md §4.3, [derived]).
    /// <para>
    /// Why it holds: expand φ′ in normalized probabilists' Hermite polynomials, φ′ = Σ_r a_r He_r/√(r!), a₀ = μ_φ. For
    /// unit-norm xᵢ, xⱼ, (uᵢ, uⱼ) is standard bivariate normal with correlation ρᵢⱼ and E[He_r(uᵢ)He_s(uⱼ)] = δ_rs·r!·ρᵢⱼ^r
    /// (Mehler), so E[φ′(Xw)φ′(Xw)ᵀ] = Σ_r a_r²·(XXᵀ)^{⊙r} and Σ(X) = Σ_r a_r²·(XXᵀ)^{⊙(r+1)}. Every Hadamard power of
    /// the PSD matrix XXᵀ is PSD (Schur product theorem), so Σ(X) ⪰ a₀²·XXᵀ and λ_min(Σ) ≥ μ_φ²·λ_min(XXᵀ). The same
    /// argument gives λ(X) ≥ a_r²·λ_min((XXᵀ)^{⊙(r+1)}) for every r. The bound is 0 when d &lt; n (XXᵀ singular);
    /// a λ_min(XXᵀ) that round-off makes negative is clamped to 0, keeping the bound valid.
    /// </para>
    /// </summary>
    /// <exception cref="InvalidInputException">Empty or non-finite X, or a row whose norm is not 1 (within <see cref="UnitNorm"/>).</exception>
    public static double MuPhiLowerBound(Matrix x, ActivationKind activation) =>
        MuPhiLowerBound(x, activation, SymmetricEigen.Eigenvalues);

    /// <summary>As the public overload, with the dense symmetric eigenvalue routine (ascending) supplied.</summary>
    internal static double MuPhiLowerBound(Matrix x, ActivationKind activation, Func<Matrix, double[]> eigenvalues)
    {
        RequireInputs(x);
        RequireUnitRows(x);
        double mu = MuPhi(activation);
        double lambda = eigenvalues(Blas.Gram(x))[0];
        return mu * mu * Math.Max(lambda, 0.0);
    }

    /// <summary>‖X‖ = √λ_max of the smaller of XXᵀ and XᵀX. Uses the engine's <see cref="SymmetricEigen"/>.</summary>
    public static double SpectralNorm(Matrix x) => SpectralNorm(x, SymmetricEigen.Eigenvalues);

    /// <summary>As the public overload, with the dense symmetric eigenvalue routine (ascending) supplied.</summary>
    internal static double SpectralNorm(Matrix x, Func<Matrix, double[]> eigenvalues)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rows == 0 || x.Cols == 0) return 0.0;
        var gram = x.Rows <= x.Cols ? Blas.Gram(x) : Blas.Multiply(x, x, Op.Transpose, Op.None);
        return Math.Sqrt(Math.Max(eigenvalues(gram)[^1], 0.0));
    }

    /// <summary>
    /// Σ(X) by the m×m tensor rule for any activation (relu included, where it converges slowly). Rows of Σ are
    /// spread over threads; every entry is computed by the same sequence of operations whatever the thread count,
    /// so the result is bit-for-bit reproducible. Cost: n(n+1)/2 · m² evaluations of φ′.
    /// </summary>
    internal static Matrix ByQuadrature(Matrix x, ActivationKind activation, int order)
    {
        var rule = GaussHermite.Rule(order);
        int n = x.Rows, m = order;
        var nodes = rule.Nodes.ToArray();
        var weights = rule.Weights.ToArray();
        var gram = Blas.Gram(x);
        var sigma = new Matrix(n, n);
        // φ′(‖xᵢ‖ z_p): the first coordinate of every pair (i, ·) sits on these m points.
        var first = new double[n * m];
        for (int i = 0; i < n; i++)
        {
            double a = Math.Sqrt(gram[i, i]);
            for (int p = 0; p < m; p++) first[i * m + p] = Activations.Derivative(activation, a * nodes[p]);
        }
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, n, options, i =>
        {
            var args = new double[m];
            for (int j = 0; j <= i; j++)
            {
                double s11 = gram[i, i], s12 = gram[i, j], s22 = gram[j, j];
                var (_, b, c) = GaussHermite.Cholesky2(s11, s12, s22);
                double e = 0;
                for (int p = 0; p < m; p++)
                {
                    double shift = b * nodes[p];
                    for (int r = 0; r < m; r++) args[r] = shift + c * nodes[r];
                    Activations.Derivative(activation, args, args);
                    double acc = 0;
                    for (int r = 0; r < m; r++) acc += weights[r] * args[r];
                    e += weights[p] * first[i * m + p] * acc;
                }
                // Row i writes (i, j) and (j, i) for j ≤ i only: no two rows touch the same entry.
                sigma.Data[i * n + j] = sigma.Data[j * n + i] = s12 * e;
            }
        });
        return sigma;
    }

    /// <summary>Σ(X) in closed form for identity, relu, erf and cos (see the class remarks).</summary>
    internal static Matrix ClosedForm(Matrix x, ActivationKind activation)
    {
        var gram = Blas.Gram(x);
        int n = x.Rows;
        var sigma = new Matrix(n, n);
        var norms = new double[n];
        for (int i = 0; i < n; i++) norms[i] = Math.Sqrt(gram[i, i]);
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s11 = gram[i, i], s12 = gram[i, j], s22 = gram[j, j];
                double e = activation switch
                {
                    ActivationKind.Identity => 1.0,
                    ActivationKind.Relu => s11 == 0 || s22 == 0
                        ? 0.0
                        : ReluPair(ReluAngle(x.Row(i), x.Row(j), norms[i], norms[j])),
                    ActivationKind.Erf => 4.0 / Math.PI / Math.Sqrt((1 + 2 * s11) * (1 + 2 * s22) - 4 * s12 * s12),
                    ActivationKind.Cos => Math.Exp(-0.5 * (s11 + s22)) * Math.Sinh(s12),
                    _ => throw new ArgumentOutOfRangeException(nameof(activation), $"{activation} has no closed form here"),
                };
                sigma[i, j] = sigma[j, i] = s12 * e;
            }
        return sigma;
    }

    // E[1{uᵢ>0}1{uⱼ>0}] = (π − θ)/(2π); a zero-norm row gives u ≡ 0 and relu′(0) = 0. θ is not arccos of the Gram's
    // cosine: arccos is ill-conditioned near ρ = ±1 (rows 1e-7 apart came out 4% off); ReluAngle forms it from the
    // normalized rows' difference and sum instead.
    private static double ReluPair(double theta) => (Math.PI - theta) / (2.0 * Math.PI);

    /// <summary>The angle between two nonzero rows, 2·atan2(‖x̂ − ŷ‖, ‖x̂ + ŷ‖): accurate to a few ulps at every angle.</summary>
    internal static double ReluAngle(ReadOnlySpan<double> a, ReadOnlySpan<double> b, double normA, double normB)
    {
        double minus = 0, plus = 0;
        for (int k = 0; k < a.Length; k++)
        {
            double p = a[k] / normA, q = b[k] / normB;
            minus += (p - q) * (p - q);
            plus += (p + q) * (p + q);
        }
        return 2.0 * Math.Atan2(Math.Sqrt(minus), Math.Sqrt(plus));
    }

    /// <summary>
    /// A bound on |Σ̃ᵢⱼ − Σᵢⱼ| for the closed forms as computed here, m = maxᵢ‖xᵢ‖: the Gram entries carry
    /// γ_{d+2}m²; identity then has nothing more; relu's angle (from normalized rows) is off by at most 4γ_{d+4}, so
    /// the factor (π − θ)/(2π) ≤ ½ by γ_{d+4}; erf's determinant is at least 1 and moves by at most
    /// 4γ_{d+6}(1 + 2m²)², moving e ≤ 4/π relatively by half that; cos's e·s₁₂ has derivative at most 1 + 2m² in each
    /// Gram entry (e^{−(s₁₁+s₂₂)/2}cosh s₁₂ ≤ 1). 16u more covers the few library calls (exp, sinh, atan2, √).
    /// </summary>
    internal static double ClosedFormEntryError(Matrix x, ActivationKind activation)
    {
        const double u = CertifiedEigenvalue.UnitRoundoff;
        int d = x.Cols;
        double m2 = 0;
        for (int i = 0; i < x.Rows; i++)
        {
            var row = x.Row(i);
            m2 = Math.Max(m2, Blas.Dot(row, row));
        }
        m2 *= 1 + (d + 2) * u;
        double gd = CertifiedEigenvalue.Gamma(d + 2);
        double e = activation switch
        {
            ActivationKind.Identity => gd * m2,
            ActivationKind.Relu => 0.5 * gd * m2 + m2 * CertifiedEigenvalue.Gamma(d + 4) + 16 * u * m2,
            // |dD| ≤ γm²·(4(1 + 2m²) + 8m²) ≤ 4γ(1 + 2m²)² for D = (1 + 2s₁₁)(1 + 2s₂₂) − 4s₁₂² (review: 2γ(1 + 2m²)²
            // fell short for m² > 0.81); D ≥ 1, and e = (4/π)D^{−1/2} moves relatively by half of |dD|/D.
            ActivationKind.Erf => 4.0 / Math.PI
                * (gd * m2 + m2 * 2 * CertifiedEigenvalue.Gamma(d + 6) * (1 + 2 * m2) * (1 + 2 * m2) + 16 * u * m2),
            ActivationKind.Cos => gd * m2 * (1 + 2 * m2) + 16 * u * m2,
            _ => throw new ArgumentOutOfRangeException(nameof(activation), $"{activation} has no closed form here"),
        };
        return e * (1 + 16 * u);
    }

    private static void RequireInputs(Matrix x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rows == 0 || x.Cols == 0)
            throw new InvalidInputException($"inputs are {x.Rows}×{x.Cols}; the kernel needs at least one sample and one feature");
        for (int i = 0; i < x.Data.Length; i++)
            if (!double.IsFinite(x.Data[i]))
                throw new InvalidInputException($"input entry ({i / x.Cols}, {i % x.Cols}) is {x.Data[i]}, not finite");
    }

    internal static void RequireUnitRows(Matrix x)
    {
        for (int i = 0; i < x.Rows; i++)
        {
            var row = x.Row(i);
            double norm = Math.Sqrt(Blas.Dot(row, row));
            if (!UnitNorm.Accepts(1.0, norm))
                throw new InvalidInputException($"P4.C6: input row {i} has norm {norm}, not 1 (normalize the inputs first)");
        }
    }
}

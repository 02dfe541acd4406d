using System.Globalization;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Engine.Convex;

/// <summary>The KKT multipliers of P_nc at a normalised network (papers.md §5.3, P5.C3).</summary>
/// <param name="NormalizedParameters">θ̄ = θ/√(minᵢ yᵢfᵢ(θ)), minimum margin 1.</param>
/// <param name="MinMargin">minᵢ yᵢfᵢ(θ) of the parameters given (before normalisation).</param>
/// <param name="Margins">yᵢfᵢ(θ̄), every one ≥ 1 up to rounding.</param>
/// <param name="Support">S = {i : yᵢfᵢ(θ̄) ≤ 1 + marginTolerance}, ascending.</param>
/// <param name="Lambda">λ ≥ 0, one per sample, exact zeros off S.</param>
/// <param name="StationarityResidual">‖θ̄ − Σᵢ λᵢyᵢ∇_θfᵢ(θ̄)‖₂: 0 at an exact KKT point.</param>
/// <param name="RelativeResidual"><see cref="StationarityResidual"/> / ‖θ̄‖₂.</param>
/// <param name="HalfNormSquared">½‖θ̄‖², the primal value of P_nc at θ̄.</param>
/// <param name="LambdaSum">1ᵀλ, the dual objective.</param>
/// <param name="DualityGap">½‖θ̄‖² − 1ᵀλ; ≈ 0 by homogeneity at a KKT point (⟨θ, ∇fᵢ⟩ = 2fᵢ).</param>
/// <param name="Nnls">The NNLS run (KKT violation of the multiplier fit itself).</param>
public sealed record KktResult(
    double[] NormalizedParameters,
    double MinMargin,
    double[] Margins,
    int[] Support,
    double[] Lambda,
    double StationarityResidual,
    double RelativeResidual,
    double HalfNormSquared,
    double LambdaSum,
    double DualityGap,
    NnlsResult Nnls);

/// <summary>
/// KKT multipliers of (P_nc) min ½‖θ‖² s.t. yᵢf(xᵢ; θ) ≥ 1 at the margin-normalised θ̄ (papers.md §5.3): the
/// stationarity condition θ̄ = Σ_{i ∈ S} λᵢyᵢ∇_θfᵢ(θ̄), λ ≥ 0, solved by NNLS on the support S of near-active margins.
/// </summary>
public static class KktMultipliers
{
    /// <summary>The margin tolerance of papers.md §5.3 ("a margin tolerance of about 10⁻⁶").</summary>
    public const double DefaultMarginTolerance = 1e-6;

    /// <summary>Normalises θ, finds the support and solves for λ.</summary>
    /// <exception cref="InvalidInputException">Shapes disagree, a label is not ±1, or θ does not separate the data.</exception>
    public static KktResult Solve(ReluTwoLayer model, Matrix x, double[] y, ReadOnlySpan<double> theta,
        double marginTolerance = DefaultMarginTolerance)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        model.CheckShapes(x, theta);
        if (y.Length != x.Rows) throw new InvalidInputException($"{y.Length} labels for {x.Rows} input rows");
        Training.ReluClassificationObjective.CheckLabels(y);
        if (!(marginTolerance >= 0) || !double.IsFinite(marginTolerance))
            throw new InvalidInputException($"the margin tolerance must be finite and ≥ 0, got {marginTolerance.ToString("R", CultureInfo.InvariantCulture)}");
        double gamma = model.MinMargin(x, y, theta);
        var bar = model.NormalizeToUnitMargin(x, y, theta);
        var margins = model.Margins(x, y, bar);
        var support = Enumerable.Range(0, x.Rows).Where(i => margins[i] <= 1 + marginTolerance).ToArray();
        int p = model.ParameterCount, s = support.Length;
        // Columns yᵢ∇_θfᵢ(θ̄) for i ∈ S.
        var j = new Matrix(p, s);
        var grad = new double[p];
        for (int c = 0; c < s; c++)
        {
            int i = support[c];
            model.SampleGradient(x.Row(i), bar, grad);
            for (int q = 0; q < p; q++) j[q, c] = y[i] * grad[q];
        }
        var nnls = Nnls.Solve(j, bar);
        var lambda = new double[x.Rows];
        for (int c = 0; c < s; c++) lambda[support[c]] = nnls.Solution[c];
        double half = 0.5 * Blas.Dot(bar, bar);
        double sum = lambda.Sum();
        double barNorm = Math.Sqrt(2 * half);
        return new KktResult(bar, gamma, margins, support, lambda, nnls.ResidualNorm, nnls.ResidualNorm / barNorm,
            half, sum, half - sum, nnls);
    }
}

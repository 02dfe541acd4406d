using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Curvature;

/// <summary>Outcome of <see cref="PowerIteration.LargestMagnitude"/>.</summary>
/// <param name="Eigenvalue">The Rayleigh quotient qᵀAq at the last iterate: the estimate of the eigenvalue of largest |λ|,
/// with its sign. An <b>estimate</b>: |Eigenvalue| ≤ ‖A‖ always (a lower estimate of the spectral radius).</param>
/// <param name="Eigenvector">The last unit iterate q.</param>
/// <param name="Iterations">Operator applications made (one per iteration).</param>
/// <param name="Residual">‖Aq − λq‖ at the last iterate; some eigenvalue of A lies within it of <see cref="Eigenvalue"/>.</param>
/// <param name="Converged">Whether Residual ≤ tolerance·|Eigenvalue| was reached within the iteration limit.</param>
public sealed record PowerIterationResult(double Eigenvalue, double[] Eigenvector, int Iterations, double Residual,
    bool Converged);

/// <summary>
/// Power iteration for the eigenvalue of largest magnitude of a symmetric operator given only through products
/// v ↦ Av (P2.C5's β and P4.R1's β̂_H = sup‖∇²L‖ via Hessian-vector products; papers.md §8). Convergence is linear with
/// ratio |λ₂/λ₁|; when λ and −λ are both extreme the iterate does not settle and the result is flagged unconverged —
/// use <see cref="Lanczos"/> for reliable extremes.
/// </summary>
public static class PowerIteration
{
    /// <summary>The default random stream for the start vector.</summary>
    public const string DefaultStream = "curvature/power-start";

    /// <summary>
    /// Estimates the eigenvalue of largest |λ| of the symmetric operator <paramref name="apply"/> on ℝ^dimension,
    /// starting from a Gaussian vector drawn from <c>RandomStreams.For(seed, stream)</c>. Stops when
    /// ‖Aq − (qᵀAq)q‖ ≤ tolerance·|qᵀAq| or after <paramref name="maxIterations"/> products. The zero operator
    /// returns eigenvalue 0, converged, after one product.
    /// </summary>
    /// <exception cref="ArgumentException">apply returns a vector of the wrong length or with a non-finite entry.</exception>
    public static PowerIterationResult LargestMagnitude(Func<ReadOnlySpan<double>, double[]> apply, int dimension,
        ulong seed, string stream = DefaultStream, int maxIterations = 1000, double tolerance = 1e-10)
    {
        ArgumentNullException.ThrowIfNull(apply);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), "tolerance must be positive");
        var q = StartVector(dimension, seed, stream);
        double lambda = 0, residual = double.PositiveInfinity;
        for (int it = 1; it <= maxIterations; it++)
        {
            var aq = Apply(apply, q);
            lambda = Blas.Dot(q, aq);
            double r2 = 0, norm2 = 0;
            for (int i = 0; i < dimension; i++)
            {
                double e = aq[i] - lambda * q[i];
                r2 += e * e;
                norm2 += aq[i] * aq[i];
            }
            residual = Math.Sqrt(r2);
            if (norm2 == 0) return new PowerIterationResult(0.0, q, it, 0.0, true);
            if (residual <= tolerance * Math.Abs(lambda)) return new PowerIterationResult(lambda, q, it, residual, true);
            double inv = 1.0 / Math.Sqrt(norm2);
            for (int i = 0; i < dimension; i++) q[i] = aq[i] * inv;
            if (it == maxIterations)
            {
                // Report the Rayleigh quotient of the vector we return, so Eigenvalue, Eigenvector and Residual agree.
                aq = Apply(apply, q);
                lambda = Blas.Dot(q, aq);
                r2 = 0;
                for (int i = 0; i < dimension; i++) r2 += (aq[i] - lambda * q[i]) * (aq[i] - lambda * q[i]);
                residual = Math.Sqrt(r2);
                return new PowerIterationResult(lambda, q, it + 1, residual, residual <= tolerance * Math.Abs(lambda));
            }
        }
        return new PowerIterationResult(lambda, q, maxIterations, residual, false);
    }

    /// <summary>A unit Gaussian vector from the named stream (shared with <see cref="Lanczos"/>).</summary>
    internal static double[] StartVector(int dimension, ulong seed, string stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var q = new double[dimension];
        var rng = RandomStreams.For(seed, stream);
        double norm;
        do
        {
            rng.FillGaussian(q);
            norm = Math.Sqrt(Blas.Dot(q, q));
        } while (norm == 0);
        for (int i = 0; i < dimension; i++) q[i] /= norm;
        return q;
    }

    /// <summary>Applies the operator and checks what it returned.</summary>
    internal static double[] Apply(Func<ReadOnlySpan<double>, double[]> apply, double[] q)
    {
        var aq = apply(q);
        if (aq is null || aq.Length != q.Length)
            throw new ArgumentException($"the operator returned {(aq is null ? "null" : aq.Length + " entries")}, expected {q.Length}");
        for (int i = 0; i < aq.Length; i++)
            if (!double.IsFinite(aq[i]))
                throw new ArgumentException($"the operator returned a non-finite entry {aq[i]} at index {i}");
        return aq;
    }
}

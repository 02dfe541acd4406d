using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Models;

/// <summary>
/// A model with scalar output f(x; θ) over a flat parameter vector θ, and its first derivatives in both directions.
/// Everything a theorem's pipeline needs from a model family: the least-squares objective, the empirical NTK
/// (through <see cref="Jvp"/>/<see cref="Vjp"/> or a family's own fast path), trainers and provenance hashes.
/// J denotes the n × p Jacobian ∂f(xᵢ)/∂θ on inputs X (rows are samples).
/// </summary>
public interface IDifferentiableModel
{
    /// <summary>Length of θ (trainable parameters only).</summary>
    int ParameterCount { get; }

    /// <summary>Input dimension d.</summary>
    int InputDimension { get; }

    /// <summary>A copy of θ.</summary>
    double[] GetParameters();

    /// <summary>Overwrites θ.</summary>
    void SetParameters(ReadOnlySpan<double> theta);

    /// <summary>f(xᵢ) for every row of <paramref name="x"/>.</summary>
    double[] Forward(Matrix x);

    /// <summary>Jᵀv (length p) for a cotangent <paramref name="v"/> of length n: the gradient of Σᵢ vᵢ f(xᵢ).</summary>
    double[] Vjp(Matrix x, ReadOnlySpan<double> v);

    /// <summary>Ju (length n) for a tangent <paramref name="u"/> of length p: the directional derivative of f(X).</summary>
    double[] Jvp(Matrix x, ReadOnlySpan<double> u);

    /// <summary>The dense n × p Jacobian: for small instances and as the oracle of the fast paths.</summary>
    Matrix Jacobian(Matrix x);

    /// <summary>Canonical bytes of the model (architecture and every weight) for provenance hashes.</summary>
    byte[] CanonicalBytes();

    /// <summary>An independent copy.</summary>
    IDifferentiableModel Copy();
}

/// <summary>A model that also gives exact second derivatives of the squared loss.</summary>
public interface ITwiceDifferentiableModel : IDifferentiableModel
{
    /// <summary>∇²L(θ)·v for L = c(n)·‖f(X) − y‖², exact (no finite differences), residual curvature included.</summary>
    double[] LossHessianVectorProduct(Matrix x, double[] y, LossNormalization normalization, ReadOnlySpan<double> v);
}

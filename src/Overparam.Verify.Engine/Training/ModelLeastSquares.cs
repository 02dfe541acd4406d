using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Engine.Training;

/// <summary>
/// The squared loss L(θ) = c(n)·‖f(X; θ) − y‖² of any <see cref="IDifferentiableModel"/> on fixed data: residuals,
/// gradient 2c·Jᵀr, Jacobian products, the Gauss–Newton product 2c·JᵀJv and, for models with exact second
/// derivatives, the full Hessian-vector product. Each call writes θ into a private copy of the template.
/// Not thread-safe; use one instance per thread.
/// </summary>
public sealed class ModelLeastSquares : IObjective
{
    private readonly IDifferentiableModel _work;
    private readonly Matrix _x;
    private readonly double[] _y;
    private readonly double _c;

    /// <summary>Wraps the loss of <paramref name="template"/> (copied) on (x, y).</summary>
    /// <exception cref="InvalidInputException">Shapes of x, y and the model disagree, or there are no samples.</exception>
    public ModelLeastSquares(IDifferentiableModel template, Matrix x, double[] y, LossNormalization normalization = LossNormalization.HalfSum)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Cols != template.InputDimension)
            throw new InvalidInputException($"inputs have {x.Cols} columns, the model expects {template.InputDimension}");
        if (y.Length != x.Rows) throw new InvalidInputException($"{y.Length} targets for {x.Rows} input rows");
        if (x.Rows == 0) throw new InvalidInputException("no samples");
        _work = template.Copy();
        _x = x;
        _y = y;
        Normalization = normalization;
        _c = normalization.Coefficient(x.Rows);
    }

    /// <summary>The loss normalization c(n).</summary>
    public LossNormalization Normalization { get; }

    /// <inheritdoc/>
    public int ParameterCount => _work.ParameterCount;

    /// <inheritdoc/>
    public int SampleCount => _x.Rows;

    /// <summary>ρ = 2c for the loss c·‖r‖²: ∇L = ρJᵀr and the Gauss–Newton matrix is ρJᵀJ (1/n for HalfMean).</summary>
    public double CurvatureScale => 2 * _c;

    /// <summary>r = f(X; θ) − y.</summary>
    public double[] Residuals(ReadOnlySpan<double> theta)
    {
        _work.SetParameters(theta);
        var f = _work.Forward(_x);
        for (int i = 0; i < f.Length; i++) f[i] -= _y[i];
        return f;
    }

    /// <inheritdoc/>
    public double ValueAndGradient(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        var r = Residuals(theta);
        double s = 0;
        foreach (var v in r) s += v * v;
        for (int i = 0; i < r.Length; i++) r[i] *= 2 * _c;
        _work.Vjp(_x, r).CopyTo(gradient);
        return _c * s;
    }

    /// <inheritdoc/>
    public double BatchValueAndGradient(ReadOnlySpan<double> theta, ReadOnlySpan<int> samples, Span<double> gradient)
    {
        _work.SetParameters(theta);
        var xs = new Matrix(samples.Length, _x.Cols);
        for (int k = 0; k < samples.Length; k++) _x.Row(samples[k]).CopyTo(xs.Row(k));
        var f = _work.Forward(xs);
        double s = 0;
        for (int k = 0; k < samples.Length; k++)
        {
            double r = f[k] - _y[samples[k]];
            s += r * r;
            f[k] = 2 * _c * r;
        }
        _work.Vjp(xs, f).CopyTo(gradient);
        return _c * s;
    }

    /// <summary>Jv at θ (length n).</summary>
    public double[] Jvp(ReadOnlySpan<double> theta, ReadOnlySpan<double> v)
    {
        _work.SetParameters(theta);
        return _work.Jvp(_x, v);
    }

    /// <summary>Jᵀw at θ (length p).</summary>
    public double[] Vjp(ReadOnlySpan<double> theta, ReadOnlySpan<double> w)
    {
        _work.SetParameters(theta);
        return _work.Vjp(_x, w);
    }

    /// <summary>The Gauss–Newton product 2c·JᵀJv: the Hessian without the residual-curvature term Σ rᵢ∇²fᵢ.</summary>
    public double[] GaussNewtonProduct(ReadOnlySpan<double> theta, ReadOnlySpan<double> v)
    {
        _work.SetParameters(theta);
        var jv = _work.Jvp(_x, v);
        for (int i = 0; i < jv.Length; i++) jv[i] *= 2 * _c;
        return _work.Vjp(_x, jv);
    }

    /// <summary>True when <see cref="HessianVectorProduct"/> is available (the model has exact second derivatives).</summary>
    public bool HasExactHessian => _work is ITwiceDifferentiableModel;

    /// <summary>
    /// The full ∇²L(θ)·v, exact (no finite differences).
    /// </summary>
    /// <exception cref="NotSupportedException">The model has no exact second derivatives (see <see cref="HasExactHessian"/>).</exception>
    public double[] HessianVectorProduct(ReadOnlySpan<double> theta, ReadOnlySpan<double> v)
    {
        if (_work is not ITwiceDifferentiableModel twice)
            throw new NotSupportedException($"{_work.GetType().Name} has no exact second derivatives; use GaussNewtonProduct");
        _work.SetParameters(theta);
        return twice.LossHessianVectorProduct(_x, _y, Normalization, v);
    }
}

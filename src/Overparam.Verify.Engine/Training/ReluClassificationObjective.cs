using System.Globalization;
using System.Numerics;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Engine.Training;

/// <summary>The exponentially tailed classification losses of P5 (papers.md §5.2), as functions of the margin s = y·f.</summary>
public enum ClassificationLoss
{
    /// <summary>ℓ(s) = log(1 + e^{−s}), evaluated without overflow for any finite s.</summary>
    Logistic,

    /// <summary>ℓ(s) = e^{−s}.</summary>
    Exponential,
}

/// <summary>Whether <see cref="ReluClassificationObjective"/> minimises the mean loss L or its logarithm log L.</summary>
public enum LossScale
{
    /// <summary>L(θ) = (1/N)Σᵢ ℓ(yᵢfᵢ), the objective of papers.md §5.6.</summary>
    Mean,

    /// <summary>
    /// log L(θ), gradient ∇L/L, both evaluated through a log-sum-exp so that neither underflows however large the
    /// margins grow. Gradient flow on log L is gradient flow on L reparameterised in time (ds = L·dt): the same
    /// trajectory and limit direction, without the logarithmically slow tail of exponentially tailed losses after
    /// separation (papers.md §5.5). GD with step η on it is GD on L with the loss-normalised step η/L(θ_k).
    /// Once the data are separated log L ≈ −γ‖θ‖² and ‖θ‖ grows geometrically (by about 1 + 2γ̄η per step, γ̄ the
    /// normalised margin), so keep η·steps moderate: an overflow ends the run as Diverged, never silently.
    /// </summary>
    LogMean,
}

/// <summary>
/// The P5 training objective L(θ) = (1/N) Σᵢ ℓ(yᵢ f(xᵢ; θ)) of a <see cref="ReluTwoLayer"/> network on labels ±1, with
/// the subgradient that takes ReLU′(0) = 0 (papers.md §5.2, §5.6). Built for long subgradient-descent runs
/// (10⁵–10⁶ steps): <see cref="ValueAndGradient"/> allocates nothing, keeps the inputs transposed (d×N, one contiguous
/// row per feature) and vectorises over samples. Not thread-safe (scratch buffers); one instance per thread.
/// </summary>
public sealed class ReluClassificationObjective : IObjective
{
    private readonly ReluTwoLayer _model;
    private readonly double[] _xt;     // d×N: feature k of every sample in one row
    private readonly double[] _y;
    private readonly double[] _z;      // m×N pre-activations, neuron by neuron
    private readonly double[] _f;      // N outputs
    private readonly double[] _g;      // N: ℓ′(yᵢfᵢ)·yᵢ/N
    private readonly Vector<double>[] _acc;
    private readonly int _n, _d;

    /// <summary>Wraps the mean loss of <paramref name="model"/> on (x, y).</summary>
    /// <exception cref="InvalidInputException">
    /// Shapes disagree, there are no samples, an input is NaN/±∞, a label is not exactly ±1, or the scratch space
    /// (m·N pre-activations) would not fit.
    /// </exception>
    public ReluClassificationObjective(ReluTwoLayer model, Matrix x, double[] y, ClassificationLoss loss = ClassificationLoss.Logistic,
        LossScale scale = LossScale.Mean)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Cols != model.InputDimension)
            throw new InvalidInputException($"inputs have {x.Cols} columns, the network expects {model.InputDimension}");
        if (x.Rows == 0) throw new InvalidInputException("no samples");
        if (y.Length != x.Rows) throw new InvalidInputException($"{y.Length} labels for {x.Rows} input rows");
        CheckLabels(y);
        if (!x.IsFinite()) throw new InvalidInputException("inputs contain NaN or ±Infinity");
        if (!Enum.IsDefined(loss)) throw new InvalidInputException($"unknown classification loss {loss}");
        if (!Enum.IsDefined(scale)) throw new InvalidInputException($"unknown loss scale {scale}");
        Scale = scale;
        _n = x.Rows;
        _d = x.Cols;
        double scratch = (double)model.Width * _n;
        ProblemSize.Require($"training a width-{model.Width} ReLU network on N = {_n}", scratch, "the m×N pre-activations",
            scratch + (double)_n * (_d + 3));
        _model = model;
        _xt = x.Transpose().Data;
        _y = (double[])y.Clone();
        _z = new double[model.Width * _n];
        _f = new double[_n];
        _g = new double[_n];
        _acc = new Vector<double>[_d + 1];
        Loss = loss;
    }

    /// <summary>Throws <see cref="InvalidInputException"/> naming the first label that is not exactly +1 or −1.</summary>
    public static void CheckLabels(ReadOnlySpan<double> y)
    {
        for (int i = 0; i < y.Length; i++)
            if (y[i] != 1.0 && y[i] != -1.0)
                throw new InvalidInputException(
                    $"label y[{i}] is {y[i].ToString("R", CultureInfo.InvariantCulture)}; P5 classification needs labels ±1");
    }

    /// <summary>The loss ℓ.</summary>
    public ClassificationLoss Loss { get; }

    /// <summary>Whether the objective is L or log L.</summary>
    public LossScale Scale { get; }

    /// <summary>The network shape.</summary>
    public ReluTwoLayer Model => _model;

    /// <inheritdoc/>
    public int ParameterCount => _model.ParameterCount;

    /// <inheritdoc/>
    public int SampleCount => _n;

    /// <summary>ℓ(s) for margin s.</summary>
    public static double LossAt(ClassificationLoss loss, double s) => loss switch
    {
        // log(1 + e^{−s}) = max(−s, 0) + log1p(e^{−|s|}): no overflow, full accuracy for large s.
        ClassificationLoss.Logistic => Math.Max(-s, 0) + LogOnePlus(Math.Exp(-Math.Abs(s))),
        _ => Math.Exp(-s),
    };

    /// <summary>ℓ′(s) for margin s (negative: a larger margin always lowers the loss).</summary>
    public static double DerivativeAt(ClassificationLoss loss, double s)
    {
        if (loss == ClassificationLoss.Exponential) return -Math.Exp(-s);
        // −1/(1 + e^{s}), written so that neither branch overflows.
        if (s >= 0)
        {
            double e = Math.Exp(-s);
            return -e / (1 + e);
        }
        return -1 / (1 + Math.Exp(s));
    }

    /// <summary>log ℓ(s), finite for every finite s (no underflow for large margins).</summary>
    public static double LogLossAt(ClassificationLoss loss, double s)
    {
        if (loss == ClassificationLoss.Exponential) return -s;
        // log log(1 + t) with t = e^{−s}: for s > 35, log(t − t²/2 + …) = −s − t/2 + O(t²), exact to rounding.
        return s > 35 ? -s - 0.5 * Math.Exp(-s) : Math.Log(LossAt(loss, s));
    }

    /// <summary>log(−ℓ′(s)), finite for every finite s.</summary>
    public static double LogNegativeDerivativeAt(ClassificationLoss loss, double s) =>
        // −ℓ′ = e^{−s} (exponential) or 1/(1 + e^{s}), whose log is −softplus(s).
        loss == ClassificationLoss.Exponential ? -s : -(Math.Max(s, 0) + LogOnePlus(Math.Exp(-Math.Abs(s))));

    /// <summary>
    /// Writes gᵢ = ∂objective/∂fᵢ into <paramref name="g"/> from the outputs and returns the objective value:
    /// (1/N)Σℓ and ℓ′yᵢ/N for <see cref="LossScale.Mean"/>; log of (1/N)Σℓ and ℓ′(sᵢ)yᵢ/Σⱼℓ(sⱼ) through log-sum-exp for
    /// <see cref="LossScale.LogMean"/>. Only the entries in <paramref name="samples"/> (all when null) take part.
    /// </summary>
    private double OutputWeights(ReadOnlySpan<double> f, Span<double> g, ReadOnlySpan<int> samples, bool all)
    {
        int count = all ? f.Length : samples.Length;
        double invN = 1.0 / _n;
        if (Scale == LossScale.Mean)
        {
            double loss = 0;
            for (int t = 0; t < count; t++)
            {
                int i = all ? t : samples[t];
                double s = _y[i] * f[i];
                loss += LossAt(Loss, s);
                g[i] = DerivativeAt(Loss, s) * _y[i] * invN;
            }
            return loss * invN;
        }
        double max = double.NegativeInfinity;
        for (int t = 0; t < count; t++)
        {
            int i = all ? t : samples[t];
            max = Math.Max(max, LogLossAt(Loss, _y[i] * f[i]));
        }
        double z = 0;
        for (int t = 0; t < count; t++)
        {
            int i = all ? t : samples[t];
            z += Math.Exp(LogLossAt(Loss, _y[i] * f[i]) - max);
        }
        double logSum = max + Math.Log(z);
        for (int t = 0; t < count; t++)
        {
            int i = all ? t : samples[t];
            g[i] = -Math.Exp(LogNegativeDerivativeAt(Loss, _y[i] * f[i]) - logSum) * _y[i];
        }
        return logSum - Math.Log(_n);
    }

    // log(1 + t) for t ∈ [0, 1] without losing the digits of small t (the classic log1p trick).
    private static double LogOnePlus(double t)
    {
        double u = 1 + t;
        return u == 1 ? t : Math.Log(u) * t / (u - 1);
    }

    /// <inheritdoc/>
    public double ValueAndGradient(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        if (theta.Length != ParameterCount) throw new ArgumentException($"θ has {theta.Length} entries, expected {ParameterCount}", nameof(theta));
        if (gradient.Length != ParameterCount) throw new ArgumentException($"gradient has {gradient.Length} entries, expected {ParameterCount}", nameof(gradient));
        int n = _n, d = _d, m = _model.Width, w = Vector<double>.Count;
        int nv = n - n % w;
        ReadOnlySpan<double> xt = _xt;
        Span<double> z = _z, f = _f, g = _g;
        f.Clear();

        // Forward: z_j = X w₁ⱼ (vectorised over samples), f += w₂ⱼ·(z_j)₊.
        for (int j = 0; j < m; j++)
        {
            var wj = theta.Slice(j * d, d);
            double w2 = theta[m * d + j];
            var zj = z.Slice(j * n, n);
            var w2v = new Vector<double>(w2);
            int i = 0;
            for (; i < nv; i += w)
            {
                var s = Vector<double>.Zero;
                for (int k = 0; k < d; k++) s += new Vector<double>(wj[k]) * new Vector<double>(xt.Slice(k * n + i, w));
                s.CopyTo(zj.Slice(i, w));
                (new Vector<double>(f.Slice(i, w)) + w2v * Vector.Max(s, Vector<double>.Zero)).CopyTo(f.Slice(i, w));
            }
            for (; i < n; i++)
            {
                double s = 0;
                for (int k = 0; k < d; k++) s += wj[k] * xt[k * n + i];
                zj[i] = s;
                if (s > 0) f[i] += w2 * s;
            }
        }

        // The objective and its per-output weights gᵢ = ∂objective/∂fᵢ.
        double value = OutputWeights(f, g, default, all: true);

        // Backward: ∂/∂w₂ⱼ = Σᵢ gᵢ(zⱼᵢ)₊, ∂/∂w₁ⱼ = w₂ⱼ Σᵢ gᵢ 1[zⱼᵢ > 0] xᵢ (ReLU′(0) = 0).
        var acc = _acc.AsSpan();
        for (int j = 0; j < m; j++)
        {
            double w2 = theta[m * d + j];
            var zj = z.Slice(j * n, n);
            acc.Clear();
            int i = 0;
            for (; i < nv; i += w)
            {
                var zv = new Vector<double>(zj.Slice(i, w));
                var gm = Vector.ConditionalSelect(Vector.GreaterThan(zv, Vector<double>.Zero), new Vector<double>(g.Slice(i, w)), Vector<double>.Zero);
                acc[d] += gm * zv;
                for (int k = 0; k < d; k++) acc[k] += gm * new Vector<double>(xt.Slice(k * n + i, w));
            }
            double a2 = Vector.Sum(acc[d]);
            var gj = gradient.Slice(j * d, d);
            for (int k = 0; k < d; k++) gj[k] = Vector.Sum(acc[k]);
            for (; i < n; i++)
            {
                double zi = zj[i];
                if (!(zi > 0)) continue;
                a2 += g[i] * zi;
                for (int k = 0; k < d; k++) gj[k] += g[i] * xt[k * n + i];
            }
            for (int k = 0; k < d; k++) gj[k] *= w2;
            gradient[m * d + j] = a2;
        }
        return value;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Scalar reference path: the samples' terms of the mean, each weighted 1/N as in the full loss (for
    /// <see cref="LossScale.LogMean"/>, the log of that partial sum — not an unbiased estimate; meant for tests).
    /// A sample listed twice counts twice.
    /// </remarks>
    public double BatchValueAndGradient(ReadOnlySpan<double> theta, ReadOnlySpan<int> samples, Span<double> gradient)
    {
        if (theta.Length != ParameterCount) throw new ArgumentException($"θ has {theta.Length} entries, expected {ParameterCount}", nameof(theta));
        if (gradient.Length != ParameterCount) throw new ArgumentException($"gradient has {gradient.Length} entries, expected {ParameterCount}", nameof(gradient));
        int n = _n, d = _d, m = _model.Width;
        gradient.Clear();
        foreach (int i in samples)
        {
            if ((uint)i >= (uint)n) throw new ArgumentOutOfRangeException(nameof(samples), i, $"sample index outside 0..{n - 1}");
            double fi = 0;
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int k = 0; k < d; k++) s += theta[j * d + k] * _xt[k * n + i];
                if (s > 0) fi += theta[m * d + j] * s;
            }
            _f[i] = fi;
        }
        double value = OutputWeights(_f, _g, samples, all: false);
        foreach (int i in samples)
        {
            double gi = _g[i];
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int k = 0; k < d; k++) s += theta[j * d + k] * _xt[k * n + i];
                if (!(s > 0)) continue;
                double w2 = theta[m * d + j];
                for (int k = 0; k < d; k++) gradient[j * d + k] += gi * w2 * _xt[k * n + i];
                gradient[m * d + j] += gi * s;
            }
        }
        return value;
    }
}

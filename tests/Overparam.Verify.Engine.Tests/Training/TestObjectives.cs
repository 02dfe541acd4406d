using Overparam.Verify.Engine.Random;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Training;

/// <summary>Counts calls so tests can check how often a trainer evaluates.</summary>
internal abstract class CountingObjective : IObjective
{
    public int FullCalls { get; private set; }
    public int BatchCalls { get; private set; }
    public List<int[]> Batches { get; } = new();
    public bool RecordBatches { get; init; }

    public abstract int ParameterCount { get; }
    public abstract int SampleCount { get; }

    public double ValueAndGradient(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        FullCalls++;
        return Evaluate(theta, default, all: true, gradient);
    }

    public double BatchValueAndGradient(ReadOnlySpan<double> theta, ReadOnlySpan<int> samples, Span<double> gradient)
    {
        BatchCalls++;
        if (RecordBatches) Batches.Add(samples.ToArray());
        return Evaluate(theta, samples, all: false, gradient);
    }

    /// <summary>Loss and gradient over <paramref name="samples"/>, or over all samples in order when <paramref name="all"/>.</summary>
    protected abstract double Evaluate(ReadOnlySpan<double> theta, ReadOnlySpan<int> samples, bool all, Span<double> gradient);
}

/// <summary>
/// L(θ) = ½‖Xθ − y‖² = Σᵢ ½(xᵢᵀθ − yᵢ)², ∇L = Xᵀ(Xθ − y): a quadratic with Hessian XᵀX, one sample per row.
/// </summary>
internal sealed class LeastSquaresObjective : CountingObjective
{
    public LeastSquaresObjective(double[,] x, double[] y)
    {
        X = x;
        Y = y;
    }

    public double[,] X { get; }
    public double[] Y { get; }

    public override int ParameterCount => X.GetLength(1);
    public override int SampleCount => X.GetLength(0);

    protected override double Evaluate(ReadOnlySpan<double> theta, ReadOnlySpan<int> samples, bool all, Span<double> gradient)
    {
        int n = SampleCount, p = ParameterCount;
        gradient.Clear();
        double loss = 0;
        int count = all ? n : samples.Length;
        for (int s = 0; s < count; s++)
        {
            int i = all ? s : samples[s];
            double r = -Y[i];
            for (int j = 0; j < p; j++) r += X[i, j] * theta[j];
            loss += 0.5 * r * r;
            for (int j = 0; j < p; j++) gradient[j] += r * X[i, j];
        }
        return loss;
    }

    /// <summary>Gaussian X (n×p) and y = Xθ_true, a consistent system (L* = 0).</summary>
    public static LeastSquaresObjective RandomConsistent(int n, int p, ulong seed, out double[] thetaTrue)
    {
        var rng = RandomStreams.For(seed, "test/least-squares");
        var x = new double[n, p];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < p; j++)
                x[i, j] = rng.NextGaussian();
        thetaTrue = new double[p];
        rng.FillGaussian(thetaTrue);
        var y = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < p; j++)
                y[i] += x[i, j] * thetaTrue[j];
        return new LeastSquaresObjective(x, y);
    }

    public double Loss(ReadOnlySpan<double> theta) => Evaluate(theta, default, all: true, new double[ParameterCount]);
}

/// <summary>
/// Rosenbrock as a two-residual nonlinear least squares: L = ½[(10(θ₂ − θ₁²))² + (1 − θ₁)²], minimum 0 at (1, 1).
/// Nonconvex, with a curved ill-conditioned valley.
/// </summary>
internal sealed class RosenbrockObjective : CountingObjective
{
    public override int ParameterCount => 2;
    public override int SampleCount => 2;

    protected override double Evaluate(ReadOnlySpan<double> theta, ReadOnlySpan<int> samples, bool all, Span<double> gradient)
    {
        gradient.Clear();
        double loss = 0;
        int count = all ? 2 : samples.Length;
        for (int s = 0; s < count; s++)
        {
            int i = all ? s : samples[s];
            if (i == 0)
            {
                double r = 10 * (theta[1] - theta[0] * theta[0]);
                loss += 0.5 * r * r;
                gradient[0] += r * (-20 * theta[0]);
                gradient[1] += r * 10;
            }
            else
            {
                double r = 1 - theta[0];
                loss += 0.5 * r * r;
                gradient[0] += -r;
            }
        }
        return loss;
    }
}

/// <summary>L(θ) = Σᵢ |θᵢ − cᵢ| with the subgradient sign(θᵢ − cᵢ) (0 at the kink): convex, non-smooth, L* = 0.</summary>
internal sealed class L1Objective : CountingObjective
{
    private readonly double[] _c;

    public L1Objective(double[] c) => _c = c;

    public override int ParameterCount => _c.Length;
    public override int SampleCount => _c.Length;

    protected override double Evaluate(ReadOnlySpan<double> theta, ReadOnlySpan<int> samples, bool all, Span<double> gradient)
    {
        gradient.Clear();
        double loss = 0;
        int count = all ? _c.Length : samples.Length;
        for (int s = 0; s < count; s++)
        {
            int i = all ? s : samples[s];
            double d = theta[i] - _c[i];
            loss += Math.Abs(d);
            gradient[i] = Math.Sign(d);
        }
        return loss;
    }
}

/// <summary>Wraps an objective and returns NaN (loss and gradient) from the <c>FailFromCall</c>-th full call on, or wherever <c>FailWhere</c> says.</summary>
internal sealed class FailingObjective : IObjective
{
    private readonly IObjective _inner;
    private int _calls;

    public FailingObjective(IObjective inner) => _inner = inner;

    public int FailFromCall { get; init; } = int.MaxValue;
    public Func<double[], bool>? FailWhere { get; init; }
    public double FailValue { get; init; } = double.NaN;
    /// <summary>When false, a failing call returns <c>FailValue</c> as the loss but leaves the true gradient.</summary>
    public bool PoisonGradient { get; init; } = true;
    /// <summary>When true, only mini-batch calls fail (full calls stay exact).</summary>
    public bool FailBatchOnly { get; init; }

    public int ParameterCount => _inner.ParameterCount;
    public int SampleCount => _inner.SampleCount;

    public double ValueAndGradient(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        int call = _calls++;
        double v = _inner.ValueAndGradient(theta, gradient);
        return !FailBatchOnly && Fails(call, theta) ? Poison(gradient) : v;
    }

    public double BatchValueAndGradient(ReadOnlySpan<double> theta, ReadOnlySpan<int> samples, Span<double> gradient)
    {
        int call = _calls++;
        double v = _inner.BatchValueAndGradient(theta, samples, gradient);
        return Fails(call, theta) ? Poison(gradient) : v;
    }

    private bool Fails(int call, ReadOnlySpan<double> theta) =>
        call >= FailFromCall || (FailWhere is not null && FailWhere(theta.ToArray()));

    private double Poison(Span<double> gradient)
    {
        if (PoisonGradient) gradient.Fill(FailValue);
        return FailValue;
    }
}

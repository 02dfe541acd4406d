using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Convex;

public class ReluTwoLayerTests
{
    internal static Matrix Gaussian(int n, int d, ulong seed) => DataGenerators.GaussianInputs(n, d, seed);

    private static double[] Theta(ReluTwoLayer model, ulong seed)
    {
        var t = new double[model.ParameterCount];
        RandomStreams.For(seed, "test/theta").FillGaussian(t);
        return t;
    }

    // Sample counts that cross the vector width (4 or 8 doubles) and its remainder loop.
    [Theory]
    [InlineData(1, 1, 1, ClassificationLoss.Logistic)]
    [InlineData(7, 2, 5, ClassificationLoss.Logistic)]
    [InlineData(8, 3, 4, ClassificationLoss.Exponential)]
    [InlineData(9, 2, 3, ClassificationLoss.Exponential)]
    [InlineData(65, 4, 6, ClassificationLoss.Logistic)]
    public void ValueAndGradient_VectorisedPath_MatchesScalarBatchOverAllSamples(int n, int d, int m, ClassificationLoss loss)
    {
        var model = new ReluTwoLayer(m, d);
        var x = Gaussian(n, d, 3);
        var y = DataGenerators.RandomLabels(n, 3);
        var obj = new ReluClassificationObjective(model, x, y, loss);
        var theta = Theta(model, 4);
        var fast = new double[model.ParameterCount];
        var slow = new double[model.ParameterCount];
        double lf = obj.ValueAndGradient(theta, fast);
        double ls = obj.BatchValueAndGradient(theta, Enumerable.Range(0, n).ToArray(), slow);
        Assert.True(Tolerance.RoundOff.Accepts(ls, lf), $"loss {lf} vs {ls}");
        for (int q = 0; q < fast.Length; q++)
            Assert.True(Tolerance.RoundOff.Accepts(slow[q], fast[q]), $"∂θ[{q}]: {fast[q]} vs {slow[q]}");
        // And the loss against the model's own forward pass (a third, independent evaluation).
        var margins = model.Margins(x, y, theta);
        double direct = margins.Average(s => ReluClassificationObjective.LossAt(loss, s));
        Assert.True(Tolerance.RoundOff.Accepts(direct, lf), $"loss {lf} vs forward pass {direct}");
    }

    [Theory]
    [InlineData(ClassificationLoss.Logistic)]
    [InlineData(ClassificationLoss.Exponential)]
    public void ValueAndGradient_AwayFromKinks_MatchesCentralDifferences(ClassificationLoss loss)
    {
        var model = new ReluTwoLayer(4, 3);
        var x = Gaussian(10, 3, 5);
        var y = DataGenerators.RandomLabels(10, 5);
        var obj = new ReluClassificationObjective(model, x, y, loss);
        var theta = Theta(model, 6);
        var g = new double[model.ParameterCount];
        obj.ValueAndGradient(theta, g);
        const double h = 1e-6;
        var scratch = new double[model.ParameterCount];
        for (int q = 0; q < theta.Length; q++)
        {
            var tp = (double[])theta.Clone();
            var tm = (double[])theta.Clone();
            tp[q] += h;
            tm[q] -= h;
            double fd = (obj.ValueAndGradient(tp, scratch) - obj.ValueAndGradient(tm, scratch)) / (2 * h);
            Assert.True(Tolerance.FiniteDifference.Accepts(fd, g[q]), $"∂θ[{q}]: analytic {g[q]}, FD {fd}");
        }
    }

    [Fact]
    public void SampleGradient_Homogeneity_InnerProductIsTwiceOutput()
    {
        var model = new ReluTwoLayer(6, 3);
        var x = Gaussian(5, 3, 7);
        var theta = Theta(model, 8);
        var f = model.Outputs(x, theta);
        var grad = new double[model.ParameterCount];
        for (int i = 0; i < 5; i++)
        {
            model.SampleGradient(x.Row(i), theta, grad);
            double ip = Blas.Dot(theta, grad);
            Assert.True(Tolerance.RoundOff.Accepts(2 * f[i], ip), $"⟨θ, ∇f⟩ = {ip}, 2f = {2 * f[i]}");
        }
    }

    [Fact]
    public void SampleGradient_PreActivationExactlyZero_UsesZeroSubgradient()
    {
        // x = (1, 0) and w₁ = (0, 1): xᵀw₁ = 0 exactly, so ReLU′(0) = 0 switches the neuron off for this sample.
        var model = new ReluTwoLayer(1, 2);
        double[] theta = [0, 1, 3];
        var grad = new double[3];
        model.SampleGradient([1.0, 0.0], theta, grad);
        Assert.Equal(new double[3], grad);
    }

    [Fact]
    public void LossAt_ExtremeMargins_NoOverflowAndRightAsymptotics()
    {
        Assert.Equal(1000.0, ReluClassificationObjective.LossAt(ClassificationLoss.Logistic, -1000));
        Assert.Equal(Math.Exp(-40), ReluClassificationObjective.LossAt(ClassificationLoss.Logistic, 40), 1e-30);
        Assert.Equal(Math.Log(2), ReluClassificationObjective.LossAt(ClassificationLoss.Logistic, 0));
        Assert.Equal(-1.0, ReluClassificationObjective.DerivativeAt(ClassificationLoss.Logistic, -1000));
        Assert.Equal(-0.5, ReluClassificationObjective.DerivativeAt(ClassificationLoss.Logistic, 0));
        Assert.Equal(-Math.Exp(-3), ReluClassificationObjective.DerivativeAt(ClassificationLoss.Exponential, 3));
    }

    [Fact]
    public void Constructor_LabelsNotPlusMinusOne_ThrowsNamingTheLabel()
    {
        var model = new ReluTwoLayer(2, 2);
        var x = Gaussian(3, 2, 1);
        var e = Assert.Throws<InvalidInputException>(() => new ReluClassificationObjective(model, x, [1, 0, -1]));
        Assert.Contains("y[1]", e.Message, StringComparison.Ordinal);
        x[2, 1] = double.NaN;
        Assert.Throws<InvalidInputException>(() => new ReluClassificationObjective(model, x, [1, 1, -1]));
        Assert.Throws<InvalidInputException>(() => new ReluTwoLayer(0, 2));
        Assert.Throws<InvalidInputException>(() => model.SmallInitialization(1, scale: double.NaN));
    }

    [Fact]
    public void SmallInitialization_Balanced_HasZeroBalancednessAndRequestedScale()
    {
        var model = new ReluTwoLayer(50, 4);
        var theta = model.SmallInitialization(11, 1e-3, balanced: true);
        Assert.All(model.Balancedness(theta), b => Assert.True(Math.Abs(b) <= 1e-20, $"balancedness {b}"));
        double rms = Math.Sqrt(theta.Take(200).Average(t => t * t));
        Assert.InRange(rms, 0.8e-3, 1.2e-3);
        Assert.Equal(theta, model.SmallInitialization(11, 1e-3, balanced: true));
        Assert.NotEqual(theta, model.SmallInitialization(12, 1e-3, balanced: true));
    }

    [Fact]
    public void SubgradientDescent_LongRun_AllocatesNothingPerStep()
    {
        var data = DataGenerators.OrthogonallySeparable(50, 2, 1);
        var model = new ReluTwoLayer(20, 2);
        var obj = new ReluClassificationObjective(model, data.X, data.Y);
        var theta0 = model.SmallInitialization(1);
        long Allocated(long steps)
        {
            var options = new TrainerOptions { LearningRate = 0.01, Steps = steps, LogEvery = long.MaxValue };
            SubgradientDescent.Run(obj, theta0, options);
            long before = GC.GetAllocatedBytesForCurrentThread();
            SubgradientDescent.Run(obj, theta0, options);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        long small = Allocated(10), large = Allocated(5000);
        Assert.True(large - small < 2048, $"5000 steps allocated {large} bytes, 10 steps {small}");
    }

    [Fact]
    public void SubgradientDescent_OrthogonallySeparable_SeparatesAndNormalisedMarginGrows()
    {
        var data = DataGenerators.OrthogonallySeparable(10, 2, 2);
        var model = new ReluTwoLayer(10, 2);
        var obj = new ReluClassificationObjective(model, data.X, data.Y);
        var observer = new ReluTrajectoryObserver(model, data.X, data.Y, keepDirections: true);
        var result = SubgradientDescent.Run(obj, model.SmallInitialization(2),
            new TrainerOptions { LearningRate = 0.2, Steps = 20_000, LogEvery = 2000 }.ObservedBy(observer));
        Assert.Equal(TrainStatus.Completed, result.Status);
        var nm = result.Trace.Observed(ReluTrajectoryObserver.NormalizedMarginColumn);
        var losses = result.Trace.Losses();
        Assert.True(losses[^1] < 1e-2 * losses[0], $"loss {losses[0]} → {losses[^1]}");
        Assert.True(result.Trace.Observed(ReluTrajectoryObserver.MinMarginColumn)[^1] > 0, "the run must separate the data");
        // Once separated, the normalised margin is non-decreasing along the logged points (P5.R4's trend).
        int first = Array.FindIndex(nm, v => v > 0);
        for (int t = first + 1; t < nm.Length; t++)
            Assert.True(Tolerance.Rate.AcceptsAtLeast(nm[t - 1], nm[t]), $"normalised margin fell from {nm[t - 1]} to {nm[t]} at log point {t}");
        Assert.Equal(result.Trace.Count, observer.Directions.Count);
        Assert.True(Tolerance.RoundOff.Accepts(1, Math.Sqrt(observer.Directions[^1].Sum(v => v * v))));
    }

    [Fact]
    public void Balancedness_HalvedStepAtFixedTime_HalvesDrift()
    {
        // Gradient flow conserves ‖w₁ⱼ‖² − w₂ⱼ²; GD to the same time T with step η drifts O(η) in total (O(η²) per step).
        var data = DataGenerators.OrthogonallySeparable(8, 2, 3);
        var model = new ReluTwoLayer(6, 2);
        var obj = new ReluClassificationObjective(model, data.X, data.Y);
        var theta0 = model.SmallInitialization(3, scale: 0.5);
        double DriftAt(double eta)
        {
            var obs = new ReluTrajectoryObserver(model, data.X, data.Y);
            var r = SubgradientDescent.Run(obj, theta0, new TrainerOptions { LearningRate = eta, Steps = (long)Math.Round(2.0 / eta), LogEvery = long.MaxValue }.ObservedBy(obs));
            return r.Trace.Observed(ReluTrajectoryObserver.BalancednessDriftColumn)[^1];
        }
        double d1 = DriftAt(0.01), d2 = DriftAt(0.005);
        Assert.True(d1 > 0, "the test needs a run that drifts at all");
        // Halving η halves the total drift at fixed time (first order), within a generous factor.
        Assert.InRange(d2 / d1, 0.3, 0.7);
    }

    [Theory]
    [InlineData(ClassificationLoss.Logistic)]
    [InlineData(ClassificationLoss.Exponential)]
    public void LogMeanScale_ModerateMargins_IsLogOfMeanWithGradientOverL(ClassificationLoss loss)
    {
        var model = new ReluTwoLayer(5, 3);
        var x = Gaussian(9, 3, 21);
        var y = DataGenerators.RandomLabels(9, 21);
        var theta = Theta(model, 22);
        var mean = new ReluClassificationObjective(model, x, y, loss);
        var log = new ReluClassificationObjective(model, x, y, loss, LossScale.LogMean);
        var gm = new double[model.ParameterCount];
        var gl = new double[model.ParameterCount];
        double l = mean.ValueAndGradient(theta, gm);
        double ll = log.ValueAndGradient(theta, gl);
        Assert.True(Tolerance.RoundOff.Accepts(Math.Log(l), ll), $"log L {Math.Log(l)} vs {ll}");
        for (int q = 0; q < gm.Length; q++) Assert.True(Tolerance.RoundOff.Accepts(gm[q] / l, gl[q]), $"∂θ[{q}]");
        var gb = new double[model.ParameterCount];
        double lb = log.BatchValueAndGradient(theta, Enumerable.Range(0, 9).ToArray(), gb);
        Assert.True(Tolerance.RoundOff.Accepts(ll, lb));
        for (int q = 0; q < gm.Length; q++) Assert.True(Tolerance.RoundOff.Accepts(gl[q], gb[q]), $"batch ∂θ[{q}]");
    }

    [Fact]
    public void LogMeanScale_HugeMargins_StaysFiniteWhereTheMeanUnderflows()
    {
        // Scaling θ by c scales f by c²: with c = 100 the margins are ~10⁴, e^{−s} underflows to 0 and the mean
        // objective's gradient is exactly 0; log L keeps its full value −min margin + O(1) and a unit-scale gradient.
        var data = DataGenerators.OrthogonallySeparable(8, 2, 4);
        // Orthogonally separable: one neuron on the sum of each class separates (within-class products > 0, across ≤ 0).
        var model = new ReluTwoLayer(2, 2);
        var separate = new double[6];
        for (int i = 0; i < 8; i++)
        {
            int j = data.Y[i] > 0 ? 0 : 1;
            separate[2 * j] += data.X[i, 0];
            separate[2 * j + 1] += data.X[i, 1];
        }
        separate[4] = 1;
        separate[5] = -1;
        Assert.True(model.MinMargin(data.X, data.Y, separate) > 0, "the test needs a separating θ");
        var big = separate.Select(t => 100 * t).ToArray();
        var mean = new ReluClassificationObjective(model, data.X, data.Y, ClassificationLoss.Exponential);
        var log = new ReluClassificationObjective(model, data.X, data.Y, ClassificationLoss.Exponential, LossScale.LogMean);
        var g = new double[model.ParameterCount];
        Assert.Equal(0.0, mean.ValueAndGradient(big, g));
        double value = log.ValueAndGradient(big, g);
        double gamma = model.MinMargin(data.X, data.Y, big);
        Assert.True(double.IsFinite(value) && value <= -gamma + 1e-9 * gamma && value >= -gamma - Math.Log(8) - 1e-9 * gamma, $"log L {value}, γ {gamma}");
        Assert.True(g.All(double.IsFinite) && g.Any(v => v != 0));
    }
}

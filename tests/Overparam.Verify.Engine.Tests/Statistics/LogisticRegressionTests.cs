using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Engine.Statistics;

namespace Overparam.Verify.Engine.Tests.Statistics;

public class LogisticRegressionTests
{
    // BFGS stops on a gradient norm of 1e-10; the estimates then agree to about that over the curvature.
    private static readonly Tolerance OptimizerAgreement = new(1e-6, 1e-6);

    private static readonly double[] U = [-2.0, -1.2, -0.5, 0.0, 0.4, 1.1, 2.0];
    private static readonly int[] T = [10, 12, 10, 20, 10, 15, 10];
    private static readonly int[] S = [9, 10, 7, 11, 4, 3, 1];

    private static double LogLik(double b0, double b1, double[] u, int[] s, int[] t)
    {
        double ll = 0;
        for (int j = 0; j < u.Length; j++)
        {
            double p = 1 / (1 + Math.Exp(-(b0 + b1 * u[j])));
            ll += s[j] * Math.Log(p) + (t[j] - s[j]) * Math.Log(1 - p);
        }
        return ll;
    }

    private static (double I00, double I01, double I11) Information(double b0, double b1, double[] u, int[] t)
    {
        double a = 0, b = 0, c = 0;
        for (int j = 0; j < u.Length; j++)
        {
            double p = 1 / (1 + Math.Exp(-(b0 + b1 * u[j]))), w = t[j] * p * (1 - p);
            a += w; b += w * u[j]; c += w * u[j] * u[j];
        }
        return (a, b, c);
    }

    private static double PenalizedLogLik(double b0, double b1, double[] u, int[] s, int[] t)
    {
        var (a, b, c) = Information(b0, b1, u, t);
        return LogLik(b0, b1, u, s, t) + 0.5 * Math.Log(a * c - b * b);
    }

    private static Vector<double> MathNetArgMax(Func<double, double, double> f)
    {
        // Maximize by minimizing −f with BFGS on central-difference gradients.
        var objective = ObjectiveFunction.Gradient(v =>
        {
            const double h = 1e-6;
            double val = -f(v[0], v[1]);
            var g = Vector<double>.Build.Dense(2);
            g[0] = -(f(v[0] + h, v[1]) - f(v[0] - h, v[1])) / (2 * h);
            g[1] = -(f(v[0], v[1] + h) - f(v[0], v[1] - h)) / (2 * h);
            return (val, g);
        });
        var result = new BfgsMinimizer(1e-8, 1e-12, 1e-14, 1000).FindMinimum(objective, Vector<double>.Build.Dense(2));
        return result.MinimizingPoint;
    }

    [Fact]
    public void Fit_Ordinary_MatchesMathNetMaximumLikelihood()
    {
        var fit = LogisticRegression.Fit(U, S, T, firth: false);
        var oracle = MathNetArgMax((a, b) => LogLik(a, b, U, S, T));
        Assert.True(fit.Converged);
        Assert.False(fit.Separated);
        Assert.True(OptimizerAgreement.Accepts(oracle[0], fit.Intercept), $"{oracle[0]} vs {fit.Intercept}");
        Assert.True(OptimizerAgreement.Accepts(oracle[1], fit.Slope), $"{oracle[1]} vs {fit.Slope}");
        Assert.True(Tolerance.RoundOff.Accepts(LogLik(fit.Intercept, fit.Slope, U, S, T), fit.LogLikelihood));
    }

    [Fact]
    public void Fit_Ordinary_ScoreVanishesAtEstimate()
    {
        var fit = LogisticRegression.Fit(U, S, T, firth: false);
        double g0 = 0, g1 = 0;
        for (int j = 0; j < U.Length; j++)
        {
            double r = S[j] - T[j] * fit.Probability(U[j]);
            g0 += r; g1 += r * U[j];
        }
        Assert.True(Tolerance.Solver.Accepts(0, g0) && Tolerance.Solver.Accepts(0, g1), $"score ({g0}, {g1})");
    }

    [Fact]
    public void Fit_Covariance_IsInverseOfFiniteDifferenceHessian()
    {
        // Canonical link: the observed information (−Hessian of ℓ) equals the Fisher information.
        var fit = LogisticRegression.Fit(U, S, T, firth: false);
        double b0 = fit.Intercept, b1 = fit.Slope, h = 1e-4;
        double F(double a, double b) => LogLik(a, b, U, S, T);
        double h00 = -(F(b0 + h, b1) - 2 * F(b0, b1) + F(b0 - h, b1)) / (h * h);
        double h11 = -(F(b0, b1 + h) - 2 * F(b0, b1) + F(b0, b1 - h)) / (h * h);
        double h01 = -(F(b0 + h, b1 + h) - F(b0 + h, b1 - h) - F(b0 - h, b1 + h) + F(b0 - h, b1 - h)) / (4 * h * h);
        var inv = Matrix<double>.Build.DenseOfArray(new[,] { { h00, h01 }, { h01, h11 } }).Inverse();
        Assert.True(Tolerance.FiniteDifference.Accepts(inv[0, 0], fit.VarIntercept));
        Assert.True(Tolerance.FiniteDifference.Accepts(inv[0, 1], fit.CovInterceptSlope));
        Assert.True(Tolerance.FiniteDifference.Accepts(inv[1, 1], fit.VarSlope));
    }

    [Fact]
    public void Fit_Firth_MaximizesPenalizedLikelihoodByMathNet()
    {
        var fit = LogisticRegression.Fit(U, S, T, firth: true);
        var oracle = MathNetArgMax((a, b) => PenalizedLogLik(a, b, U, S, T));
        Assert.True(fit.Converged);
        Assert.True(OptimizerAgreement.Accepts(oracle[0], fit.Intercept), $"{oracle[0]} vs {fit.Intercept}");
        Assert.True(OptimizerAgreement.Accepts(oracle[1], fit.Slope), $"{oracle[1]} vs {fit.Slope}");
    }

    [Fact]
    public void Fit_Firth_ShrinksTowardZeroComparedWithOrdinary()
    {
        var ml = LogisticRegression.Fit(U, S, T, firth: false);
        var firth = LogisticRegression.Fit(U, S, T, firth: true);
        Assert.True(Math.Abs(firth.Slope) < Math.Abs(ml.Slope));
    }

    [Fact]
    public void Fit_SeparatedData_FirthIsFiniteAndFlagsSeparation()
    {
        double[] u = [-1, -0.5, 0.5, 1];
        int[] s = [10, 10, 0, 0], t = [10, 10, 10, 10];
        var fit = LogisticRegression.Fit(u, s, t, firth: true);
        Assert.True(fit.Separated);
        Assert.True(fit.Converged);
        Assert.True(double.IsFinite(fit.Slope) && fit.Slope < 0);
        var oracle = MathNetArgMax((a, b) => PenalizedLogLik(a, b, u, s, t));
        Assert.True(OptimizerAgreement.Accepts(oracle[1], fit.Slope), $"{oracle[1]} vs {fit.Slope}");
    }

    [Fact]
    public void Fit_Simulated_RecoversTrueCoefficientsWithinFourStandardErrors()
    {
        const double b0 = 0.7, b1 = -2.5;
        var rng = RandomStreams.For(11, "test/logistic");
        var u = Enumerable.Range(0, 21).Select(i => -2 + 0.2 * i).ToArray();
        var t = Enumerable.Repeat(200, u.Length).ToArray();
        var s = u.Select((x, j) => Enumerable.Range(0, t[j]).Count(_ => rng.NextDouble() < LogisticRegression.Sigmoid(b0 + b1 * x))).ToArray();
        var fit = LogisticRegression.Fit(u, s, t);
        Assert.True(Math.Abs(fit.Intercept - b0) < 4 * fit.InterceptStdError, $"{fit.Intercept} ± {fit.InterceptStdError}");
        Assert.True(Math.Abs(fit.Slope - b1) < 4 * fit.SlopeStdError, $"{fit.Slope} ± {fit.SlopeStdError}");
    }

    [Fact]
    public void Fit_OneCovariateValue_Throws()
    {
        Assert.Throws<InvalidInputException>(() => LogisticRegression.Fit([1.0, 1.0], [3, 4], [10, 10]));
    }

    [Fact]
    public void Fit_MismatchedLengths_Throws()
    {
        Assert.Throws<InvalidInputException>(() => LogisticRegression.Fit([1.0, 2.0], [3], [10, 10]));
    }

    [Fact]
    public void Sigmoid_LargeArguments_DoNotOverflow()
    {
        Assert.Equal(1.0, LogisticRegression.Sigmoid(800));
        Assert.Equal(0.0, LogisticRegression.Sigmoid(-800));
        Assert.Equal(0.5, LogisticRegression.Sigmoid(0));
    }
}

using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Models;

/// <summary>
/// Central finite differences, the test oracle for analytic derivatives: error O(h²) plus rounding O(ε/h), so
/// h ≈ 1e-5 to 1e-6 balances them for O(1) functions. The function is evaluated on a private copy of θ.
/// </summary>
public static class FiniteDifferences
{
    /// <summary>g_j ≈ (f(θ + h e_j) − f(θ − h e_j)) / 2h.</summary>
    public static double[] Gradient(Func<double[], double> f, double[] theta, double h)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(theta);
        CheckStep(h);
        var t = (double[])theta.Clone();
        var g = new double[t.Length];
        for (int j = 0; j < t.Length; j++)
        {
            double saved = t[j];
            t[j] = saved + h;
            double plus = f(t);
            t[j] = saved - h;
            double minus = f(t);
            t[j] = saved;
            g[j] = (plus - minus) / (2.0 * h);
        }
        return g;
    }

    /// <summary>J (m × p) with column j ≈ (F(θ + h e_j) − F(θ − h e_j)) / 2h for a vector function F: ℝᵖ → ℝᵐ.</summary>
    public static Matrix Jacobian(Func<double[], double[]> f, double[] theta, double h)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(theta);
        CheckStep(h);
        var t = (double[])theta.Clone();
        int m = f(t).Length, p = t.Length;
        var jac = new Matrix(m, p);
        for (int j = 0; j < p; j++)
        {
            double saved = t[j];
            t[j] = saved + h;
            var plus = f(t);
            t[j] = saved - h;
            var minus = f(t);
            t[j] = saved;
            if (plus.Length != m || minus.Length != m)
                throw new ArgumentException("the function's output length changed between evaluations", nameof(f));
            for (int i = 0; i < m; i++) jac[i, j] = (plus[i] - minus[i]) / (2.0 * h);
        }
        return jac;
    }

    private static void CheckStep(double h)
    {
        if (!(h > 0) || !double.IsFinite(h)) throw new ArgumentOutOfRangeException(nameof(h), h, "the step must be positive and finite");
    }
}

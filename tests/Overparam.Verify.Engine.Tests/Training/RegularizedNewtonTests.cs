using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Training;

/// <summary>
/// Regularized Newton and Gauss–Newton (papers.md §3.3): the dense, CG and function-space solvers agree where they
/// overlap; one fixed-damping step equals (H + λI)⁻¹∇L with H from central differences of the gradient (an oracle
/// sharing no code with the Hessian-vector product); LM never accepts a loss increase; an indefinite system under
/// fixed damping ends the run with the failing pivot named.
/// </summary>
public class RegularizedNewtonTests
{
    // Two solvers of one SPD system in float64: 1e-9 relative to the direction's size.
    private const double SolverAgreement = 1e-9;

    // Central differences with h = 1e-5 on a smooth loss: O(h²) ≈ 1e-10 plus rounding ε/h ≈ 1e-11, relative.
    private const double FiniteDifferenceAgreement = 1e-6;

    private static (ModelLeastSquares Objective, double[] Theta, Matrix X, double[] Y) Instance(int n, int width, ulong seed)
    {
        var model = Initializers.P3Shallow(1, width, 0.52, seed);
        var x = new Matrix(n, 1);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i, 0] = i / (n - 1.0);
            y[i] = 2 * x[i, 0] + 0.4 * Math.Sin(5 * Math.PI * x[i, 0]);
        }
        return (new ModelLeastSquares(model, x, y, LossNormalization.HalfMean), model.GetParameters(), x, y);
    }

    private static double[] Gradient(ModelLeastSquares o, double[] theta)
    {
        var g = new double[theta.Length];
        o.ValueAndGradient(theta, g);
        return g;
    }

    private static void AssertClose(double[] expected, double[] actual, double relative, string what)
    {
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * scale,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (scale {scale:R})");
    }

    [Theory]
    [InlineData(NewtonCurvature.Hessian)]
    [InlineData(NewtonCurvature.GaussNewton)]
    public void Dense_and_cg_agree_on_a_positive_definite_system(NewtonCurvature curvature)
    {
        var (o, theta, _, _) = Instance(8, 12, 3);
        var g = Gradient(o, theta);
        const double lambda = 0.5;   // large enough that M + λI is well conditioned
        var dense = RegularizedNewton.Solve(o, theta, g, lambda, new NewtonOptions(curvature, NewtonSolver.Dense, DampingSchedule.Fixed));
        var cg = RegularizedNewton.Solve(o, theta, g, lambda,
            new NewtonOptions(curvature, NewtonSolver.ConjugateGradient, DampingSchedule.Fixed, CgMaxIterations: 500, CgRelativeTolerance: 1e-14));
        Assert.False(dense.NegativeCurvature);
        Assert.False(cg.NegativeCurvature);
        AssertClose(dense.Direction!, cg.Direction!, SolverAgreement, $"{curvature} dense vs CG");
    }

    [Theory]
    [InlineData(1e-1)]
    [InlineData(1e-4)]
    public void Function_space_gauss_newton_equals_the_dense_step(double lambda)
    {
        // J(JᵀJ/n + λI)⁻¹Jᵀr/n = K(K + nλI)⁻¹r, and the parameter-space step is Jᵀ(K + nλI)⁻¹r: the push-through identity.
        var (o, theta, _, _) = Instance(10, 15, 5);
        var g = Gradient(o, theta);
        var dense = RegularizedNewton.Solve(o, theta, g, lambda, new NewtonOptions(NewtonCurvature.GaussNewton, NewtonSolver.Dense, DampingSchedule.Fixed));
        var fs = RegularizedNewton.Solve(o, theta, g, lambda, new NewtonOptions(NewtonCurvature.GaussNewton, NewtonSolver.FunctionSpace, DampingSchedule.Fixed));
        AssertClose(dense.Direction!, fs.Direction!, SolverAgreement * 100, $"λ = {lambda}: dense vs function space");
    }

    [Fact]
    public void One_fixed_step_equals_the_solve_with_a_finite_difference_hessian()
    {
        var (o, theta, _, _) = Instance(6, 5, 7);
        int p = theta.Length;
        var g = Gradient(o, theta);
        const double lambda = 2.0, h = 1e-5;
        var fd = new double[p, p];
        for (int j = 0; j < p; j++)
        {
            var tp = (double[])theta.Clone();
            var tm = (double[])theta.Clone();
            tp[j] += h;
            tm[j] -= h;
            var gp = Gradient(o, tp);
            var gm = Gradient(o, tm);
            for (int i = 0; i < p; i++) fd[i, j] = (gp[i] - gm[i]) / (2 * h);
        }
        var a = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(p, p, (i, j) => 0.5 * (fd[i, j] + fd[j, i]) + (i == j ? lambda : 0));
        var expected = a.Solve(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(g)).ToArray();
        var result = RegularizedNewton.Run(o, theta, new TrainerOptions { Steps = 1, LogEvery = 1 },
            new NewtonOptions(NewtonCurvature.Hessian, NewtonSolver.Dense, DampingSchedule.Fixed, Damping: lambda));
        var step = theta.Zip(result.Parameters, (t0, t1) => t0 - t1).ToArray();
        AssertClose(expected, step, FiniteDifferenceAgreement, "θ₀ − θ₁ vs (H_fd + λI)⁻¹∇L");
    }

    [Fact]
    public void Levenberg_marquardt_never_accepts_a_loss_increase()
    {
        var (o, theta, _, _) = Instance(16, 40, 11);
        var result = RegularizedNewton.Run(o, theta, new TrainerOptions { Steps = 15, LogEvery = 1 }, new NewtonOptions());
        var losses = result.Trace.Losses();
        for (int k = 1; k < losses.Length; k++)
            Assert.True(losses[k] <= losses[k - 1], $"loss rose at step {k}: {losses[k - 1]:R} → {losses[k]:R}");
        Assert.True(losses[^1] < 0.1 * losses[0], $"Newton made little progress: {losses[0]:R} → {losses[^1]:R}");
    }

    [Fact]
    public void Fixed_damping_on_an_indefinite_system_ends_the_run_naming_the_pivot()
    {
        // λ = 0 with the full Hessian of an overparameterized net: JᵀJ/n has rank ≤ n < p, so H + 0·I is singular or
        // indefinite, and the dense Cholesky fails.
        var (o, theta, _, _) = Instance(4, 30, 13);
        var result = RegularizedNewton.Run(o, theta, new TrainerOptions { Steps = 3, LogEvery = 1 },
            new NewtonOptions(NewtonCurvature.Hessian, NewtonSolver.Dense, DampingSchedule.Fixed, Damping: 0));
        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.Contains("not positive definite", result.DivergenceReason);
    }

    [Fact]
    public void Bad_options_are_refused_with_one_message()
    {
        var (o, theta, _, _) = Instance(4, 3, 1);
        var g = Gradient(o, theta);
        Assert.Throws<InvalidInputException>(() => RegularizedNewton.Solve(o, theta, g, 1.0,
            new NewtonOptions(NewtonCurvature.Hessian, NewtonSolver.FunctionSpace)));
        Assert.Throws<InvalidInputException>(() => RegularizedNewton.Solve(o, theta, g, 1.0, new NewtonOptions(Damping: double.NaN)));
        Assert.Throws<InvalidInputException>(() => new NewtonTrainer(new NewtonOptions()).Run(new RosenbrockObjective(), new double[] { 0.5, 0.5 }, new TrainerOptions { Steps = 1 }));
    }
}

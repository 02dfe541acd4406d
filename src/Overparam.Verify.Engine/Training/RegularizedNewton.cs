using System.Globalization;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Training;

/// <summary>Which curvature the regularized Newton step inverts.</summary>
public enum NewtonCurvature
{
    /// <summary>The full Hessian ∇²L (possibly indefinite).</summary>
    Hessian,

    /// <summary>The Gauss–Newton matrix ρJᵀJ (ρ = 2c for the loss c‖r‖²; 1/n for (1/2n)‖r‖²).</summary>
    GaussNewton,
}

/// <summary>How the linear system (M + λI)d = ∇L is solved.</summary>
public enum NewtonSolver
{
    /// <summary>Dense: M assembled from p exact products, Cholesky of M + λI (a failing pivot is reported).</summary>
    Dense,

    /// <summary>Conjugate gradient on exact products, zero start, stopped on negative curvature (the NNTK repository's solver).</summary>
    ConjugateGradient,

    /// <summary>Gauss–Newton only: d = Jᵀ(K + (λ/ρ)I)⁻¹r with K = JJᵀ, O(n²p + n³) instead of O(p³) (the push-through identity).</summary>
    FunctionSpace,
}

/// <summary>How the damping λ evolves.</summary>
public enum DampingSchedule
{
    /// <summary>λ fixed: every step is the exact regularized step θ − α(M + λI)⁻¹∇L.</summary>
    Fixed,

    /// <summary>
    /// Levenberg–Marquardt (the NNTK repository): accept a step only if the loss decreases, then λ ← max(0.8λ, λ_min);
    /// otherwise undo it and λ ← min(2λ, λ_max); at most MaxRetries retries; negative curvature doubles λ and retries.
    /// </summary>
    LevenbergMarquardt,
}

/// <summary>Options of the regularized Newton / Gauss–Newton trainer (papers.md §3.3; defaults are the repository's).</summary>
/// <param name="Curvature">Hessian or Gauss–Newton.</param>
/// <param name="Solver">Dense, CG or function space.</param>
/// <param name="Schedule">Fixed damping or Levenberg–Marquardt.</param>
/// <param name="Damping">λ (the starting value under LM).</param>
/// <param name="StepSize">α.</param>
/// <param name="CgMaxIterations">CG iterations per solve (10 in the repository).</param>
/// <param name="CgRelativeTolerance">CG stops at ‖residual‖ ≤ this·‖∇L‖ (1e-4 in the repository).</param>
/// <param name="MaxRetries">LM retries per step.</param>
/// <param name="DampingMin">LM floor.</param>
/// <param name="DampingMax">LM ceiling.</param>
/// <param name="DenseHessian">A closed-form dense Hessian θ ↦ ∇²L(θ) for the dense solver (e.g. P3's per-neuron block form);
/// null assembles it from p Hessian-vector products.</param>
public sealed record NewtonOptions(
    NewtonCurvature Curvature = NewtonCurvature.Hessian,
    NewtonSolver Solver = NewtonSolver.ConjugateGradient,
    DampingSchedule Schedule = DampingSchedule.LevenbergMarquardt,
    double Damping = 1e-8,
    double StepSize = 1.0,
    int CgMaxIterations = 10,
    double CgRelativeTolerance = 1e-4,
    int MaxRetries = 6,
    double DampingMin = 1e-12,
    double DampingMax = 1e2,
    Func<double[], Matrix>? DenseHessian = null)
{
    /// <summary>Throws <see cref="InvalidInputException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!(Damping >= 0) || !double.IsFinite(Damping))
            throw new InvalidInputException($"--damping must be finite and ≥ 0, got {Damping}");
        if (!(StepSize > 0) || !double.IsFinite(StepSize))
            throw new InvalidInputException($"the Newton step size α must be finite and > 0, got {StepSize}");
        if (CgMaxIterations < 1) throw new InvalidInputException($"CG needs at least one iteration, got {CgMaxIterations}");
        if (!(CgRelativeTolerance > 0)) throw new InvalidInputException($"the CG tolerance must be > 0, got {CgRelativeTolerance}");
        if (MaxRetries < 0) throw new InvalidInputException($"retries must be ≥ 0, got {MaxRetries}");
        if (!(DampingMin > 0) || !(DampingMax >= DampingMin))
            throw new InvalidInputException($"the LM damping range [{DampingMin}, {DampingMax}] is invalid");
        if (Solver == NewtonSolver.FunctionSpace && Curvature != NewtonCurvature.GaussNewton)
            throw new InvalidInputException("--solver function-space applies to gauss-newton only (the full Hessian has no function-space form)");
    }
}

/// <summary>The outcome of one linear solve (M + λI)d = g.</summary>
/// <param name="Direction">d (null when the solve failed).</param>
/// <param name="NegativeCurvature">True when M + λI was found not positive definite (a failing Cholesky pivot or pᵀ(M + λI)p ≤ 0 in CG).</param>
/// <param name="Detail">What failed, for the reason text.</param>
/// <param name="Iterations">CG iterations (0 for direct solves).</param>
public sealed record NewtonSolve(double[]? Direction, bool NegativeCurvature, string? Detail, int Iterations);

/// <summary>
/// Regularized Newton θ_{k+1} = θ_k − α(∇²L + λI)⁻¹∇L and its Gauss–Newton comparator (papers.md §3.3), on any
/// <see cref="ModelLeastSquares"/> (exact Hessian-vector products where the model has them).
/// </summary>
public static class RegularizedNewton
{
    /// <summary>One solve of (M + λI)d = g at θ with the chosen curvature and solver.</summary>
    /// <exception cref="InvalidInputException">Invalid options, or the Hessian requested of a model without exact second derivatives.</exception>
    public static NewtonSolve Solve(ModelLeastSquares objective, ReadOnlySpan<double> theta, ReadOnlySpan<double> g, double lambda,
        NewtonOptions options)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Curvature == NewtonCurvature.Hessian && !objective.HasExactHessian)
            throw new InvalidInputException("this model has no exact Hessian; use gauss-newton");
        return SolveValidated(objective, theta.ToArray(), g, lambda, options);
    }

    // The solve itself; Run validates once before its loop rather than at every step.
    private static NewtonSolve SolveValidated(ModelLeastSquares objective, double[] theta, ReadOnlySpan<double> g, double lambda,
        NewtonOptions options) => options.Solver switch
        {
            NewtonSolver.Dense => SolveDense(objective, theta, g, lambda, options),
            NewtonSolver.ConjugateGradient => SolveCg(objective, theta, g, lambda, options),
            _ => SolveFunctionSpace(objective, theta, lambda),
        };

    /// <summary>M·v for the chosen curvature (exact products).</summary>
    public static double[] Product(ModelLeastSquares objective, ReadOnlySpan<double> theta, ReadOnlySpan<double> v, NewtonCurvature curvature) =>
        curvature == NewtonCurvature.Hessian ? objective.HessianVectorProduct(theta, v) : objective.GaussNewtonProduct(theta, v);

    /// <summary>The dense symmetric M (p × p) from p exact products, symmetrized (½(M + Mᵀ)) against rounding.</summary>
    public static Matrix DenseCurvature(ModelLeastSquares objective, ReadOnlySpan<double> theta, NewtonCurvature curvature)
    {
        ArgumentNullException.ThrowIfNull(objective);
        int p = objective.ParameterCount;
        ProblemSize.Require($"the dense Newton matrix with p = {p}", (double)p * p, "the p×p curvature matrix", 2.0 * p * p);
        var m = new Matrix(p, p);
        var e = new double[p];
        for (int j = 0; j < p; j++)
        {
            e[j] = 1;
            var col = Product(objective, theta, e, curvature);
            e[j] = 0;
            for (int i = 0; i < p; i++) m[i, j] = col[i];
        }
        for (int i = 0; i < p; i++)
            for (int j = 0; j < i; j++)
                m[i, j] = m[j, i] = 0.5 * (m[i, j] + m[j, i]);
        return m;
    }

    private static NewtonSolve SolveDense(ModelLeastSquares objective, double[] theta, ReadOnlySpan<double> g, double lambda, NewtonOptions o)
    {
        var m = o.Curvature == NewtonCurvature.Hessian && o.DenseHessian is not null
            ? o.DenseHessian(theta)
            : DenseCurvature(objective, theta, o.Curvature);
        for (int i = 0; i < m.Rows; i++) m[i, i] += lambda;
        var chol = Cholesky.Factor(m);
        if (!chol.Success)
            return new NewtonSolve(null, true, string.Create(CultureInfo.InvariantCulture,
                $"M + λI is not positive definite (Cholesky pivot {chol.FailedPivot} = {chol.PivotValue:G6})"), 0);
        var d = g.ToArray();
        Cholesky.Solve(chol.L!, d);
        return new NewtonSolve(d, false, null, 0);
    }

    private static NewtonSolve SolveCg(ModelLeastSquares objective, double[] theta, ReadOnlySpan<double> g, double lambda, NewtonOptions o)
    {
        int p = g.Length;
        var x = new double[p];
        var r = g.ToArray();
        var dir = g.ToArray();
        double rr = Blas.Dot(r, r), g0 = Math.Sqrt(rr);
        if (g0 == 0) return new NewtonSolve(x, false, null, 0);
        for (int it = 0; it < o.CgMaxIterations; it++)
        {
            var ap = Product(objective, theta, dir, o.Curvature);
            for (int i = 0; i < p; i++) ap[i] += lambda * dir[i];
            double pap = Blas.Dot(dir, ap);
            if (!(pap > 0))
                return new NewtonSolve(it == 0 ? null : x, true, string.Create(CultureInfo.InvariantCulture,
                    $"negative curvature pᵀ(M + λI)p = {pap:G6} at CG iteration {it}"), it);
            double a = rr / pap;
            for (int i = 0; i < p; i++)
            {
                x[i] += a * dir[i];
                r[i] -= a * ap[i];
            }
            double rrNew = Blas.Dot(r, r);
            if (Math.Sqrt(rrNew) <= o.CgRelativeTolerance * g0) return new NewtonSolve(x, false, null, it + 1);
            double b = rrNew / rr;
            rr = rrNew;
            for (int i = 0; i < p; i++) dir[i] = r[i] + b * dir[i];
        }
        return new NewtonSolve(x, false, null, o.CgMaxIterations);
    }

    private static NewtonSolve SolveFunctionSpace(ModelLeastSquares objective, double[] theta, double lambda)
    {
        // (ρJᵀJ + λI)⁻¹ρJᵀr = Jᵀ(ρJJᵀ + λI)⁻¹ρr = Jᵀ(K + (λ/ρ)I)⁻¹r (push-through identity).
        var r = objective.Residuals(theta);
        int n = r.Length;
        var rows = new double[n][];
        var e = new double[n];
        for (int j = 0; j < n; j++)
        {
            e[j] = 1;
            rows[j] = objective.Vjp(theta, e);
            e[j] = 0;
        }
        var k = new Matrix(n, n);
        double shift = lambda / objective.CurvatureScale;
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
                k[i, j] = k[j, i] = Blas.Dot(rows[i], rows[j]) + (i == j ? shift : 0);
        var chol = Cholesky.Factor(k);
        if (!chol.Success)
            return new NewtonSolve(null, true, string.Create(CultureInfo.InvariantCulture,
                $"K + (λ/ρ)I is not positive definite (pivot {chol.FailedPivot}); λ = 0 with rank-deficient K"), 0);
        Cholesky.Solve(chol.L!, r);
        return new NewtonSolve(objective.Vjp(theta, r), false, null, 0);
    }

    /// <summary>
    /// Trains with the regularized Newton (or Gauss–Newton) step. Steps, target, logging, observers and monitoring come
    /// from <paramref name="options"/> (its learning rate is ignored: α is <see cref="NewtonOptions.StepSize"/>).
    /// Under <see cref="DampingSchedule.Fixed"/> a step whose system is not positive definite ends the run as diverged
    /// with the reason; under LM it raises λ and retries. Rejected LM steps are counted in the result.
    /// </summary>
    /// <exception cref="InvalidInputException">Invalid options.</exception>
    public static TrainResult Run(ModelLeastSquares objective, ReadOnlySpan<double> theta0, TrainerOptions options, NewtonOptions newton)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(newton);
        newton.Validate();
        if (newton.Curvature == NewtonCurvature.Hessian && !objective.HasExactHessian)
            throw new InvalidInputException("this model has no exact Hessian; use gauss-newton");
        var s = new TrainingSession(objective, theta0, options);
        int p = objective.ParameterCount;
        var theta = theta0.ToArray();
        var g = new double[p];
        var trialG = new double[p];
        double loss = s.ValueAndGradient(theta, g);
        double gn2 = TrainingSession.SumOfSquares(g);
        if (s.Check(loss, gn2, "loss", 0, double.NaN, out string? reason) == Health.NonFinite)
            return s.Finish(TrainStatus.Diverged, theta, 0, 0, reason);
        s.SetInitialLoss(loss);
        // Under LM a zero start could never grow (2·0 = 0): start from the floor instead.
        double lambda = newton.Schedule == DampingSchedule.LevenbergMarquardt ? Math.Max(newton.Damping, newton.DampingMin) : newton.Damping;
        long k = 0, rejected = 0;
        while (true)
        {
            s.ObserveLoss(k, loss, theta);
            bool converged = s.ReachedTarget(loss) || gn2 == 0;
            bool cancelled = !converged && s.CancellationRequested;
            bool last = k == options.Steps || converged || cancelled;
            if (last || s.IsLogStep(k)) s.Record(k, k, loss, gn2, theta);
            s.ReportProgress(k, options.Steps, last);
            if (last)
                return s.Finish(converged ? TrainStatus.Converged : cancelled ? TrainStatus.Cancelled : TrainStatus.Completed,
                    theta, k, k, null, rejected);

            double[]? next = null;
            double nextLoss = double.NaN;
            int retries = 0;
            while (true)
            {
                var solve = SolveValidated(objective, theta, g, lambda, newton);
                if (solve.NegativeCurvature && newton.Schedule == DampingSchedule.Fixed)
                    return s.Finish(TrainStatus.Diverged, theta, k, k, $"step {k + 1}: {solve.Detail} with fixed λ = {lambda.ToString("G6", CultureInfo.InvariantCulture)}", rejected);
                if (solve.NegativeCurvature)
                {
                    lambda = Math.Min(2 * lambda, newton.DampingMax);
                    if (++retries > newton.MaxRetries) break;
                    continue;
                }
                var d = solve.Direction!;
                var candidate = new double[p];
                bool finite = true;
                for (int i = 0; i < p; i++)
                {
                    candidate[i] = theta[i] - newton.StepSize * d[i];
                    finite &= double.IsFinite(candidate[i]);
                }
                double l = finite ? s.ValueAndGradient(candidate, trialG) : double.NaN;
                if (newton.Schedule == DampingSchedule.Fixed)
                {
                    next = candidate;
                    nextLoss = l;
                    break;
                }
                if (l < loss)
                {
                    next = candidate;
                    nextLoss = l;
                    lambda = Math.Max(0.8 * lambda, newton.DampingMin);
                    break;
                }
                lambda = Math.Min(2 * lambda, newton.DampingMax);
                if (++retries > newton.MaxRetries) break;
            }
            k++;
            if (next is null)
            {
                // Every retry failed: the iterate stays where it is (the repository's behaviour), counted as rejected.
                rejected++;
                continue;
            }
            theta = next;
            (g, trialG) = (trialG, g);
            loss = nextLoss;
            gn2 = TrainingSession.SumOfSquares(g);
            var health = s.Check(loss, gn2, "loss", k, double.NaN, out reason);
            if (health != Health.Ok)
            {
                s.ObserveLoss(k, loss, theta);
                s.Record(k, k, loss, gn2, theta);
                s.ReportProgress(k, options.Steps, final: true);
                return s.Finish(TrainStatus.Diverged, theta, k, k, reason, rejected);
            }
        }
    }
}

/// <summary>The regularized Newton / Gauss–Newton trainer behind <see cref="ITrainer"/>, with its own options record.</summary>
/// <param name="options">The Newton options (curvature, solver, damping).</param>
public sealed class NewtonTrainer(NewtonOptions options) : ITrainer
{
    /// <summary>The options this trainer runs with.</summary>
    public NewtonOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <inheritdoc/>
    public string Name => Options.Curvature == NewtonCurvature.Hessian ? "newton" : "gauss-newton";

    /// <inheritdoc/>
    /// <exception cref="InvalidInputException">The objective is not a least-squares objective over a model.</exception>
    public TrainResult Run(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options) =>
        objective is ModelLeastSquares ls
            ? RegularizedNewton.Run(ls, theta0, options, Options)
            : throw new InvalidInputException($"{Name} needs a least-squares objective over a model (residuals and curvature products)");
}

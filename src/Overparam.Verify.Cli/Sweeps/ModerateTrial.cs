using System.Diagnostics;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Cli.Sweeps;

/// <summary>The identity of one trial in a sweep.</summary>
/// <param name="N">Samples n.</param>
/// <param name="K">Hidden width k.</param>
/// <param name="Trial">Trial index within the cell (0-based).</param>
public readonly record struct TrialKey(int N, int K, int Trial);

/// <summary>What one trial produced; exactly what the run store keeps besides bookkeeping.</summary>
/// <param name="Key">Cell and trial index.</param>
/// <param name="Seed">The trial seed (<see cref="ModerateSweepSpec.TrialSeed"/>).</param>
/// <param name="Status">Trainer status, lower case (completed, converged, diverged).</param>
/// <param name="InitialLoss">½‖f(W₀) − y‖².</param>
/// <param name="FinalLoss">Loss at the last finite iterate.</param>
/// <param name="Steps">GD steps taken.</param>
/// <param name="Success">FinalLoss ≤ SuccessRatio × InitialLoss.</param>
/// <param name="LearningRate">The step η used.</param>
/// <param name="TheoryRatio">The spec's sufficient-condition ratio for this trial's data.</param>
/// <param name="WallSeconds">Time the trial took (not part of the result's identity).</param>
public sealed record TrialResult(
    TrialKey Key,
    ulong Seed,
    string Status,
    double InitialLoss,
    double FinalLoss,
    long Steps,
    bool Success,
    double LearningRate,
    double TheoryRatio,
    double WallSeconds)
{
    /// <summary>True when every field except the wall time agrees bit for bit.</summary>
    public bool SameOutcome(TrialResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with { WallSeconds = 0 } == other with { WallSeconds = 0 };
    }
}

/// <summary>
/// One trial of the P4.R4 phase-transition experiment: X (n × d) uniform on the unit sphere, random ±1 labels (or
/// teacher targets), f(x) = vᵀφ(Wx) from <see cref="Initializers.P4TwoLayer"/>, full-batch GD on ½‖f − y‖² with
/// η = StepScale/λ_max(J(W₀)J(W₀)ᵀ) (the linearized problem's safe step, stable up to StepScale &lt; 2), stopped at
/// SuccessRatio × initial loss or after the step budget. Single-threaded and deterministic given the spec and key.
/// </summary>
public static class ModerateTrial
{
    private const int PowerIterations = 200;

    /// <summary>Runs the trial.</summary>
    public static TrialResult Run(ModerateSweepSpec spec, TrialKey key)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var clock = Stopwatch.StartNew();
        ulong seed = spec.TrialSeed(key.N, key.K, key.Trial);
        var x = DataGenerators.UnitSphereInputs(key.N, spec.D, seed);
        var y = spec.Labels == LabelKind.Random
            ? DataGenerators.RandomLabels(key.N, seed)
            : DataGenerators.TeacherTargets(x, seed, ModerateSweepSpec.TeacherWidth, z => Activations.Value(spec.Activation, z));
        var model = Initializers.P4TwoLayer(spec.D, key.K, spec.Activation, spec.Nu, seed);
        double ratio = TheoryRatios.Get(spec.TheoryRatio).Evaluate(x, key.K, spec.Activation);

        var objective = new MlpObjective(model, x, y, LossNormalization.HalfSum);
        var theta0 = objective.InitialParameters();
        double initial = objective.ValueAndGradient(theta0, new double[objective.ParameterCount]);
        double lambdaMax = LargestEigenvalue(Ntk.Structured(model, x));
        // λ_max = 0 only when no unit is active on any input (relu); then no step size matters.
        double eta = lambdaMax > 0 ? spec.StepScale / lambdaMax : spec.StepScale;
        var result = Trainers.Run("gd", objective, theta0, new TrainerOptions
        {
            LearningRate = eta,
            Steps = spec.Steps,
            TargetLoss = spec.SuccessRatio * initial,
            LogEvery = spec.Steps,
        });
        double final = result.Trace.Records[^1].Loss;
        bool success = result.Status != TrainStatus.Diverged && final <= spec.SuccessRatio * initial;
        return new TrialResult(key, seed, result.Status.ToString().ToLowerInvariant(), initial, final, result.Steps, success,
            eta, ratio, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// λ_max of a symmetric positive semidefinite matrix by power iteration from the all-ones vector (deterministic;
    /// the NTK of a network at initialization has a dominant, well-separated top eigenvalue, so 200 iterations are
    /// plenty, and an underestimate only moves η toward the still-stable 2/λ_max).
    /// </summary>
    internal static double LargestEigenvalue(Matrix k)
    {
        int n = k.Rows;
        var v = new double[n];
        var w = new double[n];
        Array.Fill(v, 1.0 / Math.Sqrt(n));
        double lambda = 0;
        for (int it = 0; it < PowerIterations; it++)
        {
            Blas.Gemv(Op.None, n, n, 1.0, k.Data, v, 0.0, w);
            double next = Blas.Dot(v, w);
            double norm = Math.Sqrt(Blas.Dot(w, w));
            if (!(norm > 0)) return 0;
            for (int i = 0; i < n; i++) v[i] = w[i] / norm;
            if (Math.Abs(next - lambda) <= 1e-12 * next) { lambda = next; break; }
            lambda = next;
        }
        return lambda;
    }
}

using System.Globalization;
using Overparam.Verify.Engine.Numerics;

namespace Overparam.Verify.Engine.Training;

/// <summary>
/// Gradient flow dθ/dt = −∇L(θ), integrated by the Dormand–Prince 5(4) pair (Hairer–Nørsett–Wanner's DOPRI5)
/// with local extrapolation (the 5th-order solution is propagated), FSAL (the last stage of an accepted step is
/// the first of the next, so each step costs 6 gradient evaluations), and the standard step-size controller
/// h ← h · min(10, max(0.2, 0.9 · err^(−1/5))), no growth right after a rejection.
/// </summary>
/// <remarks>
/// <para>err is the RMS over components of the embedded error estimate divided by
/// AbsoluteTolerance + RelativeTolerance · max(|θ_i|, |θ_i,new|); a step is accepted when err ≤ 1. The trace reports
/// the integrator's time t at accepted steps (every LogEvery-th accepted step, plus the first and last); the loss
/// and gradient there are the last stage's evaluation, so nothing is evaluated twice.</para>
/// <para>A stage that returns NaN/Inf is treated as a rejected step (shrink by 0.2): a too-long step into a region
/// where the objective is undefined is not yet divergence. The run ends as Diverged when the step would have to
/// shrink below 16 ulp of t (so t could no longer advance), or when the loss at an accepted point exceeds
/// BlowUpFactor × the initial loss. With a finite EndTime the last step is clamped so that t = EndTime exactly.</para>
/// </remarks>
public static class GradientFlow
{
    private const double Safety = 0.9;
    private const double MinFactor = 0.2;
    private const double MaxFactor = 10.0;

    // Dormand–Prince 5(4) tableau; b (5th order) equals the last row of a, which is what makes FSAL possible.
    private const double A21 = 1.0 / 5;
    private const double A31 = 3.0 / 40, A32 = 9.0 / 40;
    private const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
    private const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561, A54 = -212.0 / 729;
    private const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176, A65 = -5103.0 / 18656;
    private const double A71 = 35.0 / 384, A73 = 500.0 / 1113, A74 = 125.0 / 192, A75 = -2187.0 / 6784, A76 = 11.0 / 84;

    // Error weights e = b − b̂ (5th minus embedded 4th order).
    private const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920, E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;

    /// <summary>
    /// Integrates from t = 0 until <see cref="TrainerOptions.EndTime"/>, <see cref="TrainerOptions.Steps"/>
    /// accepted steps, the target loss, an exactly zero gradient (Converged), divergence or cancellation.
    /// </summary>
    public static TrainResult Run(IObjective objective, ReadOnlySpan<double> theta0, TrainerOptions options)
    {
        var s = new TrainingSession(objective, theta0, options);
        options.ValidateFlow();
        int p = objective.ParameterCount;
        double rtol = options.RelativeTolerance, atol = options.AbsoluteTolerance;
        double endTime = options.EndTime;
        bool timeProgress = double.IsFinite(endTime);
        long maxSteps = options.Steps;

        var y = theta0.ToArray();
        var yNew = new double[p];
        var yStage = new double[p];
        var k1 = new double[p];
        var k2 = new double[p];
        var k3 = new double[p];
        var k4 = new double[p];
        var k5 = new double[p];
        var k6 = new double[p];
        var k7 = new double[p];

        // The k_i hold GRADIENTS (the vector field is −∇L), so stages subtract.
        double loss = s.ValueAndGradient(y, k1);
        double gn2 = TrainingSession.SumOfSquares(k1);
        if (s.Check(loss, gn2, "loss", 0, double.NaN, out string? reason) == Health.NonFinite)
            return s.Finish(TrainStatus.Diverged, y, 0, 0, reason);
        s.SetInitialLoss(loss);

        double h = options.InitialTimeStep > 0 ? options.InitialTimeStep : InitialStep(s, y, k1, yStage, k2, rtol, atol);
        h = Math.Min(h, options.MaxTimeStep);
        // Underflow is judged against the larger of t and the first trial step, so a NaN right at t = 0
        // ends the run after ~20 rejections instead of shrinking h into the subnormals.
        double firstStep = h;

        long accepted = 0, rejected = 0;
        double t = 0;
        bool justRejected = false;
        bool lastRejectionNonFinite = false;
        void ReportProgress(bool final)
        {
            if (timeProgress) s.ReportProgress((long)Math.Floor(1000 * (t / endTime)), 1000, final);
            else s.ReportProgress(accepted, maxSteps, final);
        }

        while (true)
        {
            s.ObserveLoss(accepted, loss, y);
            bool converged = s.ReachedTarget(loss) || gn2 == 0;
            bool cancelled = !converged && s.CancellationRequested;
            bool last = accepted == maxSteps || t >= endTime || converged || cancelled;
            if (last || s.IsLogStep(accepted)) s.Record(accepted, t, loss, gn2, y);
            ReportProgress(last);
            if (last)
            {
                var status = converged ? TrainStatus.Converged : cancelled ? TrainStatus.Cancelled : TrainStatus.Completed;
                return s.Finish(status, y, accepted, t, null, rejected);
            }

            // Attempt steps from (t, y) until one is accepted.
            while (true)
            {
                if (s.CancellationRequested)
                {
                    // The current point is finite and already checked; end here rather than mid-attempt.
                    if (s.LastRecordedStep != accepted) s.Record(accepted, t, loss, gn2, y);
                    ReportProgress(final: true);
                    return s.Finish(TrainStatus.Cancelled, y, accepted, t, null, rejected);
                }
                bool hitsEnd = false;
                if (t + h >= endTime)
                {
                    h = endTime - t;
                    hitsEnd = true;
                }
                if (!double.IsFinite(t + h))
                {
                    // Only reachable with EndTime = +∞ and a vanishing gradient: time itself has run out.
                    if (s.LastRecordedStep != accepted) s.Record(accepted, t, loss, gn2, y);
                    ReportProgress(final: true);
                    return s.Finish(TrainStatus.Completed, y, accepted, t, null, rejected);
                }

                double err = Attempt(s, y, h, k1, k2, k3, k4, k5, k6, k7, yStage, yNew, rtol, atol, out double newLoss);
                double newGn2 = double.IsNaN(err) ? double.NaN : TrainingSession.SumOfSquares(k7);
                bool finite = !double.IsNaN(err) && double.IsFinite(newLoss) && double.IsFinite(newGn2);
                if (finite && err <= 1.0)
                {
                    accepted++;
                    t = hitsEnd ? endTime : t + h;
                    (y, yNew) = (yNew, y);
                    (k1, k7) = (k7, k1);
                    loss = newLoss;
                    gn2 = newGn2;
                    var health = s.Check(loss, gn2, "loss", accepted, t, out reason);
                    if (health == Health.BlownUp)
                    {
                        s.ObserveLoss(accepted, loss, y);
                        s.Record(accepted, t, loss, gn2, y);
                        ReportProgress(final: true);
                        return s.Finish(TrainStatus.Diverged, y, accepted, t, reason, rejected);
                    }
                    double factor = err == 0 ? MaxFactor : Math.Clamp(Safety * Math.Pow(err, -0.2), MinFactor, MaxFactor);
                    if (justRejected) factor = Math.Min(factor, 1.0);
                    // A clamped final step says nothing about the step the error allows; keep the last free one.
                    if (!hitsEnd) h *= factor;
                    h = Math.Min(h, options.MaxTimeStep);
                    justRejected = false;
                    break;
                }

                rejected++;
                justRejected = true;
                lastRejectionNonFinite = !finite;
                h *= finite ? Math.Max(MinFactor, Safety * Math.Pow(err, -0.2)) : MinFactor;
                if (!(h > 16 * Tolerance.MachineEpsilon * Math.Max(Math.Abs(t), firstStep)))
                {
                    reason = string.Create(CultureInfo.InvariantCulture,
                        $"flow step size {h:G3} underflowed at t = {t:G6} (accepted step {accepted}) after ")
                        + (lastRejectionNonFinite ? "the objective returned a non-finite value" : "repeated error-control rejections");
                    if (s.LastRecordedStep != accepted) s.Record(accepted, t, loss, gn2, y);
                    ReportProgress(final: true);
                    return s.Finish(TrainStatus.Diverged, y, accepted, t, reason, rejected);
                }
            }
        }
    }

    /// <summary>
    /// One Dormand–Prince step of size h from y with k1 = ∇L(y). Writes the 5th-order point to yNew and
    /// ∇L(yNew) to k7; returns the scaled RMS error, or NaN when a stage was non-finite (remaining stages skipped).
    /// </summary>
    private static double Attempt(TrainingSession s, double[] y, double h,
        double[] k1, double[] k2, double[] k3, double[] k4, double[] k5, double[] k6, double[] k7,
        double[] yStage, double[] yNew, double rtol, double atol, out double newLoss)
    {
        int p = y.Length;
        newLoss = double.NaN;
        for (int i = 0; i < p; i++) yStage[i] = y[i] - h * (A21 * k1[i]);
        if (!Stage(s, yStage, k2)) return double.NaN;
        for (int i = 0; i < p; i++) yStage[i] = y[i] - h * (A31 * k1[i] + A32 * k2[i]);
        if (!Stage(s, yStage, k3)) return double.NaN;
        for (int i = 0; i < p; i++) yStage[i] = y[i] - h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
        if (!Stage(s, yStage, k4)) return double.NaN;
        for (int i = 0; i < p; i++) yStage[i] = y[i] - h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
        if (!Stage(s, yStage, k5)) return double.NaN;
        for (int i = 0; i < p; i++) yStage[i] = y[i] - h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
        if (!Stage(s, yStage, k6)) return double.NaN;
        bool finite = true;
        for (int i = 0; i < p; i++)
        {
            double v = y[i] - h * (A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i]);
            yNew[i] = v;
            finite &= double.IsFinite(v);
        }
        if (!finite) return double.NaN;
        newLoss = s.ValueAndGradient(yNew, k7);
        if (!double.IsFinite(newLoss)) return double.NaN;

        double sum = 0;
        for (int i = 0; i < p; i++)
        {
            double e = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
            double scale = atol + rtol * Math.Max(Math.Abs(y[i]), Math.Abs(yNew[i]));
            double r = e == 0 ? 0 : e / scale; // atol = 0 with θ_i = 0 would otherwise give 0/0
            sum += r * r;
        }
        return p == 0 ? 0 : Math.Sqrt(sum / p);
    }

    private static bool Stage(TrainingSession s, double[] yStage, double[] k)
    {
        for (int i = 0; i < yStage.Length; i++)
            if (!double.IsFinite(yStage[i])) return false;
        double v = s.ValueAndGradient(yStage, k);
        return double.IsFinite(v);
    }

    /// <summary>
    /// Hairer–Nørsett–Wanner's starting step (Solving ODEs I, §II.4): h₀ from ‖y₀‖/‖f₀‖, refined by one explicit
    /// Euler probe so that h⁵·max(‖f₀‖, ‖f′‖) ≈ 0.01 in the scaled norm.
    /// </summary>
    private static double InitialStep(TrainingSession s, double[] y0, double[] g0, double[] y1, double[] g1, double rtol, double atol)
    {
        int p = y0.Length;
        if (p == 0) return 1e-6;
        double d0 = 0, d1 = 0;
        for (int i = 0; i < p; i++)
        {
            double sc = atol + rtol * Math.Abs(y0[i]);
            d0 += (y0[i] / sc) * (y0[i] / sc);
            d1 += (g0[i] / sc) * (g0[i] / sc);
        }
        d0 = Math.Sqrt(d0 / p);
        d1 = Math.Sqrt(d1 / p);
        double h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
        for (int i = 0; i < p; i++) y1[i] = y0[i] - h0 * g0[i];
        double l1 = s.ValueAndGradient(y1, g1);
        if (!double.IsFinite(l1)) return h0 * 1e-3;
        double d2 = 0;
        for (int i = 0; i < p; i++)
        {
            double sc = atol + rtol * Math.Abs(y0[i]);
            double r = (g1[i] - g0[i]) / sc;
            d2 += r * r;
        }
        d2 = Math.Sqrt(d2 / p) / h0;
        double m = Math.Max(d1, d2);
        double h1 = m <= 1e-15 ? Math.Max(1e-6, h0 * 1e-3) : Math.Pow(0.01 / m, 0.2);
        double h = Math.Min(100 * h0, h1);
        return double.IsFinite(h) && h > 0 ? h : 1e-6;
    }
}

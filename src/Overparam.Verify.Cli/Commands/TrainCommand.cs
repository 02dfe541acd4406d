using System.CommandLine;
using System.Globalization;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.IO;
using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Cli.Commands;

/// <summary>
/// <c>overparam train --model m.json --data d.csv --optimizer gd|sgd|flow|subgradient --steps N --lr η [--batch B]
/// [--seed S] --save-model out.json --trace trace.csv</c>. Loss is ½‖f − y‖².
/// </summary>
public static class TrainCommand
{
    /// <summary>Optimizers accepted by <c>--optimizer</c>.</summary>
    public static readonly string[] Optimizers = ["gd", "sgd", "flow", "subgradient", "newton", "gauss-newton"];

    /// <summary>Trace records kept when <c>--log-every</c> is not given: every step up to this many steps, else about this many.</summary>
    public const long AutoLogRecords = 100_000;

    // One TraceRecord in memory: seven 8-byte fields, the object header and its list slot, rounded up to 16 doubles.
    private const double TraceRecordDoubles = 16;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var model = new Option<string>("--model") { Description = "Initial model (overparam.model/1 JSON)", Required = true };
        var data = new Option<string>("--data") { Description = "Training data: CSV with a 'y' column, or a folder with X.npy and y.npy", Required = true };
        var optimizer = new Option<string>("--optimizer") { Description = "gd | sgd | flow | subgradient | newton | gauss-newton", DefaultValueFactory = _ => "gd" };
        optimizer.AcceptOnlyFromAmong(Optimizers);
        var steps = new Option<long>("--steps") { Description = "Maximum steps (accepted steps for flow)", DefaultValueFactory = _ => 1000 };
        var lr = new Option<double>("--lr") { Description = "Step size η (initial time step for flow)", DefaultValueFactory = _ => 0.01 };
        var endTime = new Option<double?>("--end-time") { Description = "Flow only: integrate up to this time t" };
        var batch = new Option<int?>("--batch") { Description = "SGD mini-batch size (default: n/4, at least 1)" };
        var seed = new Option<ulong>("--seed") { Description = "Run seed (SGD batches draw from stream 'train/sgd-batches')", DefaultValueFactory = _ => 0UL };
        var logEvery = new Option<int?>("--log-every") { Description = $"Record the trace every k steps (default: every step up to {AutoLogRecords:N0} steps, else about {AutoLogRecords:N0} records)" };
        var probeNtk = new Option<bool>("--probe-ntk") { Description = "Record λ_min of the NTK at every logged step (costs one n×n eigenproblem each)" };
        var saveModel = new Option<string?>("--save-model") { Description = "Write the trained model here" };
        var trace = new Option<string?>("--trace") { Description = "Write the training trace here (CSV)" };
        var damping = new Option<double?>("--damping") { Description = "Newton/Gauss–Newton: damping λ of (M + λI)⁻¹∇L (the starting value under lm; default 1e-8)" };
        var schedule = new Option<string?>("--damping-schedule") { Description = "Newton/Gauss–Newton: fixed | lm (Levenberg–Marquardt, the NNTK repository's; default)" };
        schedule.AcceptOnlyFromAmong("fixed", "lm");
        var solver = new Option<string?>("--solver") { Description = "Newton/Gauss–Newton: dense | cg (default; ≤ 10 iterations, tolerance 1e-4) | function-space (gauss-newton only)" };
        solver.AcceptOnlyFromAmong("dense", "cg", "function-space");
        var maxSeconds = OptionRules.MaxSeconds();
        var cmd = new Command("train", "Train a model and record the loss trace. " + CliApp.RunExitHelp)
        {
            model, data, optimizer, steps, lr, endTime, batch, seed, logEvery, probeNtk, saveModel, trace, damping, schedule,
            solver, maxSeconds,
        };
        cmd.SetAction(parse =>
        {
            var opt = parse.GetRequiredValue(optimizer);
            // Options that do not apply to the chosen optimizer are refused rather than silently ignored.
            if (opt != "flow") OptionRules.RefuseIfGiven(parse, endTime, $"--optimizer {opt}", "it applies to --optimizer flow only");
            if (opt != "sgd") OptionRules.RefuseIfGiven(parse, batch, $"--optimizer {opt}", "it applies to --optimizer sgd only");
            if (opt != "sgd") OptionRules.RefuseIfGiven(parse, seed, $"--optimizer {opt}", "only sgd draws random numbers");
            bool newton = opt is "newton" or "gauss-newton";
            if (!newton)
            {
                OptionRules.RefuseIfGiven(parse, damping, $"--optimizer {opt}", "it applies to newton and gauss-newton only");
                OptionRules.RefuseIfGiven(parse, schedule, $"--optimizer {opt}", "it applies to newton and gauss-newton only");
                OptionRules.RefuseIfGiven(parse, solver, $"--optimizer {opt}", "it applies to newton and gauss-newton only");
            }
            var savePath = parse.GetValue(saveModel);
            var tracePath = parse.GetValue(trace);
            // Check output locations before the run so a bad path cannot waste a long training.
            if (savePath is not null) AtomicFile.EnsureWritableLocation(savePath, "--save-model");
            if (tracePath is not null) AtomicFile.EnsureWritableLocation(tracePath, "--trace");
            if (savePath is not null && tracePath is not null && AtomicFile.SamePath(savePath, tracePath))
                throw new OutputPathException($"--save-model and --trace name the same file '{savePath}'");
            ctx.StartBudget(parse.GetValue(maxSeconds));

            // The trainers validate these too, but name them by property (LearningRate); the user typed --lr.
            double eta = parse.GetValue(lr);
            if (!(eta > 0) || !double.IsFinite(eta)) throw Bad("--lr", "the learning rate must be positive and finite", eta);
            var maxSteps = parse.GetValue(steps);
            if (maxSteps < 0) throw Bad("--steps", "must be at least 0", maxSteps);
            double? tEnd = parse.GetValue(endTime);
            if (tEnd is double te && !(te > 0)) throw Bad("--end-time", "must be positive", te);
            int? batchSize = parse.GetValue(batch);
            if (batchSize is int bs && bs < 1) throw Bad("--batch", "must be at least 1", bs);
            int every = parse.GetValue(logEvery) ?? (int)Math.Min(int.MaxValue, Math.Max(1, (maxSteps + AutoLogRecords - 1) / AutoLogRecords));
            if (every < 1) throw Bad("--log-every", "must be at least 1", every);
            // Every logged step stays in memory as one trace record until the run ends: refuse a trace that cannot fit
            // now rather than after hours of training.
            ProblemSize.Require(string.Create(CultureInfo.InvariantCulture, $"train --steps {maxSteps} --log-every {every}"),
                0, "the trace", ((double)maxSteps / every + 2) * TraceRecordDoubles);

            var (m, d) = Inputs.Load(parse.GetRequiredValue(model), parse.GetRequiredValue(data));
            if (batchSize > d.N) throw new InvalidInputException($"--batch {batchSize}: larger than the n = {d.N} samples of the data");
            Inputs.RequireFits("train", m, d.N, parse.GetValue(probeNtk));
            var objective = new MlpObjective(m, d.X, d.Y, LossNormalization.HalfSum);
            NewtonOptions? newtonOptions = null;
            if (newton)
            {
                // α is --lr when given, else 1 (the Newton step); λ, schedule and solver as the NNTK repository's defaults.
                newtonOptions = new NewtonOptions(
                    opt == "newton" ? NewtonCurvature.Hessian : NewtonCurvature.GaussNewton,
                    parse.GetValue(solver) switch { "dense" => NewtonSolver.Dense, "function-space" => NewtonSolver.FunctionSpace, _ => NewtonSolver.ConjugateGradient },
                    parse.GetValue(schedule) == "fixed" ? DampingSchedule.Fixed : DampingSchedule.LevenbergMarquardt,
                    Damping: parse.GetValue(damping) ?? 1e-8,
                    StepSize: OptionRules.Given(parse, lr) ? eta : 1.0);
                newtonOptions.Validate();
                if (newtonOptions.Solver == NewtonSolver.Dense)
                    ProblemSize.Require($"train --solver dense with p = {m.ParameterCount}", (double)m.ParameterCount * m.ParameterCount,
                        "the p×p curvature matrix", 2.0 * m.ParameterCount * m.ParameterCount);
            }
            // An initial loss that overflows is bad input (weights or data too large), not a run that diverged.
            double loss0 = objective.ValueAndGradient(m.GetParameters(), new double[objective.ParameterCount]);
            if (!double.IsFinite(loss0))
                throw new InvalidInputException(
                    $"the initial loss ½‖f − y‖² of {Path.GetFileName(parse.GetRequiredValue(model))} on {Path.GetFileName(parse.GetRequiredValue(data))} overflows float64 (the weights or the data are too large); rescale them");
            Func<double[], double>? probe = null;
            if (parse.GetValue(probeNtk))
            {
                if (!Ntk.Structured(m, d.X).IsFinite())
                    throw new InvalidInputException("--probe-ntk: the NTK J Jᵀ of the initial model overflows float64 (the weights or the data are too large); rescale them");
                // Later iterates may blow up (a diverging run); their λ_min is then not a number, recorded as NaN.
                probe = theta =>
                {
                    var k = Ntk.Structured(objective.ModelAt(theta), d.X);
                    return k.IsFinite() ? SymmetricEigen.Eigenvalues(k)[0] : double.NaN;
                };
            }

            ITrainer trainer = newtonOptions is null ? Trainers.ByName(opt) : new NewtonTrainer(newtonOptions);
            IObjective runObjective = newtonOptions is null ? objective : new ModelLeastSquares(m, d.X, d.Y, LossNormalization.HalfSum);
            // λ_min is one observer column of the trace ("lambda_min_ntk"), written only when probed.
            ITraceObserver[] observers = probe is null ? [] : [new FunctionObserver("lambda_min_ntk", probe)];
            var result = CliProgress.Run(ctx, $"{opt} training", monitor => trainer.Run(runObjective, m.GetParameters(), new TrainerOptions
            {
                LearningRate = eta,
                Steps = maxSteps,
                EndTime = tEnd ?? double.PositiveInfinity,
                BatchSize = batchSize ?? Math.Max(1, d.N / 4),
                Seed = parse.GetValue(seed),
                LogEvery = every,
                LossProgress = monitor.Progress,
                Cancellation = monitor.Cancellation,
            }.ObservedBy(observers)));
            // A run stopped by the budget or Ctrl-C is not a result: nothing is written.
            if (result.Status == TrainStatus.Cancelled) throw new OperationCanceledException(ctx.Cancellation);

            if (savePath is not null) AtomicFile.WriteAllText(savePath, ModelFile.Serialize(objective.ModelAt(result.Parameters)));
            if (tracePath is not null) AtomicFile.Write(tracePath, w => result.Trace.WriteCsv(w));
            WriteSummary(ctx.Out, opt, result);
            if (result.Status == TrainStatus.Diverged)
            {
                ctx.Error.WriteLine($"overparam: training diverged: {result.DivergenceReason}");
                return CliApp.ExitNegativeResult;
            }
            return CliApp.ExitOk;
        });
        return cmd;
    }

    private static InvalidInputException Bad(string option, string rule, double value) =>
        new($"{option} {value.ToString("R", CultureInfo.InvariantCulture)}: {rule}");

    private static void WriteSummary(TextWriter o, string optimizer, TrainResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var recs = r.Trace.Records;
        double l0 = recs.Count > 0 ? recs[0].Loss : double.NaN, l1 = recs.Count > 0 ? recs[^1].Loss : double.NaN;
        o.WriteLine(string.Create(inv, $"optimizer    {optimizer}"));
        o.WriteLine(string.Create(inv, $"status       {r.Status.ToString().ToLowerInvariant()}"));
        o.WriteLine(string.Create(inv, $"steps        {r.Steps}   time t = {r.Time:G6}"));
        o.WriteLine(string.Create(inv, $"loss         {l0:G6} → {l1:G6}   (½‖f−y‖², exact at the logged points)"));
        if (recs.Count > 0) o.WriteLine(string.Create(inv, $"‖θ−θ₀‖₂      {recs[^1].DistanceL2:G6}"));
    }
}

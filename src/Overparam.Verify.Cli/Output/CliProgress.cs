using System.Globalization;
using Overparam.Verify.Engine;
using Spectre.Console;

namespace Overparam.Verify.Cli.Output;

/// <summary>
/// Progress on stderr for work longer than a few seconds: one line per phase, training steps with the loss and an
/// ETA. Drawn only when stderr is a terminal (<see cref="CliContext.ProgressEnabled"/>); otherwise the work runs
/// with a silent monitor that still carries the budget/Ctrl-C cancellation and names the current phase.
/// </summary>
public static class CliProgress
{
    /// <summary>Runs <paramref name="work"/> with a monitor bound to <paramref name="ctx"/>.</summary>
    public static T Run<T>(CliContext ctx, string label, Func<IRunMonitor, T> work)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(work);
        ctx.CurrentPhase = label;
        if (!ctx.ProgressEnabled) return work(new Quiet(ctx));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Interactive = InteractionSupport.Yes,
        });
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(p =>
            {
                var monitor = new Drawn(ctx, p, label);
                try
                {
                    result = work(monitor);
                }
                finally
                {
                    monitor.Close();
                }
            });
        return result;
    }

    /// <summary>Runs <paramref name="work"/> with a monitor bound to <paramref name="ctx"/>.</summary>
    public static void Run(CliContext ctx, string label, Action<IRunMonitor> work) =>
        Run(ctx, label, m =>
        {
            work(m);
            return 0;
        });

    private sealed class Quiet(CliContext ctx) : IRunMonitor
    {
        public CancellationToken Cancellation => ctx.Cancellation;

        public void Phase(string name) => ctx.CurrentPhase = name;

        public void Progress(long done, long total, double loss) => ctx.CheckDeadline();
    }

    private sealed class Drawn : IRunMonitor
    {
        private readonly CliContext _ctx;
        private readonly ProgressContext _progress;
        private readonly object _gate = new();
        private ProgressTask _task;
        private string _phase;

        public Drawn(CliContext ctx, ProgressContext progress, string label)
        {
            _ctx = ctx;
            _progress = progress;
            _phase = label;
            _task = progress.AddTask(Markup.Escape(label));
            _task.IsIndeterminate = true;
        }

        public CancellationToken Cancellation => _ctx.Cancellation;

        public void Phase(string name)
        {
            lock (_gate)
            {
                Finish(_task);
                _phase = name;
                _ctx.CurrentPhase = name;
                _task = _progress.AddTask(Markup.Escape(name));
                _task.IsIndeterminate = true;
            }
        }

        public void Progress(long done, long total, double loss)
        {
            _ctx.CheckDeadline();
            lock (_gate)
            {
                _task.IsIndeterminate = false;
                _task.MaxValue = Math.Max(1, total);
                _task.Value = Math.Min(done, total);
                _task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"{_phase}: {done}/{total}{(double.IsNaN(loss) ? "" : $", loss {loss:G4}")}"));
            }
        }

        public void Close()
        {
            lock (_gate) Finish(_task);
        }

        private static void Finish(ProgressTask task)
        {
            if (task.IsIndeterminate) task.IsIndeterminate = false;
            task.MaxValue = Math.Max(task.MaxValue, 1);
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }
}

namespace Overparam.Verify.Engine;

/// <summary>
/// Watches a long computation from outside: the phase it is in, training steps with the current loss, and whether it
/// should stop (a time budget or an interrupt). Implementations must be cheap: <see cref="Progress"/> is called up to
/// about a hundred times per training run.
/// </summary>
public interface IRunMonitor
{
    /// <summary>Signalled when the computation should stop; long loops check it and throw <see cref="OperationCanceledException"/>.</summary>
    CancellationToken Cancellation { get; }

    /// <summary>A new phase begins (e.g. "training (gd)", "α bounds along the run").</summary>
    void Phase(string name);

    /// <summary>Training progress: <paramref name="done"/> of <paramref name="total"/> steps, loss at the last step seen.</summary>
    void Progress(long done, long total, double loss);
}

/// <summary>Monitors that ignore everything.</summary>
public static class RunMonitor
{
    /// <summary>A monitor that never cancels and shows nothing.</summary>
    public static IRunMonitor None { get; } = new Silent();

    /// <summary>Throws <see cref="OperationCanceledException"/> when <paramref name="monitor"/> asks to stop.</summary>
    public static void ThrowIfStopped(IRunMonitor? monitor) => monitor?.Cancellation.ThrowIfCancellationRequested();

    private sealed class Silent : IRunMonitor
    {
        public CancellationToken Cancellation => CancellationToken.None;

        public void Phase(string name) { }

        public void Progress(long done, long total, double loss) { }
    }
}

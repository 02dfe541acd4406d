namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>
/// Runs a fixed number of parts on dedicated background threads plus the caller, one part per thread.
/// </summary>
/// <remarks>
/// Parallel.For lets the calling thread take every iteration when a pool thread is slow to start, which silently
/// serialises a kernel (seen as bimodal timings). Here part 0 always runs on the caller and parts 1.. on parked
/// workers, so the split is what the caller asked for. A nested or concurrent call finds the workers busy and runs
/// its parts one after another on its own thread; callers give each part a disjoint output, so the result does not
/// depend on which thread ran which part.
/// </remarks>
internal static class FixedParallel
{
    private static readonly object s_gate = new();
    private static Worker[] s_workers = [];
    private static int s_busy;

    /// <summary>Runs body(0) … body(parts − 1), in parallel where workers are free, and returns when all are done.</summary>
    internal static void For(int parts, Action<int> body)
    {
        if (parts <= 1 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int t = 0; t < parts; t++) body(t);
            return;
        }
        try
        {
            Worker[] workers = EnsureWorkers(Math.Min(parts - 1, Math.Max(1, Environment.ProcessorCount - 1)));
            int offloaded = Math.Min(parts - 1, workers.Length);
            var done = new Countdown(offloaded);
            for (int w = 0; w < offloaded; w++) workers[w].Start(body, w + 1, done);
            Exception? local = null;
            try
            {
                body(0);
                for (int t = offloaded + 1; t < parts; t++) body(t);
            }
            catch (Exception e)
            {
                local = e;
            }
            done.Wait();
            if (local is not null) throw local;
            if (done.Error is not null) throw new AggregateException(done.Error);
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    private static Worker[] EnsureWorkers(int count)
    {
        if (s_workers.Length >= count) return s_workers;
        lock (s_gate)
        {
            if (s_workers.Length < count)
            {
                var grown = new Worker[count];
                Array.Copy(s_workers, grown, s_workers.Length);
                for (int i = s_workers.Length; i < count; i++) grown[i] = new Worker();
                s_workers = grown;
            }
            return s_workers;
        }
    }

    private sealed class Countdown(int count)
    {
        private int _left = count;

        public Exception? Error;

        public void Signal() => Interlocked.Decrement(ref _left);

        public void Wait()
        {
            // Parts are sized to finish together, so the wait is short: spin and yield, never sleep a whole tick.
            var spin = new SpinWait();
            while (Volatile.Read(ref _left) > 0) spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    // The workers live as long as the process (one per core, reused by every kernel call); their wait handle is
    // released with the process, so there is nothing to dispose earlier.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "process-lifetime worker")]
    private sealed class Worker
    {
        // Kernels call in bursts (a blocked factorization issues hundreds of products back to back); waking a
        // blocked thread costs tens of microseconds, so a worker spins this long after each part before parking.
        private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 2000;

        private readonly SemaphoreSlim _parked = new(0);
        private Action<int>? _body;
        private int _part;
        private Countdown? _done;
        private int _pending;
        private int _sleeping;

        public Worker()
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = "Overparam BLAS worker" };
            thread.Start();
        }

        public void Start(Action<int> body, int part, Countdown done)
        {
            _body = body;
            _part = part;
            _done = done;
            Volatile.Write(ref _pending, 1);
            // Only a parked worker needs the (costly) semaphore; a spinning one sees _pending directly.
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _parked.Release();
        }

        private void Loop()
        {
            while (true)
            {
                long until = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
                // SpinOnce backs off to yielding, so a spinning worker that shares a CPU with the caller's serial
                // work (more threads than cores) hands the CPU over instead of stalling it.
                var spinner = new SpinWait();
                while (Volatile.Read(ref _pending) == 0)
                {
                    if (System.Diagnostics.Stopwatch.GetTimestamp() < until)
                    {
                        spinner.SpinOnce(sleep1Threshold: -1);
                        continue;
                    }
                    Interlocked.Exchange(ref _sleeping, 1);
                    // Re-check after announcing sleep: a Start in between either saw _sleeping (and releases) or
                    // set _pending before we read it here.
                    if (Volatile.Read(ref _pending) != 0)
                    {
                        if (Interlocked.Exchange(ref _sleeping, 0) == 0) _parked.Wait();
                        break;
                    }
                    _parked.Wait();
                    until = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
                    spinner.Reset();
                }
                Volatile.Write(ref _pending, 0);
                var done = _done!;
                try
                {
                    _body!(_part);
                }
                catch (Exception e)
                {
                    done.Error = e;
                }
                _body = null;
                _done = null;
                done.Signal();
            }
        }
    }
}

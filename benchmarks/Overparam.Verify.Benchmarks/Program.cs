using BenchmarkDotNet.Running;
using Overparam.Verify.Benchmarks;

// `quick [kernel...]` runs a Stopwatch harness for fast iteration; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "quick")
    QuickTimer.Run(args[1..]);
else
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

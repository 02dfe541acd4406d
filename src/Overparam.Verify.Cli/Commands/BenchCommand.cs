using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Cli.Commands;

/// <summary>One kernel's timing: the spread of repeats after a warm-up.</summary>
/// <param name="Kernel">Kernel name as given on the command line.</param>
/// <param name="Size">Problem size N (meaning per kernel, see <see cref="BenchCommand"/>).</param>
/// <param name="Threads">Worker threads the kernels may use.</param>
/// <param name="MedianSeconds">Median wall time of one call.</param>
/// <param name="Gflops">Flop count / median time / 1e9, or null where no standard flop count applies.</param>
/// <param name="MinSeconds">Fastest repeat.</param>
/// <param name="MaxSeconds">Slowest repeat.</param>
/// <param name="Repeats">Timed repeats.</param>
public sealed record BenchResult(string Kernel, int Size, int Threads, double MedianSeconds, double? Gflops,
    double MinSeconds = 0, double MaxSeconds = 0, int Repeats = 1);

/// <summary>
/// <c>overparam bench</c>: quick in-process timings so users see this machine's rates. BenchmarkDotNet in
/// benchmarks/ gives the careful figures; this is the one-minute version.
/// Sizes: gemm N×N·N×N; gemv N×N; syrk N×4N; chol N×N; eig/eigpairs N×N; ntk n = N samples of a d=64, widths 512,512 tanh MLP;
/// gd one full-batch gradient step (loss ½‖f − y‖², value and gradient, then θ −= ηg) of that MLP on N samples;
/// act-tanh, act-sigmoid, act-softplus σ and σ′ over an N × 512 array (vectorised and threaded), and the same with
/// "-scalar" appended for the scalar single-threaded loop they replace;
/// relu-sgd the P5 subgradient-descent run (<see cref="ReluSubgradientSteps"/> steps on log L, logistic loss) of a
/// width-200 bias-free ReLU network on N orthogonally separable samples in d = 2; convex-cert the exact d = 2
/// hyperplane arrangement of N such samples and the P5.C2 dual certificate over it (two NNLS cone projections per
/// pattern) for the multipliers λᵢ = 1/N. benchmarks/reference/p5_reference.py runs the same two loops in numpy/torch.
/// p3-gd, p3-newton, p3-gauss-newton one GD step, and one regularized Newton / Gauss–Newton step (10 CG iterations
/// on exact products), of the P3 net of width N on n = 128 points (papers.md §3.6).
/// resnet-rff the value and adjoint gradient of P1's F for N samples (d = 20, M = 1024 random Fourier features, L = 16
/// midpoint steps; benchmarks/reference/p1_reference.py is the PyTorch version).
/// </summary>
public static class BenchCommand
{
    /// <summary>Kernels accepted by the command.</summary>
    public static readonly string[] Kernels =
    [
        "gemm", "gemv", "syrk", "chol", "eig", "eigpairs", "ntk", "gd", "p3-gd", "p3-newton", "p3-gauss-newton",
        "act-tanh", "act-sigmoid", "act-softplus", "act-tanh-scalar", "act-sigmoid-scalar", "act-softplus-scalar",
        "relu-sgd", "convex-cert", "resnet-rff", "all",
    ];

    /// <summary>Steps of the relu-sgd benchmark: the issue's 10⁵.</summary>
    public const long ReluSubgradientSteps = 100_000;

    /// <summary>Hidden width m of the relu-sgd benchmark.</summary>
    public const int ReluBenchWidth = 200;

    /// <summary>The "act" group: every activation kernel, vectorised and scalar.</summary>
    private static readonly string[] ActivationKernelNames =
        ["act-tanh", "act-sigmoid", "act-softplus", "act-tanh-scalar", "act-sigmoid-scalar", "act-softplus-scalar"];

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var kernel = new Argument<string>("kernel") { Description = "Kernel to time: " + string.Join("|", Kernels) + "|act" };
        kernel.AcceptOnlyFromAmong([.. Kernels, "act"]);
        var size = new Option<int?>("--size") { Description = "Problem size N (default per kernel)" };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions after one warm-up", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per kernel" };
        var cmd = new Command("bench", "Time the engine's kernels on this machine (min, median, max of repeats).") { kernel, size, repeats, json };
        cmd.SetAction(parse =>
        {
            var k = parse.GetRequiredValue(kernel);
            var n = parse.GetValue(size);
            var r = parse.GetValue(repeats);
            if (n is <= 0) throw new InvalidInputException($"--size must be positive, got {n}");
            if (r <= 0) throw new InvalidInputException($"--repeats must be positive, got {r}");
            var names = k == "all" ? Kernels[..^1] : k == "act" ? ActivationKernelNames : [k];
            // Sizes are checked before anything is printed: a refused size writes one line to stderr and nothing else.
            if (n is int sz)
                foreach (var name in names) CheckFits(name, sz);
            if (!parse.GetValue(json)) ctx.Out.WriteLine(MachineLine());
            foreach (var name in names)
            {
                var result = Time(name, n, r);
                if (parse.GetValue(json)) ctx.Out.WriteLine(ToJson(result));
                else ctx.Out.WriteLine(ToText(result));
            }
            return CliApp.ExitOk;
        });
        return cmd;
    }

    /// <summary>Runs one kernel: builds inputs from a fixed seed, one warm-up call, then <paramref name="repeats"/> timed calls.</summary>
    public static BenchResult Time(string kernel, int? sizeOrDefault, int repeats)
    {
        var rng = RandomStreams.For(0, "bench/" + kernel);
        int n;
        double? flops;
        Action call;
        switch (kernel)
        {
            case "gemm":
                {
                    n = sizeOrDefault ?? 2048;
                    var a = Random(n, n, rng); var b = Random(n, n, rng); var c = new Matrix(n, n);
                    flops = 2.0 * n * n * n;
                    call = () => Blas.Gemm(Op.None, Op.None, n, n, n, 1.0, a.Data, b.Data, 0.0, c.Data);
                    break;
                }
            case "gemv":
                {
                    n = sizeOrDefault ?? 4000;
                    var a = Random(n, n, rng); var x = new double[n]; rng.FillGaussian(x); var y = new double[n];
                    flops = 2.0 * n * n;
                    call = () => Blas.Gemv(Op.None, n, n, 1.0, a.Data, x, 0.0, y);
                    break;
                }
            case "syrk":
                {
                    n = sizeOrDefault ?? 1000;
                    int k = 4 * n;
                    var a = Random(n, k, rng); var c = new Matrix(n, n);
                    flops = (double)n * n * k; // the symmetric half, counted as LAPACK does: n(n+1)k ≈ n²k
                    call = () => Blas.Syrk(n, k, 1.0, a.Data, 0.0, c.Data);
                    break;
                }
            case "chol":
                {
                    n = sizeOrDefault ?? 1000;
                    var spd = SpdMatrix(n, rng);
                    flops = n * (double)n * n / 3.0;
                    call = () => { if (!Cholesky.Factor(spd).Success) throw new InvalidOperationException("benchmark matrix not SPD"); };
                    break;
                }
            case "eig":
            case "eigpairs":
                {
                    n = sizeOrDefault ?? 1000;
                    var s = SpdMatrix(n, rng);
                    flops = null; // iterative: no standard flop count
                    call = kernel == "eig" ? () => SymmetricEigen.Eigenvalues(s) : () => SymmetricEigen.Decompose(s);
                    break;
                }
            default:
                return TimeModelKernel(kernel, sizeOrDefault, repeats, rng);
        }

        return Measure(kernel, n, flops, call, repeats);
    }

    // A size whose matrices cannot exist (over .NET's array limit, or beyond this machine's memory) is an input
    // error, found before any allocation rather than as an OverflowException or OutOfMemoryException mid-run.
    private static void CheckFits(string kernel, int n)
    {
        double nn = (double)n * n;
        // (largest single array, all arrays together) in doubles, roughly as Time builds them.
        var (largest, total) = kernel switch
        {
            "gemm" => (nn, 3 * nn),
            "gemv" => (nn, nn + 2.0 * n),
            "syrk" => (4 * nn, 5 * nn),
            "chol" => (nn, 3 * nn),
            "eig" or "eigpairs" => (nn, 4 * nn),
            "resnet-rff" => (1024.0 * n, 4 * 1024.0 * n + 40 * 20.0 * n), // N × M features; 2L + 1 stage states N × d
            _ => (Math.Max(nn, 512.0 * n), 4 * nn + 4 * 512.0 * n),
        };
        ProblemSize.Require(string.Create(CultureInfo.InvariantCulture, $"bench {kernel} --size {n}"), largest, "its largest matrix", total);
    }

    private static BenchResult Measure(string kernel, int n, double? flops, Action call, int repeats)
    {
        call(); // warm-up: JIT tiers, page faults, thread pool start
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            call();
            times[i] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        double median = repeats % 2 == 1 ? times[repeats / 2] : 0.5 * (times[repeats / 2 - 1] + times[repeats / 2]);
        return new BenchResult(kernel, n, Environment.ProcessorCount, median, flops is null ? null : flops / median / 1e9,
            times[0], times[^1], repeats);
    }

    private static BenchResult TimeModelKernel(string kernel, int? sizeOrDefault, int repeats, RandomStream rng)
    {
        if (kernel.StartsWith("act-", StringComparison.Ordinal))
            return TimeActivation(kernel, sizeOrDefault, repeats, rng);
        if (kernel == "gd")
            return TimeGradientStep(sizeOrDefault, repeats, rng);
        if (kernel == "relu-sgd")
            return TimeReluSubgradient(sizeOrDefault, repeats);
        if (kernel == "convex-cert")
            return TimeConvexCertificate(sizeOrDefault, repeats);
        if (kernel.StartsWith("p3-", StringComparison.Ordinal))
            return TimeShallowStep(kernel, sizeOrDefault, repeats);
        if (kernel == "resnet-rff")
            return TimeResNetRff(sizeOrDefault, repeats, rng);
        if (kernel != "ntk")
            throw new InvalidInputException($"unknown kernel '{kernel}'; expected one of {string.Join(", ", Kernels)}");
        int n = sizeOrDefault ?? 1000;
        const int d = 64;
        int[] hidden = [512, 512];
        var model = Initializers.NtkParameterization(d, hidden, ActivationKind.Tanh, seed: 0);
        var x = Random(n, d, rng);
        // Flops of the structured path: forward and backward products 2n·in·out per layer and direction,
        // plus the two Gram factors n²·in and n²·out per layer (SYRK counts), the Hadamard products being O(n²).
        double flops = 0;
        foreach (var l in model.Layers)
            flops += 4.0 * n * l.InputSize * l.OutputSize + (double)n * n * (l.InputSize + l.OutputSize);
        return Measure(kernel, n, flops, () => Ntk.Structured(model, x), repeats);
    }

    // σ and σ′ of an N × 512 array of N(0, 1) pre-activations, as one layer of the forward and backward pass uses them.
    private static BenchResult TimeActivation(string kernel, int? sizeOrDefault, int repeats, RandomStream rng)
    {
        int n = sizeOrDefault ?? 1000;
        bool scalar = kernel.EndsWith("-scalar", StringComparison.Ordinal);
        var kind = Activations.Parse(kernel["act-".Length..].Replace("-scalar", "", StringComparison.Ordinal));
        var z = Random(n, 512, rng).Data;
        var h = new double[z.Length];
        var d = new double[z.Length];
        Action call = scalar
            ? () => { Activations.Value(kind, z, h); Activations.Derivative(kind, z, d); }
        : () => { ActivationKernels.Value(kind, z, h); ActivationKernels.Derivative(kind, z, d); };
        return Measure(kernel, n, null, call, repeats);
    }

    // One full-batch gradient-descent step of the ntk benchmark's MLP on n samples with Gaussian targets.
    private static BenchResult TimeGradientStep(int? sizeOrDefault, int repeats, RandomStream rng)
    {
        int n = sizeOrDefault ?? 1000;
        const int d = 64;
        var model = Initializers.NtkParameterization(d, [512, 512], ActivationKind.Tanh, seed: 0);
        var x = Random(n, d, rng);
        var y = new double[n];
        rng.FillGaussian(y);
        var objective = new Overparam.Verify.Engine.Training.MlpObjective(model, x, y);
        var theta = objective.InitialParameters();
        var grad = new double[theta.Length];
        const double eta = 1e-3;
        return Measure("gd", n, null, () =>
        {
            objective.ValueAndGradient(theta, grad);
            Blas.Axpy(-eta, grad, theta);
        }, repeats);
    }

    // The P5 training loop as `certify convex-dual` runs it (subgradient descent on log L, logistic loss, η = 0.003,
    // initial scale 1e-3), without the trace observer: N orthogonally separable samples in d = 2, width 200.
    private static BenchResult TimeReluSubgradient(int? sizeOrDefault, int repeats)
    {
        int n = sizeOrDefault ?? 50;
        var data = Overparam.Verify.Engine.Data.DataGenerators.OrthogonallySeparable(n, 2, seed: 0);
        var model = new ReluTwoLayer(ReluBenchWidth, 2);
        var objective = new Overparam.Verify.Engine.Training.ReluClassificationObjective(model, data.X, data.Y,
            Overparam.Verify.Engine.Training.ClassificationLoss.Logistic, Overparam.Verify.Engine.Training.LossScale.LogMean);
        var theta0 = model.SmallInitialization(0);
        var options = new Overparam.Verify.Engine.Training.TrainerOptions
        {
            LearningRate = 0.003,
            Steps = ReluSubgradientSteps,
            LogEvery = ReluSubgradientSteps,
        };
        return Measure("relu-sgd", n, null, () => Overparam.Verify.Engine.Training.SubgradientDescent.Run(objective, theta0, options), repeats);
    }

    // Arrangement (exact angle sweep) plus the dual certificate over it, as P5.C4 and P5.C2 compute them.
    private static BenchResult TimeConvexCertificate(int? sizeOrDefault, int repeats)
    {
        int n = sizeOrDefault ?? 50;
        var data = Overparam.Verify.Engine.Data.DataGenerators.OrthogonallySeparable(n, 2, seed: 0);
        var lambda = new double[n];
        Array.Fill(lambda, 1.0 / n);
        return Measure("convex-cert", n, null, () =>
        {
            var arrangement = Overparam.Verify.Engine.Convex.HyperplaneArrangements.Enumerate(data.X);
            Overparam.Verify.Engine.Convex.DualCertificate.Evaluate(data.X, data.Y, lambda, arrangement);
        }, repeats);
    }

    // One step of the P3 net f(x) = N^(−β)Σ cᵢ tanh(wᵢx + ηᵢ), β = 0.52, on n = 128 equispaced x with the
    // newton-vs-gd target (papers.md §3.6), N = size (default 1000, p = 3N): GD (value, gradient, θ −= ηg), or a
    // regularized Newton / Gauss–Newton step (value and gradient, exactly 10 CG iterations on exact curvature-vector
    // products with λ = 10·N^(1−2β), large enough that H + λI is positive definite at θ₀ on this target, then the candidate's loss and gradient, as the next step needs them). The
    // PyTorch reference (benchmarks/reference/torch_reference.py) does the same work with double backward.
    private static BenchResult TimeShallowStep(string kernel, int? sizeOrDefault, int repeats)
    {
        int width = sizeOrDefault ?? 1000;
        const int n = 128;
        const double beta = 0.52;
        ProblemSize.Require(string.Create(CultureInfo.InvariantCulture, $"bench {kernel} --size {width}"), (double)n * width, "its n×N activations", 40.0 * width + 6.0 * n * width);
        var x = new Matrix(n, 1);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double t = (double)i / (n - 1);
            x[i, 0] = t;
            y[i] = 4 * t + Math.Sin(2 * Math.PI * t) + 0.8 * (Math.Sin(8 * Math.PI * t) + Math.Sin(10 * Math.PI * t) + Math.Sin(16 * Math.PI * t));
        }
        var model = Initializers.P3Shallow(1, width, beta, seed: 0);
        var objective = new Overparam.Verify.Engine.Training.ModelLeastSquares(model, x, y, LossNormalization.HalfMean);
        var theta = model.GetParameters();
        var grad = new double[theta.Length];
        if (kernel == "p3-gd")
        {
            const double eta = 1e-2;
            return Measure(kernel, width, null, () =>
            {
                objective.ValueAndGradient(theta, grad);
                Blas.Axpy(-eta, grad, theta);
            }, repeats);
        }
        if (kernel != "p3-newton" && kernel != "p3-gauss-newton")
            throw new InvalidInputException($"unknown kernel '{kernel}'; expected one of {string.Join(", ", Kernels)}");
        var options = new Overparam.Verify.Engine.Training.NewtonOptions(
            kernel == "p3-newton" ? Overparam.Verify.Engine.Training.NewtonCurvature.Hessian : Overparam.Verify.Engine.Training.NewtonCurvature.GaussNewton,
            Overparam.Verify.Engine.Training.NewtonSolver.ConjugateGradient,
            Overparam.Verify.Engine.Training.DampingSchedule.Fixed,
            CgRelativeTolerance: double.Epsilon);
        double lambda = 10 * Math.Pow(width, 1 - 2 * beta);
        var candidate = new double[theta.Length];
        var candidateGrad = new double[theta.Length];
        // θ stays at θ₀: every repeat times the same step (the candidate is evaluated, not accepted).
        return Measure(kernel, width, null, () =>
        {
            objective.ValueAndGradient(theta, grad);
            var solve = Overparam.Verify.Engine.Training.RegularizedNewton.Solve(objective, theta, grad, lambda, options);
            if (solve.Direction is null || solve.Iterations != options.CgMaxIterations)
                throw new InvalidOperationException($"benchmark CG stopped early: {solve.Detail}");
            for (int i = 0; i < theta.Length; i++) candidate[i] = theta[i] - solve.Direction[i];
            objective.ValueAndGradient(candidate, candidateGrad);
        }, repeats);
    }

    // P1 (issue 13, "Speed"): F(U) and its gradient by the discrete adjoint, one forward and one backward pass, for
    // the ResNet over M = 1024 Gaussian random Fourier features in d = 20, L = 16 midpoint steps, A = I, B (1 × d),
    // U entries N(0, 0.1²) so the flow is not the identity: the shape of benchmarks/reference/p1_reference.py.
    private static BenchResult TimeResNetRff(int? sizeOrDefault, int repeats, RandomStream rng)
    {
        int n = sizeOrDefault ?? 500;
        const int d = 20, features = 1024, depth = 16;
        const double bandwidth = 1.0, residualScale = 0.1;
        var fm = FeatureMap.Gaussian(d, features, bandwidth, seed: 0);
        var model = ResNetRff.Create(d, 1, fm, depth, seed: 0);
        var x = Random(n, d, rng);
        foreach (ref double v in x.Data.AsSpan()) v /= Math.Sqrt(d);
        var y = Random(n, 1, rng);
        var objective = new Overparam.Verify.Engine.Training.ResNetRffLeastSquares(model, x, y);
        var theta = new double[objective.ParameterCount];
        rng.FillGaussian(theta, 0.0, residualScale);
        var grad = new double[theta.Length];
        return Measure("resnet-rff", n, null, () => objective.ValueAndGradient(theta, grad), repeats);
    }

    /// <summary>The machine the figures come from: CPU model, cores, the engine's SIMD path and thread budget.</summary>
    public static string MachineLine() =>
        string.Create(CultureInfo.InvariantCulture,
            $"# cpu: {CpuModel()}; cores: {Environment.ProcessorCount}; simd: {SimdInfo.Name}; threads: {Blas.MaxThreads}; .NET {Environment.Version}");

    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            // fall through to the environment
        }
        return Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER") ?? "unknown";
    }

    private static Matrix Random(int rows, int cols, RandomStream rng)
    {
        var m = new Matrix(rows, cols);
        rng.FillGaussian(m.Data);
        return m;
    }

    private static Matrix SpdMatrix(int n, RandomStream rng)
    {
        var g = Random(n, n, rng);
        var s = Blas.Gram(g);
        for (int i = 0; i < n; i++) s[i, i] += n; // well conditioned: eigenvalues ≥ n
        return s;
    }

    /// <summary>The JSON form promised by the issue: kernel, size, threads, medianSeconds, gflops (null where meaningless).</summary>
    public static string ToJson(BenchResult r)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("kernel", r.Kernel);
            w.WriteNumber("size", r.Size);
            w.WriteNumber("threads", r.Threads);
            w.WriteNumber("medianSeconds", r.MedianSeconds);
            w.WriteNumber("minSeconds", r.MinSeconds);
            w.WriteNumber("maxSeconds", r.MaxSeconds);
            w.WriteNumber("repeats", r.Repeats);
            w.WriteString("simd", SimdInfo.Name);
            if (r.Gflops is double g) w.WriteNumber("gflops", g); else w.WriteNull("gflops");
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string ToText(BenchResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var rate = r.Gflops is double g ? string.Format(inv, "  {0,8:F1} GFLOP/s", g) : "  (no flop count)";
        return string.Format(inv, "{0,-19} N={1,-6} threads={2}  median {3,10:F3} ms  (min {4:F3}, max {5:F3}, {6} repeats)",
            r.Kernel, r.Size, r.Threads, r.MedianSeconds * 1e3, r.MinSeconds * 1e3, r.MaxSeconds * 1e3, r.Repeats) + rate;
    }
}

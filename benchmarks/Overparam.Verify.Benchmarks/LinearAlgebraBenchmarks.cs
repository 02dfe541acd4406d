using BenchmarkDotNet.Attributes;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Benchmarks;

// Issue targets (float64, 2 threads): GEMM 2048³ ≥ 135 GFLOP/s, SYRK 1000×4000 ≤ 60 ms, Cholesky n=1000 ≤ 10 ms,
// eigenvalues n=1000 ≤ 100 ms, eigenpairs n=1000 ≤ 200 ms, GEMV 4000² ≥ 10 GFLOP/s.
// GFLOP/s = 2·m·n·k / mean time (GEMM), 2·m·n / mean time (GEMV).

[MemoryDiagnoser]
public class GemmBenchmarks
{
    private const int N = 2048;
    private double[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        Blas.MaxThreads = 2;
        _a = QuickTimer.Random(N * N, "a");
        _b = QuickTimer.Random(N * N, "b");
        _c = new double[N * N];
    }

    [Benchmark(Description = "GEMM 2048³ A·B")]
    public void Gemm() => Blas.Gemm(Op.None, Op.None, N, N, N, 1.0, _a, _b, 0.0, _c);

    [Benchmark(Description = "GEMM 2048³ A·Bᵀ")]
    public void GemmNt() => Blas.Gemm(Op.None, Op.Transpose, N, N, N, 1.0, _a, _b, 0.0, _c);
}

[MemoryDiagnoser]
public class SyrkBenchmarks
{
    private const int N = 1000, K = 4000;
    private double[] _a = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        Blas.MaxThreads = 2;
        _a = QuickTimer.Random(N * K, "a");
        _c = new double[N * N];
    }

    [Benchmark(Description = "SYRK 1000×4000")]
    public void Syrk() => Blas.Syrk(N, K, 1.0, _a, 0.0, _c);
}

[MemoryDiagnoser]
public class CholeskyBenchmarks
{
    private Matrix _spd = new(0, 0);

    [GlobalSetup]
    public void Setup()
    {
        Blas.MaxThreads = 2;
        _spd = QuickTimer.Spd(1000);
    }

    [Benchmark(Description = "Cholesky 1000")]
    public CholeskyResult Factor() => Cholesky.Factor(_spd);
}

[MemoryDiagnoser]
public class EigenBenchmarks
{
    private Matrix _a = new(0, 0);

    [GlobalSetup]
    public void Setup()
    {
        Blas.MaxThreads = 2;
        _a = QuickTimer.Spd(1000);
    }

    [Benchmark(Description = "Eigenvalues 1000")]
    public double[] Values() => SymmetricEigen.Eigenvalues(_a);

    [Benchmark(Description = "Extreme eigenvalues 1000")]
    public (double, double) Extremes() => SymmetricEigen.ExtremeEigenvalues(_a);

    [Benchmark(Description = "Eigenpairs 1000")]
    public EigenDecomposition Pairs() => SymmetricEigen.Decompose(_a);
}

[MemoryDiagnoser]
public class GemvBenchmarks
{
    private const int N = 4000;
    private double[] _a = [], _x = [], _y = [];

    [GlobalSetup]
    public void Setup()
    {
        Blas.MaxThreads = 2;
        _a = QuickTimer.Random(N * N, "a");
        _x = QuickTimer.Random(N, "x");
        _y = new double[N];
    }

    [Benchmark(Description = "GEMV 4000² A·x")]
    public void Gemv() => Blas.Gemv(Op.None, N, N, 1.0, _a, _x, 0.0, _y);

    [Benchmark(Description = "GEMV 4000² Aᵀ·x")]
    public void GemvT() => Blas.Gemv(Op.Transpose, N, N, 1.0, _a, _x, 0.0, _y);
}

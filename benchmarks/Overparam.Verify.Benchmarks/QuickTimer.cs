using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Benchmarks;

/// <summary>Median-of-N Stopwatch timings of each benchmark target, for quick iteration (not a substitute for BDN).</summary>
public static class QuickTimer
{
    public static void Run(string[] which)
    {
        Blas.MaxThreads = int.TryParse(Environment.GetEnvironmentVariable("QUICK_THREADS"), out var th) ? th : 2;
        int gn = int.TryParse(Environment.GetEnvironmentVariable("QUICK_GEMM_N"), out var gnv) ? gnv : 2048;
        bool All(string name) => which.Length == 0 || which.Contains(name);
        if (All("gemm"))
        {
            int n = gn;
            var a = Random(n * n, "a"); var b = Random(n * n, "b"); var c = new double[n * n];
            Time("GEMM 2048³", 2.0 * n * n * n, 5, () => Blas.Gemm(Op.None, Op.None, n, n, n, 1, a, b, 0, c));
            Time("GEMM 2048³ A·Bᵀ", 2.0 * n * n * n, 3, () => Blas.Gemm(Op.None, Op.Transpose, n, n, n, 1, a, b, 0, c));
            Time("GEMM 2048³ Aᵀ·B", 2.0 * n * n * n, 3, () => Blas.Gemm(Op.Transpose, Op.None, n, n, n, 1, a, b, 0, c));
        }
        if (which.Contains("kernel")) KernelRate();
        if (which.Contains("k412")) KernelRate4x12();
        if (which.Contains("kab")) for (int r = 0; r < 6; r++) { KernelRate(); KernelRate4x12(); }
        if (which.Contains("alloc"))
        {
            var spd = Spd(1000);
            Time("alloc+copy 1000", 0, 21, () => { var m = new Matrix(1000, 1000); for (int i = 0; i < 1000; i++) spd.Data.AsSpan(i * 1000, i + 1).CopyTo(m.Data.AsSpan(i * 1000)); });
            Time("copy only 1000", 0, 21, () => { var m = spd.Clone(); });
        }
        if (which.Contains("small"))
        {
            int m = 96, n = 64, k = 256;
            var a = Random(m * k, "a"); var b = Random(k * n, "b"); var c = new double[m * n];
            Time("GEMM 96×64×256 ×1000", 2000.0 * m * n * k, 5, () => { for (int i = 0; i < 1000; i++) Blas.Gemm(Op.None, Op.None, m, n, k, 1, a, b, 0, c); });
        }
        if (which.Contains("mid"))
        {
            var a = Random(1000 * 1000, "a"); var b = Random(1000 * 1000, "b"); var c = Random(1000 * 1000, "c");
            foreach (var (m, n, k) in new[] { (504, 248, 248), (504, 124, 124), (504, 56, 64), (256, 256, 256) })
            {
                Time($"GEMM NT {m}×{n}×{k} ld1000", 2.0 * m * n * k, 21, () => Blas.Gemm(Op.None, Op.Transpose, m, n, k, -1, a, 1000, b, 1000, 1, c, 1000));
                Time($"GEMM NN {m}×{n}×{k} ld1000", 2.0 * m * n * k, 21, () => Blas.Gemm(Op.None, Op.None, m, n, k, -1, a, 1000, b, 1000, 1, c, 1000));
            }
        }
        if (All("syrk"))
        {
            int n = 1000, k = 4000;
            var a = Random(n * k, "a"); var c = new double[n * n];
            Time("SYRK 1000×4000", 1.0 * n * (n + 1) * k, 7, () => Blas.Syrk(n, k, 1, a, 0, c));
        }
        if (All("chol"))
        {
            var spd = Spd(1000);
            Time("Cholesky 1000", 1000.0 * 1000 * 1000 / 3, 9, () => Cholesky.Factor(spd));
        }
        if (All("eig"))
        {
            var s = Spd(1000);
            Time("Eigenvalues 1000", 0, 5, () => SymmetricEigen.Eigenvalues(s));
            Time("Extreme eigenvalues 1000", 0, 5, () => SymmetricEigen.ExtremeEigenvalues(s));
            Time("Eigenpairs 1000", 0, 5, () => SymmetricEigen.Decompose(s));
        }
        if (which.Contains("eigparts"))
        {
            var s = Spd(1000);
            int n = 1000;
            double[] w = new double[n * n], d = new double[n], e = new double[n], tau = new double[n];
            Time("Tridiagonalize 1000", 4.0 / 3 * n * n * n, 5, () => { Array.Copy(s.Data, w, w.Length); SymmetricEigen.Tridiagonalize(w, n, d, e, tau); });
            double[] d2 = new double[n], e2 = new double[n];
            Time("QL values 1000", 0, 5, () => { Array.Copy(d, d2, n); Array.Copy(e, e2, n); SymmetricEigen.Ql(d2, e2, n, null); });
            Time("FormQt 1000", 4.0 / 3 * n * n * n, 5, () => SymmetricEigen.FormQTransposed(w, n, tau));
            var z = new double[n * n];
            Time("D&C tridiagonal 1000", 0, 5, () => { Array.Copy(d, d2, n); Array.Copy(e, e2, n); TridiagonalDivideConquer.Solve(d2, e2, n, z); });
            var z2 = new double[n * n];
            Time("ApplyQ 1000", 2.0 * n * n * n, 5, () => { Array.Copy(z, z2, z.Length); SymmetricEigen.ApplyQ(w, n, tau, z2); });
        }
        if (All("gemv"))
        {
            int n = 4000;
            var a = Random(n * n, "a"); var x = Random(n, "x"); var y = new double[n];
            Time("GEMV 4000²", 2.0 * n * n, 21, () => Blas.Gemv(Op.None, n, n, 1, a, x, 0, y));
            Time("GEMV 4000² Aᵀx", 2.0 * n * n, 21, () => Blas.Gemv(Op.Transpose, n, n, 1, a, x, 0, y));
        }
    }

    private static unsafe void KernelRate()
    {
        // Pure micro-kernel rate on packed panels: A block MC×KC (L2), B micro-panels KC×NR, C tile in L1.
        int kc = EnvInt("K_KC", 256), mc = EnvInt("K_MC", 96), nc = EnvInt("K_NC", 64);
        var pa = (double*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(mc * kc * 8), 64);
        var pb = (double*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(nc * kc * 8), 64);
        var pc = (double*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(mc * nc * 8), 64);
        for (int i = 0; i < mc * kc; i++) pa[i] = 1e-3 * (i % 7);
        for (int i = 0; i < nc * kc; i++) pb[i] = 1e-3 * (i % 5);
        for (int i = 0; i < mc * nc; i++) pc[i] = 0;
        int reps = (int)(2000L * 96 * 64 / (mc * nc));
        Time("kernel 6x8 block", 2.0 * mc * nc * kc * reps, 5, () =>
        {
            for (int r = 0; r < reps; r++)
                for (int jr = 0; jr < nc; jr += 8)
                    for (int ir = 0; ir < mc; ir += 6)
                        Overparam.Verify.Engine.LinearAlgebra.GemmDriver.Kernel6x8(kc, pa + ir * kc, pb + jr * kc, pc + ir * nc + jr, nc);
        });
    }

    private static unsafe void K4x12(int kc, double* a, double* b, double* c, int ldc)
    {
        Vector256<double> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<double> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b); var b1 = Vector256.Load(b + 4); var b2 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01); c02 = Fma.MultiplyAdd(x, b2, c02);
            x = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11); c12 = Fma.MultiplyAdd(x, b2, c12);
            x = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21); c22 = Fma.MultiplyAdd(x, b2, c22);
            x = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31); c32 = Fma.MultiplyAdd(x, b2, c32);
            a += 4; b += 12;
        }
        Vector256.Store(Vector256.Load(c) + c00, c); Vector256.Store(Vector256.Load(c + 4) + c01, c + 4); Vector256.Store(Vector256.Load(c + 8) + c02, c + 8); c += ldc;
        Vector256.Store(Vector256.Load(c) + c10, c); Vector256.Store(Vector256.Load(c + 4) + c11, c + 4); Vector256.Store(Vector256.Load(c + 8) + c12, c + 8); c += ldc;
        Vector256.Store(Vector256.Load(c) + c20, c); Vector256.Store(Vector256.Load(c + 4) + c21, c + 4); Vector256.Store(Vector256.Load(c + 8) + c22, c + 8); c += ldc;
        Vector256.Store(Vector256.Load(c) + c30, c); Vector256.Store(Vector256.Load(c + 4) + c31, c + 4); Vector256.Store(Vector256.Load(c + 8) + c32, c + 8);
    }

    private static unsafe void KernelRate4x12()
    {
        int kc = EnvInt("K_KC", 256), mc = 96, nc = 48;
        var pa = (double*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(mc * kc * 8), 64);
        var pb = (double*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(nc * kc * 8), 64);
        var pc = (double*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(mc * nc * 8), 64);
        for (int i = 0; i < mc * kc; i++) pa[i] = 1e-3 * (i % 7);
        for (int i = 0; i < nc * kc; i++) pb[i] = 1e-3 * (i % 5);
        for (int i = 0; i < mc * nc; i++) pc[i] = 0;
        int reps = 2000 * 64 / 48;
        Time("kernel 4x12 block", 2.0 * mc * nc * kc * reps, 5, () =>
        {
            for (int r = 0; r < reps; r++)
                for (int jr = 0; jr < nc; jr += 12)
                    for (int ir = 0; ir < mc; ir += 4)
                        K4x12(kc, pa + ir * kc, pb + jr * kc, pc + ir * nc + jr, nc);
        });
    }

    private static int EnvInt(string name, int dflt) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : dflt;

    internal static double[] Random(int count, string name)
    {
        var v = new double[count];
        RandomStreams.For(1, name).FillGaussian(v);
        return v;
    }

    internal static Matrix Spd(int n)
    {
        var g = new Matrix(n, n, Random(n * n, "spd"));
        var s = Blas.Gram(g);
        for (int i = 0; i < n; i++) s[i, i] += n;
        return s;
    }

    private static void Time(string name, double flops, int reps, Action f)
    {
        f();
        reps *= EnvInt("QUICK_REPS_X", 1);
        var t = new double[reps];
        var cpu = new double[reps];
        var proc = Process.GetCurrentProcess();
        for (int r = 0; r < reps; r++)
        {
            proc.Refresh();
            var c0 = proc.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            f();
            t[r] = sw.Elapsed.TotalSeconds;
            proc.Refresh();
            cpu[r] = (proc.TotalProcessorTime - c0).TotalSeconds;
        }
        if (Environment.GetEnvironmentVariable("QUICK_SAMPLES") == "1")
            Console.WriteLine(string.Join(" ", t.Select(x => (x * 1e3).ToString("F1"))) + $"  gen2 {GC.CollectionCount(2)}");
        Array.Sort(t);
        Array.Sort(cpu);
        double med = t[reps / 2], best = t[0], cpuMed = cpu[reps / 2];
        string rate = flops > 0 ? $"  median {flops / med / 1e9,6:F1} GFLOP/s  best {flops / best / 1e9,6:F1} GFLOP/s  per-cpu-s {flops / cpuMed / 1e9,6:F1}" : "";
        Console.WriteLine($"{name,-26} median {med * 1e3,8:F2} ms  best {best * 1e3,8:F2} ms  cpu {cpuMed * 1e3,8:F2} ms{rate}");
    }
}

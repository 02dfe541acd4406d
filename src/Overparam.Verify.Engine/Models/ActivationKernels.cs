using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Models;

/// <summary>Which function of an activation a kernel evaluates: σ, σ′ or σ″.</summary>
internal enum ActivationOrder
{
    Value = 0,
    First = 1,
    Second = 2,
}

/// <summary>
/// Vectorised σ, σ′, σ″ over spans (<see cref="SimdPath.Vector512"/> / <see cref="SimdPath.Vector256"/>, the scalar
/// <see cref="Activations"/> formulas on <see cref="SimdPath.Scalar"/>), split over up to <see cref="Blas.MaxThreads"/>
/// threads above <see cref="ParallelThreshold"/> entries. The tail of a span is evaluated as one zero-padded vector, so
/// every entry goes through the same lane operations wherever it sits: results do not depend on length, alignment,
/// thread count or vector width.
/// </summary>
/// <remarks>
/// <para>Accuracy of the vector paths over the whole double range, as the maximum distance in ulps from the scalar
/// reference. These are the limits ActivationKernelTests holds on ~10⁶ points per function (random bit patterns, a
/// log-uniform sweep, a dense band in [−40, 40], every switch-over point of the range reductions with 16 neighbours
/// each side, ±0, subnormals, ±∞, NaN, huge arguments), on both widths; the measured maxima are in brackets.
/// NaN in gives NaN out, except relu′, which compares and gives 0, as the scalar code does.</para>
/// <list type="table">
/// <item><term>tanh</term><description>σ ≤ 4 [3] against Math.Tanh; σ′ ≤ 8 [5 on the sample, the reference itself
/// being up to 5 off mpmath], σ″ ≤ 10 [6] against (1/cosh)² (the scalar 1/cosh² flushes to 0 early, for |x| in
/// [355.4, 372], where this path keeps the subnormal value)</description></item>
/// <item><term>sigmoid</term><description>σ ≤ 3 [2], σ′ ≤ 4 [3], σ″ ≤ 6 [5] against −σ′·tanh(x/2) (the scalar
/// σσ̄(σ̄ − σ) cancels near 0; this path forms σ̄ − σ through expm1)</description></item>
/// <item><term>softplus</term><description>σ ≤ 5 [4]; σ′, σ″ are sigmoid's σ, σ′</description></item>
/// <item><term>erf</term><description>σ, σ′, σ″ ≤ 3 [2]: the scalar Cody formulas, the vector exp the only difference</description></item>
/// <item><term>gelu</term><description>σ ≤ 6 [5]; σ′ and σ″ ≤ 4 ulps, or ≤ 8u·max(1, |x|φ(x)) absolute near their
/// sign changes (x ≈ −0.75, ±√2), where Φ + xφ and φ·(2 − x²) cancel in either implementation</description></item>
/// <item><term>relu, identity</term><description>exact; cos is the scalar code</description></item>
/// </list>
/// <para>Results below 10⁻³⁰⁰ that pass through a subnormal intermediate (e^{−x²} for |x| &gt; 26.6 in erf″, gelu″)
/// keep only absolute accuracy, ≤ 2⁻¹⁰⁶⁰, in both implementations.</para>
/// <para>Certified bounds that evaluate activations over spans (the P4 shallow Gram behind
/// <see cref="Kernels.ShallowNtk.GramFormationError"/>, the forward pass behind
/// <see cref="Kernels.ShallowJacobianBounds.OutputErrorBound"/>) assume φ and φ′ to
/// <see cref="Kernels.ShallowNtk.DerivativeAccuracy"/> = 10⁻¹³ ≈ 900u; the bounds above, plus the few ulps of the
/// scalar reference itself, stay under 16u, so these paths may use the vector kernels. Like the scalar code's
/// reliance on Math.*, the bounds are tested (with the a-priori budgets in <see cref="VectorMath"/>), not machine-proved.
/// The theory layer's own scalar evaluations (P2's per-sample σ′ maxima) still call the scalar functions.</para>
/// </remarks>
public static unsafe class ActivationKernels
{
    /// <summary>Spans at least this long are split across threads.</summary>
    public const int ParallelThreshold = 1 << 15;

    /// <summary>dest[i] = σ(x[i]) on this machine's widest path; dest may alias x.</summary>
    public static void Value(ActivationKind kind, ReadOnlySpan<double> x, Span<double> dest)
    {
        CheckLengths(x.Length, dest.Length);
        Apply(Simd.Best, kind, ActivationOrder.Value, x, dest);
    }

    /// <summary>dest[i] = σ′(x[i]) on this machine's widest path; dest may alias x.</summary>
    public static void Derivative(ActivationKind kind, ReadOnlySpan<double> x, Span<double> dest)
    {
        CheckLengths(x.Length, dest.Length);
        Apply(Simd.Best, kind, ActivationOrder.First, x, dest);
    }

    /// <summary>dest[i] = σ″(x[i]) on this machine's widest path; dest may alias x.</summary>
    public static void SecondDerivative(ActivationKind kind, ReadOnlySpan<double> x, Span<double> dest)
    {
        CheckLengths(x.Length, dest.Length);
        Apply(Simd.Best, kind, ActivationOrder.Second, x, dest);
    }

    /// <summary>dest[i] = g[i]·σ′(x[i]) (the backpropagation step) on this machine's widest path; dest may alias x or g.</summary>
    public static void TimesDerivative(ActivationKind kind, ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dest)
    {
        CheckLengths(x.Length, dest.Length);
        CheckLengths(g.Length, dest.Length);
        ApplyTimes(Simd.Best, kind, ActivationOrder.First, x, g, dest);
    }

    private static void CheckLengths(int source, int destination)
    {
        if (source != destination)
            throw new ArgumentException($"destination has {destination} entries, source has {source}");
    }

    /// <summary>dest[i] = f(x[i]) with f = σ, σ′ or σ″ of <paramref name="kind"/>; dest may alias x.</summary>
    internal static void Apply(SimdPath path, ActivationKind kind, ActivationOrder order, ReadOnlySpan<double> x, Span<double> dest) =>
        Run(path, kind, order, x, default, dest, Blas.MaxThreads);

    /// <summary>dest[i] = g[i]·f(x[i]); dest may alias x or g.</summary>
    internal static void ApplyTimes(SimdPath path, ActivationKind kind, ActivationOrder order, ReadOnlySpan<double> x,
        ReadOnlySpan<double> g, Span<double> dest) =>
        Run(path, kind, order, x, g, dest, Blas.MaxThreads);

    /// <summary>The kernel on an explicit thread budget (tests force 1 or several).</summary>
    internal static void Run(SimdPath path, ActivationKind kind, ActivationOrder order, ReadOnlySpan<double> x,
        ReadOnlySpan<double> g, Span<double> dest, int threads)
    {
        int n = x.Length;
        if (n == 0) return;
        bool times = !g.IsEmpty;
        int parts = Math.Min(threads, n / (ParallelThreshold / 2));
        if (parts <= 1)
        {
            Serial(path, kind, order, x, g, dest);
            return;
        }
        int chunk = ((n + parts - 1) / parts + 7) & ~7;
        fixed (double* px = x, pg = g, pd = dest)
        {
            double* cx = px, cg = pg, cd = pd;
            FixedParallel.For(parts, p =>
            {
                int start = p * chunk, len = Math.Min(chunk, n - start);
                if (len <= 0) return;
                Serial(path, kind, order, new ReadOnlySpan<double>(cx + start, len),
                    times ? new ReadOnlySpan<double>(cg + start, len) : default, new Span<double>(cd + start, len));
            });
        }
    }

    private static void Serial(SimdPath path, ActivationKind kind, ActivationOrder order, ReadOnlySpan<double> x,
        ReadOnlySpan<double> g, Span<double> dest)
    {
        switch (path)
        {
            case SimdPath.Vector512:
                Dispatch<Simd512>(kind, order, x, g, dest);
                break;
            case SimdPath.Vector256:
                Dispatch<Simd256>(kind, order, x, g, dest);
                break;
            default:
                ScalarLoop(kind, order, x, g, dest);
                break;
        }
    }

    private static void ScalarLoop(ActivationKind kind, ActivationOrder order, ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dest)
    {
        bool times = !g.IsEmpty;
        for (int i = 0; i < x.Length; i++)
        {
            double v = order switch
            {
                ActivationOrder.Value => Activations.Value(kind, x[i]),
                ActivationOrder.First => Activations.Derivative(kind, x[i]),
                _ => Activations.SecondDerivative(kind, x[i]),
            };
            dest[i] = times ? g[i] * v : v;
        }
    }

    private static void Dispatch<TV>(ActivationKind kind, ActivationOrder order, ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dest)
        where TV : struct, ISimdDouble<TV>
    {
        switch (kind, order)
        {
            case (ActivationKind.Tanh, ActivationOrder.Value): Loop<TV, TanhValue>(x, g, dest); break;
            case (ActivationKind.Tanh, ActivationOrder.First): Loop<TV, TanhFirst>(x, g, dest); break;
            case (ActivationKind.Tanh, ActivationOrder.Second): Loop<TV, TanhSecond>(x, g, dest); break;
            case (ActivationKind.Sigmoid, ActivationOrder.Value): Loop<TV, SigmoidValue>(x, g, dest); break;
            case (ActivationKind.Sigmoid, ActivationOrder.First): Loop<TV, SigmoidFirst>(x, g, dest); break;
            case (ActivationKind.Sigmoid, ActivationOrder.Second): Loop<TV, SigmoidSecond>(x, g, dest); break;
            case (ActivationKind.Softplus, ActivationOrder.Value): Loop<TV, SoftplusValue>(x, g, dest); break;
            case (ActivationKind.Softplus, ActivationOrder.First): Loop<TV, SigmoidValue>(x, g, dest); break;
            case (ActivationKind.Softplus, ActivationOrder.Second): Loop<TV, SigmoidFirst>(x, g, dest); break;
            case (ActivationKind.Gelu, ActivationOrder.Value): Loop<TV, GeluValue>(x, g, dest); break;
            case (ActivationKind.Gelu, ActivationOrder.First): Loop<TV, GeluFirst>(x, g, dest); break;
            case (ActivationKind.Gelu, ActivationOrder.Second): Loop<TV, GeluSecond>(x, g, dest); break;
            case (ActivationKind.Erf, ActivationOrder.Value): Loop<TV, ErfValue>(x, g, dest); break;
            case (ActivationKind.Erf, ActivationOrder.First): Loop<TV, ErfFirst>(x, g, dest); break;
            case (ActivationKind.Erf, ActivationOrder.Second): Loop<TV, ErfSecond>(x, g, dest); break;
            case (ActivationKind.Relu, ActivationOrder.Value): Loop<TV, ReluValue>(x, g, dest); break;
            case (ActivationKind.Relu, ActivationOrder.First): Loop<TV, ReluFirst>(x, g, dest); break;
            case (ActivationKind.Identity, ActivationOrder.Value): Loop<TV, IdentityValue>(x, g, dest); break;
            case (ActivationKind.Identity, ActivationOrder.First): Loop<TV, Constant1>(x, g, dest); break;
            case (ActivationKind.Identity or ActivationKind.Relu, ActivationOrder.Second): Loop<TV, Constant0>(x, g, dest); break;
            default: ScalarLoop(kind, order, x, g, dest); break;   // cos
        }
    }

    private static void Loop<TV, TF>(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> dest)
        where TV : struct, ISimdDouble<TV>
        where TF : struct, IVectorFunction
    {
        int n = x.Length, w = TV.Count, i = 0;
        bool times = !g.IsEmpty;
        ref double rx = ref MemoryMarshal.GetReference(x);
        ref double rg = ref MemoryMarshal.GetReference(g);
        ref double rd = ref MemoryMarshal.GetReference(dest);
        if (times)
            for (; i <= n - w; i += w)
                (TV.Load(ref rg, (nuint)i) * TF.Eval(TV.Load(ref rx, (nuint)i))).Store(ref rd, (nuint)i);
        else
            for (; i <= n - w; i += w)
                TF.Eval(TV.Load(ref rx, (nuint)i)).Store(ref rd, (nuint)i);
        if (i == n) return;
        // The tail as one zero-padded vector: the same lane operations as the body.
        Span<double> bx = stackalloc double[8];
        Span<double> bg = stackalloc double[8];
        bx.Clear();
        bg.Clear();
        x[i..].CopyTo(bx);
        ref double tx = ref MemoryMarshal.GetReference(bx);
        var r = TF.Eval(TV.Load(ref tx, 0));
        if (times)
        {
            g[i..].CopyTo(bg);
            r = TV.Load(ref MemoryMarshal.GetReference(bg), 0) * r;
        }
        r.Store(ref tx, 0);
        bx[..(n - i)].CopyTo(dest[i..]);
    }

    private interface IVectorFunction
    {
        static abstract TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV>;
    }

    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;
    private const double TwoOverSqrtPi = 1.12837916709551257390;

    private readonly struct IdentityValue : IVectorFunction
    {
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV> => x;
    }

    private readonly struct Constant1 : IVectorFunction
    {
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV> => TV.Create(1.0);
    }

    private readonly struct Constant0 : IVectorFunction
    {
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV> => TV.Create(0.0);
    }

    private readonly struct ReluValue : IVectorFunction
    {
        // x > 0 ? x : 0, NaN passed through.
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV> =>
            TV.Select(TV.GreaterThan(x, TV.Create(0.0)) | TV.IsNaN(x), x, TV.Create(0.0));
    }

    private readonly struct ReluFirst : IVectorFunction
    {
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV> =>
            TV.GreaterThan(x, TV.Create(0.0)) & TV.Create(1.0);
    }

    private readonly struct TanhValue : IVectorFunction
    {
        // tanh|x| = −t/(t + 2), t = e^{−2|x|} − 1 ∈ (−1, 0]: no cancellation anywhere; the sign restored.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV>
        {
            var a = TV.Abs(x);
            var t = VectorMath.ExpM1NonPositive(TV.Create(-2.0) * a);
            var th = (TV.Create(0.0) - t) / (t + TV.Create(2.0));
            return VectorMath.OrSign(th, x);
        }
    }

    private readonly struct TanhFirst : IVectorFunction
    {
        // sech² x = 4e/(1 + e)², e = e^{−2|x|}; 4e is formed inside exp so it does not lose bits to underflow first.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV>
        {
            var m2a = TV.Create(-2.0) * TV.Abs(x);
            var e4 = VectorMath.Exp(m2a, 2);
            var d = TV.Fma(e4, TV.Create(0.25), TV.Create(1.0));
            return e4 / (d * d);
        }
    }

    private readonly struct TanhSecond : IVectorFunction
    {
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV> =>
            TV.Create(-2.0) * TanhValue.Eval(x) * TanhFirst.Eval(x);
    }

    private readonly struct SigmoidValue : IVectorFunction
    {
        // e = e^{−|x|}: σ(x) = 1/(1 + e) for x ≥ 0, e/(1 + e) below (the scalar formula's two branches).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV>
        {
            var e = VectorMath.Exp(TV.Create(0.0) - TV.Abs(x));
            var d = TV.Create(1.0) + e;
            return TV.Select(TV.LessThan(x, TV.Create(0.0)), e, TV.Create(1.0)) / d;
        }
    }

    private readonly struct SigmoidFirst : IVectorFunction
    {
        // σ(x)σ(−x) = (1/(1 + e))·(e/(1 + e)), as the scalar code forms it.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV>
        {
            var e = VectorMath.Exp(TV.Create(0.0) - TV.Abs(x));
            var d = TV.Create(1.0) + e;
            return TV.Create(1.0) / d * (e / d);
        }
    }

    private readonly struct SigmoidSecond : IVectorFunction
    {
        // σ″ = σσ̄(σ̄ − σ) = sign(x)·e·(e^{−|x|} − 1)/(1 + e)³: the difference through expm1, so nothing cancels at 0.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV>
        {
            var ma = TV.Create(0.0) - TV.Abs(x);
            var e = VectorMath.Exp(ma);
            var em1 = VectorMath.ExpM1NonPositive(ma);
            var d = TV.Create(1.0) + e;
            var r = e / d * (em1 / d) / d;
            // r ≤ 0 is σ″(|x|); σ″ is odd.
            return r ^ (x & TV.Create(-0.0));
        }
    }

    private readonly struct SoftplusValue : IVectorFunction
    {
        // max(x, 0) + log(1 + e^{−|x|}).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV>
        {
            var e = VectorMath.Exp(TV.Create(0.0) - TV.Abs(x));
            var r = TV.Max(x, TV.Create(0.0)) + VectorMath.Log1PUnit(e);
            return TV.Select(TV.IsNaN(x), x, r);
        }
    }

    private readonly struct ErfValue : IVectorFunction
    {
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV> => VectorErf.Erf(x);
    }

    private readonly struct ErfFirst : IVectorFunction
    {
        // (2/√π)·e^{−x²}, the product x·x rounded as in the scalar code.
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV> =>
            TV.Create(TwoOverSqrtPi) * VectorMath.Exp((TV.Create(0.0) - x) * x);
    }

    private readonly struct ErfSecond : IVectorFunction
    {
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV> =>
            TV.Create(-2.0) * x * TV.Create(TwoOverSqrtPi) * VectorMath.Exp((TV.Create(0.0) - x) * x);
    }

    private readonly struct GeluValue : IVectorFunction
    {
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV> => x * NormalCdf(x);
    }

    private readonly struct GeluFirst : IVectorFunction
    {
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV> => NormalCdf(x) + x * NormalPdf(x);
    }

    private readonly struct GeluSecond : IVectorFunction
    {
        public static TV Eval<TV>(TV x) where TV : struct, ISimdDouble<TV> => NormalPdf(x) * (TV.Create(2.0) - x * x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV NormalCdf<TV>(TV x) where TV : struct, ISimdDouble<TV> =>
        TV.Create(0.5) * VectorErf.Erfc((TV.Create(0.0) - x) * TV.Create(InvSqrt2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV NormalPdf<TV>(TV x) where TV : struct, ISimdDouble<TV> =>
        TV.Create(InvSqrt2Pi) * VectorMath.Exp(TV.Create(-0.5) * x * x);
}

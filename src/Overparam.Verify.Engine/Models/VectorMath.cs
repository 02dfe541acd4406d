using System.Runtime.CompilerServices;

namespace Overparam.Verify.Engine.Models;

/// <summary>
/// Vectorised float64 elementary functions behind the activation kernels, written once over
/// <see cref="ISimdDouble{TSelf}"/>. Every lane is computed by the same correctly rounded operations whatever the
/// width, so the 256- and 512-bit paths agree bit for bit, and a lane's result does not depend on its neighbours.
/// </summary>
/// <remarks>
/// <para>Error budgets (u = 2⁻⁵³, the unit roundoff; an error of c·u relative is at most c ulps):</para>
/// <para><see cref="Exp{TV}"/>: x = k·ln2 + r with k = round(x/ln2), |r| ≤ ln2/2. x − k·L (L = ln2 rounded) is exact
/// with a fused multiply-add (the result is a multiple of 2⁻⁵³ below ½ in magnitude), and subtracting k·(ln2 − L)
/// rounds once, so r carries ≤ u relative (≤ 0.35u in eʳ). eʳ = 1 + (r + r²Q(r)), Q the degree-11 Taylor
/// polynomial of (eʳ − 1 − r)/r² (truncation ≤ 0.06u on |r| ≤ ln2/2); r²Q ≤ 0.07 carries ≤ 3u of its own, the fused
/// r + r²Q and the final 1 + … one rounding each: ≤ 2.3u in all. 2ᵏ is applied in two exact power-of-two steps, the
/// second rounding once when the result is subnormal. Measured: ≤ 1 ulp against Math.Exp.</para>
/// <para><see cref="ExpM1NonPositive{TV}"/>: the same reduction; eʸ − 1 = 2ᵏ·(eʳ − 1) + (2ᵏ − 1) in one fused step
/// (2ᵏ − 1 exact), with eʳ − 1 = r + r²Q(r) (≤ 1.4u); for k = −1 the result is at least 0.29 in magnitude against
/// 2ᵏ·|eʳ − 1| ≤ 0.21, so ≤ 2.5u relative over y ≤ 0.</para>
/// <para><see cref="Log1PUnit{TV}"/> (u ∈ [0, 1]): w = 1 + u rounded, c = u − (w − 1) exact; w = 2ᵐf with
/// f ∈ [1/√2, √2], log f = 2 atanh s with s = (f − 1)/(f + 1), |s| ≤ 0.172, by its Taylor series to s²¹ (truncation
/// below 0.01u); plus m·ln2 and c/w. ≤ 4u.</para>
/// </remarks>
internal static class VectorMath
{
    private const double Log2E = 1.4426950408889634074;
    private const double Ln2Hi = 0.69314718055994530942;             // ln 2 rounded to nearest
    private const double Ln2Lo = 2.3190468138462996154e-17;         // ln 2 − Ln2Hi

    // 1/n! for n = 2 … 13: Q(r) = Σ r^{n−2}/n!.
    private const double C2 = 0.5;
    private const double C3 = 1.0 / 6;
    private const double C4 = 1.0 / 24;
    private const double C5 = 1.0 / 120;
    private const double C6 = 1.0 / 720;
    private const double C7 = 1.0 / 5040;
    private const double C8 = 1.0 / 40320;
    private const double C9 = 1.0 / 362880;
    private const double C10 = 1.0 / 3628800;
    private const double C11 = 1.0 / 39916800;
    private const double C12 = 1.0 / 479001600;
    private const double C13 = 1.0 / 6227020800;

    // The round-to-nearest-integer constant 1.5·2⁵².
    private const double RoundMagic = 6755399441055744.0;

    /// <summary>eʳ − 1 − r over r² for |r| ≤ ln2/2 (Horner on the Taylor coefficients).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Q<TV>(TV r) where TV : struct, ISimdDouble<TV>
    {
        var q = TV.Fma(TV.Create(C13), r, TV.Create(C12));
        q = TV.Fma(q, r, TV.Create(C11));
        q = TV.Fma(q, r, TV.Create(C10));
        q = TV.Fma(q, r, TV.Create(C9));
        q = TV.Fma(q, r, TV.Create(C8));
        q = TV.Fma(q, r, TV.Create(C7));
        q = TV.Fma(q, r, TV.Create(C6));
        q = TV.Fma(q, r, TV.Create(C5));
        q = TV.Fma(q, r, TV.Create(C4));
        q = TV.Fma(q, r, TV.Create(C3));
        return TV.Fma(q, r, TV.Create(C2));
    }

    /// <summary>(k, r) with x = k·ln2 + r, k integral, |r| ≤ ln2/2 (plus rounding); x must be finite and |x| &lt; 2⁵⁰.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Reduce<TV>(TV x, out TV k) where TV : struct, ISimdDouble<TV>
    {
        var magic = TV.Create(RoundMagic);
        k = TV.Fma(x, TV.Create(Log2E), magic) - magic;
        var r = TV.Fma(TV.Create(0.0) - k, TV.Create(Ln2Hi), x);
        return TV.Fma(TV.Create(0.0) - k, TV.Create(Ln2Lo), r);
    }

    /// <summary>eˣ·2^<paramref name="scale"/> (scale a small integer, applied before any rounding to subnormal); NaN stays NaN, ≤ 2.3 ulps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV Exp<TV>(TV x, double scale = 0) where TV : struct, ISimdDouble<TV>
    {
        // Outside [−746, 710] the result is 0 or +∞ anyway; clamping keeps k in range.
        var xc = TV.Min(TV.Max(x, TV.Create(-746.0)), TV.Create(710.0));
        var r = Reduce(xc, out var k);
        var p = TV.Create(1.0) + TV.Fma(r * r, Q(r), r);
        if (scale != 0) k += TV.Create(scale);
        var k1 = TV.Floor(k * TV.Create(0.5));
        var k2 = k - k1;
        var e = p * TV.Pow2(k1) * TV.Pow2(k2);
        return TV.Select(TV.IsNaN(x), x, e);
    }

    /// <summary>eʸ − 1 for y ≤ 0 (positive lanes are not supported), NaN stays NaN; ≤ 2.5 ulps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV ExpM1NonPositive<TV>(TV y) where TV : struct, ISimdDouble<TV>
    {
        // Below −64, eʸ − 1 rounds to −1.
        var yc = TV.Max(y, TV.Create(-64.0));
        var r = Reduce(yc, out var k);
        var em1 = TV.Fma(r * r, Q(r), r);
        var p2 = TV.Pow2(k);
        var result = TV.Fma(p2, em1, p2 - TV.Create(1.0));
        return TV.Select(TV.IsNaN(y), y, result);
    }

    /// <summary>log(1 + u) for u in [0, 1] (the only range softplus needs); ≤ 4 ulps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV Log1PUnit<TV>(TV u) where TV : struct, ISimdDouble<TV>
    {
        var one = TV.Create(1.0);
        var w = one + u;
        var c = u - (w - one);                        // the rounding error of 1 + u, exact
        var big = TV.GreaterThan(w, TV.Create(1.4142135623730951));
        var m = TV.Select(big, one, TV.Create(0.0));
        var f = TV.Select(big, w * TV.Create(0.5), w);
        var s = (f - one) / (f + one);
        var s2 = s * s;
        // 2 atanh s = 2s(1 + s²/3 + s⁴/5 + … + s²⁰/21).
        var p = TV.Fma(TV.Create(1.0 / 21), s2, TV.Create(1.0 / 19));
        p = TV.Fma(p, s2, TV.Create(1.0 / 17));
        p = TV.Fma(p, s2, TV.Create(1.0 / 15));
        p = TV.Fma(p, s2, TV.Create(1.0 / 13));
        p = TV.Fma(p, s2, TV.Create(1.0 / 11));
        p = TV.Fma(p, s2, TV.Create(1.0 / 9));
        p = TV.Fma(p, s2, TV.Create(1.0 / 7));
        p = TV.Fma(p, s2, TV.Create(1.0 / 5));
        p = TV.Fma(p, s2, TV.Create(1.0 / 3));
        var twoS = s + s;
        var logF = TV.Fma(twoS * s2, p, twoS);
        // m·ln2 + (log f + (m·Ln2Lo + c/w)).
        var tail = TV.Fma(m, TV.Create(Ln2Lo), c / w);
        return TV.Fma(m, TV.Create(Ln2Hi), logF + tail);
    }

    /// <summary>a with the sign bit of s (a must be non-negative or its sign is or-ed in).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV OrSign<TV>(TV a, TV s) where TV : struct, ISimdDouble<TV> => a | (s & TV.Create(-0.0));
}

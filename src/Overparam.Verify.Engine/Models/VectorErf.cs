using System.Runtime.CompilerServices;

namespace Overparam.Verify.Engine.Models;

/// <summary>
/// <see cref="ErrorFunction"/>'s Cody approximations lane by lane: the same coefficients and the same operations in
/// the same order (no fused multiply-adds), so a lane differs from the scalar result only through
/// <see cref="VectorMath.Exp{TV}"/> in the factor exp(−s²)·exp(−(y − s)(y + s)) (≤ 2.3 ulps each against ≤ ½ ulp in
/// Math.Exp). Branches are evaluated only when some lane needs them.
/// </summary>
internal static class VectorErf
{
    private const double Threshold = 0.46875;
    private const double XBig = 26.543;
    private const double InvSqrtPi = 0.56418958354775628695;

    /// <summary>erf x; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV Erf<TV>(TV x) where TV : struct, ISimdDouble<TV>
    {
        var y = TV.Abs(x);
        var small = TV.LessThanOrEqual(y, TV.Create(Threshold));
        TV r = TV.Create(0.0);
        if (TV.Any(small)) r = SmallErf(x, y);
        if (TV.Any(TV.GreaterThan(y, TV.Create(Threshold))))
        {
            var big = (TV.Create(0.5) - ErfcPositive(y)) + TV.Create(0.5);
            r = TV.Select(small, r, VectorMath.OrSign(big, x));
        }
        return TV.Select(TV.IsNaN(x), x, r);
    }

    /// <summary>erfc x = 1 − erf x without cancellation for large positive x; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV Erfc<TV>(TV x) where TV : struct, ISimdDouble<TV>
    {
        var y = TV.Abs(x);
        var small = TV.LessThanOrEqual(y, TV.Create(Threshold));
        TV r = TV.Create(0.0);
        if (TV.Any(small)) r = TV.Create(1.0) - SmallErf(x, y);
        if (TV.Any(TV.GreaterThan(y, TV.Create(Threshold))))
        {
            var e = ErfcPositive(y);
            e = TV.Select(TV.LessThan(x, TV.Create(0.0)), TV.Create(2.0) - e, e);
            r = TV.Select(small, r, e);
        }
        return TV.Select(TV.IsNaN(x), x, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV SmallErf<TV>(TV x, TV y) where TV : struct, ISimdDouble<TV>
    {
        var ysq = TV.GreaterThan(y, TV.Create(1.11e-16)) & (y * y);
        var num = TV.Create(1.85777706184603153e-1) * ysq;
        var den = ysq;
        num = (num + TV.Create(3.16112374387056560e00)) * ysq;
        den = (den + TV.Create(2.36012909523441209e01)) * ysq;
        num = (num + TV.Create(1.13864154151050156e02)) * ysq;
        den = (den + TV.Create(2.44024637934444173e02)) * ysq;
        num = (num + TV.Create(3.77485237685302021e02)) * ysq;
        den = (den + TV.Create(1.28261652607737228e03)) * ysq;
        return x * (num + TV.Create(3.20937758913846947e03)) / (den + TV.Create(2.84423683343917062e03));
    }

    // erfc y for y > 0.46875 (other lanes give finite garbage the callers discard).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ErfcPositive<TV>(TV y) where TV : struct, ISimdDouble<TV>
    {
        var mid = TV.LessThanOrEqual(y, TV.Create(4.0));
        TV r = TV.Create(0.0);
        if (TV.Any(mid))
        {
            var num = TV.Create(2.15311535474403846e-8) * y;
            var den = y;
            num = (num + TV.Create(5.64188496988670089e-1)) * y;
            den = (den + TV.Create(1.57449261107098347e01)) * y;
            num = (num + TV.Create(8.88314979438837594e00)) * y;
            den = (den + TV.Create(1.17693950891312499e02)) * y;
            num = (num + TV.Create(6.61191906371416295e01)) * y;
            den = (den + TV.Create(5.37181101862009858e02)) * y;
            num = (num + TV.Create(2.98635138197400131e02)) * y;
            den = (den + TV.Create(1.62138957456669019e03)) * y;
            num = (num + TV.Create(8.81952221241769090e02)) * y;
            den = (den + TV.Create(3.29079923573345963e03)) * y;
            num = (num + TV.Create(1.71204761263407058e03)) * y;
            den = (den + TV.Create(4.36261909014324716e03)) * y;
            num = (num + TV.Create(2.05107837782607147e03)) * y;
            den = (den + TV.Create(3.43936767414372164e03)) * y;
            r = (num + TV.Create(1.23033935479799725e03)) / (den + TV.Create(1.23033935480374942e03));
        }
        if (TV.Any(TV.GreaterThan(y, TV.Create(4.0))))
        {
            var ysq = TV.Create(1.0) / (y * y);
            var num = TV.Create(1.63153871373020978e-2) * ysq;
            var den = ysq;
            num = (num + TV.Create(3.05326634961232344e-1)) * ysq;
            den = (den + TV.Create(2.56852019228982242e00)) * ysq;
            num = (num + TV.Create(3.60344899949804439e-1)) * ysq;
            den = (den + TV.Create(1.87295284992346047e00)) * ysq;
            num = (num + TV.Create(1.25781726111229246e-1)) * ysq;
            den = (den + TV.Create(5.27905102951428412e-1)) * ysq;
            num = (num + TV.Create(1.60837851487422766e-2)) * ysq;
            den = (den + TV.Create(6.05183413124413191e-2)) * ysq;
            var t = ysq * (num + TV.Create(6.58749161529837803e-4)) / (den + TV.Create(2.33520497626869185e-3));
            t = (TV.Create(InvSqrtPi) - t) / y;
            r = TV.Select(mid, r, t);
        }
        // exp(−y²) as exp(−s²)·exp(−(y − s)(y + s)), s = y truncated to 1/16.
        var s = TV.Truncate(y * TV.Create(16.0)) / TV.Create(16.0);
        var del = (y - s) * (y + s);
        var result = VectorMath.Exp((TV.Create(0.0) - s) * s) * VectorMath.Exp(TV.Create(0.0) - del) * r;
        return TV.Select(TV.LessThan(y, TV.Create(XBig)), result, TV.Create(0.0));
    }
}

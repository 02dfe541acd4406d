namespace Overparam.Verify.Engine.Models;

/// <summary>
/// The error function and its complement in float64, by W. J. Cody's rational Chebyshev approximations
/// (Math. Comp. 23 (1969) 631–637; the SPECFUN routine CALERF), accurate to about 1e-16 relative.
/// The engine carries its own copy so it depends on no numerics package; the tests compare it with MathNet.
/// </summary>
public static class ErrorFunction
{
    // Cody's coefficients: A/B for erf on |x| ≤ 0.46875, C/D for erfc on (0.46875, 4], P/Q for erfc on (4, ∞).
    private static readonly double[] A =
        [3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03, 1.85777706184603153e-1];
    private static readonly double[] B =
        [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03];
    private static readonly double[] C =
        [5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
         8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
         2.15311535474403846e-8];
    private static readonly double[] D =
        [1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
         3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03];
    private static readonly double[] P =
        [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
         6.58749161529837803e-4, 1.63153871373020978e-2];
    private static readonly double[] Q =
        [2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
         2.33520497626869185e-3];

    private const double InvSqrtPi = 0.56418958354775628695;
    private const double Threshold = 0.46875;
    // erfc(x) underflows to 0 in float64 beyond this point (Cody's XBIG for IEEE double).
    private const double XBig = 26.543;

    /// <summary>erf(x) = (2/√π)∫₀ˣ e^{−t²} dt. Odd; NaN in, NaN out.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double y = Math.Abs(x);
        if (y <= Threshold) return SmallErf(x);
        double r = (0.5 - ErfcPositive(y)) + 0.5;
        return x < 0 ? -r : r;
    }

    /// <summary>erfc(x) = 1 − erf(x), computed without cancellation for large positive x. NaN in, NaN out.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double y = Math.Abs(x);
        if (y <= Threshold) return 1.0 - SmallErf(x);
        double r = ErfcPositive(y);
        return x < 0 ? 2.0 - r : r;
    }

    private static double SmallErf(double x)
    {
        double y = Math.Abs(x);
        double ysq = y > 1.11e-16 ? y * y : 0.0;
        double num = A[4] * ysq, den = ysq;
        for (int i = 0; i < 3; i++)
        {
            num = (num + A[i]) * ysq;
            den = (den + B[i]) * ysq;
        }
        return x * (num + A[3]) / (den + B[3]);
    }

    // erfc(y) for y > 0.46875.
    private static double ErfcPositive(double y)
    {
        double r;
        if (y <= 4.0)
        {
            double num = C[8] * y, den = y;
            for (int i = 0; i < 7; i++)
            {
                num = (num + C[i]) * y;
                den = (den + D[i]) * y;
            }
            r = (num + C[7]) / (den + D[7]);
        }
        else
        {
            if (y >= XBig) return 0.0;
            double ysq = 1.0 / (y * y);
            double num = P[5] * ysq, den = ysq;
            for (int i = 0; i < 4; i++)
            {
                num = (num + P[i]) * ysq;
                den = (den + Q[i]) * ysq;
            }
            r = ysq * (num + P[4]) / (den + Q[4]);
            r = (InvSqrtPi - r) / y;
        }
        // exp(−y²) split as exp(−s²)·exp(−(y−s)(y+s)) with s = y rounded down to 1/16: y² itself is not exact.
        double s = Math.Truncate(y * 16.0) / 16.0;
        double del = (y - s) * (y + s);
        return Math.Exp(-s * s) * Math.Exp(-del) * r;
    }
}

using System.Numerics;

namespace Overparam.Verify.Engine.Tests.LinearAlgebra;

/// <summary>
/// An exact rational p/q over <see cref="BigInteger"/>, built from doubles without rounding (every finite double is a
/// dyadic rational). The oracle for rounding-direction checks: a certified upper bound must be ≥ the exact value of
/// the expression it bounds, a lower bound ≤, with no float64 arithmetic in between.
/// </summary>
internal readonly struct ExactRational : IComparable<ExactRational>
{
    public BigInteger Num { get; }
    public BigInteger Den { get; }   // always > 0

    public ExactRational(BigInteger num, BigInteger den)
    {
        if (den.IsZero) throw new DivideByZeroException();
        if (den.Sign < 0)
        {
            num = -num;
            den = -den;
        }
        var g = BigInteger.GreatestCommonDivisor(num, den);
        if (!g.IsOne && !g.IsZero)
        {
            num /= g;
            den /= g;
        }
        Num = num;
        Den = den;
    }

    public static ExactRational Zero => new(0, 1);

    public static implicit operator ExactRational(int v) => new(v, 1);

    /// <summary>The exact value of a finite double.</summary>
    public static ExactRational From(double x)
    {
        if (!double.IsFinite(x)) throw new ArgumentException($"{x} is not finite", nameof(x));
        if (x == 0) return Zero;
        long bits = BitConverter.DoubleToInt64Bits(x);
        bool negative = bits < 0;
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent = 1;   // subnormal
        else mantissa |= 1L << 52;
        int e = exponent - 1075;            // x = mantissa · 2^e
        var m = new BigInteger(negative ? -mantissa : mantissa);
        return e >= 0 ? new ExactRational(m << e, 1) : new ExactRational(m, BigInteger.One << -e);
    }

    public static ExactRational operator +(ExactRational a, ExactRational b) =>
        new(a.Num * b.Den + b.Num * a.Den, a.Den * b.Den);

    public static ExactRational operator -(ExactRational a, ExactRational b) =>
        new(a.Num * b.Den - b.Num * a.Den, a.Den * b.Den);

    public static ExactRational operator -(ExactRational a) => new(-a.Num, a.Den);

    public static ExactRational operator *(ExactRational a, ExactRational b) => new(a.Num * b.Num, a.Den * b.Den);

    public static ExactRational operator /(ExactRational a, ExactRational b) => new(a.Num * b.Den, a.Den * b.Num);

    public int CompareTo(ExactRational other) => (Num * other.Den).CompareTo(other.Num * Den);

    public static bool operator <(ExactRational a, ExactRational b) => a.CompareTo(b) < 0;
    public static bool operator >(ExactRational a, ExactRational b) => a.CompareTo(b) > 0;
    public static bool operator <=(ExactRational a, ExactRational b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ExactRational a, ExactRational b) => a.CompareTo(b) >= 0;

    public static ExactRational Abs(ExactRational a) => a.Num.Sign < 0 ? -a : a;

    /// <summary>u = 2⁻⁵³ exactly.</summary>
    public static ExactRational UnitRoundoff => new(1, BigInteger.One << 53);

    /// <summary>γ_k = k·u/(1 − k·u) exactly.</summary>
    public static ExactRational Gamma(int k) => k * UnitRoundoff / (1 - k * UnitRoundoff);

    /// <summary>Nearest double (for messages only).</summary>
    public double ToDouble() => (double)Num / (double)Den is var d && double.IsFinite(d) ? d : Math.Exp(BigInteger.Log(BigInteger.Abs(Num)) - BigInteger.Log(Den)) * Num.Sign;

    public override string ToString() => ToDouble().ToString("R");

    public override bool Equals(object? obj) => obj is ExactRational r && CompareTo(r) == 0;

    public override int GetHashCode() => HashCode.Combine(Num, Den);
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Overparam.Verify.Engine.Models;

/// <summary>
/// The lane-wise float64 operations the vectorised activation kernels need, as static abstract members so one
/// generic body serves both widths (the JIT specialises it per struct, so there is no indirection). Every operation
/// is lane-wise and correctly rounded (FMA fused), so the 256- and 512-bit paths give bit-identical lanes.
/// Comparisons return all-ones / all-zeros lane masks of the same type.
/// </summary>
internal interface ISimdDouble<TSelf>
    where TSelf : struct, ISimdDouble<TSelf>
{
    static abstract int Count { get; }

    static abstract TSelf Load(ref double source, nuint index);

    void Store(ref double destination, nuint index);

    static abstract TSelf Create(double value);

    static abstract TSelf operator +(TSelf a, TSelf b);

    static abstract TSelf operator -(TSelf a, TSelf b);

    static abstract TSelf operator *(TSelf a, TSelf b);

    static abstract TSelf operator /(TSelf a, TSelf b);

    static abstract TSelf operator &(TSelf a, TSelf b);

    static abstract TSelf operator |(TSelf a, TSelf b);

    static abstract TSelf operator ^(TSelf a, TSelf b);

    /// <summary>a·b + c with one rounding.</summary>
    static abstract TSelf Fma(TSelf a, TSelf b, TSelf c);

    static abstract TSelf Abs(TSelf a);

    /// <summary>Lane minimum; NaN handling unspecified (callers restore NaN lanes themselves).</summary>
    static abstract TSelf Min(TSelf a, TSelf b);

    /// <summary>Lane maximum; NaN handling unspecified (callers restore NaN lanes themselves).</summary>
    static abstract TSelf Max(TSelf a, TSelf b);

    static abstract TSelf Floor(TSelf a);

    static abstract TSelf Truncate(TSelf a);

    /// <summary>mask ? a : b, bitwise.</summary>
    static abstract TSelf Select(TSelf mask, TSelf a, TSelf b);

    static abstract TSelf LessThan(TSelf a, TSelf b);

    static abstract TSelf LessThanOrEqual(TSelf a, TSelf b);

    static abstract TSelf GreaterThan(TSelf a, TSelf b);

    /// <summary>All-ones where the lane is NaN.</summary>
    static abstract TSelf IsNaN(TSelf a);

    /// <summary>True when any lane of the mask is set.</summary>
    static abstract bool Any(TSelf mask);

    /// <summary>2ᵏ for lanes holding integers k in [−1022, 1023] (exact; built from the exponent bits).</summary>
    static abstract TSelf Pow2(TSelf k);
}

/// <summary>Eight doubles (AVX-512).</summary>
internal readonly struct Simd512 : ISimdDouble<Simd512>
{
    private readonly Vector512<double> _v;

    private Simd512(Vector512<double> v) => _v = v;

    public static int Count => Vector512<double>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Load(ref double source, nuint index) => new(Vector512.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref double destination, nuint index) => _v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Create(double value) => new(Vector512.Create(value));

    public static Simd512 operator +(Simd512 a, Simd512 b) => new(a._v + b._v);

    public static Simd512 operator -(Simd512 a, Simd512 b) => new(a._v - b._v);

    public static Simd512 operator *(Simd512 a, Simd512 b) => new(a._v * b._v);

    public static Simd512 operator /(Simd512 a, Simd512 b) => new(a._v / b._v);

    public static Simd512 operator &(Simd512 a, Simd512 b) => new(a._v & b._v);

    public static Simd512 operator |(Simd512 a, Simd512 b) => new(a._v | b._v);

    public static Simd512 operator ^(Simd512 a, Simd512 b) => new(a._v ^ b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Fma(Simd512 a, Simd512 b, Simd512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Abs(Simd512 a) => new(Vector512.Abs(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Min(Simd512 a, Simd512 b) => new(Vector512.MinNative(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Max(Simd512 a, Simd512 b) => new(Vector512.MaxNative(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Floor(Simd512 a) => new(Vector512.Floor(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Truncate(Simd512 a) => new(Vector512.Truncate(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Select(Simd512 mask, Simd512 a, Simd512 b) => new(Vector512.ConditionalSelect(mask._v, a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 LessThan(Simd512 a, Simd512 b) => new(Vector512.LessThan(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 LessThanOrEqual(Simd512 a, Simd512 b) => new(Vector512.LessThanOrEqual(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 GreaterThan(Simd512 a, Simd512 b) => new(Vector512.GreaterThan(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 IsNaN(Simd512 a) => new(~Vector512.Equals(a._v, a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(Simd512 mask) => mask._v.ExtractMostSignificantBits() != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Pow2(Simd512 k)
    {
        // k + 1.5·2⁵² puts k + 1023 in the low mantissa bits; shifting by 52 moves exactly those into the exponent.
        var t = k._v + Vector512.Create(6755399441055744.0 + 1023.0);
        return new(Vector512.ShiftLeft(t.AsInt64(), 52).AsDouble());
    }
}

/// <summary>Four doubles (AVX2 + FMA).</summary>
internal readonly struct Simd256 : ISimdDouble<Simd256>
{
    private readonly Vector256<double> _v;

    private Simd256(Vector256<double> v) => _v = v;

    public static int Count => Vector256<double>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Load(ref double source, nuint index) => new(Vector256.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref double destination, nuint index) => _v.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Create(double value) => new(Vector256.Create(value));

    public static Simd256 operator +(Simd256 a, Simd256 b) => new(a._v + b._v);

    public static Simd256 operator -(Simd256 a, Simd256 b) => new(a._v - b._v);

    public static Simd256 operator *(Simd256 a, Simd256 b) => new(a._v * b._v);

    public static Simd256 operator /(Simd256 a, Simd256 b) => new(a._v / b._v);

    public static Simd256 operator &(Simd256 a, Simd256 b) => new(a._v & b._v);

    public static Simd256 operator |(Simd256 a, Simd256 b) => new(a._v | b._v);

    public static Simd256 operator ^(Simd256 a, Simd256 b) => new(a._v ^ b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Fma(Simd256 a, Simd256 b, Simd256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Abs(Simd256 a) => new(Vector256.Abs(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Min(Simd256 a, Simd256 b) => new(Vector256.MinNative(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Max(Simd256 a, Simd256 b) => new(Vector256.MaxNative(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Floor(Simd256 a) => new(Vector256.Floor(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Truncate(Simd256 a) => new(Vector256.Truncate(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Select(Simd256 mask, Simd256 a, Simd256 b) => new(Vector256.ConditionalSelect(mask._v, a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 LessThan(Simd256 a, Simd256 b) => new(Vector256.LessThan(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 LessThanOrEqual(Simd256 a, Simd256 b) => new(Vector256.LessThanOrEqual(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 GreaterThan(Simd256 a, Simd256 b) => new(Vector256.GreaterThan(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 IsNaN(Simd256 a) => new(~Vector256.Equals(a._v, a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(Simd256 mask) => mask._v.ExtractMostSignificantBits() != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Pow2(Simd256 k)
    {
        var t = k._v + Vector256.Create(6755399441055744.0 + 1023.0);
        return new(Vector256.ShiftLeft(t.AsInt64(), 52).AsDouble());
    }
}

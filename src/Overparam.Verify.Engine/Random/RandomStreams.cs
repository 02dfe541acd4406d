namespace Overparam.Verify.Engine.Random;

/// <summary>
/// Named random streams derived from one run seed. Each purpose ("init/W1", "data/x", ...) gets its own
/// Xoshiro256** generator, so adding a draw for one purpose never shifts another's sequence, and results
/// do not depend on the thread count as long as each stream is consumed by one thread.
/// </summary>
public static class RandomStreams
{
    /// <summary>The stream for <paramref name="name"/> under <paramref name="runSeed"/>.</summary>
    public static RandomStream For(ulong runSeed, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new RandomStream(runSeed ^ Fnv1a64(name));
    }

    /// <summary>FNV-1a 64-bit hash of the UTF-16 code units; stable across runs and platforms, unlike string.GetHashCode.</summary>
    public static ulong Fnv1a64(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s)
        {
            h ^= (byte)c;
            h *= 1099511628211UL;
            h ^= (byte)(c >> 8);
            h *= 1099511628211UL;
        }
        return h;
    }
}

/// <summary>
/// Xoshiro256** (Blackman–Vigna) seeded through SplitMix64. Not thread-safe: one stream, one consumer.
/// Gaussian draws use the polar Box–Muller method with a cached second value.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "a named random stream, not a System.IO.Stream")]
public sealed class RandomStream
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian;
    private bool _hasSpare;

    /// <summary>Seeds the four state words from <paramref name="seed"/> by SplitMix64, as the algorithm's authors recommend.</summary>
    public RandomStream(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 uniformly random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform on [a, b).</summary>
    public double NextUniform(double a, double b) => a + (b - a) * NextDouble();

    /// <summary>Uniform integer in [0, n) without modulo bias (Lemire's method).</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ulong bound = (ulong)n;
        UInt128 m = (UInt128)NextUInt64() * bound;
        ulong low = (ulong)m;
        if (low < bound)
        {
            ulong threshold = (0UL - bound) % bound;
            while (low < threshold)
            {
                m = (UInt128)NextUInt64() * bound;
                low = (ulong)m;
            }
        }
        return (int)(m >> 64);
    }

    /// <summary>Standard normal N(0, 1).</summary>
    public double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareGaussian;
        }
        double u, v, s;
        do
        {
            u = 2.0 * NextDouble() - 1.0;
            v = 2.0 * NextDouble() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        double f = Math.Sqrt(-2.0 * Math.Log(s) / s);
        _spareGaussian = v * f;
        _hasSpare = true;
        return u * f;
    }

    /// <summary>
    /// Gamma(shape, 1), by Marsaglia–Tsang (ACM TOMS 26, 2000): squeeze-free acceptance on (1 + x/√(9a−3))³ with
    /// x ~ N(0, 1) for shape ≥ 1; for shape &lt; 1 the boost Gamma(a) = Gamma(a + 1)·U^{1/a}.
    /// χ²(k) is 2·NextGamma(k/2).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">shape is not positive and finite.</exception>
    public double NextGamma(double shape)
    {
        if (!(shape > 0) || !double.IsFinite(shape)) throw new ArgumentOutOfRangeException(nameof(shape), shape, "the shape must be positive and finite");
        if (shape < 1)
        {
            double g = NextGamma(shape + 1);
            // 1 − U lies in (0, 1], so the power never sees 0 (which would return exactly 0 for any shape).
            return g * Math.Pow(1.0 - NextDouble(), 1.0 / shape);
        }
        double d = shape - 1.0 / 3.0, c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x = NextGaussian();
            double v = 1.0 + c * x;
            if (v <= 0) continue;
            v = v * v * v;
            double u = 1.0 - NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    /// <summary>±1 with equal probability.</summary>
    public double NextRademacher() => (NextUInt64() >> 63) == 0 ? 1.0 : -1.0;

    /// <summary>Fills <paramref name="dest"/> with N(mean, std²) draws.</summary>
    public void FillGaussian(Span<double> dest, double mean = 0.0, double std = 1.0)
    {
        for (int i = 0; i < dest.Length; i++) dest[i] = mean + std * NextGaussian();
    }

    /// <summary>Fills <paramref name="dest"/> with uniform draws on [a, b).</summary>
    public void FillUniform(Span<double> dest, double a = 0.0, double b = 1.0)
    {
        for (int i = 0; i < dest.Length; i++) dest[i] = NextUniform(a, b);
    }

    /// <summary>Fills <paramref name="dest"/> with ±1.</summary>
    public void FillRademacher(Span<double> dest)
    {
        for (int i = 0; i < dest.Length; i++) dest[i] = NextRademacher();
    }

    /// <summary>A uniformly random permutation of 0..n−1 (Fisher–Yates).</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}

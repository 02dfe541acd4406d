namespace Overparam.Verify.Engine.Models;

/// <summary>The scalar activations σ a hidden layer can apply elementwise.</summary>
public enum ActivationKind
{
    /// <summary>σ(x) = x.</summary>
    Identity,

    /// <summary>σ(x) = tanh x.</summary>
    Tanh,

    /// <summary>σ(x) = 1/(1 + e^{−x}).</summary>
    Sigmoid,

    /// <summary>σ(x) = log(1 + eˣ).</summary>
    Softplus,

    /// <summary>σ(x) = max(x, 0), with the convention σ′(0) = 0 and σ″ ≡ 0.</summary>
    Relu,

    /// <summary>σ(x) = x·Φ(x) with Φ the standard normal CDF (the exact GELU, not the tanh approximation).</summary>
    Gelu,

    /// <summary>σ(x) = erf x.</summary>
    Erf,

    /// <summary>σ(x) = cos x.</summary>
    Cos,
}

/// <summary>
/// Values, first and second derivatives of the activations, scalar and over spans, plus the properties the
/// theorem checks ask about (smoothness, monotonicity, derivative bounds). Formulas are chosen to stay accurate
/// for large |x|: sigmoid and softplus never form e^{|x|}, and σ′ of sigmoid is σ(x)σ(−x), not σ(1−σ).
/// NaN in gives NaN out for every function except relu's derivatives, which compare and so return 0.
/// </summary>
public static class Activations
{
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;
    private const double TwoOverSqrtPi = 1.12837916709551257390;

    private static readonly string[] Names = ["identity", "tanh", "sigmoid", "softplus", "relu", "gelu", "erf", "cos"];

    /// <summary>All activation names in enum order, as written in model files and on the command line.</summary>
    public static IReadOnlyList<string> AllNames => Names;

    /// <summary>The lower-case name used in model files ("tanh", ...).</summary>
    public static string Name(ActivationKind kind) =>
        (uint)kind < (uint)Names.Length ? Names[(int)kind] : throw new ArgumentOutOfRangeException(nameof(kind));

    /// <summary>Parses a lower-case activation name; anything else is refused with the list of valid names.</summary>
    /// <exception cref="InvalidInputException">Unknown name.</exception>
    public static ActivationKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int i = Array.IndexOf(Names, name);
        if (i < 0)
            throw new InvalidInputException($"unknown activation \"{name}\"; valid: {string.Join(", ", Names)}");
        return (ActivationKind)i;
    }

    /// <summary>True when σ is C^∞ on ℝ (every kind except relu).</summary>
    public static bool IsSmooth(ActivationKind kind) => kind != ActivationKind.Relu;

    /// <summary>
    /// True when σ is strictly increasing on ℝ (P2.C2 asks for this): identity, tanh, sigmoid, softplus, erf.
    /// Relu is flat on x &lt; 0, gelu dips below zero, cos oscillates.
    /// </summary>
    public static bool IsStrictlyIncreasing(ActivationKind kind) => kind switch
    {
        ActivationKind.Identity or ActivationKind.Tanh or ActivationKind.Sigmoid or ActivationKind.Softplus
            or ActivationKind.Erf => true,
        _ => false,
    };

    /// <summary>
    /// (inf σ′, sup σ′) over ℝ. The bounds need not be attained (tanh′ → 0 only at ±∞). For gelu they are
    /// attained at x = ∓√2, where σ″ = φ(x)(2 − x²) vanishes.
    /// </summary>
    public static (double Lower, double Upper) DerivativeBounds(ActivationKind kind) => kind switch
    {
        ActivationKind.Identity => (1.0, 1.0),
        ActivationKind.Tanh => (0.0, 1.0),
        ActivationKind.Sigmoid => (0.0, 0.25),
        ActivationKind.Softplus => (0.0, 1.0),
        ActivationKind.Relu => (0.0, 1.0),
        ActivationKind.Gelu => (Derivative(ActivationKind.Gelu, -Math.Sqrt(2.0)), Derivative(ActivationKind.Gelu, Math.Sqrt(2.0))),
        ActivationKind.Erf => (0.0, TwoOverSqrtPi),
        ActivationKind.Cos => (-1.0, 1.0),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// B₁ = sup_z |σ′(z)|, <b>certified</b>: the closed form of <see cref="DerivativeBounds"/> rounded up (one relative
    /// step of 16u over the few correctly rounded operations that produce it; gelu's, which goes through Φ and φ, 64u).
    /// The one definition every theorem uses (P2.C2/C3's S₁, P4.C3's B₁).
    /// </summary>
    public static double DerivativeSup(ActivationKind kind)
    {
        var (lo, hi) = DerivativeBounds(kind);
        double b = Math.Max(Math.Abs(lo), Math.Abs(hi));
        return kind switch
        {
            ActivationKind.Identity or ActivationKind.Tanh or ActivationKind.Sigmoid or ActivationKind.Softplus
                or ActivationKind.Relu or ActivationKind.Cos => b,   // exact dyadic constants (1, ¼)
            ActivationKind.Gelu => RoundUp(b, 64),
            _ => RoundUp(b, 16),
        };
    }

    /// <summary>
    /// B₂ = sup_z |σ″(z)|, <b>certified</b>: exact closed forms rounded up by 16u (each is a handful of correctly
    /// rounded operations): identity 0; tanh 4/(3√3) (at tanh z = 1/√3); sigmoid √3/18 (at σ = ½ ± √3/6); softplus ¼
    /// (at 0); gelu √(2/π) (at 0; the other extrema, z = ±2, give 2φ(2) ≈ 0.108); erf 2√2/√(πe) (at z = ±1/√2); cos 1;
    /// relu +∞ (σ′ jumps at 0). The one definition every theorem uses (P2's S₂, P4's B₂).
    /// </summary>
    public static double SecondDerivativeSup(ActivationKind kind) => kind switch
    {
        ActivationKind.Identity => 0.0,
        ActivationKind.Tanh => RoundUp(4.0 / (3.0 * Math.Sqrt(3.0)), 16),
        ActivationKind.Sigmoid => RoundUp(Math.Sqrt(3.0) / 18.0, 16),
        ActivationKind.Softplus => 0.25,
        ActivationKind.Gelu => RoundUp(Math.Sqrt(2.0 / Math.PI), 16),
        ActivationKind.Erf => RoundUp(2.0 * Math.Sqrt(2.0) / Math.Sqrt(Math.PI * Math.E), 16),
        ActivationKind.Cos => 1.0,
        ActivationKind.Relu => double.PositiveInfinity,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>v·(1 + units·u) rounded up once more: an upper bound on a positive constant computed to within units·u.</summary>
    private static double RoundUp(double v, int units) => Math.BitIncrement(v * (1 + units * 1.1102230246251565e-16));

    /// <summary>σ(x).</summary>
    public static double Value(ActivationKind kind, double x) => kind switch
    {
        ActivationKind.Identity => x,
        ActivationKind.Tanh => Math.Tanh(x),
        ActivationKind.Sigmoid => Sigmoid(x),
        ActivationKind.Softplus => Math.Max(x, 0.0) + LogOnePlus(Math.Exp(-Math.Abs(x))),
        ActivationKind.Relu => x > 0 ? x : (double.IsNaN(x) ? x : 0.0),
        ActivationKind.Gelu => x * NormalCdf(x),
        ActivationKind.Erf => ErrorFunction.Erf(x),
        ActivationKind.Cos => Math.Cos(x),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>σ′(x). Relu: 1 for x &gt; 0, else 0 (so σ′(0) = 0 by convention).</summary>
    public static double Derivative(ActivationKind kind, double x) => kind switch
    {
        ActivationKind.Identity => 1.0,
        ActivationKind.Tanh => TanhDerivative(x),
        ActivationKind.Sigmoid => Sigmoid(x) * Sigmoid(-x),
        ActivationKind.Softplus => Sigmoid(x),
        ActivationKind.Relu => x > 0 ? 1.0 : 0.0,
        ActivationKind.Gelu => NormalCdf(x) + x * NormalPdf(x),
        ActivationKind.Erf => TwoOverSqrtPi * Math.Exp(-x * x),
        ActivationKind.Cos => -Math.Sin(x),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>σ″(x). Relu: 0 everywhere (the point mass at 0 is ignored).</summary>
    public static double SecondDerivative(ActivationKind kind, double x) => kind switch
    {
        ActivationKind.Identity => 0.0,
        ActivationKind.Tanh => -2.0 * Math.Tanh(x) * TanhDerivative(x),
        ActivationKind.Sigmoid => SigmoidSecond(x),
        ActivationKind.Softplus => Sigmoid(x) * Sigmoid(-x),
        ActivationKind.Relu => 0.0,
        ActivationKind.Gelu => NormalPdf(x) * (2.0 - x * x),
        ActivationKind.Erf => -2.0 * x * TwoOverSqrtPi * Math.Exp(-x * x),
        ActivationKind.Cos => -Math.Cos(x),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>dest[i] = σ(x[i]); dest may alias x.</summary>
    public static void Value(ActivationKind kind, ReadOnlySpan<double> x, Span<double> dest)
    {
        CheckLengths(x, dest);
        switch (kind)
        {
            case ActivationKind.Identity:
                x.CopyTo(dest);
                break;
            case ActivationKind.Tanh:
                for (int i = 0; i < x.Length; i++) dest[i] = Math.Tanh(x[i]);
                break;
            case ActivationKind.Relu:
                for (int i = 0; i < x.Length; i++) dest[i] = x[i] > 0 ? x[i] : (double.IsNaN(x[i]) ? x[i] : 0.0);
                break;
            default:
                for (int i = 0; i < x.Length; i++) dest[i] = Value(kind, x[i]);
                break;
        }
    }

    /// <summary>dest[i] = σ′(x[i]); dest may alias x.</summary>
    public static void Derivative(ActivationKind kind, ReadOnlySpan<double> x, Span<double> dest)
    {
        CheckLengths(x, dest);
        switch (kind)
        {
            case ActivationKind.Identity:
                dest.Fill(1.0);
                break;
            case ActivationKind.Relu:
                for (int i = 0; i < x.Length; i++) dest[i] = x[i] > 0 ? 1.0 : 0.0;
                break;
            default:
                for (int i = 0; i < x.Length; i++) dest[i] = Derivative(kind, x[i]);
                break;
        }
    }

    /// <summary>dest[i] = σ″(x[i]); dest may alias x.</summary>
    public static void SecondDerivative(ActivationKind kind, ReadOnlySpan<double> x, Span<double> dest)
    {
        CheckLengths(x, dest);
        switch (kind)
        {
            case ActivationKind.Identity or ActivationKind.Relu:
                dest.Clear();
                break;
            default:
                for (int i = 0; i < x.Length; i++) dest[i] = SecondDerivative(kind, x[i]);
                break;
        }
    }

    /// <summary>Standard normal CDF Φ(x) = ½·erfc(−x/√2), accurate in both tails.</summary>
    public static double NormalCdf(double x) => 0.5 * ErrorFunction.Erfc(-x * InvSqrt2);

    /// <summary>Standard normal density φ(x).</summary>
    public static double NormalPdf(double x) => InvSqrt2Pi * Math.Exp(-0.5 * x * x);

    private static void CheckLengths(ReadOnlySpan<double> x, Span<double> dest)
    {
        if (x.Length != dest.Length)
            throw new ArgumentException($"destination has {dest.Length} entries, source has {x.Length}", nameof(dest));
    }

    private static double Sigmoid(double x)
    {
        // Only ever exponentiate a non-positive number, so nothing overflows.
        if (x >= 0) return 1.0 / (1.0 + Math.Exp(-x));
        double e = Math.Exp(x);
        return e / (1.0 + e);
    }

    private static double SigmoidSecond(double x)
    {
        double s = Sigmoid(x), t = Sigmoid(-x);
        // σ″ = σ(x)σ(−x)(σ(−x) − σ(x)); the difference is exact-ish as written since s + t = 1.
        return s * t * (t - s);
    }

    private static double TanhDerivative(double x)
    {
        // 1/cosh² keeps full relative accuracy in the tails, where 1 − tanh² cancels to 0.
        double c = Math.Cosh(x);
        return 1.0 / (c * c);
    }

    // log(1 + u) for u in [0, 1], accurate for tiny u (Math has no log1p).
    private static double LogOnePlus(double u)
    {
        double w = 1.0 + u;
        if (w == 1.0) return u;
        // Goldberg's trick: the rounding error of 1 + u cancels in log(w)·u/(w − 1).
        return Math.Log(w) * u / (w - 1.0);
    }
}

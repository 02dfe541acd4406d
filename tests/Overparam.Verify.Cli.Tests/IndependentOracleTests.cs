using System.Globalization;
using System.Text;
using System.Text.Json;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;
using Overparam.Verify.Engine.Random;
using Xunit.Abstractions;

namespace Overparam.Verify.Cli.Tests;

/// <summary>
/// An independent oracle for the numbers of `certify local-pl` (P2) and `certify moderate` (P4).
/// Every formula below is written from shared/papers.md §2, §4, §6 and theory/P2-local-pl.md, theory/P4-moderate.md
/// with plain loops and MathNet (eigenvalues, spectral norms, erf); nothing calls Overparam.Verify.Theory or the
/// engine's kernels, NTK, eigen or bound code. The engine is used only for its seeded random streams, to rebuild
/// the initial weights (P2: <c>init/W{ℓ}</c> uniform [0.5, 1.5]/fan-in; P4: <c>init/W1</c> N(0, 1)), and the data
/// are written by the test, so X and y are known exactly (round-trip "R" formatting).
/// </summary>
public sealed class IndependentOracleTests(ITestOutputHelper output)
{
    // ---------------------------------------------------------------------------------------------------------
    // Tolerances (named, absolute + relative; NaN is never accepted; ±∞ only equals itself).
    // ---------------------------------------------------------------------------------------------------------

    /// <summary>A named absolute + relative tolerance, as in STYLE.md §6.</summary>
    public readonly record struct OracleTolerance(string Name, double Absolute, double Relative)
    {
        public bool Accepts(double expected, double actual)
        {
            if (double.IsNaN(expected) || double.IsNaN(actual)) return false;
            if (double.IsInfinity(expected) || double.IsInfinity(actual)) return expected == actual;
            return Math.Abs(expected - actual) <= Absolute + Relative * Math.Max(Math.Abs(expected), Math.Abs(actual));
        }
    }

    /// <summary>One closed formula evaluated twice in float64 (different summation orders, different eigensolvers).</summary>
    private static readonly OracleTolerance Formula = new("Formula", 1e-12, 1e-9);

    /// <summary>Extreme eigenvalues of a Gram from two solvers: relative to λ_max, so absolute is scaled per use.</summary>
    private static OracleTolerance Spectral(double lambdaMax) => new("Spectral", 1e-12 * Math.Max(1.0, lambdaMax), 1e-9);

    /// <summary>Two Gauss–Hermite quadratures of the same smooth 2-D Gaussian integral (80 vs 100 nodes per axis).</summary>
    private static readonly OracleTolerance Quadrature = new("Quadrature", 1e-10, 1e-7);

    /// <summary>A round-off-level quantity (max|‖xᵢ‖ − 1|, a Weyl round-off bound).</summary>
    private static readonly OracleTolerance RoundOff = new("RoundOff", 1e-14, 1e-6);

    private const double Eps = 2.220446049250313e-16;

    // Disagreements this oracle found, all resolved (issue 10): P2.C4 now tests a ≥ a_min(r); P4.C4's step row reads
    // η (value) ≤ 1/β² (threshold); P4.C5's B for relu is documented as B₁ (theory/P4-moderate.md). Their tests below
    // hold the fixed behaviour.

    // ---------------------------------------------------------------------------------------------------------
    // P2 — Chatterjee local PL with positive initialization
    // ---------------------------------------------------------------------------------------------------------

    public sealed record P2Case(string Name, int N, int D, int[] Widths, string Activation, ulong Seed,
        double? OutputScale, double? Radius, double? Lr)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<P2Case> P2Cases => new()
    {
        // All defaults for a, r and η: r re-chosen on the grid for the final a = 3·a_min(r at a = 1).
        new P2Case("tanh-6,5-defaults", 4, 7, [6, 5], "tanh", 11, null, null, null),
        // One hidden layer: w_min is the output weight a itself; a, r and η given.
        new P2Case("identity-4-given", 3, 5, [4], "identity", 5, 4.0, 0.5, 1e-3),
        // Three hidden layers, a given, r from the grid, η default.
        new P2Case("erf-5,4,3-a-given", 5, 9, [5, 4, 3], "erf", 23, 60.0, null, null),
    };

    [Theory]
    [MemberData(nameof(P2Cases))]
    public void P2Certificate_IndependentOracle_MatchesEveryPinnedValue(P2Case c)
    {
        using var h = new CliHarness();
        var (xs, y) = WriteData(h, "d.csv", c.Seed, c.N, c.D, unitRows: false, labelsPm1: false);
        var args = new List<string> { "certify", "local-pl", "--data", h.PathOf("d.csv"), "--widths", string.Join(',', c.Widths),
            "--activation", c.Activation, "--seed", c.Seed.ToString(CultureInfo.InvariantCulture), "--steps", "1", "--no-compare",
            "--out", h.PathOf("out") };
        if (c.OutputScale is { } a0) args.AddRange(["--output-scale", CliHarness.R(a0)]);
        if (c.Radius is { } r0) args.AddRange(["--radius", CliHarness.R(r0)]);
        if (c.Lr is { } lr0) args.AddRange(["--lr", CliHarness.R(lr0)]);
        var (code, _, err) = h.Run([.. args]);
        Assert.True(code is 0 or 3 or 4, err);
        var cert = Cert.Load(h.PathOf("out"));
        var pins = new Pins(c.Name);

        var act = P2Act.Of(c.Activation);
        var p2 = new P2Oracle(xs, y, c.Widths, act, c.Seed);

        // a and r as theory/P2-local-pl.md "Choices the tool makes" documents them.
        double a, r;
        if (c.OutputScale is { } ga) a = ga;
        else
        {
            double r1 = p2.ChooseRadius(1.0);
            a = 3.0 * p2.MinimalOutputScale(r1);
        }
        r = c.Radius ?? p2.ChooseRadius(a);
        var m0 = p2.Model(a);
        double f0 = p2.Loss(m0);
        var (lamMin, lamMax) = p2.InputGramExtremes();
        double lamLower = Math.Max(0, lamMin - 1e-12 * lamMax);
        var cb = p2.Certified(m0, r);
        double alphaC = 4.0 / c.N * lamLower * cb.MinU * cb.MinU;
        double wmin = m0.WMin;
        double aMin = p2.MinimalOutputScale(r);

        // P2.C1–C4 (value, threshold, holds, role, status).
        // P2.C1: a certified lower bound on λ_min(XXᵀ) against 0 — within the spectral tolerance of λ_min here.
        pins.Condition(cert, "P2.C1", "hypothesis", "certified", lamMin, 0.0, lamMin > 1e-12 * lamMax, Spectral(lamMax));
        pins.Condition(cert, "P2.C2", "hypothesis", "certified", act.MinPrimeOn(cb.Z), 0.0, act.MinPrimeOn(cb.Z) > 0, Formula);
        pins.Condition(cert, "P2.C3", "hypothesis", "certified", r * r * alphaC, 4 * f0, r * r * alphaC > 4 * f0, Formula);
        pins.Condition(cert, "P2.C4", "hypothesis", "exact", wmin, r, wmin > r && a >= aMin, Formula);

        // Quantities.
        pins.Quantity(cert, "alpha", "derived", "certified", alphaC, Formula);
        pins.Quantity(cert, "initialization", "a", "exact", a, Formula);
        pins.Quantity(cert, "initialization", "a_min", "exact", aMin, Formula);
        pins.Quantity(cert, "initialization", "r", "exact", r, Formula);
        pins.Quantity(cert, "initialization", "f(w₀)", "exact", f0, Formula);
        pins.Quantity(cert, "instance", "w_min", "exact", wmin, Formula);
        pins.Quantity(cert, "instance", "λ_min(XXᵀ)", "exact", lamMin, Spectral(lamMax));
        pins.Quantity(cert, "instance", "minᵢ‖uᵢ(w₀)‖", "exact", cb.MinUAtW0, Formula);
        pins.Quantity(cert, "instance", "inf_B minᵢ‖uᵢ‖", "certified", cb.MinU, Formula);
        if (c.Lr is { } lr) pins.Quantity(cert, "initialization", "η", "exact", lr, Formula);

        // η and β̂ are read back (β̂ is a sampled estimate, η = 1/β̂(w₀) by default); the formulas that use them
        // are pinned given those inputs, and β̂(w₀) = 1/η is held one-sidedly against ‖∇²f(w₀)‖ (never above it).
        double eta = cert.Quantity("initialization", "η").Value;
        double betaHat = cert.Quantity("initialization", "β̂").Value;
        pins.StatusOf(cert.Quantity("initialization", "β̂").Status, "estimated", "β̂ status");
        if (c.Lr is null)
        {
            double hessNorm = p2.HessianNorm(m0);
            pins.AtMost("1/η = β̂(w₀) ≤ ‖∇²f(w₀)‖ (dense finite-difference Hessian)", 1.0 / eta, hessNorm * (1 + 1e-5));
        }

        // P2.C5 premise with the tool's β̂.
        double c5 = r * r * alphaC * Math.Pow(1 - betaHat * eta / 2, 2);
        pins.Condition(cert, "P2.C5", "premise", "estimated", c5, 4 * f0, null, Formula);

        // One GD step w₁ = w₀ − η∇f(w₀): R2 (with β̂), R3, R4, R6 and the trajectory/NTK minima.
        var g0 = p2.Gradient(m0);
        var m1 = m0.Step(g0, eta);
        double f1 = p2.Loss(m1);
        double rho0 = Dot(g0, g0) / f0, g1n = Dot(p2.Gradient(m1), p2.Gradient(m1)), rho1 = g1n / f1;
        double ntk0 = 4.0 / c.N * p2.NtkLambdaMin(m0), ntk1 = 4.0 / c.N * p2.NtkLambdaMin(m1);
        double q = 1 - alphaC * eta + 0.5 * alphaC * betaHat * eta * eta;
        pins.Prediction(cert, "P2.R2", "bound", "estimated", q * f0, f1, Formula);
        pins.Prediction(cert, "P2.R3", "bound", "estimated", 2 * Math.Sqrt(f0 / alphaC) / (1 - betaHat * eta / 2),
            eta * Math.Sqrt(Dot(g0, g0)), Formula);
        pins.Prediction(cert, "P2.R4", "measurement", "exact", 1e-6, f1 / f0, Formula);
        pins.Prediction(cert, "P2.R6", "self-check", "certified", alphaC, Math.Min(rho0, rho1), Formula);
        pins.Quantity(cert, "alpha", "trajectory", "estimated", Math.Min(rho0, rho1), Formula);
        pins.Quantity(cert, "alpha", "ntk", "estimated", Math.Min(ntk0, ntk1), new OracleTolerance("Spectral", 1e-10 * rho0, 1e-9));

        pins.AssertAll(output);
    }

    [Fact]
    public void P2Threshold_OutputScaleAcrossAMin_C3FlipsExactlyThere()
    {
        // identity, one hidden layer, fixed radius: the certified margin is quadratic in a; a_min solved in closed form.
        var (cert, a, aMin) = RunP2AtScale(aMinFactor: 1 - 1e-6, out var pinsBelow);
        pinsBelow.Condition(cert, "P2.C3", "hypothesis", "certified", double.NaN, double.NaN, false, Formula, valuesToo: false);
        pinsBelow.AssertAll(output);
        Assert.True(a < aMin);
        var (cert2, a2, aMin2) = RunP2AtScale(aMinFactor: 1 + 1e-6, out var pinsAbove);
        pinsAbove.Condition(cert2, "P2.C3", "hypothesis", "certified", double.NaN, double.NaN, true, Formula, valuesToo: false);
        pinsAbove.Condition(cert2, "P2.C4", "hypothesis", "exact", double.NaN, double.NaN, true, Formula, valuesToo: false);
        pinsAbove.AssertAll(output);
        Assert.True(a2 > aMin2);
    }

    [Fact]
    public void P2Threshold_RadiusAcrossWMin_C4FlipsExactlyThere()
    {
        foreach (var (factor, holds) in new[] { (1 - 1e-6, true), (1 + 1e-6, false) })
        {
            using var h = new CliHarness();
            var (xs, y) = WriteData(h, "d.csv", 31, 4, 6, unitRows: false, labelsPm1: false);
            var p2 = new P2Oracle(xs, y, [5, 5], P2Act.Of("tanh"), 31);
            var m = p2.Model(200.0);
            double r = m.WMin * factor;
            // Below w_min, a is taken well above a_min(r), so that only w_min against r decides P2.C4 here.
            double a = factor < 1 ? Math.Max(200.0, 2 * p2.MinimalOutputScale(r)) : 200.0;
            Assert.Equal(m.WMin, p2.Model(a).WMin);
            var (code, _, err) = h.Run("certify", "local-pl", "--data", h.PathOf("d.csv"), "--widths", "5,5", "--seed", "31",
                "--output-scale", CliHarness.R(a), "--radius", CliHarness.R(r), "--lr", "1e-5", "--steps", "1", "--no-compare",
                "--out", h.PathOf("out"));
            Assert.True(code is 0 or 3 or 4, err);
            var cert = Cert.Load(h.PathOf("out"));
            var pins = new Pins($"radius w_min·{factor}");
            pins.Condition(cert, "P2.C4", "hypothesis", "exact", m.WMin, r, holds, Formula);
            pins.AssertAll(output);
        }
    }

    [Fact]
    public void P2C4_OutputScaleBelowAMin_FailsAsDocumented()
    {
        var (cert, a, aMin) = RunP2AtScale(aMinFactor: 1 - 1e-6, out var pins);
        Assert.True(a < aMin);
        pins.Condition(cert, "P2.C4", "hypothesis", "exact", double.NaN, double.NaN, false, Formula, valuesToo: false);
        pins.AssertAll(output);
    }

    private static (Cert Cert, double A, double AMin) RunP2AtScale(double aMinFactor, out Pins pins)
    {
        using var h = new CliHarness();
        var (xs, y) = WriteData(h, "d.csv", 7, 3, 6, unitRows: false, labelsPm1: false);
        var p2 = new P2Oracle(xs, y, [5], P2Act.Of("identity"), 7);
        const double r = 0.3;
        double aMin = p2.MinimalOutputScale(r);
        double a = aMin * aMinFactor;
        var (code, _, err) = h.Run("certify", "local-pl", "--data", h.PathOf("d.csv"), "--widths", "5", "--activation", "identity",
            "--seed", "7", "--output-scale", CliHarness.R(a), "--radius", CliHarness.R(r), "--lr", "1e-4", "--steps", "1",
            "--no-compare", "--out", h.PathOf("out"));
        Assert.True(code is 0 or 3 or 4, err);
        var cert = Cert.Load(h.PathOf("out"));
        pins = new Pins($"a = a_min·{aMinFactor}");
        pins.Quantity(cert, "initialization", "a_min", "exact", aMin, Formula);
        var m = p2.Model(a);
        var cb = p2.Certified(m, r);
        var (lamMin, lamMax) = p2.InputGramExtremes();
        double alphaC = 4.0 / xs.Length * Math.Max(0, lamMin - 1e-12 * lamMax) * cb.MinU * cb.MinU;
        double f0 = p2.Loss(m);
        // Near the threshold the margin is O(1e-6): compare value and threshold, not the sign of their difference.
        pins.Equal("P2.C3 value", r * r * alphaC, cert.Condition("P2.C3", "hypothesis").Value, Formula);
        pins.Equal("P2.C3 threshold", 4 * f0, cert.Condition("P2.C3", "hypothesis").Threshold, Formula);
        return (cert, a, aMin);
    }

    // ---------------------------------------------------------------------------------------------------------
    // P4 — Oymak–Soltanolkotabi moderate overparameterization
    // ---------------------------------------------------------------------------------------------------------

    public sealed record P4Case(string Name, int N, int D, int K, string Activation, double Nu, ulong Seed)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<P4Case> P4Cases => new()
    {
        new P4Case("identity-n5-d8-k16", 5, 8, 16, "identity", 1.0, 1),   // closed form Σ = XXᵀ, L = 0
        new P4Case("erf-n6-d4-k24", 6, 4, 24, "erf", 1.5, 2),             // closed form det(I + 2C)^{-1/2}, n > d
        new P4Case("softplus-n7-d5-k32", 7, 5, 32, "softplus", 1.0, 3),   // quadrature Σ, μ_φ = 1/2 exact
        new P4Case("tanh-n4-d6-k20", 4, 6, 20, "tanh", 0.7, 4),           // quadrature Σ and μ_φ
        new P4Case("relu-n5-d3-k12", 5, 3, 12, "relu", 1.0, 5),           // arc-cosine Σ; B₂ = L = ∞; P4.C3 fails
    };

    [Theory]
    [MemberData(nameof(P4Cases))]
    public void P4Certificate_IndependentOracle_MatchesEveryPinnedValue(P4Case c)
    {
        using var h = new CliHarness();
        var (xs, y) = WriteData(h, "m.csv", c.Seed, c.N, c.D, unitRows: true, labelsPm1: true);
        var (code, _, err) = h.Run("certify", "moderate", "--data", h.PathOf("m.csv"), "--k", c.K.ToString(CultureInfo.InvariantCulture),
            "--activation", c.Activation, "--nu", CliHarness.R(c.Nu), "--seed", c.Seed.ToString(CultureInfo.InvariantCulture),
            "--steps", "1", "--out", h.PathOf("out"));
        Assert.True(code is 0 or 3 or 4, err);
        var cert = Cert.Load(h.PathOf("out"));
        var pins = new Pins(c.Name);
        var o = new P4Oracle(xs, y, c.K, P4Act.Of(c.Activation), c.Nu, c.Seed);
        PinP4(pins, cert, o, eta: o.InvBetaSq);
        pins.AssertAll(output);
    }

    [Fact]
    public void P4Threshold_StepAcrossInverseBetaSquared_C4FlipsExactlyThere()
    {
        foreach (var (factor, holds) in new[] { (1 - 1e-6, true), (1 + 1e-6, false) })
        {
            using var h = new CliHarness();
            var (xs, y) = WriteData(h, "m.csv", 41, 5, 7, unitRows: true, labelsPm1: true);
            var o = new P4Oracle(xs, y, 10, P4Act.Of("identity"), 1.0, 41);
            double eta = o.InvBetaSq * factor;
            var (code, _, err) = h.Run("certify", "moderate", "--data", h.PathOf("m.csv"), "--k", "10", "--activation", "identity",
                "--seed", "41", "--lr", CliHarness.R(eta), "--steps", "1", "--out", h.PathOf("out"));
            Assert.True(code is 0 or 3 or 4, err);
            var cert = Cert.Load(h.PathOf("out"));
            var pins = new Pins($"η = (1/β²)·{factor}");
            PinP4(pins, cert, o, eta);
            // Both P4.C4 rows flip: the hypothesis η ≤ 1/β², and the measurement's derived form (needs ηβ_H ≤ 1, β_H = β²).
            pins.Condition(cert, "P4.C4", "hypothesis", "certified", eta, o.InvBetaSq, holds, Formula);
            pins.Condition(cert, "P4.C4", "measurement", "certified", o.Alpha * o.Alpha, o.Lip * o.R0Norm, holds, Formula);
            pins.AssertAll(output);
        }
    }

    [Fact]
    public void P4Threshold_RowNormAcrossTolerance_C6FlipsExactlyThere()
    {
        foreach (var (stretch, holds) in new[] { (5e-11, true), (2e-10, false) })
        {
            using var h = new CliHarness();
            var (xs, y) = WriteData(h, "m.csv", 43, 4, 6, unitRows: true, labelsPm1: true, stretchFirstRow: stretch);
            var (code, _, err) = h.Run("certify", "moderate", "--data", h.PathOf("m.csv"), "--k", "8", "--activation", "identity",
                "--seed", "43", "--steps", "1", "--out", h.PathOf("out"));
            Assert.True(code is 0 or 3 or 4, err);
            var cert = Cert.Load(h.PathOf("out"));
            var pins = new Pins($"‖x₁‖ = 1 + {stretch}");
            double dev = xs.Max(x => Math.Abs(Math.Sqrt(Dot(x, x)) - 1));
            pins.Condition(cert, "P4.C6", "hypothesis", "exact", dev, 1e-10, holds, RoundOff);
            pins.AssertAll(output);
        }
    }

    [Fact]
    public void P4C4_StepSizeRow_ValueIsEtaAsStated()
    {
        using var h = new CliHarness();
        var (xs, y) = WriteData(h, "m.csv", 41, 5, 7, unitRows: true, labelsPm1: true);
        var o = new P4Oracle(xs, y, 10, P4Act.Of("identity"), 1.0, 41);
        double eta = 0.5 * o.InvBetaSq;
        var (code, _, err) = h.Run("certify", "moderate", "--data", h.PathOf("m.csv"), "--k", "10", "--activation", "identity",
            "--seed", "41", "--lr", CliHarness.R(eta), "--steps", "1", "--out", h.PathOf("out"));
        Assert.True(code is 0 or 3 or 4, err);
        var pins = new Pins("P4.C4 orientation");
        pins.Condition(Cert.Load(h.PathOf("out")), "P4.C4", "hypothesis", "certified", eta, o.InvBetaSq, true, Formula);
        pins.AssertAll(output);
    }

    [Fact]
    public void P4C5_Relu_ThresholdUsesB1AsDocumented()
    {
        using var h = new CliHarness();
        var (xs, y) = WriteData(h, "m.csv", 5, 5, 3, unitRows: true, labelsPm1: true);
        var (code, _, err) = h.Run("certify", "moderate", "--data", h.PathOf("m.csv"), "--k", "12", "--activation", "relu",
            "--seed", "5", "--steps", "1", "--out", h.PathOf("out"));
        Assert.True(code is 0 or 3 or 4, err);
        var cert = Cert.Load(h.PathOf("out"));
        var o = new P4Oracle(xs, y, 12, P4Act.Of("relu"), 1.0, 5);
        double kappa = Math.Sqrt((double)o.D / o.N) * o.XNorm / o.Lambda;
        // theory/P4-moderate.md: B = max(B₁, B₂), except B₁ where B₂ = ∞ (relu; the ReLU power of n is a gap).
        var pins = new Pins("relu P4.C5 with B = B₁");
        pins.Condition(cert, "P4.C5", "measurement", "exact", Math.Sqrt((double)o.K * o.D), o.Act.B1 * kappa * o.N,
            false, Formula);
        pins.Quantity(cert, "kernel and bounds", "sqrt(kd)/(B kappa(X) n)", "exact",
            Math.Sqrt((double)o.K * o.D) / (o.Act.B1 * kappa * o.N), Formula);
        pins.AssertAll(output);
    }

    private static void PinP4(Pins pins, Cert cert, P4Oracle o, double eta)
    {
        int n = o.N;
        bool closed = o.Act.ClosedFormSigma;
        string lamStatus = closed ? "exact" : "estimated";
        var lamTol = closed ? Spectral(o.SigmaMax) : Quadrature;
        double err = o.SigmaErrorClosedForm; // n·ε·λ_max(Σ): the documented error term for closed forms (round-off only)

        // P4.C1: a certified lower bound on σ_min(J(W₀)) against 0 — within the spectral tolerance of σ_min on these
        // well-separated instances.
        pins.Condition(cert, "P4.C1", "hypothesis", "certified", o.Alpha, 0.0, o.Alpha > 1e-6 * o.JNorm,
            new OracleTolerance("Spectral", 1e-12 * o.JNorm, 1e-9));
        // P4.C2
        if (closed)
        {
            // The threshold is the certified error bound (checked below against this oracle's λ(X)).
            pins.Condition(cert, "P4.C2", "hypothesis", "exact", o.Lambda, double.NaN, o.Lambda > err, lamTol, thresholdToo: false);
        }
        else
        {
            // The threshold is the tool's own quadrature-error estimate (‖Σ_m − Σ_2m‖_F + n·ε·λ_max, its m and
            // parameterization): not reproducible independently, so it is held one-sidedly — it must cover the
            // actual distance between the tool's λ(X) and this oracle's 100-node λ(X).
            pins.Condition(cert, "P4.C2", "premise", "estimated", o.Lambda, double.NaN, false, lamTol, thresholdToo: false);
            double toolErr = cert.Condition("P4.C2", "premise").Threshold;
            pins.AtMost("|λ(X) tool − λ(X) oracle| ≤ the tool's quadrature error estimate",
                Math.Abs(cert.Condition("P4.C2", "premise").Value - o.Lambda), toolErr + Quadrature.Absolute);
            err = toolErr;
        }
        // P4.C3
        bool smooth = double.IsFinite(o.Act.B2);
        // P4.C3: B = max(B₁, B₂), closed forms rounded up (certified): never below the oracle's closed form.
        pins.Condition(cert, "P4.C3", "hypothesis", "certified", Math.Max(o.Act.B1, o.Act.B2), double.PositiveInfinity, smooth, Formula);
        // P4.C4 (hypothesis): η ≤ 1/β², value η against threshold 1/β².
        pins.Condition(cert, "P4.C4", "hypothesis", "certified", eta, o.InvBetaSq, eta <= o.InvBetaSq, Formula);
        // P4.C4 (ball, theory/P4-moderate.md): with s₀ = σ_min(J(W₀)), L and ρ = ‖r₀‖, σ_min ≥ s₀ − L·R on B(W₀, R);
        // some α with R = 4ρ/α works iff s₀² ≥ 16Lρ, the tool taking the larger root α*.
        var ballRow = cert.BallRow();
        double disc = o.Alpha * o.Alpha - 16 * o.Lip * o.R0Norm;
        if (double.IsFinite(o.Lip) && disc > 1e-9 * o.Alpha * o.Alpha)
        {
            double alphaStar = (o.Alpha + Math.Sqrt(disc)) / 2;
            pins.Equal("P4.C4 (ball) threshold α*", alphaStar, ballRow.Threshold, Formula);
            pins.Equal("P4.C4 (ball) value s₀ − L·R*", o.Alpha - o.Lip * 4 * o.R0Norm / alphaStar, ballRow.Value, Formula);
            pins.True("P4.C4 (ball) holds", ballRow.Holds);
        }
        else if (!double.IsFinite(o.Lip) || disc < -1e-9 * o.Alpha * o.Alpha)
        {
            pins.True("P4.C4 (ball) is not established", !ballRow.Holds && ballRow.Outcome == "inconclusive");
            if (double.IsFinite(o.Lip))
                pins.Equal("P4.C4 (ball) value max(0, s₀ − 4Lρ/s₀)", Math.Max(0, o.Alpha - o.Lip * 4 * o.R0Norm / o.Alpha), ballRow.Value, Formula);
        }
        // P4.C4 (measurement): α² vs L‖r₀‖, holds only for the derived form α² ≥ 8L‖r₀‖ with ηβ_H ≤ 1.
        bool derived = o.Alpha * o.Alpha >= 8 * o.Lip * o.R0Norm && eta * o.BetaHBall <= 1;
        pins.Condition(cert, "P4.C4", "measurement", "certified", o.Alpha * o.Alpha, o.Lip * o.R0Norm, derived, Formula);
        // P4.C5 (measurement), B = max(B₁, B₂) as P4.C3 defines it. For relu (B = ∞) the tool's threshold uses a
        // finite B: that threshold is asserted only in the skipped P4C5_Relu_ThresholdUsesBMaxInfinite.
        double kappa = Math.Sqrt((double)o.D / n) * o.XNorm / o.Lambda;
        double bMax = Math.Max(o.Act.B1, o.Act.B2);
        pins.Condition(cert, "P4.C5", "measurement", lamStatus, Math.Sqrt((double)o.K * o.D), bMax * kappa * n, null,
            Formula, thresholdTol: lamTol, thresholdToo: smooth);
        // P4.C6
        pins.Condition(cert, "P4.C6", "hypothesis", "exact", o.RowNormDeviation, 1e-10, o.RowNormDeviation <= 1e-10, RoundOff);
        // P4.C7: λ(X) + error against μ_φ²·λ_min(XXᵀ) (clamped at 0).
        double c7Threshold = o.Act.MuPhi * o.Act.MuPhi * Math.Max(0, o.XxtMin);
        if (closed)
            pins.Condition(cert, "P4.C7", "hypothesis", "certified", o.Lambda + err, c7Threshold, o.Lambda + err >= c7Threshold,
                lamTol, thresholdTol: Spectral(o.XxtMax));
        else
            pins.Condition(cert, "P4.C7", "premise", "estimated", o.Lambda + err, c7Threshold, false, Quadrature,
                thresholdTol: Spectral(o.XxtMax));

        // Predictions after one GD step W₁ = W₀ − η∇L(W₀).
        var step = o.OneStep(eta);
        if (smooth && eta * step.BetaH0 <= 2)
        {
            double bound = 1 - 2 * eta * o.Alpha * o.Alpha * (1 - eta * step.BetaH0 / 2);
            pins.Prediction(cert, "P4.R1", "bound", "certified", bound, step.Ratio, Formula);
        }
        else
        {
            pins.Absent(cert, "P4.R1", "bound", "certified"); // relu, or every step skipped (ηβ_H,τ > 2)
        }
        pins.PredictionObservedOnly(cert, "P4.R1", "bound", "estimated", step.Ratio, Formula);
        pins.Prediction(cert, "P4.R2", "conditional-bound", "exact", o.RBall, step.Move, Formula);
        pins.Prediction(cert, "P4.R5", "measurement", "estimated", o.Lambda, o.Alpha * o.Alpha / (o.Nu * o.Nu), lamTol,
            observedTol: new OracleTolerance("Spectral", 1e-12 * o.JNorm * o.JNorm / (o.Nu * o.Nu), 1e-9));

        // Quantities.
        pins.Quantity(cert, "alpha", "initial", "exact", o.Alpha, new OracleTolerance("Spectral", 1e-12 * o.JNorm, 1e-9));
        pins.Quantity(cert, "alpha", "trajectory", "estimated", Math.Min(o.Alpha, step.Alpha1), new OracleTolerance("Spectral", 1e-12 * o.JNorm, 1e-9));
        pins.Quantity(cert, "alpha", "ball", "certified", Math.Max(0, o.Alpha - o.Lip * o.RBall), Formula);
        pins.Quantity(cert, "initialization", "ν", "exact", o.Nu, Formula);
        pins.Quantity(cert, "initialization", "R", "exact", o.RBall, Formula);
        pins.Quantity(cert, "initialization", "L(W₀)", "exact", 0.5 * o.R0Norm * o.R0Norm, Formula);
        pins.Quantity(cert, "initialization", "η", "exact", eta, Formula);
        pins.Quantity(cert, "theory", "lambda(X)", lamStatus, o.Lambda, lamTol);
        pins.Quantity(cert, "theory", "beta", "certified", o.Beta, Formula);
        pins.Quantity(cert, "theory", "L", "certified", o.Lip, Formula);
        pins.Quantity(cert, "theory", "alpha^2/(L ||r0||)", "certified", o.Alpha * o.Alpha / (o.Lip * o.R0Norm), Formula);
        pins.Quantity(cert, "kernel and bounds", "||X||", "certified", o.XNorm, Formula);
        // Upper bounds, rounding included: not below the oracle's values (computed to a few ulps, hence 1e-15).
        pins.AtMost("‖X‖ (oracle) ≤ certified ‖X‖", o.XNorm * (1 - 1e-15), cert.Quantity("kernel and bounds", "||X||").Value);
        pins.AtMost("B₁ (oracle) ≤ certified B₁", o.Act.B1 * (1 - 1e-15), cert.Quantity("kernel and bounds", "B1").Value);
        if (double.IsFinite(o.Act.B2))
            pins.AtMost("B₂ (oracle) ≤ certified B₂", o.Act.B2 * (1 - 1e-15), cert.Quantity("kernel and bounds", "B2").Value);
        pins.Quantity(cert, "kernel and bounds", "lambda_min(XX^T)", "exact", o.XxtMin, Spectral(o.XxtMax));
        pins.Quantity(cert, "kernel and bounds", "mu_phi", closed || o.Act.MuPhiClosed ? "exact" : "estimated", o.Act.MuPhi,
            o.Act.MuPhiClosed ? Formula : Quadrature);
        pins.Quantity(cert, "kernel and bounds", "mu_phi^2 lambda_min(XX^T)", o.Act.MuPhiClosed ? "certified" : "estimated",
            c7Threshold, Spectral(o.XxtMax));
        pins.Quantity(cert, "kernel and bounds", "B1", "certified", o.Act.B1, Formula);
        pins.Quantity(cert, "kernel and bounds", "B2", "certified", o.Act.B2, Formula);
        pins.Quantity(cert, "kernel and bounds", "alpha", "exact", o.Alpha, new OracleTolerance("Spectral", 1e-12 * o.JNorm, 1e-9));
        pins.Quantity(cert, "kernel and bounds", "||J(W0)||", "exact", o.JNorm, Formula);
        pins.Quantity(cert, "kernel and bounds", "||r0||", "exact", o.R0Norm, Formula);
        // Certified only under the derived form's condition α² ≥ 8L‖r₀‖ and ηβ_H ≤ 1 (theory/P4-moderate.md).
        bool derivedForm = o.Alpha * o.Alpha >= 8 * o.Lip * o.R0Norm && eta * o.BetaHBall <= 1;
        pins.Quantity(cert, "kernel and bounds", "beta_H ball", derivedForm ? "certified" : "estimated", o.BetaHBall, Formula);
        pins.Quantity(cert, "kernel and bounds", "1/beta^2", "certified", o.InvBetaSq, Formula);
        pins.Quantity(cert, "theory", "kappa(X)", lamStatus, kappa, lamTol);
        if (smooth)
            pins.Quantity(cert, "kernel and bounds", "sqrt(kd)/(B kappa(X) n)", lamStatus, Math.Sqrt((double)o.K * o.D) / (bMax * kappa * n), lamTol);
        if (closed)
        {
            // A certified error bound for closed forms: it must cover the distance between the tool's λ(X) and this
            // oracle's, and stay within a few hundred ulps of λ_max·n (not absurdly loose).
            var toolErr = cert.Quantity("kernel and bounds", "lambda(X) error bound");
            pins.StatusOf(toolErr.Status, "certified", "lambda(X) error bound");
            pins.AtMost("|λ(X) tool − λ(X) oracle| ≤ the certified error bound",
                Math.Abs(cert.Condition("P4.C2", "hypothesis").Value - o.Lambda), toolErr.Value);
            pins.AtMost("the certified error bound ≤ 1e-12·n·max(1, λ_max(Σ))", toolErr.Value, 1e-12 * n * Math.Max(1, o.SigmaMax));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Data files written by the test (no engine writer).
    // ---------------------------------------------------------------------------------------------------------

    private static (double[][] X, double[] Y) WriteData(CliHarness h, string name, ulong seed, int n, int d, bool unitRows,
        bool labelsPm1, double stretchFirstRow = 0)
    {
        var rng = RandomStreams.For(seed, "test/oracle-data");
        var sb = new StringBuilder(string.Join(",", Enumerable.Range(1, d).Select(j => "x" + j.ToString(CultureInfo.InvariantCulture))) + ",y\n");
        var xs = new double[n][];
        var ys = new double[n];
        for (int i = 0; i < n; i++)
        {
            var x = new double[d];
            for (int j = 0; j < d; j++) x[j] = rng.NextGaussian();
            if (unitRows)
            {
                double s = Math.Sqrt(Dot(x, x));
                double scale = (i == 0 ? 1 + stretchFirstRow : 1) / s;
                for (int j = 0; j < d; j++) x[j] *= scale;
            }
            double yi = labelsPm1 ? rng.NextRademacher() : rng.NextGaussian();
            // The values the CLI reads are exactly the round-trip strings written here.
            xs[i] = x.Select(v => double.Parse(CliHarness.R(v), CultureInfo.InvariantCulture)).ToArray();
            ys[i] = yi;
            sb.Append(string.Join(",", xs[i].Select(CliHarness.R))).Append(',').Append(CliHarness.R(yi)).Append('\n');
        }
        h.Write(name, sb.ToString());
        return (xs, ys);
    }

    internal static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    internal static (double Min, double Max) SymmetricExtremes(double[,] m)
    {
        var ev = Matrix<double>.Build.DenseOfArray(m).Evd(Symmetricity.Symmetric).EigenValues.Select(z => z.Real).ToArray();
        return (ev.Min(), ev.Max());
    }

    internal static double SpectralNorm(double[][] rows) => Matrix<double>.Build.DenseOfRowArrays(rows).L2Norm();

    // ---------------------------------------------------------------------------------------------------------
    // Certificate reading (own JSON reading; "Infinity" strings and null = NaN as in the contract).
    // ---------------------------------------------------------------------------------------------------------

    internal sealed record Row(double Value, double Threshold, bool Holds, string Status, string Role);

    internal sealed record PredRow(double Bound, double Observed, bool Holds, string Status, string Role, string Sense);

    internal sealed record QRow(double Value, string Status);

    internal sealed class Cert
    {
        private readonly JsonElement _root;

        private Cert(JsonElement root) => _root = root;

        public static Cert Load(string dir)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "certificate.json")));
            return new Cert(doc.RootElement.Clone());
        }

        public static double Num(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Number => e.GetDouble(),
            JsonValueKind.String => e.GetString() switch
            {
                "Infinity" => double.PositiveInfinity,
                "-Infinity" => double.NegativeInfinity,
                var s => throw new FormatException(s),
            },
            _ => double.NaN,
        };

        public Row? TryCondition(string id, string role) =>
            _root.GetProperty("conditions").EnumerateArray()
                .Where(c => c.GetProperty("id").GetString() == id && c.GetProperty("role").GetString() == role)
                .Select(c => new Row(Num(c.GetProperty("value")), Num(c.GetProperty("threshold")), c.GetProperty("holds").GetBoolean(),
                    c.GetProperty("status").GetString()!, role))
                .Cast<Row?>().FirstOrDefault();

        /// <summary>P4's ball row: the P4.C4 hypothesis whose statement starts "meta-theorem ball".</summary>
        public (double Value, double Threshold, bool Holds, string Outcome) BallRow() =>
            _root.GetProperty("conditions").EnumerateArray()
                .Where(c => c.GetProperty("id").GetString() == "P4.C4"
                    && c.GetProperty("statement").GetString()!.StartsWith("meta-theorem ball", StringComparison.Ordinal))
                .Select(c => (Num(c.GetProperty("value")), Num(c.GetProperty("threshold")), c.GetProperty("holds").GetBoolean(),
                    c.GetProperty("outcome").GetString()!))
                .Single();

        public Row Condition(string id, string role) => TryCondition(id, role) ?? throw new KeyNotFoundException($"{id} ({role})");

        public PredRow? TryPrediction(string id, string role, string status) =>
            _root.GetProperty("predictions").EnumerateArray()
                .Where(p => p.GetProperty("id").GetString() == id && p.GetProperty("role").GetString() == role
                    && p.GetProperty("status").GetString() == status)
                .Select(p => new PredRow(Num(p.GetProperty("bound")), Num(p.GetProperty("observed")), p.GetProperty("holds").GetBoolean(),
                    status, role, p.GetProperty("sense").GetString()!))
                .Cast<PredRow?>().FirstOrDefault();

        public QRow Quantity(string group, string name) =>
            _root.GetProperty("quantities").EnumerateArray()
                .Where(g => g.GetProperty("name").GetString() == group)
                .SelectMany(g => g.GetProperty("values").EnumerateArray())
                .Where(v => v.GetProperty("name").GetString() == name)
                .Select(v => new QRow(Num(v.GetProperty("value")), v.GetProperty("status").GetString()!))
                .Cast<QRow?>().FirstOrDefault() ?? throw new KeyNotFoundException($"quantity {group}/{name}");
    }

    /// <summary>Collects every comparison, counts the pinned values, and fails once listing every disagreement.</summary>
    internal sealed class Pins(string instance)
    {
        private readonly List<string> _failures = [];
        private int _count;

        public static int Total { get; private set; }

        public void Equal(string what, double expected, double actual, OracleTolerance tol)
        {
            _count++;
            if (!tol.Accepts(expected, actual))
                _failures.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{what}: tool {actual:R}, oracle {expected:R} (rel diff {Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-300):E2}, tolerance {tol.Name})"));
        }

        public void True(string what, bool condition)
        {
            _count++;
            if (!condition) _failures.Add($"{what}: false");
        }

        public void AtMost(string what, double actual, double limit)
        {
            _count++;
            if (!(actual <= limit))
                _failures.Add(string.Create(CultureInfo.InvariantCulture, $"{what}: {actual:R} > {limit:R}"));
        }

        public void StatusOf(string actual, string expected, string what)
        {
            if (actual != expected) _failures.Add($"{what}: status '{actual}', theory/*.md says '{expected}'");
        }

        public void Condition(Cert cert, string id, string role, string status, double value, double threshold, bool? holds,
            OracleTolerance tol, OracleTolerance? thresholdTol = null, bool valuesToo = true, bool thresholdToo = true)
        {
            var row = cert.TryCondition(id, role);
            if (row is null)
            {
                _failures.Add($"{id} ({role}) missing from the certificate");
                return;
            }
            StatusOf(row.Status, status, $"{id} ({role})");
            if (valuesToo)
            {
                Equal($"{id} ({role}) value", value, row.Value, tol);
                if (thresholdToo) Equal($"{id} ({role}) threshold", threshold, row.Threshold, thresholdTol ?? tol);
            }
            if (holds is { } hb)
            {
                _count++;
                if (row.Holds != hb) _failures.Add($"{id} ({role}) holds: tool {row.Holds}, oracle {hb}");
            }
        }

        public void Prediction(Cert cert, string id, string role, string status, double bound, double observed, OracleTolerance tol,
            OracleTolerance? observedTol = null)
        {
            var row = cert.TryPrediction(id, role, status);
            if (row is null)
            {
                _failures.Add($"{id} ({role}, {status}) missing from the certificate");
                return;
            }
            Equal($"{id} ({status}) bound", bound, row.Bound, tol);
            Equal($"{id} ({status}) observed", observed, row.Observed, observedTol ?? tol);
            if (row.Role == "measurement") return;
            // A bound row's holds flag must be the comparison of the oracle's observed and bound in its sense.
            _count++;
            bool oracleHolds = row.Sense == "at-least" ? observed >= bound : observed <= bound;
            if (row.Holds != oracleHolds)
                _failures.Add($"{id} ({status}) holds: tool {row.Holds}, oracle {oracleHolds}");
        }

        public void PredictionObservedOnly(Cert cert, string id, string role, string status, double observed, OracleTolerance tol)
        {
            var row = cert.TryPrediction(id, role, status);
            if (row is null)
            {
                _failures.Add($"{id} ({role}, {status}) missing from the certificate");
                return;
            }
            Equal($"{id} ({status}) observed", observed, row.Observed, tol);
        }

        public void Absent(Cert cert, string id, string role, string status)
        {
            _count++;
            if (cert.TryPrediction(id, role, status) is not null)
                _failures.Add($"{id} ({role}, {status}) is reported but theory/*.md says it does not run here");
        }

        public void Quantity(Cert cert, string group, string name, string status, double value, OracleTolerance tol)
        {
            QRow q;
            try { q = cert.Quantity(group, name); }
            catch (KeyNotFoundException e)
            {
                _failures.Add(e.Message + " missing");
                return;
            }
            StatusOf(q.Status, status, $"quantity {group}/{name}");
            Equal($"quantity {group}/{name}", value, q.Value, tol);
        }

        public void AssertAll(ITestOutputHelper output)
        {
            Total += _count;
            output.WriteLine($"[{instance}] pinned {_count} values; {_failures.Count} disagreement(s)");
            foreach (var f in _failures) output.WriteLine("  " + f);
            Assert.True(_failures.Count == 0, $"[{instance}] {_failures.Count} disagreement(s) with the independent oracle:\n  "
                + string.Join("\n  ", _failures));
        }
    }
}

// -------------------------------------------------------------------------------------------------------------
// P2 oracle: the positive-initialization MLP z₁ = W₁x, h = σ(z), z_{ℓ+1} = W_{ℓ+1}h, φ = z_L (c = 1, no biases).
// -------------------------------------------------------------------------------------------------------------

/// <summary>σ, σ′ and the constants theory/P2-local-pl.md uses: S₁ = sup|σ′|, S₂ = sup|σ″|, Δσ′ = sup σ′ − inf σ′.</summary>
internal sealed record P2Act(string Name, Func<double, double> F, Func<double, double> Fp, double S1, double S2, double DeltaPrime)
{
    private static readonly double TwoOverSqrtPi = 2 / Math.Sqrt(Math.PI);

    public static P2Act Of(string name) => name switch
    {
        // tanh″ = −2 tanh·sech², extreme at tanh = 1/√3: 4/(3√3).
        "tanh" => new(name, Math.Tanh, z => 1 - Math.Tanh(z) * Math.Tanh(z), 1, 4 / (3 * Math.Sqrt(3)), 1),
        "identity" => new(name, z => z, _ => 1, 1, 0, 0),
        // erf′ = (2/√π)e^{−z²}, erf″ = −(4/√π)z e^{−z²}, extreme at z = 1/√2: 2√2 e^{−1/2}/√π.
        "erf" => new(name, SpecialFunctions.Erf, z => TwoOverSqrtPi * Math.Exp(-z * z), TwoOverSqrtPi,
            2 * Math.Sqrt(2) * Math.Exp(-0.5) / Math.Sqrt(Math.PI), TwoOverSqrtPi),
        _ => throw new NotSupportedException(name),
    };

    /// <summary>min σ′ on [−Z, Z]: σ′ is even and decreasing in |z| for tanh and erf, constant for identity.</summary>
    public double MinPrimeOn(double z) => Fp(z);
}

internal sealed class P2Model(double[][][] w)
{
    /// <summary>W[ℓ] for ℓ = 0..L−1 (W[0] = W₁, W[L−1] the 1×m output row).</summary>
    public double[][][] W { get; } = w;

    /// <summary>Smallest weight of layers 2..L (the output layer included).</summary>
    public double WMin => W.Skip(1).SelectMany(m => m).SelectMany(r => r).Min();

    public P2Model Step(double[] grad, double eta)
    {
        int p = 0;
        var nw = W.Select(m => m.Select(r => r.ToArray()).ToArray()).ToArray();
        foreach (var m in nw)
            foreach (var r in m)
                for (int j = 0; j < r.Length; j++) r[j] -= eta * grad[p++];
        return new P2Model(nw);
    }
}

internal sealed class P2Oracle(double[][] xs, double[] y, int[] widths, P2Act act, ulong seed)
{
    private int N => xs.Length;

    /// <summary>Initializers.Positive as documented: W₁ = 0, hidden-to-hidden uniform [0.5, 1.5)/fan-in from
    /// stream init/W{ℓ}, output row all a.</summary>
    public P2Model Model(double a)
    {
        int d = xs[0].Length;
        var layers = new List<double[][]> { Enumerable.Range(0, widths[0]).Select(_ => new double[d]).ToArray() };
        for (int l = 1; l < widths.Length; l++)
        {
            var rng = RandomStreams.For(seed, $"init/W{l + 1}");
            var m = new double[widths[l]][];
            for (int i = 0; i < widths[l]; i++)
            {
                m[i] = new double[widths[l - 1]];
                for (int j = 0; j < widths[l - 1]; j++) m[i][j] = rng.NextUniform(0.5, 1.5) / widths[l - 1];
            }
            layers.Add(m);
        }
        layers.Add([Enumerable.Repeat(a, widths[^1]).ToArray()]);
        return new P2Model([.. layers]);
    }

    private static double[] MatVec(double[][] m, double[] v) => m.Select(r => IndependentOracleTests.Dot(r, v)).ToArray();

    /// <summary>Forward pass: pre-activations z_ℓ (ℓ = 1..L) and hidden states h_ℓ (h₀ = x).</summary>
    private (double[][] Z, double[][] H) Forward(P2Model m, double[] x)
    {
        int L = m.W.Length;
        var z = new double[L][];
        var hs = new double[L][];
        hs[0] = x;
        for (int l = 0; l < L; l++)
        {
            z[l] = MatVec(m.W[l], hs[l]);
            if (l < L - 1) hs[l + 1] = z[l].Select(act.F).ToArray();
        }
        return (z, hs);
    }

    /// <summary>φ(x) and ∂φ/∂z_ℓ for every layer (δ[0] = u = ∂φ/∂z₁).</summary>
    private (double Phi, double[][] Delta, double[][] H) Backward(P2Model m, double[] x)
    {
        var (z, hs) = Forward(m, x);
        int L = m.W.Length;
        var delta = new double[L][];
        delta[L - 1] = [1.0];
        for (int l = L - 1; l >= 1; l--)
        {
            var prev = new double[m.W[l][0].Length];
            for (int j = 0; j < prev.Length; j++)
            {
                double s = 0;
                for (int i = 0; i < m.W[l].Length; i++) s += m.W[l][i][j] * delta[l][i];
                prev[j] = s * act.Fp(z[l - 1][j]);
            }
            delta[l - 1] = prev;
        }
        return (z[L - 1][0], delta, hs);
    }

    /// <summary>Jacobian row of φ(xᵢ) over every weight (layer order, row-major).</summary>
    private double[] JacobianRow(P2Model m, double[] x)
    {
        var (_, delta, hs) = Backward(m, x);
        var row = new List<double>();
        for (int l = 0; l < m.W.Length; l++)
            for (int i = 0; i < m.W[l].Length; i++)
                for (int j = 0; j < m.W[l][i].Length; j++) row.Add(delta[l][i] * hs[l][j]);
        return [.. row];
    }

    /// <summary>f(w) = (1/n)‖φ(X; w) − y‖².</summary>
    public double Loss(P2Model m)
    {
        double s = 0;
        for (int i = 0; i < N; i++)
        {
            double r = Backward(m, xs[i]).Phi - y[i];
            s += r * r;
        }
        return s / N;
    }

    /// <summary>∇f = (2/n)·Jᵀr.</summary>
    public double[] Gradient(P2Model m)
    {
        double[]? g = null;
        for (int i = 0; i < N; i++)
        {
            double r = Backward(m, xs[i]).Phi - y[i];
            var row = JacobianRow(m, xs[i]);
            g ??= new double[row.Length];
            for (int k = 0; k < row.Length; k++) g[k] += 2.0 / N * r * row[k];
        }
        return g!;
    }

    /// <summary>λ_min(K), K = JJᵀ (explicit Jacobian rows).</summary>
    public double NtkLambdaMin(P2Model m)
    {
        var rows = xs.Select(x => JacobianRow(m, x)).ToArray();
        var k = new double[N, N];
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) k[i, j] = IndependentOracleTests.Dot(rows[i], rows[j]);
        return IndependentOracleTests.SymmetricExtremes(k).Min;
    }

    /// <summary>‖∇²f(w)‖ by central differences of the analytic gradient (dense, symmetrized).</summary>
    public double HessianNorm(P2Model m)
    {
        int p = Gradient(m).Length;
        var hm = new double[p, p];
        const double step = 1e-5;
        for (int k = 0; k < p; k++)
        {
            var e = new double[p];
            e[k] = step;
            var gp = Gradient(m.Step(e, -1));
            var gm = Gradient(m.Step(e, 1));
            for (int j = 0; j < p; j++) hm[j, k] = (gp[j] - gm[j]) / (2 * step);
        }
        for (int j = 0; j < p; j++)
            for (int k = j + 1; k < p; k++) hm[j, k] = hm[k, j] = 0.5 * (hm[j, k] + hm[k, j]);
        var (mn, mx) = IndependentOracleTests.SymmetricExtremes(hm);
        return Math.Max(Math.Abs(mn), Math.Abs(mx));
    }

    public (double Min, double Max) InputGramExtremes()
    {
        var g = new double[N, N];
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) g[i, j] = IndependentOracleTests.Dot(xs[i], xs[j]);
        return IndependentOracleTests.SymmetricExtremes(g);
    }

    /// <summary>ω(W) = min(‖W‖_F, √(‖W‖₁‖W‖_∞)) ≥ ‖W‖₂.</summary>
    private static double Omega(double[][] w)
    {
        double fro = Math.Sqrt(w.Sum(r => r.Sum(v => v * v)));
        double inf = w.Max(r => r.Sum(Math.Abs));
        double one = Enumerable.Range(0, w[0].Length).Max(j => w.Sum(r => Math.Abs(r[j])));
        return Math.Min(fro, Math.Sqrt(one * inf));
    }

    public sealed record CertifiedBall(double MinU, double MinUAtW0, double Z, double[] G);

    /// <summary>theory/P2-local-pl.md "Certified bound", steps 1–4 and 6, per input: gᵢ = ‖uᵢ(w₀)‖ − (Π(a+e) − Πa).</summary>
    public CertifiedBall Certified(P2Model m, double r)
    {
        int L = m.W.Length;
        var omega = m.W.Select(Omega).ToArray();
        var g = new double[N];
        double minU0 = double.PositiveInfinity, zMax = 0;
        for (int i = 0; i < N; i++)
        {
            var (z, hs) = Forward(m, xs[i]);
            var (_, delta, _) = Backward(m, xs[i]);
            double u0 = Math.Sqrt(IndependentOracleTests.Dot(delta[0], delta[0]));
            minU0 = Math.Min(minU0, u0);
            // Factors D₁, W₂ᵀ, D₂, …, D_{L−1}, (cW_L)ᵀ with norms a_k and perturbations e_k.
            var fa = new List<double>();
            var fe = new List<double>();
            double dh = 0;
            for (int l = 1; l <= L - 1; l++)
            {
                double hNorm = Math.Sqrt(IndependentOracleTests.Dot(hs[l - 1], hs[l - 1]));
                double dz = omega[l - 1] * dh + r * (hNorm + dh);
                dh = act.S1 * dz;
                zMax = Math.Max(zMax, z[l - 1].Max(Math.Abs) + dz);
                fa.Add(z[l - 1].Max(act.Fp));
                fe.Add(Math.Min(act.S2 * dz, act.DeltaPrime));
                fa.Add(omega[l]); // W_{ℓ+1}ᵀ; for ℓ = L−1 this is the output layer with c = 1
                fe.Add(r);
            }
            double pert = 0;
            for (int k = 0; k < fa.Count; k++)
            {
                double pre = 1, post = 1;
                for (int j = 0; j < k; j++) pre *= fa[j] + fe[j];
                for (int j = k + 1; j < fa.Count; j++) post *= fa[j];
                pert += pre * fe[k] * post;
            }
            g[i] = u0 - pert;
        }
        return new CertifiedBall(Math.Max(0, g.Min()), minU0, zMax, g);
    }

    private double Margin(P2Model m, double r)
    {
        var (mn, mx) = InputGramExtremes();
        var cb = Certified(m, r);
        return r * r * (4.0 / N) * Math.Max(0, mn - 1e-12 * mx) * cb.MinU * cb.MinU - 4 * Loss(m);
    }

    /// <summary>The r maximizing the certified margin over w_min·j/101, j = 1..100 (first maximum).</summary>
    public double ChooseRadius(double a)
    {
        var m = Model(a);
        double wmin = m.WMin, best = double.NegativeInfinity, arg = double.NaN;
        for (int j = 1; j <= 100; j++)
        {
            double r = wmin * j / 101;
            double v = Margin(m, r);
            if (v > best) (best, arg) = (v, r);
        }
        return arg;
    }

    /// <summary>
    /// a_min(r) in closed form: with σ(0) = 0, f(w₀) = ‖y‖²/n does not depend on a and every gᵢ is affine in a
    /// (only the output factor scales with a), so the margin is positive iff minᵢ gᵢ(a) &gt; T := √(4f/(r²(4/n)λ_lower))
    /// and w_min &gt; r; a_min = max(maxᵢ aᵢ*, r when the output row is in w_min).
    /// </summary>
    public double MinimalOutputScale(double r)
    {
        var (mn, mx) = InputGramExtremes();
        double lamLower = Math.Max(0, mn - 1e-12 * mx);
        var m1 = Model(1.0);
        var m2 = Model(2.0);
        double f = Loss(m1);
        Assert.True(Math.Abs(f - Loss(m2)) <= 1e-14 * Math.Max(1, f), "σ(0) = 0: f(w₀) must not depend on a");
        double t = Math.Sqrt(4 * f / (r * r * 4.0 / N * lamLower));
        var g1 = Certified(m1, r).G;
        var g2 = Certified(m2, r).G;
        double aStar = 0;
        for (int i = 0; i < N; i++)
        {
            double slope = g2[i] - g1[i];
            Assert.True(slope > 0);
            aStar = Math.Max(aStar, 1 + (t - g1[i]) / slope);
        }
        double hiddenMin = m1.W.Skip(1).SkipLast(1).SelectMany(w => w).SelectMany(v => v).DefaultIfEmpty(double.PositiveInfinity).Min();
        if (!(hiddenMin > r)) return double.NaN;
        return Math.Max(aStar, r);
    }
}

// -------------------------------------------------------------------------------------------------------------
// P4 oracle: f(x; W) = vᵀφ(Wx), v = ±ν/√k frozen, L = ½‖r‖².
// -------------------------------------------------------------------------------------------------------------

internal sealed record P4Act(string Name, Func<double, double> F, Func<double, double> Fp, double B1, double B2, double MuPhi,
    bool MuPhiClosed, bool ClosedFormSigma)
{
    private static readonly double TwoOverSqrtPi = 2 / Math.Sqrt(Math.PI);

    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    public static P4Act Of(string name) => name switch
    {
        "identity" => new(name, z => z, _ => 1, 1, 0, 1, true, true),
        // erf: μ_φ = E[(2/√π)e^{−g²}] = (2/√π)/√3.
        "erf" => new(name, SpecialFunctions.Erf, z => TwoOverSqrtPi * Math.Exp(-z * z), TwoOverSqrtPi,
            2 * Math.Sqrt(2) * Math.Exp(-0.5) / Math.Sqrt(Math.PI), TwoOverSqrtPi / Math.Sqrt(3), true, true),
        // softplus: φ′ = sigmoid (B₁ = 1), φ″ = sig(1 − sig) ≤ ¼; μ_φ = E[sigmoid(g)] = ½ by symmetry.
        "softplus" => new(name, z => Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))), Sigmoid, 1, 0.25, 0.5, true, false),
        "tanh" => new(name, Math.Tanh, z => 1 - Math.Tanh(z) * Math.Tanh(z), 1, 4 / (3 * Math.Sqrt(3)),
            GaussHermite.Expect1(z => 1 - Math.Tanh(z) * Math.Tanh(z)), false, false),
        // relu: φ′ = 1[z > 0]; μ_φ = ½; no bounded φ″.
        "relu" => new(name, z => Math.Max(z, 0), z => z > 0 ? 1 : 0, 1, double.PositiveInfinity, 0.5, true, true),
        _ => throw new NotSupportedException(name),
    };

    /// <summary>
    /// Σᵢⱼ = E_w[φ′(w·xᵢ)φ′(w·xⱼ)]·xᵢᵀxⱼ. Closed forms: erf (4/π)·det(I + 2C)^{-1/2} with C the 2×2 Gram of xᵢ, xⱼ;
    /// relu (π − θᵢⱼ)/(2π) with θᵢⱼ the angle between xᵢ and xⱼ, computed as 2·atan2(‖x̂ᵢ − x̂ⱼ‖, ‖x̂ᵢ + x̂ⱼ‖) (accurate
    /// near θ = 0, where arccos of a Gram entry 1 − ulp would be off by √ulp ≈ 1e-8). Smooth φ: 2-D Gauss–Hermite
    /// (the rows are unit norm, so the pair is standard bivariate normal with correlation xᵢᵀxⱼ).
    /// </summary>
    public double SigmaEntry(double[] xi, double[] xj)
    {
        double g = IndependentOracleTests.Dot(xi, xj), nii = IndependentOracleTests.Dot(xi, xi), njj = IndependentOracleTests.Dot(xj, xj);
        double e = Name switch
        {
            "identity" => 1,
            "erf" => 4 / Math.PI / Math.Sqrt((1 + 2 * nii) * (1 + 2 * njj) - 4 * g * g),
            "relu" => (Math.PI - Angle(xi, xj)) / (2 * Math.PI),
            _ => GaussHermite.Expect2(Fp, Math.Clamp(g, -1, 1)),
        };
        return e * g;
    }

    private static double Angle(double[] a, double[] b)
    {
        double na = Math.Sqrt(IndependentOracleTests.Dot(a, a)), nb = Math.Sqrt(IndependentOracleTests.Dot(b, b));
        double dm = 0, dp = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double u = a[i] / na, v = b[i] / nb;
            dm += (u - v) * (u - v);
            dp += (u + v) * (u + v);
        }
        return 2 * Math.Atan2(Math.Sqrt(dm), Math.Sqrt(dp));
    }
}

/// <summary>Gauss–Hermite rules by Golub–Welsch on the Jacobi matrix (MathNet symmetric EVD), 100 nodes.</summary>
internal static class GaussHermite
{
    private static readonly (double[] T, double[] W) Rule = Build(100);

    private static (double[] T, double[] W) Build(int m)
    {
        var j = Matrix<double>.Build.Dense(m, m);
        for (int k = 1; k < m; k++) j[k, k - 1] = j[k - 1, k] = Math.Sqrt(k / 2.0);
        var evd = j.Evd(Symmetricity.Symmetric);
        var t = evd.EigenValues.Select(z => z.Real).ToArray();
        var w = Enumerable.Range(0, m).Select(i => Math.Sqrt(Math.PI) * evd.EigenVectors[0, i] * evd.EigenVectors[0, i]).ToArray();
        return (t, w);
    }

    /// <summary>E[h(g)], g ~ N(0, 1).</summary>
    public static double Expect1(Func<double, double> h)
    {
        double s = 0;
        for (int a = 0; a < Rule.T.Length; a++) s += Rule.W[a] * h(Math.Sqrt(2) * Rule.T[a]);
        return s / Math.Sqrt(Math.PI);
    }

    /// <summary>E[h(u)h(v)], (u, v) standard bivariate normal with correlation ρ (u = g₁, v = ρg₁ + √(1−ρ²)g₂).</summary>
    public static double Expect2(Func<double, double> h, double rho)
    {
        double c = Math.Sqrt(Math.Max(0, 1 - rho * rho)), s = 0;
        for (int a = 0; a < Rule.T.Length; a++)
        {
            double g1 = Math.Sqrt(2) * Rule.T[a], ha = h(g1), inner = 0;
            for (int b = 0; b < Rule.T.Length; b++) inner += Rule.W[b] * h(rho * g1 + c * Math.Sqrt(2) * Rule.T[b]);
            s += Rule.W[a] * ha * inner;
        }
        return s / Math.PI;
    }
}

internal sealed class P4Oracle
{
    private readonly double[][] _x;
    private readonly double[] _y;
    private readonly double[] _v;
    private readonly double[][] _w0;

    public P4Oracle(double[][] xs, double[] y, int k, P4Act act, double nu, ulong seed)
    {
        _x = xs;
        _y = y;
        Act = act;
        Nu = nu;
        K = k;
        N = xs.Length;
        D = xs[0].Length;
        // Initializers.P4TwoLayer as documented: W (k × d) i.i.d. N(0, 1) from stream init/W1, row-major.
        var flat = new double[k * D];
        RandomStreams.For(seed, "init/W1").FillGaussian(flat, 0.0, 1.0);
        _w0 = Enumerable.Range(0, k).Select(l => flat.Skip(l * D).Take(D).ToArray()).ToArray();
        double e = nu / Math.Sqrt(k);
        _v = Enumerable.Range(0, k).Select(l => l < k / 2 ? e : -e).ToArray();

        XNorm = IndependentOracleTests.SpectralNorm(xs);
        var xxt = new double[N, N];
        var sigma = new double[N, N];
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
            {
                xxt[i, j] = IndependentOracleTests.Dot(xs[i], xs[j]);
                sigma[i, j] = act.SigmaEntry(xs[i], xs[j]);
            }
        (XxtMin, XxtMax) = IndependentOracleTests.SymmetricExtremes(xxt);
        (Lambda, SigmaMax) = IndependentOracleTests.SymmetricExtremes(sigma);
        SigmaErrorClosedForm = N * 2.220446049250313e-16 * SigmaMax;
        RowNormDeviation = xs.Max(x => Math.Abs(Math.Sqrt(IndependentOracleTests.Dot(x, x)) - 1));

        var (amin, amax) = GramExtremes(_w0);
        Alpha = Math.Sqrt(Math.Max(0, amin));
        JNorm = Math.Sqrt(amax);
        R0 = Residual(_w0);
        R0Norm = Math.Sqrt(IndependentOracleTests.Dot(R0, R0));
        double vNorm = Math.Sqrt(IndependentOracleTests.Dot(_v, _v)), vInf = _v.Max(Math.Abs);
        double xMaxRow = xs.Max(x => Math.Sqrt(IndependentOracleTests.Dot(x, x)));
        Beta = act.B1 * vNorm * XNorm;
        InvBetaSq = 1 / (Beta * Beta);
        Lip = act.B2 * vInf * XNorm * xMaxRow;
        RBall = 4 * R0Norm / Alpha;
        BetaHBall = Beta * Beta + 2 * vInf * act.B2 * XNorm * XNorm * R0Norm;
        VInf = vInf;
    }

    public P4Act Act { get; }
    public double Nu { get; }
    public int K { get; }
    public int N { get; }
    public int D { get; }
    public double XNorm { get; }
    public double XxtMin { get; }
    public double XxtMax { get; }
    public double Lambda { get; }
    public double SigmaMax { get; }
    public double SigmaErrorClosedForm { get; }
    public double RowNormDeviation { get; }
    public double Alpha { get; }
    public double JNorm { get; }
    public double[] R0 { get; }
    public double R0Norm { get; }
    public double Beta { get; }
    public double InvBetaSq { get; }
    public double Lip { get; }
    public double RBall { get; }
    public double BetaHBall { get; }
    public double VInf { get; }

    /// <summary>Row i of J: (v ∘ φ′(Wxᵢ)) ⊗ xᵢ, formed explicitly (k·d columns).</summary>
    private double[][] Jacobian(double[][] w) =>
        _x.Select(x =>
        {
            var row = new double[K * D];
            for (int l = 0; l < K; l++)
            {
                double c = _v[l] * Act.Fp(IndependentOracleTests.Dot(w[l], x));
                for (int j = 0; j < D; j++) row[l * D + j] = c * x[j];
            }
            return row;
        }).ToArray();

    private (double Min, double Max) GramExtremes(double[][] w)
    {
        var j = Jacobian(w);
        var g = new double[N, N];
        for (int a = 0; a < N; a++)
            for (int b = 0; b < N; b++) g[a, b] = IndependentOracleTests.Dot(j[a], j[b]);
        return IndependentOracleTests.SymmetricExtremes(g);
    }

    private double[] Residual(double[][] w) =>
        _x.Select((x, i) => Enumerable.Range(0, K).Sum(l => _v[l] * Act.F(IndependentOracleTests.Dot(w[l], x))) - _y[i]).ToArray();

    public sealed record StepResult(double Ratio, double Move, double Alpha1, double BetaH0);

    /// <summary>One GD step on ½‖r‖²: ∇L = Jᵀr (row ℓ = v_ℓ Σᵢ rᵢφ′(w_ℓᵀxᵢ)xᵢ).</summary>
    public StepResult OneStep(double eta)
    {
        var j = Jacobian(_w0);
        var grad = new double[K * D];
        for (int i = 0; i < N; i++)
            for (int p = 0; p < grad.Length; p++) grad[p] += R0[i] * j[i][p];
        double gNorm = Math.Sqrt(IndependentOracleTests.Dot(grad, grad));
        var w1 = _w0.Select((row, l) => row.Select((v, c) => v - eta * grad[l * D + c]).ToArray()).ToArray();
        var r1 = Residual(w1);
        double ratio = IndependentOracleTests.Dot(r1, r1) / (R0Norm * R0Norm);
        double alpha1 = Math.Sqrt(Math.Max(0, GramExtremes(w1).Min));
        // Certified curvature on the step: β² + ‖v‖_∞B₂‖X‖²(‖r₀‖_∞ + β‖W₁ − W₀‖).
        double betaH0 = Beta * Beta + VInf * Act.B2 * XNorm * XNorm * (R0.Max(Math.Abs) + Beta * eta * gNorm);
        return new StepResult(ratio, eta * gNorm, alpha1, betaH0);
    }
}

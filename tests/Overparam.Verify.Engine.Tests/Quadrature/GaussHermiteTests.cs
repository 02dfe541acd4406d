using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Quadrature;
using MathNetMatrix = MathNet.Numerics.LinearAlgebra.Matrix<double>;

namespace Overparam.Verify.Engine.Tests.Quadrature;

public class GaussHermiteTests
{
    // Moments E[z^p] up to p = 2m − 1 = 159: each node carries ~1 ulp, raised to the p-th power that is ~p ulps
    // relative, summed over positive terms; 1e−11 leaves two decades over that.
    private static readonly Tolerance Moment = new(0.0, 1e-11);

    // Golub–Welsch (a dense eigensolver) and Newton are two routes to the same nodes; both are good to a few ulps
    // times the node size, so they agree to ~1e−13 relative; weights of the outer nodes are tiny and agree relatively.
    private static readonly Tolerance Oracle = new(1e-13, 1e-10);

    // Quadrature of a smooth integrand against an adaptive double-exponential integration (~1e−13). Entire
    // integrands reach round-off at 80 nodes; sech² (poles at ±iπ/2) converges like e^{−c√m} and needs ~160 nodes.
    private static readonly Tolerance Integration = new(1e-11, 1e-10);

    private static double DoubleFactorial(int p)
    {
        double r = 1;
        for (int i = p; i > 1; i -= 2) r *= i;
        return r;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(21)]
    [InlineData(40)]
    [InlineData(80)]
    public void StandardNormalRule_PolynomialsUpToDegree2mMinus1_AreExact(int m)
    {
        var rule = GaussHermite.Rule(m);
        for (int p = 0; p <= 2 * m - 1; p++)
        {
            double q = rule.Integrate(z => Math.Pow(z, p));
            if (p % 2 == 1)
            {
                // Odd moments vanish; the tolerance scales with the neighbouring even moment's size.
                double scale = DoubleFactorial(p) + 1;
                Assert.True(Math.Abs(q) <= Moment.Relative * scale, $"m={m} p={p}: {q}");
            }
            else Assert.True(Moment.Accepts(DoubleFactorial(p - 1), q), $"m={m} p={p}: {q} vs {DoubleFactorial(p - 1)}");
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    public void StandardNormalRule_Degree2m_IsNotExact(int m)
    {
        // The m-point rule's first failure is z^{2m}: its error is m!·(√2)^{2m}·… > 0, so exactness above is not vacuous.
        double q = GaussHermite.Rule(m).Integrate(z => Math.Pow(z, 2 * m));
        Assert.False(Moment.Accepts(DoubleFactorial(2 * m - 1), q));
    }

    [Theory]
    [InlineData(HermiteConvention.Physicists, 1.7724538509055160273)]
    [InlineData(HermiteConvention.Probabilists, 2.5066282746310005024)]
    [InlineData(HermiteConvention.StandardNormal, 1.0)]
    public void Weights_SumToTheWeightFunctionsMass(HermiteConvention convention, double mass)
    {
        for (int m = 1; m <= GaussHermite.MaxOrder; m++)
        {
            var rule = GaussHermite.Rule(m, convention);
            Assert.Equal(m, rule.Nodes.Count);
            Assert.True(Tolerance.RoundOff.Accepts(mass, rule.Weights.Sum()), $"{convention} m={m}: {rule.Weights.Sum()}");
            Assert.All(rule.Weights, w => Assert.True(w > 0));
            for (int i = 0; i < m; i++)
            {
                Assert.Equal(-rule.Nodes[i], rule.Nodes[m - 1 - i]);
                if (i > 0) Assert.True(rule.Nodes[i] > rule.Nodes[i - 1]);
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(40)]
    [InlineData(100)]
    public void PhysicistsRule_MatchesGolubWelsch(int m)
    {
        // Jacobi matrix of the physicists' Hermite polynomials: off-diagonal √(j/2); nodes are its eigenvalues and the
        // weights √π·(first eigenvector component)².
        var jac = MathNetMatrix.Build.Dense(m, m);
        for (int j = 1; j < m; j++) jac[j, j - 1] = jac[j - 1, j] = Math.Sqrt(j / 2.0);
        var evd = jac.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        var pairs = Enumerable.Range(0, m)
            .Select(i => (Node: evd.EigenValues[i].Real, Weight: Math.Sqrt(Math.PI) * evd.EigenVectors[0, i] * evd.EigenVectors[0, i]))
            .OrderBy(p => p.Node).ToArray();
        var rule = GaussHermite.Rule(m, HermiteConvention.Physicists);
        for (int i = 0; i < m; i++)
        {
            Assert.True(Oracle.Accepts(pairs[i].Node, rule.Nodes[i]), $"node {i}: {rule.Nodes[i]} vs {pairs[i].Node}");
            // Weights below ~1e−30 are dominated by the dense solver's absolute eigenvector error; compare the rest.
            if (pairs[i].Weight > 1e-30)
                Assert.True(new Tolerance(0, 1e-8).Accepts(pairs[i].Weight, rule.Weights[i]),
                    $"weight {i}: {rule.Weights[i]} vs {pairs[i].Weight}");
        }
    }

    [Fact]
    public void Expectation_SmoothFunctions_MatchClosedFormsAndMathNetIntegration()
    {
        Assert.True(Integration.Accepts(Math.Exp(-0.5), GaussHermite.Expectation(Math.Cos, 80)));
        Assert.True(Integration.Accepts(Math.Exp(0.5 * 0.7 * 0.7), GaussHermite.Expectation(z => Math.Exp(0.7 * z), 80)));
        Func<double, double>[] fs =
        [
            z => 1.0 / (Math.Cosh(z) * Math.Cosh(z)),
            z => 1.0 / (1.0 + Math.Exp(-z)),
            z => Math.Log(1 + Math.Exp(z)),
            z => Math.Sin(3 * z) * Math.Sin(3 * z),
        ];
        foreach (var f in fs)
        {
            // Two halves: the double-exponential rule's first samples of the whole symmetric interval can all land
            // where the integrand is negligible, and it then stops at ~0.
            Func<double, double> h = z => f(z) * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            double reference = MathNet.Numerics.Integrate.DoubleExponential(h, -40, 0, 1e-14)
                + MathNet.Numerics.Integrate.DoubleExponential(h, 0, 40, 1e-14);
            Assert.True(Integration.Accepts(reference, GaussHermite.Expectation(f, 160)),
                $"{GaussHermite.Expectation(f, 160)} vs {reference}");
        }
    }

    [Theory]
    [InlineData(1.0, 0.3, 2.0)]
    [InlineData(1.0, -0.999, 1.0)]
    [InlineData(0.5, 0.5, 0.5)]   // singular: u₂ = u₁
    [InlineData(0.0, 0.0, 1.5)]   // u₁ ≡ 0
    public void Expectation2D_Polynomials_MatchIsserlisMoments(double s11, double s12, double s22)
    {
        // E[u₁u₂] = s12, E[u₁²u₂²] = s11 s22 + 2 s12², E[u₁³u₂] = 3 s11 s12 (Isserlis / Wick).
        Assert.True(Tolerance.RoundOff.Accepts(s12, GaussHermite.Expectation2D((a, b) => a * b, s11, s12, s22, 3)));
        Assert.True(Tolerance.RoundOff.Accepts(s11 * s22 + 2 * s12 * s12,
            GaussHermite.Expectation2D((a, b) => a * a * b * b, s11, s12, s22, 3)));
        Assert.True(Tolerance.RoundOff.Accepts(3 * s11 * s12,
            GaussHermite.Expectation2D((a, b) => a * a * a * b, s11, s12, s22, 3)));
        // Moment generating function: entire integrand, so 40 nodes reach round-off.
        double expected = Math.Exp(0.5 * (0.09 * s11 - 2 * 0.3 * 0.5 * s12 + 0.25 * s22));
        Assert.True(Tolerance.RoundOff.Accepts(expected,
            GaussHermite.Expectation2D((a, b) => Math.Exp(0.3 * a - 0.5 * b), s11, s12, s22, 40)));
    }

    [Fact]
    public void Expectation2D_TanhSigmoid_MatchesNestedMathNetIntegration()
    {
        double s11 = 1.3, s12 = 0.6, s22 = 0.8;
        Func<double, double, double> g = (a, b) => Math.Tanh(a) / (1 + Math.Exp(-2 * b)) + a * a * Math.Cos(b);
        // Independent route: integrate in (u₁, u₂) coordinates against the bivariate density.
        double det = s11 * s22 - s12 * s12;
        double Density(double a, double b) =>
            Math.Exp(-0.5 * (s22 * a * a - 2 * s12 * a * b + s11 * b * b) / det) / (2 * Math.PI * Math.Sqrt(det));
        double reference = MathNet.Numerics.Integrate.DoubleExponential(
            a => MathNet.Numerics.Integrate.DoubleExponential(b => g(a, b) * Density(a, b), -15, 15, 1e-13),
            -15, 15, 1e-13);
        double q = GaussHermite.Expectation2D(g, s11, s12, s22, 160);
        Assert.True(Integration.Accepts(reference, q), $"{q} vs {reference}");
    }

    [Fact]
    public void Expectation2D_NotPsdOrNegativeVariance_Throws()
    {
        Assert.Throws<ArgumentException>(() => GaussHermite.Expectation2D((a, b) => 1, 1.0, 1.5, 1.0));
        Assert.Throws<ArgumentException>(() => GaussHermite.Expectation2D((a, b) => 1, -1.0, 0.0, 1.0));
        Assert.Throws<ArgumentException>(() => GaussHermite.Expectation2D((a, b) => 1, 0.0, 0.1, 1.0));
        Assert.Throws<ArgumentException>(() => GaussHermite.Expectation2D((a, b) => 1, double.NaN, 0.0, 1.0));
    }

    [Fact]
    public void Rule_OrderOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussHermite.Rule(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussHermite.Rule(GaussHermite.MaxOrder + 1));
    }
}

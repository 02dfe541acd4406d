using MathNet.Numerics.LinearAlgebra;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Engine.Training;
using Matrix = Overparam.Verify.Engine.LinearAlgebra.Matrix;

namespace Overparam.Verify.Engine.Tests.Models;

/// <summary>
/// P1's ResNet (papers.md §1.2–§1.4) against slow obvious oracles: a per-sample transcription of Euler, midpoint and
/// RK4; central differences and the dense Jacobian for the discrete adjoint; the repository's index formula by hand;
/// MathNet's eigensolver on Grams formed entry by entry; Monte Carlo limits of the feature draws.
/// </summary>
public class ResNetRffTests
{
    internal static FeatureMap Features(FeatureKind kind, int d, int m, ulong seed) => kind switch
    {
        FeatureKind.Gaussian => FeatureMap.Gaussian(d, m, 0.9, seed),
        FeatureKind.Matern => FeatureMap.Matern(d, m, 1.5, 1.1, seed),
        _ => FeatureMap.Relu(d, m, 0.8, seed),
    };

    /// <summary>N = 4, d_in = 2, d = 3, k = 2, M = 5, L = 3, random A and B, θ ~ N(0, 0.5²).</summary>
    internal static (ResNetRff Model, Matrix X) Small(FeatureKind kind, OdeIntegrator integrator, NodeIndexing indexing, ulong seed = 5)
    {
        var model = ResNetRff.Create(2, 2, Features(kind, 3, 5, seed), 3, seed, randomEmbedding: true,
            integrator: integrator, indexing: indexing);
        var theta = new double[model.ParameterCount];
        RandomStreams.For(seed, "test/theta").FillGaussian(theta, 0.0, 0.5);
        model.SetParameters(theta);
        var x = new Matrix(4, 2);
        RandomStreams.For(seed, "test/x").FillGaussian(x.Data);
        return (model, x);
    }

    public static TheoryData<FeatureKind, OdeIntegrator, NodeIndexing> AllConfigurations()
    {
        var data = new TheoryData<FeatureKind, OdeIntegrator, NodeIndexing>();
        foreach (var k in Enum.GetValues<FeatureKind>())
            foreach (var i in Enum.GetValues<OdeIntegrator>())
                foreach (var q in Enum.GetValues<NodeIndexing>())
                    data.Add(k, i, q);
        return data;
    }

    // ------------------------------------------------------------------ the slow reference integrator

    /// <summary>U(τ/L)·Φ(z) for one state, every sum written out.</summary>
    private static double[] Field(ResNetRff model, double[] theta, double tau, double[] z)
    {
        var (k0, w0, k1, w1) = model.NodeWeights(tau);
        var phi = model.Features.Evaluate(z);
        int d = model.HiddenDimension, m = model.FeatureCount;
        var v = new double[d];
        for (int i = 0; i < d; i++)
            for (int q = 0; q < m; q++)
                v[i] += (w0 * theta[k0 * d * m + i * m + q] + w1 * theta[k1 * d * m + i * m + q]) * phi[q];
        return v;
    }

    private static double[] Add(double[] z, double c, double[] v) => z.Select((t, i) => t + c * v[i]).ToArray();

    /// <summary>B X(1) for one input, the integrators as textbooks write them.</summary>
    internal static double[] NaiveOutput(ResNetRff model, ReadOnlySpan<double> x)
    {
        var theta = model.GetParameters();
        var a = model.Embedding;
        var b = model.Readout;
        int d = model.HiddenDimension, L = model.Depth;
        var z = new double[d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < x.Length; j++) z[i] += a[i, j] * x[j];
        double h = 1.0 / L;
        for (int l = 0; l < L; l++)
        {
            switch (model.Integrator)
            {
                case OdeIntegrator.Euler:
                    z = Add(z, h, Field(model, theta, l, z));
                    break;
                case OdeIntegrator.Midpoint:
                    var mid = Add(z, h / 2, Field(model, theta, l, z));
                    z = Add(z, h, Field(model, theta, l + 0.5, mid));
                    break;
                default:
                    var k1 = Field(model, theta, l, z);
                    var k2 = Field(model, theta, l + 0.5, Add(z, h / 2, k1));
                    var k3 = Field(model, theta, l + 0.5, Add(z, h / 2, k2));
                    var k4 = Field(model, theta, l + 1, Add(z, h, k3));
                    z = z.Select((t, i) => t + h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])).ToArray();
                    break;
            }
        }
        var y = new double[b.Rows];
        for (int c = 0; c < b.Rows; c++)
            for (int i = 0; i < d; i++) y[c] += b[c, i] * z[i];
        return y;
    }

    // ------------------------------------------------------------------ forward

    [Fact]
    public void Forward_AtZeroResidual_IsTheEmbeddingsAlone()
    {
        var model = ResNetRff.Create(3, 2, FeatureMap.Gaussian(4, 7, 1.0, 2), 5, 2, randomEmbedding: true);
        var x = new Matrix(6, 3);
        RandomStreams.For(2, "test/x").FillGaussian(x.Data);
        var y = model.Outputs(x);
        var ba = Blas.Multiply(model.Readout, model.Embedding);
        for (int i = 0; i < x.Rows; i++)
            for (int c = 0; c < 2; c++)
            {
                double s = 0;
                for (int j = 0; j < 3; j++) s += ba[c, j] * x[i, j];
                Assert.True(Tolerance.RoundOff.Accepts(s, y[i, c]), $"({i},{c}): {s:R} vs {y[i, c]:R}");
            }
    }

    [Theory]
    [MemberData(nameof(AllConfigurations))]
    public void Forward_MatchesPerSampleTextbookIntegrator(FeatureKind kind, OdeIntegrator integrator, NodeIndexing indexing)
    {
        var (model, x) = Small(kind, integrator, indexing);
        var y = model.Outputs(x);
        for (int i = 0; i < x.Rows; i++)
        {
            var expected = NaiveOutput(model, x.Row(i));
            for (int c = 0; c < expected.Length; c++)
                Assert.True(Tolerance.RoundOff.Accepts(expected[c], y[i, c]), $"sample {i} output {c}: {expected[c]:R} vs {y[i, c]:R}");
        }
    }

    [Theory]
    [InlineData(OdeIntegrator.Euler, 1)]
    [InlineData(OdeIntegrator.Midpoint, 2)]
    [InlineData(OdeIntegrator.Rk4, 4)]
    public void Integrator_ConstantResidual_ConvergesAtItsOrder(OdeIntegrator integrator, int order)
    {
        // U(s) ≡ U is the same field at every depth, so the outputs converge to the exact flow at rate L^−order.
        var features = FeatureMap.Gaussian(3, 6, 1.0, 9);
        var u = new double[3 * 6];
        RandomStreams.For(9, "test/u").FillGaussian(u, 0.0, 1.5);
        var x = new Matrix(3, 3);
        RandomStreams.For(9, "test/x").FillGaussian(x.Data);
        double[] Out(int depth, OdeIntegrator method)
        {
            var m = ResNetRff.Create(3, 3, features, depth, 9, randomReadout: false, integrator: method);
            m.SetParameters(Enumerable.Range(0, depth + 1).SelectMany(_ => u).ToArray());
            return m.Forward(x);
        }
        var exact = Out(512, OdeIntegrator.Rk4);
        double Err(int depth) => Out(depth, integrator).Select((v, i) => Math.Abs(v - exact[i])).Max();
        double e1 = Err(8), e2 = Err(16);
        double observed = Math.Log2(e1 / e2);
        // Halving the step divides the error by 2^order. Below order − 0.35 the method is wrong (it would pass for the
        // next lower order); above it, the next-order term still helps at these step sizes (midpoint shows 2.44).
        Assert.InRange(observed, order - 0.35, order + 1.0);
    }

    // ------------------------------------------------------------------ the repository's index quirk

    [Theory]
    [InlineData(0.0, 4, 0.0, 0, 1.0)]
    [InlineData(0.5, 0, 0.5, 1, 0.5)]
    [InlineData(1.0, 0, 0.0, 1, 1.0)]
    [InlineData(1.5, 0, -0.5, 1, 1.5)]
    [InlineData(2.0, 1, 0.0, 2, 1.0)]
    [InlineData(2.5, 1, -0.5, 2, 1.5)]
    [InlineData(3.5, 2, -0.5, 3, 1.5)]
    [InlineData(4.0, 3, 0.0, 4, 1.0)]
    public void NodeWeights_RepositoryQuirk_MatchesPythonFormulaByHand(double tau, int k0, double w0, int k1, double w1)
    {
        // Worked by hand from RKHS_ODEfunc with L = 4: k = int(tL − 1) (toward zero), block_list[−1] = block L,
        // weights (1 − tL + k) and (tL − k).
        var model = ResNetRff.Create(2, 2, FeatureMap.Gaussian(2, 3, 1.0, 1), 4, 1, randomReadout: false, indexing: NodeIndexing.RepositoryQuirk);
        Assert.Equal((k0, w0, k1, w1), model.NodeWeights(tau));
    }

    [Theory]
    [InlineData(0.0, 0, 1.0, 1, 0.0)]
    [InlineData(1.5, 1, 0.5, 2, 0.5)]
    [InlineData(2.0, 2, 1.0, 3, 0.0)]
    [InlineData(3.25, 3, 0.75, 4, 0.25)]
    [InlineData(4.0, 3, 0.0, 4, 1.0)]
    public void NodeWeights_Linear_InterpolatesBetweenNeighbours(double tau, int k0, double w0, int k1, double w1)
    {
        var model = ResNetRff.Create(2, 2, FeatureMap.Gaussian(2, 3, 1.0, 1), 4, 1, randomReadout: false);
        Assert.Equal((k0, w0, k1, w1), model.NodeWeights(tau));
    }

    [Fact]
    public void RepositoryQuirk_DiffersFromLinearOnlyWhenNodesDiffer()
    {
        var (linear, x) = Small(FeatureKind.Gaussian, OdeIntegrator.Midpoint, NodeIndexing.Linear);
        var (quirk, _) = Small(FeatureKind.Gaussian, OdeIntegrator.Midpoint, NodeIndexing.RepositoryQuirk);
        var a = linear.Forward(x);
        var b = quirk.Forward(x);
        Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "distinct nodes: the quirk must change the outputs");
        // Equal nodes: both are affine combinations with weights summing to 1, so U(s) is the same everywhere.
        var node = linear.Node(0).Data;
        var constant = Enumerable.Range(0, linear.Depth + 1).SelectMany(_ => node).ToArray();
        linear.SetParameters(constant);
        quirk.SetParameters(constant);
        a = linear.Forward(x);
        b = quirk.Forward(x);
        for (int i = 0; i < a.Length; i++) Assert.True(Tolerance.RoundOff.Accepts(a[i], b[i]), $"output {i}");
    }

    // ------------------------------------------------------------------ derivatives

    [Theory]
    [MemberData(nameof(AllConfigurations))]
    public void AdjointGradient_MatchesCentralDifferences(FeatureKind kind, OdeIntegrator integrator, NodeIndexing indexing)
    {
        var (model, x) = Small(kind, integrator, indexing);
        var y = new Matrix(x.Rows, model.OutputDimension);
        RandomStreams.For(3, "test/y").FillGaussian(y.Data);
        var f = new ResNetRffLeastSquares(model, x, y);
        var theta = model.GetParameters();
        var g = new double[f.ParameterCount];
        f.ValueAndGradient(theta, g);
        var fd = FiniteDifferences.Gradient(t => f.Value(t), theta, 1e-6);
        for (int j = 0; j < g.Length; j++)
            Assert.True(Tolerance.FiniteDifference.Accepts(fd[j], g[j]), $"∂F/∂θ[{j}]: central difference {fd[j]:R}, adjoint {g[j]:R}");
        if (integrator == OdeIntegrator.Euler && indexing == NodeIndexing.Linear)
        {
            // Euler never evaluates U(1): the last node's gradient is exactly zero.
            for (int j = model.Depth * model.NodeSize; j < g.Length; j++) Assert.Equal(0.0, g[j]);
        }
    }

    [Theory]
    [MemberData(nameof(AllConfigurations))]
    public void DenseJacobian_MatchesCentralDifferences_AndVjpJvpMatchIt(FeatureKind kind, OdeIntegrator integrator, NodeIndexing indexing)
    {
        var (model, x) = Small(kind, integrator, indexing, seed: 8);
        var jac = model.Jacobian(x);
        var theta = model.GetParameters();
        var work = model.Clone();
        var fd = FiniteDifferences.Jacobian(t =>
        {
            work.SetParameters(t);
            return work.Forward(x);
        }, theta, 1e-6);
        Assert.Equal(x.Rows * model.OutputDimension, jac.Rows);
        for (int r = 0; r < jac.Rows; r++)
            for (int j = 0; j < jac.Cols; j++)
                Assert.True(Tolerance.FiniteDifference.Accepts(fd[r, j], jac[r, j]), $"J[{r},{j}]: {fd[r, j]:R} vs {jac[r, j]:R}");

        var v = new double[jac.Rows];
        RandomStreams.For(8, "test/v").FillGaussian(v);
        var u = new double[jac.Cols];
        RandomStreams.For(8, "test/u").FillGaussian(u);
        var jtv = model.Vjp(x, v);
        var ju = model.Jvp(x, u);
        for (int j = 0; j < jac.Cols; j++)
        {
            double s = 0;
            for (int r = 0; r < jac.Rows; r++) s += jac[r, j] * v[r];
            Assert.True(Tolerance.Solver.Accepts(s, jtv[j]), $"Jᵀv[{j}]");
        }
        for (int r = 0; r < jac.Rows; r++)
        {
            double s = 0;
            for (int j = 0; j < jac.Cols; j++) s += jac[r, j] * u[j];
            // Forward mode is an independent code path from the row-by-row adjoint that built J.
            Assert.True(Tolerance.Solver.Accepts(s, ju[r]), $"Ju[{r}]: {s:R} vs {ju[r]:R}");
        }
    }

    [Fact]
    public void DepthL2Metric_IsLTimesEuclidean_AndBothGiveTheSameL2Norm()
    {
        var (model, x) = Small(FeatureKind.Gaussian, OdeIntegrator.Rk4, NodeIndexing.Linear);
        var y = new Matrix(x.Rows, 2);
        RandomStreams.For(4, "test/y").FillGaussian(y.Data);
        var eu = new ResNetRffLeastSquares(model, x, y);
        var l2 = new ResNetRffLeastSquares(model, x, y, DepthMetric.DepthL2);
        var theta = model.GetParameters();
        var g1 = new double[eu.ParameterCount];
        var g2 = new double[eu.ParameterCount];
        double f1 = eu.ValueAndGradient(theta, g1), f2 = l2.ValueAndGradient(theta, g2);
        Assert.Equal(f1, f2);
        for (int j = 0; j < g1.Length; j++) Assert.True(Tolerance.RoundOff.Accepts(model.Depth * g1[j], g2[j]), $"[{j}]");
        double n1 = eu.L2GradientNormSquared(g1), n2 = l2.L2GradientNormSquared(g2);
        Assert.True(Tolerance.RoundOff.Accepts(n1, n2), $"{n1:R} vs {n2:R}");
        Assert.True(Tolerance.RoundOff.Accepts(model.Depth * g1.Sum(v => v * v), n1));
    }

    [Fact]
    public void ModelLeastSquaresHalfMean_ScalarOutput_IsP1Loss()
    {
        var model = ResNetRff.Create(2, 1, FeatureMap.Matern(3, 6, 2.5, 1.0, 4), 4, 4, randomEmbedding: true);
        var theta = new double[model.ParameterCount];
        RandomStreams.For(4, "test/theta").FillGaussian(theta, 0.0, 0.3);
        model.SetParameters(theta);
        var x = new Matrix(5, 2);
        RandomStreams.For(4, "test/x").FillGaussian(x.Data);
        var y = new Matrix(5, 1);
        RandomStreams.For(4, "test/y").FillGaussian(y.Data);
        var generic = new ModelLeastSquares(model, x, y.Data, LossNormalization.HalfMean);
        var p1 = new ResNetRffLeastSquares(model, x, y);
        var g1 = new double[theta.Length];
        var g2 = new double[theta.Length];
        double f1 = generic.ValueAndGradient(theta, g1), f2 = p1.ValueAndGradient(theta, g2);
        Assert.True(Tolerance.RoundOff.Accepts(f1, f2));
        for (int j = 0; j < theta.Length; j++) Assert.True(Tolerance.RoundOff.Accepts(g1[j], g2[j]), $"[{j}]");
    }

    [Fact]
    public void BatchGradient_OverAllSamples_EqualsFullGradient()
    {
        var (model, x) = Small(FeatureKind.Relu, OdeIntegrator.Midpoint, NodeIndexing.Linear);
        var y = new Matrix(x.Rows, 2);
        RandomStreams.For(6, "test/y").FillGaussian(y.Data);
        var f = new ResNetRffLeastSquares(model, x, y);
        var theta = model.GetParameters();
        var full = new double[theta.Length];
        var b1 = new double[theta.Length];
        var b2 = new double[theta.Length];
        double lf = f.ValueAndGradient(theta, full);
        double l1 = f.BatchValueAndGradient(theta, [0, 2], b1);
        double l2 = f.BatchValueAndGradient(theta, [1, 3], b2);
        Assert.True(Tolerance.RoundOff.Accepts(lf, l1 + l2));
        for (int j = 0; j < theta.Length; j++) Assert.True(Tolerance.RoundOff.Accepts(full[j], b1[j] + b2[j]), $"[{j}]");
    }

    // ------------------------------------------------------------------ the feature Gram along the flow (P1.C1)

    [Fact]
    public void FeatureGrams_MatchEntrywiseKernelOnTheStates_AndMathNetEigenvalues()
    {
        var (model, x) = Small(FeatureKind.Gaussian, OdeIntegrator.Midpoint, NodeIndexing.Linear);
        var traj = model.Integrate(x, keepNodeFeatures: true);
        var grams = ResNetRff.FeatureGrams(traj);
        var lambda = model.FeatureGramMinEigenvalues(x);
        Assert.Equal(model.Depth + 1, grams.Length);
        for (int l = 0; l <= model.Depth; l++)
        {
            var states = traj.NodeStates[l];
            var feats = Enumerable.Range(0, x.Rows).Select(i => model.Features.Evaluate(states.Row(i))).ToArray();
            var oracle = Matrix<double>.Build.Dense(x.Rows, x.Rows, (i, j) => feats[i].Zip(feats[j], (p, q) => p * q).Sum());
            for (int i = 0; i < x.Rows; i++)
                for (int j = 0; j < x.Rows; j++)
                    Assert.True(Tolerance.RoundOff.Accepts(oracle[i, j], grams[l][i, j]), $"G(s_{l})[{i},{j}]");
            double min = oracle.Evd(Symmetricity.Symmetric).EigenValues.Min(c => c.Real);
            Assert.True(Tolerance.Solver.Accepts(min, lambda[l]), $"λ_G(s_{l}): MathNet {min:R}, engine {lambda[l]:R}");
            Assert.True(lambda[l] > 0, "M ≥ N generic features: the Gram is positive definite");
        }
    }

    [Fact]
    public void FeatureGram_IsTheEulerJacobianBlockOfTheLastStep()
    {
        // With Euler and B = I, ∂X_L/∂U_{L−1} = h·(Φ(X_{L−1})ᵀ ⊗ I), so that block's JJᵀ/h² = G(s_{L−1}) ⊗ I_d:
        // the same spectrum, each eigenvalue d times — a second, derivative-based route to P1.C1's λ_G.
        var model = ResNetRff.Create(3, 3, FeatureMap.Gaussian(3, 8, 1.2, 12), 3, 12, randomReadout: false, integrator: OdeIntegrator.Euler);
        var theta = new double[model.ParameterCount];
        RandomStreams.For(12, "test/theta").FillGaussian(theta, 0.0, 0.4);
        model.SetParameters(theta);
        var x = new Matrix(4, 3);
        RandomStreams.For(12, "test/x").FillGaussian(x.Data);
        var jac = model.Jacobian(x);
        int start = (model.Depth - 1) * model.NodeSize;
        var block = Matrix<double>.Build.Dense(jac.Rows, model.NodeSize, (r, j) => jac[r, start + j]);
        double h = 1.0 / model.Depth;
        var ntk = block * block.Transpose() / (h * h);
        var eig = ntk.Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).OrderBy(v => v).ToArray();
        var lambda = model.FeatureGramMinEigenvalues(x);
        var gram = ResNetRff.FeatureGrams(model.Integrate(x, keepNodeFeatures: true))[model.Depth - 1];
        var gEig = SymmetricEigen.Eigenvalues(gram);
        for (int q = 0; q < eig.Length; q++)
            Assert.True(Tolerance.Solver.Accepts(gEig[q / 3], eig[q]), $"eigenvalue {q}: Gram {gEig[q / 3]:R}, Jacobian block {eig[q]:R}");
        Assert.True(Tolerance.Solver.Accepts(lambda[model.Depth - 1], eig[0]));
    }

    // ------------------------------------------------------------------ training

    [Fact]
    public void GradientDescentInDepthMetric_AndGradientFlow_DriveTheLossDown()
    {
        var model = ResNetRff.Create(3, 2, FeatureMap.Gaussian(3, 64, 1.0, 21), 4, 21, randomEmbedding: false);
        var x = new Matrix(5, 3);
        RandomStreams.For(21, "test/x").FillGaussian(x.Data);
        var y = new Matrix(5, 2);
        RandomStreams.For(21, "test/y").FillGaussian(y.Data);
        var f = new ResNetRffLeastSquares(model, x, y, DepthMetric.DepthL2);
        var theta0 = model.GetParameters();
        double f0 = f.Value(theta0);
        var gd = GradientDescent.Run(f, theta0, new TrainerOptions { LearningRate = 0.5, Steps = 300 });
        var losses = gd.Trace.Records.Select(r => r.Loss).ToArray();
        for (int k = 1; k < losses.Length; k++) Assert.True(losses[k] <= losses[k - 1], $"GD loss rose at step {k}");
        Assert.True(losses[^1] < 0.1 * f0, $"GD: {losses[^1]:R} from {f0:R}");
        // GD at step η in the depth metric samples the L² flow at t = kη: at the same end time the two losses agree
        // to within the O(η) drift of GD (measured ~10% here; a factor 2 catches a wrong time scale such as a missing L).
        double endTime = 300 * 0.5;
        var flow = GradientFlow.Run(f, theta0, new TrainerOptions { EndTime = endTime, Steps = 100_000, LogEvery = 10 });
        double flowLoss = flow.Trace.Records[^1].Loss;
        Assert.Equal(endTime, flow.Trace.Records[^1].Time);
        Assert.InRange(flowLoss / losses[^1], 0.5, 2.0);
    }

    // ------------------------------------------------------------------ bad input

    [Fact]
    public void BadInput_IsRefusedWithOneLine()
    {
        var fm = FeatureMap.Gaussian(3, 4, 1.0, 1);
        var msgs = new List<string>
        {
            Assert.Throws<InvalidInputException>(() => new ResNetRff(Matrix.Identity(3), Matrix.Identity(3), fm, 0)).Message,
            Assert.Throws<InvalidInputException>(() => FeatureMap.Gaussian(3, 4, 0.0, 1)).Message,
            Assert.Throws<InvalidInputException>(() => FeatureMap.Matern(3, 4, -1, 1.0, 1)).Message,
            Assert.Throws<InvalidInputException>(() => FeatureMap.Relu(3, 0, 1.0, 1)).Message,
            Assert.Throws<InvalidInputException>(() => new ResNetRff(Matrix.Identity(3),
                Matrix.FromRows([[1.0, 2, 3], [2.0, 4, 6]]), fm, 2)).Message,
            Assert.Throws<InvalidInputException>(() => ResNetRff.Create(3, 4, fm, 2, 1)).Message,
            Assert.Throws<InvalidInputException>(() => ResNetRff.Create(3, 2, fm, 2, 1).Forward(new Matrix(2, 4))).Message,
            Assert.Throws<ProblemTooLargeException>(() => FeatureMap.Gaussian(3, int.MaxValue, 1.0, 1)).Message,
        };
        Assert.Contains("full row rank", msgs[4]);
        foreach (var m in msgs) Assert.DoesNotContain('\n', m);
    }

    // ------------------------------------------------------------------ feature draws

    [Theory]
    [InlineData(FeatureKind.Gaussian, double.NaN)]
    [InlineData(FeatureKind.Matern, 0.5)]
    [InlineData(FeatureKind.Matern, 1.5)]
    [InlineData(FeatureKind.Matern, 2.5)]
    [InlineData(FeatureKind.Relu, double.NaN)]
    public void Features_ManyDraws_EstimateTheirLimitKernel(FeatureKind kind, double nu)
    {
        const int m = 20_000;
        var fm = kind switch
        {
            FeatureKind.Gaussian => FeatureMap.Gaussian(3, m, 0.7, 31),
            FeatureKind.Matern => FeatureMap.Matern(3, m, nu, 0.7, 31),
            _ => FeatureMap.Relu(3, m, 0.7, 31),
        };
        double[] x = [0.3, -0.2, 0.5], y = [-0.1, 0.4, 0.2];
        var px = fm.Evaluate(x);
        var py = fm.Evaluate(y);
        // Φ(x)ᵀΦ(y) is the mean of the M i.i.d. terms M·φₘ(x)φₘ(y); hold it to 6 of its standard errors.
        var terms = px.Zip(py, (a, b) => m * a * b).ToArray();
        double mean = terms.Average();
        double sd = Math.Sqrt(terms.Sum(t => (t - mean) * (t - mean)) / (m - 1));
        var monteCarlo = new Tolerance(6 * sd / Math.Sqrt(m), 0);
        double k = fm.LimitKernel(x, y);
        Assert.True(monteCarlo.Accepts(k, mean), $"{kind} ν={nu}: limit {k:R}, estimate {mean:R} ± {sd / Math.Sqrt(m):G3}");
        // The diagonal: 1 for the shift-invariant kernels, ‖x‖²/σ_k² for ReLU.
        double kxx = fm.LimitKernel(x, x);
        double expected = kind == FeatureKind.Relu ? x.Sum(v => v * v) / (0.7 * 0.7) : 1.0;
        Assert.True(Tolerance.RoundOff.Accepts(expected, kxx), $"k(x,x) = {kxx:R}");
    }

    [Theory]
    [InlineData(FeatureKind.Gaussian)]
    [InlineData(FeatureKind.Matern)]
    [InlineData(FeatureKind.Relu)]
    public void LipschitzBound_HoldsOnSampledPairs_AndSpectralNormMatchesMathNet(FeatureKind kind)
    {
        var fm = Features(kind, 4, 50, 3);
        var w = Matrix<double>.Build.Dense(fm.Count, fm.InputDimension, (i, j) => fm.Weights[i, j]);
        Assert.True(Tolerance.Solver.Accepts(w.L2Norm(), fm.WeightSpectralNorm), $"‖W‖₂: MathNet {w.L2Norm():R}, engine {fm.WeightSpectralNorm:R}");
        var rng = RandomStreams.For(3, "test/pairs");
        double worst = 0;
        for (int t = 0; t < 200; t++)
        {
            var z = new double[4];
            var dz = new double[4];
            rng.FillGaussian(z);
            rng.FillGaussian(dz, 0.0, t % 2 == 0 ? 1e-3 : 1.0);
            var a = fm.Evaluate(z);
            var b = fm.Evaluate(z.Zip(dz, (p, q) => p + q).ToArray());
            double num = Math.Sqrt(a.Zip(b, (p, q) => (p - q) * (p - q)).Sum());
            double den = Math.Sqrt(dz.Sum(v => v * v));
            worst = Math.Max(worst, num / den);
        }
        Assert.True(Tolerance.RoundOff.AcceptsAtMost(fm.LipschitzBound, worst), $"sampled ratio {worst:R} above the bound {fm.LipschitzBound:R}");
        // The bound is not vacuous: small steps along random directions reach a fair fraction of it.
        Assert.True(worst > 0.1 * fm.LipschitzBound, $"sampled {worst:R}, bound {fm.LipschitzBound:R}");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.5)]
    public void NextGamma_MatchesMeanAndVariance(double shape)
    {
        const int n = 40_000;
        var rng = RandomStreams.For(17, "test/gamma");
        var g = new double[n];
        for (int i = 0; i < n; i++) g[i] = rng.NextGamma(shape);
        double mean = g.Average();
        double variance = g.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        // Gamma(a, 1): mean a, variance a, excess kurtosis 6/a, so Var(s²) ≈ a²(2 + 6/a)/n.
        var meanTol = new Tolerance(6 * Math.Sqrt(shape / n), 0);
        var varTol = new Tolerance(6 * shape * Math.Sqrt((2 + 6 / shape) / n), 0);
        Assert.True(meanTol.Accepts(shape, mean), $"mean {mean:R}");
        Assert.True(varTol.Accepts(shape, variance), $"variance {variance:R}");
        Assert.All(g, v => Assert.True(v > 0));
    }
}

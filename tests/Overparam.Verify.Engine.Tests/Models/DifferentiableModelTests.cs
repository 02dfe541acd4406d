using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Models;

/// <summary>
/// The <see cref="IDifferentiableModel"/> face of <see cref="Mlp"/> and the generic least-squares objective, each
/// against a slow obvious oracle: the dense Jacobian (itself tested against finite differences), the MLP's own
/// objective, the dense Hessian, and central differences.
/// </summary>
public class DifferentiableModelTests
{
    private static double[] Vector(ulong seed, string stream, int length)
    {
        var v = new double[length];
        RandomStreams.For(seed, stream).FillGaussian(v, 0.0, 1.0);
        return v;
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Tolerance.Solver.Accepts(expected, actual), $"{what}: expected {expected:R}, got {actual:R}");

    [Fact]
    public void VjpAndJvp_EveryConfiguration_MatchDenseJacobian()
    {
        int checkedModels = 0;
        foreach (var (name, model) in TestNets.Configurations(41))
        {
            IDifferentiableModel m = model;
            var x = TestNets.Inputs(7, 5, model.InputDimension);
            var jac = m.Jacobian(x);
            var v = Vector(3, "test/v", x.Rows);
            var u = Vector(4, "test/u", m.ParameterCount);
            var jtv = m.Vjp(x, v);
            var ju = m.Jvp(x, u);
            for (int j = 0; j < m.ParameterCount; j++)
            {
                double s = 0;
                for (int i = 0; i < x.Rows; i++) s += jac[i, j] * v[i];
                Close(s, jtv[j], $"{name} Jᵀv[{j}]");
            }
            for (int i = 0; i < x.Rows; i++)
            {
                double s = 0;
                for (int j = 0; j < m.ParameterCount; j++) s += jac[i, j] * u[j];
                Close(s, ju[i], $"{name} Ju[{i}]");
            }
            checkedModels++;
        }
        Assert.True(checkedModels > 50, $"only {checkedModels} configurations");
    }

    [Fact]
    public void Jvp_MatchesCentralDifferencesOfTheOutputs()
    {
        var model = TestNets.Random(9, ActivationKind.Tanh, [4, 6, 5, 1], bias: true, randomScales: true, outputScale: 1.3);
        var x = TestNets.Inputs(2, 6, 4);
        var u = Vector(5, "test/u", model.ParameterCount);
        var theta = model.GetParameters();
        double h = 1e-5;
        var plus = model.Clone();
        var minus = model.Clone();
        plus.SetParameters(theta.Select((t, j) => t + h * u[j]).ToArray());
        minus.SetParameters(theta.Select((t, j) => t - h * u[j]).ToArray());
        var fp = plus.Forward(x);
        var fm = minus.Forward(x);
        var ju = model.Jvp(x, u);
        for (int i = 0; i < x.Rows; i++)
            Assert.True(Tolerance.FiniteDifference.Accepts((fp[i] - fm[i]) / (2 * h), ju[i]), $"row {i}");
    }

    [Theory]
    [InlineData(LossNormalization.HalfSum)]
    [InlineData(LossNormalization.Mean)]
    public void ModelLeastSquares_MatchesMlpObjectiveOnFullAndBatch(LossNormalization norm)
    {
        foreach (var (name, model) in TestNets.Configurations(77).Take(40))
        {
            var x = TestNets.Inputs(8, 6, model.InputDimension);
            var y = TestNets.Targets(8, 6);
            var generic = new ModelLeastSquares(model, x, y, norm);
            var mlp = new MlpObjective(model, x, y, norm);
            var theta = model.GetParameters();
            var g1 = new double[theta.Length];
            var g2 = new double[theta.Length];
            Close(mlp.ValueAndGradient(theta, g2), generic.ValueAndGradient(theta, g1), name + " loss");
            for (int j = 0; j < theta.Length; j++) Close(g2[j], g1[j], $"{name} ∇L[{j}]");
            int[] batch = [4, 1, 1];
            Close(mlp.BatchValueAndGradient(theta, batch, g2), generic.BatchValueAndGradient(theta, batch, g1), name + " batch loss");
            for (int j = 0; j < theta.Length; j++) Close(g2[j], g1[j], $"{name} batch ∇L[{j}]");
        }
    }

    [Fact]
    public void GaussNewtonAndHessianProducts_MatchDenseOracles()
    {
        var model = TestNets.Random(12, ActivationKind.Softplus, [3, 5, 4, 1], bias: true, randomScales: true);
        var x = TestNets.Inputs(3, 7, 3);
        var y = TestNets.Targets(3, 7);
        var f = new ModelLeastSquares(model, x, y, LossNormalization.Mean);
        var theta = model.GetParameters();
        var v = Vector(6, "test/v", theta.Length);
        var jac = model.Jacobian(x);
        double c = LossNormalization.Mean.Coefficient(x.Rows);
        var gn = f.GaussNewtonProduct(theta, v);
        for (int j = 0; j < theta.Length; j++)
        {
            double s = 0;
            for (int i = 0; i < x.Rows; i++)
            {
                double ji = 0;
                for (int k = 0; k < theta.Length; k++) ji += jac[i, k] * v[k];
                s += jac[i, j] * ji;
            }
            Close(2 * c * s, gn[j], $"JᵀJv[{j}]");
        }
        Assert.True(f.HasExactHessian);
        var hv = f.HessianVectorProduct(theta, v);
        var hess = MlpDifferentiation.Hessian(model, x, y, LossNormalization.Mean);
        for (int j = 0; j < theta.Length; j++)
        {
            double s = 0;
            for (int k = 0; k < theta.Length; k++) s += hess[j, k] * v[k];
            Close(s, hv[j], $"∇²L v[{j}]");
        }
        // The residual curvature is real: the full product differs from the Gauss–Newton one on a non-zero residual.
        Assert.Contains(Enumerable.Range(0, theta.Length), j => !Tolerance.Solver.Accepts(gn[j], hv[j]));
    }

    [Fact]
    public void Trainers_ByName_RunsTheSameAsTheTypedTrainer()
    {
        var model = TestNets.Random(2, ActivationKind.Tanh, [3, 4, 1]);
        var x = TestNets.Inputs(1, 5, 3);
        var y = TestNets.Targets(1, 5);
        var options = new TrainerOptions { LearningRate = 0.05, Steps = 30 };
        foreach (var t in Trainers.All)
        {
            Assert.Same(t, Trainers.ByName(t.Name.ToUpperInvariant()));
            var a = t.Run(new MlpObjective(model, x, y), model.GetParameters(), options);
            var b = Trainers.Run(t.Name, new ModelLeastSquares(model, x, y), model.GetParameters(), options);
            Assert.Equal(a.Steps, b.Steps);
            Assert.True(Tolerance.Solver.Accepts(a.Trace.Records[^1].Loss, b.Trace.Records[^1].Loss), t.Name);
        }
        var e = Assert.Throws<InvalidInputException>(() => Trainers.ByName("adam"));
        Assert.Contains("gd, sgd, flow, subgradient", e.Message);
    }

    [Fact]
    public void CanonicalBytesAndCopy_AreIndependentAndStable()
    {
        IDifferentiableModel m = TestNets.Random(5, ActivationKind.Erf, [2, 3, 1], bias: true);
        var copy = m.Copy();
        Assert.Equal(m.CanonicalBytes(), copy.CanonicalBytes());
        var theta = copy.GetParameters();
        theta[0] += 1;
        copy.SetParameters(theta);
        Assert.NotEqual(m.CanonicalBytes(), copy.CanonicalBytes());
    }
}

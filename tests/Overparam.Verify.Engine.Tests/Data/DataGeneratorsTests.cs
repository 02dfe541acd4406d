using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Numerics;
using Overparam.Verify.Engine.Random;
using MN = MathNet.Numerics.LinearAlgebra;

namespace Overparam.Verify.Engine.Tests.Data;

public class DataGeneratorsTests
{
    // MathNet's SVD recovers σ_min to about n·ε·σ_max, so the relative error of cond = σ_max/σ_min is about
    // κ·n·ε ≈ 1e-11 for the κ ≤ 1e4, n ≤ 30 used here; 1e-9 leaves room without hiding a wrong construction.
    private static readonly Tolerance SvdConditionNumber = new(0.0, 1e-9);

    private static MN.Matrix<double> ToMathNet(Matrix m) => MN.Matrix<double>.Build.DenseOfRowMajor(m.Rows, m.Cols, m.Data);

    private static double Dot(Matrix x, int i, int j)
    {
        double s = 0;
        for (int k = 0; k < x.Cols; k++) s += x[i, k] * x[j, k];
        return s;
    }

    // ---- Gaussian ----

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(3, 65)]
    public void GaussianInputs_AnyShape_HasThatShapeAndIsFinite(int n, int d)
    {
        var x = DataGenerators.GaussianInputs(n, d, 5);
        Assert.Equal(n, x.Rows);
        Assert.Equal(d, x.Cols);
        Assert.True(x.IsFinite());
    }

    [Fact]
    public void GaussianInputs_SameSeed_BitIdentical_DifferentSeed_Differs()
    {
        var a = DataGenerators.GaussianInputs(10, 4, 11);
        var b = DataGenerators.GaussianInputs(10, 4, 11);
        var c = DataGenerators.GaussianInputs(10, 4, 12);
        Assert.Equal(a.Data, b.Data);
        Assert.NotEqual(a.Data, c.Data);
    }

    [Fact]
    public void GaussianInputs_DrawsFromNamedDataXStream()
    {
        var x = DataGenerators.GaussianInputs(3, 2, 99, std: 2.5);
        var s = RandomStreams.For(99, "data/x");
        for (int k = 0; k < 6; k++) Assert.Equal(2.5 * s.NextGaussian(), x.Data[k]);
    }

    [Fact]
    public void GaussianInputs_LargeSample_HasRequestedMomentsWithinSamplingError()
    {
        const double std = 3.0;
        var x = DataGenerators.GaussianInputs(200, 100, 1, std);
        int m = x.Data.Length;
        double mean = x.Data.Average();
        double var = x.Data.Sum(v => (v - mean) * (v - mean)) / (m - 1);
        // Five standard errors: mean has SE std/√m, the sample variance has SE ≈ std²·√(2/m).
        Assert.InRange(mean, -5 * std / Math.Sqrt(m), 5 * std / Math.Sqrt(m));
        Assert.InRange(var, std * std * (1 - 5 * Math.Sqrt(2.0 / m)), std * std * (1 + 5 * Math.Sqrt(2.0 / m)));
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(3, 0)]
    [InlineData(-1, 3)]
    public void GaussianInputs_EmptyShape_Throws(int n, int d) =>
        Assert.Throws<InvalidInputException>(() => DataGenerators.GaussianInputs(n, d, 1));

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void GaussianInputs_BadStd_Throws(double std) =>
        Assert.Throws<InvalidInputException>(() => DataGenerators.GaussianInputs(2, 2, 1, std));

    // ---- Unit sphere ----

    [Theory]
    [InlineData(1, 1)]
    [InlineData(20, 1)]
    [InlineData(20, 2)]
    [InlineData(50, 17)]
    public void UnitSphereInputs_EveryRow_HasUnitNorm(int n, int d)
    {
        var x = DataGenerators.UnitSphereInputs(n, d, 3);
        Assert.Equal(n, x.Rows);
        Assert.Equal(d, x.Cols);
        for (int i = 0; i < n; i++)
            Assert.True(Tolerance.RoundOff.Accepts(1.0, Math.Sqrt(Dot(x, i, i))), $"row {i} norm {Math.Sqrt(Dot(x, i, i))}");
    }

    [Fact]
    public void UnitSphereInputs_SameSeed_BitIdentical_DifferentSeed_Differs()
    {
        Assert.Equal(DataGenerators.UnitSphereInputs(8, 5, 1).Data, DataGenerators.UnitSphereInputs(8, 5, 1).Data);
        Assert.NotEqual(DataGenerators.UnitSphereInputs(8, 5, 1).Data, DataGenerators.UnitSphereInputs(8, 5, 2).Data);
    }

    [Fact]
    public void UnitSphereInputs_ManySamples_MeanNearOrigin()
    {
        // Uniform on the sphere is centred: each coordinate has mean 0 and variance 1/d.
        const int n = 4000, d = 3;
        var x = DataGenerators.UnitSphereInputs(n, d, 8);
        for (int j = 0; j < d; j++)
        {
            double mean = x.Column(j).Average();
            Assert.InRange(mean, -5 / Math.Sqrt(n * d), 5 / Math.Sqrt(n * d));
        }
    }

    // ---- Linearly independent ----

    [Theory]
    [InlineData(1, 1, 1.0)]
    [InlineData(2, 2, 10.0)]
    [InlineData(5, 5, 1.0)]
    [InlineData(10, 25, 100.0)]
    [InlineData(30, 31, 1e4)]
    [InlineData(4, 100, 3.5)]
    public void LinearlyIndependentInputs_ChosenKappa_HasThatConditionNumber(int n, int d, double kappa)
    {
        var x = DataGenerators.LinearlyIndependentInputs(n, d, kappa, 21);
        Assert.Equal(n, x.Rows);
        Assert.Equal(d, x.Cols);
        var s = ToMathNet(x).Svd(computeVectors: false).S;   // descending
        Assert.Equal(n, s.Count);
        Assert.True(SvdConditionNumber.Accepts(kappa, s[0] / s[n - 1]), $"cond {s[0] / s[n - 1]} vs κ {kappa}");
        Assert.True(SvdConditionNumber.Accepts(1.0, s[0]), $"σ_max {s[0]}");
        Assert.True(SvdConditionNumber.Accepts(1.0 / kappa, s[n - 1]), $"σ_min {s[n - 1]}");
        // Geometric spacing: every singular value is the promised κ^(−k/(n−1)).
        for (int k = 0; k < n; k++)
        {
            double expected = n == 1 ? 1.0 : Math.Pow(kappa, -(double)k / (n - 1));
            Assert.True(SvdConditionNumber.Accepts(expected, s[k]), $"σ_{k} = {s[k]}, expected {expected}");
        }
    }

    [Theory]
    [InlineData(6, 6, 50.0)]
    [InlineData(12, 40, 7.0)]
    public void LinearlyIndependentInputs_Gram_IsPositiveDefiniteWithLambdaMinOneOverKappaSquared(int n, int d, double kappa)
    {
        var x = ToMathNet(DataGenerators.LinearlyIndependentInputs(n, d, kappa, 4));
        var gram = x * x.Transpose();
        var evals = gram.Evd(MN.Symmetricity.Symmetric).EigenValues.Select(c => c.Real).OrderBy(v => v).ToArray();
        Assert.True(evals[0] > 0, $"λ_min(XXᵀ) = {evals[0]}");
        Assert.True(SvdConditionNumber.Accepts(1.0 / (kappa * kappa), evals[0]), $"λ_min {evals[0]}");
        Assert.Equal(n, x.Rank());
    }

    [Fact]
    public void LinearlyIndependentInputs_SameSeed_BitIdentical_DifferentSeed_Differs()
    {
        Assert.Equal(DataGenerators.LinearlyIndependentInputs(5, 9, 3, 1).Data, DataGenerators.LinearlyIndependentInputs(5, 9, 3, 1).Data);
        Assert.NotEqual(DataGenerators.LinearlyIndependentInputs(5, 9, 3, 1).Data, DataGenerators.LinearlyIndependentInputs(5, 9, 3, 2).Data);
    }

    [Fact]
    public void LinearlyIndependentInputs_DLessThanN_ThrowsNamingIt()
    {
        var e = Assert.Throws<InvalidInputException>(() => DataGenerators.LinearlyIndependentInputs(5, 4, 2.0, 1));
        Assert.StartsWith("d < n", e.Message);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void LinearlyIndependentInputs_BadKappa_Throws(double kappa) =>
        Assert.Throws<InvalidInputException>(() => DataGenerators.LinearlyIndependentInputs(3, 4, kappa, 1));

    [Fact]
    public void LinearlyIndependentInputs_SingleSampleWithKappaAboveOne_Throws() =>
        Assert.Throws<InvalidInputException>(() => DataGenerators.LinearlyIndependentInputs(1, 4, 2.0, 1));

    [Theory]
    [InlineData(5, 5)]
    [InlineData(9, 3)]
    public void OrthonormalColumns_Gaussian_QtQIsIdentity(int rows, int cols)
    {
        var q = DataGenerators.OrthonormalColumns(rows, cols, RandomStreams.For(1, "test"));
        var qtq = ToMathNet(q).TransposeThisAndMultiply(ToMathNet(q));
        for (int i = 0; i < cols; i++)
            for (int j = 0; j < cols; j++)
                Assert.True(Tolerance.RoundOff.Accepts(i == j ? 1.0 : 0.0, qtq[i, j]), $"QᵀQ[{i},{j}] = {qtq[i, j]}");
    }

    // ---- Orthogonally separable (P5.C1) ----

    [Theory]
    [InlineData(2, 1, true)]
    [InlineData(15, 1, false)]
    [InlineData(10, 2, true)]
    [InlineData(10, 2, false)]
    [InlineData(31, 3, true)]
    [InlineData(50, 10, true)]
    [InlineData(7, 20, false)]
    public void OrthogonallySeparable_AnyShape_SatisfiesP5C1Exactly(int n, int d, bool rotate)
    {
        for (ulong seed = 0; seed < 5; seed++)
        {
            var data = DataGenerators.OrthogonallySeparable(n, d, seed, rotate);
            Assert.Equal(n, data.N);
            Assert.Equal(d, data.D);
            Assert.True(data.X.IsFinite());
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double ip = Dot(data.X, i, j);
                    if (data.Y[i] == data.Y[j]) Assert.True(ip > 0, $"seed {seed}: same class {i},{j}: {ip}");
                    else Assert.True(ip <= 0, $"seed {seed}: cross class {i},{j}: {ip}");
                }
        }
    }

    [Theory]
    [InlineData(10)]
    [InlineData(11)]
    public void OrthogonallySeparable_Labels_AreBalancedPlusMinusOne(int n)
    {
        var data = DataGenerators.OrthogonallySeparable(n, 4, 3);
        Assert.All(data.Y, v => Assert.True(v is 1.0 or -1.0));
        Assert.Equal((n + 1) / 2, data.Y.Count(v => v > 0));
        Assert.Equal(n / 2, data.Y.Count(v => v < 0));
    }

    [Fact]
    public void OrthogonallySeparable_Rotated_IsNotAxisAligned()
    {
        // The rotation is there so that solvers cannot profit from sparsity; no entry should be the constant shift.
        var data = DataGenerators.OrthogonallySeparable(10, 4, 3, rotate: true);
        Assert.DoesNotContain(-DataGenerators.CrossClassShift, data.X.Data);
        var plain = DataGenerators.OrthogonallySeparable(10, 4, 3, rotate: false);
        Assert.Contains(-DataGenerators.CrossClassShift, plain.X.Data);
    }

    [Fact]
    public void OrthogonallySeparable_SameSeed_BitIdentical_DifferentSeed_Differs()
    {
        var a = DataGenerators.OrthogonallySeparable(12, 3, 5);
        var b = DataGenerators.OrthogonallySeparable(12, 3, 5);
        var c = DataGenerators.OrthogonallySeparable(12, 3, 6);
        Assert.Equal(a.X.Data, b.X.Data);
        Assert.Equal(a.Y, b.Y);
        Assert.NotEqual(a.X.Data, c.X.Data);
    }

    [Fact]
    public void OrthogonallySeparable_OneSample_Throws() =>
        Assert.Throws<InvalidInputException>(() => DataGenerators.OrthogonallySeparable(1, 3, 1));

    // ---- Equispaced sines ----

    [Fact]
    public void EquispacedSines_Inputs_AreIOverNMinusOneIncludingEnds()
    {
        var data = DataGenerators.EquispacedSines(11, [1.0]);
        Assert.Equal(1, data.D);
        Assert.Equal(0.0, data.X[0, 0]);
        Assert.Equal(1.0, data.X[10, 0]);
        for (int i = 0; i < 11; i++) Assert.Equal(i / 10.0, data.X[i, 0]);
    }

    [Fact]
    public void EquispacedSines_Targets_AreSumOfAmplitudeTimesSine()
    {
        double[] f = [1.0, 3.0, 0.5], a = [2.0, -0.5, 1.0];
        var data = DataGenerators.EquispacedSines(9, f, a);
        for (int i = 0; i < 9; i++)
        {
            double x = data.X[i, 0];
            double expected = 2.0 * Math.Sin(2 * Math.PI * x) - 0.5 * Math.Sin(6 * Math.PI * x) + Math.Sin(Math.PI * x);
            Assert.True(Tolerance.RoundOff.Accepts(expected, data.Y[i]), $"y[{i}] = {data.Y[i]}, expected {expected}");
        }
    }

    [Fact]
    public void EquispacedSines_FrequencyOne_IsOnePeriodOverUnitInterval()
    {
        // f = 1 means one full period on [0, 1]: 0, 1, 0, −1, 0 at the quarter points (the 2π convention).
        var data = DataGenerators.EquispacedSines(5, [1.0]);
        double[] expected = [0.0, 1.0, 0.0, -1.0, 0.0];
        for (int i = 0; i < 5; i++)
            Assert.True(Tolerance.RoundOff.Accepts(expected[i], data.Y[i]), $"y[{i}] = {data.Y[i]}");
    }

    [Fact]
    public void EquispacedSines_BadArguments_Throw()
    {
        Assert.Throws<InvalidInputException>(() => DataGenerators.EquispacedSines(1, [1.0]));
        Assert.Throws<InvalidInputException>(() => DataGenerators.EquispacedSines(5, []));
        Assert.Throws<InvalidInputException>(() => DataGenerators.EquispacedSines(5, [1.0, 2.0], [1.0]));
        Assert.Throws<InvalidInputException>(() => DataGenerators.EquispacedSines(5, [double.NaN]));
        Assert.Throws<InvalidInputException>(() => DataGenerators.EquispacedSines(5, [1.0], [double.PositiveInfinity]));
    }

    // ---- Random labels ----

    [Fact]
    public void RandomLabels_AreRademacherFromDataYStream()
    {
        var y = DataGenerators.RandomLabels(1000, 7);
        Assert.All(y, v => Assert.True(v is 1.0 or -1.0));
        var s = RandomStreams.For(7, "data/y");
        foreach (var v in y) Assert.Equal(s.NextRademacher(), v);
        int plus = y.Count(v => v > 0);
        Assert.InRange(plus, 500 - 5 * 16, 500 + 5 * 16);   // Binomial(1000, ½): sd ≈ 15.8
    }

    [Fact]
    public void RandomLabels_DifferentSeeds_Differ() =>
        Assert.NotEqual(DataGenerators.RandomLabels(64, 1), DataGenerators.RandomLabels(64, 2));

    [Fact]
    public void RandomLabels_ZeroN_Throws() =>
        Assert.Throws<InvalidInputException>(() => DataGenerators.RandomLabels(0, 1));

    // ---- Teacher ----

    [Fact]
    public void TeacherTargets_MatchNaiveFormulaWithDocumentedDrawOrder()
    {
        const int n = 6, d = 4, m = 5;
        var x = DataGenerators.GaussianInputs(n, d, 1);
        var y = DataGenerators.TeacherTargets(x, 9, m);

        var s = RandomStreams.For(9, "data/teacher");
        var w = new double[m, d];
        for (int j = 0; j < m; j++)
            for (int k = 0; k < d; k++) w[j, k] = s.NextGaussian() / Math.Sqrt(d);
        var a = new double[m];
        for (int j = 0; j < m; j++) a[j] = s.NextGaussian();
        for (int i = 0; i < n; i++)
        {
            double expected = 0;
            for (int j = 0; j < m; j++)
            {
                double pre = 0;
                for (int k = 0; k < d; k++) pre += w[j, k] * x[i, k];
                expected += a[j] * Math.Tanh(pre);
            }
            expected /= Math.Sqrt(m);
            Assert.True(Tolerance.RoundOff.Accepts(expected, y[i]), $"y[{i}] = {y[i]}, expected {expected}");
        }
    }

    [Fact]
    public void TeacherTargets_IdentityActivation_IsLinearInX()
    {
        var x = DataGenerators.GaussianInputs(5, 3, 2);
        var twice = new Matrix(5, 3, x.Data.Select(v => 2 * v).ToArray());
        var y1 = DataGenerators.TeacherTargets(x, 4, 8, v => v);
        var y2 = DataGenerators.TeacherTargets(twice, 4, 8, v => v);
        for (int i = 0; i < 5; i++) Assert.True(Tolerance.RoundOff.Accepts(2 * y1[i], y2[i]));
    }

    [Fact]
    public void TeacherTargets_SameSeed_BitIdentical_DifferentSeed_Differs()
    {
        var x = DataGenerators.UnitSphereInputs(10, 3, 1);
        Assert.Equal(DataGenerators.TeacherTargets(x, 1, 16), DataGenerators.TeacherTargets(x, 1, 16));
        Assert.NotEqual(DataGenerators.TeacherTargets(x, 1, 16), DataGenerators.TeacherTargets(x, 2, 16));
    }

    [Fact]
    public void TeacherDataset_PairsInputsWithTeacherTargets()
    {
        var x = DataGenerators.UnitSphereInputs(10, 3, 1);
        var data = DataGenerators.TeacherDataset(x, 5, 4);
        Assert.Same(x, data.X);
        Assert.Equal(DataGenerators.TeacherTargets(x, 5, 4), data.Y);
    }

    [Fact]
    public void TeacherTargets_ZeroWidth_Throws() =>
        Assert.Throws<InvalidInputException>(() => DataGenerators.TeacherTargets(new Matrix(2, 2), 1, 0));

    [Fact]
    public void Generators_InputAndLabelStreams_AreIndependent()
    {
        // Drawing labels must not shift the inputs: both come from their own named stream.
        var x1 = DataGenerators.GaussianInputs(4, 2, 3);
        _ = DataGenerators.RandomLabels(100, 3);
        var x2 = DataGenerators.GaussianInputs(4, 2, 3);
        Assert.Equal(x1.Data, x2.Data);
        var data = DataGenerators.RandomLabelDataset(x1, 3);
        Assert.Equal(DataGenerators.RandomLabels(4, 3), data.Y);
    }
}

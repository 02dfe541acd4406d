using System.Globalization;
using Overparam.Verify.Engine.Training;

namespace Overparam.Verify.Engine.Tests.Training;

public class TrainingTraceTests
{
    private static TrainingTrace Sample()
    {
        var t = new TrainingTrace();
        t.DeclareObserved(["lambda_min_ntk"]);
        t.Add(new TraceRecord(0, 0, 1.0 / 3, 2e-300, 0, 0, 0.001));
        t.Add(new TraceRecord(10, 0.1, 1e-17, 123456.789, Math.PI, Math.E, 1.5));
        t.Add(new TraceRecord(11, 0.11000000000000001, 5e-324, 0.1 + 0.2, 1e300, 7, 2));
        foreach (double v in new[] { double.NaN, 0.25, double.PositiveInfinity }) t.AddObserved("lambda_min_ntk", v);
        return t;
    }

    [Fact]
    public void WriteCsv_HeaderAndRows_ParseBackBitExactly()
    {
        var trace = Sample();
        var writer = new StringWriter();
        trace.WriteCsv(writer);
        string csv = writer.ToString();

        var lines = csv.Split('\n');
        Assert.Equal("step,time,loss,grad_norm_sq,dist_l2,dist_linf,wall_seconds,lambda_min_ntk", lines[0]);
        Assert.Equal(5, lines.Length); // header, 3 rows, empty after the final '\n'
        Assert.Equal("", lines[^1]);
        Assert.DoesNotContain('\r', csv);
        for (int i = 0; i < 3; i++)
        {
            var fields = lines[i + 1].Split(',');
            Assert.Equal(8, fields.Length);
            var r = trace.Records[i];
            Assert.Equal(r.Step, long.Parse(fields[0], CultureInfo.InvariantCulture));
            var values = new[] { r.Time, r.Loss, r.GradientNormSquared, r.DistanceL2, r.DistanceLinf, r.WallSeconds, trace.Observed("lambda_min_ntk")[i] };
            for (int c = 0; c < 7; c++)
            {
                string field = fields[c + 1];
                double parsed = field switch
                {
                    "" => double.NaN,
                    "inf" => double.PositiveInfinity,
                    "-inf" => double.NegativeInfinity,
                    _ => double.Parse(field, NumberStyles.Float, CultureInfo.InvariantCulture),
                };
                Assert.Equal(BitConverter.DoubleToInt64Bits(values[c]), BitConverter.DoubleToInt64Bits(parsed));
            }
        }
        Assert.Equal("", lines[1].Split(',')[7]); // NaN λ_min is an empty field
        Assert.Equal("inf", lines[3].Split(',')[7]);
        Assert.Equal("0.1", lines[2].Split(',')[1]); // shortest round-trip form, '.' decimal point
    }

    [Fact]
    public void ReadCsv_WhatWriteCsvWrote_GivesEqualRecords()
    {
        var trace = Sample();
        var writer = new StringWriter();
        trace.WriteCsv(writer);
        var back = TrainingTrace.ReadCsv(new StringReader(writer.ToString()));
        Assert.Equal(trace.Records, back.Records);
        Assert.Equal(["lambda_min_ntk"], back.ObservedColumns);
        Assert.Equal(trace.Observed("lambda_min_ntk"), back.Observed("lambda_min_ntk"));
    }

    [Theory]
    [InlineData("step,time\n", "line 1")]
    [InlineData("step,time,loss,grad_norm_sq,dist_l2,dist_linf,wall_seconds,lambda_min_ntk\n0,0,1,1,0,0,0,\n1,x,1,1,0,0,0,\n", "line 3, column time")]
    [InlineData("step,time,loss,grad_norm_sq,dist_l2,dist_linf,wall_seconds,lambda_min_ntk\n0,0,1,1,0,0,0,y\n", "line 2, column lambda_min_ntk")]
    [InlineData("step,time,loss,grad_norm_sq,dist_l2,dist_linf,wall_seconds,a,a\n", "named twice")]
    [InlineData("step,time,loss,grad_norm_sq,dist_l2,dist_linf,wall_seconds\n0,0,1\n", "line 2")]
    public void ReadCsv_Malformed_ThrowsNamingTheLine(string csv, string where)
    {
        var ex = Assert.Throws<InvalidInputException>(() => TrainingTrace.ReadCsv(new StringReader(csv)));
        Assert.Contains(where, ex.Message);
    }

    [Fact]
    public void Columns_FollowRecordOrder()
    {
        var trace = Sample();
        Assert.Equal(new double[] { 0, 10, 11 }, trace.Steps());
        Assert.Equal(new[] { 0, 0.1, 0.11000000000000001 }, trace.Times());
        Assert.Equal(new[] { 1.0 / 3, 1e-17, 5e-324 }, trace.Losses());
        Assert.Equal(new[] { 2e-300, 123456.789, 0.1 + 0.2 }, trace.GradientNormsSquared());
        Assert.Equal(new[] { 0, Math.PI, 1e300 }, trace.DistancesL2());
        Assert.Equal(new[] { 0, Math.E, 7 }, trace.DistancesLinf());
        Assert.Equal(new[] { double.NaN, 0.25, double.PositiveInfinity }, trace.Observed("lambda_min_ntk"));
        Assert.Equal(new[] { 0.001, 1.5, 2 }, trace.WallSeconds());
    }

    [Fact]
    public void WriteCsv_RealRun_ParsesBackToTheSameTrace()
    {
        var f = LeastSquaresObjective.RandomConsistent(6, 3, seed: 2, out _);
        var result = GradientFlow.Run(f, new double[3], new TrainerOptions { EndTime = 1 }.ObservedBy(new FunctionObserver("theta0", th => th[0])));
        var writer = new StringWriter();
        result.Trace.WriteCsv(writer);
        var back = TrainingTrace.ReadCsv(new StringReader(writer.ToString()));
        Assert.Equal(result.Trace.Records, back.Records);
        Assert.Equal(result.Trace.Observed("theta0"), back.Observed("theta0"));
    }
}

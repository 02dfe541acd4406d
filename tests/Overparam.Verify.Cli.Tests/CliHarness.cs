using System.Globalization;
using System.Text;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Cli.Tests;

/// <summary>Runs the command in-process and builds input files by hand (no engine writers), in a fresh temp folder.</summary>
public sealed class CliHarness : IDisposable
{
    public CliHarness()
    {
        Dir = Path.Combine(Path.GetTempPath(), "overparam-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }

    public string PathOf(string name) => Path.Combine(Dir, name);

    public (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(CultureInfo.InvariantCulture);
        var e = new StringWriter(CultureInfo.InvariantCulture);
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>
    /// A certificate's bytes without provenance.invocation (command line and UTC time): the one part that differs
    /// between two runs with the same options and seed.
    /// </summary>
    public static string WithoutInvocation(string certificatePath)
    {
        var text = File.ReadAllText(certificatePath);
        var stripped = System.Text.RegularExpressions.Regex.Replace(text, @",\s*""invocation"": \{[^{}]*\}", "");
        Assert.NotEqual(text, stripped); // the CLI always records its invocation
        // The content hash covers the invocation too.
        return System.Text.RegularExpressions.Regex.Replace(stripped, @"""contentHash"": ""[0-9a-f]*""", @"""contentHash"": """"");
    }

    public string Write(string name, string content)
    {
        var p = PathOf(name);
        File.WriteAllText(p, content);
        return p;
    }

    /// <summary>A random model file: widths from input to the scalar output, with per-layer bias/scale/trainable choices.</summary>
    public string WriteRandomModel(string name, ulong seed, string activation, int[] widths, bool bias, bool freezeFirst, bool scales, double outputScale = 1.0)
    {
        var rng = RandomStreams.For(seed, "test/model");
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{{\"format\":\"overparam.model/1\",\"architecture\":\"mlp\",\"activation\":\"{activation}\",\"outputScale\":{R(outputScale)},\"layers\":[");
        for (int l = 1; l < widths.Length; l++)
        {
            if (l > 1) sb.Append(',');
            sb.Append("{\"weight\":[");
            for (int i = 0; i < widths[l]; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append('[');
                for (int j = 0; j < widths[l - 1]; j++)
                {
                    if (j > 0) sb.Append(',');
                    sb.Append(R(rng.NextGaussian() / Math.Sqrt(widths[l - 1])));
                }
                sb.Append(']');
            }
            sb.Append("],\"bias\":");
            if (bias)
            {
                sb.Append('[');
                for (int i = 0; i < widths[l]; i++) { if (i > 0) sb.Append(','); sb.Append(R(0.3 * rng.NextGaussian())); }
                sb.Append(']');
            }
            else sb.Append("null");
            double scale = scales ? 0.5 + rng.NextDouble() : 1.0;
            bool trainable = !(freezeFirst && l == 1);
            sb.Append(CultureInfo.InvariantCulture, $",\"scale\":{R(scale)},\"trainable\":{(trainable ? "true" : "false")}}}");
        }
        sb.Append("]}");
        return Write(name, sb.ToString());
    }

    /// <summary>A random CSV data set with header x1..xd,y; returns the path and the values.</summary>
    public (string Path, double[][] X, double[] Y) WriteRandomCsv(string name, ulong seed, int n, int d)
    {
        var rng = RandomStreams.For(seed, "test/data");
        var xs = new double[n][];
        var ys = new double[n];
        var sb = new StringBuilder(string.Join(",", Enumerable.Range(1, d).Select(j => "x" + j)) + ",y\n");
        for (int i = 0; i < n; i++)
        {
            xs[i] = new double[d];
            for (int j = 0; j < d; j++) xs[i][j] = rng.NextGaussian();
            ys[i] = rng.NextGaussian();
            sb.Append(string.Join(",", xs[i].Select(R))).Append(',').Append(R(ys[i])).Append('\n');
        }
        return (Write(name, sb.ToString()), xs, ys);
    }

    public static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

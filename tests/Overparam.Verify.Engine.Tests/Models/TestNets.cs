using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Tests.Models;

/// <summary>Random networks and data for the MLP tests, all drawn from named engine streams.</summary>
internal static class TestNets
{
    public static readonly ActivationKind[] AllActivations = Enum.GetValues<ActivationKind>();

    /// <summary>
    /// A random network with layer sizes sizes[0] → sizes[1] → … → 1, weights N(0, 1/fan_in), optional biases,
    /// random per-layer scales in [0.5, 1.5] when asked, and the given frozen flags (null: all trainable).
    /// </summary>
    public static Mlp Random(ulong seed, ActivationKind activation, int[] sizes, bool bias = false,
        bool[]? frozen = null, bool randomScales = false, double outputScale = 1.0)
    {
        var rng = RandomStreams.For(seed, "test/net");
        var layers = new List<Layer>();
        for (int l = 0; l + 1 < sizes.Length; l++)
        {
            int i = sizes[l], o = sizes[l + 1];
            var w = new Matrix(o, i);
            rng.FillGaussian(w.Data, 0.0, 1.0 / Math.Sqrt(i));
            double[]? b = null;
            if (bias)
            {
                b = new double[o];
                rng.FillGaussian(b, 0.0, 0.5);
            }
            double s = randomScales ? rng.NextUniform(0.5, 1.5) : 1.0;
            layers.Add(new Layer(w, b, s, frozen is null || !frozen[l]));
        }
        return new Mlp(activation, layers, outputScale);
    }

    public static Matrix Inputs(ulong seed, int n, int d)
    {
        var x = new Matrix(n, d);
        RandomStreams.For(seed, "test/x").FillGaussian(x.Data, 0.0, 1.0);
        return x;
    }

    public static double[] Targets(ulong seed, int n)
    {
        var y = new double[n];
        RandomStreams.For(seed, "test/y").FillGaussian(y, 0.0, 1.0);
        return y;
    }

    /// <summary>A table of configurations: every activation × bias × frozen pattern × scales, depths 1..4.</summary>
    public static IEnumerable<(string Name, Mlp Model)> Configurations(ulong seed)
    {
        int[][] shapes = [[3, 1], [3, 4, 1], [3, 5, 4, 1], [2, 3, 4, 3, 1]];
        ulong s = seed;
        foreach (var act in AllActivations)
            foreach (var shape in shapes)
                foreach (bool bias in new[] { false, true })
                {
                    s++;
                    int layers = shape.Length - 1;
                    yield return ($"{act} depth {layers} bias {bias}",
                        Random(s, act, shape, bias, randomScales: true, outputScale: 0.7));
                    if (layers > 1)
                    {
                        // Freeze the output layer (P4 shape) and, separately, the first layer.
                        var frozenLast = new bool[layers];
                        frozenLast[^1] = true;
                        yield return ($"{act} depth {layers} bias {bias} last frozen",
                            Random(s + 1000, act, shape, bias, frozenLast, randomScales: true, outputScale: 1.3));
                        var frozenFirst = new bool[layers];
                        frozenFirst[0] = true;
                        yield return ($"{act} depth {layers} bias {bias} first frozen",
                            Random(s + 2000, act, shape, bias, frozenFirst));
                    }
                }
    }
}

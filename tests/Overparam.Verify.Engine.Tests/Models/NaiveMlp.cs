using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Engine.Tests.Models;

/// <summary>
/// An independent float64 oracle for the MLP forward pass, written directly from the formula
/// z_ℓ = s_ℓ(W_ℓ h_{ℓ−1} + b_ℓ), h_ℓ = σ(z_ℓ) (ℓ &lt; L), f = outputScale·z_L with scalar loops, one sample at a time.
/// It shares no code with the engine: activations come from System.Math and MathNet.Numerics, weights are plain jagged
/// arrays. <see cref="FromModel"/> only reads an engine model's numbers.
/// </summary>
public sealed class NaiveMlp
{
    private readonly string _activation;
    private readonly double _outputScale;
    private readonly double[][][] _weights;
    private readonly double[]?[] _biases;
    private readonly double[] _scales;

    /// <summary>weights[ℓ][row][col] with rows as outputs; biases[ℓ] may be null; one scale per layer.</summary>
    public NaiveMlp(string activation, double outputScale, double[][][] weights, double[]?[] biases, double[] scales)
    {
        _activation = activation;
        _outputScale = outputScale;
        _weights = weights;
        _biases = biases;
        _scales = scales;
    }

    /// <summary>Copies the numbers out of an engine model.</summary>
    public static NaiveMlp FromModel(Mlp model) => new(
        Activations.Name(model.Activation),
        model.OutputScale,
        model.Layers.Select(l => l.Weight.ToRows()).ToArray(),
        model.Layers.Select(l => l.Bias is null ? null : (double[])l.Bias.Clone()).ToArray(),
        model.Layers.Select(l => l.Scale).ToArray());

    /// <summary>σ(x) from the textbook formula.</summary>
    public double Sigma(double x) => _activation switch
    {
        "identity" => x,
        "tanh" => Math.Tanh(x),
        "sigmoid" => 1.0 / (1.0 + Math.Exp(-x)),
        "softplus" => x > 30 ? x + Math.Log(1.0 + Math.Exp(-x)) : Math.Log(1.0 + Math.Exp(x)),
        "relu" => x > 0 ? x : 0.0,
        "gelu" => x * 0.5 * (1.0 + MathNet.Numerics.SpecialFunctions.Erf(x / Math.Sqrt(2.0))),
        "erf" => MathNet.Numerics.SpecialFunctions.Erf(x),
        "cos" => Math.Cos(x),
        _ => throw new ArgumentException($"unknown activation {_activation}"),
    };

    /// <summary>f(x) for one input.</summary>
    public double Output(double[] x)
    {
        double[] h = x;
        int layers = _weights.Length;
        for (int l = 0; l < layers; l++)
        {
            var w = _weights[l];
            var z = new double[w.Length];
            for (int a = 0; a < w.Length; a++)
            {
                double s = 0;
                for (int b = 0; b < h.Length; b++) s += w[a][b] * h[b];
                if (_biases[l] is { } bias) s += bias[a];
                z[a] = _scales[l] * s;
            }
            if (l < layers - 1)
                for (int a = 0; a < z.Length; a++) z[a] = Sigma(z[a]);
            h = z;
        }
        return _outputScale * h[0];
    }

    /// <summary>f(x_i) for every row of <paramref name="x"/>.</summary>
    public double[] Outputs(Matrix x)
    {
        var f = new double[x.Rows];
        for (int i = 0; i < x.Rows; i++) f[i] = Output(x.Row(i).ToArray());
        return f;
    }

    /// <summary>Loss c·Σ(f_i − y_i)² for a given coefficient c.</summary>
    public double Loss(Matrix x, double[] y, double coefficient)
    {
        var f = Outputs(x);
        double s = 0;
        for (int i = 0; i < f.Length; i++) s += (f[i] - y[i]) * (f[i] - y[i]);
        return coefficient * s;
    }
}

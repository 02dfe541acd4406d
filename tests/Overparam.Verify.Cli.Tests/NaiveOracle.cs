using System.Text.Json;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Overparam.Verify.Cli.Tests;

/// <summary>
/// An independent float64 implementation of the overparam.model/1 MLP: its own JSON reading, scalar loops per sample,
/// per-sample reverse mode for Jacobian rows, MathNet for erf and eigenvalues. Shares no code with the engine.
/// </summary>
public sealed class NaiveOracle
{
    private sealed record L(double[][] W, double[]? B, double S, bool T);

    private readonly string _act;
    private readonly double _c;
    private readonly List<L> _layers = [];

    public NaiveOracle(string modelJson)
    {
        using var doc = JsonDocument.Parse(modelJson);
        var root = doc.RootElement;
        _act = root.GetProperty("activation").GetString()!;
        _c = root.TryGetProperty("outputScale", out var c) ? c.GetDouble() : 1.0;
        foreach (var l in root.GetProperty("layers").EnumerateArray())
        {
            var w = l.GetProperty("weight").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
            double[]? b = l.TryGetProperty("bias", out var be) && be.ValueKind == JsonValueKind.Array
                ? be.EnumerateArray().Select(v => v.GetDouble()).ToArray() : null;
            double s = l.TryGetProperty("scale", out var se) ? se.GetDouble() : 1.0;
            bool t = !l.TryGetProperty("trainable", out var te) || te.GetBoolean();
            _layers.Add(new L(w, b, s, t));
        }
    }

    private double Sigma(double x) => _act switch
    {
        "identity" => x,
        "tanh" => Math.Tanh(x),
        "sigmoid" => 1 / (1 + Math.Exp(-x)),
        "softplus" => x > 30 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x)),
        "relu" => Math.Max(0, x),
        "gelu" => x * 0.5 * (1 + SpecialFunctions.Erf(x / Math.Sqrt(2))),
        "erf" => SpecialFunctions.Erf(x),
        "cos" => Math.Cos(x),
        _ => throw new NotSupportedException(_act),
    };

    private double SigmaPrime(double x) => _act switch
    {
        "identity" => 1,
        "tanh" => 1 - Math.Tanh(x) * Math.Tanh(x),
        "sigmoid" => Math.Exp(-x) / ((1 + Math.Exp(-x)) * (1 + Math.Exp(-x))),
        "softplus" => 1 / (1 + Math.Exp(-x)),
        "relu" => x > 0 ? 1 : 0,
        "gelu" => 0.5 * (1 + SpecialFunctions.Erf(x / Math.Sqrt(2))) + x * Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI),
        "erf" => 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x),
        "cos" => -Math.Sin(x),
        _ => throw new NotSupportedException(_act),
    };

    /// <summary>Output f(x) and its gradient over trainable parameters (engine order: trainable layers, W row-major, then b).</summary>
    public (double F, double[] Row) OutputAndJacobianRow(double[] x)
    {
        int nl = _layers.Count;
        var h = new double[nl + 1][];
        var z = new double[nl][];
        h[0] = x;
        for (int l = 0; l < nl; l++)
        {
            var ly = _layers[l];
            z[l] = new double[ly.W.Length];
            for (int i = 0; i < ly.W.Length; i++)
            {
                double s = 0;
                for (int j = 0; j < ly.W[i].Length; j++) s += ly.W[i][j] * h[l][j];
                if (ly.B is not null) s += ly.B[i];
                z[l][i] = ly.S * s;
            }
            h[l + 1] = l < nl - 1 ? z[l].Select(Sigma).ToArray() : z[l];
        }
        double f = _c * z[nl - 1][0];

        var grads = new double[nl][];
        var delta = new[] { _c }; // ∂f/∂z_L
        for (int l = nl - 1; l >= 0; l--)
        {
            var ly = _layers[l];
            int o = ly.W.Length, inp = ly.W[0].Length;
            var g = new List<double>();
            for (int i = 0; i < o; i++)
                for (int j = 0; j < inp; j++) g.Add(delta[i] * ly.S * h[l][j]);
            if (ly.B is not null)
                for (int i = 0; i < o; i++) g.Add(delta[i] * ly.S);
            grads[l] = [.. g];
            if (l > 0)
            {
                var nd = new double[inp];
                for (int j = 0; j < inp; j++)
                {
                    double s = 0;
                    for (int i = 0; i < o; i++) s += delta[i] * ly.S * ly.W[i][j];
                    nd[j] = s * SigmaPrime(z[l - 1][j]);
                }
                delta = nd;
            }
        }
        var row = new List<double>();
        for (int l = 0; l < nl; l++) if (_layers[l].T) row.AddRange(grads[l]);
        return (f, [.. row]);
    }

    /// <summary>Outputs, ½‖r‖², ‖Jᵀr‖, JJᵀ and its eigenvalues (MathNet), all from the scalar loops above.</summary>
    public (double[] Outputs, double Loss, double GradNorm, double[,] Ntk, double[] Eigenvalues) Inspect(double[][] xs, double[] y)
    {
        int n = xs.Length;
        var outs = new double[n];
        var rows = new double[n][];
        for (int i = 0; i < n; i++) (outs[i], rows[i]) = OutputAndJacobianRow(xs[i]);
        int p = rows.Length > 0 ? rows[0].Length : 0;
        double loss = 0;
        var grad = new double[p];
        for (int i = 0; i < n; i++)
        {
            double r = outs[i] - y[i];
            loss += 0.5 * r * r;
            for (int k = 0; k < p; k++) grad[k] += r * rows[i][k];
        }
        var ntk = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < p; k++) s += rows[i][k] * rows[j][k];
                ntk[i, j] = s;
            }
        var eig = Matrix<double>.Build.DenseOfArray(ntk).Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).OrderBy(v => v).ToArray();
        return (outs, loss, Math.Sqrt(grad.Sum(g => g * g)), ntk, eig);
    }
}

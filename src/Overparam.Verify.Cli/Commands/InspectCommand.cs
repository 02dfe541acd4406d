using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.IO;
using Overparam.Verify.Engine.Kernels;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Cli.Commands;

/// <summary>Everything <c>overparam inspect</c> computes for one model on one data set; every number is exact up to round-off.</summary>
/// <param name="Outputs">f(x_i) for each sample.</param>
/// <param name="Loss">½‖f − y‖².</param>
/// <param name="GradientNorm">‖∇ loss‖₂ over trainable parameters.</param>
/// <param name="Ntk">Empirical NTK J Jᵀ over trainable parameters (structured fast path).</param>
/// <param name="NtkEigenvalues">Eigenvalues of the NTK, ascending.</param>
/// <param name="ParameterCount">Number of trainable parameters.</param>
public sealed record InspectResult(double[] Outputs, double Loss, double GradientNorm, Matrix Ntk, double[] NtkEigenvalues, int ParameterCount);

/// <summary><c>overparam inspect --model m.json --data d.csv [--json]</c>.</summary>
public static class InspectCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var model = new Option<string>("--model") { Description = "Model file (overparam.model/1 JSON)", Required = true };
        var data = new Option<string>("--data") { Description = "Data: a CSV with a 'y' column, or a folder with X.npy and y.npy", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a summary" };
        var maxSeconds = OptionRules.MaxSeconds();
        var cmd = new Command("inspect", "Outputs, loss, gradient norm and NTK spectrum of a model on a data set.") { model, data, json, maxSeconds };
        cmd.SetAction(parse =>
        {
            ctx.StartBudget(parse.GetValue(maxSeconds));
            // A resnet-rff model file (P1) has its own summary: the same loss, gradient and NTK, plus λ_G at every node.
            if (ModelFile.ReadAny(parse.GetRequiredValue(model)) is ResNetRff resnet)
            {
                var rr = CliProgress.Run(ctx, "reading the data", monitor =>
                {
                    var d = Inputs.LoadData(parse.GetRequiredValue(data));
                    return (d, r: ComputeResNet(resnet, d, monitor));
                });
                if (parse.GetValue(json)) ctx.Out.WriteLine(ResNetJson(resnet, rr.d, rr.r));
                else WriteResNetSummary(ctx.Out, resnet, rr.d, rr.r);
                return CliApp.ExitOk;
            }
            var r = CliProgress.Run(ctx, "reading the model and data", monitor =>
            {
                var (m, d) = Inputs.Load(parse.GetRequiredValue(model), parse.GetRequiredValue(data));
                Inputs.RequireFits("inspect", m, d.N, ntk: true);
                return (m, d, r: Compute(m, d, monitor));
            });
            var (m, d) = (r.m, r.d);
            if (parse.GetValue(json)) ctx.Out.WriteLine(ToJson(m, d, r.r));
            else WriteSummary(ctx.Out, m, d, r.r);
            return CliApp.ExitOk;
        });
        return cmd;
    }

    /// <summary>Computes every reported quantity.</summary>
    public static InspectResult Compute(Mlp model, Dataset data, IRunMonitor? monitor = null)
    {
        monitor ??= RunMonitor.None;
        monitor.Phase($"outputs, loss and gradient (n = {data.N})");
        var outputs = model.Forward(data.X);
        var gradient = new double[model.ParameterCount];
        double loss = MlpDifferentiation.LossAndGradient(model, data.X, data.Y, LossNormalization.HalfSum, gradient);
        double gradNorm = Norm(gradient);
        RunMonitor.ThrowIfStopped(monitor);
        monitor.Phase($"NTK J Jᵀ ({data.N}×{data.N})");
        var ntk = Ntk.Structured(model, data.X);
        RunMonitor.ThrowIfStopped(monitor);
        // Finite inputs can still overflow (weights of 1e200, inputs of 1e150 through several layers): the summary
        // labels every number "exact", so an overflowed one is an input problem, not a result to print.
        if (!outputs.All(double.IsFinite)) throw Overflow("the outputs f(x)");
        if (!double.IsFinite(loss)) throw Overflow("the loss ½‖f − y‖²");
        if (!double.IsFinite(gradNorm)) throw Overflow("the gradient");
        if (!ntk.IsFinite()) throw Overflow("the NTK J Jᵀ");
        monitor.Phase($"NTK eigenvalues ({data.N}×{data.N})");
        var eig = SymmetricEigen.Eigenvalues(ntk);
        return new InspectResult(outputs, loss, gradNorm, ntk, eig, model.ParameterCount);
    }

    /// <summary>
    /// Everything <c>inspect</c> reports for a resnet-rff model (one output, k = 1): outputs B X(1), the loss ½‖f − y‖²,
    /// ‖∇_θ loss‖₂ by the discrete adjoint, the NTK J Jᵀ (J by N adjoint passes) and its eigenvalues, and P1.C1's
    /// λ_G(s_l) = λ_min(Φ(X(s_l))Φ(X(s_l))ᵀ) at every node (one forward pass keeps the node features).
    /// </summary>
    public static (InspectResult Result, double[] LambdaG) ComputeResNet(ResNetRff model, Dataset data, IRunMonitor? monitor = null)
    {
        monitor ??= RunMonitor.None;
        if (model.InputDimension != data.D)
            throw new InvalidInputException($"the model expects inputs of dimension {model.InputDimension}, but the data has d = {data.D} feature columns");
        if (model.OutputDimension != 1)
            throw new InvalidInputException($"inspect compares one output with the data's y column; this resnet-rff model has {model.OutputDimension} outputs");
        double n = data.N, p = model.ParameterCount;
        ProblemSize.Require($"inspect with n = {data.N} samples and {model.ParameterCount} parameters", Math.Max(n * p, n * model.FeatureCount),
            "the n×p Jacobian", n * p + 5 * n * n + (model.Depth + 4.0) * n * model.FeatureCount);
        monitor.Phase($"outputs, loss and gradient (n = {data.N})");
        var outputs = model.Forward(data.X);
        var residual = new double[data.N];
        double loss = 0;
        for (int i = 0; i < data.N; i++)
        {
            residual[i] = outputs[i] - data.Y[i];
            loss += 0.5 * residual[i] * residual[i];
        }
        var gradient = model.Vjp(data.X, residual);
        double gradNorm = Norm(gradient);
        RunMonitor.ThrowIfStopped(monitor);
        monitor.Phase($"NTK J Jᵀ ({data.N}×{data.N}) from {data.N} adjoint passes");
        var ntk = Blas.Gram(model.Jacobian(data.X));
        if (!outputs.All(double.IsFinite)) throw Overflow("the outputs B X(1)");
        if (!double.IsFinite(loss)) throw Overflow("the loss ½‖f − y‖²");
        if (!double.IsFinite(gradNorm)) throw Overflow("the gradient");
        if (!ntk.IsFinite()) throw Overflow("the NTK J Jᵀ");
        RunMonitor.ThrowIfStopped(monitor);
        monitor.Phase($"λ_G at the {model.Depth + 1} nodes and the NTK eigenvalues");
        var lambdaG = model.FeatureGramMinEigenvalues(data.X);
        var eig = SymmetricEigen.Eigenvalues(ntk);
        return (new InspectResult(outputs, loss, gradNorm, ntk, eig, model.ParameterCount), lambdaG);
    }

    private static string ResNetJson(ResNetRff model, Dataset data, (InspectResult R, double[] LambdaG) x) =>
        ToJson(w =>
        {
            w.WriteString("architecture", ModelFile.ResNetArchitecture);
            w.WriteString("features", ModelFile.FeatureKindName(model.Features.Kind));
            w.WriteNumber("featureCount", model.FeatureCount);
            w.WriteNumber("depth", model.Depth);
            w.WriteString("integrator", ModelFile.IntegratorName(model.Integrator));
        }, data, x.R, ("featureGramMinEigenvalues", x.LambdaG));

    private static void WriteResNetSummary(TextWriter o, ResNetRff model, Dataset data, (InspectResult R, double[] LambdaG) x)
    {
        var inv = CultureInfo.InvariantCulture;
        var r = x.R;
        double lmin = r.NtkEigenvalues.Length > 0 ? r.NtkEigenvalues[0] : double.NaN;
        double lmax = r.NtkEigenvalues.Length > 0 ? r.NtkEigenvalues[^1] : double.NaN;
        int worst = Array.IndexOf(x.LambdaG, x.LambdaG.Min());
        o.WriteLine(string.Create(inv, $"model        resnet-rff, d={model.HiddenDimension}, {ModelFile.FeatureKindName(model.Features.Kind)} features M={model.FeatureCount}, L={model.Depth} ({ModelFile.IntegratorName(model.Integrator)}), {r.ParameterCount} trainable parameters"));
        o.WriteLine(string.Create(inv, $"data         n={data.N}, d={data.D}"));
        o.WriteLine(string.Create(inv, $"loss         {r.Loss:G10}   (½‖f−y‖², exact)"));
        o.WriteLine(string.Create(inv, $"‖∇loss‖₂     {r.GradientNorm:G10}   (exact, discrete adjoint)"));
        o.WriteLine(string.Create(inv, $"NTK λ_min    {lmin:G10}   (exact)"));
        o.WriteLine(string.Create(inv, $"NTK λ_max    {lmax:G10}   (exact)"));
        o.WriteLine(string.Create(inv, $"λ_G min      {x.LambdaG[worst]:G10}   at s = {worst}/{model.Depth} (P1.C1: feature Gram at the nodes, exact)"));
        o.WriteLine(string.Create(inv, $"λ_G(s_l)     {string.Join(" ", x.LambdaG.Select(v => v.ToString("G4", inv)))}"));
    }

    private static InvalidInputException Overflow(string what) =>
        new($"{what} of this model on this data overflowed float64 (the weights or the data are too large); rescale them");

    // ‖g‖₂ without the spurious overflow of Σgᵢ² when the entries themselves are finite.
    private static double Norm(double[] g)
    {
        double scale = 0;
        foreach (var v in g) scale = Math.Max(scale, Math.Abs(v));
        if (scale == 0 || !double.IsFinite(scale)) return scale;
        double s = 0;
        foreach (var v in g) s += (v / scale) * (v / scale);
        return scale * Math.Sqrt(s);
    }

    private static string ToJson(Mlp model, Dataset data, InspectResult r) =>
        ToJson(w => w.WriteString("activation", Activations.Name(model.Activation)), data, r, null);

    // One layout for every architecture: its own fields first, then the quantities inspect computes for any model,
    // then the architecture's extra array (if any), and the status of each.
    private static string ToJson(Action<Utf8JsonWriter> head, Dataset data, InspectResult r, (string Name, double[] Values)? extra)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            head(w);
            w.WriteNumber("n", data.N);
            w.WriteNumber("d", data.D);
            w.WriteNumber("parameterCount", r.ParameterCount);
            Json.WriteArray(w, "outputs", r.Outputs);
            Json.WriteNumber(w, "loss", r.Loss);
            Json.WriteNumber(w, "gradientNorm", r.GradientNorm);
            w.WriteStartArray("ntk");
            for (int i = 0; i < r.Ntk.Rows; i++) Json.WriteArray(w, null, r.Ntk.Row(i));
            w.WriteEndArray();
            Json.WriteArray(w, "ntkEigenvalues", r.NtkEigenvalues);
            if (extra is { } e) Json.WriteArray(w, e.Name, e.Values);
            // Every number above is computed directly (no sampling, no bound): exact up to float64 round-off.
            w.WriteStartObject("numberStatus");
            foreach (var key in new[] { "outputs", "loss", "gradientNorm", "ntk", "ntkEigenvalues" }) w.WriteString(key, "exact");
            if (extra is { } x) w.WriteString(x.Name, "exact");
            w.WriteEndObject();
            w.WriteString("loss_normalization", "half-sum: 0.5*||f - y||^2");
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }


    private static void WriteSummary(TextWriter o, Mlp model, Dataset data, InspectResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var widths = string.Join("→", model.Layers.Select(l => l.OutputSize.ToString(inv)));
        double lmin = r.NtkEigenvalues.Length > 0 ? r.NtkEigenvalues[0] : double.NaN;
        double lmax = r.NtkEigenvalues.Length > 0 ? r.NtkEigenvalues[^1] : double.NaN;
        o.WriteLine(string.Create(inv, $"model        {Activations.Name(model.Activation)} MLP, d={model.InputDimension} → {widths}, {r.ParameterCount} trainable parameters"));
        o.WriteLine(string.Create(inv, $"data         n={data.N}, d={data.D}"));
        o.WriteLine(string.Create(inv, $"loss         {r.Loss:G10}   (½‖f−y‖², exact)"));
        o.WriteLine(string.Create(inv, $"‖∇loss‖₂     {r.GradientNorm:G10}   (exact)"));
        o.WriteLine(string.Create(inv, $"NTK λ_min    {lmin:G10}   (exact)"));
        o.WriteLine(string.Create(inv, $"NTK λ_max    {lmax:G10}   (exact)"));
        if (lmax > 0 && Math.Abs(lmin) / lmax < 1e-12)
            o.WriteLine("note         λ_min/λ_max < 1e-12: the NTK is numerically singular (papers.md §6.5)");
        else if (lmax > 0)
            o.WriteLine(string.Create(inv, $"κ(NTK)       {lmax / lmin:G6}"));
    }
}

/// <summary>Small JSON helpers: NaN and ±Inf are not JSON numbers, so they are written as null.</summary>
internal static class Json
{
    public static void WriteNumber(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    public static void WriteArray(Utf8JsonWriter w, string? name, ReadOnlySpan<double> values)
    {
        if (name is null) w.WriteStartArray(); else w.WriteStartArray(name);
        foreach (var v in values)
        {
            if (double.IsFinite(v)) w.WriteNumberValue(v); else w.WriteNullValue();
        }
        w.WriteEndArray();
    }
}

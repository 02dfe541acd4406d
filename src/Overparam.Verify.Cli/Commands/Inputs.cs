using System.Globalization;
using Overparam.Verify.Engine;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.IO;
using Overparam.Verify.Engine.Models;

namespace Overparam.Verify.Cli.Commands;

/// <summary>Loading and cross-checking the model and data files every command takes.</summary>
internal static class Inputs
{
    /// <summary>Reads both files and checks that the model accepts the data's input dimension.</summary>
    public static (Mlp Model, Dataset Data) Load(string modelPath, string dataPath)
    {
        var model = ModelFile.Read(modelPath);
        var data = LoadData(dataPath);
        if (model.InputDimension != data.D)
            throw new InvalidInputException(
                $"{Path.GetFileName(modelPath)} expects inputs of dimension {model.InputDimension}, but {Path.GetFileName(dataPath)} has d = {data.D} feature columns");
        return (model, data);
    }

    /// <summary>
    /// Refuses, before any work, a model and sample count whose arrays would not fit: the forward and backward
    /// passes keep about three n×width arrays per layer, and an NTK (with <paramref name="ntk"/>) needs the n×n Gram,
    /// two n×n scratch Grams and the eigensolver's copy.
    /// </summary>
    public static void RequireFits(string command, Mlp model, int n, bool ntk)
    {
        double nd = n, layerEntries = 0, widest = 0;
        foreach (var layer in model.Layers)
        {
            layerEntries += nd * (layer.InputSize + layer.OutputSize);
            widest = Math.Max(widest, nd * Math.Max(layer.InputSize, layer.OutputSize));
        }
        double p = model.ParameterCount;
        double largest = ntk ? Math.Max(nd * nd, widest) : widest;
        string largestName = ntk && nd * nd >= widest ? $"the n×n NTK (n = {n})" : "a layer's n×width activations";
        ProblemSize.Require($"{command} with n = {n} samples and {model.ParameterCount} parameters", largest, largestName,
            (ntk ? 5 * nd * nd : 0) + 3 * layerEntries + 4 * p);
    }

    /// <summary>
    /// Reads a data set and rejects values that are finite but too large to compute with: every command squares
    /// them (‖xᵢ‖² in Gram matrices and NTKs, (f − y)² in the loss), and an overflow there would otherwise surface
    /// as an infinite loss reported as exact, or as a crash deep in an eigensolver.
    /// </summary>
    public static Dataset LoadData(string path)
    {
        var data = DataFiles.Load(path);
        bool npy = Directory.Exists(path) || Path.GetFileName(path) == NpyDataset.InputFileName;
        // Rows as the readers name them: CSV by file line (header = row 1), NPY 0-based.
        string Row(int i) => npy ? $"row {i} (0-based)" : $"row {i + 2}";
        string file = npy ? Path.Combine(Directory.Exists(path) ? path : Path.GetDirectoryName(path) ?? "", NpyDataset.InputFileName) : path;
        string yFile = npy ? Path.Combine(Path.GetDirectoryName(file) ?? "", NpyDataset.TargetFileName) : path;
        var inv = CultureInfo.InvariantCulture;
        for (int i = 0; i < data.N; i++)
        {
            double s = 0;
            foreach (var v in data.X.Row(i)) s += v * v;
            if (!double.IsFinite(s))
                throw new InvalidInputException(
                    $"file {file}, {Row(i)}: the squared norm of the inputs overflows float64 (largest |x| = {data.X.Row(i).ToArray().Max(Math.Abs).ToString("G3", inv)}); rescale the data");
            double y = data.Y[i];
            if (!double.IsFinite(y * y))
                throw new InvalidInputException(
                    $"file {yFile}, {Row(i)}{(npy ? "" : ", column 'y'")}: target y = {y.ToString("G3", inv)} overflows float64 when squared in the loss; rescale the data");
        }
        return data;
    }
}

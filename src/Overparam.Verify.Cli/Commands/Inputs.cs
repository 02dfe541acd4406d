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
        var data = DataFiles.Load(dataPath);
        if (model.InputDimension != data.D)
            throw new InvalidInputException(
                $"{Path.GetFileName(modelPath)} expects inputs of dimension {model.InputDimension}, but {Path.GetFileName(dataPath)} has d = {data.D} feature columns");
        return (model, data);
    }
}

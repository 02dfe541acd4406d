using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.IO;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Tests.Data;

public class DataFilesTests
{
    private static readonly Dataset Sample = Dataset.Create(new Matrix(2, 2, [1, 2, 3, 4]), [5, 6]);

    [Fact]
    public void Load_CsvFile_ReadsCsv()
    {
        using var dir = new TempDir();
        CsvDataset.Write(dir.File("data.CSV"), Sample);
        var d = DataFiles.Load(dir.File("data.CSV"));
        Assert.Equal(Sample.X.Data, d.X.Data);
        Assert.Equal(Sample.Y, d.Y);
    }

    [Fact]
    public void Load_DirectoryOrXNpyPath_ReadsNpyPair()
    {
        using var dir = new TempDir();
        NpyDataset.WriteDirectory(dir.Path, Sample);
        Assert.Equal(Sample.X.Data, DataFiles.Load(dir.Path).X.Data);
        Assert.Equal(Sample.Y, DataFiles.Load(dir.File("X.npy")).Y);
    }

    [Fact]
    public void Load_MissingCsv_ThrowsFileNotFound()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<InvalidInputException>(() => DataFiles.Load(dir.File("missing.csv")));
        Assert.StartsWith("file not found:", e.Message);
        Assert.Contains("missing.csv", e.Message);
    }

    [Fact]
    public void Load_MissingOtherPath_ThrowsFileNotFoundWithAcceptedForms()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<InvalidInputException>(() => DataFiles.Load(dir.File("nothing")));
        Assert.StartsWith("file not found:", e.Message);
        Assert.Contains("X.npy and y.npy", e.Message);
    }

    [Theory]
    [InlineData("data.txt")]
    [InlineData("y.npy")]
    [InlineData("features.npy")]
    public void Load_UnsupportedExistingFile_ThrowsNamingPathAndForms(string name)
    {
        using var dir = new TempDir();
        var path = dir.Write(name, "x");
        var e = Assert.Throws<InvalidInputException>(() => DataFiles.Load(path));
        Assert.Contains(name, e.Message);
        Assert.Contains(".csv", e.Message);
        Assert.Contains("X.npy", e.Message);
    }
}

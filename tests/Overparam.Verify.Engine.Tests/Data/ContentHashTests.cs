using System.Text;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.IO;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Tests.Data;

public class ContentHashTests
{
    [Fact]
    public void OfBytes_Abc_MatchesFips180TestVector() =>
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ContentHash.OfBytes("abc"u8));

    [Fact]
    public void OfFile_MatchesOfBytesOfContents()
    {
        using var dir = new TempDir();
        var path = dir.Write("f.csv", "x1,y\n1,2\n");
        Assert.Equal(ContentHash.OfBytes(Encoding.UTF8.GetBytes("x1,y\n1,2\n")), ContentHash.OfFile(path));
    }

    [Fact]
    public void OfDataset_CsvAndNpyCopies_HashAlike()
    {
        var data = DataGenerators.TeacherDataset(DataGenerators.GaussianInputs(5, 3, 1), 1, 4);
        using var dir = new TempDir();
        CsvDataset.Write(dir.File("d.csv"), data);
        NpyDataset.WriteDirectory(dir.Path, data);
        string h = ContentHash.OfDataset(data);
        Assert.Equal(h, ContentHash.OfDataset(CsvDataset.Read(dir.File("d.csv"))));
        Assert.Equal(h, ContentHash.OfDataset(NpyDataset.ReadDirectory(dir.Path)));
    }

    [Fact]
    public void OfDataset_ShapeOrOneBitChanged_HashDiffers()
    {
        var a = Dataset.Create(new Matrix(2, 2, [1, 2, 3, 4]), [5, 6]);
        var reshaped = Dataset.Create(new Matrix(1, 4, [1, 2, 3, 4]), [5]);
        var oneUlp = Dataset.Create(new Matrix(2, 2, [1, 2, 3, 4]), [5, 6]);
        oneUlp.Y[1] = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(6.0) + 1);
        Assert.NotEqual(ContentHash.OfDataset(a), ContentHash.OfDataset(reshaped));
        Assert.NotEqual(ContentHash.OfDataset(a), ContentHash.OfDataset(oneUlp));
        Assert.Equal(64, ContentHash.OfDataset(a).Length);
    }

    [Fact]
    public void CanonicalBytes_Layout_IsTagThenShapeThenXThenY()
    {
        var bytes = ContentHash.CanonicalBytes(Dataset.Create(new Matrix(1, 2, [1.0, 2.0]), [3.0]));
        Assert.Equal("OPVDS1"u8.ToArray(), bytes[..6]);
        Assert.Equal(1L, BitConverter.ToInt64(bytes, 6));
        Assert.Equal(2L, BitConverter.ToInt64(bytes, 14));
        Assert.Equal(new[] { 1.0, 2.0, 3.0 }, new[] { BitConverter.ToDouble(bytes, 22), BitConverter.ToDouble(bytes, 30), BitConverter.ToDouble(bytes, 38) });
        Assert.Equal(46, bytes.Length);
    }
}

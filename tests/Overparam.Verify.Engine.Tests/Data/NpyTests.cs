using System.Text;
using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.IO;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Tests.Data;

/// The oracle for the format is hand-assembled bytes following the NumPy format specification
/// (numpy/lib/format.py): magic, version, header length, dict literal, newline, raw data.
public class NpyTests
{
    private static byte[] Craft(string dict, double[] data, int major = 1, int align = 64, byte[]? rawData = null)
    {
        int lenBytes = major == 1 ? 2 : 4;
        int pre = 6 + 2 + lenBytes;
        int total = (pre + dict.Length + 1 + align - 1) / align * align;
        string header = dict + new string(' ', total - pre - dict.Length - 1) + "\n";
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        int hl = header.Length;
        if (lenBytes == 2) ms.Write([(byte)(hl & 0xFF), (byte)(hl >> 8)]);
        else ms.Write([(byte)(hl & 0xFF), (byte)((hl >> 8) & 0xFF), (byte)((hl >> 16) & 0xFF), (byte)(hl >> 24)]);
        ms.Write(Encoding.UTF8.GetBytes(header));
        if (rawData is not null) ms.Write(rawData);
        else foreach (var v in data) ms.Write(BitConverter.GetBytes(v));   // little-endian on every .NET target we run
        return ms.ToArray();
    }

    private static string Dict(string descr, bool fortran, string shape) =>
        $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";

    private static InvalidInputException ParseFails(byte[] bytes, string name = "X.npy")
    {
        var e = Assert.Throws<InvalidInputException>(() => Npy.Parse(bytes, name));
        Assert.Contains(name, e.Message);
        return e;
    }

    [Fact]
    public void ReadArray_HandCraftedV1_ReturnsShapeAndCOrderData()
    {
        using var dir = new TempDir();
        var path = dir.Write("X.npy", Craft(Dict("<f8", false, "(2, 3)"), [1, 2, 3, 4, 5, 6]));
        var (shape, data) = Npy.ReadArray(path);
        Assert.Equal(new[] { 2, 3 }, shape);
        Assert.Equal(new double[] { 1, 2, 3, 4, 5, 6 }, data);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Parse_V2AndV3Headers_AreRead(int major)
    {
        var (shape, data) = Npy.Parse(Craft(Dict("<f8", false, "(3,)"), [7, 8, 9], major), "y.npy");
        Assert.Equal(new[] { 3 }, shape);
        Assert.Equal(new double[] { 7, 8, 9 }, data);
    }

    [Fact]
    public void Parse_SixteenByteAlignedHeaderAndOddSpacing_IsRead()
    {
        // Older NumPy aligned to 16 bytes; the dict may use double quotes and no trailing comma.
        var bytes = Craft("{\"descr\":\"<f8\",\"shape\":(1,2),\"fortran_order\":False}", [1.5, -2.5], align: 16);
        var (shape, data) = Npy.Parse(bytes, "X.npy");
        Assert.Equal(new[] { 1, 2 }, shape);
        Assert.Equal(new[] { 1.5, -2.5 }, data);
    }

    [Fact]
    public void Parse_FortranOrder_IsTransposedIntoCOrder()
    {
        // The 2×3 matrix [[1,2,3],[4,5,6]] in column-major order is 1,4,2,5,3,6.
        var (shape, data) = Npy.Parse(Craft(Dict("<f8", true, "(2, 3)"), [1, 4, 2, 5, 3, 6]), "X.npy");
        Assert.Equal(new[] { 2, 3 }, shape);
        Assert.Equal(new double[] { 1, 2, 3, 4, 5, 6 }, data);
    }

    [Fact]
    public void Parse_FortranOrder3D_MatchesIndexFormula()
    {
        var f = new double[24];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++) f[i + 2 * (j + 3 * k)] = 100 * i + 10 * j + k;
        var (_, data) = Npy.Parse(Craft(Dict("<f8", true, "(2, 3, 4)"), f), "a.npy");
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++) Assert.Equal(100 * i + 10 * j + k, data[(i * 3 + j) * 4 + k]);
    }

    [Theory]
    [InlineData("<f4")]
    [InlineData(">f8")]
    [InlineData("<i8")]
    [InlineData("|u1")]
    public void Parse_OtherDtype_ThrowsNamingIt(string descr)
    {
        var e = ParseFails(Craft(Dict(descr, false, "(1,)"), [1.0]));
        Assert.Contains($"dtype '{descr}' is not supported", e.Message);
    }

    [Fact]
    public void Parse_StructuredDtype_ThrowsClearly()
    {
        var e = ParseFails(Craft("{'descr': [('a', '<f8'), ('b', '<f8')], 'fortran_order': False, 'shape': (1,), }", [1.0, 2.0]));
        Assert.Contains("structured dtype", e.Message);
    }

    [Fact]
    public void Parse_TruncatedData_ThrowsWithExpectedAndFoundBytes()
    {
        var full = Craft(Dict("<f8", false, "(10, 10)"), new double[100]);
        var e = ParseFails(full[..(full.Length - 160)]);
        Assert.Contains("expected 800 bytes of data", e.Message);
        Assert.Contains("found 640", e.Message);
    }

    [Fact]
    public void Parse_TrailingBytes_Throw()
    {
        var e = ParseFails(Craft(Dict("<f8", false, "(2,)"), [1, 2, 3]));
        Assert.Contains("expected 16 bytes of data for shape (2,), found 24", e.Message);
    }

    [Theory]
    [InlineData("{'descr': '<f8', 'fortran_order': False}", "missing key 'shape'")]
    [InlineData("{'descr': '<f8', 'shape': (1,)}", "missing key 'fortran_order'")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected")]
    [InlineData("{'descr': '<f8', 'fortran_order': maybe, 'shape': (1,)}", "unexpected character")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", "non-negative integer")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)", "expected '}'")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} x", "after the closing brace")]
    [InlineData("{'descr': '<f8', 'fortran_order': 'no', 'shape': (1,)}", "True or False")]
    [InlineData("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", "duplicate key")]
    public void Parse_MalformedHeader_ThrowsNamingTheProblem(string dict, string expected)
    {
        var e = ParseFails(Craft(dict, [1.0]));
        Assert.Contains("malformed .npy header", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Parse_BadMagicOrVersionOrEmpty_Throws()
    {
        Assert.Contains("empty file", ParseFails([]).Message);
        Assert.Contains("magic", ParseFails(Encoding.ASCII.GetBytes("x1,y\n1,2\n")).Message);
        var v9 = Craft(Dict("<f8", false, "(1,)"), [1.0]);
        v9[6] = 9;
        Assert.Contains("version 9.0", ParseFails(v9).Message);
        var shortHeader = Craft(Dict("<f8", false, "(1,)"), [1.0]);
        Assert.Contains("truncated header", ParseFails(shortHeader[..20]).Message);
    }

    [Fact]
    public void ToBytes_MatchesHandAssembledLayout()
    {
        var bytes = Npy.ToBytes([2, 3], [1, 2, 3, 4, 5, 6]);
        var expected = Craft(Dict("<f8", false, "(2, 3)"), [1, 2, 3, 4, 5, 6]);
        Assert.Equal(expected, bytes);
        Assert.Equal(0, (bytes.Length - 48) % 64);   // data start 64-byte aligned
        Assert.Equal(expected, Npy.ToBytes([2, 3], [1, 2, 3, 4, 5, 6]));
        Assert.Equal(Craft(Dict("<f8", false, "(3,)"), [7, 8, 9]), Npy.ToBytes([3], [7, 8, 9]));
    }

    [Fact]
    public void WriteReadArray_SpecialValues_RoundTripBitExactly()
    {
        double[] v = [-0.0, double.Epsilon, double.MaxValue, double.NaN, double.NegativeInfinity, 0.1];
        using var dir = new TempDir();
        var path = dir.File("a.npy");
        Npy.Write(path, [6], v);
        var (shape, data) = Npy.ReadArray(path);
        Assert.Equal(new[] { 6 }, shape);
        Assert.Equal(v.Select(BitConverter.DoubleToInt64Bits), data.Select(BitConverter.DoubleToInt64Bits));
    }

    // ---- NpyDataset ----

    [Fact]
    public void NpyDataset_WriteDirectoryRead_RoundTripsBitExactly()
    {
        var x = DataGenerators.GaussianInputs(15, 4, 2);
        x[0, 0] = -0.0;
        var data = DataGenerators.TeacherDataset(x, 2, 8);
        using var dir = new TempDir();
        NpyDataset.WriteDirectory(dir.File("ds"), data);
        var back = NpyDataset.ReadDirectory(dir.File("ds"));
        Assert.Equal(15, back.N);
        Assert.Equal(4, back.D);
        Assert.Equal(data.X.Data.Select(BitConverter.DoubleToInt64Bits), back.X.Data.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(data.Y.Select(BitConverter.DoubleToInt64Bits), back.Y.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void NpyDataset_YAsColumnVector_IsAccepted()
    {
        using var dir = new TempDir();
        var xp = dir.Write("X.npy", Craft(Dict("<f8", false, "(2, 1)"), [1, 2]));
        var yp = dir.Write("y.npy", Craft(Dict("<f8", false, "(2, 1)"), [3, 4]));
        var d = NpyDataset.Read(xp, yp);
        Assert.Equal(new double[] { 3, 4 }, d.Y);
    }

    [Fact]
    public void NpyDataset_FortranOrderedX_IsTransposedCorrectly()
    {
        using var dir = new TempDir();
        dir.Write("X.npy", Craft(Dict("<f8", true, "(2, 3)"), [1, 4, 2, 5, 3, 6]));
        dir.Write("y.npy", Craft(Dict("<f8", false, "(2,)"), [0, 1]));
        var d = NpyDataset.ReadDirectory(dir.Path);
        Assert.Equal(new double[] { 1, 2, 3 }, d.X.Row(0).ToArray());
        Assert.Equal(new double[] { 4, 5, 6 }, d.X.Row(1).ToArray());
    }

    private static InvalidInputException PairFails(byte[] x, byte[] y)
    {
        using var dir = new TempDir();
        dir.Write("X.npy", x);
        dir.Write("y.npy", y);
        return Assert.Throws<InvalidInputException>(() => NpyDataset.ReadDirectory(dir.Path));
    }

    [Fact]
    public void NpyDataset_MismatchedN_ThrowsNamingBothFiles()
    {
        var e = PairFails(Craft(Dict("<f8", false, "(3, 2)"), new double[6]), Craft(Dict("<f8", false, "(4,)"), new double[4]));
        Assert.Contains("mismatched n", e.Message);
        Assert.Contains("X.npy has 3 samples", e.Message);
        Assert.Contains("y.npy has 4", e.Message);
    }

    [Fact]
    public void NpyDataset_WrongShapes_Throw()
    {
        Assert.Contains("expected a 2-D array (n, d)",
            PairFails(Craft(Dict("<f8", false, "(3,)"), new double[3]), Craft(Dict("<f8", false, "(3,)"), new double[3])).Message);
        Assert.Contains("expected (n,) or (n, 1)",
            PairFails(Craft(Dict("<f8", false, "(3, 1)"), new double[3]), Craft(Dict("<f8", false, "(3, 2)"), new double[6])).Message);
        Assert.Contains("no samples",
            PairFails(Craft(Dict("<f8", false, "(0, 2)"), []), Craft(Dict("<f8", false, "(0,)"), [])).Message);
    }

    [Fact]
    public void NpyDataset_NaNInX_ThrowsNamingFileRowAndColumn()
    {
        var x = new double[6];
        x[5] = double.NaN;
        var e = PairFails(Craft(Dict("<f8", false, "(3, 2)"), x), Craft(Dict("<f8", false, "(3,)"), new double[3]));
        Assert.Contains("X.npy: row 2, column 1", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void NpyDataset_InfInY_ThrowsNamingFileAndRow()
    {
        var e = PairFails(Craft(Dict("<f8", false, "(3, 2)"), new double[6]), Craft(Dict("<f8", false, "(3,)"), [0, double.PositiveInfinity, 0]));
        Assert.Contains("y.npy: row 1", e.Message);
    }

    [Fact]
    public void NpyDataset_MissingY_ThrowsFileNotFound()
    {
        using var dir = new TempDir();
        dir.Write("X.npy", Craft(Dict("<f8", false, "(1, 1)"), [1]));
        var e = Assert.Throws<InvalidInputException>(() => NpyDataset.ReadDirectory(dir.Path));
        Assert.StartsWith("file not found:", e.Message);
        Assert.Contains("y.npy", e.Message);
    }

    [Fact]
    public void NpyDataset_Write_ProducesXAsNByDAndYAsVector()
    {
        var data = Dataset.Create(new Matrix(2, 3, [1, 2, 3, 4, 5, 6]), [7, 8]);
        using var dir = new TempDir();
        NpyDataset.Write(dir.File("a.npy"), dir.File("b.npy"), data);
        Assert.Equal(Craft(Dict("<f8", false, "(2, 3)"), [1, 2, 3, 4, 5, 6]), File.ReadAllBytes(dir.File("a.npy")));
        Assert.Equal(Craft(Dict("<f8", false, "(2,)"), [7, 8]), File.ReadAllBytes(dir.File("b.npy")));
    }
}

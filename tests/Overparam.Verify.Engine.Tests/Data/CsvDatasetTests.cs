using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.IO;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Tests.Data;

public class CsvDatasetTests
{
    private static InvalidInputException ReadFails(string text, string name = "d.csv")
    {
        using var dir = new TempDir();
        var path = dir.Write(name, text);
        var e = Assert.Throws<InvalidInputException>(() => CsvDataset.Read(path));
        Assert.Contains(name, e.Message);
        return e;
    }

    private static Dataset ReadText(string text)
    {
        using var dir = new TempDir();
        return CsvDataset.Read(dir.Write("d.csv", text));
    }

    [Fact]
    public void Read_TargetColumnAnywhere_FeaturesKeepFileOrder()
    {
        var d = ReadText("a,y,b\n1,10,2\n3,20,4\n");
        Assert.Equal(2, d.N);
        Assert.Equal(2, d.D);
        Assert.Equal(new double[] { 1, 2, 3, 4 }, d.X.Data);
        Assert.Equal(new double[] { 10, 20 }, d.Y);
    }

    [Fact]
    public void Read_WhitespaceCrlfBomQuotesAndTrailingBlankLines_AreAccepted()
    {
        var d = ReadText("\uFEFF \"x1\" , y \r\n 1.5 ,\"-2e-3\"\r\n-0,+7\r\n\r\n  \r\n");
        Assert.Equal(new double[] { 1.5, -0.0 }, d.X.Data);
        Assert.Equal(new double[] { -2e-3, 7 }, d.Y);
        Assert.True(double.IsNegative(d.X[1, 0]));
    }

    [Fact]
    public void WriteRead_RandomData_RoundTripsBitExactly()
    {
        var x = DataGenerators.GaussianInputs(20, 3, 1);
        x[0, 0] = -0.0;
        x[1, 1] = double.Epsilon;
        x[2, 2] = double.MaxValue;
        x[3, 0] = 0.1;
        x[4, 1] = 1.0 / 3.0;
        var data = Dataset.Create(x, DataGenerators.RandomLabels(20, 1).Select((v, i) => v * Math.PI * i).ToArray());
        using var dir = new TempDir();
        var path = dir.File("rt.csv");
        CsvDataset.Write(path, data);
        var back = CsvDataset.Read(path);
        Assert.Equal(data.X.Data.Select(BitConverter.DoubleToInt64Bits), back.X.Data.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(data.Y.Select(BitConverter.DoubleToInt64Bits), back.Y.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Write_Header_IsX1ToXdThenY()
    {
        var text = CsvDataset.Format(Dataset.Create(new Matrix(1, 3, [1, 2, 3]), [4]));
        Assert.Equal("x1,x2,x3,y\n1,2,3,4\n", text);
    }

    [Fact]
    public void Read_EmptyFile_Throws()
    {
        Assert.Contains("empty", ReadFails("").Message);
        Assert.Contains("empty", ReadFails("\n \n").Message);
    }

    [Fact]
    public void Read_HeaderOnly_Throws() => Assert.Contains("no data rows", ReadFails("x1,y\n\n").Message);

    [Fact]
    public void Read_MissingY_ThrowsListingColumns()
    {
        var e = ReadFails("x1,x2\n1,2\n");
        Assert.Contains("no column named 'y'", e.Message);
        Assert.Contains("x1, x2", e.Message);
        Assert.Contains("case-sensitive", ReadFails("x1,Y\n1,2\n").Message);
    }

    [Fact]
    public void Read_NoHeaderRow_ThrowsSayingAHeaderIsRequired() =>
        Assert.Contains("a header row is required", ReadFails("1,2\n3,4\n").Message);

    [Fact]
    public void Read_DuplicateColumnNames_Throws()
    {
        var e = ReadFails("x1,y,x1\n1,2,3\n");
        Assert.Contains("row 1", e.Message);
        Assert.Contains("duplicate column name 'x1'", e.Message);
        Assert.Contains("duplicate column name 'y'", ReadFails("y,x,y\n1,2,3\n").Message);
    }

    [Fact]
    public void Read_EmptyColumnName_Throws() => Assert.Contains("column 2: empty column name", ReadFails("x1,,y\n1,2,3\n").Message);

    [Fact]
    public void Read_OnlyTargetColumn_Throws() => Assert.Contains("at least one input column", ReadFails("y\n1\n").Message);

    [Fact]
    public void Read_RaggedRow_ThrowsNamingRowAndCounts()
    {
        var e = ReadFails("x1,x2,x3,y\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n");
        Assert.Contains("row 5: 3 columns, header has 4", e.Message);
        Assert.Contains("row 2: 5 columns, header has 4", ReadFails("x1,x2,x3,y\n1,2,3,4,5\n").Message);
    }

    [Fact]
    public void Read_NonNumber_ThrowsNamingRowColumnAndValue()
    {
        var e = ReadFails("x1,x2,y\n1,2,3\n4,abc,6\n");
        Assert.Contains("row 3, column 'x2': 'abc' is not a number", e.Message);
    }

    [Fact]
    public void Read_EmptyField_Throws() => Assert.Contains("row 2, column 'y': empty field", ReadFails("x1,y\n1,\n").Message);

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    public void Read_NonFinite_ThrowsNamingRowAndColumn(string value)
    {
        var e = ReadFails($"x1,x2,y\n1,2,3\n4,5,6\n7,{value},9\n");
        Assert.Contains($"row 4, column 'x2': '{value}' is not a finite number", e.Message);
    }

    [Fact]
    public void Read_InteriorBlankLine_Throws() => Assert.Contains("row 3: blank line", ReadFails("x1,y\n1,2\n\n3,4\n").Message);

    [Theory]
    [InlineData("x1,y\n\"1,5\",2\n")]
    [InlineData("x1,y\n1\"\"5,2\n")]
    [InlineData("x1,y\n\"15,2\n")]
    public void Read_UnsupportedQuotes_Throw(string text) => Assert.Contains("quote", ReadFails(text).Message);

    [Fact]
    public void Read_LocaleStyleDecimalComma_IsRaggedNotMisread()
    {
        // "1,5" in a comma-decimal locale must not silently become two fields that happen to fit.
        Assert.Contains("row 2: 3 columns, header has 2", ReadFails("x1,y\n1,5,2\n").Message);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<InvalidInputException>(() => CsvDataset.Read(dir.File("nope.csv")));
        Assert.StartsWith("file not found:", e.Message);
        Assert.Contains("nope.csv", e.Message);
    }
}

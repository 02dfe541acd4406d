using Overparam.Verify.Engine.Data;
using Overparam.Verify.Engine.LinearAlgebra;

namespace Overparam.Verify.Engine.Tests.Data;

public class DatasetTests
{
    [Fact]
    public void Create_ValidShapes_ExposesNAndD()
    {
        var d = Dataset.Create(new Matrix(3, 2), [1, 2, 3]);
        Assert.Equal(3, d.N);
        Assert.Equal(2, d.D);
    }

    [Fact]
    public void Create_MismatchedN_ThrowsNamingBothCounts()
    {
        var e = Assert.Throws<InvalidInputException>(() => Dataset.Create(new Matrix(3, 2), [1, 2]));
        Assert.Contains("3 rows", e.Message);
        Assert.Contains("2 entries", e.Message);
    }

    [Fact]
    public void Create_NaNInX_ThrowsNamingRowAndColumn()
    {
        var x = new Matrix(3, 2);
        x[2, 1] = double.NaN;
        var e = Assert.Throws<InvalidInputException>(() => Dataset.Create(x, [0, 0, 0]));
        Assert.Contains("X[2, 1]", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void Create_InfInY_ThrowsNamingRow()
    {
        var e = Assert.Throws<InvalidInputException>(() => Dataset.Create(new Matrix(3, 2), [0, double.NegativeInfinity, 0]));
        Assert.Contains("y[1]", e.Message);
    }

    [Fact]
    public void Create_EmptyShapes_Throw()
    {
        Assert.Throws<InvalidInputException>(() => Dataset.Create(new Matrix(0, 2), []));
        Assert.Throws<InvalidInputException>(() => Dataset.Create(new Matrix(2, 0), [1, 2]));
    }
}

namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>Whether a kernel reads an operand as stored or transposed.</summary>
public enum Op
{
    /// <summary>Use the operand as stored.</summary>
    None,

    /// <summary>Use the transpose of the operand.</summary>
    Transpose,
}

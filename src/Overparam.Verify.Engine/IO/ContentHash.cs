using System.Buffers.Binary;
using System.Security.Cryptography;
using Overparam.Verify.Engine.Data;

namespace Overparam.Verify.Engine.IO;

/// <summary>
/// SHA-256 digests (lowercase hex) that tie a certificate to the exact data it was computed from.
/// </summary>
public static class ContentHash
{
    /// <summary>SHA-256 of a file's bytes.</summary>
    public static string OfFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new InvalidInputException($"file not found: {path}");
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>SHA-256 of <paramref name="bytes"/>.</summary>
    public static string OfBytes(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// SHA-256 of the data set's canonical bytes, <see cref="CanonicalBytes"/>; independent of the file format the
    /// data came from, so a CSV and an NPY copy of the same numbers hash alike.
    /// </summary>
    public static string OfDataset(Dataset data) => OfBytes(CanonicalBytes(data));

    /// <summary>
    /// The canonical encoding: ASCII <c>"OPVDS1"</c>, n and d as int64 little-endian, X row-major, then y, every value
    /// as IEEE-754 float64 little-endian (so −0 and +0 differ, as they do in the bits the engine computes with).
    /// </summary>
    public static byte[] CanonicalBytes(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ReadOnlySpan<byte> tag = "OPVDS1"u8;
        var bytes = new byte[checked(tag.Length + 16 + 8 * (data.X.Data.Length + data.Y.Length))];
        tag.CopyTo(bytes);
        int o = tag.Length;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(o), data.N);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(o + 8), data.D);
        o += 16;
        foreach (double v in data.X.Data)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(o), v);
            o += 8;
        }
        foreach (double v in data.Y)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(o), v);
            o += 8;
        }
        return bytes;
    }
}

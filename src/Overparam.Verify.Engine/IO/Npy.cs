using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Overparam.Verify.Engine.IO;

/// <summary>
/// NumPy <c>.npy</c> files holding float64 arrays (format versions 1.0, 2.0 and 3.0 read; 1.0 written, 2.0 only when
/// the header would not fit 1.0). Layout: the magic <c>\x93NUMPY</c>, major and minor version bytes, the header
/// length (uint16 little-endian in 1.0, uint32 in 2.0/3.0), then a Python dict literal
/// <c>{'descr': '&lt;f8', 'fortran_order': False, 'shape': (n, d), }</c> padded with spaces and ending in a newline,
/// then the raw data. Only dtype <c>'&lt;f8'</c> is accepted. Fortran-ordered arrays are transposed into C order on read.
/// </summary>
public static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>
    /// Reads a float64 array: its shape and its entries in C (row-major) order. Throws
    /// <see cref="InvalidInputException"/> naming the file for a missing file, bad magic, unsupported version or
    /// dtype, malformed header, or a data section of the wrong length. Values are not checked for finiteness here.
    /// </summary>
    public static (int[] Shape, double[] Data) ReadArray(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
            throw new InvalidInputException($"{path} is a directory, expected a .npy file");
        if (!File.Exists(path))
            throw new InvalidInputException($"file not found: {path}");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"{path}: cannot read: {e.Message}", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses the bytes of an .npy file, as <see cref="ReadArray"/> does; <paramref name="source"/> names it in messages.</summary>
    public static (int[] Shape, double[] Data) Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length == 0)
            throw new InvalidInputException($"{source}: empty file; expected a NumPy .npy array");
        if (bytes.Length < 8 || !bytes[..6].SequenceEqual(Magic))
            throw new InvalidInputException($"{source}: not a NumPy .npy file (missing the \\x93NUMPY magic string)");
        int major = bytes[6], minor = bytes[7];
        int lenBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new InvalidInputException(
                $"{source}: unsupported .npy format version {major}.{minor}; supported are 1.0, 2.0 and 3.0"),
        };
        if (bytes.Length < 8 + lenBytes)
            throw new InvalidInputException($"{source}: truncated header (file has {bytes.Length} bytes)");
        long headerLen = lenBytes == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        long dataStart = 8 + lenBytes + headerLen;
        if (dataStart > bytes.Length)
            throw new InvalidInputException(
                $"{source}: truncated header: header length says {headerLen} bytes, only {bytes.Length - 8 - lenBytes} present");
        var headerBytes = bytes.Slice(8 + lenBytes, (int)headerLen);
        string header;
        try
        {
            header = (major == 3 ? new UTF8Encoding(false, true) : (Encoding)Encoding.Latin1).GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidInputException($"{source}: header is not valid UTF-8", e);
        }

        var (descr, fortran, shape) = ParseHeader(header, source);
        if (descr != "<f8")
            throw new InvalidInputException(
                $"{source}: dtype '{descr}' is not supported; expected '<f8' (float64, little-endian)");

        long count = 1;
        foreach (int s in shape)
        {
            count *= s;
            if (count > Array.MaxLength)
                throw new InvalidInputException($"{source}: shape {FormatShape(shape)} is too large to load");
        }
        long expectedBytes = count * 8;
        long found = bytes.Length - dataStart;
        if (found != expectedBytes)
            throw new InvalidInputException(
                $"{source}: expected {expectedBytes} bytes of data for shape {FormatShape(shape)}, found {found}");

        var raw = new double[count];
        var data = bytes[(int)dataStart..];
        for (int i = 0; i < raw.Length; i++)
            raw[i] = BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 8)..]);
        return (shape, fortran && shape.Length > 1 ? FortranToC(raw, shape) : raw);
    }

    /// <summary>
    /// Writes <paramref name="data"/> (C order) with the given shape as a float64 little-endian .npy file, version 1.0
    /// (2.0 if the header needs it), header padded so the data start on a 64-byte boundary as NumPy does.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<int> shape, ReadOnlySpan<double> data)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllBytes(path, ToBytes(shape, data));
    }

    /// <summary>The bytes <see cref="Write"/> would write.</summary>
    public static byte[] ToBytes(ReadOnlySpan<int> shape, ReadOnlySpan<double> data)
    {
        long count = 1;
        foreach (int s in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(s, nameof(shape));
            count *= s;
        }
        if (count != data.Length)
            throw new ArgumentException($"shape {FormatShape(shape.ToArray())} holds {count} entries, data has {data.Length}");

        string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': " + FormatShape(shape.ToArray()) + ", }";
        int major = 1, lenBytes = 2;
        int total = Pad(10 + dict.Length + 1);
        if (total - 10 > ushort.MaxValue)
        {
            major = 2;
            lenBytes = 4;
            total = Pad(12 + dict.Length + 1);
        }
        int headerLen = total - 8 - lenBytes;
        var bytes = new byte[checked(total + data.Length * 8)];
        Magic.CopyTo(bytes, 0);
        bytes[6] = (byte)major;
        bytes[7] = 0;
        if (lenBytes == 2) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLen);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)headerLen);
        string padded = dict.PadRight(headerLen - 1) + "\n";
        Encoding.ASCII.GetBytes(padded, bytes.AsSpan(8 + lenBytes));
        for (int i = 0; i < data.Length; i++)
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(total + i * 8), data[i]);
        return bytes;

        static int Pad(int len) => (len + 63) / 64 * 64;
    }

    /// <summary>Python tuple notation: <c>(3,)</c>, <c>(3, 2)</c>, <c>()</c>.</summary>
    public static string FormatShape(int[] shape) => shape.Length switch
    {
        0 => "()",
        1 => $"({shape[0]},)",
        _ => "(" + string.Join(", ", shape) + ")",
    };

    private static double[] FortranToC(double[] f, int[] shape)
    {
        // Column-major index of (i0, i1, ...) is i0 + s0·(i1 + s1·(...)); walk the C order and map each index.
        var c = new double[f.Length];
        var idx = new int[shape.Length];
        for (int k = 0; k < c.Length; k++)
        {
            long fi = 0;
            for (int a = shape.Length - 1; a >= 0; a--) fi = fi * shape[a] + idx[a];
            c[k] = f[fi];
            for (int a = shape.Length - 1; a >= 0; a--)
            {
                if (++idx[a] < shape[a]) break;
                idx[a] = 0;
            }
        }
        return c;
    }

    private static (string Descr, bool Fortran, int[] Shape) ParseHeader(string header, string source)
    {
        var p = new HeaderParser(header, source);
        var dict = p.ParseDict();
        foreach (var key in dict.Keys)
            if (key is not ("descr" or "fortran_order" or "shape"))
                throw p.Error($"unexpected key '{key}'");
        if (!dict.TryGetValue("descr", out var descr)) throw p.Error("missing key 'descr'");
        if (!dict.TryGetValue("fortran_order", out var fortran)) throw p.Error("missing key 'fortran_order'");
        if (!dict.TryGetValue("shape", out var shape)) throw p.Error("missing key 'shape'");
        if (descr is not string d)
            throw new InvalidInputException(
                $"{source}: dtype {HeaderParser.Describe(descr)} is not supported; expected '<f8' (float64, little-endian)");
        if (fortran is not bool f) throw p.Error("'fortran_order' must be True or False");
        if (shape is not int[] s) throw p.Error("'shape' must be a tuple of non-negative integers");
        return (d, f, s);
    }

    /// <summary>A parser for the small Python-literal subset that .npy headers use: a dict of strings, booleans and int tuples.</summary>
    private sealed class HeaderParser(string text, string source)
    {
        private int _pos;

        public InvalidInputException Error(string what) =>
            new($"{source}: malformed .npy header ({what}): {text.TrimEnd()}");

        public static string Describe(object? value) => value switch
        {
            string s => $"'{s}'",
            bool b => b ? "True" : "False",
            int[] t => FormatShape(t),
            List<object?> => "[...] (a structured dtype)",
            _ => "?",
        };

        public Dictionary<string, object?> ParseDict()
        {
            SkipSpace();
            Expect('{');
            var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (true)
            {
                SkipSpace();
                if (Peek() == '}') { _pos++; break; }
                string key = ParseString();
                SkipSpace();
                Expect(':');
                SkipSpace();
                if (dict.ContainsKey(key)) throw Error($"duplicate key '{key}'");
                dict[key] = ParseValue();
                SkipSpace();
                if (Peek() == ',') { _pos++; continue; }
                SkipSpace();
                Expect('}');
                break;
            }
            SkipSpace();
            if (_pos != text.Length) throw Error("text after the closing brace");
            return dict;
        }

        private object? ParseValue()
        {
            char c = Peek();
            if (c is '\'' or '"') return ParseString();
            if (c == '(') return ParseTuple();
            if (c == '[') return ParseList();
            if (Match("True")) return true;
            if (Match("False")) return false;
            throw Error($"unexpected character '{c}' at offset {_pos}");
        }

        private List<object?> ParseList()
        {
            // Structured dtypes are lists of tuples; we only need to skip them to report the dtype clearly.
            Expect('[');
            int depth = 1;
            while (depth > 0)
            {
                char c = Next();
                if (c is '[' or '(') depth++;
                else if (c is ']' or ')') depth--;
            }
            return [];
        }

        private int[] ParseTuple()
        {
            Expect('(');
            var dims = new List<int>();
            while (true)
            {
                SkipSpace();
                if (Peek() == ')') { _pos++; break; }
                int start = _pos;
                while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
                if (start == _pos) throw Error($"shape entry at offset {start} is not a non-negative integer");
                // NumPy 1.x wrote long integers with an L suffix in Python 2; accept it.
                string digits = text[start.._pos];
                if (Peek() == 'L') _pos++;
                if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int v))
                    throw Error($"shape entry {digits} is too large");
                dims.Add(v);
                SkipSpace();
                if (Peek() == ',') { _pos++; continue; }
                SkipSpace();
                Expect(')');
                break;
            }
            return [.. dims];
        }

        private string ParseString()
        {
            char q = Peek();
            if (q is not ('\'' or '"')) throw Error($"expected a quoted string at offset {_pos}");
            _pos++;
            int start = _pos;
            while (_pos < text.Length && text[_pos] != q)
            {
                if (text[_pos] == '\\') throw Error("escape sequences are not supported");
                _pos++;
            }
            if (_pos >= text.Length) throw Error("unterminated string");
            string s = text[start.._pos];
            _pos++;
            return s;
        }

        private bool Match(string word)
        {
            if (string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0) return false;
            _pos += word.Length;
            return true;
        }

        private void Expect(char c)
        {
            if (Peek() != c) throw Error($"expected '{c}' at offset {_pos}");
            _pos++;
        }

        private char Next()
        {
            if (_pos >= text.Length) throw Error("unexpected end");
            return text[_pos++];
        }

        private char Peek() => _pos < text.Length ? text[_pos] : '\0';

        private void SkipSpace()
        {
            while (_pos < text.Length && text[_pos] is ' ' or '\t' or '\n' or '\r') _pos++;
        }
    }
}

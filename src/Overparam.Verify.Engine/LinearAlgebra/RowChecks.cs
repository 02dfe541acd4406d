namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>Exact structural checks on the rows of a data matrix.</summary>
public static class RowChecks
{
    /// <summary>
    /// The first pair (i, j), i &lt; j, of rows that are identical bit for bit (with −0 equal to +0), or null. Two
    /// identical inputs make every Gram built from them exactly singular, which a λ_min computed in float64 cannot show.
    /// </summary>
    public static (int First, int Second)? FirstIdenticalPair(Matrix x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var seen = new Dictionary<RowKey, int>();
        for (int i = 0; i < x.Rows; i++)
        {
            var key = new RowKey(x, i);
            if (seen.TryGetValue(key, out int j)) return (j, i);
            seen[key] = i;
        }
        return null;
    }

    private readonly struct RowKey(Matrix m, int row) : IEquatable<RowKey>
    {
        private readonly Matrix _m = m;
        private readonly int _row = row;

        public bool Equals(RowKey other)
        {
            var a = _m.Row(_row);
            var b = other._m.Row(other._row);
            if (a.Length != b.Length) return false;
            for (int k = 0; k < a.Length; k++)
                if (!(a[k] == b[k] || (double.IsNaN(a[k]) && double.IsNaN(b[k])))) return false;
            return true;
        }

        public override bool Equals(object? obj) => obj is RowKey k && Equals(k);

        public override int GetHashCode()
        {
            var h = new HashCode();
            // +0.0 so that −0 and +0 (equal under ==) hash alike.
            foreach (var v in _m.Row(_row)) h.Add(v + 0.0);
            return h.ToHashCode();
        }
    }
}

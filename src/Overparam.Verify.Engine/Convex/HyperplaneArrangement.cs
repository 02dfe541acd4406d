using System.Globalization;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Convex;

/// <summary>How an arrangement's patterns were found.</summary>
public enum ArrangementMethod
{
    /// <summary>d = 2: one witness per arc between consecutive hyperplane angles, O(N log N).</summary>
    AngleSweep,

    /// <summary>Small d: every extreme ray (intersection of r − 1 hyperplanes) and the cells around it, by recursive restriction.</summary>
    RayEnumeration,

    /// <summary>Gaussian directions u: a subset of the patterns, with coverage reported.</summary>
    Sampled,
}

/// <summary>One cell of the arrangement: its pattern Dᵢ = diag(1[Xu ≥ 0]) and a direction u that has it.</summary>
/// <param name="Pattern">Pattern[i] = 1[xᵢᵀu ≥ 0] (zero rows xᵢ = 0 are always active, by the ≥ convention).</param>
/// <param name="Witness">A unit vector u with exactly this pattern and xᵢᵀu ≠ 0 for every nonzero row, both
/// verified with a rounding-error bound: u lies in the open cell, not on one of its walls.</param>
public sealed record ArrangementCell(bool[] Pattern, double[] Witness);

/// <summary>What sampling saw: the lower-estimate label of papers.md §5.3 comes with these numbers.</summary>
/// <param name="Samples">Gaussian directions drawn.</param>
/// <param name="Batches">Batches drawn.</param>
/// <param name="BatchSize">Directions per batch.</param>
/// <param name="NewInLastBatch">Patterns the last batch added (0 suggests, never proves, saturation).</param>
public sealed record SamplingCoverage(long Samples, int Batches, int BatchSize, int NewInLastBatch);

/// <summary>
/// The activation patterns {Dᵢ} of P5.C4 (papers.md §5.3): the distinct diag(1[Xu ≥ 0]) over the open cells of the
/// central arrangement of the hyperplanes xᵢᵀu = 0. Patterns of u on a wall (some xᵢᵀu = 0 with xᵢ ≠ 0) are left
/// out on purpose: every such u lies in the closure of an open cell whose pattern D satisfies (Xu)₊ = DXu there, so
/// neither the convex program nor the dual certificate needs them, and without them the count obeys
/// P ≤ 2Σ_{k&lt;r} C(N − 1, k) (<see cref="CountBound"/>).
/// </summary>
/// <param name="Cells">The cells found, sorted by pattern (lexicographic, 0 before 1) so runs are reproducible.</param>
/// <param name="Method">How they were found.</param>
/// <param name="Exhaustive">
/// True when every cell was found (exact enumeration that resolved all of its decisions; see
/// <see cref="Resolution"/>); always false for <see cref="ArrangementMethod.Sampled"/>. Every reported pattern is real
/// either way (its witness is verified); only completeness depends on this flag.
/// </param>
/// <param name="Rank">Numerical rank r of X (relative threshold <see cref="HyperplaneArrangements.RankTolerance"/>).</param>
/// <param name="CountBound">2Σ_{k&lt;r} C(N − 1, k), the upper bound on the number of cells (exact for points in general position).</param>
/// <param name="Resolution">
/// The smallest separation the enumeration relied on: the narrowest arc between distinct hyperplane angles (sweep,
/// radians) or the smallest relative |xᵢᵀv|/‖xᵢ‖ of a hyperplane not through a ray v (ray enumeration). NaN when
/// sampled. A value near the tie threshold means the data are near-degenerate and the combinatorics is fragile.
/// </param>
/// <param name="Unresolved">Candidate witnesses dropped because a sign could not be certified, plus near-ties merged as
/// ties; 0 is part of <see cref="Exhaustive"/>.</param>
/// <param name="Coverage">Sampling statistics; null for the exact methods.</param>
public sealed record HyperplaneArrangement(
    IReadOnlyList<ArrangementCell> Cells,
    ArrangementMethod Method,
    bool Exhaustive,
    int Rank,
    double CountBound,
    double Resolution,
    int Unresolved,
    SamplingCoverage? Coverage)
{
    /// <summary>Number of patterns P.</summary>
    public int Count => Cells.Count;

    /// <summary>The patterns as an array of rows, Patterns[i][k] = (Dᵢ)ₖₖ.</summary>
    public bool[][] Patterns() => Cells.Select(c => c.Pattern).ToArray();
}

/// <summary>
/// Enumerates or samples the hyperplane arrangement of the rows of X (papers.md §5.3, P5.C4; §8 "Hyperplane
/// arrangements"). Exact for d = 2 by an angle sweep and for small rank by ray enumeration; sampled otherwise.
/// Every pattern returned carries a witness direction whose signs were certified against a rounding-error bound, so
/// a pattern is never an artefact of rounding; <see cref="HyperplaneArrangement.Exhaustive"/> says whether the list is
/// complete.
/// </summary>
public static class HyperplaneArrangements
{
    /// <summary>Stream of the Gaussian directions drawn by <see cref="Sample"/>.</summary>
    public const string SampleStream = "arrangement/u";

    /// <summary>Rows whose residual after Gram–Schmidt is below this fraction of the largest row norm add no rank.</summary>
    public const double RankTolerance = 1e-10;

    /// <summary>|xᵢᵀv| ≤ TieTolerance·‖xᵢ‖‖v‖ puts v on xᵢ's hyperplane (a tie), in the ray enumeration.</summary>
    public const double TieTolerance = 1e-9;

    /// <summary>Separations between the tie threshold and this value are too close to call: counted as unresolved.</summary>
    public const double ClearSeparation = 1e-6;

    /// <summary>Hyperplane angles closer than this (radians) are merged in the sweep (one hyperplane, or a near-tie).</summary>
    public const double AngleResolution = 1e-12;

    /// <summary>Largest rank <see cref="Enumerate"/> handles exactly by ray enumeration (d = 2 always by the sweep).</summary>
    public const int MaxExactRank = 5;

    /// <summary>Largest <see cref="CountBound"/> <see cref="Enumerate"/> accepts (the cells are all kept in memory).</summary>
    public const double MaxExactCells = 2_000_000;

    /// <summary>2Σ_{k&lt;r} C(N − 1, k): Cover's count of the cells of N central hyperplanes in general position in ℝʳ.</summary>
    public static double CountBound(int n, int rank)
    {
        if (n < 1 || rank < 0) throw new ArgumentOutOfRangeException(nameof(n), "need n ≥ 1 and rank ≥ 0");
        if (rank == 0) return 1;
        double sum = 0, c = 1;   // c = C(n − 1, k)
        for (int k = 0; k < rank && k <= n - 1; k++)
        {
            sum += c;
            c = c * (n - 1 - k) / (k + 1);
        }
        return 2 * sum;
    }

    /// <summary>
    /// The pattern 1[xᵢᵀu ≥ 0] of one direction (the ≥ 0 convention of papers.md §5.3), as floating point computes it;
    /// use <see cref="TryCertifiedPattern"/> when a sign near 0 matters.
    /// </summary>
    public static bool[] PatternOf(Matrix x, ReadOnlySpan<double> u)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (u.Length != x.Cols) throw new InvalidInputException($"direction has {u.Length} entries, inputs have {x.Cols} columns");
        var p = new bool[x.Rows];
        for (int i = 0; i < p.Length; i++) p[i] = Blas.Dot(x.Row(i), u) >= 0;
        return p;
    }

    /// <summary>
    /// The pattern of u when every sign is certain: for each row, either xᵢ = 0 (active by convention) or
    /// |fl(xᵢᵀu)| &gt; γ_{d+1}·Σₖ|xᵢₖuₖ| (+ an underflow term), which the true xᵢᵀu cannot cross. False when some
    /// sign is in doubt (u is on or within rounding of a wall).
    /// </summary>
    public static bool TryCertifiedPattern(Matrix x, ReadOnlySpan<double> u, out bool[] pattern)
    {
        ArgumentNullException.ThrowIfNull(x);
        int d = x.Cols;
        double gamma = CertifiedEigenvalue.Gamma(d + 1);
        pattern = new bool[x.Rows];
        for (int i = 0; i < x.Rows; i++)
        {
            var xi = x.Row(i);
            double s = 0, abs = 0;
            bool zero = true;
            for (int k = 0; k < d; k++)
            {
                s += xi[k] * u[k];
                abs += Math.Abs(xi[k] * u[k]);
                zero &= xi[k] == 0;
            }
            if (zero)
            {
                pattern[i] = true;
                continue;
            }
            if (!(Math.Abs(s) > gamma * abs + d * 1e-300)) return false;
            pattern[i] = s > 0;
        }
        return true;
    }

    /// <summary>
    /// All patterns, exactly: the angle sweep for d = 2, ray enumeration when the rank r ≤ <see cref="MaxExactRank"/>
    /// and the count bound ≤ <see cref="MaxExactCells"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">X holds NaN/±∞, or is too large for exact enumeration (sample instead).</exception>
    public static HyperplaneArrangement Enumerate(Matrix x)
    {
        CheckInput(x);
        if (x.Cols == 2) return AngleSweep(x);
        int r = RowBasis(x).Count;
        double bound = CountBound(x.Rows, r);
        if (r > MaxExactRank || bound > MaxExactCells)
            throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture,
                $"exact arrangement enumeration is limited to rank ≤ {MaxExactRank} and ≤ {MaxExactCells:G3} cells; X ({x.Rows}×{x.Cols}) has rank {r} and up to {bound:G4} cells, so sample the patterns instead"));
        return RayEnumeration(x);
    }

    /// <summary>
    /// d = 2: the hyperplane of xᵢ ≠ 0 meets the unit circle at the angles atan2(xᵢ) ± π/2. Sorting these 2N angles,
    /// merging those within <see cref="AngleResolution"/>, and taking the midpoint of every arc between consecutive
    /// ones visits every open cell once (O(N log N)); each midpoint's pattern is certified.
    /// </summary>
    public static HyperplaneArrangement AngleSweep(Matrix x)
    {
        CheckInput(x);
        if (x.Cols != 2) throw new InvalidInputException($"the angle sweep needs d = 2, got d = {x.Cols}");
        int n = x.Rows;
        var angles = new List<(double Angle, int Row)>(2 * n);
        for (int i = 0; i < n; i++)
        {
            double a = x[i, 0], b = x[i, 1];
            if (a == 0 && b == 0) continue;
            double alpha = Math.Atan2(b, a);
            angles.Add((Wrap(alpha + Math.PI / 2), i));
            angles.Add((Wrap(alpha - Math.PI / 2), i));
        }
        int rank = RowBasis(x).Count;
        double bound = CountBound(n, rank);
        var cells = new Dictionary<string, ArrangementCell>(StringComparer.Ordinal);
        int unresolved = 0;
        if (angles.Count == 0)
        {
            AddCertified(x, [1.0, 0.0], cells, ref unresolved);
            return Build(cells, ArrangementMethod.AngleSweep, unresolved, rank, bound, double.PositiveInfinity, null);
        }
        angles.Sort((p, q) => p.Angle.CompareTo(q.Angle));
        // Cluster breakpoints: one cluster per distinct hyperplane angle (within AngleResolution, cyclically).
        var starts = new List<double>();
        var clusterFirst = new List<int>();
        for (int t = 0; t < angles.Count; t++)
        {
            if (t > 0 && angles[t].Angle - angles[t - 1].Angle <= AngleResolution)
            {
                if (!Parallel(x, angles[t].Row, angles[t - 1].Row)) unresolved++;
                continue;
            }
            starts.Add(angles[t].Angle);
            clusterFirst.Add(angles[t].Row);
        }
        if (starts.Count > 1 && starts[0] + 2 * Math.PI - angles[^1].Angle <= AngleResolution)
        {
            if (!Parallel(x, angles[^1].Row, clusterFirst[0])) unresolved++;
            starts.RemoveAt(0);   // the first cluster continues the last one across 2π
        }
        double resolution = double.PositiveInfinity;
        int kCount = starts.Count;
        for (int t = 0; t < kCount; t++)
        {
            double lo = starts[t], hi = t + 1 < kCount ? starts[t + 1] : starts[0] + 2 * Math.PI;
            if (kCount == 1) hi = lo + 2 * Math.PI;
            resolution = Math.Min(resolution, hi - lo);
            double mid = 0.5 * (lo + hi);
            AddCertified(x, [Math.Cos(mid), Math.Sin(mid)], cells, ref unresolved);
        }
        return Build(cells, ArrangementMethod.AngleSweep, unresolved, rank, bound, resolution, null);
    }

    /// <summary>
    /// Exact enumeration for small rank by recursive restriction. X is first reduced to its row space (rank r). Every
    /// open cell of an essential central arrangement in ℝʳ (r ≥ 2) is a pointed cone, so it has an extreme ray v,
    /// which lies on r − 1 independent hyperplanes. For each such ray (both signs), the cells touching it are the
    /// cells of the hyperplanes through v (the ties T), restricted to v⊥ — the same problem one dimension down —
    /// combined with the fixed signs of xᵢᵀv off T. A witness v + εw with ε below every off-T ratio |xᵢᵀv|/|xᵢᵀw| is
    /// then certified in the original coordinates. O(C(N, r − 1)·2ʳ) witnesses; meant for r ≤ 5 and N up to a few dozen.
    /// </summary>
    public static HyperplaneArrangement RayEnumeration(Matrix x)
    {
        CheckInput(x);
        int n = x.Rows, d = x.Cols;
        var basis = RowBasis(x);
        int r = basis.Count;
        double bound = CountBound(n, r);
        var cells = new Dictionary<string, ArrangementCell>(StringComparer.Ordinal);
        int unresolved = 0;
        var stats = new RayStats();
        if (r == 0)
        {
            var e = new double[d];
            e[0] = 1;
            AddCertified(x, e, cells, ref unresolved);
            return Build(cells, ArrangementMethod.RayEnumeration, unresolved, 0, bound, double.PositiveInfinity, null);
        }
        // Coordinates of the rows in the orthonormal row basis: bᵢ = Q xᵢ ∈ ℝʳ.
        var b = new double[n][];
        for (int i = 0; i < n; i++)
        {
            b[i] = new double[r];
            for (int q = 0; q < r; q++) b[i][q] = Blas.Dot(basis[q], x.Row(i));
        }
        foreach (var w in CellWitnesses(b, r, stats))
        {
            var u = new double[d];
            for (int q = 0; q < r; q++) Blas.Axpy(w[q], basis[q], u);
            Normalize(u);
            AddCertified(x, u, cells, ref unresolved);
        }
        return Build(cells, ArrangementMethod.RayEnumeration, unresolved + stats.Ambiguous, r, bound, stats.Resolution, null);
    }

    /// <summary>
    /// Patterns of Gaussian directions u ~ N(0, I_d) from stream <see cref="SampleStream"/>, in batches of
    /// <paramref name="batchSize"/>, until a batch adds no new pattern or <paramref name="maxBatches"/> batches were
    /// drawn. A lower estimate: papers.md §5.3 — a violation found with these patterns is real, a pass is not a proof.
    /// </summary>
    public static HyperplaneArrangement Sample(Matrix x, ulong seed, int batchSize = 4096, int maxBatches = 64)
    {
        CheckInput(x);
        if (batchSize < 1) throw new InvalidInputException($"the sampling batch size must be ≥ 1, got {batchSize}");
        if (maxBatches < 1) throw new InvalidInputException($"the number of sampling batches must be ≥ 1, got {maxBatches}");
        int d = x.Cols;
        int rank = RowBasis(x).Count;
        var rng = RandomStreams.For(seed, SampleStream);
        var cells = new Dictionary<string, ArrangementCell>(StringComparer.Ordinal);
        int unresolved = 0, batches = 0, newInLast = 0;
        long samples = 0;
        while (batches < maxBatches)
        {
            int before = cells.Count;
            for (int s = 0; s < batchSize; s++)
            {
                var u = new double[d];
                rng.FillGaussian(u);
                Normalize(u);
                AddCertified(x, u, cells, ref unresolved);
            }
            samples += batchSize;
            batches++;
            newInLast = cells.Count - before;
            if (newInLast == 0) break;
        }
        return Build(cells, ArrangementMethod.Sampled, unresolved, rank, CountBound(x.Rows, rank), double.NaN,
            new SamplingCoverage(samples, batches, batchSize, newInLast), exhaustiveAllowed: false);
    }

    // ---- ray enumeration -------------------------------------------------------------------------------------------

    private sealed class RayStats
    {
        public double Resolution = double.PositiveInfinity;
        public int Ambiguous;
    }

    /// <summary>Witnesses (in ℝʳ) of every open cell of the central arrangement of the rows of b (rank r, all of ℝʳ).</summary>
    private static List<double[]> CellWitnesses(double[][] b, int r, RayStats stats)
    {
        var result = new List<double[]>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (r == 1)
        {
            // The hyperplanes of ℝ¹ are all {0}: two cells, u > 0 and u < 0.
            result.Add([1.0]);
            result.Add([-1.0]);
            return result;
        }
        int n = b.Length;
        var norms = b.Select(v => Norm(v)).ToArray();
        var subset = new int[r - 1];
        foreach (var _ in Subsets(n, r - 1, subset))
        {
            var rows = subset.Select(i => b[i]).ToList();
            var v = NullVector(rows, r);
            if (v is null) continue;   // the r − 1 rows are dependent: no ray here
            for (int sign = -1; sign <= 1; sign += 2)
            {
                var ray = v.Select(c => sign * c).ToArray();
                var tied = new List<int>();
                for (int i = 0; i < n; i++)
                {
                    if (norms[i] == 0) continue;
                    double rel = Math.Abs(Dot(b[i], ray)) / norms[i];
                    if (rel <= TieTolerance) tied.Add(i);
                    else
                    {
                        if (rel < ClearSeparation) stats.Ambiguous++;
                        stats.Resolution = Math.Min(stats.Resolution, rel);
                    }
                }
                // Restrict the ties to v⊥ and enumerate their cells one dimension down.
                var perp = ComplementBasis(ray, r);
                var restricted = tied.Select(i => perp.Select(e => Dot(e, b[i])).ToArray()).ToArray();
                var subBasis = RowBasis(restricted, r - 1);
                List<double[]> sub;
                if (subBasis.Count == 0) sub = [new double[r - 1]];
                else
                {
                    var coords = restricted.Select(v2 => subBasis.Select(q => Dot(q, v2)).ToArray()).ToArray();
                    var subW = CellWitnesses(coords, subBasis.Count, stats);
                    sub = subW.Select(w =>
                    {
                        var full = new double[r - 1];
                        for (int q = 0; q < subBasis.Count; q++)
                            for (int c = 0; c < r - 1; c++) full[c] += w[q] * subBasis[q][c];
                        return full;
                    }).ToList();
                }
                foreach (var w in sub)
                {
                    // Lift w to ℝʳ and step off the ray by less than any off-tie hyperplane allows.
                    var wl = new double[r];
                    for (int q = 0; q < r - 1; q++)
                        for (int c = 0; c < r; c++) wl[c] += w[q] * perp[q][c];
                    double eps = 1.0;
                    for (int i = 0; i < n; i++)
                    {
                        if (norms[i] == 0 || tied.Contains(i)) continue;
                        double a = Math.Abs(Dot(b[i], ray)), c = Math.Abs(Dot(b[i], wl));
                        if (c > 0) eps = Math.Min(eps, 0.5 * a / c);
                    }
                    var u = new double[r];
                    for (int c = 0; c < r; c++) u[c] = ray[c] + eps * wl[c];
                    Normalize(u);
                    // Deduplicate on the float pattern of u at this level (the caller certifies at the top).
                    var key = new string(b.Select(bi => Dot(bi, u) >= 0 ? '1' : '0').ToArray());
                    if (keys.Add(key)) result.Add(u);
                }
            }
        }
        return result;
    }

    private static IEnumerable<int> Subsets(int n, int k, int[] subset)
    {
        for (int i = 0; i < k; i++) subset[i] = i;
        if (k > n) yield break;
        while (true)
        {
            yield return 0;
            int t = k - 1;
            while (t >= 0 && subset[t] == n - k + t) t--;
            if (t < 0) yield break;
            subset[t]++;
            for (int q = t + 1; q < k; q++) subset[q] = subset[q - 1] + 1;
        }
    }

    /// <summary>A unit vector orthogonal to the given r − 1 rows of ℝʳ, or null when they are dependent.</summary>
    private static double[]? NullVector(List<double[]> rows, int r)
    {
        var q = RowBasis(rows.ToArray(), r);
        if (q.Count != r - 1) return null;
        double[]? best = null;
        double bestNorm = 0;
        for (int e = 0; e < r; e++)
        {
            var v = new double[r];
            v[e] = 1;
            ProjectOut(v, q);
            ProjectOut(v, q);
            double nv = Norm(v);
            if (nv > bestNorm)
            {
                bestNorm = nv;
                best = v;
            }
        }
        Normalize(best!);
        return best;
    }

    /// <summary>An orthonormal basis (r − 1 vectors) of the complement of the unit vector v in ℝʳ.</summary>
    private static List<double[]> ComplementBasis(double[] v, int r)
    {
        var q = new List<double[]> { v };
        for (int e = 0; e < r && q.Count < r; e++)
        {
            var c = new double[r];
            c[e] = 1;
            ProjectOut(c, q);
            ProjectOut(c, q);
            double nc = Norm(c);
            if (nc > 0.5)   // at least one basis vector has |component off v| ≥ √((r−1)/r) ≥ 0.7
            {
                for (int k = 0; k < r; k++) c[k] /= nc;
                q.Add(c);
            }
        }
        q.RemoveAt(0);
        return q;
    }

    // ---- shared helpers --------------------------------------------------------------------------------------------

    /// <summary>Orthonormal basis of the row space of X (modified Gram–Schmidt, twice), in row order.</summary>
    internal static List<double[]> RowBasis(Matrix x) => RowBasis(x.ToRows(), x.Cols);

    private static List<double[]> RowBasis(double[][] rows, int dim)
    {
        var q = new List<double[]>();
        double maxNorm = rows.Length == 0 ? 0 : rows.Max(Norm);
        if (maxNorm == 0) return q;
        foreach (var row in rows)
        {
            if (q.Count == dim) break;
            var v = (double[])row.Clone();
            ProjectOut(v, q);
            ProjectOut(v, q);
            double nv = Norm(v);
            if (nv <= RankTolerance * maxNorm) continue;
            for (int k = 0; k < v.Length; k++) v[k] /= nv;
            q.Add(v);
        }
        return q;
    }

    private static void ProjectOut(double[] v, List<double[]> q)
    {
        foreach (var e in q)
        {
            double c = Dot(e, v);
            for (int k = 0; k < v.Length; k++) v[k] -= c * e[k];
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++) s += a[k] * b[k];
        return s;
    }

    private static double Norm(double[] v) => Math.Sqrt(Dot(v, v));

    private static void Normalize(double[] v)
    {
        double nv = Norm(v);
        if (nv > 0)
            for (int k = 0; k < v.Length; k++) v[k] /= nv;
    }

    private static double Wrap(double angle)
    {
        double a = angle % (2 * Math.PI);
        return a < 0 ? a + 2 * Math.PI : a;
    }

    /// <summary>
    /// True when rows i and j span the same line (so define the same hyperplane): their 2×2 determinant is exactly 0,
    /// decided on the exact products (FMA gives each product as an unevaluated sum of two doubles).
    /// </summary>
    private static bool Parallel(Matrix x, int i, int j)
    {
        double p = x[i, 0] * x[j, 1], e = Math.FusedMultiplyAdd(x[i, 0], x[j, 1], -p);
        double q = x[i, 1] * x[j, 0], f = Math.FusedMultiplyAdd(x[i, 1], x[j, 0], -q);
        return p == q && e == f;
    }

    private static void AddCertified(Matrix x, double[] u, Dictionary<string, ArrangementCell> cells, ref int unresolved)
    {
        if (!TryCertifiedPattern(x, u, out var pattern))
        {
            unresolved++;
            return;
        }
        var key = Key(pattern);
        cells.TryAdd(key, new ArrangementCell(pattern, u));
    }

    internal static string Key(bool[] pattern) => new(pattern.Select(p => p ? '1' : '0').ToArray());

    private static HyperplaneArrangement Build(Dictionary<string, ArrangementCell> cells, ArrangementMethod method,
        int unresolved, int rank, double bound, double resolution, SamplingCoverage? coverage, bool exhaustiveAllowed = true)
    {
        var sorted = cells.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToArray();
        return new HyperplaneArrangement(sorted, method, exhaustiveAllowed && unresolved == 0, rank, bound, resolution, unresolved, coverage);
    }

    private static void CheckInput(Matrix x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rows == 0 || x.Cols == 0) throw new InvalidInputException($"an arrangement needs a non-empty X, got {x.Rows}×{x.Cols}");
        if (!x.IsFinite()) throw new InvalidInputException("inputs contain NaN or ±Infinity");
    }
}

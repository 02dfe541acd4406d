using System.Runtime.Intrinsics;

namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>
/// Cuppen's divide and conquer for the symmetric tridiagonal eigenproblem, after LAPACK dstedc/dlaed0–dlaed4:
/// tear the matrix in two by a rank-one correction, solve the halves recursively, deflate, solve the secular
/// equation for the remaining roots and update the eigenvectors with one GEMM per half.
/// </summary>
/// <remarks>
/// Eigenvectors come from the Gu–Eisenstat recomputed weights ẑ, so they are orthogonal to working precision
/// even for clustered roots. Every step is deterministic: the roots are independent of each other, so solving
/// them on several threads does not change a bit of the result.
/// </remarks>
internal static class TridiagonalDivideConquer
{
    // Subproblems this small go to implicit QL (LAPACK's SMLSIZ is 25).
    private const int Leaf = 32;

    private const double Eps = Numerics.Tolerance.MachineEpsilon;

    /// <summary>
    /// Eigen-decomposes the tridiagonal (d, e) of order n (e[i] couples i and i+1; e[n−1] is ignored). On return d
    /// holds the eigenvalues ascending and z (n×n, row-major, fully overwritten) the eigenvectors as columns.
    /// e is destroyed.
    /// </summary>
    internal static void Solve(double[] d, double[] e, int n, double[] z)
    {
        if (n == 0) return;
        Array.Clear(z, 0, n * n);
        double norm = 0;
        for (int i = 0; i < n; i++)
        {
            norm = Math.Max(norm, Math.Abs(d[i]));
            if (i < n - 1) norm = Math.Max(norm, Math.Abs(e[i]));
        }
        e[n - 1] = 0;
        if (norm == 0)
        {
            for (int i = 0; i < n; i++) z[i * n + i] = 1;
            return;
        }
        // Work at unit scale so tolerances and the secular equation's terms stay in range.
        double inv = 1 / norm;
        for (int i = 0; i < n; i++)
        {
            d[i] *= inv;
            e[i] *= inv;
        }
        var ws = new Workspace(n);
        Recurse(d, e, 0, n, z, n, ws);
        for (int i = 0; i < n; i++) d[i] *= norm;
    }

    private sealed class Workspace(int n)
    {
        public readonly double[] Dd = new double[n];
        public readonly double[] Zv = new double[n];
        public readonly int[] Flags = new int[n];
        public readonly int[] Perm = new int[n];
        public readonly double[] Keys = new double[n];
        public readonly int[] NonDeflated = new int[n];
        public readonly int[] Deflated = new int[n];
        public readonly double[] Ds = new double[n];
        public readonly double[] Zs = new double[n];
        public readonly int[] Origin = new int[n];
        public readonly double[] Tau = new double[n];
        public readonly double[] W = new double[n];
        public readonly int[] Group = new int[n];
        public readonly double[] Qg = new double[n * n];
        public readonly double[] Dt = new double[n * n];
        public readonly double[] Ut = new double[n * n];
        public readonly double[] R = new double[n * n];
    }

    private static void Recurse(double[] d, double[] e, int s, int m, double[] z, int ldz, Workspace ws)
    {
        if (m <= Leaf)
        {
            LeafQl(d, e, s, m, z, ldz);
            return;
        }
        int m1 = m / 2, k = s + m1 - 1;
        double beta = e[k], ab = Math.Abs(beta);
        // T = diag(T₁ − |β|·e_last·e_lastᵀ, T₂ − |β|·e₁·e₁ᵀ) + |β|·w·wᵀ with w = e_last + sign(β)·e₁.
        d[k] -= ab;
        d[k + 1] -= ab;
        e[k] = 0;
        Recurse(d, e, s, m1, z, ldz, ws);
        Recurse(d, e, s + m1, m - m1, z, ldz, ws);
        Merge(d, s, m, m1, beta, z, ldz, ws);
    }

    /// <summary>QL with the rotations applied straight to the small diagonal block of z, then sorted.</summary>
    private static void LeafQl(double[] d, double[] e, int s, int m, double[] z, int ldz)
    {
        var zb = z.AsSpan(s * ldz + s);
        for (int i = 0; i < m; i++) zb[i * ldz + i] = 1;
        var dl = d.AsSpan(s, m);
        var el = new double[m];
        e.AsSpan(s, m - 1).CopyTo(el);
        SymmetricEigen.Ql(dl, el, m, zb, ldz);
        // Selection sort: at most 32 entries, and it moves each column at most once.
        for (int i = 0; i < m - 1; i++)
        {
            int best = i;
            for (int j = i + 1; j < m; j++)
                if (dl[j] < dl[best]) best = j;
            if (best == i) continue;
            (dl[i], dl[best]) = (dl[best], dl[i]);
            for (int r = 0; r < m; r++)
                (zb[r * ldz + i], zb[r * ldz + best]) = (zb[r * ldz + best], zb[r * ldz + i]);
        }
    }

    private const int Top = 1, Bottom = 2;

    /// <summary>
    /// Merges the solved halves [s, s+m1) and [s+m1, s+m) (eigenvalues ascending in d, eigenvectors in the
    /// diagonal blocks of z) across the rank-one tear of size β.
    /// </summary>
    private static void Merge(double[] d, int s, int m, int m1, double beta, double[] z, int ldz, Workspace ws)
    {
        double rho = 2 * Math.Abs(beta);
        double sign = beta < 0 ? -1 : 1;
        double[] dd = ws.Dd, zv = ws.Zv;
        int[] flags = ws.Flags, perm = ws.Perm;
        double r2 = Math.Sqrt(0.5);
        int rowLast = (s + m1 - 1) * ldz + s, rowFirst = (s + m1) * ldz + s;
        for (int i = 0; i < m; i++)
        {
            dd[i] = d[s + i];
            // z = (last row of Q₁, sign·first row of Q₂)/√2 has unit norm; ρ = 2|β| compensates.
            zv[i] = i < m1 ? r2 * z[rowLast + i] : sign * r2 * z[rowFirst + i];
            flags[i] = i < m1 ? Top : Bottom;
        }
        // Both halves are ascending: merge them into one ascending order (stable, so deterministic).
        {
            int a = 0, b = m1, o = 0;
            while (a < m1 && b < m) perm[o++] = dd[a] <= dd[b] ? a++ : b++;
            while (a < m1) perm[o++] = a++;
            while (b < m) perm[o++] = b++;
        }

        double dmax = Math.Max(Math.Abs(dd[perm[0]]), Math.Abs(dd[perm[m - 1]])), zmax = 0;
        for (int i = 0; i < m; i++) zmax = Math.Max(zmax, Math.Abs(zv[i]));
        double tol = 8 * Eps * Math.Max(dmax, zmax);
        int[] nondef = ws.NonDeflated, deflated = ws.Deflated;
        int k = 0, nd = 0;
        if (rho * zmax <= tol)
        {
            for (int i = 0; i < m; i++) deflated[nd++] = perm[i];
        }
        else
        {
            int pj = -1;
            for (int t = 0; t < m; t++)
            {
                int nj = perm[t];
                if (rho * Math.Abs(zv[nj]) <= tol)
                {
                    deflated[nd++] = nj;
                    continue;
                }
                if (pj < 0)
                {
                    pj = nj;
                    continue;
                }
                // Two nearly equal poles: a Givens rotation of their eigenvectors zeroes one weight.
                double sv = zv[pj], cv = zv[nj];
                double tau = double.Hypot(cv, sv), gap = dd[nj] - dd[pj];
                cv /= tau;
                sv = -sv / tau;
                if (Math.Abs(gap * cv * sv) <= tol)
                {
                    zv[nj] = tau;
                    zv[pj] = 0;
                    for (int r = 0; r < m; r++)
                    {
                        ref double x = ref z[(s + r) * ldz + s + pj];
                        ref double y = ref z[(s + r) * ldz + s + nj];
                        double xv = x, yv = y;
                        x = cv * xv + sv * yv;
                        y = cv * yv - sv * xv;
                    }
                    flags[pj] = flags[nj] = flags[pj] | flags[nj];
                    double tmp = dd[pj] * cv * cv + dd[nj] * sv * sv;
                    dd[nj] = dd[pj] * sv * sv + dd[nj] * cv * cv;
                    dd[pj] = tmp;
                    deflated[nd++] = pj;
                    pj = nj;
                }
                else
                {
                    nondef[k++] = pj;
                    pj = nj;
                }
            }
            if (pj >= 0) nondef[k++] = pj;
        }

        double[] ds = ws.Ds, zs = ws.Zs, lam = ws.Tau;
        if (k > 0)
        {
            for (int i = 0; i < k; i++)
            {
                ds[i] = dd[nondef[i]];
                zs[i] = zv[nondef[i]];
            }
            SolveSecular(k, ds, zs, rho, ws);
            // Group the surviving columns: top-only, mixed, bottom-only, so each half's GEMM skips the zero block.
            int[] group = ws.Group;
            int g = 0, k1 = 0, k3 = 0;
            foreach (int want in new[] { Top, Top | Bottom, Bottom })
                for (int i = 0; i < k; i++)
                    if (flags[nondef[i]] == want)
                    {
                        group[g++] = i;
                        if (want == Top) k1++;
                        else if (want == Bottom) k3++;
                    }
            int k13 = k - k3;  // columns with a top part
            double[] qg = ws.Qg, ut = ws.Ut, dt = ws.Dt, w = ws.W, r = ws.R;
            for (int row = 0; row < m; row++)
            {
                int src = (s + row) * ldz + s, dst = row * k;
                for (int gg = 0; gg < k; gg++) qg[dst + gg] = z[src + nondef[group[gg]]];
            }
            // Gu–Eisenstat: the weights for which the computed roots are exact, so the vectors come out orthogonal.
            for (int i = 0; i < k; i++) w[i] = dt[i * k + i];
            for (int j = 0; j < k; j++) ScaleWeights(w, dt, j * k, ds, j, k);
            for (int i = 0; i < k; i++) w[i] = Math.CopySign(Math.Sqrt(Math.Max(0, -w[i])), zs[i]);
            if (k >= 64 && Blas.MaxThreads > 1)
            {
                int threads = Math.Min(Blas.MaxThreads, k / 32);
                FixedParallel.For(threads, t =>
                {
                    for (int j = k * t / threads; j < k * (t + 1) / threads; j++) VectorColumn(j, k, w, dt, ut, group);
                });
            }
            else
                for (int j = 0; j < k; j++) VectorColumn(j, k, w, dt, ut, group);
            // R = Q_k·U: rows of the top half see only top/mixed columns, rows of the bottom half mixed/bottom.
            if (k13 > 0)
                Blas.Gemm(Op.None, Op.Transpose, m1, k, k13, 1.0, qg, k, ut, k, 0.0, r, k);
            else
                Array.Clear(r, 0, m1 * k);
            if (k - k1 > 0)
                Blas.Gemm(Op.None, Op.Transpose, m - m1, k, k - k1, 1.0, qg.AsSpan(m1 * k + k1), k, ut.AsSpan(k1), k,
                    0.0, r.AsSpan(m1 * k), k);
            else
                Array.Clear(r, m1 * k, (m - m1) * k);
        }

        // Deflated columns are kept as they are; save them before the block is rewritten.
        double[] keep = ws.Qg;
        for (int row = 0; row < m; row++)
        {
            int src = (s + row) * ldz + s, dst = row * nd;
            for (int t = 0; t < nd; t++) keep[dst + t] = z[src + deflated[t]];
        }
        // Final order: all m values ascending (entries < k are roots, the rest deflated poles).
        var values = ws.Keys;
        for (int j = 0; j < k; j++)
        {
            values[j] = ds[ws.Origin[j]] + lam[j];
            perm[j] = j;
        }
        for (int t = 0; t < nd; t++)
        {
            values[k + t] = dd[deflated[t]];
            perm[k + t] = k + t;
        }
        Array.Sort(values, perm, 0, m);
        for (int p = 0; p < m; p++) d[s + p] = values[p];
        for (int row = 0; row < m; row++)
        {
            int dst = (s + row) * ldz + s;
            for (int p = 0; p < m; p++)
            {
                int src = perm[p];
                z[dst + p] = src < k ? ws.R[row * k + src] : keep[row * nd + src - k];
            }
        }
    }

    /// <summary>
    /// Row j of Ut: the unit eigenvector ẑᵢ/(dᵢ − λⱼ) of the secular problem, entries in the grouped column order.
    /// </summary>
    private static unsafe void VectorColumn(int j, int k, double[] w, double[] dt, double[] ut, int[] group)
    {
        fixed (double* pw = w, pdt = dt, put = ut)
        fixed (int* pg = group)
        {
            double* t = pdt + (long)j * k, u = put + (long)j * k;
            int i = 0;
            double nrm = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<double> acc = default;
                for (; i + 4 <= k; i += 4)
                {
                    var v = Vector256.Load(pw + i) / Vector256.Load(t + i);
                    Vector256.Store(v, t + i);
                    acc = Vector256.FusedMultiplyAdd(v, v, acc);
                }
                nrm = Vector256.Sum(acc);
            }
            for (; i < k; i++)
            {
                double v = pw[i] / t[i];
                t[i] = v;
                nrm += v * v;
            }
            double sc = 1 / Math.Sqrt(nrm);
            for (int gg = 0; gg < k; gg++) u[gg] = t[pg[gg]] * sc;
        }
    }

    /// <summary>w[i] *= dt[row + i]/(ds[i] − ds[j]) for every i ≠ j.</summary>
    private static unsafe void ScaleWeights(double[] w, double[] dt, int row, double[] ds, int j, int k)
    {
        double dj = ds[j], keep = w[j];
        int i = 0;
        fixed (double* pw = w, pt = dt, pd = ds)
        {
            double* t = pt + row;
            if (Vector256.IsHardwareAccelerated)
            {
                var vj = Vector256.Create(dj);
                for (; i + 4 <= k; i += 4)
                    Vector256.Store(Vector256.Load(pw + i) * (Vector256.Load(t + i) / (Vector256.Load(pd + i) - vj)), pw + i);
            }
            for (; i < k; i++) pw[i] *= t[i] / (pd[i] - dj);
        }
        // The i = j term divided by zero above; it must be left out.
        w[j] = keep;
    }

    /// <summary>
    /// Roots λⱼ of 1 + ρ·Σᵢ zᵢ²/(dᵢ − λ) for ascending poles d (k of them, ρ &gt; 0): λⱼ = d[origin[j]] + τⱼ with
    /// the origin the nearer pole, and row j of Dt holds dᵢ − λⱼ computed from that origin (accurate near it).
    /// </summary>
    private static void SolveSecular(int k, double[] ds, double[] zs, double rho, Workspace ws)
    {
        if (k >= 64 && Blas.MaxThreads > 1)
        {
            int threads = Math.Min(Blas.MaxThreads, k / 32);
            FixedParallel.For(threads, t =>
            {
                for (int j = k * t / threads; j < k * (t + 1) / threads; j++) SolveRoot(j, k, ds, zs, rho, ws);
            });
        }
        else
            for (int j = 0; j < k; j++) SolveRoot(j, k, ds, zs, rho, ws);
    }

    /// <summary>(Σ zᵢ²/δᵢ, Σ zᵢ²/δᵢ²) over [from, to) with δᵢ = (dᵢ − origin) − τ.</summary>
    private static unsafe (double Sum, double Slope) Sums(double[] ds, double[] zs, double origin, double tau, int from, int to)
    {
        double sum = 0, slope = 0;
        int i = from;
        fixed (double* pd = ds, pz = zs)
        {
            if (Vector256.IsHardwareAccelerated && to - from >= 8)
            {
                Vector256<double> vo = Vector256.Create(origin), vt = Vector256.Create(tau);
                Vector256<double> s0 = default, s1 = default, p0 = default, p1 = default;
                for (; i + 8 <= to; i += 8)
                {
                    var z0 = Vector256.Load(pz + i);
                    var z1 = Vector256.Load(pz + i + 4);
                    var q0 = z0 / ((Vector256.Load(pd + i) - vo) - vt);
                    var q1 = z1 / ((Vector256.Load(pd + i + 4) - vo) - vt);
                    s0 = Vector256.FusedMultiplyAdd(z0, q0, s0);
                    s1 = Vector256.FusedMultiplyAdd(z1, q1, s1);
                    p0 = Vector256.FusedMultiplyAdd(q0, q0, p0);
                    p1 = Vector256.FusedMultiplyAdd(q1, q1, p1);
                }
                sum = Vector256.Sum(s0 + s1);
                slope = Vector256.Sum(p0 + p1);
            }
            for (; i < to; i++)
            {
                double q = pz[i] / ((pd[i] - origin) - tau);
                sum += pz[i] * q;
                slope += q * q;
            }
        }
        return (sum, slope);
    }

    private static void SolveRoot(int j, int k, double[] ds, double[] zs, double rho, Workspace ws)
    {
        var delta = ws.Dt.AsSpan(j * k, k);
        double invRho = 1 / rho;
        int org;
        double lo, hi;
        if (j < k - 1)
        {
            double gap = ds[j + 1] - ds[j], mid = 0.5 * gap;
            double f = invRho + Sums(ds, zs, ds[j], mid, 0, k).Sum;
            if (f >= 0)
            {
                org = j;
                lo = 0;
                hi = mid;
            }
            else
            {
                org = j + 1;
                lo = mid - gap;
                hi = 0;
            }
        }
        else
        {
            double zz = 0;
            for (int i = 0; i < k; i++) zz += zs[i] * zs[i];
            org = j;
            lo = 0;
            hi = rho * zz;
        }
        double dOrg = ds[org];
        double tau = 0.5 * (lo + hi);
        for (int it = 0; it < 200; it++)
        {
            var (psi, dpsi) = Sums(ds, zs, dOrg, tau, 0, j + 1);
            var (phi, dphi) = Sums(ds, zs, dOrg, tau, j + 1, k);
            double f = invRho + psi + phi;
            if (f == 0) break;
            if (f > 0) hi = tau;
            else lo = tau;
            if (Math.Abs(f) <= 8 * Eps * (k + 8) * (invRho + Math.Abs(psi) + Math.Abs(phi))) break;
            // Model ψ and φ each by one pole at the nearest d plus a constant, matching value and slope.
            double dj = (ds[j] - dOrg) - tau;
            double s1 = dpsi * dj * dj, c = invRho + psi - dpsi * dj;
            double eta;
            if (j == k - 1)
                eta = c > 0 ? dj + s1 / c : double.NaN;
            else
            {
                double dj1 = (ds[j + 1] - dOrg) - tau;
                double s2 = dphi * dj1 * dj1;
                c += phi - dphi * dj1;
                double qa = c, qb = -(c * (dj + dj1) + s1 + s2), qc = c * dj * dj1 + s1 * dj1 + s2 * dj;
                eta = double.NaN;
                if (qa == 0) eta = -qc / qb;
                else
                {
                    double disc = qb * qb - 4 * qa * qc;
                    if (disc >= 0)
                    {
                        double q = -0.5 * (qb + Math.CopySign(Math.Sqrt(disc), qb));
                        double e1 = q / qa, e2 = q != 0 ? qc / q : double.NaN;
                        eta = e1 > dj && e1 < dj1 ? e1 : e2;
                    }
                }
            }
            double next = tau + eta;
            if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
            if (next == tau || hi - lo <= 2 * Eps * Math.Max(Math.Abs(lo), Math.Abs(hi))) break;
            tau = next;
        }
        ws.Origin[j] = org;
        ws.Tau[j] = tau;
        for (int i = 0; i < k; i++) delta[i] = (ds[i] - dOrg) - tau;
    }
}

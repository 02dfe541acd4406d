using System.Globalization;
using System.Text;
using Overparam.Verify.Engine.Certificates;

namespace Overparam.Verify.Cli.Output;

/// <summary>Human-readable forms of a <see cref="Certificate"/>: the console table and report.md.</summary>
public static class CertificateReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Prints the short table (conditions, predictions, α bounds) and the verdict.</summary>
    public static void WriteSummary(TextWriter o, Certificate c)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(c);
        o.WriteLine($"{c.Theorem}: {c.Title}");
        // Each row names its role, so that a "no" under a consistent verdict reads as what it is (a measurement, a
        // premise of an estimated bound) rather than as a contradiction.
        o.WriteLine($"{"id",-7} {"role",-17} {"status",-10} {"value",13} {"threshold",13}  {"holds",-6} verdict");
        foreach (var r in c.Conditions)
            o.WriteLine($"{r.Id,-7} {r.Role,-17} {r.Status,-10} {G(r.Value),13} {G(r.Threshold),13}  {(r.Holds ? "yes" : "no"),-6} {r.Verdict}{RoleNote(r.Role)}");
        o.WriteLine($"{"id",-7} {"role",-17} {"status",-10} {"observed",13} {"bound",13}  {"holds",-6}");
        foreach (var p in c.Predictions)
            o.WriteLine($"{p.Id,-7} {p.Kind,-17} {p.Status,-10} {G(p.Observed),13} {G(p.Bound),13}  {(p.Holds ? "yes" : "no"),-6}{RoleNote(p.Kind)}");
        var i = c.Initialization;
        o.WriteLine(string.Create(Inv, $"α: {string.Join(", ", c.Alpha.Values.Select(v => $"{v.Name} {G(v.Value)} ({v.Status})"))}; decides: {c.Alpha.Decides}"));
        if (c.Quantities.Count == 0)
            o.WriteLine(string.Create(Inv, $"a = {G(i.OutputScale)} (a_min = {G(i.MinimalOutputScale)}), r = {G(i.Radius)}, f(w₀) = {G(i.InitialLoss)} (exact), β̂ = {G(i.Beta)} (estimated), η = {G(i.StepSize)}"));
        else
            o.WriteLine(string.Create(Inv, $"ν = {G(i.OutputScale)}, R = {G(i.Radius)} (exact), L(W₀) = {G(i.InitialLoss)} (exact), β̂_H = {G(i.Beta)} (estimated), η = {G(i.StepSize)}; ") +
                string.Join(", ", c.Quantities.Where(q => SummaryQuantities.Contains(q.Name)).Select(q => $"{q.Name} = {G(q.Value)} ({q.Status})")));
        if (c.Comparison.Count > 0)
            o.WriteLine("iterations to f ≤ 1e-6·f(w₀): " + string.Join(", ", c.Comparison.Select(r => $"{r.Initialization} {Iter(r.IterationsToTarget)}")));
        o.WriteLine($"verdict: {c.Verdict} ({c.VerdictReason})");
    }

    private static string RoleNote(string role) => role switch
    {
        "measurement" => " (reported, not part of the verdict)",
        "premise" => " (premise of the step-size bounds)",
        "conditional-bound" => " (can make the verdict inconclusive, never refuted)",
        _ => "",
    };

    /// <summary>The Markdown report: statement, tables with status, the loss against the envelope, the reproduce command.</summary>
    public static string Markdown(Certificate c, string command)
    {
        ArgumentNullException.ThrowIfNull(c);
        var sb = new StringBuilder();
        var inst = c.Instance;
        sb.AppendLine($"# {c.Theorem} — {c.Title}").AppendLine();
        sb.AppendLine($"**Verdict: `{c.Verdict}`** — {c.VerdictReason}").AppendLine();
        sb.AppendLine($"Reference: {c.Reference}.").AppendLine();
        sb.AppendLine("## Theorem").AppendLine().AppendLine(c.Statement).AppendLine();
        sb.AppendLine("## Instance").AppendLine();
        string loss = inst.Loss == "half-sum" ? "L = ½‖r‖²" : "f = (1/n)‖r‖²";
        sb.AppendLine(string.Create(Inv, $"n = {inst.N}, d = {inst.D}, hidden widths {string.Join(", ", inst.Widths)}, σ = {inst.Activation}, optimizer {inst.Optimizer}, η = {G(inst.Step)}, loss {loss}, seed {c.Seed}."));
        sb.AppendLine($"Data: {inst.Data} (SHA-256 `{c.Provenance.DataSha256}`); initial model SHA-256 `{c.Provenance.ModelSha256}`.").AppendLine();
        var i = c.Initialization;
        sb.AppendLine("| quantity | value | how |").AppendLine("|---|---|---|");
        if (c.Quantities.Count > 0)
        {
            sb.AppendLine($"| output scale ν | {G(i.OutputScale)} | {i.OutputScaleChoice} |");
            sb.AppendLine($"| L(W₀) | {G(i.InitialLoss)} | exact |");
            sb.AppendLine($"| step η | {G(i.StepSize)} | {i.StepSizeChoice} |");
            foreach (var q in c.Quantities) sb.AppendLine($"| {Esc(q.Name)} | {G(q.Value)} | {q.Status}: {Esc(q.Description)} |");
            sb.AppendLine();
        }
        else
        {
        sb.AppendLine($"| output weight a | {G(i.OutputScale)} | {i.OutputScaleChoice} |");
        sb.AppendLine($"| a_min(r) | {G(i.MinimalOutputScale)} | bisection on the certified criterion |");
        sb.AppendLine($"| radius r | {G(i.Radius)} | {i.RadiusChoice} |");
        sb.AppendLine($"| smallest hidden weight w_min | {G(i.SmallestHiddenWeight)} | exact |");
        sb.AppendLine($"| f(w₀) | {G(i.InitialLoss)} | exact |");
        sb.AppendLine($"| λ_min(XXᵀ) | {G(i.LambdaMinInputGram)} | exact |");
        sb.AppendLine($"| minᵢ‖uᵢ(w₀)‖ | {G(i.MinSensitivity)} | exact |");
        sb.AppendLine($"| inf over the ball of minᵢ‖uᵢ‖ | ≥ {G(i.MinSensitivityCertified)} | certified |");
        sb.AppendLine($"| β̂ ≈ sup‖∇²f‖ | {G(i.Beta)} | estimated (power iteration at w₀, middle, end) |");
        sb.AppendLine($"| step η | {G(i.StepSize)} | {i.StepSizeChoice} |").AppendLine();
        }

        bool p2 = c.Quantities.Count == 0;
        sb.AppendLine(p2 ? "## α(w₀, r)" : "## α = σ_min(J)").AppendLine().AppendLine("| bound | value | status | how |").AppendLine("|---|---|---|---|");
        foreach (var v in c.Alpha.Values) sb.AppendLine($"| {v.Name} | {G(v.Value)} | {v.Status} | {v.Description} |");
        sb.AppendLine().AppendLine($"Decides {(p2 ? "P2.C3" : "P4.C1")}: **{c.Alpha.Decides}**.").AppendLine();

        sb.AppendLine("## Conditions").AppendLine().AppendLine("Role: a *hypothesis* decides the verdict; a *premise* only the bounds that rest on it; a *measurement* is reported, never asserted.").AppendLine();
        sb.AppendLine("| id | role | statement | value | threshold | status | holds | verdict |").AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in c.Conditions)
            sb.AppendLine($"| {r.Id} | {r.Role} | {Esc(r.Statement)} | {G(r.Value)} | {G(r.Threshold)} | {r.Status} | {(r.Holds ? "yes" : "no")} | {r.Verdict}{(r.Reason.Length > 0 ? ": " + Esc(r.Reason) : "")} |");
        sb.AppendLine().AppendLine("## Predictions").AppendLine().AppendLine("Role: a *bound* can refute when its status is exact or certified; a *conditional-bound* or an estimated bound can only make the verdict inconclusive; a *measurement* is reported.").AppendLine();
        sb.AppendLine("| id | role | statement | bound | observed | slack | status | holds | note |").AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var p in c.Predictions)
            sb.AppendLine($"| {p.Id} | {p.Kind} ({p.Sense}) | {Esc(p.Statement)} | {G(p.Bound)} | {G(p.Observed)} | {G(p.Slack)} | {p.Status} | {(p.Holds ? "yes" : "no")} | {Esc(p.Reason)} |");
        foreach (var n in c.NotChecked) sb.AppendLine().Append($"Not checked: {n.Id} — {n.Reason}.");
        sb.AppendLine().AppendLine();

        if (c.Comparison.Count > 0)
        {
            sb.AppendLine("## Speed (P2.R7, GD with η = 1/β̂(w₀))").AppendLine().AppendLine("| initialization | η | f(w₀) | final f | iterations to f ≤ 1e-6·f(w₀) |").AppendLine("|---|---|---|---|---|");
            foreach (var r in c.Comparison)
                sb.AppendLine($"| {r.Initialization} | {G(r.StepSize)} | {G(r.InitialLoss)} | {G(r.FinalLoss)} | {Iter(r.IterationsToTarget)} |");
            sb.AppendLine();
        }

        sb.AppendLine("## Loss against the predicted envelope").AppendLine();
        string envelope = p2 ? "P2.R1/P2.R2" : inst.Optimizer == "sgd" ? "P4.R3 in expectation; observed is the mean over trials" : "P4.R1 per-step factors multiplied";
        sb.AppendLine($"log₁₀ {(p2 ? "f" : "L")} against {(inst.Optimizer == "flow" ? "time t" : "step k")}: `*` observed, `.` predicted bound ({envelope}), `#` both.").AppendLine();
        sb.AppendLine("```").Append(AsciiPlot(inst.Optimizer == "flow" ? c.Trace.Time : c.Trace.Step.Select(s => (double)s).ToArray(), c.Trace.Loss, c.Trace.Envelope)).AppendLine("```").AppendLine();

        sb.AppendLine("## Reproduce").AppendLine().AppendLine("```").AppendLine(command).AppendLine("```").AppendLine();
        var pv = c.Provenance;
        sb.AppendLine("## Provenance").AppendLine();
        sb.AppendLine($"overparam {pv.ToolVersion}{(pv.SourceCommit.Length > 0 ? $" (commit {pv.SourceCommit})" : "")}, {pv.DotnetVersion}, {pv.Os}.");
        sb.AppendLine($"CPU {pv.CpuModel}, {pv.ProcessorCount} processors, kernels on the {pv.SimdPath} path ({pv.VectorWidthBits}-bit vectors). Seed {c.Seed}. Certificate schema `{c.Schema}`.");
        if (pv.Invocation is { } inv) sb.AppendLine().AppendLine($"Written {inv.CreatedUtc} by `{inv.CommandLine}`.");
        return sb.ToString();
    }

    /// <summary>A 64×16 character plot of log₁₀ of two series against x.</summary>
    public static string AsciiPlot(double[] x, double[] observed, double[] envelope, int width = 64, int height = 16)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(envelope);
        var logs = observed.Concat(envelope).Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10).ToArray();
        if (x.Length == 0 || logs.Length == 0) return "(no data)\n";
        double yMax = logs.Max();
        double yMin = observed.Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10).DefaultIfEmpty(yMax - 1).Min() - 1;
        if (yMax - yMin < 1e-9) yMin = yMax - 1;
        double xMin = x[0], xMax = x[^1];
        if (!(xMax > xMin)) xMax = xMin + 1;
        var grid = new char[height, width];
        for (int r = 0; r < height; r++) for (int col = 0; col < width; col++) grid[r, col] = ' ';
        void Put(double xv, double v, char ch)
        {
            if (!(v > 0) || !double.IsFinite(v)) return;
            double ly = Math.Max(Math.Log10(v), yMin);
            int col = (int)Math.Round((xv - xMin) / (xMax - xMin) * (width - 1));
            int row = (int)Math.Round((yMax - ly) / (yMax - yMin) * (height - 1));
            if (col < 0 || col >= width || row < 0 || row >= height) return;
            char cur = grid[row, col];
            grid[row, col] = cur == ' ' || cur == ch ? ch : '#';
        }
        for (int k = 0; k < x.Length; k++)
        {
            Put(x[k], envelope[k], '.');
            Put(x[k], observed[k], '*');
        }
        var sb = new StringBuilder();
        for (int r = 0; r < height; r++)
        {
            double label = yMax - r * (yMax - yMin) / (height - 1);
            sb.Append(string.Create(Inv, $"{label,7:F2} |"));
            for (int col = 0; col < width; col++) sb.Append(grid[r, col]);
            sb.Append('\n');
        }
        sb.Append(' ', 8).Append('+').Append('-', width).Append('\n');
        sb.Append(string.Create(Inv, $"{"",8} {G(xMin)}")).Append(' ', Math.Max(1, width - 2 * 12)).Append(string.Create(Inv, $"{G(xMax),12}\n"));
        return sb.ToString();
    }

    private static readonly HashSet<string> SummaryQuantities = ["lambda(X)", "kappa(X)", "beta", "L", "alpha^2/(L ||r0||)"];

    private static string G(double v) =>
        double.IsNaN(v) ? "—" : double.IsPositiveInfinity(v) ? "∞" : double.IsNegativeInfinity(v) ? "−∞" : v.ToString("G6", Inv);

    private static string Iter(long k) => k < 0 ? "not reached" : k.ToString(Inv);

    private static string Esc(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
}

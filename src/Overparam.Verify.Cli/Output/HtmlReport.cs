using System.Globalization;
using System.Text;
using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Output;

/// <summary>
/// report.html: one self-contained page (inline CSS and SVG, no script, font, stylesheet or link to fetch, so it opens
/// offline from a file URL) with the verdict and its reason on top, then the conditions, the predictions, the plots,
/// the quantity groups, the instance, the reproduce and verify commands and the provenance. Every text from the
/// certificate is HTML-escaped.
/// </summary>
public static class HtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // System fonts only: a web font would be a file to fetch.
    internal const string Css = """
        :root { --fg: #1d1d1f; --muted: #5f6368; --rule: #d9dce0; --head: #f3f4f6; }
        * { box-sizing: border-box; }
        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg);
               max-width: 1200px; margin: 0 auto; padding: 18px 28px 48px; background: #fff; }
        h1 { font-size: 17px; font-weight: 600; margin: 0 0 6px; color: var(--muted); }
        h2 { font-size: 20px; margin: 30px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--rule); }
        h3 { font-size: 16px; margin: 18px 0 6px; }
        .verdict { border-left: 10px solid; border-radius: 6px; padding: 14px 20px; margin: 4px 0 14px; }
        .verdict .kind { font-size: 28px; font-weight: 700; margin: 0 0 4px; }
        .verdict .reason { font-size: 16px; margin: 0 0 6px; }
        .verdict .basis { font-size: 14px; color: #333; margin: 0; }
        .verdict-consistent { background: #e9f6ec; border-color: #2e7d32; } .verdict-consistent .kind { color: #1b5e20; }
        .verdict-refuted { background: #fdecea; border-color: #c62828; } .verdict-refuted .kind { color: #b71c1c; }
        .verdict-hypotheses-not-met { background: #fff1e0; border-color: #e65100; } .verdict-hypotheses-not-met .kind { color: #bf360c; }
        .verdict-inconclusive { background: #fff9db; border-color: #d4a106; } .verdict-inconclusive .kind { color: #7a5c00; }
        nav { font-size: 14px; color: var(--muted); } nav a { color: #1f5fa8; margin-right: 12px; text-decoration: none; }
        .explain { color: var(--muted); font-size: 14px; margin: 4px 0 8px; }
        .statement { white-space: pre-wrap; }
        table { border-collapse: collapse; width: 100%; font-size: 14px; }
        th, td { border-bottom: 1px solid var(--rule); padding: 5px 8px; text-align: left; vertical-align: top; }
        th { background: var(--head); font-weight: 600; white-space: nowrap; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.id { font-weight: 600; white-space: nowrap; }
        td.role { white-space: nowrap; } td.role small { display: block; white-space: normal; max-width: 190px; color: var(--muted); }
        td.text { min-width: 260px; } td.text small { display: block; color: var(--muted); }
        .status { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12.5px; white-space: nowrap; }
        .status-exact { background: #e6f4ea; color: #1b5e20; }
        .status-certified { background: #e3eefc; color: #0d47a1; }
        .status-estimated { background: #fff4d6; color: #7a5200; }
        .holds-yes { color: #2e7d32; font-weight: 600; } .holds-no { color: #c62828; font-weight: 600; }
        tr.role-measurement td, tr.role-self-check td { color: var(--muted); }
        tr.role-measurement .holds-no, tr.role-self-check .holds-no { color: var(--muted); }
        .groups { display: grid; grid-template-columns: repeat(auto-fit, minmax(500px, 1fr)); gap: 4px 32px; }
        .group { min-width: 0; } .group td.text { min-width: 0; } .group td:first-child { overflow-wrap: anywhere; min-width: 90px; }
        .options { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 2px 20px; font-size: 14px; }
        code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13.5px; }
        pre { background: var(--head); border: 1px solid var(--rule); border-radius: 6px; padding: 10px 12px; white-space: pre-wrap; word-break: break-all; }
        figure { margin: 14px 0 22px; } figure svg { max-width: 100%; height: auto; display: block; }
        figcaption { font-size: 13.5px; color: var(--muted); max-width: 760px; }
        dl.prov { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 14px; }
        dl.prov dt { color: var(--muted); } dl.prov dd { margin: 0; word-break: break-all; }
        """;

    /// <summary>The page of <paramref name="c"/>.</summary>
    public static string Render(Certificate c) => Render(ReportModel.From(c));

    /// <summary>The page of <paramref name="m"/>.</summary>
    public static string Render(ReportModel m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var c = m.Certificate;
        var t = c.Theorem;
        var v = c.Verdict;
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.Append(Inv, $"<title>{H(t.Id)}: {H(m.VerdictName)} — {H(t.Title)}</title>\n<style>\n{Css}\n</style>\n</head>\n<body>\n");

        sb.Append(Inv, $"<header id=\"verdict\" class=\"verdict verdict-{H(m.VerdictName)}\">\n");
        sb.Append(Inv, $"<h1>{H(t.Id)} — {H(t.Title)}</h1>\n");
        sb.Append(Inv, $"<p class=\"kind\">Verdict: <span class=\"verdict-name\">{H(m.VerdictName)}</span></p>\n");
        sb.Append(Inv, $"<p class=\"reason\">{H(v.Reason)}</p>\n");
        sb.Append(Inv, $"<p class=\"basis\">Hypotheses established: {Ids(v.Established)}. Bounds evaluated: {Ids(v.Evaluated)}. Not applicable to this run: {Ids(v.NotApplicable)}.</p>\n");
        sb.Append("</header>\n");
        sb.Append("<nav><a href=\"#conditions\">Hypotheses</a><a href=\"#predictions\">Predictions</a>");
        if (m.Plots.Count > 0) sb.Append("<a href=\"#plots\">Plots</a>");
        if (m.Certificate.Trace.Spectra.Count > 0) sb.Append("<a href=\"#spectra\">Spectra</a>");
        sb.Append("<a href=\"#quantities\">Quantities</a><a href=\"#instance\">Instance</a><a href=\"#reproduce\">Reproduce</a><a href=\"#provenance\">Provenance</a><a href=\"#theorem\">Theorem</a></nav>\n");

        sb.Append("<section id=\"conditions\">\n<h2>Hypotheses and conditions</h2>\n");
        sb.Append("<p class=\"explain\">A <em>hypothesis</em> decides the verdict; a <em>premise</em> only the bounds that rest on it; a <em>measurement</em> is reported, never asserted. Status: <em>exact</em> up to round-off, <em>certified</em> a rigorous bound, <em>estimated</em> sampled (can refute, never establish).</p>\n");
        sb.Append("<table>\n<thead><tr><th>ID</th><th>role</th><th>status</th><th>value</th><th>threshold</th><th>holds</th><th>outcome</th><th>condition</th></tr></thead>\n<tbody>\n");
        foreach (var r in m.Conditions)
        {
            sb.Append(Inv, $"<tr class=\"role-{Name(r.Role)}\"><td class=\"id\">{H(r.Id)}</td>{RoleCell(r)}{StatusCell(r.Status)}");
            sb.Append(Inv, $"<td class=\"num\">{H(ReportModel.G(r.Value))}</td><td class=\"num\">{H(ReportModel.G(r.Limit))}</td>{HoldsCell(r.Holds)}");
            sb.Append(Inv, $"<td>{H(r.Outcome)}</td><td class=\"text\">{H(r.Statement)}{(r.Reason.Length > 0 ? $"<small>{H(r.Reason)}</small>" : "")}</td></tr>\n");
        }
        sb.Append("</tbody>\n</table>\n</section>\n");

        sb.Append("<section id=\"predictions\">\n<h2>Predictions</h2>\n");
        sb.Append("<p class=\"explain\">A <em>bound</em> can refute when its status is exact or certified; a <em>conditional-bound</em> or an estimated bound can only make the verdict inconclusive; a <em>measurement</em> is reported. Observed and bound are at the worst logged step; slack is observed/bound there.</p>\n");
        sb.Append("<table>\n<thead><tr><th>ID</th><th>role</th><th>status</th><th>observed</th><th>bound</th><th>slack</th><th>holds</th><th>worst step</th><th>prediction</th></tr></thead>\n<tbody>\n");
        foreach (var p in m.Predictions)
        {
            string sense = p.Sense switch { "at-most" => "≤ ", "at-least" => "≥ ", _ => "" };
            sb.Append(Inv, $"<tr class=\"role-{Name(p.Role)}\"><td class=\"id\">{H(p.Id)}</td>{RoleCell(p)}{StatusCell(p.Status)}");
            sb.Append(Inv, $"<td class=\"num\">{H(ReportModel.G(p.Value))}</td><td class=\"num\">{H(sense + ReportModel.G(p.Limit))}</td><td class=\"num\">{H(ReportModel.G(p.Slack))}</td>{HoldsCell(p.Holds)}");
            sb.Append(Inv, $"<td class=\"num\">{(p.WorstStep >= 0 ? p.WorstStep.ToString(Inv) : "whole run")}</td>");
            sb.Append(Inv, $"<td class=\"text\">{H(p.Statement)}{(p.Reason.Length > 0 ? $"<small>{H(p.Reason)}</small>" : "")}</td></tr>\n");
        }
        sb.Append("</tbody>\n</table>\n");
        if (c.NotChecked.Count > 0)
        {
            sb.Append("<p class=\"explain\">Not checked: ");
            sb.AppendJoin("; ", c.NotChecked.Select(n => $"<strong>{H(n.Id)}</strong> — {H(n.Reason)}"));
            sb.Append(".</p>\n");
        }
        sb.Append("</section>\n");

        if (m.Plots.Count > 0)
        {
            sb.Append("<section id=\"plots\">\n<h2>Plots</h2>\n");
            for (int i = 0; i < m.Plots.Count; i++)
            {
                var plot = m.Plots[i];
                sb.Append(Inv, $"<figure id=\"plot-{i + 1}\">\n<h3>{H(plot.Title)}</h3>\n");
                sb.Append(SvgLineChart.Render(plot, (i + 1).ToString(Inv)));
                sb.Append("<figcaption>");
                sb.Append(Inv, $"<strong>{H(plot.X.Name)}</strong>: {H(plot.X.Description)}. ");
                sb.Append(Inv, $"<strong>{H(plot.Observed.Name)}</strong> ({Name(plot.Observed.Role)}, {Name(plot.Observed.Status)}): {H(plot.Observed.Description)}.");
                if (plot.Bound is { } b) sb.Append(Inv, $" <strong>{H(b.Name)}</strong> ({Name(b.Role)}, {Name(b.Status)}): {H(b.Description)}.");
                if (!plot.FromCertificate) sb.Append(" Drawn alone: the certificate names no bound for this column.");
                sb.Append("</figcaption>\n</figure>\n");
            }
            sb.Append("</section>\n");
        }

        var spectra = c.Trace.Spectra;
        if (spectra.Count > 0)
        {
            sb.Append("<section id=\"spectra\">\n<h2>Spectra</h2>\n");
            foreach (var sp in spectra)
            {
                sb.Append(Inv, $"<figure id=\"spectrum-{H(sp.Name)}\">\n<h3>{H(sp.Title)}</h3>\n");
                sb.Append(SvgSpectrumChart.Render(sp));
                sb.Append(Inv, $"<figcaption><strong>{H(sp.Name)}</strong> ({Name(sp.Status)}): {H(sp.Description)}.</figcaption>\n</figure>\n");
            }
            sb.Append("</section>\n");
        }

        sb.Append("<section id=\"quantities\">\n<h2>Quantities</h2>\n<div class=\"groups\">\n");
        foreach (var g in c.Quantities)
        {
            sb.Append(Inv, $"<div class=\"group\" id=\"group-{H(g.Name)}\">\n<h3>{H(g.Title)}</h3>\n<table>\n<thead><tr><th>quantity</th><th>value</th><th>status</th><th>how</th></tr></thead>\n<tbody>\n");
            foreach (var q in g.Values)
                sb.Append(Inv, $"<tr><td>{H(q.Name)}</td><td class=\"num\">{H(ReportModel.G(q.Value))}</td>{StatusCell(q.Status)}<td class=\"text\">{H(q.Description)}</td></tr>\n");
            sb.Append("</tbody>\n</table>\n</div>\n");
        }
        sb.Append("</div>\n</section>\n");

        var pv = c.Provenance;
        sb.Append("<section id=\"instance\">\n<h2>Instance</h2>\n<div class=\"options\">\n");
        foreach (var o in c.Options)
            sb.Append(Inv, $"<div><code>--{H(o.Name)}</code> {(o.Value.Length == 0 ? "<em>(default)</em>" : H(o.Value))}</div>\n");
        sb.Append("</div>\n");
        sb.Append(Inv, $"<p class=\"explain\">Seed {c.Seed}. Data SHA-256 <code>{H(pv.DataSha256)}</code>; initial model SHA-256 <code>{H(pv.ModelSha256)}</code>.</p>\n</section>\n");

        sb.Append("<section id=\"reproduce\">\n<h2>Reproduce</h2>\n");
        sb.Append(Inv, $"<p class=\"explain\">Re-run this instance:</p>\n<pre><code>{H(c.Reproduce)}</code></pre>\n");
        sb.Append(Inv, $"<p class=\"explain\">Re-check this certificate (re-runs it and compares every number; run in the folder that holds certificate.json):</p>\n<pre><code>{H(m.VerifyCommand)}</code></pre>\n</section>\n");

        sb.Append("<section id=\"provenance\">\n<h2>Provenance</h2>\n<dl class=\"prov\">\n");
        void Row(string name, string value) => sb.Append(Inv, $"<dt>{H(name)}</dt><dd>{H(value)}</dd>\n");
        Row("tool", $"overparam {pv.ToolVersion}{(pv.SourceCommit.Length > 0 ? $" (commit {pv.SourceCommit})" : "")}");
        Row("runtime", $"{pv.DotnetVersion}, {pv.Os}");
        Row("machine", $"{pv.CpuModel}, {pv.ProcessorCount} processors, kernels on the {pv.SimdPath} path ({pv.VectorWidthBits}-bit vectors)");
        Row("seed", c.Seed.ToString(Inv));
        Row("schema", c.Schema);
        if (pv.Invocation is { } inv)
        {
            Row("written", inv.CreatedUtc);
            Row("command", inv.CommandLine);
        }
        sb.Append("</dl>\n</section>\n");

        sb.Append("<section id=\"theorem\">\n<h2>Theorem</h2>\n");
        sb.Append(Inv, $"<p class=\"explain\">{H(t.Reference)}</p>\n<p class=\"statement\">{H(t.Statement)}</p>\n</section>\n");
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    private static string RoleCell(ReportRow r) =>
        $"<td class=\"role\">{Name(r.Role)}{(r.RoleNote.Length > 0 ? $"<small>{H(r.RoleNote)}</small>" : "")}</td>";

    private static string StatusCell(NumberStatusKind s) => $"<td><span class=\"status status-{Name(s)}\">{Name(s)}</span></td>";

    private static string HoldsCell(bool holds) => holds ? "<td class=\"holds-yes\">yes</td>" : "<td class=\"holds-no\">no</td>";

    private static string Ids(IReadOnlyList<string> ids) => ids.Count == 0 ? "none" : H(string.Join(", ", ids));

    private static string Name<T>(T value) where T : struct, Enum => ContractNames.Of(value);

    private static string H(string s) => SvgAxes.Escape(s);
}

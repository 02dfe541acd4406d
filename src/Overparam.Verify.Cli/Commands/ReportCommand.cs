using System.CommandLine;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Commands;

/// <summary>
/// <c>overparam report CERT.json [--format console|md|html] [--out FILE]</c>: re-renders any schema-2 certificate, to
/// stdout or (atomically) to a file.
/// </summary>
public static class ReportCommand
{
    /// <summary>The formats <c>--format</c> accepts.</summary>
    public static readonly IReadOnlyList<string> Formats = ["console", "md", "html"];

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var file = new Argument<string>("certificate") { Description = "A certificate.json written by `overparam certify`" };
        var format = new Option<string>("--format")
        {
            Description = "console | md | html [default: from the --out extension (.md, .html), else console]",
        };
        format.AcceptOnlyFromAmong([.. Formats]);
        var outFile = new Option<string>("--out") { Description = "Write the report to this file instead of stdout" };
        var cmd = new Command("report", "Render a certificate as the console summary, Markdown or a self-contained HTML page.") { file, format, outFile };
        cmd.SetAction(parse =>
        {
            string? path = parse.GetValue(outFile);
            // Refused before the certificate is read, so a bad --out costs nothing and writes nothing.
            if (path is not null) AtomicFile.EnsureWritableLocation(path, "--out");
            string kind = parse.GetValue(format) ?? FormatOf(path);
            var model = ReportModel.From(VerifyCommand.Read(parse.GetRequiredValue(file), out _));
            string text = kind switch
            {
                "md" => CertificateReport.Markdown(model),
                "html" => HtmlReport.Render(model),
                _ => Console(model),
            };
            if (path is null) ctx.Out.Write(text);
            else
            {
                AtomicFile.WriteAllText(path, text);
                ctx.Out.WriteLine($"wrote {path} ({kind})");
            }
            return CliApp.ExitOk;
        });
        return cmd;
    }

    private static string FormatOf(string? path) => Path.GetExtension(path ?? "").ToLowerInvariant() switch
    {
        ".md" => "md",
        ".html" or ".htm" => "html",
        _ => "console",
    };

    private static string Console(ReportModel model)
    {
        using var w = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        CertificateReport.WriteSummary(w, model);
        return w.ToString();
    }
}

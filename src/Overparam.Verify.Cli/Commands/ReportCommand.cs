using System.CommandLine;
using Overparam.Verify.Cli.Output;
using Overparam.Verify.Contracts;

namespace Overparam.Verify.Cli.Commands;

/// <summary><c>overparam report CERT.json [--format console|md]</c>: re-renders any schema-2 certificate.</summary>
public static class ReportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var file = new Argument<string>("certificate") { Description = "A certificate.json written by `overparam certify`" };
        var format = new Option<string>("--format") { Description = "console | md", DefaultValueFactory = _ => "console" };
        format.AcceptOnlyFromAmong("console", "md");
        var cmd = new Command("report", "Render a certificate as the console summary or as Markdown (to stdout).") { file, format };
        cmd.SetAction(parse =>
        {
            var c = VerifyCommand.Read(parse.GetRequiredValue(file), out _);
            if (parse.GetRequiredValue(format) == "md") ctx.Out.Write(CertificateReport.Markdown(c));
            else CertificateReport.WriteSummary(ctx.Out, c);
            return CliApp.ExitOk;
        });
        return cmd;
    }
}

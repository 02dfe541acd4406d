using System.CommandLine;
using Overparam.Verify.Theory;

namespace Overparam.Verify.Cli.Commands;

/// <summary><c>overparam theorems</c>: the registry — each theorem's id, title, paper and certify command.</summary>
public static class TheoremsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("theorems", "List the registered theorems and their certify commands.");
        cmd.SetAction(_ =>
        {
            ctx.Out.WriteLine($"{"id",-4} {"command",-28} title");
            foreach (var t in Theorems.All)
            {
                ctx.Out.WriteLine($"{t.Id,-4} {"certify " + t.Command,-28} {t.Title}");
                ctx.Out.WriteLine($"{"",-4} {"",-28} {t.Reference}");
            }
            return CliApp.ExitOk;
        });
        return cmd;
    }
}

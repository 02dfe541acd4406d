using System.Diagnostics;

namespace Overparam.Verify.Cli.Tests;

/// <summary>Ctrl-C as a user sends it: SIGINT to a real overparam process, which must stop cleanly and write nothing.</summary>
public class InterruptTests
{
    [Fact]
    public async Task Train_SigInt_ExitsInterruptedAndWritesNothing()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return; // SIGINT is sent with kill(1)
        using var h = new CliHarness();
        var m = h.WriteRandomModel("m.json", 5, "tanh", [4, 16, 1], bias: true, freezeFirst: false, scales: false);
        var (d, _, _) = h.WriteRandomCsv("d.csv", 6, n: 8, d: 4);
        var trace = h.PathOf("t.csv");
        var dll = Path.Combine(AppContext.BaseDirectory, "overparam.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "train", "--model", m, "--data", d, "--steps", "1000000000", "--lr", "1e-9", "--trace", trace })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderrTask = p.StandardError.ReadToEndAsync();
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        // Wait until training runs (the runtime has installed its SIGINT handler by then), then press "Ctrl-C".
        await Task.Delay(1500);
        Assert.False(p.HasExited, "the run ended before it could be interrupted");
        using (var kill = Process.Start("kill", ["-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(timeout.Token);
        Assert.Equal(CliApp.ExitInterrupted, p.ExitCode);
        Assert.Contains("overparam: interrupted during gd training; nothing was written", await stderrTask);
        Assert.Empty(await stdoutTask);
        Assert.False(File.Exists(trace));
    }
}

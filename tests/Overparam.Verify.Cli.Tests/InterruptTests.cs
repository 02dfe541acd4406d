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
        // A shell without job control starts background commands with SIGINT ignored, the child inherits that, and .NET
        // (like any well-behaved program) then never installs its Ctrl-C handler: under `.ci/run &` the signal would be
        // lost and the run would never end. env --default-signal gives the child the default disposition back.
        bool resetSignal = EnvResetsSignals();
        if (!resetSignal && SigIntIgnored()) return;
        var psi = new ProcessStartInfo(resetSignal ? "env" : "dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (resetSignal)
            foreach (var a in new[] { "--default-signal=INT", "dotnet" }) psi.ArgumentList.Add(a);
        foreach (var a in new[] { dll, "train", "--model", m, "--data", d, "--steps", "1000000000", "--lr", "1e-9", "--trace", trace })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        try
        {
            await InterruptAndCheck(p, trace);
        }
        finally
        {
            // A run that ignored the signal must not outlive the test (it would train for ever).
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    private static async Task InterruptAndCheck(Process p, string trace)
    {
        var stderrTask = p.StandardError.ReadToEndAsync();
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        // Wait until the runtime catches SIGINT (SigCgt) and a little more for the command to register its handler and
        // start training — a fixed delay was too short on a loaded machine — then press "Ctrl-C".
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!SigIntCaught(p.Id) && !p.HasExited && DateTime.UtcNow < deadline) await Task.Delay(100);
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

    private static bool EnvResetsSignals()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("env", ["--default-signal=INT", "true"])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            probe.WaitForExit();
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static bool SigIntIgnored() => SigIntBit("/proc/self/status", "SigIgn:") ?? false;

    // Without /proc (macOS) there is nothing to poll: the fixed delay alone has to do.
    private static bool SigIntCaught(int pid) => SigIntBit($"/proc/{pid}/status", "SigCgt:") ?? true;

    // The signal masks in /proc/<pid>/status are hex; SIGINT (2) is bit 1.
    private static bool? SigIntBit(string status, string field)
    {
        try
        {
            var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null
                ? null
                : (ulong.Parse(line[field.Length..].Trim(), System.Globalization.NumberStyles.HexNumber,
                    System.Globalization.CultureInfo.InvariantCulture) & 2UL) != 0;
        }
        catch (IOException)
        {
            return null;   // the process has gone (or never had a /proc entry)
        }
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace Overparam.Verify.Cli.Tests;

public class CommandLineTests
{
    [Fact]
    public void Run_UnknownOption_ExitsTwoWithOneLine()
    {
        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run("inspect", "--modle", "x.json");
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("overparam:", stderr);
    }

    [Fact]
    public void Run_UnknownCommand_ExitsTwo()
    {
        using var h = new CliHarness();
        var (code, _, stderr) = h.Run("frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("frobnicate", stderr);
    }

    [Fact]
    public void Bench_GemmJson_HasPromisedFields()
    {
        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run("bench", "gemm", "--size", "64", "--repeats", "1", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.Equal("gemm", r.GetProperty("kernel").GetString());
        Assert.Equal(64, r.GetProperty("size").GetInt32());
        Assert.True(r.GetProperty("threads").GetInt32() >= 1);
        Assert.True(r.GetProperty("medianSeconds").GetDouble() > 0);
        Assert.True(r.GetProperty("gflops").GetDouble() > 0);
    }

    [Fact]
    public void Bench_EigJson_HasNullGflops()
    {
        using var h = new CliHarness();
        var (code, stdout, stderr) = h.Run("bench", "eig", "--size", "20", "--repeats", "1", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("gflops").ValueKind);
    }

    [Fact]
    public void Bench_UnknownKernel_ExitsTwo()
    {
        using var h = new CliHarness();
        var (code, _, stderr) = h.Run("bench", "fft");
        Assert.Equal(2, code);
        Assert.Contains("fft", stderr);
    }

    [Fact]
    public void Bench_NonPositiveSize_ExitsTwo()
    {
        using var h = new CliHarness();
        var (code, _, stderr) = h.Run("bench", "gemm", "--size", "0");
        Assert.Equal(2, code);
        Assert.Contains("--size", stderr);
    }

    [Fact]
    public void Process_BadInput_ExitsTwoWithoutStackTrace()
    {
        // The real executable, not the in-process entry: checks that nothing at the process edge prints a trace.
        var dll = typeof(CliApp).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("inspect");
        psi.ArgumentList.Add("--model");
        psi.ArgumentList.Add("/nonexistent/m.json");
        psi.ArgumentList.Add("--data");
        psi.ArgumentList.Add("/nonexistent/d.csv");
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(2, p.ExitCode);
        Assert.DoesNotContain("   at ", err);
        Assert.Single(err.TrimEnd().Split('\n'));
    }
}

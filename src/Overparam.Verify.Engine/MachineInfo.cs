using System.Reflection;
using System.Runtime.InteropServices;

namespace Overparam.Verify.Engine;

/// <summary>What a reader of a certificate needs to know about the machine and the build that produced it.</summary>
public static class MachineInfo
{
    /// <summary>The engine's version (major.minor.patch).</summary>
    public static string ToolVersion { get; } = typeof(MachineInfo).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    /// <summary>
    /// The source commit the engine was built from (the SDK appends it to the informational version when building
    /// inside a git checkout); empty when built elsewhere.
    /// </summary>
    public static string SourceCommit { get; } = ReadCommit();

    /// <summary>The operating system as the runtime describes it.</summary>
    public static string OperatingSystem => RuntimeInformation.OSDescription;

    /// <summary>The CPU model name (from /proc/cpuinfo on Linux); the architecture when it cannot be read.</summary>
    public static string CpuModel { get; } = ReadCpuModel();

    private static string ReadCommit()
    {
        var info = typeof(MachineInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        int plus = info?.IndexOf('+', StringComparison.Ordinal) ?? -1;
        return plus >= 0 ? info![(plus + 1)..] : "";
    }

    private static string ReadCpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (!line.StartsWith("model name", StringComparison.Ordinal)) continue;
                    int colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon >= 0) return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER") is { Length: > 0 } id
            ? id
            : RuntimeInformation.ProcessArchitecture.ToString();
    }
}

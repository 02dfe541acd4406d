using System.Runtime.Intrinsics;

namespace Overparam.Verify.Engine.LinearAlgebra;

/// <summary>Which instruction width a kernel runs with. Chosen once per process; tests force each one explicitly.</summary>
internal enum SimdPath
{
    /// <summary>Plain double arithmetic; the reference the vector paths are tested against.</summary>
    Scalar,

    /// <summary>256-bit vectors (4 doubles) with fused multiply-add.</summary>
    Vector256,

    /// <summary>512-bit vectors (8 doubles) with fused multiply-add.</summary>
    Vector512,
}

/// <summary>Detects the widest accelerated vector width once.</summary>
internal static class Simd
{
    /// <summary>The path the public kernels use on this machine.</summary>
    internal static readonly SimdPath Best =
        Vector512.IsHardwareAccelerated ? SimdPath.Vector512
        : Vector256.IsHardwareAccelerated ? SimdPath.Vector256
        : SimdPath.Scalar;
}

/// <summary>The vector path the engine's kernels run with on this machine, for provenance.</summary>
public static class SimdInfo
{
    /// <summary>Width in bits of the vectors the kernels use (512, 256, or 64 for scalar code).</summary>
    public static int WidthBits => Simd.Best switch
    {
        SimdPath.Vector512 => 512,
        SimdPath.Vector256 => 256,
        _ => 64,
    };

    /// <summary>"vector512", "vector256" or "scalar", with "+fma" where the CPU fuses multiply-add in hardware.</summary>
    public static string Name => Simd.Best switch
    {
        SimdPath.Vector512 => "vector512",
        SimdPath.Vector256 => "vector256",
        _ => "scalar",
    } + (System.Runtime.Intrinsics.X86.Fma.IsSupported && Simd.Best != SimdPath.Scalar ? "+fma" : "");
}

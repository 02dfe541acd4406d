namespace Overparam.Verify.Engine.Models;

/// <summary>How the squared-residual loss is normalized; every choice is loss = c(n)·‖r‖² with r = f − y.</summary>
public enum LossNormalization
{
    /// <summary>½‖r‖² (c = ½), the default of the P3/P4 papers.</summary>
    HalfSum,

    /// <summary>(1/2n)‖r‖² (c = 1/(2n)).</summary>
    HalfMean,

    /// <summary>(1/n)‖r‖² (c = 1/n), P2's f(w).</summary>
    Mean,
}

/// <summary>Helpers for <see cref="LossNormalization"/>.</summary>
public static class LossNormalizations
{
    /// <summary>The coefficient c(n) with loss = c·‖r‖² over n samples.</summary>
    public static double Coefficient(this LossNormalization normalization, int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleCount);
        return normalization switch
        {
            LossNormalization.HalfSum => 0.5,
            LossNormalization.HalfMean => 0.5 / sampleCount,
            LossNormalization.Mean => 1.0 / sampleCount,
            _ => throw new ArgumentOutOfRangeException(nameof(normalization)),
        };
    }

    /// <summary>The lower-case option name ("half-sum", "half-mean", "mean").</summary>
    public static string Name(this LossNormalization normalization) => normalization switch
    {
        LossNormalization.HalfSum => "half-sum",
        LossNormalization.HalfMean => "half-mean",
        LossNormalization.Mean => "mean",
        _ => throw new ArgumentOutOfRangeException(nameof(normalization)),
    };

    /// <summary>Parses "half-sum", "half-mean" or "mean".</summary>
    /// <exception cref="InvalidInputException">Any other name.</exception>
    public static LossNormalization Parse(string name) => name switch
    {
        "half-sum" => LossNormalization.HalfSum,
        "half-mean" => LossNormalization.HalfMean,
        "mean" => LossNormalization.Mean,
        _ => throw new InvalidInputException($"unknown loss normalization \"{name}\"; valid: half-sum, half-mean, mean"),
    };
}

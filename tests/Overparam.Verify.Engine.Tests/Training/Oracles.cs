using MathNet.Numerics.LinearAlgebra;

namespace Overparam.Verify.Engine.Tests.Training;

/// <summary>Closed-form answers for the quadratic ½‖X(θ − θ*)‖², computed with MathNet as an independent reference.</summary>
internal static class Oracles
{
    public static Matrix<double> Hessian(LeastSquaresObjective f)
    {
        var x = Matrix<double>.Build.DenseOfArray(f.X);
        return x.TransposeThisAndMultiply(x);
    }

    /// <summary>Eigenvalues of XᵀX, ascending.</summary>
    public static double[] HessianEigenvalues(LeastSquaresObjective f) =>
        Hessian(f).Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).OrderBy(v => v).ToArray();

    /// <summary>Eigenvalues of XXᵀ (the n×n Gram matrix), ascending.</summary>
    public static double[] GramEigenvalues(LeastSquaresObjective f)
    {
        var x = Matrix<double>.Build.DenseOfArray(f.X);
        return x.TransposeAndMultiply(x).Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).OrderBy(v => v).ToArray();
    }

    /// <summary>GD iterate θ_k = θ* + (I − ηA)^k (θ₀ − θ*).</summary>
    public static double[] GradientDescentIterate(LeastSquaresObjective f, double[] thetaStar, double[] theta0, double eta, int k)
    {
        var a = Hessian(f);
        var m = Matrix<double>.Build.DenseIdentity(a.RowCount) - eta * a;
        var e0 = Vector<double>.Build.DenseOfArray(theta0) - Vector<double>.Build.DenseOfArray(thetaStar);
        var ek = m.Power(k) * e0;
        return (ek + Vector<double>.Build.DenseOfArray(thetaStar)).ToArray();
    }

    /// <summary>Gradient-flow solution θ(t) = θ* + V e^{−Λt} Vᵀ (θ₀ − θ*) for A = XᵀX = VΛVᵀ.</summary>
    public static double[] FlowSolution(LeastSquaresObjective f, double[] thetaStar, double[] theta0, double t)
    {
        var evd = Hessian(f).Evd(Symmetricity.Symmetric);
        var v = evd.EigenVectors;
        var decay = Matrix<double>.Build.DiagonalOfDiagonalArray(evd.EigenValues.Select(c => Math.Exp(-c.Real * t)).ToArray());
        var e0 = Vector<double>.Build.DenseOfArray(theta0) - Vector<double>.Build.DenseOfArray(thetaStar);
        var et = v * (decay * (v.TransposeThisAndMultiply(e0)));
        return (et + Vector<double>.Build.DenseOfArray(thetaStar)).ToArray();
    }

    public static double[] Gaussian(int p, ulong seed, string name)
    {
        var v = new double[p];
        Overparam.Verify.Engine.Random.RandomStreams.For(seed, name).FillGaussian(v);
        return v;
    }
}

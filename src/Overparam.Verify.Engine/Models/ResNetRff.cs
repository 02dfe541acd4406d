using System.Globalization;
using System.Text;
using Overparam.Verify.Engine.IO;
using Overparam.Verify.Engine.LinearAlgebra;
using Overparam.Verify.Engine.Random;

namespace Overparam.Verify.Engine.Models;

/// <summary>The fixed-step integrator of the hidden-state ODE, step h = 1/L (papers.md §1.2).</summary>
public enum OdeIntegrator
{
    /// <summary>Explicit Euler: one feature evaluation per step, order 1.</summary>
    Euler,

    /// <summary>Explicit midpoint (the repository's default): two evaluations per step, order 2.</summary>
    Midpoint,

    /// <summary>Classical Runge–Kutta: four evaluations per step, order 4.</summary>
    Rk4,
}

/// <summary>How U(s) between the L + 1 stored nodes is formed.</summary>
public enum NodeIndexing
{
    /// <summary>The clean model: U(s) = (1 − α)U_l + αU_{l+1} on [l/L, (l+1)/L], α = sL − l.</summary>
    Linear,

    /// <summary>
    /// The repository's <c>RKHS_ODEfunc</c>: k = int(s·L − 1) (truncation toward zero, as Python's int), then
    /// (1 − sL + k)·U_k + (sL − k)·U_{k+1}; on [l/L, (l+1)/L) for l ≥ 1 this extrapolates from the pair (U_{l−1}, U_l).
    /// k = −1 (only at s = 0) indexes U_L as Python's negative index does, with weight 0.
    /// </summary>
    RepositoryQuirk,
}

/// <summary>
/// P1's ResNet with a linearly parameterized residual (Barboni–Peyré–Vialard, papers.md §1.2): X(0) = A x,
/// ∂ₛX = U(s)·Φ(X(s)) on s ∈ [0, 1], output B X(1). A (d × d_in) and B (k × d, full row rank) and the feature map Φ
/// are fixed; the trainable parameter θ is U at the L + 1 nodes s_l = l/L, each d × M, stored node-major and row-major
/// (θ[l·d·M + i·M + m] = (U_l)_{im}). The ODE is integrated by an explicit Runge–Kutta method with step 1/L, and every
/// derivative is that of the DISCRETE map (the discrete adjoint), so gradients are exact for the network as
/// computed, whatever the integration error.
/// </summary>
/// <remarks>
/// <para>As an <see cref="IDifferentiableModel"/> the outputs are stacked sample-major: f = (B X₁(1), …, B X_N(1)),
/// length N·k, entry i·k + c. With k = 1 this is the scalar model the interface describes, and
/// <see cref="Training.ModelLeastSquares"/> with <see cref="LossNormalization.HalfMean"/> is P1's F. With k &gt; 1 use
/// <see cref="Training.ResNetRffLeastSquares"/> (vector targets); ModelLeastSquares refuses the shapes.</para>
/// <para>With Euler the last node U_L is never evaluated (its gradient is exactly zero); it is still a parameter so that
/// the three integrators share one parameter layout.</para>
/// </remarks>
public sealed class ResNetRff : IDifferentiableModel
{
    private readonly Matrix _a;
    private readonly Matrix _b;
    private readonly double[] _theta;

    /// <summary>Creates the model with residual nodes <paramref name="theta"/> (default U ≡ 0, the identity flow).</summary>
    /// <param name="embedding">A, d × d_in.</param>
    /// <param name="readout">B, k × d, full row rank (P1.C2).</param>
    /// <param name="features">Φ, reading ℝ^d.</param>
    /// <param name="depth">L ≥ 1, the number of steps (L + 1 nodes).</param>
    /// <param name="integrator">The integrator.</param>
    /// <param name="indexing">How U(s) is formed from the nodes.</param>
    /// <param name="theta">The (L + 1)·d·M node values, or null for zeros.</param>
    /// <exception cref="InvalidInputException">Shapes disagree, a value is not finite, L &lt; 1, B is not of full row rank, or the model is too large.</exception>
    public ResNetRff(Matrix embedding, Matrix readout, FeatureMap features, int depth,
        OdeIntegrator integrator = OdeIntegrator.Midpoint, NodeIndexing indexing = NodeIndexing.Linear, double[]? theta = null)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        ArgumentNullException.ThrowIfNull(readout);
        ArgumentNullException.ThrowIfNull(features);
        if (depth < 1) throw new InvalidInputException($"the depth L must be at least 1, got {depth}");
        if (!Enum.IsDefined(integrator)) throw new InvalidInputException($"unknown integrator {(int)integrator}");
        if (!Enum.IsDefined(indexing)) throw new InvalidInputException($"unknown node indexing {(int)indexing}");
        int d = features.InputDimension;
        if (embedding.Rows != d || embedding.Cols < 1)
            throw new InvalidInputException($"the embedding A is {embedding.Rows}×{embedding.Cols}; it must have {d} rows (the hidden dimension the features read)");
        if (readout.Cols != d || readout.Rows < 1)
            throw new InvalidInputException($"the readout B is {readout.Rows}×{readout.Cols}; it must have {d} columns (the hidden dimension)");
        if (!embedding.IsFinite()) throw new InvalidInputException("the embedding A contains NaN or ±∞");
        if (!readout.IsFinite()) throw new InvalidInputException("the readout B contains NaN or ±∞");
        double p = (depth + 1.0) * d * features.Count;
        ProblemSize.Require($"a resnet-rff model with L = {depth}, d = {d}, M = {features.Count}", p, "the residual parameter vector", 2 * p);
        CheckFullRowRank(readout);
        _a = embedding.Clone();
        _b = readout.Clone();
        Features = features;
        Depth = depth;
        Integrator = integrator;
        Indexing = indexing;
        HiddenDimension = d;
        NodeSize = d * features.Count;
        ParameterCount = (depth + 1) * NodeSize;
        _theta = new double[ParameterCount];
        if (theta is not null) SetParameters(theta);
    }

    /// <summary>
    /// A model at U ≡ 0 with embeddings drawn from the run seed: A = I (when <paramref name="randomEmbedding"/> is
    /// false; needs d = d_in) or A entries N(0, 1/d_in) from the stream <c>"resnet/A"</c>; B entries N(0, 1/d) from
    /// <c>"resnet/B"</c> (full row rank with probability one when k ≤ d; checked), or B = I when k = d and
    /// <paramref name="randomReadout"/> is false.
    /// </summary>
    /// <exception cref="InvalidInputException">Dimensions are inconsistent (identity A with d ≠ d_in, k &gt; d, identity B with k ≠ d).</exception>
    public static ResNetRff Create(int inputDimension, int outputDimension, FeatureMap features, int depth, ulong seed,
        bool randomEmbedding = false, bool randomReadout = true,
        OdeIntegrator integrator = OdeIntegrator.Midpoint, NodeIndexing indexing = NodeIndexing.Linear)
    {
        ArgumentNullException.ThrowIfNull(features);
        int d = features.InputDimension;
        if (inputDimension < 1) throw new InvalidInputException($"the input dimension must be at least 1, got {inputDimension}");
        if (outputDimension < 1) throw new InvalidInputException($"the output dimension must be at least 1, got {outputDimension}");
        if (outputDimension > d)
            throw new InvalidInputException($"the output dimension k = {outputDimension} exceeds the hidden dimension d = {d}; B (k×d) cannot have full row rank");
        Matrix a;
        if (randomEmbedding)
        {
            a = new Matrix(d, inputDimension);
            RandomStreams.For(seed, "resnet/A").FillGaussian(a.Data, 0.0, 1.0 / Math.Sqrt(inputDimension));
        }
        else
        {
            if (inputDimension != d)
                throw new InvalidInputException($"an identity embedding needs d_in = d; got d_in = {inputDimension}, d = {d}");
            a = Matrix.Identity(d);
        }
        Matrix b;
        if (randomReadout)
        {
            b = new Matrix(outputDimension, d);
            RandomStreams.For(seed, "resnet/B").FillGaussian(b.Data, 0.0, 1.0 / Math.Sqrt(d));
        }
        else
        {
            if (outputDimension != d)
                throw new InvalidInputException($"an identity readout needs k = d; got k = {outputDimension}, d = {d}");
            b = Matrix.Identity(d);
        }
        return new ResNetRff(a, b, features, depth, integrator, indexing);
    }

    /// <summary>A copy of the embedding A (d × d_in).</summary>
    public Matrix Embedding => _a.Clone();

    /// <summary>A copy of the readout B (k × d).</summary>
    public Matrix Readout => _b.Clone();

    /// <summary>The fixed feature map Φ.</summary>
    public FeatureMap Features { get; }

    /// <summary>L, the number of integration steps; the nodes are s_l = l/L, l = 0 … L.</summary>
    public int Depth { get; }

    /// <summary>The integrator.</summary>
    public OdeIntegrator Integrator { get; }

    /// <summary>How U(s) is formed between nodes.</summary>
    public NodeIndexing Indexing { get; }

    /// <summary>d, the hidden-state dimension.</summary>
    public int HiddenDimension { get; }

    /// <summary>M, the number of features.</summary>
    public int FeatureCount => Features.Count;

    /// <summary>k, the output dimension (rows of B).</summary>
    public int OutputDimension => _b.Rows;

    /// <summary>d_in (columns of A).</summary>
    public int InputDimension => _a.Cols;

    /// <summary>d·M, the parameters per node.</summary>
    public int NodeSize { get; }

    /// <summary>(L + 1)·d·M.</summary>
    public int ParameterCount { get; }

    /// <summary>A copy of U_l (d × M).</summary>
    public Matrix Node(int l)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(l);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(l, Depth);
        return new Matrix(HiddenDimension, FeatureCount, _theta.AsSpan(l * NodeSize, NodeSize).ToArray());
    }

    /// <inheritdoc/>
    public double[] GetParameters() => (double[])_theta.Clone();

    /// <inheritdoc/>
    /// <exception cref="InvalidInputException">Wrong length or a non-finite entry.</exception>
    public void SetParameters(ReadOnlySpan<double> theta)
    {
        if (theta.Length != ParameterCount)
            throw new InvalidInputException($"{theta.Length} parameters for a resnet-rff model with {ParameterCount}");
        foreach (var v in theta)
            if (!double.IsFinite(v)) throw new InvalidInputException("resnet-rff parameters contain NaN or ±∞");
        theta.CopyTo(_theta);
    }

    /// <summary>A copy with the same fixed parts and parameters.</summary>
    public ResNetRff Clone() => new(_a, _b, Features, Depth, Integrator, Indexing, _theta);

    /// <inheritdoc/>
    public IDifferentiableModel Copy() => Clone();

    /// <inheritdoc/>
    public byte[] CanonicalBytes() => Encoding.UTF8.GetBytes(ModelFile.Serialize(this));

    // ---------------------------------------------------------------- the Runge–Kutta tableau and U(s)

    /// <summary>Stages of the integrator: nodes c (as fractions of a step), the strictly lower a and the weights b.</summary>
    internal sealed record Tableau(double[] C, double[][] A, double[] B)
    {
        public int Stages => C.Length;
    }

    private static readonly Tableau EulerTableau = new([0.0], [[]], [1.0]);
    private static readonly Tableau MidpointTableau = new([0.0, 0.5], [[], [0.5]], [0.0, 1.0]);
    private static readonly Tableau Rk4Tableau = new([0.0, 0.5, 0.5, 1.0], [[], [0.5], [0.0, 0.5], [0.0, 0.0, 1.0]],
        [1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6]);

    internal Tableau Method => Integrator switch
    {
        OdeIntegrator.Euler => EulerTableau,
        OdeIntegrator.Midpoint => MidpointTableau,
        _ => Rk4Tableau,
    };

    /// <summary>
    /// U(s) at τ = s·L as w₀·U_{k₀} + w₁·U_{k₁} (<see cref="Indexing"/> decides the pair and the weights). τ is passed in
    /// step units so that stage times l + c are exact in float64 (the quirk's truncation would otherwise depend on
    /// how s·L rounds; the repository's float32 rounding at node times is not reproduced).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">τ outside [0, L].</exception>
    public (int K0, double W0, int K1, double W1) NodeWeights(double tau)
    {
        if (!(tau >= 0 && tau <= Depth)) throw new ArgumentOutOfRangeException(nameof(tau), tau, $"τ = s·L must lie in [0, {Depth}]");
        if (Indexing == NodeIndexing.Linear)
        {
            int l = Math.Min((int)Math.Floor(tau), Depth - 1);
            double alpha = tau - l;
            return (l, 1.0 - alpha, l + 1, alpha);
        }
        // The repository's formula, verbatim: k = int(t·L − 1), weights (1 − tL + k) and (tL − k).
        int k = (int)(tau - 1.0); // C#'s cast truncates toward zero, as Python's int() does
        int k0 = k < 0 ? Depth + 1 + k : k; // block_list[-1] is the last of the L + 1 blocks
        return (k0, 1.0 - tau + k, k + 1, tau - k);
    }

    /// <summary>U(τ/L) into <paramref name="u"/> (d × M).</summary>
    internal void InterpolatedNode(ReadOnlySpan<double> theta, double tau, Span<double> u)
    {
        var (k0, w0, k1, w1) = NodeWeights(tau);
        var n0 = theta.Slice(k0 * NodeSize, NodeSize);
        var n1 = theta.Slice(k1 * NodeSize, NodeSize);
        for (int j = 0; j < NodeSize; j++) u[j] = w0 * n0[j] + w1 * n1[j];
    }

    // ---------------------------------------------------------------- forward

    /// <summary>The discrete trajectory of one forward pass: states at the nodes and every stage input, and the outputs.</summary>
    public sealed class Trajectory
    {
        internal Trajectory(Matrix[] nodes, Matrix[][] stages, Matrix outputs, Matrix[]? nodeFeatures)
        {
            NodeStates = nodes;
            StageInputs = stages;
            Outputs = outputs;
            NodeFeatures = nodeFeatures;
        }

        /// <summary>X_l (N × d) for l = 0 … L: the hidden states at s_l = l/L.</summary>
        public IReadOnlyList<Matrix> NodeStates { get; }

        /// <summary>Z_{l,i} (N × d): the state each stage i of step l evaluates the residual at (Z_{l,0} = X_l).</summary>
        public IReadOnlyList<IReadOnlyList<Matrix>> StageInputs { get; }

        /// <summary>B X_L, N × k.</summary>
        public Matrix Outputs { get; }

        /// <summary>Φ(X_l) (N × M) at every node when the pass was asked to keep them (the Gram along the flow reuses them), else null.</summary>
        public IReadOnlyList<Matrix>? NodeFeatures { get; }
    }

    /// <summary>
    /// Integrates from X(0) = A x for every row of <paramref name="x"/> (N × d_in) and keeps the discrete trajectory.
    /// With <paramref name="keepNodeFeatures"/> it also keeps Φ(X_l) at every node (the stage-0 features of each
    /// step, already computed, plus Φ(X_L)) for <see cref="FeatureGrams(Trajectory)"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">x has the wrong number of columns or non-finite entries, or the trajectory does not fit in memory.</exception>
    public Trajectory Integrate(Matrix x, bool keepNodeFeatures = false) => Integrate(x, _theta, keepNodeFeatures);

    private Trajectory Integrate(Matrix x, double[] theta, bool keepNodeFeatures)
    {
        CheckInputs(x, keepNodeFeatures);
        var tab = Method;
        int n = x.Rows, d = HiddenDimension, m = FeatureCount, s = tab.Stages;
        double h = 1.0 / Depth;
        var nodes = new Matrix[Depth + 1];
        var stages = new Matrix[Depth][];
        var kept = keepNodeFeatures ? new Matrix[Depth + 1] : null;
        var x0 = new Matrix(n, d);
        Blas.Gemm(Op.None, Op.Transpose, n, d, InputDimension, 1.0, x.Data, _a.Data, 0.0, x0.Data);
        nodes[0] = x0;
        var phi = new Matrix(n, m);
        var u = new double[NodeSize];
        var k = new Matrix[s];
        for (int i = 0; i < s; i++) k[i] = new Matrix(n, d);
        for (int l = 0; l < Depth; l++)
        {
            var xl = nodes[l];
            stages[l] = new Matrix[s];
            for (int i = 0; i < s; i++)
            {
                var z = i == 0 ? xl : xl.Clone();
                for (int j = 0; j < i; j++)
                    if (tab.A[i][j] != 0) Blas.Axpy(h * tab.A[i][j], k[j].Data, z.Data);
                stages[l][i] = z;
                Features.Evaluate(z, phi);
                if (i == 0 && kept is not null) kept[l] = phi.Clone();
                InterpolatedNode(theta, l + tab.C[i], u);
                // K_i = Φ(Z_i)·U(τ_i)ᵀ, N × d
                Blas.Gemm(Op.None, Op.Transpose, n, d, m, 1.0, phi.Data, u, 0.0, k[i].Data);
            }
            var next = xl.Clone();
            for (int i = 0; i < s; i++)
                if (tab.B[i] != 0) Blas.Axpy(h * tab.B[i], k[i].Data, next.Data);
            nodes[l + 1] = next;
        }
        if (kept is not null)
        {
            kept[Depth] = new Matrix(n, m);
            Features.Evaluate(nodes[Depth], kept[Depth]);
        }
        var outputs = new Matrix(n, OutputDimension);
        Blas.Gemm(Op.None, Op.Transpose, n, OutputDimension, d, 1.0, nodes[Depth].Data, _b.Data, 0.0, outputs.Data);
        return new Trajectory(nodes, stages, outputs, kept);
    }

    /// <summary>B X(1) for every row of x, N × k.</summary>
    public Matrix Outputs(Matrix x) => Integrate(x).Outputs;

    /// <inheritdoc/>
    /// <remarks>Stacked sample-major, length N·k (see the class remarks).</remarks>
    public double[] Forward(Matrix x) => Integrate(x).Outputs.Data;

    // ---------------------------------------------------------------- derivatives

    /// <inheritdoc/>
    /// <remarks>
    /// The discrete adjoint. With λ = ∂/∂X_{l+1} (λ_L = v·B), each step is reversed stage by stage, i = s−1 … 0:
    /// κ_i = h·b_i·λ + h·Σ_{j&gt;i} a_ji·μ_j (the cotangent of K_i), ∂/∂U(τ_i) += κ_iᵀΦ(Z_i) (split onto the two nodes
    /// by their interpolation weights), μ_i = ((κ_i·U(τ_i)) ⊙ c·g′(WZ_i + b))·W (the cotangent of Z_i); then
    /// λ ← λ + Σ_i μ_i. Φ(Z_i) is recomputed rather than stored (memory L·s·N·M would dominate).
    /// </remarks>
    public double[] Vjp(Matrix x, ReadOnlySpan<double> v)
    {
        var traj = Integrate(x);
        int n = x.Rows, kOut = OutputDimension;
        if (v.Length != n * kOut) throw new InvalidInputException($"cotangent has {v.Length} entries, expected N·k = {n * kOut}");
        var grad = new double[ParameterCount];
        Backward(traj, v, grad);
        return grad;
    }

    /// <summary>
    /// Accumulates into <paramref name="gradient"/> the gradient of Σ_{i,c} v_{ic}(B X_i(1))_c over θ, for a trajectory
    /// of this model at its current parameters. Returns ∂/∂X(0) (N × d).
    /// </summary>
    internal Matrix Backward(Trajectory traj, ReadOnlySpan<double> v, Span<double> gradient)
    {
        var tab = Method;
        int n = traj.Outputs.Rows, d = HiddenDimension, m = FeatureCount, kOut = OutputDimension, s = tab.Stages;
        double h = 1.0 / Depth;
        var lambda = new Matrix(n, d);
        Blas.Gemm(Op.None, Op.None, n, d, kOut, 1.0, v, _b.Data, 0.0, lambda.Data);
        var phi = new Matrix(n, m);
        var slope = new Matrix(n, m);
        var t = new Matrix(n, m);
        var u = new double[NodeSize];
        var g = new double[NodeSize];
        var kappa = new Matrix(n, d);
        var mu = new Matrix[s];
        for (int i = 0; i < s; i++) mu[i] = new Matrix(n, d);
        for (int l = Depth - 1; l >= 0; l--)
        {
            for (int i = s - 1; i >= 0; i--)
            {
                Array.Clear(kappa.Data);
                if (tab.B[i] != 0) Blas.Axpy(h * tab.B[i], lambda.Data, kappa.Data);
                for (int j = i + 1; j < s; j++)
                    if (tab.A[j].Length > i && tab.A[j][i] != 0) Blas.Axpy(h * tab.A[j][i], mu[j].Data, kappa.Data);
                var z = traj.StageInputs[l][i];
                Features.Evaluate(z, phi, slope);
                double tau = l + tab.C[i];
                // ∂/∂U(τ_i) = κ_iᵀΦ(Z_i), d × M
                Blas.Gemm(Op.Transpose, Op.None, d, m, n, 1.0, kappa.Data, phi.Data, 0.0, g);
                var (k0, w0, k1, w1) = NodeWeights(tau);
                if (w0 != 0) Blas.Axpy(w0, g, gradient.Slice(k0 * NodeSize, NodeSize));
                if (w1 != 0) Blas.Axpy(w1, g, gradient.Slice(k1 * NodeSize, NodeSize));
                // μ_i = ((κ_i U_i) ⊙ slope) W
                InterpolatedNode(_theta, tau, u);
                Blas.Gemm(Op.None, Op.None, n, m, d, 1.0, kappa.Data, u, 0.0, t.Data);
                FeatureKernels.MultiplyInPlace(t.Data, slope.Data);
                Blas.Gemm(Op.None, Op.None, n, d, m, 1.0, t.Data, Features.Weights.Data, 0.0, mu[i].Data);
            }
            for (int i = 0; i < s; i++) Blas.Axpy(1.0, mu[i].Data, lambda.Data);
        }
        return lambda;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Forward mode through the same discrete map: dZ_i = dX + h·Σ_j a_ij·dK_j, dK_i = Φ(Z_i)·dU(τ_i)ᵀ +
    /// ((dZ_i·Wᵀ) ⊙ c·g′(WZ_i + b))·U(τ_i)ᵀ, dX' = dX + h·Σ_i b_i·dK_i, output dX_L·Bᵀ. Stacked sample-major.
    /// </remarks>
    public double[] Jvp(Matrix x, ReadOnlySpan<double> u)
    {
        if (u.Length != ParameterCount) throw new InvalidInputException($"tangent has {u.Length} entries, expected {ParameterCount}");
        var traj = Integrate(x);
        var tab = Method;
        int n = x.Rows, d = HiddenDimension, m = FeatureCount, s = tab.Stages;
        double h = 1.0 / Depth;
        var dx = new Matrix(n, d);
        var phi = new Matrix(n, m);
        var slope = new Matrix(n, m);
        var t = new Matrix(n, m);
        var un = new double[NodeSize];
        var du = new double[NodeSize];
        var dk = new Matrix[s];
        for (int i = 0; i < s; i++) dk[i] = new Matrix(n, d);
        var dz = new Matrix(n, d);
        for (int l = 0; l < Depth; l++)
        {
            for (int i = 0; i < s; i++)
            {
                dx.Data.CopyTo(dz.Data, 0);
                for (int j = 0; j < i; j++)
                    if (tab.A[i][j] != 0) Blas.Axpy(h * tab.A[i][j], dk[j].Data, dz.Data);
                Features.Evaluate(traj.StageInputs[l][i], phi, slope);
                double tau = l + tab.C[i];
                InterpolatedNode(_theta, tau, un);
                InterpolatedNode(u, tau, du);
                Blas.Gemm(Op.None, Op.Transpose, n, d, m, 1.0, phi.Data, du, 0.0, dk[i].Data);
                Blas.Gemm(Op.None, Op.Transpose, n, m, d, 1.0, dz.Data, Features.Weights.Data, 0.0, t.Data);
                FeatureKernels.MultiplyInPlace(t.Data, slope.Data);
                Blas.Gemm(Op.None, Op.Transpose, n, d, m, 1.0, t.Data, un, 1.0, dk[i].Data);
            }
            for (int i = 0; i < s; i++)
                if (tab.B[i] != 0) Blas.Axpy(h * tab.B[i], dk[i].Data, dx.Data);
        }
        var dy = new double[n * OutputDimension];
        Blas.Gemm(Op.None, Op.Transpose, n, OutputDimension, d, 1.0, dx.Data, _b.Data, 0.0, dy);
        return dy;
    }

    /// <inheritdoc/>
    /// <remarks>Row by row: one adjoint pass per output entry (N·k passes), for small instances and oracles.</remarks>
    public Matrix Jacobian(Matrix x)
    {
        var traj = Integrate(x);
        int rows = x.Rows * OutputDimension;
        ProblemSize.Require($"the dense resnet-rff Jacobian with N·k = {rows}", (double)rows * ParameterCount, "the Jacobian", (double)rows * ParameterCount);
        var jac = new Matrix(rows, ParameterCount);
        var v = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            v[r] = 1.0;
            Backward(traj, v, jac.Row(r));
            v[r] = 0.0;
        }
        return jac;
    }

    // ---------------------------------------------------------------- the feature Gram along the flow (P1.C1)

    /// <summary>
    /// P1.C1's Gram G(s_l) = Φ(X(s_l))Φ(X(s_l))ᵀ (N × N, entries k̂(X_i(s_l), X_j(s_l))) at every node l = 0 … L, from
    /// the node features kept by <see cref="Integrate(Matrix, bool)"/> (no feature is recomputed).
    /// </summary>
    /// <exception cref="ArgumentException">The trajectory was integrated without keepNodeFeatures.</exception>
    public static Matrix[] FeatureGrams(Trajectory trajectory)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        var feats = trajectory.NodeFeatures
            ?? throw new ArgumentException("integrate with keepNodeFeatures: true to form the Grams", nameof(trajectory));
        var grams = new Matrix[feats.Count];
        for (int l = 0; l < feats.Count; l++) grams[l] = Blas.Gram(feats[l]);
        return grams;
    }

    /// <summary>
    /// λ_G(s_l) = λ_min(G(s_l)) at every node (exact at the nodes up to the eigensolver's round-off; the infimum over s
    /// between nodes is not covered). One forward pass; the Grams come from its node features.
    /// </summary>
    public double[] FeatureGramMinEigenvalues(Matrix x)
    {
        var grams = FeatureGrams(Integrate(x, keepNodeFeatures: true));
        var lam = new double[grams.Length];
        for (int l = 0; l < grams.Length; l++) lam[l] = SymmetricEigen.ExtremeEigenvalues(grams[l]).Min;
        return lam;
    }

    // ---------------------------------------------------------------- checks

    // papers.md §6.5: λ_min/λ_max below 1e-12 is numerically zero, so a B with σ_min²/σ_max² below it is rank deficient.
    private const double NumericallyZeroRatio = 1e-12;

    private static void CheckFullRowRank(Matrix b)
    {
        if (b.Rows > b.Cols)
            throw new InvalidInputException($"the readout B is {b.Rows}×{b.Cols}: more rows than columns, so it cannot have full row rank (P1.C2)");
        var (min, max) = SymmetricEigen.ExtremeEigenvalues(Blas.Gram(b));
        if (!(max > 0) || !(min > NumericallyZeroRatio * max))
            throw new InvalidInputException(string.Create(CultureInfo.InvariantCulture,
                $"the readout B does not have full row rank (P1.C2): σ_min(B)²/σ_max(B)² = {(max > 0 ? Math.Max(min, 0) / max : 0):G3}, below {NumericallyZeroRatio:G3}"));
    }

    private void CheckInputs(Matrix x, bool keepNodeFeatures)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Cols != InputDimension) throw new InvalidInputException($"inputs have {x.Cols} columns, the model expects {InputDimension}");
        if (!x.IsFinite()) throw new InvalidInputException("inputs contain NaN or ±∞");
        double n = x.Rows, d = HiddenDimension, m = FeatureCount;
        double states = (Depth * (double)Method.Stages + 1) * n * d;
        double feats = (keepNodeFeatures ? Depth + 1.0 : 0) * n * m + 3 * n * m;
        ProblemSize.Require($"a resnet-rff pass with N = {x.Rows}, L = {Depth}, M = {FeatureCount}", n * Math.Max(m, d), "one N×M feature matrix", states + feats);
    }
}

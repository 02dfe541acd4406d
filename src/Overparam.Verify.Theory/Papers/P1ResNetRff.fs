/// P1 — Barboni, Peyré, Vialard (arXiv 2112.05531): ResNets whose residual U(s)·Φ(X) is linear in the trained U, over
/// random Fourier (or fixed ReLU) features; the local PL inequality ‖∇F‖² ≥ μ_F·F on a ball around U₀ = 0 and the
/// initial-loss condition 4F(U₀) < R²μ_F(R). Paper math only; the pipeline is Contract.certify. Statement and
/// statuses: theory/P1-resnet-rff.md.
module internal Overparam.Verify.Theory.Papers.P1ResNetRff

open System
open Overparam.Verify.Theory
open Overparam.Verify.Engine
open Overparam.Verify.Contracts
open Overparam.Verify.Engine.Data
open Overparam.Verify.Engine.IO
open Overparam.Verify.Engine.LinearAlgebra
open Overparam.Verify.Engine.Models
open Overparam.Verify.Engine.Random
open Overparam.Verify.Engine.Training
open Overparam.Verify.Theory.Contract

// ---------------------------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------------------------

/// A validated P1 instance. The PL ball's radius and the feature count are different names on purpose (papers.md
/// §1.4 uses M for both).
type Setup =
    {
        Data: Dataset
        DataSource: string
        Kind: FeatureKind
        FeatureCount: int
        Bandwidth: float
        Nu: float
        Depth: int
        Integrator: OdeIntegrator
        ReadoutScale: float
        Optimizer: Optimizer
        LearningRate: float option
        FlowTolerance: float
        MaxSteps: int64
        TargetReduction: float
        /// The PL ball's radius R in the L²([0, 1]) norm; None chooses the R that maximizes R²·μ_F(R).
        Radius: float option
        MaxTracePoints: int
        Seed: uint64
        Monitor: IRunMonitor
    }

let private u = CertifiedEigenvalue.UnitRoundoff
let private gammaOf (k: int) = CertifiedEigenvalue.Gamma k

/// λ_min of a symmetric matrix by the dense eigensolver (an estimate up to round-off).
let private lambdaMinOf (a: Matrix) =
    let struct (lo, _) = SymmetricEigen.ExtremeEigenvalues a
    lo

/// Power-iteration steps and the relative finite-difference step of β̂ (GD only; a sampled estimate).
let betaIterations = 30

/// The options of `certify resnet-rff` (the shared --seed and --data come from Contract.sharedOptions).
let options: OptionSpec list =
    [
        OptionSpec(
            "n",
            OptionKind.Integer,
            "50",
            "Samples of the generated data (x ~ N(0, I/d), y = B·x + noise·ξ, ξ ~ N(0, 1))",
            GeneratedDataOnly = true,
            NotApplicableReason = "n is the number of rows of the data file"
        )
        OptionSpec(
            "d",
            OptionKind.Integer,
            "5",
            "Input (= hidden) dimension of the generated data",
            GeneratedDataOnly = true,
            NotApplicableReason = "d is the number of input columns of the data file"
        )
        OptionSpec(
            "target-noise",
            OptionKind.Real,
            "1e-5",
            "Noise scale of the generated targets y = B·x + noise·ξ: F(U₀) = ½·noise²·mean(ξ²), so it decides P1.C4",
            GeneratedDataOnly = true,
            NotApplicableReason = "the targets come from the data file"
        )
        OptionSpec(
            "features",
            OptionKind.Choice,
            "gaussian",
            "Feature map Φ: gaussian (RFF of exp(−‖x−x′‖²/2σ²)) | matern (RFF of Matérn-ν) | relu (fixed √(2/M)·relu(Wx))",
            Choices = [| "gaussian"; "matern"; "relu" |]
        )
        OptionSpec("feature-count", OptionKind.Integer, "256", "Number of random features (the width)")
        OptionSpec("bandwidth", OptionKind.Real, "0.2", "Kernel bandwidth / length scale σ_k > 0")
        OptionSpec(
            "nu",
            OptionKind.Real,
            "1.5",
            "Matérn smoothness ν, a half-integer 1/2, 3/2, … (its kernel Gram, P1.C7, is in closed form)",
            OnlyWith = OptionCondition("features", [| "matern" |])
        )
        OptionSpec("depth", OptionKind.Integer, "16", "Depth L: integration steps of size 1/L (L + 1 nodes of U)")
        OptionSpec(
            "integrator",
            OptionKind.Choice,
            "midpoint",
            "midpoint (the repository's default) | euler | rk4",
            Choices = [| "midpoint"; "euler"; "rk4" |]
        )
        OptionSpec(
            "readout-scale",
            OptionKind.Real,
            "1",
            "B = scale·G with G ~ N(0, 1/d) (1 × d, from stream resnet/B); 0 makes B rank deficient (P1.C2, refused)"
        )
        OptionSpec(
            "optimizer",
            OptionKind.Choice,
            "flow",
            "flow (adaptive Dormand–Prince on the L²([0,1]) gradient flow) | gd (layer-wise step η·L)",
            Choices = [| "flow"; "gd" |]
        )
        OptionSpec(
            "learning-rate",
            OptionKind.Real,
            "",
            "GD step η in the L²([0,1]) metric; empty: η = 1/β̂ (β̂ by power iteration at U₀)",
            OnlyWith = OptionCondition("optimizer", [| "gd" |])
        )
        OptionSpec(
            "flow-tolerance",
            OptionKind.Real,
            "1e-6",
            "Relative tolerance of the adaptive Dormand–Prince flow (its curve is an estimate either way)",
            OnlyWith = OptionCondition("optimizer", [| "flow" |])
        )
        OptionSpec("steps", OptionKind.Long, "400", "Step budget (accepted flow steps, or GD steps)")
        OptionSpec("target-reduction", OptionKind.Real, "1e-3", "Stop once F ≤ this × F(U₀)")
        OptionSpec(
            "radius",
            OptionKind.Real,
            "",
            "Radius R of the PL ball ‖U − U₀‖_L² ≤ R (P1.C4); empty: the R maximizing R²·μ_F(R)"
        )
        OptionSpec("trace-points", OptionKind.Integer, "400", "Logged points kept in the certificate's trace")
    ]

/// Validates the options (every problem one InvalidInputException line) and builds the data.
let setupOf (i: RunInput) : Setup =
    let kind =
        match Opt.text i "features" with
        | "matern" -> FeatureKind.Matern
        | "relu" -> FeatureKind.Relu
        | "gaussian" -> FeatureKind.Gaussian
        | v -> bad (sprintf "--features: '%s' is not gaussian, matern or relu" v)

    let count = Opt.intAtLeast i "feature-count" 1
    let depth = Opt.intAtLeast i "depth" 1
    let bandwidth = Opt.float i "bandwidth"

    if not (bandwidth > 0.0 && Double.IsFinite bandwidth) then
        bad (sprintf "--bandwidth must be positive and finite, got %s" (r17 bandwidth))

    let nu = if kind = FeatureKind.Matern then Opt.float i "nu" else nan

    if kind = FeatureKind.Matern then
        let p = nu - 0.5

        if not (Double.IsFinite nu && p >= 0.0 && p <= 20.0 && Math.Round p = p) then
            bad (
                sprintf
                    "--nu must be a half-integer 1/2, 3/2, …, 41/2 (the Matérn kernel in closed form), got %s"
                    (r17 nu)
            )

    let integrator =
        match Opt.text i "integrator" with
        | "euler" -> OdeIntegrator.Euler
        | "rk4" -> OdeIntegrator.Rk4
        | "midpoint" -> OdeIntegrator.Midpoint
        | v -> bad (sprintf "--integrator: '%s' is not midpoint, euler or rk4" v)

    let readoutScale = Opt.float i "readout-scale"

    if not (Double.IsFinite readoutScale) then
        bad (sprintf "--readout-scale must be finite, got %s" (r17 readoutScale))

    let optimizer =
        Optimizer.parse "resnet-rff" [ Optimizer.Flow; Optimizer.Gd ] (Opt.text i "optimizer")

    let eta =
        if optimizer = Optimizer.Gd then
            Opt.positiveOption i "learning-rate"
        else
            None

    let steps = Opt.int64AtLeast i "steps" 1L

    let flowTolerance =
        if optimizer = Optimizer.Flow then
            Opt.fraction i "flow-tolerance"
        else
            nan

    let target = Opt.fraction i "target-reduction"
    let radius = Opt.positiveOption i "radius"
    let tracePoints = Opt.intAtLeast i "trace-points" 2
    let n, d = Opt.shape i

    if i.Data.IsNone && n < 2 then
        bad (sprintf "--n must be at least 2 (P1 needs distinct points to separate), got %d" n)

    if d < 1 then
        bad (sprintf "--d must be at least 1, got %d" d)

    // Refused before anything is drawn: the node features kept along the flow ((L + 1)·N·M), the feature draws and
    // the trainer's copies of the (L + 1)·d·M parameters (Dormand–Prince keeps about ten).
    let nd, md, ld = float n, float count, float depth
    let p = (ld + 1.0) * float d * md

    ProblemSize.Require(
        sprintf "certify resnet-rff with N = %d, M = %d features, L = %d" n count depth,
        max (nd * md) (max p (md * float d)),
        "the largest of the N×M feature matrix and the parameter vector",
        (ld + 1.0) * nd * md + 4.0 * nd * md + 12.0 * p + 2.0 * md * float d
    )

    let data, source =
        dataOf i (fun d -> d, "") (fun n dim ->
            let noise = Opt.float i "target-noise"

            if not (noise >= 0.0 && Double.IsFinite noise) then
                bad (sprintf "--target-noise must be non-negative and finite, got %s" (r17 noise))

            let seed = Opt.seed i
            let x = DataGenerators.GaussianInputs(n, dim, seed, 1.0 / sqrt (float dim))
            // y = B·x + noise·ξ with the same B the model uses (stream resnet/B), so F(U₀) = ½·noise²·mean(ξ²).
            let b = Matrix(1, dim)
            RandomStreams.For(seed, "resnet/B").FillGaussian(Span b.Data, 0.0, 1.0 / sqrt (float dim))
            let xi = Array.zeroCreate<float> n
            RandomStreams.For(seed, "data/noise").FillGaussian(Span xi)

            let y =
                Array.init n (fun r ->
                    let mutable s = 0.0

                    for k in 0 .. dim - 1 do
                        s <- s + readoutScale * b[0, k] * x[r, k]

                    s + noise * xi[r])

            Dataset.Create(x, y), sprintf "generated: %d points x ~ N(0, I/%d), y = B·x + %s·ξ" n dim (r17 noise))

    {
        Data = data
        DataSource = source
        Kind = kind
        FeatureCount = count
        Bandwidth = bandwidth
        Nu = nu
        Depth = depth
        Integrator = integrator
        ReadoutScale = readoutScale
        Optimizer = optimizer
        LearningRate = eta
        FlowTolerance = flowTolerance
        MaxSteps = steps
        TargetReduction = target
        Radius = radius
        MaxTracePoints = tracePoints
        Seed = Opt.seed i
        Monitor = i.Monitor
    }

// ---------------------------------------------------------------------------------------------------------------
// Certified numerics of the paper's quantities
// ---------------------------------------------------------------------------------------------------------------

/// A certified upper bound on Lip(Φ) ≤ c·‖W‖₂ (P1.C3's ‖W‖·Lip(σ), |cos′|, |relu′| ≤ 1): ‖W‖₂² ≤ the largest
/// Gershgorin row sum of WᵀW, each computed entry widened by its a-priori product error γ_M·‖w_j‖‖w_k‖.
let certifiedLipschitz (fm: FeatureMap) =
    let w = fm.Weights
    let m, d = w.Rows, w.Cols
    let g = Array2D.zeroCreate<float> d d
    let norms = Array.zeroCreate<float> d

    for j in 0 .. d - 1 do
        for k in 0 .. d - 1 do
            let mutable s = 0.0

            for r in 0 .. m - 1 do
                s <- s + w[r, j] * w[r, k]

            g[j, k] <- s

        norms[j] <- sqrt g[j, j]

    let gm = gammaOf (m + 2)

    let rowSum j =
        let mutable s = 0.0

        for k in 0 .. d - 1 do
            s <- s + abs g[j, k] + gm * norms[j] * norms[k]

        s

    let lambdaMax =
        [ 0 .. d - 1 ]
        |> List.map rowSum
        |> List.max
        |> fun v -> v * (1.0 + 2.0 * gammaOf (m + d + 4))

    fm.Scale * sqrt lambdaMax * (1.0 + 8.0 * u)

/// A bound on ‖fl(Φ̃Φ̃ᵀ) − Φ(Z)Φ(Z)ᵀ‖₂ for the features Φ̃ the engine computed at the states Z (N × d): each
/// pre-activation ωₘᵀz + bₘ is off by at most γ_{d+1}·P (P ≥ Σ|ω_mk z_k| + |bₘ|), cos and relu are 1-Lipschitz, the
/// library cos and the scaling by c add a few u; then ‖ΔG‖₂ ≤ 2‖Φ̃‖_F·e + e² + γ_M‖Φ̃‖_F² with e = √(NM)·max|Δφ|.
/// The engine's cos is the vectorised FeatureKernels path: within 1 ulp of Math.SinCos (tested on ~10⁶ points), so
/// ≤ 3u absolute against the exact cos; with the rounding of ωᵀz + b (≤ u·P) that stays inside the 4u·max(1, P) term.
let gramFormationError (fm: FeatureMap) (z: Matrix) (phi: Matrix) =
    let w = fm.Weights
    let m, d = w.Rows, w.Cols
    let n = z.Rows
    let mutable maxW1 = 0.0

    for r in 0 .. m - 1 do
        let mutable s = 0.0

        for k in 0 .. d - 1 do
            s <- s + abs w[r, k]

        maxW1 <- max maxW1 s

    let maxZ = z.Data |> Array.fold (fun a v -> max a (abs v)) 0.0
    let maxB = fm.Offsets |> Seq.fold (fun a v -> max a (abs v)) 0.0
    let p = (maxW1 * maxZ + maxB) * (1.0 + gammaOf (d + 2))
    let ePhi = fm.Scale * (gammaOf (d + 1) * p + 4.0 * u * max 1.0 p) * (1.0 + 4.0 * u)
    let e = sqrt (float n * float m) * ePhi
    let fro = sqrt (phi.Data |> Array.sumBy (fun v -> v * v)) * (1.0 + gammaOf (n * m))
    (2.0 * fro * e + e * e + gammaOf (m + 2) * fro * fro) * (1.0 + 8.0 * u)

/// λ_G of one state matrix: (certified lower bound on λ_min(Φ(Z)Φ(Z)ᵀ), eigensolver estimate).
let lambdaG (fm: FeatureMap) (z: Matrix) (phi: Matrix) =
    let g = Blas.Gram phi
    let est = lambdaMinOf (g)
    let cert = CertifiedEigenvalue.LambdaMin(g, est, gramFormationError fm z phi)
    cert.Bound, est

/// A certified lower bound on σ_min(B) (B is k × d): √ of the certified λ_min(BBᵀ), and the eigensolver's estimate.
let certifiedSigmaMin (b: Matrix) =
    let k, d = b.Rows, b.Cols
    let bbt = Matrix(k, k)
    let mutable fro2 = 0.0

    for i in 0 .. k - 1 do
        for j in 0 .. k - 1 do
            let mutable s = 0.0

            for c in 0 .. d - 1 do
                s <- s + b[i, c] * b[j, c]

            bbt[i, j] <- s

    for v in b.Data do
        fro2 <- fro2 + v * v

    let est = lambdaMinOf (bbt)

    let cert =
        CertifiedEigenvalue.LambdaMin(bbt, est, gammaOf (d + 2) * fro2 * (1.0 + 4.0 * u))

    (if cert.Bound > 0.0 then
         sqrt cert.Bound * (1.0 - 2.0 * u)
     else
         0.0),
    sqrt (max est 0.0)

/// min_{i≠j} ‖zᵢ − zⱼ‖ over the rows (the separation δ of P1.C6).
let separation (z: Matrix) =
    let mutable best = infinity

    for i in 0 .. z.Rows - 1 do
        for j in i + 1 .. z.Rows - 1 do
            let mutable s = 0.0

            for k in 0 .. z.Cols - 1 do
                let t = z[i, k] - z[j, k]
                s <- s + t * t

            best <- min best s

    sqrt best

/// The discrete model's quadrature factor κ_L = (1/L)·Σ_l c_l², c_l the total weight the integrator's stages put on
/// node l at U = 0: Euler 1 (node L unused, the others weight 1), midpoint and RK4 (L − ½)/L (endpoints ½). At U₀
/// the discrete L² gradient is exactly κ_L times the continuous one in ‖∇F‖², so the discrete PL constant there is
/// κ_L·μ_F (theory/P1-resnet-rff.md).
let quadratureFactor (integrator: OdeIntegrator) (depth: int) =
    match integrator with
    | OdeIntegrator.Euler -> 1.0
    | _ -> (float depth - 0.5) / float depth

/// The ball's certified numbers at radius R (papers.md §1.4 with Λ and inf λ_G bounded over the whole ball):
/// Λ̄(R) = Lip(Φ)·R (∫‖U(s)‖₂ds ≤ ‖U‖_L² for the piecewise-linear U); every node state moves by at most √2·R
/// (‖Φ‖ ≤ √2, the integrator's weights sum to ≤ 1 per node), so ‖Φ(X(s)) − Φ(X(0))‖₂ ≤ √(2N)·Lip(Φ)·R and
/// λ_G(s) ≥ (√λ_G(0) − √(2N)·Lip(Φ)·R)₊² (Weyl); μ_F(R) = (2σ_min(B)²/N)·e^{−2Λ̄(R)}·that.
type Ball =
    {
        Radius: float
        LipschitzBudget: float
        LambdaGBall: float
        MuF: float
        /// R²·μ_F(R), the left side of P1.C4.
        Capacity: float
    }

/// μ_F by papers.md §1.4's formula, rounded down: (2σ_min(B)²/N)·e^{−2Λ}·λ_G.
let muF (sigmaMinB: float) (n: int) (lambdaBudget: float) (infLambdaG: float) =
    let lg = if Double.IsNaN infLambdaG then nan else max infLambdaG 0.0

    2.0 * sigmaMinB * sigmaMinB / float n
    * exp (-2.0 * lambdaBudget)
    * lg
    * (1.0 - 16.0 * u)

/// sup_z ‖Φ(z)‖: √2 for random Fourier features ((2/M)·Σcos² ≤ 2); ReLU features are unbounded (NaN: no ball bound).
let featureNormBound (kind: FeatureKind) =
    match kind with
    | FeatureKind.Relu -> nan
    | _ -> sqrt 2.0

/// The ball at radius R from the certified σ_min(B), Lip(Φ) and λ_G(0), for features bounded by `phiBound`
/// (NaN: unbounded features, no certified λ_G over the ball, every ball number NaN).
let ballAt (phiBound: float) (sigmaMinB: float) (n: int) (lip: float) (lambdaG0: float) (radius: float) =
    let budget = lip * radius * (1.0 + 2.0 * u)
    let shrink = sqrt (float n) * phiBound * lip * radius * (1.0 + 4.0 * u)

    let root =
        (if lambdaG0 > 0.0 then
             sqrt lambdaG0 * (1.0 - 2.0 * u)
         else
             0.0)
        - shrink

    let lg =
        if Double.IsNaN shrink then nan
        elif root > 0.0 then root * root * (1.0 - 2.0 * u)
        else 0.0

    let mu = muF sigmaMinB n budget lg

    {
        Radius = radius
        LipschitzBudget = budget
        LambdaGBall = lg
        MuF = mu
        Capacity = radius * radius * mu * (1.0 - 2.0 * u)
    }

/// The R maximizing R²·e^{−2ℓR}·(s − aR)² on (0, s/a), s = √λ_G(0), a = √(2N)·ℓ (the smaller root of
/// ℓaR² − (2a + ℓs)R + s = 0); NaN when λ_G(0) ≤ 0. Any R gives a certified statement: this one is a choice.
let bestRadius (phiBound: float) (n: int) (lip: float) (lambdaG0: float) =
    if not (lambdaG0 > 0.0) || not (lip > 0.0) || Double.IsNaN phiBound then
        nan
    else
        let s = sqrt lambdaG0
        let a = sqrt (float n) * phiBound * lip
        let bq = 2.0 * a + lip * s
        let disc = bq * bq - 4.0 * lip * a * s
        // The smaller root, in the cancellation-free form 2c/(b + √disc).
        2.0 * s / (bq + sqrt (max disc 0.0))

// ---------------------------------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------------------------------

/// At every logged U_t: λ_G at every node (certified lower bound and estimate), its refined infimum over s (the
/// stage states between nodes, an estimate), the certified Lipschitz budget Λ̄(U_t) and the separation ratio
/// min_l δ(s_l)/(e^{−Λ̄}δ(0)). All evaluated only at the visited U_t.
type private FlowObserver(model0: ResNetRff, x: Matrix, lip: float, delta0: float) =
    let work = model0.Clone()
    let fm = model0.Features
    let depth = model0.Depth
    let mutable first: float[] = [||]
    let mutable last: float[] = [||]
    let mutable lastStages: float[] = [||]

    /// Certified λ_G(s_l) at the first and at the last observed iterate, and the stage estimates at the last.
    member _.FirstNodes = first
    member _.LastNodes = last
    member _.LastStages = lastStages

    interface ITraceObserver with
        member _.Columns =
            [| "lambdaGNodes"; "lambdaGNodesEstimate"; "lambdaGRefined"; "lipschitzBudget"; "separationRatio" |]

        member _.Observe(_, _, theta, values) =
            let th = theta.ToArray()

            if not (Array.forall Double.IsFinite th) then
                for c in 0 .. values.Length - 1 do
                    values[c] <- nan
            else
                work.SetParameters(ReadOnlySpan th)
                let traj = work.Integrate(x, true)
                let feats = traj.NodeFeatures
                let nodes = Array.init (depth + 1) (fun l -> lambdaG fm traj.NodeStates[l] feats[l])
                let stageEst = ResizeArray<float>()
                let phi = Matrix(x.Rows, fm.Count)

                for l in 0 .. depth - 1 do
                    let st = traj.StageInputs[l]

                    for i in 1 .. st.Count - 1 do
                        fm.Evaluate(st[i], phi)
                        stageEst.Add(lambdaMinOf (Blas.Gram phi))

                let certs = nodes |> Array.map fst
                let ests = nodes |> Array.map snd
                // Λ̄(U_t) = Lip(Φ)·∫‖U(s)‖₂ds ≤ Lip(Φ)·(1/L)·Σ_l c_l‖U_l‖_F (trapezoid weights c = ½, 1, …, 1, ½:
                // ‖U(s)‖ is convex on each segment), rounded up.
                let ns = model0.NodeSize
                let mutable integral = 0.0

                for l in 0..depth do
                    let mutable s2 = 0.0

                    for j in l * ns .. (l + 1) * ns - 1 do
                        s2 <- s2 + th[j] * th[j]

                    let c = if l = 0 || l = depth then 0.5 else 1.0
                    integral <- integral + c * sqrt s2

                let budget = lip * integral / float depth * (1.0 + gammaOf (ns + depth + 4))
                let sep = traj.NodeStates |> Seq.map separation |> Seq.min
                values[0] <- Array.min certs
                values[1] <- Array.min ests
                values[2] <- min (Array.min ests) (if stageEst.Count = 0 then infinity else Seq.min stageEst)
                values[3] <- budget
                values[4] <- sep / (exp (-budget) * delta0)

                if first.Length = 0 then
                    first <- certs

                last <- certs
                lastStages <- stageEst.ToArray()

/// Everything computed about one instance; the checks are functions of it.
type Analysis =
    {
        Setup: Setup
        Model0: ResNetRff
        N: int
        /// F(U₀) and a certified upper bound on it (the computed residual widened by its rounding).
        F0: float
        F0Upper: float
        SigmaMinB: float
        SigmaMinBEstimate: float
        Lipschitz: float
        /// Certified lower bound and estimate of λ_G at U₀ (every node shares X(0): the flow is the identity).
        LambdaG0: float
        LambdaG0Estimate: float
        Delta0: float
        /// λ_min of the limit kernel's Gram on the point cloud (P1.C7) and the gap of the feature Gram to it.
        KernelLambdaMin: float
        Ball: Ball
        RadiusChosen: bool
        Kappa: float
        /// The μ the predictions use: κ_L·μ_F(R).
        MuPredict: float
        BetaHat: float
        Eta: float
        Result: TrainResult
        Steps: int64[]
        Times: float[]
        Losses: float[]
        /// ‖∇F‖² in the L²([0, 1]) metric, and ‖U_t − U₀‖_L².
        GradL2: float[]
        DriftL2: float[]
        LambdaGNodes: float[]
        LambdaGNodesEstimate: float[]
        LambdaGRefined: float[]
        LipschitzBudget: float[]
        SeparationRatio: float[]
        /// μ̂_F(U_t) = κ_L·(2σ_min(B)²/N)·e^{−2Λ̄(U_t)}·(refined inf_s λ_G(s; U_t)): an estimate.
        MuHat: float[]
        PlRatio: float[]
        Envelope: float[]
        FirstNodes: float[]
        LastNodes: float[]
        LastStages: float[]
    }

let private isFlow (a: Analysis) = a.Setup.Optimizer = Optimizer.Flow

/// β̂ = the largest eigenvalue of the L²-metric Hessian at θ by power iteration on central finite differences of the
/// L² gradient (a sampled estimate of the smoothness β_F, used only for GD's step and P1.R2).
let smoothnessEstimate (objective: ResNetRffLeastSquares) (theta: float[]) (seed: uint64) =
    let p = theta.Length
    let v = Array.zeroCreate<float> p
    RandomStreams.For(seed, "p1/beta").FillGaussian(Span v)
    let gp = Array.zeroCreate<float> p
    let gm = Array.zeroCreate<float> p
    let tp = Array.zeroCreate<float> p
    let tm = Array.zeroCreate<float> p
    let scale = 1e-4 * (1.0 + sqrt (theta |> Array.sumBy (fun t -> t * t)))
    let mutable lam = 0.0

    let normalize (x: float[]) =
        let nrm = sqrt (x |> Array.sumBy (fun t -> t * t))

        if nrm > 0.0 then
            for j in 0 .. p - 1 do
                x[j] <- x[j] / nrm

        nrm

    normalize v |> ignore

    for _ in 1..betaIterations do
        for j in 0 .. p - 1 do
            tp[j] <- theta[j] + scale * v[j]
            tm[j] <- theta[j] - scale * v[j]

        objective.ValueAndGradient(ReadOnlySpan tp, Span gp) |> ignore
        objective.ValueAndGradient(ReadOnlySpan tm, Span gm) |> ignore

        for j in 0 .. p - 1 do
            v[j] <- (gp[j] - gm[j]) / (2.0 * scale)

        lam <- normalize v

    lam

/// Builds the model at U₀ = 0, computes the certified ball, trains (flow or GD in the L² metric) with λ_G, Λ̄ and δ
/// observed at every logged step, and computes every quantity.
let analyze (s: Setup) : Analysis =
    let d = s.Data
    let n = d.N
    let dim = d.D
    let m = s.Monitor
    m.Phase(sprintf "features: %d × %d, the model at U₀ = 0" s.FeatureCount dim)

    let fm =
        match s.Kind with
        | FeatureKind.Matern -> FeatureMap.Matern(dim, s.FeatureCount, s.Nu, s.Bandwidth, s.Seed)
        | FeatureKind.Relu -> FeatureMap.Relu(dim, s.FeatureCount, s.Bandwidth, s.Seed)
        | _ -> FeatureMap.Gaussian(dim, s.FeatureCount, s.Bandwidth, s.Seed)

    let b = Matrix(1, dim)
    RandomStreams.For(s.Seed, "resnet/B").FillGaussian(Span b.Data, 0.0, 1.0 / sqrt (float dim))

    for k in 0 .. dim - 1 do
        b[0, k] <- s.ReadoutScale * b[0, k]

    // The constructor refuses a B without full row rank (P1.C2) with one line.
    let model0 = ResNetRff(Matrix.Identity dim, b, fm, s.Depth, s.Integrator)
    let y = Matrix(n, 1, Array.copy d.Y)
    let objective = ResNetRffLeastSquares(model0, d.X, y, DepthMetric.DepthL2)
    let theta0 = model0.GetParameters()
    let f0 = objective.Value(ReadOnlySpan theta0)

    if not (Double.IsFinite f0) then
        bad (sprintf "F(U₀) = %g overflows float64: the data or the targets are too large; rescale them" f0)

    // F(U₀) from the residuals B·x − y, each widened by its product's rounding γ_{d+1}(Σ|B_k x_k| + |y|).
    let f0Upper =
        let mutable s2 = 0.0

        for r in 0 .. n - 1 do
            let mutable acc = 0.0
            let mutable mag = abs d.Y[r]

            for k in 0 .. dim - 1 do
                acc <- acc + b[0, k] * d.X[r, k]
                mag <- mag + abs (b[0, k] * d.X[r, k])

            let e = abs (acc - d.Y[r]) + gammaOf (dim + 2) * mag
            s2 <- s2 + e * e

        0.5 * s2 / float n * (1.0 + gammaOf (n + 4))

    m.Phase(sprintf "P1.C1–C7 at U₀: λ_G (%d×%d), σ_min(B), Lip(Φ), δ(0), the kernel Gram" n n)
    let sigmaB, sigmaBEst = certifiedSigmaMin b
    let lip = certifiedLipschitz fm
    let x0 = d.X
    let phi0 = Matrix(n, fm.Count)
    fm.Evaluate(x0, phi0)
    let lg0, lg0Est = lambdaG fm x0 phi0
    let delta0 = separation x0

    let kernelMin =
        let k = Matrix(n, n)

        for i in 0 .. n - 1 do
            for j in 0 .. n - 1 do
                k[i, j] <- fm.LimitKernel(x0.Row(i), x0.Row(j))

        lambdaMinOf (k)

    let radius, chosen =
        match s.Radius with
        | Some r -> r, false
        | None -> bestRadius (featureNormBound s.Kind) n lip lg0, true

    let ball =
        // No radius because λ_G(U₀) has no positive certified bound: nothing over the ball (P1.C1 fails). With
        // unbounded (ReLU) features every ball number stays NaN: not certified, so P1.C1 and P1.C4 are inconclusive.
        if Double.IsNaN radius && not (Double.IsNaN(featureNormBound s.Kind)) then
            {
                Radius = nan
                LipschitzBudget = nan
                LambdaGBall = 0.0
                MuF = 0.0
                Capacity = 0.0
            }
        else
            ballAt (featureNormBound s.Kind) sigmaB n lip lg0 radius

    let kappa = quadratureFactor s.Integrator s.Depth
    let muPredict = kappa * ball.MuF
    RunMonitor.ThrowIfStopped m

    let betaHat, eta =
        match s.Optimizer with
        | Optimizer.Gd ->
            m.Phase "β̂ at U₀ (power iteration on finite-difference Hessian-vector products)"
            let bh = smoothnessEstimate objective theta0 s.Seed

            bh,
            (match s.LearningRate with
             | Some e -> e
             | None -> 1.0 / bh)
        | _ -> nan, nan

    let observer = FlowObserver(model0, x0, lip, delta0)
    let target = s.TargetReduction * f0
    m.Phase(sprintf "training (%s, L² metric) with λ_G at every node of every logged step" s.Optimizer.Name)

    let options =
        match s.Optimizer with
        | Optimizer.Gd -> TrainerOptions(LearningRate = eta, Steps = s.MaxSteps, TargetLoss = target, LogEvery = 1L)
        | _ ->
            TrainerOptions(Steps = s.MaxSteps, TargetLoss = target, LogEvery = 1L, RelativeTolerance = s.FlowTolerance)

    let result =
        s.Optimizer.Trainer.Run(objective, ReadOnlySpan theta0, options.ObservedBy(observer).MonitoredBy m)

    if result.Status = TrainStatus.Cancelled then
        m.Cancellation.ThrowIfCancellationRequested()

    let tr = result.Trace
    let steps = tr.Records |> Seq.map (fun r -> r.Step) |> Seq.toArray
    let times = tr.Times()
    let losses = tr.Losses()
    let depthF = float s.Depth
    // The trainer logs the written gradient L·∇_θF: its L² norm² is ‖L∇_θF‖²/L; the L² distance is ‖θ − θ₀‖/√L.
    let gradL2 = tr.GradientNormsSquared() |> Array.map (fun g -> g / depthF)
    let drift = tr.DistancesL2() |> Array.map (fun v -> v / sqrt depthF)
    let lgNodes = tr.Observed "lambdaGNodes"
    let lgRefined = tr.Observed "lambdaGRefined"
    let budget = tr.Observed "lipschitzBudget"

    let muHat =
        Array.init steps.Length (fun k -> kappa * muF sigmaB n budget[k] (min lgNodes[k] lgRefined[k]))

    let rho = Array.map2 (fun g f -> if f > 0.0 then g / f else nan) gradL2 losses

    let envelope =
        match s.Optimizer with
        | Optimizer.Gd ->
            let q = 1.0 - eta * muPredict * (1.0 - eta * betaHat / 2.0)

            steps
            |> Array.map (fun k ->
                if k = 0L then f0
                elif q >= 0.0 then f0 * Math.Pow(q, float k)
                else 0.0)
        | _ -> times |> Array.map (fun t -> f0 * exp (-muPredict * t))

    {
        Setup = s
        Model0 = model0
        N = n
        F0 = f0
        F0Upper = f0Upper
        SigmaMinB = sigmaB
        SigmaMinBEstimate = sigmaBEst
        Lipschitz = lip
        LambdaG0 = lg0
        LambdaG0Estimate = lg0Est
        Delta0 = delta0
        KernelLambdaMin = kernelMin
        Ball = ball
        RadiusChosen = chosen
        Kappa = kappa
        MuPredict = muPredict
        BetaHat = betaHat
        Eta = eta
        Result = result
        Steps = steps
        Times = times
        Losses = losses
        GradL2 = gradL2
        DriftL2 = drift
        LambdaGNodes = lgNodes
        LambdaGNodesEstimate = tr.Observed "lambdaGNodesEstimate"
        LambdaGRefined = lgRefined
        LipschitzBudget = budget
        SeparationRatio = tr.Observed "separationRatio"
        MuHat = muHat
        PlRatio = rho
        Envelope = envelope
        FirstNodes = observer.FirstNodes
        LastNodes = observer.LastNodes
        LastStages = observer.LastStages
    }

// ---------------------------------------------------------------------------------------------------------------
// The checks, each citing its ID in theory/P1-resnet-rff.md
// ---------------------------------------------------------------------------------------------------------------

let private finiteMin (xs: float[]) =
    let f = xs |> Array.filter (fun v -> not (Double.IsNaN v))
    if f.Length = 0 then nan else Array.min f

let private finiteMax (xs: float[]) =
    let f = xs |> Array.filter (fun v -> not (Double.IsNaN v))
    if f.Length = 0 then nan else Array.max f

/// P1.C1 over the ball: λ_G(s) ≥ (√λ_G(0) − √(2N)·Lip(Φ)·R)₊² at every node of every U in the ball. Certified.
let c1 =
    {
        ConditionCheck.Id = "P1.C1"
        Statement =
            "expressivity on the PL ball: inf over ‖U‖_L² ≤ R and the nodes s_l of λ_min(G(s_l)) ≥ (√λ_G(U₀) − √(2N)·Lip(Φ)·R)₊², value that bound, threshold 0"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                let v =
                    if not (a.LambdaG0 > 0.0) && not (a.LambdaG0Estimate > 0.0) then
                        // U₀ is in the ball: a singular Gram there fails the hypothesis itself.
                        Verdict.Fails(
                            sprintf
                                "the feature Gram at U₀ is singular (λ_min ≈ %g): more features, distinct points, or a smaller bandwidth"
                                a.LambdaG0Estimate
                        )
                    elif not (a.LambdaG0 > 0.0) then
                        Verdict.Inconclusive(
                            sprintf
                                "λ_G(U₀) ≈ %g has no positive certified lower bound (bound %g)"
                                a.LambdaG0Estimate
                                a.LambdaG0
                        )
                    elif Double.IsNaN(featureNormBound a.Setup.Kind) then
                        Verdict.Inconclusive
                            "ReLU features are unbounded (‖Φ(z)‖ grows with ‖z‖): the perturbation bound over the ball needs sup‖Φ‖, so λ_G over the ball is not certified"
                    elif a.Ball.LambdaGBall > 0.0 then
                        Verdict.Holds a.Ball.LambdaGBall
                    else
                        // Only the certified bound gives out: λ_G over the ball may still be positive.
                        Verdict.Inconclusive(
                            sprintf
                                "at R = %g the certified perturbation bound leaves nothing of λ_G(U₀) = %g (√(2N)·Lip(Φ)·R ≥ √λ_G): a smaller --radius"
                                a.Ball.Radius
                                a.LambdaG0
                        )

                outcome a.Ball.LambdaGBall 0.0 NumberStatus.Certified v
    }

/// P1.C1 along the run: the certified λ_G at every node of every logged U_t (the infimum over s between nodes refined
/// on the stage states, an estimate). Measurement: evaluated only at the visited iterates.
let c1Run =
    {
        ConditionCheck.Id = "P1.C1"
        Statement =
            "along the run (only at the logged U_t): min over steps and nodes of a certified lower bound on λ_G(s_l; U_t), threshold 0 (the infimum over s between nodes, refined on the stage states, is an estimate)"
        Role = ConditionRole.Measurement
        Evaluate =
            fun a ->
                let worst = finiteMin a.LambdaGNodes

                if Double.IsNaN worst then
                    None
                else
                    let refined = finiteMin a.LambdaGRefined

                    let v =
                        if worst > 0.0 then
                            Verdict.Holds worst
                        else
                            Verdict.Inconclusive(sprintf "a node's certified λ_G is %g (estimate %g)" worst refined)

                    outcome worst 0.0 NumberStatus.Certified v
    }

/// P1.C2: σ_min(B) > 0 (a certified lower bound; B without full row rank is refused at set-up).
let c2 =
    {
        ConditionCheck.Id = "P1.C2"
        Statement = "output layer of full row rank: value a certified lower bound on σ_min(B), threshold 0"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                outcome
                    a.SigmaMinB
                    0.0
                    NumberStatus.Certified
                    (Verdict.ofLowerBound NumberStatus.Certified a.SigmaMinB 0.0)
    }

/// P1.C3: Λ̄(R) = Lip(Φ)·R, the certified Lipschitz budget over the ball; its factor e^{−2Λ̄} must be resolvable.
let c3 =
    {
        ConditionCheck.Id = "P1.C3"
        Statement =
            "Lipschitz budget over the ball: Λ ≤ Λ̄(R) = Lip(Φ)·R with Lip(Φ) ≤ √(2/M)·‖W‖₂ certified; value e^(−2Λ̄(R)), threshold 0"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                let f = exp (-2.0 * a.Ball.LipschitzBudget)

                let v =
                    if
                        Double.IsNaN a.Ball.LipschitzBudget
                        && Double.IsNaN(featureNormBound a.Setup.Kind)
                    then
                        Verdict.Inconclusive "no radius: ReLU features give no certified ball (P1.C1); pass --radius"
                    elif Double.IsNaN a.Ball.LipschitzBudget then
                        Verdict.Inconclusive "no radius: λ_G(U₀) has no positive certified lower bound (P1.C1)"
                    else
                        Verdict.ofLowerBound NumberStatus.Certified f 0.0

                outcome f 0.0 NumberStatus.Certified v
    }

/// P1.C3 along the run: max_t Λ̄(U_t) against Λ̄(R). Measurement (certified bounds at the logged iterates).
let c3Run =
    {
        ConditionCheck.Id = "P1.C3"
        Statement =
            "along the run (only at the logged U_t): value Λ̄(R), threshold max_t Λ̄(U_t) = Lip(Φ)·∫‖U_t(s)‖₂ds (certified upper bounds)"
        Role = ConditionRole.Measurement
        Evaluate =
            fun a ->
                let worst = finiteMax a.LipschitzBudget

                if Double.IsNaN worst || Double.IsNaN a.Ball.LipschitzBudget then
                    None
                else
                    let v =
                        if worst <= a.Ball.LipschitzBudget then
                            Verdict.Holds(a.Ball.LipschitzBudget - worst)
                        else
                            Verdict.Inconclusive(
                                sprintf
                                    "the run's budget %g exceeded the ball's %g: it left the ball"
                                    worst
                                    a.Ball.LipschitzBudget
                            )

                    outcome a.Ball.LipschitzBudget worst NumberStatus.Certified v
    }

/// P1.C4: 4F(U₀) < R²·μ_F(R), every factor certified. The hypothesis that decides the theorem.
let c4 =
    {
        ConditionCheck.Id = "P1.C4"
        Statement =
            "initial loss small enough: value R²·μ_F(R), μ_F(R) = (2σ_min(B)²/N)·e^(−2Λ̄(R))·inf λ_G over the ball, threshold 4F(U₀)"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                let threshold = 4.0 * a.F0Upper
                // The paper's R²μ_F(R) is at most R²·(2σ_min(B)²/N)·λ_G(U₀): U₀ is in the ball and e^(−2Λ) ≤ 1. With
                // the estimates of σ_min(B) and λ_G(U₀) this upper value can refute the condition at this R (an
                // estimate refutes, never establishes); between it and the certified value the row is undecided.
                let upper =
                    a.Ball.Radius * a.Ball.Radius * 2.0 * a.SigmaMinBEstimate * a.SigmaMinBEstimate
                    / float a.N
                    * max a.LambdaG0Estimate 0.0

                let at =
                    sprintf
                        "at R = %g%s"
                        a.Ball.Radius
                        (if a.RadiusChosen then
                             " (the radius maximizing the certified R²μ_F)"
                         else
                             "")

                let v =
                    if Double.IsNaN a.Ball.Capacity && not (upper <= 4.0 * a.F0) then
                        Verdict.Inconclusive "μ_F over the ball is not certified here (P1.C1 over the ball)"
                    elif a.Ball.Capacity > threshold then
                        Verdict.Holds(a.Ball.Capacity - threshold)
                    elif upper <= 4.0 * a.F0 && a.RadiusChosen then
                        // R is the theorem's free parameter and the upper value grows like R²: failing at the radius
                        // the tool picked says nothing about larger balls, so it is not a failed hypothesis.
                        Verdict.Inconclusive(
                            sprintf
                                "not established: even R²·(2σ_min(B)²/N)·λ_G(U₀) = %g, an upper value of R²μ_F(R), is not above 4F(U₀) = %g %s; the radius is the theorem's free parameter and larger ones are not excluded (give --radius to test one ball)"
                                upper
                                (4.0 * a.F0)
                                at
                        )
                    elif upper <= 4.0 * a.F0 then
                        Verdict.Fails(
                            sprintf
                                "even R²·(2σ_min(B)²/N)·λ_G(U₀) = %g, an upper value of R²μ_F(R), is not above 4F(U₀) = %g %s"
                                upper
                                (4.0 * a.F0)
                                at
                        )
                    else
                        Verdict.Inconclusive(
                            sprintf
                                "the certified R²·μ_F(R) = %g is not above 4F(U₀) = %g %s, and its upper value %g does not refute it"
                                a.Ball.Capacity
                                threshold
                                at
                                upper
                        )

                outcome a.Ball.Capacity threshold NumberStatus.Certified v
    }

/// P1.C6: δ(0) > 0 (distinct points; exact). The flow keeps them apart: δ(s) ≥ e^{−Λ}δ(0).
let c6 =
    {
        ConditionCheck.Id = "P1.C6"
        Statement = "separation of the embedded points: value δ(0) = min_(i≠j)‖Ax_i − Ax_j‖, threshold 0"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a -> outcome a.Delta0 0.0 NumberStatus.Exact (Verdict.ofLowerBound NumberStatus.Exact a.Delta0 0.0)
    }

/// P1.C6 along the run: min_{t,l} δ(s_l; U_t)/(e^{−Λ̄(U_t)}δ(0)) ≥ 1. Measurement (exact at the logged nodes).
let c6Run =
    {
        ConditionCheck.Id = "P1.C6"
        Statement =
            "along the run (only at the logged U_t and the nodes): value min δ(s_l)/(e^(−Λ̄(U_t))·δ(0)), threshold 1"
        Role = ConditionRole.Measurement
        Evaluate =
            fun a ->
                let worst = finiteMin a.SeparationRatio

                if Double.IsNaN worst then
                    None
                else
                    let v =
                        if worst >= 1.0 - 1e-12 then
                            Verdict.Holds(worst - 1.0)
                        else
                            Verdict.Inconclusive(
                                sprintf
                                    "δ(s)/(e^(−Λ̄)δ(0)) = %g < 1 (the continuous flow's bound, held against the discrete map)"
                                    worst
                            )

                    outcome worst 1.0 NumberStatus.Exact v
    }

/// P1.C7: λ_min of the limit kernel's Gram on the point cloud. Measurement (the finite-width theorem uses C1).
let c7 =
    {
        ConditionCheck.Id = "P1.C7"
        Statement = "infinite-width expressivity: value λ_min(k(x_i, x_j)) of the target kernel's Gram, threshold 0"
        Role = ConditionRole.Measurement
        Evaluate =
            fun a ->
                let v =
                    if a.KernelLambdaMin > 0.0 then
                        Verdict.Holds a.KernelLambdaMin
                    else
                        Verdict.Inconclusive(sprintf "λ_min(K) = %g: numerically singular" a.KernelLambdaMin)

                outcome a.KernelLambdaMin 0.0 NumberStatus.Exact v
    }

let private integratedCurve =
    "the loss is an integrated curve (Dormand–Prince), an estimate of the flow; the envelope uses κ_L·μ_F(R)"

/// The loss against its envelope (P1.R1 on the flow, P1.R2 on GD), evaluated only for the run's own optimizer and
/// only when there is an envelope to hold it against. Estimated either way (an integrated curve, or the sampled β̂).
let private envelopeCheck (flow: bool) (note: string) (a: Analysis) =
    if
        isFlow a <> flow
        || not (Tolerances.resolvable a.F0)
        || a.Losses.Length < 2
        || not (a.MuPredict > 0.0)
    then
        None
    else
        let holds, worst, slack =
            Envelope.atMost (Tolerances.rateAt a.F0) a.Envelope a.Losses

        let w = max worst 0

        Some
            {
                Bound = a.Envelope[w]
                Observed = a.Losses[w]
                Sense = Sense.AtMost
                Status = NumberStatus.Estimated
                Holds = holds
                Slack = slack
                WorstStep = a.Steps[w]
                Note = note
            }

/// P1.R1 (flow): F(U_t) ≤ e^{−κ_Lμ_F t}F(U₀). Estimated (an integrated curve): it can make the verdict inconclusive,
/// never refute.
let r1 =
    {
        PredictionCheck.Id = "P1.R1"
        Statement = "gradient flow: F(U_t) ≤ e^(−μ_F t)·F(U₀) (with the discrete model's factor κ_L)"
        Kind = PredictionKind.Bound
        Evaluate =
            fun a ->
                envelopeCheck true (sprintf "μ_F(R) = %g certified, κ_L = %g; %s" a.Ball.MuF a.Kappa integratedCurve) a
    }

/// P1.R2 (GD): F_k ≤ q^k·F₀, q = 1 − ημ(1 − ηβ̂/2). Estimated (β̂ sampled).
let r2 =
    {
        PredictionCheck.Id = "P1.R2"
        Statement = "GD: F_(k+1) ≤ (1 − ημ_F(1 − ηβ_F/2))·F_k, held as F_k ≤ q^k·F₀ with the sampled β̂"
        Kind = PredictionKind.Bound
        Evaluate =
            fun a ->
                envelopeCheck false (sprintf "η = %g, sampled β̂ = %g, κ_L·μ_F(R) = %g" a.Eta a.BetaHat a.MuPredict) a
    }

/// P1.R3: max_t ‖U_t − U₀‖_L² ≤ 2√(F₀/μ) (GD: /(1 − β̂η/2)) and ≤ R. Estimated.
let r3 =
    {
        PredictionCheck.Id = "P1.R3"
        Statement = "path length: max_t ‖U_t − U₀‖_L² ≤ 2√(F(U₀)/μ_F), inside the ball of radius R"
        Kind = PredictionKind.Bound
        Evaluate =
            fun a ->
                if not (Tolerances.resolvable a.F0) || not (a.MuPredict > 0.0) then
                    None
                else
                    let baseBound = 2.0 * sqrt (a.F0 / a.MuPredict)

                    let bound =
                        if isFlow a then
                            baseBound
                        else
                            let h = a.BetaHat * a.Eta
                            if h < 2.0 then baseBound / (1.0 - h / 2.0) else infinity

                    if not (Double.IsFinite bound) then
                        None
                    else
                        let bound = min bound a.Ball.Radius
                        let observed = finiteMax a.DriftL2

                        let holds, slack =
                            Envelope.single (Tolerances.rateAt bound) Sense.AtMost bound observed

                        Some
                            {
                                Bound = bound
                                Observed = observed
                                Sense = Sense.AtMost
                                Status = NumberStatus.Estimated
                                Holds = holds
                                Slack = slack
                                WorstStep = -1L
                                Note =
                                    sprintf
                                        "min(2√(F₀/κ_Lμ_F)%s, R = %g); %s"
                                        (if isFlow a then "" else "/(1 − β̂η/2)")
                                        a.Ball.Radius
                                        (if isFlow a then integratedCurve else "uses the sampled β̂")
                            }
    }

/// P1.R6: ‖∇F(U_t)‖²/F(U_t) ≥ μ̂_F(U_t) at every logged step. Estimated (the refined inf over s).
let r6 =
    {
        PredictionCheck.Id = "P1.R6"
        Statement =
            "empirical PL ratio: ‖∇F‖²_L²/F ≥ μ̂_F(U_t) = κ_L·(2σ_min(B)²/N)·e^(−2Λ̄(U_t))·inf_s λ_G(s; U_t) at every logged step"
        Kind = PredictionKind.Bound
        Evaluate =
            fun a ->
                let idx =
                    [| 0 .. a.Losses.Length - 1 |]
                    |> Array.filter (fun k ->
                        Tolerances.resolvable a.Losses[k]
                        && not (Double.IsNaN a.MuHat[k])
                        && a.MuHat[k] > 0.0)

                if idx.Length = 0 then
                    None
                else
                    // Held as μ̂ ≤ ρ: the ratio ρ/μ̂ at the worst step is the slack's inverse.
                    let ratios = idx |> Array.map (fun k -> a.PlRatio[k] / a.MuHat[k])
                    let j = Array.findIndex (fun r -> r = Array.min ratios) ratios
                    let k = idx[j]

                    let holds, slack =
                        Envelope.single Tolerances.rate Sense.AtLeast a.MuHat[k] a.PlRatio[k]

                    Some
                        {
                            Bound = a.MuHat[k]
                            Observed = a.PlRatio[k]
                            Sense = Sense.AtLeast
                            Status = NumberStatus.Estimated
                            Holds = holds
                            Slack = slack
                            WorstStep = a.Steps[k]
                            Note =
                                "μ̂_F(U_t) from the certified Λ̄(U_t) and the refined (estimated) inf_s λ_G(s; U_t); the continuous mechanism held against the discrete model"
                        }
    }

/// P1.R4: at the step of smallest ‖∇F‖², F ≤ ‖∇F‖²/μ̂_F (no spurious critical point). Measurement.
let r4 =
    {
        PredictionCheck.Id = "P1.R4"
        Statement = "no spurious critical point: at the step of smallest ‖∇F‖², F ≤ ‖∇F‖²/μ̂_F while λ_G > 0"
        Kind = PredictionKind.Measurement
        Evaluate =
            fun a ->
                let idx = [| 0 .. a.Losses.Length - 1 |] |> Array.filter (fun k -> a.MuHat[k] > 0.0)

                if idx.Length = 0 then
                    None
                else
                    let k = idx |> Array.minBy (fun k -> a.GradL2[k])
                    let bound = a.GradL2[k] / a.MuHat[k]

                    Some
                        {
                            Bound = bound
                            Observed = a.Losses[k]
                            Sense = Sense.AtMost
                            Status = NumberStatus.Estimated
                            Holds = a.Losses[k] <= bound * (1.0 + 1e-6)
                            Slack = (if bound > 0.0 then a.Losses[k] / bound else nan)
                            WorstStep = a.Steps[k]
                            Note = sprintf "‖∇F‖² = %g, λ_G ≥ %g there" a.GradL2[k] a.LambdaGNodes[k]
                        }
    }

/// P1.R5: the drift ‖U_t − U₀‖_L² relative to R (the trend over the width is a sweep). Measurement.
let r5 =
    {
        PredictionCheck.Id = "P1.R5"
        Statement = "lazy regime: max_t ‖U_t − U₀‖_L² against R (its shrinking with the feature count is a sweep)"
        Kind = PredictionKind.Measurement
        Evaluate =
            fun a ->
                let observed = finiteMax a.DriftL2

                if Double.IsNaN observed || Double.IsNaN a.Ball.Radius then
                    None
                else
                    Some
                        {
                            Bound = a.Ball.Radius
                            Observed = observed
                            Sense = Sense.AtMost
                            Status = NumberStatus.Exact
                            Holds = observed <= a.Ball.Radius
                            Slack = observed / a.Ball.Radius
                            WorstStep = -1L
                            Note = "a measurement; the lazy trend in M is `sweep run resnet-rff --axis feature-count=…`"
                        }
    }

/// P1 as data.
let theorem: TheoremDefinition<Analysis> =
    {
        Id = "P1"
        Title = "Global convergence of ResNets with linearly parameterized residuals (RFF)"
        Reference = "Barboni, Peyré, Vialard, arXiv 2112.05531 (NeurIPS 2022)"
        Statement =
            "For ∂ₛX = U(s)Φ(X), output BX(1), squared loss F: on the ball ‖U − U₀‖_L² ≤ R, ‖∇F‖² ≥ μ_F·F with "
            + "μ_F = (2σ_min(B)²/N)·e^(−2Λ)·inf_s λ_min(G(s)); if 4F(U₀) < R²μ_F the L² gradient flow stays in the "
            + "ball and F(U_t) ≤ e^(−μ_F t)F(U₀)."
        Hypotheses = [ c1; c1Run; c2; c3; c3Run; c4; c6; c6Run; c7 ]
        Conclusions = [ r1; r2; r3; r6; r4; r5 ]
        NotChecked =
            [
                "P1.C5",
                "the random-feature recipe is a probability over feature draws: the fraction with λ_min(Ĝ) ≥ λ/2 against M, with Wilson intervals, is the sweep trial (`overparam sweep run resnet-rff --axis feature-count=16,64,256,1024`), not one certificate"
            ]
    }

// ---------------------------------------------------------------------------------------------------------------
// Certificate: quantity groups and trace columns
// ---------------------------------------------------------------------------------------------------------------

/// The numbers of an analysis, grouped for the certificate.
let quantities (a: Analysis) : QuantityGroup list =
    let s = a.Setup
    let q = quantity
    let ball = a.Ball

    [
        QuantityGroup(
            "ball",
            "The PL ball and P1.C4",
            true,
            [|
                q
                    "R"
                    ball.Radius
                    NumberStatus.Exact
                    (if a.RadiusChosen then
                         "the radius maximizing R²μ_F(R)"
                     else
                         "--radius")
                q "mu_F" ball.MuF NumberStatus.Certified "μ_F(R) = (2σ_min(B)²/N)·e^(−2Λ̄(R))·λ_G over the ball"
                q "R^2 mu_F" ball.Capacity NumberStatus.Certified "left side of P1.C4"
                q "4F0" (4.0 * a.F0Upper) NumberStatus.Certified "right side of P1.C4 (rounding included)"
                q "Lambda(R)" ball.LipschitzBudget NumberStatus.Certified "Λ̄(R) = Lip(Φ)·R"
                q "lambda_G ball" ball.LambdaGBall NumberStatus.Certified "(√λ_G(U₀) − √(2N)·Lip(Φ)·R)₊²"
                q "kappa_L" a.Kappa NumberStatus.Exact "the discrete model's quadrature factor in ‖∇F‖² at U₀"
            |]
        )
        QuantityGroup(
            "instance",
            "Model and features at U₀",
            true,
            [|
                q "N" (float a.N) NumberStatus.Exact "training points"
                q "d" (float s.Data.D) NumberStatus.Exact "hidden (= input) dimension"
                q "features" (float s.FeatureCount) NumberStatus.Exact "number of random features"
                q "L" (float s.Depth) NumberStatus.Exact "depth (integration steps)"
                q "sigma_min(B)" a.SigmaMinB NumberStatus.Certified "certified lower bound (P1.C2)"
                q "Lip(Phi)" a.Lipschitz NumberStatus.Certified "√(2/M)·‖W‖₂, certified upper bound"
                q
                    "lambda_G(U0)"
                    a.LambdaG0
                    NumberStatus.Certified
                    "λ_min of the feature Gram at X(0), certified lower bound"
                q "lambda_G(U0) estimate" a.LambdaG0Estimate NumberStatus.Exact "the eigensolver's value"
                q "lambda_min K" a.KernelLambdaMin NumberStatus.Exact "the limit kernel's Gram (P1.C7)"
                q "delta(0)" a.Delta0 NumberStatus.Exact "min pairwise distance (P1.C6)"
            |]
        )
        QuantityGroup(
            "run",
            sprintf "The %s run (L² metric)" s.Optimizer.Name,
            true,
            [|
                q "F0" a.F0 NumberStatus.Exact "F(U₀)"
                q "final F" (Array.last a.Losses) NumberStatus.Exact "F at the last logged step"
                q "min PL ratio" (finiteMin a.PlRatio) NumberStatus.Exact "min_t ‖∇F‖²_L²/F (P1.R6)"
                q "min mu_hat" (finiteMin a.MuHat) NumberStatus.Estimated "min_t μ̂_F(U_t)"
                q "max drift" (finiteMax a.DriftL2) NumberStatus.Exact "max_t ‖U_t − U₀‖_L²"
                q "max Lambda(U_t)" (finiteMax a.LipschitzBudget) NumberStatus.Certified "max_t Λ̄(U_t)"
                q
                    "min lambda_G nodes"
                    (finiteMin a.LambdaGNodes)
                    NumberStatus.Certified
                    "min over steps and nodes (only at the visited U_t)"
                q "inf_s lambda_G" (finiteMin a.LambdaGRefined) NumberStatus.Estimated "refined on the stage states"
                q "beta_hat" a.BetaHat NumberStatus.Estimated "power iteration at U₀ (GD only)"
                q "eta" a.Eta NumberStatus.Exact "GD step (L² metric)"
            |]
        )
        QuantityGroup(
            "lambda_G along s",
            "λ_G(s_l) at the nodes of the last logged U_t (certified lower bounds)",
            false,
            [|
                for l in 0 .. a.LastNodes.Length - 1 ->
                    q
                        (sprintf "s=%s" (r17 (float l / float s.Depth)))
                        a.LastNodes[l]
                        NumberStatus.Certified
                        (if a.FirstNodes.Length > l then
                             sprintf "at U₀: %s" (r17 a.FirstNodes[l])
                         else
                             "")
            |]
        )
    ]

/// The logged run as columns.
let trace (a: Analysis) : TraceTable =
    let idx = thinIndices a.Steps.Length a.Setup.MaxTracePoints
    let pick (xs: float[]) = idx |> Array.map (fun k -> xs[k])

    let x, xName =
        if isFlow a then
            a.Times, "time"
        else
            (a.Steps |> Array.map float), "step"

    TraceTable(
        [|
            column
                xName
                ColumnRole.Index
                NumberStatus.Exact
                (if isFlow a then
                     "flow time t (Dormand–Prince)"
                 else
                     "GD step k")
                (pick x)
            column "loss" ColumnRole.Observed NumberStatus.Exact "F(U_t) = (1/2N)Σ(BX_i(1) − y_i)²" (pick a.Losses)
            column
                "envelope"
                ColumnRole.Bound
                (if isFlow a then
                     NumberStatus.Certified
                 else
                     NumberStatus.Estimated)
                (if isFlow a then
                     "e^(−κ_Lμ_F t)·F(U₀) (P1.R1)"
                 else
                     "q^k·F(U₀) (P1.R2)")
                (pick a.Envelope)
            column "plRatio" ColumnRole.Observed NumberStatus.Exact "‖∇F‖²_L²/F (P1.R6)" (pick a.PlRatio)
            column "muHat" ColumnRole.Bound NumberStatus.Estimated "μ̂_F(U_t) (P1.R6)" (pick a.MuHat)
            column
                "lambdaGNodes"
                ColumnRole.Diagnostic
                NumberStatus.Certified
                "min_l λ_G(s_l; U_t), certified lower bound (P1.C1)"
                (pick a.LambdaGNodes)
            column
                "lambdaGRefined"
                ColumnRole.Diagnostic
                NumberStatus.Estimated
                "inf_s λ_G(s; U_t) over nodes and stage states (P1.C1)"
                (pick a.LambdaGRefined)
            column
                "lipschitzBudget"
                ColumnRole.Diagnostic
                NumberStatus.Certified
                "Λ̄(U_t) (P1.C3)"
                (pick a.LipschitzBudget)
            column
                "separationRatio"
                ColumnRole.Diagnostic
                NumberStatus.Exact
                "min_l δ(s_l)/(e^(−Λ̄)δ(0)) (P1.C6)"
                (pick a.SeparationRatio)
            column "drift" ColumnRole.Observed NumberStatus.Exact "‖U_t − U₀‖_L² (P1.R3, P1.R5)" (pick a.DriftL2)
        |],
        [|
            TracePlot(
                (if isFlow a then
                     "loss against the exponential bound (P1.R1)"
                 else
                     "loss against the GD factor (P1.R2)"),
                xName,
                "loss",
                "envelope",
                true
            )
            TracePlot("PL ratio against μ̂_F (P1.R6)", xName, "plRatio", "muHat", true)
            TracePlot("min over the nodes of λ_G along the run (P1.C1)", xName, "lambdaGNodes", "", true)
        |]
    )

// ---------------------------------------------------------------------------------------------------------------
// The P1.C5 sweep trial: the random-feature recipe
// ---------------------------------------------------------------------------------------------------------------

/// The options of one P1.C5 trial: the point cloud is fixed by --data-seed, the features come from the trial's seed.
let trialOptions: OptionSpec list =
    [
        OptionSpec(
            "n",
            OptionKind.Integer,
            "50",
            "Points x ~ N(0, I/d) (drawn from --data-seed, the same in every trial)"
        )
        OptionSpec("d", OptionKind.Integer, "5", "Input dimension")
        OptionSpec("feature-count", OptionKind.Integer, "256", "Number of random features M")
        OptionSpec("bandwidth", OptionKind.Real, "0.2", "Kernel bandwidth / length scale σ_k > 0")
        OptionSpec(
            "features",
            OptionKind.Choice,
            "gaussian",
            "gaussian | matern (random Fourier features of a universal kernel)",
            Choices = [| "gaussian"; "matern" |]
        )
        OptionSpec("nu", OptionKind.Real, "1.5", "Matérn smoothness ν (half-integer)")
        OptionSpec(
            "data-seed",
            OptionKind.Long,
            "0",
            "Seed of the point cloud (fixed across trials: C5 is over feature draws)"
        )
    ]

type private C5Setup =
    {
        N: int
        D: int
        Count: int
        Bandwidth: float
        Matern: bool
        Nu: float
        DataSeed: uint64
    }

let private c5Setup (i: RunInput) =
    let n = Opt.intAtLeast i "n" 2
    let d = Opt.intAtLeast i "d" 1
    let count = Opt.intAtLeast i "feature-count" 1
    let bw = Opt.float i "bandwidth"

    if not (bw > 0.0 && Double.IsFinite bw) then
        bad (sprintf "--bandwidth must be positive and finite, got %s" (r17 bw))

    let matern = Opt.text i "features" = "matern"
    let nu = Opt.float i "nu"

    if
        matern
        && not (Double.IsFinite nu && nu >= 0.5 && nu <= 20.5 && Math.Round(nu - 0.5) = nu - 0.5)
    then
        bad (sprintf "--nu must be a half-integer 1/2, 3/2, …, 41/2, got %s" (r17 nu))

    ProblemSize.Require(
        sprintf "a P1.C5 trial with N = %d, M = %d" n count,
        float n * float count,
        "the N×M feature matrix",
        2.0 * float n * float count
        + 3.0 * float n * float n
        + 2.0 * float count * float d
    )

    {
        N = n
        D = d
        Count = count
        Bandwidth = bw
        Matern = matern
        Nu = nu
        DataSeed = Opt.uint64 i "data-seed"
    }

/// One P1.C5 trial: the fixed point cloud X, one draw of M features from the trial's seed; success when
/// λ_min(Ĝ) ≥ λ/2 with Ĝ = Φ(X)Φ(X)ᵀ and λ = λ_min of the limit kernel's Gram K(X) (papers.md §1.4, §6.4).
let private runC5 (i: RunInput) : TrialOutcome =
    let t = c5Setup i
    let seed = Opt.seed i
    let x = DataGenerators.GaussianInputs(t.N, t.D, t.DataSeed, 1.0 / sqrt (float t.D))

    let fm =
        if t.Matern then
            FeatureMap.Matern(t.D, t.Count, t.Nu, t.Bandwidth, seed)
        else
            FeatureMap.Gaussian(t.D, t.Count, t.Bandwidth, seed)

    let k = Matrix(t.N, t.N)

    for a in 0 .. t.N - 1 do
        for b in 0 .. t.N - 1 do
            k[a, b] <- fm.LimitKernel(x.Row(a), x.Row(b))

    let lambdaK = lambdaMinOf k
    let phi = Matrix(t.N, t.Count)
    fm.Evaluate(x, phi)
    let lambdaHat = lambdaMinOf (Blas.Gram phi)
    let success = lambdaHat >= lambdaK / 2.0

    TrialOutcome((if success then "passed" else "failed"), success, [| lambdaK; lambdaHat; lambdaHat / lambdaK |])

/// `overparam sweep run resnet-rff --axis feature-count=16,64,256,1024`: P1.C5's recipe as a sweep.
let trial: TrialSpec =
    {
        Info =
            SweepTrialInfo(
                trialOptions,
                [| "feature-count"; "n"; "d"; "bandwidth" |],
                [| "feature-count"; "n"; "d" |],
                1,
                "A trial draws M random Fourier features (streams features/*, from the trial's seed) for a point cloud "
                + "fixed by --data-seed (x ~ N(0, I/d)); success (P1.C5): λ_min(Ĝ) ≥ λ/2, Ĝ the feature Gram and λ "
                + "the limit kernel's λ_min on the same points. The fraction with its Wilson interval must rise with M.",
                [|
                    MetricSpec("lambda-kernel", "λ_min of the limit kernel's Gram K(X) (exact up to the eigensolver)")
                    MetricSpec("lambda-features", "λ_min(Φ(X)Φ(X)ᵀ) of this draw (exact up to the eigensolver)")
                    MetricSpec("ratio", "λ_min(Ĝ)/λ (success when ≥ 1/2)")
                |],
                ratioCovariate
                    "M/((d+2)N²)"
                    "M = c₀·(d+2)·N²"
                    ("(d+2)N²", (fun c -> (c["d"] + 2.0) * c["n"] * c["n"]))
                    ("M", (fun c -> c["feature-count"]))
                    "M = (d+2)N²"
                    "fewer features than the derived shape (d+2)·4N²/λ²·log(…) suggests suffice half the time."
                    "more features than (d+2)N² are needed half the time."
            )
        Size =
            fun i ->
                let t = c5Setup i

                TrialSize(
                    sprintf "a cell N = %d, M = %d" t.N t.Count,
                    float t.N * float t.Count,
                    "the N×M feature matrix",
                    2.0 * float t.N * float t.Count + 3.0 * float t.N * float t.N
                )
        Run = runC5
    }

/// P1 as a registered theorem.
let plugin: Theorem<Setup, Analysis> =
    {
        Definition = theorem
        Command = "resnet-rff"
        Options = options
        Setup = setupOf
        Analyze = analyze
        Quantities = quantities
        Trace = trace
        RunNote =
            fun a ->
                [
                    runNote a.Result "F" a.Setup.TargetReduction
                    "P1's bounds (P1.R1–R3, R6) rest on estimates (an integrated curve, a sampled β̂, the refined inf over s), so a run can make the verdict inconclusive but never refute P1"
                ]
                |> List.filter (fun t -> t <> "")
                |> String.concat "; "
        Instance = fun a -> a.Setup.Data, ModelFile.Serialize a.Model0
        Trial = Some trial
        Experiments = []
    }

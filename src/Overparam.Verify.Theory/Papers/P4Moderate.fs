/// P4 — Oymak & Soltanolkotabi, "Towards moderate overparameterization" (arXiv 1902.04674): the shallow network
/// f(x) = vᵀφ(Wx) with v fixed, its meta-theorem hypotheses on B(W₀, R) and the contraction of GD/SGD, as checks
/// against engine quantities. Statements and derivations: theory/P4-moderate.md.
module internal Overparam.Verify.Theory.Papers.P4Moderate

open System
open Overparam.Verify.Theory
open Overparam.Verify.Engine
open Overparam.Verify.Contracts
open Overparam.Verify.Engine.Curvature
open Overparam.Verify.Engine.Data
open Overparam.Verify.Engine.IO
open Overparam.Verify.Engine.Kernels
open Overparam.Verify.Engine.LinearAlgebra
open Overparam.Verify.Engine.Models
open Overparam.Verify.Engine.Random
open Overparam.Verify.Engine.Training
open Overparam.Verify.Theory.Contract

// ---------------------------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------------------------

/// A validated P4 instance.
type Setup =
    {
        Data: Dataset
        DataSource: string
        K: int
        Activation: ActivationKind
        Nu: float
        Optimizer: Optimizer
        Seed: uint64
        LearningRate: float option
        MaxSteps: int64
        TargetReduction: float
        Trials: int
        /// True when the rows of given data were scaled to unit norm on request (--normalize).
        Normalized: bool
        MaxTracePoints: int
        /// Phases, progress and cancellation (never part of the result).
        Monitor: IRunMonitor
    }

/// Each row scaled to unit Euclidean norm (P4.C6 on request); a zero row has no direction and is an input error.
let normalizeRows (x: Matrix) =
    let y = x.Clone()

    for i in 0 .. y.Rows - 1 do
        let mutable s = 0.0

        for j in 0 .. y.Cols - 1 do
            s <- s + y[i, j] * y[i, j]

        let norm = sqrt s

        if not (norm > 0.0) then
            bad (sprintf "--normalize: row %d of the data is zero and has no direction" (i + 1))

        for j in 0 .. y.Cols - 1 do
            y[i, j] <- y[i, j] / norm

    y

/// The options of `certify moderate` (the shared --seed and --data come from Contract.sharedOptions).
let options: OptionSpec list =
    [
        OptionSpec(
            "n",
            OptionKind.Integer,
            "20",
            "Samples of the generated data (unit-sphere inputs, ±1 labels)",
            GeneratedDataOnly = true,
            NotApplicableReason = "n is the number of rows of the data file"
        )
        OptionSpec(
            "d",
            OptionKind.Integer,
            "10",
            "Input dimension of the generated data",
            GeneratedDataOnly = true,
            NotApplicableReason = "d is the number of feature columns of the data file"
        )
        OptionSpec("k", OptionKind.Integer, "200", "Hidden width k (even)")
        OptionSpec(
            "activation",
            OptionKind.Text,
            "softplus",
            "softplus | tanh | sigmoid | erf | gelu | cos | identity (relu fails the smooth-case P4.C3)"
        )
        OptionSpec("nu", OptionKind.Real, "1", "Output scale ν: v has entries ±ν/√k")
        OptionSpec("optimizer", OptionKind.Choice, "gd", "gd | sgd (one sample per step)", Choices = [| "gd"; "sgd" |])
        OptionSpec("lr", OptionKind.Real, "", "Step size η (default: 1/β² for gd, 1/(nβ²) for sgd; β = B₁‖v‖‖X‖)")
        OptionSpec("steps", OptionKind.Long, "6000", "Step budget per run")
        OptionSpec("target-reduction", OptionKind.Real, "1e-06", "GD stops once L ≤ this × L(W₀)")
        OptionSpec(
            "trials",
            OptionKind.Integer,
            "5",
            "SGD: seeds the expectation is taken over",
            OnlyWith = OptionCondition("optimizer", [| "sgd" |]),
            NotApplicableReason = "trials are averaged for sgd only (gd is deterministic)"
        )
        OptionSpec("normalize", OptionKind.Flag, "false", "Scale the rows of --data to unit norm first (P4.C6)")
        OptionSpec(
            "trace-points",
            OptionKind.Integer,
            "400",
            "At most this many trace points in the certificate (the checks use every step)"
        )
    ]

/// Validates the options (every problem is an InvalidInputException with one line) and builds the data.
let setupOf (i: RunInput) : Setup =
    let k = Opt.int i "k"

    if k < 2 || k % 2 <> 0 then
        bad (sprintf "--k must be even and at least 2 (P4.C6: half the output weights +ν/√k, half −ν/√k), got %d" k)

    let nu = Opt.float i "nu"

    if not (Double.IsFinite nu) || nu <= 0.0 then
        bad (sprintf "--nu must be positive and finite, got %s" (r17 nu))

    let act = Activations.Parse(Opt.text i "activation")

    let opt =
        Optimizer.parse "moderate" [ Optimizer.Gd; Optimizer.Sgd ] (Opt.text i "optimizer")

    let maxSteps = Opt.int64AtLeast i "steps" 1L
    let targetReduction = Opt.fraction i "target-reduction"

    let trials = Opt.int i "trials"

    if trials < 1 || trials > 1000 then
        bad (sprintf "--trials must be between 1 and 1000, got %d" trials)

    let traceCount = Opt.intAtLeast i "trace-points" 2

    let lr = Opt.positiveOption i "lr"
    let normalize = Opt.flag i "normalize"

    if normalize && i.Data.IsNone then
        bad "--normalize needs --data (generated inputs are already unit norm)"

    let seed = Opt.seed i
    // Refuse before the data is generated: Σ(X), the NTK at every step and their eigensolvers hold a few n×n
    // matrices; the passes hold n×k arrays; W (k×d) is copied at about log₂(steps) snapshots.
    let n, dim = Opt.shape i

    if n >= 1 && dim >= 1 then
        let nf, df, kf = float n, float dim, float k

        ProblemSize.Require(
            sprintf "certify moderate with n = %d, d = %d and k = %d" n dim k,
            Array.max [| nf * nf; nf * kf; kf * df; nf * df |],
            (if nf >= kf && nf >= df then
                 "the n×n kernel"
             else
                 "an n×k or k×d array"),
            8.0 * nf * nf + 4.0 * nf * kf + 2.0 * nf * df + 24.0 * kf * df
        )

    let data, source =
        dataOf
            i
            (fun d ->
                if normalize then
                    Dataset.Create(normalizeRows d.X, d.Y), " (rows normalized to unit norm)"
                else
                    d, "")
            (fun n dim ->
                let x = DataGenerators.UnitSphereInputs(n, dim, seed)

                DataGenerators.RandomLabelDataset(x, seed),
                "generated: inputs uniform on the unit sphere (stream data/x), labels ±1 (stream data/y)")

    if int64 data.N * int64 k * int64 data.D > 200_000_000L then
        bad (sprintf "n·k·d = %d·%d·%d is too large for this check (at most 2e8)" data.N k data.D)

    {
        Data = data
        DataSource = source
        K = k
        Activation = act
        Nu = nu
        Optimizer = opt
        Seed = seed
        LearningRate = lr
        MaxSteps = maxSteps
        TargetReduction = targetReduction
        Trials = trials
        Normalized = normalize && i.Data.IsSome
        MaxTracePoints = traceCount
        Monitor = i.Monitor
    }

// ---------------------------------------------------------------------------------------------------------------
// Quantities at one point W
// ---------------------------------------------------------------------------------------------------------------

/// What the checks need at one visited W: λ_min and λ_max of K = JJᵀ (exact up to round-off), a certified lower
/// bound on λ_min (P4.R1's certified row), maxᵢ Kᵢᵢ = maxᵢ‖∇fᵢ‖², ‖r‖_∞.
type PointQuantities =
    {
        LambdaMin: float
        /// λ_min(J Jᵀ) ≥ this, certified (−∞ when nothing was certified).
        LambdaMinLower: float
        LambdaMax: float
        MaxDiagonal: float
        ResidualInf: float
    }

/// Exact quantities at W (the model's current parameters), via the closed-form Gram (P4.C1 fast path).
let pointQuantities (model: Mlp) (d: Dataset) =
    let g = ShallowJacobianBounds.GramWithLowerBound(model, d.X)
    let k = g.Gram
    let ev = g.Eigenvalues
    let r = MlpDifferentiation.Residuals(model, d.X, d.Y)

    {
        LambdaMin = ev[0]
        LambdaMinLower = g.LambdaMinLower
        LambdaMax = ev[ev.Length - 1]
        MaxDiagonal = Seq.init d.N (fun i -> k[i, i]) |> Seq.max
        ResidualInf = r |> Array.fold (fun m t -> max m (abs t)) 0.0
    }

/// Sampled estimate of ‖∇²L(θ)‖ (L = ½‖r‖²): power iteration on Hessian-vector products from a start vector drawn
/// from stream "p4/beta-h/{label}". |Rayleigh quotient| ≤ ‖H‖, so this never overestimates.
let hessianNormEstimate (model: Mlp) (d: Dataset) (theta: float[]) (seed: uint64) (label: string) =
    let m = model.Clone()
    m.SetParameters(ReadOnlySpan theta)

    let apply =
        Func<ReadOnlySpan<float>, float[]>(fun v ->
            MlpDifferentiation.HessianVectorProduct(m, d.X, d.Y, LossNormalization.HalfSum, v))

    let r =
        PowerIteration.LargestMagnitude(apply, m.ParameterCount, seed, "p4/beta-h/" + label, 300, 1e-9)

    abs r.Eigenvalue

// ---------------------------------------------------------------------------------------------------------------
// Running the instance
// ---------------------------------------------------------------------------------------------------------------

/// One logged run: the trainer's trace with the point quantities at every record.
type RunLog =
    {
        Result: TrainResult
        Steps: int64[]
        Losses: float[]
        GradNormSq: float[]
        Distances: float[]
        Points: PointQuantities[]
        /// θ at record indices 0, 1, 2, 4, 8, … and the last (where β̂_H is estimated).
        Snapshots: (int * float[]) list
    }

/// Records the point quantities of every logged W as trace columns, and keeps θ at logged indices 0, 1, 2, 4, 8, …
/// (where β̂_H is estimated).
type private PointObserver(model0: Mlp, d: Dataset) =
    let work = model0.Clone()
    let snaps = Collections.Generic.List<int * float[]>()
    let mutable calls = 0

    /// θ at logged indices 0, 1, 2, 4, 8, …
    member _.Snapshots = snaps

    interface ITraceObserver with
        member _.Columns =
            [| "lambdaMinNtk"; "lambdaMaxNtk"; "maxDiagonal"; "residualInf"; "lambdaMinNtkLower" |]

        member _.Observe(_, _, theta, values) =
            let c = calls
            calls <- calls + 1

            if c = 0 || (c &&& (c - 1)) = 0 then
                snaps.Add((c, theta.ToArray()))

            work.SetParameters theta
            let q = pointQuantities work d
            values[0] <- q.LambdaMin
            values[1] <- q.LambdaMax
            values[2] <- q.MaxDiagonal
            values[3] <- q.ResidualInf
            values[4] <- q.LambdaMinLower

let private runLogged
    (monitor: IRunMonitor)
    (optimizer: Optimizer)
    (model0: Mlp)
    (d: Dataset)
    (options: TrainerOptions)
    =
    let observer = PointObserver(model0, d)
    let snaps = observer.Snapshots
    let objective = MlpObjective(model0, d.X, d.Y, LossNormalization.HalfSum)
    let theta0 = model0.GetParameters()

    let result =
        optimizer.Trainer.Run(objective, ReadOnlySpan theta0, options.ObservedBy(observer).MonitoredBy monitor)
    // A run stopped by the budget or Ctrl-C is not a result: it ends the analysis.
    if result.Status = TrainStatus.Cancelled then
        monitor.Cancellation.ThrowIfCancellationRequested()

    let tr = result.Trace
    // Each column copied once (TrainingTrace.Observed returns a fresh array), not once per point.
    let lambdaMin = tr.Observed "lambdaMinNtk"
    let lambdaMax = tr.Observed "lambdaMaxNtk"
    let maxDiagonal = tr.Observed "maxDiagonal"
    let residualInf = tr.Observed "residualInf"
    let lambdaMinLower = tr.Observed "lambdaMinNtkLower"

    let points =
        Array.init tr.Count (fun i ->
            {
                LambdaMin = lambdaMin[i]
                LambdaMinLower = lambdaMinLower[i]
                LambdaMax = lambdaMax[i]
                MaxDiagonal = maxDiagonal[i]
                ResidualInf = residualInf[i]
            })

    let last = tr.Count - 1

    let snapshots =
        if snaps |> Seq.exists (fun (c, _) -> c = last) then
            List.ofSeq snaps
        else
            List.ofSeq snaps @ [ last, Array.copy result.Parameters ]

    {
        Result = result
        Steps = tr.Records |> Seq.map (fun r -> r.Step) |> Seq.toArray
        Losses = tr.Losses()
        GradNormSq = tr.GradientNormsSquared()
        Distances = tr.DistancesL2()
        Points = points
        Snapshots = snapshots
    }

/// Everything computed about one instance; the checks are functions of it.
type Analysis =
    {
        Setup: Setup
        Model0: Mlp
        N: int
        /// max over rows of |‖xᵢ‖ − 1| (P4.C6).
        RowNormDeviation: float
        /// v is exactly half +ν/√k, half −ν/√k (P4.C6).
        OutputLayerOk: bool
        Kernel: InfiniteWidthKernelResult
        SigmaLambdaMax: float
        LambdaMinInputGram: float
        MuPhi: float
        /// μ_φ²·λ_min(XXᵀ) (P4.C7), NaN when rows are not unit norm.
        MuPhiBound: float
        Bounds: ShallowJacobianBoundsResult
        /// α = σ_min(J(W₀)) (exact).
        Alpha: float
        /// λ_max(J(W₀)J(W₀)ᵀ) (exact).
        K0LambdaMax: float
        R0: float
        L0: float
        /// R = 4‖r₀‖/α.
        Radius: float
        /// α²/(L·‖r₀‖): the c of α² ≥ c·L‖r₀‖ must be at most this.
        MetaRatio: float
        /// ‖v‖_∞·B₂·‖X‖²: the residual-curvature coefficient of the certified Hessian bound.
        HessianCurvature: float
        /// β² + 2‖v‖_∞B₂‖X‖²‖r₀‖, the certified sup‖∇²L‖ of the derived form (theory/P4-moderate.md).
        BetaHBall: float
        /// Certified lower bound on σ_min(J) over the ball the P4.C4 row names: B(W₀, R*) when the ball is
        /// established, else B(W₀, 4ρ/s₀) (s₀ = AlphaLower, ρ = R0Upper); 0 when L = ∞ or s₀ = 0.
        AlphaBall: float
        /// σ_min(J(W₀)) ≥ this (certified: shifted Cholesky with the Gram's rounding error, P4.C1).
        AlphaLower: float
        /// ‖r₀‖ ≤ this (certified: the forward pass's rounding error added).
        R0Upper: float
        /// The meta-theorem's ball, established by the certified Lipschitz argument: (α*, R* = 4‖r₀‖/α*, certified
        /// lower bound on σ_min(J) over B(W₀, R*)); None when σ_min(J(W₀))² < 16·L·‖r₀‖ (certified numbers).
        Ball: (float * float * float) option
        /// The smallest σ_min(J(W_τ)) = √λ_min(K) among visited points inside B(W₀, R), R = 4‖r₀‖/α with α = σ_min(J(W₀)),
        /// and its distance ‖W_τ − W₀‖_F: a witness against σ_min ≥ α on that ball when below α.
        BallWitness: float * float
        Eta: float
        EtaChoice: string
        BetaHat: float
        Runs: RunLog list
        /// Per-step observed ‖r_{τ+1}‖²/‖r_τ‖² (GD; index τ).
        Ratios: float[]
        QEstimated: float[]
        QCertified: float[]
        /// Certified β_H on the segment [W_τ, W_{τ+1}] (GD).
        BetaHCertified: float[]
        /// min over visited points of α̂² = λ_min(K).
        AlphaHatSqMin: float
        /// The logged steps, loss and envelope of the reported run (GD: the run; SGD: the mean over trials).
        Steps: int64[]
        Losses: float[]
        GradNormSq: float[]
        Distances: float[]
        NtkLambda: float[]
        Envelope: float[]
        /// SGD: the factor q of the in-expectation bound E L_{τ+1} ≤ q·L_τ (NaN for GD).
        QSgd: float
        MaxDiagonal: float
    }

let private isGd (s: Setup) = s.Optimizer = Optimizer.Gd

/// The default step: 1/β² for GD (the meta-theorem's η ≤ 1/β², at its limit), 1/(nβ²) for SGD with one sample per
/// step (the engine scales the sample's gradient by n, so the expected step is η∇L and the sampled one n times larger).
let defaultStep (s: Setup) (beta: float) =
    if isGd s then
        1.0 / (beta * beta), "1/β² (meta-theorem limit)"
    else
        1.0 / (float s.Data.N * beta * beta), "1/(nβ²) (one sample per step)"

/// The meta-theorem's ball hypothesis by the certified Lipschitz argument (theory/P4-moderate.md, P4.C4): on
/// B(W₀, R), σ_min(J) ≥ s₀ − L·R with s₀ ≤ σ_min(J(W₀)) certified. With R = 4ρ/α (ρ ≥ ‖r₀‖), σ_min ≥ α holds on the
/// whole ball when s₀ − 4Lρ/α ≥ α, i.e. α² − s₀α + 4Lρ ≤ 0: some α works iff s₀² ≥ 16Lρ, the largest being
/// α* = (s₀ + √(s₀² − 16Lρ))/2. Returns (α*, R*, s₀ − L·R*), re-checked with every operation rounded against it;
/// None when no α passes.
/// The radius 4ρ/α rounded up and the lower bound s₀ − L·R on σ_min(J) over B(W₀, R) rounded down (P4.C4's ball).
let ballRadiusAndLower (s0: float) (lipschitz: float) (rho: float) (alpha: float) =
    let u = CertifiedEigenvalue.UnitRoundoff
    let r = 4.0 * rho / alpha * (1.0 + 4.0 * u)
    r, (s0 - lipschitz * r * (1.0 + 2.0 * u)) * (1.0 - 2.0 * u)

let certifiedBall (s0: float) (lipschitz: float) (rho: float) =
    let u = CertifiedEigenvalue.UnitRoundoff

    if not (s0 > 0.0) || not (Double.IsFinite lipschitz) || not (Double.IsFinite rho) then
        None
    else
        let passes (alpha: float) =
            let r, lower = ballRadiusAndLower s0 lipschitz rho alpha

            if alpha > 0.0 && lower >= alpha then
                Some(alpha, r, lower)
            else
                None

        let disc = s0 * s0 - 16.0 * lipschitz * rho

        if disc < 0.0 then
            None
        else
            // The larger root gives the fastest rate; rounding can put it a hair outside, so back off to the
            // vertex s₀/2 (the most robust choice) when it does.
            match passes ((s0 + sqrt disc) / 2.0 * (1.0 - 8.0 * u)) with
            | Some b -> Some b
            | None -> passes (s0 / 2.0)

/// Builds the P4 initialization, trains, and computes every quantity the checks use.
let analyze (s: Setup) : Analysis =
    let d = s.Data
    let n = d.N
    let x = d.X
    let m = s.Monitor
    m.Phase(sprintf "P4.C2/C7: infinite-width kernel Σ(X) and its spectrum (%d×%d)" n n)
    let model0 = Initializers.P4TwoLayer(d.D, s.K, s.Activation, s.Nu, s.Seed)
    let v = model0.Layers[1].Weight.Data
    let e = s.Nu / sqrt (float s.K)

    let outputOk =
        v
        |> Array.mapi (fun j t -> t = (if j < s.K / 2 then e else -e))
        |> Array.forall id

    let rowDev =
        Seq.init n (fun i ->
            let mutable q = 0.0

            for j in 0 .. d.D - 1 do
                q <- q + x[i, j] * x[i, j]

            abs (sqrt q - 1.0))
        |> Seq.max

    let unitRows = rowDev <= InfiniteWidthKernel.UnitNorm.Absolute
    let kern = InfiniteWidthKernel.Evaluate(x, s.Activation)
    let sigmaEv = SymmetricEigen.Eigenvalues kern.Sigma
    let lamXX = (SymmetricEigen.Eigenvalues(Blas.Gram x))[0]
    let mu = InfiniteWidthKernel.MuPhi s.Activation

    let muBound =
        if unitRows then
            InfiniteWidthKernel.MuPhiLowerBound(x, s.Activation)
        else
            nan
    // A huge ν (or data) overflows J Jᵀ at W₀; the eigensolvers below would then fail on a non-finite matrix.
    if not (ShallowNtk.Gram(model0, x).IsFinite()) then
        bad (sprintf "the NTK J Jᵀ at W₀ overflows float64: --nu %s or the data is too large; rescale them" (r17 s.Nu))

    RunMonitor.ThrowIfStopped m
    m.Phase "P4.C1/C3/C4: Jacobian bounds at W₀"
    let jb = ShallowJacobianBounds.Compute(model0, x)
    let p0 = pointQuantities model0 d
    let alpha = jb.SigmaMin

    let r0 =
        sqrt (2.0 * MlpDifferentiation.Loss(model0, x, d.Y, LossNormalization.HalfSum))

    let l0 = 0.5 * r0 * r0

    if not (Double.IsFinite l0) then
        bad (
            sprintf
                "L(W₀) = %g overflows float64: the targets, the data or --nu %s are too large; rescale them"
                l0
                (r17 s.Nu)
        )
    // The trainers stop at step 0 on a non-finite ‖∇L(W₀)‖², before any point is probed.
    let g0 = Array.zeroCreate<float> model0.ParameterCount

    MlpObjective(model0, x, d.Y, LossNormalization.HalfSum)
        .ValueAndGradient(ReadOnlySpan(model0.GetParameters()), Span g0)
    |> ignore

    if not (Double.IsFinite(g0 |> Array.sumBy (fun g -> g * g))) then
        bad (
            sprintf
                "‖∇L(W₀)‖² overflows float64: --nu %s, the targets or the data are too large; rescale them"
                (r17 s.Nu)
        )

    let radius = if alpha > 0.0 then 4.0 * r0 / alpha else infinity
    let alphaLower = jb.SigmaMinLower
    // ‖r₀‖ rounded outward: the forward pass's error on each output, and the norm's own n + 2 roundings.
    let r0Upper =
        (r0 * (1.0 + float (n + 4) * CertifiedEigenvalue.UnitRoundoff)
         + sqrt (float n) * ShallowJacobianBounds.OutputErrorBound(model0, x))
        * (1.0 + 4.0 * CertifiedEigenvalue.UnitRoundoff)

    let ball = certifiedBall alphaLower jb.Lipschitz r0Upper
    let vInf = e
    // Rounded up (three products of certified upper bounds): the curvature term of every certified β_H.
    let curv =
        vInf
        * jb.SecondDerivativeSup
        * jb.XNorm
        * jb.XNorm
        * (1.0 + 8.0 * CertifiedEigenvalue.UnitRoundoff)

    let beta = jb.Beta
    let betaHBall = beta * beta + 2.0 * curv * r0

    let eta, etaChoice =
        match s.LearningRate with
        | Some eta -> eta, "given"
        | None -> defaultStep s beta

    let target = if isGd s then s.TargetReduction * l0 else 0.0
    RunMonitor.ThrowIfStopped m

    let runs =
        if isGd s then
            m.Phase "training (gd) with the NTK spectrum at every step"

            [
                runLogged
                    m
                    Optimizer.Gd
                    model0
                    d
                    (TrainerOptions(LearningRate = eta, Steps = s.MaxSteps, TargetLoss = target, LogEvery = 1L))
            ]
        else
            [
                for t in 0 .. s.Trials - 1 ->
                    let trialSeed = RandomStreams.For(s.Seed, sprintf "p4/sgd-trial/%d" t).NextUInt64()
                    m.Phase(sprintf "training (sgd), trial %d of %d" (t + 1) s.Trials)

                    runLogged
                        m
                        Optimizer.Sgd
                        model0
                        d
                        (TrainerOptions(
                            LearningRate = eta,
                            Steps = s.MaxSteps,
                            BatchSize = 1,
                            Seed = trialSeed,
                            LogEvery = int64 n
                        ))
            ]

    m.Phase "β̂_H along the run (power iteration on Hessian-vector products)"

    let betaHat =
        runs
        |> List.mapi (fun t run ->
            run.Snapshots
            |> List.filter (fun (c, _) -> t = 0 || c = run.Steps.Length - 1)
            |> List.map (fun (c, theta) -> hessianNormEstimate model0 d theta s.Seed (sprintf "%d/%d" t c)))
        |> List.concat
        |> List.max

    let alphaHatSqMin =
        runs
        |> List.collect (fun r -> r.Points |> Array.map (fun p -> max p.LambdaMin 0.0) |> Array.toList)
        |> List.min

    let witness =
        runs
        |> List.collect (fun r ->
            Array.zip r.Points r.Distances
            |> Array.filter (fun (_, dist) -> dist <= radius)
            |> Array.map (fun (p, dist) -> sqrt (max p.LambdaMin 0.0), dist)
            |> Array.toList)
        |> List.minBy fst

    let maxDiag =
        runs
        |> List.collect (fun r -> r.Points |> Array.map (fun p -> p.MaxDiagonal) |> Array.toList)
        |> List.max

    let lead = List.head runs

    let ratios, qEst, qCert, betaHCert =
        if isGd s then
            let m = lead.Losses.Length - 1

            let ratios =
                Array.init m (fun t ->
                    if lead.Losses[t] > 0.0 then
                        lead.Losses[t + 1] / lead.Losses[t]
                    else
                        nan)

            let q (betaH: float) (a2: float) =
                if Double.IsFinite betaH && eta * betaH <= 2.0 then
                    1.0 - 2.0 * eta * a2 * (1.0 - eta * betaH / 2.0)
                else
                    nan

            // The estimated factor uses the float λ_min; the certified one its certified lower bound, so that a
            // step above it is evidence against P4.R1 whatever the eigensolver's rounding.
            let a2 t = max lead.Points[t].LambdaMin 0.0
            let a2Lower t = max lead.Points[t].LambdaMinLower 0.0

            let bh =
                Array.init m (fun t ->
                    let step = eta * sqrt lead.GradNormSq[t]
                    // A few roundings on certified upper bounds: 16u up keeps β_H,τ an upper bound.
                    (beta * beta + curv * (lead.Points[t].ResidualInf + beta * step))
                    * (1.0 + 16.0 * CertifiedEigenvalue.UnitRoundoff))

            ratios, Array.init m (fun t -> q betaHat (a2 t)), Array.init m (fun t -> q bh[t] (a2Lower t)), bh
        else
            [||], [||], [||], [||]

    let qSgd =
        if isGd s then
            nan
        else
            1.0 - 2.0 * eta * alphaHatSqMin + eta * eta * betaHat * float n * maxDiag

    let steps, losses, grads, dists, ntk, envelope =
        if isGd s then
            // Envelope: L₀·Π_{s<τ} q_s with the certified per-step factors (smooth φ) or the estimated ones (relu).
            let qs = if Activations.IsSmooth s.Activation then qCert else qEst
            let env = Array.zeroCreate lead.Losses.Length
            env[0] <- l0

            for t in 1 .. env.Length - 1 do
                env[t] <-
                    (if Double.IsNaN qs[t - 1] then
                         nan
                     else
                         env[t - 1] * qs[t - 1])

            lead.Steps,
            lead.Losses,
            lead.GradNormSq,
            lead.Distances,
            lead.Points |> Array.map (fun p -> p.LambdaMin),
            env
        else
            let m = runs |> List.map (fun r -> r.Losses.Length) |> List.min

            let mean (f: RunLog -> float[]) =
                Array.init m (fun t -> runs |> List.averageBy (fun r -> (f r)[t]))

            let st = lead.Steps[0 .. m - 1]

            st,
            mean (fun r -> r.Losses),
            mean (fun r -> r.GradNormSq),
            mean (fun r -> r.Distances),
            mean (fun r -> r.Points |> Array.map (fun p -> p.LambdaMin)),
            st |> Array.map (fun k -> l0 * Math.Pow(qSgd, float k))

    {
        Setup = s
        Model0 = model0
        N = n
        RowNormDeviation = rowDev
        OutputLayerOk = outputOk
        Kernel = kern
        SigmaLambdaMax = sigmaEv[sigmaEv.Length - 1]
        LambdaMinInputGram = lamXX
        MuPhi = mu
        MuPhiBound = muBound
        Bounds = jb
        Alpha = alpha
        K0LambdaMax = p0.LambdaMax
        R0 = r0
        L0 = l0
        Radius = radius
        MetaRatio = alpha * alpha / (jb.Lipschitz * r0)
        HessianCurvature = curv
        BetaHBall = betaHBall
        AlphaBall =
            (match ball with
             | Some(_, _, lower) -> lower
             | None when Double.IsFinite jb.Lipschitz && alphaLower > 0.0 ->
                 max 0.0 (snd (ballRadiusAndLower alphaLower jb.Lipschitz r0Upper alphaLower))
             | None -> 0.0)
        AlphaLower = alphaLower
        R0Upper = r0Upper
        Ball = ball
        BallWitness = witness
        Eta = eta
        EtaChoice = etaChoice
        BetaHat = betaHat
        Runs = runs
        Ratios = ratios
        QEstimated = qEst
        QCertified = qCert
        BetaHCertified = betaHCert
        AlphaHatSqMin = alphaHatSqMin
        Steps = steps
        Losses = losses
        GradNormSq = grads
        Distances = dists
        NtkLambda = ntk
        Envelope = envelope
        QSgd = qSgd
        MaxDiagonal = maxDiag
    }

// ---------------------------------------------------------------------------------------------------------------
// The checks, each citing its ID in theory/P4-moderate.md
// ---------------------------------------------------------------------------------------------------------------

/// P4.C1: α = σ_min(J(W₀)) > 0, established by a certified lower bound (shifted Cholesky of the computed JJᵀ with its
/// rounding error and the Gram's formation error). Fails only where σ_min(J) = 0 exactly (n > kd, or two identical
/// inputs); a λ_min(JJᵀ) that float64 cannot separate from 0 is inconclusive, not a failure.
let c1 =
    {
        ConditionCheck.Id = "P4.C1"
        Statement =
            "α = σ_min(J(W₀)) > 0, JJᵀ = [φ′(XWᵀ)diag(v∘v)φ′(WXᵀ)] ⊙ XXᵀ: value a certified lower bound on σ_min(J(W₀)) (rounding included), threshold 0"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                let v =
                    if a.N > a.Setup.K * a.Setup.Data.D then
                        Verdict.Fails(
                            sprintf
                                "n = %d > kd = %d: J has more rows than columns, so σ_min(J) = 0"
                                a.N
                                (a.Setup.K * a.Setup.Data.D)
                        )
                    else
                        let pair = RowChecks.FirstIdenticalPair a.Setup.Data.X

                        if pair.HasValue then
                            let struct (i, j) = pair.Value

                            Verdict.Fails(
                                sprintf "inputs %d and %d are identical, so J has two equal rows and σ_min(J) = 0" i j
                            )
                        elif a.AlphaLower > 0.0 then
                            Verdict.Holds a.AlphaLower
                        else
                            Verdict.Inconclusive(
                                sprintf
                                    "σ_min(J(W₀)) = %g is within float64's rounding error of 0 (λ_min(JJᵀ)/λ_max = %g): no certified bound separates it from 0"
                                    a.Alpha
                                    (a.Alpha * a.Alpha / max a.K0LambdaMax Double.Epsilon)
                            )

                outcome a.AlphaLower 0.0 NumberStatus.Certified v
    }

/// Σ(X) by 2-D quadrature: λ(X) and its error bound (the difference of two quadrature orders) are estimates.
let private byQuadrature (a: Analysis) =
    a.Kernel.Status <> InfiniteWidthKernel.ClosedFormStatus

/// P4.C2 (closed-form Σ): λ(X) = λ_min(Σ(X)) > 0, decided when λ(X) exceeds its round-off bound. Exact.
let c2 =
    {
        ConditionCheck.Id = "P4.C2"
        Statement =
            "λ(X) = λ_min(Σ(X)) > 0, Σ(X) = E_w[φ′(Xw)φ′(Xw)ᵀ] ⊙ XXᵀ in closed form; holds only when λ(X) exceeds its certified error bound, fails only where Σ(X) is singular exactly"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                if byQuadrature a then
                    None
                else
                    let k = a.Kernel
                    let err = k.LambdaMinErrorBound

                    let x = a.Setup.Data.X
                    let pair = RowChecks.FirstIdenticalPair x
                    // Fails only where Σ(X) is singular exactly: identity's Σ = XXᵀ has rank ≤ d < n, and two equal
                    // inputs give two equal rows for every φ. A tiny but positive λ(X) below its certified error bound
                    // is undecided (issue 10: true-but-tiny hypotheses were reported as failing).
                    let v =
                        if k.LambdaMin > err then
                            Verdict.Holds(k.LambdaMin - err)
                        elif a.Setup.Activation = ActivationKind.Identity && x.Rows > x.Cols then
                            Verdict.Fails(
                                sprintf
                                    "identity: Σ(X) = XXᵀ has rank ≤ d = %d < n = %d, so λ(X) = 0 (the computed %g is round-off)"
                                    x.Cols
                                    x.Rows
                                    k.LambdaMin
                            )
                        elif pair.HasValue then
                            let struct (i, j) = pair.Value
                            Verdict.Fails(sprintf "inputs %d and %d are identical, so Σ(X) is singular: λ(X) = 0" i j)
                        else
                            Verdict.Inconclusive(
                                sprintf
                                    "λ(X) = %g does not exceed its certified error bound %g (λ(X)/λ_max = %g): float64 cannot decide it"
                                    k.LambdaMin
                                    err
                                    (k.LambdaMin / max a.SigmaLambdaMax Double.Epsilon)
                            )

                    outcome k.LambdaMin err NumberStatus.Exact v
    }

/// P4.C2 (Σ by quadrature): the same question on a quadrature λ(X) against an estimated error. The estimate can make
/// the verdict inconclusive (λ(X) numerically zero), never establish it; the meta-theorem's σ_min(J(W₀)) > 0 is
/// decided exactly by P4.C1, so nothing it promises rests on this premise.
let c2Quadrature =
    {
        ConditionCheck.Id = "P4.C2"
        Statement =
            "λ(X) = λ_min(Σ(X)) > 0 with Σ(X) by 2-D quadrature: value λ(X), threshold its estimated quadrature error (an estimate: never certified)"
        Role = ConditionRole.Premise
        Evaluate =
            fun a ->
                if not (byQuadrature a) then
                    None
                else
                    let k = a.Kernel
                    let err = k.LambdaMinErrorBound

                    let v =
                        if not (k.LambdaMin > Tolerances.numericallyZeroRatio * max a.SigmaLambdaMax 0.0) then
                            Verdict.Fails(
                                sprintf
                                    "the quadrature λ(X) = %g is numerically zero (λ_max(Σ) = %g)"
                                    k.LambdaMin
                                    a.SigmaLambdaMax
                            )
                        elif k.LambdaMin > err then
                            Verdict.Inconclusive(
                                sprintf
                                    "λ(X) = %g exceeds its estimated quadrature error %g; both are estimates, so not certified"
                                    k.LambdaMin
                                    err
                            )
                        else
                            Verdict.Inconclusive(
                                sprintf "λ(X) = %g does not exceed its estimated error %g (%s)" k.LambdaMin err k.Status
                            )

                    outcome k.LambdaMin err NumberStatus.Estimated v
    }

/// P4.C3: B₁ = sup|φ′| and B₂ = sup|φ″| finite (smooth case). Exact per activation; relu has B₂ = +∞.
let c3 =
    {
        ConditionCheck.Id = "P4.C3"
        Statement = "activation bounds |φ′| ≤ B₁, |φ″| ≤ B₂ with B = max(B₁, B₂) < ∞ (smooth case)"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                let b1 = a.Bounds.DerivativeSup
                let b2 = a.Bounds.SecondDerivativeSup
                let b = max b1 b2

                let v =
                    if Double.IsFinite b then
                        Verdict.Holds 0.0
                    else
                        Verdict.Fails(
                            sprintf
                                "%s: φ″ is unbounded (φ′ jumps), so the smooth-case theorem does not apply; the ReLU variant's overparameterization is a [gap]"
                                (Activations.Name a.Setup.Activation)
                        )

                outcome b infinity NumberStatus.Certified v
    }

/// P4.C4 (computable part): η ≤ 1/β², β = B₁‖v‖₂‖X‖ a certified bound on ‖J‖ everywhere.
let c4Step =
    {
        ConditionCheck.Id = "P4.C4"
        Statement =
            "meta-theorem step size: η ≤ 1/β², β = B₁·‖v‖₂·‖X‖ ≥ sup_W ‖J(W)‖ (certified): value η, threshold 1/β²"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                let lim = 1.0 / (a.Bounds.Beta * a.Bounds.Beta)

                let v =
                    if a.Eta <= lim then
                        Verdict.Holds(lim - a.Eta)
                    else
                        Verdict.Fails(sprintf "η = %g exceeds 1/β² = %g" a.Eta lim)

                // value η against threshold 1/β², as the statement reads (η ≤ 1/β²).
                outcome a.Eta lim NumberStatus.Certified v
    }

/// P4.C4 (ball): some α > 0 with σ_min(J) ≥ α on all of B(W₀, 4‖r₀‖/α), established by the certified Lipschitz
/// argument of certifiedBall. When it is not established the row is inconclusive and names the evidence of the run:
/// the smallest σ_min(J(W_τ)) met inside the ball of α = σ_min(J(W₀)).
let c4Ball =
    {
        ConditionCheck.Id = "P4.C4"
        Statement =
            "meta-theorem ball: σ_min(J) ≥ α on B(W₀, R), R = 4‖r₀‖/α, for some α > 0; certified via σ_min ≥ σ_min(J(W₀)) − L·R (needs σ_min(J(W₀))² ≥ 16·L·‖r₀‖): value that lower bound, threshold α"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                match a.Ball with
                | Some(alpha, _, lower) -> outcome lower alpha NumberStatus.Certified (Verdict.Holds(lower - alpha))
                | None ->
                    let lip = a.Bounds.Lipschitz
                    let s0 = a.AlphaLower
                    let wSigma, wDist = a.BallWitness

                    let evidence =
                        if wSigma < a.Alpha then
                            sprintf
                                "; the run met σ_min(J(W_τ)) = %g < α = σ_min(J(W₀)) = %g at distance %g inside B(W₀, %g), so the ball of that α fails"
                                wSigma
                                a.Alpha
                                wDist
                                a.Radius
                        else
                            sprintf
                                "; along the run σ_min(J(W_τ)) stayed ≥ %g inside B(W₀, %g) (visited points only: an estimate, it cannot establish the ball)"
                                wSigma
                                a.Radius

                    let why =
                        if not (Double.IsFinite lip) then
                            "J is not Lipschitz for this activation (L = ∞), so no certified argument covers the ball"
                        elif not (s0 > 0.0) then
                            "σ_min(J(W₀)) has no certified positive lower bound (P4.C1)"
                        else
                            sprintf
                                "not established: the certified argument needs σ_min(J(W₀))² ≥ 16·L·‖r₀‖, here %g < %g (ratio %g)"
                                (s0 * s0)
                                (16.0 * lip * a.R0Upper)
                                (s0 * s0 / (16.0 * lip * a.R0Upper))

                    outcome a.AlphaBall s0 NumberStatus.Certified (Verdict.Inconclusive(why + evidence))
    }

/// P4.C4 (c-dependent part): α² ≥ c·L·‖r₀‖ with c unspecified, reported as the ratio α²/(L‖r₀‖). Measurement.
let c4Ratio =
    {
        ConditionCheck.Id = "P4.C4"
        Statement =
            "meta-theorem on B(W₀, R), R = 4‖r₀‖/α: α² ≥ c·L·‖r₀‖ with c unspecified; value α², threshold L·‖r₀‖ (L certified)"
        Role = ConditionRole.Measurement
        Evaluate =
            fun a ->
                let lip = a.Bounds.Lipschitz

                let v =
                    if not (Double.IsFinite lip) then
                        Verdict.Inconclusive
                            "J is not Lipschitz for this activation (L = ∞), so no c makes the condition hold"
                    else
                        let derived = a.MetaRatio >= 8.0 && a.Eta * a.BetaHBall <= 1.0

                        let why =
                            sprintf
                                "c is unspecified: α² ≥ c·L‖r₀‖ holds for every c ≤ %g; the derived form (c = 8 with η·β_H ≤ 1, theory/P4-moderate.md) %s"
                                a.MetaRatio
                                (if derived then "holds" else "does not hold")

                        if derived then
                            Verdict.Holds(a.MetaRatio - 8.0)
                        else
                            Verdict.Inconclusive why

                outcome (a.Alpha * a.Alpha) (lip * a.R0) NumberStatus.Certified v
    }

/// P4.C5's two sides: √(kd) and B·κ(X)·n, B = max(B₁, B₂) (B₁ alone where B₂ is unbounded, as for relu).
let c5Sides (a: Analysis) =
    // B comes from the one definition the sweep uses too (ShallowJacobianBounds.OverparameterizationFactor).
    let b = ShallowJacobianBounds.OverparameterizationFactor a.Setup.Activation
    sqrt (float a.Setup.K * float a.Setup.Data.D), b * a.Kernel.Kappa * float a.N

/// P4.C5: √(kd) vs B·κ(X)·n, reported as a ratio (scaling only; constant unspecified). Measurement.
let c5 =
    {
        ConditionCheck.Id = "P4.C5"
        Statement = "overparameterization √(kd) ≳ B·κ(X)·n (constant unspecified): value √(kd), threshold B·κ(X)·n"
        Role = ConditionRole.Measurement
        Evaluate =
            fun a ->
                let value, thr = c5Sides a
                let ratio = value / thr
                // κ(X) = √(d/n)‖X‖/λ(X) is only as good as λ(X): an estimate when Σ(X) comes from quadrature.
                let status =
                    if byQuadrature a then
                        NumberStatus.Estimated
                    else
                        NumberStatus.Exact

                outcome
                    value
                    thr
                    status
                    (Verdict.Inconclusive(sprintf "scaling only: √(kd) ≥ c·B·κ(X)·n holds for every c ≤ %g" ratio))
    }

/// P4.C6: unit-norm rows and the ±ν/√k output layer. Exact.
let c6 =
    {
        ConditionCheck.Id = "P4.C6"
        Statement = "instance shape: ‖xᵢ‖ = 1 (value max|‖xᵢ‖ − 1| ≤ 1e-10) and v half +ν/√k, half −ν/√k, frozen"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                let thr = InfiniteWidthKernel.UnitNorm.Absolute

                let v =
                    if not a.OutputLayerOk then
                        Verdict.Fails "the output layer is not half +ν/√k, half −ν/√k"
                    elif a.RowNormDeviation <= thr then
                        Verdict.Holds(thr - a.RowNormDeviation)
                    else
                        Verdict.Fails(
                            sprintf
                                "rows are not unit norm (max|‖xᵢ‖ − 1| = %g); pass --normalize to scale them"
                                a.RowNormDeviation
                        )

                outcome a.RowNormDeviation thr NumberStatus.Exact v
    }

/// P4.C7 (closed-form Σ): λ(X) (plus its error bound) ≥ μ_φ²·λ_min(XXᵀ), a certified lower bound for unit-norm rows.
let c7 =
    {
        ConditionCheck.Id = "P4.C7"
        Statement =
            "λ(X) ≥ μ_φ²·λ_min(XXᵀ) (certified for unit-norm rows; useful when d ≥ n): value λ(X) + error bound, threshold μ_φ²λ_min(XXᵀ)"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                if Double.IsNaN a.MuPhiBound || byQuadrature a then
                    None
                else
                    let value = a.Kernel.LambdaMin + a.Kernel.LambdaMinErrorBound

                    let v =
                        if Tolerances.roundOff.AcceptsAtLeast(a.MuPhiBound, value) then
                            Verdict.Holds(value - a.MuPhiBound)
                        else
                            Verdict.Fails(
                                sprintf
                                    "λ(X) = %g is below the certified bound %g: the kernel is wrong"
                                    a.Kernel.LambdaMin
                                    a.MuPhiBound
                            )

                    outcome value a.MuPhiBound NumberStatus.Certified v
    }

/// P4.C7 (Σ by quadrature): the quadrature λ(X) plus its estimated error against the certified μ_φ²·λ_min(XXᵀ). The
/// value is an estimate, so agreement certifies nothing; falling below the certified bound refutes the quadrature
/// and makes the verdict inconclusive.
let c7Quadrature =
    {
        ConditionCheck.Id = "P4.C7"
        Statement =
            "consistency of the quadrature λ(X) with the certified λ(X) ≥ μ_φ²·λ_min(XXᵀ) (unit-norm rows): value λ(X) + estimated error (estimated), threshold μ_φ²λ_min(XXᵀ)"
        Role = ConditionRole.Premise
        Evaluate =
            fun a ->
                if Double.IsNaN a.MuPhiBound || not (byQuadrature a) then
                    None
                else
                    let value = a.Kernel.LambdaMin + a.Kernel.LambdaMinErrorBound

                    let v =
                        if Tolerances.roundOff.AcceptsAtLeast(a.MuPhiBound, value) then
                            Verdict.Inconclusive(
                                sprintf
                                    "the quadrature estimate %g is consistent with the certified bound %g; an estimate, so not certified"
                                    value
                                    a.MuPhiBound
                            )
                        else
                            Verdict.Fails(
                                sprintf
                                    "the quadrature λ(X) = %g is below the certified bound %g: the quadrature is wrong"
                                    a.Kernel.LambdaMin
                                    a.MuPhiBound
                            )

                    outcome value a.MuPhiBound NumberStatus.Estimated v
    }

let private perStep (a: Analysis) (q: float[]) status note =
    // Envelope.atMost treats index 0 as the trivial f(w₀) = f(w₀) point; ratio 0 is a real step (τ = 0 → 1), so a
    // skipped (NaN) entry is put in front and the indices shifted back.
    // A ratio L_{τ+1}/L_τ carries the rounding of both losses, lossResolution·L₀ each, relative to L_τ: the slack
    // grows as the loss shrinks, so a tiny late loss cannot refute by rounding alone.
    let tolAt k =
        if k = 0 then
            Tolerances.rate
        else
            let lt = a.Losses[k - 1]

            Numerics.Tolerance(
                Tolerances.rate.Absolute + 2.0 * Tolerances.lossResolution * a.L0 / lt,
                Tolerances.rate.Relative
            )

    let holds, shifted, slack =
        Envelope.atMostWith tolAt (Array.append [| nan |] q) (Array.append [| nan |] a.Ratios)

    let worst = shifted - 1
    // worst < 0: every step was skipped (NaN factor), so nothing was checked and nothing may be reported as holding.
    if worst < 0 then
        None
    else
        Some
            {
                Bound = q[worst]
                Observed = a.Ratios[worst]
                Sense = Sense.AtMost
                Status = status
                Holds = holds
                Slack = slack
                WorstStep = a.Steps[worst]
                Note = note
            }

/// P4.R1 with the sampled β̂_H: ‖r_{τ+1}‖² ≤ (1 − 2ηα̂_τ²(1 − ηβ̂_H/2))‖r_τ‖² at every GD step. Estimated.
let r1Estimated =
    {
        PredictionCheck.Id = "P4.R1"
        Statement =
            "per-step contraction ‖r_{τ+1}‖²/‖r_τ‖² ≤ 1 − 2ηα̂_τ²(1 − ηβ̂_H/2), α̂_τ = σ_min(J(W_τ)) exact, β̂_H sampled"
        Kind = PredictionKind.Bound
        Evaluate =
            fun a ->
                if not (isGd a.Setup) || a.Ratios.Length = 0 then
                    None
                else
                    perStep
                        a
                        a.QEstimated
                        NumberStatus.Estimated
                        (sprintf "β̂_H = %g by power iteration at visited points (an estimate of the sup)" a.BetaHat)
    }

/// P4.R1 with the certified per-segment β_H = β² + ‖v‖_∞B₂‖X‖²(‖r_τ‖_∞ + β‖ΔW_τ‖) (smooth φ). Certified.
let r1Certified =
    {
        PredictionCheck.Id = "P4.R1"
        Statement =
            "per-step contraction with certified β_H,τ = β² + ‖v‖_∞B₂‖X‖²(‖r_τ‖_∞ + β‖W_{τ+1} − W_τ‖) ≥ sup‖∇²L‖ on the step"
        Kind = PredictionKind.Bound
        Evaluate =
            fun a ->
                if
                    not (isGd a.Setup)
                    || a.Ratios.Length = 0
                    || not (Activations.IsSmooth a.Setup.Activation)
                then
                    None
                else
                    let worstBh = Array.max a.BetaHCertified

                    perStep
                        a
                        a.QCertified
                        NumberStatus.Certified
                        (sprintf
                            "α̂_τ² a certified lower bound on λ_min(J Jᵀ), β_H,τ certified (largest %g); steps with ηβ_H,τ > 2 are skipped"
                            worstBh)
    }

/// P4.R2: ‖W_τ − W₀‖_F ≤ R = 4‖r₀‖/α, promised under the c-dependent P4.C4. Conditional bound.
let r2 =
    {
        PredictionCheck.Id = "P4.R2"
        Statement = "the run stays near initialization: max_τ ‖W_τ − W₀‖_F ≤ R = 4‖r₀‖/α"
        Kind = PredictionKind.ConditionalBound
        Evaluate =
            fun a ->
                // R = 4‖r₀‖/α is infinite when α = 0 (P4.C1 fails then): an infinite bound checks nothing.
                if not (Double.IsFinite a.Radius) then
                    None
                else
                    let observed = a.Runs |> List.map (fun r -> Array.max r.Distances) |> List.max

                    let holds, slack =
                        Envelope.single (Tolerances.rateAt a.Radius) Sense.AtMost a.Radius observed

                    Some
                        {
                            Bound = a.Radius
                            Observed = observed
                            Sense = Sense.AtMost
                            Status = NumberStatus.Exact
                            Holds = holds
                            Slack = slack
                            WorstStep = -1L
                            Note =
                                sprintf
                                    "promised when α² ≥ c·L‖r₀‖ (ratio %g, c unspecified)%s"
                                    a.MetaRatio
                                    (if isGd a.Setup then
                                         ""
                                     else
                                         sprintf "; max over %d SGD trials" a.Setup.Trials)
                        }
    }

/// Least-squares slope of ln L against the step over the last 90% of a run: the fitted per-step factor.
let fittedFactor (steps: int64[]) (losses: float[]) =
    let idx =
        [|
            for i in steps.Length / 10 .. steps.Length - 1 do
                if losses[i] > 0.0 then
                    i
        |]

    if idx.Length < 2 then
        nan
    else
        let xs = idx |> Array.map (fun i -> float steps[i])
        let ys = idx |> Array.map (fun i -> log losses[i])
        let mx = Array.average xs
        let my = Array.average ys
        let sxy = Array.fold2 (fun acc x y -> acc + (x - mx) * (y - my)) 0.0 xs ys
        let sxx = xs |> Array.sumBy (fun x -> (x - mx) * (x - mx))
        if sxx > 0.0 then exp (sxy / sxx) else nan

/// P4.R3 (GD): geometric decay, fitted per-step factor vs 1 − 2η·min α̂²(1 − ηβ̂_H/2). Measurement (c′ unverified).
let r3Gd =
    {
        PredictionCheck.Id = "P4.R3"
        Statement = "geometric convergence: fitted per-step factor of L vs the predicted 1 − 2η·min_τ α̂_τ²·(1 − ηβ̂_H/2)"
        Kind = PredictionKind.Measurement
        Evaluate =
            fun a ->
                if not (isGd a.Setup) then
                    None
                else
                    let observed = fittedFactor a.Steps a.Losses
                    let bound = 1.0 - 2.0 * a.Eta * a.AlphaHatSqMin * (1.0 - a.Eta * a.BetaHat / 2.0)
                    let holds, slack = Envelope.single Tolerances.rate Sense.AtMost bound observed

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
                                    "least squares on ln L over the last 90%% of %d logged steps; L_T/L₀ = %g (run %s)"
                                    a.Steps.Length
                                    (a.Losses[a.Losses.Length - 1] / a.L0)
                                    (a.Runs.Head.Result.Status.ToString().ToLowerInvariant())
                        }
    }

/// P4.R3 (SGD): mean over trials of L_τ/L₀ ≤ q^τ with q = 1 − 2η·min α̂² + η²β̂_H·n·maxᵢ‖∇fᵢ‖². Estimated.
let r3Sgd =
    {
        PredictionCheck.Id = "P4.R3"
        Statement = "SGD in expectation: mean over trials of L_τ ≤ q^τ·L₀, q = 1 − 2η·min α̂² + η²·β̂_H·n·maxᵢ‖∇fᵢ‖²"
        Kind = PredictionKind.Bound
        Evaluate =
            fun a ->
                if isGd a.Setup || not (Tolerances.resolvable a.L0) then
                    None
                else
                    let holds, worst, slack =
                        Envelope.atMost (Tolerances.rateAt a.L0) a.Envelope a.Losses

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
                            Note =
                                sprintf
                                    "q = %.9g over %d trials%s; min α̂², β̂_H and maxᵢ‖∇fᵢ‖² are sampled at visited points"
                                    a.QSgd
                                    a.Setup.Trials
                                    (if a.QSgd >= 1.0 then
                                         " (q ≥ 1: the bound is vacuous at this η)"
                                     else
                                         "")
                        }
    }

/// P4.R5: kernel concentration λ_min(J(W₀)J(W₀)ᵀ)/ν² vs λ(X) at width k. Sampled, report only.
let r5 =
    {
        PredictionCheck.Id = "P4.R5"
        Statement = "kernel concentration: λ_min(J(W₀)J(W₀)ᵀ)/ν² ≈ λ(X) (E[JJᵀ] = ν²Σ(X), deviation O(1/√k))"
        Kind = PredictionKind.Measurement
        Evaluate =
            fun a ->
                let observed = a.Alpha * a.Alpha / (a.Setup.Nu * a.Setup.Nu)
                let bound = a.Kernel.LambdaMin
                let slack = if bound <> 0.0 then observed / bound else nan

                Some
                    {
                        Bound = bound
                        Observed = observed
                        Sense = Sense.AtLeast
                        Status = NumberStatus.Estimated
                        Holds = abs (slack - 1.0) <= Tolerances.kernelConcentrationFactor
                        Slack = slack
                        WorstStep = 0L
                        Note =
                            sprintf
                                "one draw of W₀ at k = %d; 'holds' means within a factor 1 ± %g"
                                a.Setup.K
                                Tolerances.kernelConcentrationFactor
                    }
    }

/// The P4 theorem as data.
let theorem: TheoremDefinition<Analysis> =
    {
        Id = "P4"
        Title = "Moderate overparameterization of shallow networks"
        Reference =
            "S. Oymak, M. Soltanolkotabi, Towards moderate overparameterization: global convergence guarantees for training shallow neural networks, arXiv 1902.04674 (IEEE JSAIT 2020)"
        Statement =
            "For f(x) = vᵀφ(Wx) with W ∈ ℝ^{k×d} trained from i.i.d. N(0, 1), v fixed (half +ν/√k, half −ν/√k), unit-norm "
            + "inputs and L(W) = ½‖f(W) − y‖²: if on B(W₀, R), R = 4‖r₀‖/α, σ_min(J) ≥ α, ‖J‖ ≤ β, J is L-Lipschitz and "
            + "α² ≥ c·L·‖r₀‖, then GD with η ≤ 1/β² stays in the ball and converges geometrically (SGD in expectation). "
            + "Here c is an unspecified absolute constant, so 'hypotheses verified' means the computable parts hold "
            + "(α = σ_min(J(W₀)) > 0, B < ∞, unit-norm inputs and the ±ν/√k layer, η ≤ 1/β², and for a closed-form Σ(X) "
            + "λ(X) > 0 beyond its error bound and consistent with the certified μ_φ² bound; a quadrature λ(X) is an estimate, "
            + "a premise that can make the verdict inconclusive, never verify it); α²/(L‖r₀‖) is reported as a measurement, and the ball "
            + "containment it promises can make the verdict inconclusive, never refuted. The per-step contraction "
            + "‖r_{τ+1}‖² ≤ (1 − 2ηα̂_τ²(1 − ηβ_H/2))‖r_τ‖² is the descent lemma and holds without c."
        Hypotheses = [ c1; c2; c2Quadrature; c3; c4Step; c4Ball; c4Ratio; c5; c6; c7; c7Quadrature ]
        Conclusions = [ r1Certified; r1Estimated; r2; r3Gd; r3Sgd; r5 ]
        NotChecked =
            [
                "P4.R4",
                "phase transition over a grid of (n, kd): a sweep over many instances, not a property of one run; its grid is a [gap] in papers.md §4.5"
            ]
    }

// ---------------------------------------------------------------------------------------------------------------
// Certificate: quantity groups and trace columns
// ---------------------------------------------------------------------------------------------------------------

/// The numbers of an analysis, grouped for the certificate.
let quantities (a: Analysis) : QuantityGroup list =
    let s = a.Setup
    let b = a.Bounds
    let k = a.Kernel
    let q = quantity
    // λ(X), κ(X) and the P4.C5 ratio are exact for a closed-form Σ(X), estimates when it comes from quadrature.
    let kernelStatus =
        if k.Status = InfiniteWidthKernel.ClosedFormStatus then
            NumberStatus.Exact
        else
            NumberStatus.Estimated
    // μ_φ has a closed form except for tanh and sigmoid, where it is a 1-D quadrature without an error bound; the
    // P4.C7 bound is certified only given an exact μ_φ.
    let muByQuadrature =
        s.Activation = ActivationKind.Tanh || s.Activation = ActivationKind.Sigmoid

    let muStatus =
        if muByQuadrature then
            NumberStatus.Estimated
        else
            NumberStatus.Exact

    let muBoundStatus =
        if muByQuadrature then
            NumberStatus.Estimated
        else
            NumberStatus.Certified

    [
        QuantityGroup(
            "alpha",
            "α = σ_min(J): at W₀ (decides P4.C1), along the run, and on the ball",
            true,
            [|
                q "initial" a.Alpha NumberStatus.Exact "α = σ_min(J(W₀)) = √λ_min(J Jᵀ), closed-form Gram (P4.C1)"
                q
                    "trajectory"
                    (sqrt a.AlphaHatSqMin)
                    NumberStatus.Estimated
                    "min over visited W_τ of σ_min(J(W_τ)): exact at each point, sampled as an infimum"
                q
                    "ball"
                    a.AlphaBall
                    NumberStatus.Certified
                    "max(0, s₀ − L·R) on the ball of P4.C4 (R* when established, else 4‖r₀‖/s₀), rounding included: σ_min is 1-Lipschitz in J, J is L-Lipschitz"
            |]
        )
        QuantityGroup(
            "initialization",
            "Output layer, ball and step",
            true,
            [|
                q "ν" s.Nu NumberStatus.Exact "v entries ±ν/√k, frozen"
                q "R" a.Radius NumberStatus.Exact "R = 4‖r₀‖/α (meta-theorem ball)"
                q "L(W₀)" a.L0 NumberStatus.Exact "½‖f(W₀) − y‖²"
                q
                    "β̂_H"
                    a.BetaHat
                    NumberStatus.Estimated
                    "max over visited points of the power-iteration estimate of ‖∇²L‖"
                q "η" a.Eta NumberStatus.Exact ("step: " + a.EtaChoice)
            |]
        )
        QuantityGroup(
            "theory",
            "The theorem's constants",
            true,
            [|
                q
                    "lambda(X)"
                    k.LambdaMin
                    kernelStatus
                    (sprintf
                        "λ_min(Σ(X)), %s%s"
                        k.Status
                        (if k.QuadratureOrder > 0 then
                             sprintf
                                 " (2-D Gauss–Hermite, %d and %d nodes per dimension)"
                                 k.ComparisonOrder
                                 k.QuadratureOrder
                         else
                             ""))
                q "kappa(X)" k.Kappa kernelStatus "√(d/n)·‖X‖/λ(X)"
                q "beta" b.Beta NumberStatus.Certified "B₁·‖v‖₂·‖X‖ ≥ ‖J(W)‖ for every W"
                q
                    "L"
                    b.Lipschitz
                    NumberStatus.Certified
                    "B₂·‖v‖_∞·‖X‖·maxᵢ‖xᵢ‖: ‖J(W₁) − J(W₂)‖ ≤ L‖W₁ − W₂‖_F (∞ for relu)"
                q
                    "alpha^2/(L ||r0||)"
                    a.MetaRatio
                    NumberStatus.Certified
                    "meta-theorem ratio: c in α² ≥ c·L‖r₀‖ would need to be at most this"
            |]
        )
        QuantityGroup(
            "kernel and bounds",
            "Kernel, Jacobian bounds and step-size constants",
            false,
            [|
                q
                    "lambda(X) error bound"
                    k.LambdaMinErrorBound
                    (if byQuadrature a then
                         NumberStatus.Estimated
                     else
                         NumberStatus.Certified)
                    (if byQuadrature a then
                         "‖Σ_m − Σ_2m‖_F + n·ε·λ_max (Weyl): an estimate of the quadrature error"
                     else
                         "λ(X) minus a certified lower bound (shifted Cholesky with the closed form's entry error)")
                q
                    "quadrature max entry difference"
                    k.QuadratureErrorEstimate
                    NumberStatus.Estimated
                    "maxᵢⱼ |Σ_m − Σ_2m| (0 for closed forms)"
                q "||X||" b.XNorm NumberStatus.Certified "spectral norm of X (upper bound, rounding included)"
                q "lambda_min(XX^T)" a.LambdaMinInputGram NumberStatus.Exact "P4.C7 input"
                q "mu_phi" a.MuPhi muStatus "E[φ′(g)], g ~ N(0, 1)"
                q
                    "mu_phi^2 lambda_min(XX^T)"
                    a.MuPhiBound
                    muBoundStatus
                    "lower bound on λ(X) (P4.C7; NaN unless rows are unit norm)"
                q "B1" b.DerivativeSup NumberStatus.Certified "sup|φ′| (closed form rounded up)"
                q "B2" b.SecondDerivativeSup NumberStatus.Certified "sup|φ″| (closed form rounded up; ∞ for relu)"
                q "alpha" a.Alpha NumberStatus.Exact "σ_min(J(W₀))"
                q "||J(W0)||" b.SigmaMax NumberStatus.Exact "√λ_max(J Jᵀ) at W₀"
                q "||r0||" a.R0 NumberStatus.Exact "‖f(W₀) − y‖"
                // A bound on sup‖∇²L‖ along GD only where the derived form's condition holds (theory/P4-moderate.md):
                // α² ≥ 8·L·‖r₀‖ and η·β_H ≤ 1; elsewhere it bounds nothing, so it is not labelled certified.
                (let derived = a.MetaRatio >= 8.0 && a.Eta * a.BetaHBall <= 1.0

                 q
                     "beta_H ball"
                     a.BetaHBall
                     (if derived then
                          NumberStatus.Certified
                      else
                          NumberStatus.Estimated)
                     (if derived then
                          "β² + 2‖v‖_∞B₂‖X‖²‖r₀‖ ≥ sup‖∇²L‖ along GD (the derived form's condition holds)"
                      else
                          "β² + 2‖v‖_∞B₂‖X‖²‖r₀‖: a bound along GD only under α² ≥ 8L‖r₀‖ and ηβ_H ≤ 1, which fail here"))
                q "1/beta^2" (1.0 / (b.Beta * b.Beta)) NumberStatus.Certified "largest step the meta-theorem allows"
                q "sqrt(kd)/(B kappa(X) n)" (c5Sides a ||> (/)) kernelStatus "P4.C5 ratio"
                q "q SGD" a.QSgd NumberStatus.Estimated "factor of the SGD in-expectation bound (NaN for GD)"
                q
                    "trials"
                    (float (if s.Optimizer = Optimizer.Sgd then s.Trials else 1))
                    NumberStatus.Exact
                    "runs the trace averages over"
            |]
        )
    ]

/// The logged run as columns (GD: the run; SGD: the mean over trials).
/// The spectra the report draws: the NTK at initialization (P4.C1: its smallest eigenvalue is α²) and the
/// infinite-width kernel Σ(X) (P4.C2/P4.C7: its smallest eigenvalue is λ(X)). Both from the float eigensolver.
let spectra (a: Analysis) =
    let ntk0 = SymmetricEigen.Eigenvalues(ShallowNtk.Gram(a.Model0, a.Setup.Data.X))
    let sigma = SymmetricEigen.Eigenvalues(a.Kernel.Sigma)

    [|
        EigenSpectrum(
            "ntk0",
            "NTK J(W₀)J(W₀)ᵀ at initialization",
            NumberStatusKind.Estimated,
            "its smallest eigenvalue is α² = σ_min(J(W₀))² (P4.C1 decides on a certified lower bound)",
            ntk0
        )
        EigenSpectrum(
            "sigma",
            "infinite-width kernel Σ(X)",
            NumberStatusKind.Estimated,
            sprintf "its smallest eigenvalue is λ(X) (P4.C2, P4.C7; Σ by %s)" a.Kernel.Status,
            sigma
        )
    |]

let trace (a: Analysis) : TraceTable =
    let s = a.Setup
    let idx = thinIndices a.Steps.Length s.MaxTracePoints
    let pick (xs: float[]) = idx |> Array.map (fun i -> xs[i])

    let perPoint (xs: float[]) =
        idx |> Array.map (fun i -> if i < xs.Length then xs[i] else nan)

    let mean =
        if s.Optimizer = Optimizer.Sgd then
            NumberStatus.Estimated
        else
            NumberStatus.Exact

    let plRatio =
        Array.map2 (fun g l -> if l > 0.0 then g / l else nan) a.GradNormSq a.Losses

    TraceTable(
        [|
            column "step" ColumnRole.Index NumberStatus.Exact "step τ" (idx |> Array.map (fun i -> float a.Steps[i]))
            column
                "time"
                ColumnRole.Index
                NumberStatus.Exact
                "t = τη"
                (idx |> Array.map (fun i -> float a.Steps[i] * a.Eta))
            column "loss" ColumnRole.Observed mean "L(W_τ) = ½‖f(W_τ) − y‖² (SGD: mean over trials)" (pick a.Losses)
            column "gradNormSq" ColumnRole.Diagnostic mean "‖∇L(W_τ)‖²" (pick a.GradNormSq)
            column "distance" ColumnRole.Observed mean "‖W_τ − W₀‖_F (P4.R2 holds it against R)" (pick a.Distances)
            column "plRatio" ColumnRole.Diagnostic mean "‖∇L‖²/L" (pick plRatio)
            column "lambdaMinNtk" ColumnRole.Diagnostic mean "λ_min(J Jᵀ) at W_τ = α̂_τ²" (pick a.NtkLambda)
            column
                "envelope"
                ColumnRole.Bound
                NumberStatus.Estimated
                "L₀·Π q_s: per-step factors multiplied (P4.R1), or the SGD expectation bound (P4.R3)"
                (pick a.Envelope)
            // Index τ of the per-step arrays is the step τ → τ+1; the last logged point has no next step.
            column
                "contraction"
                ColumnRole.Observed
                mean
                "L_{τ+1}/L_τ, the observed per-step factor (GD)"
                (perPoint a.Ratios)
            column
                "contractionBound"
                ColumnRole.Bound
                NumberStatus.Certified
                "q_τ = 1 − 2ηα̂_τ²(1 − ηβ_H,τ/2) with certified β_H,τ (P4.R1; NaN where ηβ_H,τ > 2 or not GD)"
                (perPoint a.QCertified)
            column
                "radius"
                ColumnRole.Bound
                NumberStatus.Exact
                "R = 4‖r₀‖/α, the ball of the meta-theorem (P4.R2)"
                (idx |> Array.map (fun _ -> a.Radius))
        |],
        [|
            TracePlot("loss against the predicted envelope (P4.R1/P4.R3)", "step", "loss", "envelope", true)
            if isGd s && a.Ratios.Length > 0 then
                TracePlot(
                    "per-step contraction L_{τ+1}/L_τ against its certified bound (P4.R1)",
                    "step",
                    "contraction",
                    "contractionBound",
                    false
                )
            TracePlot("drift ‖W_τ − W₀‖_F against the radius R (P4.R2)", "step", "distance", "radius", false)
        |],
        Spectra = spectra a
    )

// ---------------------------------------------------------------------------------------------------------------
// The sweep trial (P4.R4: the phase transition of GD on random labels over (n, k))
// ---------------------------------------------------------------------------------------------------------------

/// The width of the teacher network of `--labels teacher`.
[<Literal>]
let TeacherWidth = 10

/// The largest n·k·d of one trial: its Jacobian has n rows and kd columns.
let MaxTrialSize = 200_000_000L

/// The options of one P4.R4 trial (the run seed is shared).
let trialOptions: OptionSpec list =
    [
        OptionSpec("n", OptionKind.Integer, "20", "Samples: inputs uniform on the unit sphere")
        OptionSpec("k", OptionKind.Integer, "200", "Hidden width (even, P4.C6)")
        OptionSpec("d", OptionKind.Integer, "10", "Input dimension")
        OptionSpec(
            "activation",
            OptionKind.Choice,
            "softplus",
            "Hidden activation (softplus: the smooth case; relu)",
            Choices = (Activations.AllNames |> Seq.toArray)
        )
        OptionSpec(
            "labels",
            OptionKind.Choice,
            "random",
            "random (±1, the memorization problem) | teacher",
            Choices = [| "random"; "teacher" |]
        )
        OptionSpec("nu", OptionKind.Real, "1", "Output scale ν of the frozen ±ν/√k layer")
        OptionSpec("steps", OptionKind.Long, "5000", "GD step budget per trial (needs to grow about linearly with n)")
        OptionSpec("success-ratio", OptionKind.Real, "0.0001", "Success: final loss ≤ this × initial loss")
        OptionSpec("step-scale", OptionKind.Real, "1", "η = scale / λ_max(JJᵀ at init), in (0, 2)")
        OptionSpec(
            "theory-ratio",
            OptionKind.Choice,
            "p4c5-sqrt-kd-over-b-kappa-n",
            "Sufficient-condition ratio recorded per trial",
            Choices = [| "p4c5-sqrt-kd-over-b-kappa-n"; "proxy-kd-over-n" |]
        )
    ]

type private TrialSetup =
    {
        N: int
        K: int
        D: int
        Activation: ActivationKind
        Teacher: bool
        Nu: float
        Steps: int64
        SuccessRatio: float
        StepScale: float
        Proxy: bool
    }

let private trialSetup (i: RunInput) =
    let n, k, d = Opt.int i "n", Opt.int i "k", Opt.int i "d"

    if n < 1 then
        bad (sprintf "--n %d: must be at least 1" n)

    if d < 1 then
        bad (sprintf "--d %d: input dimension must be at least 1" d)

    if k < 2 || k % 2 <> 0 then
        bad (sprintf "--k: width %d must be even (P4.C6: half the output weights +ν/√k, half −ν/√k); e.g. --k 2:64" k)

    let nu = Opt.float i "nu"

    if not (nu > 0.0) || not (Double.IsFinite nu) then
        bad (sprintf "--nu %s: must be positive and finite" (r17 nu))

    let steps = Opt.int64 i "steps"

    if steps < 1L then
        bad (sprintf "--steps %d: must be at least 1" steps)

    let ratio = Opt.float i "success-ratio"

    if not (ratio > 0.0 && ratio < 1.0) then
        bad (sprintf "--success-ratio %s: must lie in (0, 1)" (r17 ratio))

    let scale = Opt.float i "step-scale"

    if not (scale > 0.0 && scale < 2.0) then
        bad (sprintf "--step-scale %s: must lie in (0, 2) (GD on the linearized problem diverges at 2)" (r17 scale))

    let cells = int64 n * int64 k * int64 d

    if cells > MaxTrialSize then
        bad (
            String.Format(
                Globalization.CultureInfo.InvariantCulture,
                "the cell n = {0}, k = {1}, d = {2} has n·k·d = {3}, more than {4:G3} (its Jacobian would not fit in memory)",
                n,
                k,
                d,
                cells,
                float MaxTrialSize
            )
        )

    {
        N = n
        K = k
        D = d
        Activation = Activations.Parse(Opt.text i "activation")
        Teacher = Opt.text i "labels" = "teacher"
        Nu = nu
        Steps = steps
        SuccessRatio = ratio
        StepScale = scale
        Proxy = Opt.text i "theory-ratio" = "proxy-kd-over-n"
    }

/// One trial's memory: the n×n NTK and the eigensolver's copy, n×k activations, k×d weights and their gradients.
let trialSize (i: RunInput) =
    let t = trialSetup i
    let n, k = float t.N, float t.K

    TrialSize(
        sprintf "a cell n = %d, k = %d" t.N t.K,
        n * n,
        "the n×n NTK of the largest cell",
        4.0 * n * n + 4.0 * n * k + 8.0 * k * float t.D
    )

/// P4.R4 trial: X (n × d) uniform on the unit sphere, random ±1 labels (or teacher targets), f(x) = vᵀφ(Wx) from
/// P4TwoLayer, full-batch GD on ½‖f − y‖² with η = stepScale/λ_max(J(W₀)J(W₀)ᵀ) (the linearized problem's safe
/// step, stable up to stepScale < 2), stopped at successRatio × initial loss or after the step budget. The NTK's
/// spectrum at W₀ comes from the closed-form Gram (the same as P4.C1's) and the symmetric eigensolver.
let runTrial (i: RunInput) : TrialOutcome =
    let t = trialSetup i
    let seed = Opt.seed i
    let x = DataGenerators.UnitSphereInputs(t.N, t.D, seed)

    let y =
        if t.Teacher then
            DataGenerators.TeacherTargets(x, seed, TeacherWidth, (fun z -> Activations.Value(t.Activation, z)))
        else
            DataGenerators.RandomLabels(t.N, seed)

    let model = Initializers.P4TwoLayer(t.D, t.K, t.Activation, t.Nu, seed)

    let ratio =
        if t.Proxy then
            float t.K * float t.D / float t.N
        else
            let kernel = InfiniteWidthKernel.Evaluate(x, t.Activation, 10)
            ShallowJacobianBounds.OverparameterizationRatio(t.K, t.D, t.N, kernel.Kappa, t.Activation)

    let objective = MlpObjective(model, x, y, LossNormalization.HalfSum)
    let theta0 = objective.InitialParameters()

    let initial =
        objective.ValueAndGradient(ReadOnlySpan theta0, Span(Array.zeroCreate<float> objective.ParameterCount))

    let ev = SymmetricEigen.Eigenvalues(ShallowNtk.Gram(model, x))
    let lambdaMin, lambdaMax = ev[0], ev[ev.Length - 1]
    // λ_max = 0 only when no unit is active on any input (relu); then no step size matters.
    let eta =
        if lambdaMax > 0.0 then
            t.StepScale / lambdaMax
        else
            t.StepScale

    let result =
        GradientDescentTrainer.Instance.Run(
            objective,
            ReadOnlySpan theta0,
            TrainerOptions(
                LearningRate = eta,
                Steps = t.Steps,
                TargetLoss = t.SuccessRatio * initial,
                LogEvery = t.Steps
            )
        )

    let final = result.Trace.Records[result.Trace.Records.Count - 1].Loss

    let success =
        result.Status <> TrainStatus.Diverged && final <= t.SuccessRatio * initial

    TrialOutcome(
        result.Status.ToString().ToLowerInvariant(),
        success,
        [| initial; final; float result.Steps; eta; lambdaMin; ratio |]
    )

/// The sweep's view of the P4.R4 trial: axes, seed streams, metrics and the covariate n/(kd) of the boundary fit.
let trial: TrialSpec =
    {
        Info =
            SweepTrialInfo(
                trialOptions,
                [| "n"; "k"; "d"; "nu"; "steps"; "step-scale"; "success-ratio" |],
                [| "n"; "k"; "d" |],
                2,
                "A trial draws X (n × d) uniform on the unit sphere and random labels (stream data/y; or teacher "
                + "targets), initializes f(x) = vᵀφ(Wx) with P4TwoLayer (W trained, v = ±ν/√k frozen), and runs "
                + "full-batch GD on ½‖f − y‖² with η = stepScale/λ_max(JJᵀ) at initialization. Success: final loss ≤ "
                + "successRatio × initial loss within the step budget (P4.R4).",
                [|
                    MetricSpec("initial-loss", "½‖f(W₀) − y‖² (float, estimated)")
                    MetricSpec("final-loss", "loss at the last finite iterate (float, estimated)")
                    MetricSpec("steps", "GD steps taken (exact)")
                    MetricSpec("learning-rate", "the step η used (exact)")
                    MetricSpec("lambda-min-init", "λ_min(J(W₀)J(W₀)ᵀ), float eigensolver (estimated)")
                    MetricSpec(
                        "theory-ratio",
                        "the theory ratio: √(kd)/(B·κ(X)·n), P4.C5 with κ(X) from order-10 quadrature (estimated), or kd/n"
                    )
                |],
                ratioCovariate
                    "n/(kd)"
                    "n = c₀·kd"
                    ("kd", (fun c -> c["k"] * c["d"]))
                    ("n", (fun c -> c["n"]))
                    "n = kd"
                    "training needs more parameters than samples (kd ≈ n/c₀) to succeed half the time."
                    "training succeeds half the time already with fewer parameters than samples."
            )
        Size = trialSize
        Run = runTrial
    }

/// P4 as a registered theorem.
let plugin: Theorem<Setup, Analysis> =
    {
        Definition = theorem
        Command = "moderate"
        Options = options
        Setup = setupOf
        Analyze = analyze
        Quantities = quantities
        Trace = trace
        RunNote =
            fun a ->
                match a.Runs with
                | [ one ] -> runNote one.Result "L" a.Setup.TargetReduction
                | runs ->
                    let notes =
                        runs
                        |> List.map (fun r -> runNote r.Result "L" a.Setup.TargetReduction)
                        |> List.filter (fun n -> n <> "")

                    match notes with
                    | [] -> ""
                    | first :: _ -> sprintf "%d of %d runs fell short (first: %s)" notes.Length runs.Length first
        Instance = fun a -> a.Setup.Data, ModelFile.Serialize a.Model0
        Trial = Some trial
        Experiments = []
    }

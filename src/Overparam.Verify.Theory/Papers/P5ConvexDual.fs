/// P5 — Wang & Pilanci (arXiv 2110.06488): subgradient flows of two-layer ReLU networks f(x) = Σⱼ(xᵀw₁ⱼ)₊w₂ⱼ converge
/// to KKT points of min ½‖θ‖² s.t. yᵢfᵢ ≥ 1, and when the multipliers λ satisfy the dual constraint
/// max_{‖u‖≤1}|λᵀdiag(y)(Xu)₊| ≤ 1 the limit is a global optimum of the convex program P_cvx; on orthogonally separable
/// data they do. Paper math only; the pipeline is Contract.certify. Statement and statuses: theory/P5-convex-dual.md.
module internal Overparam.Verify.Theory.Papers.P5ConvexDual

open System
open Overparam.Verify.Theory
open Overparam.Verify.Engine
open Overparam.Verify.Contracts
open Overparam.Verify.Engine.Convex
open Overparam.Verify.Engine.Data
open Overparam.Verify.Engine.IO
open Overparam.Verify.Engine.LinearAlgebra
open Overparam.Verify.Engine.Models
open Overparam.Verify.Engine.Numerics
open Overparam.Verify.Engine.Training
open Overparam.Verify.Theory.Contract

// ---------------------------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------------------------

/// How the generated data are drawn.
[<RequireQualifiedAccess>]
type DataKind =
    /// DataGenerators.OrthogonallySeparable (papers.md §5.4): P5.C1 holds by construction.
    | Orthogonal
    /// Gaussian inputs labelled by the sign of a random bias-free ReLU teacher of width 4 (papers.md §5.6, "generic
    /// separable"): separable, in general not orthogonally separable.
    | Teacher

/// A validated P5 instance.
type Setup =
    {
        Data: Dataset
        DataSource: string
        Kind: DataKind option
        Width: int
        InitScale: float
        Loss: ClassificationLoss
        LearningRate: float
        Steps: int64
        MarginTolerance: float
        SamplePatterns: bool
        Seed: uint64
        Monitor: IRunMonitor
    }

/// The accuracy to which a finite run stands for the limit the theorem speaks of (relative, on quantities of order
/// one): papers.md §5.6 counts a run as having reached the convex optimum when its certificate is ≤ 1 + 10⁻³. Used
/// for the certificate's level (P5.C2), the KKT residuals (P5.C3), the optimum match (P5.R1) and the extreme-point
/// values (P5.R2). [derived; papers.md §5.6]
let optimumAccuracy: Tolerance = Tolerance(0.0, 1e-3)

/// A neuron is active when it carries at least this share of the path norm Σⱼ‖w₁ⱼ‖|w₂ⱼ| (the rest are the
/// small-initialization leftovers, whose directions the flow never moved; papers.md §5.5).
let activeShare = 1e-3

/// Two active neurons share a direction when the cosine of their first-layer weights is at least 1 − this.
let directionMerge = 1e-6

/// Relative bracket the independent P_cvx solver stops at: 100 times tighter than optimumAccuracy.
let solverRelativeGap = 1e-5

/// Iteration cap of the independent solver (its bracket stays valid when it stops early).
let solverMaxIterations = 100_000

/// Work budget of the independent solver in units of P·N·d (one PDHG iteration): about 5 s on one core. Past it the
/// solver stops with its (valid, loose) bracket, and P5.R1 is not evaluated.
let solverWork = 4e8

/// Below this many affordable iterations the solver is not run at all (sampled arrangements with many patterns).
let solverMinIterations = 1_000

/// Width of the teacher that labels the generic data.
let teacherWidth = 4

/// Points of the d = 2 picture (the dual constraint over the unit circle, one per degree) and at most this many
/// logged training points.
let tracePoints = 360

/// The options of `certify convex-dual` (the shared --seed and --data come from Contract.sharedOptions).
let options: OptionSpec list =
    [
        OptionSpec(
            "n",
            OptionKind.Integer,
            "20",
            "Samples N of the generated data",
            GeneratedDataOnly = true,
            NotApplicableReason = "N is the number of rows of the data file"
        )
        OptionSpec(
            "d",
            OptionKind.Integer,
            "2",
            "Input dimension of the generated data (d = 2: exact arrangement by an angle sweep, and the picture over the unit circle)",
            GeneratedDataOnly = true,
            NotApplicableReason = "d is the number of feature columns of the data file"
        )
        OptionSpec(
            "dataset",
            OptionKind.Choice,
            "orthogonal",
            "orthogonal (orthogonally separable, P5.C1 holds) | teacher (Gaussian inputs, labels = sign of a random bias-free ReLU teacher of width 4: generic separable)",
            Choices = [| "orthogonal"; "teacher" |],
            GeneratedDataOnly = true,
            NotApplicableReason = "the labels come from the data file"
        )
        OptionSpec("width", OptionKind.Integer, "50", "Hidden width m")
        OptionSpec(
            "init-scale",
            OptionKind.Real,
            "1e-3",
            "Standard deviation of every initial weight (small initialization, papers.md §5.6)"
        )
        OptionSpec(
            "loss",
            OptionKind.Choice,
            "logistic",
            "logistic | exponential (exponentially tailed ℓ of the margin)",
            Choices = [| "logistic"; "exponential" |]
        )
        OptionSpec(
            "lr",
            OptionKind.Real,
            "0.003",
            "Step η of subgradient descent on log L (the flow on L reparameterized in time: GD on L with the step η/L)"
        )
        OptionSpec("steps", OptionKind.Long, "100000", "Subgradient steps")
        OptionSpec(
            "margin-tolerance",
            OptionKind.Real,
            "0.01",
            "Support S = {i : yᵢfᵢ(θ̄) ≤ 1 + this} of the KKT multipliers at the normalized limit θ̄ (P5.C3)"
        )
        OptionSpec(
            "sample-patterns",
            OptionKind.Flag,
            "false",
            "Sample the activation patterns from Gaussian directions instead of enumerating them (needed when d or the rank is too large; the certificate then only reads 'no violation found')"
        )
    ]

/// Two samples of opposite labels on one ray from 0 (xᵢ = c·xⱼ, c > 0), or a zero sample: no bias-free ReLU network
/// separates them (f is positively homogeneous); None when there is no such pair. Exact: the 2×2 minors must vanish
/// in float64, which happens only for truly collinear rows (near-collinear ones are separable, with a small margin).
let private unseparablePair (x: Matrix) (y: float[]) =
    let n, d = x.Rows, x.Cols

    let zero i =
        let r = x.Row i
        let mutable z = true

        for k in 0 .. d - 1 do
            if r[k] <> 0.0 then
                z <- false

        z

    let sameRay i j =
        let a = x.Row i
        let b = x.Row j
        let mutable dot = 0.0
        let mutable collinear = true

        for k in 0 .. d - 1 do
            dot <- dot + a[k] * b[k]

            for l in k + 1 .. d - 1 do
                if a[k] * b[l] - a[l] * b[k] <> 0.0 then
                    collinear <- false

        collinear && dot > 0.0

    match [ 0 .. n - 1 ] |> List.tryFind zero with
    | Some i -> Some(sprintf "sample %d is the zero vector, where every bias-free ReLU network outputs 0" (i + 1))
    | None ->
        [
            for i in 0 .. n - 1 do
                for j in i + 1 .. n - 1 do
                    if y[i] <> y[j] && sameRay i j then
                        yield i, j
        ]
        |> List.tryHead
        |> Option.map (fun (i, j) ->
            sprintf
                "samples %d and %d have opposite labels on one ray from 0, where f is positively homogeneous"
                (i + 1)
                (j + 1))

/// Validates the options (every problem one InvalidInputException line) and builds the data.
let setupOf (i: RunInput) : Setup =
    let width = Opt.int i "width"
    let scale = Opt.float i "init-scale"
    let lr = Opt.float i "lr"
    let steps = Opt.int64 i "steps"
    let mtol = Opt.float i "margin-tolerance"
    let seed = Opt.seed i

    if width < 1 then
        bad (sprintf "--width must be at least 1, got %d" width)

    if not (scale > 0.0 && Double.IsFinite scale) then
        bad (sprintf "--init-scale must be positive and finite, got %s" (r17 scale))

    if not (lr > 0.0 && Double.IsFinite lr) then
        bad (sprintf "--lr must be positive and finite, got %s" (r17 lr))

    if steps < 1L then
        bad (sprintf "--steps must be at least 1, got %d" steps)

    if not (mtol >= 0.0 && mtol < 1.0) then
        bad (sprintf "--margin-tolerance must be in [0, 1), got %s" (r17 mtol))

    let loss =
        match Opt.text i "loss" with
        | "exponential" -> ClassificationLoss.Exponential
        | _ -> ClassificationLoss.Logistic

    let data, source, kind =
        match i.Data with
        | Some given -> Dataset.Create(given.X, given.Y), sourceName i, None
        | None ->
            let n = Opt.int i "n"
            let d = Opt.int i "d"

            if n < 2 then
                bad (sprintf "--n must be at least 2, got %d" n)

            if d < 1 then
                bad (sprintf "--d must be at least 1, got %d" d)

            match Opt.text i "dataset" with
            | "teacher" ->
                let x = DataGenerators.GaussianInputs(n, d, seed)
                let relu = Func<float, float>(fun v -> max v 0.0)
                let t = DataGenerators.TeacherTargets(x, seed, teacherWidth, relu)
                // A sample no teacher unit sees (t = 0) gets −1: a label like any other, still separable.
                let y = t |> Array.map (fun v -> if v > 0.0 then 1.0 else -1.0)

                Dataset.Create(x, y),
                sprintf
                    "generated: %d Gaussian inputs in d = %d, labels sign of a random bias-free ReLU teacher of width %d"
                    n
                    d
                    teacherWidth,
                Some DataKind.Teacher
            | _ ->
                DataGenerators.OrthogonallySeparable(n, d, seed),
                sprintf
                    "generated: %d orthogonally separable samples in d = %d (DataGenerators.OrthogonallySeparable)"
                    n
                    d,
                Some DataKind.Orthogonal

    ReluClassificationObjective.CheckLabels(ReadOnlySpan data.Y)

    match unseparablePair data.X data.Y with
    | Some why -> bad (sprintf "the data are not separable by a bias-free two-layer ReLU network: %s" why)
    | None -> ()

    // The network and the objective's scratch (m·N pre-activations) must fit; the arrangement is checked when built.
    ReluTwoLayer(width, data.D) |> ignore

    ProblemSize.Require(
        sprintf "certify convex-dual with m = %d and N = %d" width data.N,
        float width * float data.N,
        "the pre-activations",
        4.0 * float width * float data.N
    )

    {
        Data = data
        DataSource = source
        Kind = kind
        Width = width
        InitScale = scale
        Loss = loss
        LearningRate = lr
        Steps = steps
        MarginTolerance = mtol
        SamplePatterns = Opt.flag i "sample-patterns"
        Seed = seed
        Monitor = i.Monitor
    }

// ---------------------------------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------------------------------

/// P5.C1's numbers: the smallest within-class and the largest cross-class cosine, and whether each sign is certain
/// (|fl(xᵢᵀxⱼ) − xᵢᵀxⱼ| ≤ γ_{d+1}Σₖ|xᵢₖxⱼₖ|, so a computed product farther from 0 than that has the true sign).
type Orthogonality =
    {
        MinSameCosine: float
        MaxCrossCosine: float
        /// Some pair's sign is certainly wrong (a within-class product ≤ 0 or a cross-class one > 0).
        Violated: bool
        /// Some pair's sign is within its rounding bound of 0 (and none is certainly wrong).
        Undecided: bool
    }

/// Inner-product signs of every pair (papers.md §5.4).
let orthogonality (x: Matrix) (y: float[]) =
    let n, d = x.Rows, x.Cols
    let gamma = CertifiedEigenvalue.Gamma(d + 1)
    let norms = Array.init n (fun i -> sqrt (Blas.Dot(x.Row i, x.Row i)))
    let mutable minSame = infinity
    let mutable maxCross = -infinity
    let mutable violated = false
    let mutable undecided = false

    for i in 0 .. n - 1 do
        for j in i + 1 .. n - 1 do
            let a = x.Row i
            let b = x.Row j
            let mutable dot = 0.0
            let mutable abs' = 0.0

            for k in 0 .. d - 1 do
                dot <- dot + a[k] * b[k]
                abs' <- abs' + abs (a[k] * b[k])

            let err = gamma * abs'
            let cosine = dot / (norms[i] * norms[j])

            if y[i] = y[j] then
                minSame <- min minSame cosine
                // Needs xᵢᵀxⱼ > 0.
                if dot + err <= 0.0 then
                    violated <- true
                elif dot - err <= 0.0 then
                    undecided <- true
            else
                maxCross <- max maxCross cosine
                // Needs xᵢᵀxⱼ ≤ 0 (exact zeros carry no rounding: err = 0 then).
                if dot - err > 0.0 then
                    violated <- true
                elif dot + err > 0.0 then
                    undecided <- true

    {
        MinSameCosine = minSame
        MaxCrossCosine = maxCross
        Violated = violated
        Undecided = undecided && not violated
    }

/// One active neuron of the normalized limit θ̄.
type Neuron =
    {
        Index: int
        /// Unit direction û = w₁ⱼ/‖w₁ⱼ‖.
        Direction: float[]
        /// ‖w₁ⱼ‖·|w₂ⱼ| (its share of the path norm, unnormalized).
        Mass: float
        Sign: float
        /// λᵀdiag(y)(Xû)₊ (P5.R2 expects Sign).
        ConstraintValue: float
    }

/// What the limit analysis found once the run separated the data.
type Limit =
    {
        Kkt: KktResult
        Certificate: DualCertificateResult
        PathNorm: float
        Active: Neuron[]
        /// Distinct directions among the active neurons (cosine ≥ 1 − directionMerge merges).
        Directions: int
    }

/// Everything computed about one instance; the checks are functions of it.
type Analysis =
    {
        Setup: Setup
        Model: ReluTwoLayer
        Theta0: float[]
        Result: TrainResult
        /// θ at the end of the run.
        Theta: float[]
        MinMargin: float
        Orthogonality: Orthogonality
        Arrangement: HyperplaneArrangement
        /// None when the arrangement is too large for the solver's work budget.
        Convex: ConvexProgramSolution option
        /// None when the run ended without separating the data (no θ̄, no multipliers).
        Limit: Limit option
        /// Logged steps and their columns (thinned to at most tracePoints).
        Steps: float[]
        LogLoss: float[]
        NormalizedMargin: float[]
        /// maxⱼ|Δ(‖w₁ⱼ‖² − w₂ⱼ²)| since θ₀, over ‖θ_k‖² (P5.R5).
        RelativeBalanceDrift: float[]
        /// d = 2: angles in degrees, |λᵀdiag(y)(Xu)₊| at u = (cos, sin), and the neurons' path-norm share per degree.
        Angles: float[]
        ConstraintOnCircle: float[]
        NeuronShare: float[]
    }

/// The active neurons of θ̄ with their constraint values under λ.
let private activeNeurons (model: ReluTwoLayer) (x: Matrix) (y: float[]) (lambda: float[]) (bar: float[]) =
    let path = model.PathNorm(ReadOnlySpan bar)

    [|
        for j in 0 .. model.Width - 1 do
            let w1 = model.FirstLayer(ReadOnlySpan bar, j).ToArray()
            let w2 = model.SecondLayer(ReadOnlySpan bar, j)
            let norm = sqrt (Array.sumBy (fun v -> v * v) w1)
            let mass = norm * abs w2

            if norm > 0.0 && mass >= activeShare * path then
                yield
                    {
                        Index = j
                        Direction = w1 |> Array.map (fun v -> v / norm)
                        Mass = mass
                        Sign = float (sign w2)
                        ConstraintValue =
                            DualCertificate.SignedConstraintValue(
                                x,
                                ReadOnlySpan y,
                                ReadOnlySpan lambda,
                                ReadOnlySpan w1
                            )
                    }
    |]

/// Distinct directions among neurons (greedy: a neuron joins the first kept direction within directionMerge).
let private distinctDirections (neurons: Neuron[]) =
    let kept = Collections.Generic.List<float[]>()

    for nu in neurons do
        let close =
            kept
            |> Seq.exists (fun u -> Array.fold2 (fun s a b -> s + a * b) 0.0 u nu.Direction >= 1.0 - directionMerge)

        if not close then
            kept.Add nu.Direction

    kept.Count

/// Trains by subgradient descent on log L, normalizes the limit, solves for the KKT multipliers, evaluates the dual
/// certificate over the arrangement, and solves P_cvx independently.
let analyze (s: Setup) : Analysis =
    let d = s.Data
    let x, y = d.X, d.Y
    let m = s.Monitor
    let model = ReluTwoLayer(s.Width, d.D)
    let theta0 = model.SmallInitialization(s.Seed, s.InitScale)
    let ortho = orthogonality x y
    m.Phase(sprintf "P5.C4: activation patterns of %d samples in d = %d" d.N d.D)

    let arrangement =
        if s.SamplePatterns then
            HyperplaneArrangements.Sample(x, s.Seed)
        else
            try
                HyperplaneArrangements.Enumerate x
            with :? InvalidInputException as e ->
                bad (e.Message + " (--sample-patterns)")

    RunMonitor.ThrowIfStopped m

    let objective = ReluClassificationObjective(model, x, y, s.Loss, LossScale.LogMean)

    let observer = ReluTrajectoryObserver(model, x, y)
    let logEvery = max 1L (s.Steps / int64 (tracePoints - 1))
    m.Phase(sprintf "training: %d subgradient steps on log L, η = %g" s.Steps s.LearningRate)

    let result =
        SubgradientDescent.Run(
            objective,
            ReadOnlySpan theta0,
            (TrainerOptions(LearningRate = s.LearningRate, Steps = s.Steps, LogEvery = logEvery))
                .ObservedBy(observer)
                .MonitoredBy
                m
        )

    if result.Status = TrainStatus.Cancelled then
        m.Cancellation.ThrowIfCancellationRequested()

    let theta = result.Parameters
    let finite = Array.forall Double.IsFinite theta

    let minMargin =
        if finite then
            model.MinMargin(x, ReadOnlySpan y, ReadOnlySpan theta)
        else
            nan

    m.Phase "P5.R1: the independent convex optimum"

    let affordable =
        solverWork / (float arrangement.Count * float d.N * float d.D)
        |> min (float solverMaxIterations)
        |> int

    let convex =
        if affordable < solverMinIterations then
            None
        else
            Some(
                ConvexProgramSolver.Solve(
                    x,
                    y,
                    arrangement,
                    ConvexSolverOptions(RelativeGap = solverRelativeGap, MaxIterations = affordable)
                )
            )

    RunMonitor.ThrowIfStopped m

    let limit =
        if minMargin > 0.0 && Double.IsFinite minMargin then
            m.Phase "P5.C3, P5.C2: KKT multipliers and the dual certificate"
            let kkt = KktMultipliers.Solve(model, x, y, ReadOnlySpan theta, s.MarginTolerance)
            let cert = DualCertificate.Evaluate(x, y, kkt.Lambda, arrangement)
            let active = activeNeurons model x y kkt.Lambda kkt.NormalizedParameters

            Some
                {
                    Kkt = kkt
                    Certificate = cert
                    PathNorm = model.PathNorm(ReadOnlySpan kkt.NormalizedParameters)
                    Active = active
                    Directions = distinctDirections active
                }
        else
            None

    let tr = result.Trace
    let keep = thinIndices tr.Count tracePoints
    let pick (xs: float[]) = keep |> Array.map (fun k -> xs[k])
    let norms = tr.Observed ReluTrajectoryObserver.ThetaNormColumn
    let drift = tr.Observed ReluTrajectoryObserver.BalancednessDriftColumn

    let relDrift =
        Array.init tr.Count (fun k ->
            if norms[k] > 0.0 then
                drift[k] / (norms[k] * norms[k])
            else
                nan)

    let angles, onCircle, share =
        match d.D, limit with
        | 2, Some l ->
            let deg = Array.init tracePoints (fun k -> 360.0 * float k / float tracePoints)

            let value =
                deg
                |> Array.map (fun a ->
                    let r = a * Math.PI / 180.0

                    DualCertificate.ConstraintValue(
                        x,
                        ReadOnlySpan y,
                        ReadOnlySpan l.Kkt.Lambda,
                        ReadOnlySpan [| cos r; sin r |]
                    ))

            let mass = Array.zeroCreate<float> tracePoints

            for nu in l.Active do
                let a = Math.Atan2(nu.Direction[1], nu.Direction[0]) * 180.0 / Math.PI
                let a = if a < 0.0 then a + 360.0 else a

                let bin =
                    min (tracePoints - 1) (int (Math.Round(a * float tracePoints / 360.0)) % tracePoints)

                mass[bin] <- mass[bin] + nu.Mass / l.PathNorm

            deg, value, mass
        | _ -> [||], [||], [||]

    {
        Setup = s
        Model = model
        Theta0 = theta0
        Result = result
        Theta = theta
        MinMargin = minMargin
        Orthogonality = ortho
        Arrangement = arrangement
        Convex = convex
        Limit = limit
        Steps = pick (tr.Steps())
        LogLoss = pick (tr.Losses())
        NormalizedMargin = pick (tr.Observed ReluTrajectoryObserver.NormalizedMarginColumn)
        RelativeBalanceDrift = pick relDrift
        Angles = angles
        ConstraintOnCircle = onCircle
        NeuronShare = share
    }

// ---------------------------------------------------------------------------------------------------------------
// The checks, each citing its ID in theory/P5-convex-dual.md
// ---------------------------------------------------------------------------------------------------------------

/// v ≤ 1 within tol (the dual constraint's level is 1, so the tolerance's scale is 1).
let private withinLevel (tol: Tolerance) v = v <= 1.0 + tol.Absolute + tol.Relative

/// P5.C1: x_iᵀx_j > 0 within a class and ≤ 0 across (papers.md §5.4). Exact (signs decided against a rounding bound).
let c1 =
    {
        ConditionCheck.Id = "P5.C1"
        Statement =
            "orthogonally separable data: xᵢᵀxⱼ > 0 within a class and ≤ 0 across classes; value min(smallest within-class cosine, −largest cross-class cosine), threshold 0"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                let o = a.Orthogonality
                let value = min o.MinSameCosine (-o.MaxCrossCosine)

                let v =
                    if o.Violated then
                        Verdict.Fails(
                            sprintf
                                "not orthogonally separable: smallest within-class cosine %.6g, largest cross-class cosine %.6g (the paper's guarantee covers orthogonally separable data; P5.R6 measures the rest)"
                                o.MinSameCosine
                                o.MaxCrossCosine
                        )
                    elif o.Undecided then
                        Verdict.Inconclusive "an inner product's sign is within its rounding bound of 0"
                    else
                        Verdict.Holds(max value 0.0)

                outcome value 0.0 NumberStatus.Exact v
    }

/// P5.C3: θ̄ is a KKT point of P_nc: λ ≥ 0 on the support (NNLS), stationarity residual and duality gap within
/// optimumAccuracy of ‖θ̄‖ and ½‖θ̄‖². Exact (computed on θ̄; the tolerance says how close to the limit counts).
let c3 =
    {
        ConditionCheck.Id = "P5.C3"
        Statement =
            "KKT multipliers at the normalized limit θ̄ = θ/√(minᵢyᵢfᵢ): λ ≥ 0 on the margin support; value max(‖θ̄ − Σλᵢyᵢ∇fᵢ(θ̄)‖/‖θ̄‖, |½‖θ̄‖² − 1ᵀλ|/½‖θ̄‖²), threshold 1e-3"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                let threshold = optimumAccuracy.Relative

                match a.Limit with
                | None ->
                    outcome
                        a.MinMargin
                        0.0
                        NumberStatus.Exact
                        (Verdict.Inconclusive(
                            sprintf
                                "the run ended without separating the data (min yᵢfᵢ = %g after %d steps): there is no normalized limit to test; raise --steps"
                                a.MinMargin
                                a.Result.Steps
                        ))
                | Some l ->
                    let k = l.Kkt
                    let gap = abs k.DualityGap / k.HalfNormSquared
                    let value = max k.RelativeResidual gap

                    let v =
                        if value <= threshold then
                            Verdict.Holds(threshold - value)
                        else
                            Verdict.Inconclusive(
                                sprintf
                                    "θ̄ is not yet a KKT point: stationarity residual %.3g, duality gap %.3g of ½‖θ̄‖² on a support of %d (> %g): the run has not reached the limit the theorem speaks of; raise --steps or lower --lr"
                                    k.RelativeResidual
                                    gap
                                    k.Support.Length
                                    threshold
                            )

                    outcome value threshold NumberStatus.Exact v
    }

/// P5.C2: the dual certificate max over patterns of ‖Π_{Cᵢ}(±gᵢ)‖ ≤ 1. Certified with an exhaustive arrangement;
/// with sampled patterns a pass reads "no violation found" (estimated); a certified lower bound > 1 is a violation.
let c2 =
    {
        ConditionCheck.Id = "P5.C2"
        Statement =
            "dual certificate max_{‖u‖≤1}|λᵀdiag(y)(Xu)₊| ≤ 1 over every activation pattern: value its certified upper bound (sampled patterns: the patterns seen), threshold 1 + 1e-3"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                let level = 1.0 + optimumAccuracy.Absolute + optimumAccuracy.Relative

                match a.Limit with
                | None -> None
                | Some l ->
                    let c = l.Certificate
                    let kktHolds = (c3.Evaluate a |> Option.get).Verdict |> Verdict.holds
                    let orthogonal = not a.Orthogonality.Violated && not a.Orthogonality.Undecided

                    let at =
                        sprintf
                            "pattern %d (%s), u* = (%s)"
                            c.MaximizingCell
                            (if c.MaximizingSign > 0 then "+" else "−")
                            (c.MaximizingDirection |> Array.map (sprintf "%.6g") |> String.concat ", ")

                    if c.Exhaustive && withinLevel optimumAccuracy c.UpperBound then
                        outcome c.UpperBound level NumberStatus.Certified (Verdict.Holds(level - c.UpperBound))
                    elif not (withinLevel optimumAccuracy c.LowerBound) then
                        let v =
                            if not kktHolds then
                                Verdict.Inconclusive(
                                    sprintf
                                        "certified ≥ %.6g at %s, but λ comes from a point that is not yet KKT (P5.C3), so it is not the limit's multiplier"
                                        c.LowerBound
                                        at
                                )
                            elif orthogonal then
                                // P5.R3: on orthogonally separable data the limit's multipliers satisfy it; a finite
                                // run that falls short cannot refute that, nor make the theorem inapplicable.
                                Verdict.Inconclusive(
                                    sprintf
                                        "certified ≥ %.6g at %s although the data are orthogonally separable, where the limit satisfies it (P5.R3): the run has not reached the limit; raise --steps"
                                        c.LowerBound
                                        at
                                )
                            else
                                Verdict.Fails(
                                    sprintf
                                        "the dual constraint is violated: certified ≥ %.6g > 1 at %s, so the limit is not certified globally optimal"
                                        c.LowerBound
                                        at
                                )

                        outcome c.LowerBound level NumberStatus.Certified v
                    elif not c.Exhaustive then
                        outcome
                            c.UpperBound
                            level
                            NumberStatus.Estimated
                            (Verdict.Inconclusive(
                                sprintf
                                    "no violation found among %d sampled patterns (max %.6g): a lower estimate, which cannot certify the constraint"
                                    a.Arrangement.Count
                                    c.Value
                            ))
                    else
                        outcome
                            c.UpperBound
                            level
                            NumberStatus.Certified
                            (Verdict.Inconclusive(
                                sprintf
                                    "the certified bracket [%.9g, %.9g] straddles the level 1 + 1e-3"
                                    c.LowerBound
                                    c.UpperBound
                            ))
    }

/// P5.C4: every activation pattern enumerated (exact), or sampled with coverage reported. Measurement: it decides
/// only what P5.C2 may claim, which P5.C2's own status carries.
let c4 =
    {
        ConditionCheck.Id = "P5.C4"
        Statement =
            "arrangement coverage: value the patterns found, threshold Cover's bound 2Σ_{k<r}C(N−1, k) (r = rank X)"
        Role = ConditionRole.Measurement
        Evaluate =
            fun a ->
                let arr = a.Arrangement
                let found = float arr.Count

                if arr.Exhaustive then
                    outcome found arr.CountBound NumberStatus.Exact (Verdict.Holds(arr.CountBound - found))
                else
                    let coverage =
                        if isNull (box arr.Coverage) then
                            sprintf "%d unresolved candidates" arr.Unresolved
                        else
                            sprintf
                                "%d Gaussian directions in %d batches, %d new patterns in the last"
                                arr.Coverage.Samples
                                arr.Coverage.Batches
                                arr.Coverage.NewInLastBatch

                    outcome
                        found
                        arr.CountBound
                        NumberStatus.Estimated
                        (Verdict.Inconclusive(
                            sprintf "not exhaustive (%s): a lower estimate of the pattern set" coverage
                        ))
    }

/// The solver's bracket is tight enough for P5.R1 when its relative width is within optimumAccuracy (a looser
/// upper bound would let the check pass vacuously).
let private bracketTight (c: ConvexProgramSolution) =
    c.Converged
    || (c.LowerBound > 0.0
        && c.UpperBound - c.LowerBound <= optimumAccuracy.Relative * c.LowerBound)

/// P5.R1: ½‖θ̄‖² against the independent optimum of P_cvx (its bracket [LowerBound, UpperBound]). Bound, estimated:
/// a finite run stands for the limit, and the solver's bracket ignores rounding.
let r1 =
    {
        PredictionCheck.Id = "P5.R1"
        Statement =
            "the limit is globally optimal for P_cvx: ½‖θ̄‖² ≤ (1 + 1e-3)·P_cvx*, with P_cvx* bracketed by an independent primal–dual solver"
        Kind = PredictionKind.Bound
        Evaluate =
            fun a ->
                match a.Limit, a.Convex with
                | Some l, Some cvx when bracketTight cvx ->
                    let observed = l.Kkt.HalfNormSquared

                    let bound =
                        cvx.UpperBound * (1.0 + optimumAccuracy.Relative) + optimumAccuracy.Absolute

                    Some
                        {
                            Bound = bound
                            Observed = observed
                            Sense = Sense.AtMost
                            Status = NumberStatus.Estimated
                            Holds = observed <= bound
                            Slack = observed / cvx.UpperBound
                            WorstStep = -1L
                            Note =
                                sprintf
                                    "P_cvx* ∈ [%.9g, %.9g] (PDHG, %d iterations%s); relative excess of ½‖θ̄‖² in [%.3g, %.3g]"
                                    cvx.LowerBound
                                    cvx.UpperBound
                                    cvx.Iterations
                                    (if a.Arrangement.Exhaustive then
                                         ""
                                     else
                                         "; sampled patterns: the lower end bounds the restricted program")
                                    (observed / cvx.UpperBound - 1.0)
                                    (observed / cvx.LowerBound - 1.0)
                        }
                | _ -> None
    }

/// P5.R2: every active direction attains λᵀdiag(y)(Xû_j)₊ = sign(w₂ⱼ) within optimumAccuracy. Bound, estimated.
let r2 =
    {
        PredictionCheck.Id = "P5.R2"
        Statement =
            "active neurons sit at extreme points: λᵀdiag(y)(Xûⱼ)₊ = sign(w₂ⱼ) for every neuron carrying ≥ 1e-3 of Σⱼ‖w₁ⱼ‖|w₂ⱼ|; observed the largest deviation, bound 1e-3"
        Kind = PredictionKind.Bound
        Evaluate =
            fun a ->
                match a.Limit with
                | Some l when l.Active.Length > 0 ->
                    let worst = l.Active |> Array.maxBy (fun nu -> abs (nu.ConstraintValue - nu.Sign))

                    let dev = abs (worst.ConstraintValue - worst.Sign)
                    let bound = optimumAccuracy.Absolute + optimumAccuracy.Relative

                    Some
                        {
                            Bound = bound
                            Observed = dev
                            Sense = Sense.AtMost
                            Status = NumberStatus.Estimated
                            Holds = dev <= bound
                            Slack = dev / bound
                            WorstStep = -1L
                            Note =
                                sprintf
                                    "%d active neurons in %d distinct directions; worst: neuron %d (value %.9g, sign %+g)"
                                    l.Active.Length
                                    l.Directions
                                    (worst.Index + 1)
                                    worst.ConstraintValue
                                    worst.Sign
                        }
                | _ -> None
    }

/// The largest margin any network reaches per ‖θ‖²: 1/(2·P_cvx*) (balanced optimum), bounded above by 1/(2·LowerBound).
let private maxMargin (a: Analysis) =
    match a.Convex with
    | Some c when c.LowerBound > 0.0 -> 1.0 / (2.0 * c.LowerBound)
    | _ -> nan

/// P5.R4: the normalized margin minᵢyᵢfᵢ/‖θ‖² rises toward the max-margin value. Measurement.
let r4 =
    {
        PredictionCheck.Id = "P5.R4"
        Statement =
            "the normalized margin minᵢyᵢfᵢ(θ)/‖θ‖² increases toward the max-margin value 1/(2·P_cvx*): observed at the last step, bound 1/(2·P_cvx*)"
        Kind = PredictionKind.Measurement
        Evaluate =
            fun a ->
                let g = a.NormalizedMargin |> Array.filter Double.IsFinite

                if g.Length < 2 || Double.IsNaN(maxMargin a) then
                    None
                else
                    let last = Array.last g
                    let bound = maxMargin a
                    let firstPositive = g |> Array.tryFindIndex (fun v -> v > 0.0)

                    let rises, pairs =
                        match firstPositive with
                        | Some k when k < g.Length - 1 ->
                            let seg = g[k..]
                            (Array.pairwise seg |> Array.filter (fun (p, q) -> q >= p) |> Array.length), seg.Length - 1
                        | _ -> 0, 0

                    Some
                        {
                            Bound = bound
                            Observed = last
                            Sense = Sense.AtMost
                            Status = NumberStatus.Estimated
                            Holds = last > 0.0 && last <= bound * (1.0 + Tolerances.rate.Relative)
                            Slack = last / bound
                            WorstStep = -1L
                            Note =
                                sprintf
                                    "rose at %d of %d logged intervals after separation; a trend, with a logarithmic rate for exponential tails"
                                    rises
                                    pairs
                        }
    }

/// P5.R5: balancedness ‖w₁ⱼ‖² − w₂ⱼ² conserved by the flow, O(η²) drift per GD step. Measurement (relative to ‖θ‖²).
let r5 =
    {
        PredictionCheck.Id = "P5.R5"
        Statement =
            "balancedness ‖w₁ⱼ‖² − w₂ⱼ² is conserved by the flow: observed maxⱼ|Δ(‖w₁ⱼ‖² − w₂ⱼ²)|/‖θ‖² at the last step, against the order η²·steps of GD's O(η²) drift per step"
        Kind = PredictionKind.Measurement
        Evaluate =
            fun a ->
                let v = a.RelativeBalanceDrift |> Array.filter Double.IsFinite

                if v.Length = 0 then
                    None
                else
                    let observed = Array.last v
                    let s = a.Setup
                    let bound = s.LearningRate * s.LearningRate * float a.Result.Steps

                    Some
                        {
                            Bound = bound
                            Observed = observed
                            Sense = Sense.AtMost
                            Status = NumberStatus.Exact
                            Holds = observed <= bound
                            Slack = observed / bound
                            WorstStep = -1L
                            Note =
                                sprintf
                                    "an order (constant unspecified); largest over the logged steps %.3g"
                                    (Array.max v)
                        }
    }

/// P5 as data.
let theorem: TheoremDefinition<Analysis> =
    {
        Id = "P5"
        Title = "Convex geometry of backpropagation: the dual certificate"
        Reference = "Wang, Pilanci, arXiv 2110.06488"
        Statement =
            "For f(x) = Σⱼ(xᵀw₁ⱼ)₊w₂ⱼ trained by subgradient descent on an exponentially tailed loss, the normalized limit "
            + "θ̄ is a KKT point of min ½‖θ‖² s.t. yᵢfᵢ ≥ 1 with multipliers λ ≥ 0; when max_{‖u‖≤1}|λᵀdiag(y)(Xu)₊| ≤ 1 "
            + "it is a global optimum of the convex program P_cvx and its neurons sit at the extreme directions where the "
            + "dual constraint is tight. On orthogonally separable data the constraint holds."
        Hypotheses = [ c1; c3; c2; c4 ]
        Conclusions = [ r1; r2; r4; r5 ]
        NotChecked =
            [
                "P5.R3",
                "the certificate holds in every run on orthogonally separable data: a fraction over seeds with its Wilson interval, the sweep (`overparam sweep run convex-dual`); one certificate is one seed of it"
                "P5.R6",
                "generic data: the fraction of seeds whose limit passes, a measurement over seeds (the sweep with --dataset teacher); never asserted"
            ]
    }

// ---------------------------------------------------------------------------------------------------------------
// Certificate: quantity groups and trace columns
// ---------------------------------------------------------------------------------------------------------------

let private bits (p: bool[]) =
    String(p |> Array.map (fun b -> if b then '1' else '0'))

/// The numbers of an analysis, grouped for the certificate; the normalized limit, the multipliers and the patterns
/// that attain the maximum are listed so that a referee can recheck the certificate independently.
let quantities (a: Analysis) : QuantityGroup list =
    let s = a.Setup
    let q = quantity
    let arr = a.Arrangement

    [
        yield
            QuantityGroup(
                "instance",
                "Instance and training",
                true,
                [|
                    q "N" (float s.Data.N) NumberStatus.Exact "samples"
                    q "d" (float s.Data.D) NumberStatus.Exact "input dimension"
                    q "m" (float s.Width) NumberStatus.Exact "hidden width"
                    q "init scale" s.InitScale NumberStatus.Exact "standard deviation of the initial weights"
                    q "eta" s.LearningRate NumberStatus.Exact "step of subgradient descent on log L"
                    q "steps" (float a.Result.Steps) NumberStatus.Exact "steps run"
                    q "min margin" a.MinMargin NumberStatus.Exact "minᵢ yᵢfᵢ(θ) at the last step"
                |]
            )
        yield
            QuantityGroup(
                "data",
                "Orthogonal separability (P5.C1)",
                true,
                [|
                    q "min within-class cosine" a.Orthogonality.MinSameCosine NumberStatus.Exact "> 0 required"
                    q "max cross-class cosine" a.Orthogonality.MaxCrossCosine NumberStatus.Exact "≤ 0 required"
                |]
            )
        yield
            QuantityGroup(
                "arrangement",
                "Activation patterns (P5.C4)",
                true,
                [|
                    q "patterns" (float arr.Count) NumberStatus.Exact "distinct diag(1[Xu ≥ 0]) found"
                    q "count bound" arr.CountBound NumberStatus.Exact "2Σ_{k<r}C(N−1, k)"
                    q "rank" (float arr.Rank) NumberStatus.Exact "numerical rank of X"
                    q
                        "exhaustive"
                        (if arr.Exhaustive then 1.0 else 0.0)
                        NumberStatus.Exact
                        (sprintf "1 when every pattern was enumerated (%O)" arr.Method)
                    if not (isNull (box arr.Coverage)) then
                        q
                            "new in last batch"
                            (float arr.Coverage.NewInLastBatch)
                            NumberStatus.Estimated
                            (sprintf "patterns the last of %d sampled batches added" arr.Coverage.Batches)
                |]
            )
        match a.Convex with
        | None -> ()
        | Some cvx ->
            yield
                QuantityGroup(
                    "convex",
                    "Independent optimum of P_cvx (P5.R1)",
                    true,
                    [|
                        q
                            "lower"
                            cvx.LowerBound
                            NumberStatus.Estimated
                            "dual bound of the PDHG iterate (rounding ignored)"
                        q
                            "upper"
                            cvx.UpperBound
                            NumberStatus.Estimated
                            "primal bound: group norm over margin of the iterate"
                        q "iterations" (float cvx.Iterations) NumberStatus.Exact "PDHG iterations"
                        q
                            "converged"
                            (if cvx.Converged then 1.0 else 0.0)
                            NumberStatus.Exact
                            "1 when the relative gap 1e-5 was reached"
                    |]
                )
        match a.Limit with
        | None -> ()
        | Some l ->
            let k = l.Kkt
            let c = l.Certificate

            yield
                QuantityGroup(
                    "limit",
                    "Normalized limit θ̄ and its multipliers (P5.C3)",
                    true,
                    [|
                        q "half norm squared" k.HalfNormSquared NumberStatus.Exact "½‖θ̄‖², the primal value of P_nc"
                        q "path norm" l.PathNorm NumberStatus.Exact "Σⱼ‖w₁ⱼ‖|w₂ⱼ| of θ̄ (its value in P_cvx)"
                        q "lambda sum" k.LambdaSum NumberStatus.Exact "1ᵀλ, the dual objective"
                        q "duality gap" k.DualityGap NumberStatus.Exact "½‖θ̄‖² − 1ᵀλ"
                        q "relative residual" k.RelativeResidual NumberStatus.Exact "‖θ̄ − Σλᵢyᵢ∇fᵢ(θ̄)‖/‖θ̄‖"
                        q
                            "support"
                            (float k.Support.Length)
                            NumberStatus.Exact
                            "samples with yᵢfᵢ(θ̄) ≤ 1 + margin tolerance"
                        q
                            "active neurons"
                            (float l.Active.Length)
                            NumberStatus.Exact
                            "neurons carrying ≥ 1e-3 of the path norm"
                        q "directions" (float l.Directions) NumberStatus.Exact "distinct directions among them"
                    |]
                )

            yield
                QuantityGroup(
                    "certificate",
                    "Dual certificate (P5.C2)",
                    true,
                    [|
                        yield q "value" c.Value NumberStatus.Exact "max over patterns and signs of ‖Π_{Cᵢ}(±gᵢ)‖"
                        yield
                            q
                                "upper"
                                c.UpperBound
                                (if c.Exhaustive then
                                     NumberStatus.Certified
                                 else
                                     NumberStatus.Estimated)
                                "certified upper bound over the patterns (global when exhaustive)"
                        yield q "lower" c.LowerBound NumberStatus.Certified "certified lower bound over all u"
                        yield q "maximizing pattern" (float c.MaximizingCell) NumberStatus.Exact "cell index"
                        yield
                            q
                                "maximizing sign"
                                (float c.MaximizingSign)
                                NumberStatus.Exact
                                "+1: λᵀdiag(y)(Xu)₊, −1: its negative"
                        for i in 0 .. c.MaximizingDirection.Length - 1 ->
                            q
                                (sprintf "u*[%d]" i)
                                c.MaximizingDirection[i]
                                NumberStatus.Exact
                                "maximizing unit direction"
                        yield
                            q "max NNLS KKT violation" c.MaxKktViolation NumberStatus.Exact "over all cone projections"
                    |]
                )

            // Patterns whose projection norm reaches the maximum within optimumAccuracy: where the dual constraint is
            // tight, i.e. where the limit's neurons sit.
            let tight =
                c.Patterns
                |> Seq.filter (fun p -> max p.PlusNorm p.MinusNorm >= c.Value * (1.0 - optimumAccuracy.Relative))
                |> Seq.truncate 16
                |> Seq.toArray

            yield
                QuantityGroup(
                    "tight patterns",
                    "Patterns attaining the maximum (projection norms ‖Π_C(+g)‖, ‖Π_C(−g)‖)",
                    false,
                    [|
                        for p in tight do
                            let pat = bits arr.Cells[p.Cell].Pattern
                            yield q (sprintf "pattern %d +" p.Cell) p.PlusNorm NumberStatus.Exact ("D = " + pat)
                            yield q (sprintf "pattern %d −" p.Cell) p.MinusNorm NumberStatus.Exact ("D = " + pat)
                    |]
                )

            yield
                QuantityGroup(
                    "lambda",
                    "KKT multipliers λ (zero off the support)",
                    false,
                    [|
                        for i in 0 .. k.Lambda.Length - 1 ->
                            q
                                (sprintf "lambda[%d]" (i + 1))
                                k.Lambda[i]
                                NumberStatus.Exact
                                (sprintf "y = %+g, margin yᵢfᵢ(θ̄) = %.9g" s.Data.Y[i] k.Margins[i])
                    |]
                )

            let bar = k.NormalizedParameters
            let dd = s.Data.D

            yield
                QuantityGroup(
                    "theta bar",
                    "Normalized limit θ̄: every neuron's w₁ⱼ and w₂ⱼ",
                    false,
                    [|
                        for j in 0 .. s.Width - 1 do
                            for kk in 0 .. dd - 1 do
                                yield q (sprintf "w1[%d][%d]" (j + 1) (kk + 1)) bar[j * dd + kk] NumberStatus.Exact ""

                            yield q (sprintf "w2[%d]" (j + 1)) bar[s.Width * dd + j] NumberStatus.Exact ""
                    |]
                )
    ]

/// The logged run as columns; for d = 2 also the dual constraint over the unit circle (papers.md §5.6's picture).
let trace (a: Analysis) : TraceTable =
    let g = a.Angles.Length
    let rows = max g a.Steps.Length

    let pad (xs: float[]) =
        Array.init rows (fun k -> if k < xs.Length then xs[k] else nan)

    let bound = maxMargin a

    let training =
        [
            column "step" ColumnRole.Index NumberStatus.Exact "subgradient step k" (pad a.Steps)
            column
                "normalizedMargin"
                ColumnRole.Observed
                NumberStatus.Exact
                "minᵢyᵢfᵢ(θ_k)/‖θ_k‖² (P5.R4)"
                (pad a.NormalizedMargin)
            column
                "maxMargin"
                ColumnRole.Bound
                NumberStatus.Estimated
                "1/(2·P_cvx*) from the solver's lower bound: the largest normalized margin (P5.R4)"
                (pad (Array.create a.Steps.Length bound))
            column
                "logLoss"
                ColumnRole.Diagnostic
                NumberStatus.Exact
                "log L(θ_k), the objective trained"
                (pad a.LogLoss)
            column
                "balanceDrift"
                ColumnRole.Diagnostic
                NumberStatus.Exact
                "maxⱼ|Δ(‖w₁ⱼ‖² − w₂ⱼ²)|/‖θ_k‖² since θ₀ (P5.R5)"
                (pad a.RelativeBalanceDrift)
        ]

    let circle =
        if g = 0 then
            []
        else
            [
                column "angle" ColumnRole.Index NumberStatus.Exact "direction u = (cos φ, sin φ), φ in degrees" a.Angles
                column
                    "dualConstraint"
                    ColumnRole.Observed
                    NumberStatus.Exact
                    "|λᵀdiag(y)(Xu)₊| at the grid directions (P5.C2; the certified maximum is in the table)"
                    a.ConstraintOnCircle
                column "level" ColumnRole.Bound NumberStatus.Exact "the dual constraint's level 1" (Array.create g 1.0)
                column
                    "neuronShare"
                    ColumnRole.Observed
                    NumberStatus.Exact
                    "share of Σⱼ‖w₁ⱼ‖|w₂ⱼ| of the active neurons pointing at φ (nearest degree; P5.R2)"
                    a.NeuronShare
            ]

    let plots =
        [
            yield
                TracePlot(
                    "normalized margin against the max-margin value (P5.R4)",
                    "step",
                    "normalizedMargin",
                    "maxMargin",
                    false
                )
            if g > 0 then
                yield
                    TracePlot(
                        "dual constraint over the unit circle, level 1 (P5.C2)",
                        "angle",
                        "dualConstraint",
                        "level",
                        false
                    )

                yield TracePlot("neuron directions of θ̄ (P5.R2)", "angle", "neuronShare", "", false)
        ]

    // Index columns first (the report draws unplotted observed columns against the first).
    let all = training @ circle

    let ordered =
        (all |> List.filter (fun c -> c.Role = ColumnRole.Index))
        @ (all |> List.filter (fun c -> c.Role <> ColumnRole.Index))

    TraceTable(List.toArray ordered, List.toArray plots)

/// The initial network as an MLP (same parameter layout: W₁ row by row, then w₂), for the provenance hash.
let private asMlp (model: ReluTwoLayer) (theta: float[]) =
    let m, d = model.Width, model.InputDimension
    let w1 = Matrix(m, d)
    let w2 = Matrix(1, m)

    for j in 0 .. m - 1 do
        for k in 0 .. d - 1 do
            w1[j, k] <- theta[j * d + k]

        w2[0, j] <- theta[m * d + j]

    Mlp(ActivationKind.Relu, [| Layer(w1); Layer(w2) |])

/// P5 certified from options (the sweep trial is built on it).
let private certifyOnly: Theorem<Setup, Analysis> =
    {
        Definition = theorem
        Command = "convex-dual"
        Options = options
        Setup = setupOf
        Analyze = analyze
        Quantities = quantities
        Trace = trace
        RunNote =
            fun a ->
                [
                    (match a.Result.Status with
                     | TrainStatus.Diverged -> sprintf "the training run diverged (%s)" a.Result.DivergenceReason
                     | _ -> "")
                    (match a.Limit, a.Convex with
                     | Some _, None ->
                         sprintf
                             "P5.R1 was not evaluated: %d patterns exceed the independent solver's work budget"
                             a.Arrangement.Count
                     | Some _, Some c when not (bracketTight c) ->
                         sprintf
                             "P5.R1 was not evaluated: the independent solver stopped after %d iterations with P_cvx* only bracketed in [%.6g, %.6g]"
                             c.Iterations
                             c.LowerBound
                             c.UpperBound
                     | _ -> "")
                    "a finite run stands for the limit P5 speaks of, so P5.R1 and P5.R2 are estimates: a run can make the verdict inconclusive but never refute P5"
                ]
                |> List.filter (fun t -> t <> "")
                |> String.concat "; "
        Instance = fun a -> a.Setup.Data, ModelFile.Serialize(asMlp a.Model a.Theta0)
        Trial = None
        Experiments = []
    }

/// P5's sweep trial is its certificate (Contract.certifyTrial): success is P5.R1 (the run reached the independent
/// convex optimum), so a sweep with --dataset orthogonal measures P5.R3 and with --dataset teacher P5.R6.
let trial: TrialSpec =
    certifyTrial
        certifyOnly
        [ "n"; "width" ]
        [ "n"; "width" ]
        "P5.R1"
        [
            {
                Name = "certificate-upper"
                Description = "certified upper bound on max_{‖u‖≤1}|λᵀdiag(y)(Xu)₊| (certified when exhaustive)"
                Group = "certificate"
                Quantity = "upper"
            }
            {
                Name = "duality-gap"
                Description = "½‖θ̄‖² − 1ᵀλ at the normalized limit (exact)"
                Group = "limit"
                Quantity = "duality gap"
            }
            {
                Name = "directions"
                Description = "distinct directions among the active neurons (exact)"
                Group = "limit"
                Quantity = "directions"
            }
        ]
        (ratioCovariate
            "m/N"
            "m = c₀·N"
            ("N", (fun c -> c["n"]))
            ("m", (fun c -> c["width"]))
            "m = N"
            "The run reaches the convex optimum half the time already with fewer neurons than samples."
            "The run reaches the convex optimum half the time only with more neurons than samples.")
        ("A trial is `certify convex-dual` on one generated instance (its seed derived from the run seed, N and m): "
         + "subgradient descent on log L from a small initialization, the KKT multipliers at the normalized limit, the "
         + "dual certificate over every activation pattern, and an independent solve of P_cvx. "
         + "Success: P5.R1, ½‖θ̄‖² within 1e-3 of the convex optimum.")

/// P5 as a registered theorem.
let plugin: Theorem<Setup, Analysis> = { certifyOnly with Trial = Some trial }

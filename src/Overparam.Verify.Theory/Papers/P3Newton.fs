/// P3 — Riedl, Spiliopoulos, Sirignano (arXiv 2605.08352): the regularized Newton step with λ_N = γN^{1−2β} on
/// f(x) = N^{−β}Σᵢ cᵢ tanh(wᵢ·x + ηᵢ). Paper math only; the pipeline is Contract.certify. Statement and statuses:
/// theory/P3-newton.md.
module internal Overparam.Verify.Theory.Papers.P3Newton

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
open Overparam.Verify.Engine.Numerics
open Overparam.Verify.Engine.Training
open Overparam.Verify.Theory.Contract

// ---------------------------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------------------------

/// A validated P3 instance.
type Setup =
    {
        Data: Dataset
        DataSource: string
        Width: int
        Beta: float
        Gamma: float
        Solver: NewtonSolver
        MaxSteps: int64
        TargetReduction: float
        Seed: uint64
        Monitor: IRunMonitor
    }

/// Modes with μ_j/μ_max below this sit at float64 round-off (papers.md §3.4, P3.C5).
let resolvableRatio = 1e-12

/// nγ must exceed ε·μ_max by this factor for the NNTK's smallest eigenvalues to be more than round-off (P3.C5).
let regularizerResolution = 1e3

/// A mode carries part of the residual when ⟨r₀, v_j⟩² ≥ this·‖r₀‖² (P3.R1 reports only those).
let modeShare = 1e-6

/// P3.R1 (a measurement): the finite-N full-Hessian step agrees with the lazy per-mode factor within this absolute
/// difference of factors in [0, 1] to be shown as "holds"; only gross disagreement is flagged.
let lazyAgreement = 0.1

/// The options of `certify newton` (the shared --seed and --data come from Contract.sharedOptions).
let options: OptionSpec list =
    [
        OptionSpec(
            "n",
            OptionKind.Integer,
            "16",
            "Samples of the generated data (equispaced x in [0, 1], y = 2x + 0.4·sin(f·πx))",
            GeneratedDataOnly = true,
            NotApplicableReason = "n is the number of rows of the data file"
        )
        OptionSpec(
            "frequency",
            OptionKind.Real,
            "5",
            "f of the generated target y = 2x + 0.4·sin(f·πx) (5 and 20 are the paper's Figures 1 and 2)",
            GeneratedDataOnly = true,
            NotApplicableReason = "the targets come from the data file"
        )
        OptionSpec("width", OptionKind.Integer, "1000", "Hidden width N")
        OptionSpec("beta", OptionKind.Real, "0.52", "Output scaling exponent β, in the window (1/2, 1) (P3.C1)")
        OptionSpec(
            "gamma",
            OptionKind.Real,
            "0.1",
            "γ > 0 of the regularizer λ_N = γ·N^(1−2β) (the paper's 1e-3 leaves H + λ_N I indefinite at N = 1000)"
        )
        OptionSpec(
            "solver",
            OptionKind.Choice,
            "dense",
            "dense (p×p Hessian, Cholesky; P3.C2 exact at every step) | cg (Hessian-vector products; P3.C2 estimated)",
            Choices = [| "dense"; "cg" |]
        )
        OptionSpec("steps", OptionKind.Long, "8", "Newton steps (α = 1, fixed λ_N)")
        OptionSpec("target-reduction", OptionKind.Real, "1e-12", "Stop once L ≤ this × L(θ₀)")
    ]

/// Validates the options (every problem one InvalidInputException line) and builds the data.
let setupOf (i: RunInput) : Setup =
    let width = Opt.intAtLeast i "width" 1
    let beta = Opt.float i "beta"
    let gamma = Opt.float i "gamma"
    let steps = Opt.int64AtLeast i "steps" 1L
    let target = Opt.fraction i "target-reduction"

    if not (beta > 0.5 && beta < 1.0) then
        bad (
            sprintf
                "--beta %s is outside the window (1/2, 1) where λ_N = γN^(1−2β) vanishes yet dominates the Hessian's indefinite part (P3.C1)"
                (r17 beta)
        )

    if not (gamma > 0.0 && Double.IsFinite gamma) then
        bad (sprintf "--gamma must be positive and finite, got %s" (r17 gamma))

    let solver =
        match Opt.text i "solver" with
        | "cg" -> NewtonSolver.ConjugateGradient
        | _ -> NewtonSolver.Dense

    let d, n =
        match i.Data with
        | Some given -> given.D, given.N
        | None -> 1, Opt.int i "n"

    if i.Data.IsNone && n < 2 then
        bad (sprintf "--n must be at least 2 (equispaced points in [0, 1]), got %d" n)

    let p = float width * float (d + 2)

    if solver = NewtonSolver.Dense then
        ProblemSize.Require(
            sprintf "certify newton with N = %d (p = %.0f parameters, dense solver)" width p,
            p * p,
            "the p×p Hessian",
            3.0 * p * p
        )
    else
        ProblemSize.Require(
            sprintf "certify newton with N = %d (p = %.0f parameters)" width p,
            p * 60.0,
            "the Lanczos basis",
            p * 80.0
        )

    let data, source =
        match i.Data with
        | Some given -> Dataset.Create(given.X, given.Y), sourceName i
        | None ->
            let f = Opt.float i "frequency"

            if not (Double.IsFinite f) then
                bad (sprintf "--frequency must be finite, got %s" (r17 f))

            let x = Matrix(n, 1)
            let y = Array.zeroCreate<float> n

            for k in 0 .. n - 1 do
                let t = float k / float (n - 1)
                x[k, 0] <- t
                y[k] <- 2.0 * t + 0.4 * sin (f * Math.PI * t)

            Dataset.Create(x, y), sprintf "generated: %d equispaced x in [0, 1], y = 2x + 0.4·sin(%s·πx)" n (r17 f)

    {
        Data = data
        DataSource = source
        Width = width
        Beta = beta
        Gamma = gamma
        Solver = solver
        MaxSteps = steps
        TargetReduction = target
        Seed = Opt.seed i
        Monitor = i.Monitor
    }

// ---------------------------------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------------------------------

/// At every logged θ_k: a lower bound on λ_min(H_k + λ_N I) (certified on the computed H_k for the dense solver, a
/// Lanczos estimate for CG), the Lanczos estimate itself, ‖S_k‖/λ_N, and the step from the previous logged θ.
type private RegularizedHessianObserver(model0: Mlp, d: Dataset, lambdaN: float, dense: bool, seed: uint64) =
    let objective = ModelLeastSquares(model0, d.X, d.Y, LossNormalization.HalfMean)
    let work = model0.Clone()
    let mutable previous: float[] = [||]
    let mutable first: float[] = [||]

    /// θ after the first step (empty until then).
    member _.FirstStep = first

    interface ITraceObserver with
        member _.Columns =
            [|
                "lambdaMinRegularized"
                "lambdaMinEstimate"
                "indefiniteWitness"
                "sNormOverLambda"
                "maxAbsStep"
                "stepNorm"
            |]

        member _.Observe(iteration, _, theta, values) =
            let th = theta.ToArray()
            let p = th.Length
            let res = objective.Residuals(ReadOnlySpan th)

            // A diverged iterate (non-finite θ or residuals) is recorded as NaN: there is nothing to bound there.
            if not (Array.forall Double.IsFinite th && Array.forall Double.IsFinite res) then
                for c in 0 .. values.Length - 1 do
                    values[c] <- nan

                previous <- [||]
            else
                let estimate, lower, witness =
                    if dense then
                        work.SetParameters(ReadOnlySpan th)

                        let h =
                            NewtonKernels.DenseHessian(work, d.X, ReadOnlySpan res, objective.CurvatureScale)

                        for k in 0 .. p - 1 do
                            h[k, k] <- h[k, k] + lambdaN

                        let apply =
                            Func<ReadOnlySpan<float>, float[]>(fun v ->
                                let out = Array.zeroCreate<float> p
                                Blas.Gemv(Op.None, p, p, 1.0, ReadOnlySpan h.Data, v, 0.0, Span out)
                                out)

                        let l =
                            Lanczos.ExtremeEigenvalues(apply, p, seed, sprintf "p3/lanczos/%d" iteration, 80, 1e-10)

                        let cert = CertifiedEigenvalue.LambdaMin(h, l.Min)
                        // A Ritz value is a Rayleigh quotient of the computed H + λI: below −8p·u·‖H + λI‖_F (its own
                        // rounding, generously) it shows a negative eigenvalue of that matrix.
                        let frob = sqrt (h.Data |> Array.sumBy (fun v -> v * v))
                        l.Min, cert.Bound, l.Min + 8.0 * float p * CertifiedEigenvalue.UnitRoundoff * frob
                    else
                        let apply =
                            Func<ReadOnlySpan<float>, float[]>(fun v ->
                                let hv = objective.HessianVectorProduct(ReadOnlySpan th, v)

                                for k in 0 .. p - 1 do
                                    hv[k] <- hv[k] + lambdaN * v[k]

                                hv)

                        let l =
                            Lanczos.ExtremeEigenvalues(apply, p, seed, sprintf "p3/lanczos/%d" iteration, 50, 1e-8)

                        // No matrix at hand: the Ritz value's rounding is bounded through the largest Ritz value.
                        l.Min, l.Min, l.Min + 8.0 * float p * CertifiedEigenvalue.UnitRoundoff * abs l.Max

                work.SetParameters(ReadOnlySpan th)

                let sNorm =
                    NewtonKernels.IndefinitePartNorm(work, d.X, ReadOnlySpan res, objective.CurvatureScale)

                values[0] <- lower
                values[1] <- estimate
                values[2] <- witness
                values[3] <- sNorm / lambdaN

                if previous.Length = 0 then
                    values[4] <- nan
                    values[5] <- nan
                else
                    let mutable mx = 0.0
                    let mutable s2 = 0.0

                    for k in 0 .. p - 1 do
                        let dk = th[k] - previous[k]
                        mx <- max mx (abs dk)
                        s2 <- s2 + dk * dk

                    values[4] <- mx
                    values[5] <- sqrt s2

                if iteration = 1L then
                    first <- th

                previous <- th

/// Everything computed about one instance; the checks are functions of it.
type Analysis =
    {
        Setup: Setup
        Model0: Mlp
        N: int
        P: int
        LambdaN: float
        /// Eigenvalues (ascending) and eigenvectors of K^N(θ₀) (exact).
        KnValues: float[]
        KnVectors: Matrix
        /// Eigenvalues (ascending) of K̄ (estimated) and the quadrature's error estimate.
        KbarValues: float[]
        KbarQuadratureDifference: float
        /// ‖K^N − N^{1−2β}K̄‖_F/‖N^{1−2β}K̄‖_F (estimated).
        KernelRelativeError: float
        Result: TrainResult
        Steps: int64[]
        Losses: float[]
        LambdaMinLower: float[]
        LambdaMinEstimate: float[]
        /// Per step: the Ritz λ_min plus its rounding allowance; below 0 it witnesses an indefinite H_k + λ_N I.
        IndefiniteWitness: float[]
        SNormOverLambda: float[]
        MaxAbsStep: float[]
        StepNorm: float[]
        R0: float[]
        /// The residual after the first step (NaN-filled when the run made no step).
        R1: float[]
        L0: float
        /// The lazy per-mode factors f_j = nλ_N/(κ_j + nλ_N) over the eigenpairs of K^N(θ₀), and their maximum q.
        ModeFactors: float[]
        Q: float
        /// ⟨r₀, v_j⟩: the initial residual on the eigenvectors of K^N(θ₀).
        R0Components: float[]
        Envelope: float[]
    }

/// Components ⟨r, v_j⟩ of r on the columns v_j of an orthonormal matrix (the eigenvectors of K^N(θ₀)).
let projectOn (vectors: Matrix) (r: float[]) =
    Array.init vectors.Cols (fun j ->
        let mutable c = 0.0

        for i in 0 .. vectors.Rows - 1 do
            c <- c + vectors[i, j] * r[i]

        c)

/// Builds the P3 initialization, trains with the fixed-λ_N regularized Newton step, and computes every quantity.
let analyze (s: Setup) : Analysis =
    let d = s.Data
    let n = d.N
    let m = s.Monitor
    let model0 = Initializers.P3Shallow(d.D, s.Width, s.Beta, s.Seed)
    let p = model0.ParameterCount
    let lambdaN = s.Gamma * Math.Pow(float s.Width, 1.0 - 2.0 * s.Beta)
    m.Phase(sprintf "P3.C4: K^N (%d×%d) and the infinite-width K̄" n n)
    let kn = NewtonKernels.EmpiricalGram(model0, d.X)

    if not (kn.IsFinite()) then
        bad "the NTK K^N at θ₀ overflows float64: the data is too large; rescale it"

    let eig = SymmetricEigen.Decompose kn

    let struct (kbar, quadDiff) =
        NewtonKernels.InfiniteWidth(d.X, ActivationKind.Tanh, true)

    let kbarValues = SymmetricEigen.Eigenvalues kbar
    let scale = Math.Pow(float s.Width, 1.0 - 2.0 * s.Beta)

    let relErr =
        let mutable num = 0.0
        let mutable den = 0.0

        for k in 0 .. kn.Data.Length - 1 do
            let e = scale * kbar.Data[k]
            num <- num + (kn.Data[k] - e) * (kn.Data[k] - e)
            den <- den + e * e

        sqrt (num / den)

    RunMonitor.ThrowIfStopped m
    let objective = ModelLeastSquares(model0, d.X, d.Y, LossNormalization.HalfMean)
    let theta0 = model0.GetParameters()
    let r0 = objective.Residuals(ReadOnlySpan theta0)
    let l0 = 0.5 / float n * (r0 |> Array.sumBy (fun v -> v * v))

    if not (Double.IsFinite l0) then
        bad (sprintf "L(θ₀) = %g overflows float64: the targets or the data are too large; rescale them" l0)

    let observer =
        RegularizedHessianObserver(model0, d, lambdaN, (s.Solver = NewtonSolver.Dense), s.Seed)

    let hessianModel = model0.Clone()

    let denseHessian =
        Func<float[], Matrix>(fun th ->
            hessianModel.SetParameters(ReadOnlySpan th)
            let res = objective.Residuals(ReadOnlySpan th)
            NewtonKernels.DenseHessian(hessianModel, d.X, ReadOnlySpan res, objective.CurvatureScale))

    let newton =
        NewtonOptions(
            NewtonCurvature.Hessian,
            s.Solver,
            DampingSchedule.Fixed,
            Damping = lambdaN,
            StepSize = 1.0,
            DenseHessian = denseHessian
        )

    m.Phase(sprintf "training: regularized Newton, λ_N = %g, with λ_min(H + λ_N I) at every step" lambdaN)

    let result =
        RegularizedNewton.Run(
            objective,
            ReadOnlySpan theta0,
            (TrainerOptions(Steps = s.MaxSteps, TargetLoss = s.TargetReduction * l0, LogEvery = 1L))
                .ObservedBy(observer)
                .MonitoredBy
                m,
            newton
        )

    if result.Status = TrainStatus.Cancelled then
        m.Cancellation.ThrowIfCancellationRequested()

    let tr = result.Trace
    let losses = tr.Losses()

    let r1 =
        if observer.FirstStep.Length > 0 then
            objective.Residuals(ReadOnlySpan observer.FirstStep)
        else
            Array.create n nan

    let nl = float n * lambdaN
    let factors = eig.Values |> Array.map (fun k -> nl / (max k 0.0 + nl))
    let steps = tr.Records |> Seq.map (fun r -> r.Step) |> Seq.toArray
    // The lazy prediction of the whole curve: each residual component on an eigenvector v_j of K^N(θ₀) contracts by
    // f_j per step, so L_k = (1/2n)Σ_j f_j^{2k}⟨r₀, v_j⟩² (≤ q^{2k}L₀).
    let components = projectOn eig.Vectors r0

    let envelope =
        steps
        |> Array.map (fun k ->
            0.5 / float n
            * (Array.map2 (fun (f: float) (c: float) -> Math.Pow(f, 2.0 * float k) * c * c) factors components
               |> Array.sum))

    {
        Setup = s
        Model0 = model0
        N = n
        P = p
        LambdaN = lambdaN
        KnValues = eig.Values
        KnVectors = eig.Vectors
        KbarValues = kbarValues
        KbarQuadratureDifference = quadDiff
        KernelRelativeError = relErr
        Result = result
        Steps = steps
        Losses = losses
        LambdaMinLower = tr.Observed "lambdaMinRegularized"
        LambdaMinEstimate = tr.Observed "lambdaMinEstimate"
        IndefiniteWitness = tr.Observed "indefiniteWitness"
        SNormOverLambda = tr.Observed "sNormOverLambda"
        MaxAbsStep = tr.Observed "maxAbsStep"
        StepNorm = tr.Observed "stepNorm"
        R0 = r0
        R1 = r1
        L0 = l0
        ModeFactors = factors
        Q = Array.max factors
        R0Components = components
        Envelope = envelope
    }

// ---------------------------------------------------------------------------------------------------------------
// The checks, each citing its ID in theory/P3-newton.md
// ---------------------------------------------------------------------------------------------------------------

let private isDense (a: Analysis) = a.Setup.Solver = NewtonSolver.Dense

/// P3.C1: ½ < β < 1 (set-up refuses anything else) and λ_N = γN^{1−2β} > 0. Exact.
let c1 =
    {
        ConditionCheck.Id = "P3.C1"
        Statement = "scaling window 1/2 < β < 1, λ_N = γ·N^(1−2β) > 0: value β, threshold 1/2"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                let b = a.Setup.Beta

                let v =
                    if b > 0.5 && b < 1.0 && a.LambdaN > 0.0 then
                        Verdict.Holds(b - 0.5)
                    else
                        Verdict.Fails(sprintf "β = %g is outside (1/2, 1) or λ_N = %g ≤ 0" b a.LambdaN)

                outcome b 0.5 NumberStatus.Exact v
    }

/// P3.C2: H_k + λ_N I ≻ 0 at every visited θ_k (the minimum over steps of a lower bound on λ_min). Exact for the
/// dense solver (shifted Cholesky on the computed H_k), estimated (Lanczos) for CG.
let c2 =
    {
        ConditionCheck.Id = "P3.C2"
        Statement =
            "H_k + λ_N I positive definite at every step: value min_k of a lower bound on λ_min(∇²L(θ_k) + λ_N I), threshold 0"
        Role = ConditionRole.Hypothesis
        Evaluate =
            fun a ->
                // Steps whose iterate diverged recorded NaN: the check covers the steps that were bounded.
                let observed =
                    [| 0 .. a.LambdaMinLower.Length - 1 |]
                    |> Array.filter (fun k -> not (Double.IsNaN a.LambdaMinLower[k]))

                if observed.Length = 0 then
                    None
                else
                    let kWorst = observed |> Array.minBy (fun k -> a.LambdaMinLower[k])
                    let worst = a.LambdaMinLower[kWorst]
                    // The witness and the estimate come from the same step as each other: the step whose Ritz value
                    // falls below 0 by more than its own rounding, if any.
                    let witnessStep = observed |> Array.tryFind (fun k -> a.IndefiniteWitness[k] < 0.0)

                    let witness = witnessStep.IsSome
                    let kReport = defaultArg witnessStep kWorst
                    let estimate = a.LambdaMinEstimate[kReport]
                    let worstStep = a.Steps[kReport]

                    if isDense a then
                        let v =
                            if worst > 0.0 then
                                Verdict.Holds worst
                            elif witness then
                                Verdict.Fails(
                                    sprintf
                                        "λ_min(H + λ_N I) ≈ %g < 0 at step %d: the regularized Hessian is indefinite"
                                        estimate
                                        worstStep
                                )
                            else
                                Verdict.Inconclusive(
                                    sprintf
                                        "λ_min(H + λ_N I) ≈ %g at step %d is within the rounding bound of 0"
                                        estimate
                                        worstStep
                                )

                        outcome worst 0.0 NumberStatus.Exact v
                    else
                        let v =
                            if witness then
                                Verdict.Fails(
                                    sprintf
                                        "the Lanczos estimate λ_min(H + λ_N I) ≈ %g < 0 at step %d"
                                        estimate
                                        worstStep
                                )
                            else
                                Verdict.Inconclusive(
                                    sprintf
                                        "λ_min(H + λ_N I) ≥ %g only by a Lanczos estimate (--solver cg): use --solver dense to establish it"
                                        estimate
                                )

                        outcome estimate 0.0 NumberStatus.Estimated v
    }

/// P3.C2 (sufficient): ‖S‖ < λ_N at every step, S = H − JᵀJ/n from the per-neuron blocks. Measurement.
let c2Sufficient =
    {
        ConditionCheck.Id = "P3.C2"
        Statement = "sufficient condition ‖S‖ < λ_N (S = ∇²L − JᵀJ/n): value max_k ‖S_k‖/λ_N, threshold 1"
        Role = ConditionRole.Measurement
        Evaluate =
            fun a ->
                let values = a.SNormOverLambda |> Array.filter (fun v -> not (Double.IsNaN v))

                if values.Length = 0 then
                    None
                else
                    let worst = Array.max values

                    let v =
                        if worst < 1.0 then
                            Verdict.Holds(1.0 - worst)
                        else
                            Verdict.Inconclusive(
                                sprintf
                                    "‖S‖/λ_N = %g ≥ 1: the crude sufficient bound does not apply (papers.md measured ≈ 83 at N = 10³)"
                                    worst
                            )

                    outcome worst 1.0 NumberStatus.Exact v
    }

/// The eigenvalues of K̄ that float64 resolves (μ_j/μ_max ≥ 1e-12), P3.C5.
let private resolvable (a: Analysis) =
    let mx = Array.max a.KbarValues

    a.KbarValues |> Array.filter (fun mu -> mu >= resolvableRatio * mx)

/// P3.C3: c = min over resolvable modes of μ_j/(μ_j + nγ). Measurement (K̄ by quadrature: estimated).
let c3 =
    {
        ConditionCheck.Id = "P3.C3"
        Statement =
            "NNTK eigenvalues μ_j/(μ_j + nγ) ≥ c over the resolvable modes of K̄ (γ ≤ μ_min(1 − c)/(nc)): value c, threshold 0"
        Role = ConditionRole.Measurement
        Evaluate =
            fun a ->
                let ng = float a.N * a.Setup.Gamma
                let c = resolvable a |> Array.map (fun mu -> mu / (mu + ng)) |> Array.min

                outcome
                    c
                    0.0
                    NumberStatus.Estimated
                    (Verdict.Inconclusive(
                        sprintf "the NNTK's smallest resolvable eigenvalue is %g (c is a choice, not given)" c
                    ))
    }

/// P3.C4: ‖K^N − N^{1−2β}K̄‖_F/‖N^{1−2β}K̄‖_F at this N. Measurement (estimated).
let c4 =
    {
        ConditionCheck.Id = "P3.C4"
        Statement =
            "K^N ≈ N^(1−2β)·K̄: value the relative Frobenius error at this N, threshold 0 (it should shrink with N)"
        Role = ConditionRole.Measurement
        Evaluate =
            fun a ->
                outcome
                    a.KernelRelativeError
                    0.0
                    NumberStatus.Estimated
                    (Verdict.Inconclusive(
                        sprintf
                            "relative error %g at N = %d (a single width; the rate in N is a sweep)"
                            a.KernelRelativeError
                            a.Setup.Width
                    ))
    }

/// P3.C5: how many modes are resolvable and whether nγ ≫ ε·μ_max. Measurement (exact counts).
let c5 =
    {
        ConditionCheck.Id = "P3.C5"
        Statement = "numerics: modes with μ_j/μ_max ≥ 1e-12 (value, of n = threshold) and nγ ≥ 1e3·ε·μ_max"
        Role = ConditionRole.Measurement
        Evaluate =
            fun a ->
                let count = (resolvable a).Length
                let mx = Array.max a.KbarValues

                let ok =
                    float a.N * a.Setup.Gamma
                    >= regularizerResolution * Tolerance.MachineEpsilon * mx

                let v =
                    if ok then
                        Verdict.Holds(float count)
                    else
                        Verdict.Inconclusive(
                            sprintf
                                "nγ = %g is not ≫ ε·μ_max = %g: the NNTK's small eigenvalues are round-off"
                                (float a.N * a.Setup.Gamma)
                                (Tolerance.MachineEpsilon * mx)
                        )

                outcome (float count) (float a.N) NumberStatus.Exact v
    }

/// P3.R1: per-mode factor after one step against nλ_N/(κ_j + nλ_N). Measurement.
let r1 =
    {
        PredictionCheck.Id = "P3.R1"
        Statement =
            "per-mode contraction after one step: |⟨r₁, v_j⟩/⟨r₀, v_j⟩| against nλ_N/(κ_j + nλ_N), K^N(θ₀) = Σκ_j v_j v_jᵀ, at the worst mode carrying ≥ 1e-6 of ‖r₀‖²"
        Kind = PredictionKind.Measurement
        Evaluate =
            fun a ->
                if Double.IsNaN a.R1[0] then
                    None
                else
                    let c0 = a.R0Components
                    let c1v = projectOn a.KnVectors a.R1
                    let total = c0 |> Array.sumBy (fun v -> v * v)

                    let modes =
                        [| 0 .. a.N - 1 |] |> Array.filter (fun j -> c0[j] * c0[j] >= modeShare * total)

                    if modes.Length = 0 then
                        None
                    else
                        let worst =
                            modes |> Array.maxBy (fun j -> abs (abs (c1v[j] / c0[j]) - a.ModeFactors[j]))

                        let observed = abs (c1v[worst] / c0[worst])
                        let predicted = a.ModeFactors[worst]

                        Some
                            {
                                Bound = predicted
                                Observed = observed
                                Sense = Sense.AtMost
                                Status = NumberStatus.Estimated
                                Holds = abs (observed - predicted) <= lazyAgreement
                                Slack = (if predicted > 0.0 then observed / predicted else nan)
                                WorstStep = 1L
                                Note =
                                    sprintf
                                        "mode %d of %d carrying ≥ 1e-6 of ‖r₀‖² (κ = %g); the lazy picture at finite N, shown when within %g"
                                        (worst + 1)
                                        modes.Length
                                        a.KnValues[worst]
                                        lazyAgreement
                            }
    }

/// P3.R2: L_k ≤ q^{2k}·L₀, q = max_j nλ_N/(κ_j + nλ_N). Bound, estimated (a lazy-limit prediction at finite N).
let r2 =
    {
        PredictionCheck.Id = "P3.R2"
        Statement =
            "exponential convergence per mode: L_k ≤ (1/2n)·Σ_j f_j^(2k)⟨r₀, v_j⟩², f_j = nλ_N/(κ_j + nλ_N), K^N(θ₀) = Σκ_j v_j v_jᵀ (≤ q^(2k)·L₀)"
        Kind = PredictionKind.Bound
        Evaluate =
            fun a ->
                if a.Losses.Length < 2 || not (Tolerances.resolvable a.L0) then
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
                                    "the lazy/infinite-width per-mode curve (slowest factor q = %.6g) held against a finite-N run: an estimate, it cannot refute"
                                    a.Q
                        }
    }

/// P3.R3: max_i |Δθᵢ| per step against N^{β−1} (order only). Measurement.
let r3 =
    {
        PredictionCheck.Id = "P3.R3"
        Statement = "lazy training: max_k max_i |Δθᵢ| against the order N^(β−1) (‖Δθ‖₂ = O(N^(β−1/2)) beside it)"
        Kind = PredictionKind.Measurement
        Evaluate =
            fun a ->
                let steps = a.MaxAbsStep |> Array.filter (fun v -> not (Double.IsNaN v))

                if steps.Length = 0 then
                    None
                else
                    let observed = Array.max steps
                    let order = Math.Pow(float a.Setup.Width, a.Setup.Beta - 1.0)

                    Some
                        {
                            Bound = order
                            Observed = observed
                            Sense = Sense.AtMost
                            Status = NumberStatus.Exact
                            Holds = observed <= order
                            Slack = observed / order
                            WorstStep = -1L
                            Note =
                                sprintf
                                    "an order of magnitude (constant unspecified); largest ‖Δθ‖₂ = %g against N^(β−1/2) = %g"
                                    (a.StepNorm |> Array.filter (fun v -> not (Double.IsNaN v)) |> Array.max)
                                    (Math.Pow(float a.Setup.Width, a.Setup.Beta - 0.5))
                        }
    }

/// P3.R6: L₁/L₀ after one step against the lazy prediction Σ f_j²c_j²/Σ c_j². Measurement.
let r6 =
    {
        PredictionCheck.Id = "P3.R6"
        Statement = "one Newton step: L(θ₁)/L(θ₀) against the lazy prediction Σ_j f_j²⟨r₀, v_j⟩²/‖r₀‖² (→ 0 as γ → 0)"
        Kind = PredictionKind.Measurement
        Evaluate =
            fun a ->
                if a.Losses.Length < 2 then
                    None
                else
                    let c0 = a.R0Components
                    let total = c0 |> Array.sumBy (fun v -> v * v)

                    let predicted =
                        (Array.map2 (fun f c -> (f * c) ** 2.0) a.ModeFactors c0 |> Array.sum) / total

                    let observed = a.Losses[1] / a.Losses[0]

                    Some
                        {
                            Bound = predicted
                            Observed = observed
                            Sense = Sense.AtMost
                            Status = NumberStatus.Estimated
                            Holds = observed <= predicted + lazyAgreement
                            Slack = (if predicted > 0.0 then observed / predicted else nan)
                            WorstStep = 1L
                            Note = sprintf "γ = %g; the limit statement is over γ → 0, a sweep" a.Setup.Gamma
                        }
    }

/// P3 as data.
let theorem: TheoremDefinition<Analysis> =
    {
        Id = "P3"
        Title = "Regularized Newton in the overparameterized limit"
        Reference = "Riedl, Spiliopoulos, Sirignano, arXiv 2605.08352"
        Statement =
            "For f = N^(−β)Σcᵢtanh(wᵢ·x + ηᵢ) with 1/2 < β < 1 and λ_N = γN^(1−2β), the regularized Hessian is positive "
            + "definite for N large, the Newton NTK Θ_γ = K̄(K̄ + nγI)⁻¹ has eigenvalues bounded below, and the "
            + "residual contracts per NTK mode by nγ/(μ_j + nγ) — uniformly across frequencies, unlike GD."
        Hypotheses = [ c1; c2; c2Sufficient; c3; c4; c5 ]
        Conclusions = [ r1; r2; r3; r6 ]
        NotChecked =
            [
                "P3.R4",
                "uniform rates across frequencies against GD: a comparison over many runs (GD with a tuned rate), not a property of one certificate; measured by `overparam experiment newton-vs-gd`"
                "P3.R5",
                "finite-N trajectories approach the infinite-width one: an exponent fit over widths up to 10⁶, a sweep"
            ]
    }

// ---------------------------------------------------------------------------------------------------------------
// Certificate: quantity groups and trace columns
// ---------------------------------------------------------------------------------------------------------------

/// The numbers of an analysis, grouped for the certificate.
let quantities (a: Analysis) : QuantityGroup list =
    let s = a.Setup
    let q = quantity

    let finite (xs: float[]) =
        xs |> Array.filter (fun v -> not (Double.IsNaN v))

    [
        QuantityGroup(
            "scaling",
            "Width, scaling and regularizer",
            true,
            [|
                q "N" (float s.Width) NumberStatus.Exact "hidden width"
                q "beta" s.Beta NumberStatus.Exact "output scaling N^(−β)"
                q "gamma" s.Gamma NumberStatus.Exact "γ"
                q "lambda_N" a.LambdaN NumberStatus.Exact "λ_N = γ·N^(1−2β)"
                q "p" (float a.P) NumberStatus.Exact "trained parameters N(d + 2)"
            |]
        )
        QuantityGroup(
            "kernels",
            "K^N at θ₀ and the infinite-width K̄",
            true,
            [|
                q "kappa_max" (Array.last a.KnValues) NumberStatus.Exact "λ_max(K^N(θ₀))"
                q "kappa_min" a.KnValues[0] NumberStatus.Exact "λ_min(K^N(θ₀))"
                q "mu_max" (Array.last a.KbarValues) NumberStatus.Estimated "λ_max(K̄) (trapezoidal rule)"
                q "mu_min" a.KbarValues[0] NumberStatus.Estimated "λ_min(K̄)"
                q "K relative error" a.KernelRelativeError NumberStatus.Estimated "‖K^N − N^(1−2β)K̄‖_F/‖N^(1−2β)K̄‖_F"
                q
                    "quadrature difference"
                    a.KbarQuadratureDifference
                    NumberStatus.Estimated
                    "max entry difference of K̄ between steps h and 2h"
                q "q" a.Q NumberStatus.Exact "max_j nλ_N/(κ_j + nλ_N): the slowest lazy mode factor"
            |]
        )
        QuantityGroup(
            "run",
            "The regularized Newton run",
            true,
            [|
                q "L0" a.L0 NumberStatus.Exact "L(θ₀) = (1/2n)‖r₀‖²"
                q "final L" (Array.last a.Losses) NumberStatus.Exact "L at the last step"
                q
                    "min lambda_min(H + lambda_N I)"
                    (let f = finite a.LambdaMinLower in if f.Length = 0 then nan else Array.min f)
                    (if isDense a then
                         NumberStatus.Exact
                     else
                         NumberStatus.Estimated)
                    "over the steps (P3.C2)"
                q
                    "max ||S||/lambda_N"
                    (let f = finite a.SNormOverLambda in if f.Length = 0 then nan else Array.max f)
                    NumberStatus.Exact
                    "over the steps"
                q
                    "max |dtheta_i|"
                    (let f = finite a.MaxAbsStep in if f.Length = 0 then nan else Array.max f)
                    NumberStatus.Exact
                    "largest single-parameter move in one step (P3.R3)"
            |]
        )
    ]

/// The logged run as columns.
let trace (a: Analysis) : TraceTable =
    let steps = a.Steps |> Array.map float

    let st =
        if isDense a then
            NumberStatus.Exact
        else
            NumberStatus.Estimated

    TraceTable(
        [|
            column "step" ColumnRole.Index NumberStatus.Exact "Newton step k" steps
            column "loss" ColumnRole.Observed NumberStatus.Exact "L(θ_k) = (1/2n)‖f(θ_k) − y‖²" a.Losses
            column
                "envelope"
                ColumnRole.Bound
                NumberStatus.Estimated
                "(1/2n)Σ_j f_j^(2k)⟨r₀, v_j⟩²: the lazy per-mode curve (P3.R2)"
                a.Envelope
            column
                "lambdaMinRegularized"
                ColumnRole.Diagnostic
                st
                "lower bound on λ_min(H_k + λ_N I) (P3.C2)"
                a.LambdaMinLower
            column "sNormOverLambda" ColumnRole.Diagnostic NumberStatus.Exact "‖S_k‖/λ_N" a.SNormOverLambda
            column "maxAbsStep" ColumnRole.Diagnostic NumberStatus.Exact "max_i |θ_k − θ_{k−1}|ᵢ (P3.R3)" a.MaxAbsStep
            column "stepNorm" ColumnRole.Diagnostic NumberStatus.Exact "‖θ_k − θ_{k−1}‖₂" a.StepNorm
        |],
        [| TracePlot("loss against the lazy envelope (P3.R2)", "step", "loss", "envelope", true) |],
        Spectra =
            [|
                EigenSpectrum(
                    "kN",
                    "empirical NNTK Gram K^N(θ₀)",
                    NumberStatusKind.Exact,
                    "its eigenvalues are the modes μ_j of P3.R1/P3.R2 (P3.C5 reads their spread); symmetric eigensolver on the exact Gram",
                    a.KnValues
                )
                EigenSpectrum(
                    "kbar",
                    "infinite-width NNTK K̄ (trapezoid quadrature)",
                    NumberStatusKind.Estimated,
                    "the N → ∞ limit of K^N; quadrature with an estimated error (P3.C4)",
                    a.KbarValues
                )
            |]
    )

/// P3 as a registered theorem, before its sweep trial (which is built from it).
let private certifyOnly: Theorem<Setup, Analysis> =
    {
        Definition = theorem
        Command = "newton"
        Options = options
        Setup = setupOf
        Analyze = analyze
        Quantities = quantities
        Trace = trace
        RunNote =
            fun a ->
                // Say what the verdict could not have been (as P2 does for GD): the only bound is the lazy curve.
                [
                    runNote a.Result "L" a.Setup.TargetReduction
                    "P3's only bound here (P3.R2) is the lazy/infinite-width curve held against a finite-N run, an estimate, so a run can make the verdict inconclusive but never refute P3"
                ]
                |> List.filter (fun t -> t <> "")
                |> String.concat "; "
        Instance = fun a -> a.Setup.Data, ModelFile.Serialize a.Model0
        Trial = None
        Experiments = []
    }

/// P3's sweep trial is its certificate (Contract.certifyTrial) — the experiments of papers.md §3.6 vary the width N,
/// the target's frequency and γ: success is P3.R2 (the loss stays under the lazy per-mode envelope at every step),
/// and the metrics say whether P3.C1–C2 were established and how far the loss fell.
let trial: TrialSpec =
    certifyTrial
        certifyOnly
        [ "width"; "frequency"; "gamma"; "beta"; "n"; "steps" ]
        [ "n"; "width"; "frequency" ]
        "P3.R2"
        [
            {
                Name = "L0"
                Description = "L(θ₀) = (1/2n)‖r₀‖² (exact)"
                Group = "run"
                Quantity = "L0"
            }
            {
                Name = "final-L"
                Description = "L at the last Newton step (exact)"
                Group = "run"
                Quantity = "final L"
            }
            {
                Name = "lambda-min-regularized"
                Description = "min over the steps of the lower bound on λ_min(H + λ_N I) (P3.C2)"
                Group = "run"
                Quantity = "min lambda_min(H + lambda_N I)"
            }
            {
                Name = "q"
                Description = "max_j nλ_N/(κ_j + nλ_N), the slowest lazy mode factor (exact)"
                Group = "kernels"
                Quantity = "q"
            }
        ]
        null
        ("A trial is `certify newton` on one instance (n equispaced points, y = 2x + 0.4·sin(frequency·πx), width N, "
         + "its seed derived from the run seed, n, N and the frequency): regularized Newton with λ_N = γN^(1−2β). "
         + "Success: P3.R2, the loss stays under the lazy per-mode envelope at every step.")

// ---------------------------------------------------------------------------------------------------------------
// Experiment: Newton vs GD across frequencies (papers.md §3.6, the paper's Figures 3 and 5)
// ---------------------------------------------------------------------------------------------------------------

/// The GD/Adam learning-rate grid of the pilots: 9 points log-spaced over 10⁻⁵ … 10¹ (papers.md §3.6).
let learningRateGrid =
    Array.init 9 (fun j -> Math.Pow(10.0, -5.0 + 6.0 * float j / 8.0))

/// The starting Levenberg–Marquardt damping of the Newton and Gauss–Newton runs (the repository's, papers.md §3.3).
let experimentDamping = 1e-8

/// Every step k ≤ this is logged besides the thinned grid, so that the first Newton steps are resolved.
let logFirstSteps = 10L

/// The band of the loss and error curves: the 5th and 95th percentiles over seeds (papers.md §3.6).
let bandLow = 0.05

/// Upper edge of the band.
let bandHigh = 0.95

/// The options of `experiment newton-vs-gd` (with the shared --seed).
let experimentOptions: OptionSpec list =
    [
        OptionSpec("n", OptionKind.Integer, "128", "Equispaced x in [0, 1]")
        OptionSpec(
            "frequencies",
            OptionKind.IntegerList,
            "2,8,10,16",
            "f_k of the target y = 4x + sin(f₁πx) + 0.8·Σ_{k>1} sin(f_kπx) (the paper's other set: 2,9,16,28)"
        )
        OptionSpec("width", OptionKind.Integer, "1000", "Hidden width N")
        OptionSpec("beta", OptionKind.Real, "0.52", "Output scaling exponent β, in (1/2, 1) (P3.C1)")
        OptionSpec(
            "seeds",
            OptionKind.Integer,
            "4",
            "Initializations per optimizer (the paper: 10, 100 in its figures)"
        )
        OptionSpec("gd-steps", OptionKind.Long, "3000", "Iterations of the long GD and Adam runs (the paper: 1e5)")
        OptionSpec(
            "newton-steps",
            OptionKind.Long,
            "60",
            "Iterations of the Newton and Gauss–Newton runs (CG ≤ 10 products, LM damping from 1e-8; the paper: 1e4)"
        )
        OptionSpec(
            "pilot-steps",
            OptionKind.Long,
            "300",
            "Iterations of each learning-rate pilot (grid 1e-5 … 1e1, 9 points)"
        )
        OptionSpec("points", OptionKind.Integer, "100", "Logged points per long run (besides its first 10 steps)")
        OptionSpec(
            "modes",
            OptionKind.Integer,
            "8",
            "Leading eigenvectors of K^N(θ₀) whose residual components are followed"
        )
        OptionSpec(
            "error-level",
            OptionKind.Real,
            "0.1",
            "A frequency's or mode's relative error below this counts as learned (speed-ups per frequency, P3.R4)"
        )
        OptionSpec("loss-reduction", OptionKind.Real, "1e-3", "Loss level of the speed-ups: this × the mean L(θ₀)")
    ]
    @ (sharedOptions |> List.filter (fun o -> o.Name = "seed"))

/// One optimizer of the comparison.
type Method =
    | GD
    | AdamMethod
    | Newton
    | GaussNewton

    /// Its name in figures and quantities.
    member m.Label =
        match m with
        | GD -> "GD"
        | AdamMethod -> "Adam"
        | Newton -> "Newton"
        | GaussNewton -> "Gauss–Newton"

/// A validated newton-vs-gd configuration.
type ExperimentSetup =
    {
        Data: Dataset
        Frequencies: int[]
        /// The basis {x, sin f₁πx, …} as columns.
        Basis: Matrix
        /// The target's coefficients on the basis (4, 1, 0.8, …).
        TargetCoefficients: float[]
        Width: int
        Beta: float
        Seeds: int
        GdSteps: int64
        NewtonSteps: int64
        PilotSteps: int64
        Points: int
        Modes: int
        ErrorLevel: float
        LossReduction: float
        Seed: uint64
        Monitor: IRunMonitor
    }

/// The names of the basis functions, in column order.
let componentNames (freqs: int[]) =
    Array.append [| "x" |] (freqs |> Array.map (sprintf "sin %dπx"))

/// The target y = 4x + sin(f₁πx) + 0.8·Σ_{k>1} sin(f_kπx) on n equispaced points, and its basis (papers.md §3.6).
let frequencyData (n: int) (freqs: int[]) =
    let x = Matrix(n, 1)
    let basis = Matrix(n, freqs.Length + 1)

    let coeffs =
        Array.append [| 4.0 |] (freqs |> Array.mapi (fun k _ -> if k = 0 then 1.0 else 0.8))

    let y = Array.zeroCreate<float> n

    for i in 0 .. n - 1 do
        let t = float i / float (n - 1)
        x[i, 0] <- t
        basis[i, 0] <- t

        for k in 0 .. freqs.Length - 1 do
            basis[i, k + 1] <- sin (float freqs[k] * Math.PI * t)

        y[i] <- Array.init coeffs.Length (fun c -> coeffs[c] * basis[i, c]) |> Array.sum

    Dataset.Create(x, y), basis, coeffs

/// Validates the options (every problem one InvalidInputException line) before any work.
let experimentSetupOf (i: RunInput) : ExperimentSetup =
    let n = Opt.intAtLeast i "n" 2
    let freqs = Opt.intList i "frequencies"
    let width = Opt.intAtLeast i "width" 1
    let beta = Opt.float i "beta"
    let seeds = Opt.intAtLeast i "seeds" 1
    let gdSteps = Opt.int64AtLeast i "gd-steps" 1L
    let newtonSteps = Opt.int64AtLeast i "newton-steps" 1L
    let pilotSteps = Opt.int64AtLeast i "pilot-steps" 1L
    let points = Opt.intAtLeast i "points" 2
    let modes = Opt.intAtLeast i "modes" 1
    let level = Opt.fraction i "error-level"
    let reduction = Opt.fraction i "loss-reduction"

    if not (beta > 0.5 && beta < 1.0) then
        bad (sprintf "--beta %s is outside the window (1/2, 1) (P3.C1)" (r17 beta))

    if (Array.distinct freqs).Length <> freqs.Length then
        bad (
            sprintf "--frequencies %s repeats a frequency: the basis would be rank deficient" (Opt.text i "frequencies")
        )

    if n < freqs.Length + 2 then
        bad (
            sprintf
                "--n %d is too small: the basis {x, sin f_kπx} has %d functions and needs n > that"
                n
                (freqs.Length + 1)
        )

    if modes > n then
        bad (sprintf "--modes %d exceeds n = %d (K^N has n eigenvectors)" modes n)

    let p = float width * 3.0
    // The n×p Jacobian rows of K^N(θ₀) and one CG solve's vectors are the largest arrays.
    ProblemSize.Require(
        sprintf "experiment newton-vs-gd with n = %d, N = %d (p = %.0f parameters)" n width p,
        float n * p,
        "the n×p Jacobian of K^N(θ₀)",
        float n * p + 40.0 * p + 4.0 * float n * float n
    )

    let data, basis, coeffs = frequencyData n freqs

    {
        Data = data
        Frequencies = freqs
        Basis = basis
        TargetCoefficients = coeffs
        Width = width
        Beta = beta
        Seeds = seeds
        GdSteps = gdSteps
        NewtonSteps = newtonSteps
        PilotSteps = pilotSteps
        Points = points
        Modes = modes
        ErrorLevel = level
        LossReduction = reduction
        Seed = Opt.seed i
        Monitor = i.Monitor
    }

/// At every logged θ: the relative error |a_k(f − y)|/|a_k(y)| of each basis component (least squares on the basis,
/// a(f) − a(y) = a(f − y)), then |⟨r, v_j⟩|/|⟨r₀, v_j⟩| for each followed eigenvector v_j of K^N(θ₀) (NaN for a mode
/// that carries too little of r₀ or sits at round-off, P3.C5).
type ComponentObserver
    (
        objective: ModelLeastSquares,
        ls: LeastSquares,
        targetCoefficients: float[],
        vectors: Matrix,
        modes: int[],
        r0Modes: float[]
    ) =
    let k = targetCoefficients.Length

    interface ITraceObserver with
        member _.Columns =
            Array.append (Array.init k (sprintf "component%d")) (Array.init modes.Length (sprintf "mode%d"))

        member _.Observe(_, _, theta, values) =
            let r = objective.Residuals theta
            let a = ls.Coefficients(ReadOnlySpan r)

            for c in 0 .. k - 1 do
                values[c] <- abs a[c] / abs targetCoefficients[c]

            for j in 0 .. modes.Length - 1 do
                if Double.IsNaN r0Modes[j] then
                    values[k + j] <- nan
                else
                    let mutable dot = 0.0

                    for i in 0 .. r.Length - 1 do
                        dot <- dot + vectors[i, modes[j]] * r[i]

                    values[k + j] <- abs dot / abs r0Modes[j]

/// One seed's instance: the initial net, the followed modes of K^N(θ₀), their eigenvalues and r₀'s components.
type SeedInstance =
    {
        Model0: Mlp
        Vectors: Matrix
        Modes: int[]
        ModeValues: float[]
        R0Modes: float[]
        L0: float
    }

/// The initial net of seed index s (its own stream under the run seed) and the leading modes of its K^N(θ₀).
let seedInstance (s: ExperimentSetup) (index: int) =
    let seed =
        Overparam.Verify.Engine.Random.RandomStreams
            .For(s.Seed, sprintf "experiment/newton-vs-gd/seed=%d" index)
            .NextUInt64()

    let model0 = Initializers.P3Shallow(1, s.Width, s.Beta, seed)
    let d = s.Data
    let eig = SymmetricEigen.Decompose(NewtonKernels.EmpiricalGram(model0, d.X))
    let n = d.N

    let objective =
        ModelLeastSquares(model0.Clone(), d.X, d.Y, LossNormalization.HalfMean)

    let r0 = objective.Residuals(ReadOnlySpan(model0.GetParameters()))
    let r0Norm2 = r0 |> Array.sumBy (fun v -> v * v)
    let muMax = eig.Values[n - 1]
    let modes = Array.init s.Modes (fun j -> n - 1 - j)
    let components = projectOn eig.Vectors r0

    {
        Model0 = model0
        Vectors = eig.Vectors
        Modes = modes
        ModeValues = modes |> Array.map (fun j -> eig.Values[j])
        R0Modes =
            modes
            |> Array.map (fun j ->
                let c = components[j]
                // A mode at round-off (P3.C5) or carrying almost none of r₀ has no meaningful relative error.
                if eig.Values[j] < resolvableRatio * muMax || c * c < modeShare * r0Norm2 then
                    nan
                else
                    c)
        L0 = 0.5 / float n * r0Norm2
    }

/// One run of a method from a seed's θ₀ (steps, η for GD/Adam), observed when `observer` is given.
let runMethod
    (s: ExperimentSetup)
    (inst: SeedInstance)
    (m: Method)
    (lr: float)
    (steps: int64)
    (every: int64)
    observers
    =
    let d = s.Data

    let objective =
        ModelLeastSquares(inst.Model0.Clone(), d.X, d.Y, LossNormalization.HalfMean)

    let theta0 = inst.Model0.GetParameters()

    let options =
        (TrainerOptions(LearningRate = lr, Steps = steps, LogEvery = every, LogFirst = logFirstSteps))
            .ObservedBy(observers)
            .MonitoredBy
            s.Monitor

    let newton curvature =
        NewtonOptions(
            curvature,
            NewtonSolver.ConjugateGradient,
            DampingSchedule.LevenbergMarquardt,
            Damping = experimentDamping
        )

    let result =
        match m with
        | GD -> GradientDescent.Run(objective, ReadOnlySpan theta0, options)
        | AdamMethod -> Adam.Run(objective, ReadOnlySpan theta0, options)
        | Newton -> RegularizedNewton.Run(objective, ReadOnlySpan theta0, options, newton NewtonCurvature.Hessian)
        | GaussNewton ->
            RegularizedNewton.Run(objective, ReadOnlySpan theta0, options, newton NewtonCurvature.GaussNewton)

    if result.Status = TrainStatus.Cancelled then
        s.Monitor.Cancellation.ThrowIfCancellationRequested()

    result

/// The q-quantile of sorted values by linear interpolation between order statistics (numpy's default); NaN when empty.
let quantileSorted (sorted: float[]) (q: float) =
    if sorted.Length = 0 then
        nan
    else
        let h = q * float (sorted.Length - 1)
        let lo = int (floor h)
        let hi = min (lo + 1) (sorted.Length - 1)
        sorted[lo] + (h - float lo) * (sorted[hi] - sorted[lo])

/// Curves of several seeds on the union of their logged steps: mean and 5–95 percentiles over the seeds that logged
/// each step (a run that diverged stops contributing after its last finite record).
type Aggregate =
    {
        Steps: float[]
        Mean: float[]
        Low: float[]
        High: float[]
    }

/// Aggregates (steps, values) pairs of several runs (non-finite values are left out).
let aggregate (runs: (float[] * float[]) list) =
    let steps =
        runs
        |> List.collect (fun (st, _) -> List.ofArray st)
        |> List.distinct
        |> List.sort
        |> List.toArray

    let lookups = runs |> List.map (fun (st, v) -> dict (Array.zip st v))

    let at k =
        lookups
        |> List.choose (fun l ->
            match l.TryGetValue k with
            | true, v when Double.IsFinite v -> Some v
            | _ -> None)
        |> List.toArray
        |> Array.sort

    let per = steps |> Array.map at

    {
        Steps = steps
        Mean = per |> Array.map (fun v -> if v.Length = 0 then nan else Array.average v)
        Low = per |> Array.map (fun v -> quantileSorted v bandLow)
        High = per |> Array.map (fun v -> quantileSorted v bandHigh)
    }

/// The first logged step at which the mean curve is ≤ level, and its index; (NaN, −1) when never.
let firstBelow (a: Aggregate) (level: float) =
    match a.Mean |> Array.tryFindIndex (fun v -> v <= level) with
    | Some i -> a.Steps[i], i
    | None -> nan, -1

/// What one method produced over all seeds.
type MethodRuns =
    {
        Method: Method
        LearningRate: float
        Steps: int64
        Loss: Aggregate
        /// Mean wall-clock seconds at each of Loss.Steps.
        Wall: float[]
        Components: Aggregate[]
        ModeErrors: Aggregate[]
        Diverged: int
        Seconds: float
    }

/// Runs `m` on every seed and aggregates its curves.
let runAll (s: ExperimentSetup) (instances: SeedInstance[]) (ls: LeastSquares) (m: Method) (lr: float) (steps: int64) =
    let every = max 1L (steps / int64 s.Points)
    let k = s.TargetCoefficients.Length

    let results =
        instances
        |> Array.mapi (fun i inst ->
            s.Monitor.Phase(
                sprintf
                    "%s%s: seed %d/%d, %d steps"
                    m.Label
                    (if Double.IsNaN lr then "" else sprintf " (η = %g)" lr)
                    (i + 1)
                    s.Seeds
                    steps
            )

            let objective =
                ModelLeastSquares(inst.Model0.Clone(), s.Data.X, s.Data.Y, LossNormalization.HalfMean)

            let observer =
                ComponentObserver(objective, ls, s.TargetCoefficients, inst.Vectors, inst.Modes, inst.R0Modes)

            runMethod s inst m (if Double.IsNaN lr then 0.01 else lr) steps every [| observer :> ITraceObserver |])

    let stepsOf (r: TrainResult) = r.Trace.Steps()

    let col (name: string) =
        results |> Array.map (fun r -> stepsOf r, r.Trace.Observed name) |> List.ofArray

    let loss =
        aggregate (results |> Array.map (fun r -> stepsOf r, r.Trace.Losses()) |> List.ofArray)

    let wall =
        aggregate (results |> Array.map (fun r -> stepsOf r, r.Trace.WallSeconds()) |> List.ofArray)

    {
        Method = m
        LearningRate = lr
        Steps = steps
        Loss = loss
        Wall = wall.Mean
        Components = Array.init k (fun c -> aggregate (col (sprintf "component%d" c)))
        ModeErrors = Array.init s.Modes (fun j -> aggregate (col (sprintf "mode%d" j)))
        Diverged =
            results
            |> Array.filter (fun r -> r.Status = TrainStatus.Diverged)
            |> Array.length
        Seconds =
            results
            |> Array.averageBy (fun r -> let w = r.Trace.WallSeconds() in w[w.Length - 1])
    }

/// The pilot score of η for a method: the minimum loss of a pilot run averaged over seeds (papers.md §3.6); a pilot
/// that diverged scores +∞ (its long run would diverge too).
let pilotScore (s: ExperimentSetup) (instances: SeedInstance[]) (m: Method) (lr: float) =
    s.Monitor.Phase(sprintf "%s pilot: η = %g, %d seeds × %d steps" m.Label lr s.Seeds s.PilotSteps)

    instances
    |> Array.averageBy (fun inst ->
        let r = runMethod s inst m lr s.PilotSteps s.PilotSteps [||]

        if r.Status = TrainStatus.Diverged || Double.IsNaN r.BestLoss then
            infinity
        else
            r.BestLoss)

/// Everything the newton-vs-gd experiment computed.
type ExperimentAnalysis =
    {
        Setup: ExperimentSetup
        Instances: SeedInstance[]
        Pilots: (Method * float[]) list
        Runs: MethodRuns list
    }

/// Runs the pilots, the long runs and the aggregation.
let analyzeExperiment (s: ExperimentSetup) =
    let ls = LeastSquares(s.Basis)
    s.Monitor.Phase(sprintf "K^N(θ₀) of %d seeds" s.Seeds)

    let instances =
        Array.init s.Seeds (fun i ->
            RunMonitor.ThrowIfStopped s.Monitor
            seedInstance s i)

    let tune m =
        let scores = learningRateGrid |> Array.map (pilotScore s instances m)
        let best = scores |> Array.indexed |> Array.minBy (fun (i, v) -> v, i) |> fst
        scores, learningRateGrid[best]

    let gdScores, gdLr = tune GD
    let adamScores, adamLr = tune AdamMethod

    let runs =
        [
            runAll s instances ls Newton nan s.NewtonSteps
            runAll s instances ls GaussNewton nan s.NewtonSteps
            runAll s instances ls GD gdLr s.GdSteps
            runAll s instances ls AdamMethod adamLr s.GdSteps
        ]

    {
        Setup = s
        Instances = instances
        Pilots = [ GD, gdScores; AdamMethod, adamScores ]
        Runs = runs
    }

/// P3.R4 as a measurement: per followed mode j, the iterations k_j until its mean relative error falls below the
/// error level; rate_j = ln(1/level)/k_j. Returns (spread max_j k_j / min_j k_j over the modes that reached it,
/// number of modes that did not reach it within the run (censored: their rate is below ln(1/level)/steps), modes).
let modeSpread (r: MethodRuns) (level: float) =
    let followed =
        r.ModeErrors |> Array.filter (fun a -> a.Mean |> Array.exists Double.IsFinite)

    let crossings = followed |> Array.map (fun a -> fst (firstBelow a level))
    let reached = crossings |> Array.filter Double.IsFinite
    let censored = crossings.Length - reached.Length

    let spread =
        if reached.Length = 0 then nan
        elif censored > 0 then float r.Steps / Array.min reached
        else Array.max reached / Array.min reached

    spread, censored, followed.Length, crossings

/// The experiment as a result record: measurements, quantities, figures and findings.
let experimentResult (a: ExperimentAnalysis) (values: Map<string, string>) : ExperimentResult =
    let s = a.Setup
    let names = componentNames s.Frequencies
    let q = quantity

    let byMethod m =
        a.Runs |> List.find (fun r -> r.Method = m)

    let newton, gn, gd, adam =
        byMethod Newton, byMethod GaussNewton, byMethod GD, byMethod AdamMethod

    let l0 = a.Instances |> Array.averageBy (fun i -> i.L0)
    let lossLevel = s.LossReduction * l0
    let est = NumberStatus.Estimated
    let exact = NumberStatus.Exact

    let toLevel (r: MethodRuns) =
        let k, i = firstBelow r.Loss lossLevel
        k, (if i >= 0 then r.Wall[i] else nan)

    let ratio (x: float) (y: float) = x / y

    let freqCross (r: MethodRuns) c =
        let k, i = firstBelow r.Components[c] s.ErrorLevel
        k, (if i >= 0 then r.Wall[i] else nan)

    let modeMeans =
        Array.init s.Modes (fun j -> a.Instances |> Array.averageBy (fun i -> i.ModeValues[j]))

    let nSpread, nCensored, nFollowed, nCross = modeSpread newton s.ErrorLevel
    let gSpread, gCensored, gFollowed, gCross = modeSpread gd s.ErrorLevel
    // μ_max/μ_min over the followed modes (those with a finite mean error curve).
    let followedIdx =
        [| 0 .. s.Modes - 1 |]
        |> Array.filter (fun j -> gd.ModeErrors[j].Mean |> Array.exists Double.IsFinite)

    let muRatio =
        if followedIdx.Length = 0 then
            nan
        else
            modeMeans[followedIdx[0]] / modeMeans[followedIdx[followedIdx.Length - 1]]

    let spreadText spread censored (steps: int64) =
        if censored > 0 then
            sprintf "≥ %.3g (%d mode(s) not below the level within %d steps)" spread censored steps
        else
            sprintf "%.3g" spread

    let measurements =
        [|
            PredictionResult(
                "P3.R4",
                sprintf
                    "No spectral bias: Newton's per-mode rates are uniform. Spread max_j k_j/min_j k_j of the iterations until each followed K^N(θ₀) mode's mean relative error is ≤ %g, Newton (observed) vs GD (bound)"
                    s.ErrorLevel,
                CheckRole.Measurement,
                "at-most",
                gSpread,
                nSpread,
                NumberStatusKind.Estimated,
                (nSpread <= gSpread),
                nSpread / gSpread,
                -1L,
                sprintf
                    "Newton %s over %d modes, GD %s over %d modes (a censored spread is a lower bound); mean over %d seeds"
                    (spreadText nSpread nCensored newton.Steps)
                    nFollowed
                    (spreadText gSpread gCensored gd.Steps)
                    gFollowed
                    s.Seeds
            )
            PredictionResult(
                "P3.R4",
                "GD's per-mode spread grows like μ_max/μ_min over the same modes (spectral bias): GD spread (observed) vs μ_max/μ_min of K^N(θ₀) (bound)",
                CheckRole.Measurement,
                "at-most",
                muRatio,
                gSpread,
                NumberStatusKind.Estimated,
                (gSpread <= muRatio),
                gSpread / muRatio,
                -1L,
                sprintf
                    "lazy GD contracts mode j by 1 − ημ_j/n per step, so k_j ∝ 1/μ_j and the spread is μ_max/μ_min when every mode is reached; %s"
                    (if gCensored > 0 then
                         "some modes were not reached, so the observed spread is a lower bound"
                     else
                         "every mode was reached")
            )
        |]

    let methods = [ newton; gn; gd; adam ]

    let lrText (r: MethodRuns) =
        if Double.IsNaN r.LearningRate then
            sprintf "%s (LM from λ = %g)" r.Method.Label experimentDamping
        else
            sprintf "%s (η = %g)" r.Method.Label r.LearningRate

    let quantities =
        [
            QuantityGroup(
                "instance",
                "Instance",
                true,
                [|
                    q "n" (float s.Data.N) exact "equispaced points in [0, 1]"
                    q "N" (float s.Width) exact "hidden width"
                    q "p" (float (3 * s.Width)) exact "trained parameters (c, w, η)"
                    q "seeds" (float s.Seeds) exact "initializations per method"
                    q "mean L0" l0 est "L(θ₀) averaged over the seeds"
                    q "loss level" lossLevel est "loss-reduction × mean L(θ₀): the level of the speed-ups"
                |]
            )
            QuantityGroup(
                "learning-rates",
                "Learning rates (pilots: minimum loss of a pilot run, averaged over seeds; +∞ = diverged)",
                true,
                [|
                    q "GD eta" gd.LearningRate exact "the grid point with the lowest pilot score"
                    q "Adam eta" adam.LearningRate exact "the grid point with the lowest pilot score"
                    for (m, scores) in a.Pilots do
                        for j in 0 .. learningRateGrid.Length - 1 do
                            q
                                (sprintf "%s pilot eta=%.3g" m.Label learningRateGrid[j])
                                scores[j]
                                est
                                "mean min loss of the pilot"
                |]
            )
            QuantityGroup(
                "runs",
                "Long runs (means over seeds; wall-clock measured on this machine)",
                false,
                [|
                    for r in methods do
                        q (sprintf "%s steps" r.Method.Label) (float r.Steps) exact (lrText r)

                        q
                            (sprintf "%s final L" r.Method.Label)
                            r.Loss.Mean[r.Loss.Mean.Length - 1]
                            est
                            "mean loss at the last step"

                        q (sprintf "%s seconds" r.Method.Label) r.Seconds est "mean wall-clock seconds of one run"
                        q (sprintf "%s diverged" r.Method.Label) (float r.Diverged) exact "runs that diverged"
                |]
            )
            QuantityGroup(
                "frequency-errors",
                "Final relative error per basis component |a_k(f) − a_k(y)|/|a_k(y)| (mean over seeds)",
                false,
                [|
                    for r in methods do
                        for c in 0 .. names.Length - 1 do
                            let comp = r.Components[c]

                            q
                                (sprintf "%s %s" r.Method.Label names[c])
                                comp.Mean[comp.Mean.Length - 1]
                                est
                                "least squares on the basis"
                |]
            )
            QuantityGroup(
                "speed-ups",
                sprintf
                    "Iterations and seconds to the loss level and to relative error ≤ %g per component (first logged step)"
                    s.ErrorLevel,
                false,
                [|
                    for r in methods do
                        let k, sec = toLevel r
                        q (sprintf "%s iterations to loss level" r.Method.Label) k est "NaN: not reached"
                        q (sprintf "%s seconds to loss level" r.Method.Label) sec est "mean wall-clock at that step"
                    let kn, sn = toLevel newton
                    let kg, sg = toLevel gd
                    q "GD/Newton iterations to loss level" (ratio kg kn) est "NaN: one of them did not reach it"
                    q "GD/Newton seconds to loss level" (ratio sg sn) est "NaN: one of them did not reach it"

                    for c in 0 .. names.Length - 1 do
                        for r in methods do
                            let k, sec = freqCross r c
                            q (sprintf "%s %s iterations" r.Method.Label names[c]) k est "NaN: not reached"
                            q (sprintf "%s %s seconds" r.Method.Label names[c]) sec est "NaN: not reached"

                        let kn, sn = freqCross newton c
                        let kg, sg = freqCross gd c

                        q
                            (sprintf "GD/Newton %s iterations" names[c])
                            (ratio kg kn)
                            est
                            "NaN: one of them did not reach it"

                        q
                            (sprintf "GD/Newton %s seconds" names[c])
                            (ratio sg sn)
                            est
                            "NaN: one of them did not reach it"
                |]
            )
            QuantityGroup(
                "modes",
                sprintf
                    "Leading eigenvalues of K^N(θ₀) and iterations until each mode's relative error ≤ %g"
                    s.ErrorLevel,
                false,
                [|
                    for j in 0 .. s.Modes - 1 do
                        q (sprintf "mu%d" (j + 1)) modeMeans[j] est "mean over seeds"
                        q (sprintf "Newton k%d" (j + 1)) nCross.[min j (nCross.Length - 1)] est "NaN: not reached"
                        q (sprintf "GD k%d" (j + 1)) gCross.[min j (gCross.Length - 1)] est "NaN: not reached"
                    q "mu_max/mu_min" muRatio est "over the followed modes"
                |]
            )
        ]

    let band (name: string) (x: float[]) (g: Aggregate) =
        ExperimentSeries(name, x, g.Mean, g.Low, g.High)

    let figures =
        [|
            ExperimentFigure(
                "loss-vs-iteration",
                "Loss against iteration: mean over seeds, 5–95 percentile band",
                "iteration",
                "L",
                true,
                true,
                NumberStatusKind.Estimated,
                methods
                |> List.map (fun r -> band (lrText r) r.Loss.Steps r.Loss)
                |> List.toArray
            )
            ExperimentFigure(
                "loss-vs-seconds",
                "Loss against wall-clock time (mean seconds at each logged iteration)",
                "seconds",
                "L",
                true,
                true,
                NumberStatusKind.Estimated,
                methods |> List.map (fun r -> band (lrText r) r.Wall r.Loss) |> List.toArray
            )
            for c in 0 .. names.Length - 1 do
                ExperimentFigure(
                    sprintf "component-%d" c,
                    sprintf "Relative error of the %s component against iteration" names[c],
                    "iteration",
                    sprintf "|a(f) − a(y)|/|a(y)|, %s" names[c],
                    true,
                    true,
                    NumberStatusKind.Estimated,
                    methods
                    |> List.map (fun r -> band (lrText r) r.Components[c].Steps r.Components[c])
                    |> List.toArray
                )
            for r in methods do
                ExperimentFigure(
                    sprintf "modes-%s" (r.Method.Label.ToLowerInvariant().Replace("–", "-")),
                    sprintf "%s: relative residual on the leading eigenvectors of K^N(θ₀) (mean over seeds)" (lrText r),
                    "iteration",
                    "|⟨r_k, v_j⟩|/|⟨r₀, v_j⟩|",
                    true,
                    true,
                    NumberStatusKind.Estimated,
                    [|
                        for j in 0 .. s.Modes - 1 do
                            let g = r.ModeErrors[j]

                            if g.Mean |> Array.exists Double.IsFinite then
                                ExperimentSeries(
                                    sprintf "mode %d (μ = %.3g)" (j + 1) modeMeans[j],
                                    g.Steps,
                                    g.Mean,
                                    [||],
                                    [||]
                                )
                    |]
                )
        |]

    let last (g: Aggregate) = g.Mean[g.Mean.Length - 1]
    let hi = names.Length - 1

    let findings =
        [|
            let kn, sn = toLevel newton
            let kg, sg = toLevel gd

            sprintf
                "Loss ≤ %.3g (%g × mean L₀): Newton after %g iterations (%.3g s), Gauss–Newton %g, GD %g (%.3g s), Adam %g; NaN = not reached within the run."
                lossLevel
                s.LossReduction
                kn
                sn
                (fst (toLevel gn))
                kg
                sg
                (fst (toLevel adam))

            for c in 0 .. names.Length - 1 do
                let kn, sn = freqCross newton c
                let kg, sg = freqCross gd c

                sprintf
                    "%s: relative error ≤ %g after %g Newton iterations (%.3g s) vs %g GD iterations (%.3g s); final errors Newton %.3g, Gauss–Newton %.3g, GD %.3g, Adam %.3g."
                    names[c]
                    s.ErrorLevel
                    kn
                    sn
                    kg
                    sg
                    (last newton.Components[c])
                    (last gn.Components[c])
                    (last gd.Components[c])
                    (last adam.Components[c])

            let nh, gh = last newton.Components[hi], last gd.Components[hi]

            sprintf
                "Highest frequency (%s): Newton's final relative error %.3g is %s GD's %.3g after %d GD iterations — %s."
                names[hi]
                nh
                (if nh < gh then "below" else "not below")
                gh
                gd.Steps
                (if nh < s.ErrorLevel && not (gh < s.ErrorLevel) then
                     "Newton removes the high-frequency component where GD stalls (the paper's qualitative claim)"
                 elif nh < gh then
                     "Newton is ahead on the high-frequency component"
                 else
                     "the paper's qualitative claim is not reproduced on this instance")

            sprintf
                "P3.R4: per-mode spread of the iterations to error ≤ %g: Newton %s, GD %s; μ_max/μ_min over the same modes %.3g."
                s.ErrorLevel
                (spreadText nSpread nCensored newton.Steps)
                (spreadText gSpread gCensored gd.Steps)
                muRatio
        |]

    let reproduce =
        String.Join(
            " ",
            "overparam experiment newton-vs-gd"
            :: [
                for o in experimentOptions do
                    let v = values[o.Name]

                    if v <> o.Default then
                        yield sprintf "--%s %s" o.Name (shellQuote v)
            ]
        )

    ExperimentResult(
        ExperimentResult.SchemaId,
        "P3",
        "newton-vs-gd",
        "Newton vs GD across frequencies (Figures 3 and 5)",
        s.Seed,
        experimentOptions
        |> List.map (fun o -> OptionValue(o.Name, values[o.Name]))
        |> List.toArray,
        reproduce,
        provenance s.Data (ModelFile.Serialize a.Instances[0].Model0),
        measurements,
        quantities |> List.toArray,
        figures,
        findings
    )

/// `overparam experiment newton-vs-gd`: papers.md §3.6, Figures 3 and 5.
let newtonVsGd: ExperimentSpec =
    {
        Info =
            ExperimentInfo(
                "newton-vs-gd",
                "P3: Newton vs GD across frequencies (Figures 3 and 5)",
                "n equispaced x in [0, 1], y = 4x + sin(f₁πx) + 0.8·Σ sin(f_kπx); GD and Adam with η tuned by 300-step pilots on the grid 1e-5 … 1e1, Newton and Gauss–Newton (CG on exact products, LM damping); mean loss with 5–95 percentile bands against iteration and wall-clock, per-frequency and per-NTK-mode errors, speed-ups, and P3.R4 (spectral bias) as a measurement",
                experimentOptions |> List.toArray
            )
        Run = fun i -> experimentResult (analyzeExperiment (experimentSetupOf i)) i.Values
    }

/// P3 as a registered theorem.
let plugin: Theorem<Setup, Analysis> =
    { certifyOnly with
        Trial = Some trial
        Experiments = [ newtonVsGd ]
    }

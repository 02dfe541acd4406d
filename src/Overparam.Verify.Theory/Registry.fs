namespace Overparam.Verify.Theory

open System
open System.Collections.Generic
open Overparam.Verify.Contracts
open Overparam.Verify.Engine
open Overparam.Verify.Engine.Data

/// A registered theorem as C# sees it: its identity, its options, and one call that certifies an instance.
type ITheorem =
    /// Paper id, e.g. "P2".
    abstract Id: string
    /// The certify subcommand, e.g. "local-pl".
    abstract Command: string
    /// Short title.
    abstract Title: string
    /// Paper reference.
    abstract Reference: string
    /// Every option, the theorem's own first, then the shared ones (seed, data).
    abstract Options: IReadOnlyList<OptionSpec>
    /// Every ID the checks cite (hypotheses, conclusions, and the ones listed as not checked).
    abstract CitedIds: IReadOnlyList<string>

    /// Runs the theorem: option name → canonical text (missing ones take their defaults; unknown ones are refused),
    /// the data of --data (null to generate), its name, and a monitor (null for none). Bad input throws
    /// InvalidInputException with one line; the certificate has no content hash yet (the writer adds it).
    abstract Certify:
        values: IReadOnlyDictionary<string, string> * data: Dataset * dataSource: string * monitor: IRunMonitor ->
            Certificate

    /// The sweep trial's options, axes, metrics and covariate; null when the theorem defines no trial.
    abstract Trial: SweepTrialInfo

    /// Validates one cell's option values (missing ones take their defaults; unknown ones are refused) and returns
    /// the memory one trial of it needs. Bad input throws InvalidInputException with one line.
    abstract TrialSize: values: IReadOnlyDictionary<string, string> -> TrialSize

    /// Runs one trial; values["seed"] is the trial's own seed.
    abstract RunTrial: values: IReadOnlyDictionary<string, string> * monitor: IRunMonitor -> TrialOutcome

    /// The paper's experiments (`overparam experiment <name>`); empty when it has none.
    abstract Experiments: IReadOnlyList<ExperimentInfo>

    /// Runs the experiment named `name`: option name → canonical text (missing ones take their defaults; unknown ones
    /// are refused) and a monitor (null for none). Bad input throws InvalidInputException with one line.
    abstract RunExperiment:
        name: string * values: IReadOnlyDictionary<string, string> * monitor: IRunMonitor -> ExperimentResult

type private Registered<'s, 'a>(t: Contract.Theorem<'s, 'a>) =
    let options = Contract.allOptions t |> List.toArray
    let cited = Theorem.citedIds t.Definition |> List.toArray

    let trialOf () =
        match t.Trial with
        | Some tr -> tr
        | None -> invalidOp (sprintf "theorem %s defines no sweep trial" t.Definition.Id)

    interface ITheorem with
        member _.Id = t.Definition.Id
        member _.Command = t.Command
        member _.Title = t.Definition.Title
        member _.Reference = t.Definition.Reference
        member _.Options = options
        member _.CitedIds = cited

        member _.Certify(values, data, dataSource, monitor) =
            let given =
                if isNull values then
                    Seq.empty
                else
                    values |> Seq.map (fun kv -> kv.Key, kv.Value)

            let input =
                {
                    Contract.RunInput.Values = Contract.valuesOf (List.ofArray options) given
                    Contract.RunInput.Data = (if isNull (box data) then None else Some data)
                    Contract.RunInput.DataSource = (if isNull dataSource then "" else dataSource)
                    Contract.RunInput.Monitor = (if isNull (box monitor) then RunMonitor.None else monitor)
                }

            Contract.certify t input

        member _.Trial =
            match t.Trial with
            | Some tr -> tr.Info
            | None -> null

        member _.TrialSize values =
            (trialOf ()).Size(Contract.trialInput (trialOf ()) values RunMonitor.None)

        member _.RunTrial(values, monitor) =
            let monitor = if isNull (box monitor) then RunMonitor.None else monitor
            (trialOf ()).Run(Contract.trialInput (trialOf ()) values monitor)

        member _.Experiments =
            t.Experiments |> List.map (fun e -> e.Info) |> List.toArray :> IReadOnlyList<_>

        member _.RunExperiment(name, values, monitor) =
            match t.Experiments |> List.tryFind (fun e -> e.Info.Name = name) with
            | None -> invalidOp (sprintf "theorem %s defines no experiment %s" t.Definition.Id name)
            | Some e ->
                let given =
                    if isNull values then
                        Seq.empty
                    else
                        values |> Seq.map (fun kv -> kv.Key, kv.Value)

                e.Run
                    {
                        Contract.RunInput.Values = Contract.valuesOf (List.ofSeq e.Info.Options) given
                        Contract.RunInput.Data = None
                        Contract.RunInput.DataSource = ""
                        Contract.RunInput.Monitor = (if isNull (box monitor) then RunMonitor.None else monitor)
                    }

/// The theorem registry: the one list the CLI, verify, the reports and the sweeps read.
[<AbstractClass; Sealed>]
type Theorems =
    static let all: ITheorem[] =
        [|
            Registered(Papers.P1ResNetRff.plugin)
            Registered(Papers.P2LocalPl.plugin)
            Registered(Papers.P3Newton.plugin)
            Registered(Papers.P4Moderate.plugin)
            Registered(Papers.P5ConvexDual.plugin)
        |]

    /// Every registered theorem, in paper order.
    static member All: IReadOnlyList<ITheorem> = all

    /// The theorem with this paper id ("P2") or certify command ("local-pl"); null when there is none.
    static member Find(idOrCommand: string) : ITheorem =
        all
        |> Array.tryFind (fun t ->
            String.Equals(t.Id, idOrCommand, StringComparison.OrdinalIgnoreCase)
            || String.Equals(t.Command, idOrCommand, StringComparison.Ordinal))
        |> Option.toObj

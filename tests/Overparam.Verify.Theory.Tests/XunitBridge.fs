module Overparam.Verify.Theory.Tests.XunitBridge

// `dotnet test` has no Expecto adapter on this feed, so each Expecto test case becomes one xunit theory case.

open System
open Expecto
open Expecto.Impl
open Xunit
open Xunit.Abstractions
open Xunit.Sdk

/// Flattened Expecto tests keyed by their full name.
let private flat = Test.toTestCodeList AllTests.all |> Seq.toList

let private cases: Map<string, FlatTest> =
    flat |> Seq.map (fun t -> String.Join("/", t.name), t) |> Map.ofSeq

// Expecto's states decide what runs, as under `dotnet run`: when any test is focused only the focused ones run;
// pending tests never run. The others are reported as skipped, not silently dropped.
let private anyFocused = flat |> List.exists (fun t -> t.state = FocusState.Focused)

let private runs (t: FlatTest) =
    match t.state with
    | FocusState.Pending -> false
    | FocusState.Focused -> true
    | FocusState.Normal -> not anyFocused

let private rows (pick: FlatTest -> bool) : seq<obj[]> =
    if flat.Length <> cases.Count then
        failwithf
            "%d Expecto tests but %d distinct names: a duplicated full name would hide a test"
            flat.Length
            cases.Count

    cases
    |> Map.toSeq
    |> Seq.filter (fun (_, t) -> pick t)
    |> Seq.map (fun (n, _) -> [| box n |])

/// One row per Expecto test that runs, so xunit reports each by name.
let names () = rows runs

/// The Expecto tests that are pending, or not focused while others are.
let skipped () = rows (runs >> not)

/// Sends the vacuity counts of the FsCheck properties to the runner once every test of the bridge has run.
type VacuityReporter(sink: IMessageSink) =
    interface IDisposable with
        member _.Dispose() =
            for line in Vacuity.all () do
                sink.OnMessage(DiagnosticMessage("vacuity: " + line)) |> ignore

type Bridge() =
    interface IClassFixture<VacuityReporter>

    /// Rows of the tests that run.
    static member Runnable() = names ()

    /// Rows of the tests Expecto would not run.
    static member Skipped() = skipped ()

    [<Theory>]
    [<MemberData("Runnable")>]
    member _.Expecto(name: string) =
        let t = cases[name]

        match t.test with
        | Sync f -> f ()
        | Async a -> Async.RunSynchronously a
        | AsyncFsCheck(config, _, f) -> f (defaultArg config FsCheckConfig.defaultConfig) |> Async.RunSynchronously
        | SyncWithCancel f -> f Threading.CancellationToken.None

    [<Theory(Skip = "pending in Expecto, or not focused while other tests are")>]
    [<MemberData("Skipped")>]
    member _.ExpectoSkipped(name: string) = ignore name

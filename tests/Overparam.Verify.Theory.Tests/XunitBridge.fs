module Overparam.Verify.Theory.Tests.XunitBridge

// `dotnet test` has no Expecto adapter on this feed, so each Expecto test case becomes one xunit theory case.

open System
open Expecto
open Expecto.Impl
open Xunit

/// Flattened Expecto tests keyed by their full name.
let private cases: Map<string, FlatTest> =
    Test.toTestCodeList AllTests.all
    |> Seq.map (fun t -> String.Join("/", t.name), t)
    |> Map.ofSeq

/// One row per Expecto test, so xunit reports each by name. Two tests with the same full name would collapse into
/// one map entry and the other would silently never run, so that is an error.
let names () : seq<obj[]> =
    let total = Test.toTestCodeList AllTests.all |> Seq.length
    if total <> cases.Count then
        failwithf "%d Expecto tests but %d distinct names: a duplicated full name would hide a test" total cases.Count
    cases |> Map.keys |> Seq.map (fun n -> [| box n |])

[<Theory>]
[<MemberData(nameof names)>]
let Expecto (name: string) =
    let t = cases[name]
    match t.test with
    | Sync f -> f ()
    | Async a -> Async.RunSynchronously a
    | AsyncFsCheck(config, _, f) -> f (defaultArg config FsCheckConfig.defaultConfig) |> Async.RunSynchronously
    | SyncWithCancel f -> f Threading.CancellationToken.None

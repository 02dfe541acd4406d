/// How many generated instances met a property's hypotheses: a property that holds because no instance met them is
/// vacuous, so the counts are reported under `dotnet run` (Expecto) and under `dotnet test` (the xunit bridge sends
/// them as diagnostic messages, shown because xunit.runner.json enables them).
module Overparam.Verify.Theory.Tests.Vacuity

open System.Collections.Concurrent

let private reports = ConcurrentDictionary<string, string>()

/// Records (and prints) the count line of one property.
let report (name: string) (line: string) =
    reports[name] <- line
    printfn "%s: %s" name line

/// Every recorded line, by property name.
let all () =
    reports
    |> Seq.sortBy (fun kv -> kv.Key)
    |> Seq.map (fun kv -> kv.Key + ": " + kv.Value)
    |> Seq.toList

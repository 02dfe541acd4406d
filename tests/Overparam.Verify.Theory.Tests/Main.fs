module Overparam.Verify.Theory.Tests.Main

open Expecto

[<EntryPoint>]
let main argv =
    // Expecto prints its own summary; the closing line below is the project-wide "N passed, N failed" form.
    let summary = ref None

    let config =
        { defaultConfig with
            printer =
                { defaultConfig.printer with
                    summary =
                        fun cfg s ->
                            summary.Value <- Some s
                            defaultConfig.printer.summary cfg s
                }
        }

    let rc =
        runTestsWithCLIArgs [ CLIArguments.Printer config.printer; CLIArguments.No_Spinner ] argv AllTests.all

    match summary.Value with
    | Some s ->
        // A fresh line after Expecto's colour codes, so the closing line stands alone for CI's reader.
        printfn "\n%d passed, %d failed" s.passed.Length (s.failed.Length + s.errored.Length)
    | None -> ()

    rc

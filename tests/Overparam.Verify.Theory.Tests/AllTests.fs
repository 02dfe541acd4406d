module Overparam.Verify.Theory.Tests.AllTests

open Expecto

/// Every Expecto test of the suite; the xunit bridge and `dotnet run` both start here.
let all =
    testList
        "Overparam.Verify.Theory"
        [
            VerdictTests.tests
            P2LocalPlTests.tests
            P4ModerateTests.tests
            BallTests.tests
            P3NewtonTests.tests
            P5ConvexDualTests.tests
            P1ResNetRffTests.tests
            P5VerdictRuleTests.tests
        ]

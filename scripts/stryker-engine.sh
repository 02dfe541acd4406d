#!/usr/bin/env bash
# Stryker.NET on the engine's certified numerics (kernels, certified eigenvalue bounds, curvature): the mutation score
# of the engine tests that exercise them (test-case-filter in the config: the whole engine suite per mutant does not
# fit on 2 cores). CONFIG=scripts/stryker-convex.json runs P5's certificate code (DualCertificate, ConeProjection)
# against its fast tests only (the training-based Convex tests take minutes per mutant). Run from the repository root; the report lands in
# tests/Overparam.Verify.Engine.Tests/StrykerOutput/<date>/reports/. Takes the build lock like every dotnet call here.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
cd tests/Overparam.Verify.Engine.Tests
exec flock "${LOCK:-/tmp/ov-build.lock}" dotnet dotnet-stryker --config-file "../../${CONFIG:-scripts/stryker-engine.json}" "$@"

#!/usr/bin/env bash
# Mutation testing of the F# theory layer (src/Overparam.Verify.Theory).
#
# Usage (from the repo root):   scripts/fsharp-mutants.sh [ID ...]
#   No IDs: every mutant of scripts/fsharp-mutants.txt (format documented at its top). IDs: only those.
#
# For each mutant: apply it to the file (the find string must occur exactly once; every selected mutant is
# checked before anything is built), build the CLI tests and the theory tests, run the theory tests and then the
# CLI tests (stopping at the first failing project), restore the file, and record
#   killed        a test project failed (or timed out)
#   survived      every test passed
#   compile-error the mutated tree does not build (not counted in the kill rate)
#   build-failed  the build failed without a compiler error (infrastructure; not counted either)
# The unmutated tree is built and tested first; the run aborts if that baseline fails.
# Every dotnet call takes the build lock (flock $LOCK), so this can run beside other builds; it never runs two
# dotnet processes at once. Ctrl-C restores the mutated file.
#
# Environment: LOCK (default /tmp/ov-build.lock), RESULTS (default scripts/fsharp-mutants.last.txt),
#   TEST_TIMEOUT seconds per test project (default 900), ALLOW_DIRTY=1 to run with uncommitted theory sources,
#   NO_FINAL_BUILD=1 to skip rebuilding the clean tree at the end, THEORY_ONLY=1 to build and run only the theory
#   tests (a quick pass: the CLI tests take minutes per surviving mutant; a mutant killed here is killed in the full
#   run too, so the kill rate of a THEORY_ONLY run is a lower bound on the full one).
# Output: a table on stdout and in $RESULTS (kill rate = killed / (killed + survived)); per-mutant logs and diffs in
#   a temp dir whose path is printed. `scripts/fsharp-mutants.sh --report LOGDIR` rebuilds the table from such a dir.

set -uo pipefail

LIST=scripts/fsharp-mutants.txt
RESULTS=${RESULTS:-scripts/fsharp-mutants.last.txt}
LOCK=${LOCK:-/tmp/ov-build.lock}
TEST_TIMEOUT=${TEST_TIMEOUT:-900}
CONFIG=Release
THEORY_DIR=src/Overparam.Verify.Theory
BUILD_PROJECTS=(tests/Overparam.Verify.Cli.Tests tests/Overparam.Verify.Theory.Tests)
TEST_PROJECTS=(tests/Overparam.Verify.Theory.Tests tests/Overparam.Verify.Cli.Tests)
if [[ -n ${THEORY_ONLY:-} ]]; then
    BUILD_PROJECTS=(tests/Overparam.Verify.Theory.Tests)
    TEST_PROJECTS=(tests/Overparam.Verify.Theory.Tests)
fi

die() { echo "fsharp-mutants: $*" >&2; exit 2; }

[[ -f Overparam.Verify.sln && -f $LIST ]] || die "run from the repo root (no Overparam.Verify.sln or $LIST here)"
command -v python3 >/dev/null || die "python3 is needed"
command -v flock >/dev/null || die "flock is needed"

if [[ ${1:-} == --report ]]; then
    [[ -f ${2:-}/rows.tsv ]] || die "usage: $0 --report LOGDIR (a directory with rows.tsv)"
    LOGDIR=$2
    eval "$(sed -n '/^failing_tests() {$/,/^}$/p; /^report() {$/,/^}$/p' "$0")"
    report | tee "$RESULTS"
    exit 0
fi

if [[ -z ${ALLOW_DIRTY:-} ]] && ! git diff --quiet -- "$THEORY_DIR"; then
    git diff --stat -- "$THEORY_DIR" >&2
    die "$THEORY_DIR has uncommitted changes (a killed earlier run may have left a mutant applied); restore it or set ALLOW_DIRTY=1"
fi

LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/fsharp-mutants.XXXXXX")
echo "logs: $LOGDIR"

# --- The mutant helper: parses the list, checks every find string, applies one mutant. --------------------------
HELPER=$LOGDIR/mutate.py
cat >"$HELPER" <<'PY'
import sys

def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(n, "\\" + n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)

def parse(path):
    mutants, seen = [], set()
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) not in (4, 5) or any(x == "" for x in fields[:4]):
                sys.exit(f"{path}:{no}: expected 4 or 5 non-empty TAB-separated fields, got {len(fields)}")
            mid, file, find, repl = fields[:4]
            if mid in seen:
                sys.exit(f"{path}:{no}: duplicate ID {mid}")
            seen.add(mid)
            mutants.append((mid, file, unescape(find), unescape(repl), fields[4] if len(fields) == 5 else "", no))
    return mutants

def check(m):
    mid, file, find, repl, _, no = m
    try:
        text = open(file, encoding="utf-8").read()
    except OSError as e:
        sys.exit(f"{mid} (list line {no}): cannot read {file}: {e}")
    n = text.count(find)
    if n != 1:
        sys.exit(f"{mid} (list line {no}): the find string occurs {n} times in {file}, it must occur exactly once: {find!r}")
    if find == repl:
        sys.exit(f"{mid} (list line {no}): replace equals find")
    return text, text[: text.index(find)].count("\n") + 1

cmd, path = sys.argv[1], sys.argv[2]
mutants = parse(path)
if cmd == "check":
    # Prints "ID<TAB>file<TAB>line<TAB>description" for the selected mutants, in list order; exits non-zero on any problem.
    wanted = sys.argv[3:]
    ids = {m[0] for m in mutants}
    unknown = [w for w in wanted if w not in ids]
    if unknown:
        sys.exit("unknown mutant ID(s): " + " ".join(unknown))
    for m in mutants:
        if wanted and m[0] not in wanted:
            continue
        _, line = check(m)
        print(f"{m[0]}\t{m[1]}\t{line}\t{m[4]}")
elif cmd == "apply":
    m = next((m for m in mutants if m[0] == sys.argv[3]), None)
    if m is None:
        sys.exit("unknown mutant ID " + sys.argv[3])
    text, _ = check(m)
    with open(m[1], "w", encoding="utf-8", newline="") as f:
        f.write(text.replace(m[2], m[3], 1))
else:
    sys.exit("usage: mutate.py check LIST [ID...] | apply LIST ID")
PY

SELECTED=$(python3 "$HELPER" check "$LIST" "$@") || die "the mutant list is invalid (see above); nothing was run"
[[ -n $SELECTED ]] || die "no mutants selected"

# --- Restoring the mutated file, also on Ctrl-C and on any exit. -----------------------------------------------
CURRENT_FILE=""
restore() {
    if [[ -n $CURRENT_FILE ]]; then
        cp -- "$LOGDIR/saved-source" "$CURRENT_FILE"
        CURRENT_FILE=""
    fi
}
trap 'restore' EXIT
trap 'echo; echo "interrupted: source restored; logs in $LOGDIR" >&2; restore; exit 130' INT TERM

# --- dotnet, always under the lock. ---------------------------------------------------------------------------
locked() { flock "$LOCK" "$@"; }

# build_all LOG [extra args]: 0 ok, 1 compiler error, 2 other build failure.
build_all() {
    local log=$1; shift
    local p
    for p in "${BUILD_PROJECTS[@]}"; do
        echo "### dotnet build $p" >>"$log"
        if ! locked dotnet build "$p" -c "$CONFIG" -nologo -nodeReuse:false "$@" >>"$log" 2>&1; then
            if grep -Eq ': error (FS|CS)[0-9]+' "$log"; then return 1; fi
            return 2
        fi
    done
    return 0
}

# test_all LOG: runs the test projects in order, stops at the first failure; sets FAILED_PROJECT (empty when all
# passed), TIMED_OUT and TEST_SECONDS.
test_all() {
    local log=$1 p rc start
    FAILED_PROJECT=""; TIMED_OUT=""
    start=$(date +%s)
    for p in "${TEST_PROJECTS[@]}"; do
        echo "### dotnet test $p" >>"$log"
        locked timeout --kill-after=30 "$TEST_TIMEOUT" dotnet test "$p" -c "$CONFIG" --no-build -nologo >>"$log" 2>&1
        rc=$?
        if [[ $rc -ne 0 ]]; then
            FAILED_PROJECT=$(basename "$p")
            [[ $rc -eq 124 || $rc -eq 137 ]] && TIMED_OUT=yes
            break
        fi
    done
    TEST_SECONDS=$(($(date +%s) - start))
}

# The first failing tests of a log (at most 2, Expecto names as far as xunit prints them) and the first test-source
# location in their stack traces.
failing_tests() {
    local names loc
    names=$(grep -E '^  Failed Overparam\.' "$1" |
        sed -E 's/^  Failed Overparam\.Verify\.[A-Za-z]+\.Tests\.//; s/ \[[^]]*\]$//' |
        sed -E 's/^XunitBridge\+Bridge\.Expecto\(name: "Overparam\.Verify\.Theory\/([^"]*)"[^)]*\)$/\1.../' |
        sed -E 's/\(name: "([^"]*)", args: .*\)$/(\1)/' | head -2 | paste -sd ';' -)
    loc=$(grep -Eo 'Tests/[A-Za-z0-9]+\.(fs|cs):line [0-9]+' "$1" | grep -v XunitBridge | head -1 | sed 's|^Tests/||')
    echo "$names${loc:+ [$loc]}"
}

# --- Baseline. --------------------------------------------------------------------------------------------------
echo "baseline: building and testing the unmutated tree"
BASE_LOG=$LOGDIR/baseline.log
build_all "$BASE_LOG"   # with restore
case $? in
    0) ;;
    *) die "baseline build failed; see $BASE_LOG" ;;
esac
test_all "$BASE_LOG"
[[ -z $FAILED_PROJECT ]] || die "baseline tests fail in $FAILED_PROJECT; fix the tree first (log: $BASE_LOG)"
echo "baseline: passed (tests ${TEST_SECONDS}s)"

# --- Mutants. ---------------------------------------------------------------------------------------------------
ROWS=$LOGDIR/rows.tsv
: >"$ROWS"
total=$(wc -l <<<"$SELECTED")
i=0
while IFS=$'\t' read -r id file line desc; do
    i=$((i + 1))
    log=$LOGDIR/$id.log
    cp -- "$file" "$LOGDIR/saved-source"
    CURRENT_FILE=$file
    python3 "$HELPER" apply "$LIST" "$id" || die "could not apply $id"
    diff -u --label "a/$file" --label "b/$file" "$LOGDIR/saved-source" "$file" >"$LOGDIR/$id.diff"
    { echo "### $id $file:$line $desc"; cat "$LOGDIR/$id.diff"; } >"$log"
    printf '[%d/%d] %-6s %s:%s ... ' "$i" "$total" "$id" "${file#"$THEORY_DIR"/}" "$line"

    bstart=$(date +%s)
    build_all "$log" --no-restore
    brc=$?
    bsec=$(($(date +%s) - bstart))
    status=""; project="-"; tsec=0; detail=""
    case $brc in
        1) status=compile-error; detail=$(grep -Eo 'error (FS|CS)[0-9]+: [^[]*' "$log" | head -1) ;;
        2) status=build-failed ;;
        0)
            test_all "$log"
            tsec=$TEST_SECONDS
            if [[ -n $FAILED_PROJECT ]]; then
                status=killed; project=$FAILED_PROJECT
                [[ -n $TIMED_OUT ]] && detail="timeout"
            else
                status=survived
            fi
            ;;
    esac
    restore
    echo "$status (build ${bsec}s, tests ${tsec}s)"
    printf '%s\t%s:%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "${file#"$THEORY_DIR"/}" "$line" "$status" "$project" "$tsec" \
        "$detail" "$desc" >>"$ROWS"
done <<<"$SELECTED"

# --- Report (also: scripts/fsharp-mutants.sh --report LOGDIR, from a finished or interrupted run's rows.tsv). ---
# rows.tsv fields: 1 ID, 2 file:line, 3 status, 4 failing project, 5 test wall seconds (incl. lock wait), 6 first
# failing tests / note, 7 description.
report() {
    local rows=$LOGDIR/rows.tsv killed survived cerr bfail
    count() { awk -F'\t' -v s="$1" '$3 == s' "$rows" | wc -l; }
    killed=$(count killed); survived=$(count survived); cerr=$(count compile-error); bfail=$(count build-failed)
    echo "F# theory-layer mutation run, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD), logs $LOGDIR"
    [[ -n ${THEORY_ONLY:-} ]] && echo "THEORY_ONLY: theory tests only (the kill rate is a lower bound on a full run's)"
    echo "(test s: dotnet's reported test durations summed over the projects run; wall s includes waiting for the lock)"
    echo
    printf '%-6s %-26s %-14s %-30s %6s %6s  %s\n' ID file:line status "failing project" "test s" "wall s" \
        "first failing tests / note"
    local id fl st pr ws de ds ts
    while IFS=$'\t' read -r id fl st pr ws de ds; do
        ts=$(grep -Eo 'Duration: [0-9]+ s' "$LOGDIR/$id.log" 2>/dev/null | awk '{ s += $2 } END { print s + 0 }')
        [[ $de == - ]] && de=""
        [[ $st == killed && $de != timeout ]] && de=$(failing_tests "$LOGDIR/$id.log")
        printf '%-6s %-26s %-14s %-30s %6s %6s  %s\n' "$id" "$fl" "$st" "$pr" "$ts" "$ws" "${de:-$ds}"
    done < <(awk -F'\t' 'BEGIN { OFS = "\t" } { if ($6 == "") $6 = "-"; print }' "$rows")
    echo
    echo "killed $killed, survived $survived, compile-error $cerr, build-failed $bfail"
    if [[ $((killed + survived)) -gt 0 ]]; then
        awk -v k="$killed" -v s="$survived" 'BEGIN { printf "kill rate = killed / (killed + survived) = %d/%d = %.1f%%\n", k, k + s, 100 * k / (k + s) }'
    fi
    if [[ $survived -gt 0 ]]; then
        echo
        echo "Survivors:"
        awk -F'\t' '$3 == "survived" { print $1 }' "$rows" | while read -r id; do
            echo
            awk -F'\t' -v id="$id" '$1 == id { print "== " $1 " " $2 ": " $7 }' "$rows"
            cat "$LOGDIR/$id.diff"
        done
    fi
}
report | tee "$RESULTS"
echo "results: $RESULTS   logs: $LOGDIR"

# --- Leave the binaries matching the (restored) sources. ---------------------------------------------------------
if [[ -z ${NO_FINAL_BUILD:-} ]]; then
    echo "rebuilding the unmutated tree"
    build_all "$LOGDIR/final-build.log" --no-restore || echo "warning: the final rebuild failed; see $LOGDIR/final-build.log" >&2
fi

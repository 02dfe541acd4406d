#!/usr/bin/env bash
# slurm-local.sh — runs the README's Slurm array recipe ("Shards and Slurm": p4-sweep.sh, then p4-merge.sh with
# --dependency=afterok) on a throw-away single-node Slurm started on this machine, requeues task 1 and merges again
# (what --requeue does after a preemption), and checks that both merged reports equal an unsharded run of the grid.
#
#   scripts/slurm-local.sh [OVERPARAM_COMMAND...]
#     OVERPARAM_COMMAND   how to run the CLI: a path (/opt/overparam/overparam) or `dotnet /path/overparam.dll`;
#                         default: $OVERPARAM (split on spaces), else `overparam` on PATH.
#   Environment:
#     SLURM_LOCAL_GRID    the sweep grid (default below: 12 cells x 4 trials, a few seconds of compute)
#     SLURM_LOCAL_SHARDS  array size (default 4)
#     SLURM_LOCAL_TIMEOUT seconds to wait for the jobs (default 300)
#     SLURM_LOCAL_KEEP=1  keep the temporary folder (configuration, logs, stores, reports); =0 removes it even
#                         after a failure (default: kept only after a failure)
#
# Needs the Debian packages slurm-wlm and munge (`apt-get install -y slurm-wlm munge`) and root (slurmd starts job
# steps as the submitting user; here everything runs as root, as in a container). Nothing outside its temporary
# folder is touched: munged, slurmctld and slurmd get their own key, socket, ports, state and log paths, and are
# stopped on exit, also on failure or Ctrl-C. Exit 0 only when every job completed and the reports matched; 1 when a
# job failed or the reports differ; 2 when something this script needs is missing or the README recipe moved.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"   # munged, slurmctld and slurmd live there; a non-login root shell may lack it

say() { echo "slurm-local: $*"; }
die() { echo "slurm-local: error: $1" >&2; exit "${2:-1}"; }

here=$(cd "$(dirname "$0")/.." && pwd)
readme="$here/README.md"
grid=${SLURM_LOCAL_GRID:-"--n 10:80*2 --k 2,4,8 --d 10 --trials 4 --steps 2000 --activation softplus --seed 1"}
shards=${SLURM_LOCAL_SHARDS:-4}
timeout=${SLURM_LOCAL_TIMEOUT:-300}

# ---- prerequisites -------------------------------------------------------------------------------------------------
missing=()
for c in munged mungekey slurmctld slurmd sbatch squeue scontrol sinfo scancel; do
  command -v "$c" >/dev/null 2>&1 || missing+=("$c")
done
[ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: install with 'apt-get install -y slurm-wlm munge'" 2
[ "$(id -u)" -eq 0 ] || die "run as root (slurmd must be able to start job steps)" 2
[ -f "$readme" ] || die "no README.md at $readme" 2

if [ $# -gt 0 ]; then
  tool=("$@")
elif [ -n "${OVERPARAM:-}" ]; then
  read -r -a tool <<<"$OVERPARAM"
else
  tool=(overparam)
fi
case "${tool[0]}" in
  */*) [ -x "${tool[0]}" ] || die "not executable: ${tool[0]}" 2; tool[0]=$(cd "$(dirname "${tool[0]}")" && pwd)/$(basename "${tool[0]}") ;;
  *) command -v "${tool[0]}" >/dev/null 2>&1 || die "'${tool[0]}' not found: pass the CLI as an argument or in \$OVERPARAM" 2
     tool[0]=$(command -v "${tool[0]}") ;;
esac
for i in "${!tool[@]}"; do   # a relative dll path must survive the cd into the job folder
  if [ "$i" -gt 0 ] && [ -f "${tool[$i]}" ]; then tool[i]=$(cd "$(dirname "${tool[$i]}")" && pwd)/$(basename "${tool[$i]}"); fi
done

# ---- temporary folder and cleanup ----------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/slurm-local.XXXXXX")
chmod 755 "$work"
jobs_submitted=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "$jobs_submitted" ] && [ -f "$work/run/slurmctld.pid" ]; then
    scancel $jobs_submitted 2>/dev/null
    for _ in $(seq 20); do [ -z "$(squeue -h -j "${jobs_submitted// /,}" 2>/dev/null)" ] && break; sleep 0.5; done
  fi
  # Stop the three daemons together (each takes a second or two), then KILL whichever is still up after 10 s.
  local d pid pids=() t_stop=$SECONDS alive=()
  for d in slurmd slurmctld munged; do
    pid=$(cat "$work/run/$d.pid" 2>/dev/null) || continue
    if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then pids+=("$pid"); fi
  done
  for _ in $(seq 40); do
    alive=()
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
    [ ${#alive[@]} -eq 0 ] && break
    sleep 0.25
  done
  for pid in "${alive[@]}"; do say "process $pid did not stop on TERM: killing it"; kill -KILL "$pid" 2>/dev/null; done
  [ ${#pids[@]} -eq 0 ] || say "stopped munged, slurmctld and slurmd in $((SECONDS - t_stop)) s"
  # Kept when asked (SLURM_LOCAL_KEEP=1), and after a failure unless told not to (SLURM_LOCAL_KEEP=0).
  if [ "${SLURM_LOCAL_KEEP:-}" = 1 ] || { [ "$rc" -ne 0 ] && [ "${SLURM_LOCAL_KEEP:-}" != 0 ]; }; then
    say "kept $work (logs in $work/log, job output in $work/slurm)"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$work"/{bin,run,log,state,spool,munge,slurm/scratch,local/scratch}
chmod 700 "$work/munge"
t0=$SECONDS

# `overparam` on the jobs' PATH runs the CLI under test, so the README's job scripts run unchanged.
{
  echo '#!/usr/bin/env bash'
  printf 'exec'; printf ' %q' "${tool[@]}"; printf ' "$@"\n'
} >"$work/bin/overparam"
chmod 755 "$work/bin/overparam"
export PATH="$work/bin:$PATH"
version=$(overparam --version) || die "'${tool[*]} --version' failed" 2
say "CLI: ${tool[*]} ($version)"

# ---- munge ---------------------------------------------------------------------------------------------------------
sock="$work/munge/munge.socket"
mungekey --create --keyfile="$work/munge/munge.key" >/dev/null 2>&1 \
  || { dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none && chmod 400 "$work/munge/munge.key"; }
munged --force --socket="$sock" --key-file="$work/munge/munge.key" --pid-file="$work/run/munged.pid" \
  --log-file="$work/log/munged.log" --seed-file="$work/munge/munged.seed" \
  || { cat "$work/log/munged.log" >&2 2>/dev/null; die "munged did not start" 2; }
for _ in $(seq 40); do [ -S "$sock" ] && break; sleep 0.25; done
munge -n -S "$sock" | unmunge -S "$sock" >/dev/null || die "munge credential round trip failed (see $work/log/munged.log)" 2

# ---- slurm.conf: this host is the controller and the only node, with its real CPUs and memory --------------------
free_port() {   # two consecutive ports nobody listens on
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
      echo "$p"; return
    fi
  done
  die "no free port pair found" 2
}
port=$(free_port)
node_line=$(slurmd -C | head -n 1)                  # NodeName=host CPUs=… Boards=… … RealMemory=…
node=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<<"$node_line")
[ -n "$node" ] || die "unexpected 'slurmd -C' output: $node_line" 2
export SLURM_CONF="$work/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=overparam-local
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=kill_invalid_depend
ReturnToService=2
MinJobAge=3600
MailProg=/bin/true
KillWait=5
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -f "$SLURM_CONF" -i || die "slurmctld did not start (see $work/log/slurmctld.log)" 2
slurmd -f "$SLURM_CONF" -N "$node" || die "slurmd did not start (see $work/log/slurmd.log)" 2
state=""
for _ in $(seq 120); do
  state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
if [ "$state" != idle ]; then
  tail -n 20 "$work/log/slurmctld.log" "$work/log/slurmd.log" >&2 2>/dev/null || true
  die "node $node is '${state:-unreachable}', not idle, after 60 s" 2
fi
say "Slurm up in $((SECONDS - t0)) s: node ${node_line#NodeName=}, ports $port/$((port + 1)), folder $work"

# ---- the README's job scripts, with a small grid ------------------------------------------------------------------
# The two code blocks of README.md whose second line is "# p4-sweep.sh" / "# p4-merge.sh", unchanged except for the
# GRID line, the array size (and the matching "/N" of --shard), --cpus-per-task and --time.
extract() {
  awk -v name="$1" '
    /^```/ { if (inblock) { if (found) { printf "%s", buf; exit } inblock = 0; next }
             if ($0 == "```sh") { inblock = 1; buf = ""; found = 0; n = 0; next } }
    inblock { buf = buf $0 "\n"; n++; if (n == 2 && index($0, "# " name) == 1) found = 1 }
  ' "$readme"
}
sweep_src=$(extract p4-sweep.sh)
merge_src=$(extract p4-merge.sh)
[ -n "$sweep_src" ] && [ -n "$merge_src" ] || die "README.md has no p4-sweep.sh / p4-merge.sh code blocks (section 'Shards and Slurm')" 2
n_readme=$(sed -n 's/^#SBATCH --array=1-\([0-9][0-9]*\)$/\1/p' <<<"$sweep_src")
[ -n "$n_readme" ] || die "README's p4-sweep.sh has no '#SBATCH --array=1-N' line" 2
for want in '^GRID=' '--shard "$SLURM_ARRAY_TASK_ID/'"$n_readme"'"' '--store "$SCRATCH/p4/shard-$SLURM_ARRAY_TASK_ID.db"' \
    '--resume' '^#SBATCH --requeue$' '--cpus-per-task='; do
  grep -qe "$want" <<<"$sweep_src" || die "README's p4-sweep.sh no longer has '$want': update this script with the recipe" 2
done
for want in 'overparam sweep merge' 'overparam sweep report --store'; do
  grep -qe "$want" <<<"$merge_src" || die "README's p4-merge.sh no longer has '$want': update this script with the recipe" 2
done
GRID_LOCAL="$grid" N_README="$n_readme" N_LOCAL="$shards" awk '
  /^GRID=/ { print "GRID=\"" ENVIRON["GRID_LOCAL"] "\""; next }
  /^#SBATCH --array=/ { print "#SBATCH --array=1-" ENVIRON["N_LOCAL"]; next }
  /^#SBATCH --cpus-per-task=/ { print "#SBATCH --cpus-per-task=1"; next }
  /^#SBATCH --time=/ { print "#SBATCH --time=00:10:00"; next }
  { gsub("/" ENVIRON["N_README"] "\"", "/" ENVIRON["N_LOCAL"] "\""); print }
' <<<"$sweep_src" >"$work/slurm/p4-sweep.sh"
awk '/^#SBATCH --cpus-per-task=/ { print "#SBATCH --cpus-per-task=1"; next } { print }' <<<"$merge_src" >"$work/slurm/p4-merge.sh"
say "p4-sweep.sh as submitted:"
sed 's/^/    /' "$work/slurm/p4-sweep.sh"

# ---- submit: the array, then the merge after it ---------------------------------------------------------------------
wait_for() {   # JOBIDS (comma-separated): until the controller lists none of them as pending or running
  local since=$SECONDS left last=""
  while :; do
    left=$(squeue -h -j "$1" -o '%i %T' 2>/dev/null | sort | tr '\n' ' ')
    [ -z "$left" ] && break
    [ "$left" != "$last" ] && say "  $((SECONDS - since)) s: $left"
    last=$left
    [ $((SECONDS - since)) -lt "$timeout" ] || die "jobs still queued or running after $timeout s: $left" 1
    sleep 1
  done
}
# Every task and the merge must have COMPLETED with exit code 0 (no accounting database: ask the controller, which
# keeps finished jobs for MinJobAge seconds).
check_completed() {   # JOBID...
  local bad=0 rec id task st ex records j
  records=$(for j in "$@"; do scontrol -o show job "$j"; done)
  while read -r rec; do
    [ -n "$rec" ] || continue
    id=$(grep -o 'JobId=[0-9]*' <<<"$rec" | head -n 1); task=$(grep -o 'ArrayTaskId=[0-9]*' <<<"$rec" || true)
    st=$(grep -o 'JobState=[A-Z_]*' <<<"$rec"); ex=$(grep -o ' ExitCode=[0-9:]*' <<<"$rec")
    say "  $id ${task:+$task }$st$ex $(grep -o 'Restarts=[0-9]*' <<<"$rec")"
    if [ "$st" != JobState=COMPLETED ] || [ "$ex" != " ExitCode=0:0" ]; then bad=1; fi
  done <<<"$records"
  n_tasks=$(grep -c "ArrayJobId=$jid " <<<"$records" || true)
  [ "$n_tasks" -eq "$shards" ] || { say "expected $shards array tasks, the controller knows $n_tasks"; bad=1; }
  if [ "$bad" -ne 0 ]; then
    for j in "$work"/slurm/slurm-*.out; do [ -f "$j" ] && { echo "--- $j"; tail -n 20 "$j"; }; done >&2
    die "a Slurm job did not complete cleanly" 1
  fi
}
export SCRATCH="$work/slurm/scratch"
cd "$work/slurm"
t1=$SECONDS
jid=$(sbatch --parsable p4-sweep.sh) || die "sbatch p4-sweep.sh failed" 1
jobs_submitted="$jid"
mid=$(sbatch --parsable --dependency=afterok:"$jid" p4-merge.sh) || die "sbatch p4-merge.sh failed" 1
jobs_submitted="$jid $mid"
say "submitted array job $jid (tasks 1-$shards) and merge job $mid (afterok:$jid)"
wait_for "$jid,$mid"
check_completed "$jid" "$mid"
say "array + merge finished in $((SECONDS - t1)) s (submit to last job done)"
[ -f "$work/slurm/p4-report/summary.json" ] || die "the merge job wrote no p4-report/summary.json" 1
mv "$work/slurm/p4-report" "$work/slurm/p4-report-first"

# ---- --requeue safety: run task 1 again on its store, then merge again into the existing all.db ---------------------
# What a preempted or failed node does to a task: it starts over with --resume on the store it left, and the merge
# that follows extends all.db (a trial stored twice with different results would make it refuse).
t3=$SECONDS
scontrol requeue "${jid}_1" || die "scontrol requeue ${jid}_1 failed" 1
# Slurm holds a requeued job back by two minutes (its begin time); a cluster waits, this test need not.
scontrol update JobId="${jid}_1" StartTime=now || die "scontrol update ${jid}_1 StartTime=now failed" 1
wait_for "$jid"
check_completed "$jid"
say "  task 1 after its requeue: $(grep -m 1 -E '^cells ' "$work/slurm/slurm-${jid}_1.out" 2>/dev/null || echo '(no cells line)')"
mid2=$(sbatch --parsable --dependency=afterok:"$jid" p4-merge.sh) || die "sbatch p4-merge.sh (again) failed" 1
jobs_submitted="$jid $mid $mid2"
wait_for "$mid2"
check_completed "$jid" "$mid2"
say "requeue of task 1 + second merge finished in $((SECONDS - t3)) s"
[ -f "$work/slurm/p4-report/summary.json" ] || die "the merge job wrote no p4-report/summary.json" 1

# ---- the same grid unsharded, on this machine --------------------------------------------------------------------
# Same folder layout under another root, so that store paths in the reports differ only by that root. The run writes
# its own report (--out), and `sweep report` on its store writes a second one, made the way the merge job made its.
cd "$work/local"
mkdir -p "$work/local/scratch/p4"
t2=$SECONDS
# shellcheck disable=SC2086 # GRID is a list of options, split as in the README's job script
{ overparam sweep moderate $grid --store "$work/local/scratch/p4/all.db" --out p4-sweep-report \
    && overparam sweep report --store "$work/local/scratch/p4/all.db" --out p4-report; } >"$work/log/unsharded.log" 2>&1 \
  || { cat "$work/log/unsharded.log" >&2; die "the unsharded run failed" 1; }
say "unsharded run took $((SECONDS - t2)) s"

# ---- compare: every report file, ignoring provenance (tool, machine, command line, store path, times) ---------------
# summary.json: every "provenance" object and any wall-clock or path field dropped; every file: the store path's root
# replaced, a "took N s" line and report.html's provenance rows dropped. What remains (cells, trials, successes, intervals, boundary fit, the table,
# the plot) must be byte-identical. Against the sweep's own report, the grid's description is dropped too: it says
# "n ∈ …, 4 trials per cell, shard 1/1" where a report from a store says "all 12 stored cells (…), 48 trials".
normalize() {   # FILE DROP_GRID_DESCRIPTION
  awk -v dropgrid="$2" '
    skip { if ($0 ~ "^" ind "}") skip = 0; next }
    match($0, /^ *"provenance": *\{/) { ind = substr($0, 1, index($0, "\"") - 1); if ($0 !~ /\}/) skip = 1; next }
    /"(wallSeconds|createdAt|commandLine|store|storePath)": / { next }
    /took [0-9.]+ s\.?$/ { next }
    /^<dt>(store|command line|created|tool|machine)<\/dt>/ { next }
    dropgrid && /^<dt>grid<\/dt>/ { next }
    dropgrid && /^ *"grid": / { next }
    dropgrid && /^Sweep `[0-9a-f]+`, seed / { next }
    { print }
  ' "$1" | sed -e "s#$work/slurm#ROOT#g" -e "s#$work/local#ROOT#g"
}
differ=0
compare() {   # UNSHARDED_DIR MERGED_DIR DROP_GRID_DESCRIPTION
  local a=$1 b=$2 files_a files_b f log
  files_a=$(cd "$a" && find . -type f | sort)
  files_b=$(cd "$b" && find . -type f | sort)
  if [ "$files_a" != "$files_b" ]; then
    say "DIFFERS: ${a#"$work"/} and ${b#"$work"/} hold different files (< unsharded, > merged):"
    diff <(echo "$files_a") <(echo "$files_b") >&2 || true
    differ=1
    return
  fi
  for f in $files_a; do
    log="$work/log/diff-$(basename "$a")-${f//\//_}.txt"
    if diff -u --label "unsharded ${a#"$work"/}/${f#./}" --label "merged ${b#"$work"/}/${f#./}" \
        <(normalize "$a/$f" "$3") <(normalize "$b/$f" "$3") >"$log"; then
      say "  same: ${a#"$work"/}/${f#./} = ${b#"$work"/}/${f#./} ($(wc -c <"$a/$f") bytes)"
    else
      say "DIFFERS: ${a#"$work"/}/${f#./} vs ${b#"$work"/}/${f#./}:"
      head -n 40 "$log" >&2
      differ=1
    fi
  done
}
compare "$work/local/p4-report" "$work/slurm/p4-report-first" 0
compare "$work/local/p4-report" "$work/slurm/p4-report" 0
compare "$work/local/p4-sweep-report" "$work/slurm/p4-report" 1
grep -q '"cells": \[' "$work/slurm/p4-report/summary.json" || { say "the merged summary.json has no cells"; differ=1; }
[ "$differ" -eq 0 ] || die "the merged report differs from the unsharded run" 1
say "PASS: the merged report of $shards Slurm array tasks equals the unsharded run ($((SECONDS - t0)) s in all)"

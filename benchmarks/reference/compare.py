#!/usr/bin/env python3
"""Runs `overparam bench` and the PyTorch reference interleaved for several rounds and prints, per workload, the
median over rounds of (our median ÷ reference median) with the min–max of those per-round ratios.

  python3 benchmarks/reference/compare.py [--rounds 5] [--repeats 7] [--ours "dotnet path/to/overparam.dll"] [workloads...]

Default workloads: act-tanh act-sigmoid act-softplus gd ntk. The P5 workloads (issue 12) relu-sgd, relu-sgd-torch and
convex-cert run p5_reference.py (numpy, or torch for the -torch variant) against `overparam bench relu-sgd` and
`overparam bench convex-cert`:

  python3 benchmarks/reference/compare.py --rounds 3 --repeats 3 relu-sgd relu-sgd-torch convex-cert

resnet-rff (P1, issue 13) runs p1_reference.py (torch autograd through the integrator). The reference runs with OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE removed from its environment (the machine may pin Haswell kernels); the BLAS core it loaded is printed.
Not part of the test suite. Build first: dotnet build -c Release src/Overparam.Verify.Cli.
"""
import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT = ["act-tanh", "act-sigmoid", "act-softplus", "gd", "ntk"]
# P5 workloads: reference variant -> our kernel; they run p5_reference.py.
P5 = {"relu-sgd": "relu-sgd", "relu-sgd-torch": "relu-sgd", "convex-cert": "convex-cert"}


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workloads", nargs="*", default=DEFAULT)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--python", default="/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable,
                    help="interpreter with torch (Debian's python3-torch lives in /usr/bin/python3)")
    ap.add_argument("--ours", default="dotnet " + os.path.join(ROOT, "src/Overparam.Verify.Cli/bin/Release/net10.0/overparam.dll"))
    args = ap.parse_args()
    ours = shlex.split(args.ours)
    ref_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    ref_cmd = [args.python, os.path.join(HERE, "torch_reference.py")]
    p5_cmd = [args.python, os.path.join(HERE, "p5_reference.py")]
    p1_cmd = [args.python, os.path.join(HERE, "p1_reference.py")]
    machine = subprocess.run(ours + ["bench", "act-tanh", "--size", "8", "--repeats", "1"], capture_output=True, text=True).stdout.splitlines()
    print(machine[0] if machine else f"# {platform.processor()}")
    ratios = {w: [] for w in args.workloads}
    blas = None
    for r in range(args.rounds):
        for w in args.workloads:
            a = run_json(ours + ["bench", P5.get(w, w), "--repeats", str(args.repeats), "--json"])[0]
            cmd = p5_cmd if w in P5 else p1_cmd if w == "resnet-rff" else ref_cmd
            b = run_json(cmd + [w, "--repeats", str(args.repeats)], env=ref_env)[0]
            blas = b["blas"] if cmd is ref_cmd else blas
            ratios[w].append((a["medianSeconds"] / b["medianSeconds"], a["medianSeconds"], b["medianSeconds"],
                              a["minSeconds"], b["minSeconds"]))
            print(f"  round {r + 1} {w:13s} ours {a['medianSeconds'] * 1e3:9.3f} ms  ref {b['medianSeconds'] * 1e3:9.3f} ms", file=sys.stderr)
    print(f"# reference: torch {b.get('torch', 'n/a')}, numpy {b.get('numpy', 'n/a')}, threads {b['threads']}, BLAS {blas}")
    print(f"{'workload':14s} {'ours ms':>9s} {'ref ms':>9s}  ours/ref median [min–max] over {args.rounds} rounds;"
          f" fastest ours/fastest ref")
    for w, rs in ratios.items():
        q = [x[0] for x in rs]
        print(f"{w:14s} {statistics.median(x[1] for x in rs) * 1e3:9.3f} {statistics.median(x[2] for x in rs) * 1e3:9.3f}"
              f"  {statistics.median(q):.3f} [{min(q):.3f}–{max(q):.3f}]; {min(x[3] for x in rs) / min(x[4] for x in rs):.3f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""PyTorch float64 reference for the P1 benchmark of `overparam bench` (issue 13's "Speed").

Workload (name matches the `overparam bench` kernel; --size is N):
  resnet-rff  one forward pass and gradient of F(U) = (1/N)·Σᵢ ½(B·Xᵢ(1) − yᵢ)² for the ResNet ∂ₛX = U(s)·Φ(X) over
              M = 1024 Gaussian random Fourier features Φ(z) = √(2/M)·cos(Wz + b) in d = 20, L = 16 steps of the
              midpoint rule with U(s) linear between its L + 1 nodes (papers.md §1.3), A = I, B (1 × d) ~ N(0, 1/d),
              U entries N(0, 0.1²) so the flow is not the identity; the gradient by autograd through the integrator
              (what a PyTorch user would write; ours is the hand-written discrete adjoint)
The data and weights come from torch's own generator: the same shape of problem, not the same numbers.
Prints one JSON object per workload, like torch_reference.py.
"""
import argparse
import json
import math
import os
import statistics
import time

import torch

torch.set_default_dtype(torch.float64)

D = 20
M = 1024
DEPTH = 16
BANDWIDTH = 1.0
U_SCALE = 0.1


def problem(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, D, generator=g) / math.sqrt(D)
    y = torch.randn(n, generator=g)
    w = torch.randn(M, D, generator=g) / BANDWIDTH
    b = torch.rand(M, generator=g) * 2 * math.pi
    readout = torch.randn(1, D, generator=g) / math.sqrt(D)
    u = (torch.randn(DEPTH + 1, D, M, generator=g) * U_SCALE).requires_grad_(True)
    return x, y, w, b, readout, u


def loss(x, y, w, b, readout, u):
    h = 1.0 / DEPTH
    c = math.sqrt(2.0 / M)

    def phi(z):
        return c * torch.cos(z @ w.T + b)

    state = x
    for layer in range(DEPTH):
        k1 = phi(state) @ u[layer].T
        mid = state + 0.5 * h * k1
        u_mid = 0.5 * (u[layer] + u[layer + 1])
        state = state + h * (phi(mid) @ u_mid.T)
    r = (state @ readout.T).squeeze(1) - y
    return 0.5 * (r * r).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workloads", nargs="+")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--size", type=int, default=500)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch intra-op threads (ours uses every core)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.workloads:
        if name != "resnet-rff":
            raise SystemExit(f"unknown workload {name!r}; expected resnet-rff")
        x, y, w, b, readout, u = problem(args.size)

        def call():
            u.grad = None
            f = loss(x, y, w, b, readout, u)
            f.backward()
            return f.item()

        call()   # warm-up
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        print(json.dumps({
            "kernel": name, "size": args.size, "threads": args.threads,
            "medianSeconds": statistics.median(times), "minSeconds": min(times), "maxSeconds": max(times),
            "repeats": args.repeats, "torch": torch.__version__, "blas": "n/a",
        }), flush=True)


if __name__ == "__main__":
    main()

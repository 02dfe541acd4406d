#!/usr/bin/env python3
"""PyTorch float64 reference for `overparam bench` (issue 14's side-by-side table).

Workloads (names match `overparam bench` kernels):
  act-tanh, act-sigmoid, act-softplus  σ and σ′ of a 1000×512 array of N(0, 1) entries (σ′ as autograd forms it)
  gd                                   one full-batch GD step of the MLP n = 1000, d = 64, widths 512, 512, tanh,
                                       NTK parameterisation (scale 1/√fan_in, no biases), loss ½‖f − y‖²
  ntk                                  the empirical NTK of that MLP in the structured form
                                       K = Σ_ℓ s_ℓ²(C_ℓC_ℓᵀ) ⊙ (H_{ℓ−1}H_{ℓ−1}ᵀ) (one forward, one backward, two Grams per layer)
Prints one JSON object per workload: min/median/max seconds, repeats, threads, torch version and the BLAS core.
Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so OpenBLAS picks its own (AVX-512) kernels.
"""
import argparse
import ctypes
import json
import math
import os
import statistics
import time

import torch

torch.set_default_dtype(torch.float64)


def blas_core():
    """The BLAS library torch loaded and, for OpenBLAS, openblas_get_corename()."""
    path = None
    with open("/proc/self/maps") as maps:
        for line in maps:
            if "blas" in line.lower() and ".so" in line:
                path = line.split()[-1]
                if "openblas" in path:
                    break
    if path is None:
        return "unknown"
    try:
        lib = ctypes.CDLL(path)
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return f"{path} ({lib.openblas_get_corename().decode()})"
    except (OSError, AttributeError):
        return path


def mlp(n=1000, d=64, widths=(512, 512), seed=0):
    g = torch.Generator().manual_seed(seed)
    sizes = [d, *widths, 1]
    ws = [torch.randn(o, i, generator=g) for i, o in zip(sizes[:-1], sizes[1:])]
    scales = [1.0 / math.sqrt(i) for i in sizes[:-1]]
    x = torch.randn(n, d, generator=g)
    y = torch.randn(n, generator=g)
    return ws, scales, x, y


def workload(name, n):
    g = torch.Generator().manual_seed(1)
    if name.startswith("act-"):
        z = torch.randn(n, 512, generator=g)
        kind = name[4:]
        if kind == "tanh":
            def call():
                h = torch.tanh(z)
                return h, 1.0 - h * h
        elif kind == "sigmoid":
            def call():
                s = torch.sigmoid(z)
                return s, s * (1.0 - s)
        elif kind == "softplus":
            def call():
                return torch.nn.functional.softplus(z), torch.sigmoid(z)
        else:
            raise SystemExit(f"unknown activation {kind}")
        return call
    ws, scales, x, y = mlp(n)
    if name == "gd":
        params = [w.clone().requires_grad_(True) for w in ws]
        eta = 1e-3

        def call():
            h = x
            for l, (w, s) in enumerate(zip(params, scales)):
                h = s * (h @ w.T)
                if l < len(params) - 1:
                    h = torch.tanh(h)
            loss = 0.5 * torch.sum((h.squeeze(1) - y) ** 2)
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, gr in zip(params, grads):
                    p.sub_(eta * gr)
            return loss
        return call
    if name == "ntk":
        def call():
            with torch.no_grad():
                hs, zs = [x], []
                h = x
                for l, (w, s) in enumerate(zip(ws, scales)):
                    z = s * (h @ w.T)
                    zs.append(z)
                    if l < len(ws) - 1:
                        h = torch.tanh(z)
                        hs.append(h)
                c = torch.ones(x.shape[0], 1)
                k = torch.zeros(x.shape[0], x.shape[0])
                for l in range(len(ws) - 1, -1, -1):
                    s = scales[l]
                    k += (s * s) * (c @ c.T) * (hs[l] @ hs[l].T)
                    if l > 0:
                        t = torch.tanh(zs[l - 1])
                        c = (s * (c @ ws[l])) * (1.0 - t * t)
                return k
        return call
    raise SystemExit(f"unknown workload {name}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workloads", nargs="+")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="intra-op threads (ours uses every core)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    core = blas_core()
    for name in args.workloads:
        call = workload(name, args.size)
        call()
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        print(json.dumps({
            "kernel": name, "size": args.size, "threads": torch.get_num_threads(),
            "medianSeconds": statistics.median(times), "minSeconds": min(times), "maxSeconds": max(times),
            "repeats": args.repeats, "torch": torch.__version__, "blas": core,
        }), flush=True)


if __name__ == "__main__":
    main()

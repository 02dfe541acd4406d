#!/usr/bin/env python3
"""PyTorch float64 reference for `overparam bench` (issue 14's side-by-side table).

Workloads (names match `overparam bench` kernels):
  act-tanh, act-sigmoid, act-softplus  σ and σ′ of a 1000×512 array of N(0, 1) entries (σ′ as autograd forms it)
  gd                                   one full-batch GD step of the MLP n = 1000, d = 64, widths 512, 512, tanh,
                                       NTK parameterisation (scale 1/√fan_in, no biases), loss ½‖f − y‖²
  ntk                                  the empirical NTK of that MLP in the structured form
                                       K = Σ_ℓ s_ℓ²(C_ℓC_ℓᵀ) ⊙ (H_{ℓ−1}H_{ℓ−1}ᵀ) (one forward, one backward, two Grams per layer)
  p3-gd, p3-newton, p3-gauss-newton
                                       the P3 net f(x) = N^(−β)Σ cᵢ tanh(wᵢx + ηᵢ), β = 0.52, width N = --size, on
                                       n = 128 equispaced x with the newton-vs-gd target, loss (1/2n)‖f − y‖²: one GD
                                       step; or one regularized Newton / Gauss–Newton step = value and gradient (with
                                       the graph kept), exactly 10 CG iterations on (M + λI)v, λ = 10·N^(1−2β), with
                                       M v by double backward (Hessian) or by J(Jᵀ·) through the double-vjp trick
                                       (Gauss–Newton), then the candidate's value and gradient
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


def p3_workload(name, width):
    n, beta = 128, 0.52
    x = torch.linspace(0.0, 1.0, n)
    pi = math.pi
    y = 4 * x + torch.sin(2 * pi * x) + 0.8 * (torch.sin(8 * pi * x) + torch.sin(10 * pi * x) + torch.sin(16 * pi * x))
    g = torch.Generator().manual_seed(0)
    theta0 = torch.cat([torch.randn(width, generator=g), torch.randn(width, generator=g),
                        torch.rand(width, generator=g) * 2 - 1])
    scale = width ** -beta

    def forward(th):
        w, b, c = th[:width], th[width:2 * width], th[2 * width:]
        return scale * (torch.tanh(torch.outer(x, w) + b) @ c)

    def loss_of(th):
        r = forward(th) - y
        return 0.5 / n * torch.dot(r, r)

    if name == "p3-gd":
        th = theta0.clone().requires_grad_(True)

        def call():
            loss = loss_of(th)
            (gr,) = torch.autograd.grad(loss, th)
            with torch.no_grad():
                th.sub_(1e-2 * gr)
            return loss
        return call
    lam = 10 * width ** (1 - 2 * beta)
    hessian = name == "p3-newton"

    def call():
        th = theta0.clone().requires_grad_(True)
        if hessian:
            loss = loss_of(th)
            (gr,) = torch.autograd.grad(loss, th, create_graph=True)

            def product(v):
                (hv,) = torch.autograd.grad(gr, th, v, retain_graph=True)
                return hv
        else:
            f = forward(th)
            loss = 0.5 / n * torch.dot(f - y, f - y)
            (gr,) = torch.autograd.grad(loss, th, retain_graph=True)
            u = torch.zeros(n, requires_grad=True)
            (jt_u,) = torch.autograd.grad(f, th, u, create_graph=True)

            def product(v):
                (jv,) = torch.autograd.grad(jt_u, u, v, retain_graph=True)
                (gn,) = torch.autograd.grad(f, th, jv / n, retain_graph=True)
                return gn
        gd = gr.detach()
        xk = torch.zeros_like(gd)
        r = gd.clone()
        p = gd.clone()
        rr = torch.dot(r, r)
        for _ in range(10):
            ap = product(p) + lam * p
            pap = torch.dot(p, ap)
            if pap <= 0:
                raise SystemExit("benchmark CG met negative curvature")
            a = rr / pap
            xk = xk + a * p
            r = r - a * ap
            rr_new = torch.dot(r, r)
            p = r + (rr_new / rr) * p
            rr = rr_new
        cand = (th.detach() - xk).requires_grad_(True)
        lc = loss_of(cand)
        torch.autograd.grad(lc, cand)
        return lc
    return call


def workload(name, n):
    if name.startswith("p3-"):
        return p3_workload(name, n)
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

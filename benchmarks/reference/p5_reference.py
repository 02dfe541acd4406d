#!/usr/bin/env python3
"""numpy / PyTorch float64 reference for the P5 benchmarks of `overparam bench` (issue 12's "Speed").

Workloads (names match `overparam bench` kernels; --size is N):
  relu-sgd        subgradient descent on log L (logistic loss, η = 0.003, 10⁵ steps) of the bias-free two-layer ReLU
                  network f = Σⱼ(Xw₁ⱼ)₊w₂ⱼ, width 200, initial scale 1e-3, on N orthogonally separable samples in d = 2;
                  the same loop as ours: forward, log-sum-exp weights, the subgradient with ReLU′(0) = 0, finiteness
                  check and best-iterate tracking; numpy arrays
  relu-sgd-torch  the same loop on torch tensors (no autograd: the explicit subgradient, as ours)
  convex-cert     the exact d = 2 arrangement by an angle sweep (sort the 2N hyperplane angles, one midpoint per arc,
                  its pattern certified against the rounding bound) and the dual certificate for λᵢ = 1/N: per pattern
                  gᵢ = XᵀDᵢ diag(y)λ and the two cone projections Π(±gᵢ) by Lawson–Hanson NNLS with matrix −Aᵀ,
                  A = (2Dᵢ − I)X, written in numpy (scipy is not installed here), with the same rounding-error bound
The data follow DataGenerators.OrthogonallySeparable in distribution (half-normal coordinates per class, cross-class
shift 0.1, a random rotation), from numpy's own generator: the same shape of problem, not the same numbers.
Prints one JSON object per workload, like torch_reference.py.
"""
import argparse
import json
import math
import statistics
import time

import numpy as np

EPS = 2.220446049250313e-16
U = EPS / 2
STEPS = int(__import__("os").environ.get("P5_STEPS", 100_000))
WIDTH = 200
ETA = 0.003
CROSS_CLASS_SHIFT = 0.1   # DataGenerators.CrossClassShift


def orthogonal_data(n, rng):
    y = np.where(rng.permutation(n) < (n + 1) // 2, 1.0, -1.0)
    x = np.full((n, 2), -CROSS_CLASS_SHIFT)
    x[y > 0, 0] = np.abs(rng.standard_normal((y > 0).sum()))
    x[y < 0, 1] = np.abs(rng.standard_normal((y < 0).sum()))
    q, _ = np.linalg.qr(rng.standard_normal((2, 2)))
    return x @ q.T, y


def relu_sgd_numpy(x, y, w1, w2):
    n = x.shape[0]
    xt = x.T.copy()
    log_n = math.log(n)
    best, best_params = math.inf, None

    def value_and_grad(w1, w2):
        z = w1 @ xt                                   # m×N pre-activations
        a = np.maximum(z, 0.0)
        s = y * (w2 @ a)                              # margins
        # log ℓ(s) for ℓ = log(1 + e^{−s}), finite for large s (as ours: −s − e^{−s}/2 past 35)
        with np.errstate(divide="ignore"):
            logl = np.where(s > 35, -s - 0.5 * np.exp(-np.minimum(s, 700)), np.log(np.logaddexp(0.0, -s)))
        mx = logl.max()
        lse = mx + math.log(np.exp(logl - mx).sum())
        g = -np.exp(-np.logaddexp(0.0, s) - lse) * y  # ∂ log L/∂f
        gw2 = a @ g
        gw1 = w2[:, None] * (((z > 0) * g) @ x)
        return lse - log_n, gw1, gw2

    loss, g1, g2 = value_and_grad(w1, w2)
    for _ in range(STEPS):
        w1 = w1 - ETA * g1
        w2 = w2 - ETA * g2
        if not (np.isfinite(w1).all() and np.isfinite(w2).all()):
            break
        loss, g1, g2 = value_and_grad(w1, w2)
        if loss < best:
            best, best_params = loss, (w1.copy(), w2.copy())
    return loss, best_params


def relu_sgd_torch(x, y, w1, w2):
    import torch
    x = torch.from_numpy(x)
    y = torch.from_numpy(y)
    w1 = torch.from_numpy(w1)
    w2 = torch.from_numpy(w2)
    xt = x.T.contiguous()
    log_n = math.log(x.shape[0])
    best, best_params = math.inf, None

    def value_and_grad(w1, w2):
        z = w1 @ xt
        a = torch.clamp_min(z, 0.0)
        s = y * (w2 @ a)
        logl = torch.where(s > 35, -s - 0.5 * torch.exp(-s.clamp_max(700)),
                           torch.log(torch.nn.functional.softplus(-s)))
        lse = torch.logsumexp(logl, 0)
        g = -torch.exp(-torch.nn.functional.softplus(s) - lse) * y
        gw2 = a @ g
        gw1 = w2[:, None] * (((z > 0) * g) @ x)
        return float(lse) - log_n, gw1, gw2

    with torch.no_grad():
        loss, g1, g2 = value_and_grad(w1, w2)
        for _ in range(STEPS):
            w1 = w1 - ETA * g1
            w2 = w2 - ETA * g2
            if not (torch.isfinite(w1).all() and torch.isfinite(w2).all()):
                break
            loss, g1, g2 = value_and_grad(w1, w2)
            if loss < best:
                best, best_params = loss, (w1.clone(), w2.clone())
    return loss, best_params


def gamma(k):
    return k * U / (1 - k * U)


def nnls(a, b):
    """Lawson–Hanson (1974, ch. 23): x ≥ 0 minimising ‖Ax − b‖, the passive sub-problems by least squares."""
    m, n = a.shape
    x = np.zeros(n)
    passive = np.zeros(n, bool)
    excluded = np.zeros(n, bool)
    r = b.copy()
    w = a.T @ r
    scale = max(np.sqrt((a * a).sum(0)).max(), 1e-300)
    tol = 10 * max(m, n) * EPS * scale * max(np.linalg.norm(b), 1e-300)
    for _ in range(3 * n + 10):
        cand = np.where(~passive & ~excluded, w, -np.inf)
        j = int(np.argmax(cand))
        if not cand[j] > tol:
            break
        passive[j] = True
        first, set_aside = True, False
        while True:
            s = np.zeros(n)
            idx = np.flatnonzero(passive)
            s[idx] = np.linalg.lstsq(a[:, idx], b, rcond=None)[0]
            if first and not s[j] > 0:
                passive[j] = False
                excluded[j] = True
                set_aside = True
                break
            first = False
            if (s[idx] > 0).all():
                x = s
                break
            bad = idx[s[idx] <= 0]
            steps = x[bad] / (x[bad] - s[bad])
            k = int(np.argmin(steps))
            x = x + steps[k] * (s - x)
            passive &= x > 0
            passive[bad[k]] = False
            x[~passive] = 0.0
        x[~passive] = 0.0
        r = b - a @ x
        w = a.T @ r
        if not set_aside:
            excluded[:] = False
    return x, r


def project(x, pattern, g, g_err):
    """Π_C(g) = g + Aᵀν, its norm and the certified upper bound (ConeProjection.Project)."""
    n = x.shape[0]
    sgn = np.where(pattern, -1.0, 1.0)
    mat = (sgn[:, None] * x).T                        # d×N, column i = −(2Dᵢᵢ − 1)xᵢ
    nu, proj = nnls(mat, g)
    gm = gamma(n + 2)
    err = gm * (np.abs(g) + np.abs(x).T @ nu) * (1 + gm) + g_err
    upper = math.sqrt(((np.abs(proj) + err) ** 2).sum()) * (1 + gamma(5))
    return proj, float(np.linalg.norm(proj)), upper


def angle_sweep(x):
    """Every open cell of the central arrangement in d = 2, one certified midpoint per arc."""
    alpha = np.arctan2(x[:, 1], x[:, 0])
    ang = np.sort(np.concatenate([alpha + np.pi / 2, alpha - np.pi / 2]) % (2 * np.pi))
    keep = np.concatenate([[True], np.diff(ang) > 1e-12])
    ang = ang[keep]
    mids = (ang + np.diff(np.concatenate([ang, [ang[0] + 2 * np.pi]])) / 2)
    u = np.stack([np.cos(mids), np.sin(mids)], 1)     # K×2
    s = x @ u.T                                       # N×K
    bound = gamma(3) * (np.abs(x) @ np.abs(u).T)
    ok = (np.abs(s) > bound).all(0)
    patterns = {}
    for k in np.flatnonzero(ok):
        p = s[:, k] > 0
        patterns.setdefault(p.tobytes(), (p, u[k]))
    return [patterns[key] for key in sorted(patterns)]


def convex_cert(x, y, lam):
    n = x.shape[0]
    cells = angle_sweep(x)
    gm = gamma(n + 1)
    best, upper, best_proj = -math.inf, -math.inf, None
    for pattern, _ in cells:
        c = np.where(pattern, y * lam, 0.0)
        g = x.T @ c
        g_err = gm * (1 + gm) * (np.abs(x).T @ np.where(pattern, lam, 0.0))
        for sign in (1.0, -1.0):
            proj, norm, up = project(x, pattern, sign * g, g_err)
            upper = max(upper, up)
            if norm > best:
                best, best_proj = norm, proj
    return best, upper, len(cells)


def workload(name, n):
    rng = np.random.default_rng(0)
    x, y = orthogonal_data(n, rng)
    if name.startswith("relu-sgd"):
        w1 = 1e-3 * rng.standard_normal((WIDTH, 2))
        w2 = 1e-3 * rng.standard_normal(WIDTH)
        loop = relu_sgd_torch if name == "relu-sgd-torch" else relu_sgd_numpy
        return lambda: loop(x, y, w1, w2)
    if name == "convex-cert":
        lam = np.full(n, 1.0 / n)
        return lambda: convex_cert(x, y, lam)
    raise SystemExit(f"unknown workload {name}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workloads", nargs="+")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--size", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (tiny matrices: 1 is fastest)")
    args = ap.parse_args()
    versions = {"numpy": np.__version__}
    if any(w.endswith("-torch") for w in args.workloads):
        import torch
        torch.set_num_threads(args.threads)
        versions["torch"] = torch.__version__
    for name in args.workloads:
        call = workload(name, args.size)
        call()
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        print(json.dumps({
            "kernel": name, "size": args.size, "threads": args.threads,
            "medianSeconds": statistics.median(times), "minSeconds": min(times), "maxSeconds": max(times),
            "repeats": args.repeats, **versions, "blas": "n/a",
        }), flush=True)


if __name__ == "__main__":
    main()

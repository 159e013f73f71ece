#!/usr/bin/env python3
"""Independent SciPy reference for the Chinchilla fit (tests and benchmarks).

The same problem scalefit solves, written from the papers, not from
scalefit's code: Huber(delta) on log residuals, summed over rows, of the law

    log L = LSE(a - alpha log N, b - beta log D, e)      (Besiroglu et al. 2024)

minimised with scipy.optimize L-BFGS-B and analytic gradients from
Hoffmann et al.'s start grid (alpha, beta in {0, 0.5, ..., 2}; e in
{-1, -0.5, ..., 1}; a, b in {0, 5, ..., 25}: 4500 starts), keeping the best,
then polished with BFGS at a tight gradient tolerance and Newton steps to
the minimum itself; "gap" and "sensitivity" say what the data determine
there (curvature.py).

Usage:
  chinchilla_ref.py DATA.csv [--max-loss T] [--grid full|coarse] [--no-polish]
                    [--tol default|tight] [--json]

--grid coarse keeps every other grid value (243 starts) for quick checks.
Prints one JSON object: params (natural), objective, starts, seconds.
Needs Debian's python3-numpy and python3-scipy.
"""
import argparse
import csv
import itertools
import json
import math
import sys
import time

import os

import numpy as np
import scipy.optimize as so
import scipy.special as ss

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import curvature  # noqa: E402


def load(path, max_loss):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    def col(*names):
        for n in names:
            if n in rows[0]:
                return np.array([float(r[n]) for r in rows])
        return None
    N = col("Model Size", "N", "params")
    L = col("loss")
    D = col("D", "tokens")
    if D is None:
        D = col("Training FLOP", "C", "flops") / (6.0 * N)
    keep = L < max_loss if max_loss is not None else np.ones(L.shape, bool)
    return N[keep], D[keep], L[keep]


def objective(N, D, L, delta):
    lN, lD, lL = np.log(N), np.log(D), np.log(L)

    def f(p):
        a, b, e, al, be = p
        t = np.stack([a - al * lN, b - be * lD, np.full_like(lN, e)])
        m = t.max(axis=0)
        ex = np.exp(t - m)
        s = ex.sum(axis=0)
        r = lL - (m + np.log(s))
        val = ss.huber(delta, r).sum()
        psi = np.clip(r, -delta, delta)
        w = ex / s
        g = np.array([-(psi * w[0]).sum(), -(psi * w[1]).sum(), -(psi * w[2]).sum(),
                      (psi * w[0] * lN).sum(), (psi * w[1] * lD).sum()])
        return val, g

    return f


def grid(kind):
    ab = np.arange(0, 30, 5.0)
    e = np.arange(-1, 1.5, 0.5)
    ex = np.arange(0, 2.5, 0.5)
    if kind == "coarse":
        ab, e, ex = ab[::2], e[::2], ex[::2]
    return list(itertools.product(ab, ab, e, ex, ex))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--max-loss", type=float, default=None)
    ap.add_argument("--grid", choices=["full", "coarse"], default="full")
    ap.add_argument("--tol", choices=["default", "tight"], default="default",
                    help="L-BFGS-B tolerances: SciPy's defaults, or ftol 1e-15, gtol 1e-12")
    ap.add_argument("--no-polish", action="store_true")
    ap.add_argument("--delta", type=float, default=1e-3)
    args = ap.parse_args()

    N, D, L = load(args.data, args.max_loss)
    f = objective(N, D, L, args.delta)
    opts = {} if args.tol == "default" else {"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000}
    starts = grid(args.grid)
    t0 = time.perf_counter()
    best = None
    for x0 in starts:
        r = so.minimize(f, np.array(x0), jac=True, method="L-BFGS-B", options=opts)
        if best is None or r.fun < best.fun:
            best = r
    seconds = time.perf_counter() - t0
    x, fun = best.x, best.fun
    gap, sens = None, None
    if not args.no_polish:
        r = so.minimize(f, x, jac=True, method="BFGS", options={"gtol": 1e-14})
        if r.fun <= fun:
            x, fun = r.x, r.fun
        # Newton to the minimum itself, and what the data determine there
        # (curvature.py).
        x, fun, gap = curvature.newton_polish(f, x)
        lN, lD = np.log(N), np.log(D)

        def pred_rms(y):
            t = np.stack([y[0] - y[3] * lN, y[1] - y[4] * lD, np.full_like(lN, y[2])])
            return float(np.sqrt(np.mean(ss.logsumexp(t, axis=0) ** 2)))
        sens = curvature.sensitivities(f, x, {
            "E": lambda y: math.exp(y[2]), "A": lambda y: math.exp(y[0]),
            "B": lambda y: math.exp(y[1]), "alpha": lambda y: y[3], "beta": lambda y: y[4],
            "rms_log_pred": pred_rms})
    a, b, e, al, be = x
    out = {
        "params": {"E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)),
                   "alpha": float(al), "beta": float(be)},
        "objective": float(fun),
        "gap": gap,
        "sensitivity": sens,
        "grid_objective": float(best.fun),
        "n_points": int(len(L)),
        "starts": len(starts),
        "seconds": seconds,
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

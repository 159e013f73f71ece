#!/usr/bin/env python3
"""Independent NumPy/SciPy reference for Chinchilla Approach 2 (tests).

The point estimates of `scalefit isoflop --bootstrap 0`, written from the
method's description (docs/approaches.md), not from scalefit's code:

  budgets   rows sorted by C; a budget starts at the smallest C not yet
            grouped and takes every row with C <= (1 + tol) times it; its
            compute is the geometric mean of its rows' C
  profile   parabola: numpy.polyfit of loss on log N (weights: repeated
            sizes merged into their mean loss with their count as weight);
            akima: scipy.interpolate.Akima1DInterpolator through the merged
            points, minimum among the knots and the roots of its derivative
  flags     fewer than 3 sizes; parabola opening downward; lowest merged
            loss at the smallest or largest size, or minimum outside the
            open range of sizes (edge)
  weights   1 / (L*^2 s^2 (S^-1)_11 / (4 b2^2)) with t = (x - xc)/s the
            standardised log N, S the weighted normal matrix in t and b2 the
            t^2 coefficient: the delta-method variance of the minimum at the
            centre of the sampled sizes
  power law numpy.polyfit(log C, log N*, 1, w=sqrt(weight)); unweighted
            with --weights equal

  bootstrap --bootstrap K resamples the rows of each budget used with
            replacement (numpy's generator, so not scalefit's draws), refits
            every profile and the power law, drops budgets that lose their
            interior minimum and resamples left with fewer than 2 budgets,
            and reports the percentile interval of a and the loop's seconds

Usage: isoflop_ref.py DATA.csv [--tol 0.1] [--profile parabola|akima]
                      [--weights variance|equal] [--bootstrap K] [--seed S]
Prints JSON: {"a": ..., "k": ..., "budgets": [{"compute", "N_opt", "flags"}],
              "ci": [lo, hi], "replicates": n, "seconds": t} (the last three
              with --bootstrap).
Columns: N, loss, and C or D (C = 6 N D), by exact header name.
"""
import argparse
import csv
import json
import math
import time

import numpy as np
from scipy.interpolate import Akima1DInterpolator


def load(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    N = np.array([float(r["N"]) for r in rows])
    L = np.array([float(r["loss"]) for r in rows])
    if "C" in rows[0]:
        C = np.array([float(r["C"]) for r in rows])
    else:
        C = 6.0 * N * np.array([float(r["D"]) for r in rows])
    return N, C, L


def budgets(C, tol):
    order = sorted(range(len(C)), key=lambda i: (C[i], i))
    groups, cur = [], []
    for i in order:
        if cur and C[i] > C[cur[0]] * (1 + tol):
            groups.append(cur)
            cur = []
        cur.append(i)
    groups.append(cur)
    return groups


def profile(x, y, kind):
    xs = np.unique(x)
    ys = np.array([y[x == v].mean() for v in xs])
    ws = np.array([float(np.sum(x == v)) for v in xs])
    if len(xs) < 3:
        return None, None, ["few_sizes"]
    xc = np.sum(ws * xs) / np.sum(ws)
    s = math.sqrt(np.sum(ws * (xs - xc) ** 2) / np.sum(ws))
    t = (xs - xc) / s
    b2, b1, b0 = np.polyfit(t, ys, 2, w=np.sqrt(ws))
    if not b2 > 0:
        return None, None, ["no_minimum"]
    X = np.vstack([np.ones_like(t), t, t * t]).T
    Sinv = np.linalg.inv(X.T @ (ws[:, None] * X))
    if kind == "parabola":
        tmin = -b1 / (2 * b2)
        xmin, lmin = xc + s * tmin, b0 + b1 * tmin + b2 * tmin * tmin
    else:
        sp = Akima1DInterpolator(xs, ys)
        cand = list(xs) + [r for r in sp.derivative().roots(extrapolate=False)
                           if xs[0] < r < xs[-1]]
        vals = [float(sp(c)) for c in cand]
        k = int(np.argmin(vals))
        xmin, lmin = float(cand[k]), vals[k]
    var = s * s * Sinv[1, 1] / (4 * b2 * b2)
    kb = int(np.argmin(ys))
    flags = []
    if kb in (0, len(xs) - 1) or not xs[0] < xmin < xs[-1]:
        flags = ["edge"]
    return xmin, 1.0 / (lmin * lmin * var), flags


def fit(groups, N, C, L, args, rng=None):
    """Per-budget minima and the exponent; with rng, one bootstrap resample
    of the budgets in `groups` (the budgets the point estimate used)."""
    out, lc, ln, wl = [], [], [], []
    for g in groups:
        g = np.asarray(g)
        if rng is not None:
            g = g[rng.integers(0, len(g), len(g))]
        comp = math.exp(np.mean(np.log(C[g])))
        xmin, w, flags = profile(np.log(N[g]), L[g], args.profile)
        out.append({"compute": comp, "N_opt": math.exp(xmin) if xmin is not None else None,
                    "flags": flags})
        if xmin is not None and not flags:
            lc.append(math.log(comp))
            ln.append(xmin)
            wl.append(w if args.weights == "variance" else 1.0)
    if len(lc) < 2:
        return out, None, None
    a, c0 = np.polyfit(lc, ln, 1, w=np.sqrt(wl))
    return out, a, c0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--tol", type=float, default=0.1)
    ap.add_argument("--profile", default="parabola")
    ap.add_argument("--weights", default="variance")
    ap.add_argument("--bootstrap", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    N, C, L = load(args.data)
    groups = budgets(C, args.tol)
    out, a, c0 = fit(groups, N, C, L, args)
    res = {"a": a, "k": math.exp(c0), "budgets": out}
    if args.bootstrap > 0:
        used = [g for g, b in zip(groups, out) if b["N_opt"] is not None and not b["flags"]]
        rng = np.random.default_rng(args.seed)
        t0 = time.perf_counter()
        reps = [fit(used, N, C, L, args, rng)[1] for _ in range(args.bootstrap)]
        res["seconds"] = time.perf_counter() - t0
        reps = np.array([r for r in reps if r is not None])
        res["replicates"] = len(reps)
        res["ci"] = list(np.percentile(reps, [2.5, 97.5]))
    print(json.dumps(res))


if __name__ == "__main__":
    main()

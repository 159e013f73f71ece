#!/usr/bin/env python3
"""A Python/SciPy two-step task-law fit, as a notebook would write it, for
`make bench` to time scalefit's `task fit` against on the same long table
(scripts/olmo_ladder_tasks.py): per task, step 1 the Chinchilla law on each
run's last checkpoint (Huber, delta 1e-3, on log residuals; L-BFGS-B from a
3^5 grid of starts in Besiroglu et al.'s parameterisation), step 2 the
sigmoid on every checkpoint (scipy.optimize.curve_fit, trust-region
reflective, from a 4 x 4 grid over k and L0), the direct law on the last
checkpoints (L-BFGS-B from a grid), and DRAWS bootstrap resamples of runs
refitted from the point fit.

    python3 bench/task_ref.py TASKS.csv [--draws K] [--max-n N]

Prints one JSON object: seconds for the point fits and per draw, and per
task the objectives reached (for the bench to check scalefit is no worse).
"""
import argparse
import csv
import itertools
import json
import time

import numpy as np
from scipy.optimize import curve_fit, minimize

DELTA = 1e-3


def huber(r):
    a = np.abs(r)
    return np.where(a <= DELTA, 0.5 * r * r, DELTA * (a - 0.5 * DELTA))


def huber_grad(r):
    return np.clip(r, -DELTA, DELTA)


def lse_huber(t, target):
    """Huber objective of log(sum exp t) - target over the rows (t: terms x
    rows) and its gradient with respect to each term at each row."""
    m = t.max(axis=0)
    w = np.exp(t - m)
    s = w.sum(axis=0)
    r = m + np.log(s) - target
    return huber(r).sum(), huber_grad(r) * (w / s)


def best_start(f, starts):
    """L-BFGS-B from every start; the lowest result."""
    best = None
    for x0 in starts:
        res = minimize(f, x0, jac=True, method="L-BFGS-B")
        if best is None or res.fun < best.fun:
            best = res
    return best


def chinchilla_fit(N, D, L, starts):
    lN, lD, lL = np.log(N), np.log(D), np.log(L)

    def f(x):
        e, a, b, al, be = x
        obj, gp = lse_huber(np.stack([np.full_like(lN, e), a - al * lN, b - be * lD]), lL)
        return obj, np.array([gp[0].sum(), gp[1].sum(), gp[2].sum(),
                              -(gp[1] * lN).sum(), -(gp[2] * lD).sum()])

    return best_start(f, starts)


def sigmoid(L, a, b, k, L0):
    return b + a / (1.0 + np.exp(np.clip(k * (L - L0), -700, 700)))


def sigmoid_fit(L, A, p0s):
    best = None
    for p0 in p0s:
        try:
            p, _ = curve_fit(sigmoid, L, A, p0=p0, bounds=([0, 0, 1e-3, -10], [1, 1, 1e4, 10]),
                             method="trf", maxfev=20000)
        except RuntimeError:
            continue
        sse = float(((A - sigmoid(L, *p)) ** 2).sum())
        if best is None or sse < best[1]:
            best = (p, sse)
    return best


def direct_fit(C, A, starts):
    y = -np.log(A)
    lC, ly = np.log(C), np.log(y)

    def f(x):
        e, a, al = x
        obj, gp = lse_huber(np.stack([np.full_like(lC, e), a - al * lC]), ly)
        return obj, np.array([gp[0].sum(), gp[1].sum(), -(gp[1] * lC).sum()])

    return best_start(f, starts)


def fit_task(rows, starts1, starts_d, warm=None):
    last = {}
    for r in rows:
        if r["run"] not in last or r["D"] >= last[r["run"]]["D"]:
            last[r["run"]] = r
    fin = list(last.values())
    N = np.array([r["N"] for r in fin])
    D = np.array([r["D"] for r in fin])
    s1 = chinchilla_fit(N, D, np.array([r["loss"] for r in fin]), [warm[0]] if warm else starts1)
    L = np.array([r["loss"] for r in rows])
    A = np.array([r["acc"] for r in rows])
    span = L.max() - L.min()
    p0s = [warm[1]] if warm else [[0.5, 0.25, k / span, L.min() + q * span]
                                  for k in (1, 4, 16, 64) for q in (0.0, 0.33, 0.66, 1.0)]
    s2 = sigmoid_fit(L, A, p0s)
    acc = np.array([r["acc"] for r in fin])
    dr = direct_fit(6 * N * D, acc, [warm[2]] if warm else starts_d)
    return s1, s2, dr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--max-n", type=float, default=3e9)
    a = ap.parse_args()
    tasks = {}
    for r in csv.DictReader(open(a.data)):
        N = float(r["N"])
        if N >= a.max_n or r["acc"] == "":
            continue
        tasks.setdefault(r["task"], []).append(
            {"run": r["run"], "N": N, "D": float(r["D"]), "loss": float(r["loss"]), "acc": float(r["acc"])})
    starts1 = [np.array(x, float) for x in itertools.product((-1.0, 0.0, 1.0), (0.0, 10.0, 20.0),
                                                              (0.0, 10.0, 20.0), (0.0, 0.5, 1.0),
                                                              (0.0, 0.5, 1.0))]
    starts_d = [np.array(x, float) for x in itertools.product((-3.0, -1.0, 1.0), (0.0, 5.0, 10.0),
                                                               (0.05, 0.2, 0.5))]
    out = {"tasks": {}}
    t0 = time.perf_counter()
    fits = {}
    for name, rows in tasks.items():
        s1, s2, dr = fit_task(rows, starts1, starts_d)
        fits[name] = (s1, s2, dr)
        out["tasks"][name] = {"step1_objective": float(s1.fun), "sigmoid_sse": s2[1],
                              "direct_objective": float(dr.fun)}
    out["point_seconds"] = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for name, rows in tasks.items():
        runs = sorted({r["run"] for r in rows})
        by = {u: [r for r in rows if r["run"] == u] for u in runs}
        s1, s2, dr = fits[name]
        for _ in range(a.draws):
            pick = rng.integers(0, len(runs), len(runs))
            rs = [dict(r, run=f"{r['run']}#{j}") for j, i in enumerate(pick) for r in by[runs[i]]]
            fit_task(rs, starts1, starts_d, warm=(s1.x, s2[0], dr.x))
    out["seconds_per_draw_all_tasks"] = (time.perf_counter() - t0) / max(a.draws, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Independent SciPy reference for `scalefit validate` (tests and benchmarks).

The protocol written from its description in docs/validate.md (after
Choshen, Zhang and Andreas 2024), not from scalefit's C code:

  * runs are the rows sharing (run id, N); rows with D = 0 are dropped;
  * the target is the largest N (or --target); its rows with
    D >= 0.7 x (last D of their run) are predicted;
  * the fit uses the runs of the sizes below the target (--models K: the K
    largest of them), each run's rows with
    min(min_tokens, cut_cap x last D) <= D <= train_fraction x last D;
  * row weights: each run sums to 1, shared by the trapezoid rule over D
    (half the gap to each neighbour, divided by the run's D span);
  * the law is Chinchilla in log-sum-exp form (Besiroglu et al. 2024),
    fitted by the weighted Huber(1e-3) loss of log residuals, summed, with
    L-BFGS-B and analytic gradients from a grid of starts (Hoffmann et al.'s
    grid, every other value: 243 starts), the best polished;
  * ARE = mean |L - L^| / L over the target rows, max_re the largest.

Usage:
  validate_ref.py DATA.csv [--run COL] [--N COL] [--D COL] [--loss COL]
                  [--log-loss] [--where COL=VALUE]... [--target N]
                  [--models K] [--train-fraction F] [--min-tokens T]
                  [--cut-cap F] [--repeat R]

Prints one JSON object: are, max_re, params, objective (Newton-polished to
the minimum), gap (how far above the minimum it may still be), sensitivity
(per compared quantity: see curvature.py), n_train, n_target, seconds (the
fit, median of --repeat runs).
Needs Debian's python3-numpy and python3-scipy.
"""
import argparse
import csv
import itertools
import json
import math
import time

import os
import sys

import numpy as np
import scipy.optimize as so

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import curvature  # noqa: E402


def load(args):
    with open(args.data, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    where = [w.split("=", 1) for w in args.where]
    out = []
    for r in rows:
        if any(r[k] != v for k, v in where):
            continue
        loss = float(r[args.loss])
        if args.log_loss:
            loss = math.log(loss)
        D = float(r[args.D])
        if D == 0:
            continue
        out.append((r[args.run] if args.run else "", float(r[args.N]), D, loss))
    return out


def runs_of(rows):
    runs = {}
    for i, (run, N, D, L) in enumerate(rows):
        runs.setdefault((N, run), []).append((D, i, L))
    for k in runs:
        runs[k].sort()
    return runs


def select(args, rows):
    runs = runs_of(rows)
    sizes = sorted({N for N, _ in runs})
    target = sizes[-1] if args.target is None else min(sizes, key=lambda s: abs(math.log(s / args.target)))
    below = [s for s in sizes if s < target]
    if args.models:
        below = below[-args.models:]
    train_N, train_D, train_L, train_w = [], [], [], []
    for (N, run), pts in sorted(runs.items()):
        if N not in below:
            continue
        last = pts[-1][0]
        cut = min(args.min_tokens, args.cut_cap * last)
        kept = [(D, L) for D, _, L in pts if cut <= D <= args.train_fraction * last * (1 + 1e-12)]
        if not kept:
            continue
        Ds = np.array([D for D, _ in kept])
        span = Ds[-1] - Ds[0]
        if len(kept) == 1 or span <= 0:
            w = np.full(len(kept), 1.0 / len(kept))
        else:
            gaps = np.diff(Ds)
            w = (np.concatenate([[0.0], gaps]) + np.concatenate([gaps, [0.0]])) / (2 * span)
        train_N += [N] * len(kept)
        train_D += list(Ds)
        train_L += [L for _, L in kept]
        train_w += list(w)
    tgt = []
    for (N, run), pts in sorted(runs.items()):
        if N != target:
            continue
        last = pts[-1][0]
        tgt += [(N, D, L) for D, _, L in pts if D >= 0.7 * last * (1 - 1e-12)]
    return (np.array(train_N), np.array(train_D), np.array(train_L), np.array(train_w),
            np.array(tgt), target)


def huber_objective(N, D, L, w, delta=1e-3):
    lN, lD, lL = np.log(N), np.log(D), np.log(L)
    scale = 1.0 / (w.sum() * delta)

    def f(p):
        e, a, b, al, be = p
        t = np.stack([np.full_like(lN, e), a - al * lN, b - be * lD])
        m = t.max(axis=0)
        ex = np.exp(t - m)
        s = ex.sum(axis=0)
        r = lL - (m + np.log(s))
        soft = ex / s
        small = np.abs(r) <= delta
        rho = np.where(small, 0.5 * r * r, delta * (np.abs(r) - 0.5 * delta))
        psi = np.where(small, r, delta * np.sign(r))
        g = -(w * psi)
        grad = np.array([
            (g * soft[0]).sum(),
            (g * soft[1]).sum(),
            (g * soft[2]).sum(),
            (g * soft[1] * -lN).sum(),
            (g * soft[2] * -lD).sum(),
        ])
        return scale * (w * rho).sum(), scale * grad

    return f, scale


def fit(N, D, L, w):
    f, scale = huber_objective(N, D, L, w)
    bounds = [(None, None)] * 3 + [(0, None)] * 2
    grid = itertools.product([-1, 0, 1], [0, 10, 20], [0, 10, 20], [0, 1, 2], [0, 1, 2])
    best = None
    for p0 in grid:
        r = so.minimize(f, np.array(p0, float), jac=True, method="L-BFGS-B", bounds=bounds)
        if best is None or r.fun < best.fun:
            best = r
    r = so.minimize(f, best.x, jac=True, method="L-BFGS-B", bounds=bounds,
                    options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000})
    if r.fun > best.fun:
        r = best
    # Newton to the minimum itself (curvature.py): the exponents held at
    # their bound 0, if there, stay there.
    free = np.array([True, True, True, r.x[3] > 0, r.x[4] > 0])
    x, fx, gap = curvature.newton_polish(f, r.x, free)
    return x, fx / scale, gap / scale, f, scale, free


def predict(p, N, D):
    e, a, b, al, be = p
    return np.exp(e) + np.exp(a - al * np.log(N)) + np.exp(b - be * np.log(D))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--run", default="run")
    ap.add_argument("--N", default="N")
    ap.add_argument("--D", default="D")
    ap.add_argument("--loss", default="loss")
    ap.add_argument("--log-loss", action="store_true", help="the loss column is a perplexity")
    ap.add_argument("--where", action="append", default=[], help="COL=VALUE, rows kept")
    ap.add_argument("--target", type=float, default=None)
    ap.add_argument("--models", type=int, default=0)
    ap.add_argument("--train-fraction", type=float, default=1.0)
    ap.add_argument("--min-tokens", type=float, default=1e10)
    ap.add_argument("--cut-cap", type=float, default=0.3)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    N, D, L, w, tgt, target = select(args, load(args))
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        p, obj, gap, f, scale, free = fit(N, D, L, w)
        times.append(time.perf_counter() - t0)
    pred = predict(p, tgt[:, 0], tgt[:, 1])
    re = np.abs(tgt[:, 2] - pred) / tgt[:, 2]
    worst = int(np.argmax(re))

    def are_at(x):
        return float((np.abs(tgt[:, 2] - predict(x, tgt[:, 0], tgt[:, 1])) / tgt[:, 2]).mean())

    def re_at(x):
        return float(abs(tgt[worst, 2] - predict(x, tgt[worst:worst + 1, 0],
                                                 tgt[worst:worst + 1, 1])[0]) / tgt[worst, 2])

    def train_rms(x):
        # Predictions at the training data: what the fit pins down best.
        return float(np.sqrt(np.mean(np.log(predict(x, N, D)) ** 2)))
    quantities = {"E": lambda x: math.exp(x[0]), "A": lambda x: math.exp(x[1]),
                  "B": lambda x: math.exp(x[2]), "alpha": lambda x: x[3],
                  "beta": lambda x: x[4], "are": are_at, "max_re": re_at,
                  "train_rms_log_pred": train_rms}
    sens = curvature.sensitivities(f, p, quantities, free, fscale=scale)
    print(json.dumps({
        "target": target,
        "are": float(re.mean()),
        "max_re": float(re.max()),
        "params": {"E": math.exp(p[0]), "A": math.exp(p[1]), "B": math.exp(p[2]),
                   "alpha": float(p[3]), "beta": float(p[4])},
        "objective": float(obj),
        "gap": gap,
        "sensitivity": sens,
        "train_rms_log_pred": train_rms(p),
        "n_train": int(len(N)),
        "n_target": int(len(tgt)),
        "seconds": sorted(times)[len(times) // 2],
    }))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Independent SciPy reference for the "anneal" curve law (docs/curves.md).

Written from Tissue et al. (2024, "Scaling Law with Learning Rate
Annealing", eq. 1), not from scalefit's code:

    L(s) = L0 + A S1^-alpha - C S2,  S1 = sum_{i<=s} eta_i,
    m_i = lambda m_{i-1} + (eta_{i-1} - eta_i),  S2 = sum_{i<=s} m_i

with lambda = 0.999, the warm-up (steps up to the first one reaching 99%
of the peak LR) not counted as annealing, the LR interpolated linearly
between logged checkpoints from 0 at step 0, checkpoints before 5 x the
warm-up left out.  Objective: 1/2 sum (log L^ - log L)^2, every parameter
fitted as a logarithm, scipy.optimize.least_squares (trust region
reflective, exact Jacobian, xtol = ftol = gtol = 1e-15) from a grid of
starts (alpha in 0.2..1.2, C in 1e-3..1e1, L0 and A from the data).

    curves_ref.py RUN.csv [--loss COLUMN] [--repeat K]

prints JSON: objective, params, predictions at the steps of RUN, and the
median seconds of one fit (features + fit; K repeats, default 1).
"""
import argparse
import csv
import json
import time

import numpy as np
from scipy.optimize import least_squares


def load(path, loss_col):
    rows = list(csv.DictReader(open(path)))
    step_col = "_step" if "_step" in rows[0] else "step"
    lr_col = "optim/learning_rate_group0" if "optim/learning_rate_group0" in rows[0] else "lr"
    s = np.array([float(r[step_col]) for r in rows])
    lr = np.array([float(r[lr_col]) for r in rows])
    y = np.array([float(r[loss_col]) for r in rows])
    return s, lr, y


def features(s, lr, lam=0.999):
    T = int(round(s[-1]))
    t = np.arange(T + 1, dtype=float)
    xs = np.concatenate([[0.0], s]) if s[0] > 0 else s
    ys = np.concatenate([[0.0], lr]) if s[0] > 0 else lr
    eta = np.interp(t, xs, ys)
    peak = int(np.argmax(eta >= 0.99 * eta.max()))
    S1 = np.cumsum(eta) - eta[0]
    d = np.zeros(T + 1)
    d[1:] = eta[:-1] - eta[1:]
    d[: peak + 1] = 0.0
    # m_i = lam m_{i-1} + d_i as a linear filter
    from scipy.signal import lfilter
    m = lfilter([1.0], [1.0, -lam], d)
    S2 = np.cumsum(m)
    return S1, S2, peak


def fit(s, lr, y):
    S1, S2, peak = features(s, lr)
    keep = s >= 5 * peak
    idx = np.round(s[keep]).astype(int)
    a, b, ly = S1[idx], S2[idx], np.log(y[keep])

    def pred(th):
        L0, A, al, C = np.exp(th)
        return L0 + A * a ** (-al) - C * b

    def res(th):
        p = pred(th)
        return np.log(np.where(p > 0, p, np.nan)) - ly

    def jac(th):
        L0, A, al, C = np.exp(th)
        p = pred(th)
        ta = A * a ** (-al)
        return np.stack([L0 + 0 * a, ta, -al * np.log(a) * ta, -C * b], axis=1) / p[:, None]

    best = None
    mn = float(np.exp(ly).min())
    for al in (0.2, 0.4, 0.7, 1.2):
        for lc in (-3, -1, 1):
            th0 = np.log([0.7 * mn, 0.5 * mn * a.min() ** al + 1e-3, al, 10.0 ** lc])
            try:
                r = least_squares(res, th0, jac=jac, method="trf", xtol=1e-15, ftol=1e-15,
                                  gtol=1e-15, max_nfev=5000)
            except ValueError:
                continue
            if np.all(np.isfinite(r.fun)) and (best is None or r.cost < best.cost):
                best = r
    return best, S1, S2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--loss", default="eval/c4_en-validation/CrossEntropyLoss")
    ap.add_argument("--repeat", type=int, default=1)
    o = ap.parse_args()
    s, lr, y = load(o.run, o.loss)
    times = []
    for _ in range(o.repeat):
        t0 = time.perf_counter()
        best, S1, S2 = fit(s, lr, y)
        times.append(time.perf_counter() - t0)
    L0, A, al, C = np.exp(best.x)
    idx = np.round(s).astype(int)
    p = L0 + A * S1[idx] ** (-al) - C * S2[idx]
    print(json.dumps({"objective": float(best.cost), "n": int(best.fun.size),
                      "params": {"L0": L0, "A": A, "alpha": al, "C": C},
                      "steps": s.tolist(), "pred": p.tolist(),
                      "seconds": float(np.median(times))}))


if __name__ == "__main__":
    main()

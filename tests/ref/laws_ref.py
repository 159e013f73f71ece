#!/usr/bin/env python3
"""Independent SciPy references for the law catalogue (tests and docs).

Written from the papers and the authors' published formulas, not from
scalefit's code.  Every objective is the one scalefit minimises: the Huber
loss (delta 1e-3) of log residuals, summed over rows.

  laws_ref.py datablations DATA.csv
      Muennighoff et al. (2023): the law with U = min(U, D) as in the
      authors' allocation code; their second stage (E, A, B, alpha, beta
      held at the published values, rd*, rn* fitted) by L-BFGS-B from a
      15 x 13 grid of (log rd*, log rn*) starts; the distinct minima
      found, each polished by Nelder-Mead; a profile of the objective
      over rd* (rn* minimised at each rd*); R^2 at the published and the
      best values; and the data-constrained allocation at C = 1e22,
      U = 25e9 by a scan of 200001 points in log N refined with bounded
      Brent, next to the authors' grid answer.

  laws_ref.py bnsl DATA.csv [STARTS]
      Caballero et al. (2023): a one-break BNSL and a power law
      E + A x^-alpha on the 14 "fit" rows of the 4-digit addition data,
      BFGS with analytic gradients from STARTS (default 500) and STARTS/2
      random starts (seeded), and the RMSLE of each on the 3
      "extrapolate" rows.

  laws_ref.py bnsl-brute DATA.csv
      Caballero et al.'s own procedure for the same fit (their script
      fit_bnsl_and_extrapolate__4_digit_addition__dataset_size_x-axis.py,
      described in SOURCE.md): scipy.optimize.brute over their grid of
      163,840 points (a in 0..0.9, b = 1.25^p - 0.9 and d1 = 1.25^q - 0.9
      with p, q in 0..37.5, c0, c1, f1 in 0..0.75) minimising the mean
      squared error of log(y + 1), then curve_fit on log(y + 1) from the
      best point; one worker.  Reports seconds and the RMSLE of log y.

  laws_ref.py sardana
      Sardana et al. (2023), Figure 1: the Chinchilla-optimal 13e9 model
      (A 406.4, B 410.7, E 1.69, alpha 0.336, beta 0.283) and the model
      of equal loss with the fewest 6ND + 2NT FLOPs for T = 2e12, by
      bounded Brent over log N.

Each prints one JSON object.  Needs Debian's python3-numpy and python3-scipy.
"""
import csv
import json
import math
import os
import sys
import time

import numpy as np
import scipy.optimize as so

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import curvature  # noqa: E402

DELTA = 1e-3


def huber(r):
    a = np.abs(r)
    return np.where(a <= DELTA, 0.5 * r * r, DELTA * (a - 0.5 * DELTA)).sum()


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


# ---- datablations -----------------------------------------------------------

PUB = dict(E=np.exp(0.6254804), A=np.exp(6.255414), B=np.exp(7.3049974),
           alpha=0.3526596, beta=0.3526596, rd=15.387756, rn=5.309743)


def db_loss(N, D, U, rd, rn, p=PUB):
    """L(N, D, U) as in the authors' README, with U = min(U, D)."""
    E, A, B, al, be = p["E"], p["A"], p["B"], p["alpha"], p["beta"]
    G = ((al * A) / (be * B)) ** (1 / (al + be))
    U = np.minimum(U, D)
    RD = np.maximum(D / U - 1, 0)
    UN = np.minimum(N, (U * G) ** (be / al) * G)
    RN = np.maximum(N / UN - 1, 0)
    Np = UN + UN * rn * (1 - np.exp(-RN / rn))
    Dp = U + U * rd * (1 - np.exp(-RD / rd))
    return E + A / Np ** al + B / Dp ** be


def datablations(path):
    rows = read(path)
    N = np.array([float(r["N_params"]) for r in rows])
    D = np.array([float(r["D_tokens"]) for r in rows])
    U = np.array([float(r["U_unique_tokens"]) for r in rows])
    y = np.array([float(r["val_loss"]) for r in rows])

    def obj(t):
        return huber(np.log(y) - np.log(db_loss(N, D, U, np.exp(t[0]), np.exp(t[1]))))

    def r2(rd, rn):
        p = db_loss(N, D, U, rd, rn)
        return 1 - ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum()

    t0 = time.perf_counter()
    found = []
    for lr in np.linspace(0, 7, 15):
        for ln in np.linspace(-1, 5, 13):
            r = so.minimize(obj, [lr, ln], method="L-BFGS-B",
                            options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 5000})
            found.append((float(r.fun), list(r.x)))
    found.sort(key=lambda t: t[0])
    # Finite-difference gradients stop L-BFGS-B early: polish the end
    # points that differ (log rd* apart by more than 0.05) with Nelder-Mead,
    # then keep the distinct minima (rd* apart by more than 0.1%).
    seeds, basins = [], []
    for f, x in found:
        if all(abs(x[0] - y[0]) > 0.05 for y in seeds):
            seeds.append(x)
    for x in seeds:
        r = so.minimize(obj, x, method="Nelder-Mead",
                        options={"xatol": 1e-10, "fatol": 1e-18, "maxiter": 20000})
        rd, rn = float(np.exp(r.x[0])), float(np.exp(r.x[1]))
        if all(abs(np.log(rd / b["rd_star"])) > 1e-3 for b in basins):
            basins.append({"objective": float(r.fun), "rd_star": rd, "rn_star": rn,
                           "r2": r2(rd, rn)})
    basins.sort(key=lambda b: b["objective"])
    seconds = time.perf_counter() - t0
    # What the data determine at the best minimum (curvature.py).
    bt = np.log([basins[0]["rd_star"], basins[0]["rn_star"]])
    basins[0]["sensitivity"] = curvature.value_sensitivities(
        obj, bt, {"rd_star": lambda t: math.exp(t[0]), "rn_star": lambda t: math.exp(t[1]),
                  "r2": lambda t: float(r2(math.exp(t[0]), math.exp(t[1])))})
    profile = []
    for rd in np.exp(np.linspace(np.log(3), np.log(1000), 60)):
        r = so.minimize_scalar(lambda ln: obj([np.log(rd), ln]), bounds=(-3, 6),
                               method="bounded", options={"xatol": 1e-10})
        profile.append([float(rd), float(r.fun), float(np.exp(r.x))])
    best = basins[0]

    # Data-constrained allocation: minimise L(N, C/(6N), U) over log N.
    C, Ub = 1e22, 25e9
    s = C / 6

    def f(u):
        return float(db_loss(np.exp(u), s / np.exp(u), Ub, PUB["rd"], PUB["rn"]))

    us = np.linspace(0, np.log(s), 200001)
    vals = db_loss(np.exp(us), s / np.exp(us), Ub, PUB["rd"], PUB["rn"])
    k = int(np.argmin(vals))
    r = so.minimize_scalar(f, bounds=(us[max(k - 1, 0)], us[min(k + 1, len(us) - 1)]),
                           method="bounded", options={"xatol": 1e-13})
    grid_N, grid_D = 7022364735.88, 237336955477.55  # SOURCE.md, "Oracles"
    return {
        "published": {"objective": obj(np.log([PUB["rd"], PUB["rn"]])),
                      "r2": r2(PUB["rd"], PUB["rn"])},
        "best": best,
        "seconds": seconds,
        "basins": basins,
        "profile": profile,
        "allocation": {"compute": C, "unique_tokens": Ub, "params": float(np.exp(r.x)),
                       "tokens": float(s / np.exp(r.x)), "loss": float(r.fun),
                       "authors_grid": {"params": grid_N, "tokens": grid_D,
                                        "loss": float(db_loss(grid_N, grid_D, Ub, PUB["rd"],
                                                              PUB["rn"]))}},
    }


# ---- bnsl ---------------------------------------------------------------------


def bnsl(path, starts):
    rows = read(path)
    x = np.array([float(r["train_dataset_size"]) for r in rows])
    y = np.array([float(r["test_cross_entropy"]) for r in rows])
    fit = np.array([r["split"] == "fit" for r in rows])
    lx, ly = np.log(x), np.log(y)

    def log_bnsl(t, lx, grad=False):
        """log y and, with grad, d log y / d t (rows x 6), t = (log a,
        log b, c0, c1, log d1, log f1)."""
        la, lb, c0, c1, ld, lf = t
        f = np.exp(lf)
        s = (lx - ld) / f
        sp = np.logaddexp(0, s)
        g = lb - c0 * lx - c1 * f * sp
        out = np.logaddexp(la, g)
        if not grad:
            return out
        w0 = np.exp(la - out)
        w1 = np.exp(g - out)
        sig = 0.5 * (1 + np.tanh(0.5 * s))
        J = np.stack([w0, w1, -lx * w1, -f * sp * w1, c1 * sig * w1,
                      -c1 * f * (sp - s * sig) * w1], axis=1)
        return out, J

    def log_power(t, lx, grad=False):
        out = np.logaddexp(t[0], t[1] - t[2] * lx)
        if not grad:
            return out
        w0 = np.exp(t[0] - out)
        w1 = 1 - w0
        return out, np.stack([w0, w1, -lx * w1], axis=1)

    def objective(model, t):
        m, J = model(t, lx[fit], grad=True)
        r = ly[fit] - m
        psi = np.clip(r, -DELTA, DELTA)
        return huber(r), -(psi[:, None] * J).sum(axis=0)

    rng = np.random.default_rng(2385)

    def best_of(model, draw, starts):
        best = None
        with np.errstate(all="ignore"):
            for _ in range(starts):
                r = so.minimize(lambda t: objective(model, t), draw(), jac=True,
                                method="BFGS", options={"gtol": 1e-12})
                if np.isfinite(r.fun) and (best is None or r.fun < best.fun):
                    best = r
        return best

    b = best_of(log_bnsl, lambda: [np.log(rng.uniform(0.01, 1.0)), rng.uniform(-2, 5),
                                   rng.uniform(-0.5, 1), rng.uniform(-1, 10),
                                   rng.uniform(lx.min(), lx.max()), rng.uniform(-5, 1)], starts)
    p = best_of(log_power, lambda: [np.log(rng.uniform(0.01, 2)), rng.uniform(-5, 20),
                                    rng.uniform(0, 3)], max(starts // 2, 1))

    def rmsle(model, t, mask):
        return float(np.sqrt(np.mean((model(t, lx[mask]) - ly[mask]) ** 2)))

    # Newton to the minimum itself, and what the data determine there
    # (curvature.py): d1 moves at most s sqrt(2 eps) within eps of it.
    with np.errstate(all="ignore"):
        bx, bf, bgap = curvature.newton_polish(lambda t: objective(log_bnsl, t), b.x)
        bsens = curvature.sensitivities(lambda t: objective(log_bnsl, t), bx,
                                        {"d1": lambda t: math.exp(t[4])})
    if bf <= b.fun:
        b = so.OptimizeResult(x=bx, fun=bf)
    else:
        bgap = float("inf")
    names = ["a", "b", "c0", "c1", "d1", "f1"]
    nat = [np.exp(b.x[0]), np.exp(b.x[1]), b.x[2], b.x[3], np.exp(b.x[4]), np.exp(b.x[5])]
    return {
        "bnsl": {"objective": float(b.fun), "params": dict(zip(names, map(float, nat))),
                 "gap": bgap, "sensitivity": bsens,
                 "rmsle_fit": rmsle(log_bnsl, b.x, fit),
                 "rmsle_extrapolate": rmsle(log_bnsl, b.x, ~fit)},
        "power": {"objective": float(p.fun), "rmsle_extrapolate": rmsle(log_power, p.x, ~fit)},
    }


def bnsl_brute(path):
    rows = read(path)
    x = np.array([float(r["train_dataset_size"]) for r in rows])
    y = np.array([float(r["test_cross_entropy"]) for r in rows])
    fit = np.array([r["split"] == "fit" for r in rows])
    x1, y1 = x[fit], y[fit]

    def law(x, a, b, c0, c1, d1, f1):
        return a + b * x ** (-c0) * (1 + (x / d1) ** (1 / f1)) ** (-c1 * f1)

    def msle(p):
        a, b, c0, c1, d1, f1 = p
        b, d1 = 1.25 ** b - 0.9, 1.25 ** d1 - 0.9
        return np.mean((np.log(law(x1, a, b, c0, c1, d1, f1) + 1) - np.log(y1 + 1)) ** 2)

    grid = (slice(0.0, 1.0, 0.1), slice(0, 40, 2.5), slice(0, 1, 0.25), slice(0, 1, 0.25),
            slice(0, 40, 2.5), slice(0, 1, 0.25))
    t0 = time.perf_counter()
    with np.errstate(all="ignore"):
        a, b, c0, c1, d1, f1 = so.brute(msle, grid, finish=None, workers=1)
        b, d1 = 1.25 ** b - 0.9, 1.25 ** d1 - 0.9
        p, _ = so.curve_fit(lambda x, *q: np.log(law(x, *q) + 1), x1, np.log(y1 + 1),
                            p0=[a, b, c0, c1, d1, f1], maxfev=100000000)
    seconds = time.perf_counter() - t0
    pred = law(x, *p)
    sle = (np.log(pred) - np.log(y)) ** 2
    return {"seconds": seconds, "grid_points": 10 * 16 * 4 * 4 * 16 * 4,
            "params": dict(zip(["a", "b", "c0", "c1", "d1", "f1"], map(float, p))),
            "rmsle_fit": float(np.sqrt(np.mean(sle[fit]))),
            "rmsle_extrapolate": float(np.sqrt(np.mean(sle[~fit])))}


# ---- sardana --------------------------------------------------------------------


def sardana():
    E, A, B, al, be = 1.69, 406.4, 410.7, 0.336, 0.283
    G = (al * A / (be * B)) ** (1 / (al + be))
    a, b = be / (al + be), al / (al + be)
    N0 = 13e9
    C = 6 * (N0 / G) ** (1 / a)
    D0 = (C / 6) ** b / G
    L = E + A * N0 ** -al + B * D0 ** -be
    T = 2e12

    def tokens(N):
        return (B / (L - E - A * N ** -al)) ** (1 / be)

    def total(u):
        N = np.exp(u)
        return 6 * N * tokens(N) + 2 * N * T

    nmin = (A / (L - E)) ** (1 / al)
    r = so.minimize_scalar(total, bounds=(np.log(nmin) + 1e-9, np.log(N0)), method="bounded",
                           options={"xatol": 1e-12})
    N = float(np.exp(r.x))
    ref = 6 * N0 * D0 + 2 * N0 * T
    return {"compute": C, "loss": L, "params": N, "tokens": float(tokens(N)),
            "total_flops": float(r.fun), "reference_total": ref,
            "saving": float(1 - r.fun / ref)}


def main(argv):
    if len(argv) >= 3 and argv[1] == "datablations":
        out = datablations(argv[2])
    elif len(argv) >= 3 and argv[1] == "bnsl":
        out = bnsl(argv[2], int(argv[3]) if len(argv) >= 4 else 500)
    elif len(argv) >= 3 and argv[1] == "bnsl-brute":
        out = bnsl_brute(argv[2])
    elif len(argv) >= 2 and argv[1] == "sardana":
        out = sardana()
    else:
        sys.stderr.write(__doc__)
        return 2
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

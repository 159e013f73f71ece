#!/usr/bin/env python3
"""Independent reference for step 2 of the two-step task law: a least-squares
sigmoid acc(L) = b + a / (1 + exp(k (L - L0))) with a >= 0, 0 <= b (or b held
at chance), a + b <= 1, fitted with SciPy over a dense multi-start grid.

    python3 tests/ref/task_ref.py DATA.csv [CHANCE]

DATA has columns L, acc.  Prints the residual sum of squares and the fitted
accuracy at every data point (one per line), which a test compares with
scalefit's: the data determine those, not the coordinates (a, b, k, L0 trade
against each other along flat directions when the sigmoid is not saturated).
SLSQP handles the linear constraint a + b <= 1; each start is polished with a
tight tolerance and the best objective kept.
"""
import csv
import math
import sys

import numpy as np
from scipy.optimize import minimize


def model(p, L, chance):
    a, b, logk, L0 = p
    if chance is not None:
        b = chance
    return b + a * 0.5 * (1.0 - np.tanh(0.5 * np.exp(logk) * (L - L0)))


def main():
    path = sys.argv[1]
    chance = float(sys.argv[2]) if len(sys.argv) > 2 else None
    rows = list(csv.DictReader(open(path)))
    L = np.array([float(r["L"]) for r in rows])
    y = np.array([float(r["acc"]) for r in rows])
    span = L.max() - L.min()

    def sse(p):
        r = y - model(p, L, chance)
        return float(r @ r)

    cons = [{"type": "ineq", "fun": lambda p: 1.0 - p[0] - (chance if chance is not None else p[1])}]
    bounds = [(0.0, 1.0), (0.0, 1.0), (math.log(0.01 / span), math.log(1e4 / span)),
              (L.min() - 2 * span, L.max() + 2 * span)]
    best = None
    for logk in np.linspace(bounds[2][0], bounds[2][1], 12):
        for L0 in np.linspace(bounds[3][0], bounds[3][1], 12):
            for a in (0.2, 0.5):
                b0 = chance if chance is not None else 0.25
                x0 = [min(a, 1 - b0), b0, logk, L0]
                res = minimize(sse, x0, method="SLSQP", bounds=bounds, constraints=cons,
                               options={"ftol": 1e-15, "maxiter": 2000})
                if best is None or res.fun < best.fun:
                    best = res
    # polish the best
    res = minimize(sse, best.x, method="SLSQP", bounds=bounds, constraints=cons,
                   options={"ftol": 1e-16, "maxiter": 5000})
    if res.fun < best.fun:
        best = res
    print(repr(best.fun))
    for v in model(best.x, L, chance):
        print(repr(float(v)))


if __name__ == "__main__":
    main()

"""What the data determine near an optimum, for comparing two optimizers.

Two optimizers that both stop near the minimum f* of a smooth objective can
stop at different points of a flat valley: their parameters may differ a
lot while their objectives differ very little.  A comparison that holds on
any machine therefore

  1. polishes the reference to f* (Newton steps on the analytic gradient,
     Hessian by central differences of that gradient), and reports how far
     above f* it may still be: gap = g' H^-1 g / 2;
  2. reports, for each compared quantity q (a parameter, a prediction), its
     sensitivity s_q = sqrt(J_q' H^-1 J_q), J_q = dq/dx: over every point
     whose objective is within eps of f*, q moves at most s_q sqrt(2 eps)
     from its value at f* (the quadratic model f - f* = dx' H dx / 2).

A test then takes eps = |f_scalefit - f_ref| + gap + a rounding floor, and
allows |q_scalefit - q_ref| <= 2 s_q sqrt(2 eps) (each side within eps of
f*): a tolerance the curvature gives, not a guess, and one that is tight
along well-determined directions (predictions at the data) and loose only
along the valley, where the data do not decide.
"""
import numpy as np


def hessian(fg, x, free, rel=1e-6):
    """Central differences of the analytic gradient, symmetrised, over the
    free coordinates (step rel * max(1, |x_i|))."""
    idx = np.flatnonzero(free)
    k = len(idx)
    H = np.zeros((k, k))
    for a, i in enumerate(idx):
        h = rel * max(1.0, abs(x[i]))
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        H[:, a] = (fg(xp)[1][idx] - fg(xm)[1][idx]) / (2 * h)
    return 0.5 * (H + H.T)


def newton_polish(fg, x, free=None, steps=30):
    """Newton steps with backtracking from x (free: coordinates not held at
    a bound); returns (x, f, gap)."""
    x = np.array(x, float)
    free = np.ones(len(x), bool) if free is None else np.asarray(free, bool)
    f, g = fg(x)
    for _ in range(steps):
        H = hessian(fg, x, free)
        gf = g[free]
        try:
            step = np.linalg.solve(H, gf)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or gf @ step <= 0:
            break
        t, moved = 1.0, False
        while t > 1e-8:
            y = x.copy()
            y[free] -= t * step
            fy, gy = fg(y)
            if np.isfinite(fy) and fy < f:
                x, f, g, moved = y, fy, gy, True
                break
            t *= 0.5
        if not moved:
            break
    H = hessian(fg, x, free)
    gf = g[free]
    try:
        gap = 0.5 * float(gf @ np.linalg.solve(H, gf))
    except np.linalg.LinAlgError:
        gap = float("inf")
    return x, f, abs(gap)


def sensitivities(fg, x, quantities, free=None, fscale=1.0):
    """s_q for each q in quantities (name -> function of x), for the
    objective fg / fscale (the objective as reported).

    A Huber objective has kinks (rows where |r| = delta), so a difference
    Hessian depends a little on its step: it is taken at three steps, and
    the largest s_q over those where it is positive definite is kept (the
    conservative one); infinity when none is (the data leave a direction
    undetermined, and so q)."""
    free = np.ones(len(x), bool) if free is None else np.asarray(free, bool)
    idx = np.flatnonzero(free)
    J = {}
    for name, q in quantities.items():
        J[name] = np.zeros(len(idx))
        for a, i in enumerate(idx):
            h = 1e-6 * max(1.0, abs(x[i]))
            xp, xm = x.copy(), x.copy()
            xp[i] += h
            xm[i] -= h
            J[name][a] = (q(xp) - q(xm)) / (2 * h)
    out = {name: -1.0 for name in quantities}
    for rel in (1e-5, 1e-6, 1e-7):
        w, V = np.linalg.eigh(hessian(fg, x, free, rel) / fscale)
        if w[0] <= 0:
            continue
        for name in quantities:
            c = V.T @ J[name]
            out[name] = max(out[name], float(np.sqrt(np.sum(c * c / w))))
    return {k: (v if v >= 0 else float("inf")) for k, v in out.items()}


def value_sensitivities(obj, x, quantities, rel=1e-4):
    """As sensitivities, for an objective with no analytic gradient (a
    few parameters): the Hessian from second differences of the value
    (step rel in each coordinate; rounding error ~ 1e-16 f / rel^2)."""
    x = np.asarray(x, float)
    k = len(x)
    H = np.zeros((k, k))
    f0 = obj(x)
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.zeros(k), np.zeros(k)
            ei[i], ej[j] = rel, rel
            if i == j:
                H[i, i] = (obj(x + ei) - 2 * f0 + obj(x - ei)) / rel ** 2
            else:
                H[i, j] = H[j, i] = (obj(x + ei + ej) - obj(x + ei - ej) - obj(x - ei + ej)
                                     + obj(x - ei - ej)) / (4 * rel * rel)
    w, V = np.linalg.eigh(H)
    out = {}
    for name, q in quantities.items():
        J = np.array([(q(x + np.eye(k)[i] * 1e-6) - q(x - np.eye(k)[i] * 1e-6)) / 2e-6
                      for i in range(k)])
        c = V.T @ J
        out[name] = float(np.sqrt(np.sum(c * c / w))) if w[0] > 0 else float("inf")
    return out

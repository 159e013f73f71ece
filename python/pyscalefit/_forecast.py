"""sf.forecast: a run's loss at steps not trained yet, from its
checkpoints and learning-rate schedule, as `scalefit forecast`."""
import json
import os
from ctypes import byref, c_double, c_void_p

from . import _data, _lib
from ._approach import Result
from ._errors import check

_ALIAS = {"step": ("step", "_step", "steps", "Step"),
          "lr": ("lr", "learning_rate", "optim/learning_rate_group0", "LR"),
          "loss": ("loss", "Loss", "val_loss", "eval_loss"),
          "run": ("run", "Run", "run_id")}


class _Run:
    def __init__(self, name):
        self.name, self.rows = name, []   # rows: (step, lr, loss or NaN)


def _column(t, role, given):
    names = [given] if given else _ALIAS[role]
    for n in names:
        if n in t.headers:
            return t.headers.index(n)
    return -1


def _cell(t, row, col, empty_ok, positive):
    """A number of the table as the CLI reads it (file, line, column)."""
    lib = _lib.load()
    s = lib.sf_table_cell(t.handle, row, col)
    name = t.headers[col]
    line = lib.sf_table_line(t.handle, row)
    if not s:
        if empty_ok:
            return float("nan")
        raise _error(t, line, col, f"{name} is empty")
    v = c_double()
    rc = lib.sf_parse_double(s, byref(v))
    x = v.value
    if rc != 0 or not x >= 0 or (positive and x == 0):
        if empty_ok and rc == -5 and x != x:   # 'nan': a step to forecast
            return x
        raise _error(t, line, col, f"{name}: '{s.decode()}' is not a finite number "
                                   f"{'> 0' if positive else '>= 0'}")
    return x


def _error(t, line, col, msg):
    err = _lib.sf_error()
    err.status = -4
    err.file = t.name.encode()[:1023]
    err.line, err.column = line, col + 1
    err.message = msg.encode()[:767]
    from ._errors import from_error
    return from_error(-4, err, _data._Rename(t))


def _read_runs(t, cols):
    cs, cl = _column(t, "step", cols.get("step")), _column(t, "lr", cols.get("lr"))
    cy, cr = _column(t, "loss", cols.get("loss")), _column(t, "run", cols.get("run"))
    for role, c in (("step", cs), ("loss", cy), ("lr", cl), ("run", cr)):
        if c < 0 and (role in ("step", "loss") or cols.get(role)):
            raise _error(t, 1, -1, f"no {role} column" + (f" '{cols[role]}'" if cols.get(role)
                                                          else ""))
    lib = _lib.load()
    base = os.path.basename(t.name)
    runs = {}
    for i in range(lib.sf_table_rows(t.handle)):
        s = _cell(t, i, cs, False, False)
        lr = _cell(t, i, cl, False, False) if cl >= 0 else float("nan")
        y = _cell(t, i, cy, True, True)
        name = lib.sf_table_cell(t.handle, i, cr).decode() if cr >= 0 else base
        runs.setdefault(name, _Run(name)).rows.append((s, lr, y))
    return list(runs.values()), cl >= 0


class _Sched:
    def __init__(self, h):
        self.h = h

    def __del__(self):
        _lib.release("sf_schedule_free", self.h)


def _schedule_of(steps, lrs):
    lib = _lib.load()
    err = _lib.sf_error()
    h = c_void_p()
    arr = lambda v: (c_double * len(v))(*v)  # noqa: E731
    check(lib.sf_schedule_from_points(arr(steps), arr(lrs), len(steps), 0.0, byref(h),
                                      byref(err)), err)
    return _Sched(h)


def _parse_schedule(spec):
    lib = _lib.load()
    err = _lib.sf_error()
    h = c_void_p()
    check(lib.sf_schedule_parse(spec.encode(), byref(h), byref(err)), err)
    return _Sched(h)


def _prepare(runs, source):
    """Sort each run, split observed and future steps, pick the target."""
    target = None
    for r in runs:
        r.rows.sort(key=lambda x: x[0])
        for a, b in zip(r.rows, r.rows[1:]):
            if a[0] == b[0]:
                raise _lib_error(source, f"run '{r.name}': step {a[0]:g} appears twice")
        r.obs = [(s, y) for s, _, y in r.rows if y == y]
        r.fut = [s for s, _, y in r.rows if y != y]
        lrs = [lr if lr == lr else 1.0 for _, lr, _ in r.rows] \
            if r.rows and r.rows[0][1] != r.rows[0][1] else [lr for _, lr, _ in r.rows]
        r.sched = _schedule_of([s for s, _, _ in r.rows], lrs)
        if r.fut:
            if target is not None:
                raise _lib_error(source, f"runs '{target.name}' and '{r.name}' both have "
                                         "steps to forecast (empty loss); only one run may")
            target = r
    return target


def _lib_error(source, msg):
    from ._errors import ScalefitError
    return ScalefitError(f"{source}: {msg}", -1, msg, source)


def _forecast_steps(target, sched, schedule, points):
    if not schedule:
        return list(target.fut)
    T = float(_lib.load().sf_schedule_steps(sched.h))
    s0 = target.obs[-1][0] if target.obs else 0.0
    if s0 >= T:
        raise ValueError(f"schedule ends at step {T:g}, not after the last checkpoint "
                         f"({s0:g})")
    # C's round(): halves away from zero (steps are >= 0).
    return [float(int(s0 + (T - s0) * (k + 1) / points + 0.5)) for k in range(points)]


def _predict(fit, sched, steps):
    lib = _lib.load()
    m = len(steps)
    st = (c_double * max(1, m))(*steps)
    loss, lo, hi = ((c_double * max(1, m))() for _ in range(3))
    err = _lib.sf_error()
    check(lib.sf_curve_predict(fit, sched.h, st, m, loss, lo, hi, byref(err)), err)
    return [(steps[i], loss[i], lo[i], hi[i]) for i in range(m)]


def _split_specs(compare):
    """--compare-schedules: a list, or one string where an item with ':'
    starts a new schedule."""
    if compare is None:
        return []
    if not isinstance(compare, str):
        return list(compare)
    specs = []
    for item in compare.split(","):
        if ":" in item or not specs:
            specs.append(item)
        else:
            specs[-1] += "," + item
    return specs


def _fit_curves(law, runs, target, sched, o):
    lib = _lib.load()
    fitted = [r for r in runs if r.obs]
    arr = (_lib.sf_curve_run * max(1, len(fitted)))()
    keep = []
    for k, r in enumerate(fitted):
        st = (c_double * len(r.obs))(*[s for s, _ in r.obs])
        ls = (c_double * len(r.obs))(*[y for _, y in r.obs])
        keep += [st, ls]
        arr[k].schedule = (sched if r is target else r.sched).h
        arr[k].n, arr[k].step, arr[k].loss = len(r.obs), st, ls
    err = _lib.sf_error()
    h = c_void_p()
    check(lib.sf_curve_fit_run(law.encode(), arr, len(fitted), byref(o), byref(h),
                               byref(err)), err)
    return _CurveFit(h), len(fitted)


class _CurveFit:
    def __init__(self, h):
        self.h = h

    def __del__(self):
        _lib.release("sf_curve_fit_free", self.h)


def _summary(law, fit, n_runs, level, rows, cmp):
    lib = _lib.load()
    p = lib.sf_curve_fit_params(fit.h)
    out = {"law": law,
           "params": {lib.sf_curve_law_param_name(law.encode(), j).decode(): p[j]
                      for j in range(lib.sf_curve_fit_n_params(fit.h))},
           "objective": lib.sf_curve_fit_objective(fit.h),
           "n_points": lib.sf_curve_fit_n_points(fit.h), "runs": n_runs,
           "sigma": lib.sf_curve_fit_sigma(fit.h), "rho": lib.sf_curve_fit_rho(fit.h),
           "level": level, "interval": "delta",
           "rows": [{"step": s, "loss": y, "lo": a, "hi": b} for s, y, a, b in rows]}
    if cmp is not None:
        out["schedules"] = [{"schedule": spec, "step": s, "loss": y, "lo": a, "hi": b}
                            for spec, (s, y, a, b) in cmp]
    return out


def _plot(fit, target, sched, steps, level):
    lib = _lib.load()
    st = (c_double * max(1, len(target.obs)))(*[s for s, _ in target.obs])
    ls = (c_double * max(1, len(target.obs)))(*[y for _, y in target.obs])
    run = _lib.sf_curve_run(sched.h, len(target.obs), st, ls)
    fc = (c_double * max(1, len(steps)))(*steps)
    pd = _lib.sf_curve_plot()
    err = _lib.sf_error()
    if lib.sf_curve_plot_data(fit.h, byref(run), fc, len(steps), byref(pd), byref(err)) != 0:
        return None
    try:
        o = _lib.sf_plot_options()
        lib.sf_plot_options_init(byref(o))
        o.level = level
        svg = c_void_p()
        if lib.sf_plot_forecast(byref(pd), byref(o), byref(svg), byref(err)) != 0:
            return None
        return _lib.take_text(svg)
    finally:
        lib.sf_curve_plot_free(byref(pd))


def forecast(data=None, law="anneal", *, schedule=None, points=10, compare_schedules=None,
             cols=None, decay=0.999, min_step=None, level=0.95):
    """Forecast a run's loss, as `scalefit forecast`: `data` has columns
    step, lr and loss (and run); rows with an empty (NaN) loss are the
    steps to forecast, or `schedule` ("cosine:peak=3e-4,warmup=1000,
    steps=100000") gives the target run's schedule and `points` steps to
    its end.  `cols` names step, lr, loss, run; `decay` is --lambda.
    Returns a Result with the CLI's JSON fields (law, params, objective,
    n_points, runs, sigma, rho, level, rows, schedules) and the plot."""
    lib = _lib.load()
    if lib.sf_curve_law_formula(law.encode()) is None:
        raise ValueError(f"unknown curve law '{law}' (anneal, multipower, steps)")
    t = _data.table(data)
    runs, has_lr = _read_runs(t, dict(cols or {}))
    target = _prepare(runs, t.name)
    if target is None:
        if not schedule or not runs:
            raise _lib_error(t.name, "no steps to forecast: leave the loss empty at the steps "
                                     "to forecast, or give schedule=")
        target = runs[-1]
    if not has_lr and not schedule and law != "steps":
        import warnings
        from ._errors import ScalefitWarning
        warnings.warn(f"{t.name}: no lr column: a constant learning rate is assumed",
                      ScalefitWarning, stacklevel=2)
    sched = _parse_schedule(schedule) if schedule else target.sched
    steps = _forecast_steps(target, sched, schedule, int(points))
    o = _lib.sf_curve_options()
    lib.sf_curve_options_init(byref(o))
    o.lambda_, o.level = float(decay), float(level)
    if min_step is not None:
        o.min_step = float(min_step)
    fit, n_runs = _fit_curves(law, runs, target, sched, o)
    rows = _predict(fit.h, sched, steps)
    cmp = None
    if compare_schedules is not None:
        cmp = []
        for spec in _split_specs(compare_schedules):
            s = _parse_schedule(spec)
            cmp.append((spec, _predict(fit.h, s, [float(lib.sf_schedule_steps(s.h))])[0]))
    text = json.dumps(_summary(law, fit, n_runs, float(level), rows, cmp))
    return Result("forecast", text, _plot(fit, target, sched, steps, float(level)))

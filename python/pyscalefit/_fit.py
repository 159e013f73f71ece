"""sf.fit, sf.load and the Fit result."""
import ctypes
import os
from ctypes import byref, c_char_p, c_int, c_void_p

from . import _data, _lib
from ._errors import check, run_interruptible

_LOSS = {"huber": 0, "ls": 1}
_GRID = {"auto": 0, "full": 1, "screen": 2, "vp": 3}
_RESAMPLE = {"rows": 0, "group": 1}


class _Law:
    """An sf_law handle (freed with the object)."""

    def __init__(self, h):
        self.h = h

    def __del__(self):
        _lib.release("sf_law_free", self.h)
        self.h = None


def laws():
    """The catalogue: {name: formula}."""
    lib = _lib.load()
    names = [lib.sf_law_name_at(i) for i in range(lib.sf_law_count())]
    return {n.decode(): lib.sf_law_formula(n).decode() for n in names}


def is_formula(law):
    lib = _lib.load()
    return lib.sf_law_formula(law.encode()) is None and any(c in law for c in "+-*/^() ")


def make_law(law="chinchilla", headers=(), x=None, breaks=None, bounds=None, law_file=None):
    """An sf_law: a catalogue name, a formula ('E + A/N^alpha') or a law
    file, as --law / --law-file with --x, --breaks and --bound."""
    lib = _lib.load()
    err = _lib.sf_error()
    h = c_void_p()
    if law_file is None and not is_formula(law):
        if bounds:
            raise ValueError("bounds go with a formula law (law='E + A/N^alpha', law_file=)")
        o = _lib.sf_law_options()
        lib.sf_law_options_init(byref(o))
        if x is not None:
            o.x = _data.role_index(x)
        if breaks is not None:
            o.breaks = int(breaks)
        check(lib.sf_law_new(law.encode(), byref(o), byref(h), byref(err)), err)
        return _Law(h)
    if x is not None or breaks is not None:
        raise ValueError("x and breaks are for the laws power and bnsl")
    o = _lib.sf_formula_options()
    lib.sf_formula_options_init(byref(o))
    cols = (c_char_p * max(1, len(headers)))(*[s.encode() for s in headers])
    o.columns = ctypes.cast(cols, ctypes.POINTER(c_char_p))
    o.n_columns = len(headers)
    for name, (lo, hi) in (bounds or {}).items():
        lo = float("-inf") if lo is None else float(lo)
        hi = float("inf") if hi is None else float(hi)
        if lib.sf_formula_options_bound(byref(o), name.encode(), lo, hi) != 0:
            raise ValueError(f"bounds: bad bound {name}=({lo}, {hi}) or too many")
    if law_file is not None:
        rc = lib.sf_law_file_read(os.fspath(law_file).encode(), byref(o), byref(h), byref(err))
    else:
        rc = lib.sf_law_parse(law.encode(), byref(o), byref(h), byref(err))
    check(rc, err)
    return _Law(h)


def fit_options(loss="huber", delta=1e-3, grid="auto", refine=8, threads=0, seed=0,
                fix=None, tie=None):
    lib = _lib.load()
    o = _lib.sf_fit_options()
    lib.sf_fit_options_init(byref(o))
    o.loss = _choice("loss", loss, _LOSS)
    o.delta = float(delta)
    o.grid = _choice("grid", grid, _GRID)
    o.refine = int(refine)
    o.threads = int(threads)
    o.seed = int(seed)
    for name, value in (fix or {}).items():
        if lib.sf_fit_options_fix(byref(o), name.encode(), float(value)) != 0:
            raise ValueError(f"fix: too many or name too long: {name}")
    ties = tie.items() if isinstance(tie, dict) else ([tie] if isinstance(tie, str) else tie)
    for t in ties or ():
        a, b = t.split("=", 1) if isinstance(t, str) else t
        if lib.sf_fit_options_tie(byref(o), a.strip().encode(), b.strip().encode()) != 0:
            raise ValueError(f"tie: too many or name too long: {a}={b}")
    return o


def _choice(what, value, table):
    if value not in table:
        raise ValueError(f"{what}: expected one of {', '.join(table)}, got {value!r}")
    return table[value]


def fit(data=None, law="chinchilla", *, cols=None, filter=None, drop_missing=False,
        law_file=None, bounds=None, x=None, breaks=None, loss="huber", delta=1e-3,
        grid="auto", refine=8, threads=0, seed=0, fix=None, tie=None, bootstrap=None,
        resample="rows", warm=False, levels=(0.8, 0.95), compute=None, at=None,
        N=None, D=None, C=None, L=None, U=None, group=None, weight=None, schedule=True):
    """Fit a law to runs, as `scalefit fit` does (the options are its
    flags).  `data`: a CSV path, a pandas DataFrame, a dict of columns, or
    None with role arrays N=, D=, C=, L= (the loss), U=, group=, weight=
    (lists or numpy arrays).  `loss` is the objective, "huber" or "ls".
    With lr and step columns, checkpoints of LR-scheduled runs are
    corrected to the loss their run would reach annealed there, as the
    CLI does (Fit.schedule says how many); schedule=False is
    --no-schedule.  Returns a Fit."""
    arrays = dict(N=N, D=D, C=C, loss=L, U=U, group=group, weight=weight)
    result = _fit_data(data, arrays, law, cols, filter, drop_missing, law_file, bounds, x,
                       breaks, bootstrap and resample == "group",
                       fit_options(loss, delta, grid, refine, threads, seed, fix, tie),
                       schedule)
    result._request(compute, at, None)
    if bootstrap:
        result._bootstrap(int(bootstrap), resample, warm, levels)
    result._warn()
    return result


def _fit_data(data, arrays, law, cols, filters, drop_missing, law_file, bounds, x, breaks,
              need_group, o, schedule=True):
    """Read the data and the law as the CLI's fit does, and fit (the
    common first half of fit and bayes)."""
    arrays = {k: v for k, v in arrays.items() if v is not None}
    t = _data.table(data, drop_missing, **arrays)
    lw = make_law(law, t.headers, x, breaks, bounds, law_file)
    keep = []
    dopt = _data.data_options(cols, filters, drop_missing, keep)
    if need_group:
        dopt.required |= 1 << 5
    d = _data.run_data(t, dopt, lw.h)
    corrected = _data.schedule_correct(t, d) if schedule else None
    cancel = c_int(0)
    o.cancel = ctypes.pointer(cancel)
    err = _lib.sf_error()
    h = c_void_p()
    lib = _lib.load()
    rc = run_interruptible(lambda: lib.sf_fit_run(lw.h, d.ptr, byref(o), byref(h), byref(err)),
                           cancel)
    check(rc, err)
    result = Fit(h, lw, d, cancel, source=t.name)
    result.schedule = corrected
    return result


def bayes(data=None, law="chinchilla", *, cols=None, filter=None, drop_missing=False,
          law_file=None, bounds=None, x=None, breaks=None, loss="huber", delta=1e-3,
          grid="auto", refine=8, threads=0, seed=0, fix=None, tie=None, walkers=0,
          burn=1000, steps=6000, thin=0, priors=None, levels=(0.8, 0.95), compute=None,
          at=None, N=None, D=None, C=None, L=None, U=None, group=None, weight=None,
          schedule=True):
    """The posterior of a law's parameters, as `scalefit bayes`: the fit,
    then the ensemble sampler from it.  `priors`: strings as --prior
    ("alpha=normal(0.34, 0.1)") or {name: "normal(0.34, 0.1)"}.
    `schedule` as in sf.fit.  Returns a Fit whose draws are the posterior
    samples."""
    arrays = dict(N=N, D=D, C=C, loss=L, U=U, group=group, weight=weight)
    result = _fit_data(data, arrays, law, cols, filter, drop_missing, law_file, bounds, x,
                       breaks, False, fit_options(loss, delta, grid, refine, threads, seed,
                                                  fix, tie), schedule)
    result._request(compute, at, None)
    lib = _lib.load()
    bo = _lib.sf_bayes_options()
    lib.sf_bayes_options_init(byref(bo))
    bo.walkers, bo.burn, bo.steps, bo.thin = int(walkers), int(burn), int(steps), int(thin)
    if isinstance(priors, dict):
        priors = [f"{k}={v}" for k, v in priors.items()]
    for text in [priors] if isinstance(priors, str) else priors or ():
        if bo.n_priors == _lib.MAX_PARAMS + 1:
            raise ValueError("priors: too many")
        err = _lib.sf_error()
        check(lib.sf_prior_parse(text.encode(), byref(bo.prior[bo.n_priors]), byref(err)), err)
        bo.n_priors += 1
    from ._result import _set_levels
    _set_levels(bo, levels)
    result._run_draws(lambda dr, err: lib.sf_bayes_run(result._h, result._data.ptr, byref(bo),
                                                       byref(dr), byref(err)))
    result._warn()
    return result


def load(path):
    """A Fit read from a fit file (`scalefit fit -o`, Fit.to_json(path)),
    with its draws when the file keeps them."""
    lib = _lib.load()
    err = _lib.sf_error()
    h, dr = c_void_p(), c_void_p()
    check(lib.sf_fit_json_read(os.fspath(path).encode(), byref(h), byref(dr), byref(err)), err)
    f = Fit(h, None, None, None, source=os.fspath(path))
    f._draws = dr if dr.value else None
    return f


def _write_atomic(path, text):
    import tempfile
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".pyscalefit-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _array(rows):
    try:
        import numpy
    except ImportError:
        return rows
    return numpy.array(rows, dtype=float)


from ._result import Fit  # noqa: E402  (Fit uses the helpers above)

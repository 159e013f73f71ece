"""sf.validate: judging a law by extrapolation, as `scalefit validate`."""
from ctypes import byref, c_double, c_int, c_size_t, c_void_p, pointer

from . import _data, _lib
from ._approach import Result
from ._errors import check, run_interruptible

_WEIGHT = {"tokens": 0, "run": 1, "row": 2}


def _options(fo, target_N, target_from, train_fraction, min_tokens, cut_cap, models,
             max_per_run, weight, loo, bootstrap, resample, levels):
    from ._fit import _choice
    from ._result import _set_levels
    o = _lib.sf_validate_options()
    _lib.load().sf_validate_options_init(byref(o))
    o.target_N = float(target_N or 0)
    o.target_from, o.train_fraction = float(target_from), float(train_fraction)
    o.min_tokens, o.cut_cap = float(min_tokens), float(cut_cap)
    o.n_models, o.max_per_run = int(models or 0), int(max_per_run or 0)
    o.weight = _choice("weight", weight, _WEIGHT)
    o.loo = 1 if loo else 0
    o.fit = fo
    o.bootstrap = int(bootstrap or 0)
    if resample is not None:
        o.resample_runs = 1 if _choice("resample", resample, {"rows": 0, "group": 1}) else 0
    if levels is not None:
        _set_levels(o, levels)
    return o


_FRACTIONS = (0.2, 0.4, 0.6, 0.8, 1.0)
_CUTS = (0.0, 1e9, 1e10, 3e10)


def validate(data=None, law="chinchilla", *, cols=None, filter=None, drop_missing=False,
             law_file=None, bounds=None, x=None, breaks=None, target_N=None, target_from=0.7,
             train_fraction=1.0, min_tokens=1e10, cut_cap=0.3, models=None, max_per_run=None,
             weight="tokens", loo=False, bootstrap=0, resample=None, levels=None,
             loss="huber", delta=1e-3, grid="auto", refine=8, threads=0, seed=0, fix=None,
             tie=None, N=None, D=None, C=None, L=None, U=None, group=None, weight_col=None,
             schedule=True, compare=False, sweep=False, sweep_models=None,
             sweep_fractions=None, sweep_min_tokens=None):
    """Fit on the smaller models, predict the largest (or target_N), as
    `scalefit validate` (--target N=, --target-from, --train-fraction,
    --min-tokens, --cut-cap, --models, --max-per-run, --weight, --loo,
    --bootstrap, --resample, --ci; schedule=False is --no-schedule: with
    lr and step columns the checkpoints are otherwise corrected for their
    LR schedule, as the CLI does).  compare=True is --compare (every
    catalogue law that can read the data, and `law` too when it is a
    formula or law_file is given); sweep=True is --sweep with
    sweep_models, sweep_fractions, sweep_min_tokens as --sweep-models,
    --sweep-fractions, --sweep-min-tokens (Result.csv is --csv's text).
    Returns a Result whose JSON is `scalefit validate --json`'s."""
    from ._fit import fit_options, is_formula, make_law
    if sweep and loo:
        raise ValueError("validate: sweep has one target: drop loo")
    if sweep and compare:
        raise ValueError("validate: sweep takes one law: drop compare")
    if not sweep and (sweep_models or sweep_fractions or sweep_min_tokens):
        raise ValueError("validate: sweep_models, sweep_fractions and sweep_min_tokens go with "
                         "sweep=True")
    if sweep and max_per_run is None:
        max_per_run = 256      # as the CLI: a sweep makes dozens of fits
    arrays = dict(N=N, D=D, C=C, loss=L, U=U, group=group, weight=weight_col)
    t = _data.table(data, drop_missing, **{k: v for k, v in arrays.items() if v is not None})
    user = not compare or law_file is not None or is_formula(law)
    lw = make_law(law, t.headers, x, breaks, bounds, law_file) if user else None
    dopt = _data.data_options(cols, filter, drop_missing, [])
    dopt.required |= 0b11          # N and D
    dopt.skip_zero |= 0b10         # a D = 0 checkpoint is skipped
    d = _data.run_data(t, dopt, lw.h if lw else None, roles=not compare)
    if schedule:
        _data.schedule_correct(t, d)
    cancel = c_int(0)
    fo = fit_options(loss, delta, grid, refine, threads, seed, fix, tie)
    fo.cancel = pointer(cancel)
    o = _options(fo, target_N, target_from, train_fraction, min_tokens, cut_cap, models,
                 max_per_run, weight, loo, bootstrap, resample, levels)
    laws = _compare_laws(lw, x, breaks, d) if compare else [lw]
    axes = (sweep_models, sweep_fractions or _FRACTIONS,
            sweep_min_tokens or _CUTS) if sweep else None
    vs = []
    try:
        for one in laws:
            vs.append(_run(one, d, o, axes, cancel))
        return _result(vs, d, compare, sweep)
    finally:
        lib = _lib.load()
        for h in vs:
            lib.sf_validation_free(h)


def _compare_laws(user, x, breaks, d):
    """The catalogue's laws that can read d, then the user's (--compare)."""
    import warnings
    from ._errors import ScalefitWarning
    from ._fit import _Law
    lib = _lib.load()
    lo = _lib.sf_law_options()
    lib.sf_law_options_init(byref(lo))
    if x is not None:
        lo.x = _data.role_index(x)
    if breaks is not None:
        lo.breaks = int(breaks)
    out = []
    names = [lib.sf_law_name_at(i) for i in range(lib.sf_law_count())]
    for name in names:
        h, err = c_void_p(), _lib.sf_error()
        check(lib.sf_law_new(name, byref(lo), byref(h), byref(err)), err)
        out.append(_Law(h))
    if user is not None:
        out.append(user)
    kept = []
    for law in out:
        if lib.sf_law_roles(law.h) & ~d.ptr.contents.roles:
            warnings.warn(f"compare: skipping law '{lib.sf_law_name(law.h).decode()}': it "
                          "needs a column the data lack", ScalefitWarning, stacklevel=3)
        else:
            kept.append(law)
    if not kept:
        raise ValueError("validate: no law in the catalogue can read these data")
    return kept


def _run(law, d, o, axes, cancel):
    """One validation (a handle the caller frees): sf_validate, or
    sf_validate_sweep over axes = (models, fractions, min_tokens)."""
    lib = _lib.load()
    err = _lib.sf_error()
    h = c_void_p()
    if axes is None:
        call = lambda: lib.sf_validate(law.h, d.ptr, byref(o), byref(h), byref(err))  # noqa: E731
    else:
        ms = [int(m) for m in axes[0] or ()]
        if any(m < 1 for m in ms):
            raise ValueError("validate: sweep_models are whole numbers >= 1")
        ma = (c_size_t * max(1, len(ms)))(*ms)
        fr = (c_double * len(axes[1]))(*[float(v) for v in axes[1]])
        mt = (c_double * len(axes[2]))(*[float(v) for v in axes[2]])
        call = lambda: lib.sf_validate_sweep(  # noqa: E731
            law.h, d.ptr, byref(o), ma if ms else None, len(ms), fr, len(fr), mt, len(mt),
            byref(h), byref(err))
    rc = run_interruptible(call, cancel)
    check(rc, err)
    return h


def _result(vs, d, compare, sweep):
    lib = _lib.load()
    err = _lib.sf_error()
    out = c_void_p()
    arr = (c_void_p * len(vs))(*[h.value for h in vs])
    if compare:
        check(lib.sf_validation_compare_json(arr, len(vs), byref(out), byref(err)), err)
    else:
        check(lib.sf_validation_json(vs[0], byref(out), byref(err)), err)
    text = _lib.take_text(out)
    picture = None
    if not sweep:
        svg = c_void_p()
        po = _lib.sf_plot_options()
        lib.sf_plot_options_init(byref(po))
        if lib.sf_validation_svg(arr, len(vs), d.ptr, byref(po), byref(svg), byref(err)) == 0:
            picture = _lib.take_text(svg)
    res = Result("validate", text, picture)
    res.csv = None
    if sweep:
        csv = c_void_p()
        check(lib.sf_validation_cells_csv(vs[0], byref(csv), byref(err)), err)
        res.csv = _lib.take_text(csv)
    return res

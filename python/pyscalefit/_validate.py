"""sf.validate: judging a law by extrapolation, as `scalefit validate`."""
from ctypes import byref, c_int, c_void_p, pointer

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


def validate(data=None, law="chinchilla", *, cols=None, filter=None, drop_missing=False,
             law_file=None, bounds=None, x=None, breaks=None, target_N=None, target_from=0.7,
             train_fraction=1.0, min_tokens=1e10, cut_cap=0.3, models=None, max_per_run=None,
             weight="tokens", loo=False, bootstrap=0, resample=None, levels=None,
             loss="huber", delta=1e-3, grid="auto", refine=8, threads=0, seed=0, fix=None,
             tie=None, N=None, D=None, C=None, L=None, U=None, group=None, weight_col=None,
             schedule=True):
    """Fit on the smaller models, predict the largest (or target_N), as
    `scalefit validate` (--target N=, --target-from, --train-fraction,
    --min-tokens, --cut-cap, --models, --max-per-run, --weight, --loo,
    --bootstrap, --resample, --ci; schedule=False is --no-schedule: with
    lr and step columns the checkpoints are otherwise corrected for their
    LR schedule, as the CLI does).  Returns a Result whose JSON is
    `scalefit validate --json`'s."""
    from ._fit import fit_options, make_law
    arrays = dict(N=N, D=D, C=C, loss=L, U=U, group=group, weight=weight_col)
    t = _data.table(data, drop_missing, **{k: v for k, v in arrays.items() if v is not None})
    lw = make_law(law, t.headers, x, breaks, bounds, law_file)
    dopt = _data.data_options(cols, filter, drop_missing, [])
    dopt.required |= 0b11          # N and D
    dopt.skip_zero |= 0b10         # a D = 0 checkpoint is skipped
    d = _data.run_data(t, dopt, lw.h)
    if schedule:
        _data.schedule_correct(t, d)
    cancel = c_int(0)
    fo = fit_options(loss, delta, grid, refine, threads, seed, fix, tie)
    fo.cancel = pointer(cancel)
    o = _options(fo, target_N, target_from, train_fraction, min_tokens, cut_cap, models,
                 max_per_run, weight, loo, bootstrap, resample, levels)
    lib = _lib.load()
    err = _lib.sf_error()
    h = c_void_p()
    rc = run_interruptible(lambda: lib.sf_validate(lw.h, d.ptr, byref(o), byref(h), byref(err)),
                           cancel)
    check(rc, err)
    try:
        out = c_void_p()
        check(lib.sf_validation_json(h, byref(out), byref(err)), err)
        text = _lib.take_text(out)
        svg = c_void_p()
        po = _lib.sf_plot_options()
        lib.sf_plot_options_init(byref(po))
        one = (c_void_p * 1)(h)
        picture = None
        if lib.sf_validation_svg(one, 1, d.ptr, byref(po), byref(svg), byref(err)) == 0:
            picture = _lib.take_text(svg)
        return Result("validate", text, picture)
    finally:
        lib.sf_validation_free(h)

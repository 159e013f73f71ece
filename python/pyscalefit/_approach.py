"""Chinchilla's Approaches 2 (isoflop) and 1 (envelope): results read from
the library's own JSON writers, so they are the CLI's `--json` exactly."""
import json
from ctypes import byref, c_int, c_void_p, pointer

from . import _data, _lib
from ._errors import check, run_interruptible

_PROFILE = {"parabola": 0, "akima": 1}
_WEIGHTS = {"variance": 0, "equal": 1}
_ROLES_N_C = (1 << 0) | (1 << 2)


class Result:
    """A result as the CLI's JSON: `data` (the parsed object), `[key]`,
    `to_dict()`, `to_json(path=None)` (the same text as `--json`), and
    `svg()` / `_repr_svg_()`, the library's plot."""

    def __init__(self, kind, text, svg=None):
        self.kind = kind
        self._text = text
        self.data = json.loads(text)
        self._svg = svg

    def __getitem__(self, key):
        return self.data[key]

    def keys(self):
        return self.data.keys()

    def to_dict(self):
        return json.loads(self._text)

    def to_json(self, path=None):
        if path is not None:
            from ._fit import _write_atomic
            _write_atomic(path, self._text)
        return self._text

    def svg(self):
        if self._svg is None:
            raise ValueError(f"{self.kind}: no plot")
        return self._svg

    def _repr_svg_(self):
        return self._svg

    def __repr__(self):
        return f"<pyscalefit {self.kind} result: {', '.join(self.data)}>"


def _read(data, cols, filters, drop_missing, required, arrays):
    t = _data.table(data, drop_missing, **{k: v for k, v in arrays.items() if v is not None})
    keep = []
    dopt = _data.data_options(cols, filters, drop_missing, keep)
    dopt.required |= required
    return _data.run_data(t, dopt)


def _text(writer, h, d):
    err = _lib.sf_error()
    out = c_void_p()
    check(writer(h, d.ptr, byref(out), byref(err)), err)
    return _lib.take_text(out)


def _svg(writer, h, d):
    lib = _lib.load()
    o = _lib.sf_plot_options()
    lib.sf_plot_options_init(byref(o))
    err = _lib.sf_error()
    out = c_void_p()
    if writer(h, d.ptr, byref(o), byref(out), byref(err)) != 0:
        return None
    return _lib.take_text(out)


def _run(run, d, o, free, writer, svg_writer, kind):
    err = _lib.sf_error()
    h = c_void_p()
    cancel = c_int(0)
    o.cancel = pointer(cancel)     # Ctrl-C stops the bootstrap
    rc = run_interruptible(lambda: run(d.ptr, byref(o), byref(h), byref(err)), cancel)
    check(rc, err)
    try:
        return Result(kind, _text(writer, h, d), _svg(svg_writer, h, d))
    finally:
        free(h)


def isoflop(data=None, *, cols=None, filter=None, drop_missing=False, profile="parabola",
            weights="variance", budget_tol=0.1, keep_edge=False, bootstrap=1000, level=0.95,
            seed=0, threads=0, N=None, D=None, C=None, L=None):
    """Chinchilla's Approach 2, as `scalefit isoflop`: a profile of loss
    against N per FLOP budget, its minimum, and power laws of N_opt, D_opt
    and D/N in C with bootstrap intervals.  Returns a Result whose JSON is
    `scalefit isoflop --json`'s."""
    from ._fit import _choice
    lib = _lib.load()
    d = _read(data, cols, filter, drop_missing, _ROLES_N_C, dict(N=N, D=D, C=C, loss=L))
    o = _lib.sf_isoflop_options()
    lib.sf_isoflop_options_init(byref(o))
    o.profile = _choice("profile", profile, _PROFILE)
    o.weights = _choice("weights", weights, _WEIGHTS)
    o.budget_tol, o.keep_edge = float(budget_tol), int(bool(keep_edge))
    o.bootstrap, o.level, o.seed, o.threads = int(bootstrap), float(level), int(seed), int(threads)
    return _run(lib.sf_isoflop_run, d, o, lib.sf_isoflop_free, lib.sf_isoflop_json,
                lib.sf_isoflop_svg, "isoflop")


def envelope(data=None, *, cols=None, filter=None, drop_missing=False, points=200, smooth=0.0,
             keep_edge=False, bootstrap=1000, level=0.95, seed=0, threads=0, N=None, D=None,
             C=None, L=None, group=None):
    """Chinchilla's Approach 1, as `scalefit envelope`: the lower envelope
    of training curves (one run per group) and power laws of N_opt, D_opt
    and D/N in C.  Returns a Result whose JSON is `scalefit envelope
    --json`'s."""
    lib = _lib.load()
    d = _read(data, cols, filter, drop_missing, _ROLES_N_C | (1 << 5),
              dict(N=N, D=D, C=C, loss=L, group=group))
    o = _lib.sf_envelope_options()
    lib.sf_envelope_options_init(byref(o))
    o.points, o.smooth, o.keep_edge = int(points), float(smooth), int(bool(keep_edge))
    o.bootstrap, o.level, o.seed, o.threads = int(bootstrap), float(level), int(seed), int(threads)
    return _run(lib.sf_envelope_run, d, o, lib.sf_envelope_free, lib.sf_envelope_json,
                lib.sf_envelope_svg, "envelope")


__all__ = ["isoflop", "envelope", "Result"]

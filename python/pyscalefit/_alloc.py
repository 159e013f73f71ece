"""Fit.optimal and Fit.predict_rows: allocations and predictions through
the library's solvers and writers, with the extrapolation intervals of the
rows beyond the data (sf_fit_extrap_alloc, sf_fit_extrap_points), as
`scalefit optimal` and `predict` write them."""
import ctypes
import json
from ctypes import byref, c_double, c_size_t, c_void_p

from . import _lib
from ._errors import check
from ._vec import broadcast


class Rows(list):
    """The rows (dicts) of `scalefit optimal --json` or `predict --json`;
    to_json() gives the CLI's JSON text, byte for byte."""

    def __init__(self, text):
        super().__init__(json.loads(text)["rows"])
        self._text = text

    def to_json(self, path=None):
        """The JSON text (written to `path`, temp file + rename, when given)."""
        if path is not None:
            from ._fit import _write_atomic
            _write_atomic(path, self._text)
        return self._text


def _with_extrap(text, n, compute):
    """text with "extrapolation" on the rows beyond the data: compute(ex,
    n_beyond, err) fills the library's sf_extrap rows."""
    lib = _lib.load()
    ex = (_lib.sf_extrap * max(1, n))()
    beyond = c_size_t()
    err = _lib.sf_error()
    check(compute(ex, byref(beyond), byref(err)), err)
    if not beyond.value:
        return text
    out = c_void_p()
    check(lib.sf_extrap_attach_json(text.encode(), b"rows", ex, n, byref(out), byref(err)), err)
    return _lib.take_text(out)


def _rows(fit, compute, target_loss):
    lib = _lib.load()
    law, p = fit._lawh(), lib.sf_fit_params(fit._h)
    err = _lib.sf_error()
    rows = []
    if (compute is None) == (target_loss is None):
        raise ValueError("optimal: give compute=C (one or several) or target_loss=L")
    if compute is not None:
        for c in broadcast(compute)[0][0]:
            r = _lib.sf_alloc_row()
            check(lib.sf_alloc_optimal(law, p, c, byref(r), byref(err)), err)
            rows.append(r)
    else:
        for L in broadcast(target_loss)[0][0]:
            r = _lib.sf_alloc_row()
            check(lib.sf_alloc_target_loss(law, p, L, byref(r), byref(err)), err)
            rows.append(r)
    return law, p, rows


def _json(writer, law, rows, rowtype):
    arr = (rowtype * len(rows))(*rows)
    err = _lib.sf_error()
    out = c_void_p()
    check(writer(law, arr, len(rows), byref(out), byref(err)), err)
    return Rows(_lib.take_text(out))


def _data_constrained(fit, compute, unique_tokens):
    lib = _lib.load()
    law, p = fit._lawh(), lib.sf_fit_params(fit._h)
    if compute is None:
        raise ValueError("optimal: unique_tokens goes with compute=C")
    err = _lib.sf_error()
    dc = []
    for c in broadcast(compute)[0][0]:
        o = _lib.sf_alloc_dc_row()
        check(lib.sf_alloc_data_constrained(law, p, c, float(unique_tokens), byref(o),
                                            byref(err)), err)
        dc.append(o)
    return _json(lib.sf_alloc_dc_json, law, dc, _lib.sf_alloc_dc_row)


def _summarised(fit, compute, target_loss, levels):
    """Rows with intervals over the fit's draws (when it has them), as
    `scalefit optimal --json` writes them (sf_alloc_summary_json)."""
    lib = _lib.load()
    if (compute is None) == (target_loss is None):
        raise ValueError("optimal: give compute=C (one or several) or target_loss=L")
    values = broadcast(compute if compute is not None else target_loss)[0][0]
    solve = lib.sf_fit_alloc_summary if compute is not None else lib.sf_fit_target_summary
    lv = [float(x) for x in levels or ()]
    if lv and not fit._draws:
        raise ValueError("optimal: levels need draws (fit with bootstrap=K, or sf.bayes)")
    la = (c_double * max(1, len(lv)))(*lv)
    n = len(values)
    rows = (_lib.sf_alloc_row * max(1, n))()
    sums = (_lib.sf_summary * (5 * max(1, n)))()
    err = _lib.sf_error()
    for i, v in enumerate(values):
        check(solve(fit._h, fit._draws, v, la if lv else None, len(lv), byref(rows[i]),
                    ctypes.cast(ctypes.byref(sums, 5 * i * ctypes.sizeof(_lib.sf_summary)),
                                ctypes.POINTER(_lib.sf_summary)), byref(err)), err)
    out = c_void_p()
    check(lib.sf_alloc_summary_json(fit._lawh(), rows, sums, n, byref(out), byref(err)), err)
    text = _with_extrap(_lib.take_text(out), n, lambda ex, nb, e: lib.sf_fit_extrap_alloc(
        fit._h, fit._draws, rows, n, la if lv else None, len(lv), ex, nb, e))
    return Rows(text)


def predict_rows(fit, N, D, C, U, levels, interval):
    """Predictions as `scalefit predict FIT --json` writes them: with draws
    "se", "ci" and "intervals" (at `levels`), with `interval` the
    prediction intervals, and beyond the data "extrapolation"."""
    lib = _lib.load()
    cols, _ = broadcast(N, D, U, C)
    lv = [float(x) for x in levels or ()]
    if (lv or interval) and not fit._draws:
        raise ValueError("predict_rows: levels and interval need draws (fit with bootstrap=K, "
                         "or sf.bayes)")
    if len(lv) > _lib.MAX_LEVELS:
        raise ValueError(f"levels: at most {_lib.MAX_LEVELS}")
    la = (c_double * max(1, len(lv)))(*lv)
    n = len(cols[0])
    pts = (_lib.sf_point * max(1, n))()
    loss = (_lib.sf_summary * max(1, n))()
    pred = (_lib.sf_summary * max(1, n))() if interval else None
    err = _lib.sf_error()
    for i in range(n):
        pts[i].N, pts[i].D, pts[i].U, pts[i].C = (c[i] for c in cols)
        check(lib.sf_fit_predict_summary(fit._h, fit._draws, byref(pts[i]),
                                         la if lv else None, len(lv), byref(loss[i]),
                                         byref(pred[i]) if interval else None, byref(err)), err)
    out = c_void_p()
    check(lib.sf_predict_summary_json(fit._lawh(), pts, loss, pred, n, int(U is not None),
                                      byref(out), byref(err)), err)
    L = (c_double * max(1, n))(*[loss[i].value for i in range(n)])
    text = _with_extrap(_lib.take_text(out), n, lambda ex, nb, e: lib.sf_fit_extrap_points(
        fit._h, fit._draws, pts, L, n, la if lv else None, len(lv), ex, nb, e))
    return Rows(text)


def optimal(fit, compute, target_loss, unique_tokens, inference_tokens, levels=None):
    lib = _lib.load()
    if unique_tokens is not None and inference_tokens is not None:
        raise ValueError("optimal: unique_tokens and inference_tokens do not combine")
    if unique_tokens is not None:
        return _data_constrained(fit, compute, unique_tokens)
    if inference_tokens is None:
        return _summarised(fit, compute, target_loss, levels)
    law, p, rows = _rows(fit, compute, target_loss)
    err = _lib.sf_error()
    inf = []
    for r in rows:
        o = _lib.sf_alloc_inference_row()
        check(lib.sf_alloc_inference(law, p, byref(r), float(inference_tokens), byref(o),
                                     byref(err)), err)
        inf.append(o)
    return _json(lib.sf_alloc_inference_json, law, inf, _lib.sf_alloc_inference_row)

"""Fit.optimal: allocations through the library's solvers and writers."""
import ctypes
import json
from ctypes import byref, c_double, c_void_p

from . import _lib
from ._errors import check
from ._vec import broadcast


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
    return json.loads(_lib.take_text(out))["rows"]


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
    return json.loads(_lib.take_text(out))["rows"]


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

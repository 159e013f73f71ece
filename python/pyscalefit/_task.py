"""Downstream task accuracy, as `scalefit task fit` and `task predict`."""
import json
import os
from ctypes import byref, c_char_p, c_int, c_void_p, pointer

from . import _data, _lib
from ._errors import check, run_interruptible

_METHOD = {"two-step": 1, "direct": 2, "both": 3}


class TaskFit:
    """Per-task fits (two-step and direct) with their draws.  `tasks`,
    `diagnoses`, `predict(task, N, D, level)`, `optimal(task, compute)`,
    `to_json(path=None)` (the file `scalefit task fit -o` writes, which
    `scalefit task predict` reads), `to_dict()`.  sf.load_task(path)
    reads one back."""

    def __init__(self, h, cancel=None):
        self._h = h
        self._cancel = cancel

    def __del__(self):
        _lib.release("sf_task_fit_free", getattr(self, "_h", None))
        self._h = None

    @property
    def tasks(self):
        lib = _lib.load()
        return [lib.sf_task_fit_task(self._h, i).decode()
                for i in range(lib.sf_task_fit_n_tasks(self._h))]

    @property
    def diagnoses(self):
        """{task: message} for tasks without signal."""
        lib = _lib.load()
        out = {}
        for i, name in enumerate(self.tasks):
            msg = c_char_p()
            if lib.sf_task_fit_diagnosis(self._h, i, byref(msg)) != 0:
                out[name] = (msg.value or b"").decode()
        return out

    def _index(self, task):
        names = self.tasks
        if task not in names:
            raise KeyError(f"no task '{task}' (tasks: {', '.join(names)})")
        return names.index(task)

    def predict(self, task, N=None, D=None, C=None, level=0.9):
        """Task loss and accuracy (two-step and direct) at (N, D), or at
        the compute-optimal (N, D) for compute C, with `level` intervals
        (default 0.9, as `scalefit task predict`).  None where a method is
        off or the task has no signal."""
        lib = _lib.load()
        i = self._index(task)
        err = _lib.sf_error()
        if C is not None:
            row = _lib.sf_alloc_row()
            check(lib.sf_task_optimal(self._h, i, float(C), byref(row), byref(err)), err)
            N, D = row.params, row.tokens
        p = _lib.sf_task_prediction()
        check(lib.sf_task_predict(self._h, i, float(N), float(D), float(level), byref(p),
                                  byref(err)), err)
        return {k: (None if v != v else v) for k, v in
                ((f[0], getattr(p, f[0])) for f in p._fields_)}

    def optimal(self, task, compute):
        """The (N, D) with 6ND = C that maximise the task's accuracy."""
        lib = _lib.load()
        row = _lib.sf_alloc_row()
        err = _lib.sf_error()
        check(lib.sf_task_optimal(self._h, self._index(task), float(compute), byref(row),
                                  byref(err)), err)
        return {f[0]: getattr(row, f[0]) for f in row._fields_}

    def to_json(self, path=None):
        err = _lib.sf_error()
        out = c_void_p()
        check(_lib.load().sf_task_fit_json(self._h, byref(out), byref(err)), err)
        text = _lib.take_text(out)
        if path is not None:
            from ._fit import _write_atomic
            _write_atomic(path, text)
        return text

    def to_dict(self):
        return json.loads(self.to_json())

    def __repr__(self):
        return f"<pyscalefit.TaskFit tasks: {', '.join(self.tasks)}>"


def task_fit(data=None, law="chinchilla", *, cols=None, filter=None, drop_missing=False,
             method="both", step1_all=False, chance=None, draws=200, loss="huber",
             delta=1e-3, grid="auto", refine=8, threads=0, seed=0, fix=None, tie=None):
    """Fit task accuracy, as `scalefit task fit`: `cols` may name the
    roles (N, D, loss, group) and the `task` and `acc` columns; `chance`
    a floor for every task or {task: floor}."""
    from ._fit import _choice, fit_options
    lib = _lib.load()
    cols = dict(cols or {})
    task_col = cols.pop("task", None)
    acc_col = cols.pop("acc", None)
    t = _data.table(data, drop_missing)
    dopt = _data.data_options(cols, filter, drop_missing, [])
    err = _lib.sf_error()
    d = c_void_p()
    check(lib.sf_task_data_from_table(t.handle, byref(dopt),
                                      task_col.encode() if task_col else None,
                                      acc_col.encode() if acc_col else None, byref(d),
                                      byref(err)), err, _data._Rename(t))
    try:
        o = _lib.sf_task_options()
        lib.sf_task_options_init(byref(o))
        law_b = law.encode()
        o.law = law_b
        o.method = _choice("method", method, _METHOD)
        o.step1_all = 1 if step1_all else 0
        _chance(o, chance)
        o.draws, o.seed, o.threads = int(draws), int(seed), int(threads)
        cancel = c_int(0)
        o.fit = fit_options(loss, delta, grid, refine, threads, seed, fix, tie)
        o.fit.cancel = pointer(cancel)
        h = c_void_p()
        rc = run_interruptible(lambda: lib.sf_task_fit_run(d, byref(o), byref(h), byref(err)),
                               cancel)
        check(rc, err)
        return TaskFit(h, cancel)
    finally:
        lib.sf_task_data_free(d)


def _chance(o, chance):
    if chance is None:
        return
    if not isinstance(chance, dict):
        o.chance = float(chance)
        return
    for name, v in chance.items():
        if o.n_chance == 64 or len(name.encode()) >= _lib.NAME_MAX:
            raise ValueError(f"chance: too many tasks or name too long: {name}")
        o.chance_task[o.n_chance].value = name.encode()
        o.chance_value[o.n_chance] = float(v)
        o.n_chance += 1


def load_task(path):
    """A TaskFit read from a file of `scalefit task fit -o`."""
    err = _lib.sf_error()
    h = c_void_p()
    check(_lib.load().sf_task_fit_json_read(os.fspath(path).encode(), byref(h), byref(err)),
          err)
    return TaskFit(h)


__all__ = ["TaskFit", "task_fit", "load_task"]

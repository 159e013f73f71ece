"""The Fit result: parameters, intervals, JSON, predictions, allocations
and the plot, all read from the library's own functions."""
import json
from ctypes import byref, c_char_p, c_double, c_void_p

from . import _lib
from ._errors import check, run_interruptible


class Fit:
    """A fitted law (read-only).  Made by sf.fit() or sf.load().

    params      {name: value} (natural scale)
    se          {name: bootstrap SE or posterior sd}, None without draws
    ci(level)   {name: (lo, hi)} percentile intervals over the draws
    draws       the parameter draws (numpy array K x p, or lists)
    objective, n_points, converged, warnings, diagnoses, law, formula
    schedule    {"column", "corrected"} when checkpoints were corrected for
                their LR schedule (sf.fit's schedule=True), else None
    to_dict(), to_json(path=None): the JSON of `scalefit fit -o`
    predict(N, D, ...), optimal(compute=..., ...), svg(), _repr_html_()
    """

    def __init__(self, h, law=None, data=None, cancel=None, source=None):
        self._h = h
        self._law = law        # keeps the sf_law alive (sf.load: owned by the fit)
        self._data = data      # the runs (None for sf.load)
        self._cancel = cancel  # the c_int the fit's options point to
        self._draws = None
        self._draws_kind = None
        self.source = source
        self.schedule = None
        self._req = None

    def __del__(self):
        # The draws refer to the fit: free them first.
        _lib.release("sf_draws_free", getattr(self, "_draws", None))
        self._draws = None
        _lib.release("sf_fit_free", getattr(self, "_h", None))
        self._h = None

    # ---- making draws --------------------------------------------------------------

    def _bootstrap(self, k, resample, warm, levels):
        from ._fit import _choice, _RESAMPLE
        lib = _lib.load()
        o = _lib.sf_bootstrap_options()
        lib.sf_bootstrap_options_init(byref(o))
        o.resamples = k
        o.resample = _choice("resample", resample, _RESAMPLE)
        o.warm = 1 if warm else 0
        _set_levels(o, levels)
        self._run_draws(lambda dr, err: lib.sf_fit_bootstrap(self._h, self._data.ptr, byref(o),
                                                             byref(dr), byref(err)))

    def _run_draws(self, call):
        err = _lib.sf_error()
        dr = c_void_p()
        rc = run_interruptible(lambda: call(dr, err), self._cancel)
        check(rc, err)
        if self._draws:
            _lib.load().sf_draws_free(self._draws)
        self._draws = dr

    def _request(self, compute, at, levels):
        """What to_json reports besides the fit (--compute, --at, --ci)."""
        comp = [float(c) for c in _seq(compute)]
        pts = [_point(p) for p in (at or ())]
        self._req = (comp, pts, [float(x) for x in _seq(levels)])

    # ---- reading -----------------------------------------------------------------------

    @property
    def law(self):
        lib = _lib.load()
        return lib.sf_law_name(self._lawh()).decode()

    @property
    def formula(self):
        lib = _lib.load()
        f = lib.sf_law_formula_text(self._lawh())
        return (f or lib.sf_law_formula(lib.sf_law_name(self._lawh())) or b"").decode()

    def _lawh(self):
        return _lib.load().sf_fit_law(self._h)

    @property
    def names(self):
        lib = _lib.load()
        law = self._lawh()
        return [lib.sf_law_param_name(law, i).decode() for i in range(lib.sf_law_n_params(law))]

    @property
    def params(self):
        p = _lib.load().sf_fit_params(self._h)
        return {n: p[i] for i, n in enumerate(self.names)}

    @property
    def derived(self):
        """Derived quantities of the law at the fit (chinchilla: a, b, G)."""
        lib = _lib.load()
        names = (c_char_p * 16)()
        vals = (c_double * 16)()
        n = lib.sf_law_derived(self._lawh(), lib.sf_fit_params(self._h), names, vals, 16)
        return {names[k].decode(): vals[k] for k in range(min(n, 16))}

    @property
    def objective(self):
        return _lib.load().sf_fit_objective(self._h)

    @property
    def n_points(self):
        return _lib.load().sf_fit_n_points(self._h)

    @property
    def converged(self):
        return bool(_lib.load().sf_fit_converged(self._h))

    @property
    def warnings(self):
        """The fit's warnings, then its draws' (as in the JSON)."""
        lib = _lib.load()
        out = [lib.sf_fit_warning(self._h, k).decode()
               for k in range(lib.sf_fit_n_warnings(self._h))]
        if self._draws:
            out += [lib.sf_draws_warning(self._draws, k).decode()
                    for k in range(lib.sf_draws_n_warnings(self._draws))]
        return out

    def _warn(self):
        """Each warning as a Python warning (the CLI prints them)."""
        import warnings
        from ._errors import ScalefitWarning
        for w in self.warnings:
            warnings.warn(w, ScalefitWarning, stacklevel=3)

    @property
    def diagnoses(self):
        """[{code, parameter, message}]: what the data do not determine."""
        lib = _lib.load()
        out = []
        for k in range(lib.sf_fit_n_diagnoses(self._h)):
            g = _lib.sf_diagnosis()
            lib.sf_fit_diagnosis(self._h, k, byref(g))
            out.append({"code": g.code.decode(),
                        "parameter": g.param.decode() if g.param else None,
                        "message": g.message.decode()})
        return out

    @property
    def draws(self):
        """Parameter draws, one row per draw (numpy array when numpy is
        installed, else a list of lists); None without draws."""
        if not self._draws:
            return None
        lib = _lib.load()
        k, p = lib.sf_draws_count(self._draws), len(self.names)
        flat = lib.sf_draws_params(self._draws)
        try:
            import numpy
        except ImportError:
            return [[flat[i * p + j] for j in range(p)] for i in range(k)]
        return numpy.ctypeslib.as_array(flat, shape=(k, p)).copy()

    def _summaries(self, levels):
        lib = _lib.load()
        if not self._draws:
            raise ValueError("no draws: fit with bootstrap=K (or use sf.bayes) for intervals")
        lv = (c_double * max(1, len(levels)))(*levels)
        names = (c_char_p * 64)()
        out = (_lib.sf_summary * 64)()
        n = lib.sf_draws_summarize(self._draws, lv if levels else None, len(levels), names,
                                   out, 64)
        return {names[i].decode(): out[i] for i in range(min(n, 64))}

    @property
    def se(self):
        """{name: SE} over the draws (parameters, then derived), or None."""
        if not self._draws:
            return None
        return {k: s.sd for k, s in self._summaries([]).items()}

    def ci(self, level=0.95):
        """{name: (lo, hi)}: the central `level` percentile interval of every
        parameter and derived quantity over the draws."""
        if not 0 < level < 1:
            raise ValueError(f"ci: level must be in (0, 1), got {level}")
        return {k: (s.lo[0], s.hi[0]) for k, s in self._summaries([float(level)]).items()}

    # ---- JSON --------------------------------------------------------------------------

    def to_json(self, path=None, compute=None, at=None, levels=None):
        """The fit as the JSON `scalefit fit -o` writes (sf_fit_json), with
        its draws; `compute`, `at` and `levels` as --compute, --at and --ci
        (default: those given to sf.fit).  Written to `path` (temp file +
        rename) when given; returns the text."""
        lib = _lib.load()
        comp, pts, lv = self._req or ([], [], [])
        if compute is not None or at is not None or levels is not None:
            comp = [float(c) for c in _seq(compute)] if compute is not None else comp
            pts = [_point(p) for p in at] if at is not None else pts
            lv = [float(x) for x in _seq(levels)] if levels is not None else lv
        req = _lib.sf_report_request()
        lib.sf_report_request_init(byref(req))
        ca = (c_double * max(1, len(comp)))(*comp)
        pa = (_lib.sf_point * max(1, len(pts)))(*pts)
        la = (c_double * max(1, len(lv)))(*lv)
        req.compute, req.n_compute = ca, len(comp)
        req.at, req.n_at = pa, len(pts)
        req.levels, req.n_levels = (la, len(lv)) if lv else (None, 0)
        err = _lib.sf_error()
        out = c_void_p()
        check(lib.sf_fit_json(self._h, self._draws, byref(req), byref(out), byref(err)), err)
        text = _lib.take_text(out)
        if path is not None:
            from ._fit import _write_atomic
            _write_atomic(path, text)
        return text

    def to_dict(self):
        return json.loads(self.to_json())

    # ---- predictions and allocations ------------------------------------------------

    def predict(self, N=None, D=None, C=None, U=None):
        """Predicted loss at points (scalars or arrays, broadcast): a float
        for scalars, else a numpy array (a list without numpy)."""
        from ._vec import broadcast, shaped
        cols, scalar = broadcast(N, D, C, U)
        lib = _lib.load()
        law, p = self._lawh(), lib.sf_fit_params(self._h)
        x, L = _lib.sf_point(), c_double()
        out = []
        for n, d, c, u in zip(*cols):
            x.N, x.D, x.C, x.U = n, d, c, u
            if lib.sf_law_predict(law, p, byref(x), byref(L)) != 0:
                raise _lib_domain(n, d, c, u)
            out.append(L.value)
        return out[0] if scalar else shaped(out)

    def optimal(self, compute=None, target_loss=None, unique_tokens=None,
                inference_tokens=None, levels=None):
        """Compute-optimal allocation, as `scalefit optimal`: rows (dicts:
        compute, params, tokens, tokens_per_param, loss, and with
        unique_tokens the epochs, loss per doubling and floor; with
        inference_tokens the inference-aware model and its saving) per
        budget in `compute`, or for `target_loss`.  With draws, the plain
        allocation has "se", "ci" and "intervals" at `levels` (default:
        the draws' levels), as `scalefit optimal --ci`, and rows beyond the
        fitted data their "extrapolation" interval.  The library's JSON
        rows (sf_alloc_summary_json and friends) as a list whose
        .to_json() is `scalefit optimal --json`'s text, byte for byte."""
        from ._alloc import optimal
        return optimal(self, compute, target_loss, unique_tokens, inference_tokens, levels)

    def predict_rows(self, N=None, D=None, C=None, U=None, levels=None, interval=False):
        """Predictions as `scalefit predict FIT.json --json` writes them: a
        list of row dicts (point, "loss"; with draws "se", "ci" and
        "intervals" at `levels`; with interval=True the
        "prediction_intervals" of a new run; beyond the fitted data the
        "extrapolation" interval) whose .to_json() is the CLI's text."""
        from ._alloc import predict_rows
        return predict_rows(self, N, D, C, U, levels, interval)

    # ---- display -----------------------------------------------------------------------

    def svg(self, x=None, width=800, height=500, title=None):
        """The library's plot of the fit against its data (sf_plot_fit)."""
        if self._data is None:
            raise ValueError("no data to plot: a fit read from a file has none")
        lib = _lib.load()
        o = _lib.sf_plot_options()
        lib.sf_plot_options_init(byref(o))
        o.width, o.height = int(width), int(height)
        if x is not None:
            from ._data import role_index
            o.x = role_index(x)
        keep = title.encode() if title else None
        o.title = keep
        o.id = b"sf%x" % (id(self) & 0xffffff)
        err = _lib.sf_error()
        out = c_void_p()
        check(lib.sf_plot_fit(self._h, self._data.ptr, byref(o), byref(out), byref(err)), err)
        return _lib.take_text(out)

    def _repr_svg_(self):
        try:
            return self.svg()
        except ValueError:
            return None

    def _repr_html_(self):
        from ._html import fit_html
        return fit_html(self)

    def __repr__(self):
        ps = ", ".join(f"{k}={v:.6g}" for k, v in self.params.items())
        return f"<pyscalefit.Fit {self.law}: {ps}; objective {self.objective:.6g}>"


def _set_levels(o, levels):
    levels = list(levels or ())
    if len(levels) > _lib.MAX_LEVELS:
        raise ValueError(f"levels: at most {_lib.MAX_LEVELS}")
    o.n_levels = len(levels)
    for i, v in enumerate(levels):
        o.levels[i] = float(v)


def _seq(v):
    if v is None:
        return []
    if isinstance(v, (int, float)):
        return [v]
    return list(v)


def _point(p):
    x = _lib.sf_point()
    vals = list(p)
    x.N, x.D = float(vals[0]), float(vals[1])
    if len(vals) > 2:
        x.U = float(vals[2])
    return x


def _lib_domain(n, d, c, u):
    from ._errors import InputError
    return InputError(f"no finite prediction at N={n:g}, D={d:g}, C={c:g}, U={u:g}: the "
                      "values the law reads must be finite and > 0", -7)

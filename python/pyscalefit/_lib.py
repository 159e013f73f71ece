"""Finding libscalefit, and the ctypes mirrors of its public structs.

Every struct mirrored here is listed in STRUCTS; load() compares each
size with the library's own sf_struct_size() and refuses a library whose
layout differs, and python/tests/test_layout.py compares every field's
offset with a C program compiled against include/scalefit.h.
"""
import ctypes
import os
import threading
from ctypes import (POINTER, c_char, c_char_p, c_double, c_int, c_long, c_size_t,
                    c_uint, c_uint64, c_void_p)

# The library version these mirrors were written against (SF_VERSION).
ABI_VERSION = "0.1.0"

MAX_PARAMS = 16
NAME_MAX = 32
MAX_FILTERS = 32
MAX_EXTRA = 8
MAX_LEVELS = 8
ROLE_COUNT = 7
ROLES = ("N", "D", "C", "loss", "U", "group", "weight")

Name = c_char * NAME_MAX
progress_fn = ctypes.CFUNCTYPE(None, c_void_p, c_size_t, c_size_t)


class sf_error(ctypes.Structure):
    _fields_ = [("status", c_int), ("file", c_char * 1024), ("line", c_long),
                ("column", c_long), ("message", c_char * 768)]


class sf_data(ctypes.Structure):
    _fields_ = [("n", c_size_t), ("N", POINTER(c_double)), ("D", POINTER(c_double)),
                ("C", POINTER(c_double)), ("loss", POINTER(c_double)),
                ("U", POINTER(c_double)), ("weight", POINTER(c_double)),
                ("group", POINTER(c_int)), ("group_names", POINTER(c_char_p)),
                ("n_groups", c_size_t), ("line", POINTER(c_long)), ("source", c_char_p),
                ("roles", c_uint), ("derived", c_uint), ("column", c_char_p * ROLE_COUNT),
                ("rows_read", c_size_t), ("filters", POINTER(c_char_p)),
                ("n_filters", c_size_t), ("n_extra", c_size_t),
                ("extra_name", POINTER(c_char_p)), ("extra", POINTER(POINTER(c_double)))]


class sf_data_options(ctypes.Structure):
    _fields_ = [("column", c_char_p * ROLE_COUNT), ("filters", c_char_p * MAX_FILTERS),
                ("n_filters", c_size_t), ("required", c_uint), ("drop_missing", c_int),
                ("skip_zero", c_uint), ("extra", c_char_p * MAX_EXTRA), ("n_extra", c_size_t)]


class sf_law_options(ctypes.Structure):
    _fields_ = [("x", c_int), ("breaks", c_int)]


class sf_point(ctypes.Structure):
    _fields_ = [("N", c_double), ("D", c_double), ("C", c_double), ("U", c_double),
                ("extra", c_double * MAX_EXTRA)]


class sf_formula_options(ctypes.Structure):
    _fields_ = [("columns", POINTER(c_char_p)), ("n_columns", c_size_t),
                ("variables", c_char_p * MAX_EXTRA), ("n_variables", c_size_t),
                ("n_bounds", c_size_t), ("bound_name", Name * MAX_PARAMS),
                ("bound_lo", c_double * MAX_PARAMS), ("bound_hi", c_double * MAX_PARAMS),
                ("n_grids", c_size_t), ("grid_name", Name * MAX_PARAMS),
                ("grid_lo", c_double * MAX_PARAMS), ("grid_hi", c_double * MAX_PARAMS),
                ("grid_n", c_int * MAX_PARAMS), ("name", c_char_p), ("notes", c_char_p)]


class sf_fit_options(ctypes.Structure):
    _fields_ = [("loss", c_int), ("delta", c_double), ("threads", c_int), ("seed", c_uint64),
                ("grid", c_int), ("refine", c_int), ("gtol", c_double), ("max_iter", c_int),
                ("n_fix", c_size_t), ("fix_name", Name * MAX_PARAMS),
                ("fix_value", c_double * MAX_PARAMS), ("n_tie", c_size_t),
                ("tie_a", Name * MAX_PARAMS), ("tie_b", Name * MAX_PARAMS),
                ("cancel", POINTER(c_int)),  # const volatile sig_atomic_t *
                ("large_rows", c_size_t), ("sample_rows", c_size_t)]


class sf_diagnosis(ctypes.Structure):
    _fields_ = [("code", c_char_p), ("param", c_char_p), ("message", c_char_p)]


class sf_alloc_row(ctypes.Structure):
    _fields_ = [("compute", c_double), ("params", c_double), ("tokens", c_double),
                ("tokens_per_param", c_double), ("loss", c_double)]


class sf_alloc_dc_row(ctypes.Structure):
    _fields_ = [("opt", sf_alloc_row), ("unique_tokens", c_double), ("epochs", c_double),
                ("loss_per_doubling", c_double), ("unlimited_per_doubling", c_double),
                ("floor", c_double)]


class sf_alloc_inference_row(ctypes.Structure):
    _fields_ = [("opt", sf_alloc_row), ("inference_tokens", c_double),
                ("total_flops", c_double), ("reference", sf_alloc_row),
                ("reference_total", c_double), ("saving", c_double)]


class sf_bootstrap_options(ctypes.Structure):
    _fields_ = [("resamples", c_size_t), ("resample", c_int), ("warm", c_int),
                ("n_levels", c_size_t), ("levels", c_double * MAX_LEVELS),
                ("progress", progress_fn), ("progress_ctx", c_void_p)]


class sf_prior(ctypes.Structure):
    _fields_ = [("name", Name), ("kind", c_int), ("a", c_double), ("b", c_double)]


class sf_bayes_options(ctypes.Structure):
    _fields_ = [("walkers", c_size_t), ("burn", c_size_t), ("steps", c_size_t),
                ("thin", c_size_t), ("n_priors", c_size_t),
                ("prior", sf_prior * (MAX_PARAMS + 1)), ("n_levels", c_size_t),
                ("levels", c_double * MAX_LEVELS), ("progress", progress_fn),
                ("progress_ctx", c_void_p)]


class sf_summary(ctypes.Structure):
    _fields_ = [("value", c_double), ("mean", c_double), ("sd", c_double),
                ("median", c_double), ("n", c_size_t), ("n_levels", c_size_t),
                ("level", c_double * MAX_LEVELS), ("lo", c_double * MAX_LEVELS),
                ("hi", c_double * MAX_LEVELS)]


class sf_report_request(ctypes.Structure):
    _fields_ = [("compute", POINTER(c_double)), ("n_compute", c_size_t),
                ("at", POINTER(sf_point)), ("n_at", c_size_t),
                ("levels", POINTER(c_double)), ("n_levels", c_size_t)]


class sf_plot_options(ctypes.Structure):
    _fields_ = [("width", c_int), ("height", c_int), ("title", c_char_p), ("id", c_char_p),
                ("x", c_int), ("level", c_double), ("x_min", c_double), ("x_max", c_double),
                ("unique_tokens", c_double), ("inference_tokens", c_double)]


class sf_isoflop_options(ctypes.Structure):
    _fields_ = [("profile", c_int), ("weights", c_int), ("budget_tol", c_double),
                ("keep_edge", c_int), ("bootstrap", c_int), ("level", c_double),
                ("seed", c_uint64), ("threads", c_int),
                ("cancel", POINTER(c_int))]  # const volatile sig_atomic_t *


class sf_envelope_options(ctypes.Structure):
    _fields_ = [("points", c_int), ("smooth", c_double), ("keep_edge", c_int),
                ("bootstrap", c_int), ("level", c_double), ("seed", c_uint64),
                ("threads", c_int), ("cancel", POINTER(c_int))]


class sf_validate_options(ctypes.Structure):
    _fields_ = [("target_N", c_double), ("target_from", c_double),
                ("train_fraction", c_double), ("min_tokens", c_double), ("cut_cap", c_double),
                ("n_models", c_size_t), ("weight", c_int), ("max_per_run", c_size_t),
                ("loo", c_int), ("loo_min_sizes", c_size_t), ("fit", sf_fit_options),
                ("bootstrap", c_size_t), ("resample_runs", c_int), ("n_levels", c_size_t),
                ("levels", c_double * 8)]


class sf_task_options(ctypes.Structure):
    _fields_ = [("law", c_char_p), ("method", c_int), ("step1_all", c_int),
                ("chance", c_double), ("n_chance", c_size_t),
                ("chance_task", Name * 64), ("chance_value", c_double * 64),
                ("draws", c_size_t), ("seed", c_uint64), ("threads", c_int),
                ("fit", sf_fit_options)]


class sf_task_prediction(ctypes.Structure):
    _fields_ = [(k, c_double) for k in ("N", "D", "C", "loss", "loss_lo", "loss_hi", "acc",
                                         "acc_lo", "acc_hi", "acc_direct", "direct_lo",
                                         "direct_hi", "loss_beyond")]


class sf_curve_run(ctypes.Structure):
    _fields_ = [("schedule", c_void_p), ("n", c_size_t), ("step", POINTER(c_double)),
                ("loss", POINTER(c_double))]


class sf_curve_options(ctypes.Structure):
    # "lambda" is a Python keyword: the field is lambda_ (_cnames_ gives
    # the C name to the layout test).
    _cnames_ = {"lambda_": "lambda"}
    _fields_ = [("lambda_", c_double), ("min_step", c_double), ("level", c_double),
                ("max_iter", c_int)]


class sf_curve_plot(ctypes.Structure):
    _fields_ = [("n_obs", c_size_t), ("obs_step", POINTER(c_double)),
                ("obs_loss", POINTER(c_double)), ("n_fc", c_size_t),
                ("fc_step", POINTER(c_double)), ("fc_loss", POINTER(c_double)),
                ("fc_lo", POINTER(c_double)), ("fc_hi", POINTER(c_double)),
                ("n_lr", c_size_t), ("lr_step", POINTER(c_double)), ("lr", POINTER(c_double))]


class sf_extrap(ctypes.Structure):
    _fields_ = [("loss", c_double), ("distance", c_double), ("param_sd", c_double),
                ("resid_sd", c_double), ("extrap_sd", c_double), ("dominant", c_int),
                ("n_levels", c_size_t), ("level", c_double * MAX_LEVELS),
                ("lo", c_double * MAX_LEVELS), ("hi", c_double * MAX_LEVELS)]


STRUCTS = (sf_error, sf_data, sf_data_options, sf_law_options, sf_point, sf_formula_options,
           sf_fit_options, sf_diagnosis, sf_alloc_row, sf_alloc_dc_row, sf_alloc_inference_row,
           sf_bootstrap_options, sf_prior, sf_bayes_options, sf_summary, sf_report_request,
           sf_plot_options, sf_isoflop_options, sf_envelope_options, sf_validate_options,
           sf_task_options, sf_task_prediction, sf_curve_run, sf_curve_options, sf_curve_plot,
           sf_extrap)

P = c_void_p          # an opaque handle (sf_law *, sf_fit *, ...)
PP = POINTER(c_void_p)
ERR = POINTER(sf_error)
OUT = POINTER(c_void_p)  # char **out: freed with libc free()

# name: (restype, argtypes).  Only what the package calls.
PROTOS = {
    "sf_version": (c_char_p, []),
    "sf_struct_size": (c_size_t, [c_char_p]),
    "sf_strerror": (c_char_p, [c_int]),
    "sf_default_threads": (c_int, []),
    "sf_table_read": (c_int, [c_char_p, PP, ERR]),
    "sf_table_read_buffer": (c_int, [c_char_p, c_size_t, c_char_p, PP, ERR]),
    "sf_table_free": (None, [P]),
    "sf_table_cols": (c_size_t, [P]),
    "sf_table_header": (c_char_p, [P, c_size_t]),
    "sf_data_options_init": (None, [POINTER(sf_data_options)]),
    "sf_data_from_table": (c_int, [P, POINTER(sf_data_options), POINTER(POINTER(sf_data)), ERR]),
    "sf_data_free": (None, [POINTER(sf_data)]),
    "sf_law_options_init": (None, [POINTER(sf_law_options)]),
    "sf_law_count": (c_size_t, []),
    "sf_law_name_at": (c_char_p, [c_size_t]),
    "sf_law_formula": (c_char_p, [c_char_p]),
    "sf_law_new": (c_int, [c_char_p, POINTER(sf_law_options), PP, ERR]),
    "sf_law_free": (None, [P]),
    "sf_law_name": (c_char_p, [P]),
    "sf_law_n_params": (c_size_t, [P]),
    "sf_law_param_name": (c_char_p, [P, c_size_t]),
    "sf_law_roles": (c_uint, [P]),
    "sf_law_n_extra": (c_size_t, [P]),
    "sf_law_extra_name": (c_char_p, [P, c_size_t]),
    "sf_law_formula_text": (c_char_p, [P]),
    "sf_law_predict": (c_int, [P, POINTER(c_double), POINTER(sf_point), POINTER(c_double)]),
    "sf_law_derived": (c_size_t, [P, POINTER(c_double), POINTER(c_char_p), POINTER(c_double),
                                  c_size_t]),
    "sf_formula_options_init": (None, [POINTER(sf_formula_options)]),
    "sf_formula_options_bound": (c_int, [POINTER(sf_formula_options), c_char_p, c_double,
                                         c_double]),
    "sf_law_parse": (c_int, [c_char_p, POINTER(sf_formula_options), PP, ERR]),
    "sf_law_file_read": (c_int, [c_char_p, POINTER(sf_formula_options), PP, ERR]),
    "sf_fit_options_init": (None, [POINTER(sf_fit_options)]),
    "sf_fit_options_fix": (c_int, [POINTER(sf_fit_options), c_char_p, c_double]),
    "sf_fit_options_tie": (c_int, [POINTER(sf_fit_options), c_char_p, c_char_p]),
    "sf_fit_run": (c_int, [P, POINTER(sf_data), POINTER(sf_fit_options), PP, ERR]),
    "sf_fit_free": (None, [P]),
    "sf_fit_law": (P, [P]),
    "sf_fit_params": (POINTER(c_double), [P]),
    "sf_fit_objective": (c_double, [P]),
    "sf_fit_n_points": (c_size_t, [P]),
    "sf_fit_converged": (c_int, [P]),
    "sf_fit_n_warnings": (c_size_t, [P]),
    "sf_fit_warning": (c_char_p, [P, c_size_t]),
    "sf_fit_n_diagnoses": (c_size_t, [P]),
    "sf_fit_diagnosis": (c_int, [P, c_size_t, POINTER(sf_diagnosis)]),
    "sf_alloc_optimal": (c_int, [P, POINTER(c_double), c_double, POINTER(sf_alloc_row), ERR]),
    "sf_alloc_target_loss": (c_int, [P, POINTER(c_double), c_double, POINTER(sf_alloc_row),
                                     ERR]),
    "sf_alloc_data_constrained": (c_int, [P, POINTER(c_double), c_double, c_double,
                                          POINTER(sf_alloc_dc_row), ERR]),
    "sf_alloc_inference": (c_int, [P, POINTER(c_double), POINTER(sf_alloc_row), c_double,
                                   POINTER(sf_alloc_inference_row), ERR]),
    "sf_alloc_json": (c_int, [P, POINTER(sf_alloc_row), c_size_t, OUT, ERR]),
    "sf_fit_alloc_summary": (c_int, [P, P, c_double, POINTER(c_double), c_size_t,
                                     POINTER(sf_alloc_row), POINTER(sf_summary), ERR]),
    "sf_fit_target_summary": (c_int, [P, P, c_double, POINTER(c_double), c_size_t,
                                      POINTER(sf_alloc_row), POINTER(sf_summary), ERR]),
    "sf_alloc_summary_json": (c_int, [P, POINTER(sf_alloc_row), POINTER(sf_summary), c_size_t,
                                      OUT, ERR]),
    "sf_alloc_dc_json": (c_int, [P, POINTER(sf_alloc_dc_row), c_size_t, OUT, ERR]),
    "sf_alloc_inference_json": (c_int, [P, POINTER(sf_alloc_inference_row), c_size_t, OUT,
                                        ERR]),
    "sf_fit_predict_summary": (c_int, [P, P, POINTER(sf_point), POINTER(c_double), c_size_t,
                                       POINTER(sf_summary), POINTER(sf_summary), ERR]),
    "sf_predict_summary_json": (c_int, [P, POINTER(sf_point), POINTER(sf_summary),
                                        POINTER(sf_summary), c_size_t, c_int, OUT, ERR]),
    "sf_fit_extrap_alloc": (c_int, [P, P, POINTER(sf_alloc_row), c_size_t, POINTER(c_double),
                                    c_size_t, POINTER(sf_extrap), POINTER(c_size_t), ERR]),
    "sf_fit_extrap_points": (c_int, [P, P, POINTER(sf_point), POINTER(c_double), c_size_t,
                                     POINTER(c_double), c_size_t, POINTER(sf_extrap),
                                     POINTER(c_size_t), ERR]),
    "sf_extrap_attach_json": (c_int, [c_char_p, c_char_p, POINTER(sf_extrap), c_size_t, OUT,
                                      ERR]),
    "sf_curve_correct_table": (c_int, [P, POINTER(sf_data), POINTER(c_char_p),
                                       POINTER(c_char_p), POINTER(c_size_t), ERR]),
    "sf_bootstrap_options_init": (None, [POINTER(sf_bootstrap_options)]),
    "sf_fit_bootstrap": (c_int, [P, POINTER(sf_data), POINTER(sf_bootstrap_options), PP, ERR]),
    "sf_bayes_options_init": (None, [POINTER(sf_bayes_options)]),
    "sf_prior_parse": (c_int, [c_char_p, POINTER(sf_prior), ERR]),
    "sf_bayes_run": (c_int, [P, POINTER(sf_data), POINTER(sf_bayes_options), PP, ERR]),
    "sf_draws_free": (None, [P]),
    "sf_draws_count": (c_size_t, [P]),
    "sf_draws_params": (POINTER(c_double), [P]),
    "sf_draws_summarize": (c_size_t, [P, POINTER(c_double), c_size_t, POINTER(c_char_p),
                                      POINTER(sf_summary), c_size_t]),
    "sf_report_request_init": (None, [POINTER(sf_report_request)]),
    "sf_fit_json": (c_int, [P, P, POINTER(sf_report_request), OUT, ERR]),
    "sf_fit_json_read": (c_int, [c_char_p, PP, PP, ERR]),
    "sf_plot_options_init": (None, [POINTER(sf_plot_options)]),
    "sf_plot_fit": (c_int, [P, POINTER(sf_data), POINTER(sf_plot_options), OUT, ERR]),
    "sf_isoflop_options_init": (None, [POINTER(sf_isoflop_options)]),
    "sf_isoflop_run": (c_int, [POINTER(sf_data), POINTER(sf_isoflop_options), PP, ERR]),
    "sf_isoflop_free": (None, [P]),
    "sf_isoflop_json": (c_int, [P, POINTER(sf_data), OUT, ERR]),
    "sf_isoflop_svg": (c_int, [P, POINTER(sf_data), POINTER(sf_plot_options), OUT, ERR]),
    "sf_isoflop_n_warnings": (c_size_t, [P]),
    "sf_isoflop_warning": (c_char_p, [P, c_size_t]),
    "sf_envelope_options_init": (None, [POINTER(sf_envelope_options)]),
    "sf_envelope_run": (c_int, [POINTER(sf_data), POINTER(sf_envelope_options), PP, ERR]),
    "sf_envelope_free": (None, [P]),
    "sf_envelope_json": (c_int, [P, POINTER(sf_data), OUT, ERR]),
    "sf_envelope_svg": (c_int, [P, POINTER(sf_data), POINTER(sf_plot_options), OUT, ERR]),
    "sf_envelope_n_warnings": (c_size_t, [P]),
    "sf_envelope_warning": (c_char_p, [P, c_size_t]),
    "sf_validate_options_init": (None, [POINTER(sf_validate_options)]),
    "sf_validate": (c_int, [P, POINTER(sf_data), POINTER(sf_validate_options), PP, ERR]),
    "sf_validation_free": (None, [P]),
    "sf_validate_sweep": (c_int, [P, POINTER(sf_data), POINTER(sf_validate_options),
                                  POINTER(c_size_t), c_size_t, POINTER(c_double), c_size_t,
                                  POINTER(c_double), c_size_t, PP, ERR]),
    "sf_validation_compare_json": (c_int, [PP, c_size_t, OUT, ERR]),
    "sf_validation_cells_csv": (c_int, [P, OUT, ERR]),
    "sf_validation_json": (c_int, [P, OUT, ERR]),
    "sf_validation_svg": (c_int, [PP, c_size_t, POINTER(sf_data), POINTER(sf_plot_options),
                                  OUT, ERR]),
    "sf_task_data_from_table": (c_int, [P, POINTER(sf_data_options), c_char_p, c_char_p, PP,
                                        ERR]),
    "sf_task_data_free": (None, [P]),
    "sf_task_options_init": (None, [POINTER(sf_task_options)]),
    "sf_task_fit_run": (c_int, [P, POINTER(sf_task_options), PP, ERR]),
    "sf_task_fit_free": (None, [P]),
    "sf_task_fit_n_tasks": (c_size_t, [P]),
    "sf_task_fit_task": (c_char_p, [P, c_size_t]),
    "sf_task_fit_diagnosis": (c_int, [P, c_size_t, POINTER(c_char_p)]),
    "sf_task_predict": (c_int, [P, c_size_t, c_double, c_double, c_double,
                                POINTER(sf_task_prediction), ERR]),
    "sf_task_optimal": (c_int, [P, c_size_t, c_double, POINTER(sf_alloc_row), ERR]),
    "sf_task_fit_json": (c_int, [P, OUT, ERR]),
    "sf_task_fit_json_read": (c_int, [c_char_p, PP, ERR]),
    "sf_table_rows": (c_size_t, [P]),
    "sf_table_cell": (c_char_p, [P, c_size_t, c_size_t]),
    "sf_table_line": (c_long, [P, c_size_t]),
    "sf_parse_double": (c_int, [c_char_p, POINTER(c_double)]),
    "sf_schedule_from_points": (c_int, [POINTER(c_double), POINTER(c_double), c_size_t,
                                        c_double, PP, ERR]),
    "sf_schedule_parse": (c_int, [c_char_p, PP, ERR]),
    "sf_schedule_free": (None, [P]),
    "sf_schedule_steps": (c_size_t, [P]),
    "sf_curve_law_formula": (c_char_p, [c_char_p]),
    "sf_curve_law_param_name": (c_char_p, [c_char_p, c_size_t]),
    "sf_curve_options_init": (None, [POINTER(sf_curve_options)]),
    "sf_curve_fit_run": (c_int, [c_char_p, POINTER(sf_curve_run), c_size_t,
                                 POINTER(sf_curve_options), PP, ERR]),
    "sf_curve_fit_free": (None, [P]),
    "sf_curve_fit_n_params": (c_size_t, [P]),
    "sf_curve_fit_params": (POINTER(c_double), [P]),
    "sf_curve_fit_objective": (c_double, [P]),
    "sf_curve_fit_n_points": (c_size_t, [P]),
    "sf_curve_fit_sigma": (c_double, [P]),
    "sf_curve_fit_rho": (c_double, [P]),
    "sf_curve_predict": (c_int, [P, P, POINTER(c_double), c_size_t, POINTER(c_double),
                                 POINTER(c_double), POINTER(c_double), ERR]),
    "sf_curve_plot_data": (c_int, [P, POINTER(sf_curve_run), POINTER(c_double), c_size_t,
                                   POINTER(sf_curve_plot), ERR]),
    "sf_curve_plot_free": (None, [POINTER(sf_curve_plot)]),
    "sf_plot_forecast": (c_int, [POINTER(sf_curve_plot), POINTER(sf_plot_options), OUT, ERR]),
    "sf_draws_n_warnings": (c_size_t, [P]),
    "sf_draws_warning": (c_char_p, [P, c_size_t]),
}

_lock = threading.Lock()
_lib = None
_libc = None
path = None  # the file loaded


class LibraryNotFound(ImportError):
    pass


def candidates():
    """Where to look, in order: $SCALEFIT_LIB, a copy bundled in the
    package (pip install), the libdir `make install` recorded, the build
    tree of a source checkout, then the system's (find_library).  A
    generator: the slow system search runs only when the others fail."""
    env = os.environ.get("SCALEFIT_LIB")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "libscalefit.so")
    try:
        from . import _installed
        yield os.path.join(_installed.LIBDIR, "libscalefit.so." + ABI_VERSION.split(".")[0])
    except ImportError:
        pass
    yield os.path.join(here, "..", "..", "build", "libscalefit.so")
    import ctypes.util  # slow to import: only when the other places fail
    sys_lib = ctypes.util.find_library("scalefit")
    if sys_lib:
        yield sys_lib


def _check(lib, where):
    try:
        version = lib.sf_version().decode()
    except AttributeError:
        raise LibraryNotFound(f"{where}: too old for pyscalefit (no sf_version)") from None
    if version.split(".")[:2] != ABI_VERSION.split(".")[:2]:
        raise LibraryNotFound(f"{where}: libscalefit {version}, pyscalefit needs "
                              f"{ABI_VERSION}")
    for s in STRUCTS:
        size = lib.sf_struct_size(s.__name__.encode())
        if size != ctypes.sizeof(s):
            raise LibraryNotFound(f"{where}: struct {s.__name__} is {size} bytes in the "
                                  f"library, {ctypes.sizeof(s)} in pyscalefit: layouts differ")


def _declare(lib):
    for name, (res, args) in PROTOS.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args


def load():
    """The loaded library (loaded and checked on first use)."""
    global _lib, _libc, path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        tried = []
        for cand in candidates():
            if os.sep in cand and not os.path.exists(cand):
                tried.append(cand)
                continue
            try:
                lib = ctypes.CDLL(cand)
            except OSError as e:
                tried.append(f"{cand} ({e})")
                continue
            lib.sf_version.restype = c_char_p
            lib.sf_struct_size.restype = c_size_t
            lib.sf_struct_size.argtypes = [c_char_p]
            _check(lib, cand)
            _declare(lib)
            _libc = ctypes.CDLL(None)
            _libc.free.argtypes = [c_void_p]
            _libc.free.restype = None
            path = os.path.realpath(cand)
            _lib = lib
            return _lib
        raise LibraryNotFound("libscalefit not found; set SCALEFIT_LIB, run `make` in the "
                              "source tree or `make install`. Tried: " + "; ".join(tried))


def release(fn, handle):
    """Free a handle with the library function named `fn` (from __del__:
    never raises, and does nothing once the library is gone)."""
    try:
        if handle and _lib is not None:
            getattr(_lib, fn)(handle)
    except Exception:  # interpreter shutdown
        pass


def take_text(ptr):
    """A malloc'd char * from the library as str, freed."""
    if not ptr.value:
        return None
    try:
        return ctypes.string_at(ptr.value).decode("utf-8")
    finally:
        _libc.free(ptr)

"""pyscalefit: fit neural scaling laws with libscalefit from Python.

    import pyscalefit as sf
    fit = sf.fit(df, law="chinchilla", filter="loss<3.44")
    fit.params, fit.optimal(compute=5.76e23)

docs/python.md has the guide.  Importing is light: numpy and pandas are
imported only when a result needs them, the library on first use.
"""
from ._errors import (ConvergenceError, InputError, NotSupportedError, ScalefitError,
                      ScalefitWarning, UnidentifiableError)
from ._approach import Result, envelope, isoflop
from ._fit import bayes, fit, laws, load
from ._forecast import forecast
from ._result import Fit
from ._task import TaskFit, load_task, task_fit
from ._validate import validate

__version__ = "0.1.0"

__all__ = ["fit", "bayes", "load", "laws", "isoflop", "envelope", "validate", "task_fit", "load_task", "TaskFit", "forecast", "Fit", "Result", "ScalefitError", "InputError",
           "UnidentifiableError", "NotSupportedError", "ConvergenceError", "ScalefitWarning",
           "library_version", "library_path"]


def library_version():
    """SF_VERSION of the libscalefit in use."""
    from . import _lib
    return _lib.load().sf_version().decode()


def library_path():
    """The file libscalefit was loaded from."""
    from . import _lib
    _lib.load()
    return _lib.path

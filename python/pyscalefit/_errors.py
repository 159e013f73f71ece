"""Library errors as Python exceptions."""
import threading

SF_EINVAL, SF_ENOMEM, SF_EIO, SF_EPARSE, SF_ENONFINITE = -1, -2, -3, -4, -5
SF_EUNIDENTIFIABLE, SF_EDOMAIN, SF_ENOCOLUMN, SF_ENODATA = -6, -7, -8, -9
SF_ENOTSUP, SF_ENOCONV, SF_ECANCELED = -10, -11, -12


class ScalefitError(ValueError):
    """An error reported by libscalefit: `status` (the SF_E* code),
    `message` (the library's sentence), and where: `file`, `line`,
    `column` (1-based; None when the library gives none).  For a DataFrame
    or arrays, `row` (0-based position) and `column_name` name the cell."""

    def __init__(self, text, status=SF_EINVAL, message=None, file=None, line=None,
                 column=None, row=None, column_name=None):
        super().__init__(text)
        self.status = status
        self.message = message if message is not None else text
        self.file = file
        self.line = line
        self.column = column
        self.row = row
        self.column_name = column_name


class ScalefitWarning(UserWarning):
    """A warning of the library about a result (a parameter on a bound,
    a near-tied second optimum, walkers not mixed)."""


class InputError(ScalefitError):
    """Bad input: unreadable text, NaN, a non-positive value, a missing
    column, too few rows (SF_EPARSE, SF_ENONFINITE, SF_EDOMAIN,
    SF_ENOCOLUMN, SF_ENODATA, SF_EIO)."""


class UnidentifiableError(ScalefitError):
    """The data cannot determine the parameters (SF_EUNIDENTIFIABLE)."""


class NotSupportedError(ScalefitError):
    """The law does not support the operation (SF_ENOTSUP)."""


class ConvergenceError(ScalefitError):
    """Every optimiser start failed (SF_ENOCONV)."""


_CLASSES = {SF_EPARSE: InputError, SF_ENONFINITE: InputError, SF_EDOMAIN: InputError,
            SF_ENOCOLUMN: InputError, SF_ENODATA: InputError, SF_EIO: InputError,
            SF_EUNIDENTIFIABLE: UnidentifiableError, SF_ENOTSUP: NotSupportedError,
            SF_ENOCONV: ConvergenceError}


def from_error(status, err, rename=None):
    """The exception for status `status` and the filled sf_error `err`.
    `rename(line, field)` -> (row, column name) maps a place in an
    in-memory table (a DataFrame) back to the caller's row and column."""
    from ._lib import load
    if status == SF_ECANCELED:
        return KeyboardInterrupt()
    if status == SF_ENOMEM:
        return MemoryError(load().sf_strerror(status).decode())
    msg = err.message.decode("utf-8", "replace") or load().sf_strerror(status).decode()
    file = err.file.decode("utf-8", "replace") or None
    line = err.line or None
    col = err.column or None
    cls = _CLASSES.get(status, ScalefitError)
    # The CLI's flag becomes the keyword of sf.fit.
    import re
    msg = re.sub(r"--col (\w+)=COLUMN", r'cols={"\1": COLUMN}', msg)
    if rename is not None and rename.name is not None and file == rename.name:
        row, name = rename(line, col)
        where = ", ".join(x for x in (f"column '{name}'" if name and f"'{name}'" not in msg
                                      else "", f"row {row}" if row is not None else "") if x)
        text = f"{rename.name}: {where}: {msg}" if where else f"{rename.name}: {msg}"
        return cls(text, status, msg, None, None, None, row, name)
    if file and line:
        text = f"{file}:{line}:{col}: {msg}" if col else f"{file}:{line}: {msg}"
    elif file:
        text = f"{file}: {msg}"
    else:
        text = msg
    return cls(text, status, msg, file, line, col)


def check(status, err, rename=None):
    if status < 0:
        raise from_error(status, err, rename)
    return status


def run_interruptible(fn, cancel):
    """Run fn() (a ctypes call: it releases the GIL) in a worker thread
    while this thread waits in short joins, so Ctrl-C reaches Python; on
    KeyboardInterrupt set the library's cancel flag (`cancel`, a c_int the
    options point to), wait for the call to stop, and re-raise."""
    box = {}
    if cancel is not None:
        cancel.value = 0

    def work():
        try:
            box["rc"] = fn()
        except BaseException as e:  # pragma: no cover - ctypes rarely raises
            box["exc"] = e

    t = threading.Thread(target=work, name="pyscalefit", daemon=True)
    t.start()
    try:
        while t.is_alive():
            t.join(0.05)
    except KeyboardInterrupt:
        # With a cancel flag the library stops soon: wait for it.  Without
        # one the call finishes in the background, its result dropped; the
        # closure keeps what it reads alive meanwhile.
        if cancel is not None:
            cancel.value = 1
            t.join()
        raise
    if "exc" in box:
        raise box["exc"]
    return box["rc"]

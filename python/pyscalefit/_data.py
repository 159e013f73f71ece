"""Run data from a CSV path, a pandas DataFrame, a dict of columns, numpy
arrays or lists, turned into a libscalefit table.

In-memory data become CSV text with every float written by repr(), which
round-trips exactly, and are read by the library's own CSV reader: column
aliases, --filter expressions, D = C/(6N) and every check are the CLI's,
and a fit of a DataFrame gives the same numbers as the CLI on the same
values.
"""
import ctypes
import os

from . import _lib
from ._errors import check

FRAME = "<DataFrame>"
ARRAYS = "<arrays>"


class Table:
    """An sf_table handle with the names to report errors in."""

    def __init__(self, handle, name, headers, index=None):
        self.handle = handle
        self.name = name          # file name, or FRAME / ARRAYS
        self.headers = headers
        self.index = index        # DataFrame index labels, or None

    def _rename(self, line, field):
        row = line - 2 if line and line >= 2 else None
        label = row
        if row is not None and self.index is not None and row < len(self.index):
            label = self.index[row]
        name = self.headers[field - 1] if field and field <= len(self.headers) else None
        return label, name

    def __del__(self):
        _lib.release("sf_table_free", self.handle)
        self.handle = None


class _Rename:
    """Maps (line, field) of the in-memory CSV to (row label, column)."""

    def __init__(self, table):
        # Only in-memory tables ("<DataFrame>", "<arrays>") are renamed:
        # a CSV file keeps its file, line and column.
        self.name = table.name if table.name.startswith("<") else None
        self.table = table

    def __call__(self, line, field):
        return self.table._rename(line, field)


def _cell(v, empty_nan):
    """One CSV field: floats by repr() (exact), NaN as an empty cell when
    missing values are dropped (else 'nan', which the library refuses
    naming the row and column)."""
    if v is None:
        return ""
    kind = getattr(getattr(v, "dtype", None), "kind", None)
    if isinstance(v, float) or kind == "f":
        v = float(v)
        return "" if empty_nan and v != v else repr(v)
    if (isinstance(v, int) and not isinstance(v, bool)) or kind in ("i", "u"):
        return str(int(v))
    s = str(v).replace("\r", " ").replace("\n", " ")
    if any(c in s for c in ',"'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def _header(name):
    s = str(name).replace("\n", " ")
    if any(c in s for c in ',"'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def _columns_from(data, arrays):
    """(names, columns, index) from a DataFrame, a dict or role arrays."""
    if data is not None and hasattr(data, "columns") and hasattr(data, "index"):
        names = [str(c) for c in data.columns]
        cols = [data[c].tolist() for c in data.columns]
        return names, cols, list(data.index), FRAME
    if data is None:
        data = {k: v for k, v in arrays.items() if v is not None}
    elif arrays:
        raise TypeError("give the data either as the first argument or as role arrays")
    if not isinstance(data, dict):
        raise TypeError("data: expected a CSV path, a pandas DataFrame, a dict of columns "
                        f"or role arrays (N=..., D=..., loss=...), got {type(data).__name__}")
    names = [str(k) for k in data]
    cols = [list(v.tolist() if hasattr(v, "tolist") else v) for v in data.values()]
    lengths = {len(c) for c in cols}
    if len(lengths) > 1:
        raise ValueError("data: columns of different lengths: " + ", ".join(
            f"{n}={len(c)}" for n, c in zip(names, cols)))
    return names, cols, None, ARRAYS


def csv_text(names, cols, empty_nan=False):
    lines = [",".join(_header(n) for n in names)]
    for row in zip(*cols):
        lines.append(",".join(_cell(v, empty_nan) for v in row))
    return "\n".join(lines) + "\n"


def table(data=None, drop_missing=False, **arrays):
    """A Table from a CSV path or in-memory data."""
    lib = _lib.load()
    err = _lib.sf_error()
    h = ctypes.c_void_p()
    if isinstance(data, (str, os.PathLike)):
        if arrays:
            raise TypeError("give the data either as a CSV path or as role arrays")
        p = os.fspath(data)
        check(lib.sf_table_read(p.encode(), ctypes.byref(h), ctypes.byref(err)), err)
        n = lib.sf_table_cols(h)
        headers = [lib.sf_table_header(h, i).decode() for i in range(n)]
        return Table(h, p, headers)
    names, cols, index, name = _columns_from(data, arrays)
    text = csv_text(names, cols, drop_missing).encode("utf-8")
    t = Table(None, name, names, index)
    rc = lib.sf_table_read_buffer(text, len(text), name.encode(), ctypes.byref(h),
                                  ctypes.byref(err))
    t.handle = h if rc == 0 else None
    check(rc, err, _Rename(t))
    return t


def data_options(cols=None, filters=None, drop_missing=False, keep=None):
    """sf_data_options from --col/--filter equivalents.  `keep` collects
    the encoded strings the struct points to (they must outlive it)."""
    o = _lib.sf_data_options()
    _lib.load().sf_data_options_init(ctypes.byref(o))
    for role, col in (cols or {}).items():
        r = role_index(role)
        b = str(col).encode()
        keep.append(b)
        o.column[r] = b
    if isinstance(filters, str):
        filters = [filters]
    for f in filters or ():
        if o.n_filters == _lib.MAX_FILTERS:
            raise ValueError(f"too many filters (at most {_lib.MAX_FILTERS})")
        b = str(f).encode()
        keep.append(b)
        o.filters[o.n_filters] = b
        o.n_filters += 1
    o.drop_missing = 1 if drop_missing else 0
    return o


def role_index(role):
    low = {"n": 0, "d": 1, "c": 2, "loss": 3, "l": 3, "u": 4, "group": 5, "weight": 6}
    r = low.get(str(role).lower())
    if r is None:
        raise ValueError(f"cols: unknown role '{role}' (roles: N, D, C, loss, U, group, "
                         "weight)")
    return r


def run_data(t, dopt, law=None, roles=True):
    """sf_data from a table for `law` (its roles required unless
    roles=False, its extra columns read), as the CLI's fit does."""
    lib = _lib.load()
    keep = []
    if law is not None:
        if roles:
            dopt.required |= lib.sf_law_roles(law)
        dopt.n_extra = lib.sf_law_n_extra(law)
        for k in range(dopt.n_extra):
            name = lib.sf_law_extra_name(law, k)
            keep.append(name)
            dopt.extra[k] = name
    err = _lib.sf_error()
    d = ctypes.POINTER(_lib.sf_data)()
    check(lib.sf_data_from_table(t.handle, ctypes.byref(dopt), ctypes.byref(d),
                                 ctypes.byref(err)), err, _Rename(t))
    return Data(d)


def schedule_correct(t, d):
    """Checkpoints of LR-scheduled runs corrected to the loss their run
    would reach annealed there, as `scalefit fit` and `validate` do
    without --no-schedule (sf_curve_correct_table: the table's lr and step
    columns).  Returns {"column": lr column, "corrected": rows changed},
    or None when the table has no lr column (or no step column: then a
    warning, as the CLI's)."""
    lib = _lib.load()
    lr, step, n = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_size_t()
    err = _lib.sf_error()
    check(lib.sf_curve_correct_table(t.handle, d.ptr, ctypes.byref(lr), ctypes.byref(step),
                                     ctypes.byref(n), ctypes.byref(err)), err, _Rename(t))
    if not lr.value:
        return None
    if not step.value:
        import warnings
        from ._errors import ScalefitWarning
        warnings.warn(f"{t.name}: an lr column but no step column: checkpoints are not "
                      "corrected for the schedule", ScalefitWarning, stacklevel=3)
        return None
    return {"column": lr.value.decode(), "corrected": n.value}


class Data:
    """An sf_data handle (freed with the object)."""

    def __init__(self, ptr):
        self.ptr = ptr

    @property
    def n(self):
        return self.ptr.contents.n

    def __del__(self):
        _lib.release("sf_data_free", self.ptr)
        self.ptr = None

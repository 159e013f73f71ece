"""Broadcasting scalars, lists and numpy arrays (numpy only when given)."""


def _is_seq(v):
    return v is not None and not isinstance(v, (int, float)) and \
        (hasattr(v, "__len__") or hasattr(v, "shape"))


def broadcast(*vals):
    """Columns of floats (None -> 0) of one length, and whether every
    value was a scalar."""
    seqs = [v for v in vals if _is_seq(v)]
    if not seqs:
        return [[0.0 if v is None else float(v)] for v in vals], True
    try:
        import numpy
    except ImportError:
        numpy = None
    if numpy is not None and any(hasattr(v, "shape") for v in seqs):
        arrs = numpy.broadcast_arrays(*[numpy.asarray(0.0 if v is None else v, dtype=float)
                                        for v in vals])
        return [a.ravel().tolist() for a in arrs], False
    n = max(len(v) for v in seqs)
    cols = []
    for v in vals:
        if _is_seq(v):
            v = [float(x) for x in v]
            if len(v) not in (1, n):
                raise ValueError(f"lengths differ: {len(v)} and {n}")
            cols.append(v * n if len(v) == 1 else v)
        else:
            cols.append([0.0 if v is None else float(v)] * n)
    return cols, False


def shaped(out):
    try:
        import numpy
    except ImportError:
        return out
    return numpy.array(out, dtype=float)

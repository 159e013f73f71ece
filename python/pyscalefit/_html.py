"""A fit as HTML for notebooks: a summary table and the library's SVG."""
import html
import math


def _num(v):
    return "n/a" if v is None or not math.isfinite(v) else f"{v:.6g}"


def fit_html(fit):
    esc = html.escape
    se = fit.se
    ci = fit.ci(0.95) if se is not None else None
    head = "<tr><th>parameter</th><th>value</th>"
    head += "<th>SE</th><th>95% interval</th></tr>" if se else "</tr>"
    rows = []
    for name, v in list(fit.params.items()) + list(fit.derived.items()):
        cells = f"<td>{esc(name)}</td><td>{_num(v)}</td>"
        if se:
            lo, hi = ci.get(name, (None, None))
            cells += f"<td>{_num(se.get(name))}</td><td>[{_num(lo)}, {_num(hi)}]</td>"
        rows.append(f"<tr>{cells}</tr>")
    notes = "".join(f"<li>{esc(d['code'])}: {esc(d['message'])}</li>" for d in fit.diagnoses)
    notes += "".join(f"<li>warning: {esc(w)}</li>" for w in fit.warnings)
    svg = fit._repr_svg_() or ""
    return (f"<div class='pyscalefit'><p><b>{esc(fit.law)}</b> <code>{esc(fit.formula)}"
            f"</code> &mdash; {fit.n_points} points, objective {fit.objective:.10g}, "
            f"{'converged' if fit.converged else 'NOT converged'}</p>"
            f"<table>{head}{''.join(rows)}</table>"
            + (f"<ul>{notes}</ul>" if notes else "") + svg + "</div>")

"""`make bench` section "python" (issue 21): the documented snippet of
docs/python.md (pandas reads Epoch's 240 rows, pyscalefit fits them) as
a user runs it, a new interpreter each time, against two references timed
in the same run: the same fit by `scalefit fit --json` (the CLI), and the
snippet's floor, an interpreter that only imports pandas and reads the
CSV.  Targets: the whole snippet under 1 s of wall time (the issue's
must-show 1), and pyscalefit's own share (snippet minus floor) within 5x
the CLI's whole run."""
import os
import re

from timing import timed

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EPOCH = "chinchilla_epoch/svg_extracted_data.csv"


def _snippet(path):
    with open(os.path.join(ROOT, "docs", "python.md")) as f:
        text = f.read()
    code = re.search(r"<!-- snippet: epoch -->\n```python\n(.*?)```", text, re.S).group(1)
    return code.replace("../shared/data/" + EPOCH, path)


def section_python(args, rep):
    print("python: docs/python.md's snippet (pandas + pyscalefit, Epoch's 240 rows)")
    path = os.path.join(args.shared, "data", EPOCH)
    if not os.path.exists(path):
        print("  skipped: no %s" % path)
        return
    env_py = [args.python, "-c"]
    floor = ("import pandas as pd\npd.read_csv(%r, float_precision='round_trip')\n" % path)
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.path.join(ROOT, "python")   # the package of this tree
    try:
        s_wall, s_cpu, _ = timed(env_py + [_snippet(path)], 5)
        f_wall, f_cpu, _ = timed(env_py + [floor], 5)
    finally:
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved
    c_wall, c_cpu, _ = timed([args.scalefit, "fit", path, "--filter", "loss<3.44", "--json"], 5)
    print("  %-44s %10s %10s" % ("median of 5", "wall s", "CPU s"))
    for name, w, c in (("snippet (python3, pandas, pyscalefit, fit)", s_wall, s_cpu),
                       ("floor (python3, pandas, read the CSV)", f_wall, f_cpu),
                       ("scalefit fit --json (the CLI)", c_wall, c_cpu)):
        print("  %-44s %10.3f %10.3f" % (name, w, c))
    # pyscalefit's own cost (import, DataFrame to CSV text, loading the
    # library, the fit) is the snippet less its floor.  CPU times: the
    # difference of two wall medians on a shared machine is mostly noise
    # (0.11 s wall against 0.025 s CPU in one run at load 4).
    share = max(s_cpu - f_cpu, 0.0)
    rep.check(s_wall < 1.0, "the snippet runs in under 1 s (%.3f s)" % s_wall)
    rep.check(share <= 5 * c_cpu, "pyscalefit's share %.3f s of CPU <= 5x the CLI's %.3f s"
              % (share, c_cpu))

"""Helpers shared by the pyscalefit tests: paths of the source tree, the
CLI, and the published data sets (skipped when missing, failed when
CI=true, as tests/common.c does)."""
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.dirname(HERE)
ROOT = os.path.dirname(PYDIR)
if PYDIR not in sys.path:
    sys.path.insert(0, PYDIR)

EPOCH = "chinchilla_epoch/svg_extracted_data.csv"


def scalefit_bin():
    b = os.environ.get("SCALEFIT_BIN") or os.path.join(ROOT, "build", "scalefit")
    return os.path.abspath(b)


def shared_file(rel):
    root = os.environ.get("SCALEFIT_SHARED") or os.path.join(ROOT, "..", "shared")
    path = os.path.join(root, "data", rel)
    if not os.path.exists(path):
        if os.environ.get("CI") == "true":
            raise AssertionError(f"shared data file {path} is missing (CI=true: the data must "
                                 "be beside the checkout in ../shared)")
        raise unittest.SkipTest(f"shared data file {path} not found: skipping (set "
                                "SCALEFIT_SHARED to the shared folder to run this test)")
    return path


def cli(*args, check=True):
    r = subprocess.run([scalefit_bin(), *map(str, args)], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"scalefit {' '.join(map(str, args))}: exit {r.returncode}: "
                             f"{r.stderr}")
    return r


def rel_close(tc, a, b, tol, what=""):
    tc.assertLessEqual(abs(a - b), tol * max(abs(a), abs(b)), f"{what}: {a!r} vs {b!r}")


def need(module):
    """Import an optional module (numpy, pandas) or skip: the package works
    without them, some tests need them.  CI=true installs them
    (scripts/deps.sh --test), so there a missing one fails."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        if os.environ.get("CI") == "true":
            raise AssertionError(f"{module} is missing (scripts/deps.sh --test installs it)")
        raise unittest.SkipTest(f"{module} not installed: skipping")

"""The package works with the standard library alone: without numpy and
pandas, fits take lists and results come back as lists; and importing it
imports neither."""
import os
import subprocess
import sys
import unittest

from common import PYDIR

BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("numpy", "pandas"):
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
sys.path.insert(0, %r)
""" % PYDIR

SCRIPT = BLOCK + """
import pyscalefit as sf
N = [2.385e7, 1e8, 4.2e8, 1.7e9] * 4
D = [d for d in (5e8, 2.385e9, 1e10, 4e10) for _ in range(4)]
L = [1.69 + 406.4 / n ** 0.34 + 410.7 / d ** 0.28 + 0.001 * (i % 3)
     for i, (n, d) in enumerate(zip(N, D))]
fit = sf.fit(N=N, D=D, L=L, bootstrap=5, seed=1)
assert isinstance(fit.draws, list) and len(fit.draws) == 5, fit.draws
p = fit.predict([1e9, 1e10], [2e10, 2e11])
assert isinstance(p, list) and len(p) == 2, p
assert fit.predict(1e9, 2e10) == p[0]
fit.ci(0.9), fit.optimal(compute=1e21), fit.to_json(), fit._repr_html_()
print("ok")
"""


class Optional(unittest.TestCase):
    def run_py(self, code):
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=""))

    def test_without_numpy_and_pandas(self):
        r = self.run_py(SCRIPT)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "ok")

    def test_import_is_light(self):
        r = self.run_py(f"import sys; sys.path.insert(0, {PYDIR!r}); import pyscalefit; "
                        "print(sorted(m for m in sys.modules "
                        "if m.split('.')[0] in ('numpy', 'pandas')))")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "[]")


if __name__ == "__main__":
    unittest.main()

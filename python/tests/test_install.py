"""Installing pyscalefit: `make install PREFIX=...` puts the package
beside the library, `pip install --no-build-isolation` bundles the
library; either is imported from outside the source tree (cd /tmp) and
fits, and `make uninstall` removes the package."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from common import PYDIR, ROOT, need

SNIPPET = ("import pyscalefit as sf; "
           "f = sf.fit(N=[1e8, 2e8, 4e8, 8e8], D=[2e9] * 4, L=[3.1, 3.0, 2.95, 2.9], "
           "law='power'); print(sf.library_path()); print(f.params['alpha'])")


def outside_env(pythonpath):
    env = {k: v for k, v in os.environ.items() if k not in ("SCALEFIT_LIB", "PYTHONPATH")}
    env["PYTHONPATH"] = pythonpath
    return env


class Install(unittest.TestCase):
    def build(self):
        b = os.path.dirname(os.environ.get("SCALEFIT_LIB") or
                            os.path.join(ROOT, "build", "libscalefit.so"))
        if not os.path.exists(os.path.join(b, "libscalefit.so")):
            self.skipTest(f"no built library in {b}")
        return os.path.abspath(b)

    def run_outside(self, pythonpath):
        r = subprocess.run([sys.executable, "-c", SNIPPET], cwd=tempfile.gettempdir(),
                           env=outside_env(pythonpath), capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.split()

    def test_make_install_and_uninstall(self):
        b = self.build()
        with tempfile.TemporaryDirectory() as prefix:
            make = ["make", "--no-print-directory", "-C", ROOT, f"BUILD={b}", f"PREFIX={prefix}"]
            keep = [f"-o{b}/{f}" for f in ("libscalefit.a", "libscalefit.so", "scalefit")]
            env = {k: v for k, v in os.environ.items()
                   if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
            r = subprocess.run(make + keep + ["install"], capture_output=True, text=True,
                               env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            site = os.path.join(prefix, "lib", "python3", "dist-packages")
            lib, alpha = self.run_outside(site)
            self.assertTrue(lib.startswith(os.path.realpath(prefix)), lib)
            self.assertGreater(float(alpha), 0)
            r = subprocess.run(make + ["uninstall"], capture_output=True, text=True, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertFalse(os.path.exists(os.path.join(site, "pyscalefit")))

    def test_pip_install_bundles_the_library(self):
        b = self.build()
        need("setuptools")   # Debian: python3-setuptools, python3-pip
        need("pip")
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "src")
            shutil.copytree(PYDIR, src, ignore=shutil.ignore_patterns(
                "tests", "build", "*.egg-info", "__pycache__"))
            site = os.path.join(tmp, "site")
            env = dict(os.environ, SCALEFIT_LIB=os.path.join(b, "libscalefit.so"),
                       PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
            r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation",
                                "--no-deps", "--target", site, src], capture_output=True,
                               text=True, env=env, cwd=tmp)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            lib, alpha = self.run_outside(site)
            self.assertEqual(lib, os.path.join(os.path.realpath(site), "pyscalefit",
                                               "libscalefit.so"))
            self.assertGreater(float(alpha), 0)


if __name__ == "__main__":
    unittest.main()

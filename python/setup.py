"""Build hook of pyscalefit: bundle libscalefit into the package.

Where the library comes from, first found:
  1. $SCALEFIT_LIB (a built libscalefit.so);
  2. the source tree around python/: `make build/libscalefit.so` there;
  3. none: an installed libscalefit (make install, a system package) is
     found at import time (ctypes.util.find_library), nothing is bundled.
Works offline: `python3 -m pip install --no-build-isolation ./python`.
"""
import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def find_library():
    env = os.environ.get("SCALEFIT_LIB")
    if env:
        return env
    if os.path.exists(os.path.join(ROOT, "Makefile")) and \
            os.path.exists(os.path.join(ROOT, "include", "scalefit.h")):
        subprocess.run(["make", "-C", ROOT, "build/libscalefit.so"], check=True)
        return os.path.join(ROOT, "build", "libscalefit.so")
    return None


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        lib = find_library()
        if lib:
            dest = os.path.join(self.build_lib, "pyscalefit", "libscalefit.so")
            shutil.copyfile(lib, dest)
            os.chmod(dest, 0o755)


class BinaryDistribution(Distribution):
    """The wheel holds a shared library: mark it platform-specific."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=BinaryDistribution)

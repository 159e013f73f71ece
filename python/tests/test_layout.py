"""Every ctypes struct of pyscalefit has the size and field offsets of the
C struct in include/scalefit.h: a C program compiled against the header
prints them (a header change cannot silently corrupt memory)."""
import ctypes
import os
import shutil
import subprocess
import tempfile
import unittest

from common import ROOT

from pyscalefit import _lib


def c_program():
    lines = ['#include <stddef.h>', '#include <stdio.h>', '#include "scalefit.h"',
             'int main(void) {']
    for s in _lib.STRUCTS:
        n = s.__name__
        lines.append(f'    printf("{n} %zu\\n", sizeof({n}));')
        cname = getattr(s, "_cnames_", {})
        for f in s._fields_:
            c = cname.get(f[0], f[0])
            lines.append(f'    printf("{n}.{f[0]} %zu\\n", offsetof({n}, {c}));')
    lines += ['    return 0;', '}']
    return "\n".join(lines) + "\n"


class Layout(unittest.TestCase):
    def test_sizes_and_offsets_match_the_header(self):
        cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
        if not cc:
            if os.environ.get("CI") == "true":
                self.fail("no C compiler")
            self.skipTest("no C compiler")
        with tempfile.TemporaryDirectory() as tmp:
            src, exe = os.path.join(tmp, "layout.c"), os.path.join(tmp, "layout")
            with open(src, "w") as f:
                f.write(c_program())
            subprocess.run([cc, "-std=c11", "-I", os.path.join(ROOT, "include"), src, "-o",
                            exe], check=True)
            out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
        want = dict(line.split() for line in out.splitlines())
        for s in _lib.STRUCTS:
            n = s.__name__
            self.assertEqual(ctypes.sizeof(s), int(want[n]), f"sizeof {n}")
            for f in s._fields_:
                self.assertEqual(getattr(s, f[0]).offset, int(want[f"{n}.{f[0]}"]),
                                 f"offsetof({n}, {f[0]})")

    def test_the_library_reports_the_same_sizes(self):
        lib = _lib.load()
        for s in _lib.STRUCTS:
            self.assertEqual(lib.sf_struct_size(s.__name__.encode()), ctypes.sizeof(s))
        self.assertEqual(lib.sf_version().decode(), _lib.ABI_VERSION)

    def test_a_wrong_mirror_is_refused(self):
        lib = _lib.load()

        class sf_error(ctypes.Structure):  # one field short
            _fields_ = [("status", ctypes.c_int)]
        saved = _lib.STRUCTS
        _lib.STRUCTS = (sf_error,)
        try:
            with self.assertRaisesRegex(ImportError, "layouts differ"):
                _lib._check(lib, "test")
        finally:
            _lib.STRUCTS = saved


if __name__ == "__main__":
    unittest.main()

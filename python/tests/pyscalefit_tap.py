#!/usr/bin/python3
"""Run the pyscalefit tests (python3 -m unittest discovery of this folder)
and write a TAP report, so tests/run.sh counts them with the C tests:
    python/tests/pyscalefit_tap.py --tap=FILE
Exits 1 when a test fails."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class TapResult(unittest.TextTestResult):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.lines = []

    def _add(self, status, test, note=""):
        self.lines.append(f"{status} {len(self.lines) + 1} - {test.id()}{note}")

    def addSuccess(self, test):
        super().addSuccess(test)
        self._add("ok", test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._add("ok", test, f" # SKIP {reason}")

    def _fail(self, test, err):
        self._add("not ok", test)
        text = self._exc_info_to_string(err, test)
        self.lines.extend("    " + line for line in text.splitlines())

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._add("ok", test)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._add("not ok", test, " (unexpected success)")


def main(argv):
    tap = None
    for a in argv:
        if a.startswith("--tap="):
            tap = a[len("--tap="):]
    sys.path.insert(0, HERE)
    suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=TapResult)
    result = runner.run(suite)
    report = "\n".join([f"1..{len(result.lines)}"] + result.lines) + "\n"
    if tap:
        with open(tap, "w") as f:
            f.write(report)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

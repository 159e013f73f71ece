"""Schedule correction (issue 21): on a table with lr and step columns,
sf.fit and sf.validate correct the checkpoints of LR-scheduled runs as
`scalefit fit` and `validate` do (the library's sf_curve_correct_table),
and schedule=False is --no-schedule; the JSON is the CLI's, byte for
byte, both ways."""
import json
import math
import os
import tempfile
import unittest
import warnings

from common import cli

import pyscalefit as sf

SIZES = (2e7, 6e7, 1.8e8, 5.4e8)
COLS = ("run", "N", "D", "step", "lr", "loss")


def cosine(t, steps, peak, warmup=50, final=0.1):
    if t < warmup:
        return peak * t / warmup
    u = (t - warmup) / (steps - warmup)
    return peak * (final + (1 - final) * 0.5 * (1 + math.cos(math.pi * u)))


def scheduled_rows():
    """Runs of 4 sizes, each a cosine schedule of 2000 steps logged every
    40 steps (D = 1e6 tokens a step): a Chinchilla-like loss plus a term
    that grows with the current LR, so a checkpoint taken before the
    decay sits above the loss its run would reach annealed there."""
    rows = []
    for k, n in enumerate(SIZES):
        peak = 1e-3 / (1 + k)
        for t in range(40, 2001, 40):
            lr = cosine(t, 2000, peak)
            d = t * 1e6
            L = 1.8 + 482.0 / n ** 0.35 + 2085.0 / d ** 0.37 + 150.0 * lr
            rows.append((f"r{k}", n, d, float(t), lr, L * (1 + 0.002 * math.sin(1.3 * t + k))))
    return rows


def write(path, cols, rows):
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for r in rows:
            f.write(",".join(v if isinstance(v, str) else repr(v) for v in r) + "\n")


class Schedule(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.rows = scheduled_rows()
        cls.path = os.path.join(cls.tmp.name, "sched.csv")
        write(cls.path, COLS, cls.rows)
        # The fits' warnings (near-equal optima on these data) are the
        # CLI's too; not what this test is about.
        cls.quiet = warnings.catch_warnings()
        cls.quiet.__enter__()
        warnings.simplefilter("ignore")

    @classmethod
    def tearDownClass(cls):
        cls.quiet.__exit__(None, None, None)
        cls.tmp.cleanup()

    def test_fit_is_the_clis_with_and_without_correction(self):
        r = cli("fit", self.path, "--json")
        self.assertIn("checkpoints corrected", r.stderr)
        plain = cli("fit", self.path, "--json", "--no-schedule").stdout
        self.assertNotEqual(r.stdout, plain)
        got = sf.fit(self.path)
        self.assertEqual(got.to_json(), r.stdout)
        self.assertEqual(got.schedule["column"], "lr")
        self.assertGreater(got.schedule["corrected"], 0)
        self.assertIn(f"{got.schedule['corrected']} checkpoints corrected", r.stderr)
        off = sf.fit(self.path, schedule=False)
        self.assertEqual(off.to_json(), plain)
        self.assertIsNone(off.schedule)
        # A dict of columns: the same numbers (the source name differs).
        cols = dict(zip(COLS, map(list, zip(*self.rows))))
        self.assertEqual(sf.fit(cols).params, got.params)

    def test_filtered_rows_are_matched_by_line(self):
        want = cli("fit", self.path, "--filter", "step>=400", "--json").stdout
        self.assertEqual(sf.fit(self.path, filter="step>=400").to_json(), want)

    def test_validate_is_the_clis_with_and_without_correction(self):
        want = cli("validate", self.path, "--json").stdout
        plain = cli("validate", self.path, "--json", "--no-schedule").stdout
        self.assertNotEqual(json.loads(want), json.loads(plain))
        self.assertEqual(sf.validate(self.path).to_json(), want)
        self.assertEqual(sf.validate(self.path, schedule=False).to_json(), plain)

    def test_lr_without_step_warns_and_keeps_the_losses(self):
        path = os.path.join(self.tmp.name, "nostep.csv")
        write(path, ("run", "N", "D", "lr", "loss"),
              [(r[0], r[1], r[2], r[4], r[5]) for r in self.rows])
        r = cli("fit", path, "--json")
        self.assertIn("no step column", r.stderr)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            got = sf.fit(path)
        self.assertTrue(any("no step column" in str(x.message) for x in w))
        self.assertEqual(got.to_json(), r.stdout)
        self.assertIsNone(got.schedule)


if __name__ == "__main__":
    unittest.main()

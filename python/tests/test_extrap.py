"""Extrapolation intervals (issue 21): Fit.optimal and Fit.predict_rows
attach the library's interval to the rows beyond the fitted data
(sf_fit_extrap_alloc, sf_fit_extrap_points), and their .to_json() is the
text of `scalefit optimal --json` and `predict --json`, byte for byte."""
import json
import math
import os
import tempfile
import unittest

from common import cli

import pyscalefit as sf


def _runs():
    """A Chinchilla law (Besiroglu et al. 2024's estimate) on N up to
    9.7e8 and D up to 6.1e10 with a deterministic wobble, as
    tests/test_extrap.c fits."""
    N, D, L = [], [], []
    k = 0
    n = 2.385e7
    while n < 2e9:
        d = 4.1e8
        while d < 7e10:
            loss = 1.8172 + 482.01 / n ** 0.3478 + 2085.43 / d ** 0.3658
            N.append(n)
            D.append(d)
            L.append(loss * (1 + 0.004 * math.sin(1.7 * k)))
            k += 1
            d *= 2.3
        n *= 2.1
    return N, D, L


class Extrapolation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        N, D, L = _runs()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.csv = os.path.join(cls.tmp.name, "runs.csv")
        with open(cls.csv, "w") as f:
            f.write("N,D,loss\n")
            for row in zip(N, D, L):
                f.write("%.17g,%.17g,%.17g\n" % row)
        cls.fit = sf.fit(cls.csv, bootstrap=20, seed=5)
        cls.path = os.path.join(cls.tmp.name, "fit.json")
        cls.fit.to_json(cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def both(self):
        """The fit made here and the one read back from its file."""
        return (self.fit, sf.load(self.path))

    def test_optimal_is_the_clis_bytes(self):
        # 1e18 FLOPs sits inside the fitted runs; 1e22 and 1e24 do not.
        for extra in ([], ["--ci", "0.9,0.5"]):
            want = cli("optimal", self.path, "--compute", "1e18,1e22,1e24", "--json",
                       *extra).stdout
            lv = [0.9, 0.5] if extra else None
            for fit in self.both():
                rows = fit.optimal(compute=[1e18, 1e22, 1e24], levels=lv)
                self.assertEqual(rows.to_json(), want)
                self.assertNotIn("extrapolation", rows[0])
                ex = rows[2]["extrapolation"]
                self.assertGreater(ex["distance"], rows[1]["extrapolation"]["distance"])
                self.assertEqual(rows, json.loads(want)["rows"])
        # Targets too.
        want = cli("optimal", self.path, "--target-loss", "2.0,1.95", "--json").stdout
        self.assertEqual(self.fit.optimal(target_loss=[2.0, 1.95]).to_json(), want)

    def test_predict_is_the_clis_bytes(self):
        N, D = [5e8, 1.6e10, 1.6e11], [1e10, 6.4e11, 6.4e12]
        args = ["--params", "5e8,1.6e10,1.6e11", "--tokens", "1e10,6.4e11,6.4e12", "--json"]
        for extra, kw in (([], {}), (["--ci", "0.9", "--interval"],
                                     {"levels": [0.9], "interval": True})):
            want = cli("predict", self.path, *args, *extra).stdout
            for fit in self.both():
                rows = fit.predict_rows(N, D, **kw)
                self.assertEqual(rows.to_json(), want)
                self.assertNotIn("extrapolation", rows[0])
                self.assertIn("extrapolation", rows[2])
                self.assertEqual(rows[1]["loss"], fit.predict(N[1], D[1]))

    def test_inside_the_data_or_without_draws_no_interval(self):
        plain = sf.fit(self.csv)
        rows = plain.optimal(compute=[1e22, 1e24])
        self.assertFalse(any("extrapolation" in r for r in rows))
        with tempfile.TemporaryDirectory() as tmp:
            p = os.path.join(tmp, "plain.json")
            plain.to_json(p)
            want = cli("predict", p, "--params", "1.6e11", "--tokens", "6.4e12", "--json")
            self.assertEqual(plain.predict_rows(1.6e11, 6.4e12).to_json(), want.stdout)
        with self.assertRaises(ValueError):
            plain.predict_rows(1e9, 1e10, levels=[0.9])
        with self.assertRaises(ValueError):
            plain.predict_rows(1e9, 1e10, interval=True)


if __name__ == "__main__":
    unittest.main()

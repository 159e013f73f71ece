"""sf.forecast gives the numbers of `scalefit forecast --json`."""
import json
import math
import os
import tempfile
import unittest

from common import cli, need

import pyscalefit as sf

SPECS = "cosine:peak=3e-4,warmup=100,steps=4000,wsd:peak=3e-4,warmup=100,steps=4000"


def curves():
    """Two runs of 4000 steps under a cosine schedule (warm-up 100), a
    loss falling with the LR area and rising with the LR, logged every 50
    steps; run b's loss is empty after step 2000 (to forecast)."""
    rows = []
    for run in ("a", "b"):
        area = 0.0
        for s in range(1, 4001):
            lr = 3e-4 * min(1, s / 100) * (0.1 + 0.45 * (1 + math.cos(
                math.pi * min(1, max(0, (s - 100) / 3900)))))
            area += lr
            if s % 50:
                continue
            L = 2.2 + 0.8 * (area * 1e3) ** -0.5 - 30 * lr + 0.005 * math.sin(
                0.37 * s / 50 + (run == "b"))
            rows.append((run, s, lr, float("nan") if run == "b" and s > 2000 else L))
    return rows


class Forecast(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "curves.csv")
        with open(self.path, "w") as f:
            f.write("run,step,lr,loss\n")
            for run, s, lr, L in curves():
                f.write(f"{run},{s},{lr!r},{'' if L != L else repr(L)}\n")

    def tearDown(self):
        self.tmp.cleanup()

    def test_forecast_is_the_clis(self):
        want = json.loads(cli("forecast", self.path, "--json", "--compare-schedules",
                              SPECS).stdout)
        got = sf.forecast(self.path, compare_schedules=SPECS)
        self.assertEqual(got.data, want)
        self.assertEqual(len(got["rows"]), 40)
        self.assertEqual(len(got["schedules"]), 2)
        self.assertTrue(got._repr_svg_().startswith("<svg"))

    def test_dataframe_with_nan_losses_and_a_schedule(self):
        pd = need("pandas")
        spec = "cosine:peak=3e-4,warmup=100,steps=8000"
        want = json.loads(cli("forecast", self.path, "--json", "--law", "multipower",
                              "--schedule", spec, "--points", "5").stdout)
        df = pd.DataFrame(curves(), columns=["run", "step", "lr", "loss"])
        got = sf.forecast(df, law="multipower", schedule=spec, points=5)
        self.assertEqual(got.data, want)

    def test_bad_cell_names_file_line_and_column(self):
        with open(self.path, "a") as f:
            f.write("b,4050,-1,\n")
        with self.assertRaises(sf.InputError) as cm:
            sf.forecast(self.path)
        e = cm.exception
        self.assertEqual((e.file, e.line, e.column), (self.path, 162, 3))
        r = cli("forecast", self.path, check=False)
        self.assertIn(f"{self.path}:162:3:", r.stderr)


if __name__ == "__main__":
    unittest.main()

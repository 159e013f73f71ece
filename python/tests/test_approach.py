"""sf.isoflop, sf.envelope and sf.bayes give the CLI's JSON for the same
data and seed."""
import json
import math
import os
import tempfile
import unittest
import warnings

from common import EPOCH, cli, shared_file

import pyscalefit as sf

# Hoffmann et al. (2022, eq. 10): the law the runs are simulated from.
E, A, B, ALPHA, BETA = 1.69, 406.4, 410.7, 0.34, 0.28


def law(n, d):
    return E + A / n ** ALPHA + B / d ** BETA


def isoflop_rows():
    """9 budgets (6e18 to 3e21 FLOPs) x 9 sizes around each optimum, loss
    with a fixed 0.5% wiggle."""
    rows, k = [], 0
    for i in range(9):
        c = 6e18 * (3e21 / 6e18) ** (i / 8)
        n_opt = 0.1 * (c / 6) ** 0.5
        for j in range(-4, 5):
            k += 1
            n = n_opt * 2 ** (j / 2)
            rows.append((n, c, law(n, c / (6 * n)) * (1 + 0.005 * math.sin(2.385 * k))))
    return rows


def envelope_rows():
    """6 runs of 30 checkpoints each (tokens from 2 N to about 900 N)."""
    rows = []
    for r, n in enumerate((2.385e7, 5e7, 1e8, 2e8, 4e8, 8e8)):
        for s in range(30):
            d = 2 * n * 1.235 ** s
            rows.append((f"run{r}", n, d, 6 * n * d, law(n, d) * (1 + 0.002 * math.cos(s))))
    return rows


def write_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(x if isinstance(x, str) else repr(x) for x in row) + "\n")


def without_file(text):
    """The JSON without the name of the data's source (a file for the
    CLI, "<arrays>" or "<DataFrame>" in memory)."""
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in ("file", "source")}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    return strip(json.loads(text))


def ladder_rows():
    """A ladder of 6 sizes, 25 checkpoints each up to 20 N tokens, from
    Besiroglu et al.'s law with a 0.4% wiggle, and a D = 0 row per run
    (tests/test_validate_cli.c makes the same file)."""
    rows = []
    for k, n in enumerate((2e7, 4e7, 8e7, 1.6e8, 3.2e8, 2.5e9)):
        rows.append((f"r{k}", n, 0.0, 10.825))
        for i in range(1, 26):
            d = 20 * n * i / 25
            L = 1.8172 + 482.01 / n ** 0.3478 + 2085.43 / d ** 0.3658
            rows.append((f"r{k}", n, d, L * (1 + 0.004 * math.sin(1.7 * i + k))))
    return rows


class Approaches(unittest.TestCase):
    def test_validate_is_the_clis(self):
        rows = ladder_rows()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "ladder.csv")
            write_csv(path, ("run_id", "N", "D", "loss"), rows)
            want = cli("validate", path, "--json").stdout
            loo = cli("validate", path, "--loo", "--models", "3", "--weight", "run",
                      "--json").stdout
            got = sf.validate(path)
            got_loo = sf.validate(path, loo=True, models=3, weight="run")
        self.assertEqual(got.to_json(), want)
        self.assertEqual(got_loo.to_json(), loo)
        cols = dict(zip(("run_id", "N", "D", "loss"), map(list, zip(*rows))))
        self.assertEqual(without_file(sf.validate(cols).to_json()), without_file(want))
        self.assertTrue(got._repr_svg_().startswith("<svg"))

    def test_isoflop_is_the_clis(self):
        rows = isoflop_rows()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "iso.csv")
            write_csv(path, ("N", "C", "loss"), rows)
            want = cli("isoflop", path, "--bootstrap", "50", "--seed", "5", "--json").stdout
            got = sf.isoflop(path, bootstrap=50, seed=5)
        self.assertEqual(got.to_json(), want)
        self.assertEqual(len(got["budgets"]), 9)
        cols = list(zip(*rows))
        arrays = sf.isoflop(N=list(cols[0]), C=list(cols[1]), L=list(cols[2]), bootstrap=50,
                            seed=5)
        self.assertEqual(without_file(arrays.to_json()), without_file(want))
        self.assertTrue(got._repr_svg_().startswith("<svg"))

    def test_envelope_is_the_clis(self):
        rows = envelope_rows()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "env.csv")
            write_csv(path, ("run", "N", "D", "C", "loss"), rows)
            want = cli("envelope", path, "--col", "group=run", "--bootstrap", "20", "--seed",
                       "3", "--json").stdout
            got = sf.envelope(path, cols={"group": "run"}, bootstrap=20, seed=3)
        self.assertEqual(got.to_json(), want)
        self.assertEqual(len(got["runs"]), 6)
        cols = list(zip(*rows))
        frame = dict(zip(("run", "N", "D", "C", "loss"), map(list, cols)))
        arrays = sf.envelope(frame, cols={"group": "run"}, bootstrap=20, seed=3)
        self.assertEqual(without_file(arrays.to_json()), without_file(want))

    def test_bayes_is_the_clis(self):
        path = shared_file(EPOCH)
        want = cli("bayes", path, "--filter", "loss<3.44", "--burn", "100", "--steps", "200",
                   "--seed", "5", "--prior", "alpha=normal(0.34,0.1)", "--json").stdout
        with self.assertWarns(sf.ScalefitWarning):   # 200 steps: walkers not mixed
            fit = sf.bayes(path, filter="loss<3.44", burn=100, steps=200, seed=5,
                           priors={"alpha": "normal(0.34,0.1)"})
        self.assertTrue(any("R-hat" in w for w in fit.warnings))
        self.assertEqual(fit.to_json(), want)
        self.assertEqual(len(fit.draws[0]), 5)
        self.assertIn("sigma", fit.se)

    def test_bad_prior_raises(self):
        with self.assertRaises(sf.ScalefitError):
            sf.bayes(N=[1e8, 2e8, 4e8, 8e8, 1.6e9, 3e9], D=[2e9] * 6,
                     L=[3.5, 3.3, 3.1, 3.0, 2.9, 2.85], law="kaplan", priors="alpha=odd(1)")


if __name__ == "__main__":
    unittest.main()


class ValidateModes(unittest.TestCase):
    """sf.validate's compare and sweep are `scalefit validate --compare`
    and `--sweep` (--csv), byte for byte."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "ladder.csv")
        write_csv(cls.path, ("run_id", "N", "D", "loss"), ladder_rows())

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_compare_is_the_clis(self):
        r = cli("validate", self.path, "--compare", "--json")
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            got = sf.validate(self.path, compare=True)
        self.assertEqual(got.to_json(), r.stdout)
        skipped = [line for line in r.stderr.splitlines() if "skipping law" in line]
        self.assertEqual(len([x for x in w if "skipping law" in str(x.message)]),
                         len(skipped))
        self.assertIn(got["best"], [v["law"] for v in got["compare"]])
        self.assertTrue(got._repr_svg_().startswith("<svg"))
        formula = "E + A/N^alpha + B/D^beta"
        want = cli("validate", self.path, "--compare", "--law", formula, "--json").stdout
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sf.ScalefitWarning)
            got = sf.validate(self.path, law=formula, compare=True)
        self.assertEqual(got.to_json(), want)

    def test_sweep_is_the_clis(self):
        csv = os.path.join(self.tmp.name, "cells.csv")
        want = cli("validate", self.path, "--sweep", "--sweep-models", "2,3",
                   "--sweep-fractions", "0.5,1", "--csv", csv, "--json").stdout
        got = sf.validate(self.path, sweep=True, sweep_models=[2, 3],
                          sweep_fractions=[0.5, 1])
        self.assertEqual(got.to_json(), want)
        with open(csv) as f:
            self.assertEqual(got.csv, f.read())
        default = cli("validate", self.path, "--sweep", "--json").stdout
        self.assertEqual(sf.validate(self.path, sweep=True).to_json(), default)
        with self.assertRaises(ValueError):
            sf.validate(self.path, sweep=True, loo=True)
        with self.assertRaises(ValueError):
            sf.validate(self.path, sweep=True, compare=True)
        with self.assertRaises(ValueError):
            sf.validate(self.path, sweep_models=[2])

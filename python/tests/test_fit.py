"""sf.fit against the CLI: the same input and seed give the same numbers,
and the JSON round-trips through `scalefit predict`."""
import json
import math
import os
import tempfile
import unittest

from common import EPOCH, cli, rel_close, shared_file, need

import pyscalefit as sf

# A small Chinchilla-shaped data set made here (no shared data): Hoffmann
# et al.'s eq. 10 law (E 1.69, A 406.4, B 410.7, alpha 0.34, beta 0.28)
# at a 4 x 4 grid, with a fixed multiplicative wiggle so the fit is not
# exact.
def _synthetic():
    N, D, L = [], [], []
    k = 0
    for n in (2.385e7, 1e8, 4.2e8, 1.7e9):
        for d in (5e8, 2.385e9, 1e10, 4e10):
            k += 1
            N.append(n)
            D.append(d)
            L.append((1.69 + 406.4 / n ** 0.34 + 410.7 / d ** 0.28) *
                     (1 + 0.01 * math.sin(2.385 * k)))
    return N, D, L


class Epoch(unittest.TestCase):
    """Must-show 1: Epoch's 240 rows from a DataFrame give the CLI's
    parameters to 1e-12 relative (Besiroglu et al.'s filter loss < 3.44)."""

    def test_dataframe_fit_reproduces_the_cli(self):
        pd = need("pandas")
        path = shared_file(EPOCH)
        want = json.loads(cli("fit", path, "--filter", "loss<3.44", "--json").stdout)
        df = pd.read_csv(path, float_precision="round_trip")
        fit = sf.fit(df, law="chinchilla", filter="loss<3.44")
        self.assertEqual(fit.n_points, 240)
        for name, v in want["params"].items():
            rel_close(self, fit.params[name], v, 1e-12, name)
        rel_close(self, fit.objective, want["objective"], 1e-12, "objective")

    def test_cols_name_the_columns(self):
        pd = need("pandas")
        df = pd.read_csv(shared_file(EPOCH), float_precision="round_trip")
        df = df.rename(columns={"Model Size": "params", "Training FLOP": "flops"})
        a = sf.fit(df, cols={"N": "params", "C": "flops"}, filter="loss<3.44")
        self.assertAlmostEqual(a.params["alpha"], 0.34731049936667063, places=9)

    def test_bootstrap_is_the_clis_for_a_seed(self):
        path = shared_file(EPOCH)
        args = ("--filter", "loss<3.44", "--bootstrap", "20", "--seed", "7", "--compute",
                "1e21", "--json")
        want = cli("fit", path, *args).stdout
        fit = sf.fit(path, filter="loss<3.44", bootstrap=20, seed=7, compute=1e21, threads=1)
        self.assertEqual(fit.to_json(), want)   # byte for byte, any thread count
        self.assertEqual((len(fit.draws), len(fit.draws[0])), (20, 5))
        lo, hi = fit.ci(0.9)["alpha"]
        self.assertLess(lo, fit.params["alpha"])
        self.assertGreater(hi, fit.params["alpha"])
        self.assertGreater(fit.se["alpha"], 0)


    def test_optimal_intervals_are_the_clis(self):
        path = shared_file(EPOCH)
        fit = sf.fit(path, filter="loss<3.44", bootstrap=20, seed=7)
        with tempfile.TemporaryDirectory() as tmp:
            fj = os.path.join(tmp, "fit.json")
            fit.to_json(fj)
            want = json.loads(cli("optimal", fj, "--compute", "1e21,5.76e23",
                                  "--json").stdout)["rows"]
        got = fit.optimal(compute=[1e21, 5.76e23])
        for g, w in zip(got, want):
            # The CLI reads the draws back from the file, whose writer
            # (cJSON) may drop the last digit of a number: 1e-12, not bytes.
            for k in ("params", "tokens", "tokens_per_param", "loss"):
                rel_close(self, g[k], w[k], 1e-12, k)
                rel_close(self, g["se"][k], w["se"][k], 1e-12, "se " + k)
                for a, b in zip(g["ci"][k], w["ci"][k]):
                    rel_close(self, a, b, 1e-12, "ci " + k)
        with self.assertRaises(ValueError):
            sf.fit(path, filter="loss<3.44").optimal(compute=1e21, levels=[0.9])


class Inputs(unittest.TestCase):
    def test_lists_arrays_dicts_and_frames_agree(self):
        np = need("numpy")
        pd = need("pandas")
        N, D, L = _synthetic()
        a = sf.fit(N=N, D=D, L=L)
        b = sf.fit(N=np.array(N), D=np.array(D), L=np.array(L))
        c = sf.fit({"N": N, "D": D, "loss": L})
        d = sf.fit(pd.DataFrame({"params": N, "tokens": D, "loss": L}))
        for other in (b, c, d):
            self.assertEqual(a.params, other.params)
        self.assertEqual(a.n_points, 16)

    def test_csv_path_is_the_clis(self):
        N, D, L = _synthetic()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "runs.csv")
            with open(path, "w") as f:
                f.write("N,D,loss\n" + "".join(f"{n!r},{d!r},{x!r}\n" for n, d, x in
                                                zip(N, D, L)))
            want = cli("fit", path, "--json").stdout
            self.assertEqual(sf.fit(path).to_json(), want)


class Options(unittest.TestCase):
    def setUp(self):
        self.N, self.D, self.L = _synthetic()

    def test_every_catalogue_law_fits(self):
        for name in sf.laws():
            if name == "datablations":
                continue   # needs unique tokens: DataBlations below
            fit = sf.fit(N=self.N, D=self.D, L=self.L, law=name)
            self.assertEqual(fit.law, name)
            self.assertTrue(math.isfinite(fit.objective), name)

    def test_fix_and_tie(self):
        fit = sf.fit(N=self.N, D=self.D, L=self.L, fix={"E": 1.69}, tie="alpha=beta")
        self.assertEqual(fit.params["E"], 1.69)
        self.assertEqual(fit.params["alpha"], fit.params["beta"])
        js = fit.to_dict()
        self.assertEqual(js["params"]["E"], 1.69)

    def test_formula_law_with_bounds(self):
        fit = sf.fit(N=self.N, D=self.D, L=self.L, law="E + A/N^alpha + B/D^beta",
                     bounds={"alpha": (0, 1), "beta": (0, 1)})
        self.assertEqual(set(fit.params), {"E", "A", "B", "alpha", "beta"})
        ref = sf.fit(N=self.N, D=self.D, L=self.L)
        rel_close(self, fit.objective, ref.objective, 1e-6, "objective")

    def test_bad_option_values_raise(self):
        with self.assertRaises(ValueError):
            sf.fit(N=self.N, D=self.D, L=self.L, loss="l1")
        with self.assertRaises(sf.ScalefitError):
            sf.fit(N=self.N, D=self.D, L=self.L, law="no-such-law")


class DataBlations(unittest.TestCase):
    def test_unique_tokens_allocation_is_the_clis(self):
        path = shared_file("datablations_muennighoff/fit182_c4_final_losses.csv")
        fit = sf.fit(path, law="datablations")
        with tempfile.TemporaryDirectory() as tmp:
            fj = os.path.join(tmp, "fit.json")
            fit.to_json(fj)
            want = json.loads(cli("optimal", fj, "--compute", "1e21", "--unique-tokens",
                                  "1e10", "--json").stdout)
        got = fit.optimal(compute=1e21, unique_tokens=1e10)
        self.assertEqual(got[0]["params"], want["rows"][0]["params"])
        self.assertEqual(got[0]["epochs"], want["rows"][0]["epochs"])


class Results(unittest.TestCase):
    def setUp(self):
        N, D, L = _synthetic()
        self.fit = sf.fit(N=N, D=D, L=L)

    def test_to_json_round_trips_through_the_cli(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "fit.json")
            text = self.fit.to_json(path)
            with open(path) as f:
                self.assertEqual(f.read(), text)
            r = json.loads(cli("predict", path, "--params", "7e10", "--tokens", "1.4e12",
                               "--json").stdout)
            self.assertEqual(r["rows"][0]["loss"], self.fit.predict(7e10, 1.4e12))
            back = sf.load(path)
            self.assertEqual(back.params, self.fit.params)
            self.assertEqual(back.law, "chinchilla")

    def test_predict_is_vectorised(self):
        np = need("numpy")
        N = np.array([1e9, 1e10, 1e11])
        got = self.fit.predict(N, 2e11)
        self.assertEqual(got.shape, (3,))
        for i, n in enumerate(N):
            self.assertEqual(got[i], self.fit.predict(float(n), 2e11))
        self.assertEqual(list(self.fit.predict([1e9, 1e10], [2e10, 2e11])),
                         [self.fit.predict(1e9, 2e10), self.fit.predict(1e10, 2e11)])
        with self.assertRaises(sf.ScalefitError):
            self.fit.predict(-1, 1e9)

    def test_optimal_is_the_clis(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "fit.json")
            self.fit.to_json(path)
            want = json.loads(cli("optimal", path, "--compute", "1e21,5.76e23",
                                  "--json").stdout)
            inf = json.loads(cli("optimal", path, "--compute", "1e21", "--inference-tokens",
                                 "1e12", "--json").stdout)
            tl = json.loads(cli("optimal", path, "--target-loss", "2.2", "--json").stdout)
        rows = self.fit.optimal(compute=[1e21, 5.76e23])
        for got, exp in zip(rows, want["rows"]):
            for k in ("compute", "params", "tokens", "tokens_per_param", "loss"):
                self.assertEqual(got[k], exp[k], k)
        r = self.fit.optimal(compute=1e21, inference_tokens=1e12)[0]
        self.assertEqual(r["params"], inf["rows"][0]["params"])
        t = self.fit.optimal(target_loss=2.2)[0]
        self.assertEqual(t["compute"], tl["rows"][0]["compute"])

    def test_notebook_display_uses_the_librarys_svg(self):
        svg = self.fit._repr_svg_()
        self.assertTrue(svg.startswith("<svg"))
        page = self.fit._repr_html_()
        self.assertIn("<table>", page)
        self.assertIn("<svg", page)
        self.assertIn("alpha", page)
        self.assertIn("chinchilla", repr(self.fit))

    def test_no_intervals_without_draws(self):
        self.assertIsNone(self.fit.se)
        self.assertIsNone(self.fit.draws)
        with self.assertRaises(ValueError):
            self.fit.ci(0.9)


if __name__ == "__main__":
    unittest.main()

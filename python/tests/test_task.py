"""sf.task_fit gives the CLI's task fit file, which `scalefit task
predict` reads back, and predictions from the same fit."""
import json
import math
import os
import random
import tempfile
import unittest

from common import cli

import pyscalefit as sf


def ladder(path):
    """5 sizes x 4 token multipliers x 10 checkpoints of a task loss from a
    Chinchilla-shaped law and an accuracy sigmoid over it ('signal'), and a
    task at chance ('flat'), as tests/common.c's task_ladder_csv."""
    rng = random.Random(7)
    with open(path, "w") as f:
        f.write("run,N,D,task,loss,acc\n")
        for i, n in enumerate((1.5e8, 3e8, 6e8, 1.2e9, 2.4e9)):
            for j, m in enumerate((1, 2, 5, 10)):
                for c in range(1, 11):
                    d = 20.0 * n * m * c / 10.0
                    L = (0.5 + 300.0 / n ** 0.3 + 400.0 / d ** 0.28) * math.exp(
                        0.005 * rng.gauss(0, 1))
                    acc = 0.25 + 0.6 / (1 + math.exp(5 * (L - 1.3))) + 0.008 * rng.gauss(0, 1)
                    flat = 0.25 + 0.01 * rng.gauss(0, 1)
                    f.write(f"r{i}-{j},{n!r},{d!r},signal,{L!r},{acc!r}\n")
                    f.write(f"r{i}-{j},{n!r},{d!r},flat,{L!r},{flat!r}\n")


class Task(unittest.TestCase):
    def test_task_fit_is_the_clis_and_predicts(self):
        with tempfile.TemporaryDirectory() as tmp:
            data, out = os.path.join(tmp, "ladder.csv"), os.path.join(tmp, "tasks.json")
            ladder(data)
            cli("task", "fit", data, "--col", "group=run", "--draws", "20", "--threads", "1",
                "-o", out)
            with open(out) as f:
                want = f.read()
            fit = sf.task_fit(data, cols={"group": "run"}, draws=20, threads=2)
            self.assertEqual(fit.to_json(), want)
            self.assertEqual(fit.tasks, ["signal", "flat"])
            self.assertIn("flat", fit.diagnoses)
            mine = os.path.join(tmp, "mine.json")
            fit.to_json(mine)
            r = json.loads(cli("task", "predict", mine, "--params", "5e9", "--tokens", "1e11",
                               "--task", "signal", "--json").stdout)["rows"][0]
            p = fit.predict("signal", 5e9, 1e11)
            for k, v in p.items():
                # The CLI's task predict JSON keeps 15 digits where they
                # suffice: compare to rounding.
                self.assertLessEqual(abs(v - r[k]), 1e-14 * abs(v), k)
            back = sf.load_task(mine)
            self.assertEqual(back.predict("signal", 5e9, 1e11), p)
            self.assertGreater(p["acc"], 0.25)
            self.assertLessEqual(p["acc_lo"], p["acc"])
            opt = fit.optimal("signal", 1e21)
            self.assertAlmostEqual(6 * opt["params"] * opt["tokens"], 1e21, delta=1e21 * 1e-9)


if __name__ == "__main__":
    unittest.main()

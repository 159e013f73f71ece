#!/usr/bin/env python3
"""The OLMo ladder task table of docs/tasks.md: fit 190M-1B, predict the 3B
runs' last checkpoints, per task and method, with scalefit's default and
with the choices it was compared against.

    /usr/bin/python3 bench/task_ladder.py --scalefit build/scalefit [--data ../shared/data/olmo_ladder]

Prints one markdown table per configuration: absolute error in points of the
two-step and direct methods (mean over the six 3B runs) and how many of the
six 90% intervals covered the actual accuracy.
"""
import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
import olmo_ladder_tasks  # noqa: E402

CHANCE = {"mmlu": 0.25, "hellaswag": 0.25, "arc_challenge": 0.25, "arc_easy": 0.25,
          "piqa": 0.5, "csqa": 0.2, "socialiqa": 1 / 3, "openbookqa": 0.25}


def long_table(folder, keep):
    buf = io.StringIO()
    old = sys.stdout
    sys.stdout = buf
    try:
        olmo_ladder_tasks.main(["x", folder])
    finally:
        sys.stdout = old
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    return [rows[0]] + [r for r in rows[1:] if keep(r[0])]


def run(sf, path, extra, draws, seed):
    cmd = [sf, "task", "validate", path, "--col", "group=run", "--json", "--draws", str(draws),
           "--seed", str(seed)] + extra
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def table(title, res):
    print(f"\n{title}\n")
    print("| task | two-step error (points) | covered | direct error (points) | covered |")
    print("|---|---|---|---|---|")
    for t in res["tasks"]:
        runs = t["runs"]
        def cov(key):
            lo, hi = key + "_lo", key + "_hi"
            return sum(1 for r in runs if r[lo] is not None and r[lo] <= r["actual"] <= r[hi])
        e2 = t["mae_two_step"]
        ed = t["mae_direct"]
        f = lambda v: "-" if v is None else f"{v:.2f}"
        print(f"| {t['task']} | {f(e2)} | {cov('two_step')}/{len(runs)} | {f(ed)} | "
              f"{cov('direct')}/{len(runs)} |")
    print(f"| **mean** | **{res['mae_two_step']:.2f}** | | **{res['mae_direct']:.2f}** | |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scalefit", default="build/scalefit")
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "olmo_ladder"))
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        full = os.path.join(tmp, "ladder.csv")
        paper = os.path.join(tmp, "paper.csv")
        with open(full, "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(long_table(a.data, lambda r: True))
        # The paper's ladder: 1, 2, 5 and 10 xC (no 0.5xC, no reruns), and the 3B runs to predict.
        keep = lambda r: r.startswith("3B") or not (r.endswith("0.5xC") or r.endswith("rerun"))
        with open(paper, "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(long_table(a.data, keep))
        chance = sum((["--chance", f"{k}={v!r}"] for k, v in CHANCE.items()), [])
        configs = [
            ("scalefit default: every 190M-1B run, floor fitted, step 1 on last checkpoints", full, []),
            ("floor fixed at chance", full, chance),
            ("step 1 on every checkpoint", full, ["--step1-all"]),
            ("the paper's ladder (1-10xC, no reruns), its method (floor fitted, step 1 on last checkpoints)",
             paper, []),
        ]
        for title, path, extra in configs:
            table(title, run(a.scalefit, path, extra, a.draws, a.seed))


if __name__ == "__main__":
    main()

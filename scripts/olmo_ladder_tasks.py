#!/usr/bin/env python3
"""Turn the OLMo ladder's per-run CSV files (Bhagia et al. 2024; one wide row
per checkpoint) into the long table `scalefit task` reads: one row per
checkpoint and task with columns run, N, D, step, task, loss (task bits per
byte of the correct answer) and acc (length-normalised accuracy).

    python3 scripts/olmo_ladder_tasks.py ../shared/data/olmo_ladder > tasks.csv

The eight tasks are those the paper reports: MMLU (the mean of its four test
categories, loss and accuracy averaged alike), HellaSwag, ARC-Challenge,
ARC-Easy, PIQA, CSQA, SocialIQA and OpenBookQA, on the test split where the
data have one (ARC, OpenBookQA, MMLU) and the validation split otherwise.
N is the parameter count the paper's scripts use (SOURCE.md).  A checkpoint
missing a task's loss or accuracy has no row for that task.
"""
import csv
import os
import sys

N_OF = {"190M": 190354176, "370M": 371262464, "760M": 758220288,
        "1B": 1279395840, "3B": 3169537280}
MMLU = ["stem", "humanities", "social_sciences", "other"]
TASKS = [
    ("mmlu", [f"mmlu_{c}_test_rc_5shot" for c in MMLU]),
    ("hellaswag", ["hellaswag_val_rc_5shot"]),
    ("arc_challenge", ["arc_challenge_test_rc_5shot"]),
    ("arc_easy", ["arc_easy_test_rc_5shot"]),
    ("piqa", ["piqa_val_rc_5shot"]),
    ("csqa", ["csqa_val_rc_5shot"]),
    ("socialiqa", ["socialiqa_val_rc_5shot"]),
    ("openbookqa", ["openbookqa_test_rc_5shot"]),
]


def cell(row, key):
    v = row.get(key, "")
    return float(v) if v not in ("", None) else None


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: olmo_ladder_tasks.py DIR > tasks.csv")
    folder = argv[1]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["run", "N", "D", "step", "task", "loss", "acc"])
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".csv"):
            continue
        run = name[:-4]
        size = run.split("-")[0]
        with open(os.path.join(folder, name), newline="") as f:
            for row in csv.DictReader(f):
                D = cell(row, "throughput/total_tokens")
                step = row["_step"]
                if not D:
                    continue
                for task, parts in TASKS:
                    bpb = [cell(row, f"eval/downstream_bpb/{p}_bpb") for p in parts]
                    acc = [cell(row, f"eval/downstream/{p}_len_norm") for p in parts]
                    if any(v is None for v in bpb + acc):
                        continue
                    out.writerow([run, N_OF[size], repr(D), step, task,
                                  repr(sum(bpb) / len(bpb)), repr(sum(acc) / len(acc))])


if __name__ == "__main__":
    main(sys.argv)

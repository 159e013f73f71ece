#!/bin/sh
# The validation table of docs/curves.md: the OLMo ladder's C4 checkpoints
# (190M-3B x 1, 2, 5, 10 xC, one long-format CSV with run, N, tokens, step,
# lr, loss), validate predicting the 3B runs from the smaller sizes, with
# the schedule correction (default with an lr column) and without.
#   scripts/curves_validate.sh [build/scalefit] [../shared]
B=${1:-build/scalefit}
SHARED=${2:-../shared}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 - "$SHARED/data/olmo_ladder" "$TMP/ladder.csv" <<'PY'
import csv, sys
d, out = sys.argv[1:]
# Parameter counts from SOURCE.md (the paper's scripts).
N = {"190M": 190354176, "370M": 371262464, "760M": 758220288, "1B": 1279395840,
     "3B": 3169537280}
w = csv.writer(open(out, "w"))
w.writerow(["run", "N", "tokens", "step", "lr", "loss"])
for s in N:
    for k in ["1xC", "2xC", "5xC", "10xC"]:
        for r in csv.DictReader(open("%s/%s-%s.csv" % (d, s, k))):
            w.writerow(["%s-%s" % (s, k), N[s], r["throughput/total_tokens"], r["_step"],
                        r["optim/learning_rate_group0"],
                        r["eval/c4_en-validation/CrossEntropyLoss"]])
PY
for from in 0.7 1; do
  for mode in "" --no-schedule; do
    printf '%-14s target-from %-4s ' "${mode:-corrected}" $from
    "$B" validate "$TMP/ladder.csv" --target-from $from $mode | grep '^ARE:'
  done
done
"$B" validate "$TMP/ladder.csv" --compare 2>/dev/null | sed -n '/law  *ARE/,$p'

#!/bin/sh
# The forecasting table of docs/curves.md: each of the OLMo ladder's six
# longest runs cut to its first 30% of checkpoints (full lr column), its
# final C4 loss forecast alone ("s") and with the same size's shorter runs
# ("j"); prints the error in % per law, "!" when the 95% interval misses.
#   scripts/curves_ladder.sh [build/scalefit] [../shared]
B=${1:-build/scalefit}
SHARED=${2:-../shared}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for t in 760M-10xC 1B-5xC 1B-10xC 3B-2xC 3B-5xC 3B-10xC; do
  line="$t"
  for mode in s j; do
    truth=$(/usr/bin/python3 - "$SHARED/data/olmo_ladder" "$t" "$mode" "$TMP/$mode.csv" <<'PY'
import csv, math, sys
d, target, mode, out = sys.argv[1:]
size, k = target.split("-")
K = float(k[:-2])
def rows(name):
    return [(r["_step"], r["optim/learning_rate_group0"], r["eval/c4_en-validation/CrossEntropyLoss"])
            for r in csv.DictReader(open("%s/%s.csv" % (d, name)))]
w = csv.writer(open(out, "w"))
w.writerow(["run", "step", "lr", "loss"])
if mode == "j":
    for o in ["0.5xC", "1xC", "1xC-rerun", "2xC", "5xC"]:
        if float(o.split("xC")[0]) < K:
            for s, lr, l in rows(size + "-" + o):
                w.writerow([size + "-" + o, s, lr, l])
r = rows(target)
cut = math.ceil(0.3 * len(r))
for i, (s, lr, l) in enumerate(r):
    w.writerow([target, s, lr, l if i < cut else ""])
print(r[-1][2])
PY
)
    for law in steps anneal multipower; do
      [ "$mode" = j ] && [ "$law" = steps ] && continue
      e=$("$B" forecast "$TMP/$mode.csv" --law $law --json | /usr/bin/python3 -c "
import json, sys
r = json.load(sys.stdin)['rows'][-1]; t = $truth
print('%+.2f%s' % (100 * (r['loss'] - t) / t, '' if r['lo'] <= t <= r['hi'] else '!'))")
      line="$line $mode-$law:$e"
    done
  done
  echo "$line"
done

#!/usr/bin/env python3
"""Tables of docs/validate.md: `scalefit validate` on real checkpoint tables.

Two reports, both printed as Markdown:

  --table      per family in ../shared/data/hitchhiker_colpret with four or
               more model sizes (and Pythia's LAMBADA curves): ARE of the
               largest model with the defaults, for chinchilla and the best
               other law of the catalogue (--compare), against a fit on
               final checkpoints only, the guide's own recipe (rows after
               1e10 tokens, each row weighted 1), and the leave-one-out mean.
               Every run is a plain `scalefit validate` command line (printed
               with --commands), so the table regenerates after new laws are
               merged.
  --defaults   the evidence behind the defaults: the protocol's knobs (cut,
               cap, weights, rows per run, models used) on every
               leave-one-out target of the families, on "ladders" cut from
               them (small sizes and one far larger target), and on
               synthetic ladders with several token horizons per size,
               learning-rate-schedule bumps and an early transient.

Usage: validate_families.py [--scalefit build/scalefit] [--shared ../shared]
                            [--table] [--defaults] [--commands] [--seeds 8]
Standard library, plus numpy for the synthetic ladders (--defaults).
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def families(shared):
    h = os.path.join(shared, "data", "hitchhiker_colpret")
    long = os.path.join(h, "derived_learning_curves_long.csv")
    ot = os.path.join(h, "raw_data", "overtrain", "overtrain_downstreams.csv")
    return [
        ("GPT-3, validation loss", long,
         ["--filter", "family==gpt3", "--filter", "metric==val_loss", "--col", "loss=value"]),
        ("GPT-3, training loss", long,
         ["--filter", "family==gpt3", "--filter", "metric==train_loss", "--col", "loss=value"]),
        ("OPT, log(validation ppl)", long,
         ["--filter", "family==opt", "--col", "loss=log(value)"]),
        ("Revisiting LM (examples as D)", os.path.join(h, "aggregated_eval", "revisiting_lang.csv"),
         ["--filter", "Domain==LM", "--col", "N=Model", "--col", "D=Seen Examples", "--col",
          "loss=Loss"]),
        ("Gadre over-training, C4 runs", ot,
         ["--filter", "dataset_name==c4_original", "--col", "group=name", "--col",
          "loss=loss_c4_val"]),
        ("Gadre over-training, RedPajama runs", ot,
         ["--filter", "dataset_name==rpj", "--col", "group=name", "--col", "loss=loss_c4_val"]),
        ("Gadre over-training, RefinedWeb runs", ot,
         ["--filter", "dataset_name==rw_original", "--col", "group=name", "--col",
          "loss=loss_c4_val"]),
        ("Pythia, log(LAMBADA ppl) (pythia_evals)",
         os.path.join(shared, "data", "pythia_evals", "pythia_v1_evals_by_checkpoint.csv"),
         ["--filter", "num_fewshot==0", "--filter", "deduped==0", "--col", "N=num_params_total",
          "--col", "loss=log(lambada_openai_ppl)"]),
    ]


def run(scalefit, path, flags, show=False):
    cmd = [scalefit, "validate", path, "--json"] + flags
    if show:
        print("    " + " ".join("'%s'" % a if (" " in a or "(" in a or ">" in a or "<" in a) else a
                                for a in cmd[:1] + ["validate", os.path.relpath(path, ROOT)] + cmd[3:]))
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().split("error: ")[-1]
    return json.loads(p.stdout), ""


def pct(x):
    return "%.2f%%" % (100 * x) if x is not None and x == x else "-"


def table(args):
    rows = []
    for name, path, flags in families(args.shared):
        if not os.path.exists(path):
            print("missing: %s" % path, file=sys.stderr)
            continue
        if args.commands:
            print("%s:" % name)
        d, err = run(args.scalefit, path, flags, args.commands)
        if d is None:
            rows.append((name, "-", "fails: " + err, "", "", "", "", ""))
            continue
        t = d["targets"][0]
        cmp, _ = run(args.scalefit, path, flags + ["--compare"], args.commands)
        best = "-"
        if cmp:
            others = [(c["are"], c["law"]) for c in cmp["compare"]
                      if c["law"] != "chinchilla" and "are" in c]
            if others:
                best = "%s %s" % (min(others)[1], pct(min(others)[0]))
        final, ferr = run(args.scalefit, path, flags + ["--max-per-run", "1", "--weight", "row"],
                          args.commands)
        guide, _ = run(args.scalefit, path, flags + ["--min-tokens", "1e10", "--cut-cap", "1",
                                                    "--weight", "row"], args.commands)
        loo, _ = run(args.scalefit, path, flags + ["--loo"], args.commands)
        sizes = t["n_sizes"] + 1
        rows.append((name, "%d (%.3g -> %.3g)" % (sizes, t["train_runs"][0]["N"], t["N"]),
                     "%s (max %s)" % (pct(d.get("are")), pct(d.get("max_re"))), best,
                     pct(final.get("are")) if final else "fails: " + ferr.split(":")[-1].strip(),
                     pct(guide.get("are")) if guide else "-",
                     pct(loo.get("are")) if loo else "-",
                     "%d / %d" % (t["rows_used"]["train"], t["rows_used"]["target"])))
    print("| family | sizes (smallest -> target) | chinchilla ARE, defaults | best other law "
          "| final checkpoints only | guide's recipe | leave-one-out mean | rows fitted / predicted |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


# ---- evidence for the defaults --------------------------------------------------------

def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["run", "N", "D", "loss"])
        w.writerows(rows)


def real_sets(shared, tmp):
    """Families as run,N,D,loss files; ladders keep the small sizes and one
    far larger target."""
    h = os.path.join(shared, "data", "hitchhiker_colpret")
    out = {}
    with open(os.path.join(h, "derived_learning_curves_long.csv"), newline="") as f:
        long = list(csv.DictReader(f))
    def fam(family, metric, tf):
        return [(r["model"], r["num_params"], r["tokens_seen"], repr(tf(float(r["value"]))))
                for r in long if r["family"] == family and r["metric"] == metric]
    out["gpt3_val"] = fam("gpt3", "val_loss", float)
    out["gpt3_train"] = fam("gpt3", "train_loss", float)
    out["opt"] = fam("opt", "ppl", math.log)
    with open(os.path.join(shared, "data", "pythia_evals", "pythia_v1_evals_by_checkpoint.csv"),
              newline="") as f:
        py = list(csv.DictReader(f))
    for dd, nm in (("0", "pythia"), ("1", "pythia_dedup")):
        out[nm] = [(r["model"], r["num_params_total"], r["tokens_seen"],
                    repr(math.log(float(r["lambada_openai_ppl"]))))
                   for r in py if r["deduped"] == dd and r["num_fewshot"] == "0"
                   and float(r["tokens_seen"]) > 0]
    with open(os.path.join(h, "aggregated_eval", "revisiting_lang.csv"), newline="") as f:
        out["revisiting_lm"] = [(r["Model"], r["Model"], r["Seen Examples"], r["Loss"])
                                for r in csv.DictReader(f) if r["Domain"] == "LM"]
    with open(os.path.join(h, "raw_data", "overtrain", "overtrain_downstreams.csv"),
              newline="") as f:
        ot = list(csv.DictReader(f))
    for ds in ("c4_original", "rpj", "rw_original"):
        out["gadre_" + ds.split("_")[0]] = [(r["name"], r["N"], r["D"], r["loss_c4_val"])
                                            for r in ot if r["dataset_name"] == ds]
    # Datablations' single-epoch curves: three sizes, early checkpoints at 1e8 tokens.
    for ds in ("c4", "oscar"):
        out["datablations_" + ds] = [(r["model"], r["num_params"], r["tokens_seen"], r["value"])
                                     for r in long if r["family"] == "datablations"
                                     and r["model"].endswith("-%s-1ep" % ds)]
    ladders = {"gpt3_val": (1.3e9, 1.75e11), "gpt3_train": (1.3e9, 1.75e11),
               "opt": (6.7e9, 1.75e11), "pythia": (1.1e9, 1.18e10),
               "pythia_dedup": (1.1e9, 1.18e10), "gadre_c4": (4.2e8, 6.9e9)}
    loo, lad = {}, {}
    for k, rows in out.items():
        p = os.path.join(tmp, k + ".csv")
        write_csv(p, rows)
        loo[k] = p
        if k in ladders:
            small, big = ladders[k]
            p = os.path.join(tmp, "ladder_" + k + ".csv")
            write_csv(p, [r for r in rows if float(r[1]) <= small or abs(float(r[1]) / big - 1) < 0.01])
            lad[k] = p
    return loo, lad


def synthetic_sets(tmp, seeds):
    """Ladders drawn from Besiroglu et al.'s law: five sizes 2e7..3.2e8 and a
    larger target; each curve 10 log-spaced then 100 evenly spaced
    checkpoints; a cosine-schedule bump kappa (1 + cos(pi x))/2 at fraction
    x of the run, an early transient 0.3 exp(-x/0.02), loss capped at ln V;
    0.5% run-to-run and 0.3% checkpoint noise."""
    import numpy as np
    E, A, B, al, be = 1.8172, 482.01, 2085.43, 0.3478, 0.3658
    sizes = [20e6, 40e6, 80e6, 160e6, 320e6]
    designs = {
        "4 horizons (1-8x 20N), 7B target": (lambda N: [m * 20 * N for m in (1, 2, 4, 8)], 7e9, 140e9),
        "4 horizons, 1.4B target 8x over-trained": (lambda N: [m * 20 * N for m in (1, 2, 4, 8)], 1.4e9, 224e9),
        "one horizon (20N), 7B target": (lambda N: [20 * N], 7e9, 140e9),
        "one fixed horizon (3e10), 7B target": (lambda N: [3e10], 7e9, 3e10),
    }
    out = {}
    for dname, (hz, tN, tD) in designs.items():
        for kappa in (0.0, 0.03):
            key = "%s, schedule bump %g" % (dname, kappa)
            out[key] = []
            for seed in range(seeds):
                rng = np.random.default_rng(seed)
                rows = []
                runs = [(N, DT, "%g-%g" % (N, DT)) for N in sizes for DT in hz(N)]
                runs.append((tN, tD, "target"))
                for N, DT, name in runs:
                    D = np.unique(np.concatenate([np.geomspace(DT / 1000, DT / 100, 10),
                                                  np.linspace(DT / 100, DT, 100)]))
                    x = D / DT
                    L = (E + A / N ** al + B / D ** be) * (1 + kappa * (1 + np.cos(np.pi * x)) / 2)
                    L = np.minimum(L * (1 + 0.3 * np.exp(-x / 0.02)), 10.8)
                    L = L * np.exp(0.005 * rng.standard_normal() + 0.003 * rng.standard_normal(len(D)))
                    rows += [(name, "%.6g" % N, "%.6g" % d, "%.6g" % l) for d, l in zip(D, L)]
                p = os.path.join(tmp, "syn_%d_%s_%d.csv" % (len(out), dname[:3], seed))
                write_csv(p, rows)
                out[key].append(p)
    return out


def are_of(scalefit, path, flags, loo):
    p = subprocess.run([scalefit, "validate", path, "--json", "--threads", "1"]
                       + (["--loo"] if loo else []) + flags, capture_output=True, text=True)
    if p.returncode != 0:
        return []
    return [t.get("are", float("nan")) for t in json.loads(p.stdout)["targets"]]


def geo(xs):
    xs = [x for x in xs if x == x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def defaults(args):
    configs = [
        ("defaults: min(1e10, 0.3 last D), tokens weights, all rows", []),
        ("final checkpoints only", ["--max-per-run", "1", "--weight", "row"]),
        ("no cut", ["--min-tokens", "0"]),
        ("guide: absolute 1e10 cut (cap 1), rows weighted 1", ["--cut-cap", "1", "--weight", "row"]),
        ("cap 0.1", ["--cut-cap", "0.1"]),
        ("relative cut only: 0.3 last D", ["--min-tokens", "1e30"]),
        ("relative cut only: 0.7 last D", ["--min-tokens", "1e30", "--cut-cap", "0.7"]),
        ("weights: run (1/rows)", ["--weight", "run"]),
        ("weights: row (1 each)", ["--weight", "row"]),
        ("256 rows per run", ["--max-per-run", "256"]),
        ("3 sizes below the target", ["--models", "3"]),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        loo, lad = real_sets(args.shared, tmp)
        syn = synthetic_sets(tmp, args.seeds)

        def one(cfg):
            name, flags = cfg
            r_loo = {k: are_of(args.scalefit, p, flags, True) for k, p in loo.items()}
            r_lad = {k: are_of(args.scalefit, p, flags, False) for k, p in lad.items()}
            r_syn = {k: [a for p in ps for a in are_of(args.scalefit, p, flags, False)]
                     for k, ps in syn.items()}
            return name, r_loo, r_lad, r_syn

        with ThreadPoolExecutor(2) as ex:
            res = list(ex.map(one, configs))
    print("Geometric mean ARE (%); 'fail' counts targets whose fit failed.\n")
    print("| protocol | real, leave-one-out (%d sets) | real, largest target | real ladders (%d) "
          "| synthetic ladders (%d x %d) |" % (len(loo), len(lad), len(syn), args.seeds))
    print("|---|---|---|---|---|")
    for name, r_loo, r_lad, r_syn in res:
        all_loo = [a for v in r_loo.values() for a in v]
        last = [v[-1] for v in r_loo.values() if v]
        lads = [v[0] if v else float("nan") for v in r_lad.values()]
        syns = [a for v in r_syn.values() for a in v]
        fails = lambda xs, n: "" if all(x == x for x in xs) and len(xs) == n else " (fail %d)" % (
            n - sum(1 for x in xs if x == x))
        print("| %s | %.2f | %.2f | %.2f%s | %.2f%s |" % (
            name, 100 * geo(all_loo), 100 * geo(last), 100 * geo(lads), fails(lads, len(lad)),
            100 * geo(syns), fails(syns, len(syn) * args.seeds)))
    print("\nSynthetic ladders by design (mean ARE %):\n")
    print("| design | " + " | ".join(n.split(":")[0] for n, *_ in res) + " |")
    print("|---|" + "---|" * len(res))
    for k in res[0][3]:
        cells = []
        for _, _, _, r_syn in res:
            v = [a for a in r_syn[k] if a == a]
            cells.append("%.2f" % (100 * sum(v) / len(v)) if len(v) == args.seeds else "fails")
        print("| %s | %s |" % (k, " | ".join(cells)))
    print("\nReal ladders (ARE %):\n")
    print("| ladder | " + " | ".join(n.split(":")[0] for n, *_ in res) + " |")
    print("|---|" + "---|" * len(res))
    for k in res[0][2]:
        print("| %s | %s |" % (k, " | ".join(
            "%.2f" % (100 * r[2][k][0]) if r[2][k] and r[2][k][0] == r[2][k][0] else "fails"
            for r in res)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scalefit", default=os.path.join(ROOT, "build", "scalefit"))
    ap.add_argument("--shared", default=os.environ.get("SCALEFIT_SHARED",
                                                       os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--table", action="store_true")
    ap.add_argument("--defaults", action="store_true")
    ap.add_argument("--commands", action="store_true", help="print every command line")
    ap.add_argument("--seeds", type=int, default=8)
    args = ap.parse_args()
    if not args.table and not args.defaults:
        args.table = True
    if args.table:
        table(args)
    if args.defaults:
        if args.table:
            print()
        defaults(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

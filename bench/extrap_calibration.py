#!/usr/bin/env python3
"""Calibration of the extrapolation part of scalefit's intervals (issue 23).

Two stages:

  collect  runs `scalefit validate --json --bootstrap 20` on every family
           of models in ../shared/data where a largest model can be held
           out, at several cut points (fit on the sizes up to a cut, hold
           out the largest 1, 2 and 3 sizes, predict each held-out size),
           and writes one row per (family, cut, target) to
           data/extrap_points.csv: the extrapolation distance, the
           predicted and actual loss of the target's final row, and the
           parameter and residual parts of its interval.
  fit      (default) reads data/extrap_points.csv and writes the scale
           k(level) of the extrapolation part, in log loss per decade, to
           data/extrap_calibration.csv and src/validate/calibration_data.c:
           for every point the smallest k whose interval without the
           parameter part, z sqrt(residual^2 + (k distance)^2), covers it, and
           k(level) the conformal quantile of those, the ceil((n+1) level)-th
           smallest.  --lofo prints the leave-one-family-out table.

Usage: extrap_calibration.py [--collect] [--lofo] [--check]
           [--scalefit build/scalefit] [--shared ../shared] [--only FAMILY]
--check regenerates into memory and exits 1 when the shipped files differ
(with --collect: the points of the families collected, to 1e-6 relative).
Standard library only.
"""
import argparse
import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from statistics import NormalDist

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
POINTS = os.path.join(ROOT, "data", "extrap_points.csv")
TABLE = os.path.join(ROOT, "data", "extrap_calibration.csv")
CFILE = os.path.join(ROOT, "src", "validate", "calibration_data.c")
LEVELS = [0.5, 0.68, 0.8, 0.9, 0.95]
BOOT = 20
HOLD = 3          # hold out the largest 1, 2, ..., HOLD sizes
MIN_FIT = 3       # model sizes fitted at least
COLS = ["family", "group", "fit_sizes", "fit_N_max", "target_N", "D", "distance", "predicted",
        "actual", "log_error", "param_sd", "resid_sd"]


# ---- families: (name, LOFO group, rows (run, N, D, loss)) -------------------------------

def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def families(shared):
    d = os.path.join(shared, "data")
    h = os.path.join(d, "hitchhiker_colpret")
    out = []
    long = read(os.path.join(h, "derived_learning_curves_long.csv"))
    for metric in ("val_loss", "train_loss"):
        out.append(("gpt3_" + metric, "GPT-3",
                    [(r["model"], float(r["num_params"]), float(r["tokens_seen"]),
                      float(r["value"])) for r in long
                     if r["family"] == "gpt3" and r["metric"] == metric]))
    out.append(("opt", "OPT", [(r["model"], float(r["num_params"]), float(r["tokens_seen"]),
                                math.log(float(r["value"]))) for r in long
                               if r["family"] == "opt"]))
    out.append(("revisiting_lm", "Revisiting LM",
                [(r["Model"], float(r["Model"]), float(r["Seen Examples"]), float(r["Loss"]))
                 for r in read(os.path.join(h, "aggregated_eval", "revisiting_lang.csv"))
                 if r["Domain"] == "LM"]))
    ot = read(os.path.join(h, "raw_data", "overtrain", "overtrain_downstreams.csv"))
    for ds in ("c4_original", "rpj", "rw_original"):
        out.append(("gadre_" + ds.split("_")[0], "Gadre over-training",
                    [(r["name"], float(r["N"]), float(r["D"]), float(r["loss_c4_val"]))
                     for r in ot if r["dataset_name"] == ds]))
    py = read(os.path.join(d, "pythia_evals", "pythia_v1_evals_by_checkpoint.csv"))
    out.append(("pythia_lambada", "Pythia",
                [(r["model"], float(r["num_params_total"]), float(r["tokens_seen"]),
                  math.log(float(r["lambada_openai_ppl"]))) for r in py
                 if r["deduped"] == "0" and r["num_fewshot"] == "0"
                 and float(r["tokens_seen"]) > 0]))
    db = read(os.path.join(d, "datablations_muennighoff", "all_parsed_c4_final_losses.csv"))
    out.append(("datablations_1epoch", "Datablations",
                [(r["name"], float(r["N_params"]), float(r["D_tokens"]), float(r["val_loss"]))
                 for r in db if r["epochs"] == "1"]))
    ep = read(os.path.join(d, "chinchilla_epoch", "svg_extracted_data.csv"))
    out.append(("chinchilla_epoch", "Chinchilla (Epoch)",
                [("r%d" % i, float(r["Model Size"]),
                  float(r["Training FLOP"]) / (6 * float(r["Model Size"])), float(r["loss"]))
                 for i, r in enumerate(ep)]))
    sizes = {"190M": 190354176, "370M": 371262464, "760M": 758220288, "1B": 1279395840,
             "3B": 3169537280}
    ol = []
    od = os.path.join(d, "olmo_ladder")
    for fn in sorted(os.listdir(od)):
        if not fn.endswith(".csv"):
            continue
        run = fn[:-4]
        for r in read(os.path.join(od, fn)):
            l, t = r["eval/c4_en-validation/CrossEntropyLoss"], r["throughput/total_tokens"]
            if l and t:
                ol.append((run, float(sizes[run.split("-")[0]]), float(t), float(l)))
    out.append(("olmo_ladder", "OLMo ladder", ol))
    return out


def cells(rows):
    """(fitted sizes, target size) pairs: hold out the largest 1..HOLD.
    Families with more than 12 distinct N (values read off a plot) are
    binned in quarter decades first; a held-out bin's target is its
    largest N."""
    sizes = sorted({r[1] for r in rows})
    if len(sizes) > 12:
        bins = {}
        for n in sizes:
            bins.setdefault(round(4 * math.log10(n)), []).append(n)
        bins = [bins[b] for b in sorted(bins)]
    else:
        bins = [[n] for n in sizes]
    m = len(bins)
    for hold in range(1, HOLD + 1):
        c = m - hold
        if c < MIN_FIT:
            break
        fit = [n for b in bins[:c] for n in b]
        for b in bins[c:]:
            yield fit, max(b)


def one(scalefit, tmp, fam, k, fit_sizes, target, rows):
    keep = set(fit_sizes) | {target}
    path = os.path.join(tmp, "%s_%d.csv" % (fam, k))
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["run", "N", "D", "loss"])
        for r in rows:
            if r[1] in keep:
                w.writerow([r[0], repr(r[1]), repr(r[2]), repr(r[3])])
    p = subprocess.run([scalefit, "validate", path, "--json", "--threads", "1",
                        "--bootstrap", str(BOOT)], capture_output=True, text=True)
    if p.returncode != 0:
        print("%s, target %g: %s" % (fam, target, p.stderr.strip()), file=sys.stderr)
        return None
    fin = json.loads(p.stdout)["targets"][0].get("final")
    if not fin:
        return None
    ex = fin["extrapolation"]
    return [fin["D"], ex["distance"], fin["loss"], fin["actual"],
            math.log(fin["actual"] / fin["loss"]), ex["parts"]["parameters"],
            ex["parts"]["residual"]]


def collect(args):
    fams = [f for f in families(args.shared) if not args.only or f[0] in args.only]
    jobs = []
    for fam, group, rows in fams:
        for k, (fit_sizes, t) in enumerate(cells(rows)):
            jobs.append((fam, group, k, fit_sizes, t, rows))
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(args.jobs) as ex:
        res = list(ex.map(lambda j: one(args.scalefit, tmp, j[0], j[2], j[3], j[4], j[5]),
                          jobs))
    out = []
    for (fam, group, k, fit_sizes, t, rows), r in zip(jobs, res):
        if r is None:
            continue
        out.append([fam, group, len(fit_sizes), max(fit_sizes), t] + r)
    return out


def points_text(pts):
    s = io.StringIO()
    w = csv.writer(s, lineterminator="\n")
    w.writerow(COLS)
    for p in pts:
        w.writerow(p[:2] + [p[2]] + [repr(float(x)) for x in p[3:]])
    return s.getvalue()


def read_points(path):
    pts = []
    for r in read(path):
        pts.append([r["family"], r["group"], int(r["fit_sizes"])] +
                   [float(r[c]) for c in COLS[3:]])
    return pts


# ---- the scale ----------------------------------------------------------------------

def z_of(level):
    return NormalDist().inv_cdf(0.5 + level / 2)


def total(p, level, k, params=False):
    """Half-width on the log scale: z sqrt(r^2 + max(p, k d)^2); the
    parameter part p only with params (a fit with draws), as the library
    combines them (src/validate/extrap.c)."""
    ps = p[10] if params else 0.0
    return z_of(level) * math.sqrt(p[11] ** 2 + max(ps, k * p[6]) ** 2)


def needed_k(p, level):
    """Smallest k whose interval at `level`, without the parameter part,
    covers point p."""
    e, d, rs = p[9], p[6], p[11]
    excess = (e / z_of(level)) ** 2 - rs * rs
    if excess <= 0:
        return 0.0
    return math.sqrt(excess) / d if d > 0 else math.inf


def scale(pts, level):
    """The conformal quantile of the needed k: the ceil((n + 1) level)-th
    smallest (the largest when that exceeds n)."""
    ks = sorted(needed_k(p, level) for p in pts)
    n = len(ks)
    j = math.ceil((n + 1) * level)
    k = ks[min(j, n) - 1]
    return k if math.isfinite(k) else max(x for x in ks if math.isfinite(x))


def half_width(p, level, k, params=False):
    return math.sinh(total(p, level, k, params))


def covered(p, level, k, params=False):
    return abs(p[9]) <= total(p, level, k, params)


def naive_covered(p, level):
    return abs(p[9]) <= z_of(level) * math.sqrt(p[10] ** 2 + p[11] ** 2)


def naive_half(p, level):
    return math.sinh(z_of(level) * math.sqrt(p[10] ** 2 + p[11] ** 2))


def table_text(pts):
    lines = ["level,k,points"]
    for lv in LEVELS:
        lines.append("%r,%r,%d" % (lv, scale(pts, lv), len(pts)))
    return "\n".join(lines) + "\n"


def c_text(pts):
    ks = [scale(pts, lv) for lv in LEVELS]
    return ("/* Generated by bench/extrap_calibration.py from data/extrap_points.csv\n"
            " * (%d held-out targets); do not edit. */\n"
            "#include \"validate/calibration.h\"\n\n"
            "const size_t sf_extrap_cal_n = %d;\n"
            "const double sf_extrap_cal_level[] = {%s};\n"
            "const double sf_extrap_cal_k[] = {%s};\n"
            % (len(pts), len(LEVELS), ", ".join("%.17g" % x for x in LEVELS),
               ", ".join("%.17g" % x for x in ks)))


def lofo(pts):
    """Leave one family out: k from the other families, coverage of the
    family left out; beside it the same with the bootstrap's parameter
    part, and the naive interval (parameter and residual parts only)."""
    groups = sorted({p[1] for p in pts})
    lv3 = (0.8, 0.9, 0.95)
    print("| family left out | targets | k(0.9) from the rest | 80% | 90% | 95% "
          "| mean 90% half-width | 90%, with the bootstrap part | naive 90% (parameters + "
          "residual) | naive mean 90% half-width |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    tot = {lv: 0 for lv in lv3}
    tot_b = tot_n = 0
    widths, nwidths = [], []
    for g in groups:
        test = [p for p in pts if p[1] == g]
        train = [p for p in pts if p[1] != g]
        ks = {lv: scale(train, lv) for lv in lv3}
        cov = {lv: sum(covered(p, lv, ks[lv]) for p in test) for lv in lv3}
        boot = sum(covered(p, 0.9, ks[0.9], True) for p in test)
        naive = sum(naive_covered(p, 0.9) for p in test)
        w = [half_width(p, 0.9, ks[0.9]) for p in test]
        nw = [naive_half(p, 0.9) for p in test]
        for lv in lv3:
            tot[lv] += cov[lv]
        tot_b += boot
        tot_n += naive
        widths += w
        nwidths += nw
        m = len(test)
        print("| %s | %d | %.4f | %d/%d | %d/%d | %d/%d | %.2f%% | %d/%d | %d/%d | %.2f%% |" % (
            g, m, ks[0.9], cov[0.8], m, cov[0.9], m, cov[0.95], m, 100 * sum(w) / m, boot, m,
            naive, m, 100 * sum(nw) / m))
    n = len(pts)
    print("| **all** | %d | | %.1f%% | %.1f%% | %.1f%% | %.2f%% | %.1f%% | %.1f%% | %.2f%% |" % (
        n, 100 * tot[0.8] / n, 100 * tot[0.9] / n, 100 * tot[0.95] / n,
        100 * sum(widths) / n, 100 * tot_b / n, 100 * tot_n / n, 100 * sum(nwidths) / n))


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def same_points(a, b):
    if len(a) != len(b):
        return False
    for p, q in zip(a, b):
        if p[:3] != q[:3]:
            return False
        for x, y in zip(p[3:], q[3:]):
            if abs(x - y) > 1e-6 * max(abs(x), abs(y), 1e-3):
                return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scalefit", default=os.path.join(ROOT, "build", "scalefit"))
    ap.add_argument("--shared", default=os.environ.get("SCALEFIT_SHARED",
                                                       os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--collect", action="store_true")
    ap.add_argument("--only", action="append", help="collect only this family (repeatable)")
    ap.add_argument("--lofo", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    if args.collect:
        new = collect(args)
        if args.check:
            old = [p for p in read_points(POINTS) if not args.only or p[0] in args.only]
            if not same_points([p[:3] + [float(x) for x in p[3:]] for p in new], old):
                print("data/extrap_points.csv differs from what the data give", file=sys.stderr)
                return 1
        elif not args.only:
            write(POINTS, points_text(new))
        else:
            print("--only without --check: not writing a partial points file", file=sys.stderr)
            return 2
    pts = read_points(POINTS)
    if args.check:
        bad = [p for p, t in ((TABLE, table_text(pts)), (CFILE, c_text(pts)))
               if open(p).read() != t]
        for p in bad:
            print("%s differs from what %s gives" % (os.path.relpath(p, ROOT),
                                                     os.path.relpath(POINTS, ROOT)),
                  file=sys.stderr)
        return 1 if bad else 0
    write(TABLE, table_text(pts))
    write(CFILE, c_text(pts))
    if args.lofo:
        lofo(pts)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""scalefit benchmarks against the SciPy reference, measured in one run.

Run through `make bench`.  Every speed figure is a ratio against the SciPy
reference (tests/ref/chinchilla_ref.py) timed on this machine in the same
run, never an absolute number compared with a constant.  Sections:

  fit      Epoch's 240 rows: SciPy L-BFGS-B with analytic gradients over
           Hoffmann et al.'s 4500 starts (default tolerances, as notebooks
           run it) against scalefit's default search and --grid full.
           Targets: default >= 200x faster, full >= 10x, objective no worse.
  search   the default search against --grid full on every data set here:
           the default must never return a worse optimum.
  bootstrap  Epoch's 240 rows, 4000 resamples (seed 42), each refitted with
           the default global search, all cores: time against SciPy's
           L-BFGS-B over the 4500-start grid on one resample (timed here,
           times 4000), which must also find resample 0's optimum; the SEs
           against Besiroglu et al.'s.  Target: under 30 s.  --warm-start
           timed beside it.

Usage: bench.py [--bench-fit build/bench_fit] [--bench-boot build/bench_boot]
                [--python /usr/bin/python3] [--shared ../shared]
                [--only fit,search,bootstrap]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def bench_fit(args, data, *extra, repeat=5):
    cmd = [args.bench_fit, data, "--repeat", str(repeat)] + list(extra)
    return run_json(cmd)


class Report:
    def __init__(self):
        self.failed = []

    def check(self, ok, what):
        print(("  PASS  " if ok else "  FAIL  ") + what)
        if not ok:
            self.failed.append(what)


def section_fit(args, rep):
    data = os.path.join(args.shared, "data/chinchilla_epoch/svg_extracted_data.csv")
    print("fit: Epoch's 240 rows (loss < 3.44), Huber delta 1e-3, 4500-start grid")
    ref = run_json([args.python, os.path.join(ROOT, "tests/ref/chinchilla_ref.py"), data,
                    "--max-loss", "3.44", "--grid", "full", "--no-polish"])
    t_ref = ref["seconds"]
    default = bench_fit(args, data, "--filter", "loss<3.44", repeat=21)
    default1 = bench_fit(args, data, "--filter", "loss<3.44", "--threads", "1", repeat=21)
    full = bench_fit(args, data, "--filter", "loss<3.44", "--grid", "full", repeat=3)
    full1 = bench_fit(args, data, "--filter", "loss<3.44", "--grid", "full", "--threads", "1",
                      repeat=1)
    rows = [
        ("SciPy L-BFGS-B, 4500 starts", t_ref, ref["grid_objective"], 4500),
        ("scalefit default (all cores)", default["seconds_median"], default["objective"],
         default["starts"]),
        ("scalefit default (1 thread)", default1["seconds_median"], default1["objective"],
         default1["starts"]),
        ("scalefit --grid full (all cores)", full["seconds_median"], full["objective"],
         full["starts"]),
        ("scalefit --grid full (1 thread)", full1["seconds_median"], full1["objective"],
         full1["starts"]),
    ]
    print("  %-34s %12s %9s %22s %7s" % ("method", "seconds", "speed-up", "objective", "starts"))
    for name, t, obj, starts in rows:
        print("  %-34s %12.5f %8.0fx %22.17g %7d" % (name, t, t_ref / t, obj, starts))
    rep.check(t_ref / default["seconds_median"] >= 200,
              "default search >= 200x faster than SciPy's full grid (%.0fx)"
              % (t_ref / default["seconds_median"]))
    rep.check(t_ref / full["seconds_median"] >= 10,
              "--grid full >= 10x faster than SciPy's full grid (%.1fx)"
              % (t_ref / full["seconds_median"]))
    rep.check(default["objective"] <= ref["grid_objective"] * (1 + 1e-12),
              "default objective %.17g <= SciPy's %.17g" % (default["objective"],
                                                             ref["grid_objective"]))
    rep.check(full["objective"] <= ref["grid_objective"] * (1 + 1e-12),
              "full-grid objective %.17g <= SciPy's %.17g" % (full["objective"],
                                                               ref["grid_objective"]))
    rep.check(default["objective"] <= 0.00101827401781,
              "objective <= 0.00101827401781 (the issue's tight optimum)")


def datasets(args):
    s = lambda p: os.path.join(args.shared, "data", p)
    epoch = s("chinchilla_epoch/svg_extracted_data.csv")
    return [
        ("Epoch, 240 rows", epoch, ["--filter", "loss<3.44"]),
        ("Epoch, 245 rows", epoch, []),
        ("datablations fit182 (N, D)", s("datablations_muennighoff/fit182_c4_final_losses.csv"),
         ["--col", "loss=val_loss"]),
        ("datablations, all 296 parsed", s("datablations_muennighoff/all_parsed_c4_final_losses.csv"),
         ["--col", "loss=val_loss"]),
        ("Gadre et al. over-training, C4 runs",
         s("hitchhiker_colpret/raw_data/overtrain/overtrain_downstreams.csv"),
         ["--col", "loss=loss_c4_val", "--filter", "dataset_name==c4_original"]),
        ("GPT-3 curves, validation loss, D >= 1e10",
         s("hitchhiker_colpret/derived_learning_curves_long.csv"),
         ["--filter", "family==gpt3", "--filter", "metric==val_loss", "--filter", "D>=1e10",
          "--col", "N=num_params", "--col", "D=tokens_seen", "--col", "loss=value"]),
    ]


def section_search(args, rep):
    print("search: default search against --grid full (4500 starts) on every data set")
    print("  %-42s %6s %22s %22s %9s" % ("data", "rows", "default objective",
                                          "full-grid objective", "speed-up"))
    for name, path, extra in datasets(args):
        if not os.path.exists(path):
            rep.check(False, "%s: %s missing" % (name, path))
            continue
        d = bench_fit(args, path, *extra, repeat=3)
        f = bench_fit(args, path, *extra, "--grid", "full", repeat=1)
        print("  %-42s %6d %22.17g %22.17g %8.0fx" % (name, d["n_points"], d["objective"],
              f["objective"], f["seconds_median"] / d["seconds_median"]))
        rep.check(d["objective"] <= f["objective"] * (1 + 1e-9),
                  "%s: default no worse than the full grid" % name)


def section_bootstrap(args, rep):
    data = os.path.join(args.shared, "data/chinchilla_epoch/svg_extracted_data.csv")
    k = 4000
    print("bootstrap: Epoch's 240 rows (loss < 3.44), %d resamples of rows, seed 42" % k)
    tmp = tempfile.mkdtemp(prefix="scalefit-bench-")
    try:
        resample0 = os.path.join(tmp, "resample0.csv")
        boot = run_json([args.bench_boot, data, "--filter", "loss<3.44", "--resamples", str(k),
                         "--seed", "42", "--dump-resample", "0", resample0])
        warm = run_json([args.bench_boot, data, "--filter", "loss<3.44", "--resamples", str(k),
                         "--seed", "42", "--warm"])
        # SciPy on the same resample 0 (rows repeated as drawn), Hoffmann
        # et al.'s 4500 starts at default tolerances, then polished.
        ref = run_json([args.python, os.path.join(ROOT, "tests/ref/chinchilla_ref.py"),
                        resample0, "--grid", "full"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t_ref = ref["seconds"] * k
    print("  %-44s %12s %10s" % ("method", "seconds", "speed-up"))
    print("  %-44s %12.1f %9.0fx" % ("SciPy L-BFGS-B, 4500 starts x %d (1 timed)" % k, t_ref, 1))
    print("  %-44s %12.2f %9.0fx" % ("scalefit --bootstrap %d (all cores)" % k, boot["seconds"],
                                     t_ref / boot["seconds"]))
    print("  %-44s %12.2f %9.0fx" % ("scalefit --bootstrap %d --warm-start" % k, warm["seconds"],
                                     t_ref / warm["seconds"]))
    besiroglu = {"E": 0.02566, "A": 124.52232, "B": 1293.28410, "alpha": 0.01540,
                 "beta": 0.02060, "a": 0.020}
    print("  %-8s %12s %12s %12s %9s" % ("SE", "scalefit", "warm start", "Besiroglu", "ratio"))
    for name, ref_se in besiroglu.items():
        print("  %-8s %12.5g %12.5g %12.5g %9.3f" % (name, boot["se"][name], warm["se"][name],
                                                     ref_se, boot["se"][name] / ref_se))
    rep.check(boot["seconds"] < 30, "%d resamples in under 30 s (%.1f s)" % (k, boot["seconds"]))
    rep.check(boot["failed"] == 0, "every resample refitted")
    rep.check(all(abs(boot["se"][n] / v - 1) <= 0.2 for n, v in besiroglu.items()),
              "SEs within 20% of Besiroglu et al.'s")
    draw0 = dict(zip(["E", "A", "B", "alpha", "beta"], boot["draws"][0]))
    worst = max(abs(draw0[n] / ref["params"][n] - 1) for n in draw0)
    rep.check(worst <= 1e-3, "resample 0: the same optimum as SciPy's full grid (max relative "
              "difference %.2g)" % worst)
    print("  speed-up over SciPy: %.0fx (SciPy %.1f s per resample)" % (t_ref / boot["seconds"],
                                                                      ref["seconds"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench-fit", default=os.path.join(ROOT, "build/bench_fit"))
    ap.add_argument("--bench-boot", default=os.path.join(ROOT, "build/bench_boot"))
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--shared", default=os.environ.get("SCALEFIT_SHARED",
                                                       os.path.join(ROOT, "../shared")))
    ap.add_argument("--only", default="fit,search,bootstrap")
    args = ap.parse_args()
    rep = Report()
    sections = {"fit": section_fit, "search": section_search, "bootstrap": section_bootstrap}
    for name in args.only.split(","):
        sections[name](args, rep)
        print()
    print("%d checks failed" % len(rep.failed) if rep.failed else "all benchmark checks passed")
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The scaling section of `make bench` (issue 22), imported by bench.py.

Two parts:

  threads  each parallel command at 1, 2 and all threads (wall time, median
           of a few runs, and CPU time): fit (default search, 3,000 rows),
           fit --grid full (240 rows), fit --bootstrap 200 (240 rows),
           bayes on 10,000 rows (--burn 200 --steps 800), validate --sweep
           (6 runs x 200 steps), isoflop and envelope with 2000 bootstrap
           resamples, and the library fit of 1e6 rows (bench_scale).
           Targets: no command slower with more threads than with one (10%
           allowance for timer noise); the JSON the same bytes for every
           thread count.
  rows     the library fit of 1e4, 1e5, 1e6 and 1e7 generated rows
           (bench_scale: the data are made in memory, no CSV reading),
           all threads, each size in its own process for its peak RSS.
           The floor: one plain-C Huber objective-and-gradient pass over
           the rows, its CPU time measured in the same process; "evals" is
           the fit's CPU time (all threads) in units of that pass, a figure
           a busy machine does not move.  Wall and CPU times both shown.  At 1e6 rows the full search on the whole
           table runs too and must give the same objective (1e-10).
           Targets: 1e6 rows <= 3 s, 1e7 rows <= 30 s (wall, and CPU for a
           shared machine) with peak RSS <= 2x
           the data set's arrays (N, D, C, loss and line numbers, as the CSV
           reader holds them).

The data are simulated from Besiroglu et al.'s (2024) Chinchilla fit with
multiplicative noise exp(0.02 z), seeded.
"""
import json
import math
import os
import random
import subprocess
import tempfile

from timing import timed


def curves(path, runs, steps, seed=1):
    rnd = random.Random(seed)
    with open(path, "w") as f:
        f.write("run,N,D,loss\n")
        for r in range(runs):
            N = 1e7 * 100.0 ** (r / (runs - 1))
            for s in range(steps):
                D = 2e8 * 100.0 ** ((s + 1) / steps)
                L = (1.8172 + 482.01 / N ** 0.3478 + 2085.43 / D ** 0.3658) * \
                    math.exp(0.02 * rnd.gauss(0, 1))
                f.write("r%d,%.9g,%.9g,%.9g\n" % (r, N, D, L))
    return path


def isoflop_sweep(args, tmp):
    plan = os.path.join(tmp, "plan.csv")
    subprocess.run([args.scalefit, "plan", "--law", "examples/hoffmann2022.json", "--compute",
                    "6e18,1e19,3e19,6e19,1e20,3e20,6e20,1e21,3e21", "--models", "9", "-o", plan],
                   check=True, capture_output=True, cwd=os.path.dirname(os.path.dirname(
                       os.path.abspath(__file__))))
    rnd = random.Random(5)
    path = os.path.join(tmp, "isoflop.csv")
    with open(plan) as f, open(path, "w") as g:
        head = f.readline().strip().split(",")
        iN, iD = head.index("N"), head.index("D")
        g.write("N,D,C,loss\n")
        for line in f:
            c = line.strip().split(",")
            N, D = float(c[iN]), float(c[iD])
            L = (1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28) * math.exp(0.01 * rnd.gauss(0, 1))
            g.write("%.9g,%.9g,%.9g,%.9g\n" % (N, D, 6 * N * D, L))
    return path


def thread_counts():
    n = os.cpu_count() or 1
    return sorted({1, 2, n})


def section_threads(args, rep):
    print("scaling/threads: each parallel command at %s threads (load average %.1f)"
          % (", ".join(map(str, thread_counts())), os.getloadavg()[0]))
    tmp = tempfile.mkdtemp(prefix="sf_scaling_")
    c3k = curves(os.path.join(tmp, "c3k.csv"), 30, 100)
    c240 = curves(os.path.join(tmp, "c240.csv"), 12, 20, seed=2)
    c10k = curves(os.path.join(tmp, "c10k.csv"), 20, 500, seed=3)
    ladder = curves(os.path.join(tmp, "ladder.csv"), 6, 200, seed=4)
    env = curves(os.path.join(tmp, "env.csv"), 8, 100, seed=6)
    iso = isoflop_sweep(args, tmp)
    sf = args.scalefit
    cmds = [
        ("fit, 3000 rows", [sf, "fit", c3k, "--json"], 3),
        ("fit --grid full, 240 rows", [sf, "fit", c240, "--grid", "full", "--json"], 1),
        ("fit --bootstrap 200, 240 rows", [sf, "fit", c240, "--bootstrap", "200", "--json"], 1),
        ("bayes, 10,000 rows", [sf, "bayes", c10k, "--burn", "200", "--steps", "800",
                                "--json"], 1),
        ("validate --sweep, 1200 rows", [sf, "validate", ladder, "--sweep", "--json"], 1),
        ("isoflop --bootstrap 2000", [sf, "isoflop", iso, "--bootstrap", "2000", "--json"], 3),
        ("envelope --bootstrap 2000", [sf, "envelope", env, "--bootstrap", "2000", "--json"], 3),
        ("library fit, 1e6 rows", [args.bench_scale, "--rows", "1e6"], 1),
    ]
    print("  %-32s %s" % ("command", "  ".join("%8s" % ("T=%d" % t) for t in thread_counts())))
    for name, cmd, repeat in cmds:
        walls, outs = [], []
        for t in thread_counts():
            w, c, out = timed(cmd + ["--threads", str(t)], repeat)
            walls.append((w, c))
            outs.append(out)
        print("  %-32s %s   (CPU s: %s)" % (
            name, "  ".join("%7.2fs" % w for w, _ in walls),
            " ".join("%.2f" % c for _, c in walls)))
        if cmd[0] != args.bench_scale:
            rep.check(all(o == outs[0] for o in outs), "%s: same JSON at every thread count"
                      % name)
        else:
            objs = [json.loads(o)["objective"] for o in outs]
            rep.check(all(o == objs[0] for o in objs), "%s: same objective at every thread count"
                      % name)
        rep.check(all(w <= 1.10 * walls[0][0] for w, _ in walls[1:]),
                  "%s: no slower with more threads (%s)" % (
                      name, " / ".join("%.2f" % w for w, _ in walls)))


def section_rows(args, rep):
    print("scaling/rows: library fit of generated rows, all threads (load average %.1f)"
          % os.getloadavg()[0])
    print("  %10s %9s %9s %9s %8s %10s %12s %8s" % ("rows", "wall", "CPU", "floor", "evals",
                                                     "arrays MB", "peak RSS MB", "RSS/arr"))
    for n in (1e4, 1e5, 1e6, 1e7):
        cmd = [args.bench_scale, "--rows", "%g" % n]
        if n == 1e6:
            cmd.append("--full")
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        ratio = r["peak_rss_bytes"] / r["array_bytes"]
        print("  %10.0e %8.2fs %8.2fs %6.1f ns %8.1f %10.1f %12.0f %8.2f" % (
            n, r["seconds"], r["cpu_seconds"], r["floor_ns_per_row"], r["full_evals"],
            r["array_bytes"] / 1e6, r["peak_rss_bytes"] / 1e6, ratio))
        if n == 1e6:
            print("  %10s full search on all rows: %.2f s, objective %.17g (relative difference"
                  " %.2g)" % ("", r["full_seconds"], r["full_objective"], r["rel_diff"]))
            rep.check(r["rel_diff"] <= 1e-10, "1e6 rows: the same optimum as the full search "
                      "(relative difference %.2g <= 1e-10)" % r["rel_diff"])
            rep.check(r["seconds"] <= 3.0, "1e6 rows in <= 3 s wall (%.2f s)" % r["seconds"])
            rep.check(r["cpu_seconds"] <= 3.0, "1e6 rows in <= 3 s of CPU, all threads (%.2f s, "
                      "%.0f floor evaluations)" % (r["cpu_seconds"], r["full_evals"]))
        if n == 1e7:
            rep.check(r["seconds"] <= 30.0, "1e7 rows in <= 30 s wall (%.1f s)" % r["seconds"])
            rep.check(r["cpu_seconds"] <= 30.0, "1e7 rows in <= 30 s of CPU (%.1f s)"
                      % r["cpu_seconds"])
            rep.check(ratio <= 2.0, "1e7 rows: peak RSS <= 2x the arrays (%.2fx)" % ratio)


def section_scaling(args, rep):
    section_rows(args, rep)
    print()
    section_threads(args, rep)

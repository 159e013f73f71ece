/* Learning curves under a learning-rate schedule (issue 16): schedules,
 * the curve laws' features and gradients, fits (against the SciPy
 * reference tests/ref/curves_ref.py), forecast and watch. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "base/base.h"
#include "curve/curve_impl.h"

extern char **environ;

#define RUN(...) run_cli(NULL, (const char *const[]){__VA_ARGS__, NULL})
#define COS "cosine:peak=3e-4,warmup=100,steps=3000,final=3e-5"

static sf_schedule *sched(const char *spec)
{
    sf_schedule *s = NULL;
    sf_error err;
    cr_assert_eq(sf_schedule_parse(spec, &s, &err), SF_OK, "%s", err.message);
    return s;
}

Test(curves, schedule_shapes)
{
    sf_schedule *c = sched(COS);
    cr_assert_eq(sf_schedule_steps(c), 3000);
    cr_assert_float_eq(sf_schedule_lr(c, 50), 1.5e-4, 1e-18);
    cr_assert_float_eq(sf_schedule_lr(c, 100), 3e-4, 1e-18);
    cr_assert_float_eq(sf_schedule_lr(c, 1550), 0.5 * (3e-4 + 3e-5), 1e-15); /* mid-decay */
    cr_assert_float_eq(sf_schedule_lr(c, 3000), 3e-5, 1e-18);
    cr_assert_eq(sf_schedule_peak_step(c), 99); /* 99% of the peak */
    sf_schedule_free(c);
    sf_schedule *w = sched("wsd:peak=1e-3,warmup=10,steps=1000,decay=0.1");
    cr_assert_float_eq(sf_schedule_lr(w, 900), 1e-3, 1e-18);
    cr_assert_float_eq(sf_schedule_lr(w, 950), 5e-4, 1e-15);
    cr_assert_float_eq(sf_schedule_lr(w, 1000), 0, 1e-18);
    sf_schedule_free(w);
    sf_schedule *k = sched("constant:peak=2.385e-4,steps=50");
    cr_assert_float_eq(sf_schedule_lr(k, 25), 2.385e-4, 1e-18);
    sf_schedule_free(k);
    const char *bad[] = {"cosine", "cosine:peak=1e-3", "linear:peak=1,steps=2",
                         "cosine:peak=1e-3,steps=10,warmup=20", "wsd:peak=x,steps=10",
                         "constant:peak=1,steps=5,speed=2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sf_schedule *s = NULL;
        sf_error err;
        cr_assert_eq(sf_schedule_parse(bad[i], &s, &err), SF_EPARSE, "%s", bad[i]);
        cr_assert_null(s);
        cr_assert(strstr(err.message, "schedule"), "%s", err.message);
    }
}

Test(curves, schedule_from_points_interpolates)
{
    const double st[] = {10, 20, 40}, lr[] = {1e-3, 2e-3, 1e-3};
    sf_schedule *s = NULL;
    sf_error err;
    cr_assert_eq(sf_schedule_from_points(st, lr, 3, 50, &s, &err), SF_OK);
    cr_assert_eq(sf_schedule_steps(s), 50);
    cr_assert_float_eq(sf_schedule_lr(s, 0), 0, 1e-18);   /* warm-up from 0 */
    cr_assert_float_eq(sf_schedule_lr(s, 5), 5e-4, 1e-18);
    cr_assert_float_eq(sf_schedule_lr(s, 30), 1.5e-3, 1e-18);
    cr_assert_float_eq(sf_schedule_lr(s, 45), 1e-3, 1e-18); /* held after */
    sf_schedule_free(s);
    const double st2[] = {10, 10};
    cr_assert_eq(sf_schedule_from_points(st2, lr, 2, 0, &s, &err), SF_EINVAL);
}

/* S1 and S2 of Tissue et al. eq. 1 by a direct loop over the steps. */
Test(curves, features_match_definition)
{
    sf_schedule *s = sched("wsd:peak=1e-3,warmup=20,steps=400,decay=150,final=1e-4");
    const double step[] = {30, 250, 300, 399, 400};
    const double loss[] = {3, 3, 3, 3, 3};
    sf_curve_run run = {s, 5, step, loss};
    sf_curve_options o;
    sf_curve_options_init(&o);
    o.lambda = 0.99;
    cfeat f;
    cr_assert_eq(cfeat_build(&f, &run, 1, &o, 0, 1, NULL), SF_OK);
    size_t peak = sf_schedule_peak_step(s);
    for (size_t i = 0; i < 5; i++) {
        double a = 0, b = 0, m = 0;
        for (size_t t = 1; t <= (size_t)step[i]; t++) {
            double e = sf_schedule_lr(s, (double)t), e0 = sf_schedule_lr(s, (double)t - 1);
            a += e;
            m = t > peak ? 0.99 * m + (e0 - e) : 0;
            b += m;
        }
        cr_assert_float_eq(f.S1[i], a, 1e-12 * a);
        cr_assert_float_eq(f.S2[i], b, 1e-12 + 1e-12 * b);
    }
    cr_assert_eq(f.S2[0], 0.0);
    cr_assert(f.S2[4] > 0.0);
    cfeat_free(&f);
    sf_schedule_free(s);
}

/* Gradients of every curve law against central differences in log p. */
Test(curves, gradients_match_finite_differences)
{
    sf_schedule *s = sched(COS);
    double step[12], loss[12];
    for (int i = 0; i < 12; i++) {
        step[i] = 200 + 230 * i;
        loss[i] = 3.0;
    }
    sf_curve_run run = {s, 12, step, loss};
    sf_curve_options o;
    sf_curve_options_init(&o);
    cfeat f;
    cr_assert_eq(cfeat_build(&f, &run, 1, &o, 0, 1, NULL), SF_OK);
    const curve_law *laws[] = {&sf_curve_steps, &sf_curve_anneal, &sf_curve_multipower};
    const double P[3][7] = {{2.385, 4.1, 0.45},
                            {2.385, 0.71, 0.38, 0.9},
                            {2.385, 0.71, 0.38, 2.2, 1.7, 0.55, 0.45}};
    for (size_t l = 0; l < 3; l++) {
        const curve_law *law = laws[l];
        for (size_t i = 0; i < f.n; i++) {
            double g[CURVE_MAX_P], p[CURVE_MAX_P];
            law->eval(P[l], &f, i, g);
            for (size_t j = 0; j < law->np; j++) {
                const double h = 1e-6;
                memcpy(p, P[l], law->np * sizeof *p);
                p[j] = P[l][j] * exp(h);
                double up = law->eval(p, &f, i, NULL);
                p[j] = P[l][j] * exp(-h);
                double dn = law->eval(p, &f, i, NULL);
                double fd = (up - dn) / (2 * h);
                cr_assert(fabs(fd - g[j]) <= 1e-7 * (1 + fabs(g[j])),
                          "%s d/dlog %s row %zu: %g vs %g", law->name, law->pn[j], i, g[j], fd);
            }
        }
    }
    cfeat_free(&f);
    sf_schedule_free(s);
}

/* Losses made by "anneal" on a cosine and a WSD run: a joint fit finds
 * them again, and the reported objective is the one recomputed. */
Test(curves, fit_recovers_synthetic_runs)
{
    sf_schedule *s[2] = {sched(COS), sched("wsd:peak=3e-4,warmup=100,steps=3000")};
    const double truth[4] = {2.385, 0.9, 0.42, 1.3};
    double step[2][40], loss[2][40];
    sf_curve_run runs[2];
    sf_curve_options o;
    sf_curve_options_init(&o);
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 40; i++) step[r][i] = 75.0 * (i + 1);
        sf_curve_run q = {s[r], 40, step[r], NULL};
        cfeat f;
        cr_assert_eq(cfeat_build(&f, &q, 1, &o, 0, 0, NULL), SF_OK);
        for (int i = 0; i < 40; i++) loss[r][i] = sf_curve_anneal.eval(truth, &f, (size_t)i, NULL);
        cfeat_free(&f);
        runs[r] = (sf_curve_run){s[r], 40, step[r], loss[r]};
    }
    sf_curve_fit *fit = NULL;
    sf_error err;
    cr_assert_eq(sf_curve_fit_run("anneal", runs, 2, &o, &fit, &err), SF_OK, "%s", err.message);
    const double *p = sf_curve_fit_params(fit);
    for (int j = 0; j < 4; j++)
        cr_assert_float_eq(p[j], truth[j], 1e-5 * truth[j], "param %d: %g", j, p[j]);
    cr_assert(sf_curve_fit_objective(fit) < 1e-20);
    cr_assert_float_eq(sf_curve_objective("anneal", p, runs, 2, &o),
                       sf_curve_fit_objective(fit), 1e-25);
    sf_curve_fit_free(fit);
    cr_assert_eq(sf_curve_fit_run("nope", runs, 2, &o, &fit, &err), SF_EINVAL);
    sf_schedule_free(s[0]);
    sf_schedule_free(s[1]);
}

/* One ladder run read as the reference reads it. */
typedef struct ladder_run {
    size_t n;
    double step[400], lr[400], loss[400];
} ladder_run;

static void read_ladder(const char *path, ladder_run *r)
{
    sf_table *t = NULL;
    sf_error err;
    cr_assert_eq(sf_table_read(path, &t, &err), SF_OK, "%s", err.message);
    long cs = sf_table_find(t, "_step"), cl = sf_table_find(t, "optim/learning_rate_group0");
    long cy = sf_table_find(t, "eval/c4_en-validation/CrossEntropyLoss");
    cr_assert(cs >= 0 && cl >= 0 && cy >= 0);
    r->n = sf_table_rows(t);
    cr_assert(r->n <= 400);
    for (size_t i = 0; i < r->n; i++) {
        cr_assert_eq(sf_parse_double(sf_table_cell(t, i, (size_t)cs), &r->step[i]), SF_OK);
        cr_assert_eq(sf_parse_double(sf_table_cell(t, i, (size_t)cl), &r->lr[i]), SF_OK);
        cr_assert_eq(sf_parse_double(sf_table_cell(t, i, (size_t)cy), &r->loss[i]), SF_OK);
    }
    sf_table_free(t);
}

/* A number after "key": in the reference's one-line JSON. */
static double json_num(const char *js, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *at = strstr(js, pat);
    cr_assert(at, "no %s in %s", key, js);
    return strtod(at + strlen(pat), NULL);
}

/* The SciPy reference (tests/ref/curves_ref.py) on the OLMo ladder's
 * 1B-5xC run (../shared/data/olmo_ladder, 154 checkpoints after the
 * warm-up cut): the same objective, the same predicted curve. */
Test(curves, anneal_matches_scipy_reference, .timeout = 120)
{
    const char *path = shared_file("olmo_ladder/1B-5xC.csv");
    if (system("/usr/bin/python3 -c 'import scipy' 2>/dev/null") != 0)
        cr_skip_test("python3-scipy is not installed");
    char cmd[1024];
    const char *out = tmp_file("curves_ref.json");
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/ref/curves_ref.py '%s' > '%s'", path, out);
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
    char *js = read_text(out);
    ladder_run lr;
    read_ladder(path, &lr);
    sf_schedule *s = NULL;
    sf_error err;
    cr_assert_eq(sf_schedule_from_points(lr.step, lr.lr, lr.n, 0, &s, &err), SF_OK);
    sf_curve_run run = {s, lr.n, lr.step, lr.loss};
    sf_curve_fit *fit = NULL;
    cr_assert_eq(sf_curve_fit_run("anneal", &run, 1, NULL, &fit, &err), SF_OK, "%s",
                 err.message);
    cr_assert_eq(sf_curve_fit_n_points(fit), (size_t)json_num(js, "n"));
    double fo = sf_curve_fit_objective(fit), ro = json_num(js, "objective");
    /* Both at a tight optimum: objectives agree to 1e-9 relative (the
     * objective is flat to second order there), scalefit's no worse. */
    cr_assert(fo <= ro * (1 + 1e-9), "scalefit %.17g, scipy %.17g", fo, ro);
    cr_assert(fabs(fo - ro) <= 1e-9 * ro, "scalefit %.17g, scipy %.17g", fo, ro);
    /* Predictions: the curvature bounds their difference by about
     * sqrt(2 |df| / lambda_min) x |grad|; 1e-5 relative is far above that
     * and far below the checkpoints' scatter (5e-4). */
    double pred[400];
    cr_assert_eq(sf_curve_predict(fit, s, lr.step, lr.n, pred, NULL, NULL, &err), SF_OK);
    const char *pa = strstr(js, "\"pred\": [");
    cr_assert(pa);
    pa += strlen("\"pred\": [");
    for (size_t i = 0; i < lr.n; i++) {
        char *end;
        double rv = strtod(pa, &end);
        pa = end + 1;
        cr_assert(fabs(pred[i] - rv) <= 1e-5 * rv, "step %g: %.10g vs %.10g", lr.step[i],
                  pred[i], rv);
    }
    free(js);
    sf_curve_fit_free(fit);
    sf_schedule_free(s);
}

/* A synthetic log: cosine run of 3000 steps, losses from "anneal" up to
 * step `upto`, then (when future) empty losses every 300 steps. */
static void write_log(const char *path, int upto, int future, double bump, const char *mode)
{
    sf_schedule *s = sched(COS);
    const double truth[4] = {2.385, 0.9, 0.42, 1.3};
    FILE *f = fopen(path, mode);
    cr_assert(f);
    if (mode[0] == 'w') fprintf(f, "step,lr,loss\n");
    int from = mode[0] == 'w' ? 1 : upto / 60 - 9;
    for (int i = from; i * 60 <= upto; i++) {
        double t = 60.0 * i;
        sf_curve_run q = {s, 1, &t, NULL};
        sf_curve_options o;
        sf_curve_options_init(&o);
        cfeat fe;
        cr_assert_eq(cfeat_build(&fe, &q, 1, &o, 0, 0, NULL), SF_OK);
        double L = sf_curve_anneal.eval(truth, &fe, 0, NULL) * (1 + bump * (t > 1500));
        L *= 1 + 2e-4 * ((i * 7919) % 13 - 6) / 6.0; /* deterministic scatter */
        cfeat_free(&fe);
        fprintf(f, "%g,%.17g,%.17g\n", t, sf_schedule_lr(s, t), L);
    }
    for (int t = 300 * (upto / 300 + 1); future && t <= 3000; t += 300)
        fprintf(f, "%d,%.17g,\n", t, sf_schedule_lr(s, t));
    fclose(f);
    sf_schedule_free(s);
}

/* `scalefit laws` lists the curve laws of forecast after the point laws,
 * each with its formula and parameters (the names of sf_curve_law_*). */
Test(curves_cli, laws_lists_the_curve_laws)
{
    cli_run r = run_cli(NULL, (const char *[]){"laws", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *curve = strstr(r.out, "Curve laws");
    cr_assert(curve, "no curve-law section in:\n%s", r.out);
    cr_assert(strstr(r.out, "chinchilla") < curve, "point laws come first");
    for (size_t i = 0; i < sf_curve_law_count(); i++) {
        const char *name = sf_curve_law_name_at(i);
        cr_assert(strstr(curve, name), "curve law %s not listed", name);
        cr_assert(strstr(curve, sf_curve_law_formula(name)), "formula of %s not listed", name);
    }
    cli_run_free(&r);
}

Test(curves_cli, forecast_json_rows_and_intervals)
{
    const char *path = tmp_file("curve_log.csv");
    write_log(path, 1200, 1, 0, "w");
    cli_run r = RUN("forecast", path, "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "{\"law\": \"anneal\", \"params\": {\"L0\": "), "%s", r.out);
    int rows = 0;
    for (const char *p = strstr(r.out, "\"rows\""); (p = strstr(p + 1, "\"step\""));) rows++;
    cr_assert_eq(rows, 6, "%s", r.out); /* 1500, 1800, ..., 3000 */
    double loss = json_num(strstr(r.out, "\"step\": 3000"), "loss");
    double lo = json_num(strstr(r.out, "\"step\": 3000"), "lo");
    double hi = json_num(strstr(r.out, "\"step\": 3000"), "hi");
    cr_assert(lo < loss && loss < hi, "%g %g %g", lo, loss, hi);
    cli_run_free(&r);
    r = RUN("forecast", path, "--compare-schedules",
            "cosine:peak=3e-4,warmup=100,steps=3000,final=3e-5,wsd:peak=3e-4,warmup=100,"
            "steps=3000,decay=0.2");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "schedules:\ncosine:peak=3e-4,warmup=100,steps=3000,final=3e-5\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, "\nwsd:peak=3e-4,warmup=100,steps=3000,decay=0.2\n"), "%s", r.out);
    cli_run_free(&r);
    r = RUN("forecast", path, "--schedule", COS, "--points", "3", "--law", "steps");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "        3000  "), "%s", r.out);
    cli_run_free(&r);
}

Test(curves_cli, forecast_errors)
{
    const char *path = tmp_file("curve_bad.csv");
    write_text(path, "step,lr,loss\n100,1e-3,3.1\n200,1e-3,abc\n");
    cli_run r = RUN("forecast", path);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "curve_bad.csv:3:3: loss: 'abc' is not a finite number > 0"), "%s",
              r.err);
    cli_run_free(&r);
    write_text(path, "step,lr,loss\n100,1e-3,3.1\n200,1e-3,3.0\n");
    r = RUN("forecast", path);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "no steps to forecast"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("forecast", path, "--law", "chinchilla");
    cr_assert_eq(r.status, 2);
    cli_run_free(&r);
    write_text(path, "step,loss\n100,3.1\n200,3.0\n300,\n");
    r = RUN("forecast", path);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert(strstr(r.err, "checkpoints"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("forecast", path, "--schedule", "cosine:peak=1");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "needs peak=LR > 0 and steps=T"), "%s", r.err);
    cli_run_free(&r);
}

/* Read one line from fd within `ms` milliseconds (NULL on timeout/EOF). */
static char *read_line(int fd, int ms)
{
    static char buf[4096];
    size_t n = 0;
    while (n + 1 < sizeof buf) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, ms) <= 0) return NULL;
        ssize_t k = read(fd, buf + n, 1);
        if (k <= 0) return NULL;
        if (buf[n++] == '\n') break;
    }
    buf[n] = '\0';
    return buf;
}

/* watch follows a file a job appends to: the forecast changes when new
 * checkpoints arrive; SIGINT ends it with status 130. */
Test(curves_cli, watch_sees_appended_checkpoints, .timeout = 120)
{
    const char *path = tmp_file("curve_watch.csv");
    write_log(path, 1200, 0, 0, "w");
    const char *bin = getenv("SCALEFIT_BIN");
    if (!bin || !*bin) bin = "build/scalefit";
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_addopen(&fa, 2, tmp_file("watch.err"), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    const char *args[] = {bin, "watch", path, "--interval", "0.05", "--schedule", COS, NULL};
    char *const *argv;
    const char **ap = args;
    memcpy(&argv, &ap, sizeof argv); /* posix_spawn does not modify argv */
    pid_t pid;
    cr_assert_eq(posix_spawnp(&pid, bin, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    char first[4096];
    char *l = read_line(fd[0], 60000);
    cr_assert(l && strstr(l, "step 1200 (20 checkpoints): final loss "), "%s", l ? l : "(none)");
    snprintf(first, sizeof first, "%s", l);
    /* The job appends ten checkpoints whose losses sit 1% higher. */
    write_log(path, 1800, 0, 0.01, "a");
    l = read_line(fd[0], 60000);
    cr_assert(l && strstr(l, "step 1800 (30 checkpoints): final loss "), "%s", l ? l : "(none)");
    cr_assert(strstr(l, "since last checkpoint)"), "%s", l);
    cr_assert(strcmp(strstr(first, "final loss"), strstr(l, "final loss")) != 0);
    double before = strtod(strstr(first, "final loss ") + 11, NULL);
    double after = strtod(strstr(l, "final loss ") + 11, NULL);
    cr_assert(after > before, "%g -> %g", before, after);
    kill(pid, SIGINT);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    close(fd[0]);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 130);
    char *err = read_text(tmp_file("watch.err"));
    cr_assert(err && strstr(err, "scalefit watch: interrupted\n"), "%s", err ? err : "");
    free(err);
    cli_run r = RUN("watch", path, "--once", "--schedule", COS, "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "{\"step\": 1800, \"checkpoints\": 30, \"final_step\": 3000"),
              "%s", r.out);
    cr_assert_eq(count_lines(r.out), 1);
    cli_run_free(&r);
}

/* The correction turns a long cosine run's checkpoint at step 1500 into
 * the loss of a cosine run of 1500 steps (same warm-up, peak and final LR):
 * both runs' losses come from the "anneal" law, so the corrected value
 * must be the short run's final loss (C large enough that annealing pays,
 * as on real runs). */
Test(curves, correction_matches_a_shorter_run)
{
    const double truth[4] = {2.385, 0.9, 0.42, 5.0};
    sf_schedule *lng = sched("cosine:peak=3e-4,warmup=100,steps=3000,final=3e-5");
    sf_schedule *sht = sched("cosine:peak=3e-4,warmup=100,steps=1500,final=3e-5");
    const sf_schedule *ss[2] = {lng, sht};
    size_t n = 0;
    int run[200];
    double N[200], step[200], lr[200], loss[200];
    sf_curve_options o;
    sf_curve_options_init(&o);
    for (int r = 0; r < 2; r++) {
        double T = (double)sf_schedule_steps(ss[r]);
        for (double t = 30; t <= T; t += 30) {
            sf_curve_run q = {ss[r], 1, &t, NULL};
            cfeat fe;
            cr_assert_eq(cfeat_build(&fe, &q, 1, &o, 0, 0, NULL), SF_OK);
            loss[n] = sf_curve_anneal.eval(truth, &fe, 0, NULL);
            cfeat_free(&fe);
            run[n] = r;
            N[n] = 2.385e8;
            step[n] = t;
            lr[n] = sf_schedule_lr(ss[r], t);
            n++;
        }
    }
    double before[200], shortfinal = loss[n - 1];
    memcpy(before, loss, sizeof before);
    size_t changed = 0;
    sf_error err;
    cr_assert_eq(sf_curve_correct(n, run, N, step, lr, loss, &o, &changed, &err), SF_OK, "%s",
                 err.message);
    cr_assert(changed > 50);
    size_t at = 1500 / 30 - 1; /* row of the long run at step 1500 */
    cr_assert_float_eq(step[at], 1500, 0);
    cr_assert(before[at] > shortfinal + 1e-3, "the unannealed checkpoint sits higher: %g %g %g", before[at], shortfinal, loss[at]);
    /* Not exact: both schedules are read back from the LR every 30 steps,
     * interpolated, and the warm-up ends at the 99%-of-peak step. */
    cr_assert(fabs(loss[at] - shortfinal) <= 1e-3 * shortfinal, "%.8g vs %.8g", loss[at],
              shortfinal);
    cr_assert_eq(loss[99], before[99]); /* the long run's last checkpoint: unchanged */
    cr_assert_eq(loss[0], before[0]);   /* before the warm-up cut: unchanged */
    sf_schedule_free(lng);
    sf_schedule_free(sht);
}

/* validate and fit: no lr column, no change (byte-identical with
 * --no-schedule); with one, the corrected checkpoints are named, and
 * --compare lists both. */
Test(curves_cli, validate_schedule_correction)
{
    sf_schedule *s[3] = {sched("cosine:peak=1e-3,warmup=50,steps=2000"),
                         sched("cosine:peak=8e-4,warmup=50,steps=2000"),
                         sched("cosine:peak=6e-4,warmup=50,steps=2000")};
    const double Ns[3] = {1e8, 2.385e8, 6e8};
    sf_buf with = {0}, without = {0};
    cr_assert_eq(sf_buf_printf(&with, "run,N,D,step,lr,loss\n"), 0);
    cr_assert_eq(sf_buf_printf(&without, "run,N,D,step,loss\n"), 0);
    for (int r = 0; r < 3; r++) {
        for (double t = 40; t <= 2000; t += 40) {
            double p[4] = {1.8 + 40 / pow(Ns[r], 0.25), 0.9, 0.42, 1.3};
            sf_curve_run q = {s[r], 1, &t, NULL};
            sf_curve_options o;
            sf_curve_options_init(&o);
            cfeat fe;
            cr_assert_eq(cfeat_build(&fe, &q, 1, &o, 0, 0, NULL), SF_OK);
            double L = sf_curve_anneal.eval(p, &fe, 0, NULL);
            cfeat_free(&fe);
            sf_buf_printf(&with, "r%d,%g,%g,%g,%.17g,%.17g\n", r, Ns[r], t * 1e6, t,
                          sf_schedule_lr(s[r], t), L);
            sf_buf_printf(&without, "r%d,%g,%g,%g,%.17g\n", r, Ns[r], t * 1e6, t, L);
        }
        sf_schedule_free(s[r]);
    }
    const char *pw = tmp_file("sched_with.csv"), *po = tmp_file("sched_without.csv");
    write_text(pw, with.data);
    write_text(po, without.data);
    sf_buf_free(&with);
    sf_buf_free(&without);
    cli_run a = RUN("validate", po, "--law", "power", "--x", "D");
    cli_run b = RUN("validate", po, "--law", "power", "--x", "D", "--no-schedule");
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_str_eq(a.out, b.out);
    cr_assert_null(strstr(a.out, "schedule"));
    cli_run_free(&a);
    cli_run_free(&b);
    a = RUN("validate", pw, "--compare");
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert(strstr(a.out, "checkpoints corrected to the loss their run would reach"), "%s",
              a.out);
    cr_assert(strstr(a.out, "corrected\n") && strstr(a.out, "as logged\n"), "%s", a.out);
    cli_run_free(&a);
    a = RUN("fit", pw, "--json");
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert(strstr(a.err, "scalefit: note: "), "%s", a.err);
    cli_run_free(&a);
    a = RUN("fit", pw, "--json", "--no-schedule");
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_null(strstr(a.err, "note"), "%s", a.err);
    cli_run_free(&a);
}

/* The library's table-level correction (issue 21): the lr and step
 * columns matched to the (filtered) data by source line, the runs by N,
 * and the same numbers as sf_curve_correct on those arrays; an lr column
 * without a step column corrects nothing; a bad lr cell names its place. */
static sf_data *table_data(const char *csv, const char *filter, sf_table **t)
{
    sf_error err;
    sf_error_clear(&err);
    cr_assert_eq(sf_table_read_buffer(csv, strlen(csv), "sched.csv", t, &err), SF_OK, "%s",
                 err.message);
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    if (filter) o.filters[o.n_filters++] = filter;
    sf_data *d = NULL;
    cr_assert_eq(sf_data_from_table(*t, &o, &d, &err), SF_OK, "%s", err.message);
    return d;
}

Test(curves, correct_table_is_sf_curve_correct)
{
    sf_schedule *s[2] = {sched("cosine:peak=1e-3,warmup=50,steps=2000"),
                         sched("cosine:peak=6e-4,warmup=50,steps=2000")};
    const double Ns[2] = {1e8, 6e8};
    sf_buf csv = {0};
    cr_assert_eq(sf_buf_printf(&csv, "N,D,step,lr,loss\n"), 0);
    int run[100];
    double N[100], step[100], lr[100], loss[100];
    size_t n = 0;
    for (int r = 0; r < 2; r++) {
        for (double t = 40; t <= 2000; t += 40) {
            double L = 1.8 + 40 / pow(Ns[r], 0.25) + 3 / sqrt(t) + 20 * sf_schedule_lr(s[r], t);
            sf_buf_printf(&csv, "%g,%g,%g,%.17g,%.17g\n", Ns[r], t * 1e6, t,
                          sf_schedule_lr(s[r], t), L);
            if (t < 200) continue; /* the filter below drops these rows */
            run[n] = r;
            N[n] = Ns[r];
            step[n] = t;
            lr[n] = sf_schedule_lr(s[r], t);
            loss[n] = L; /* %.17g reads back exactly */
            n++;
        }
        sf_schedule_free(s[r]);
    }
    sf_table *t = NULL;
    sf_data *d = table_data(csv.data, "step>=200", &t);
    cr_assert_eq(d->n, n);
    size_t want_n = 0, got_n = 0;
    sf_error err;
    sf_error_clear(&err);
    cr_assert_eq(sf_curve_correct(n, run, N, step, lr, loss, NULL, &want_n, &err), SF_OK);
    const char *lc = NULL, *sc = NULL;
    cr_assert_eq(sf_curve_correct_table(t, d, &lc, &sc, &got_n, &err), SF_OK, "%s",
                 err.message);
    cr_assert_str_eq(lc, "lr");
    cr_assert_str_eq(sc, "step");
    cr_assert(want_n >= 40 && got_n == want_n, "%zu %zu", got_n, want_n);
    for (size_t i = 0; i < n; i++) cr_assert_eq(d->loss[i], loss[i], "row %zu", i);
    sf_data_free(d);
    sf_table_free(t);
    /* lr without step: nothing corrected. */
    d = table_data("N,D,lr,loss\n1e8,1e9,1e-3,3.1\n1e8,2e9,5e-4,3.0\n", NULL, &t);
    cr_assert_eq(sf_curve_correct_table(t, d, &lc, &sc, &got_n, &err), SF_OK);
    cr_assert_str_eq(lc, "lr");
    cr_assert_null(sc);
    cr_assert_eq(got_n, 0);
    cr_assert_eq(d->loss[1], 3.0);
    sf_data_free(d);
    sf_table_free(t);
    /* A bad lr cell: file, line and column. */
    d = table_data("N,D,step,lr,loss\n1e8,1e9,10,1e-3,3.1\n1e8,2e9,20,-1,3.0\n", NULL, &t);
    cr_assert_eq(sf_curve_correct_table(t, d, NULL, NULL, NULL, &err), SF_EPARSE);
    cr_assert_str_eq(err.file, "sched.csv");
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.column, 4);
    sf_data_free(d);
    sf_table_free(t);
    sf_buf_free(&csv);
}

/* What a forecast chart needs, from the library (the chart itself is for
 * the render layer): observed points as given, forecast with its band
 * around it, the schedule sampled over the whole run. */
Test(curves, plot_data)
{
    sf_schedule *s = sched(COS);
    const double truth[4] = {2.385, 0.9, 0.42, 1.3};
    double step[30], loss[30];
    sf_curve_options o;
    sf_curve_options_init(&o);
    for (int i = 0; i < 30; i++) {
        step[i] = 50.0 * (i + 1);
        sf_curve_run q = {s, 1, &step[i], NULL};
        cfeat fe;
        cr_assert_eq(cfeat_build(&fe, &q, 1, &o, 0, 0, NULL), SF_OK);
        loss[i] = sf_curve_anneal.eval(truth, &fe, 0, NULL) * (1 + 1e-3 * ((i % 3) - 1));
        cfeat_free(&fe);
    }
    sf_curve_run run = {s, 30, step, loss};
    sf_curve_fit *fit = NULL;
    sf_error err;
    cr_assert_eq(sf_curve_fit_run("anneal", &run, 1, &o, &fit, &err), SF_OK, "%s", err.message);
    const double fc[3] = {2000, 2500, 3000};
    sf_curve_plot pd;
    cr_assert_eq(sf_curve_plot_data(fit, &run, fc, 3, &pd, &err), SF_OK, "%s", err.message);
    cr_assert_eq(pd.n_obs, 30);
    cr_assert_eq(pd.obs_loss[7], loss[7]);
    cr_assert_eq(pd.n_fc, 3);
    for (size_t k = 0; k < 3; k++)
        cr_assert(pd.fc_lo[k] < pd.fc_loss[k] && pd.fc_loss[k] < pd.fc_hi[k]);
    cr_assert_eq(pd.n_lr, 512);
    cr_assert_float_eq(pd.lr_step[511], 3000, 1e-9);
    cr_assert_float_eq(pd.lr[511], 3e-5, 1e-18);
    sf_curve_plot_free(&pd);
    sf_curve_plot_free(NULL);
    sf_curve_fit_free(fit);
    sf_schedule_free(s);
}

/* watch on a directory: each CSV one run, the finished run fitted with
 * the one that has steps to forecast. */
Test(curves_cli, watch_directory_once)
{
    const char *dir = tmp_file("watchdir");
    cr_assert(mkdir(dir, 0700) == 0 || errno == EEXIST);
    char a[1024], b[1024];
    snprintf(a, sizeof a, "%s/finished.csv", dir);
    snprintf(b, sizeof b, "%s/running.csv", dir);
    write_log(a, 3000, 0, 0, "w");
    write_log(b, 1200, 1, 0, "w");
    cli_run r = RUN("watch", dir, "--once");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "step 1200 (20 checkpoints): final loss "), "%s", r.out);
    cr_assert(strstr(r.out, " at step 3000\n"), "%s", r.out);
    cli_run_free(&r);
    r = RUN("watch", tmp_file("no-such-dir"), "--once");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "no CSV file to read"), "%s", r.err);
    cli_run_free(&r);
}

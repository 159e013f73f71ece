/* Task laws: the step-2 sigmoid against an independent SciPy reference,
 * the chance-level diagnosis, the task table reader's errors, the CLI and
 * the OLMo ladder (docs/tasks.md). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* n points of acc = b + a / (1 + exp(k (L - L0))) + sd * noise, L evenly
 * over [L_lo, L_hi]. */
static void make_sigmoid(size_t n, double a, double b, double k, double L0, double L_lo,
                         double L_hi, double sd, unsigned long long seed, double *L, double *acc)
{
    for (size_t i = 0; i < n; i++) {
        L[i] = L_lo + (L_hi - L_lo) * (double)i / (double)(n - 1);
        acc[i] = b + a / (1.0 + exp(k * (L[i] - L0))) + sd * lcg_normal(&seed);
    }
}

/* Compare scalefit's sigmoid with tests/ref/task_ref.py on the same points.
 * What the data determine is the residual sum of squares S and the fitted
 * values; near a least-squares optimum S(x) = S* + |yhat(x) - yhat*|^2 to
 * second order (Gauss-Newton), so two fits whose S differ by dS have
 * fitted values within sqrt(dS) of each other point by point, and each
 * lies within sqrt(its own excess) of the optimum.  The tolerance is that
 * bound with both excesses allowed 1e-9 S: it holds on any machine where
 * both optimisers converge, whatever flat direction they stop along. */
static void compare_with_scipy(size_t n, const double *L, const double *acc, double chance)
{
    const char *csv = tmp_file("sigmoid.csv");
    FILE *f = fopen(csv, "w");
    cr_assert(f);
    fprintf(f, "L,acc\n");
    for (size_t i = 0; i < n; i++) fprintf(f, "%.17g,%.17g\n", L[i], acc[i]);
    fclose(f);
    char cmd[512];
    if (isfinite(chance)) snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/ref/task_ref.py %s %.17g", csv, chance);
    else snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/ref/task_ref.py %s", csv);
    FILE *p = popen(cmd, "r");
    cr_assert(p, "cannot run %s", cmd);
    double S_ref, *yref = malloc(n * sizeof *yref);
    cr_assert(fscanf(p, "%lf", &S_ref) == 1, "no output from %s", cmd);
    for (size_t i = 0; i < n; i++) cr_assert(fscanf(p, "%lf", &yref[i]) == 1);
    cr_assert(pclose(p) == 0, "%s failed", cmd);

    sf_sigmoid s;
    sf_sigmoid_data d = {n, L, acc, NULL};
    cr_assert(sf_sigmoid_fit(&d, chance, NULL, &s) == SF_OK);
    double S = 0.0;
    for (size_t i = 0; i < n; i++) S += pow(acc[i] - sf_sigmoid_eval(&s, L[i]), 2);
    assert_rel(s.sse, S, 1e-12, "reported SSE equals SSE recomputed at the parameters");
    cr_assert(S <= S_ref * (1.0 + 1e-9), "scalefit SSE %.17g worse than SciPy's %.17g", S, S_ref);
    double tol = sqrt(fabs(S - S_ref) + 2e-9 * S_ref) + 1e-12;
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs(sf_sigmoid_eval(&s, L[i]) - yref[i]) <= tol,
                  "fitted accuracy at L=%g: %.12g vs SciPy %.12g (tolerance %g)", L[i],
                  sf_sigmoid_eval(&s, L[i]), yref[i], tol);
    cr_assert(s.a >= 0.0 && s.b >= 0.0 && s.a + s.b <= 1.0 + 1e-12);
    if (isfinite(chance)) cr_assert(s.b == chance);
    free(yref);
}

Test(sigmoid, agrees_with_scipy_floor_fitted)
{
    enum { n = 240 };
    double L[n], acc[n];
    make_sigmoid(n, 0.55, 0.26, 5.0, 1.2, 0.55, 2.2, 0.012, 11, L, acc);
    compare_with_scipy(n, L, acc, NAN);
}

Test(sigmoid, agrees_with_scipy_floor_at_chance)
{
    enum { n = 200 };
    double L[n], acc[n];
    make_sigmoid(n, 0.6, 0.2, 4.0, 1.4, 0.7, 2.4, 0.01, 12, L, acc);
    compare_with_scipy(n, L, acc, 0.2);
}

Test(sigmoid, agrees_with_scipy_top_bound_active)
{
    /* truth reaches 1 at low loss: the fit presses on a + b <= 1 */
    enum { n = 200 };
    double L[n], acc[n];
    make_sigmoid(n, 0.75, 0.25, 3.0, 0.9, 0.3, 2.0, 0.01, 13, L, acc);
    compare_with_scipy(n, L, acc, NAN);
}

/* A bootstrap draw refits a resample (weights) with two Gauss-Newton
 * steps from the whole table's optimum (a k-step bootstrap): its sum of
 * squares must be that of the resample's own optimum to well below the
 * spread of the draws (here 1e-6 relative). */
Test(sigmoid, two_step_refit_of_a_resample_reaches_its_optimum)
{
    enum { n = 300 };
    double L[n], acc[n], w[n];
    make_sigmoid(n, 0.5, 0.25, 6.0, 1.1, 0.6, 2.0, 0.01, 14, L, acc);
    unsigned long long seed = 3;
    for (size_t i = 0; i < n; i++) w[i] = (double)((unsigned)(10.0 * fabs(lcg_normal(&seed))) % 3);
    sf_sigmoid whole, cold, warm;
    cr_assert(sf_sigmoid_fit(&(sf_sigmoid_data){n, L, acc, NULL}, NAN, NULL, &whole) == SF_OK);
    sf_sigmoid_data rs = {n, L, acc, w};
    cr_assert(sf_sigmoid_fit(&rs, NAN, NULL, &cold) == SF_OK);
    double start[2] = {whole.k, whole.L0};
    cr_assert(sf_sigmoid_fit(&rs, NAN, start, &warm) == SF_OK);
    cr_assert(fabs(warm.k - whole.k) > 1e-6 * whole.k, "the resample did not move the optimum");
    assert_rel(warm.sse, cold.sse, 1e-6, "two-step refit's SSE against the resample's optimum");
}

Test(sigmoid, refuses_too_few_or_constant_losses)
{
    double L[5] = {1, 1, 1, 1, 1}, acc[5] = {0.3, 0.31, 0.29, 0.3, 0.32};
    sf_sigmoid s;
    cr_assert(sf_sigmoid_fit(&(sf_sigmoid_data){3, L, acc, NULL}, NAN, NULL, &s) == SF_ENODATA);
    cr_assert(sf_sigmoid_fit(&(sf_sigmoid_data){5, L, acc, NULL}, NAN, NULL, &s) == SF_EUNIDENTIFIABLE);
}

Test(task, chance_level_task_is_diagnosed_not_fitted)
{
    const char *data = task_ladder_csv("ladder.csv");
    const char *out = tmp_file("tasks.json");
    cli_run r = run_cli(NULL, (const char *[]){"task", "fit", data, "--col", "group=run",
                                               "--draws", "20", "--threads", "1", "-o", out,
                                               NULL});
    cr_assert_eq(r.status, 0, "task fit failed: %s", r.err);
    cr_assert(strstr(r.err, "task 'flat': no signal"), "no diagnosis on stderr: %s", r.err);
    cr_assert(!strstr(r.err, "'signal': no signal"), "signal task diagnosed: %s", r.err);
    char *json = read_text(out);
    cr_assert(json && strstr(json, "\"no_signal\""));
    cr_assert(!strstr(json, "nan") && !strstr(json, "NaN"));
    free(json);
    cli_run_free(&r);
    r = run_cli(NULL, (const char *[]){"task", "predict", out, "--params", "5e9", "--tokens",
                                       "1e11", "--json", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "task 'flat'") && strstr(r.err, "no prediction"), "%s", r.err);
    cr_assert(strstr(r.out, "\"task\":\"flat\",\"N\":5000000000,\"D\":100000000000,\"C\":3e+21,"
                            "\"loss\":null"), "%s", r.out);
    cli_run_free(&r);
}

Test(task, recovers_the_synthetic_ladder_and_round_trips)
{
    const char *data = task_ladder_csv("ladder.csv");
    const char *out = tmp_file("tasks2.json");
    cli_run r = run_cli(NULL, (const char *[]){"task", "fit", data, "--col", "group=run",
                                               "--draws", "40", "--threads", "2", "-o", out,
                                               "--filter", "task==signal", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    /* the truth at a 5e9-parameter model, 1e11 tokens (outside the ladder) */
    double N = 5e9, D = 1e11;
    double Lt = 0.5 + 300.0 / pow(N, 0.3) + 400.0 / pow(D, 0.28);
    double At = 0.25 + 0.6 / (1.0 + exp(5.0 * (Lt - 1.3)));
    sf_task_fit *f = NULL;
    sf_error err;
    cr_assert(sf_task_fit_json_read(out, &f, &err) == SF_OK, "%s", err.message);
    sf_task_prediction p;
    cr_assert(sf_task_predict(f, 0, N, D, 0.95, &p, &err) == SF_OK);
    cr_assert(fabs(p.acc - At) < 0.02, "two-step acc %g, truth %g", p.acc, At);
    cr_assert(p.acc_lo <= At && At <= p.acc_hi, "truth %g outside [%g, %g]", At, p.acc_lo, p.acc_hi);
    cr_assert(fabs(p.loss - Lt) < 0.02 * Lt, "task loss %g, truth %g", p.loss, Lt);
    sf_task_fit_free(f);
    /* the same draws for any thread count */
    const char *out1 = tmp_file("tasks1.json");
    r = run_cli(NULL, (const char *[]){"task", "fit", data, "--col", "group=run", "--draws", "40",
                                       "--threads", "1", "-o", out1, "--filter", "task==signal",
                                       NULL});
    cr_assert_eq(r.status, 0);
    cli_run_free(&r);
    char *a = read_text(out), *b = read_text(out1);
    cr_assert(a && b && strcmp(a, b) == 0, "task fit JSON differs between 1 and 2 threads");
    free(a);
    free(b);
}

Test(task, bad_input_names_file_line_and_column)
{
    const char *path = tmp_file("bad.csv");
    write_text(path, "run,N,D,task,loss,acc\nr1,1e8,2e9,x,1.5,0.3\nr1,1e8,4e9,x,1.4,1.7\n");
    cli_run r = run_cli(NULL, (const char *[]){"task", "fit", path, NULL});
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "bad.csv:3:6:") && strstr(r.err, "accuracy '1.7'"), "%s", r.err);
    cli_run_free(&r);
    write_text(path, "run,N,D,task,loss\nr1,1e8,2e9,x,1.5\n");
    r = run_cli(NULL, (const char *[]){"task", "fit", path, NULL});
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "no column 'acc'") && strstr(r.err, "--col acc=NAME"), "%s", r.err);
    cli_run_free(&r);
    r = run_cli(NULL, (const char *[]){"task", "frobnicate", path, NULL});
    cr_assert_eq(r.status, 2);
    cli_run_free(&r);
    r = run_cli(NULL, (const char *[]){"task", "predict", path, "--params", "1e9", "--tokens",
                                       "1e10", NULL});
    cr_assert_eq(r.status, 1, "a CSV is not a task fit: %s", r.err);
    cli_run_free(&r);
    /* Where to predict is refused where nothing would use it, not ignored. */
    r = run_cli(NULL, (const char *[]){"task", "fit", path, "--compute", "1e22", NULL});
    cr_assert_eq(r.status, 2, "task fit --compute without --report: %s", r.err);
    cr_assert(strstr(r.err, "task predict"), "%s", r.err);
    cli_run_free(&r);
    r = run_cli(NULL, (const char *[]){"task", "validate", path, "--params", "1e9", NULL});
    cr_assert_eq(r.status, 2, "task validate --params: %s", r.err);
    cli_run_free(&r);
}

/* The OLMo ladder (Bhagia et al. 2024; ../shared/data/olmo_ladder): fit
 * 190M-1B, predict the 3B runs' last checkpoints.  The paper's own two-step
 * predictions of its 7B and 13B targets miss by 0.4-11 points (mean about 4
 * over the 8 tasks); a 3x extrapolation in N inside the ladder should do
 * at least as well: both methods under 3 points on average, measured
 * 1.66 (two-step) and 1.65 (direct) points (docs/tasks.md). */
Test(task, olmo_ladder_predicts_3b_within_the_papers_error, .timeout = 600)
{
    skip_under_valgrind("20 refits of 8 tasks, covered natively");
    const char *dir = shared_file("olmo_ladder/1B-5xC.csv");
    char folder[512];
    snprintf(folder, sizeof folder, "%s", dir);
    *strrchr(folder, '/') = '\0';
    const char *csv = tmp_file("olmo_tasks.csv");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 scripts/olmo_ladder_tasks.py '%s' > '%s'", folder, csv);
    cr_assert(system(cmd) == 0, "%s failed", cmd);
    cli_run r = run_cli(NULL, (const char *[]){"task", "validate", csv, "--col", "group=run",
                                               "--draws", "20", "--json", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *m2 = strstr(r.out, "\"mae_two_step\":"), *md = strstr(r.out, "\"mae_direct\":");
    /* the overall means are the last two keys */
    const char *last2 = m2, *lastd = md;
    while ((m2 = strstr(m2 + 1, "\"mae_two_step\":"))) last2 = m2;
    while ((md = strstr(md + 1, "\"mae_direct\":"))) lastd = md;
    double e2 = atof(last2 + 15), ed = atof(lastd + 13);
    cr_assert(e2 > 0.0 && e2 < 3.0, "two-step mean absolute error %g points", e2);
    cr_assert(ed > 0.0 && ed < 3.0, "direct mean absolute error %g points", ed);
    cli_run_free(&r);
}

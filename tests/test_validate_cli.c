/* `scalefit validate` as a user runs it: a ladder file with no flags, the
 * modes (--loo, --sweep, --compare, --borrow), help and misuse, errors,
 * determinism, real checkpoint tables and the SciPy reference. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define RUN(...) run_cli(NULL, (const char *const[]){__VA_ARGS__, NULL})
#define LONG "hitchhiker_colpret/derived_learning_curves_long.csv"

/* A model ladder in the long format the issue names (run id, N, D, loss):
 * five sizes 2e7..3.2e8 at 20 tokens per parameter with 25 checkpoints
 * each, step 0 (D = 0, loss ln 50257) included, and a 2.5e9 target; the
 * losses are Besiroglu et al.'s Chinchilla law times a deterministic
 * +-0.4% wiggle. */
static const char *ladder_file(void)
{
    const char *path = tmp_file("ladder.csv");
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "run_id,N,D,loss\n");
    const double sizes[6] = {2e7, 4e7, 8e7, 1.6e8, 3.2e8, 2.5e9};
    for (int k = 0; k < 6; k++) {
        double N = sizes[k], DT = 20 * N;
        fprintf(f, "r%d,%.17g,0,10.825\n", k, N);
        for (int i = 1; i <= 25; i++) {
            double D = DT * i / 25;
            double L = 1.8172 + 482.01 / pow(N, 0.3478) + 2085.43 / pow(D, 0.3658);
            fprintf(f, "r%d,%.17g,%.17g,%.17g\n", k, N, D, L * (1 + 0.004 * sin(1.7 * i + k)));
        }
    }
    fclose(f);
    return path;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    cr_assert(cJSON_IsNumber(v), "no number '%s'", k);
    return v->valuedouble;
}

/* The contract: a ladder file in long format, no flags. */
Test(validate_cli, ladder_with_no_flags)
{
    const char *path = ladder_file();
    cli_run r = RUN("validate", path);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "target:     N = 2.5e+09: 8 rows of 1 run"), "%s", r.out);
    cr_assert(strstr(r.out, "fitted on:  90 rows of 5 runs, 5 model sizes"), "%s", r.out);
    cr_assert(strstr(r.out, "ARE:        "), "%s", r.out);
    cr_assert(strstr(r.out, "columns:    N='N' D='D' C=6ND loss='loss' group='run_id'"), "%s",
              r.out);
    cli_run_free(&r);

    r = RUN("validate", path, "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    cr_assert(js, "%s", r.out);
    double are = num(js, "are");
    cr_assert(are > 0 && are < 0.02, "ARE %g is a fraction, and small on near-exact data", are);
    cr_assert(num(js, "max_re") >= are);
    cr_assert_eq(num(js, "target"), 2.5e9);
    cr_assert_eq(num(cJSON_GetObjectItem(js, "data"), "rows"), 150, "the 6 step-0 rows skipped");
    cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(js, "targets"), 0);
    cr_assert_eq(num(cJSON_GetObjectItem(t, "rows_used"), "train"), 90);
    cr_assert(cJSON_IsObject(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "fit"), "params")));
    cJSON_Delete(js);
    cli_run_free(&r);
}

Test(validate_cli, help_and_misuse)
{
    cli_run r = RUN("validate", "--help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "Usage: scalefit validate DATA.csv"));
    cr_assert(strstr(r.out, "--min-tokens T") && strstr(r.out, "--cut-cap F") &&
              strstr(r.out, "--borrow FIT.json:NAME") && strstr(r.out, "--law NAME"));
    cr_assert_str_eq(r.err, "");
    cli_run_free(&r);
    r = RUN("--help");
    cr_assert(strstr(r.out, "  validate  "));
    cli_run_free(&r);

    const char *path = ladder_file();
    const char *const bad[][5] = {
        {"validate", NULL},
        {"validate", path, "--target", "huge"},
        {"validate", path, "--target", "N=-3"},
        {"validate", path, "--train-fraction", "0"},
        {"validate", path, "--target-from", "1.5"},
        {"validate", path, "--min-tokens", "-1"},
        {"validate", path, "--weight", "all"},
        {"validate", path, "--models", "0"},
        {"validate", path, "--borrow", "fit.json"},
        {"validate", path, "--sweep-models", "1.5"},
        {"validate", path, "--csv", "x.csv"},
        {"validate", path, "--nope", "1"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        cli_run m = run_cli(NULL, bad[k]);
        cr_assert_eq(m.status, 2, "case %zu: status %d, %s", k, m.status, m.err);
        cr_assert(strstr(m.err, "Usage: scalefit validate"), "case %zu: %s", k, m.err);
        cr_assert_str_eq(m.out, "");
        cli_run_free(&m);
    }
    r = RUN("validate", path, "--sweep", "--loo");
    cr_assert_eq(r.status, 2);
    cli_run_free(&r);
    r = RUN("validate", path, "--compare", "--borrow", "a.json:A");
    cr_assert_eq(r.status, 2);
    cli_run_free(&r);
}

Test(validate_cli, errors_name_the_file)
{
    cli_run r = RUN("validate", "/nonexistent/runs.csv");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "scalefit: error: /nonexistent/runs.csv"), "%s", r.err);
    cli_run_free(&r);

    const char *one = tmp_file("one_size.csv");
    write_text(one, "run,N,D,loss\na,1e8,1e9,3.2\na,1e8,2e9,3.1\na,1e8,4e9,3.0\n");
    r = RUN("validate", one);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "one_size.csv: every row has N = 1e+08: validation needs runs of two "
                            "or more model sizes"), "%s", r.err);
    cli_run_free(&r);

    const char *bad = tmp_file("bad_loss.csv");
    write_text(bad, "run,N,D,loss\na,1e8,1e9,3.2\nb,2e8,1e9,x\n");
    r = RUN("validate", bad);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "bad_loss.csv:3:4: column 'loss': 'x' is not a number"), "%s", r.err);
    cli_run_free(&r);

    const char *path = ladder_file();
    r = RUN("validate", path, "--target", "N=1e9");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "no model of size N = 1e+09"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("validate", path, "--borrow", "/nonexistent/fit.json:A");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "/nonexistent/fit.json: cannot open"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("validate", path, "--borrow", "examples/besiroglu2024.json:A,gamma");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "has no parameter 'gamma'"), "%s", r.err);
    cli_run_free(&r);
}

Test(validate_cli, loo_sweep_compare_and_borrow)
{
    const char *path = ladder_file();
    cli_run r = RUN("validate", path, "--loo");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "target N"), "%s", r.out);
    cr_assert(strstr(r.out, "\n         8e+07      2") && strstr(r.out, "\n       2.5e+09      5") &&
              strstr(r.out, "          mean "), "%s", r.out);
    cli_run_free(&r);

    const char *csv = tmp_file("sweep.csv");
    r = RUN("validate", path, "--sweep", "--sweep-models", "1,3,5", "--sweep-fractions", "0.5,1",
            "--sweep-min-tokens", "0,1e10", "--csv", csv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "sweep: ARE predicting N = 2.5e+09"), "%s", r.out);
    cr_assert(strstr(r.out, "min tokens 1e+10 (capped at 0.3 of each run)"), "%s", r.out);
    char *text = read_text(csv);
    cr_assert(text);
    /* 3 model counts x 2 fractions x 2 cuts, and the header. */
    cr_assert_eq(count_lines(text), 13, "%s", text);
    cr_assert(strstr(text, "\n1,0.5,0,") && strstr(text, "\n5,1,10000000000,"), "%s", text);
    free(text);
    cli_run_free(&r);
    r = RUN("validate", path, "--sweep", "--sweep-models", "2,5", "--sweep-fractions", "1",
            "--sweep-min-tokens", "1e10", "--json", "--csv", "-");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strncmp(r.out, "n_models,train_fraction", 23) == 0, "CSV first: %s", r.out);
    cJSON *js = cJSON_Parse(strchr(r.out, '{'));
    cr_assert(js, "%s", r.out);
    cJSON *cells = cJSON_GetObjectItem(cJSON_GetObjectItem(js, "sweep"), "cells");
    cr_assert_eq(cJSON_GetArraySize(cells), 2);
    cr_assert_eq(num(cJSON_GetArrayItem(cells, 1), "n_models"), 5);
    cr_assert_eq(num(cJSON_GetObjectItem(js, "options"), "max_per_run"), 256,
                 "a sweep subsamples to 256 rows per run");
    cJSON_Delete(js);
    cli_run_free(&r);

    r = RUN("validate", path, "--compare");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "  chinchilla "), "%s", r.out);
    cli_run_free(&r);
    r = RUN("validate", path, "--compare", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    js = cJSON_Parse(r.out);
    /* Every catalogue law whose columns the ladder has (N, D, loss: not U). */
    int applicable = 0;
    for (size_t k = 0; k < sf_law_count(); k++) {
        sf_law *law;
        sf_error err;
        cr_assert_eq(sf_law_new(sf_law_name_at(k), NULL, &law, &err), SF_OK);
        unsigned have = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D) | SF_ROLE_BIT(SF_ROLE_C) |
                        SF_ROLE_BIT(SF_ROLE_LOSS);
        applicable += (sf_law_roles(law) & ~have) == 0;
        sf_law_free(law);
    }
    cr_assert(applicable >= 1);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(js, "compare")), applicable);
    cr_assert_str_eq(cJSON_GetObjectItem(js, "best")->valuestring, "chinchilla");
    cJSON_Delete(js);
    cli_run_free(&r);

    /* One model, A and alpha borrowed from Besiroglu et al.'s fit. */
    r = RUN("validate", path, "--models", "1", "--borrow", "examples/besiroglu2024.json:A,alpha",
            "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    js = cJSON_Parse(r.out);
    cJSON *fit = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(js, "targets"), 0), "fit");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(fit, "fixed")), 2);
    cr_assert_eq(num(cJSON_GetObjectItem(fit, "params"), "alpha"), 0.3478);
    cr_assert_eq(num(cJSON_GetArrayItem(cJSON_GetObjectItem(js, "targets"), 0), "n_sizes"), 1);
    cJSON_Delete(js);
    cli_run_free(&r);
    r = RUN("validate", path, "--models", "1");
    cr_assert_eq(r.status, 1, "one model and nothing borrowed");
    cli_run_free(&r);
}

Test(validate_cli, same_json_for_any_thread_count)
{
    const char *path = ladder_file();
    cli_run a = RUN("validate", path, "--loo", "--json", "--threads", "1", "--seed", "7");
    cli_run b = RUN("validate", path, "--loo", "--json", "--threads", "2", "--seed", "7");
    cr_assert_eq(a.status, 0);
    cr_assert_str_eq(a.out, b.out);
    cr_assert(strstr(a.out, "\"seed\":\t\"7\""));
    cli_run_free(&a);
    cli_run_free(&b);
}

/* OPT's curves give perplexity: log() turns them into a loss in nats. */
Test(validate_cli, real_checkpoint_tables)
{
    cli_run r = RUN("validate", shared_file(LONG), "--filter", "family==opt", "--col",
                    "loss=log(value)", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    cr_assert_eq(num(js, "target"), 1.75e11);
    cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(js, "targets"), 0);
    /* SOURCE.md: 6 OPT sizes, 125m..175b; OPT-175b has 30 rows, the last
     * at 2.8e11 tokens: 10 of them at or after 0.7 x 2.8e11. */
    cr_assert_eq(num(t, "n_sizes"), 5);
    cr_assert_eq(num(cJSON_GetObjectItem(t, "rows_used"), "target"), 10);
    cr_assert(num(js, "are") < 0.05, "ARE %g", num(js, "are"));
    cJSON_Delete(js);
    cli_run_free(&r);
}

/* The independent SciPy reference (tests/ref/validate_ref.py) selects,
 * weights, fits and scores the same protocol: GPT-3 validation loss,
 * fitted on the three sizes below 175B. */
Test(validate_cli, agrees_with_the_scipy_reference, .timeout = 300)
{
    skip_under_valgrind("a 2557-row fit on the code paths real_checkpoint_tables covers");
    const char *data = shared_file(LONG);
    const char *ci = getenv("CI");
    if (access("/usr/bin/python3", X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import scipy' 2>/dev/null") != 0) {
        if (ci && strcmp(ci, "true") == 0) cr_assert_fail("python3-scipy is missing");
        cr_skip_test("python3-scipy not installed: skipping the SciPy cross-check");
    }
    char cmd[2048];
    const char *out = tmp_file("validate_ref.json");
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 tests/ref/validate_ref.py '%s' --run model --N num_params "
             "--D tokens_seen --loss value --where family=gpt3 --where metric=val_loss "
             "--models 3 > '%s'", data, out);
    cr_assert_eq(system(cmd), 0, "the reference failed: %s", cmd);
    char *text = read_text(out);
    cJSON *ref = cJSON_Parse(text);
    free(text);
    cr_assert(ref);
    cli_run r = RUN("validate", data, "--filter", "family==gpt3", "--filter", "metric==val_loss",
                    "--col", "loss=value", "--models", "3", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(js, "targets"), 0);
    cJSON *fit = cJSON_GetObjectItem(t, "fit");
    cr_assert_eq(num(cJSON_GetObjectItem(t, "rows_used"), "train"), num(ref, "n_train"));
    cr_assert_eq(num(cJSON_GetObjectItem(t, "rows_used"), "target"), num(ref, "n_target"));
    /* What the data determine, at a tightly converged optimum, with
     * tolerances from the curvature (tests/ref/curvature.py): the reference
     * is Newton-polished to the minimum f* (its remaining gap reported);
     * both objectives must agree to 1e-9 (two tight optimizers on one
     * objective; summation order moves it by ~1e-13).  Every point within
     * eps of f* has each quantity q within s_q sqrt(2 eps) of its value at
     * f* (s_q from the reference's Hessian), so with eps = |f - f_ref| +
     * gap + a rounding floor of 1e-12 f, scalefit and SciPy may differ by
     * 2 s_q sqrt(2 eps).  This holds on any x86-64 machine: an optimizer
     * that stops elsewhere in the flat valley (the ARE 0.004762 vs 0.004730
     * of issue 18 came from an unpolished reference) pays for it in the
     * objective, and the tolerance follows. */
    double f = num(fit, "objective"), fref = num(ref, "objective");
    cr_assert(fabs(f - fref) <= 1e-9 * fref, "scalefit %.17g, SciPy %.17g", f, fref);
    double eps = fabs(f - fref) + num(ref, "gap") + 1e-12 * fref;
    cJSON *sens = cJSON_GetObjectItem(ref, "sensitivity");
    const char *qs[2] = {"are", "max_re"};
    for (int k = 0; k < 2; k++) {
        double tol = 2 * num(sens, qs[k]) * sqrt(2 * eps) + 1e-12;
        cr_assert(fabs(num(js, qs[k]) - num(ref, qs[k])) <= tol,
                  "%s: scalefit %.12g, SciPy %.12g, tolerance %.3g", qs[k], num(js, qs[k]),
                  num(ref, qs[k]), tol);
    }
    const char *nm[5] = {"E", "A", "B", "alpha", "beta"};
    for (int j = 0; j < 5; j++) {
        double a = num(cJSON_GetObjectItem(fit, "params"), nm[j]);
        double b = num(cJSON_GetObjectItem(ref, "params"), nm[j]);
        double tol = 2 * num(sens, nm[j]) * sqrt(2 * eps) + 1e-12 * fabs(b);
        cr_assert(fabs(a - b) <= tol, "%s: scalefit %.12g, SciPy %.12g, tolerance %.3g", nm[j],
                  a, b, tol);
    }
    cJSON_Delete(js);
    cJSON_Delete(ref);
    cli_run_free(&r);
}

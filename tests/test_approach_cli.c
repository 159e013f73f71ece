/* scalefit isoflop, envelope and plan as a user runs them: help and
 * misuse, errors, the JSON, determinism across threads, the plan ->
 * simulate -> isoflop round trip, the SciPy reference, and the envelope of
 * the published curves in ../shared/data/hitchhiker_colpret. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define RUN(...) run_cli(NULL, (const char *const[]){__VA_ARGS__, NULL})
#define CURVES "hitchhiker_colpret/derived_learning_curves_long.csv"
#define HOFFMANN_BUDGETS "6e18,1e19,3e19,6e19,1e20,3e20,6e20,1e21,3e21"
/* examples/hoffmann2022.json: a = beta / (alpha + beta). */
#define A_HOFFMANN (0.28 / (0.34 + 0.28))

static const cJSON *get(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert(v, "no key '%s'", key);
    return v;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    cr_assert(cJSON_IsNumber(v), "'%s' is not a number", key);
    return v->valuedouble;
}

/* "a": {"value": x, "ci": [lo, hi]} */
static void exponent(const cJSON *js, const char *key, double *v, double *lo, double *hi)
{
    const cJSON *o = get(js, key);
    *v = num(o, "value");
    const cJSON *ci = get(o, "ci");
    cr_assert(cJSON_IsArray(ci) && cJSON_GetArraySize(ci) == 2, "%s.ci is [lo, hi]", key);
    *lo = cJSON_GetArrayItem(ci, 0)->valuedouble;
    *hi = cJSON_GetArrayItem(ci, 1)->valuedouble;
}

static int have_scipy(void)
{
    const char *ci = getenv("CI");
    if (access("/usr/bin/python3", X_OK) == 0 &&
        system("/usr/bin/python3 -c 'import scipy' 2>/dev/null") == 0)
        return 1;
    if (ci && strcmp(ci, "true") == 0) cr_assert_fail("python3-scipy is missing (scripts/deps.sh)");
    return 0;
}

/* The sweep of plan.csv simulated from Hoffmann's law with 1% noise, as
 * CSV (N, D, C, loss). */
static const char *simulate_plan(const char *plan_csv, uint64_t seed)
{
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D) | SF_ROLE_BIT(SF_ROLE_C);
    /* The plan has no loss column: read its tokens per parameter as a
     * stand-in loss, then simulate the real one. */
    o.column[SF_ROLE_LOSS] = "tokens_per_param";
    sf_data *plan;
    sf_error err;
    char buf[2048];
    cr_assert_eq(sf_data_read(plan_csv, &o, &plan, &err), SF_OK, "%s",
                 sf_error_format(&err, buf, sizeof buf));
    cr_assert_eq(plan->n, 81u);
    cr_assert_str_eq(plan->column[SF_ROLE_C], "compute", "the plan's budget column reads as C");
    sf_law *law;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    const double truth[5] = {1.69, 406.4, 410.7, 0.34, 0.28};
    sf_data *sim;
    cr_assert_eq(sf_simulate(law, truth, plan->N, plan->D, NULL, plan->n, 0.01, seed, &sim, &err),
                 SF_OK);
    char *csv = NULL;
    cr_assert_eq(sf_data_csv(sim, &csv, NULL), SF_OK);
    const char *path = tmp_file("simulated_sweep.csv");
    write_text(path, csv);
    free(csv);
    sf_data_free(sim);
    sf_data_free(plan);
    sf_law_free(law);
    return path;
}

Test(approach_cli, help_and_misuse)
{
    static const char *const cmds[3] = {"isoflop", "envelope", "plan"};
    for (int k = 0; k < 3; k++) {
        cli_run r = RUN(cmds[k], "--help");
        cr_assert_eq(r.status, 0);
        cr_assert(strstr(r.out, "Usage: scalefit "), "%s", r.out);
        cr_assert(strstr(r.out, cmds[k]));
        cr_assert_str_eq(r.err, "");
        cli_run_free(&r);
    }
    cli_run r = RUN("--help");
    cr_assert(strstr(r.out, "isoflop") && strstr(r.out, "envelope") && strstr(r.out, "plan"));
    cli_run_free(&r);
    /* Misuse: usage on stderr, exit 2. */
    const char *const bad[][6] = {
        {"plan", "--compute", "1e19", "--models", "2", NULL},
        {"plan", "--models", "5", NULL},
        {"plan", "--compute", "1e19", "--span", "0.5", NULL},
        {"plan", "--compute", "1e19,-3", NULL},
        {"isoflop", NULL},
        {"isoflop", "x.csv", "--profile", "cubic", NULL},
        {"isoflop", "x.csv", "--level", "1.5", NULL},
        {"isoflop", "x.csv", "--budget-tol", "-1", NULL},
        {"isoflop", "x.csv", "--weights", "none", NULL},
        {"envelope", "x.csv", "--points", "1", NULL},
        {"envelope", "x.csv", "--smooth", "nan", NULL},
        {"envelope", "x.csv", "--bootstrap", "many", NULL},
        {"isoflop", "x.csv", "--law", "kaplan", NULL},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        r = run_cli(NULL, bad[k]);
        cr_assert_eq(r.status, 2, "%s %s: status %d, %s", bad[k][0], bad[k][1], r.status, r.err);
        cr_assert(strstr(r.err, "Usage: scalefit"), "%s", r.err);
        cr_assert_str_eq(r.out, "");
        cli_run_free(&r);
    }
}

Test(approach_cli, errors_name_the_file_and_line)
{
    const char *f = tmp_file("nosize.csv");
    write_text(f, "C,loss\n1e19,2.9\n");
    cli_run r = RUN("isoflop", f);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "scalefit: error: ") && strstr(r.err, "nosize.csv"), "%s", r.err);
    cr_assert(strstr(r.err, "no column for N"), "%s", r.err);
    cli_run_free(&r);

    /* At the command line: 2 sizes, one size, an edge. */
    f = tmp_file("bad_budgets.csv");
    write_text(f, "N,C,loss\n"
                  "1e8,1e19,2.90\n2e8,1e19,2.86\n4e8,1e19,2.855\n8e8,1e19,2.88\n"
                  "1e9,1e21,2.40\n4e9,1e21,2.38\n"
                  "5e9,3e21,2.30\n5e9,3e21,2.31\n"
                  "2e9,1e22,2.30\n4e9,1e22,2.25\n8e9,1e22,2.22\n");
    r = RUN("isoflop", f);
    cr_assert_eq(r.status, 1, "no exponent from one budget");
    cr_assert(strstr(r.err, "scalefit: error: ") && strstr(r.err, "bad_budgets.csv"), "%s", r.err);
    cr_assert(strstr(r.err, "1 of 4 budgets locates a minimum; at least 2 are needed"), "%s",
              r.err);
    cr_assert(strstr(r.err, "only 2 model sizes") && strstr(r.err, "same model size") &&
              strstr(r.err, "largest size sampled"), "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cli_run_free(&r);
    /* --keep-edge gives two budgets, and says so. */
    r = RUN("isoflop", f, "--keep-edge", "--bootstrap", "50");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "scalefit: warning: budget C = 1e+22 (3 rows, lines 10-12): its "
                            "minimum is at the largest size sampled"), "%s", r.err);
    cr_assert(strstr(r.err, "kept (--keep-edge)"), "%s", r.err);
    cr_assert(strstr(r.out, "a     = "), "%s", r.out);
    cli_run_free(&r);

    f = tmp_file("ppl.csv");
    write_text(f, "run,N,D,ppl\nx,1e8,1e9,30\nx,1e8,2e9,0.9\n");
    r = RUN("envelope", f, "--col", "loss=log(ppl)");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "ppl.csv:3:4: column 'log(ppl)' (loss, loss): must be > 0"), "%s",
              r.err);
    cli_run_free(&r);

    f = tmp_file("norun.csv");
    write_text(f, "N,D,loss\n1e8,1e9,3\n2e8,1e9,2.9\n");
    r = RUN("envelope", f);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "no column for group"), "%s", r.err);
    cli_run_free(&r);

    r = RUN("plan", "--compute", "1e19", "--law", tmp_file("missing.json"));
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "missing.json: cannot open"), "%s", r.err);
    cli_run_free(&r);
}

Test(approach_cli, plan_outputs)
{
    cli_run r = RUN("plan", "--compute", "1e19,1e20", "--models", "5");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(count_lines(r.out), 11, "header and 2 x 5 rows:\n%s", r.out);
    cr_assert(strncmp(r.out, "compute,N,D,tokens_per_param\n", 29) == 0, "%s", r.out);
    cli_run_free(&r);

    r = RUN("plan", "--compute", "1e19", "--models", "3", "--shape", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    cr_assert(js, "%s", r.out);
    cr_assert_str_eq(get(get(js, "prior"), "law")->valuestring, "chinchilla");
    assert_rel(num(get(get(js, "prior"), "params"), "alpha"), 0.3478, 1e-12,
               "Besiroglu et al.'s alpha");
    const cJSON *rows = get(js, "rows");
    cr_assert_eq(cJSON_GetArraySize(rows), 3);
    const cJSON *mid = cJSON_GetArrayItem(rows, 1);
    assert_rel(num(mid, "N"), num(cJSON_GetArrayItem(get(js, "budgets"), 0), "N_opt"), 1e-12,
               "middle size = prior's optimum");
    cr_assert(fabs(num(mid, "N_shape") / num(mid, "N") - 1) <= 0.05);
    cr_assert(num(mid, "layers") >= 1 && num(mid, "heads") >= 1);
    cJSON_Delete(js);
    cli_run_free(&r);

    const char *out = tmp_file("plan_shape.csv");
    r = RUN("plan", "--compute", "1e21", "--shape", "-o", out);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "9 model sizes = 9 runs, written to"), "%s", r.out);
    char *csv = read_text(out);
    cr_assert(strncmp(csv, "compute,N,D,tokens_per_param,layers,d_model,heads,N_shape\n", 58) == 0);
    cr_assert_eq(count_lines(csv), 10);
    free(csv);
    cli_run_free(&r);
}

/* Through the commands a user runs: plan with the law, the
 * runs simulated from it, isoflop on the result.  Also: the SciPy
 * reference gives the same minima and exponent, and --threads does not
 * change the JSON. */
Test(approach_cli, plan_simulate_isoflop_round_trip)
{
    const char *plan = tmp_file("plan.csv");
    cli_run r = RUN("plan", "--law", "examples/hoffmann2022.json", "--compute", HOFFMANN_BUDGETS,
                    "--models", "9", "-o", plan);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    const char *sim = simulate_plan(plan, 5);
    r = RUN("isoflop", sim, "--json", "--seed", "5", "--threads", "1");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    cr_assert(js, "%s", r.out);
    double a, lo, hi;
    exponent(js, "a", &a, &lo, &hi);
    cr_assert(lo <= A_HOFFMANN && A_HOFFMANN <= hi, "a = %.4f [%.4f, %.4f]", a, lo, hi);
    double b, blo, bhi;
    exponent(js, "b", &b, &blo, &bhi);
    assert_rel(b, 1 - a, 1e-12, "b = 1 - a");
    cr_assert_str_eq(get(js, "seed")->valuestring, "5");
    cr_assert_eq(num(js, "replicates"), 1000);
    const cJSON *budgets = get(js, "budgets");
    cr_assert_eq(cJSON_GetArraySize(budgets), 9);
    const cJSON *b0 = cJSON_GetArrayItem(budgets, 0);
    assert_rel(num(b0, "compute"), 6e18, 1e-9, "first budget");
    cr_assert(cJSON_IsTrue(get(b0, "used")));
    cr_assert_eq(cJSON_GetArraySize(get(b0, "N_ci")), 2);
    cr_assert_str_eq(get(get(get(js, "data"), "columns"), "C")->valuestring, "C");
    /* Any thread count, the same bytes. */
    cli_run r2 = RUN("isoflop", sim, "--json", "--seed", "5", "--threads", "2");
    cr_assert_str_eq(r.out, r2.out);
    cli_run_free(&r2);
    cJSON_Delete(js);
    cli_run_free(&r);

    if (!have_scipy()) cr_skip_test("python3-scipy not installed: skipping the SciPy cross-check");
    static const char *const prof[3] = {"parabola", "akima", "parabola"};
    static const char *const wts[3] = {"variance", "variance", "equal"};
    for (int k = 0; k < 3; k++) {
        const char *ref = tmp_file("isoflop_ref.json");
        char cmd[2048];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 tests/ref/isoflop_ref.py '%s' --profile %s --weights %s > '%s'",
                 sim, prof[k], wts[k], ref);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        char *text = read_text(ref);
        cJSON *want = cJSON_Parse(text);
        free(text);
        r = RUN("isoflop", sim, "--json", "--bootstrap", "0", "--profile", prof[k], "--weights",
                wts[k]);
        cr_assert_eq(r.status, 0, "%s", r.err);
        js = cJSON_Parse(r.out);
        cr_assert(!cJSON_GetObjectItem(get(js, "a"), "ci"), "no interval without resamples");
        assert_rel(num(get(js, "a"), "value"), num(want, "a"), 1e-9, prof[k]);
        assert_rel(num(get(js, "a"), "k"), num(want, "k"), 1e-6, "k");
        const cJSON *mine = get(js, "budgets"), *theirs = get(want, "budgets");
        cr_assert_eq(cJSON_GetArraySize(mine), cJSON_GetArraySize(theirs));
        for (int q = 0; q < cJSON_GetArraySize(mine); q++) {
            const cJSON *x = cJSON_GetArrayItem(mine, q), *y = cJSON_GetArrayItem(theirs, q);
            assert_rel(num(x, "compute"), num(y, "compute"), 1e-12, "budget");
            assert_rel(num(x, "N_opt"), num(y, "N_opt"), 1e-9, "N_opt against SciPy");
            cr_assert_eq(cJSON_GetArraySize(get(x, "flags")), cJSON_GetArraySize(get(y, "flags")));
        }
        cJSON_Delete(js);
        cJSON_Delete(want);
        cli_run_free(&r);
    }
}

/* At the command line: GPT-3's validation curves and OPT's
 * perplexity curves (ColPret's derived long table; column mapping in
 * docs/approaches.md) print exponents with intervals. */
Test(approach_cli, envelope_of_published_curves)
{
    const char *f = shared_file(CURVES);
    cli_run r = RUN("envelope", f, "--filter", "family==gpt3", "--filter", "metric==val_loss",
                    "--col", "N=num_params", "--col", "D=tokens_seen", "--col", "loss=value",
                    "--col", "group=model");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "lowest loss over 8 runs"), "%s", r.out);
    cr_assert(strstr(r.out, "a     = 0.6991  ["), "%s", r.out);
    cr_assert(strstr(r.err, "won by the smallest or the largest run"), "%s", r.err);
    cli_run_free(&r);

    /* OPT logs perplexity: --col 'loss=log(value)' takes its log. */
    const char *const opt[] = {"envelope", f,        "--filter", "family==opt", "--col",
                               "N=num_params", "--col", "D=tokens_seen", "--col",
                               "loss=log(value)", "--col", "group=model", "--json",
                               "--threads", "1", NULL};
    r = run_cli(NULL, opt);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    double a, lo, hi;
    exponent(js, "a", &a, &lo, &hi);
    assert_rel(a, 0.7527, 1e-3, "OPT envelope a (docs/approaches.md)");
    cr_assert(lo <= a && a <= hi);
    cr_assert_eq(cJSON_GetArraySize(get(js, "runs")), 6);
    cr_assert_str_eq(get(get(get(js, "data"), "columns"), "loss")->valuestring, "log(value)");
    const cJSON *p0 = cJSON_GetArrayItem(get(js, "points"), 0);
    assert_rel(num(p0, "loss"), log(67.52265444), 1e-6, "first OPT-125m checkpoint, ln(ppl)");
    cJSON_Delete(js);
    const char *const opt2[] = {"envelope", f,        "--filter", "family==opt", "--col",
                                "N=num_params", "--col", "D=tokens_seen", "--col",
                                "loss=log(value)", "--col", "group=model", "--json",
                                "--threads", "2", NULL};
    cli_run r2 = run_cli(NULL, opt2);
    cr_assert_str_eq(r.out, r2.out, "same JSON for any --threads");
    cli_run_free(&r2);
    cli_run_free(&r);
}

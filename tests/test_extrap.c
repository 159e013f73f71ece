/* Extrapolation intervals (issue 23): the library's combination of the
 * three parts, predict and optimal beyond the data (and not within it),
 * validate's final row on the OLMo ladder, and the shipped calibration
 * against the script that rebuilds it. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define RUN(...) run_cli(NULL, (const char *const[]){__VA_ARGS__, NULL})

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    cr_assert(cJSON_IsNumber(v), "missing number '%s'", k);
    return v->valuedouble;
}

/* z_0.9 = 1.6448536269514722 (the standard normal quantile 0.95; Abramowitz
 * and Stegun, table 26.5). */
#define Z90 1.6448536269514722

Test(extrap, distance_is_zero_inside_the_data)
{
    cr_assert_eq(sf_extrap_distance(1e9, 2e10, 1e9, 4e10), 0.0);
    cr_assert_eq(sf_extrap_distance(5e8, 4e10, 1e9, 4e10), 0.0);
    assert_rel(sf_extrap_distance(1e10, 2e10, 1e9, 4e10), 1.0, 1e-15, "N beyond");
    assert_rel(sf_extrap_distance(1e10, 4e11, 1e9, 4e10), 2.0, 1e-15, "N and D beyond");
    cr_assert_eq(sf_extrap_distance(1e10, 2e10, NAN, 0), 0.0);
}

Test(extrap, inside_the_data_only_parameters_and_residual)
{
    sf_extrap x;
    double lv = 0.9;
    cr_assert_eq(sf_extrap_interval(2.385, 0, 0.01, 0.02, &lv, 1, &x), SF_OK);
    double h = Z90 * sqrt(0.01 * 0.01 + 0.02 * 0.02);
    assert_rel(x.hi[0], 2.385 * exp(h), 1e-12, "hi");
    assert_rel(x.lo[0], 2.385 * exp(-h), 1e-12, "lo");
    cr_assert_eq(x.extrap_sd, 0.0);
    cr_assert_eq(x.dominant, SF_EXTRAP_RESIDUAL);
}

Test(extrap, widens_with_distance)
{
    double prev = 0;
    for (int k = 0; k <= 6; k++) {
        sf_extrap x;
        cr_assert_eq(sf_extrap_interval(2.385, 0.5 * k, 0.004, 0.003, NULL, 0, &x), SF_OK);
        cr_assert_eq(x.n_levels, 3);
        cr_assert(x.hi[1] > prev, "distance %g: hi %g not above %g", 0.5 * k, x.hi[1], prev);
        cr_assert(x.hi[0] < x.hi[1] && x.hi[1] < x.hi[2], "levels nest");
        assert_rel(x.extrap_sd, sf_extrap_scale(0.9) * 0.5 * k, 1e-15, "extrap sd");
        prev = x.hi[1];
    }
    sf_extrap far;
    sf_extrap_interval(2.385, 3, 0.004, 0.003, NULL, 0, &far);
    cr_assert_eq(far.dominant, SF_EXTRAP_EXTRAPOLATION);
    cr_assert_str_eq(sf_extrap_part_name(far.dominant), "extrapolation");
}

Test(extrap, rejects_bad_input)
{
    sf_extrap x;
    double bad = 1.0;
    cr_assert_eq(sf_extrap_interval(0, 1, 0, 0, NULL, 0, &x), SF_EINVAL);
    cr_assert_eq(sf_extrap_interval(2.385, -1, 0, 0, NULL, 0, &x), SF_EINVAL);
    cr_assert_eq(sf_extrap_interval(2.385, NAN, 0, 0, NULL, 0, &x), SF_EINVAL);
    cr_assert_eq(sf_extrap_interval(2.385, 1, 0, 0, &bad, 1, &x), SF_EINVAL);
    cr_assert(isnan(sf_extrap_scale(1.0)));
}

/* The compiled table is the shipped CSV (data/extrap_calibration.csv). */
Test(extrap, compiled_calibration_is_the_shipped_table)
{
    char *text = read_text("data/extrap_calibration.csv");
    cr_assert(text, "data/extrap_calibration.csv unreadable (run from the checkout)");
    const double *lv, *k;
    size_t n = sf_extrap_calibration(&lv, &k);
    char *line = strchr(text, '\n');
    for (size_t j = 0; j < n; j++) {
        cr_assert(line && line[1], "row %zu missing", j);
        double a, b;
        cr_assert_eq(sscanf(line + 1, "%lf,%lf", &a, &b), 2);
        cr_assert_eq(a, lv[j]);
        cr_assert_eq(b, k[j]);
        cr_assert(b >= 0 && (j == 0 || b >= k[j - 1] * 0.999), "k grows with the level");
        cr_assert_eq(sf_extrap_scale(lv[j]), k[j]);
        line = strchr(line + 1, '\n');
    }
    free(text);
}

/* sf_validate on a small ladder of curves: the final row, its parts and
 * its interval, with a bootstrap over runs (cheap enough for valgrind). */
Test(extrap, validate_final_row_library)
{
    char csv[8192];
    size_t len = (size_t)snprintf(csv, sizeof csv, "run,N,D,loss\n");
    int k = 0;
    for (double N = 2.385e7; N < 1e9; N *= 2.5)
        for (int r = 0; r < 2; r++)
            for (double D = 1e9; D <= 2.1e10 * (r + 1); D *= 1.5) {
                double L = 1.8172 + 482.01 / pow(N, 0.3478) + 2085.43 / pow(D, 0.3658);
                L *= 1 + 0.003 * sin(2.1 * k++);
                len += (size_t)snprintf(csv + len, sizeof csv - len, "r%.3g-%d,%.9g,%.9g,%.9g\n",
                                        N, r, N, D, L);
            }
    sf_data_options dopt;
    sf_data_options_init(&dopt);
    dopt.required |= SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    sf_data *d = data_from_text(csv, &dopt);
    sf_law *law;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, NULL), SF_OK);
    sf_validate_options o;
    sf_validate_options_init(&o);
    o.bootstrap = 6;
    o.min_tokens = 0;
    sf_validation *v;
    sf_error err;
    sf_error_clear(&err);
    cr_assert_eq(sf_validate(law, d, &o, &v, &err), SF_OK, "%s", err.message);
    const sf_validation_final *f = sf_validation_target_final(v, 0);
    cr_assert(f);
    const sf_validation_target *t = sf_validation_target_at(v, 0);
    cr_assert_eq(f->N, t->N);
    cr_assert(f->interval.param_sd > 0 && f->interval.resid_sd > 0);
    cr_assert(f->interval.distance > 0);
    cr_assert_eq(f->interval.n_levels, 3);
    for (size_t j = 0; j < 3; j++)
        cr_assert_eq(f->covered[j],
                     f->actual >= f->interval.lo[j] && f->actual <= f->interval.hi[j]);
    char *js = NULL;
    cr_assert_eq(sf_validation_json(v, &js, &err), SF_OK);
    cr_assert(js && strstr(js, "\"final\"") && strstr(js, "\"coverage\""));
    free(js);
    cr_assert_null(sf_validation_target_final(v, 1));
    sf_validation_free(v);
    sf_law_free(law);
    sf_data_free(d);
}

/* ---- predict and optimal -------------------------------------------------------- */

/* Runs from a Chinchilla law (Besiroglu et al. 2024's estimate), N up to
 * 9.7e8 and D up to 6.1e10, with a small deterministic wobble. */
static const char *fitted(void)
{
    static char path[512];
    if (path[0]) return path;
    char csv[16384];
    size_t len = (size_t)snprintf(csv, sizeof csv, "N,D,loss\n");
    int k = 0;
    for (double N = 2.385e7; N < 2e9; N *= 2.1)
        for (double D = 4.1e8; D < 7e10; D *= 2.3) {
            double L = 1.8172 + 482.01 / pow(N, 0.3478) + 2085.43 / pow(D, 0.3658);
            L *= 1 + 0.004 * sin(1.7 * k++);
            len += (size_t)snprintf(csv + len, sizeof csv - len, "%.9g,%.9g,%.9g\n", N, D, L);
        }
    const char *data = tmp_file("extrap_runs.csv");
    write_text(data, csv);
    snprintf(path, sizeof path, "%s", tmp_file("extrap_fit.json"));
    cli_run r = RUN("fit", data, "--bootstrap", "40", "--warm-start", "--seed", "5", "-o", path);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    return path;
}

static cJSON *rows_of(cli_run *r, cJSON **root)
{
    cr_assert_eq(r->status, 0, "%s", r->err);
    *root = cJSON_Parse(r->out);
    cr_assert(*root);
    return cJSON_GetObjectItemCaseSensitive(*root, "rows");
}

/* Half-width of the 90% extrapolation interval of row i, relative. */
static double half90(const cJSON *row)
{
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(row, "extrapolation");
    cr_assert(ex, "no extrapolation object");
    const cJSON *iv = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ex, "intervals"), 0);
    cr_assert_eq(num(iv, "level"), 0.9);
    return (num(iv, "hi") - num(iv, "lo")) / (2 * num(row, "loss"));
}

Test(extrap_cli, predict_widens_beyond_the_data_only, .timeout = 120)
{
    const char *fit = fitted();
    char *text = read_text(fit);
    cJSON *fj = cJSON_Parse(text);
    free(text);
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(fj, "data_range");
    cr_assert(range, "a fit with draws records its data range");
    double nmax = num(range, "N_max"), dmax = num(range, "D_max");
    cr_assert(nmax > 9e8 && nmax < 1e9 && dmax > 6e10 && dmax < 6.1e10, "%g %g", nmax, dmax);
    cJSON_Delete(fj);
    /* Within the data, 10x and 100x beyond (in N and D each). */
    cli_run r = RUN("predict", fit, "--params", "5e8,1.6e10,1.6e11", "--tokens",
                    "1e10,6.4e11,6.4e12", "--ci", "0.9", "--json");
    cJSON *root;
    cJSON *rows = rows_of(&r, &root);
    cr_assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rows, 0),
                                                    "extrapolation"));
    double h1 = half90(cJSON_GetArrayItem(rows, 1)), h2 = half90(cJSON_GetArrayItem(rows, 2));
    cr_assert(h2 > h1 && h1 > 0, "half-widths %g, %g", h1, h2);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rows, 2),
                                                       "extrapolation");
    assert_rel(num(ex, "distance"), log10(1.6e11 / nmax) + log10(6.4e12 / dmax), 1e-12,
               "distance");
    /* Wider than the draws' own interval. */
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rows, 2), "ci"), "loss");
    double draws_half = (cJSON_GetArrayItem(ci, 1)->valuedouble -
                         cJSON_GetArrayItem(ci, 0)->valuedouble) /
                        (2 * num(cJSON_GetArrayItem(rows, 2), "loss"));
    cr_assert(h2 > draws_half, "%g vs %g", h2, draws_half);
    cJSON_Delete(root);
    cli_run_free(&r);
    /* The text says which part dominates. */
    r = RUN("predict", fit, "--params", "1.6e11", "--tokens", "6.4e12");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "dominates"), "%s", r.out);
    cli_run_free(&r);
    r = RUN("predict", fit, "--params", "5e8", "--tokens", "1e10");
    cr_assert(!strstr(r.out, "dominates"), "%s", r.out);
    cli_run_free(&r);
}

Test(extrap_cli, optimal_beyond_the_data, .timeout = 120)
{
    const char *fit = fitted();
    /* 1e18 FLOPs sits inside the fitted runs; 1e22 and 1e24 do not. */
    cli_run r = RUN("optimal", fit, "--compute", "1e18,1e22,1e24", "--ci", "0.9", "--json");
    cJSON *root;
    cJSON *rows = rows_of(&r, &root);
    cr_assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rows, 0),
                                                    "extrapolation"));
    double h1 = half90(cJSON_GetArrayItem(rows, 1)), h2 = half90(cJSON_GetArrayItem(rows, 2));
    cr_assert(h2 > h1 && h1 > 0, "half-widths %g, %g", h1, h2);
    cJSON_Delete(root);
    cli_run_free(&r);
}

/* The library's rows (issue 21): sf_fit_extrap_alloc and _points give
 * each row beyond the data sf_fit_extrap_interval's interval and the rows
 * inside none; attached to the library's JSON they are the CLI's bytes. */
Test(extrap_lib, rows_are_the_clis)
{
    const char *path = fitted();
    sf_fit *fit = NULL;
    sf_draws *draws = NULL;
    sf_error err;
    sf_error_clear(&err);
    cr_assert_eq(sf_fit_json_read(path, &fit, &draws, &err), SF_OK, "%s", err.message);
    const double C[3] = {1e18, 1e22, 1e24};
    sf_alloc_row rows[3];
    sf_summary s[3][5];
    sf_point pts[3];
    double loss[3];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(sf_fit_alloc_summary(fit, draws, C[i], NULL, 0, &rows[i], s[i], &err),
                     SF_OK, "%s", err.message);
        pts[i] = (sf_point){.N = rows[i].params, .D = rows[i].tokens};
        loss[i] = rows[i].loss;
    }
    sf_extrap ex[3], ep[3];
    size_t beyond = 9, beyond_p = 9;
    cr_assert_eq(sf_fit_extrap_alloc(fit, draws, rows, 3, NULL, 0, ex, &beyond, &err), SF_OK);
    cr_assert_eq(sf_fit_extrap_points(fit, draws, pts, loss, 3, NULL, 0, ep, &beyond_p, &err),
                 SF_OK);
    cr_assert_eq(beyond, 2);
    cr_assert_eq(beyond_p, 2);
    cr_assert_eq(ex[0].n_levels, 0);
    for (int i = 1; i < 3; i++) {
        sf_extrap want;
        cr_assert_eq(sf_fit_extrap_interval(fit, draws, &pts[i], NULL, 0, &want, &err), SF_OK);
        cr_assert_eq(memcmp(&want, &ex[i], sizeof want), 0, "row %d", i);
        cr_assert_eq(memcmp(&want, &ep[i], sizeof want), 0, "row %d", i);
    }
    char *js = NULL, *out = NULL;
    cr_assert_eq(sf_alloc_summary_json(sf_fit_law(fit), rows, (const sf_summary(*)[5])s, 3, &js,
                                       &err), SF_OK);
    cr_assert_eq(sf_extrap_attach_json(js, "rows", ex, 3, &out, &err), SF_OK);
    cli_run r = RUN("optimal", path, "--compute", "1e18,1e22,1e24", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strcmp(r.out, out) == 0, "the CLI's JSON differs:\n%s\nlibrary:\n%s", r.out,
              out);
    cli_run_free(&r);
    free(js);
    free(out);
    /* Without draws, or with NULL arrays. */
    cr_assert_eq(sf_fit_extrap_alloc(fit, NULL, rows, 3, NULL, 0, ex, &beyond, &err), SF_OK);
    cr_assert_eq(beyond, 0);
    cr_assert_eq(sf_fit_extrap_alloc(fit, draws, NULL, 3, NULL, 0, ex, NULL, &err), SF_EINVAL);
    cr_assert_eq(sf_fit_extrap_points(fit, draws, pts, NULL, 3, NULL, 0, ep, NULL, &err),
                 SF_EINVAL);
    sf_draws_free(draws);
    sf_fit_free(fit);
}

/* A fit without draws keeps its JSON as before: no data range. */
Test(extrap_cli, plain_fit_json_has_no_range)
{
    const char *data = tmp_file("extrap_plain.csv");
    write_text(data, "N,D,loss\n1e7,1e9,4.1\n1e7,4e9,3.8\n4e7,1e9,3.7\n4e7,4e9,3.4\n"
                     "1.6e8,1e9,3.45\n1.6e8,4e9,3.12\n6.4e8,4e9,2.95\n6.4e8,1.6e10,2.7\n");
    cli_run r = RUN("fit", data, "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(!strstr(r.out, "data_range"));
    cli_run_free(&r);
}

/* ---- validate on the OLMo ladder (../shared/data/olmo_ladder) ----------------------- */

static int same(const char *p, size_t n, const char *name)
{
    return n == strlen(name) && strncmp(p, name, n) == 0;
}

/* The ladder's C4 validation loss as one long CSV (run, N, D, loss); N
 * from SOURCE.md's parameter counts. */
static const char *olmo_csv(void)
{
    static const char *size[5] = {"190M", "370M", "760M", "1B", "3B"};
    static const double N[5] = {190354176, 371262464, 758220288, 1279395840, 3169537280};
    static const char *mult[6] = {"0.5xC", "1xC", "1xC-rerun", "2xC", "5xC", "10xC"};
    const char *out = tmp_file("olmo_ladder.csv");
    FILE *w = fopen(out, "w");
    cr_assert(w);
    fprintf(w, "run,N,D,loss\n");
    for (int s = 0; s < 5; s++)
        for (int m = 0; m < 6; m++) {
            char rel[64];
            snprintf(rel, sizeof rel, "olmo_ladder/%s-%s.csv", size[s], mult[m]);
            char *text = read_text(shared_file(rel));
            cr_assert(text, "%s", rel);
            /* Columns by header name; the files hold no quoted fields. */
            int cl = -1, cd = -1, col = 0;
            char *save, *line = strtok_r(text, "\n", &save);
            for (char *p = line, *q; p; p = q ? q + 1 : NULL, col++) {
                q = strchr(p, ',');
                size_t n = q ? (size_t)(q - p) : strlen(p);
                if (same(p, n, "eval/c4_en-validation/CrossEntropyLoss")) cl = col;
                if (same(p, n, "throughput/total_tokens")) cd = col;
            }
            cr_assert(cl >= 0 && cd >= 0, "%s: columns not found", rel);
            while ((line = strtok_r(NULL, "\n", &save))) {
                char *f[2] = {NULL, NULL};
                col = 0;
                for (char *p = line, *q; p; p = q ? q + 1 : NULL, col++) {
                    q = strchr(p, ',');
                    if (q) *q = '\0';
                    if (col == cd) f[0] = p;
                    if (col == cl) f[1] = p;
                }
                if (f[0] && f[1] && *f[0] && *f[1])
                    fprintf(w, "%s-%s,%.10g,%s,%s\n", size[s], mult[m], N[s], f[0], f[1]);
            }
            free(text);
        }
    cr_assert_eq(fclose(w), 0);
    return out;
}

Test(extrap_cli, validate_olmo_ladder_final_row, .timeout = 300)
{
    skip_under_valgrind("minutes of fits under memcheck; extrap/validate_final_row_library covers the path");
    const char *data = olmo_csv();
    cli_run r = RUN("validate", data, "--bootstrap", "10", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    cr_assert(js);
    cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(js, "targets"), 0);
    cr_assert_eq(num(t, "N"), 3169537280.0);
    cJSON *f = cJSON_GetObjectItemCaseSensitive(t, "final");
    cr_assert(f, "no final row");
    /* SOURCE.md: the 3B-10xC run ends at 6.34e11 tokens with C4 loss 2.6644. */
    assert_rel(num(f, "D"), 633939689472.0, 1e-12, "final D");
    assert_rel(num(f, "actual"), 2.6643989086151123, 1e-12, "actual");
    cJSON *iv = cJSON_GetObjectItemCaseSensitive(f, "intervals");
    cr_assert_eq(cJSON_GetArraySize(iv), 3);
    double prev = 0;
    for (int j = 0; j < 3; j++) {
        cJSON *e = cJSON_GetArrayItem(iv, j);
        double w = num(e, "hi") - num(e, "lo");
        cr_assert(num(e, "lo") < num(f, "loss") && num(f, "loss") < num(e, "hi"));
        cr_assert(w > prev);
        prev = w;
    }
    /* The calibrated half-width at 0.79 decades: z_0.9 x k(0.9) x 0.79,
     * about 6.3% of the loss (docs/uncertainty.md); the miss is 0.7%. */
    cJSON *i90 = cJSON_GetArrayItem(iv, 1);
    cr_assert_eq(num(i90, "level"), 0.9);
    double half = (num(i90, "hi") - num(i90, "lo")) / (2 * num(f, "loss"));
    cr_assert(half < 0.08 && half > 0.002, "half-width %g", half);
    cJSON *cov = cJSON_GetObjectItemCaseSensitive(f, "covered");
    cr_assert(cJSON_IsBool(cJSON_GetObjectItem(cov, "0.9")));
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(cov, "0.9")), "the 3B final row is covered");
    cJSON *ex = cJSON_GetObjectItemCaseSensitive(f, "extrapolation");
    /* log10(3.17e9/1.28e9) + log10(6.34e11/2.56e11) = 0.788 decades. */
    assert_rel(num(ex, "distance"), 0.788, 0.01, "distance");
    cr_assert(num(cJSON_GetObjectItem(ex, "parts"), "parameters") > 0);
    cJSON *c = cJSON_GetObjectItemCaseSensitive(js, "coverage");
    cr_assert_eq(num(c, "targets"), 1);
    cJSON_Delete(js);
    cli_run_free(&r);
    r = RUN("validate", data);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "final row:") && strstr(r.out, "dominates"), "%s", r.out);
    cli_run_free(&r);
}

/* --loo reports coverage over its targets. */
Test(extrap_cli, validate_loo_coverage, .timeout = 300)
{
    skip_under_valgrind("minutes of fits under memcheck; extrap/validate_final_row_library covers the path");
    const char *data = olmo_csv();
    cli_run r = RUN("validate", data, "--loo", "--json", "--ci", "0.9");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    cJSON *c = cJSON_GetObjectItemCaseSensitive(js, "coverage");
    cr_assert_eq(num(c, "targets"), 3);
    double f = num(cJSON_GetObjectItem(c, "covered"), "0.9");
    cr_assert(f >= 0 && f <= 1);
    cJSON_Delete(js);
    cli_run_free(&r);
}

/* --sweep and --compare report coverage across their cells and laws. */
Test(extrap_cli, sweep_and_compare_coverage, .timeout = 300)
{
    skip_under_valgrind("minutes of fits under memcheck; extrap/validate_final_row_library covers the path");
    const char *data = olmo_csv();
    cli_run r = RUN("validate", data, "--sweep", "--sweep-fractions", "0.5,1",
                    "--sweep-min-tokens", "1e10", "--json");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    cJSON *sw = cJSON_GetObjectItemCaseSensitive(js, "sweep");
    cJSON *c = cJSON_GetObjectItemCaseSensitive(sw, "coverage");
    /* 4 model counts x 2 fractions; one size alone cannot be fitted. */
    cr_assert_eq(num(c, "targets"), 6);
    int n = 0;
    const cJSON *cell;
    cJSON_ArrayForEach(cell, cJSON_GetObjectItemCaseSensitive(sw, "cells"))
    {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(cell, "final");
        if (!f) continue;
        n += cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(f, "covered"), "0.9"));
    }
    assert_rel(num(cJSON_GetObjectItem(c, "covered"), "0.9"), n / 6.0, 1e-15, "coverage");
    cJSON_Delete(js);
    cli_run_free(&r);
    r = RUN("validate", data, "--compare");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "chinchilla: final rows inside their extrapolation intervals "
                            "(1 target): 80%"), "%s", r.out);
    cli_run_free(&r);
}

/*
 * Large tables (issue 22): the subsample search with full-table refinement
 * returns the optimum of the full search; chunked sums agree with row-order
 * sums (a formula law's extra columns included) and do not depend on the
 * thread count; the subsample is stratified.
 *
 * The data are generated here: 30 runs at N log-spaced over 1e7..1e10,
 * tokens log-spaced over 2e8..2e11 per run, loss from Besiroglu et al.'s
 * (2024) Chinchilla fit (E 1.8172, A 482.01, B 2085.43, alpha 0.3478,
 * beta 0.3658) times exp(0.02 z).  The large-table threshold is lowered
 * through sf_fit_options.large_rows so that the comparison with the full
 * search stays affordable (the bench times 1e6 and 1e7 rows).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "fit/fit_impl.h"

static uint64_t xs;

static double unif(void)
{
    xs ^= xs << 13;
    xs ^= xs >> 7;
    xs ^= xs << 17;
    return ((double)(xs >> 11) + 0.5) / 9007199254740992.0;
}

static sf_data *sweep(size_t n, uint64_t seed, int shuffle)
{
    sf_data *d;
    unsigned roles = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D) | SF_ROLE_BIT(SF_ROLE_LOSS);
    cr_assert_eq(sf_data_new(n, roles, &d), SF_OK);
    xs = seed * 0x9E3779B97F4A7C15ull + 12345;
    size_t runs = 30, steps = (n + runs - 1) / runs;
    for (size_t i = 0; i < n; i++) {
        size_t r = i / steps, s = i % steps;
        double N = 1e7 * pow(1e3, (double)r / 29.0);
        double D = 2e8 * pow(1e3, (double)(s + 1) / (double)steps);
        double z = sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif());
        d->N[i] = N;
        d->D[i] = D;
        d->loss[i] = (1.8172 + 482.01 / pow(N, 0.3478) + 2085.43 / pow(D, 0.3658)) * exp(0.02 * z);
        d->line[i] = (long)i + 2;
    }
    for (size_t i = n - 1; shuffle && i > 0; i--) {
        size_t j = (size_t)(unif() * (double)(i + 1));
        double t;
        t = d->N[i], d->N[i] = d->N[j], d->N[j] = t;
        t = d->D[i], d->D[i] = d->D[j], d->D[j] = t;
        t = d->loss[i], d->loss[i] = d->loss[j], d->loss[j] = t;
    }
    return d;
}

static sf_law *chinchilla(void)
{
    sf_law *law;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, NULL), SF_OK);
    return law;
}

/* The acceptance test of issue 22 at 2e5 rows: the large-table path and
 * the full search on all rows reach the same optimum (objective to 1e-10;
 * parameters to 1e-5, the precision the flat optimum of 2e5 rows gives). */
Test(large, same_optimum_as_the_full_search, .timeout = 600)
{
    skip_under_valgrind("two fits of 2e5 rows; the smaller tests cover the code paths");
    sf_law *law = chinchilla();
    sf_data *d = sweep(200000, 7, 0);
    sf_fit_options o;
    sf_fit_options_init(&o);
    o.large_rows = 50000;
    sf_fit *fast = fit_checked(law, d, &o);
    o.large_rows = (size_t)-1;
    sf_fit *full = fit_checked(law, d, &o);
    assert_rel(sf_fit_objective(fast), sf_fit_objective(full), 1e-10, "objective");
    for (size_t j = 0; j < 5; j++)
        assert_rel(sf_fit_params(fast)[j], sf_fit_params(full)[j], 1e-5, "parameter");
    cr_assert(sf_fit_converged(fast));
    cr_assert_eq(sf_fit_n_points(fast), 200000);
    cr_assert(sf_fit_n_warnings(fast) == 0, "no fallback warning: %s",
              sf_fit_n_warnings(fast) ? sf_fit_warning(fast, 0) : "");
    sf_fit_free(fast);
    sf_fit_free(full);
    sf_data_free(d);
    sf_law_free(law);
}

/* Chunked sums over threads give the same JSON for 1, 2 and 3 threads. */
Test(large, thread_count_does_not_change_the_fit, .timeout = 600)
{
    skip_under_valgrind("three or two large-path fits of 50,000 rows; the native and ASan "
                        "runs check them, the small tests cover the code under memcheck");
    sf_law *law = chinchilla();
    sf_data *d = sweep(60000, 3, 0);
    char *js[3];
    for (int t = 0; t < 3; t++) {
        sf_fit_options o;
        sf_fit_options_init(&o);
        o.large_rows = 20000;
        o.sample_rows = 8192;
        o.threads = t + 1;
        sf_fit *fit = fit_checked(law, d, &o);
        cr_assert_eq(sf_fit_json(fit, NULL, NULL, &js[t], NULL), SF_OK);
        sf_fit_free(fit);
    }
    cr_assert_str_eq(js[0], js[1]);
    cr_assert_str_eq(js[0], js[2]);
    for (int t = 0; t < 3; t++) free(js[t]);
    sf_data_free(d);
    sf_law_free(law);
}

/* The chunked objective equals the row-order sum up to rounding, and the
 * default threshold keeps small tables on the row-order sum. */
Test(large, chunked_sum_matches_the_row_sum)
{
    sf_law *law = chinchilla();
    sf_data *d = sweep(50000, 5, 0);
    sf_fit_options o;
    sf_fit_options_init(&o);
    cr_assert(!sf_fit_is_large(d, &o), "50000 rows are not above the default threshold");
    sf_fit_options zero;
    memset(&zero, 0, sizeof zero);
    cr_assert(!sf_fit_is_large(d, &zero), "0 in large_rows means the default");
    double p[5] = {1.9, 400.0, 2300.0, 0.33, 0.37};
    double row = sf_objective(law, p, d, &o);
    o.large_rows = 1000;
    o.threads = 3;
    double chunked = sf_objective(law, p, d, &o);
    assert_rel(chunked, row, 1e-12, "chunked objective");
    sf_data_free(d);
    sf_law_free(law);
}

/* Rows in any order: the subsample is drawn from the (run, D) order, so a
 * shuffled table gives the same optimum. */
Test(large, row_order_does_not_matter, .timeout = 600)
{
    skip_under_valgrind("three or two large-path fits of 50,000 rows; the native and ASan "
                        "runs check them, the small tests cover the code under memcheck");
    sf_law *law = chinchilla();
    sf_data *a = sweep(60000, 11, 0), *b = sweep(60000, 11, 1);
    sf_fit_options o;
    sf_fit_options_init(&o);
    o.large_rows = 20000;
    o.sample_rows = 8192;
    sf_fit *fa = fit_checked(law, a, &o), *fb = fit_checked(law, b, &o);
    assert_rel(sf_fit_objective(fb), sf_fit_objective(fa), 1e-10, "objective");
    for (size_t j = 0; j < 5; j++)
        assert_rel(sf_fit_params(fb)[j], sf_fit_params(fa)[j], 1e-5, "parameter");
    sf_fit_free(fa);
    sf_fit_free(fb);
    sf_data_free(a);
    sf_data_free(b);
    sf_law_free(law);
}

/* Every run gets its share of the subsample, spread over its tokens. */
Test(large, subsample_is_stratified_and_seeded)
{
    sf_data *d = sweep(30000, 2, 1);
    size_t *a, *b, *c, m = 3000;
    cr_assert_eq(sf_subsample_rows(d, m, 1, 0.0, &a), SF_OK);
    cr_assert_eq(sf_subsample_rows(d, m, 1, 0.0, &b), SF_OK);
    cr_assert_eq(sf_subsample_rows(d, m, 2, 0.0, &c), SF_OK);
    cr_assert(memcmp(a, b, m * sizeof *a) == 0, "same seed, same rows");
    cr_assert(memcmp(a, c, m * sizeof *a) != 0, "another seed, other rows");
    /* Half a step on: the second subsample shares no row with the first. */
    size_t *h;
    cr_assert_eq(sf_subsample_rows(d, m, 1, 0.5, &h), SF_OK);
    for (size_t k = 0; k < m; k++)
        for (size_t q = 0; q < m; q++) cr_assert(h[k] != a[q]);
    free(h);
    /* 30 runs of 1000 rows: 100 rows each, in increasing D within a run. */
    size_t count = 0;
    for (size_t k = 0; k < m; k++) {
        count++;
        int last = k + 1 == m || d->N[a[k + 1]] != d->N[a[k]];
        if (!last) cr_assert(d->D[a[k + 1]] > d->D[a[k]]);
        else {
            cr_assert_eq(count, 100, "rows of run N=%g: %zu", d->N[a[k]], count);
            count = 0;
        }
    }
    free(a);
    free(b);
    free(c);
    sf_data_free(d);
}

/* A formula law with an extra column (precision P, as in Kumar et al.
 * 2024-like laws; tests/test_formula.c) on a chunked table: each chunk
 * must see its own rows of P, so the chunked objective equals the
 * row-order one.  6,000 rows, P cycling over 2..16 bits row by row. */
Test(large, chunked_sum_reads_a_formula_laws_extra_column)
{
    const char *path = tmp_file("precision_large.csv");
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "N,D,P,loss\n");
    xs = 0x2385;
    for (int i = 0; i < 6000; i++) {
        double N = 3e7 * pow(30.0, (i % 10) / 9.0), D = 1e9 * pow(100.0, (i / 10) / 599.0);
        double P = 2 + (i * 7) % 15;
        double L = (1.8 + 300 / pow(N * (1 - exp(-P / 3.0)), 0.33) + 900 / pow(D, 0.30)) *
                   exp(0.004 * (unif() - 0.5));
        fprintf(f, "%.17g,%.17g,%g,%.17g\n", N, D, P, L);
    }
    cr_assert_eq(fclose(f), 0);
    sf_formula_options fo;
    sf_formula_options_init(&fo);
    const char *cols[] = {"N", "D", "P", "loss"};
    fo.columns = cols;
    fo.n_columns = 4;
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_parse("E + A/(N*(1 - exp(-P/gamma)))^alpha + B/D^beta", &fo, &law, &err),
                 SF_OK, "%s", err.message);
    sf_data_options o;
    sf_data_options_init(&o);
    o.extra[o.n_extra++] = "P";
    o.required = sf_law_roles(law);
    sf_data *d;
    cr_assert_eq(sf_data_read(path, &o, &d, &err), SF_OK, "%s", err.message);
    double p[SF_MAX_PARAMS];
    const char *names[6] = {"E", "A", "B", "alpha", "gamma", "beta"};
    const double vals[6] = {1.7, 350, 800, 0.31, 2.385, 0.29};
    for (int k = 0; k < 6; k++) {
        int j = sf_law_param_index(law, names[k]);
        cr_assert(j >= 0, "%s", names[k]);
        p[j] = vals[k];
    }
    sf_fit_options fit_o;
    sf_fit_options_init(&fit_o);
    double row = sf_objective(law, p, d, &fit_o);
    fit_o.large_rows = 1000;
    fit_o.threads = 2;   /* chunked: 6,000 rows > large_rows */
    double chunked = sf_objective(law, p, d, &fit_o);
    assert_rel(chunked, row, 1e-12, "chunked objective with an extra column");
    sf_data_free(d);
    sf_law_free(law);
}

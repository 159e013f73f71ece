/*
 * Allocations over a grid of budgets and their bands across draws
 * (src/alloc/grid.c), which the allocation and fit plots and the report
 * draw.  Golden values: the closed form of Hoffmann et al. (2022, eq. 4),
 * N_opt = G (C/6)^a with a = beta / (alpha + beta), at the Besiroglu et al.
 * (2024) refit E 1.8172, A 482.01, B 2085.43, alpha 0.3478, beta 0.3658.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "alloc/alloc_grid.h"
#include "common.h"

static const double BESIROGLU[5] = {1.8172, 482.01, 2085.43, 0.3478, 0.3658};

static sf_law *chinchilla(void)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    return law;
}

Test(alloc_grid, budgets_are_log_spaced_and_rows_are_the_optimum)
{
    sf_law *law = chinchilla();
    sf_alloc_row rows[7];
    int ok[7];
    cr_assert_eq(sf_alloc_grid(law, BESIROGLU, 2.385e19, 2.385e25, 7, 0.0, rows, ok), 7);
    for (int k = 0; k < 7; k++) {
        cr_assert(ok[k]);
        double C = 2.385e19 * pow(10.0, k);
        cr_assert(fabs(rows[k].compute / C - 1) < 1e-12, "budget %d: %g", k, rows[k].compute);
        sf_alloc_row r;
        cr_assert_eq(sf_alloc_optimal(law, BESIROGLU, rows[k].compute, &r, NULL), SF_OK);
        cr_assert_eq(rows[k].params, r.params);
        cr_assert_eq(rows[k].tokens, r.tokens);
    }
    /* N_opt grows as C^(beta / (alpha + beta)) (Hoffmann et al. eq. 4). */
    double a = log(rows[6].params / rows[0].params) / log(rows[6].compute / rows[0].compute);
    cr_assert(fabs(a - 0.3658 / (0.3478 + 0.3658)) < 1e-9, "exponent %.12f", a);
    sf_law_free(law);
}

Test(alloc_grid, unique_tokens_give_the_data_constrained_allocation)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("datablations", NULL, &law, &err), SF_OK);
    /* Muennighoff et al. (2023), as examples/muennighoff2023.json. */
    const double p[7] = {1.8691436784054858, 520.8249516599187, 1487.716093782861, 0.3526596,
                         0.3526596, 15.387756, 5.309743};
    cr_assert_eq(sf_law_n_params(law), 7);
    sf_alloc_row row;
    sf_alloc_dc_row dc;
    cr_assert_eq(sf_alloc_at(law, p, 2.385e22, 25e9, &row, &err), SF_OK);
    cr_assert_eq(sf_alloc_data_constrained(law, p, 2.385e22, 25e9, &dc, &err), SF_OK);
    cr_assert_eq(row.params, dc.opt.params);
    cr_assert_eq(row.tokens, dc.opt.tokens);
    sf_law_free(law);
}

/* Draws that all equal the estimate give a band of zero width at the
 * estimate's allocation; draws with alpha spread on both sides of it give
 * a band around it, wider at the larger level; under 10 draws none. */
Test(alloc_grid, bands_across_draws)
{
    sf_law *law = chinchilla();
    enum { K = 200, M = 5 };
    double *same = malloc(K * 5 * sizeof *same), *spread = malloc(K * 5 * sizeof *spread);
    for (int b = 0; b < K; b++)
        for (int j = 0; j < 5; j++) {
            same[b * 5 + j] = BESIROGLU[j];
            spread[b * 5 + j] = BESIROGLU[j] + (j == 3 ? 0.02 * ((b % 21) - 10) / 10.0 : 0.0);
        }
    double cg[M] = {2.385e19, 2.385e20, 2.385e21, 2.385e22, 2.385e23};
    double mem[4][3][M], *lo[3], *hi[3], *lo2[3], *hi2[3];
    for (int k = 0; k < 3; k++) {
        lo[k] = mem[0][k];
        hi[k] = mem[1][k];
        lo2[k] = mem[2][k];
        hi2[k] = mem[3][k];
    }
    cr_assert_eq(sf_alloc_bands(law, same, K, 400, 0.0, cg, M, 0.95, lo, hi), SF_OK);
    for (int j = 0; j < M; j++) {
        sf_alloc_row r;
        cr_assert_eq(sf_alloc_optimal(law, BESIROGLU, cg[j], &r, NULL), SF_OK);
        cr_assert(fabs(lo[0][j] / r.params - 1) < 1e-12 && fabs(hi[0][j] / r.params - 1) < 1e-12);
        cr_assert(fabs(lo[2][j] / r.tokens_per_param - 1) < 1e-12);
    }
    cr_assert_eq(sf_alloc_bands(law, spread, K, 400, 0.0, cg, M, 0.95, lo, hi), SF_OK);
    cr_assert_eq(sf_alloc_bands(law, spread, K, 400, 0.0, cg, M, 0.5, lo2, hi2), SF_OK);
    for (int j = 0; j < M; j++) {
        sf_alloc_row r;
        cr_assert_eq(sf_alloc_optimal(law, BESIROGLU, cg[j], &r, NULL), SF_OK);
        for (int k = 0; k < 2; k++) {
            double v = k == 0 ? r.params : r.tokens;
            cr_assert(lo[k][j] < v && v < hi[k][j], "band %d at %g misses the estimate", k, cg[j]);
            cr_assert(lo[k][j] <= lo2[k][j] && hi2[k][j] <= hi[k][j], "95%% inside 50%%");
        }
    }
    cr_assert_eq(sf_alloc_bands(law, spread, 9, 400, 0.0, cg, M, 0.95, lo, hi), SF_OK);
    cr_assert(isnan(lo[0][0]) && isnan(hi[2][M - 1]));
    /* At most max_draws of them: every stride-th. */
    double a[K], b[K], c[K], *v[3] = {a, b, c};
    cr_assert_eq(sf_alloc_draws_at(law, spread, K, 4, cg[0], 0.0, v), K / 4);
    for (int i = 1; i < K / 4; i++) cr_assert(a[i - 1] <= a[i], "sorted");
    free(same);
    free(spread);
    sf_law_free(law);
}

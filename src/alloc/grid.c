/*
 * Allocations over a grid of budgets, and their bands across parameter
 * draws (bootstrap resamples or posterior draws): at every C the quantiles
 * of N_opt(C; theta_b) over draws b, so a band is the uncertainty of the
 * allocation itself, not of the parameters one at a time.
 */
#include <math.h>
#include <stdlib.h>

#include "alloc/alloc_grid.h"
#include "base/base.h"

int sf_alloc_at(const sf_law *law, const double *params, double C, double U, sf_alloc_row *row,
                sf_error *err)
{
    if (!(U > 0)) return sf_alloc_optimal(law, params, C, row, err);
    sf_alloc_dc_row dc;
    int rc = sf_alloc_data_constrained(law, params, C, U, &dc, err);
    if (rc == SF_OK) *row = dc.opt;
    return rc;
}

size_t sf_alloc_grid(const sf_law *law, const double *params, double c0, double c1, size_t m,
                     double U, sf_alloc_row *rows, int *ok)
{
    size_t good = 0;
    for (size_t k = 0; k < m; k++) {
        double C = exp(log(c0) + (log(c1) - log(c0)) * (double)k / (double)(m - 1));
        ok[k] = sf_alloc_at(law, params, C, U, &rows[k], NULL) == SF_OK;
        if (!ok[k]) rows[k] = (sf_alloc_row){.compute = C, .params = NAN, .tokens = NAN,
                                             .tokens_per_param = NAN, .loss = NAN};
        good += ok[k] ? 1u : 0u;
    }
    return good;
}

size_t sf_alloc_draws_at(const sf_law *law, const double *draws, size_t n_draws, size_t stride,
                         double C, double U, double *v[3])
{
    size_t np = sf_law_n_params(law), m = 0;
    for (size_t b = 0; b < n_draws; b += stride) {
        sf_alloc_row row;
        if (sf_alloc_at(law, draws + b * np, C, U, &row, NULL) != SF_OK) continue;
        if (!(row.params > 0 && row.tokens > 0)) continue;
        v[0][m] = row.params;
        v[1][m] = row.tokens;
        v[2][m] = row.tokens_per_param;
        m++;
    }
    for (int k = 0; k < 3; k++) sf_sort_doubles(v[k], m);
    return m;
}

int sf_alloc_bands(const sf_law *law, const double *draws, size_t n_draws, size_t max_draws,
                   double U, const double *cg, size_t m, double level, double *lo[3],
                   double *hi[3])
{
    size_t stride = (n_draws + max_draws - 1) / max_draws;
    if (stride == 0) stride = 1;
    size_t cap = n_draws / stride + 1;
    double *v[3];
    for (int k = 0; k < 3; k++) v[k] = malloc(cap * sizeof *v[k]);
    int ok = v[0] && v[1] && v[2];
    for (size_t j = 0; ok && j < m; j++) {
        size_t cnt = sf_alloc_draws_at(law, draws, n_draws, stride, cg[j], U, v);
        for (int k = 0; k < 3; k++) {
            lo[k][j] = cnt >= 10 ? sf_quantile_sorted(v[k], cnt, 0.5 * (1.0 - level)) : NAN;
            hi[k][j] = cnt >= 10 ? sf_quantile_sorted(v[k], cnt, 0.5 * (1.0 + level)) : NAN;
        }
    }
    for (int k = 0; k < 3; k++) free(v[k]);
    return ok ? SF_OK : SF_ENOMEM;
}

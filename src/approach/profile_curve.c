/*
 * Points along a budget's fitted IsoFLOP profile (approach/profile_curve.h).
 */
#include <math.h>

#include "approach/profile_curve.h"

size_t sf_isoflop_profile_curve(const sf_isoflop *r, size_t b, size_t m, double pad, double *x,
                                double *y)
{
    const sf_isoflop_budget *B = sf_isoflop_budget_at(r, b);
    if (!B || B->n_sizes < 3 || m < 2) return 0;
    double u0 = log(B->N_min) - pad, u1 = log(B->N_max) + pad;
    if (B->N_opt > 0 && isfinite(B->N_opt)) {
        u0 = fmin(u0, log(B->N_opt) - pad);
        u1 = fmax(u1, log(B->N_opt) + pad);
    }
    for (size_t k = 0; k < m; k++) {
        x[k] = exp(u0 + (u1 - u0) * (double)k / (double)(m - 1));
        y[k] = sf_isoflop_profile_eval(r, b, x[k]);
    }
    return m;
}

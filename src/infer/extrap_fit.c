/*
 * The extrapolation interval of a fit's prediction (issue 23): the
 * distance from the range of the fit's rows, the parameter part from the
 * spread of log L^ over its draws, the residual part from the spread of
 * the draws' residual noise (the log residuals the bootstrap and the
 * posterior draw for prediction intervals); src/validate/extrap.c
 * combines them.
 */
#include <math.h>
#include <stdlib.h>

#include "base/base.h"
#include "infer/infer_impl.h"

static double sd_of(const double *v, size_t m)
{
    if (m < 2) return NAN;
    double mean = 0, ss = 0;
    for (size_t k = 0; k < m; k++) mean += v[k];
    mean /= (double)m;
    for (size_t k = 0; k < m; k++) ss += (v[k] - mean) * (v[k] - mean);
    return sqrt(ss / (double)(m - 1));
}

int sf_fit_extrap_interval(const sf_fit *fit, const sf_draws *dr, const sf_point *x,
                           const double *levels, size_t n_levels, sf_extrap *out, sf_error *err)
{
    out->n_levels = 0;
    double range[3], L;
    sf_fit_data_range(fit, range);
    int rc = sf_law_predict(fit->law, fit->params, x, &L);
    if (rc != SF_OK || !(L > 0) || !isfinite(L))
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0, "the law gives no finite loss there");
    double dist = sf_extrap_distance(x->N, x->D, range[0], range[1]);
    double ps = NAN, rs = NAN;
    if (dr && dr->n > 1) {
        double *v = malloc(dr->n * sizeof *v);
        if (!v) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
        size_t m = 0;
        for (size_t k = 0; k < dr->n; k++) {
            double Lk;
            if (sf_law_predict(fit->law, dr->x + k * dr->p, x, &Lk) == SF_OK && Lk > 0 &&
                isfinite(Lk))
                v[m++] = log(Lk);
        }
        ps = sd_of(v, m);
        rs = dr->noise ? sd_of(dr->noise, dr->n) : NAN;
        free(v);
    }
    double lv[SF_MAX_LEVELS];
    if (!levels || n_levels == 0) {
        n_levels = dr ? dr->n_levels : 0;
        for (size_t j = 0; j < n_levels; j++) lv[j] = dr->levels[j];
        levels = n_levels ? lv : NULL;
    }
    if (sf_extrap_interval(L, dist, ps, rs, levels, n_levels, out) != SF_OK)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "interval levels must lie in (0, 1)");
    return SF_OK;
}

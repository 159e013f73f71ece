/*
 * Extrapolation intervals of whole tables of predictions and allocations
 * (issue 21): the rows that lie beyond a fit's data get their interval,
 * the others none.  `scalefit predict` and `optimal` and the Python
 * package call these, so that both attach the same intervals to the same
 * rows (docs/uncertainty.md).
 */
#include <math.h>

#include "base/base.h"
#include "infer/infer_impl.h"

/* One row: an interval when the fit has draws, the point lies beyond the
 * data and the loss is positive; a failure leaves the row without one. */
static void extrap_at(const sf_fit *fit, const sf_draws *draws, const double range[3],
                      double loss, double N, double D, const double *levels, size_t n_levels,
                      sf_extrap *x)
{
    x->n_levels = 0;
    if (sf_draws_count(draws) < 2 || !(sf_extrap_distance(N, D, range[0], range[1]) > 0) ||
        !(loss > 0))
        return;
    sf_point at = {.N = N, .D = D};
    sf_error err;
    sf_error_clear(&err);
    if (sf_fit_extrap_interval(fit, draws, &at, levels, n_levels, x, &err) != SF_OK)
        x->n_levels = 0;
}

static int check_args(const sf_fit *fit, const void *rows, size_t n, const sf_extrap *out,
                      size_t n_levels, sf_error *err)
{
    if (!fit || (n && (!rows || !out)))
        return sf_fail(err, SF_EINVAL, "", 0, 0, "extrapolation rows: NULL argument");
    if (n_levels > SF_MAX_LEVELS)
        return sf_fail(err, SF_EINVAL, "", 0, 0, "extrapolation rows: more than %d levels",
                       SF_MAX_LEVELS);
    return SF_OK;
}

int sf_fit_extrap_alloc(const sf_fit *fit, const sf_draws *draws, const sf_alloc_row *rows,
                        size_t n, const double *levels, size_t n_levels, sf_extrap *out,
                        size_t *n_beyond, sf_error *err)
{
    if (n_beyond) *n_beyond = 0;
    int rc = check_args(fit, rows, n, out, n_levels, err);
    if (rc != SF_OK) return rc;
    double range[3];
    sf_fit_data_range(fit, range);
    for (size_t i = 0; i < n; i++) {
        extrap_at(fit, draws, range, rows[i].loss, rows[i].params, rows[i].tokens, levels,
                  n_levels, &out[i]);
        if (n_beyond) *n_beyond += out[i].n_levels > 0;
    }
    return SF_OK;
}

int sf_fit_extrap_points(const sf_fit *fit, const sf_draws *draws, const sf_point *x,
                         const double *loss, size_t n, const double *levels, size_t n_levels,
                         sf_extrap *out, size_t *n_beyond, sf_error *err)
{
    if (n_beyond) *n_beyond = 0;
    int rc = check_args(fit, x, n, out, n_levels, err);
    if (rc == SF_OK && n && !loss)
        rc = sf_fail(err, SF_EINVAL, "", 0, 0, "extrapolation rows: NULL argument");
    if (rc != SF_OK) return rc;
    double range[3];
    sf_fit_data_range(fit, range);
    for (size_t i = 0; i < n; i++) {
        extrap_at(fit, draws, range, loss[i], x[i].N, x[i].D, levels, n_levels, &out[i]);
        if (n_beyond) *n_beyond += out[i].n_levels > 0;
    }
    return SF_OK;
}

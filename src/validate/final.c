/*
 * The final row of a validation target and its extrapolation interval
 * (issue 23): the target's last checkpoint, predicted by the fit on the
 * smaller models, with the three parts of src/validate/extrap.c.  The
 * parameter part is the sd of log L^ over bootstrap refits of the fitted
 * rows (whole runs resampled when the data have a run column: the
 * checkpoints of one run move together), the residual part the weighted
 * RMS of the fit's log residuals, and the distance counts the decades of N
 * and D beyond the largest fitted run's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate_impl.h"
#include "base/base.h"

/* Weighted RMS of log(L / L^) over the fitted rows. */
static double resid_sd(const sf_law *law, const double *p, const sf_data *s)
{
    double sw = 0, sr = 0;
    for (size_t i = 0; i < s->n; i++) {
        sf_point x = {.N = s->N[i], .D = s->D[i], .C = s->C ? s->C[i] : 0,
                      .U = s->U ? s->U[i] : 0};
        double L;
        if (sf_law_predict(law, p, &x, &L) != SF_OK || !(L > 0)) continue;
        double w = s->weight ? s->weight[i] : 1, r = log(s->loss[i] / L);
        if (!isfinite(r) || !(w > 0)) continue;
        sw += w;
        sr += w * r * r;
    }
    return sw > 0 ? sqrt(sr / sw) : NAN;
}

/* sd of log L^(x) over the draws; NaN with fewer than two. */
static int param_sd(const sf_law *law, const sf_draws *dr, const sf_point *x, double *out)
{
    size_t n = sf_draws_count(dr);
    *out = NAN;
    if (n < 2) return SF_OK;
    double *v = malloc(n * sizeof *v);
    if (!v) return SF_ENOMEM;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        double L;
        if (sf_law_predict(law, sf_draws_at(dr, k), x, &L) == SF_OK && L > 0 && isfinite(L))
            v[m++] = log(L);
    }
    double mean = 0, ss = 0;
    for (size_t k = 0; k < m; k++) mean += v[k];
    if (m > 1) {
        mean /= (double)m;
        for (size_t k = 0; k < m; k++) ss += (v[k] - mean) * (v[k] - mean);
        *out = sqrt(ss / (double)(m - 1));
    }
    free(v);
    return SF_OK;
}

int sf_vfinal_compute(const sf_law *law, const sf_data *d, const sf_data *sub,
                      const sf_validate_options *o, sf_vtarget *t)
{
    memset(&t->final, 0, sizeof t->final);
    if (!t->fit || t->pub.n_points == 0) return SF_OK;
    const sf_validation_point *f = &t->points[0];
    for (size_t k = 1; k < t->pub.n_points; k++)
        if (t->points[k].D > f->D) f = &t->points[k];
    size_t i = f->row;
    sf_point x = {.N = f->N, .D = f->D, .C = d->C ? d->C[i] : 0, .U = d->U ? d->U[i] : 0};
    double L;
    if (sf_law_predict(law, sf_fit_params(t->fit), &x, &L) != SF_OK || !(L > 0) || !isfinite(L))
        return SF_OK;
    if (o->bootstrap > 0) {
        sf_bootstrap_options bo;
        sf_bootstrap_options_init(&bo);
        bo.resamples = o->bootstrap;
        bo.resample = o->resample_runs && sub->group ? SF_RESAMPLE_GROUP : SF_RESAMPLE_ROWS;
        sf_error err;
        sf_error_clear(&err);
        sf_draws_free(t->draws);
        t->draws = NULL;
        if (sf_fit_bootstrap(t->fit, sub, &bo, &t->draws, &err) == SF_ENOMEM) return SF_ENOMEM;
    }
    double ps;
    if (param_sd(law, t->draws, &x, &ps) != SF_OK) return SF_ENOMEM;
    double nmax = 0, dmax = 0;
    for (size_t r = 0; r < t->pub.n_runs; r++) {
        if (t->runs[r].N > nmax) nmax = t->runs[r].N;
        if (t->runs[r].D_max > dmax) dmax = t->runs[r].D_max;
    }
    double dist = sf_extrap_distance(x.N, x.D, nmax, dmax);
    sf_validation_final *vf = &t->final;
    if (sf_extrap_interval(L, dist, ps, resid_sd(law, sf_fit_params(t->fit), sub), o->levels,
                           o->n_levels, &vf->interval) != SF_OK)
        return SF_OK;
    vf->N = f->N;
    vf->D = f->D;
    vf->actual = f->loss;
    vf->line = f->line;
    for (size_t j = 0; j < vf->interval.n_levels; j++)
        vf->covered[j] = f->loss >= vf->interval.lo[j] && f->loss <= vf->interval.hi[j];
    return SF_OK;
}

const sf_validation_final *sf_validation_target_final(const sf_validation *v, size_t k)
{
    if (!v || k >= v->n_targets || v->targets[k].final.interval.n_levels == 0) return NULL;
    return &v->targets[k].final;
}

const sf_validation_final *sf_validation_cell_final(const sf_validation *v, size_t k)
{
    if (!v || !v->cell_final || k >= v->n_cells || v->cell_final[k].interval.n_levels == 0)
        return NULL;
    return &v->cell_final[k];
}

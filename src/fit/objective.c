/*
 * The fitting objective: a robust loss on log residuals, summed over rows,
 *
 *     f(theta) = sum_i w_i rho(r_i),   r_i = log L_i - log L^(x_i; theta)
 *
 * with rho the Huber function (Hoffmann et al. 2022, Appendix D.2;
 * Besiroglu et al. 2024 sum rather than average it):
 *
 *     rho(r) = r^2 / 2                 for |r| <= delta
 *            = delta (|r| - delta/2)   otherwise
 *
 * or r^2/2 for least squares.  Its gradient is
 * -sum_i w_i psi(r_i) d log L^_i / d theta, psi(r) = clamp(r, -delta, delta).
 * The sum runs in row order, so the value does not depend on threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "fit/fit_impl.h"

void sf_pmap_theta(const sf_pmap *m, const double *z, double *theta)
{
    for (size_t j = 0; j < m->p; j++) theta[j] = m->map[j] >= 0 ? z[m->map[j]] : m->held[j];
}

void sf_pmap_z(const sf_pmap *m, const double *theta, double *z)
{
    for (size_t j = 0; j < m->p; j++)
        if (m->map[j] >= 0 && m->rep[j] == (int)j) z[m->map[j]] = theta[j];
}

void sf_pmap_grad(const sf_pmap *m, const double *gtheta, double *gz)
{
    for (size_t k = 0; k < m->nz; k++) gz[k] = 0.0;
    for (size_t j = 0; j < m->p; j++)
        if (m->map[j] >= 0) gz[m->map[j]] += gtheta[j];
}

void sf_pmap_rebuild(sf_pmap *m)
{
    /* Representatives get coordinates in parameter order; a tied parameter
     * follows its representative, held or free. */
    size_t k = 0;
    for (size_t j = 0; j < m->p; j++) {
        int r = m->rep[j];
        if (r != (int)j) continue;
        m->map[j] = (m->fixed[j] || m->bound[j]) ? -1 : (int)k++;
    }
    for (size_t j = 0; j < m->p; j++) {
        int r = m->rep[j];
        if (r == (int)j) continue;
        m->map[j] = m->map[r];
        m->held[j] = m->held[r];
        m->fixed[j] = m->fixed[r];
        m->bound[j] = m->bound[r];
    }
    m->nz = k;
}

int sf_problem_init(sf_problem *pb, const sf_law *law, const sf_data *d,
                    const sf_fit_options *o, sf_error *err)
{
    memset(pb, 0, sizeof *pb);
    pb->law = law;
    pb->opt = o;
    pb->n = d->n;
    pb->loss = o->loss;
    pb->delta = o->delta;
    size_t n = d->n;
    const char *src = d->source;

    /* Logs of the roles the law reads, and of the loss. */
    size_t ncols = 1;
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        if (r != SF_ROLE_LOSS && (law->roles & SF_ROLE_BIT(r))) ncols++;
    pb->store = malloc((n ? n : 1) * ncols * sizeof *pb->store);
    if (!pb->store) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    double *s = pb->store;
    const double *col[SF_ROLE_COUNT] = {
        [SF_ROLE_N] = d->N, [SF_ROLE_D] = d->D, [SF_ROLE_C] = d->C, [SF_ROLE_U] = d->U};
    for (int r = 0; r < SF_ROLE_COUNT; r++) {
        if (r == SF_ROLE_LOSS || r == SF_ROLE_GROUP || r == SF_ROLE_WEIGHT) continue;
        if (!(law->roles & SF_ROLE_BIT(r))) continue;
        if (!col[r])
            return sf_fail(err, SF_ENOCOLUMN, src, 0, 0, "law '%s' needs a column for %s",
                           law->cls->name, sf_role_name((sf_role)r));
        for (size_t i = 0; i < n; i++) {
            if (!(col[r][i] > 0) || !isfinite(col[r][i]))
                return sf_fail(err, SF_EDOMAIN, src, d->line[i], 0,
                               "%s must be finite and > 0, got %g", sf_role_name((sf_role)r),
                               col[r][i]);
            s[i] = log(col[r][i]);
        }
        pb->obs.log[r] = s;
        s += n;
    }
    if (!d->loss)
        return sf_fail(err, SF_ENOCOLUMN, src, 0, 0, "no loss column");
    for (size_t i = 0; i < n; i++) {
        if (!(d->loss[i] > 0) || !isfinite(d->loss[i]))
            return sf_fail(err, SF_EDOMAIN, src, d->line[i], 0,
                           "loss must be finite and > 0, got %g", d->loss[i]);
        s[i] = log(d->loss[i]);
    }
    pb->obs.logy = s;
    pb->obs.w = d->weight;
    for (size_t k = 0; k < law->n_extra; k++) {
        long x = sf_data_extra_index(d, law->extra[k]);
        if (x < 0)
            return sf_fail(err, SF_ENOCOLUMN, src, 0, 0, "law '%s' reads column '%s': the data "
                           "have no such column", sf_law_name(law), law->extra[k]);
        pb->obs.extra[k] = d->extra[x];
    }
    pb->obs.n = n;

    /* The optimiser's convergence tests are absolute, so give it an
     * objective of order one: the mean robust loss in units of delta. */
    double wsum = 0;
    for (size_t i = 0; i < n; i++) wsum += d->weight ? d->weight[i] : 1.0;
    if (!(wsum > 0))
        return sf_fail(err, SF_EINVAL, src, 0, 0, "the weights sum to zero");
    pb->scale = o->loss == SF_LOSS_HUBER ? 1.0 / (wsum * o->delta) : 1.0 / wsum;

    for (size_t j = 0; j < law->n_params; j++) {
        const sf_param_spec *ps = &law->param[j];
        pb->lo[j] = ps->scale == SF_SCALE_LOG ? (ps->lo > 0 ? log(ps->lo) : -INFINITY) : ps->lo;
        pb->hi[j] = ps->scale == SF_SCALE_LOG ? log(ps->hi) : ps->hi;
    }
    sf_problem_set_chunking(pb, o);
    return SF_OK;
}

void sf_problem_free(sf_problem *pb)
{
    free(pb->store);
    pb->store = NULL;
}

int sf_work_init(sf_work *w, const sf_problem *pb)
{
    return pb->chunked ? sf_work_init_chunked(w, pb) : sf_work_init_full(w, pb);
}

int sf_work_init_full(sf_work *w, const sf_problem *pb)
{
    size_t n = pb->n ? pb->n : 1;
    w->part = NULL;
    w->logy = malloc(n * sizeof *w->logy);
    w->jac = malloc(n * pb->law->n_params * sizeof *w->jac);
    if (!w->logy || !w->jac) {
        sf_work_free(w);
        return SF_ENOMEM;
    }
    return SF_OK;
}

void sf_work_free(sf_work *w)
{
    free(w->logy);
    free(w->jac);
    free(w->part);
    w->logy = w->jac = w->part = NULL;
}

double sf_problem_value(const sf_problem *pb, sf_work *w, const double *theta, double *g)
{
    if (pb->chunked) return sf_problem_value_chunked(pb, w, theta, g);
    const sf_law *law = pb->law;
    const size_t n = pb->n, p = law->n_params;
    law->cls->eval(law, theta, &pb->obs, w->logy, g ? w->jac : NULL);
    const double *ly = pb->obs.logy, *wt = pb->obs.w;
    const double delta = pb->delta;
    const int huber = pb->loss == SF_LOSS_HUBER;
    double f = 0.0;
    if (g)
        for (size_t j = 0; j < p; j++) g[j] = 0.0;
    for (size_t i = 0; i < n; i++) {
        double r = ly[i] - w->logy[i];
        double wi = wt ? wt[i] : 1.0;
        double psi, rho = sf_huber_rho(huber, r, delta, &psi);
        f += wi * rho;
        if (g) {
            const double *J = w->jac + i * p;
            double c = wi * psi;
            for (size_t j = 0; j < p; j++) g[j] -= c * J[j];
        }
    }
    return f;
}

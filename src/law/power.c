/*
 * A power law with an offset in one variable X (N, D or C, by the law's x
 * option):
 *
 *     L(X) = E + A X^-alpha
 *
 * the single-factor laws of Kaplan et al. (2020, eqs. 1.1-1.3, there with
 * E = 0) and the "reducible plus irreducible" form of Henighan et al.
 * (2020).  In log-sum-exp form with e = log E, a = log A:
 *
 *     log L = LSE(e, a - alpha log X)
 *
 * Internal coordinates theta = (e, a, alpha).  For fixed alpha the law is
 * linear in (E, A), which the variable-projection search uses.
 *
 * With E held at 0 (--fix E=0) the law is a pure power law and the fit is
 * a straight line in log-log coordinates, log L = a - alpha log X: a convex
 * problem, solved directly (weighted least squares; for the Huber loss,
 * iteratively reweighted least squares to the Huber normal equations).
 */
#include <math.h>
#include <stdlib.h>

#include "base/base.h"
#include "law/law_impl.h"

enum { P_E, P_A, P_ALPHA };

static int setup(sf_law *law, sf_error *err)
{
    int rc = sf_law_setup_x(law, err);
    if (rc != SF_OK) return rc;
    sf_law_add_param(law, "E", SF_SCALE_LOG, 0.0, INFINITY);
    sf_law_add_param(law, "A", SF_SCALE_LOG, 0.0, INFINITY);
    sf_law_add_param(law, "alpha", SF_SCALE_LINEAR, 0.0, INFINITY);

    /* Start grid (--grid full/screen): e in {-1, ..., 1}, a in {0, 2.5,
     * ..., 30} (A X^-alpha is O(1) at X = 1e9 for a = alpha log 1e9, up to
     * ~30 for C and alpha ~ 0.5), alpha in {0.25, ..., 2}: 585 points. */
    sf_law_grid_range(law, P_E, -1.0, 0.5, 1.0);
    sf_law_grid_range(law, P_A, 0.0, 2.5, 30.0);
    sf_law_grid_range(law, P_ALPHA, 0.25, 0.25, 2.0);

    /* Variable projection: basis (1, X^-alpha) for (E, A). */
    law->n_lin = 2;
    law->lin[0] = P_E;
    law->lin_dep[0] = -1;
    law->lin[1] = P_A;
    law->lin_dep[1] = P_ALPHA;
    sf_law_vp_range(law, P_ALPHA, 0.01, 0.01, 3.0);
    return SF_OK;
}

static void eval(const sf_law *law, const double *th, const sf_obs *x, double *logy,
                 double *jac)
{
    const double e = th[P_E], a = th[P_A], al = th[P_ALPHA];
    const double *lx = x->log[law->opt.x];
    const double E = exp(e);
    for (size_t i = 0; i < x->n; i++) {
        double t = a - al * lx[i], et = exp(t), s = E + et, w[3];
        if (s > 0 && s < INFINITY) {
            logy[i] = log(s);
            w[0] = E / s;
            w[1] = et / s;
        } else {
            logy[i] = sf_lse3(e, t, -INFINITY, w);
        }
        if (jac) {
            double *J = jac + i * 3;
            J[P_E] = w[0];
            J[P_A] = w[1];
            J[P_ALPHA] = -lx[i] * w[1];
        }
    }
}

static void basis(const sf_law *law, const double *th, const sf_obs *x, double *B)
{
    const size_t n = x->n;
    const double *lx = x->log[law->opt.x];
    for (size_t i = 0; i < n; i++) {
        B[i] = 1.0;
        B[n + i] = exp(-th[P_ALPHA] * lx[i]);
    }
}

/* Weighted least squares of y = a - alpha x with weights v, over the
 * coefficients not held (free_a, free_al).  Centred sums, so large log X
 * (log C ~ 50) cost no precision.  Returns 0 when singular. */
static int line_fit(const double *x, const double *y, const double *v, size_t n, int free_a,
                    int free_al, double *a, double *al)
{
    double sv = 0, mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) sv += v[i];
    if (!(sv > 0)) return 0;
    for (size_t i = 0; i < n; i++) {
        mx += v[i] * x[i] / sv;
        my += v[i] * y[i] / sv;
    }
    if (free_a && free_al) {
        double sxx = 0, sxy = 0;
        for (size_t i = 0; i < n; i++) {
            sxx += v[i] * (x[i] - mx) * (x[i] - mx);
            sxy += v[i] * (x[i] - mx) * (y[i] - my);
        }
        if (!(sxx > 0)) return 0;
        *al = -sxy / sxx;
        *a = my + *al * mx;
    } else if (free_a) {
        *a = my + *al * mx;
    } else if (free_al) {
        double sxx = 0, sxy = 0;
        for (size_t i = 0; i < n; i++) {
            sxx += v[i] * x[i] * x[i];
            sxy += v[i] * x[i] * (y[i] - *a);
        }
        if (!(sxx > 0)) return 0;
        *al = -sxy / sxx;
    }
    return isfinite(*a) && isfinite(*al);
}

/* The pure power law (E held at 0): log L = a - alpha log X is a straight
 * line, and the objective is convex in (a, alpha).  Least squares is solved
 * in closed form; the Huber loss by iteratively reweighted least squares
 * (weights w_i min(1, delta/|r_i|)), whose fixed point satisfies the Huber
 * normal equations sum w_i psi(r_i) (1, log X_i) = 0 exactly. */
static int starts(const sf_law *law, const sf_start_ctx *c, double *theta, size_t *count,
                  int *exact)
{
    if (!c->held[P_E] || c->held_theta[P_E] != -INFINITY || c->max < 1) return SF_ENOTSUP;
    const sf_obs *o = c->obs;
    const size_t n = o->n;
    const double *lx = o->log[law->opt.x], *ly = o->logy;
    int free_a = !c->held[P_A], free_al = !c->held[P_ALPHA];
    double a = c->held[P_A] ? c->held_theta[P_A] : 0.0;
    double al = c->held[P_ALPHA] ? c->held_theta[P_ALPHA] : 0.0;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return SF_ENOMEM;
    for (size_t i = 0; i < n; i++) v[i] = o->w ? o->w[i] : 1.0;
    int ok = line_fit(lx, ly, v, n, free_a, free_al, &a, &al);
    for (int it = 0; ok && c->loss == SF_LOSS_HUBER && it < 500; it++) {
        for (size_t i = 0; i < n; i++) {
            double r = fabs(ly[i] - a + al * lx[i]);
            double wi = o->w ? o->w[i] : 1.0;
            v[i] = r > c->delta ? wi * c->delta / r : wi;
        }
        double a0 = a, al0 = al;
        ok = line_fit(lx, ly, v, n, free_a, free_al, &a, &al);
        if (fabs(a - a0) <= 1e-15 * (1 + fabs(a)) && fabs(al - al0) <= 1e-15 * (1 + fabs(al)))
            break;
    }
    free(v);
    if (!ok) return SF_ENOTSUP;
    theta[P_E] = -INFINITY;
    theta[P_A] = a;
    theta[P_ALPHA] = al;
    *count = 1;
    *exact = 1;
    return SF_OK;
}

static double floor_loss(const sf_law *law, const double *p)
{
    (void)law;
    return p[P_E];
}

const sf_law_class sf_law_power = {
    .name = "power",
    .formula = "L = E + A/X^alpha  (X = N, D or C: --x)",
    .setup = setup,
    .eval = eval,
    .basis = basis,
    .floor = floor_loss,
    .options = SF_LAW_OPT_X,
    .starts = starts,
};

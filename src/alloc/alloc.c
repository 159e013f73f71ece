/*
 * Compute-optimal allocation: for a budget C = 6ND, the (N, D) that
 * minimises predicted loss, and the smallest budget reaching a target loss.
 *
 * Laws with a closed form (chinchilla) use it.  Others that read N and D
 * get a numeric answer: L(N, C/(6N)) over u = log N is scanned on a grid
 * and the best bracket is refined by golden-section search to full double
 * precision in u.  The target-loss inverse is a bisection on log C over the
 * frontier L*(C), which decreases with C.
 */
#include <math.h>
#include <string.h>

#include "alloc/alloc_impl.h"
#include "base/base.h"
#include "law/law_impl.h"

#define SCAN 400

static int loss_at(const sf_law *law, const double *p, double N, double D, double *L)
{
    sf_point x = {.N = N, .D = D, .C = 6.0 * N * D};
    return sf_law_predict(law, p, &x, L);
}

static int check_budget(double C, sf_error *err)
{
    if (!(C > 0) || !isfinite(C))
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0, "compute budget must be finite and > 0, got %g",
                       C);
    return SF_OK;
}

int sf_minimize_scan(double (*f)(void *ctx, double u), void *ctx, double lo, double hi,
                     int scan, double *umin)
{
    double best = INFINITY;
    int ib = -1;
    for (int k = 0; k <= scan; k++) {
        double v = f(ctx, lo + (hi - lo) * k / scan);
        if (v < best) {
            best = v;
            ib = k;
        }
    }
    if (ib < 0) return SF_EDOMAIN;
    double a = lo + (hi - lo) * (ib > 0 ? ib - 1 : 0) / scan;
    double b = lo + (hi - lo) * (ib < scan ? ib + 1 : scan) / scan;
    const double gr = 0.5 * (sqrt(5.0) - 1.0);
    double x1 = b - gr * (b - a), x2 = a + gr * (b - a);
    double f1 = f(ctx, x1), f2 = f(ctx, x2);
    for (int it = 0; it < 200 && b - a > 1e-13 * (1.0 + fabs(a)); it++) {
        if (f1 <= f2) {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - gr * (b - a);
            f1 = f(ctx, x1);
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + gr * (b - a);
            f2 = f(ctx, x2);
        }
    }
    *umin = 0.5 * (a + b);
    return SF_OK;
}

/* L(N, C/(6N)) at N = e^u, INFINITY where the law gives no loss. */
typedef struct budget_ctx {
    const sf_law *law;
    const double *p;
    double s;  /* C/6 */
} budget_ctx;

static double loss_on_budget(void *ctx, double u)
{
    const budget_ctx *b = ctx;
    double L;
    return loss_at(b->law, b->p, exp(u), b->s / exp(u), &L) == SF_OK ? L : INFINITY;
}

static int numeric_optimal(const sf_law *law, const double *p, double C, double *N, double *D)
{
    /* N from 1 parameter to C/6 (one token each). */
    budget_ctx b = {law, p, C / 6.0};
    double u, hi = log(b.s);
    if (!(hi > 0.0)) return SF_EDOMAIN;
    int rc = sf_minimize_scan(loss_on_budget, &b, 0.0, hi, SCAN, &u);
    if (rc != SF_OK) return rc;
    *N = exp(u);
    *D = b.s / *N;
    return SF_OK;
}

static int reads_N_and_D(const sf_law *law)
{
    unsigned need = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    return (law->roles & need) == need;
}

/* A law that also reads U (datablations) has no allocation without it. */
static int needs_unique_tokens(const sf_law *law, sf_error *err)
{
    if (!(law->roles & SF_ROLE_BIT(SF_ROLE_U))) return SF_OK;
    return sf_fail(err, SF_ENOTSUP, NULL, 0, 0,
                   "law '%s' reads unique tokens U: its allocation depends on them "
                   "(sf_alloc_data_constrained; scalefit optimal --unique-tokens U)",
                   law->cls->name);
}

int sf_alloc_optimal(const sf_law *law, const double *params, double C, sf_alloc_row *row,
                     sf_error *err)
{
    memset(row, 0, sizeof *row);
    int rc = check_budget(C, err);
    if (rc != SF_OK) return rc;
    if (!reads_N_and_D(law))
        return sf_fail(err, SF_ENOTSUP, NULL, 0, 0,
                       "law '%s' does not depend on both N and D: it has no compute-optimal "
                       "allocation", law->cls->name);
    if ((rc = needs_unique_tokens(law, err)) != SF_OK) return rc;
    double N, D;
    rc = law->cls->optimal ? law->cls->optimal(law, params, C, &N, &D)
                           : numeric_optimal(law, params, C, &N, &D);
    if (rc != SF_OK || !isfinite(N) || !isfinite(D))
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                       "no compute-optimal allocation at C = %g for these parameters "
                       "(an exponent is not positive?)", C);
    row->compute = C;
    row->params = N;
    row->tokens = D;
    row->tokens_per_param = D / N;
    if (loss_at(law, params, N, D, &row->loss) != SF_OK)
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0, "the law gives no finite loss at the optimum");
    return SF_OK;
}

int sf_alloc_target_loss(const sf_law *law, const double *params, double L, sf_alloc_row *row,
                         sf_error *err)
{
    memset(row, 0, sizeof *row);
    if (!(L > 0) || !isfinite(L))
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0, "target loss must be finite and > 0, got %g", L);
    if (!reads_N_and_D(law))
        return sf_fail(err, SF_ENOTSUP, NULL, 0, 0,
                       "law '%s' does not depend on both N and D: it has no compute-optimal "
                       "frontier", law->cls->name);
    int rc = needs_unique_tokens(law, err);
    if (rc != SF_OK) return rc;
    double C;
    if (law->cls->target) {
        rc = law->cls->target(law, params, L, &C, err);
        if (rc != SF_OK) return rc;
    } else {
        if (law->cls->floor && !(L > law->cls->floor(law, params)))
            return sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                           "target loss %.6g is not above the law's irreducible loss %.6g", L,
                           law->cls->floor(law, params));
        /* Bisection in log C between 1e6 and 1e40 FLOPs. */
        double lo = log(1e6), hi = log(1e40);
        sf_alloc_row r;
        if (sf_alloc_optimal(law, params, exp(hi), &r, err) != SF_OK) return SF_EDOMAIN;
        if (r.loss > L)
            return sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                           "target loss %.6g is not reached below 1e40 FLOPs (loss there: %.6g)",
                           L, r.loss);
        if (sf_alloc_optimal(law, params, exp(lo), &r, err) == SF_OK && r.loss <= L) {
            C = exp(lo);
        } else {
            for (int it = 0; it < 200 && hi - lo > 1e-13 * hi; it++) {
                double mid = 0.5 * (lo + hi);
                if (sf_alloc_optimal(law, params, exp(mid), &r, err) != SF_OK) return SF_EDOMAIN;
                if (r.loss > L) lo = mid;
                else hi = mid;
            }
            C = exp(hi);
        }
    }
    return sf_alloc_optimal(law, params, C, row, err);
}

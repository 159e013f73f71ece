/*
 * The Chinchilla law (Hoffmann et al. 2022, eq. 2):
 *
 *     L(N, D) = E + A / N^alpha + B / D^beta
 *
 * evaluated as Besiroglu et al. (2024) do, in log-sum-exp form with
 * e = log E, a = log A, b = log B:
 *
 *     log L = LSE(a - alpha log N, b - beta log D, e)
 *
 * so N and D up to 1e300 never overflow.  Internal coordinates are
 * theta = (e, a, b, alpha, beta); parameter order (E, A, B, alpha, beta).
 */
#include <math.h>

#include "base/base.h"
#include "law/law_impl.h"

enum { P_E, P_A, P_B, P_ALPHA, P_BETA };

static int setup(sf_law *law, sf_error *err)
{
    (void)err;
    law->roles |= SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    sf_law_add_param(law, "E", SF_SCALE_LOG, 0.0, INFINITY);
    sf_law_add_param(law, "A", SF_SCALE_LOG, 0.0, INFINITY);
    sf_law_add_param(law, "B", SF_SCALE_LOG, 0.0, INFINITY);
    /* Negative exponents would make loss grow with scale; 0 is allowed so
     * that the bound is reported when the data push an exponent there. */
    sf_law_add_param(law, "alpha", SF_SCALE_LINEAR, 0.0, INFINITY);
    sf_law_add_param(law, "beta", SF_SCALE_LINEAR, 0.0, INFINITY);

    /* Hoffmann et al.'s start grid (Appendix D.2), as Besiroglu et al.
     * reproduce it: alpha, beta in {0, 0.5, ..., 2}, e in {-1, -0.5, ..., 1},
     * a, b in {0, 5, ..., 25}: 5 * 6 * 6 * 5 * 5 = 4500 starts. */
    sf_law_grid_range(law, P_E, -1.0, 0.5, 1.0);
    sf_law_grid_range(law, P_A, 0.0, 5.0, 25.0);
    sf_law_grid_range(law, P_B, 0.0, 5.0, 25.0);
    sf_law_grid_range(law, P_ALPHA, 0.0, 0.5, 2.0);
    sf_law_grid_range(law, P_BETA, 0.0, 0.5, 2.0);

    /* Variable projection: for fixed (alpha, beta) the law is linear in
     * (E, A, B) with basis (1, N^-alpha, D^-beta). */
    law->n_lin = 3;
    law->lin[0] = P_E;
    law->lin_dep[0] = -1;
    law->lin[1] = P_A;
    law->lin_dep[1] = P_ALPHA;
    law->lin[2] = P_B;
    law->lin_dep[2] = P_BETA;
    sf_law_vp_range(law, P_ALPHA, 0.05, 0.05, 2.5);
    sf_law_vp_range(law, P_BETA, 0.05, 0.05, 2.5);
    return SF_OK;
}

static void eval(const sf_law *law, const double *th, const sf_obs *x, double *logy,
                 double *jac)
{
    const double e = th[P_E], a = th[P_A], b = th[P_B];
    const double al = th[P_ALPHA], be = th[P_BETA];
    const double *lN = x->log[SF_ROLE_N], *lD = x->log[SF_ROLE_D];
    const size_t p = law->n_params;
    const double E = exp(e);
    for (size_t i = 0; i < x->n; i++) {
        /* The plain sum E + A N^-alpha + B D^-beta costs two exp() per
         * point; the shifted log-sum-exp is only needed when a term
         * overflows or all of them underflow, which the test catches. */
        double t1 = a - al * lN[i], t2 = b - be * lD[i];
        double e1 = exp(t1), e2 = exp(t2), s = E + e1 + e2, w[3];
        if (s > 0 && s < INFINITY) {
            double inv = 1.0 / s;
            logy[i] = log(s);
            w[0] = E * inv;
            w[1] = e1 * inv;
            w[2] = e2 * inv;
        } else {
            logy[i] = sf_lse3(e, t1, t2, w);
        }
        if (jac) {
            double *J = jac + i * p;
            J[P_E] = w[0];
            J[P_A] = w[1];
            J[P_B] = w[2];
            J[P_ALPHA] = -lN[i] * w[1];
            J[P_BETA] = -lD[i] * w[2];
        }
    }
}

static void basis(const sf_law *law, const double *th, const sf_obs *x, double *B)
{
    (void)law;
    const size_t n = x->n;
    const double *lN = x->log[SF_ROLE_N], *lD = x->log[SF_ROLE_D];
    for (size_t i = 0; i < n; i++) {
        B[i] = 1.0;
        B[n + i] = exp(-th[P_ALPHA] * lN[i]);
        B[2 * n + i] = exp(-th[P_BETA] * lD[i]);
    }
}

/* a = beta/(alpha+beta), b = alpha/(alpha+beta) and
 * G = (alpha A / (beta B))^(1/(alpha+beta)) (Hoffmann et al. eq. 4), in
 * logs: log G = (log(alpha A) - log(beta B)) / (alpha + beta). */
static double log_G(const double *p)
{
    return (log(p[P_ALPHA]) + log(p[P_A]) - log(p[P_BETA]) - log(p[P_B])) /
           (p[P_ALPHA] + p[P_BETA]);
}

static size_t derived(const sf_law *law, const double *p, const char **names, double *v,
                      size_t max)
{
    (void)law;
    static const char *const nm[3] = {"a", "b", "G"};
    double s = p[P_ALPHA] + p[P_BETA];
    double val[3] = {p[P_BETA] / s, p[P_ALPHA] / s, exp(log_G(p))};
    for (size_t k = 0; k < 3 && k < max; k++) {
        names[k] = nm[k];
        v[k] = isfinite(val[k]) ? val[k] : NAN;
    }
    return 3;
}

static int optimal(const sf_law *law, const double *p, double C, double *N, double *D)
{
    (void)law;
    double s = p[P_ALPHA] + p[P_BETA];
    double lg = log_G(p), ls = log(C / 6.0);
    if (!(p[P_ALPHA] > 0 && p[P_BETA] > 0) || !isfinite(lg)) return SF_EDOMAIN;
    /* N_opt = G (C/6)^a, D_opt = G^-1 (C/6)^b (Hoffmann et al. eq. 4). */
    *N = exp(lg + p[P_BETA] / s * ls);
    *D = exp(p[P_ALPHA] / s * ls - lg);
    return SF_OK;
}

/* Along the compute-optimal frontier the two reducible terms are both
 * proportional to (C/6)^-gamma with gamma = alpha beta / (alpha + beta):
 * L*(C) = E + K (C/6)^-gamma, K = A G^-alpha + B G^beta.  Solve for C. */
static int target(const sf_law *law, const double *p, double L, double *C, sf_error *err)
{
    (void)law;
    double al = p[P_ALPHA], be = p[P_BETA];
    if (!(al > 0 && be > 0)) {
        *C = NAN;
        return SF_EDOMAIN;
    }
    if (!(L > p[P_E])) {
        *C = NAN;
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                       "target loss %.6g is not above the irreducible loss E = %.6g: "
                       "no amount of compute reaches it", L, p[P_E]);
    }
    double lg = log_G(p);
    double gamma = al * be / (al + be);
    double K = exp(log(p[P_A]) - al * lg) + exp(log(p[P_B]) + be * lg);
    *C = 6.0 * exp((log(K) - log(L - p[P_E])) / gamma);
    return isfinite(*C) ? SF_OK : SF_EDOMAIN;
}

static double floor_loss(const sf_law *law, const double *p)
{
    (void)law;
    return p[P_E];
}

const sf_law_class sf_law_chinchilla = {
    .name = "chinchilla",
    .formula = "L = E + A/N^alpha + B/D^beta",
    .setup = setup,
    .eval = eval,
    .basis = basis,
    .derived = derived,
    .optimal = optimal,
    .target = target,
    .floor = floor_loss,
};

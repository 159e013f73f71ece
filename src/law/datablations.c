/*
 * The data-constrained law of Muennighoff et al. (2023, eqs. 5-7 and the
 * authors' README), the Chinchilla law with repeated tokens and excess
 * parameters worth less:
 *
 *     L = E + A / N'^alpha + B / D'^beta
 *     D' = U + U rd* (1 - exp(-R_D / rd*)),     R_D = max(D/U - 1, 0)
 *     N' = U_N + U_N rn* (1 - exp(-R_N / rn*)), R_N = max(N/U_N - 1, 0)
 *     U_N = min(N, N_opt(U)),  N_opt(U) = G (G U)^(beta/alpha)
 *     G = (alpha A / (beta B))^(1/(alpha+beta))   (Hoffmann et al. eq. 4)
 *
 * U is the number of unique tokens.  A run cannot see more unique tokens
 * than it trains on, so U above D counts as U = D, as in the authors'
 * allocation code (U = min(U_BASE, D)).  N_opt(U) is the Chinchilla-optimal
 * model size for U tokens; parameters beyond it decay like repeated epochs.
 *
 * Evaluated in logs: log D' = log U + log(1 + rd* (1 - e^(-R_D/rd*))),
 * log N' likewise, log L = LSE(e, a - alpha log N', b - beta log D').
 * Internal coordinates (e, a, b, alpha, beta, log rd*, log rn*); the order
 * of the parameters is (E, A, B, alpha, beta, rd_star, rn_star), so the
 * first five are Chinchilla's.  When alpha or beta is 0, G and N_opt are
 * undefined; the law then applies no excess-parameter decay (U_N = N).
 *
 * The loss is continuously differentiable in N and D wherever U < D or
 * N <= N_opt(U): at R = 0 the decay term and its slope, d/dR of
 * R* (1 - e^(-R/R*)) = 1, join the undecayed law smoothly.
 */
#include <math.h>

#include "base/base.h"
#include "law/law_impl.h"

enum { P_E, P_A, P_B, P_ALPHA, P_BETA, P_RD, P_RN };

static int setup(sf_law *law, sf_error *err)
{
    (void)err;
    law->roles |=
        SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D) | SF_ROLE_BIT(SF_ROLE_U);
    sf_law_add_param(law, "E", SF_SCALE_LOG, 0.0, INFINITY);
    sf_law_add_param(law, "A", SF_SCALE_LOG, 0.0, INFINITY);
    sf_law_add_param(law, "B", SF_SCALE_LOG, 0.0, INFINITY);
    sf_law_add_param(law, "alpha", SF_SCALE_LINEAR, 0.0, INFINITY);
    sf_law_add_param(law, "beta", SF_SCALE_LINEAR, 0.0, INFINITY);
    sf_law_add_param(law, "rd_star", SF_SCALE_LOG, 0.0, INFINITY);
    sf_law_add_param(law, "rn_star", SF_SCALE_LOG, 0.0, INFINITY);
    /* Start grid: Hoffmann et al.'s e, a, b axes (thinned to e in {-1, 0,
     * 1}), exponents {0.25, 0.75, 1.25}, log rd* in {0, 2, 4, 6} (rd* from
     * 1 to 400; the authors found 15.4) and log rn* in {-1, 0.5, 2, 3.5}
     * (0.37 to 33; they found 5.3): 15552 points.  With the Chinchilla
     * part held (the authors' second stage) screening refines the (rd*,
     * rn*) plane to 49 x 49 points (steps of 0.125 in log rd*). */
    sf_law_grid_range(law, P_E, -1.0, 1.0, 1.0);
    sf_law_grid_range(law, P_A, 0.0, 5.0, 25.0);
    sf_law_grid_range(law, P_B, 0.0, 5.0, 25.0);
    sf_law_grid_range(law, P_ALPHA, 0.25, 0.5, 1.25);
    sf_law_grid_range(law, P_BETA, 0.25, 0.5, 1.25);
    sf_law_grid_range(law, P_RD, 0.0, 2.0, 6.0);
    sf_law_grid_range(law, P_RN, -1.0, 1.5, 3.5);
    return SF_OK;
}

/* log(1 + r (1 - e^(-R/r))) for R >= 0, its derivative in log r, and in
 * log(1 + R) (the log of the tokens or parameters it discounts). */
static double decay(double R, double r, double *d_logr, double *d_log1pR)
{
    double x = R / r, em = expm1(-x), e = em + 1.0;
    double h = 1.0 - r * em;   /* 1 + r (1 - e^-x) >= 1 */
    *d_logr = (-r * em - R * e) / h;
    *d_log1pR = (R + 1.0) * e / h;
    return log1p(-r * em);
}

/* The pieces of the law at one point: log N', log D' and how they move. */
typedef struct piece {
    double lNp, lDp;
    double k;          /* d log N' / d log N_opt (0 when uncapped) */
    double dNp_dlN;    /* d log N' / d log N at fixed N_opt */
    double dNp_dlrn;   /* d log N' / d log rn* */
    double dDp_dlD;    /* d log D' / d log D */
    double dDp_dlrd;   /* d log D' / d log rd* */
    double dNopt_dlD;  /* d log N_opt / d log D (through U = min(U, D)) */
    double lUe;        /* log min(U, D) */
} piece;

/* al, be exponents; Q = log(alpha A) - log(beta B) = (alpha+beta) log G;
 * lrd, lrn = log rd*, log rn*. */
static void pieces(double al, double be, double Q, double lrd, double lrn, double lN,
                   double lD, double lU, piece *o)
{
    const double rd = exp(lrd), rn = exp(lrn);
    int d_limited = lD < lU;
    o->lUe = d_limited ? lD : lU;
    double dlog1p;
    o->lDp = o->lUe + decay(expm1(lD - o->lUe), rd, &o->dDp_dlrd, &dlog1p);
    o->dDp_dlD = d_limited ? 1.0 : dlog1p;
    if (d_limited) o->dDp_dlrd = 0.0;
    o->k = 0.0;
    o->dNp_dlN = 1.0;
    o->dNp_dlrn = 0.0;
    o->dNopt_dlD = 0.0;
    o->lNp = lN;
    if (!(al > 0 && be > 0)) return;
    /* log N_opt(U) = log G + (beta/alpha)(log G + log U)
     *              = Q/alpha + (beta/alpha) log U. */
    double lNopt = Q / al + be / al * o->lUe;
    if (!(lN > lNopt)) return;
    double RN = expm1(lN - lNopt), dl1p;
    o->lNp = lNopt + decay(RN, rn, &o->dNp_dlrn, &dl1p);
    /* log(1 + R_N) = log N - log N_opt. */
    o->dNp_dlN = dl1p;
    o->k = 1.0 - dl1p;
    o->dNopt_dlD = d_limited ? be / al : 0.0;
}

static void eval(const sf_law *law, const double *th, const sf_obs *x, double *logy,
                 double *jac)
{
    const double e = th[P_E], a = th[P_A], b = th[P_B];
    const double al = th[P_ALPHA], be = th[P_BETA];
    const double Q = log(al) + a - log(be) - b;
    const double *lN = x->log[SF_ROLE_N], *lD = x->log[SF_ROLE_D], *lU = x->log[SF_ROLE_U];
    const size_t p = law->n_params;
    for (size_t i = 0; i < x->n; i++) {
        piece q;
        pieces(al, be, Q, th[P_RD], th[P_RN], lN[i], lD[i], lU[i], &q);
        double w[3];
        double t1 = a - al * q.lNp, t2 = b - be * q.lDp;
        logy[i] = sf_lse3(e, t1, t2, w);
        if (!jac) continue;
        double *J = jac + i * p;
        /* log N_opt = Q/alpha + (beta/alpha) log U with Q = log alpha + a -
         * log beta - b: d/da = 1/alpha, d/db = -1/alpha,
         * d/dalpha = (1 - Q - beta log U)/alpha^2, d/dbeta = (log U -
         * 1/beta)/alpha; log N' moves by k times that. */
        J[P_E] = w[0];
        J[P_A] = w[1] * (1.0 - q.k);
        J[P_B] = w[2] + w[1] * q.k;
        J[P_ALPHA] = -w[1] * q.lNp;
        J[P_BETA] = -w[2] * q.lDp;
        if (q.k != 0.0) {
            J[P_ALPHA] -= w[1] * q.k * (1.0 - Q - be * q.lUe) / al;
            J[P_BETA] -= w[1] * q.k * (q.lUe - 1.0 / be);
        }
        J[P_RD] = -w[2] * be * q.dDp_dlrd;
        J[P_RN] = -w[1] * al * q.dNp_dlrn;
    }
}

/* Along the budget C = 6ND: log N = u, log D = ls - u. */
static int budget(const sf_law *law, const double *nat, double u, double ls, double lU,
                  double *L, double *dL_du, double *dL_dls)
{
    (void)law;
    const double al = nat[P_ALPHA], be = nat[P_BETA];
    const double Q = log(al) + log(nat[P_A]) - log(be) - log(nat[P_B]);
    piece q;
    pieces(al, be, Q, log(nat[P_RD]), log(nat[P_RN]), u, ls - u, lU, &q);
    double tN = nat[P_A] * exp(-al * q.lNp), tD = nat[P_B] * exp(-be * q.lDp);
    *L = nat[P_E] + tN + tD;
    /* d log N'/d log D = k d log N_opt / d log D; along the budget
     * d log N = 1 and d log D = -1; at fixed N, d log D = d ls. */
    double dNp_dlD = q.k * q.dNopt_dlD;
    *dL_du = -al * tN * (q.dNp_dlN - dNp_dlD) + be * tD * q.dDp_dlD;
    *dL_dls = -al * tN * dNp_dlD - be * tD * q.dDp_dlD;
    return isfinite(*L) && isfinite(*dL_du) && isfinite(*dL_dls) ? SF_OK : SF_EDOMAIN;
}

/* a, b and G are Chinchilla's: the first five parameters are the same. */
static size_t derived(const sf_law *law, const double *p, const char **names, double *v,
                      size_t max)
{
    return sf_law_chinchilla.derived(law, p, names, v, max);
}

static double floor_loss(const sf_law *law, const double *p)
{
    (void)law;
    return p[P_E];
}

const sf_law_class sf_law_datablations = {
    .name = "datablations",
    .formula = "L = E + A/N'^alpha + B/D'^beta, D' = U(1 + rd_star(1 - exp(-R_D/rd_star))), "
               "N' likewise (Muennighoff et al. 2023)",
    .setup = setup,
    .eval = eval,
    .derived = derived,
    .floor = floor_loss,
    .screen_points = 2500,
    .budget = budget,
};

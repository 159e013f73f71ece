/*
 * Allocation under constraints.
 *
 * Data-constrained (Muennighoff et al. 2023): with only U unique tokens,
 * minimise L(N, D, U) on the budget C = 6ND.  The authors grid-search the
 * split (README, "optimal_allocation"); here the loss along the budget,
 * f(u) = L(e^u, C/(6 e^u), U), is treated exactly.  The law supplies f and
 * its analytic derivative f'(u) (sf_law_class.budget).  f' is continuous
 * except at u_D, where D = U (excess parameters are then discounted
 * against min(U, D), whose slope in D jumps), so: f' is evaluated on a
 * scan of u (with u_D one of the nodes), every interval where it changes
 * sign from - to + is bisected down to adjacent doubles, and the lowest f
 * among those stationary points (or the kink, where bisection ends on it)
 * is the optimum.
 *
 * The marginal value of compute follows from the envelope theorem: at an
 * interior optimum dL_opt/d log C = df/d log C at fixed N (the law's dL/dls);
 * at the kink, where the optimum follows D = U, it is dL/d log N at fixed
 * D, the sum of the two derivatives.
 *
 * Inference-aware (Sardana et al. 2023): reach the loss of a reference
 * model with the fewest total FLOPs 6ND + 2NT, T the tokens the model will
 * then process (2N FLOPs each, a forward pass).  For each N the tokens D(N)
 * that reach the loss are found by bisection on log D (the loss falls with
 * D), and the total is minimised over log N between the smallest N that
 * can reach the loss with unlimited data and the reference N (serving
 * costs only push N down).
 */
#include <math.h>
#include <string.h>

#include "alloc/alloc_impl.h"
#include "base/base.h"
#include "law/law_impl.h"

#define DC_SCAN 512
#define LOG_HUGE 690.0   /* e^690 ~ 1e300: "unlimited" tokens or parameters */

/* ---- data-constrained ---------------------------------------------------- */

typedef struct dc_point {
    double u, L, d, dls;
    int ok;
} dc_point;

static dc_point dc_at(const sf_law *law, const double *p, double u, double ls, double lU)
{
    dc_point q = {.u = u};
    q.ok = law->cls->budget(law, p, u, ls, lU, &q.L, &q.d, &q.dls) == SF_OK;
    return q;
}

/* The optimum on the budget ls = log(C/6) with log U = lU (may be +inf):
 * *best gets u, L and the marginal dL_opt/d ls.  SF_EDOMAIN when no
 * stationary point is found or an end of the range (N = 1 or D = 1) is
 * lower. */
static int dc_solve(const sf_law *law, const double *p, double ls, double lU, dc_point *best)
{
    const double uD = ls - lU;  /* D = U here */
    best->ok = 0;
    best->L = INFINITY;
    dc_point first = dc_at(law, p, 0.0, ls, lU), prev = first;
    if (!prev.ok) return SF_EDOMAIN;
    for (int k = 1; k <= DC_SCAN; k++) {
        /* The kink is a node of the scan, so an optimum there is
         * bracketed by it. */
        double node[2];
        int nn = 0;
        if (uD > prev.u && uD < ls * k / DC_SCAN) node[nn++] = uD;
        node[nn++] = ls * k / DC_SCAN;
        for (int j = 0; j < nn; j++) {
            dc_point cur = dc_at(law, p, node[j], ls, lU);
            if (!cur.ok) return SF_EDOMAIN;
            if (prev.d < 0 && cur.d >= 0) {
                /* Bisect the sign change of f' to adjacent doubles. */
                dc_point lo = prev, hi = cur;
                for (int it = 0; it < 2000; it++) {
                    double mid = 0.5 * (lo.u + hi.u);
                    if (mid <= lo.u || mid >= hi.u) break;
                    dc_point m = dc_at(law, p, mid, ls, lU);
                    if (!m.ok) return SF_EDOMAIN;
                    if (m.d < 0) lo = m;
                    else hi = m;
                }
                dc_point c = lo.L <= hi.L ? lo : hi;
                if (lo.u <= uD && uD <= hi.u) {
                    /* The optimum is the kink: it moves with C along
                     * D = U, so dL_opt/d ls is dL/d log N at fixed D. */
                    c = dc_at(law, p, uD, ls, lU);
                    c.dls += c.d;
                }
                if (c.ok && c.L < best->L) *best = c;
            }
            prev = cur;
        }
    }
    /* Falling into N = 1 or D = 1 is no allocation. */
    if ((first.d >= 0 && first.L <= best->L) || (prev.d < 0 && prev.L <= best->L))
        return SF_EDOMAIN;
    return best->ok ? SF_OK : SF_EDOMAIN;
}

int sf_alloc_data_constrained(const sf_law *law, const double *params, double C, double U,
                              sf_alloc_dc_row *row, sf_error *err)
{
    memset(row, 0, sizeof *row);
    if (!law->cls->budget || !(law->roles & SF_ROLE_BIT(SF_ROLE_U)))
        return sf_fail(err, SF_ENOTSUP, NULL, 0, 0,
                       "law '%s' has no unique-token term: data-constrained allocation needs "
                       "a law that reads U (datablations)", law->cls->name);
    if (!(C > 0) || !isfinite(C))
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                       "compute budget must be finite and > 0, got %g", C);
    if (!(U > 0) || !isfinite(U))
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0, "unique tokens must be finite and > 0, got %g",
                       U);
    double ls = log(C / 6.0), lU = log(U);
    if (!(ls > 0))
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0, "compute budget %g is below 6 FLOPs", C);
    dc_point b, inf;
    if (dc_solve(law, params, ls, lU, &b) != SF_OK ||
        dc_solve(law, params, ls, INFINITY, &inf) != SF_OK)
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                       "no data-constrained optimum at C = %g, U = %g for these parameters: "
                       "the loss keeps falling towards N = 1 or D = 1", C, U);
    double N = exp(b.u), D = exp(ls - b.u);
    row->opt.compute = C;
    row->opt.params = N;
    row->opt.tokens = D;
    row->opt.tokens_per_param = D / N;
    row->unique_tokens = U;
    row->epochs = D / U;
    /* Per doubling: d/d log2 C = log(2) d/d log C. */
    row->loss_per_doubling = log(2.0) * b.dls + 0.0;  /* + 0: no -0 in the output */
    row->unlimited_per_doubling = log(2.0) * inf.dls + 0.0;
    sf_point x = {.N = N, .D = D, .U = U}, far = {.N = exp(LOG_HUGE), .D = exp(LOG_HUGE), .U = U};
    if (sf_law_predict(law, params, &x, &row->opt.loss) != SF_OK ||
        sf_law_predict(law, params, &far, &row->floor) != SF_OK)
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0, "the law gives no finite loss at the optimum");
    return SF_OK;
}

/* ---- inference-aware ------------------------------------------------------ */

typedef struct inf_ctx {
    const sf_law *law;
    const double *p;
    double L;   /* loss to reach */
    double T;   /* inference tokens */
} inf_ctx;

static double loss_nd(const inf_ctx *c, double lN, double lD)
{
    sf_point x = {.N = exp(lN), .D = exp(lD)};
    double L;
    return sf_law_predict(c->law, c->p, &x, &L) == SF_OK ? L : NAN;
}

/* log D reaching loss c->L at log N = lN: bisection, the loss falling with
 * D.  +INFINITY when even unlimited data do not reach it. */
static double tokens_for(const inf_ctx *c, double lN)
{
    double lo = 0.0, hi = LOG_HUGE;
    double Lhi = loss_nd(c, lN, hi);
    if (!(Lhi < c->L)) return INFINITY;
    if (loss_nd(c, lN, lo) <= c->L) return lo;
    for (int it = 0; it < 2000; it++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        if (loss_nd(c, lN, mid) > c->L) lo = mid;
        else hi = mid;
    }
    return hi;
}

static double total_flops(void *ctx, double lN)
{
    const inf_ctx *c = ctx;
    double lD = tokens_for(c, lN);
    if (!isfinite(lD)) return INFINITY;
    return 6.0 * exp(lN + lD) + 2.0 * exp(lN) * c->T;
}

int sf_alloc_inference(const sf_law *law, const double *params, const sf_alloc_row *ref,
                       double T, sf_alloc_inference_row *row, sf_error *err)
{
    memset(row, 0, sizeof *row);
    const unsigned nd = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    if ((law->roles & ~SF_ROLE_BIT(SF_ROLE_LOSS)) != nd)
        return sf_fail(err, SF_ENOTSUP, NULL, 0, 0,
                       "law '%s' does not read exactly N and D: inference-aware allocation "
                       "needs a law like chinchilla or kaplan", law->cls->name);
    if (!(T >= 0) || !isfinite(T))
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                       "inference tokens must be finite and >= 0, got %g", T);
    if (!(ref->params > 0 && ref->tokens > 0 && isfinite(ref->loss)))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "the reference allocation is not valid");
    row->inference_tokens = T;
    row->reference = *ref;
    row->reference_total = 6.0 * ref->params * ref->tokens + 2.0 * ref->params * T;
    inf_ctx c = {law, params, ref->loss, T};
    double uref = log(ref->params), u = uref;
    if (T > 0) {
        /* Smallest N that reaches the loss with unlimited data: below it
         * no amount of training suffices. */
        double lo = 0.0, hi = uref, umin = 0.0;
        if (!(loss_nd(&c, lo, LOG_HUGE) < c.L)) {
            for (int it = 0; it < 2000; it++) {
                double mid = 0.5 * (lo + hi);
                if (mid <= lo || mid >= hi) break;
                if (loss_nd(&c, mid, LOG_HUGE) < c.L) hi = mid;
                else lo = mid;
            }
            umin = hi;
        }
        if (sf_minimize_scan(total_flops, &c, umin, uref, 200, &u) != SF_OK)
            return sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                           "loss %.6g cannot be reached by this law", ref->loss);
    }
    double lD = u == uref ? log(ref->tokens) : tokens_for(&c, u);
    if (!isfinite(lD))
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0, "loss %.6g cannot be reached by this law",
                       ref->loss);
    double N = exp(u), D = exp(lD);
    row->opt.params = N;
    row->opt.tokens = D;
    row->opt.tokens_per_param = D / N;
    row->opt.compute = 6.0 * N * D;
    row->total_flops = row->opt.compute + 2.0 * N * T;
    row->saving = 1.0 - row->total_flops / row->reference_total;
    sf_point x = {.N = N, .D = D};
    if (sf_law_predict(law, params, &x, &row->opt.loss) != SF_OK)
        return sf_fail(err, SF_EDOMAIN, NULL, 0, 0, "the law gives no finite loss at the optimum");
    return SF_OK;
}

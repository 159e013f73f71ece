/*
 * Formula laws: the tape.  Each node holds, for a block of rows, either
 * its value or, when the value is known to be positive, its logarithm
 * ("log nodes"): parameters on a log scale, the data roles, exp(), sums and
 * products and powers of positive parts.  So E + A/N^alpha + B/D^beta runs
 * as log L = LSE(log E, log A - alpha log N, log B - beta log D), with no
 * overflow for N, D, C up to 1e300, and log() of a log node is free.
 *
 * Gradients are exact, by a reverse sweep over the same tape: the adjoint
 * of a log node is taken with respect to its logarithm, of any other node
 * with respect to its value.  Work is column-wise over blocks of rows so
 * the dispatch on the operation is paid once per node and block.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "law/formula.h"

#define BLK 64

typedef struct tape_mem {
    double *v, *lv, *g, *w;
} tape_mem;

int sf_formula_compile(sf_law *law, sf_error *err)
{
    (void)err;
    sf_formula *f = law->formula;
    size_t slot = 0;
    for (size_t n = 0; n < f->nn; n++) {
        fnode *x = &f->node[n];
        const fnode *a = x->a >= 0 && x->op != FOP_SUM ? &f->node[x->a] : NULL;
        const fnode *b = x->b >= 0 && x->op != FOP_SUM ? &f->node[x->b] : NULL;
        int lg = 0;
        switch (x->op) {
        case FOP_NUM: lg = x->num > 0; break;
        case FOP_VAR: lg = f->var[x->idx].role >= 0; break;
        case FOP_PAR: lg = law->param[x->idx].scale == SF_SCALE_LOG; break;
        case FOP_SUM:
            lg = 1;
            for (int k = 0; k < x->b; k++)
                lg &= f->ksign[x->a + k] > 0 && f->node[f->kids[x->a + k]].logm;
            x->idx = (int)slot;
            slot += (size_t)x->b;
            break;
        case FOP_MUL:
        case FOP_DIV:
        case FOP_MIN:
        case FOP_MAX: lg = a->logm && b->logm; break;
        case FOP_POW:
        case FOP_SQRT: lg = a->logm; break;
        case FOP_EXP:
        case FOP_SIG: lg = 1; break;
        default: lg = 0; break;
        }
        x->logm = (unsigned char)lg;
    }
    f->nsumk = slot;
    /* Which log nodes a parent reads by value. */
    for (size_t n = 0; n < f->nn; n++) {
        const fnode *x = &f->node[n];
        fnode *a = x->a >= 0 && x->op != FOP_SUM ? &f->node[x->a] : NULL;
        fnode *b = x->b >= 0 && x->op != FOP_SUM ? &f->node[x->b] : NULL;
        switch (x->op) {
        case FOP_SUM:
            if (!x->logm)
                for (int k = 0; k < x->b; k++) f->node[f->kids[x->a + k]].needv = 1;
            break;
        case FOP_MUL:
        case FOP_DIV:
        case FOP_MIN:
        case FOP_MAX:
            if (!x->logm) a->needv = b->needv = 1;
            break;
        case FOP_POW:
            b->needv = 1;
            if (!x->logm) a->needv = 1;
            break;
        case FOP_EXP:
        case FOP_SIG: a->needv = 1; break;
        case FOP_LOG:
        case FOP_SQRT:
            if (!a->logm) a->needv = 1;
            break;
        default: break;
        }
    }
    return SF_OK;
}

/* ---- forward ---------------------------------------------------------------- */

static void fwd_sum(const sf_formula *f, const fnode *x, size_t m, double *V, double *LV,
                    double *W, double *v, double *lv)
{
    const int *kid = f->kids + x->a;
    const signed char *sg = f->ksign + x->a;
    int nk = x->b;
    if (!x->logm) {
        for (size_t i = 0; i < m; i++) v[i] = 0;
        for (int k = 0; k < nk; k++) {
            const double *c = V + (size_t)kid[k] * BLK;
            if (sg[k] > 0)
                for (size_t i = 0; i < m; i++) v[i] += c[i];
            else
                for (size_t i = 0; i < m; i++) v[i] -= c[i];
        }
        return;
    }
    double *w = W + (size_t)x->idx * BLK;
    for (size_t i = 0; i < m; i++) {
        /* The plain sum first (as the built-in laws do); the sum shifted by
         * its largest term only when that overflows or underflows. */
        double s = 0;
        for (int k = 0; k < nk; k++) {
            double e = exp(LV[(size_t)kid[k] * BLK + i]);
            w[(size_t)k * BLK + i] = e;
            s += e;
        }
        double mx = 0;
        if (!(s > 0 && s < INFINITY)) {
            mx = -INFINITY;
            for (int k = 0; k < nk; k++) {
                double t = LV[(size_t)kid[k] * BLK + i];
                if (t > mx) mx = t;
            }
            if (!isfinite(mx)) {
                lv[i] = mx;
                for (int k = 0; k < nk; k++) w[(size_t)k * BLK + i] = NAN;
                continue;
            }
            s = 0;
            for (int k = 0; k < nk; k++) {
                double t = LV[(size_t)kid[k] * BLK + i];
                double e = t == mx ? 1.0 : exp(t - mx);
                w[(size_t)k * BLK + i] = e;
                s += e;
            }
        }
        double inv = 1.0 / s;
        for (int k = 0; k < nk; k++) w[(size_t)k * BLK + i] *= inv;
        lv[i] = mx + log(s);
    }
}

static double log_sigmoid(double x) { return x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x)); }

static void forward(const sf_law *law, const double *theta, const sf_obs *x, size_t i0,
                    size_t m, const tape_mem *t)
{
    const sf_formula *f = law->formula;
    for (size_t n = 0; n < f->nn; n++) {
        const fnode *q = &f->node[n];
        double *v = t->v + n * BLK, *lv = t->lv + n * BLK;
        const double *av = q->a >= 0 ? t->v + (size_t)q->a * BLK : NULL;
        const double *al = q->a >= 0 ? t->lv + (size_t)q->a * BLK : NULL;
        const double *bv = q->b >= 0 ? t->v + (size_t)q->b * BLK : NULL;
        const double *bl = q->b >= 0 ? t->lv + (size_t)q->b * BLK : NULL;
        size_t i;
        switch (q->op) {
        case FOP_NUM:
            for (i = 0; i < m; i++) {
                v[i] = q->num;
                lv[i] = q->logm ? log(q->num) : 0;
            }
            break;
        case FOP_VAR: {
            const fvar *vr = &f->var[q->idx];
            if (vr->role >= 0) memcpy(lv, x->log[vr->role] + i0, m * sizeof *lv);
            else memcpy(v, x->extra[vr->extra] + i0, m * sizeof *v);
            break;
        }
        case FOP_PAR:
            for (i = 0; i < m; i++) v[i] = lv[i] = theta[q->idx];
            break;
        case FOP_SUM: fwd_sum(f, q, m, t->v, t->lv, t->w, v, lv); break;
        case FOP_MUL:
            if (q->logm) for (i = 0; i < m; i++) lv[i] = al[i] + bl[i];
            else for (i = 0; i < m; i++) v[i] = av[i] * bv[i];
            break;
        case FOP_DIV:
            if (q->logm) for (i = 0; i < m; i++) lv[i] = al[i] - bl[i];
            else for (i = 0; i < m; i++) v[i] = av[i] / bv[i];
            break;
        case FOP_POW:
            if (q->logm) for (i = 0; i < m; i++) lv[i] = bv[i] * al[i];
            else for (i = 0; i < m; i++) v[i] = pow(av[i], bv[i]);
            break;
        case FOP_EXP: memcpy(lv, av, m * sizeof *lv); break;
        case FOP_SIG: for (i = 0; i < m; i++) lv[i] = log_sigmoid(av[i]); break;
        case FOP_LOG:
            if (f->node[q->a].logm) memcpy(v, al, m * sizeof *v);
            else for (i = 0; i < m; i++) v[i] = log(av[i]);
            break;
        case FOP_SQRT:
            if (q->logm) for (i = 0; i < m; i++) lv[i] = 0.5 * al[i];
            else for (i = 0; i < m; i++) v[i] = sqrt(av[i]);
            break;
        case FOP_MIN:
        case FOP_MAX: {
            const double *pa = q->logm ? al : av, *pb = q->logm ? bl : bv;
            double *o = q->logm ? lv : v;
            if (q->op == FOP_MIN) for (i = 0; i < m; i++) o[i] = pb[i] < pa[i] ? pb[i] : pa[i];
            else for (i = 0; i < m; i++) o[i] = pb[i] > pa[i] ? pb[i] : pa[i];
            break;
        }
        default: break;
        }
        if (q->logm && q->needv && q->op != FOP_PAR && q->op != FOP_NUM)
            for (i = 0; i < m; i++) v[i] = exp(lv[i]);
        else if (q->logm && q->op == FOP_PAR && q->needv)
            for (i = 0; i < m; i++) v[i] = exp(lv[i]);
    }
}

/* ---- reverse ---------------------------------------------------------------- */

/* Add g (an adjoint with respect to the value) to child c. */
static inline void add_v(const fnode *c, double *gc, const double *vc, size_t i, double g)
{
    gc[i] += c->logm ? g * vc[i] : g;
}

static void rev_node(const sf_formula *f, const fnode *q, size_t n, size_t m, const tape_mem *t)
{
    const double *g = t->g + n * BLK, *v = t->v + n * BLK;
    const fnode *A = q->a >= 0 && q->op != FOP_SUM ? &f->node[q->a] : NULL;
    const fnode *B = q->b >= 0 && q->op != FOP_SUM ? &f->node[q->b] : NULL;
    double *ga = A ? t->g + (size_t)q->a * BLK : NULL, *gb = B ? t->g + (size_t)q->b * BLK : NULL;
    const double *av = A ? t->v + (size_t)q->a * BLK : NULL, *al = A ? t->lv + (size_t)q->a * BLK : NULL;
    const double *bv = B ? t->v + (size_t)q->b * BLK : NULL, *bl = B ? t->lv + (size_t)q->b * BLK : NULL;
    size_t i;
    switch (q->op) {
    case FOP_SUM:
        for (int k = 0; k < q->b; k++) {
            int c = f->kids[q->a + k];
            double *gc = t->g + (size_t)c * BLK;
            const double *vc = t->v + (size_t)c * BLK;
            if (q->logm) {
                const double *w = t->w + ((size_t)q->idx + (size_t)k) * BLK;
                for (i = 0; i < m; i++) gc[i] += g[i] * w[i];
            } else {
                double s = f->ksign[q->a + k];
                for (i = 0; i < m; i++) add_v(&f->node[c], gc, vc, i, s * g[i]);
            }
        }
        break;
    case FOP_MUL:
        if (q->logm) for (i = 0; i < m; i++) { ga[i] += g[i]; gb[i] += g[i]; }
        else for (i = 0; i < m; i++) { add_v(A, ga, av, i, g[i] * bv[i]); add_v(B, gb, bv, i, g[i] * av[i]); }
        break;
    case FOP_DIV:
        if (q->logm) for (i = 0; i < m; i++) { ga[i] += g[i]; gb[i] -= g[i]; }
        else for (i = 0; i < m; i++) { add_v(A, ga, av, i, g[i] / bv[i]); add_v(B, gb, bv, i, -g[i] * v[i] / bv[i]); }
        break;
    case FOP_POW:
        if (q->logm) {
            for (i = 0; i < m; i++) {
                ga[i] += g[i] * bv[i];
                add_v(B, gb, bv, i, g[i] * al[i]);
            }
        } else {
            for (i = 0; i < m; i++) {
                double d = bv[i] == 0 ? 0 : bv[i] * pow(av[i], bv[i] - 1.0);
                add_v(A, ga, av, i, g[i] * d);
                add_v(B, gb, bv, i, av[i] > 0 ? g[i] * v[i] * log(av[i]) : 0.0);
            }
        }
        break;
    case FOP_EXP: for (i = 0; i < m; i++) add_v(A, ga, av, i, g[i]); break;
    case FOP_SIG:
        for (i = 0; i < m; i++) add_v(A, ga, av, i, g[i] * exp(log_sigmoid(-av[i])));
        break;
    case FOP_LOG:
        if (!A) break;
        if (A->logm) for (i = 0; i < m; i++) ga[i] += g[i];
        else for (i = 0; i < m; i++) ga[i] += g[i] / av[i];
        break;
    case FOP_SQRT:
        if (q->logm) for (i = 0; i < m; i++) ga[i] += 0.5 * g[i];
        else for (i = 0; i < m; i++) add_v(A, ga, av, i, 0.5 * g[i] / v[i]);
        break;
    case FOP_MIN:
    case FOP_MAX: {
        const double *pa = q->logm ? al : av, *pb = q->logm ? bl : bv;
        for (i = 0; i < m; i++) {
            int take_b = q->op == FOP_MIN ? pb[i] < pa[i] : pb[i] > pa[i];
            double *gc = take_b ? gb : ga;
            gc[i] += g[i];
        }
        break;
    }
    default: break;
    }
}

/* Adjoints of every node for rows i0..i0+m-1 after forward(). */
static void reverse(const sf_formula *f, size_t m, const tape_mem *t)
{
    memset(t->g, 0, f->nn * BLK * sizeof *t->g);
    const fnode *r = &f->node[f->root];
    double *gr = t->g + (size_t)f->root * BLK;
    const double *vr = t->v + (size_t)f->root * BLK;
    for (size_t i = 0; i < m; i++) gr[i] = r->logm ? 1.0 : 1.0 / vr[i];
    for (size_t n = (size_t)f->root + 1; n-- > 0;) rev_node(f, &f->node[n], n, m, t);
}

static int mem_init(const sf_formula *f, tape_mem *t)
{
    size_t nn = f->nn ? f->nn : 1;
    double *all = malloc((3 * nn + (f->nsumk ? f->nsumk : 1)) * BLK * sizeof *all);
    if (!all) return SF_ENOMEM;
    t->v = all;
    t->lv = all + nn * BLK;
    t->g = all + 2 * nn * BLK;
    t->w = all + 3 * nn * BLK;
    return SF_OK;
}

static double root_log(const sf_formula *f, const tape_mem *t, size_t i)
{
    const fnode *r = &f->node[f->root];
    size_t k = (size_t)f->root * BLK + i;
    return r->logm ? t->lv[k] : log(t->v[k]);
}

void sf_formula_eval(const sf_law *law, const double *theta, const sf_obs *x, double *logy,
                     double *jac)
{
    const sf_formula *f = law->formula;
    const size_t p = law->n_params;
    tape_mem t;
    if (mem_init(f, &t) != SF_OK) {
        for (size_t i = 0; i < x->n; i++) logy[i] = NAN;
        return;
    }
    for (size_t i0 = 0; i0 < x->n; i0 += BLK) {
        size_t m = x->n - i0 < BLK ? x->n - i0 : BLK;
        forward(law, theta, x, i0, m, &t);
        for (size_t i = 0; i < m; i++) logy[i0 + i] = root_log(f, &t, i);
        if (!jac) continue;
        reverse(f, m, &t);
        for (size_t j = 0; j < p; j++) {
            const double *g = t.g + (size_t)f->par_node[j] * BLK;
            for (size_t i = 0; i < m; i++) jac[(i0 + i) * p + j] = g[i];
        }
    }
    free(t.v);
}

/* VP basis: the top-level terms with the linear coefficients at 1. */
static void basis(const sf_law *law, const double *theta, const sf_obs *x, double *Bm)
{
    const sf_formula *f = law->formula;
    double th[SF_MAX_PARAMS];
    memcpy(th, theta, law->n_params * sizeof *th);
    for (size_t k = 0; k < law->n_lin; k++) th[law->lin[k]] = 0.0;
    tape_mem t;
    if (mem_init(f, &t) != SF_OK) {
        for (size_t i = 0; i < law->n_lin * x->n; i++) Bm[i] = NAN;
        return;
    }
    for (size_t i0 = 0; i0 < x->n; i0 += BLK) {
        size_t m = x->n - i0 < BLK ? x->n - i0 : BLK;
        forward(law, th, x, i0, m, &t);
        for (size_t k = 0; k < law->n_lin; k++) {
            int n = f->lin_term[k];
            const fnode *q = &f->node[n];
            for (size_t i = 0; i < m; i++)
                Bm[k * x->n + i0 + i] = q->logm ? exp(t.lv[(size_t)n * BLK + i])
                                                : t.v[(size_t)n * BLK + i];
        }
    }
    free(t.v);
}

/* ---- allocation --------------------------------------------------------------- */

/* log L at one point (log N, log D, log U; log C = log 6 + lN + lD) and
 * d log L / d log of each role. */
static int point_grad(const sf_law *law, const double *nat, const double lg[SF_ROLE_COUNT],
                      double *logy, double dl[SF_ROLE_COUNT])
{
    const sf_formula *f = law->formula;
    double theta[SF_MAX_PARAMS], zero[SF_MAX_EXTRA] = {0};
    sf_law_to_internal(law, nat, theta);
    sf_obs obs = {.n = 1};
    for (int r = 0; r < SF_ROLE_COUNT; r++) obs.log[r] = &lg[r];
    for (size_t k = 0; k < SF_MAX_EXTRA; k++) obs.extra[k] = &zero[k];
    tape_mem t;
    if (mem_init(f, &t) != SF_OK) return SF_ENOMEM;
    forward(law, theta, &obs, 0, 1, &t);
    *logy = root_log(f, &t, 0);
    reverse(f, 1, &t);
    for (int r = 0; r < SF_ROLE_COUNT; r++) dl[r] = 0;
    for (size_t n = 0; n < f->nn; n++) {
        const fnode *q = &f->node[n];
        if (q->op == FOP_VAR && f->var[q->idx].role >= 0)
            dl[f->var[q->idx].role] += t.g[n * BLK];
    }
    free(t.v);
    return isfinite(*logy) ? SF_OK : SF_EDOMAIN;
}

static int budget(const sf_law *law, const double *nat, double u, double ls, double lU,
                  double *L, double *dL_du, double *dL_dls)
{
    double lg[SF_ROLE_COUNT] = {0}, dl[SF_ROLE_COUNT], ly;
    lg[SF_ROLE_N] = u;
    lg[SF_ROLE_D] = ls - u;
    lg[SF_ROLE_C] = ls + log(6.0);
    lg[SF_ROLE_U] = lU;
    int rc = point_grad(law, nat, lg, &ly, dl);
    if (rc != SF_OK) return rc;
    *L = exp(ly);
    *dL_du = *L * (dl[SF_ROLE_N] - dl[SF_ROLE_D]);
    *dL_dls = *L * (dl[SF_ROLE_D] + dl[SF_ROLE_C]);
    return isfinite(*dL_du) && isfinite(*dL_dls) ? SF_OK : SF_EDOMAIN;
}

/* The compute-optimal split: the zero of d L / d log N along C = 6ND,
 * bracketed on a scan of log N from 0 to log(C/6) and bisected down to
 * adjacent doubles; the lowest loss among the zeros. */
static int optimal(const sf_law *law, const double *nat, double C, double *N, double *D)
{
    const int scan = 512;
    double ls = log(C / 6.0), lU = INFINITY;
    if (!(ls > 0)) return SF_EDOMAIN;
    double best = INFINITY, bu = NAN, L, d, dls, pu = 0, pd = NAN;
    for (int k = 0; k <= scan; k++) {
        double u = ls * k / scan;
        if (budget(law, nat, u, ls, lU, &L, &d, &dls) != SF_OK) {
            pd = NAN;
            continue;
        }
        if (pd < 0 && d >= 0) {
            double lo = pu, hi = u;
            for (int it = 0; it < 2000; it++) {
                double mid = 0.5 * (lo + hi), Lm, dm;
                if (mid <= lo || mid >= hi) break;
                if (budget(law, nat, mid, ls, lU, &Lm, &dm, &dls) != SF_OK) break;
                if (dm < 0) lo = mid;
                else hi = mid;
            }
            double Ll, Lh, dd;
            int okl = budget(law, nat, lo, ls, lU, &Ll, &dd, &dls) == SF_OK;
            int okh = budget(law, nat, hi, ls, lU, &Lh, &dd, &dls) == SF_OK;
            double uc = okl && (!okh || Ll <= Lh) ? lo : hi, Lc = uc == lo ? Ll : Lh;
            if ((okl || okh) && Lc < best) {
                best = Lc;
                bu = uc;
            }
        }
        pu = u;
        pd = d;
    }
    if (!isfinite(bu)) return SF_EDOMAIN;
    *N = exp(bu);
    *D = exp(ls - bu);
    return SF_OK;
}

const sf_law_class sf_law_formula_class = {
    .name = "formula",
    .formula = "a formula typed by the user",
    .setup = NULL,
    .eval = sf_formula_eval,
    .basis = basis,
    .optimal = optimal,
    .budget = budget,
    .screen_points = 20000,
};

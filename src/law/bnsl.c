/*
 * Broken neural scaling laws (Caballero et al. 2023, eq. 1), with k = 1..3
 * breaks (the law's breaks option) over one variable x (N, D or C):
 *
 *     y = a + b x^(-c0) prod_{i=1..k} (1 + (x/d_i)^(1/f_i))^(-c_i f_i)
 *
 * a is the limit of y, b x^-c0 the first power-law segment; at break i
 * (near x = d_i, sharpness f_i: the transition spans about f_i in log x)
 * the log-log slope changes by c_i.  In logs, with s_i = (log x - log d_i)
 * / f_i and softplus(s) = log(1 + e^s):
 *
 *     g = log b - c0 log x - sum_i c_i f_i softplus(s_i)
 *     log y = LSE(log a, g)
 *
 * Parameters (a, b, c0, c1, d1, f1, c2, d2, f2, ...); internal coordinates
 * log a, log b, c0, then per break c_i, log d_i, log f_i.  The c's may be
 * negative (a slope that flattens, or loss that rises again).
 *
 * The global search (`starts`, docs/laws.md) does not depend on a grid
 * chosen before seeing the data: for fixed a, d and f the law is linear in
 * (log b, c0, c_1..c_k) on the scale log(y - a), so those are solved by
 * weighted least squares (then Gauss-Newton in log y); a runs over
 * fractions of the smallest loss, each break over positions spread evenly
 * across the data's log x range and sharpnesses relative to that range.
 * The best distinct placements, refined one break at a time and in a,
 * seed L-BFGS on the real objective.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/team.h"
#include "law/law_impl.h"

#define MAXB 3
enum { P_A, P_B, P_C0 };
#define PC(i) (3 + 3 * (size_t)(i))  /* c_{i+1} */
#define PD(i) (4 + 3 * (size_t)(i))  /* d_{i+1} */
#define PF(i) (5 + 3 * (size_t)(i))  /* f_{i+1} */

static int setup(sf_law *law, sf_error *err)
{
    int k = law->opt.breaks;
    if (k < 1 || k > MAXB)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "law 'bnsl' takes 1 to %d breaks, got %d",
                       MAXB, k);
    int rc = sf_law_setup_x(law, err);
    if (rc != SF_OK) return rc;
    sf_law_add_param(law, "a", SF_SCALE_LOG, 0.0, INFINITY);
    sf_law_add_param(law, "b", SF_SCALE_LOG, 0.0, INFINITY);
    sf_law_add_param(law, "c0", SF_SCALE_LINEAR, -INFINITY, INFINITY);
    for (int i = 1; i <= k; i++) {
        char name[8];
        snprintf(name, sizeof name, "c%d", i);
        sf_law_add_param(law, name, SF_SCALE_LINEAR, -INFINITY, INFINITY);
        snprintf(name, sizeof name, "d%d", i);
        sf_law_add_param(law, name, SF_SCALE_LOG, 0.0, INFINITY);
        snprintf(name, sizeof name, "f%d", i);
        sf_law_add_param(law, name, SF_SCALE_LOG, 0.0, INFINITY);
    }
    /* Start grid for --grid full/screen, chosen before seeing the data (the
     * default search places breaks from the data instead): log a in {-3,
     * -1.5, 0}, log b in {-2, 0, 2, 4}, c0 in {0, 0.4, 0.8}, per break
     * c in {-0.5, 0.5, 1.5}, log d from 2 to 56 (x from 7 to 2e24) in steps
     * of 6, log f in {-2, 0}: 2160 points for one break. */
    sf_law_grid_range(law, P_A, -3.0, 1.5, 0.0);
    sf_law_grid_range(law, P_B, -2.0, 2.0, 4.0);
    sf_law_grid_range(law, P_C0, 0.0, 0.4, 0.8);
    for (int i = 0; i < k; i++) {
        sf_law_grid_range(law, PC(i), -0.5, 1.0, 1.5);
        sf_law_grid_range(law, PD(i), 2.0, 6.0, 56.0);
        sf_law_grid_range(law, PF(i), -2.0, 2.0, 0.0);
    }
    /* Variable projection: basis (1, x^-c0 prod(...)) for (a, b). */
    law->n_lin = 2;
    law->lin[0] = P_A;
    law->lin_dep[0] = -1;
    law->lin[1] = P_B;
    law->lin_dep[1] = -2;
    sf_law_vp_range(law, P_C0, -0.5, 0.5, 2.0);
    for (int i = 0; i < k; i++) {
        sf_law_vp_range(law, PC(i), -1.0, 1.0, 4.0);
        sf_law_vp_range(law, PD(i), 2.0, 6.0, 56.0);
        sf_law_vp_range(law, PF(i), -3.0, 1.5, 0.0);
    }
    return SF_OK;
}

/* One point's segment value g = log b - c0 log x - sum_i c_i f_i
 * softplus(s_i), s_i = (log x - log d_i)/f_i, and per break (when d is not
 * NULL) softplus(s), logistic(s) = -d(f softplus(s))/d log d, and
 * softplus(s) - s logistic(s) = d(f softplus(s))/d log f / f.  One
 * e = e^-|s| serves all three: softplus(s) = max(s, 0) + log1p(e),
 * logistic(s) = 1/(1 + e) for s >= 0 and e/(1 + e) otherwise, and for
 * s > 0 the difference is log1p(e) + s e/(1 + e), free of cancellation. */
typedef struct brk {
    double sp, sig, dlf;
} brk;

static double seg(const sf_law *law, const double *th, const double *f, double lx, brk *d)
{
    double g = th[P_B] - th[P_C0] * lx;
    for (int i = 0; i < law->opt.breaks; i++) {
        double s = (lx - th[PD(i)]) / f[i], e = exp(-fabs(s)), l1 = log1p(e);
        double sp = (s > 0 ? s : 0.0) + l1;
        g -= th[PC(i)] * f[i] * sp;
        if (!d) continue;
        d[i].sp = sp;
        d[i].sig = s >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        d[i].dlf = s > 0 ? l1 + s * e / (1.0 + e) : sp - s * d[i].sig;
    }
    return g;
}

static double softplus(double s)
{
    return (s > 0 ? s : 0.0) + log1p(exp(-fabs(s)));
}

static void break_widths(const sf_law *law, const double *th, double *f)
{
    for (int i = 0; i < law->opt.breaks; i++) f[i] = exp(th[PF(i)]);
}

static void eval(const sf_law *law, const double *th, const sf_obs *x, double *logy,
                 double *jac)
{
    const double *lx = x->log[law->opt.x];
    const size_t p = law->n_params;
    double f[MAXB];
    break_widths(law, th, f);
    for (size_t i = 0; i < x->n; i++) {
        brk d[MAXB];
        double w[3];
        double g = seg(law, th, f, lx[i], jac ? d : NULL);
        logy[i] = sf_lse3(th[P_A], g, -INFINITY, w);
        if (!jac) continue;
        double *J = jac + i * p, w1 = w[1];
        J[P_A] = w[0];
        J[P_B] = w1;
        J[P_C0] = -lx[i] * w1;
        for (int k = 0; k < law->opt.breaks; k++) {
            double c = th[PC(k)];
            J[PC(k)] = -f[k] * d[k].sp * w1;
            J[PD(k)] = c * d[k].sig * w1;
            J[PF(k)] = -c * f[k] * d[k].dlf * w1;
        }
    }
}

static void basis(const sf_law *law, const double *th, const sf_obs *x, double *B)
{
    const size_t n = x->n;
    const double *lx = x->log[law->opt.x];
    double f[MAXB];
    break_widths(law, th, f);
    for (size_t i = 0; i < n; i++) {
        B[i] = 1.0;
        B[n + i] = exp(seg(law, th, f, lx[i], NULL) - th[P_B]);
    }
}

/* ---- the search ------------------------------------------------------------ */

/* Stage 1 enumerates break placements jointly on a grid whose size falls
 * with k: positions M, sharpnesses F, values of a NA; least-squares solves
 * M F NA = 9216 for one break, C(20,2) 6^2 12 = 82080 for two,
 * C(10,3) 4^3 8 = 61440 for three.  The best (placement, a) pairs that
 * are local minima among their neighbours, refine per break of them, go
 * to stage 2, which moves each break over the one-break grid (REF_M
 * positions, REF_F sharpnesses) with the others held, twice over, and
 * then a continuously. */
static const size_t GRID_M[MAXB + 1] = {0, 48, 20, 10};
static const size_t GRID_F[MAXB + 1] = {0, 12, 6, 4};
static const size_t GRID_NA[MAXB + 1] = {0, 16, 12, 8};
#define REF_M 48
#define REF_F 12
#define REF_ROUNDS 2

/* Candidate (log d, log f) of one break and the column of g each gives,
 * -f softplus((log x - log d)/f), nd * nf columns of n values. */
typedef struct axis {
    size_t nd, nf;
    double *dv, *fv, *col;
} axis;

typedef struct break_search {
    const sf_start_ctx *c;
    int k;
    size_t n, p;
    const double *lx, *ly;
    double *one, *nlx;   /* n: the columns 1 and -log x of g */
    double lo, span, ymin;
    /* Values of a, and per value the target log(y - a) and the weight
     * w ((y - a)/y)^2 of each row (na * n). */
    size_t na;
    double *av, *z, *v;
    axis grid[MAXB], fine[MAXB];
    size_t T;        /* break-position tuples of stage 1 */
    size_t *tup;     /* T * k indices into grid[b].dv */
} break_search;

static const double *axis_col(const break_search *s, const axis *ax, size_t m, size_t j)
{
    return ax->col + (m * ax->nf + j) * s->n;
}

/* Positions spread evenly over the data's log x range (a break outside it
 * is not determined by the data), sharpness f from 0.003 to 1 times that
 * range, log-spaced (a wider bend is a curve over all the data, no
 * break); a held d or f is the only value. */
static int axis_make(const break_search *s, axis *ax, int b, size_t M, size_t F)
{
    const sf_start_ctx *c = s->c;
    int hd = c->held[PD(b)], hf = c->held[PF(b)];
    ax->nd = hd ? 1 : M;
    ax->nf = hf ? 1 : F;
    ax->dv = malloc(ax->nd * sizeof *ax->dv);
    ax->fv = malloc(ax->nf * sizeof *ax->fv);
    ax->col = malloc(ax->nd * ax->nf * (s->n ? s->n : 1) * sizeof *ax->col);
    if (!ax->dv || !ax->fv || !ax->col) return SF_ENOMEM;
    for (size_t m = 0; m < ax->nd; m++)
        ax->dv[m] = hd ? c->held_theta[PD(b)] : s->lo + s->span * ((double)m + 0.5) / (double)M;
    for (size_t j = 0; j < ax->nf; j++)
        ax->fv[j] = hf ? c->held_theta[PF(b)]
                       : log(s->span) + log(10.0) * (-2.5 + 2.5 * (double)j / (double)(F - 1));
    for (size_t m = 0; m < ax->nd; m++)
        for (size_t j = 0; j < ax->nf; j++) {
            double *col = ax->col + (m * ax->nf + j) * s->n, f = exp(ax->fv[j]);
            for (size_t i = 0; i < s->n; i++)
                col[i] = -f * softplus((s->lx[i] - ax->dv[m]) / f);
        }
    return SF_OK;
}

/* Least squares for the coefficients (log b, c0, c_i) not held, at the
 * floor a (with its targets and weights) and the break columns bc: minimise
 * sum_i v_i (log(y_i - a) - g_i)^2, v_i = w_i ((y_i - a)/y_i)^2, the
 * first-order weight that makes it the residual of log y.  Writes log a
 * and the coefficients into theta; returns that weighted residual sum of
 * squares, INFINITY when the normal equations are singular. */
static double dot(const double *x, const double *y, size_t n)
{
    double t = 0;
    for (size_t i = 0; i < n; i++) t += x[i] * y[i];
    return t;
}

/* A value of a with its targets log(y - a) and weights (n each). */
typedef struct floor_v {
    double a;
    const double *z, *v;
} floor_v;

static floor_v grid_floor(const break_search *s, size_t ai)
{
    floor_v f = {s->av[ai], s->z + ai * s->n, s->v + ai * s->n};
    return f;
}

/* Targets and weights of any a into z, v.  Rows at or below a (a floor a
 * little above the lowest losses, which noise scatters around it) get
 * weight 0 here; polish() fits them in log y. */
static floor_v make_floor(const break_search *s, double a, double *z, double *v)
{
    const double *w = s->c->obs->w;
    for (size_t i = 0; i < s->n; i++) {
        double y = exp(s->ly[i]), r = (y - a) / y;
        int above = r > 1e-9;
        z[i] = above ? log(y - a) : 0.0;
        v[i] = above ? (w ? w[i] : 1.0) * r * r : 0.0;
    }
    floor_v f = {a, z, v};
    return f;
}

/* The columns of g: 1 (times log b), -log x (c0) and one per break (c_i),
 * the parameter each multiplies, and which of them are free. */
typedef struct lin_cols {
    size_t nc, m;
    size_t coef[2 + MAXB], freec[2 + MAXB];
    const double *col[2 + MAXB];
} lin_cols;

static void lin_cols_make(const break_search *s, const double *const *bc, lin_cols *L)
{
    L->nc = 2 + (size_t)s->k;
    L->m = 0;
    L->coef[0] = P_B;
    L->coef[1] = P_C0;
    L->col[0] = s->one;
    L->col[1] = s->nlx;
    for (int b = 0; b < s->k; b++) {
        L->coef[2 + b] = PC(b);
        L->col[2 + b] = bc[b];
    }
    for (size_t q = 0; q < L->nc; q++)
        if (!s->c->held[L->coef[q]]) L->freec[L->m++] = q;
}

static double solve(const break_search *s, floor_v fl, const double *const *bc, double *theta,
                    double *scratch)
{
    const size_t n = s->n;
    const sf_start_ctx *c = s->c;
    const double *z = fl.z, *v = fl.v;
    lin_cols L;
    lin_cols_make(s, bc, &L);
    const size_t nc = L.nc, m = L.m, *coef = L.coef, *freec = L.freec;
    const double *const *col = L.col;
    for (size_t q = 0; q < nc; q++)
        if (c->held[coef[q]]) theta[coef[q]] = c->held_theta[coef[q]];
    /* Target with held coefficients moved to the right-hand side. */
    double *r = scratch, *vx = scratch + n;
    memcpy(r, z, n * sizeof *r);
    for (size_t q = 0; q < nc && m < nc; q++)
        if (c->held[coef[q]])
            for (size_t i = 0; i < n; i++) r[i] -= theta[coef[q]] * col[q][i];
    double G[(2 + MAXB) * (2 + MAXB)], h[2 + MAXB], sol[2 + MAXB];
    for (size_t u = 0; u < m; u++) {
        double *vu = vx + u * n;
        const double *xu = col[freec[u]];
        for (size_t i = 0; i < n; i++) vu[i] = v[i] * xu[i];
        h[u] = dot(vu, r, n);
        for (size_t t = 0; t <= u; t++) G[u * m + t] = G[t * m + u] = dot(vu, col[freec[t]], n);
    }
    double tt = 0;
    for (size_t i = 0; i < n; i++) tt += v[i] * r[i] * r[i];
    if (m > 0 && !sf_spd_solve(m, G, h, sol)) return INFINITY;
    /* Residual sum of squares of the least-squares solution: t.t - x.h. */
    for (size_t u = 0; u < m; u++) {
        theta[coef[freec[u]]] = sol[u];
        tt -= sol[u] * h[u];
    }
    theta[P_A] = log(fl.a);
    return isfinite(tt) ? (tt > 0 ? tt : 0.0) : INFINITY;
}

/* A candidate: its start and, per break, the column in use. */
typedef struct cand {
    double theta[SF_MAX_PARAMS];
    const double *bc[MAXB];
    double score;
} cand;

/* The real least-squares objective of a candidate, sum_i w_i (log y_i -
 * log y^_i)^2 with y^ = a + e^g.  The weighted residual of log(y - a) that
 * solve() minimises is its first-order form, good for comparing
 * placements at one value of a but not across values of a: near a = min y
 * the weights (y - a)^2/y^2 vanish on the lowest rows and would let a
 * placement ignore them.  So each a keeps its best placement by solve(),
 * and values of a are compared by this. */
static double exact_score(const break_search *s, const cand *x)
{
    const double *w = s->c->obs->w, *th = x->theta, a = exp(th[P_A]);
    double score = 0;
    for (size_t i = 0; i < s->n; i++) {
        double g = th[P_B] - th[P_C0] * s->lx[i];
        for (int b = 0; b < s->k; b++) g += th[PC(b)] * x->bc[b][i];
        double r = s->ly[i] - log(a + exp(g));
        score += (w ? w[i] : 1.0) * r * r;
    }
    return isfinite(score) ? score : INFINITY;
}

/* Scratch of solve() and polish(): (3 + MAXB) n doubles, and 2 n more for
 * the targets and weights of a floor between grid values (stage 2). */
#define SCRATCH(n) ((5 + MAXB) * ((n) ? (n) : 1))

/* Gauss-Newton on the free coefficients (log b, c0, c_i) for the real
 * least-squares fit in log y, from solve()'s first-order solution: where
 * the loss comes within its noise of the floor a, log(y - a) is no longer
 * close to linear in the residual and the first-order solution can miss
 * a late break that the real fit sees.  Steps are halved until the fit
 * improves; a few iterations suffice.  Updates x and returns its score. */
static double polish(const break_search *s, cand *x, double *scratch)
{
    const size_t n = s->n;
    const double *w = s->c->obs->w, a = exp(x->theta[P_A]);
    lin_cols L;
    lin_cols_make(s, x->bc, &L);
    const size_t nc = L.nc, m = L.m, *coef = L.coef, *freec = L.freec;
    const double *const *col = L.col;
    double score = exact_score(s, x);
    double *r = scratch, *J = scratch + n;
    for (int it = 0; it < 8 && m > 0 && isfinite(score); it++) {
        for (size_t i = 0; i < n; i++) {
            double g = 0;
            for (size_t q = 0; q < nc; q++) g += x->theta[coef[q]] * col[q][i];
            double e = exp(g), yh = a + e;
            r[i] = s->ly[i] - log(yh);
            for (size_t u = 0; u < m; u++) J[u * n + i] = e / yh * col[freec[u]][i];
        }
        double G[(2 + MAXB) * (2 + MAXB)], h[2 + MAXB], step[2 + MAXB];
        for (size_t u = 0; u < m; u++) {
            h[u] = 0;
            for (size_t i = 0; i < n; i++) h[u] += (w ? w[i] : 1.0) * J[u * n + i] * r[i];
            for (size_t t = 0; t <= u; t++) {
                double v = 0;
                for (size_t i = 0; i < n; i++) v += (w ? w[i] : 1.0) * J[u * n + i] * J[t * n + i];
                G[u * m + t] = G[t * m + u] = v;
            }
        }
        if (!sf_spd_solve(m, G, h, step)) break;
        cand trial = *x;
        double best = score, f = 1.0;
        for (int half = 0; half < 6; half++, f *= 0.5) {
            for (size_t u = 0; u < m; u++)
                trial.theta[coef[freec[u]]] = x->theta[coef[freec[u]]] + f * step[u];
            double sc = exact_score(s, &trial);
            if (sc < best) {
                best = sc;
                break;
            }
        }
        if (!(best < score)) break;
        int small = best > score * (1 - 1e-6);
        *x = trial;
        score = best;
        if (small) break;
    }
    return score;
}

/* Stage 1: the best candidate for tuple t over every (f_1..f_k, a). */
/* Stage 1 for tuple t: at each value of a, the placement's best
 * sharpnesses by solve(), polished; one candidate per value of a, in
 * row[0..na).  Keeping them all, not only the best over a, lets a flexible
 * fit with a near the lowest loss not hide a placement that is right at a
 * lower floor. */
static void tuple_row(const break_search *s, size_t t, cand *row, double *scratch)
{
    const int k = s->k;
    size_t md[MAXB], nfc = 1;
    for (int b = 0; b < k; b++) {
        md[b] = s->tup[t * (size_t)k + (size_t)b];
        nfc *= s->grid[b].nf;
    }
    for (size_t ai = 0; ai < s->na; ai++) {
        cand cur, *at_a = &row[ai];
        double zbest = INFINITY;
        for (size_t fi = 0; fi < nfc; fi++) {
            size_t r = fi, jf[MAXB];
            for (int b = k; b-- > 0;) {
                jf[b] = r % s->grid[b].nf;
                r /= s->grid[b].nf;
            }
            for (int b = 0; b < k; b++) {
                cur.bc[b] = axis_col(s, &s->grid[b], md[b], jf[b]);
                cur.theta[PD(b)] = s->grid[b].dv[md[b]];
                cur.theta[PF(b)] = s->grid[b].fv[jf[b]];
            }
            double z = solve(s, grid_floor(s, ai), cur.bc, cur.theta, scratch);
            if (z < zbest) {
                zbest = z;
                *at_a = cur;
            }
        }
        at_a->score = isfinite(zbest) ? polish(s, at_a, scratch) : INFINITY;
    }
}

/* Stage 2.  (a) For two or three breaks, move one break at a time over
 * the fine axis with the others held, keeping the breaks in order (two
 * breaks at one place only split one), at every grid value of a and the
 * candidate's own.  (b) Move a continuously: golden-section search of the
 * real fit on t = -log(FLOOR_CAP - a/min y), from about one grid step
 * below to a little above the lowest loss, the placement held.  The loss
 * of a curve that flattens onto its floor is very sensitive to a near
 * min y, where a grid step is too coarse to place a late, small break. */
/* Stage 2 moves the floor a = q min y over q < FLOOR_CAP: a curve that
 * has flattened onto its floor has losses scattered by noise on both sides
 * of it. */
#define FLOOR_CAP 1.05

/* Candidate x with the floor at q = FLOOR_CAP - e^-tv, its linear part
 * solved again, scored by the real fit. */
static cand at_floor(const break_search *s, const cand *x, double tv, double *za, double *va,
                     double *scratch)
{
    cand c = *x;
    floor_v fl = make_floor(s, s->ymin * (FLOOR_CAP - exp(-tv)), za, va);
    c.score = isfinite(solve(s, fl, c.bc, c.theta, scratch)) ? polish(s, &c, scratch) : INFINITY;
    return c;
}

static void refine_cand(const break_search *s, size_t t, cand *cd, double *scratch)
{
    cand *x = &cd[t];
    const size_t n = s->n ? s->n : 1;
    double *za = scratch + (3 + MAXB) * n, *va = za + n;
    for (int round = 0; round < (s->k > 1 ? REF_ROUNDS : 1); round++) {
        for (int b = 0; b < s->k && s->k > 1; b++) {
            const axis *ax = &s->fine[b];
            double below = -INFINITY, above = INFINITY;
            for (int o = 0; o < s->k; o++) {
                double d = x->theta[PD(o)];
                if (o < b && d > below) below = d;
                if (o > b && d < above) above = d;
            }
            cand base = *x;
            for (size_t ai = 0; ai <= s->na; ai++) {
                /* The grid's values of a, then the candidate's. */
                floor_v fl = ai < s->na ? grid_floor(s, ai)
                                        : make_floor(s, exp(base.theta[P_A]), za, va);
                cand cur = base, at_a;
                double zbest = INFINITY;
                for (size_t m = 0; m < ax->nd; m++) {
                    if (ax->nd > 1 && !(ax->dv[m] > below && ax->dv[m] < above)) continue;
                    for (size_t j = 0; j < ax->nf; j++) {
                        cur.bc[b] = axis_col(s, ax, m, j);
                        cur.theta[PD(b)] = ax->dv[m];
                        cur.theta[PF(b)] = ax->fv[j];
                        double z = solve(s, fl, cur.bc, cur.theta, scratch);
                        if (z < zbest) {
                            zbest = z;
                            at_a = cur;
                        }
                    }
                }
                if (!isfinite(zbest)) continue;
                at_a.score = polish(s, &at_a, scratch);
                if (at_a.score < x->score) *x = at_a;
            }
        }
        if (s->c->held[P_A]) continue;
        /* (b): t = -log(FLOOR_CAP - q), q = a / min y, from about one grid
         * step below the candidate's a to the cap. */
        double tq = -log(FLOOR_CAP - exp(x->theta[P_A]) / s->ymin);
        double lo = fmax(tq - 0.7, -log(FLOOR_CAP) + 1e-6), hi = fmax(-log(FLOOR_CAP - 1.0) + 1.5, tq + 0.7);
        const double gr = 0.5 * (sqrt(5.0) - 1.0);
        double t1 = hi - gr * (hi - lo), t2 = lo + gr * (hi - lo);
        cand c1 = at_floor(s, x, t1, za, va, scratch), c2 = at_floor(s, x, t2, za, va, scratch);
        for (int it = 0; it < 30; it++) {
            if (c1.score <= c2.score) {
                hi = t2;
                t2 = t1;
                c2 = c1;
                t1 = hi - gr * (hi - lo);
                c1 = at_floor(s, x, t1, za, va, scratch);
            } else {
                lo = t1;
                t1 = t2;
                c1 = c2;
                t2 = lo + gr * (hi - lo);
                c2 = at_floor(s, x, t2, za, va, scratch);
            }
        }
        if (c1.score < x->score) *x = c1;
        if (c2.score < x->score) *x = c2;
    }
}

/* job(s, t, cd, scratch) for t = idx[i] (or i when idx is NULL),
 * i < count, over threads, each thread with its own scratch; every item
 * writes only its own candidates, so the result does not depend on the
 * threads.  SF_ENOMEM when a thread had no scratch. */
typedef void (*cand_job)(const break_search *s, size_t t, cand *cd, double *scratch);

static void stage1(const break_search *s, size_t t, cand *cd, double *scratch)
{
    tuple_row(s, t, cd + t * s->na, scratch);
}

/* Row evaluations of one item, to size the team by the work
 * (src/base/team.h): a solve passes over the n rows about four times; a
 * stage-1 tuple solves every floor and break-sharpness of the grid, then
 * polishes (about 20 solves) at each floor; a refinement moves each break
 * over its fine axis at every floor, then searches the floor (about 60). */
static double stage1_rows(const break_search *s)
{
    double nfc = 1;
    for (int b = 0; b < s->k; b++) nfc *= (double)s->grid[b].nf;
    return 4.0 * (double)s->n * (double)s->na * (nfc + 20.0);
}

static double refine_rows(const break_search *s)
{
    double moves = 0;
    for (int b = 0; b < s->k && s->k > 1; b++)
        moves += (double)s->fine[b].nd * (double)s->fine[b].nf;
    double rounds = s->k > 1 ? REF_ROUNDS : 1;
    return 4.0 * (double)s->n * (rounds * (double)(s->na + 1) * moves + 60.0);
}

static int in_parallel(const break_search *s, int threads, size_t count, const size_t *idx,
                       double rows_per_item, cand *cd, cand_job job)
{
    int nt = sf_threads_for_rows(threads, count, rows_per_item), short_mem = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        double *scratch = malloc(SCRATCH(s->n) * sizeof *scratch);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (size_t i = 0; i < count; i++) {
            size_t t = idx ? idx[i] : i;
            if (scratch) job(s, t, cd, scratch);
        }
        if (!scratch) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            short_mem = 1;
        }
        free(scratch);
    }
    return short_mem ? SF_ENOMEM : SF_OK;
}

/* Candidates are items t na + ai: tuple t at the ai-th value of a.  Two
 * are neighbours when every break index and the index of a differ by at
 * most one (adjacent placements usually lead to the same optimum);
 * exactly_one_step asks for one step in one of them. */
static int near_items(const break_search *s, size_t t, size_t u, int exactly_one_step)
{
    size_t ta = t / s->na, ua = u / s->na, aa = t % s->na, ab = u % s->na;
    size_t steps = aa > ab ? aa - ab : ab - aa;
    if (steps > 1) return 0;
    for (int b = 0; b < s->k; b++) {
        size_t i = s->tup[ta * (size_t)s->k + (size_t)b], j = s->tup[ua * (size_t)s->k + (size_t)b];
        size_t d = i > j ? i - j : j - i;
        if (d > 1) return 0;
        steps += d;
    }
    return exactly_one_step ? steps == 1 : 1;
}

static int cand_before(const cand *c, size_t a, size_t b)
{
    if (c[a].score != c[b].score) return c[a].score < c[b].score;
    return a < b;
}

/* Sort idx[0..n) by candidate score (insertion sort: n is at most a few
 * hundred). */
static void sort_cands(const cand *c, size_t *idx, size_t n)
{
    for (size_t t = 0; t < n; t++) {
        size_t j = t, v = idx[t];
        while (j > 0 && cand_before(c, v, idx[j - 1])) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

static int build(break_search *s)
{
    const sf_start_ctx *c = s->c;
    const int k = s->k;
    const size_t n = s->n;
    double hi = -INFINITY;
    s->lo = INFINITY;
    s->ymin = INFINITY;
    for (size_t i = 0; i < n; i++) {
        s->ymin = fmin(s->ymin, exp(s->ly[i]));
        s->lo = fmin(s->lo, s->lx[i]);
        hi = fmax(hi, s->lx[i]);
    }
    s->span = hi - s->lo;
    if (!(s->span > 0)) return SF_ENOTSUP;
    s->one = malloc((n ? n : 1) * sizeof *s->one);
    s->nlx = malloc((n ? n : 1) * sizeof *s->nlx);
    if (!s->one || !s->nlx) return SF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        s->one[i] = 1.0;
        s->nlx[i] = -s->lx[i];
    }
    /* Column tables cost (M F + REF_M REF_F) n doubles per break. */
    if ((double)n * (double)k * (double)(GRID_M[k] * GRID_F[k] + REF_M * REF_F) > 5e7)
        return SF_ENOTSUP;
    /* a from 0.001 to 0.993 of the smallest loss, denser near it, where
     * log(y - a) bends fastest. */
    size_t NA = GRID_NA[k];
    s->na = c->held[P_A] ? 1 : NA;
    s->av = malloc(s->na * sizeof *s->av);
    s->z = malloc(s->na * (n ? n : 1) * sizeof *s->z);
    s->v = malloc(s->na * (n ? n : 1) * sizeof *s->v);
    if (!s->av || !s->z || !s->v) return SF_ENOMEM;
    for (size_t j = 0; j < s->na; j++) {
        double q = 1.0 - exp(-5.0 * (double)j / (double)(NA - 1)), a;
        a = c->held[P_A] ? exp(c->held_theta[P_A]) : s->ymin * (q > 1e-3 ? q : 1e-3);
        if (!(a < s->ymin)) return SF_ENOTSUP;  /* a held at or above a loss */
        s->av[j] = a;
        for (size_t i = 0; i < n; i++) {
            double y = exp(s->ly[i]), r = (y - a) / y;
            s->z[j * n + i] = log(y - a);
            s->v[j * n + i] = (c->obs->w ? c->obs->w[i] : 1.0) * r * r;
        }
    }
    for (int b = 0; b < k; b++) {
        int rc = axis_make(s, &s->grid[b], b, GRID_M[k], GRID_F[k]);
        if (rc == SF_OK && k > 1) rc = axis_make(s, &s->fine[b], b, REF_M, REF_F);
        if (rc != SF_OK) return rc;
    }
    /* Tuples of break positions; free breaks in increasing order, so each
     * placement is tried once and not once per permutation. */
    size_t total = 1;
    for (int b = 0; b < k; b++) total *= s->grid[b].nd;
    if (!(s->tup = malloc(total * (size_t)k * sizeof *s->tup))) return SF_ENOMEM;
    s->T = 0;
    for (size_t flat = 0; flat < total; flat++) {
        size_t idx[MAXB], r = flat;
        for (int b = k; b-- > 0;) {
            idx[b] = r % s->grid[b].nd;
            r /= s->grid[b].nd;
        }
        int ok = 1, last = -1;
        for (int b = 0; b < k && ok; b++) {
            if (s->grid[b].nd == 1) continue;
            ok = (int)idx[b] > last;
            last = (int)idx[b];
        }
        if (ok) memcpy(s->tup + s->T++ * (size_t)k, idx, (size_t)k * sizeof *idx);
    }
    return SF_OK;
}

static void release(break_search *s)
{
    free(s->one);
    free(s->nlx);
    free(s->av);
    free(s->z);
    free(s->v);
    free(s->tup);
    for (int b = 0; b < MAXB; b++) {
        axis *ax[2] = {&s->grid[b], &s->fine[b]};
        for (int q = 0; q < 2; q++) {
            free(ax[q]->dv);
            free(ax[q]->fv);
            free(ax[q]->col);
        }
    }
}

static int starts(const sf_law *law, const sf_start_ctx *c, double *theta, size_t *count,
                  int *exact)
{
    break_search s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.k = law->opt.breaks;
    s.n = c->obs->n;
    s.p = law->n_params;
    s.lx = c->obs->log[law->opt.x];
    s.ly = c->obs->logy;
    *exact = 0;
    *count = 0;
    int rc = build(&s);
    cand *cd = NULL;
    size_t *order = NULL, chosen[64], nc = 0, items = s.T * s.na;
    if (rc == SF_OK) {
        cd = malloc(items * sizeof *cd);
        order = malloc(items * sizeof *order);
        if (!cd || !order) rc = SF_ENOMEM;
    }
    /* Stage 1, each tuple into its own row. */
    if (rc == SF_OK) rc = in_parallel(&s, c->threads, s.T, NULL, stage1_rows(&s), cd, stage1);
    if (rc == SF_OK) {
        for (size_t t = 0; t < items; t++) order[t] = t;
        sort_cands(cd, order, items);
        /* Local minima over neighbouring items, best first; then the best
         * items not next to one already chosen. */
        /* More breaks, more basins: refine starts per break. */
        size_t cap = c->refine * (size_t)s.k;
        if (cap > c->max) cap = c->max;
        if (cap > 64) cap = 64;
        for (int pass = 0; pass < 2; pass++)
            for (size_t a = 0; a < items && nc < cap; a++) {
                size_t t = order[a];
                if (!isfinite(cd[t].score)) break;
                int take = 1;
                for (size_t q = 0; q < nc && take; q++)
                    take = chosen[q] != t && !(pass == 1 && near_items(&s, t, chosen[q], 0));
                for (size_t u = 0; u < items && take && pass == 0; u++)
                    if (near_items(&s, t, u, 1) && cand_before(cd, u, t)) take = 0;
                if (take) chosen[nc++] = t;
            }
        if (nc == 0) rc = SF_ENOTSUP;
    }
    if (rc == SF_OK) {
        /* Stage 2, each chosen candidate independently. */
        rc = in_parallel(&s, c->threads, nc, chosen, refine_rows(&s), cd, refine_cand);
        /* Candidates that refined to the same breaks and floor are one
         * start. */
        size_t kept = 0;
        for (size_t q = 0; q < nc; q++) {
            int dup = 0;
            for (size_t r = 0; r < kept && !dup; r++) {
                const cand *x = &cd[chosen[q]], *y = &cd[chosen[r]];
                dup = fabs(x->theta[P_A] - y->theta[P_A]) < 1e-3;
                for (int b = 0; b < s.k; b++) dup &= x->bc[b] == y->bc[b];
            }
            if (!dup) chosen[kept++] = chosen[q];
        }
        nc = kept;
    }
    /* Best first by the real fit quality. */
    if (rc == SF_OK) sort_cands(cd, chosen, nc);
    for (size_t q = 0; q < nc && rc == SF_OK; q++)
        memcpy(theta + q * s.p, cd[chosen[q]].theta, s.p * sizeof *theta);
    if (rc == SF_OK) *count = nc;
    free(cd);
    free(order);
    release(&s);
    return rc;
}

const sf_law_class sf_law_bnsl = {
    .name = "bnsl",
    .formula = "L = a + b X^-c0 prod_i (1 + (X/d_i)^(1/f_i))^(-c_i f_i)  (X: --x, i <= --breaks)",
    .setup = setup,
    .eval = eval,
    .basis = basis,
    .options = SF_LAW_OPT_X | SF_LAW_OPT_BREAKS,
    .starts = starts,
};

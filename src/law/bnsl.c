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
 * weighted least squares; a runs over fractions of the smallest loss, each
 * break over positions spread evenly across the data's log x range and
 * sharpnesses relative to that range.  The best distinct break placements
 * seed L-BFGS on the real objective.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
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

/* softplus(s) - s logistic(s) = d(f softplus((lx - ld)/f))/d log f / f,
 * written without the cancellation of its two terms for large s. */
static double sp_minus_s_sig(double s, double sp, double sig)
{
    if (s <= 0) return sp - s * sig;
    return log1p(exp(-s)) + s * sf_logistic(-s);
}

/* g = log b - c0 log x - sum_i c_i f_i softplus(s_i) at each point. */
static double seg(const sf_law *law, const double *th, double lx, double *sp, double *sig,
                  double *s)
{
    double g = th[P_B] - th[P_C0] * lx;
    for (int i = 0; i < law->opt.breaks; i++) {
        double f = exp(th[PF(i)]);
        s[i] = (lx - th[PD(i)]) / f;
        sp[i] = sf_softplus(s[i]);
        if (sig) sig[i] = sf_logistic(s[i]);
        g -= th[PC(i)] * f * sp[i];
    }
    return g;
}

static void eval(const sf_law *law, const double *th, const sf_obs *x, double *logy,
                 double *jac)
{
    const double *lx = x->log[law->opt.x];
    const size_t p = law->n_params;
    for (size_t i = 0; i < x->n; i++) {
        double sp[MAXB], sig[MAXB], s[MAXB], w[3];
        double g = seg(law, th, lx[i], sp, jac ? sig : NULL, s);
        logy[i] = sf_lse3(th[P_A], g, -INFINITY, w);
        if (!jac) continue;
        double *J = jac + i * p, w1 = w[1];
        J[P_A] = w[0];
        J[P_B] = w1;
        J[P_C0] = -lx[i] * w1;
        for (int k = 0; k < law->opt.breaks; k++) {
            double c = th[PC(k)], f = exp(th[PF(k)]);
            J[PC(k)] = -f * sp[k] * w1;
            J[PD(k)] = c * sig[k] * w1;
            J[PF(k)] = -c * f * sp_minus_s_sig(s[k], sp[k], sig[k]) * w1;
        }
    }
}

static void basis(const sf_law *law, const double *th, const sf_obs *x, double *B)
{
    const size_t n = x->n;
    const double *lx = x->log[law->opt.x];
    for (size_t i = 0; i < n; i++) {
        double sp[MAXB], s[MAXB];
        B[i] = 1.0;
        B[n + i] = exp(seg(law, th, lx[i], sp, NULL, s) - th[P_B]);
    }
}

/* ---- the search ------------------------------------------------------------ */

/* Grid sizes per number of breaks: break positions M, sharpnesses F, values
 * of a NA.  Least-squares solves: M F NA = 9216 for one break,
 * C(20,2) 6^2 12 = 82080 for two, C(10,3) 4^3 8 = 61440 for three. */
static const size_t GRID_M[MAXB + 1] = {0, 48, 20, 10};
static const size_t GRID_F[MAXB + 1] = {0, 12, 6, 4};
static const size_t GRID_NA[MAXB + 1] = {0, 16, 12, 8};

typedef struct break_search {
    const sf_law *law;
    const sf_start_ctx *c;
    int k;
    size_t n, p;
    const double *lx, *ly;
    double *y;                      /* n: the losses */
    double ymin;
    /* Candidate values of each break's log d and log f, and of a. */
    size_t nd[MAXB], nf[MAXB], na;
    double *dv[MAXB], *fv[MAXB], *av;
    /* Break-position tuples: T of them, k indices each into dv. */
    size_t T;
    size_t *tup;
} break_search;

/* Least squares for the coefficients (log b, c0, c_i) not held, at the
 * given a, log d, log f: minimise sum_i v_i (log(y_i - a) - g_i)^2 with
 * v_i = w_i ((y_i - a)/y_i)^2, the first-order weight that makes it the
 * log-y residual.  theta receives the whole start; returns the real
 * least-squares objective sum_i w_i (log y_i - log y^_i)^2, INFINITY when
 * the normal equations are singular.  col: (k + 3) * n scratch. */
static double solve(const break_search *s, double a, const double *ld, const double *lf,
                    double *theta, double *col)
{
    const size_t n = s->n;
    const int k = s->k;
    const sf_start_ctx *c = s->c;
    const double *w = c->obs->w;
    /* Columns of g: 1 (log b), -log x (c0), -f_i softplus(s_i) (c_i). */
    size_t coef[2 + MAXB], m = 0, nc = 2 + (size_t)k;
    coef[0] = P_B;
    coef[1] = P_C0;
    for (int i = 0; i < k; i++) coef[2 + i] = PC(i);
    double *z = col + nc * n;
    for (size_t i = 0; i < n; i++) {
        col[i] = 1.0;
        col[n + i] = -s->lx[i];
        for (int b = 0; b < k; b++) {
            double f = exp(lf[b]);
            col[(2 + (size_t)b) * n + i] = -f * sf_softplus((s->lx[i] - ld[b]) / f);
        }
        z[i] = log(s->y[i] - a);
    }
    /* Held coefficients move to the right-hand side. */
    size_t freec[2 + MAXB];
    for (size_t q = 0; q < nc; q++) {
        if (c->held[coef[q]]) {
            for (size_t i = 0; i < n; i++) z[i] -= c->held_theta[coef[q]] * col[q * n + i];
            theta[coef[q]] = c->held_theta[coef[q]];
        } else {
            freec[m++] = q;
        }
    }
    if (m > 0) {
        double G[(2 + MAXB) * (2 + MAXB)] = {0}, h[2 + MAXB] = {0}, sol[2 + MAXB];
        for (size_t i = 0; i < n; i++) {
            double r = (s->y[i] - a) / s->y[i];
            double v = (w ? w[i] : 1.0) * r * r;
            for (size_t u = 0; u < m; u++) {
                double xu = col[freec[u] * n + i];
                h[u] += v * xu * z[i];
                for (size_t t = 0; t <= u; t++) G[u * m + t] += v * xu * col[freec[t] * n + i];
            }
        }
        for (size_t u = 0; u < m; u++)
            for (size_t t = u + 1; t < m; t++) G[u * m + t] = G[t * m + u];
        if (!sf_spd_solve(m, G, h, sol)) return INFINITY;
        for (size_t u = 0; u < m; u++) theta[coef[freec[u]]] = sol[u];
    }
    theta[P_A] = log(a);
    for (int b = 0; b < k; b++) {
        theta[PD(b)] = ld[b];
        theta[PF(b)] = lf[b];
    }
    /* The real fit quality, on log y. */
    double score = 0;
    for (size_t i = 0; i < n; i++) {
        double g = 0;
        for (size_t q = 0; q < nc; q++) g += theta[coef[q]] * col[q * n + i];
        double r = s->ly[i] - log(a + exp(g));
        score += (w ? w[i] : 1.0) * r * r;
    }
    return isfinite(score) ? score : INFINITY;
}

/* Best start for break-position tuple t over every (f_1..f_k, a). */
static double best_for_tuple(const break_search *s, size_t t, double *best, double *theta,
                             double *col)
{
    const int k = s->k;
    double ld[MAXB], lf[MAXB], bs = INFINITY;
    for (int b = 0; b < k; b++) ld[b] = s->dv[b][s->tup[t * (size_t)k + (size_t)b]];
    size_t nfc = 1;
    for (int b = 0; b < k; b++) nfc *= s->nf[b];
    for (size_t fi = 0; fi < nfc; fi++) {
        size_t r = fi;
        for (int b = k; b-- > 0;) {
            lf[b] = s->fv[b][r % s->nf[b]];
            r /= s->nf[b];
        }
        for (size_t ai = 0; ai < s->na; ai++) {
            double sc = solve(s, s->av[ai], ld, lf, theta, col);
            if (sc < bs) {
                bs = sc;
                memcpy(best, theta, s->p * sizeof *theta);
            }
        }
    }
    return bs;
}

/* Two tuples are neighbours when every break index differs by at most one
 * (adjacent placements usually lead to the same optimum). */
static int near_tuples(const break_search *s, size_t t, size_t u, int exactly_one_step)
{
    size_t steps = 0;
    for (int b = 0; b < s->k; b++) {
        size_t i = s->tup[t * (size_t)s->k + (size_t)b], j = s->tup[u * (size_t)s->k + (size_t)b];
        size_t d = i > j ? i - j : j - i;
        if (d > 1) return 0;
        steps += d;
    }
    return exactly_one_step ? steps == 1 : 1;
}

static int tuple_order(const double *score, size_t a, size_t b)
{
    if (score[a] != score[b]) return score[a] < score[b];
    return a < b;
}

static int build(break_search *s)
{
    const sf_start_ctx *c = s->c;
    const int k = s->k;
    const size_t n = s->n;
    double lo = INFINITY, hi = -INFINITY;
    s->ymin = INFINITY;
    if (!(s->y = malloc((n ? n : 1) * sizeof *s->y))) return SF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        s->y[i] = exp(s->ly[i]);
        if (s->y[i] < s->ymin) s->ymin = s->y[i];
        if (s->lx[i] < lo) lo = s->lx[i];
        if (s->lx[i] > hi) hi = s->lx[i];
    }
    double span = hi - lo;
    if (!(span > 0)) return SF_ENOTSUP;
    size_t M = GRID_M[k], F = GRID_F[k], NA = GRID_NA[k];
    /* Break positions spread evenly over the data's log x range (a break
     * outside it is not determined by the data); sharpness f from 0.003 to
     * 3.2 times that range, log-spaced. */
    for (int b = 0; b < k; b++) {
        int hd = c->held[PD(b)], hf = c->held[PF(b)];
        s->nd[b] = hd ? 1 : M;
        s->nf[b] = hf ? 1 : F;
        s->dv[b] = malloc(s->nd[b] * sizeof *s->dv[b]);
        s->fv[b] = malloc(s->nf[b] * sizeof *s->fv[b]);
        if (!s->dv[b] || !s->fv[b]) return SF_ENOMEM;
        for (size_t m = 0; m < s->nd[b]; m++)
            s->dv[b][m] = hd ? c->held_theta[PD(b)] : lo + span * ((double)m + 0.5) / (double)M;
        for (size_t j = 0; j < s->nf[b]; j++)
            s->fv[b][j] = hf ? c->held_theta[PF(b)]
                             : log(span) + log(10.0) * (-2.5 + 3.0 * (double)j / (double)(F - 1));
    }
    /* a from 0.001 to 0.993 of the smallest loss, denser near it, where
     * log(y - a) bends fastest. */
    s->na = c->held[P_A] ? 1 : NA;
    if (!(s->av = malloc(s->na * sizeof *s->av))) return SF_ENOMEM;
    for (size_t j = 0; j < s->na; j++) {
        double q = 1.0 - exp(-5.0 * (double)j / (double)(NA - 1));
        s->av[j] = c->held[P_A] ? exp(c->held_theta[P_A]) : s->ymin * (q > 1e-3 ? q : 1e-3);
    }
    if (!(s->av[0] < s->ymin)) return SF_ENOTSUP;  /* a held at or above a loss */
    /* Tuples of break positions; free breaks in increasing order, so each
     * placement is tried once and not once per permutation. */
    size_t total = 1;
    for (int b = 0; b < k; b++) total *= s->nd[b];
    if (!(s->tup = malloc(total * (size_t)k * sizeof *s->tup))) return SF_ENOMEM;
    s->T = 0;
    for (size_t flat = 0; flat < total; flat++) {
        size_t idx[MAXB], r = flat;
        for (int b = k; b-- > 0;) {
            idx[b] = r % s->nd[b];
            r /= s->nd[b];
        }
        int ok = 1, last = -1;
        for (int b = 0; b < k && ok; b++) {
            if (s->nd[b] == 1) continue;
            ok = (int)idx[b] > last;
            last = (int)idx[b];
        }
        if (ok) memcpy(s->tup + s->T++ * (size_t)k, idx, (size_t)k * sizeof *idx);
    }
    return SF_OK;
}

static void release(break_search *s)
{
    free(s->y);
    free(s->av);
    free(s->tup);
    for (int b = 0; b < MAXB; b++) {
        free(s->dv[b]);
        free(s->fv[b]);
    }
}

static int starts(const sf_law *law, const sf_start_ctx *c, double *theta, size_t *count,
                  int *exact)
{
    break_search s;
    memset(&s, 0, sizeof s);
    s.law = law;
    s.c = c;
    s.k = law->opt.breaks;
    s.n = c->obs->n;
    s.p = law->n_params;
    s.lx = c->obs->log[law->opt.x];
    s.ly = c->obs->logy;
    *exact = 0;
    *count = 0;
    int rc = build(&s);
    double *score = NULL, *cand = NULL;
    size_t *order = NULL;
    if (rc == SF_OK) {
        score = malloc(s.T * sizeof *score);
        cand = malloc(s.T * s.p * sizeof *cand);
        order = malloc(s.T * sizeof *order);
        if (!score || !cand || !order) rc = SF_ENOMEM;
    }
    if (rc == SF_OK) {
        int nt = sf_threads_for(c->threads, s.T);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
        {
            double th[SF_MAX_PARAMS];
            double *col = malloc(((size_t)s.k + 3) * (s.n ? s.n : 1) * sizeof *col);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
            for (size_t t = 0; t < s.T; t++)
                score[t] = col ? best_for_tuple(&s, t, cand + t * s.p, th, col) : NAN;
            free(col);
        }
        for (size_t t = 0; t < s.T && rc == SF_OK; t++)
            if (isnan(score[t])) rc = SF_ENOMEM;
    }
    if (rc == SF_OK) {
        /* Insertion sort by score (T is at most a few hundred). */
        for (size_t t = 0; t < s.T; t++) {
            size_t j = t;
            while (j > 0 && tuple_order(score, t, order[j - 1])) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = t;
        }
        /* Local minima over neighbouring placements, best first; then the
         * best placements not next to one already chosen. */
        size_t nc = 0, chosen[64];
        size_t cap = c->max < 64 ? c->max : 64;
        for (int pass = 0; pass < 2; pass++)
            for (size_t a = 0; a < s.T && nc < cap; a++) {
                size_t t = order[a];
                if (!isfinite(score[t])) break;
                int take = 1;
                for (size_t q = 0; q < nc && take; q++)
                    take = chosen[q] != t && !(pass == 1 && near_tuples(&s, t, chosen[q], 0));
                for (size_t u = 0; u < s.T && take && pass == 0; u++)
                    if (near_tuples(&s, t, u, 1) && tuple_order(score, u, t)) take = 0;
                if (take) chosen[nc++] = t;
            }
        for (size_t q = 0; q < nc; q++)
            memcpy(theta + q * s.p, cand + chosen[q] * s.p, s.p * sizeof *theta);
        *count = nc;
        if (nc == 0) rc = SF_ENOTSUP;
    }
    free(score);
    free(cand);
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

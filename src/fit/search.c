/*
 * Global search: where the multi-start L-BFGS driver starts from.
 *
 *   FULL    every point of the law's start grid (Hoffmann et al.'s 4500 for
 *           chinchilla), each refined to convergence.
 *   SCREEN  the objective at every grid point (one evaluation each), then
 *           the best `refine` points that are local minima on the grid,
 *           topped up with the next best points not adjacent to those.
 *   VP      variable projection (Golub and Pereyra 1973): for laws linear
 *           in some coefficients (chinchilla: E, A, B given alpha, beta),
 *           a fine grid over the nonlinear parameters, the coefficients at
 *           each point from non-negative weighted least squares on relative
 *           residuals, sum_i w_i ((L_i - L^_i)/L_i)^2, which is the
 *           first-order expansion of the log residual.  The grid's local
 *           minima, with their coefficients, seed L-BFGS on the real
 *           objective.  Cost: one pass over the data per grid point for the
 *           cross products that depend on two exponents, the others are
 *           cached per exponent value.
 *
 * Grid points are numbered in row-major order over the free "dimensions"
 * (free parameters that are not tied followers); all work is indexed by
 * grid point, so results do not depend on the number of threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/team.h"
#include "fit/fit_impl.h"

#define MAX_LIN 4          /* NNLS by subset enumeration up to 2^4 - 1 sets */

void sf_starts_free(sf_starts *s)
{
    free(s->theta);
    s->theta = NULL;
    s->count = 0;
}

/* ---- grid bookkeeping ---------------------------------------------------- */

typedef struct grid {
    size_t nd;                     /* dimensions */
    int dim[SF_MAX_PARAMS];        /* parameter index of each dimension */
    size_t size[SF_MAX_PARAMS];
    const double *val[SF_MAX_PARAMS];
    size_t total;
} grid;

/* Free representatives of the base map, in parameter order. */
static void grid_dims(const sf_problem *pb, grid *g, int use_vp)
{
    const sf_law *law = pb->law;
    const sf_pmap *m = &pb->base;
    g->nd = 0;
    g->total = 1;
    for (size_t j = 0; j < m->p; j++) {
        if (m->map[j] < 0 || m->rep[j] != (int)j) continue;
        if (use_vp) {
            int is_lin = 0;
            for (size_t k = 0; k < law->n_lin; k++) is_lin |= law->lin[k] == (int)j;
            if (is_lin) continue;
        }
        size_t d = g->nd++;
        g->dim[d] = (int)j;
        g->size[d] = use_vp ? law->vp_n[j] : law->grid_n[j];
        g->val[d] = use_vp ? law->vp_v[j] : law->grid_v[j];
        if (g->size[d] == 0) g->total = 0;
        else if (g->total > ((size_t)1 << 40) / g->size[d]) g->total = (size_t)1 << 40;
        else g->total *= g->size[d];
    }
}

static void grid_index(const grid *g, size_t flat, size_t *idx)
{
    for (size_t d = g->nd; d-- > 0;) {
        idx[d] = flat % g->size[d];
        flat /= g->size[d];
    }
}

/* theta at a grid point: held values, grid values, ties followed. */
static void grid_theta(const sf_problem *pb, const grid *g, size_t flat, double *theta,
                       const double *fill)
{
    const sf_pmap *m = &pb->base;
    size_t idx[SF_MAX_PARAMS];
    grid_index(g, flat, idx);
    for (size_t j = 0; j < m->p; j++) theta[j] = m->map[j] < 0 ? m->held[j] : fill[j];
    for (size_t d = 0; d < g->nd; d++) theta[g->dim[d]] = g->val[d][idx[d]];
    for (size_t j = 0; j < m->p; j++)
        if (m->rep[j] != (int)j) theta[j] = theta[m->rep[j]];
    for (size_t j = 0; j < m->p; j++) {
        if (theta[j] < pb->lo[j]) theta[j] = pb->lo[j];
        if (theta[j] > pb->hi[j]) theta[j] = pb->hi[j];
    }
}

typedef struct scored {
    double score;
    size_t index;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->score < y->score) return -1;
    if (x->score > y->score) return 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int adjacent(const grid *g, size_t a, size_t b)
{
    size_t ia[SF_MAX_PARAMS], ib[SF_MAX_PARAMS];
    grid_index(g, a, ia);
    grid_index(g, b, ib);
    for (size_t d = 0; d < g->nd; d++) {
        size_t diff = ia[d] > ib[d] ? ia[d] - ib[d] : ib[d] - ia[d];
        if (diff > 1) return 0;
    }
    return 1;
}

/* Choose up to k grid points: local minima of score (neighbours differ by
 * one step in one dimension; ties broken by index), best first, then the
 * best remaining points not adjacent to a chosen one.  Non-finite scores
 * are never chosen.  Returns the number chosen. */
static size_t select_points(const grid *g, const double *score, size_t k, size_t *chosen)
{
    size_t M = g->total;
    scored *all = malloc(M * sizeof *all);
    if (!all) return 0;
    size_t nfin = 0;
    for (size_t i = 0; i < M; i++)
        if (isfinite(score[i])) all[nfin++] = (scored){score[i], i};
    qsort(all, nfin, sizeof *all, cmp_scored);
    size_t nc = 0;
    /* Pass 1: local minima in score order. */
    for (size_t a = 0; a < nfin && nc < k; a++) {
        size_t i = all[a].index, idx[SF_MAX_PARAMS];
        grid_index(g, i, idx);
        int is_min = 1;
        size_t stride = 1;
        for (size_t d = g->nd; d-- > 0 && is_min;) {
            for (int s = -1; s <= 1; s += 2) {
                if ((s < 0 && idx[d] == 0) || (s > 0 && idx[d] + 1 >= g->size[d])) continue;
                size_t nb = s < 0 ? i - stride : i + stride;
                double sn = score[nb];
                if (!isfinite(sn)) continue;
                if (sn < score[i] || (sn == score[i] && nb < i)) {
                    is_min = 0;
                    break;
                }
            }
            stride *= g->size[d];
        }
        if (is_min) chosen[nc++] = i;
    }
    /* Pass 2: top up with the best points away from those chosen. */
    for (size_t a = 0; a < nfin && nc < k; a++) {
        size_t i = all[a].index;
        int ok = 1;
        for (size_t c = 0; c < nc && ok; c++) ok = chosen[c] != i && !adjacent(g, i, chosen[c]);
        if (ok) chosen[nc++] = i;
    }
    free(all);
    return nc;
}

static int put_starts(const sf_problem *pb, const grid *g, const size_t *pts, size_t np,
                      sf_starts *out, const double *fill)
{
    size_t p = pb->law->n_params;
    out->theta = malloc((np ? np : 1) * p * sizeof *out->theta);
    if (!out->theta) return SF_ENOMEM;
    out->count = np;
    for (size_t s = 0; s < np; s++) grid_theta(pb, g, pts[s], out->theta + s * p, fill);
    return SF_OK;
}

/* ---- FULL and SCREEN ------------------------------------------------------ */

/* For screening, halve the steps of every free axis with two or more
 * values while the grid stays within the law's screen_points (0: never).
 * New values are linear interpolations in internal coordinates.  Returns
 * the storage behind the new axes (the caller frees it), or NULL when the
 * grid is unchanged or memory is short. */
static double *subdivide(const sf_law *law, grid *g)
{
    size_t target = law->cls->screen_points, sz[SF_MAX_PARAMS], levels = 0, sum = 0;
    if (target == 0 || g->total == 0) return NULL;
    for (size_t d = 0; d < g->nd; d++) sz[d] = g->size[d];
    for (;;) {
        size_t t = 1;
        int grows = 0;
        for (size_t d = 0; d < g->nd; d++) {
            size_t s = sz[d] >= 2 ? 2 * sz[d] - 1 : sz[d];
            grows |= s != sz[d];
            t = t > target ? t : t * s;
        }
        if (!grows || t > target) break;
        for (size_t d = 0; d < g->nd; d++) sz[d] = sz[d] >= 2 ? 2 * sz[d] - 1 : sz[d];
        levels++;
    }
    if (levels == 0) return NULL;
    for (size_t d = 0; d < g->nd; d++) sum += sz[d];
    double *store = malloc(sum * sizeof *store), *v = store;
    if (!store) return NULL;
    size_t per = (size_t)1 << levels;  /* new points per old step */
    g->total = 1;
    for (size_t d = 0; d < g->nd; d++) {
        for (size_t m = 0; m < sz[d]; m++) {
            size_t i = m / per, r = m % per;
            v[m] = r == 0 ? g->val[d][i]
                          : g->val[d][i] + (g->val[d][i + 1] - g->val[d][i]) * (double)r /
                                               (double)per;
        }
        g->val[d] = v;
        g->size[d] = sz[d];
        g->total *= sz[d];
        v += sz[d];
    }
    return store;
}

static int search_grid(const sf_problem *pb, int screen, int refine, int threads,
                       sf_starts *out, sf_error *err)
{
    grid g;
    grid_dims(pb, &g, 0);
    double fill[SF_MAX_PARAMS] = {0};
    if (g.total == 0 || g.total > 50000000)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "start grid of law '%s' is %s",
                       pb->law->cls->name, g.total ? "too large" : "empty");
    double *fine = screen ? subdivide(pb->law, &g) : NULL;
    if (!screen) {
        size_t *all = malloc(g.total * sizeof *all);
        if (!all) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
        for (size_t i = 0; i < g.total; i++) all[i] = i;
        int rc = put_starts(pb, &g, all, g.total, out, fill);
        free(all);
        out->strategy = SF_GRID_FULL;
        return rc == SF_OK ? SF_OK : sf_fail(err, rc, NULL, 0, 0, "out of memory");
    }
    double *score = malloc(g.total * sizeof *score);
    size_t *pick = malloc((size_t)(refine > 0 ? refine : 1) * sizeof *pick);
    int status = score && pick ? SF_OK : SF_ENOMEM;
    /* One evaluation of the table per grid point. */
    int nt = sf_threads_for_rows(threads, g.total, (double)pb->n);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        sf_work w;
        int ok = status == SF_OK && sf_work_init(&w, pb) == SF_OK;
        if (!ok) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            status = SF_ENOMEM;
        }
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
        for (size_t i = 0; i < g.total; i++) {
            if (!ok) continue;
            double theta[SF_MAX_PARAMS];
            grid_theta(pb, &g, i, theta, fill);
            score[i] = sf_problem_value(pb, &w, theta, NULL);
        }
        if (ok) sf_work_free(&w);
    }
    if (status == SF_OK) {
        size_t np = select_points(&g, score, (size_t)refine, pick);
        status = put_starts(pb, &g, pick, np, out, fill);
    }
    free(score);
    free(pick);
    free(fine);
    out->strategy = SF_GRID_SCREEN;
    return status == SF_OK ? SF_OK : sf_fail(err, status, NULL, 0, 0, "out of memory");
}

/* ---- VP -------------------------------------------------------------------- */

/* Non-negative least squares from the normal equations G c = h (k x k),
 * tt = t.t: the feasible subset solution of least residual.  For k <= 4
 * enumerating the 2^k - 1 subsets is exact and cheaper than an active-set
 * method.  Returns the residual sum of squares (INFINITY if none); c gets
 * zeros outside the chosen subset. */
static double nnls_small(size_t k, const double *G, const double *h, double tt, double *c)
{
    double best = INFINITY;
    for (size_t i = 0; i < k; i++) c[i] = 0;
    for (unsigned mask = 1; mask < (1u << k); mask++) {
        size_t idx[MAX_LIN], m = 0;
        for (size_t i = 0; i < k; i++)
            if (mask & (1u << i)) idx[m++] = i;
        double A[MAX_LIN * MAX_LIN], b[MAX_LIN], x[MAX_LIN];
        for (size_t a = 0; a < m; a++) {
            b[a] = h[idx[a]];
            for (size_t q = 0; q < m; q++) A[a * m + q] = G[idx[a] * k + idx[q]];
        }
        if (!sf_spd_solve(m, A, b, x)) continue;
        int feasible = 1;
        for (size_t a = 0; a < m; a++) feasible &= x[a] > 0;
        if (!feasible) continue;
        double rss = tt;
        for (size_t a = 0; a < m; a++) rss -= x[a] * b[a];
        if (rss < best) {
            best = rss;
            for (size_t i = 0; i < k; i++) c[i] = 0;
            for (size_t a = 0; a < m; a++) c[idx[a]] = x[a];
        }
    }
    return best;
}

/* Vectors of the weighted linear problem: the kf free basis columns scaled
 * by sqrt(w_i)/L_i, and last the target sqrt(w_i)(1 - fixed part / L_i). */
typedef struct vp {
    const sf_problem *pb;
    const grid *g;
    size_t n, kf, nv;              /* rows, free coefficients, vectors */
    int kfree[MAX_LIN];            /* law->lin index of each free coefficient */
    size_t nfix;
    int kfix[SF_MAX_PARAMS];
    double cfix[SF_MAX_PARAMS];    /* natural value of each fixed coefficient */
    unsigned dep[MAX_LIN + 1];     /* dimension bitmask of each vector */
    double *u;                     /* n: sqrt(w_i) / L_i */
    double *y;                     /* n: L_i, exp of the problem's log loss */
    /* Cached vectors: for a vector with one dimension d, table[v] holds
     * size[d] vectors of n; with none, one vector. */
    double *table[MAX_LIN + 1];
    /* Cached entries: entry e = (a, b) over vectors a <= b. */
    size_t ne;
    int ea[(MAX_LIN + 1) * (MAX_LIN + 2) / 2], eb[(MAX_LIN + 1) * (MAX_LIN + 2) / 2];
    unsigned edep[(MAX_LIN + 1) * (MAX_LIN + 2) / 2];
    double *ecache[(MAX_LIN + 1) * (MAX_LIN + 2) / 2];
    unsigned pointwise;            /* vectors recomputed at every point */
} vp;

static int single_dim(unsigned mask)
{
    if (mask == 0 || (mask & (mask - 1))) return -1;
    int d = 0;
    while (!(mask & 1u)) mask >>= 1, d++;
    return d;
}

/* All vectors at theta into V (nv * n), using B (nlin * n) as scratch. */
static void vp_vectors(const vp *s, const double *theta, double *B, double *V)
{
    const sf_problem *pb = s->pb;
    const sf_law *law = pb->law;
    const size_t n = s->n;
    law->cls->basis(law, theta, &pb->obs, B);
    for (size_t a = 0; a < s->kf; a++) {
        const double *col = B + (size_t)s->kfree[a] * n;
        for (size_t i = 0; i < n; i++) V[a * n + i] = s->u[i] * col[i];
    }
    double *t = V + s->kf * n;
    for (size_t i = 0; i < n; i++) {
        double fixed = 0;
        for (size_t q = 0; q < s->nfix; q++) fixed += s->cfix[q] * B[(size_t)s->kfix[q] * n + i];
        t[i] = s->u[i] * (s->y[i] - fixed);
    }
}

static double dot(const double *x, const double *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}

static int vp_prepare(vp *s, const sf_problem *pb, const grid *g)
{
    const sf_law *law = pb->law;
    const sf_pmap *m = &pb->base;
    memset(s, 0, sizeof *s);
    s->pb = pb;
    s->g = g;
    s->n = pb->n;
    for (size_t k = 0; k < law->n_lin; k++) {
        int j = law->lin[k];
        if (m->rep[j] != j) return SF_ENOTSUP;  /* a tied coefficient */
        for (size_t q = 0; q < m->p; q++)
            if (m->rep[q] == j && q != (size_t)j) return SF_ENOTSUP;
        if (m->map[j] < 0) {
            s->kfix[s->nfix] = (int)k;
            s->cfix[s->nfix++] = exp(m->held[j]);
        } else {
            if (s->kf == MAX_LIN) return SF_ENOTSUP;
            s->kfree[s->kf++] = (int)k;
        }
    }
    if (s->kf == 0) return SF_ENOTSUP;
    /* Nonlinear parameters tied to each other are fine (one dimension);
     * tied across the linear/nonlinear split is not. */
    s->nv = s->kf + 1;
    unsigned all = (1u << g->nd) - 1;
    for (size_t a = 0; a < s->nv; a++) {
        unsigned dep = 0;
        if (a < s->kf || s->nfix > 0) {
            /* The target depends on the fixed columns' parameters. */
            size_t lo = a < s->kf ? a : 0, hi = a < s->kf ? a + 1 : s->nfix;
            for (size_t q = lo; q < hi; q++) {
                int k = a < s->kf ? s->kfree[q] : s->kfix[q];
                int jd = law->lin_dep[k];
                if (jd == -1) continue;
                if (jd == -2) {
                    dep = all;
                    continue;
                }
                int r = m->rep[jd];
                for (size_t d = 0; d < g->nd; d++)
                    if (g->dim[d] == r) dep |= 1u << d;
            }
        }
        s->dep[a] = dep;
    }
    return SF_OK;
}

static void vp_release(vp *s)
{
    free(s->u);
    free(s->y);
    for (size_t a = 0; a < MAX_LIN + 1; a++) free(s->table[a]);
    for (size_t e = 0; e < s->ne; e++) free(s->ecache[e]);
}

/* Fill caches of vectors and entries that depend on at most one
 * dimension.  fill = values for dimensions not being varied. */
static int vp_cache(vp *s, const double *fill)
{
    const sf_problem *pb = s->pb;
    const grid *g = s->g;
    const size_t n = s->n, p = pb->law->n_params, nl = pb->law->n_lin;
    s->u = malloc(n * sizeof *s->u);
    s->y = malloc(n * sizeof *s->y);
    double *B = malloc(nl * n * sizeof *B), *V = malloc(s->nv * n * sizeof *V);
    if (!s->u || !s->y || !B || !V) {
        free(B);
        free(V);
        return SF_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        s->y[i] = exp(pb->obs.logy[i]);
        s->u[i] = sqrt(pb->obs.w ? pb->obs.w[i] : 1.0) / s->y[i];
    }
    double theta[SF_MAX_PARAMS];
    for (size_t a = 0; a < s->nv; a++) {
        int d = single_dim(s->dep[a]);
        size_t count = s->dep[a] == 0 ? 1 : d >= 0 ? g->size[d] : 0;
        if (count == 0) {
            s->pointwise |= 1u << a;
            continue;
        }
        s->table[a] = malloc(count * n * sizeof *s->table[a]);
        if (!s->table[a]) {
            free(B);
            free(V);
            return SF_ENOMEM;
        }
        for (size_t v = 0; v < count; v++) {
            memcpy(theta, fill, p * sizeof *theta);
            if (d >= 0) {
                theta[g->dim[d]] = g->val[d][v];
                for (size_t j = 0; j < p; j++)
                    if (pb->base.rep[j] == g->dim[d]) theta[j] = g->val[d][v];
            }
            vp_vectors(s, theta, B, V);
            memcpy(s->table[a] + v * n, V + a * n, n * sizeof *V);
        }
    }
    /* Entries over pairs a <= b of vectors. */
    for (size_t a = 0; a < s->nv; a++)
        for (size_t b = a; b < s->nv; b++) {
            size_t e = s->ne++;
            s->ea[e] = (int)a;
            s->eb[e] = (int)b;
            unsigned dep = s->dep[a] | s->dep[b];
            s->edep[e] = dep;
            int d = single_dim(dep);
            if (((s->pointwise >> a) & 1u) || ((s->pointwise >> b) & 1u) ||
                (dep != 0 && d < 0))
                continue;
            size_t count = dep == 0 ? 1 : g->size[d];
            s->ecache[e] = malloc(count * sizeof *s->ecache[e]);
            if (!s->ecache[e]) {
                free(B);
                free(V);
                return SF_ENOMEM;
            }
            for (size_t v = 0; v < count; v++) {
                const double *x = s->table[a] + (s->dep[a] ? v : 0) * n;
                const double *y = s->table[b] + (s->dep[b] ? v : 0) * n;
                s->ecache[e][v] = dot(x, y, n);
            }
        }
    free(B);
    free(V);
    return SF_OK;
}

/* Normal equations at one grid point, from caches and, for the rest, from
 * vectors computed here (B, V scratch).  Returns the NNLS residual. */
static double vp_point(const vp *s, size_t flat, const double *fill, double *B, double *V,
                       double *coef)
{
    const grid *g = s->g;
    const size_t n = s->n;
    size_t idx[SF_MAX_PARAMS];
    grid_index(g, flat, idx);
    const double *vec[MAX_LIN + 1];
    int need_point = 0;
    for (size_t a = 0; a < s->nv; a++) need_point |= (int)((s->pointwise >> a) & 1u);
    if (need_point) {
        double theta[SF_MAX_PARAMS];
        grid_theta(s->pb, g, flat, theta, fill);
        vp_vectors(s, theta, B, V);
    }
    for (size_t a = 0; a < s->nv; a++) {
        if ((s->pointwise >> a) & 1u) vec[a] = V + a * n;
        else {
            int d = single_dim(s->dep[a]);
            vec[a] = s->table[a] + (d >= 0 ? idx[d] : 0) * n;
        }
    }
    double G[MAX_LIN * MAX_LIN], h[MAX_LIN], tt = 0;
    for (size_t e = 0; e < s->ne; e++) {
        int a = s->ea[e], b = s->eb[e];
        double v;
        if (s->ecache[e]) {
            int d = single_dim(s->edep[e]);
            v = s->ecache[e][d >= 0 ? idx[d] : 0];
        } else {
            v = dot(vec[a], vec[b], n);
        }
        if ((size_t)b == s->kf) {
            if ((size_t)a == s->kf) tt = v;
            else h[a] = v;
        } else {
            G[(size_t)a * s->kf + (size_t)b] = v;
            G[(size_t)b * s->kf + (size_t)a] = v;
        }
    }
    return nnls_small(s->kf, G, h, tt, coef);
}

static int search_vp(const sf_problem *pb, int refine, int threads, sf_starts *out,
                     sf_error *err)
{
    const sf_law *law = pb->law;
    const size_t p = law->n_params, n = pb->n, nl = law->n_lin;
    grid g;
    grid_dims(pb, &g, 1);
    if (law->n_lin == 0 || !law->cls->basis || g.total == 0 || g.total > 10000000)
        return SF_ENOTSUP;
    for (size_t d = 0; d < g.nd; d++)
        if (g.nd > 8 * sizeof(unsigned) - 1 || g.size[d] == 0) return SF_ENOTSUP;
    vp s;
    int rc = vp_prepare(&s, pb, &g);
    if (rc != SF_OK) return rc;

    /* Values for parameters outside the grid: held ones, the first grid
     * value of each dimension (replaced per point), linear ones unused. */
    double fill[SF_MAX_PARAMS];
    for (size_t j = 0; j < p; j++) fill[j] = pb->base.map[j] < 0 ? pb->base.held[j] : 0.0;
    for (size_t d = 0; d < g.nd; d++) fill[g.dim[d]] = g.val[d][0];
    for (size_t j = 0; j < p; j++)
        if (pb->base.rep[j] != (int)j) fill[j] = fill[pb->base.rep[j]];

    double *score = malloc(g.total * sizeof *score);
    size_t *pick = malloc((size_t)(refine > 0 ? refine : 1) * sizeof *pick);
    rc = score && pick ? vp_cache(&s, fill) : SF_ENOMEM;
    /* A point costs about a thirtieth of an evaluation per row (the
     * nonlinear terms are cached; measured, 2,500 points of 3,000 rows in
     * 5 ms). */
    int nt = sf_threads_for_rows(threads, g.total, (double)n / 30);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1 && rc == SF_OK)
#endif
    {
        double *B = NULL, *V = NULL;
        if (rc == SF_OK && s.pointwise) {
            B = malloc(nl * n * sizeof *B);
            V = malloc(s.nv * n * sizeof *V);
        }
        int ok = rc == SF_OK && (!s.pointwise || (B && V));
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
        for (size_t i = 0; i < g.total; i++) {
            double c[MAX_LIN];
            score[i] = ok ? vp_point(&s, i, fill, B, V, c) : INFINITY;
        }
        if (!ok && rc == SF_OK) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            rc = SF_ENOMEM;
        }
        free(B);
        free(V);
    }
    size_t np = 0;
    if (rc == SF_OK) {
        np = select_points(&g, score, (size_t)refine, pick);
        out->theta = malloc((np ? np : 1) * p * sizeof *out->theta);
        if (!out->theta) rc = SF_ENOMEM;
    }
    double *B = NULL, *V = NULL;
    if (rc == SF_OK) {
        B = malloc(nl * n * sizeof *B);
        V = malloc(s.nv * n * sizeof *V);
        if (!B || !V) rc = SF_ENOMEM;
    }
    /* Coefficients of the chosen points.  A coefficient the NNLS set to 0
     * starts at 1e-3 of its share of the mean loss instead (log 0 = -inf
     * is no place to start). */
    double ymean = 0;
    for (size_t i = 0; i < n && rc == SF_OK; i++) ymean += exp(pb->obs.logy[i]) / (double)n;
    for (size_t c = 0; c < np && rc == SF_OK; c++) {
        double *theta = out->theta + c * p, coef[MAX_LIN];
        grid_theta(pb, &g, pick[c], theta, fill);
        s.pointwise = (1u << s.nv) - 1;  /* recompute all vectors here */
        vp_point(&s, pick[c], fill, B, V, coef);
        for (size_t a = 0; a < s.kf; a++) {
            int k = s.kfree[a];
            int j = law->lin[k];
            double cv = coef[a];
            if (!(cv > 0)) {
                double bm = 0;
                for (size_t i = 0; i < n; i++) bm += B[(size_t)k * n + i] / (double)n;
                cv = bm > 0 ? 1e-3 * ymean / bm : 1e-3 * ymean;
            }
            theta[j] = log(cv);
        }
    }
    out->count = np;
    out->strategy = SF_GRID_VP;
    free(B);
    free(V);
    free(score);
    free(pick);
    vp_release(&s);
    if (rc != SF_OK) {
        sf_starts_free(out);
        return sf_fail(err, rc, NULL, 0, 0, "out of memory");
    }
    return SF_OK;
}

/* ---- the law's own search ----------------------------------------------- */

static int search_law(const sf_problem *pb, int refine, int threads, sf_starts *out,
                      sf_error *err)
{
    const sf_law *law = pb->law;
    const size_t p = law->n_params;
    unsigned char held[SF_MAX_PARAMS];
    for (size_t j = 0; j < p; j++) held[j] = pb->base.map[j] < 0;
    sf_start_ctx c = {.obs = &pb->obs, .held = held, .held_theta = pb->base.held,
                      .loss = pb->loss, .delta = pb->delta, .threads = threads,
                      .refine = (size_t)refine, .max = 4 * (size_t)refine};
    out->theta = malloc(c.max * p * sizeof *out->theta);
    if (!out->theta) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    size_t count = 0;
    int exact = 0;
    int rc = law->cls->starts(law, &c, out->theta, &count, &exact);
    if (rc == SF_OK && count == 0) rc = SF_ENOTSUP;
    if (rc != SF_OK) {
        sf_starts_free(out);
        return rc == SF_ENOMEM ? sf_fail(err, rc, NULL, 0, 0, "out of memory") : rc;
    }
    out->count = count;
    out->strategy = exact ? SF_GRID_EXACT : SF_GRID_LAW;
    return SF_OK;
}

int sf_search_starts(const sf_problem *pb, sf_grid how, int refine, int threads,
                     sf_starts *out, sf_error *err)
{
    memset(out, 0, sizeof *out);
    if (refine < 1) refine = 1;
    if (how == SF_GRID_AUTO && pb->law->cls->starts) {
        int rc = search_law(pb, refine, threads, out, err);
        if (rc != SF_ENOTSUP) return rc;
    }
    if (how == SF_GRID_AUTO || how == SF_GRID_VP) {
        int rc = search_vp(pb, refine, threads, out, err);
        if (rc != SF_ENOTSUP) return rc;
        if (how == SF_GRID_VP)
            return sf_fail(err, SF_ENOTSUP, NULL, 0, 0,
                           "variable projection needs free linear coefficients that are not "
                           "tied and a projection grid of at most 1e7 points; law '%s' with "
                           "these options has not (use --grid screen or --grid full)",
                           pb->law->cls->name);
        return search_grid(pb, 1, refine, threads, out, err);
    }
    return search_grid(pb, how == SF_GRID_SCREEN, refine, threads, out, err);
}

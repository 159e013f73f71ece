/*
 * Large tables (issue 22): a fit whose cost grows like rows x the
 * evaluations really needed.
 *
 * Chunked sums.  Above o->large_rows rows the objective is summed over
 * fixed chunks of SF_ROW_CHUNK rows: each chunk's partial value and
 * gradient go to its own slot, and the slots are added in chunk order.
 * The chunks of one evaluation are spread over up to pb->row_threads
 * threads (one per SF_ROWS_PER_THREAD rows); the chunk size does not
 * depend on the thread count, so neither does the sum.  Scratch space is
 * chunk-sized per thread instead of n x p, which keeps a 1e7-row fit's
 * memory close to the table's.
 *
 * Subsample search.  The global search (variable projection, screening,
 * the full grid: whatever o->grid asks for) and its first L-BFGS pass run
 * on a stratified subsample of o->sample_rows rows; the best basins it
 * finds are then refined on the full table and compared there; when the
 * full table ranks them differently from the subsample, the full search
 * runs on the full table (docs/methods.md, "Large tables").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/base.h"
#include "fit/fit_impl.h"

/* Subsample basins refined on the full table: at most LARGE_PER_SAMPLE
 * from each of the two subsamples, only those within LARGE_MARGIN
 * (relative) of that subsample's best objective, and one for basins of the
 * two whose internal coordinates agree to LARGE_CLOSE. */
#define LARGE_PER_SAMPLE 3
#define LARGE_CANDIDATES (2 * LARGE_PER_SAMPLE)
#define LARGE_MARGIN 0.05
#define LARGE_CLOSE 2e-2
/* Two full-table optima are the same when their objectives agree to this. */
#define LARGE_SAME 1e-9

/* ---- chunked evaluation ---------------------------------------------------- */

static size_t large_rows(const sf_fit_options *o)
{
    return o && o->large_rows ? o->large_rows : 50000;
}

void sf_problem_set_chunking(sf_problem *pb, const sf_fit_options *o)
{
    pb->chunked = pb->n > large_rows(o);
    pb->row_threads = 1;
    if (pb->chunked) pb->row_threads = sf_threads_for(o ? o->threads : 0, pb->n / SF_ROWS_PER_THREAD);
}

int sf_work_init_chunked(sf_work *w, const sf_problem *pb)
{
    const size_t p = pb->law->n_params, nt = (size_t)pb->row_threads;
    const size_t nc = (pb->n + SF_ROW_CHUNK - 1) / SF_ROW_CHUNK;
    w->logy = malloc(nt * SF_ROW_CHUNK * sizeof *w->logy);
    w->jac = malloc(nt * SF_ROW_CHUNK * p * sizeof *w->jac);
    w->part = malloc((nc ? nc : 1) * (p + 1) * sizeof *w->part);
    if (!w->logy || !w->jac || !w->part) {
        sf_work_free(w);
        return SF_ENOMEM;
    }
    return SF_OK;
}

sf_obs sf_obs_view(const sf_obs *o, size_t lo, size_t m)
{
    sf_obs v = *o;
    v.n = m;
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        if (o->log[r]) v.log[r] = o->log[r] + lo;
    if (o->logy) v.logy = o->logy + lo;
    if (o->w) v.w = o->w + lo;
    /* A formula law's extra columns are row arrays too. */
    for (int k = 0; k < SF_MAX_EXTRA; k++)
        if (o->extra[k]) v.extra[k] = o->extra[k] + lo;
    return v;
}

/* One chunk: value into part[0], gradient into part[1..p] when g. */
static void chunk_sum(const sf_problem *pb, const double *theta, size_t c, double *ly,
                      double *J, double *part)
{
    const sf_law *law = pb->law;
    const size_t p = law->n_params, lo = c * SF_ROW_CHUNK;
    const size_t m = pb->n - lo < SF_ROW_CHUNK ? pb->n - lo : SF_ROW_CHUNK;
    sf_obs v = sf_obs_view(&pb->obs, lo, m);
    law->cls->eval(law, theta, &v, ly, J);
    const double *y = v.logy, *wt = v.w, delta = pb->delta;
    const int huber = pb->loss == SF_LOSS_HUBER;
    double f = 0.0, *g = part + 1;
    if (J)
        for (size_t j = 0; j < p; j++) g[j] = 0.0;
    for (size_t i = 0; i < m; i++) {
        double r = y[i] - ly[i], wi = wt ? wt[i] : 1.0;
        double psi, rho = sf_huber_rho(huber, r, delta, &psi);
        f += wi * rho;
        if (J) {
            const double *Ji = J + i * p;
            double cw = wi * psi;
            for (size_t j = 0; j < p; j++) g[j] -= cw * Ji[j];
        }
    }
    part[0] = f;
}

double sf_problem_value_chunked(const sf_problem *pb, sf_work *w, const double *theta,
                                double *g)
{
    const size_t p = pb->law->n_params, nc = (pb->n + SF_ROW_CHUNK - 1) / SF_ROW_CHUNK;
    int nt = pb->row_threads;
#ifdef _OPENMP
    if (omp_in_parallel()) nt = 1;
#endif
    /* Chunks are claimed a few at a time, not split in fixed shares: on a
     * busy machine a thread that waits for a core then holds the others
     * for at most a few chunks.  Each chunk writes its own partial sum. */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(dynamic, 4)
#endif
    for (size_t c = 0; c < nc; c++) {
        size_t t = 0;
#ifdef _OPENMP
        t = (size_t)omp_get_thread_num();
#endif
        chunk_sum(pb, theta, c, w->logy + t * SF_ROW_CHUNK,
                  g ? w->jac + t * SF_ROW_CHUNK * p : NULL, w->part + c * (p + 1));
    }
    double f = 0.0;
    if (g)
        for (size_t j = 0; j < p; j++) g[j] = 0.0;
    for (size_t c = 0; c < nc; c++) {
        const double *q = w->part + c * (p + 1);
        f += q[0];
        if (g)
            for (size_t j = 0; j < p; j++) g[j] += q[1 + j];
    }
    return f;
}

double sf_problem_r2_chunked(const sf_problem *pb, sf_work *w, const double *theta)
{
    const size_t n = pb->n, nc = (n + SF_ROW_CHUNK - 1) / SF_ROW_CHUNK;
    double mean = 0;
    for (size_t i = 0; i < n; i++) mean += exp(pb->obs.logy[i]);
    mean /= (double)n;
    double ssr = 0, sst = 0;
    for (size_t c = 0; c < nc; c++) {
        size_t lo = c * SF_ROW_CHUNK, m = n - lo < SF_ROW_CHUNK ? n - lo : SF_ROW_CHUNK;
        sf_obs v = sf_obs_view(&pb->obs, lo, m);
        pb->law->cls->eval(pb->law, theta, &v, w->logy, NULL);
        for (size_t i = 0; i < m; i++) {
            double y = exp(v.logy[i]), e = y - exp(w->logy[i]);
            ssr += e * e;
            sst += (y - mean) * (y - mean);
        }
    }
    return sst > 0 ? 1.0 - ssr / sst : NAN;
}

/* ---- the stratified subsample ---------------------------------------------- */

typedef struct order_ctx {
    const int *group;
    const double *key, *within;
} order_ctx;

/* Rows in (run or N, then D or C, then row) order. */
static int row_before(const order_ctx *c, size_t a, size_t b)
{
    if (c->group && c->group[a] != c->group[b]) return c->group[a] < c->group[b];
    if (c->key && c->key[a] != c->key[b]) return c->key[a] < c->key[b];
    if (c->within && c->within[a] != c->within[b]) return c->within[a] < c->within[b];
    return a < b;
}

/* Bottom-up merge sort; a merge whose halves are already in order is a
 * single comparison, so a table logged run by run sorts in linear time. */
static void sort_rows(const order_ctx *c, size_t *idx, size_t *tmp, size_t n)
{
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo + w < n; lo += 2 * w) {
            size_t mid = lo + w, hi = lo + 2 * w < n ? lo + 2 * w : n;
            if (!row_before(c, idx[mid], idx[mid - 1])) continue;
            size_t i = lo, j = mid, k = 0;
            while (i < mid && j < hi) tmp[k++] = row_before(c, idx[j], idx[i]) ? idx[j++] : idx[i++];
            while (i < mid) tmp[k++] = idx[i++];
            while (j < hi) tmp[k++] = idx[j++];
            memcpy(idx + lo, tmp, k * sizeof *idx);
        }
    }
}

int sf_subsample_rows(const sf_data *d, size_t m, uint64_t seed, double shift, size_t **out)
{
    const size_t n = d->n;
    *out = NULL;
    if (m == 0 || m > n) return SF_EINVAL;
    order_ctx c = {.group = d->group, .key = d->N, .within = d->D ? d->D : d->C};
    size_t sorted = 1;
    while (sorted < n && !row_before(&c, sorted, sorted - 1)) sorted++;
    /* A table already in that order needs no index (and no memory). */
    size_t *idx = NULL, *tmp = malloc((sorted == n ? m : n) * sizeof *tmp);
    if (sorted < n) idx = malloc(n * sizeof *idx);
    if (!tmp || (sorted < n && !idx)) {
        free(idx);
        free(tmp);
        return SF_ENOMEM;
    }
    if (idx) {
        for (size_t i = 0; i < n; i++) idx[i] = i;
        sort_rows(&c, idx, tmp, n);
    }
    /* Systematic sampling along that order with a seeded offset u: row
     * floor((k + u) n / m) for k = 0..m-1, so every run (and every N) gets
     * rows in proportion to its size, spread evenly over its D range. */
    sf_rng r;
    sf_rng_seed(&r, seed, 0x5ca1eull);
    double u = fmod(sf_rng_uniform(&r) + shift, 1.0);
    for (size_t k = 0; k < m; k++) {
        size_t pos = (size_t)(((double)k + u) * (double)n / (double)m);
        pos = pos < n ? pos : n - 1;
        tmp[k] = idx ? idx[pos] : pos;
    }
    free(idx);
    size_t *sel = realloc(tmp, m * sizeof *sel);
    *out = sel ? sel : tmp;
    return SF_OK;
}

/* ---- the large-table fit ----------------------------------------------------- */

static size_t sample_rows(const sf_fit_options *o)
{
    return o && o->sample_rows ? o->sample_rows : 8192;
}

int sf_fit_is_large(const sf_data *d, const sf_fit_options *o)
{
    return d && d->n > large_rows(o) && sample_rows(o) <= d->n / 2;
}

/* The search on subsample s (0 or 1: offsets half a step apart, so the
 * two share no row): a fit of those rows by the ordinary path. */
static int subsample_fit(const sf_law *law, const sf_data *d, const sf_fit_options *o, int s,
                         sf_fit **out, sf_error *err)
{
    size_t *idx = NULL;
    sf_data *sub = NULL;
    *out = NULL;
    int rc = sf_subsample_rows(d, sample_rows(o), o->seed, 0.5 * s, &idx);
    if (rc == SF_OK) rc = sf_data_subset(d, idx, sample_rows(o), &sub);
    free(idx);
    if (rc != SF_OK) return sf_fail(err, rc, NULL, 0, 0, "out of memory");
    sf_fit_options so = *o;
    so.large_rows = (size_t)-1;
    rc = sf_fit_run_full(law, sub, &so, out, err);
    sf_data_free(sub);
    return rc;
}

/* ---- Newton steps on the full table ---------------------------------------- */

/* The free coordinates' gradient (unscaled) at z; theta filled. */
static double value_z(const sf_problem *pb, sf_work *w, const double *z, double *theta,
                      double *gz)
{
    double g[SF_MAX_PARAMS];
    sf_pmap_theta(&pb->base, z, theta);
    double f = sf_problem_value(pb, w, theta, g);
    sf_pmap_grad(&pb->base, g, gz);
    return f;
}

static int in_box(const sf_problem *pb, const double *theta)
{
    for (size_t j = 0; j < pb->law->n_params; j++)
        if (!(theta[j] >= pb->lo[j] && theta[j] <= pb->hi[j])) return 0;
    return 1;
}

static double grad_ratio(const sf_problem *pb, const double *z, const double *g)
{
    double gg = 0, zz = 0;
    for (size_t k = 0; k < pb->base.nz; k++) {
        gg += g[k] * pb->scale * g[k] * pb->scale;
        zz += z[k] * z[k];
    }
    return sqrt(gg) / (zz > 1 ? sqrt(zz) : 1.0);
}

/* Newton's method from theta (internal, updated) with the Hessian of the
 * full-table objective from forward differences of its gradient at the
 * start (nz + 1 evaluations), each step halved until the objective falls.
 * A subsample optimum lies within sampling error of the full-table one,
 * where the objective is close to quadratic: a few steps bring it to the
 * optimum, which L-BFGS from a cold start would approach in a hundred
 * evaluations.  It only moves the start of the ordinary refinement (which
 * does the convergence test), and stops at a bound or a Hessian that is
 * not positive definite.  Returns liblbfgs's gradient ratio |g|/max(1,|z|)
 * (scaled objective) where it stopped because the objective no longer
 * fell (rounding) or after 12 steps, else 0. */
static double newton_steps(const sf_problem *pb, sf_work *w, double *theta)
{
    const size_t nz = pb->base.nz;
    double z[SF_MAX_PARAMS], g[SF_MAX_PARAMS], H[SF_MAX_PARAMS * SF_MAX_PARAMS];
    double th[SF_MAX_PARAMS], zt[SF_MAX_PARAMS], gt[SF_MAX_PARAMS], s[SF_MAX_PARAMS];
    if (nz == 0) return 0;
    sf_pmap_z(&pb->base, theta, z);
    double f = value_z(pb, w, z, th, g);
    if (!isfinite(f)) return 0;
    for (size_t k = 0; k < nz; k++) {
        memcpy(zt, z, nz * sizeof *z);
        double h = 1e-6 * (fabs(z[k]) > 1 ? fabs(z[k]) : 1.0);
        zt[k] += h;
        value_z(pb, w, zt, th, gt);
        for (size_t q = 0; q < nz; q++) H[k * nz + q] = (gt[q] - g[q]) / h;
    }
    for (size_t k = 0; k < nz; k++)
        for (size_t q = k + 1; q < nz; q++)
            H[k * nz + q] = H[q * nz + k] = 0.5 * (H[k * nz + q] + H[q * nz + k]);
    for (int it = 0; it < 12; it++) {
        if (!sf_spd_solve(nz, H, g, s)) return 0;
        double t = 1.0, ft = INFINITY;
        for (int half = 0; half < 6; half++, t *= 0.5) {
            for (size_t k = 0; k < nz; k++) zt[k] = z[k] - t * s[k];
            ft = value_z(pb, w, zt, th, gt);
            if (!in_box(pb, th)) return 0;
            if (ft < f) break;
        }
        if (!(ft < f)) return grad_ratio(pb, z, g);
        int small = f - ft <= 1e-15 * fabs(f);
        memcpy(z, zt, nz * sizeof *z);
        memcpy(g, gt, nz * sizeof *g);
        f = ft;
        sf_pmap_theta(&pb->base, z, theta);
        if (small) return grad_ratio(pb, z, g);
    }
    return grad_ratio(pb, z, g);
}

/* Full-table problem for the Newton steps; *ok = 0 when it cannot be set
 * up (the ordinary refinement then starts from the subsample optimum). */
static int full_problem(const sf_law *law, const sf_data *d, const sf_fit_options *o,
                        sf_problem *pb, sf_work *w)
{
    memset(w, 0, sizeof *w);
    sf_pmap m;
    if (sf_fit_base_map(law, o, &m, NULL) != SF_OK) return 0;
    if (sf_problem_init(pb, law, d, o, NULL) != SF_OK) {
        sf_problem_free(pb);
        return 0;
    }
    pb->base = m;
    if (sf_work_init(w, pb) != SF_OK) {
        sf_problem_free(pb);
        return 0;
    }
    return 1;
}

/* ---- candidates and the check ------------------------------------------------ */

typedef struct cands {
    size_t n;
    double theta[LARGE_CANDIDATES][SF_MAX_PARAMS];
    double floor[LARGE_CANDIDATES];
    int src[LARGE_CANDIDATES];          /* subsample it came from */
    size_t basin[LARGE_CANDIDATES];     /* its basin there */
    size_t lead[2];                     /* candidate of each subsample's best */
    sf_fit *fit[LARGE_CANDIDATES];      /* refined on the full table */
} cands;

static int close_theta(const sf_law *law, const double *a, const double *b)
{
    for (size_t j = 0; j < law->n_params; j++) {
        if (a[j] == b[j]) continue;
        double s = fabs(a[j]) > 1 ? fabs(a[j]) : 1.0;
        if (!(fabs(a[j] - b[j]) <= LARGE_CLOSE * s)) return 0;
    }
    return 1;
}

static void add_candidates(const sf_law *law, const sf_fit *sfit, int s, cands *c)
{
    for (size_t b = 0, taken = 0; b < sfit->n_basins && taken < LARGE_PER_SAMPLE; b++) {
        if (!(sfit->basin_f[b] <= sfit->basin_f[0] * (1 + LARGE_MARGIN))) break;
        double th[SF_MAX_PARAMS];
        sf_law_to_internal(law, sfit->basin_p[b], th);
        size_t k = 0;
        while (k < c->n && !close_theta(law, c->theta[k], th)) k++;
        if (b == 0) c->lead[s] = k;
        if (k < c->n) continue;
        memcpy(c->theta[k], th, sizeof th);
        c->src[k] = s;
        c->basin[k] = b;
        c->n++;
        taken++;
    }
}

/* Every candidate to its full-table optimum: Newton steps for all first,
 * then the refinements, so that one copy of the table's logarithms is
 * alive at a time (peak memory: the table plus one copy). */
static int refine_candidates(const sf_law *law, const sf_data *d, const sf_fit_options *o,
                             cands *c, sf_error *err)
{
    sf_problem pb;
    sf_work w;
    if (full_problem(law, d, o, &pb, &w)) {
        for (size_t k = 0; k < c->n; k++) c->floor[k] = newton_steps(&pb, &w, c->theta[k]);
        sf_work_free(&w);
        sf_problem_free(&pb);
    }
    for (size_t k = 0; k < c->n; k++) {
        /* Where Newton's method ran into rounding (the objective of a
         * million rows cannot resolve a smaller gradient), the refinement's
         * gradient test asks no more than that: L-BFGS would otherwise
         * spend a hundred evaluations in line searches that cannot
         * succeed, and end at the same point. */
        sf_fit_options ro = *o;
        double fl = c->floor[k];
        if (fl > 0 && fl <= 1e-6 && 1.5 * fl > ro.gtol) ro.gtol = 1.5 * fl;
        int rc = sf_fit_run_from(law, d, &ro, c->theta[k], 1, &c->fit[k], err);
        if (rc != SF_OK) return rc;
        c->fit[k]->opt.gtol = o->gtol;
    }
    return SF_OK;
}

/* The result: candidate k's full-table fit, with the search's counts from
 * the subsamples and the distinct full-table optima of all candidates as
 * basins (each counting the subsample starts whose basin led there). */
static void merge_basins(sf_fit *fit, sf_fit *const *sfit, const cands *c)
{
    fit->starts = sfit[0]->starts + sfit[1]->starts;
    fit->strategy = sfit[0]->strategy;
    fit->n_basins = 0;
    size_t order[LARGE_CANDIDATES];
    for (size_t k = 0; k < c->n; k++) order[k] = k;
    for (size_t a = 1; a < c->n; a++)     /* insertion sort by objective */
        for (size_t b = a; b > 0 && c->fit[order[b]]->objective < c->fit[order[b - 1]]->objective;
             b--) {
            size_t t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    for (size_t a = 0; a < c->n; a++) {
        const sf_fit *f = c->fit[order[a]];
        size_t b = 0;
        while (b < fit->n_basins &&
               !(fabs(f->objective - fit->basin_f[b]) <= LARGE_SAME * fabs(fit->basin_f[b])))
            b++;
        if (b == fit->n_basins) {
            fit->basin_f[b] = f->objective;
            memcpy(fit->basin_p[b], f->params, fit->law->n_params * sizeof *f->params);
            fit->basin_n[b] = 0;
            fit->n_basins++;
        }
        fit->basin_n[b] += sfit[c->src[order[a]]]->basin_n[c->basin[order[a]]];
    }
    fit->n_best = fit->basin_n[0];
}

/* The check failed: the full search on all rows, unless a refined
 * candidate is better still (the search's own starts can miss a basin
 * that a subsample found). */
static int full_search(const sf_law *law, const sf_data *d, const sf_fit_options *o,
                       sf_fit **best, sf_fit **out, sf_error *err)
{
    int rc = sf_fit_run_full(law, d, o, out, err);
    if (rc != SF_OK) return rc;
    if (*best && (*best)->objective < (*out)->objective * (1 - LARGE_SAME)) {
        sf_fit_free(*out);
        *out = *best;
        *best = NULL;
        sf_fit_add_warning(*out, "the two subsample searches found different optima and the "
                           "full search on all %zu rows a worse one: the best subsample optimum, "
                           "refined on all rows, is reported", d->n);
    } else {
        sf_fit_add_warning(*out, "the two subsample searches found different optima: the full "
                           "search ran on all %zu rows", d->n);
    }
    return SF_OK;
}

int sf_fit_large(const sf_law *law, const sf_data *d, const sf_fit_options *o, sf_fit **out,
                 sf_error *err)
{
    sf_fit_options defaults;
    if (!o) {
        sf_fit_options_init(&defaults);
        o = &defaults;
    }
    *out = NULL;
    sf_fit *sfit[2] = {NULL, NULL};
    cands c;
    memset(&c, 0, sizeof c);
    /* A subsample the ordinary fit refuses (a single N among its rows...)
     * sends the table to the full search, which reports its own errors. */
    for (int s = 0; s < 2; s++)
        if (subsample_fit(law, d, o, s, &sfit[s], err) != SF_OK) {
            sf_fit_free(sfit[0]);
            return sf_fit_run_full(law, d, o, out, err);
        }
    add_candidates(law, sfit[0], 0, &c);
    add_candidates(law, sfit[1], 1, &c);
    int rc = c.n ? refine_candidates(law, d, o, &c, err) : SF_ENOCONV;
    size_t best = 0;
    for (size_t k = 1; k < c.n && rc == SF_OK; k++)
        if (c.fit[k]->objective < c.fit[best]->objective) best = k;
    /* The check: both subsamples' best basins, refined on the full table,
     * reach the full table's best of all the refined basins. */
    int agree = rc == SF_OK;
    for (int s = 0; s < 2 && agree; s++)
        agree = c.fit[c.lead[s]]->objective <= c.fit[best]->objective * (1 + LARGE_SAME);
    if (agree) merge_basins(c.fit[best], sfit, &c);
    sf_fit *winner = rc == SF_OK ? c.fit[best] : NULL;
    if (winner) c.fit[best] = NULL;
    for (size_t k = 0; k < c.n; k++) sf_fit_free(c.fit[k]);
    sf_fit_free(sfit[0]);
    sf_fit_free(sfit[1]);
    if (agree) {
        *out = winner;
        return SF_OK;
    }
    if (rc != SF_OK && rc != SF_ENOCONV) return rc;
    rc = full_search(law, d, o, &winner, out, err);
    sf_fit_free(winner);
    return rc;
}

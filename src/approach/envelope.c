/*
 * Chinchilla Approach 1 (Hoffmann et al. 2022, section 3.1): the envelope
 * of training curves.  Rows are checkpoints of runs (group = run id).  Each
 * run's curve, loss against FLOPs C = 6ND, is interpolated linearly in
 * (log C, log L) between its checkpoints (optionally smoothed first, as
 * Hoffmann et al. smoothed theirs); at each of P log-spaced FLOP values
 * across the covered range the run with the lowest loss gives N_opt(C),
 * D_opt = C / (6 N_opt).  The power laws are fitted to the interior points
 * with equal weights, i.e. uniformly in log C.  Intervals resample runs,
 * the independent units (checkpoints of one run are not independent).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approach/approach_impl.h"
#include "base/base.h"
#include "base/team.h"

void sf_envelope_options_init(sf_envelope_options *o)
{
    memset(o, 0, sizeof *o);
    o->points = 200;
    o->bootstrap = 1000;
    o->level = 0.95;
}

void sf_envelope_free(sf_envelope *e)
{
    if (!e) return;
    free(e->curve);
    free(e->store);
    free(e->pt);
    sf_notes_free(&e->notes);
    free(e);
}

const sf_envelope_options *sf_envelope_get_options(const sf_envelope *e) { return &e->opt; }
size_t sf_envelope_n_curves(const sf_envelope *e) { return e->nr; }
size_t sf_envelope_n_points(const sf_envelope *e) { return e->np; }
size_t sf_envelope_replicates(const sf_envelope *e) { return e->replicates; }
size_t sf_envelope_n_warnings(const sf_envelope *e) { return e->notes.n; }

const sf_envelope_curve *sf_envelope_curve_at(const sf_envelope *e, size_t i)
{
    return i < e->nr ? &e->curve[i] : NULL;
}

const sf_envelope_point *sf_envelope_point_at(const sf_envelope *e, size_t k)
{
    return k < e->np ? &e->pt[k] : NULL;
}

const sf_powerlaw *sf_envelope_powerlaw(const sf_envelope *e, sf_optimum which)
{
    return (unsigned)which < 3 ? &e->pl[which] : NULL;
}

const char *sf_envelope_warning(const sf_envelope *e, size_t k)
{
    return k < e->notes.n ? e->notes.text[k] : NULL;
}

typedef struct ckey {
    double a, b; /* sort keys */
    size_t i;
} ckey;

static int cmp_ckey(const void *pa, const void *pb)
{
    const ckey *x = pa, *y = pb;
    if (x->a != y->a) return x->a < y->a ? -1 : 1;
    if (x->b != y->b) return x->b < y->b ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Log loss of curve (lx, ly, m points, lx ascending) at lc, linear in
 * (log C, log L); NaN outside [lx[0], lx[m-1]]. */
static double interp(const double *lx, const double *ly, size_t m, double lc)
{
    if (!(lc >= lx[0] && lc <= lx[m - 1])) return NAN;
    if (m == 1) return ly[0];
    size_t lo = 0, hi = m - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (lx[mid] <= lc) lo = mid;
        else hi = mid;
    }
    double t = (lc - lx[lo]) / (lx[hi] - lx[lo]);
    return ly[lo] + t * (ly[hi] - ly[lo]);
}

/* Moving average of ly over a window of `width` in log10 C centred on
 * each point, from prefix sums (pre: m + 1 doubles); in place, since the
 * prefix sums hold everything the windows need. */
static void smooth(const double *lx, double *ly, double *pre, size_t m, double width)
{
    double half = 0.5 * width * log(10.0);
    pre[0] = 0;
    for (size_t j = 0; j < m; j++) pre[j + 1] = pre[j] + ly[j];
    size_t lo = 0, hi = 0; /* window [lo, hi) */
    for (size_t i = 0; i < m; i++) {
        while (hi < m && lx[hi] <= lx[i] + half) hi++;
        while (lx[lo] < lx[i] - half) lo++;
        ly[i] = (pre[hi] - pre[lo]) / (double)(hi - lo);
    }
}

/* Build the curves: checkpoints per run sorted by C, equal C merged, then
 * smoothed.  lx/ly (n each) receive log C and log L per curve. */
static int build_curves(sf_envelope *e, const sf_data *d, double *lx, double *ly, sf_error *err)
{
    const size_t n = d->n, ng = d->n_groups;
    const char *src = d->source;
    ckey *keys = malloc((n + ng) * sizeof *keys);
    size_t *start = calloc(ng + 1, sizeof *start);
    if (!keys || !start) {
        free(keys);
        free(start);
        return sf_fail(err, SF_ENOMEM, src, 0, 0, "out of memory");
    }
    int rc = SF_OK;
    /* Rows grouped by run (counting sort), each run's N checked. */
    size_t *first = calloc(ng, sizeof *first);
    if (!first) rc = sf_fail(err, SF_ENOMEM, src, 0, 0, "out of memory");
    for (size_t i = 0; rc == SF_OK && i < n; i++) start[d->group[i] + 1]++;
    for (size_t g = 0; rc == SF_OK && g < ng; g++) start[g + 1] += start[g];
    for (size_t g = 0; rc == SF_OK && g < ng; g++) first[g] = SIZE_MAX;
    for (size_t i = 0; rc == SF_OK && i < n; i++) {
        size_t g = (size_t)d->group[i];
        if (first[g] == SIZE_MAX) first[g] = i;
        double N0 = d->N[first[g]];
        if (fabs(d->N[i] - N0) > 1e-9 * N0) {
            rc = sf_fail(err, SF_EINVAL, src, d->line[i], 0,
                         "run '%s' has N = %.6g here but N = %.6g at line %ld: the rows of "
                         "one run (group) must share one model size", d->group_names[g],
                         d->N[i], N0, d->line[first[g]]);
        }
    }
    size_t nr = 0;
    for (size_t g = 0; g < ng; g++) nr += start[g + 1] > start[g];
    e->nr = nr;
    e->curve = rc == SF_OK ? calloc(nr ? nr : 1, sizeof *e->curve) : NULL;
    e->store = rc == SF_OK ? malloc(2 * n * sizeof *e->store) : NULL;
    if (rc == SF_OK && (!e->curve || !e->store))
        rc = sf_fail(err, SF_ENOMEM, src, 0, 0, "out of memory");
    if (rc != SF_OK) {
        free(keys);
        free(start);
        free(first);
        return rc;
    }
    /* Runs in order of N, then name. */
    ckey *order = keys + n;
    size_t k = 0;
    for (size_t g = 0; g < ng; g++)
        if (start[g + 1] > start[g]) order[k++] = (ckey){d->N[first[g]], 0, g};
    qsort(order, nr, sizeof *order, cmp_ckey);
    for (size_t a = 1; a < nr; a++) /* equal N: by name, stable */
        for (size_t b = a; b > 0 && order[b].a == order[b - 1].a &&
                           strcmp(d->group_names[order[b].i], d->group_names[order[b - 1].i]) < 0;
             b--) {
            ckey t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    size_t *fill = calloc(ng, sizeof *fill);
    double *pre = malloc((n + 1) * sizeof *pre);
    if (!fill || !pre) rc = sf_fail(err, SF_ENOMEM, src, 0, 0, "out of memory");
    for (size_t i = 0; rc == SF_OK && i < n; i++) {
        size_t g = (size_t)d->group[i];
        keys[start[g] + fill[g]++] = (ckey){d->C[i], 0, i};
    }
    size_t off = 0;
    for (size_t c = 0; rc == SF_OK && c < nr; c++) {
        size_t g = order[c].i, s = start[g], cnt = start[g + 1] - s;
        qsort(keys + s, cnt, sizeof *keys, cmp_ckey);
        sf_envelope_curve *cv = &e->curve[c];
        cv->name = d->group_names[g];
        cv->N = d->N[first[g]];
        double *x = lx + off, *y = ly + off;
        size_t m = 0, same = 0;
        for (size_t j = 0; j < cnt; j++) {
            size_t i = keys[s + j].i;
            double xc = log(d->C[i]), yc = log(d->loss[i]);
            if (m > 0 && xc == x[m - 1]) {
                y[m - 1] += yc;
                same++;
            } else {
                if (m > 0) y[m - 1] /= (double)(same + 1);
                x[m] = xc;
                y[m] = yc;
                same = 0;
                m++;
            }
        }
        y[m - 1] /= (double)(same + 1);
        if (e->opt.smooth > 0 && m > 1) smooth(x, y, pre, m, e->opt.smooth);
        cv->n = m;
        cv->C = e->store + off;
        cv->loss = e->store + n + off;
        for (size_t j = 0; j < m; j++) {
            e->store[off + j] = exp(x[j]);
            e->store[n + off + j] = exp(y[j]);
        }
        off += m;
    }
    free(fill);
    free(pre);
    free(keys);
    free(start);
    free(first);
    return rc;
}

/* Per grid point: the winner among the curves with include[c] != 0 (all
 * when include is NULL); returns the winning curve or -1, with the count
 * of covering curves and the edge flag. */
static long winner(const double *row, const sf_envelope_curve *cv, size_t nr,
                   const unsigned char *include, size_t *covering, int *edge)
{
    long w = -1;
    double nlo = INFINITY, nhi = -INFINITY;
    *covering = 0;
    for (size_t c = 0; c < nr; c++) {
        if ((include && !include[c]) || !isfinite(row[c])) continue;
        (*covering)++;
        if (cv[c].N < nlo) nlo = cv[c].N;
        if (cv[c].N > nhi) nhi = cv[c].N;
        if (w < 0 || row[c] < row[w]) w = (long)c;
    }
    *edge = w >= 0 && (cv[w].N <= nlo || cv[w].N >= nhi);
    return w;
}

/* Fit log N_opt on log C over the used points; -1 unless at least two
 * distinct sizes win. */
static int fit_points(const double *lc, const double *ln, size_t k, sf_powerlaw pl[3])
{
    int distinct = 0;
    for (size_t j = 1; j < k && !distinct; j++) distinct = ln[j] != ln[0];
    if (!distinct) return -1;
    return sf_powerlaws_fit(lc, ln, NULL, k, pl);
}

static int bootstrap(sf_envelope *e, const double *M, const double *grid, double *a)
{
    const sf_envelope_options *o = &e->opt;
    const size_t K = (size_t)o->bootstrap, nr = e->nr, np = e->np;
    int status = SF_OK;
    /* A resample scans every run at every grid point. */
    int nt = sf_threads_for_rows(o->threads, K, (double)np * (double)nr);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        unsigned char *inc = malloc(nr);
        double *buf = malloc(2 * np * sizeof *buf);
        int ok = inc && buf;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
        for (size_t rep = 0; rep < K; rep++) {
            a[rep] = NAN;
            if (!ok || (o->cancel && *o->cancel)) continue;
            sf_rng g;
            sf_rng_seed(&g, o->seed, (uint64_t)rep);
            memset(inc, 0, nr);
            for (size_t j = 0; j < nr; j++) inc[sf_rng_below(&g, nr)] = 1;
            size_t k = 0, cov;
            int edge;
            for (size_t p = 0; p < np; p++) {
                long w = winner(M + p * nr, e->curve, nr, inc, &cov, &edge);
                if (w < 0 || (edge && !o->keep_edge)) continue;
                buf[k] = grid[p];
                buf[np + k] = log(e->curve[w].N);
                k++;
            }
            sf_powerlaw pl[3];
            if (k >= 2 && fit_points(buf, buf + np, k, pl) == 0) a[rep] = pl[0].exponent;
        }
        if (!ok) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            status = SF_ENOMEM;
        }
        free(inc);
        free(buf);
    }
    if (status == SF_OK && o->cancel && *o->cancel) status = SF_ECANCELED;
    return status;
}

/* SF_OK when the options are valid and d has runs, sizes, compute and
 * loss. */
static int check_inputs(const sf_data *d, const sf_envelope_options *o, sf_error *err)
{
    int rc = sf_approach_check_common(o->bootstrap, o->level, err);
    if (rc != SF_OK) return rc;
    if (o->points < 2 || o->points > 1000000)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "grid points must be in 2..1000000, got %d",
                       o->points);
    if (!(o->smooth >= 0) || !isfinite(o->smooth))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "smoothing width must be finite and >= 0");
    const char *src = d && d->source ? d->source : NULL;
    if (!d || !d->group)
        return sf_fail(err, SF_ENOCOLUMN, src, 0, 0,
                       "envelope needs a run id per row (role group: a column named group, "
                       "run, run_id or model, or --col group=COLUMN)");
    if (!d->N || !d->C || !d->loss)
        return sf_fail(err, SF_ENOCOLUMN, src, 0, 0,
                       "envelope needs model sizes N, compute C (or tokens D, with C = 6ND) "
                       "and loss");
    if (d->n == 0) return sf_fail(err, SF_ENODATA, src, 0, 0, "no rows");
    return SF_OK;
}

/* The range of log C the curves cover into [*lo, *hi] (x values lx, run
 * after run), with a note for each run of one checkpoint. */
static void covered_range(sf_envelope *e, const double *lx, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    size_t off = 0;
    for (size_t c = 0; c < e->nr; c++) {
        if (lx[off] < *lo) *lo = lx[off];
        if (lx[off + e->curve[c].n - 1] > *hi) *hi = lx[off + e->curve[c].n - 1];
        if (e->curve[c].n == 1)
            sf_notes_add(&e->notes, "run '%s' has a single checkpoint (C = %.4g): it covers "
                         "no range of compute", e->curve[c].name, e->curve[c].C[0]);
        off += e->curve[c].n;
    }
}

/* The winning run at each grid value (M: log loss of every run there,
 * grid-major) into e->pt, and the points in the fit as (lc, ln) = (log C,
 * log N_opt), *k of them; edge and uncovered values counted. */
static void take_envelope(sf_envelope *e, const double *M, const double *grid, double *lc,
                          double *ln, size_t *k, size_t *n_edge, size_t *n_none)
{
    const size_t np = e->np, nr = e->nr;
    *k = *n_edge = *n_none = 0;
    for (size_t p = 0; p < np; p++) {
        sf_envelope_point *q = &e->pt[p];
        size_t cov;
        int edge;
        long w = winner(M + p * nr, e->curve, nr, NULL, &cov, &edge);
        q->compute = exp(grid[p]);
        q->n_runs = cov;
        if (w < 0) {
            q->N_opt = q->D_opt = q->tokens_per_param = q->loss = NAN;
            q->run = SIZE_MAX;
            (*n_none)++;
            continue;
        }
        q->run = (size_t)w;
        q->N_opt = e->curve[w].N;
        q->D_opt = q->compute / (6.0 * q->N_opt);
        q->tokens_per_param = q->D_opt / q->N_opt;
        q->loss = exp(M[p * nr + (size_t)w]);
        q->flags = edge ? SF_APPROACH_EDGE : 0u;
        *n_edge += (size_t)edge;
        q->used = !edge || e->opt.keep_edge;
        if (!q->used) continue;
        lc[*k] = grid[p];
        ln[*k] = log(q->N_opt);
        (*k)++;
    }
}

int sf_envelope_run(const sf_data *d, const sf_envelope_options *o, sf_envelope **out,
                    sf_error *err)
{
    *out = NULL;
    sf_envelope_options defaults;
    if (!o) {
        sf_envelope_options_init(&defaults);
        o = &defaults;
    }
    int rc = check_inputs(d, o, err);
    if (rc != SF_OK) return rc;
    const char *src = d->source;
    const size_t n = d->n;
    sf_envelope *e = calloc(1, sizeof *e);
    double *lx = malloc(2 * n * sizeof *lx), *M = NULL, *grid = NULL, *a = NULL;
    if (!e || !lx) {
        free(e);
        free(lx);
        return sf_fail(err, SF_ENOMEM, src, 0, 0, "out of memory");
    }
    e->opt = *o;
    double *ly = lx + n;
    if ((rc = build_curves(e, d, lx, ly, err)) != SF_OK) goto done;
    const size_t nr = e->nr;
    double lo, hi;
    covered_range(e, lx, &lo, &hi);
    if (!(hi > lo)) {
        rc = sf_fail(err, SF_EUNIDENTIFIABLE, src, 0, 0,
                     "every checkpoint has the same compute C = %.4g: no range to take an "
                     "envelope over", exp(lo));
        goto done;
    }
    const size_t np = (size_t)o->points;
    e->np = np;
    M = malloc(np * nr * sizeof *M);
    grid = malloc(2 * np * sizeof *grid);
    e->pt = calloc(np, sizeof *e->pt);
    if (!M || !grid || !e->pt) {
        rc = sf_fail(err, SF_ENOMEM, src, 0, 0, "out of memory");
        goto done;
    }
    for (size_t p = 0; p < np; p++)
        grid[p] = p + 1 == np ? hi : lo + (hi - lo) * (double)p / (double)(np - 1);
    size_t off = 0;
    for (size_t c = 0; c < nr; c++) {
        for (size_t p = 0; p < np; p++)
            M[p * nr + c] = interp(lx + off, ly + off, e->curve[c].n, grid[p]);
        off += e->curve[c].n;
    }
    size_t k, n_edge, n_none;
    double *ln = grid + np, *lc = malloc(np * sizeof *lc);
    if (!lc) {
        rc = sf_fail(err, SF_ENOMEM, src, 0, 0, "out of memory");
        goto done;
    }
    take_envelope(e, M, grid, lc, ln, &k, &n_edge, &n_none);
    if (n_none)
        sf_notes_add(&e->notes, "%zu of %zu compute values lie in a gap no run covers", n_none,
                     np);
    if (n_edge)
        sf_notes_add(&e->notes, "%zu of %zu compute values are won by the smallest or the "
                     "largest run covering them (the optimum may lie beyond the sizes trained): "
                     "%s", n_edge, np, o->keep_edge ? "kept (--keep-edge)" : "left out");
    rc = k >= 2 ? fit_points(lc, ln, k, e->pl) : -1;
    free(lc);
    if (rc != 0) {
        rc = sf_fail(err, SF_EUNIDENTIFIABLE, src, 0, 0,
                     "fewer than two model sizes win the envelope at compute values where "
                     "both a smaller and a larger run are trained (%zu runs, %zu of %zu values "
                     "at an edge): no exponent can be fitted%s", nr, n_edge, np,
                     o->keep_edge ? "" : "; --keep-edge uses the edge values too");
        goto done;
    }
    if (o->bootstrap > 0) {
        const size_t K = (size_t)o->bootstrap;
        int brc = (a = malloc(K * sizeof *a)) ? bootstrap(e, M, grid, a) : SF_ENOMEM;
        if (brc != SF_OK) {
            rc = sf_fail(err, brc, src, 0, 0,
                         brc == SF_ECANCELED ? "interrupted" : "out of memory");
            goto done;
        }
        double alo, ahi;
        e->replicates = sf_percentile_interval(a, K, o->level, &alo, &ahi);
        sf_powerlaws_interval(e->pl, alo, ahi);
        if (e->replicates < K)
            sf_notes_add(&e->notes, "%zu of %zu resamples of the runs had fewer than two "
                         "winning sizes and were dropped; the intervals use the other %zu",
                         K - e->replicates, K, e->replicates);
    }
    *out = e;
    e = NULL;
done:
    free(a);
    free(M);
    free(grid);
    free(lx);
    sf_envelope_free(e);
    return rc;
}

/*
 * Validation by extrapolation, after Choshen, Zhang and Andreas (2024), "A
 * Hitchhiker's Guide to Scaling Law Estimation" (arXiv:2410.11840), sec. 3:
 * fit a law on the runs of smaller models and measure how well it predicts
 * a larger model's late checkpoints, with the absolute relative error
 *
 *     ARE = (1/m) sum_i |L_i - L^_i| / L_i
 *
 * over the target's rows with D >= 0.7 (last D of their run).  The guide's
 * protocol also drops checkpoints before 1e10 tokens from the fit; here that
 * cut is capped at a fraction of each run (cut_cap) so that a ladder of
 * small models trained on fewer than 1e10 tokens keeps most of its curves
 * (docs/validate.md has the measurements behind the defaults).
 *
 * Rows are grouped into runs (run id and N) and model sizes (N).  Every
 * selection below works on one sorted index, so the rows chosen, and the
 * fits made from them, do not depend on the input order beyond ties of
 * equal (N, run, D), which keep file order.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate_impl.h"
#include "law/law_impl.h"
#include "base/base.h"
#include "base/team.h"

void sf_validate_options_init(sf_validate_options *o)
{
    memset(o, 0, sizeof *o);
    o->target_N = 0;
    o->target_from = 0.7;
    o->train_fraction = 1.0;
    o->min_tokens = 1e10;
    o->cut_cap = 0.3;
    o->n_models = 0;
    o->weight = SF_VWEIGHT_TOKENS;
    o->max_per_run = 0;
    o->loo = 0;
    o->loo_min_sizes = 2;
    sf_fit_options_init(&o->fit);
    o->resample_runs = 1;
}

/* ---- runs and sizes --------------------------------------------------------- */

typedef struct key {
    double N, D;
    int group;
    size_t row;
} key;

static int cmp_key(const void *a, const void *b)
{
    const key *x = a, *y = b;
    if (x->N != y->N) return x->N < y->N ? -1 : 1;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->D != y->D) return x->D < y->D ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

typedef struct vrun {
    double N;
    int group;             /* -1 without a run column */
    size_t first, count;   /* rows order[first .. first+count-1], D ascending */
    double dmax;           /* last D of the run */
} vrun;

typedef struct vsize {
    double N;
    size_t first_run, n_runs;
} vsize;

typedef struct ctx {
    const sf_law *law;
    const sf_data *d;
    const sf_validate_options *o;
    sf_validation *v;
    size_t *order;
    vrun *runs;
    size_t n_runs;
    vsize *sizes;
    size_t n_sizes;
} ctx;

static void ctx_free(ctx *c)
{
    free(c->order);
    free(c->runs);
    free(c->sizes);
}

static int check_options(const sf_validate_options *o, sf_error *err)
{
    if (!(o->target_from >= 0 && o->target_from <= 1))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "target_from must be in [0, 1], got %g",
                       o->target_from);
    if (!(o->train_fraction > 0 && o->train_fraction <= 1))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "train_fraction must be in (0, 1], got %g",
                       o->train_fraction);
    if (!(o->min_tokens >= 0) || !isfinite(o->min_tokens))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "min_tokens must be finite and >= 0, got %g",
                       o->min_tokens);
    if (!(o->cut_cap >= 0 && o->cut_cap <= 1))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "cut_cap must be in [0, 1], got %g",
                       o->cut_cap);
    if (!(o->target_N >= 0) || !isfinite(o->target_N))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "target N must be finite and > 0, got %g",
                       o->target_N);
    return SF_OK;
}

static int ctx_init(ctx *c, const sf_law *law, const sf_data *d, const sf_validate_options *o,
                    sf_error *err)
{
    memset(c, 0, sizeof *c);
    c->law = law;
    c->d = d;
    c->o = o;
    const char *src = d->source;
    if (!d->N || !d->D || !d->loss)
        return sf_fail(err, SF_ENOCOLUMN, src, 0, 0,
                       "validation needs N (parameters), D (tokens) and loss for every row");
    int rc = check_options(o, err);
    if (rc != SF_OK) return rc;
    size_t n = d->n;
    if (n == 0) return sf_fail(err, SF_ENODATA, src, 0, 0, "no rows");
    key *k = malloc(n * sizeof *k);
    c->order = malloc(n * sizeof *c->order);
    c->runs = malloc(n * sizeof *c->runs);
    c->sizes = malloc(n * sizeof *c->sizes);
    if (!k || !c->order || !c->runs || !c->sizes) {
        free(k);
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        k[i] = (key){d->N[i], d->D[i], d->group ? d->group[i] : -1, i};
    qsort(k, n, sizeof *k, cmp_key);
    for (size_t i = 0; i < n; i++) {
        c->order[i] = k[i].row;
        int new_size = i == 0 || k[i].N != k[i - 1].N;
        if (new_size || k[i].group != k[i - 1].group) {
            c->runs[c->n_runs++] = (vrun){k[i].N, k[i].group, i, 0, 0};
            if (new_size) c->sizes[c->n_sizes++] = (vsize){k[i].N, c->n_runs - 1, 0};
            c->sizes[c->n_sizes - 1].n_runs++;
        }
        vrun *r = &c->runs[c->n_runs - 1];
        r->count++;
        r->dmax = k[i].D;
    }
    free(k);
    return SF_OK;
}

/* Index of the target size: the largest, or the one matching target_N. */
static int find_target(const ctx *c, double N, size_t *out, sf_error *err)
{
    if (N == 0) {
        *out = c->n_sizes - 1;
        return SF_OK;
    }
    size_t best = 0;
    for (size_t s = 1; s < c->n_sizes; s++)
        if (fabs(log(c->sizes[s].N / N)) < fabs(log(c->sizes[best].N / N))) best = s;
    if (fabs(c->sizes[best].N - N) <= 1e-6 * N) {
        *out = best;
        return SF_OK;
    }
    sf_buf list = {0};
    for (size_t s = 0; s < c->n_sizes && s < 40; s++)
        sf_buf_printf(&list, "%s%.6g", s ? ", " : "", c->sizes[s].N);
    int rc = sf_fail(err, SF_EINVAL, c->d->source, 0, 0,
                     "no model of size N = %g in the data (sizes: %s)", N,
                     list.data ? list.data : "");
    sf_buf_free(&list);
    return rc;
}

/* ---- one extrapolation ------------------------------------------------------- */

typedef struct spec {
    size_t target;        /* size index */
    size_t n_models;      /* 0 = all below */
    double fraction;
    double min_tokens;
} spec;

/* Rows a[0..k-1] of one run, D ascending: keep at most m, chosen as the
 * first row at or after each of m points spaced uniformly in D between the
 * first and last rows, and always the last row.  Uniform in D, not log D:
 * spacing in log D crowds the sample into the start of the curve (GPT-3
 * validation loss, 64 rows per run: leave-one-out mean ARE 4.2% in log D
 * against 1.8% in D).  Returns the count. */
static size_t subsample(const sf_data *d, size_t *a, size_t k, size_t m)
{
    if (m == 0 || k <= m) return k;
    if (m == 1) {
        a[0] = a[k - 1];
        return 1;
    }
    double lo = d->D[a[0]], hi = d->D[a[k - 1]];
    size_t kept = 0, i = 0;
    for (size_t j = 0; j < m && i < k; j++) {
        double t = lo + (hi - lo) * (double)j / (double)(m - 1);
        while (i < k && d->D[a[i]] < t) i++;
        if (i == k) break;
        a[kept++] = a[i++];
    }
    /* The last row is the run's most informative point: make sure it is in. */
    if (a[kept - 1] != a[k - 1]) {
        if (kept < m) kept++;
        a[kept - 1] = a[k - 1];
    }
    return kept;
}

/* Weights of the k rows a[] of one run (D ascending), times the rows' own
 * weights. */
static void run_weights(const sf_data *d, const size_t *a, size_t k, int how, double *w)
{
    double span = d->D[a[k - 1]] - d->D[a[0]];
    for (size_t q = 0; q < k; q++) {
        double wi = 1.0;
        if (how == SF_VWEIGHT_RUN || (how == SF_VWEIGHT_TOKENS && !(span > 0))) {
            wi = 1.0 / (double)k;
        } else if (how == SF_VWEIGHT_TOKENS) {
            /* Trapezoid rule over the run's D range: row q stands for half
             * the gap to each neighbour; the shares add up to 1. */
            double left = q > 0 ? d->D[a[q]] - d->D[a[q - 1]] : 0.0;
            double right = q + 1 < k ? d->D[a[q + 1]] - d->D[a[q]] : 0.0;
            wi = 0.5 * (left + right) / span;
        }
        w[q] = wi * (d->weight ? d->weight[a[q]] : 1.0);
    }
}

static void set_message(sf_vtarget *t, int status, const char *fmt, ...) SF_PRINTF(3, 4);

static void set_message(sf_vtarget *t, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->message, sizeof t->message, fmt, ap);
    va_end(ap);
    t->pub.status = status;
}

static const char *run_name(const ctx *c, const vrun *r)
{
    return r->group >= 0 ? c->v->names[r->group] : NULL;
}

/* The rows of `run` that spec s fits: positions [*a, *b) of the run's
 * rows, which are sorted by D, so the kept rows are contiguous:
 * min(min_tokens, cut_cap * last D) <= D <= fraction * last D. */
static void run_slice(const ctx *c, const vrun *run, const spec *s, size_t *a, size_t *b)
{
    const double *D = c->d->D;
    double cut = c->o->cut_cap * run->dmax;
    if (s->min_tokens < cut) cut = s->min_tokens;
    double top = s->fraction * run->dmax * (1 + 1e-12);
    size_t q = 0;
    while (q < run->count && D[c->order[run->first + q]] < cut) q++;
    *a = q;
    while (q < run->count && D[c->order[run->first + q]] <= top) q++;
    *b = q;
}

/* First training size of spec s; s->target when s asks for more sizes
 * than there are below the target (evaluate reports that). */
static size_t first_size(const spec *s)
{
    if (!s->n_models) return 0;
    return s->n_models > s->target ? s->target : s->target - s->n_models;
}

/* Fit for spec s and predict its target; fills t.  Returns SF_OK or
 * SF_ENOMEM: other failures are the target's status. */
static int evaluate(const ctx *c, const spec *s, const sf_fit_options *fo, sf_vtarget *t)
{
    const sf_data *d = c->d;
    const sf_validate_options *o = c->o;
    const vsize *ts = &c->sizes[s->target];
    memset(t, 0, sizeof *t);
    t->pub.N = ts->N;
    t->pub.are = t->pub.max_re = NAN;
    t->pub.message = t->message;
    if (s->n_models > s->target) {
        set_message(t, SF_ENODATA, "only %zu model size%s below N = %g, %zu asked for",
                    s->target, s->target == 1 ? "" : "s", ts->N, s->n_models);
        return SF_OK;
    }
    size_t lo = first_size(s);
    if (s->target == 0) {
        set_message(t, SF_ENODATA, "no model smaller than N = %g to fit on", ts->N);
        return SF_OK;
    }
    /* Training rows. */
    size_t first_run = c->sizes[lo].first_run, end_run = ts->first_run;
    size_t cap = 0;
    for (size_t r = first_run; r < end_run; r++) cap += c->runs[r].count;
    size_t *idx = malloc((cap ? cap : 1) * sizeof *idx);
    double *w = malloc((cap ? cap : 1) * sizeof *w);
    t->runs = calloc(end_run - first_run, sizeof *t->runs);
    if (!idx || !w || !t->runs) {
        free(idx);
        free(w);
        return SF_ENOMEM;
    }
    size_t m = 0;
    double last_N = NAN;
    for (size_t r = first_run; r < end_run; r++) {
        const vrun *run = &c->runs[r];
        size_t a, b, k = 0;
        run_slice(c, run, s, &a, &b);
        for (size_t q = a; q < b; q++) idx[m + k++] = c->order[run->first + q];
        k = subsample(d, idx + m, k, o->max_per_run);
        if (k == 0) continue;
        run_weights(d, idx + m, k, o->weight, w + m);
        sf_validation_run *vr = &t->runs[t->pub.n_runs++];
        *vr = (sf_validation_run){run_name(c, run), run->N, k, d->D[idx[m]], d->D[idx[m + k - 1]]};
        if (run->N != last_N) t->pub.n_sizes++;
        last_N = run->N;
        m += k;
    }
    t->pub.runs = t->runs;
    t->pub.n_train_rows = m;
    /* Target rows. */
    size_t np = 0;
    for (size_t r = ts->first_run; r < ts->first_run + ts->n_runs; r++) np += c->runs[r].count;
    t->points = calloc(np ? np : 1, sizeof *t->points);
    if (!t->points) {
        free(idx);
        free(w);
        return SF_ENOMEM;
    }
    for (size_t r = ts->first_run; r < ts->first_run + ts->n_runs; r++) {
        const vrun *run = &c->runs[r];
        double from = o->target_from * run->dmax * (1 - 1e-12);
        for (size_t q = 0; q < run->count; q++) {
            size_t i = c->order[run->first + q];
            if (d->D[i] < from) continue;
            t->points[t->pub.n_points++] = (sf_validation_point){
                run_name(c, run), i, d->line[i], d->N[i], d->D[i], d->loss[i], NAN, NAN};
        }
    }
    t->pub.points = t->points;
    int status = SF_OK;
    if (m == 0) {
        set_message(t, SF_ENODATA, "no rows left to fit after the cuts (min tokens %g, train "
                    "fraction %g)", s->min_tokens, s->fraction);
    } else {
        sf_data *sub = NULL;
        sf_error ferr;
        sf_error_clear(&ferr);
        status = sf_data_subset(d, idx, m, &sub);
        if (status == SF_OK && !sub->weight) {
            sub->weight = malloc(m * sizeof *sub->weight);
            if (!sub->weight) status = SF_ENOMEM;
            else sub->roles |= SF_ROLE_BIT(SF_ROLE_WEIGHT);
        }
        if (status == SF_OK) {
            memcpy(sub->weight, w, m * sizeof *w);
            int rc = sf_fit_run(c->law, sub, fo, &t->fit, &ferr);
            if (rc == SF_OK) rc = sf_vfinal_compute(c->law, d, sub, o, t);
            if (rc == SF_ENOMEM) status = rc;
            else if (rc != SF_OK) set_message(t, rc, "%s", ferr.message);
        }
        sf_data_free(sub);
    }
    free(idx);
    free(w);
    if (status != SF_OK || !t->fit) return status;
    t->pub.fit = t->fit;
    /* Predictions and errors, summed in row order. */
    const double *p = sf_fit_params(t->fit);
    double sum = 0, mx = 0;
    for (size_t k = 0; k < t->pub.n_points; k++) {
        sf_validation_point *pt = &t->points[k];
        size_t i = pt->row;
        sf_point x = {.N = pt->N, .D = pt->D, .C = d->C ? d->C[i] : 0, .U = d->U ? d->U[i] : 0};
        sf_law_point_extras(c->law, d, i, &x);
        if (sf_law_predict(c->law, p, &x, &pt->predicted) != SF_OK) pt->predicted = NAN;
        pt->re = fabs(pt->loss - pt->predicted) / pt->loss;
        sum += pt->re;
        if (!(pt->re <= mx)) mx = pt->re;
    }
    if (t->pub.n_points == 0) {
        set_message(t, SF_ENODATA, "the target N = %g has no rows at or after %g of its run",
                    ts->N, o->target_from);
    } else if (!isfinite(sum)) {
        set_message(t, SF_EDOMAIN, "the fitted law gives no finite loss at some target row");
    } else {
        t->pub.are = sum / (double)t->pub.n_points;
        t->pub.max_re = mx;
    }
    return SF_OK;
}

static void vtarget_free(sf_vtarget *t)
{
    sf_draws_free(t->draws);
    sf_fit_free(t->fit);
    free(t->runs);
    free(t->points);
    t->fit = NULL;
    t->runs = NULL;
    t->points = NULL;
}

/* ---- the handle ----------------------------------------------------------------- */

static int validation_new(const sf_law *law, const sf_data *d, const sf_validate_options *o,
                          sf_validation **out)
{
    sf_validation *v = calloc(1, sizeof *v);
    if (!v) return SF_ENOMEM;
    *out = v;
    v->law = law;
    v->opt = *o;
    v->rows_read = d->rows_read;
    v->rows = d->n;
    if (d->source && !(v->source = sf_strdup(d->source))) return SF_ENOMEM;
    if (d->group && d->n_groups) {
        if (!(v->names = calloc(d->n_groups, sizeof *v->names))) return SF_ENOMEM;
        v->n_names = d->n_groups;
        for (size_t g = 0; g < d->n_groups; g++)
            if (!(v->names[g] = sf_strdup(d->group_names[g]))) return SF_ENOMEM;
    }
    return SF_OK;
}

void sf_validation_free(sf_validation *v)
{
    if (!v) return;
    for (size_t k = 0; k < v->n_targets; k++) vtarget_free(&v->targets[k]);
    free(v->targets);
    free(v->cells);
    free(v->cell_final);
    for (size_t g = 0; g < v->n_names; g++) free(v->names[g]);
    free(v->names);
    free(v->source);
    free(v);
}

/* Evaluate specs[0..n-1] in parallel, one fit per thread; a single fit
 * gets the threads itself. */
static int evaluate_all(const ctx *c, const spec *specs, size_t n, sf_vtarget *out)
{
    sf_fit_options fo = c->o->fit;
    /* At most a fit of all the rows each. */
    int nt = sf_threads_for_rows(fo.threads, n, SF_TEAM_EVALS_FIT * (double)c->d->n);
    if (nt > 1) fo.threads = 1;
    int status = SF_OK;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
#endif
    for (size_t k = 0; k < n; k++) {
        int rc = evaluate(c, &specs[k], &fo, &out[k]);
        if (rc != SF_OK) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            status = rc;
        }
    }
    return status;
}

/* Release the work space; hand v to the caller, or free it on failure. */
static int finish(int rc, ctx *c, sf_validation *v, sf_validation **out)
{
    ctx_free(c);
    if (rc != SF_OK) {
        sf_validation_free(v);
        return rc;
    }
    *out = v;
    return SF_OK;
}

int sf_validate(const sf_law *law, const sf_data *data, const sf_validate_options *o,
                sf_validation **out, sf_error *err)
{
    *out = NULL;
    sf_validate_options defaults;
    if (!o) {
        sf_validate_options_init(&defaults);
        o = &defaults;
    }
    ctx c;
    int rc = ctx_init(&c, law, data, o, err);
    if (rc != SF_OK) {
        ctx_free(&c);
        return rc;
    }
    const char *src = data->source;
    if (c.n_sizes < 2) {
        ctx_free(&c);
        return sf_fail(err, SF_ENODATA, src, 0, 0,
                       "every row has N = %g: validation needs runs of two or more model "
                       "sizes (it fits on the smaller and predicts the larger)", data->N[0]);
    }
    spec *specs = malloc(c.n_sizes * sizeof *specs);
    size_t n = 0;
    if (!specs) rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == SF_OK && o->loo) {
        for (size_t s = o->loo_min_sizes ? o->loo_min_sizes : 1; s < c.n_sizes; s++)
            specs[n++] = (spec){s, o->n_models, o->train_fraction, o->min_tokens};
        if (n == 0)
            rc = sf_fail(err, SF_ENODATA, src, 0, 0,
                         "%zu model sizes: leaving one out needs a size with %zu smaller ones",
                         c.n_sizes, o->loo_min_sizes);
    } else if (rc == SF_OK) {
        size_t t;
        rc = find_target(&c, o->target_N, &t, err);
        if (rc == SF_OK) specs[n++] = (spec){t, o->n_models, o->train_fraction, o->min_tokens};
    }
    sf_validation *v = NULL;
    if (rc == SF_OK && validation_new(law, data, o, &v) != SF_OK)
        rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == SF_OK) {
        c.v = v;
        v->targets = calloc(n, sizeof *v->targets);
        if (!v->targets) rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
        else v->n_targets = n;
    }
    if (rc == SF_OK && evaluate_all(&c, specs, n, v->targets) != SF_OK)
        rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == SF_OK) {
        size_t ok = 0;
        for (size_t k = 0; k < n; k++) ok += v->targets[k].pub.status == SF_OK;
        /* A single target whose fit failed is the caller's error. */
        if (n == 1 && !ok)
            rc = sf_fail(err, v->targets[0].pub.status, src, 0, 0, "target N = %g: %s",
                         v->targets[0].pub.N, v->targets[0].message);
    }
    free(specs);
    return finish(rc, &c, v, out);
}

int sf_validate_sweep(const sf_law *law, const sf_data *data, const sf_validate_options *o,
                      const size_t *n_models, size_t n_n_models, const double *train_fraction,
                      size_t n_fractions, const double *min_tokens, size_t n_min_tokens,
                      sf_validation **out, sf_error *err)
{
    *out = NULL;
    sf_validate_options defaults;
    if (!o) {
        sf_validate_options_init(&defaults);
        o = &defaults;
    }
    if (o->loo)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "a sweep has one target: leave-one-out "
                       "does not combine with it");
    size_t nf = n_fractions ? n_fractions : 1;
    size_t nk = n_min_tokens ? n_min_tokens : 1;
    for (size_t a = 0; a < n_fractions; a++)
        if (!(train_fraction[a] > 0 && train_fraction[a] <= 1))
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "train fractions must be in (0, 1], "
                           "got %g", train_fraction[a]);
    for (size_t a = 0; a < n_min_tokens; a++)
        if (!(min_tokens[a] >= 0) || !isfinite(min_tokens[a]))
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "min tokens must be finite and >= 0, "
                           "got %g", min_tokens[a]);
    ctx c;
    int rc = ctx_init(&c, law, data, o, err);
    size_t t = 0;
    if (rc == SF_OK && c.n_sizes < 2)
        rc = sf_fail(err, SF_ENODATA, data->source, 0, 0,
                     "every row has N = %g: validation needs runs of two or more model sizes",
                     data->N[0]);
    if (rc == SF_OK) rc = find_target(&c, o->target_N, &t, err);
    /* Default model counts: 1, 2, ..., every size below the target. */
    size_t nm = n_n_models ? n_n_models : t ? t : 1;
    size_t n = nm * nf * nk;
    spec *specs = rc == SF_OK ? malloc(2 * n * sizeof *specs) : NULL;
    sf_vtarget *tmp = rc == SF_OK ? calloc(n, sizeof *tmp) : NULL;
    size_t *slot = rc == SF_OK ? malloc(n * sizeof *slot) : NULL;
    size_t *sel = rc == SF_OK ? malloc(n * 2 * c.n_runs * sizeof *sel) : NULL;
    sf_validation *v = NULL;
    if (rc == SF_OK && (!specs || !tmp || !slot || !sel || validation_new(law, data, o, &v) != SF_OK))
        rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == SF_OK && (!(v->cells = calloc(n, sizeof *v->cells)) ||
                        !(v->cell_final = calloc(n, sizeof *v->cell_final))))
        rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == SF_OK) {
        c.v = v;
        v->sweep = 1;
        v->sweep_N = c.sizes[t].N;
        v->n_cells = n;
        size_t k = 0;
        for (size_t a = 0; a < nm; a++)
            for (size_t b = 0; b < nf; b++)
                for (size_t e = 0; e < nk; e++)
                    specs[k++] = (spec){t, n_n_models ? n_models[a] : a + 1,
                                        n_fractions ? train_fraction[b] : o->train_fraction,
                                        n_min_tokens ? min_tokens[e] : o->min_tokens};
        /* Cells that fit the same rows (a cut below every run's first
         * checkpoint, a cap that binds at every value) share one fit:
         * specs[n + u] are the distinct selections, slot[k] cell k's. */
        size_t nu = 0, nr = c.n_runs;
        for (k = 0; k < n; k++) {
            size_t lo = first_size(&specs[k]), *kk = sel + 2 * nr * k;
            for (size_t r = c.sizes[lo].first_run; r < c.sizes[t].first_run; r++)
                run_slice(&c, &c.runs[r], &specs[k], &kk[2 * r], &kk[2 * r + 1]);
            slot[k] = nu;
            for (size_t u = 0; u < k && specs[k].n_models <= t; u++) {
                const size_t *ku = sel + 2 * nr * u;
                size_t r0 = 2 * c.sizes[lo].first_run, r1 = 2 * c.sizes[t].first_run;
                if (first_size(&specs[u]) != lo || specs[u].n_models > t ||
                    memcmp(ku + r0, kk + r0, (r1 - r0) * sizeof *kk) != 0)
                    continue;
                slot[k] = slot[u];
                break;
            }
            if (slot[k] == nu) specs[n + nu++] = specs[k];
        }
        if (evaluate_all(&c, specs + n, nu, tmp) != SF_OK)
            rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
        for (k = 0; k < n && rc == SF_OK; k++) {
            const sf_validation_target *p = &tmp[slot[k]].pub;
            v->cells[k] = (sf_validation_cell){specs[k].n_models ? specs[k].n_models : t,
                                               specs[k].fraction, specs[k].min_tokens,
                                               p->n_train_rows, p->status, p->are, p->max_re};
            v->cell_final[k] = tmp[slot[k]].final;
        }
    }
    for (size_t k = 0; tmp && k < n; k++) vtarget_free(&tmp[k]);
    free(tmp);
    free(specs);
    free(slot);
    free(sel);
    return finish(rc, &c, v, out);
}

/* ---- accessors ------------------------------------------------------------------ */

const sf_law *sf_validation_law(const sf_validation *v) { return v->law; }
const sf_validate_options *sf_validation_options(const sf_validation *v) { return &v->opt; }
size_t sf_validation_n_targets(const sf_validation *v) { return v->n_targets; }
size_t sf_validation_n_cells(const sf_validation *v) { return v->n_cells; }
double sf_validation_sweep_N(const sf_validation *v) { return v->sweep ? v->sweep_N : NAN; }

const sf_validation_target *sf_validation_target_at(const sf_validation *v, size_t k)
{
    return k < v->n_targets ? &v->targets[k].pub : NULL;
}

const sf_validation_cell *sf_validation_cell_at(const sf_validation *v, size_t k)
{
    return k < v->n_cells ? &v->cells[k] : NULL;
}

double sf_validation_are(const sf_validation *v)
{
    double s = 0;
    size_t n = 0;
    for (size_t k = 0; k < v->n_targets; k++)
        if (v->targets[k].pub.status == SF_OK) {
            s += v->targets[k].pub.are;
            n++;
        }
    return n ? s / (double)n : NAN;
}

double sf_validation_max_re(const sf_validation *v)
{
    double m = NAN;
    for (size_t k = 0; k < v->n_targets; k++)
        if (v->targets[k].pub.status == SF_OK && !(v->targets[k].pub.max_re <= m))
            m = v->targets[k].pub.max_re;
    return m;
}

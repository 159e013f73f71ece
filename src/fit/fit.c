/*
 * The multi-start driver: L-BFGS (liblbfgs) from every start the global
 * search proposes, in parallel, keeping the best.
 *
 * Bounds.  liblbfgs is unconstrained; most parameters are unbounded in the
 * optimiser's coordinates (log A), and the rest (exponents >= 0) are handled
 * by a small active-set loop around it: a run that ends outside its box has
 * the offending parameters clamped and held at the bound, and is rerun; a
 * held parameter whose gradient points back into the box is released.  The
 * loop ends at a point that satisfies the bound constraints' first-order
 * conditions, and the fit reports which parameters sit on a bound.
 *
 * Determinism.  Each start is independent and writes only its own slot;
 * the best is chosen afterwards in start order, so the result does not
 * depend on the number of threads.
 */
#include <lbfgs.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/team.h"
#include "fit/fit_impl.h"

/* A run's gradient (in the optimiser's scaled units, infinity norm over
 * free coordinates) below this counts as converged even when the line
 * search stopped first.  The scaled objective is the mean robust loss in
 * units of delta (src/fit/objective.c), of order 1 to 100 at an optimum. */
#define CONVERGED_GNORM 1e-6

/* liblbfgs's gradient test, |g| <= eps max(1, |z|), for the first pass
 * over all starts.  1e-5 on the scaled objective stops about where SciPy's
 * L-BFGS-B defaults do (bench/README.md); the best distinct results are
 * then polished with sf_fit_options.gtol. */
#define PHASE1_EPS 1e-5

/* ---- options ---------------------------------------------------------------- */

void sf_fit_options_init(sf_fit_options *o)
{
    memset(o, 0, sizeof *o);
    o->loss = SF_LOSS_HUBER;
    o->delta = 1e-3;
    o->threads = 0;
    o->seed = 0;
    o->grid = SF_GRID_AUTO;
    o->refine = 8;
    o->gtol = 1e-10;
    o->max_iter = 5000;
    o->large_rows = 50000;
    o->sample_rows = 8192;
}

int sf_fit_options_fix(sf_fit_options *o, const char *name, double value)
{
    if (o->n_fix >= SF_MAX_PARAMS || strlen(name) >= SF_NAME_MAX) return SF_EINVAL;
    sf_strlcpy(o->fix_name[o->n_fix], name, SF_NAME_MAX);
    o->fix_value[o->n_fix++] = value;
    return SF_OK;
}

int sf_fit_options_tie(sf_fit_options *o, const char *a, const char *b)
{
    if (o->n_tie >= SF_MAX_PARAMS || strlen(a) >= SF_NAME_MAX || strlen(b) >= SF_NAME_MAX)
        return SF_EINVAL;
    sf_strlcpy(o->tie_a[o->n_tie], a, SF_NAME_MAX);
    sf_strlcpy(o->tie_b[o->n_tie++], b, SF_NAME_MAX);
    return SF_OK;
}

static int unknown_param(const sf_law *law, const char *what, const char *name, sf_error *err)
{
    char list[256] = "";
    size_t k = 0;
    for (size_t j = 0; j < law->n_params && k < sizeof list; j++) {
        int w = snprintf(list + k, sizeof list - k, "%s%s", j ? ", " : "", law->param[j].name);
        if (w < 0) break;
        k += (size_t)w;
    }
    return sf_fail(err, SF_EINVAL, NULL, 0, 0, "%s: law '%s' has no parameter '%s' (it has %s)",
                   what, law->cls->name, name, list);
}

/* The user's fixes and ties as a parameter map. */
static int base_map(const sf_law *law, const sf_fit_options *o, sf_pmap *m, sf_error *err)
{
    memset(m, 0, sizeof *m);
    m->p = law->n_params;
    for (size_t j = 0; j < m->p; j++) m->rep[j] = (int)j;
    for (size_t k = 0; k < o->n_fix; k++) {
        int j = sf_law_param_index(law, o->fix_name[k]);
        if (j < 0) return unknown_param(law, "--fix", o->fix_name[k], err);
        const sf_param_spec *ps = &law->param[j];
        double v = o->fix_value[k];
        if (!isfinite(v))
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "--fix %s: value must be finite", ps->name);
        if (v < ps->lo || v > ps->hi)
            return sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                           "--fix %s=%g: outside the parameter's range [%g, %g]", ps->name, v,
                           ps->lo, ps->hi);
        m->fixed[j] = 1;
        m->held[j] = ps->scale == SF_SCALE_LOG ? log(v) : v;
    }
    for (size_t k = 0; k < o->n_tie; k++) {
        int a = sf_law_param_index(law, o->tie_a[k]);
        int b = sf_law_param_index(law, o->tie_b[k]);
        if (a < 0) return unknown_param(law, "--tie", o->tie_a[k], err);
        if (b < 0) return unknown_param(law, "--tie", o->tie_b[k], err);
        if (a == b)
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "--tie %s=%s: a parameter is always "
                           "equal to itself", o->tie_a[k], o->tie_b[k]);
        if (law->param[a].scale != law->param[b].scale)
            return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                           "--tie %s=%s: the two parameters live on different scales",
                           o->tie_a[k], o->tie_b[k]);
        if (m->fixed[b])
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "--tie %s=%s: %s is also fixed; "
                           "fix %s instead", o->tie_a[k], o->tie_b[k], o->tie_b[k], o->tie_a[k]);
        /* b follows a's representative; whatever followed b follows too. */
        int ra = m->rep[a];
        while (m->rep[ra] != ra) ra = m->rep[ra];
        if (ra == b)
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "--tie %s=%s: ties form a cycle",
                           o->tie_a[k], o->tie_b[k]);
        for (size_t j = 0; j < m->p; j++)
            if (m->rep[j] == b) m->rep[j] = ra;
        m->rep[b] = ra;
    }
    sf_pmap_rebuild(m);
    return SF_OK;
}

static int check_options(const sf_fit_options *o, sf_error *err)
{
    if (o->loss != SF_LOSS_HUBER && o->loss != SF_LOSS_LS)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "unknown loss");
    if (o->loss == SF_LOSS_HUBER && !(o->delta > 0 && isfinite(o->delta)))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "--delta must be finite and > 0");
    if (o->threads < 0) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "--threads must be >= 0");
    if (o->refine < 1) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "refine must be >= 1");
    if (o->max_iter < 1) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "max_iter must be >= 1");
    if (!(o->gtol > 0)) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "gtol must be > 0");
    if ((int)o->grid < SF_GRID_AUTO || o->grid > SF_GRID_VP)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "unknown grid strategy");
    return SF_OK;
}

/* ---- one start ----------------------------------------------------------------- */

typedef struct run {
    double theta[SF_MAX_PARAMS];
    double f;
    double gnorm;
    int stop;
    int converged;
    unsigned char bound[SF_MAX_PARAMS];
} run;

typedef struct cb_ctx {
    const sf_problem *pb;
    sf_work *w;
    const sf_pmap *m;
    double theta[SF_MAX_PARAMS];
    double gth[SF_MAX_PARAMS];
} cb_ctx;

static lbfgsfloatval_t cb_eval(void *inst, const lbfgsfloatval_t *z, lbfgsfloatval_t *gz,
                               const int nz, const lbfgsfloatval_t step)
{
    (void)step;
    cb_ctx *c = inst;
    sf_pmap_theta(c->m, z, c->theta);
    double f = sf_problem_value(c->pb, c->w, c->theta, c->gth);
    sf_pmap_grad(c->m, c->gth, gz);
    double s = c->pb->scale;
    if (!isfinite(f)) {
        /* Far outside the sensible region (an exponent of 1e300): a huge
         * value sends the line search back. */
        for (int k = 0; k < nz; k++) gz[k] = 0.0;
        return 1e300;
    }
    for (int k = 0; k < nz; k++) gz[k] *= s;
    return s * f;
}

/* f, and the scaled gradient's infinity norm over free coordinates. */
static double eval_at(const sf_problem *pb, sf_work *w, const sf_pmap *m, const double *theta,
                      double *gnorm, double *gth)
{
    double g[SF_MAX_PARAMS], gz[SF_MAX_PARAMS];
    double f = sf_problem_value(pb, w, theta, g);
    sf_pmap_grad(m, g, gz);
    double gn = 0;
    for (size_t k = 0; k < m->nz; k++)
        if (fabs(gz[k]) * pb->scale > gn) gn = fabs(gz[k]) * pb->scale;
    if (gnorm) *gnorm = gn;
    if (gth) memcpy(gth, g, m->p * sizeof *g);
    return f;
}

/* L-BFGS on the free coordinates of m from theta (updated in place).
 * Restarts (fresh curvature memory) while a restart still lowers f: after
 * a line-search stop this recovers most runs that stalled in a curved
 * valley.  Returns the SF_STOP_* reason. */
static int lbfgs_polish(const sf_problem *pb, sf_work *w, const sf_pmap *m, double *theta,
                        lbfgsfloatval_t *z, double eps)
{
    if (m->nz == 0) return SF_STOP_GRADIENT;
    const sf_fit_options *o = pb->opt;
    lbfgs_parameter_t lp;
    lbfgs_parameter_init(&lp);
    lp.m = 10;
    lp.epsilon = eps;
    lp.past = 0;
    lp.max_iterations = o->max_iter;
    lp.max_linesearch = 60;
    cb_ctx c = {.pb = pb, .w = w, .m = m};
    int stop = SF_STOP_NO_PROGRESS;
    double fprev = INFINITY;
    for (int attempt = 0; attempt < 4; attempt++) {
        sf_pmap_z(m, theta, z);
        lbfgsfloatval_t fx = 0;
        int ret = lbfgs((int)m->nz, z, &fx, cb_eval, NULL, &c, &lp);
        sf_pmap_theta(m, z, theta);
        if (ret == LBFGS_SUCCESS || ret == LBFGS_ALREADY_MINIMIZED) return SF_STOP_GRADIENT;
        stop = ret == LBFGSERR_MAXIMUMITERATION ? SF_STOP_MAX_ITER : SF_STOP_NO_PROGRESS;
        if (stop == SF_STOP_MAX_ITER || !(fx < fprev * (1 - 1e-15))) break;
        fprev = fx;
    }
    return stop;
}

static void run_start(const sf_problem *pb, sf_work *w, const double *theta0, double eps,
                      run *out, lbfgsfloatval_t *z)
{
    const size_t p = pb->law->n_params;
    sf_pmap m = pb->base;
    double theta[SF_MAX_PARAMS];
    memcpy(theta, theta0, p * sizeof *theta);
    for (size_t j = 0; j < p; j++) {
        if (m.map[j] < 0) theta[j] = m.held[j];
        else if (m.rep[j] != (int)j) theta[j] = theta[m.rep[j]];
    }
    double start[SF_MAX_PARAMS];
    memcpy(start, theta, p * sizeof *start);
    int stop = SF_STOP_NO_PROGRESS;
    /* Each pass either holds one more parameter at a bound or releases one;
     * 2p + 1 passes are plenty and keep a pathological case from cycling. */
    for (size_t pass = 0; pass <= 2 * p; pass++) {
        stop = lbfgs_polish(pb, w, &m, theta, z, eps);
        int changed = 0;
        for (size_t j = 0; j < p; j++) {
            if (m.map[j] < 0 || m.rep[j] != (int)j) continue;
            double v = theta[j], b = v < pb->lo[j] ? pb->lo[j] : v > pb->hi[j] ? pb->hi[j] : v;
            if (b == v || !isfinite(b)) continue;
            m.bound[j] = 1;
            m.held[j] = b;
            theta[j] = b;
            changed = 1;
        }
        if (changed) {
            sf_pmap_rebuild(&m);
            /* The run left the box: the other parameters went with it
             * (a scale following an exponent past its bound), so they
             * restart from where this start began. */
            for (size_t j = 0; j < p; j++)
                if (m.map[j] >= 0 && m.rep[j] == (int)j) theta[j] = start[j];
            for (size_t j = 0; j < p; j++)
                if (m.rep[j] != (int)j) theta[j] = theta[m.rep[j]];
            continue;
        }
        /* Release held parameters whose gradient points into the box. */
        double g[SF_MAX_PARAMS], gr[SF_MAX_PARAMS] = {0};
        eval_at(pb, w, &m, theta, NULL, g);
        for (size_t j = 0; j < p; j++) gr[m.rep[j]] += g[j];
        for (size_t j = 0; j < p; j++) {
            if (!m.bound[j] || m.rep[j] != (int)j) continue;
            double tol = 1e-9 / pb->scale;
            int at_lo = theta[j] <= pb->lo[j];
            if ((at_lo && gr[j] < -tol) || (!at_lo && gr[j] > tol)) {
                m.bound[j] = 0;
                changed = 1;
            }
        }
        if (!changed) break;
        sf_pmap_rebuild(&m);
    }
    out->f = eval_at(pb, w, &m, theta, &out->gnorm, NULL);
    memcpy(out->theta, theta, p * sizeof *theta);
    out->stop = stop;
    out->converged = isfinite(out->f) &&
                     (stop == SF_STOP_GRADIENT ||
                      (stop == SF_STOP_NO_PROGRESS && out->gnorm <= CONVERGED_GNORM));
    for (size_t j = 0; j < p; j++) out->bound[j] = m.bound[j];
}

/* ---- result ---------------------------------------------------------------------- */

void sf_fit_add_warning(sf_fit *fit, const char *fmt, ...)
{
    if (fit->n_warn >= SF_MAX_WARN) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fit->warn[fit->n_warn++], SF_WARN_LEN, fmt, ap);
    va_end(ap);
}

/* Two optimiser results are the same point when every internal coordinate
 * agrees to `tol` relative (absolute below 1).  TIGHT separates basins of
 * polished runs; LOOSE matches phase-1 runs, which stop earlier. */
#define TIGHT 1e-3
#define LOOSE 1e-2

static int close_params(const sf_law *law, const double *a, const double *b, double tol)
{
    for (size_t j = 0; j < law->n_params; j++) {
        if (a[j] == b[j]) continue;  /* also equal infinities (E held at 0) */
        double s = fabs(a[j]) > 1 ? fabs(a[j]) : 1.0;
        if (!(fabs(a[j] - b[j]) <= tol * s)) return 0;
    }
    return 1;
}

/* Held parameters are reported exactly as the user gave them (exp(log x)
 * can differ from x in the last bit), and so are parameters tied to them. */
static void exact_fixed(const sf_law *law, const sf_fit_options *o, const sf_pmap *m,
                        double *nat)
{
    for (size_t k = 0; k < o->n_fix; k++) {
        int j = sf_law_param_index(law, o->fix_name[k]);
        if (j < 0) continue;
        for (size_t q = 0; q < law->n_params; q++)
            if (m->rep[q] == m->rep[j]) nat[q] = o->fix_value[k];
    }
}

/* Run every start in parallel, each writing only its own slot. */
static int run_all(const sf_problem *pb, const double *theta0, size_t count, double eps,
                   int threads, const volatile sig_atomic_t *cancel, run *runs)
{
    const size_t p = pb->law->n_params;
    int status = SF_OK;
    int nt = sf_threads_for_rows(threads, count, SF_TEAM_EVALS_START * (double)pb->n);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        sf_work w;
        lbfgsfloatval_t *z = lbfgs_malloc((int)p);
        int ok = z && sf_work_init(&w, pb) == SF_OK;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (size_t s = 0; s < count; s++) {
            /* Cancelled: the remaining starts are skipped, not run. */
            if (ok && !(cancel && *cancel)) run_start(pb, &w, theta0 + s * p, eps, &runs[s], z);
            else runs[s].f = NAN;
        }
        if (!ok) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            status = SF_ENOMEM;
        }
        if (ok) sf_work_free(&w);
        lbfgs_free(z);
    }
    if (status == SF_OK && cancel && *cancel) status = SF_ECANCELED;
    return status;
}

static int cmp_run_order(const void *x, const void *y, const run *runs)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    double fa = runs[a].f, fb = runs[b].f;
    int na = !isfinite(fa), nb = !isfinite(fb);
    if (na != nb) return na - nb;
    if (!na && fa != fb) return fa < fb ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* qsort has no context argument in C11; a merge sort does the job. */
static void sort_runs(size_t *idx, size_t *tmp, size_t n, const run *runs)
{
    if (n < 2) return;
    size_t h = n / 2;
    sort_runs(idx, tmp, h, runs);
    sort_runs(idx + h, tmp, n - h, runs);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = cmp_run_order(&idx[j], &idx[i], runs) < 0 ? idx[j++] : idx[i++];
    while (i < h) tmp[k++] = idx[i++];
    while (j < n) tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

/* R^2 with losses in units of exp(shift). */
static double r_squared_in(const sf_problem *pb, const sf_work *w, double shift)
{
    const size_t n = pb->n;
    double mean = 0;
    for (size_t i = 0; i < n; i++) mean += exp(pb->obs.logy[i] - shift);
    mean /= (double)n;
    double ssr = 0, sst = 0;
    for (size_t i = 0; i < n; i++) {
        double y = exp(pb->obs.logy[i] - shift);
        double e = y - exp(w->logy[i] - shift);
        ssr += e * e;
        sst += (y - mean) * (y - mean);
    }
    return sst > 0 ? 1.0 - ssr / sst : NAN;
}

static double r_squared(const sf_problem *pb, sf_work *w, const double *theta)
{
    if (pb->chunked) return sf_problem_r2_chunked(pb, w, theta);
    const size_t n = pb->n;
    pb->law->cls->eval(pb->law, theta, &pb->obs, w->logy, NULL);
    double r2 = r_squared_in(pb, w, 0.0);
    if (isfinite(r2)) return r2;
    /* A loss of 1e300 squared overflows: again in units of the largest
     * loss (only then, so ordinary fits keep their bits). */
    double top = pb->obs.logy[0];
    for (size_t i = 1; i < n; i++)
        if (pb->obs.logy[i] > top) top = pb->obs.logy[i];
    r2 = r_squared_in(pb, w, top);
    return isfinite(r2) ? r2 : NAN;
}

static int copy_provenance(sf_fit *fit, const sf_data *d)
{
    fit->rows_read = d->rows_read;
    fit->derived = d->derived;
    if (d->source && !(fit->source = sf_strdup(d->source))) return SF_ENOMEM;
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        if (d->column[r] && !(fit->column[r] = sf_strdup(d->column[r]))) return SF_ENOMEM;
    if (d->n_filters) {
        if (!(fit->filters = calloc(d->n_filters, sizeof *fit->filters))) return SF_ENOMEM;
        fit->n_filters = d->n_filters;
        for (size_t k = 0; k < d->n_filters; k++)
            if (!(fit->filters[k] = sf_strdup(d->filters[k]))) return SF_ENOMEM;
    }
    return SF_OK;
}

/* Rank of the Jacobian of log L^ in the free coordinates at the centre of
 * the law's start grid: fixed and tied parameters can make a law
 * identifiable on data where a variable takes one value (chinchilla on one
 * model size with A and alpha held: Choshen et al.'s one-model fit).
 * Returns 1 when the free coordinates are identifiable, 0 when not, -1 on
 * out of memory. */
static int full_rank(const sf_problem *pb)
{
    const sf_law *law = pb->law;
    const sf_pmap *m = &pb->base;
    const size_t n = pb->n, p = law->n_params, nz = m->nz;
    if (nz == 0) return 1;
    double theta[SF_MAX_PARAMS];
    for (size_t j = 0; j < p; j++) {
        double v = law->grid_n[j] ? law->grid_v[j][law->grid_n[j] / 2] : 0.0;
        if (v < pb->lo[j]) v = pb->lo[j];
        if (v > pb->hi[j]) v = pb->hi[j];
        theta[j] = m->map[j] < 0 ? m->held[j] : v;
    }
    for (size_t j = 0; j < p; j++)
        if (m->rep[j] != (int)j) theta[j] = theta[m->rep[j]];
    sf_work w;
    if (sf_work_init_full(&w, pb) != SF_OK) return -1;
    law->cls->eval(law, theta, &pb->obs, w.logy, w.jac);
    /* Gram matrix of the columns scaled to unit length, then Gaussian
     * elimination with a relative pivot threshold. */
    double G[SF_MAX_PARAMS][SF_MAX_PARAMS] = {{0}}, jz[SF_MAX_PARAMS];
    for (size_t i = 0; i < n; i++) {
        sf_pmap_grad(m, w.jac + i * p, jz);
        for (size_t a = 0; a < nz; a++)
            for (size_t b = 0; b < nz; b++) G[a][b] += jz[a] * jz[b];
    }
    sf_work_free(&w);
    double s[SF_MAX_PARAMS];
    for (size_t a = 0; a < nz; a++) s[a] = G[a][a] > 0 ? 1.0 / sqrt(G[a][a]) : 0.0;
    for (size_t a = 0; a < nz; a++)
        for (size_t b = 0; b < nz; b++) G[a][b] *= s[a] * s[b];
    for (size_t k = 0; k < nz; k++) {
        if (!(G[k][k] > 1e-10)) return 0;
        for (size_t a = k + 1; a < nz; a++) {
            double f = G[a][k] / G[k][k];
            for (size_t b = k; b < nz; b++) G[a][b] -= f * G[k][b];
        }
    }
    return 1;
}

/* A variable the law reads that takes one value leaves its terms
 * inseparable.  *rank_test is set when parameters are held: the caller
 * then decides with full_rank() instead. */
static int check_identifiable(const sf_law *law, const sf_data *d, const sf_fit_options *o,
                              int *rank_test, sf_error *err)
{
    const double *col[SF_ROLE_COUNT] = {[SF_ROLE_N] = d->N, [SF_ROLE_D] = d->D,
                                        [SF_ROLE_C] = d->C, [SF_ROLE_U] = d->U};
    *rank_test = 0;
    for (int r = 0; r < SF_ROLE_COUNT; r++) {
        if (!col[r] || !(law->roles & SF_ROLE_BIT(r))) continue;
        size_t i = 1;
        while (i < d->n && col[r][i] == col[r][0]) i++;
        if (i == d->n && (o->n_fix || o->n_tie)) {
            *rank_test = 1;
            continue;
        }
        if (i == d->n)
            return sf_fail(err, SF_EUNIDENTIFIABLE, d->source, 0, 0,
                           "every row has %s = %g: law '%s' needs rows at two or more values "
                           "of %s to separate its terms", sf_role_name((sf_role)r), col[r][0],
                           law->cls->name, sf_role_name((sf_role)r));
    }
    return SF_OK;
}

/* The checks before any search: options, held parameters, the columns
 * the law reads, enough rows, variables that vary.  *base gets the map of
 * the user's fixes and ties; *rank_test whether the rank test is due. */
static int check_fit_inputs(const sf_law *law, const sf_data *d, const sf_fit_options *o,
                            sf_pmap *base, int *rank_test, sf_error *err)
{
    int rc = check_options(o, err);
    if (rc != SF_OK) return rc;
    if ((rc = base_map(law, o, base, err)) != SF_OK) return rc;
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        if ((law->roles & SF_ROLE_BIT(r)) && !(d->roles & SF_ROLE_BIT(r)))
            return sf_fail(err, SF_ENOCOLUMN, d->source, 0, 0, "law '%s' needs a column for %s",
                           law->cls->name, sf_role_name((sf_role)r));
    if (d->n <= base->nz)
        return sf_fail(err, SF_ENODATA, d->source, 0, 0,
                       "%zu row%s, but law '%s' has %zu free parameter%s: a fit needs more "
                       "rows than free parameters", d->n, d->n == 1 ? "" : "s", law->cls->name,
                       base->nz, base->nz == 1 ? "" : "s");
    if ((rc = check_identifiable(law, d, o, rank_test, err)) != SF_OK) return rc;
    return sf_fit_check_variation(law, d, base, err);
}

/* The problem on d and its starting points: theta0 (count points) when
 * given, else the global search's.  On failure pb is freed. */
static int prepare_search(const sf_law *law, const sf_data *d, const sf_fit_options *o,
                          const sf_pmap *base, int rank_test, const double *theta0,
                          size_t count, sf_problem *pb, sf_starts *st, sf_error *err)
{
    const size_t p = law->n_params;
    int rc;
    if ((rc = sf_problem_init(pb, law, d, o, err)) != SF_OK) {
        sf_problem_free(pb);
        return rc;
    }
    pb->base = *base;
    if (rank_test && (rc = full_rank(pb)) != 1) {
        sf_problem_free(pb);
        if (rc < 0) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
        return sf_fail(err, SF_EUNIDENTIFIABLE, d->source, 0, 0,
                       "a variable law '%s' reads takes a single value, and the held "
                       "parameters do not make up for it: the free parameters cannot be "
                       "told apart", law->cls->name);
    }
    memset(st, 0, sizeof *st);
    if (theta0) {
        st->theta = malloc((count ? count : 1) * p * sizeof *st->theta);
        if (!st->theta) rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
        else memcpy(st->theta, theta0, count * p * sizeof *st->theta);
        st->count = count;
        st->strategy = SF_GRID_AUTO;
    } else {
        rc = sf_search_starts(pb, o->grid, o->refine, o->threads, st, err);
    }
    if (rc != SF_OK) sf_problem_free(pb);
    return rc;
}

/* The two phases' runs and how they relate. */
typedef struct search {
    size_t ns;          /* phase-1 runs (one per start) */
    run *runs;
    size_t *order, *tmp;
    size_t npol;        /* phase-2 (polished) runs */
    run *pol;
    /* via[s]: the polished run that stands for phase-1 run s (its own
     * polish, or the one it duplicates), -1 when none; pol_basin[q]: the
     * basin polished run q ended in. */
    int *via, *pol_basin;
} search;

static void search_free(search *sr)
{
    free(sr->runs);
    free(sr->pol);
    free(sr->via);
    free(sr->pol_basin);
    free(sr->order);
    free(sr->tmp);
}

/* The source line of the first row where the law is not finite at theta
 * (the first start; NULL: every internal coordinate 0, clamped to the
 * bounds), or 0 when every row is finite. */
static long first_nonfinite_line(const sf_problem *pb, const double *theta, const sf_data *d)
{
    const size_t p = pb->law->n_params;
    double th[SF_MAX_PARAMS];
    for (size_t j = 0; j < p; j++) {
        th[j] = theta ? theta[j] : 0.0;
        if (th[j] < pb->lo[j]) th[j] = pb->lo[j];
        if (th[j] > pb->hi[j]) th[j] = pb->hi[j];
    }
    double *ly = malloc((pb->n ? pb->n : 1) * sizeof *ly);
    long line = 0;
    if (!ly) return 0;
    pb->law->cls->eval(pb->law, th, &pb->obs, ly, NULL);
    for (size_t i = 0; i < pb->n && !line; i++)
        if (!isfinite(ly[i])) line = d->line[i] > 0 ? d->line[i] : (long)i + 1;
    free(ly);
    return line;
}

/* Phase 1: every start to a moderate tolerance, sorted best first. */
static int phase1(const sf_problem *pb, const sf_starts *st, const sf_fit_options *o,
                  const sf_data *d, search *sr, sf_error *err)
{
    size_t ns = sr->ns = st->count;
    sr->runs = calloc(ns ? ns : 1, sizeof *sr->runs);
    sr->order = malloc((ns ? ns : 1) * sizeof *sr->order);
    sr->tmp = malloc((ns ? ns : 1) * sizeof *sr->tmp);
    int status = sr->runs && sr->order && sr->tmp ? SF_OK : SF_ENOMEM;
    if (status == SF_OK)
        status = run_all(pb, st->theta, ns, PHASE1_EPS, o->threads, o->cancel, sr->runs);
    sr->via = malloc((ns ? ns : 1) * sizeof *sr->via);
    if (!sr->via) status = SF_ENOMEM;
    for (size_t s = 0; s < ns && sr->via; s++) sr->via[s] = -1;
    if (status == SF_ECANCELED) return sf_fail(err, status, NULL, 0, 0, "interrupted");
    if (status != SF_OK) return sf_fail(err, status, NULL, 0, 0, "out of memory");
    for (size_t s = 0; s < ns; s++) sr->order[s] = s;
    sort_runs(sr->order, sr->tmp, ns, sr->runs);
    if (ns > 0 && isfinite(sr->runs[sr->order[0]].f)) return SF_OK;
    long bad = first_nonfinite_line(pb, ns ? st->theta : NULL, d);
    if (bad > 0)
        return sf_fail(err, SF_ENOCONV, d->source, bad, 0,
                       "the law's value is not finite at this row from every start "
                       "(a log or sqrt of a negative number, 0/0, an overflow?)");
    return sf_fail(err, SF_ENOCONV, d->source, 0, 0,
                   "no start gave a finite objective: the law cannot describe these data");
}

/* Phase 2: polish the best distinct results to the tight tolerance;
 * sr->order then ranks the polished runs. */
static int phase2(const sf_problem *pb, const sf_fit_options *o, search *sr, sf_error *err)
{
    const sf_law *law = pb->law;
    const size_t p = law->n_params, cap = (size_t)o->refine;
    double *seeds = malloc(cap * p * sizeof *seeds);
    sr->pol = calloc(cap, sizeof *sr->pol);
    sr->pol_basin = malloc(cap * sizeof *sr->pol_basin);
    int status = SF_OK;
    if (!seeds || !sr->pol || !sr->pol_basin)
        status = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t a = 0; a < sr->ns && sr->npol < cap && status == SF_OK; a++) {
        const run *r = &sr->runs[sr->order[a]];
        if (!isfinite(r->f)) break;
        int dup = -1;
        for (size_t q = 0; q < sr->npol && dup < 0; q++)
            if (close_params(law, seeds + q * p, r->theta, LOOSE) ||
                fabs(r->f - sr->pol[q].f) <= 1e-9 * fabs(r->f))
                dup = (int)q;
        sr->via[sr->order[a]] = dup >= 0 ? dup : (int)sr->npol;
        if (dup >= 0) continue;
        memcpy(seeds + sr->npol * p, r->theta, p * sizeof *seeds);
        sr->pol_basin[sr->npol] = -1;
        sr->pol[sr->npol++].f = r->f;
    }
    if (status == SF_OK)
        status = run_all(pb, seeds, sr->npol, o->gtol, o->threads, o->cancel, sr->pol);
    if (status == SF_OK) {
        for (size_t q = 0; q < sr->npol; q++) sr->order[q] = q;
        sort_runs(sr->order, sr->tmp, sr->npol, sr->pol);
    } else {
        sf_fail(err, status, NULL, 0, 0, "out of memory");
    }
    free(seeds);
    return status;
}

/* Basins: the distinct polished optima, best first, into fit; their
 * internal coordinates into bth. */
static void record_basins(sf_fit *fit, const sf_fit_options *o, const sf_pmap *base,
                          search *sr, double bth[SF_MAX_BASINS][SF_MAX_PARAMS])
{
    const sf_law *law = fit->law;
    const size_t p = law->n_params;
    for (size_t a = 0; a < sr->npol; a++) {
        const run *r = &sr->pol[sr->order[a]];
        if (!isfinite(r->f)) break;
        size_t b = 0;
        while (b < fit->n_basins &&
               !(close_params(law, bth[b], r->theta, TIGHT) ||
                 fabs(r->f - fit->basin_f[b]) <= 1e-9 * fabs(fit->basin_f[b])))
            b++;
        if (b < SF_MAX_BASINS) sr->pol_basin[sr->order[a]] = (int)b;
        if (b < fit->n_basins || b == SF_MAX_BASINS) continue;
        fit->n_basins++;
        fit->basin_f[b] = r->f;
        memcpy(bth[b], r->theta, p * sizeof *r->theta);
        sf_law_to_natural(law, r->theta, fit->basin_p[b]);
        exact_fixed(law, o, base, fit->basin_p[b]);
    }
    /* Each phase-1 run counts for the basin its polish reached, else for
     * the first basin it ended near (a phase-1 run may stop short of its
     * optimum by more than the closeness tolerance in a flat valley). */
    for (size_t s = 0; s < sr->ns; s++) {
        const run *r = &sr->runs[s];
        if (sr->via[s] >= 0 && sr->pol_basin[sr->via[s]] >= 0) {
            fit->basin_n[sr->pol_basin[sr->via[s]]]++;
            continue;
        }
        for (size_t b = 0; b < fit->n_basins && isfinite(r->f); b++)
            if (close_params(law, bth[b], r->theta, LOOSE) ||
                fabs(r->f - fit->basin_f[b]) <= 1e-6 * fabs(fit->basin_f[b])) {
                fit->basin_n[b]++;
                break;
            }
    }
    fit->n_best = fit->basin_n[0];
}

/* The fit from the search's best polished run, its basins, R^2 and where
 * the data came from. */
static int record_fit(sf_fit *fit, const sf_problem *pb, const sf_data *d,
                      const sf_fit_options *o, const sf_pmap *base, int strategy, search *sr,
                      sf_error *err)
{
    const sf_law *law = pb->law;
    const size_t p = law->n_params;
    fit->law = law;
    fit->opt = *o;
    fit->has_data = 1;
    fit->n_points = d->n;
    sf_fit_set_range(fit, d);
    fit->starts = (int)sr->ns;
    fit->strategy = strategy;
    const run *best = &sr->pol[sr->order[0]];
    sf_law_to_natural(law, best->theta, fit->params);
    exact_fixed(law, o, base, fit->params);
    fit->objective = best->f;
    fit->gnorm = best->gnorm;
    fit->stop = best->stop;
    fit->converged = best->converged;
    fit->map = *base;
    for (size_t j = 0; j < p; j++) fit->map.bound[j] = best->bound[j];
    double bth[SF_MAX_BASINS][SF_MAX_PARAMS];
    record_basins(fit, o, base, sr, bth);
    sf_work w;
    if (sf_work_init(&w, pb) == SF_OK) {
        fit->r2 = r_squared(pb, &w, best->theta);
        sf_work_free(&w);
    } else {
        fit->r2 = NAN;
    }
    if (copy_provenance(fit, d) != SF_OK) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    return SF_OK;
}

/* What the reader of a fit should know: parameters on a bound, no
 * convergence, a lone start at the best, a near-tied second optimum. */
static void warn_fit(sf_fit *fit, size_t ns)
{
    const sf_law *law = fit->law;
    const size_t p = law->n_params;
    for (size_t j = 0; j < p; j++)
        if (fit->map.bound[j] && fit->map.rep[j] == (int)j)
            sf_fit_add_warning(fit, "%s is on the bound %g of its range: the data push it "
                        "there, so its value (and the terms it scales) is not estimated",
                        law->param[j].name, fit->params[j]);
    if (!fit->converged)
        sf_fit_add_warning(fit, "the best start did not meet the convergence test (%s, "
                    "gradient %.3g): treat the parameters with care",
                    sf_strerror(fit->stop), fit->gnorm);
    if (fit->n_best == 1 && ns > 1)
        sf_fit_add_warning(fit, "only 1 of %d starts reached the best objective: a better "
                    "optimum may exist (try --grid full)", fit->starts);
    if (fit->n_basins > 1) {
        double rel = (fit->basin_f[1] - fit->basin_f[0]) / fabs(fit->basin_f[0]);
        if (rel < 0.01) {
            char desc[160] = "";
            size_t k = 0;
            for (size_t j = 0; j < p && k < sizeof desc; j++) {
                if (fit->map.map[j] < 0 && !fit->map.bound[j]) continue;
                int w = snprintf(desc + k, sizeof desc - k, "%s%s=%.4g", k ? ", " : "",
                                 law->param[j].name, fit->basin_p[1][j]);
                if (w < 0) break;
                k += (size_t)w;
            }
            sf_fit_add_warning(fit, "a second local optimum lies within %.2g%% of the best "
                        "objective (%s): the data barely tell them apart",
                        100.0 * rel, desc);
        }
    }
}

/* The fit: from the global search's starts, or from theta0 (count
 * points, internal coordinates) when theta0 is not NULL. */

static int fit_core(const sf_law *law, const sf_data *d, const sf_fit_options *o,
                    const double *theta0, size_t count, sf_fit **out, sf_error *err)
{
    *out = NULL;
    sf_fit_options defaults;
    if (!o) {
        sf_fit_options_init(&defaults);
        o = &defaults;
    }
    if (o->cancel && *o->cancel) return sf_fail(err, SF_ECANCELED, NULL, 0, 0, "interrupted");
    sf_pmap base;
    int rank_test = 0;
    int rc = check_fit_inputs(law, d, o, &base, &rank_test, err);
    if (rc != SF_OK) return rc;
    sf_problem pb;
    sf_starts st;
    rc = prepare_search(law, d, o, &base, rank_test, theta0, count, &pb, &st, err);
    if (rc != SF_OK) return rc;
    search sr;
    memset(&sr, 0, sizeof sr);
    sf_fit *fit = calloc(1, sizeof *fit);
    int status = fit ? phase1(&pb, &st, o, d, &sr, err)
                     : sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (status == SF_OK) status = phase2(&pb, o, &sr, err);
    if (status == SF_OK) status = record_fit(fit, &pb, d, o, &base, st.strategy, &sr, err);
    if (status == SF_OK) warn_fit(fit, sr.ns);
    if (status == SF_OK) sf_fit_diagnose(fit, &pb, sr.pol[sr.order[0]].theta);
    search_free(&sr);
    sf_starts_free(&st);
    sf_problem_free(&pb);
    if (status == SF_ECANCELED) sf_fail(err, SF_ECANCELED, NULL, 0, 0, "interrupted");
    if (status != SF_OK) {
        sf_fit_free(fit);
        return status;
    }
    *out = fit;
    return SF_OK;
}

int sf_fit_run(const sf_law *law, const sf_data *d, const sf_fit_options *o, sf_fit **out,
               sf_error *err)
{
    if (sf_fit_is_large(d, o)) return sf_fit_large(law, d, o, out, err);
    return fit_core(law, d, o, NULL, 0, out, err);
}

int sf_fit_base_map(const sf_law *law, const sf_fit_options *o, sf_pmap *m, sf_error *err)
{
    return base_map(law, o, m, err);
}

int sf_fit_run_full(const sf_law *law, const sf_data *d, const sf_fit_options *o,
                    sf_fit **out, sf_error *err)
{
    return fit_core(law, d, o, NULL, 0, out, err);
}

int sf_fit_run_from(const sf_law *law, const sf_data *d, const sf_fit_options *o,
                    const double *theta0, size_t count, sf_fit **out, sf_error *err)
{
    *out = NULL;
    if (!theta0 || count == 0)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "no starting points");
    return fit_core(law, d, o, theta0, count, out, err);
}

int sf_fit_from_params(const sf_law *law, const double *params, sf_fit **out)
{
    *out = NULL;
    sf_fit *fit = calloc(1, sizeof *fit);
    if (!fit) return SF_ENOMEM;
    fit->law = law;
    sf_fit_options_init(&fit->opt);
    memcpy(fit->params, params, law->n_params * sizeof *params);
    fit->objective = NAN;
    fit->r2 = NAN;
    fit->gnorm = NAN;
    fit->map.p = law->n_params;
    for (size_t j = 0; j < law->n_params; j++) fit->map.rep[j] = (int)j;
    *out = fit;
    return SF_OK;
}

void sf_fit_free(sf_fit *fit)
{
    if (!fit) return;
    free(fit->source);
    for (int r = 0; r < SF_ROLE_COUNT; r++) free(fit->column[r]);
    for (size_t k = 0; k < fit->n_filters; k++) free(fit->filters[k]);
    free(fit->filters);
    sf_law_free(fit->owned_law);
    free(fit);
}

double sf_objective(const sf_law *law, const double *params, const sf_data *d,
                    const sf_fit_options *o)
{
    sf_fit_options defaults;
    if (!o) {
        sf_fit_options_init(&defaults);
        o = &defaults;
    }
    sf_problem pb;
    double f = NAN;
    if (sf_problem_init(&pb, law, d, o, NULL) == SF_OK) {
        sf_work w;
        if (sf_work_init(&w, &pb) == SF_OK) {
            double theta[SF_MAX_PARAMS];
            sf_law_to_internal(law, params, theta);
            f = sf_problem_value(&pb, &w, theta, NULL);
            sf_work_free(&w);
        }
    }
    sf_problem_free(&pb);
    return f;
}

/* ---- accessors --------------------------------------------------------------------- */

const sf_law *sf_fit_law(const sf_fit *fit) { return fit->law; }
const sf_fit_options *sf_fit_get_options(const sf_fit *fit) { return &fit->opt; }
const double *sf_fit_params(const sf_fit *fit) { return fit->params; }
double sf_fit_objective(const sf_fit *fit) { return fit->objective; }
size_t sf_fit_n_points(const sf_fit *fit) { return fit->n_points; }
int sf_fit_starts(const sf_fit *fit) { return fit->starts; }
int sf_fit_n_best(const sf_fit *fit) { return fit->n_best; }
int sf_fit_converged(const sf_fit *fit) { return fit->converged; }
int sf_fit_stop(const sf_fit *fit) { return fit->stop; }
double sf_fit_grad_norm(const sf_fit *fit) { return fit->gnorm; }
double sf_fit_r2(const sf_fit *fit) { return fit->r2; }
size_t sf_fit_n_basins(const sf_fit *fit) { return fit->n_basins; }

int sf_fit_is_fixed(const sf_fit *fit, size_t i)
{
    return i < fit->map.p && fit->map.fixed[i];
}

int sf_fit_tied_to(const sf_fit *fit, size_t i)
{
    return i < fit->map.p && fit->map.rep[i] != (int)i ? fit->map.rep[i] : -1;
}

int sf_fit_at_bound(const sf_fit *fit, size_t i)
{
    return i < fit->map.p && fit->map.bound[i];
}

double sf_fit_basin(const sf_fit *fit, size_t k, double *params)
{
    if (k >= fit->n_basins) return NAN;
    if (params) memcpy(params, fit->basin_p[k], fit->law->n_params * sizeof *params);
    return fit->basin_f[k];
}

int sf_fit_grid(const sf_fit *fit) { return fit->strategy; }
size_t sf_fit_n_warnings(const sf_fit *fit) { return fit->n_warn; }

const char *sf_fit_warning(const sf_fit *fit, size_t k)
{
    return k < fit->n_warn ? fit->warn[k] : NULL;
}

int sf_fit_basin_count(const sf_fit *fit, size_t k)
{
    return k < fit->n_basins ? fit->basin_n[k] : 0;
}

/* The largest N, D and C of the rows fitted, for the distance of an
 * extrapolation (docs/uncertainty.md). */
void sf_fit_set_range(sf_fit *fit, const sf_data *d)
{
    for (size_t i = 0; i < d->n; i++) {
        double N = d->N ? d->N[i] : 0, D = d->D ? d->D[i] : 0;
        double C = d->C ? d->C[i] : 6 * N * D;
        if (N > fit->range[0]) fit->range[0] = N;
        if (D > fit->range[1]) fit->range[1] = D;
        if (C > fit->range[2]) fit->range[2] = C;
    }
}

void sf_fit_data_range(const sf_fit *fit, double out[3])
{
    for (int k = 0; k < 3; k++) out[k] = fit->range[k] > 0 ? fit->range[k] : NAN;
}

/*
 * Fitting internals: the objective on one data set, the map from the
 * optimiser's free coordinates to the law's parameters, the global search.
 */
#ifndef SF_FIT_IMPL_H
#define SF_FIT_IMPL_H

#include <stddef.h>

#include "law/law_impl.h"
#include "scalefit.h"

/* Which parameters the optimiser moves.  The optimiser sees a vector z of
 * nz free coordinates; parameter j is z[map[j]] when map[j] >= 0 and
 * held[j] (internal value) when map[j] < 0.  A tied parameter shares its
 * representative's coordinate. */
typedef struct sf_pmap {
    size_t p, nz;
    int map[SF_MAX_PARAMS];
    double held[SF_MAX_PARAMS];
    unsigned char fixed[SF_MAX_PARAMS];  /* held by the user */
    unsigned char bound[SF_MAX_PARAMS];  /* held at a bound by the active set */
    int rep[SF_MAX_PARAMS];              /* representative of a tie, else j */
} sf_pmap;

void sf_pmap_theta(const sf_pmap *m, const double *z, double *theta);
void sf_pmap_z(const sf_pmap *m, const double *theta, double *z);
/* Gradient in z from the gradient in theta (tied parameters add up). */
void sf_pmap_grad(const sf_pmap *m, const double *gtheta, double *gz);
/* Recount free coordinates after fixed/bound flags changed. */
void sf_pmap_rebuild(sf_pmap *m);

/* The objective on one data set: data prepared once, read by all threads. */
typedef struct sf_problem {
    const sf_law *law;
    sf_obs obs;
    double *store;          /* owns the arrays behind obs */
    size_t n;
    sf_loss loss;
    double delta;
    double scale;           /* optimiser sees scale * objective */
    double lo[SF_MAX_PARAMS], hi[SF_MAX_PARAMS]; /* internal bounds */
    sf_pmap base;           /* user fixes and ties */
    const sf_fit_options *opt;
    /* Large tables (issue 22, src/fit/large.c): sums over fixed chunks of
     * SF_ROW_CHUNK rows, chunks spread over row_threads threads. */
    int chunked;
    int row_threads;
} sf_problem;

/* Per-thread scratch space for evaluating the objective. */
typedef struct sf_work {
    double *logy;   /* n; chunked: row_threads * SF_ROW_CHUNK */
    double *jac;    /* n * p; chunked: row_threads * SF_ROW_CHUNK * p */
    double *part;   /* chunked: (p + 1) partial sums per chunk, else NULL */
} sf_work;

int sf_problem_init(sf_problem *pb, const sf_law *law, const sf_data *d,
                    const sf_fit_options *o, sf_error *err);
void sf_problem_free(sf_problem *pb);
int sf_work_init(sf_work *w, const sf_problem *pb);
void sf_work_free(sf_work *w);

/* The Huber function rho_delta(r) (r^2/2 within delta, delta (|r| -
 * delta/2) beyond; r^2/2 when !huber) and its derivative psi into *psi. */
static inline double sf_huber_rho(int huber, double r, double delta, double *psi)
{
    if (huber && (r > delta || r < -delta)) {
        *psi = r > 0 ? delta : -delta;
        return delta * ((r > 0 ? r : -r) - 0.5 * delta);
    }
    *psi = r;
    return 0.5 * r * r;
}

/* Objective sum_i w_i rho(log y_i - log L^_i) at internal theta; its
 * gradient in theta into g when g is not NULL. */
double sf_problem_value(const sf_problem *pb, sf_work *w, const double *theta, double *g);

/* Starting points for the multi-start driver, internal coordinates,
 * count * p doubles, malloc'd. */
typedef struct sf_starts {
    double *theta;
    size_t count;
    int strategy;   /* the sf_grid actually used */
} sf_starts;

int sf_search_starts(const sf_problem *pb, sf_grid how, int refine, int threads,
                     sf_starts *out, sf_error *err);
void sf_starts_free(sf_starts *s);

/* Record the largest N, D and C of d in fit->range (extrapolation
 * distances, docs/uncertainty.md). */
void sf_fit_set_range(sf_fit *fit, const sf_data *d);

/* sf_fit_run from given starting points (internal coordinates, count * p)
 * instead of the global search: the bootstrap's warm path. */
int sf_fit_run_from(const sf_law *law, const sf_data *d, const sf_fit_options *o,
                    const double *theta0, size_t count, sf_fit **out, sf_error *err);

#define SF_MAX_BASINS 16
#define SF_MAX_WARN 16
#define SF_WARN_LEN 320

/* What a fit holds.  sf_fit_run and sf_fit_from_params fill it, and
 * sf_fit_json_parse (src/io) rebuilds it from a file, all before handing
 * it out; after that every function takes `const sf_fit *` and nothing
 * writes into it (docs/architecture.md).  Draws, summaries and what a
 * writer reports live outside it (src/infer, sf_report_request). */

struct sf_fit {
    const sf_law *law;
    sf_law *owned_law;
    sf_fit_options opt;
    int has_data;
    double params[SF_MAX_PARAMS];
    double objective;
    size_t n_points;
    int starts, n_best, converged, stop, strategy;
    double gnorm;
    sf_pmap map;
    double r2;
    size_t n_basins;
    double basin_f[SF_MAX_BASINS];
    double basin_p[SF_MAX_BASINS][SF_MAX_PARAMS];
    int basin_n[SF_MAX_BASINS];
    /* Where the data came from. */
    char *source;
    size_t rows_read;
    char *column[SF_ROLE_COUNT];
    unsigned derived;
    char **filters;
    size_t n_filters;
    size_t n_warn;
    char warn[SF_MAX_WARN][SF_WARN_LEN];
    /* Largest N, D and C of the rows fitted; 0 when unknown. */
    double range[3];
    /* Diagnoses (issue 18; src/fit/diagnose.c). */
    size_t n_diag;
    struct sf_fit_diag {
        char code[24];
        char param[SF_NAME_MAX];
        char msg[SF_WARN_LEN];
    } diag[SF_MAX_WARN];
};

/* Append a warning (at most SF_MAX_WARN, each cut at SF_WARN_LEN), while
 * the fit is being made (src/fit only). */
void sf_fit_add_warning(sf_fit *fit, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- large tables (issue 22, src/fit/large.c) ---- */

/* Rows per chunk of a chunked sum: fixed, so the chunks' partial sums,
 * added in chunk order, do not depend on the number of threads. */
#define SF_ROW_CHUNK 4096
/* Rows per thread below which an evaluation stays on fewer threads. */
#define SF_ROWS_PER_THREAD 32768

/* The rows [lo, lo + m) of the observations o (every row array offset,
 * a formula law's extra columns included). */
sf_obs sf_obs_view(const sf_obs *o, size_t lo, size_t m);
/* Set pb->chunked and pb->row_threads from the table size and options. */
void sf_problem_set_chunking(sf_problem *pb, const sf_fit_options *o);
/* sf_work_init without chunking (n-row buffers), and the chunked one. */
int sf_work_init_full(sf_work *w, const sf_problem *pb);
int sf_work_init_chunked(sf_work *w, const sf_problem *pb);
/* sf_problem_value over chunks: per-chunk partial sums on up to
 * pb->row_threads threads (one when called inside a parallel region),
 * added in chunk order. */
double sf_problem_value_chunked(const sf_problem *pb, sf_work *w, const double *theta,
                                double *g);
/* R^2 of the loss (as r_squared in fit.c) with chunk-sized buffers. */
double sf_problem_r2_chunked(const sf_problem *pb, sf_work *w, const double *theta);

/* The large-table path applies: more than o->large_rows rows, and a
 * subsample of o->sample_rows is less than half the table. */
int sf_fit_is_large(const sf_data *d, const sf_fit_options *o);
/* The fit of a large table: search on a stratified subsample, refine the
 * best basins on the full table, check, fall back to the full search. */
int sf_fit_large(const sf_law *law, const sf_data *d, const sf_fit_options *o, sf_fit **out,
                 sf_error *err);
/* The user's fixes and ties as a parameter map (fit.c). */
int sf_fit_base_map(const sf_law *law, const sf_fit_options *o, sf_pmap *m, sf_error *err);
/* The full search on the whole table whatever its size (fit.c). */
int sf_fit_run_full(const sf_law *law, const sf_data *d, const sf_fit_options *o,
                    sf_fit **out, sf_error *err);
/* Row indices of a stratified subsample of m rows (sorted by stratum, then
 * D): strata are runs (group) or else values of N; malloc'd into *idx.
 * The offset is drawn from seed and moved by shift (of a step, mod 1). */
int sf_subsample_rows(const sf_data *d, size_t m, uint64_t seed, double shift, size_t **idx);

/* Append a diagnosis (code, parameter name or NULL, message); at most
 * SF_MAX_WARN, each cut to fit.  Returns SF_OK, or SF_EINVAL when full. */
int sf_fit_add_diagnosis(sf_fit *fit, const char *code, const char *param, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The diagnoses of a fit just made from pb at internal theta
 * (src/fit/diagnose.c). */
void sf_fit_diagnose(sf_fit *fit, const sf_problem *pb, const double *theta);

/* SF_EUNIDENTIFIABLE (with err filled) when every loss in d is the same:
 * no law with a free scale term can be estimated from such data. */
int sf_fit_check_variation(const sf_law *law, const sf_data *d, const sf_pmap *base,
                           sf_error *err);

#endif /* SF_FIT_IMPL_H */

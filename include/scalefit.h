/*
 * scalefit.h: the one public header of libscalefit.
 *
 * scalefit fits neural scaling laws (Chinchilla, Kaplan, power laws, ...) to
 * the results of training runs and answers allocation questions ("what N and
 * D for a compute budget C?").
 *
 * Conventions used throughout this header:
 *   - Every function that can fail returns an int status: SF_OK (0) on
 *     success, a negative SF_E* code on error.  When an `sf_error *err`
 *     argument is given (it may be NULL) it receives the details: file, line,
 *     column and a message.  The library never prints, exits or aborts.
 *   - Handles (`sf_table`, `sf_data`, `sf_law`, `sf_fit`) are allocated by
 *     the library and released with the matching `*_free`, which accepts NULL.
 *   - Option structs are plain structs; call the matching `*_init` first, it
 *     fills the documented defaults.
 *   - "natural" parameters are those a user reads and writes (A = 406.4);
 *     internally the optimiser may work on log A.  Every parameter vector in
 *     this API is natural unless its name says otherwise.
 *   - Pointers returned by accessors are borrowed: valid until the owning
 *     handle is freed, never to be freed by the caller.
 */
#ifndef SCALEFIT_H
#define SCALEFIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SF_VERSION "0.1.0"

/* Symbols of the shared library are hidden unless marked SF_API. */
#if defined(__GNUC__)
#define SF_API __attribute__((visibility("default")))
#else
#define SF_API
#endif

/* Upper limits of fixed-size arrays in the public structs. */
#define SF_MAX_PARAMS 16   /* parameters of one law */
#define SF_NAME_MAX 32     /* length of a parameter or law name, with NUL */
#define SF_MAX_FILTERS 32  /* --filter expressions per read */

/* ------------------------------------------------------------------------ */
/* Status codes and errors                                                  */
/* ------------------------------------------------------------------------ */

enum {
    SF_OK = 0,
    SF_EINVAL = -1,           /* invalid argument or option */
    SF_ENOMEM = -2,           /* out of memory */
    SF_EIO = -3,              /* cannot open, read or write a file */
    SF_EPARSE = -4,           /* malformed input text (CSV, JSON, number) */
    SF_ENONFINITE = -5,       /* NaN or infinity where a finite value is needed */
    SF_EUNIDENTIFIABLE = -6,  /* data cannot determine the parameters */
    SF_EDOMAIN = -7,          /* value outside its domain (N <= 0, L <= E) */
    SF_ENOCOLUMN = -8,        /* a needed column is missing or ambiguous */
    SF_ENODATA = -9,          /* too few rows */
    SF_ENOTSUP = -10,         /* operation not supported by this law */
    SF_ENOCONV = -11          /* every optimiser start failed */
};

/* Positive values: why the optimiser stopped (not errors). */
enum {
    SF_STOP_GRADIENT = 1,     /* gradient test met: converged */
    SF_STOP_NO_PROGRESS = 2,  /* line search could not decrease f further;
                                 converged when the gradient is also small */
    SF_STOP_MAX_ITER = 3      /* iteration limit reached: not converged */
};

/* A static English description of a status code (never NULL). */
SF_API const char *sf_strerror(int status);

/* Where and why something failed.  `file` is empty when no file is involved;
 * `line` and `column` are 1-based and 0 when unknown.  For CSV input the
 * column is the field number (1 = first field), not a character offset. */
typedef struct sf_error {
    int status;
    char file[1024];
    long line;
    long column;
    char message[768];
} sf_error;

/* Reset *err to "no error".  NULL is allowed. */
SF_API void sf_error_clear(sf_error *err);

/* Format as "FILE:LINE:COL: message", "FILE: message" or "message" into buf
 * (always NUL-terminated when size > 0).  Returns buf. */
SF_API char *sf_error_format(const sf_error *err, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Tables: CSV files as text cells                                          */
/* ------------------------------------------------------------------------ */

/* A CSV file read into memory: a header row and data rows of text cells.
 * RFC 4180 quoting, CRLF or LF line ends, an optional UTF-8 byte order mark.
 * Every data row must have as many fields as the header (else SF_EPARSE with
 * the line and the field number), non-empty header names must be unique. */
typedef struct sf_table sf_table;

/* Read `path` ("-" reads standard input).  On success *out owns the table. */
SF_API int sf_table_read(const char *path, sf_table **out, sf_error *err);

/* Parse `len` bytes of CSV text; `name` is used in error messages. */
SF_API int sf_table_read_buffer(const char *text, size_t len, const char *name,
                         sf_table **out, sf_error *err);

SF_API void sf_table_free(sf_table *t);
SF_API size_t sf_table_rows(const sf_table *t);
SF_API size_t sf_table_cols(const sf_table *t);
SF_API const char *sf_table_name(const sf_table *t);             /* file name */
SF_API const char *sf_table_header(const sf_table *t, size_t col);
SF_API const char *sf_table_cell(const sf_table *t, size_t row, size_t col);
SF_API long sf_table_line(const sf_table *t, size_t row);        /* 1-based line */
/* Index of the column named `name` (exact match), or -1. */
SF_API long sf_table_find(const sf_table *t, const char *name);

/* ------------------------------------------------------------------------ */
/* Run data: the rows a law is fitted to                                    */
/* ------------------------------------------------------------------------ */

/* Column roles. */
typedef enum sf_role {
    SF_ROLE_N = 0,      /* parameters */
    SF_ROLE_D,          /* training tokens */
    SF_ROLE_C,          /* training FLOPs */
    SF_ROLE_LOSS,       /* loss (nats/token) */
    SF_ROLE_U,          /* unique tokens */
    SF_ROLE_GROUP,      /* run id: checkpoints of one run share it */
    SF_ROLE_WEIGHT,     /* observation weight */
    SF_ROLE_COUNT
} sf_role;

#define SF_ROLE_BIT(r) (1u << (unsigned)(r))

/* "N", "D", "C", "loss", "U", "group", "weight"; NULL when out of range. */
SF_API const char *sf_role_name(sf_role role);
/* Parse a role name (case-insensitive; "L" is accepted for loss).
 * Returns SF_OK or SF_EINVAL. */
SF_API int sf_role_parse(const char *name, sf_role *role);

/* A run table with one value per row and role.  Plain struct, read-only for
 * callers; every array has n entries and is NULL when the role is absent.
 * Free with sf_data_free. */
typedef struct sf_data {
    size_t n;
    double *N, *D, *C, *loss, *U, *weight;
    int *group;            /* index into group_names, NULL when absent */
    char **group_names;    /* n_groups names */
    size_t n_groups;
    long *line;            /* source line of each row; 0 for made-up rows */
    char *source;          /* file name, or NULL */
    unsigned roles;        /* SF_ROLE_BIT of each present role */
    unsigned derived;      /* SF_ROLE_BIT of roles computed, not read:
                              D = C/(6N) or C = 6ND */
    char *column[SF_ROLE_COUNT]; /* header name read for each role, or NULL */
    size_t rows_read;      /* data rows in the file before filters */
    char **filters;        /* the filters applied, as given */
    size_t n_filters;
} sf_data;

typedef struct sf_data_options {
    /* Header name to read for a role; NULL picks one from the aliases
     * (N: "N", "params", "Model Size", ...; see docs/data.md). */
    const char *column[SF_ROLE_COUNT];
    /* Row filters, ANDed: "loss<4.5", "D>=1e10", "N!=7e7", "family==gpt3".
     * The left side is a role name or a header name; operators are
     * < <= > >= == = !=; a right side that is not a number compares text
     * (== and != only). */
    const char *filters[SF_MAX_FILTERS];
    size_t n_filters;
    /* Roles that must be present (after deriving D or C), SF_ROLE_BIT mask.
     * loss is always required. */
    unsigned required;
    /* Drop rows whose cell for a used role is empty instead of failing. */
    int drop_missing;
} sf_data_options;

SF_API void sf_data_options_init(sf_data_options *o);

/* Map a table's columns to roles, apply filters, parse and check numbers:
 * N, D, C, U and loss must be finite and > 0, weights finite and >= 0.
 * D = C/(6N) when D is absent and C present; C = 6ND when C is absent.
 * Errors name the file, line and field. */
SF_API int sf_data_from_table(const sf_table *t, const sf_data_options *o,
                       sf_data **out, sf_error *err);

/* Convenience: sf_table_read + sf_data_from_table. */
SF_API int sf_data_read(const char *path, const sf_data_options *o, sf_data **out,
                 sf_error *err);

/* An empty data set of n rows with the given roles allocated (values 0),
 * for callers that build data in memory.  `group` is not allocated. */
SF_API int sf_data_new(size_t n, unsigned roles, sf_data **out);

/* Copy the rows idx[0..m-1] (repeats allowed) into a new data set. */
SF_API int sf_data_subset(const sf_data *d, const size_t *idx, size_t m,
                   sf_data **out);

SF_API void sf_data_free(sf_data *d);

/* ------------------------------------------------------------------------ */
/* Laws                                                                     */
/* ------------------------------------------------------------------------ */

/* A scaling law with its configuration (which variable, how many breaks).
 * Immutable once created and safe to share between threads. */
typedef struct sf_law sf_law;

typedef struct sf_law_options {
    sf_role x;      /* the variable of one-variable laws (power, bnsl);
                       default SF_ROLE_N */
    int breaks;     /* breaks of a broken power law; default 1 */
} sf_law_options;

SF_API void sf_law_options_init(sf_law_options *o);

/* Number of laws in the catalogue and their names ("chinchilla", ...). */
SF_API size_t sf_law_count(void);
SF_API const char *sf_law_name_at(size_t i);
/* One-line formula of a law in the catalogue, or NULL for an unknown name. */
SF_API const char *sf_law_formula(const char *name);

/* Create the law `name` (NULL options = defaults). */
SF_API int sf_law_new(const char *name, const sf_law_options *o, sf_law **out,
               sf_error *err);
SF_API void sf_law_free(sf_law *law);

SF_API const char *sf_law_name(const sf_law *law);
SF_API const sf_law_options *sf_law_get_options(const sf_law *law);
SF_API size_t sf_law_n_params(const sf_law *law);
SF_API const char *sf_law_param_name(const sf_law *law, size_t i);
/* Index of a parameter by name, or -1. */
SF_API int sf_law_param_index(const sf_law *law, const char *name);
/* Roles the law reads (SF_ROLE_BIT mask, loss included). */
SF_API unsigned sf_law_roles(const sf_law *law);
/* Natural bounds of parameter i (may be -INFINITY / INFINITY). */
SF_API void sf_law_bounds(const sf_law *law, size_t i, double *lo, double *hi);

/* One point at which to evaluate a law.  Unused coordinates are ignored;
 * C = 6ND is filled in by sf_law_predict when it is 0. */
typedef struct sf_point {
    double N, D, C, U;
} sf_point;

/* Predicted loss at one point.  Returns SF_EDOMAIN when a coordinate the law
 * reads is not finite and > 0. */
SF_API int sf_law_predict(const sf_law *law, const double *params,
                   const sf_point *x, double *loss);

/* Derived quantities of a law (chinchilla: a, b, G).  Returns how many exist
 * (0 for none); fills names[i] (static strings) and values[i] for
 * i < min(count, max).  Values may be NaN where undefined. */
SF_API size_t sf_law_derived(const sf_law *law, const double *params,
                      const char **names, double *values, size_t max);

/* ------------------------------------------------------------------------ */
/* Fitting                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum sf_loss {
    SF_LOSS_HUBER = 0,  /* Huber(delta) on log residuals, summed */
    SF_LOSS_LS          /* squared log residuals / 2, summed */
} sf_loss;

typedef enum sf_grid {
    SF_GRID_AUTO = 0,   /* law's default: variable projection where the law
                           has linear coefficients, else screening */
    SF_GRID_FULL,       /* L-BFGS from every point of the law's start grid */
    SF_GRID_SCREEN,     /* evaluate the start grid, refine its best basins */
    SF_GRID_VP          /* variable projection over the exponents */
} sf_grid;

typedef struct sf_fit_options {
    sf_loss loss;           /* default SF_LOSS_HUBER */
    double delta;           /* Huber threshold; default 1e-3 */
    int threads;            /* 0 = all cores (default) */
    uint64_t seed;          /* recorded in outputs; default 0 */
    sf_grid grid;           /* default SF_GRID_AUTO */
    int refine;             /* starts refined by SCREEN/VP; default 8 */
    double gtol;            /* convergence: |grad|_inf <= gtol*max(1,|f|) on
                               the scaled objective; default 1e-10 */
    int max_iter;           /* L-BFGS iterations per start; default 5000 */
    /* Held parameters, natural scale (A=406.4). */
    size_t n_fix;
    char fix_name[SF_MAX_PARAMS][SF_NAME_MAX];
    double fix_value[SF_MAX_PARAMS];
    /* Ties: parameter tie_b[k] is held equal to tie_a[k]. */
    size_t n_tie;
    char tie_a[SF_MAX_PARAMS][SF_NAME_MAX];
    char tie_b[SF_MAX_PARAMS][SF_NAME_MAX];
} sf_fit_options;

SF_API void sf_fit_options_init(sf_fit_options *o);
/* Append a fixed parameter or a tie; SF_EINVAL when full or name too long. */
SF_API int sf_fit_options_fix(sf_fit_options *o, const char *name, double value);
SF_API int sf_fit_options_tie(sf_fit_options *o, const char *a, const char *b);

/* A fitted law: parameters, objective, search diagnostics.  Produced by
 * sf_fit_run, or read back from a fit file by sf_fit_json_read. */
typedef struct sf_fit sf_fit;

/* Fit `law` to `data`.  The fit borrows `law` (keep it alive while the fit
 * is used) and copies what it needs from `data` and `o` (NULL = defaults).
 * Fails with SF_ENODATA when the data have no more rows than free
 * parameters, SF_ENOCOLUMN when a role the law reads is absent,
 * SF_EUNIDENTIFIABLE when a variable the law needs takes a single value,
 * SF_ENOCONV when no start produced a finite objective. */
SF_API int sf_fit_run(const sf_law *law, const sf_data *data, const sf_fit_options *o,
               sf_fit **out, sf_error *err);

/* A fit with given parameters and no data (for predict/optimal), e.g. to
 * use published values.  `params` has sf_law_n_params(law) entries. */
SF_API int sf_fit_from_params(const sf_law *law, const double *params, sf_fit **out);

SF_API void sf_fit_free(sf_fit *fit);

SF_API const sf_law *sf_fit_law(const sf_fit *fit);
SF_API const sf_fit_options *sf_fit_get_options(const sf_fit *fit);
SF_API const double *sf_fit_params(const sf_fit *fit);       /* natural */
SF_API double sf_fit_objective(const sf_fit *fit);           /* NaN if no data */
SF_API size_t sf_fit_n_points(const sf_fit *fit);
SF_API int sf_fit_starts(const sf_fit *fit);      /* L-BFGS runs performed */
SF_API int sf_fit_n_best(const sf_fit *fit);      /* runs that reached the best */
SF_API int sf_fit_converged(const sf_fit *fit);   /* best run met the gradient test */
SF_API int sf_fit_stop(const sf_fit *fit);        /* SF_STOP_* of the best run */
SF_API double sf_fit_grad_norm(const sf_fit *fit); /* |grad|_inf at the optimum */
SF_API int sf_fit_is_fixed(const sf_fit *fit, size_t i);
SF_API int sf_fit_tied_to(const sf_fit *fit, size_t i); /* index, or -1 */
/* 1 when parameter i ended on a bound of its range (and is held there). */
SF_API int sf_fit_at_bound(const sf_fit *fit, size_t i);
/* Coefficient of determination of the loss on the fitted rows:
 * 1 - sum (L - L^)^2 / sum (L - mean L)^2 (weights ignored). */
SF_API double sf_fit_r2(const sf_fit *fit);

/* Distinct local optima found by the search, best first (basin 0 is the
 * reported fit).  Basins differ when a parameter differs by more than 1e-3
 * (relative, on the optimiser's scale). */
SF_API size_t sf_fit_n_basins(const sf_fit *fit);
/* Objective of basin k, and its parameters into params (may be NULL). */
SF_API double sf_fit_basin(const sf_fit *fit, size_t k, double *params);
/* Runs that ended in basin k. */
SF_API int sf_fit_basin_count(const sf_fit *fit, size_t k);

/* The search strategy actually used (an sf_grid value; AUTO resolves to VP
 * or SCREEN). */
SF_API int sf_fit_grid(const sf_fit *fit);

/* Warnings about the fit, in English, one sentence each: a parameter on a
 * bound, a start count of one, a near-tied second optimum, no convergence. */
SF_API size_t sf_fit_n_warnings(const sf_fit *fit);
SF_API const char *sf_fit_warning(const sf_fit *fit, size_t k);

/* Objective of `law` with natural `params` on `data` under `o` (NULL =
 * defaults), the quantity sf_fit_run minimises.  NaN on bad input. */
SF_API double sf_objective(const sf_law *law, const double *params,
                    const sf_data *data, const sf_fit_options *o);

/* ------------------------------------------------------------------------ */
/* Compute-optimal allocation                                               */
/* ------------------------------------------------------------------------ */

typedef struct sf_alloc_row {
    double compute;          /* C, FLOPs (C = 6ND) */
    double params;           /* N */
    double tokens;           /* D */
    double tokens_per_param; /* D/N */
    double loss;             /* predicted loss at (N, D) */
} sf_alloc_row;

/* Loss-minimising (N, D) with 6ND = C.  Closed form for chinchilla
 * (N = G (C/6)^a, D = (C/6)^b / G, Hoffmann et al. 2022 eq. 4), a bracketed
 * 1-D minimisation over log N for other laws that read N and D. */
SF_API int sf_alloc_optimal(const sf_law *law, const double *params, double C,
                     sf_alloc_row *row, sf_error *err);

/* Smallest compute whose optimal allocation reaches loss L.  SF_EDOMAIN
 * when L is at or below the law's irreducible loss. */
SF_API int sf_alloc_target_loss(const sf_law *law, const double *params, double L,
                         sf_alloc_row *row, sf_error *err);

/* ------------------------------------------------------------------------ */
/* Simulation                                                               */
/* ------------------------------------------------------------------------ */

/* Synthetic runs drawn from a law: row i has N[i], D[i] (C = 6ND) and
 * loss L(N_i, D_i) * exp(noise * z_i), z_i standard normal, so `noise` is
 * the standard deviation of the log residual.  U may be NULL (laws without
 * unique tokens).  Row i's draws depend only on (seed, i).  *out is a new
 * data set with roles N, D, C, loss (and U). */
SF_API int sf_simulate(const sf_law *law, const double *params, const double *N,
                       const double *D, const double *U, size_t n, double noise,
                       uint64_t seed, sf_data **out, sf_error *err);

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */
/* ------------------------------------------------------------------------ */

/* The fit as one JSON object (docs/json.md), malloc'd, NUL-terminated,
 * ending in a newline; the caller frees it.  NULL on out-of-memory. */
SF_API char *sf_fit_json(const sf_fit *fit);

/* Read a fit file written from sf_fit_json.  *out owns a new law and the
 * fit (sf_fit_free releases both). */
SF_API int sf_fit_json_read(const char *path, sf_fit **out, sf_error *err);
SF_API int sf_fit_json_parse(const char *text, const char *name, sf_fit **out,
                      sf_error *err);

/* Predictions as JSON: {"law", "rows": [{"N", "D", "C", "U"?, "loss"}]};
 * U appears when with_u.  Caller frees. */
SF_API char *sf_predict_json(const sf_law *law, const sf_point *x, const double *loss, size_t n,
                             int with_u);

/* The data as CSV text (header N,D,C,loss[,U][,group][,weight]; numbers
 * with 17 significant digits).  Caller frees; NULL on out-of-memory. */
SF_API char *sf_data_csv(const sf_data *d);

/* Allocation rows as JSON: {"law", "rows": [...]}. Caller frees. */
SF_API char *sf_alloc_json(const sf_law *law, const sf_alloc_row *rows, size_t n);

/* ------------------------------------------------------------------------ */
/* Uncertainty: bootstrap, Bayesian posterior, intervals (issue 5)          */
/* ------------------------------------------------------------------------ */

/* A fit may carry draws of its parameters: bootstrap refits or posterior
 * samples.  Every interval scalefit reports (parameters, derived
 * quantities, allocations, predictions) is a percentile interval over the
 * draws, so a fit file that keeps them (sf_fit_json) gives the same
 * intervals when read back.  docs/uncertainty.md has the methods. */

#define SF_MAX_LEVELS 8   /* interval levels per request */

/* Progress of long work: `done` of `total` units (resamples, sampler
 * steps).  Called from one thread at a time, while the work runs; it must
 * not call into the library on the same fit.  May be NULL. */
typedef void (*sf_progress_fn)(void *ctx, size_t done, size_t total);

typedef enum sf_resample {
    SF_RESAMPLE_ROWS = 0,   /* n rows drawn with replacement */
    SF_RESAMPLE_GROUP       /* whole groups (run ids) drawn with replacement:
                               checkpoints of one run move together */
} sf_resample;

typedef enum sf_draws_kind {
    SF_DRAWS_NONE = 0,
    SF_DRAWS_BOOTSTRAP,     /* sf_fit_bootstrap */
    SF_DRAWS_POSTERIOR      /* sf_bayes_run */
} sf_draws_kind;

typedef struct sf_bootstrap_options {
    size_t resamples;          /* K; default 1000 */
    sf_resample resample;      /* default SF_RESAMPLE_ROWS */
    /* 0 (default): every resample gets the fit's own global search.
     * 1: L-BFGS only from the fit's optima ("warm"): faster, and the same
     * answers wherever the resample's optimum is in the same basin
     * (docs/uncertainty.md gives the measured agreement). */
    int warm;
    /* Interval levels kept with the draws (defaults for later summaries);
     * default 0.8 and 0.95.  Each in (0, 1). */
    size_t n_levels;
    double levels[SF_MAX_LEVELS];
    sf_progress_fn progress;   /* NULL for none */
    void *progress_ctx;
} sf_bootstrap_options;

SF_API void sf_bootstrap_options_init(sf_bootstrap_options *o);

/* Refit `fit` (made by sf_fit_run on `data`) to K resamples of `data` and
 * keep the parameter draws in the fit.  The refits use the fit's options
 * (law, loss, --fix/--tie, search), one thread each, in parallel over
 * resamples (sf_fit_options.threads); resample k draws its rows from the
 * random stream (seed, k) alone, so the draws are identical for any thread
 * count.  A resample that cannot be fitted (too few distinct rows, a role
 * with one value) is counted and left out, with a warning on the fit;
 * SF_ENOCONV when none can.  SF_ENOCOLUMN for SF_RESAMPLE_GROUP without a
 * group column, SF_EINVAL for a fit without data or `data` with another
 * row count.  Replaces draws the fit already had. */
SF_API int sf_fit_bootstrap(sf_fit *fit, const sf_data *data, const sf_bootstrap_options *o,
                            sf_error *err);

/* Resample k of `d` as sf_fit_bootstrap draws it, rows repeated as drawn
 * (for checking a draw by hand).  *out is a new data set. */
SF_API int sf_bootstrap_resample(const sf_data *d, sf_resample how, uint64_t seed, size_t k,
                                 sf_data **out, sf_error *err);

/* Priors for sf_bayes_run, on a parameter's natural scale:
 *   uniform(lo, hi)      flat on [lo, hi]
 *   normal(mu, s)        Gaussian
 *   lognormal(mu, s)     log x ~ normal(mu, s) (x > 0)
 *   loguniform(lo, hi)   flat in log x on [lo, hi] (0 < lo < hi)
 * The name "sigma" is the scale of the likelihood.  SF_PRIOR_DEFAULT is the
 * weak default of docs/uncertainty.md. */
typedef enum sf_prior_kind {
    SF_PRIOR_DEFAULT = 0,
    SF_PRIOR_UNIFORM,
    SF_PRIOR_NORMAL,
    SF_PRIOR_LOGNORMAL,
    SF_PRIOR_LOGUNIFORM     /* flat in log x on [lo, hi] */
} sf_prior_kind;

typedef struct sf_prior {
    char name[SF_NAME_MAX];
    sf_prior_kind kind;
    double a, b;            /* (lo, hi) or (mu, s) */
} sf_prior;

/* Parse "NAME=uniform(LO,HI)", "NAME=normal(MU,S)", "NAME=lognormal(MU,S)"
 * or "NAME=loguniform(LO,HI)" (blanks allowed, numbers locale-free).
 * SF_EPARSE with a message naming what is wrong. */
SF_API int sf_prior_parse(const char *text, sf_prior *out, sf_error *err);
/* "normal(0.34, 0.1)" etc. into buf; returns buf. */
SF_API char *sf_prior_format(const sf_prior *p, char *buf, size_t size);

typedef struct sf_bayes_options {
    size_t walkers;         /* ensemble size; 0 (default) = max(32, 4 dims),
                               rounded up to even */
    size_t burn;            /* steps per walker discarded; default 1000 */
    size_t steps;           /* steps per walker kept; default 6000 */
    size_t thin;            /* keep every thin-th kept step as a draw;
                               0 (default) = as few as give <= 8000 draws */
    size_t n_priors;
    sf_prior prior[SF_MAX_PARAMS + 1];
    size_t n_levels;        /* interval levels; default 0.8 and 0.95 */
    double levels[SF_MAX_LEVELS];
    sf_progress_fn progress;
    void *progress_ctx;
} sf_bayes_options;

SF_API void sf_bayes_options_init(sf_bayes_options *o);

/* Posterior over the law's free parameters and the scale sigma of
 * Besiroglu et al.'s likelihood: log residuals r_i are i.i.d. with the
 * normalised Huber density p(r) = exp(-rho_delta(r/sigma)) / (sigma Z),
 * Z = sqrt(2 pi) (1 - 2 Phi(-delta)) + 2 exp(-delta^2/2) / delta
 * (a Gaussian density for SF_LOSS_LS), delta from fo.  Sampled with the
 * affine-invariant ensemble sampler of Goodman and Weare (2010), walkers
 * started around the maximum-likelihood point, in parallel over walkers
 * with per-(step, walker) random streams (identical for any thread count).
 * *out is sf_fit_run's fit with the posterior draws attached, and the
 * maximum-likelihood point, R-hat and ESS available below; warnings on the
 * fit when R-hat >= 1.01 or ESS < 400.  Errors as sf_fit_run, SF_EINVAL
 * for a prior on an unknown, fixed or tied parameter or an empty support. */
SF_API int sf_bayes_run(const sf_law *law, const sf_data *data, const sf_fit_options *fo,
                        const sf_bayes_options *bo, sf_fit **out, sf_error *err);

/* The draws a fit carries (none for a plain fit). */
SF_API int sf_fit_draws_kind(const sf_fit *fit);            /* sf_draws_kind */
SF_API size_t sf_fit_n_draws(const sf_fit *fit);
/* Draw k's natural parameters (sf_law_n_params values; borrowed), or NULL
 * past the end. */
SF_API const double *sf_fit_draw(const sf_fit *fit, size_t k);
/* Bootstrap: resamples asked for, and those left out because their refit
 * failed (the rest are the draws). */
SF_API size_t sf_fit_resamples(const sf_fit *fit);
SF_API size_t sf_fit_resamples_failed(const sf_fit *fit);
/* The interval levels kept with the draws (count; levels into v). */
SF_API size_t sf_fit_levels(const sf_fit *fit, double *v, size_t max);

/* Posterior diagnostics for parameter j (j == n_params: sigma): split
 * R-hat (Gelman et al., BDA3 11.4) and the effective sample size from the
 * integrated autocorrelation time (Sokal's window, as emcee); NaN for held
 * parameters or fits without a posterior. */
SF_API double sf_fit_rhat(const sf_fit *fit, size_t j);
SF_API double sf_fit_ess(const sf_fit *fit, size_t j);
/* How a posterior was sampled: walkers, steps discarded and kept, the
 * thinning, the acceptance rate, and the prior of each sampled parameter
 * (defaults resolved; "sigma" last). */
typedef struct sf_sampler_info {
    size_t walkers, burn, steps, thin;
    double acceptance;
    size_t n_priors;
    sf_prior prior[SF_MAX_PARAMS + 1];
} sf_sampler_info;
/* SF_OK, or SF_EINVAL when the fit has no posterior. */
SF_API int sf_fit_sampler(const sf_fit *fit, sf_sampler_info *out);
/* The likelihood's maximum (natural params into `params`, may be NULL) and
 * its sigma; NaN when the fit has no posterior. */
SF_API double sf_fit_ml(const sf_fit *fit, double *params);

/* One quantity over the draws. */
typedef struct sf_summary {
    double value;           /* at the fit's parameters (the point estimate) */
    double mean, sd;        /* over the draws; sd is the bootstrap SE or the
                               posterior standard deviation */
    double median;
    size_t n;               /* draws giving a finite value (the others are
                               left out: an allocation undefined at a draw) */
    size_t n_levels;
    double level[SF_MAX_LEVELS];
    double lo[SF_MAX_LEVELS], hi[SF_MAX_LEVELS];  /* percentile intervals:
                               quantiles (1-level)/2 and (1+level)/2, linear
                               interpolation between order statistics */
} sf_summary;

/* Summaries of every parameter, then every derived quantity (sf_law_derived),
 * then "sigma" for a posterior: names[i] (static or borrowed strings) and
 * out[i] for i < max.  levels = NULL (n_levels 0) uses the fit's levels.
 * Returns the count; 0 when the fit has no draws. */
SF_API size_t sf_fit_summarize(const sf_fit *fit, const double *levels, size_t n_levels,
                               const char **names, sf_summary *out, size_t max);

/* The compute-optimal allocation at budget C (as sf_alloc_optimal) at the
 * fit's parameters into *row, and summaries over the draws of its five
 * fields in sf_alloc_row order: out[0] compute, [1] params, [2] tokens,
 * [3] tokens_per_param, [4] loss.  Without draws only *row is filled and
 * out[k].n is 0. */
SF_API int sf_fit_alloc_summary(const sf_fit *fit, double C, const double *levels,
                                size_t n_levels, sf_alloc_row *row, sf_summary out[5],
                                sf_error *err);
/* The same for the smallest budget reaching loss L (sf_alloc_target_loss). */
SF_API int sf_fit_target_summary(const sf_fit *fit, double L, const double *levels,
                                 size_t n_levels, sf_alloc_row *row, sf_summary out[5],
                                 sf_error *err);
/* Predicted loss at x: *loss summarises the law's prediction over the draws
 * (parameter uncertainty); *pred, when not NULL, also adds each draw's
 * residual noise (bootstrap: a residual of that resample's refit; posterior:
 * a draw from the likelihood at that sample's sigma), a prediction interval
 * for a new run.  SF_EINVAL for *pred without draws. */
SF_API int sf_fit_predict_summary(const sf_fit *fit, const sf_point *x, const double *levels,
                                  size_t n_levels, sf_summary *loss, sf_summary *pred,
                                  sf_error *err);

/* Summary of n values (NaN and infinities left out) at the given levels;
 * `value` is set to NaN.  The building block of the functions above. */
SF_API void sf_summarize(const double *x, size_t n, const double *levels, size_t n_levels,
                         sf_summary *out);

/* 1 when the summarised quantity does not vary over the draws beyond
 * rounding (its widest interval spans at most 1e-12 of its median): the
 * budget of an allocation, the loss of a target.  Reports leave it out. */
SF_API int sf_summary_constant(const sf_summary *s);

/* Budgets and points at which sf_fit_json also reports the allocation and
 * the predicted loss ("allocations", "predictions"), with intervals when
 * the fit has draws.  Copied; replaces earlier ones. */
SF_API int sf_fit_set_report(sf_fit *fit, const double *compute, size_t n_compute,
                             const sf_point *at, size_t n_at);

/* The fit's draws as CSV, one row per draw, numbers with 17 significant
 * digits.  Bootstrap: draw,PARAMS...,noise; posterior:
 * walker,step,PARAMS...,sigma,noise (step counted from the first step
 * after burn-in).  "noise" is the log-residual draw used for prediction
 * intervals.  NULL without draws or on out-of-memory; caller frees. */
SF_API char *sf_draws_csv(const sf_fit *fit);

/* JSON of allocation rows with their summaries (sf_fit_alloc_summary):
 * {"law", "rows": [{"compute", "params", "tokens", "tokens_per_param",
 * "loss", "se": {...}, "ci": {...}, "intervals": {...}}]}; rows whose
 * summaries have n = 0 get no "se"/"ci".  Caller frees. */
SF_API char *sf_alloc_summary_json(const sf_law *law, const sf_alloc_row *rows,
                                   const sf_summary (*s)[5], size_t n);
/* Predictions with summaries: rows as sf_predict_json plus "se", "ci",
 * "intervals" of the loss and, when pred is not NULL,
 * "prediction_intervals".  Caller frees. */
SF_API char *sf_predict_summary_json(const sf_law *law, const sf_point *x, const sf_summary *loss,
                                     const sf_summary *pred, size_t n, int with_u);

/* ------------------------------------------------------------------------ */
/* Utilities                                                                */
/* ------------------------------------------------------------------------ */

/* Parse a whole string as a finite or non-finite double, independent of the
 * locale; leading and trailing blanks are allowed.  SF_EPARSE when it is not
 * a number, SF_ENONFINITE when it is NaN or infinite (*out still set). */
SF_API int sf_parse_double(const char *s, double *out);

/* Cores the library uses when threads = 0. */
SF_API int sf_default_threads(void);

#ifdef __cplusplus
}
#endif

#endif /* SCALEFIT_H */

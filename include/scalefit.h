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
 *   - Handles (`sf_table`, `sf_data`, `sf_law`, `sf_fit`, `sf_draws`, ...)
 *     are allocated by the library and released with the matching
 *     `*_free`, which accepts NULL.
 *   - Data flow one way: a fit is read-only once sf_fit_run (or
 *     sf_fit_from_params, sf_fit_json_read) returns it.  Every later
 *     function takes `const sf_fit *` (only sf_fit_free does not), so the
 *     compiler refuses a write through this API, and one fit may be used
 *     from several threads at once.  tests/test_dataflow.c keeps it so: no
 *     public function but sf_fit_free, and no library function outside
 *     src/fit, takes a writable `sf_fit *`; and draws made from one fit
 *     in two threads at once leave its bytes unchanged.  Uncertainty is a
 *     separate handle, `sf_draws`, that refers to its fit; what a writer
 *     reports besides the fit is a request passed to it
 *     (sf_report_request).
 *   - Writers that make text (JSON, CSV) return a status and the text in
 *     `char **out` (malloc'd, NUL-terminated; the caller frees it; NULL on
 *     failure), with the details in `sf_error *err` (may be NULL).
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

#include <signal.h>
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
#define SF_MAX_EXTRA 8     /* extra data columns a formula law reads */

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Every function that can fail returns a status and, given an sf_error,
 * says where and why: file, line, column and one sentence.  The library
 * never prints, exits or reads the environment.  This section and the
 * utilities below depend on no other section.
 */

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
    SF_ENOCONV = -11,         /* every optimiser start failed */
    SF_ECANCELED = -12        /* stopped by the caller (sf_fit_options.cancel) */
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

/* ---- Utilities ---- */

/* Parse a whole string as a finite or non-finite double, independent of the
 * locale; leading and trailing blanks are allowed.  SF_EPARSE when it is not
 * a number, SF_ENONFINITE when it is NaN or infinite (*out still set). */
SF_API int sf_parse_double(const char *s, double *out);

/* Cores the library uses when threads = 0. */
SF_API int sf_default_threads(void);

/* ------------------------------------------------------------------------ */
/* Data: tables and run data                                                */
/* ------------------------------------------------------------------------ */

/*
 * A CSV file becomes an sf_table of text cells, then an sf_data: one
 * value per row and role (N, D, C, loss, U, group, weight).  Every
 * number is checked, filters are applied, and D or C is derived when
 * only the other is given.  sf_data is a plain read-only struct, so
 * callers can also build one in memory or take a subset; every layer
 * below reads runs through it.
 */

/* Tables: CSV files as text cells. */

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

/* Run data: the rows a law is fitted to. */

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
    /* Extra columns read for formula laws: n_extra columns,
     * extra[k] has n finite values, extra_name[k] its header. */
    size_t n_extra;
    char **extra_name;
    double **extra;
} sf_data;

typedef struct sf_data_options {
    /* Header name to read for a role; NULL picks one from the aliases
     * (N: "N", "params", "Model Size", ...; see docs/data.md).  A name
     * that is no header but log(H), exp(H) or exp10(H) reads header H
     * through that function (loss from perplexity: "log(ppl)"). */
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
    /* Roles (SF_ROLE_BIT mask) whose rows are skipped, not refused, when
     * the value is exactly 0: learning curves often log step 0 with D = 0,
     * a row no law can use.  Default 0 (a zero is an error). */
    unsigned skip_zero;
    /* Extra columns to read as numbers (formula laws); each must
     * exist and hold finite numbers. */
    const char *extra[SF_MAX_EXTRA];
    size_t n_extra;
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

/*
 * A law is a formula with named parameters on natural scales, their
 * bounds and the roles it reads: one of the catalogue's (chinchilla,
 * kaplan, power, datablations, bnsl) or a formula the user writes.
 * sf_law handles are immutable and may be shared between threads.
 * sf_law_predict evaluates a law at a point and sf_law_derived gives
 * derived quantities (a, b, G for Chinchilla).
 */

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
    /* Values of the extra columns a formula law reads, in the
     * order of sf_law_extra_name; ignored by the built-in laws. */
    double extra[SF_MAX_EXTRA];
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

/* ---- Laws written as formulas ---- */

/* A law typed as a formula, e.g. "E + A/N^alpha + B/D^beta" (grammar in
 * docs/laws.md).  Identifiers N, D, C, U are the data roles; an identifier
 * that names one of `columns` (or is declared in `variables`) is an extra
 * data column; every other identifier is a parameter. */
typedef struct sf_formula_options {
    const char *const *columns;  /* header names of the data, or NULL */
    size_t n_columns;
    const char *variables[SF_MAX_EXTRA]; /* identifiers that must be columns */
    size_t n_variables;
    /* Bounds given by the user (natural scale; -INFINITY/INFINITY open). */
    size_t n_bounds;
    char bound_name[SF_MAX_PARAMS][SF_NAME_MAX];
    double bound_lo[SF_MAX_PARAMS], bound_hi[SF_MAX_PARAMS];
    /* Start grid given by the user: grid_n values from grid_lo to grid_hi
     * (natural; spaced by logarithm for positive scale parameters). */
    size_t n_grids;
    char grid_name[SF_MAX_PARAMS][SF_NAME_MAX];
    double grid_lo[SF_MAX_PARAMS], grid_hi[SF_MAX_PARAMS];
    int grid_n[SF_MAX_PARAMS];
    const char *name;   /* law name (law files); NULL: "formula" */
    const char *notes;  /* free text carried into fit files; may be NULL */
} sf_formula_options;

SF_API void sf_formula_options_init(sf_formula_options *o);
/* Append a bound (SF_EINVAL when full, lo >= hi or the name is too long). */
SF_API int sf_formula_options_bound(sf_formula_options *o, const char *name, double lo,
                                    double hi);

/* Parse, check and compile `formula` into a law that behaves like a
 * built-in one.  Errors name the column in the formula (err->column, file
 * "formula"). */
SF_API int sf_law_parse(const char *formula, const sf_formula_options *o, sf_law **out,
                        sf_error *err);
/* Read a law file (JSON: {"name", "formula", "notes", "variables": [...],
 * "params": {"alpha": {"lo": 0, "hi": 2.5, "grid": [0.1, 2, 5]}}}); o may
 * carry columns and bounds that override the file's.  docs/laws.md. */
SF_API int sf_law_file_read(const char *path, const sf_formula_options *o, sf_law **out,
                            sf_error *err);
/* The formula of a formula law, NULL for a built-in. */
SF_API const char *sf_law_formula_text(const sf_law *law);
/* Extra data columns a law reads (0 for the built-ins) and their names. */
SF_API size_t sf_law_n_extra(const sf_law *law);
SF_API const char *sf_law_extra_name(const sf_law *law, size_t k);
/* 1 when parameter i is optimised as a logarithm (a positive scale). */
SF_API int sf_law_param_log_scale(const sf_law *law, size_t i);
/* Coefficients the search solves by variable projection (0 when none) and
 * the parameter index of the k-th. */
SF_API size_t sf_law_n_linear(const sf_law *law);
SF_API int sf_law_linear_param(const sf_law *law, size_t k);
/* Extra columns of the data (filled when sf_data_options.extra names
 * them); index k of the column named `name`, or -1. */
SF_API long sf_data_extra_index(const sf_data *d, const char *name);
/* ------------------------------------------------------------------------ */
/* Fitting                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * sf_fit_run fits a law by a global search over starting points
 * (variable projection where the law allows it, screening otherwise;
 * subsamples checked on the full table for large tables) followed by
 * L-BFGS.  It returns an sf_fit: parameters, objective, basins,
 * diagnostics, warnings and provenance.  A fit is read-only once made:
 * every later function takes const sf_fit *, so a fit may be shared by
 * threads and handed to any analysis below without being changed.
 */

typedef enum sf_loss {
    SF_LOSS_HUBER = 0,  /* Huber(delta) on log residuals, summed */
    SF_LOSS_LS          /* squared log residuals / 2, summed */
} sf_loss;

typedef enum sf_grid {
    SF_GRID_AUTO = 0,   /* law's default: variable projection where the law
                           has linear coefficients, else screening */
    SF_GRID_FULL,       /* L-BFGS from every point of the law's start grid */
    SF_GRID_SCREEN,     /* evaluate the start grid, refine its best basins */
    SF_GRID_VP,         /* variable projection over the exponents */
    /* What AUTO may resolve to besides VP and SCREEN (sf_fit_grid); not
     * options a caller sets: */
    SF_GRID_LAW,        /* the law's own search (bnsl: breaks placed over
                           the data, the rest solved by least squares) */
    SF_GRID_EXACT       /* a convex problem solved directly (power with
                           E = 0: log-log least squares) */
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
    /* Cancellation: when non-NULL and *cancel becomes nonzero
     * (e.g. set by the caller's SIGINT handler; the library never handles
     * signals), the fit and the long loops that use these options
     * (bootstrap, bayes, validation sweeps) stop within one optimiser
     * start or sampler step and return SF_ECANCELED.  Default NULL. */
    const volatile sig_atomic_t *cancel;
    /* Large tables: above large_rows rows the global search runs
     * on two disjoint stratified subsamples of sample_rows rows each and
     * their best basins are refined on the full table (docs/methods.md);
     * defaults 50000 and 8192 (0 means the default); (size_t)-1 turns the
     * path off. */
    size_t large_rows;
    size_t sample_rows;
} sf_fit_options;

SF_API void sf_fit_options_init(sf_fit_options *o);
/* Append a fixed parameter or a tie; SF_EINVAL when full or name too long. */
SF_API int sf_fit_options_fix(sf_fit_options *o, const char *name, double value);
SF_API int sf_fit_options_tie(sf_fit_options *o, const char *a, const char *b);

/* A fitted law: parameters, objective, search diagnostics.  Produced by
 * sf_fit_run, or read back from a fit file by sf_fit_json_read, and
 * read-only from then on: no function writes into a fit after it is made
 * (each takes `const sf_fit *`), so threads may share one. */
typedef struct sf_fit sf_fit;

/* Draws of a fit's parameters: bootstrap refits (sf_fit_bootstrap) or
 * posterior samples (sf_bayes_run), or the draws kept in a fit file
 * (sf_fit_json_read).  Owned by the caller, released with sf_draws_free;
 * immutable once returned.  A draws handle refers to the fit it was made
 * from (borrowed, read-only, sf_draws_fit): keep the fit alive while the
 * draws are used.  The Uncertainty section below has its functions. */
typedef struct sf_draws sf_draws;

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

/* The search strategy actually used (an sf_grid value; AUTO resolves to
 * LAW or EXACT for laws with their own search, else VP or SCREEN). */
SF_API int sf_fit_grid(const sf_fit *fit);

/* Warnings about the fit, in English, one sentence each: a parameter on a
 * bound, a start count of one, a near-tied second optimum, no convergence. */
SF_API size_t sf_fit_n_warnings(const sf_fit *fit);
SF_API const char *sf_fit_warning(const sf_fit *fit, size_t k);

/* Objective of `law` with natural `params` on `data` under `o` (NULL =
 * defaults), the quantity sf_fit_run minimises.  NaN on bad input. */
SF_API double sf_objective(const sf_law *law, const double *params,
                    const sf_data *data, const sf_fit_options *o);

/* ---- What the data do not determine: a fit's diagnoses ---- */

/* A diagnosis says why some of a fit's numbers do not mean what they seem:
 * the fit converged, but the data do not determine a parameter, or a
 * derived quantity rests on a degenerate term.  Codes (stable, documented
 * in docs/reliability.md and docs/json.md):
 *   "at_bound"        a free parameter stopped on a bound of its range
 *                     (an exponent at 0: its term is a constant);
 *   "fixed_at_bound"  a parameter held by --fix on a bound of its range
 *                     (--fix alpha=0: G = 0, the allocation degenerate);
 *   "weak_term"       a term explains less than SF_WEAK_TERM_SHARE of the
 *                     loss variation over the data's range: its
 *                     coefficient and exponent are not identified;
 *   "r2_undefined"    R^2 cannot be computed (no finite value).
 * `param` names the parameter concerned (NULL when none); sf_fit_json
 * writes them as "diagnoses": [{"code", "parameter", "message"}], only
 * when there are any, and sf_fit_json_parse reads them back. */
#define SF_WEAK_TERM_SHARE 0.01
typedef struct sf_diagnosis {
    const char *code;
    const char *param;    /* NULL when the diagnosis names no parameter */
    const char *message;  /* one line, no trailing period */
} sf_diagnosis;
SF_API size_t sf_fit_n_diagnoses(const sf_fit *fit);
/* Diagnosis k (< sf_fit_n_diagnoses) into *out; the strings live as long
 * as the fit.  SF_EINVAL when k is out of range. */
SF_API int sf_fit_diagnosis(const sf_fit *fit, size_t k, sf_diagnosis *out);

/* ------------------------------------------------------------------------ */
/* Compute-optimal allocation                                               */
/* ------------------------------------------------------------------------ */

/*
 * Given a law's parameters: the (N, D) that minimise loss at a budget,
 * the smallest budget reaching a target loss, the allocation under
 * limited unique data (Muennighoff et al. 2023) and with inference
 * tokens counted (Sardana et al. 2023).  These take plain parameter
 * vectors, so they serve fits, published values and single draws alike.
 */

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

/* ---- The options each law reads; allocation under constraints ---- */

/* Which sf_law_options fields a law reads; sf_law_new rejects a value other
 * than the default for a field the law does not read. */
#define SF_LAW_OPT_X 1u       /* x: the variable of power and bnsl */
#define SF_LAW_OPT_BREAKS 2u  /* breaks: bnsl (1 to 3) */
/* The fields law `name` reads (0 for none, and for an unknown name). */
SF_API unsigned sf_law_options_used(const char *name);

/* The loss-minimising allocation on C = 6ND when only U unique tokens
 * exist (Muennighoff et al. 2023), for a law that reads U (datablations). */
typedef struct sf_alloc_dc_row {
    sf_alloc_row opt;             /* compute, N, D, D/N and loss at the optimum */
    double unique_tokens;         /* U */
    double epochs;                /* D / U */
    /* d L_opt / d log2 C: how the optimal loss changes per doubling of C
     * (negative; near 0 where more compute stops paying). */
    double loss_per_doubling;
    /* The same for unlimited unique tokens (U -> infinity). */
    double unlimited_per_doubling;
    /* The loss no budget gets below with these U: the limit of the optimal
     * loss as C -> infinity. */
    double floor;
} sf_alloc_dc_row;

/* Solve the data-constrained allocation at budget C (FLOPs) with U unique
 * tokens.  The loss along the budget is continuously differentiable in
 * log N; its stationary points are found by bisection on the analytic
 * derivative to full double precision, and the best one is returned.
 * SF_ENOTSUP when the law does not read U, SF_EDOMAIN for C or U not
 * finite and > 0. */
SF_API int sf_alloc_data_constrained(const sf_law *law, const double *params, double C,
                                     double U, sf_alloc_dc_row *row, sf_error *err);

/* Inference-aware allocation (Sardana et al. 2023): the (N, D) that reach
 * the loss of a reference model (ref->loss) with the fewest total FLOPs
 * 6ND + 2NT when the model will then process T tokens at inference. */
typedef struct sf_alloc_inference_row {
    sf_alloc_row opt;             /* N, D, training compute 6ND, loss */
    double inference_tokens;      /* T */
    double total_flops;           /* 6ND + 2NT */
    sf_alloc_row reference;       /* the reference (Chinchilla-optimal) model */
    double reference_total;       /* its 6ND + 2NT */
    double saving;                /* 1 - total_flops / reference_total */
} sf_alloc_inference_row;

/* `ref` is a row from sf_alloc_optimal or sf_alloc_target_loss of the same
 * law and params; T >= 0 (T = 0 gives back the reference).  For a law that
 * reads N and D only (chinchilla, kaplan).  SF_EDOMAIN when the loss cannot
 * be reached. */
SF_API int sf_alloc_inference(const sf_law *law, const double *params, const sf_alloc_row *ref,
                              double T, sf_alloc_inference_row *row, sf_error *err);

/* Rows as JSON, {"law", "rows": [...]} (docs/json.md), into *out. */
SF_API int sf_alloc_dc_json(const sf_law *law, const sf_alloc_dc_row *rows, size_t n,
                            char **out, sf_error *err);
SF_API int sf_alloc_inference_json(const sf_law *law, const sf_alloc_inference_row *rows,
                                   size_t n, char **out, sf_error *err);

/* ------------------------------------------------------------------------ */
/* Draws and intervals                                                      */
/* ------------------------------------------------------------------------ */

/*
 * Uncertainty is its own object.  sf_fit_bootstrap and sf_bayes_run read
 * a fit and return an sf_draws that refers to it; sf_draws_from_params
 * wraps draws made elsewhere.  The caller owns the draws and keeps the
 * fit alive meanwhile.  Every interval scalefit reports is a percentile
 * interval over draws; beyond the data an extrapolation term calibrated
 * on real families of models widens it.
 */

/* Draws of a fit's parameters (sf_draws): bootstrap refits or posterior
 * samples, made from a fit without changing it, so several may be made
 * from one fit, at once from several threads.  Every interval scalefit
 * reports (parameters, derived quantities, allocations, predictions) is a
 * percentile interval over the draws, so a fit file that keeps them
 * (sf_fit_json with draws) gives the same intervals when read back.
 * docs/uncertainty.md has the methods. */

#define SF_MAX_LEVELS 8   /* interval levels per request */

/* Progress of long work: `done` of `total` units (resamples, sampler
 * steps).  Called from one thread at a time, while the work runs.  May be
 * NULL. */
typedef void (*sf_progress_fn)(void *ctx, size_t done, size_t total);

typedef enum sf_resample {
    SF_RESAMPLE_ROWS = 0,   /* n rows drawn with replacement */
    SF_RESAMPLE_GROUP       /* whole groups (run ids) drawn with replacement:
                               checkpoints of one run move together */
} sf_resample;

typedef enum sf_draws_kind {
    SF_DRAWS_NONE = 0,
    SF_DRAWS_BOOTSTRAP,     /* sf_fit_bootstrap */
    SF_DRAWS_POSTERIOR,     /* sf_bayes_run */
    SF_DRAWS_GIVEN          /* sf_draws_from_params: made elsewhere */
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

/* Refit `fit` (made by sf_fit_run on `data`) to K resamples of `data`;
 * *out gets the parameter draws (a new handle referring to `fit`; free it
 * with sf_draws_free).  `fit` is only read.  The refits use the fit's options
 * (law, loss, --fix/--tie, search), one thread each, in parallel over
 * resamples (sf_fit_options.threads); resample k draws its rows from the
 * random stream (seed, k) alone, so the draws are identical for any thread
 * count.  A resample that cannot be fitted (too few distinct rows, a role
 * with one value) is counted and left out, with a warning on the draws;
 * SF_ENOCONV when none can.  SF_ENOCOLUMN for SF_RESAMPLE_GROUP without a
 * group column, SF_EINVAL for a fit without data or `data` with another
 * row count.  *out is NULL on failure. */
SF_API int sf_fit_bootstrap(const sf_fit *fit, const sf_data *data,
                            const sf_bootstrap_options *o, sf_draws **out, sf_error *err);

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

/* Posterior over the free parameters of `fit` (made by sf_fit_run on
 * `data`; only read) and the scale sigma of
 * Besiroglu et al.'s likelihood: log residuals r_i are i.i.d. with the
 * normalised Huber density p(r) = exp(-rho_delta(r/sigma)) / (sigma Z),
 * Z = sqrt(2 pi) (1 - 2 Phi(-delta)) + 2 exp(-delta^2/2) / delta
 * (a Gaussian density for SF_LOSS_LS), loss and delta from the fit's
 * options (sf_fit_get_options; also its seed and threads).  Sampled with the
 * affine-invariant ensemble sampler of Goodman and Weare (2010), walkers
 * started around the maximum-likelihood point, in parallel over walkers
 * with per-(step, walker) random streams (identical for any thread count).
 * *out gets the posterior draws (a new handle referring to `fit`), with
 * the maximum-likelihood point, R-hat and ESS available below; warnings
 * on the draws when R-hat >= 1.01 or ESS < 400.  SF_EINVAL for a fit
 * without data, `data` with another row count, a prior on an unknown,
 * fixed or tied parameter or an empty support. */
SF_API int sf_bayes_run(const sf_fit *fit, const sf_data *data, const sf_bayes_options *bo,
                        sf_draws **out, sf_error *err);

/* Draws made elsewhere (another sampler, a published ensemble): n
 * parameter vectors of the fit's law, row-major n x sf_law_n_params,
 * copied into a new handle referring to `fit` (SF_DRAWS_GIVEN; no
 * residual noise, so no prediction intervals).  SF_EINVAL for n = 0 or a
 * value that is not finite. */
SF_API int sf_draws_from_params(const sf_fit *fit, const double *params, size_t n,
                                sf_draws **out, sf_error *err);
/* Accepts NULL. */
SF_API void sf_draws_free(sf_draws *draws);
/* The accessors below read NULL draws as no draws (SF_DRAWS_NONE, 0,
 * NULL, NaN). */
/* The fit the draws are of (borrowed). */
SF_API const sf_fit *sf_draws_fit(const sf_draws *draws);
SF_API int sf_draws_get_kind(const sf_draws *draws);          /* sf_draws_kind */
SF_API size_t sf_draws_count(const sf_draws *draws);
/* Draw k's natural parameters (sf_law_n_params values; borrowed), or NULL
 * past the end. */
SF_API const double *sf_draws_at(const sf_draws *draws, size_t k);
/* Every draw's parameters, one array of sf_draws_count x sf_law_n_params
 * doubles, row-major (borrowed; draw k at sf_draws_at(draws, k)). */
SF_API const double *sf_draws_params(const sf_draws *draws);
/* Bootstrap: resamples asked for, and those left out because their refit
 * failed (the rest are the draws). */
SF_API size_t sf_draws_resamples(const sf_draws *draws);
SF_API size_t sf_draws_resamples_failed(const sf_draws *draws);
/* The interval levels kept with the draws (count; levels into v); the
 * defaults (0.8, 0.95) for NULL draws. */
SF_API size_t sf_draws_levels(const sf_draws *draws, double *v, size_t max);
/* Warnings about the draws (failed resamples, poor mixing), in English,
 * one sentence each; writers list them after the fit's. */
SF_API size_t sf_draws_n_warnings(const sf_draws *draws);
SF_API const char *sf_draws_warning(const sf_draws *draws, size_t k);

/* Posterior diagnostics for parameter j (j == n_params: sigma): split
 * R-hat (Gelman et al., BDA3 11.4) and the effective sample size from the
 * integrated autocorrelation time (Sokal's window, as emcee); NaN for held
 * parameters or draws that are no posterior. */
SF_API double sf_draws_rhat(const sf_draws *draws, size_t j);
SF_API double sf_draws_ess(const sf_draws *draws, size_t j);
/* How a posterior was sampled: walkers, steps discarded and kept, the
 * thinning, the acceptance rate, and the prior of each sampled parameter
 * (defaults resolved; "sigma" last). */
typedef struct sf_sampler_info {
    size_t walkers, burn, steps, thin;
    double acceptance;
    size_t n_priors;
    sf_prior prior[SF_MAX_PARAMS + 1];
} sf_sampler_info;
/* SF_OK, or SF_EINVAL when the draws are no posterior. */
SF_API int sf_draws_sampler(const sf_draws *draws, sf_sampler_info *out);
/* The likelihood's maximum (natural params into `params`, may be NULL) and
 * its sigma; NaN when the draws are no posterior. */
SF_API double sf_draws_ml(const sf_draws *draws, double *params);

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
 * then "sigma" for a posterior, each with `value` at the draws' fit:
 * names[i] (static or borrowed strings) and out[i] for i < max.  levels =
 * NULL (n_levels 0) uses the draws' levels.  Returns the count; 0 for
 * NULL or empty draws. */
SF_API size_t sf_draws_summarize(const sf_draws *draws, const double *levels, size_t n_levels,
                                 const char **names, sf_summary *out, size_t max);

/* The compute-optimal allocation at budget C (as sf_alloc_optimal) at the
 * fit's parameters into *row, and summaries over `draws` (may be NULL;
 * else draws of this fit) of its five fields in sf_alloc_row order:
 * out[0] compute, [1] params, [2] tokens, [3] tokens_per_param, [4] loss.
 * Without draws only *row is filled and out[k].n is 0.  levels = NULL
 * uses the draws' levels.  SF_EINVAL for draws of another fit. */
SF_API int sf_fit_alloc_summary(const sf_fit *fit, const sf_draws *draws, double C,
                                const double *levels, size_t n_levels, sf_alloc_row *row,
                                sf_summary out[5], sf_error *err);
/* The same for the smallest budget reaching loss L (sf_alloc_target_loss). */
SF_API int sf_fit_target_summary(const sf_fit *fit, const sf_draws *draws, double L,
                                 const double *levels, size_t n_levels, sf_alloc_row *row,
                                 sf_summary out[5], sf_error *err);
/* Predicted loss at x: *loss summarises the law's prediction over `draws`
 * (may be NULL: the point value only; else draws of this fit), the
 * parameter uncertainty; *pred, when not NULL, also adds each draw's
 * residual noise (bootstrap: a residual of that resample's refit;
 * posterior: a draw from the likelihood at that sample's sigma), a
 * prediction interval for a new run.  SF_EINVAL for *pred without draws
 * and for draws of another fit. */
SF_API int sf_fit_predict_summary(const sf_fit *fit, const sf_draws *draws, const sf_point *x,
                                  const double *levels, size_t n_levels, sf_summary *loss,
                                  sf_summary *pred, sf_error *err);

/* Summary of n values (NaN and infinities left out) at the given levels;
 * `value` is set to NaN.  The building block of the functions above. */
SF_API void sf_summarize(const double *x, size_t n, const double *levels, size_t n_levels,
                         sf_summary *out);

/* 1 when the summarised quantity does not vary over the draws beyond
 * rounding (its widest interval spans at most 1e-12 of its median): the
 * budget of an allocation, the loss of a target.  Reports leave it out. */
SF_API int sf_summary_constant(const sf_summary *s);

/* The draws as CSV into *out, one row per draw, numbers with 17
 * significant digits.  Bootstrap: draw,PARAMS...,noise; posterior:
 * walker,step,PARAMS...,sigma,noise (step counted from the first step
 * after burn-in).  "noise" is the log-residual draw used for prediction
 * intervals.  SF_EINVAL for NULL or empty draws. */
SF_API int sf_draws_csv(const sf_draws *draws, char **out, sf_error *err);

/* JSON of allocation rows with their summaries (sf_fit_alloc_summary):
 * {"law", "rows": [{"compute", "params", "tokens", "tokens_per_param",
 * "loss", "se": {...}, "ci": {...}, "intervals": {...}}]}; rows whose
 * summaries have n = 0 get no "se"/"ci". */
SF_API int sf_alloc_summary_json(const sf_law *law, const sf_alloc_row *rows,
                                 const sf_summary (*s)[5], size_t n, char **out, sf_error *err);
/* Predictions with summaries: rows as sf_predict_json plus "se", "ci",
 * "intervals" of the loss and, when pred is not NULL,
 * "prediction_intervals". */
SF_API int sf_predict_summary_json(const sf_law *law, const sf_point *x, const sf_summary *loss,
                                   const sf_summary *pred, size_t n, int with_u, char **out,
                                   sf_error *err);

/* ---- Extrapolation intervals ---- */

/* An interval for a prediction beyond the data (docs/uncertainty.md,
 * "Extrapolation intervals").  On the log-loss scale, three parts:
 *   parameters     the sd of log L^ over the fit's draws (bootstrap over
 *                  runs or posterior), 0 without draws;
 *   residual       the scatter of a run around the law (the sd of the log
 *                  residuals);
 *   extrapolation  k(level) x distance, where distance is the decades of N
 *                  beyond the largest fitted N plus the decades of D beyond
 *                  the largest fitted D (0 inside the data) and k(level) is
 *                  calibrated on real families of models (held-out largest
 *                  models; the table ships compiled into the library).
 * The interval at level p is L^ exp(+-z_p sqrt(resid^2 + max(param,
 * k(p) distance)^2)), z_p the standard normal quantile (1 + p)/2: the
 * calibrated term measures the whole error of the point prediction beyond
 * a run's scatter (the parameters' share included), so the parameter part
 * counts only where it is larger; inside the data it is the usual
 * z_p sqrt(resid^2 + param^2). */
typedef enum sf_extrap_part {
    SF_EXTRAP_PARAMS = 0,
    SF_EXTRAP_RESIDUAL,
    SF_EXTRAP_EXTRAPOLATION
} sf_extrap_part;

typedef struct sf_extrap {
    double loss;            /* the point prediction */
    double distance;        /* decades beyond the data, >= 0 */
    double param_sd;        /* sd of log L^ over the draws */
    double resid_sd;        /* sd of a run's log residual */
    double extrap_sd;       /* k(0.9) x distance: the part shown */
    int dominant;           /* sf_extrap_part with the largest sd */
    size_t n_levels;
    double level[SF_MAX_LEVELS];
    double lo[SF_MAX_LEVELS], hi[SF_MAX_LEVELS];
} sf_extrap;

/* Decades beyond the data: max(0, log10(N / N_max)) + max(0, log10(D /
 * D_max)); a non-finite or non-positive argument counts 0. */
SF_API double sf_extrap_distance(double N, double D, double N_max, double D_max);
/* The calibrated scale k(level) of the extrapolation part, in log loss
 * per decade (linear in level between the calibrated levels, constant
 * beyond them); NaN for a level outside (0, 1). */
SF_API double sf_extrap_scale(double level);
/* Fill *out for a prediction `loss` at `distance` decades (0 inside the
 * data) with parts param_sd and resid_sd (each >= 0; NaN counts 0), at
 * n_levels levels in (0, 1) (levels NULL, n_levels 0: 0.8, 0.9, 0.95).
 * SF_EINVAL for a non-positive loss, a negative distance, more than
 * SF_MAX_LEVELS levels or a level outside (0, 1).  The building block
 * for every forecast that extrapolates. */
SF_API int sf_extrap_interval(double loss, double distance, double param_sd, double resid_sd,
                              const double *levels, size_t n_levels, sf_extrap *out);
/* "parameters", "residual" or "extrapolation". */
SF_API const char *sf_extrap_part_name(int part);
/* The calibration table: n levels, and k(level) for each (borrowed). */
SF_API size_t sf_extrap_calibration(const double **levels, const double **scale);

/* `json` (one object, as the predict and optimal writers give it) with
 * "extrapolation": {"distance", "parts": {"parameters", "residual",
 * "extrapolation"}, "dominates", "intervals": [{"level", "lo", "hi"}]}
 * added to element i of its array `key` wherever ex[i].n_levels > 0; the
 * array must have n elements.  *out is a new string (caller frees).
 * SF_EPARSE when json does not have that shape, SF_ENOMEM. */
SF_API int sf_extrap_attach_json(const char *json, const char *key, const sf_extrap *ex,
                                 size_t n, char **out, sf_error *err);

/* The extrapolation interval of `fit`'s prediction at x: the distance
 * from the fit's data range (0 when unknown), the parameter part the sd
 * of log L^ over `draws` (may be NULL), the residual part the sd of the
 * draws' residual noise (both 0 without draws).  levels NULL / n_levels
 * 0: the draws' levels (0.8, 0.9, 0.95 without draws).  SF_EDOMAIN when
 * the law has no finite positive loss at x. */
SF_API int sf_fit_extrap_interval(const sf_fit *fit, const sf_draws *draws, const sf_point *x,
                                  const double *levels, size_t n_levels, sf_extrap *out,
                                  sf_error *err);

/* The range of the rows a fit was made on: out[0] the largest N, out[1]
 * the largest D, out[2] the largest C (6ND where C is not a column); NaN
 * where unknown (a fit read from a file without "data_range").  A fit with
 * draws writes "data_range" into its JSON so that predict and optimal can
 * measure how far they extrapolate. */
SF_API void sf_fit_data_range(const sf_fit *fit, double out[3]);

/* ------------------------------------------------------------------------ */
/* Chinchilla's Approaches 1 and 2                                          */
/* ------------------------------------------------------------------------ */

/*
 * The compute-optimal exponents estimated directly from a sweep, without
 * a parametric law: IsoFLOP profiles (Approach 2) and the lower envelope
 * of training curves (Approach 1), each with power-law fits of N*, D*
 * and D* / N* against compute and bootstrap intervals of the exponents.
 */

/* Hoffmann et al. (2022) estimated the compute-optimal N*(C) three ways.
 * Approach 2 (sf_isoflop_run) fits a profile of loss against log N per
 * compute budget and regresses the minima on C; Approach 1
 * (sf_envelope_run) takes, at each FLOP value, the lowest loss over the
 * training curves of many runs.  Both fit N* = k C^a, D* = k' C^b and
 * D* / N* = k'' C^(b-a) by least squares on logarithms, with bootstrap
 * percentile intervals for the exponents (docs/approaches.md). */

/* Why a budget (isoflop) or a FLOP value (envelope) is left out of the
 * power-law fits: bits of a `flags` field. */
enum {
    SF_APPROACH_FEW_SIZES = 1,  /* fewer than 3 distinct model sizes */
    SF_APPROACH_NO_MINIMUM = 2, /* the profile is not convex: no minimum */
    SF_APPROACH_EDGE = 4        /* the minimum lies at the smallest or largest
                                   size sampled (isoflop), or the winning run
                                   is the smallest or largest of the runs
                                   covering that compute (envelope) */
};

/* A fitted power law y = k C^exponent. */
typedef struct sf_powerlaw {
    double k;          /* coefficient */
    double exponent;
    double lo, hi;     /* bootstrap percentile interval of the exponent at
                          the options' level; NaN when not computed */
    size_t n;          /* points in the regression */
} sf_powerlaw;

/* Which power law: N* (exponent a), D* (exponent b) or the ratio D* / N* (b - a). */
typedef enum sf_optimum { SF_OPTIMUM_N = 0, SF_OPTIMUM_D, SF_OPTIMUM_RATIO } sf_optimum;

/* Approach 2: IsoFLOP profiles. */
typedef enum sf_profile {
    SF_PROFILE_PARABOLA = 0, /* least-squares parabola in log N (Hoffmann et al.) */
    SF_PROFILE_AKIMA         /* Akima spline through the points (Porian et al.) */
} sf_profile;

/* Weights of the budgets' minima in the regression on compute. */
typedef enum sf_isoflop_weights {
    SF_WEIGHTS_VARIANCE = 0, /* 1 / variance of log N* (docs/approaches.md) */
    SF_WEIGHTS_EQUAL         /* unweighted, as Hoffmann et al. */
} sf_isoflop_weights;

typedef struct sf_isoflop_options {
    sf_profile profile;  /* default SF_PROFILE_PARABOLA */
    sf_isoflop_weights weights; /* default SF_WEIGHTS_VARIANCE */
    double budget_tol;   /* a budget starts at the smallest C not yet grouped
                            and takes the rows with C up to 1 + budget_tol
                            times it; default 0.1 */
    int keep_edge;       /* fit budgets whose minimum is at an edge too;
                            default 0 */
    int bootstrap;       /* resamples for the intervals; 0 = none; default
                            1000 */
    double level;        /* interval level; default 0.95 */
    uint64_t seed;       /* default 0 */
    int threads;         /* 0 = all cores (default); results do not depend
                            on it */
    /* Cancellation, as sf_fit_options.cancel: when non-NULL and *cancel
     * becomes nonzero the bootstrap stops within one resample and
     * sf_isoflop_run returns SF_ECANCELED.  Default NULL (issue 21). */
    const volatile sig_atomic_t *cancel;
} sf_isoflop_options;

SF_API void sf_isoflop_options_init(sf_isoflop_options *o);

/* One compute budget.  Plain struct owned by the result; the arrays are
 * borrowed (valid until sf_isoflop_free). */
typedef struct sf_isoflop_budget {
    double compute;           /* the budget: geometric mean of its rows' C */
    double C_min, C_max;      /* smallest and largest C of its rows */
    size_t n_points;          /* rows */
    size_t n_sizes;           /* distinct N */
    double N_min, N_max;      /* smallest and largest size sampled */
    double N_opt;             /* the profile's minimum; NaN without one */
    double D_opt;             /* compute / (6 N_opt) */
    double tokens_per_param;  /* D_opt / N_opt */
    double loss;              /* the profile's value at N_opt */
    double N_lo, N_hi;        /* bootstrap interval of N_opt, or NaN */
    unsigned flags;           /* SF_APPROACH_* */
    int used;                 /* 1 when in the power-law fits */
    double weight;            /* share in the regression (the used budgets'
                                 weights sum to 1); 0 when not used */
    const double *point_N;    /* n_points sizes, ascending */
    const double *point_loss; /* their losses */
    const size_t *point_row;  /* their row indices in the data */
} sf_isoflop_budget;

typedef struct sf_isoflop sf_isoflop;

/* Group the rows of `d` (roles N, C and loss; weight used when present)
 * into budgets, locate each budget's minimum, fit the power laws and, when
 * o->bootstrap > 0, their intervals by resampling rows within budgets.
 * Budgets with fewer than 3 sizes, no minimum or (unless keep_edge) an
 * edge minimum are reported with a warning and left out; SF_EUNIDENTIFIABLE
 * when fewer than 2 budgets remain.  o may be NULL (defaults). */
SF_API int sf_isoflop_run(const sf_data *d, const sf_isoflop_options *o, sf_isoflop **out,
                          sf_error *err);
SF_API void sf_isoflop_free(sf_isoflop *r);
SF_API const sf_isoflop_options *sf_isoflop_get_options(const sf_isoflop *r);
SF_API size_t sf_isoflop_n_budgets(const sf_isoflop *r);      /* ascending compute */
SF_API const sf_isoflop_budget *sf_isoflop_budget_at(const sf_isoflop *r, size_t b);
/* The fitted profile of budget b at model size N (for plots); NaN when the
 * budget has no profile, and for Akima outside the sampled sizes. */
SF_API double sf_isoflop_profile_eval(const sf_isoflop *r, size_t b, double N);
SF_API const sf_powerlaw *sf_isoflop_powerlaw(const sf_isoflop *r, sf_optimum which);
/* Bootstrap resamples that gave a fit (at most o->bootstrap). */
SF_API size_t sf_isoflop_replicates(const sf_isoflop *r);
/* Budgets left out, too few usable resamples: English sentences. */
SF_API size_t sf_isoflop_n_warnings(const sf_isoflop *r);
SF_API const char *sf_isoflop_warning(const sf_isoflop *r, size_t k);

/* Approach 1: the envelope of training curves. */
typedef struct sf_envelope_options {
    int points;          /* log-spaced FLOP values across the covered range;
                            default 200 */
    double smooth;       /* width in decades of C of a moving average of
                            log loss along each run; 0 = none (default) */
    int keep_edge;       /* fit edge points too; default 0 */
    int bootstrap;       /* resamples of runs; 0 = none; default 1000 */
    double level;        /* default 0.95 */
    uint64_t seed;       /* default 0 */
    int threads;         /* 0 = all cores */
    /* Cancellation, as in sf_isoflop_options: sf_envelope_run returns
     * SF_ECANCELED.  Default NULL (issue 21). */
    const volatile sig_atomic_t *cancel;
} sf_envelope_options;

SF_API void sf_envelope_options_init(sf_envelope_options *o);

/* One run's training curve as used: checkpoints sorted by C, those at equal
 * C merged (mean log loss), smoothed when asked.  Arrays borrowed. */
typedef struct sf_envelope_curve {
    const char *name;     /* run id (the group column) */
    double N;             /* its model size */
    size_t n;             /* points */
    const double *C, *loss;
} sf_envelope_curve;

/* One FLOP value of the grid. */
typedef struct sf_envelope_point {
    double compute;
    double N_opt, D_opt, tokens_per_param, loss;  /* the winning run there */
    size_t run;           /* index of the winning curve */
    size_t n_runs;        /* curves covering this compute */
    unsigned flags;       /* SF_APPROACH_EDGE */
    int used;             /* 1 when in the power-law fits */
} sf_envelope_point;

typedef struct sf_envelope sf_envelope;

/* Rows of `d` are checkpoints: roles group (run id), N (constant within a
 * run), C (or D: C = 6ND) and loss.  Each run's curve is interpolated
 * linearly in (log C, log loss); at each grid value the run with the lowest
 * loss gives N_opt.  Points won by the smallest or largest covering run are
 * flagged edge and left out unless keep_edge.  Intervals resample runs.
 * SF_ENOCOLUMN without a group column, SF_EINVAL when N varies within a
 * run, SF_EUNIDENTIFIABLE when fewer than 2 distinct sizes win. */
SF_API int sf_envelope_run(const sf_data *d, const sf_envelope_options *o, sf_envelope **out,
                           sf_error *err);
SF_API void sf_envelope_free(sf_envelope *e);
SF_API const sf_envelope_options *sf_envelope_get_options(const sf_envelope *e);
SF_API size_t sf_envelope_n_curves(const sf_envelope *e);    /* ascending N */
SF_API const sf_envelope_curve *sf_envelope_curve_at(const sf_envelope *e, size_t i);
SF_API size_t sf_envelope_n_points(const sf_envelope *e);    /* ascending compute */
SF_API const sf_envelope_point *sf_envelope_point_at(const sf_envelope *e, size_t k);
SF_API const sf_powerlaw *sf_envelope_powerlaw(const sf_envelope *e, sf_optimum which);
SF_API size_t sf_envelope_replicates(const sf_envelope *e);
SF_API size_t sf_envelope_n_warnings(const sf_envelope *e);
SF_API const char *sf_envelope_warning(const sf_envelope *e, size_t k);

/* ------------------------------------------------------------------------ */
/* Sweep planning and simulation                                            */
/* ------------------------------------------------------------------------ */

/*
 * Designing an IsoFLOP sweep around a prior law's optimum, with
 * transformer shapes when asked, and simulating runs from a law with
 * log-normal noise, so a design can be checked before any model is
 * trained.
 */

/* Sweep planning: an IsoFLOP design around a prior law's optimum. */
typedef struct sf_plan_options {
    int models;        /* sizes per budget (>= 3); default 9 */
    double span;       /* sizes log-spaced from N_opt/span to N_opt*span;
                          default 4 */
    int shape;         /* also choose transformer shapes; default 0 */
    double aspect;     /* target d_model / layers; default 128 */
    double shape_tol;  /* |12 layers d_model^2 / N - 1| allowed; default 0.05 */
} sf_plan_options;

SF_API void sf_plan_options_init(sf_plan_options *o);

/* A decoder-only transformer shape: 12 layers d_model^2 non-embedding
 * parameters (Kaplan et al. 2020, eq. 2.1 without the context term). */
typedef struct sf_shape {
    int layers, d_model, heads;  /* all 0 when no shape was found */
    double params;               /* 12 layers d_model^2 */
} sf_shape;

/* The shape whose parameter count is within tol of N and whose
 * d_model/layers is closest to `aspect` (in log ratio).  d_model is a
 * multiple of the head size, 64 below 2048 and 128 from 2048 on.
 * SF_EDOMAIN when no shape is within tol (*out zeroed). */
SF_API int sf_plan_shape(double N, double aspect, double tol, sf_shape *out);

typedef struct sf_plan_row {
    double compute, N, D, tokens_per_param;  /* D = compute / (6 N) */
    size_t budget;       /* index into the budgets given */
    sf_shape shape;      /* when options.shape; zero when none fits */
} sf_plan_row;

/* rows: n_budgets * o->models entries (budget-major, ascending N), filled;
 * optimum (may be NULL): n_budgets entries, the law's optimal allocation.
 * The law must have a compute-optimal allocation (sf_alloc_optimal). */
SF_API int sf_plan_sweep(const sf_law *law, const double *params, const double *budgets,
                         size_t n_budgets, const sf_plan_options *o, sf_plan_row *rows,
                         sf_alloc_row *optimum, sf_error *err);

/* JSON (docs/json.md) and CSV of the three into *out (caller frees).
 * `d` (may be NULL) adds where the rows came from. */
SF_API int sf_isoflop_json(const sf_isoflop *r, const sf_data *d, char **out, sf_error *err);
SF_API int sf_envelope_json(const sf_envelope *e, const sf_data *d, char **out, sf_error *err);
SF_API int sf_plan_json(const sf_law *law, const double *params, const sf_plan_options *o,
                        const sf_alloc_row *optimum, size_t n_budgets, const sf_plan_row *rows,
                        char **out, sf_error *err);
/* Header compute,N,D,tokens_per_param[,layers,d_model,heads,N_shape]. */
SF_API int sf_plan_csv(const sf_plan_row *rows, size_t n, int with_shape, char **out,
                       sf_error *err);

/* ---- Simulation ---- */

/* Synthetic runs drawn from a law: row i has N[i], D[i] (C = 6ND) and
 * loss L(N_i, D_i) * exp(noise * z_i), z_i standard normal, so `noise` is
 * the standard deviation of the log residual.  U may be NULL (laws without
 * unique tokens).  Row i's draws depend only on (seed, i).  *out is a new
 * data set with roles N, D, C, loss (and U). */
SF_API int sf_simulate(const sf_law *law, const double *params, const double *N,
                       const double *D, const double *U, size_t n, double noise,
                       uint64_t seed, sf_data **out, sf_error *err);

/* ------------------------------------------------------------------------ */
/* Validation by extrapolation                                              */
/* ------------------------------------------------------------------------ */

/*
 * Judging a law as Choshen, Zhang and Andreas (2024) do: fit on smaller
 * models, predict a larger one's late checkpoints, report the absolute
 * relative error and, for the final row, the extrapolation interval and
 * whether it covered.  This works for one target, every size in turn, or
 * a sweep over the protocol's design axes.
 */

/* Judge a law the way Choshen, Zhang and Andreas (2024, "A Hitchhiker's
 * Guide to Scaling Law Estimation") do: fit it on the runs of smaller
 * models, predict the late checkpoints of a larger one, and report the
 * absolute relative error ARE = mean_i |L_i - L^_i| / L_i (a fraction).
 *
 * A run is a (run id, N) pair: the rows sharing the `group` role and N, or
 * the rows sharing N when the data have no run column.  A model size is a
 * distinct N.  "The last D of a run" is the largest D among its rows in the
 * data, before any cut. */
/* Weights of fitted rows.  TOKENS: every run weighs the same in total,
 * spread over its rows in proportion to the tokens each stands for (half
 * the D gap to each neighbour), so the fit sees each curve uniformly in D
 * however densely it was logged.  RUN: every run weighs the same, each row
 * 1/(rows of the run).  ROW: every row weighs 1, so densely logged curves
 * dominate. */
typedef enum sf_vweight {
    SF_VWEIGHT_TOKENS = 0,
    SF_VWEIGHT_RUN,
    SF_VWEIGHT_ROW
} sf_vweight;

typedef struct sf_validate_options {
    /* Model size to predict: 0 = the largest N (default); else the N of
     * the data closest to it (it must match one to 1e-6 relative). */
    double target_N;
    /* Predict the target's rows with D >= target_from * (last D of their
     * run): default 0.7, the guide's "last 30% of training". */
    double target_from;
    /* Fit on rows with D <= train_fraction * (last D of their run):
     * default 1 (whole runs). */
    double train_fraction;
    /* Early-checkpoint cut: fit rows need D >= min(min_tokens,
     * cut_cap * last D of their run).  Defaults 1e10 (the guide's cut)
     * and 0.3, so the cut never takes more than the first 30% of a run: a
     * small model trained on 2e9 tokens keeps its last 70% instead of
     * vanishing (docs/validate.md has the measurements).  cut_cap = 1
     * lets the cut reach up to each run's last checkpoint (always kept);
     * min_tokens = 0 keeps everything. */
    double min_tokens;
    double cut_cap;
    /* Fit on the n_models largest model sizes below the target (the
     * guide: closer in scale predicts better); 0 = all of them (default). */
    size_t n_models;
    /* How the rows of the fitted runs are weighted (times any weight
     * column): SF_VWEIGHT_TOKENS (default), SF_VWEIGHT_RUN or
     * SF_VWEIGHT_ROW (see sf_vweight). */
    int weight;
    /* At most this many rows per fitted run, spread uniformly in D (the
     * first row at or after each of max_per_run evenly spaced D values;
     * the last row always kept); 0 = all (default); 1 = final checkpoints
     * only, the classic fit. */
    size_t max_per_run;
    /* Every model size with at least `loo_min_sizes` smaller sizes becomes
     * the target in turn, fitted on the sizes below it (default 0: one
     * target).  loo_min_sizes default 2. */
    int loo;
    size_t loo_min_sizes;
    /* How each fit is made; fixes and ties hold borrowed parameters. */
    sf_fit_options fit;
    /* Extrapolation interval of each target's final row:
     * bootstrap resamples of the fitted rows for its parameter part (0,
     * default: none), resampled by run (1, default, when the data have a
     * run column) or by row (0), and up to 8 levels (0 = 0.8, 0.9, 0.95). */
    size_t bootstrap;
    int resample_runs;
    size_t n_levels;
    double levels[8];
} sf_validate_options;

SF_API void sf_validate_options_init(sf_validate_options *o);

/* A fitted run, as reported for a target. */
typedef struct sf_validation_run {
    const char *name;   /* run id, or NULL without a run column */
    double N;
    size_t n_rows;      /* rows fitted (after the cuts and the subsample) */
    double D_min, D_max;
} sf_validation_run;

/* A predicted row of a target run. */
typedef struct sf_validation_point {
    const char *run;    /* run id, or NULL */
    size_t row;         /* index into the data */
    long line;          /* source line, 0 if unknown */
    double N, D;
    double loss;        /* actual */
    double predicted;
    double re;          /* |loss - predicted| / loss */
} sf_validation_point;

/* One extrapolation: a target size, the fit made for it, the errors. */
typedef struct sf_validation_target {
    double N;                      /* the target model size */
    int status;                    /* SF_OK, or why the fit failed */
    const char *message;           /* "" or the failure, in English */
    const sf_fit *fit;             /* NULL when status != SF_OK */
    double are, max_re;            /* NaN when status != SF_OK */
    size_t n_sizes;                /* model sizes fitted */
    size_t n_train_rows;
    size_t n_runs;
    const sf_validation_run *runs; /* the fitted runs, by N then name */
    size_t n_points;
    const sf_validation_point *points; /* target rows, by run then D */
} sf_validation_target;

/* One cell of a sweep over the guide's design axes. */
typedef struct sf_validation_cell {
    size_t n_models;        /* model sizes used (largest below the target) */
    double train_fraction;
    double min_tokens;
    size_t n_train_rows;
    int status;             /* SF_OK, or why the fit failed */
    double are, max_re;     /* NaN when status != SF_OK */
} sf_validation_cell;

/* The result of sf_validate or sf_validate_sweep. */
typedef struct sf_validation sf_validation;

/* Validate `law` on `data` (N, D and loss; group optional).  Fits are
 * independent; they run in parallel over targets (or sweep cells) with
 * o->fit.threads threads, each fit on one thread (a single fit uses them
 * itself); results do not depend on the thread count.  A target whose fit fails is reported with its
 * status, not as an error; the call fails (SF_ENODATA) when no target can
 * be formed: one model size, no rows left after the cuts, no target rows.
 * The validation borrows `law`; *out owns everything else. */
SF_API int sf_validate(const sf_law *law, const sf_data *data, const sf_validate_options *o,
                       sf_validation **out, sf_error *err);

/* The guide's design axes in one call: for the single target of `o`,
 * every combination of n_models[] (0 = all sizes below the target; a NULL
 * list with count 0 is 1, 2, ..., all sizes below the target),
 * train_fraction[] and min_tokens[] (NULL lists with count 0 take the
 * value of `o`).  Cells are ordered n_models, then fractions, then
 * min_tokens; a cell whose fit fails has its status and NaN errors.
 * `o->loo` must be 0. */
SF_API int sf_validate_sweep(const sf_law *law, const sf_data *data,
                             const sf_validate_options *o, const size_t *n_models,
                             size_t n_n_models, const double *train_fraction,
                             size_t n_fractions, const double *min_tokens,
                             size_t n_min_tokens, sf_validation **out, sf_error *err);

SF_API void sf_validation_free(sf_validation *v);
SF_API const sf_law *sf_validation_law(const sf_validation *v);
SF_API const sf_validate_options *sf_validation_options(const sf_validation *v);
SF_API size_t sf_validation_n_targets(const sf_validation *v);
SF_API const sf_validation_target *sf_validation_target_at(const sf_validation *v, size_t k);
/* Mean ARE and largest relative error over the targets that were fitted
 * (NaN when none was). */
SF_API double sf_validation_are(const sf_validation *v);
SF_API double sf_validation_max_re(const sf_validation *v);
/* Sweep cells (0 for sf_validate), and the sweep's target size (NaN for
 * sf_validate). */
SF_API size_t sf_validation_n_cells(const sf_validation *v);
SF_API double sf_validation_sweep_N(const sf_validation *v);
SF_API const sf_validation_cell *sf_validation_cell_at(const sf_validation *v, size_t k);

/* The validation as JSON (docs/validate.md) into *out (caller frees):
 * law, seed, options, "are", "max_re", targets with their fits, fitted
 * runs and predicted points; sweep cells for a sweep. */
SF_API int sf_validation_json(const sf_validation *v, char **out, sf_error *err);
/* Validations of several laws on the same data (n >= 1):
 * {"compare": [each as above], "best": the law with the lowest ARE}. */
SF_API int sf_validation_compare_json(const sf_validation *const *v, size_t n, char **out,
                                      sf_error *err);

/* Sweep cells as CSV: n_models,train_fraction,min_tokens,train_rows,are,
 * max_re,status (are and max_re empty when the fit failed). */
SF_API int sf_validation_cells_csv(const sf_validation *v, char **out, sf_error *err);

/* The final row of a validation target (its largest D; the first such
 * row of the target size) with its extrapolation interval at the
 * validation's levels, and whether each interval covered the actual loss.
 * NULL for a target whose fit failed or a k out of range.  Borrowed from
 * the validation. */
typedef struct sf_validation_final {
    double N, D;
    double actual;
    long line;
    sf_extrap interval;     /* interval.loss is the prediction */
    int covered[SF_MAX_LEVELS];
} sf_validation_final;
SF_API const sf_validation_final *sf_validation_target_final(const sf_validation *v, size_t k);
/* Sweep cell k's final row, as above. */
SF_API const sf_validation_final *sf_validation_cell_final(const sf_validation *v, size_t k);

/* ------------------------------------------------------------------------ */
/* Learning curves under a learning-rate schedule                           */
/* ------------------------------------------------------------------------ */

/*
 * A run's loss as a function of its schedule (Tissue et al. 2024, Luo et
 * al. 2025): schedules from logged LRs or descriptions, the curve laws
 * and their fitter, forecasts of steps not trained yet, and the
 * correction of intermediate checkpoints to the loss their run would
 * reach annealed there.
 */

/* A learning-rate schedule: the LR at every optimiser step 0..steps.
 * Immutable once made; free with sf_schedule_free (NULL is a no-op). */
typedef struct sf_schedule sf_schedule;

/* From the LR logged at some steps (n >= 1, steps increasing, lr >= 0,
 * finite): linear interpolation between them, LR 0 at step 0 when the first
 * logged step is later (a linear warm-up), the last value held after the
 * last step up to `steps` (0: the last logged step). */
SF_API int sf_schedule_from_points(const double *step, const double *lr, size_t n,
                                   double steps, sf_schedule **out, sf_error *err);
/* From a description:
 *   cosine:peak=P,warmup=W,steps=T[,final=F]   linear warm-up over W steps,
 *       then cosine from P to F (default 0.1 P) at step T;
 *   wsd:peak=P,warmup=W,steps=T[,decay=K][,final=F]  warm-up, constant P,
 *       linear decay to F (default 0) over the last K steps (default 0.2 T,
 *       a fraction when K < 1);
 *   constant:peak=P,steps=T[,warmup=W]
 * SF_EPARSE with a message naming the bad field. */
SF_API int sf_schedule_parse(const char *spec, sf_schedule **out, sf_error *err);
SF_API void sf_schedule_free(sf_schedule *s);
/* Last step of the schedule. */
SF_API size_t sf_schedule_steps(const sf_schedule *s);
/* LR at a step (clamped to 0..steps). */
SF_API double sf_schedule_lr(const sf_schedule *s, double step);
/* First step at which the LR reaches 99% of its maximum (end of warm-up). */
SF_API size_t sf_schedule_peak_step(const sf_schedule *s);

/* Curve laws: the loss at step t of a run as a function of its schedule.
 * A separate catalogue from sf_law's (those map points N, D to a loss).
 *   "steps"      L = E + A t^-alpha                      (no schedule)
 *   "anneal"     L = L0 + A S1^-alpha - C S2             (Tissue et al. 2024)
 *   "multipower" L = L0 + A S1^-alpha - B sum_k dEta_k G(eta_k^-gamma S_k(t)),
 *                G(x) = 1 - (C x + 1)^-beta              (Luo et al. 2025)
 * docs/curves.md defines S1, S2, S_k.  Every parameter is > 0. */
SF_API size_t sf_curve_law_count(void);
SF_API const char *sf_curve_law_name_at(size_t i);
/* Formula, or NULL for an unknown name. */
SF_API const char *sf_curve_law_formula(const char *name);
/* Number of parameters (0 for an unknown name) and their names. */
SF_API size_t sf_curve_law_n_params(const char *name);
SF_API const char *sf_curve_law_param_name(const char *name, size_t i);

/* One run: its schedule (borrowed) and the checkpoints observed. */
typedef struct sf_curve_run {
    const sf_schedule *schedule;
    size_t n;
    const double *step;   /* n steps, > 0, within the schedule */
    const double *loss;   /* n losses, finite and > 0 */
} sf_curve_run;

typedef struct sf_curve_options {
    double lambda;     /* annealing momentum decay (anneal); default 0.999 */
    double min_step;   /* checkpoints before this step are left out; < 0
                          (default): 5 x the schedule's warm-up; 0 keeps all */
    double level;      /* interval level; default 0.95 */
    int max_iter;      /* Levenberg-Marquardt iterations per start; 500 */
} sf_curve_options;

SF_API void sf_curve_options_init(sf_curve_options *o);

/* A fitted curve law: least squares on log losses over every checkpoint
 * of every run (Levenberg-Marquardt from the law's starts). */
typedef struct sf_curve_fit sf_curve_fit;

/* Fit `law` to n_runs runs (the fit copies what it needs).  SF_ENODATA when
 * fewer checkpoints than parameters remain, SF_EINVAL on bad input,
 * SF_ENOCONV when no start gave a finite objective. */
SF_API int sf_curve_fit_run(const char *law, const sf_curve_run *runs, size_t n_runs,
                            const sf_curve_options *o, sf_curve_fit **out, sf_error *err);
SF_API void sf_curve_fit_free(sf_curve_fit *f);
SF_API const char *sf_curve_fit_law(const sf_curve_fit *f);
SF_API size_t sf_curve_fit_n_params(const sf_curve_fit *f);
SF_API const double *sf_curve_fit_params(const sf_curve_fit *f);  /* natural */
/* sum (log L^ - log L)^2 / 2 over the fitted checkpoints. */
SF_API double sf_curve_fit_objective(const sf_curve_fit *f);
SF_API size_t sf_curve_fit_n_points(const sf_curve_fit *f);
/* Residual scale (log loss) and the lag-1 autocorrelation of residuals
 * along runs used to widen the parameter covariance. */
SF_API double sf_curve_fit_sigma(const sf_curve_fit *f);
SF_API double sf_curve_fit_rho(const sf_curve_fit *f);
/* Objective of `law` at natural params on the runs (as the fit sees them). */
SF_API double sf_curve_objective(const char *law, const double *params,
                                 const sf_curve_run *runs, size_t n_runs,
                                 const sf_curve_options *o);

/* Predicted loss at m steps of a run following `schedule`, with the
 * interval of level o->level of the fit (NULL lo/hi: none): the
 * Gauss-Newton covariance of the parameters, scaled by the residual
 * variance and the AR(1) factor (1+rho)/(1-rho), propagated by the delta
 * method, plus the residual variance, on log loss. */
SF_API int sf_curve_predict(const sf_curve_fit *f, const sf_schedule *schedule,
                            const double *step, size_t m, double *loss, double *lo,
                            double *hi, sf_error *err);

/* What a plot of a forecast needs: the observed curve, the forecast with
 * its band, the schedule (at most 512 points).  Arrays malloc'd; free with
 * sf_curve_plot_free. */
typedef struct sf_curve_plot {
    size_t n_obs;
    double *obs_step, *obs_loss;
    size_t n_fc;
    double *fc_step, *fc_loss, *fc_lo, *fc_hi;
    size_t n_lr;
    double *lr_step, *lr;
} sf_curve_plot;

SF_API int sf_curve_plot_data(const sf_curve_fit *f, const sf_curve_run *run,
                              const double *fc_step, size_t m, sf_curve_plot *out,
                              sf_error *err);
SF_API void sf_curve_plot_free(sf_curve_plot *p);

/* Loss a run would reach at step t if its schedule had been annealed there:
 * L^(t; annealed) - L^(t; actual) + observed.  `annealed` is the schedule
 * of a run of length t (sf_schedule_anneal_at). */
SF_API int sf_schedule_anneal_at(const sf_schedule *s, double t, sf_schedule **out,
                                 sf_error *err);

/* Correct checkpoints to the loss their run would have reached had its
 * schedule annealed there (docs/curves.md): per model size (rows sharing N;
 * all rows when N is NULL) the "anneal" law is fitted jointly to its runs,
 * and each checkpoint at step t past the warm-up cut gets
 *     loss += L^(t; schedule annealed at t) - L^(t; actual schedule),
 * the annealed schedule keeping the warm-up and compressing the decay
 * onto [warm-up, t].  A run's last checkpoint is unchanged.  run[i] is the
 * row's run id (>= 0), step[i] and lr[i] its step and LR; loss is updated
 * in place.  Sizes whose fit fails are left as they are.  *n_corrected
 * (may be NULL) counts the rows changed.  SF_EINVAL on a step repeated
 * within a run or a non-finite value. */
SF_API int sf_curve_correct(size_t n, const int *run, const double *N, const double *step,
                            const double *lr, double *loss, const sf_curve_options *o,
                            size_t *n_corrected, sf_error *err);

/* ------------------------------------------------------------------------ */
/* Downstream task accuracy                                                 */
/* ------------------------------------------------------------------------ */

/*
 * What a model will score on a benchmark: the two-step law of Bhagia et
 * al. (2024) (task loss from N and D by a law of the catalogue, accuracy
 * as a sigmoid of task loss) and a direct power law of compute for log
 * accuracy, fitted per task with intervals from resampling whole runs.
 */

/* Step 2 of the two-step law (Bhagia et al. 2024): accuracy as a falling
 * sigmoid of task loss, acc(L) = b + a / (1 + exp(k (L - L0))), k > 0,
 * a >= 0, 0 <= b, a + b <= 1 (docs/tasks.md). */
typedef struct sf_sigmoid {
    double a, b, k, L0;
    double sse;             /* sum of squared accuracy residuals */
    size_t n;               /* points fitted */
    int floor_fixed;        /* b held at chance */
    int k_at_bound, L0_at_bound; /* the search ended on its box */
} sf_sigmoid;

typedef struct sf_sigmoid_data {
    size_t n;
    const double *L, *acc;  /* n task losses and accuracies */
    const double *w;        /* n weights >= 0 (a resample's multiplicities),
                               or NULL for all 1 */
} sf_sigmoid_data;

/* Least-squares sigmoid through (L, acc) (weighted by w): b fixed at
 * `chance` when it is finite, else fitted in [0, 1].  `warm` (may be NULL)
 * = {k, L0}, a nearby optimum such as the whole table's for a bootstrap
 * resample, replaces the global grid by two Gauss-Newton steps from
 * there (a k-step bootstrap, Andrews 2002).  SF_ENODATA below 4 points,
 * SF_EUNIDENTIFIABLE when every L is equal. */
SF_API int sf_sigmoid_fit(const sf_sigmoid_data *d, double chance, const double *warm,
                          sf_sigmoid *out);
SF_API double sf_sigmoid_eval(const sf_sigmoid *s, double L);

/* A long table of task evaluations: one row per checkpoint and task. */
typedef struct sf_task_data {
    size_t n;
    double *N, *D, *loss, *acc;  /* acc is NaN where the cell is empty */
    int *run;                    /* index into run_names (every row its own
                                    run when the table has no run column) */
    int *task;                   /* index into task_names */
    long *line;                  /* source line of each row */
    char **run_names, **task_names;
    size_t n_runs, n_tasks;
    char *source;
} sf_task_data;

/* Read a task table: N, D, loss (task loss), group (run) through `o`'s
 * column names and filters like sf_data_from_table, plus the text column
 * `task_col` (NULL = "task") and the accuracy column `acc_col` (NULL =
 * "acc", values in [0, 1], empty allowed).  Errors name file, line and
 * column. */
SF_API int sf_task_data_from_table(const sf_table *t, const sf_data_options *o,
                                   const char *task_col, const char *acc_col,
                                   sf_task_data **out, sf_error *err);
SF_API void sf_task_data_free(sf_task_data *d);

typedef enum sf_task_method {
    SF_TASK_TWO_STEP = 1,   /* (N, D) -> task loss -> accuracy */
    SF_TASK_DIRECT = 2,     /* -log acc = E + A / C^alpha, C = 6ND */
    SF_TASK_BOTH = 3
} sf_task_method;

#define SF_TASK_MAX_CHANCE 64

typedef struct sf_task_options {
    const char *law;         /* step-1 law; default "chinchilla" */
    int method;              /* sf_task_method bits; default SF_TASK_BOTH */
    int step1_all;           /* step 1 on every checkpoint, not only each
                                run's last; default 0 */
    double chance;           /* floor of every sigmoid; NaN (default) =
                                fitted unless given per task */
    size_t n_chance;         /* per-task floors, override `chance` */
    char chance_task[SF_TASK_MAX_CHANCE][SF_NAME_MAX];
    double chance_value[SF_TASK_MAX_CHANCE];
    size_t draws;            /* bootstrap resamples of runs; default 200 */
    uint64_t seed;           /* default 0 */
    int threads;             /* 0 = all cores */
    sf_fit_options fit;      /* step-1 and direct fit options */
} sf_task_options;

SF_API void sf_task_options_init(sf_task_options *o);

/* Per-task fits and their draws.  Immutable once made. */
typedef struct sf_task_fit sf_task_fit;

/* Diagnoses of one task. */
enum { SF_TASK_OK = 0, SF_TASK_NO_SIGNAL = 1 };

/* Fit every task of `d`.  Step 1: the law on each run's last checkpoint
 * (or all, o->step1_all); step 2: the sigmoid on every checkpoint with an
 * accuracy; direct: a power law of compute for -log acc on each run's last
 * checkpoint.  Intervals come from o->draws resamples of whole runs, each
 * refitting both steps (resample k uses the stream (seed, k) alone, so the
 * draws do not depend on the thread count).  A task whose accuracy does
 * not rise above its noise over the data is kept with the diagnosis
 * SF_TASK_NO_SIGNAL and no predictions. */
SF_API int sf_task_fit_run(const sf_task_data *d, const sf_task_options *o, sf_task_fit **out,
                           sf_error *err);
SF_API void sf_task_fit_free(sf_task_fit *f);
SF_API size_t sf_task_fit_n_tasks(const sf_task_fit *f);
SF_API const char *sf_task_fit_task(const sf_task_fit *f, size_t i);
SF_API int sf_task_fit_diagnosis(const sf_task_fit *f, size_t i, const char **message);
/* The fits of task i (NULL where a method is off or the task has no
 * signal): the step-1 law's parameters (sf_law_n_params of
 * sf_task_fit_law), the sigmoid, the direct law's {E, A, alpha}; the
 * accuracy residual sd of step 2 and the checkpoints it was fitted on. */
SF_API const sf_law *sf_task_fit_law(const sf_task_fit *f);
SF_API const double *sf_task_fit_step1(const sf_task_fit *f, size_t i);
SF_API const sf_sigmoid *sf_task_fit_sigmoid(const sf_task_fit *f, size_t i, double *resid_sd);
SF_API const double *sf_task_fit_direct(const sf_task_fit *f, size_t i);

/* One prediction: task loss and accuracy by each method, with the interval
 * at `level` over the draws (parameter uncertainty of both steps plus the
 * residual scatter of a single evaluation).  NaN where a method is off or
 * the task has no signal. */
typedef struct sf_task_prediction {
    double N, D, C;
    double loss, loss_lo, loss_hi;
    double acc, acc_lo, acc_hi;                 /* two-step */
    double acc_direct, direct_lo, direct_hi;    /* direct */
    double loss_beyond;  /* how far the predicted loss lies below the
                            lowest task loss fitted, in units of the
                            fitted loss range (0 inside it) */
} sf_task_prediction;

SF_API int sf_task_predict(const sf_task_fit *f, size_t task, double N, double D, double level,
                           sf_task_prediction *out, sf_error *err);

/* The (N, D) with 6ND = C that maximises the task's two-step accuracy: the
 * sigmoid falls with task loss, so it is the allocation that minimises the
 * step-1 law (sf_alloc_optimal on it).  SF_ENOTSUP without a two-step fit. */
SF_API int sf_task_optimal(const sf_task_fit *f, size_t task, double C, sf_alloc_row *row,
                           sf_error *err);

/* The smallest budget whose accuracy-maximising allocation reaches
 * accuracy `acc` on the task: the sigmoid inverted to a task loss, then
 * sf_alloc_target_loss on the step-1 law.  SF_EDOMAIN when acc is outside
 * the sigmoid's range (b, a + b). */
SF_API int sf_task_target_acc(const sf_task_fit *f, size_t task, double acc, sf_alloc_row *row,
                              sf_error *err);

/* The task fit as JSON (docs/json.md) and back. */
SF_API int sf_task_fit_json(const sf_task_fit *f, char **out, sf_error *err);
SF_API int sf_task_fit_json_parse(const char *text, const char *name, sf_task_fit **out,
                                  sf_error *err);
SF_API int sf_task_fit_json_read(const char *path, sf_task_fit **out, sf_error *err);

/* The central `level` band of task `task`'s step-2 sigmoid at the task
 * losses L[0..n) over its bootstrap draws (parameter uncertainty of the
 * sigmoid alone, without the scatter of a single evaluation) into lo and
 * hi (n each; NaN where no draw is finite).  SF_ENOTSUP when the task has
 * no sigmoid (two-step off, or no signal), SF_ENODATA without draws. */
SF_API int sf_task_sigmoid_band(const sf_task_fit *f, size_t task, const double *L, size_t n,
                                double level, double *lo, double *hi, sf_error *err);

/* ------------------------------------------------------------------------ */
/* Plots and the HTML report                                                */
/* ------------------------------------------------------------------------ */

/*
 * Every plot is one self-contained SVG document returned as text, drawn
 * from a chart description by one renderer; the HTML report puts a fit,
 * its draws and its plots on one offline page.  This layer only draws:
 * it reads results and never changes them.
 */

/* Every plot is one SVG 1.1 document (valid XML, no scripts, fonts, images
 * or other external resources) returned in *svg, malloc'd and
 * NUL-terminated; the caller frees it.  It starts with "<svg", so it can be
 * written to a .svg file or inlined in HTML as is.  Log axes carry 10^k
 * major and minor ticks, tick labels never overlap, colours come from the
 * Okabe-Ito palette (categories) and viridis (ordered values, with a colour
 * bar); both stay distinct for colour-blind readers and in greyscale.
 * Errors: SF_EINVAL (bad options or arguments), SF_ENODATA (nothing to
 * draw), SF_ENOMEM.  docs/plots.md shows and explains every plot. */

typedef struct sf_plot_options {
    int width, height;    /* SVG size in px; default 800 x 500 */
    const char *title;    /* NULL: each plot picks a title */
    const char *id;       /* prefix of element ids, so several plots can
                             share one HTML page; NULL = "sf" */
    /* sf_plot_fit: the x axis, SF_ROLE_C, SF_ROLE_N or SF_ROLE_D; -1 (the
     * default) picks C when the law reads N and D, else its variable. */
    int x;
    /* Bands from parameter draws cover this central probability; default
     * 0.95. */
    double level;
    /* x range of sf_plot_optimal in FLOPs; 0 = from the budgets. */
    double x_min, x_max;
    /* sf_plot_optimal with only this many unique tokens (> 0; 0 = none,
     * the default): the data-constrained allocation
     * (sf_alloc_data_constrained) of a law that reads U. */
    double unique_tokens;
    /* sf_plot_optimal for a model that will process this many tokens at
     * inference (> 0; 0 = none, the default): also the inference-aware
     * allocation (sf_alloc_inference). */
    double inference_tokens;
} sf_plot_options;

SF_API void sf_plot_options_init(sf_plot_options *o);

/* The fit against its data: loss against C (or N or D, see o->x) on log
 * axes, runs coloured by N, the fitted law as curves at fixed N (at fixed C
 * when x is N, where fixed-N curves would be vertical), the compute-optimal
 * frontier, and a panel of log residuals log L - log L^ below.  A law of
 * one variable shows its single curve.  `fit` and `data` are borrowed. */
SF_API int sf_plot_fit(const sf_fit *fit, const sf_data *data, const sf_plot_options *o,
                       char **svg, sf_error *err);

/* Compute-optimal allocation against compute C: N_opt(C) and D_opt(C) in
 * one panel, tokens per parameter D/N below, with markers at the rows
 * `marks` (n_marks may be 0).  With `draws` (may be NULL: draws of this
 * fit, bootstrap resamples or posterior draws) the plot shades the
 * central o->level band of each curve across them. */
SF_API int sf_plot_optimal(const sf_fit *fit, const sf_draws *draws,
                           const sf_alloc_row *marks, size_t n_marks,
                           const sf_plot_options *o, char **svg, sf_error *err);

/* A named set of points (plain inputs for the plots below).  Arrays have n
 * entries; y_lo and y_hi (an interval on y) may be NULL. */
typedef struct sf_plot_series {
    const char *name;     /* legend text; may be NULL */
    size_t n;
    const double *x, *y;
    const double *y_lo, *y_hi;
    double value;         /* the number the series stands for (N of a
                             training curve), colouring it on a sequential
                             scale; NaN = none */
    const int *left_out;  /* n flags, may be NULL: nonzero marks a point
                             left out of a fit, drawn hollow (used by
                             sf_plot_envelope and sf_plot_optimum) */
} sf_plot_series;

/* One IsoFLOP profile (Chinchilla Approach 2): the runs of one budget, the
 * fitted curve through them, and its minimum. */
typedef struct sf_plot_profile {
    double compute;            /* the budget C, FLOPs (> 0) */
    sf_plot_series runs;       /* x = N, y = loss */
    sf_plot_series curve;      /* fitted profile, x = N (n may be 0) */
    double min_N, min_loss;    /* minimum of the profile; NaN = none */
    double min_N_lo, min_N_hi; /* interval on min_N; NaN = none */
    unsigned left_out;         /* 0: the budget is in the fit of N_opt(C);
                                  else why not, SF_APPROACH_* bits: its runs
                                  and minimum are drawn hollow, its profile
                                  dashed, the reasons counted in the
                                  subtitle */
} sf_plot_profile;

/* The compute-optimal model size against compute and the power law fitted
 * to it (Hoffmann et al. 2022, figs. 2 and 3, centre), drawn by
 * sf_plot_isoflop and sf_plot_envelope as a panel right of the main one. */
typedef struct sf_plot_optimum {
    sf_plot_series N;  /* x = C, y = N_opt; y_lo, y_hi an interval on N_opt;
                          left_out: points left out of the fit (hollow) */
    sf_powerlaw fit;   /* N_opt = k C^exponent, drawn (solid over the C
                          range of the points in the fit, dashed beyond)
                          and written in the panel when k > 0 and both
                          are finite; lo, hi the exponent's interval (NaN
                          = none) */
    double level;      /* of fit.lo..hi, named in the panel; 0 = unnamed */
} sf_plot_optimum;

/* Loss against N, one colour per budget (viridis by log C, colour bar):
 * runs, fitted profiles, minima.  A minimum at or beyond the edge of its
 * sweep is drawn hollow and counted in the subtitle, as are budgets left
 * out (profile.left_out).  With `opt` (may be NULL) and a width of 760 px
 * or more, the N_opt(C) panel is drawn right of the profiles, its points
 * coloured by C like the budgets; without it a dashed line joins the
 * minima in the fit. */
SF_API int sf_plot_isoflop(const sf_plot_profile *profiles, size_t n,
                           const sf_plot_optimum *opt, const sf_plot_options *o, char **svg,
                           sf_error *err);

/* Chinchilla Approach 1: loss against compute for each training curve
 * (x = C, y = loss), coloured by series value (N) when every curve has one,
 * and their lower envelope (may be NULL) drawn on top, its points left out
 * of the fit hollow.  `opt` (may be NULL) adds the N_opt(C) panel (from
 * 760 px wide). */
SF_API int sf_plot_envelope(const sf_plot_series *curves, size_t n,
                            const sf_plot_series *envelope, const sf_plot_optimum *opt,
                            const sf_plot_options *o, char **svg, sf_error *err);

/* The plots of an sf_isoflop or sf_envelope result (`scalefit isoflop
 * --plot`, `scalefit envelope --plot`): sf_plot_isoflop over every budget
 * (fitted profiles from sf_isoflop_profile_eval, drawn a little beyond the
 * sizes sampled) and sf_plot_envelope over every curve and the envelope,
 * each with its N_opt(C) panel and the fitted N_opt = k C^a.  Budgets and
 * envelope points left out of the fit are drawn hollow.  `d` (may be
 * NULL), the rows the result came from, names the file (and its filters,
 * when they fit) in the title unless o->title is set.  Both are borrowed. */
SF_API int sf_isoflop_svg(const sf_isoflop *r, const sf_data *d, const sf_plot_options *o,
                          char **svg, sf_error *err);
SF_API int sf_envelope_svg(const sf_envelope *e, const sf_data *d, const sf_plot_options *o,
                           char **svg, sf_error *err);

/* Predicted against actual loss (x = actual, y = predicted, optional
 * prediction intervals as y_lo/y_hi), one colour and marker per series
 * (fitted runs, the target model...), the line y = x, and each series'
 * mean absolute relative error in the legend. */
SF_API int sf_plot_validate(const sf_plot_series *series, size_t n,
                            const sf_plot_options *o, char **svg, sf_error *err);

/* A run's loss forecast (`scalefit forecast --plot`): two
 * stacked panels sharing the step axis, the loss on top (observed
 * checkpoints, the forecast line and its interval band, a dotted rule at
 * the last checkpoint) and the learning-rate schedule below.  data comes
 * from sf_curve_plot_data; o->level names the band (set it to the level
 * the forecast used). */
SF_API int sf_plot_forecast(const sf_curve_plot *data, const sf_plot_options *o, char **svg,
                            sf_error *err);

/* The plot of one task of a task fit (`scalefit task fit --plot`): left,
 * accuracy against task loss, every checkpoint of `d` with an accuracy
 * (coloured by model size), the sigmoid and its band at o->level; right,
 * task loss against compute C = 6ND (log), each run's last checkpoint and
 * the step-1 law at each model size over its token range.  A task
 * diagnosed with no signal shows its points and the diagnosis, no curves.
 * `d` is the table the fit was made from.  SF_EINVAL for a bad task. */
SF_API int sf_plot_task(const sf_task_fit *f, const sf_task_data *d, size_t task,
                        const sf_plot_options *o, char **svg, sf_error *err);

/* Pairwise scatter of parameter draws (bootstrap or posterior): draws is
 * n_draws x p row-major, names has p entries, estimate (p values, may be
 * NULL) is marked.  pairs lists n_pairs (x index, y index) pairs, 2 *
 * n_pairs entries; NULL picks alpha-beta, A-alpha and B-beta where the
 * names exist.  An axis is logarithmic when its draws are positive and
 * span a factor of 2 or more.  Each panel gives the correlation
 * (computed on the axes' scales). */
SF_API int sf_plot_pairs(const double *draws, size_t n_draws, size_t p,
                         const char *const *names, const double *estimate,
                         const size_t *pairs, size_t n_pairs, const sf_plot_options *o,
                         char **svg, sf_error *err);

/* The pairwise scatter of a fit's draws (sf_fit_bootstrap, sf_bayes_run,
 * or read from a fit file): sf_plot_pairs over the free parameters (those held by a
 * fix or a tie are left out), each on the scale the law optimises it on
 * (log for E, A and B, linear for the exponents, so the ridge
 * log A - alpha log N = const is a straight line), the fit's parameters
 * marked.  `d` (may be NULL), the rows fitted, names the file in the
 * title.  SF_ENODATA when draws is NULL or empty. */
SF_API int sf_fit_draws_svg(const sf_draws *draws, const sf_data *d, const sf_plot_options *o,
                            char **svg, sf_error *err);

struct sf_validation; /* typedef'd, with its functions, under "Validation by extrapolation" */

/* Predicted against actual loss on the rows of a validation's target
 * (sf_validate, below; `scalefit validate --plot`), drawn by
 * sf_plot_validate.  n = 1: one series per target that was fitted (with
 * loo, every target; beyond 7, the 7 largest).  n > 1: validations of
 * several laws on the same data (as sf_validation_compare_json), each with
 * one target, one series per law.  The subtitle gives the protocol and
 * the targets whose fit failed.  `d` (may be NULL), the rows validated,
 * names the file in the title.  SF_EINVAL for a sweep (its cells have no
 * predictions), SF_ENODATA when no target was fitted. */
SF_API int sf_validation_svg(const struct sf_validation *const *v, size_t n, const sf_data *d,
                             const sf_plot_options *o, char **svg, sf_error *err);

/* What a report shows.  Only fit and data are required; every other field
 * is optional (NULL / 0 leaves its part out). */
typedef struct sf_report {
    const char *title;         /* NULL: "scalefit report: LAW fit to FILE" */
    const char *command;       /* the command line that made it, shown */
    const sf_fit *fit;         /* a fit made by sf_fit_run ... */
    const sf_data *data;       /* ... on these rows */
    /* Intervals per parameter (sf_law_n_params entries each); when NULL
     * and draws are given they are computed from the draws (standard
     * deviation, percentile interval). */
    const double *se, *ci_lo, *ci_hi;
    double level;              /* of ci_lo..ci_hi; default 0.95 */
    const char *interval_method; /* e.g. "bootstrap, 1000 resamples" */
    /* Draws of the fit (bootstrap resamples or posterior draws; may be
     * NULL): interval bands, intervals on the allocation, the pairwise
     * scatter, and their warnings after the fit's. */
    const sf_draws *draws;
    /* Budgets for the allocation table besides the default decades. */
    const double *budgets;
    size_t n_budgets;
    /* More warnings from other analyses, shown with the fit's. */
    const char *const *warnings;
    size_t n_warnings;
    /* More figures (SVG documents, e.g. from sf_plot_isoflop with a
     * distinct o->id each) and their captions (may be NULL). */
    const char *const *figures;
    const char *const *captions;
    size_t n_figures;
    /* A "Downstream tasks" section after the figures (may be NULL; see
     * sf_task_report at the end of this header). */
    const struct sf_task_report *tasks;
} sf_report;

SF_API void sf_report_init(sf_report *r);

/* One self-contained HTML page (CSS and SVG inline, nothing fetched):
 * warnings first, the data summary, the fit table with intervals, an
 * allocation table for decades of compute (and r->budgets), and the plots
 * (fit against C and against N, allocation, pairwise scatter).  *html is
 * malloc'd; the caller frees it. */
SF_API int sf_report_html(const sf_report *r, char **html, sf_error *err);

/* ------------------------------------------------------------------------ */
/* JSON and CSV                                                             */
/* ------------------------------------------------------------------------ */

/*
 * Writers turn results into text and readers turn fit files back into a
 * fit and its draws.  Every writer returns a status, the text in char
 * **out (the caller frees it) and the reason in an sf_error.  What a fit
 * file reports besides the fit is an sf_report_request, not state kept
 * on the fit.  Numbers round-trip exactly, and NaN or infinity never
 * reaches the output.  The writers of the approaches, plans and
 * validations sit with their results above.
 */

/* What a fit's JSON reports besides the fit: the compute-optimal
 * allocation at budgets ("allocations") and the predicted loss at points
 * ("predictions"), with intervals over the draws when draws are given,
 * at `levels` (NULL / 0: the draws' own levels).  Arrays are borrowed for
 * the call.  A request is plain data: sf_report_request_init zeroes it
 * (nothing more reported). */
typedef struct sf_report_request {
    const double *compute;
    size_t n_compute;
    const sf_point *at;
    size_t n_at;
    const double *levels;
    size_t n_levels;
} sf_report_request;

SF_API void sf_report_request_init(sf_report_request *r);

/* The fit as one JSON object (docs/json.md) into *out, ending in a
 * newline.  `draws` (may be NULL; else draws of this fit) adds the
 * summaries and the draws themselves, so that reading the file back gives
 * the same intervals; `req` (may be NULL) adds allocations and
 * predictions.  The warnings are the fit's, then the draws'.  SF_ENOMEM,
 * or SF_EINVAL for draws of another fit. */
SF_API int sf_fit_json(const sf_fit *fit, const sf_draws *draws, const sf_report_request *req,
                       char **out, sf_error *err);

/* Read a fit file written from sf_fit_json.  *fit owns a new law and the
 * fit (sf_fit_free releases both).  *draws (when `draws` is not NULL)
 * gets the file's draws, referring to *fit, or NULL when it has none; with
 * `draws` NULL they are not read.  Free the draws with sf_draws_free, and
 * use them no longer than *fit.  On failure both are NULL. */
SF_API int sf_fit_json_read(const char *path, sf_fit **fit, sf_draws **draws, sf_error *err);
SF_API int sf_fit_json_parse(const char *text, const char *name, sf_fit **fit,
                             sf_draws **draws, sf_error *err);

/* Predictions as JSON: {"law", "rows": [{"N", "D", "C", "U"?, "loss"}]};
 * U appears when with_u; N, D or C is left out when 0 (not given, as for a
 * law of one variable). */
SF_API int sf_predict_json(const sf_law *law, const sf_point *x, const double *loss, size_t n,
                           int with_u, char **out, sf_error *err);

/* The data as CSV text (header N,D,C,loss[,U][,group][,weight]; numbers
 * with 17 significant digits). */
SF_API int sf_data_csv(const sf_data *d, char **out, sf_error *err);

/* Allocation rows as JSON: {"law", "rows": [...]}. */
SF_API int sf_alloc_json(const sf_law *law, const sf_alloc_row *rows, size_t n, char **out,
                         sf_error *err);

/* ---- the task report (issue 15) ---- */

/* The downstream tasks of a task fit as a report: per task the fitted
 * parameters of both methods with their intervals over the draws, the
 * diagnosis of a task with no signal (in place of its sigmoid), the
 * predictions at the given points and budgets with intervals, and the
 * task plot (sf_plot_task) inline.  As a page of its own
 * (sf_task_report_html, `scalefit task fit --report`) or as a section of
 * the fit's report (sf_report.tasks, `scalefit report --tasks`). */
typedef struct sf_task_report {
    const char *title;          /* NULL: "scalefit task report: FILE" */
    const char *command;        /* the command line that made it, shown */
    const sf_task_fit *fit;     /* required */
    const sf_task_data *data;   /* required: the table fitted (plots, counts) */
    double level;               /* of intervals and bands; default 0.9 */
    /* Predictions at paired points (N[i], D[i]) ... */
    const double *N, *D;
    size_t n_points;
    /* ... and at each budget's accuracy-maximising allocation
     * (sf_task_optimal). */
    const double *compute;
    size_t n_compute;
} sf_task_report;

SF_API void sf_task_report_init(sf_task_report *r);

/* One self-contained HTML page, as sf_report_html's (CSS and SVG inline,
 * nothing fetched).  *html is malloc'd; the caller frees it.  SF_EINVAL
 * for a report without fit or data, or a level outside (0, 1). */
SF_API int sf_task_report_html(const sf_task_report *r, char **html, sf_error *err);

/* ---- Python bindings support (issue 21) ---- */

/* What bindings in other languages (python/pyscalefit, through ctypes)
 * need to check that their copies of the public structs match this
 * library before they pass one in. */

/* SF_VERSION of the library as built (static string). */
SF_API const char *sf_version(void);

/* sizeof the public struct named `name` ("sf_error", "sf_fit_options",
 * "sf_data", "sf_summary", ...: every struct a binding fills or reads), or
 * 0 for a name the library does not know. */
SF_API size_t sf_struct_size(const char *name);

/* ---- Extrapolation intervals of rows (issue 21) ---- */

/* The extrapolation interval (sf_fit_extrap_interval) of each of n rows
 * whose point lies beyond `fit`'s data: out[i] (n elements, caller's
 * memory) gets it where the fit has `draws` (at least 2), the point's N
 * or D exceeds the fit's data range (sf_extrap_distance > 0) and the loss
 * is positive; every other row gets n_levels = 0, and so does a row whose
 * interval cannot be computed.  *n_beyond (may be NULL) counts the rows
 * with an interval.  levels NULL / n_levels 0: the draws' levels.  What
 * `scalefit optimal` and `predict` attach to their rows
 * (sf_extrap_attach_json with key "rows").  SF_EINVAL for NULL arrays
 * with n > 0 or more than SF_MAX_LEVELS levels. */
SF_API int sf_fit_extrap_alloc(const sf_fit *fit, const sf_draws *draws, const sf_alloc_row *rows,
                               size_t n, const double *levels, size_t n_levels, sf_extrap *out,
                               size_t *n_beyond, sf_error *err);
/* The same for predictions: the point x[i] (its N and D) with the
 * predicted loss[i]. */
SF_API int sf_fit_extrap_points(const sf_fit *fit, const sf_draws *draws, const sf_point *x,
                                const double *loss, size_t n, const double *levels,
                                size_t n_levels, sf_extrap *out, size_t *n_beyond,
                                sf_error *err);

/* ---- Schedule correction of a table's checkpoints (issue 21) ---- */

/* Correct the checkpoints of LR-scheduled runs as `scalefit fit` and
 * `validate` do unless --no-schedule (docs/curves.md).  When the table
 * `t` that `d` was read from (sf_data_from_table; d's rows are matched to
 * t's by source line, so d may be filtered) has an lr column (the first
 * of "lr", "learning_rate", "optim/learning_rate_group0") and a step
 * column ("step", "_step"), d's losses become those their runs would have
 * reached annealed at each checkpoint (sf_curve_correct, default curve
 * options; runs by d's group, else one run per distinct N, else one run).
 * *lr_col and *step_col (may be NULL) name the columns found (static
 * strings; NULL where absent): an lr column without a step column
 * corrects nothing.  *n_corrected (may be NULL) counts the rows changed.
 * Data without loss or source lines are left alone.  SF_EPARSE (file,
 * line, column) for a step or lr cell that is not a finite number >= 0,
 * SF_EINVAL for a row of d not in t or NULL t or d, and sf_curve_correct's
 * errors; d may be partly corrected after an error. */
SF_API int sf_curve_correct_table(const sf_table *t, sf_data *d, const char **lr_col,
                                  const char **step_col, size_t *n_corrected, sf_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SCALEFIT_H */

/*
 * Shared pieces of the command-line tool: option parsing, messages, output
 * files.  The CLI is the only code that prints, exits or reads the
 * environment.  Its conventions: errors as one line "scalefit: error:
 * FILE:LINE:COL: message" and exit 1, misuse (a bad option) a usage line
 * and exit 2; --help on standard output (docs/scalefit.1 is the
 * manual).
 */
#ifndef SF_CLI_H
#define SF_CLI_H

#include <stdio.h>

#include "scalefit.h"

/* Exit statuses (like jq and grep): 0 success, 1 error, 2 misuse. */
enum { CLI_OK = 0, CLI_ERROR = 1, CLI_USAGE = 2, CLI_INTERRUPTED = 130 };

typedef struct cli_opt {
    const char *name;  /* long name without "--" */
    char short_name;   /* 0 for none */
    int has_arg;
    int id;
} cli_opt;

enum { CLI_ARG_POSITIONAL = -1, CLI_ARG_END = -2, CLI_ARG_BAD = -3 };

typedef struct cli_parser {
    const char *cmd;          /* "fit", for messages */
    const char *usage;        /* one-line usage */
    const cli_opt *opts;
    const cli_opt *more;      /* a second table (shared options), or NULL */
    int argc, i;
    char **argv;
    int only_positional;      /* after "--" */
    const char *name;         /* option being parsed, for messages */
    /* Options with a value seen so far: one given twice is misuse unless
     * it is repeatable (cli_next; issue 18). */
    const cli_opt *seen[64];
    int n_seen;
} cli_parser;

void cli_init(cli_parser *p, const char *cmd, const char *usage, const cli_opt *opts, int argc,
              char **argv);
/* Next option id, CLI_ARG_POSITIONAL (value = the argument), CLI_ARG_END,
 * or CLI_ARG_BAD (a usage message was printed). */
int cli_next(cli_parser *p, const char **value);

/* Also accept the options of a second table (e.g. cli_fit_opts). */
void cli_add_options(cli_parser *p, const cli_opt *more);

/* "scalefit CMD: MESSAGE" + usage + hint on stderr; returns CLI_USAGE. */
int cli_usage_error(const cli_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "scalefit: error: MESSAGE" on stderr; returns CLI_ERROR. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The library error, formatted with file, line and column. */
int cli_lib_error(const sf_error *err);
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Strict numbers for option values; print a usage error and return
 * CLI_USAGE on failure, CLI_OK otherwise. */
int cli_double(const cli_parser *p, const char *s, double *out);
int cli_positive(const cli_parser *p, const char *s, double *out);
int cli_int(const cli_parser *p, const char *s, long lo, long hi, long *out);
/* A non-negative 64-bit seed. */
int cli_seed(const cli_parser *p, const char *s, uint64_t *out);
/* A comma-separated list of positive numbers; *out is malloc'd. */
int cli_list(const cli_parser *p, const char *s, double **out, size_t *n);
/* "NAME=VALUE": name copied into buf, value parsed. */
int cli_name_value(const cli_parser *p, const char *s, char *buf, size_t size, double *value);

/* Output files (files.c).  Files are kept in memory and written only when
 * the command succeeds (cli_finish): each to a temporary file beside it,
 * flushed, fsync'd and renamed into place, so a failed or interrupted run
 * leaves every old file byte-identical.  "-" is standard output, written
 * at once.  Each returns CLI_OK or CLI_ERROR after printing the error. */
int cli_write_file(const char *path, const char *text);
/* Write text a library call made (status rc, text malloc'd, or NULL on
 * failure with err filled) to path, and free it. */
int cli_write_made(const char *path, int rc, char *text, const sf_error *err);
/* "scalefit ARGS..." as a shell would take it back (cmd_report.c), shown
 * in reports; malloc'd, NULL on ENOMEM. */
char *cli_command_line(int argc, char **argv);
/* `report --tasks`: read a task table with task fit's default columns (N,
 * D or C, task, loss, acc, and run as the group when the table has it) and
 * fit it with task fit's defaults (cmd_task.c); warnings printed. */
int cli_task_load_fit(const char *path, uint64_t seed, int threads, sf_task_data **d,
                      sf_task_fit **f);
/* Write every queued output (cli_finish does), or drop them all. */
int cli_commit_outputs(void);
void cli_drop_outputs(void);
/* Before any work: CLI_ERROR (with a message) when an output is one of
 * the inputs, or two outputs are one file: same device and inode when the
 * file exists, same resolved path otherwise.  out_opts name each output's
 * option for the message ("-o", "--plot"); NULL entries and "-" are
 * skipped; at most 8 of each. */
int cli_check_paths(const char *const *inputs, size_t n_in, const char *const *outputs,
                    const char *const *out_opts, size_t n_out);

/* Ctrl-C and SIGTERM: the handler sets cli_interrupted (the signal), which
 * the library's long loops see through sf_*_options.cancel and stop with
 * SF_ECANCELED; cli_finish then drops the outputs, prints one line and
 * exits 130.  A second signal exits at once. */
#include <signal.h>
extern volatile sig_atomic_t cli_interrupted;
void cli_install_signals(void);
/* "scalefit: interrupted; no file written" on stderr; CLI_INTERRUPTED. */
int cli_canceled(void);

/* Flush and close stdout, reporting a write error (full disk, closed
 * pipe); returns the status to exit with. */
int cli_finish(int status);

/* A fitted law from FIT.json, or from --law NAME with --set NAME=VALUE for
 * every parameter (published values).  Returns CLI_OK, CLI_ERROR, or
 * CLI_USAGE; *out owns everything. */
typedef struct cli_model_args {
    const char *fit_path;
    const char *law;
    sf_law_options law_opt;   /* --x, --breaks with --law (cli_model_args_init) */
    unsigned law_opt_given;   /* SF_LAW_OPT_* bits of the options given */
    size_t n_set;
    char set_name[SF_MAX_PARAMS][SF_NAME_MAX];
    double set_value[SF_MAX_PARAMS];
} cli_model_args;
/* *draws (when draws is not NULL) gets the fit file's draws, or NULL. */
int cli_load_model(const cli_parser *p, const cli_model_args *m, sf_fit **out,
                   sf_draws **draws, sf_law **owned_law);
void cli_model_args_init(cli_model_args *m);
/* The options that name the model (--law, --set, --x, --breaks) for a
 * command's table, and their handler: as cli_fit_arg, for CLI_MODEL_* ids
 * and the positional FIT.json. */
enum { CLI_MODEL_LAW = 1200, CLI_MODEL_SET, CLI_MODEL_X, CLI_MODEL_BREAKS };
#define CLI_MODEL_OPTIONS                                                                    \
    {"law", 0, 1, CLI_MODEL_LAW}, {"set", 0, 1, CLI_MODEL_SET}, {"x", 0, 1, CLI_MODEL_X},    \
        {"breaks", 0, 1, CLI_MODEL_BREAKS}
int cli_model_arg(const cli_parser *p, int id, const char *v, cli_model_args *m);

/* --x N|D|C and --breaks K into *o, recording SF_LAW_OPT_* in *given. */
int cli_x_arg(const cli_parser *p, const char *v, sf_law_options *o, unsigned *given);
int cli_breaks_arg(const cli_parser *p, const char *v, sf_law_options *o, unsigned *given);
/* An error when law `law` does not read an option in `given` (a usage
 * error with a parser, else a plain error); CLI_OK otherwise. */
int cli_law_options_check(const cli_parser *p, const char *law, unsigned given);

/* ---- options of every command that fits a law (fit, bayes, validate,
 * report) ------------------------------------------------------------------ */

typedef struct cli_fit_args {
    const char *law;          /* default "chinchilla" */
    sf_law_options law_opt;
    unsigned law_opt_given;   /* SF_LAW_OPT_* bits: --x, --breaks given */
    sf_data_options data;
    sf_fit_options fit;
    int no_schedule;          /* --no-schedule: losses as logged (issue 16) */
    const char *law_file;     /* --law-file FILE (issue 20) */
    sf_formula_options formula; /* --bound NAME=LO:HI for formula laws */
} cli_fit_args;

/* Option ids of the shared table are CLI_FIT_OPT_BASE and up. */
enum { CLI_FIT_OPT_BASE = 1000 };
extern const cli_opt cli_fit_opts[];
/* Help text for those options, for a command's --help. */
extern const char cli_fit_help[];
/* Only the data options (--col, --filter, --drop-missing), handled by
 * cli_fit_arg too, for commands that read runs without fitting a law. */
extern const cli_opt cli_data_opts[];
extern const char cli_data_help[];

void cli_fit_args_init(cli_fit_args *a);
/* Handle option `id` with value v if it is a shared fit option: returns
 * CLI_OK when handled, CLI_USAGE after a usage message, -1 when `id` is not
 * a fit option. */
int cli_fit_arg(const cli_parser *p, int id, const char *v, cli_fit_args *a);
/* Create the law and read DATA with the roles it needs.  On failure prints
 * the error and returns CLI_ERROR; *law and *d are NULL then. */
int cli_fit_load(const cli_fit_args *a, const char *path, sf_law **law, sf_data **d);
/* The law of --law NAME, --law FORMULA or --law-file FILE, with the
 * columns of the CSV at `path` (NULL or "-": none) for a formula's extra
 * variables.  Prints the error and returns CLI_ERROR on failure. */
int cli_law_make(const cli_fit_args *a, const char *path, sf_law **law);
/* The formula of a law, built-in or typed. */
const char *cli_law_formula(const sf_law *law);
/* Is this --law value a formula rather than a catalogue name? */
int cli_is_formula(const char *law);

/* Format a number for tables: %.6g, but with thousands as 1.2e+09. */
const char *cli_num(double x, char *buf, size_t size);

/* The human-readable fit report (d may be NULL). */
void cli_print_fit(FILE *out, const sf_fit *fit, const sf_data *d);
/* Its "data:" and "columns:" lines: file, rows used, filters, column per
 * role. */
void cli_print_data(FILE *out, const sf_data *d);

/* ---- intervals: options shared by fit and bayes, tables, progress ------ */

enum { CLI_UNC_CI = 1100, CLI_UNC_COMPUTE, CLI_UNC_AT };
/* Entries for a command's option table. */
#define CLI_UNC_OPTIONS                                                                      \
    {"ci", 0, 1, CLI_UNC_CI}, {"compute", 0, 1, CLI_UNC_COMPUTE}, {"at", 0, 1, CLI_UNC_AT}

typedef struct cli_unc_args {
    size_t n_levels;
    double levels[SF_MAX_LEVELS];
    int ci_given;
    double *compute;          /* --compute budgets (malloc'd) */
    size_t n_compute;
    sf_point *at;             /* --at points (malloc'd) */
    size_t n_at;
} cli_unc_args;

extern const char cli_unc_help[];
void cli_unc_args_init(cli_unc_args *u);
void cli_unc_args_free(cli_unc_args *u);
/* As cli_fit_arg, for CLI_UNC_* ids. */
int cli_unc_arg(const cli_parser *p, int id, const char *v, cli_unc_args *u);
/* A list of interval levels in (0, 1) for --ci. */
int cli_levels(const cli_parser *p, const char *v, double *levels, size_t *n);

/* Tables: the draws' summaries of parameters and derived quantities;
 * allocations (with intervals when s has draws, else one line each);
 * predictions (pred, the prediction interval, may be NULL).  `draws` may
 * be NULL (no draws). */
void cli_print_uncertainty(FILE *out, const sf_draws *draws, const double *levels,
                           size_t n_levels);
void cli_print_allocations(FILE *out, const sf_draws *draws, const sf_alloc_row *rows,
                           const sf_summary (*s)[5], size_t n);
void cli_print_predictions(FILE *out, const sf_draws *draws, const sf_point *x,
                           const sf_summary *loss, const sf_summary *pred, size_t n, int with_u);
/* --ci given (n_levels > 0) for a fit file without draws: a usage error. */
int cli_ci_needs_draws(const cli_parser *p, const sf_draws *draws, size_t n_levels);
/* Allocation and prediction summaries for --compute and --at, printed;
 * returns CLI_OK or prints the error. */
int cli_report_intervals(FILE *out, const sf_fit *fit, const sf_draws *draws,
                         const cli_unc_args *u);

/* The bootstrap options of fit and report (--bootstrap K, --resample
 * rows|group, --warm-start) for a command's table, and their handler: as
 * cli_fit_arg, for CLI_BOOT_* ids. */
enum { CLI_BOOT_K = 1300, CLI_BOOT_RESAMPLE, CLI_BOOT_WARM };
#define CLI_BOOT_OPTIONS                                                                     \
    {"bootstrap", 0, 1, CLI_BOOT_K}, {"resample", 0, 1, CLI_BOOT_RESAMPLE},                  \
        {"warm-start", 0, 0, CLI_BOOT_WARM}
typedef struct cli_boot_args {
    sf_bootstrap_options bo;
    int on;             /* --bootstrap K given */
    int resample_given; /* --resample given */
} cli_boot_args;
void cli_boot_args_init(cli_boot_args *b);
int cli_boot_arg(const cli_parser *p, int id, const char *v, cli_boot_args *b);
/* The option ("resample", "warm-start") given without --bootstrap K, or
 * NULL. */
const char *cli_boot_orphan(const cli_boot_args *b);
/* sf_fit_bootstrap with a progress bar ("bootstrap") into *draws; CLI_OK,
 * or CLI_ERROR after printing the error. */
int cli_bootstrap(const sf_fit *fit, const sf_data *d, sf_bootstrap_options *bo,
                  sf_draws **draws);

/* What fit and bayes do once the work is done: print the warnings of the
 * fit and its draws (may be NULL), write the fit's JSON (reporting
 * --compute and --at) to -o FILE, the draws to --samples FILE, and print
 * the JSON when json. */
int cli_emit_fit(const sf_fit *fit, const sf_draws *draws, const cli_unc_args *u,
                 const char *out_path, const char *samples, int json);

/* A progress bar on standard error, only when it is a terminal (and TERM
 * is not "dumb"); coloured unless NO_COLOR is set.  cli_progress_update
 * is an sf_progress_fn with ctx = the cli_progress. */
typedef struct cli_progress {
    int on, color, drawn;
    const char *what;
    double t0, last;
} cli_progress;
void cli_progress_init(cli_progress *pr, const char *what);
void cli_progress_update(void *ctx, size_t done, size_t total);
void cli_progress_done(cli_progress *pr);

/* ---- diagnoses and strict option values (issue 18; src/cli/trust.c) --- */

/* One line per diagnosis of the fit: PREFIX "CODE (PARAM): MESSAGE". */
void cli_print_diagnoses(FILE *out, const sf_fit *fit, const char *prefix);
/* The diagnoses as warnings on stderr (at_bound has its own warning from
 * the fit, so only the others), each prefixed with "PATH: " when path. */
void cli_warn_diagnoses(const sf_fit *fit, const char *path);
/* What optimal and predict say about a fit file with diagnoses: one
 * warning per diagnosis naming its parameter and `what` rests on it
 * ("the allocation", "predictions beyond the data").  The parameter of
 * the first diagnosis that names one, or NULL. */
const char *cli_diagnoses_for(const sf_fit *fit, const char *path, const char *what);
/* The first diagnosis that names a parameter into *g: 1, or 0 if none. */
int cli_first_diagnosis(const sf_fit *fit, sf_diagnosis *g);

/* Subcommands. */
int cmd_fit(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_optimal(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_isoflop(int argc, char **argv);
int cmd_envelope(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_bayes(int argc, char **argv);
int cmd_task(int argc, char **argv);
/* optimal TASKS.json --maximize-acc TASK: allocations of a task fit. */
int cmd_optimal_task(int argc, char **argv);

/* ---- extrapolation intervals (issue 23; src/cli/extrap.c) ---- */

/* One line: the interval at each level with its half-width, the part that
 * dominates and the distance. */
void cli_print_extrap(FILE *out, const char *indent, const sf_extrap *x);
/* A validation target's final row: prediction, actual, intervals, covered. */
void cli_print_final(FILE *out, const sf_validation_final *f);
/* Coverage of the final rows over a validation's targets (cells: 1 for a
 * sweep's cells); nothing when none has an interval. */
void cli_print_coverage(FILE *out, const sf_validation *v, int cells);
/* Intervals of allocation rows (their N, D and loss) and of predicted
 * points: malloc'd, n entries, or NULL when none lies beyond the data. */
sf_extrap *cli_extrap_alloc(const sf_fit *fit, const sf_draws *draws, const sf_alloc_row *rows,
                            size_t n, const double *levels, size_t n_levels);
sf_extrap *cli_extrap_points(const sf_fit *fit, const sf_draws *draws, const sf_point *x,
                             const sf_summary *loss, size_t n, const double *levels,
                             size_t n_levels);
/* js (freed) with "extrapolation" added to its "rows" where ex has one;
 * js itself when ex is NULL; NULL on failure. */
char *cli_attach_extrap(char *js, const sf_extrap *ex, size_t n);
/* A paragraph per row of ex beyond the data ("budget 2 ..."). */
void cli_print_extrap_rows(FILE *out, const sf_extrap *ex, size_t n, const char *what);

#endif /* SF_CLI_H */

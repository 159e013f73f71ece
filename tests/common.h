/* Helpers shared by the test programs (Criterion). */
#ifndef SF_TEST_COMMON_H
#define SF_TEST_COMMON_H

#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>

#include "scalefit.h"

/* Path of a file under ../shared/data (or $SCALEFIT_SHARED/data).  When it
 * is missing the test is skipped with a message, or fails when CI=true:
 * CI always has the shared data beside the checkout.  Returns a static
 * buffer (one of a few, so two calls can be combined in one expression). */
const char *shared_file(const char *rel);

/* Muennighoff et al.'s 182 final losses (../shared/data, SOURCE.md there). */
#define DATABLATIONS "datablations_muennighoff/fit182_c4_final_losses.csv"

/* That file read with N, D and U required (skips or fails like
 * shared_file when the data are missing); asserts its 182 rows. */
sf_data *datablations_data(void);

/* Skip a test under `make valgrind` (SF_VALGRIND=1) when it only repeats
 * code paths other tests cover, at a cost of minutes under memcheck (the
 * 4500-start grid, thousands of bootstrap refits).  The native and ASan
 * runs still execute it. */
void skip_under_valgrind(const char *why);

/* A scratch file path in this process's temporary directory. */
const char *tmp_file(const char *name);

/* Whole file contents, malloc'd and NUL-terminated (NULL if unreadable). */
char *read_text(const char *path);
void write_text(const char *path, const char *text);

/* Run the scalefit binary ($SCALEFIT_BIN, default build/scalefit) with the
 * NULL-terminated argument list, optional text on standard input. */
typedef struct cli_run {
    int status;   /* exit status, or 128 + signal */
    char *out;    /* standard output */
    char *err;    /* standard error */
} cli_run;

cli_run run_cli(const char *stdin_text, const char *const *argv);
void cli_run_free(cli_run *r);
/* Number of lines in s (a trailing newline does not start a new line). */
int count_lines(const char *s);

/* |a - b| <= tol * |b| */
#define assert_rel(a, b, tol, what)                                                      \
    cr_assert(fabs((double)(a) - (double)(b)) <= (tol) * fabs((double)(b)),                \
              "%s: got %.12g, expected %.12g (relative tolerance %g)", what, (double)(a), \
              (double)(b), (double)(tol))

/* Load run data from CSV text (named "test.csv"); asserts success. */
sf_data *data_from_text(const char *csv, const sf_data_options *o);

/* The status of reading CSV text, and the error it gives. */
int data_error(const char *csv, const sf_data_options *o, sf_error *err);

/* Fit and assert success, and that the reported objective equals the
 * objective recomputed at the reported parameters (a fit reports the
 * objective at the parameters it reports, not at an internal iterate). */
sf_fit *fit_checked(const sf_law *law, const sf_data *d, const sf_fit_options *o);

/* Create law `name` with the variable x and breaks; asserts success. */
sf_law *law_checked(const char *name, sf_role x, int breaks);

/* A law of another shape, made for tests of the generic machinery:
 * log L = c - k log N with k >= 0 (a bound), no variable projection (the
 * fit screens its start grid).  Reads N; free it with free(). */
sf_law *test_slope_law(void);

/* Deterministic standard normal draws: a 64-bit LCG through Box-Muller. */
double lcg_normal(unsigned long long *s);

/* A synthetic task ladder written to tmp_file(name): 5 sizes x 4 token
 * multiples, ten checkpoints a run; task "signal" has a Chinchilla task
 * loss (E 0.5, A 300, alpha 0.3, B 400, beta 0.28) and a sigmoid accuracy
 * (a 0.6, b 0.25, k 5, L0 1.3), task "flat" sits at chance (0.25) with
 * noise.  Columns run,N,D,task,loss,acc.  Returns a static path. */
const char *task_ladder_csv(const char *name);

/* That ladder (written as PREFIX_ladder.csv) fitted through the CLI
 * (`task fit --col group=run --draws 40 --threads 1 -o PREFIX_tasks.json`),
 * the fit read back from the file and the table read as task data. */
void task_ladder_fit(const char *prefix, sf_task_fit **f, sf_task_data **d);

/* What a test found wrong, gathered to be reported all at once. */
typedef struct test_report {
    char text[16384];
    size_t used;
} test_report;

/* Append to r (printf-style); text past the buffer is dropped. */
void problem(test_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

/*
 * Learning-curve input of `forecast` and `watch`: runs read from CSV
 * (columns step, lr, loss, optionally run and tokens).
 */
#ifndef SF_CLI_CURVES_H
#define SF_CLI_CURVES_H

#include "cli/cli.h"

typedef struct cli_crun {
    char *name;
    size_t n;            /* rows */
    double *step, *lr, *loss;  /* loss NaN: a step to forecast */
    sf_schedule *sched;  /* from (step, lr); LR 1 without an lr column */
    size_t n_obs;        /* observed rows, by step */
    double *obs_step, *obs_loss;
    size_t n_fut;
    double *fut_step;
} cli_crun;

typedef struct cli_curves {
    size_t n_runs;
    cli_crun *run;
    long target;         /* the run with rows to forecast, or -1 */
    int has_lr;          /* an lr column was read */
} cli_curves;

/* Column names (NULL: the aliases) of step, lr, loss, run. */
typedef struct cli_curve_cols {
    const char *step, *lr, *loss, *run;
} cli_curve_cols;

/* Read one CSV (its run column splits it into runs) and append its runs
 * to c.  Errors name FILE:LINE:COL; returns an SF_ status. */
int cli_curves_read(const char *path, const cli_curve_cols *cols, cli_curves *c,
                    sf_error *err);
/* Build each run's schedule and its observed / future arrays and pick the
 * target run.  SF_ status. */
int cli_curves_finish(cli_curves *c, const char *source, sf_error *err);
void cli_curves_free(cli_curves *c);

#endif /* SF_CLI_CURVES_H */

/* ---- forecast / watch (cmd_forecast.c, cmd_watch.c) ---- */

typedef struct fc_args {
    const char *path;
    cli_curve_cols cols;
    const char *law;           /* default "anneal" */
    sf_curve_options opt;
    const char *schedule;      /* --schedule SPEC */
    const char *compare;       /* --compare-schedules SPEC,SPEC */
    long points;               /* --points: forecast steps with --schedule */
    int json;
    double interval;           /* watch --interval seconds */
    int once;                  /* watch --once */
    const char *plot;          /* forecast --plot FILE.svg */
} fc_args;

typedef struct fc_result {
    sf_curve_fit *fit;
    const cli_crun *target;
    size_t m;
    double *step, *loss, *lo, *hi;
    sf_schedule *sched;        /* the target's forecast schedule (owned) */
    size_t n_cmp;
    char **cmp_spec;
    double *cmp_step, *cmp_loss, *cmp_lo, *cmp_hi;
    size_t n_runs_fit;
} fc_result;

/* Parse the options shared by forecast and watch (watch: also --interval,
 * --once).  CLI_OK, CLI_USAGE, or -1 after --help was printed. */
int fc_parse(int argc, char **argv, fc_args *a, int watch);
/* Fit and forecast the curves c.  SF_ status with err. */
int fc_compute(const fc_args *a, const cli_curves *c, fc_result *r, sf_error *err);
void fc_result_free(fc_result *r);

int cmd_forecast(int argc, char **argv);
int cmd_watch(int argc, char **argv);

/* ---- schedule correction of fit / validate data (cli/schedfix.c) ---- */

/* When the CSV at `path` has an lr column (lr, learning_rate,
 * optim/learning_rate_group0) and a step column (step, _step), correct the
 * losses of d in place to their annealed values (sf_curve_correct_table): runs
 * by d's group, else by N.  *n_corrected rows changed; *lr_col the column
 * used (static storage, NULL when none: d untouched).  CLI_OK or
 * CLI_ERROR (message printed). */
int cli_schedule_correct(const char *path, sf_data *d, size_t *n_corrected,
                         const char **lr_col);

/*
 * Internals of the task laws (task.c, sigmoid.c, and the JSON of a task
 * fit in src/io/task_json.c).
 */
#ifndef SF_TASK_IMPL_H
#define SF_TASK_IMPL_H

#include "scalefit.h"

/* One task's fits and their bootstrap draws. */
typedef struct sf_task_one {
    char *name;
    double chance;            /* NaN: floor fitted */
    size_t n_rows, n_final;   /* checkpoints with accuracy; step-1 points */
    double loss_min, loss_max;/* task loss over the checkpoints fitted */
    double N_max, D_max, C_max;
    /* two-step */
    int has_two_step;
    double *step1;            /* law parameters (n_step1) */
    double step1_objective;
    sf_sigmoid sig;
    double resid_sd;          /* accuracy residual sd of step 2 */
    /* direct: -log acc = E + A C^-alpha on the final checkpoints */
    int has_direct;
    double direct[3];
    double direct_objective;
    double direct_resid_sd;   /* on log accuracy */
    /* diagnosis: 0 none, else SF_TASK_NO_SIGNAL */
    int diagnosis;
    char *message;
    /* the whole-table fits, kept while the draws start from them */
    sf_fit *fit_step1, *fit_direct;
    /* draws, B rows each; NaN rows for failed resamples */
    size_t n_draws;
    double *d_step1;          /* B x n_step1 */
    double *d_sig;            /* B x 4: a, b, k, L0 */
    double *d_direct;         /* B x 3 */
    double *d_resid;          /* B: a step-2 residual drawn with the resample */
    double *d_resid_direct;   /* B: a direct residual (log accuracy) */
} sf_task_one;

struct sf_task_fit {
    sf_law *law;              /* step-1 law (owned) */
    sf_law *direct_law;       /* power in C (owned) */
    size_t n_step1;
    sf_task_options opt;
    char law_name[SF_NAME_MAX];
    size_t n_tasks;
    sf_task_one *tasks;
};

/* The direct law's -log accuracy at compute C: E + A / C^alpha, p = {E, A,
 * alpha} (the law `power` in C). */
double sf_task_direct_eval(const double *p, double C);

#endif /* SF_TASK_IMPL_H */

/* Text and JSON output of scalefit task (cmd_task.c, task_print.c). */
#ifndef SF_CLI_TASK_PRINT_H
#define SF_CLI_TASK_PRINT_H

#include <stdio.h>

#include "scalefit.h"

/* The per-task fits as a table. */
void task_print_fit(FILE *out, const sf_task_fit *f, const sf_task_data *d);

/* Predictions for every task (or only `task`) at paired (N, D) lists or at
 * the accuracy-maximising allocation of each budget C; text or JSON. */
int task_predict_all(int json, const sf_task_fit *f, const char *task, const double *N,
                     size_t nN, const double *D, size_t nD, const double *C, size_t nC,
                     double level);

/* Predict each held-out run's last checkpoint (runs with N == hold in
 * `all`) for every task, and report errors in points and coverage. */
int task_validate_report(int json, const sf_task_fit *f, const sf_task_data *all, double hold,
                         double level);

/* Allocations that reach target accuracies (optimal --target-acc). */
int task_print_target_acc(int json, const char *task, const double *acc, const sf_alloc_row *r,
                          size_t n);

#endif /* SF_CLI_TASK_PRINT_H */

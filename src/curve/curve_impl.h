/*
 * Learning curves under a learning-rate schedule (issue 16): schedules,
 * per-checkpoint features, the curve-law table.
 */
#ifndef SF_CURVE_IMPL_H
#define SF_CURVE_IMPL_H

#include <stddef.h>

#include "scalefit.h"

struct sf_schedule {
    size_t steps;  /* last step */
    double *eta;   /* eta[t], t = 0..steps */
};

#define CURVE_MAX_P 8

/* Features of the rows a law is evaluated at (fit rows or forecast steps),
 * computed once from each run's schedule in O(steps), so that one
 * evaluation of "steps" or "anneal" is O(rows).  "multipower" also needs
 * the LR drops before each row: the schedule is cut into segments at a
 * 64-point grid and at every row's step, and a row sums over the
 * segments before it (O(rows x segments) per evaluation).
 *   t[i]     step;  S1[i] = sum_{k=1..t} eta_k;  S2[i] = sum_{k=1..t} m_k
 *   y[i]     log observed loss (NaN for forecast rows)
 *   run[i]   index of the row's run
 *   segments of row i: seg_off[i] .. seg_off[i] + seg_n[i] - 1 in
 *   sg_drop (eta at the segment's start minus eta at its end, 0 during
 *   warm-up), sg_leta (log eta at its midpoint), sg_S1m (S1 there). */
typedef struct cfeat {
    size_t n, n_runs;
    double *t, *S1, *S2, *y;
    size_t *run;
    size_t *seg_off, *seg_n;
    double *sg_drop, *sg_leta, *sg_S1m;
    size_t n_seg;
} cfeat;

/* Rows of `runs`: steps and (when loss is not NULL) losses; checkpoints
 * with step < the run's min step are dropped when min_step applies
 * (o->min_step, < 0: 5 x the warm-up).  need_seg: build the segments. */
int cfeat_build(cfeat *f, const sf_curve_run *runs, size_t nr, const sf_curve_options *o,
                int drop_early, int need_seg, sf_error *err);
void cfeat_free(cfeat *f);

typedef struct curve_law {
    const char *name;
    const char *formula;
    size_t np;
    const char *pn[CURVE_MAX_P];
    int need_seg;
    /* L^ at row i for natural parameters p (all > 0); when g is not NULL,
     * g[j] = d L^ / d log p_j. */
    double (*eval)(const double *p, const cfeat *f, size_t i, double *g);
    /* Starts in internal coordinates (log p), at most max; *count set. */
    int (*starts)(const cfeat *f, double *theta, size_t max, size_t *count);
} curve_law;

extern const curve_law sf_curve_steps, sf_curve_anneal, sf_curve_multipower;
const curve_law *curve_law_find(const char *name);

/* Least squares of y ~ sum_k c_k X[k][i] over rows with finite y (k < 4,
 * X column-major n x k).  Returns the residual sum of squares, or INFINITY
 * when singular. */
double curve_linear_ls(const double *X, size_t k, const double *y, size_t n, double *c);

#endif /* SF_CURVE_IMPL_H */

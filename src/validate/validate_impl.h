/*
 * What a validation holds: sf_validate and sf_validate_sweep fill it, the
 * JSON writer (src/io/validate_json.c) reads it.
 */
#ifndef SF_VALIDATE_IMPL_H
#define SF_VALIDATE_IMPL_H

#include <stddef.h>

#include "scalefit.h"

typedef struct sf_vtarget {
    sf_validation_target pub;     /* what sf_validation_target_at returns */
    sf_fit *fit;
    sf_draws *draws;              /* bootstrap of fit (o->bootstrap > 0), or NULL */
    sf_validation_run *runs;
    sf_validation_point *points;
    char message[320];
    sf_validation_final final;    /* interval.n_levels 0: none (issue 23) */
} sf_vtarget;

struct sf_validation {
    const sf_law *law;
    sf_validate_options opt;
    char *source;                 /* data file, or NULL */
    size_t rows_read;             /* data rows in the file */
    size_t rows;                  /* rows after the reader's filters */
    char **names;                 /* run ids copied from the data */
    size_t n_names;
    size_t n_sizes;               /* distinct N in the data */
    size_t n_targets;
    sf_vtarget *targets;
    /* A sweep: its target size and cells. */
    int sweep;
    double sweep_N;
    size_t n_cells;
    sf_validation_cell *cells;
    sf_validation_final *cell_final;   /* n_cells, as above (issue 23) */
};

/* The final row of target t (its largest D) with its extrapolation
 * interval (src/validate/final.c): the fit t->fit was made on `sub` (the
 * fitted rows, weighted), `d` is the whole data.  Bootstraps t->fit when
 * o->bootstrap > 0 (the draws stay on the fit).  SF_ENOMEM only; anything
 * else leaves t->final empty. */
int sf_vfinal_compute(const sf_law *law, const sf_data *d, const sf_data *sub,
                      const sf_validate_options *o, sf_vtarget *t);

#endif /* SF_VALIDATE_IMPL_H */

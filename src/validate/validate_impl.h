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
    sf_validation_run *runs;
    sf_validation_point *points;
    char message[320];
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
};

#endif /* SF_VALIDATE_IMPL_H */

/*
 * Allocations over a grid of budgets and their spread across parameter
 * draws: what the allocation and fit plots and the report draw, computed
 * here, where allocation lives, and tested in tests/test_alloc_grid.c.
 * Internal to the library (not part of the public API).
 */
#ifndef SF_ALLOC_GRID_H
#define SF_ALLOC_GRID_H

#include <stddef.h>

#include "scalefit.h"

/* The compute-optimal allocation at budget C: sf_alloc_optimal, or with
 * U > 0 unique tokens the data-constrained one (sf_alloc_data_constrained). */
int sf_alloc_at(const sf_law *law, const double *params, double C, double U, sf_alloc_row *row,
                sf_error *err);

/* The budgets c0 .. c1 (0 < c0 < c1), m >= 2 of them evenly spaced in
 * log C, and the allocation at each (sf_alloc_at with U): rows[k] and
 * ok[k] (1 where it exists; rows[k].compute is the budget either way).
 * Returns how many exist. */
size_t sf_alloc_grid(const sf_law *law, const double *params, double c0, double c1, size_t m,
                     double U, sf_alloc_row *rows, int *ok);

/* Optimal N, D and D/N at budget C (U as sf_alloc_at) for every stride-th
 * of n_draws parameter vectors (row-major, sf_law_n_params each), sorted
 * ascending into v[0], v[1], v[2] (each with room for the draws used).
 * Returns how many draws gave an allocation. */
size_t sf_alloc_draws_at(const sf_law *law, const double *draws, size_t n_draws, size_t stride,
                         double C, double U, double *v[3]);

/* Central `level` bands of N, D and D/N at each budget cg[0..m-1] across
 * at most max_draws of the draws (every stride-th): lo[k][j], hi[k][j] for
 * k = N, D, D/N; NaN where fewer than 10 draws give an allocation.
 * SF_ENOMEM or SF_OK. */
int sf_alloc_bands(const sf_law *law, const double *draws, size_t n_draws, size_t max_draws,
                   double U, const double *cg, size_t m, double level, double *lo[3],
                   double *hi[3]);

#endif

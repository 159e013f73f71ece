/*
 * Pieces shared by the plot files (plot_*.c) and the report: option
 * checking, sorting and quantiles, the standard page layout.
 */
#ifndef SF_PLOT_H
#define SF_PLOT_H

#include <stddef.h>

#include "out/svg.h"
#include "scalefit.h"

/* The start of every plot function: *doc = NULL, then the options with
 * defaults filled in (o may be NULL); SF_EINVAL when the size is outside
 * 320..8000 x 240..8000, level outside (0, 1) or the id not a name. */
int sf_plot_check_options(const sf_plot_options *o, sf_plot_options *out, char **doc,
                          sf_error *err);

/* Ascending sort of doubles (NaN last). */
void sf_plot_sort(double *v, size_t n);
/* Quantile q of sorted v[0..n-1] (linear interpolation, Hyndman & Fan
 * type 7, the default of R and NumPy); NaN when n = 0. */
double sf_plot_quantile(const double *sorted, size_t n, double q);
/* Distinct finite values of v, sorted, into out (malloc'd); a value within
 * 1e-4 (relative) of the last one kept counts as equal, since digitised
 * model sizes differ in their 7th digit.  Returns the count, or
 * (size_t)-1 on out of memory. */
size_t sf_plot_distinct(const double *v, size_t n, double **out);

/* Pearson correlation of x and y over the pairs where both are finite. */
double sf_plot_corr(const double *x, const double *y, size_t n);

/* v with `sig` significant digits (1..9), trailing zeros dropped, plain
 * between 1e-4 and 1e6, else "5.76e+23"; locale-free, like printf's %g. */
void sf_plot_g(char *buf, size_t size, double v, int sig);
/* sf_plot_g with 4 digits: numbers in notes and labels. */
void sf_plot_num(char *buf, size_t size, double v);

/* Copy `in` with the Greek letters spelled out as whole words (alpha,
 * beta, gamma, ...) written as Greek: "A/N^alpha" -> "A/N^α". */
void sf_plot_pretty(char *out, size_t size, const char *in);

/* The file name without its directories (NULL for NULL). */
const char *sf_plot_basename(const char *path);

/* The end of every plot function: with rc == SF_OK the document is
 * finished into *out (SF_ENOMEM if building it ran out of memory), else
 * discarded; the n panels are freed either way (zeroed panels are fine).
 * Returns the status. */
int sf_plot_done(sf_svg_doc *s, sf_svg_panel *panels, size_t n, int rc, char **out, sf_error *err);

/* Optimal N, D and D/N at budget C for every stride-th of n_draws
 * parameter vectors (row-major, sf_law_n_params each), sorted ascending
 * into v[0], v[1], v[2] (each with room for the draws used).  Returns how
 * many draws gave an allocation. */
size_t sf_plot_alloc_draws(const sf_law *law, const double *draws, size_t n_draws, size_t stride,
                           double C, double *v[3]);

#endif /* SF_PLOT_H */

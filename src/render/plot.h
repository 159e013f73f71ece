/*
 * Pieces shared by the plot files (plot_*.c) and the report: option
 * checking, sorting and quantiles, the standard page layout.
 */
#ifndef SF_PLOT_H
#define SF_PLOT_H

#include <stddef.h>

#include "render/svg.h"
#include "scalefit.h"

/* The start of every plot function: *doc = NULL, then the options with
 * defaults filled in (o may be NULL); SF_EINVAL when the size is outside
 * 320..8000 x 240..8000, level outside (0, 1) or the id not a name. */
int sf_plot_check_options(const sf_plot_options *o, sf_plot_options *out, char **doc,
                          sf_error *err);

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

/* sf_plot_pairs with two more inputs: log_scale (p flags, may be NULL)
 * puts parameter j on a log axis when log_scale[j] is nonzero and its
 * draws are positive, on a linear one otherwise (NULL: log when the draws
 * are positive and span a factor of 2); shown (p flags, may be NULL)
 * limits the default pairs to the parameters flagged (SF_EINVAL when
 * fewer than 2 are). */
int sf_plot_pairs_on(const double *draws, size_t n_draws, size_t p, const char *const *names,
                     const double *estimate, const size_t *pairs, size_t n_pairs,
                     const int *log_scale, const int *shown, const sf_plot_options *o, char **svg,
                     sf_error *err);
/* sf_plot_pairs_on for draws of a fit's law (n_draws x its parameters):
 * the law's names and scales, the fit's free parameters, its estimate. */
int sf_plot_fit_pairs(const sf_fit *fit, const double *draws, size_t n_draws,
                      const sf_plot_options *o, char **svg, sf_error *err);

/* sf_plot_validate with `note` (may be NULL) written at the start of the
 * subtitle. */
int sf_plot_validate_note(const sf_plot_series *series, size_t n, const char *note,
                          const sf_plot_options *o, char **svg, sf_error *err);

/* The scale on which draws of a fit's parameters are read (pairwise
 * plots, their correlations): log[j] = 1 for the parameters the law
 * optimises as log x (E, A, B of chinchilla), 0 for the others (the
 * exponents).  Along the ridge log A - alpha log N = const of the
 * Chinchilla law the draws then lie on a straight line. */
void sf_plot_law_scales(const sf_law *law, int *log);

/* free[j] = 1 for the parameters the fit estimates, 0 for those held by
 * --fix or following another by --tie (their draws only repeat a value). */
void sf_plot_free_params(const sf_fit *fit, int *free_param);

/* A model size as people write it: 175B, 6.7B, 125M, 70K (3 significant
 * digits), or plain below 1000. */
void sf_plot_size_text(char *buf, size_t size, double N);

/* Options for a plot of an analysis of `d`: a copy of o (NULL = defaults)
 * whose title, unless o sets one, is "NAME: FILE (FILTERS)" (or, when that
 * is too wide for the plot, SHORT_NAME: FILE (FILTERS), else NAME: FILE),
 * written into title[size].  Without d or its file name the title is
 * left to the plot.  Returns copy. */
const sf_plot_options *sf_plot_titled(const sf_plot_options *o, const sf_data *d,
                                      const char *name, const char *short_name,
                                      sf_plot_options *copy, char *title, size_t size);

/* ---- shared by the Approach 1 and 2 plots (plot_isoflop.c) ---------- */

/* Narrower plots leave out the N_opt(C) panel: the main panel would get
 * less than half the width. */
#define SF_PLOT_MIN_TWO_PANELS 760

struct sf_chart;
struct sf_chart_panel;

/* SF_EINVAL (naming `what` and k + 1) when s has points but no x or y. */
int sf_plot_check_series(const sf_plot_series *s, const char *what, size_t k, sf_error *err);
int sf_plot_check_optimum(const sf_plot_optimum *opt, sf_error *err);
/* Point i of s is flagged left out. */
int sf_plot_left_out(const sf_plot_series *s, size_t i);
/* A degenerate range [v, v] becomes [v/2, 2v]. */
void sf_plot_widen(double *lo, double *hi);
/* Ranges of the N_opt(C) panel into r (x lo, x hi, y lo, y hi); 0 when it
 * has no point to show. */
int sf_plot_optimum_range(const sf_plot_optimum *opt, double r[4]);
/* The N_opt(C) panel added to c, right of the main one: diamonds coloured
 * on [clo, chi] when `diamonds`, else black circles. */
void sf_plot_optimum_panel(struct sf_chart *c, const sf_plot_optimum *opt, const double r[4],
                           int diamonds, double clo, double chi);

#endif /* SF_PLOT_H */

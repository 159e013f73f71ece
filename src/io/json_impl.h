/*
 * Internals shared by the JSON writers and readers (src/io).
 */
#ifndef SF_JSON_IMPL_H
#define SF_JSON_IMPL_H

#include <cjson/cJSON.h>

#include "fit/fit_impl.h"
#include "infer/infer_impl.h"
#include "io/io_impl.h"

/* A number item printed so it reads back exactly (null when not finite);
 * NULL on allocation failure. */
cJSON *sf_json_number(double v);
/* The five fields of an allocation row into o; 0 on allocation failure. */
int sf_json_alloc_fields(cJSON *o, const sf_alloc_row *r);

/* One allocation row {"compute", "params", "tokens", "tokens_per_param",
 * "loss"} and, when s (5 summaries) has draws, "se", "ci", "intervals". */
cJSON *sf_json_alloc_row(const sf_alloc_row *r, const sf_summary *s);
/* One prediction row {"N", "D", "C", "U"?, "loss"} with the loss's
 * summary (ls) and prediction intervals (ps) when given with draws. */
cJSON *sf_json_predict_row(const sf_point *x, double loss, int with_u, const sf_summary *ls,
                           const sf_summary *ps);

/* The uncertainty part of a fit's JSON (json_unc.c): summaries of dr
 * ("se", "mean", "median", "ci", "intervals", "ci_levels"), the
 * "allocations" and "predictions" req asks for, and the "draws".  dr and
 * req may be NULL.  Returns 0 on allocation failure. */
int sf_json_add_uncertainty(cJSON *root, const sf_fit *fit, const sf_draws *dr,
                            const sf_report_request *req);
/* Read "draws" and "ci_levels" back as draws of fit into *out (NULL when
 * absent). */
int sf_json_read_uncertainty(const cJSON *root, const sf_fit *fit, const char *name,
                             sf_draws **out, sf_error *err);

/* Formula laws in fit files (law_file.c): add "formula_law" to root (0 on
 * allocation failure); rebuild the law from it (SF_ENOTSUP when absent). */
int sf_formula_json_add(cJSON *root, const sf_law *law);
int sf_formula_json_law(const cJSON *root, const char *name, sf_law **out, sf_error *err);

/* Strict reading (json_strict.c): duplicate keys anywhere, unknown
 * top-level and law_options keys, a non-integer breaks: SF_EPARSE naming
 * the key. */
int sf_json_check_keys(const cJSON *root, const char *name, sf_error *err);
/* "params" keys, "fixed", "at_bound", "tied" and "diagnoses" into fit
 * (made from the file's law), each checked against the law. */
int sf_json_read_map(const cJSON *root, sf_fit *fit, const char *name, sf_error *err);
/* "objective", "n_points", "delta", "loss" and "seed" into fit, each
 * checked: a number where a number belongs, n_points a count, delta > 0,
 * loss huber or ls, seed a decimal 64-bit integer. */
int sf_json_read_scalars(const cJSON *root, sf_fit *fit, const char *name, sf_error *err);
/* Largest magnitude of a linear-scale parameter (an exponent) a fit file
 * may hold. */
#define SF_JSON_LINEAR_MAX 1000.0

#endif /* SF_JSON_IMPL_H */

/*
 * JSON pieces of extrapolation intervals (issue 23), shared by the fit,
 * validation, predict and optimal writers.
 */
#ifndef SF_EXTRAP_JSON_H
#define SF_EXTRAP_JSON_H

#include <cjson/cJSON.h>

#include "fit/fit_impl.h"

/* "data_range": {"N_max", "D_max", "C_max"} into a fit's JSON, only when
 * the fit has draws; 0 on allocation failure. */
int sf_json_add_range(cJSON *root, const sf_fit *fit, const sf_draws *draws);
/* Read "data_range" back into fit->range (left 0 when absent). */
void sf_json_read_range(const cJSON *root, double range[3]);
/* {"distance", "parts": {...}, "dominates", "intervals": [...]}. */
cJSON *sf_json_extrap(const sf_extrap *x);
/* A validation target's "final" object. */
cJSON *sf_json_validation_final(const sf_validation_final *f);
/* {"targets": m, "covered": {level: fraction}} over the non-NULL f[k]. */
cJSON *sf_json_coverage(const sf_validation_final *const *f, size_t n);

#endif /* SF_EXTRAP_JSON_H */

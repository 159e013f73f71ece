/*
 * Strict reading of fit files (issue 18): a fit file drives allocations
 * that cost compute, so a key scalefit does not write, a key given twice,
 * a parameter the law does not have or garbage where a parameter name
 * belongs is an error naming the key, never silently ignored.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "fit/fit_impl.h"
#include "io/json_impl.h"

/* Every top-level key sf_fit_json writes (json.c, json_unc.c), and
 * "source", where a hand-written file of published values cites them. */
static const char *const top_keys[] = {
    "scalefit_version", "law", "formula", "law_options", "params", "fixed", "tied",
    "at_bound", "objective", "loss", "delta", "n_points", "grid", "starts", "n_best",
    "converged", "stop", "grad_norm", "r2", "seed", "derived", "basins", "data", "ci_levels",
    "se", "mean", "median", "ci", "intervals", "allocations", "predictions", "draws",
    "warnings", "diagnoses", "source", "data_range", "formula_law", NULL};

static const char *const diag_codes[] = {"at_bound", "fixed_at_bound", "weak_term",
                                         "r2_undefined", NULL};

static int in_list(const char *const *list, const char *s)
{
    for (size_t k = 0; list[k]; k++)
        if (strcmp(list[k], s) == 0) return 1;
    return 0;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first key object o holds twice, or NULL (sorted: a hostile file
 * with 100,000 keys in one object must not take quadratic time). */
static const char *repeated_key(const cJSON *o, int *nomem)
{
    size_t n = 0, k = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, o) n++;
    if (n < 2) return NULL;
    const char **keys = malloc(n * sizeof *keys);
    if (!keys) {
        *nomem = 1;
        return NULL;
    }
    cJSON_ArrayForEach(a, o) keys[k++] = a->string ? a->string : "";
    qsort(keys, n, sizeof *keys, cmp_key);
    const char *dup = NULL;
    for (k = 1; k < n && !dup; k++)
        if (strcmp(keys[k - 1], keys[k]) == 0) dup = keys[k];
    free(keys);
    return dup;
}

/* A key given twice in any object of the tree: cJSON keeps both, and
 * which one a lookup finds is an accident. */
static int duplicates(const cJSON *o, const char *path, const char *name, sf_error *err)
{
    if (cJSON_IsObject(o)) {
        int nomem = 0;
        const char *dup = repeated_key(o, &nomem);
        if (nomem) return sf_fail(err, SF_ENOMEM, name, 0, 0, "out of memory");
        if (dup)
            return sf_fail(err, SF_EPARSE, name, 0, 0, "%s%s%s: duplicate key", path,
                           path[0] ? "." : "", dup);
    }
    const cJSON *a;
    cJSON_ArrayForEach(a, o)
    {
        if (cJSON_IsObject(a) || cJSON_IsArray(a)) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s%s%s", path, path[0] && a->string ? "." : "",
                     a->string ? a->string : "[]");
            int rc = duplicates(a, sub, name, err);
            if (rc != SF_OK) return rc;
        }
    }
    return SF_OK;
}

int sf_json_check_keys(const cJSON *root, const char *name, sf_error *err)
{
    int rc = duplicates(root, "", name, err);
    if (rc != SF_OK) return rc;
    const cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        if (!in_list(top_keys, it->string))
            return sf_fail(err, SF_EPARSE, name, 0, 0, "%s: unknown key (not one scalefit "
                           "writes in a fit file; docs/json.md)", it->string);
    }
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(root, "law_options");
    if (lo && !cJSON_IsObject(lo))
        return sf_fail(err, SF_EPARSE, name, 0, 0, "law_options: expected an object");
    cJSON_ArrayForEach(it, lo)
    {
        if (strcmp(it->string, "x") == 0 && !cJSON_IsString(it))
            return sf_fail(err, SF_EPARSE, name, 0, 0, "law_options.x: expected N, D or C");
        if (strcmp(it->string, "breaks") == 0 &&
            !(cJSON_IsNumber(it) && it->valuedouble == floor(it->valuedouble) &&
              fabs(it->valuedouble) < 1e6))
            return sf_fail(err, SF_EPARSE, name, 0, 0, "law_options.breaks: expected an integer");
        if (strcmp(it->string, "x") != 0 && strcmp(it->string, "breaks") != 0)
            return sf_fail(err, SF_EPARSE, name, 0, 0, "law_options.%s: unknown key",
                           it->string);
    }
    return SF_OK;
}

int sf_json_is_diag_code(const char *code) { return in_list(diag_codes, code); }

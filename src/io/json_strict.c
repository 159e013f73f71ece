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

/* The parameter named by item it (a string) under key `what`, or -1
 * after filling err. */
static int param_named(const sf_law *law, const cJSON *it, const char *what, const char *name,
                       sf_error *err)
{
    int j = cJSON_IsString(it) ? sf_law_param_index(law, it->valuestring) : -1;
    if (j < 0)
        sf_fail(err, SF_EPARSE, name, 0, 0, "%s: %s%s%s is not a parameter of law '%s'", what,
                cJSON_IsString(it) ? "'" : "", cJSON_IsString(it) ? it->valuestring : "a non-string",
                cJSON_IsString(it) ? "'" : "", law->cls->name);
    return j;
}

/* "fixed" and "at_bound": arrays of distinct parameter names. */
static int name_list(const cJSON *root, const char *key, const sf_law *law, unsigned char *flag,
                     const char *name, sf_error *err)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key), *it;
    if (!arr) return SF_OK;
    if (!cJSON_IsArray(arr))
        return sf_fail(err, SF_EPARSE, name, 0, 0, "%s: expected an array of parameter names",
                       key);
    cJSON_ArrayForEach(it, arr)
    {
        int j = param_named(law, it, key, name, err);
        if (j < 0) return SF_EPARSE;
        if (flag[j])
            return sf_fail(err, SF_EPARSE, name, 0, 0, "%s: '%s' listed twice", key,
                           it->valuestring);
        flag[j] = 1;
    }
    return SF_OK;
}

static int read_tied(const cJSON *root, sf_fit *fit, const char *name, sf_error *err)
{
    const sf_law *law = fit->law;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "tied"), *it;
    if (!t) return SF_OK;
    if (!cJSON_IsObject(t))
        return sf_fail(err, SF_EPARSE, name, 0, 0, "tied: expected an object {\"B\": \"A\"}");
    cJSON_ArrayForEach(it, t)
    {
        int b = sf_law_param_index(law, it->string);
        char what[64];
        snprintf(what, sizeof what, "tied.%s", it->string);
        if (b < 0)
            return sf_fail(err, SF_EPARSE, name, 0, 0, "%s: law '%s' has no parameter '%s'",
                           what, law->cls->name, it->string);
        int a = param_named(law, it, what, name, err);
        if (a < 0) return SF_EPARSE;
        if (a == b || fit->map.rep[a] != a)
            return sf_fail(err, SF_EPARSE, name, 0, 0, "%s: '%s' cannot lead a tie here", what,
                           it->valuestring);
        fit->map.rep[b] = a;
    }
    /* The leaders must themselves be untied (a chain was written flat). */
    for (size_t j = 0; j < fit->map.p; j++)
        if (fit->map.rep[fit->map.rep[j]] != fit->map.rep[j])
            return sf_fail(err, SF_EPARSE, name, 0, 0, "tied.%s: ties form a chain or cycle",
                           law->param[j].name);
    return SF_OK;
}

static int read_diagnoses(const cJSON *root, sf_fit *fit, const char *name, sf_error *err)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "diagnoses"), *it;
    if (!arr) return SF_OK;
    if (!cJSON_IsArray(arr))
        return sf_fail(err, SF_EPARSE, name, 0, 0, "diagnoses: expected an array");
    size_t k = 0;
    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "code");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "parameter");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "message"), *f;
        if (!cJSON_IsObject(it) || !cJSON_IsString(c) || !cJSON_IsString(m) ||
            !in_list(diag_codes, c->valuestring))
            return sf_fail(err, SF_EPARSE, name, 0, 0, "diagnoses[%zu]: expected {\"code\" (one "
                           "of at_bound, fixed_at_bound, weak_term, r2_undefined), "
                           "\"parameter\", \"message\"}", k);
        cJSON_ArrayForEach(f, it)
        {
            if (strcmp(f->string, "code") && strcmp(f->string, "parameter") &&
                strcmp(f->string, "message"))
                return sf_fail(err, SF_EPARSE, name, 0, 0, "diagnoses[%zu].%s: unknown key", k,
                               f->string);
        }
        char what[48];
        snprintf(what, sizeof what, "diagnoses[%zu].parameter", k);
        if (p && param_named(fit->law, p, what, name, err) < 0) return SF_EPARSE;
        if (sf_fit_add_diagnosis(fit, c->valuestring, p ? p->valuestring : NULL, "%s",
                                 m->valuestring) != SF_OK)
            return sf_fail(err, SF_EPARSE, name, 0, 0, "diagnoses: more than %d", SF_MAX_WARN);
        k++;
    }
    return SF_OK;
}

int sf_json_read_map(const cJSON *root, sf_fit *fit, const char *name, sf_error *err)
{
    const sf_law *law = fit->law;
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(root, "params"), *it;
    cJSON_ArrayForEach(it, jp)
    {
        if (sf_law_param_index(law, it->string) < 0)
            return sf_fail(err, SF_EPARSE, name, 0, 0, "params.%s: law '%s' has no parameter "
                           "'%s'", it->string, law->cls->name, it->string);
    }
    int rc = name_list(root, "fixed", law, fit->map.fixed, name, err);
    if (rc == SF_OK) rc = name_list(root, "at_bound", law, fit->map.bound, name, err);
    if (rc == SF_OK) rc = read_tied(root, fit, name, err);
    if (rc == SF_OK) rc = read_diagnoses(root, fit, name, err);
    return rc;
}

int sf_json_read_scalars(const cJSON *root, sf_fit *fit, const char *name, sf_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "objective");
    if (v && !(cJSON_IsNumber(v) && isfinite(v->valuedouble)))
        return sf_fail(err, SF_EPARSE, name, 0, 0, "objective: expected a finite number");
    if (v) fit->objective = v->valuedouble;
    /* A count: an integer a double holds exactly (a negative one once
     * became a huge size_t). */
    v = cJSON_GetObjectItemCaseSensitive(root, "n_points");
    if (v && !(cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 9007199254740992.0 &&
               v->valuedouble == floor(v->valuedouble)))
        return sf_fail(err, SF_EPARSE, name, 0, 0, "n_points: expected a count of rows");
    if (v) fit->n_points = (size_t)v->valuedouble;
    v = cJSON_GetObjectItemCaseSensitive(root, "delta");
    if (v && !(cJSON_IsNumber(v) && v->valuedouble > 0 && isfinite(v->valuedouble)))
        return sf_fail(err, SF_EPARSE, name, 0, 0, "delta: expected a finite number > 0");
    if (v) fit->opt.delta = v->valuedouble;
    v = cJSON_GetObjectItemCaseSensitive(root, "loss");
    if (v && !(cJSON_IsString(v) && (strcmp(v->valuestring, "huber") == 0 ||
                                     strcmp(v->valuestring, "ls") == 0)))
        return sf_fail(err, SF_EPARSE, name, 0, 0, "loss: expected \"huber\" or \"ls\"");
    if (v) fit->opt.loss = strcmp(v->valuestring, "ls") == 0 ? SF_LOSS_LS : SF_LOSS_HUBER;
    v = cJSON_GetObjectItemCaseSensitive(root, "seed");
    if (v) {
        const char *s = cJSON_IsString(v) ? v->valuestring : "";
        char *end = NULL;
        errno = 0;
        unsigned long long seed = strtoull(s, &end, 10);
        if (!(*s >= '0' && *s <= '9') || *end || errno == ERANGE)
            return sf_fail(err, SF_EPARSE, name, 0, 0, "seed: expected a decimal integer as a "
                           "string");
        fit->opt.seed = (uint64_t)seed;
    }
    return SF_OK;
}

/*
 * JSON of extrapolation intervals (issue 23; docs/json.md): the range of
 * a fit's data, an interval's three parts, the final row of a validation
 * target, and extrapolation objects attached to the rows of predict and
 * optimal.  Numbers round-trip; NaN never reaches the output.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/extrap_json.h"
#include "io/json_impl.h"
#include "base/base.h"

int sf_json_add_range(cJSON *root, const sf_fit *fit, const sf_draws *draws)
{
    /* Only with draws: a plain fit's JSON is left as it was, and only
     * intervals (which need draws) use the range. */
    if (!draws || !(fit->range[0] > 0 || fit->range[1] > 0)) return 1;
    static const char *const key[3] = {"N_max", "D_max", "C_max"};
    cJSON *o = cJSON_AddObjectToObject(root, "data_range");
    int ok = o != NULL;
    for (int k = 0; ok && k < 3; k++)
        if (fit->range[k] > 0) ok = sf_json_num(o, key[k], fit->range[k]);
    return ok;
}

void sf_json_read_range(const cJSON *root, double range[3])
{
    static const char *const key[3] = {"N_max", "D_max", "C_max"};
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "data_range");
    for (int k = 0; cJSON_IsObject(o) && k < 3; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key[k]);
        if (cJSON_IsNumber(v) && v->valuedouble > 0 && isfinite(v->valuedouble))
            range[k] = v->valuedouble;
    }
}

cJSON *sf_json_extrap(const sf_extrap *x)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && sf_json_num(o, "distance", x->distance);
    cJSON *parts = ok ? cJSON_AddObjectToObject(o, "parts") : NULL;
    ok = ok && parts && sf_json_num(parts, "parameters", x->param_sd);
    ok = ok && sf_json_num(parts, "residual", x->resid_sd);
    ok = ok && sf_json_num(parts, "extrapolation", x->extrap_sd);
    ok = ok && cJSON_AddStringToObject(o, "dominates", sf_extrap_part_name(x->dominant));
    cJSON *iv = ok ? cJSON_AddArrayToObject(o, "intervals") : NULL;
    ok = ok && iv;
    for (size_t j = 0; ok && j < x->n_levels; j++) {
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(iv, e);
        ok = ok && sf_json_num(e, "level", x->level[j]);
        ok = ok && sf_json_num(e, "lo", x->lo[j]);
        ok = ok && sf_json_num(e, "hi", x->hi[j]);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static const char *level_key(double level, char *buf, size_t size)
{
    snprintf(buf, size, "%.15g", level);
    return buf;
}

cJSON *sf_json_validation_final(const sf_validation_final *f)
{
    const sf_extrap *x = &f->interval;
    cJSON *o = cJSON_CreateObject();
    int ok = o && sf_json_num(o, "N", f->N);
    ok = ok && sf_json_num(o, "D", f->D);
    if (ok && f->line > 0) ok = sf_json_num(o, "line", (double)f->line);
    ok = ok && sf_json_num(o, "loss", x->loss);
    ok = ok && sf_json_num(o, "actual", f->actual);
    cJSON *ex = ok ? sf_json_extrap(x) : NULL;
    ok = ok && ex;
    /* The intervals next to the loss, as the schema has them. */
    cJSON *iv = ok ? cJSON_DetachItemFromObjectCaseSensitive(ex, "intervals") : NULL;
    ok = ok && iv && cJSON_AddItemToObject(o, "intervals", iv);
    cJSON *cv = ok ? cJSON_AddObjectToObject(o, "covered") : NULL;
    ok = ok && cv;
    char key[32];
    for (size_t j = 0; ok && j < x->n_levels; j++)
        ok = cJSON_AddBoolToObject(cv, level_key(x->level[j], key, sizeof key), f->covered[j]) !=
             NULL;
    int kept = ok && cJSON_AddItemToObject(o, "extrapolation", ex);
    if (!kept) {
        cJSON_Delete(ex);
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *sf_json_coverage(const sf_validation_final *const *f, size_t n)
{
    size_t m = 0, nl = 0;
    const sf_extrap *first = NULL;
    for (size_t k = 0; k < n; k++)
        if (f[k]) {
            if (!first) first = &f[k]->interval;
            m++;
        }
    cJSON *o = cJSON_CreateObject();
    int ok = o && sf_json_num(o, "targets", (double)m);
    if (first) nl = first->n_levels;
    char key[32];
    cJSON *cv = ok ? cJSON_AddObjectToObject(o, "covered") : NULL;
    ok = ok && cv;
    for (size_t j = 0; ok && j < nl && m; j++) {
        size_t c = 0;
        for (size_t k = 0; k < n; k++) c += f[k] && f[k]->covered[j];
        ok = sf_json_num(cv, level_key(first->level[j], key, sizeof key), (double)c / (double)m);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int sf_extrap_attach_json(const char *json, const char *key, const sf_extrap *ex, size_t n,
                          char **out, sf_error *err)
{
    *out = NULL;
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    const cJSON *rows = root ? cJSON_GetObjectItemCaseSensitive(root, key) : NULL;
    if (!cJSON_IsArray(rows) || (size_t)cJSON_GetArraySize(rows) != n) {
        cJSON_Delete(root);
        return sf_fail(err, SF_EPARSE, NULL, 0, 0, "expected an object with an array \"%s\" "
                       "of %zu elements", key, n);
    }
    int ok = 1;
    cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, rows)
    {
        if (!ok) break;
        if (ex[i].n_levels) {
            cJSON *e = sf_json_extrap(&ex[i]);
            ok = e && cJSON_AddItemToObject(it, "extrapolation", e);
        }
        i++;
    }
    *out = sf_json_finish(root, ok);
    if (!*out) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    return SF_OK;
}

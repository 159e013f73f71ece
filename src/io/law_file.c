/*
 * Formula laws in JSON (issue 20): law files, and the part of a fit file
 * that rebuilds a formula law (its formula, variables and bounds).
 *
 * A law file:
 *
 *   {"name": "chinchilla-typed",
 *    "formula": "E + A/N^alpha + B/D^beta",
 *    "notes": "free text",
 *    "variables": ["precision"],
 *    "params": {"alpha": {"lo": 0, "hi": 2.5, "grid": [0.1, 2, 5]}}}
 *
 * Only "formula" is required.  "lo"/"hi" may be null (open); "grid" is
 * [first, last, count] in natural units.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "io/io_impl.h"
#include "io/json_impl.h"
#include "law/formula.h"

static double bound_value(const cJSON *v, double open)
{
    return cJSON_IsNumber(v) ? v->valuedouble : open;
}

/* "params" of a law file or "bounds" of a fit file into o. */
static int read_params(const cJSON *jp, sf_formula_options *o, const char *name,
                       sf_error *err)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, jp)
    {
        if (!cJSON_IsObject(it) || !it->string || strlen(it->string) >= SF_NAME_MAX)
            return sf_fail(err, SF_EPARSE, name, 0, 0, "params: each entry is an object "
                           "{\"lo\", \"hi\", \"grid\"} named by a parameter");
        const cJSON *lo = cJSON_GetObjectItemCaseSensitive(it, "lo");
        const cJSON *hi = cJSON_GetObjectItemCaseSensitive(it, "hi");
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(it, "grid");
        if (lo || hi) {
            double a = bound_value(lo, -INFINITY), b = bound_value(hi, INFINITY);
            int found = 0;
            for (size_t k = 0; k < o->n_bounds; k++) found |= !strcmp(o->bound_name[k], it->string);
            if (!found && sf_formula_options_bound(o, it->string, a, b) != SF_OK)
                return sf_fail(err, SF_EPARSE, name, 0, 0,
                               "params.%s: bounds need lo < hi (got %g, %g)", it->string, a, b);
        }
        if (g) {
            if (!cJSON_IsArray(g) || cJSON_GetArraySize(g) != 3 || o->n_grids == SF_MAX_PARAMS)
                return sf_fail(err, SF_EPARSE, name, 0, 0,
                               "params.%s.grid: expected [first, last, count]", it->string);
            size_t k = o->n_grids++;
            sf_strlcpy(o->grid_name[k], it->string, SF_NAME_MAX);
            o->grid_lo[k] = bound_value(cJSON_GetArrayItem(g, 0), NAN);
            o->grid_hi[k] = bound_value(cJSON_GetArrayItem(g, 1), NAN);
            double n = bound_value(cJSON_GetArrayItem(g, 2), 0);
            if (!(n >= 1 && n <= 100) || !isfinite(o->grid_lo[k]) || !isfinite(o->grid_hi[k]))
                return sf_fail(err, SF_EPARSE, name, 0, 0,
                               "params.%s.grid: expected [first, last, count], count 1..100",
                               it->string);
            o->grid_n[k] = (int)n;
        }
    }
    return SF_OK;
}

static int read_variables(const cJSON *jv, sf_formula_options *o, const char *name,
                          sf_error *err)
{
    if (!jv) return SF_OK;
    const cJSON *it;
    if (!cJSON_IsArray(jv))
        return sf_fail(err, SF_EPARSE, name, 0, 0, "variables: expected an array of names");
    cJSON_ArrayForEach(it, jv)
    {
        if (!cJSON_IsString(it) || o->n_variables == SF_MAX_EXTRA)
            return sf_fail(err, SF_EPARSE, name, 0, 0,
                           "variables: expected at most %d column names", SF_MAX_EXTRA);
        o->variables[o->n_variables++] = it->valuestring;
    }
    return SF_OK;
}

/* Build the law of a parsed law file or fit-file object. */
static int law_from_object(const cJSON *root, const sf_formula_options *given, const char *name,
                           sf_law **out, sf_error *err)
{
    sf_formula_options o;
    if (given) o = *given;
    else sf_formula_options_init(&o);
    const cJSON *jf = cJSON_GetObjectItemCaseSensitive(root, "formula");
    const cJSON *jn = cJSON_GetObjectItemCaseSensitive(root, "name");
    const cJSON *jt = cJSON_GetObjectItemCaseSensitive(root, "notes");
    if (!cJSON_IsString(jf))
        return sf_fail(err, SF_EPARSE, name, 0, 0, "a law file needs \"formula\": \"...\"");
    if (cJSON_IsString(jn) && !o.name) o.name = jn->valuestring;
    if (cJSON_IsString(jt) && !o.notes) o.notes = jt->valuestring;
    int rc = read_variables(cJSON_GetObjectItemCaseSensitive(root, "variables"), &o, name, err);
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(root, "params");
    if (rc == SF_OK && jp) rc = read_params(jp, &o, name, err);
    if (rc != SF_OK) return rc;
    sf_error e;
    sf_error_clear(&e);
    rc = sf_law_parse(jf->valuestring, &o, out, &e);
    if (rc != SF_OK) {
        if (e.column > 0)
            return sf_fail(err, rc, name, 0, 0, "formula, column %ld: %s", e.column, e.message);
        return sf_fail(err, rc, name, 0, 0, "%s", e.message);
    }
    return SF_OK;
}

int sf_law_file_read(const char *path, const sf_formula_options *o, sf_law **out,
                     sf_error *err)
{
    *out = NULL;
    sf_buf b = {0};
    int rc = sf_read_text(path, "not a law file", &b, err);
    if (rc != SF_OK) {
        sf_buf_free(&b);
        return rc;
    }
    cJSON *root = cJSON_Parse(b.data);
    sf_buf_free(&b);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return sf_fail(err, SF_EPARSE, path, 0, 0, "not a law file: expected a JSON object "
                       "with \"formula\" (docs/laws.md)");
    }
    rc = law_from_object(root, o, path, out, err);
    cJSON_Delete(root);
    return rc;
}

/* ---- in fit files ---------------------------------------------------------- */


int sf_formula_json_add(cJSON *root, const sf_law *law)
{
    const sf_formula *f = law->formula;
    cJSON *o = cJSON_AddObjectToObject(root, "formula_law");
    int ok = o && cJSON_AddStringToObject(o, "formula", f->text);
    if (ok && f->name) ok = cJSON_AddStringToObject(o, "name", f->name) != NULL;
    if (ok && f->notes) ok = cJSON_AddStringToObject(o, "notes", f->notes) != NULL;
    cJSON *v = ok ? cJSON_AddArrayToObject(o, "variables") : NULL;
    ok = ok && v;
    for (size_t k = 0; ok && k < law->n_extra; k++)
        ok = cJSON_AddItemToArray(v, cJSON_CreateString(law->extra[k]));
    cJSON *ps = ok ? cJSON_AddObjectToObject(o, "params") : NULL;
    ok = ok && ps;
    for (size_t j = 0; ok && j < law->n_params; j++) {
        const sf_param_spec *s = &law->param[j];
        cJSON *b = cJSON_AddObjectToObject(ps, s->name);
        ok = b != NULL;
        if (ok && isfinite(s->lo)) ok = cJSON_AddItemToObject(b, "lo", sf_json_number(s->lo));
        if (ok && isfinite(s->hi)) ok = cJSON_AddItemToObject(b, "hi", sf_json_number(s->hi));
        if (ok) ok = cJSON_AddStringToObject(b, "scale", s->scale == SF_SCALE_LOG ? "log" : "linear") != NULL;
    }
    return ok;
}


int sf_formula_json_law(const cJSON *root, const char *name, sf_law **out, sf_error *err)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "formula_law");
    if (!cJSON_IsObject(o)) return SF_ENOTSUP;
    sf_formula_options fo;
    sf_formula_options_init(&fo);
    /* The fit file lists every bound the law had, so the defaults are
     * rebuilt exactly; the grid plays no part in predict or optimal. */
    return law_from_object(o, &fo, name, out, err);
}

/*
 * JSON for fits and allocations (cJSON), as documented in docs/json.md.
 *
 * Numbers are printed with 15 significant digits when that reads back
 * exactly and 16 or 17 otherwise (sf_json_number), so every number
 * round-trips.  NaN and infinity
 * never reach the output: a non-finite value is left out (or written as
 * null where the key must exist), never printed as a number.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "fit/fit_impl.h"
#include "io/extrap_json.h"
#include "io/json_impl.h"
#include "io/io_impl.h"

static const char *grid_name(int g)
{
    switch (g) {
    case SF_GRID_FULL: return "full";
    case SF_GRID_SCREEN: return "screen";
    case SF_GRID_VP: return "vp";
    case SF_GRID_LAW: return "law";
    case SF_GRID_EXACT: return "exact";
    default: return "auto";
    }
}

static const char *stop_name(int s)
{
    switch (s) {
    case SF_STOP_GRADIENT: return "gradient";
    case SF_STOP_NO_PROGRESS: return "no_progress";
    case SF_STOP_MAX_ITER: return "max_iter";
    default: return "none";
    }
}

/* A number item that reads back to exactly v: the shortest of 15, 16 or
 * 17 significant digits that does (cJSON 1.7.15's own printing accepts
 * 15 digits when they come within an epsilon, which loses the last bit of
 * about one double in six).  Printed in the C locale; null when v is not
 * finite. */
cJSON *sf_json_number(double v)
{
    if (!isfinite(v)) return cJSON_CreateNull();
    char buf[32];
    return cJSON_CreateRaw(sf_format_shortest(v, buf, sizeof buf));
}

/* Add a number when finite; returns 0 on allocation failure. */
static int add_num(cJSON *o, const char *k, double v)
{
    if (!isfinite(v)) return 1;
    cJSON *it = sf_json_number(v);
    return it && cJSON_AddItemToObject(o, k, it);
}

static cJSON *params_object(const sf_law *law, const double *p)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t j = 0; o && j < law->n_params; j++)
        if (!add_num(o, law->param[j].name, p[j])) {
            cJSON_Delete(o);
            return NULL;
        }
    return o;
}

static char *finish(cJSON *root, int ok)
{
    char *out = NULL;
    if (ok && root) {
        char *s = cJSON_Print(root);
        if (s) {
            size_t n = strlen(s);
            out = malloc(n + 2);
            if (out) {
                memcpy(out, s, n);
                out[n] = '\n';
                out[n + 1] = '\0';
            }
            cJSON_free(s);
        }
    }
    cJSON_Delete(root);
    return out;
}

/* "params", "fixed", "tied", "at_bound". */
static int add_params(cJSON *root, const sf_fit *fit)
{
    const sf_law *law = fit->law;
    cJSON *pa = params_object(law, fit->params);
    int ok = pa && cJSON_AddItemToObject(root, "params", pa);
    cJSON *fixed = ok ? cJSON_AddArrayToObject(root, "fixed") : NULL;
    cJSON *tied = ok ? cJSON_AddObjectToObject(root, "tied") : NULL;
    cJSON *bound = ok ? cJSON_AddArrayToObject(root, "at_bound") : NULL;
    ok = ok && fixed && tied && bound;
    for (size_t j = 0; ok && j < law->n_params; j++) {
        const char *nm = law->param[j].name;
        if (fit->map.fixed[j] && fit->map.rep[j] == (int)j)
            ok = cJSON_AddItemToArray(fixed, cJSON_CreateString(nm));
        if (ok && fit->map.rep[j] != (int)j)
            ok = cJSON_AddStringToObject(tied, nm, law->param[fit->map.rep[j]].name) != NULL;
        if (ok && fit->map.bound[j] && fit->map.rep[j] == (int)j)
            ok = cJSON_AddItemToArray(bound, cJSON_CreateString(nm));
    }
    return ok;
}

/* The objective and the search's diagnostics (fits made from data). */
static int add_search(cJSON *root, const sf_fit *fit)
{
    int ok = add_num(root, "objective", fit->objective);
    ok = ok && cJSON_AddStringToObject(root, "loss", fit->opt.loss == SF_LOSS_HUBER ? "huber" : "ls");
    if (fit->opt.loss == SF_LOSS_HUBER) ok = ok && add_num(root, "delta", fit->opt.delta);
    ok = ok && cJSON_AddNumberToObject(root, "n_points", (double)fit->n_points);
    ok = ok && cJSON_AddStringToObject(root, "grid", grid_name(fit->strategy));
    ok = ok && cJSON_AddNumberToObject(root, "starts", fit->starts);
    ok = ok && cJSON_AddNumberToObject(root, "n_best", fit->n_best);
    ok = ok && cJSON_AddBoolToObject(root, "converged", fit->converged);
    ok = ok && cJSON_AddStringToObject(root, "stop", stop_name(fit->stop));
    ok = ok && add_num(root, "grad_norm", fit->gnorm);
    return ok && add_num(root, "r2", fit->r2);
}

/* "basins" and "data" (where the rows came from). */
static int add_basins_data(cJSON *root, const sf_fit *fit)
{
    const sf_law *law = fit->law;
    cJSON *bs = cJSON_AddArrayToObject(root, "basins");
    int ok = bs != NULL;
    for (size_t b = 0; ok && b < fit->n_basins; b++) {
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(bs, o);
        ok = ok && add_num(o, "objective", fit->basin_f[b]);
        ok = ok && cJSON_AddNumberToObject(o, "starts", fit->basin_n[b]);
        cJSON *bp = ok ? params_object(law, fit->basin_p[b]) : NULL;
        ok = ok && bp && cJSON_AddItemToObject(o, "params", bp);
    }
    cJSON *data = ok ? cJSON_AddObjectToObject(root, "data") : NULL;
    ok = ok && data;
    if (ok && fit->source) ok = cJSON_AddStringToObject(data, "file", fit->source) != NULL;
    ok = ok && cJSON_AddNumberToObject(data, "rows_read", (double)fit->rows_read);
    ok = ok && cJSON_AddNumberToObject(data, "rows_used", (double)fit->n_points);
    cJSON *cols = ok ? cJSON_AddObjectToObject(data, "columns") : NULL;
    ok = ok && cols;
    for (int r = 0; ok && r < SF_ROLE_COUNT; r++) {
        if (fit->column[r])
            ok = cJSON_AddStringToObject(cols, sf_role_name((sf_role)r), fit->column[r]) != NULL;
        else if (fit->derived & SF_ROLE_BIT(r))
            ok = cJSON_AddStringToObject(cols, sf_role_name((sf_role)r),
                                         r == SF_ROLE_D ? "= C/(6N)" : "= 6ND") != NULL;
    }
    cJSON *flt = ok ? cJSON_AddArrayToObject(data, "filters") : NULL;
    ok = ok && flt;
    for (size_t k = 0; ok && k < fit->n_filters; k++)
        ok = cJSON_AddItemToArray(flt, cJSON_CreateString(fit->filters[k]));
    return ok;
}

void sf_report_request_init(sf_report_request *r) { memset(r, 0, sizeof *r); }

int sf_fit_json(const sf_fit *fit, const sf_draws *draws, const sf_report_request *req,
                char **out, sf_error *err)
{
    *out = NULL;
    if (draws && draws->fit != fit)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_fit_json: the draws are of another fit");
    const sf_law *law = fit->law;
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    ok = ok && cJSON_AddStringToObject(root, "scalefit_version", SF_VERSION);
    ok = ok && cJSON_AddStringToObject(root, "law", sf_law_name(law));
    ok = ok && cJSON_AddStringToObject(root, "formula",
                                       law->formula ? sf_law_formula_text(law) : law->cls->formula);
    if (law->formula) ok = ok && sf_formula_json_add(root, law);
    cJSON *lo = ok ? cJSON_AddObjectToObject(root, "law_options") : NULL;
    ok = ok && lo && cJSON_AddStringToObject(lo, "x", sf_role_name(law->opt.x));
    ok = ok && cJSON_AddNumberToObject(lo, "breaks", law->opt.breaks);
    ok = ok && add_params(root, fit);
    if (fit->has_data) ok = ok && add_search(root, fit);
    /* The seed goes in as text: a uint64 may not fit a double exactly. */
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)fit->opt.seed);
    ok = ok && cJSON_AddStringToObject(root, "seed", seed);

    const char *dn[16];
    double dv[16];
    size_t nd = sf_law_derived(law, fit->params, dn, dv, 16);
    if (nd > 16) nd = 16;
    cJSON *der = ok ? cJSON_AddObjectToObject(root, "derived") : NULL;
    ok = ok && der;
    for (size_t k = 0; ok && k < nd; k++) ok = add_num(der, dn[k], dv[k]);

    if (fit->has_data) ok = ok && add_basins_data(root, fit);
    ok = ok && sf_json_add_range(root, fit, draws);
    ok = ok && sf_json_add_uncertainty(root, fit, draws, req);
    cJSON *wn = ok ? cJSON_AddArrayToObject(root, "warnings") : NULL;
    ok = ok && wn;
    for (size_t k = 0; ok && k < fit->n_warn; k++)
        ok = cJSON_AddItemToArray(wn, cJSON_CreateString(fit->warn[k]));
    for (size_t k = 0; ok && k < sf_draws_n_warnings(draws); k++)
        ok = cJSON_AddItemToArray(wn, cJSON_CreateString(sf_draws_warning(draws, k)));
    /* Only when there are any: a sound fit's JSON is unchanged. */
    cJSON *dg = ok && fit->n_diag ? cJSON_AddArrayToObject(root, "diagnoses") : NULL;
    ok = ok && (dg || !fit->n_diag);
    for (size_t k = 0; ok && k < fit->n_diag; k++) {
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(dg, o) &&
             cJSON_AddStringToObject(o, "code", fit->diag[k].code);
        if (ok && fit->diag[k].param[0])
            ok = cJSON_AddStringToObject(o, "parameter", fit->diag[k].param) != NULL;
        ok = ok && cJSON_AddStringToObject(o, "message", fit->diag[k].msg);
    }
    return sf_json_finish_to(root, ok, out, err);
}

/* {"law", "rows": [...]} with fn filling row i's object. */
typedef int (*row_fn)(cJSON *o, const void *rows, size_t i);

static int rows_json(const sf_law *law, size_t n, row_fn fn, const void *rows, char **out,
                     sf_error *err)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root && cJSON_AddStringToObject(root, "law", law->cls->name);
    cJSON *arr = ok ? cJSON_AddArrayToObject(root, "rows") : NULL;
    ok = ok && arr;
    for (size_t i = 0; ok && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(arr, o) && fn(o, rows, i);
    }
    return sf_json_finish_to(root, ok, out, err);
}

int sf_json_alloc_fields(cJSON *o, const sf_alloc_row *r)
{
    return add_num(o, "compute", r->compute) && add_num(o, "params", r->params) &&
           add_num(o, "tokens", r->tokens) &&
           add_num(o, "tokens_per_param", r->tokens_per_param) && add_num(o, "loss", r->loss);
}

int sf_alloc_json(const sf_law *law, const sf_alloc_row *rows, size_t n, char **out,
                  sf_error *err)
{
    return sf_alloc_summary_json(law, rows, NULL, n, out, err);
}

static int dc_row(cJSON *o, const void *rows, size_t i)
{
    const sf_alloc_dc_row *r = (const sf_alloc_dc_row *)rows + i;
    return sf_json_alloc_fields(o, &r->opt) && add_num(o, "unique_tokens", r->unique_tokens) &&
           add_num(o, "epochs", r->epochs) &&
           add_num(o, "loss_per_doubling", r->loss_per_doubling) &&
           add_num(o, "unlimited_per_doubling", r->unlimited_per_doubling) &&
           add_num(o, "floor", r->floor);
}

int sf_alloc_dc_json(const sf_law *law, const sf_alloc_dc_row *rows, size_t n, char **out,
                     sf_error *err)
{
    return rows_json(law, n, dc_row, rows, out, err);
}

static int inference_row(cJSON *o, const void *rows, size_t i)
{
    const sf_alloc_inference_row *r = (const sf_alloc_inference_row *)rows + i;
    int ok = sf_json_alloc_fields(o, &r->opt) && add_num(o, "inference_tokens", r->inference_tokens) &&
             add_num(o, "total_flops", r->total_flops) && add_num(o, "saving", r->saving);
    cJSON *ref = ok ? cJSON_AddObjectToObject(o, "reference") : NULL;
    return ref && sf_json_alloc_fields(ref, &r->reference) &&
           add_num(ref, "total_flops", r->reference_total);
}

int sf_alloc_inference_json(const sf_law *law, const sf_alloc_inference_row *rows, size_t n,
                            char **out, sf_error *err)
{
    return rows_json(law, n, inference_row, rows, out, err);
}

int sf_predict_json(const sf_law *law, const sf_point *x, const double *loss, size_t n,
                    int with_u, char **out, sf_error *err)
{
    /* Predictions without draws: summaries with only the point value. */
    *out = NULL;
    sf_summary *s = calloc(n ? n : 1, sizeof *s);
    if (!s) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < n; i++) s[i].value = loss[i];
    int rc = sf_predict_summary_json(law, x, s, NULL, n, with_u, out, err);
    free(s);
    return rc;
}

/* ---- reading ----------------------------------------------------------------------- */

static void position(const char *text, const char *at, long *line, long *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = text; p < at && *p; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* ---- strict reading of a fit file's scalars, map and diagnoses: they fill
 * the fit being made here, before sf_fit_json_parse hands it out ---- */

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
            !sf_json_is_diag_code(c->valuestring))
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

/* "params" keys, "fixed", "at_bound", "tied" and "diagnoses" into fit
 * (made from the file's law), each checked against the law. */
static int sf_json_read_map(const cJSON *root, sf_fit *fit, const char *name, sf_error *err)
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

/* "objective", "n_points", "delta", "loss" and "seed" into fit, each
 * checked: a number where a number belongs, n_points a count, delta > 0,
 * loss huber or ls, seed a decimal 64-bit integer. */
static int sf_json_read_scalars(const cJSON *root, sf_fit *fit, const char *name,
                                sf_error *err)
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

int sf_fit_json_parse(const char *text, const char *name, sf_fit **out, sf_draws **draws,
                      sf_error *err)
{
    *out = NULL;
    if (draws) *draws = NULL;
    sf_draws *dr = NULL;
    if (!name) name = "<fit>";
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 0);
    if (!root) {
        long line, col;
        position(text, end ? end : text, &line, &col);
        return sf_fail(err, SF_EPARSE, name, line, col, "malformed JSON");
    }
    int rc = SF_OK;
    sf_law *law = NULL;
    sf_fit *fit = NULL;
    const cJSON *jl = cJSON_GetObjectItemCaseSensitive(root, "law");
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(root, "params");
    /* One JSON value and nothing after it but blanks. */
    while (end && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')) end++;
    if (end && *end) {
        long line, col;
        position(text, end, &line, &col);
        rc = sf_fail(err, SF_EPARSE, name, line, col, "text after the end of the JSON object");
        goto done;
    }
    if (!cJSON_IsObject(root) || !cJSON_IsString(jl) || !cJSON_IsObject(jp)) {
        rc = sf_fail(err, SF_EPARSE, name, 0, 0,
                     "not a scalefit fit file: it needs \"law\" and \"params\" "
                     "(write one with: scalefit fit DATA.csv -o FIT.json)");
        goto done;
    }
    if ((rc = sf_json_check_keys(root, name, err)) != SF_OK) goto done;
    sf_law_options lo;
    sf_law_options_init(&lo);
    const cJSON *jo = cJSON_GetObjectItemCaseSensitive(root, "law_options");
    if (cJSON_IsObject(jo)) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(jo, "x");
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(jo, "breaks");
        if (cJSON_IsString(x) && sf_role_parse(x->valuestring, &lo.x) != SF_OK) {
            rc = sf_fail(err, SF_EPARSE, name, 0, 0, "law_options.x: unknown role '%s'",
                         x->valuestring);
            goto done;
        }
        if (cJSON_IsNumber(b)) lo.breaks = (int)b->valuedouble;  /* an integer: checked */
    }
    sf_error lerr;
    sf_error_clear(&lerr);
    if ((rc = sf_formula_json_law(root, name, &law, err)) != SF_ENOTSUP) {
        if (rc != SF_OK) goto done;
    } else if ((rc = sf_law_new(jl->valuestring, &lo, &law, &lerr)) != SF_OK) {
        sf_fail(err, rc, name, 0, 0, "%s", lerr.message);
        goto done;
    }
    double params[SF_MAX_PARAMS];
    for (size_t j = 0; j < law->n_params; j++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(jp, law->param[j].name);
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
            rc = sf_fail(err, SF_EPARSE, name, 0, 0,
                         "params: law '%s' needs a finite number for '%s'", law->cls->name,
                         law->param[j].name);
            goto done;
        }
        params[j] = v->valuedouble;
        const sf_param_spec *ps = &law->param[j];
        if (params[j] < ps->lo || params[j] > ps->hi) {
            rc = sf_fail(err, SF_EDOMAIN, name, 0, 0, "params.%s: %g is outside [%g, %g]",
                         ps->name, params[j], ps->lo, ps->hi);
            goto done;
        }
        /* An exponent (a parameter on the linear scale) of 1e300 is in
         * range but no fit makes it: x^-alpha is 0 for every x > 1, and an
         * allocation computed from it is nonsense (N_opt = 1). */
        if (ps->scale == SF_SCALE_LINEAR && fabs(params[j]) > SF_JSON_LINEAR_MAX) {
            rc = sf_fail(err, SF_EDOMAIN, name, 0, 0, "params.%s: %g is beyond +-%g, outside "
                         "what a fit can mean (x^%g vanishes or overflows at every x > 1)",
                         ps->name, params[j], SF_JSON_LINEAR_MAX, SF_JSON_LINEAR_MAX);
            goto done;
        }
    }
    if ((rc = sf_fit_from_params(law, params, &fit)) != SF_OK) {
        sf_fail(err, rc, name, 0, 0, "out of memory");
        goto done;
    }
    fit->owned_law = law;
    law = NULL;
    /* Keep what a later reader reports: the objective and fit settings. */
    rc = sf_json_read_scalars(root, fit, name, err);
    if (rc == SF_OK) rc = sf_json_read_map(root, fit, name, err);
    sf_json_read_range(root, fit->range);
    if (rc == SF_OK && draws) rc = sf_json_read_uncertainty(root, fit, name, &dr, err);
done:
    sf_law_free(law);
    cJSON_Delete(root);
    if (rc != SF_OK) {
        sf_fit_free(fit);
        return rc;
    }
    *out = fit;
    if (draws) *draws = dr;
    return SF_OK;
}

int sf_read_text(const char *path, const char *what, sf_buf *b, sf_error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return sf_fail(err, SF_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    char chunk[65536];
    size_t k;
    int rc = SF_OK;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (sf_buf_append(b, chunk, k) != 0) {
            rc = SF_ENOMEM;
            break;
        }
    if (ferror(f)) rc = SF_EIO;
    if (f != stdin) fclose(f);
    if (rc == SF_OK && (!b->data || memchr(b->data, '\0', b->len)))
        rc = sf_fail(err, SF_EPARSE, path, 0, 0, "empty or binary file: %s", what);
    else if (rc != SF_OK)
        sf_fail(err, rc, path, 0, 0, rc == SF_EIO ? "read error" : "out of memory");
    return rc;
}

int sf_fit_json_read(const char *path, sf_fit **out, sf_draws **draws, sf_error *err)
{
    *out = NULL;
    if (draws) *draws = NULL;
    sf_buf b = {0};
    int rc = sf_read_text(path, "not a fit file", &b, err);
    if (rc == SF_OK) rc = sf_fit_json_parse(b.data, path, out, draws, err);
    sf_buf_free(&b);
    return rc;
}

/* ---- for the other JSON writers in src/io (io_impl.h) ----------------------- */

int sf_json_num(cJSON *o, const char *key, double v) { return add_num(o, key, v); }

char *sf_json_finish(cJSON *root, int ok) { return finish(root, ok); }

int sf_json_finish_to(cJSON *root, int ok, char **out, sf_error *err)
{
    return sf_text_out(finish(root, ok), out, err);
}

int sf_buf_out(sf_buf *b, int bad, char **out, sf_error *err)
{
    if (bad) {
        sf_buf_free(b);
        *out = NULL;
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    return sf_text_out(b->data, out, err);
}

int sf_text_out(char *text, char **out, sf_error *err)
{
    *out = text;
    return text ? SF_OK : sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
}

/*
 * JSON of uncertainty (docs/json.md): summaries of a fit's draws, the
 * allocations and predictions it was asked for, and the draws themselves,
 * so that `optimal` and `predict` on a fit file report the same intervals
 * as the command that made it.
 *
 * Interval levels are keys ("0.8", "0.95") printed with up to 6
 * significant digits in the C locale.  Draw values round-trip exactly
 * (cJSON prints 17 digits when 15 do not read back).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "infer/infer_impl.h"
#include "io/json_impl.h"

static void level_key(double level, char *buf, size_t size)
{
    sf_buf b = {0};
    sf_buf_printf(&b, "%.6g", level);
    sf_strlcpy(buf, b.data ? b.data : "?", size);
    sf_buf_free(&b);
}

static cJSON *pair(double lo, double hi)
{
    cJSON *a = cJSON_CreateArray();
    if (!a) return NULL;
    if (!cJSON_AddItemToArray(a, sf_json_number(lo)) ||
        !cJSON_AddItemToArray(a, sf_json_number(hi))) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

/* A JSON array of n doubles (null where not finite). */
static cJSON *number_array(const double *v, size_t n, size_t stride)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t k = 0; a && k < n; k++) {
        cJSON *it = sf_json_number(v[k * stride]);
        if (!it || !cJSON_AddItemToArray(a, it)) {
            cJSON_Delete(it);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

/* The objects one set of quantities is summarised into. */
typedef struct sumobj {
    cJSON *se, *mean, *median, *ci, *iv;
} sumobj;

static int sumobj_add(cJSON *parent, sumobj *o, int with_moments)
{
    memset(o, 0, sizeof *o);
    o->se = cJSON_AddObjectToObject(parent, "se");
    if (with_moments) {
        o->mean = cJSON_AddObjectToObject(parent, "mean");
        o->median = cJSON_AddObjectToObject(parent, "median");
    }
    o->ci = cJSON_AddObjectToObject(parent, "ci");
    o->iv = cJSON_AddObjectToObject(parent, "intervals");
    return o->se && o->ci && o->iv && (!with_moments || (o->mean && o->median));
}

/* One quantity: "se" (the draws' standard deviation), "mean", "median",
 * "ci" at the widest level, "intervals" at every level.  A quantity
 * without finite draws, or that never varies (a held parameter), is left
 * out. */
static int add_summary(sumobj *o, const char *name, const sf_summary *s)
{
    if (s->n == 0 || s->n_levels == 0) return 1;
    if (sf_summary_constant(s)) return 1;
    int ok = sf_json_num(o->se, name, s->sd);
    if (o->mean) ok = ok && sf_json_num(o->mean, name, s->mean);
    if (o->median) ok = ok && sf_json_num(o->median, name, s->median);
    size_t top = 0;
    for (size_t l = 1; l < s->n_levels; l++)
        if (s->level[l] > s->level[top]) top = l;
    cJSON *c = ok ? pair(s->lo[top], s->hi[top]) : NULL;
    ok = ok && c && cJSON_AddItemToObject(o->ci, name, c);
    cJSON *by = ok ? cJSON_AddObjectToObject(o->iv, name) : NULL;
    ok = ok && by;
    for (size_t l = 0; ok && l < s->n_levels; l++) {
        char key[32];
        level_key(s->level[l], key, sizeof key);
        cJSON *a = pair(s->lo[l], s->hi[l]);
        ok = a && cJSON_AddItemToObject(by, key, a);
    }
    return ok;
}

static const char *const alloc_field[5] = {"compute", "params", "tokens", "tokens_per_param",
                                           "loss"};

cJSON *sf_json_alloc_row(const sf_alloc_row *r, const sf_summary *s)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && sf_json_alloc_fields(o, r);
    if (ok && s && s[0].n) {
        sumobj so;
        ok = sumobj_add(o, &so, 0);
        for (int q = 0; ok && q < 5; q++) ok = add_summary(&so, alloc_field[q], &s[q]);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *sf_json_predict_row(const sf_point *x, double loss, int with_u, const sf_summary *ls,
                           const sf_summary *ps)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o != NULL;
    /* Coordinates not given (0: a one-variable law) are left out. */
    double C = x->C > 0 ? x->C : 6.0 * x->N * x->D;
    if (x->N > 0) ok = ok && sf_json_num(o, "N", x->N);
    if (x->D > 0) ok = ok && sf_json_num(o, "D", x->D);
    if (C > 0) ok = ok && sf_json_num(o, "C", C);
    if (with_u) ok = ok && sf_json_num(o, "U", x->U);
    ok = ok && sf_json_num(o, "loss", loss);
    if (ok && ls && ls->n) {
        sumobj so;
        ok = sumobj_add(o, &so, 0) && add_summary(&so, "loss", ls);
    }
    if (ok && ps && ps->n) {
        cJSON *pi = cJSON_AddObjectToObject(o, "prediction_intervals");
        ok = pi != NULL;
        for (size_t l = 0; ok && l < ps->n_levels; l++) {
            char key[32];
            level_key(ps->level[l], key, sizeof key);
            cJSON *a = pair(ps->lo[l], ps->hi[l]);
            ok = a && cJSON_AddItemToObject(pi, key, a);
        }
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int sf_alloc_summary_json(const sf_law *law, const sf_alloc_row *rows, const sf_summary (*s)[5],
                          size_t n, char **out, sf_error *err)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root && cJSON_AddStringToObject(root, "law", law->cls->name);
    cJSON *arr = ok ? cJSON_AddArrayToObject(root, "rows") : NULL;
    ok = ok && arr;
    for (size_t i = 0; ok && i < n; i++) {
        cJSON *o = sf_json_alloc_row(&rows[i], s ? s[i] : NULL);
        ok = o && cJSON_AddItemToArray(arr, o);
    }
    return sf_json_finish_to(root, ok, out, err);
}

int sf_predict_summary_json(const sf_law *law, const sf_point *x, const sf_summary *loss,
                            const sf_summary *pred, size_t n, int with_u, char **out,
                            sf_error *err)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root && cJSON_AddStringToObject(root, "law", law->cls->name);
    cJSON *arr = ok ? cJSON_AddArrayToObject(root, "rows") : NULL;
    ok = ok && arr;
    for (size_t i = 0; ok && i < n; i++) {
        cJSON *o = sf_json_predict_row(&x[i], loss[i].value, with_u, &loss[i],
                                       pred ? &pred[i] : NULL);
        ok = o && cJSON_AddItemToArray(arr, o);
    }
    return sf_json_finish_to(root, ok, out, err);
}

static int add_draws(cJSON *root, const sf_draws *dr)
{
    const sf_law *law = dr->fit->law;
    const size_t p = law->n_params;
    cJSON *o = cJSON_AddObjectToObject(root, "draws");
    int post = dr->kind == SF_DRAWS_POSTERIOR, given = dr->kind == SF_DRAWS_GIVEN;
    int ok = o && cJSON_AddStringToObject(o, "method", post    ? "posterior"
                                                       : given ? "given"
                                                               : "bootstrap");
    if (ok && !post && !given) {
        ok = cJSON_AddStringToObject(o, "resample",
                                     dr->resample == SF_RESAMPLE_GROUP ? "group" : "rows") &&
             cJSON_AddNumberToObject(o, "resamples", (double)dr->resamples) &&
             cJSON_AddNumberToObject(o, "failed", (double)dr->failed) &&
             cJSON_AddNumberToObject(o, "not_converged", (double)dr->not_converged) &&
             cJSON_AddStringToObject(o, "start", dr->warm ? "warm" : "search");
    }
    if (ok && post) {
        ok = cJSON_AddNumberToObject(o, "walkers", (double)dr->walkers) &&
             cJSON_AddNumberToObject(o, "burn", (double)dr->burn) &&
             cJSON_AddNumberToObject(o, "steps", (double)dr->steps) &&
             cJSON_AddNumberToObject(o, "thin", (double)dr->thin) &&
             sf_json_num(o, "acceptance", dr->acceptance);
        cJSON *rh = ok ? cJSON_AddObjectToObject(o, "rhat") : NULL;
        cJSON *es = ok ? cJSON_AddObjectToObject(o, "ess") : NULL;
        cJSON *ml = ok ? cJSON_AddObjectToObject(o, "ml") : NULL;
        cJSON *mp = ml ? cJSON_AddObjectToObject(ml, "params") : NULL;
        cJSON *pr = ok ? cJSON_AddObjectToObject(o, "priors") : NULL;
        ok = rh && es && mp && pr;
        for (size_t j = 0; ok && j <= p; j++) {
            const char *nm = j < p ? law->param[j].name : "sigma";
            ok = sf_json_num(rh, nm, dr->rhat[j]) && sf_json_num(es, nm, dr->ess[j]);
            if (ok && j < p) ok = sf_json_num(mp, nm, dr->ml[j]);
        }
        ok = ok && sf_json_num(ml, "sigma", dr->ml_sigma);
        for (size_t k = 0; ok && k < dr->n_priors; k++) {
            char buf[128];
            sf_prior_format(&dr->prior[k], buf, sizeof buf);
            ok = cJSON_AddStringToObject(pr, dr->prior[k].name, buf) != NULL;
        }
    }
    cJSON *names = ok ? cJSON_AddArrayToObject(o, "params") : NULL;
    ok = ok && names;
    for (size_t j = 0; ok && j < p; j++)
        ok = cJSON_AddItemToArray(names, cJSON_CreateString(law->param[j].name));
    cJSON *vals = ok ? cJSON_AddArrayToObject(o, "values") : NULL;
    ok = ok && vals;
    for (size_t k = 0; ok && k < dr->n; k++) {
        cJSON *row = number_array(dr->x + k * p, p, 1);
        ok = row && cJSON_AddItemToArray(vals, row);
    }
    if (ok && dr->sigma) {
        cJSON *a = number_array(dr->sigma, dr->n, 1);
        ok = a && cJSON_AddItemToObject(o, "sigma", a);
    }
    cJSON *nz = ok ? number_array(dr->noise, dr->n, 1) : NULL;
    ok = ok && nz && cJSON_AddItemToObject(o, "noise", nz);
    return ok;
}

/* Summaries of the draws: "ci_levels", "se", "mean", "median", "ci",
 * "intervals". */
static int add_summaries(cJSON *root, const sf_draws *dr, const double *lv, size_t nl)
{
    cJSON *cl = number_array(lv, nl, 1);
    int ok = cl && cJSON_AddItemToObject(root, "ci_levels", cl);
    const size_t max = SF_MAX_PARAMS + 32;
    const char *names[SF_MAX_PARAMS + 32];
    sf_summary *s = ok ? malloc(max * sizeof *s) : NULL;
    size_t ns = s ? sf_draws_summarize(dr, lv, nl, names, s, max) : 0;
    ok = ok && s;
    sumobj so;
    ok = ok && sumobj_add(root, &so, 1);
    for (size_t q = 0; ok && q < ns && q < max; q++) ok = add_summary(&so, names[q], &s[q]);
    free(s);
    return ok;
}

/* "allocations": one row per budget asked for, or its error. */
static int add_allocations(cJSON *root, const sf_fit *fit, const sf_draws *dr,
                           const sf_report_request *req, const double *lv, size_t nl)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "allocations");
    int ok = arr != NULL;
    for (size_t i = 0; ok && i < req->n_compute; i++) {
        sf_alloc_row row;
        sf_summary s[5];
        sf_error e;
        sf_error_clear(&e);
        cJSON *o;
        if (sf_fit_alloc_summary(fit, dr, req->compute[i], lv, nl, &row, s, &e) == SF_OK) {
            o = sf_json_alloc_row(&row, s);
        } else {
            o = cJSON_CreateObject();
            if (o && (!sf_json_num(o, "compute", req->compute[i]) ||
                      !cJSON_AddStringToObject(o, "error", e.message))) {
                cJSON_Delete(o);
                o = NULL;
            }
        }
        ok = o && cJSON_AddItemToArray(arr, o);
    }
    return ok;
}

/* "predictions": the loss at each point asked for, with intervals. */
static int add_predictions(cJSON *root, const sf_fit *fit, const sf_draws *dr,
                           const sf_report_request *req, const double *lv, size_t nl)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "predictions");
    int ok = arr != NULL;
    int with_u = (fit->law->roles & SF_ROLE_BIT(SF_ROLE_U)) != 0;
    for (size_t i = 0; ok && i < req->n_at; i++) {
        sf_summary ls, ps;
        const sf_point *x = &req->at[i];
        int have = sf_fit_predict_summary(fit, dr, x, lv, nl, &ls, dr ? &ps : NULL, NULL) == SF_OK;
        cJSON *o = have ? sf_json_predict_row(x, ls.value, with_u, &ls, dr ? &ps : NULL) : NULL;
        ok = have && o && cJSON_AddItemToArray(arr, o);
    }
    return ok;
}

int sf_json_add_uncertainty(cJSON *root, const sf_fit *fit, const sf_draws *dr,
                            const sf_report_request *req)
{
    int ok = 1;
    if (dr && dr->n == 0) dr = NULL;
    /* The request's levels, else the draws' (else the defaults). */
    double lv[SF_MAX_LEVELS];
    size_t nl;
    if (req && req->levels && req->n_levels) {
        nl = req->n_levels > SF_MAX_LEVELS ? SF_MAX_LEVELS : req->n_levels;
        memcpy(lv, req->levels, nl * sizeof *lv);
    } else {
        nl = sf_draws_levels(dr, lv, SF_MAX_LEVELS);
    }
    if (dr) ok = add_summaries(root, dr, lv, nl);
    if (ok && req && req->n_compute) ok = add_allocations(root, fit, dr, req, lv, nl);
    if (ok && req && req->n_at) ok = add_predictions(root, fit, dr, req, lv, nl);
    if (ok && dr) ok = add_draws(root, dr);
    return ok;
}

/* ---- reading ------------------------------------------------------------------------ */

static double num_or_nan(const cJSON *v)
{
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static size_t count_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (size_t)v->valuedouble : 0;
}

int sf_json_read_uncertainty(const cJSON *root, const sf_fit *fit, const char *name,
                             sf_draws **out, sf_error *err)
{
    *out = NULL;
    const sf_law *law = fit->law;
    const size_t p = law->n_params;
    const cJSON *jd = cJSON_GetObjectItemCaseSensitive(root, "draws");
    if (!jd) return SF_OK;
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(jd, "method");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(jd, "params");
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(jd, "values");
    const cJSON *noise = cJSON_GetObjectItemCaseSensitive(jd, "noise");
    const cJSON *sigma = cJSON_GetObjectItemCaseSensitive(jd, "sigma");
    int post = cJSON_IsString(method) && strcmp(method->valuestring, "posterior") == 0;
    int given = cJSON_IsString(method) && strcmp(method->valuestring, "given") == 0;
    if (!cJSON_IsObject(jd) || !cJSON_IsString(method) ||
        (!post && !given && strcmp(method->valuestring, "bootstrap") != 0) ||
        !cJSON_IsArray(names) || !cJSON_IsArray(vals))
        return sf_fail(err, SF_EPARSE, name, 0, 0,
                       "draws: expected {\"method\": \"bootstrap\", \"posterior\" or "
                       "\"given\", \"params\": [...], \"values\": [[...], ...]}");
    /* Column of each parameter in the file's order. */
    int col[SF_MAX_PARAMS];
    size_t nn = (size_t)cJSON_GetArraySize(names);
    if (nn != p)
        return sf_fail(err, SF_EPARSE, name, 0, 0, "draws.params: %zu names, law '%s' has %zu "
                       "parameters", nn, law->cls->name, p);
    for (size_t j = 0; j < p; j++) col[j] = -1;
    for (size_t q = 0; q < nn; q++) {
        const cJSON *it = cJSON_GetArrayItem(names, (int)q);
        int j = cJSON_IsString(it) ? sf_law_param_index(law, it->valuestring) : -1;
        if (j < 0 || col[j] >= 0)
            return sf_fail(err, SF_EPARSE, name, 0, 0,
                           "draws.params[%zu]: not a parameter of law '%s', or repeated", q,
                           law->cls->name);
        col[j] = (int)q;
    }
    size_t n = (size_t)cJSON_GetArraySize(vals);
    if (n == 0) return sf_fail(err, SF_EPARSE, name, 0, 0, "draws.values: no draws");
    if ((noise && (!cJSON_IsArray(noise) || (size_t)cJSON_GetArraySize(noise) != n)) ||
        (sigma && (!cJSON_IsArray(sigma) || (size_t)cJSON_GetArraySize(sigma) != n)))
        return sf_fail(err, SF_EPARSE, name, 0, 0,
                       "draws: \"noise\" and \"sigma\" need one number per draw (%zu)", n);
    sf_draws *dr = sf_draws_new(fit, n, p, post && sigma);
    if (!dr) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    size_t k = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, vals)
    {
        if (!cJSON_IsArray(row) || (size_t)cJSON_GetArraySize(row) != p) {
            sf_draws_free(dr);
            return sf_fail(err, SF_EPARSE, name, 0, 0, "draws.values[%zu]: expected %zu numbers",
                           k, p);
        }
        for (size_t j = 0; j < p; j++) {
            double v = num_or_nan(cJSON_GetArrayItem(row, col[j]));
            const sf_param_spec *ps = &law->param[j];
            if (!isfinite(v) || v < ps->lo || v > ps->hi) {
                sf_draws_free(dr);
                return sf_fail(err, SF_EPARSE, name, 0, 0,
                               "draws.values[%zu]: %s is not a finite number within [%g, %g]",
                               k, ps->name, ps->lo, ps->hi);
            }
            dr->x[k * p + j] = v;
        }
        dr->noise[k] = noise ? num_or_nan(cJSON_GetArrayItem(noise, (int)k)) : NAN;
        if (dr->sigma) dr->sigma[k] = num_or_nan(cJSON_GetArrayItem(sigma, (int)k));
        k++;
    }
    dr->kind = post ? SF_DRAWS_POSTERIOR : given ? SF_DRAWS_GIVEN : SF_DRAWS_BOOTSTRAP;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(jd, "resample");
    dr->resample = cJSON_IsString(v) && strcmp(v->valuestring, "group") == 0 ? SF_RESAMPLE_GROUP
                                                                               : SF_RESAMPLE_ROWS;
    v = cJSON_GetObjectItemCaseSensitive(jd, "start");
    dr->warm = cJSON_IsString(v) && strcmp(v->valuestring, "warm") == 0;
    dr->resamples = count_of(jd, "resamples");
    dr->failed = count_of(jd, "failed");
    dr->not_converged = count_of(jd, "not_converged");
    dr->walkers = count_of(jd, "walkers");
    dr->burn = count_of(jd, "burn");
    dr->steps = count_of(jd, "steps");
    dr->thin = count_of(jd, "thin");
    dr->acceptance = num_or_nan(cJSON_GetObjectItemCaseSensitive(jd, "acceptance"));
    const cJSON *rh = cJSON_GetObjectItemCaseSensitive(jd, "rhat");
    const cJSON *es = cJSON_GetObjectItemCaseSensitive(jd, "ess");
    const cJSON *ml = cJSON_GetObjectItemCaseSensitive(jd, "ml");
    const cJSON *mp = cJSON_GetObjectItemCaseSensitive(ml, "params");
    for (size_t j = 0; j <= p; j++) {
        const char *nm = j < p ? law->param[j].name : "sigma";
        dr->rhat[j] = num_or_nan(cJSON_GetObjectItemCaseSensitive(rh, nm));
        dr->ess[j] = num_or_nan(cJSON_GetObjectItemCaseSensitive(es, nm));
        if (j < p) dr->ml[j] = num_or_nan(cJSON_GetObjectItemCaseSensitive(mp, nm));
    }
    dr->ml_sigma = num_or_nan(cJSON_GetObjectItemCaseSensitive(ml, "sigma"));
    /* Levels the intervals were reported at. */
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(root, "ci_levels");
    if (cJSON_IsArray(cl)) {
        size_t nl = (size_t)cJSON_GetArraySize(cl);
        double lv[SF_MAX_LEVELS];
        int good = nl >= 1 && nl <= SF_MAX_LEVELS;
        for (size_t l = 0; good && l < nl; l++) lv[l] = num_or_nan(cJSON_GetArrayItem(cl, (int)l));
        if (!good || sf_levels_check(lv, nl, NULL) != SF_OK) {
            sf_draws_free(dr);
            return sf_fail(err, SF_EPARSE, name, 0, 0,
                           "ci_levels: expected 1 to %d levels between 0 and 1", SF_MAX_LEVELS);
        }
        dr->n_levels = nl;
        memcpy(dr->levels, lv, nl * sizeof *lv);
    }
    *out = dr;
    return SF_OK;
}

/*
 * JSON of a task fit (docs/json.md, "Task fits"): the per-task fits of both
 * methods and their bootstrap draws, so that `scalefit task predict` gives
 * the same intervals from the file as from the fit.  Draws that failed are
 * written as null and read back as NaN.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "io/io_impl.h"
#include "io/json_impl.h"
#include "task/task_impl.h"

static int add_array(cJSON *o, const char *key, const double *v, size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(o, key);
    if (!a) return 0;
    for (size_t i = 0; i < n; i++) {
        cJSON *x = sf_json_number(v[i]);
        if (!x) return 0;
        cJSON_AddItemToArray(a, x);
    }
    return 1;
}

static int add_params(cJSON *o, const char *key, const sf_law *law, const double *p)
{
    cJSON *q = cJSON_AddObjectToObject(o, key);
    if (!q) return 0;
    for (size_t i = 0; i < sf_law_n_params(law); i++)
        if (!sf_json_num(q, sf_law_param_name(law, i), p[i])) return 0;
    return 1;
}

static int task_object(const sf_task_fit *f, const sf_task_one *t, cJSON *o)
{
    int ok = cJSON_AddStringToObject(o, "task", t->name) != NULL;
    ok = ok && sf_json_num(o, "chance", t->chance);
    ok = ok && sf_json_num(o, "n_checkpoints", (double)t->n_rows);
    ok = ok && add_array(o, "loss_range", (double[]){t->loss_min, t->loss_max}, 2);
    ok = ok && sf_json_num(o, "N_max", t->N_max) && sf_json_num(o, "D_max", t->D_max);
    if (t->diagnosis != SF_TASK_OK) {
        ok = ok && cJSON_AddStringToObject(o, "diagnosis", "no_signal") != NULL;
        return ok && cJSON_AddStringToObject(o, "message", t->message) != NULL;
    }
    cJSON *s2 = cJSON_AddObjectToObject(o, "sigmoid");
    ok = ok && s2 && sf_json_num(s2, "a", t->sig.a) && sf_json_num(s2, "b", t->sig.b) &&
         sf_json_num(s2, "k", t->sig.k) && sf_json_num(s2, "L0", t->sig.L0) &&
         cJSON_AddStringToObject(s2, "floor", t->sig.floor_fixed ? "chance" : "fitted") &&
         sf_json_num(s2, "resid_sd", t->resid_sd) && sf_json_num(s2, "n_points", (double)t->sig.n);
    if (t->has_two_step) {
        cJSON *s1 = cJSON_AddObjectToObject(o, "step1");
        ok = ok && s1 && add_params(s1, "params", f->law, t->step1) &&
             sf_json_num(s1, "objective", t->step1_objective) &&
             sf_json_num(s1, "n_points", (double)t->n_final);
    }
    if (t->has_direct) {
        cJSON *dj = cJSON_AddObjectToObject(o, "direct");
        ok = ok && dj && add_params(dj, "params", f->direct_law, t->direct) &&
             sf_json_num(dj, "objective", t->direct_objective) &&
             sf_json_num(dj, "resid_sd", t->direct_resid_sd);
    }
    cJSON *dr = cJSON_AddObjectToObject(o, "draws");
    size_t B = t->n_draws;
    ok = ok && dr && add_array(dr, "step1", t->d_step1, B * f->n_step1) &&
         add_array(dr, "sigmoid", t->d_sig, 4 * B) && add_array(dr, "direct", t->d_direct, 3 * B) &&
         add_array(dr, "resid", t->d_resid, B) &&
         add_array(dr, "resid_direct", t->d_resid_direct, B);
    return ok;
}

int sf_task_fit_json(const sf_task_fit *f, char **out, sf_error *err)
{
    *out = NULL;
    cJSON *root = cJSON_CreateObject();
    int ok = root && cJSON_AddStringToObject(root, "scalefit_version", SF_VERSION) &&
             cJSON_AddStringToObject(root, "kind", "tasks") &&
             cJSON_AddStringToObject(root, "law", f->law_name) &&
             cJSON_AddStringToObject(root, "method",
                                     f->opt.method == SF_TASK_BOTH ? "both"
                                     : f->opt.method == SF_TASK_DIRECT ? "direct" : "two-step") &&
             cJSON_AddBoolToObject(root, "step1_all", f->opt.step1_all) &&
             sf_json_num(root, "seed", (double)f->opt.seed) &&
             sf_json_num(root, "draws", (double)f->opt.draws);
    cJSON *arr = ok ? cJSON_AddArrayToObject(root, "tasks") : NULL;
    ok = ok && arr;
    for (size_t i = 0; ok && i < f->n_tasks; i++) {
        cJSON *o = cJSON_CreateObject();
        ok = o && (cJSON_AddItemToArray(arr, o), 1) && task_object(f, &f->tasks[i], o);
    }
    *out = sf_json_finish(root, ok);
    if (!*out) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    return SF_OK;
}

/* ---- reading ----------------------------------------------------------- */

typedef struct rd {
    const char *name;
    sf_error *err;
} rd;

static int bad(const rd *r, const char *what)
{
    return sf_fail(r->err, SF_EPARSE, r->name, 0, 0, "task fit file: %s", what);
}

static int get_num(const rd *r, const cJSON *o, const char *key, double *v, int need)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!x || cJSON_IsNull(x)) {
        *v = NAN;
        if (!need) return SF_OK;
        char m[96];
        snprintf(m, sizeof m, "missing number \"%s\"", key);
        return bad(r, m);
    }
    if (!cJSON_IsNumber(x)) {
        char m[96];
        snprintf(m, sizeof m, "\"%s\" is not a number", key);
        return bad(r, m);
    }
    *v = x->valuedouble;
    return SF_OK;
}

static int get_array(const rd *r, const cJSON *o, const char *key, double **v, size_t n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    char m[128];
    snprintf(m, sizeof m, "\"%s\" must be an array of %zu numbers or nulls", key, n);
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) return bad(r, m);
    *v = malloc((n ? n : 1) * sizeof **v);
    if (!*v) return SF_ENOMEM;
    size_t i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, a)
    {
        if (cJSON_IsNull(x)) (*v)[i++] = NAN;
        else if (cJSON_IsNumber(x)) (*v)[i++] = x->valuedouble;
        else return bad(r, m);
    }
    return SF_OK;
}

static int get_params(const rd *r, const cJSON *o, const sf_law *law, double *p)
{
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(o, "params");
    if (!cJSON_IsObject(q)) return bad(r, "\"params\" must be an object");
    if ((size_t)cJSON_GetArraySize(q) != sf_law_n_params(law))
        return bad(r, "\"params\" must name each parameter of the law once");
    for (size_t i = 0; i < sf_law_n_params(law); i++) {
        int rc = get_num(r, q, sf_law_param_name(law, i), &p[i], 1);
        if (rc != SF_OK) return rc;
    }
    return SF_OK;
}

static int read_draws(const rd *r, const sf_task_fit *f, const cJSON *o, sf_task_one *t)
{
    const cJSON *dr = cJSON_GetObjectItemCaseSensitive(o, "draws");
    if (!cJSON_IsObject(dr)) return bad(r, "a task without \"draws\"");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(dr, "resid");
    if (!cJSON_IsArray(a)) return bad(r, "\"resid\" must be an array");
    size_t B = (size_t)cJSON_GetArraySize(a);
    t->n_draws = B;
    int rc = get_array(r, dr, "step1", &t->d_step1, B * f->n_step1);
    if (rc == SF_OK) rc = get_array(r, dr, "sigmoid", &t->d_sig, 4 * B);
    if (rc == SF_OK) rc = get_array(r, dr, "direct", &t->d_direct, 3 * B);
    if (rc == SF_OK) rc = get_array(r, dr, "resid", &t->d_resid, B);
    if (rc == SF_OK) rc = get_array(r, dr, "resid_direct", &t->d_resid_direct, B);
    return rc;
}

static int read_task(const rd *r, const sf_task_fit *f, const cJSON *o, sf_task_one *t)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "task");
    if (!cJSON_IsString(name)) return bad(r, "a task without a \"task\" name");
    t->name = sf_strdup(name->valuestring);
    t->step1 = calloc(f->n_step1 ? f->n_step1 : 1, sizeof *t->step1);
    if (!t->name || !t->step1) return SF_ENOMEM;
    double n, range[2] = {NAN, NAN};
    double *rg = NULL;
    int rc = get_num(r, o, "chance", &t->chance, 0);
    if (rc == SF_OK) rc = get_num(r, o, "n_checkpoints", &n, 1);
    if (rc == SF_OK) rc = get_array(r, o, "loss_range", &rg, 2);
    if (rc == SF_OK) {
        range[0] = rg[0];
        range[1] = rg[1];
    }
    free(rg);
    if (rc != SF_OK) return rc;
    t->n_rows = (size_t)n;
    t->loss_min = range[0];
    t->loss_max = range[1];
    if ((rc = get_num(r, o, "N_max", &t->N_max, 1)) != SF_OK) return rc;
    if ((rc = get_num(r, o, "D_max", &t->D_max, 1)) != SF_OK) return rc;
    t->C_max = 6.0 * t->N_max * t->D_max;
    const cJSON *diag = cJSON_GetObjectItemCaseSensitive(o, "diagnosis");
    if (diag) {
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "message");
        if (!cJSON_IsString(diag) || strcmp(diag->valuestring, "no_signal") != 0 ||
            !cJSON_IsString(msg))
            return bad(r, "\"diagnosis\" must be \"no_signal\" with a \"message\"");
        t->diagnosis = SF_TASK_NO_SIGNAL;
        t->message = sf_strdup(msg->valuestring);
        return t->message ? SF_OK : SF_ENOMEM;
    }
    const cJSON *s2 = cJSON_GetObjectItemCaseSensitive(o, "sigmoid");
    if (!cJSON_IsObject(s2)) return bad(r, "a task without \"sigmoid\"");
    if ((rc = get_num(r, s2, "a", &t->sig.a, 1)) != SF_OK ||
        (rc = get_num(r, s2, "b", &t->sig.b, 1)) != SF_OK ||
        (rc = get_num(r, s2, "k", &t->sig.k, 1)) != SF_OK ||
        (rc = get_num(r, s2, "L0", &t->sig.L0, 1)) != SF_OK ||
        (rc = get_num(r, s2, "resid_sd", &t->resid_sd, 1)) != SF_OK)
        return rc;
    const cJSON *s1 = cJSON_GetObjectItemCaseSensitive(o, "step1");
    if (s1) {
        if ((rc = get_params(r, s1, f->law, t->step1)) != SF_OK) return rc;
        t->has_two_step = 1;
    }
    const cJSON *dj = cJSON_GetObjectItemCaseSensitive(o, "direct");
    if (dj) {
        if ((rc = get_params(r, dj, f->direct_law, t->direct)) != SF_OK) return rc;
        if ((rc = get_num(r, dj, "resid_sd", &t->direct_resid_sd, 1)) != SF_OK) return rc;
        t->has_direct = 1;
    }
    return read_draws(r, f, o, t);
}

static int read_root(const rd *r, const cJSON *root, sf_task_fit *f)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
    const cJSON *law = cJSON_GetObjectItemCaseSensitive(root, "law");
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(root, "tasks");
    if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "tasks") != 0)
        return bad(r, "not a task fit (\"kind\": \"tasks\" missing; make one with "
                      "'scalefit task fit')");
    if (!cJSON_IsString(law) || !cJSON_IsArray(tasks))
        return bad(r, "\"law\" (a string) and \"tasks\" (an array) are required");
    sf_strlcpy(f->law_name, law->valuestring, sizeof f->law_name);
    f->opt.law = f->law_name;
    int rc = sf_law_new(f->law_name, NULL, &f->law, r->err);
    if (rc != SF_OK) return rc;
    sf_law_options po;
    sf_law_options_init(&po);
    po.x = SF_ROLE_C;
    if ((rc = sf_law_new("power", &po, &f->direct_law, r->err)) != SF_OK) return rc;
    f->n_step1 = sf_law_n_params(f->law);
    size_t n = (size_t)cJSON_GetArraySize(tasks);
    f->tasks = calloc(n ? n : 1, sizeof *f->tasks);
    if (!f->tasks) return SF_ENOMEM;
    const cJSON *o;
    cJSON_ArrayForEach(o, tasks)
    {
        f->n_tasks++;
        if (!cJSON_IsObject(o)) return bad(r, "every entry of \"tasks\" must be an object");
        if ((rc = read_task(r, f, o, &f->tasks[f->n_tasks - 1])) != SF_OK) return rc;
    }
    return SF_OK;
}

int sf_task_fit_json_parse(const char *text, const char *name, sf_task_fit **out, sf_error *err)
{
    *out = NULL;
    rd r = {name, err};
    cJSON *root = cJSON_Parse(text);
    if (!root) return bad(&r, "not valid JSON");
    sf_task_fit *f = calloc(1, sizeof *f);
    int rc = f ? read_root(&r, root, f) : SF_ENOMEM;
    cJSON_Delete(root);
    if (rc == SF_ENOMEM) sf_fail(err, rc, name, 0, 0, "out of memory");
    if (rc != SF_OK) {
        sf_task_fit_free(f);
        return rc;
    }
    f->opt.draws = f->n_tasks ? f->tasks[0].n_draws : 0;
    *out = f;
    return SF_OK;
}

int sf_task_fit_json_read(const char *path, sf_task_fit **out, sf_error *err)
{
    *out = NULL;
    sf_buf b = {0};
    int rc = sf_read_text(path, "not a task fit file", &b, err);
    if (rc == SF_OK) rc = sf_task_fit_json_parse(b.data, path, out, err);
    sf_buf_free(&b);
    return rc;
}

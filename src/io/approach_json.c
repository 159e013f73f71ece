/*
 * JSON for Chinchilla Approaches 1 and 2 and sweep plans, and the plan as
 * CSV (docs/json.md, docs/approaches.md).  The exponents appear as
 * "a": {"value": x, "ci": [lo, hi], "k": k} (N* = k C^a), "b" likewise
 * (D* = k C^b) and "ratio" (D* / N* = k C^(b - a)); "ci" only with a
 * bootstrap.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "approach/approach_impl.h"
#include "base/base.h"
#include "io/io_impl.h"

static int add_bool(cJSON *o, const char *k, int v)
{
    return cJSON_AddBoolToObject(o, k, v) != NULL;
}

static int add_str(cJSON *o, const char *k, const char *v)
{
    return cJSON_AddStringToObject(o, k, v) != NULL;
}

/* [lo, hi] when both are finite; nothing otherwise. */
static int add_pair(cJSON *o, const char *k, double lo, double hi)
{
    if (!isfinite(lo) || !isfinite(hi)) return 1;
    double v[2] = {lo, hi};
    cJSON *a = cJSON_CreateDoubleArray(v, 2);
    return a && cJSON_AddItemToObject(o, k, a);
}

static int add_seed(cJSON *o, uint64_t seed)
{
    /* As text: a uint64 may not fit a double exactly (as in a fit). */
    char s[32];
    snprintf(s, sizeof s, "%llu", (unsigned long long)seed);
    return add_str(o, "seed", s);
}

static int add_powerlaws(cJSON *root, const sf_powerlaw *pl)
{
    static const char *const names[3] = {"a", "b", "ratio"};
    int ok = 1;
    for (int q = 0; ok && q < 3; q++) {
        cJSON *o = cJSON_AddObjectToObject(root, names[q]);
        ok = o && sf_json_num(o, "value", pl[q].exponent) &&
             add_pair(o, "ci", pl[q].lo, pl[q].hi) && sf_json_num(o, "k", pl[q].k) &&
             cJSON_AddNumberToObject(o, "n", (double)pl[q].n);
    }
    return ok;
}

static int add_flags(cJSON *o, unsigned flags)
{
    cJSON *a = cJSON_AddArrayToObject(o, "flags");
    int ok = a != NULL;
    if (ok && (flags & SF_APPROACH_FEW_SIZES))
        ok = cJSON_AddItemToArray(a, cJSON_CreateString("few_sizes"));
    if (ok && (flags & SF_APPROACH_NO_MINIMUM))
        ok = cJSON_AddItemToArray(a, cJSON_CreateString("no_minimum"));
    if (ok && (flags & SF_APPROACH_EDGE)) ok = cJSON_AddItemToArray(a, cJSON_CreateString("edge"));
    return ok;
}

static int add_notes(cJSON *root, const sf_notes *s)
{
    cJSON *a = cJSON_AddArrayToObject(root, "warnings");
    int ok = a != NULL;
    for (size_t k = 0; ok && k < s->n; k++)
        ok = cJSON_AddItemToArray(a, cJSON_CreateString(s->text[k]));
    return ok;
}

/* Where the rows came from, as in a fit's "data". */
static int add_data(cJSON *root, const sf_data *d)
{
    if (!d) return 1;
    cJSON *o = cJSON_AddObjectToObject(root, "data");
    int ok = o != NULL;
    if (ok && d->source) ok = add_str(o, "file", d->source);
    ok = ok && cJSON_AddNumberToObject(o, "rows_read", (double)d->rows_read);
    ok = ok && cJSON_AddNumberToObject(o, "rows_used", (double)d->n);
    cJSON *cols = ok ? cJSON_AddObjectToObject(o, "columns") : NULL;
    ok = ok && cols;
    for (int r = 0; ok && r < SF_ROLE_COUNT; r++) {
        const char *name = sf_role_name((sf_role)r);
        if (d->column[r]) ok = add_str(cols, name, d->column[r]);
        else if (d->derived & SF_ROLE_BIT(r))
            ok = add_str(cols, name, r == SF_ROLE_D ? "= C/(6N)" : "= 6ND");
    }
    cJSON *flt = ok ? cJSON_AddArrayToObject(o, "filters") : NULL;
    ok = ok && flt;
    for (size_t k = 0; ok && k < d->n_filters; k++)
        ok = cJSON_AddItemToArray(flt, cJSON_CreateString(d->filters[k]));
    return ok;
}

static cJSON *head(const char *approach, int bootstrap, size_t replicates, double level,
                   uint64_t seed)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root && add_str(root, "scalefit_version", SF_VERSION) &&
             add_str(root, "approach", approach) &&
             cJSON_AddNumberToObject(root, "bootstrap", bootstrap) &&
             cJSON_AddNumberToObject(root, "replicates", (double)replicates) &&
             sf_json_num(root, "level", level) && add_seed(root, seed);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

int sf_isoflop_json(const sf_isoflop *r, const sf_data *d, char **out, sf_error *err)
{
    const sf_isoflop_options *o = &r->opt;
    cJSON *root = head("isoflop", o->bootstrap, r->replicates, o->level, o->seed);
    int ok = root &&
             add_str(root, "profile", o->profile == SF_PROFILE_AKIMA ? "akima" : "parabola") &&
             add_str(root, "weights", o->weights == SF_WEIGHTS_EQUAL ? "equal" : "variance") &&
             sf_json_num(root, "budget_tol", o->budget_tol) &&
             add_bool(root, "keep_edge", o->keep_edge) &&
             add_powerlaws(root, r->pl);
    cJSON *arr = ok ? cJSON_AddArrayToObject(root, "budgets") : NULL;
    ok = ok && arr;
    for (size_t b = 0; ok && b < r->nb; b++) {
        const sf_isoflop_budget *B = &r->b[b];
        cJSON *x = cJSON_CreateObject();
        ok = x && cJSON_AddItemToArray(arr, x);
        ok = ok && sf_json_num(x, "compute", B->compute) && sf_json_num(x, "C_min", B->C_min) &&
             sf_json_num(x, "C_max", B->C_max) &&
             cJSON_AddNumberToObject(x, "n_points", (double)B->n_points) &&
             cJSON_AddNumberToObject(x, "n_sizes", (double)B->n_sizes) &&
             sf_json_num(x, "N_min", B->N_min) && sf_json_num(x, "N_max", B->N_max) &&
             sf_json_num(x, "N_opt", B->N_opt) && add_pair(x, "N_ci", B->N_lo, B->N_hi) &&
             sf_json_num(x, "D_opt", B->D_opt) &&
             sf_json_num(x, "tokens_per_param", B->tokens_per_param) &&
             sf_json_num(x, "loss", B->loss) && sf_json_num(x, "weight", B->weight) &&
             add_bool(x, "used", B->used) && add_flags(x, B->flags);
    }
    ok = ok && add_data(root, d) && add_notes(root, &r->notes);
    return sf_json_finish_to(root, ok, out, err);
}

int sf_envelope_json(const sf_envelope *e, const sf_data *d, char **out, sf_error *err)
{
    const sf_envelope_options *o = &e->opt;
    cJSON *root = head("envelope", o->bootstrap, e->replicates, o->level, o->seed);
    int ok = root && cJSON_AddNumberToObject(root, "grid_points", o->points) &&
             sf_json_num(root, "smooth", o->smooth) && add_bool(root, "keep_edge", o->keep_edge) &&
             add_powerlaws(root, e->pl);
    cJSON *runs = ok ? cJSON_AddArrayToObject(root, "runs") : NULL;
    ok = ok && runs;
    for (size_t c = 0; ok && c < e->nr; c++) {
        const sf_envelope_curve *cv = &e->curve[c];
        cJSON *x = cJSON_CreateObject();
        ok = x && cJSON_AddItemToArray(runs, x) && add_str(x, "name", cv->name) &&
             sf_json_num(x, "N", cv->N) &&
             cJSON_AddNumberToObject(x, "checkpoints", (double)cv->n) &&
             sf_json_num(x, "C_min", cv->C[0]) && sf_json_num(x, "C_max", cv->C[cv->n - 1]);
    }
    cJSON *pts = ok ? cJSON_AddArrayToObject(root, "points") : NULL;
    ok = ok && pts;
    for (size_t k = 0; ok && k < e->np; k++) {
        const sf_envelope_point *q = &e->pt[k];
        cJSON *x = cJSON_CreateObject();
        ok = x && cJSON_AddItemToArray(pts, x) && sf_json_num(x, "compute", q->compute) &&
             sf_json_num(x, "N_opt", q->N_opt) && sf_json_num(x, "D_opt", q->D_opt) &&
             sf_json_num(x, "tokens_per_param", q->tokens_per_param) &&
             sf_json_num(x, "loss", q->loss) &&
             (q->run < e->nr ? add_str(x, "run", e->curve[q->run].name) : 1) &&
             cJSON_AddNumberToObject(x, "n_runs", (double)q->n_runs) &&
             add_bool(x, "used", q->used) &&
             add_flags(x, q->flags);
    }
    ok = ok && add_data(root, d) && add_notes(root, &e->notes);
    return sf_json_finish_to(root, ok, out, err);
}

int sf_plan_json(const sf_law *law, const double *params, const sf_plan_options *o,
                 const sf_alloc_row *optimum, size_t n_budgets, const sf_plan_row *rows,
                 char **out, sf_error *err)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root && add_str(root, "scalefit_version", SF_VERSION);
    cJSON *prior = ok ? cJSON_AddObjectToObject(root, "prior") : NULL;
    ok = ok && prior && add_str(prior, "law", sf_law_name(law));
    cJSON *pp = ok ? cJSON_AddObjectToObject(prior, "params") : NULL;
    ok = ok && pp;
    for (size_t j = 0; ok && j < sf_law_n_params(law); j++)
        ok = sf_json_num(pp, sf_law_param_name(law, j), params[j]);
    ok = ok && cJSON_AddNumberToObject(root, "models", o->models) &&
         sf_json_num(root, "span", o->span) &&
         add_bool(root, "shape", o->shape);
    if (ok && o->shape)
        ok = sf_json_num(root, "aspect", o->aspect) && sf_json_num(root, "shape_tol", o->shape_tol);
    cJSON *bs = ok ? cJSON_AddArrayToObject(root, "budgets") : NULL;
    ok = ok && bs;
    for (size_t b = 0; ok && b < n_budgets; b++) {
        cJSON *x = cJSON_CreateObject();
        ok = x && cJSON_AddItemToArray(bs, x) && sf_json_num(x, "compute", optimum[b].compute) &&
             sf_json_num(x, "N_opt", optimum[b].params) &&
             sf_json_num(x, "D_opt", optimum[b].tokens) &&
             sf_json_num(x, "tokens_per_param", optimum[b].tokens_per_param) &&
             sf_json_num(x, "loss", optimum[b].loss);
    }
    cJSON *rs = ok ? cJSON_AddArrayToObject(root, "rows") : NULL;
    ok = ok && rs;
    for (size_t i = 0; ok && i < n_budgets * (size_t)o->models; i++) {
        const sf_plan_row *r = &rows[i];
        cJSON *x = cJSON_CreateObject();
        ok = x && cJSON_AddItemToArray(rs, x) && sf_json_num(x, "compute", r->compute) &&
             sf_json_num(x, "N", r->N) && sf_json_num(x, "D", r->D) &&
             sf_json_num(x, "tokens_per_param", r->tokens_per_param);
        if (ok && o->shape && r->shape.layers)
            ok = cJSON_AddNumberToObject(x, "layers", r->shape.layers) &&
                 cJSON_AddNumberToObject(x, "d_model", r->shape.d_model) &&
                 cJSON_AddNumberToObject(x, "heads", r->shape.heads) &&
                 sf_json_num(x, "N_shape", r->shape.params);
    }
    return sf_json_finish_to(root, ok, out, err);
}

int sf_plan_csv(const sf_plan_row *rows, size_t n, int with_shape, char **out, sf_error *err)
{
    /* 10 significant digits: readable, and D = C/(6N) holds to 1e-10, far
     * inside isoflop's budget tolerance when the plan is read back. */
    sf_buf b = {0};
    int bad = sf_buf_printf(&b, "compute,N,D,tokens_per_param%s\n",
                            with_shape ? ",layers,d_model,heads,N_shape" : "");
    for (size_t i = 0; i < n && !bad; i++) {
        const sf_plan_row *r = &rows[i];
        bad |= sf_buf_printf(&b, "%.10g,%.10g,%.10g,%.6g", r->compute, r->N, r->D,
                             r->tokens_per_param);
        if (with_shape && r->shape.layers)
            bad |= sf_buf_printf(&b, ",%d,%d,%d,%.10g", r->shape.layers, r->shape.d_model,
                                 r->shape.heads, r->shape.params);
        else if (with_shape)
            bad |= sf_buf_printf(&b, ",,,,");
        bad |= sf_buf_printf(&b, "\n");
    }
    return sf_buf_out(&b, bad, out, err);
}

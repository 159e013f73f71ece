/*
 * JSON and CSV for validations (docs/validate.md): the extrapolation
 * errors, the fits, the rows fitted and predicted, sweep cells.  Numbers
 * round-trip; NaN never reaches the output (a failed fit has no "are").
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate_impl.h"
#include "base/base.h"
#include "io/extrap_json.h"
#include "io/io_impl.h"

static int add_str(cJSON *o, const char *k, const char *s)
{
    return cJSON_AddStringToObject(o, k, s ? s : "") != NULL;
}

static int add_status(cJSON *o, int status, const char *message)
{
    if (status == SF_OK) return add_str(o, "status", "ok");
    return add_str(o, "status", "failed") && add_str(o, "message", message);
}

static int add_options(cJSON *root, const sf_validation *v)
{
    const sf_validate_options *o = &v->opt;
    cJSON *op = cJSON_AddObjectToObject(root, "options");
    int ok = op != NULL;
    if (ok && o->target_N > 0) ok = sf_json_num(op, "target_N", o->target_N);
    else if (ok) ok = add_str(op, "target", "largest");
    ok = ok && sf_json_num(op, "target_from", o->target_from);
    ok = ok && sf_json_num(op, "train_fraction", o->train_fraction);
    ok = ok && sf_json_num(op, "min_tokens", o->min_tokens);
    ok = ok && sf_json_num(op, "cut_cap", o->cut_cap);
    ok = ok && sf_json_num(op, "n_models", (double)o->n_models);
    ok = ok && add_str(op, "weight", o->weight == SF_VWEIGHT_TOKENS ? "tokens"
                                     : o->weight == SF_VWEIGHT_RUN  ? "run"
                                                                    : "row");
    ok = ok && sf_json_num(op, "max_per_run", (double)o->max_per_run);
    ok = ok && cJSON_AddBoolToObject(op, "loo", o->loo) != NULL;
    return ok;
}

/* The fit as its own JSON object: sf_fit_json's text parsed back, so a
 * validation embeds exactly what `scalefit fit -o` would write. */
static int add_fit(cJSON *o, const sf_fit *fit)
{
    char *s = NULL;
    cJSON *f = sf_fit_json(fit, NULL, NULL, &s, NULL) == SF_OK ? cJSON_Parse(s) : NULL;
    free(s);
    if (!f) return 0;
    cJSON_DeleteItemFromObjectCaseSensitive(f, "scalefit_version");
    return cJSON_AddItemToObject(o, "fit", f);
}

static cJSON *target_json(const sf_validation_target *t, const sf_validation_final *fin)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && sf_json_num(o, "N", t->N);
    ok = ok && add_status(o, t->status, t->message);
    ok = ok && sf_json_num(o, "are", t->are);
    ok = ok && sf_json_num(o, "max_re", t->max_re);
    ok = ok && sf_json_num(o, "n_sizes", (double)t->n_sizes);
    cJSON *ru = ok ? cJSON_AddObjectToObject(o, "rows_used") : NULL;
    ok = ok && ru && sf_json_num(ru, "train", (double)t->n_train_rows);
    ok = ok && sf_json_num(ru, "target", (double)t->n_points);
    if (ok && t->fit) ok = add_fit(o, t->fit);
    cJSON *runs = ok ? cJSON_AddArrayToObject(o, "train_runs") : NULL;
    ok = ok && runs;
    for (size_t k = 0; ok && k < t->n_runs; k++) {
        const sf_validation_run *r = &t->runs[k];
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(runs, e);
        if (ok && r->name) ok = add_str(e, "run", r->name);
        ok = ok && sf_json_num(e, "N", r->N);
        ok = ok && sf_json_num(e, "rows", (double)r->n_rows);
        ok = ok && sf_json_num(e, "D_min", r->D_min);
        ok = ok && sf_json_num(e, "D_max", r->D_max);
    }
    cJSON *pts = ok ? cJSON_AddArrayToObject(o, "points") : NULL;
    ok = ok && pts;
    for (size_t k = 0; ok && k < t->n_points; k++) {
        const sf_validation_point *p = &t->points[k];
        cJSON *e = cJSON_CreateObject();
        ok = e && cJSON_AddItemToArray(pts, e);
        if (ok && p->run) ok = add_str(e, "run", p->run);
        if (ok && p->line > 0) ok = sf_json_num(e, "line", (double)p->line);
        ok = ok && sf_json_num(e, "N", p->N);
        ok = ok && sf_json_num(e, "D", p->D);
        ok = ok && sf_json_num(e, "loss", p->loss);
        ok = ok && sf_json_num(e, "predicted", p->predicted);
        ok = ok && sf_json_num(e, "re", p->re);
    }
    cJSON *fj = ok && fin ? sf_json_validation_final(fin) : NULL;
    if (ok && fin) ok = fj && cJSON_AddItemToObject(o, "final", fj);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* "coverage": the share of final rows inside their intervals (issue 23). */
static int add_coverage(cJSON *o, const sf_validation *v, size_t n,
                        const sf_validation_final *(*at)(const sf_validation *, size_t))
{
    const sf_validation_final **f = calloc(n ? n : 1, sizeof *f);
    if (!f) return 0;
    for (size_t k = 0; k < n; k++) f[k] = at(v, k);
    cJSON *c = sf_json_coverage(f, n);
    free(f);
    return c && cJSON_AddItemToObject(o, "coverage", c);
}

/* The body of one validation (everything but the version). */
static int fill(cJSON *root, const sf_validation *v)
{
    int ok = add_str(root, "command", "validate");
    ok = ok && add_str(root, "law", sf_law_name(v->law));
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)v->opt.fit.seed);
    ok = ok && add_str(root, "seed", seed);
    cJSON *data = ok ? cJSON_AddObjectToObject(root, "data") : NULL;
    ok = ok && data;
    if (ok && v->source) ok = add_str(data, "file", v->source);
    ok = ok && sf_json_num(data, "rows_read", (double)v->rows_read);
    ok = ok && sf_json_num(data, "rows", (double)v->rows);
    ok = ok && add_options(root, v);
    if (!ok) return 0;
    if (v->sweep) {
        cJSON *sw = cJSON_AddObjectToObject(root, "sweep");
        ok = sw && sf_json_num(sw, "target_N", v->sweep_N);
        cJSON *cells = ok ? cJSON_AddArrayToObject(sw, "cells") : NULL;
        ok = ok && cells;
        for (size_t k = 0; ok && k < v->n_cells; k++) {
            const sf_validation_cell *c = &v->cells[k];
            cJSON *e = cJSON_CreateObject();
            ok = e && cJSON_AddItemToArray(cells, e);
            ok = ok && sf_json_num(e, "n_models", (double)c->n_models);
            ok = ok && sf_json_num(e, "train_fraction", c->train_fraction);
            ok = ok && sf_json_num(e, "min_tokens", c->min_tokens);
            ok = ok && sf_json_num(e, "train_rows", (double)c->n_train_rows);
            ok = ok && add_status(e, c->status, sf_strerror(c->status));
            ok = ok && sf_json_num(e, "are", c->are);
            ok = ok && sf_json_num(e, "max_re", c->max_re);
            const sf_validation_final *fin = sf_validation_cell_final(v, k);
            cJSON *fj = ok && fin ? sf_json_validation_final(fin) : NULL;
            if (ok && fin) ok = fj && cJSON_AddItemToObject(e, "final", fj);
        }
        return ok && add_coverage(sw, v, v->n_cells, sf_validation_cell_final);
    }
    ok = ok && sf_json_num(root, "are", sf_validation_are(v));
    ok = ok && sf_json_num(root, "max_re", sf_validation_max_re(v));
    if (ok && !v->opt.loo && v->n_targets == 1) ok = sf_json_num(root, "target", v->targets[0].pub.N);
    cJSON *ts = ok ? cJSON_AddArrayToObject(root, "targets") : NULL;
    ok = ok && ts;
    for (size_t k = 0; ok && k < v->n_targets; k++) {
        cJSON *t = target_json(&v->targets[k].pub, sf_validation_target_final(v, k));
        ok = t && cJSON_AddItemToArray(ts, t);
    }
    return ok && add_coverage(root, v, v->n_targets, sf_validation_target_final);
}

int sf_validation_json(const sf_validation *v, char **out, sf_error *err)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root && add_str(root, "scalefit_version", SF_VERSION);
    return sf_json_finish_to(root, ok && fill(root, v), out, err);
}

int sf_validation_compare_json(const sf_validation *const *v, size_t n, char **out,
                               sf_error *err)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root && n > 0 && add_str(root, "scalefit_version", SF_VERSION);
    /* Each law as sf_validation_json writes it, and the one with the
     * lowest ARE (ties: the first). */
    ok = ok && add_str(root, "command", "validate");
    cJSON *arr = ok ? cJSON_AddArrayToObject(root, "compare") : NULL;
    ok = ok && arr;
    const char *best = NULL;
    double best_are = INFINITY;
    for (size_t k = 0; ok && k < n; k++) {
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(arr, o) && fill(o, v[k]);
        double a = sf_validation_are(v[k]);
        if (a < best_are) {
            best_are = a;
            best = sf_law_name(v[k]->law);
        }
    }
    if (ok && best) ok = add_str(root, "best", best);
    return sf_json_finish_to(root, ok, out, err);
}

int sf_validation_cells_csv(const sf_validation *v, char **out, sf_error *err)
{
    sf_buf b = {0};
    int bad = sf_buf_printf(&b, "n_models,train_fraction,min_tokens,train_rows,are,max_re,status\n");
    for (size_t k = 0; !bad && k < v->n_cells; k++) {
        const sf_validation_cell *c = &v->cells[k];
        /* The axes as the user gave them (15 digits read back a typed
         * value); the errors with 17, like every number scalefit writes. */
        char a[40] = "", x[40] = "";
        if (c->status == SF_OK) {
            sf_format_double(c->are, a, sizeof a);
            sf_format_double(c->max_re, x, sizeof x);
        }
        bad = sf_buf_printf(&b, "%zu,%.15g,%.15g,%zu,%s,%s,%s\n", c->n_models, c->train_fraction,
                            c->min_tokens, c->n_train_rows, a, x,
                            c->status == SF_OK ? "ok" : "failed");
    }
    return sf_buf_out(&b, bad, out, err);
}

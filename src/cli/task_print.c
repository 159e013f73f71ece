/* Output of scalefit task: fit tables, predictions, validation. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cli/cli.h"
#include "cli/task_print.h"

static void print_params(FILE *out, const sf_law *law, const double *p, size_t n)
{
    char buf[32];
    for (size_t j = 0; j < n; j++)
        fprintf(out, " %s=%s", law ? sf_law_param_name(law, j) : (const char *[]){"E", "A", "alpha"}[j],
               cli_num(p[j], buf, sizeof buf));
}

void task_print_fit(FILE *out, const sf_task_fit *f, const sf_task_data *d)
{
    fprintf(out, "data: %s, %zu rows, %zu runs, %zu tasks\n", d->source ? d->source : "-",
            d->n, d->n_runs, d->n_tasks);
    fprintf(out, "%-16s %6s %8s %8s %8s %8s %7s %8s  %s\n", "task", "ckpts", "a", "b", "k", "L0",
            "floor", "sd(acc)", "step 1 law | direct: -log acc = E + A/C^alpha");
    for (size_t i = 0; i < sf_task_fit_n_tasks(f); i++) {
        const char *msg = NULL;
        const char *name = sf_task_fit_task(f, i);
        if (sf_task_fit_diagnosis(f, i, &msg) != SF_TASK_OK) {
            fprintf(out, "%-16s %s\n", name, msg);
            continue;
        }
        double sd = NAN;
        const sf_sigmoid *s = sf_task_fit_sigmoid(f, i, &sd);
        fprintf(out, "%-16s %6zu %8.4f %8.4f %8.4g %8.4f %7s %8.4f ", name, s->n, s->a, s->b,
                s->k, s->L0, s->floor_fixed ? "chance" : "fitted", sd);
        const double *p1 = sf_task_fit_step1(f, i), *pd = sf_task_fit_direct(f, i);
        if (p1) print_params(out, sf_task_fit_law(f), p1, sf_law_n_params(sf_task_fit_law(f)));
        if (pd) {
            fputs(" |", out);
            print_params(out, NULL, pd, 3);
        }
        fputc('\n', out);
    }
}

static const char *pts(double v, char *buf, size_t size)
{
    if (isfinite(v)) snprintf(buf, size, "%.2f", v);
    else snprintf(buf, size, "-");
    return buf;
}

static const char *better(double two_step, double direct)
{
    if (!isfinite(two_step)) return isfinite(direct) ? "direct" : "none";
    if (!isfinite(direct)) return "two-step";
    return two_step <= direct ? "two-step" : "direct";
}

static cJSON *num(double v)
{
    char buf[32];   /* cJSON's own printer may drop a digit: print it ourselves */
    return isfinite(v) ? cJSON_CreateRaw(sf_format_shortest(v, buf, sizeof buf))
                       : cJSON_CreateNull();
}

static void add(cJSON *o, const char *k, double v) { cJSON_AddItemToObject(o, k, num(v)); }

static cJSON *prediction_json(const char *task, const sf_task_prediction *p, double level)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "task", task);
    add(o, "N", p->N);
    add(o, "D", p->D);
    add(o, "C", p->C);
    add(o, "loss", p->loss);
    add(o, "loss_lo", p->loss_lo);
    add(o, "loss_hi", p->loss_hi);
    add(o, "acc", p->acc);
    add(o, "acc_lo", p->acc_lo);
    add(o, "acc_hi", p->acc_hi);
    add(o, "acc_direct", p->acc_direct);
    add(o, "direct_lo", p->direct_lo);
    add(o, "direct_hi", p->direct_hi);
    add(o, "level", level);
    add(o, "loss_beyond", p->loss_beyond);
    return o;
}

/* "v [lo, hi]" with four decimals, or "-" where v is not a number. */
static const char *vci(double v, double lo, double hi, char *buf, size_t size)
{
    if (!isfinite(v)) snprintf(buf, size, "%s", "-");
    else if (!isfinite(lo) || !isfinite(hi)) snprintf(buf, size, "%.4f", v);
    else snprintf(buf, size, "%.4f [%.4f, %.4f]", v, lo, hi);
    return buf;
}

static void print_prediction(const char *task, const sf_task_prediction *p, const char *diag)
{
    char b[5][48];
    printf("%-16s %10s %10s ", task, cli_num(p->N, b[0], sizeof b[0]),
           cli_num(p->D, b[1], sizeof b[1]));
    if (diag) {
        printf("no prediction: %s\n", diag);
        return;
    }
    printf("%-25s %-25s %-25s", vci(p->loss, p->loss_lo, p->loss_hi, b[2], sizeof b[2]),
           vci(p->acc, p->acc_lo, p->acc_hi, b[3], sizeof b[3]),
           vci(p->acc_direct, p->direct_lo, p->direct_hi, b[4], sizeof b[4]));
    if (p->loss_beyond > 0.0)
        printf("  (task loss below the fitted range by %.2f of its span)", p->loss_beyond);
    putchar('\n');
}

static int predict_one(cJSON *rows, const sf_task_fit *f, size_t t, double N, double D,
                       double level)
{
    sf_task_prediction p;
    sf_error err;
    sf_error_clear(&err);
    if (sf_task_predict(f, t, N, D, level, &p, &err) != SF_OK) return cli_lib_error(&err);
    const char *msg = NULL;
    int diag = sf_task_fit_diagnosis(f, t, &msg) != SF_TASK_OK;
    if (diag) cli_warning("task '%s': %s: no prediction", sf_task_fit_task(f, t), msg);
    if (rows) cJSON_AddItemToArray(rows, prediction_json(sf_task_fit_task(f, t), &p, level));
    else print_prediction(sf_task_fit_task(f, t), &p, diag ? "no signal" : NULL);
    return CLI_OK;
}

int task_predict_all(int json, const sf_task_fit *f, const char *task, const double *N,
                     size_t nN, const double *D, size_t nD, const double *C, size_t nC,
                     double level)
{
    int found = 0, status = CLI_OK;
    cJSON *root = json ? cJSON_CreateObject() : NULL;
    cJSON *rows = json ? cJSON_AddArrayToObject(root, "rows") : NULL;
    if (!json)
        printf("%-16s %10s %10s %-25s %-25s %-25s (%g%% intervals)\n", "task", "N", "D",
               "task loss", "accuracy (two-step)", "accuracy (direct)", 100.0 * level);
    size_t n = C ? nC : (nN > nD ? nN : nD);
    for (size_t t = 0; t < sf_task_fit_n_tasks(f) && status == CLI_OK; t++) {
        if (task && strcmp(task, sf_task_fit_task(f, t)) != 0) continue;
        found = 1;
        for (size_t i = 0; i < n && status == CLI_OK; i++) {
            double Ni, Di;
            if (C) {
                sf_alloc_row r;
                sf_error err;
                sf_error_clear(&err);
                if (sf_task_optimal(f, t, C[i], &r, &err) != SF_OK) {
                    status = cli_lib_error(&err);
                    break;
                }
                Ni = r.params;
                Di = r.tokens;
            } else {
                Ni = N[nN == 1 ? 0 : i];
                Di = D[nD == 1 ? 0 : i];
            }
            status = predict_one(rows, f, t, Ni, Di, level);
        }
    }
    if (status == CLI_OK && !found) status = cli_error("no task '%s' in the task fit", task);
    if (status == CLI_OK && json) {
        char *text = cJSON_PrintUnformatted(root);
        if (!text) status = cli_error("out of memory");
        else printf("%s\n", text);
        free(text);
    }
    cJSON_Delete(root);
    return status;
}

/* Last checkpoint of each held-out run with an accuracy for task t. */
static size_t held_out_rows(const sf_task_data *d, size_t t, double hold, size_t *rows)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) {
        if ((size_t)d->task[i] != t || d->N[i] != hold || !isfinite(d->acc[i])) continue;
        size_t k = 0;
        while (k < n && d->run[rows[k]] != d->run[i]) k++;
        if (k == n) rows[n++] = i;
        else if (d->D[i] >= d->D[rows[k]]) rows[k] = i;
    }
    return n;
}

typedef struct vsum {
    double err2, errd;
    size_t n2, nd, cov2, covd;
} vsum;

static void validate_row(cJSON *runs, const sf_task_data *d, size_t i,
                         const sf_task_prediction *p, vsum *s)
{
    double a = d->acc[i];
    double e2 = 100.0 * (p->acc - a), ed = 100.0 * (p->acc_direct - a);
    int c2 = a >= p->acc_lo && a <= p->acc_hi, cd = a >= p->direct_lo && a <= p->direct_hi;
    if (isfinite(e2)) { s->err2 += fabs(e2); s->n2++; s->cov2 += (size_t)c2; }
    if (isfinite(ed)) { s->errd += fabs(ed); s->nd++; s->covd += (size_t)cd; }
    if (runs) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "run", d->run_names[d->run[i]]);
        add(o, "N", d->N[i]);
        add(o, "D", d->D[i]);
        add(o, "actual", a);
        add(o, "two_step", p->acc);
        add(o, "two_step_lo", p->acc_lo);
        add(o, "two_step_hi", p->acc_hi);
        add(o, "direct", p->acc_direct);
        add(o, "direct_lo", p->direct_lo);
        add(o, "direct_hi", p->direct_hi);
        add(o, "loss", p->loss);
        add(o, "actual_loss", d->loss[i]);
        cJSON_AddItemToArray(runs, o);
    } else {
        char b[2][48];
        printf("  %-14s acc %.4f  two-step %s", d->run_names[d->run[i]], a,
               vci(p->acc, p->acc_lo, p->acc_hi, b[0], sizeof b[0]));
        if (isfinite(e2)) printf(" %+6.2f pts%s", e2, c2 ? "" : " (not covered)");
        printf("  direct %s", vci(p->acc_direct, p->direct_lo, p->direct_hi, b[1], sizeof b[1]));
        if (isfinite(ed)) printf(" %+6.2f pts%s", ed, cd ? "" : " (not covered)");
        putchar('\n');
    }
}

static int validate_task(cJSON *arr, const sf_task_fit *f, const sf_task_data *all, size_t t,
                         double hold, double level, size_t *rows, vsum *total)
{
    const char *name = sf_task_fit_task(f, t);
    size_t ta = 0;
    while (ta < all->n_tasks && strcmp(all->task_names[ta], name) != 0) ta++;
    size_t n = ta < all->n_tasks ? held_out_rows(all, ta, hold, rows) : 0;
    cJSON *o = arr ? cJSON_CreateObject() : NULL, *runs = NULL;
    if (o) {
        cJSON_AddStringToObject(o, "task", name);
        runs = cJSON_AddArrayToObject(o, "runs");
        cJSON_AddItemToArray(arr, o);
    } else {
        printf("%s\n", name);
    }
    vsum s = {0};
    const char *msg = NULL;
    if (sf_task_fit_diagnosis(f, t, &msg) != SF_TASK_OK) {
        if (o) cJSON_AddStringToObject(o, "diagnosis", msg);
        else printf("  no prediction: %s\n", msg);
        return CLI_OK;
    }
    for (size_t k = 0; k < n; k++) {
        sf_task_prediction p;
        sf_error err;
        sf_error_clear(&err);
        if (sf_task_predict(f, t, all->N[rows[k]], all->D[rows[k]], level, &p, &err) != SF_OK)
            return cli_lib_error(&err);
        validate_row(runs, all, rows[k], &p, &s);
    }
    double m2 = s.n2 ? s.err2 / (double)s.n2 : NAN, md = s.nd ? s.errd / (double)s.nd : NAN;
    if (o) {
        add(o, "mae_two_step", m2);
        add(o, "mae_direct", md);
        add(o, "coverage_two_step", s.n2 ? (double)s.cov2 / (double)s.n2 : NAN);
        add(o, "coverage_direct", s.nd ? (double)s.covd / (double)s.nd : NAN);
        cJSON_AddStringToObject(o, "better", better(m2, md));
    } else {
        char b[2][16];
        printf("  mean absolute error: two-step %s points, direct %s points; %s extrapolates "
               "better here\n", pts(m2, b[0], sizeof b[0]), pts(md, b[1], sizeof b[1]),
               better(m2, md));
    }
    total->err2 += isfinite(m2) ? m2 : 0.0;
    total->n2 += isfinite(m2);
    total->errd += isfinite(md) ? md : 0.0;
    total->nd += isfinite(md);
    return CLI_OK;
}

int task_validate_report(int json, const sf_task_fit *f, const sf_task_data *all, double hold,
                         double level)
{
    size_t *rows = malloc((all->n ? all->n : 1) * sizeof *rows);
    if (!rows) return cli_error("out of memory");
    cJSON *root = json ? cJSON_CreateObject() : NULL;
    cJSON *arr = json ? cJSON_AddArrayToObject(root, "tasks") : NULL;
    if (json) {
        add(root, "holdout_N", hold);
        add(root, "level", level);
    } else {
        printf("fitted on N < %g; predicting the last checkpoint of each run with N = %g "
               "(%g%% intervals)\n", hold, hold, 100.0 * level);
    }
    vsum total = {0};
    int status = CLI_OK;
    for (size_t t = 0; t < sf_task_fit_n_tasks(f) && status == CLI_OK; t++)
        status = validate_task(arr, f, all, t, hold, level, rows, &total);
    double m2 = total.n2 ? total.err2 / (double)total.n2 : NAN;
    double md = total.nd ? total.errd / (double)total.nd : NAN;
    if (status == CLI_OK && json) {
        add(root, "mae_two_step", m2);
        add(root, "mae_direct", md);
        cJSON_AddStringToObject(root, "better", better(m2, md));
        char *text = cJSON_PrintUnformatted(root);
        if (text) printf("%s\n", text);
        else status = cli_error("out of memory");
        free(text);
    } else if (status == CLI_OK) {
        char b[2][16];
        printf("mean over tasks of the mean absolute error: two-step %s points, direct %s "
               "points; %s extrapolates better on these data\n", pts(m2, b[0], sizeof b[0]),
               pts(md, b[1], sizeof b[1]), better(m2, md));
    }
    cJSON_Delete(root);
    free(rows);
    return status;
}

int task_print_target_acc(int json, const char *task, const double *acc, const sf_alloc_row *r,
                          size_t n)
{
    if (!json) {
        printf("%-8s %14s %14s %14s %12s %10s   (task %s)\n", "accuracy", "compute", "N_opt",
               "D_opt", "tokens/param", "task loss", task);
        char b[3][32];
        for (size_t i = 0; i < n; i++)
            printf("%-8.4f %14s %14s %14s %12.2f %10.5g\n", acc[i],
                   cli_num(r[i].compute, b[0], sizeof b[0]), cli_num(r[i].params, b[1], sizeof b[1]),
                   cli_num(r[i].tokens, b[2], sizeof b[2]), r[i].tokens_per_param, r[i].loss);
        return CLI_OK;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "task", task);
    cJSON *rows = cJSON_AddArrayToObject(root, "rows");
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        add(o, "acc", acc[i]);
        add(o, "compute", r[i].compute);
        add(o, "params", r[i].params);
        add(o, "tokens", r[i].tokens);
        add(o, "tokens_per_param", r[i].tokens_per_param);
        add(o, "loss", r[i].loss);
        cJSON_AddItemToArray(rows, o);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text) return cli_error("out of memory");
    printf("%s\n", text);
    free(text);
    return CLI_OK;
}

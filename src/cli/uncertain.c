/* Intervals on the command line: the options fit and bayes share (--ci,
 * --compute, --at), the tables of summaries and allocations, and the
 * progress bar of long runs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

void cli_unc_args_init(cli_unc_args *u)
{
    memset(u, 0, sizeof *u);
    u->n_levels = 2;
    u->levels[0] = 0.8;
    u->levels[1] = 0.95;
}

void cli_unc_args_free(cli_unc_args *u)
{
    free(u->compute);
    free(u->at);
    u->compute = NULL;
    u->at = NULL;
}

int cli_levels(const cli_parser *p, const char *v, double *levels, size_t *n)
{
    double *lv;
    size_t k;
    int rc = cli_list(p, v, &lv, &k);
    if (rc != CLI_OK) return rc;
    for (size_t i = 0; i < k && rc == CLI_OK; i++)
        if (!(lv[i] < 1))
            rc = cli_usage_error(p, "--%s: %g is not a level between 0 and 1 (0.95 for a 95%% "
                                 "interval)", p->name, lv[i]);
    if (rc == CLI_OK && k > SF_MAX_LEVELS)
        rc = cli_usage_error(p, "--%s: at most %d levels", p->name, SF_MAX_LEVELS);
    if (rc == CLI_OK) {
        memcpy(levels, lv, k * sizeof *lv);
        *n = k;
    }
    free(lv);
    return rc;
}

int cli_unc_arg(const cli_parser *p, int id, const char *v, cli_unc_args *u)
{
    switch (id) {
    case CLI_UNC_CI:
        u->ci_given = 1;
        return cli_levels(p, v, u->levels, &u->n_levels);
    case CLI_UNC_COMPUTE:
        free(u->compute);
        u->compute = NULL;
        return cli_list(p, v, &u->compute, &u->n_compute);
    case CLI_UNC_AT: {
        double *x;
        size_t k;
        int rc = cli_list(p, v, &x, &k);
        if (rc != CLI_OK) return rc;
        if (k != 2 && k != 3) {
            free(x);
            return cli_usage_error(p, "--at: expected N,D or N,D,U, got '%s'", v);
        }
        sf_point *a = realloc(u->at, (u->n_at + 1) * sizeof *a);
        if (!a) {
            free(x);
            return cli_error("out of memory");
        }
        u->at = a;
        u->at[u->n_at++] = (sf_point){.N = x[0], .D = x[1], .U = k == 3 ? x[2] : 0.0};
        free(x);
        return CLI_OK;
    }
    default: return -1;
    }
}

const char cli_unc_help[] =
    "\n"
    "Intervals:\n"
    "  --ci L[,L...]       interval levels (default 0.8,0.95): percentile\n"
    "                      intervals over the draws\n"
    "  --compute C[,C...]  also report the compute-optimal N, D, tokens per\n"
    "                      parameter and loss at these budgets (FLOPs)\n"
    "  --at N,D[,U]        also report the predicted loss at N, D (U: unique\n"
    "                      tokens, for laws that read it); repeatable\n";

/* ---- tables ------------------------------------------------------------------ */

/* A column of the interval table; the last one is not padded. */
static void print_cell(FILE *out, const char *text, int last)
{
    fprintf(out, last ? "  %s" : "  %-27s", text);
}

static void print_interval(FILE *out, double lo, double hi, int last)
{
    char a[32], b[32], buf[80];
    snprintf(buf, sizeof buf, "[%s, %s]", cli_num(lo, a, sizeof a), cli_num(hi, b, sizeof b));
    print_cell(out, buf, last);
}

/* The heads of a table; `more` when columns follow the intervals. */
static void print_heads(FILE *out, const char *first, const char *point, const char *spread,
                        const sf_summary *s, int more)
{
    fprintf(out, "  %-16s %12s %11s", first, point, spread);
    for (size_t l = 0; l < s->n_levels; l++) {
        char h[32];
        snprintf(h, sizeof h, "%g%% interval", 100.0 * s->level[l]);
        print_cell(out, h, !more && l + 1 == s->n_levels);
    }
}

/* name, point value, SE (or sd), one interval per level; no newline. */
static void print_row(FILE *out, const char *name, double value, const sf_summary *s, int more)
{
    char v[32], e[32];
    fprintf(out, "  %-16s %12s %11s", name, cli_num(value, v, sizeof v),
            s->n ? cli_num(s->sd, e, sizeof e) : "-");
    for (size_t l = 0; l < s->n_levels && s->n; l++)
        print_interval(out, s->lo[l], s->hi[l], !more && l + 1 == s->n_levels);
}

static const char *levels_words(const sf_summary *s, char *buf, size_t size)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t l = 0; l < s->n_levels && k < size; l++) {
        int w = snprintf(buf + k, size - k, "%s%g%%", l == 0 ? "" : l + 1 == s->n_levels ? " and " : ", ",
                         100.0 * s->level[l]);
        if (w < 0) break;
        k += (size_t)w;
    }
    return buf;
}

/* The draws' standard deviation: a standard error for the bootstrap, the
 * posterior sd for a posterior. */
static const char *spread_label(const sf_draws *dr)
{
    return sf_draws_get_kind(dr) == SF_DRAWS_POSTERIOR ? "sd" : "SE";
}

/* What the draws are, for table titles. */
static const char *draws_label(const sf_draws *dr)
{
    int kind = sf_draws_get_kind(dr);
    return kind == SF_DRAWS_POSTERIOR ? "posterior" : kind == SF_DRAWS_GIVEN ? "given" : "bootstrap";
}

void cli_print_uncertainty(FILE *out, const sf_draws *dr, const double *levels, size_t n_levels)
{
    const size_t max = SF_MAX_PARAMS + 32;
    const char *names[SF_MAX_PARAMS + 32];
    sf_summary *s = malloc(max * sizeof *s);
    size_t n = s ? sf_draws_summarize(dr, levels, n_levels, names, s, max) : 0;
    if (n > max) n = max;
    if (n == 0) {
        free(s);
        return;
    }
    const sf_fit *fit = sf_draws_fit(dr);
    const sf_law *law = sf_fit_law(fit);
    const size_t p = sf_law_n_params(law);
    const int post = sf_draws_get_kind(dr) == SF_DRAWS_POSTERIOR;
    double ml[SF_MAX_PARAMS], dml[32];
    const char *dn[32];
    double sig = post ? sf_draws_ml(dr, ml) : NAN;
    if (post) sf_law_derived(law, ml, dn, dml, 32);
    char lw[128];
    fprintf(out, "\nIntervals over %zu %s draws (%s):\n", sf_draws_count(dr),
            draws_label(dr), levels_words(&s[0], lw, sizeof lw));
    print_heads(out, "quantity", post ? "ML" : "fit", spread_label(dr), &s[0], post);
    if (post) fprintf(out, "  %12s %7s %7s", "mean", "R-hat", "ESS");
    fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
        if (i < p && sf_fit_is_fixed(fit, i)) continue;
        double point = s[i].value;
        if (post) point = i < p ? ml[i] : i + 1 == n ? sig : dml[i - p];
        print_row(out, names[i], point, &s[i], post);
        if (post) {
            char m[32];
            size_t j = i < p ? i : i + 1 == n ? p : SIZE_MAX;
            double rh = j != SIZE_MAX ? sf_draws_rhat(dr, j) : NAN;
            double es = j != SIZE_MAX ? sf_draws_ess(dr, j) : NAN;
            fprintf(out, "  %12s", cli_num(s[i].mean, m, sizeof m));
            if (isfinite(rh)) fprintf(out, " %7.4f %7.0f", rh, es);
        }
        fputc('\n', out);
    }
    free(s);
}

void cli_print_allocations(FILE *out, const sf_draws *dr, const sf_alloc_row *rows,
                           const sf_summary (*s)[5], size_t n)
{
    int intervals = s && n && s[0][1].n;
    if (!intervals) {
        fprintf(out, "%12s %14s %14s %12s %12s\n", "compute", "N_opt", "D_opt", "tokens/param",
                "loss");
        for (size_t i = 0; i < n; i++)
            fprintf(out, "%12.4g %14.6g %14.6g %12.4g %12.6g\n", rows[i].compute, rows[i].params,
                    rows[i].tokens, rows[i].tokens_per_param, rows[i].loss);
        return;
    }
    char lw[128];
    fprintf(out, "Compute-optimal allocation (%s intervals over %zu %s draws):\n",
            levels_words(&s[0][1], lw, sizeof lw), sf_draws_count(dr),
            draws_label(dr));
    static const char *const label[5] = {"compute", "N_opt", "D_opt", "tokens/param", "loss"};
    for (size_t i = 0; i < n; i++) {
        char c[32], head[48];
        snprintf(head, sizeof head, "C = %s", cli_num(rows[i].compute, c, sizeof c));
        fprintf(out, "\n");
        print_heads(out, head, "fit", spread_label(dr), &s[i][1], 0);
        fputc('\n', out);
        const double v[5] = {rows[i].compute, rows[i].params, rows[i].tokens,
                             rows[i].tokens_per_param, rows[i].loss};
        for (int q = 0; q < 5; q++) {
            /* The quantity that was given (the budget, or the target loss)
             * does not vary. */
            if (sf_summary_constant(&s[i][q])) continue;
            print_row(out, label[q], v[q], &s[i][q], 0);
            if (s[i][q].n < sf_draws_count(dr))
                fprintf(out, "  (%zu draws without one)", sf_draws_count(dr) - s[i][q].n);
            fputc('\n', out);
        }
    }
}

/* Which coordinates a prediction table shows: those given, and C = 6ND
 * when N and D are (U takes its place for laws of unique tokens); a law of
 * one variable shows only its own. */
static void shown_columns(const sf_point *x, int with_u, int show[4])
{
    show[0] = x->N > 0;
    show[1] = x->D > 0;
    show[2] = with_u;
    show[3] = x->C > 0 || (x->N > 0 && x->D > 0 && !with_u);
}

void cli_print_predictions(FILE *out, const sf_draws *dr, const sf_point *x,
                           const sf_summary *loss, const sf_summary *pred, size_t n, int with_u)
{
    static const char *const head[4] = {"N", "D", "U", "C"};
    int show[4] = {0, 0, 0, 0};
    if (n) shown_columns(&x[0], with_u, show);
    int intervals = n && loss[0].n;
    if (!intervals) {
        for (int k = 0; k < 4; k++)
            if (show[k]) fprintf(out, "%14s ", head[k]);
        fprintf(out, "%16s\n", "loss");
        for (size_t i = 0; i < n; i++) {
            double val[4] = {x[i].N, x[i].D, x[i].U,
                             x[i].C > 0 ? x[i].C : 6.0 * x[i].N * x[i].D};
            for (int k = 0; k < 4; k++)
                if (show[k]) fprintf(out, "%14.6g ", val[k]);
            fprintf(out, "%16.10g\n", loss[i].value);
        }
        return;
    }
    char lw[128];
    fprintf(out, "Predicted loss (%s intervals over %zu %s draws%s):\n",
            levels_words(&loss[0], lw, sizeof lw), sf_draws_count(dr),
            draws_label(dr),
            pred ? "; 'new run' adds the residual scatter" : "");
    for (size_t i = 0; i < n; i++) {
        char head_text[160] = "";
        size_t used = 0;
        double val[4] = {x[i].N, x[i].D, x[i].U, 0};
        for (int k = 0; k < 3 && used < sizeof head_text; k++) {
            if (!show[k]) continue;
            char num[32];
            int w = snprintf(head_text + used, sizeof head_text - used, "%s%s=%s",
                             used ? " " : "", head[k], cli_num(val[k], num, sizeof num));
            if (w < 0) break;
            used += (size_t)w;
        }
        fprintf(out, "\n");
        print_heads(out, head_text, "fit", spread_label(dr), &loss[i], 0);
        fputc('\n', out);
        print_row(out, "loss", loss[i].value, &loss[i], 0);
        fputc('\n', out);
        if (pred) {
            print_row(out, "new run", pred[i].value, &pred[i], 0);
            fputc('\n', out);
        }
    }
}

void cli_boot_args_init(cli_boot_args *b)
{
    memset(b, 0, sizeof *b);
    sf_bootstrap_options_init(&b->bo);
}

int cli_boot_arg(const cli_parser *p, int id, const char *v, cli_boot_args *b)
{
    switch (id) {
    case CLI_BOOT_K: {
        long k;
        int rc = cli_int(p, v, 2, 10000000, &k);
        if (rc == CLI_OK) b->bo.resamples = (size_t)k;
        b->on = 1;
        return rc;
    }
    case CLI_BOOT_RESAMPLE:
        b->resample_given = 1;
        if (strcmp(v, "rows") == 0) b->bo.resample = SF_RESAMPLE_ROWS;
        else if (strcmp(v, "group") == 0) b->bo.resample = SF_RESAMPLE_GROUP;
        else return cli_usage_error(p, "--resample: expected rows or group, got '%s'", v);
        return CLI_OK;
    case CLI_BOOT_WARM: b->bo.warm = 1; return CLI_OK;
    default: return -1;
    }
}

const char *cli_boot_orphan(const cli_boot_args *b)
{
    if (b->on) return NULL;
    return b->resample_given ? "resample" : b->bo.warm ? "warm-start" : NULL;
}

int cli_bootstrap(const sf_fit *fit, const sf_data *d, sf_bootstrap_options *bo,
                  sf_draws **draws)
{
    cli_progress pr;
    cli_progress_init(&pr, "bootstrap");
    bo->progress = cli_progress_update;
    bo->progress_ctx = &pr;
    sf_error err;
    sf_error_clear(&err);
    int rc = sf_fit_bootstrap(fit, d, bo, draws, &err);
    cli_progress_done(&pr);
    bo->progress = NULL;
    bo->progress_ctx = NULL;
    return rc == SF_OK ? CLI_OK : cli_lib_error(&err);
}

/* ---- progress ------------------------------------------------------------------- */

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void cli_progress_init(cli_progress *pr, const char *what)
{
    memset(pr, 0, sizeof *pr);
    pr->what = what;
    const char *term = getenv("TERM");
    /* Only for a person watching a terminal; never in a pipe or a log. */
    pr->on = isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
    /* https://no-color.org: a non-empty NO_COLOR turns colour off. */
    const char *nc = getenv("NO_COLOR");
    pr->color = pr->on && !(nc && *nc);
    pr->t0 = seconds_now();
    pr->last = -1;
}

void cli_progress_update(void *ctx, size_t done, size_t total)
{
    cli_progress *pr = ctx;
    if (!pr->on || total == 0) return;
    double t = seconds_now();
    if (done < total && t - pr->last < 0.1) return;
    pr->last = t;
    const int width = 30;
    int fill = (int)((double)width * (double)done / (double)total);
    char bar[64];
    for (int k = 0; k < width; k++) bar[k] = k < fill ? '#' : '.';
    bar[width] = '\0';
    double el = t - pr->t0, left = done ? el * (double)(total - done) / (double)done : 0;
    fprintf(stderr, "\r%s %s[%s]%s %3d%% %zu/%zu  %.1f s, %.0f s left ", pr->what,
            pr->color ? "\033[32m" : "", bar, pr->color ? "\033[0m" : "",
            (int)(100.0 * (double)done / (double)total), done, total, el, left);
    fflush(stderr);
    pr->drawn = 1;
}

void cli_progress_done(cli_progress *pr)
{
    if (!pr->on || !pr->drawn) return;
    /* Clear the bar's line so what follows starts clean. */
    fprintf(stderr, "\r%*s\r", 79, "");
    fflush(stderr);
}

int cli_ci_needs_draws(const cli_parser *p, const sf_draws *draws, size_t n_levels)
{
    if (!n_levels || sf_draws_count(draws)) return CLI_OK;
    return cli_usage_error(p, "--ci: the fit file has no draws (fit it with --bootstrap K, or "
                           "with scalefit bayes, and -o FIT.json)");
}

int cli_report_intervals(FILE *out, const sf_fit *fit, const sf_draws *draws,
                         const cli_unc_args *u)
{
    const sf_law *law = sf_fit_law(fit);
    int status = CLI_OK;
    sf_error err;
    sf_error_clear(&err);
    if (u->n_compute) {
        sf_alloc_row *rows = calloc(u->n_compute, sizeof *rows);
        sf_summary(*s)[5] = calloc(u->n_compute, sizeof *s);
        if (!rows || !s) status = cli_error("out of memory");
        for (size_t i = 0; i < u->n_compute && status == CLI_OK; i++)
            if (sf_fit_alloc_summary(fit, draws, u->compute[i], u->levels, u->n_levels, &rows[i],
                                     s[i], &err) != SF_OK)
                status = cli_lib_error(&err);
        if (status == CLI_OK) {
            fputc('\n', out);
            cli_print_allocations(out, draws, rows, (const sf_summary(*)[5])s, u->n_compute);
        }
        free(rows);
        free(s);
    }
    if (u->n_at && status == CLI_OK) {
        /* With draws, also the interval for a new run's loss. */
        int have = sf_draws_count(draws) > 0;
        sf_summary *ls = calloc(u->n_at, sizeof *ls), *ps = calloc(u->n_at, sizeof *ps);
        if (!ls || !ps) status = cli_error("out of memory");
        for (size_t i = 0; i < u->n_at && status == CLI_OK; i++)
            if (sf_fit_predict_summary(fit, draws, &u->at[i], u->levels, u->n_levels, &ls[i],
                                       have ? &ps[i] : NULL, &err) != SF_OK)
                status = cli_lib_error(&err);
        if (status == CLI_OK) {
            fputc('\n', out);
            cli_print_predictions(out, draws, u->at, ls, have ? ps : NULL, u->n_at,
                                  (sf_law_roles(law) & SF_ROLE_BIT(SF_ROLE_U)) != 0);
        }
        free(ls);
        free(ps);
    }
    return status;
}

int cli_emit_fit(const sf_fit *fit, const sf_draws *draws, const cli_unc_args *u,
                 const char *out_path, const char *samples, int json)
{
    for (size_t k = 0; k < sf_fit_n_warnings(fit); k++) cli_warning("%s", sf_fit_warning(fit, k));
    cli_warn_diagnoses(fit, NULL);
    for (size_t k = 0; k < sf_draws_n_warnings(draws); k++)
        cli_warning("%s", sf_draws_warning(draws, k));
    /* The fit file reports --compute and --at at the draws' levels. */
    sf_report_request req;
    sf_report_request_init(&req);
    req.compute = u->compute;
    req.n_compute = u->n_compute;
    req.at = u->at;
    req.n_at = u->n_at;
    sf_error err;
    sf_error_clear(&err);
    char *js = NULL;
    if (sf_fit_json(fit, draws, &req, &js, &err) != SF_OK) return cli_lib_error(&err);
    int status = out_path ? cli_write_file(out_path, js) : CLI_OK;
    if (status == CLI_OK && samples) {
        char *csv = NULL;
        int rc = sf_draws_csv(draws, &csv, &err);
        status = cli_write_made(samples, rc, csv, &err);
    }
    if (status == CLI_OK && json) fputs(js, stdout);
    free(js);
    return status;
}

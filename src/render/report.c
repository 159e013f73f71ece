/*
 * The HTML report: one self-contained page for a whole analysis.  CSS and
 * SVG are inline; there are no scripts, web fonts, images or links to
 * fetch, so the file opens the same offline, mailed, or years later.
 *
 * Order: warnings first (what a reader must not miss), then the data, the
 * fit with intervals, the allocation for several budgets, the figures.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/alloc_grid.h"
#include "base/base.h"
#include "render/plot.h"
#include "render/report_impl.h"

#define MAX_BUDGETS 64

void sf_report_init(sf_report *r)
{
    memset(r, 0, sizeof *r);
    r->level = 0.95;
}

typedef sf_html html;

static void put(html *h, const char *fmt, ...) SF_PRINTF(2, 3);

static void put(html *h, const char *fmt, ...)
{
    if (h->bad) return;
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    /* Formats here print strings and integers only; numbers come from
     * sf_plot_g, which is locale-free. */
    if (n < 0 || (size_t)n >= sizeof small) {
        h->bad = 1;
        return;
    }
    if (sf_buf_append(&h->b, small, (size_t)n) != 0) h->bad = 1;
}

static void raw(html *h, const char *s)
{
    if (!h->bad && s && sf_buf_append(&h->b, s, strlen(s)) != 0) h->bad = 1;
}

static void esc(html *h, const char *s)
{
    if (!h->bad && sf_buf_escape_xml(&h->b, s) != 0) h->bad = 1;
}

/* A number with sig digits, "5.76e+23" written as 5.76×10<sup>23</sup>. */
static void num(html *h, double v, int sig)
{
    char buf[64];
    sf_plot_g(buf, sizeof buf, v, sig);
    char *e = strchr(buf, 'e');
    if (!e || !isfinite(v)) {
        if (buf[0] == '-') {
            raw(h, "\xE2\x88\x92");
            raw(h, buf + 1);
        } else {
            raw(h, buf);
        }
        return;
    }
    *e = '\0';
    int k = atoi(e + 1);
    if (buf[0] == '-') raw(h, "\xE2\x88\x92");
    const char *m = buf[0] == '-' ? buf + 1 : buf;
    if (strcmp(m, "1") != 0) put(h, "%s\xC3\x97", m);
    put(h, "10<sup>%s%d</sup>", k < 0 ? "\xE2\x88\x92" : "", k < 0 ? -k : k);
}

const char sf_report_css[] =
    "body{font-family:'DejaVu Sans',Verdana,Arial,Helvetica,sans-serif;color:#222;"
    "max-width:1000px;margin:24px auto;padding:0 16px;line-height:1.45;font-size:15px}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;"
    "border-bottom:1px solid #ddd;padding-bottom:3px}"
    ".meta{color:#555;font-size:13px;margin:0}"
    "code{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:13px;"
    "background:#f4f4f4;padding:1px 3px;word-break:break-all}"
    "table{border-collapse:collapse;margin:6px 0 10px;font-size:14px}"
    "th,td{border:1px solid #ccc;padding:3px 9px;text-align:right;vertical-align:top}"
    "th{background:#f2f2f2}td.l,th.l{text-align:left}"
    ".warn{background:#fff4e0;border:1px solid #e69f00;border-radius:4px;padding:6px 14px}"
    ".ok{background:#eef7f1;border:1px solid #009e73;border-radius:4px;padding:6px 14px}"
    "figure{margin:18px 0;page-break-inside:avoid;break-inside:avoid}"
    "figure svg{max-width:100%;height:auto;border:1px solid #e6e6e6}"
    "figcaption{color:#444;font-size:13px;margin-top:4px}"
    ".note{color:#555;font-size:13px}"
    "@media print{body{max-width:none;font-size:12px}h2{page-break-after:avoid}}";

static void table_head(html *h, const char *const *cols, size_t n)
{
    raw(h, "<table><tr>");
    for (size_t i = 0; i < n; i++) {
        put(h, "<th%s>", i == 0 ? " class=\"l\"" : "");
        raw(h, cols[i]);
        raw(h, "</th>");
    }
    raw(h, "</tr>\n");
}

/* ---- data summary ----------------------------------------------------- */

static void range_row(html *h, const char *label, const double *v, size_t n)
{
    if (!v) return;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, v[i]);
        hi = fmax(hi, v[i]);
    }
    put(h, "<tr><td class=\"l\">%s</td><td>", label);
    num(h, lo, 4);
    raw(h, "</td><td>");
    num(h, hi, 4);
    raw(h, "</td></tr>\n");
}

static int data_section(html *h, const sf_data *d)
{
    raw(h, "<h2 id=\"data\">Data</h2>\n<p>");
    if (d->source) {
        raw(h, "File <code>");
        esc(h, d->source);
        raw(h, "</code>: ");
    }
    put(h, "%zu of %zu rows used", d->n, d->rows_read);
    for (size_t k = 0; k < d->n_filters; k++) {
        raw(h, k ? " and " : ", keeping rows where <code>");
        if (k) raw(h, "<code>");
        esc(h, d->filters[k]);
        raw(h, "</code>");
    }
    raw(h, ".  Columns:");
    for (int r = 0; r < SF_ROLE_COUNT; r++) {
        if (!(d->roles & SF_ROLE_BIT(r))) continue;
        put(h, " %s = ", sf_role_name((sf_role)r));
        if (d->column[r]) {
            raw(h, "<code>");
            esc(h, d->column[r]);
            raw(h, "</code>");
        } else if (d->derived & SF_ROLE_BIT(r)) {
            raw(h, r == SF_ROLE_D ? "C/(6N)" : "6ND");
        }
        raw(h, ";");
    }
    raw(h, "</p>\n");
    static const char *const cols[] = {"quantity", "min", "max"};
    table_head(h, cols, 3);
    range_row(h, "parameters N", d->N, d->n);
    range_row(h, "tokens D", d->D, d->n);
    range_row(h, "compute C (FLOPs)", d->C, d->n);
    range_row(h, "loss", d->loss, d->n);
    range_row(h, "unique tokens U", d->U, d->n);
    if (d->N && d->D) {
        double *r = malloc(d->n * sizeof *r);
        if (!r) return SF_ENOMEM;
        for (size_t i = 0; i < d->n; i++) r[i] = d->D[i] / d->N[i];
        range_row(h, "tokens per parameter D/N", r, d->n);
        free(r);
    }
    raw(h, "</table>\n");
    if (d->N) {
        double *u;
        size_t m = sf_plot_distinct(d->N, d->n, &u);
        if (m == (size_t)-1) return SF_ENOMEM;
        free(u);
        put(h, "<p class=\"note\">%zu distinct model sizes", m);
        if (d->n_groups) put(h, ", %zu runs (group column)", d->n_groups);
        raw(h, ".</p>\n");
    }
    return SF_OK;
}

/* ---- intervals ------------------------------------------------------- */

/* se, lo, hi of each parameter from the draws (NaN with fewer than 10
 * finite draws). */
static int draw_intervals(const double *draws, size_t nd, size_t p, double level, double *se,
                          double *lo, double *hi)
{
    double *v = malloc((nd ? nd : 1) * sizeof *v);
    if (!v) return SF_ENOMEM;
    for (size_t j = 0; j < p; j++) {
        size_t m = 0;
        double sum = 0;
        for (size_t b = 0; b < nd; b++)
            if (isfinite(draws[b * p + j])) {
                v[m++] = draws[b * p + j];
                sum += draws[b * p + j];
            }
        se[j] = lo[j] = hi[j] = NAN;
        if (m < 10) continue;
        double mean = sum / (double)m, ss = 0;
        for (size_t i = 0; i < m; i++) ss += (v[i] - mean) * (v[i] - mean);
        se[j] = sqrt(ss / (double)(m - 1));
        sf_sort_doubles(v, m);
        lo[j] = sf_quantile_sorted(v, m, 0.5 * (1.0 - level));
        hi[j] = sf_quantile_sorted(v, m, 0.5 * (1.0 + level));
    }
    free(v);
    return SF_OK;
}

/* The law, the objective and the search. */
static void fit_intro(html *h, const sf_fit *fit)
{
    const sf_law *law = sf_fit_law(fit);
    const sf_fit_options *o = sf_fit_get_options(fit);
    char formula[200];
    sf_plot_pretty(formula, sizeof formula, sf_law_formula(sf_law_name(law)));
    raw(h, "<h2 id=\"fit\">Fit</h2>\n<p>Law <b>");
    esc(h, sf_law_name(law));
    raw(h, "</b>: ");
    esc(h, formula);
    raw(h, ".  Objective: ");
    if (o->loss == SF_LOSS_HUBER) {
        raw(h, "Huber loss (&delta; = ");
        num(h, o->delta, 4);
        raw(h, ")");
    } else {
        raw(h, "least squares");
    }
    raw(h, " of log residuals, summed over rows: ");
    num(h, sf_fit_objective(fit), 10);
    raw(h, "; R<sup>2</sup> of the loss ");
    num(h, sf_fit_r2(fit), 4);
    put(h, ".  Search: %d start%s, %d reached the best optimum; %s.</p>\n", sf_fit_starts(fit),
        sf_fit_starts(fit) == 1 ? "" : "s", sf_fit_n_best(fit),
        sf_fit_converged(fit) ? "converged" : "<b>not converged</b>");
}

/* One row per parameter: estimate, SE and interval when given, and why it
 * is not free (fixed, tied) or suspect (at a bound). */
static void param_table(html *h, const sf_report *r, const double *se, const double *lo,
                        const double *hi)
{
    const sf_fit *fit = r->fit;
    const sf_law *law = sf_fit_law(fit);
    const double *p = sf_fit_params(fit);
    size_t np = sf_law_n_params(law);
    int have_se = se != NULL, have_ci = lo && hi;
    const char *cols[5] = {"parameter", "estimate", NULL, NULL, "note"};
    size_t nc = 2;
    char ci_head[64];
    if (have_se) cols[nc++] = "SE";
    if (have_ci) {
        char lv[16];
        sf_plot_g(lv, sizeof lv, 100.0 * r->level, 4);
        snprintf(ci_head, sizeof ci_head, "%s%% interval", lv);
        cols[nc++] = ci_head;
    }
    cols[nc++] = "note";
    table_head(h, cols, nc);
    for (size_t j = 0; j < np; j++) {
        char name[64];
        sf_plot_pretty(name, sizeof name, sf_law_param_name(law, j));
        raw(h, "<tr><td class=\"l\">");
        esc(h, name);
        raw(h, "</td><td>");
        num(h, p[j], 6);
        raw(h, "</td>");
        if (have_se) {
            raw(h, "<td>");
            if (isfinite(se[j])) num(h, se[j], 3);
            raw(h, "</td>");
        }
        if (have_ci) {
            raw(h, "<td>");
            if (isfinite(lo[j]) && isfinite(hi[j])) {
                num(h, lo[j], 4);
                raw(h, " \xE2\x80\x93 ");
                num(h, hi[j], 4);
            }
            raw(h, "</td>");
        }
        raw(h, "<td class=\"l\">");
        if (sf_fit_is_fixed(fit, j)) raw(h, "fixed");
        else if (sf_fit_tied_to(fit, j) >= 0) {
            char lead[64];
            sf_plot_pretty(lead, sizeof lead,
                           sf_law_param_name(law, (size_t)sf_fit_tied_to(fit, j)));
            raw(h, "tied to ");
            esc(h, lead);
        } else if (sf_fit_at_bound(fit, j)) {
            raw(h, "<b>at a bound</b>");
        }
        raw(h, "</td></tr>\n");
    }
    raw(h, "</table>\n");
}

/* Derived quantities, how intervals were made, other local optima. */
static void fit_notes(html *h, const sf_report *r, int have_ci)
{
    const sf_fit *fit = r->fit;
    const sf_law *law = sf_fit_law(fit);
    const double *p = sf_fit_params(fit);
    const char *dn[16];
    double dv[16];
    size_t nd = sf_law_derived(law, p, dn, dv, 16);
    if (nd > 16) nd = 16;
    if (nd) {
        raw(h, "<p>Derived:");
        for (size_t k = 0; k < nd; k++) {
            put(h, "%s %s = ", k ? "," : "", dn[k]);
            num(h, dv[k], 5);
        }
        raw(h, ".</p>\n");
    }
    if (have_ci) {
        raw(h, "<p class=\"note\">Intervals: ");
        esc(h, r->interval_method ? r->interval_method : "as given");
        raw(h, ".</p>\n");
    } else {
        raw(h, "<p class=\"note\">No intervals were computed for this report.</p>\n");
    }
    size_t nb = sf_fit_n_basins(fit);
    if (nb > 1) {
        raw(h, "<p class=\"note\">Other local optima (objective, starts):");
        for (size_t b = 1; b < nb; b++) {
            raw(h, b > 1 ? "; " : " ");
            num(h, sf_fit_basin(fit, b, NULL), 8);
            put(h, " (%d)", sf_fit_basin_count(fit, b));
        }
        raw(h, ".</p>\n");
    }
}


static void fit_section(html *h, const sf_report *r, const double *se, const double *lo,
                        const double *hi)
{
    fit_intro(h, r->fit);
    param_table(h, r, se, lo, hi);
    fit_notes(h, r, lo && hi);
}

/* ---- allocation --------------------------------------------------------- */

/* Budgets: decades from a tenth of the largest run's compute to 10^4 times
 * it, plus the ones asked for; sorted, repeats dropped. */
static size_t budgets(const sf_report *r, double cmax, double *out)
{
    size_t n = 0;
    if (cmax > 0 && isfinite(cmax)) {
        int k = (int)floor(log10(cmax));
        for (int e = k - 1; e <= k + 4; e++) out[n++] = pow(10.0, e);
    }
    for (size_t i = 0; i < r->n_budgets && n < MAX_BUDGETS; i++)
        if (r->budgets[i] > 0 && isfinite(r->budgets[i])) out[n++] = r->budgets[i];
    sf_sort_doubles(out, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || out[i] > out[m - 1] * (1 + 1e-9)) out[m++] = out[i];
    return m;
}

static void interval_cell(html *h, const double *v, size_t m, double level)
{
    raw(h, "<td>");
    if (m >= 10) {
        num(h, sf_quantile_sorted(v, m, 0.5 * (1.0 - level)), 3);
        raw(h, " \xE2\x80\x93 ");
        num(h, sf_quantile_sorted(v, m, 0.5 * (1.0 + level)), 3);
    }
    raw(h, "</td>");
}

static int alloc_section(html *h, const sf_report *r, const double *bud, size_t nbud, double cmax,
                         sf_alloc_row *rows, size_t *nrows)
{
    const sf_fit *fit = r->fit;
    const sf_law *law = sf_fit_law(fit);
    const double *p = sf_fit_params(fit);
    int draws = sf_draws_count(r->draws) >= 10;
    raw(h, "<h2 id=\"allocation\">Compute-optimal allocation</h2>\n");
    *nrows = 0;
    sf_error err;
    sf_error_clear(&err);
    for (size_t i = 0; i < nbud; i++)
        if (sf_alloc_optimal(law, p, bud[i], &rows[*nrows], &err) == SF_OK) (*nrows)++;
    if (*nrows == 0) {
        raw(h, "<p>No allocation: ");
        esc(h, err.message[0] ? err.message : "the law gives none");
        raw(h, ".</p>\n");
        return SF_OK;
    }
    char lv[16], hn[3][64];
    sf_plot_g(lv, sizeof lv, 100.0 * r->level, 4);
    const char *cols[9] = {"compute C", "optimal N", "optimal D", "tokens / param", "loss"};
    size_t nc = 5;
    if (draws) {
        snprintf(hn[0], sizeof hn[0], "N, %s%%", lv);
        snprintf(hn[1], sizeof hn[1], "D, %s%%", lv);
        snprintf(hn[2], sizeof hn[2], "D/N, %s%%", lv);
        cols[nc++] = hn[0];
        cols[nc++] = hn[1];
        cols[nc++] = hn[2];
    }
    cols[nc++] = "vs. largest run";
    table_head(h, cols, nc);
    size_t cap = sf_draws_count(r->draws) ? sf_draws_count(r->draws) : 1;
    double *v[3] = {malloc(cap * sizeof(double)), malloc(cap * sizeof(double)),
                    malloc(cap * sizeof(double))};
    int ok = v[0] && v[1] && v[2];
    for (size_t i = 0; ok && i < *nrows; i++) {
        const sf_alloc_row *w = &rows[i];
        raw(h, "<tr><td>");
        num(h, w->compute, 4);
        raw(h, "</td><td>");
        num(h, w->params, 4);
        raw(h, "</td><td>");
        num(h, w->tokens, 4);
        raw(h, "</td><td>");
        num(h, w->tokens_per_param, 4);
        raw(h, "</td><td>");
        num(h, w->loss, 5);
        raw(h, "</td>");
        if (draws) {
            size_t m = sf_alloc_draws_at(law, sf_draws_params(r->draws),
                                         sf_draws_count(r->draws), 1, w->compute, 0, v);
            for (int k = 0; k < 3; k++) interval_cell(h, v[k], m, r->level);
        }
        raw(h, "<td>");
        if (cmax > 0) {
            num(h, w->compute / cmax, 2);
            raw(h, "\xC3\x97");
        }
        raw(h, "</td></tr>\n");
    }
    for (int k = 0; k < 3; k++) free(v[k]);
    if (!ok) return SF_ENOMEM;
    raw(h, "</table>\n<p class=\"note\">C = 6ND.  The last column is the budget over the "
           "largest run's compute: beyond 1&times; the allocation extrapolates the law "
           "past the data.</p>\n");
    return SF_OK;
}

/* ---- warnings ------------------------------------------------------------- */

typedef struct warn_list {
    char (*text)[400];
    size_t n, cap;
} warn_list;

static void warn_add(warn_list *w, const char *fmt, ...) SF_PRINTF(2, 3);

static void warn_add(warn_list *w, const char *fmt, ...)
{
    if (w->n >= w->cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->text[w->n++], sizeof w->text[0], fmt, ap);
    va_end(ap);
}

/* Identifiability seen in the draws: pairs of parameters that move
 * together (|r| > 0.95 on the scale the pairwise plot uses), parameters
 * whose interval spans more than a factor of 10. */
static void draw_warnings(const sf_report *r, const double *lo, const double *hi, warn_list *w)
{
    const sf_law *law = sf_fit_law(r->fit);
    size_t np = sf_law_n_params(law), nd = sf_draws_count(r->draws);
    const double *dx = sf_draws_params(r->draws);
    double *x = malloc(nd * sizeof *x), *y = malloc(nd * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return;
    }
    int lg[SF_MAX_PARAMS], shown[SF_MAX_PARAMS];
    sf_plot_law_scales(law, lg);
    sf_plot_free_params(r->fit, shown);
    for (size_t a = 0; a < np; a++) {
        if (!shown[a]) continue;
        char na[64], nb[64], rs[32];
        sf_plot_pretty(na, sizeof na, sf_law_param_name(law, a));
        if (lo && hi && lo[a] > 0 && hi[a] > 10.0 * lo[a]) {
            char f[32];
            sf_plot_num(f, sizeof f, hi[a] / lo[a]);
            warn_add(w, "%s is poorly determined: its interval spans a factor of %s.", na, f);
        }
        for (size_t b = a + 1; b < np; b++) {
            if (!shown[b]) continue;
            /* On the law's scales, as the pairwise plot draws them. */
            int la = lg[a], lb = lg[b];
            for (size_t i = 0; i < nd; i++) {
                la &= dx[i * np + a] > 0;
                lb &= dx[i * np + b] > 0;
            }
            for (size_t i = 0; i < nd; i++) {
                x[i] = la ? log(dx[i * np + a]) : dx[i * np + a];
                y[i] = lb ? log(dx[i * np + b]) : dx[i * np + b];
            }
            double c = sf_plot_corr(x, y, nd);
            if (!(fabs(c) > 0.95)) continue;
            sf_plot_pretty(nb, sizeof nb, sf_law_param_name(law, b));
            sf_plot_g(rs, sizeof rs, c, 4);
            warn_add(w,
                     "%s and %s are strongly correlated across the draws (r = %s): the data "
                     "determine a combination of them better than either alone.",
                     na, nb, rs);
        }
    }
    free(x);
    free(y);
}

/* ---- the page ---------------------------------------------------------------- */

static void figure(html *h, const char *doc, const char *caption)
{
    raw(h, "<figure>\n");
    raw(h, doc);
    if (caption) {
        raw(h, "<figcaption>");
        esc(h, caption);
        raw(h, "</figcaption>\n");
    }
    raw(h, "</figure>\n");
}

/* The page's head, title and the line that says how it was made. */
static void page_head(html *h, const sf_report *r)
{
    const sf_law *law = sf_fit_law(r->fit);
    char title[512];
    if (r->title) sf_strlcpy(title, r->title, sizeof title);
    else
        snprintf(title, sizeof title, "scalefit report: %s fit to %s", sf_law_name(law),
                 r->data->source ? sf_plot_basename(r->data->source) : "data");
    raw(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta name=\"generator\" content=\"scalefit " SF_VERSION "\">\n<title>");
    esc(h, title);
    raw(h, "</title>\n<style>");
    raw(h, sf_report_css);
    raw(h, "</style>\n</head>\n<body>\n<h1>");
    esc(h, title);
    raw(h, "</h1>\n<p class=\"meta\">scalefit " SF_VERSION);
    put(h, "; seed %llu", (unsigned long long)sf_fit_get_options(r->fit)->seed);
    if (r->command) {
        raw(h, "; made by <code>");
        esc(h, r->command);
        raw(h, "</code>");
    }
    raw(h, "</p>\n");
}

static void warnings_section(html *h, const warn_list *wl)
{
    put(h, "<h2 id=\"warnings\">Warnings (%zu)</h2>\n", wl->n);
    if (!wl->n) {
        raw(h, "<p class=\"ok\">None: no parameter on a bound, the best optimum was reached "
               "by several starts, no second optimum close to it, the search converged.</p>\n");
        return;
    }
    raw(h, "<div class=\"warn\"><ul>\n");
    for (size_t k = 0; k < wl->n; k++) {
        raw(h, "<li>");
        esc(h, wl->text[k]);
        raw(h, "</li>\n");
    }
    raw(h, "</ul></div>\n");
}

/* What the figures of the page need besides the report. */
typedef struct fig_ctx {
    const sf_alloc_row *rows;
    size_t nrows;
    double x_min, x_max; /* the allocation plot's compute range */
    int draws;           /* the report has draws enough for bands and pairs */
} fig_ctx;

/* The report's figures, in order: an id (unique on the page), whether the
 * report calls for it, the plot, and its caption. */
typedef struct fig_kind {
    const char *id;
    int (*make)(const sf_report *r, const fig_ctx *f, sf_plot_options *po, char **svg,
                sf_error *err); /* SF_OK with *svg NULL: not for
                                   this report */
    const char *caption;
} fig_kind;

static int fig_fit_c(const sf_report *r, const fig_ctx *f, sf_plot_options *po, char **svg,
                     sf_error *err)
{
    (void)f;
    return sf_plot_fit(r->fit, r->data, po, svg, err);
}

static int fig_fit_n(const sf_report *r, const fig_ctx *f, sf_plot_options *po, char **svg,
                     sf_error *err)
{
    (void)f;
    const unsigned nd = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    if ((sf_law_roles(sf_fit_law(r->fit)) & nd) != nd) return SF_OK;
    po->x = SF_ROLE_N;
    return sf_plot_fit(r->fit, r->data, po, svg, err);
}

/* From the smallest run to past the largest budget. */
static int fig_alloc(const sf_report *r, const fig_ctx *f, sf_plot_options *po, char **svg,
                     sf_error *err)
{
    if (f->nrows == 0) return SF_OK;
    po->x_min = f->x_min;
    po->x_max = f->x_max;
    return sf_plot_optimal(r->fit, f->draws ? r->draws : NULL, f->rows,
                           f->nrows, po, svg, err);
}

static int fig_pairs(const sf_report *r, const fig_ctx *f, sf_plot_options *po, char **svg,
                     sf_error *err)
{
    if (!f->draws) return SF_OK;
    return sf_plot_fit_pairs(r->fit, sf_draws_params(r->draws), sf_draws_count(r->draws), po, svg,
                             err);
}

static const fig_kind figure_kinds[] = {
    {"fit-c", fig_fit_c,
     "Loss against compute: runs coloured by model size, the fitted law at fixed N "
     "(solid where that size has runs), the compute-optimal frontier, and the log "
     "residuals below."},
    {"fit-n", fig_fit_n,
     "Loss against model size: the fitted law at fixed compute (IsoFLOP profiles), whose "
     "minima lie on the compute-optimal frontier."},
    {"alloc", fig_alloc,
     "Compute-optimal N, D and tokens per parameter against compute, with the budgets of "
     "the table marked."},
    {"pairs", fig_pairs,
     "Pairs of parameter draws: a thin, tilted cloud means the data fix a combination of "
     "the two parameters better than either one."}};

#define N_FIGURE_KINDS (sizeof figure_kinds / sizeof figure_kinds[0])

/* Every figure the report calls for, then the caller's.  A plot that
 * cannot be drawn is reported, not fatal; SF_ENOMEM is. */
static int figures_section(html *h, const sf_report *r, const fig_ctx *f)
{
    char *figs[N_FIGURE_KINDS] = {NULL};
    int rc = SF_OK;
    raw(h, "<h2 id=\"figures\">Figures</h2>\n");
    for (size_t k = 0; k < N_FIGURE_KINDS && rc == SF_OK; k++) {
        sf_plot_options po;
        sf_plot_options_init(&po);
        po.level = r->level;
        po.id = figure_kinds[k].id;
        sf_error perr;
        sf_error_clear(&perr);
        int prc = figure_kinds[k].make(r, f, &po, &figs[k], &perr);
        if (prc == SF_ENOMEM) {
            rc = SF_ENOMEM;
        } else if (prc != SF_OK) {
            raw(h, "<p class=\"note\">Figure left out: ");
            esc(h, perr.message);
            raw(h, "</p>\n");
        }
    }
    for (size_t k = 0; k < N_FIGURE_KINDS && rc == SF_OK; k++)
        if (figs[k]) figure(h, figs[k], figure_kinds[k].caption);
    for (size_t k = 0; k < r->n_figures && rc == SF_OK; k++)
        if (r->figures[k]) figure(h, r->figures[k], r->captions ? r->captions[k] : NULL);
    for (size_t k = 0; k < N_FIGURE_KINDS; k++) free(figs[k]);
    return rc;
}

static int check_report(const sf_report *r, sf_error *err)
{
    if (!r || !r->fit || !r->data)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "a report needs a fit and its data");
    if (!(r->level > 0 && r->level < 1))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "report level %g is not in (0, 1)", r->level);
    if ((r->draws && sf_draws_fit(r->draws) != r->fit) || (r->n_budgets && !r->budgets) ||
        (r->n_warnings && !r->warnings) || (r->n_figures && !r->figures))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "a report count is set without its array, or its draws are of another "
                       "fit");
    if (r->tasks) return sf_task_report_check(r->tasks, err);
    return SF_OK;
}

int sf_report_html(const sf_report *r, char **out, sf_error *err)
{
    *out = NULL;
    int rc = check_report(r, err);
    if (rc != SF_OK) return rc;
    const sf_fit *fit = r->fit;
    const sf_data *d = r->data;
    size_t np = sf_law_n_params(sf_fit_law(fit));
    html h;
    memset(&h, 0, sizeof h);
    char(*wtext)[400] = calloc(SF_MAX_PARAMS * SF_MAX_PARAMS + 64, sizeof *wtext);
    double se_d[SF_MAX_PARAMS], lo_d[SF_MAX_PARAMS], hi_d[SF_MAX_PARAMS];
    sf_alloc_row rows[MAX_BUDGETS];
    rc = wtext ? SF_OK : SF_ENOMEM;

    /* Intervals as given, else from the draws. */
    const double *se = r->se, *lo = r->ci_lo, *hi = r->ci_hi;
    int draws = sf_draws_count(r->draws) >= 10;
    if (rc == SF_OK && draws && !(se && lo && hi)) {
        rc = draw_intervals(sf_draws_params(r->draws), sf_draws_count(r->draws), np, r->level,
                            se_d, lo_d, hi_d);
        if (!se) se = se_d;
        if (!lo || !hi) {
            lo = lo_d;
            hi = hi_d;
        }
    }
    if (!(lo && hi)) lo = hi = NULL;

    /* Warnings: the fit's, the draws', the caller's, what the draws show. */
    warn_list wl = {wtext, 0, wtext ? SF_MAX_PARAMS * SF_MAX_PARAMS + 64 : 0};
    for (size_t k = 0; k < sf_fit_n_warnings(fit); k++) warn_add(&wl, "%s", sf_fit_warning(fit, k));
    for (size_t k = 0; k < sf_draws_n_warnings(r->draws); k++)
        warn_add(&wl, "%s", sf_draws_warning(r->draws, k));
    for (size_t k = 0; k < sf_fit_n_diagnoses(fit); k++) {
        sf_diagnosis g;
        if (sf_fit_diagnosis(fit, k, &g) == SF_OK)
            warn_add(&wl, "diagnosis %s%s%s%s: %s", g.code, g.param ? " (" : "",
                     g.param ? g.param : "", g.param ? ")" : "", g.message);
    }
    for (size_t k = 0; k < r->n_warnings; k++)
        if (r->warnings[k]) warn_add(&wl, "%s", r->warnings[k]);
    for (size_t k = 0; r->tasks && k < sf_task_fit_n_tasks(r->tasks->fit); k++) {
        const char *msg = NULL;
        if (sf_task_fit_diagnosis(r->tasks->fit, k, &msg) != SF_TASK_OK)
            warn_add(&wl, "task '%s': %s", sf_task_fit_task(r->tasks->fit, k), msg);
    }
    if (rc == SF_OK && draws) draw_warnings(r, lo, hi, &wl);

    double cmin = INFINITY, cmax = 0;
    for (size_t i = 0; d->C && i < d->n; i++) {
        cmin = fmin(cmin, d->C[i]);
        cmax = fmax(cmax, d->C[i]);
    }
    double bud[MAX_BUDGETS + 8];
    size_t nbud = budgets(r, cmax, bud), nrows = 0;
    page_head(&h, r);
    warnings_section(&h, &wl);
    if (rc == SF_OK) rc = data_section(&h, d);
    if (rc == SF_OK) fit_section(&h, r, se, lo, hi);
    if (rc == SF_OK) rc = alloc_section(&h, r, bud, nbud, cmax, rows, &nrows);
    fig_ctx f = {.rows = rows, .nrows = nrows, .x_min = cmin < cmax ? cmin : 0,
                 .x_max = nbud ? bud[nbud - 1] * 3.0 : 0, .draws = draws};
    if (rc == SF_OK) rc = figures_section(&h, r, &f);
    if (rc == SF_OK && r->tasks) rc = sf_task_report_section(&h, r->tasks, err);
    raw(&h, "</body>\n</html>\n");
    free(wtext);
    if (rc == SF_OK && h.bad) rc = SF_ENOMEM;
    if (rc != SF_OK) {
        sf_buf_free(&h.b);
        return sf_fail(err, rc, NULL, 0, 0, "out of memory");
    }
    *out = h.b.data;
    return SF_OK;
}

/* ---- shared with the task section (report_impl.h) ------------------------ */

void sf_html_raw(sf_html *h, const char *s) { raw(h, s); }
void sf_html_esc(sf_html *h, const char *s) { esc(h, s); }
void sf_html_num(sf_html *h, double v, int sig) { num(h, v, sig); }
void sf_html_figure(sf_html *h, const char *svg, const char *caption)
{
    figure(h, svg, caption);
}

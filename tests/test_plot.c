/* Plots and the HTML report: axis ticks and labels, every plot over
 * synthetic and published data, well-formed XML, no overlapping text, the
 * report's contents, the CLI options, and the page rendered in headless
 * Chromium (not blank, every SVG accepted by xmllint). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base.h"
#include "common.h"
#include "law/law_impl.h"
#include "render/plot.h"
#include "render/svg.h"

#define EPOCH "chinchilla_epoch/svg_extracted_data.csv"
#define RUN(...) run_cli(NULL, (const char *const[]){__VA_ARGS__, NULL})

extern char **environ;

/* Besiroglu et al. (2024) Chinchilla refit, (E, A, B, alpha, beta), as in
 * ../shared/data/chinchilla_epoch/SOURCE.md. */
static const double besiroglu[5] = {1.81686, 482.00572, 2085.43420, 0.34781, 0.36585};

/* ---- checks on SVG text -------------------------------------------------- */

/* XML well-formedness, enough to catch what a generator gets wrong: tags
 * nest and close, one root, attributes quoted, only the five predefined
 * entities or character references, no '<' in text or values.  Also
 * flags "nan" or "inf" inside an attribute value. */
static int xml_check(const char *s, char *why, size_t size)
{
    const char *stack[64];
    size_t depth = 0, roots = 0;
    for (const char *c = s; *c;) {
        if (*c == '<') {
            if (strncmp(c, "<!--", 4) == 0) {
                const char *e = strstr(c, "-->");
                if (!e) return snprintf(why, size, "unclosed comment"), 0;
                c = e + 3;
                continue;
            }
            if (c[1] == '?' || c[1] == '!') {
                const char *e = strchr(c, '>');
                if (!e) return snprintf(why, size, "unclosed declaration"), 0;
                c = e + 1;
                continue;
            }
            int closing = c[1] == '/';
            const char *n = c + 1 + closing;
            size_t len =
                strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-.");
            if (len == 0) return snprintf(why, size, "bad tag at offset %ld", (long)(c - s)), 0;
            if (closing) {
                if (depth == 0 || strncmp(stack[depth - 1], n, len) != 0 ||
                    strspn(stack[depth - 1],
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-.") !=
                        len)
                    return snprintf(why, size, "mismatched </%.*s> at offset %ld", (int)len, n,
                                    (long)(c - s)),
                           0;
                depth--;
                c = n + len;
                while (*c == ' ') c++;
                if (*c != '>') return snprintf(why, size, "bad closing tag"), 0;
                c++;
                continue;
            }
            if (depth == 0) roots++;
            const char *name = n;
            c = n + len;
            for (;;) {
                while (*c == ' ' || *c == '\n' || *c == '\t') c++;
                if (*c == '/' && c[1] == '>') {
                    c += 2;
                    break;
                }
                if (*c == '>') {
                    if (depth == 64) return snprintf(why, size, "too deep"), 0;
                    stack[depth++] = name;
                    c++;
                    break;
                }
                size_t al =
                    strspn(c, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-.");
                if (al == 0 || c[al] != '=' || (c[al + 1] != '"' && c[al + 1] != '\''))
                    return snprintf(why, size, "bad attribute at offset %ld", (long)(c - s)), 0;
                char q = c[al + 1];
                const char *v = c + al + 2, *e = strchr(v, q);
                if (!e) return snprintf(why, size, "unclosed attribute value"), 0;
                for (const char *k = v; k < e; k++) {
                    if (*k == '<') return snprintf(why, size, "'<' in attribute"), 0;
                    if ((k[0] == 'n' && k[1] == 'a' && k[2] == 'n') ||
                        (k[0] == 'i' && k[1] == 'n' && k[2] == 'f'))
                        return snprintf(why, size, "non-finite number in %.*s", (int)(e - c + 1),
                                        c),
                               0;
                }
                c = e + 1;
            }
            continue;
        }
        if (*c == '&') {
            static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"};
            int ok = 0;
            for (size_t k = 0; k < 6; k++) ok |= strncmp(c, ents[k], strlen(ents[k])) == 0;
            if (!ok) return snprintf(why, size, "bad entity at offset %ld", (long)(c - s)), 0;
        }
        if (depth == 0 && *c != ' ' && *c != '\n' && *c != '\t')
            return snprintf(why, size, "text outside the root at offset %ld", (long)(c - s)), 0;
        c++;
    }
    if (depth) return snprintf(why, size, "%zu unclosed elements", depth), 0;
    if (roots != 1) return snprintf(why, size, "%zu root elements", roots), 0;
    return 1;
}

static void assert_svg(const char *svg)
{
    char why[256] = "";
    cr_assert(svg != NULL);
    static const char root[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"";
    cr_assert(strncmp(svg, root, strlen(root)) == 0, "an SVG 1.1 root first: %.80s", svg);
    cr_assert(xml_check(svg, why, sizeof why), "malformed SVG: %s", why);
    /* Self-contained: the namespace is the only URL, no scripts or images. */
    const char *u = svg;
    while ((u = strstr(u, "http")) != NULL) {
        cr_assert(strncmp(u, "http://www.w3.org/2000/svg", 26) == 0, "external reference: %.60s",
                  u);
        u += 4;
    }
    cr_assert(!strstr(svg, "<script") && !strstr(svg, "<image") && !strstr(svg, "href"));
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

/* Every <text> of an SVG as a box, from the same DejaVu metrics the layout
 * uses; no two boxes may intersect.  This covers tick labels, titles,
 * legends, colour bars and notes at once. */
typedef struct box {
    double x0, y0, x1, y1;
    char text[384];
} box;

static double attr(const char *tag, const char *name, double dflt)
{
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(tag, key);
    const char *end = strchr(tag, '>');
    if (!p || p > end) return dflt;
    return strtod(p + strlen(key), NULL);
}

static size_t text_boxes(const char *svg, box *out, size_t max)
{
    size_t n = 0;
    for (const char *t = svg; (t = strstr(t, "<text ")) != NULL && n < max; t++) {
        const char *gt = strchr(t, '>'), *end = strstr(t, "</text>");
        cr_assert(gt && end);
        double x = attr(t, "x", 0), y = attr(t, "y", 0), fs = attr(t, "font-size", 12);
        char main[256] = "", sup[64] = "";
        const char *span = strstr(gt, "<tspan");
        const char *mend = span && span < end ? span : end;
        snprintf(main, sizeof main, "%.*s", (int)(mend - gt - 1), gt + 1);
        if (span && span < end) {
            const char *sg = strchr(span, '>');
            const char *se = strstr(sg, "</tspan>");
            snprintf(sup, sizeof sup, "%.*s", (int)(se - sg - 1), sg + 1);
        }
        double w = sf_svg_text_width(main, fs) + sf_svg_text_width(sup, 0.75 * fs);
        const char *anchor = strstr(t, "text-anchor=\"");
        double a = 0;
        if (anchor && anchor < gt) a = strncmp(anchor + 13, "middle", 6) == 0 ? 0.5 : 1.0;
        double top = (sup[0] ? 1.05 : 0.8) * fs, bottom = 0.22 * fs;
        box *b = &out[n++];
        snprintf(b->text, sizeof b->text, "%s%s%s", main, sup[0] ? "^" : "", sup);
        if (strstr(t, "rotate(-90") && strstr(t, "rotate(-90") < gt) {
            /* Reads upwards: along y the text, along x its height. */
            b->x0 = x - top;
            b->x1 = x + bottom;
            b->y0 = y - (1 - a) * w;
            b->y1 = y + a * w;
        } else {
            b->x0 = x - a * w;
            b->x1 = x + (1 - a) * w;
            b->y0 = y - top;
            b->y1 = y + bottom;
        }
    }
    return n;
}

static void assert_no_text_overlap(const char *svg, const char *what)
{
    static box b[2048];
    size_t n = text_boxes(svg, b, 2048);
    cr_assert(n > 3, "%s: only %zu texts", what, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double ox = fmin(b[i].x1, b[j].x1) - fmax(b[i].x0, b[j].x0);
            double oy = fmin(b[i].y1, b[j].y1) - fmax(b[i].y0, b[j].y0);
            cr_assert(!(ox > 0.5 && oy > 0.5), "%s: text '%s' overlaps '%s' (%.1f x %.1f px)", what,
                      b[i].text, b[j].text, ox, oy);
        }
}

/* Every text inside the canvas (nothing clipped at the edges). */
static void assert_text_inside(const char *svg, double w, double h, const char *what)
{
    static box b[2048];
    size_t n = text_boxes(svg, b, 2048);
    for (size_t i = 0; i < n; i++)
        cr_assert(b[i].x0 >= -0.5 && b[i].x1 <= w + 0.5 && b[i].y0 >= -0.5 && b[i].y1 <= h + 0.5,
                  "%s: text '%s' leaves the %gx%g canvas (%.1f..%.1f, %.1f..%.1f)", what, b[i].text,
                  w, h, b[i].x0, b[i].x1, b[i].y0, b[i].y1);
}

static void assert_readable(const char *svg, double w, double h, const char *what)
{
    assert_svg(svg);
    assert_no_text_overlap(svg, what);
    assert_text_inside(svg, w, h, what);
}

/* ---- synthetic inputs -------------------------------------------------- */

/* A small synthetic forecast: a cosine run of 3000 steps (warm-up 100,
 * peak 3e-4, final 3e-5) observed every 60 steps to step 1200, loss
 * 2.4 + 3 (t/100)^-0.5 with a dip where the LR anneals, and the forecast
 * every 300 steps to the end with a band widening with the distance. */
typedef struct forecast_input {
    double os[20], ol[20], fs[6], fl[6], flo[6], fhi[6], ls[101], lr[101];
    sf_curve_plot d;
} forecast_input;

static double fc_lr(double t)
{
    if (t < 100) return 3e-4 * t / 100;
    return 3e-5 + 0.5 * (3e-4 - 3e-5) * (1 + cos(3.14159265358979323846 * (t - 100) / 2900));
}

static double fc_loss(double t)
{
    return 2.4 + 3 * pow(t / 100, -0.5) - 200 * (3e-4 - fc_lr(t)) * (t > 100);
}

static void make_forecast(forecast_input *f)
{
    for (int i = 0; i < 20; i++) {
        f->os[i] = 60.0 * (i + 1);
        f->ol[i] = fc_loss(f->os[i]) * (1 + 1e-3 * ((i * 7) % 5 - 2));
    }
    for (int i = 0; i < 6; i++) {
        f->fs[i] = 1500 + 300.0 * i;
        f->fl[i] = fc_loss(f->fs[i]);
        f->flo[i] = f->fl[i] - 0.004 * (i + 1);
        f->fhi[i] = f->fl[i] + 0.004 * (i + 1);
    }
    for (int i = 0; i <= 100; i++) {
        f->ls[i] = 30.0 * i;
        f->lr[i] = fc_lr(f->ls[i]);
    }
    f->d = (sf_curve_plot){20, f->os, f->ol, 6, f->fs, f->fl, f->flo, f->fhi, 101, f->ls, f->lr};
}


static sf_law *chinchilla(void)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, &err), SF_OK);
    return law;
}

/* An IsoFLOP sweep simulated from Besiroglu's law: 9 sizes around each
 * budget's optimum, 1% log-normal noise. */
static sf_data *sweep(const sf_law *law, size_t budgets, size_t sizes, uint64_t seed)
{
    double N[256], D[256];
    size_t n = 0;
    for (size_t b = 0; b < budgets; b++) {
        double C = 6e18 * pow(500.0, (double)b / (double)(budgets > 1 ? budgets - 1 : 1));
        sf_alloc_row row;
        cr_assert_eq(sf_alloc_optimal(law, besiroglu, C, &row, NULL), SF_OK);
        for (size_t k = 0; k < sizes; k++) {
            N[n] = row.params * pow(16.0, (double)k / (double)(sizes - 1) - 0.5);
            D[n] = C / (6.0 * N[n]);
            n++;
        }
    }
    sf_data *d;
    sf_error err;
    cr_assert_eq(sf_simulate(law, besiroglu, N, D, NULL, n, 0.01, seed, &d, &err), SF_OK);
    return d;
}

static sf_fit *fit_of(const sf_law *law, const sf_data *d)
{
    sf_fit *fit;
    sf_error err;
    sf_fit_options o;
    sf_fit_options_init(&o);
    o.threads = 1;
    cr_assert_eq(sf_fit_run(law, d, &o, &fit, &err), SF_OK, "%s", err.message);
    return fit;
}

/* A simulated sweep (see sweep) and its fit; free with free_all. */
static sf_fit *fitted_sweep(size_t budgets, size_t sizes, uint64_t seed, sf_law **law, sf_data **d)
{
    *law = chinchilla();
    *d = sweep(*law, budgets, sizes, seed);
    return fit_of(*law, *d);
}

/* Epoch's 240 rows as Besiroglu et al. kept them (loss < 3.44) and the
 * fit; free with free_all. */
static sf_fit *fitted_epoch(sf_law **law, sf_data **d)
{
    sf_data_options o;
    sf_data_options_init(&o);
    o.filters[0] = "loss<3.44";
    o.n_filters = 1;
    o.required = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D);
    sf_error err;
    cr_assert_eq(sf_data_read(shared_file(EPOCH), &o, d, &err), SF_OK);
    *law = chinchilla();
    return fit_of(*law, *d);
}

/* Draws of fit given as n parameter vectors (sf_draws_from_params). */
static sf_draws *given(const sf_fit *fit, const double *x, size_t n)
{
    sf_draws *dr;
    sf_error err;
    cr_assert_eq(sf_draws_from_params(fit, x, n, &dr, &err), SF_OK, "%s", err.message);
    return dr;
}

static void free_all(sf_fit *fit, sf_data *d, sf_law *law)
{
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}

/* Least-squares parabola L = c0 + c1 u + c2 u^2 in u = log N. */
static void parabola(const double *u, const double *L, size_t n, double c[3])
{
    double S[5] = {0}, T[3] = {0};
    for (size_t i = 0; i < n; i++) {
        double p = 1;
        for (int k = 0; k < 5; k++) {
            S[k] += p;
            if (k < 3) T[k] += p * L[i];
            p *= u[i];
        }
    }
    double M[3][4] = {{S[0], S[1], S[2], T[0]}, {S[1], S[2], S[3], T[1]}, {S[2], S[3], S[4], T[2]}};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++) {
            double f = M[j][i] / M[i][i];
            for (int k = i; k < 4; k++) M[j][k] -= f * M[i][k];
        }
    for (int i = 2; i >= 0; i--) {
        double v = M[i][3];
        for (int k = i + 1; k < 3; k++) v -= M[i][k] * c[k];
        c[i] = v / M[i][i];
    }
}

#define NB 9
#define NS 9
#define NCURVE 60

/* IsoFLOP profiles of a simulated sweep with parabola fits; the last
 * budget's sizes all lie below its optimum, so its minimum sits on the
 * edge. */
typedef struct isoflop_input {
    sf_plot_profile pr[NB];
    double N[NB][NS], L[NB][NS], cN[NB][NCURVE], cL[NB][NCURVE];
} isoflop_input;

static void make_isoflop(isoflop_input *in)
{
    sf_law *law = chinchilla();
    memset(in, 0, sizeof *in);
    for (size_t b = 0; b < NB; b++) {
        double C = 6e18 * pow(500.0, (double)b / (NB - 1));
        sf_alloc_row row;
        cr_assert_eq(sf_alloc_optimal(law, besiroglu, C, &row, NULL), SF_OK);
        double D[NS], u[NS];
        for (size_t k = 0; k < NS; k++) {
            double f = b == NB - 1 ? pow(8.0, (double)k / (NS - 1) - 1.0)
                                   : pow(16.0, (double)k / (NS - 1) - 0.5);
            in->N[b][k] = row.params * f;
            D[k] = C / (6.0 * in->N[b][k]);
        }
        sf_data *d;
        sf_error err;
        cr_assert_eq(sf_simulate(law, besiroglu, in->N[b], D, NULL, NS, 0.005, b, &d, &err), SF_OK);
        for (size_t k = 0; k < NS; k++) {
            in->L[b][k] = d->loss[k];
            u[k] = log(in->N[b][k]);
        }
        sf_data_free(d);
        double c[3];
        parabola(u, in->L[b], NS, c);
        double u0 = u[0] - 0.3, u1 = u[NS - 1] + 0.3;
        for (size_t k = 0; k < NCURVE; k++) {
            double uu = u0 + (u1 - u0) * (double)k / (NCURVE - 1);
            in->cN[b][k] = exp(uu);
            in->cL[b][k] = c[0] + c[1] * uu + c[2] * uu * uu;
        }
        double umin = -c[1] / (2 * c[2]);
        /* The last sweep's fitted minimum lies past its largest size: the
         * plot must mark it; clamp it to the edge as a profile fit that
         * respects its sweep would. */
        if (umin > u[NS - 1]) umin = u[NS - 1];
        sf_plot_profile *p = &in->pr[b];
        p->compute = C;
        p->runs = (sf_plot_series){.n = NS, .x = in->N[b], .y = in->L[b], .value = NAN};
        p->curve = (sf_plot_series){.n = NCURVE, .x = in->cN[b], .y = in->cL[b], .value = NAN};
        p->min_N = exp(umin);
        p->min_loss = c[0] + c[1] * umin + c[2] * umin * umin;
        p->min_N_lo = exp(umin - 0.1);
        p->min_N_hi = exp(umin + 0.1);
    }
    sf_law_free(law);
}

#define NC 7
#define NP 40

/* Training curves: loss along training for 7 model sizes (no noise), and
 * their lower envelope over 50 budgets, computed by interpolating every
 * curve in log-log. */
typedef struct envelope_input {
    sf_plot_series curves[NC], env;
    double C[NC][NP], L[NC][NP], eC[50], eL[50];
    char names[NC][32];
} envelope_input;

static void make_envelope(envelope_input *in)
{
    sf_law *law = chinchilla();
    static const double sizes[NC] = {7e7, 1.6e8, 4e8, 1e9, 2.5e9, 6e9, 1.6e10};
    double cmin = INFINITY, cmax = 0;
    for (size_t k = 0; k < NC; k++) {
        for (size_t i = 0; i < NP; i++) {
            double D = 1e8 * pow(3e11 / 1e8, (double)i / (NP - 1));
            sf_point x = {.N = sizes[k], .D = D};
            cr_assert_eq(sf_law_predict(law, besiroglu, &x, &in->L[k][i]), SF_OK);
            in->C[k][i] = 6.0 * sizes[k] * D;
        }
        cmin = fmin(cmin, in->C[k][0]);
        cmax = fmax(cmax, in->C[k][NP - 1]);
        snprintf(in->names[k], sizeof in->names[k], "N = %g", sizes[k]);
        in->curves[k] = (sf_plot_series){
            .name = in->names[k], .n = NP, .x = in->C[k], .y = in->L[k], .value = sizes[k]};
    }
    for (size_t j = 0; j < 50; j++) {
        double C = cmin * pow(cmax / cmin, (double)j / 49.0), best = INFINITY;
        for (size_t k = 0; k < NC; k++)
            for (size_t i = 0; i + 1 < NP; i++)
                if (C >= in->C[k][i] && C <= in->C[k][i + 1]) {
                    double t = log(C / in->C[k][i]) / log(in->C[k][i + 1] / in->C[k][i]);
                    best = fmin(best, exp((1 - t) * log(in->L[k][i]) + t * log(in->L[k][i + 1])));
                }
        in->eC[j] = C;
        in->eL[j] = best;
    }
    in->env = (sf_plot_series){.name = "envelope", .n = 50, .x = in->eC, .y = in->eL, .value = NAN};
    sf_law_free(law);
}

/* Validation: 40 fitted runs (1% noise) and 6 checkpoints of a 70B target
 * whose actual loss is 1.5% above the law, with +-2% intervals. */
typedef struct validate_input {
    sf_plot_series s[2];
    double fx[64], fy[64], tx[6], ty[6], tlo[6], thi[6];
} validate_input;

static void make_validate(validate_input *in)
{
    sf_law *law = chinchilla();
    sf_data *d = sweep(law, 5, 8, 7);
    for (size_t i = 0; i < d->n; i++) {
        sf_point x = {.N = d->N[i], .D = d->D[i]};
        in->fx[i] = d->loss[i];
        cr_assert_eq(sf_law_predict(law, besiroglu, &x, &in->fy[i]), SF_OK);
    }
    for (size_t i = 0; i < 6; i++) {
        sf_point x = {.N = 7e10, .D = 2e11 * pow(7.0, (double)i / 5.0)};
        cr_assert_eq(sf_law_predict(law, besiroglu, &x, &in->ty[i]), SF_OK);
        in->tx[i] = in->ty[i] * 1.015;
        in->tlo[i] = in->ty[i] * 0.98;
        in->thi[i] = in->ty[i] * 1.02;
    }
    in->s[0] =
        (sf_plot_series){.name = "fitted runs", .n = d->n, .x = in->fx, .y = in->fy, .value = NAN};
    in->s[1] = (sf_plot_series){.name = "target 70B",
                                .n = 6,
                                .x = in->tx,
                                .y = in->ty,
                                .y_lo = in->tlo,
                                .y_hi = in->thi,
                                .value = NAN};
    sf_data_free(d);
    sf_law_free(law);
}

/* Draws of (E, A, B, alpha, beta) with the ridge of the Chinchilla fit:
 * log A moves with alpha (d log A / d alpha = log of a typical N, 20), log
 * B with beta. */
static double *ridge_draws(size_t n, uint64_t seed)
{
    double *v = malloc(n * 5 * sizeof *v);
    cr_assert(v);
    for (size_t b = 0; b < n; b++) {
        sf_rng r;
        sf_rng_seed(&r, seed, b);
        double za = sf_rng_normal(&r), zb = sf_rng_normal(&r);
        double *p = v + b * 5;
        p[0] = besiroglu[0] + 0.025 * sf_rng_normal(&r);
        p[3] = besiroglu[3] + 0.015 * za;
        p[4] = besiroglu[4] + 0.02 * zb;
        p[1] = besiroglu[1] * exp(20.0 * (p[3] - besiroglu[3]) + 0.03 * sf_rng_normal(&r));
        p[2] = besiroglu[2] * exp(24.0 * (p[4] - besiroglu[4]) + 0.03 * sf_rng_normal(&r));
    }
    return v;
}

static const char *const chin_names[5] = {"E", "A", "B", "alpha", "beta"};

/* ---- ticks and labels ------------------------------------------------------ */

static void assert_ticks_fit(const sf_svg_axis *a, int vertical, const sf_svg_ticks *t,
                             const char *what)
{
    double prev = 0, prev_half = 0;
    const sf_svg_label *prev_label = NULL;
    int have = 0;
    for (size_t i = 0; i < t->n; i++) {
        /* Inside the axis to 1e-9 of its span (log: of its log span): a
         * tick that close to an end is at the end pixel. */
        double lo = fmin(a->lo, a->hi), hi = fmax(a->lo, a->hi), v = t->t[i].v;
        double tol = 1e-9 * (a->log ? log(hi / lo) : hi - lo);
        int in = a->log ? v > 0 && log(v / lo) >= -tol && log(hi / v) >= -tol
                        : v >= lo - tol && v <= hi + tol;
        cr_assert(in, "%s: tick %g outside [%g, %g]", what, v, lo, hi);
        if (i) cr_assert(t->t[i].v > t->t[i - 1].v, "%s: ticks out of order", what);
        if (!t->t[i].labelled) continue;
        double pos = sf_svg_map(a, t->t[i].v);
        double half = vertical ? (t->t[i].label.sup[0] ? 0.8 : 0.6) * SF_SVG_FS_TICK
                               : 0.5 * sf_svg_label_width(&t->t[i].label, SF_SVG_FS_TICK);
        if (have) {
            cr_assert(fabs(pos - prev) >= prev_half + half,
                      "%s: labels '%s' and the one before overlap", what, t->t[i].label.text);
            cr_assert(strcmp(t->t[i].label.text, prev_label->text) != 0 ||
                          strcmp(t->t[i].label.sup, prev_label->sup) != 0,
                      "%s: two labels read '%s^%s'", what, t->t[i].label.text, t->t[i].label.sup);
        }
        prev_label = &t->t[i].label;
        have = 1;
        prev = pos;
        prev_half = half;
    }
}

static size_t labelled(const sf_svg_ticks *t)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) k += t->t[i].labelled != 0;
    return k;
}

Test(svg, log_axis_has_decades_and_minor_ticks)
{
    sf_svg_axis a = {.lo = 1e18, .hi = 1e22, .log = 1, .p0 = 80, .p1 = 700};
    sf_svg_ticks t;
    sf_svg_axis_ticks(&a, 0, SF_SVG_FS_TICK, &t);
    size_t majors = 0, minors = 0;
    for (size_t i = 0; i < t.n; i++) {
        if (t.t[i].major) {
            majors++;
            cr_assert(t.t[i].labelled);
            cr_assert_str_eq(t.t[i].label.text, "10");
            char want[8];
            snprintf(want, sizeof want, "%d", (int)lround(log10(t.t[i].v)));
            cr_assert_str_eq(t.t[i].label.sup, want);
        } else {
            minors++;
            cr_assert(!t.t[i].labelled);
        }
    }
    cr_assert_eq(majors, 5);
    cr_assert_eq(minors, 4 * 8, "2..9 x 10^k in each of 4 decades");
    assert_ticks_fit(&a, 0, &t, "1e18..1e22");
}

Test(svg, narrow_log_range_gets_readable_labels)
{
    /* Loss from 2.05 to 3.5: no power of ten inside, labels still. */
    sf_svg_axis a = {.lo = 2.05, .hi = 3.5, .log = 1, .p0 = 350, .p1 = 60};
    sf_svg_ticks t;
    sf_svg_axis_ticks(&a, 1, SF_SVG_FS_TICK, &t);
    cr_assert_geq(labelled(&t), 4);
    for (size_t i = 0; i < t.n; i++)
        if (t.t[i].labelled) cr_assert_str_eq(t.t[i].label.sup, "", "plain numbers, not 10^k");
    assert_ticks_fit(&a, 1, &t, "2.05..3.5");
    /* Two decades: 1, 2, 5 labelled, not only the decades. */
    a = (sf_svg_axis){.lo = 1e9, .hi = 1e11, .log = 1, .p0 = 80, .p1 = 700};
    sf_svg_axis_ticks(&a, 0, SF_SVG_FS_TICK, &t);
    cr_assert_geq(labelled(&t), 5);
    assert_ticks_fit(&a, 0, &t, "1e9..1e11");
}

Test(svg, labels_never_overlap_on_any_axis)
{
    /* 4000 random axes: log and linear, horizontal and vertical, 40 to
     * 1400 px, spans from 1e-5 of the value to 40 decades.  Under valgrind
     * 400 of them: the same code paths, a tenth of the time. */
    const char *vg = getenv("SF_VALGRIND");
    int axes = vg && strcmp(vg, "1") == 0 ? 400 : 4000;
    sf_rng r;
    sf_rng_seed(&r, 2024, 0);
    for (int k = 0; k < axes; k++) {
        int lg = k % 2, vertical = (k / 2) % 2;
        double len = 40 + 1360 * sf_rng_uniform(&r);
        double lo, hi;
        if (lg) {
            double l0 = -30 + 60 * sf_rng_uniform(&r);
            double span = pow(10.0, -4.5 + 6.1 * sf_rng_uniform(&r)); /* decades */
            lo = pow(10.0, l0);
            hi = pow(10.0, l0 + span);
        } else {
            double c = (sf_rng_uniform(&r) - 0.5) * pow(10.0, -8 + 16 * sf_rng_uniform(&r));
            double span = pow(10.0, -8 + 16 * sf_rng_uniform(&r));
            /* Spans below 1e-5 of the values are beyond what doubles
             * resolve in tick arithmetic; no plot pads a range that tight. */
            span = fmax(span, 1e-5 * fabs(c));
            lo = c;
            hi = c + span;
        }
        if (!(hi > lo)) continue;
        sf_svg_axis a = {.lo = lo,
                         .hi = hi,
                         .log = lg,
                         .p0 = vertical ? 40 + len : 40,
                         .p1 = vertical ? 40 : 40 + len};
        sf_svg_ticks t;
        sf_svg_axis_ticks(&a, vertical, SF_SVG_FS_TICK, &t);
        char what[128];
        snprintf(what, sizeof what, "%s %s axis %g..%g over %.0f px", lg ? "log" : "linear",
                 vertical ? "vertical" : "horizontal", lo, hi, len);
        assert_ticks_fit(&a, vertical, &t, what);
        cr_assert_geq(labelled(&t), 1, "%s: no label", what);
        /* Two labels on any axis of 300 px whose values differ in their
         * first three digits (narrower spans may need the whole axis for
         * one long label such as 4.1199×10^-17). */
        int wide = lg ? log10(hi / lo) >= 1e-3 : hi - lo >= 1e-3 * fmax(fabs(lo), fabs(hi));
        if (len >= 300 && wide) cr_assert_geq(labelled(&t), 2, "%s: one label only", what);
    }
}

Test(svg, number_formats)
{
    sf_svg_label l;
    sf_svg_format(2e9, -1, &l);
    cr_assert_str_eq(l.text, "2\xC3\x97"
                             "10");
    cr_assert_str_eq(l.sup, "9");
    sf_svg_format(1e-4, -1, &l);
    cr_assert_str_eq(l.text, "10");
    cr_assert_str_eq(l.sup, "\xE2\x88\x92"
                            "4");
    sf_svg_format(0.35, -1, &l);
    cr_assert_str_eq(l.text, "0.35");
    sf_svg_format(-2.5, 2, &l);
    cr_assert_str_eq(l.text, "\xE2\x88\x92"
                             "2.50");
    sf_svg_format(5000, -1, &l);
    cr_assert_str_eq(l.text, "5000");
    char b[32];
    sf_plot_num(b, sizeof b, 5.76e23);
    cr_assert_str_eq(b, "5.76e+23");
    sf_plot_num(b, sizeof b, 0.0010182740178);
    cr_assert_str_eq(b, "0.001018");
    sf_plot_g(b, sizeof b, 9.99996, 5);
    cr_assert_str_eq(b, "10");
    sf_plot_g(b, sizeof b, 999999.7, 6);
    cr_assert_str_eq(b, "1e+06");
    sf_plot_g(b, sizeof b, -477.82587, 6);
    cr_assert_str_eq(b, "-477.826");
    sf_plot_g(b, sizeof b, NAN, 3);
    cr_assert_str_eq(b, "n/a");
    sf_svg_doc s;
    sf_svg_begin(&s, 10, 10, NULL, NULL);
    s.b.len = 0;
    sf_svg_num(&s, 12.345);
    sf_svg_num(&s, -0.004);
    sf_svg_num(&s, 1e300);
    cr_assert_str_eq(s.b.data, "12.35"
                               "0"
                               "100000");
    sf_buf_free(&s.b);
}

Test(svg, palettes)
{
    cr_assert_str_eq(sf_svg_seq(0).hex, "#440154", "viridis starts dark violet");
    sf_svg_color top = sf_svg_seq(1);
    /* The pale end is cut: the last colour keeps contrast on white. */
    int rr, gg, bb;
    cr_assert_eq(sscanf(top.hex, "#%2x%2x%2x", &rr, &gg, &bb), 3);
    cr_assert_lt(0.2126 * rr + 0.7152 * gg + 0.0722 * bb, 215.0);
    for (size_t i = 0; i < 7; i++)
        for (size_t j = i + 1; j < 7; j++) cr_assert_str_neq(sf_svg_okabe(i), sf_svg_okabe(j));
    /* Luminance increases along the sequential palette (greyscale print). */
    double prev = -1;
    for (int k = 0; k <= 20; k++) {
        cr_assert_eq(sscanf(sf_svg_seq(k / 20.0).hex, "#%2x%2x%2x", &rr, &gg, &bb), 3);
        double lum = 0.2126 * rr + 0.7152 * gg + 0.0722 * bb;
        cr_assert_gt(lum, prev);
        prev = lum;
    }
}

Test(svg, text_is_escaped)
{
    sf_law *law;
    sf_data *d;
    sf_fit *fit = fitted_sweep(4, 6, 1, &law, &d);
    sf_plot_options o;
    sf_plot_options_init(&o);
    o.title = "a<b & \"c\" 'd' \x01";
    char *svg;
    sf_error err;
    cr_assert_eq(sf_plot_fit(fit, d, &o, &svg, &err), SF_OK);
    assert_svg(svg);
    cr_assert(strstr(svg, "a&lt;b &amp; &quot;c&quot; &#39;d&#39; "));
    free(svg);
    free_all(fit, d, law);
}

/* ---- the fit plot -------------------------------------------------------- */

Test(plot, fit_plot_of_a_simulated_sweep)
{
    sf_law *law;
    sf_data *d;
    sf_fit *fit = fitted_sweep(9, 9, 3, &law, &d);
    static const int xs[3] = {SF_ROLE_C, SF_ROLE_N, SF_ROLE_D};
    for (int k = 0; k < 3; k++) {
        sf_plot_options o;
        sf_plot_options_init(&o);
        o.x = xs[k];
        char *svg, *again;
        sf_error err;
        cr_assert_eq(sf_plot_fit(fit, d, &o, &svg, &err), SF_OK, "%s", err.message);
        assert_readable(svg, 800, 500, "fit plot");
        /* Every run in the main panel and in the residuals, plus one
         * legend sample. */
        cr_assert_eq(count(svg, "<circle"), 2 * d->n + 1, "x = %s", sf_role_name((sf_role)xs[k]));
        cr_assert(strstr(svg, "compute-optimal frontier"));
        cr_assert(strstr(svg, k == 1 ? "fitted law at fixed C" : "fitted law at fixed N"));
        cr_assert(strstr(svg, k == 0   ? ">training compute C (FLOPs)<"
                              : k == 1 ? ">parameters N<"
                                       : ">training tokens D<"));
        /* 9 model sizes: 9 fixed-N curves (each solid and faint). */
        if (k != 1) cr_assert_geq(count(svg, "<path fill=\"none\""), 9);
        cr_assert_eq(sf_plot_fit(fit, d, &o, &again, &err), SF_OK);
        cr_assert_str_eq(svg, again, "the same input draws the same bytes");
        free(svg);
        free(again);
    }
    free_all(fit, d, law);
}

Test(plot, fit_plot_of_epoch_data)
{
    sf_law *law;
    sf_data *d;
    sf_fit *fit = fitted_epoch(&law, &d);
    sf_error err;
    char *svg;
    cr_assert_eq(sf_plot_fit(fit, d, NULL, &svg, &err), SF_OK);
    assert_readable(svg, 800, 500, "Epoch fit plot");
    cr_assert_eq(count(svg, "<circle"), 2 * 240 + 1);
    cr_assert(strstr(svg, "svg_extracted_data.csv: 240 runs, R\xC2\xB2 = 0.9942"),
              "R^2 of Besiroglu's fit (cf. fit JSON r2 in docs/json.md)");
    cr_assert(strstr(svg, "L = E + A/N^\xCE\xB1 + B/D^\xCE\xB2"));
    free(svg);
    sf_plot_options po;
    sf_plot_options_init(&po);
    po.width = 1200;
    po.height = 700;
    cr_assert_eq(sf_plot_fit(fit, d, &po, &svg, &err), SF_OK);
    assert_readable(svg, 1200, 700, "large fit plot");
    cr_assert(strstr(svg, "width=\"1200\" height=\"700\""));
    free(svg);
    po.width = 480;
    po.height = 320;
    cr_assert_eq(sf_plot_fit(fit, d, &po, &svg, &err), SF_OK);
    assert_readable(svg, 480, 320, "small fit plot");
    free(svg);
    free_all(fit, d, law);
}

/* A law of N alone, L = E + A/N^alpha, and one of N and U, to reach the
 * fit plot's other modes (the catalogue has only chinchilla so far). */
enum { TP_E, TP_A, TP_ALPHA, TP_B, TP_BETA };

static int tp_setup(sf_law *law, sf_error *err)
{
    (void)err;
    sf_law_add_param(law, "E", SF_SCALE_LOG, 0, INFINITY);
    sf_law_add_param(law, "A", SF_SCALE_LOG, 0, INFINITY);
    sf_law_add_param(law, "alpha", SF_SCALE_LINEAR, 0, 5);
    law->roles |= SF_ROLE_BIT(SF_ROLE_N);
    if (strcmp(law->cls->name, "test_nu") == 0) {
        sf_law_add_param(law, "B", SF_SCALE_LOG, 0, INFINITY);
        sf_law_add_param(law, "beta", SF_SCALE_LINEAR, 0, 5);
        law->roles |= SF_ROLE_BIT(SF_ROLE_U);
    }
    return SF_OK;
}

static void tp_eval(const sf_law *law, const double *th, const sf_obs *x, double *logy, double *jac)
{
    (void)jac;
    for (size_t i = 0; i < x->n; i++) {
        double L = exp(th[TP_E]) + exp(th[TP_A] - th[TP_ALPHA] * x->log[SF_ROLE_N][i]);
        if (law->n_params > 3) L += exp(th[TP_B] - th[TP_BETA] * x->log[SF_ROLE_U][i]);
        logy[i] = log(L);
    }
}

static const sf_law_class test_n = {
    .name = "test_n", .formula = "L = E + A/N^alpha", .setup = tp_setup, .eval = tp_eval};
static const sf_law_class test_nu = {.name = "test_nu",
                                     .formula = "L = E + A/N^alpha + B/U^beta",
                                     .setup = tp_setup,
                                     .eval = tp_eval};

static sf_law *test_law(const sf_law_class *c)
{
    sf_law *law = calloc(1, sizeof *law);
    cr_assert(law);
    law->cls = c;
    sf_law_options_init(&law->opt);
    law->roles = SF_ROLE_BIT(SF_ROLE_LOSS);
    cr_assert_eq(c->setup(law, NULL), SF_OK);
    return law;
}

Test(plot, fit_plot_of_other_laws)
{
    double N[12], D[12], U[12];
    for (int i = 0; i < 12; i++) {
        N[i] = 1e8 * pow(2.0, i);
        D[i] = 20 * N[i];
        U[i] = D[i] / (1 + i % 3);
    }
    /* One variable: the single curve against N; against C it refuses. */
    sf_law *law = test_law(&test_n);
    double p[5] = {1.7, 400, 0.34, 0, 0};
    sf_data *d;
    sf_error err;
    cr_assert_eq(sf_simulate(law, p, N, D, NULL, 12, 0.01, 1, &d, &err), SF_OK);
    sf_fit *fit;
    cr_assert_eq(sf_fit_from_params(law, p, &fit), SF_OK);
    char *svg;
    cr_assert_eq(sf_plot_fit(fit, d, NULL, &svg, &err), SF_OK, "%s", err.message);
    assert_readable(svg, 800, 500, "one-variable law");
    cr_assert(strstr(svg, ">parameters N<") && strstr(svg, "fitted law"));
    cr_assert(!strstr(svg, "frontier"), "no allocation for a law of N alone");
    free(svg);
    sf_plot_options o;
    sf_plot_options_init(&o);
    o.x = SF_ROLE_C;
    cr_assert_eq(sf_plot_fit(fit, d, &o, &svg, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "reads only N"), "%s", err.message);
    cr_assert_null(svg);
    free_all(fit, d, law);

    /* N and U: no curve along one axis; predictions at the runs. */
    law = test_law(&test_nu);
    double q[5] = {1.7, 400, 0.34, 900, 0.3};
    cr_assert_eq(sf_simulate(law, q, N, D, U, 12, 0.01, 1, &d, &err), SF_OK);
    cr_assert_eq(sf_fit_from_params(law, q, &fit), SF_OK);
    cr_assert_eq(sf_plot_fit(fit, d, NULL, &svg, &err), SF_OK, "%s", err.message);
    assert_readable(svg, 800, 500, "law of N and U");
    cr_assert(strstr(svg, "fitted law at each run"));
    cr_assert_eq(count(svg, "fill=\"none\" stroke=\"#000000\" stroke-width=\"1\" opacity"), 12,
                 "a hollow prediction per run");
    free(svg);
    free_all(fit, d, law);
}

Test(plot, fit_plot_errors)
{
    sf_law *law;
    sf_data *d;
    sf_fit *fit = fitted_sweep(3, 5, 2, &law, &d);
    sf_plot_options o;
    sf_plot_options_init(&o);
    char *svg = (char *)1;
    sf_error err;
    o.x = SF_ROLE_LOSS;
    cr_assert_eq(sf_plot_fit(fit, d, &o, &svg, &err), SF_EINVAL);
    cr_assert_null(svg);
    sf_plot_options_init(&o);
    o.width = 100;
    cr_assert_eq(sf_plot_fit(fit, d, &o, &svg, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "100 x 500"), "%s", err.message);
    sf_plot_options_init(&o);
    o.id = "9bad id";
    cr_assert_eq(sf_plot_fit(fit, d, &o, &svg, &err), SF_EINVAL);
    sf_plot_options_init(&o);
    o.level = 1.0;
    cr_assert_eq(sf_plot_fit(fit, d, &o, &svg, &err), SF_EINVAL);
    cr_assert_eq(sf_plot_fit(fit, NULL, NULL, &svg, &err), SF_EINVAL);
    sf_data *empty;
    cr_assert_eq(sf_data_new(0,
                             SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D) |
                                 SF_ROLE_BIT(SF_ROLE_C) | SF_ROLE_BIT(SF_ROLE_LOSS),
                             &empty),
                 SF_OK);
    cr_assert_eq(sf_plot_fit(fit, empty, NULL, &svg, &err), SF_ENODATA);
    sf_data_free(empty);
    /* The id prefix names the clip paths, so two plots share a page. */
    sf_plot_options_init(&o);
    o.id = "fig-2";
    cr_assert_eq(sf_plot_fit(fit, d, &o, &svg, &err), SF_OK);
    cr_assert(strstr(svg, "id=\"fig-2-clip0\"") && strstr(svg, "url(#fig-2-clip0)"));
    cr_assert(!strstr(svg, "\"sf-clip"));
    free(svg);
    free_all(fit, d, law);
}

/* ---- the allocation plot -------------------------------------------------- */

Test(plot, allocation_plot)
{
    sf_law *law = chinchilla();
    sf_fit *fit;
    cr_assert_eq(sf_fit_from_params(law, besiroglu, &fit), SF_OK);
    sf_alloc_row rows[3];
    static const double C[3] = {1e21, 5.76e23, 1e25};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(sf_alloc_optimal(law, besiroglu, C[i], &rows[i], NULL), SF_OK);
    char *svg;
    sf_error err;
    cr_assert_eq(sf_plot_optimal(fit, NULL, rows, 3, NULL, &svg, &err), SF_OK, "%s",
                 err.message);
    assert_readable(svg, 800, 500, "allocation plot");
    /* a = beta/(alpha+beta) for Besiroglu's fit = 0.5126; the slope the
     * subtitle gives is read off the curve. */
    char want[64];
    char a[16];
    sf_plot_num(a, sizeof a, besiroglu[4] / (besiroglu[3] + besiroglu[4]));
    snprintf(want, sizeof want, "N \xE2\x88\x9D C^%s", a);
    cr_assert(strstr(svg, want), "expected '%s'", want);
    cr_assert(!strstr(svg, "band"), "no draws, no band");
    /* Tokens per parameter written at each budget (17.96 at 5.76e23
     * for this law). */
    char r[16];
    sf_plot_num(r, sizeof r, rows[1].tokens_per_param);
    snprintf(want, sizeof want, ">%s<", r);
    cr_assert(strstr(svg, want), "expected the ratio %s", r);
    free(svg);

    /* With draws: bands of N, D and D/N. */
    double *dr = ridge_draws(300, 5);
    sf_plot_options o;
    sf_plot_options_init(&o);
    o.level = 0.9;
    sf_draws *gd = given(fit, dr, 300);
    cr_assert_eq(sf_plot_optimal(fit, gd, rows, 3, &o, &svg, &err), SF_OK);
    sf_draws_free(gd);
    assert_readable(svg, 800, 500, "allocation plot with bands");
    cr_assert_eq(count(svg, "fill-opacity=\"0.2\""), 3);
    cr_assert(strstr(svg, "90% band over the draws") && strstr(svg, "of 300 draws"));
    free(svg);

    /* A range and no budgets; no range and no budgets is an error. */
    o.x_min = 1e18;
    o.x_max = 1e24;
    cr_assert_eq(sf_plot_optimal(fit, NULL, NULL, 0, &o, &svg, &err), SF_OK);
    assert_readable(svg, 800, 500, "allocation plot without budgets");
    cr_assert(strstr(svg, ">10<tspan") && strstr(svg, ">18</tspan>"), "the range starts at 10^18");
    free(svg);
    cr_assert_eq(sf_plot_optimal(fit, NULL, NULL, 0, NULL, &svg, &err), SF_EINVAL);
    cr_assert_eq(sf_plot_optimal(fit, NULL, NULL, 2, NULL, &svg, &err), SF_EINVAL);
    free(dr);
    sf_fit_free(fit);
    sf_law_free(law);
}

/* ---- plots over plain inputs ---------------------------------------------- */

Test(plot, isoflop_profiles)
{
    static isoflop_input in;
    make_isoflop(&in);
    char *svg;
    sf_error err;
    cr_assert_eq(sf_plot_isoflop(in.pr, NB, NULL, NULL, &svg, &err), SF_OK, "%s", err.message);
    assert_readable(svg, 800, 500, "isoflop plot");
    cr_assert_eq(count(svg, "<circle"), NB * NS + 1, "every run, and a legend sample");
    cr_assert(strstr(svg, "1 minimum at the edge of its sweep"), "the last sweep's minimum");
    cr_assert(strstr(svg, "minimum at the sweep&#39;s edge"));
    cr_assert(strstr(svg, "compute C (FLOPs)"), "colour bar");
    free(svg);
    /* Errors. */
    in.pr[2].compute = -1;
    cr_assert_eq(sf_plot_isoflop(in.pr, NB, NULL, NULL, &svg, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "profile 3"), "%s", err.message);
    in.pr[2].compute = 1e20;
    in.pr[2].runs.x = NULL;
    cr_assert_eq(sf_plot_isoflop(in.pr, NB, NULL, NULL, &svg, &err), SF_EINVAL);
    cr_assert_eq(sf_plot_isoflop(in.pr, 0, NULL, NULL, &svg, &err), SF_ENODATA);
}

Test(plot, training_curves_and_envelope)
{
    static envelope_input in;
    make_envelope(&in);
    char *svg;
    sf_error err;
    cr_assert_eq(sf_plot_envelope(in.curves, NC, &in.env, NULL, NULL, &svg, &err), SF_OK);
    assert_readable(svg, 800, 500, "envelope plot");
    cr_assert(strstr(svg, "training curves (colour: N)") && strstr(svg, "parameters N"));
    cr_assert_eq(count(svg, "stroke-width=\"2.6\""), 2, "the envelope and its legend sample");
    free(svg);
    /* Without values: named curves in a legend, Okabe-Ito colours. */
    for (size_t k = 0; k < NC; k++) in.curves[k].value = NAN;
    cr_assert_eq(sf_plot_envelope(in.curves, 5, NULL, NULL, NULL, &svg, &err), SF_OK);
    assert_readable(svg, 800, 500, "named curves");
    cr_assert(strstr(svg, ">N = 1e+09<") && strstr(svg, sf_svg_okabe(4)));
    free(svg);
    cr_assert_eq(sf_plot_envelope(NULL, 0, NULL, NULL, NULL, &svg, &err), SF_ENODATA);
}

/* Least squares of log y on log x over the points not left out: the
 * power law y = k x^a. */
static sf_powerlaw loglog_fit(const double *x, const double *y, const int *out, size_t n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        if (out[i] || !isfinite(y[i])) continue;
        double u = log(x[i]), v = log(y[i]);
        sx += u;
        sy += v;
        sxx += u * u;
        sxy += u * v;
        m++;
    }
    double a = (m * sxy - sx * sy) / (m * sxx - sx * sx);
    return (sf_powerlaw){
        .k = exp((sy - a * sx) / m), .exponent = a, .lo = a - 0.02, .hi = a + 0.02, .n = (size_t)m};
}

/* The exponent as the N_opt panel writes it: "C" then a raised 0.513. */
static int has_exponent(const char *svg, double a)
{
    char want[64];
    snprintf(want, sizeof want, ">N_opt \xE2\x88\x9D C<tspan dy=\"-4.8\" font-size=\"9\">%.3f<", a);
    return strstr(svg, want) != NULL;
}

Test(plot, isoflop_left_out_budgets_and_optimum_panel)
{
    static isoflop_input in;
    make_isoflop(&in);
    /* Budget 1 keeps 2 sizes (too few for a profile); the last one's
     * minimum is at its sweep's edge (make_isoflop). */
    in.pr[0].runs.n = 2;
    in.pr[0].curve.n = 0;
    in.pr[0].min_N = in.pr[0].min_loss = NAN;
    in.pr[0].left_out = SF_APPROACH_FEW_SIZES;
    in.pr[NB - 1].left_out = SF_APPROACH_EDGE;
    double x[NB], y[NB], lo[NB], hi[NB];
    int out[NB];
    for (size_t b = 1; b < NB; b++) {
        x[b - 1] = in.pr[b].compute;
        y[b - 1] = in.pr[b].min_N;
        lo[b - 1] = in.pr[b].min_N_lo;
        hi[b - 1] = in.pr[b].min_N_hi;
        out[b - 1] = in.pr[b].left_out != 0;
    }
    sf_plot_optimum po = {
        .N = {.n = NB - 1, .x = x, .y = y, .y_lo = lo, .y_hi = hi, .value = NAN, .left_out = out},
        .fit = loglog_fit(x, y, out, NB - 1),
        .level = 0.95};
    char *svg, *again;
    sf_error err;
    cr_assert_eq(sf_plot_isoflop(in.pr, NB, &po, NULL, &svg, &err), SF_OK, "%s", err.message);
    assert_readable(svg, 800, 500, "isoflop plot with left-out budgets");
    cr_assert(strstr(svg, "9 budgets, 74 runs; 2 left out of the fit (hollow): 1 edge minimum, "
                          "1 with too few sizes"),
              "the subtitle counts the budgets left out and says why");
    /* The 2 + 9 runs of the budgets left out as rings; the other 63
     * filled (and one legend sample). */
    cr_assert_eq(count(svg, "r=\"3.4\" fill=\"#ffffff\""), 11);
    cr_assert_eq(count(svg, "r=\"3.6\""), 63);
    cr_assert(strstr(svg, "budget left out of the fit (hollow)"));
    /* N_opt panel: 8 minima, the edge one hollow; the fitted line, dashed
     * across and solid over the budgets in the fit; its exponent. */
    cr_assert(strstr(svg, ">optimal N (parameters)<"));
    cr_assert_eq(count(svg, "fill=\"#ffffff\" stroke=\"#000000\" stroke-width=\"1.6\""), 1);
    cr_assert_eq(count(svg, "stroke=\"#D55E00\""), 3, "dashed fit, solid fit, the note's box");
    cr_assert(has_exponent(svg, po.fit.exponent), "a = %.3f written in the panel",
              po.fit.exponent);
    char ci[64];
    snprintf(ci, sizeof ci, "95%%: [%.3f, %.3f]", po.fit.lo, po.fit.hi);
    cr_assert(strstr(svg, ci), "%s", ci);
    /* Besiroglu's law: a = beta/(alpha+beta) = 0.5127; the minima of 1%-noise
     * parabolas over 16x spans recover it to a few hundredths. */
    cr_assert(fabs(po.fit.exponent - 0.36585 / (0.34781 + 0.36585)) < 0.03, "a = %.4f",
              po.fit.exponent);
    cr_assert_eq(sf_plot_isoflop(in.pr, NB, &po, NULL, &again, &err), SF_OK);
    cr_assert_str_eq(svg, again, "the same input draws the same bytes");
    free(again);
    free(svg);
    /* Narrow plots and large ones; under 760 px no N_opt panel. */
    static const int sizes[4][2] = {{480, 320}, {640, 400}, {760, 480}, {1200, 700}};
    for (int k = 0; k < 4; k++) {
        sf_plot_options o;
        sf_plot_options_init(&o);
        o.width = sizes[k][0];
        o.height = sizes[k][1];
        cr_assert_eq(sf_plot_isoflop(in.pr, NB, &po, &o, &svg, &err), SF_OK);
        assert_readable(svg, o.width, o.height, "isoflop plot at another size");
        cr_assert_eq(strstr(svg, "optimal N (parameters)") != NULL, o.width >= 760);
        free(svg);
    }
    /* Without the panel, the dashed line joins the 7 minima in the fit. */
    cr_assert_eq(sf_plot_isoflop(in.pr, NB, NULL, NULL, &svg, &err), SF_OK);
    cr_assert(strstr(svg, "minima across budgets") && !strstr(svg, "N_opt"));
    free(svg);
    po.N.x = NULL;
    cr_assert_eq(sf_plot_isoflop(in.pr, NB, &po, NULL, &svg, &err), SF_EINVAL);
    cr_assert(strstr(err.message, "no x or y"), "%s", err.message);
}

Test(plot, envelope_left_out_points_and_optimum_panel)
{
    static envelope_input in;
    make_envelope(&in);
    /* The winning size at each compute, and the first and last 10 values
     * left out (as edges would be). */
    double win[50];
    int out[50];
    for (size_t j = 0; j < 50; j++) {
        double best = INFINITY;
        win[j] = NAN;
        for (size_t k = 0; k < NC; k++)
            for (size_t i = 0; i + 1 < NP; i++)
                if (in.eC[j] >= in.C[k][i] && in.eC[j] <= in.C[k][i + 1]) {
                    double t = log(in.eC[j] / in.C[k][i]) / log(in.C[k][i + 1] / in.C[k][i]);
                    double L = exp((1 - t) * log(in.L[k][i]) + t * log(in.L[k][i + 1]));
                    if (L < best) {
                        best = L;
                        win[j] = in.curves[k].value;
                    }
                }
        out[j] = j < 10 || j >= 40;
    }
    in.env.left_out = out;
    sf_plot_optimum po = {.N = {.n = 50, .x = in.eC, .y = win, .value = NAN, .left_out = out},
                          .fit = loglog_fit(in.eC, win, out, 50),
                          .level = 0.9};
    po.fit.lo = po.fit.hi = NAN;
    char *svg;
    sf_error err;
    cr_assert_eq(sf_plot_envelope(in.curves, NC, &in.env, &po, NULL, &svg, &err), SF_OK, "%s",
                 err.message);
    assert_readable(svg, 800, 500, "envelope plot with left-out points");
    cr_assert(strstr(svg, "7 curves; the envelope is the lowest loss reached at each compute; 20 "
                          "of its 50 points left out of the fit (hollow)"));
    cr_assert(strstr(svg, ">in the fit of N_opt(C)<") && strstr(svg, ">left out of the fit<"));
    /* 50 points are far enough apart to be marked: 20 hollow in each
     * panel. */
    cr_assert_eq(count(svg, "r=\"2.6\" fill=\"#ffffff\""), 40);
    cr_assert(has_exponent(svg, po.fit.exponent));
    cr_assert(!strstr(svg, "90%"), "no interval given, none written");
    cr_assert_eq(count(svg, "stroke-width=\"3\""), 1, "one stretch of the envelope in the fit");
    free(svg);
    static const int sizes[3][2] = {{480, 320}, {760, 480}, {1200, 700}};
    for (int k = 0; k < 3; k++) {
        sf_plot_options o;
        sf_plot_options_init(&o);
        o.width = sizes[k][0];
        o.height = sizes[k][1];
        cr_assert_eq(sf_plot_envelope(in.curves, NC, &in.env, &po, &o, &svg, &err), SF_OK);
        assert_readable(svg, o.width, o.height, "envelope plot at another size");
        cr_assert_eq(strstr(svg, "optimal N (parameters)") != NULL, o.width >= 760);
        free(svg);
    }
}

/* An IsoFLOP sweep from Besiroglu's law (0.5% noise) with budgets that
 * `scalefit isoflop` leaves out: 7 budgets of 9 sizes around the optimum
 * (6e18 to 5.4e20 FLOPs), one of 9 sizes all well below its optimum (the
 * lowest loss at the largest size: an edge) and one of 2 sizes: 74 runs. */
static sf_data *odd_sweep(void)
{
    sf_law *law = chinchilla();
    double N[81], D[81];
    size_t n = 0;
    for (size_t b = 0; b < 9; b++) {
        double C = 6e18 * pow(3.0, (double)b);
        sf_alloc_row row;
        cr_assert_eq(sf_alloc_optimal(law, besiroglu, C, &row, NULL), SF_OK);
        size_t m = b == 8 ? 2 : 9;
        for (size_t k = 0; k < m; k++) {
            double f = b == 8   ? (k ? 2.0 : 0.5)
                       : b == 7 ? pow(6.0, (double)k / 8.0) / 20.0
                                : pow(16.0, (double)k / 8.0 - 0.5);
            N[n] = row.params * f;
            D[n] = C / (6.0 * N[n]);
            n++;
        }
    }
    sf_data *d;
    sf_error err;
    cr_assert_eq(sf_simulate(law, besiroglu, N, D, NULL, n, 0.005, 11, &d, &err), SF_OK);
    sf_law_free(law);
    return d;
}

/* Training curves from Besiroglu's law (1% noise): 8 runs from 5e7 to 5e9
 * parameters, each with 25 checkpoints from 2e8 tokens to 60 tokens per
 * parameter; the run id in the group role. */
static sf_data *noisy_curves(void)
{
    sf_law *law = chinchilla();
    double N[200], D[200];
    for (size_t r = 0; r < 8; r++)
        for (size_t p = 0; p < 25; p++) {
            N[r * 25 + p] = 5e7 * pow(100.0, (double)r / 7.0);
            D[r * 25 + p] = 2e8 * pow(60.0 * N[r * 25 + p] / 2e8, (double)p / 24.0);
        }
    sf_data *d;
    sf_error err;
    cr_assert_eq(sf_simulate(law, besiroglu, N, D, NULL, 200, 0.01, 5, &d, &err), SF_OK);
    sf_law_free(law);
    d->group = calloc(200, sizeof *d->group);
    d->group_names = calloc(8, sizeof *d->group_names);
    cr_assert(d->group && d->group_names);
    d->n_groups = 8;
    for (size_t r = 0; r < 8; r++) {
        char name[32];
        snprintf(name, sizeof name, "run %zu", r + 1);
        d->group_names[r] = strdup(name);
    }
    for (size_t i = 0; i < 200; i++) d->group[i] = (int)(i / 25);
    d->roles |= SF_ROLE_BIT(SF_ROLE_GROUP);
    return d;
}

/* The plots of isoflop and envelope results: what the tables say is left
 * out is what is drawn hollow, and the panel's exponent is the fit's. */
Test(plot, plots_of_isoflop_and_envelope_results)
{
    sf_data *d = odd_sweep();
    sf_isoflop_options io;
    sf_isoflop_options_init(&io);
    io.bootstrap = 50;
    io.threads = 1;
    sf_isoflop *r;
    sf_error err;
    cr_assert_eq(sf_isoflop_run(d, &io, &r, &err), SF_OK, "%s", err.message);
    size_t rings = 0, edge = 0, few = 0;
    for (size_t b = 0; b < sf_isoflop_n_budgets(r); b++) {
        const sf_isoflop_budget *B = sf_isoflop_budget_at(r, b);
        if (B->used) continue;
        rings += B->n_points;
        edge += (B->flags & SF_APPROACH_EDGE) != 0;
        few += (B->flags & SF_APPROACH_FEW_SIZES) != 0;
    }
    cr_assert_eq(sf_isoflop_n_budgets(r), 9u);
    cr_assert(edge == 1 && few == 1 && rings == 11, "the sweep's odd budgets are left out");
    char *svg;
    cr_assert_eq(sf_isoflop_svg(r, d, NULL, &svg, &err), SF_OK, "%s", err.message);
    assert_readable(svg, 800, 500, "sf_isoflop_svg");
    cr_assert(strstr(svg, "<title>IsoFLOP profiles</title>"), "simulated rows: no file to name");
    cr_assert_eq(count(svg, "r=\"3.4\" fill=\"#ffffff\""), rings);
    cr_assert(strstr(svg, "2 left out of the fit (hollow): 1 edge minimum, 1 with too few sizes"));
    const sf_powerlaw *a = sf_isoflop_powerlaw(r, SF_OPTIMUM_N);
    cr_assert(has_exponent(svg, a->exponent));
    char ci[64];
    snprintf(ci, sizeof ci, "95%%: [%.3f, %.3f]", a->lo, a->hi);
    cr_assert(strstr(svg, ci), "%s", ci);
    free(svg);
    sf_isoflop_free(r);
    sf_data_free(d);

    d = noisy_curves();
    sf_envelope_options eo;
    sf_envelope_options_init(&eo);
    eo.bootstrap = 0;
    sf_envelope *e;
    cr_assert_eq(sf_envelope_run(d, &eo, &e, &err), SF_OK, "%s", err.message);
    size_t left = 0;
    for (size_t k = 0; k < sf_envelope_n_points(e); k++) left += !sf_envelope_point_at(e, k)->used;
    cr_assert(left > 0 && left < 200);
    sf_plot_options o;
    sf_plot_options_init(&o);
    o.title = "8 runs";
    cr_assert_eq(sf_envelope_svg(e, d, &o, &svg, &err), SF_OK, "%s", err.message);
    assert_readable(svg, 800, 500, "sf_envelope_svg");
    cr_assert(strstr(svg, "<title>8 runs</title>"));
    char want[96];
    snprintf(want, sizeof want, "8 curves; the envelope is the lowest loss reached at each "
                                "compute; %zu of its 200 points left out", left);
    cr_assert(strstr(svg, want), "%s", want);
    cr_assert(has_exponent(svg, sf_envelope_powerlaw(e, SF_OPTIMUM_N)->exponent));
    cr_assert(!strstr(svg, "95%"), "no resamples, no interval");
    free(svg);
    sf_envelope_free(e);
    sf_data_free(d);
    cr_assert_eq(sf_isoflop_svg(NULL, NULL, NULL, &svg, &err), SF_EINVAL);
}

Test(plot, predicted_against_actual)
{
    static validate_input in;
    make_validate(&in);
    char *svg;
    sf_error err;
    cr_assert_eq(sf_plot_validate(in.s, 2, NULL, &svg, &err), SF_OK, "%s", err.message);
    assert_readable(svg, 800, 500, "validation plot");
    /* The target is 1.5% above its prediction: |error| = 1 - 1/1.015. */
    char e[16], want[96];
    sf_plot_g(e, sizeof e, 100.0 * (1.0 - 1.0 / 1.015), 2);
    snprintf(want, sizeof want, "target 70B (6): mean |error| %s%%", e);
    cr_assert(strstr(svg, want), "expected '%s'", want);
    cr_assert(strstr(svg, "bars: prediction intervals"));
    free(svg);
    sf_plot_series too_many[8];
    for (int k = 0; k < 8; k++) too_many[k] = in.s[0];
    cr_assert_eq(sf_plot_validate(too_many, 8, NULL, &svg, &err), SF_EINVAL);
}

Test(plot, pairwise_draws)
{
    double *dr = ridge_draws(2000, 9);
    char *svg;
    sf_error err;
    cr_assert_eq(sf_plot_pairs(dr, 2000, 5, chin_names, besiroglu, NULL, 0, NULL, &svg, &err),
                 SF_OK, "%s", err.message);
    assert_readable(svg, 800, 500, "pairs plot");
    /* Default pairs: alpha against beta, A against alpha, B against beta. */
    cr_assert(strstr(svg, "\xCE\xB1 against \xCE\xB2:"));
    cr_assert(strstr(svg, "A against \xCE\xB1:"));
    cr_assert(strstr(svg, "B against \xCE\xB2:"));
    cr_assert_eq(count(svg, "<circle"), 3 * 2000);
    /* log A = 20 alpha + small noise: the correlation is near 1 and the
     * label gives the computed value. */
    double *x = malloc(2000 * sizeof *x), *y = malloc(2000 * sizeof *y);
    for (size_t b = 0; b < 2000; b++) {
        x[b] = dr[b * 5 + 3];
        y[b] = log(dr[b * 5 + 1]);
    }
    char r[16], want[64];
    sf_svg_fixed(r, sizeof r, sf_plot_corr(x, y, 2000), 3, "-");
    snprintf(want, sizeof want, "A against \xCE\xB1:  r = %s<", r);
    cr_assert(strstr(svg, want), "expected '%s'", want);
    cr_assert_gt(sf_plot_corr(x, y, 2000), 0.99);
    free(svg);
    /* Explicit pairs, a 2x2 grid; errors. */
    size_t pairs[8] = {0, 1, 0, 2, 3, 4, 1, 2};
    cr_assert_eq(sf_plot_pairs(dr, 2000, 5, chin_names, NULL, pairs, 4, NULL, &svg, &err), SF_OK);
    assert_readable(svg, 800, 500, "2x2 pairs plot");
    free(svg);
    pairs[3] = 5;
    cr_assert_eq(sf_plot_pairs(dr, 2000, 5, chin_names, NULL, pairs, 4, NULL, &svg, &err),
                 SF_EINVAL);
    cr_assert_eq(sf_plot_pairs(dr, 1, 5, chin_names, NULL, NULL, 0, NULL, &svg, &err), SF_ENODATA);
    free(x);
    free(y);
    free(dr);
}

/* A simulated sweep's fit with K bootstrap draws (warm starts, one
 * thread), alpha held at Besiroglu's value when fix_alpha; free with
 * free_all. */
static sf_fit *bootstrapped_sweep(size_t K, int fix_alpha, sf_law **law, sf_data **d,
                                  sf_draws **draws)
{
    *law = chinchilla();
    *d = sweep(*law, 5, 7, 21);
    sf_fit_options o;
    sf_fit_options_init(&o);
    o.threads = 1;
    if (fix_alpha) cr_assert_eq(sf_fit_options_fix(&o, "alpha", besiroglu[3]), SF_OK);
    sf_fit *fit;
    sf_error err;
    cr_assert_eq(sf_fit_run(*law, *d, &o, &fit, &err), SF_OK, "%s", err.message);
    sf_bootstrap_options bo;
    sf_bootstrap_options_init(&bo);
    bo.resamples = K;
    bo.warm = 1;
    cr_assert_eq(sf_fit_bootstrap(fit, *d, &bo, draws, &err), SF_OK, "%s", err.message);
    return fit;
}

/* The number after `label` in text (the U+2212 minus read as '-'). */
static double number_after(const char *text, const char *label)
{
    const char *p = strstr(text, label);
    cr_assert(p, "no '%s'", label);
    p += strlen(label);
    double sign = 1;
    if (strncmp(p, "\xE2\x88\x92", 3) == 0) {
        sign = -1;
        p += 3;
    }
    char *end;
    double v = strtod(p, &end);
    cr_assert(end > p, "no number after '%s'", label);
    return sign * v;
}

Test(plot, pairs_of_a_fits_draws)
{
    sf_law *law;
    sf_data *d;
    sf_draws *dr;
    sf_fit *fit = bootstrapped_sweep(10, 0, &law, &d, &dr);
    size_t n = sf_draws_count(dr);
    cr_assert_gt(n, 5);
    char *svg;
    sf_error err;
    cr_assert_eq(sf_fit_draws_svg(dr, d, NULL, &svg, &err), SF_OK, "%s", err.message);
    assert_readable(svg, 800, 500, "bootstrap pairs");
    cr_assert(strstr(svg, "<title>Bootstrap draws of chinchilla, pairwise</title>"), "%.300s", svg);
    char want[96];
    snprintf(want, sizeof want, ">%zu draws; ", n);
    cr_assert(strstr(svg, want), "%s", want);
    cr_assert_eq(count(svg, "<circle"), 3 * n, "three panels, every draw");
    /* The law's scales: E, A, B on log axes, the exponents linear; the
     * correlation in each panel is computed on them (log A against alpha). */
    int lg[5];
    sf_plot_law_scales(law, lg);
    cr_assert(lg[0] && lg[1] && lg[2] && !lg[3] && !lg[4]);
    double x[64], y[64];
    for (size_t b = 0; b < n; b++) {
        x[b] = sf_draws_at(dr, b)[3];
        y[b] = log(sf_draws_at(dr, b)[1]);
    }
    double r = number_after(svg, "A against \xCE\xB1:  r = ");
    cr_assert(fabs(r - sf_plot_corr(x, y, n)) <= 5e-4, "r %g, computed %g", r,
              sf_plot_corr(x, y, n));
    free(svg);
    sf_draws_free(dr);
    free_all(fit, d, law);

    /* A held parameter has no cloud: its pairs are left out. */
    fit = bootstrapped_sweep(10, 1, &law, &d, &dr);
    cr_assert_eq(sf_fit_draws_svg(dr, d, NULL, &svg, &err), SF_OK, "%s", err.message);
    cr_assert(strstr(svg, "B against \xCE\xB2:"));
    cr_assert(!strstr(svg, "against \xCE\xB1:") && !strstr(svg, "\xCE\xB1 against"));
    free(svg);
    sf_draws_free(dr);
    free_all(fit, d, law);

    /* A fit without draws. */
    fit = fitted_sweep(5, 7, 21, &law, &d);
    cr_assert_eq(sf_fit_draws_svg(NULL, d, NULL, &svg, &err), SF_ENODATA);
    cr_assert(strstr(err.message, "no parameter draws"));
    free_all(fit, d, law);
}

/* A correlation that rounds to 1.000 at three decimals gets more: r =
 * 0.99996 and r = 0.9995 are different ridges. */
Test(plot, pairs_correlation_never_reads_one)
{
    double dr[2 * 400], xs[400], ys[400];
    for (size_t b = 0; b < 400; b++) {
        sf_rng g;
        sf_rng_seed(&g, 3, b);
        xs[b] = dr[2 * b] = 0.3 + 0.05 * sf_rng_normal(&g);
        ys[b] = dr[2 * b + 1] = 2.0 * xs[b] + 0.001 * sf_rng_normal(&g);
    }
    const char *names[2] = {"alpha", "beta"};
    char *svg;
    sf_error err;
    cr_assert_eq(sf_plot_pairs(dr, 400, 2, names, NULL, NULL, 0, NULL, &svg, &err), SF_OK);
    double r = sf_plot_corr(xs, ys, 400);
    cr_assert(r > 0.9995 && r < 1.0);
    cr_assert(!strstr(svg, "r = 1.000"), "r rounded to one");
    cr_assert(fabs(number_after(svg, "\xCE\xB2 against \xCE\xB1:  r = ") - r) < 1e-4);
    free(svg);
}

/* A model ladder: five sizes and a 2.5B target, 25 checkpoints each up
 * to 20 tokens per parameter, simulated from Besiroglu's law with 0.3%
 * noise (runs told apart by N). */
static sf_data *ladder(const sf_law *law)
{
    static const double sizes[6] = {2e7, 4e7, 8e7, 1.6e8, 3.2e8, 2.5e9};
    double N[150], D[150];
    for (size_t k = 0; k < 6; k++)
        for (size_t i = 0; i < 25; i++) {
            N[25 * k + i] = sizes[k];
            D[25 * k + i] = 20.0 * sizes[k] * (double)(i + 1) / 25.0;
        }
    sf_data *d;
    sf_error err;
    cr_assert_eq(sf_simulate(law, besiroglu, N, D, NULL, 150, 0.003, 5, &d, &err), SF_OK);
    return d;
}

/* The legend entry of a validation target: "NAME (ROWS): mean |error| E%"
 * with the target's ARE to two digits. */
static void assert_are_entry(const char *svg, const char *name, const sf_validation_target *t)
{
    char e[16], want[128];
    sf_plot_g(e, sizeof e, 100.0 * t->are, 2);
    snprintf(want, sizeof want, ">%s (%zu): mean |error| %s%%<", name, t->n_points, e);
    cr_assert(strstr(svg, want), "expected '%s'", want);
}

Test(plot, validation_of_a_ladder)
{
    sf_law *law = chinchilla(), *power;
    sf_error err;
    cr_assert_eq(sf_law_new("power", NULL, &power, &err), SF_OK);
    sf_data *d = ladder(law);
    sf_validate_options vo;
    sf_validate_options_init(&vo);
    vo.fit.threads = 1;
    sf_validation *v[2];
    cr_assert_eq(sf_validate(law, d, &vo, &v[0], &err), SF_OK, "%s", err.message);
    char *svg;
    cr_assert_eq(sf_validation_svg((const sf_validation *const *)v, 1, d, NULL, &svg, &err), SF_OK,
                 "%s", err.message);
    assert_readable(svg, 800, 500, "validation of a ladder");
    cr_assert(strstr(svg, "<title>Predicting 2.5B (chinchilla)</title>"), "%.400s", svg);
    cr_assert(strstr(svg, "fitted on 5 smaller sizes; rows from 70% of training"));
    assert_are_entry(svg, "target 2.5B", sf_validation_target_at(v[0], 0));
    free(svg);

    /* Another law on the same target: one series per law. */
    cr_assert_eq(sf_validate(power, d, &vo, &v[1], &err), SF_OK, "%s", err.message);
    cr_assert_eq(sf_validation_svg((const sf_validation *const *)v, 2, d, NULL, &svg, &err), SF_OK,
                 "%s", err.message);
    assert_readable(svg, 800, 500, "validation of two laws");
    assert_are_entry(svg, "chinchilla", sf_validation_target_at(v[0], 0));
    assert_are_entry(svg, "power", sf_validation_target_at(v[1], 0));
    cr_assert(strstr(svg, "<title>Predicting 2.5B: 2 laws</title>"));
    free(svg);
    sf_validation_free(v[1]);
    sf_validation_free(v[0]);

    /* Every size with two smaller ones as the target in turn. */
    vo.loo = 1;
    cr_assert_eq(sf_validate(law, d, &vo, &v[0], &err), SF_OK, "%s", err.message);
    size_t nt = sf_validation_n_targets(v[0]);
    cr_assert_eq(nt, 4);
    cr_assert_eq(sf_validation_svg((const sf_validation *const *)v, 1, d, NULL, &svg, &err), SF_OK);
    assert_readable(svg, 800, 500, "validation, every target");
    cr_assert_eq(count(svg, ": mean |error| "), nt);
    for (size_t k = 0; k < nt; k++) {
        const sf_validation_target *t = sf_validation_target_at(v[0], k);
        char name[32] = "target ";
        sf_plot_size_text(name + 7, sizeof name - 7, t->N);
        assert_are_entry(svg, name, t);
    }
    cr_assert(strstr(svg, "each fitted on the sizes below it"));
    free(svg);
    /* Several laws take one target each. */
    v[1] = v[0];
    cr_assert_eq(sf_validation_svg((const sf_validation *const *)v, 2, d, NULL, &svg, &err),
                 SF_EINVAL);
    sf_validation_free(v[0]);

    /* A sweep has ARE per cell, no predictions. */
    vo.loo = 0;
    static const double one = 1, zero = 0;
    static const size_t all = 0;
    cr_assert_eq(sf_validate_sweep(law, d, &vo, &all, 1, &one, 1, &zero, 1, &v[0], &err), SF_OK,
                 "%s", err.message);
    cr_assert_eq(sf_validation_svg((const sf_validation *const *)v, 1, d, NULL, &svg, &err),
                 SF_EINVAL);
    cr_assert(strstr(err.message, "sweep"));
    sf_validation_free(v[0]);
    sf_data_free(d);
    sf_law_free(power);
    sf_law_free(law);
}

Test(plot, size_text)
{
    static const struct {
        double N;
        const char *text;
    } cases[] = {{1.75e11, "175B"}, {6.7e9, "6.7B"}, {1.25e8, "125M"}, {999.6e6, "1B"},
                 {7e4, "70K"},      {512, "512"},     {3e12, "3T"}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char buf[32];
        sf_plot_size_text(buf, sizeof buf, cases[k].N);
        cr_assert_str_eq(buf, cases[k].text, "%g", cases[k].N);
    }
}

/* Muennighoff et al.'s published fit (datablations README; SOURCE.md),
 * natural values E, A, B, alpha, beta, rd*, rn*. */
static const double muennighoff[7] = {1.8691436784054858, 520.8249516599187, 1487.716093782861,
                                      0.3526596, 0.3526596, 15.387756, 5.309743};

Test(plot, allocation_with_unique_tokens)
{
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new("datablations", NULL, &law, &err), SF_OK);
    sf_fit *fit;
    cr_assert_eq(sf_fit_from_params(law, muennighoff, &fit), SF_OK);
    const double U = 25e9, C[3] = {1e20, 1e22, 1e24};
    sf_alloc_row rows[3];
    for (int i = 0; i < 3; i++) {
        sf_alloc_dc_row dc;
        cr_assert_eq(sf_alloc_data_constrained(law, muennighoff, C[i], U, &dc, &err), SF_OK);
        rows[i] = dc.opt;
    }
    char *svg;
    /* The allocation of a law of unique tokens needs U. */
    cr_assert_eq(sf_plot_optimal(fit, NULL, rows, 3, NULL, &svg, &err), SF_ENOTSUP);
    cr_assert(strstr(err.message, "unique tokens"), "%s", err.message);
    sf_plot_options o;
    sf_plot_options_init(&o);
    o.unique_tokens = U;
    cr_assert_eq(sf_plot_optimal(fit, NULL, rows, 3, &o, &svg, &err), SF_OK, "%s", err.message);
    assert_readable(svg, 800, 500, "data-constrained allocation");
    cr_assert(strstr(svg, ">U = 2.5e+10 unique tokens<"));
    cr_assert(strstr(svg, ">with unlimited unique tokens<"));
    /* Repetition starts where the optimal D reaches U: bisect log C. */
    double a = log(1e18), b = log(1e22);
    for (int it = 0; it < 60; it++) {
        sf_alloc_dc_row dc;
        double m = 0.5 * (a + b);
        cr_assert_eq(sf_alloc_data_constrained(law, muennighoff, exp(m), U, &dc, &err), SF_OK);
        if (dc.opt.tokens > U) b = m;
        else a = m;
    }
    double shown = number_after(svg, "data repeated (D &gt; U) beyond C = ");
    assert_rel(shown, exp(a), 0.01, "compute where repetition starts");
    cr_assert_eq(count(svg, "fill=\"#0072B2\" stroke=\"#ffffff\""), 3 + 1, "the budgets and the legend");
    free(svg);
    /* Bands over draws of rd* and rn*, each solved with U. */
    double dr[20 * 7];
    for (size_t k = 0; k < 20; k++) {
        memcpy(dr + 7 * k, muennighoff, sizeof muennighoff);
        dr[7 * k + 5] *= exp(0.3 * sin((double)k));
        dr[7 * k + 6] *= exp(0.3 * cos((double)k));
    }
    sf_draws *gd = given(fit, dr, 20);
    cr_assert_eq(sf_plot_optimal(fit, gd, rows, 3, &o, &svg, &err), SF_OK, "%s", err.message);
    sf_draws_free(gd);
    assert_readable(svg, 800, 500, "data-constrained allocation with bands");
    cr_assert(strstr(svg, "bands: 95% of 20 draws"));
    free(svg);
    /* Misuse. */
    o.inference_tokens = 1e12;
    cr_assert_eq(sf_plot_optimal(fit, NULL, rows, 3, &o, &svg, &err), SF_EINVAL);
    o.inference_tokens = 0;
    o.unique_tokens = -1;
    cr_assert_eq(sf_plot_optimal(fit, NULL, rows, 3, &o, &svg, &err), SF_EINVAL);
    sf_fit_free(fit);
    sf_law_free(law);
    law = chinchilla();
    cr_assert_eq(sf_fit_from_params(law, besiroglu, &fit), SF_OK);
    o.unique_tokens = U;
    cr_assert_eq(sf_plot_optimal(fit, NULL, rows, 3, &o, &svg, &err), SF_ENOTSUP);
    cr_assert(strstr(err.message, "does not read unique tokens"), "%s", err.message);
    sf_fit_free(fit);
    sf_law_free(law);
}

Test(plot, allocation_for_inference)
{
    sf_law *law = chinchilla();
    sf_fit *fit;
    cr_assert_eq(sf_fit_from_params(law, besiroglu, &fit), SF_OK);
    const double C[3] = {1e21, 1e23, 1e25}, T = 2e12;
    sf_alloc_row rows[3];
    for (int i = 0; i < 3; i++)
        cr_assert_eq(sf_alloc_optimal(law, besiroglu, C[i], &rows[i], NULL), SF_OK);
    sf_plot_options o;
    sf_plot_options_init(&o);
    o.inference_tokens = T;
    char *svg;
    sf_error err;
    cr_assert_eq(sf_plot_optimal(fit, NULL, rows, 3, &o, &svg, &err), SF_OK, "%s", err.message);
    assert_readable(svg, 800, 500, "inference-aware allocation");
    cr_assert(strstr(svg, "dotted: T = 2e+12 inference tokens"));
    cr_assert(strstr(svg, ">inference-aware: same loss<"));
    /* One hollow marker per budget for N, D and D/N: the smaller model
     * trained longer that reaches the same loss. */
    cr_assert_eq(count(svg, "fill=\"#ffffff\" stroke=\"#0072B2\""), 3);
    cr_assert_eq(count(svg, "fill=\"#ffffff\" stroke=\"#D55E00\""), 3);
    cr_assert_eq(count(svg, "fill=\"#ffffff\" stroke=\"#009E73\""), 3);
    for (int i = 0; i < 3; i++) {
        sf_alloc_inference_row inf;
        cr_assert_eq(sf_alloc_inference(law, besiroglu, &rows[i], T, &inf, &err), SF_OK);
        cr_assert(inf.opt.params < rows[i].params && inf.opt.compute > rows[i].compute);
    }
    free(svg);
    sf_fit_free(fit);
    sf_law_free(law);
}

/* ---- the report ------------------------------------------------------------ */

static void assert_self_contained(const char *page)
{
    cr_assert(strncmp(page, "<!DOCTYPE html>", 15) == 0);
    cr_assert(!strstr(page, "<script") && !strstr(page, "<link") && !strstr(page, "<img") &&
              !strstr(page, "@import") && !strstr(page, "src=") && !strstr(page, "href="));
    for (const char *u = page; (u = strstr(u, "url(")) != NULL; u += 4)
        cr_assert(u[4] == '#', "only local url(#id) references: %.30s", u);
    for (const char *u = page; (u = strstr(u, "http")) != NULL; u += 4)
        cr_assert(strncmp(u, "http://www.w3.org/2000/svg", 26) == 0, "a URL: %.40s", u);
    /* Each inline SVG is well formed on its own. */
    size_t n = 0;
    for (const char *s = page; (s = strstr(s, "<svg ")) != NULL; s++) {
        const char *e = strstr(s, "</svg>");
        cr_assert(e);
        char *one = strndup(s, (size_t)(e + 6 - s));
        assert_svg(one);
        free(one);
        n++;
    }
    cr_assert_geq(n, 3);
}

Test(report, sections_tables_and_figures)
{
    sf_law *law;
    sf_data *d;
    sf_fit *fit = fitted_sweep(9, 9, 4, &law, &d);
    sf_report r;
    sf_report_init(&r);
    r.fit = fit;
    r.data = d;
    double extra[2] = {5.76e23, 1e21};
    r.budgets = extra;
    r.n_budgets = 2;
    const char *w[1] = {"edge <minimum> at 3e21 & beyond"};
    r.warnings = w;
    r.n_warnings = 1;
    r.command = "scalefit report runs.csv -o 'a b.html'";
    char *page;
    sf_error err;
    cr_assert_eq(sf_report_html(&r, &page, &err), SF_OK, "%s", err.message);
    assert_self_contained(page);
    cr_assert(strstr(page, "<h2 id=\"warnings\">Warnings (1)</h2>"));
    cr_assert(strstr(page, "edge &lt;minimum&gt; at 3e21 &amp; beyond"));
    cr_assert(strstr(page, "&#39;a b.html&#39;"));
    cr_assert(strstr(page, "81 of 81 rows used"));
    cr_assert(strstr(page, "81 distinct model sizes"), "9 sizes around each of 9 optima");
    cr_assert(strstr(page, "No intervals were computed"));
    /* Allocation rows: the decades from a tenth of the largest budget
     * (3e21) to 10^4 times it, plus 5.76e23 (1e21 is one of them). */
    cr_assert_eq(count(page, "<tr><td>"), 7, "1e20..1e25 and 5.76e23 (1e21 given twice)");
    cr_assert(strstr(page, "5.76\xC3\x97"
                           "10<sup>23</sup>"));
    cr_assert_eq(count(page, "<figure>"), 3, "fit against C and N, allocation");
    free(page);
    /* Escaping in the title. */
    r.title = "<b>bold</b>";
    cr_assert_eq(sf_report_html(&r, &page, &err), SF_OK);
    cr_assert(strstr(page, "<title>&lt;b&gt;bold&lt;/b&gt;</title>"));
    free(page);
    r.level = 0;
    cr_assert_eq(sf_report_html(&r, &page, &err), SF_EINVAL);
    r.level = 0.95;
    r.n_figures = 1;
    cr_assert_eq(sf_report_html(&r, &page, &err), SF_EINVAL);
    cr_assert_eq(sf_report_html(NULL, &page, &err), SF_EINVAL);
    free_all(fit, d, law);
}

Test(report, intervals_from_draws_and_given)
{
    sf_law *law;
    sf_data *d;
    sf_fit *fit = fitted_sweep(9, 9, 4, &law, &d);
    double *dr = ridge_draws(500, 11);
    sf_report r;
    sf_report_init(&r);
    r.fit = fit;
    r.data = d;
    sf_draws *gd = given(fit, dr, 500);
    r.draws = gd;
    r.interval_method = "synthetic draws";
    char *page;
    sf_error err;
    cr_assert_eq(sf_report_html(&r, &page, &err), SF_OK, "%s", err.message);
    assert_self_contained(page);
    cr_assert(strstr(page, "<th>SE</th><th>95% interval</th>"));
    cr_assert(strstr(page, "<th>N, 95%</th><th>D, 95%</th><th>D/N, 95%</th>"));
    cr_assert_eq(count(page, "<figure>"), 4, "the pairwise scatter joins");
    cr_assert(strstr(page, "Intervals: synthetic draws."));
    /* The ridge in the draws is reported as a warning. */
    cr_assert(strstr(page, "A and \xCE\xB1 are strongly correlated"), "identifiability warning");
    /* The 95% interval of alpha from the draws: percentiles 2.5 and 97.5. */
    double v[500];
    for (size_t b = 0; b < 500; b++) v[b] = dr[b * 5 + 3];
    sf_sort_doubles(v, 500);
    char lo[32], hi[32], want[128];
    sf_plot_g(lo, sizeof lo, sf_quantile_sorted(v, 500, 0.025), 4);
    sf_plot_g(hi, sizeof hi, sf_quantile_sorted(v, 500, 0.975), 4);
    snprintf(want, sizeof want, "%s \xE2\x80\x93 %s", lo, hi);
    cr_assert(strstr(page, want), "alpha interval '%s'", want);
    free(page);
    /* Given intervals win over the draws'. */
    double se[5] = {0.01, 1, 2, 0.001, 0.002}, cl[5] = {1.1, 2, 3, 0.25, 0.3},
           ch[5] = {2.2, 3000, 4000, 0.45, 0.5};
    r.se = se;
    r.ci_lo = cl;
    r.ci_hi = ch;
    r.level = 0.8;
    cr_assert_eq(sf_report_html(&r, &page, &err), SF_OK);
    cr_assert(strstr(page, "<th>80% interval</th>"));
    cr_assert(strstr(page, "0.25 \xE2\x80\x93 0.45"));
    cr_assert(strstr(page, "B is poorly determined"), "a 1300x interval");
    free(page);
    sf_draws_free(gd);
    free(dr);
    free_all(fit, d, law);
}

Test(report, extra_figures_and_fit_warnings)
{
    sf_law *law = chinchilla();
    sf_data *d = sweep(law, 9, 9, 4);
    sf_fit_options o;
    sf_fit_options_init(&o);
    o.threads = 1;
    o.max_iter = 2; /* stopped early: the fit warns */
    sf_fit *fit;
    sf_error err;
    cr_assert_eq(sf_fit_run(law, d, &o, &fit, &err), SF_OK);
    cr_assert_geq(sf_fit_n_warnings(fit), 1);
    static isoflop_input in;
    make_isoflop(&in);
    sf_plot_options po;
    sf_plot_options_init(&po);
    po.id = "isoflop";
    char *iso;
    cr_assert_eq(sf_plot_isoflop(in.pr, NB, NULL, &po, &iso, &err), SF_OK);
    sf_report r;
    sf_report_init(&r);
    r.fit = fit;
    r.data = d;
    const char *figs[1] = {iso}, *caps[1] = {"IsoFLOP profiles & minima"};
    r.figures = figs;
    r.captions = caps;
    r.n_figures = 1;
    char *page;
    cr_assert_eq(sf_report_html(&r, &page, &err), SF_OK);
    assert_self_contained(page);
    cr_assert(strstr(page, sf_fit_warning(fit, 0)) || strstr(page, "<li>"),
              "the fit's warning is listed");
    char want[64];
    snprintf(want, sizeof want, "Warnings (%zu)", sf_fit_n_warnings(fit));
    cr_assert(strstr(page, want));
    cr_assert(strstr(page, "IsoFLOP profiles &amp; minima"));
    cr_assert_eq(count(page, "<figure>"), 4);
    /* Ids stay unique across the page's figures. */
    cr_assert_eq(count(page, "id=\"fit-c-clip0\""), 1);
    cr_assert_eq(count(page, "id=\"isoflop-clip0\""), 1);
    free(page);
    free(iso);
    free_all(fit, d, law);
}

/* ---- the command line -------------------------------------------------------- */

Test(cli_plot, fit_plot_option)
{
    const char *svg = tmp_file("fit.svg");
    cli_run r = RUN("fit", shared_file(EPOCH), "--filter", "loss<3.44", "--plot", svg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    char *text = read_text(svg);
    cr_assert(text);
    assert_readable(text, 800, 500, "scalefit fit --plot");
    cr_assert(strstr(text, "240 runs"));
    free(text);
    /* The rest on a small simulated sweep (fits under valgrind are slow). */
    sf_law *law = chinchilla();
    sf_data *d = sweep(law, 4, 5, 8);
    char *csv = NULL;
    cr_assert_eq(sf_data_csv(d, &csv, NULL), SF_OK);
    const char *runs = tmp_file("sweep.csv");
    write_text(runs, csv);
    free(csv);
    sf_data_free(d);
    sf_law_free(law);
    r = RUN("fit", runs, "--plot", svg);
    cli_run plain = RUN("fit", runs);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, plain.out, "--plot changes nothing else");
    cli_run_free(&plain);
    cli_run_free(&r);
    r = RUN("fit", runs, "--plot", svg, "--plot-x", "N");
    cr_assert_eq(r.status, 0, "%s", r.err);
    text = read_text(svg);
    cr_assert(strstr(text, "fitted law at fixed C"));
    free(text);
    cli_run_free(&r);
    r = RUN("fit", shared_file(EPOCH), "--plot", svg, "--plot-x", "loss");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--plot-x: expected C, N or D"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", shared_file(EPOCH), "--plot-x", "N");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--plot-x goes with --plot"));
    cli_run_free(&r);
    r = RUN("fit", runs, "--plot", "/nonexistent-dir/x.svg");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "scalefit: error: /nonexistent-dir/x.svg: cannot open"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", "--help");
    cr_assert(strstr(r.out, "--plot FILE.svg") && strstr(r.out, "--plot-x C|N|D"));
    cli_run_free(&r);
}

Test(cli_plot, optimal_plot_option)
{
    const char *svg = tmp_file("opt.svg");
    cli_run r = RUN("optimal", "--law", "chinchilla", "--set", "E=1.69", "--set", "A=406.4",
                    "--set", "B=410.7", "--set", "alpha=0.34", "--set", "beta=0.28", "--compute",
                    "1e21,5.76e23,1e25", "--plot", svg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(count_lines(r.out), 4, "the table as without --plot");
    cli_run_free(&r);
    char *text = read_text(svg);
    assert_readable(text, 800, 500, "scalefit optimal --plot");
    /* Hoffmann et al.'s a = beta/(alpha+beta) = 0.28/0.62 = 0.4516. */
    cr_assert(strstr(text, "N \xE2\x88\x9D C^0.4516"), "Hoffmann's exponent a");
    free(text);
    r = RUN("optimal", "examples/hoffmann2022.json", "--target-loss", "2.0,1.95", "--plot", svg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
}

Test(cli_plot, report_command)
{
    const char *html = tmp_file("report.html");
    cli_run r = RUN("report", shared_file(EPOCH), "--filter", "loss<3.44", "--compute", "5.76e23",
                    "-o", html);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "", "the page goes to the file only");
    cli_run_free(&r);
    char *page = read_text(html);
    cr_assert(page);
    assert_self_contained(page);
    cr_assert(strstr(page, "240 of 245 rows used"));
    cr_assert(strstr(page, "43 distinct model sizes"), "SOURCE.md: 43 distinct sizes");
    cr_assert(strstr(page, "scalefit report "), "the command line is shown");
    cr_assert(strstr(page, "5.76\xC3\x97"
                           "10<sup>23</sup>"));
    cr_assert(strstr(page, "<td>477.826</td>"), "A of Besiroglu's grid fit (SOURCE.md: 477.84)");
    free(page);
    r = RUN("report", shared_file(EPOCH));
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "missing -o REPORT.html"));
    cli_run_free(&r);
    r = RUN("report", "--help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "--compute C[,C...]") && strstr(r.out, "--filter EXPR"));
    cli_run_free(&r);
    write_text(tmp_file("bad.csv"), "N,D,loss\n1e8,2e9,3.1\n2e8,x,2.9\n");
    r = RUN("report", tmp_file("bad.csv"), "-o", html);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "bad.csv:3:2:"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("--help");
    cr_assert(strstr(r.out, "report "));
    cli_run_free(&r);
}

/* The forecast plot (issue 16): the loss panel with the observed curve,
 * the forecast and its band, the LR schedule under it on the same steps. */
Test(plot, forecast)
{
    static forecast_input f;
    make_forecast(&f);
    sf_plot_options o;
    sf_plot_options_init(&o);
    char *svg = NULL;
    sf_error err;
    cr_assert_eq(sf_plot_forecast(&f.d, &o, &svg, &err), SF_OK, "%s", err.message);
    cr_assert(strncmp(svg, "<svg", 4) == 0);
    assert_readable(svg, 800, 500, "forecast plot");
    static const char *const want[] = {"Loss forecast under the learning-rate schedule",
                                       "observed loss", "forecast", "95% interval",
                                       "learning rate", ">step<", ">loss<",
                                       "20 checkpoints; forecast at step 3000"};
    for (size_t k = 0; k < sizeof want / sizeof *want; k++)
        cr_assert(strstr(svg, want[k]), "no '%s' in the forecast plot", want[k]);
    free(svg);
    /* No steps to forecast: the observed curve and schedule alone. */
    sf_curve_plot bare = f.d;
    bare.n_fc = 0;
    o.level = 0.8;
    cr_assert_eq(sf_plot_forecast(&bare, &o, &svg, &err), SF_OK, "%s", err.message);
    cr_assert(strstr(svg, "no steps to forecast"));
    cr_assert_null(strstr(svg, "80% interval"));
    free(svg);
    bare.n_obs = 0;
    cr_assert_eq(sf_plot_forecast(&bare, &o, &svg, &err), SF_ENODATA);
    cr_assert_null(svg);
    cr_assert_eq(sf_plot_forecast(NULL, &o, &svg, &err), SF_EINVAL);
}

/* The CLI's --plot output: the in-test checks, then xmllint --noout.
 * Under valgrind xmllint is left out (it would be traced as well); without
 * it, CI fails and elsewhere the in-test checker stands alone. */
static int run_tool(const char *const *argv, char **out);
static int have_program(const char *name);
static void xmllint(const char *path);

static char *read_plot(const char *path, const char *what)
{
    char *text = read_text(path);
    cr_assert(text, "%s: no file %s", what, path);
    assert_readable(text, 800, 500, what);
    const char *vg = getenv("SF_VALGRIND"), *ci = getenv("CI");
    if (vg && strcmp(vg, "1") == 0) return text;
    if (have_program("xmllint")) xmllint(path);
    else if (ci && strcmp(ci, "true") == 0)
        cr_assert_fail("xmllint is missing (CI=true: scripts/deps.sh --test installs it)");
    return text;
}

static const char *write_rows(const char *name, sf_data *d)
{
    char *csv = NULL;
    cr_assert_eq(sf_data_csv(d, &csv, NULL), SF_OK);
    cr_assert(csv);
    const char *path = tmp_file(name);
    write_text(path, csv);
    free(csv);
    sf_data_free(d);
    return path;
}

/* `scalefit forecast --plot` (issue 16) on a synthetic log with empty
 * losses at the steps to forecast: the file passes the checks and
 * xmllint, and the text output is the one without --plot. */
Test(cli_plot, forecast_plot_option)
{
    const char *csv = tmp_file("forecast_log.csv");
    FILE *fp = fopen(csv, "w");
    cr_assert(fp);
    fprintf(fp, "step,lr,loss\n");
    for (int i = 1; i <= 20; i++)
        fprintf(fp, "%d,%.17g,%.17g\n", 60 * i, fc_lr(60.0 * i),
                fc_loss(60.0 * i) * (1 + 1e-3 * ((i * 7) % 5 - 2)));
    for (int t = 1500; t <= 3000; t += 300) fprintf(fp, "%d,%.17g,\n", t, fc_lr(t));
    fclose(fp);
    const char *svg = tmp_file("forecast.svg");
    cli_run r = RUN("forecast", csv, "--plot", svg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run plain = RUN("forecast", csv);
    cr_assert_str_eq(r.out, plain.out, "--plot changes nothing else");
    cli_run_free(&plain);
    cli_run_free(&r);
    char *text = read_plot(svg, "scalefit forecast --plot");
    cr_assert(strstr(text, "observed loss") && strstr(text, "learning rate"));
    cr_assert(strstr(text, "forecast at step 3000"));
    free(text);
    r = RUN("forecast", csv, "--plot", csv);
    cr_assert_eq(r.status, 1, "the input as the plot: %s", r.err);
    cli_run_free(&r);
    r = RUN("watch", csv, "--once", "--plot", svg);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cli_run_free(&r);
}

Test(cli_plot, isoflop_plot_option)
{
    const char *csv = write_rows("odd_sweep.csv", odd_sweep());
    const char *svg = tmp_file("isoflop.svg");
    cli_run r = RUN("isoflop", csv, "--bootstrap", "50", "--plot", svg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "left out"), "the warnings as without --plot: %s", r.err);
    cli_run plain = RUN("isoflop", csv, "--bootstrap", "50");
    cr_assert_str_eq(r.out, plain.out, "--plot changes nothing else");
    cr_assert_str_eq(r.err, plain.err);
    cli_run_free(&plain);
    cli_run_free(&r);
    char *text = read_plot(svg, "scalefit isoflop --plot");
    cr_assert(strstr(text, "<title>IsoFLOP profiles: odd_sweep.csv</title>"));
    cr_assert(strstr(text, "2 left out of the fit (hollow): 1 edge minimum, 1 with too few sizes"));
    cr_assert_eq(count(text, "r=\"3.4\" fill=\"#ffffff\""), 11, "the 9 + 2 runs left out");
    /* The exponent and interval drawn are the ones the JSON gives. */
    r = RUN("isoflop", csv, "--bootstrap", "50", "--json", "--plot", svg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cJSON *js = cJSON_Parse(r.out);
    const cJSON *a = cJSON_GetObjectItem(js, "a"), *ab = cJSON_GetObjectItem(a, "ci");
    cr_assert(cJSON_GetArraySize(ab) == 2, "%s", r.out);
    double v = cJSON_GetObjectItem(a, "value")->valuedouble;
    double lo = cJSON_GetArrayItem(ab, 0)->valuedouble, hi = cJSON_GetArrayItem(ab, 1)->valuedouble;
    cJSON_Delete(js);
    char *again = read_text(svg);
    cr_assert_str_eq(text, again, "same bytes with --json");
    cr_assert(has_exponent(text, v), "a = %.4f", v);
    char ci[64];
    snprintf(ci, sizeof ci, "95%%: [%.3f, %.3f]", lo, hi);
    cr_assert(strstr(text, ci), "%s", ci);
    free(again);
    free(text);
    cli_run_free(&r);
    r = RUN("isoflop", csv, "--plot");
    cr_assert_eq(r.status, 2);
    cli_run_free(&r);
    r = RUN("isoflop", csv, "--bootstrap", "0", "--plot", "/nonexistent-dir/x.svg");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "scalefit: error: /nonexistent-dir/x.svg: cannot open"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("isoflop", "--help");
    cr_assert(strstr(r.out, "--plot FILE.svg"));
    cli_run_free(&r);
}

Test(cli_plot, envelope_plot_option)
{
    const char *csv = write_rows("curves.csv", noisy_curves());
    const char *svg = tmp_file("envelope.svg");
    cli_run r = RUN("envelope", csv, "--bootstrap", "50", "--plot", svg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run plain = RUN("envelope", csv, "--bootstrap", "50");
    cr_assert_str_eq(r.out, plain.out, "--plot changes nothing else");
    cli_run_free(&plain);
    cli_run_free(&r);
    char *text = read_plot(svg, "scalefit envelope --plot");
    cr_assert(strstr(text, "<title>Envelope of training curves: curves.csv</title>"));
    cr_assert(strstr(text, ">parameters N<") && strstr(text, ">optimal N (parameters)<"));
    free(text);
    r = RUN("envelope", "--help");
    cr_assert(strstr(r.out, "--plot FILE.svg"));
    cli_run_free(&r);
}

/* GPT-3's validation curves (ColPret's long table, column mapping in
 * docs/approaches.md): 144 of the 200 values are won by the smallest or
 * largest covering run and drawn hollow, a = 0.699 (docs/approaches.md,
 * "On published curves"). */
Test(cli_plot, envelope_plot_of_gpt3_curves)
{
    const char *f = shared_file("hitchhiker_colpret/derived_learning_curves_long.csv");
    const char *svg = tmp_file("gpt3.svg");
    cli_run r = RUN("envelope", f, "--filter", "family==gpt3", "--filter", "metric==val_loss",
                    "--col", "N=num_params", "--col", "D=tokens_seen", "--col", "loss=value",
                    "--col", "group=model", "--bootstrap", "100", "--plot", svg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    char *text = read_plot(svg, "GPT-3 envelope");
    cr_assert(strstr(text, "<title>Envelope: derived_learning_curves_long.csv (family==gpt3, "
                           "metric==val_loss)</title>"),
              "the filters say which curves");
    cr_assert(strstr(text, "8 curves; the envelope is the lowest loss reached at each compute; "
                           "144 of its 200 points left out of the fit (hollow)"));
    cr_assert(strstr(text, "C<tspan dy=\"-4.8\" font-size=\"9\">0.699<"), "a = 0.699");
    free(text);
}

/* The JSON a command prints (asserts it parses). */
static cJSON *json_of(const cli_run *r)
{
    cr_assert_eq(r->status, 0, "%s", r->err);
    cJSON *js = cJSON_Parse(r->out);
    cr_assert(js, "not JSON: %.200s", r->out);
    return js;
}

/* A legend entry "NAME (ROWS): mean |error| E%" with E the ARE of a
 * target in validate's JSON, to two digits. */
static void assert_json_are(const char *svg, const char *name, const cJSON *target)
{
    char e[16], want[128];
    double are = cJSON_GetObjectItem(target, "are")->valuedouble;
    int rows = cJSON_GetArraySize(cJSON_GetObjectItem(target, "points"));
    sf_plot_g(e, sizeof e, 100.0 * are, 2);
    snprintf(want, sizeof want, ">%s (%d): mean |error| %s%%<", name, rows, e);
    cr_assert(strstr(svg, want), "expected '%s'", want);
}

Test(cli_plot, validate_plot_option)
{
    sf_law *law = chinchilla();
    const char *csv = write_rows("ladder.csv", ladder(law));
    sf_law_free(law);
    const char *svg = tmp_file("validate.svg");
    cli_run r = RUN("validate", csv, "--threads", "1", "--plot", svg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run plain = RUN("validate", csv, "--threads", "1");
    cr_assert_str_eq(r.out, plain.out, "--plot changes nothing else");
    cli_run_free(&plain);
    cli_run_free(&r);
    char *text = read_plot(svg, "scalefit validate --plot");
    cr_assert(strstr(text, "<title>Predicting 2.5B (chinchilla): ladder.csv</title>"));
    /* The error in the legend is the JSON's. */
    r = RUN("validate", csv, "--threads", "1", "--json");
    cJSON *js = json_of(&r);
    assert_json_are(text, "target 2.5B", cJSON_GetArrayItem(cJSON_GetObjectItem(js, "targets"), 0));
    cJSON_Delete(js);
    cli_run_free(&r);
    free(text);

    /* --loo: one series per target. */
    r = RUN("validate", csv, "--threads", "1", "--loo", "--json", "--plot", svg);
    js = json_of(&r);
    text = read_plot(svg, "scalefit validate --loo --plot");
    const cJSON *targets = cJSON_GetObjectItem(js, "targets");
    cr_assert_eq(count(text, ": mean |error| "), (size_t)cJSON_GetArraySize(targets));
    for (int k = 0; k < cJSON_GetArraySize(targets); k++) {
        const cJSON *t = cJSON_GetArrayItem(targets, k);
        char name[32] = "target ";
        sf_plot_size_text(name + 7, sizeof name - 7, cJSON_GetObjectItem(t, "N")->valuedouble);
        assert_json_are(text, name, t);
    }
    cJSON_Delete(js);
    cli_run_free(&r);
    free(text);

    /* --compare: one series per law that reads the data. */
    r = RUN("validate", csv, "--threads", "1", "--compare", "--json", "--plot", svg);
    js = json_of(&r);
    text = read_plot(svg, "scalefit validate --compare --plot");
    const cJSON *laws = cJSON_GetObjectItem(js, "compare");
    cr_assert_gt(cJSON_GetArraySize(laws), 1);
    cr_assert_eq(count(text, ": mean |error| "), (size_t)cJSON_GetArraySize(laws));
    for (int k = 0; k < cJSON_GetArraySize(laws); k++) {
        const cJSON *v = cJSON_GetArrayItem(laws, k);
        assert_json_are(text, cJSON_GetObjectItem(v, "law")->valuestring,
                        cJSON_GetArrayItem(cJSON_GetObjectItem(v, "targets"), 0));
    }
    cJSON_Delete(js);
    cli_run_free(&r);
    free(text);

    /* Misuse and errors. */
    r = RUN("validate", csv, "--sweep", "--plot", svg);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "a sweep gives ARE per cell"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("validate", csv, "--compare", "--loo", "--plot", svg);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "drop --loo"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("validate", csv, "--threads", "1", "--plot", "/nonexistent-dir/x.svg");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "scalefit: error: /nonexistent-dir/x.svg: cannot open"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("validate", "--help");
    cr_assert(strstr(r.out, "--plot FILE.svg"));
    cli_run_free(&r);
}

/* The correlation of log A and alpha over the draws of a --samples CSV
 * (columns draw,E,A,B,alpha,beta,...). */
static double samples_corr(const char *path)
{
    sf_table *t;
    sf_error err;
    cr_assert_eq(sf_table_read(path, &t, &err), SF_OK, "%s", err.message);
    long ca = sf_table_find(t, "A"), cl = sf_table_find(t, "alpha");
    cr_assert(ca >= 0 && cl >= 0);
    size_t n = sf_table_rows(t);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(sf_parse_double(sf_table_cell(t, i, (size_t)cl), &x[i]), SF_OK);
        cr_assert_eq(sf_parse_double(sf_table_cell(t, i, (size_t)ca), &y[i]), SF_OK);
        y[i] = log(y[i]);
    }
    double r = sf_plot_corr(x, y, n);
    free(x);
    free(y);
    sf_table_free(t);
    return r;
}

Test(cli_plot, draws_plot_options)
{
    sf_law *law = chinchilla();
    const char *csv = write_rows("sweep.csv", sweep(law, 5, 7, 21));
    sf_law_free(law);
    const char *svg = tmp_file("draws.svg"), *samples = tmp_file("draws.csv");
    cli_run r = RUN("fit", csv, "--threads", "1", "--bootstrap", "10", "--warm-start",
                    "--samples", samples, "--plot-draws", svg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run plain = RUN("fit", csv, "--threads", "1", "--bootstrap", "10", "--warm-start");
    cr_assert_str_eq(r.out, plain.out, "--plot-draws changes nothing else");
    cli_run_free(&plain);
    cli_run_free(&r);
    char *text = read_plot(svg, "scalefit fit --plot-draws");
    cr_assert(strstr(text, "<title>Bootstrap draws of chinchilla: sweep.csv</title>"));
    cr_assert(strstr(text, ">10 draws; "));
    /* The panel's r is that of the draws the command wrote. */
    double rr = number_after(text, "A against \xCE\xB1:  r = ");
    cr_assert(fabs(rr - samples_corr(samples)) <= 5e-4, "%g", rr);
    free(text);
    r = RUN("fit", csv, "--plot-draws", svg);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--plot-draws goes with --bootstrap K"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("fit", "--help");
    cr_assert(strstr(r.out, "--plot-draws FILE.svg"));
    cli_run_free(&r);

    /* bayes --plot: the posterior's draws, as many as its JSON says. */
    r = RUN("bayes", csv, "--threads", "1", "--walkers", "16", "--burn", "40", "--steps", "60",
            "--json", "--samples", samples, "--plot", svg);
    cJSON *js = json_of(&r);
    text = read_plot(svg, "scalefit bayes --plot");
    cr_assert(strstr(text, "<title>Posterior draws of chinchilla: sweep.csv</title>"));
    const cJSON *values = cJSON_GetObjectItem(cJSON_GetObjectItem(js, "draws"), "values");
    cr_assert(cJSON_GetArraySize(values) > 10, "%.300s", r.out);
    char want[64];
    snprintf(want, sizeof want, ">%d draws; ", cJSON_GetArraySize(values));
    cr_assert(strstr(text, want), "%s", want);
    rr = number_after(text, "A against \xCE\xB1:  r = ");
    cr_assert(fabs(rr - samples_corr(samples)) <= 5e-4, "%g", rr);
    cJSON_Delete(js);
    cli_run_free(&r);
    free(text);
    r = RUN("bayes", "--help");
    cr_assert(strstr(r.out, "--plot FILE.svg"));
    cli_run_free(&r);
}

Test(cli_plot, report_with_bootstrap)
{
    sf_law *law = chinchilla();
    const char *csv = write_rows("sweep.csv", sweep(law, 5, 7, 21));
    sf_law_free(law);
    const char *html = tmp_file("report.html");
    cli_run r = RUN("report", csv, "--threads", "1", "--bootstrap", "10", "--warm-start", "--seed",
                    "3", "-o", html);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cli_run_free(&r);
    char *page = read_text(html);
    assert_self_contained(page);
    cr_assert(strstr(page, "Intervals: percentile bootstrap over 10 resamples of the rows, each "
                           "refitted from the fit&#39;s optima (seed 3)."),
              "the method");
    cr_assert_eq(count(page, "<figure>"), 4, "the pairwise scatter joins");
    cr_assert(strstr(page, "A against \xCE\xB1:"));
    /* The 95% interval of alpha: that of fit --bootstrap with the same
     * seed (percentiles of the same draws). */
    r = RUN("fit", csv, "--threads", "1", "--bootstrap", "10", "--warm-start", "--seed", "3",
            "--ci", "0.95", "--json");
    cJSON *js = json_of(&r);
    const cJSON *ci = cJSON_GetObjectItem(cJSON_GetObjectItem(js, "ci"), "alpha");
    cr_assert(cJSON_GetArraySize(ci) == 2, "%.300s", r.out);
    char lo[32], hi[32], want[128];
    sf_plot_g(lo, sizeof lo, cJSON_GetArrayItem(ci, 0)->valuedouble, 4);
    sf_plot_g(hi, sizeof hi, cJSON_GetArrayItem(ci, 1)->valuedouble, 4);
    snprintf(want, sizeof want, "%s \xE2\x80\x93 %s", lo, hi);
    cr_assert(strstr(page, want), "alpha interval '%s'", want);
    cJSON_Delete(js);
    cli_run_free(&r);
    free(page);
    /* Misuse. */
    r = RUN("report", csv, "--resample", "rows", "-o", html);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "--resample goes with --bootstrap K"), "%s", r.err);
    cli_run_free(&r);
    r = RUN("report", csv, "--bootstrap", "10", "--resample", "group", "-o", html);
    cr_assert_eq(r.status, 1, "no group column");
    cli_run_free(&r);
    r = RUN("report", csv, "--bootstrap", "1", "-o", html);
    cr_assert_eq(r.status, 2);
    cli_run_free(&r);
    r = RUN("report", "--help");
    cr_assert(strstr(r.out, "--bootstrap K") && strstr(r.out, "--resample group"));
    cli_run_free(&r);
}

Test(cli_plot, optimal_plot_with_unique_and_inference_tokens)
{
    const char *svg = tmp_file("optimal.svg");
    cli_run r = RUN("optimal", "examples/muennighoff2023.json", "--compute", "1e20,1e22,1e24",
                    "--unique-tokens", "25e9", "--plot", svg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run plain = RUN("optimal", "examples/muennighoff2023.json", "--compute", "1e20,1e22,1e24",
                        "--unique-tokens", "25e9");
    cr_assert_str_eq(r.out, plain.out, "--plot changes nothing else");
    cli_run_free(&plain);
    cli_run_free(&r);
    char *text = read_plot(svg, "scalefit optimal --unique-tokens --plot");
    cr_assert(strstr(text, "<title>Compute-optimal allocation (datablations)</title>"));
    cr_assert(strstr(text, ">U = 2.5e+10 unique tokens<"));
    /* The tokens per parameter written at the budgets are the table's. */
    r = RUN("optimal", "examples/muennighoff2023.json", "--compute", "1e20,1e22,1e24",
            "--unique-tokens", "25e9", "--json");
    cJSON *js = json_of(&r);
    const cJSON *rows = cJSON_GetObjectItem(js, "rows");
    cr_assert_eq(cJSON_GetArraySize(rows), 3);
    for (int i = 0; i < 3; i++) {
        char t[32], want[64];
        sf_plot_num(t, sizeof t,
                    cJSON_GetObjectItem(cJSON_GetArrayItem(rows, i), "tokens_per_param")->valuedouble);
        snprintf(want, sizeof want, ">%s</text>", t);
        cr_assert(strstr(text, want), "%s", want);
    }
    cJSON_Delete(js);
    cli_run_free(&r);
    free(text);
    /* A law of unique tokens without them is refused before any plot. */
    r = RUN("optimal", "examples/muennighoff2023.json", "--compute", "1e22", "--plot", svg);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "give --unique-tokens U"), "%s", r.err);
    cli_run_free(&r);

    r = RUN("optimal", "examples/hoffmann2022.json", "--compute", "1e21,1e23,1e25",
            "--inference-tokens", "2e12", "--plot", svg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    text = read_plot(svg, "scalefit optimal --inference-tokens --plot");
    cr_assert(strstr(text, "dotted: T = 2e+12 inference tokens"));
    cr_assert_eq(count(text, "fill=\"#ffffff\" stroke=\"#0072B2\""), 3, "one per budget");
    free(text);
}

/* ---- headless Chromium ---------------------------------------------------- */

/* Run a program (PATH lookup) with its output in a file; returns the exit
 * status, or -1 when it cannot start.  *out gets the output (malloc'd). */
static int run_tool(const char *const *argv, char **out)
{
    const char *log = tmp_file("tool.log");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    char *const *av;
    memcpy(&av, &argv, sizeof av);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, av, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (out) *out = read_text(log);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int have_program(const char *name)
{
    const char *path = getenv("PATH");
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path ? path : "/usr/bin:/bin");
    for (char *dir = strtok(buf, ":"); dir; dir = strtok(NULL, ":")) {
        char full[4200];
        snprintf(full, sizeof full, "%s/%s", dir, name);
        if (access(full, X_OK) == 0) return 1;
    }
    return 0;
}

/* Chromium, xmllint and the PNG checker, or skip (fail when CI=true: CI
 * installs them through scripts/deps.sh --test). */
static void need_tools(void)
{
    skip_under_valgrind("Chromium and xmllint are other programs; the pages they check are "
                        "built by the other tests, which run under valgrind");
    const char *missing = !have_program("chromium")               ? "chromium"
                          : !have_program("xmllint")              ? "xmllint (libxml2-utils)"
                          : access("/usr/bin/python3", X_OK) != 0 ? "/usr/bin/python3"
                                                                  : NULL;
    if (!missing) return;
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0)
        cr_assert_fail("%s is missing (CI=true: scripts/deps.sh --test installs it)", missing);
    cr_skip_test("%s not found: skipping the browser test (scripts/deps.sh --test installs it)",
                 missing);
}

static void xmllint(const char *path)
{
    char *out = NULL;
    int rc = run_tool((const char *const[]){"xmllint", "--noout", path, NULL}, &out);
    cr_assert_eq(rc, 0, "xmllint --noout %s: %s", path, out ? out : "");
    free(out);
}

/* Screenshot of a local page; asserts the PNG is not blank (ink in at
 * least `strips` of 10 horizontal strips). */
static void screenshot(const char *page, const char *png, int w, int h, int strips)
{
    char profile[] = "/tmp/scalefit-chromium-XXXXXX";
    cr_assert(mkdtemp(profile));
    char user[128], shot[600], size[64], url[600], abs_page[512];
    if (page[0] == '/') {
        snprintf(abs_page, sizeof abs_page, "%s", page);
    } else {
        char cwd[256];
        cr_assert(getcwd(cwd, sizeof cwd));
        snprintf(abs_page, sizeof abs_page, "%s/%s", cwd, page);
    }
    snprintf(user, sizeof user, "--user-data-dir=%s", profile);
    snprintf(shot, sizeof shot, "--screenshot=%s", png);
    snprintf(size, sizeof size, "--window-size=%d,%d", w, h);
    snprintf(url, sizeof url, "file://%s", abs_page);
    remove(png);
    char *out = NULL;
    int rc = run_tool((const char *const[]){"chromium", "--headless", "--no-sandbox",
                                            "--disable-gpu", "--disable-quic", "--no-first-run",
                                            "--disable-background-networking",
                                            "--disable-component-update", "--disable-sync",
                                            "--hide-scrollbars", user, shot, size, url, NULL},
                      &out);
    cr_assert_eq(rc, 0, "chromium failed: %s", out ? out : "");
    free(out);
    char cmd[900];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", profile);
    cr_assert_eq(system(cmd), 0);
    char minstr[8];
    snprintf(minstr, sizeof minstr, "%d", strips);
    rc = run_tool((const char *const[]){"/usr/bin/python3", "tests/ref/png_ink.py", png,
                                        "--min-ink", "0.02", "--min-strips", minstr, NULL},
                  &out);
    cr_assert_eq(rc, 0, "the screenshot looks blank: %s", out ? out : "");
    free(out);
}

static void keep(const char *path);

/* Every SVG inside an HTML page, written to PREFIX-figure-K.svg and
 * checked by xmllint; returns how many. */
static size_t lint_page(const char *page, const char *prefix)
{
    size_t n = 0;
    for (const char *s = page; (s = strstr(s, "<svg ")) != NULL; s++, n++) {
        const char *e = strstr(s, "</svg>");
        cr_assert(e);
        char name[96];
        snprintf(name, sizeof name, "%s-figure-%zu.svg", prefix, n + 1);
        char *one = strndup(s, (size_t)(e + 6 - s));
        write_text(tmp_file(name), one);
        free(one);
        xmllint(tmp_file(name));
        keep(tmp_file(name));
    }
    return n;
}

/* Keep copies for a person to look at when SCALEFIT_PLOT_DIR is set. */
static void keep(const char *path)
{
    const char *dir = getenv("SCALEFIT_PLOT_DIR");
    if (!dir || !*dir) return;
    const char *base = strrchr(path, '/');
    char dst[1024];
    snprintf(dst, sizeof dst, "%s/%s", dir, base ? base + 1 : path);
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    FILE *g = fopen(dst, "wb");
    cr_assert(g, "cannot write %s", dst);
    char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) cr_assert_eq(fwrite(buf, 1, k, g), k);
    fclose(f);
    cr_assert_eq(fclose(g), 0);
}

Test(browser, report_of_epoch_data_renders, .timeout = 300)
{
    need_tools();
    const char *html = tmp_file("epoch-report.html");
    cli_run r = RUN("report", shared_file(EPOCH), "--filter", "loss<3.44", "--compute", "5.76e23",
                    "-o", html);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    char *page = read_text(html);
    cr_assert_eq(lint_page(page, "report"), 3);
    free(page);
    screenshot(html, tmp_file("epoch-report.png"), 1200, 3000, 9);
    keep(html);
    keep(tmp_file("epoch-report.png"));

    /* The same report with intervals from 200 bootstrap resamples. */
    const char *html2 = tmp_file("epoch-report-bootstrap.html");
    r = RUN("report", shared_file(EPOCH), "--filter", "loss<3.44", "--compute", "5.76e23",
            "--bootstrap", "200", "--seed", "1", "-o", html2);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_run_free(&r);
    page = read_text(html2);
    cr_assert(strstr(page, "percentile bootstrap over 200 resamples of the rows"));
    cr_assert_eq(lint_page(page, "report-bootstrap"), 4);
    free(page);
    screenshot(html2, tmp_file("epoch-report-bootstrap.png"), 1200, 3800, 9);
    keep(html2);
    keep(tmp_file("epoch-report-bootstrap.png"));
}

Test(browser, every_plot_renders, .timeout = 300)
{
    need_tools();
    /* Every kind of plot as a file: xmllint, then one gallery page of them
     * all in Chromium (and, with SCALEFIT_PLOT_DIR, each one alone). */
    static isoflop_input iso;
    static envelope_input env;
    static validate_input val;
    make_isoflop(&iso);
    make_envelope(&env);
    make_validate(&val);
    double *dr = ridge_draws(4000, 3);
    sf_law *law = chinchilla();
    sf_fit *hf;
    cr_assert_eq(sf_fit_from_params(law, besiroglu, &hf), SF_OK);
    sf_alloc_row rows[3];
    static const double C[3] = {1e21, 5.76e23, 1e25};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(sf_alloc_optimal(law, besiroglu, C[i], &rows[i], NULL), SF_OK);
    sf_data *d = sweep(law, 9, 9, 3);
    sf_fit *fit = fit_of(law, d);

    const char *names[11] = {"isoflop.svg",        "envelope.svg",       "validate.svg",
                             "pairs.svg",          "optimal-bands.svg",  "fit-sweep-C.svg",
                             "fit-sweep-N.svg",    "fit-sweep-D.svg",    "isoflop-result.svg",
                             "envelope-result.svg", "forecast.svg"};
    char *svg[11] = {0};
    sf_error err;
    sf_plot_options o;
    sf_plot_options_init(&o);
    o.id = "p0";
    cr_assert_eq(sf_plot_isoflop(iso.pr, NB, NULL, &o, &svg[0], &err), SF_OK);
    o.id = "p1";
    cr_assert_eq(sf_plot_envelope(env.curves, NC, &env.env, NULL, &o, &svg[1], &err), SF_OK);
    o.id = "p2";
    cr_assert_eq(sf_plot_validate(val.s, 2, &o, &svg[2], &err), SF_OK);
    o.id = "p3";
    cr_assert_eq(sf_plot_pairs(dr, 4000, 5, chin_names, besiroglu, NULL, 0, &o, &svg[3], &err),
                 SF_OK);
    o.id = "p4";
    sf_draws *gd = given(hf, dr, 4000);
    cr_assert_eq(sf_plot_optimal(hf, gd, rows, 3, &o, &svg[4], &err), SF_OK);
    sf_draws_free(gd);
    static const int xs[3] = {SF_ROLE_C, SF_ROLE_N, SF_ROLE_D};
    for (int k = 0; k < 3; k++) {
        char id[16];
        snprintf(id, sizeof id, "p%d", 5 + k);
        o.id = id;
        o.x = xs[k];
        cr_assert_eq(sf_plot_fit(fit, d, &o, &svg[5 + k], &err), SF_OK);
    }
    /* The plots of isoflop and envelope results, with what they leave out
     * drawn hollow and the N_opt(C) panel. */
    o.x = -1;
    o.id = "p8";
    sf_data *odd = odd_sweep();
    sf_isoflop *iso_r;
    cr_assert_eq(sf_isoflop_run(odd, NULL, &iso_r, &err), SF_OK);
    cr_assert_eq(sf_isoflop_svg(iso_r, odd, &o, &svg[8], &err), SF_OK);
    sf_isoflop_free(iso_r);
    sf_data_free(odd);
    o.id = "p9";
    sf_data *cv = noisy_curves();
    sf_envelope *env_r;
    cr_assert_eq(sf_envelope_run(cv, NULL, &env_r, &err), SF_OK);
    cr_assert_eq(sf_envelope_svg(env_r, cv, &o, &svg[9], &err), SF_OK);
    sf_envelope_free(env_r);
    sf_data_free(cv);
    o.id = "p10";
    static forecast_input fci;
    make_forecast(&fci);
    cr_assert_eq(sf_plot_forecast(&fci.d, &o, &svg[10], &err), SF_OK);
    sf_buf g = {0};
    sf_buf_printf(&g, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\n");
    for (int k = 0; k < 11; k++) {
        write_text(tmp_file(names[k]), svg[k]);
        xmllint(tmp_file(names[k]));
        keep(tmp_file(names[k]));
        sf_buf_printf(&g, "<div>%s</div>\n", svg[k]);
        const char *dir = getenv("SCALEFIT_PLOT_DIR");
        if (dir && *dir) {
            char png[512];
            snprintf(png, sizeof png, "%s/%.*s.png", dir, (int)(strlen(names[k]) - 4), names[k]);
            screenshot(tmp_file(names[k]), png, 800, 500, 5);
        }
        free(svg[k]);
    }
    sf_buf_printf(&g, "</body></html>\n");
    write_text(tmp_file("gallery.html"), g.data);
    sf_buf_free(&g);
    screenshot(tmp_file("gallery.html"), tmp_file("gallery.png"), 850, 11 * 510, 9);
    keep(tmp_file("gallery.png"));
    free(dr);
    sf_fit_free(fit);
    sf_fit_free(hf);
    sf_data_free(d);
    sf_law_free(law);
}

/* Run each command line (NULL-terminated, with --plot, --plot-draws or
 * the like naming an SVG file), then check the file (in-test checks,
 * xmllint) and its render in Chromium (not blank). */
#define MAX_ARGS 24
static void render_cli_plots(const char *const (*runs)[MAX_ARGS], size_t n)
{
    for (size_t k = 0; k < n; k++) {
        cli_run r = run_cli(NULL, runs[k]);
        cr_assert_eq(r.status, 0, "%s %s: %s", runs[k][0], runs[k][1], r.err);
        cli_run_free(&r);
        const char *svg = NULL;
        for (int i = 0; runs[k][i]; i++)
            if (strncmp(runs[k][i], "--plot", 6) == 0 && strcmp(runs[k][i], "--plot-x") != 0)
                svg = runs[k][i + 1];
        cr_assert(svg, "%s: no plot file", runs[k][0]);
        free(read_plot(svg, runs[k][0]));
        char png[600];
        snprintf(png, sizeof png, "%.*s.png", (int)(strlen(svg) - 4), svg);
        screenshot(svg, png, 800, 500, 5);
        keep(svg);
        keep(png);
    }
}

/* `scalefit isoflop --plot` and `scalefit envelope --plot` as a user runs
 * them, on a simulated sweep with budgets left out, on Epoch's points of
 * Hoffmann et al. (29 budgets with --budget-tol 0.3, docs/approaches.md),
 * on simulated training curves and on GPT-3's validation curves: each
 * file passes xmllint and renders in Chromium, not blank. */
Test(browser, approach_plots_from_the_cli_render, .timeout = 300)
{
    need_tools();
    const char *sweep_csv = write_rows("odd_sweep.csv", odd_sweep());
    const char *curves_csv = write_rows("curves.csv", noisy_curves());
    const char *gpt3 = shared_file("hitchhiker_colpret/derived_learning_curves_long.csv");
    const char *const runs[4][MAX_ARGS] = {
        {"isoflop", sweep_csv, "--plot", tmp_file("cli-isoflop-sweep.svg"), NULL},
        {"isoflop", shared_file(EPOCH), "--budget-tol", "0.3", "--plot",
         tmp_file("cli-isoflop-epoch.svg"), NULL},
        {"envelope", curves_csv, "--plot", tmp_file("cli-envelope-curves.svg"), NULL},
        {"envelope", gpt3, "--filter", "family==gpt3", "--filter", "metric==val_loss", "--col",
         "N=num_params", "--col", "D=tokens_seen", "--col", "loss=value", "--col", "group=model",
         "--plot", tmp_file("cli-envelope-gpt3.svg"), NULL}};
    render_cli_plots(runs, 4);
}

/* The pictures of validate (GPT-3's validation curves: the 175B target,
 * every size in turn, every law), of the draws of fit --bootstrap and
 * bayes (Epoch's 240 rows) and of optimal with unique tokens
 * (Muennighoff et al.'s fit) and with inference tokens, as a user makes
 * them: each file passes xmllint and renders, not blank. */
Test(browser, analysis_plots_from_the_cli_render, .timeout = 300)
{
    need_tools();
    const char *gpt3 = shared_file("hitchhiker_colpret/derived_learning_curves_long.csv");
    const char *epoch = shared_file(EPOCH);
#define GPT3_VAL "validate", gpt3, "--filter", "family==gpt3", "--filter", "metric==val_loss", \
                 "--col", "loss=value"
    const char *const runs[7][MAX_ARGS] = {
        {GPT3_VAL, "--plot", tmp_file("cli-validate-gpt3.svg"), NULL},
        {GPT3_VAL, "--loo", "--plot", tmp_file("cli-validate-gpt3-loo.svg"), NULL},
        {GPT3_VAL, "--compare", "--plot", tmp_file("cli-validate-gpt3-compare.svg"), NULL},
        {"fit", epoch, "--filter", "loss<3.44", "--bootstrap", "200", "--plot-draws",
         tmp_file("cli-fit-draws-epoch.svg"), NULL},
        {"bayes", epoch, "--filter", "loss<3.44", "--plot", tmp_file("cli-bayes-epoch.svg"), NULL},
        {"optimal", "examples/muennighoff2023.json", "--compute", "1e20,1e22,1e24",
         "--unique-tokens", "25e9", "--plot", tmp_file("cli-optimal-unique.svg"), NULL},
        {"optimal", "examples/hoffmann2022.json", "--compute", "1e21,1e23,1e25",
         "--inference-tokens", "2e12", "--plot", tmp_file("cli-optimal-inference.svg"), NULL}};
#undef GPT3_VAL
    render_cli_plots(runs, 7);
}

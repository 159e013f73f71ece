/* Shared helpers of the plots and the report (see plot.h). */
#include "render/plot.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "law/law_impl.h"

void sf_plot_options_init(sf_plot_options *o)
{
    memset(o, 0, sizeof *o);
    o->width = 800;
    o->height = 500;
    o->x = -1;
    o->level = 0.95;
}

int sf_plot_check_options(const sf_plot_options *o, sf_plot_options *out, char **doc,
                          sf_error *err)
{
    *doc = NULL;
    if (o) *out = *o;
    else sf_plot_options_init(out);
    if (out->width < 320 || out->width > 8000 || out->height < 240 || out->height > 8000)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "plot size %d x %d is outside 320..8000 x 240..8000", out->width,
                       out->height);
    if (!(out->level > 0 && out->level < 1))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "plot band level %g is not in (0, 1)",
                       out->level);
    if (out->id) {
        /* The prefix becomes part of XML ids and url(#...) references. */
        size_t n = strlen(out->id);
        if (n == 0 || n > 30)
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "plot id must have 1 to 30 characters");
        for (size_t i = 0; i < n; i++) {
            char c = out->id[i];
            int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
                     (i > 0 && c >= '0' && c <= '9');
            if (!ok)
                return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                               "plot id '%s': use letters, digits, '-' and '_', starting "
                               "with a letter",
                               out->id);
        }
    }
    return SF_OK;
}

size_t sf_plot_distinct(const double *v, size_t n, double **out)
{
    *out = NULL;
    double *u = malloc((n ? n : 1) * sizeof *u);
    if (!u) return (size_t)-1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) u[m++] = v[i];
    sf_sort_doubles(u, m);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (k == 0 || fabs(u[i] - u[k - 1]) > 1e-4 * fabs(u[k - 1])) u[k++] = u[i];
    *out = u;
    return k;
}

double sf_plot_corr(const double *x, const double *y, size_t n)
{
    double sx = 0, sy = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i])) {
            sx += x[i];
            sy += y[i];
            m++;
        }
    if (m < 2) return NAN;
    double mx = sx / (double)m, my = sy / (double)m, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i])) {
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
            sxy += (x[i] - mx) * (y[i] - my);
        }
    if (!(sxx > 0 && syy > 0)) return NAN;
    return sxy / sqrt(sxx * syy);
}

/* Trailing zeros after a decimal point, and then the point, removed. */
static void trim_zeros(char *m)
{
    if (!strchr(m, '.')) return;
    size_t len = strlen(m);
    while (len > 0 && m[len - 1] == '0') m[--len] = '\0';
    if (len > 0 && m[len - 1] == '.') m[--len] = '\0';
}

void sf_plot_g(char *buf, size_t size, double v, int sig)
{
    if (sig < 1) sig = 1;
    if (sig > 9) sig = 9;
    if (!isfinite(v)) {
        snprintf(buf, size, "%s", isnan(v) ? "n/a" : v > 0 ? "inf" : "-inf");
        return;
    }
    if (v == 0.0) {
        snprintf(buf, size, "0");
        return;
    }
    int k = (int)floor(log10(fabs(v)));
    /* Rounding to sig digits may carry into the next power of ten. */
    double r = round(fabs(v) / pow(10.0, k - sig + 1));
    if (r >= pow(10.0, sig)) k++;
    char m[48];
    if (k >= -4 && k < 6) {
        sf_svg_fixed(m, sizeof m, v, sig - 1 - k, "-");
        trim_zeros(m);
        snprintf(buf, size, "%s", m);
        return;
    }
    sf_svg_fixed(m, sizeof m, v / pow(10.0, k), sig - 1, "-");
    trim_zeros(m);
    snprintf(buf, size, "%se%c%02d", m, k < 0 ? '-' : '+', k < 0 ? -k : k);
}

void sf_plot_num(char *buf, size_t size, double v) { sf_plot_g(buf, size, v, 4); }

void sf_plot_pretty(char *out, size_t size, const char *in)
{
    static const char *const names[][2] = {{"alpha", "\xCE\xB1"},   {"beta", "\xCE\xB2"},
                                           {"gamma", "\xCE\xB3"},   {"delta", "\xCE\xB4"},
                                           {"epsilon", "\xCE\xB5"}, {"kappa", "\xCE\xBA"},
                                           {"lambda", "\xCE\xBB"},  {"sigma", "\xCF\x83"},
                                           {"tau", "\xCF\x84"},     {"rho", "\xCF\x81"}};
    size_t k = 0;
    if (size == 0) return;
    for (const char *c = in ? in : ""; *c && k + 1 < size;) {
        int word_start = c == in || !(isalnum((unsigned char)c[-1]) || c[-1] == '_');
        const char *rep = NULL;
        size_t len = 0;
        for (size_t i = 0; word_start && !rep && i < sizeof names / sizeof names[0]; i++) {
            len = strlen(names[i][0]);
            if (strncmp(c, names[i][0], len) == 0 && !isalnum((unsigned char)c[len]) &&
                c[len] != '_')
                rep = names[i][1];
        }
        if (rep) {
            size_t rl = strlen(rep);
            if (k + rl + 1 > size) break;
            memcpy(out + k, rep, rl);
            k += rl;
            c += len;
        } else {
            out[k++] = *c++;
        }
    }
    out[k] = '\0';
}

const char *sf_plot_basename(const char *path)
{
    if (!path) return NULL;
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

int sf_plot_done(sf_svg_doc *s, sf_svg_panel *panels, size_t n, int rc, char **out, sf_error *err)
{
    for (size_t k = 0; k < n; k++) sf_svg_panel_free(&panels[k]);
    *out = NULL;
    if (rc != SF_OK) {
        sf_buf_free(&s->b);
        return rc;
    }
    *out = sf_svg_finish(s);
    return *out ? SF_OK : sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
}

void sf_plot_law_scales(const sf_law *law, int *log)
{
    for (size_t j = 0; j < law->n_params; j++) log[j] = law->param[j].scale == SF_SCALE_LOG;
}

void sf_plot_free_params(const sf_fit *fit, int *free_param)
{
    size_t np = sf_law_n_params(sf_fit_law(fit));
    for (size_t j = 0; j < np; j++)
        free_param[j] = !sf_fit_is_fixed(fit, j) && sf_fit_tied_to(fit, j) < 0;
}

void sf_plot_size_text(char *buf, size_t size, double N)
{
    static const struct {
        double scale;
        const char *suffix;
    } units[] = {{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        /* 999.6M rounds to 1000M: written 1B. */
        if (fabs(N) >= 0.9995 * units[k].scale && isfinite(N)) {
            char m[32];
            sf_plot_g(m, sizeof m, N / units[k].scale, 3);
            snprintf(buf, size, "%s%s", m, units[k].suffix);
            return;
        }
    }
    sf_plot_g(buf, size, N, 3);
}

/* The title: the plot's name, the data file and its filters, as
 * "Envelope of training curves: runs.csv (family==gpt3)"; when that is
 * too wide, the short name with the filters, else without them. */
const sf_plot_options *sf_plot_titled(const sf_plot_options *o, const sf_data *d,
                                      const char *name, const char *short_name,
                                      sf_plot_options *copy, char *title, size_t size)
{
    if (o) *copy = *o;
    else sf_plot_options_init(copy);
    if (copy->title || !d || !d->source) return copy;
    const char *file = sf_plot_basename(d->source);
    sf_buf f = {0};
    for (size_t k = 0; k < d->n_filters; k++)
        sf_buf_printf(&f, "%s%s", k ? ", " : " (", d->filters[k]);
    if (d->n_filters) sf_buf_printf(&f, ")");
    const char *filters = f.data ? f.data : "";
    /* Titles are bold: about 10% wider than the regular text measured. */
    double room = (copy->width - 24.0) / 1.1;
    snprintf(title, size, "%s: %s%s", name, file, filters);
    if (sf_svg_text_width(title, SF_SVG_FS_TITLE) > room) {
        snprintf(title, size, "%s: %s%s", short_name, file, filters);
        if (sf_svg_text_width(title, SF_SVG_FS_TITLE) > room)
            snprintf(title, size, "%s: %s", name, file);
    }
    sf_buf_free(&f);
    copy->title = title;
    return copy;
}

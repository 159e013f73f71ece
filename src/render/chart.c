/*
 * Building chart descriptions (render/chart.h): small functions that copy
 * what a plot module hands them into the chart.  Nothing here draws.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "render/chart.h"

void sf_chart_init(sf_chart *c, const sf_plot_options *o, sf_chart_layout layout,
                   const char *title, const char *subtitle)
{
    memset(c, 0, sizeof *c);
    c->width = o->width;
    c->height = o->height;
    sf_strlcpy(c->id, o->id ? o->id : "sf", sizeof c->id);
    sf_strlcpy(c->title, title ? title : "", sizeof c->title);
    sf_strlcpy(c->subtitle, subtitle ? subtitle : "", sizeof c->subtitle);
    c->layout = layout;
    c->cols = 1;
}

static void series_free(sf_chart_series *s)
{
    free(s->x);
    free(s->y);
    free(s->lo);
    free(s->hi);
    free(s->fills);
    free(s->text);
}

void sf_chart_free(sf_chart *c)
{
    if (!c) return;
    for (size_t k = 0; k < c->n_panels; k++) {
        sf_chart_panel *p = &c->panels[k];
        for (size_t j = 0; j < p->n_series; j++) series_free(&p->series[j]);
        free(p->series);
        free(p->legend);
    }
    free(c->panels);
    memset(c, 0, sizeof *c);
}

/* Room for one more element of size `size` in *v (count *n, capacity
 * *cap); 0 when out of memory. */
static int grow(void **v, size_t *n, size_t *cap, size_t size)
{
    if (*n < *cap) return 1;
    size_t m = *cap ? 2 * *cap : 8;
    void *q = realloc(*v, m * size);
    if (!q) return 0;
    *v = q;
    *cap = m;
    return 1;
}

sf_chart_panel *sf_chart_panel_add(sf_chart *c, double xlo, double xhi, int xlog,
                                   const char *xtitle, double ylo, double yhi, int ylog,
                                   const char *ytitle)
{
    void *v = c->panels;
    if (!grow(&v, &c->n_panels, &c->cap_panels, sizeof *c->panels)) {
        c->bad = 1;
        return NULL;
    }
    c->panels = v;
    sf_chart_panel *p = &c->panels[c->n_panels++];
    memset(p, 0, sizeof *p);
    p->x = (sf_chart_axis){.lo = xlo, .hi = xhi, .log = xlog};
    p->y = (sf_chart_axis){.lo = ylo, .hi = yhi, .log = ylog};
    sf_strlcpy(p->x.title, xtitle ? xtitle : "", sizeof p->x.title);
    sf_strlcpy(p->y.title, ytitle ? ytitle : "", sizeof p->y.title);
    p->share = 1.0;
    return p;
}

static double *copy(sf_chart *c, const double *v, size_t n)
{
    if (!v || n == 0) return NULL;
    double *q = malloc(n * sizeof *q);
    if (!q) {
        c->bad = 1;
        return NULL;
    }
    memcpy(q, v, n * sizeof *q);
    return q;
}

static void set(char *dst, size_t size, const char *src)
{
    sf_strlcpy(dst, src ? src : "", size);
}

/* A new series of kind k with copies of the arrays, or NULL. */
static sf_chart_series *series_add(sf_chart *c, sf_chart_panel *p, sf_chart_kind k,
                                   const double *x, const double *y, const double *lo,
                                   const double *hi, size_t n)
{
    if (!p) return NULL;
    void *v = p->series;
    if (!grow(&v, &p->n_series, &p->cap_series, sizeof *p->series)) {
        c->bad = 1;
        return NULL;
    }
    p->series = v;
    sf_chart_series *s = &p->series[p->n_series++];
    memset(s, 0, sizeof *s);
    s->kind = k;
    s->n = n;
    s->x = copy(c, x, n);
    s->y = copy(c, y, n);
    s->lo = copy(c, lo, n);
    s->hi = copy(c, hi, n);
    s->st.opacity = 1.0;
    return s;
}

void sf_chart_line(sf_chart *c, sf_chart_panel *p, const double *x, const double *y, size_t n,
                   const char *color, double width, const char *dash, double opacity)
{
    sf_chart_series *s = series_add(c, p, SF_CHART_LINE, x, y, NULL, NULL, n);
    if (!s) return;
    set(s->st.color, sizeof s->st.color, color);
    set(s->st.dash, sizeof s->st.dash, dash);
    s->st.width = width;
    s->st.opacity = opacity;
}

void sf_chart_markers(sf_chart *c, sf_chart_panel *p, const double *x, const double *y, size_t n,
                      sf_svg_shape shape, double r, const char *fill, const char *stroke,
                      double stroke_width, double opacity, const sf_svg_color *fills)
{
    sf_chart_series *s = series_add(c, p, SF_CHART_MARKERS, x, y, NULL, NULL, n);
    if (!s) return;
    s->st.shape = shape;
    s->st.r = r;
    set(s->st.fill, sizeof s->st.fill, fill);
    set(s->st.stroke, sizeof s->st.stroke, stroke);
    s->st.stroke_width = stroke_width;
    s->st.opacity = opacity;
    if (fills && n) {
        s->fills = malloc(n * sizeof *s->fills);
        if (s->fills) memcpy(s->fills, fills, n * sizeof *s->fills);
        else c->bad = 1;
    }
}

void sf_chart_marker(sf_chart *c, sf_chart_panel *p, double x, double y, sf_svg_shape shape,
                     double r, const char *fill, const char *stroke, double stroke_width,
                     double opacity)
{
    sf_chart_markers(c, p, &x, &y, 1, shape, r, fill, stroke, stroke_width, opacity, NULL);
}

void sf_chart_band(sf_chart *c, sf_chart_panel *p, const double *x, const double *lo,
                   const double *hi, size_t n, const char *color, double opacity)
{
    sf_chart_series *s = series_add(c, p, SF_CHART_BAND, x, NULL, lo, hi, n);
    if (!s) return;
    set(s->st.color, sizeof s->st.color, color);
    s->st.opacity = opacity;
}

void sf_chart_errbars(sf_chart *c, sf_chart_panel *p, const double *x, const double *y,
                      const double *lo, const double *hi, size_t n, int horizontal,
                      const char *color)
{
    sf_chart_series *s = series_add(c, p, SF_CHART_ERRBARS, x, y, lo, hi, n);
    if (!s) return;
    set(s->st.color, sizeof s->st.color, color);
    s->st.horizontal = horizontal;
}

void sf_chart_rule(sf_chart *c, sf_chart_panel *p, double v, int vertical, const char *color,
                   const char *dash)
{
    sf_chart_series *s = series_add(c, p, SF_CHART_RULE, &v, NULL, NULL, NULL, 1);
    if (!s) return;
    set(s->st.color, sizeof s->st.color, color);
    set(s->st.dash, sizeof s->st.dash, dash);
    s->st.horizontal = !vertical;
}

void sf_chart_rule_label(sf_chart *c, sf_chart_panel *p, double v, const char *text,
                         const char *color)
{
    sf_chart_series *s = series_add(c, p, SF_CHART_RULE_LABEL, &v, NULL, NULL, NULL, 1);
    if (!s) return;
    set(s->st.color, sizeof s->st.color, color);
    s->text = sf_strdup(text ? text : "");
    if (!s->text) c->bad = 1;
}

void sf_chart_point_labels(sf_chart *c, sf_chart_panel *p, const double *x, const double *y,
                           const char *const *texts, size_t n, const char *color)
{
    sf_chart_series *s = series_add(c, p, SF_CHART_POINT_LABELS, x, y, NULL, NULL, n);
    if (!s || n == 0) return;
    set(s->st.color, sizeof s->st.color, color);
    s->text = calloc(n, 32);
    if (!s->text) {
        c->bad = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) sf_strlcpy(s->text + 32 * i, texts[i] ? texts[i] : "", 32);
}

void sf_chart_legend_add(sf_chart *c, sf_chart_panel *p, const sf_svg_legend_item *item)
{
    if (!p) return;
    void *v = p->legend;
    if (!grow(&v, &p->n_legend, &p->cap_legend, sizeof *p->legend)) {
        c->bad = 1;
        return;
    }
    p->legend = v;
    sf_chart_legend *l = &p->legend[p->n_legend++];
    l->item = *item;
    set(l->text, sizeof l->text, item->text);
    set(l->color, sizeof l->color, item->color);
    set(l->dash, sizeof l->dash, item->dash);
}

void sf_chart_colorbar(sf_chart_panel *p, double lo, double hi, int log, const char *title)
{
    if (!p) return;
    p->has_colorbar = 1;
    p->cb_lo = lo;
    p->cb_hi = hi;
    p->cb_log = log;
    set(p->cb_title, sizeof p->cb_title, title);
}

void sf_chart_note(sf_chart_panel *p, const char *text)
{
    if (p) set(p->note, sizeof p->note, text);
}

void sf_chart_box(sf_chart_panel *p, const sf_svg_label *label, const char *line2,
                  const char *color)
{
    if (!p) return;
    p->has_box = 1;
    p->box = *label;
    set(p->box_line2, sizeof p->box_line2, line2);
    set(p->box_color, sizeof p->box_color, color);
}

void sf_chart_markers_sparse(sf_chart *c, sf_chart_panel *p, const double *x, const double *y,
                             size_t n, double px, sf_svg_shape shape, double r, const char *fill,
                             const char *stroke, double stroke_width, double opacity)
{
    sf_chart_markers(c, p, x, y, n, shape, r, fill, stroke, stroke_width, opacity, NULL);
    if (!p || !p->n_series || p->series[p->n_series - 1].kind != SF_CHART_MARKERS) return;
    p->series[p->n_series - 1].st.sparse = 1;
    p->sparse_px = px;
}

void sf_chart_cloud(sf_chart *c, sf_chart_panel *p, const double *x, const double *y, size_t n,
                    double r, const char *color, double opacity)
{
    sf_chart_series *s = series_add(c, p, SF_CHART_CLOUD, x, y, NULL, NULL, n);
    if (!s) return;
    set(s->st.color, sizeof s->st.color, color);
    s->st.r = r;
    s->st.opacity = opacity;
}

/*
 * The one renderer: any chart description (render/chart.h) to SVG.  It
 * alone decides the layout: the panels' places from the layout kind, the
 * left margin their y tick labels need, the room a colour bar takes, the
 * legend's corner (the one covering the fewest marks drawn, via
 * sf_svg_legend) or its place beside a square panel, and where labels fit.
 * The drawing itself goes through the SVG primitives of render/svg.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "render/chart.h"

#define MARGIN_RIGHT 16.0
#define COLORBAR_GAP 18.0
#define STACK_GAP 10.0

/* Pixel boxes of the panels, decided by the layout. */
typedef struct box {
    double x0, y0, x1, y1;
} box;

typedef struct frame {
    box *b;              /* one per panel */
    int xlabels_last;    /* x tick labels and title on the last panel only */
    int legend_outside;  /* SQUARE: legend at (lx, ly), beside the panel */
    double lx, ly;
    size_t row_split;    /* ROW: panel 0's legend in rows above the panels:
                            entries [0, row_split) in the first row, the
                            rest in a second; 0 = inside the panel */
    double row_y;        /* the first row's top */
} frame;

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

static double ymargin(const sf_chart_panel *p, double y0, double y1)
{
    return sf_svg_y_margin(p->y.lo, p->y.hi, p->y.log, y0, y1);
}

static double colorbar_room(const sf_chart_panel *p, double y0, double y1)
{
    if (!p->has_colorbar) return 0.0;
    return sf_svg_colorbar_width(p->cb_lo, p->cb_hi, p->cb_log, y0, y1) + COLORBAR_GAP;
}

/* The legend items of a panel, pointing into its strings. */
static size_t legend_items(const sf_chart_panel *p, sf_svg_legend_item *items, size_t cap)
{
    size_t n = 0;
    for (; n < p->n_legend && n < cap; n++) {
        const sf_chart_legend *l = &p->legend[n];
        items[n] = l->item;
        items[n].text = l->text;
        items[n].color = or_null(l->color);
        items[n].dash = or_null(l->dash);
    }
    return n;
}

/* Panels top to bottom sharing x0..x1: each below the first takes its
 * share of the height (at least min_px), the first the rest less the
 * gaps; a common left margin wide enough for every panel's labels, and
 * room for colour bars. */
static void layout_stack(const sf_chart *c, frame *f)
{
    const size_t n = c->n_panels;
    double y0 = SF_SVG_TITLE_H + 8.0, ybot = c->height - sf_svg_x_margin(), total = 0.0;
    for (size_t k = 0; k < n; k++) total += c->panels[k].share > 0 ? c->panels[k].share : 1.0;
    for (size_t k = n; k-- > 1;) {
        const sf_chart_panel *p = &c->panels[k];
        double h = fmax(p->min_px, (ybot - y0) * (p->share > 0 ? p->share : 1.0) / total);
        f->b[k].y1 = k + 1 == n ? ybot : f->b[k + 1].y0 - STACK_GAP;
        f->b[k].y0 = f->b[k].y1 - h;
    }
    f->b[0].y0 = y0;
    f->b[0].y1 = n > 1 ? f->b[1].y0 - STACK_GAP : ybot;
    double left = 0.0, right = 0.0;
    for (size_t k = 0; k < n; k++) {
        left = fmax(left, ymargin(&c->panels[k], f->b[k].y0, f->b[k].y1));
        right = fmax(right, colorbar_room(&c->panels[k], f->b[k].y0, f->b[k].y1));
    }
    for (size_t k = 0; k < n; k++) {
        f->b[k].x0 = 10.0 + left;
        f->b[k].x1 = c->width - MARGIN_RIGHT - right;
    }
    f->xlabels_last = 1;
}

/* One square panel (both axes share a range), its legend beside it when
 * that leaves the panel at least 120 px, else inside. */
static void layout_square(const sf_chart *c, frame *f)
{
    const sf_chart_panel *p = &c->panels[0];
    double y0 = SF_SVG_TITLE_H + 8.0, y1 = c->height - sf_svg_x_margin();
    double x0 = 10.0 + ymargin(p, y0, y1), lw = 0.0, lh = 0.0;
    sf_svg_legend_item items[64];
    size_t n = legend_items(p, items, 64);
    if (n) sf_svg_legend_size(items, n, &lw, &lh);
    int outside = n && c->width - x0 - lw - 36.0 >= 120.0;
    double side = fmin(y1 - y0, outside ? c->width - x0 - lw - 36.0 : c->width - x0 - 16.0);
    f->b[0] = (box){x0, y0, x0 + side, y0 + side};
    f->legend_outside = outside;
    f->lx = x0 + side + 24.0;
    f->ly = y0;
}

/* The legend of panel 0 in at most two rows above the panels, each as
 * wide as fits: how many entries go in the first row, 0 when it does not
 * fit. */
static size_t legend_split(const sf_chart *c)
{
    const sf_chart_panel *p = &c->panels[0];
    if (!c->legend_row || c->n_panels < 2 || p->n_legend == 0) return 0;
    sf_svg_legend_item items[64];
    size_t n = legend_items(p, items, 64), split = n;
    double room = c->width - 24.0;
    while (split > 0 && sf_svg_legend_row_width(items, split) > room) split--;
    return split > 0 && sf_svg_legend_row_width(items + split, n - split) <= room ? split : 0;
}

/* The first panel and side panels at its right, each side panel share x
 * the width (at least min_px) with its own y labels; a colour bar right of
 * the first panel; the legend rows above when they fit. */
static void layout_row(const sf_chart *c, frame *f)
{
    double y0 = SF_SVG_TITLE_H + 8.0, y1 = c->height - sf_svg_x_margin();
    f->row_split = legend_split(c);
    f->row_y = y0;
    if (f->row_split) {
        y0 += 22.0;
        if (f->row_split < c->panels[0].n_legend) y0 += 20.0;
    }
    double x1 = c->width - MARGIN_RIGHT;
    for (size_t k = c->n_panels; k-- > 1;) {
        const sf_chart_panel *p = &c->panels[k];
        double w = fmax(p->min_px, p->share * c->width);
        f->b[k] = (box){x1 - w, y0, x1, y1};
        x1 = x1 - w - ymargin(p, y0, y1) - 8.0;
    }
    x1 -= colorbar_room(&c->panels[0], y0, y1);
    f->b[0] = (box){10.0 + ymargin(&c->panels[0], y0, y1), y0, x1, y1};
}

/* Equal cells, c->cols to a row, under the title: in each a line for the
 * panel's title, its y labels at the left, x labels below. */
static void layout_grid(const sf_chart *c, frame *f)
{
    size_t cols = c->cols > 0 ? (size_t)c->cols : 1, rows = (c->n_panels + cols - 1) / cols;
    double top = SF_SVG_TITLE_H + 4.0;
    double cw = (c->width - 8.0) / (double)cols, ch = (c->height - top) / (double)rows;
    for (size_t k = 0; k < c->n_panels; k++) {
        double cx = 4.0 + cw * (double)(k % cols), cy = top + ch * (double)(k / cols);
        double y0 = cy + 22.0, y1 = cy + ch - sf_svg_x_margin();
        f->b[k] = (box){cx + 6.0 + ymargin(&c->panels[k], y0, y1), y0, cx + cw - 14.0, y1};
    }
}

static void layout(const sf_chart *c, frame *f)
{
    switch (c->layout) {
    case SF_CHART_SQUARE: layout_square(c, f); break;
    case SF_CHART_ROW: layout_row(c, f); break;
    case SF_CHART_GRID: layout_grid(c, f); break;
    default: layout_stack(c, f); break;
    }
}

static void draw_markers(sf_svg_doc *s, sf_svg_panel *sp, const sf_chart_panel *p,
                         const sf_chart_series *q)
{
    const sf_chart_style *st = &q->st;
    if (st->sparse && p->sparse_px * (double)q->n > sp->x1 - sp->x0) return;
    for (size_t i = 0; i < q->n; i++)
        sf_svg_marker(s, sp, q->x[i], q->y[i], st->shape, st->r,
                      q->fills ? q->fills[i].hex : st->fill, or_null(st->stroke),
                      st->stroke_width, st->opacity);
}

/* Plain circles in one group: thousands of points stay small. */
static void draw_cloud(sf_svg_doc *s, sf_svg_panel *sp, const sf_chart_series *q)
{
    char op[16];
    sf_svg_fixed(op, sizeof op, q->st.opacity, 2, "-");
    sf_svg_printf(s, "<g fill=\"%s\" fill-opacity=\"%s\">\n", q->st.color, op);
    for (size_t i = 0; i < q->n; i++) {
        double x = q->x[i], y = q->y[i];
        if (!isfinite(x) || !isfinite(y) || (sp->x.log && !(x > 0)) || (sp->y.log && !(y > 0)))
            continue;
        sf_svg_printf(s, "<circle cx=\"");
        sf_svg_num(s, sf_svg_px(sp, x));
        sf_svg_printf(s, "\" cy=\"");
        sf_svg_num(s, sf_svg_py(sp, y));
        sf_svg_printf(s, "\" r=\"");
        sf_svg_num(s, q->st.r);
        sf_svg_printf(s, "\"/>\n");
    }
    sf_svg_printf(s, "</g>\n");
}

/* The data series of a panel, in the order given (labels come later). */
static void draw_series(sf_svg_doc *s, sf_svg_panel *sp, const sf_chart_panel *p,
                        const sf_chart_series *q)
{
    const sf_chart_style *st = &q->st;
    switch (q->kind) {
    case SF_CHART_LINE:
        sf_svg_line(s, sp, q->x, q->y, q->n, st->color, st->width, or_null(st->dash), st->opacity);
        break;
    case SF_CHART_MARKERS: draw_markers(s, sp, p, q); break;
    case SF_CHART_CLOUD: draw_cloud(s, sp, q); break;
    case SF_CHART_BAND: sf_svg_band(s, sp, q->x, q->lo, q->hi, q->n, st->color, st->opacity); break;
    case SF_CHART_ERRBARS:
        for (size_t i = 0; i < q->n; i++)
            sf_svg_errbar(s, sp, q->x[i], q->y[i], q->lo[i], q->hi[i], st->horizontal, st->color);
        break;
    case SF_CHART_RULE:
        sf_svg_rule(s, sp, q->x[0], !st->horizontal, st->color, or_null(st->dash));
        break;
    default: break;
    }
}

/* Does a line series of the panel pass through the pixel box? */
static int crossed(const sf_svg_panel *sp, const sf_chart_panel *p, double bx0, double by0,
                   double bx1, double by1)
{
    for (size_t j = 0; j < p->n_series; j++) {
        const sf_chart_series *q = &p->series[j];
        if (q->kind != SF_CHART_LINE || q->n < 3) continue;
        for (size_t k = 0; k < q->n; k++) {
            if (!(q->x[k] > 0 && q->y[k] > 0)) continue;
            double px = sf_svg_px(sp, q->x[k]), py = sf_svg_py(sp, q->y[k]);
            if (px >= bx0 && px <= bx1 && py >= by0 && py <= by1) return 1;
        }
    }
    return 0;
}

/* Name the horizontal rule at y = v: above or below it, at its left or
 * right end, wherever no line passes through the text (left above when
 * every place is crossed). */
static void draw_rule_label(sf_svg_doc *s, sf_svg_panel *sp, const sf_chart_panel *p,
                            const sf_chart_series *q)
{
    const double fs = SF_SVG_FS_NOTE, w = sf_svg_text_width(q->text, fs);
    const double ly = sf_svg_py(sp, q->x[0]);
    for (int c = 0; c < 5; c++) {
        int right = c & 1, below = (c >> 1) & 1;
        double bx0 = right ? sp->x1 - 6.0 - w : sp->x0 + 6.0;
        double base = below ? ly + fs + 4.0 : ly - 5.0;
        double by0 = base - fs - 2.0, by1 = base + 3.0;
        if (c < 4 && (by0 < sp->y0 || by1 > sp->y1 || crossed(sp, p, bx0 - 3, by0, bx0 + w + 3, by1)))
            continue;
        if (c == 4) {
            bx0 = sp->x0 + 6.0;
            base = ly - 5.0;
            if (base - fs < sp->y0) return;
        }
        sf_svg_text_halo(s, bx0, base, fs, "start", q->st.color, q->text);
        sf_svg_occupy(sp, bx0, base - fs, bx0 + w, base);
        return;
    }
}

/* Texts by points: above, below when there is no room above, skipped when
 * they would overlap the previous one or leave the panel. */
static void draw_point_labels(sf_svg_doc *s, sf_svg_panel *sp, const sf_chart_series *q)
{
    const double fs = SF_SVG_FS_NOTE;
    double last_end = -INFINITY;
    for (size_t i = 0; i < q->n; i++) {
        double x = q->x[i], y = q->y[i];
        if (!(x >= sp->x.lo && x <= sp->x.hi) || !(y > 0)) continue;
        const char *t = q->text + 32 * i;
        double px = sf_svg_px(sp, x), py = sf_svg_py(sp, y) - 9.0, w = sf_svg_text_width(t, fs);
        if (py - fs < sp->y0) py += 18.0 + fs;
        if (px - 0.5 * w < last_end + 4.0 || py - fs < sp->y0 || py + 3.0 > sp->y1) continue;
        sf_svg_text_halo(s, px, py, fs, "middle", q->st.color, t);
        sf_svg_occupy(sp, px - 0.5 * w, py - fs, px + 0.5 * w, py);
        last_end = px + 0.5 * w;
    }
}

/* The boxed annotation, on white, in the corner with the fewest marks. */
static void draw_box(sf_svg_doc *s, sf_svg_panel *sp, const sf_chart_panel *p)
{
    const double fs = SF_SVG_FS_NOTE;
    double w = sf_svg_label_width(&p->box, fs) + 12.0, h = 1.05 * fs + 10.0;
    if (p->box_line2[0]) {
        w = fmax(w, sf_svg_text_width(p->box_line2, fs) + 12.0);
        h += 1.3 * fs;
    }
    double bx, by;
    sf_svg_corner(sp, w, h, &bx, &by);
    double x = bx + 6.0, y = by + 4.0 + 1.05 * fs;
    sf_svg_printf(s, "<rect x=\"");
    sf_svg_num(s, bx);
    sf_svg_printf(s, "\" y=\"");
    sf_svg_num(s, by);
    sf_svg_printf(s, "\" width=\"");
    sf_svg_num(s, w);
    sf_svg_printf(s, "\" height=\"");
    sf_svg_num(s, h);
    sf_svg_printf(s, "\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"%s\"/>\n",
                  p->box_color);
    sf_svg_label_draw(s, x, y, fs, "start", &p->box);
    if (p->box_line2[0]) sf_svg_text(s, x, y + 1.3 * fs, fs, "start", 0.0, NULL, NULL, p->box_line2);
}

/* Labels, legend, colour bar and note of a panel: after its data, so the
 * legend can avoid them. */
static void draw_extras(sf_svg_doc *s, sf_svg_panel *sp, const sf_chart_panel *p,
                        const sf_chart_panel *c0, const frame *f)
{
    for (size_t j = 0; j < p->n_series; j++) {
        const sf_chart_series *q = &p->series[j];
        if (q->kind == SF_CHART_RULE_LABEL) draw_rule_label(s, sp, p, q);
        else if (q->kind == SF_CHART_POINT_LABELS) draw_point_labels(s, sp, q);
    }
    if (p->has_box) draw_box(s, sp, p);
    sf_svg_legend_item items[64];
    size_t n = legend_items(p, items, 64);
    if (n && f->legend_outside) sf_svg_legend_at(s, f->lx, f->ly, items, n);
    else if (n && !(p == c0 && f->row_split)) sf_svg_legend(s, sp, items, n);
    if (p->has_colorbar)
        sf_svg_colorbar(s, sp->x1 + COLORBAR_GAP, sp->y0, sp->y1, p->cb_lo, p->cb_hi, p->cb_log,
                        p->cb_title);
    if (p->note[0])
        sf_svg_text(s, sp->x0 + 6.0, sp->y1 - 6.0, SF_SVG_FS_NOTE, "start", 0.0, NULL, "#555555",
                    p->note);
}

/* Panels' frames and axes, then each panel's data (clipped), then its
 * labels, legend, colour bar and note. */
static void draw_panels(sf_svg_doc *s, const sf_chart *c, const frame *f, sf_svg_panel *sp)
{
    const size_t n = c->n_panels;
    if (f->row_split) {
        sf_svg_legend_item items[64];
        size_t m = legend_items(&c->panels[0], items, 64);
        sf_svg_legend_row(s, 12.0, f->row_y + 4.0, items, f->row_split);
        if (f->row_split < m)
            sf_svg_legend_row(s, 12.0, f->row_y + 24.0, items + f->row_split, m - f->row_split);
    }
    for (size_t k = 0; k < n; k++) {
        const sf_chart_panel *p = &c->panels[k];
        sf_svg_panel_init(s, &sp[k], f->b[k].x0, f->b[k].y0, f->b[k].x1, f->b[k].y1, p->x.lo,
                          p->x.hi, p->x.log, p->y.lo, p->y.hi, p->y.log);
    }
    for (size_t k = 0; k < n; k++) {
        const sf_chart_panel *p = &c->panels[k];
        int labels = !f->xlabels_last || k + 1 == n;
        if (p->title[0])
            sf_svg_text(s, f->b[k].x0, f->b[k].y0 - 8.0, SF_SVG_FS_NOTE, "start", 0.0, "bold", NULL,
                        p->title);
        sf_svg_panel_axes(s, &sp[k], labels ? or_null(p->x.title) : NULL, or_null(p->y.title),
                          labels);
    }
    for (size_t k = 0; k < n; k++) {
        sf_svg_clip_begin(s, &sp[k]);
        for (size_t j = 0; j < c->panels[k].n_series; j++)
            draw_series(s, &sp[k], &c->panels[k], &c->panels[k].series[j]);
        sf_svg_clip_end(s);
        draw_extras(s, &sp[k], &c->panels[k], &c->panels[0], f);
    }
}

int sf_chart_render(const sf_chart *c, char **svg, sf_error *err)
{
    *svg = NULL;
    if (c->bad) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    if (c->n_panels == 0) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "a chart without panels");
    frame f;
    memset(&f, 0, sizeof f);
    f.b = calloc(c->n_panels, sizeof *f.b);
    sf_svg_panel *sp = calloc(c->n_panels, sizeof *sp);
    if (!f.b || !sp) {
        free(f.b);
        free(sp);
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    layout(c, &f);
    sf_svg_doc s;
    sf_svg_begin(&s, c->width, c->height, c->id, c->title);
    sf_svg_title(&s, c->title, or_null(c->subtitle));
    draw_panels(&s, c, &f, sp);
    for (size_t k = 0; k < c->n_panels; k++) sf_svg_panel_free(&sp[k]);
    free(sp);
    free(f.b);
    *svg = sf_svg_finish(&s);
    return *svg ? SF_OK : sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
}

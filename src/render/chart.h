/*
 * Charts as descriptions.  A plot module (plot_*.c) turns results into an
 * sf_chart: a figure (size, title, subtitle), its panels (axes with ranges,
 * log or linear scales and titles), and in each panel the series to draw
 * (lines, markers, bands, error bars, rules, labels), the legend entries,
 * a colour bar and notes.  It decides nothing about pixels.  One renderer
 * (render/renderer.c, sf_chart_render) draws any description to SVG and
 * alone decides the layout: where the panels go, the margins their tick
 * labels need, which corner takes the legend, where labels fit.
 *
 * The chart owns everything added to it: arrays and strings are copied, so
 * a plot module may free its own buffers as soon as a series is added.  An
 * allocation failure marks the chart bad; sf_chart_render then reports
 * SF_ENOMEM, so builders need no checks.  Colours are "#rrggbb" strings
 * (sf_svg_okabe, sf_svg_seq), dash patterns SVG dasharrays (NULL = solid).
 */
#ifndef SF_CHART_H
#define SF_CHART_H

#include <stddef.h>

#include "render/svg.h"
#include "scalefit.h"

/* How the renderer arranges the panels. */
typedef enum sf_chart_layout {
    SF_CHART_SINGLE = 0, /* one panel filling the figure */
    SF_CHART_STACK,      /* panels stacked top to bottom, sharing the x axis
                            (tick labels and title on the last only);
                            heights in proportion to each panel's share */
    SF_CHART_SQUARE,     /* one square panel (equal axes), its legend beside
                            it when there is room */
    SF_CHART_ROW,        /* the first panel, then side panels at its right
                            (each share x the width, at least min_px);
                            the first panel's legend goes in one or two
                            rows above them when `legend_row` and it fits */
    SF_CHART_GRID        /* a grid of equal cells, `cols` to a row, each
                            panel with its own title above it */
} sf_chart_layout;

typedef enum sf_chart_kind {
    SF_CHART_LINE,        /* polyline through (x, y); NaN breaks it */
    SF_CHART_MARKERS,     /* a marker at each (x, y) */
    SF_CHART_BAND,        /* filled area between lo(x) and hi(x) */
    SF_CHART_ERRBARS,     /* interval [lo, hi] at each (x, y) */
    SF_CHART_RULE,        /* a line across the panel at x = v or y = v */
    SF_CHART_RULE_LABEL,  /* text naming the horizontal rule at y = v, put
                             where no line of the panel crosses it */
    SF_CHART_POINT_LABELS, /* a text above (or below) each point, skipped
                              where it would overlap the previous one */
    SF_CHART_CLOUD         /* many plain translucent dots in one group
                              (thousands of draws stay a small file) */
} sf_chart_kind;

typedef struct sf_chart_style {
    char color[16];      /* line, band, rule, error bar or text colour */
    double width;        /* line width */
    char dash[16];       /* "" = solid */
    double opacity;
    sf_svg_shape shape;  /* markers */
    double r;            /* marker radius */
    char fill[16];       /* marker fill ("none": hollow) */
    char stroke[16];     /* marker outline ("" = none) */
    double stroke_width; /* marker outline width */
    int horizontal;      /* error bars along x; rule at y = v */
    int sparse;          /* markers: only when not crowded (sparse_px) */
} sf_chart_style;

typedef struct sf_chart_series {
    sf_chart_kind kind;
    size_t n;
    double *x, *y, *lo, *hi; /* n values each (owned); lo, hi may be NULL */
    sf_svg_color *fills;     /* per-marker fills (owned), NULL = style.fill */
    char *text;              /* RULE_LABEL: its text; POINT_LABELS: n texts,
                                each 32 bytes (owned) */
    sf_chart_style st;
} sf_chart_series;

typedef struct sf_chart_axis {
    double lo, hi; /* the range shown */
    int log;
    char title[96]; /* "" = none */
} sf_chart_axis;

typedef struct sf_chart_legend {
    sf_svg_legend_item item; /* item.text, .color, .dash point into the
                                strings below */
    char text[128], color[16], dash[16];
} sf_chart_legend;

typedef struct sf_chart_panel {
    sf_chart_axis x, y;
    char title[192];  /* bold line above the panel; "" = none */
    double share;     /* STACK / ROW: relative height / width (0 = 1) */
    double min_px;    /* STACK: at least this many pixels high */
    sf_chart_series *series;
    size_t n_series, cap_series;
    sf_chart_legend *legend;
    size_t n_legend, cap_legend;
    int has_colorbar; /* a colour bar right of the panel */
    double cb_lo, cb_hi;
    int cb_log;
    char cb_title[64];
    char note[160];   /* grey note at the bottom left inside the panel */
    int has_box;      /* a boxed annotation in the emptiest corner: */
    sf_svg_label box; /* its first line (text with a raised part) */
    char box_line2[96]; /* its second line ("" = none) */
    char box_color[16]; /* its frame */
    double sparse_px; /* MARKERS series flagged `sparse` are drawn only
                         when their points lie at least this many px
                         apart on average across the panel */
} sf_chart_panel;

typedef struct sf_chart {
    int width, height;
    char id[40];
    char title[256];
    char subtitle[512];
    sf_chart_layout layout;
    int cols;          /* GRID: panels per row */
    int legend_row;    /* ROW: panel 0's legend may go in rows above the
                          panels (the renderer decides whether it fits) */
    sf_chart_panel *panels;
    size_t n_panels, cap_panels;
    int bad; /* an allocation failed */
} sf_chart;

/* A figure of o's size and id (o is checked options: sf_plot_check_options),
 * with a title and subtitle (either may be NULL). */
void sf_chart_init(sf_chart *c, const sf_plot_options *o, sf_chart_layout layout,
                   const char *title, const char *subtitle);
void sf_chart_free(sf_chart *c);

/* A new panel (NULL when out of memory: the chart is then bad, and every
 * builder accepts NULL) with its axes; titles may be NULL. */
sf_chart_panel *sf_chart_panel_add(sf_chart *c, double xlo, double xhi, int xlog,
                                   const char *xtitle, double ylo, double yhi, int ylog,
                                   const char *ytitle);

/* Series.  x, y (and lo, hi) have n values; they are copied. */
void sf_chart_line(sf_chart *c, sf_chart_panel *p, const double *x, const double *y, size_t n,
                   const char *color, double width, const char *dash, double opacity);
/* Markers: fill "none" for hollow, stroke NULL for no outline; fills (may
 * be NULL) gives each marker its own fill colour. */
void sf_chart_markers(sf_chart *c, sf_chart_panel *p, const double *x, const double *y, size_t n,
                      sf_svg_shape shape, double r, const char *fill, const char *stroke,
                      double stroke_width, double opacity, const sf_svg_color *fills);
/* One marker (a series of one). */
void sf_chart_marker(sf_chart *c, sf_chart_panel *p, double x, double y, sf_svg_shape shape,
                     double r, const char *fill, const char *stroke, double stroke_width,
                     double opacity);
void sf_chart_band(sf_chart *c, sf_chart_panel *p, const double *x, const double *lo,
                   const double *hi, size_t n, const char *color, double opacity);
/* Error bars: [lo, hi] on y at each x, or on x at each y when horizontal. */
void sf_chart_errbars(sf_chart *c, sf_chart_panel *p, const double *x, const double *y,
                      const double *lo, const double *hi, size_t n, int horizontal,
                      const char *color);
/* A cloud of n dots of radius r, filled `color` at fill opacity opacity
 * (two decimals); points a log axis cannot show are left out. */
void sf_chart_cloud(sf_chart *c, sf_chart_panel *p, const double *x, const double *y, size_t n,
                    double r, const char *color, double opacity);
/* A rule across the panel at x = v (vertical) or y = v. */
void sf_chart_rule(sf_chart *c, sf_chart_panel *p, double v, int vertical, const char *color,
                   const char *dash);
/* Text naming the horizontal rule y = v (drawn after the data, placed by
 * the renderer where no line of the panel passes through it). */
void sf_chart_rule_label(sf_chart *c, sf_chart_panel *p, double v, const char *text,
                         const char *color);
/* A short text (under 32 bytes) by each point (x[i], y[i]), drawn after
 * the data: above it, below when there is no room, left out when it would
 * overlap the one before or leave the panel. */
void sf_chart_point_labels(sf_chart *c, sf_chart_panel *p, const double *x, const double *y,
                           const char *const *texts, size_t n, const char *color);

/* A legend entry; the renderer puts the panel's legend in the corner that
 * covers the fewest marks (or as the layout says). */
void sf_chart_legend_add(sf_chart *c, sf_chart_panel *p, const sf_svg_legend_item *item);
/* A viridis colour bar right of the panel over [lo, hi]. */
void sf_chart_colorbar(sf_chart_panel *p, double lo, double hi, int log, const char *title);
/* A grey note at the bottom left of the panel. */
void sf_chart_note(sf_chart_panel *p, const char *text);
/* A boxed annotation (label: text with a raised part, then a plain second
 * line, may be NULL) framed in `color`, in the corner of the panel that
 * covers the fewest marks. */
void sf_chart_box(sf_chart_panel *p, const sf_svg_label *label, const char *line2,
                  const char *color);
/* Markers drawn only when their n points would lie at least px pixels
 * apart on average across the panel (else the line alone shows them). */
void sf_chart_markers_sparse(sf_chart *c, sf_chart_panel *p, const double *x, const double *y,
                             size_t n, double px, sf_svg_shape shape, double r, const char *fill,
                             const char *stroke, double stroke_width, double opacity);

/* The renderer: the chart as one SVG document into *svg (malloc'd; NULL
 * on failure).  SF_ENOMEM when the chart is bad or the document could not
 * be built.  The chart is not changed. */
int sf_chart_render(const sf_chart *c, char **svg, sf_error *err);

#endif /* SF_CHART_H */

/*
 * SVG drawing primitives shared by the plots (src/render/plot_*.c): a canvas
 * that builds one SVG 1.1 document as a string, log and linear axes whose
 * tick labels never overlap, panels with clipping, markers, lines, bands,
 * legends placed where the data are not, colour bars, and the palettes.
 *
 * Coordinates: data values go through a panel's axes; everything else is in
 * pixels (SVG user units), origin top left.  Nothing here prints or writes
 * files; an allocation failure sets `bad` and the finished document is NULL.
 */
#ifndef SF_SVG_H
#define SF_SVG_H

#include <stddef.h>

#include "base/base.h"

/* Font sizes (px) used by every plot, chosen to stay readable when an
 * 800 x 500 plot is printed at the width of a column. */
#define SF_SVG_FS_TICK 12.0
#define SF_SVG_FS_AXIS 13.0
#define SF_SVG_FS_TITLE 15.0
#define SF_SVG_FS_NOTE 12.0

typedef struct sf_svg_doc {
    sf_buf b;
    int bad; /* an allocation failed */
    double w, h;
    char id[40]; /* prefix of element ids (unique per plot on a page) */
    int next_id;
} sf_svg_doc;

/* Start a document of w x h; `id` prefixes element ids (NULL = "sf"),
 * `title` becomes its <title> (may be NULL). */
void sf_svg_begin(sf_svg_doc *s, double w, double h, const char *id, const char *title);
/* Close the document: the malloc'd text, or NULL (out of memory). */
char *sf_svg_finish(sf_svg_doc *s);
void sf_svg_printf(sf_svg_doc *s, const char *fmt, ...) SF_PRINTF(2, 3);
/* Append text with &, <, >, " and ' escaped. */
void sf_svg_escape(sf_svg_doc *s, const char *text);
/* A number for an attribute: at most 2 decimals, no trailing zeros,
 * locale-free, and clamped to +-1e5 so off-canvas points stay harmless. */
void sf_svg_num(sf_svg_doc *s, double v);
/* Estimated advance width of UTF-8 text in DejaVu Sans (the widest of the
 * usual sans fonts, so layouts that fit it fit the others). */
double sf_svg_text_width(const char *text, double fs);

/* Plain text at (x, y); anchor "start", "middle" or "end"; rotate in
 * degrees about (x, y); weight NULL or "bold"; fill NULL = near black. */
void sf_svg_text(sf_svg_doc *s, double x, double y, double fs, const char *anchor, double rotate,
                 const char *weight, const char *fill, const char *text);

/* Text on a white box, readable over lines and grid (annotations). */
void sf_svg_text_halo(sf_svg_doc *s, double x, double y, double fs, const char *anchor,
                      const char *fill, const char *text);

/* ---- axes and ticks ---------------------------------------------------- */

typedef struct sf_svg_axis {
    double lo, hi; /* values shown at p0 and p1 */
    int log;       /* logarithmic (lo, hi > 0) */
    double p0, p1; /* pixel positions of lo and hi */
    double t0, k;  /* set by sf_svg_axis_prepare: pixel = p0 + (t - t0) k,
                      t = log10 v or v; k = 0 until then */
} sf_svg_axis;

/* Pixel position of v.  Works on any axis; faster once prepared. */
double sf_svg_map(const sf_svg_axis *a, double v);
void sf_svg_axis_prepare(sf_svg_axis *a);

/* A tick label is `text` followed by a superscript `sup` ("10" and "18"
 * for 10^18, "2×10" and "9" for 2e9, "0.35" and "" for a plain number). */
typedef struct sf_svg_label {
    char text[32];
    char sup[16];
} sf_svg_label;

double sf_svg_label_width(const sf_svg_label *l, double fs);
/* Draw a label; anchor as in sf_svg_text. */
void sf_svg_label_draw(sf_svg_doc *s, double x, double y, double fs, const char *anchor,
                       const sf_svg_label *l);

#define SF_SVG_MAX_TICKS 256

typedef struct sf_svg_tick {
    double v;
    int major; /* long tick and a grid line */
    int labelled;
    sf_svg_label label;
} sf_svg_tick;

typedef struct sf_svg_ticks {
    size_t n;
    sf_svg_tick t[SF_SVG_MAX_TICKS];
} sf_svg_ticks;

/* Ticks for an axis.  Log axes: majors at 10^k, minors at m 10^k; when
 * fewer than three decades show, 2 and 5 (or every m) are labelled too,
 * and a range inside one decade gets evenly spaced labels.  Linear axes:
 * steps of 1, 2 or 5 times a power of ten.  Labels of font size fs never
 * overlap: along a horizontal axis (vertical = 0) their estimated widths
 * keep a gap of half the font size, along a vertical axis their heights. */
void sf_svg_axis_ticks(const sf_svg_axis *a, int vertical, double fs, sf_svg_ticks *out);

/* |v| with d decimals (0..9) by integer arithmetic: locale-free and
 * correctly rounded; `minus` is the sign written for v < 0 ("-" or the
 * typographic U+2212). */
void sf_svg_fixed(char *buf, size_t size, double v, int d, const char *minus);

/* Label of a value v on an axis with step hint: plain decimals between
 * 1e-3 and 1e5, else m×10^k.  `decimals` < 0 picks the shortest exact. */
void sf_svg_format(double v, int decimals, sf_svg_label *out);

/* Range of data: add values, then get a padded range for an axis. */
typedef struct sf_svg_range {
    double lo, hi;
    size_t n;
} sf_svg_range;

void sf_svg_range_init(sf_svg_range *r);
/* Ignores non-finite values, and values <= 0 when log. */
void sf_svg_range_add(sf_svg_range *r, double v, int log);
void sf_svg_range_add_all(sf_svg_range *r, const double *v, size_t n, int log);
/* Padded by `pad` of the span (in log10 when log) on each side; a single
 * value gets a span around it; no values gives [1, 10] or [0, 1]. */
void sf_svg_range_get(const sf_svg_range *r, int log, double pad, double *lo, double *hi);

/* ---- panels ------------------------------------------------------------ */

typedef struct sf_svg_panel {
    double x0, y0, x1, y1; /* plot area, pixels */
    sf_svg_axis x, y;
    char clip[56];      /* clipPath id */
    unsigned char *occ; /* occupancy grid for legend placement */
    int ocols, orows;
} sf_svg_panel;

/* Width needed left of a plot area spanning y0..y1 for its y tick labels
 * and a rotated y title. */
double sf_svg_y_margin(double lo, double hi, int log, double y0, double y1);
/* Space needed below a plot area for x tick labels and the x title. */
double sf_svg_x_margin(void);

/* Set up a panel with the plot area (x0, y0)-(x1, y1) and data ranges;
 * writes its clip path. */
void sf_svg_panel_init(sf_svg_doc *s, sf_svg_panel *p, double x0, double y0, double x1, double y1,
                       double xlo, double xhi, int xlog, double ylo, double yhi, int ylog);
void sf_svg_panel_free(sf_svg_panel *p);
/* Grid, frame, ticks, tick labels (x labels only when xlabels) and titles
 * (NULL for none). */
void sf_svg_panel_axes(sf_svg_doc *s, sf_svg_panel *p, const char *xtitle, const char *ytitle,
                       int xlabels);

/* Pixel position of data (x, y) in the panel. */
double sf_svg_px(const sf_svg_panel *p, double x);
double sf_svg_py(const sf_svg_panel *p, double y);

/* Open / close a group clipped to the plot area: data go inside. */
void sf_svg_clip_begin(sf_svg_doc *s, const sf_svg_panel *p);
void sf_svg_clip_end(sf_svg_doc *s);

/* Mark a pixel box as covered (so the legend avoids it). */
void sf_svg_occupy(sf_svg_panel *p, double x0, double y0, double x1, double y1);

/* ---- data marks -------------------------------------------------------- */

typedef enum sf_svg_shape {
    SF_SVG_NONE = 0,
    SF_SVG_CIRCLE,
    SF_SVG_SQUARE,
    SF_SVG_DIAMOND,
    SF_SVG_TRIANGLE,
    SF_SVG_CROSS
} sf_svg_shape;

/* A polyline through the finite points (a point that cannot be shown on
 * a log axis breaks the line).  dash NULL for solid. */
void sf_svg_line(sf_svg_doc *s, sf_svg_panel *p, const double *x, const double *y, size_t n,
                 const char *color, double width, const char *dash, double opacity);
/* One marker at data (x, y): fill may be "none" (hollow); stroke NULL for
 * none. */
void sf_svg_marker(sf_svg_doc *s, sf_svg_panel *p, double x, double y, sf_svg_shape shape, double r,
                   const char *fill, const char *stroke, double stroke_width, double opacity);
/* Filled area between lo(x) and hi(x). */
void sf_svg_band(sf_svg_doc *s, sf_svg_panel *p, const double *x, const double *lo,
                 const double *hi, size_t n, const char *color, double opacity);
/* Vertical (y interval at x) or horizontal (x interval at y) error bar. */
void sf_svg_errbar(sf_svg_doc *s, sf_svg_panel *p, double x, double y, double lo, double hi,
                   int horizontal, const char *color);
/* A reference line across the panel at data x (vertical) or y. */
void sf_svg_rule(sf_svg_doc *s, sf_svg_panel *p, double v, int vertical, const char *color,
                 const char *dash);

/* ---- legends, colour bars, titles -------------------------------------- */

typedef struct sf_svg_legend_item {
    const char *text;
    const char *color; /* line / marker colour */
    double line_width; /* > 0: a line sample */
    const char *dash;
    sf_svg_shape shape; /* marker sample */
    int hollow;
    double band_opacity; /* > 0: a filled box sample */
} sf_svg_legend_item;

/* The corner of the panel (6 px in) where a w x h box covers the fewest
 * marks drawn so far (ties: top right, top left, bottom right, bottom
 * left): its top left in (*x, *y). */
void sf_svg_corner(const sf_svg_panel *p, double w, double h, double *x, double *y);
/* A legend inside the panel, in the corner that covers the fewest marks. */
void sf_svg_legend(sf_svg_doc *s, sf_svg_panel *p, const sf_svg_legend_item *items, size_t n);
/* A legend with its top left corner at (x, y), and the size it takes. */
void sf_svg_legend_at(sf_svg_doc *s, double x, double y, const sf_svg_legend_item *items, size_t n);
void sf_svg_legend_size(const sf_svg_legend_item *items, size_t n, double *w, double *h);
/* A legend as one row of entries without a box (above panels, where it
 * covers no data), starting at x, centred on y; and the width it takes. */
void sf_svg_legend_row(sf_svg_doc *s, double x, double y, const sf_svg_legend_item *items,
                       size_t n);
double sf_svg_legend_row_width(const sf_svg_legend_item *items, size_t n);

/* A vertical colour bar for the sequential palette over [lo, hi] at
 * x..x+14 between y0 and y1, with ticks and a rotated title on its right.
 * Returns the width it takes. */
double sf_svg_colorbar(sf_svg_doc *s, double x, double y0, double y1, double lo, double hi, int log,
                       const char *title);
/* Width a colour bar with its labels and title needs. */
double sf_svg_colorbar_width(double lo, double hi, int log, double y0, double y1);

/* Title (bold) and a subtitle line (grey, may be NULL) at the top left;
 * text longer than the width is cut with an ellipsis. */
void sf_svg_title(sf_svg_doc *s, const char *title, const char *subtitle);
/* Height the title block takes. */
#define SF_SVG_TITLE_H 46.0

/* ---- palettes ---------------------------------------------------------- */

/* Okabe & Ito (2008) colour-blind-safe categorical colours, in an order
 * that keeps neighbours distinct in greyscale; k wraps around. */
const char *sf_svg_okabe(size_t k);

typedef struct sf_svg_color {
    char hex[8];
} sf_svg_color;

/* Sequential palette: viridis (van der Walt & Smith 2015), perceptually
 * uniform, readable by the colour-blind and in greyscale; t in [0, 1] maps
 * to its dark-violet .. green part (the pale yellow end is cut so markers
 * stay visible on white). */
sf_svg_color sf_svg_seq(double t);

/* Position of v in [lo, hi] as a fraction (log scale when log), clamped. */
double sf_svg_frac(double v, double lo, double hi, int log);

#endif /* SF_SVG_H */

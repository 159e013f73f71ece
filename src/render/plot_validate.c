/*
 * Predicted against actual loss: how well a law fitted on some runs
 * predicts others (the target model of a validation).  Equal scales on
 * both axes so that the line y = x sits at 45 degrees and a point's
 * vertical distance to it is its error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "render/plot.h"

#define MAX_SERIES 7
/* A series of more points than this is drawn with light markers. */
#define DENSE 60

static const sf_svg_shape shapes[MAX_SERIES] = {SF_SVG_CIRCLE,   SF_SVG_SQUARE, SF_SVG_DIAMOND,
                                                SF_SVG_TRIANGLE, SF_SVG_CIRCLE, SF_SVG_SQUARE,
                                                SF_SVG_DIAMOND};

int sf_plot_validate(const sf_plot_series *series, size_t n, const sf_plot_options *o, char **out,
                     sf_error *err)
{
    return sf_plot_validate_note(series, n, NULL, o, out, err);
}

int sf_plot_validate_note(const sf_plot_series *series, size_t n, const char *note,
                          const sf_plot_options *o, char **out, sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if (n == 0 || !series) return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no points to plot");
    if (n > MAX_SERIES)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "at most %d series in a validation plot",
                       MAX_SERIES);
    sf_svg_range r;
    sf_svg_range_init(&r);
    int bars = 0;
    for (size_t k = 0; k < n; k++) {
        const sf_plot_series *s = &series[k];
        if (s->n && (!s->x || !s->y))
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "series %zu: no x or y array", k + 1);
        sf_svg_range_add_all(&r, s->x, s->n, 0);
        sf_svg_range_add_all(&r, s->y, s->n, 0);
        if (s->y_lo && s->y_hi) {
            sf_svg_range_add_all(&r, s->y_lo, s->n, 0);
            sf_svg_range_add_all(&r, s->y_hi, s->n, 0);
            bars = 1;
        }
    }
    if (r.n == 0) return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no finite points to plot");
    double lo, hi;
    sf_svg_range_get(&r, 0, 0.06, &lo, &hi);

    /* Legend texts: each series with its mean absolute relative error. */
    char text[MAX_SERIES][128];
    sf_svg_legend_item items[MAX_SERIES + 1];
    for (size_t k = 0; k < n; k++) {
        const sf_plot_series *s = &series[k];
        double sum = 0;
        size_t m = 0;
        for (size_t i = 0; i < s->n; i++)
            if (s->x[i] > 0 && isfinite(s->x[i]) && isfinite(s->y[i])) {
                sum += fabs(s->y[i] / s->x[i] - 1.0);
                m++;
            }
        char e[32] = "n/a", cnt[32];
        if (m) sf_plot_g(e, sizeof e, 100.0 * sum / (double)m, 2);
        snprintf(cnt, sizeof cnt, "%zu", s->n);
        snprintf(text[k], sizeof text[k], "%s (%s): mean |error| %s%s", s->name ? s->name : "runs",
                 cnt, e, m ? "%" : "");
        items[k] =
            (sf_svg_legend_item){.text = text[k], .color = sf_svg_okabe(k), .shape = shapes[k]};
    }
    items[n] = (sf_svg_legend_item){
        .text = "y = x (exact)", .color = "#777777", .line_width = 1.2, .dash = "6 4"};
    double lw, lh;
    sf_svg_legend_size(items, n + 1, &lw, &lh);

    const double W = opt.width, H = opt.height;
    double y0 = SF_SVG_TITLE_H + 8.0, y1 = H - sf_svg_x_margin();
    double x0 = 10.0 + sf_svg_y_margin(lo, hi, 0, y0, y1);
    /* The legend beside the square panel when there is room, else in it. */
    int outside = W - x0 - lw - 36.0 >= 120.0;
    double side = fmin(y1 - y0, outside ? W - x0 - lw - 36.0 : W - x0 - 16.0);
    y1 = y0 + side;

    char title[256], sub[256];
    sf_strlcpy(title, opt.title ? opt.title : "Predicted against actual loss", sizeof title);
    snprintf(sub, sizeof sub, "%s%spoints on the dashed line are predicted exactly%s",
             note ? note : "", note ? "; " : "", bars ? "; bars: prediction intervals" : "");
    sf_svg_doc s;
    sf_svg_panel p;
    sf_svg_begin(&s, W, H, opt.id, title);
    sf_svg_title(&s, title, sub);
    sf_svg_panel_init(&s, &p, x0, y0, x0 + side, y1, lo, hi, 0, lo, hi, 0);
    sf_svg_panel_axes(&s, &p, "actual loss", "predicted loss", 1);
    sf_svg_clip_begin(&s, &p);
    double d[2] = {lo, hi};
    sf_svg_line(&s, &p, d, d, 2, "#777777", 1.2, "6 4", 1.0);
    for (size_t k = 0; k < n; k++) {
        const sf_plot_series *q = &series[k];
        /* Hundreds of checkpoints of a run overlap: smaller, translucent
         * markers without the white ring let the density and the series
         * below show through. */
        int dense = q->n > DENSE;
        for (size_t i = 0; i < q->n; i++) {
            if (q->y_lo && q->y_hi)
                sf_svg_errbar(&s, &p, q->x[i], q->y[i], q->y_lo[i], q->y_hi[i], 0, sf_svg_okabe(k));
            sf_svg_marker(&s, &p, q->x[i], q->y[i], shapes[k], dense ? 3.2 : 4.2, sf_svg_okabe(k),
                          dense ? NULL : "#ffffff", 0.7, dense ? 0.55 : 0.9);
        }
    }
    sf_svg_clip_end(&s);
    if (outside) sf_svg_legend_at(&s, x0 + side + 24.0, y0, items, n + 1);
    else sf_svg_legend(&s, &p, items, n + 1);
    return sf_plot_done(&s, &p, 1, SF_OK, out, err);
}

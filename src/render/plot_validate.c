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
#include "render/chart.h"
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

/* The range of both axes over every point and interval; *bars when some
 * series has intervals. */
static int validate_range(const sf_plot_series *series, size_t n, double *lo, double *hi,
                          int *bars, sf_error *err)
{
    sf_svg_range r;
    sf_svg_range_init(&r);
    *bars = 0;
    for (size_t k = 0; k < n; k++) {
        const sf_plot_series *s = &series[k];
        if (s->n && (!s->x || !s->y))
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "series %zu: no x or y array", k + 1);
        sf_svg_range_add_all(&r, s->x, s->n, 0);
        sf_svg_range_add_all(&r, s->y, s->n, 0);
        if (s->y_lo && s->y_hi) {
            sf_svg_range_add_all(&r, s->y_lo, s->n, 0);
            sf_svg_range_add_all(&r, s->y_hi, s->n, 0);
            *bars = 1;
        }
    }
    if (r.n == 0) return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no finite points to plot");
    sf_svg_range_get(&r, 0, 0.06, lo, hi);
    return SF_OK;
}

/* One series: its intervals, its markers (hundreds of checkpoints of a
 * run overlap: smaller, translucent markers without the white ring let
 * the density and the series below show through) and its legend entry
 * with the mean absolute relative error. */
static void validate_series(sf_chart *c, sf_chart_panel *p, const sf_plot_series *q, size_t k)
{
    int dense = q->n > DENSE;
    if (q->y_lo && q->y_hi)
        sf_chart_errbars(c, p, q->x, q->y, q->y_lo, q->y_hi, q->n, 0, sf_svg_okabe(k));
    sf_chart_markers(c, p, q->x, q->y, q->n, shapes[k], dense ? 3.2 : 4.2, sf_svg_okabe(k),
                     dense ? NULL : "#ffffff", 0.7, dense ? 0.55 : 0.9, NULL);
    double sum = 0;
    size_t m = 0;
    for (size_t i = 0; i < q->n; i++)
        if (q->x[i] > 0 && isfinite(q->x[i]) && isfinite(q->y[i])) {
            sum += fabs(q->y[i] / q->x[i] - 1.0);
            m++;
        }
    char e[32] = "n/a", cnt[32], text[128];
    if (m) sf_plot_g(e, sizeof e, 100.0 * sum / (double)m, 2);
    snprintf(cnt, sizeof cnt, "%zu", q->n);
    snprintf(text, sizeof text, "%s (%s): mean |error| %s%s", q->name ? q->name : "runs", cnt, e,
             m ? "%" : "");
    sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = text, .color = sf_svg_okabe(k),
                                                    .shape = shapes[k]});
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
    double lo, hi;
    int bars;
    rc = validate_range(series, n, &lo, &hi, &bars, err);
    if (rc != SF_OK) return rc;
    char title[256], sub[256];
    sf_strlcpy(title, opt.title ? opt.title : "Predicted against actual loss", sizeof title);
    snprintf(sub, sizeof sub, "%s%spoints on the dashed line are predicted exactly%s",
             note ? note : "", note ? "; " : "", bars ? "; bars: prediction intervals" : "");
    sf_chart c;
    sf_chart_init(&c, &opt, SF_CHART_SQUARE, title, sub);
    sf_chart_panel *p =
        sf_chart_panel_add(&c, lo, hi, 0, "actual loss", lo, hi, 0, "predicted loss");
    double d[2] = {lo, hi};
    sf_chart_line(&c, p, d, d, 2, "#777777", 1.2, "6 4", 1.0);
    for (size_t k = 0; k < n; k++) validate_series(&c, p, &series[k], k);
    sf_chart_legend_add(&c, p, &(sf_svg_legend_item){.text = "y = x (exact)", .color = "#777777",
                                                     .line_width = 1.2, .dash = "6 4"});
    rc = sf_chart_render(&c, out, err);
    sf_chart_free(&c);
    return rc;
}

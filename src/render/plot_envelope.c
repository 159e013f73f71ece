/*
 * The plot of Chinchilla's Approach 1 (Hoffmann et al. 2022, fig. 2) over
 * plain inputs: training curves with their lower envelope (loss against
 * compute), and the N_opt(C) panel shared with the IsoFLOP plot.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "render/chart.h"
#include "render/plot.h"

/* The envelope: a black line with its points.  With points left out of
 * the fit (left > 0) the line is thin, and thick over the stretches in the
 * fit.  Points are marked (filled in the fit, hollow left out) when they
 * lie at least 5 px apart on average; denser, the line's width alone tells
 * the two apart, and only a lone point in the fit (no thick stretch) is
 * marked.  SF_ENOMEM or SF_OK. */
static int envelope_draw(sf_chart *c, sf_chart_panel *p, const sf_plot_series *env, size_t left)
{
    if (!left) {
        sf_chart_line(c, p, env->x, env->y, env->n, "#000000", 2.6, NULL, 1.0);
        sf_chart_markers(c, p, env->x, env->y, env->n, SF_SVG_CIRCLE, 2.6, "#000000", "#ffffff",
                         0.6, 1.0, NULL);
        return SF_OK;
    }
    sf_chart_line(c, p, env->x, env->y, env->n, "#000000", 1.2, NULL, 1.0);
    size_t n = env->n ? env->n : 1;
    double *y = malloc(3 * n * sizeof *y), *yo = y + n, *yl = y + 2 * n;
    if (!y) return SF_ENOMEM;
    for (size_t i = 0; i < env->n; i++) y[i] = sf_plot_left_out(env, i) ? NAN : env->y[i];
    sf_chart_line(c, p, env->x, y, env->n, "#000000", 3.0, NULL, 1.0);
    for (size_t i = 0; i < env->n; i++) {
        int in = isfinite(y[i]);
        int lone = in && (i == 0 || !isfinite(y[i - 1])) && (i + 1 == env->n || !isfinite(y[i + 1]));
        yo[i] = in ? NAN : env->y[i];
        yl[i] = lone ? env->y[i] : NAN;
        if (lone) y[i] = NAN;
    }
    sf_chart_markers_sparse(c, p, env->x, y, env->n, 5.0, SF_SVG_CIRCLE, 2.6, "#000000",
                            "#ffffff", 0.6, 1.0);
    sf_chart_markers_sparse(c, p, env->x, yo, env->n, 5.0, SF_SVG_CIRCLE, 2.6, "#ffffff",
                            "#000000", 1.0, 1.0);
    sf_chart_markers(c, p, env->x, yl, env->n, SF_SVG_CIRCLE, 2.6, "#000000", "#ffffff", 0.6, 1.0,
                     NULL);
    free(y);
    return SF_OK;
}

/* What the envelope plot shows. */
typedef struct env_view {
    const sf_plot_series *curves, *env;
    size_t n, left;
    double r[4], ropt[4], vlo, vhi;
    int two, by_value, named;
} env_view;

static int env_ranges(env_view *v, const sf_plot_optimum *popt, int width, sf_error *err)
{
    sf_svg_range rx, ry, rv;
    sf_svg_range_init(&rx);
    sf_svg_range_init(&ry);
    sf_svg_range_init(&rv);
    int rc;
    v->by_value = v->n > 0;
    for (size_t k = 0; k < v->n; k++) {
        const sf_plot_series *q = &v->curves[k];
        if ((rc = sf_plot_check_series(q, "curve", k, err)) != SF_OK) return rc;
        sf_svg_range_add_all(&rx, q->x, q->n, 1);
        sf_svg_range_add_all(&ry, q->y, q->n, 1);
        if (q->value > 0 && isfinite(q->value)) sf_svg_range_add(&rv, q->value, 1);
        else v->by_value = 0;
    }
    if (v->env) {
        if ((rc = sf_plot_check_series(v->env, "envelope", 0, err)) != SF_OK) return rc;
        sf_svg_range_add_all(&rx, v->env->x, v->env->n, 1);
        sf_svg_range_add_all(&ry, v->env->y, v->env->n, 1);
        for (size_t i = 0; i < v->env->n; i++) v->left += sf_plot_left_out(v->env, i) != 0;
    }
    if (rx.n == 0 || ry.n == 0)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "the curves have no positive points");
    v->vlo = rv.lo;
    v->vhi = rv.hi;
    sf_svg_range_get(&rx, 1, 0.03, &v->r[0], &v->r[1]);
    sf_svg_range_get(&ry, 1, 0.05, &v->r[2], &v->r[3]);
    v->two = popt && width >= SF_PLOT_MIN_TWO_PANELS && sf_plot_optimum_range(popt, v->ropt);
    if (v->by_value) sf_plot_widen(&v->vlo, &v->vhi);
    /* Without values, names in a legend when few, else one grey. */
    v->named = !v->by_value && v->n <= 6;
    for (size_t k = 0; v->named && k < v->n; k++) v->named = v->curves[k].name != NULL;
    return SF_OK;
}

static void env_legend(sf_chart *c, sf_chart_panel *p, const env_view *v, int width)
{
    sf_svg_color mid = sf_svg_seq(0.5);
    const sf_plot_series *env = v->env;
    if (v->by_value)
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "training curves (colour: N)",
                                                        .color = mid.hex, .line_width = 1.4});
    else if (v->named)
        for (size_t k = 0; k < v->n; k++)
            sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = v->curves[k].name,
                                                            .color = sf_svg_okabe(k),
                                                            .line_width = 1.4});
    else if (v->n)
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "training curves",
                                                        .color = "#888888", .line_width = 1.4});
    const char *name = env && env->name ? env->name : "envelope";
    if (env && !v->left)
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = name, .color = "#000000",
                                                        .line_width = 2.6,
                                                        .shape = SF_SVG_CIRCLE});
    if (!env || !v->left) return;
    sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = name, .color = "#000000",
                                                    .line_width = 1.2});
    sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "in the fit of N_opt(C)",
                                                    .color = "#000000", .line_width = 3.0,
                                                    .shape = SF_SVG_CIRCLE});
    /* Hollow markers show in the N_opt panel, or on the envelope when its
     * points are far enough apart (envelope_draw). */
    if (v->two || 10.0 * (double)env->n <= width)
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "left out of the fit",
                                                        .color = "#000000",
                                                        .shape = SF_SVG_CIRCLE, .hollow = 1});
}

static int env_main(sf_chart *c, sf_chart_panel *p, const env_view *v)
{
    for (size_t k = 0; k < v->n; k++) {
        const sf_plot_series *q = &v->curves[k];
        sf_svg_color col = v->by_value ? sf_svg_seq(sf_svg_frac(q->value, v->vlo, v->vhi, 1))
                                       : (sf_svg_color){""};
        const char *cs = v->by_value ? col.hex : v->named ? sf_svg_okabe(k) : "#888888";
        if (q->n == 1) sf_chart_marker(c, p, q->x[0], q->y[0], SF_SVG_CIRCLE, 3.0, cs, NULL, 0, 0.9);
        else sf_chart_line(c, p, q->x, q->y, q->n, cs, 1.4, NULL, 0.85);
    }
    return v->env ? envelope_draw(c, p, v->env, v->left) : SF_OK;
}

int sf_plot_envelope(const sf_plot_series *curves, size_t n, const sf_plot_series *env,
                     const sf_plot_optimum *popt, const sf_plot_options *o, char **out,
                     sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if ((n == 0 || !curves) && !env)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no training curves to plot");
    if ((rc = sf_plot_check_optimum(popt, err)) != SF_OK) return rc;
    env_view v = {.curves = curves, .env = env, .n = n};
    if ((rc = env_ranges(&v, popt, opt.width, err)) != SF_OK) return rc;
    char sub[320], cnt[96] = "";
    if (v.left)
        snprintf(cnt, sizeof cnt, "; %zu of its %zu points left out of the fit (hollow)", v.left,
                 env->n);
    snprintf(sub, sizeof sub, "%zu curve%s; the envelope is the lowest loss reached at each compute%s",
             n, n == 1 ? "" : "s", cnt);
    sf_chart c;
    sf_chart_init(&c, &opt, SF_CHART_ROW,
                  opt.title ? opt.title : "Training curves and their envelope", sub);
    c.legend_row = 1;
    sf_chart_panel *p = sf_chart_panel_add(&c, v.r[0], v.r[1], 1, "training compute C (FLOPs)",
                                           v.r[2], v.r[3], 1, "loss");
    if (v.by_value) sf_chart_colorbar(p, v.vlo, v.vhi, 1, "parameters N");
    rc = env_main(&c, p, &v);
    env_legend(&c, p, &v, opt.width);
    if (v.two) sf_plot_optimum_panel(&c, popt, v.ropt, 0, 0, 0);
    if (rc == SF_OK) rc = sf_chart_render(&c, out, err);
    else rc = sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    sf_chart_free(&c);
    return rc;
}

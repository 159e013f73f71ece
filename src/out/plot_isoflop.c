/*
 * Plots of Chinchilla's Approaches 1 and 2 (Hoffmann et al. 2022, figs. 2
 * and 3) over plain inputs: IsoFLOP profiles (loss against N at fixed
 * budgets, with fitted profiles and their minima) and training curves
 * with their lower envelope (loss against compute).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "out/plot.h"

static int check_series(const sf_plot_series *s, const char *what, size_t k, sf_error *err)
{
    if (s->n && (!s->x || !s->y))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "%s %zu: %zu points but no x or y array", what,
                       k + 1, s->n);
    return SF_OK;
}

/* Common frame of both plots: title, one panel with log axes, room for a
 * colour bar on the right when cbar.  Returns the panel's right edge. */
static void frame(sf_svg_doc *s, sf_svg_panel *p, const sf_plot_options *o, const char *title,
                  const char *sub, double xlo, double xhi, double ylo, double yhi, int cbar,
                  double clo, double chi, const char *xtitle, const char *cbar_title)
{
    const double W = o->width, H = o->height;
    double y0 = SF_SVG_TITLE_H + 8.0, y1 = H - sf_svg_x_margin();
    double cbw = cbar ? sf_svg_colorbar_width(clo, chi, 1, y0, y1) : 0.0;
    double x1 = W - 16.0 - (cbar ? cbw + 18.0 : 0.0);
    double x0 = 10.0 + sf_svg_y_margin(ylo, yhi, 1, y0, y1);
    sf_svg_begin(s, W, H, o->id, title);
    sf_svg_title(s, title, sub);
    sf_svg_panel_init(s, p, x0, y0, x1, y1, xlo, xhi, 1, ylo, yhi, 1);
    sf_svg_panel_axes(s, p, xtitle, "loss", 1);
    if (cbar) sf_svg_colorbar(s, x1 + 18.0, y0, y1, clo, chi, 1, cbar_title);
}

static void widen(double *lo, double *hi)
{
    if (!(*hi > *lo)) {
        *lo /= 2.0;
        *hi *= 2.0;
    }
}

int sf_plot_isoflop(const sf_plot_profile *pr, size_t n, const sf_plot_options *o, char **out,
                    sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if (n == 0 || !pr) return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no IsoFLOP profiles to plot");
    sf_svg_range rx, ry, rc_, ryc;
    sf_svg_range_init(&rx);
    sf_svg_range_init(&ry);
    sf_svg_range_init(&rc_);
    sf_svg_range_init(&ryc);
    size_t runs = 0, edges = 0, minima = 0;
    for (size_t k = 0; k < n; k++) {
        if (!(pr[k].compute > 0) || !isfinite(pr[k].compute))
            return sf_fail(err, SF_EINVAL, NULL, 0, 0, "profile %zu: compute must be > 0", k + 1);
        if ((rc = check_series(&pr[k].runs, "profile", k, err)) != SF_OK ||
            (rc = check_series(&pr[k].curve, "profile", k, err)) != SF_OK)
            return rc;
        sf_svg_range_add(&rc_, pr[k].compute, 1);
        sf_svg_range_add_all(&rx, pr[k].runs.x, pr[k].runs.n, 1);
        sf_svg_range_add_all(&ry, pr[k].runs.y, pr[k].runs.n, 1);
        sf_svg_range_add_all(&rx, pr[k].curve.x, pr[k].curve.n, 1);
        sf_svg_range_add_all(&ryc, pr[k].curve.y, pr[k].curve.n, 1);
        runs += pr[k].runs.n;
        if (pr[k].min_N > 0 && isfinite(pr[k].min_N) && isfinite(pr[k].min_loss)) {
            sf_svg_range_add(&rx, pr[k].min_N, 1);
            sf_svg_range_add(&ry, pr[k].min_loss, 1);
            minima++;
        }
    }
    /* Profiles rise steeply away from their minima: the y range follows
     * the runs and minima, the curves are clipped.  Only without runs do
     * the curves set it. */
    if (ry.n == 0) ry = ryc;
    if (rx.n == 0 || ry.n == 0)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "the profiles have no positive points");
    double xlo, xhi, ylo, yhi, clo = rc_.lo, chi = rc_.hi;
    sf_svg_range_get(&rx, 1, 0.05, &xlo, &xhi);
    sf_svg_range_get(&ry, 1, 0.08, &ylo, &yhi);
    widen(&clo, &chi);

    /* Edge minima: at or beyond the smallest or largest N of their sweep,
     * where the fitted minimum is an extrapolation (a warning sign). */
    int *edge = calloc(n, sizeof *edge);
    double *mx = malloc(n * sizeof *mx), *my = malloc(n * sizeof *my);
    size_t *ord = malloc(n * sizeof *ord);
    if (!edge || !mx || !my || !ord) {
        free(edge);
        free(ord);
        free(mx);
        free(my);
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        const sf_plot_series *r = &pr[k].runs;
        if (!(pr[k].min_N > 0) || r->n == 0) continue;
        double lo = INFINITY, hi = 0;
        for (size_t i = 0; i < r->n; i++)
            if (r->x[i] > 0 && isfinite(r->x[i])) {
                lo = fmin(lo, r->x[i]);
                hi = fmax(hi, r->x[i]);
            }
        if (hi > 0 && (pr[k].min_N <= lo * (1 + 1e-9) || pr[k].min_N >= hi * (1 - 1e-9))) {
            edge[k] = 1;
            edges++;
        }
    }

    char title[256], sub[320], cnt[96] = "";
    sf_strlcpy(title, opt.title ? opt.title : "IsoFLOP profiles", sizeof title);
    if (edges)
        snprintf(cnt, sizeof cnt, "; %zu minim%s at the edge of %s sweep (hollow)", edges,
                 edges == 1 ? "um" : "a", edges == 1 ? "its" : "their");
    snprintf(sub, sizeof sub, "%zu budget%s, %zu runs; loss against model size at fixed compute%s",
             n, n == 1 ? "" : "s", runs, cnt);
    sf_svg_doc s;
    sf_svg_panel p;
    frame(&s, &p, &opt, title, sub, xlo, xhi, ylo, yhi, 1, clo, chi, "parameters N",
          "compute C (FLOPs)");

    sf_svg_clip_begin(&s, &p);
    for (size_t k = 0; k < n; k++) {
        sf_svg_color c = sf_svg_seq(sf_svg_frac(pr[k].compute, clo, chi, 1));
        sf_svg_line(&s, &p, pr[k].curve.x, pr[k].curve.y, pr[k].curve.n, c.hex, 1.8, NULL, 0.9);
    }
    for (size_t k = 0; k < n; k++) {
        sf_svg_color c = sf_svg_seq(sf_svg_frac(pr[k].compute, clo, chi, 1));
        const sf_plot_series *r = &pr[k].runs;
        for (size_t i = 0; i < r->n; i++) {
            if (r->y_lo && r->y_hi)
                sf_svg_errbar(&s, &p, r->x[i], r->y[i], r->y_lo[i], r->y_hi[i], 0, c.hex);
            sf_svg_marker(&s, &p, r->x[i], r->y[i], SF_SVG_CIRCLE, 3.6, c.hex, "#ffffff", 0.5,
                          0.95);
        }
    }
    /* The line through the minima, in order of compute: N_opt(C). */
    size_t nm = 0;
    for (size_t k = 0; k < n; k++) {
        if (!(pr[k].min_N > 0) || !isfinite(pr[k].min_loss)) continue;
        size_t j = nm++;
        while (j > 0 && pr[ord[j - 1]].compute > pr[k].compute) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = k;
    }
    for (size_t j = 0; j < nm; j++) {
        mx[j] = pr[ord[j]].min_N;
        my[j] = pr[ord[j]].min_loss;
    }
    if (nm >= 2) sf_svg_line(&s, &p, mx, my, nm, "#000000", 1.3, "5 4", 0.9);
    for (size_t k = 0; k < n; k++) {
        if (!(pr[k].min_N > 0) || !isfinite(pr[k].min_loss)) continue;
        sf_svg_color c = sf_svg_seq(sf_svg_frac(pr[k].compute, clo, chi, 1));
        if (isfinite(pr[k].min_N_lo) && isfinite(pr[k].min_N_hi))
            sf_svg_errbar(&s, &p, pr[k].min_N, pr[k].min_loss, pr[k].min_N_lo, pr[k].min_N_hi, 1,
                          "#000000");
        sf_svg_marker(&s, &p, pr[k].min_N, pr[k].min_loss, SF_SVG_DIAMOND, 6.0,
                      edge[k] ? "#ffffff" : c.hex, "#000000", edge[k] ? 2.0 : 1.2, 1.0);
    }
    sf_svg_clip_end(&s);

    sf_svg_color mid = sf_svg_seq(0.5);
    sf_svg_legend_item items[5];
    size_t ni = 0;
    items[ni++] =
        (sf_svg_legend_item){.text = "runs (colour: C)", .color = mid.hex, .shape = SF_SVG_CIRCLE};
    items[ni++] =
        (sf_svg_legend_item){.text = "fitted profile", .color = mid.hex, .line_width = 1.8};
    if (minima) {
        items[ni++] =
            (sf_svg_legend_item){.text = "minimum", .color = "#000000", .shape = SF_SVG_DIAMOND};
        if (edges)
            items[ni++] = (sf_svg_legend_item){.text = "minimum at the sweep's edge",
                                               .color = "#000000",
                                               .shape = SF_SVG_DIAMOND,
                                               .hollow = 1};
        if (nm >= 2)
            items[ni++] = (sf_svg_legend_item){.text = "minima across budgets",
                                               .color = "#000000",
                                               .line_width = 1.3,
                                               .dash = "5 4"};
    }
    sf_svg_legend(&s, &p, items, ni);
    free(edge);
    free(ord);
    free(mx);
    free(my);
    return sf_plot_done(&s, &p, 1, SF_OK, out, err);
}

int sf_plot_envelope(const sf_plot_series *curves, size_t n, const sf_plot_series *env,
                     const sf_plot_options *o, char **out, sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if ((n == 0 || !curves) && !env)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no training curves to plot");
    sf_svg_range rx, ry, rv;
    sf_svg_range_init(&rx);
    sf_svg_range_init(&ry);
    sf_svg_range_init(&rv);
    int by_value = n > 0;
    for (size_t k = 0; k < n; k++) {
        if ((rc = check_series(&curves[k], "curve", k, err)) != SF_OK) return rc;
        sf_svg_range_add_all(&rx, curves[k].x, curves[k].n, 1);
        sf_svg_range_add_all(&ry, curves[k].y, curves[k].n, 1);
        if (curves[k].value > 0 && isfinite(curves[k].value))
            sf_svg_range_add(&rv, curves[k].value, 1);
        else by_value = 0;
    }
    if (env) {
        if ((rc = check_series(env, "envelope", 0, err)) != SF_OK) return rc;
        sf_svg_range_add_all(&rx, env->x, env->n, 1);
        sf_svg_range_add_all(&ry, env->y, env->n, 1);
    }
    if (rx.n == 0 || ry.n == 0)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "the curves have no positive points");
    double xlo, xhi, ylo, yhi, vlo = rv.lo, vhi = rv.hi;
    sf_svg_range_get(&rx, 1, 0.03, &xlo, &xhi);
    sf_svg_range_get(&ry, 1, 0.05, &ylo, &yhi);
    if (by_value) widen(&vlo, &vhi);
    /* Without values, names in a legend when few, else one grey. */
    int named = !by_value && n <= 6;
    for (size_t k = 0; named && k < n; k++) named = curves[k].name != NULL;

    char title[256], sub[256];
    sf_strlcpy(title, opt.title ? opt.title : "Training curves and their envelope", sizeof title);
    snprintf(sub, sizeof sub,
             "%zu curve%s; the envelope is the lowest loss reached at each "
             "compute",
             n, n == 1 ? "" : "s");
    sf_svg_doc s;
    sf_svg_panel p;
    frame(&s, &p, &opt, title, sub, xlo, xhi, ylo, yhi, by_value, vlo, vhi,
          "training compute C (FLOPs)", "parameters N");
    sf_svg_clip_begin(&s, &p);
    for (size_t k = 0; k < n; k++) {
        sf_svg_color c =
            by_value ? sf_svg_seq(sf_svg_frac(curves[k].value, vlo, vhi, 1)) : (sf_svg_color){""};
        const char *col = by_value ? c.hex : named ? sf_svg_okabe(k) : "#888888";
        if (curves[k].n == 1)
            sf_svg_marker(&s, &p, curves[k].x[0], curves[k].y[0], SF_SVG_CIRCLE, 3.0, col, NULL, 0,
                          0.9);
        else sf_svg_line(&s, &p, curves[k].x, curves[k].y, curves[k].n, col, 1.4, NULL, 0.85);
    }
    if (env) {
        sf_svg_line(&s, &p, env->x, env->y, env->n, "#000000", 2.6, NULL, 1.0);
        for (size_t i = 0; i < env->n; i++)
            sf_svg_marker(&s, &p, env->x[i], env->y[i], SF_SVG_CIRCLE, 2.6, "#000000", "#ffffff",
                          0.6, 1.0);
    }
    sf_svg_clip_end(&s);

    sf_svg_legend_item items[8];
    size_t ni = 0;
    sf_svg_color mid = sf_svg_seq(0.5);
    if (by_value)
        items[ni++] = (sf_svg_legend_item){
            .text = "training curves (colour: N)", .color = mid.hex, .line_width = 1.4};
    else if (named)
        for (size_t k = 0; k < n; k++)
            items[ni++] = (sf_svg_legend_item){
                .text = curves[k].name, .color = sf_svg_okabe(k), .line_width = 1.4};
    else if (n)
        items[ni++] =
            (sf_svg_legend_item){.text = "training curves", .color = "#888888", .line_width = 1.4};
    if (env)
        items[ni++] = (sf_svg_legend_item){.text = env->name ? env->name : "envelope",
                                           .color = "#000000",
                                           .line_width = 2.6,
                                           .shape = SF_SVG_CIRCLE};
    sf_svg_legend(&s, &p, items, ni);
    return sf_plot_done(&s, &p, 1, SF_OK, out, err);
}

/*
 * A training run's forecast (`scalefit forecast --plot`): the loss against
 * step on top (observed checkpoints, the forecast and its interval band),
 * the learning-rate schedule below on the same steps, so that a bend of
 * the forecast can be read against the annealing that causes it.  The data
 * come from sf_curve_plot_data (src/curve/plotdata.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "render/chart.h"
#include "render/plot.h"

#define C_OBS "#0072B2"
#define C_FC "#D55E00"
#define C_LR "#009E73"

/* Ranges of both panels; SF_ENODATA when nothing finite is there. */
static int forecast_ranges(const sf_curve_plot *d, double *xlo, double *xhi, double *ylo,
                           double *yhi, double *lrhi, sf_error *err)
{
    sf_svg_range rx, ry, rl;
    sf_svg_range_init(&rx);
    sf_svg_range_init(&ry);
    sf_svg_range_init(&rl);
    sf_svg_range_add_all(&rx, d->obs_step, d->n_obs, 0);
    sf_svg_range_add_all(&rx, d->fc_step, d->n_fc, 0);
    sf_svg_range_add_all(&rx, d->lr_step, d->n_lr, 0);
    sf_svg_range_add_all(&ry, d->obs_loss, d->n_obs, 0);
    sf_svg_range_add_all(&ry, d->fc_loss, d->n_fc, 0);
    if (d->fc_lo && d->fc_hi) {
        sf_svg_range_add_all(&ry, d->fc_lo, d->n_fc, 0);
        sf_svg_range_add_all(&ry, d->fc_hi, d->n_fc, 0);
    }
    sf_svg_range_add(&rl, 0.0, 0);
    sf_svg_range_add_all(&rl, d->lr, d->n_lr, 0);
    if (rx.n == 0 || ry.n == 0)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "no finite points to plot");
    double lo;
    sf_svg_range_get(&rx, 0, 0.02, xlo, xhi);
    sf_svg_range_get(&ry, 0, 0.06, ylo, yhi);
    sf_svg_range_get(&rl, 0, 0.08, &lo, lrhi);
    if (*xlo < 0 && *xlo > -0.05 * *xhi) *xlo = 0;
    return SF_OK;
}

/* The forecast joined to the last checkpoint (where the band has no
 * width), so that line and band start where the observed curve ends:
 * m + 1 or m values into x, y, lo, hi; returns the count. */
static size_t forecast_joined(const sf_curve_plot *d, double *x, double *y, double *lo,
                              double *hi)
{
    const size_t n = d->n_obs, m = d->n_fc;
    size_t k = 0;
    if (n && d->obs_step[n - 1] < d->fc_step[0]) {
        x[0] = d->obs_step[n - 1];
        y[0] = lo[0] = hi[0] = d->obs_loss[n - 1];
        k = 1;
    }
    memcpy(x + k, d->fc_step, m * sizeof *x);
    memcpy(y + k, d->fc_loss, m * sizeof *y);
    memcpy(lo + k, d->fc_lo ? d->fc_lo : d->fc_loss, m * sizeof *lo);
    memcpy(hi + k, d->fc_hi ? d->fc_hi : d->fc_loss, m * sizeof *hi);
    return m + k;
}

/* The loss panel: the band, the observed checkpoints, the forecast line,
 * a rule where the forecast starts. */
static void forecast_loss(sf_chart *c, sf_chart_panel *p, const sf_curve_plot *d, double level)
{
    const size_t n = d->n_obs, m = d->n_fc;
    double *x = malloc((m + 1) * sizeof *x), *y = malloc((m + 1) * sizeof *y);
    double *lo = malloc((m + 1) * sizeof *lo), *hi = malloc((m + 1) * sizeof *hi);
    size_t k = m && x && y && lo && hi ? forecast_joined(d, x, y, lo, hi) : 0;
    if (m && !k) c->bad = 1;
    if (k && d->fc_lo && d->fc_hi) {
        sf_chart_band(c, p, x, lo, hi, k, C_FC, 0.2);
        char t[64];
        snprintf(t, sizeof t, "%.0f%% interval", 100 * level);
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = t, .color = C_FC,
                                                        .band_opacity = 0.2});
    }
    sf_chart_markers_sparse(c, p, d->obs_step, d->obs_loss, n, 5.0, SF_SVG_CIRCLE, 2.6, C_OBS,
                            NULL, 0, 0.8);
    sf_chart_line(c, p, d->obs_step, d->obs_loss, n, C_OBS, 1.4, NULL, 0.9);
    sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "observed loss", .color = C_OBS,
                                                    .line_width = 1.4, .shape = SF_SVG_CIRCLE});
    if (k) {
        sf_chart_line(c, p, x, y, k, C_FC, 2.0, "6 3", 1.0);
        sf_chart_markers_sparse(c, p, d->fc_step, d->fc_loss, m, 12.0, SF_SVG_DIAMOND, 3.4,
                                C_FC, "#ffffff", 0.7, 1.0);
        sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "forecast", .color = C_FC,
                                                        .line_width = 2.0, .dash = "6 3",
                                                        .shape = SF_SVG_DIAMOND});
    }
    free(x);
    free(y);
    free(lo);
    free(hi);
    if (n) sf_chart_rule(c, p, d->obs_step[n - 1], 1, "#999999", "2 3");
}

/* The schedule panel: the learning rate against step. */
static void forecast_lr(sf_chart *c, sf_chart_panel *p, const sf_curve_plot *d, double last)
{
    sf_chart_line(c, p, d->lr_step, d->lr, d->n_lr, C_LR, 1.6, NULL, 1.0);
    sf_chart_legend_add(c, p, &(sf_svg_legend_item){.text = "learning rate", .color = C_LR,
                                                    .line_width = 1.6});
    if (isfinite(last)) sf_chart_rule(c, p, last, 1, "#999999", "2 3");
}

int sf_plot_forecast(const sf_curve_plot *d, const sf_plot_options *o, char **out,
                     sf_error *err)
{
    sf_plot_options opt;
    int rc = sf_plot_check_options(o, &opt, out, err);
    if (rc != SF_OK) return rc;
    if (!d) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_plot_forecast: no data");
    if ((d->n_obs && (!d->obs_step || !d->obs_loss)) ||
        (d->n_fc && (!d->fc_step || !d->fc_loss)) || (d->n_lr && (!d->lr_step || !d->lr)))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_plot_forecast: missing arrays");
    double xlo, xhi, ylo, yhi, lrhi;
    rc = forecast_ranges(d, &xlo, &xhi, &ylo, &yhi, &lrhi, err);
    if (rc != SF_OK) return rc;
    char title[256], sub[256], fin[32] = "", lo[32] = "", hi[32] = "";
    sf_strlcpy(title, opt.title ? opt.title : "Loss forecast under the learning-rate schedule",
               sizeof title);
    const size_t m = d->n_fc;
    if (m) {
        sf_plot_num(fin, sizeof fin, d->fc_loss[m - 1]);
        if (d->fc_lo && d->fc_hi) {
            sf_plot_num(lo, sizeof lo, d->fc_lo[m - 1]);
            sf_plot_num(hi, sizeof hi, d->fc_hi[m - 1]);
        }
        snprintf(sub, sizeof sub, "%zu checkpoints; forecast at step %.0f: %s%s%s%s%s",
                 d->n_obs, d->fc_step[m - 1], fin, lo[0] ? " [" : "", lo, lo[0] ? ", " : "",
                 lo[0] ? hi : "");
        if (lo[0]) sf_strlcpy(sub + strlen(sub), "]", sizeof sub - strlen(sub));
    } else {
        snprintf(sub, sizeof sub, "%zu checkpoints; no steps to forecast", d->n_obs);
    }
    sf_chart c;
    sf_chart_init(&c, &opt, SF_CHART_STACK, title, sub);
    sf_chart_panel *top = sf_chart_panel_add(&c, xlo, xhi, 0, "step", ylo, yhi, 0, "loss");
    if (top) top->share = 2.2;
    forecast_loss(&c, top, d, opt.level);
    sf_chart_panel *bot =
        sf_chart_panel_add(&c, xlo, xhi, 0, "step", 0.0, lrhi, 0, "learning rate");
    if (bot) bot->min_px = 90;
    forecast_lr(&c, bot, d, d->n_obs ? d->obs_step[d->n_obs - 1] : NAN);
    rc = sf_chart_render(&c, out, err);
    sf_chart_free(&c);
    return rc;
}

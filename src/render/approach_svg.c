/*
 * The plots of Chinchilla Approaches 1 and 2 made from their results:
 * sf_isoflop_svg and sf_envelope_svg read an sf_isoflop or sf_envelope
 * through its public accessors only and hand the plain inputs to
 * sf_plot_isoflop and sf_plot_envelope (src/render/plot_isoflop.c and
 * plot_envelope.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approach/profile_curve.h"
#include "base/base.h"
#include "render/plot.h"

/* Points of each fitted profile: a smooth parabola or spline at 800 px. */
#define PROFILE_PTS 64
/* The profile is drawn this far (in ln N) beyond the sizes sampled, so a
 * reader sees where a parabola turns; the Akima spline is not
 * extrapolated (sf_isoflop_profile_eval gives NaN there). */
#define PROFILE_PAD 0.25

/* The N_opt(C) panel's points: n entries of x, y, lo, hi, left out. */
typedef struct optimum_arrays {
    double *x, *y, *lo, *hi;
    int *out;
} optimum_arrays;

static int optimum_alloc(optimum_arrays *a, size_t n)
{
    if (n == 0) n = 1;
    a->x = malloc(4 * n * sizeof *a->x);
    a->out = malloc(n * sizeof *a->out);
    if (!a->x || !a->out) {
        free(a->x);
        free(a->out);
        return 0;
    }
    a->y = a->x + n;
    a->lo = a->y + n;
    a->hi = a->lo + n;
    return 1;
}

static void optimum_free(optimum_arrays *a)
{
    free(a->x);
    free(a->out);
}

static sf_plot_optimum optimum_of(const optimum_arrays *a, size_t n, const sf_powerlaw *fit,
                                  double level)
{
    sf_plot_optimum o = {
        .N = {.name = "N_opt",
              .n = n,
              .x = a->x,
              .y = a->y,
              .y_lo = a->lo,
              .y_hi = a->hi,
              .value = NAN,
              .left_out = a->out},
        .fit = *fit,
        .level = level,
    };
    return o;
}

int sf_isoflop_svg(const sf_isoflop *r, const sf_data *d, const sf_plot_options *o, char **svg,
                   sf_error *err)
{
    *svg = NULL;
    if (!r) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_isoflop_svg: no result");
    size_t nb = sf_isoflop_n_budgets(r), nm = 0;
    sf_plot_profile *pr = calloc(nb ? nb : 1, sizeof *pr);
    double *cx = malloc((nb ? nb : 1) * 2 * PROFILE_PTS * sizeof *cx);
    optimum_arrays m = {0};
    if (!pr || !cx || !optimum_alloc(&m, nb)) {
        free(pr);
        free(cx);
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t b = 0; b < nb; b++) {
        const sf_isoflop_budget *B = sf_isoflop_budget_at(r, b);
        double *x = cx + b * 2 * PROFILE_PTS, *y = x + PROFILE_PTS;
        /* Fewer than 3 sizes: no profile was fitted (k = 0). */
        size_t k = sf_isoflop_profile_curve(r, b, PROFILE_PTS, PROFILE_PAD, x, y);
        pr[b] = (sf_plot_profile){
            .compute = B->compute,
            .runs = {.n = B->n_points, .x = B->point_N, .y = B->point_loss, .value = NAN},
            .curve = {.n = k, .x = x, .y = y, .value = NAN},
            .min_N = B->N_opt,
            .min_loss = B->loss,
            .min_N_lo = B->N_lo,
            .min_N_hi = B->N_hi,
            .left_out = B->used ? 0u : (B->flags ? B->flags : SF_APPROACH_NO_MINIMUM),
        };
        if (!isfinite(B->N_opt)) continue;
        m.x[nm] = B->compute;
        m.y[nm] = B->N_opt;
        m.lo[nm] = B->N_lo;
        m.hi[nm] = B->N_hi;
        m.out[nm] = !B->used;
        nm++;
    }
    sf_plot_optimum po = optimum_of(&m, nm, sf_isoflop_powerlaw(r, SF_OPTIMUM_N),
                                    sf_isoflop_get_options(r)->level);
    sf_plot_options copy;
    char title[512];
    o = sf_plot_titled(o, d, "IsoFLOP profiles", "IsoFLOP", &copy, title, sizeof title);
    int rc = sf_plot_isoflop(pr, nb, &po, o, svg, err);
    free(pr);
    free(cx);
    optimum_free(&m);
    return rc;
}

int sf_envelope_svg(const sf_envelope *e, const sf_data *d, const sf_plot_options *o, char **svg,
                    sf_error *err)
{
    *svg = NULL;
    if (!e) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_envelope_svg: no result");
    size_t nc = sf_envelope_n_curves(e), np = sf_envelope_n_points(e);
    sf_plot_series *cv = calloc(nc ? nc : 1, sizeof *cv);
    double *ey = malloc((np ? np : 1) * sizeof *ey);
    optimum_arrays m = {0};
    if (!cv || !ey || !optimum_alloc(&m, np)) {
        free(cv);
        free(ey);
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t c = 0; c < nc; c++) {
        const sf_envelope_curve *u = sf_envelope_curve_at(e, c);
        cv[c] = (sf_plot_series){
            .name = u->name, .n = u->n, .x = u->C, .y = u->loss, .value = u->N};
    }
    for (size_t k = 0; k < np; k++) {
        const sf_envelope_point *q = sf_envelope_point_at(e, k);
        m.x[k] = q->compute;
        m.y[k] = q->N_opt;
        m.lo[k] = m.hi[k] = NAN;
        m.out[k] = !q->used;
        ey[k] = q->loss;
    }
    sf_plot_series env = {
        .name = "envelope", .n = np, .x = m.x, .y = ey, .value = NAN, .left_out = m.out};
    sf_plot_optimum po = optimum_of(&m, np, sf_envelope_powerlaw(e, SF_OPTIMUM_N),
                                    sf_envelope_get_options(e)->level);
    sf_plot_options copy;
    char title[512];
    o = sf_plot_titled(o, d, "Envelope of training curves", "Envelope", &copy, title, sizeof title);
    int rc = sf_plot_envelope(cv, nc, &env, &po, o, svg, err);
    free(cv);
    free(ey);
    optimum_free(&m);
    return rc;
}

/*
 * The plot of a validation (`scalefit validate --plot`): predicted against
 * actual loss on the target model's rows, made from sf_validation results
 * through their public accessors and drawn by sf_plot_validate.  One
 * series per target (several with --loo), or one per law when several
 * laws were validated on the same target (--compare).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "render/plot.h"

/* sf_plot_validate draws at most this many series (Okabe-Ito colours). */
#define MAX_SERIES 7

static int check_validations(const sf_validation *const *v, size_t n, sf_error *err)
{
    if (!v || n == 0 || !v[0])
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_validation_svg: no validation");
    for (size_t k = 0; k < n; k++) {
        if (!v[k]) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sf_validation_svg: no validation");
        if (sf_validation_n_cells(v[k]))
            return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                           "a sweep has no predictions to plot, only ARE per cell "
                           "(sf_validation_cells_csv)");
        if (n > 1 && sf_validation_n_targets(v[k]) != 1)
            return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                           "several laws are drawn on one target each: law '%s' has %zu",
                           sf_law_name(sf_validation_law(v[k])), sf_validation_n_targets(v[k]));
    }
    return SF_OK;
}

/* The targets drawn: (validation, target) pairs that have predictions. */
typedef struct targets {
    const sf_validation_target **t;
    const sf_law **law_of;
    size_t ns, failed, first;
} targets;

/* With one law and more targets than colours, the largest targets (the
 * hardest extrapolations; targets ascend in N). */
static int collect(const sf_validation *const *v, size_t n, targets *g)
{
    size_t nt = n > 1 ? n : sf_validation_n_targets(v[0]);
    g->t = calloc(nt ? nt : 1, sizeof *g->t);
    g->law_of = calloc(nt ? nt : 1, sizeof *g->law_of);
    if (!g->t || !g->law_of) return SF_ENOMEM;
    for (size_t k = 0; k < nt; k++) {
        const sf_validation *vk = n > 1 ? v[k] : v[0];
        const sf_validation_target *tk = sf_validation_target_at(vk, n > 1 ? 0 : k);
        if (tk->status != SF_OK || tk->n_points == 0) {
            g->failed++;
            continue;
        }
        g->t[g->ns] = tk;
        g->law_of[g->ns++] = sf_validation_law(vk);
    }
    g->first = g->ns > MAX_SERIES ? g->ns - MAX_SERIES : 0;
    return SF_OK;
}

/* Actual (x) and predicted (y) loss of each target drawn, into xy. */
static void fill_series(const targets *g, size_t n, double *xy, sf_plot_series *s,
                        char (*names)[64])
{
    double *w = xy;
    for (size_t k = g->first; k < g->ns; k++) {
        const sf_validation_target *tk = g->t[k];
        double *x = w, *y = w + tk->n_points;
        w += 2 * tk->n_points;
        for (size_t i = 0; i < tk->n_points; i++) {
            x[i] = tk->points[i].loss;
            y[i] = tk->points[i].predicted;
        }
        char size[32];
        sf_plot_size_text(size, sizeof size, tk->N);
        if (n > 1) sf_strlcpy(names[k - g->first], sf_law_name(g->law_of[k]), 64);
        else snprintf(names[k - g->first], 64, "target %s", size);
        s[k - g->first] = (sf_plot_series){
            .name = names[k - g->first], .n = tk->n_points, .x = x, .y = y, .value = NAN};
    }
}

/* Title and the protocol in the subtitle note. */
static void describe(const sf_validation *const *v, size_t n, const targets *g, char *name,
                     char *short_name, char *note, size_t note_size)
{
    const sf_validate_options *vo = sf_validation_options(v[0]);
    const char *law = sf_law_name(sf_validation_law(v[0]));
    char size[32] = "";
    if (g->ns) sf_plot_size_text(size, sizeof size, g->t[g->ns - 1]->N);
    size_t used = 0;
    if (n == 1 && vo->loo) {
        snprintf(name, 128, "Predicting each size from smaller ones (%s)", law);
        snprintf(short_name, 64, "Validation (%s)", law);
        used = (size_t)snprintf(note, note_size, "each fitted on the sizes below it");
    } else {
        if (n > 1) snprintf(name, 128, "Predicting %s: %zu laws", size, n);
        else snprintf(name, 128, "Predicting %s (%s)", size, law);
        snprintf(short_name, 64, "Predicting %s", size);
        size_t sizes = g->ns ? g->t[g->ns - 1]->n_sizes : 0;
        used = (size_t)snprintf(note, note_size, "%s %zu smaller size%s",
                                n > 1 ? "each law fitted on" : "fitted on", sizes,
                                sizes == 1 ? "" : "s");
    }
    if (used < note_size)
        used += (size_t)snprintf(note + used, note_size - used, "; rows from %g%% of training",
                                 100.0 * vo->target_from);
    if (g->first && used < note_size)
        used += (size_t)snprintf(note + used, note_size - used, "; the %d largest of %zu targets",
                                 MAX_SERIES, g->ns);
    if (g->failed && used < note_size)
        snprintf(note + used, note_size - used, "; %zu %s not fitted", g->failed,
                 n > 1 ? (g->failed == 1 ? "law" : "laws")
                       : (g->failed == 1 ? "target" : "targets"));
}

int sf_validation_svg(const sf_validation *const *v, size_t n, const sf_data *d,
                      const sf_plot_options *o, char **svg, sf_error *err)
{
    *svg = NULL;
    int rc = check_validations(v, n, err);
    if (rc != SF_OK) return rc;
    targets g = {0};
    double *xy = NULL;
    if (collect(v, n, &g) != SF_OK) goto oom;
    size_t npts = 0;
    for (size_t k = g.first; k < g.ns; k++) npts += g.t[k]->n_points;
    xy = malloc((npts ? npts : 1) * 2 * sizeof *xy);
    if (!xy) goto oom;
    sf_plot_series s[MAX_SERIES];
    char names[MAX_SERIES][64];
    fill_series(&g, n, xy, s, names);
    char name[128], short_name[64], note[256];
    describe(v, n, &g, name, short_name, note, sizeof note);
    sf_plot_options copy;
    char title[512];
    o = sf_plot_titled(o, d, name, short_name, &copy, title, sizeof title);
    if (!copy.title) copy.title = name;
    rc = g.ns ? sf_plot_validate_note(s, g.ns - g.first, note, o, svg, err)
              : sf_fail(err, SF_ENODATA, NULL, 0, 0, "no target was fitted: nothing to plot");
    free(xy);
    free(g.t);
    free(g.law_of);
    return rc;
oom:
    free(xy);
    free(g.t);
    free(g.law_of);
    return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
}

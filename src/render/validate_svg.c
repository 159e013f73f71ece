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

int sf_validation_svg(const sf_validation *const *v, size_t n, const sf_data *d,
                      const sf_plot_options *o, char **svg, sf_error *err)
{
    *svg = NULL;
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
    /* The series: (validation, target) pairs that have predictions; with
     * one law and more targets than colours, the largest targets (the
     * hardest extrapolations). */
    size_t nt = n > 1 ? n : sf_validation_n_targets(v[0]);
    const sf_validation_target **t = calloc(nt ? nt : 1, sizeof *t);
    const sf_law **law_of = calloc(nt ? nt : 1, sizeof *law_of);
    if (!t || !law_of) {
        free(t);
        free(law_of);
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t ns = 0, failed = 0, npts = 0;
    for (size_t k = 0; k < nt; k++) {
        const sf_validation *vk = n > 1 ? v[k] : v[0];
        const sf_validation_target *tk = sf_validation_target_at(vk, n > 1 ? 0 : k);
        if (tk->status != SF_OK || tk->n_points == 0) {
            failed++;
            continue;
        }
        t[ns] = tk;
        law_of[ns++] = sf_validation_law(vk);
    }
    size_t first = ns > MAX_SERIES ? ns - MAX_SERIES : 0; /* targets ascend in N */
    for (size_t k = first; k < ns; k++) npts += t[k]->n_points;
    sf_plot_series s[MAX_SERIES];
    char names[MAX_SERIES][64];
    double *xy = malloc((npts ? npts : 1) * 2 * sizeof *xy);
    if (!xy) {
        free(t);
        free(law_of);
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    double *w = xy;
    for (size_t k = first; k < ns; k++) {
        const sf_validation_target *tk = t[k];
        double *x = w, *y = w + tk->n_points;
        w += 2 * tk->n_points;
        for (size_t i = 0; i < tk->n_points; i++) {
            x[i] = tk->points[i].loss;
            y[i] = tk->points[i].predicted;
        }
        char size[32];
        sf_plot_size_text(size, sizeof size, tk->N);
        if (n > 1) sf_strlcpy(names[k - first], sf_law_name(law_of[k]), sizeof names[0]);
        else snprintf(names[k - first], sizeof names[0], "target %s", size);
        s[k - first] = (sf_plot_series){
            .name = names[k - first], .n = tk->n_points, .x = x, .y = y, .value = NAN};
    }

    /* Title and the protocol in the subtitle. */
    const sf_validate_options *vo = sf_validation_options(v[0]);
    const char *law = sf_law_name(sf_validation_law(v[0]));
    char name[128], short_name[64], note[256], size[32] = "";
    if (ns) sf_plot_size_text(size, sizeof size, t[ns - 1]->N);
    size_t used = 0;
    if (n == 1 && vo->loo) {
        snprintf(name, sizeof name, "Predicting each size from smaller ones (%s)", law);
        snprintf(short_name, sizeof short_name, "Validation (%s)", law);
        used = (size_t)snprintf(note, sizeof note, "each fitted on the sizes below it");
    } else {
        if (n > 1) snprintf(name, sizeof name, "Predicting %s: %zu laws", size, n);
        else snprintf(name, sizeof name, "Predicting %s (%s)", size, law);
        snprintf(short_name, sizeof short_name, "Predicting %s", size);
        size_t sizes = ns ? t[ns - 1]->n_sizes : 0;
        used = (size_t)snprintf(note, sizeof note, "%s %zu smaller size%s",
                                n > 1 ? "each law fitted on" : "fitted on", sizes,
                                sizes == 1 ? "" : "s");
    }
    if (used < sizeof note)
        used += (size_t)snprintf(note + used, sizeof note - used, "; rows from %g%% of training",
                                 100.0 * vo->target_from);
    if (first && used < sizeof note)
        used += (size_t)snprintf(note + used, sizeof note - used, "; the %d largest of %zu targets",
                                 MAX_SERIES, ns);
    if (failed && used < sizeof note)
        snprintf(note + used, sizeof note - used, "; %zu %s not fitted", failed,
                 n > 1 ? (failed == 1 ? "law" : "laws") : (failed == 1 ? "target" : "targets"));
    sf_plot_options copy;
    char title[512];
    o = sf_plot_titled(o, d, name, short_name, &copy, title, sizeof title);
    if (!copy.title) copy.title = name;
    int rc = ns ? sf_plot_validate_note(s, ns - first, note, o, svg, err)
                : sf_fail(err, SF_ENODATA, NULL, 0, 0, "no target was fitted: nothing to plot");
    free(xy);
    free(t);
    free(law_of);
    return rc;
}

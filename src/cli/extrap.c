/* Text of extrapolation intervals (issue 23): the final row of validate,
 * coverage over targets, and the interval of predict and optimal beyond
 * the data. */
#include <math.h>
#include <stdio.h>

#include "cli/cli.h"

void cli_print_extrap(FILE *out, const char *indent, const sf_extrap *x)
{
    char b1[32], b2[32];
    fprintf(out, "%sinterval:", indent);
    for (size_t j = 0; j < x->n_levels; j++)
        fprintf(out, "%s %g%% %s to %s (+-%.2f%%)", j ? "," : "", 100 * x->level[j],
                cli_num(x->lo[j], b1, sizeof b1), cli_num(x->hi[j], b2, sizeof b2),
                100 * (x->hi[j] - x->lo[j]) / (2 * x->loss));
    fprintf(out, "\n%s          %s dominates (log-loss sd: parameters %.2g, residual %.2g, "
            "extrapolation %.2g over %.2f decades beyond the data)\n",
            indent, sf_extrap_part_name(x->dominant), x->param_sd, x->resid_sd, x->extrap_sd,
            x->distance);
}

void cli_print_final(FILE *out, const sf_validation_final *f)
{
    if (!f) return;
    char b1[32], b2[32], b3[32], b4[32];
    const sf_extrap *x = &f->interval;
    fprintf(out, "final row:  N = %s, D = %s: predicted %s, actual %s (%+.2f%%)\n",
            cli_num(f->N, b1, sizeof b1), cli_num(f->D, b2, sizeof b2),
            cli_num(x->loss, b3, sizeof b3), cli_num(f->actual, b4, sizeof b4),
            100 * (f->actual - x->loss) / x->loss);
    cli_print_extrap(out, "            ", x);
    fprintf(out, "            covered:");
    for (size_t j = 0; j < x->n_levels; j++)
        fprintf(out, "%s %g%% %s", j ? "," : "", 100 * x->level[j], f->covered[j] ? "yes" : "no");
    fprintf(out, "\n\n");
}

void cli_print_coverage(FILE *out, const sf_validation *v, int cells)
{
    size_t n = cells ? sf_validation_n_cells(v) : sf_validation_n_targets(v), m = 0;
    const sf_validation_final *first = NULL;
    for (size_t k = 0; k < n; k++) {
        const sf_validation_final *f =
            cells ? sf_validation_cell_final(v, k) : sf_validation_target_final(v, k);
        if (f && !first) first = f;
        m += f != NULL;
    }
    if (!first) return;
    fprintf(out, "%s%s: final rows inside their extrapolation intervals (%zu %s):",
            cells ? "\n" : "", sf_law_name(sf_validation_law(v)), m, cells ? "cells" : "targets");
    for (size_t j = 0; j < first->interval.n_levels; j++) {
        size_t c = 0;
        for (size_t k = 0; k < n; k++) {
            const sf_validation_final *f =
                cells ? sf_validation_cell_final(v, k) : sf_validation_target_final(v, k);
            c += f && f->covered[j];
        }
        fprintf(out, "%s %g%%: %zu", j ? "," : "", 100 * first->interval.level[j], c);
    }
    fprintf(out, "\n");
}

int cli_extrap_at(const sf_fit *fit, double loss, double N, double D, const double *levels,
                  size_t n_levels, sf_extrap *x)
{
    x->n_levels = 0;
    double range[3];
    sf_fit_data_range(fit, range);
    double dist = sf_extrap_distance(N, D, range[0], range[1]);
    if (sf_fit_n_draws(fit) < 2 || !(dist > 0) || !(loss > 0)) return CLI_OK;
    double lv[SF_MAX_LEVELS];
    if (n_levels == 0) {
        n_levels = sf_fit_levels(fit, lv, SF_MAX_LEVELS);
        levels = lv;
    }
    /* The spread of log L^ over the draws, and of a new run (draw plus its
     * residual noise): the residual part is what the second adds. */
    sf_point at = {.N = N, .D = D};
    sf_summary ls, ps;
    sf_error err;
    sf_error_clear(&err);
    if (sf_fit_predict_summary(fit, &at, NULL, 0, &ls, &ps, &err) != SF_OK) return CLI_OK;
    double p = ls.sd / ls.value, t = ps.sd / ls.value;
    double r = t > p ? sqrt(t * t - p * p) : 0;
    if (sf_extrap_interval(loss, dist, p, r, levels, n_levels, x) != SF_OK) x->n_levels = 0;
    return CLI_OK;
}

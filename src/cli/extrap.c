/* Text of extrapolation intervals (issue 23): the final row of validate,
 * coverage over targets, and the interval of predict and optimal beyond
 * the data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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
    fprintf(out, "%s%s: final rows inside their extrapolation intervals (%zu %s%s):",
            cells ? "\n" : "", sf_law_name(sf_validation_law(v)), m, cells ? "cell" : "target",
            m == 1 ? "" : "s");
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

/* The rows' intervals (the library's sf_fit_extrap_alloc and
 * sf_fit_extrap_points, which the Python package calls too); NULL when no
 * row has one. */
static sf_extrap *keep_if_any(sf_extrap *ex, int rc, size_t any)
{
    if (rc == SF_OK && any) return ex;
    free(ex);
    return NULL;
}

sf_extrap *cli_extrap_alloc(const sf_fit *fit, const sf_draws *draws, const sf_alloc_row *rows,
                            size_t n, const double *levels, size_t n_levels)
{
    sf_extrap *ex = calloc(n ? n : 1, sizeof *ex);
    if (!ex) return NULL;
    size_t any = 0;
    sf_error err;
    sf_error_clear(&err);
    int rc = sf_fit_extrap_alloc(fit, draws, rows, n, levels, n_levels, ex, &any, &err);
    return keep_if_any(ex, rc, any);
}

sf_extrap *cli_extrap_points(const sf_fit *fit, const sf_draws *draws, const sf_point *x,
                             const sf_summary *loss, size_t n, const double *levels,
                             size_t n_levels)
{
    sf_extrap *ex = calloc(n ? n : 1, sizeof *ex);
    double *L = malloc((n ? n : 1) * sizeof *L);
    if (!ex || !L) {
        free(ex);
        free(L);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) L[i] = loss[i].value;
    size_t any = 0;
    sf_error err;
    sf_error_clear(&err);
    int rc = sf_fit_extrap_points(fit, draws, x, L, n, levels, n_levels, ex, &any, &err);
    free(L);
    return keep_if_any(ex, rc, any);
}

char *cli_attach_extrap(char *js, const sf_extrap *ex, size_t n)
{
    if (!js || !ex) return js;
    char *out = NULL;
    sf_error err;
    sf_error_clear(&err);
    sf_extrap_attach_json(js, "rows", ex, n, &out, &err);
    free(js);
    return out;
}

void cli_print_extrap_rows(FILE *out, const sf_extrap *ex, size_t n, const char *what)
{
    for (size_t i = 0; ex && i < n; i++) {
        if (!ex[i].n_levels) continue;
        char b[32];
        fprintf(out, "\n%s %zu (loss %s) lies %.2f decades beyond the fitted data; with the "
                "extrapolation term:\n", what, i + 1, cli_num(ex[i].loss, b, sizeof b),
                ex[i].distance);
        cli_print_extrap(out, "  ", &ex[i]);
    }
}

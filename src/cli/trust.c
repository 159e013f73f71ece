/* What the CLI says about a fit's diagnoses (docs/reliability.md). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

void cli_print_diagnoses(FILE *out, const sf_fit *fit, const char *prefix)
{
    for (size_t k = 0; k < sf_fit_n_diagnoses(fit); k++) {
        sf_diagnosis g;
        if (sf_fit_diagnosis(fit, k, &g) != SF_OK) break;
        fprintf(out, "%s%s%s%s%s: %s\n", prefix, g.code, g.param ? " (" : "",
                g.param ? g.param : "", g.param ? ")" : "", g.message);
    }
}

void cli_warn_diagnoses(const sf_fit *fit, const char *path)
{
    for (size_t k = 0; k < sf_fit_n_diagnoses(fit); k++) {
        sf_diagnosis g;
        if (sf_fit_diagnosis(fit, k, &g) != SF_OK) break;
        if (strcmp(g.code, "at_bound") == 0) continue;
        cli_warning("%s%s%s: %s", path ? path : "", path ? ": " : "", g.param ? g.param : g.code,
                    g.message);
    }
}

const char *cli_diagnoses_for(const sf_fit *fit, const char *path, const char *what)
{
    const char *first = NULL;
    for (size_t k = 0; k < sf_fit_n_diagnoses(fit); k++) {
        sf_diagnosis g;
        if (sf_fit_diagnosis(fit, k, &g) != SF_OK) break;
        if (!g.param) {
            cli_warning("%s: the fit carries a diagnosis (%s): %s", path, g.code, g.message);
            continue;
        }
        if (!first) first = g.param;
        cli_warning("%s: %s rests on %s (%s): %s", path, what, g.param, g.code, g.message);
    }
    return first;
}

int cli_first_diagnosis(const sf_fit *fit, sf_diagnosis *g)
{
    for (size_t k = 0; k < sf_fit_n_diagnoses(fit); k++)
        if (sf_fit_diagnosis(fit, k, g) == SF_OK && g->param) return 1;
    return 0;
}

/* The library's version and the sizes of its public structs, for bindings
 * that mirror the structs (python/pyscalefit, ctypes) and must refuse to
 * run against a library whose layout differs from theirs. */
#include <string.h>

#include "scalefit.h"

const char *sf_version(void)
{
    return SF_VERSION;
}

#define SIZE(T) {#T, sizeof(T)}

static const struct {
    const char *name;
    size_t size;
} sizes[] = {
    SIZE(sf_error),          SIZE(sf_data),            SIZE(sf_data_options),
    SIZE(sf_law_options),    SIZE(sf_point),           SIZE(sf_formula_options),
    SIZE(sf_fit_options),    SIZE(sf_diagnosis),       SIZE(sf_alloc_row),
    SIZE(sf_alloc_dc_row),   SIZE(sf_alloc_inference_row), SIZE(sf_bootstrap_options),
    SIZE(sf_prior),          SIZE(sf_bayes_options),   SIZE(sf_report_request),
    SIZE(sf_plot_options),   SIZE(sf_isoflop_options), SIZE(sf_envelope_options),
    SIZE(sf_validate_options), SIZE(sf_summary),   SIZE(sf_task_options),
    SIZE(sf_task_prediction), SIZE(sf_curve_run),   SIZE(sf_curve_options),
    SIZE(sf_curve_plot),     SIZE(sf_extrap),
};

size_t sf_struct_size(const char *name)
{
    if (!name) return 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        if (strcmp(sizes[i].name, name) == 0) return sizes[i].size;
    return 0;
}

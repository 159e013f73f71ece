/*
 * Synthetic sweeps drawn from a law with log-normal noise: the test bed for
 * the demo, for calibration tests and for round trips of sweep planning.
 */
#include <math.h>

#include "base/base.h"
#include "law/law_impl.h"

int sf_simulate(const sf_law *law, const double *params, const double *N, const double *D,
                const double *U, size_t n, double noise, uint64_t seed, sf_data **out,
                sf_error *err)
{
    *out = NULL;
    if (!(noise >= 0) || !isfinite(noise))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "noise must be finite and >= 0");
    if ((law->roles & SF_ROLE_BIT(SF_ROLE_U)) && !U)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "law '%s' needs unique tokens U",
                       law->cls->name);
    unsigned roles = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D) | SF_ROLE_BIT(SF_ROLE_C) |
                     SF_ROLE_BIT(SF_ROLE_LOSS) | (U ? SF_ROLE_BIT(SF_ROLE_U) : 0u);
    sf_data *d;
    if (sf_data_new(n, roles, &d) != SF_OK)
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    d->derived = SF_ROLE_BIT(SF_ROLE_C);
    d->rows_read = n;
    for (size_t i = 0; i < n; i++) {
        sf_point x = {.N = N[i], .D = D[i], .C = 6.0 * N[i] * D[i], .U = U ? U[i] : 0.0};
        double L;
        if (sf_law_predict(law, params, &x, &L) != SF_OK) {
            sf_data_free(d);
            return sf_fail(err, SF_EDOMAIN, NULL, 0, 0,
                           "row %zu: the law gives no finite loss at N=%g, D=%g", i + 1, N[i], D[i]);
        }
        sf_rng r;
        sf_rng_seed(&r, seed, (uint64_t)i);
        d->N[i] = N[i];
        d->D[i] = D[i];
        d->C[i] = x.C;
        if (U) d->U[i] = U[i];
        d->loss[i] = L * exp(noise * sf_rng_normal(&r));
    }
    *out = d;
    return SF_OK;
}

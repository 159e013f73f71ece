/* Run data as CSV text, numbers written so that they read back exactly. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "infer/infer_impl.h"
#include "io/io_impl.h"

int sf_data_csv(const sf_data *d, char **out, sf_error *err)
{
    *out = NULL;
    const double *col[SF_ROLE_COUNT] = {[SF_ROLE_N] = d->N, [SF_ROLE_D] = d->D,
                                        [SF_ROLE_C] = d->C, [SF_ROLE_LOSS] = d->loss,
                                        [SF_ROLE_U] = d->U, [SF_ROLE_WEIGHT] = d->weight};
    static const int order[] = {SF_ROLE_N, SF_ROLE_D, SF_ROLE_C, SF_ROLE_LOSS, SF_ROLE_U,
                                SF_ROLE_GROUP, SF_ROLE_WEIGHT};
    sf_buf b = {0};
    int bad = 0, first = 1;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        int r = order[k];
        if (r == SF_ROLE_GROUP ? !d->group : !col[r]) continue;
        bad |= sf_buf_printf(&b, "%s%s", first ? "" : ",", sf_role_name((sf_role)r));
        first = 0;
    }
    bad |= sf_buf_printf(&b, "\n");
    for (size_t i = 0; i < d->n && !bad; i++) {
        first = 1;
        for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
            int r = order[k];
            if (r == SF_ROLE_GROUP) {
                if (!d->group) continue;
                /* Quote run ids: they may hold commas. */
                const char *g = d->group_names[d->group[i]];
                bad |= sf_buf_printf(&b, "%s\"", first ? "" : ",");
                /* Runs between quotes as they are, each quote doubled. */
                for (const char *c = g; *c && !bad;) {
                    size_t run = strcspn(c, "\"");
                    bad |= sf_buf_append(&b, c, run);
                    c += run;
                    if (*c == '"') {
                        bad |= sf_buf_append(&b, "\"\"", 2);
                        c++;
                    }
                }
                bad |= sf_buf_printf(&b, "\"");
            } else {
                if (!col[r]) continue;
                bad |= sf_buf_printf(&b, "%s%.17g", first ? "" : ",", col[r][i]);
            }
            first = 0;
        }
        bad |= sf_buf_printf(&b, "\n");
    }
    return sf_buf_out(&b, bad, out, err);
}

int sf_draws_csv(const sf_draws *dr, char **out, sf_error *err)
{
    *out = NULL;
    if (!dr || dr->n == 0) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "no draws to write");
    const sf_law *law = dr->fit->law;
    const size_t p = law->n_params;
    const int post = dr->kind == SF_DRAWS_POSTERIOR;
    sf_buf b = {0};
    int bad = sf_buf_printf(&b, "%s", post ? "walker,step" : "draw");
    for (size_t j = 0; j < p; j++) bad |= sf_buf_printf(&b, ",%s", law->param[j].name);
    bad |= sf_buf_printf(&b, "%s,noise\n", post && dr->sigma ? ",sigma" : "");
    for (size_t k = 0; k < dr->n && !bad; k++) {
        if (post && dr->walkers)
            bad |= sf_buf_printf(&b, "%zu,%zu", k % dr->walkers, (k / dr->walkers) * dr->thin);
        else
            bad |= sf_buf_printf(&b, "%zu", k);
        for (size_t j = 0; j < p; j++) bad |= sf_buf_printf(&b, ",%.17g", dr->x[k * p + j]);
        if (post && dr->sigma) bad |= sf_buf_printf(&b, ",%.17g", dr->sigma[k]);
        bad |= sf_buf_printf(&b, ",%.17g\n", dr->noise[k]);
    }
    return sf_buf_out(&b, bad, out, err);
}

/*
 * The data a forecast chart needs (observed curve, forecast with band,
 * LR schedule), as arrays: the chart itself belongs to src/render.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "curve/curve_impl.h"

void sf_curve_plot_free(sf_curve_plot *p)
{
    if (!p) return;
    free(p->obs_step);
    free(p->obs_loss);
    free(p->fc_step);
    free(p->fc_loss);
    free(p->fc_lo);
    free(p->fc_hi);
    free(p->lr_step);
    free(p->lr);
    memset(p, 0, sizeof *p);
}

int sf_curve_plot_data(const sf_curve_fit *f, const sf_curve_run *run, const double *fc_step,
                       size_t m, sf_curve_plot *out, sf_error *err)
{
    memset(out, 0, sizeof *out);
    const size_t n = run->n, T = sf_schedule_steps(run->schedule);
    const size_t nl = T + 1 < 512 ? T + 1 : 512;
    size_t one = 1;
    out->obs_step = malloc((n ? n : one) * sizeof(double));
    out->obs_loss = malloc((n ? n : one) * sizeof(double));
    out->fc_step = malloc((m ? m : one) * sizeof(double));
    out->fc_loss = malloc((m ? m : one) * sizeof(double));
    out->fc_lo = malloc((m ? m : one) * sizeof(double));
    out->fc_hi = malloc((m ? m : one) * sizeof(double));
    out->lr_step = malloc(nl * sizeof(double));
    out->lr = malloc(nl * sizeof(double));
    if (!out->obs_step || !out->obs_loss || !out->fc_step || !out->fc_loss || !out->fc_lo ||
        !out->fc_hi || !out->lr_step || !out->lr) {
        sf_curve_plot_free(out);
        return sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    }
    out->n_obs = n;
    if (n) {
        memcpy(out->obs_step, run->step, n * sizeof(double));
        memcpy(out->obs_loss, run->loss, n * sizeof(double));
    }
    out->n_fc = m;
    if (m) memcpy(out->fc_step, fc_step, m * sizeof(double));
    int rc = m ? sf_curve_predict(f, run->schedule, fc_step, m, out->fc_loss, out->fc_lo,
                                  out->fc_hi, err)
               : SF_OK;
    if (rc != SF_OK) {
        sf_curve_plot_free(out);
        return rc;
    }
    out->n_lr = nl;
    for (size_t k = 0; k < nl; k++) {
        double t = nl > 1 ? (double)T * (double)k / (double)(nl - 1) : 0.0;
        out->lr_step[k] = t;
        out->lr[k] = sf_schedule_lr(run->schedule, t);
    }
    return SF_OK;
}

/* The band of a task's step-2 sigmoid over its bootstrap draws, for plots
 * of accuracy against task loss (issue 15). */
#include <math.h>
#include <stdlib.h>

#include "base/base.h"
#include "task/task_impl.h"

/* The central `level` interval of v's finite values (v is reordered). */
static void band_interval(double *v, size_t n, double level, double *lo, double *hi)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) v[m++] = v[i];
    sf_sort_doubles(v, m);
    *lo = m ? sf_quantile_sorted(v, m, (1.0 - level) / 2.0) : NAN;
    *hi = m ? sf_quantile_sorted(v, m, (1.0 + level) / 2.0) : NAN;
}

int sf_task_sigmoid_band(const sf_task_fit *f, size_t task, const double *L, size_t n,
                         double level, double *lo, double *hi, sf_error *err)
{
    if (!f || task >= f->n_tasks || (n && (!L || !lo || !hi)) || !(level > 0.0 && level < 1.0))
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "sigmoid band: bad task, arrays or level");
    const sf_task_one *t = &f->tasks[task];
    if (t->diagnosis != SF_TASK_OK || !t->has_two_step)
        return sf_fail(err, SF_ENOTSUP, NULL, 0, 0, "task '%s' has no sigmoid%s", t->name,
                       t->diagnosis != SF_TASK_OK ? " (no signal)" : "");
    if (t->n_draws == 0 || !t->d_sig)
        return sf_fail(err, SF_ENODATA, NULL, 0, 0, "task '%s' has no draws", t->name);
    double *buf = malloc(t->n_draws * sizeof *buf);
    if (!buf) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < t->n_draws; k++) {
            const double *g = t->d_sig + 4 * k;
            sf_sigmoid s = {.a = g[0], .b = g[1], .k = g[2], .L0 = g[3]};
            buf[k] = isfinite(L[i]) ? sf_sigmoid_eval(&s, L[i]) : NAN;
        }
        band_interval(buf, t->n_draws, level, &lo[i], &hi[i]);
    }
    free(buf);
    return SF_OK;
}

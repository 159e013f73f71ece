/*
 * Learning-rate schedules as the LR at every optimiser step.
 *
 * The curve laws (docs/curves.md) read sums of the LR over steps (the
 * "forward area" S1 and the annealing momentum S2 of Tissue et al. 2024),
 * so a schedule is stored step by step: eta[t] for t = 0..steps, O(steps)
 * memory, built once per run.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "curve/curve_impl.h"

/* Longest schedule accepted: 8 bytes a step, 400 MB at most. */
#define SCHED_MAX_STEPS 50000000.0

static int sched_alloc(double steps, sf_schedule **out, sf_error *err)
{
    if (!(steps >= 1 && steps <= SCHED_MAX_STEPS))
        return sf_fail(err, SF_EINVAL, "", 0, 0,
                       "schedule length %g steps is outside 1..%g", steps, SCHED_MAX_STEPS);
    sf_schedule *s = calloc(1, sizeof *s);
    size_t T = (size_t)llround(steps);
    if (s) s->eta = malloc((T + 1) * sizeof *s->eta);
    if (!s || !s->eta) {
        free(s);
        return sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    }
    s->steps = T;
    *out = s;
    return SF_OK;
}

void sf_schedule_free(sf_schedule *s)
{
    if (!s) return;
    free(s->eta);
    free(s);
}

size_t sf_schedule_steps(const sf_schedule *s) { return s->steps; }

double sf_schedule_lr(const sf_schedule *s, double step)
{
    if (!(step > 0)) return s->eta[0];
    if (step >= (double)s->steps) return s->eta[s->steps];
    size_t i = (size_t)step;
    double f = step - (double)i;
    return f > 0 ? s->eta[i] + f * (s->eta[i + 1] - s->eta[i]) : s->eta[i];
}

size_t sf_schedule_peak_step(const sf_schedule *s)
{
    double mx = 0;
    for (size_t t = 0; t <= s->steps; t++)
        if (s->eta[t] > mx) mx = s->eta[t];
    for (size_t t = 0; t <= s->steps; t++)
        if (s->eta[t] >= 0.99 * mx) return t;
    return 0;
}

int sf_schedule_from_points(const double *step, const double *lr, size_t n, double steps,
                            sf_schedule **out, sf_error *err)
{
    *out = NULL;
    if (n == 0) return sf_fail(err, SF_EINVAL, "", 0, 0, "schedule: no learning rates");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(step[i]) || step[i] < 0 || (i && !(step[i] > step[i - 1])))
            return sf_fail(err, SF_EINVAL, "", 0, 0,
                           "schedule: steps must be finite, >= 0 and increasing (step %g)",
                           step[i]);
        if (!isfinite(lr[i]) || lr[i] < 0)
            return sf_fail(err, SF_EINVAL, "", 0, 0,
                           "schedule: learning rate %g at step %g is not finite and >= 0",
                           lr[i], step[i]);
    }
    double T = steps > 0 ? steps : step[n - 1];
    if (T < step[n - 1]) T = step[n - 1];
    int rc = sched_alloc(T, out, err);
    if (rc != SF_OK) return rc;
    sf_schedule *s = *out;
    /* Knots (0, 0) when the log starts later, then the logged points. */
    size_t k = 0;
    double x0 = 0, y0 = step[0] > 0 ? 0.0 : lr[0];
    for (size_t t = 0; t <= s->steps; t++) {
        double x = (double)t;
        while (k < n && step[k] < x) {
            x0 = step[k];
            y0 = lr[k];
            k++;
        }
        if (k == n) s->eta[t] = lr[n - 1];
        else if (step[k] == x) s->eta[t] = lr[k];
        else s->eta[t] = y0 + (lr[k] - y0) * (x - x0) / (step[k] - x0);
    }
    return SF_OK;
}

/* Fields of a schedule description; NaN when not given. */
typedef struct spec_fields {
    double peak, warmup, steps, final, decay;
} spec_fields;

static int spec_field(const char *spec, char *item, spec_fields *f, sf_error *err)
{
    char *eq = strchr(item, '=');
    if (!eq)
        return sf_fail(err, SF_EPARSE, "", 0, 0, "schedule '%s': '%s' is not NAME=VALUE", spec,
                       item);
    *eq = '\0';
    double v;
    if (sf_parse_double(eq + 1, &v) != SF_OK || !(v >= 0))
        return sf_fail(err, SF_EPARSE, "", 0, 0,
                       "schedule '%s': %s needs a finite number >= 0, not '%s'", spec, item,
                       eq + 1);
    double *dst = !strcmp(item, "peak")     ? &f->peak
                  : !strcmp(item, "warmup") ? &f->warmup
                  : !strcmp(item, "steps")  ? &f->steps
                  : !strcmp(item, "final")  ? &f->final
                  : !strcmp(item, "decay")  ? &f->decay
                                            : NULL;
    if (!dst)
        return sf_fail(err, SF_EPARSE, "", 0, 0,
                       "schedule '%s': unknown field '%s' (peak, warmup, steps, final, decay)",
                       spec, item);
    *dst = v;
    return SF_OK;
}

static double lr_at(int kind, const spec_fields *f, double t)
{
    double W = f->warmup, T = f->steps, P = f->peak, F = f->final;
    if (t < W) return P * t / W;
    if (kind == 0) { /* cosine */
        double u = T > W ? (t - W) / (T - W) : 1.0;
        return F + 0.5 * (P - F) * (1 + cos(3.14159265358979323846 * u));
    }
    if (kind == 1) { /* wsd */
        double K = f->decay < 1 ? f->decay * T : f->decay, d0 = T - K;
        if (t <= d0 || K <= 0) return P;
        return P + (F - P) * (t - d0) / K;
    }
    return P; /* constant */
}

int sf_schedule_parse(const char *spec, sf_schedule **out, sf_error *err)
{
    *out = NULL;
    const char *colon = strchr(spec, ':');
    size_t kl = colon ? (size_t)(colon - spec) : strlen(spec);
    int kind = kl == 6 && !strncmp(spec, "cosine", 6) ? 0
               : kl == 3 && !strncmp(spec, "wsd", 3)  ? 1
               : kl == 8 && !strncmp(spec, "constant", 8) ? 2
                                                         : -1;
    if (kind < 0)
        return sf_fail(err, SF_EPARSE, "", 0, 0,
                       "schedule '%s': expected cosine:, wsd: or constant:", spec);
    spec_fields f = {NAN, 0, NAN, NAN, NAN};
    char *copy = sf_strdup(colon ? colon + 1 : "");
    if (!copy) return sf_fail(err, SF_ENOMEM, "", 0, 0, "out of memory");
    int rc = SF_OK;
    for (char *save = NULL, *it = strtok_r(copy, ",", &save); it && rc == SF_OK;
         it = strtok_r(NULL, ",", &save))
        rc = spec_field(spec, it, &f, err);
    free(copy);
    if (rc != SF_OK) return rc;
    if (isnan(f.peak) || !(f.peak > 0) || isnan(f.steps) || !(f.steps >= 1))
        return sf_fail(err, SF_EPARSE, "", 0, 0,
                       "schedule '%s': needs peak=LR > 0 and steps=T >= 1", spec);
    if (isnan(f.final)) f.final = kind == 0 ? 0.1 * f.peak : kind == 1 ? 0.0 : f.peak;
    if (isnan(f.decay)) f.decay = 0.2;
    if (f.warmup >= f.steps)
        return sf_fail(err, SF_EPARSE, "", 0, 0, "schedule '%s': warmup must be below steps",
                       spec);
    rc = sched_alloc(f.steps, out, err);
    if (rc != SF_OK) return rc;
    for (size_t t = 0; t <= (*out)->steps; t++) (*out)->eta[t] = lr_at(kind, &f, (double)t);
    return SF_OK;
}

/* The schedule a run of length t would have followed: the warm-up kept,
 * the decay after it compressed from [w, T] onto [w, t]. */
int sf_schedule_anneal_at(const sf_schedule *s, double t, sf_schedule **out, sf_error *err)
{
    *out = NULL;
    if (!(t >= 1)) return sf_fail(err, SF_EINVAL, "", 0, 0, "anneal step %g is below 1", t);
    int rc = sched_alloc(t, out, err);
    if (rc != SF_OK) return rc;
    double w = (double)sf_schedule_peak_step(s), T = (double)s->steps;
    for (size_t u = 0; u <= (*out)->steps; u++) {
        double x = (double)u;
        if (x <= w || (*out)->steps <= (size_t)w || T <= w) (*out)->eta[u] = sf_schedule_lr(s, x);
        else (*out)->eta[u] = sf_schedule_lr(s, w + (x - w) * (T - w) / ((double)(*out)->steps - w));
    }
    return SF_OK;
}

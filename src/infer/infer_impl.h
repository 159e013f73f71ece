/*
 * Internals of the uncertainty module (src/infer): draws, interval levels,
 * MCMC diagnostics, the Huber likelihood.  Not part of the public API.
 */
#ifndef SF_INFER_IMPL_H
#define SF_INFER_IMPL_H

#include <stddef.h>

#include "fit/fit_impl.h"
#include "scalefit.h"

/* Draws of a fit's parameters: bootstrap refits or posterior samples.
 * Made by sf_fit_bootstrap, sf_bayes_run (this module) or read back from
 * a fit file (src/io); `fit` is borrowed, never written through. */
struct sf_draws {
    const sf_fit *fit;          /* the fit the draws are of */
    int kind;                   /* sf_draws_kind */
    size_t n, p;                /* draws, parameters per draw */
    double *x;                  /* n * p natural parameters, row-major */
    double *noise;              /* n log-residual draws (prediction intervals) */
    double *sigma;              /* n likelihood scales (posterior), or NULL */
    size_t n_levels;
    double levels[SF_MAX_LEVELS];
    /* Bootstrap. */
    size_t resamples, failed, not_converged;
    int resample;               /* sf_resample */
    int warm;
    /* Posterior. */
    size_t walkers, burn, steps, thin;
    double acceptance;
    double rhat[SF_MAX_PARAMS + 1], ess[SF_MAX_PARAMS + 1];
    double ml[SF_MAX_PARAMS], ml_sigma;
    size_t n_priors;
    sf_prior prior[SF_MAX_PARAMS + 1];
    /* What the resampling or the sampler found wrong, one sentence each. */
    size_t n_warn;
    char warn[SF_MAX_WARN][SF_WARN_LEN];
};

/* A new sf_draws of `fit` with n draws of p parameters (x and noise
 * allocated; sigma too when with_sigma), levels set to the defaults.
 * NULL on ENOMEM. */
sf_draws *sf_draws_new(const sf_fit *fit, size_t n, size_t p, int with_sigma);

/* Append a warning (at most SF_MAX_WARN, each cut at SF_WARN_LEN). */
void sf_draws_add_warning(sf_draws *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The default interval levels, 0.8 and 0.95. */
void sf_levels_default(size_t *n, double *v);
/* SF_EINVAL unless 1 <= n <= SF_MAX_LEVELS and every level is in (0, 1). */
int sf_levels_check(const double *v, size_t n, sf_error *err);

/* MCMC diagnostics of one coordinate over W chains of T steps, value of
 * chain k at step t at x[(t * W + k) * stride] (the layout the sampler
 * stores).  Split R-hat (Gelman et al., Bayesian Data Analysis, 3rd ed.,
 * eq. 11.4, each chain cut in two halves), and the integrated
 * autocorrelation time of the chain-averaged autocorrelation function
 * with Sokal's automatic window (c = 5; Foreman-Mackey et al. 2013, emcee).
 * *converged (may be NULL) is 0 when the window never closed within T/2
 * lags (the chains are too short for the estimate). */
double sf_split_rhat(const double *x, size_t W, size_t T, size_t stride);
double sf_autocorr_time(const double *x, size_t W, size_t T, size_t stride, int *converged);

/* Log of the normalising constant of exp(-rho_delta(x)) over the real
 * line: Z = sqrt(2 pi) erf(delta / sqrt 2) + 2 exp(-delta^2 / 2) / delta. */
double sf_huber_log_norm(double delta);

/* Log density of prior p at the sampler's coordinate u (u = log x when
 * logscale, with the Jacobian), its derivative in u into *d (may be NULL);
 * -INFINITY outside the support. */
double sf_prior_logpdf(const sf_prior *p, int logscale, double u, double *d);

#endif /* SF_INFER_IMPL_H */

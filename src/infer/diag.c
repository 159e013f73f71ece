/*
 * MCMC diagnostics and the Huber likelihood's normalising constant.
 *
 * Chains are stored step-major: the value of chain k at step t is
 * x[(t * W + k) * stride], W chains (the sampler's walkers) of T steps.
 */
#include <math.h>
#include <stdlib.h>

#include "infer/infer_impl.h"

#define AT(x, t, k) (x)[((t) * W + (k)) * stride]

/* Split R-hat (Gelman et al., Bayesian Data Analysis, 3rd ed., sec. 11.4):
 * each chain is cut into two halves of n steps, giving M = 2W sequences;
 * with B = n/(M-1) sum_m (mean_m - mean)^2 the between-sequence variance
 * and V the mean within-sequence variance,
 *   var+ = (n-1)/n V + B/n,   R-hat = sqrt(var+ / V).
 * NaN when the coordinate never moves (a held parameter) or T < 4. */
double sf_split_rhat(const double *x, size_t W, size_t T, size_t stride)
{
    size_t n = T / 2, M = 2 * W;
    if (n < 2 || W == 0) return NAN;
    double sum_means = 0, sum_var = 0;
    double *means = malloc(M * sizeof *means);
    if (!means) return NAN;
    for (size_t m = 0; m < M; m++) {
        size_t k = m / 2, t0 = (m % 2) * n;
        /* Shifted sums: a sequence that never moves has variance exactly 0. */
        double shift = AT(x, t0, k), s = 0;
        for (size_t t = t0; t < t0 + n; t++) s += AT(x, t, k) - shift;
        double mean = shift + s / (double)n, ss = 0;
        for (size_t t = t0; t < t0 + n; t++) ss += (AT(x, t, k) - mean) * (AT(x, t, k) - mean);
        means[m] = mean;
        sum_means += mean;
        sum_var += ss / (double)(n - 1);
    }
    double grand = sum_means / (double)M, V = sum_var / (double)M, B = 0;
    for (size_t m = 0; m < M; m++) B += (means[m] - grand) * (means[m] - grand);
    B *= (double)n / (double)(M - 1);
    free(means);
    if (!(V > 0)) return NAN;
    double vplus = (double)(n - 1) / (double)n * V + B / (double)n;
    return sqrt(vplus / V);
}

/* Integrated autocorrelation time tau = 1 + 2 sum_{t>=1} rho(t), rho the
 * autocorrelation function averaged over chains (each chain's
 * autocovariance c(t) = 1/T sum_s (x_s - mean)(x_{s+t} - mean), normalised
 * by c(0)), summed up to Sokal's window: the first M with M >= 5 tau(M)
 * (Sokal 1997; Foreman-Mackey et al. 2013 use the same for emcee).  The
 * effective sample size is then W T / tau. */
double sf_autocorr_time(const double *x, size_t W, size_t T, size_t stride, int *converged)
{
    if (converged) *converged = 0;
    if (W == 0 || T < 4) return NAN;
    double *mean = malloc(W * sizeof *mean), *c0 = malloc(W * sizeof *c0);
    if (!mean || !c0) {
        free(mean);
        free(c0);
        return NAN;
    }
    size_t live = 0;
    for (size_t k = 0; k < W; k++) {
        double s = 0;
        for (size_t t = 0; t < T; t++) s += AT(x, t, k);
        mean[k] = s / (double)T;
        double ss = 0;
        for (size_t t = 0; t < T; t++) ss += (AT(x, t, k) - mean[k]) * (AT(x, t, k) - mean[k]);
        c0[k] = ss / (double)T;
        live += c0[k] > 0;
    }
    double tau = NAN;
    if (live > 0) {
        tau = 1.0;
        size_t lag;
        for (lag = 1; lag < T / 2; lag++) {
            double rho = 0;
            for (size_t k = 0; k < W; k++) {
                if (!(c0[k] > 0)) continue;
                double s = 0;
                for (size_t t = 0; t + lag < T; t++)
                    s += (AT(x, t, k) - mean[k]) * (AT(x, t + lag, k) - mean[k]);
                rho += s / (double)T / c0[k];
            }
            tau += 2.0 * rho / (double)live;
            if ((double)lag >= 5.0 * tau) {
                if (converged) *converged = 1;
                break;
            }
        }
        if (tau < 1.0 / (double)(W * T)) tau = 1.0 / (double)(W * T);
    }
    free(mean);
    free(c0);
    return tau;
}

/* The normalising constant of the Huber density exp(-rho_delta(x)),
 * rho_delta(x) = x^2/2 for |x| <= delta, delta (|x| - delta/2) beyond:
 *   Z = int_{-delta}^{delta} e^{-x^2/2} dx + 2 int_delta^inf e^{-delta (x - delta/2)} dx
 *     = sqrt(2 pi) erf(delta / sqrt 2) + 2 e^{-delta^2/2} / delta,
 * the core a Gaussian integral, the tails exponential.  It equals
 * Besiroglu et al.'s sqrt(2 pi) (1 - 2 Phi(-delta)) + 2 e^{-delta^2/2} / delta
 * (their notebook's huber_normalizing_factor). */
double sf_huber_log_norm(double delta)
{
    const double pi = 3.14159265358979323846;
    return log(sqrt(2.0 * pi) * erf(delta / sqrt(2.0)) + 2.0 * exp(-0.5 * delta * delta) / delta);
}

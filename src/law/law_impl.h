/*
 * The law interface behind sf_law: what a law file fills in.
 *
 * A law is evaluated in "internal" coordinates theta, where positive scale
 * parameters appear as logarithms (theta = log A) so the optimiser works on
 * an unbounded, well-scaled space.  Natural values are what users read and
 * write.  Each law supplies log L^ and its gradient in theta for a batch of
 * points; the objective (src/fit) is built on top.
 */
#ifndef SF_LAW_IMPL_H
#define SF_LAW_IMPL_H

#include <stddef.h>

#include "scalefit.h"

typedef enum sf_scale {
    SF_SCALE_LINEAR = 0, /* theta = x */
    SF_SCALE_LOG         /* theta = log x, x >= 0 (x = 0 is theta = -inf) */
} sf_scale;

typedef struct sf_param_spec {
    char name[SF_NAME_MAX];
    sf_scale scale;
    double lo, hi;        /* natural bounds, may be -INFINITY / INFINITY */
} sf_param_spec;

/* Points prepared for evaluation: logarithms of the positive roles.
 * log[r] has n entries for each role the law reads (NULL otherwise);
 * logy is log loss (NULL when only predicting); w the weights or NULL. */
typedef struct sf_obs {
    size_t n;
    const double *log[SF_ROLE_COUNT];
    const double *logy;
    const double *w;
    const double *extra[SF_MAX_EXTRA];  /* extra columns (formula laws), as read */
} sf_obs;

typedef struct sf_law_class sf_law_class;

/* What a law's own start generator (sf_law_class.starts) is given: the
 * data, the parameters the user holds, the objective's settings.  Ties are
 * applied by the driver afterwards (a follower takes its leader's value). */
typedef struct sf_start_ctx {
    const sf_obs *obs;             /* the rows; obs->logy is set */
    const unsigned char *held;     /* held[j] != 0: parameter j is held */
    const double *held_theta;      /* its internal value when held */
    sf_loss loss;                  /* the objective being minimised */
    double delta;
    int threads;                   /* as sf_fit_options.threads */
    size_t refine;                 /* sf_fit_options.refine: starts wanted */
    size_t max;                    /* room for this many (4 refine): a law
                                      with many basins may return more */
} sf_start_ctx;

/* Most laws have enough room in these fixed arrays; a law whose start grid
 * is computed at setup (bnsl with k breaks) points grid_v into grid_store. */
#define SF_GRID_STORE 512

struct sf_law {
    const sf_law_class *cls;
    sf_law_options opt;
    size_t n_params;
    sf_param_spec param[SF_MAX_PARAMS];
    unsigned roles;                 /* roles read, loss included */
    /* Start grid for SF_GRID_FULL / SCREEN: per parameter, values in
     * INTERNAL coordinates; the grid is their cartesian product. */
    size_t grid_n[SF_MAX_PARAMS];
    const double *grid_v[SF_MAX_PARAMS];
    double grid_store[SF_GRID_STORE];
    size_t grid_used;               /* entries of grid_store in use */
    /* Variable projection (optional): L^ = sum_k c_k * basis_k(x; theta)
     * where c_k = exp(theta[lin[k]]) and the basis depends only on the
     * other ("nonlinear") parameters.  n_lin = 0 when the law has no such
     * structure.  lin_dep[k] is the one nonlinear parameter basis_k depends
     * on, -1 for none (a constant), -2 for several.  vp_n/vp_v give the
     * screening grid of each nonlinear parameter (internal coordinates). */
    size_t n_lin;
    int lin[SF_MAX_PARAMS];
    int lin_dep[SF_MAX_PARAMS];
    size_t vp_n[SF_MAX_PARAMS];
    const double *vp_v[SF_MAX_PARAMS];
    /* Formula laws (issue 20): the compiled formula (owned) and the extra
     * data columns read, in sf_obs.extra order. */
    struct sf_formula *formula;
    size_t n_extra;
    char extra[SF_MAX_EXTRA][SF_NAME_MAX];
};

struct sf_law_class {
    const char *name;
    const char *formula;
    /* Fill n_params, param[], roles, grids from law->opt. */
    int (*setup)(sf_law *law, sf_error *err);
    /* logy[i] = log L^(x_i) for i < x->n; when jac is not NULL also
     * jac[i*p + j] = d logy[i] / d theta[j] (p = n_params). */
    void (*eval)(const sf_law *law, const double *theta, const sf_obs *x, double *logy,
                 double *jac);
    /* VP basis: B[k*n + i] = basis_k(x_i; theta), n = x->n (column-major).
     * Required when n_lin > 0. */
    void (*basis)(const sf_law *law, const double *theta, const sf_obs *x, double *B);
    /* Derived quantities (may be NULL). */
    size_t (*derived)(const sf_law *law, const double *nat, const char **names,
                      double *values, size_t max);
    /* Closed-form compute-optimal allocation (may be NULL: numeric). */
    int (*optimal)(const sf_law *law, const double *nat, double C, double *N, double *D);
    /* Closed-form smallest compute reaching loss L (may be NULL: numeric).
     * Returns SF_EDOMAIN with a message when L cannot be reached. */
    int (*target)(const sf_law *law, const double *nat, double L, double *C,
                  sf_error *err);
    /* Lowest loss reachable with unlimited compute (may be NULL). */
    double (*floor)(const sf_law *law, const double *nat);

    /* ---- optional, NULL / 0 for laws that do not need them ---- */

    /* Which sf_law_options fields the law reads (SF_LAW_OPT_X,
     * SF_LAW_OPT_BREAKS); sf_law_new rejects non-default values of the
     * others. */
    unsigned options;
    /* Grid screening (SF_GRID_SCREEN and the AUTO fallback) subdivides the
     * start grid's free axes, halving their steps, while the grid stays
     * under this many points: with parameters held by --fix the remaining
     * ones are screened finely.  0 keeps the grid as set up. */
    size_t screen_points;
    /* The law's own global search, used by SF_GRID_AUTO before variable
     * projection: write up to c->max starts (internal coordinates, p each)
     * into theta and their number into *count; set *exact when the single
     * start is the exact optimum of a convex problem.  SF_ENOTSUP hands the
     * search back to the generic strategies. */
    int (*starts)(const sf_law *law, const sf_start_ctx *c, double *theta, size_t *count,
                  int *exact);
    /* Loss along a compute budget with U unique tokens, for the
     * data-constrained allocation: at log N = u, log D = ls - u
     * (ls = log(C/6)) and log U = lU, the loss, its derivative along the
     * budget dL/du and dL/d ls at fixed N.  The loss must be continuously
     * differentiable in u. */
    int (*budget)(const sf_law *law, const double *nat, double u, double ls, double lU,
                  double *L, double *dL_du, double *dL_dls);
};

/* Formula laws' extra columns (issue 20): x->extra from row i of d, by
 * the law's column names (0 where d lacks one). */
void sf_law_point_extras(const sf_law *law, const sf_data *d, size_t i, sf_point *x);

/* Internal <-> natural coordinates of a whole vector. */
void sf_law_to_internal(const sf_law *law, const double *nat, double *theta);
void sf_law_to_natural(const sf_law *law, const double *theta, double *nat);

/* Helpers for law files. */
void sf_law_add_param(sf_law *law, const char *name, sf_scale scale, double lo, double hi);
/* Set parameter j's start grid to values lo, lo+step, ..., hi (internal). */
void sf_law_grid_range(sf_law *law, size_t j, double lo, double step, double hi);
void sf_law_vp_range(sf_law *law, size_t j, double lo, double step, double hi);

/* log(exp(x0) + exp(x1) + exp(x2)) and the softmax weights w[3];
 * robust to -inf entries and huge arguments. */
double sf_lse3(double x0, double x1, double x2, double *w);

/* For laws of one variable (power, bnsl): check law->opt.x is N, D or C
 * and add it to the roles read. */
int sf_law_setup_x(sf_law *law, sf_error *err);

extern const sf_law_class sf_law_chinchilla;
extern const sf_law_class sf_law_power;
extern const sf_law_class sf_law_kaplan;
extern const sf_law_class sf_law_datablations;
extern const sf_law_class sf_law_bnsl;

#endif /* SF_LAW_IMPL_H */

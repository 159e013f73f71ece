/*
 * Formula laws (issue 20): a law typed as an expression, parsed into a
 * tree, compiled into a tape evaluated column by column over the rows with
 * exact reverse-mode gradients.  Internal to src/law.
 */
#ifndef SF_FORMULA_H
#define SF_FORMULA_H

#include <stddef.h>

#include "law/law_impl.h"

#define SF_FORMULA_MAX_NODES 512
#define SF_FORMULA_MAX_TEXT 4096

typedef enum fop {
    FOP_NUM, FOP_VAR, FOP_PAR, FOP_SUM, FOP_MUL, FOP_DIV, FOP_POW, FOP_EXP, FOP_LOG,
    FOP_SQRT, FOP_MIN, FOP_MAX, FOP_SIG
} fop;

/* How a parameter stands in the formula: its default scale, bounds, grid. */
typedef enum fkind {
    FK_OTHER = 0,   /* anywhere else: linear, unbounded, grid -2..2 */
    FK_FLOOR,       /* a term of the top-level sum on its own: log, >= 0 */
    FK_SCALE,       /* a factor of a term with variables: log, > 0 */
    FK_EXPONENT,    /* x^p with the power decaying: [0, 3] */
    FK_SEXPONENT,   /* x^p otherwise: [-3, 3] */
    FK_POSITIVE     /* divides or multiplies a variable elsewhere: log, > 0 */
} fkind;

/* One tape node.  Children come before their parents.  A "log" node holds
 * the logarithm of its (positive) value. */
typedef struct fnode {
    unsigned char op;
    unsigned char logm;     /* value kept as a logarithm */
    unsigned char needv;    /* a log node whose plain value a parent reads */
    int a, b;               /* children; FOP_SUM: first entry in kids[], count */
    int idx;                /* FOP_VAR: variable, FOP_PAR: parameter */
    double num;             /* FOP_NUM */
    int col;                /* 1-based column in the formula text */
} fnode;

/* Variable k: a role (N, D, C, U; read as a logarithm) or an extra column
 * (read as it is). */
typedef struct fvar {
    char name[SF_NAME_MAX];
    int role;               /* sf_role, or -1 for an extra column */
    int extra;              /* index into sf_obs.extra for extra columns */
} fvar;

typedef struct sf_formula {
    char *text;             /* the formula as given */
    char *name;             /* law name (law file) or NULL */
    char *notes;            /* law file notes or NULL */
    size_t nn;
    fnode node[SF_FORMULA_MAX_NODES];
    int kids[SF_FORMULA_MAX_NODES];
    signed char ksign[SF_FORMULA_MAX_NODES];
    size_t nkids;
    int root;
    size_t nv;
    fvar var[SF_MAX_PARAMS];
    fkind kind[SF_MAX_PARAMS];
    int par_node[SF_MAX_PARAMS];  /* the one FOP_PAR node of each parameter */
    int lin_term[SF_MAX_PARAMS];  /* tape node of VP term k */
    size_t nsumk;                 /* SUM children slots, for weights */
} sf_formula;

/* Parse and analyse (formula_parse.c). */
int sf_formula_build(sf_law *law, const char *text, const sf_formula_options *o,
                     sf_error *err);
void sf_formula_free(sf_formula *f);
/* Mark log nodes and the values parents read (formula_eval.c). */
int sf_formula_compile(sf_law *law, sf_error *err);

/* Evaluate the tape on x (formula_eval.c): logy and, when jac is not NULL,
 * d logy / d theta (n x p, row-major). */
void sf_formula_eval(const sf_law *law, const double *theta, const sf_obs *x, double *logy,
                     double *jac);

extern const sf_law_class sf_law_formula_class;

#endif /* SF_FORMULA_H */

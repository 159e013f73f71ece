/*
 * Formula laws: the parser.  Grammar (docs/laws.md):
 *
 *   formula    = { name "=" expr ";" } [ name "=" ] expr
 *   expr       = term { ("+" | "-") term }
 *   term       = unary { ("*" | "/") unary }
 *   unary      = ("-" | "+") unary | power
 *   power      = primary [ ("^" | "**") unary ]       (right-associative)
 *   primary    = number | name | name "(" expr { "," expr } ")" | "(" expr ")"
 *
 * Names N, D, C, U are the data roles; a name among the data's columns (or
 * declared a variable) is an extra column; a name defined before with
 * "name = expr;" stands for that expression; every other name is a
 * parameter.  The result is a tape (formula.h): one node per parameter and
 * variable, sums flattened with their signs, children before parents.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "law/formula.h"

#define MAX_DEFS 32
#define MAX_TERMS 64

typedef struct def {
    char name[SF_NAME_MAX];
    int node;
    int occ[SF_MAX_PARAMS];  /* parameter references inside the definition */
} def;

typedef struct parser {
    const char *s;
    size_t i;
    sf_formula *f;
    sf_law *law;
    const sf_formula_options *o;
    sf_error *err;
    int rc;
    int occ[SF_MAX_PARAMS];  /* references to each parameter */
    def defs[MAX_DEFS];
    size_t ndefs;
    int depth;
} parser;

static const char *const fn_name[] = {"exp", "log", "sqrt", "pow", "min", "max", "sigmoid"};
static const fop fn_op[] = {FOP_EXP, FOP_LOG, FOP_SQRT, FOP_POW, FOP_MIN, FOP_MAX, FOP_SIG};
static const int fn_args[] = {1, 1, 1, 2, 2, 2, 1};

static int perr(parser *p, size_t at, const char *fmt, ...) SF_PRINTF(3, 4);

static int perr(parser *p, size_t at, const char *fmt, ...)
{
    if (p->rc != SF_OK) return -1;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->rc = sf_fail(p->err, SF_EPARSE, "formula", 1, (long)at + 1, "%s", msg);
    return -1;
}

static void skip(parser *p)
{
    while (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r')
        p->i++;
}

static int new_node(parser *p, fop op, int a, int b, size_t at)
{
    sf_formula *f = p->f;
    if (f->nn >= SF_FORMULA_MAX_NODES)
        return perr(p, at, "formula too long (more than %d operations)", SF_FORMULA_MAX_NODES);
    fnode *n = &f->node[f->nn];
    memset(n, 0, sizeof *n);
    n->op = (unsigned char)op;
    n->a = a;
    n->b = b;
    n->idx = -1;
    n->col = (int)at + 1;
    return (int)f->nn++;
}

static int is_ident_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
static int is_ident(char c) { return isalnum((unsigned char)c) || c == '_'; }

static size_t read_ident(parser *p, char *name, size_t size)
{
    size_t start = p->i;
    while (is_ident(p->s[p->i])) p->i++;
    size_t len = p->i - start;
    if (len >= size) {
        perr(p, start, "name '%.*s' is too long (at most %zu characters)", (int)len,
             p->s + start, size - 1);
        return 0;
    }
    memcpy(name, p->s + start, len);
    name[len] = '\0';
    return len;
}

static int in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t k = 0; list && k < n; k++)
        if (list[k] && strcmp(list[k], name) == 0) return 1;
    return 0;
}

/* The node of variable `name` (role or extra column), created once. */
static int variable(parser *p, const char *name, int role, size_t at)
{
    sf_formula *f = p->f;
    for (size_t k = 0; k < f->nv; k++)
        if (strcmp(f->var[k].name, name) == 0) {
            for (size_t j = 0; j < f->nn; j++)
                if (f->node[j].op == FOP_VAR && f->node[j].idx == (int)k) return (int)j;
        }
    if (f->nv >= SF_MAX_PARAMS) return perr(p, at, "too many variables");
    fvar *v = &f->var[f->nv];
    sf_strlcpy(v->name, name, sizeof v->name);
    v->role = role;
    v->extra = -1;
    if (role < 0) {
        if (p->law->n_extra >= SF_MAX_EXTRA)
            return perr(p, at, "too many extra columns (at most %d)", SF_MAX_EXTRA);
        v->extra = (int)p->law->n_extra;
        sf_strlcpy(p->law->extra[p->law->n_extra++], name, SF_NAME_MAX);
    } else {
        p->law->roles |= SF_ROLE_BIT((unsigned)role);
    }
    int n = new_node(p, FOP_VAR, -1, -1, at);
    if (n >= 0) f->node[n].idx = (int)f->nv++;
    return n;
}

static int parameter(parser *p, const char *name, size_t at)
{
    sf_law *law = p->law;
    for (size_t j = 0; j < law->n_params; j++)
        if (strcmp(law->param[j].name, name) == 0) {
            p->occ[j]++;
            return p->f->par_node[j];
        }
    if (law->n_params >= SF_MAX_PARAMS)
        return perr(p, at, "too many parameters (at most %d)", SF_MAX_PARAMS);
    int n = new_node(p, FOP_PAR, -1, -1, at);
    if (n < 0) return n;
    size_t j = law->n_params;
    sf_law_add_param(law, name, SF_SCALE_LINEAR, -INFINITY, INFINITY);
    p->f->node[n].idx = (int)j;
    p->f->par_node[j] = n;
    p->occ[j] = 1;
    return n;
}

static int parse_expr(parser *p);
static int parse_unary(parser *p);

static int parse_call(parser *p, const char *name, size_t at)
{
    size_t k = 0, nf = sizeof fn_name / sizeof fn_name[0];
    while (k < nf && strcmp(fn_name[k], name) != 0) k++;
    if (k == nf)
        return perr(p, at, "unknown function '%s' (known: exp, log, sqrt, pow, min, max, "
                    "sigmoid)", name);
    p->i++;  /* ( */
    int arg[2] = {-1, -1}, na = 0;
    for (;;) {
        skip(p);
        size_t a_at = p->i;
        int a = parse_expr(p);
        if (a < 0) return -1;
        if (na == 2) return perr(p, a_at, "%s() takes %d argument%s", name, fn_args[k],
                                 fn_args[k] == 1 ? "" : "s");
        arg[na++] = a;
        skip(p);
        if (p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->s[p->i] == ')') break;
        if (p->s[p->i] == '\0')
            return perr(p, at + strlen(name), "unbalanced parenthesis: '(' is never closed");
        return perr(p, p->i, "expected ',' or ')' in the arguments of %s()", name);
    }
    p->i++;
    if (na != fn_args[k])
        return perr(p, at, "%s() takes %d argument%s, got %d", name, fn_args[k],
                    fn_args[k] == 1 ? "" : "s", na);
    return new_node(p, fn_op[k], arg[0], arg[1], at);
}

static int parse_name(parser *p)
{
    size_t at = p->i;
    char name[SF_NAME_MAX];
    if (!read_ident(p, name, sizeof name)) return -1;
    skip(p);
    if (p->s[p->i] == '(') return parse_call(p, name, at);
    for (size_t k = p->ndefs; k-- > 0;)
        if (strcmp(p->defs[k].name, name) == 0) {
            for (size_t j = 0; j < SF_MAX_PARAMS; j++) p->occ[j] += p->defs[k].occ[j];
            return p->defs[k].node;
        }
    sf_role r;
    if (strlen(name) == 1 && strchr("NDCU", name[0]) && sf_role_parse(name, &r) == SF_OK)
        return variable(p, name, (int)r, at);
    if (strcmp(name, "L") == 0 || strcmp(name, "loss") == 0)
        return perr(p, at, "'%s' is the loss being fitted; it cannot appear on the right side",
                    name);
    const sf_formula_options *o = p->o;
    if (in_list(name, o->variables, o->n_variables)) {
        if (o->columns && !in_list(name, o->columns, o->n_columns))
            return perr(p, at, "variable '%s' is not a column of the data", name);
        return variable(p, name, -1, at);
    }
    if (in_list(name, o->columns, o->n_columns)) return variable(p, name, -1, at);
    for (size_t k = 0; k < sizeof fn_name / sizeof fn_name[0]; k++)
        if (strcmp(fn_name[k], name) == 0)
            return perr(p, at, "function '%s' needs its arguments in parentheses", name);
    return parameter(p, name, at);
}

static int parse_number(parser *p)
{
    size_t at = p->i;
    char buf[64];
    size_t k = 0;
    while ((isdigit((unsigned char)p->s[p->i]) || p->s[p->i] == '.') && k < sizeof buf - 1)
        buf[k++] = p->s[p->i++];
    if ((p->s[p->i] == 'e' || p->s[p->i] == 'E') &&
        (isdigit((unsigned char)p->s[p->i + 1]) ||
         ((p->s[p->i + 1] == '-' || p->s[p->i + 1] == '+') &&
          isdigit((unsigned char)p->s[p->i + 2])))) {
        buf[k++] = p->s[p->i++];
        while ((isdigit((unsigned char)p->s[p->i]) || p->s[p->i] == '-' ||
                p->s[p->i] == '+') && k < sizeof buf - 1) {
            buf[k++] = p->s[p->i++];
            if (!isdigit((unsigned char)p->s[p->i])) break;
        }
        while (isdigit((unsigned char)p->s[p->i]) && k < sizeof buf - 1) buf[k++] = p->s[p->i++];
    }
    buf[k] = '\0';
    double v;
    if (sf_parse_double(buf, &v) != SF_OK || !isfinite(v))
        return perr(p, at, "'%s' is not a finite number", buf);
    if (is_ident(p->s[p->i])) return perr(p, p->i, "unexpected '%c' after a number", p->s[p->i]);
    int n = new_node(p, FOP_NUM, -1, -1, at);
    if (n >= 0) p->f->node[n].num = v;
    return n;
}

static int parse_primary(parser *p)
{
    skip(p);
    size_t at = p->i;
    char c = p->s[at];
    if (++p->depth > 200) return perr(p, at, "formula nested too deeply");
    int n;
    if (c == '(') {
        p->i++;
        n = parse_expr(p);
        skip(p);
        if (n >= 0 && p->s[p->i] != ')')
            n = p->s[p->i] == '\0' ? perr(p, at, "unbalanced parenthesis: '(' is never closed")
                                   : perr(p, p->i, "expected ')' here");
        else if (n >= 0) p->i++;
    } else if (isdigit((unsigned char)c) || c == '.') {
        n = parse_number(p);
    } else if (is_ident_start(c)) {
        n = parse_name(p);
    } else if (c == ')') {
        n = perr(p, at, "unbalanced parenthesis: ')' without '('");
    } else if (c == '\0') {
        n = perr(p, at, "the formula ends where a value is expected");
    } else {
        n = perr(p, at, "unexpected '%c' where a value is expected", c);
    }
    p->depth--;
    return n;
}

/* A sum node over terms with signs; a sum term is spliced in. */
static int make_sum(parser *p, const int *term, const signed char *sign, size_t nt, size_t at)
{
    sf_formula *f = p->f;
    int kid[SF_FORMULA_MAX_NODES];
    signed char ks[SF_FORMULA_MAX_NODES];
    size_t nk = 0;
    for (size_t t = 0; t < nt; t++) {
        const fnode *c = &f->node[term[t]];
        if (c->op == FOP_SUM) {
            for (int k = 0; k < c->b && nk < SF_FORMULA_MAX_NODES; k++) {
                kid[nk] = f->kids[c->a + k];
                ks[nk++] = (signed char)(f->ksign[c->a + k] * sign[t]);
            }
        } else if (nk < SF_FORMULA_MAX_NODES) {
            kid[nk] = term[t];
            ks[nk++] = sign[t];
        }
    }
    if (f->nkids + nk > SF_FORMULA_MAX_NODES)
        return perr(p, at, "formula too long (more than %d terms)", SF_FORMULA_MAX_NODES);
    int n = new_node(p, FOP_SUM, (int)f->nkids, (int)nk, at);
    if (n < 0) return n;
    memcpy(f->kids + f->nkids, kid, nk * sizeof *kid);
    memcpy(f->ksign + f->nkids, ks, nk * sizeof *ks);
    f->nkids += nk;
    return n;
}

static int parse_power(parser *p)
{
    int a = parse_primary(p);
    if (a < 0) return a;
    skip(p);
    size_t at = p->i;
    if (p->s[at] == '^' || (p->s[at] == '*' && p->s[at + 1] == '*')) {
        p->i += p->s[at] == '^' ? 1 : 2;
        int b = parse_unary(p);
        if (b < 0) return b;
        return new_node(p, FOP_POW, a, b, at);
    }
    return a;
}

static int parse_unary(parser *p)
{
    skip(p);
    size_t at = p->i;
    if (p->s[at] == '-' || p->s[at] == '+') {
        p->i++;
        if (++p->depth > 200) return perr(p, at, "formula nested too deeply");
        int a = parse_unary(p);
        p->depth--;
        if (a < 0 || p->s[at] == '+') return a;
        signed char s = -1;
        return make_sum(p, &a, &s, 1, at);
    }
    return parse_power(p);
}

static int parse_term(parser *p)
{
    int a = parse_unary(p);
    for (;;) {
        if (a < 0) return a;
        skip(p);
        size_t at = p->i;
        char c = p->s[at];
        if ((c != '*' && c != '/') || (c == '*' && p->s[at + 1] == '*')) return a;
        p->i++;
        int b = parse_unary(p);
        if (b < 0) return b;
        a = new_node(p, c == '*' ? FOP_MUL : FOP_DIV, a, b, at);
    }
}

static int parse_expr(parser *p)
{
    skip(p);
    size_t at = p->i;
    int term[MAX_TERMS];
    signed char sign[MAX_TERMS];
    size_t nt = 0;
    term[nt] = parse_term(p);
    sign[nt++] = 1;
    for (;;) {
        if (term[nt - 1] < 0) return -1;
        skip(p);
        char c = p->s[p->i];
        if (c != '+' && c != '-') break;
        if (nt == MAX_TERMS) return perr(p, p->i, "too many terms (at most %d)", MAX_TERMS);
        p->i++;
        sign[nt] = c == '+' ? 1 : -1;
        term[nt++] = parse_term(p);
    }
    return nt == 1 ? term[0] : make_sum(p, term, sign, nt, at);
}

/* "name =" at the current position (not "=="): the name, position moved
 * past the "=". */
static int definition_head(parser *p, char *name, size_t size)
{
    size_t save = p->i;
    skip(p);
    if (!is_ident_start(p->s[p->i])) {
        p->i = save;
        return 0;
    }
    size_t start = p->i;
    while (is_ident(p->s[p->i])) p->i++;
    size_t len = p->i - start;
    skip(p);
    if (p->s[p->i] != '=' || p->s[p->i + 1] == '=' || len >= size) {
        p->i = save;
        return 0;
    }
    memcpy(name, p->s + start, len);
    name[len] = '\0';
    p->i++;
    return 1;
}

/* Parse the statements; the root node, or -1 with p->rc set. */
static int parse_text(parser *p)
{
    for (;;) {
        char name[SF_NAME_MAX];
        size_t at = p->i;
        int is_def = definition_head(p, name, sizeof name);
        int occ0[SF_MAX_PARAMS];
        memcpy(occ0, p->occ, sizeof occ0);
        int n = parse_expr(p);
        if (n < 0) return -1;
        skip(p);
        if (p->s[p->i] == ';') {
            p->i++;
            skip(p);
            if (p->s[p->i] == '\0') return n;  /* a trailing ';' */
            if (!is_def) return perr(p, at, "only the last statement may be a plain "
                                     "expression; write NAME = EXPR; before it");
            if (p->ndefs == MAX_DEFS) return perr(p, at, "too many definitions");
            def *d = &p->defs[p->ndefs++];
            sf_strlcpy(d->name, name, sizeof d->name);
            d->node = n;
            for (size_t j = 0; j < SF_MAX_PARAMS; j++) {
                d->occ[j] = p->occ[j] - occ0[j];
                p->occ[j] = occ0[j];
            }
            continue;
        }
        if (p->s[p->i] == '\0') return n;
        if (p->s[p->i] == ')') return perr(p, p->i, "unbalanced parenthesis: ')' without '('");
        if (p->s[p->i] == '=')
            return perr(p, p->i, "unexpected '='; a definition is NAME = EXPR;");
        return perr(p, p->i, "unexpected '%c' (an operator missing?)", p->s[p->i]);
    }
}

/* ---- analysis ------------------------------------------------------------ */

/* Mark every node the subtree at n reaches (children come before their
 * parents, so one downward sweep does it). */
static void reach(const sf_formula *f, int n, unsigned char *mark)
{
    memset(mark, 0, f->nn);
    mark[n] = 1;
    for (int k = n; k >= 0; k--) {
        if (!mark[k]) continue;
        const fnode *x = &f->node[k];
        if (x->op == FOP_SUM) {
            for (int c = 0; c < x->b; c++) mark[f->kids[x->a + c]] = 1;
        } else {
            if (x->a >= 0) mark[x->a] = 1;
            if (x->b >= 0) mark[x->b] = 1;
        }
    }
}

/* Does the subtree at n contain node `target`? */
static int reads(const sf_formula *f, int n, int target)
{
    unsigned char mark[SF_FORMULA_MAX_NODES];
    reach(f, n, mark);
    return mark[target];
}

/* Does the subtree at n read a data variable? */
static int has_var(const sf_formula *f, int n)
{
    unsigned char mark[SF_FORMULA_MAX_NODES];
    reach(f, n, mark);
    for (size_t k = 0; k < f->nn; k++)
        if (mark[k] && f->node[k].op == FOP_VAR) return 1;
    return 0;
}

static int kind_rank(fkind k)
{
    static const int rank[] = {[FK_OTHER] = 0, [FK_POSITIVE] = 1, [FK_SEXPONENT] = 2,
                               [FK_EXPONENT] = 3, [FK_SCALE] = 4, [FK_FLOOR] = 5};
    return rank[k];
}

static void set_kind(sf_formula *f, int node, fkind k)
{
    const fnode *x = &f->node[node];
    if (x->op != FOP_PAR) return;
    if (kind_rank(k) > kind_rank(f->kind[x->idx])) f->kind[x->idx] = k;
}

/* A bare parameter, possibly negated: its node, *neg set; else -1. */
static int bare_param(const sf_formula *f, int n, int *neg)
{
    const fnode *x = &f->node[n];
    *neg = 0;
    if (x->op == FOP_SUM && x->b == 1) {
        *neg = f->ksign[x->a] < 0;
        x = &f->node[f->kids[x->a]];
        n = f->kids[f->node[n].a];
    }
    return x->op == FOP_PAR ? n : -1;
}

/* Walk the tree: classify parameters by where they stand.  den: under an
 * odd number of divisors; top: a factor of a top-level term. */
static void classify(sf_formula *f, int n, int den, int depth, long *budget)
{
    const fnode *x = &f->node[n];
    if (depth > 400 || --*budget < 0) return;
    int neg, q;
    switch (x->op) {
    case FOP_NUM:
    case FOP_VAR:
    case FOP_PAR: return;
    case FOP_SUM:
        for (int k = 0; k < x->b; k++) classify(f, f->kids[x->a + k], den, depth + 1, budget);
        return;
    case FOP_POW:
        if ((q = bare_param(f, x->b, &neg)) >= 0)
            set_kind(f, q, (den ^ neg) ? FK_EXPONENT : FK_SEXPONENT);
        classify(f, x->a, den, depth + 1, budget);
        classify(f, x->b, 0, depth + 1, budget);
        return;
    case FOP_MUL:
    case FOP_DIV:
        /* A parameter next to a variable in a product or ratio is a scale
         * of that variable: positive. */
        if (has_var(f, x->b) && f->node[x->a].op == FOP_PAR) set_kind(f, x->a, FK_POSITIVE);
        if (has_var(f, x->a) && f->node[x->b].op == FOP_PAR) set_kind(f, x->b, FK_POSITIVE);
        classify(f, x->a, den, depth + 1, budget);
        classify(f, x->b, x->op == FOP_DIV ? !den : den, depth + 1, budget);
        return;
    default:
        classify(f, x->a, 0, depth + 1, budget);
        if (x->b >= 0) classify(f, x->b, 0, depth + 1, budget);
        return;
    }
}

/* Factors of the product chain at n: numerator and denominator nodes. */
static size_t factors(const sf_formula *f, int n, int den, int *fac, int *fden, size_t nf,
                      size_t max)
{
    const fnode *x = &f->node[n];
    if ((x->op == FOP_MUL || x->op == FOP_DIV) && nf + 2 <= max) {
        nf = factors(f, x->a, den, fac, fden, nf, max);
        return factors(f, x->b, x->op == FOP_DIV ? !den : den, fac, fden, nf, max);
    }
    if (nf < max) {
        fac[nf] = n;
        fden[nf++] = den;
    }
    return nf;
}

/* Two parameters that each appear once and only as factors of the same
 * product (or terms of the same sum) cannot be told apart. */
static int identifiable(parser *p)
{
    sf_formula *f = p->f;
    for (size_t n = 0; n < f->nn; n++) {
        const fnode *x = &f->node[n];
        int fac[64], fden[64], lone[64], nl = 0;
        size_t nf = 0;
        if (x->op == FOP_MUL || x->op == FOP_DIV) {
            nf = factors(f, (int)n, 0, fac, fden, 0, 64);
        } else if (x->op == FOP_SUM) {
            for (int k = 0; k < x->b && nf < 64; k++) fac[nf++] = f->kids[x->a + k];
        }
        for (size_t k = 0; k < nf; k++) {
            int neg, q = bare_param(f, fac[k], &neg);
            if (q >= 0 && p->occ[f->node[q].idx] == 1) lone[nl++] = q;
        }
        if (nl >= 2) {
            const fnode *a = &f->node[lone[0]], *b = &f->node[lone[1]];
            return perr(p, (size_t)b->col - 1,
                        "parameter '%s' cannot be identified: it appears only %s '%s' "
                        "(merge them into one parameter; or, if one of them is meant as a "
                        "data column, the data have no such column)",
                        p->law->param[b->idx].name, x->op == FOP_SUM ? "added to" : "multiplied by",
                        p->law->param[a->idx].name);
        }
    }
    return 0;
}

/* Variable projection: the top-level sum's terms are each a parameter
 * alone or times a part without it; the parameters appear nowhere else. */
static void detect_linear(parser *p)
{
    sf_formula *f = p->f;
    sf_law *law = p->law;
    const fnode *r = &f->node[f->root];
    int term[8];
    size_t nt = 0;
    if (r->op == FOP_SUM) {
        if (r->b > 4) return;
        for (int k = 0; k < r->b; k++) {
            if (f->ksign[r->a + k] < 0) return;
            term[nt++] = f->kids[r->a + k];
        }
    } else {
        term[nt++] = f->root;
    }
    int lin[8];
    for (size_t t = 0; t < nt; t++) {
        int fac[64], fden[64];
        size_t nf = factors(f, term[t], 0, fac, fden, 0, 64);
        lin[t] = -1;
        for (size_t k = 0; k < nf && lin[t] < 0; k++) {
            const fnode *c = &f->node[fac[k]];
            if (c->op == FOP_PAR && !fden[k] && p->occ[c->idx] == 1 &&
                law->param[c->idx].scale == SF_SCALE_LOG)
                lin[t] = c->idx;
        }
        if (lin[t] < 0) return;
    }
    law->n_lin = nt;
    for (size_t t = 0; t < nt; t++) {
        law->lin[t] = lin[t];
        f->lin_term[t] = term[t];
        /* The nonlinear parameters the term's basis reads. */
        int dep = -1;
        for (size_t j = 0; j < law->n_params; j++) {
            if ((int)j == lin[t]) continue;
            if (reads(f, term[t], f->par_node[j])) dep = dep == -1 ? (int)j : -2;
        }
        law->lin_dep[t] = dep;
    }
}

/* ---- scales, bounds and grids -------------------------------------------- */

typedef struct kind_default {
    sf_scale scale;
    double lo, hi;          /* natural bounds */
    double g_lo, g_step, g_hi;  /* start grid, internal */
    double v_lo, v_step, v_hi;  /* projection grid, internal */
} kind_default;

static const kind_default defaults[] = {
    [FK_OTHER] = {SF_SCALE_LINEAR, -INFINITY, INFINITY, -2, 1, 2, -3, 0.25, 3},
    [FK_FLOOR] = {SF_SCALE_LOG, 0, INFINITY, -1, 0.5, 1, -1, 0.1, 1},
    [FK_SCALE] = {SF_SCALE_LOG, 0, INFINITY, 0, 5, 25, 0, 1, 25},
    [FK_EXPONENT] = {SF_SCALE_LINEAR, 0, 3, 0, 0.5, 2, 0.05, 0.05, 2.5},
    [FK_SEXPONENT] = {SF_SCALE_LINEAR, -3, 3, -2, 1, 2, -2.5, 0.1, 2.5},
    [FK_POSITIVE] = {SF_SCALE_LOG, 0, INFINITY, 0, 6, 30, 0, 1, 30},
};

static int find_name(const char (*names)[SF_NAME_MAX], size_t n, const char *name)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(names[k], name) == 0) return (int)k;
    return -1;
}

static double to_internal(sf_scale s, double x)
{
    return s == SF_SCALE_LOG ? (x > 0 ? log(x) : -INFINITY) : x;
}

/* Grid of parameter j over [a, b] (internal) with k points, or the
 * default steps when the range is the kind's own. */
static void param_grids(sf_law *law, size_t j, const kind_default *d, int custom, size_t nd)
{
    const sf_param_spec *ps = &law->param[j];
    double a = to_internal(ps->scale, ps->lo), b = to_internal(ps->scale, ps->hi);
    if (!custom) {
        sf_law_grid_range(law, j, d->g_lo, d->g_step, d->g_hi);
        size_t k = (size_t)floor((d->v_hi - d->v_lo) / d->v_step + 0.5) + 1;
        size_t kmax = nd <= 2 ? 60 : (size_t)floor(pow(2e4, 1.0 / (double)nd));
        if (kmax < 3) kmax = 3;
        double step = k <= kmax ? d->v_step : (d->v_hi - d->v_lo) / (double)(kmax - 1);
        sf_law_vp_range(law, j, d->v_lo, step, d->v_hi);
        return;
    }
    if (!isfinite(a)) a = b < d->g_lo ? b - 4.0 : d->g_lo;
    if (!isfinite(b)) b = a > d->g_hi ? a + 4.0 : d->g_hi;
    if (!(b > a)) b = a;
    sf_law_grid_range(law, j, a, b > a ? (b - a) / 4.0 : 1.0, b);
    size_t kv = nd <= 2 ? 50 : (size_t)floor(pow(2e4, 1.0 / (double)nd));
    if (kv < 3) kv = 3;
    double h = b > a ? (b - a) / (double)(kv + 1) : 1.0;
    sf_law_vp_range(law, j, b > a ? a + h : a, h, b > a ? b - h * 0.5 : a);
}

/* Linear coefficients first, in the order of their terms, then the other
 * parameters in order of appearance (the built-in laws' convention). */
static void reorder(parser *p)
{
    sf_law *law = p->law;
    sf_formula *f = p->f;
    size_t np = law->n_params, k = 0;
    int order[SF_MAX_PARAMS], where[SF_MAX_PARAMS];
    unsigned char taken[SF_MAX_PARAMS] = {0};
    for (size_t t = 0; t < law->n_lin; t++) {
        order[k++] = law->lin[t];
        taken[law->lin[t]] = 1;
    }
    for (size_t j = 0; j < np; j++)
        if (!taken[j]) order[k++] = (int)j;
    sf_param_spec ps[SF_MAX_PARAMS];
    fkind kind[SF_MAX_PARAMS];
    int pn[SF_MAX_PARAMS], occ[SF_MAX_PARAMS];
    for (size_t j = 0; j < np; j++) {
        ps[j] = law->param[order[j]];
        kind[j] = f->kind[order[j]];
        pn[j] = f->par_node[order[j]];
        occ[j] = p->occ[order[j]];
        where[order[j]] = (int)j;
    }
    for (size_t j = 0; j < np; j++) {
        law->param[j] = ps[j];
        f->kind[j] = kind[j];
        f->par_node[j] = pn[j];
        p->occ[j] = occ[j];
        f->node[pn[j]].idx = (int)j;
    }
    for (size_t t = 0; t < law->n_lin; t++) law->lin[t] = (int)t;
    for (size_t t = 0; t < law->n_lin; t++)
        if (law->lin_dep[t] >= 0) law->lin_dep[t] = where[law->lin_dep[t]];
}

static int setup_params(parser *p)
{
    sf_law *law = p->law;
    sf_formula *f = p->f;
    const sf_formula_options *o = p->o;
    for (size_t k = 0; k < o->n_bounds; k++)
        if (sf_law_param_index(law, o->bound_name[k]) < 0)
            return perr(p, 0, "bound for '%s': the formula has no parameter of that name",
                        o->bound_name[k]);
    for (size_t k = 0; k < o->n_grids; k++)
        if (sf_law_param_index(law, o->grid_name[k]) < 0)
            return perr(p, 0, "grid for '%s': the formula has no parameter of that name",
                        o->grid_name[k]);
    for (size_t j = 0; j < law->n_params; j++) {
        sf_param_spec *ps = &law->param[j];
        const kind_default *d = &defaults[f->kind[j]];
        ps->scale = d->scale;
        ps->lo = d->lo;
        ps->hi = d->hi;
        int b = find_name(o->bound_name, o->n_bounds, ps->name);
        if (b >= 0) {
            ps->lo = o->bound_lo[b];
            ps->hi = o->bound_hi[b];
            if (ps->lo < 0) ps->scale = SF_SCALE_LINEAR;
        }
    }
    detect_linear(p);
    reorder(p);
    size_t nd = law->n_params - law->n_lin;
    for (size_t j = 0; j < law->n_params; j++) {
        sf_param_spec *ps = &law->param[j];
        int b = find_name(o->bound_name, o->n_bounds, ps->name);
        int g = find_name(o->grid_name, o->n_grids, ps->name);
        param_grids(law, j, &defaults[f->kind[j]], b >= 0, nd);
        if (g >= 0 && o->grid_n[g] >= 1) {
            double a = to_internal(ps->scale, o->grid_lo[g]);
            double z = to_internal(ps->scale, o->grid_hi[g]);
            int n = o->grid_n[g];
            if (!isfinite(a) || !isfinite(z))
                return perr(p, 0, "grid for '%s': its ends must be finite%s", ps->name,
                            ps->scale == SF_SCALE_LOG ? " and > 0 (a positive scale)" : "");
            sf_law_grid_range(law, j, a, n > 1 ? (z - a) / (n - 1) : 1.0, n > 1 ? z : a);
        }
    }
    return 0;
}

/* ---- entry points --------------------------------------------------------- */

void sf_formula_free(sf_formula *f)
{
    if (!f) return;
    free(f->text);
    free(f->name);
    free(f->notes);
    free(f);
}

void sf_formula_options_init(sf_formula_options *o) { memset(o, 0, sizeof *o); }

int sf_formula_options_bound(sf_formula_options *o, const char *name, double lo, double hi)
{
    if (!name || strlen(name) >= SF_NAME_MAX || !(lo < hi)) return SF_EINVAL;
    int k = find_name(o->bound_name, o->n_bounds, name);
    if (k < 0) {
        if (o->n_bounds == SF_MAX_PARAMS) return SF_EINVAL;
        k = (int)o->n_bounds++;
        sf_strlcpy(o->bound_name[k], name, SF_NAME_MAX);
    }
    o->bound_lo[k] = lo;
    o->bound_hi[k] = hi;
    return SF_OK;
}

int sf_formula_build(sf_law *law, const char *text, const sf_formula_options *o,
                     sf_error *err)
{
    sf_formula *f = calloc(1, sizeof *f);
    if (!f) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    law->formula = f;
    if (strlen(text) > SF_FORMULA_MAX_TEXT)
        return sf_fail(err, SF_EPARSE, "formula", 1, 1, "formula longer than %d characters",
                       SF_FORMULA_MAX_TEXT);
    f->text = sf_strdup(text);
    f->name = o->name ? sf_strdup(o->name) : NULL;
    f->notes = o->notes ? sf_strdup(o->notes) : NULL;
    if (!f->text || (o->name && !f->name) || (o->notes && !f->notes))
        return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    parser p = {.s = text, .f = f, .law = law, .o = o, .err = err};
    /* A leading "L =" (as the catalogue writes its laws) is allowed. */
    skip(&p);
    if (text[p.i] == 'L') {
        size_t i = p.i + 1;
        while (text[i] == ' ' || text[i] == '\t') i++;
        if (text[i] == '=' && text[i + 1] != '=') p.i = i + 1;
    }
    f->root = parse_text(&p);
    if (f->root < 0) return p.rc;
    if (law->n_params == 0)
        return sf_fail(err, SF_EPARSE, "formula", 1, 1, "the formula has no parameters to fit");
    for (size_t k = 0; k < o->n_variables; k++) {
        int found = 0;
        for (size_t v = 0; v < f->nv; v++) found |= strcmp(f->var[v].name, o->variables[k]) == 0;
        if (!found)
            return sf_fail(err, SF_EPARSE, "formula", 1, 1,
                           "variable '%s' is declared but the formula does not use it",
                           o->variables[k]);
    }
    for (size_t j = 0; j < law->n_params; j++)
        if (!reads(f, f->root, f->par_node[j]))
            return sf_fail(err, SF_EPARSE, "formula", 1, f->node[f->par_node[j]].col,
                           "parameter '%s' appears only in a definition the law does not use",
                           law->param[j].name);
    if (identifiable(&p) < 0) return p.rc;
    long budget = 100000;  /* definitions shared many times: bounded walk */
    classify(f, f->root, 0, 0, &budget);
    const fnode *r = &f->node[f->root];
    int term[SF_FORMULA_MAX_NODES], nt = 0;
    if (r->op == FOP_SUM) {
        for (int k = 0; k < r->b; k++)
            if (f->ksign[r->a + k] > 0) term[nt++] = f->kids[r->a + k];
    } else {
        term[nt++] = f->root;
    }
    for (int t = 0; t < nt; t++) {
        int fac[64], fden[64];
        size_t nf = factors(f, term[t], 0, fac, fden, 0, 64);
        int hv = has_var(f, term[t]);
        for (size_t k = 0; k < nf; k++)
            if (!fden[k]) set_kind(f, fac[k], hv ? FK_SCALE : FK_FLOOR);
    }
    if (setup_params(&p) < 0) return p.rc;
    return sf_formula_compile(law, err);
}

int sf_law_parse(const char *formula, const sf_formula_options *o, sf_law **out,
                 sf_error *err)
{
    *out = NULL;
    sf_formula_options dflt;
    if (!o) {
        sf_formula_options_init(&dflt);
        o = &dflt;
    }
    if (!formula) return sf_fail(err, SF_EINVAL, NULL, 0, 0, "no formula");
    sf_law *law = calloc(1, sizeof *law);
    if (!law) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    law->cls = &sf_law_formula_class;
    sf_law_options_init(&law->opt);
    law->roles = SF_ROLE_BIT(SF_ROLE_LOSS);
    int rc = sf_formula_build(law, formula, o, err);
    if (rc != SF_OK) {
        sf_law_free(law);
        return rc;
    }
    *out = law;
    return SF_OK;
}

/*
 * Priors for the Bayesian fit: parsing "NAME=kind(a,b)" and the log
 * density on the sampler's coordinate.
 *
 * The sampler moves u = log x for parameters a law keeps on a log scale
 * (A, B, E of chinchilla; sigma) and u = x otherwise, so a prior density
 * p(x) becomes p(x(u)) |dx/du| = p(e^u) e^u on the log scale.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "infer/infer_impl.h"

static const char *const kind_name[] = {"default", "uniform", "normal", "lognormal",
                                        "loguniform"};

/* x with 6 significant digits when that reads back exactly, else 17;
 * locale-free (sf_buf_printf runs in the C locale). */
static void put_number(sf_buf *b, double x)
{
    sf_buf t = {0};
    double back;
    if (sf_buf_printf(&t, "%.6g", x) == 0 && sf_parse_double(t.data, &back) == SF_OK && back == x)
        sf_buf_printf(b, "%s", t.data);
    else
        sf_buf_printf(b, "%.17g", x);
    sf_buf_free(&t);
}

char *sf_prior_format(const sf_prior *p, char *buf, size_t size)
{
    int k = p->kind >= SF_PRIOR_DEFAULT && p->kind <= SF_PRIOR_LOGUNIFORM ? (int)p->kind : 0;
    sf_buf b = {0};
    if (k == SF_PRIOR_DEFAULT) {
        sf_buf_printf(&b, "default");
    } else {
        sf_buf_printf(&b, "%s(", kind_name[k]);
        put_number(&b, p->a);
        sf_buf_printf(&b, ", ");
        put_number(&b, p->b);
        sf_buf_printf(&b, ")");
    }
    if (size) sf_strlcpy(buf, b.data ? b.data : "", size);
    sf_buf_free(&b);
    return buf;
}

/* Checks the two numbers of a prior; returns a message or NULL. */
static const char *prior_problem(sf_prior_kind kind, double a, double b)
{
    switch (kind) {
    case SF_PRIOR_UNIFORM: return a < b ? NULL : "uniform(lo, hi) needs lo < hi";
    case SF_PRIOR_NORMAL:
    case SF_PRIOR_LOGNORMAL: return b > 0 ? NULL : "the scale s of normal(mu, s) and lognormal(mu, s) must be > 0";
    case SF_PRIOR_LOGUNIFORM:
        return a > 0 && a < b ? NULL : "loguniform(lo, hi) needs 0 < lo < hi";
    default: return "unknown prior";
    }
}

int sf_prior_parse(const char *text, sf_prior *out, sf_error *err)
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(text, '=');
    if (!eq || eq == text)
        return sf_fail(err, SF_EPARSE, NULL, 0, 0,
                       "prior '%s': expected NAME=KIND(A,B), e.g. alpha=normal(0.34,0.1)", text);
    size_t nlen = (size_t)(eq - text);
    while (nlen > 0 && text[nlen - 1] == ' ') nlen--;
    size_t skip = 0;
    while (skip < nlen && text[skip] == ' ') skip++;
    if (nlen - skip == 0 || nlen - skip >= SF_NAME_MAX)
        return sf_fail(err, SF_EPARSE, NULL, 0, 0, "prior '%s': bad parameter name", text);
    memcpy(out->name, text + skip, nlen - skip);
    out->name[nlen - skip] = '\0';
    const char *s = eq + 1;
    while (*s == ' ') s++;
    const char *open = strchr(s, '('), *close = open ? strchr(open, ')') : NULL;
    if (!open || !close)
        return sf_fail(err, SF_EPARSE, NULL, 0, 0,
                       "prior '%s': expected KIND(A,B) after '=' (uniform, normal, lognormal, "
                       "loguniform)", text);
    for (const char *q = close + 1; *q; q++)
        if (*q != ' ')
            return sf_fail(err, SF_EPARSE, NULL, 0, 0, "prior '%s': text after ')'", text);
    size_t klen = (size_t)(open - s);
    while (klen > 0 && s[klen - 1] == ' ') klen--;
    out->kind = SF_PRIOR_DEFAULT;
    for (int k = SF_PRIOR_UNIFORM; k <= SF_PRIOR_LOGUNIFORM; k++)
        if (strlen(kind_name[k]) == klen && strncmp(s, kind_name[k], klen) == 0)
            out->kind = (sf_prior_kind)k;
    if (out->kind == SF_PRIOR_DEFAULT)
        return sf_fail(err, SF_EPARSE, NULL, 0, 0,
                       "prior '%s': unknown kind '%.*s' (uniform, normal, lognormal, loguniform)",
                       text, (int)klen, s);
    char args[256];
    size_t alen = (size_t)(close - open - 1);
    if (alen >= sizeof args)
        return sf_fail(err, SF_EPARSE, NULL, 0, 0, "prior '%s': arguments too long", text);
    memcpy(args, open + 1, alen);
    args[alen] = '\0';
    char *comma = strchr(args, ',');
    if (!comma || strchr(comma + 1, ','))
        return sf_fail(err, SF_EPARSE, NULL, 0, 0, "prior '%s': expected two numbers, A,B", text);
    *comma = '\0';
    int ra = sf_parse_double(args, &out->a), rb = sf_parse_double(comma + 1, &out->b);
    if (ra != SF_OK || rb != SF_OK)
        return sf_fail(err, SF_EPARSE, NULL, 0, 0, "prior '%s': '%s' is not a finite number",
                       text, ra != SF_OK ? args : comma + 1);
    const char *why = prior_problem(out->kind, out->a, out->b);
    if (why) return sf_fail(err, SF_EPARSE, NULL, 0, 0, "prior '%s': %s", text, why);
    return SF_OK;
}

/* log p(u) on the sampler's coordinate (u = log x when logscale), and its
 * derivative into *d (may be NULL).  -INFINITY outside the support. */
double sf_prior_logpdf(const sf_prior *p, int logscale, double u, double *d)
{
    const double log_sqrt_2pi = 0.91893853320467274178;
    double x = logscale ? exp(u) : u;
    double dxdu = logscale ? x : 1.0;
    double jac = logscale ? u : 0.0, djac = logscale ? 1.0 : 0.0;
    double v, dv = 0; /* log p(x) and its derivative in x */
    switch (p->kind) {
    case SF_PRIOR_UNIFORM:
        if (!(x >= p->a && x <= p->b)) return -INFINITY;
        v = -log(p->b - p->a);
        break;
    case SF_PRIOR_NORMAL: {
        double z = (x - p->a) / p->b;
        v = -0.5 * z * z - log(p->b) - log_sqrt_2pi;
        dv = -z / p->b;
        break;
    }
    case SF_PRIOR_LOGNORMAL: {
        if (!(x > 0)) return -INFINITY;
        double lx = logscale ? u : log(x), z = (lx - p->a) / p->b;
        v = -lx - 0.5 * z * z - log(p->b) - log_sqrt_2pi;
        dv = (-1.0 - z / p->b) / x;
        break;
    }
    case SF_PRIOR_LOGUNIFORM:
        if (!(x >= p->a && x <= p->b)) return -INFINITY;
        v = -(logscale ? u : log(x)) - log(log(p->b / p->a));
        dv = -1.0 / x;
        break;
    default: return -INFINITY;
    }
    if (d) *d = dv * dxdu + djac;
    return v + jac;
}

/* The law catalogue and the generic parts of sf_law. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "law/formula.h"

/* The catalogue, in the order `scalefit fit --help` lists it. */
static const sf_law_class *const catalogue[] = {
    &sf_law_chinchilla, &sf_law_kaplan, &sf_law_power, &sf_law_datablations, &sf_law_bnsl,
};
#define N_LAWS (sizeof catalogue / sizeof catalogue[0])

size_t sf_law_count(void) { return N_LAWS; }

const char *sf_law_name_at(size_t i) { return i < N_LAWS ? catalogue[i]->name : NULL; }

static const sf_law_class *find_class(const char *name)
{
    for (size_t i = 0; i < N_LAWS; i++)
        if (name && sf_streq_nocase(name, catalogue[i]->name)) return catalogue[i];
    return NULL;
}

const char *sf_law_formula(const char *name)
{
    const sf_law_class *c = find_class(name);
    return c ? c->formula : NULL;
}

unsigned sf_law_options_used(const char *name)
{
    const sf_law_class *c = find_class(name);
    return c ? c->options : 0u;
}

void sf_law_options_init(sf_law_options *o)
{
    memset(o, 0, sizeof *o);
    o->x = SF_ROLE_N;
    o->breaks = 1;
}

int sf_law_new(const char *name, const sf_law_options *o, sf_law **out, sf_error *err)
{
    *out = NULL;
    const sf_law_class *c = find_class(name);
    /* Not a catalogue name but a formula (issue 20): anything with an
     * operator or a parenthesis. */
    if (!c && name && strpbrk(name, "+-*/^()")) {
        sf_law_options def;
        sf_law_options_init(&def);
        if (o && (o->x != def.x || o->breaks != def.breaks))
            return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                           "a formula law takes no x or breaks option");
        return sf_law_parse(name, NULL, out, err);
    }
    if (!c) {
        char list[256] = "";
        size_t k = 0;
        for (size_t i = 0; i < N_LAWS && k < sizeof list; i++) {
            size_t w = sf_strlcpy(list + k, i ? ", " : "", sizeof list - k);
            k += w;
            if (k < sizeof list) k += sf_strlcpy(list + k, catalogue[i]->name, sizeof list - k);
        }
        return sf_fail(err, SF_EINVAL, NULL, 0, 0, "unknown law '%s' (known: %s)",
                       name ? name : "(null)", list);
    }
    sf_law_options def;
    sf_law_options_init(&def);
    if (!o) o = &def;
    /* An option the law does not read would be silently ignored. */
    if (!(c->options & SF_LAW_OPT_X) && o->x != def.x)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "law '%s' reads fixed variables: it takes no x option (power and "
                       "bnsl do)", c->name);
    if (!(c->options & SF_LAW_OPT_BREAKS) && o->breaks != def.breaks)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "law '%s' has no breaks: the breaks option is for bnsl", c->name);
    sf_law *law = calloc(1, sizeof *law);
    if (!law) return sf_fail(err, SF_ENOMEM, NULL, 0, 0, "out of memory");
    law->cls = c;
    law->opt = *o;
    law->roles = SF_ROLE_BIT(SF_ROLE_LOSS);
    int rc = c->setup(law, err);
    if (rc != SF_OK) {
        free(law);
        return rc;
    }
    *out = law;
    return SF_OK;
}

void sf_law_free(sf_law *law)
{
    if (law) sf_formula_free(law->formula);
    free(law);
}

const char *sf_law_name(const sf_law *law)
{
    if (law->formula && law->formula->name) return law->formula->name;
    return law->cls->name;
}

const char *sf_law_formula_text(const sf_law *law)
{
    return law && law->formula ? law->formula->text : NULL;
}

size_t sf_law_n_extra(const sf_law *law) { return law->n_extra; }

const char *sf_law_extra_name(const sf_law *law, size_t k)
{
    return k < law->n_extra ? law->extra[k] : NULL;
}
const sf_law_options *sf_law_get_options(const sf_law *law) { return &law->opt; }
size_t sf_law_n_params(const sf_law *law) { return law->n_params; }

const char *sf_law_param_name(const sf_law *law, size_t i)
{
    return i < law->n_params ? law->param[i].name : NULL;
}

int sf_law_param_index(const sf_law *law, const char *name)
{
    for (size_t j = 0; j < law->n_params; j++)
        if (name && strcmp(law->param[j].name, name) == 0) return (int)j;
    return -1;
}

unsigned sf_law_roles(const sf_law *law) { return law->roles; }

void sf_law_bounds(const sf_law *law, size_t i, double *lo, double *hi)
{
    *lo = i < law->n_params ? law->param[i].lo : NAN;
    *hi = i < law->n_params ? law->param[i].hi : NAN;
}

void sf_law_to_internal(const sf_law *law, const double *nat, double *theta)
{
    for (size_t j = 0; j < law->n_params; j++)
        theta[j] = law->param[j].scale == SF_SCALE_LOG ? log(nat[j]) : nat[j];
}

void sf_law_to_natural(const sf_law *law, const double *theta, double *nat)
{
    for (size_t j = 0; j < law->n_params; j++)
        nat[j] = law->param[j].scale == SF_SCALE_LOG ? exp(theta[j]) : theta[j];
}

void sf_law_add_param(sf_law *law, const char *name, sf_scale scale, double lo, double hi)
{
    if (law->n_params >= SF_MAX_PARAMS) return;
    sf_param_spec *s = &law->param[law->n_params++];
    sf_strlcpy(s->name, name, sizeof s->name);
    s->scale = scale;
    s->lo = lo;
    s->hi = hi;
}

static const double *store_range(sf_law *law, double lo, double step, double hi, size_t *n)
{
    size_t k = (size_t)floor((hi - lo) / step + 0.5) + 1;
    if (law->grid_used + k > SF_GRID_STORE) k = SF_GRID_STORE - law->grid_used;
    double *v = law->grid_store + law->grid_used;
    /* lo + i*step, not repeated addition: grid values are exact multiples. */
    for (size_t i = 0; i < k; i++) v[i] = lo + (double)i * step;
    law->grid_used += k;
    *n = k;
    return v;
}

void sf_law_grid_range(sf_law *law, size_t j, double lo, double step, double hi)
{
    law->grid_v[j] = store_range(law, lo, step, hi, &law->grid_n[j]);
}

void sf_law_vp_range(sf_law *law, size_t j, double lo, double step, double hi)
{
    law->vp_v[j] = store_range(law, lo, step, hi, &law->vp_n[j]);
}

double sf_lse3(double x0, double x1, double x2, double *w)
{
    /* Shift by the largest term so the biggest exponential is exp(0) = 1:
     * no overflow for N, D up to 1e300, and one exp() saved. */
    double m = x0 > x1 ? x0 : x1;
    if (x2 > m) m = x2;
    if (!isfinite(m)) {
        /* All terms -inf (prediction 0) or one +inf: no finite answer. */
        w[0] = w[1] = w[2] = NAN;
        return m;
    }
    double e0 = x0 == m ? 1.0 : exp(x0 - m);
    double e1 = x1 == m ? 1.0 : exp(x1 - m);
    double e2 = x2 == m ? 1.0 : exp(x2 - m);
    double s = e0 + e1 + e2;
    w[0] = e0 / s;
    w[1] = e1 / s;
    w[2] = e2 / s;
    return m + log(s);
}

int sf_law_setup_x(sf_law *law, sf_error *err)
{
    sf_role x = law->opt.x;
    if (x != SF_ROLE_N && x != SF_ROLE_D && x != SF_ROLE_C)
        return sf_fail(err, SF_EINVAL, NULL, 0, 0,
                       "law '%s': the variable x must be N, D or C, not %s", law->cls->name,
                       sf_role_name(x) ? sf_role_name(x) : "(none)");
    law->roles |= SF_ROLE_BIT(x);
    return SF_OK;
}

/* ---- public evaluation -------------------------------------------------- */

static int point_logs(const sf_law *law, const sf_point *x, double lg[SF_ROLE_COUNT])
{
    double v[SF_ROLE_COUNT] = {0};
    v[SF_ROLE_N] = x->N;
    v[SF_ROLE_D] = x->D;
    v[SF_ROLE_C] = x->C > 0 ? x->C : 6.0 * x->N * x->D;
    v[SF_ROLE_U] = x->U;
    for (int r = 0; r < SF_ROLE_COUNT; r++) {
        lg[r] = NAN;
        if (r == SF_ROLE_LOSS || r == SF_ROLE_GROUP || r == SF_ROLE_WEIGHT) continue;
        if (!(law->roles & SF_ROLE_BIT(r))) continue;
        if (!(v[r] > 0) || !isfinite(v[r])) return SF_EDOMAIN;
        lg[r] = log(v[r]);
    }
    return SF_OK;
}

int sf_law_predict(const sf_law *law, const double *params, const sf_point *x, double *loss)
{
    double lg[SF_ROLE_COUNT];
    *loss = NAN;
    int rc = point_logs(law, x, lg);
    if (rc != SF_OK) return rc;
    sf_obs obs = {.n = 1};
    for (int r = 0; r < SF_ROLE_COUNT; r++)
        if (!isnan(lg[r])) obs.log[r] = &lg[r];
    for (size_t k = 0; k < law->n_extra; k++) {
        if (!isfinite(x->extra[k])) return SF_EDOMAIN;
        obs.extra[k] = &x->extra[k];
    }
    double theta[SF_MAX_PARAMS], ly;
    sf_law_to_internal(law, params, theta);
    law->cls->eval(law, theta, &obs, &ly, NULL);
    *loss = exp(ly);
    return isfinite(*loss) ? SF_OK : SF_EDOMAIN;
}

size_t sf_law_derived(const sf_law *law, const double *params, const char **names,
                      double *values, size_t max)
{
    if (!law->cls->derived) return 0;
    return law->cls->derived(law, params, names, values, max);
}

void sf_law_point_extras(const sf_law *law, const sf_data *d, size_t i, sf_point *x)
{
    for (size_t k = 0; k < law->n_extra; k++) {
        long c = sf_data_extra_index(d, law->extra[k]);
        x->extra[k] = c >= 0 ? d->extra[c][i] : 0.0;
    }
}

int sf_law_param_log_scale(const sf_law *law, size_t i)
{
    return i < law->n_params && law->param[i].scale == SF_SCALE_LOG;
}

size_t sf_law_n_linear(const sf_law *law) { return law->n_lin; }

int sf_law_linear_param(const sf_law *law, size_t k)
{
    return k < law->n_lin ? law->lin[k] : -1;
}

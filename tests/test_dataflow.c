/* One-way data flow (docs/architecture.md): a fit is read-only once made,
 * so bootstrap draws and a posterior can be made from one fit at the same
 * time; and the layers of src/ include only the layers below them. */
#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "fit/fit_impl.h"

/* Besiroglu et al.'s fit (chinchilla_epoch/SOURCE.md), the truth of the
 * simulated sweep. */
static const double TRUTH[5] = {1.8172, 482.01, 2085.43, 0.3478, 0.3658};

/* 42 runs: 6 budgets x 7 sizes drawn from TRUTH with 1% log-normal noise. */
static sf_data *sweep(const sf_law *law)
{
    double N[42], D[42];
    for (int b = 0, n = 0; b < 6; b++)
        for (int s = 0; s < 7; s++, n++) {
            double C = 2.385e18 * pow(10, b * 0.6);
            N[n] = pow(C / 6, 0.5) * pow(10, (s - 3) / 5.0) / 20;
            D[n] = C / (6 * N[n]);
        }
    sf_data *d;
    sf_error err;
    cr_assert_eq(sf_simulate(law, TRUTH, N, D, NULL, 42, 0.01, 19, &d, &err), SF_OK, "%s",
                 err.message);
    return d;
}

/* The work of one thread: draws of the shared fit, and their JSON. */
typedef struct job {
    const sf_fit *fit;
    const sf_data *data;
    int bayes;              /* 0: bootstrap, 1: posterior */
    int rc;
    sf_draws *draws;
    char *json;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    if (j->bayes) {
        sf_bayes_options bo;
        sf_bayes_options_init(&bo);
        bo.walkers = 12;
        bo.burn = 40;
        bo.steps = 80;
        j->rc = sf_bayes_run(j->fit, j->data, &bo, &j->draws, NULL);
    } else {
        sf_bootstrap_options bo;
        sf_bootstrap_options_init(&bo);
        bo.resamples = 16;
        j->rc = sf_fit_bootstrap(j->fit, j->data, &bo, &j->draws, NULL);
    }
    if (j->rc == SF_OK) j->rc = sf_fit_json(j->fit, j->draws, NULL, &j->json, NULL);
    return NULL;
}

static char *json_of(const sf_fit *fit)
{
    char *js = NULL;
    cr_assert_eq(sf_fit_json(fit, NULL, NULL, &js, NULL), SF_OK);
    return js;
}

/* Same draws, bit for bit, and the same JSON of fit + draws. */
static void assert_same(const job *a, const job *b, const char *what)
{
    cr_assert_eq(a->rc, SF_OK, "%s", what);
    cr_assert_eq(b->rc, SF_OK, "%s", what);
    size_t n = sf_draws_count(a->draws), p = sf_law_n_params(sf_fit_law(a->fit));
    cr_assert_gt(n, 0, "%s", what);
    cr_assert_eq(sf_draws_count(b->draws), n, "%s", what);
    cr_assert(memcmp(sf_draws_params(a->draws), sf_draws_params(b->draws),
                     n * p * sizeof(double)) == 0,
              "%s: the draws differ", what);
    cr_assert_str_eq(a->json, b->json, "%s: the JSON differs", what);
}

static void job_free(job *j)
{
    sf_draws_free(j->draws);
    free(j->json);
}

Test(dataflow, bootstrap_and_posterior_from_one_fit_in_two_threads)
{
    sf_law *law;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, NULL), SF_OK);
    sf_data *d = sweep(law);
    sf_fit_options o;
    sf_fit_options_init(&o);
    o.threads = 1;
    o.seed = 2385;
    sf_fit *fit = fit_checked(law, d, &o);
    /* The fit's bytes and JSON before anything reads it. */
    struct sf_fit before = *fit;
    char *js_before = json_of(fit);

    /* One after the other, on this thread. */
    job seq[2] = {{fit, d, 0, 0, NULL, NULL}, {fit, d, 1, 0, NULL, NULL}};
    run_job(&seq[0]);
    run_job(&seq[1]);
    /* Both at once, from the same fit. */
    job par[2] = {{fit, d, 0, 0, NULL, NULL}, {fit, d, 1, 0, NULL, NULL}};
    pthread_t th[2];
    for (int k = 0; k < 2; k++) cr_assert_eq(pthread_create(&th[k], NULL, run_job, &par[k]), 0);
    for (int k = 0; k < 2; k++) cr_assert_eq(pthread_join(th[k], NULL), 0);

    assert_same(&seq[0], &par[0], "bootstrap");
    assert_same(&seq[1], &par[1], "posterior");
    cr_assert_eq(sf_draws_get_kind(par[0].draws), SF_DRAWS_BOOTSTRAP);
    cr_assert_eq(sf_draws_get_kind(par[1].draws), SF_DRAWS_POSTERIOR);
    cr_assert(sf_draws_fit(par[0].draws) == fit && sf_draws_fit(par[1].draws) == fit);
    /* The fit is as it was: every byte, and its JSON. */
    cr_assert(memcmp(&before, fit, sizeof before) == 0, "the fit was written into");
    char *js_after = json_of(fit);
    cr_assert_str_eq(js_before, js_after);
    /* Its JSON with the draws adds to the fit's, it does not change it:
     * the same parameters, and "draws" only in the JSON with draws. */
    cr_assert(!strstr(js_after, "\"draws\""));
    cr_assert(strstr(par[0].json, "\"method\":\t\"bootstrap\""));
    cr_assert(strstr(par[1].json, "\"method\":\t\"posterior\""));
    for (int k = 0; k < 2; k++) {
        job_free(&seq[k]);
        job_free(&par[k]);
    }
    free(js_before);
    free(js_after);
    sf_fit_free(fit);
    sf_data_free(d);
    sf_law_free(law);
}

/* Draws of one fit are refused by the functions of another. */
Test(dataflow, draws_belong_to_their_fit)
{
    sf_law *law;
    cr_assert_eq(sf_law_new("chinchilla", NULL, &law, NULL), SF_OK);
    sf_fit *a, *b;
    cr_assert_eq(sf_fit_from_params(law, TRUTH, &a), SF_OK);
    cr_assert_eq(sf_fit_from_params(law, TRUTH, &b), SF_OK);
    double x[3 * 5];
    for (int k = 0; k < 3; k++) memcpy(x + 5 * k, TRUTH, sizeof TRUTH);
    sf_draws *dr;
    sf_error err;
    cr_assert_eq(sf_draws_from_params(a, x, 3, &dr, &err), SF_OK, "%s", err.message);
    cr_assert(sf_draws_fit(dr) == a);
    cr_assert_eq(sf_draws_get_kind(dr), SF_DRAWS_GIVEN);
    char *js = NULL;
    cr_assert_eq(sf_fit_json(b, dr, NULL, &js, &err), SF_EINVAL);
    cr_assert(js == NULL);
    sf_alloc_row row;
    sf_summary s[5];
    cr_assert_eq(sf_fit_alloc_summary(b, dr, 1e21, NULL, 0, &row, s, &err), SF_EINVAL);
    char *svg = NULL;
    cr_assert_eq(sf_plot_optimal(b, dr, NULL, 0, NULL, &svg, &err), SF_EINVAL);
    cr_assert(svg == NULL && strstr(err.message, "another fit"), "%s", err.message);
    cr_assert_eq(sf_fit_alloc_summary(a, dr, 1e21, NULL, 0, &row, s, &err), SF_OK);
    cr_assert_eq(s[1].n, 3u);
    /* Given draws have no residual noise: no prediction interval. */
    sf_point at = {.N = 1e9, .D = 2e10};
    sf_summary ls, ps;
    cr_assert_eq(sf_fit_predict_summary(a, dr, &at, NULL, 0, &ls, &ps, &err), SF_OK);
    cr_assert(ls.n == 3 && ps.n == 0);
    /* Written and read back: the same draws, of the fit read. */
    cr_assert_eq(sf_fit_json(a, dr, NULL, &js, &err), SF_OK);
    sf_fit *back;
    sf_draws *dback;
    cr_assert_eq(sf_fit_json_parse(js, "mem.json", &back, &dback, &err), SF_OK, "%s",
                 err.message);
    cr_assert(sf_draws_fit(dback) == back);
    cr_assert_eq(sf_draws_get_kind(dback), SF_DRAWS_GIVEN);
    cr_assert(memcmp(sf_draws_params(dback), x, sizeof x) == 0);
    /* Reading without asking for the draws gives the fit alone. */
    sf_fit *alone;
    cr_assert_eq(sf_fit_json_parse(js, "mem.json", &alone, NULL, &err), SF_OK);
    sf_draws *bad;
    cr_assert_eq(sf_draws_from_params(a, x, 0, &bad, &err), SF_EINVAL, "no draws");
    cr_assert(bad == NULL);
    x[7] = NAN;
    cr_assert_eq(sf_draws_from_params(a, x, 3, &bad, &err), SF_EINVAL);
    cr_assert(bad == NULL && strstr(err.message, "draw 1"), "%s", err.message);
    free(js);
    sf_fit_free(alone);
    sf_draws_free(dback);
    sf_fit_free(back);
    sf_draws_free(dr);
    sf_fit_free(a);
    sf_fit_free(b);
    sf_law_free(law);
}

/* ---- layering ----------------------------------------------------------------- */

/* The layers of src/, lowest first (docs/architecture.md).  A file may
 * include the internal headers of its own folder and of folders in lower
 * layers, never those of a higher layer or of another folder in its own
 * layer; every file may include the public header scalefit.h. */
static const struct {
    const char *dir;
    int layer;
} LAYERS[] = {
    {"base", 0},  {"data", 1},     {"law", 2},   {"fit", 3},    {"infer", 4}, {"alloc", 4},
    {"approach", 4}, {"validate", 4}, {"sweep", 4}, {"curve", 4}, {"task", 4}, {"render", 5},
    {"io", 5},
    {"cli", 6},
};
#define N_LAYERS (sizeof LAYERS / sizeof LAYERS[0])

static int layer_of(const char *dir)
{
    for (size_t k = 0; k < N_LAYERS; k++)
        if (strcmp(LAYERS[k].dir, dir) == 0) return LAYERS[k].layer;
    return -1;
}

static int is_source(const char *name)
{
    size_t n = strlen(name);
    return n > 2 && name[n - 2] == '.' && (name[n - 1] == 'c' || name[n - 1] == 'h');
}

typedef struct msgs {
    char text[8192];
    size_t len;
    int count;
} msgs;

/* "PATH:LINE: WHAT ARG" */
static void add_bad(msgs *bad, const char *path, long line, const char *what, const char *arg)
{
    int w = snprintf(bad->text + bad->len, sizeof bad->text - bad->len, "%s:%ld: %s %s\n", path,
                     line, what, arg);
    if (w > 0 && bad->len + (size_t)w < sizeof bad->text) bad->len += (size_t)w;
    bad->count++;
}

/* Appends "FILE:LINE: why" lines for the #include lines of path (in
 * folder dir) that reach up or sideways. */
static void check_includes(const char *dir, const char *path, msgs *bad)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot open %s", path);
    char line[1024];
    long no = 0;
    int own = layer_of(dir);
    while (fgets(line, sizeof line, f)) {
        no++;
        const char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p != '#') continue;
        p++;
        while (*p == ' ' || *p == '\t') p++;
        if (strncmp(p, "include", 7) != 0) continue;
        const char *q = strchr(p, '"');
        if (!q) continue; /* <system> headers */
        const char *slash = strchr(q + 1, '/'), *end = strchr(q + 1, '"');
        if (!slash || !end || slash > end) continue; /* "scalefit.h" */
        char target[64];
        size_t n = (size_t)(slash - q - 1);
        if (n >= sizeof target) n = sizeof target - 1;
        memcpy(target, q + 1, n);
        target[n] = '\0';
        if (strcmp(target, dir) == 0) continue;
        int t = layer_of(target);
        if (t < 0) add_bad(bad, path, no, "includes a header of an unknown folder:", target);
        else if (t > own) add_bad(bad, path, no, "includes a header of a higher layer:", target);
        else if (t == own)
            add_bad(bad, path, no, "includes a header of another folder of its layer:", target);
    }
    fclose(f);
}

Test(layering, no_folder_includes_a_higher_layer)
{
    DIR *src = opendir("src");
    cr_assert(src, "run from the source tree (src/ not found)");
    static msgs bad;
    bad.len = 0;
    bad.count = 0;
    bad.text[0] = '\0';
    size_t folders = 0, files = 0;
    struct dirent *e;
    while ((e = readdir(src))) {
        if (e->d_name[0] == '.') continue;
        char dpath[512];
        snprintf(dpath, sizeof dpath, "src/%s", e->d_name);
        DIR *sub = opendir(dpath);
        if (!sub) continue;
        cr_assert_geq(layer_of(e->d_name), 0,
                      "src/%s has no layer: add it to LAYERS here and to docs/architecture.md",
                      e->d_name);
        folders++;
        struct dirent *g;
        while ((g = readdir(sub))) {
            if (!is_source(g->d_name)) continue;
            char fpath[1024];
            snprintf(fpath, sizeof fpath, "%s/%s", dpath, g->d_name);
            check_includes(e->d_name, fpath, &bad);
            files++;
        }
        closedir(sub);
    }
    closedir(src);
    cr_assert_geq(folders, 12u);
    cr_assert_gt(files, 50u);
    cr_assert_eq(bad.count, 0, "%d include(s) against the layer order:\n%s", bad.count, bad.text);
}

/* Every public function that takes a fit after it is made takes it const
 * (sf_fit_free alone releases it); outside src/fit no function of the
 * library takes a writable fit.  Signatures are read as the text from the
 * start of a declaration to its ';' or '{'. */
static void check_signatures(const char *path, int header, msgs *bad)
{
    char *text = read_text(path);
    cr_assert(text, "cannot read %s", path);
    long line = 1, start_line = 1;
    char sig[4096];
    size_t n = 0;
    int in = 0;
    for (const char *p = text; *p; p++) {
        int col0 = p == text || p[-1] == '\n';
        if (!in && col0 && (header ? strncmp(p, "SF_API", 6) == 0 : isalpha((unsigned char)*p)) &&
            strncmp(p, "static", 6) != 0 && strncmp(p, "typedef", 7) != 0) {
            in = 1;
            n = 0;
            start_line = line;
        }
        if (*p == '\n') line++;
        if (!in) continue;
        if (n + 1 < sizeof sig) sig[n++] = *p == '\n' ? ' ' : *p;
        if (*p == ';' || *p == '{') {
            sig[n] = '\0';
            in = 0;
            if (!strchr(sig, '(') || strstr(sig, "sf_fit_free(")) continue;
            /* A parameter "sf_fit *" not preceded by "const ". */
            for (const char *q = strstr(sig, "sf_fit *"); q; q = strstr(q + 1, "sf_fit *")) {
                if (q - sig >= 6 && strncmp(q - 6, "const ", 6) == 0) continue;
                if (q < strchr(sig, '(')) continue; /* the return type */
                if (q[8] == '*') continue;          /* sf_fit **out: made here */
                add_bad(bad, path, start_line, "takes a writable fit:", sig);
                break;
            }
        }
    }
    free(text);
}

Test(layering, a_fit_is_read_only_once_made)
{
    static msgs bad;
    bad.len = 0;
    bad.count = 0;
    bad.text[0] = '\0';
    check_signatures("include/scalefit.h", 1, &bad);
    DIR *src = opendir("src");
    cr_assert(src, "run from the source tree (src/ not found)");
    struct dirent *e;
    while ((e = readdir(src))) {
        /* src/fit makes fits; everything else only reads them. */
        if (e->d_name[0] == '.' || strcmp(e->d_name, "fit") == 0) continue;
        char dpath[512];
        snprintf(dpath, sizeof dpath, "src/%s", e->d_name);
        DIR *sub = opendir(dpath);
        if (!sub) continue;
        struct dirent *g;
        while ((g = readdir(sub))) {
            if (!is_source(g->d_name)) continue;
            char fpath[1024];
            snprintf(fpath, sizeof fpath, "%s/%s", dpath, g->d_name);
            check_signatures(fpath, 0, &bad);
        }
        closedir(sub);
    }
    closedir(src);
    cr_assert_eq(bad.count, 0, "%s", bad.text);
}

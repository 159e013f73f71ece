/* Helpers shared by the test programs. */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "law/law_impl.h"

extern char **environ;

const char *shared_file(const char *rel)
{
    static char buf[4][4096];
    static int k = 0;
    char *out = buf[k++ % 4];
    const char *root = getenv("SCALEFIT_SHARED");
    snprintf(out, sizeof buf[0], "%s/data/%s", root && *root ? root : "../shared", rel);
    struct stat st;
    if (stat(out, &st) != 0) {
        const char *ci = getenv("CI");
        if (ci && strcmp(ci, "true") == 0)
            cr_assert_fail("shared data file %s is missing (CI=true: the data must be beside "
                           "the checkout in ../shared)", out);
        cr_skip_test("shared data file %s not found: skipping (set SCALEFIT_SHARED to the "
                     "shared folder to run this test)", out);
    }
    return out;
}

void skip_under_valgrind(const char *why)
{
    const char *vg = getenv("SF_VALGRIND");
    if (vg && strcmp(vg, "1") == 0) cr_skip_test("skipped under valgrind: %s", why);
}

static const char *tmp_dir(void)
{
    static char dir[256] = "";
    if (!dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/scalefit-test-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(dir)) cr_assert_fail("mkdtemp: %s", strerror(errno));
    }
    return dir;
}

const char *tmp_file(const char *name)
{
    /* Each path gets its own string, kept for the life of the process, so a
     * caller's path survives later calls (run_cli makes some too). */
    static char *paths[1024];
    static size_t used = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", tmp_dir(), name);
    for (size_t k = 0; k < used; k++)
        if (strcmp(paths[k], buf) == 0) return paths[k];
    cr_assert(used < sizeof paths / sizeof paths[0], "too many temporary paths");
    paths[used] = strdup(buf);
    cr_assert(paths[used] != NULL);
    return paths[used++];
}

char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    size_t k;
    while (s && (k = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += k;
        if (cap - len <= 1) {
            char *t = realloc(s, cap * 2);
            if (!t) {
                free(s);
                s = NULL;
                break;
            }
            s = t;
            cap *= 2;
        }
    }
    fclose(f);
    if (s) s[len] = '\0';
    return s;
}

void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "cannot write %s", path);
    fputs(text, f);
    cr_assert(fclose(f) == 0);
}

cli_run run_cli(const char *stdin_text, const char *const *argv)
{
    static int serial = 0;
    char in[512], out[512], err[512];
    int id = serial++;
    snprintf(in, sizeof in, "%s", tmp_file("stdin"));
    snprintf(out, sizeof out, "%s.%d.out", tmp_file("cli"), id);
    snprintf(err, sizeof err, "%s.%d.err", tmp_file("cli"), id);
    write_text(in, stdin_text ? stdin_text : "");

    const char *bin = getenv("SCALEFIT_BIN");
    if (!bin || !*bin) bin = "build/scalefit";
    const char *args[64];
    size_t n = 0;
    /* Under `make valgrind` the spawned scalefit is traced by the valgrind
     * running this test (--trace-children), its reports checked by run.sh. */
    args[n++] = bin;
    for (size_t i = 0; argv[i] && n < 63; i++) args[n++] = argv[i];
    args[n] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in, O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    /* posix_spawn takes char *const argv[] but does not modify it. */
    char *const *av;
    const char **ap = args;
    memcpy(&av, &ap, sizeof av);
    int rc = posix_spawnp(&pid, args[0], &fa, NULL, av, environ);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert(rc == 0, "cannot run %s: %s", args[0], strerror(rc));
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    cli_run r;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = read_text(out);
    r.err = read_text(err);
    cr_assert(r.out && r.err);
    remove(out);
    remove(err);
    return r;
}

void cli_run_free(cli_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        if (*s == '\n') n++;
    return n;
}

sf_data *data_from_text(const char *csv, const sf_data_options *o)
{
    sf_table *t = NULL;
    sf_data *d = NULL;
    sf_error err;
    int rc = sf_table_read_buffer(csv, strlen(csv), "test.csv", &t, &err);
    if (rc == SF_OK) rc = sf_data_from_table(t, o, &d, &err);
    char buf[2048];
    cr_assert(rc == SF_OK, "reading CSV failed: %s", sf_error_format(&err, buf, sizeof buf));
    sf_table_free(t);
    return d;
}

int data_error(const char *csv, const sf_data_options *o, sf_error *err)
{
    sf_table *t = NULL;
    sf_data *d = NULL;
    sf_error_clear(err);
    int rc = sf_table_read_buffer(csv, strlen(csv), "test.csv", &t, err);
    if (rc == SF_OK) rc = sf_data_from_table(t, o, &d, err);
    sf_table_free(t);
    sf_data_free(d);
    return rc;
}

sf_fit *fit_checked(const sf_law *law, const sf_data *d, const sf_fit_options *o)
{
    sf_fit *fit;
    sf_error err;
    char buf[2048];
    cr_assert_eq(sf_fit_run(law, d, o, &fit, &err), SF_OK, "%s",
                 sf_error_format(&err, buf, sizeof buf));
    /* The reported objective is the objective at the reported parameters. */
    double again = sf_objective(law, sf_fit_params(fit), d, o);
    assert_rel(sf_fit_objective(fit), again, 1e-12, "objective recomputed");
    return fit;
}

sf_law *law_checked(const char *name, sf_role x, int breaks)
{
    sf_law_options o;
    sf_law_options_init(&o);
    o.x = x;
    o.breaks = breaks;
    sf_law *law;
    sf_error err;
    cr_assert_eq(sf_law_new(name, &o, &law, &err), SF_OK, "%s: %s", name, err.message);
    return law;
}

/* ---- a law of another shape ------------------------------------------------------ */

static int slope_setup(sf_law *law, sf_error *err)
{
    (void)err;
    law->roles |= SF_ROLE_BIT(SF_ROLE_N);
    sf_law_add_param(law, "c", SF_SCALE_LINEAR, -INFINITY, INFINITY);
    sf_law_add_param(law, "k", SF_SCALE_LINEAR, 0.0, INFINITY);
    sf_law_grid_range(law, 0, 0.5, 0.5, 1.5);
    sf_law_grid_range(law, 1, 0.25, 0.25, 1.0);
    return SF_OK;
}

static void slope_eval(const sf_law *law, const double *th, const sf_obs *x, double *logy,
                       double *jac)
{
    (void)law;
    for (size_t i = 0; i < x->n; i++) {
        logy[i] = th[0] - th[1] * x->log[SF_ROLE_N][i];
        if (jac) {
            jac[2 * i] = 1.0;
            jac[2 * i + 1] = -x->log[SF_ROLE_N][i];
        }
    }
}

static const sf_law_class slope_class = {
    .name = "slope", .formula = "L = exp(c) N^-k", .setup = slope_setup, .eval = slope_eval};

sf_law *test_slope_law(void)
{
    sf_law *law = calloc(1, sizeof *law);
    cr_assert(law);
    law->cls = &slope_class;
    sf_law_options_init(&law->opt);
    law->roles = SF_ROLE_BIT(SF_ROLE_LOSS);
    slope_setup(law, NULL);
    return law;
}

/* Deterministic noise: a 64-bit LCG through Box-Muller. */
double lcg_normal(unsigned long long *s)
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
        u[i] = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

/* The synthetic task ladder (see common.h). */
const char *task_ladder_csv(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s", tmp_file(name));
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "run,N,D,task,loss,acc\n");
    unsigned long long seed = 7;
    const double Ns[] = {1.5e8, 3e8, 6e8, 1.2e9, 2.4e9}, mult[] = {1, 2, 5, 10};
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
            for (int c = 1; c <= 10; c++) {
                double N = Ns[i], D = 20.0 * N * mult[j] * c / 10.0;
                double L = 0.5 + 300.0 / pow(N, 0.3) + 400.0 / pow(D, 0.28);
                L *= exp(0.005 * lcg_normal(&seed));
                double acc = 0.25 + 0.6 / (1.0 + exp(5.0 * (L - 1.3))) + 0.008 * lcg_normal(&seed);
                fprintf(f, "r%d-%d,%.17g,%.17g,signal,%.17g,%.17g\n", i, j, N, D, L, acc);
                fprintf(f, "r%d-%d,%.17g,%.17g,flat,%.17g,%.17g\n", i, j, N, D, L,
                        0.25 + 0.01 * lcg_normal(&seed));
            }
    fclose(f);
    return path;
}

void task_ladder_fit(const char *prefix, sf_task_fit **f, sf_task_data **d)
{
    char name[256], json[256];
    snprintf(name, sizeof name, "%s_ladder.csv", prefix);
    snprintf(json, sizeof json, "%s_tasks.json", prefix);
    const char *data = task_ladder_csv(name), *out = tmp_file(json);
    cli_run r = run_cli(NULL, (const char *[]){"task", "fit", data, "--col", "group=run",
                                               "--draws", "40", "--threads", "1", "-o", out,
                                               NULL});
    cr_assert_eq(r.status, 0, "task fit failed: %s", r.err);
    cli_run_free(&r);
    sf_error err;
    cr_assert(sf_task_fit_json_read(out, f, &err) == SF_OK, "%s", err.message);
    sf_table *t = NULL;
    cr_assert(sf_table_read(data, &t, &err) == SF_OK, "%s", err.message);
    sf_data_options o;
    sf_data_options_init(&o);
    o.column[SF_ROLE_GROUP] = "run";
    cr_assert(sf_task_data_from_table(t, &o, NULL, NULL, d, &err) == SF_OK, "%s", err.message);
    sf_table_free(t);
}

void problem(test_report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(r->text + r->used, sizeof r->text - r->used, fmt, ap);
    va_end(ap);
    if (w > 0) r->used += (size_t)w;
    if (r->used >= sizeof r->text) r->used = sizeof r->text - 1;
}

sf_data *datablations_data(void)
{
    sf_data_options o;
    sf_data_options_init(&o);
    o.required = SF_ROLE_BIT(SF_ROLE_N) | SF_ROLE_BIT(SF_ROLE_D) | SF_ROLE_BIT(SF_ROLE_U);
    sf_data *d;
    sf_error err;
    char buf[2048];
    cr_assert_eq(sf_data_read(shared_file(DATABLATIONS), &o, &d, &err), SF_OK, "%s",
                 sf_error_format(&err, buf, sizeof buf));
    cr_assert_eq(d->n, 182u);
    return d;
}

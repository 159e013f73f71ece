/* scalefit watch: follow a training log and refresh the forecast of its
 * final loss as checkpoints are appended (docs/curves.md). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/base.h"
#include "cli/curves.h"

const char watch_usage[] =
    "scalefit watch FILE|DIR [--interval SEC] [--once] [--schedule SPEC] [forecast options]";

const char watch_help[] =
    "Usage: scalefit watch FILE|DIR [options]\n"
    "\n"
    "Follow a training log (a CSV as for scalefit forecast, or a directory of\n"
    "them, one run each) while the job appends checkpoints, and print a new\n"
    "forecast of the final loss whenever the file changes: the last checkpoint,\n"
    "the final loss with its interval, and how it moved since the previous one.\n"
    "The file is polled (stat) every --interval seconds, never in a busy loop.\n"
    "A half-written last line is read again at the next poll.\n"
    "\n"
    "  --interval SEC   seconds between polls (default 2)\n"
    "  --once           print one forecast and exit (for scripts)\n"
    "  --json           one JSON object per update: {\"step\", \"checkpoints\",\n"
    "                   \"final_step\", \"loss\", \"lo\", \"hi\", \"change\"}\n"
    "  --schedule, --law, --col, --lambda, --min-step, --level, --points:\n"
    "                   as scalefit forecast (the final step is the last step to\n"
    "                   forecast: the schedule's end, or the file's last empty row)\n"
    "  --compare-schedules S1,...\n"
    "                   accepted as by scalefit forecast, but watch does not\n"
    "                   print the comparison (run scalefit forecast for it)\n"
    "  -h, --help       show this help\n"
    "\n"
    "In a directory, the runs of every *.csv file are fitted jointly; the run with\n"
    "rows to forecast (else the file modified last) is the one forecast.\n"
    "Ctrl-C (SIGINT) or SIGTERM ends it: one line on stderr, exit status 130.\n";

/* Ctrl-C and SIGTERM set cli_interrupted (main installs the handler,
 * cli_install_signals): the loop ends at its next check. */

typedef struct wfile {
    char *path;
    double mtime;
} wfile;

static int cmp_wfile(const void *a, const void *b)
{
    const wfile *x = a, *y = b;
    if (x->mtime != y->mtime) return x->mtime < y->mtime ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* The files to read (a directory's *.csv, oldest first) and a signature
 * of their sizes and modification times. */
static size_t list_files(const char *path, wfile *out, size_t max, double *sig)
{
    struct stat st;
    *sig = 0;
    if (stat(path, &st) != 0) return 0;
    if (!S_ISDIR(st.st_mode)) {
        out[0].path = sf_strdup(path);
        out[0].mtime = (double)st.st_mtim.tv_sec + 1e-9 * (double)st.st_mtim.tv_nsec;
        *sig = out[0].mtime * 1e3 + (double)st.st_size;
        return out[0].path ? 1 : 0;
    }
    DIR *d = opendir(path);
    size_t n = 0;
    for (struct dirent *e; d && n < max && (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".csv")) continue;
        sf_buf b = {0};
        if (sf_buf_printf(&b, "%s/%s", path, e->d_name) || stat(b.data, &st) != 0) {
            sf_buf_free(&b);
            continue;
        }
        out[n].path = b.data;
        out[n].mtime = (double)st.st_mtim.tv_sec + 1e-9 * (double)st.st_mtim.tv_nsec;
        *sig += out[n].mtime * 1e3 + (double)st.st_size * (double)(n + 1);
        n++;
    }
    if (d) closedir(d);
    qsort(out, n, sizeof *out, cmp_wfile);
    return n;
}

/* One forecast of the final step; SF_ status. */
static int watch_once(const fc_args *a, const wfile *files, size_t nf, fc_result *r,
                      size_t *n_ckpt, double *last_step, sf_error *err)
{
    cli_curves c = {0};
    int rc = nf ? SF_OK : sf_fail(err, SF_EIO, a->path, 0, 0, "no CSV file to read");
    for (size_t k = 0; rc == SF_OK && k < nf; k++)
        rc = cli_curves_read(files[k].path, &a->cols, &c, err);
    if (rc == SF_OK) rc = cli_curves_finish(&c, a->path, err);
    if (rc == SF_OK) rc = fc_compute(a, &c, r, err);
    if (rc == SF_OK) {
        *n_ckpt = r->target->n_obs;
        *last_step = r->target->n_obs ? r->target->obs_step[r->target->n_obs - 1] : 0;
        r->target = NULL; /* c is freed below */
    }
    cli_curves_free(&c);
    return rc;
}

static void report(const fc_args *a, const fc_result *r, size_t n_ckpt, double last_step,
                   double prev)
{
    size_t f = r->m - 1;
    double change = isnan(prev) ? 0.0 : r->loss[f] - prev;
    if (a->json) {
        printf("{\"step\": %.17g, \"checkpoints\": %zu, \"final_step\": %.17g, \"loss\": "
               "%.17g, \"lo\": %.17g, \"hi\": %.17g, \"change\": %.17g}\n",
               last_step, n_ckpt, r->step[f], r->loss[f], r->lo[f], r->hi[f], change);
    } else {
        printf("step %.0f (%zu checkpoints): final loss %.4f [%.4f, %.4f] at step %.0f",
               last_step, n_ckpt, r->loss[f], r->lo[f], r->hi[f], r->step[f]);
        if (isnan(prev)) printf("\n");
        else printf("  (%+.4f since last checkpoint)\n", change);
    }
    fflush(stdout);
}

static void sleep_for(double sec)
{
    struct timespec ts = {(time_t)sec, (long)((sec - floor(sec)) * 1e9)};
    if (!cli_interrupted) nanosleep(&ts, NULL); /* a signal cuts it short */
}

int cmd_watch(int argc, char **argv)
{
    fc_args a;
    int rc = fc_parse(argc, argv, &a, 1);
    if (rc != CLI_OK) return rc < 0 ? CLI_OK : rc;
    double prev = NAN, last_sig = -1;
    char last_msg[1024] = "";
    wfile files[256];
    while (!cli_interrupted) {
        double sig;
        size_t nf = list_files(a.path, files, 256, &sig);
        if (sig != last_sig || a.once) {
            last_sig = sig;
            fc_result r;
            sf_error err;
            sf_error_clear(&err);
            size_t n_ckpt = 0;
            double last_step = 0;
            int s = watch_once(&a, files, nf, &r, &n_ckpt, &last_step, &err);
            if (s == SF_OK) {
                if (isnan(prev) || r.loss[r.m - 1] != prev || a.once)
                    report(&a, &r, n_ckpt, last_step, prev);
                prev = r.loss[r.m - 1];
                last_msg[0] = '\0';
            } else if (a.once) {
                for (size_t k = 0; k < nf; k++) free(files[k].path);
                return cli_lib_error(&err);
            } else {
                char buf[1024];
                sf_error_format(&err, buf, sizeof buf);
                if (strcmp(buf, last_msg)) fprintf(stderr, "scalefit watch: waiting: %s\n", buf);
                sf_strlcpy(last_msg, buf, sizeof last_msg);
            }
            fc_result_free(&r);
        }
        for (size_t k = 0; k < nf; k++) free(files[k].path);
        if (a.once) return CLI_OK;
        sleep_for(a.interval);
    }
    fputs("scalefit watch: interrupted\n", stderr);
    return 130;
}

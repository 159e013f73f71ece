/*
 * make install / make uninstall (issue 21): install the already-built
 * artifacts into a temporary prefix, build a small C program against the
 * installed library with pkg-config (shared and static), run it, read the
 * installed man pages with man -l (scalefit.1 and a subcommand's page, one
 * installed for every command), uninstall and check nothing is left.
 *
 * The install runs `make -o` on the built files, so it never rebuilds or
 * writes into the build folder (other makes may be running there); all it
 * writes goes under this test's temporary directory.
 */
#include "common.h"

#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run a shell command (printf-style), its output into `log`; exit status. */
static int sh(const char *log, const char *fmt, ...)
{
    char cmd[8192], full[9000];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    cr_assert(n > 0 && (size_t)n < sizeof cmd, "command too long");
    snprintf(full, sizeof full, "( %s ) >'%s' 2>&1", cmd, log);
    int st = system(full);
    cr_assert(st != -1, "system() failed");
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static int in_ci(void)
{
    const char *ci = getenv("CI");
    return ci && strcmp(ci, "true") == 0;
}

/* A tool the test needs: skip without it, fail when CI=true. */
static void need(const char *tool)
{
    if (have(tool)) return;
    if (in_ci()) cr_assert_fail("%s is missing (CI=true: scripts/deps.sh --test installs it)", tool);
    cr_skip_test("%s not found: skipping the install test", tool);
}

/* The build folder the tests were built in: the folder of $SCALEFIT_BIN. */
static const char *build_dir(void)
{
    static char dir[1024];
    const char *bin = getenv("SCALEFIT_BIN");
    if (!bin || !*bin) bin = "build/scalefit";
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", bin);
    snprintf(dir, sizeof dir, "%s", dirname(tmp));
    return dir;
}

static void assert_ok(int rc, const char *log, const char *what)
{
    if (rc == 0) return;
    char *text = read_text(log);
    cr_assert_fail("%s failed (exit %d):\n%s", what, rc, text ? text : "(no output)");
}

static int exists(const char *prefix, const char *rel)
{
    char p[1024];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", prefix, rel);
    return lstat(p, &st) == 0;
}

static const char *const installed[] = {
    "bin/scalefit",          "lib/libscalefit.a",       "lib/libscalefit.so",
    "lib/libscalefit.so.0",  "lib/libscalefit.so." SF_VERSION,
    "include/scalefit.h",    "lib/pkgconfig/scalefit.pc", "share/man/man1/scalefit.1",
    "share/man/man1/scalefit-fit.1", "share/man/man1/scalefit-task.1"};

/* Hoffmann et al. (2022, eq. 10) fitted L(N, D) = E + A/N^alpha + B/D^beta
 * with E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28; at
 * Chinchilla's size (N = 70e9 parameters, D = 1.4e12 tokens) it gives
 * 1.93664547... */
static const char program[] =
    "#include <scalefit.h>\n"
    "#include <stdio.h>\n"
    "int main(void)\n"
    "{\n"
    "    static const char *names[] = {\"E\", \"A\", \"B\", \"alpha\", \"beta\"};\n"
    "    static const double values[] = {1.69, 406.4, 410.7, 0.34, 0.28};\n"
    "    double p[SF_MAX_PARAMS] = {0}, loss;\n"
    "    sf_law *law;\n"
    "    sf_error err;\n"
    "    if (sf_law_new(\"chinchilla\", NULL, &law, &err) != SF_OK) return 1;\n"
    "    for (int i = 0; i < 5; i++) {\n"
    "        int k = sf_law_param_index(law, names[i]);\n"
    "        if (k < 0) return 2;\n"
    "        p[k] = values[i];\n"
    "    }\n"
    "    sf_point x = {70e9, 1.4e12, 0, 0};\n"
    "    if (sf_law_predict(law, p, &x, &loss) != SF_OK) return 3;\n"
    "    printf(\"%s %.17g\\n\", SF_VERSION, loss);\n"
    "    sf_law_free(law);\n"
    "    return 0;\n"
    "}\n";

/* Sanitizer builds (make SAN=1) install a library that needs the same
 * runtime in the program. */
#if defined(__SANITIZE_ADDRESS__)
#define SAN_FLAGS "-fsanitize=address,undefined"
#else
#define SAN_FLAGS ""
#endif

static void check_output(const char *path, const char *what)
{
    char *out = read_text(path);
    cr_assert(out != NULL, "%s: no output", what);
    char version[64];
    double loss;
    cr_assert(sscanf(out, "%63s %lf", version, &loss) == 2, "%s printed '%s'", what, out);
    cr_assert_str_eq(version, SF_VERSION, "%s: version", what);
    double expect = 1.69 + 406.4 / pow(70e9, 0.34) + 410.7 / pow(1.4e12, 0.28);
    assert_rel(loss, expect, 1e-12, what);
    assert_rel(loss, 1.9366454705587, 1e-12, what);
    free(out);
}

static void check_man(const char *prefix, const char *log)
{
    if (!have("man")) {
        if (in_ci()) cr_assert_fail("man is missing (CI=true)");
        cr_log_warn("man not found: not checking the installed man page");
        return;
    }
    const char *page = tmp_file("man.txt");
    int rc = sh(log, "MANWIDTH=80 MANPAGER=cat PAGER=cat man -l '%s/share/man/man1/scalefit.1' >'%s'",
                prefix, page);
    assert_ok(rc, log, "man -l on the installed page");
    char *text = read_text(page);
    cr_assert(text && strstr(text, "scalefit") && strstr(text, "SYNOPSIS"),
              "man -l printed no scalefit page:\n%s", text ? text : "");
    free(text);

    /* A subcommand's page, made from its --help at build time. */
    rc = sh(log, "MANWIDTH=80 MANPAGER=cat PAGER=cat man -l '%s/share/man/man1/scalefit-fit.1' >'%s'",
            prefix, page);
    assert_ok(rc, log, "man -l on the installed page scalefit-fit.1");
    text = read_text(page);
    cr_assert(text && strstr(text, "SCALEFIT-FIT(1)") && strstr(text, "SYNOPSIS") &&
                  strstr(text, "OPTIONS") && strstr(text, "--bootstrap") && strstr(text, "scalefit(1)"),
              "man -l printed no scalefit-fit page:\n%s", text ? text : "");
    free(text);
}

/* Every command of the installed `scalefit --help` has its installed page. */
static void check_subcommand_pages(const char *prefix, const char *log)
{
    int rc = sh(log, "n=0; for c in $('%s/bin/scalefit' --help | awk '/^Commands:/ { on = 1; next } "
                "on && /^$/ { exit } on { print $1 }'); do n=$((n + 1)); "
                "test -f '%s/share/man/man1/scalefit-'$c.1 || { echo \"no page scalefit-$c.1\"; exit 1; }; "
                "done; test $n -ge 14 || { echo \"only $n commands in scalefit --help\"; exit 1; }",
                prefix, prefix);
    assert_ok(rc, log, "a man page for every command of scalefit --help");
}

Test(install, prefix_pkgconfig_man_uninstall, .timeout = 600)
{
    skip_under_valgrind("it spawns make and the compiler");
    need("make");
    need("cc");
    need("pkg-config");
    const char *b = build_dir();
    const char *prefix = tmp_file("prefix");
    const char *log = tmp_file("install.log");
    /* -o: take the built files as they are, never remake them here. */
    const char *make = "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory";
    int rc = sh(log, "%s BUILD='%s' PREFIX='%s' -o '%s/libscalefit.a' -o '%s/libscalefit.so' "
                "-o '%s/scalefit' install", make, b, prefix, b, b, b);
    assert_ok(rc, log, "make install");
    for (size_t i = 0; i < sizeof installed / sizeof installed[0]; i++)
        cr_assert(exists(prefix, installed[i]), "make install did not install %s", installed[i]);

    /* The shared library: versioned file, soname, symlinks. */
    rc = sh(log, "cd '%s/lib' && test \"$(readlink libscalefit.so)\" = libscalefit.so.0 && "
            "test \"$(readlink libscalefit.so.0)\" = libscalefit.so.%s && "
            "readelf -d libscalefit.so.%s | grep -q 'SONAME.*\\[libscalefit.so.0\\]'",
            prefix, SF_VERSION, SF_VERSION);
    assert_ok(rc, log, "the symlinks libscalefit.so -> .so.0 -> .so." SF_VERSION " and the soname");

    /* A program built with pkg-config, linked with the shared library. */
    const char *src = tmp_file("hello.c");
    write_text(src, program);
    char env[1200];
    snprintf(env, sizeof env, "PKG_CONFIG_PATH='%s/lib/pkgconfig'", prefix);
    const char *out = tmp_file("hello.out");
    rc = sh(log, "%s; export PKG_CONFIG_PATH; cc -std=c11 %s -o '%s/hello' '%s' "
            "$(pkg-config --cflags --libs scalefit) && "
            "readelf -d '%s/hello' | grep -q 'NEEDED.*libscalefit.so.0' && "
            "LD_LIBRARY_PATH='%s/lib' '%s/hello' >'%s'",
            env, SAN_FLAGS, prefix, src, prefix, prefix, prefix, out);
    assert_ok(rc, log, "building and running a program with pkg-config --cflags --libs scalefit");
    check_output(out, "shared");

    /* The same program with libscalefit.a and pkg-config --static. */
    rc = sh(log, "%s; export PKG_CONFIG_PATH; cc -std=c11 %s -o '%s/hello-static' '%s' "
            "$(pkg-config --static --cflags --libs scalefit | sed 's/-lscalefit/-l:libscalefit.a/') && "
            "! readelf -d '%s/hello-static' | grep -q 'NEEDED.*libscalefit' && "
            "'%s/hello-static' >'%s'",
            env, SAN_FLAGS, prefix, src, prefix, prefix, out);
    assert_ok(rc, log, "building and running a program with libscalefit.a and pkg-config --static");
    check_output(out, "static");

    rc = sh(log, "'%s/bin/scalefit' laws | grep -q chinchilla", prefix);
    assert_ok(rc, log, "the installed scalefit laws");
    check_man(prefix, log);
    check_subcommand_pages(prefix, log);

    rc = sh(log, "%s BUILD='%s' PREFIX='%s' uninstall", make, b, prefix);
    assert_ok(rc, log, "make uninstall");
    for (size_t i = 0; i < sizeof installed / sizeof installed[0]; i++)
        cr_assert(!exists(prefix, installed[i]), "make uninstall left %s", installed[i]);
    const char *left = tmp_file("left.txt");
    rc = sh(log, "find '%s' ! -type d ! -name 'hello*' >'%s'", prefix, left);
    assert_ok(rc, log, "find");
    char *rest = read_text(left);
    cr_assert(rest && !*rest, "make uninstall left files under the prefix:\n%s", rest ? rest : "");
    free(rest);
}

/* The shipped calibration of extrapolation intervals (issue 23) against
 * bench/extrap_calibration.py, which rebuilds it from ../shared data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

/* ---- the calibration: rebuilt by bench/extrap_calibration.py ------------------------- */

static void need_python(void)
{
    if (access("/usr/bin/python3", X_OK) == 0) return;
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0) cr_assert_fail("python3 is missing");
    cr_skip_test("python3 not installed");
}

/* The scale table and the generated C file follow from the shipped points. */
Test(extrap_calibration, shipped_files_match_the_script)
{
    need_python();
    cr_assert_eq(system("/usr/bin/python3 bench/extrap_calibration.py --check"), 0,
                 "run: python3 bench/extrap_calibration.py");
}

/* The shipped points follow from ../shared data: regenerate one family
 * (Gadre et al.'s C4 runs: six sizes of single final losses, seconds). */
Test(extrap_calibration, points_match_the_data, .timeout = 600)
{
    skip_under_valgrind("spawns scalefit validate 6 times with bootstrap");
    need_python();
    const char *src = shared_file("hitchhiker_colpret/SOURCE.md");
    char shared[1024];
    snprintf(shared, sizeof shared, "%s", src);
    char *cut = strstr(shared, "/data/hitchhiker_colpret/SOURCE.md");
    cr_assert(cut);
    *cut = '\0';
    const char *bin = getenv("SCALEFIT_BIN");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 bench/extrap_calibration.py --collect --check "
             "--only gadre_c4 --scalefit '%s' --shared '%s'", bin ? bin : "build/scalefit",
             shared);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

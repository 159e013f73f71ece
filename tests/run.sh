#!/bin/sh
# Run Criterion test programs and print one summary line:
#   N passed, N failed, N skipped
# Each program writes a TAP report; a program that dies without one counts
# as a failure.  With SF_VALGRIND=1 every program (and every scalefit it
# spawns) runs under valgrind memcheck, and any error or definite leak in
# its logs is a failure.
set -u
tmp=$(mktemp -d "${TMPDIR:-/tmp}/scalefit-run-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
skipped=0
failures=""
for bin in "$@"; do
    name=$(basename "$bin")
    tap="$tmp/$name.tap"
    if [ "${SF_VALGRIND:-0}" = 1 ]; then
        valgrind -q --trace-children=yes --trace-children-skip='*/sh,*/dash,*/bash,*/python3*' \
            --leak-check=full --errors-for-leak-kinds=definite \
            --log-file="$tmp/vg.$name.%p" "$bin" -j1 --tap="$tap" >"$tmp/$name.log" 2>&1
    else
        "$bin" --tap="$tap" >"$tmp/$name.log" 2>&1
    fi
    rc=$?
    if [ ! -s "$tap" ]; then
        failed=$((failed + 1))
        failures="$failures $name(no-report,rc=$rc)"
        sed 's/^/    /' "$tmp/$name.log" | tail -20
        continue
    fi
    p=$(grep '^ok ' "$tap" | grep -vc '# SKIP')
    s=$(grep '^ok ' "$tap" | grep -c '# SKIP')
    f=$(grep -c '^not ok ' "$tap")
    passed=$((passed + p))
    skipped=$((skipped + s))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        failures="$failures $name"
        # The failing tests with their messages.
        awk '/^not ok /{show=1} /^ok /{show=0} show' "$tap" | sed 's/^/    /'
    fi
    if [ "$s" -gt 0 ]; then
        grep '# SKIP' "$tap" | sed 's/^ok - /    skipped: /'
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        failed=$((failed + 1))
        failures="$failures $name(rc=$rc)"
        tail -20 "$tmp/$name.log" | sed 's/^/    /'
    fi
    if [ "${SF_VALGRIND:-0}" = 1 ]; then
        for log in "$tmp"/vg."$name".*; do
            [ -s "$log" ] || continue
            if grep -q 'ERROR SUMMARY: [1-9]\|definitely lost\|Invalid \|uninitialised' "$log"; then
                failed=$((failed + 1))
                failures="$failures $name(valgrind)"
                sed 's/^/    /' "$log" | head -60
            fi
        done
    fi
done
echo "$passed passed, $failed failed, $skipped skipped"
if [ -n "$failures" ]; then
    echo "failing:$failures"
    exit 1
fi
exit 0

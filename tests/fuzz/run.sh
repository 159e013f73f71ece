#!/bin/sh
# Run each libFuzzer target for a bounded time over a scratch copy of its
# seed corpus; fail on any crash, leak, timeout or sanitizer report, and
# print the executions per target.
#   sh tests/fuzz/run.sh SECONDS MAX_LEN BUILD NAME...
set -u
secs=$1 maxlen=$2 build=$3
shift 3
fail=0
for name in "$@"; do
    bin=$build/$name
    [ -x "$bin" ] || { echo "fuzz: $name: not built ($bin)"; fail=1; continue; }
    work=$build/corpus/$name
    art=$build/artifacts/$name
    rm -rf "$work" && mkdir -p "$work" "$art"
    log=$build/$name.log
    dict=
    [ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
    # Inputs found go to the scratch corpus, never into the repository's.
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$bin" -max_total_time="$secs" -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$art/" $dict "$work" "tests/fuzz/corpus/$name" \
        >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    if [ $rc -ne 0 ]; then
        echo "fuzz: $name: FAILED (exit $rc) after ${execs:-?} executions; see $log and $art"
        grep -m 5 -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | sed 's/^/    /'
        fail=1
    else
        echo "fuzz: $name: ${execs:-?} executions in ${secs} s, ${cov:-cov: ?}, no failure"
    fi
done
exit $fail

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs libFuzzer target build-fuzz/fuzz-NAME for SECONDS from its committed seeds
# (tests/fuzz/corpus/NAME, copied to build-fuzz/corpus/NAME so a run never rewrites them).
# Prints the executions reached and the rate; a crash leaves build-fuzz/crash-NAME-* and
# the exit status is the target's (non-zero on a finding).
# Inputs that once crashed it (tests/fuzz/regressions/NAME/*) are run first.
# Usage: tests/fuzz/run.sh NAME SECONDS
set -u
name=$1 secs=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
bf=$root/build-fuzz
rm -rf "$bf/corpus/$name" && mkdir -p "$bf/corpus/$name"
cp "$root/tests/fuzz/corpus/$name"/* "$bf/corpus/$name/"
log=$bf/fuzz-$name.log
cd "$bf" || exit 2
# Every input a run once crashed on (tests/fuzz/regressions/NAME) must now pass.
reg=$root/tests/fuzz/regressions/$name
if [ -d "$reg" ]; then
	if ! ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$root/tests/lsan.supp \
		"./fuzz-$name" "$reg"/* >"$log" 2>&1; then
		grep -E '==[0-9]+==|SUMMARY|deadly|Running:' "$log" | head -20
		echo "fuzz $name: a regression input fails again; the log is $log"
		exit 1
	fi
	echo "fuzz $name: $(ls "$reg" | wc -l) regression inputs pass"
fi
ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$root/tests/lsan.supp \
	"./fuzz-$name" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=20 \
	-artifact_prefix="crash-$name-" -print_final_stats=1 "corpus/$name" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
echo "fuzz $name: ${runs:-?} executions in ${secs} s (${rate:-?}/s), corpus $(ls "corpus/$name" | wc -l) inputs, exit $rc"
if [ $rc -ne 0 ]; then
	grep -E '==[0-9]+==|SUMMARY|deadly|Test unit written' "$log" | head -20
	echo "fuzz $name: finding; the whole log is $log"
fi
exit $rc

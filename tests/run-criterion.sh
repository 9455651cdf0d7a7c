#!/bin/bash
# Runs a Criterion test binary and, when it fails, prints its failing tests and assertions again
# at the end: CI shows only the tail of a long log, where the failure is thousands of lines above.
# The whole log stays in $PB_TEST_LOGS/NAME.log (default build/test-logs/).
# usage: tests/run-criterion.sh NAME BINARY [ARGS...]
name=$1; shift
dir=${PB_TEST_LOGS:-build/test-logs}
mkdir -p "$dir" || exit 2
log="$dir/$name.log"
"$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
	echo "=== $name failed (exit $status); its failures again (whole log: $log):"
	grep -E '\[FAIL\]|\[----\].*(Assertion|Failed|Timeout|crash)|Timed out|CRASH|ERROR: AddressSanitizer|runtime error:' "$log" | head -60
fi
exit "$status"

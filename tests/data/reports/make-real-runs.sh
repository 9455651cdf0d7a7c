#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Writes the REAL result files of tests/test_report.py and tests/test_browser.py, measured by
# build/pagebench (run from the tree's top: tests/data/reports/make-real-runs.sh [PAGEBENCH]):
#   memory_run.json  the slow-socket replay of memory-run.ini (about 40 s): the memory figures
#   pmu_run.json     alloc-free with the software PMU events task-clock and page-faults (which a
#                    VM without a vPMU has): the PMU breakdown
set -eu
here=$(dirname "$0")
pb=${1:-build/pagebench}
"$pb" run "$here/memory-run.ini" --json "$here/memory_run.json" >/dev/null
"$pb" run --alloc buddy,ptr_ring_pool --workload alloc-free --events task-clock,page-faults \
	--reps 3 --ops 20000 --no-baselines --json "$here/pmu_run.json" >/dev/null

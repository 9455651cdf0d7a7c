#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Instructions per op of every single-thread loop workload over every backend that can run it,
# counted under callgrind (deterministic): the before/after figure of a change that must not
# move the loop suite (docs/performance-log.md). Usage: scripts/loop-suite-instructions.sh OUTDIR [PAGEBENCH]
set -euo pipefail
out=${1:?usage: $0 OUTDIR [PAGEBENCH]}
bin=${2:-build/pagebench}
mkdir -p "$out"
# alloc-free-slow takes extra page references, which the library peers cannot hold.
declare -A allocs=(
	[alloc-free]=all [alloc-free-remote]=all [outstanding]=all [bulk]=all
	[alloc-free-slow]=buddy,ptr_ring_pool,ideal,null,halfpage,frag,array_cache,urcu_stack
)
for w in alloc-free alloc-free-remote alloc-free-slow outstanding bulk; do
	"$bin" run --alloc "${allocs[$w]}" --workload "$w" --metric instructions --reps 3 \
		--json "$out/$w.json" > "$out/$w.txt" 2>&1 || { echo "$w failed: see $out/$w.txt" >&2; exit 1; }
done
# One line per record: name and instructions per op, sorted, for a plain diff of two runs.
for w in alloc-free alloc-free-remote alloc-free-slow outstanding bulk; do
	/usr/bin/python3 - "$out/$w.json" <<'PY'
import json, sys, statistics
doc = json.load(open(sys.argv[1]))
for b in doc["benchmarks"]:
    if b.get("gbench_row"):
        continue    # Google Benchmark's view of the record that precedes it
    # schema 2 keeps PMU/callgrind events under pmu_events; schema 1 had them under counters
    ev = (b.get("pmu_events") or b.get("counters") or {}).get("instructions") or {}
    s = ev.get("samples_per_op")
    print(f'{b["name"]:40s} {statistics.median(s):10.1f}' if s else f'{b["name"]:40s} -')
PY
done | sort > "$out/summary.txt"
cat "$out/summary.txt"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# kmod-test (part of `make test`): the kernel module for real, in Debian's kernel under qemu.
#   1. `pagebench kmod parse` refuses malformed logs whole (LOG:LINE, exit 2, no file)
#   2. guest A: bad parameters fail the load with a message naming them (a userspace-only
#      backend with the reason backends.def gives); a page_pool
#      destroyed with pages in flight, the pages returned at unload: no leak, no oops
#   3. guest B (`pagebench kmod run`): every backend and workload gives sane records,
#      nothing leaks, and the JSON passes `pagebench compare` against itself
#   4. guest C, two NUMA nodes: pages come from the node asked for (node=1)
#   5. guest D: a module that warns and then oopses on purpose (fault=) fails the runner
# No assertion is about speed: under TCG the figures are emulation.
# Env: PB_BIN (pagebench), KMOD_KO (module), KMOD_TEST_KEEP=1 keeps the work directory.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PB=${PB_BIN:-$ROOT/build/pagebench}
KO=${KMOD_KO:-$ROOT/build/kmod/pagebench_kmod.ko}
RUN=$ROOT/kmod/run-qemu.sh
DATA=$ROOT/tests/kmod/data
T=$(mktemp -d "${TMPDIR:-/tmp}/pbk-test.XXXXXX")
[ "${KMOD_TEST_KEEP:-0}" = 1 ] || trap 'rm -rf "$T"' EXIT
export RESULTS=$T PB_BIN=$PB KMOD_KO=$KO
start=$(date +%s)
npass=0
nfail=0

pass() { npass=$((npass + 1)); echo "ok   $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }
# check DESC CMD...: CMD's status decides.
check() {
	d=$1
	shift
	if "$@" > "$T/check.out" 2>&1; then pass "$d"; else fail "$d"; sed 's/^/     /' "$T/check.out" | head -20; fi
}

# --- 1. parse ------------------------------------------------------------------------

# parse_refused NAME EXPECTED-TEXT: the log $T/NAME.log is refused naming the line.
parse_refused() {
	rm -f "$T/out.json"
	"$PB" kmod parse "$T/$1.log" --json "$T/out.json" > /dev/null 2> "$T/$1.err"
	rc=$?
	[ $rc = 2 ] || { echo "exit $rc, not 2"; return 1; }
	[ ! -e "$T/out.json" ] || { echo "a JSON file was written"; return 1; }
	grep -q -- "$2" "$T/$1.err" || { echo "stderr lacks '$2':"; cat "$T/$1.err"; return 1; }
}

mutate() { sed "$2" "$DATA/good.log" > "$T/$1.log"; }

# good.log has 3 repetitions: compare reads it (not exit 2) and, rightly, calls it inconclusive.
check "parse: a good log converts (exit 0, JSON valid for compare: inconclusive at 3 reps)" \
	sh -c "'$PB' kmod parse '$DATA/good.log' --json '$T/good.json' > /dev/null &&
	       { '$PB' compare '$T/good.json' '$T/good.json' > '$T/good.cmp'; [ \$? = 1 ]; } &&
	       grep -q inconclusive '$T/good.cmp'"
check "parse: figures derived as the module asked (median 105 cyc/op, amortised /8, baseline)" \
	python3 - "$T/good.json" <<'EOF'
import json, sys
b = {x["name"]: x for x in json.load(open(sys.argv[1]))["benchmarks"] if not x.get("gbench_row")}
m = b["alloc-free/k_alloc_pages/order=3"]
assert abs(m["cycles_per_op"]["median"] - 105) < 1e-9, m["cycles_per_op"]
assert m["repetitions"] == 3 and m["ops"] == 20 and len(m["batch_samples_cycles_per_op"]) == 6
assert abs(m["ns_per_op"]["median"] - 105) < 1e-9     # tsc_khz=1000000: 1 cycle = 1 ns
assert m["counters"]["pa_alloc_pages"]["value"] == 480
d = b["alloc-free/k_alloc_pages/order=3,amortised=4k"]
assert abs(d["cycles_per_op"]["median"] - 105 / 8) < 1e-9 and d["ops"] == 160
f = b["for-loop"]
assert f["kind"] == "baseline" and f["alloc"] is None
EOF
check "parse: dmesg -t / debugfs lines (no timestamps) convert the same" \
	sh -c "sed 's/^\[[^]]*\] //' '$DATA/good.log' > '$T/plain.log' &&
	       '$PB' kmod parse '$T/plain.log' --json '$T/plain.json' > /dev/null &&
	       grep -q '\"median\": 105' '$T/plain.json'"

mutate noend '/PBK end/,$d'
check "parse: a run without 'PBK end' is refused" parse_refused noend "noend.log:2: the run that begins here has no 'PBK end'"
mutate badnum 's/cycles=1000,1200/cycles=1000,12x0/'
check "parse: a malformed number names LOG:LINE" parse_refused badnum "badnum.log:10: cycles="
mutate missrep '/PBK rep id=1 n=1/d'
check "parse: a missing repetition is refused" parse_refused missrep "missrep.log:[0-9]*: n=2: expected repetition 1"
mutate unknown 's/PBK derive/PBK frobnicate/'
check "parse: an unknown PBK line is refused" parse_refused unknown "unknown.log:13: unknown line 'PBK frobnicate'"
mutate quote 's/host="guest"/host="guest/'
check "parse: an unterminated quote is refused" parse_refused quote "quote.log:3: .*unterminated"
mutate counter 's/pa_alloc_calls=60/pa_alloc_callz=60/'
check "parse: an unknown counter is refused" parse_refused counter "counter.log:12: pa_alloc_callz=: not a backend counter"
mutate bops 's/bops=10,10/bops=10,9/'
check "parse: batch ops that do not add up are refused" parse_refused bops "bops.log:8: bops=10,9 adds up to 19"
printf 'no pagebench here\n' > "$T/empty.log"
check "parse: a log without PBK lines is refused" parse_refused empty "empty.log: no 'PBK begin'"
check "parse: failed checks give exit 1 (file still written)" sh -c "
	sed 's/name=free_pages_load ok=1/name=free_pages_load ok=0/' '$DATA/good.log' > '$T/failed.log'
	'$PB' kmod parse '$T/failed.log' --json '$T/failed.json' > /dev/null 2>&1; [ \$? = 1 ] && [ -s '$T/failed.json' ]"
check "parse: a failure count with its lines lost gives exit 1 and says so" sh -c "
	sed 's/PBK end failures=0/PBK end failures=2/' '$DATA/good.log' > '$T/lost.log'
	'$PB' kmod parse '$T/lost.log' > /dev/null 2> '$T/lost.err'; [ \$? = 1 ] &&
	grep -q 'lost.log:20: the module counted 2 failures but the log shows none' '$T/lost.err'"

# --- 2. guest A: bad parameters, pages in flight across page_pool_destroy ------------

"$RUN" --no-build --no-json --timeout 150 --log "$T/a.log" \
	--load-fail "loops=0" --load-fail "bulk=1,500" --load-fail "backends=k_alloc_pages,nope" \
	--load-fail "dma=fixed:abc" --load-fail "backends=buddy,jemalloc" \
	--load "mode=inflight inflight=512" > "$T/a.out" 2> "$T/a.err"
rc=$?
check "guest A: booted, ran and powered off cleanly (runner exit 0)" test $rc = 0
[ $rc = 0 ] || sed 's/^/     /' "$T/a.err" | tail -20
check "guest A: loops=0 refused, the message names it" \
	sh -c "grep -q 'PBKRUN load=1 insmod_rc=[1-9]' '$T/a.log' &&
	       grep -q 'pagebench_kmod: loops=0: must be 1..100000000' '$T/a.log'"
check "guest A: bulk=1,500 refused, the message names it" \
	sh -c "grep -q 'PBKRUN load=2 insmod_rc=[1-9]' '$T/a.log' &&
	       grep -q \"pagebench_kmod: bulk=1,500: '500' must be 1..128\" '$T/a.log'"
check "guest A: backends=...,nope refused, the message names it" \
	sh -c "grep -q 'PBKRUN load=3 insmod_rc=[1-9]' '$T/a.log' &&
	       grep -q \"pagebench_kmod: backends=k_alloc_pages,nope: unknown name 'nope'\" '$T/a.log'"
check "guest A: dma=fixed:abc refused with the shared parser's message" \
	sh -c "grep -q 'PBKRUN load=4 insmod_rc=[1-9]' '$T/a.log' &&
	       grep -q 'pagebench_kmod: dma=fixed:abc: fixed:NNN needs a number of nanoseconds' '$T/a.log'"
check "guest A: backends=...,jemalloc refused: userspace only, with backends.def's reason" \
	sh -c "grep -q 'PBKRUN load=5 insmod_rc=[1-9]' '$T/a.log' &&
	       grep -q \"pagebench_kmod: backends=buddy,jemalloc: 'jemalloc' is userspace only: wraps libjemalloc\" '$T/a.log'"
check "guest A: page_pool destroyed with 512 pages in flight" \
	grep -q 'PBK check name=inflight_page_pool_destroy ok=1 held=512' "$T/a.log"
check "guest A: the pages came back at unload (free pages rose by 512, pool released)" \
	grep -qE 'PBK check name=inflight_page_pool_return ok=1 returned=512 free_pages_rise=5[0-9][0-9]' "$T/a.log"
check "guest A: the shared ptr_ring_pool did the same with no leak" \
	grep -q 'PBK check name=inflight_ptr_ring_pool ok=1 held=512 in_flight_at_destroy=512 in_flight_after_return=0 leaked=0' "$T/a.log"
check "guest A: no BUG/WARNING/Oops/leak/stalled-pool line in the guest log" \
	sh -c "! grep -E 'BUG[: ]|WARNING:|Oops|Call Trace|stalled pool|[Ll]eak' '$T/a.log' | grep -v ' PBK '"

# --- 3. guest B: every backend, every workload, through `pagebench kmod run` ----------

# dma=iommu: the shared backends map through the IOVA red-black tree in kernel context too.
"$PB" kmod run --timeout 200 --set loops=3000 --set reps=5 --set batches=5 --set dma=iommu \
	> "$T/b.out" 2> "$T/b.err"
rc=$?
json=$(tail -n 1 "$T/b.out")
blog=${json%.json}.log
check "guest B: pagebench kmod run succeeded and printed the JSON path last" \
	sh -c "[ $rc = 0 ] && [ -s '$json' ] && [ -s '$blog' ]"
[ $rc = 0 ] || sed 's/^/     /' "$T/b.err" | tail -20
check "guest B: every backend and workload gave sane records, nothing leaked" \
	python3 - "$json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
b = [x for x in doc["benchmarks"] if not x.get("gbench_row")]
have = {(x["alloc"], x["workload"]) for x in b}
want = {("k_alloc_pages", w) for w in ("alloc-free", "outstanding", "bulk", "cross-cpu")}
want |= {("k_page_frag", w) for w in ("alloc-free", "outstanding", "cross-cpu")}
want |= {("k_page_pool", w) for w in ("alloc-free", "alloc-free-remote", "alloc-free-slow",
                                      "outstanding", "bulk", "cross-cpu")}
want |= {("k_ptr_ring", w) for w in ("alloc-free", "cross-cpu")}
want |= {(m, w) for m in ("buddy", "ptr_ring_pool") for w in
         ("alloc-free", "alloc-free-remote", "alloc-free-slow", "outstanding", "bulk", "cross-cpu")}
want |= {(None, w) for w in ("for-loop", "atomic-inc", "spin-lock", "call-pair")}
missing = want - have
assert not missing, "missing: %s" % sorted(missing, key=str)
for x in b:
    c = x["cycles_per_op"]
    assert x["repetitions"] == 5 and len(x["samples"]) == 5, x["name"]
    assert x["ops"] > 0 and c["median"] > 0 and c["min"] > 0, (x["name"], c)
    assert all(s["cycles_per_op"] > 0 for s in x["samples"]), x["name"]
    leaked = x["counters"].get("leaked_pages", {}).get("value", 0)
    assert leaked == 0, (x["name"], leaked)
names = {x["name"] for x in b}
for n in ("alloc-free/k_alloc_pages/order=3,path=skb,amortised=4k",
          "alloc-free/k_alloc_pages/order=3,path=skb,amortised=2k",
          "alloc-free/k_alloc_pages/order=0,calls=policy,path=skb",
          "cross-cpu/k_page_pool/pool_size=1024,path=skb-6.1/alloc",
          "cross-cpu/k_page_pool/pool_size=1024,path=skb-6.1/free"):
    assert n in names, n
# Every row that frees names the return path it took (workloads/path.h); baselines none.
for x in b:
    has = "path=" in x["name"]
    assert has == (x["alloc"] is not None), x["name"]
s = {x["name"]: {k: v["value"] for k, v in x["counters"].items()} for x in b}
# The shared ptr_ring_pool really recycles: direct into its cache, remote through its ring.
assert s["alloc-free/ptr_ring_pool/path=xdp"]["recycle_cached"] > 0
assert s["alloc-free-remote/ptr_ring_pool/path=skb-6.1"]["recycle_ring"] > 0
# page_pool's fast path stays off the page allocator; its release path does not.
fast = s["alloc-free/k_page_pool/pool_size=1024,path=xdp"]
slow = s["alloc-free-slow/k_page_pool/pool_size=1024,path=release"]
assert fast["released"] == 0 and slow["released"] > 0, (fast, slow)
ctx, job = doc["context"], doc["jobs"][0]
assert job["tsc_hz"] > 0 and "pagebench_kmod" in ctx["kernel"] and "init_on_alloc=0" in ctx["command_line"]
assert job["emulated"] is (job["kernel"].get("accel", "tcg") == "tcg"), job
EOF
check "guest B: every record's free-page delta within tolerance; load and unload checks passed" \
	sh -c "awk '/ PBK stats /{ for (i = 1; i <= NF; i++) if (\$i ~ /^free_delta=-?[0-9]+$/) {
			v = substr(\$i, 12) + 0; if (v < -256 || v > 256) { print; bad = 1 } } }
		END { exit bad }' '$blog' &&
	       grep -q 'PBK check name=free_pages_load ok=1' '$blog' &&
	       grep -q 'PBK check name=free_pages_unload ok=1' '$blog'"
check "guest B: MemFree after unload within 32 MiB of before (per-CPU lists hold the rest)" \
	sh -c "awk '/memfree_kb_before=/{ split(\$0, a, /memfree_kb_before=| memfree_kb_after=/);
			d = a[2] - a[3]; if (d > 32768 || d < -32768) exit 1; n++ } END { exit !n }' '$blog'"
check "guest B: the debugfs results file had the lines" grep -qE 'PBKRUN load=1 debugfs_lines=[1-9]' "$blog"
# compare_self JSON: exit 0 and every verdict "same" or "unstable".
compare_self() {
	"$PB" compare "$1" "$1" > "$T/cmp.out" || { echo "compare exited $?"; return 1; }
	awk 'NR > 1 && /^geometric/ { exit } NR > 1 && NF { print $NF }' "$T/cmp.out" |
		sort -u > "$T/verdicts"
	[ -s "$T/verdicts" ] || { echo "no verdicts"; return 1; }
	! grep -vxE 'same|unstable|baseline' "$T/verdicts"
}
check "guest B: the JSON passes pagebench compare against itself (exit 0, same|unstable; baselines shown as such)" \
	compare_self "$json"

# --- 4. guest C: two NUMA nodes ------------------------------------------------------

"$RUN" --numa --no-build --timeout 150 --log "$T/c.log" \
	--load "node=1 mode=numa,bench loops=1000 reps=3 backends=k_alloc_pages,k_page_pool,ptr_ring_pool workloads=alloc-free,alloc-free-slow,cross-cpu" \
	--load "mode=numa" > "$T/c.out" 2> "$T/c.err"
rc=$?
cjson=$(tail -n 1 "$T/c.out")
check "guest C: two-node guest booted and ran cleanly" sh -c "[ $rc = 0 ] && [ -s '$cjson' ]"
[ -s "$cjson" ] || sed 's/^/     /' "$T/c.err" | tail -20
check "guest C: the guest has two nodes" grep -q 'PBK ctx cpu_model=.* nodes=2 ' "$T/c.log"
check "guest C: alloc_pages_node(1) gives node-1 pages" \
	grep -q 'PBK check name=numa_alloc_pages_node ok=1 node=1 pages=64 on_node=64' "$T/c.log"
check "guest C: a page_pool with .nid=1 gives node-1 pages" \
	grep -q 'PBK check name=numa_page_pool ok=1 nid=1 pages=64 on_node=64' "$T/c.log"
check "guest C: page_pool_update_nid flushes the cache and refills from the new node" \
	grep -q 'PBK check name=numa_page_pool_update_nid ok=1 from=1 to=0 cache_before=32 cache_after=0 released=32 pages=64 on_new_node=64' "$T/c.log"
check "guest C: the shared backends' arena lives on node 1" \
	grep -q 'PBK check name=numa_model_arena ok=1 node=1 arena_pages=1024 on_node=1024' "$T/c.log"
check "guest C: node=1 records carry node=1 in their names" \
	grep -q '"name": "alloc-free/k_page_pool/pool_size=1024,node=1,path=xdp"' "$cjson"
# alloc-free-slow is one definition in both worlds: release + put_page, three atomics per op
# (release count, refcount, per-CPU list lock) without a DMA model, as userspace's
# (tests/test_direct.c); guest B's dma=iommu adds the IOVA cache's.
check "guest C: alloc-free-slow on the model is release + put_page: 3 atomics per op, as userspace" \
	python3 - "$cjson" <<'EOF'
import json, sys
b = {x["name"]: x for x in json.load(open(sys.argv[1]))["benchmarks"] if not x.get("gbench_row")}
r = b["alloc-free-slow/ptr_ring_pool/node=1,path=release"]
a = r["counters"]["atomics_per_op"]["value"]
assert 2.9 < a < 3.2, a
assert "alloc-free-slow/k_page_pool/pool_size=1024,node=1,path=release" in b
EOF

# --- 5. guest D: the runner fails a guest that warns, oopses and panics --------------

"$RUN" --no-build --no-json --timeout 150 --log "$T/d.log" \
	--load "mode=numa fault=warn" --load "mode=numa fault=bug" > "$T/d.out" 2> "$T/d.err"
rc=$?
check "guest D: a deliberate WARN and BUG make the runner fail (exit 1)" test $rc = 1
check "guest D: the runner names the WARNING, the BUG and the missing sentinel" \
	sh -c "grep -q 'WARNING: CPU' '$T/d.err' && grep -q 'kernel BUG at' '$T/d.err' &&
	       grep -q \"no 'PBKRUN done' sentinel\" '$T/d.err'"

echo "kmod-test: took $(( $(date +%s) - start )) s"
echo "kmod-test: $npass passed, $nfail failed"
[ "$nfail" = 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# kmod-test (part of `make test`): the kernel module for real, in Debian's kernels under qemu.
# The full suite (1-6) runs on one kernel (KMOD_TEST_FULL, default the oldest installed: 6.1);
# every other installed kernel (6.12) gets the shorter section 7, and the two kernels' runs of
# guest B's benchmarks must pair in `pagebench compare`; section 8 (tests/kmod/lifecycle.sh:
# load/unload cycles, the busy unload, bad parameters, leak checks) runs on every kernel.
#   1. `pagebench kmod parse` refuses malformed logs whole (LOG:LINE, exit 2, no file)
#   2. guest A: bad parameters fail the load with a message naming them (a userspace-only
#      backend with the reason backends.def gives, a pool_size page_pool refuses); a page_pool
#      destroyed with pages in flight, the pages returned at unload: no leak, no oops;
#      a value only the running kernel refuses (cpu=7 of 2 CPUs), which the userspace
#      check passes: the runner shows the kernel's own line and exits 2 (bad input)
#   3. guest B (`pagebench kmod run`): every backend and workload gives sane records,
#      nothing leaks, and the JSON passes `pagebench compare` against itself; touch=32 is
#      named in every record and the k_* loops touch the data
#   4. guest C, two NUMA nodes: pages come from the node asked for (node=1); alloc-free on
#      every return path (path=xdp,skb-6.1,skb-6.5), each row labelled with its own
#   5. guest D: a module that warns and then oopses on purpose (fault=) fails the runner
#   6. guest R: trace replay in the kernel (mode=replay): the shipped veth-slow capture and a
#      generated slow-socket trace against k_page_pool, ptr_ring_pool and null; events and
#      packets as in the trace, nothing in flight or leaked at the end; a corrupt trace
#      refused at load with its byte offset and field; userspace's replay of the same trace
#      pairs with the kernel's in pagebench compare
#   7. each other kernel: guest E (`pagebench kmod run --kernel`, guest B's parameters):
#      sane records of every k_* and shared backend, nothing leaked, load/unload checks, the
#      kernel release in the context, and `compare` of B and E pairs every benchmark (both
#      TCG, so both emulation); guest F: a bad parameter refused, pages in flight across
#      page_pool_destroy returned at unload, k_page_pool's release and skb-6.5 paths on this
#      kernel; guest G (--bare-metal): the production guard refuses without i_know=1
# No assertion is about speed: under TCG the figures are emulation.
# Env: PB_BIN (pagebench), KMOD_B (build/kmod: one <release>/pagebench_kmod.ko per kernel),
# KMOD_TEST_KERNELS (releases, default kmod/kdir.sh --releases), KMOD_TEST_FULL (the kernel of
# the full suite), KMOD_TEST_KEEP=1 keeps the work directory.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PB=${PB_BIN:-$ROOT/build/pagebench}
KMOD_B=${KMOD_B:-$ROOT/build/kmod}
KERNELS=${KMOD_TEST_KERNELS:-$("$ROOT/kmod/kdir.sh" --releases)}
[ -n "$KERNELS" ] || { echo "kmod-test: no Debian kernel with headers installed (make kmod-deps)"; exit 1; }
FULL=${KMOD_TEST_FULL:-$(echo $KERNELS | tr ' ' '\n' | tail -n 1)}
FULL=$(basename "$("$ROOT/kmod/kdir.sh" "$FULL")" | sed 's/^linux-headers-//')
[ -n "$FULL" ] || exit 1
# Each kernel boots the module built for it (make kmod-all); none from the environment.
unset KMOD_KO KDIR
for r in $KERNELS; do
	[ -r "$KMOD_B/$r/pagebench_kmod.ko" ] || { echo "kmod-test: $KMOD_B/$r/pagebench_kmod.ko: not built (make kmod-all)"; exit 1; }
done
# run_on RELEASE ARGS...: the qemu runner on one kernel, with the module already built.
run_on() {
	k=$1
	shift
	"$ROOT/kmod/run-qemu.sh" --kernel "$k" --no-build "$@"
}
DATA=$ROOT/tests/kmod/data
T=$(mktemp -d "${TMPDIR:-/tmp}/pbk-test.XXXXXX")
[ "${KMOD_TEST_KEEP:-0}" = 1 ] || trap 'rm -rf "$T"' EXIT
export RESULTS=$T PB_BIN=$PB
start=$(date +%s)
echo "kmod-test: kernels $(echo $KERNELS); the full suite on $FULL"
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

check "kmod run: path=skb-6.4 refused before a guest boots (exit 2, the module's words)" sh -c "
	'$PB' kmod run --set path=skb-6.4 > /dev/null 2> '$T/path.err'; [ \$? = 2 ] &&
	grep -q \"path=skb-6.4: unknown name 'skb-6.4'\" '$T/path.err'"

# --- 2. guest A: bad parameters, pages in flight across page_pool_destroy ------------

run_on "$FULL" --no-json --timeout 150 --log "$T/a.log" \
	--load-fail "loops=0" --load-fail "bulk=1,500" --load-fail "backends=k_alloc_pages,nope" \
	--load-fail "dma=fixed:abc" --load-fail "backends=buddy,jemalloc" --load-fail "path=xdp,skb-6.4" \
	--load-fail "pool_size=40000" \
	--load "mode=inflight inflight=512" --load "cpu=7 workloads=for-loop" > "$T/a.out" 2> "$T/a.err"
rc=$?
# Exit 2, not 1: the refused load 9 is bad input; any complaint of the guest would make it 1.
check "guest A: booted, ran and powered off cleanly (runner exit 2 for load 9 alone)" \
	sh -c "[ $rc = 2 ] && grep -q '^PBKRUN done' '$T/a.log'"
[ $rc = 2 ] || sed 's/^/     /' "$T/a.err" | tail -20
# cpu=7: online CPUs are the module's check alone, so kmod run's table lets it through
# (a runner that does nothing: exit 0), and the user sees why the module refused it.
check "guest A: cpu=7 passes kmod run's check (the table cannot know the guest's CPUs)" \
	env PB_KMOD_RUNNER=/bin/true "$PB" kmod run --set cpu=7 --set workloads=for-loop
check "guest A: the module refused cpu=7 and the runner showed the kernel's own line, once" \
	sh -c "grep -q 'PBKRUN load=9 insmod_rc=[1-9]' '$T/a.log' &&
	       grep -q 'run-qemu: FAIL: load 9 (cpu=7 workloads=for-loop) was refused by the module' '$T/a.err' &&
	       [ \$(grep -c '^run-qemu:   kernel: pagebench_kmod: cpu=7: not an online CPU (2 online)\$' '$T/a.err') = 1 ]"
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
check "guest A: path=xdp,skb-6.4 refused, the message names it" \
	sh -c "grep -q 'PBKRUN load=6 insmod_rc=[1-9]' '$T/a.log' &&
	       grep -q \"pagebench_kmod: path=xdp,skb-6.4: unknown name 'skb-6.4'\" '$T/a.log'"
check "guest A: pool_size=40000 refused (page_pool_init's -E2BIG limit is 32768)" \
	sh -c "grep -q 'PBKRUN load=7 insmod_rc=[1-9]' '$T/a.log' &&
	       grep -q 'pagebench_kmod: pool_size=40000: must be 16..32768' '$T/a.log'"
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
# touch=32 (not the default 64): every record that takes it says so in its name.
"$PB" kmod run --kernel "$FULL" --timeout 200 --set loops=3000 --set reps=5 --set batches=5 --set dma=iommu \
	--set touch=32 \
	> "$T/b.out" 2> "$T/b.err"
rc=$?
json=$(tail -n 1 "$T/b.out")
blog=${json%.json}.log
check "guest B: pagebench kmod run succeeded and printed the JSON path last" \
	sh -c "[ $rc = 0 ] && [ -s '$json' ] && [ -s '$blog' ]"
[ $rc = 0 ] || sed 's/^/     /' "$T/b.err" | tail -20
# The records of guest B's parameters, on any kernel: every backend and workload, sane.
cat > "$T/records.py" <<'EOF'
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
for n in ("alloc-free/k_alloc_pages/order=3,calls=node,touch=32,path=skb,amortised=4k",
          "alloc-free/k_alloc_pages/order=3,calls=node,touch=32,path=skb,amortised=2k",
          "alloc-free/k_alloc_pages/order=0,calls=node,touch=32,path=skb",
          "alloc-free/k_alloc_pages/order=0,calls=policy,touch=32,path=skb",
          "outstanding/k_alloc_pages/order=0,calls=node,n=1024,touch=32,path=skb",
          "bulk/k_alloc_pages/order=0,calls=bulk,bulk=8,touch=32,path=skb",
          "cross-cpu/k_page_pool/pool_size=1024,touch=32,path=skb-6.1/alloc",
          "cross-cpu/k_page_pool/pool_size=1024,touch=32,path=skb-6.1/free",
          "outstanding/ptr_ring_pool/n=1024,touch=32,path=xdp"):
    assert n in names, n
# Every row that frees names the return path it took (workloads/path.h); baselines none.
# touch=32 is not the default: every backend row (k_* and shared) names it, as userspace would.
for x in b:
    has = "path=" in x["name"]
    assert has == (x["alloc"] is not None), x["name"]
    assert ("touch=32" in x["name"]) == (x["alloc"] is not None), x["name"]
s = {x["name"]: {k: v["value"] for k, v in x["counters"].items()} for x in b}
# The shared ptr_ring_pool really recycles: direct into its cache, remote through its ring.
assert s["alloc-free/ptr_ring_pool/touch=32,path=xdp"]["recycle_cached"] > 0
assert s["alloc-free-remote/ptr_ring_pool/touch=32,path=skb-6.1"]["recycle_ring"] > 0
# page_pool's fast path stays off the page allocator; its release path does not.
fast = s["alloc-free/k_page_pool/pool_size=1024,touch=32,path=xdp"]
slow = s["alloc-free-slow/k_page_pool/pool_size=1024,touch=32,path=release"]
assert fast["released"] == 0 and slow["released"] > 0, (fast, slow)
ctx, job = doc["context"], doc["jobs"][0]
assert job["tsc_hz"] > 0 and "pagebench_kmod" in ctx["kernel"] and "init_on_alloc=0" in ctx["command_line"]
assert job["emulated"] is (job["kernel"].get("accel", "tcg") == "tcg"), job
EOF
check "guest B: every backend and workload gave sane records, nothing leaked" \
	python3 "$T/records.py" "$json"
# free_ok LOG: every record's free-page delta within tolerance, the load and unload checks.
free_ok() {
	awk '/ PBK stats /{ for (i = 1; i <= NF; i++) if ($i ~ /^free_delta=-?[0-9]+$/) {
			v = substr($i, 12) + 0; if (v < -256 || v > 256) { print; bad = 1 } } }
		END { exit bad }' "$1" &&
	grep -q 'PBK check name=free_pages_load ok=1' "$1" &&
	grep -q 'PBK check name=free_pages_unload ok=1' "$1"
}
# memfree_ok LOG: MemFree after unload within 32 MiB of before (per-CPU lists hold the rest).
memfree_ok() {
	awk '/memfree_kb_before=/{ split($0, a, /memfree_kb_before=| memfree_kb_after=/);
			d = a[2] - a[3]; if (d > 32768 || d < -32768) exit 1; n++ } END { exit !n }' "$1"
}
check "guest B: every record's free-page delta within tolerance; load and unload checks passed" \
	free_ok "$blog"
check "guest B: MemFree after unload within 32 MiB of before (per-CPU lists hold the rest)" \
	memfree_ok "$blog"
# log_ok LOG RELEASE: free_ok, and memfree_ok on kernels before 6.7. 6.7's PCP high auto-tuning
# ("mm: tune PCP high automatically": struct per_cpu_pages gained high_min/high_max, in 6.12's
# mmzone.h, not 6.1's) lets the per-CPU lists grow with the traffic, and MemFree does not
# count them: a 6.12 guest kept 37 MiB there after unload
# while the module's own count of zones plus per-CPU lists (free_pages_unload, in free_ok)
# was 20 pages off. There only that count, which sees the lists, is a leak check.
log_ok() {
	free_ok "$1" || return 1
	case $2 in
	[0-5].*|6.[0-6].*|6.[0-6]) memfree_ok "$1" ;;
	*) echo "note: $2: MemFree not checked (PCP auto-tuning, 6.7+); free_pages_unload was" ;;
	esac
}
check "guest B: the debugfs results file had the lines" grep -qE 'PBKRUN load=1 debugfs_lines=[1-9]' "$blog"
check "guest B: k_page_pool's loop touched its page's first word once per packet (touch=32)" \
	grep -q 'PBK check name=touch_k_page_pool ok=1 touch=32 pairs=1000 same_page=1 delta=1000' "$blog"
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

run_on "$FULL" --numa --timeout 150 --log "$T/c.log" \
	--load "node=1 mode=numa,bench loops=1000 reps=3 backends=k_alloc_pages,k_page_pool,ptr_ring_pool workloads=alloc-free,alloc-free-slow,cross-cpu path=xdp,skb-6.1,skb-6.5" \
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
check "guest C: call-pair stands in the table though workloads= names no baseline; for-loop does not" \
	sh -c "grep -q '\"name\": \"call-pair\"' '$cjson' && ! grep -q '\"name\": \"for-loop\"' '$cjson'"
check "guest C: node=1 records carry node=1 in their names" \
	grep -q '"name": "alloc-free/k_page_pool/pool_size=1024,node=1,path=xdp"' "$cjson"
check "guest C: the default touch=64 is in no name, and k_page_pool's loop touches its page" \
	sh -c "! grep -q '\"name\": \"[^\"]*touch=' '$cjson' &&
	       grep -q 'PBK check name=touch_k_page_pool ok=1 touch=64 pairs=1000 same_page=1 delta=1000' '$T/c.log'"
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
# path=: one alloc-free row per return path, each named by the path it took. k_page_pool:
# xdp (recycle_direct) and skb-6.1 (put_full_page through the ring, nothing released); an
# skb-6.5 row (napi_pp_put_page) only on a kernel that exports it (6.12), which the ctx line
# says either way. The model ptr_ring_pool: skb-6.5
# is napi_pp_put_page in the owning NAPI's softirq (the direct cache, no atomic), skb-6.1
# the ring (the producer lock, one atomic per op).
check "guest C: alloc-free on each path= (k_page_pool xdp/skb-6.1, models xdp/skb-6.1/skb-6.5)" \
	python3 - "$cjson" "$T/c.log" <<'EOF'
import json, sys
b = {x["name"]: x for x in json.load(open(sys.argv[1]))["benchmarks"] if not x.get("gbench_row")}
c = lambda n: {k: v["value"] for k, v in b[n]["counters"].items()}
kp = "alloc-free/k_page_pool/pool_size=1024,node=1,path="
assert kp + "xdp" in b and kp + "skb-6.1" in b, sorted(n for n in b if "k_page_pool" in n)
napi = [l for l in open(sys.argv[2]) if ' PBK ctx napi_pp_put_page=' in l]
assert napi, "no napi_pp_put_page ctx line"
assert (kp + "skb-6.5" in b) == ('napi_pp_put_page="exported, driven' in napi[0]), napi[0]
assert c(kp + "skb-6.1")["released"] == 0, c(kp + "skb-6.1")
m = "alloc-free/ptr_ring_pool/node=1,path="
x, r, n = c(m + "xdp"), c(m + "skb-6.1"), c(m + "skb-6.5")
assert x["recycle_cached"] > 0 and x["atomics_per_op"] < 0.1, x
assert n["recycle_cached"] > 0 and n["atomics_per_op"] < 0.1, n
assert r["recycle_ring"] > 0 and 0.9 < r["atomics_per_op"] < 1.2, r
# k_alloc_pages has one path whatever path= says: one order-0 calls=node row.
assert sum(1 for k in b if k.startswith("alloc-free/k_alloc_pages/order=0,calls=node")) == 1
EOF

# --- 5. guest D: the runner fails a guest that warns, oopses and panics --------------

run_on "$FULL" --no-json --timeout 150 --log "$T/d.log" \
	--load "mode=numa fault=warn" --load "mode=numa fault=bug" > "$T/d.out" 2> "$T/d.err"
rc=$?
check "guest D: a deliberate WARN and BUG make the runner fail (exit 1)" test $rc = 1
check "guest D: the runner names the WARNING, the BUG and the missing sentinel" \
	sh -c "grep -q 'WARNING: CPU' '$T/d.err' && grep -q 'kernel BUG at' '$T/d.err' &&
	       grep -q \"no 'PBKRUN done' sentinel\" '$T/d.err'"

# Guest D2: a kernel that crashes while booting, before /init (rdinit= names no file, so the
# kernel panics at the root mount every time): the runner boots it three times, says each retry
# with the crash line, keeps each failed log, and fails the run; the module never loaded.
run_on "$FULL" --append rdinit=/pbk-no-such-init --no-json --timeout 60 --log "$T/d2.log" \
	--load "mode=numa" > "$T/d2.out" 2> "$T/d2.err"
rc=$?
check "guest D2: a boot that crashes before /init is retried twice, said, then fails (exit 1)" \
	sh -c "[ $rc = 1 ] && [ \$(grep -c 'crashed while booting, before /init ran' '$T/d2.err') = 2 ] &&
	       grep -q 'Kernel panic' '$T/d2.err' && [ -s '$T/d2.log.boot1' ] && [ -s '$T/d2.log.boot2' ] &&
	       grep -q 'load 1 (mode=numa) failed' '$T/d2.err'"

# --- 6. guest R: trace replay in the kernel (on $FULL) ------------------------------------------

e0=$(date +%s)
# From $T, so that the records' trace:NAME is the same in both worlds (trace_as=).
"$PB" trace import "$ROOT/tests/data/traces/veth-slow.txt" -o "$T/veth-slow.pbtrace" > /dev/null &&
"$PB" trace gen slow-socket --set packets=20000 --set slow=0.1 --set tail_ns=5000000 \
	-o "$T/slow-socket.pbtrace" > /dev/null &&
/usr/bin/python3 -c "import sys; d = bytearray(open(sys.argv[1], 'rb').read()); d[5000] ^= 0x55; open(sys.argv[2], 'wb').write(d)" \
	"$T/slow-socket.pbtrace" "$T/bad.pbtrace"
check "guest R: the capture imports and a slow-socket trace generates" \
	sh -c "[ -s '$T/veth-slow.pbtrace' ] && [ -s '$T/slow-socket.pbtrace' ] && [ -s '$T/bad.pbtrace' ]"
for tr in veth-slow slow-socket; do
	"$PB" trace show "$T/$tr.pbtrace" --summary |
		sed -n 's/^events \([0-9]*\), packets \([0-9]*\),.*/\1 \2/p' > "$T/$tr.count"
done
rp="mode=replay reps=3 backends=k_page_pool,ptr_ring_pool"
(cd "$T" && run_on "$FULL" --timeout 150 --log "$T/r.log" --json "$T/r.json" \
	--trace veth-slow.pbtrace --trace slow-socket.pbtrace --trace bad.pbtrace \
	--load "$rp trace=pagebench/veth-slow.pbtrace trace_as=trace:veth-slow.pbtrace" \
	--load "$rp trace=pagebench/slow-socket.pbtrace trace_as=trace:slow-socket.pbtrace" \
	--load-fail "mode=replay trace=pagebench/bad.pbtrace") > "$T/r.out" 2> "$T/r.err"
rc=$?
check "guest R: the replay guest booted and ran cleanly (no oops, warning or leak line)" \
	sh -c "[ $rc = 0 ] && [ -s '$T/r.json' ]"
[ $rc = 0 ] || sed 's/^/     /' "$T/r.err" | tail -20
check "guest R: a corrupt trace fails the load with its byte offset and field, before any output" \
	sh -c "grep -q 'pagebench_kmod: trace: pagebench/bad.pbtrace: byte [0-9]*: block crc: mismatch' '$T/r.log' &&
	       ! sed -n '/^PBKRUN load=3 expect=/,/^PBKRUN load=3 insmod_rc=/p' '$T/r.log' | grep -q 'PBK '"
check "guest R: every replay record leaked nothing (leaked=0)" \
	sh -c "[ \$(grep -c ' PBK stats .* leaked=0 ' '$T/r.log') = 9 ] &&
	       ! grep ' PBK stats ' '$T/r.log' | grep -v ' leaked=0 '"
check "guest R: events and packets as in the trace, every frame released, none in flight at the end" \
	/usr/bin/python3 - "$T/r.json" "$T" <<'EOF'
import json, sys
b = {x["name"]: x for x in json.load(open(sys.argv[1]))["benchmarks"] if not x.get("gbench_row")}
for tr, tracks in (("veth-slow", [""]), ("slow-socket", ["/rx", "/sock"])):
    events, packets = map(int, open(f"{sys.argv[2]}/{tr}.count").read().split())
    for be, path in (("k_page_pool", "skb-6.5"), ("ptr_ring_pool", "skb-6.5"), ("null", "none")):
        names = [f"trace:{tr}.pbtrace/{be}/path={path}{t}" for t in tracks]
        assert all(n in b for n in names), (names, sorted(b))
        assert sum(b[n]["ops"] for n in names) == events, (tr, be, [b[n]["ops"] for n in names], events)
        c = {k: v["value"] for k, v in b[names[0]]["counters"].items()}
        assert c["frames_received"] == 3 * packets == c["frames_released"], (tr, be, c)
        assert c["live_packets_end"] == 0 and c["frames_dropped_nomem"] == 0, (tr, be, c)
        assert c["pool_holds_per_packet"] is not None and c["pages_in_flight_peak"] >= 1, (tr, be, c)
        if be == "k_page_pool":  # page_pool's counters give pages, not calls
            assert c["page_allocator_calls_per_packet"] is None, c
EOF
(cd "$T" && "$PB" run --alloc ptr_ring_pool --workload trace:slow-socket.pbtrace --reps 3 \
	--json "$T/u.json" > /dev/null 2>&1)
check "guest R: compare refuses userspace's replay against the guest's (emulated), unless told" \
	sh -c "! '$PB' compare '$T/u.json' '$T/r.json' > '$T/ue.cmp' 2>&1 && grep -q 'emulated guest' '$T/ue.cmp'"
check "guest R: with --allow-emulated it pairs both tracks of ptr_ring_pool and of null" \
	sh -c "'$PB' compare --allow-emulated '$T/u.json' '$T/r.json' > '$T/ue.cmp' 2>&1;
	       [ \$(grep -c '^trace:slow-socket.pbtrace/ptr_ring_pool/path' '$T/ue.cmp') = 2 ] &&
	       [ \$(grep -c '^trace:slow-socket.pbtrace/null/path=none' '$T/ue.cmp') = 2 ]"
echo "kmod-test: guest R (trace replay) took $(( $(date +%s) - e0 )) s"
full_took=$(( $(date +%s) - start ))
echo "kmod-test: the full suite on $FULL took $full_took s"

# --- 7. every other kernel: a shorter, real pass, and the pairing with the full one -----

# pairs OLD NEW: compare reads both (exit 0 or 1, never 2), every benchmark of each is paired
# (no row only in one file, none skipped), and both are emulation (TCG: no --allow-emulated).
pairs() {
	"$PB" compare "$1" "$2" --json "$T/pair.json" > "$T/pair.out" 2>&1
	rc=$?
	[ $rc = 0 ] || [ $rc = 1 ] || { echo "compare exited $rc:"; cat "$T/pair.out"; return 1; }
	python3 - "$1" "$2" "$T/pair.json" <<'EOF'
import json, sys
old, new, c = (json.load(open(f)) for f in sys.argv[1:4])
rows = lambda d: {x["name"] for x in d["benchmarks"] if not x.get("gbench_row")}
assert rows(old) == rows(new), ("unpaired", sorted(rows(old) ^ rows(new)))
assert c["only_old"] == 0 and c["only_new"] == 0 and c["skipped"] == 0 and c["dropped"] == 0, c
assert len(c["rows"]) == len(rows(old)) > 0, (len(c["rows"]), len(rows(old)))
assert all(r["verdict"] for r in c["rows"]), [r["name"] for r in c["rows"] if not r["verdict"]]
assert old["jobs"][0]["emulated"] and new["jobs"][0]["emulated"] and not c["options"]["allow_emulated"]
ko, kn = old["context"]["kernel"], new["context"]["kernel"]
assert ko.split()[1] != kn.split()[1], (ko, kn)    # two kernels, told apart by the context
EOF
}

for K in $KERNELS; do
	[ "$K" = "$FULL" ] && continue
	kstart=$(date +%s)
	echo "kmod-test: the shorter pass on $K"
	# Guest E: guest B's parameters on this kernel, so the two files hold the same benchmarks.
	"$PB" kmod run --kernel "$K" --timeout 200 --set loops=3000 --set reps=5 --set batches=5 \
		--set dma=iommu --set touch=32 > "$T/e.out" 2> "$T/e.err"
	rc=$?
	ejson=$(tail -n 1 "$T/e.out")
	elog=${ejson%.json}.log
	check "guest E ($K): pagebench kmod run --kernel succeeded and printed the JSON path last" \
		sh -c "[ $rc = 0 ] && [ -s '$ejson' ] && [ -s '$elog' ]"
	[ $rc = 0 ] || sed 's/^/     /' "$T/e.err" | tail -20
	check "guest E ($K): every k_* and shared backend, every workload: sane records, nothing leaked" \
		python3 "$T/records.py" "$ejson"
	check "guest E ($K): free-page deltas within tolerance, load/unload checks passed (and MemFree before 6.7)" \
		log_ok "$elog" "$K"
	check "guest E ($K): the record's context names this kernel's release" \
		sh -c "grep -q '\"kernel\": \"Linux $K ' '$ejson'"
	check "guest E ($K): compare of $FULL's and $K's files pairs every benchmark (both emulation)" \
		pairs "$json" "$ejson"
	check "guest E ($K): a TCG file against one said to be hardware is refused (exit 2), not paired" \
		sh -c "'$PB' kmod parse '$blog' --accel kvm --json '$T/hw.json' > /dev/null &&
		       { '$PB' compare '$T/hw.json' '$ejson' > /dev/null 2> '$T/hw.err'; [ \$? = 2 ]; } &&
		       grep -q 'emulated guest' '$T/hw.err'"

	# Guest F: the load/unload lifecycle on this kernel, and its own return paths.
	run_on "$K" --timeout 150 --log "$T/f.log" --json "$T/f.json" --load-fail "pool_size=40000" \
		--load "mode=inflight inflight=512" \
		--load "loops=1000 reps=3 backends=k_page_pool workloads=alloc-free,alloc-free-slow path=xdp,skb-6.1,skb-6.5" \
		> "$T/f.out" 2> "$T/f.err"
	rc=$?
	check "guest F ($K): booted, ran and powered off cleanly, no BUG/WARNING/Oops/leak line" test $rc = 0
	[ $rc = 0 ] || sed 's/^/     /' "$T/f.err" | tail -20
	check "guest F ($K): pool_size=40000 refused, the message names it" \
		sh -c "grep -q 'PBKRUN load=1 insmod_rc=[1-9]' '$T/f.log' &&
		       grep -q 'pagebench_kmod: pool_size=40000: must be 16..32768' '$T/f.log'"
	check "guest F ($K): a page_pool destroyed with 512 pages in flight gets them back at unload" \
		sh -c "grep -q 'PBK check name=inflight_page_pool_destroy ok=1 held=512' '$T/f.log' &&
		       grep -qE 'PBK check name=inflight_page_pool_return ok=1 returned=512 free_pages_rise=5[0-9][0-9]' '$T/f.log' &&
		       grep -q 'PBK check name=inflight_ptr_ring_pool ok=1 held=512 in_flight_at_destroy=512 in_flight_after_return=0 leaked=0' '$T/f.log'"
	check "guest F ($K): the release path leaves the pool on every packet; skb-6.5 as this kernel has it" \
		python3 - "$T/f.json" "$T/f.log" <<'EOF'
import json, sys
b = {x["name"]: x for x in json.load(open(sys.argv[1]))["benchmarks"] if not x.get("gbench_row")}
c = lambda n: {k: v["value"] for k, v in b[n]["counters"].items()}
log = open(sys.argv[2]).read()
slow = c("alloc-free-slow/k_page_pool/pool_size=1024,path=release")
# One page released per packet of the measured repetitions, on either kernel's calls.
r = b["alloc-free-slow/k_page_pool/pool_size=1024,path=release"]
assert slow["released"] == r["ops"] * r["repetitions"], (slow, r["ops"], r["repetitions"])
assert 'pp_release="' in log
kp = "alloc-free/k_page_pool/pool_size=1024,path="
if 'napi_pp_put_page="exported, driven' in log:
    assert kp + "skb-6.5" in b and c(kp + "skb-6.5")["released"] == 0, c(kp + "skb-6.5")
    assert "PBK check name=napi_pp_put_page_direct ok=1" in log
else:
    assert kp + "skb-6.5" not in b
EOF

	# Guest G: what a real host looks like to the module (no hypervisor bit): refused, then
	# loaded with i_know=1. --no-json: without the bit the log would not read as TCG.
	run_on "$K" --bare-metal --no-json --timeout 120 --log "$T/g.log" \
		--load-fail "mode=numa" --load "mode=numa i_know=1" > "$T/g.out" 2> "$T/g.err"
	rc=$?
	check "guest G ($K): bare metal without i_know=1 refused with a line naming i_know; i_know=1 loads" \
		sh -c "[ $rc = 0 ] && grep -q 'PBKRUN load=1 insmod_rc=[1-9]' '$T/g.log' &&
		       grep -q 'pagebench_kmod: i_know=0: refusing to load on what looks like a production machine (not a VM' '$T/g.log' &&
		       grep -q 'PBKRUN load=2 insmod_rc=0' '$T/g.log' && grep -q 'PBK check name=free_pages_unload ok=1' '$T/g.log'"
	echo "kmod-test: the shorter pass on $K took $(( $(date +%s) - kstart )) s"
done
[ "$(echo $KERNELS | wc -w)" -gt 1 ] || echo "kmod-test: note: only $FULL is installed: no second kernel to pair with (make kmod-deps installs 6.1 and 6.12)"

# --- 8. lifecycle on every kernel: load/unload cycles, the busy unload, bad parameters -----
for K in $KERNELS; do
	"$ROOT/tests/kmod/lifecycle.sh" "$K" || nfail=$((nfail + 1))
done
# --- 9. halfpage's 2016 copybreak on $FULL (tests/kmod/halfpage-copybreak.sh: len=, variant=) ---
"$ROOT/tests/kmod/halfpage-copybreak.sh" "$FULL" || nfail=$((nfail + 1))
echo "kmod-test: took $(( $(date +%s) - start )) s"
echo "kmod-test: $npass passed, $nfail failed"
[ "$nfail" = 0 ]

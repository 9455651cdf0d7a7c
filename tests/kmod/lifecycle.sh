#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The kernel module's lifecycle in the guest (docs/kmod.md, "Lifecycle checks"):
#   1. every class of bad parameter refused at load, one line naming it; where the check
#      is the shared one (allocators/core/kmod_param.c), the very line `pagebench kmod run
#      --set` gives before a guest boots
#   2. 100 load/unload cycles (plain, pages in flight across page_pool_destroy, page traffic
#      through the k_* and shared backends); the free pages (free + per-CPU lists, from
#      /proc/zoneinfo), MemFree and unreclaimable slab come back within stated tolerances
#   3. rmmod (and rmmod -f) while a cross-CPU run is going: refused (EBUSY, the module is
#      still in its init: delete_module takes only a MODULE_STATE_LIVE module), tried again
#      every 50 ms until the run ends and an unload succeeds
#   4. the module's own accounting (every load's free-page and in-flight checks) and a
#      kernel log free of WARN, BUG, Oops, stalled pools, poison or leak reports; the guest
#      boots with page_poison=1 and slub_debug=FZP so a use after free of a page or of a
#      slab object is reported (Debian's kernels have no kmemleak: see docs/kmod.md)
# usage: tests/kmod/lifecycle.sh [RELEASE]   RELEASE: boot that kernel (run-qemu.sh --kernel)
# Env: PB_BIN, KMOD_KO (as kmod-test.sh), LIFECYCLE_CYCLES (100), KMOD_TEST_KEEP=1.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PB=${PB_BIN:-$ROOT/build/pagebench}
RUN=$ROOT/kmod/run-qemu.sh
CYCLES=${LIFECYCLE_CYCLES:-100}
# Tolerances of the before/after comparison over all the cycles (see docs/kmod.md): how
# far the free memory may fall, and the unreclaimable slab grow, after drop_caches.
TOL_FREE_PAGES=1024	# 4 MiB: less than 1 in 10 cycles losing its 256 pages in flight
# MemFree does not count the per-CPU lists, which may end the run holding up to pcp->high
# pages per CPU more than they began with (zone_highsize: low watermark / CPUs, at least 4 x
# batch; 6.7+ auto-tunes it higher): a 6.1 guest once ended 11 MiB lower in MemFree with the
# count that sees the lists (free_pages_delta) 23 pages off. So MemFree only catches a large
# leak; free_pages_delta is the fine check. 32 MiB, as kmod-test's guest B check.
TOL_MEMFREE_KB=32768
TOL_SUNRECLAIM_KB=1024	# 1 MiB: a leaked 4 KiB object per cycle would pass it at 256 cycles
. "$ROOT/tests/kmod/guest-script.sh"
guest_script_setup lifecycle "${1:-}"

# --- the bad parameters: one per class -------------------------------------------------
# "PARAMS|EXPECTED": EXPECTED is the module's line after "pagebench_kmod: ", and "=" when
# it must also be exactly what `kmod run --set PARAMS` says (the shared parser's classes).
cat > "$T/bad" <<'EOF'
loops=abc|`abc' invalid for parameter `loops'
touch=4294967296|`4294967296' invalid for parameter `touch'
reps=-1|`-1' invalid for parameter `reps'
loops=0|=
pool_size=40000|=
handoff=3|=
cpu=-2|=
bulk=1,500|=
orders=0,1,2,3,4,5,6,7,8|=
bulk=8,,32|=
mode=bench,fast|=
fault=oops|=
path=xdp,skb-6.4|=
dma=fixed:abc|=
backends=k_alloc_pages,nope|backends=k_alloc_pages,nope: unknown name 'nope'
backends=buddy,jemalloc|backends=buddy,jemalloc: 'jemalloc' is userspace only: wraps libjemalloc, a userspace malloc
workloads=alloc-free,,bulk|=
inflight=2000|=
loops=100000000|=
outstanding=8192|=
cpu=7|cpu=7: not an online CPU (2 online)
cpu=0 cpu2=0|cpu2=0: must be an online CPU other than cpu=0
node=1|node=1: must be -1 or a NUMA node with memory (1 such nodes)
EOF
loadfail=
while IFS='|' read -r params want; do
	loadfail="$loadfail --load-fail '$params'"
done < "$T/bad"

# --- the guest's part: the cycles, the busy unload, the log scan -----------------------
cat > "$T/guest.sh" <<EOF
CYCLES=$CYCLES
EOF
cat >> "$T/guest.sh" <<'EOF'
ko=/pagebench_kmod.ko
say() { echo "PBKLC $*"; }
# Free pages as the module counts them (pbk_free.c): every zone's free plus its per-CPU lists.
freepages() { awk '$1 == "pages" && $2 == "free" { n += $3 } $1 == "count:" { n += $2 } END { print n }' /proc/zoneinfo; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# The PBK lines stay in the kernel log, scanned below, and off the slow serial console.
echo 5 > /proc/sys/kernel/printk
say "start uptime_s=$(cut -d' ' -f1 /proc/uptime)"
# What each kind of cycle loads: 1 in 10 with pages in flight, 1 in 10 with page traffic.
params() {
	case $(($1 % 10)) in
	0) echo "mode=inflight inflight=256" ;;
	5) echo "workloads=alloc-free,bulk backends=k_alloc_pages,k_page_pool,ptr_ring_pool loops=2000 reps=1 batches=1 mem=8 outstanding=256" ;;
	*) echo "workloads=for-loop backends=k_alloc_pages loops=1000 reps=1 batches=1" ;;
	esac
}
cycle() {
	insmod $ko $(params $1) ||
		{ say "cycle=$1 insmod_rc=$? params=$(params $1) said=\"$(dmesg | grep 'pagebench_kmod: ' | tail -1)\""; return 1; }
	rmmod pagebench_kmod || { say "cycle=$1 rmmod_rc=$?"; return 1; }
}
snapshot() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	sleep 1
	echo "$(freepages) $(meminfo MemFree) $(meminfo SUnreclaim)"
}
# One cycle of each kind first: the kernel's first-use allocations are not the module's.
cycle 10 && cycle 5 && cycle 1
set -- $(snapshot)
fp0=$1 mf0=$2 su0=$3
t0=$(date +%s)
ok=0 i=1
while [ $i -le $CYCLES ]; do
	cycle $i && ok=$((ok + 1))
	i=$((i + 1))
done
t1=$(date +%s)
set -- $(snapshot)
say "cycles=$CYCLES ok=$ok seconds=$((t1 - t0)) free_pages_before=$fp0 free_pages_after=$1 free_pages_delta=$(($1 - fp0)) memfree_kb_delta=$(($2 - mf0)) sunreclaim_kb_delta=$(($3 - su0))"

# rmmod while a cross-CPU run is going. Its two kthreads (pbk_alloc/0, pbk_free/1) hold both
# vCPUs in softirq for a batch at a time, so this shell runs between batches: it tries an
# unload every 50 ms from the moment the module is listed until one succeeds, noting the
# tries made while pbk_free was up and the init still running (initstate "coming").
tb=$(date +%s)
insmod $ko workloads=cross-cpu backends=k_page_pool loops=100000 reps=9 batches=5 &
pid=$!
tries=0 refused=0 refused_running=0 forced=0 unloaded=0 n=0
while [ $n -lt 1200 ]; do
	n=$((n + 1))
	if grep -q '^pagebench_kmod ' /proc/modules; then
		run=0
		grep -qs '^pbk_free' /proc/[0-9]*/comm && run=1
		state=$(cat /sys/module/pagebench_kmod/initstate 2>/dev/null)
		tries=$((tries + 1))
		if rmmod pagebench_kmod 2>/dev/null; then unloaded=1; break; fi
		refused=$((refused + 1))
		if [ $run = 1 ] && [ "$state" = coming ]; then
			refused_running=$((refused_running + 1))
			# Debian builds CONFIG_MODULE_FORCE_UNLOAD: a forced unload must not get past
			# a running init either.
			[ $forced = 0 ] && { rmmod -f pagebench_kmod 2>/dev/null && forced=2 || forced=1; }
		fi
	elif ! kill -0 $pid 2>/dev/null; then
		break
	fi
	sleep 0.05
done
wait $pid
irc=$?
gone=1
grep -q '^pagebench_kmod ' /proc/modules && gone=0
say "busy_unload seconds=$(($(date +%s) - tb)) tries=$tries refused=$refused refused_while_cross_cpu_ran=$refused_running force_tried=$forced unloaded_after_init=$unloaded insmod_rc=$irc module_gone=$gone"

# The module's accounting and the kernel's complaints, from the whole kernel log, in one
# pass (busybox under TCG is slow: a grep per count cost seconds each). The alarms and the
# failed checks are printed as they are, so the runner's own scan fails the run on them too.
dmesg | awk '
	/ PBK begin / { begins++ }
	/ PBK end failures=0/ { ends++ }
	/ PBK unloaded failures=0/ { unloads++ }
	/ PBK check name=free_pages_unload ok=1/ { unload_ok++ }
	/ PBK check name=inflight_page_pool_return ok=1/ { returns_ok++ }
	/ PBK check name=inflight_ptr_ring_pool ok=1 .* leaked=0/ { model_ok++ }
	/ PBK (error|check .*ok=0)/ { failed++; if (failed <= 20) print }
	/ PBK / { next }
	/ommand line:/ { next }
	/BUG[: ]|WARNING:|Oops|Call Trace|stalled pool|[Ll]eak|pagealloc:|Poison overwritten|corrupt|Redzone|use-after-free|refcount_t/ {
		alarms++; if (alarms <= 20) print }
	END {
		printf "PBKLC module_log begins=%d ends_clean=%d unloads_clean=%d unload_checks_ok=%d inflight_returns_ok=%d model_inflight_ok=%d failed=%d\n",
			begins, ends, unloads, unload_ok, returns_ok, model_ok, failed
		printf "PBKLC scan done alarms=%d\n", alarms
	}'
EOF

# shellcheck disable=SC2086
eval "\"$RUN\" $runargs --no-json --timeout 400 --log \"$T/serial.log\" --guest-script \"$T/guest.sh\" \
	--append 'page_poison=1 slub_debug=FZP' $loadfail" > "$T/run.out" 2> "$T/run.err"
rc=$?
L=$T/serial.log
tr -d '\r' < "$L" > "$T/s" 2>/dev/null || true
if [ $rc = 0 ]; then pass "lifecycle: guest ran, the runner found no complaint, every bad load refused (exit 0)"
else fail "lifecycle: runner exit $rc"; sed 's/^/     /' "$T/run.err" | tail -25; fi

# 1. each bad load: refused (the runner checked), with the expected line
n=0
while IFS='|' read -r params want; do
	n=$((n + 1))
	if [ "$want" = "=" ]; then
		# PB_KMOD_RUNNER=false: a value it wrongly accepted must not boot a guest.
		cli=$(PB_KMOD_RUNNER=/bin/false "$PB" kmod run $(for kv in $params; do printf -- '--set %s ' "$kv"; done) --json "$T/never.json" 2>&1 >/dev/null)
		crc=$?
		want=${cli#pagebench: kmod run: --set }
		if [ $crc != 2 ] || [ "$want" = "$cli" ] || [ -e "$T/never.json" ]; then
			fail "bad $params: kmod run did not refuse it before booting (exit $crc: $cli)"
			continue
		fi
	fi
	got=$(sed -n "/^PBKRUN load=$n expect=/,/^PBKRUN load=$n insmod_rc=/p" "$T/s" |
		grep -v 'taint' | sed -n 's/^\[ *[0-9.]*\] //; s/^pagebench_kmod: //p' | head -1)
	if [ "$got" = "$want" ]; then pass "bad $params: refused at load: $want"
	else fail "bad $params: the module said '$got', expected '$want'"; fi
done < "$T/bad"

# 2. the cycles
line=$(grep '^PBKLC cycles=' "$T/s")
echo "     $line"
field() { printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
if [ -n "$line" ] && [ "$(field ok)" = "$CYCLES" ]; then pass "cycles: $CYCLES loads and unloads, every one succeeded"
else fail "cycles: $(field ok) of $CYCLES succeeded"; grep '^PBKLC cycle=' "$T/s" | head -5; fi
# check_tol FIELD SIGN TOL: SIGN*FIELD (a fall of free memory, a growth of slab) at most TOL.
check_tol() {
	v=$(field "$1")
	if [ -n "$v" ] && [ $(($2 * v)) -le "$3" ]; then pass "cycles: $1=$v (limit $(($2 * $3)))"
	else fail "cycles: $1='$v' beyond $(($2 * $3))"; fi
}
check_tol free_pages_delta -1 $TOL_FREE_PAGES
# MemFree only before 6.7: PCP high auto-tuning ("mm: tune PCP high automatically") lets the
# per-CPU lists keep tens of MiB after the cycles, which MemFree does not count (kmod-test.sh's
# log_ok says the same); free_pages_delta, which counts the lists, stays the leak check.
case $rel in
[0-5].*|6.[0-6].*|6.[0-6]) check_tol memfree_kb_delta -1 $TOL_MEMFREE_KB ;;
*) echo "note: $rel: MemFree not checked (PCP auto-tuning, 6.7+): memfree_kb_delta=$(field memfree_kb_delta)" ;;
esac
check_tol sunreclaim_kb_delta 1 $TOL_SUNRECLAIM_KB

# 3. the busy unload
line=$(grep '^PBKLC busy_unload ' "$T/s")
echo "     $line"
if [ "$(field refused_while_cross_cpu_ran)" -ge 1 ] 2>/dev/null && [ "$(field force_tried)" = 1 ] &&
	[ "$(field unloaded_after_init)" = 1 ] && [ "$(field insmod_rc)" = 0 ] && [ "$(field module_gone)" = 1 ]; then
	pass "busy unload: rmmod and rmmod -f refused (EBUSY) $(field refused_while_cross_cpu_ran) times while the cross-CPU run went on; the load finished, then the unload worked"
else
	fail "busy unload: $line"
fi

# 4. the module's own accounting over every load that ran
line=$(grep '^PBKLC module_log ' "$T/s")
echo "     $line"
loads=$((CYCLES + 3 + 1))	# the cycles, the three warm-ups, the busy one
inflight=$((CYCLES / 10 + 1))
if [ "$(field begins)" = $loads ] && [ "$(field ends_clean)" = $loads ] && [ "$(field unloads_clean)" = $loads ] &&
	[ "$(field unload_checks_ok)" = $loads ] && [ "$(field inflight_returns_ok)" = $inflight ] &&
	[ "$(field model_inflight_ok)" = $inflight ] && [ "$(field failed)" = 0 ]; then
	pass "module accounting: $loads loads, every unload's free-page check and all $inflight in-flight returns passed"
else
	fail "module accounting: expected $loads loads, $inflight in-flight returns: $line"
fi
if grep -q '^PBKLC scan done alarms=0' "$T/s"; then pass "kernel log scanned: no WARN/BUG/Oops/stalled pool/poison/leak line"
else fail "the guest did not finish its kernel log scan"; fi

echo "lifecycle: took $(( $(date +%s) - start )) s ($(grep -o 'guest finished in [0-9]*s' "$T/run.err"))"
echo "lifecycle: $npass passed, $nfail failed"
[ "$nfail" = 0 ]

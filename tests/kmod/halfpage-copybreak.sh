#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# halfpage's 2016 copybreak in the kernel (docs/kmod.md, len= and variant=): the module's
# halfpage rows do the work userspace's rows of the same name do. One guest boot:
#   1. len= and variant= values the shared workloads and halfpage refuse: `kmod run --set`
#      refuses them before a guest boots (exit 2) and the module at load, in the same words
#   2. alloc-free on halfpage at len=256 (ixgbe's IXGBE_RX_HDR_SIZE: copied into the skb
#      head, the page kept with its refcount untouched: no atomic) and len=257 (the half
#      goes to the stack: page_ref_inc and the stack's put, two atomics), variant=2016,
#      and the bias variant at len=256 (no copybreak: the stack's put, one atomic); every
#      frame served by a page the slot already had, none let go, nothing leaked
#   3. the same rows from userspace's `pagebench run --alloc halfpage --set variant=2016
#      --set len=N` have the same names and the same counters per operation
# usage: tests/kmod/halfpage-copybreak.sh [RELEASE]   (run-qemu.sh --kernel; default the newest)
# Env: PB_BIN, KMOD_TEST_KEEP=1 (keep the work directory). No assertion is about speed.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PB=${PB_BIN:-$ROOT/build/pagebench}
. "$ROOT/tests/kmod/guest-script.sh"
guest_script_setup halfpage-copybreak "${1:-}"

# Each bad value: refused by `kmod run --set` before a guest boots (PB_KMOD_RUNNER=/bin/false:
# a value it wrongly accepted boots nothing), its words kept to compare with the module's.
BAD="len=59 len=2049 variant=2017 variant=bias,,2016"
: > "$T/bad"
for kv in $BAD; do
	cli=$(PB_KMOD_RUNNER=/bin/false "$PB" kmod run --set "$kv" --json "$T/never.json" 2>&1 >/dev/null)
	crc=$?
	want=${cli#pagebench: kmod run: --set }
	if [ $crc = 2 ] && [ "$want" != "$cli" ] && [ ! -e "$T/never.json" ]; then
		pass "bad $kv: kmod run refused it before booting: $want"
	else
		fail "bad $kv: kmod run did not refuse it before booting (exit $crc: $cli)"
	fi
	echo "$kv|$want" >> "$T/bad"
done

common="backends=halfpage workloads=alloc-free loops=2000 reps=3 batches=5"
loadfail=
for kv in $BAD; do loadfail="$loadfail --load-fail $kv"; done
# shellcheck disable=SC2086
"$ROOT/kmod/run-qemu.sh" $runargs --timeout 150 --log "$T/serial.log" --json "$T/k.json" $loadfail \
	--load "$common variant=bias,2016 len=256" --load "$common variant=2016 len=257" \
	> "$T/run.out" 2> "$T/run.err"
rc=$?
if [ $rc = 0 ] && [ -s "$T/k.json" ]; then pass "guest ($rel): booted, ran and powered off cleanly, every bad load refused"
else fail "guest ($rel): runner exit $rc"; sed 's/^/     /' "$T/run.err" | tail -20; fi

# 1. the module's line for each bad load (loads 1..4, in $BAD order) is the CLI's
tr -d '\r' < "$T/serial.log" > "$T/s" 2>/dev/null || true
n=0
while IFS='|' read -r kv want; do
	n=$((n + 1))
	got=$(sed -n "/^PBKRUN load=$n expect=/,/^PBKRUN load=$n insmod_rc=/p" "$T/s" |
		grep -v 'taint' | sed -n 's/^\[ *[0-9.]*\] //; s/^pagebench_kmod: //p' | head -1)
	if [ "$got" = "$want" ]; then pass "bad $kv: refused at load in the CLI's words"
	else fail "bad $kv: the module said '$got', expected '$want'"; fi
done < "$T/bad"

# 2. the kernel's rows: the copybreak's work, from the counters the shared backend keeps
check_rows() {
	/usr/bin/python3 - "$@" <<'EOF'
import json, sys
rows = {x["name"]: x for x in json.load(open(sys.argv[1]))["benchmarks"]
        if not x.get("gbench_row") and x.get("alloc") == "halfpage"}
# name: atomics per frame (2016 at 256: copied, none; at 257: page_ref_inc + the stack's put;
# bias: the stack's put, its references prepaid)
want = {"alloc-free/halfpage/variant=2016,len=256,path=skb": 0,
        "alloc-free/halfpage/variant=2016,len=257,path=skb": 2,
        "alloc-free/halfpage/len=256,path=skb": 1}
assert set(rows) == set(want), sorted(rows)
for name, atomics in want.items():
    r = rows[name]
    c = {k: v["value"] for k, v in r["counters"].items()}
    frames = r["ops"] * r["repetitions"]
    assert c["atomics"] == atomics * frames, (name, c["atomics"], frames)
    # every frame into the slot's own page and kept (copied or flipped), none let go
    assert c["alloc_fast"] == frames and c["recycle_cached"] == frames, (name, c, frames)
    assert c["alloc_slow"] == 0 and c["released"] == 0 and c["recycle_refcnt"] == 0, (name, c)
    assert c.get("leaked_pages", 0) == 0, (name, c)
EOF
}
if check_rows "$T/k.json" > "$T/rows.out" 2>&1; then
	pass "guest ($rel): 2016 at len=256 copies (0 atomics per frame), at len=257 flips (2), bias at 256 puts (1); every frame kept, none leaked"
else
	fail "guest ($rel): the halfpage rows"; sed 's/^/     /' "$T/rows.out" | tail -8
fi

# 3. userspace's rows of the same parameters: the same names, the same work per frame
u() {
	"$PB" run --alloc halfpage --workload alloc-free --reps 3 --ops 2000 --no-baselines \
		--events none "$@" > /dev/null 2>&1
}
u --set variant=2016 --set len=256 --json "$T/u1.json" &&
	u --set variant=2016 --set len=257 --json "$T/u2.json" &&
	u --set len=256 --json "$T/u3.json"
urc=$?
same_work() {
	/usr/bin/python3 - "$@" <<'EOF'
import json, sys
def rows(f):
    return {x["name"]: x for x in json.load(open(f))["benchmarks"]
            if not x.get("gbench_row") and x.get("alloc") == "halfpage"}
k = rows(sys.argv[1])
u = {}
for f in sys.argv[2:]:
    u.update(rows(f))
assert set(u) == set(k), ("unpaired", sorted(set(u) ^ set(k)))
for name in k:
    per = lambda r, key: r["counters"][key]["value"] / (r["ops"] * r["repetitions"])
    for key in ("atomics", "alloc_fast", "alloc_slow", "recycle_cached", "recycle_refcnt", "released"):
        assert per(k[name], key) == per(u[name], key), (name, key, per(k[name], key), per(u[name], key))
EOF
}
if [ $urc = 0 ] && same_work "$T/k.json" "$T/u1.json" "$T/u2.json" "$T/u3.json" > "$T/same.out" 2>&1; then
	pass "userspace's halfpage rows have the kernel's names and the same counters per frame"
else
	fail "userspace against the kernel (userspace runs exit $urc)"; sed 's/^/     /' "$T/same.out" | tail -8
fi

echo "halfpage-copybreak: took $(( $(date +%s) - start )) s"
echo "halfpage-copybreak: $npass passed, $nfail failed"
[ "$nfail" = 0 ]

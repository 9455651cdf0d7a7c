#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Records a real page_pool under traffic, for `pagebench trace import` (docs/traces.md).
#
# Usage: scripts/capture-veth.sh -o OUT.txt [--mode prompt|slow|drop|pressured] [--count N]
#                                [--timeout S] [--size BYTES] [--slow-sleep S] [--gro] [--kmem]
#
# Builds two network namespaces joined by a veth pair (pbcapA/pbcap0 <-> pbcapB/pbcap1),
# attaches a two-instruction XDP program to the receiving end (so veth's NAPI runs a real
# page_pool), sends N UDP datagrams from A to B (python3, bounded by --count and --timeout;
# the traffic never leaves the two namespaces), records the tracepoints the importer uses
# with perf, writes `perf script` text to OUT and removes everything it made (trap).
#   prompt  XDP_PASS, a receiver reading as datagrams arrive
#   slow    XDP_PASS, a receiver that sleeps --slow-sleep seconds before it reads
#   drop    XDP_DROP, no receiver
#   pressured  XDP_PASS, full-page frames (--size 1472 by default) held by a receiver that never
#           reads (SO_RCVBUFFORCE 64 MiB) until all N are queued and --slow-sleep has passed,
#           then closes its socket (each queued skb freed by kfree_skb: traced, in process
#           context); sender on CPU 0, receiver on CPU 1; one unrecorded round of the same
#           shape first, so the pool is warm as a replay's measured repetitions are
# --gro adds net:napi_gro_receive_entry (long lines), --kmem the system-wide page allocator
# events (large: every page any process allocates while perf runs).
# Needs root, veth, network namespaces, tracefs, clang (-target bpf), iproute2, perf and
# python3; exit 2 with the reason when something is missing (77 from --probe: skip).
set -euo pipefail

out="" mode=prompt count=500 timeout=10 size=200 slow_sleep=0.5 probe=0 gro=0 kmem=0 size_set=0
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--count) count=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--size) size=$2; size_set=1; shift 2 ;;
	--slow-sleep) slow_sleep=$2; shift 2 ;;
	--probe) probe=1; shift ;;
	--gro) gro=1; shift ;;
	--kmem) kmem=1; shift ;;
	-h|--help) sed -n '3,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "capture-veth: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
die() { echo "capture-veth: $*" >&2; exit "${2:-2}"; }
case "$mode" in prompt|slow|drop|pressured) ;; *) die "--mode $mode: must be prompt, slow, drop or pressured" ;; esac
case "$count" in ''|*[!0-9]*) die "--count $count: not a number" ;; esac
[ "$count" -ge 1 ] && [ "$count" -le 100000 ] || die "--count $count: must be 1..100000"
# pressured: 1472-byte payloads make 1514-byte frames, whose copy (skb_pp_cow_data: 1536 +
# skb_shared_info + 256 headroom > PAGE_SIZE / 2) takes a whole page_pool page, not a fragment.
[ "$mode" = pressured ] && [ "$size_set" = 0 ] && size=1472

# What this machine lacks, as one reason; --probe exits 77 with it (the test skips).
missing() {
	[ "$(id -u)" = 0 ] || { echo "not root"; return; }
	for t in ip clang perf python3; do
		command -v "$t" >/dev/null || { echo "no $t (Debian: scripts/install-deps.sh clang linux-perf iproute2)"; return; }
	done
	[ -e /usr/include/linux/bpf.h ] || { echo "no linux/bpf.h (Debian: linux-libc-dev)"; return; }
	if [ ! -e /sys/kernel/tracing/events ]; then
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || { echo "tracefs not available"; return; }
	fi
	[ -e /sys/kernel/tracing/events/page_pool ] || { echo "kernel has no page_pool tracepoints"; return; }
	ip netns add pbcap-probe 2>/dev/null || { echo "cannot create network namespaces"; return; }
	ip netns del pbcap-probe
	ip link add pbcap-p0 type veth peer name pbcap-p1 2>/dev/null || { echo "no veth"; return; }
	ip link del pbcap-p0
}
why=$(missing)
if [ -n "$why" ]; then
	[ "$probe" = 1 ] && { echo "$why"; exit 77; }
	die "$why"
fi
[ "$probe" = 1 ] && { echo "ok"; exit 0; }
[ -n "$out" ] || die "no -o OUT given"

work=$(mktemp -d /tmp/pbcap.XXXXXX)
cleanup() {
	ip netns del pbcapA 2>/dev/null || true
	ip netns del pbcapB 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
ip netns del pbcapA 2>/dev/null || true
ip netns del pbcapB 2>/dev/null || true

action=XDP_PASS
[ "$mode" = drop ] && action=XDP_DROP
cat > "$work/xdp.c" <<C
#include <linux/bpf.h>
__attribute__((section("xdp"), used)) int pb_xdp(struct xdp_md *ctx) { return $action; }
__attribute__((section("license"), used)) char pb_license[] = "GPL";
C
clang -O2 -target bpf -I/usr/include/"$(uname -m)"-linux-gnu -c "$work/xdp.c" -o "$work/xdp.o" ||
	die "clang -target bpf failed"

ip netns add pbcapA
ip netns add pbcapB
ip link add pbcap0 netns pbcapA type veth peer name pbcap1 netns pbcapB
ip -n pbcapA addr add 10.201.0.1/24 dev pbcap0
ip -n pbcapB addr add 10.201.0.2/24 dev pbcap1
ip -n pbcapA link set pbcap0 up
ip -n pbcapB link set pbcap1 up
ip -n pbcapA link set lo up
ip -n pbcapB link set lo up
# Static neighbours: no ARP exchange in the capture.
macB=$(ip -n pbcapB -o link show pbcap1 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
macA=$(ip -n pbcapA -o link show pbcap0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
ip -n pbcapA neigh replace 10.201.0.2 lladdr "$macB" dev pbcap0 nud permanent
ip -n pbcapB neigh replace 10.201.0.1 lladdr "$macA" dev pbcap1 nud permanent
ip -n pbcapB link set dev pbcap1 xdpgeneric off 2>/dev/null || true
ip -n pbcapB link set dev pbcap1 xdpdrv obj "$work/xdp.o" sec xdp ||
	die "could not attach the XDP program in driver mode to veth"
# veth's peer needs NAPI-capable XDP: the sender's end gets its GRO on for veth_xdp_rcv.
ip netns exec pbcapA ethtool -K pbcap0 gro on >/dev/null 2>&1 || true

cat > "$work/send.py" <<'PY'
import socket, sys, time
n, size, limit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload = b"p" * size
end = time.monotonic() + limit
for i in range(n):
    if time.monotonic() > end:
        break
    s.sendto(payload, ("10.201.0.2", 9999))
    if i % 32 == 31:
        time.sleep(0.0005)   # spread the datagrams over several NAPI polls
PY
# pressured: hold everything, then close (the queue purge frees each skb with kfree_skb).
cat > "$work/hold.py" <<'PY'
import os, socket, sys, time
sleep, limit, ready = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)   # SO_RCVBUFFORCE: above rmem_max (root)
s.bind(("10.201.0.2", 9999))
open(ready, "w").close()
end = time.monotonic() + limit
while not os.path.exists(ready + ".sent") and time.monotonic() < end:
    time.sleep(0.01)
time.sleep(sleep)
with open("/proc/net/udp") as f:    # rx_queue of our socket, in bytes of truesize
    q = [l.split()[4] for l in f if ":270F " in l.split()[1] + " "]
open(ready + ".got", "w").write("0 (it held %d bytes of truesize, then closed)" % (int(q[0].split(":")[1], 16) if q else 0))
s.close()
PY
cat > "$work/recv.py" <<'PY'
import socket, sys, time
n, sleep, limit = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind(("10.201.0.2", 9999))
open(sys.argv[4], "w").close()          # ready
time.sleep(sleep)
s.settimeout(0.5)
got, end = 0, time.monotonic() + limit
while got < n and time.monotonic() < end:
    try:
        s.recv(65536)
        got += 1
    except socket.timeout:
        pass
open(sys.argv[4] + ".got", "w").write(str(got))
PY

events="-e net:netif_receive_skb -e skb:consume_skb -e skb:kfree_skb -e skb:skb_copy_datagram_iovec"
events="$events -e napi:napi_poll -e xdp:xdp_redirect -e xdp:xdp_exception -e xdp:mem_connect"
events="$events -e page_pool:page_pool_state_hold -e page_pool:page_pool_state_release"
[ "$gro" = 1 ] && events="$events -e net:napi_gro_receive_entry"
[ "$kmem" = 1 ] && events="$events -e kmem:mm_page_alloc -e kmem:mm_page_free"
recv_pid=""
send="ip netns exec pbcapA python3 '$work/send.py' '$count' '$size' '$timeout'"
if [ "$mode" = pressured ]; then
	# NAPI runs in the sender's softirq (veth_xmit schedules it on the sending CPU); the
	# receiver's frees then come from another CPU, in process context, as a slow reader's do.
	cpus=$(nproc)
	[ "$cpus" -ge 2 ] || die "--mode pressured needs two CPUs (NAPI on one, the reader on the other)"
	send="taskset -c 0 $send"
	# One round: a holding receiver on CPU 1, the sender, then wait for the close.
	start_holder() {
		rm -f "$work/ready" "$work/ready.sent"
		ip netns exec pbcapB taskset -c 1 python3 "$work/hold.py" "$slow_sleep" "$timeout" "$work/ready" &
		recv_pid=$!
		for _ in $(seq 50); do [ -e "$work/ready" ] && break; sleep 0.1; done
		[ -e "$work/ready" ] || die "the receiver did not start"
	}
	start_holder	# the warm-up round, not recorded: the pool reaches the state it keeps
	sh -c "$send; touch '$work/ready.sent'; while kill -0 $recv_pid 2>/dev/null; do sleep 0.05; done"
	wait "$recv_pid" 2>/dev/null || true
	start_holder
	send="$send; touch '$work/ready.sent'"
elif [ "$mode" != drop ]; then
	sleep_s=0
	[ "$mode" = slow ] && sleep_s=$slow_sleep
	ip netns exec pbcapB python3 "$work/recv.py" "$count" "$sleep_s" "$timeout" "$work/ready" &
	recv_pid=$!
	for _ in $(seq 50); do [ -e "$work/ready" ] && break; sleep 0.1; done
	[ -e "$work/ready" ] || die "the receiver did not start"
fi
# perf records system-wide while the sender (and the receiver's reads) run, then stops.
perf record -q -a -o "$work/perf.data" $events -- \
	sh -c "$send; \
	       ${recv_pid:+while kill -0 $recv_pid 2>/dev/null; do sleep 0.05; done;} sleep 0.2" \
	>/dev/null 2>"$work/perf.err" || { cat "$work/perf.err" >&2; die "perf record failed"; }
[ -n "$recv_pid" ] && wait "$recv_pid" 2>/dev/null || true
perf script -i "$work/perf.data" -F comm,pid,cpu,time,event,trace > "$work/script.txt" 2>/dev/null ||
	die "perf script failed"
# Keep this run's packets: the pbcap devices' events, and the skb/page events around them.
grep -v -E 'dev=(lo|eth[0-9]*|en[a-z0-9]*) |for device (lo|eth[0-9]*|en[a-z0-9]*) ' "$work/script.txt" > "$out"
got=""
[ -e "$work/ready.got" ] && got=", the receiver read $(cat "$work/ready.got") of $count datagrams"
echo "capture-veth: $mode: $(wc -l < "$out") lines in $out$got"

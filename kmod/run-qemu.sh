#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs pagebench_kmod for real: builds it against Debian's kernel headers, packs a busybox
# initramfs whose /init loads the module (once per --load), prints the kernel log to the
# serial console, unloads it and powers off; boots Debian's own kernel under qemu (KVM when a
# probe shows it works, else TCG),
# checks the serial log, and converts the results to JSON beside the userspace ones.
# The last line on stdout is the JSON file (or, with --no-json, the serial log).
#
# usage: kmod/run-qemu.sh [--kernel RELEASE]... [--numa] [--load PARAMS]... [--load-fail PARAMS]...
#                         [--timeout S] [--accel auto|tcg|kvm] [--log FILE] [--json FILE | --no-json]
#                         [--ko FILE] [--no-build] [--bare-metal] [--trace FILE]... [param=value...]
# Trailing param=value words are one --load. --kernel (a release, or a prefix such as 6.12)
# picks the guest kernel; default: every Debian kernel with headers (kmod/kdir.sh --releases),
# one boot each, one last line each (with --json, --log or --ko: the newest kernel only).
# --bare-metal hides the CPUID hypervisor bit, so the guest looks like a real host to the
# module's production guard (i_know=). --trace FILE puts a trace into the guest as firmware
# pagebench/BASENAME (load it with mode=replay trace=pagebench/BASENAME). Figures measured
# under TCG are emulation: they show that the code works, not what it costs on hardware.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PB=${PB_BIN:-$ROOT/build/pagebench}
KO=${KMOD_KO:-}
RESULTS=${RESULTS:-$ROOT/results}
KDIR=${KDIR:-}
NUMA=0
CPU=max
ACCEL=auto
TIMEOUT=240
BUILD=1
JSON=
LOG=
NOJSON=0
LOADS=
PARAMS=
TRACES=

die() { echo "run-qemu: $*" >&2; exit 2; }
say() { echo "run-qemu: $*" >&2; }

add_load() {
	LOADS="$LOADS$1 $2
"
}

# The arguments, parsed and checked before a kernel is looked for: bad input is refused on a
# machine without the kernels too (and before any build or boot).
parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--numa) NUMA=1 ;;
		--bare-metal) CPU=max,hypervisor=off ;;
		--load) [ $# -ge 2 ] || die "--load needs PARAMS"; add_load ok "$2"; shift ;;
		--load-fail) [ $# -ge 2 ] || die "--load-fail needs PARAMS"; add_load fail "$2"; shift ;;
		--kernel) [ $# -ge 2 ] || die "--kernel needs a release (kmod/kdir.sh --releases lists them)"; shift ;;
		--timeout) [ $# -ge 2 ] || die "--timeout needs seconds"; TIMEOUT=$2; shift ;;
		--accel) [ $# -ge 2 ] || die "--accel needs auto, tcg or kvm"; ACCEL=$2; shift ;;
		--log) [ $# -ge 2 ] || die "--log needs a file"; LOG=$2; shift ;;
		--json) [ $# -ge 2 ] || die "--json needs a file"; JSON=$2; shift ;;
		--no-json) NOJSON=1 ;;
		--ko) [ $# -ge 2 ] || die "--ko needs a file"; KO=$2; BUILD=0; shift ;;
		--no-build) BUILD=0 ;;
		--trace) [ $# -ge 2 ] && [ -r "$2" ] || die "--trace needs a readable trace file"; TRACES="$TRACES $2"; shift ;;
		# --guest-script FILE: a sh script the guest runs after the loads, with the module at
		# /pagebench_kmod.ko (tests/kmod/lifecycle.sh); no default load is added for it.
		# --append ARGS: more kernel command line. Both only add; the checks below still run.
		--guest-script) [ $# -ge 2 ] && [ -r "$2" ] || die "--guest-script needs a readable file"; GUEST=$2; shift ;;
		--append) [ $# -ge 2 ] || die "--append needs kernel arguments"; XAPPEND="${XAPPEND:-} $2"; shift ;;
		--help|-h) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
		--) ;;
		*=*) PARAMS="$PARAMS $1" ;;
		*) die "unknown argument '$1' (try --help)" ;;
		esac
		shift
	done
	case $ACCEL in auto|tcg|kvm) ;; *) die "--accel $ACCEL: must be auto, tcg or kvm" ;; esac
	case $TIMEOUT in ''|*[!0-9]*) die "--timeout $TIMEOUT: must be whole seconds" ;; esac
}
parse_args "$@"

# The kernels. The rest of this script boots one (PBK_KERNEL=<release>, or KDIR's); for
# several it runs itself once per kernel, in turn, and exits with the worst status.
if [ -z "${PBK_KERNEL:-}" ]; then
	want=
	one=
	prev=
	for a in "$@"; do
		[ "$prev" = --kernel ] && want="$want $a"
		case $a in --json|--log|--ko) one=$a ;; --help|-h) want=none ;; esac
		prev=$a
	done
	if [ -z "$want" ] && [ -z "$KDIR" ]; then
		# --json/--log/--ko name one file: then the newest kernel alone, as before --kernel.
		want=$("$ROOT/kmod/kdir.sh" --releases | { [ -n "$one" ] && head -n 1 || cat; })
		[ -n "$want" ] || die "no Debian kernel with headers and a vmlinuz (make kmod-deps installs the headers and fetches the kernels of 6.1 and 6.12)"
	fi
	rels=
	if [ -n "$want" ] && [ "$want" != none ]; then
		for w in $want; do
			d=$("$ROOT/kmod/kdir.sh" "$w" 2>&1) || die "${d#kdir: }"
			rels="$rels ${d#/usr/src/linux-headers-}"
		done
	fi
	n=$(echo $rels | wc -w)
	if [ "$n" -gt 1 ]; then
		[ -z "$one" ] || die "$one names one file: give one --kernel (kernels: $(echo $rels))"
		worst=0
		for r in $rels; do
			say "kernel $r"
			PBK_KERNEL=$r "$0" "$@" || { rc=$?; [ $rc -gt $worst ] && worst=$rc; }
		done
		exit $worst
	fi
	if [ "$n" = 1 ]; then PBK_KERNEL=$(echo $rels); fi
fi

[ -n "$PARAMS" ] && add_load ok "$PARAMS"
[ -n "$LOADS" ] || [ -n "${GUEST:-}" ] || add_load ok ""

# The module and the kernel must match: both come from the same Debian release.
[ -z "${PBK_KERNEL:-}" ] || KDIR=/usr/src/linux-headers-$PBK_KERNEL
[ -n "$KDIR" ] || KDIR=$("$ROOT/kmod/kdir.sh")
[ -n "$KDIR" ] || die "no Debian kernel headers with a matching vmlinuz (make kmod-deps)"
# utsrelease.h, not kernel.release: Debian's headers put the upstream version in the latter.
REL=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$KDIR/include/generated/utsrelease.h" 2>/dev/null)
[ -n "$REL" ] || die "$KDIR: not a kernel headers directory (no include/generated/utsrelease.h)"
VMLINUZ=$("$ROOT/kmod/kdir.sh" --vmlinuz "$REL" 2>/dev/null) ||
	die "vmlinuz-$REL: not in /boot or ${PB_KERNEL_CACHE:-/var/cache/pagebench/kernels} (the guest kernel for $KDIR; make kmod-deps)"
BUSYBOX=$(command -v busybox || true)
[ -x /bin/busybox ] && BUSYBOX=/bin/busybox
[ -n "$BUSYBOX" ] || die "busybox not found (apt-get install busybox-static)"
# The initramfs has no libc: a dynamically linked busybox would not even start.
LC_ALL=C ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic executable' ||
	die "$BUSYBOX is not statically linked (apt-get install busybox-static)"

if [ "$BUILD" = 1 ]; then
	say "building the module against $KDIR"
	make -s -C "$ROOT" kmod KDIR="$KDIR" >&2 || die "module build failed"
fi
[ -n "$KO" ] || KO=$ROOT/build/kmod/$REL/pagebench_kmod.ko
[ -r "$KO" ] || die "$KO: no module (run make kmod KDIR=$KDIR)"
modinfo -F vermagic "$KO" | grep -q "^$REL " || die "$KO was not built for $REL"
# The kernel ignores an unknown module parameter with a warning: refuse it here instead.
known=$(modinfo -F parm "$KO" | sed 's/:.*//')
printf '%s' "$LOADS" | while read -r expect params; do
	[ "$expect" = ok ] || continue
	for kv in $params; do
		printf '%s\n' "$known" | grep -qx "${kv%%=*}" ||
			die "unknown module parameter '${kv%%=*}' (known: $(echo $known))"
	done
done

stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS"
[ -n "$LOG" ] || LOG=$RESULTS/kmod-$stamp-$REL.log
[ -n "$JSON" ] || JSON=$RESULTS/kmod-$stamp-$REL.json
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pbk-qemu.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

# The initramfs: busybox, the module, the list of loads and an /init that runs them.
# Debian's kernel carries /dev/console in its built-in initramfs, so none is needed here.
mkdir -p "$WORK/root/bin"
cp "$BUSYBOX" "$WORK/root/bin/busybox"
cp "$KO" "$WORK/root/pagebench_kmod.ko"
printf '%s' "$LOADS" > "$WORK/root/loads"
# Traces for mode=replay: the module reads them with the firmware loader (docs/kmod.md).
for t in $TRACES; do
	mkdir -p "$WORK/root/lib/firmware/pagebench"
	cp "$t" "$WORK/root/lib/firmware/pagebench/$(basename "$t")"
done
[ -z "${GUEST:-}" ] || cp "$GUEST" "$WORK/root/guest.sh"
cat > "$WORK/root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
hostname pagebench-guest
memfree() { awk '/^MemFree:/ { print $2 }' /proc/meminfo; }
echo "PBKRUN boot release=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) memfree_kb=$(memfree)"
# From here every kernel message reaches the console as it is printed.
echo 8 > /proc/sys/kernel/printk
n=0
while read -r expect params; do
	n=$((n + 1))
	before=$(memfree)
	echo "PBKRUN load=$n expect=$expect params=$params"
	insmod /pagebench_kmod.ko $params
	rc=$?
	echo "PBKRUN load=$n insmod_rc=$rc"
	if [ $rc -eq 0 ]; then
		f=/sys/kernel/debug/pagebench_kmod/results
		[ -r $f ] && echo "PBKRUN load=$n debugfs_lines=$(wc -l < $f)"
		rmmod pagebench_kmod
		echo "PBKRUN load=$n rmmod_rc=$?"
	fi
	echo "PBKRUN load=$n memfree_kb_before=$before memfree_kb_after=$(memfree)"
done < /loads
[ -f /guest.sh ] && sh /guest.sh
echo "PBKRUN done"
poweroff -f
EOF
chmod +x "$WORK/root/init"
(cd "$WORK/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initrd.gz"

if [ "$NUMA" = 1 ]; then
	MACHINE="-m 1G -smp 2,sockets=2,cores=1,threads=1
		-object memory-backend-ram,id=m0,size=512M -numa node,nodeid=0,cpus=0,memdev=m0
		-object memory-backend-ram,id=m1,size=512M -numa node,nodeid=1,cpus=1,memdev=m1"
else
	MACHINE="-m 1G -smp 2"
fi
# init_on_alloc=0: Debian zeroes every allocated page by default, which would be measured.
# oops=panic + panic=-1 + -no-reboot: a crash ends the run at once instead of at the timeout.
APPEND="console=ttyS0 quiet panic=-1 oops=panic init_on_alloc=0 log_buf_len=4M${XAPPEND:-}"

# KVM when it works, TCG otherwise. "Works" is proved, not assumed: a KVM boot of the same
# kernel without an initramfs must reach its root-mount panic within a few seconds (on some
# hosts /dev/kvm exists but crawls or aborts). The verdict is kept per kernel in
# $PB_ACCEL_CACHE (default build/kmod/accel-<release>), so the probe runs once.
if [ "$ACCEL" = auto ]; then
	CACHE=${PB_ACCEL_CACHE:-$ROOT/build/kmod/accel-$REL}
	if [ -r "$CACHE" ]; then
		ACCEL=$(cat "$CACHE")
	else
		ACCEL=tcg
		if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
			set +e
			timeout 8 qemu-system-x86_64 -accel kvm -cpu host -m 256M -smp 1 -nic none \
				-display none -vga none -serial "file:$WORK/probe" -monitor none -no-reboot \
				-kernel "$VMLINUZ" -append "console=ttyS0 panic=-1" </dev/null >/dev/null 2>&1
			set -e
			grep -q 'Kernel panic' "$WORK/probe" 2>/dev/null && ACCEL=kvm
		fi
		mkdir -p "$(dirname "$CACHE")" && echo "$ACCEL" > "$CACHE" || true
		say "KVM probe: using $ACCEL (cached in $CACHE)"
	fi
fi
say "booting $VMLINUZ ($ACCEL$( [ "$NUMA" = 1 ] && echo ', two NUMA nodes'), timeout ${TIMEOUT}s); serial log: $LOG"
# A kernel that crashes before /init prints "PBKRUN boot" has not loaded the module yet: that is
# the emulator's or the kernel's boot failing, not a result. Seen in CI: 6.12 under multi-threaded
# TCG, "Oops: int3" in interrupt context at 1.3 s of boot (an INT3 text-patching site met by the
# other vCPU), once in many boots. Such a boot is retried, at most twice, and said on stderr with
# its first complaint; its serial log is kept as LOG.bootN. Any crash after "PBKRUN boot" fails.
attempt=1
while :; do
	t0=$(date +%s)
	set +e
	# shellcheck disable=SC2086
	timeout "$TIMEOUT" qemu-system-x86_64 -accel "$ACCEL" -cpu "$CPU" $MACHINE -nic none \
		-display none -vga none -serial "file:$LOG" -monitor none -no-reboot \
		-kernel "$VMLINUZ" -initrd "$WORK/initrd.gz" -append "$APPEND" </dev/null >"$WORK/qemu.out" 2>&1
	qrc=$?
	set -e
	say "guest finished in $(( $(date +%s) - t0 ))s"
	tr -d '\r' < "$LOG" > "$WORK/serial" 2>/dev/null || true
	grep -q '^PBKRUN boot' "$WORK/serial" && break
	first=$(grep -m 1 -E 'Oops|Kernel panic|BUG[: ]' "$WORK/serial" || true)
	[ -n "$first" ] && [ "$attempt" -lt 3 ] || break
	cp "$LOG" "$LOG.boot$attempt"
	say "the guest kernel crashed while booting, before /init ran (the module was not loaded yet): $first"
	say "  boot $attempt of at most 3 kept as $LOG.boot$attempt; booting again"
	attempt=$((attempt + 1))
done

# qemu says nothing useful about the guest: the verdict comes from the serial log.
fail=0
bad() { say "FAIL: $*"; fail=1; }
[ "$qrc" = 124 ] && bad "the guest did not finish within ${TIMEOUT}s"
[ "$qrc" != 0 ] && [ "$qrc" != 124 ] && bad "qemu exited with $qrc: $(head -c 400 "$WORK/qemu.out")"
grep -q '^PBKRUN done' "$WORK/serial" || bad "no 'PBKRUN done' sentinel: the guest stopped early"
if grep -nE 'BUG[: ]|WARNING:|Oops|Kernel panic|Call Trace|stalled pool shutdown|[Ll]eak' "$WORK/serial" |
	grep -v ' PBK ' > "$WORK/alarms"; then
	bad "the guest kernel complained:"
	head -20 "$WORK/alarms" >&2
fi
if grep -nE ' PBK (error|check .*ok=0)' "$WORK/serial" > "$WORK/failed"; then
	bad "the module reported failures:"
	head -20 "$WORK/failed" >&2
fi
n=0
refused=0
while read -r expect params; do
	n=$((n + 1))
	rc=$(sed -n "s/^PBKRUN load=$n insmod_rc=//p" "$WORK/serial")
	if [ "$expect" = ok ] && [ "$rc" != 0 ]; then
		# A parameter the module refused is bad input (exit 2), unless more went wrong.
		if [ "${rc:-none}" != none ] && [ "$rc" != 0 ]; then
			say "FAIL: load $n ($params) was refused by the module (insmod status $rc)"
			refused=1
		else
			bad "load $n ($params) failed (insmod status '${rc:-none}')"
		fi
		# The module's (or the kernel's) own words, between this load's two PBKRUN lines:
		# once each (busybox's insmod tries finit_module, then init_module: the module
		# says it twice), without the first load's taint notices.
		sed -n "/^PBKRUN load=$n expect=/,/^PBKRUN load=$n insmod_rc=/p" "$WORK/serial" |
			grep -v '^PBKRUN' | grep -E 'pagebench_kmod|insmod' | grep -v 'taint' |
			sed 's/^\[ *[0-9.]*\] //' | awk '!seen[$0]++' | head -5 |
			sed 's/^/run-qemu:   kernel: /' >&2
	elif [ "$expect" = fail ] && [ -z "$rc" ]; then
		bad "load $n ($params) did not run: the guest stopped before it"
	elif [ "$expect" = fail ] && [ "$rc" = 0 ]; then
		bad "load $n ($params) was accepted but should have been refused"
	fi
done < "$WORK/root/loads"
[ "$fail" = 0 ] || { say "serial log: $LOG"; exit 1; }
[ "$refused" = 0 ] || { say "serial log: $LOG"; exit 2; }

if [ "$NOJSON" = 1 ]; then
	echo "$LOG"
	exit 0
fi
[ -x "$PB" ] || die "$PB: no pagebench binary to convert the results (run make)"
"$PB" kmod parse "$LOG" --json "$JSON" >&2 || { say "conversion failed; serial log: $LOG"; exit 1; }
echo "$JSON"

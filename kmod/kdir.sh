#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The kernels the module is built for and booted in: Debian's, each a vmlinuz-<release> (in
# /boot, or taken out of its package by scripts/fetch-guest-kernels.sh into $PB_KERNEL_CACHE)
# with its /usr/src/linux-headers-<release>, so module and guest kernel always match.
#   kmod/kdir.sh             the headers directory of the newest such kernel (the default KDIR)
#   kmod/kdir.sh --releases  every such release, newest first, one a line
#   kmod/kdir.sh --vmlinuz RELEASE   the vmlinuz of exactly RELEASE (exit 2 if none)
#   kmod/kdir.sh RELEASE     the headers directory of RELEASE, or of the one release that
#                            starts with it at a component boundary (6.12 -> 6.12.117+deb12-amd64); exit 2 if none or
#                            several match
# Prints nothing (exit 0) when there is no such kernel and no argument was given.
set -eu

CACHE=${PB_KERNEL_CACHE:-/var/cache/pagebench/kernels}

# The vmlinuz of release $1: the installed one first, else the fetched one.
vmlinuz() {
	for d in /boot "$CACHE"; do
		[ -r "$d/vmlinuz-$1" ] && { echo "$d/vmlinuz-$1"; return 0; }
	done
	return 1
}

releases() {
	for v in $(ls /boot/vmlinuz-*-amd64 "$CACHE"/vmlinuz-*-amd64 2>/dev/null | sed 's|^.*/vmlinuz-||' | sort -urV); do
		[ -f "/usr/src/linux-headers-$v/Makefile" ] && echo "$v"
	done
	return 0
}

case ${1:-} in
'')
	v=$(releases | head -n 1)
	[ -z "$v" ] || echo "/usr/src/linux-headers-$v"
	;;
--releases)
	releases
	;;
--vmlinuz)
	vmlinuz "${2:-}" || { echo "kdir: no vmlinuz-${2:-} in /boot or $CACHE (make kmod-deps fetches it)" >&2; exit 2; }
	;;
*)
	all=$(releases)
	# A prefix ends where a version component does: 6.1 is 6.1.0-57-amd64, never 6.12.x.
	m=$(printf '%s\n' $all | awk -v want="$1" '$0 == want { print; exit }
		index($0, want) == 1 && substr($0, length(want) + 1, 1) !~ /^[0-9]$/ { print }')
	n=$(printf '%s' "$m" | grep -c . || true)
	if [ "$n" != 1 ]; then
		echo "kdir: --kernel $1: $( [ "$n" = 0 ] && echo 'no installed Debian kernel with headers matches' || echo 'matches several kernels:' $m) (installed: $(echo $all))" >&2
		exit 2
	fi
	echo "/usr/src/linux-headers-$m"
	;;
esac

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Installs the Debian packages pagebench builds and runs with; quiet when all are present.
# Usage: scripts/install-deps.sh [extra-package...]
# As root it runs apt-get itself (non-interactive, for CI); otherwise it prints the line to run.
# `make kmod-deps` passes the kernel module's packages (kmod/kmod.mk KMOD_PKGS): the headers of
# Debian 12's two kernels, 6.1 and 6.12, qemu-system-x86, busybox-static, cpio; the kernel
# images are not installed (scripts/fetch-guest-kernels.sh takes their vmlinuz out of the .deb).
set -eu

PKGS="pkg-config libpfm4-dev libhwloc-dev libjemalloc-dev liburcu-dev libcriterion-dev \
libjansson-dev libinih-dev python3-matplotlib python3-scipy libdpdk-dev valgrind \
clang libclang-rt-14-dev $*"
# The report's browser test (tests/test_browser.py): headless Chromium and its WebDriver.
PKGS="$PKGS chromium chromium-driver"

missing=""
for p in $PKGS; do
	# dpkg-query prints "install ok installed" only for a fully installed package.
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "pagebench: missing Debian packages; run:" >&2
	echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing" >&2
	exit 2
fi

echo "pagebench: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends $missing >/dev/null

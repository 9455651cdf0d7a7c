#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Prints the kernel headers directory to build against: the newest Debian
# /usr/src/linux-headers-<release> whose /boot/vmlinuz-<release> is installed, so the module
# and the kernel the qemu runner boots always match. Prints nothing when there is none.
for v in $(ls /boot/vmlinuz-*-amd64 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -rV); do
	if [ -f "/usr/src/linux-headers-$v/Makefile" ]; then
		echo "/usr/src/linux-headers-$v"
		exit 0
	fi
done
exit 0

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The kernels the module's tests boot under qemu, as Debian packages' vmlinuz, without
# installing them: `apt-get download` of each image package and its /boot/vmlinuz-<release>
# taken out of the .deb into $PB_KERNEL_CACHE (default /var/cache/pagebench/kernels).
# Why not `apt-get install`: an installed image runs its postinst (an initramfs per kernel,
# minutes on a 2-vCPU VM, and a boot-loader entry that becomes the host's default at the next
# reboot), and the guests need neither: run-qemu.sh boots the vmlinuz with its own initramfs.
# A kernel already in /boot (installed by hand) is used as it is and not fetched.
# Usage: scripts/fetch-guest-kernels.sh META-PACKAGE...   (e.g. linux-image-amd64)
set -eu

CACHE=${PB_KERNEL_CACHE:-/var/cache/pagebench/kernels}

# The versioned image package a meta package depends on (linux-image-6.1.0-57-amd64).
image_of() {
	apt-cache depends --important "$1" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}

need=""
for meta in "$@"; do
	pkg=$(image_of "$meta")
	if [ -z "$pkg" ]; then
		[ "$(id -u)" -eq 0 ] && apt-get update -qq >/dev/null
		pkg=$(image_of "$meta")
	fi
	[ -n "$pkg" ] || { echo "fetch-guest-kernels: $meta: no linux-image package found (apt-cache depends)" >&2; exit 2; }
	rel=${pkg#linux-image-}
	[ -r "/boot/vmlinuz-$rel" ] || [ -r "$CACHE/vmlinuz-$rel" ] || need="$need $pkg"
done
[ -z "$need" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "pagebench: guest kernels missing ($need); run as root: $0 $*" >&2
	exit 2
fi
echo "pagebench: fetching guest kernels:$need (into $CACHE)" >&2
mkdir -p "$CACHE"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pkg in $need; do
	rel=${pkg#linux-image-}
	# apt-get download as root warns that it cannot drop to the _apt user: let _apt write.
	chmod 0777 "$tmp"
	(cd "$tmp" && apt-get download -qq "$pkg" 2>/dev/null) ||
		{ apt-get update -qq >/dev/null && (cd "$tmp" && apt-get download -qq "$pkg" 2>/dev/null); } ||
		{ echo "fetch-guest-kernels: $pkg: apt-get download failed" >&2; exit 2; }
	deb=$(ls "$tmp"/"${pkg}"_*.deb)
	# Written beside its final name and renamed: an interrupted fetch leaves no vmlinuz.
	part="$CACHE/.vmlinuz-$rel.part"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./boot/vmlinuz-$rel" >"$part" && [ -s "$part" ] ||
		{ rm -f "$part"; echo "fetch-guest-kernels: $deb: no ./boot/vmlinuz-$rel in it" >&2; exit 2; }
	mv "$part" "$CACHE/vmlinuz-$rel"
	rm -f "$deb"
done

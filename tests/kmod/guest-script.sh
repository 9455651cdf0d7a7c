# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the guest scripts that kmod-test runs beside its own guests (lifecycle.sh,
# halfpage-copybreak.sh): the one setup they share, so each states only its checks.
#   guest_script_setup NAME [RELEASE]
# sets T (a work directory, removed at exit unless KMOD_TEST_KEEP=1; exported as RESULTS),
# rel (RELEASE, or a prefix such as 6.12, else the newest kernel with headers), runargs
# (--kernel, and --no-build when build/kmod/RELEASE/ holds the module, as make kmod-all leaves
# it), start, and the pass/fail counters npass and nfail with pass() and fail().
# Needs ROOT and PB set by the caller. Exits 1 when no kernel fits.

guest_script_setup() {
	local name=$1
	T=$(mktemp -d "${TMPDIR:-/tmp}/pbk-$name.XXXXXX")
	[ "${KMOD_TEST_KEEP:-0}" = 1 ] || trap 'rm -rf "$T"' EXIT
	export RESULTS=$T PB_BIN=$PB
	rel=${2:-$("$ROOT/kmod/kdir.sh" --releases | tail -n 1)}
	rel=$(basename "$("$ROOT/kmod/kdir.sh" "$rel")" | sed 's/^linux-headers-//')
	[ -n "$rel" ] || { echo "$name: no Debian kernel with headers for '${2:-newest}' (make kmod-deps)"; exit 1; }
	unset KMOD_KO
	runargs="--kernel $rel"
	[ -r "$ROOT/build/kmod/$rel/pagebench_kmod.ko" ] && runargs="$runargs --no-build"
	start=$(date +%s)
	npass=0
	nfail=0
}

pass() { npass=$((npass + 1)); echo "ok   $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }

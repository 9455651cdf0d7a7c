#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The layering rule of docs/architecture.md, checked from the sources: a file may include only
# headers of its own folder and of the layers below it. The Makefile's per-folder include path
# already makes a violation fail to compile; this says which include broke the rule and also
# covers headers no build compiles on its own. Exit 1 and one line per violation.
set -euo pipefail
cd "$(dirname "$0")/.."
# Bottom up. harness/results stands on the allocator substrate only (not backends, workloads).
layers=(allocators/platform allocators/core allocators/backends workloads
	harness/results harness/engine harness/plan harness/cli)
declare -A sees=(
	[allocators/platform]="allocators/platform"
	[allocators/core]="allocators/platform allocators/core"
	[allocators/backends]="allocators/platform allocators/core allocators/backends"
	[workloads]="allocators/platform allocators/core allocators/backends workloads"
	[harness/results]="allocators/platform allocators/core harness/results"
	[harness/engine]="allocators/platform allocators/core allocators/backends workloads harness/results harness/engine"
	[harness/plan]="allocators/platform allocators/core allocators/backends workloads harness/results harness/engine harness/plan"
	[harness/cli]="${layers[*]}"
)
declare -A home=()
for d in "${layers[@]}"; do
	for h in "$d"/*.h "$d"/*.def; do
		[ -e "$h" ] && home[$(basename "$h")]=$d
	done
done
bad=0
for d in "${layers[@]}"; do
	for f in "$d"/*.c "$d"/*.h; do
		[ -e "$f" ] || continue
		while IFS= read -r inc; do
			h=${inc#*\"}; h=${h%%\"*}
			owner=${home[$h]:-}
			[ -n "$owner" ] || continue	# a system or kernel header
			case " ${sees[$d]} " in
			*" $owner "*) ;;
			*) echo "layers: $f includes $h from $owner, a layer $d may not see"; bad=1 ;;
			esac
		done < <(grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" || true)
	done
done
if [ "$bad" = 0 ]; then echo "layers: ${#layers[@]} layers, every include points down"; fi
exit "$bad"

# SPDX-License-Identifier: GPL-2.0-only
# The shared sources pagebench_kmod compiles, in one place for kmod.mk (the symlinks) and
# Kbuild (the objects): the substrate under the backends, the registry, and the source
# column of every kernel-capable line of backends.def and workloads.def. A backend or
# workload marked USER there is left out; nothing else has to be edited to add one.
# In: KMOD_ROOT, the top of the tree. Out: KMOD_SHARED, paths relative to it.

# $(call kmod_def_src,MACRO,DEF): the .c of each `MACRO(sym, file.c, KERNEL...` line of DEF.
kmod_lp := (
kmod_def_src = $(sort $(shell sed -n 's/^$(1)$(kmod_lp)[^,]*, *\([A-Za-z0-9_]*\.c\) *, *KERNEL[A-Z_]* *,.*/\1/p' $(KMOD_ROOT)/$(2)))

KMOD_SHARED := $(addprefix allocators/core/,alloc.c page_alloc.c params.c stats.c ptr_ring.c dma.c iova.c kmod_param.c) \
	allocators/backends/registry.c \
	$(addprefix allocators/backends/,$(call kmod_def_src,PB_BACKEND,allocators/backends/backends.def)) \
	$(addprefix workloads/,$(call kmod_def_src,PB_WORKLOAD,workloads/workloads.def))

# Trace replay in the kernel (kmod/pbk_replay.c): the streaming trace reader and the replay
# engine itself, the files userspace's replay runs (replay.c, its harness, stays userspace's).
KMOD_SHARED += $(addprefix workloads/,trace_read.c trace_source.c trace_names.c trace_pktmap.c \
	replay_feed.c replay_exec.c replay_sample.c replay_core.c)

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU and NUMA topology, thread pinning and memory binding: the platform layer's one door to
 * hwloc (numa_hwloc.c, userspace only; the kernel module has numa_node_id() and the real
 * page allocator). Everything above that needs to know where a CPU or a page is asks here,
 * so no other file calls hwloc.
 *
 * A struct pb_topo is a loaded topology: this machine's (loaded once, shared, never freed)
 * or a synthetic one such as "pack:2 numa:2 core:1 pu:1" (hwloc's synthetic description),
 * on which the placement logic can be checked on any machine. Nodes are numbered as the OS
 * numbers them (node0, node1, ... in /sys), CPUs as OS CPUs. Errors are negative errno
 * values: the caller knows which option or parameter to name in its message.
 */
#ifndef PB_NUMA_H
#define PB_NUMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_NUMA_MAX_CPUS 4096	/* OS CPU numbers a cpuset can hold */

struct pb_topo;

/* A set of OS CPUs. */
struct pb_cpuset {
	uint64_t w[PB_NUMA_MAX_CPUS / 64];
};

static inline void pb_cpuset_zero(struct pb_cpuset *s)
{
	for (unsigned i = 0; i < PB_NUMA_MAX_CPUS / 64; i++)
		s->w[i] = 0;
}
static inline void pb_cpuset_add(struct pb_cpuset *s, unsigned cpu)
{
	if (cpu < PB_NUMA_MAX_CPUS)
		s->w[cpu / 64] |= 1ull << (cpu % 64);
}
static inline bool pb_cpuset_has(const struct pb_cpuset *s, unsigned cpu)
{
	return cpu < PB_NUMA_MAX_CPUS && (s->w[cpu / 64] >> (cpu % 64) & 1);
}

/* This machine's topology, loaded on first use; NULL (errno set) when hwloc cannot read it. */
struct pb_topo *pb_topo_system(void);
/* A synthetic topology from hwloc's description @desc; NULL (errno EINVAL) when malformed. */
struct pb_topo *pb_topo_synthetic(const char *desc);
/* Releases a synthetic topology (the system one stays loaded); NULL is ignored. */
void pb_topo_put(struct pb_topo *t);
/* Whether @t is this machine (binding calls act on it) rather than a synthetic one. */
bool pb_topo_is_system(const struct pb_topo *t);

/* NUMA nodes of @t (at least 1: a machine hwloc reports none on has one). */
unsigned pb_topo_nodes(const struct pb_topo *t);
/* The OS number of the @i-th node in topology order, or -1 past the last. */
int pb_topo_node_os(const struct pb_topo *t, unsigned i);
/* Whether @node is the OS number of a node of @t. */
bool pb_topo_has_node(const struct pb_topo *t, unsigned node);
/* The node OS CPU @cpu belongs to, or -1 when @t has no such CPU. */
int pb_topo_cpu_node(const struct pb_topo *t, unsigned cpu);
/*
 * The CPUs this process may use: on this machine the process binding plus the calling
 * thread's (a main thread pinned by an earlier run still counts its whole process), or
 * the topology's allowed set when neither can be read; on a synthetic one every CPU.
 */
void pb_topo_allowed(const struct pb_topo *t, struct pb_cpuset *out);
/*
 * One CPU per core, in topology order: the first CPU of each core that has one in
 * @allowed, into @cpu (at most @max); its node into @node when not NULL. Returns how many.
 */
unsigned pb_topo_cores(const struct pb_topo *t, const struct pb_cpuset *allowed, unsigned *cpu,
		       int *node, unsigned max);
/*
 * "Package:2 NUMANode:2 Core:1 PU:1; node 0: CPUs 0; node 1: CPUs 1" into @buf: the
 * levels (hwloc's synthetic form, or object counts where the machine is not symmetric),
 * then each node's CPUs. Truncated to @len, always terminated.
 */
void pb_topo_describe(const struct pb_topo *t, char *buf, size_t len);

/* "L1d 48K L2 2M L3 105M": the first object of each data or unified cache level, or "". */
void pb_topo_caches(const struct pb_topo *t, char *buf, size_t len);
/* The first package's CPU model as hwloc knows it (CPUModel), or "". */
void pb_topo_cpu_model(const struct pb_topo *t, char *buf, size_t len);

/* The calling thread's CPU binding into @out (this machine); 0 or -errno. */
int pb_thread_get_binding(struct pb_cpuset *out);
/* Binds the calling thread to exactly the CPUs of @s (this machine); 0 or -errno. */
int pb_thread_set_binding(const struct pb_cpuset *s);
/* Pins the calling thread to OS CPU @cpu (this machine, strict); 0 or -errno. */
int pb_thread_pin(unsigned cpu);

/* Binds [@addr, @addr+@len) to node @node, strictly, before first touch; 0 or -errno. */
int pb_numa_bind_area(void *addr, size_t len, unsigned node);
/* The node every page of [@addr, @addr+@len) is on (touched memory), or -1: mixed, unknown. */
int pb_numa_area_node(const void *addr, size_t len);
/*
 * @len zeroed bytes, page-aligned, on node @node (bound, touched) or, with @node < 0,
 * wherever the caller's first touch puts them; NULL when that fails. Free with pb_numa_free.
 */
void *pb_numa_alloc(size_t len, int node);
/* Frees what pb_numa_alloc returned for @len bytes; NULL is ignored. */
void pb_numa_free(void *p, size_t len);

/* The calling thread's memory policy, saved by pb_numa_membind_thread. */
struct pb_membind {
	bool set;		/* a policy was changed and must be put back */
	int policy;		/* hwloc's policy before */
	struct pb_cpuset nodes;	/* its nodes before, as node numbers (a nodeset, not CPUs) */
};
/*
 * Until pb_numa_membind_restore, memory the calling thread touches first comes from
 * @node (@node < 0: nothing changes); @saved gets what to restore. 0 or -errno.
 */
int pb_numa_membind_thread(int node, struct pb_membind *saved);
/* Puts back the policy @saved recorded. */
void pb_numa_membind_restore(const struct pb_membind *saved);

#endif

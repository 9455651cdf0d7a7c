// SPDX-License-Identifier: GPL-2.0-only
/* The arena: pages and their descriptors, mapped, pre-faulted and optionally NUMA-bound. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "numa.h"
#include "page_alloc.h"
#include "params.h"

_Thread_local uint64_t pb_tls_atomics;
_Thread_local unsigned pb_tls_cpu;
_Thread_local unsigned pb_tls_softirq = 1;	/* platform_user.h: loops stand for NAPI polls */

/* Largest buddy block; the arena base is aligned to it so blocks are naturally aligned in memory. */
#define ARENA_ALIGN (PB_PAGE_SIZE << PB_MAX_ORDER)

const char *pb_bug_expected;

void pb_bug(const char *file, int line, const char *what)
{
	/* A test that provokes this abort on purpose says so, so its log reads as a pass. */
	fprintf(stderr, "pagebench: %sBUG at %s:%d: %s\n", pb_bug_expected ? pb_bug_expected : "", file, line, what);
	abort();
}

static int bind_to_node(void *addr, size_t len, int node, struct pb_err *err)
{
	int rc = pb_numa_bind_area(addr, len, (unsigned)node);

	if (rc == -ENOENT)
		return pb_arena_node_check(node, err);
	if (rc)
		return pb_err_set(err, "node=%d: cannot bind memory: %s", node, strerror(-rc));
	return 0;
}

int pb_arena_node_check(int node, struct pb_err *err)
{
	struct pb_topo *t = pb_topo_system();

	if (!t)
		return pb_err_set(err, "node=%d: hwloc cannot read the topology", node);
	if (node < 0 || !pb_topo_has_node(t, (unsigned)node))
		return pb_err_set(err, "node=%d: no such NUMA node (this machine has %u)", node,
				  pb_topo_nodes(t));
	return 0;
}

int pb_arena_init(struct pb_arena *ar, size_t npages, int node, bool hugepage, struct pb_err *err)
{
	size_t len = npages << PB_PAGE_SHIFT;
	uintptr_t base;

	memset(ar, 0, sizeof(*ar));
	if (!npages)
		return pb_err_set(err, "arena of zero pages");
	ar->map_len = len + ARENA_ALIGN;
	ar->map = mmap(NULL, ar->map_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ar->map == MAP_FAILED) {
		ar->map = NULL;
		return pb_err_set(err, "cannot map %zu MiB of pages: %s", len >> 20, strerror(errno));
	}
	base = ((uintptr_t)ar->map + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1);
	ar->base = (char *)base;
	if (hugepage && madvise(ar->base, len, MADV_HUGEPAGE)) {
		pb_err_set(err, "hugepage=on: madvise(MADV_HUGEPAGE) failed: %s", strerror(errno));
		goto fail;
	}
	if (node >= 0 && bind_to_node(ar->base, len, node, err))
		goto fail;
	/* Fault every page in now: a page fault inside a measured loop would be a lie. */
	memset(ar->base, 0, len);

	ar->desc_len = npages * sizeof(struct pb_page);
	ar->pages = mmap(NULL, ar->desc_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (ar->pages == MAP_FAILED) {
		ar->pages = NULL;
		pb_err_set(err, "cannot map page descriptors: %s", strerror(errno));
		goto fail;
	}
	ar->npages = npages;
	if (node >= 0) {
		ar->node = (unsigned)node;
	} else {
		/* First touch: where the memset above put it (the measured CPU's node, normally). */
		int where = pb_numa_area_node(ar->base, len);

		ar->node = where >= 0 ? (unsigned)where : pb_cpu_node_id();
	}
	for (size_t i = 0; i < npages; i++) {
		ar->pages[i].arena = ar;
		ar->pages[i].node = (uint8_t)ar->node;
	}
	return 0;
fail:
	munmap(ar->map, ar->map_len);
	ar->map = NULL;
	return -1;
}

void pb_arena_fini(struct pb_arena *ar)
{
	if (ar->pages)
		munmap(ar->pages, ar->desc_len);
	if (ar->map)
		munmap(ar->map, ar->map_len);
	memset(ar, 0, sizeof(*ar));
}

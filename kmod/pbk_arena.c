// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arena of the shared backends, kernel side (page.c's mmap and hwloc are userspace):
 * the pages are one vmalloc area, so page N is at base + N * 4 KiB as the model expects,
 * and each descriptor records the node its memory really came from.
 */
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/vmalloc.h>
#include "page_alloc.h"
#include "params.h"

int pb_arena_node_check(int node, struct pb_err *err)
{
	if (node < 0 || node >= MAX_NUMNODES || !node_state(node, N_MEMORY))
		return pb_err_set(err, "node=%d: no such NUMA node with memory (%d here)", node,
				  num_node_state(N_MEMORY));
	return 0;
}

int pb_arena_init(struct pb_arena *ar, size_t npages, int node, bool hugepage, struct pb_err *err)
{
	size_t len = npages << PB_PAGE_SHIFT;

	memset(ar, 0, sizeof(*ar));
	if (!npages)
		return pb_err_set(err, "arena of zero pages");
	if (node >= MAX_NUMNODES || (node >= 0 && !node_state(node, N_MEMORY)))
		return pb_err_set(err, "node=%d: no such NUMA node with memory (this machine has %d)",
				  node, num_node_state(N_MEMORY));
	if (hugepage)
		return pb_err_set(err, "hugepage=on: not available in the kernel module");
	/* vmalloc hands out whole pages: the memory is resident, nothing to pre-fault. */
	ar->map = node >= 0 ? vmalloc_node(len, node) : vmalloc(len);
	if (!ar->map)
		return pb_err_set(err, "cannot vmalloc %zu MiB of pages", len >> 20);
	ar->map_len = len;
	ar->base = ar->map;
	ar->desc_len = npages * sizeof(struct pb_page);
	ar->pages = node >= 0 ? vzalloc_node(ar->desc_len, node) : vzalloc(ar->desc_len);
	if (!ar->pages) {
		vfree(ar->map);
		ar->map = NULL;
		return pb_err_set(err, "cannot allocate page descriptors");
	}
	ar->npages = npages;
	ar->node = node < 0 ? numa_node_id() : node;
	for (size_t i = 0; i < npages; i++) {
		struct page *p = vmalloc_to_page(ar->base + (i << PB_PAGE_SHIFT));

		ar->pages[i].arena = ar;
		ar->pages[i].node = (uint8_t)page_to_nid(p);
	}
	return 0;
}

void pb_arena_fini(struct pb_arena *ar)
{
	vfree(ar->pages);
	vfree(ar->map);
	memset(ar, 0, sizeof(*ar));
}

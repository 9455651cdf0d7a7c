// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the reference model may expect of each backend, and the configurations it runs.
 * Every configuration runs on mem=4M (1024 pages), so exhaustion happens, with the rings
 * and caches made small enough that the driver's bursts (up to 600 buffers) overflow them.
 * A backend registered without an entry here makes the driver fail: a new backend must say
 * what its in_flight means before it is stress-tested (docs/stress.md, docs/adding-a-backend.md).
 *
 * cache_cap is the most blocks a backend may keep beyond what the driver holds: its direct
 * cache plus its return ring or stack (plus a page being carved); 0 where it is unbounded
 * or the class's check is exact anyway.
 */
#include <string.h>

#include "stress.h"

static const struct st_rules rules[] = {
	{ "buddy", ST_BUDDY, true, 0, {
		{ "mem=4M", 0 },
		{ "mem=4M dma=iommu", 0 },
		{ "mem=4M kernel=2016 dma=pt", 0 },
		{ "mem=4M order=2 dma=iommu:strict", 0 },
		{ "mem=4M pcp_batch=7 pcp_high=20", 0 },
	  }, "no cache: every page from the zone and back; pcp lists are per CPU slot, so any thread allocates" },
	{ "ptr_ring_pool", ST_POOL, false, 0, {
		{ "mem=4M ring=64", 128 + 64 },
		{ "mem=4M ring=64 dma=iommu", 128 + 64 },
		{ "mem=4M ring=16 frag=1000", 128 + 16 + 1 },
		{ "mem=4M order=1 ring=32 dma=pt sync_dev=on", 128 + 32 },
		{ "mem=4M ring=8 frag=2048 kernel=2016 dma=iommu", 128 + 8 + 1 },
	  }, "page_pool: 128-entry owner cache + ptr_ring; only the owner allocates" },
	{ "ideal", ST_IDEAL, false, 0, {
		{ "mem=4M size=256", 256 },
		{ "mem=4M size=64 order=1 kernel=2016", 64 },
	  }, "one_context LIFO with no refcount test: single thread, clones only while the page is held" },
	{ "null", ST_NULL, false, 0, {
		{ "mem=4M", 0 },
	  }, "one page forever: only bounds, its refcount and destroy are checked" },
	{ "jemalloc", ST_PEER, true, 0, {
		{ "mem=4M", 0 },
		{ "mem=4M order=1 dma=iommu", 0 },
	  }, "mallocx/sdallocx with a tcache per CPU slot: any thread allocates; no page references" },
	/*
	 * Each object is a whole page, rte_mempool's object header in the last 64 bytes of the
	 * page before it (docs/backends.md), so a pool takes two pages per object.
	 */
	{ "dpdk_mempool", ST_PEER, true, 0, {
		{ "mem=4M objects=480 cache=32", 0 },
		{ "mem=4M objects=400 cache=0 dma=iommu", 0 },
		{ "mem=4M objects=256 cache=16 dma=pt", 0 },
	  }, "rte_mempool with a per-lcore cache: any thread allocates; no page references" },
	{ "halfpage", ST_HALFPAGE, false, 0, {
		{ "mem=4M rx_ring=64", 64 },
		{ "mem=4M rx_ring=16 variant=2016 dma=iommu", 16 },
		{ "mem=4M rx_ring=512 dma=pt", 512 },
	  }, "i40e/ixgbe RX ring: the owner takes halves, any CPU frees them" },
	{ "frag", ST_FRAG, false, 0, {
		{ "mem=4M", 1 },
		{ "mem=4M mode=mlx4-2016 dma=iommu", 1 },
		{ "mem=4M frag=1500 dma=pt", 1 },
		{ "mem=4M order=0 frag=3000", 1 },
		{ "mem=4M mode=mlx4-2016 frag=1024 stride=2048 order=2", 1 },
	  }, "page_frag_cache / mlx4: the owner carves, any CPU frees" },
	{ "array_cache", ST_POOL, false, 0, {
		{ "mem=4M size=64 batch=16", 64 },
		{ "mem=4M dma=iommu", 256 },
		{ "mem=4M size=8 batch=8 kernel=2016 dma=pt", 8 },
	  }, "per-RX-queue array: only the owner allocates, remote frees release" },
	{ "urcu_stack", ST_POOL, false, 0, {
		{ "mem=4M", 0 },
		{ "mem=4M max_stack=32 dma=iommu", 128 + 32 },
		{ "mem=4M order=1 max_stack=200", 128 + 200 },
	  }, "page_pool's cache + a lock-free stack of remote returns; only the owner allocates" },
	{ NULL },
};

const struct st_rules *st_rules_find(const char *name)
{
	for (const struct st_rules *r = rules; r->backend; r++)
		if (!strcmp(r->backend, name))
			return r;
	return NULL;
}

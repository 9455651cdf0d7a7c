/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DMA-mapping cost model. Every backend instance has one "device"; backends map a page
 * before the NIC may write it and unmap it before the page leaves their hands. Recycling
 * backends keep pages mapped across reuse, which is page_pool's second advantage in the
 * LSF/MM thread; backends fed from the page allocator pay a map and an unmap per page.
 *
 * Modes (--set dma=...):
 *   none        no mapping at all (dma_addr stays 0; nothing is counted, syncs do nothing)
 *   pt          passthrough (dma-direct): the bus address is arithmetic on the page frame;
 *               a sync does dma_direct_sync_single_for_*'s swiotlb bounds check
 *   iommu[:strict|:lazy][:iotlb=NS][:rcache=on|off]
 *               drivers/iommu/dma-iommu.c over drivers/iommu/iova.c: IOVAs from the per-CPU
 *               range caches in front of a balanced tree under the domain lock, the leaf
 *               IO page-table entries written and cleared, and at unmap the IOTLB
 *               invalidation: strict waits one invalidation per unmap (iommu.strict=1),
 *               lazy (the default, Debian 6.1's CONFIG_IOMMU_DEFAULT_DMA_LAZY=y) queues the
 *               IOVA in this CPU's 256-entry flush queue and waits one invalidation of the
 *               whole domain when that queue is full. iotlb=NS is the invalidation's round
 *               trip (default 1000 ns, see docs/backends.md); rcache=off sends every IOVA
 *               to the tree, the cost when the caches miss.
 *   fixed:NNN   a map+unmap pair costs NNN ns, busy-waited (half at map, half at unmap),
 *               e.g. fixed:1000 for a PowerPC TCE update
 */
#ifndef PB_DMA_H
#define PB_DMA_H

#include "page.h"
#include "params.h"
#include "stats.h"

enum pb_dma_mode { PB_DMA_NONE, PB_DMA_PT, PB_DMA_IOMMU, PB_DMA_FIXED };

/* A parsed dma= value. */
struct pb_dma_cfg {
	enum pb_dma_mode mode;
	uint64_t fixed_ns;	/* fixed: one map+unmap pair */
	bool strict;		/* iommu: an IOTLB invalidation at every unmap */
	bool rcache;		/* iommu: per-CPU IOVA caches in front of the tree */
	uint64_t iotlb_ns;	/* iommu: one IOTLB invalidation round trip, waited */
};

/* What the device was asked to do, summed over CPU slots. */
struct pb_dma_counters {
	uint64_t map, unmap;		/* dma_map_page/_single and their unmaps */
	uint64_t sync_cpu, sync_dev;	/* dma_sync_single_for_cpu / _for_device */
	uint64_t iotlb_inv;		/* invalidations waited: strict unmaps + queue flushes */
	uint64_t fq_queued;		/* lazy unmaps whose IOVA went to a flush queue */
	uint64_t fq_full;		/* queue_iova found its queue full and flushed the domain */
	uint64_t fq_freed;		/* queued IOVAs freed after their flush */
	/*
	 * The modelled hardware latency: wait_ns what the model charged (fixed_ns / 2 per fixed
	 * map or unmap, iotlb_ns per invalidation), wait_cycles the TSC cycles those waits took
	 * (userspace; 0 in the kernel module, whose ndelay() is not measured).
	 */
	uint64_t wait_ns;
	uint64_t wait_cycles;
};

#define PB_DMA_IOTLB_NS_DEFAULT 1000	/* iotlb= when not given: see docs/backends.md */
#define PB_DMA_FQ_SIZE 256		/* IOVA_FQ_SIZE: entries per CPU's flush queue */

struct pb_dma;

/* Validates a dma= value (PB_PARAM_CUSTOM check): 0, or -1 + @err naming the value. */
int pb_dma_check(const char *value, struct pb_err *err);
/* Parses a dma= value into @cfg (defaults filled in); -1 + @err naming the value. */
int pb_dma_parse(const char *value, struct pb_dma_cfg *cfg, struct pb_err *err);
/* Creates the device for pages of @ar from a valid dma= value; NULL + @err on failure. */
struct pb_dma *pb_dma_create(const char *value, struct pb_arena *ar, struct pb_err *err);
/* Frees the device; mappings still present are the caller's bug (see pb_dma_nr_mapped). */
void pb_dma_destroy(struct pb_dma *d);
/* The mode of @d. */
enum pb_dma_mode pb_dma_mode(const struct pb_dma *d);
/* The configuration @d was created with. */
const struct pb_dma_cfg *pb_dma_cfg(const struct pb_dma *d);
/*
 * Maps the 2^order pages at @pg for the device (dma_map_page of the whole block) and stores
 * the bus address in pg->dma_addr. Returns 0, or -1 when the IOVA space is exhausted.
 * Mapping a mapped page is a bug (aborts). In mode none it does nothing and returns 0.
 */
int pb_dma_map(struct pb_dma *d, struct pb_page *pg, unsigned order);
/* Undoes pb_dma_map (pg->dma_addr back to 0). Unmapping an unmapped page is a bug (aborts). */
void pb_dma_unmap(struct pb_dma *d, struct pb_page *pg, unsigned order);
/*
 * dma_map_single of @len bytes at @offset into the block headed by @pg: the bus address in
 * *@addr, pg->dma_addr untouched (a page may carry many such mappings at once). 0, or -1
 * when the IOVA space is exhausted. In mode none *@addr is 0.
 */
int pb_dma_map_range(struct pb_dma *d, struct pb_page *pg, uint32_t offset, uint32_t len,
		     uint64_t *addr);
/* dma_unmap_single of a mapping from pb_dma_map_range (same @len). */
void pb_dma_unmap_range(struct pb_dma *d, uint64_t addr, uint32_t len);
/*
 * dma_sync_single_for_cpu of @len bytes at bus address @addr, before the CPU reads them.
 * Nothing in mode none; callers on packet paths test the mode once at create and skip it.
 */
void pb_dma_sync_for_cpu(struct pb_dma *d, uint64_t addr, uint32_t len);
/* dma_sync_single_for_device of @len bytes at @addr, before the device writes them again. */
void pb_dma_sync_for_device(struct pb_dma *d, uint64_t addr, uint32_t len);
/*
 * fq_flush_timeout: one invalidation of the domain, then every CPU's flush queue freed. The
 * model has no timer; see docs/backends.md for why its absence does not change the figures.
 */
void pb_dma_flush_queues(struct pb_dma *d);
/* Mappings currently present (map calls minus unmap calls). */
uint64_t pb_dma_nr_mapped(const struct pb_dma *d);
/* Adds dma_map / dma_unmap counts to @out. */
void pb_dma_stats(const struct pb_dma *d, struct pb_stats *out);
/* Copies the device's counters summed over CPU slots into @out. */
void pb_dma_counters(const struct pb_dma *d, struct pb_dma_counters *out);
/* The device's IOVA domain (mode iommu), NULL otherwise: for tests and reports. */
struct pb_iova_domain *pb_dma_iova(const struct pb_dma *d);

#endif

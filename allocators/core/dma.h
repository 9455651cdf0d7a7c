/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DMA-mapping cost model. Every backend instance has one "device"; backends map a page
 * before the NIC may write it and unmap it before the page leaves their hands. Recycling
 * backends keep pages mapped across reuse, which is page_pool's second advantage in the
 * LSF/MM thread; backends fed from the page allocator pay a map and an unmap per page.
 *
 * Modes (--set dma=...):
 *   none        no mapping at all (dma_addr stays 0; nothing is counted)
 *   pt          passthrough: the bus address is arithmetic on the page frame, no state
 *   iommu       a real IOVA allocator: a balanced tree of allocated ranges under one lock,
 *               allocating top-down with a cached hint like drivers/iommu/iova.c, so the
 *               tree walks and the lock contention between CPUs are real costs
 *   fixed:NNN   a map+unmap pair costs NNN ns, busy-waited (half at map, half at unmap),
 *               e.g. fixed:1000 for a PowerPC TCE update
 */
#ifndef PB_DMA_H
#define PB_DMA_H

#include "page.h"
#include "params.h"
#include "stats.h"

enum pb_dma_mode { PB_DMA_NONE, PB_DMA_PT, PB_DMA_IOMMU, PB_DMA_FIXED };

struct pb_dma;

/* Validates a dma= value (PB_PARAM_CUSTOM check): 0, or -1 + @err naming the value. */
int pb_dma_check(const char *value, struct pb_err *err);
/* Parses a dma= value: mode and, for fixed:NNN, NNN in ns; -1 + @err naming the value. */
int pb_dma_parse(const char *value, enum pb_dma_mode *mode, uint64_t *ns, struct pb_err *err);
/* Creates the device for pages of @ar from a valid dma= value; NULL + @err on failure. */
struct pb_dma *pb_dma_create(const char *value, struct pb_arena *ar, struct pb_err *err);
/* Frees the device; mappings still present are the caller's bug (see pb_dma_nr_mapped). */
void pb_dma_destroy(struct pb_dma *d);
/* The mode of @d. */
enum pb_dma_mode pb_dma_mode(const struct pb_dma *d);
/*
 * Maps the 2^order pages at @pg for the device and stores the bus address in pg->dma_addr.
 * Returns 0, or -1 when the IOVA space is exhausted. Mapping a mapped page is a bug (aborts).
 * In mode none it does nothing and returns 0.
 */
int pb_dma_map(struct pb_dma *d, struct pb_page *pg, unsigned order);
/* Undoes pb_dma_map (pg->dma_addr back to 0). Unmapping an unmapped page is a bug (aborts). */
void pb_dma_unmap(struct pb_dma *d, struct pb_page *pg, unsigned order);
/* Mappings currently present (map calls minus unmap calls). */
uint64_t pb_dma_nr_mapped(const struct pb_dma *d);
/* Adds dma_map / dma_unmap counts to @out. */
void pb_dma_stats(const struct pb_dma *d, struct pb_stats *out);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA model's interface (dma.h), kernel side. Only `none` and `pt` exist here: the
 * IOVA tree and the calibrated busy-wait of dma.c are userspace code (floating point, libc
 * clocks), and a module that wants a real IOMMU should measure the real one.
 */
#include "dma.h"

/* Bus addresses in passthrough mode: the frame number, offset so 0 never appears. */
#define PT_BUS_BASE (1ull << 40)

struct dma_counts {
	uint64_t map, unmap;
} pb_cacheline_aligned;

struct pb_dma {
	enum pb_dma_mode mode;
	struct dma_counts count[PB_MAX_CPUS];
};

int pb_dma_parse(const char *v, enum pb_dma_mode *mode, uint64_t *ns, struct pb_err *err)
{
	*ns = 0;
	if (!strcmp(v, "none"))
		*mode = PB_DMA_NONE;
	else if (!strcmp(v, "pt"))
		*mode = PB_DMA_PT;
	else if (!strcmp(v, "iommu") || !strncmp(v, "fixed:", 6))
		return pb_err_set(err, "dma=%s: only none and pt exist in the kernel module", v);
	else
		return pb_err_set(err, "dma=%s: must be none or pt", v);
	return 0;
}

int pb_dma_check(const char *value, struct pb_err *err)
{
	enum pb_dma_mode mode;
	uint64_t ns;

	return pb_dma_parse(value, &mode, &ns, err);
}

struct pb_dma *pb_dma_create(const char *value, struct pb_arena *ar, struct pb_err *err)
{
	struct pb_dma *d;
	enum pb_dma_mode mode;
	uint64_t ns;

	if (pb_dma_parse(value, &mode, &ns, err))
		return NULL;
	d = pb_kernel_aligned_alloc(PB_CACHELINE, sizeof(*d));
	if (!d) {
		pb_err_set(err, "dma: out of memory");
		return NULL;
	}
	memset(d, 0, sizeof(*d));
	d->mode = mode;
	return d;
}

void pb_dma_destroy(struct pb_dma *d)
{
	pb_kernel_free(d);
}

enum pb_dma_mode pb_dma_mode(const struct pb_dma *d)
{
	return d->mode;
}

int pb_dma_map(struct pb_dma *d, struct pb_page *pg, unsigned order)
{
	if (d->mode == PB_DMA_NONE)
		return 0;
	PB_BUG_ON(pg->dma_addr, "DMA-mapping a page that is already mapped");
	pg->dma_addr = PT_BUS_BASE + ((uint64_t)pb_page_pfn(pg) << PB_PAGE_SHIFT);
	d->count[pb_cpu_id()].map++;
	return 0;
}

void pb_dma_unmap(struct pb_dma *d, struct pb_page *pg, unsigned order)
{
	if (d->mode == PB_DMA_NONE)
		return;
	PB_BUG_ON(!pg->dma_addr, "DMA-unmapping a page that is not mapped");
	pg->dma_addr = 0;
	d->count[pb_cpu_id()].unmap++;
}

uint64_t pb_dma_nr_mapped(const struct pb_dma *d)
{
	uint64_t map = 0, unmap = 0;

	for (unsigned c = 0; c < PB_MAX_CPUS; c++) {
		map += d->count[c].map;
		unmap += d->count[c].unmap;
	}
	return map - unmap;
}

void pb_dma_stats(const struct pb_dma *d, struct pb_stats *out)
{
	for (unsigned c = 0; c < PB_MAX_CPUS; c++) {
		out->dma_map += d->count[c].map;
		out->dma_unmap += d->count[c].unmap;
	}
}

// SPDX-License-Identifier: GPL-2.0-only
/* The DMA-mapping cost model: none, passthrough, IOVA allocator under a lock, fixed cost. */
#include <stdlib.h>
#include <string.h>
#include "dma.h"
#include "iova.h"

/* Bus addresses in passthrough/fixed mode: the frame number, offset so 0 never appears. */
#define PT_BUS_BASE (1ull << 40)
/*
 * IOVA space: 4 GiB of frames below a 32-bit-like limit, as a typical device domain has.
 * The limit is the last frame a 32-bit address reaches (inclusive, like DMA_BIT_MASK(32)).
 */
#define IOVA_START_PFN 1
#define IOVA_LIMIT_PFN (((4ull << 30) >> PB_PAGE_SHIFT) - 1)

struct dma_counts {
	uint64_t map, unmap;
} pb_cacheline_aligned;

struct pb_dma {
	enum pb_dma_mode mode;
	uint64_t half_ns;		/* fixed: the busy-wait at map and at unmap */
	uint64_t half_cycles;		/* the same in TSC cycles, so the wait does not overshoot */
	pb_spinlock_t lock pb_cacheline_aligned;	/* the IOVA domain lock (iova_rbtree_lock) */
	struct pb_iova_domain *iova;
	struct dma_counts count[PB_MAX_CPUS];
};

#if defined(__x86_64__) && !defined(__KERNEL__)
#include <x86intrin.h>
/* TSC cycles per ns against CLOCK_MONOTONIC over 5 ms: enough for a busy-wait's precision. */
static double tsc_per_ns(void)
{
	struct timespec t0, t;
	uint64_t c0 = __rdtsc(), c1;
	int64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ns = (t.tv_sec - t0.tv_sec) * 1000000000ll + (t.tv_nsec - t0.tv_nsec);
	} while (ns < 5000000);
	c1 = __rdtsc();
	return (double)(c1 - c0) / (double)ns;
}

static inline void fixed_wait(const struct pb_dma *d)
{
	uint64_t end = __rdtsc() + d->half_cycles;

	/* No pause here: its latency (tens of cycles on recent cores) would overshoot the wait. */
	while (__rdtsc() < end)
		;
}
#else
/* The kernel's ndelay() is already calibrated; no floating point in kernel context. */
static inline void fixed_wait(const struct pb_dma *d)
{
	pb_ndelay(d->half_ns);
}
#endif

int pb_dma_parse(const char *v, enum pb_dma_mode *mode, uint64_t *ns, struct pb_err *err)
{
	char *end;

	*ns = 0;
	if (!strcmp(v, "none"))
		*mode = PB_DMA_NONE;
	else if (!strcmp(v, "pt"))
		*mode = PB_DMA_PT;
	else if (!strcmp(v, "iommu"))
		*mode = PB_DMA_IOMMU;
	else if (!strncmp(v, "fixed:", 6)) {
		if (v[6] < '0' || v[6] > '9')
			return pb_err_set(err, "dma=%s: fixed:NNN needs a number of nanoseconds", v);
		*ns = strtoull(v + 6, &end, 10);
		if (*end || *ns > 1000000)
			return pb_err_set(err, "dma=%s: fixed:NNN takes 0 to 1000000 ns", v);
		*mode = PB_DMA_FIXED;
	} else {
		return pb_err_set(err, "dma=%s: must be none, pt, iommu or fixed:NNN", v);
	}
	return 0;
}

int pb_dma_check(const char *value, struct pb_err *err)
{
	enum pb_dma_mode m;
	uint64_t ns;

	return pb_dma_parse(value, &m, &ns, err);
}

struct pb_dma *pb_dma_create(const char *value, struct pb_arena *ar, struct pb_err *err)
{
	struct pb_dma *d = aligned_alloc(PB_CACHELINE, sizeof(*d));
	uint64_t ns;

	if (!d) {
		pb_err_set(err, "dma: out of memory");
		return NULL;
	}
	memset(d, 0, sizeof(*d));
	if (pb_dma_parse(value, &d->mode, &ns, err)) {
		free(d);
		return NULL;
	}
	d->half_ns = ns / 2;
#if defined(__x86_64__) && !defined(__KERNEL__)
	if (d->mode == PB_DMA_FIXED)
		d->half_cycles = (uint64_t)((double)d->half_ns * tsc_per_ns());
#endif
	pb_spin_init(&d->lock);
	if (d->mode == PB_DMA_IOMMU) {
		d->iova = pb_iova_create(IOVA_START_PFN, IOVA_LIMIT_PFN);
		if (!d->iova) {
			free(d);
			pb_err_set(err, "dma=iommu: out of memory");
			return NULL;
		}
	}
	return d;
}

void pb_dma_destroy(struct pb_dma *d)
{
	if (!d)
		return;
	if (d->iova)
		pb_iova_destroy(d->iova);
	free(d);
}

enum pb_dma_mode pb_dma_mode(const struct pb_dma *d)
{
	return d->mode;
}

int pb_dma_map(struct pb_dma *d, struct pb_page *pg, unsigned order)
{
	uint64_t pfn;

	switch (d->mode) {
	case PB_DMA_NONE:
		return 0;
	case PB_DMA_FIXED:
		fixed_wait(d);
		__attribute__((__fallthrough__));	/* the address is passthrough arithmetic */
	case PB_DMA_PT:
		PB_BUG_ON(pg->dma_addr, "dma: mapping a page that is already mapped");
		pg->dma_addr = PT_BUS_BASE + ((uint64_t)pb_page_pfn(pg) << PB_PAGE_SHIFT);
		break;
	case PB_DMA_IOMMU:
		PB_BUG_ON(pg->dma_addr, "dma: mapping a page that is already mapped");
		pb_spin_lock(&d->lock);
		pfn = pb_iova_alloc(d->iova, order);
		pb_spin_unlock(&d->lock);
		if (pb_unlikely(!pfn))
			return -1;
		pg->dma_addr = pfn << PB_PAGE_SHIFT;
		break;
	}
	d->count[pb_cpu_id()].map++;
	return 0;
}

void pb_dma_unmap(struct pb_dma *d, struct pb_page *pg, unsigned order)
{
	bool found;

	switch (d->mode) {
	case PB_DMA_NONE:
		return;
	case PB_DMA_FIXED:
		fixed_wait(d);
		__attribute__((__fallthrough__));
	case PB_DMA_PT:
		PB_BUG_ON(!pg->dma_addr, "dma: unmapping a page that is not mapped");
		break;
	case PB_DMA_IOMMU:
		PB_BUG_ON(!pg->dma_addr, "dma: unmapping a page that is not mapped");
		pb_spin_lock(&d->lock);
		found = pb_iova_free(d->iova, pg->dma_addr >> PB_PAGE_SHIFT);
		pb_spin_unlock(&d->lock);
		PB_BUG_ON(!found, "dma: unmapping an address the IOMMU never handed out");
		break;
	}
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

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA-mapping cost model: none, passthrough (dma-direct), an IOMMU (dma-iommu over the
 * IOVA allocator, IO page-table leaves, IOTLB invalidation strict or through flush queues),
 * fixed cost. The kernel functions each step stands for are named where the step is done
 * (drivers/iommu/dma-iommu.c and kernel/dma/direct.h as of 6.1).
 */
#include <stdlib.h>
#include <string.h>
#include "dma.h"
#include "iova.h"

/* Bus addresses in passthrough/fixed mode: the frame number, offset so 0 never appears. */
#define PT_BUS_BASE (1ull << 40)
/*
 * IOVA space: 4 GiB of frames below a 32-bit-like limit, as a PCI device's first (SAC)
 * attempt in iommu_dma_alloc_iova has. The limit is the last frame a 32-bit address
 * reaches (inclusive, like DMA_BIT_MASK(32)).
 */
#define IOVA_START_PFN 1
#define IOVA_LIMIT_PFN (((4ull << 30) >> PB_PAGE_SHIFT) - 1)
#define PTE_PRESENT 1ull
#define IOTLB_NS_MAX 1000000

/* Per-CPU slot counters: CPUs mapping at once never share a line. */
struct dma_pcpu {
	struct pb_dma_counters c;
} pb_cacheline_aligned;

/* One deferred IOVA (struct iova_fq_entry): freed once a flush that began after it ends. */
struct fq_entry {
	uint64_t iova_pfn;
	unsigned order;
	uint64_t counter;	/* fq_flush_start_cnt when queued */
};

/* struct iova_fq: one CPU's ring of deferred IOVAs, under its own lock. */
struct dma_fq {
	pb_spinlock_t lock;
	unsigned head, tail;
	struct fq_entry entries[PB_DMA_FQ_SIZE];
} pb_cacheline_aligned;

struct pb_dma;

/* The device's dma_map_ops sync hooks: set for iommu, NULL for dma-direct (dma_map_direct). */
struct dma_sync_ops {
	void (*sync_for_cpu)(struct pb_dma *d, uint64_t addr, uint32_t len);
	void (*sync_for_device)(struct pb_dma *d, uint64_t addr, uint32_t len);
};

struct pb_dma {
	struct pb_dma_cfg cfg;
	uint64_t half_cycles;		/* fixed: the busy-wait at map and at unmap, TSC cycles */
	uint64_t iotlb_cycles;		/* iommu: one invalidation, TSC cycles */
	const struct dma_sync_ops *ops;
	/* struct device facts the sync paths read (dev_is_dma_coherent, dev_use_swiotlb). */
	bool coherent, untrusted;
	uint64_t swiotlb_start, swiotlb_end;	/* io_tlb_mem window: empty, nothing bounces */
	struct pb_iova_domain *iova;
	uint64_t *pte;			/* IO page-table leaves, one per IOVA frame */
	/* Lazy mode (struct iommu_dma_cookie): the flush counters and the queues. */
	pb_atomic64_t fq_flush_start_cnt pb_cacheline_aligned;
	pb_atomic64_t fq_flush_finish_cnt;
	pb_atomic_t fq_timer_on;
	struct dma_fq *fq;		/* PB_MAX_CPUS queues */
	struct dma_pcpu count[PB_MAX_CPUS];
};

#if defined(__x86_64__) && !defined(__KERNEL__)
#include <time.h>
#include <x86intrin.h>
/*
 * TSC cycles per ns against CLOCK_MONOTONIC over 5 ms: enough for a busy-wait's precision.
 * Measured once per process; two threads measuring at once both store a valid figure.
 */
static double tsc_per_ns(void)
{
	static _Atomic double cached;
	struct timespec t0, t;
	uint64_t c0, c1;
	int64_t ns;
	double r = cached;

	if (r > 0)
		return r;
	c0 = __rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ns = (t.tv_sec - t0.tv_sec) * 1000000000ll + (t.tv_nsec - t0.tv_nsec);
	} while (ns < 5000000);
	c1 = __rdtsc();
	r = (double)(c1 - c0) / (double)ns;
	cached = r;
	return r;
}

/*
 * Busy-waits @cycles TSC cycles; returns the cycles it took, start to the read that ended
 * it. The loop overshoots by one TSC read at most (~20-40 cycles), but the TSC runs on while
 * the thread is descheduled, so a wait that spans a preemption lasts until the thread runs
 * again: on a loaded machine long waits absorb their share of other tasks' time (see
 * docs/backends.md, "Waits and a loaded machine").
 */
static inline uint64_t tsc_wait(uint64_t cycles, uint64_t ns)
{
	uint64_t start = __rdtsc(), end = start + cycles, now;

	(void)ns;
	/* No pause here: its latency (tens of cycles on recent cores) would overshoot the wait. */
	while ((now = __rdtsc()) < end)
		;
	return now - start;
}
#else
/* The kernel's ndelay() is already calibrated; no floating point in kernel context. */
static inline uint64_t tsc_wait(uint64_t cycles, uint64_t ns)
{
	(void)cycles;
	pb_ndelay(ns);
	return 0;
}
#endif

/* Half of a fixed:NNN pair (at map or at unmap), counted as asked and as waited. */
static inline void fixed_wait(struct pb_dma *d)
{
	struct pb_dma_counters *c = &d->count[pb_cpu_id()].c;

	c->wait_cycles += tsc_wait(d->half_cycles, d->cfg.fixed_ns / 2);
	c->wait_ns += d->cfg.fixed_ns / 2;
}

/*
 * The IOTLB invalidation round trip (iommu_iotlb_sync for one unmap, or flush_iotlb_all for
 * the domain): the hardware latency the model cannot do, waited on the TSC.
 */
static inline void iotlb_wait(struct pb_dma *d)
{
	struct pb_dma_counters *c = &d->count[pb_cpu_id()].c;

	c->wait_cycles += tsc_wait(d->iotlb_cycles, d->cfg.iotlb_ns);
	c->wait_ns += d->cfg.iotlb_ns;
	c->iotlb_inv++;
}

/* One "key=..." option of iommu: 0, or -1 + @err naming the whole value @v. */
static int parse_iommu_opt(const char *v, const char *opt, size_t n, struct pb_dma_cfg *c,
			   struct pb_err *err)
{
	char *end;

	if (n == 6 && !strncmp(opt, "strict", 6)) {
		c->strict = true;
	} else if (n == 4 && !strncmp(opt, "lazy", 4)) {
		c->strict = false;
	} else if (n > 6 && !strncmp(opt, "iotlb=", 6)) {
		if (opt[6] < '0' || opt[6] > '9')
			return pb_err_set(err, "dma=%s: iotlb= needs a number of nanoseconds", v);
		c->iotlb_ns = strtoull(opt + 6, &end, 10);
		if (end != opt + n || c->iotlb_ns > IOTLB_NS_MAX)
			return pb_err_set(err, "dma=%s: iotlb= takes 0 to %u ns", v, IOTLB_NS_MAX);
	} else if (n == 9 && !strncmp(opt, "rcache=on", 9)) {
		c->rcache = true;
	} else if (n == 10 && !strncmp(opt, "rcache=off", 10)) {
		c->rcache = false;
	} else {
		return pb_err_set(err, "dma=%s: iommu options are strict, lazy, iotlb=NS and rcache=on|off",
				  v);
	}
	return 0;
}

int pb_dma_parse(const char *v, struct pb_dma_cfg *c, struct pb_err *err)
{
	char *end;

	memset(c, 0, sizeof(*c));
	c->rcache = true;
	c->iotlb_ns = PB_DMA_IOTLB_NS_DEFAULT;
	if (!strcmp(v, "none")) {
		c->mode = PB_DMA_NONE;
	} else if (!strcmp(v, "pt")) {
		c->mode = PB_DMA_PT;
	} else if (!strncmp(v, "iommu", 5) && (v[5] == '\0' || v[5] == ':')) {
		const char *opt = v + 5;

		c->mode = PB_DMA_IOMMU;
		while (*opt == ':') {
			const char *next = strchr(opt + 1, ':');
			size_t n = next ? (size_t)(next - opt - 1) : strlen(opt + 1);

			if (parse_iommu_opt(v, opt + 1, n, c, err))
				return -1;
			opt += n + 1;
		}
	} else if (!strncmp(v, "fixed:", 6)) {
		if (v[6] < '0' || v[6] > '9')
			return pb_err_set(err, "dma=%s: fixed:NNN needs a number of nanoseconds", v);
		c->fixed_ns = strtoull(v + 6, &end, 10);
		if (*end || c->fixed_ns > 1000000)
			return pb_err_set(err, "dma=%s: fixed:NNN takes 0 to 1000000 ns", v);
		c->mode = PB_DMA_FIXED;
	} else {
		return pb_err_set(err, "dma=%s: must be none, pt, iommu[:strict|:lazy][:iotlb=NS][:rcache=on|off] or fixed:NNN",
				  v);
	}
	return 0;
}

int pb_dma_check(const char *value, struct pb_err *err)
{
	struct pb_dma_cfg c;

	return pb_dma_parse(value, &c, err);
}

/* --- sync: kernel/dma/mapping.c dma_sync_single_for_{cpu,device} --- */

/*
 * dma_direct_sync_single_for_{cpu,device} on x86: coherent, so no cache maintenance; the
 * one real step is is_swiotlb_buffer(), a bounds check against the bounce window.
 */
static inline void direct_sync(struct pb_dma *d, uint64_t addr, uint32_t len)
{
	uint64_t phys = addr - PT_BUS_BASE;	/* dma_to_phys */

	PB_BUG_ON(phys >= d->swiotlb_start && phys + len <= d->swiotlb_end,
		  "dma: a bounce buffer the model never sets up");
}

/*
 * iommu_dma_sync_single_for_{cpu,device}: a coherent device that needs no bounce buffer
 * returns at once (dev_is_dma_coherent && !dev_use_swiotlb); the cost is the indirect call
 * through dma_map_ops and the two reads of the device.
 */
static void iommu_sync(struct pb_dma *d, uint64_t addr, uint32_t len)
{
	(void)addr;
	(void)len;
	PB_BUG_ON(!(PB_READ_ONCE(d->coherent) && !PB_READ_ONCE(d->untrusted)),
		  "dma: a non-coherent or untrusted device the model does not do");
}

static const struct dma_sync_ops iommu_sync_ops = {
	.sync_for_cpu = iommu_sync,
	.sync_for_device = iommu_sync,
};

void pb_dma_sync_for_cpu(struct pb_dma *d, uint64_t addr, uint32_t len)
{
	const struct dma_sync_ops *ops = d->ops;

	if (d->cfg.mode == PB_DMA_NONE)
		return;
	if (!ops)	/* dma_map_direct */
		direct_sync(d, addr, len);
	else
		ops->sync_for_cpu(d, addr, len);
	d->count[pb_cpu_id()].c.sync_cpu++;
}

void pb_dma_sync_for_device(struct pb_dma *d, uint64_t addr, uint32_t len)
{
	const struct dma_sync_ops *ops = d->ops;

	if (d->cfg.mode == PB_DMA_NONE)
		return;
	if (!ops)
		direct_sync(d, addr, len);
	else
		ops->sync_for_device(d, addr, len);
	d->count[pb_cpu_id()].c.sync_dev++;
}

/* --- the IOMMU: iommu_dma_map_page / __iommu_dma_unmap --- */

/* Smallest order whose 2^order frames hold @n (iommu_dma_alloc_iova's roundup_pow_of_two). */
static unsigned order_for(uint64_t n)
{
	unsigned order = 0;

	while ((1ull << order) < n)
		order++;
	return order;
}

/* iommu_map: the leaf entries of @n frames from @iova_pfn to the frames from @pfn. */
static void iopte_set(struct pb_dma *d, uint64_t iova_pfn, uint64_t pfn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		PB_BUG_ON(d->pte[iova_pfn + i], "dma: an IOVA frame mapped twice");
		d->pte[iova_pfn + i] = ((pfn + i) << PB_PAGE_SHIFT) | PTE_PRESENT;
	}
}

/* iommu_unmap_fast: clears @n leaf entries; each must be present (unmapped != size is a bug). */
static void iopte_clear(struct pb_dma *d, uint64_t iova_pfn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		PB_BUG_ON(!(d->pte[iova_pfn + i] & PTE_PRESENT),
			  "dma: unmapping an address the IOMMU never handed out");
		d->pte[iova_pfn + i] = 0;
	}
}

/* iommu_dma_alloc_iova: alloc_iova_fast, or the tree alone with rcache=off. */
static uint64_t iova_get(struct pb_dma *d, unsigned order)
{
	if (d->cfg.rcache)
		return pb_iova_alloc_fast(d->iova, order);
	return pb_iova_alloc(d->iova, order);
}

/* free_iova_fast, or the tree alone with rcache=off. */
static void iova_put(struct pb_dma *d, uint64_t iova_pfn, unsigned order)
{
	if (d->cfg.rcache)
		pb_iova_free_fast(d->iova, iova_pfn, order);
	else
		PB_BUG_ON(!pb_iova_free(d->iova, iova_pfn),
			  "dma: unmapping an address the IOMMU never handed out");
}

/* fq_flush_iotlb: one invalidation of the whole domain, bracketed by the flush counters. */
static void fq_flush_iotlb(struct pb_dma *d)
{
	pb_atomic64_add(&d->fq_flush_start_cnt, 1);
	iotlb_wait(d);
	pb_atomic64_add(&d->fq_flush_finish_cnt, 1);
}

/* fq_ring_free: frees, oldest first, every entry a finished flush began after. Lock held. */
static void fq_ring_free(struct pb_dma *d, struct dma_fq *fq)
{
	uint64_t counter = (uint64_t)pb_atomic64_read(&d->fq_flush_finish_cnt);
	struct pb_dma_counters *c = &d->count[pb_cpu_id()].c;

	while (fq->head != fq->tail) {
		struct fq_entry *e = &fq->entries[fq->head];

		if (e->counter >= counter)
			break;
		iova_put(d, e->iova_pfn, e->order);
		fq->head = (fq->head + 1) % PB_DMA_FQ_SIZE;
		c->fq_freed++;
	}
}

/*
 * queue_iova: the IOVA waits in this CPU's ring for a flush. Entries another CPU's flush
 * already covered are freed first; a full ring flushes the domain itself. The timer is
 * armed once (fq_timer_on) and, the model having no timer, stays armed; see
 * pb_dma_flush_queues.
 */
static void queue_iova(struct pb_dma *d, uint64_t iova_pfn, unsigned order)
{
	struct pb_dma_counters *c = &d->count[pb_cpu_id()].c;
	struct dma_fq *fq;
	unsigned idx;

	pb_smp_mb();	/* order the PTE clears before a flush another CPU may start */
	fq = &d->fq[pb_cpu_id()];
	pb_spin_lock(&fq->lock);
	fq_ring_free(d, fq);
	if ((fq->tail + 1) % PB_DMA_FQ_SIZE == fq->head) {	/* fq_full */
		c->fq_full++;
		fq_flush_iotlb(d);
		fq_ring_free(d, fq);
	}
	idx = fq->tail;	/* fq_ring_add */
	fq->tail = (idx + 1) % PB_DMA_FQ_SIZE;
	fq->entries[idx].iova_pfn = iova_pfn;
	fq->entries[idx].order = order;
	fq->entries[idx].counter = (uint64_t)pb_atomic64_read(&d->fq_flush_start_cnt);
	pb_spin_unlock(&fq->lock);
	c->fq_queued++;
	if (!pb_atomic_read(&d->fq_timer_on))
		pb_atomic_cmpxchg(&d->fq_timer_on, 0, 1);	/* atomic_xchg, then mod_timer */
}

void pb_dma_flush_queues(struct pb_dma *d)
{
	if (!d->fq)
		return;
	pb_atomic_set(&d->fq_timer_on, 0);
	fq_flush_iotlb(d);
	for (unsigned cpu = 0; cpu < PB_MAX_CPUS; cpu++) {
		pb_spin_lock(&d->fq[cpu].lock);
		fq_ring_free(d, &d->fq[cpu]);
		pb_spin_unlock(&d->fq[cpu].lock);
	}
}

/* iommu_dma_map_page: an IOVA of 2^order frames, @n of them mapped to the frames at @pfn. */
static int iommu_map(struct pb_dma *d, uint64_t pfn, uint64_t n, uint64_t *iova_pfn)
{
	unsigned order = order_for(n);
	uint64_t iova = iova_get(d, order);

	if (pb_unlikely(!iova))
		return -1;
	iopte_set(d, iova, pfn, n);
	*iova_pfn = iova;
	return 0;
}

/*
 * __iommu_dma_unmap: leaf entries cleared, then strict: iommu_iotlb_sync and the IOVA
 * freed at once; lazy: the IOVA queued (iommu_dma_free_iova with gather->queued).
 */
static void iommu_unmap(struct pb_dma *d, uint64_t iova_pfn, uint64_t n)
{
	unsigned order = order_for(n);

	iopte_clear(d, iova_pfn, n);
	if (d->cfg.strict) {
		iotlb_wait(d);
		iova_put(d, iova_pfn, order);
	} else {
		queue_iova(d, iova_pfn, order);
	}
}

/* --- the device --- */

struct pb_dma *pb_dma_create(const char *value, struct pb_arena *ar, struct pb_err *err)
{
	struct pb_dma *d = aligned_alloc(PB_CACHELINE, sizeof(*d));

	(void)ar;
	if (!d) {
		pb_err_set(err, "dma: out of memory");
		return NULL;
	}
	memset(d, 0, sizeof(*d));
	if (pb_dma_parse(value, &d->cfg, err)) {
		free(d);
		return NULL;
	}
	d->coherent = true;	/* x86: every PCI device is cache coherent */
#if defined(__x86_64__) && !defined(__KERNEL__)
	if (d->cfg.mode == PB_DMA_FIXED || d->cfg.mode == PB_DMA_IOMMU) {
		double r = tsc_per_ns();

		d->half_cycles = (uint64_t)((double)(d->cfg.fixed_ns / 2) * r);
		d->iotlb_cycles = (uint64_t)((double)d->cfg.iotlb_ns * r);
	}
#endif
	if (d->cfg.mode != PB_DMA_IOMMU)
		return d;
	d->ops = &iommu_sync_ops;
	d->iova = pb_iova_create(IOVA_START_PFN, IOVA_LIMIT_PFN);
	d->pte = calloc(IOVA_LIMIT_PFN + 1, sizeof(*d->pte));
	if (!d->cfg.strict)
		d->fq = aligned_alloc(PB_CACHELINE, PB_MAX_CPUS * sizeof(*d->fq));
	if (!d->iova || !d->pte || (!d->cfg.strict && !d->fq)) {
		pb_dma_destroy(d);
		pb_err_set(err, "dma=%s: out of memory", value);
		return NULL;
	}
	if (d->fq) {
		memset(d->fq, 0, PB_MAX_CPUS * sizeof(*d->fq));
		for (unsigned c = 0; c < PB_MAX_CPUS; c++)
			pb_spin_init(&d->fq[c].lock);
	}
	return d;
}

void pb_dma_destroy(struct pb_dma *d)
{
	if (!d)
		return;
	/* Queued IOVAs need no flush: the domain and its tree go as a whole (iommu_dma_free_fq). */
	if (d->iova)
		pb_iova_destroy(d->iova);
	free(d->fq);
	free(d->pte);
	free(d);
}

enum pb_dma_mode pb_dma_mode(const struct pb_dma *d)
{
	return d->cfg.mode;
}

const struct pb_dma_cfg *pb_dma_cfg(const struct pb_dma *d)
{
	return &d->cfg;
}

struct pb_iova_domain *pb_dma_iova(const struct pb_dma *d)
{
	return d->iova;
}

int pb_dma_map(struct pb_dma *d, struct pb_page *pg, unsigned order)
{
	uint64_t iova;

	switch (d->cfg.mode) {
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
		if (pb_unlikely(iommu_map(d, pb_page_pfn(pg), 1ull << order, &iova)))
			return -1;
		pg->dma_addr = iova << PB_PAGE_SHIFT;
		break;
	}
	d->count[pb_cpu_id()].c.map++;
	return 0;
}

void pb_dma_unmap(struct pb_dma *d, struct pb_page *pg, unsigned order)
{
	switch (d->cfg.mode) {
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
		iommu_unmap(d, pg->dma_addr >> PB_PAGE_SHIFT, 1ull << order);
		break;
	}
	pg->dma_addr = 0;
	d->count[pb_cpu_id()].c.unmap++;
}

int pb_dma_map_range(struct pb_dma *d, struct pb_page *pg, uint32_t offset, uint32_t len,
		     uint64_t *addr)
{
	uint64_t phys = ((uint64_t)pb_page_pfn(pg) << PB_PAGE_SHIFT) + offset;
	uint64_t in_page = phys & (PB_PAGE_SIZE - 1), iova;

	*addr = 0;
	switch (d->cfg.mode) {
	case PB_DMA_NONE:
		return 0;
	case PB_DMA_FIXED:
		fixed_wait(d);
		__attribute__((__fallthrough__));
	case PB_DMA_PT:
		*addr = PT_BUS_BASE + phys;
		break;
	case PB_DMA_IOMMU:
		/* iova_align(size + iova_off): every frame the range touches. */
		if (pb_unlikely(iommu_map(d, phys >> PB_PAGE_SHIFT,
					  (in_page + len + PB_PAGE_SIZE - 1) >> PB_PAGE_SHIFT, &iova)))
			return -1;
		*addr = (iova << PB_PAGE_SHIFT) + in_page;
		break;
	}
	d->count[pb_cpu_id()].c.map++;
	return 0;
}

void pb_dma_unmap_range(struct pb_dma *d, uint64_t addr, uint32_t len)
{
	uint64_t in_page = addr & (PB_PAGE_SIZE - 1);

	switch (d->cfg.mode) {
	case PB_DMA_NONE:
		return;
	case PB_DMA_FIXED:
		fixed_wait(d);
		__attribute__((__fallthrough__));
	case PB_DMA_PT:
		PB_BUG_ON(addr < PT_BUS_BASE, "dma: unmapping an address never mapped");
		break;
	case PB_DMA_IOMMU:
		iommu_unmap(d, addr >> PB_PAGE_SHIFT,
			    (in_page + len + PB_PAGE_SIZE - 1) >> PB_PAGE_SHIFT);
		break;
	}
	d->count[pb_cpu_id()].c.unmap++;
}

void pb_dma_counters(const struct pb_dma *d, struct pb_dma_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned cpu = 0; cpu < PB_MAX_CPUS; cpu++) {
		const struct pb_dma_counters *c = &d->count[cpu].c;

		out->map += c->map;
		out->unmap += c->unmap;
		out->sync_cpu += c->sync_cpu;
		out->sync_dev += c->sync_dev;
		out->iotlb_inv += c->iotlb_inv;
		out->fq_queued += c->fq_queued;
		out->fq_full += c->fq_full;
		out->fq_freed += c->fq_freed;
		out->wait_ns += c->wait_ns;
		out->wait_cycles += c->wait_cycles;
	}
}

uint64_t pb_dma_nr_mapped(const struct pb_dma *d)
{
	struct pb_dma_counters c;

	pb_dma_counters(d, &c);
	return c.map - c.unmap;
}

void pb_dma_stats(const struct pb_dma *d, struct pb_stats *out)
{
	struct pb_dma_counters c;

	pb_dma_counters(d, &c);
	out->dma_map += c.map;
	out->dma_unmap += c.unmap;
}

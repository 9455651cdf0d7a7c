// SPDX-License-Identifier: GPL-2.0-only
/* The lifecycle every backend instance shares, and the memory parameters every instance takes. */
#include <stdlib.h>
#include <string.h>
#include "allocator.h"

const struct pb_param_spec pb_mem_params[] = {
	{ "mem", PB_PARAM_UINT, 4u << 20, 64ull << 30, NULL, "128M",
	  "bytes of page memory per backend instance (k/M/G suffixes)" },
	{ "node", PB_PARAM_UINT, 0, 255, NULL, NULL,
	  "NUMA node the arena is bound to through hwloc (unset: first touch by the measured CPU)" },
	{ "hugepage", PB_PARAM_BOOL, 0, 1, NULL, "off", "back the arena with transparent huge pages" },
	{ "kernel", PB_PARAM_ENUM, 0, 0, "6.1|2016", "6.1",
	  "page allocator path modelled: 6.1 (Debian 12) or 2016 (Linux 4.6: order-0 pcp lists, "
	  "checks on every allocation and free)" },
	{ "init_on_alloc", PB_PARAM_BOOL, 0, 1, NULL, NULL,
	  "zero every allocated page (init_on_alloc=1, Debian's default; unset: on with kernel=6.1 "
	  "(in the module: the running kernel's setting), off with kernel=2016, which predates it)" },
	{ "pcp_batch", PB_PARAM_UINT, 1, 4096, NULL, "63", "pages per per-CPU list refill/drain (pcp->batch)" },
	{ "pcp_high", PB_PARAM_UINT, 1, 65536, NULL, NULL,
	  "per-CPU list length that triggers a drain (unset: derived as the kernel does: "
	  "max(low watermark / online CPUs, 4 x batch) on 6.1, 6 x batch on 2016)" },
	{ "pcp_max_order", PB_PARAM_UINT, 0, 3, NULL, NULL,
	  "orders 0..N use per-CPU lists (unset: 3 with kernel=6.1, 0 with kernel=2016)" },
	{ "dma", PB_PARAM_CUSTOM, 0, 0, NULL, "none",
	  "DMA mapping cost model: none, pt, iommu or fixed:NNN (ns per map+unmap)", pb_dma_check },
	{ 0 },
};


int pb_alloc_check_params(const struct pb_alloc_ops *ops, const struct pb_params *p, struct pb_err *err)
{
	if (pb_params_check(p, pb_mem_params, err) || pb_params_check(p, ops->params, err))
		return -1;
	if (pb_params_raw(p, "node") && pb_arena_node_check((int)pb_param_u64(p, pb_mem_params, "node"), err))
		return -1;
	if (ops->check && ops->check(p, err))
		return -1;
	if (pb_params_raw(p, "pcp_high") &&
	    pb_param_u64(p, pb_mem_params, "pcp_high") < pb_param_u64(p, pb_mem_params, "pcp_batch"))
		return pb_err_set(err, "pcp_high=%s: must be at least pcp_batch",
				  pb_params_raw(p, "pcp_high"));
	if (pb_param_u64(p, pb_mem_params, "kernel") == PB_KERNEL_2016) {
		if (pb_params_raw(p, "pcp_max_order") && pb_param_u64(p, pb_mem_params, "pcp_max_order"))
			return pb_err_set(err, "pcp_max_order=%s: kernel=2016 (Linux 4.6) has order-0 "
					  "per-CPU lists only", pb_params_raw(p, "pcp_max_order"));
		if (pb_params_raw(p, "init_on_alloc") && pb_param_u64(p, pb_mem_params, "init_on_alloc"))
			return pb_err_set(err, "init_on_alloc=%s: kernel=2016 (Linux 4.6) has no "
					  "init_on_alloc (it arrived in 5.3)", pb_params_raw(p, "init_on_alloc"));
	}
	return 0;
}

struct pb_alloc *pb_alloc_create(const struct pb_alloc_ops *ops, const struct pb_params *p,
				 struct pb_err *err)
{
	struct pb_zone_params zp;
	struct pb_alloc *a;
	size_t npages;
	int node = -1;

	if (ops->absent) {
		pb_err_set(err, "%s: not available in this build: %s", ops->name, ops->absent);
		return NULL;
	}
	if (pb_alloc_check_params(ops, p, err))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		pb_err_set(err, "%s: out of memory", ops->name);
		return NULL;
	}
	a->ops = ops;
	npages = pb_param_u64(p, pb_mem_params, "mem") >> PB_PAGE_SHIFT;
	if (pb_params_raw(p, "node"))
		node = (int)pb_param_u64(p, pb_mem_params, "node");
	if (pb_arena_init(&a->mem.arena, npages, node,
			  pb_param_u64(p, pb_mem_params, "hugepage"), err))
		goto free_a;
	zp.kernel = (unsigned)pb_param_u64(p, pb_mem_params, "kernel");
	zp.pcp_batch = (unsigned)pb_param_u64(p, pb_mem_params, "pcp_batch");
	zp.pcp_high = pb_params_raw(p, "pcp_high") ?
		      (unsigned)pb_param_u64(p, pb_mem_params, "pcp_high") : 0;
	if (pb_params_raw(p, "pcp_max_order"))
		zp.pcp_max_order = (unsigned)pb_param_u64(p, pb_mem_params, "pcp_max_order");
	else
		zp.pcp_max_order = zp.kernel == PB_KERNEL_2016 ? 0 : 3;
	if (pb_params_raw(p, "init_on_alloc"))
		zp.init_on_alloc = pb_param_u64(p, pb_mem_params, "init_on_alloc");
	else
		zp.init_on_alloc = zp.kernel == PB_KERNEL_6_1 && pb_init_on_alloc_default();
	zp.ncpus = PB_MAX_CPUS;
	a->mem.zone = pb_zone_create(&a->mem.arena, &zp);
	if (!a->mem.zone) {
		pb_err_set(err, "%s: cannot create the page allocator zone", ops->name);
		goto free_arena;
	}
	a->mem.dma = pb_dma_create(pb_param_str(p, pb_mem_params, "dma"), &a->mem.arena, err);
	if (!a->mem.dma)
		goto free_zone;
	if (ops->create(a, p, err))
		goto free_dma;
	return a;
free_dma:
	pb_dma_destroy(a->mem.dma);
free_zone:
	pb_zone_destroy(a->mem.zone);
free_arena:
	pb_arena_fini(&a->mem.arena);
free_a:
	free(a);
	return NULL;
}

uint64_t pb_alloc_destroy(struct pb_alloc *a, uint64_t *leaked)
{
	uint64_t in_flight = a->ops->destroy ? a->ops->destroy(a) : 0;
	size_t nr_free;

	if (in_flight)
		return in_flight;
	/* Every page the backend cached went back unmapped; a mapping left is a leaked IOVA. */
	PB_BUG_ON(pb_dma_nr_mapped(a->mem.dma), "backend left DMA mappings behind at destroy");
	pb_dma_destroy(a->mem.dma);
	pb_zone_drain_all(a->mem.zone);
	nr_free = pb_zone_nr_free(a->mem.zone);
	if (leaked)
		*leaked = pb_zone_nr_pages(a->mem.zone) - nr_free;
	pb_zone_destroy(a->mem.zone);
	pb_arena_fini(&a->mem.arena);
	free(a);
	return 0;
}

void pb_alloc_stats(struct pb_alloc *a, struct pb_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (a->ops->stats)
		a->ops->stats(a, out);
	pb_zone_stats(a->mem.zone, out);
	pb_dma_stats(a->mem.dma, out);
}

unsigned pb_alloc_bulk(struct pb_alloc *a, struct pb_page **pages, unsigned n)
{
	unsigned i;

	if (a->ops->alloc_bulk)
		return a->ops->alloc_bulk(a, pages, n);
	for (i = 0; i < n; i++) {
		pages[i] = a->ops->alloc(a);
		if (!pages[i])
			break;
	}
	return i;
}

void pb_alloc_free_bulk(struct pb_alloc *a, struct pb_page **pages, unsigned n, bool direct)
{
	if (a->ops->free_bulk) {
		a->ops->free_bulk(a, pages, n, direct);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		a->ops->free(a, pages[i], direct);
}

// SPDX-License-Identifier: GPL-2.0-only
/* The lifecycle every backend instance shares, and the memory parameters every instance takes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "allocator.h"

/*
 * fail= as parts per million: "0", "1", or "0." and at most six decimals. Integer only:
 * the kernel module parses the same table and has no floating point.
 */
static int fail_parse(const char *value, uint32_t *ppm, struct pb_err *err)
{
	const char *s = value;
	uint32_t v = 0, scale = PB_FAIL_PPM_ONE;

	if (*s == '1' && (!s[1] || (s[1] == '.' && strspn(s + 2, "0") == strlen(s + 2)))) {
		*ppm = PB_FAIL_PPM_ONE;
		return 0;
	}
	if (*s++ != '0' || (*s && *s++ != '.') || (s[-1] == '.' && !*s))
		return pb_err_set(err, "fail=%s: a probability from 0 to 1 (0.01: one call in a hundred fails)",
				  value);
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return pb_err_set(err, "fail=%s: a probability from 0 to 1 (0.01: one call in a hundred fails)",
					  value);
		scale /= 10;
		if (!scale)
			return pb_err_set(err, "fail=%s: at most six decimals (steps of one in a million)", value);
		v += (uint32_t)(*s - '0') * scale;
	}
	*ppm = v;
	return 0;
}

static int fail_check(const char *value, struct pb_err *err)
{
	uint32_t ppm;

	return fail_parse(value, &ppm, err);
}

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
	{ "pcp_batch", PB_PARAM_UINT, 1, 4096, NULL, NULL,
	  "pages per per-CPU list refill/drain (pcp->batch; unset: zone_batchsize of a zone of 1 GiB "
	  "or more: 63 on 6.1 (capped at 1 MiB), 31 on 2016 (capped at 512 KiB))" },
	{ "pcp_high", PB_PARAM_UINT, 1, 65536, NULL, NULL,
	  "per-CPU list length that triggers a drain (unset: derived as the kernel does: "
	  "max(low watermark / online CPUs, 4 x batch) on 6.1, 6 x batch on 2016)" },
	{ "pcp_max_order", PB_PARAM_UINT, 0, 3, NULL, NULL,
	  "orders 0..N use per-CPU lists (unset: 3 with kernel=6.1, 0 with kernel=2016)" },
	{ "dma", PB_PARAM_CUSTOM, 0, 0, NULL, "none",
	  "DMA mapping cost model: none, pt, iommu or fixed:NNN (ns per map+unmap)", pb_dma_check },
	{ "fail", PB_PARAM_CUSTOM, 0, 0, NULL, "0",
	  "fault injection: probability (0..1, steps of 1e-6) that a page allocator call fails, "
	  "as the kernel's fail_page_alloc with min-order 0 (docs/fault-injection.md)", fail_check },
	{ "fail_seed", PB_PARAM_UINT, 0, UINT32_MAX, NULL, "1",
	  "fault injection: seed of each CPU slot's sequence of failures (same seed, same failures)" },
	{ "fail_space", PB_PARAM_UINT, 0, 1ull << 40, NULL, "0",
	  "fault injection: pages handed out before calls may fail (fault-inject's space; "
	  "fail=1 fail_space=N fails the first call once N - 1 pages are out, as during create)" },
	{ 0 },
};

/*
 * len= as a backend reads it: a fixed length (PB_TRAFFIC_LEN_PARAM's bounds), or a
 * per-frame draw (imix, file:PATH) of a workload that models copybreak itself (nic).
 */
static int traffic_len_check(const char *value, struct pb_err *err)
{
	struct pb_param_spec fixed = PB_TRAFFIC_LEN_PARAM;
	uint64_t v;

	if (!strcmp(value, "imix") || !strncmp(value, "file:", 5))
		return 0;
	return pb_param_parse(&fixed, value, &v, err);
}

const struct pb_param_spec pb_traffic_params[] = {
	{ "len", PB_PARAM_CUSTOM, 0, 0, NULL, "1500",
	  "bytes per received frame: a number (see the workload's len=), or drawn per frame", traffic_len_check },
	PB_TRAFFIC_PATH_PARAM,
	{ 0 },
};

uint32_t pb_traffic_len(const struct pb_params *p)
{
	struct pb_param_spec fixed = PB_TRAFFIC_LEN_PARAM;
	const char *v = pb_param_str(p, pb_traffic_params, "len");
	struct pb_err err;
	uint64_t n;

	if (pb_param_parse(&fixed, v, &n, &err))
		pb_param_parse(&fixed, fixed.def, &n, &err);	/* drawn per frame: the default */
	return (uint32_t)n;
}

int pb_traffic_check(const struct pb_params *p, struct pb_err *err)
{
	return pb_params_check(p, pb_traffic_params, err);
}

/*
 * pcp->batch as zone_batchsize sets it for a zone of 1 GiB or more: managed / 1024 pages,
 * capped (6.1: 1 MiB, 256 pages; 4.6: "no more than 1/2 of a meg", 128), / 4, then
 * rounddown_pow_of_two(batch + batch / 2) - 1: 63 and 31.
 */
static unsigned pcp_batch_of(const struct pb_params *p)
{
	if (pb_params_raw(p, "pcp_batch"))
		return (unsigned)pb_param_u64(p, pb_mem_params, "pcp_batch");
	return pb_param_u64(p, pb_mem_params, "kernel") == PB_KERNEL_2016 ? 31 : 63;
}

uint64_t pb_mem_blocks(const struct pb_params *p, unsigned order, char *why, size_t len)
{
	uint64_t pages = pb_param_u64(p, pb_mem_params, "mem") >> PB_PAGE_SHIFT;

	snprintf(why, len, "mem=%s: %llu pages, %llu blocks of order %u",
		 pb_param_str(p, pb_mem_params, "mem"), (unsigned long long)pages,
		 (unsigned long long)(pages >> order), order);
	return pages >> order;
}

int pb_alloc_check_params(const struct pb_alloc_ops *ops, const struct pb_params *p, struct pb_err *err)
{
	if (pb_params_check(p, pb_mem_params, err) || pb_params_check(p, ops->params, err))
		return -1;
	if (pb_params_raw(p, "node") && pb_arena_node_check((int)pb_param_u64(p, pb_mem_params, "node"), err))
		return -1;
	if (ops->check && ops->check(p, err))
		return -1;
	if (pb_params_raw(p, "pcp_high") &&
	    pb_param_u64(p, pb_mem_params, "pcp_high") < pcp_batch_of(p))
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
	struct pb_membind mb;
	struct pb_alloc *a;
	size_t npages;
	int node = -1, rc;

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
	a->slot = aligned_alloc(PB_CACHELINE, PB_MAX_CPUS * sizeof(*a->slot));
	if (!a->slot) {
		pb_err_set(err, "%s: out of memory", ops->name);
		goto free_a;
	}
	memset(a->slot, 0, PB_MAX_CPUS * sizeof(*a->slot));
	npages = pb_param_u64(p, pb_mem_params, "mem") >> PB_PAGE_SHIFT;
	if (pb_params_raw(p, "node"))
		node = (int)pb_param_u64(p, pb_mem_params, "node");
	if (pb_arena_init(&a->mem.arena, npages, node,
			  pb_param_u64(p, pb_mem_params, "hugepage"), err))
		goto free_a;
	zp.kernel = (unsigned)pb_param_u64(p, pb_mem_params, "kernel");
	zp.pcp_batch = pcp_batch_of(p);
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
	if (fail_parse(pb_param_str(p, pb_mem_params, "fail"), &zp.fail_ppm, err))
		goto free_arena;
	zp.fail_seed = pb_param_u64(p, pb_mem_params, "fail_seed");
	zp.fail_space = pb_param_u64(p, pb_mem_params, "fail_space");
	a->mem.zone = pb_zone_create(&a->mem.arena, &zp);
	if (!a->mem.zone) {
		pb_err_set(err, "%s: cannot create the page allocator zone", ops->name);
		goto free_arena;
	}
	a->mem.dma = pb_dma_create(pb_param_str(p, pb_mem_params, "dma"), &a->mem.arena, err);
	if (!a->mem.dma)
		goto free_zone;
	/*
	 * The backend's own memory (caches, rings) on the arena's node too: what it allocates
	 * and touches first in create() comes from there.
	 */
	if (pb_numa_membind_thread(node, &mb)) {
		pb_err_set(err, "node=%d: cannot bind %s's memory", node, ops->name);
		goto free_dma;
	}
	rc = ops->create(a, p, err);
	pb_numa_membind_restore(&mb);
	if (rc) {
		/*
		 * allocator.h: a failed create leaves nothing allocated. Checked on every failure
		 * (fail= fail_space= makes one at each page-allocator call create makes): a page
		 * or mapping kept here would vanish with the arena unnoticed.
		 */
		pb_zone_drain_all(a->mem.zone);
		PB_BUG_ON(pb_zone_nr_free(a->mem.zone) != pb_zone_nr_pages(a->mem.zone),
			  "backend create failed but kept pages of its zone");
		PB_BUG_ON(pb_dma_nr_mapped(a->mem.dma), "backend create failed but left DMA mappings");
		goto free_dma;
	}
	return a;
free_dma:
	pb_dma_destroy(a->mem.dma);
free_zone:
	pb_zone_destroy(a->mem.zone);
free_arena:
	pb_arena_fini(&a->mem.arena);
free_a:
	free(a->slot);
	free(a);
	return NULL;
}

uint64_t pb_alloc_pages_out(struct pb_alloc *a)
{
	struct pb_arena *ar = &a->mem.arena;
	uint64_t out = 0;

	pb_zone_drain_all(a->mem.zone);
	if (pb_zone_nr_free(a->mem.zone) == pb_zone_nr_pages(a->mem.zone))
		return 0;
	/* A held block's head has refcount >= 1; tails and free pages have 0 (prep_compound_page). */
	for (size_t i = 0; i < ar->npages; i++)
		out += pb_page_count(&ar->pages[i]) > 0;
	return out;
}

uint64_t pb_alloc_destroy(struct pb_alloc *a, uint64_t *leaked)
{
	uint64_t out;

	if (!a->backend_gone) {
		out = a->ops->destroy ? a->ops->destroy(a) : 0;
		if (out) {
			/*
			 * The op counts what it lent (a pool's hold - release); a page it released
			 * while an extra reference still pins it is out too. Its cache is gone now,
			 * so every referenced block is one or the other (found by the stress driver:
			 * pools reported only the lent ones while clones pinned released pages).
			 */
			if (!a->ops->no_page_refs) {
				uint64_t pinned = pb_alloc_pages_out(a);

				if (pinned > out)
					out = pinned;
			}
			return out;
		}
		a->backend_gone = true;
	}
	/*
	 * The backend is gone, but a page it released may still be referenced (an skb clone
	 * holding a page_pool page after page_pool_release_page): unmapping the arena now
	 * would free memory under that reference. Keep it until the last put.
	 */
	out = pb_alloc_pages_out(a);
	if (out)
		return out;
	/* Every page the backend cached went back unmapped; a mapping left is a leaked IOVA. */
	PB_BUG_ON(pb_dma_nr_mapped(a->mem.dma), "backend left DMA mappings behind at destroy");
	pb_dma_destroy(a->mem.dma);
	if (leaked)
		*leaked = pb_zone_nr_pages(a->mem.zone) - pb_zone_nr_free(a->mem.zone);
	pb_zone_destroy(a->mem.zone);
	pb_arena_fini(&a->mem.arena);
	free(a->slot);
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
	for (unsigned c = 0; c < PB_MAX_CPUS; c++) {
		out->remote_node_pages += a->slot[c].remote_node_pages;
		out->alloc_failed += a->slot[c].alloc_failed;
	}
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

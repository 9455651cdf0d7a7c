// SPDX-License-Identifier: GPL-2.0-only
/*
 * dpdk_mempool: DPDK's rte_mempool with a per-lcore cache, the userspace packet-buffer pool
 * our designs must beat. Built only when pkg-config finds libdpdk.
 *
 * The pool is populated on this instance's arena: each object is one 4 KiB page of it, the
 * first 64 bytes of which hold the mempool's object header (as DPDK keeps an mbuf header
 * inside its element), so the page descriptor is found by address arithmetic like every
 * other backend's. EAL can be initialised once per process: that one-time state is the
 * only global here, and it is DPDK's, not ours.
 */
#define _GNU_SOURCE	/* pthread_{get,set}affinity_np */
#include "allocator.h"

#ifdef PB_HAVE_DPDK
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#define DPDK_HDR 64	/* sizeof(struct rte_mempool_objhdr) rounded to a cache line */

struct dpdk_peer {
	struct rte_mempool *mp;
	struct pb_alloc *a;
	unsigned nblocks;		/* page-allocator blocks the objects live in */
	struct pb_page **block;
	unsigned *order;
	uint64_t allocs[PB_MAX_CPUS];
	uint64_t frees[PB_MAX_CPUS];
};

static const struct pb_param_spec dpdk_params[] = {
	{ "cache", PB_PARAM_UINT, 0, 512, NULL, "256", "per-lcore cache entries (RTE_MEMPOOL_CACHE_MAX_SIZE 512)" },
	{ "objects", PB_PARAM_UINT, 64, 1u << 22, NULL, "8191",
	  "objects in the pool (2^n - 1 is the efficient size for its ring)" },
	{ 0 },
};

static pthread_once_t eal_once = PTHREAD_ONCE_INIT;
static int eal_rc;
static char eal_err[160];

static void eal_init_once(void)
{
	char *argv[] = { "pagebench", "--no-huge", "--no-pci", "--no-shconf", "-l", "0", "-m", "64",
			 "--log-level=1", "--no-telemetry", NULL };
	cpu_set_t saved;

	/* EAL pins the calling thread to lcore 0's CPU; the harness placed it already. */
	pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved);
	optind = 0;	/* EAL parses with getopt: make it start afresh, whoever parsed before */
	eal_rc = rte_eal_init((int)(sizeof(argv) / sizeof(argv[0]) - 1), argv);
	if (eal_rc < 0)
		snprintf(eal_err, sizeof(eal_err), "rte_eal_init failed: %s", rte_strerror(rte_errno));
	pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
}

static inline struct pb_page *obj_to_page(struct pb_alloc *a, void *obj)
{
	return &a->mem.arena.pages[((char *)obj - a->mem.arena.base) >> PB_PAGE_SHIFT];
}

/* A thread EAL did not start has no lcore id and so no cache: give it one, once. */
static pb_noinline void dpdk_register_thread(void)
{
	if (rte_lcore_id() == LCORE_ID_ANY)
		rte_thread_register();
}

static struct pb_page *dpdk_alloc(struct pb_alloc *a)
{
	struct dpdk_peer *d = a->priv;
	struct pb_page *pg;
	void *obj;

	if (pb_unlikely(rte_lcore_id() == LCORE_ID_ANY))
		dpdk_register_thread();
	if (pb_unlikely(rte_mempool_get(d->mp, &obj)))
		return NULL;
	pg = obj_to_page(a, obj);
	if (pb_unlikely(pb_dma_map(a->mem.dma, pg, 0))) {
		rte_mempool_put(d->mp, obj);
		return NULL;
	}
	pb_atomic_set(&pg->refcount, 1);
	d->allocs[pb_cpu_id()]++;
	return pg;
}

static void dpdk_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	struct dpdk_peer *d = a->priv;

	if (pb_unlikely(rte_lcore_id() == LCORE_ID_ANY))
		dpdk_register_thread();
	PB_BUG_ON(pb_page_count(pg) != 1, "dpdk_mempool: object freed while still referenced");
	pb_atomic_set(&pg->refcount, 0);
	pb_dma_unmap(a->mem.dma, pg, 0);
	rte_mempool_put(d->mp, (char *)pb_page_address(pg) + DPDK_HDR);
	d->frees[pb_cpu_id()]++;
}

static unsigned dpdk_alloc_bulk(struct pb_alloc *a, struct pb_page **pages, unsigned n)
{
	struct dpdk_peer *d = a->priv;
	void **objs = (void **)pages;	/* same size, converted in place */

	if (pb_unlikely(rte_lcore_id() == LCORE_ID_ANY))
		dpdk_register_thread();
	if (rte_mempool_get_bulk(d->mp, objs, n))
		return 0;
	for (unsigned i = 0; i < n; i++) {
		pages[i] = obj_to_page(a, objs[i]);
		if (pb_unlikely(pb_dma_map(a->mem.dma, pages[i], 0))) {
			/* pages[] and objs[] share storage: slots above i still hold objects. */
			rte_mempool_put_bulk(d->mp, objs + i + 1, n - i - 1);
			rte_mempool_put(d->mp, (char *)pb_page_address(pages[i]) + DPDK_HDR);
			n = i;
			break;
		}
		pb_atomic_set(&pages[i]->refcount, 1);
	}
	d->allocs[pb_cpu_id()] += n;
	return n;
}

static void dpdk_free_bulk(struct pb_alloc *a, struct pb_page **pages, unsigned n, bool direct)
{
	struct dpdk_peer *d = a->priv;
	void **objs = (void **)pages;

	if (pb_unlikely(rte_lcore_id() == LCORE_ID_ANY))
		dpdk_register_thread();
	for (unsigned i = 0; i < n; i++) {
		struct pb_page *pg = pages[i];

		PB_BUG_ON(pb_page_count(pg) != 1, "dpdk_mempool: object freed while still referenced");
		pb_atomic_set(&pg->refcount, 0);
		pb_dma_unmap(a->mem.dma, pg, 0);
		objs[i] = (char *)pb_page_address(pg) + DPDK_HDR;
	}
	rte_mempool_put_bulk(d->mp, objs, n);
	d->frees[pb_cpu_id()] += n;
}

static uint64_t dpdk_in_flight(struct dpdk_peer *d)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < PB_MAX_CPUS; i++)
		n += d->allocs[i] - d->frees[i];
	return n;
}

static void dpdk_free_blocks(struct pb_alloc *a, struct dpdk_peer *d)
{
	for (unsigned i = 0; i < d->nblocks; i++) {
		/* A block's head page is object memory: its refcount follows the object protocol. */
		pb_atomic_set(&d->block[i]->refcount, 0);
		pb_free_pages_unref(a->mem.zone, d->block[i], d->order[i]);
	}
	free(d->block);
	free(d->order);
}

/* Populates the pool chunk by chunk from the largest blocks the page allocator has. */
static int dpdk_populate(struct pb_alloc *a, struct dpdk_peer *d, unsigned n, struct pb_err *err)
{
	unsigned max = (n >> PB_MAX_ORDER) + 2, left = n;

	d->block = calloc(max, sizeof(*d->block));
	d->order = calloc(max, sizeof(*d->order));
	if (!d->block || !d->order)
		return pb_err_set(err, "dpdk_mempool: out of memory");
	while (left) {
		unsigned order = PB_MAX_ORDER, chunk;
		struct pb_page *pg;
		int rc;

		while (order && (1u << (order - 1)) >= left)
			order--;
		pg = pb_alloc_pages(a->mem.zone, order);
		if (!pg || d->nblocks == max)
			return pb_err_set(err, "objects=%u: mem= too small for the pool", n);
		d->block[d->nblocks] = pg;
		d->order[d->nblocks++] = order;
		chunk = left < (1u << order) ? left : 1u << order;
		rc = rte_mempool_populate_iova(d->mp, pb_page_address(pg), RTE_BAD_IOVA,
					       (size_t)chunk * PB_PAGE_SIZE, NULL, NULL);
		if (rc != (int)chunk)
			return pb_err_set(err, "dpdk_mempool: populating the pool failed: %s",
					  rc < 0 ? rte_strerror(-rc) : "short chunk");
		left -= chunk;
	}
	return 0;
}

/* The pool must fit the instance's memory: say so before anything is created. */
static int dpdk_check(const struct pb_params *p, struct pb_err *err)
{
	uint64_t n = pb_param_u64(p, dpdk_params, "objects");
	uint64_t mem = pb_param_u64(p, pb_mem_params, "mem");

	if (n * PB_PAGE_SIZE > mem)
		return pb_err_set(err, "objects=%llu: %llu MiB of pages, more than mem=%s",
				  (unsigned long long)n, (unsigned long long)((n * PB_PAGE_SIZE) >> 20),
				  pb_param_str(p, pb_mem_params, "mem"));
	return 0;
}

/* The pool holds objects= buffers and no more; dpdk_check made sure mem= holds them. */
static uint64_t dpdk_capacity(const struct pb_params *p, char *why, size_t len)
{
	uint64_t n = pb_param_u64(p, dpdk_params, "objects");

	snprintf(why, len, "objects=%llu", (unsigned long long)n);
	return n;
}

static int dpdk_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	unsigned n = (unsigned)pb_param_u64(p, dpdk_params, "objects");
	unsigned cache = (unsigned)pb_param_u64(p, dpdk_params, "cache");
	struct dpdk_peer *d;
	char name[RTE_MEMPOOL_NAMESIZE];

	pthread_once(&eal_once, eal_init_once);
	if (eal_rc < 0)
		return pb_err_set(err, "dpdk_mempool: %s", eal_err);
	d = calloc(1, sizeof(*d));
	if (!d)
		return pb_err_set(err, "dpdk_mempool: out of memory");
	snprintf(name, sizeof(name), "pb%p", (void *)d);
	d->mp = rte_mempool_create_empty(name, n, PB_PAGE_SIZE - DPDK_HDR, cache, 0, SOCKET_ID_ANY,
					 RTE_MEMPOOL_F_NO_SPREAD | RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (!d->mp) {
		pb_err_set(err, "dpdk_mempool: rte_mempool_create_empty: %s", rte_strerror(rte_errno));
		free(d);
		return -1;
	}
	if (rte_mempool_set_ops_byname(d->mp, "ring_mp_mc", NULL)) {
		pb_err_set(err, "dpdk_mempool: no ring_mp_mc mempool driver");
		goto fail;
	}
	if (dpdk_populate(a, d, n, err))
		goto fail;
	d->a = a;
	a->priv = d;
	a->order = 0;
	return 0;
fail:
	rte_mempool_free(d->mp);
	dpdk_free_blocks(a, d);
	free(d);
	return -1;
}

static uint64_t dpdk_destroy(struct pb_alloc *a)
{
	struct dpdk_peer *d = a->priv;
	uint64_t in_flight = dpdk_in_flight(d);

	if (in_flight)
		return in_flight;
	rte_mempool_free(d->mp);
	dpdk_free_blocks(a, d);
	free(d);
	a->priv = NULL;
	return 0;
}

static void dpdk_stats(struct pb_alloc *a, struct pb_stats *out)
{
	struct dpdk_peer *d = a->priv;

	for (unsigned i = 0; i < PB_MAX_CPUS; i++)
		out->alloc_fast += d->allocs[i];
	out->in_flight += dpdk_in_flight(d);
}

const struct pb_alloc_ops pb_alloc_dpdk_mempool = {
	.name = "dpdk_mempool",
	.desc = "DPDK rte_mempool (ring_mp_mc) with a per-lcore cache, objects in our arena",
	.params = dpdk_params,
	.check = dpdk_check,
	.capacity = dpdk_capacity,
	.no_page_refs = true,
	.uncounted_atomics = "rte_mempool's ring compare-and-swaps happen inside DPDK",
	.create = dpdk_create,
	.destroy = dpdk_destroy,
	.alloc = dpdk_alloc,
	.free = dpdk_free,
	.alloc_bulk = dpdk_alloc_bulk,
	.free_bulk = dpdk_free_bulk,
	.stats = dpdk_stats,
};

#else

const struct pb_alloc_ops pb_alloc_dpdk_mempool = {
	.name = "dpdk_mempool",
	.desc = "DPDK rte_mempool with a per-lcore cache",
	.absent = "libdpdk not found by pkg-config at build time (apt-get install libdpdk-dev)",
};

#endif

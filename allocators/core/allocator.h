/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The backend interface (DPDK's rte_mempool_ops idea): a backend is a name, a parameter
 * table and a handful of callbacks, registered by one line in backends.def. Optional
 * callbacks default when NULL. Every instance gets its own arena and page allocator
 * (struct pb_mem) so backends never disturb each other's memory.
 */
#ifndef PB_ALLOCATOR_H
#define PB_ALLOCATOR_H

#include "dma.h"
#include "page.h"
#include "page_alloc.h"
#include "params.h"
#include "stats.h"

/* The memory an instance lives on: an arena, the page allocator (zone) that owns it, a device. */
struct pb_mem {
	struct pb_arena arena;
	struct pb_zone *zone;
	struct pb_dma *dma;
};

/*
 * A packet buffer: a piece of a page (sk_buff frag style). @page is the head page that
 * holds the reference; @len the bytes of the frame in it; @truesize is what the buffer
 * charges against memory (a half page, a fragment stride, a whole page), which is not the
 * same as what it pins. @truesize 0: the frame was copied out of @page into an skb head
 * (a driver's copybreak): the buffer holds no reference to @page and its free drops none;
 * @page and @offset still name where the frame's bytes were received.
 */
struct pb_buf {
	struct pb_page *page;
	uint32_t offset;
	uint32_t len;
	uint32_t truesize;
};

struct pb_alloc;

struct pb_alloc_ops {
	const char *name;
	const char *desc;
	const struct pb_param_spec *params;	/* keys create() reads; may be NULL */
	bool one_context;	/* not safe when alloc and free run on different CPUs at once */
	bool no_page_refs;	/* a general-purpose peer: pages carry no extra references */
	const char *absent;	/* non-NULL: not built here, and why (listed, cannot be created) */
	/* non-NULL: its atomics run inside a library pagebench cannot count, and where */
	const char *uncounted_atomics;
	/*
	 * Optional: checks what single-key validation cannot (one key against another, or
	 * against the memory); runs before anything is created, so a bad combination is input
	 * error, not a run failure. -1 + @err naming the key.
	 */
	int (*check)(const struct pb_params *p, struct pb_err *err);
	/*
	 * Optional: the most buffers an instance made from validated @p can lend out at once;
	 * @why (@len bytes) gets what sets the limit ("objects=8191"). The plan refuses a
	 * workload that would hold more (workload.h bufs_held) before anything is created.
	 * NULL: no fixed limit the harness can know in advance.
	 */
	uint64_t (*capacity)(const struct pb_params *p, char *why, size_t len);
	/* Sets up a->priv from validated @p; -1 + @err on failure (nothing left allocated). */
	int (*create)(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err);
	/*
	 * Gives every page it caches back to a->mem.zone; returns the pages still lent out
	 * that will come back through free() (pb_alloc_pages_out() counts them for a backend
	 * that keeps no count of its own). A non-zero return keeps the instance alive for
	 * frees (deferred shutdown, as page_pool_release_retry); destroy is called again
	 * once they are back. A zero return may free a->priv: the op is never called again.
	 * Pages the backend already let go of but that an extra reference (an skb clone)
	 * still holds are not its business: pb_alloc_destroy() keeps the memory mapped for
	 * them, as the kernel's page allocator outlives page_pool_destroy().
	 */
	uint64_t (*destroy)(struct pb_alloc *a);
	/* One page of the instance's order, refcount 1; NULL when memory is exhausted. */
	struct pb_page *(*alloc)(struct pb_alloc *a);
	/*
	 * Gives back a page the caller holds one reference to. @direct: the caller is the
	 * owning (RX/NAPI) context and may touch lock-free per-context caches.
	 */
	void (*free)(struct pb_alloc *a, struct pb_page *pg, bool direct);
	/* Optional: up to @n pages into @pages; returns how many. Default: alloc() n times. */
	unsigned (*alloc_bulk)(struct pb_alloc *a, struct pb_page **pages, unsigned n);
	/* Optional: free() each of @pages[0..n). Default: free() n times. */
	void (*free_bulk)(struct pb_alloc *a, struct pb_page **pages, unsigned n, bool direct);
	/* Adds the backend's own counters to @out (the harness adds the zone's). */
	void (*stats)(struct pb_alloc *a, struct pb_stats *out);
	/*
	 * Optional, for backends that hand out pieces of pages (fragments, half pages): one
	 * packet buffer into @b; false when memory is exhausted. Default: a whole page from
	 * alloc() with offset 0 and len = truesize = the page's size.
	 */
	bool (*alloc_buf)(struct pb_alloc *a, struct pb_buf *b);
	/* Optional: gives back a buffer from alloc_buf(). Default: free(b->page, direct). */
	void (*free_buf)(struct pb_alloc *a, const struct pb_buf *b, bool direct);
	/*
	 * A raw peer row instead of alloc/free (which it leaves NULL): @n alloc+free pairs of
	 * the library called directly in its own loop, as its users call it, with the first
	 * @touch bytes of each buffer read and written in between (buf_touch.h) and none of
	 * pagebench's page bookkeeping. Only a workload that sets raw_pairs (alloc-free) runs
	 * such a backend. false when an allocation failed.
	 */
	bool (*raw_pairs)(struct pb_alloc *a, uint64_t n, uint32_t touch);
};

/* Parameters every backend takes: the memory it runs on and its page allocator. */
extern const struct pb_param_spec pb_mem_params[];
/*
 * A capacity() for a backend that lends whole blocks of 2^@order pages from its zone: the
 * blocks mem= holds (the zone keeps no reserve from these paths), @why (@len bytes) saying
 * so ("mem=4M: 1024 pages, 128 blocks of order 3"). An upper bound: a pool's caches lend
 * what they hold, so only mapping failures and fault injection lend fewer.
 */
uint64_t pb_mem_blocks(const struct pb_params *p, unsigned order, char *why, size_t len);

/*
 * What a workload says about its traffic that a backend modelling a driver must see. A
 * workload lists these specs in its own parameter table (so --set checks them and record
 * names carry them); a backend that needs one validates @p with pb_traffic_check() in its
 * check() and reads it at create with pb_param_u64(p, pb_traffic_params, key). Unset, each
 * has its default, so a backend sees the same value whether or not the workload takes it.
 *   len=   bytes of each received frame (ETH_ZLEN 60 up to one 2 KiB half-page RX buffer:
 *          a longer frame spans descriptors, which no backend models)
 *   path=  where freed pages return (workloads/path.h): the enum pb_traffic_path index
 */
#define PB_TRAFFIC_LEN_PARAM								\
	{ "len", PB_PARAM_UINT, 60, 2048, NULL, "1500",					\
	  "bytes per received frame (60..2048); halfpage variant=2016 copies frames of at most " \
	  "256 into the skb head (ixgbe's copybreak)" }
#define PB_TRAFFIC_PATH_CHOICES "xdp|skb-6.1|skb-6.5"
#define PB_TRAFFIC_PATH_PARAM								\
	{ "path", PB_PARAM_ENUM, 0, 0, PB_TRAFFIC_PATH_CHOICES, "xdp",			\
	  "return path: xdp (XDP_DROP, direct recycle), skb-6.1 (put_full_page through the ring), " \
	  "skb-6.5 (napi_pp_put_page in the owning NAPI)" }
/* The path= choices in PB_TRAFFIC_PATH_CHOICES order. */
enum pb_traffic_path { PB_TRAFFIC_XDP, PB_TRAFFIC_SKB_61, PB_TRAFFIC_SKB_65 };
extern const struct pb_param_spec pb_traffic_params[];
/* Checks the traffic keys @p sets (len=, path=); 0, or -1 + @err naming key and value. */
int pb_traffic_check(const struct pb_params *p, struct pb_err *err);
/*
 * The fixed frame length len= gives a backend, or the default (1500) when the workload
 * draws lengths per frame (len=imix or file:, the nic workload), which then models
 * copybreak itself: a backend never copies a frame the workload already copied.
 */
uint32_t pb_traffic_len(const struct pb_params *p);

/* What the harness counts per instance and CPU slot, one writer per slot (pb_alloc_stats sums). */
struct pb_alloc_slot {
	uint64_t remote_node_pages;	/* pb_alloc_note_free: a page of another node freed here */
	uint64_t alloc_failed;		/* pb_alloc_note_failed: a buffer asked for and done without */
} pb_cacheline_aligned;

struct pb_alloc {
	const struct pb_alloc_ops *ops;
	struct pb_mem mem;
	unsigned order;		/* page order of alloc() (from order=, where the backend takes it) */
	bool pieces;		/* create() sets it when alloc_buf hands out pieces of pages */
	bool backend_gone;	/* pb_alloc_destroy(): the op returned 0, only memory is left */
	void *priv;
	struct pb_alloc_slot *slot;	/* [PB_MAX_CPUS] */
};

/* The registered backends, NULL-terminated, in backends.def order. */
extern const struct pb_alloc_ops *const pb_alloc_registry[];
/* Fills @out with every backend built here (absent ones skipped), at most @max; returns how many. */
unsigned pb_alloc_all(const struct pb_alloc_ops **out, unsigned max);
/* Backend named @name, or NULL. */
const struct pb_alloc_ops *pb_alloc_find(const char *name);
/* Checks @p against pb_mem_params and @ops->params (keys neither knows are ignored). */
int pb_alloc_check_params(const struct pb_alloc_ops *ops, const struct pb_params *p, struct pb_err *err);
/* Creates an instance with its own memory; NULL + @err on any failure. */
struct pb_alloc *pb_alloc_create(const struct pb_alloc_ops *ops, const struct pb_params *p,
				 struct pb_err *err);
/*
 * Destroys @a; returns 0 when gone, or the pages (blocks of any order) still out: those lent
 * by the backend plus those an extra reference keeps alive after the backend let them go
 * (for a no_page_refs backend, the objects lent: its blocks are its own business). Then
 * the memory stays mapped, @a stays usable for frees and puts, and destroy must be
 * called again. *@leaked (may be NULL) gets the pages the zone did not get back although
 * nothing references them (a refcount dropped to 0 without a free: an accounting bug).
 * A DMA mapping left behind once nothing is out is a backend bug and aborts.
 * The one exception is `null` (null_alloc.c), the harness-cost baseline: it hands every
 * caller the same page, takes no reference and counts nothing, so its destroy returns 0
 * whatever a caller still holds; nothing may touch its page after destroy.
 */
uint64_t pb_alloc_destroy(struct pb_alloc *a, uint64_t *leaked);
/*
 * Blocks of @a's memory that someone still references (refcount > 0), after draining
 * every per-CPU list; for a backend's destroy op that keeps no count of its own. Scans
 * the page array only when the zone is missing pages, so it costs nothing when all is back.
 */
uint64_t pb_alloc_pages_out(struct pb_alloc *a);
/* Snapshot of the backend's and its page allocator's counters. */
void pb_alloc_stats(struct pb_alloc *a, struct pb_stats *out);

static inline struct pb_page *pb_alloc_page(struct pb_alloc *a)
{
	return a->ops->alloc(a);
}
static inline void pb_alloc_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	a->ops->free(a, pg, direct);
}
/*
 * Counts the free of @pg on the calling CPU as remote_node_pages when @pg's memory is on
 * another NUMA node than this CPU. Not in the free path itself (every loop would pay for
 * it): a workload that models placement (nic, the trace replay) calls it where it frees.
 */
static inline void pb_alloc_note_free(struct pb_alloc *a, const struct pb_page *pg)
{
	if (pb_unlikely(pg->node != pb_cpu_node_id()))
		a->slot[pb_cpu_id()].remote_node_pages++;
}
/*
 * Counts, on the calling CPU, @n buffers a workload asked @a for and did without (it drops
 * the packet or skips the operation): the record's alloc_failed. Every workload that
 * degrades instead of stopping when memory runs out (or fail= injects a failure) calls it
 * where it drops, off its fast path.
 */
static inline void pb_alloc_note_failed(struct pb_alloc *a, uint64_t n)
{
	a->slot[pb_cpu_id()].alloc_failed += n;
}
/* One packet buffer through alloc_buf, or a whole page from alloc; false when exhausted. */
static inline bool pb_alloc_buf(struct pb_alloc *a, struct pb_buf *b)
{
	if (a->ops->alloc_buf)
		return a->ops->alloc_buf(a, b);
	b->page = a->ops->alloc(a);
	b->offset = 0;
	b->len = b->truesize = (uint32_t)(PB_PAGE_SIZE << a->order);
	return b->page != NULL;
}
/* Gives back a buffer from pb_alloc_buf. */
static inline void pb_free_buf(struct pb_alloc *a, const struct pb_buf *b, bool direct)
{
	if (a->ops->free_buf)
		a->ops->free_buf(a, b, direct);
	else
		a->ops->free(a, b->page, direct);
}
/* Bulk allocation through the backend's bulk op, or single allocs when it has none. */
unsigned pb_alloc_bulk(struct pb_alloc *a, struct pb_page **pages, unsigned n);
/* Bulk free through the backend's bulk op, or single frees when it has none. */
void pb_alloc_free_bulk(struct pb_alloc *a, struct pb_page **pages, unsigned n, bool direct);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The backends a workload calls directly. A loop that reaches its backend through the ops
 * table pays two indirect calls per packet (under retpolines in the kernel, far more), which a
 * driver calling page_pool_alloc_pages / page_pool_put_full_page never pays: those are two
 * direct calls. So the workloads specialise their loops per backend listed here (see
 * workloads/specialise.h) and call its entry points by name; a backend not listed (test
 * backends) runs the generic loop through the ops table. The library peers are listed too:
 * their wrapped rows are held to their raw rows (the library in its own loop), and the
 * ops table's two indirect calls are dispatch the raw loop does not pay.
 *
 * PB_DIRECT_BACKENDS(X, T) expands X(T, sym, kernel, shape, path) for each backend:
 *   sym     its backends.def symbol (pb_alloc_<sym> is its ops table)
 *   kernel  its backends.def kernel column (the lines the module does not build drop out)
 *   shape   PAGES   whole pages only: pb_be_<sym>_alloc / pb_be_<sym>_free
 *           PIECES  also pieces of pages: pb_be_<sym>_alloc_buf / pb_be_<sym>_free_buf,
 *                   used when the instance sets a->pieces
 *           INLINE  whole pages, entry points defined inline below: `null`, whose rows
 *                   are then the harness alone (loop, failure test, timer). The two
 *                   calls every other backend is reached by are not harness cost: a
 *                   driver pays the same two for page_pool, and the call-pair baseline
 *                   shows them beside every table
 *   path    how its free treats the return path (enum pb_path_kind below)
 * tests/test_direct.c fails when a line disagrees with backends.def.
 */
#ifndef PB_DIRECT_H
#define PB_DIRECT_H

#include "allocator.h"
#include "kernel_cap.h"

#define PB_DIRECT_BACKENDS(X, T)				\
	X(T, buddy,         KERNEL_ALL, PAGES,  SKB)		\
	X(T, ptr_ring_pool, KERNEL_ALL, PIECES, DIRECT)		\
	X(T, ideal,         KERNEL,     PAGES,  NONE)		\
	X(T, null,          KERNEL,     INLINE, NONE)		\
	X(T, halfpage,      KERNEL,     PIECES, SKB)		\
	X(T, frag,          KERNEL,     PIECES, SKB)		\
	X(T, array_cache,   KERNEL,     PAGES,  DIRECT)		\
	X(T, urcu_stack,    USER,       PAGES,  DIRECT)		\
	X(T, jemalloc,      USER,       PAGES,  NONE)		\
	X(T, dpdk_mempool,  USER,       PAGES,  NONE)

/*
 * What a backend's free does with the return path a workload names:
 *   DIRECT  honours it: the owning context's lock-free cache on the xdp path (and on
 *           skb-6.5, napi_pp_put_page in the owning NAPI), the shared ring or stack on skb-6.1
 *   SKB     has only the skb path: every return is the stack dropping its reference
 *   NONE    models no return path at all (the floor and the harness's own cost), and the
 *           peers, whose libraries have one free
 */
enum pb_path_kind { PB_PATH_NONE, PB_PATH_SKB, PB_PATH_DIRECT };

/* The entry points of one line, declared (the backend defines them with PB_DIRECT_PAGES/PIECES). */
#define PB_DIRECT_DECL_PAGES(sym)							\
	struct pb_page *pb_be_##sym##_alloc(struct pb_alloc *a);			\
	void pb_be_##sym##_free(struct pb_alloc *a, struct pb_page *pg, bool direct);
#define PB_DIRECT_DECL_PIECES(sym)							\
	PB_DIRECT_DECL_PAGES(sym)							\
	bool pb_be_##sym##_alloc_buf(struct pb_alloc *a, struct pb_buf *b);		\
	void pb_be_##sym##_free_buf(struct pb_alloc *a, const struct pb_buf *b, bool direct);
#define PB_DIRECT_DECL_INLINE(sym)
#define PB_DIRECT_DECL(T, sym, kernel, shape, path) PB_KSEL_##kernel(			\
	extern const struct pb_alloc_ops pb_alloc_##sym;				\
	PB_DIRECT_DECL_##shape(sym))
PB_DIRECT_BACKENDS(PB_DIRECT_DECL, _)

/*
 * null (INLINE): the one page it hands out forever, and a free that does nothing. The load
 * is read once per packet, so the loop stays a loop (a load, the failure test, the count)
 * instead of being hoisted and deleted: the per-packet cost of the harness, not zero.
 */
static inline struct pb_page *pb_be_null_alloc(struct pb_alloc *a)
{
	return PB_READ_ONCE(a->priv);
}

static inline void pb_be_null_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
}

/*
 * In a backend's source, after its callbacks: names them as its direct entry points (aliases,
 * so the code the ops table reaches is the very code the specialised loops call).
 */
#define PB_DIRECT_PAGES(sym, alloc_fn, free_fn)							\
	extern __typeof__(alloc_fn) pb_be_##sym##_alloc __attribute__((alias(#alloc_fn)));	\
	extern __typeof__(free_fn) pb_be_##sym##_free __attribute__((alias(#free_fn)))
#define PB_DIRECT_PIECES(sym, alloc_fn, free_fn, alloc_buf_fn, free_buf_fn)				\
	PB_DIRECT_PAGES(sym, alloc_fn, free_fn);							\
	extern __typeof__(alloc_buf_fn) pb_be_##sym##_alloc_buf __attribute__((alias(#alloc_buf_fn))); \
	extern __typeof__(free_buf_fn) pb_be_##sym##_free_buf __attribute__((alias(#free_buf_fn)))

/* How @ops's frees treat the return path; PB_PATH_NONE for a backend not listed above. */
enum pb_path_kind pb_alloc_path_kind(const struct pb_alloc_ops *ops);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loops specialised per backend. A workload writes its loop once, as two always-inline
 * templates taking the entry points as constant arguments:
 *   T_pages(r, n, alloc, free)          whole pages: struct pb_page *, no descriptor
 *   T_bufs(r, n, alloc_buf, free_buf)   pieces of pages: struct pb_buf
 * and PB_WL_SPECIALISE(T) instantiates them for every backend of allocators/backends/direct.h
 * with its entry points called by name (two direct calls per packet, as a driver pays for
 * page_pool_alloc_pages + page_pool_put_full_page), plus one generic body through the ops
 * table for any other backend. pb_wl_pick() chooses once per repetition, outside the timed
 * loop. The kernel module compiles the same templates: the direct.h lines it does not build
 * drop out there.
 */
#ifndef PB_SPECIALISE_H
#define PB_SPECIALISE_H

#include "direct.h"
#include "workload.h"

typedef bool (*pb_wl_body_fn)(struct pb_wl_run *r, uint64_t n);

struct pb_wl_bodies {
	const struct pb_alloc_ops *ops;	/* NULL: the generic entry that ends a table */
	pb_wl_body_fn page;		/* whole pages, direct calls */
	pb_wl_body_fn buf;		/* pieces of pages (a->pieces); NULL for a PAGES backend */
};

#define PB_WL_SPEC_PAGES_(T, sym)						\
	static bool T##_page_##sym(struct pb_wl_run *r, uint64_t n)		\
	{ return T##_pages(r, n, pb_be_##sym##_alloc, pb_be_##sym##_free); }
#define PB_WL_SPEC_PIECES_(T, sym)						\
	PB_WL_SPEC_PAGES_(T, sym)						\
	static bool T##_buf_##sym(struct pb_wl_run *r, uint64_t n)		\
	{ return T##_bufs(r, n, pb_be_##sym##_alloc_buf, pb_be_##sym##_free_buf); }
#define PB_WL_SPEC_INLINE_(T, sym) PB_WL_SPEC_PAGES_(T, sym)
#define PB_WL_SPEC_BODY_(T, sym, kernel, shape, path) PB_KSEL_##kernel(PB_WL_SPEC_##shape##_(T, sym))
#define PB_WL_SPEC_BUF_PAGES_(T, sym) NULL
#define PB_WL_SPEC_BUF_PIECES_(T, sym) T##_buf_##sym
#define PB_WL_SPEC_BUF_INLINE_(T, sym) NULL
#define PB_WL_SPEC_ENTRY_(T, sym, kernel, shape, path) \
	PB_KSEL_##kernel({ &pb_alloc_##sym, T##_page_##sym, PB_WL_SPEC_BUF_##shape##_(T, sym) },)

/* Defines T_bodies[], the specialised bodies of templates T_pages/T_bufs (see above). */
#define PB_WL_SPECIALISE(T)							\
	PB_DIRECT_BACKENDS(PB_WL_SPEC_BODY_, T)					\
	static bool T##_generic(struct pb_wl_run *r, uint64_t n)		\
	{ return T##_bufs(r, n, pb_alloc_buf, pb_free_buf); }			\
	static const struct pb_wl_bodies T##_bodies[] = {			\
		PB_DIRECT_BACKENDS(PB_WL_SPEC_ENTRY_, T)			\
		{ NULL, T##_generic, T##_generic },				\
	}

/* The body of table @t for instance @a: its backend's own loop, else the generic one. */
static inline pb_wl_body_fn pb_wl_pick(const struct pb_alloc *a, const struct pb_wl_bodies *t)
{
	for (; t->ops; t++)
		if (t->ops == a->ops && (!a->pieces || t->buf))
			break;
	return a->pieces ? t->buf : t->page;
}

#endif

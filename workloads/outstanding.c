// SPDX-License-Identifier: GPL-2.0-only
/*
 * outstanding (page_bench02): hold n pages, then free them all. Caches sized for a steady
 * one-in-one-out RX loop fall off a cliff once n exceeds them; this finds where. Each buffer's
 * first touch= bytes are read and written as it arrives (touch.h), so a cache that hands
 * back n cold buffers pays for their lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include "specialise.h"
#include "touch.h"
#include "workload.h"

static const struct pb_param_spec outstanding_params[] = {
	{ "n", PB_PARAM_UINT, 1, 65536, NULL, "1024", "pages held before they are freed" },
	PB_WL_TOUCH_PARAM,
	{ 0 },
};

struct outstanding {
	unsigned n;
	uint32_t touch;
	/* [n] pb_bufs, or (a backend of whole pages) the same memory as [n] page pointers */
	struct pb_buf *bufs;
	char failed[96];	/* r->failed's text, with the numbers */
};

/* The backend ran dry with @held of n out: say how far it got (the plan's bound was not enough). */
static pb_noinline void out_failed(struct pb_wl_run *r, unsigned held)
{
	struct outstanding *o = r->state;

	snprintf(o->failed, sizeof(o->failed),
		 "allocation failed with %u of n=%u buffers held (mem= too small for n=)", held, o->n);
	r->failed = o->failed;
}

static int outstanding_prepare(struct pb_wl_run *r, struct pb_err *err)
{
	struct outstanding *o = malloc(sizeof(*o));

	if (!o)
		return pb_err_set(err, "outstanding: out of memory");
	o->n = (unsigned)pb_param_u64(r->params, outstanding_params, "n");
	o->touch = pb_wl_touch_bytes(r->params);
	o->bufs = calloc(o->n, sizeof(*o->bufs));
	if (!o->bufs) {
		free(o);
		return pb_err_set(err, "outstanding: out of memory");
	}
	r->state = o;
	return 0;
}

static inline __attribute__((always_inline)) bool
out_pages(struct pb_wl_run *r, uint64_t rounds, struct pb_page *(*alloc)(struct pb_alloc *a),
	  void (*free)(struct pb_alloc *a, struct pb_page *pg, bool direct))
{
	struct outstanding *o = r->state;
	struct pb_alloc *a = r->alloc;
	struct pb_page **pages = (struct pb_page **)o->bufs;
	uint32_t touch = o->touch;	/* a local: the touch's byte stores may alias *o */

	for (uint64_t k = 0; k < rounds; k++) {
		unsigned i;

		for (i = 0; i < o->n; i++) {
			if (pb_unlikely(!(pages[i] = alloc(a))))
				break;
			pb_wl_touch_page(pages[i], touch);
		}
		if (pb_unlikely(i < o->n)) {
			out_failed(r, i);
			while (i--)
				free(a, pages[i], true);
			return false;
		}
		for (i = 0; i < o->n; i++)
			free(a, pages[i], true);
	}
	return true;
}

static inline __attribute__((always_inline)) bool
out_bufs(struct pb_wl_run *r, uint64_t rounds, bool (*alloc_buf)(struct pb_alloc *a, struct pb_buf *b),
	 void (*free_buf)(struct pb_alloc *a, const struct pb_buf *b, bool direct))
{
	struct outstanding *o = r->state;
	struct pb_alloc *a = r->alloc;
	uint32_t touch = o->touch;

	for (uint64_t k = 0; k < rounds; k++) {
		unsigned i;

		for (i = 0; i < o->n; i++) {
			if (pb_unlikely(!alloc_buf(a, &o->bufs[i])))
				break;
			pb_wl_touch_buf(&o->bufs[i], touch);
		}
		if (pb_unlikely(i < o->n)) {
			out_failed(r, i);
			while (i--)
				free_buf(a, &o->bufs[i], true);
			return false;
		}
		for (i = 0; i < o->n; i++)
			free_buf(a, &o->bufs[i], true);
	}
	return true;
}

PB_WL_SPECIALISE(out);

static void outstanding_run(struct pb_wl_run *r, unsigned t)
{
	struct outstanding *o = r->state;

	pb_wl_time_batches(r, t, o->n, pb_wl_pick(r->alloc, out_bodies));
}

/* The owning context frees what it held: the xdp path (page_bench02 recycles directly). */
static enum pb_wl_path outstanding_path(const struct pb_params *p)
{
	return PB_WL_PATH_XDP;
}

/* All n at once: a backend that cannot lend that many fails every repetition. */
static uint64_t outstanding_bufs_held(const struct pb_params *p, char *why, size_t len)
{
	uint64_t n = pb_param_u64(p, outstanding_params, "n");

	snprintf(why, len, "n=%llu", (unsigned long long)n);
	return n;
}

static void outstanding_cleanup(struct pb_wl_run *r)
{
	struct outstanding *o = r->state;

	free(o->bufs);
	free(o);
}

const struct pb_workload pb_wl_outstanding = {
	.name = "outstanding",
	.desc = "hold n buffers (n=1..65536) then free them all; cost per buffer",
	.params = outstanding_params,
	.nthreads = 1,
	.default_ops = 2000000,
	.prepare = outstanding_prepare,
	.run = outstanding_run,
	.cleanup = outstanding_cleanup,
	.bufs_held = outstanding_bufs_held,
	.path = outstanding_path,
};

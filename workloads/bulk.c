// SPDX-License-Identifier: GPL-2.0-only
/*
 * bulk (page_bench04): allocate `bulk` pages in one call and free them in one call, so a
 * backend with real bulk paths amortises its locks; others fall back to single calls. Between
 * the two calls each buffer's first touch= bytes are read and written (touch.h), as a driver
 * reads each frame of a NAPI batch.
 */
#include <stdlib.h>
#include "touch.h"
#include "workload.h"

static const struct pb_param_spec bulk_params[] = {
	{ "bulk", PB_PARAM_UINT, 1, 128, NULL, "16", "pages per bulk call" },
	{ "direct", PB_PARAM_BOOL, 0, 1, NULL, "on", "free as the owning context (off: remote path)" },
	PB_WL_TOUCH_PARAM,
	{ 0 },
};

struct bulk {
	unsigned n;
	bool direct;
	uint32_t touch;
	struct pb_page *pages[128];
	struct pb_buf bufs[128];
};

static int bulk_prepare(struct pb_wl_run *r, struct pb_err *err)
{
	struct bulk *b = malloc(sizeof(*b));

	if (!b)
		return pb_err_set(err, "bulk: out of memory");
	b->n = (unsigned)pb_param_u64(r->params, bulk_params, "bulk");
	b->direct = pb_param_u64(r->params, bulk_params, "direct");
	b->touch = pb_wl_touch_bytes(r->params);
	r->state = b;
	return 0;
}

static bool bulk_body(struct pb_wl_run *r, uint64_t rounds)
{
	struct bulk *b = r->state;
	struct pb_alloc *a = r->alloc;
	uint32_t touch = b->touch;	/* a local: the touch's byte stores may alias *b */

	for (uint64_t k = 0; k < rounds; k++) {
		unsigned got = pb_alloc_bulk(a, b->pages, b->n);

		/* A short bulk (exhaustion, fail=): the round goes on with what came, the rest counted. */
		if (pb_unlikely(got < b->n))
			pb_alloc_note_failed(a, b->n - got);
		for (unsigned i = 0; i < got; i++)
			pb_wl_touch_page(b->pages[i], touch);
		pb_alloc_free_bulk(a, b->pages, got, b->direct);
	}
	return true;
}

/* Backends that hand out pieces of pages have no page-level bulk call: n single buffers. */
static bool buf_body(struct pb_wl_run *r, uint64_t rounds)
{
	struct bulk *b = r->state;
	struct pb_alloc *a = r->alloc;
	uint32_t touch = b->touch;	/* a local: the touch's byte stores may alias *b */

	for (uint64_t k = 0; k < rounds; k++) {
		unsigned i, got = 0;

		for (i = 0; i < b->n; i++) {
			if (pb_unlikely(!pb_alloc_buf(a, &b->bufs[got]))) {
				pb_alloc_note_failed(a, 1);	/* dropped, as bulk_body drops */
				continue;
			}
			pb_wl_touch_buf(&b->bufs[got++], touch);
		}
		for (i = 0; i < got; i++)
			pb_free_buf(a, &b->bufs[i], b->direct);
	}
	return true;
}

static void bulk_run(struct pb_wl_run *r, unsigned t)
{
	struct bulk *b = r->state;
	bool buffers = r->alloc->pieces;

	pb_wl_time_batches(r, t, b->n, buffers ? buf_body : bulk_body);
}

/* direct=on frees as the owning context (xdp), off through the ring (skb-6.1). */
static enum pb_wl_path bulk_path(const struct pb_params *p)
{
	return pb_param_u64(p, bulk_params, "direct") ? PB_WL_PATH_XDP : PB_WL_PATH_SKB_61;
}

static void bulk_cleanup(struct pb_wl_run *r)
{
	free(r->state);
}

const struct pb_workload pb_wl_bulk = {
	.name = "bulk",
	.desc = "bulk alloc + bulk free of bulk=1..128 pages; cost per page",
	.params = bulk_params,
	.nthreads = 1,
	.default_ops = 2000000,
	.prepare = bulk_prepare,
	.run = bulk_run,
	.cleanup = bulk_cleanup,
	.path = bulk_path,
};

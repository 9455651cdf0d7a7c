// SPDX-License-Identifier: GPL-2.0-only
/*
 * bulk (page_bench04): allocate `bulk` pages in one call and free them in one call, so a
 * backend with real bulk paths amortises its locks; others fall back to single calls.
 */
#include <stdlib.h>
#include "workload.h"

static const struct pb_param_spec bulk_params[] = {
	{ "bulk", PB_PARAM_UINT, 1, 128, NULL, "16", "pages per bulk call" },
	{ "direct", PB_PARAM_BOOL, 0, 1, NULL, "on", "free as the owning context (off: remote path)" },
	{ 0 },
};

struct bulk {
	unsigned n;
	bool direct;
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
	r->state = b;
	return 0;
}

static bool bulk_body(struct pb_wl_run *r, uint64_t rounds)
{
	struct bulk *b = r->state;
	struct pb_alloc *a = r->alloc;

	for (uint64_t k = 0; k < rounds; k++) {
		unsigned got = pb_alloc_bulk(a, b->pages, b->n);

		if (pb_unlikely(got < b->n)) {
			pb_alloc_free_bulk(a, b->pages, got, b->direct);
			r->failed = "bulk allocation came back short";
			return false;
		}
		pb_alloc_free_bulk(a, b->pages, b->n, b->direct);
	}
	return true;
}

/* Backends that hand out pieces of pages have no page-level bulk call: n single buffers. */
static bool buf_body(struct pb_wl_run *r, uint64_t rounds)
{
	struct bulk *b = r->state;
	struct pb_alloc *a = r->alloc;

	for (uint64_t k = 0; k < rounds; k++) {
		unsigned i;

		for (i = 0; i < b->n; i++)
			if (pb_unlikely(!pb_alloc_buf(a, &b->bufs[i])))
				break;
		if (pb_unlikely(i < b->n)) {
			while (i--)
				pb_free_buf(a, &b->bufs[i], b->direct);
			r->failed = "allocation failed";
			return false;
		}
		for (i = 0; i < b->n; i++)
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

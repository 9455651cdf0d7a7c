// SPDX-License-Identifier: GPL-2.0-only
/*
 * null: hands out the same page forever and ignores frees. What a workload measures with it
 * is the harness itself: the loop, the indirect calls, the timer. That is the overhead the
 * other rows carry too.
 */
#include "allocator.h"
#include "direct.h"

static struct pb_page *null_alloc(struct pb_alloc *a)
{
	return a->priv;
}

static void null_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
}

static int null_create(struct pb_alloc *a, const struct pb_params *p, struct pb_err *err)
{
	a->priv = pb_alloc_pages(a->mem.zone, 0);
	if (!a->priv)
		return pb_err_set(err, "null: no page");
	return 0;
}

static uint64_t null_destroy(struct pb_alloc *a)
{
	pb_free_pages(a->mem.zone, a->priv, 0);
	return 0;
}

/* The same callbacks, called by name from the specialised loops. */
PB_DIRECT_PAGES(null, null_alloc, null_free);

const struct pb_alloc_ops pb_alloc_null = {
	.name = "null",
	.desc = "harness cost: returns one page forever, frees nothing",
	.create = null_create,
	.destroy = null_destroy,
	.alloc = null_alloc,
	.free = null_free,
};

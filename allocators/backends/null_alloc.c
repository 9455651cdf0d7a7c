// SPDX-License-Identifier: GPL-2.0-only
/*
 * null: hands out the same page forever and ignores frees. What a workload measures with it
 * is the harness itself: the loop, its failure test, the timer; the specialised loops inline
 * its entry points (direct.h). That is the overhead the other rows carry too; the two direct
 * calls that reach any other backend are the call-pair baseline's, as a driver pays them.
 */
#include "allocator.h"
#include "direct.h"

/* Through the ops table (the generic loops, the tests): the inline entry points, called. */
static struct pb_page *null_alloc(struct pb_alloc *a)
{
	return pb_be_null_alloc(a);
}

static void null_free(struct pb_alloc *a, struct pb_page *pg, bool direct)
{
	pb_be_null_free(a, pg, direct);
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

const struct pb_alloc_ops pb_alloc_null = {
	.name = "null",
	.desc = "harness cost: returns one page forever, frees nothing",
	.create = null_create,
	.destroy = null_destroy,
	.alloc = null_alloc,
	.free = null_free,
};

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The destroy contract of allocator.h, for every registered backend at once: destroy
 * reports exactly the pages still out (lent by the backend, or kept alive by an extra
 * reference after the backend let them go), the memory stays mapped under them, and the
 * instance stays usable until they are back. Regression tests for buddy and ideal, which
 * returned 0 with pages lent (the arena was unmapped under them, or dma= aborted), and for
 * buddy, ptr_ring_pool, array_cache and urcu_stack, which unmapped the arena under an skb
 * clone's reference.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "allocator.h"
#include "page.h"
#include "support_backend.h"

#define LENT 5

/* Writes every byte of @pg's block: a fault here means the arena went under the caller. */
static void scribble(struct pb_alloc *a, struct pb_page *pg)
{
	memset(pb_page_address(pg), 0x5a, (size_t)PB_PAGE_SIZE << a->order);
}

/* Every backend that hands out pages with references, with @dma. */
static void for_each_page_backend(const char *dma, void (*check)(const char *name, const char *dma))
{
	unsigned checked = 0;

	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o; o++) {
		if ((*o)->absent || (*o)->no_page_refs || !strcmp((*o)->name, "null"))
			continue;
		check((*o)->name, dma);
		checked++;
	}
	cr_assert_geq(checked, 7, "only %u backends checked", checked);
}

static void lent_pages_defer(const char *name, const char *dma)
{
	struct pb_alloc *a = TB_CREATE(name, "mem=8M", dma);
	struct pb_page *v[LENT];
	uint64_t leaked = 12345;

	for (unsigned i = 0; i < LENT; i++) {
		v[i] = pb_alloc_page(a);
		cr_assert_not_null(v[i], "%s: alloc %u", name, i);
	}
	cr_assert_eq(pb_alloc_destroy(a, &leaked), LENT, "%s %s: destroy must report the %d pages lent",
		     name, dma, LENT);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), LENT, "%s %s: a second destroy", name, dma);
	for (unsigned i = 0; i < LENT; i++) {
		scribble(a, v[i]);
		pb_alloc_free(a, v[i], i & 1);
	}
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0, "%s %s: all back", name, dma);
	cr_assert_eq(leaked, 0, "%s %s", name, dma);
}

static void extra_ref_defers(const char *name, const char *dma)
{
	struct pb_alloc *a = TB_CREATE(name, "mem=8M", dma);
	struct pb_page *pg = pb_alloc_page(a);
	uint64_t leaked = 12345;

	cr_assert_not_null(pg, "%s: alloc", name);
	pb_page_get(pg);		/* an skb clone */
	pb_alloc_free(a, pg, false);	/* the driver's reference goes back */
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 1, "%s %s: the clone's page is still out", name, dma);
	scribble(a, pg);		/* still mapped under the clone */
	pb_page_put(pg);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0, "%s %s: the clone let go", name, dma);
	cr_assert_eq(leaked, 0, "%s %s", name, dma);
}

/*
 * Lent pages and a released page a clone pins, both out at once: destroy counts them all.
 * Regression (found by the stress driver): ptr_ring_pool, array_cache and urcu_stack
 * reported only the lent ones, their hold - release, while the clone's page was out too.
 */
static void lent_and_cloned_both_count(const char *name, const char *dma)
{
	struct pb_alloc *a = TB_CREATE(name, "mem=8M", dma);
	struct pb_page *v[LENT], *cloned = pb_alloc_page(a);
	uint64_t leaked = 12345;

	if (!strcmp(name, "ideal")) {	/* no refcount test by design: it hands the page out again */
		pb_alloc_free(a, cloned, true);
		tb_destroy_clean(a);
		return;
	}
	cr_assert_not_null(cloned, "%s: alloc", name);
	pb_page_get(cloned);			/* an skb clone */
	pb_alloc_free(a, cloned, true);		/* the driver's reference goes back */
	for (unsigned i = 0; i < LENT; i++) {
		v[i] = pb_alloc_page(a);
		cr_assert_not_null(v[i], "%s: alloc %u", name, i);
		cr_assert_neq(v[i], cloned, "%s: the clone's page handed out again", name);
	}
	cr_assert_eq(pb_alloc_destroy(a, &leaked), LENT + 1, "%s %s: %d lent + 1 under a clone", name,
		     dma, LENT);
	tb_free_n(a, v, LENT, false);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 1, "%s %s: the clone's page is still out", name, dma);
	scribble(a, cloned);
	pb_page_put(cloned);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0, "%s %s: all back", name, dma);
	cr_assert_eq(leaked, 0, "%s %s", name, dma);
}

Test(destroy_contract, lent_and_cloned_pages_are_both_reported)
{
	for_each_page_backend("dma=none", lent_and_cloned_both_count);
	for_each_page_backend("dma=iommu", lent_and_cloned_both_count);
}

Test(destroy_contract, lent_pages_are_reported_and_stay_mapped)
{
	for_each_page_backend("dma=none", lent_pages_defer);
}

Test(destroy_contract, lent_mapped_pages_defer_instead_of_aborting)
{
	for_each_page_backend("dma=iommu", lent_pages_defer);
}

Test(destroy_contract, extra_reference_keeps_memory)
{
	for_each_page_backend("dma=none", extra_ref_defers);
}

Test(destroy_contract, extra_reference_keeps_memory_with_dma)
{
	for_each_page_backend("dma=iommu", extra_ref_defers);
}

/* A refcount dropped to 0 without a free is no one's page: reported as leaked, not waited for. */
Test(destroy_contract, unreferenced_missing_page_is_leaked)
{
	struct pb_alloc *a = TB_CREATE("buddy", "mem=8M");
	struct pb_page *pg = pb_alloc_page(a);
	uint64_t leaked = 0;

	cr_assert_not_null(pg);
	pb_atomic_set(&pg->refcount, 0);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0);
	cr_assert_eq(leaked, 1);
}

/* ideal counted a failed allocation as a page taken (grown++ before pb_alloc_pages). */
Test(destroy_contract, ideal_counts_only_pages_it_got)
{
	struct pb_alloc *a = TB_CREATE("ideal", "mem=4M");
	size_t pages = tb_zone_free(a), got = 0;
	struct pb_page **v = calloc(pages + 8, sizeof(*v));
	struct pb_stats s;

	cr_assert_not_null(v);
	while (got < pages + 8 && (v[got] = pb_alloc_page(a)))
		got++;
	cr_assert_lt(got, pages + 8, "the zone never ran out");
	for (unsigned i = 0; i < 4; i++)
		cr_assert_null(pb_alloc_page(a));
	s = tb_stats(a);
	cr_assert_eq(s.alloc_slow, got, "alloc_slow %llu for %zu pages taken",
		     (unsigned long long)s.alloc_slow, got);
	cr_assert_eq(s.hold, got);
	cr_assert_eq(s.in_flight, got);
	cr_assert_eq(tb_zone_missing(a), got);
	tb_free_n(a, v, got, true);
	free(v);
	tb_destroy_clean(a);
}

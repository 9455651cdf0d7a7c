/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The backend suites' shared checks (see support_backend.h). Messages say what went wrong
 * in the backend's terms, since the failing test's name already says which backend it is.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page_alloc.h"
#include "params.h"
#include "support_backend.h"

struct pb_alloc *tb_create_v(const char *backend, const char *const *kv)
{
	const struct pb_alloc_ops *ops = pb_alloc_find(backend);
	struct pb_params p;
	struct pb_err err = { { 0 } };
	struct pb_alloc *a;

	/* Per-CPU state is indexed by this slot: a test starts as the owner on slot 0. */
	pb_cpu_set_id(0);
	cr_assert_not_null(ops, "%s is not registered", backend);
	if (ops->absent)
		cr_skip_test("%s is not in this build: %s", backend, ops->absent);
	memset(&p, 0, sizeof(p));
	for (; *kv; kv++)
		cr_assert_eq(pb_params_add(&p, *kv, &err), 0, "%s: %s", *kv, err.msg);
	a = pb_alloc_create(ops, &p, &err);
	cr_assert_not_null(a, "create: %s", err.msg);
	cr_assert_eq(a->ops, ops);
	return a;
}

struct pb_stats tb_stats(struct pb_alloc *a)
{
	struct pb_stats s;

	pb_alloc_stats(a, &s);
	return s;
}

size_t tb_zone_free(struct pb_alloc *a)
{
	pb_zone_drain_all(a->mem.zone);
	return pb_zone_nr_free(a->mem.zone);
}

size_t tb_zone_missing(struct pb_alloc *a)
{
	return pb_zone_nr_pages(a->mem.zone) - tb_zone_free(a);
}

void tb_destroy_clean(struct pb_alloc *a)
{
	/* Not 0: a destroy that forgets to write it must not pass for one that leaked nothing. */
	uint64_t leaked = 12345;

	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0, "destroy reported pages in flight");
	cr_assert_eq(leaked, 0, "%llu pages never reached the zone", (unsigned long long)leaked);
}

void tb_assert_pool_page(struct pb_alloc *a, struct pb_page *pg)
{
	cr_assert_not_null(pg);
	cr_assert_eq(pb_page_count(pg), 1, "held page has refcount %d", pb_page_count(pg));
	cr_assert(pg->flags & PB_PG_POOL, "held page without PB_PG_POOL");
	cr_assert(!(pg->flags & (PB_PG_BUDDY | PB_PG_PCP)), "held page still marked free");
	cr_assert_not_null(pg->pp, "held page without an owner");
	cr_assert_eq(pg->pp, a->priv, "held page owned by someone else");
	cr_assert_eq(pg->arena, &a->mem.arena);
	cr_assert_eq(pg->order, a->order, "held page of order %u, instance order %u", pg->order,
		     a->order);
	if (pb_dma_mode(a->mem.dma) != PB_DMA_NONE)
		cr_assert_neq(pg->dma_addr, 0, "held page is not DMA-mapped");
}

void tb_assert_released(const struct pb_page *pg)
{
	cr_assert_null(pg->pp, "a released page keeps its owner");
	cr_assert(!(pg->flags & PB_PG_POOL), "a released page keeps PB_PG_POOL");
	cr_assert_eq(pg->dma_addr, 0, "a released page is still DMA-mapped");
}

void tb_alloc_n(struct pb_alloc *a, struct pb_page **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v[i] = pb_alloc_page(a);
		cr_assert_not_null(v[i], "alloc %zu of %zu failed", i, n);
		tb_assert_pool_page(a, v[i]);
	}
}

void tb_free_n(struct pb_alloc *a, struct pb_page **v, size_t n, bool direct)
{
	for (size_t i = 0; i < n; i++)
		pb_alloc_free(a, v[i], direct);
}

bool tb_contains(struct pb_page *const *v, size_t n, const struct pb_page *pg)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pg)
			return true;
	return false;
}

void tb_assert_distinct(struct pb_page *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			cr_assert_neq(v[i], v[j], "page handed out twice (%zu and %zu)", i, j);
}

static int cmp_ptr(const void *x, const void *y)
{
	uintptr_t p = (uintptr_t)*(void *const *)x, q = (uintptr_t)*(void *const *)y;

	return (p > q) - (p < q);
}

/* A sorted copy of @v[0..n): the caller's order is the test's to keep. */
static struct pb_page **sorted_copy(struct pb_page *const *v, size_t n)
{
	struct pb_page **c = malloc(n * sizeof(*c));

	cr_assert_not_null(c);
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_ptr);
	return c;
}

void tb_assert_distinct_from(struct pb_page *const *v, size_t n, struct pb_page *const *from,
			     size_t m)
{
	struct pb_page **c = sorted_copy(v, n);

	for (size_t i = 1; i < n; i++)
		cr_assert_neq(c[i - 1], c[i], "page handed out twice");
	free(c);
	if (!from)
		return;
	c = sorted_copy(from, m);
	for (size_t i = 0; i < n; i++)
		cr_assert_not_null(bsearch(&v[i], c, m, sizeof(*c), cmp_ptr),
				   "page %zu is not one of those given back", i);
	free(c);
}

/* The three in-flight identities of @a from @s and @missing; @where starts each message. */
static void check_in_flight(struct pb_alloc *a, const struct pb_stats *s, size_t missing,
			    const char *where)
{
	/* A mapping is kept for exactly as long as the page is the instance's. */
	uint64_t mapped = pb_dma_mode(a->mem.dma) == PB_DMA_NONE ? 0 : s->in_flight;

	cr_assert_eq(s->hold - s->released, s->in_flight,
		     "%shold %llu - released %llu != in_flight %llu", where,
		     (unsigned long long)s->hold, (unsigned long long)s->released,
		     (unsigned long long)s->in_flight);
	/* Every page taken and not released is missing from the zone, and no other. */
	cr_assert_eq(missing, s->in_flight << a->order,
		     "%szone is missing %zu pages, instance says %llu in flight of order %u", where,
		     missing, (unsigned long long)s->in_flight, a->order);
	cr_assert_eq(s->dma_map - s->dma_unmap, mapped, "%s%llu mappings for %llu pages in flight",
		     where, (unsigned long long)(s->dma_map - s->dma_unmap),
		     (unsigned long long)s->in_flight);
}

void tb_assert_in_flight_consistent(struct pb_alloc *a)
{
	struct pb_stats s = tb_stats(a);

	check_in_flight(a, &s, tb_zone_missing(a), "");
}

void tb_assert_in_flight_at_step(struct pb_alloc *a, unsigned step)
{
	struct pb_stats s = tb_stats(a);
	char where[32];

	snprintf(where, sizeof(where), "step %u: ", step);
	/*
	 * pb_zone_nr_free counts pcp pages too, so no drain is needed to count; not draining
	 * leaves the pcp lists as a run would have them, which is the mix under test.
	 */
	check_in_flight(a, &s, pb_zone_nr_pages(a->mem.zone) - pb_zone_nr_free(a->mem.zone), where);
}

uint64_t tb_xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

bool tb_mix_allocates(uint64_t *rnd, unsigned step, unsigned phase, unsigned n, unsigned max)
{
	/* Drawn on every step, so a mix replays the same whatever the outcome. */
	unsigned r = (unsigned)(tb_xorshift(rnd) % 100);
	bool grow = (step / phase) % 2 == 0;

	return n < max && (n == 0 || r < (grow ? 65u : 35u));
}

void pb_test_expect_bug(void)
{
	pb_bug_expected = "expected by the test (an abort is a pass): ";
}

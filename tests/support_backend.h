/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the suites that test a backend through struct pb_alloc check the same way: an
 * instance built from "key=value" strings, its counters, the zone's view of the pages it
 * holds, and a destroy that leaves nothing behind. The checks are Criterion assertions, so a
 * helper that finds a fault ends the calling test there and then; keeping one copy means a
 * tightened check tightens it for every backend at once.
 */
#ifndef PB_TESTS_SUPPORT_BACKEND_H
#define PB_TESTS_SUPPORT_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocator.h"

/* Creates @backend on CPU slot 0 from the NULL-terminated @kv; any failure fails the test. */
struct pb_alloc *tb_create_v(const char *backend, const char *const *kv);
#define TB_CREATE(backend, ...) tb_create_v(backend, (const char *const[]){ __VA_ARGS__, NULL })

/* The instance's counters, backend, zone and DMA summed, as pb_alloc_stats reports them. */
struct pb_stats tb_stats(struct pb_alloc *a);

/* Free pages of @a's zone after draining every pcp list back to the buddy lists. */
size_t tb_zone_free(struct pb_alloc *a);

/* Pages of @a's zone that are not free (after the drain): what @a holds or has lent out. */
size_t tb_zone_missing(struct pb_alloc *a);

/* Destroys @a, which must have nothing in flight, and checks the zone got every page back. */
void tb_destroy_clean(struct pb_alloc *a);

/* @pg is a page @a hands out: sole reference, owned by @a, of @a's order, mapped if @a maps. */
void tb_assert_pool_page(struct pb_alloc *a, struct pb_page *pg);

/* @pg left its pool for good: no owner, no pool flag, no mapping. */
void tb_assert_released(const struct pb_page *pg);

/* Allocates @n pages of @a into @v, each checked with tb_assert_pool_page. */
void tb_alloc_n(struct pb_alloc *a, struct pb_page **v, size_t n);

/* Frees @v[0..n) to @a, all directly or all not, in order. */
void tb_free_n(struct pb_alloc *a, struct pb_page **v, size_t n, bool direct);

/* True when @pg is one of @v[0..n). */
bool tb_contains(struct pb_page *const *v, size_t n, const struct pb_page *pg);

/* No page twice in @v[0..n); names both indices of a repeat. Quadratic: for small sets. */
void tb_assert_distinct(struct pb_page *const *v, size_t n);

/* No page twice in @v[0..n) and, when @from is set, each one of @from[0..m). Sorts copies. */
void tb_assert_distinct_from(struct pb_page *const *v, size_t n, struct pb_page *const *from,
			     size_t m);

/* hold - released == in_flight, the zone lacks exactly those pages, each mapped if @a maps. */
void tb_assert_in_flight_consistent(struct pb_alloc *a);

/* tb_assert_in_flight_consistent between two steps of a random mix, naming @step; no drain. */
void tb_assert_in_flight_at_step(struct pb_alloc *a, unsigned step);

/* Next number of the xorshift64 sequence in *@s (non-zero): random mixes that replay. */
uint64_t tb_xorshift(uint64_t *s);

/*
 * Draws from *@rnd whether step @step of a random mix allocates rather than frees one of the
 * @n held: always with none held, never with @max, else mostly in growing phases and mostly
 * not in shrinking ones, @phase steps each.
 */
bool tb_mix_allocates(uint64_t *rnd, unsigned step, unsigned phase, unsigned n, unsigned max);

/* Criterion .init of a test that aborts on purpose: its BUG line is labelled as expected. */
void pb_test_expect_bug(void);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The halfpage backend against the ixgbe/i40e RX page reuse rules it models: a ring that
 * sees its buffers freed at once takes exactly one page per slot and then flips halves
 * forever; a half the stack still holds is never handed out again and its page is given
 * up and replaced; remote-node and reserve pages are not kept; the bias variant does no
 * atomic per packet except one restock per ~65k packets, the 2016 variant one per packet;
 * pages stay mapped while reused and are unmapped before they can be freed; frees from
 * another CPU while the ring runs never let a held half be reused; destroy waits for
 * every half still out; the 2016 variant copies frames of at most 256 bytes (len=) into the
 * skb head and keeps the page as it is, with no atomic at all. Counters are checked exactly
 * against the zone.
 *
 * Test hook: the reuse decision for a page is taken inside alloc_buf when one of its halves
 * is handed out, so a test that wants a page judged remote or reserve marks it (node = 1,
 * PB_PG_RESERVE) while it holds a buffer of that page, and the next frame into that slot
 * sees the mark. The mark is taken off again before the page can go back to the zone.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "allocator.h"
#include "halfpage.h"
#include "spsc_ring.h"
#include "support_backend.h"

#define HALF 2048u
#define FRAME 1500u	/* len='s default: bytes of each received frame */

#define HP(...) TB_CREATE("halfpage", __VA_ARGS__)

static struct pb_halfpage_counters counters_of(struct pb_alloc *a)
{
	struct pb_halfpage_counters c;

	pb_halfpage_counters(a, &c);
	return c;
}

/* One received frame. */
static struct pb_buf rx(struct pb_alloc *a)
{
	struct pb_buf b;

	memset(&b, 0xa5, sizeof(b));
	cr_assert(pb_alloc_buf(a, &b), "alloc_buf failed");
	cr_assert_not_null(b.page);
	cr_assert_eq(b.len, FRAME, "len %u: not the frame's length", b.len);
	cr_assert_eq(b.truesize, HALF);
	cr_assert(b.offset == 0 || b.offset == HALF, "offset %u is not a half page", b.offset);
	cr_assert_gt(pb_page_count(b.page), 0, "handed a page with refcount %d", pb_page_count(b.page));
	return b;
}

static void rx_free(struct pb_alloc *a, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		struct pb_buf b = rx(a);

		pb_free_buf(a, &b, true);
	}
}

/* pb_stats says what pb_halfpage_counters says, and in-flight is what the zone lacks. */
static void assert_stats_consistent(struct pb_alloc *a, uint64_t packets)
{
	struct pb_halfpage_counters c = counters_of(a);
	struct pb_stats s = tb_stats(a);

	cr_assert_eq(c.reuse + c.copied + c.busy + c.waive, packets,
		     "every packet gets one reuse decision");
	cr_assert_eq(s.alloc_fast + c.alloc, packets, "alloc_fast %llu + alloc %llu != %llu",
		     (unsigned long long)s.alloc_fast, (unsigned long long)c.alloc,
		     (unsigned long long)packets);
	cr_assert_eq(s.alloc_slow, c.alloc);
	cr_assert_eq(s.recycle_cached, c.reuse + c.copied);
	cr_assert_eq(s.recycle_refcnt, c.busy);
	cr_assert_eq(s.released, c.busy + c.waive, "every busy or waived page is let go");
	cr_assert_eq(s.hold, c.alloc);
	cr_assert_eq(s.in_flight, tb_zone_missing(a), "in_flight %llu, zone lacks %zu",
		     (unsigned long long)s.in_flight, tb_zone_missing(a));
}

Test(halfpage, registered_with_its_params)
{
	const struct pb_alloc_ops *ops = pb_alloc_find("halfpage");
	struct pb_params p;
	struct pb_err err;
	static const char *const bad[] = { "rx_ring=0", "rx_ring=8193", "variant=2017" };

	cr_assert_not_null(ops);
	cr_assert_str_eq(ops->name, "halfpage");
	cr_assert(ops->desc && *ops->desc);
	cr_assert(!ops->one_context, "frees from another CPU are safe: one_context must be off");
	cr_assert(ops->alloc_buf && ops->free_buf && ops->alloc && ops->free && ops->destroy);
	cr_assert_str_eq(pb_param_find(ops->params, "rx_ring")->def, "512");
	cr_assert_str_eq(pb_param_find(ops->params, "variant")->def, "bias");
	cr_assert_null(pb_param_find(ops->params, "node"), "node= is the memory's, not ours");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0, sizeof(p));
		memset(&err, 0, sizeof(err));
		cr_assert_eq(pb_params_add(&p, "mem=8M", &err), 0);
		cr_assert_eq(pb_params_add(&p, bad[i], &err), 0);
		cr_assert_null(pb_alloc_create(ops, &p, &err), "%s accepted", bad[i]);
		cr_assert(strstr(err.msg, bad[i]) || strstr(err.msg, strchr(bad[i], '=') + 1),
			  "error for %s does not name it: %s", bad[i], err.msg);
	}
}

/* Immediate frees: one page per slot, ever, then reuse. */
static void check_steady_state(const char *variant)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=4", variant);
	struct pb_halfpage_counters c;
	struct pb_stats s0, s;

	rx_free(a, 4);
	s0 = tb_stats(a);
	cr_assert_eq(tb_zone_missing(a), 4);
	rx_free(a, 10000 - 4);
	c = counters_of(a);
	s = tb_stats(a);
	cr_assert_eq(c.alloc, 4, "alloc %llu", (unsigned long long)c.alloc);
	cr_assert_eq(c.reuse, 10000);
	cr_assert_eq(c.busy, 0);
	cr_assert_eq(c.waive, 0);
	cr_assert_eq(c.restock, 0);
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls, "the zone was asked again");
	cr_assert_eq(s.pa_free_calls, 0, "a page went back to the zone");
	cr_assert_eq(s.alloc_fast, 10000 - 4);
	cr_assert_eq(s.released, 0);
	cr_assert_eq(s.in_flight, 4);
	cr_assert_eq(tb_zone_missing(a), 4);
	assert_stats_consistent(a, 10000);
	tb_destroy_clean(a);
}
Test(halfpage, immediate_free_takes_ring_pages_once_bias) { check_steady_state("variant=bias"); }
Test(halfpage, immediate_free_takes_ring_pages_once_2016) { check_steady_state("variant=2016"); }

/* Slot i serves packets i, i+ring, ...: the same page, halves alternating. */
static void check_offsets_alternate(const char *variant)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=4", variant);
	struct pb_page *slot_page[4];

	for (unsigned i = 0; i < 64; i++) {
		struct pb_buf b = rx(a);

		if (i < 4) {
			slot_page[i] = b.page;
			for (unsigned j = 0; j < i; j++)
				cr_assert_neq(slot_page[j], b.page, "slots %u and %u share a page", j, i);
		}
		cr_assert_eq(b.page, slot_page[i % 4], "packet %u left its slot's page", i);
		cr_assert_eq(b.offset, (i / 4) % 2 ? HALF : 0, "packet %u at offset %u", i, b.offset);
		pb_free_buf(a, &b, true);
	}
	tb_destroy_clean(a);
}
Test(halfpage, slot_offsets_alternate_bias) { check_offsets_alternate("variant=bias"); }
Test(halfpage, slot_offsets_alternate_2016) { check_offsets_alternate("variant=2016"); }

/*
 * Atomics per packet in the immediate-free steady state, counted around alloc_buf and
 * free_buf separately: @rx_atomics for the receive, one put for the free.
 */
static void check_atomics(const char *variant, uint64_t rx_atomics, int32_t ref_after_free)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=4", variant);
	uint64_t rx_total = 0, free_total = 0;

	rx_free(a, 8);
	for (unsigned i = 0; i < 10000; i++) {
		struct pb_buf b;
		uint64_t t0 = pb_tls_atomics, t1, t2;

		cr_assert(pb_alloc_buf(a, &b));
		t1 = pb_tls_atomics;
		pb_free_buf(a, &b, true);
		t2 = pb_tls_atomics;
		cr_assert_eq(t1 - t0, rx_atomics, "packet %u: %llu atomics in alloc_buf", i,
			     (unsigned long long)(t1 - t0));
		cr_assert_eq(t2 - t1, 1, "packet %u: %llu atomics in free_buf", i,
			     (unsigned long long)(t2 - t1));
		if (ref_after_free)
			cr_assert_eq(pb_page_count(b.page), ref_after_free);
		rx_total += t1 - t0;
		free_total += t2 - t1;
	}
	cr_assert_eq(rx_total, 10000 * rx_atomics);
	cr_assert_eq(free_total, 10000);
	tb_destroy_clean(a);
}
Test(halfpage, bias_no_atomic_per_packet) { check_atomics("variant=bias", 0, 0); }
Test(halfpage, v2016_one_atomic_per_packet) { check_atomics("variant=2016", 1, 1); }

/*
 * The stack holds X: X's half is never handed out again while held, the other half is
 * (it is free), the page is then found busy, unmapped and replaced, and freeing X gives
 * the page back to the zone.
 */
static void check_held_half(const char *variant)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=4", "dma=pt", variant);
	struct pb_buf x = rx(a);
	struct pb_halfpage_counters c;
	struct pb_page *replacement = NULL;

	for (unsigned i = 1; i <= 6 * 4; i++) {
		struct pb_buf b = rx(a);

		cr_assert(!(b.page == x.page && b.offset == x.offset),
			  "packet %u: the held half handed out again", i);
		if (i == 4) {
			/* X's slot again: the other half was free, so it was fair to hand out. */
			cr_assert_eq(b.page, x.page);
			cr_assert_eq(b.offset, x.offset ^ HALF);
			c = counters_of(a);
			cr_assert_eq(c.busy, 1, "X's page not found busy");
			cr_assert_eq(c.alloc, 4);
			cr_assert_eq(x.page->dma_addr, 0, "a page let go must be unmapped");
			/* X and this buffer: the driver kept nothing. */
			cr_assert_eq(pb_page_count(x.page), 2);
		} else if (i == 8) {
			cr_assert_neq(b.page, x.page, "X's slot still uses X's page");
			cr_assert_eq(b.offset, 0);
			cr_assert_eq(counters_of(a).alloc, 5, "X's page was not replaced by a new one");
			replacement = b.page;
		} else if (i > 8 && i % 4 == 0) {
			cr_assert_eq(b.page, replacement);
		}
		pb_free_buf(a, &b, true);
	}
	c = counters_of(a);
	cr_assert_eq(c.busy, 1);
	cr_assert_eq(c.alloc, 5);
	cr_assert_eq(pb_page_count(x.page), 1, "only X holds its page");
	cr_assert_eq(tb_zone_missing(a), 5);
	assert_stats_consistent(a, 25);
	pb_free_buf(a, &x, true);
	cr_assert_eq(tb_zone_missing(a), 4, "X's page did not go back to the zone");
	cr_assert_eq(tb_stats(a).in_flight, 4);
	tb_destroy_clean(a);
}
Test(halfpage, held_half_never_reused_bias) { check_held_half("variant=bias"); }
Test(halfpage, held_half_never_reused_2016) { check_held_half("variant=2016"); }

/* Next pseudo-random number (LCG, deterministic across runs). */
static uint32_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/* Index of a half page in the "handed out and not yet freed" map. */
static size_t half_index(const struct pb_buf *b)
{
	return pb_page_pfn(b->page) * 2 + b->offset / HALF;
}

/* Random holds and frees in any order: a half is never handed out twice at once. */
static void check_random_holds(const char *variant)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=8", "dma=pt", variant);
	size_t nhalves = pb_zone_nr_pages(a->mem.zone) * 2;
	uint8_t *out = calloc(nhalves, 1);
	struct pb_buf held[48];
	unsigned nheld = 0;
	uint64_t seed = 42;
	const uint64_t packets = 200000;

	cr_assert_not_null(out);
	for (uint64_t i = 0; i < packets; i++) {
		struct pb_buf b = rx(a);

		cr_assert_eq(out[half_index(&b)], 0, "packet %llu: a held half handed out again",
			     (unsigned long long)i);
		out[half_index(&b)] = 1;
		if (nheld == 48 || lcg(&seed) % 3 == 0) {
			/* Free a random held one (or this one) to let the stack finish out of order. */
			unsigned k = lcg(&seed) % (nheld + 1);

			if (k < nheld) {
				struct pb_buf t = held[k];

				held[k] = b;
				b = t;
			}
			out[half_index(&b)] = 0;
			pb_free_buf(a, &b, true);
		} else {
			held[nheld++] = b;
		}
	}
	assert_stats_consistent(a, packets);
	cr_assert_gt(counters_of(a).busy, 0, "the test never made a page busy");
	cr_assert_gt(counters_of(a).reuse, 0);
	while (nheld)
		pb_free_buf(a, &held[--nheld], true);
	free(out);
	tb_destroy_clean(a);
}
Test(halfpage, random_holds_never_double_hand_bias) { check_random_holds("variant=bias"); }
Test(halfpage, random_holds_never_double_hand_2016) { check_random_holds("variant=2016"); }

/* A page marked remote or reserve (test hook, see top) is let go at its next frame. */
static void check_waived(const char *variant, bool reserve)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=2", "dma=pt", variant);
	struct pb_buf b0 = rx(a), b;
	struct pb_page *pg = b0.page;
	struct pb_halfpage_counters c;

	if (reserve)
		pg->flags |= PB_PG_RESERVE;
	else
		pg->node = 1;
	pb_free_buf(a, &b0, true);
	rx_free(a, 1);
	b = rx(a);			/* slot 0 again: the marked page's other half */
	cr_assert_eq(b.page, pg);
	cr_assert_eq(b.offset, HALF);
	c = counters_of(a);
	cr_assert_eq(c.waive, 1, "a %s page was kept", reserve ? "reserve" : "remote");
	cr_assert_eq(c.busy, 0, "the page was free, it must count as waived, not busy");
	cr_assert_eq(c.reuse, 2);
	cr_assert_eq(pg->dma_addr, 0, "a page let go must be unmapped");
	cr_assert_eq(pb_page_count(pg), 1, "the driver kept references to a page it let go");
	pg->flags &= (uint16_t)~PB_PG_RESERVE;
	pg->node = (uint8_t)a->mem.arena.node;
	cr_assert_eq(tb_zone_missing(a), 2);
	pb_free_buf(a, &b, true);
	cr_assert_eq(tb_zone_missing(a), 1, "the waived page did not go back to the zone");
	rx_free(a, 1);
	b = rx(a);			/* slot 0: a new page */
	cr_assert_eq(b.offset, 0);
	cr_assert_eq(counters_of(a).alloc, 3);
	pb_free_buf(a, &b, true);
	assert_stats_consistent(a, 5);
	tb_destroy_clean(a);
}
Test(halfpage, remote_page_waived_bias) { check_waived("variant=bias", false); }
Test(halfpage, remote_page_waived_2016) { check_waived("variant=2016", false); }
Test(halfpage, reserve_page_waived_bias) { check_waived("variant=bias", true); }
Test(halfpage, reserve_page_waived_2016) { check_waived("variant=2016", true); }

/*
 * One page serves 70000 packets: the pre-charge covers 65534 handed-out references, then
 * one atomic restocks it; the refcount never gets near zero.
 */
Test(halfpage, bias_restocks_once_per_charge)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=1", "variant=bias");
	struct pb_page *pg = NULL;
	uint64_t restock_at = 0, restocks = 0;

	for (uint64_t i = 0; i < 70000; i++) {
		struct pb_buf b;
		uint64_t t0 = pb_tls_atomics, n;
		int32_t ref;

		cr_assert(pb_alloc_buf(a, &b));
		n = pb_tls_atomics - t0;
		if (i == 0) {
			pg = b.page;
			cr_assert_eq(pb_page_count(pg), USHRT_MAX, "pre-charge to USHRT_MAX");
		} else if (n) {
			cr_assert_eq(n, 1, "packet %llu: %llu atomics", (unsigned long long)i,
				     (unsigned long long)n);
			restock_at = i;
			restocks++;
		}
		cr_assert_eq(b.page, pg, "packet %llu: the only slot changed page", (unsigned long long)i);
		cr_assert_eq(b.offset, i % 2 ? HALF : 0);
		pb_free_buf(a, &b, true);
		ref = pb_page_count(pg);
		cr_assert(ref >= 2 && ref <= USHRT_MAX, "packet %llu: refcount %d",
			  (unsigned long long)i, ref);
	}
	/* Packets 0..65533 spend the first charge's 65534 references. */
	cr_assert_eq(restocks, 1);
	cr_assert_eq(restock_at, USHRT_MAX - 2);
	cr_assert_eq(counters_of(a).restock, 1);
	cr_assert_eq(counters_of(a).alloc, 1);
	cr_assert_eq(counters_of(a).reuse, 70000);
	tb_destroy_clean(a);
}

/* dma=pt: mapped once per page however often it is reused; all unmapped by destroy. */
static void check_dma(const char *variant)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=4", "dma=pt", variant);
	struct pb_buf held;
	struct pb_stats s;
	uint64_t leaked = 12345;

	rx_free(a, 10000);
	held = rx(a);
	s = tb_stats(a);
	cr_assert_eq(s.dma_map, 4);
	cr_assert_eq(s.dma_map, counters_of(a).alloc);
	cr_assert_eq(s.dma_unmap, 0);
	cr_assert_neq(held.page->dma_addr, 0);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 1, "the held buffer's page is in flight");
	cr_assert_eq(pb_dma_nr_mapped(a->mem.dma), 0, "destroy left mappings behind");
	s = tb_stats(a);
	cr_assert_eq(s.dma_unmap, 4);
	cr_assert_eq(s.in_flight, 1);
	cr_assert_eq(held.page->dma_addr, 0);
	pb_free_buf(a, &held, true);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0);
	cr_assert_eq(leaked, 0);
}
Test(halfpage, dma_mapped_once_while_reused_bias) { check_dma("variant=bias"); }
Test(halfpage, dma_mapped_once_while_reused_2016) { check_dma("variant=2016"); }

/* Destroy counts pages, not buffers, and keeps the instance until the last half is back. */
static void check_destroy_in_flight(const char *variant)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=4", variant);
	struct pb_buf p0, p1, p4;
	uint64_t leaked = 12345;

	p0 = rx(a);
	p1 = rx(a);
	rx_free(a, 2);
	p4 = rx(a);			/* p0's other half: that page is now let go */
	cr_assert_eq(p4.page, p0.page);
	cr_assert_eq(pb_alloc_destroy(a, NULL), 2, "two pages are held");
	cr_assert_eq(pb_alloc_destroy(a, NULL), 2, "a second destroy changes nothing");
	pb_free_buf(a, &p4, false);
	cr_assert_eq(pb_alloc_destroy(a, NULL), 2, "p0 still pins its page");
	pb_free_buf(a, &p0, false);
	cr_assert_eq(pb_alloc_destroy(a, NULL), 1);
	pb_free_buf(a, &p1, false);
	cr_assert_eq(pb_alloc_destroy(a, &leaked), 0);
	cr_assert_eq(leaked, 0);
}
Test(halfpage, destroy_waits_for_held_halves_bias) { check_destroy_in_flight("variant=bias"); }
Test(halfpage, destroy_waits_for_held_halves_2016) { check_destroy_in_flight("variant=2016"); }

/* An extra reference (skb clone) outliving the skb on a let-go page still ends in the zone. */
static void check_clone_outlives(const char *variant)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=1", variant);
	struct pb_buf x = rx(a), y;

	y = rx(a);			/* x's other half; x held: let go */
	pb_page_get(y.page);		/* a clone of y */
	pb_free_buf(a, &x, true);
	pb_free_buf(a, &y, true);
	cr_assert_eq(pb_page_count(y.page), 1);
	pb_page_put(y.page);		/* the clone is the last user: put_page frees the page */
	cr_assert_eq(pb_alloc_destroy(a, NULL), 0, "a page freed by put_page counted in flight");
}
Test(halfpage, clone_put_last_is_not_in_flight_bias) { check_clone_outlives("variant=bias"); }
Test(halfpage, clone_put_last_is_not_in_flight_2016) { check_clone_outlives("variant=2016"); }

/* Whole pages: a mapped order-0 page from the zone and back; the ring is not involved. */
/* --- the 2016 copybreak (ixgbe_add_rx_frag, v4.6: frames <= IXGBE_RX_HDR_SIZE copied) --- */

/* One received frame of @len bytes; @copied: expect it copied to the skb head. */
static struct pb_buf rx_len(struct pb_alloc *a, uint32_t len, bool copied)
{
	struct pb_buf b;

	memset(&b, 0xa5, sizeof(b));
	cr_assert(pb_alloc_buf(a, &b), "alloc_buf failed");
	cr_assert_eq(b.len, len);
	cr_assert_eq(b.truesize, copied ? 0 : HALF, "len=%u: truesize %u", len, b.truesize);
	return b;
}

/*
 * len=64: every frame is copied, the page never leaves its slot or its half, and neither
 * the receive nor the stack's free touches the refcount: zero atomics per frame. The copy
 * reads the frame's bytes where they were received.
 */
Test(halfpage, copybreak_64_reuses_the_page_with_no_refcount_atomics)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=4", "variant=2016", "len=64");
	struct pb_page *slot_page[4];
	uint32_t slot_off[4];
	struct pb_halfpage_counters c;
	struct pb_stats s0, s;
	uint64_t at0;

	for (unsigned i = 0; i < 4; i++) {	/* the ring fills: one page per slot */
		struct pb_buf b = rx_len(a, 64, true);

		slot_page[i] = b.page;
		slot_off[i] = b.offset;
		memset((char *)pb_page_address(b.page) + b.offset, 0x5a, 64);
		pb_free_buf(a, &b, true);
	}
	s0 = tb_stats(a);
	at0 = pb_tls_atomics;
	for (unsigned i = 0; i < 10000; i++) {
		struct pb_buf b = rx_len(a, 64, true);

		cr_assert_eq(b.page, slot_page[i % 4], "frame %u: the slot changed page", i);
		cr_assert_eq(b.offset, slot_off[i % 4], "frame %u: a copied frame flipped the half", i);
		cr_assert_eq(pb_page_count(b.page), 1, "frame %u: the stack got a page reference", i);
		pb_free_buf(a, &b, true);
		cr_assert_eq(pb_page_count(b.page), 1, "frame %u: the skb's free dropped a reference", i);
	}
	cr_assert_eq(pb_tls_atomics - at0, 0, "10000 copied frames took %llu atomics",
		     (unsigned long long)(pb_tls_atomics - at0));
	s = tb_stats(a);
	cr_assert_eq(s.pa_alloc_calls, s0.pa_alloc_calls, "copied frames went to the page allocator");
	c = counters_of(a);
	cr_assert_eq(c.copied, 10004);
	cr_assert_eq(c.reuse, 0, "a copied frame counted as a flip");
	cr_assert_eq(c.alloc, 4);
	assert_stats_consistent(a, 10004);
	tb_destroy_clean(a);
}

/* len=1500: nothing copied, the 2016 path as before: flip, page_ref_inc, the stack's put. */
Test(halfpage, copybreak_1500_flips_as_before)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=4", "variant=2016", "len=1500");
	uint64_t rx_at = 0, free_at = 0;

	rx_free(a, 8);
	for (unsigned i = 0; i < 1000; i++) {
		uint64_t t0 = pb_tls_atomics, t1;
		struct pb_buf b = rx_len(a, 1500, false);

		t1 = pb_tls_atomics;
		pb_free_buf(a, &b, true);
		rx_at += t1 - t0;
		free_at += pb_tls_atomics - t1;
	}
	cr_assert_eq(rx_at, 1000, "page_ref_inc per frame");
	cr_assert_eq(free_at, 1000, "the stack's put per frame");
	cr_assert_eq(counters_of(a).copied, 0);
	cr_assert_eq(counters_of(a).reuse, 1008);
	tb_destroy_clean(a);
}

/* The boundary is IXGBE_RX_HDR_SIZE: 256 is copied, 257 is not. */
Test(halfpage, copybreak_boundary_is_256)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=2", "variant=2016", "len=256");
	struct pb_alloc *b = HP("mem=8M", "rx_ring=2", "variant=2016", "len=257");
	struct pb_buf x;

	x = rx_len(a, 256, true);
	pb_free_buf(a, &x, true);
	x = rx_len(b, 257, false);
	pb_free_buf(b, &x, true);
	cr_assert_eq(counters_of(a).copied, 1);
	cr_assert_eq(counters_of(b).copied, 0);
	tb_destroy_clean(a);
	tb_destroy_clean(b);
}

/* i40e's build_skb receive (variant=bias) copies nothing, whatever the frame's length. */
Test(halfpage, bias_variant_never_copies)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=2", "variant=bias", "len=64");
	uint32_t first;

	for (unsigned i = 0; i < 8; i++) {
		struct pb_buf b = rx_len(a, 64, false);

		if (i == 0)
			first = b.offset;
		else if (i % 2 == 0)
			cr_assert_eq(b.offset, first ^ HALF * ((i / 2) % 2), "frame %u: no flip", i);
		pb_free_buf(a, &b, true);
	}
	cr_assert_eq(counters_of(a).copied, 0);
	cr_assert_eq(counters_of(a).reuse, 8);
	tb_destroy_clean(a);
}

/*
 * A copied frame into a page that is not reusable (from the reserves): the driver drops its
 * own reference (unmapped first) and the page goes back to the zone at once; the slot takes
 * a new page at its next frame.
 */
Test(halfpage, copybreak_lets_a_reserve_page_go)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=1", "variant=2016", "len=64", "dma=pt");
	struct pb_buf b = rx_len(a, 64, true);
	struct pb_page *pg = b.page;
	size_t missing;

	pb_free_buf(a, &b, true);
	missing = tb_zone_missing(a);
	cr_assert_eq(missing, 1);
	pg->flags |= PB_PG_RESERVE;
	b = rx_len(a, 64, true);		/* copied, then judged: not reusable */
	cr_assert_eq(b.page, pg);
	cr_assert_eq(counters_of(a).waive, 1);
	cr_assert_eq(pg->dma_addr, 0, "a page let go must be unmapped");
	cr_assert_eq(pb_page_count(pg), 0, "the driver kept its reference to a reserve page");
	cr_assert_eq(tb_zone_missing(a), 0, "the reserve page did not go back to the zone");
	pb_free_buf(a, &b, true);		/* the skb head's free: nothing of the page's */
	b = rx_len(a, 64, true);
	cr_assert_neq(b.page, NULL);
	cr_assert_eq(counters_of(a).alloc, 2, "the slot took no new page");
	pb_free_buf(a, &b, true);
	assert_stats_consistent(a, 3);
	tb_destroy_clean(a);
}

/* len= is checked by the backend too (callers that skip the plan): bounds and syntax. */
Test(halfpage, len_is_bounds_checked)
{
	static const char *const bad[] = { "len=59", "len=2049", "len=abc", "len=" };
	const struct pb_alloc_ops *ops = pb_alloc_find("halfpage");

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pb_params p;
		struct pb_err err = { { 0 } };

		memset(&p, 0, sizeof(p));
		if (pb_params_add(&p, bad[i], &err))
			continue;	/* refused while parsing: fine too */
		cr_assert_null(pb_alloc_create(ops, &p, &err), "%s accepted", bad[i]);
		cr_assert_not_null(strstr(err.msg, "len"), "error does not name len: %s", err.msg);
	}
	tb_destroy_clean(HP("mem=4M", "len=60"));
	tb_destroy_clean(HP("mem=4M", "len=2048"));
}

Test(halfpage, whole_page_ops_bypass_the_ring)
{
	struct pb_alloc *a = HP("mem=8M", "rx_ring=4", "dma=pt");
	struct pb_page *v[8];
	struct pb_stats s;

	cr_assert_eq(pb_alloc_bulk(a, v, 8), 8);
	for (unsigned i = 0; i < 8; i++) {
		cr_assert_eq(pb_page_count(v[i]), 1);
		cr_assert_neq(v[i]->dma_addr, 0);
		cr_assert_eq(v[i]->order, 0);
	}
	s = tb_stats(a);
	cr_assert_eq(counters_of(a).alloc, 0, "page-level allocs went through the ring");
	cr_assert_eq(s.alloc_slow, 8);
	cr_assert_eq(s.hold, 8);
	cr_assert_eq(s.in_flight, 8);
	pb_alloc_free_bulk(a, v, 8, true);
	s = tb_stats(a);
	cr_assert_eq(s.dma_unmap, 8);
	cr_assert_eq(s.in_flight, 0);
	cr_assert_eq(tb_zone_missing(a), 0);
	tb_destroy_clean(a);
}

/* Running out of pages: alloc_buf fails without losing its place, and recovers. */
Test(halfpage, exhaustion_fails_cleanly)
{
	struct pb_alloc *a = HP("mem=4M", "rx_ring=8");
	size_t npages = pb_zone_nr_pages(a->mem.zone);
	struct pb_zone_vmstat vs;
	struct pb_buf *held = calloc(npages * 2 + 1, sizeof(*held));
	struct pb_buf b;
	size_t n = 0;

	cr_assert_not_null(held);
	while (n <= npages * 2 && pb_alloc_buf(a, &held[n]))
		n++;
	cr_assert_leq(n, npages * 2, "more halves handed out than exist");
	/* Pages from below the low watermark are pfmemalloc: i40e never reuses their other half. */
	pb_zone_vmstat(a->mem.zone, &vs);
	cr_assert_geq(n, npages * 2 - 8 - vs.watermark_low, "gave up with %zu halves of %zu", n,
		      npages * 2);
	cr_assert_eq(tb_stats(a).alloc_empty, 1);
	cr_assert_eq(counters_of(a).alloc, npages);
	cr_assert(!pb_alloc_buf(a, &b), "alloc_buf succeeded with the zone empty");
	assert_stats_consistent(a, n);
	while (n)
		pb_free_buf(a, &held[--n], true);
	/* Pages let go for being pfmemalloc (waive) are out of flight like busy ones. */
	cr_assert_eq(tb_stats(a).in_flight,
		     counters_of(a).alloc - counters_of(a).busy - counters_of(a).waive);
	rx_free(a, 100);
	free(held);
	tb_destroy_clean(a);
}

/*
 * The stack on another CPU: frees arrive through an SPSC ring while the RX loop keeps
 * deciding reuse. The free side clears a half's "out" mark before it frees it, so if the
 * RX side ever hands out a half whose mark is still set, a half in use was reused. Phases
 * of immediate and delayed frees make pages both reusable and busy; dma=pt makes the zone
 * abort if a page is ever freed while mapped.
 */
#define XQ 256		/* handoff ring entries */
#define XDELAY 100	/* buffers the stack sits on in delay phases: more than a ring cycle */
#define XPHASE 5000	/* packets per phase */
#define XPACKETS 200000

struct xcpu {
	struct pb_alloc *a;
	struct pb_spsc_ring q;
	struct pb_buf slots[XQ];
	_Atomic uint8_t *out;
	_Atomic bool stop;
	const char *failed;
};

static void *xcpu_stack(void *arg)
{
	struct xcpu *x = arg;
	struct pb_buf delay[XDELAY + 1];
	unsigned head = 0, nd = 0;

	pb_cpu_set_id(1);
	for (uint64_t i = 0; i < XPACKETS; i++) {
		struct pb_buf b;
		unsigned keep = (i / XPHASE) % 2 ? XDELAY : 0;

		while (!pb_spsc_pop(&x->q, &b)) {
			if (atomic_load_explicit(&x->stop, memory_order_relaxed))
				goto drain;
			sched_yield();	/* the two threads may share a CPU */
		}
		delay[(head + nd++) % (XDELAY + 1)] = b;
		while (nd > keep) {
			b = delay[head];
			head = (head + 1) % (XDELAY + 1);
			nd--;
			atomic_store_explicit(&x->out[half_index(&b)], 0, memory_order_release);
			pb_free_buf(x->a, &b, false);
		}
	}
drain:
	while (nd) {
		struct pb_buf b = delay[head];

		head = (head + 1) % (XDELAY + 1);
		nd--;
		atomic_store_explicit(&x->out[half_index(&b)], 0, memory_order_release);
		pb_free_buf(x->a, &b, false);
	}
	return NULL;
}

static void check_cross_cpu(const char *variant)
{
	struct xcpu *x = calloc(1, sizeof(*x));
	struct pb_halfpage_counters c;
	pthread_t t;
	uint64_t i;

	cr_assert_not_null(x);
	x->a = HP("mem=8M", "rx_ring=64", "dma=pt", variant);
	x->out = calloc(pb_zone_nr_pages(x->a->mem.zone) * 2, sizeof(*x->out));
	cr_assert_not_null(x->out);
	pb_spsc_init(&x->q, x->slots, XQ);
	atomic_init(&x->stop, false);
	cr_assert_eq(pthread_create(&t, NULL, xcpu_stack, x), 0);
	for (i = 0; i < XPACKETS && !x->failed; i++) {
		struct pb_buf b;

		if (!pb_alloc_buf(x->a, &b)) {
			x->failed = "alloc_buf failed";
			break;
		}
		if (atomic_exchange_explicit(&x->out[half_index(&b)], 1, memory_order_acquire)) {
			x->failed = "a half still held by the other CPU was handed out again";
			break;
		}
		while (!pb_spsc_push(&x->q, &b))
			sched_yield();
	}
	if (x->failed)
		atomic_store(&x->stop, true);
	pthread_join(t, NULL);
	cr_assert_null(x->failed, "packet %llu: %s", (unsigned long long)i, x->failed);
	c = counters_of(x->a);
	assert_stats_consistent(x->a, XPACKETS);
	cr_assert_gt(c.busy, 0, "delay phases never made a page busy");
	cr_assert_gt(c.reuse, XPACKETS / 4, "too little reuse: %llu", (unsigned long long)c.reuse);
	cr_assert_leq(tb_stats(x->a).in_flight, 64, "only the ring's pages may be left");
	free(x->out);
	tb_destroy_clean(x->a);
	free(x);
}
Test(halfpage, cross_cpu_frees_never_race_reuse_bias) { check_cross_cpu("variant=bias"); }
Test(halfpage, cross_cpu_frees_never_race_reuse_2016) { check_cross_cpu("variant=2016"); }

/*
 * The whole run, as a user asks for it: `alloc-free --set variant=2016 --set len=64` on
 * halfpage records 0 atomics per op and names len=64; len=1500 records the 2016 path's 2
 * (page_ref_inc and the stack's put); and a workload that takes no len= refuses it.
 */
static json_t *run_json(const char *bin, const char *len, char *dir)
{
	char cmd[1024], path[600];
	json_error_t jerr;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/%s.json", dir, len);
	snprintf(cmd, sizeof(cmd), "'%s' run --alloc halfpage --workload alloc-free --set variant=2016 "
		 "--set %s --reps 3 --no-baselines --ops 20000 --events none --json '%s' >/dev/null 2>&1",
		 bin, len, path);
	cr_assert_eq(system(cmd), 0, "%s failed", cmd);
	doc = json_load_file(path, 0, &jerr);
	cr_assert_not_null(doc, "%s: %s", path, jerr.text);
	unlink(path);
	return doc;
}

static double atomics_of(json_t *doc, const char *name)
{
	size_t i;
	json_t *b;

	json_array_foreach(json_object_get(doc, "benchmarks"), i, b)
		if (!strcmp(json_string_value(json_object_get(b, "name")), name))
			return json_number_value(json_object_get(json_object_get(json_object_get(b, "counters"),
								       "atomics_per_op"), "value"));
	cr_assert_fail("no record named %s", name);
	return -1;
}

Test(halfpage, run_len64_copies_len1500_flips)
{
	const char *bin = getenv("PB_BIN");
	char dir[] = "/tmp/pb-hp-XXXXXX", cmd[600];
	json_t *doc;

	if (!bin || !*bin)
		cr_skip_test("PB_BIN is not set (run through `make test`)");
	cr_assert_not_null(mkdtemp(dir));
	doc = run_json(bin, "len=64", dir);
	cr_assert_eq(atomics_of(doc, "alloc-free/halfpage/variant=2016,len=64,path=skb"), 0.0);
	json_decref(doc);
	doc = run_json(bin, "len=1500", dir);
	cr_assert_float_eq(atomics_of(doc, "alloc-free/halfpage/variant=2016,len=1500,path=skb"), 2.0, 0.01);
	json_decref(doc);
	snprintf(cmd, sizeof(cmd), "'%s' run --alloc halfpage --workload bulk --set len=64 --reps 1 "
		 "--no-baselines >/dev/null 2>&1", bin);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 2, "bulk took len=");
	rmdir(dir);
}

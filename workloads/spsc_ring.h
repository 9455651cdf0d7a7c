/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A single-producer single-consumer ring that hands packet buffers from one pinned thread
 * to another, as a NIC queue hands frames to a TX-completion CPU. Each side keeps a private
 * copy of the other's index so it touches the shared line only when it must.
 */
#ifndef PB_SPSC_RING_H
#define PB_SPSC_RING_H

#include "allocator.h"

struct pb_spsc_ring {
	struct {
		uint32_t head;		/* next slot to write; published */
		uint32_t tail_cache;	/* producer's last view of tail */
	} prod pb_cacheline_aligned;
	struct {
		uint32_t tail;		/* next slot to read; published */
		uint32_t head_cache;	/* consumer's last view of head */
	} cons pb_cacheline_aligned;
	uint32_t mask pb_cacheline_aligned;
	struct pb_buf *slot;
};

/* Size must be a power of two; @slots is caller-provided storage for @size buffers. */
static inline void pb_spsc_init(struct pb_spsc_ring *r, struct pb_buf *slots, uint32_t size)
{
	r->prod.head = r->prod.tail_cache = 0;
	r->cons.tail = r->cons.head_cache = 0;
	r->mask = size - 1;
	r->slot = slots;
}

/* Producer side: false when full. */
static inline bool pb_spsc_push(struct pb_spsc_ring *r, const struct pb_buf *p)
{
	uint32_t h = r->prod.head;

	if (pb_unlikely(h - r->prod.tail_cache > r->mask)) {
		r->prod.tail_cache = pb_load_acquire(&r->cons.tail);
		if (h - r->prod.tail_cache > r->mask)
			return false;
	}
	r->slot[h & r->mask] = *p;
	pb_store_release(&r->prod.head, h + 1);
	return true;
}

/*
 * Producer side, batched: all @n of @p, published with one release store (the hand-off of
 * a whole NAPI poll's frames), or none and false when fewer than @n slots are free.
 */
static inline bool pb_spsc_push_n(struct pb_spsc_ring *r, const struct pb_buf *p, uint32_t n)
{
	uint32_t h = r->prod.head;

	if (pb_unlikely(h + n - r->prod.tail_cache > r->mask + 1)) {
		r->prod.tail_cache = pb_load_acquire(&r->cons.tail);
		if (h + n - r->prod.tail_cache > r->mask + 1)
			return false;
	}
	for (uint32_t i = 0; i < n; i++)
		r->slot[(h + i) & r->mask] = p[i];
	pb_store_release(&r->prod.head, h + n);
	return true;
}

/* Consumer side: false when empty. */
static inline bool pb_spsc_pop(struct pb_spsc_ring *r, struct pb_buf *p)
{
	uint32_t t = r->cons.tail;

	if (pb_unlikely(t == r->cons.head_cache)) {
		r->cons.head_cache = pb_load_acquire(&r->prod.head);
		if (t == r->cons.head_cache)
			return false;
	}
	*p = r->slot[t & r->mask];
	pb_store_release(&r->cons.tail, t + 1);
	return true;
}

#endif

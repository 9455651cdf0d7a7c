/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fixed-size FIFO of non-NULL pointers with the semantics of Linux's ptr_ring:
 * a NULL slot is a free slot, so producer and consumer never read each other's index,
 * only the slots. The consumer frees slots in batches so that, on a full ring, it does
 * not keep stealing the cache line the producer is writing into. The price is that the
 * producer may report "full" while up to batch-1 entries have already been consumed.
 *
 * The "__" variants take no lock and are safe for one producer thread and one consumer
 * thread running concurrently. The plain variants serialise producers on producer_lock
 * and consumers on consumer_lock, so any number of each may share the ring.
 */
#ifndef PB_PTR_RING_H
#define PB_PTR_RING_H

#include "platform.h"

#ifndef __KERNEL__
#include <errno.h>
#endif

/*
 * Layout, one cache line per writer so neither side's stores invalidate the other's:
 *   line 0: producer, producer_lock                  (written by producers only)
 *   line 1: consumer_head, consumer_tail, consumer_lock (written by consumers only)
 *   line 2: size, batch, queue                        (read-only after init)
 * The struct is cache-line aligned: allocate it with aligned_alloc() or embed it.
 */
struct pb_ptr_ring {
	int producer pb_cacheline_aligned;	/* next slot to fill */
	pb_spinlock_t producer_lock;

	int consumer_head pb_cacheline_aligned;	/* next slot to read */
	int consumer_tail;	/* first read slot not yet given back (zeroed) */
	pb_spinlock_t consumer_lock;

	int size pb_cacheline_aligned;
	int batch;		/* read slots are zeroed this many at a time */
	void **queue;
};

/*
 * A slot is tested by one side while the other side writes it. The accesses that need
 * no ordering are still relaxed atomics, not PB_READ_ONCE: the same instructions, but a
 * race the C memory model (and TSan) accept.
 */
#define pb_ptr_ring_slot_get(slot)	__atomic_load_n((slot), __ATOMIC_RELAXED)
#define pb_ptr_ring_slot_clear(slot)	__atomic_store_n((slot), NULL, __ATOMIC_RELAXED)

/* Sets up an empty ring of @size (>= 1) slots; 0, or -1 with errno EINVAL/ENOMEM. */
int pb_ptr_ring_init(struct pb_ptr_ring *r, int size);
/* Passes each queued entry to @destroy (if non-NULL), frees the queue; caller owns @r alone. */
void pb_ptr_ring_cleanup(struct pb_ptr_ring *r, void (*destroy)(void *ctx, void *ptr), void *ctx);

/* True when the next produce would fail; producer side. */
static inline bool __pb_ptr_ring_full(struct pb_ptr_ring *r)
{
	return pb_ptr_ring_slot_get(&r->queue[r->producer]) != NULL;
}

/* Queues non-NULL @ptr; 0, or -ENOSPC when the producer's slot is not free yet. */
static inline int __pb_ptr_ring_produce(struct pb_ptr_ring *r, void *ptr)
{
	int p = r->producer;

	if (pb_unlikely(pb_ptr_ring_slot_get(&r->queue[p])))
		return -ENOSPC;
	/* Release: whoever reads @ptr out of the slot also sees what was stored through it. */
	pb_store_release(&r->queue[p], ptr);
	if (pb_unlikely(++p >= r->size))
		p = 0;
	r->producer = p;
	return 0;
}

/* Oldest entry without removing it, or NULL when empty; consumer side. */
static inline void *__pb_ptr_ring_peek(struct pb_ptr_ring *r)
{
	/* Acquire: pairs with produce's release, and keeps the later zeroing after this read. */
	return pb_load_acquire(&r->queue[r->consumer_head]);
}

/*
 * True when nothing is queued; consumer side. From another thread it is only a hint:
 * a stale consumer_head may point at a slot that was already handed back.
 */
static inline bool __pb_ptr_ring_empty(struct pb_ptr_ring *r)
{
	return pb_ptr_ring_slot_get(&r->queue[PB_READ_ONCE(r->consumer_head)]) == NULL;
}

/* Drops the entry just peeked (the ring must not be empty); consumer side. */
static inline void __pb_ptr_ring_discard_one(struct pb_ptr_ring *r)
{
	int head = r->consumer_head + 1;
	int tail = r->consumer_tail;

	/*
	 * Give slots back only a batch at a time (or at the end of the array, so a batch
	 * never wraps). Clearing the newest first means the slot the producer is waiting
	 * on, tail, is the last store: on TSO machines the producer then finds the whole
	 * batch free at once instead of chasing the consumer through lines it is still
	 * writing. Correctness does not depend on the order: the producer only ever tests
	 * its own slot, and every slot here was read before it is cleared.
	 */
	if (pb_unlikely(head - tail >= r->batch || head >= r->size)) {
		for (int i = head - 1; i >= tail; i--)
			pb_ptr_ring_slot_clear(&r->queue[i]);
		tail = head;
	}
	if (pb_unlikely(head >= r->size))
		head = tail = 0;
	r->consumer_tail = tail;
	/* Stored once and always in range, for lockless __pb_ptr_ring_empty() callers. */
	PB_WRITE_ONCE(r->consumer_head, head);
}

/* Removes and returns the oldest entry, or NULL when empty; consumer side. */
static inline void *__pb_ptr_ring_consume(struct pb_ptr_ring *r)
{
	void *ptr = __pb_ptr_ring_peek(r);

	if (ptr)
		__pb_ptr_ring_discard_one(r);
	return ptr;
}

/* Moves up to @n oldest entries into @array in order; returns how many. */
static inline int __pb_ptr_ring_consume_batched(struct pb_ptr_ring *r, void **array, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		array[i] = __pb_ptr_ring_consume(r);
		if (!array[i])
			break;
	}
	return i;
}

/* __pb_ptr_ring_produce() under producer_lock. */
static inline int pb_ptr_ring_produce(struct pb_ptr_ring *r, void *ptr)
{
	int ret;

	pb_spin_lock(&r->producer_lock);
	ret = __pb_ptr_ring_produce(r, ptr);
	pb_spin_unlock(&r->producer_lock);
	return ret;
}

/* __pb_ptr_ring_consume() under consumer_lock. */
static inline void *pb_ptr_ring_consume(struct pb_ptr_ring *r)
{
	void *ptr;

	pb_spin_lock(&r->consumer_lock);
	ptr = __pb_ptr_ring_consume(r);
	pb_spin_unlock(&r->consumer_lock);
	return ptr;
}

/* __pb_ptr_ring_consume_batched() under consumer_lock. */
static inline int pb_ptr_ring_consume_batched(struct pb_ptr_ring *r, void **array, int n)
{
	int ret;

	pb_spin_lock(&r->consumer_lock);
	ret = __pb_ptr_ring_consume_batched(r, array, n);
	pb_spin_unlock(&r->consumer_lock);
	return ret;
}

/* __pb_ptr_ring_full() under producer_lock: the answer may be stale once it returns. */
static inline bool pb_ptr_ring_full(struct pb_ptr_ring *r)
{
	bool ret;

	pb_spin_lock(&r->producer_lock);
	ret = __pb_ptr_ring_full(r);
	pb_spin_unlock(&r->producer_lock);
	return ret;
}

/* __pb_ptr_ring_empty() under consumer_lock: the answer may be stale once it returns. */
static inline bool pb_ptr_ring_empty(struct pb_ptr_ring *r)
{
	bool ret;

	pb_spin_lock(&r->consumer_lock);
	ret = __pb_ptr_ring_empty(r);
	pb_spin_unlock(&r->consumer_lock);
	return ret;
}

#endif

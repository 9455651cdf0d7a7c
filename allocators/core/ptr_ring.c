/* SPDX-License-Identifier: GPL-2.0-only */
/* Setup and teardown of struct pb_ptr_ring: never on a hot path, so kept out of line. */
#include <errno.h>
#include <stdlib.h>

#include "ptr_ring.h"

int pb_ptr_ring_init(struct pb_ptr_ring *r, int size)
{
	if (size < 1) {
		errno = EINVAL;
		return -1;
	}
	/* All slots NULL: that is what "free" means to the producer. */
	r->queue = calloc((size_t)size, sizeof(*r->queue));
	if (!r->queue) {
		errno = ENOMEM;
		return -1;
	}
	r->size = size;
	/*
	 * Two cache lines of slots per batch. On a small ring a batch that large would
	 * leave the producer seeing "full" for most of the ring, so such rings free every
	 * slot as soon as it is read.
	 */
	r->batch = 2 * PB_CACHELINE / (int)sizeof(*r->queue);
	if (r->batch > size / 2)
		r->batch = 1;
	r->producer = 0;
	r->consumer_head = 0;
	r->consumer_tail = 0;
	pb_spin_init(&r->producer_lock);
	pb_spin_init(&r->consumer_lock);
	return 0;
}

void pb_ptr_ring_cleanup(struct pb_ptr_ring *r, void (*destroy)(void *ctx, void *ptr), void *ctx)
{
	void *ptr;

	while ((ptr = __pb_ptr_ring_consume(r)))
		if (destroy)
			destroy(ctx, ptr);
	free(r->queue);
	r->queue = NULL;
	r->size = 0;
}

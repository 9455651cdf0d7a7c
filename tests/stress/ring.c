// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ptr_ring's concurrent scenarios without Criterion (which cannot start under TSan):
 * the lockless SPSC pair (entries arrive once, in order, with what the producer wrote
 * through them visible: the release/acquire pairing TSan checks), and two producers on the
 * locked variants against one consumer alternating single and batched consumes. The
 * Criterion suite (tests/test_ptr_ring.c) runs the same shapes in the plain and ASan builds.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "driver.h"
#include "ptr_ring.h"

struct item {
	long seq;
	long check;
};

struct spsc {
	struct pb_ptr_ring ring;
	struct item *items;
	long count;
};

static void backoff(unsigned *spins)
{
	if (++*spins % 64 == 0)
		sched_yield();
	else
		pb_cpu_relax();
}

static void *spsc_producer(void *arg)
{
	struct spsc *s = arg;
	unsigned spins = 0;

	for (long i = 0; i < s->count; i++) {
		/* Plain stores the consumer must see through the pointer (produce's release). */
		s->items[i].seq = i;
		s->items[i].check = ~i;
		while (__pb_ptr_ring_produce(&s->ring, &s->items[i]))
			backoff(&spins);
	}
	return NULL;
}

static int spsc(long count, int size)
{
	struct spsc *s = aligned_alloc(PB_CACHELINE, sizeof(*s));
	unsigned spins = 0;
	long bad = 0;
	pthread_t t;

	if (!s || pb_ptr_ring_init(&s->ring, size) || !(s->items = calloc((size_t)count, sizeof(*s->items)))) {
		fprintf(stderr, "ring: out of memory\n");
		return 1;
	}
	s->count = count;
	if (pthread_create(&t, NULL, spsc_producer, s))
		return 1;
	for (long i = 0; i < count; i++) {
		struct item *it;

		while (!(it = __pb_ptr_ring_consume(&s->ring)))
			backoff(&spins);
		/* Lost, duplicated or reordered entries, or stale contents, all show here. */
		if (it != &s->items[i] || it->seq != i || it->check != ~i)
			bad++;
	}
	pthread_join(t, NULL);
	if (__pb_ptr_ring_consume(&s->ring))
		bad++;
	pb_ptr_ring_cleanup(&s->ring, NULL, NULL);
	free(s->items);
	free(s);
	printf("ring: spsc size %d: %ld entries, %ld out of place\n", size, count, bad);
	return bad != 0;
}

#define PRODUCERS 2

struct mpsc {
	struct pb_ptr_ring ring;
	long count;
	atomic_int done;
	pthread_barrier_t start;
};

struct producer {
	struct mpsc *m;
	uintptr_t id;
};

/* Entries are (seq << 1 | producer) + 2: never NULL, and each producer's sequence is checkable. */
static void *mpsc_producer(void *arg)
{
	struct producer *p = arg;
	unsigned spins = 0;

	pthread_barrier_wait(&p->m->start);
	for (uintptr_t i = 0; i < (uintptr_t)p->m->count; i++)
		while (pb_ptr_ring_produce(&p->m->ring, (void *)(((i << 1) | p->id) + 2)))
			backoff(&spins);
	atomic_fetch_add(&p->m->done, 1);
	return NULL;
}

static int mpsc(long count, int size)
{
	struct mpsc *m = aligned_alloc(PB_CACHELINE, sizeof(*m));
	struct producer prod[PRODUCERS];
	pthread_t t[PRODUCERS];
	long next[PRODUCERS] = { 0 }, got = 0, bad = 0;
	unsigned spins = 0;
	void *arr[8];

	if (!m || pb_ptr_ring_init(&m->ring, size))
		return 1;
	m->count = count;
	atomic_init(&m->done, 0);
	pthread_barrier_init(&m->start, NULL, PRODUCERS);
	for (unsigned p = 0; p < PRODUCERS; p++) {
		prod[p] = (struct producer){ m, p };
		if (pthread_create(&t[p], NULL, mpsc_producer, &prod[p]))
			return 1;
	}
	for (;;) {
		/* Read before consuming: when it says done, this consume sees every entry. */
		bool done = atomic_load(&m->done) == PRODUCERS;
		int n = (got & 1) ? pb_ptr_ring_consume_batched(&m->ring, arr, 8) :
			!!(arr[0] = pb_ptr_ring_consume(&m->ring));

		if (!n) {
			if (done)
				break;
			backoff(&spins);
			continue;
		}
		for (int i = 0; i < n; i++) {
			uintptr_t v = (uintptr_t)arr[i] - 2;

			if ((long)(v >> 1) != next[v & 1])
				bad++;
			next[v & 1] = (long)(v >> 1) + 1;
		}
		got += n;
	}
	for (unsigned p = 0; p < PRODUCERS; p++)
		pthread_join(t[p], NULL);
	for (unsigned p = 0; p < PRODUCERS; p++)
		bad += next[p] != count;
	bad += got != PRODUCERS * count;
	pthread_barrier_destroy(&m->start);
	pb_ptr_ring_cleanup(&m->ring, NULL, NULL);
	free(m);
	printf("ring: mpsc size %d: %d x %ld entries, %ld out of place\n", size, PRODUCERS, count, bad);
	return bad != 0;
}

int st_ring_scenarios(long count)
{
	int rc = 0;

	rc |= spsc(count, 256);
	rc |= spsc(count, 1);		/* one slot: producer and consumer meet on every entry */
	rc |= spsc(count, 64);
	rc |= mpsc(count / 2, 256);
	rc |= mpsc(count / 2, 4);
	return rc;
}

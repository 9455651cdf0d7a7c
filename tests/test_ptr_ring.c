/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pb_ptr_ring: FIFO order, the exact full/empty points, batched slot zeroing (checked on
 * the queue array itself, since that is what the producer tests), cleanup, and
 * producer/consumer threads. Entries are small integers cast to pointers: never NULL,
 * and the value says where it should have come out.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "ptr_ring.h"

#define V(i)	((void *)(uintptr_t)(i))
#define BIG_BATCH ((int)(2 * PB_CACHELINE / sizeof(void *)))

/* Waiting for the other thread: pause, and let it run when we share a CPU with it. */
static void backoff(unsigned *spins)
{
	pb_cpu_relax();
	if (++*spins % 16 == 0)
		sched_yield();
}

static void ring_init(struct pb_ptr_ring *r, int size)
{
	cr_assert_eq(pb_ptr_ring_init(r, size), 0, "init(%d)", size);
}

Test(ptr_ring, init_rejects_bad_size)
{
	struct pb_ptr_ring r;

	errno = 0;
	cr_expect_eq(pb_ptr_ring_init(&r, 0), -1);
	cr_expect_eq(errno, EINVAL);
	errno = 0;
	cr_expect_eq(pb_ptr_ring_init(&r, -5), -1);
	cr_expect_eq(errno, EINVAL);
}

Test(ptr_ring, layout_one_writer_per_line)
{
	struct pb_ptr_ring r;
	uintptr_t p = (uintptr_t)&r.producer, c = (uintptr_t)&r.consumer_head;
	uintptr_t s = (uintptr_t)&r.size;

	cr_expect_eq(p / PB_CACHELINE, (uintptr_t)&r.producer_lock / PB_CACHELINE);
	cr_expect_eq(c / PB_CACHELINE, (uintptr_t)&r.consumer_tail / PB_CACHELINE);
	cr_expect_eq(c / PB_CACHELINE, (uintptr_t)&r.consumer_lock / PB_CACHELINE);
	cr_expect_eq(s / PB_CACHELINE, (uintptr_t)&r.queue / PB_CACHELINE);
	cr_expect_neq(p / PB_CACHELINE, c / PB_CACHELINE);
	cr_expect_neq(c / PB_CACHELINE, s / PB_CACHELINE);
}

Test(ptr_ring, batch_size)
{
	static const struct { int size, batch; } cases[] = {
		{ 1, 1 }, { 2, 1 }, { 5, 1 }, { 31, 1 },
		{ 32, BIG_BATCH }, { 256, BIG_BATCH }, { 1024, BIG_BATCH },
	};
	struct pb_ptr_ring r;

	cr_assert_eq(BIG_BATCH, 2 * 64 / (int)sizeof(void *));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ring_init(&r, cases[i].size);
		cr_expect_eq(r.batch, cases[i].batch, "size %d: batch %d, want %d",
			     cases[i].size, r.batch, cases[i].batch);
		for (int j = 0; j < r.size; j++)
			cr_expect_null(r.queue[j], "size %d: slot %d not zeroed", cases[i].size, j);
		pb_ptr_ring_cleanup(&r, NULL, NULL);
	}
}

Test(ptr_ring, empty_ring)
{
	struct pb_ptr_ring r;
	void *arr[4];

	ring_init(&r, 8);
	cr_expect(__pb_ptr_ring_empty(&r));
	cr_expect(pb_ptr_ring_empty(&r));
	cr_expect_not(__pb_ptr_ring_full(&r));
	cr_expect_null(__pb_ptr_ring_peek(&r));
	cr_expect_null(__pb_ptr_ring_consume(&r));
	cr_expect_null(pb_ptr_ring_consume(&r));
	cr_expect_eq(__pb_ptr_ring_consume_batched(&r, arr, 4), 0);
	/* Failed consumes must not move the consumer. */
	cr_expect_eq(r.consumer_head, 0);
	cr_expect_eq(__pb_ptr_ring_produce(&r, V(7)), 0);
	cr_expect_not(__pb_ptr_ring_empty(&r));
	cr_expect_eq(__pb_ptr_ring_peek(&r), V(7));
	cr_expect_eq(__pb_ptr_ring_peek(&r), V(7), "peek must not consume");
	cr_expect_eq(__pb_ptr_ring_consume(&r), V(7));
	cr_expect(__pb_ptr_ring_empty(&r));
	pb_ptr_ring_cleanup(&r, NULL, NULL);
}

Test(ptr_ring, fifo_order)
{
	struct pb_ptr_ring r;

	ring_init(&r, 64);
	for (int i = 1; i <= 40; i++)
		cr_assert_eq(__pb_ptr_ring_produce(&r, V(i)), 0);
	for (int i = 1; i <= 40; i++)
		cr_assert_eq(__pb_ptr_ring_consume(&r), V(i), "entry %d", i);
	cr_expect_null(__pb_ptr_ring_consume(&r));
	pb_ptr_ring_cleanup(&r, NULL, NULL);
}

/* A ring of N slots takes exactly N entries while nobody consumes. */
static void check_full_at_size(int size)
{
	struct pb_ptr_ring r;

	ring_init(&r, size);
	for (int i = 1; i <= size; i++) {
		cr_assert_not(__pb_ptr_ring_full(&r), "size %d: full after %d", size, i - 1);
		cr_assert_eq(__pb_ptr_ring_produce(&r, V(i)), 0, "size %d: entry %d", size, i);
	}
	cr_expect(__pb_ptr_ring_full(&r));
	cr_expect(pb_ptr_ring_full(&r));
	cr_expect_eq(__pb_ptr_ring_produce(&r, V(size + 1)), -ENOSPC);
	cr_expect_eq(pb_ptr_ring_produce(&r, V(size + 1)), -ENOSPC);
	/* The refused entry must not have overwritten the oldest one. */
	for (int i = 1; i <= size; i++)
		cr_assert_eq(__pb_ptr_ring_consume(&r), V(i), "size %d: entry %d", size, i);
	cr_expect(__pb_ptr_ring_empty(&r));
	pb_ptr_ring_cleanup(&r, NULL, NULL);
}

Test(ptr_ring, full_at_exactly_size)
{
	static const int sizes[] = { 1, 2, 5, 31, 32, 33, 64, 100, 1024 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_full_at_size(sizes[i]);
}

/* Streams 10*size entries in bursts of varying length so every wrap point is crossed. */
static void check_wrap(int size)
{
	struct pb_ptr_ring r;
	long next_in = 1, next_out = 1, total = 10L * size;

	ring_init(&r, size);
	for (int round = 0; next_out <= total; round++) {
		int burst = 1 + (round * 7) % (size + 1);

		for (int i = 0; i < burst && next_in <= total; i++) {
			if (__pb_ptr_ring_produce(&r, V(next_in)))
				break;
			next_in++;
		}
		for (int i = 0; i < (burst + 1) / 2 + 1 && next_out < next_in; i++)
			cr_assert_eq(__pb_ptr_ring_consume(&r), V(next_out++),
				     "size %d: wrong entry at %ld", size, next_out - 1);
		cr_assert(round < 100 * size, "size %d: no progress", size);
	}
	cr_expect_null(__pb_ptr_ring_consume(&r));
	cr_expect_eq(next_in, total + 1);
	pb_ptr_ring_cleanup(&r, NULL, NULL);
}

Test(ptr_ring, wrap_around)
{
	check_wrap(1);
	check_wrap(5);
	check_wrap(33);
	check_wrap(1024);
}

/*
 * Fill-to-full / partial-drain cycles, each starting at a different offset. A fill
 * takes every slot except read-but-not-yet-zeroed ones (fewer than a batch).
 */
Test(ptr_ring, wrap_full_cycles)
{
	static const int sizes[] = { 5, 1024 };

	for (size_t s = 0; s < 2; s++) {
		struct pb_ptr_ring r;
		int size = sizes[s];
		long seq_in = 1, seq_out = 1;

		ring_init(&r, size);
		for (int cycle = 0; seq_in <= 10L * size; cycle++) {
			long queued_before = seq_in - seq_out;
			int n = 0, keep = (cycle * 7) % (size / 2 + 1);

			while (__pb_ptr_ring_produce(&r, V(seq_in)) == 0) {
				seq_in++;
				n++;
			}
			cr_assert(__pb_ptr_ring_full(&r));
			cr_assert_leq(queued_before + n, size, "size %d cycle %d: overfilled", size, cycle);
			cr_assert_geq(queued_before + n, size - (r.batch - 1),
				      "size %d cycle %d: only %ld queued", size, cycle, queued_before + n);
			if (cycle == 0)
				cr_assert_eq(n, size);
			cr_assert_gt(n, 0, "size %d cycle %d: no room after a drain", size, cycle);
			while (seq_in - seq_out > keep)
				cr_assert_eq(__pb_ptr_ring_consume(&r), V(seq_out++));
		}
		while (seq_out < seq_in)
			cr_assert_eq(__pb_ptr_ring_consume(&r), V(seq_out++));
		cr_assert(__pb_ptr_ring_empty(&r));
		pb_ptr_ring_cleanup(&r, NULL, NULL);
	}
}

/*
 * Size 64 has batch 16: consumed slots stay non-NULL (and the ring stays full for the
 * producer) until 16 have been read, then all 16 come back at once.
 */
Test(ptr_ring, batched_zeroing)
{
	struct pb_ptr_ring r;
	int size = 64, batch = BIG_BATCH;

	ring_init(&r, size);
	cr_assert_eq(r.batch, batch);
	for (int i = 1; i <= size; i++)
		cr_assert_eq(__pb_ptr_ring_produce(&r, V(i)), 0);

	for (int k = 1; k < batch; k++) {
		cr_assert_eq(__pb_ptr_ring_consume(&r), V(k));
		cr_assert(__pb_ptr_ring_full(&r), "full ring freed a slot after %d < batch reads", k);
		cr_assert_eq(__pb_ptr_ring_produce(&r, V(1000)), -ENOSPC);
		for (int j = 0; j < k; j++)
			cr_assert_eq(r.queue[j], V(j + 1), "slot %d zeroed after only %d reads", j, k);
	}
	cr_expect_eq(r.consumer_head, batch - 1);
	cr_expect_eq(r.consumer_tail, 0);

	cr_assert_eq(__pb_ptr_ring_consume(&r), V(batch));
	for (int j = 0; j < batch; j++)
		cr_assert_null(r.queue[j], "slot %d not zeroed after a full batch", j);
	for (int j = batch; j < size; j++)
		cr_assert_eq(r.queue[j], V(j + 1), "unread slot %d touched", j);
	cr_expect_eq(r.consumer_tail, batch);
	cr_expect_not(__pb_ptr_ring_full(&r));

	/* Exactly one batch of room, reused in place and read back after the old entries. */
	for (int i = 0; i < batch; i++)
		cr_assert_eq(__pb_ptr_ring_produce(&r, V(size + 1 + i)), 0, "refill %d", i);
	cr_expect_eq(__pb_ptr_ring_produce(&r, V(9999)), -ENOSPC);
	for (int i = batch + 1; i <= size + batch; i++)
		cr_assert_eq(__pb_ptr_ring_consume(&r), V(i));
	cr_expect(__pb_ptr_ring_empty(&r));
	pb_ptr_ring_cleanup(&r, NULL, NULL);
}

/* Reaching the end of the array gives back a short batch, so no batch straddles the wrap. */
Test(ptr_ring, batch_flushed_at_wrap)
{
	struct pb_ptr_ring r;
	int size = 40, batch = BIG_BATCH;

	ring_init(&r, size);
	cr_assert_eq(r.batch, batch);
	for (int i = 1; i <= size; i++)
		cr_assert_eq(__pb_ptr_ring_produce(&r, V(i)), 0);
	for (int i = 1; i <= 2 * batch; i++)
		cr_assert_eq(__pb_ptr_ring_consume(&r), V(i));
	/* Two whole batches given back; the remaining 8 fall short of a batch... */
	cr_expect_null(r.queue[2 * batch - 1]);
	cr_expect_eq(r.queue[2 * batch], V(2 * batch + 1));
	for (int i = 2 * batch + 1; i < size; i++)
		cr_assert_eq(__pb_ptr_ring_consume(&r), V(i));
	for (int j = 2 * batch; j < size; j++)
		cr_assert_eq(r.queue[j], V(j + 1), "slot %d zeroed before the batch was done", j);
	/* ...until the last slot of the array is read. */
	cr_assert_eq(__pb_ptr_ring_consume(&r), V(size));
	cr_expect_eq(r.consumer_head, 0);
	cr_expect_eq(r.consumer_tail, 0);
	for (int j = 0; j < size; j++)
		cr_assert_null(r.queue[j], "slot %d not zeroed at wrap", j);
	pb_ptr_ring_cleanup(&r, NULL, NULL);
}

/* Below 32 slots every read slot is given back at once. */
Test(ptr_ring, small_ring_frees_each_slot)
{
	static const int sizes[] = { 1, 2, 5, 31 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct pb_ptr_ring r;
		int size = sizes[s];
		long in = 1, out = 1;

		ring_init(&r, size);
		cr_assert_eq(r.batch, 1);
		while (__pb_ptr_ring_produce(&r, V(in)) == 0)
			in++;
		cr_assert_eq(in - 1, size);
		for (int i = 0; i < 3 * size; i++) {
			cr_assert_eq(__pb_ptr_ring_consume(&r), V(out++));
			cr_assert_not(__pb_ptr_ring_full(&r), "size %d: slot not freed", size);
			cr_assert_eq(__pb_ptr_ring_produce(&r, V(in++)), 0);
			cr_assert(__pb_ptr_ring_full(&r));
		}
		pb_ptr_ring_cleanup(&r, NULL, NULL);
	}
}

Test(ptr_ring, consume_batched)
{
	struct pb_ptr_ring r;
	void *arr[32];

	ring_init(&r, 16);
	for (int i = 1; i <= 10; i++)
		cr_assert_eq(__pb_ptr_ring_produce(&r, V(i)), 0);
	cr_expect_eq(__pb_ptr_ring_consume_batched(&r, arr, 0), 0);
	cr_expect_eq(__pb_ptr_ring_consume_batched(&r, arr, 4), 4);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(arr[i], V(i + 1));
	arr[6] = V(12345);
	cr_expect_eq(pb_ptr_ring_consume_batched(&r, arr, 32), 6);
	for (int i = 0; i < 6; i++)
		cr_expect_eq(arr[i], V(i + 5));
	cr_expect_eq(pb_ptr_ring_consume_batched(&r, arr, 32), 0);

	/* Across the wrap: 12 more through a 16-slot array that is now at index 10. */
	for (int i = 1; i <= 12; i++)
		cr_assert_eq(pb_ptr_ring_produce(&r, V(100 + i)), 0);
	cr_expect_eq(pb_ptr_ring_consume_batched(&r, arr, 32), 12);
	for (int i = 0; i < 12; i++)
		cr_expect_eq(arr[i], V(101 + i));
	cr_expect(pb_ptr_ring_empty(&r));
	pb_ptr_ring_cleanup(&r, NULL, NULL);
}

struct destroy_log {
	int n;
	uintptr_t seen[64];
};

static void log_destroy(void *ctx, void *ptr)
{
	struct destroy_log *log = ctx;

	cr_assert_lt(log->n, 64);
	log->seen[log->n++] = (uintptr_t)ptr;
}

Test(ptr_ring, cleanup_destroys_remaining)
{
	struct pb_ptr_ring r;
	struct destroy_log log = { 0 };

	/* 40 slots, batch 16: 35 queued, 20 read, so entries sit both sides of the wrap. */
	ring_init(&r, 40);
	for (int i = 1; i <= 35; i++)
		cr_assert_eq(__pb_ptr_ring_produce(&r, V(i)), 0);
	for (int i = 1; i <= 20; i++)
		cr_assert_eq(__pb_ptr_ring_consume(&r), V(i));
	for (int i = 36; i <= 50; i++)
		cr_assert_eq(__pb_ptr_ring_produce(&r, V(i)), 0, "entry %d", i);
	pb_ptr_ring_cleanup(&r, log_destroy, &log);
	cr_expect_eq(log.n, 30);
	for (int i = 0; i < log.n; i++)
		cr_expect_eq(log.seen[i], (uintptr_t)(21 + i));
	cr_expect_null(r.queue);
}

Test(ptr_ring, cleanup_empty_and_null_destroy)
{
	struct pb_ptr_ring r;
	struct destroy_log log = { 0 };

	ring_init(&r, 8);
	pb_ptr_ring_cleanup(&r, log_destroy, &log);
	cr_expect_eq(log.n, 0);

	/* No destroy callback: entries are just dropped (ASan checks the queue is freed). */
	ring_init(&r, 8);
	for (int i = 1; i <= 8; i++)
		cr_assert_eq(__pb_ptr_ring_produce(&r, V(i)), 0);
	pb_ptr_ring_cleanup(&r, NULL, NULL);
	cr_expect_null(r.queue);
}

/* ---- Concurrency: no timing assertions, only "everything arrives, once, in order". ---- */

#define SPSC_COUNT	2000000L
#define SPSC_RING	256

static struct pb_ptr_ring spsc_ring;

static void *spsc_producer(void *arg)
{
	long count = (long)(intptr_t)arg;
	unsigned spins = 0;

	for (long i = 0; i < count; i++)
		while (__pb_ptr_ring_produce(&spsc_ring, V(i + 1)))
			backoff(&spins);
	return NULL;
}

Test(ptr_ring, spsc_threads_in_order, .timeout = 120)
{
	pthread_t t;
	unsigned spins = 0;
	long got = 0, bad = 0;

	ring_init(&spsc_ring, SPSC_RING);
	cr_assert_eq(pthread_create(&t, NULL, spsc_producer, (void *)(intptr_t)SPSC_COUNT), 0);
	while (got < SPSC_COUNT) {
		void *p = __pb_ptr_ring_consume(&spsc_ring);

		if (!p) {
			backoff(&spins);
			continue;
		}
		/* Out of order, lost or duplicated entries all show up as a mismatch here. */
		if ((uintptr_t)p != (uintptr_t)(got + 1) && bad++ == 0)
			cr_log_error("entry %ld: got %lu", got + 1, (unsigned long)(uintptr_t)p);
		got++;
	}
	pthread_join(t, NULL);
	cr_expect_eq(bad, 0, "%ld entries out of place", bad);
	cr_expect_null(__pb_ptr_ring_consume(&spsc_ring), "extra entries after the last one");
	pb_ptr_ring_cleanup(&spsc_ring, NULL, NULL);
}

/*
 * The release in produce must carry what the producer wrote into the object: the
 * consumer reads it with plain loads (TSan flags a race if the ordering is missing).
 */
#define PAYLOAD_COUNT	200000L

struct item {
	long seq;
	long check;
};

static struct pb_ptr_ring payload_ring;

static void *payload_producer(void *arg)
{
	struct item *items = arg;
	unsigned spins = 0;

	for (long i = 0; i < PAYLOAD_COUNT; i++) {
		items[i].seq = i;
		items[i].check = ~i;
		while (__pb_ptr_ring_produce(&payload_ring, &items[i]))
			backoff(&spins);
	}
	return NULL;
}

Test(ptr_ring, spsc_publishes_contents, .timeout = 120)
{
	struct item *items = calloc(PAYLOAD_COUNT, sizeof(*items));
	pthread_t t;
	unsigned spins = 0;
	long bad = 0;

	cr_assert_not_null(items);
	ring_init(&payload_ring, 64);
	cr_assert_eq(pthread_create(&t, NULL, payload_producer, items), 0);
	for (long i = 0; i < PAYLOAD_COUNT; i++) {
		struct item *it;

		while (!(it = __pb_ptr_ring_consume(&payload_ring)))
			backoff(&spins);
		if (it != &items[i] || it->seq != i || it->check != ~i)
			bad++;
	}
	pthread_join(t, NULL);
	cr_expect_eq(bad, 0);
	pb_ptr_ring_cleanup(&payload_ring, NULL, NULL);
	free(items);
}

/*
 * Locked variants: two producers, one consumer; entries are (seq << 1 | producer) + 2.
 * The consumer stops once both producers are done and the ring is empty, so a lost
 * entry fails the count check instead of hanging the test.
 */
#define MPSC_PRODUCERS	2
#define MPSC_COUNT	500000L

static struct pb_ptr_ring mpsc_ring;
static atomic_int mpsc_done;
static pthread_barrier_t mpsc_start;

static void *mpsc_producer(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	unsigned spins = 0;

	/* Both producers start together: their first entries are the likeliest to collide. */
	pthread_barrier_wait(&mpsc_start);
	for (uintptr_t i = 0; i < MPSC_COUNT; i++)
		while (pb_ptr_ring_produce(&mpsc_ring, V(((i << 1) | id) + 2)))
			backoff(&spins);
	atomic_fetch_add(&mpsc_done, 1);
	return NULL;
}

Test(ptr_ring, mpsc_locked_threads, .timeout = 120)
{
	pthread_t t[MPSC_PRODUCERS];
	long next[MPSC_PRODUCERS] = { 0 };
	long got = 0, bad = 0;
	unsigned spins = 0;
	void *arr[8];

	ring_init(&mpsc_ring, SPSC_RING);
	atomic_store(&mpsc_done, 0);
	pthread_barrier_init(&mpsc_start, NULL, MPSC_PRODUCERS);
	for (uintptr_t p = 0; p < MPSC_PRODUCERS; p++)
		cr_assert_eq(pthread_create(&t[p], NULL, mpsc_producer, (void *)p), 0);
	for (;;) {
		/* Read before consuming: if it says done, this consume sees everything. */
		bool done = atomic_load(&mpsc_done) == MPSC_PRODUCERS;
		/* Alternate single and batched consumes so both locked paths see contention. */
		int n = (got & 1) ? pb_ptr_ring_consume_batched(&mpsc_ring, arr, 8) :
			!!(arr[0] = pb_ptr_ring_consume(&mpsc_ring));

		if (!n) {
			if (done)
				break;
			backoff(&spins);
			continue;
		}
		for (int i = 0; i < n; i++) {
			uintptr_t v = (uintptr_t)arr[i] - 2;
			uintptr_t id = v & 1;
			long seq = (long)(v >> 1);

			/* Per producer the sequence must be 0, 1, 2...: no loss, no duplicate. */
			if (seq != next[id] && bad++ == 0)
				cr_log_error("producer %lu: got %ld, want %ld",
					     (unsigned long)id, seq, next[id]);
			next[id] = seq + 1;
		}
		got += n;
	}
	for (int p = 0; p < MPSC_PRODUCERS; p++)
		pthread_join(t[p], NULL);
	cr_expect_eq(bad, 0, "%ld entries out of place", bad);
	cr_expect_eq(got, MPSC_PRODUCERS * MPSC_COUNT);
	for (int p = 0; p < MPSC_PRODUCERS; p++)
		cr_expect_eq(next[p], MPSC_COUNT, "producer %d ended at %ld", p, next[p]);
	cr_expect(pb_ptr_ring_empty(&mpsc_ring));
	pthread_barrier_destroy(&mpsc_start);
	pb_ptr_ring_cleanup(&mpsc_ring, NULL, NULL);
}

/*
 * Each locked variant must wait for its own lock (checked by holding it from here while
 * a thread calls the variant) and must not take the other side's (checked by holding
 * that one and calling the variant directly: taking it would deadlock into the timeout).
 * On a 2-CPU machine the stress test above rarely catches a missing lock; this does.
 */
enum locked_op { OP_PRODUCE, OP_FULL, OP_CONSUME, OP_CONSUME_BATCHED, OP_EMPTY, OP_NR };

static struct pb_ptr_ring lock_ring;
static atomic_int lock_op_finished;

static long run_locked_op(enum locked_op op)
{
	void *arr[2];

	switch (op) {
	case OP_PRODUCE:
		return pb_ptr_ring_produce(&lock_ring, V(1));
	case OP_FULL:
		return pb_ptr_ring_full(&lock_ring);
	case OP_CONSUME:
		return (long)(uintptr_t)pb_ptr_ring_consume(&lock_ring);
	case OP_CONSUME_BATCHED:
		return pb_ptr_ring_consume_batched(&lock_ring, arr, 2);
	case OP_EMPTY:
	default:
		return pb_ptr_ring_empty(&lock_ring);
	}
}

static void *locked_op_thread(void *arg)
{
	run_locked_op((enum locked_op)(intptr_t)arg);
	atomic_store(&lock_op_finished, 1);
	return NULL;
}

Test(ptr_ring, locked_variants_take_their_lock, .timeout = 10)
{
	for (int op = 0; op < OP_NR; op++) {
		bool producer_side = op == OP_PRODUCE || op == OP_FULL;
		pb_spinlock_t *own = producer_side ? &lock_ring.producer_lock : &lock_ring.consumer_lock;
		pb_spinlock_t *other = producer_side ? &lock_ring.consumer_lock : &lock_ring.producer_lock;
		pthread_t t;

		ring_init(&lock_ring, 4);
		/* One entry queued, so consume variants have something to take. */
		cr_assert_eq(__pb_ptr_ring_produce(&lock_ring, V(9)), 0);

		atomic_store(&lock_op_finished, 0);
		pb_spin_lock(own);
		cr_assert_eq(pthread_create(&t, NULL, locked_op_thread, (void *)(intptr_t)op), 0);
		usleep(20000);
		cr_expect_not(atomic_load(&lock_op_finished), "op %d ran while its lock was held", op);
		pb_spin_unlock(own);
		pthread_join(t, NULL);
		cr_expect(atomic_load(&lock_op_finished));

		pb_spin_lock(other);
		run_locked_op((enum locked_op)op);
		pb_spin_unlock(other);
		pb_ptr_ring_cleanup(&lock_ring, NULL, NULL);
	}
}

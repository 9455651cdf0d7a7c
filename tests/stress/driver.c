// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stress driver's threads. Thread 0 is the owner (the RX / NAPI context): it allocates
 * (alloc, alloc_buf, bulk, bursts past the cache and ring sizes), frees directly, takes
 * extra references (an skb clone: pb_page_get, put later, often after the buffer itself
 * went back) and hands buffers and clones to thread 1 through a queue. Thread 1 is the rest
 * of the machine: it frees what it is handed through the remote path (single and bulk),
 * puts clones, clones what it holds, and, where a backend's alloc is safe from any context,
 * allocates and frees its own. A one_context backend runs both roles on one thread (the
 * remote role on CPU slot 1), so it sees the same sequences without concurrent frees.
 *
 * Every step checks what it can at once (st_model_handed_out: bounds, refcount, bytes not
 * already held); every batch ends at a barrier where thread 0 runs the quiescent check
 * (st_model_check). A life ends with the deferred destroy: at each round the destroy must
 * report exactly the blocks the threads still pin, until it reports 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

#define QCAP 4096		/* hand-off queue: more than any burst */
#define BULK_MAX 256
#define BURST_MAX 600		/* past every cache + ring of rules.c */
#define PULL_MAX 16		/* items thread 1 takes off the queue per step */

struct st_list {
	struct st_item *v;
	unsigned n, cap;
};

/* Single producer (thread 0), single consumer (thread 1): acquire/release indices. */
struct st_queue {
	_Atomic unsigned head pb_cacheline_aligned;	/* next to consume */
	_Atomic unsigned tail pb_cacheline_aligned;	/* next to fill */
	struct st_item slot[QCAP];
};

struct st_thread {
	struct st_shared *sh;
	unsigned id;			/* 0 owner, 1 remote */
	unsigned cpu;			/* CPU slot of the role being played */
	uint64_t rnd;
	struct st_list held;
	struct st_ref *free_refs;
	uint64_t ops, steps;
	uint64_t alloc_fail;		/* allocations that got nothing (or less than asked) */
	unsigned fail_streak;		/* ... since the phase last turned */
	bool grow;			/* phase: mostly allocate, or mostly free */
	unsigned target;		/* items to reach before the phase turns */
	struct pb_page *bulk[BULK_MAX];
	pthread_t tid;
};

enum st_phase { PH_RUN, PH_DRAIN, PH_STOP };

struct st_shared {
	struct st_run *r;
	struct st_thread th[2];
	struct st_queue *q;
	pthread_barrier_t bar;
	unsigned batch[2];		/* steps of the next batch per thread */
	enum st_phase phase;		/* written by thread 0 between barriers */
	unsigned drain_pct;		/* PH_DRAIN: share of its items each thread gives back */
	struct st_item *qsnap;		/* quiescent check: the queue's items */
	uint64_t step;
};

/* ---- randomness: splitmix64 seeds, xorshift64* steps ---- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd64(struct st_thread *t)
{
	t->rnd ^= t->rnd >> 12;
	t->rnd ^= t->rnd << 25;
	t->rnd ^= t->rnd >> 27;
	return t->rnd * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n), n >= 1. */
static unsigned below(struct st_thread *t, unsigned n)
{
	return (unsigned)(((rnd64(t) >> 32) * (uint64_t)n) >> 32);
}

static bool chance(struct st_thread *t, unsigned pct)
{
	return below(t, 100) < pct;
}

/* ---- items and refs ---- */

static void list_push(struct st_list *l, struct st_item it)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v) {
			fprintf(stderr, "stress: out of memory\n");
			exit(2);
		}
	}
	l->v[l->n++] = it;
}

static struct st_item list_take(struct st_list *l, unsigned i)
{
	struct st_item it = l->v[i];

	l->v[i] = l->v[--l->n];
	return it;
}

static struct st_ref *ref_new(struct st_thread *t)
{
	struct st_ref *ref = t->free_refs;

	if (ref)
		t->free_refs = ref->next_free;
	else if (!(ref = malloc(sizeof(*ref)))) {
		fprintf(stderr, "stress: out of memory\n");
		exit(2);
	}
	memset(ref, 0, sizeof(*ref));
	return ref;
}

/* The calling thread dropped @ref's last holder: it is no one's now. */
static void ref_done(struct st_thread *t, struct st_ref *ref)
{
	ref->next_free = t->free_refs;
	t->free_refs = ref;
}

/*
 * Drops one holder of @it's ref. The last one unmarks the bytes before the backend is
 * called (after the call they may be someone else's already); nobody reads the ref after
 * a drop that was not the last, so the caller works from @b, copied first.
 */
static void drop_holder(struct st_thread *t, struct st_ref *ref)
{
	if (atomic_fetch_sub_explicit(&ref->holders, 1, memory_order_acq_rel) == 1) {
		st_model_check_stamp(t->sh->r, ref);
		st_model_released(t->sh->r, ref);
		ref_done(t, ref);
	}
}

static bool clones_allowed(const struct st_run *r)
{
	return r->rules->cls != ST_PEER;
}

/* A clone may outlive the buffer it was taken on: not on ideal, which recycles blindly. */
static bool clone_may_outlive(const struct st_run *r)
{
	return clones_allowed(r) && r->rules->cls != ST_IDEAL;
}

static void got_buffer(struct st_thread *t, const struct pb_buf *b, enum st_kind kind)
{
	struct st_ref *ref = ref_new(t);

	ref->b = *b;
	ref->kind = (uint8_t)kind;
	atomic_store_explicit(&ref->holders, 1, memory_order_relaxed);
	st_model_handed_out(t->sh->r, ref);
	st_model_stamp(t->sh->r, ref, rnd64(t));
	list_push(&t->held, (struct st_item){ ref, false });
}

static void got_page(struct st_thread *t, struct pb_page *pg)
{
	struct pb_alloc *a = t->sh->r->a;
	uint32_t hr = t->sh->r->rules->head_reserved, size = (uint32_t)(PB_PAGE_SIZE << a->order);
	/* The caller's bytes of a page: all of it, but for an object header the backend keeps. */
	struct pb_buf b = { pg, hr, size - hr, size - hr };

	got_buffer(t, &b, ST_PAGE);
}

/* ---- operations ---- */

static bool op_alloc_page(struct st_thread *t)
{
	struct pb_page *pg = pb_alloc_page(t->sh->r->a);

	t->ops++;
	if (!pg) {
		t->alloc_fail++;
		t->fail_streak++;
		return false;
	}
	got_page(t, pg);
	return true;
}

static bool op_alloc_buf(struct st_thread *t)
{
	struct pb_buf b;

	t->ops++;
	if (!pb_alloc_buf(t->sh->r->a, &b)) {
		t->alloc_fail++;
		t->fail_streak++;
		return false;
	}
	got_buffer(t, &b, ST_BUF);
	return true;
}

static bool op_alloc_bulk(struct st_thread *t)
{
	unsigned n = 1 + below(t, chance(t, 20) ? BULK_MAX : 32);
	unsigned got = pb_alloc_bulk(t->sh->r->a, t->bulk, n);

	t->ops++;
	if (got > n) {
		st_violation(t->sh->r, "alloc_bulk of %u returned %u", n, got);
	}
	for (unsigned i = 0; i < got; i++) {
		if (!t->bulk[i])
			st_violation(t->sh->r, "alloc_bulk returned %u pages, entry %u is NULL", got, i);
		got_page(t, t->bulk[i]);
	}
	if (got < n) {
		t->alloc_fail++;
		t->fail_streak++;
	}
	return got > 0;
}

/* Gives back @it (a buffer or a clone), removed from the thread's list by the caller. */
static void give_back(struct st_thread *t, struct st_item it, bool direct)
{
	struct pb_alloc *a = t->sh->r->a;
	struct st_ref *ref = it.ref;
	struct pb_buf b = ref->b;
	enum st_kind kind = (enum st_kind)ref->kind;

	drop_holder(t, ref);
	t->ops++;
	if (it.clone)
		pb_page_put(b.page);
	else if (kind == ST_PAGE)
		pb_alloc_free(a, b.page, direct);
	else
		pb_free_buf(a, &b, direct);
}

static void op_free_one(struct st_thread *t, bool direct)
{
	if (t->held.n)
		give_back(t, list_take(&t->held, below(t, t->held.n)), direct);
}

/* Up to BULK_MAX whole pages (not clones) of the thread's list through free_bulk. */
static void op_free_bulk(struct st_thread *t, bool direct)
{
	struct pb_alloc *a = t->sh->r->a;
	unsigned want = 1 + below(t, chance(t, 20) ? BULK_MAX : 32), n = 0, tries = 2 * want;

	while (n < want && tries-- && t->held.n) {
		unsigned i = below(t, t->held.n);
		struct st_ref *ref = t->held.v[i].ref;

		if (t->held.v[i].clone || ref->kind != ST_PAGE)
			continue;
		list_take(&t->held, i);
		t->bulk[n++] = ref->b.page;
		drop_holder(t, ref);
	}
	if (!n)
		return;
	t->ops++;
	pb_alloc_free_bulk(a, t->bulk, n, direct);
}

/* An skb clone: one more reference to a held item's page, kept as an item of its own. */
static void op_clone(struct st_thread *t)
{
	struct st_item *it;

	if (!t->held.n)
		return;
	it = &t->held.v[below(t, t->held.n)];
	atomic_fetch_add_explicit(&it->ref->holders, 1, memory_order_relaxed);
	pb_page_get(it->ref->b.page);
	t->ops++;
	list_push(&t->held, (struct st_item){ it->ref, true });
}

/* A clone taken and put while the buffer is still held (all ideal allows). */
static void op_short_clone(struct st_thread *t)
{
	struct pb_page *pg;

	if (!t->held.n)
		return;
	pg = t->held.v[below(t, t->held.n)].ref->b.page;
	pb_page_get(pg);
	pb_page_put(pg);
	t->ops += 2;
}

static bool queue_push(struct st_queue *q, struct st_item it)
{
	unsigned tail = atomic_load_explicit(&q->tail, memory_order_relaxed);

	if (tail - atomic_load_explicit(&q->head, memory_order_acquire) == QCAP)
		return false;
	q->slot[tail % QCAP] = it;
	atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
	return true;
}

static bool queue_pop(struct st_queue *q, struct st_item *it)
{
	unsigned head = atomic_load_explicit(&q->head, memory_order_relaxed);

	if (head == atomic_load_explicit(&q->tail, memory_order_acquire))
		return false;
	*it = q->slot[head % QCAP];
	atomic_store_explicit(&q->head, head + 1, memory_order_release);
	return true;
}

/* Hands a random item to the remote role; the owner keeps it when the queue is full. */
static void op_hand_off(struct st_thread *t)
{
	unsigned i;

	if (!t->held.n)
		return;
	i = below(t, t->held.n);
	if (queue_push(t->sh->q, t->held.v[i]))
		list_take(&t->held, i);
}

/* A burst: more buffers than the cache and the ring hold, then all back one way. */
static void op_burst(struct st_thread *t)
{
	unsigned n = 64 + below(t, BURST_MAX - 64), first = t->held.n, how = below(t, 3);
	bool bufs = chance(t, 50);

	for (unsigned i = 0; i < n; i++)
		if (!(bufs ? op_alloc_buf(t) : op_alloc_page(t)))
			break;
	while (t->held.n > first) {
		struct st_item it = t->held.v[t->held.n - 1];

		if (how == 0) {			/* straight back to the owner's cache */
			t->held.n--;
			give_back(t, it, true);
		} else if (how == 1) {		/* all to the other side: remote frees */
			if (!queue_push(t->sh->q, it))
				break;
			t->held.n--;
		} else {			/* kept: the next steps give them back */
			break;
		}
	}
}

/* The phase turns at its target or when the memory runs out. */
static void steer(struct st_thread *t, unsigned max_items)
{
	if (t->grow && (t->held.n >= t->target || t->fail_streak > 8)) {
		t->grow = false;
		t->target = below(t, t->held.n + 1);
		t->fail_streak = 0;
	} else if (!t->grow && t->held.n <= t->target) {
		t->grow = true;
		t->target = t->held.n + below(t, max_items);
		t->fail_streak = 0;
	}
}

static void owner_step(struct st_thread *t)
{
	const struct st_run *r = t->sh->r;
	unsigned p = below(t, 100);

	steer(t, (unsigned)(r->a->mem.arena.npages * (r->a->pieces ? 3 : 1)));
	if (t->grow ? p < 45 : p < 10) {
		unsigned k = below(t, 10);

		if (k < 4)
			op_alloc_page(t);
		else if (k < 8)
			op_alloc_buf(t);
		else
			op_alloc_bulk(t);
	} else if (p < 70) {
		if (chance(t, 15))
			op_free_bulk(t, chance(t, 70));
		else
			op_free_one(t, true);
	} else if (p < 80) {
		if (clone_may_outlive(r))
			op_clone(t);
		else if (clones_allowed(r))
			op_short_clone(t);
	} else if (p < 97) {
		op_hand_off(t);
	} else if (p < 99) {
		op_burst(t);
	} else if (clones_allowed(r)) {
		op_short_clone(t);
	}
}

static void remote_step(struct st_thread *t)
{
	struct st_shared *sh = t->sh;
	const struct st_run *r = sh->r;
	unsigned p = below(t, 100);
	struct st_item it;

	for (unsigned i = 0; i < PULL_MAX && queue_pop(sh->q, &it); i++)
		list_push(&t->held, it);
	if (r->rules->alloc_any_context && p < 25 && t->held.n < r->a->mem.arena.npages) {
		if (p < 10)
			op_alloc_page(t);
		else if (p < 20)
			op_alloc_buf(t);
		else
			op_alloc_bulk(t);
	} else if (p < 35) {
		op_free_bulk(t, false);
	} else if (p < 45 && clone_may_outlive(r)) {
		op_clone(t);
	} else {
		op_free_one(t, false);
	}
}

/* One step of the role @t plays; single-threaded, thread 0 plays both (remote on slot 1). */
static void step(struct st_thread *t)
{
	struct st_shared *sh = t->sh;

	t->steps++;
	if (t->id == 1) {
		remote_step(t);
		return;
	}
	if (sh->r->nthreads == 1 && chance(t, 40)) {
		struct st_thread *rt = &sh->th[1];

		pb_cpu_set_id(rt->cpu);
		remote_step(rt);
		pb_cpu_set_id(t->cpu);
		return;
	}
	owner_step(t);
}

/* ---- the quiescent check and the destroy sequence ---- */

static void lists_of(struct st_shared *sh, struct st_item **lists, unsigned *lens)
{
	struct st_queue *q = sh->q;
	unsigned n = 0;

	for (unsigned h = atomic_load(&q->head); h != atomic_load(&q->tail); h++)
		sh->qsnap[n++] = q->slot[h % QCAP];
	lists[0] = sh->th[0].held.v;
	lens[0] = sh->th[0].held.n;
	lists[1] = sh->qsnap;
	lens[1] = n;
	lists[2] = sh->th[1].held.v;
	lens[2] = sh->th[1].held.n;
}

static void quiescent_check(struct st_shared *sh)
{
	struct st_item *lists[3];
	unsigned lens[3];

	lists_of(sh, lists, lens);
	st_model_check(sh->r, lists, lens, 3, sh->step);
}

/* Writes every byte the threads hold: the memory must still be mapped under them. */
static void scribble(struct st_shared *sh)
{
	struct st_item *lists[3];
	unsigned lens[3];

	lists_of(sh, lists, lens);
	for (unsigned l = 0; l < 3; l++)
		for (unsigned i = 0; i < lens[l]; i++) {
			struct st_ref *ref = lists[l][i].ref;
			const struct pb_buf *b = &ref->b;

			memset((char *)pb_page_address(b->page) + b->offset, 0xa5, b->len);
			st_model_stamp(sh->r, ref, ref->stamp);
		}
}

/*
 * null's buffers are the one page it keeps and hold no reference: give them back while the
 * backend is there (after its destroy only clones, which are real references, may be put).
 */
static void null_give_back_buffers(struct st_shared *sh)
{
	struct st_item it;

	while (queue_pop(sh->q, &it))
		list_push(&sh->th[1].held, it);
	for (unsigned k = 0; k < 2; k++) {
		struct st_thread *t = &sh->th[k];

		for (unsigned i = t->held.n; i-- > 0;)
			if (!t->held.v[i].clone)
				give_back(t, list_take(&t->held, i), k == 0);
	}
}

/*
 * One destroy round at a quiescent point: the destroy must report exactly the blocks the
 * threads pin (0: the instance is gone). Returns true when it is gone.
 */
static bool destroy_round(struct st_shared *sh)
{
	struct st_run *r = sh->r;
	struct st_item *lists[3];
	unsigned lens[3];
	uint64_t want, got, leaked = 12345;
	bool lent;

	if (r->rules->cls == ST_NULL)
		null_give_back_buffers(sh);
	lists_of(sh, lists, lens);
	want = st_model_pinned(r, lists, lens, 3);
	lent = r->rules->cls != ST_NULL && lens[0] + lens[1] + lens[2] != 0;
	for (unsigned l = 0; lent && l < 3; l++) {
		lent = false;
		for (unsigned i = 0; i < lens[l] && !lent; i++)
			lent = !lists[l][i].clone;
	}
	got = pb_alloc_destroy(r->a, &leaked);
	if (got != want)
		st_violation(r, "destroy reported %llu blocks out, the threads pin %llu", (unsigned long long)got,
			     (unsigned long long)want);
	if (!got) {
		if (leaked)
			st_violation(r, "destroy: %llu pages never reached the zone", (unsigned long long)leaked);
		r->a = NULL;
		return true;
	}
	if (lent && r->a->backend_gone)
		st_violation(r, "destroy let the backend go while buffers are still lent");
	scribble(sh);
	return false;
}

/* Gives back @pct % of the thread's items (PH_DRAIN): the owner directly, the remote side not. */
static void drain_some(struct st_thread *t, unsigned pct)
{
	struct st_item it;

	if (t->id == 1 || t->sh->r->nthreads == 1)
		while (queue_pop(t->sh->q, &it))
			list_push(&t->sh->th[1].held, it);
	for (unsigned i = t->held.n; i-- > 0;)
		if (pct >= 100 || chance(t, pct))
			give_back(t, list_take(&t->held, i), t->id == 0);
	if (t->sh->r->nthreads == 1 && t->id == 0) {
		struct st_thread *rt = &t->sh->th[1];

		pb_cpu_set_id(rt->cpu);
		drain_some(rt, pct);
		pb_cpu_set_id(t->cpu);
	}
}

static void *remote_main(void *arg)
{
	struct st_thread *t = arg;
	struct st_shared *sh = t->sh;

	pb_cpu_set_id(t->cpu);
	for (;;) {
		pthread_barrier_wait(&sh->bar);		/* A: the batch is set */
		if (sh->phase == PH_STOP)
			break;
		if (sh->phase == PH_DRAIN)
			drain_some(t, sh->drain_pct);
		else
			for (unsigned i = 0; i < sh->batch[1]; i++)
				step(t);
		pthread_barrier_wait(&sh->bar);		/* B: the batch is done */
	}
	return NULL;
}

/* Thread 0's side of one batch (@phase), with the barriers when there is a thread 1. */
static void run_batch(struct st_shared *sh, enum st_phase phase)
{
	struct st_thread *t = &sh->th[0];
	bool two = sh->r->nthreads == 2;

	sh->phase = phase;
	if (two)
		pthread_barrier_wait(&sh->bar);
	if (phase == PH_DRAIN)
		drain_some(t, sh->drain_pct);
	else if (phase == PH_RUN)
		for (unsigned i = 0; i < sh->batch[0]; i++)
			step(t);
	if (two && phase != PH_STOP)
		pthread_barrier_wait(&sh->bar);
}

static void thread_init(struct st_shared *sh, unsigned id, uint64_t *seed)
{
	struct st_thread *t = &sh->th[id];

	t->sh = sh;
	t->id = id;
	t->cpu = id;
	t->rnd = splitmix(seed) | 1;
	t->grow = true;
	t->target = below(t, 512);
}

static void thread_fini(struct st_thread *t)
{
	while (t->free_refs) {
		struct st_ref *ref = t->free_refs;

		t->free_refs = ref->next_free;
		free(ref);
	}
	free(t->held.v);
}

int st_run_life(struct st_run *r, uint64_t ops, struct st_life_stats *out)
{
	struct st_shared *sh = calloc(1, sizeof(*sh));
	uint64_t seed = r->seed * 1000003u + r->life, done = 0;
	struct st_thread *t0;

	if (!sh || !(sh->q = aligned_alloc(PB_CACHELINE, sizeof(*sh->q))) ||
	    !(sh->qsnap = calloc(QCAP, sizeof(*sh->qsnap)))) {
		fprintf(stderr, "stress: out of memory\n");
		exit(2);
	}
	memset(sh->q, 0, sizeof(*sh->q));
	sh->r = r;
	thread_init(sh, 0, &seed);
	thread_init(sh, 1, &seed);
	t0 = &sh->th[0];
	pb_cpu_set_id(t0->cpu);
	if (r->nthreads == 2) {
		pthread_barrier_init(&sh->bar, NULL, 2);
		if (pthread_create(&sh->th[1].tid, NULL, remote_main, &sh->th[1])) {
			fprintf(stderr, "stress: cannot start the remote thread\n");
			exit(2);
		}
	}
	quiescent_check(sh);
	while (done < ops) {
		/* Short batches catch a fault near where it happened; long ones let bursts pile up. */
		sh->batch[0] = 16 + below(t0, chance(t0, 10) ? 4000 : 600);
		sh->batch[1] = 16 + below(t0, 600);
		run_batch(sh, PH_RUN);
		sh->step = t0->steps + sh->th[1].steps;
		quiescent_check(sh);
		done = t0->ops + sh->th[1].ops;
	}
	/* The deferred destroy: sometimes with everything back, usually with buffers and clones out. */
	if (chance(t0, 20)) {
		sh->drain_pct = 100;
		run_batch(sh, PH_DRAIN);
		quiescent_check(sh);
	}
	out->destroy_rounds = 1;
	while (!destroy_round(sh)) {
		sh->drain_pct = 10 + below(t0, 91);
		run_batch(sh, PH_DRAIN);
		out->destroy_rounds++;
		if (out->destroy_rounds > 1000)
			st_violation(r, "destroy never reached 0 after 1000 drain rounds");
	}
	run_batch(sh, PH_STOP);
	if (r->nthreads == 2) {
		pthread_join(sh->th[1].tid, NULL);
		pthread_barrier_destroy(&sh->bar);
	}
	out->ops = t0->ops + sh->th[1].ops;
	out->alloc_fail = t0->alloc_fail + sh->th[1].alloc_fail;
	thread_fini(&sh->th[0]);
	thread_fini(&sh->th[1]);
	free(sh->qsnap);
	free(sh->q);
	free(sh);
	return 0;
}

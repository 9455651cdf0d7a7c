/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The stress driver (docs/stress.md): seeded random sequences of every backend operation,
 * on two threads (one for a one_context backend), checked against a reference model after
 * every step and at every batch's quiescent point. Shared by its files:
 *   rules.c   what the model may expect of each backend, and the configurations it runs
 *   model.c   the reference model: who holds which bytes, and the checks
 *   driver.c  the threads, the operation mix, the destroy sequence
 *   ring.c    the ptr_ring SPSC / MPSC scenarios (for TSan, which Criterion cannot host)
 *   main.c    the command line
 */
#ifndef PB_STRESS_H
#define PB_STRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "allocator.h"

/*
 * What in_flight and the zone may say about a backend, given what the model knows: the
 * blocks the driver holds a buffer on (H) and the blocks only an extra reference still
 * pins after the driver gave its buffer back (R).
 */
enum st_class {
	ST_BUDDY,	/* no cache: the zone lacks exactly H + R; in_flight not reported (0) */
	ST_POOL,	/* recycles whole pages: in_flight = H + cached, the zone lacks in_flight + R */
	ST_IDEAL,	/* LIFO of pages with no refcount test: in_flight = H + cached, no clone across a free */
	ST_HALFPAGE,	/* a page per RX slot, halves handed out: in_flight = what the zone lacks */
	ST_FRAG,	/* one page carved into fragments: in_flight = referenced blocks, at most one more than H + R */
	ST_PEER,	/* general-purpose peer (no_page_refs): in_flight = H, objects only, no clones */
	ST_NULL,	/* one page forever, frees ignored: the harness's cost, no hand-out to check */
};

struct st_config {
	const char *params;	/* space-separated key=value, as --set takes them */
	unsigned cache_cap;	/* the most blocks the backend may keep beyond H (0: no bound checked) */
};

#define ST_MAX_CONFIGS 8

struct st_rules {
	const char *backend;
	enum st_class cls;
	/* alloc and alloc_buf are safe from any context (their per-CPU state is per CPU slot) */
	bool alloc_any_context;
	/* bytes at the head of each page the backend keeps for itself (an object header) */
	unsigned head_reserved;
	struct st_config configs[ST_MAX_CONFIGS];	/* {0}-terminated */
	const char *why;	/* one line: why these expectations (printed by --list) */
};

/* The rules for @name, or NULL: a registered backend without rules fails the run. */
const struct st_rules *st_rules_find(const char *name);

/* ---- the model (model.c) ---- */

enum st_kind { ST_PAGE, ST_BUF };

/*
 * One handed-out buffer (a whole block from alloc/bulk, or a pb_buf from alloc_buf) and the
 * extra references taken on its page while it was held. Its byte range stays marked in
 * the model's map until the buffer and every clone are given back.
 */
struct st_ref {
	struct pb_buf b;
	uint8_t kind;			/* enum st_kind */
	atomic_int holders;		/* the buffer while held + clones not yet put */
	unsigned seen;			/* quiescent check only: items found pointing here */
	uint64_t stamp;			/* written at both ends of the buffer when handed out */
	struct st_ref *next_free;	/* the owning thread's free list */
};

/* What a thread holds: the buffer of a ref, or one clone (page reference) of it. */
struct st_item {
	struct st_ref *ref;
	bool clone;
};

struct st_model;

struct st_run {
	const struct st_rules *rules;
	const struct st_config *cfg;
	struct pb_alloc *a;
	struct st_model *m;
	uint64_t seed;
	unsigned life;			/* which instance of this run (long mode: many) */
	unsigned nthreads;
};

/* A violation of the model: one line naming the run, then exit 1 (the seed replays it). */
void st_violation(const struct st_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* A model for the freshly created instance of @r. */
struct st_model *st_model_new(struct st_run *r);
void st_model_free(struct st_model *m);

/* Checks a buffer just handed out and marks its bytes held; a violation if any already were. */
void st_model_handed_out(struct st_run *r, const struct st_ref *ref);
/*
 * Stamps both ends of a buffer just handed out, and checks them when it goes back: a
 * buffer someone else wrote while it was held shows here (and, under TSan, a buffer handed
 * on without a happens-before from its last user is a reported race on these bytes).
 */
void st_model_stamp(struct st_run *r, struct st_ref *ref, uint64_t stamp);
void st_model_check_stamp(struct st_run *r, const struct st_ref *ref);
/* Unmarks @ref's bytes: called before the last holder gives it back, never after. */
void st_model_released(struct st_run *r, const struct st_ref *ref);
/* The pages of a ref: the block it lies in (order of its head). */
unsigned st_ref_order(const struct st_run *r, const struct st_ref *ref);

/* The quiescent check over every item the threads hold (@lists[0..n), each @lens long). */
void st_model_check(struct st_run *r, struct st_item *const *lists, const unsigned *lens,
		    unsigned nlists, uint64_t step);
/* The blocks some item pins (H + R): what a destroy now must report. */
uint64_t st_model_pinned(struct st_run *r, struct st_item *const *lists, const unsigned *lens,
			 unsigned nlists);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * fixed-test: a harness workload for the fixed-work contract, standing in for the trace
 * replay to come. prepare() generates a fixed list of `events` alloc and free events (a
 * seeded walk that never holds more than `depth` buffers and ends with all of them freed);
 * every repetition replays the whole list, timed in windows of 1024 events. The figures are
 * per event, so they mix allocs and frees as a trace would.
 */
#include <stdlib.h>
#include <string.h>
#include "workload.h"

#define FT_WINDOW 1024

static const struct pb_param_spec ft_params[] = {
	{ "events", PB_PARAM_UINT, 2, 1u << 24, NULL, "65536",
	  "alloc and free events in the replayed list (even: every alloc has its free)" },
	{ "depth", PB_PARAM_UINT, 1, 4096, NULL, "64", "most buffers held at once" },
	{ 0 },
};

struct ft {
	uint64_t nev;
	uint32_t *ev;		/* slot << 1 | 1 for an alloc into slot, slot << 1 for its free */
	struct pb_buf *bufs;	/* [depth] */
	bool *live;		/* [depth] scratch for unwinding a failed replay */
	unsigned depth;
};

static uint64_t ft_next(uint64_t *s)
{
	/* xorshift64: the list is a fixed input, any decent mix will do. */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The event list: alloc when nothing is held, free when what is held fills what is left. */
static void ft_generate(struct ft *f, unsigned depth, uint32_t *held, uint32_t *spare)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	unsigned nheld = 0, nspare = depth;

	for (unsigned i = 0; i < depth; i++)
		spare[i] = depth - 1 - i;
	for (uint64_t i = 0; i < f->nev; i++) {
		uint64_t left = f->nev - i, x = ft_next(&s);
		bool alloc = !nheld || (nheld < left && nheld < depth && (x & 1));

		if (alloc) {
			uint32_t slot = spare[--nspare];

			held[nheld++] = slot;
			f->ev[i] = slot << 1 | 1;
		} else {
			unsigned k = (unsigned)((x >> 1) % nheld);
			uint32_t slot = held[k];

			held[k] = held[--nheld];
			spare[nspare++] = slot;
			f->ev[i] = slot << 1;
		}
	}
}

static void ft_cleanup(struct pb_wl_run *r)
{
	struct ft *f = r->state;

	free(f->ev);
	free(f->bufs);
	free(f->live);
	free(f);
	r->state = NULL;
}

static int ft_prepare(struct pb_wl_run *r, struct pb_err *err)
{
	uint64_t nev = pb_param_u64(r->params, ft_params, "events");
	unsigned depth = (unsigned)pb_param_u64(r->params, ft_params, "depth");
	uint32_t *held, *spare;
	struct ft *f;

	if (nev & 1)
		return pb_err_set(err, "events=%llu: must be even (every alloc has its free)",
				  (unsigned long long)nev);
	f = calloc(1, sizeof(*f));
	held = calloc(depth, sizeof(*held));
	spare = calloc(depth, sizeof(*spare));
	if (f) {
		f->nev = nev;
		f->depth = depth;
		f->ev = calloc(nev, sizeof(*f->ev));
		f->bufs = calloc(depth, sizeof(*f->bufs));
		f->live = calloc(depth, sizeof(*f->live));
	}
	if (!f || !f->ev || !f->bufs || !f->live || !held || !spare) {
		if (f) {
			free(f->ev);
			free(f->bufs);
			free(f->live);
		}
		free(f);
		free(held);
		free(spare);
		return pb_err_set(err, "fixed-test: out of memory");
	}
	ft_generate(f, depth, held, spare);
	free(held);
	free(spare);
	r->state = f;
	return 0;
}

static uint64_t ft_work_size(const struct pb_wl_run *r, unsigned t)
{
	const struct ft *f = r->state;

	return f->nev;
}

/* Frees what events 0..@upto-1 left held, so a failed replay gives every buffer back. */
static void ft_unwind(struct pb_wl_run *r, uint64_t upto)
{
	struct ft *f = r->state;

	memset(f->live, 0, f->depth * sizeof(*f->live));
	for (uint64_t i = 0; i < upto; i++)
		f->live[f->ev[i] >> 1] = f->ev[i] & 1;
	for (unsigned k = 0; k < f->depth; k++)
		if (f->live[k])
			pb_free_buf(r->alloc, &f->bufs[k], true);
}

static bool ft_body(struct pb_wl_run *r, unsigned t, uint64_t first, uint64_t n)
{
	struct ft *f = r->state;
	struct pb_alloc *a = r->alloc;

	for (uint64_t i = first; i < first + n; i++) {
		uint32_t e = f->ev[i];
		struct pb_buf *b = &f->bufs[e >> 1];

		if (e & 1) {
			if (pb_unlikely(!pb_alloc_buf(a, b))) {
				ft_unwind(r, i);
				r->failed = "allocation failed";
				return false;
			}
		} else {
			pb_free_buf(a, b, true);
		}
	}
	return true;
}

static void ft_run(struct pb_wl_run *r, unsigned t)
{
	pb_wl_time_windows(r, t, ft_body);
}

const struct pb_workload pb_wl_fixed_test = {
	.name = "fixed-test",
	.desc = "harness test: replays a fixed generated list of alloc/free events (fixed work)",
	.params = ft_params,
	.nthreads = 1,
	.work_size = ft_work_size,
	.window = FT_WINDOW,
	.prepare = ft_prepare,
	.run = ft_run,
	.cleanup = ft_cleanup,
};

// SPDX-License-Identifier: GPL-2.0-only
/* The workload registry and the timing loops every workload shares (batches and windows). */
#include <string.h>
#include "workload.h"

#define PB_WORKLOAD(sym, ...) extern const struct pb_workload pb_wl_##sym;
#include "workloads.def"
#undef PB_WORKLOAD

const struct pb_workload *const pb_workload_registry[] = {
#define PB_WORKLOAD(sym, ...) &pb_wl_##sym,
#include "workloads.def"
#undef PB_WORKLOAD
	NULL,
};

const struct pb_workload *pb_workload_find(const char *name)
{
	for (const struct pb_workload *const *w = pb_workload_registry; *w; w++)
		if (!strcmp((*w)->name, name))
			return *w;
	return NULL;
}

int pb_workload_role(const struct pb_workload *wl, const char *role)
{
	for (unsigned t = 0; t < wl->nthreads && t < PB_MAX_THREADS; t++)
		if (wl->tracks[t] && !strcmp(wl->tracks[t], role))
			return (int)t;
	return -1;
}

void pb_wl_time_batches(struct pb_wl_run *r, unsigned t, uint64_t unit_ops,
			bool (*body)(struct pb_wl_run *r, uint64_t units))
{
	struct pb_wl_track *tr = &r->track[t];
	uint64_t units = r->ops / unit_ops ?: 1;
	uint64_t per_batch = units / r->nbatches ?: 1;
	unsigned b;

	tr->nbatches = 0;
	for (b = 0; b < r->nbatches && units; b++) {
		uint64_t n = b + 1 == r->nbatches ? units : (per_batch < units ? per_batch : units);
		uint64_t t0;

		tr->wait = 0;
		t0 = pb_tsc_start();
		bool ok = body(r, n);
		uint64_t t1 = pb_tsc_stop();

		if (!ok)
			return;
		tr->batch_cycles[b] = t1 - t0;
		tr->batch_ops[b] = n * unit_ops;
		if (tr->batch_wait)
			tr->batch_wait[b] = tr->wait;
		tr->nbatches = b + 1;
		units -= n;
	}
}

void pb_wl_time_windows(struct pb_wl_run *r, unsigned t,
			bool (*body)(struct pb_wl_run *r, unsigned t, uint64_t first, uint64_t n))
{
	pb_wl_time_windows_prep(r, t, body, NULL);
}

void pb_wl_time_windows_prep(struct pb_wl_run *r, unsigned t,
			     bool (*body)(struct pb_wl_run *r, unsigned t, uint64_t first, uint64_t n),
			     bool (*prep)(struct pb_wl_run *r, unsigned t, uint64_t first, uint64_t n))
{
	struct pb_wl_track *tr = &r->track[t];
	uint64_t first = 0, work = r->work[t];
	unsigned w;

	tr->nbatches = 0;
	for (w = 0; w < r->nbatches && first < work; w++) {
		uint64_t n = work - first < r->window ? work - first : r->window;
		uint64_t t0;

		if (prep && !prep(r, t, first, n))
			return;
		tr->wait = 0;
		t0 = pb_tsc_start();
		bool ok = body(r, t, first, n);
		uint64_t t1 = pb_tsc_stop();

		if (!ok)
			return;
		tr->batch_cycles[w] = t1 - t0;
		tr->batch_ops[w] = n;
		if (tr->batch_wait)
			tr->batch_wait[w] = tr->wait;
		tr->nbatches = w + 1;
		first += n;
	}
}

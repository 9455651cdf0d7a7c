// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared workloads (the sources in workloads/, the very loop bodies userspace times) on
 * the shared backends (allocators/, through platform_kernel.h), and the shared baselines.
 * Both lists are the kernel-capable lines of workloads.def and backends.def.
 *
 * The module is the harness here, as the runner is in userspace: it fills a pb_wl_run,
 * calls the workload's prepare(), its run() once per repetition (one warm-up first) on the
 * CPU or CPUs it asks for, and cleanup(); and it provides pb_wl_time_batches, which times
 * each batch in the context a driver would run it in: a tasklet (softirq) on cpu= for the
 * single-CPU workloads, preemption off on the two kthreads of cross-cpu. Records keep the
 * userspace names (alloc-free/ptr_ring_pool), so `pagebench compare` can put the two worlds
 * side by side.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/stdarg.h>
#include <linux/string.h>
#include "allocator.h"
#include "direct.h"
#include "pbk.h"
#include "pbk_cross.h"
#include "workload.h"

/* The kernel-capable lines of workloads.def, in its order (PB_KSEL_USER drops the rest). */
#include "kernel_cap.h"
#define PB_WORKLOAD(sym, src, kernel, why) \
	PB_KSEL_##kernel(extern const struct pb_workload pb_wl_##sym;)
#include "workloads.def"
#undef PB_WORKLOAD

const struct pb_workload *const pbk_workloads[] = {
#define PB_WORKLOAD(sym, src, kernel, why) PB_KSEL_##kernel(&pb_wl_##sym,)
#include "workloads.def"
#undef PB_WORKLOAD
	NULL,
};

/* One measurement of a shared workload: what it sees (run) and what the module keeps. */
struct pbk_wl {
	struct pb_wl_run run;		/* pb_wl_time_batches finds the rest from it */
	const struct pb_workload *w;
	struct pbk_rec *rec[PB_MAX_TRACKS];
	bool threads;			/* batches on the calling kthread (cross-cpu), not a tasklet */
	u64 atomics[PB_MAX_TRACKS];	/* counted in the batches of the current repetition */
	u64 cycles[PB_MAX_TRACKS][PBK_MAX_BATCHES];
	u64 ops[PB_MAX_TRACKS][PBK_MAX_BATCHES];
	struct pb_stats warm;		/* the backend's counters when the warm-up ended */
	struct pbk_cross_job *job;	/* two threads: the engine's job, which made rec[] */
};

struct batch {
	struct pb_wl_run *r;
	bool (*body)(struct pb_wl_run *r, uint64_t units);
	u64 units, cycles, atomics;
	bool ok;
};

static bool batch_body(void *arg, u64 units)
{
	struct batch *b = arg;

	return b->body(b->r, units);
}

static void batch_fn(void *arg)
{
	struct batch *b = arg;

	b->cycles = pbk_time_batch(batch_body, b, b->units, &b->atomics, &b->ok);
}

/*
 * The kernel's pb_wl_time_batches (userspace's is in workloads/registry.c): the same
 * contract, with the module's timer (pbk_time_batch: rdtsc_ordered, the empty region's
 * median subtracted, the atomics counter read around it) and the module's plan of batches
 * (pbk_rec_plan: loops= rounded up to whole units, the remainder spread over the first
 * batches, as the k_* records are planned). Waiting cycles are not charged separately:
 * the PBK format has no field for them, so cross-cpu rows include them, as the k_* ones do.
 */
void pb_wl_time_batches(struct pb_wl_run *r, unsigned t, uint64_t unit_ops,
			bool (*body)(struct pb_wl_run *r, uint64_t units))
{
	struct pbk_wl *k = container_of(r, struct pbk_wl, run);
	struct pbk_rec *rec = k->rec[t];
	struct pb_wl_track *tr = &r->track[t];
	struct batch b = { .r = r, .body = body };

	tr->nbatches = 0;
	if (!rec->unit_ops)
		pbk_rec_plan(rec, unit_ops);
	if (rec->unit_ops != unit_ops) {
		r->failed = "the workload changed its unit between repetitions";
		return;
	}
	for (unsigned i = 0; i < rec->nb; i++) {
		b.units = rec->units[i];
		tr->wait = 0;
		if (k->threads) {
			preempt_disable();
			batch_fn(&b);
			preempt_enable();
		} else {
			pbk_in_softirq(batch_fn, &b);
		}
		if (!b.ok)
			return;
		tr->batch_cycles[i] = b.cycles;
		tr->batch_ops[i] = b.units * unit_ops;
		if (tr->batch_wait)
			tr->batch_wait[i] = tr->wait;
		k->atomics[t] += b.atomics;
		tr->nbatches = i + 1;
		cond_resched();
	}
}

/* One repetition (0: the warm-up) of thread @t; its batches go into the record after it. */
static bool wl_rep(struct pbk_wl *k, unsigned t, unsigned rep)
{
	struct pbk_rec *rec = k->rec[t];
	struct pb_wl_track *tr = &k->run.track[t];

	k->atomics[t] = 0;
	k->w->run(&k->run, t);
	if (k->run.failed || !rec->nb || tr->nbatches != rec->nb) {
		rec->failed = k->run.failed ?: "the workload stopped";
		return false;
	}
	if (!rep)
		return true;
	for (unsigned b = 0; b < rec->nb; b++)
		rec->cycles[(rep - 1) * rec->nb + b] = tr->batch_cycles[b];
	rec->atomics += k->atomics[t];
	return true;
}

static void wl_warm(void *arg)
{
	struct pbk_wl *k = arg;

	if (k->run.alloc)
		pb_alloc_stats(k->run.alloc, &k->warm);
}

/* The single-CPU form: every repetition on this (the driver's, cpu=) kthread. */
static bool wl_measure(struct pbk_wl *k)
{
	struct pbk_rec *rec = k->rec[0];

	rec->context = "softirq";
	rec->cpu = raw_smp_processor_id();
	for (unsigned rep = 0; rep <= rec->reps; rep++) {
		if (!wl_rep(k, 0, rep))
			return false;
		if (!rep)
			wl_warm(k);
	}
	return true;
}

static bool wl_cross_rep(void *arg, unsigned side, unsigned rep)
{
	struct pbk_wl *k = arg;

	k->rec[side] = k->job->rec[side];	/* each side sets its own: no race */
	return wl_rep(k, side, rep);
}

static void wl_init(struct pbk_wl *k, const struct pb_workload *w, struct pb_alloc *a,
		    const struct pb_params *p)
{
	memset(k, 0, sizeof(*k));
	k->w = w;
	k->run.alloc = a;
	k->run.params = p;
	k->run.ops = pbk_cfg.loops;
	k->run.nbatches = pbk_cfg.batches;
	for (unsigned t = 0; t < PB_MAX_TRACKS; t++) {
		k->run.track[t].batch_cycles = k->cycles[t];
		k->run.track[t].batch_ops = k->ops[t];
	}
}

/* --- the baselines ------------------------------------------------------------------ */

/*
 * The baselines workloads= names, and call-pair always: the harness's own cost of two
 * indirect calls (what the page_pool API costs a driver) stands beside every table, so a
 * model row's dispatch can be read against it (docs/kmod.md).
 */
static bool baseline_wanted(const struct pb_workload *w)
{
	return w->baseline && (pbk_want_workload(w->name) || !strcmp(w->name, "call-pair"));
}

void pbk_shared_baselines(void)
{
	struct pbk_wl *k = kmalloc(sizeof(*k), GFP_KERNEL);
	struct pb_params *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!k || !p) {
		pbk_error("baselines: out of memory");
		goto out;
	}
	for (const struct pb_workload *const *w = pbk_workloads; *w; w++) {
		struct pb_err err = { "" };

		if (!baseline_wanted(*w))
			continue;
		wl_init(k, *w, NULL, p);
		k->rec[0] = pbk_rec_new((*w)->name, "-", "-", "", "", 0);
		if (!k->rec[0]) {
			pbk_error("%s: out of memory", (*w)->name);
			continue;
		}
		if ((*w)->prepare && (*w)->prepare(&k->run, &err)) {
			k->rec[0]->failed = err.msg;
		} else {
			if (wl_measure(k))
				k->rec[0]->atomics_counted = true;	/* through platform_kernel.h */
			if ((*w)->cleanup)
				(*w)->cleanup(&k->run);
		}
		pbk_rec_emit(k->rec[0]);
		pbk_rec_free(k->rec[0]);
	}
out:
	kfree(p);
	kfree(k);
}

/* --- the shared backends under the shared workloads --------------------------------- */

/*
 * The @i-th word of word-list parameter @k (path=, variant=) that @mask (its parsed bits)
 * selects, or its first word. path='s words are in bit order, enum pbk_path's (pbk.h).
 */
static const char *nth_word(enum pb_kparam_index k, unsigned long mask, unsigned i)
{
	const char *const *words = pb_kparams[k].words;

	for (unsigned b = 0; words[b]; b++)
		if ((mask & (1UL << b)) && !i--)
			return words[b];
	return words[0];
}

/*
 * The list parameters that make one record per value: bulk= (a workload that takes bulk),
 * path= (alloc-free, on a backend whose free honours it: direct.h; the others have one
 * path, labelled skb or none, so one record) and variant= (a backend that takes variant:
 * halfpage). How many values each gives the pair (@w, @ops), in that order.
 */
enum { AX_BULK, AX_PATH, AX_VARIANT, AX_COUNT };

static void wl_axes(const struct pb_workload *w, const struct pb_alloc_ops *ops, unsigned n[AX_COUNT])
{
	n[AX_BULK] = pb_param_find(w->params, "bulk") ? pbk_cfg.nbulk : 1;
	n[AX_PATH] = pb_param_find(w->params, "path") && pb_alloc_path_kind(ops) == PB_PATH_DIRECT ?
		     hweight_long(pbk_cfg.paths) : 1;
	n[AX_VARIANT] = pb_param_find(ops->params, "variant") ? hweight_long(pbk_cfg.variants) : 1;
}

/* Records the pair gives: one per combination of the list values above. */
static unsigned wl_nrecords(const struct pb_workload *w, const struct pb_alloc_ops *ops)
{
	unsigned n[AX_COUNT], total = 1;

	wl_axes(w, ops, n);
	for (unsigned a = 0; a < AX_COUNT; a++)
		total *= n[a];
	return total;
}

/* Record @i's value index on each axis (mixed radix, bulk= the fastest). */
static void wl_record_axes(const struct pb_workload *w, const struct pb_alloc_ops *ops, unsigned i,
			   unsigned at[AX_COUNT])
{
	unsigned n[AX_COUNT];

	wl_axes(w, ops, n);
	for (unsigned a = 0; a < AX_COUNT; a++) {
		at[a] = i % n[a];
		i /= n[a];
	}
}

static int kv_add(struct pb_params *p, struct pb_err *err, const char *fmt, ...) __printf(3, 4);
static int kv_add(struct pb_params *p, struct pb_err *err, const char *fmt, ...)
{
	char kv[48];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(kv, sizeof(kv), fmt, ap);
	va_end(ap);
	return pb_params_add(p, kv, err);
}

/*
 * Record @i's keys into @p, checked against the workload's and the backend's tables.
 * The backend's: mem=, ring=, dma=, node= from the module parameters, frag= (frag_size=
 * sizes k_page_frag's fragments and the frag model's alike: one default) and variant=
 * (halfpage). The workload's own keys, each only where its table has it: n= (outstanding=),
 * bulk=, handoff=, touch=, len= and path= (which the backends read at create too: the
 * models' skb-6.5 frees run napi_pp_put_page's checks, halfpage's 2016 copybreak reads
 * len=). A key a workload takes that is not here keeps its default (bulk's direct=on).
 * 0, or -1 + @err.
 */
static int wl_params(struct pb_params *p, const struct pb_alloc_ops *ops, const struct pb_workload *w,
		     unsigned i, struct pb_err *err)
{
	const struct pb_param_spec *wp = w->params;
	unsigned at[AX_COUNT];

	wl_record_axes(w, ops, i, at);
	memset(p, 0, sizeof(*p));
	if (kv_add(p, err, "mem=%uM", pbk_cfg.mem_mb) || kv_add(p, err, "ring=%u", pbk_cfg.pool_size) ||
	    kv_add(p, err, "dma=%s", pbk_cfg.dma))
		return -1;
	if (pbk_cfg.node != NUMA_NO_NODE && kv_add(p, err, "node=%d", pbk_cfg.node))
		return -1;
	if (!strcmp(ops->name, "frag") && kv_add(p, err, "frag=%u", pbk_cfg.frag_size))
		return -1;
	if (pb_param_find(ops->params, "variant") &&
	    kv_add(p, err, "variant=%s", nth_word(PB_KPI_variant, pbk_cfg.variants,
						   at[AX_VARIANT])))
		return -1;
	if ((pb_param_find(wp, "n") && kv_add(p, err, "n=%u", pbk_cfg.outstanding)) ||
	    (pb_param_find(wp, "bulk") && kv_add(p, err, "bulk=%u", pbk_cfg.bulk[at[AX_BULK]])) ||
	    (pb_param_find(wp, "handoff") && kv_add(p, err, "handoff=%u", pbk_cfg.handoff)) ||
	    (pb_param_find(wp, "touch") && kv_add(p, err, "touch=%u", pbk_cfg.touch)) ||
	    (pb_param_find(wp, "len") && kv_add(p, err, "len=%u", pbk_cfg.len)) ||
	    (pb_param_find(wp, "path") &&
	     kv_add(p, err, "path=%s", nth_word(PB_KPI_path, pbk_cfg.paths, at[AX_PATH]))))
		return -1;
	if (pb_params_check(p, wp, err))
		return -1;
	return pb_alloc_check_params(ops, p, err);
}

/*
 * Whether key @sp->key, set to @raw in a record's params, is in its name. userspace names
 * every key given; the module gives every key a value, so it names what a user would have
 * had to give: a value other than the table's default (touch=, len=, variant=, frag=,
 * ring=, node=), and n= and bulk= always, as every module record has. Never: mem= and dma=
 * (the context's command line says them), handoff=, and path= (named as taken, below).
 */
static bool rec_named(const struct pb_param_spec *sp, const char *raw)
{
	static const char *const never[] = { "mem", "dma", "handoff", "path" };
	uint64_t a, b;

	for (unsigned k = 0; k < ARRAY_SIZE(never); k++)
		if (!strcmp(sp->key, never[k]))
			return false;
	if (!strcmp(sp->key, "n") || !strcmp(sp->key, "bulk") || !sp->def)
		return true;
	if (sp->type == PB_PARAM_UINT && !pb_param_parse(sp, raw, &a, NULL) &&
	    !pb_param_parse(sp, sp->def, &b, NULL))
		return a != b;
	return strcmp(raw, sp->def);
}

/*
 * Record @p's name part as userspace's runner makes it (harness/engine/records.c): the
 * named keys in table order, the backend's table, then the workload's, then the memory
 * model's (a key in two tables once, where first met), then the return path the frees
 * took (@path NULL: the workload names none). The values are the module's own decimals,
 * which userspace would print alike (its M/G spelling starts at 1 MiB, beyond every named
 * key's range here).
 */
static void rec_params(char *buf, size_t len, const struct pb_alloc_ops *ops,
		       const struct pb_workload *w, const struct pb_params *p, const char *path)
{
	const struct pb_param_spec *tables[3] = { ops->params, w->params, pb_mem_params };
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned t = 0; t < ARRAY_SIZE(tables); t++) {
		for (const struct pb_param_spec *sp = tables[t]; sp && sp->key; sp++) {
			const char *raw = pb_params_raw(p, sp->key);
			bool seen = false;

			for (unsigned e = 0; e < t; e++)
				seen |= tables[e] && pb_param_find(tables[e], sp->key);
			if (!raw || seen || !rec_named(sp, raw))
				continue;
			off += scnprintf(buf + off, len - off, "%s%s=%s", off ? "," : "", sp->key, raw);
		}
	}
	if (path)
		scnprintf(buf + off, len - off, "%spath=%s", off ? "," : "", path);
}

/* Counters of the measured repetitions: now minus the warm-up; in_flight is a level. */
static void rec_stats(struct pbk_wl *k, struct pbk_rec *r)
{
	const struct pb_stats_field *f;
	struct pb_stats now;

	pb_alloc_stats(k->run.alloc, &now);
	for (f = pb_stats_fields; f->name; f++) {
		u64 *dst = (u64 *)((char *)&r->stats + f->offset);

		*dst = pb_stats_get(&now, f) - pb_stats_get(&k->warm, f);
	}
	r->stats.in_flight = now.in_flight;
	r->has_stats = true;
}

/* Destroys the instance; returns the pages the page-allocator model did not get back. */
static u64 destroy(struct pb_alloc *a, const char *workload, const char *name)
{
	u64 leaked = 0, in_flight = pb_alloc_destroy(a, &leaked);

	if (in_flight) {
		/* Cannot happen once every buffer came back: a backend bug, said plainly. */
		pbk_error("%s/%s: %llu pages still in flight at destroy", workload, name, in_flight);
		return in_flight;
	}
	return leaked;
}

/* Runs the measurement of @k: on this CPU, or (two threads) on cpu= and cpu2=. */
static void wl_run_measure(struct pbk_wl *k, const char *backend, const char *params)
{
	const struct pb_workload *w = k->w;

	if (w->nthreads == 1) {
		if (wl_measure(k))
			rec_stats(k, k->rec[0]);
		return;
	}
	{
		struct pbk_cross_job j = {
			.workload = w->name, .tracks = { w->tracks[0], w->tracks[1] },
			.arg = k, .warm = wl_warm, .rep = wl_cross_rep,
		};
		struct pbk_cross x;

		pbk_cross_init(&x, false);
		k->threads = true;
		k->job = &j;
		if (pbk_cross_measure(&x, &j, backend, "model", params)) {
			rec_stats(k, j.rec[0]);
			j.rec[1]->stats = j.rec[0]->stats;
			j.rec[1]->has_stats = true;
		}
		k->rec[0] = j.rec[0];
		k->rec[1] = j.rec[1];
		k->job = NULL;
	}
}

/* One record (two for a two-thread workload): create, prepare, measure, tear down, print. */
static void wl_record(struct pbk_wl *k, struct pb_params *p, const struct pb_alloc_ops *ops,
		      const struct pb_workload *w, unsigned i)
{
	long free0 = pbk_free_pages();
	struct pb_err err = { "" };
	struct pb_alloc *a = NULL;
	char params[128];
	unsigned nrec = w->nthreads == 1 ? 1 : 2;
	u64 leaked = 0;

	wl_init(k, w, NULL, p);
	if (wl_params(p, ops, w, i, &err) ||
	    !(a = pb_alloc_create(ops, p, &err)) ||
	    (w->prepare && w->prepare(&k->run, &err))) {
		rec_params(params, sizeof(params), ops, w, p, NULL);
		pbk_error("%s/%s%s%s: %s", w->name, ops->name, params[0] ? "/" : "", params, err.msg);
		if (a)
			destroy(a, w->name, ops->name);
		return;
	}
	rec_params(params, sizeof(params), ops, w, p, pb_wl_path_name(w, ops, p));
	k->run.alloc = a;
	if (w->nthreads == 1) {
		k->rec[0] = pbk_rec_new(w->name, ops->name, "model", params, "", 0);
		if (!k->rec[0])
			pbk_error("%s/%s: out of memory", w->name, ops->name);
	}
	if (w->nthreads != 1 || k->rec[0])
		wl_run_measure(k, ops->name, params);
	if (w->cleanup)
		w->cleanup(&k->run);
	leaked = destroy(a, w->name, ops->name);
	for (unsigned t = 0; t < nrec; t++) {
		struct pbk_rec *r = k->rec[t];

		if (!r)
			continue;
		r->leaked = leaked;
		r->atomics_counted = true;
		r->free_delta = pbk_free_settle(free0, 1000);
		r->has_free_delta = true;
		pbk_rec_emit(r);
		pbk_rec_free(r);
	}
}

/* What userspace's plan refuses (harness/plan/plan.c), the module skips. */
static bool wl_runs_on(const struct pb_workload *w, const struct pb_alloc_ops *ops)
{
	if (w->nthreads > 2 || (w->nthreads == 2 && pbk_cfg.cpu2 < 0))
		return false;
	return !(w->concurrent && ops->one_context) && !(w->page_refs && ops->no_page_refs) &&
	       !(ops->raw_pairs && !w->raw_pairs);
}

void pbk_shared_run(void)
{
	struct pbk_wl *k = kmalloc(sizeof(*k), GFP_KERNEL);
	/* A pb_params is 4 KiB: too big for a kernel stack, so it lives on the heap here. */
	struct pb_params *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!k || !p) {
		pbk_error("shared backends: out of memory");
		goto out;
	}
	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o; o++) {
		if (!pbk_want_backend((*o)->name))
			continue;
		for (const struct pb_workload *const *w = pbk_workloads; *w; w++) {
			if ((*w)->baseline || !pbk_want_workload((*w)->name) || !wl_runs_on(*w, *o))
				continue;
			for (unsigned i = 0; i < wl_nrecords(*w, *o); i++)
				wl_record(k, p, *o, *w, i);
		}
	}
out:
	kfree(p);
	kfree(k);
}

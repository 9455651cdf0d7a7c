// SPDX-License-Identifier: GPL-2.0-only
/*
 * The run loop. Each backend gets its own instance (own arena and page allocator), one
 * warm-up repetition that is thrown away (and that grows the operation count until a timed
 * batch is long enough to trust), then repetitions in which the backends run in an order
 * shuffled afresh each time from a recorded seed, so machine drift and any "who ran first"
 * effect land on all of them alike. Each timed batch has the cost of an empty timed region
 * subtracted, and each operation the cost of an empty loop iteration.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "callgrind.h"
#include "context.h"
#include "placement.h"
#include "pmu.h"
#include "runner_internal.h"
#include "summary.h"

static void progress(struct runner *rt)
{
	const struct pb_plan *plan = rt->plan;
	double elapsed;

	rt->done++;
	if (!plan->progress)
		return;
	elapsed = (double)(pb_now_ns() - rt->start_ns) / 1e9;
	plan->progress(plan->progress_arg, rt->done, rt->total,
		       elapsed / rt->done * (double)(rt->total - rt->done));
}

/*
 * Runs thread @t's share of one repetition with its counters around it: locked-instruction
 * count, PMU snapshots (opened on this thread, since counters follow the thread), and under
 * callgrind a labelled dump of exactly this region.
 */
static void measure_thread(struct runner *rt, struct instance *in, unsigned t, unsigned rep,
			   bool record, struct thread_out *o)
{
	struct pb_pmu *p = rt->pmu_on ? pb_pmu_open(&rt->spec) : NULL;
	struct pb_pmu_snap before, after;
	bool cg = rt->callgrind && t == 0 && record;
	char label[64];
	uint64_t a0;

	memset(o, 0, sizeof(*o));
	if (cg)
		snprintf(label, sizeof(label), "pb|%s|%u", in->cg_key, rep);
	if (p)
		pb_pmu_snapshot(p, &before);
	if (cg)
		pb_callgrind_begin();
	a0 = pb_tls_atomics;
	in->wl->run(&in->wr, t);
	o->atomics = pb_tls_atomics - a0;
	if (cg)
		pb_callgrind_end(label);
	if (p) {
		pb_pmu_snapshot(p, &after);
		pb_pmu_accumulate(p, &before, &after, &o->pmu);
		o->pmu_open = true;
		if (t == 0 && pb_pmu_rdpmc_reads(p))
			rt->rdpmc = true;
		for (unsigned i = 0; i < rt->spec.n && i < PB_MAX_EVENTS; i++) {
			const char *why = NULL;

			o->ev_ok[i] = pb_pmu_event_ok(p, i, &why);
			snprintf(o->ev_why[i], sizeof(o->ev_why[i]), "%s", why ? why : "");
		}
		pb_pmu_close(p);
	}
}

/*
 * The second measured thread: started once per run and pinned once, then handed one
 * repetition at a time. A thread per repetition would be a new thread to every library
 * with per-thread state (DPDK registers each as an lcore it never gives back).
 */
struct helper {
	struct runner *rt;
	pthread_t tid;
	pthread_barrier_t start, done;
	struct instance *in;		/* the repetition to run; NULL: exit */
	unsigned rep;
	bool record;
	struct pb_err err;
	int rc;				/* pinning failed */
	struct thread_out out;
};

static void *helper_main(void *arg)
{
	struct helper *h = arg;

	h->rc = pb_placement_pin(&h->rt->pl, 1, &h->err);
	for (;;) {
		pthread_barrier_wait(&h->start);
		if (!h->in)
			break;
		if (!h->rc)
			measure_thread(h->rt, h->in, 1, h->rep, h->record, &h->out);
		pthread_barrier_wait(&h->done);
	}
	return NULL;
}

static int helper_start(struct runner *rt, struct helper *h, struct pb_err *err)
{
	memset(h, 0, sizeof(*h));
	h->rt = rt;
	pthread_barrier_init(&h->start, NULL, 2);
	pthread_barrier_init(&h->done, NULL, 2);
	if (pthread_create(&h->tid, NULL, helper_main, h)) {
		pthread_barrier_destroy(&h->start);
		pthread_barrier_destroy(&h->done);
		return pb_err_set(err, "cannot start the second measured thread");
	}
	rt->helper = h;
	return 0;
}

static void helper_stop(struct runner *rt)
{
	struct helper *h = rt->helper;

	if (!h)
		return;
	h->in = NULL;
	pthread_barrier_wait(&h->start);
	pthread_join(h->tid, NULL);
	pthread_barrier_destroy(&h->start);
	pthread_barrier_destroy(&h->done);
	rt->helper = NULL;
}

static const char *inst_name(const struct instance *in)
{
	return in->ops ? in->ops->name : in->wl->name;
}

/* Cycles per op of a region, less the empty-loop cost of each op; never negative. */
static double per_op_net(double cycles, double ops, double loop_overhead)
{
	double v = cycles / ops - loop_overhead;

	return v > 0 ? v : 0;
}

/* One repetition on every thread of the workload; @record keeps its samples. */
static int run_rep(struct runner *rt, struct instance *in, unsigned rep, bool record,
		   struct pb_err *err)
{
	const struct pb_workload *wl = in->wl;
	struct thread_out out[PB_MAX_TRACKS];
	struct helper *h = rt->helper;

	in->wr.failed = NULL;
	if (wl->nthreads == 2) {
		if (h->rc)
			return pb_err_set(err, "%s", h->err.msg);
		h->in = in;
		h->rep = rep;
		h->record = record;
		pthread_barrier_wait(&h->start);	/* both threads start together */
	}
	measure_thread(rt, in, 0, rep, record, &out[0]);
	if (wl->nthreads == 2) {
		pthread_barrier_wait(&h->done);
		out[1] = h->out;
	}
	if (in->wr.failed)
		return pb_err_set(err, "%s on %s: %s", wl->name, inst_name(in), in->wr.failed);
	if (!record)
		return 0;
	for (unsigned t = 0; t < wl->nthreads; t++) {
		struct pb_wl_track *tr = &in->wr.track[t];
		struct track_acc *acc = &in->acc[t];
		double cycles = 0, ops = 0;

		/* Baselines stay gross of the loop, as time_bench prints them (for_loop ~1 cycle). */
		double loop = wl->baseline ? 0 : rt->loop_overhead;

		for (unsigned b = 0; b < tr->nbatches; b++) {
			/* Time spent waiting on the other thread is that thread's cost. */
			double c = (double)tr->batch_cycles[b] - rt->overhead - (double)tr->batch_wait[b];

			if (c < 0)
				c = 0;
			cycles += c;
			ops += (double)tr->batch_ops[b];
			acc->batch_cycles[acc->nbatch++] =
				per_op_net(c, (double)tr->batch_ops[b], loop);
		}
		acc->rep_cycles[rep] = ops ? per_op_net(cycles, ops, loop) : 0;
		acc->ops += (uint64_t)ops;
		acc->atomics += out[t].atomics;
		if (!out[t].pmu_open)
			continue;
		for (unsigned i = 0; i < rt->spec.n && i < PB_MAX_EVENTS; i++)
			acc->ev_rep[i][rep] = pb_pmu_per_op(&out[t].pmu, i, (uint64_t)ops);
		pb_pmu_totals_add(&acc->pmu, &out[t].pmu);
		if (!acc->ev_seen) {
			memcpy(acc->ev_ok, out[t].ev_ok, sizeof(acc->ev_ok));
			memcpy(acc->ev_why, out[t].ev_why, sizeof(acc->ev_why));
			acc->ev_seen = true;
		}
	}
	return 0;
}

static int inst_init(struct runner *rt, struct instance *in, const struct pb_alloc_ops *ops,
		     const struct pb_workload *wl, struct pb_err *err)
{
	const struct pb_plan *plan = rt->plan;

	memset(in, 0, sizeof(*in));
	in->ops = ops;
	in->wl = wl;
	if (ops) {
		in->alloc = pb_alloc_create(ops, &plan->params, err);
		if (!in->alloc)
			return -1;
	}
	in->wr.alloc = in->alloc;
	in->wr.params = &plan->params;
	in->wr.ops = plan->ops && !wl->baseline ? plan->ops : wl->default_ops;
	/*
	 * Under callgrind only instruction counts matter and they are per op: a repetition of
	 * CALLGRIND_OPS operations (after the uncounted warm-up) gives the steady-state figure
	 * at a fiftieth of the emulation time.
	 */
	if (rt->callgrind && !(plan->ops && !wl->baseline) && in->wr.ops > CALLGRIND_OPS)
		in->wr.ops = CALLGRIND_OPS;
	in->wr.nbatches = plan->nbatches;
	for (unsigned t = 0; t < wl->nthreads; t++) {
		in->wr.track[t].batch_cycles = calloc(plan->nbatches, sizeof(uint64_t));
		in->wr.track[t].batch_ops = calloc(plan->nbatches, sizeof(uint64_t));
		in->wr.track[t].batch_wait = calloc(plan->nbatches, sizeof(uint64_t));
		in->acc[t].rep_cycles = calloc(plan->reps, sizeof(double));
		in->acc[t].batch_cycles = calloc((size_t)plan->reps * plan->nbatches, sizeof(double));
		if (!in->wr.track[t].batch_cycles || !in->wr.track[t].batch_ops ||
		    !in->wr.track[t].batch_wait ||
		    !in->acc[t].rep_cycles || !in->acc[t].batch_cycles)
			return pb_err_set(err, "out of memory");
		for (unsigned i = 0; i < rt->spec.n && i < PB_MAX_EVENTS; i++) {
			in->acc[t].ev_rep[i] = calloc(plan->reps, sizeof(double));
			if (!in->acc[t].ev_rep[i])
				return pb_err_set(err, "out of memory");
		}
	}
	pb_instance_name(plan, in);
	/* Dump labels stay short whatever the names: a key the parent finds in the results. */
	if (rt->callgrind)
		snprintf(in->cg_key, sizeof(in->cg_key), "r%u.i%u", rt->run_seq, rt->ninst++);
	if (wl->prepare && wl->prepare(&in->wr, err))
		return -1;
	return 0;
}

/* Tears an instance down; -1 + @err if the backend still had pages lent out. */
static int inst_fini(struct instance *in, struct pb_err *err)
{
	int rc = 0;

	if (in->wl && in->wl->cleanup && in->wr.state)
		in->wl->cleanup(&in->wr);
	in->wr.state = NULL;
	if (in->alloc) {
		uint64_t in_flight = pb_alloc_destroy(in->alloc, &in->leaked);

		if (in_flight) {
			rc = pb_err_set(err, "%s: %llu pages still in flight after the run",
					in->ops->name, (unsigned long long)in_flight);
			/* The workload returned everything it took, so this is a backend bug: leak it. */
		}
		in->alloc = NULL;
	}
	for (unsigned t = 0; t < PB_MAX_TRACKS; t++) {
		free(in->wr.track[t].batch_cycles);
		free(in->wr.track[t].batch_ops);
		free(in->wr.track[t].batch_wait);
		in->wr.track[t].batch_cycles = NULL;
		in->wr.track[t].batch_ops = NULL;
		in->wr.track[t].batch_wait = NULL;
	}
	return rc;
}

static void stats_sub(struct pb_stats *now, const struct pb_stats *then)
{
	uint64_t level = now->in_flight;

	for (const struct pb_stats_field *f = pb_stats_fields; f->name; f++)
		*(uint64_t *)((char *)now + f->offset) -= pb_stats_get(then, f);
	now->in_flight = level;	/* a level, not a counter */
}

/*
 * The warm-up repetition. While its shortest batch is shorter than plan->min_batch_ns the
 * operation count is doubled and the warm-up repeated: a batch of a few hundred cycles
 * would measure the timer, not the work (time_bench's "period too small").
 */
static int warm_up(struct runner *rt, const struct pb_job_context *ctx, struct instance *in,
		   struct pb_err *err)
{
	const struct pb_plan *plan = rt->plan;
	double min_cycles = (double)plan->min_batch_ns * ctx->tsc_hz / 1e9;
	uint64_t shortest;

	for (int tries = 0; ; tries++) {
		shortest = UINT64_MAX;
		if (run_rep(rt, in, 0, false, err))
			return -1;
		/* The shortest batch of any thread, net of the time it waited for the other. */
		for (unsigned t = 0; t < in->wl->nthreads; t++)
			for (unsigned b = 0; b < in->wr.track[t].nbatches; b++) {
				struct pb_wl_track *tr = &in->wr.track[t];
				uint64_t net = tr->batch_cycles[b] - tr->batch_wait[b];

				if (net < shortest)
					shortest = net;
			}
		/* A count the user chose is kept as given (baselines never take --ops). */
		if ((double)shortest >= min_cycles || (plan->ops && !in->wl->baseline) || tries == 16 ||
		    rt->callgrind ||
		    in->wr.ops >= (1ull << 36))
			break;
		in->wr.ops *= 2;
	}
	if (shortest != UINT64_MAX && (double)shortest < min_cycles && !rt->callgrind)
		snprintf(in->warning, sizeof(in->warning),
			 "timed batches shorter than %llu ns: raise --ops or lower --batches",
			 (unsigned long long)plan->min_batch_ns);
	return 0;
}

static int run_set(struct runner *rt, struct pb_job_context *ctx, struct instance *ins, unsigned n,
		   struct pb_result *out, size_t *nout, struct pb_err *err)
{
	const struct pb_plan *plan = rt->plan;
	unsigned i, rep;
	int rc;

	unsigned order[PB_MAX_ALLOCS + 3];

	for (i = 0; i < n; i++) {
		if (warm_up(rt, ctx, &ins[i], err))
			return -1;
		progress(rt);
		if (ins[i].alloc)
			pb_alloc_stats(ins[i].alloc, &ins[i].warm);
		order[i] = i;
	}
	for (rep = 0; rep < plan->reps; rep++) {
		/* Fisher-Yates: a fresh order every repetition. */
		for (i = n; i > 1; i--) {
			unsigned j = (unsigned)pb_rng_below(&rt->rng, i), t = order[i - 1];

			order[i - 1] = order[j];
			order[j] = t;
		}
		for (i = 0; i < n; i++) {
			if (run_rep(rt, &ins[order[i]], rep, true, err))
				return -1;
			progress(rt);
		}
	}
	for (i = 0; i < n; i++) {
		struct pb_stats st;

		if (ins[i].alloc) {
			pb_alloc_stats(ins[i].alloc, &st);
			stats_sub(&st, &ins[i].warm);
		}
		if (inst_fini(&ins[i], err))
			return -1;
		rc = pb_instance_records(rt, ctx, &ins[i], ins[i].ops ? &st : NULL, &out[*nout], err);
		*nout += ins[i].wl->nthreads;
		if (rc)
			return -1;
	}
	return 0;
}

static const char *const baseline_names[] = { "for-loop", "atomic-inc", "spin-lock" };

/* Median cycles of one empty loop iteration, measured as the for-loop baseline measures it. */
static double loop_overhead(const struct runner *rt)
{
	enum { BATCHES = 101 };
	const struct pb_workload *wl = pb_workload_find("for-loop");
	uint64_t cyc[BATCHES], ops[BATCHES];
	double per[BATCHES];
	struct pb_wl_run wr = { .ops = 4000000, .nbatches = BATCHES };

	wr.track[0].batch_cycles = cyc;
	wr.track[0].batch_ops = ops;
	wl->run(&wr, 0);	/* warm-up: the first pass pays for cold caches and frequency */
	wl->run(&wr, 0);
	for (unsigned b = 0; b < wr.track[0].nbatches; b++)
		per[b] = ((double)cyc[b] - rt->overhead) / (double)ops[b];
	return wr.track[0].nbatches ? fmax(0, pb_median(per, wr.track[0].nbatches)) : 0;
}

/* Numbers the runs of this process, so callgrind keys stay unique across config jobs. */
static unsigned run_seq;

int pb_plan_preflight(const struct pb_plan *plan, struct pb_err *err)
{
	struct pb_placement pl;
	struct pb_pmu_spec spec;

	if (pb_plan_check(plan, err))
		return -1;
	if (plan->events[0] && pb_pmu_spec_parse(strcmp(plan->events, "default") ? plan->events :
						 pb_pmu_default_events(), &spec, err))
		return -1;
	if (pb_placement_init(&pl, plan->wl->nthreads, plan->cpus, err))
		return -1;
	pb_placement_fini(&pl);
	return 0;
}

/* The job context's threads, roles, nodes and arena node, once the CPUs are chosen. */
static void job_placement(const struct pb_plan *plan, const struct runner *rt,
			  struct pb_job_context *ctx)
{
	const char *node = pb_params_raw(&plan->params, "node");
	char *end;
	long v;

	ctx->nthreads = plan->wl->nthreads;
	for (unsigned t = 0; t < plan->wl->nthreads && t < PB_MAX_THREADS; t++) {
		struct pb_thread_place *p = &ctx->threads[t];

		snprintf(p->role, sizeof(p->role), "%s", plan->wl->tracks[t] ? plan->wl->tracks[t] : "main");
		p->cpu = (int)rt->pl.os_cpu[t];
		p->node = pb_cpu_node(p->cpu);
		if (t && p->cpu == ctx->threads[0].cpu)
			ctx->shared_cpus = true;
	}
	/* node= places the arenas; unset, their memory is first-touched on the measuring CPU. */
	v = node ? strtol(node, &end, 10) : -1;
	if (node && (*end || v < 0))
		v = -1;
	if (!node)
		v = ctx->threads[0].node;
	ctx->n_arena_nodes = 0;
	if (v >= 0)
		ctx->arena_nodes[ctx->n_arena_nodes++] = (int)v;
}

int pb_run(const struct pb_plan *plan, struct pb_job_context *ctx, struct pb_result **out,
	   size_t *n, struct pb_err *err)
{
	struct runner rt = { .plan = plan };
	struct helper helper;
	struct instance ins[PB_MAX_ALLOCS + 3];
	unsigned nins = 0, nb = 0;
	struct pb_result *res;
	size_t nres = 0, cap;
	int rc = -1;

	*out = NULL;
	*n = 0;
	memset(ins, 0, sizeof(ins));
	memset(ctx, 0, sizeof(*ctx));
	snprintf(ctx->job, sizeof(ctx->job), "%s", plan->job);
	ctx->unstable_cv = plan->cv_max;
	if (pb_plan_check(plan, err))
		return -1;
	if (plan->events[0]) {
		/* Parsed before any thread exists: libpfm4 is not to be called concurrently. */
		if (pb_pmu_spec_parse(strcmp(plan->events, "default") ? plan->events :
				      pb_pmu_default_events(), &rt.spec, err))
			return -2;
		rt.pmu_on = true;
		snprintf(ctx->pmu_events, sizeof(ctx->pmu_events), "%s",
			 strcmp(plan->events, "default") ? plan->events : pb_pmu_default_events());
		{
			struct pb_err why = { { 0 } };

			if (!pb_pmu_available(&why))
				snprintf(ctx->pmu_why, sizeof(ctx->pmu_why), "%.159s", why.msg);
		}
	}
	rt.callgrind = pb_callgrind_active();
	rt.run_seq = run_seq++;
	if (pb_placement_init(&rt.pl, plan->wl->nthreads, plan->cpus, err))
		return -2;
	/* Everything from here on, including arena first-touch, happens on the measured CPU. */
	if (pb_placement_pin(&rt.pl, 0, err))
		goto out_pl;
	ctx->tsc_hz = pb_tsc_calibrate();
	rt.overhead = pb_timer_overhead();
	ctx->timer_overhead_cycles = rt.overhead;
	rt.loop_overhead = loop_overhead(&rt);
	ctx->loop_overhead_cycles = rt.loop_overhead;
	rt.rng.s = plan->seed;
	ctx->seed = plan->seed;
	rt.start_ns = pb_now_ns();
	if (plan->wl->nthreads == 2 && helper_start(&rt, &helper, err))
		goto out_pl;
	rt.total = (plan->nallocs + (plan->wl->baseline ? 1 : 0) +
		    (plan->baselines && !plan->wl->baseline ? 3 : 0)) * (plan->reps + 1);
	job_placement(plan, &rt, ctx);

	cap = (size_t)plan->nallocs * plan->wl->nthreads + 3;
	res = calloc(cap, sizeof(*res));
	if (!res) {
		pb_err_set(err, "out of memory");
		goto out_pl;
	}
	for (nins = 0; nins < plan->nallocs; nins++)
		if (inst_init(&rt, &ins[nins], plan->allocs[nins], plan->wl, err))
			goto out_ins;
	if (plan->wl->baseline && inst_init(&rt, &ins[nins++], NULL, plan->wl, err))
		goto out_ins;
	if (run_set(&rt, ctx, ins, nins, res, &nres, err))
		goto out_ins;
	if (plan->baselines && !plan->wl->baseline) {
		for (nb = 0; nb < 3; nb++)
			if (inst_init(&rt, &ins[nb], NULL, pb_workload_find(baseline_names[nb]), err))
				goto out_base;
		if (run_set(&rt, ctx, ins, nb, res, &nres, err))
			goto out_base;
	}
	pb_set_ratios(res, nres, plan->metric_instructions);
	ctx->pmu_rdpmc = rt.rdpmc;
	snprintf(ctx->metric, sizeof(ctx->metric), "%s", plan->metric_instructions ? "instructions" : "time");
	*out = res;
	*n = nres;
	rc = 0;
	goto out_pl;
out_base:
	nins = nb;
out_ins:
	for (unsigned i = 0; i < nins + 1 && i < PB_MAX_ALLOCS + 3; i++) {
		struct pb_err ignore;

		inst_fini(&ins[i], &ignore);
		pb_instance_acc_free(&ins[i]);
	}
	pb_results_free(res, nres);
out_pl:
	helper_stop(&rt);
	pb_placement_fini(&rt.pl);
	return rc;
}


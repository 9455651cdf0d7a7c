// SPDX-License-Identifier: GPL-2.0-only
/*
 * The run loop. Each backend gets its own instance (own arena and page allocator), one
 * warm-up repetition that is thrown away (and that grows a loop workload's operation count
 * until a timed batch is long enough to trust; fixed work is one pass), then repetitions in
 * which the backends and the machine baselines run in an order shuffled afresh each time
 * from a recorded seed, so machine drift and any "who ran first" effect land on all of them
 * alike, and the baselines see the drift the backends saw. Each timed batch
 * has the cost of an empty timed region subtracted, and each operation the cost of an empty
 * loop iteration (runner_math.c). A workload of N threads runs on the calling thread and a
 * crew of N-1 pinned helpers started once per run.
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
#include "runner_eta.h"
#include "runner_internal.h"
#include "runner_math.h"
#include "summary.h"
#include "wl_report.h"

/* The yardsticks every result set is printed beside (workloads/baselines.c). */
static const char *const baseline_names[] = { "for-loop", "atomic-inc", "spin-lock", "call-pair" };
#define NBASELINES (sizeof(baseline_names) / sizeof(baseline_names[0]))

/* Instance @i (@in) finished a run of @seconds: counted, estimated, reported. */
static void progress(struct runner *rt, unsigned i, const struct instance *in, double seconds)
{
	const struct pb_plan *plan = rt->plan;

	rt->done++;
	pb_eta_record(&rt->eta, i, seconds);
	if (!plan->progress)
		return;
	plan->progress(plan->progress_arg, rt->done, rt->total, pb_eta_left(&rt->eta), in->name[0]);
}

static double seconds_since(uint64_t t0)
{
	return (double)(pb_now_ns() - t0) / 1e9;
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
 * A barrier whose party count can shrink: a crew whose next thread cannot be created must
 * still release the threads that did start. Mutex and condition variable, like glibc's own.
 */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned n, waiting;
	unsigned long gen;
};

static void gate_init(struct gate *g, unsigned n)
{
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->n = n;
	g->waiting = 0;
	g->gen = 0;
}

static void gate_open_locked(struct gate *g)
{
	g->waiting = 0;
	g->gen++;
	pthread_cond_broadcast(&g->cv);
}

static void gate_wait(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	if (++g->waiting >= g->n) {
		gate_open_locked(g);
	} else {
		unsigned long gen = g->gen;

		while (gen == g->gen)
			pthread_cond_wait(&g->cv, &g->mu);
	}
	pthread_mutex_unlock(&g->mu);
}

static void gate_shrink(struct gate *g, unsigned n)
{
	pthread_mutex_lock(&g->mu);
	g->n = n;
	if (g->waiting && g->waiting >= n)
		gate_open_locked(g);
	pthread_mutex_unlock(&g->mu);
}

static void gate_destroy(struct gate *g)
{
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
}

/*
 * The measured threads other than the caller: started once per run and pinned once, then
 * handed one repetition at a time. A thread per repetition would be a new thread to every
 * library with per-thread state (DPDK registers each as an lcore it never gives back).
 */
struct helper {
	struct crew *crew;
	unsigned t;			/* the workload thread it runs */
	pthread_t tid;
	int rc;				/* pinning failed */
	struct pb_err err;
	struct thread_out out;
};

struct crew {
	struct runner *rt;
	struct gate start, done;
	struct instance *in;		/* the repetition to run; NULL: exit */
	unsigned rep;
	bool record;
	unsigned n;			/* helpers running: threads 1..n */
	struct helper *h;		/* thread t is h[t - 1] */
};

static void *helper_main(void *arg)
{
	struct helper *h = arg;
	struct crew *c = h->crew;

	h->rc = pb_placement_pin(&c->rt->pl, h->t, &h->err);
	gate_wait(&c->start);		/* pinned (or not): the caller reads rc after this */
	for (;;) {
		gate_wait(&c->start);
		if (!c->in)
			break;
		if (!h->rc)
			measure_thread(c->rt, c->in, h->t, c->rep, c->record, &h->out);
		gate_wait(&c->done);
	}
	return NULL;
}

static void crew_stop(struct runner *rt)
{
	struct crew *c = rt->crew;

	if (!c)
		return;
	c->in = NULL;
	gate_wait(&c->start);
	for (unsigned i = 0; i < c->n; i++)
		pthread_join(c->h[i].tid, NULL);
	gate_destroy(&c->start);
	gate_destroy(&c->done);
	free(c->h);
	c->h = NULL;
	rt->crew = NULL;
}

/* Starts threads 1..@nthreads-1 and waits until each is pinned; -1 + @err if one is not. */
static int crew_start(struct runner *rt, struct crew *c, unsigned nthreads, struct pb_err *err)
{
	memset(c, 0, sizeof(*c));
	c->rt = rt;
	c->h = calloc(nthreads - 1, sizeof(*c->h));
	if (!c->h)
		return pb_err_set(err, "out of memory");
	gate_init(&c->start, nthreads);
	gate_init(&c->done, nthreads);
	rt->crew = c;
	for (unsigned t = 1; t < nthreads; t++) {
		struct helper *h = &c->h[t - 1];

		h->crew = c;
		h->t = t;
		if (pthread_create(&h->tid, NULL, helper_main, h)) {
			gate_shrink(&c->start, t);
			gate_shrink(&c->done, t);
			gate_wait(&c->start);
			return pb_err_set(err, "cannot start measured thread %u of %u", t + 1, nthreads);
		}
		c->n = t;
	}
	gate_wait(&c->start);
	for (unsigned i = 0; i < c->n; i++)
		if (c->h[i].rc)
			return pb_err_set(err, "%s", c->h[i].err.msg);
	return 0;
}

static const char *inst_name(const struct instance *in)
{
	return in->ops ? in->ops->name : in->wl->name;
}

/* One repetition on every thread of the workload; @record keeps its samples. */
static int run_rep(struct runner *rt, struct instance *in, unsigned rep, bool record,
		   struct pb_err *err)
{
	const struct pb_workload *wl = in->wl;
	struct thread_out out0;
	struct crew *c = rt->crew;

	in->wr.failed = NULL;
	if (wl->nthreads > 1) {
		c->in = in;
		c->rep = rep;
		c->record = record;
		gate_wait(&c->start);	/* every thread starts together */
	}
	measure_thread(rt, in, 0, rep, record, &out0);
	if (wl->nthreads > 1)
		gate_wait(&c->done);
	if (in->wr.failed)
		return pb_err_set(err, "%s on %s: %s", wl->name, inst_name(in), in->wr.failed);
	if (!record)
		return 0;
	for (unsigned t = 0; t < wl->nthreads; t++) {
		struct pb_wl_track *tr = &in->wr.track[t];
		struct track_acc *acc = &in->acc[t];
		const struct thread_out *o = t ? &c->h[t - 1].out : &out0;
		uint64_t ops;

		/* Baselines stay gross of the loop, as time_bench prints them (for_loop ~1 cycle). */
		double loop = wl->baseline ? 0 : rt->loop_overhead;

		acc->rep_cycles[rep] = pb_rm_track_rep(tr->batch_cycles, tr->batch_ops, tr->batch_wait,
						       tr->nbatches, rt->overhead, loop,
						       acc->batch_cycles + acc->nbatch, &ops);
		acc->nbatch += tr->nbatches;
		acc->ops += ops;
		acc->atomics += o->atomics;
		if (!o->pmu_open)
			continue;
		for (unsigned i = 0; i < rt->spec.n && i < PB_MAX_EVENTS; i++)
			acc->ev_rep[i][rep] = pb_pmu_per_op(&o->pmu, i, ops);
		pb_pmu_totals_add(&acc->pmu, &o->pmu);
		if (!acc->ev_seen) {
			memcpy(acc->ev_ok, o->ev_ok, sizeof(acc->ev_ok));
			memcpy(acc->ev_why, o->ev_why, sizeof(acc->ev_why));
			acc->ev_seen = true;
		}
	}
	return 0;
}

/* Allocates the per-thread batch arrays of @in for @nbatches batches (or windows) each. */
static int inst_tracks(const struct runner *rt, struct instance *in, unsigned nbatches,
		       struct pb_err *err)
{
	const struct pb_plan *plan = rt->plan;

	in->wr.nbatches = nbatches;
	for (unsigned t = 0; t < in->wl->nthreads; t++) {
		in->wr.track[t].batch_cycles = calloc(nbatches, sizeof(uint64_t));
		in->wr.track[t].batch_ops = calloc(nbatches, sizeof(uint64_t));
		in->wr.track[t].batch_wait = calloc(nbatches, sizeof(uint64_t));
		in->acc[t].rep_cycles = calloc(plan->reps, sizeof(double));
		in->acc[t].batch_cycles = calloc((size_t)plan->reps * nbatches, sizeof(double));
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
	return 0;
}

/* Fixed work: each thread's events and the windows they take, once prepare() has run. */
static int inst_fixed_work(const struct runner *rt, struct instance *in, struct pb_err *err)
{
	const struct pb_workload *wl = in->wl;
	uint64_t most = 0;

	in->wr.window = wl->window;
	for (unsigned t = 0; t < wl->nthreads; t++) {
		uint64_t w;

		in->wr.work[t] = wl->work_size(&in->wr, t);
		w = pb_rm_windows(in->wr.work[t], wl->window);
		if (w > most)
			most = w;
	}
	if (!most || most > (1u << 24))
		return pb_err_set(err, "%s: %llu timed windows of %llu events: the work is %s",
				  wl->name, (unsigned long long)most, (unsigned long long)wl->window,
				  most ? "too long" : "empty");
	return inst_tracks(rt, in, (unsigned)most, err);
}

static int inst_init(struct runner *rt, struct instance *in, const struct pb_alloc_ops *ops,
		     const struct pb_workload *wl, struct pb_err *err)
{
	const struct pb_plan *plan = rt->plan;

	memset(in, 0, sizeof(*in));
	in->ops = ops;
	in->wl = wl;
	in->acc = calloc(wl->nthreads, sizeof(*in->acc));
	in->name = calloc(wl->nthreads, sizeof(*in->name));
	if (!in->acc || !in->name)
		return pb_err_set(err, "out of memory");
	if (ops) {
		in->alloc = pb_alloc_create(ops, &plan->params, err);
		if (!in->alloc)
			return -1;
	}
	in->wr.alloc = in->alloc;
	in->wr.params = &plan->params;
	in->wr.wl = wl;
	in->wr.shared_cpus = rt->pl.shared && wl->nthreads > 1;
	in->wr.ops = plan->ops && !wl->baseline ? plan->ops : wl->default_ops;
	/*
	 * Under callgrind only instruction counts matter and they are per op: a repetition of
	 * CALLGRIND_OPS operations (after the uncounted warm-up) gives the steady-state figure
	 * at a fiftieth of the emulation time.
	 */
	if (rt->callgrind && !(plan->ops && !wl->baseline) && in->wr.ops > CALLGRIND_OPS)
		in->wr.ops = CALLGRIND_OPS;
	/* A loop workload's arrays exist before prepare(), as they always have. */
	if (!wl->work_size && inst_tracks(rt, in, plan->nbatches, err))
		return -1;
	pb_instance_name(plan, in);
	/* Dump labels stay short whatever the names: a key the parent finds in the results. */
	if (rt->callgrind)
		snprintf(in->cg_key, sizeof(in->cg_key), "r%u.i%u", rt->run_seq, rt->ninst++);
	if (wl->prepare && wl->prepare(&in->wr, err))
		return -1;
	/* Fixed work knows its size only once prepared. */
	if (wl->work_size && inst_fixed_work(rt, in, err))
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
	for (unsigned t = 0; t < PB_MAX_THREADS; t++) {
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

/* Appends @what to the warning @in's records will carry. */
static void warn(struct instance *in, const char *what)
{
	size_t len = strlen(in->warning);

	snprintf(in->warning + len, sizeof(in->warning) - len, "%s%s", len ? "; " : "", what);
}

/*
 * The warm-up repetition. While its shortest batch is shorter than plan->min_batch_ns the
 * operation count is doubled and the warm-up repeated: a batch of a few hundred cycles
 * would measure the timer, not the work (time_bench's "period too small"). Fixed work has
 * no count to grow: its warm-up is one pass.
 */
static int warm_up(struct runner *rt, const struct pb_job_context *ctx, struct instance *in,
		   double *last_s, struct pb_err *err)
{
	const struct pb_plan *plan = rt->plan;
	double min_cycles = (double)plan->min_batch_ns * ctx->tsc_hz / 1e9;
	bool fixed_work = in->wl->work_size != NULL;
	/* A count the user chose is kept as given (baselines never take --ops). */
	bool fixed = fixed_work || (plan->ops && !in->wl->baseline) || rt->callgrind;
	uint64_t shortest;

	for (unsigned tries = 0; ; tries++) {
		uint64_t t0 = pb_now_ns();

		if (run_rep(rt, in, 0, false, err))
			return -1;
		*last_s = seconds_since(t0);	/* the pass at the final count: what a repetition costs */
		/* The shortest batch of any thread, net of the time it waited for the others. */
		shortest = pb_rm_shortest(in->wr.track, in->wl->nthreads);
		if (!pb_rm_warm_grow(shortest, min_cycles, tries, in->wr.ops, fixed))
			break;
		in->wr.ops *= 2;
	}
	if (shortest != UINT64_MAX && (double)shortest < min_cycles && !rt->callgrind) {
		char w[160];

		if (fixed_work)
			snprintf(w, sizeof(w), "timed windows (%llu events) shorter than %llu ns",
				 (unsigned long long)in->wr.window, (unsigned long long)plan->min_batch_ns);
		else
			snprintf(w, sizeof(w), "timed batches shorter than %llu ns: raise --ops or lower --batches",
				 (unsigned long long)plan->min_batch_ns);
		snprintf(in->warning, sizeof(in->warning), "%s", w);
	}
	if (in->wr.shared_cpus)
		warn(in, "threads share CPUs (--allow-shared-cpus): a thread's time may include another's");
	return 0;
}

static int run_set(struct runner *rt, struct pb_job_context *ctx, struct instance *ins, unsigned n,
		   struct pb_result *out, size_t *nout, struct pb_err *err)
{
	const struct pb_plan *plan = rt->plan;
	unsigned i, rep;
	int rc;

	unsigned order[PB_MAX_ALLOCS + NBASELINES];

	for (i = 0; i < n; i++) {
		double last_s;

		if (warm_up(rt, ctx, &ins[i], &last_s, err))
			return -1;
		progress(rt, i, &ins[i], last_s);
		if (ins[i].alloc)
			pb_alloc_stats(ins[i].alloc, &ins[i].warm);
		order[i] = i;
	}
	for (rep = 0; rep < plan->reps; rep++) {
		pb_rm_shuffle(&rt->rng, order, n);	/* a fresh order every repetition */
		for (i = 0; i < n; i++) {
			uint64_t t0 = pb_now_ns();

			if (run_rep(rt, &ins[order[i]], rep, true, err))
				return -1;
			progress(rt, order[i], &ins[order[i]], seconds_since(t0));
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


/* Median cycles of one empty loop iteration, measured as the for-loop baseline measures it. */
static double loop_overhead(const struct runner *rt)
{
	enum { BATCHES = 101 };
	const struct pb_workload *wl = pb_workload_find("for-loop");
	uint64_t cyc[BATCHES], ops[BATCHES];
	struct pb_wl_run wr = { .ops = 4000000, .nbatches = BATCHES };

	wr.track[0].batch_cycles = cyc;
	wr.track[0].batch_ops = ops;
	wl->run(&wr, 0);	/* warm-up: the first pass pays for cold caches and frequency */
	wl->run(&wr, 0);
	return pb_rm_loop_overhead(cyc, ops, wr.track[0].nbatches, rt->overhead);
}

/* Numbers the runs of this process, so callgrind keys stay unique across config jobs. */
static unsigned run_seq;

/* Places the plan's threads on CPUs; a refusal names the workload it was for. */
static int place(const struct pb_plan *plan, struct pb_placement *pl, struct pb_err *err)
{
	int want[PB_MAX_THREADS];
	struct pb_err why;

	/* Memory bound with node=: threads without a CPU go to that node first (local by default). */
	int mem_node = pb_params_raw(&plan->params, "node") ?
		       (int)pb_param_u64(&plan->params, pb_mem_params, "node") : -1;
	struct pb_topo *topo;

	if (pb_plan_cpu_want(plan, want, err))
		return -1;
	topo = pb_topo_system();
	if (!topo) {
		memset(pl, 0, sizeof(*pl));
		return pb_err_set(err, "--workload %s: hwloc cannot read the CPU topology", plan->wl->name);
	}
	if (plan->wl->distinct_cpus) {	/* before the placement, whose refusal offers sharing */
		struct pb_cpuset allowed;
		unsigned n = 0;

		pb_topo_allowed(topo, &allowed);
		for (unsigned c = 0; c < PB_NUMA_MAX_CPUS; c++)
			n += pb_cpuset_has(&allowed, c);
		if (n < plan->wl->nthreads) {
			memset(pl, 0, sizeof(*pl));
			return pb_err_set(err, "--workload %s: its %u threads need a CPU each, but this process may use only %u: run it where --cpus can give %u distinct CPUs",
					  plan->wl->name, plan->wl->nthreads, n, plan->wl->nthreads);
		}
	}
	if (pb_placement_init_on(pl, topo, plan->wl->nthreads, want, plan->allow_shared_cpus, mem_node, &why))
		return pb_err_set(err, "--workload %s: %s", plan->wl->name, why.msg);
	if (pl->shared && plan->wl->distinct_cpus) {
		pb_placement_fini(pl);
		return pb_err_set(err, "--workload %s: its threads share a CPU (--allow-shared-cpus), where they measure nothing: give distinct CPUs with --cpus A,B",
				  plan->wl->name);
	}
	return 0;
}

int pb_plan_preflight(const struct pb_plan *plan, struct pb_err *err)
{
	struct pb_placement pl;
	struct pb_pmu_spec spec;

	if (pb_plan_check(plan, err))
		return -1;
	if (plan->events[0] && pb_pmu_spec_parse(strcmp(plan->events, "default") ? plan->events :
						 pb_pmu_default_events(), &spec, err))
		return -1;
	if (place(plan, &pl, err))
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
	ctx->shared_cpus = rt->pl.shared;
	for (unsigned t = 0; t < plan->wl->nthreads && t < PB_MAX_THREADS; t++) {
		struct pb_thread_place *p = &ctx->threads[t];

		snprintf(p->role, sizeof(p->role), "%s", plan->wl->tracks[t] ? plan->wl->tracks[t] : "main");
		p->cpu = (int)rt->pl.os_cpu[t];
		p->node = pb_cpu_node(p->cpu);
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

int pb_run(const struct pb_plan *asked, struct pb_job_context *ctx, struct pb_result **out,
	   size_t *n, struct pb_err *err)
{
	struct pb_plan with_null;
	/* A trace replay also runs on null: that row's cost per event is the engine's own. */
	const struct pb_plan *plan = pb_plan_with_null(asked, &with_null);
	struct runner rt = { .plan = plan };
	struct crew crew;
	struct instance ins[PB_MAX_ALLOCS + NBASELINES];
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
	if (place(plan, &rt.pl, err))
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
	if (plan->wl->nthreads > 1 && crew_start(&rt, &crew, plan->wl->nthreads, err))
		goto out_pl;
	rt.total = (plan->nallocs + (plan->wl->baseline ? 1 : 0) +
		    (plan->baselines && !plan->wl->baseline ? NBASELINES : 0)) * (plan->reps + 1);
	job_placement(plan, &rt, ctx);

	cap = (size_t)plan->nallocs * plan->wl->nthreads + NBASELINES + 1;
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
	/*
	 * The baselines are instances of the same set: each repetition's shuffled order runs
	 * them among the backends, so what they measure of the machine's speed is measured at
	 * the moments the backends ran, not after them (compare's drift is their change).
	 */
	for (nb = 0; plan->baselines && !plan->wl->baseline && nb < NBASELINES; nb++, nins++)
		if (inst_init(&rt, &ins[nins], NULL, pb_workload_find(baseline_names[nb]), err))
			goto out_ins;
	if (pb_eta_init(&rt.eta, nins, plan->reps + 1)) {
		pb_err_set(err, "out of memory");
		goto out_ins;
	}
	if (run_set(&rt, ctx, ins, nins, res, &nres, err))
		goto out_ins;
	pb_set_ratios(res, nres, plan->metric_instructions);
	pb_engine_cost(plan->wl, res, nres);
	ctx->pmu_rdpmc = rt.rdpmc;
	snprintf(ctx->metric, sizeof(ctx->metric), "%s", plan->metric_instructions ? "instructions" : "time");
	*out = res;
	*n = nres;
	rc = 0;
	goto out_pl;
out_ins:
	for (unsigned i = 0; i < nins + 1 && i < PB_MAX_ALLOCS + NBASELINES; i++) {
		struct pb_err ignore;

		inst_fini(&ins[i], &ignore);
		pb_instance_acc_free(&ins[i]);
	}
	pb_results_free(res, nres);
out_pl:
	pb_eta_free(&rt.eta);
	crew_stop(&rt);
	pb_placement_fini(&rt.pl);
	return rc;
}


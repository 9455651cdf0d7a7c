// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trace replay workloads (replay.h, replay_impl.h, docs/traces.md "Replay"): a name
 * resolved into a workload of one pinned thread per trace CPU, its prepare (a census pass
 * over the trace: each CPU's events, the buffers in flight at most), its run (a barrier, the
 * timed windows with the decoding between them, a barrier) and the report of what it saw.
 *
 * Fixed work: every repetition replays the whole trace from a fresh source (the file read
 * again, the generator run again from its seed), so each gives the same sequence of
 * allocator calls on each CPU. The runner's first repetition is its warm-up: the figures
 * are of the repetitions after it.
 */
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "replay.h"
#include "replay_impl.h"
#include "trace_audit.h"

/* The keys every replay takes, before its generator's. */
#define RP_KEYS								\
	{ "pace", PB_PARAM_ENUM, 0, 0, "flat|trace", "flat",			\
	  "flat: events as fast as they go (cost per event); trace: at the trace's own times (in flight and pinning over time)" }, \
	{ "skew", PB_PARAM_UINT, 1, 1u << 20, NULL, "256",			\
	  "trace events one CPU may run ahead of the slowest other (bounds the extra packets in flight)" }, \
	{ "handoff_batch", PB_PARAM_UINT, 1, 64, NULL, "64",			\
	  "buffers a CPU hands another in one ring publication (also at every napi_poll_end)" }, \
	{ "cap", PB_PARAM_UINT, 1, 1ull << 32, NULL, NULL,			\
	  "most pages out of the instance's page allocator (the pool's hold - release): a frame received beyond it is dropped and counted; unset: none" }, \
	{ "path", PB_PARAM_ENUM, 0, 0, "skb-6.1|skb-6.5", "skb-6.5",		\
	  "frees other than XDP_DROP/copy-break: skb-6.1 all through the pool's ring; skb-6.5 direct on the RX CPU (napi_pp_put_page), the ring elsewhere" }

static const struct pb_param_spec rp_keys[] = { RP_KEYS, { 0 } };
static const struct pb_param_spec rp_seed_key = {
	"gen_seed", PB_PARAM_UINT, 0, UINT64_MAX, NULL, "1",
	"seed of the generated trace (as pagebench trace gen --seed)"
};

/* A resolved replay: the workload the runner sees, and what it was made from. */
struct rp_def {
	struct pb_workload wl;		/* first: r->wl points here */
	struct rp_def *next;
	char name[PATH_MAX + 8];
	char path[PATH_MAX];		/* the trace file; "" for a generator */
	const struct pb_trace_gen_def *gen;
	unsigned ncpus, rx_cpu;
	uint8_t roles[PB_TRACE_MAX_CPUS];
	char track[PB_MAX_THREADS][16];
	struct pb_param_spec *spec;	/* RP_KEYS, gen_seed, the generator's; then the end */
	char desc[160];
	/* The census: a file's from its check; a generator's for the parameters in @key. */
	struct rp_census census;
	bool census_ok;
	char key[PB_MAX_PARAMS * 132 + 32];
};

static struct rp_def *defs;	/* every replay resolved so far (lives as long as the process) */

static const struct pb_trace_gen_def *gen_of(const char *name)
{
	return pb_trace_gen_find(!strncmp(name, "gen:", 4) ? name + 4 : name);
}

bool pb_replay_claims(const char *name)
{
	return !strncmp(name, "trace:", 6) || !strcmp(name, "replay") ||
	       (!strncmp(name, "gen:", 4) && gen_of(name)) ||
	       (gen_of(name) && !pb_workload_find(name));
}

bool pb_replay_is(const struct pb_workload *wl)
{
	for (const struct rp_def *d = defs; d; d = d->next)
		if (&d->wl == wl)
			return true;
	return false;
}

bool pb_replay_generated(const struct pb_workload *wl)
{
	return pb_replay_is(wl) && ((const struct rp_def *)wl)->gen;
}

/* @p's keys the generator @g takes, and the seed to run it with. */
static int gen_params(const struct pb_trace_gen_def *g, const struct pb_params *p,
		      struct pb_params *out, uint64_t *seed, struct pb_err *err)
{
	const char *s = pb_params_raw(p, "gen_seed");
	const struct pb_param_spec seed_spec[] = { rp_seed_key, { 0 } };
	uint64_t v = 1;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < p->n; i++)
		if (pb_param_find(g->params, p->kv[i].key))
			out->kv[out->n++] = p->kv[i];
	if (s && pb_param_parse(&seed_spec[0], s, &v, err))
		return -1;
	*seed = v;
	return 0;
}

int rp_source_open(const struct rp *rp, struct pb_trace_source *src, struct pb_err *err)
{
	const struct rp_def *d = rp->def;

	if (!d->gen)
		return pb_trace_source_file(src, d->path, err);
	return pb_trace_gen_open(src, d->gen->name, &rp->gen, rp->seed, err);
}

/* --- resolving a name --- */

/* A trace file read through: its header, every packet's life checked, its census. */
static int check_file(const char *path, struct pb_trace_header *hdr, struct rp_census *c,
		      struct pb_err *err)
{
	struct pb_trace_reader *rd = pb_trace_open(path, err);
	struct pb_trace_audit *a;
	struct pb_trace_event ev;
	int rc;

	if (!rd)
		return -1;
	*hdr = *pb_trace_reader_header(rd);
	memset(c, 0, sizeof(*c));
	a = malloc(sizeof(*a));
	if (!a || pb_trace_audit_init(a, hdr, err)) {
		free(a);
		pb_trace_close(rd);
		return a ? -1 : pb_err_set(err, "out of memory");
	}
	while ((rc = pb_trace_next(rd, &ev, err)) > 0) {
		int v = pb_trace_audit_event(a, &ev, pb_trace_reader_offset(rd), err);

		if (v < 0 || (v > 0 && pb_err_set(err, "%s: %s (pagebench trace check)", path, a->first)))
			break;
		c->own[ev.cpu]++;
		c->events++;
		c->packets += ev.kind == PB_TK_RX;
	}
	if (rc == 0) {
		pb_trace_audit_finish(a);
		if (a->violations)
			rc = pb_err_set(err, "%s: %s (pagebench trace check)", path, a->first);
	}
	c->nslots = (uint32_t)a->inflight_peak;
	pb_trace_audit_free(a);
	free(a);
	pb_trace_close(rd);
	return rc ? -1 : 0;
}

/* The one RX CPU of roles @roles[0..n); -1 + @err when there is none or more than one. */
static int rx_cpu_of(const uint8_t *roles, unsigned n, const char *what, struct pb_err *err)
{
	int rx = -1;

	for (unsigned c = 0; c < n; c++)
		if (roles[c] & PB_ROLE_RX) {
			if (rx >= 0)
				return pb_err_set(err, "%s: CPUs %d and %u both receive (rx): one backend instance is one RX queue's pool, so a replay takes one RX CPU (import one device: trace import --dev)",
						  what, rx, c);
			rx = (int)c;
		}
	if (rx < 0)
		return pb_err_set(err, "%s: no CPU receives (rx): nothing to replay", what);
	return rx;
}

static uint64_t rp_work(const struct pb_wl_run *r, unsigned t);
static int rp_prepare(struct pb_wl_run *r, struct pb_err *err);
static void rp_run(struct pb_wl_run *r, unsigned t);
static void rp_cleanup(struct pb_wl_run *r);
static enum pb_wl_path rp_path(const struct pb_params *p);

/* The workload of @name on CPUs @roles[0..n), made once per shape and kept. */
static struct rp_def *intern(const char *name, const char *path, const struct pb_trace_gen_def *g,
			     const uint8_t *roles, unsigned n, struct pb_err *err)
{
	size_t nkeys = sizeof(rp_keys) / sizeof(rp_keys[0]) - 1, k = 0;
	struct rp_def *d;
	char buf[32];

	for (d = defs; d; d = d->next)
		if (!strcmp(d->name, name) && d->ncpus == n && !memcmp(d->roles, roles, n))
			return d;
	if (n > PB_MAX_THREADS)
		return pb_err_set(err, "'%s': %u CPUs, more than the %d threads a workload may have",
				  name, n, PB_MAX_THREADS), NULL;
	d = calloc(1, sizeof(*d));
	if (d && g)
		for (const struct pb_param_spec *s = g->params; s->key; s++)
			k++;
	if (d)
		d->spec = calloc(nkeys + 1 + k + 1, sizeof(*d->spec));
	if (!d || !d->spec) {
		free(d);
		return pb_err_set(err, "out of memory"), NULL;
	}
	memcpy(d->spec, rp_keys, nkeys * sizeof(*d->spec));
	if (g) {
		d->spec[nkeys] = rp_seed_key;
		memcpy(d->spec + nkeys + 1, g->params, k * sizeof(*d->spec));
	}
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->path, sizeof(d->path), "%s", path);
	d->gen = g;
	d->ncpus = n;
	memcpy(d->roles, roles, n);
	for (unsigned c = 0; c < n; c++) {
		unsigned same = 0;

		pb_trace_roles_format(roles[c], buf, sizeof(buf));
		for (unsigned o = 0; o < n; o++)
			same += roles[o] == roles[c];
		/* Two CPUs of one role are told apart by their number: rx+sock0, rx+sock1. */
		snprintf(d->track[c], sizeof(d->track[c]), same > 1 ? "%.12s%u" : "%.15s", buf, c);
		d->wl.tracks[c] = n > 1 ? d->track[c] : NULL;
	}
	snprintf(d->desc, sizeof(d->desc), "replays %s %s on %u CPU%s", g ? "generator" : "trace",
		 g ? g->name : path, n, n == 1 ? "" : "s");
	d->wl.name = d->name;
	d->wl.desc = d->desc;
	d->wl.params = d->spec;
	d->wl.nthreads = n;
	d->wl.concurrent = n > 1;
	d->wl.work_size = rp_work;
	d->wl.window = RP_WINDOW;
	d->wl.null_row = true;
	d->wl.prepare = rp_prepare;
	d->wl.run = rp_run;
	d->wl.cleanup = rp_cleanup;
	d->wl.path = rp_path;
	d->next = defs;
	defs = d;
	return d;
}

const struct pb_workload *pb_replay_resolve(const char *name, const struct pb_params *p,
					    struct pb_err *err)
{
	const struct pb_trace_gen_def *g = gen_of(name);
	struct pb_trace_header *hdr;
	struct rp_census census;
	struct rp_def *d;
	struct pb_err why;
	int rx;

	if (!strcmp(name, "replay"))
		return pb_err_set(err, "'replay': name a trace (trace:FILE) or a generator (rx-drop, rx-forward, slow-socket, attacker-ooo, mixed, gen:cross-cpu)"), NULL;
	hdr = malloc(sizeof(*hdr));
	if (!hdr)
		return pb_err_set(err, "out of memory"), NULL;
	if (!strncmp(name, "trace:", 6)) {
		const char *path = name + 6;

		for (d = defs; d; d = d->next)
			if (!strcmp(d->name, name)) {
				free(hdr);
				return &d->wl;	/* checked when first named */
			}
		if (!*path) {
			free(hdr);
			return pb_err_set(err, "'%s': no file after trace:", name), NULL;
		}
		if (check_file(path, hdr, &census, &why) ||
		    (rx = rx_cpu_of(hdr->roles, hdr->ncpus, path, &why)) < 0) {
			free(hdr);
			return pb_err_set(err, "%s", why.msg), NULL;
		}
		d = intern(name, path, NULL, hdr->roles, hdr->ncpus, err);
		if (d) {
			d->census = census;
			d->census_ok = true;
		}
	} else {
		struct pb_trace_source src;
		struct pb_params gp;
		uint64_t seed;

		if (!g) {
			free(hdr);
			return pb_err_set(err, "unknown workload '%.64s' (see pagebench list)", name), NULL;
		}
		if (gen_params(g, p, &gp, &seed, &why) || pb_trace_gen_open(&src, g->name, &gp, seed, &why)) {
			free(hdr);
			return pb_err_set(err, "'%s': %s", name, why.msg), NULL;
		}
		*hdr = *src.hdr;
		pb_trace_source_close(&src);
		if ((rx = rx_cpu_of(hdr->roles, hdr->ncpus, name, err)) < 0) {
			free(hdr);
			return NULL;
		}
		d = intern(name, "", g, hdr->roles, hdr->ncpus, err);
	}
	free(hdr);
	if (!d)
		return NULL;
	d->rx_cpu = (unsigned)rx;
	return &d->wl;
}

/* --- the workload --- */

static enum pb_wl_path rp_path(const struct pb_params *p)
{
	return pb_param_u64(p, rp_keys, "path") ? PB_WL_PATH_SKB_65 : PB_WL_PATH_SKB_61;
}

static uint64_t rp_work(const struct pb_wl_run *r, unsigned t)
{
	const struct rp *rp = r->state;

	return rp->census.own[t];
}

/* A generator's census: one pass, kept for the next instance with the same parameters. */
static int gen_census(struct rp_def *d, struct rp *rp, struct pb_err *err)
{
	char key[sizeof(d->key)], pbuf[sizeof(d->key) - 32];
	struct pb_trace_source src;
	struct pb_trace_event ev;
	uint64_t live = 0;
	int rc;

	snprintf(key, sizeof(key), "%llu %s", (unsigned long long)rp->seed,
		 pb_params_format(&rp->gen, pbuf, sizeof(pbuf)));
	if (d->census_ok && !strcmp(key, d->key)) {
		rp->census = d->census;
		return 0;
	}
	memset(&rp->census, 0, sizeof(rp->census));
	if (rp_source_open(rp, &src, err))
		return -1;
	while ((rc = src.next(src.ctx, &ev, err)) > 0) {
		struct rp_census *c = &rp->census;

		c->own[ev.cpu]++;
		c->events++;
		if (ev.kind == PB_TK_RX) {
			c->packets++;
			if (++live > c->nslots)
				c->nslots = (uint32_t)live;
		} else if (pb_trace_kind_releases(ev.kind)) {
			live--;
		}
	}
	pb_trace_source_close(&src);
	if (rc)
		return -1;
	d->census = rp->census;
	d->census_ok = true;
	snprintf(d->key, sizeof(d->key), "%s", key);
	return 0;
}

static double ns_to_tsc(void)
{
	static double k;

	if (!k)
		k = pb_tsc_calibrate() / 1e9;
	return k;
}

static int rp_prepare(struct pb_wl_run *r, struct pb_err *err)
{
	struct rp_def *d = (struct rp_def *)r->wl;
	const struct pb_param_spec *s;
	struct rp *rp;

	if (!r->wl || !pb_replay_is(r->wl))
		return pb_err_set(err, "replay: name a trace (trace:FILE) or a generator (rx-drop, rx-forward, slow-socket, attacker-ooo, mixed, gen:cross-cpu)");
	s = d->spec;
	rp = aligned_alloc(PB_CACHELINE, (sizeof(*rp) + PB_CACHELINE - 1) / PB_CACHELINE * PB_CACHELINE);
	if (!rp)
		return pb_err_set(err, "replay: out of memory");
	memset(rp, 0, sizeof(*rp));
	rp->def = d;
	rp->alloc = r->alloc;
	rp->n = d->ncpus;
	rp->rx_cpu = d->rx_cpu;
	rp->paced = pb_param_u64(r->params, s, "pace") == 1;
	rp->skew = pb_param_u64(r->params, s, "skew");
	rp->batch = (unsigned)pb_param_u64(r->params, s, "handoff_batch");
	rp->cap = pb_params_raw(r->params, "cap") ? pb_param_u64(r->params, s, "cap") : 0;
	rp->skb61 = rp_path(r->params) == PB_WL_PATH_SKB_61;
	rp->shared_cpus = r->shared_cpus;
	rp->npages = r->alloc->mem.arena.npages;
	atomic_init(&rp->stop, false);
	atomic_init(&rp->bar_arrived, 0);
	atomic_init(&rp->bar_gen, 0);
	atomic_init(&rp->start_tsc, 0);
	atomic_init(&rp->start_rep, 0);
	if (d->gen) {
		if (gen_params(d->gen, r->params, &rp->gen, &rp->seed, err) || gen_census(d, rp, err))
			goto fail;
	} else {
		rp->census = d->census;
	}
	if (rp->paced) {
		rp->tsc_per_ns_q32 = (uint64_t)(ns_to_tsc() * 4294967296.0);
		rp->ns_per_tsc_q32 = (uint64_t)(4294967296.0 / ns_to_tsc());
	}
	/*
	 * Windows of RP_WINDOW events, fewer for a short trace, so that it still has about 64
	 * of them: the samples and the memory figures are taken between windows. The runner
	 * reads the window after prepare(); the workload is this replay's own.
	 */
	for (d->wl.window = RP_WINDOW;
	     d->wl.window > 256 && rp_census_most(&rp->census, rp->n) / d->wl.window < 64;)
		d->wl.window /= 2;
	if (rp_engine_alloc(rp, err))
		goto fail;
	r->state = rp;
	return 0;
fail:
	rp_free(rp);
	return -1;
}

/* Every thread of the replay meets here (never timed). */
static void barrier(struct rp *rp)
{
	unsigned gen = atomic_load(&rp->bar_gen);

	if (atomic_fetch_add(&rp->bar_arrived, 1) + 1 == rp->n) {
		atomic_store(&rp->bar_arrived, 0);
		atomic_fetch_add(&rp->bar_gen, 1);
		return;
	}
	for (unsigned spins = 0; atomic_load(&rp->bar_gen) == gen; spins++)
		if (rp->shared_cpus || spins > (1u << 18))
			sched_yield();
		else
			pb_cpu_relax();
}

/* The first failure stops every thread; its message is the run's. */
static void fail(struct rp *rp, struct pb_wl_run *r, const char *msg)
{
	if (!atomic_exchange(&rp->stop, true))
		snprintf(rp->failmsg, sizeof(rp->failmsg), "%s", msg);
	r->failed = rp->failmsg;
}

static bool rp_prep(struct pb_wl_run *r, unsigned t, uint64_t first, uint64_t n)
{
	struct rp *rp = r->state;
	struct rp_feed *f = &rp->th[t].feed;
	struct pb_err err;

	if (t == 0) {
		bool pending = f->head < f->tail;

		rp_sample_maybe(rp, pending ? f->ops[f->head].index : f->index,
				pending ? f->ops[f->head].time_ns : f->time_ns, false);
	}
	if (rp_feed_fill(f, n, first + n >= r->work[t], &err)) {
		fail(rp, r, err.msg);
		return false;
	}
	if (rp_feed_bytes(f) > rp->th[t].feed_bytes_max)
		rp->th[t].feed_bytes_max = rp_feed_bytes(f);
	return rp_flush(rp, r, t) && !atomic_load_explicit(&rp->stop, memory_order_relaxed);
}

static bool rp_body(struct pb_wl_run *r, unsigned t, uint64_t first, uint64_t n)
{
	return rp_exec(r->state, r, t, n, first + n >= r->work[t]);
}

/* pace=trace: trace time 0 is one moment for every thread, a little after they all met. */
static void paced_start(struct rp *rp, unsigned t, unsigned rep)
{
	if (t == 0) {
		atomic_store(&rp->start_tsc, pb_rdtsc() + rp_q32_mul(1000000, rp->tsc_per_ns_q32));
		atomic_store_explicit(&rp->start_rep, rep + 1, memory_order_release);
		return;
	}
	while (atomic_load_explicit(&rp->start_rep, memory_order_acquire) != rep + 1 &&
	       !atomic_load(&rp->stop))
		pb_cpu_relax();
}

static void rp_run(struct pb_wl_run *r, unsigned t)
{
	struct rp *rp = r->state;
	struct rp_thread *th = &rp->th[t];
	bool measured = th->rep > 0;
	struct pb_err err;
	bool ok;

	th->rx = th->released = th->drop_cap = th->drop_nomem = th->late_ns_max = 0;
	th->since_publish = 0;
	th->limit = rp->n > 1 ? rp->skew : UINT64_MAX;
	atomic_store(&th->progress, 0);
	ok = !rp_feed_open(&th->feed, rp, t, &err);
	if (!ok)
		fail(rp, r, err.msg);
	if (t == 0)
		rp_sample_begin(rp);
	barrier(rp);		/* everyone starts from 0 before anyone runs */
	if (rp->paced)
		paced_start(rp, t, th->rep);
	if (ok)
		pb_wl_time_windows_prep(r, t, rp_body, rp_prep);
	if (!atomic_load(&rp->stop))
		rp_flush(rp, r, t);
	atomic_store(&th->progress, UINT64_MAX);
	barrier(rp);		/* everyone is done: the memory figures are whole */
	if (t == 0)
		rp_sample_end(rp, measured && !atomic_load(&rp->stop));
	if (measured)
		rp_thread_sum_rep(th);
	rp_feed_close(&th->feed);
	th->rep++;
}

static void fig(struct pb_wl_report *rep, const char *name, enum pb_wl_fig_kind kind, bool counted,
		double v)
{
	if (rep->nfig < PB_WL_REPORT_FIGS)
		rep->fig[rep->nfig++] = (struct pb_wl_figure){ name, kind, counted, counted ? v : 0 };
}

static void report(struct rp *rp, struct pb_wl_run *r)
{
	static const char *const cols[RP_SERIES_COLS] = {
		"trace_event", "trace_ns", "pages_in_flight", "pinned_bytes", "live_bytes",
		"truesize_bytes", "live_packets",
	};
	const struct rp_sampler *s = &rp->smp;
	struct pb_wl_report *rep = &r->report;
	uint64_t rx = 0, rel = 0, cap = 0, nomem = 0, late = 0, feed = 0;
	double ns = (double)s->nsamples;
	struct rusage ru;
	bool rss_ok;

	for (unsigned t = 0; t < rp->n; t++) {
		rx += rp->th[t].sum_rx;
		rel += rp->th[t].sum_released;
		cap += rp->th[t].sum_drop_cap;
		nomem += rp->th[t].sum_drop_nomem;
		feed += rp->th[t].feed_bytes_max;
		if (rp->th[t].sum_late_ns_max > late)
			late = rp->th[t].sum_late_ns_max;
	}
	memset(rep, 0, sizeof(*rep));
	rep->packets = rx;
	fig(rep, "frames_received", PB_WL_FIG_COUNT, true, (double)rx);
	fig(rep, "frames_released", PB_WL_FIG_COUNT, true, (double)rel);
	fig(rep, "frames_dropped_cap", PB_WL_FIG_COUNT, true, (double)cap);
	fig(rep, "frames_dropped_nomem", PB_WL_FIG_COUNT, true, (double)nomem);
	fig(rep, "frames_dropped_per_packet", PB_WL_FIG_RATE, rx > 0, rx ? (double)(cap + nomem) / (double)rx : 0);
	fig(rep, "pages_in_flight_peak", PB_WL_FIG_LEVEL, ns > 0, (double)s->inflight_peak);
	fig(rep, "pages_in_flight_mean", PB_WL_FIG_LEVEL, ns > 0, ns ? (double)s->inflight_sum / ns : 0);
	fig(rep, "pinned_bytes_peak", PB_WL_FIG_LEVEL, ns > 0, (double)s->pinned_peak);
	fig(rep, "pinned_bytes_mean", PB_WL_FIG_LEVEL, ns > 0, ns ? (double)s->pinned_sum / ns : 0);
	fig(rep, "live_bytes_mean", PB_WL_FIG_LEVEL, ns > 0, ns ? (double)s->live_sum / ns : 0);
	fig(rep, "truesize_bytes_mean", PB_WL_FIG_LEVEL, ns > 0, ns ? (double)s->true_sum / ns : 0);
	fig(rep, "live_packets_peak", PB_WL_FIG_LEVEL, ns > 0, (double)s->pkts_peak);
	/* Time-averaged: bytes pinned over the bytes of the frames that pin them. */
	fig(rep, "pinned_per_live_byte", PB_WL_FIG_RATE, s->live_sum > 0,
	    s->live_sum > 0 ? (double)s->pinned_sum / (double)s->live_sum : 0);
	fig(rep, "pinned_per_truesize_byte", PB_WL_FIG_RATE, s->true_sum > 0,
	    s->true_sum > 0 ? (double)s->pinned_sum / (double)s->true_sum : 0);
	fig(rep, "engine_bytes_peak", PB_WL_FIG_LEVEL, true, (double)(rp->engine_bytes + feed));
	fig(rep, "paced_late_ns_max", PB_WL_FIG_LEVEL, rp->paced, (double)late);
	memset(&ru, 0, sizeof(ru));
	rss_ok = !getrusage(RUSAGE_SELF, &ru);
	fig(rep, "rss_peak_bytes", PB_WL_FIG_LEVEL, rss_ok, (double)ru.ru_maxrss * 1024);
	if (s->last_n) {
		rep->series = malloc(s->last_n * RP_SERIES_COLS * sizeof(double));
		if (rep->series) {
			for (unsigned i = 0; i < s->last_n * RP_SERIES_COLS; i++)
				rep->series[i] = (double)s->last_series[i];
			rep->nsamples = s->last_n;
			rep->ncols = RP_SERIES_COLS;
			for (unsigned c = 0; c < RP_SERIES_COLS; c++)
				rep->series_cols[c] = cols[c];
		}
	}
}

static void rp_cleanup(struct pb_wl_run *r)
{
	struct rp *rp = r->state;

	report(rp, r);
	rp_give_back(rp, r->alloc);
	rp_free(rp);
	r->state = NULL;
}

/* The family's entry in `pagebench list`: the names it resolves are not in the registry. */
static int rp_family_prepare(struct pb_wl_run *r, struct pb_err *err)
{
	return pb_err_set(err, "replay: name a trace (trace:FILE) or a generator (rx-drop, rx-forward, slow-socket, attacker-ooo, mixed, gen:cross-cpu)");
}

const struct pb_workload pb_wl_replay = {
	.name = "replay",
	.desc = "trace replay: --workload trace:FILE, or a generator name (rx-drop, rx-forward, slow-socket, attacker-ooo, mixed, gen:NAME) with its keys (pagebench trace gen --help); one pinned thread per trace CPU, a null row for the engine's own cost",
	.params = rp_keys,
	.nthreads = 1,
	.work_size = rp_work,
	.window = RP_WINDOW,
	.prepare = rp_family_prepare,
	.path = rp_path,
};

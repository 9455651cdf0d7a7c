// SPDX-License-Identifier: GPL-2.0-only
/*
 * Trace replay in the kernel: the module's harness around the shared replay engine, as
 * workloads/replay.c is userspace's. The engine itself (decoding each thread's ops from the
 * streamed trace, the hand-off through SPSC rings at every napi_poll_end and handoff batch,
 * the skew and wait rules, the memory sampler, the engine's memory) is compiled from
 * workloads/replay_{feed,exec,sample,core}.c unchanged; this file gives it what the runner
 * gives it in userspace:
 *  - the trace, read with workloads/trace_read.c through the firmware loader (pbk_replay_fw.c),
 *    checked whole at load so a bad one fails the load before anything is printed;
 *  - one kthread per trace CPU, bound to the i-th online CPU, with the same barriers around
 *    every repetition (one warm-up, then reps=);
 *  - timed windows: each a pbk_time_batch with BHs off (where a driver's NAPI poll runs),
 *    the window's waiting subtracted, the decoding of the next window untimed in between;
 *  - the records and the replay's figures in the PBK format (a `PBK fig` line, which
 *    `pagebench kmod parse` turns into the counters a userspace replay record carries).
 * What it does not do: pace=trace (flat out only), cap=, and generators (their heavy-tailed
 * draws are floating point): generate the trace with `pagebench trace gen` and give the file.
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "allocator.h"
#include "direct.h"
#include "pbk.h"
#include "pbk_replay.h"
#include "replay_impl.h"

#define RP_KWINDOW_MIN 256	/* the fewest events in a window, as userspace's */

static struct {
	bool on;
	char file[128];			/* the firmware name */
	char name[32];			/* the records' workload: trace_as=, else trace:FILE */
	struct pb_trace_header *hdr;
	struct rp_census census;
	unsigned rx_cpu, cpus[PB_TRACE_MAX_CPUS];
	char track[PB_TRACE_MAX_CPUS][8];
} rk;

/* What the replay of one backend shares with its threads. */
struct rk_run {
	struct rp *rp;
	struct pb_wl_run run;
	struct pbk_rec *rec[PB_TRACE_MAX_CPUS];
	u64 window[PB_TRACE_MAX_CPUS][PBK_MAX_BATCHES];	/* own events per window, per thread */
	unsigned nwin[PB_TRACE_MAX_CPUS];
	struct pb_stats warm;
	atomic_t arrived, gen, stopped;
	struct completion done[PB_TRACE_MAX_CPUS];
	unsigned t_self[PB_TRACE_MAX_CPUS];
};

/* --- the trace, at load --- */

int rp_source_open(const struct rp *rp, struct pb_trace_source *src, struct pb_err *err)
{
	return pb_trace_source_file(src, rk.file, err);
}

/* The census pass's source: the file's events, each checked against its CPU's roles. */
struct census_src {
	struct pb_trace_source in;
	struct rp_census *c;
	uint64_t index;
};

static int census_next(void *ctx, struct pb_trace_event *ev, struct pb_err *err)
{
	struct census_src *cs = ctx;
	int rc = cs->in.next(cs->in.ctx, ev, err);

	if (rc <= 0)
		return rc;
	if (!(rk.hdr->roles[ev->cpu] & pb_trace_kind_role(ev->kind)))
		return pb_err_set(err, "%s: event %llu: %s on cpu %u, which lacks the role (pagebench trace check)",
				  rk.file, (unsigned long long)cs->index, pb_trace_kind_name(ev->kind), ev->cpu);
	cs->c->own[ev->cpu]++;
	cs->c->events++;
	cs->c->packets += ev->kind == PB_TK_RX;
	cs->index++;
	return 1;
}

static void census_close(void *ctx)
{
	struct census_src *cs = ctx;

	pb_trace_source_close(&cs->in);
}

/*
 * One pass of the engine's own decoder over the whole trace, for no CPU (it makes no ops):
 * its bookkeeping refuses a packet received twice, used when not in flight, or received on
 * another CPU than the RX one; the slots it needed are the packets in flight at most.
 */
static int census(struct pb_err *err)
{
	struct rp *rp = kzalloc(sizeof(*rp), GFP_KERNEL);
	struct census_src *cs = kzalloc(sizeof(*cs), GFP_KERNEL);
	struct rp_feed *f = kzalloc(sizeof(*f), GFP_KERNEL);
	int ret = -1;

	if (!rp || !cs || !f) {
		pb_err_set(err, "%s: out of memory", rk.file);
		goto out;
	}
	rp->n = rk.hdr->ncpus;
	rp->rx_cpu = rk.rx_cpu;
	if (rp_feed_open(f, rp, PB_TRACE_MAX_CPUS, err))
		goto out;
	cs->in = f->src;
	cs->c = &rk.census;
	f->src.next = census_next;
	f->src.close = census_close;
	f->src.ctx = cs;
	if (rp_feed_fill(f, 0, true, err))
		goto close;
	rk.census.nslots = f->nslots;
	if (f->live.n) {
		pb_err_set(err, "%s: %zu packets are never released (pagebench trace check)", rk.file, f->live.n);
		goto close;
	}
	if (!rk.census.packets) {
		pb_err_set(err, "%s: no packet is received: nothing to replay", rk.file);
		goto close;
	}
	ret = 0;
close:
	rp_feed_close(f);
out:
	kfree(f);
	kfree(cs);
	kfree(rp);
	return ret;
}

int pbk_replay_setup(void)
{
	struct pb_trace_source src;
	struct pb_err err = { "" };
	unsigned c, cpu;
	int rx = -1;

	if (!(pbk_cfg.modes & PBK_MODE_REPLAY)) {
		if (pbk_param_trace()[0])
			pr_err(PBK_NAME ": trace=%s: given without mode=replay\n", pbk_param_trace());
		return pbk_param_trace()[0] ? -EINVAL : 0;
	}
	if (!pbk_param_trace()[0] || strscpy(rk.file, pbk_param_trace(), sizeof(rk.file)) < 0) {
		pr_err(PBK_NAME ": trace=: mode=replay needs a firmware file name of at most %zu bytes\n",
		       sizeof(rk.file) - 1);
		return -EINVAL;
	}
	if (pbk_param_trace_as()[0])
		c = strscpy(rk.name, pbk_param_trace_as(), sizeof(rk.name));
	else
		c = snprintf(rk.name, sizeof(rk.name), "trace:%s", rk.file);
	if ((int)c < 0 || c >= sizeof(rk.name)) {
		pr_err(PBK_NAME ": trace_as=: the records' workload name must be at most %zu bytes (give a shorter trace_as=)\n",
		       sizeof(rk.name) - 1);
		return -EINVAL;
	}
	if (pbk_replay_fw_init()) {
		pr_err(PBK_NAME ": trace=%s: cannot register the firmware loader's device\n", rk.file);
		return -EINVAL;
	}
	rk.hdr = kzalloc(sizeof(*rk.hdr), GFP_KERNEL);
	if (!rk.hdr)
		goto nomem;
	if (pb_trace_source_file(&src, rk.file, &err))
		goto bad;
	*rk.hdr = *src.hdr;
	pb_trace_source_close(&src);
	for (c = 0; c < rk.hdr->ncpus; c++)
		if (rk.hdr->roles[c] & PB_ROLE_RX) {
			if (rx >= 0) {
				pb_err_set(&err, "%s: CPUs %d and %u both receive (rx): a replay takes one RX CPU (trace import --dev)",
					   rk.file, rx, c);
				goto bad;
			}
			rx = c;
		}
	if (rx < 0) {
		pb_err_set(&err, "%s: no CPU receives (rx): nothing to replay", rk.file);
		goto bad;
	}
	rk.rx_cpu = rx;
	/* A thread per trace CPU, each on a CPU of its own: the windows spin with BHs off. */
	if (rk.hdr->ncpus > num_online_cpus()) {
		pb_err_set(&err, "%s: the trace has %u CPUs, this machine %u online: the module runs each on its own CPU",
			   rk.file, rk.hdr->ncpus, num_online_cpus());
		goto bad;
	}
	c = 0;
	for_each_online_cpu(cpu) {
		if (c == rk.hdr->ncpus)
			break;
		rk.cpus[c++] = cpu;
	}
	for (c = 0; c < rk.hdr->ncpus; c++) {
		char buf[32];
		unsigned same = 0;

		pb_trace_roles_format(rk.hdr->roles[c], buf, sizeof(buf));
		for (unsigned o = 0; o < rk.hdr->ncpus; o++)
			same += rk.hdr->roles[o] == rk.hdr->roles[c];
		/* userspace's track names (replay.c intern), in the record's 8 bytes */
		if (rk.hdr->ncpus > 1)
			snprintf(rk.track[c], sizeof(rk.track[c]), same > 1 ? "%.5s%u" : "%.7s", buf, c);
	}
	if (census(&err))
		goto bad;
	rk.on = true;
	return 0;
nomem:
	pb_err_set(&err, "%s: out of memory", rk.file);
bad:
	pr_err(PBK_NAME ": trace: %s\n", err.msg);
	kfree(rk.hdr);
	rk.hdr = NULL;
	pbk_replay_fw_exit();
	return -EINVAL;
}

void pbk_replay_exit(void)
{
	kfree(rk.hdr);
	rk.hdr = NULL;
	pbk_replay_fw_exit();
}

/* --- one backend's replay --- */

static void rk_fail(struct rk_run *k, const char *msg)
{
	if (atomic_cmpxchg(&k->stopped, 0, 1) == 0)
		strscpy(k->rp->failmsg, msg, sizeof(k->rp->failmsg));
	atomic_store(&k->rp->stop, true);
	k->run.failed = k->rp->failmsg;
}

/* Every thread of the replay meets here, untimed (each reaches both of every repetition's). */
static void rk_barrier(struct rk_run *k)
{
	int gen = atomic_read(&k->gen);

	if (atomic_inc_return(&k->arrived) == (int)k->rp->n) {
		atomic_set(&k->arrived, 0);
		atomic_inc(&k->gen);
		return;
	}
	while (atomic_read(&k->gen) == gen)
		cond_resched();
}

struct rk_win {
	struct rk_run *k;
	unsigned t;
	bool last;
};

static bool win_body(void *arg, u64 n)
{
	struct rk_win *w = arg;

	return rp_exec(w->k->rp, &w->k->run, w->t, n, w->last);
}

/* userspace's rp_prep: a sample (thread 0), the window's ops decoded, the hand-offs pushed. */
static bool win_prep(struct rk_run *k, unsigned t, u64 n, bool last)
{
	struct rp *rp = k->rp;
	struct rp_feed *f = &rp->th[t].feed;
	struct pb_err err = { "" };

	if (t == 0) {
		bool pending = f->head < f->tail;

		rp_sample_maybe(rp, pending ? f->ops[f->head].index : f->index,
				pending ? f->ops[f->head].time_ns : f->time_ns, false);
	}
	if (rp_feed_fill(f, n, last, &err)) {
		rk_fail(k, err.msg);
		return false;
	}
	if (rp_feed_bytes(f) > rp->th[t].feed_bytes_max)
		rp->th[t].feed_bytes_max = rp_feed_bytes(f);
	return rp_flush(rp, &k->run, t) && !atomic_load(&rp->stop);
}

/* One repetition of thread @t (0: the warm-up): userspace's rp_run with the module's timer. */
static void rk_rep(struct rk_run *k, unsigned t, unsigned rep)
{
	struct rp *rp = k->rp;
	struct rp_thread *th = &rp->th[t];
	struct pbk_rec *rec = k->rec[t];
	struct pb_wl_track *tr = &k->run.track[t];
	struct pb_err err = { "" };
	struct rk_win w = { .k = k, .t = t };
	bool ok, measured = rep > 0;
	u64 atomics = 0;

	th->rx = th->released = th->drop_cap = th->drop_nomem = th->late_ns_max = 0;
	th->since_publish = 0;
	th->limit = rp->n > 1 ? rp->skew : UINT64_MAX;
	atomic_store(&th->progress, 0);
	ok = !rp_feed_open(&th->feed, rp, t, &err);
	if (!ok)
		rk_fail(k, err.msg);
	if (t == 0)
		rp_sample_begin(rp);
	rk_barrier(k);
	for (unsigned i = 0; ok && i < k->nwin[t]; i++) {
		u64 a, cycles;

		w.last = i + 1 == k->nwin[t];
		if (!win_prep(k, t, k->window[t][i], w.last))
			break;
		tr->wait = 0;
		local_bh_disable();
		cycles = pbk_time_batch(win_body, &w, k->window[t][i], &a, &ok);
		local_bh_enable();
		if (!ok)
			break;
		atomics += a;
		if (measured)
			rec->cycles[(rep - 1) * rec->nb + i] = cycles > tr->wait ? cycles - tr->wait : 0;
		cond_resched();
	}
	if (!atomic_load(&rp->stop))
		rp_flush(rp, &k->run, t);
	atomic_store(&th->progress, UINT64_MAX);
	rk_barrier(k);
	if (t == 0)
		rp_sample_end(rp, measured && !atomic_load(&rp->stop));
	if (measured) {
		rp_thread_sum_rep(th);	/* late_ns_max stays 0: the kernel replay is not paced */
		rec->atomics += atomics;
	}
	rp_feed_close(&th->feed);
	if (t == 0 && rep == 0)
		pb_alloc_stats(k->run.alloc, &k->warm);	/* the others wait at the next barrier */
}

static int rk_thread(void *arg)
{
	unsigned *self = arg;
	struct rk_run *k = container_of(self - *self, struct rk_run, t_self[0]);
	unsigned t = *self;

	for (unsigned rep = 0; rep <= pbk_cfg.reps; rep++)
		rk_rep(k, t, rep);
	complete(&k->done[t]);
	return 0;
}

/* An integer @num / @den with 6 decimals, or "-" when @den is 0. */
static void frac(char *buf, size_t len, u64 num, u64 den)
{
	u64 q;

	if (!den) {
		strscpy(buf, "-", len);
		return;
	}
	q = div64_u64(num * 1000000ull, den);
	snprintf(buf, len, "%llu.%06llu", q / 1000000, q % 1000000);
}

/* The replay's figures, userspace's report() (replay.c) in integers, as a `PBK fig` line. */
static void emit_figures(struct rk_run *k, struct pbk_rec *rec, bool pa_calls)
{
	struct rp *rp = k->rp;
	const struct rp_sampler *s = &rp->smp;
	u64 rx = 0, rel = 0, cap = 0, nomem = 0, feed = 0, ns = s->nsamples;
	s64 live_end = 0;
	char m[6][32];

	for (unsigned t = 0; t < rp->n; t++) {
		rx += rp->th[t].sum_rx;
		rel += rp->th[t].sum_released;
		cap += rp->th[t].sum_drop_cap;
		nomem += rp->th[t].sum_drop_nomem;
		feed += rp->th[t].feed_bytes_max;
		live_end += rp->th[t].live.packets;
	}
	frac(m[0], sizeof(m[0]), s->inflight_sum, ns);
	frac(m[1], sizeof(m[1]), s->pinned_sum, ns);
	frac(m[2], sizeof(m[2]), s->live_sum, ns);
	frac(m[3], sizeof(m[3]), s->true_sum, ns);
	frac(m[4], sizeof(m[4]), s->pinned_sum, s->live_sum);
	frac(m[5], sizeof(m[5]), s->pinned_sum, s->true_sum);
	pbk_out("fig id=%u packets=%llu pa_calls_counted=%d frames_received=%llu frames_released=%llu frames_dropped_cap=%llu frames_dropped_nomem=%llu pages_in_flight_peak=%lld pages_in_flight_mean=%s pinned_bytes_peak=%lld pinned_bytes_mean=%s live_bytes_mean=%s truesize_bytes_mean=%s live_packets_peak=%lld pinned_per_live_byte=%s pinned_per_truesize_byte=%s engine_bytes_peak=%llu paced_late_ns_max=- rss_peak_bytes=- live_packets_end=%lld",
		rec->id, rx, pa_calls, rx, rel, cap, nomem, s->inflight_peak, m[0], s->pinned_peak, m[1],
		m[2], m[3], s->pkts_peak, m[4], m[5], (u64)rp->engine_bytes + feed, live_end);
}

/* The replay's windows for each thread: its own events in at most PBK_MAX_BATCHES parts. */
static void plan_windows(struct rk_run *k)
{
	u64 most = rp_census_most(&rk.census, rk.hdr->ncpus);
	u64 nwin = clamp_t(u64, most / RP_KWINDOW_MIN, 1, PBK_MAX_BATCHES);

	for (unsigned t = 0; t < rk.hdr->ncpus; t++) {
		u64 own = rk.census.own[t], n = min_t(u64, nwin, own ? own : 1);

		k->nwin[t] = (unsigned)n;
		for (unsigned i = 0; i < n; i++)
			k->window[t][i] = div64_u64(own, n) + (i < own % n);
	}
}

static void replay_one(const struct pb_alloc_ops *ops, bool kernel)
{
	enum pb_wl_path path = pbk_cfg.paths == PBK_PATH_SKB_61 ? PB_WL_PATH_SKB_61 : PB_WL_PATH_SKB_65;
	struct rk_run *k = kvzalloc(sizeof(*k), GFP_KERNEL);
	struct pb_params *p = kzalloc(sizeof(*p), GFP_KERNEL);
	struct pb_err err = { "" };
	struct pb_alloc *a = NULL;
	struct task_struct *task[PB_TRACE_MAX_CPUS] = { NULL };
	char params[40], kv[48];
	unsigned n = rk.hdr->ncpus, t;
	long free0 = pbk_free_pages();
	u64 leaked = 0, out;
	struct rp *rp;

	if (!k || !p) {
		pbk_error("%s/%s: out of memory", rk.name, ops->name);
		goto out;
	}
	snprintf(params, sizeof(params), "path=%s",
		 pb_wl_path_label(path, kernel ? PB_PATH_DIRECT : pb_alloc_path_kind(ops)));
	for (t = 0; t < n; t++) {
		k->rec[t] = pbk_rec_new(rk.name, ops->name, kernel ? "kernel" : "model", params, rk.track[t], 1);
		if (!k->rec[t]) {
			pbk_error("%s/%s: out of memory", rk.name, ops->name);
			goto out;
		}
	}
	/* The same memory keys as the shared workloads' instances (pbk_shared.c wl_params). */
	snprintf(kv, sizeof(kv), "mem=%uM", pbk_cfg.mem_mb);
	if (pb_params_add(p, kv, &err))
		goto fail;
	snprintf(kv, sizeof(kv), "ring=%u", pbk_cfg.pool_size);
	if (pb_params_add(p, kv, &err))
		goto fail;
	snprintf(kv, sizeof(kv), "path=%s", path == PB_WL_PATH_SKB_61 ? "skb-6.1" : "skb-6.5");
	if (ops->params && pb_param_find(ops->params, "path") && pb_params_add(p, kv, &err))
		goto fail;
	a = pb_alloc_create(ops, p, &err);
	if (!a)
		goto fail;
	rp = kvzalloc(sizeof(*rp), GFP_KERNEL);
	if (!rp) {
		pb_err_set(&err, "out of memory");
		goto fail;
	}
	k->rp = rp;
	rp->alloc = a;
	rp->n = n;
	rp->rx_cpu = rk.rx_cpu;
	rp->skew = 256;		/* userspace's defaults: skew=256, handoff_batch=64, no cap */
	rp->batch = 64;
	rp->skb61 = path == PB_WL_PATH_SKB_61;
	rp->census = rk.census;
	rp->npages = a->mem.arena.npages;
	rp->pages_out = kernel ? pbk_replay_page_pool_pages_out : NULL;
	if (rp_engine_alloc(rp, &err))
		goto fail;
	k->run.alloc = a;
	plan_windows(k);
	for (t = 0; t < n; t++) {
		struct pbk_rec *r = k->rec[t];

		kvfree(r->cycles);
		r->nb = k->nwin[t];
		r->unit_ops = 1;
		for (unsigned i = 0; i < r->nb; i++)
			r->units[i] = k->window[t][i];
		r->cycles = kvcalloc((size_t)r->reps * r->nb, sizeof(*r->cycles), GFP_KERNEL);
		if (!r->cycles) {
			pb_err_set(&err, "out of memory");
			goto fail;
		}
		r->context = "task-bh";
		r->cpu = rk.cpus[t];
		r->atomics_counted = !kernel;	/* the kernel's own code is not instrumented */
		k->run.work[t] = rk.census.own[t];
		k->t_self[t] = t;
		init_completion(&k->done[t]);
	}
	for (t = 0; t < n; t++) {
		task[t] = kthread_create(rk_thread, &k->t_self[t], "pagebench/rp%u", t);
		if (IS_ERR(task[t])) {
			pb_err_set(&err, "cannot create replay kthread %u", t);
			task[t] = NULL;
			atomic_store(&rp->stop, true);
			break;
		}
		kthread_bind(task[t], rk.cpus[t]);
	}
	if (t < n) {
		/* Nothing ran: the made threads start and fall through the stopped barriers. */
		while (t--)
			kthread_stop(task[t]);
		goto fail;
	}
	for (t = 0; t < n; t++)
		wake_up_process(task[t]);
	for (t = 0; t < n; t++)
		while (!wait_for_completion_timeout(&k->done[t], 5 * HZ))
			;
	/* The figures before give-back; the stats over the measured repetitions. */
	{
		struct pb_stats now;
		const struct pb_stats_field *f;

		pb_alloc_stats(a, &now);
		for (f = pb_stats_fields; f->name; f++)
			*(u64 *)((char *)&k->rec[0]->stats + f->offset) =
				pb_stats_get(&now, f) - pb_stats_get(&k->warm, f);
		k->rec[0]->stats.in_flight = now.in_flight;
		for (t = 0; t < n; t++)
			k->rec[t]->has_stats = true;
	}
	if (k->run.failed)
		for (t = 0; t < n; t++)
			k->rec[t]->failed = k->run.failed;
	rp_give_back(rp, a);
	out = pb_alloc_destroy(a, &leaked);
	a = NULL;
	if (out)
		pbk_error("%s/%s: %llu pages still lent out at destroy", rk.name, ops->name, out);
	for (t = 0; t < n; t++) {
		k->rec[t]->leaked = leaked;
		k->rec[t]->free_delta = pbk_free_settle(free0, 2000);
		k->rec[t]->has_free_delta = true;
		pbk_rec_emit(k->rec[t]);
	}
	if (!k->rec[0]->failed)
		emit_figures(k, k->rec[0], !kernel);
	goto out;
fail:
	pbk_error("%s/%s: %s", rk.name, ops->name, err.msg);
out:
	if (a) {
		if (k && k->rp)
			rp_give_back(k->rp, a);
		pb_alloc_destroy(a, &leaked);
	}
	if (k) {
		rp_free(k->rp);
		for (t = 0; t < n; t++)
			pbk_rec_free(k->rec[t]);
	}
	kvfree(k);
	kfree(p);
}

void pbk_replay_run(void)
{
	const struct pb_alloc_ops *null = pb_alloc_find("null");

	if (!rk.on)
		return;
	pbk_out("ctx replay_trace=%s replay_events=%llu replay_packets=%llu replay_cpus=%u replay_slots=%u",
		rk.file, (unsigned long long)rk.census.events, (unsigned long long)rk.census.packets,
		rk.hdr->ncpus, rk.census.nslots);
	if (pbk_want_backend("k_page_pool"))
		replay_one(&pbk_replay_page_pool_ops, true);
	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o; o++) {
		if ((*o)->absent || *o == null || !pbk_want_backend((*o)->name))
			continue;
		if ((*o)->one_context && rk.hdr->ncpus > 1)
			continue;	/* as userspace's plan refuses a concurrent workload on it */
		replay_one(*o, false);
	}
	/* The engine's own cost per event, beside every replay, as userspace's null row. */
	if (null)
		replay_one(null, false);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The replay engine's parts, shared by its files only (docs/traces.md, "Replay"):
 *   replay.c         the workload: resolving a trace or generator name, prepare, run, report
 *   replay_feed.c    one thread's decoder: the whole event stream in, this CPU's ops out
 *   replay_exec.c    one thread's timed loop over its ops: allocator calls, hand-off, waits
 *   replay_sample.c  the memory figures: pages in flight, bytes pinned, the series
 *   replay_core.c    the engine's memory: rings, threads and buffer slots; giving back
 *
 * replay_feed.c, replay_exec.c, replay_sample.c and replay_core.c are also the kernel
 * module's replay engine (kmod/pbk_replay.c is its harness there, as replay.c is here), so
 * they use integers only: no floating point in the kernel.
 *
 * Each trace CPU is one pinned thread. Every thread decodes the whole trace itself (between
 * timed windows, untimed) and keeps only its own CPU's work, so no thread ever waits for a
 * decoder and the trace never sits in memory: memory is O(packets in flight + a window).
 * All threads number packets' buffers the same way (a slot per packet in flight, reused
 * LIFO), so a buffer that changes CPU is pushed into the SPSC ring of that pair of CPUs by
 * the CPU holding it at the index of the event on the other CPU, and popped there in the
 * same order; pushes are published in batches (every napi_poll_end and every `batch`).
 */
#ifndef PB_REPLAY_IMPL_H
#define PB_REPLAY_IMPL_H

#include <stdatomic.h>
#include "spsc_ring.h"
#include "trace_format.h"
#include "trace_gen.h"
#include "trace_pktmap.h"
#include "workload.h"

#define RP_WINDOW 4096		/* events per timed window: ~40 us at the engine's own cost */
#define RP_PUBLISH 32		/* a thread publishes its progress every this many ops */
#define RP_SERIES_MAX 256	/* samples kept per series (thinned by half when full) */
#define RP_SERIES_COLS 7	/* event, trace_ns, pages, pinned, live, truesize, packets */

/* What one op of a thread's stream does. */
enum rp_kind {
	RP_RX,		/* allocate the buffer of a received frame into its slot */
	RP_FREE,	/* release the frame's buffer (free_buf, direct or not) */
	RP_SEND,	/* hand the slot's buffer to thread @peer (not an event of this CPU) */
	RP_EV,		/* an event that holds on (redirect, sock_enqueue): no allocator call */
	RP_POLL,	/* napi_poll_end: publish the hand-off batches */
};

#define RP_F_RECV 1	/* the buffer first arrives from @peer's ring */
#define RP_F_DIRECT 2	/* free(direct): the owning RX context */
#define RP_F_EVENT 4	/* one of this CPU's trace events (a SEND is not) */

struct rp_op {
	uint64_t index;		/* trace event index (a SEND: the other CPU's event) */
	uint64_t time_ns;	/* trace time of that event */
	uint32_t slot;
	uint32_t len;		/* frame bytes */
	uint8_t kind, peer, flags;
};

/* What a pass over a whole trace found: the work of each CPU and the buffers it needs. */
struct rp_census {
	uint64_t own[PB_TRACE_MAX_CPUS];	/* events on each CPU */
	uint64_t events, packets;
	uint32_t nslots;			/* most packets in flight at once */
};

/* One thread's decoder (replay_feed.c). */
struct rp_feed {
	struct pb_trace_source src;
	bool open, done;
	unsigned self, ncpus, rx_cpu;
	bool skb61;			/* path=skb-6.1: no skb free is direct */
	struct pb_pktmap live;
	uint32_t *spare;		/* free slots, LIFO */
	uint32_t nspare, capspare, nslots;
	uint64_t index;			/* events read */
	uint64_t time_ns;		/* the time of the last event read */
	struct rp_op *ops;		/* pending ops [head, tail) */
	size_t head, tail, cap;
	uint64_t pending_events;	/* ops in [head, tail) flagged RP_F_EVENT */
};

/* Memory of one thread, read (relaxed) by the sampler while the thread runs. */
struct rp_live {
	int64_t bytes, truesize, packets;
} pb_cacheline_aligned;

struct rp_thread {
	/* The loop's own state: touched by this thread only. */
	struct rp_feed feed;
	struct pb_buf *buf;		/* [nslots] the buffers this CPU holds, by slot */
	int32_t *pdelta;		/* [arena pages] live buffers taken (+) and given back (-) here */
	size_t npages;			/* of the arena: pdelta's length */
	uint64_t limit;			/* ops up to this index go without a look at the others */
	unsigned since_publish;
	unsigned rep;			/* run() calls so far: 0 is the runner's warm-up */
	uint64_t rx, released, drop_cap, drop_nomem, late_ns_max;
	struct {
		struct pb_buf b[64];
		unsigned n;
	} *out;				/* [n] the hand-off batch to each thread */
	uint64_t sum_rx, sum_released, sum_drop_cap, sum_drop_nomem, sum_late_ns_max;
	size_t feed_bytes_max;		/* the most its decoder held */
	struct rp_live live;		/* read by the sampler */
	/* Read by the others: where this thread is in the trace. */
	_Atomic uint64_t progress pb_cacheline_aligned;	/* index of its next op; UINT64_MAX: done */
};

/*
 * Memory samples and their accumulation over the measured repetitions (replay_sample.c), in
 * integers (pages, bytes), so the kernel's engine keeps them too.
 */
struct rp_sampler {
	int64_t series[RP_SERIES_MAX * RP_SERIES_COLS];
	unsigned n, stride, tick;	/* samples kept, windows per sample, windows since one */
	int64_t rep_peak_inflight, rep_peak_pinned, rep_peak_pkts;	/* this repetition's */
	/* over the measured repetitions */
	uint64_t nsamples;
	int64_t inflight_sum, inflight_peak, pinned_sum, pinned_peak, live_sum, true_sum, pkts_peak;
	int64_t last_series[RP_SERIES_MAX * RP_SERIES_COLS];	/* the last repetition's */
	unsigned last_n;
};

struct rp_def;

/* The shared state of one instance's replay. */
struct rp {
	const struct rp_def *def;
	struct pb_alloc *alloc;
	unsigned n;			/* threads: the trace's CPUs */
	unsigned rx_cpu;
	bool paced, skb61, shared_cpus;
	uint64_t skew, cap;
	unsigned batch;
	uint64_t seed;
	struct pb_params gen;		/* the generator's parameters (a generator source) */
	struct rp_census census;
	struct pb_spsc_ring *ring;	/* [n * n]: ring[from * n + to] */
	struct pb_buf *ring_slots;
	uint32_t ring_size;
	struct rp_thread *th;		/* [n] */
	struct rp_sampler smp;
	/* pace=trace, in 32.32 fixed point: TSC cycles per trace ns, and ns per cycle. */
	uint64_t tsc_per_ns_q32, ns_per_tsc_q32;
	/* Pages @a holds out of its page allocator; NULL: its zone's counters (rp_pages_out). */
	int64_t (*pages_out)(struct pb_alloc *a);
	size_t npages;
	uint64_t engine_bytes;		/* what the engine itself allocated, at most */
	_Atomic bool stop;		/* a thread failed: the others stop waiting */
	char failmsg[PB_ERR_LEN];	/* the first failure's message (r->failed) */
	_Atomic unsigned bar_arrived, bar_gen;
	_Atomic uint64_t start_tsc;	/* paced: when trace time 0 is, this repetition */
	_Atomic unsigned start_rep;
};

/* @v times the 32.32 fixed-point @q (a 128-bit product: no overflow, no floating point). */
static inline uint64_t rp_q32_mul(uint64_t v, uint64_t q)
{
	return (uint64_t)(((unsigned __int128)v * q) >> 32);
}

/* Opens @f for thread @self of @rp on a fresh source; -1 + @err. */
int rp_feed_open(struct rp_feed *f, const struct rp *rp, unsigned self, struct pb_err *err);
/*
 * Decodes until at least @events of this CPU's events are pending, or (@all) to the end of
 * the trace; -1 + @err on a bad trace or out of memory.
 */
int rp_feed_fill(struct rp_feed *f, uint64_t events, bool all, struct pb_err *err);
/* Closes @f's source and frees its memory (a closed or zeroed feed is fine). */
void rp_feed_close(struct rp_feed *f);
/* Bytes @f holds (ops, slots, packet map): what streaming costs. */
size_t rp_feed_bytes(const struct rp_feed *f);
/* Opens the event source of @rp (a file or a generator) into @src; -1 + @err. */
int rp_source_open(const struct rp *rp, struct pb_trace_source *src, struct pb_err *err);

/* Does @n of thread @t's events from its feed (all that is left when @last); false: stopped. */
bool rp_exec(struct rp *rp, struct pb_wl_run *r, unsigned t, uint64_t n, bool last);
/* Publishes thread @t's progress and pushes its pending hand-offs (waiting for room). */
bool rp_flush(struct rp *rp, struct pb_wl_run *r, unsigned t);

/* Clears the sampler for a new repetition. */
void rp_sample_begin(struct rp *rp);
/* Thread 0, untimed, before a window: takes a sample when one is due (@force: now). */
void rp_sample_maybe(struct rp *rp, uint64_t index, uint64_t time_ns, bool force);
/* Ends a repetition's sampling: a measured one (@measured) adds to the run's figures. */
void rp_sample_end(struct rp *rp, bool measured);
/* Pages the instance holds out of its page allocator now (rp->pages_out, or its zone's counters). */
int64_t rp_pages_out(const struct rp *rp);

/*
 * Allocates @rp's engine for its n threads, census and skew: the rings between every pair
 * of threads, the threads and their buffer slots; sets ring_size and engine_bytes. -1 +
 * @err out of memory (what was allocated stays for rp_free).
 */
int rp_engine_alloc(struct rp *rp, struct pb_err *err);
/* Frees every buffer a stopped repetition left anywhere (slots, batches, rings) into @a. */
void rp_give_back(struct rp *rp, struct pb_alloc *a);
/* Adds thread @th's counts of the repetition just ended to its run totals (sum_*). */
void rp_thread_sum_rep(struct rp_thread *th);
/* Frees @rp, its engine and its threads' feeds (NULL is fine). */
void rp_free(struct rp *rp);
/* The most own events any thread of @c's @n has: what sizes the windows. */
uint64_t rp_census_most(const struct rp_census *c, unsigned n);

#endif

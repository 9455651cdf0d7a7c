/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pagebench_kmod internals: what the module's files share. The module measures the kernel's
 * real page allocators (alloc_pages, alloc_pages_bulk_array, page_frag, page_pool, ptr_ring)
 * and the project's own backends (built from allocators/), and prints every figure as a
 * tagged "PBK ..." line that `pagebench kmod parse` turns into the results JSON.
 */
#ifndef PBK_H
#define PBK_H

#include <linux/compiler.h>
#include <linux/types.h>
#include "kmod_param.h"
#include "stats.h"

struct pb_workload;

#define PBK_NAME "pagebench_kmod"
#define PBK_FORMAT 1			/* version of the PBK line format (docs/kmod.md) */
#define PBK_MAX_BATCHES 50		/* a rep line must fit one printk record */
#define PBK_MAX_BATCH_OPS PB_KPARAM_MAX_BATCH_OPS	/* operations in one timed batch (one softirq) */
#define PBK_MAX_LIST PB_KPARAM_MAX_LIST	/* entries of a list parameter (bulk=, orders=) */
#define PBK_FREE_TOLERANCE 256		/* pages of unrelated kernel churn a free-page check forgives */

enum pbk_mode {
	PBK_MODE_BENCH = 1 << 0,	/* the loop workloads */
	PBK_MODE_INFLIGHT = 1 << 1,	/* destroy a page_pool holding pages, return them at unload */
	PBK_MODE_NUMA = 1 << 2,		/* node placement of alloc_pages_node, page_pool nid, update_nid */
	PBK_MODE_REPLAY = 1 << 3,	/* replay trace= (pbk_replay.c) */
};

/*
 * path=: the return paths of alloc-free, bit i the i-th word of the parameter, which is
 * also allocator.h's enum pb_traffic_path (pbk_kernel.c asserts it).
 */
enum pbk_path {
	PBK_PATH_XDP = 1 << 0,		/* page_pool_recycle_direct: the owning NAPI's cache */
	PBK_PATH_SKB_61 = 1 << 1,	/* page_pool_put_full_page(pool, page, false): the ring */
	PBK_PATH_SKB_65 = 1 << 2,	/* napi_pp_put_page in the owning NAPI (6.5+) */
};
#define PBK_NPATHS 3

/* fault=: misbehave on purpose, so the tests can see the runner catch it. */
enum pbk_fault { PBK_FAULT_NONE, PBK_FAULT_WARN, PBK_FAULT_BUG };

/* The validated module parameters. */
struct pbk_cfg {
	u64 loops;			/* operations per repetition per record */
	unsigned reps;			/* measured repetitions (one warm-up more) */
	unsigned batches;		/* timed batches per repetition */
	unsigned cpu;			/* CPU the single-CPU workloads run on */
	int cpu2;			/* freeing CPU of cross-cpu; -1: none */
	int node;			/* NUMA node to allocate from; NUMA_NO_NODE: local */
	unsigned outstanding;		/* n of the outstanding workload */
	unsigned bulk[PBK_MAX_LIST];	/* bulk sizes */
	unsigned nbulk;
	unsigned orders[PBK_MAX_LIST];	/* alloc_pages orders of alloc-free */
	unsigned norders;
	unsigned pool_size;		/* page_pool / ptr_ring / ptr_ring_pool ring entries */
	unsigned frag_size;		/* page_frag_alloc fragment bytes */
	unsigned handoff;		/* cross-cpu ring entries (power of two) */
	unsigned touch;			/* bytes of each buffer read and written (workloads/touch.h) */
	unsigned len;			/* bytes of each received frame: the workloads' len= */
	unsigned mem_mb;		/* arena of each shared backend */
	unsigned inflight;		/* pages held across page_pool_destroy */
	unsigned i_know;		/* 1: load even where pbk_guard() sees a production machine */
	char dma[24];			/* DMA model of the shared backends (dma= as --set takes it) */
	unsigned modes;			/* enum pbk_mode bits */
	enum pbk_fault fault;
	unsigned long backends;		/* bits: pbk_kernel_backends[], then pb_alloc_registry[] */
	unsigned long workloads;	/* bit i: pbk_workloads[i] selected */
	unsigned long paths;		/* enum pbk_path bits: path= */
	unsigned long variants;		/* bit i: the i-th word of variant= (halfpage's variant=) */
	char echo[512];			/* the parameters as given, for the context line */
};

extern struct pbk_cfg pbk_cfg;
/* The kernel's own backends (pbk_kernel.c), NULL-terminated; the shared ones are pb_alloc_registry. */
extern const char *const pbk_kernel_backends[];
/* The kernel-capable lines of workloads.def, in its order, NULL-terminated. */
extern const struct pb_workload *const pbk_workloads[];

/* Validates the module parameters into pbk_cfg; -EINVAL after a pr_err naming the first bad one. */
int pbk_param_setup(void);
/* 0, or -EPERM after a pr_err naming i_know= when this looks like a production machine (pbk_guard.c). */
int pbk_guard(void);
/* True when backend @name was selected by backends=. */
bool pbk_want_backend(const char *name);
/* True when workload @name was selected by workloads=. */
bool pbk_want_workload(const char *name);

/* --- output (pbk_out.c) --- */

/* Sets up the output buffer; -ENOMEM when there is no room for it. */
int pbk_out_init(void);
/* Publishes the buffer as debugfs pagebench_kmod/results (best effort). */
void pbk_out_publish(void);
/* Removes the debugfs file and frees the buffer. */
void pbk_out_exit(void);
/* Prints one "PBK <text>" line to the kernel log and the results buffer. */
void pbk_out(const char *fmt, ...) __printf(1, 2);
/* Prints "PBK error what=..." and counts it: something that should have worked did not. */
void pbk_error(const char *fmt, ...) __printf(1, 2);
/* Prints "PBK check name=@name ok=0|1 <details>" and counts a failure. */
void pbk_check(const char *name, bool ok, const char *fmt, ...) __printf(3, 4);
/* Errors and failed checks so far. */
unsigned pbk_out_failures(void);
/* Copies @s into @buf[len] with characters that would break a quoted value replaced. */
void pbk_quote_safe(char *buf, size_t len, const char *s);

/* --- records and timing (pbk_time.c) --- */

/* A body does @units units of work inside a timed region; false when it failed (r->failed). */
typedef bool (*pbk_body_t)(void *arg, u64 units);

/* One result record: a (workload, backend, params, track) and its timed samples. */
struct pbk_rec {
	unsigned id;
	char workload[32];
	char backend[32];
	char source[8];			/* "kernel", "model" or "-" (baseline) */
	char params[128];		/* "k=v,k=v" or "" */
	char track[8];			/* "alloc"/"free" for cross-cpu, "" otherwise */
	const char *context;		/* "softirq" or "task" */
	unsigned cpu;
	unsigned reps, nb;		/* repetitions and batches per repetition */
	unsigned unit_ops;		/* operations per unit of the body */
	u64 units[PBK_MAX_BATCHES];	/* units per batch */
	u64 *cycles;			/* [reps * nb] net TSC cycles of each batch */
	u64 atomics;			/* locked RMWs counted during measured batches */
	bool atomics_counted;		/* false for real kernel code, which is not instrumented */
	struct pb_stats stats;		/* over the measured repetitions */
	bool has_stats;
	u64 leaked;			/* pages not given back at destroy */
	long free_delta;		/* system free pages after destroy minus before create */
	bool has_free_delta;
	const char *failed;		/* why the measurement stopped, NULL when it did not */
};

/* Timer overhead: median cycles of an empty timed region, subtracted from every batch. */
extern u64 pbk_timer_overhead;
/* Measures the timer overhead (in softirq on the calling CPU); 0 or -errno. */
int pbk_time_init(void);
/*
 * A new record with the plan (reps, batches, units) for @unit_ops ops per unit; NULL on
 * ENOMEM. @unit_ops 0: no plan yet, pbk_rec_plan() makes it before the first batch.
 */
struct pbk_rec *pbk_rec_new(const char *workload, const char *backend, const char *source,
			    const char *params, const char *track, unsigned unit_ops);
/* Splits loops= into units of @unit_ops operations over batches= batches (the remainder first). */
void pbk_rec_plan(struct pbk_rec *r, unsigned unit_ops);
/* Frees @r. */
void pbk_rec_free(struct pbk_rec *r);
/* Operations in one repetition of @r. */
u64 pbk_rec_ops(const struct pbk_rec *r);
/*
 * Runs one warm-up and r->reps measured repetitions of @body in softirq context on the
 * calling CPU (preemption off, as NAPI runs). @between (may be NULL) is called after the
 * warm-up, in process context, so counters can start from there. false on failure.
 */
bool pbk_measure(struct pbk_rec *r, pbk_body_t body, void *arg, void (*between)(void *), void *between_arg);
/* Times one batch of @units units of @body now, in the caller's context; net cycles. */
u64 pbk_time_batch(pbk_body_t body, void *arg, u64 units, u64 *atomics, bool *ok);
/* Runs @fn(@arg) in softirq context on the calling CPU and waits for it. */
void pbk_in_softirq(void (*fn)(void *), void *arg);
/* Prints @r as rec/rep/stats lines. */
void pbk_rec_emit(struct pbk_rec *r);
/* Prints a record derived from @r with every sample divided by @div (amortised figures). */
void pbk_rec_emit_derived(const struct pbk_rec *r, unsigned div, const char *params);

/* --- the system's free pages (pbk_free.c) --- */

/* Free pages of every zone, counting those parked on per-CPU lists. */
long pbk_free_pages(void);
/* Polls until pbk_free_pages() is within tolerance of @want or @ms pass; the last delta. */
long pbk_free_settle(long want, unsigned ms);

/* --- the parts that run things --- */

/* What this kernel and module do about napi_pp_put_page (path=skb-6.5), for the ctx line. */
const char *pbk_napi_pp_put_page_fact(void);
/* The calls k_page_pool's release path (alloc-free-slow) makes on this kernel, for the ctx line. */
const char *pbk_pp_release_fact(void);
/* 1 when page_pool_recycle_direct caches a page in softirq (@softirq) or BH-off task context. */
int pbk_pp_probe(bool softirq);
/* Reads the context facts that live in files; from module init, in the loading process. */
void pbk_ctx_collect(void);
/* Prints the context lines (and runs the page_pool direct-recycle probe). */
void pbk_ctx_emit(void);
/* The shared baselines workloads= selects (for-loop, atomic-inc, spin-lock), and call-pair always. */
void pbk_shared_baselines(void);
/* alloc_pages, alloc_pages_bulk_array, page_frag, page_pool, ptr_ring: single-CPU workloads. */
void pbk_kernel_run(void);
/* The shared backends, each under every selected shared workload it can run. */
void pbk_shared_run(void);
/* mode=inflight, load side: destroy a page_pool (and a ptr_ring_pool) with pages lent out. */
void pbk_checks_inflight(void);
/* mode=inflight, unload side: return the pages, wait for the pool to go, check nothing leaked. */
void pbk_checks_inflight_exit(void);
/* mode=numa: pages come from the node asked for. */
void pbk_checks_numa(void);

#endif

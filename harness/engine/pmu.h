/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hardware event counters for the measured threads, through perf_event and libpfm4.
 *
 * The event list is parsed and encoded once, before anything runs (pb_pmu_spec_parse); each
 * measured thread then opens its own counters (pb_pmu_open), takes a snapshot right before
 * and right after every measured region (pb_pmu_snapshot) and adds the difference to its
 * totals (pb_pmu_accumulate). Counting is user space only, so that it works at
 * perf_event_paranoid=2.
 *
 * Nothing here stops a run: an event the kernel refuses is marked unavailable with the
 * reason in plain words, and a machine without a PMU simply has every hardware event
 * unavailable.
 *
 * Events are opened in groups of at most PB_PMU_GROUP_MAX, so that the members of a group
 * are always counted over the same time. When the kernel multiplexes groups, the counts are
 * scaled by time_enabled/time_running, and the ratio is reported next to them.
 *
 * Environment, read by pb_pmu_spec_parse():
 *   PB_PMU_NO_RDPMC=1		always read() the counters, never rdpmc
 *   PB_PMU_FAKE_ERRNO=EACCES	make every perf_event_open fail with that errno (EACCES,
 *				EPERM, ENOENT, ENODEV, EOPNOTSUPP): rehearses a machine
 *				without usable counters
 */
#ifndef PB_PMU_H
#define PB_PMU_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdint.h>
#include "params.h"

#define PB_PMU_MAX_EVENTS 16
#define PB_PMU_NAME_LEN 64
/*
 * Events per group. How many general counters a core has cannot be learnt portably
 * (4 or 8 on Intel depending on SMT, 6 on AMD Zen, fewer under some hypervisors); 4 fits
 * all of them, and cycles/instructions go to fixed counters on Intel anyway. The software
 * clocks (cpu-clock, task-clock) always get a group of their own.
 */
#define PB_PMU_GROUP_MAX 4
#define PB_PMU_WHY_LEN 160

/* A parsed, encoded event list: built once, then shared read-only by every thread. */
struct pb_pmu_spec {
	unsigned n;
	char name[PB_PMU_MAX_EVENTS][PB_PMU_NAME_LEN];	/* as the user wrote it */
	struct perf_event_attr attr[PB_PMU_MAX_EVENTS];	/* libpfm4's encoding, user space only */
	bool force_read;	/* never use rdpmc (PB_PMU_NO_RDPMC=1 sets it) */
	int fake_errno;		/* test hook: nonzero fails every perf_event_open with it */
};

/* Counter values at one instant; bit i of @valid says whether event i could be read. */
struct pb_pmu_snap {
	uint64_t value[PB_PMU_MAX_EVENTS];
	uint64_t enabled[PB_PMU_MAX_EVENTS];	/* ns the event was enabled */
	uint64_t running[PB_PMU_MAX_EVENTS];	/* ns it was actually on a counter */
	uint32_t valid;
};

/*
 * Sums over measured regions; zero it before the first pb_pmu_accumulate(). The times are
 * approximate when rdpmc was used on a kernel without cap_user_time, but then the event was
 * never multiplexed and the ratio is exact.
 */
struct pb_pmu_totals {
	uint64_t raw[PB_PMU_MAX_EVENTS];	/* unscaled counts */
	uint64_t enabled[PB_PMU_MAX_EVENTS];	/* ns */
	uint64_t running[PB_PMU_MAX_EVENTS];	/* ns */
	unsigned windows[PB_PMU_MAX_EVENTS];	/* regions added */
	unsigned skipped[PB_PMU_MAX_EVENTS];	/* regions without a valid before/after pair */
};

/* One thread's open counters; opaque, and used by one thread at a time. */
struct pb_pmu;

/*
 * Parses a comma-separated event list into @spec and encodes each event with libpfm4.
 * Names: perf's generic ones (cycles, instructions, cache-misses, LLC-load-misses, ...),
 * the CPU's own (MEM_INST_RETIRED:LOCK_LOADS or mem_inst_retired.lock_loads), raw codes
 * (r0f25, raw:0x0f25, perf_raw::r0f25). 0, or -1 + @err naming the event and the reason.
 * Not thread-safe (libpfm4 is initialised here): call before starting measured threads.
 */
int pb_pmu_spec_parse(const char *list, struct pb_pmu_spec *spec, struct pb_err *err);

/*
 * The event list to use when none is given: cycles, instructions and the CPU's locked
 * instruction event where it has one. Points into a static table. Not thread-safe.
 */
const char *pb_pmu_default_events(void);

/*
 * True if this thread can count cycles in user space; else false and the reason in @why.
 * Not thread-safe.
 */
bool pb_pmu_available(struct pb_err *why);

/*
 * Opens @spec's counters for the calling thread, counting from now on. Never fails for want
 * of counters (see pb_pmu_event_ok); NULL only when out of memory. @spec may be freed after.
 */
struct pb_pmu *pb_pmu_open(const struct pb_pmu_spec *spec);

/*
 * Reads every counter of @p into @s: rdpmc where possible, else one read() per group.
 * rdpmc is only used on the thread that opened @p; other threads get read().
 */
void pb_pmu_snapshot(struct pb_pmu *p, struct pb_pmu_snap *s);

/* Adds the counts between @before and @after (both of @p) to @t. */
void pb_pmu_accumulate(const struct pb_pmu *p, const struct pb_pmu_snap *before,
		       const struct pb_pmu_snap *after, struct pb_pmu_totals *t);

/* Adds @src's sums to @dst, e.g. to combine the measured threads of one run. */
void pb_pmu_totals_add(struct pb_pmu_totals *dst, const struct pb_pmu_totals *src);

/* running/enabled of event @i: 1.0 when never multiplexed; NAN if nothing was added. */
double pb_pmu_ratio(const struct pb_pmu_totals *t, unsigned i);

/* Event @i's count scaled by enabled/running; NAN if it never ran or nothing was added. */
double pb_pmu_scaled(const struct pb_pmu_totals *t, unsigned i);

/* pb_pmu_scaled() per operation; NAN when @ops is 0. */
double pb_pmu_per_op(const struct pb_pmu_totals *t, unsigned i, uint64_t ops);

/* Number of events of @p (that of its spec). */
unsigned pb_pmu_nevents(const struct pb_pmu *p);

/*
 * True if event @i is counting; else false and *@why (if @why) says why not, in plain words,
 * valid until pb_pmu_close().
 */
bool pb_pmu_event_ok(const struct pb_pmu *p, unsigned i, const char **why);

/* Number of perf_event groups @p opened. */
unsigned pb_pmu_ngroups(const struct pb_pmu *p);

/* True if some group of @p may be read with rdpmc: the kernel allows it and it is not forced off. */
bool pb_pmu_uses_rdpmc(const struct pb_pmu *p);

/* Group reads served by rdpmc so far; the others used read() (multiplexed, other thread, ...). */
uint64_t pb_pmu_rdpmc_reads(const struct pb_pmu *p);

/* Closes @p's counters and frees it; NULL is a no-op. */
void pb_pmu_close(struct pb_pmu *p);

#endif

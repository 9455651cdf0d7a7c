/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The clock: TSC reads fenced so that the measured instructions cannot drift across them
 * (lfence before and after the start read; rdtscp then lfence at the stop), calibration of
 * the TSC rate against CLOCK_MONOTONIC_RAW, and the cost of an empty timed region.
 */
#ifndef PB_TIMING_H
#define PB_TIMING_H

#include <stdbool.h>
#include <stdint.h>

/* TSC at the start of a measured region: no earlier instruction is still in flight. */
static inline uint64_t pb_tsc_start(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * Whether the CPU advertises rdtscp (CPUID 0x80000001 EDX bit 27), read once at start-up.
 * Some KVM guests hide it, and valgrind refuses it there (SIGILL), so the stop read falls back
 * to lfence; rdtsc; lfence, which also waits for every earlier instruction to complete.
 */
extern bool pb_tsc_have_rdtscp;

/* TSC at the end of a measured region: every earlier instruction has completed. */
static inline uint64_t pb_tsc_stop(void)
{
	uint32_t lo, hi;

	if (__builtin_expect(pb_tsc_have_rdtscp, 1))
		__asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi) :: "rcx", "memory");
	else
		__asm__ __volatile__("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* TSC now, unfenced: for charging waits, where a few cycles of skew do not matter. */
static inline uint64_t pb_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* TSC ticks per second, the median of several 20 ms comparisons with CLOCK_MONOTONIC_RAW. */
double pb_tsc_calibrate(void);
/* Median TSC cycles of an empty pb_tsc_start()/pb_tsc_stop() pair over many tries. */
double pb_timer_overhead(void);
/* Nanoseconds since an arbitrary start, CLOCK_MONOTONIC_RAW. */
uint64_t pb_now_ns(void);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/* TSC calibration and timer overhead measurement. */
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "timing.h"

bool pb_tsc_have_rdtscp = true;

/*
 * Before main: every timed region after this uses the stop read the CPU supports. CPUID alone
 * is not enough: valgrind's synthetic CPUID advertises rdtscp on a host without it and then
 * faults on the instruction, so the kernel's view (/proc/cpuinfo flags) must agree too.
 */
static void __attribute__((constructor)) pb_tsc_probe(void)
{
	unsigned a, b, c, d;
	char line[4096];
	bool listed = true;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		listed = strstr(line, " rdtscp") != NULL;
		break;
	}
	if (f)
		fclose(f);
	pb_tsc_have_rdtscp = listed && __get_cpuid(0x80000001, &a, &b, &c, &d) && (d & (1u << 27));
}

uint64_t pb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double pb_tsc_calibrate(void)
{
	enum { TRIES = 5 };
	double hz[TRIES];

	for (int i = 0; i < TRIES; i++) {
		uint64_t n0 = pb_now_ns(), t0 = pb_tsc_start(), n1, t1;

		do
			n1 = pb_now_ns();
		while (n1 - n0 < 20000000ull);
		t1 = pb_tsc_stop();
		hz[i] = (double)(t1 - t0) * 1e9 / (double)(n1 - n0);
	}
	qsort(hz, TRIES, sizeof(hz[0]), cmp_double);
	return hz[TRIES / 2];
}

double pb_timer_overhead(void)
{
	enum { TRIES = 1001 };
	double *c = malloc(TRIES * sizeof(*c)), med;

	if (!c)
		return 0;
	for (int i = 0; i < TRIES; i++) {
		uint64_t t0 = pb_tsc_start();
		uint64_t t1 = pb_tsc_stop();

		c[i] = (double)(t1 - t0);
	}
	qsort(c, TRIES, sizeof(c[0]), cmp_double);
	med = c[TRIES / 2];
	free(c);
	return med;
}

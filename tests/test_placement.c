// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where measured threads go: --cpus parsing (by position, by role), its resolution against a
 * workload's roles, and placement on this machine's CPUs -- more threads than free cores, or
 * a CPU given twice, only with allow_shared.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>
#include "placement.h"
#include "runner.h"

static struct pb_plan plan;

static void with(const char *wl)
{
	pb_plan_init(&plan);
	plan.wl = pb_workload_find(wl);
	cr_assert_not_null(plan.wl, "no workload %s", wl);
}

Test(cpus, positional)
{
	struct pb_err err;
	int want[PB_MAX_THREADS];

	with("threads-test");
	cr_assert_eq(pb_plan_parse_cpus(&plan, "3,1", &err), 0, "%s", err.msg);
	cr_expect_eq(plan.ncpus, 2);
	cr_assert_eq(pb_plan_cpu_want(&plan, want, &err), 0, "%s", err.msg);
	cr_expect_eq(want[0], 3);
	cr_expect_eq(want[1], 1);
	cr_expect_eq(want[2], -1, "a thread without a CPU is chosen for");
	cr_expect_eq(want[3], -1);
}

Test(cpus, by_role)
{
	struct pb_err err;
	int want[PB_MAX_THREADS];

	with("threads-test");
	cr_assert_eq(pb_plan_parse_cpus(&plan, "free=7,hop1=2", &err), 0, "%s", err.msg);
	cr_assert_eq(pb_plan_cpu_want(&plan, want, &err), 0, "%s", err.msg);
	cr_expect_eq(want[0], -1);
	cr_expect_eq(want[1], 2);
	cr_expect_eq(want[2], -1);
	cr_expect_eq(want[3], 7);
	/* A second --cpus replaces the first. */
	cr_assert_eq(pb_plan_parse_cpus(&plan, "5", &err), 0, "%s", err.msg);
	cr_assert_eq(pb_plan_cpu_want(&plan, want, &err), 0, "%s", err.msg);
	cr_expect_eq(want[0], 5);
	cr_expect_eq(want[3], -1);
}

Test(cpus, malformed)
{
	static const char *const bad[] = {
		"", ",", "0,", ",0", "0,,1", "a", "-1", "4096", "0;1", "1x", "=1", "alloc=",
		"alloc=x", "0,alloc=1", "alloc=1,2", "averyveryverylongrole=1", " 1",
	};
	struct pb_err err;

	with("threads-test");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		cr_expect_eq(pb_plan_parse_cpus(&plan, bad[i], &err), -1, "'%s' was taken", bad[i]);
		cr_expect(err.msg[0] && !strchr(err.msg, '\n'), "'%s': %s", bad[i], err.msg);
	}
	cr_expect_eq(pb_plan_parse_cpus(&plan, "alloc=0,hop1=1,alloc=1", &err), -1);
	cr_expect(strstr(err.msg, "'alloc' given twice"), "%s", err.msg);
}

Test(cpus, unknown_role_or_too_many)
{
	struct pb_err err;
	int want[PB_MAX_THREADS];

	with("threads-test");
	cr_assert_eq(pb_plan_parse_cpus(&plan, "rx=0", &err), 0, "roles are checked per workload");
	cr_expect_eq(pb_plan_cpu_want(&plan, want, &err), -1);
	cr_expect(strstr(err.msg, "'rx'") && strstr(err.msg, "alloc, hop1, hop2, free"), "%s", err.msg);
	cr_assert_eq(pb_plan_parse_cpus(&plan, "0,1,0,1,0", &err), 0);
	cr_expect_eq(pb_plan_cpu_want(&plan, want, &err), -1);
	cr_expect(strstr(err.msg, "5 CPUs") && strstr(err.msg, "4 threads"), "%s", err.msg);

	with("alloc-free");
	cr_assert_eq(pb_plan_parse_cpus(&plan, "main=0", &err), 0);
	cr_expect_eq(pb_plan_cpu_want(&plan, want, &err), -1);
	cr_expect(strstr(err.msg, "by number"), "%s", err.msg);
	cr_assert_eq(pb_plan_parse_cpus(&plan, "0,1", &err), 0);
	cr_expect_eq(pb_plan_cpu_want(&plan, want, &err), -1, "two CPUs for one thread");
	cr_assert_eq(pb_plan_parse_cpus(&plan, "0", &err), 0);
	cr_expect_eq(pb_plan_cpu_want(&plan, want, &err), 0, "%s", err.msg);
}

/* Cores this process may use, as placement counts them. */
static unsigned free_cores(void)
{
	struct pb_placement pl;
	struct pb_err err;
	unsigned n;

	for (n = 1; n <= PB_MAX_CPUS; n++) {
		if (pb_placement_init(&pl, n, NULL, false, &err))
			return n - 1;
		pb_placement_fini(&pl);
	}
	return PB_MAX_CPUS;
}

Test(placement, more_threads_than_cores)
{
	unsigned cores = free_cores(), n = cores + 2, load[PB_MAX_CPUS] = { 0 };
	struct pb_placement pl;
	struct pb_err err;
	char counts[64];

	cr_assert_geq(cores, 1);
	if (n > PB_MAX_CPUS)
		cr_skip_test("more than %d cores", PB_MAX_CPUS - 2);
	cr_assert_eq(pb_placement_init(&pl, n, NULL, false, &err), -1);
	snprintf(counts, sizeof(counts), "%u measured threads, but only %u CPUs", n, cores);
	cr_expect(strstr(err.msg, counts) && strstr(err.msg, "--allow-shared-cpus"), "%s", err.msg);

	cr_assert_eq(pb_placement_init(&pl, n, NULL, true, &err), 0, "%s", err.msg);
	cr_expect(pl.shared);
	cr_expect_eq(pl.ncpus, n);
	for (unsigned i = 0; i < n; i++) {
		cr_assert_lt(pl.os_cpu[i], PB_MAX_CPUS);
		load[pl.os_cpu[i]]++;
	}
	/* Spread evenly: no CPU has two threads more than another used one. */
	for (unsigned a = 0; a < PB_MAX_CPUS; a++)
		for (unsigned b = 0; b < PB_MAX_CPUS; b++)
			if (load[a] && load[b])
				cr_expect_leq(load[a], load[b] + 1, "CPU %u has %u, CPU %u %u", a, load[a],
					      b, load[b]);
	pb_placement_fini(&pl);

	cr_assert_eq(pb_placement_init(&pl, cores, NULL, false, &err), 0, "%s", err.msg);
	cr_expect_not(pl.shared, "one thread per core is not sharing");
	pb_placement_fini(&pl);
}

Test(placement, a_cpu_given_twice)
{
	static const int want[] = { 0, -1, 0 };
	struct pb_placement pl;
	struct pb_err err;

	cr_assert_eq(pb_placement_init(&pl, 3, want, false, &err), -1);
	cr_expect(strstr(err.msg, "CPU 0 given to two threads"), "%s", err.msg);
	cr_assert_eq(pb_placement_init(&pl, 3, want, true, &err), 0, "%s", err.msg);
	cr_expect(pl.shared);
	cr_expect_eq(pl.os_cpu[0], 0);
	cr_expect_eq(pl.os_cpu[2], 0);
	if (free_cores() > 1)
		cr_expect_neq(pl.os_cpu[1], 0, "the chosen CPU should be a free core");
	pb_placement_fini(&pl);
}

Test(placement, refusals)
{
	static const int absent[] = { 4095 };
	struct pb_placement pl;
	struct pb_err err;

	cr_expect_eq(pb_placement_init(&pl, 1, absent, true, &err), -1);
	cr_expect(strstr(err.msg, "CPU 4095 is not available"), "%s", err.msg);
	cr_expect_eq(pb_placement_init(&pl, PB_MAX_CPUS + 1, NULL, true, &err), -1);
	cr_expect(strstr(err.msg, "at most"), "%s", err.msg);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where measured threads go: --cpus parsing (by position, by role), its resolution against a
 * workload's roles, and placement on this machine's CPUs -- more threads than free cores, or
 * a CPU given twice, only with allow_shared.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include "context.h"
#include "options.h"
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

/* --- NUMA: synthetic topologies (any machine), the machine's own, --mem-node ---------- */

static struct pb_topo *synth(const char *desc)
{
	struct pb_topo *t = pb_topo_synthetic(desc);

	cr_assert_not_null(t, "hwloc refused the synthetic topology '%s'", desc);
	cr_assert_not(pb_topo_is_system(t));
	return t;
}

Test(numa, synthetic_two_packages_of_two_nodes)
{
	struct pb_topo *t = synth("pack:2 numa:2 core:1 pu:1");
	struct pb_cpuset all;
	unsigned cpu[8];
	int node[8];
	char desc[256];

	cr_expect_eq(pb_topo_nodes(t), 4);
	for (unsigned c = 0; c < 4; c++)
		cr_expect_eq(pb_topo_cpu_node(t, c), (int)c, "CPU %u", c);
	cr_expect_eq(pb_topo_cpu_node(t, 4), -1, "no CPU 4");
	cr_expect(pb_topo_has_node(t, 3) && !pb_topo_has_node(t, 4));
	cr_expect_eq(pb_topo_node_os(t, 2), 2);
	cr_expect_eq(pb_topo_node_os(t, 4), -1);
	pb_topo_allowed(t, &all);
	cr_expect_eq(pb_topo_cores(t, &all, cpu, node, 8), 4);
	cr_expect(cpu[3] == 3 && node[3] == 3);
	pb_topo_describe(t, desc, sizeof(desc));
	cr_expect(strstr(desc, "Package:2 NUMANode:4 Core:4 PU:4") && strstr(desc, "; node 3: CPUs 3"),
		  "%s", desc);
	/* Truncated, not overrun. */
	pb_topo_describe(t, desc, 12);
	cr_expect_eq(strlen(desc), 11, "%s", desc);
	pb_topo_put(t);
	errno = 0;
	cr_expect_null(pb_topo_synthetic("pack:2 numa:zebra"));
	cr_expect_eq(errno, EINVAL);
}

Test(numa, roles_on_two_nodes_and_where_the_memory_is)
{
	struct pb_topo *t = synth("pack:2 numa:2 core:1 pu:1");
	static const int want[] = { 0, 3 };	/* rx on node 0, tx on node 3 */
	struct pb_placement pl;
	struct pb_err err;

	cr_assert_eq(pb_placement_init_on(&pl, t, 2, want, false, -1, &err), 0, "%s", err.msg);
	cr_expect_eq(pl.nodes, 4);
	cr_expect(pl.node[0] == 0 && pl.node[1] == 3);
	cr_expect_eq(pb_placement_mem_node(&pl, -1), 0, "unbound: first touch on thread 0's node");
	cr_expect_not(pb_placement_remote(&pl, 0, -1));
	cr_expect(pb_placement_remote(&pl, 1, -1), "tx frees pages of node 0 on node 3");
	cr_expect(pb_placement_remote(&pl, 0, 3) && !pb_placement_remote(&pl, 1, 3), "memory on node 3");
	cr_expect_eq(pb_placement_pin(&pl, 0, &err), -1, "a synthetic topology cannot be pinned to");
	pb_placement_fini(&pl);
	pb_topo_put(t);
}

Test(numa, a_default_placement_is_local_to_the_memory)
{
	struct pb_topo *t = synth("pack:2 numa:2 core:2 pu:2");	/* 4 nodes of 2 cores of 2 PUs */
	static const int one_given[] = { 1, -1 };
	struct pb_placement pl;
	struct pb_err err;

	/* No node: cores in topology order, one PU each. */
	cr_assert_eq(pb_placement_init_on(&pl, t, 2, NULL, false, -1, &err), 0, "%s", err.msg);
	cr_expect(pl.os_cpu[0] == 0 && pl.os_cpu[1] == 2, "%u %u", pl.os_cpu[0], pl.os_cpu[1]);
	cr_expect(pl.node[0] == 0 && pl.node[1] == 0);
	pb_placement_fini(&pl);
	/* Memory on node 2: both threads on its two cores. */
	cr_assert_eq(pb_placement_init_on(&pl, t, 2, NULL, false, 2, &err), 0, "%s", err.msg);
	cr_expect(pl.os_cpu[0] == 8 && pl.os_cpu[1] == 10, "%u %u", pl.os_cpu[0], pl.os_cpu[1]);
	cr_expect(!pb_placement_remote(&pl, 0, 2) && !pb_placement_remote(&pl, 1, 2));
	pb_placement_fini(&pl);
	/* A CPU given by role stays where it was given, even on another node. */
	cr_assert_eq(pb_placement_init_on(&pl, t, 2, one_given, false, 3, &err), 0, "%s", err.msg);
	cr_expect(pl.os_cpu[0] == 1 && pl.node[0] == 0);
	cr_expect(pl.os_cpu[1] == 12 && pl.node[1] == 3, "%u", pl.os_cpu[1]);
	cr_expect(pb_placement_remote(&pl, 0, 3));
	pb_placement_fini(&pl);
	/* More threads than the node has cores spill over to the next ones, in order. */
	cr_assert_eq(pb_placement_init_on(&pl, t, 3, NULL, false, 1, &err), 0, "%s", err.msg);
	cr_expect(pl.os_cpu[0] == 4 && pl.os_cpu[1] == 6 && pl.os_cpu[2] == 0);
	pb_placement_fini(&pl);
	pb_topo_put(t);
}

Test(numa, refusals_on_a_synthetic_topology)
{
	struct pb_topo *t = synth("pack:2 numa:2 core:1 pu:1");
	static const int absent[] = { 4 }, twice[] = { 2, 2 };
	struct pb_placement pl;
	struct pb_err err;

	cr_expect_eq(pb_placement_init_on(&pl, t, 1, absent, false, -1, &err), -1);
	cr_expect(strstr(err.msg, "CPU 4 is not available"), "%s", err.msg);
	cr_expect_eq(pb_placement_init_on(&pl, t, 1, NULL, false, 4, &err), -1);
	cr_expect(strstr(err.msg, "node=4: no such NUMA node (this machine has 4)"), "%s", err.msg);
	cr_expect_eq(pb_placement_init_on(&pl, t, 5, NULL, false, -1, &err), -1);
	cr_expect(strstr(err.msg, "5 measured threads, but only 4 CPUs"), "%s", err.msg);
	cr_expect_eq(pb_placement_init_on(&pl, t, 2, twice, false, -1, &err), -1);
	cr_assert_eq(pb_placement_init_on(&pl, t, 2, twice, true, -1, &err), 0, "%s", err.msg);
	cr_expect(pl.shared && pl.node[0] == 2 && pl.node[1] == 2);
	pb_placement_fini(&pl);
	pb_topo_put(t);
}

Test(numa, one_node)
{
	struct pb_topo *t = synth("core:2 pu:1");
	struct pb_placement pl;
	struct pb_err err;
	char desc[128];

	cr_expect_eq(pb_topo_nodes(t), 1);
	cr_assert_eq(pb_placement_init_on(&pl, t, 2, NULL, false, -1, &err), 0, "%s", err.msg);
	cr_expect(pl.nodes == 1 && pl.node[0] == 0 && pl.node[1] == 0);
	cr_expect_not(pb_placement_remote(&pl, 1, -1), "nothing is remote on one node");
	pb_placement_fini(&pl);
	pb_topo_describe(t, desc, sizeof(desc));
	cr_expect(strstr(desc, "NUMANode:1") && strstr(desc, "node 0: CPUs 0-1"), "%s", desc);
	pb_topo_put(t);
}

Test(numa, this_machine)
{
	struct pb_topo *t = pb_topo_system();
	struct pb_placement pl;
	struct pb_err err;
	struct pb_machine m;
	char *argv[] = { "pagebench", NULL };

	cr_assert_not_null(t);
	cr_expect(pb_topo_is_system(t));
	cr_expect_eq(pb_topo_system(), t, "loaded once");
	cr_assert_eq(pb_placement_init(&pl, 1, NULL, false, &err), 0, "%s", err.msg);
	cr_assert_eq(pb_placement_pin(&pl, 0, &err), 0, "%s", err.msg);
	cr_expect_eq(pb_cpu_node_id(), (unsigned)pl.node[0], "pinning tells the thread its node");
	cr_expect_eq(pb_cpu_node((int)pl.os_cpu[0]), pl.node[0]);
	pb_placement_fini(&pl);
	pb_cpu_set_node(0);
	pb_machine_collect(&m, 1, argv);
	cr_expect_eq(m.numa_nodes, pb_topo_nodes(t));
	cr_expect(strstr(m.topology, "NUMANode:") && strstr(m.topology, "; node "), "%s", m.topology);
}

Test(numa, memory_on_a_node)
{
	struct pb_topo *t = pb_topo_system();
	int node = pb_topo_node_os(t, pb_topo_nodes(t) - 1);	/* the last node: 0 on one-node hosts */
	size_t len = 64 << 10;
	struct pb_membind mb;
	char *p;

	p = pb_numa_alloc(len, node);
	cr_assert_not_null(p, "%s", strerror(errno));
	cr_expect_eq(p[len - 1], 0, "zeroed");
	cr_expect_eq(pb_numa_area_node(p, len), node);
	pb_numa_free(p, len);
	cr_expect_null(pb_numa_alloc(len, 4000), "no node 4000");
	cr_expect_eq(pb_numa_membind_thread(node, &mb), 0);
	cr_expect(mb.set);
	pb_numa_membind_restore(&mb);
	cr_expect_eq(pb_numa_membind_thread(-1, &mb), 0);
	cr_expect_not(mb.set, "no node: nothing to restore");
	cr_expect_eq(pb_numa_membind_thread(4000, &mb), -ENOENT);
}

Test(numa, mem_node_option_is_node_for_everyone)
{
	struct pb_plan pl;
	struct pb_run_args args;
	struct pb_err err;
	char *argv[] = { "run", "--alloc", "buddy", "--workload", "nic", "--mem-node", "0", NULL };
	char *twice[] = { "run", "--alloc", "buddy", "--workload", "nic", "--mem-node", "0",
			  "--set", "node=0", NULL };
	char *bad[] = { "run", "--alloc", "buddy", "--workload", "nic", "--mem-node", "x", NULL };

	pb_plan_init(&pl);
	memset(&args, 0, sizeof(args));
	cr_assert_eq(pb_options_parse_argv(7, argv, &pl, &args, &err), 0, "%s", err.msg);
	cr_expect_str_eq(pb_params_raw(&pl.params, "node"), "0");
	pb_plan_init(&pl);
	cr_expect_eq(pb_options_parse_argv(9, twice, &pl, &args, &err), -1);
	cr_expect(strstr(err.msg, "node given twice"), "%s", err.msg);
	pb_plan_init(&pl);
	cr_expect_eq(pb_options_parse_argv(7, bad, &pl, &args, &err), -1);
	cr_expect(strstr(err.msg, "--mem-node") && strstr(err.msg, "'x'"), "%s", err.msg);
}

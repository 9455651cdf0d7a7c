// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection (docs/fault-injection.md): the page allocator model failing calls at
 * fail= (seeded), and what everything above it does then. Every backend (--alloc all) under
 * the main workloads (alloc-free, bulk, cross-cpu, the replay generators, nic) at fail=0.01 and 0.5
 * must finish, drop and count what it did not get (alloc_failed), give every page back
 * (the run's destroy refuses pages in flight; leaked_pages 0) and, under ASan, touch and
 * leak nothing. A create failed at each of its page-allocator calls leaves nothing behind
 * (pb_alloc_create checks the zone's accounting on every failure).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"
#include "record.h"
#include "runner.h"
#include "support_backend.h"

static void opt(struct pb_plan *p, const char *name, const char *v)
{
	struct pb_err err;

	cr_assert_eq(pb_option_by_name(name)->set(p, v, &err), 0, "--%s %s: %s", name, v, err.msg);
}

/* A small plan of @workload on @backend with the NULL-terminated --set values @sets. */
static void plan_of(struct pb_plan *p, const char *backend, const char *workload,
		    const char *const *sets)
{
	pb_plan_init(p);
	opt(p, "workload", workload);
	opt(p, "alloc", backend);
	for (; *sets; sets++)
		opt(p, "set", *sets);
	p->reps = 1;
	p->nbatches = 4;
	p->baselines = false;
	p->events[0] = '\0';
	p->min_batch_ns = 0;
	p->allow_shared_cpus = true;	/* the test machine may have one CPU */
	if (!p->wl->work_size)
		p->ops = 2000;
}

/* A counter's value; -1 when missing or not counted. */
static double ctr(const struct pb_result *r, const char *name)
{
	const struct pb_counter *c = pb_counter_find(r, name);

	return c && c->counted ? c->value : -1;
}

/*
 * Runs every backend that can run @workload (dpdk_mempool aside: it meets the page
 * allocator only while populating at create, tested below) at fail=0.01 and fail=0.5, with
 * the extra --set values @extra (NULL-terminated), and checks each record's counters.
 */
static void sweep(const char *workload, const char *const *extra)
{
	static const char *const fails[] = { "fail=0.01", "fail=0.5" };

	for (size_t f = 0; f < 2; f++) {
		const char *sets[8] = { fails[f], "mem=16M" };
		char skipped[2048];
		struct pb_plan p;
		struct pb_job_context ctx;
		struct pb_result *res = NULL;
		struct pb_err err;
		size_t n = 0, k = 2;
		unsigned kept = 0, backends = 0;

		for (size_t e = 0; extra[e] && k < 7; e++)
			sets[k++] = extra[e];
		sets[k] = NULL;
		plan_of(&p, "all", workload, sets);
		for (unsigned i = 0; i < p.nallocs; i++)
			if (strncmp(p.allocs[i]->name, "dpdk_mempool", 12))
				p.allocs[kept++] = p.allocs[i];
		for (unsigned i = kept; i < p.nallocs; i++)
			p.allocs[i] = NULL;
		p.nallocs = kept;
		cr_assert_eq(pb_plan_drop_unfit(&p, skipped, sizeof(skipped), &err), 0, "%s", err.msg);
		cr_assert_eq(pb_run(&p, &ctx, &res, &n, &err), 0, "%s at %s: %s", workload, fails[f], err.msg);
		for (size_t i = 0; i < n; i++) {
			const struct pb_result *r = &res[i];
			double failed = ctr(r, "alloc_failed"), inj = ctr(r, "pa_fail_injected");

			if (strcmp(r->kind, "backend") || failed < 0)
				continue;	/* a track without the instance's counters */
			backends++;
			cr_expect_eq(ctr(r, "leaked_pages"), 0, "%s", r->name);
			/* Memory is ample: every buffer not got is a failure fail= made. */
			cr_expect(inj > 0 || failed == 0, "%s: %g dropped, nothing injected", r->name, failed);
			/* buddy's every alloc is one page-allocator call: one injected, one dropped. */
			if (!strcmp(r->alloc, "buddy") && !strncmp(workload, "alloc-free", 10)) {
				cr_expect_eq(failed, inj, "%s: %g dropped, %g injected", r->name, failed, inj);
				/* And the rate is the one asked for (binomial: far inside these bounds). */
				double rate = inj / (double)r->ops_measured;

				cr_expect(f ? rate > 0.4 && rate < 0.6 : rate > 0 && rate < 0.03,
					  "%s: %g injected in %llu calls", r->name, inj,
					  (unsigned long long)r->ops_measured);
			}
			/* A replay drops the frame it has no buffer for: the same count, twice kept. */
			if (pb_counter_find(r, "frames_dropped_nomem"))
				cr_expect_eq(failed, ctr(r, "frames_dropped_nomem"), "%s", r->name);
		}
		cr_expect_geq(backends, 5, "%s: only %u backends ran", workload, backends);
		pb_results_free(res, n);
	}
}

#define NONE ((const char *const[]){ NULL })
Test(fault, alloc_free_degrades, .timeout = 120) { sweep("alloc-free", NONE); }
Test(fault, alloc_free_slow_degrades, .timeout = 120) { sweep("alloc-free-slow", NONE); }
Test(fault, bulk_degrades, .timeout = 120) { sweep("bulk", NONE); }
Test(fault, cross_cpu_degrades, .timeout = 120) { sweep("cross-cpu", NONE); }
#define PK(...) ((const char *const[]){ "packets=1500", __VA_ARGS__ })
Test(fault, rx_drop_replay_degrades, .timeout = 120) { sweep("rx-drop", PK(NULL)); }
Test(fault, cross_cpu_replay_degrades, .timeout = 120) { sweep("gen:cross-cpu", PK(NULL)); }
Test(fault, slow_socket_replay_degrades, .timeout = 120) { sweep("slow-socket", ((const char *const[]){ "packets=1000", NULL })); }
Test(fault, nic_degrades, .timeout = 120) { sweep("nic", PK("ring=256", NULL)); }
Test(fault, nic_2cpu_degrades, .timeout = 120) { sweep("nic-2cpu", PK("ring=256", "verdict=drop:50+tx:50", NULL)); }

/* dpdk_mempool at fail=: its create fails in one line, or its pool runs as without fail=. */
Test(fault, dpdk_mempool_create_or_run, .timeout = 120)
{
	static const char *const seeds[] = { "fail_seed=1", "fail_seed=2", "fail_seed=3", "fail_seed=4" };
	unsigned built = 0, refused = 0;

	if (pb_alloc_find("dpdk_mempool")->absent)
		cr_skip_test("dpdk_mempool is not in this build");
	for (size_t s = 0; s < 4; s++) {
		const char *sets[] = { "fail=0.05", "mem=32M", "objects=4095", seeds[s], NULL };
		struct pb_plan p;
		struct pb_job_context ctx;
		struct pb_result *res = NULL;
		struct pb_err err;
		size_t n = 0;

		plan_of(&p, "dpdk_mempool", "alloc-free", sets);
		if (pb_run(&p, &ctx, &res, &n, &err)) {
			refused++;
			cr_expect(strstr(err.msg, "gave no order-10 block") && !strchr(err.msg, '\n'), "%s", err.msg);
			continue;
		}
		built++;
		cr_expect_eq(ctr(&res[0], "alloc_failed"), 0, "%s", res[0].name);
		cr_expect_eq(ctr(&res[0], "leaked_pages"), 0, "%s", res[0].name);
		pb_results_free(res, n);
	}
	/* Eight order-10 blocks at 5% each: most seeds build it, some do not. */
	cr_expect(built && refused, "%u built, %u refused", built, refused);
}

/*
 * Random alloc/free mixes at fail=0.5 through the library: the pages the zone lacks are
 * exactly the ones the backend says are in flight at every step, and at destroy the zone
 * has every page back.
 */
static void mix_under_fail(const char *backend, bool exact)
{
	struct pb_alloc *a = TB_CREATE(backend, "mem=4M", "fail=0.5", "fail_seed=7");
	struct pb_buf held[256];
	uint64_t rnd = 0x9e3779b97f4a7c15ull, nulls = 0, asked = 0;
	unsigned n = 0;

	for (unsigned step = 0; step < 4000; step++) {
		if (tb_mix_allocates(&rnd, step, 300, n, 256)) {
			asked++;
			if (pb_alloc_buf(a, &held[n]))
				n++;
			else
				nulls++;
		} else {
			unsigned i = (unsigned)(tb_xorshift(&rnd) % n);

			pb_free_buf(a, &held[i], tb_xorshift(&rnd) & 1);
			held[i] = held[--n];
		}
		if (exact && step % 97 == 0)
			tb_assert_in_flight_at_step(a, step);
	}
	cr_expect_gt(tb_stats(a).pa_fail_injected, 0, "no failure injected");
	cr_expect_gt(nulls, 0, "%llu allocations, none failed", (unsigned long long)asked);
	while (n)
		pb_free_buf(a, &held[--n], true);
	tb_destroy_clean(a);
}

Test(fault, buddy_mix) { mix_under_fail("buddy", false); }
Test(fault, ptr_ring_pool_mix) { mix_under_fail("ptr_ring_pool", true); }
Test(fault, array_cache_mix) { mix_under_fail("array_cache", true); }
Test(fault, urcu_stack_mix) { mix_under_fail("urcu_stack", true); }
Test(fault, halfpage_mix) { mix_under_fail("halfpage", false); }
Test(fault, frag_mix) { mix_under_fail("frag", false); }

/*
 * Create failed at each of its first page-allocator calls (fail=1 once fail_space pages
 * are out): a failed create is one line and leaves nothing (pb_alloc_create aborts if the
 * zone did not get every page back; ASan sees any heap left); one that succeeds destroys
 * clean.
 */
Test(fault, failed_create_leaves_nothing, .timeout = 120)
{
	static const uint64_t space[] = { 0, 1, 2, 64, 1024, 1025, 1281 };

	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o; o++) {
		unsigned failed = 0;

		if ((*o)->absent)
			continue;
		for (size_t i = 0; i < sizeof(space) / sizeof(space[0]); i++) {
			struct pb_params p = { 0 };
			struct pb_err err = { { 0 } };
			char kv[40];
			struct pb_alloc *a;

			pb_cpu_set_id(0);
			snprintf(kv, sizeof(kv), "fail_space=%llu", (unsigned long long)space[i]);
			cr_assert_eq(pb_params_add(&p, "mem=8M", &err), 0);
			cr_assert_eq(pb_params_add(&p, "fail=1", &err), 0);
			cr_assert_eq(pb_params_add(&p, kv, &err), 0);
			if (!strncmp((*o)->name, "dpdk_mempool", 12))
				cr_assert_eq(pb_params_add(&p, "objects=600", &err), 0);
			a = pb_alloc_create(*o, &p, &err);
			if (!a) {
				failed++;
				cr_expect(err.msg[0] && !strchr(err.msg, '\n'), "%s %s: '%s'", (*o)->name, kv, err.msg);
				continue;
			}
			tb_destroy_clean(a);
		}
		/* DPDK populates two blocks (1024 + 256 pages): the early spaces fail its create. */
		if (!strncmp((*o)->name, "dpdk_mempool", 12))
			cr_expect_geq(failed, 6, "%s: %u creates failed", (*o)->name, failed);
	}
}

/* Same seed, same failures; another seed, others. */
Test(fault, seeded_and_deterministic, .timeout = 60)
{
	uint64_t got[3];
	const char *seeds[3] = { "fail_seed=1", "fail_seed=1", "fail_seed=2" };

	for (int s = 0; s < 3; s++) {
		struct pb_alloc *a = TB_CREATE("buddy", "mem=4M", "fail=0.25", seeds[s]);
		uint64_t hash = 0;

		for (unsigned i = 0; i < 2000; i++) {
			struct pb_page *pg = pb_alloc_page(a);

			hash = hash * 31 + (pg != NULL);
			if (pg)
				pb_alloc_free(a, pg, true);
		}
		got[s] = hash ^ tb_stats(a).pa_fail_injected << 48;
		tb_destroy_clean(a);
	}
	cr_expect_eq(got[0], got[1], "the same seed failed other calls");
	cr_expect_neq(got[0], got[2], "another seed failed the same calls");
}

/* fail= is a probability in steps of one in a million, refused otherwise in one line. */
Test(fault, fail_values)
{
	static const char *const good[] = { "0", "1", "0.5", "0.01", "0.000001", "1.0", "0." "25" };
	static const char *const bad[] = { "2", "-0.1", "0.0000001", "abc", "0.", ".5", "1.5", "0.5x" };
	const struct pb_alloc_ops *ops = pb_alloc_find("buddy");

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pb_params p = { 0 };
		struct pb_err err = { { 0 } };
		char kv[40];

		snprintf(kv, sizeof(kv), "fail=%s", good[i]);
		cr_assert_eq(pb_params_add(&p, kv, &err), 0);
		cr_expect_eq(pb_alloc_check_params(ops, &p, &err), 0, "%s: %s", kv, err.msg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pb_params p = { 0 };
		struct pb_err err = { { 0 } };
		char kv[40];

		snprintf(kv, sizeof(kv), "fail=%s", bad[i]);
		cr_assert_eq(pb_params_add(&p, kv, &err), 0);
		cr_expect_eq(pb_alloc_check_params(ops, &p, &err), -1, "%s accepted", kv);
		cr_expect(!strncmp(err.msg, kv, strlen(kv)), "%s: '%s'", kv, err.msg);
	}
}

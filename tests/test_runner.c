// SPDX-License-Identifier: GPL-2.0-only
/*
 * The runner: its arithmetic against golden figures (tests/data/runner/cases.json, written
 * by make_runner_cases.py from the rules, not from the C code), the batch and window split
 * the workloads share, and whole runs of the two harness workloads: threads-test (4 threads,
 * one record per thread, every thread's own counters) and fixed-test (fixed work replayed
 * whole, one sample per window, no warm-up growth).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "record.h"
#include "runner.h"
#include "runner_math.h"

extern char **environ;

static json_t *cases;

static void load(void)
{
	const char *dir = getenv("PB_TESTDATA") ? getenv("PB_TESTDATA") : "tests/data";
	char path[512];
	json_error_t e;

	snprintf(path, sizeof(path), "%s/runner/cases.json", dir);
	cases = json_load_file(path, 0, &e);
	cr_assert_not_null(cases, "%s:%d: %s", path, e.line, e.text);
}

static void unload(void)
{
	json_decref(cases);
	cases = NULL;
}

static json_t *group(const char *name)
{
	json_t *g = json_object_get(cases, name);

	cr_assert(json_is_array(g) && json_array_size(g) > 0, "no cases '%s'", name);
	return g;
}

static double num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	cr_assert(json_is_number(v), "no number '%s'", k);
	return json_number_value(v);
}

static uint64_t u64(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (json_is_string(v) && !strcmp(json_string_value(v), "max"))
		return UINT64_MAX;	/* beyond a JSON integer: spelt "max" */
	cr_assert(json_is_integer(v), "no integer '%s'", k);
	return (uint64_t)json_integer_value(v);
}

/* @k as an array of integers into a malloc'd vector of *@n. */
static uint64_t *u64s(json_t *o, const char *k, size_t *n)
{
	json_t *a = json_object_get(o, k);
	uint64_t *v;

	cr_assert(json_is_array(a), "no array '%s'", k);
	*n = json_array_size(a);
	v = calloc(*n ? *n : 1, sizeof(*v));
	cr_assert_not_null(v);
	for (size_t i = 0; i < *n; i++)
		v[i] = (uint64_t)json_integer_value(json_array_get(a, i));
	return v;
}

#define EXPECT_NEAR(got, want) \
	cr_expect(fabs((got) - (want)) <= 1e-12 * fmax(1, fabs(want)), "%s = %.17g, want %.17g", #got, \
		  (double)(got), (double)(want))

TestSuite(runner_math, .init = load, .fini = unload);

Test(runner_math, batch_net_and_per_op)
{
	json_t *c;
	size_t i;

	json_array_foreach(group("batch_net"), i, c)
		EXPECT_NEAR(pb_rm_batch_net(u64(c, "cycles"), u64(c, "wait"), num(c, "timer")),
			    num(c, "expect"));
	json_array_foreach(group("per_op"), i, c)
		EXPECT_NEAR(pb_rm_per_op(num(c, "cycles"), num(c, "ops"), num(c, "loop")),
			    num(c, "expect"));
}

Test(runner_math, track_rep)
{
	json_t *c;
	size_t i;

	json_array_foreach(group("track_rep"), i, c) {
		size_t n, n2, n3;
		uint64_t *cyc = u64s(c, "cycles", &n), *ops = u64s(c, "ops", &n2),
			 *wait = u64s(c, "wait", &n3), nops = 99;
		json_t *want = json_object_get(c, "batch");
		double batch[16];

		cr_assert(n == n2 && n == n3 && n <= 16 && json_array_size(want) == n);
		EXPECT_NEAR(pb_rm_track_rep(cyc, ops, wait, (unsigned)n, num(c, "timer"),
					    num(c, "loop"), batch, &nops),
			    num(c, "rep"));
		cr_expect_eq(nops, u64(c, "nops"), "case %zu", i);
		for (size_t b = 0; b < n; b++)
			EXPECT_NEAR(batch[b], json_number_value(json_array_get(want, b)));
		free(cyc);
		free(ops);
		free(wait);
	}
}

Test(runner_math, warm_up_rule)
{
	json_t *c;
	size_t i;

	json_array_foreach(group("warm_grow"), i, c)
		cr_expect_eq(pb_rm_warm_grow(u64(c, "shortest"), num(c, "min_cycles"),
					     (unsigned)u64(c, "tries"), u64(c, "ops"),
					     json_is_true(json_object_get(c, "fixed"))),
			     json_is_true(json_object_get(c, "expect")), "warm_grow case %zu", i);
}

/* The warm-up loop of runner.c against a machine where n ops take exactly n * cost cycles. */
Test(runner_math, warm_up_sequence)
{
	json_t *c;
	size_t i;

	json_array_foreach(group("warm_sequence"), i, c) {
		uint64_t ops = 0, cost = u64(c, "cost"), nb = u64(c, "nbatches");
		unsigned tries, passes = 0;
		bool fixed = json_is_true(json_object_get(c, "fixed"));
		json_t *first = json_object_get(c, "final_ops");

		cr_assert_not_null(first);
		/* Starting counts: the generator's, recovered from its final count and passes. */
		ops = u64(c, "final_ops") >> (u64(c, "passes") - 1);
		for (tries = 0; ; tries++) {
			passes++;
			if (!pb_rm_warm_grow(ops / nb * cost, num(c, "min_cycles"), tries, ops, fixed))
				break;
			ops *= 2;
		}
		cr_expect_eq(ops, u64(c, "final_ops"), "%s", json_string_value(json_object_get(c, "name")));
		cr_expect_eq(passes, u64(c, "passes"), "%s", json_string_value(json_object_get(c, "name")));
	}
}

Test(runner_math, shuffle_from_seed)
{
	json_t *c;
	size_t i;

	json_array_foreach(group("shuffle"), i, c) {
		struct pb_rng rng = { u64(c, "seed") };
		unsigned n = (unsigned)u64(c, "n"), order[16];
		json_t *reps = json_object_get(c, "orders"), *o;
		size_t r;

		cr_assert(n <= 16);
		for (unsigned k = 0; k < n; k++)
			order[k] = k;
		json_array_foreach(reps, r, o) {
			pb_rm_shuffle(&rng, order, n);
			for (unsigned k = 0; k < n; k++)
				cr_expect_eq(order[k], (unsigned)json_integer_value(json_array_get(o, k)),
					     "seed %llu rep %zu position %u",
					     (unsigned long long)u64(c, "seed"), r, k);
		}
	}
}

Test(runner_math, loop_overhead)
{
	json_t *c;
	size_t i;

	json_array_foreach(group("loop_overhead"), i, c) {
		size_t n, n2;
		uint64_t *cyc = u64s(c, "cycles", &n), *ops = u64s(c, "ops", &n2);

		cr_assert_eq(n, n2);
		EXPECT_NEAR(pb_rm_loop_overhead(cyc, ops, (unsigned)n, num(c, "timer")), num(c, "expect"));
		free(cyc);
		free(ops);
	}
}

/* A body that records the units it was asked for and does nothing else. */
static uint64_t seen[128][2];
static unsigned nseen;

static bool count_units(struct pb_wl_run *r, uint64_t n)
{
	seen[nseen][0] = 0;
	seen[nseen++][1] = n;
	return true;
}

static bool count_events(struct pb_wl_run *r, unsigned t, uint64_t first, uint64_t n)
{
	seen[nseen][0] = first;
	seen[nseen++][1] = n;
	return true;
}

Test(runner_math, batch_split)
{
	json_t *c;
	size_t i;

	json_array_foreach(group("batches"), i, c) {
		size_t n;
		uint64_t *want = u64s(c, "batch_ops", &n);
		unsigned nb = (unsigned)u64(c, "nbatches");
		uint64_t cyc[128], ops[128], wait[128];
		struct pb_wl_run r = { .ops = u64(c, "ops"), .nbatches = nb };

		cr_assert(nb <= 128);
		r.track[0].batch_cycles = cyc;
		r.track[0].batch_ops = ops;
		r.track[0].batch_wait = wait;
		nseen = 0;
		pb_wl_time_batches(&r, 0, u64(c, "unit_ops"), count_units);
		cr_expect_eq(r.track[0].nbatches, n, "case %zu: %u batches, want %zu", i,
			     r.track[0].nbatches, n);
		for (size_t b = 0; b < n && b < r.track[0].nbatches; b++) {
			cr_expect_eq(ops[b], want[b], "case %zu batch %zu", i, b);
			cr_expect_eq(seen[b][1] * u64(c, "unit_ops"), want[b]);
		}
		free(want);
	}
}

Test(runner_math, window_split)
{
	json_t *c;
	size_t i;

	json_array_foreach(group("windows"), i, c) {
		json_t *want = json_object_get(c, "windows");
		unsigned cap = (unsigned)u64(c, "cap");
		uint64_t cyc[16], ops[16], wait[16];
		struct pb_wl_run r = { .nbatches = cap, .window = u64(c, "window") };

		cr_assert(cap <= 16);
		cr_expect_eq(pb_rm_windows(u64(c, "work"), u64(c, "window")), u64(c, "count"));
		r.track[0].batch_cycles = cyc;
		r.track[0].batch_ops = ops;
		r.track[0].batch_wait = wait;
		r.work[0] = u64(c, "work");
		nseen = 0;
		pb_wl_time_windows(&r, 0, count_events);
		cr_expect_eq(r.track[0].nbatches, json_array_size(want), "case %zu", i);
		for (unsigned w = 0; w < nseen && w < json_array_size(want); w++) {
			json_t *p = json_array_get(want, w);

			cr_expect_eq(seen[w][0], (uint64_t)json_integer_value(json_array_get(p, 0)));
			cr_expect_eq(seen[w][1], (uint64_t)json_integer_value(json_array_get(p, 1)));
			cr_expect_eq(ops[w], seen[w][1]);
		}
	}
}

/* A small plan of @wl on buddy: quick, no counters, no baselines. */
static void small_plan(struct pb_plan *p, const char *wl)
{
	pb_plan_init(p);
	p->wl = pb_workload_find(wl);
	cr_assert_not_null(p->wl, "workload %s is not registered", wl);
	p->allocs[p->nallocs++] = pb_alloc_find("buddy");
	p->reps = 3;
	p->nbatches = 10;
	p->baselines = false;
	p->events[0] = '\0';
	p->min_batch_ns = 0;
}

/* A counter's value, or -1 when the record has it as not counted (or not at all). */
static double ctr(const struct pb_result *r, const char *name)
{
	const struct pb_counter *c = pb_counter_find(r, name);

	return c && c->counted ? c->value : -1;
}

static const struct pb_result *track(const struct pb_result *r, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].track, name))
			return &r[i];
	cr_assert_fail("no record with track '%s'", name);
	return NULL;
}

Test(runner, four_threads_need_shared_cpus, .timeout = 60)
{
	struct pb_plan p;
	struct pb_job_context ctx = { 0 };
	struct pb_result *res = NULL;
	struct pb_err err;
	size_t n = 0;

	small_plan(&p, "threads-test");
	p.ops = 4000;
	cr_assert_eq(pb_plan_parse_cpus(&p, "0,0,0,0", &err), 0, "%s", err.msg);
	cr_assert_eq(pb_run(&p, &ctx, &res, &n, &err), -2, "four threads on CPU 0 ran unasked");
	cr_expect(strstr(err.msg, "--allow-shared-cpus") && strstr(err.msg, "CPU 0"), "%s", err.msg);
	cr_expect_null(res);

	p.allow_shared_cpus = true;
	cr_assert_eq(pb_run(&p, &ctx, &res, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 4, "one record per thread");
	cr_expect(ctx.shared_cpus);
	cr_expect_eq(ctx.nthreads, 4);
	for (unsigned t = 0; t < 4; t++) {
		cr_expect_eq(ctx.threads[t].cpu, 0);
		cr_expect_str_eq(ctx.threads[t].role, p.wl->tracks[t]);
		cr_expect_str_eq(res[t].track, p.wl->tracks[t]);
		cr_expect_eq(res[t].ops_measured, 4000ull * p.reps, "%s: every thread passed every page",
			     res[t].track);
		cr_expect_eq(res[t].nbatch, p.reps * p.nbatches);
		cr_expect(strstr(res[t].warning, "share CPUs"), "%s: %s", res[t].track, res[t].warning);
		for (unsigned r = 0; r < p.reps; r++)
			cr_expect(res[t].rep_cycles[r] >= 0 && isfinite(res[t].rep_cycles[r]));
	}
	/* Each thread's own locked instructions: buddy takes its zone lock to alloc and to free. */
	cr_expect_gt(ctr(track(res, n, "alloc"), "atomics"), 0);
	cr_expect_gt(ctr(track(res, n, "free"), "atomics"), 0, "the free thread's counter was not kept");
	cr_expect_eq(ctr(track(res, n, "hop1"), "atomics"), 0, "a ring hop takes no lock");
	cr_expect_eq(ctr(track(res, n, "hop2"), "atomics"), 0);
	/* The instance's counters go on its first track only; the others say not counted. */
	cr_expect_eq(ctr(&res[0], "pa_alloc_pages"), 4000.0 * p.reps, "%g", ctr(&res[0], "pa_alloc_pages"));
	for (unsigned t = 1; t < 4; t++)
		cr_expect_eq(ctr(&res[t], "pa_alloc_pages"), -1, "%s", res[t].track);
	pb_results_free(res, n);
}

Test(runner, roles_place_threads, .timeout = 60)
{
	struct pb_plan p;
	struct pb_job_context ctx = { 0 };
	struct pb_result *res = NULL;
	struct pb_err err;
	size_t n = 0;

	small_plan(&p, "threads-test");
	p.ops = 2000;
	p.reps = 1;
	p.allow_shared_cpus = true;
	cr_assert_eq(pb_plan_parse_cpus(&p, "free=1,alloc=0,hop2=1,hop1=0", &err), 0, "%s", err.msg);
	cr_assert_eq(pb_run(&p, &ctx, &res, &n, &err), 0, "%s", err.msg);
	cr_expect_eq(ctx.threads[0].cpu, 0);
	cr_expect_eq(ctx.threads[1].cpu, 0);
	cr_expect_eq(ctx.threads[2].cpu, 1);
	cr_expect_eq(ctx.threads[3].cpu, 1);
	pb_results_free(res, n);
}

Test(runner, fixed_work_is_replayed_whole, .timeout = 60)
{
	struct pb_plan p;
	struct pb_job_context ctx = { 0 };
	struct pb_result *res = NULL;
	struct pb_err err;
	size_t n = 0;

	small_plan(&p, "fixed-test");
	cr_assert_eq(pb_params_add(&p.params, "events=5000", &err), 0, "%s", err.msg);
	/* A warm-up that wanted batches of a second would grow a loop workload 16 times. */
	p.min_batch_ns = 1000000000;
	p.nbatches = 3;		/* windows, not --batches, set the sample count of fixed work */
	cr_assert_eq(pb_run(&p, &ctx, &res, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 1);
	cr_expect_eq(res[0].ops, 5000, "the work is the work, whatever the warm-up wanted");
	cr_expect_eq(res[0].nbatch, p.reps * 5, "5000 events in windows of 1024: 5 samples each");
	cr_expect_eq(res[0].ops_measured, 5000ull * p.reps);
	cr_expect_eq(ctr(&res[0], "pa_alloc_pages"), 2500.0 * p.reps, "half the events are allocs");
	cr_expect_eq(ctr(&res[0], "pa_free_pages"), 2500.0 * p.reps);
	cr_expect(strstr(res[0].warning, "windows"), "%s", res[0].warning);
	cr_expect_not(ctx.shared_cpus);
	pb_results_free(res, n);

	p.ops = 100;
	cr_expect_eq(pb_plan_check(&p, &err), -1, "fixed work took --ops");
	cr_expect(strstr(err.msg, "--ops"), "%s", err.msg);
}

/* Runs $PB_BIN with @argv[1..]; the exit status, stderr into @errbuf. */
static int run_cli(const char **argv, char *errbuf, size_t len)
{
	char errp[] = "/tmp/pbrun-err.XXXXXX";
	posix_spawn_file_actions_t fa;
	int efd = mkstemp(errp), st;
	ssize_t got;
	pid_t pid;

	cr_assert(efd >= 0);
	argv[0] = getenv("PB_BIN");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, efd, 2);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	got = pread(efd, errbuf, len - 1, 0);
	errbuf[got > 0 ? got : 0] = '\0';
	close(efd);
	unlink(errp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(runner, cli_four_threads_on_this_machine, .timeout = 120)
{
	char json[] = "/tmp/pbrun-json.XXXXXX", err[1024];
	const char *argv[] = { NULL, "run", "--alloc", "buddy", "--workload", "threads-test",
			       "--reps", "2", "--ops", "2000", "--batches", "5", "--no-baselines",
			       "--events", "none", "--json", json, NULL, NULL };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	json_t *root, *recs, *c;
	json_error_t je;
	size_t i, n;
	int fd;

	if (!getenv("PB_BIN") || !*getenv("PB_BIN"))
		cr_skip_test("PB_BIN is not set");
	fd = mkstemp(json);
	cr_assert(fd >= 0);
	close(fd);
	unlink(json);
	if (ncpu < 4) {
		cr_expect_eq(run_cli(argv, err, sizeof(err)), 2, "%s", err);
		cr_expect(strstr(err, "4 measured threads") && strstr(err, "--allow-shared-cpus"),
			  "the refusal does not name the counts: %s", err);
		cr_expect(strchr(err, '\n') && strchr(err, '\n') == strrchr(err, '\n') &&
			  strrchr(err, '\n')[1] == '\0', "not one line: %s", err);
		cr_expect(access(json, F_OK), "a refused run wrote %s", json);
	}
	argv[17] = "--allow-shared-cpus";
	cr_assert_eq(run_cli(argv, err, sizeof(err)), 0, "%s", err);
	root = json_load_file(json, 0, &je);
	unlink(json);
	cr_assert_not_null(root, "%s", je.text);
	c = json_array_get(json_object_get(root, "jobs"), 0);
	cr_expect_eq(json_is_true(json_object_get(c, "shared_cpus")), ncpu < 4);
	cr_expect_eq(json_array_size(json_object_get(c, "threads")), 4);
	recs = json_object_get(root, "benchmarks");
	n = 0;
	json_array_foreach(recs, i, c) {
		json_t *tr = json_object_get(c, "track");
		json_t *at = json_object_get(json_object_get(json_object_get(c, "counters"), "atomics"), "value");

		if (json_is_true(json_object_get(c, "gbench_row")))
			continue;
		cr_expect_str_eq(json_string_value(tr), pb_workload_find("threads-test")->tracks[n]);
		cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
			json_array_get(json_object_get(root, "jobs"), 0), "threads"), n), "role")),
			pb_workload_find("threads-test")->tracks[n]);
		/* Per-thread counters: the hops take no lock, the alloc and free threads do. */
		cr_assert(json_is_number(at), "track %zu has no atomics count", n);
		if (n == 0 || n == 3)
			cr_expect_gt(json_number_value(at), 0, "track %zu", n);
		else
			cr_expect_eq(json_number_value(at), 0, "track %zu", n);
		n++;
	}
	cr_expect_eq(n, 4, "one record per thread");
	json_decref(root);
}

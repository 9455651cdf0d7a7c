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
#include "processes.h"
#include "runner_eta.h"
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

/* What the progress callback was told, in order: the name of each run's record. */
struct seen {
	char name[64][128];
	unsigned n, done_last, total;
	double eta_last;
};

static void note_progress(void *arg, unsigned done, unsigned total, double eta_s, const char *name)
{
	struct seen *s = arg;

	if (s->n < 64)
		snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", name);
	s->done_last = done;
	s->total = total;
	s->eta_last = eta_s;
}

static bool is_baseline(const char *name)
{
	return !strchr(name, '/');
}

/*
 * The baselines run among the backends in every repetition (each repetition's order is
 * shuffled over all of them), not after the backends: with seed 1 and 6 instances some
 * repetition runs a baseline before a backend and some backend after a baseline.
 */
Test(runner, baselines_interleaved_with_backends, .timeout = 60)
{
	struct pb_plan p;
	struct pb_job_context ctx = { 0 };
	struct pb_result *res = NULL;
	struct pb_err err;
	struct seen s = { .n = 0 };
	size_t n = 0;
	unsigned runs, base_runs = 0, mixed_reps = 0;

	small_plan(&p, "alloc-free");
	p.allocs[p.nallocs++] = pb_alloc_find("ideal");
	p.baselines = true;
	p.ops = 2000;
	p.reps = 4;
	p.progress = note_progress;
	p.progress_arg = &s;
	cr_assert_eq(pb_run(&p, &ctx, &res, &n, &err), 0, "%s", err.msg);
	runs = 2 + 4;	/* instances: two backends, four baselines */
	cr_assert_eq(s.n, runs * (p.reps + 1), "a warm-up and %u repetitions each", p.reps);
	cr_expect_eq(s.done_last, s.total);
	cr_expect_float_eq(s.eta_last, 0, 1e-9, "nothing left at the end");
	for (unsigned rep = 0; rep < p.reps; rep++) {
		const unsigned first = runs * (rep + 1);	/* after the warm-ups */
		bool base_before_backend = false, seen_base = false;

		for (unsigned k = first; k < first + runs; k++) {
			if (is_baseline(s.name[k])) {
				seen_base = true;
				base_runs++;
			} else if (seen_base) {
				base_before_backend = true;
			}
		}
		mixed_reps += base_before_backend;
	}
	cr_expect_eq(base_runs, 4 * p.reps, "every baseline in every repetition");
	cr_expect_gt(mixed_reps, 0, "the baselines always ran after the backends");
	/* The records keep their order: backends first, then the baselines. */
	cr_assert_eq(n, 6);
	cr_expect_str_eq(res[0].alloc, "buddy");
	cr_expect_str_eq(res[1].alloc, "ideal");
	for (size_t i = 2; i < n; i++)
		cr_expect_str_eq(res[i].kind, "baseline");
	cr_expect_eq(res[5].repetitions, p.reps);
	pb_results_free(res, n);
}

/*
 * The remaining-time estimate on a simulated run: six instances of very different cost,
 * warm-ups that cost several repetitions (the operation count doubles), repetitions in a
 * shuffled order with +-30% jitter. After the first tenth of the runs the estimate is within
 * 2x of what is really left.
 */
Test(runner_math, eta_within_twice_after_the_first_tenth)
{
	static const double cost[6] = { 0.002, 0.05, 0.0004, 0.3, 0.01, 0.002 };
	const unsigned ninst = 6, reps = 9, total = ninst * (reps + 1);
	double dur[6 * 10];
	unsigned who[6 * 10], order[6], k = 0;
	struct pb_rng rng = { 7 };
	struct pb_eta e;

	for (unsigned i = 0; i < ninst; i++) {
		who[k] = i;
		dur[k++] = cost[i] * 7;	/* a warm-up of 1 + 2 + 4 passes; its last pass costs cost[i] */
		order[i] = i;
	}
	for (unsigned r = 0; r < reps; r++) {
		pb_rm_shuffle(&rng, order, ninst);
		for (unsigned i = 0; i < ninst; i++) {
			who[k] = order[i];
			dur[k++] = cost[order[i]] * (0.7 + 0.6 * (double)pb_rng_below(&rng, 1000) / 1000);
		}
	}
	cr_assert_eq(k, total);
	cr_assert_eq(pb_eta_init(&e, ninst, reps + 1), 0);
	cr_expect_lt(pb_eta_left(&e), 0, "no estimate before a run");
	for (k = 0; k < total; k++) {
		double truth = 0, est;

		/* A warm-up reports the cost of its last pass, as the runner does. */
		pb_eta_record(&e, who[k], k < ninst ? dur[k] / 7 : dur[k]);
		for (unsigned j = k + 1; j < total; j++)
			truth += dur[j];
		est = pb_eta_left(&e);
		cr_assert_geq(est, 0);
		if (k + 1 < total / 10 || truth == 0)
			continue;
		cr_expect(est <= 2 * truth && est >= truth / 2, "after run %u of %u: %g s estimated, %g s left",
			  k + 1, total, est, truth);
	}
	cr_expect_float_eq(pb_eta_left(&e), 0, 1e-12);
	pb_eta_free(&e);
}

/* ABBA: A B B A A B B A ...; every even prefix runs each side alike often. */
Test(runner_math, abba_order)
{
	const char *want = "ABBAABBAAB";
	unsigned b = 0;

	for (unsigned k = 0; want[k]; k++) {
		cr_expect_eq(pb_abba_is_b(k), want[k] == 'B', "run %u", k);
		b += pb_abba_is_b(k);
		if (k % 2)
			cr_expect_eq(2 * b, k + 1, "prefix of %u", k + 1);
	}
}

/* Which process of a --processes run this is, from PB_PROCESS; anything malformed is none. */
Test(runner_math, process_index_from_the_environment)
{
	static const struct {
		const char *v;
		bool child;
		unsigned i, n;
	} pcases[] = {
		{ "2/3", true, 2, 3 }, { "0/1", true, 0, 1 }, { "3/3", false, 0, 1 }, { "", false, 0, 1 },
		{ "1/2x", false, 0, 1 }, { "x", false, 0, 1 }, { "1", false, 0, 1 },
	};
	unsigned i, n;

	unsetenv(PB_PROCESS_ENV);
	cr_expect_not(pb_process_child(&i, &n));
	cr_expect(i == 0 && n == 1);
	for (size_t k = 0; k < sizeof(pcases) / sizeof(pcases[0]); k++) {
		setenv(PB_PROCESS_ENV, pcases[k].v, 1);
		cr_expect_eq(pb_process_child(&i, &n), pcases[k].child, "'%s'", pcases[k].v);
		cr_expect(i == pcases[k].i && n == pcases[k].n, "'%s': %u/%u", pcases[k].v, i, n);
	}
	unsetenv(PB_PROCESS_ENV);
}

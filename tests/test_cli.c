/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pagebench command line as a user meets it: the binary named by $PB_BIN is run with
 * bad input and must exit 2 with exactly one line on stderr that names what was wrong,
 * without creating the --json file or anything beside it; `list`, `run --help` and a small
 * real run must succeed and produce a table and a results file with the promised fields.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "options.h"

extern char **environ;

struct cli_run {
	int status;	/* exit status, or 128 + signal */
	char *out;	/* stdout, NUL-terminated */
	char *err;	/* stderr, NUL-terminated */
};

/* A fresh directory per test: the --json target lives in it, so "nothing created" is "empty". */
static char tmpdir[64];
/* The last run's output, freed by teardown too when an assertion cut the test short. */
static struct cli_run *live;
static json_t *live_json;

static void setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/pbcli.XXXXXX", base && strlen(base) < 40 ? base : "/tmp");
	cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp");
}

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static void run_free(struct cli_run *r);

static void teardown(void)
{
	if (live)
		run_free(live);
	json_decref(live_json);
	live_json = NULL;
	if (tmpdir[0])
		rm_tree(tmpdir);
}

static const char *pb_bin(void)
{
	const char *bin = getenv("PB_BIN");

	if (!bin || !*bin)
		cr_skip_test("PB_BIN is not set (run through `make test`)");
	return bin;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	cr_assert_not_null(f, "cannot open %s", path);
	do {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 8192;
			buf = realloc(buf, cap + 1);
			cr_assert_not_null(buf);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Runs @argv[0] (a path) with @argv, stdout and stderr to files outside tmpdir. */
static struct cli_run run_cmd(const char *const *argv)
{
	const char *bin = argv[0];
	char outp[] = "/tmp/pbcli-out.XXXXXX", errp[] = "/tmp/pbcli-err.XXXXXX";
	posix_spawn_file_actions_t fa;
	struct cli_run r = { 0 };
	int ofd, efd, st;
	pid_t pid;

	ofd = mkstemp(outp);
	efd = mkstemp(errp);
	cr_assert(ofd >= 0 && efd >= 0, "mkstemp");
	cr_assert_eq(posix_spawn_file_actions_init(&fa), 0);
	posix_spawn_file_actions_adddup2(&fa, ofd, 1);
	posix_spawn_file_actions_adddup2(&fa, efd, 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	cr_assert_eq(posix_spawn(&pid, bin, &fa, NULL, (char *const *)argv, environ), 0,
		     "cannot run %s", bin);
	posix_spawn_file_actions_destroy(&fa);
	close(ofd);
	close(efd);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r.out = slurp(outp);
	r.err = slurp(errp);
	unlink(outp);
	unlink(errp);
	return r;
}

/* Runs $PB_BIN with @args (NULL-terminated). */
static struct cli_run run_v(const char *const *args)
{
	const char *argv[64];
	unsigned n = 0;

	argv[n++] = pb_bin();
	for (; *args; args++) {
		cr_assert_lt(n, 63);
		argv[n++] = *args;
	}
	argv[n] = NULL;
	return run_cmd(argv);
}
/* Runs the CLI into the caller's struct cli_run, which teardown frees if the test fails. */
#define RUN_INTO(r, ...) ((r) = run_v((const char *const[]){ __VA_ARGS__, NULL }), live = &(r))

static void run_free(struct cli_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	if (live == r)
		live = NULL;
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static unsigned dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static const char *json_path(void)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/r.json", tmpdir);
	return p;
}

/*
 * The contract for bad input: exit 2, one line on stderr containing every one of the
 * NULL-terminated @needles, and nothing at all written next to the --json target.
 */
static void expect_usage_error_v(struct cli_run *r, const char *const *needles)
{
	cr_assert_eq(r->status, 2, "exit status %d, expected 2; stderr:\n%s", r->status, r->err);
	cr_assert_eq(count_lines(r->err), 1, "expected one line on stderr, got:\n%s", r->err);
	cr_assert(r->err[strlen(r->err) - 1] == '\n', "stderr line not terminated: %s", r->err);
	for (; *needles; needles++)
		cr_assert_not_null(strstr(r->err, *needles), "stderr does not name '%s': %s", *needles,
				   r->err);
	cr_assert_eq(dir_entries(tmpdir), 0, "a usage error left files in %s", tmpdir);
	run_free(r);
}
#define EXPECT_USAGE(r, ...) expect_usage_error_v(&(r), (const char *const[]){ __VA_ARGS__, NULL })

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 120);

Test(cli, unknown_command)
{
	static struct cli_run r;

	RUN_INTO(r, "frobnicate", "--json", json_path());

	EXPECT_USAGE(r, "frobnicate");
}

Test(cli, run_without_workload)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy");

	EXPECT_USAGE(r, "--workload");
}

Test(cli, unknown_workload)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload", "nosuchwl");

	EXPECT_USAGE(r, "nosuchwl");
}

Test(cli, unknown_backend)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy,nosuch", "--workload",
		    "alloc-free");

	EXPECT_USAGE(r, "'nosuch'");
}

Test(cli, duplicate_backend)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "ptr_ring_pool,buddy,buddy",
		    "--workload", "alloc-free");

	cr_assert(strstr(r.err, "twice") || strstr(r.err, "duplicate") || strstr(r.err, "more than once"),
		  "duplicate not reported as such: %s", r.err);
	EXPECT_USAGE(r, "'buddy'");
}

Test(cli, set_without_equals)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload",
		    "alloc-free", "--set", "frobkey");

	EXPECT_USAGE(r, "frobkey", "--set");
}

Test(cli, set_unknown_key)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload",
		    "alloc-free", "--set", "frobnicate=1");

	EXPECT_USAGE(r, "frobnicate");
}

Test(cli, set_out_of_range)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload",
		    "alloc-free", "--set", "order=99");

	/* buddy's order goes from 0 to 10 (PB_MAX_ORDER). */
	EXPECT_USAGE(r, "order", "99", "0", "10");
}

Test(cli, set_not_a_number)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload",
		    "alloc-free", "--set", "mem=abc");

	EXPECT_USAGE(r, "mem", "abc");
}

Test(cli, reps_zero)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload",
		    "alloc-free", "--reps", "0");

	EXPECT_USAGE(r, "--reps", "0");
}

Test(cli, reps_not_a_number)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload",
		    "alloc-free", "--reps", "abc");

	EXPECT_USAGE(r, "--reps", "abc");
}

Test(cli, ops_negative)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload",
		    "alloc-free", "--ops", "-5");

	EXPECT_USAGE(r, "--ops", "-5");
}

Test(cli, unknown_option)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload",
		    "alloc-free", "--frob");

	EXPECT_USAGE(r, "--frob");
}

Test(cli, unknown_short_option)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload",
		    "alloc-free", "-z");

	EXPECT_USAGE(r, "-z");
}

/*
 * An unknown short option inside a cluster: getopt has not moved optind past the cluster
 * yet, so argv[optind - 1] is the previous argument, not the offending one.
 */
Test(cli, unknown_short_option_in_cluster)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload",
		    "alloc-free", "-zq");

	cr_assert(strstr(r.err, "-z") || strstr(r.err, "'z'"),
		  "the error does not name the unknown option -z: %s", r.err);
	cr_assert_null(strstr(r.err, "alloc-free"), "the error names an innocent argument: %s", r.err);
	EXPECT_USAGE(r, "option");
}

Test(cli, missing_option_value)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload");

	EXPECT_USAGE(r, "--workload");
}

Test(cli, cpus_out_of_range)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload",
		    "alloc-free", "--cpus", "9999", "--reps", "3", "--ops", "1000");

	EXPECT_USAGE(r, "9999");
}

Test(cli, cross_cpu_with_one_context_backend)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "ptr_ring_pool,ideal",
		    "--workload", "cross-cpu", "--reps", "3", "--ops", "1000");

	EXPECT_USAGE(r, "ideal", "cross-cpu");
}

Test(cli, list_names_everything)
{
	static const char *const names[] = {
		"buddy", "ptr_ring_pool", "ideal", "null",
		"alloc-free", "alloc-free-remote", "alloc-free-slow", "outstanding", "bulk",
		"cross-cpu", "for-loop", "atomic-inc", "spin-lock",
	};
	static struct cli_run r;

	RUN_INTO(r, "list");

	cr_assert_eq(r.status, 0, "list exited %d: %s", r.status, r.err);
	cr_assert_str_empty(r.err);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* The name as the first word of a line, not as part of a longer name. */
		bool found = false;

		for (const char *l = r.out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			size_t n = strlen(names[i]);

			while (*l == ' ')
				l++;
			if (!strncmp(l, names[i], n) && (l[n] == ' ' || l[n] == '\n' || !l[n])) {
				found = true;
				break;
			}
		}
		cr_assert(found, "list does not show '%s':\n%s", names[i], r.out);
	}
	run_free(&r);
}

Test(cli, run_help)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--help");

	cr_assert_eq(r.status, 0, "run --help exited %d: %s", r.status, r.err);
	cr_assert_str_empty(r.err);
	cr_assert_not_null(strstr(r.out, "usage"), "no usage text: %s", r.out);
	cr_assert_not_null(strstr(r.out, "--workload"));
	cr_assert_not_null(strstr(r.out, "--json"));
	/* The help is made from the option table: every option of it is there. */
	for (const struct pb_option *o = pb_options; o->name; o++) {
		char opt[64];

		snprintf(opt, sizeof(opt), "  --%s ", o->name);
		cr_expect(strstr(r.out, opt) || (opt[strlen(opt) - 1] = '\n', strstr(r.out, opt)),
			  "--help does not list --%s:\n%s", o->name, r.out);
	}
	run_free(&r);
}

/* True when some line of @out starts with @first and contains @also (may be NULL). */
static bool has_row(const char *out, const char *first, const char *also)
{
	size_t n = strlen(first);

	for (const char *l = out; *l;) {
		const char *eol = strchr(l, '\n');
		size_t len = eol ? (size_t)(eol - l) : strlen(l);

		if (len > n && !strncmp(l, first, n) && l[n] == ' ') {
			if (!also)
				return true;
			for (const char *p = l; p + strlen(also) <= l + len; p++)
				if (!strncmp(p, also, strlen(also)))
					return true;
		}
		if (!eol)
			break;
		l = eol + 1;
	}
	return false;
}

static json_t *find_bench(json_t *benches, const char *alloc)
{
	size_t i;
	json_t *b;

	json_array_foreach(benches, i, b) {
		json_t *a = json_object_get(b, "alloc");

		if (json_is_string(a) && !strcmp(json_string_value(a), alloc))
			return b;
	}
	return NULL;
}

Test(cli, small_real_run)
{
	static const char *const backends[] = { "buddy", "ptr_ring_pool", "ideal" };
	static const char *const baselines[] = { "for-loop", "atomic-inc", "spin-lock" };
	static struct cli_run r;
	json_error_t jerr;
	json_t *root, *ctx, *benches, *hz;

	RUN_INTO(r, "run", "--alloc", "buddy,ptr_ring_pool,ideal", "--workload", "alloc-free",
		    "--reps", "3", "--ops", "20000", "--batches", "10", "--json", json_path());

	cr_assert_eq(r.status, 0, "run exited %d; stderr:\n%s", r.status, r.err);
	/* Nothing but progress lines, which a run longer than a few seconds prints into a file. */
	for (const char *l = r.err; *l; l += strcspn(l, "\n") + 1)
		cr_assert(!strncmp(l, "pagebench: run ", 15) && strstr(l, " s left"),
			  "a successful run wrote to stderr: %s", r.err);
	for (size_t i = 0; i < 3; i++) {
		cr_assert(has_row(r.out, backends[i], "alloc-free"), "no table row for %s:\n%s",
			  backends[i], r.out);
		cr_assert(has_row(r.out, "(baseline)", baselines[i]), "no baseline row %s:\n%s",
			  baselines[i], r.out);
	}
	cr_assert_eq(dir_entries(tmpdir), 1, "the run left more than its results file in %s", tmpdir);

	root = live_json = json_load_file(json_path(), 0, &jerr);
	cr_assert_not_null(root, "%s: %s (line %d)", json_path(), jerr.text, jerr.line);
	ctx = json_object_get(root, "context");
	cr_assert(json_is_object(ctx), "no context object");
	/* The TSC rate is measured per job: the one job's context has it. */
	cr_assert_eq(json_array_size(json_object_get(root, "jobs")), 1, "one job context");
	hz = json_object_get(json_array_get(json_object_get(root, "jobs"), 0), "tsc_hz");
	cr_assert(json_is_number(hz), "jobs[0].tsc_hz is not a number");
	cr_assert_gt(json_number_value(hz), 0);
	benches = json_object_get(root, "benchmarks");
	cr_assert(json_is_array(benches), "no benchmarks array");
	{
		size_t i, nbackend = 0;
		json_t *b;

		json_array_foreach(benches, i, b) {
			const char *kind = json_string_value(json_object_get(b, "kind"));

			if (json_is_true(json_object_get(b, "gbench_row")))
				continue;	/* Google Benchmark's view of the records */
			cr_assert_not_null(kind, "benchmark %zu has no kind", i);
			nbackend += !strcmp(kind, "backend");
		}
		cr_assert_eq(nbackend, 3, "expected one record per backend, got %zu", nbackend);
		for (i = 0; i < 3; i++) {
			bool found = false;

			json_array_foreach(benches, nbackend, b) {
				const char *wl = json_string_value(json_object_get(b, "workload"));
				const char *kind = json_string_value(json_object_get(b, "kind"));

				found |= wl && !strcmp(wl, baselines[i]) && !strcmp(kind, "baseline");
			}
			cr_assert(found, "no baseline record for %s", baselines[i]);
		}
	}
	for (size_t i = 0; i < 3; i++) {
		json_t *b = find_bench(benches, backends[i]), *cyc, *med, *samples, *st;

		cr_assert_not_null(b, "no benchmark for %s", backends[i]);
		cr_assert_str_eq(json_string_value(json_object_get(b, "workload")), "alloc-free");
		cyc = json_object_get(b, "cycles_per_op");
		cr_assert(json_is_object(cyc), "%s: no cycles_per_op", backends[i]);
		med = json_object_get(cyc, "median");
		cr_assert(json_is_number(med), "%s: cycles_per_op.median not a number", backends[i]);
		cr_assert_gt(json_number_value(med), 0, "%s: median %g", backends[i],
			     json_number_value(med));
		samples = json_object_get(b, "samples");
		cr_assert(json_is_array(samples), "%s: no samples", backends[i]);
		cr_assert_eq(json_array_size(samples), 3, "%s: %zu samples", backends[i],
			     json_array_size(samples));
		cr_assert_eq(json_integer_value(json_object_get(b, "repetitions")), 3);
		st = json_object_get(b, "counters");
		cr_assert(json_is_object(st), "%s: no counters", backends[i]);
		cr_assert_str_eq(json_string_value(json_object_get(json_object_get(st, "in_flight"), "kind")),
				 "level", "%s: in_flight is a level", backends[i]);
		cr_assert(json_is_integer(json_object_get(json_object_get(st, "pa_alloc_calls"), "value")));
		cr_assert_eq(json_integer_value(json_object_get(json_object_get(st, "leaked_pages"), "value")), 0);
	}
	/* buddy goes to the page allocator for every page; ptr_ring_pool recycles in steady state. */
	{
		json_t *bs = json_object_get(find_bench(benches, "buddy"), "counters");
		json_t *ps = json_object_get(find_bench(benches, "ptr_ring_pool"), "counters");

		cr_assert_geq(json_integer_value(json_object_get(json_object_get(bs, "pa_alloc_calls"), "value")),
			      3 * 20000);
		cr_assert_geq(json_integer_value(json_object_get(json_object_get(ps, "alloc_fast"), "value")),
			      3 * 20000 - 64);
	}
	json_decref(root);
	live_json = NULL;
	run_free(&r);
}

Test(cli, json_to_missing_directory)
{
	static struct cli_run r;
	struct stat sb;

	RUN_INTO(r, "run", "--alloc", "buddy,ptr_ring_pool,ideal", "--workload", "alloc-free",
		    "--reps", "3", "--ops", "20000", "--batches", "10",
		    "--json", "/nonexistent-dir/r.json");

	cr_assert_neq(r.status, 0, "writing to a missing directory succeeded");
	cr_assert_lt(r.status, 128, "died of signal %d; stderr:\n%s", r.status - 128, r.err);
	cr_assert_eq(count_lines(r.err), 1, "expected one line on stderr, got:\n%s", r.err);
	cr_assert_not_null(strstr(r.err, "/nonexistent-dir/r.json"), "path not named: %s", r.err);
	cr_assert_neq(stat("/nonexistent-dir", &sb), 0);
	run_free(&r);
}

/* ---- measurement: configs, PMU fallback, compare ---- */

static const char *testdata(const char *file)
{
	static char p[512];
	const char *dir = getenv("PB_TESTDATA");

	snprintf(p, sizeof(p), "%s/%s", dir && *dir ? dir : "tests/data", file);
	return p;
}

Test(cli, config_error_names_file_and_line)
{
	static struct cli_run r;

	RUN_INTO(r, "run", testdata("config/bad_value.ini"), "--json", json_path());

	EXPECT_USAGE(r, "bad_value.ini:7", "order");
}

Test(cli, config_with_other_options_is_refused)
{
	static struct cli_run r;

	RUN_INTO(r, "run", testdata("config/one_backend.ini"), "--seed", "3", "--json", json_path());

	EXPECT_USAGE(r, "config file", "--seed");
}

Test(cli, config_runs_every_job_into_one_file)
{
	static struct cli_run r;
	json_error_t e;
	json_t *b;
	size_t i, with_job = 0, records = 0;
	char cfg[256];
	FILE *f;

	snprintf(cfg, sizeof(cfg), "%s/two.ini", tmpdir);
	f = fopen(cfg, "w");
	cr_assert_not_null(f);
	fputs("[global]\nreps = 3\nops = 20000\nbatches = 10\nalloc = buddy\n"
	      "[first]\nworkload = alloc-free\n[second]\nworkload = alloc-free-remote\nbaselines = off\n", f);
	fclose(f);
	RUN_INTO(r, "run", cfg, "--json", json_path());

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.out, "[first]"));
	cr_assert_not_null(strstr(r.out, "[second]"));
	live_json = json_load_file(json_path(), 0, &e);
	cr_assert_not_null(live_json, "%s", e.text);
	json_array_foreach(json_object_get(live_json, "benchmarks"), i, b) {
		if (json_is_true(json_object_get(b, "gbench_row")))
			continue;
		records++;
		with_job += json_string_value(json_object_get(b, "job")) != NULL;
	}
	cr_assert_eq(with_job, records, "every record names its job");
	cr_assert_geq(with_job, 5, "first job: buddy + 3 baselines, second: buddy");
	/* One context per job, each naming its own job. */
	b = json_object_get(live_json, "jobs");
	cr_assert_eq(json_array_size(b), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(b, 0), "job")), "first");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(b, 1), "job")), "second");
}

Test(cli, unknown_event_is_a_usage_error)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--json", json_path(), "--alloc", "buddy", "--workload", "alloc-free",
		 "--events", "cycles,frobcount");

	EXPECT_USAGE(r, "frobcount");
}

/* With every perf_event_open refused, the run goes on and the file says why. */
Test(cli, no_pmu_fallback_records_the_reason)
{
	static struct cli_run r;
	json_error_t e;
	json_t *ev;

	setenv("PB_PMU_FAKE_ERRNO", "EACCES", 1);
	RUN_INTO(r, "run", "--alloc", "ptr_ring_pool", "--workload", "alloc-free", "--reps", "3",
		 "--ops", "20000", "--batches", "10", "--no-baselines", "--events", "cycles,instructions",
		 "--json", json_path());

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.out, "PMU:"), "the table must say counters were unavailable");
	live_json = json_load_file(json_path(), 0, &e);
	cr_assert_not_null(live_json, "%s", e.text);
	ev = json_object_get(json_object_get(json_array_get(json_object_get(live_json, "benchmarks"), 0),
					     "pmu_events"), "instructions");
	cr_assert(json_is_false(json_object_get(ev, "available")));
	cr_assert_not_null(strstr(json_string_value(json_object_get(ev, "why")), "paranoid"));
}

static bool no_valgrind(void)
{
	const char *skip = getenv("PB_SKIP_VALGRIND");

	return (skip && *skip == '1') || system("valgrind --version >/dev/null 2>&1");
}

/* Instruction counts (PMU or callgrind) of ideal and ptr_ring_pool, 5 repetitions. */
static void instr_run(struct cli_run *r, const char *json, const char *delay)
{
	RUN_INTO(*r, "run", "--alloc", "ideal,ptr_ring_pool", "--workload", "alloc-free", "--reps",
		 "5", "--metric", "instructions", "--no-baselines", "--set", delay, "--json", json);
	cr_assert_eq(r->status, 0, "stderr: %s", r->err);
	run_free(r);
}

Test(cli, compare_same_build_says_same, .timeout = 300)
{
	static struct cli_run r;
	char a[160], b[160];

	if (no_valgrind())
		cr_skip_test("instruction counts need the PMU or valgrind (not under ASan)");
	snprintf(a, sizeof(a), "%s/a.json", tmpdir);
	snprintf(b, sizeof(b), "%s/b.json", tmpdir);
	instr_run(&r, a, "delay=0");
	instr_run(&r, b, "delay=0");
	RUN_INTO(r, "compare", a, b, "--metric", "instructions");

	cr_assert_eq(r.status, 0, "stdout: %s\nstderr: %s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "alloc-free/ideal"));
	/* Every benchmark row ends in its verdict; the footer names the rules, so read rows only. */
	for (const char *row = r.out; (row = strstr(row, "alloc-free/")); row++) {
		const char *eol = strchr(row, '\n');

		cr_assert_not_null(eol);
		cr_assert_eq(strncmp(eol - 4, "same", 4), 0, "row: %.*s", (int)(eol - row), row);
	}
}

Test(cli, compare_injected_slowdown_says_slower, .timeout = 300)
{
	static struct cli_run r;
	char a[160], b[160];
	const char *row;

	if (no_valgrind())
		cr_skip_test("instruction counts need the PMU or valgrind (not under ASan)");
	snprintf(a, sizeof(a), "%s/a.json", tmpdir);
	snprintf(b, sizeof(b), "%s/b.json", tmpdir);
	instr_run(&r, a, "delay=0");
	instr_run(&r, b, "delay=50");
	RUN_INTO(r, "compare", a, b, "--metric", "instructions");

	cr_assert_eq(r.status, 1, "a regression must exit 1; stdout: %s", r.out);
	row = strstr(r.out, "alloc-free/ideal/path=none ");
	cr_assert_not_null(row, "%s", r.out);
	cr_assert_eq(strncmp(strchr(row, '\n') - 6, "slower", 6), 0, "ideal row: %.*s",
		     (int)(strchr(row, '\n') - row), row);
	cr_assert_not_null(strstr(r.out, "alloc-free/ptr_ring_pool"));
}

Test(cli, compare_bad_inputs)
{
	static struct cli_run r;
	char bad[160], other[160];
	FILE *f;

	snprintf(bad, sizeof(bad), "%s/bad.json", tmpdir);
	f = fopen(bad, "w");
	cr_assert_not_null(f);
	fputs("{\n  \"context\": {},\n  \"benchmarks\": [,]\n}\n", f);
	fclose(f);
	RUN_INTO(r, "compare", bad, bad);
	cr_assert_eq(r.status, 2);
	cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "bad.json:3:"), "names file and line: %s", r.err);
	run_free(&r);

	snprintf(other, sizeof(other), "%s/other.json", tmpdir);
	f = fopen(other, "w");
	cr_assert_not_null(f);
	fputs("{\"context\": {}, \"benchmarks\": [{\"name\": \"x\", \"cycles_per_op\": {\"median\": 1},"
	      " \"samples\": [{\"cycles_per_op\": 1}]}]}\n", f);
	fclose(f);
	RUN_INTO(r, "compare", other, testdata("nonexistent.json"));
	cr_assert_eq(r.status, 2);
	cr_assert_eq(count_lines(r.err), 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "nonexistent.json"), "%s", r.err);
	run_free(&r);

	RUN_INTO(r, "compare", other);
	cr_assert_eq(r.status, 2);
	run_free(&r);

	/* Baselines alone say how the machine moved, nothing about a backend: not a comparison. */
	f = fopen(other, "w");
	cr_assert_not_null(f);
	fputs("{\"context\": {}, \"benchmarks\": [{\"name\": \"for-loop\", \"kind\": \"baseline\","
	      " \"cycles_per_op\": {\"median\": 1}, \"samples\": [{\"cycles_per_op\": 1}]}]}\n", f);
	fclose(f);
	RUN_INTO(r, "compare", other, other);
	cr_assert_eq(r.status, 2, "%s", r.out);
	cr_assert_not_null(strstr(r.err, "no backend benchmark in common"), "%s", r.err);
	run_free(&r);
}

/* ---- bad input refused before anything runs (each: exit 2, one line, no file) ---- */

/* Writes @text to tmpdir/@name and returns its path (the caller removes it before checks). */
static const char *write_file(const char *name, const char *text)
{
	static char p[2][256];
	static int k;
	FILE *f;

	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", tmpdir, name);
	f = fopen(p[k], "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return p[k];
}

/* Runs @args with the config @text, which lives outside tmpdir so that tmpdir stays empty. */
static char cfg_path[64];

static const char *outside_config(const char *text)
{
	FILE *f;
	int fd;

	snprintf(cfg_path, sizeof(cfg_path), "/tmp/pbcfg.XXXXXX");
	fd = mkstemp(cfg_path);
	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return cfg_path;
}

Test(cli, json_empty_path)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--alloc", "buddy", "--workload", "alloc-free", "--json", "");

	EXPECT_USAGE(r, "--json", "empty");
}

Test(cli, json_in_proc)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--alloc", "buddy", "--workload", "alloc-free", "--json", "/proc/x.json");

	EXPECT_USAGE(r, "/proc/x.json", "cannot create");
}

Test(cli, json_is_a_directory)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--alloc", "buddy", "--workload", "alloc-free", "--json", "/tmp");

	EXPECT_USAGE(r, "/tmp", "directory");
}

/*
 * A read-only directory, which root may not write either: a tmpfs mounted read-only in a
 * mount namespace of the run's own (access(W_OK) says yes to root there).
 */
Test(cli, json_in_read_only_directory)
{
	static struct cli_run r;
	char script[512], target[128];

	if (access("/usr/bin/unshare", X_OK))
		cr_skip_test("no unshare(1)");
	snprintf(target, sizeof(target), "%s/r.json", tmpdir);
	snprintf(script, sizeof(script),
		 "mount -t tmpfs -o ro tmpfs '%s' || exit 99; exec \"$0\" \"$@\"", tmpdir);
	r = run_cmd((const char *const[]){ "/usr/bin/unshare", "-m", "sh", "-c", script, pb_bin(),
					   "run", "--alloc", "buddy", "--workload", "alloc-free",
					   "--reps", "1", "--json", target, NULL });
	live = &r;
	if (r.status == 99 || strstr(r.err, "unshare failed"))
		cr_skip_test("cannot mount in a new mount namespace here: %s", r.err);
	cr_assert_null(strstr(r.out, "backend"), "the run started: %s", r.out);
	EXPECT_USAGE(r, target, "Read-only file system");
}

Test(cli, json_check_failure_injected)
{
	static struct cli_run r;

	setenv("PB_TEST_OUTPUT_FAIL", "13", 1);	/* EACCES */
	RUN_INTO(r, "run", "--alloc", "buddy", "--workload", "alloc-free", "--json", json_path());
	unsetenv("PB_TEST_OUTPUT_FAIL");

	EXPECT_USAGE(r, "r.json", "Permission denied");
}

Test(cli, kmod_parse_json_unwritable)
{
	static struct cli_run r;

	RUN_INTO(r, "kmod", "parse", testdata("kmod/good.log"), "--json", "/proc/x.json");

	cr_assert_null(strstr(r.out, "k_alloc_pages"), "parsed before the check: %s", r.out);
	EXPECT_USAGE(r, "/proc/x.json");
}

Test(cli, config_job_needs_more_than_the_pool)
{
	static struct cli_run r;
	const char *cfg = outside_config("[global]\nreps = 1\n[fine]\nalloc = buddy\nworkload = alloc-free\n"
					 "[big]\nalloc = dpdk_mempool\nworkload = outstanding\nn = 8192\n");

	RUN_INTO(r, "run", cfg, "--json", json_path());
	unlink(cfg);

	if (strstr(r.err, "not available in this build"))
		cr_skip_test("no DPDK in this build");
	cr_assert_null(strstr(r.out, "backend"), "a job ran: %s", r.out);
	EXPECT_USAGE(r, ":6: [big]", "n=8192", "8192", "objects=8191");
}

Test(cli, buddy_memory_too_small_for_the_workload)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--alloc", "buddy", "--workload", "outstanding", "--set", "n=65536",
		 "--set", "mem=4M", "--json", json_path());

	EXPECT_USAGE(r, "n=65536", "mem=4M", "1024");
}

Test(cli, kmod_run_set_refused_before_boot)
{
	static struct cli_run r;
	char runner[160];

	/* A runner that leaves a file behind: a boot attempt shows up as an entry in tmpdir. */
	snprintf(runner, sizeof(runner), "%s/runner.sh", tmpdir);
	write_file("runner.sh", "#!/bin/sh\ntouch \"$(dirname \"$0\")/booted\"\n");
	chmod(runner, 0755);
	setenv("PB_KMOD_RUNNER", runner, 1);
	RUN_INTO(r, "kmod", "run", "--set", "loops=abc");
	unlink(runner);

	EXPECT_USAGE(r, "loops=abc", "loops");
	RUN_INTO(r, "kmod", "run", "--set", "handoff=100");
	EXPECT_USAGE(r, "handoff=100", "power of two");
	RUN_INTO(r, "kmod", "run", "--set", "bulk=1,500");
	EXPECT_USAGE(r, "'500' must be 1..128");
	RUN_INTO(r, "kmod", "run", "--set", "frob=1");
	EXPECT_USAGE(r, "frob", "not a parameter");
	RUN_INTO(r, "kmod", "run", "--set", "reps=3", "--set", "reps=4");
	EXPECT_USAGE(r, "reps", "twice");
	RUN_INTO(r, "kmod", "run", "loops=3");
	EXPECT_USAGE(r, "stray argument", "loops=3");
	RUN_INTO(r, "kmod", "run", "--json", "/proc/x.json");
	EXPECT_USAGE(r, "/proc/x.json");
	unsetenv("PB_KMOD_RUNNER");
}

Test(cli, kmod_run_valid_set_reaches_the_runner)
{
	static struct cli_run r;
	char runner[160], booted[160];
	struct stat sb;

	snprintf(runner, sizeof(runner), "/tmp/pbrunner.%d.sh", (int)getpid());
	snprintf(booted, sizeof(booted), "%s/booted", tmpdir);
	{
		FILE *f = fopen(runner, "w");

		cr_assert_not_null(f);
		fprintf(f, "#!/bin/sh\necho \"$@\" > '%s'\n", booted);
		fclose(f);
	}
	chmod(runner, 0755);
	setenv("PB_KMOD_RUNNER", runner, 1);
	RUN_INTO(r, "kmod", "run", "--set", "loops=0x10", "--set", "cpu=-1", "--set", "mode=bench,numa");
	unlink(runner);
	unsetenv("PB_KMOD_RUNNER");

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(stat(booted, &sb), 0, "the runner was not started");
	run_free(&r);
}

Test(cli, stray_arguments_are_named)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--alloc", "buddy", "--workload", "alloc-free", "extra", "--json",
		 json_path());
	EXPECT_USAGE(r, "stray argument 'extra'");
	RUN_INTO(r, "list", "extra");
	EXPECT_USAGE(r, "stray argument 'extra'");
	RUN_INTO(r, "kmod", "parse", testdata("kmod/good.log"), "other.log");
	EXPECT_USAGE(r, "stray argument 'other.log'");
	RUN_INTO(r, "run", testdata("config/one_backend.ini"), "second.ini");
	EXPECT_USAGE(r, "stray argument 'second.ini'");
}

Test(cli, mem_bounds_read_as_sizes)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--alloc", "buddy", "--workload", "alloc-free", "--set", "mem=1k",
		 "--json", json_path());

	EXPECT_USAGE(r, "mem=1k", "between 4M and 64G");
}

Test(cli, duplicate_set_key)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--alloc", "buddy", "--workload", "alloc-free", "--set", "order=1",
		 "--set", "order=2", "--json", json_path());

	EXPECT_USAGE(r, "order", "given twice");
}

Test(cli, more_cpus_than_threads)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--alloc", "buddy", "--workload", "alloc-free", "--cpus", "0,1",
		 "--json", json_path());

	EXPECT_USAGE(r, "--cpus", "2 CPUs", "1 thread");
}

Test(cli, empty_events)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--alloc", "buddy", "--workload", "alloc-free", "--events", "",
		 "--json", json_path());

	EXPECT_USAGE(r, "--events", "''");
}

/* ---- config runs: overrides, incomplete results; --alloc all; notes once ---- */

Test(cli, config_failing_job_keeps_the_jobs_before)
{
	static struct cli_run r;
	json_error_t e;
	json_t *inc, *b;
	size_t i, recs = 0;
	/* Every page allocator call fails (fault injection): only running the second job shows it. */
	const char *cfg = outside_config("[global]\nreps = 1\nops = 2000\nbatches = 5\nbaselines = off\n"
					 "[first]\nalloc = buddy\nworkload = alloc-free\n"
					 "[second]\nalloc = buddy\nworkload = outstanding\nfail = 1\n"
					 "[third]\nalloc = buddy\nworkload = alloc-free\n");

	RUN_INTO(r, "run", cfg, "--json", json_path());
	unlink(cfg);

	cr_assert_eq(r.status, 1, "stdout: %s\nstderr: %s", r.out, r.err);
	cr_assert_not_null(strstr(r.err, "second"), "%s", r.err);
	cr_assert_null(strstr(r.out, "[third]"), "ran on after the failure: %s", r.out);
	live_json = json_load_file(json_path(), 0, &e);
	cr_assert_not_null(live_json, "no partial file: %s", e.text);
	inc = json_object_get(live_json, "incomplete");
	cr_assert(json_is_object(inc), "not marked incomplete");
	cr_assert_str_eq(json_string_value(json_object_get(inc, "job")), "second");
	cr_assert_not_null(strstr(json_string_value(json_object_get(inc, "error")), "allocation failed"));
	json_array_foreach(json_object_get(live_json, "benchmarks"), i, b) {
		if (json_is_true(json_object_get(b, "gbench_row")))
			continue;
		recs++;
		cr_assert_str_eq(json_string_value(json_object_get(b, "job")), "first");
	}
	cr_assert_eq(recs, 1, "the first job's record");
}

Test(cli, config_reps_and_ops_overridden_and_recorded)
{
	static struct cli_run r;
	json_error_t e;
	json_t *b, *jobs;
	size_t i;
	const char *cfg = outside_config("[global]\nreps = 5\nops = 50000\nbatches = 5\nbaselines = off\n"
					 "alloc = buddy\n[a]\nworkload = alloc-free\n[b]\nworkload = alloc-free-remote\n");

	RUN_INTO(r, "run", cfg, "--reps", "2", "--ops", "3000", "--json", json_path());
	unlink(cfg);

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	live_json = json_load_file(json_path(), 0, &e);
	cr_assert_not_null(live_json, "%s", e.text);
	jobs = json_object_get(live_json, "jobs");
	cr_assert_eq(json_array_size(jobs), 2);
	json_array_foreach(jobs, i, b)
		cr_assert_str_eq(json_string_value(json_object_get(b, "overrides")), "reps=2,ops=3000");
	json_array_foreach(json_object_get(live_json, "benchmarks"), i, b) {
		if (json_is_true(json_object_get(b, "gbench_row")))
			continue;
		cr_assert_eq(json_integer_value(json_object_get(b, "repetitions")), 2,
			     "reps not overridden");
	}
}

Test(cli, config_ops_override_refused_for_fixed_work)
{
	static struct cli_run r;
	const char *cfg = outside_config("[t]\nworkload = fixed-test\nalloc = buddy\n");

	RUN_INTO(r, "run", cfg, "--ops", "1000", "--json", json_path());
	unlink(cfg);

	EXPECT_USAGE(r, "[t]", "ops=1000", "fixed amount of work");
}

Test(cli, alloc_all_skips_what_cannot_run_and_says_why)
{
	static struct cli_run r;

	RUN_INTO(r, "run", "--alloc", "all", "--workload", "alloc-free-slow", "--reps", "1", "--ops",
		 "2000", "--batches", "5", "--no-baselines");

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.out, "skipped by --alloc all: jemalloc: "), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "page references"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "\nbuddy "), "%s", r.out);
	cr_assert_null(strstr(r.out, "\njemalloc "), "%s", r.out);
	run_free(&r);
}

Test(cli, repeated_warnings_print_once_with_a_count)
{
	static struct cli_run r;
	const char *first;

	RUN_INTO(r, "kmod", "parse", testdata("kmod/good.log"));

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	first = strstr(r.out, "atomics not counted");
	cr_assert_not_null(first, "%s", r.out);
	cr_assert_null(strstr(first + 1, "atomics not counted"), "said twice: %s", r.out);
	cr_assert_not_null(strstr(r.out, "(2 rows:"), "%s", r.out);
	run_free(&r);
}

/* ---- the README's example is what this build prints ---- */

/*
 * The example's command is run again (few repetitions: the columns do not depend on how
 * long it runs) and its header line must be the README's, with a row for every backend the
 * README shows, in the same order.
 */
Test(cli, readme_example_matches_the_table, .timeout = 300)
{
	static struct cli_run r;
	char *readme = slurp(testdata("../../README.md")), *cmd, *end, *hdr, *hdr_end, *p;
	const char *args[48];
	unsigned n = 0;
	char *out_hdr_end;

	cmd = strstr(readme, "\n$ build/pagebench ");
	cr_assert_not_null(cmd, "README.md has no '$ build/pagebench' example");
	cmd += strlen("\n$ build/pagebench ");
	end = strchr(cmd, '\n');
	cr_assert_not_null(end);
	*end = '\0';
	hdr = end + 1;
	hdr_end = strchr(hdr, '\n');
	cr_assert_not_null(hdr_end);
	*hdr_end = '\0';
	for (p = strtok(cmd, " "); p && n < 40; p = strtok(NULL, " "))
		args[n++] = p;
	args[n++] = "--reps";
	args[n++] = "1";
	args[n++] = "--ops";
	args[n++] = "4000";
	args[n++] = "--batches";
	args[n++] = "5";
	args[n] = NULL;
	r = run_v(args);
	live = &r;
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	out_hdr_end = strchr(r.out, '\n');
	cr_assert_not_null(out_hdr_end);
	cr_assert_eq((size_t)(out_hdr_end - r.out), strlen(hdr),
		     "README header:\n%s\nprogram prints:\n%.*s", hdr, (int)(out_hdr_end - r.out), r.out);
	cr_assert_eq(strncmp(r.out, hdr, strlen(hdr)), 0, "README header:\n%s\nprogram prints:\n%.*s",
		     hdr, (int)(out_hdr_end - r.out), r.out);
	/* Row by row, the first column: the same backends and baselines in the same order. */
	{
		char *rl = hdr_end + 1, *ol = out_hdr_end + 1;

		while (*rl && strncmp(rl, "machine:", 8) && strncmp(rl, "```", 3)) {
			size_t rw = strcspn(rl, " "), ow = strcspn(ol, " ");

			cr_assert(rw == ow && !strncmp(rl, ol, rw), "README row '%.*s', program row '%.*s'",
				  (int)strcspn(rl, "\n"), rl, (int)strcspn(ol, "\n"), ol);
			rl += strcspn(rl, "\n") + 1;
			ol += strcspn(ol, "\n") + 1;
		}
		cr_assert_eq(strncmp(rl, "machine:", 8), 0, "README has no machine line after the rows");
		cr_assert_eq(strncmp(ol, "machine:", 8), 0, "the program has more rows: %.*s",
			     (int)strcspn(ol, "\n"), ol);
		/*
		 * The machine line's shape: what it says after the CPU and kernel (pinning, NUMA,
		 * what was subtracted) is the program's own wording, so a stale README shows here.
		 */
		{
			const char *rp = strstr(rl, "; pinned to CPU "), *op = strstr(ol, "; pinned to CPU ");

			cr_assert(rp && op, "machine lines without 'pinned to CPU'");
			rp = strchr(rp + 16, ' ');
			op = strchr(op + 16, ' ');
			cr_assert(rp && op);
			cr_assert_eq(strncmp(rp, op, strcspn(rp, ":")), 0,
				     "README machine line '%.*s', program '%.*s'", (int)strcspn(rp, ":"),
				     rp, (int)strcspn(op, ":"), op);
		}
		/*
		 * Every warning the README shows, the program prints word for word (the notes
		 * depend on the figures: one repetition here has no unstable row).
		 */
		for (; *rl && strncmp(rl, "```", 3); rl += strcspn(rl, "\n") + 1) {
			size_t len = strcspn(rl, "\n");
			char line[600];

			if (strncmp(rl, "warning:", 8))
				continue;
			snprintf(line, sizeof(line), "\n%.*s\n", (int)len, rl);
			cr_assert_not_null(strstr(r.out, line), "README line '%.*s' is not in the output:\n%s",
					   (int)len, rl, r.out);
		}
	}
	free(readme);
	run_free(&r);
}

/* ---- several processes per benchmark ---- */

/* The samples' process indices of the record of backend @alloc in the loaded file. */
static void expect_processes(json_t *root, const char *alloc, unsigned procs, unsigned reps)
{
	json_t *b = find_bench(json_object_get(root, "benchmarks"), alloc), *s;
	size_t i;

	cr_assert_not_null(b, "no record of %s", alloc);
	cr_assert_eq(json_integer_value(json_object_get(b, "processes")), procs, "%s", alloc);
	cr_assert_eq(json_integer_value(json_object_get(b, "repetitions")), procs * reps, "%s", alloc);
	json_array_foreach(json_object_get(b, "samples"), i, s)
		cr_assert_eq(json_integer_value(json_object_get(s, "process")), i / reps,
			     "%s: sample %zu", alloc, i);
}

Test(cli, processes_keep_each_process_repetitions, .timeout = 240)
{
	static struct cli_run r;
	json_error_t e;

	RUN_INTO(r, "run", "--alloc", "ideal,buddy", "--workload", "alloc-free", "--reps", "2",
		 "--processes", "3", "--ops", "2000", "--batches", "5", "--events", "none",
		 "--json", json_path());

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.out, " procs±% "), "no process spread column:\n%s", r.out);
	cr_assert_not_null(strstr(r.out, "median of 6 repetitions in 3 processes (order seeds 1..3)"),
			   "%s", r.out);
	cr_assert(has_row(r.out, "ideal", "alloc-free") && has_row(r.out, "(baseline)", "spin-lock"),
		  "%s", r.out);
	cr_assert_eq(strstr(strstr(r.out, "ideal ") + 1, "\nideal "), NULL, "one table, not one per process");
	cr_assert_eq(dir_entries(tmpdir), 1, "only the results file in %s", tmpdir);
	live_json = json_load_file(json_path(), 0, &e);
	cr_assert_not_null(live_json, "%s", e.text);
	expect_processes(live_json, "ideal", 3, 2);
	expect_processes(live_json, "buddy", 3, 2);
	cr_assert_eq(json_array_size(json_object_get(live_json, "jobs")), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(json_object_get(live_json, "jobs"), 0),
							"seed")), 1, "the seed of process 0");
}

Test(cli, processes_bad_values)
{
	static struct cli_run r;
	const char *cfg;

	RUN_INTO(r, "run", "--alloc", "ideal", "--workload", "alloc-free", "--processes", "0",
		 "--json", json_path());
	EXPECT_USAGE(r, "--processes", "'0'");
	cfg = outside_config("[j]\nalloc = ideal\nworkload = alloc-free\nprocesses = 65\n");
	RUN_INTO(r, "run", cfg, "--json", json_path());
	unlink(cfg);
	EXPECT_USAGE(r, ":4:", "[j] processes", "'65'");
}

/* A job's own processes = N, and --processes overriding every job's (recorded). */
Test(cli, config_processes_per_job_and_overridden, .timeout = 240)
{
	static struct cli_run r;
	json_error_t e;
	json_t *b;
	size_t i;
	const char *cfg = outside_config("[global]\nreps = 2\nops = 2000\nbatches = 5\nbaselines = off\n"
					 "events = none\nalloc = ideal\n[two]\nworkload = alloc-free\nprocesses = 2\n"
					 "[one]\nworkload = alloc-free-remote\nalloc = buddy\n");

	RUN_INTO(r, "run", cfg, "--json", json_path());
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	live_json = json_load_file(json_path(), 0, &e);
	cr_assert_not_null(live_json, "%s", e.text);
	expect_processes(live_json, "ideal", 2, 2);
	expect_processes(live_json, "buddy", 1, 2);
	cr_assert_not_null(strstr(r.out, "[two]") && strstr(r.out, "[one]") ? r.out : NULL, "%s", r.out);
	json_decref(live_json);
	live_json = NULL;
	run_free(&r);

	RUN_INTO(r, "run", cfg, "--processes", "2", "--reps", "1", "--json", json_path());
	unlink(cfg);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	live_json = json_load_file(json_path(), 0, &e);
	cr_assert_not_null(live_json, "%s", e.text);
	expect_processes(live_json, "ideal", 2, 1);
	expect_processes(live_json, "buddy", 2, 1);
	json_array_foreach(json_object_get(live_json, "jobs"), i, b)
		cr_assert_str_eq(json_string_value(json_object_get(b, "overrides")), "reps=1,processes=2");
}

/*
 * Into a file, progress goes to stderr, never stdout, as whole lines at most once per
 * interval (PB_PROGRESS_INTERVAL_S, 5 s unless a test shortens it), each with the estimate.
 * The run's wall time bounds how many lines there may be; a run of several intervals has one.
 */
Test(cli, progress_into_a_file_is_rare_and_on_stderr, .timeout = 240)
{
	static struct cli_run r;
	struct timespec t0, t1;
	double took;
	unsigned lines = 0;

	setenv("PB_PROGRESS_INTERVAL_S", "1", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	RUN_INTO(r, "run", "--alloc", "ideal,buddy", "--workload", "alloc-free", "--reps", "30",
		 "--min-batch-us", "400", "--batches", "10", "--no-baselines", "--events", "none");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unsetenv("PB_PROGRESS_INTERVAL_S");
	took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_null(strstr(r.out, "run 1"), "progress on stdout:\n%s", r.out);
	cr_assert_null(strchr(r.err, '\r'), "a terminal's overwriting line in a file");
	for (const char *l = r.err; *l; l += strcspn(l, "\n") + 1) {
		unsigned done, total, left;

		cr_assert_eq(sscanf(l, "pagebench: run %u/%u, %u s left", &done, &total, &left), 3,
			     "not a progress line: %.*s", (int)strcspn(l, "\n"), l);
		cr_assert(done < total && total == 2 * 31, "%.*s", (int)strcspn(l, "\n"), l);
		lines++;
	}
	cr_assert_leq(lines, (unsigned)took + 1, "%u lines in %.1f s, at most one a second", lines, took);
	if (took > 5)
		cr_assert_geq(lines, 1, "a %.1f s run said nothing", took);
}

/* The one entry of @dir whose name starts with @prefix into @out ("" when there is none). */
static void find_entry(const char *dir, const char *prefix, char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	out[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			cr_assert_lt((size_t)snprintf(out, len, "%s/%s", dir, e->d_name), len);
	closedir(d);
}

/*
 * `kill PID` of a `run --processes 3` while its second process runs: the signal is passed on
 * to that process, the first process's repetitions are written marked incomplete, and the
 * temporary directory of the processes' results ($TMPDIR/pagebench-proc.*) is gone.
 */
Test(cli, sigterm_during_processes_keeps_results_and_leaves_no_files, .timeout = 240)
{
	char tmp[128], json[160], proc[300] = "", p0[340] = "", *err;
	const char *argv[] = { pb_bin(), "run", "--alloc", "ideal", "--workload", "alloc-free",
			       "--reps", "40", "--no-baselines", "--processes", "3", "--json", json,
			       NULL };
	posix_spawn_file_actions_t fa;
	char errp[200];
	struct stat st;
	pid_t pid;
	int status, efd;

	snprintf(tmp, sizeof(tmp), "%s/t", tmpdir);
	snprintf(json, sizeof(json), "%s/out.json", tmpdir);
	snprintf(errp, sizeof(errp), "%s/stderr", tmpdir);
	cr_assert_eq(mkdir(tmp, 0700), 0);
	efd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(efd, 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, efd, 2);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	setenv("TMPDIR", tmp, 1);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ), 0);
	unsetenv("TMPDIR");
	posix_spawn_file_actions_destroy(&fa);
	close(efd);
	/* The first process's file appears when it has finished: the second is then running. */
	for (unsigned i = 0; i < 200000 && !p0[0]; i++) {
		find_entry(tmp, "pagebench-proc.", proc, sizeof(proc));
		p0[0] = '\0';
		if (proc[0]) {
			snprintf(p0, sizeof(p0), "%s/p0.json", proc);
			if (stat(p0, &st))
				p0[0] = '\0';
		}
		if (!p0[0])
			usleep(1000);
	}
	cr_assert(p0[0], "the first process never wrote its results");
	usleep(100000);
	cr_assert_eq(kill(pid, SIGTERM), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	err = slurp(errp);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d; stderr: %s", status, err);
	/*
	 * The first process may still be exiting when the signal comes (its file is written
	 * before it exits; under ASan its exit-time leak check takes a while, and the signal may catch it there): it is
	 * kept as finished and the run stops after it. Either way its 40 repetitions are kept.
	 */
	cr_assert(strstr(err, "stopped by signal 15 in process 2 of 3") ||
		  strstr(err, "stopped by signal 15 after process 1 of 3"), "%s", err);
	cr_assert_eq(dir_entries(tmp), 0, "temporary files left in %s; stderr: %s", tmp, err);
	free(err);
	live_json = json_load_file(json, 0, NULL);
	cr_assert_not_null(live_json, "no result file");
	cr_assert_not_null(json_object_get(live_json, "incomplete"));
	expect_processes(live_json, "ideal", 1, 40);
	rmdir(tmp);
}

/* ---- ab: two builds alternated ---- */

Test(cli, ab_bad_input)
{
	static struct cli_run r;
	const char *bin = pb_bin();
	char two[600];

	RUN_INTO(r, "ab", "--old", bin, "--alloc", "ideal", "--workload", "alloc-free");
	EXPECT_USAGE(r, "--new");
	RUN_INTO(r, "ab", "--old", "/nonexistent/pagebench", "--new", bin, "--alloc", "ideal",
		 "--workload", "alloc-free");
	EXPECT_USAGE(r, "--old", "/nonexistent/pagebench", "not an executable");
	snprintf(two, sizeof(two), "%s --set delay=20", bin);
	RUN_INTO(r, "ab", "--old", bin, "--new", two, "--alloc", "ideal", "--workload", "alloc-free");
	EXPECT_USAGE(r, "--new", "must name the run subcommand");
	RUN_INTO(r, "ab", "--old", bin, "--new", bin, "--alloc", "ideal", "--workload", "alloc-free",
		 "--reps", "0");
	EXPECT_USAGE(r, "--reps", "'0'");
	snprintf(two, sizeof(two), "%s run --set nosuch=1", bin);
	RUN_INTO(r, "ab", "--old", bin, "--new", two, "--alloc", "ideal", "--workload", "alloc-free");
	EXPECT_USAGE(r, "new", "nosuch");
	RUN_INTO(r, "ab", "--old", bin, "--new", bin, "--alloc", "ideal", "--workload", "alloc-free",
		 "--json", json_path());
	EXPECT_USAGE(r, "--json", "--old-json");
	RUN_INTO(r, "ab", "--old", bin, "--new", bin, "--alloc", "ideal", "--workload", "alloc-free",
		 "--processes", "0");
	EXPECT_USAGE(r, "--processes 0");
	RUN_INTO(r, "ab", "--old", bin, "--new", bin, "--alloc", "ideal", "--workload", "alloc-free",
		 "--old-json", "/proc/x.json");
	EXPECT_USAGE(r, "--old-json", "/proc/x.json");
}

/*
 * ab of two `kmod run` sides: the options are kmod run's, checked with the module's table
 * (kmod/pbk_params.def) before anything boots. A runner that leaves a file behind shows a
 * boot attempt, so "nothing booted" is "tmpdir empty" once it is removed.
 */
Test(cli, ab_kmod_sides_checked_before_boot)
{
	static struct cli_run r;
	const char *bin = pb_bin();
	char kside[600], k61[600], runner[160], booted[160];
	struct stat sb;

	snprintf(runner, sizeof(runner), "%s/runner.sh", tmpdir);
	snprintf(booted, sizeof(booted), "%s/booted", tmpdir);
	write_file("runner.sh", "#!/bin/sh\ntouch \"$(dirname \"$0\")/booted\"\n");
	chmod(runner, 0755);
	setenv("PB_KMOD_RUNNER", runner, 1);
	snprintf(kside, sizeof(kside), "%s kmod run", bin);
	snprintf(k61, sizeof(k61), "%s kmod run --kernel 6.1", bin);
	RUN_INTO(r, "ab", "--old", kside, "--new", kside, "--set", "loops=abc");
	cr_assert_neq(stat(booted, &sb), 0, "a guest was started for loops=abc");
	cr_assert_eq(count_lines(r.err), 1, "one line:\n%s", r.err);
	/* Both sides meet it: the shared run options', not the first side checked. */
	cr_assert_not_null(strstr(r.err, "pagebench: ab: run options: kmod run: --set loops=abc"), "%s", r.err);
	cr_assert_eq(r.status, 2, "%s", r.err);
	/* Only on one side: named as that side's. */
	snprintf(kside, sizeof(kside), "%s kmod run --set handoff=100", bin);
	RUN_INTO(r, "ab", "--old", kside, "--new", k61, "--set", "loops=3000");
	cr_assert_neq(stat(booted, &sb), 0, "a guest was started for handoff=100");
	cr_assert_eq(count_lines(r.err), 1, "one line:\n%s", r.err);
	cr_assert_not_null(strstr(r.err, "ab: old: kmod run: --set handoff=100"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "power of two"), "%s", r.err);
	cr_assert_eq(r.status, 2, "%s", r.err);
	unlink(runner);
	RUN_INTO(r, "ab", "--old", k61, "--new", k61, "--set", "loops=3000", "--set", "loops=4000");
	EXPECT_USAGE(r, "loops", "twice");
	RUN_INTO(r, "ab", "--old", k61, "--new", k61, "--kernel", "6.12");
	EXPECT_USAGE(r, "--kernel given 2 times");
	RUN_INTO(r, "ab", "--old", k61, "--new", k61, "--alloc", "buddy");
	EXPECT_USAGE(r, "kmod run: unknown option '--alloc'");
	RUN_INTO(r, "ab", "--old", k61, "--new", k61, "--json", json_path());
	EXPECT_USAGE(r, "--json", "--old-json");
	RUN_INTO(r, "ab", "--old", k61, "--new", bin, "--set", "loops=3000");
	EXPECT_USAGE(r, "--old is a kmod run and --new a userspace run");
	unsetenv("PB_KMOD_RUNNER");
}

/*
 * A whole ab of kmod sides without a guest: the runner stands in for qemu, noting its
 * arguments and converting the module's golden log into the --json it was given. Shows the
 * ABBA order by each side's own --kernel, that the shared options reach every process as
 * kmod run passes them (module parameters bare, no --cpus), and that the two sides' files
 * are merged and compared.
 */
Test(cli, ab_kmod_sides_run_in_abba_order)
{
	static struct cli_run r;
	const char *bin = pb_bin();
	char oldc[600], newc[600], runner[160], argsf[160], log[PATH_MAX], script[PATH_MAX + 1024];
	char *args, *l[4];

	cr_assert_not_null(realpath(testdata("kmod/good.log"), log));
	snprintf(runner, sizeof(runner), "/tmp/pbrunner.%d.sh", (int)getpid());
	snprintf(argsf, sizeof(argsf), "%s/args", tmpdir);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\necho \"$*\" >> '%s'\n"
		 "while [ $# -gt 0 ]; do [ \"$1\" = --json ] && j=$2; shift; done\n"
		 "exec \"$PB_BIN\" kmod parse '%s' --json \"$j\" > /dev/null\n", argsf, log);
	{
		FILE *f = fopen(runner, "w");

		cr_assert_not_null(f);
		fputs(script, f);
		fclose(f);
	}
	chmod(runner, 0755);
	setenv("PB_KMOD_RUNNER", runner, 1);
	snprintf(oldc, sizeof(oldc), "%s kmod run --kernel 6.1", bin);
	snprintf(newc, sizeof(newc), "%s kmod run --kernel 6.12", bin);
	RUN_INTO(r, "ab", "--old", oldc, "--new", newc, "--processes", "2", "--set", "loops=3000",
		 "--timeout", "100");
	unlink(runner);
	unsetenv("PB_KMOD_RUNNER");

	/* Two identical logs a side, 6 samples each: every benchmark same, the gate passes. */
	cr_assert_eq(r.status, 0, "stdout:\n%s\nstderr:\n%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "ab: 2 processes each, in ABBA order\n"), "no --cpus: %s", r.out);
	cr_assert_not_null(strstr(r.out, "alloc-free/k_alloc_pages/order=3"), "%s", r.out);
	args = slurp(argsf);
	l[0] = strtok(args, "\n");
	for (int i = 1; i < 4; i++)
		l[i] = strtok(NULL, "\n");
	cr_assert_null(strtok(NULL, "\n"), "more than 4 processes:\n%s", args);
	for (int i = 0; i < 4; i++) {
		/* old new new old */
		const char *k = i == 0 || i == 3 ? "--kernel 6.1 " : "--kernel 6.12 ";

		cr_assert_not_null(l[i]);
		cr_expect_eq(strncmp(l[i], k, strlen(k)), 0, "process %d: %s", i + 1, l[i]);
		cr_expect_not_null(strstr(l[i], " loops=3000 --timeout 100 --json "), "process %d: %s", i + 1, l[i]);
		cr_expect_null(strstr(l[i], "--cpus"), "process %d: %s", i + 1, l[i]);
	}
	free(args);
}

/* The verdict column of the row of benchmark @name ("" when there is no such row). */
static const char *verdict_of(const char *out, const char *name, char *buf, size_t len)
{
	const char *row = strstr(out, name), *eol, *v;

	buf[0] = '\0';
	if (!row)
		return buf;
	eol = strchr(row, '\n');
	for (v = eol; v > row && v[-1] != ' '; v--)
		;
	snprintf(buf, len, "%.*s", (int)(eol - v), v);
	return buf;
}

/*
 * A build against itself, with ideal slowed by 2,000 empty iterations per page on the new side
 * only: ideal (about 15 cycles, a few times that under ASan) grows about 100-fold, which no
 * process-to-process noise on a loaded machine reaches (20 iterations, a doubling, is within
 * reach of a loaded neighbour under ASan), so it must be slower and the gate must fail. The
 * smallest change ab resolves is measured, not asserted (docs/performance-log.md); what the
 * other rows say is also not asserted: here only that each has a verdict.
 */
Test(cli, ab_same_build_with_a_delay_on_new, .timeout = 600)
{
	static struct cli_run r;
	const char *bin = pb_bin();
	char newcmd[600], v[32], oldj[160], newj[160];
	static const char *const rows[] = { "alloc-free/null/", "for-loop ", "atomic-inc ",
					    "spin-lock ", "call-pair " };
	static const char *const verdicts[] = { "same", "faster", "slower", "unstable",
						"inconclusive", "baseline" };

	snprintf(newcmd, sizeof(newcmd), "%s run --set delay=2000", bin);
	snprintf(oldj, sizeof(oldj), "%s/old.json", tmpdir);
	snprintf(newj, sizeof(newj), "%s/new.json", tmpdir);
	RUN_INTO(r, "ab", "--old", bin, "--new", newcmd, "--processes", "2", "--alloc", "ideal,null",
		 "--workload", "alloc-free", "--reps", "5", "--ops", "20000", "--batches", "10",
		 "--events", "none", "--old-json", oldj, "--new-json", newj);

	cr_assert_eq(r.status, 1, "a slower row fails the gate; stdout:\n%s\nstderr:\n%s", r.out, r.err);
	cr_assert_not_null(strstr(r.out, "ab: 2 processes each, in ABBA order"), "%s", r.out);
	cr_assert_str_eq(verdict_of(r.out, "alloc-free/ideal/", v, sizeof(v)), "slower", "%s", r.out);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bool known = false;

		verdict_of(r.out, rows[i], v, sizeof(v));
		for (size_t k = 0; k < sizeof(verdicts) / sizeof(verdicts[0]); k++)
			known |= !strcmp(v, verdicts[k]);
		cr_assert(known, "row %s: verdict '%s'\n%s", rows[i], v, r.out);
	}
	/* The order, from ab's own lines on stderr: old new new old. */
	{
		const char *a = strstr(r.err, "process 1/4 (old)"), *b = strstr(r.err, "process 2/4 (new)");
		const char *c = strstr(r.err, "process 3/4 (new)"), *d = strstr(r.err, "process 4/4 (old)");

		cr_assert(a && b && c && d && a < b && b < c && c < d, "%s", r.err);
	}
	/* Each side's merged file: two processes of 5 repetitions. */
	live_json = json_load_file(newj, 0, NULL);
	cr_assert_not_null(live_json);
	expect_processes(live_json, "ideal", 2, 5);
	json_decref(live_json);
	live_json = json_load_file(oldj, 0, NULL);
	cr_assert_not_null(live_json);
	expect_processes(live_json, "null", 2, 5);
}

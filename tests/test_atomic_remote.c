// SPDX-License-Identifier: GPL-2.0-only
/*
 * atomic-remote (workloads/atomic_remote.c): a real run on two CPUs gives one record per
 * thread, each a baseline of exactly one counted atomic per op and a positive cost; with
 * fewer than two CPUs it is refused before anything runs -- on a process bound to one CPU
 * the CLI exits 2 with one line naming --cpus, and two threads placed on one CPU
 * (--allow-shared-cpus) are refused by the plan too (exit 2), since the line would never
 * leave that CPU.
 */
#define _GNU_SOURCE	/* sched_setaffinity, CPU_SET */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "record.h"
#include "runner.h"

static void ar_plan(struct pb_plan *p)
{
	pb_plan_init(p);
	p->wl = pb_workload_find("atomic-remote");
	cr_assert_not_null(p->wl, "atomic-remote is not registered");
	p->reps = 2;
	p->nbatches = 10;
	p->events[0] = '\0';
	p->min_batch_ns = 0;
}

static double ctr(const struct pb_result *r, const char *name)
{
	const struct pb_counter *c = pb_counter_find(r, name);

	return c && c->counted ? c->value : -1;
}

Test(atomic_remote, is_a_two_thread_baseline)
{
	const struct pb_workload *w = pb_workload_find("atomic-remote");

	cr_assert_not_null(w);
	cr_expect(w->baseline, "it takes no allocator");
	cr_expect_eq(w->nthreads, 2);
	cr_expect_str_eq(w->tracks[0], "ping");
	cr_expect_str_eq(w->tracks[1], "pong");
}

Test(atomic_remote, one_atomic_per_op_and_a_positive_cost, .timeout = 120)
{
	struct pb_plan p;
	struct pb_job_context ctx = { 0 };
	struct pb_result *res = NULL;
	struct pb_err err = { { 0 } };
	size_t n = 0;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cr_skip_test("one CPU online: nothing to bounce a line between");
	ar_plan(&p);
	cr_assert_eq(pb_run(&p, &ctx, &res, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 2, "one record per thread, and no yardsticks beside a baseline: %zu", n);
	cr_expect_neq(ctx.threads[0].cpu, ctx.threads[1].cpu, "both threads on CPU %d", ctx.threads[0].cpu);
	for (unsigned t = 0; t < 2; t++) {
		cr_expect_str_eq(res[t].kind, "baseline");
		cr_expect_str_eq(res[t].track, p.wl->tracks[t]);
		cr_expect_eq(res[t].ops_measured, p.reps * p.wl->default_ops, "%s: %llu ops", res[t].track,
			     (unsigned long long)res[t].ops_measured);
		cr_expect_eq(ctr(&res[t], "atomics_per_op"), 1.0, "%s: %g atomics per op", res[t].track,
			     ctr(&res[t], "atomics_per_op"));
		cr_expect_gt(res[t].cycles.median, 0, "%s: %g cycles per op", res[t].track, res[t].cycles.median);
	}
	pb_results_free(res, n);
}

Test(atomic_remote, both_threads_on_one_cpu_are_refused, .timeout = 60)
{
	struct pb_plan p;
	struct pb_job_context ctx = { 0 };
	struct pb_result *res = NULL;
	struct pb_err err = { { 0 } };
	size_t n = 0;

	ar_plan(&p);
	p.allow_shared_cpus = true;
	cr_assert_eq(pb_plan_parse_cpus(&p, "0,0", &err), 0, "%s", err.msg);
	cr_assert_neq(pb_run(&p, &ctx, &res, &n, &err), 0, "two threads on CPU 0 ran");
	cr_expect(strstr(err.msg, "atomic-remote") && strstr(err.msg, "--cpus"), "%s", err.msg);
	cr_expect_null(res);
}

/* Reads @path whole (NUL-terminated, malloc'd). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t len;

	cr_assert_not_null(f, "cannot open %s", path);
	buf = calloc(1, 65537);
	cr_assert_not_null(buf);
	len = fread(buf, 1, 65536, f);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

Test(atomic_remote, one_cpu_is_refused_naming_cpus, .timeout = 60)
{
	const char *bin = getenv("PB_BIN");
	char dir[] = "/tmp/pbar.XXXXXX", errp[64], outp[64], json[64];
	struct stat sb;
	unsigned lines = 0;
	char *e;
	int st;
	pid_t pid;

	if (!bin || !*bin)
		cr_skip_test("PB_BIN is not set (run through `make test`)");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(errp, sizeof(errp), "%s/err", dir);
	snprintf(outp, sizeof(outp), "%s/out", dir);
	snprintf(json, sizeof(json), "%s/r.json", dir);
	pid = fork();
	cr_assert_geq(pid, 0, "fork");
	if (pid == 0) {
		/* The child may use CPU 0 alone: "fewer than two CPUs available". */
		cpu_set_t one;
		int fd;

		CPU_ZERO(&one);
		CPU_SET(0, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			_exit(99);
		fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		execl(bin, bin, "run", "--workload", "atomic-remote", "--reps", "1", "--json", json,
		      (char *)NULL);
		_exit(98);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "killed by signal %d", WTERMSIG(st));
	e = slurp(errp);
	for (const char *s = e; *s; s++)
		lines += *s == '\n';
	cr_expect_eq(WEXITSTATUS(st), 2, "exit %d: %s", WEXITSTATUS(st), e);
	cr_expect_eq(lines, 1, "stderr is not one line: %s", e);
	cr_expect(strstr(e, "atomic-remote") && strstr(e, "--cpus"), "%s", e);
	cr_expect_neq(stat(json, &sb), 0, "a refused run wrote %s", json);
	free(e);
	unlink(errp);
	unlink(outp);
	unlink(json);
	rmdir(dir);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel-module log importer on golden logs (tests/data/kmod), without a kernel: the
 * records it builds (names, figures, derived records, counters, ratios), the job context
 * (kernel facts, CPUs, emulated), and refusals naming FILE:LINE.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kmod_log.h"
#include "record.h"

static const char *data(const char *file)
{
	static char p[512];
	const char *dir = getenv("PB_TESTDATA");

	snprintf(p, sizeof(p), "%s/%s", dir && *dir ? dir : "tests/data", file);
	return p;
}

static void import(const char *path, const char *accel, struct pb_result_set *s,
		   struct pb_kmod_log **L)
{
	struct pb_err err = { "" };

	cr_assert_eq(pb_kmod_log_parse(path, L, &err), 0, "%s", err.msg);
	cr_assert_eq(pb_kmod_log_results(*L, accel, s, &err), 0, "%s", err.msg);
}

Test(kmod_import, good_log_records)
{
	struct pb_result_set s;
	struct pb_kmod_log *L;
	const struct pb_result *m, *d, *f;
	const struct pb_counter *c;
	const char *first;
	unsigned line;

	import(data("kmod/good.log"), NULL, &s, &L);
	cr_assert_eq(s.nrecs, 3);
	m = pb_result_set_find(&s, "alloc-free/k_alloc_pages/order=3", "");
	d = pb_result_set_find(&s, "alloc-free/k_alloc_pages/order=3,amortised=4k", "");
	f = pb_result_set_find(&s, "for-loop", "");
	cr_assert(m && d && f);
	/* Reps (2100, 2200, 2000 cycles over 20 ops): 105, 110, 100 cycles per op. */
	cr_expect_float_eq(m->cycles.median, 105, 1e-9);
	cr_expect_float_eq(m->ns.median, 105, 1e-9, "tsc_khz=1000000: a cycle is a ns");
	cr_expect_eq(m->repetitions, 3);
	cr_expect_eq(m->ops, 20);
	cr_expect_eq(m->nbatch, 6);
	/* Batches 90, 100, 100, 110, 110, 120 cycles per op: numpy's p99 is 119.5. */
	cr_expect_float_eq(m->cycles.p99, 119.5, 1e-9);
	cr_expect_float_eq(d->cycles.median, 105.0 / 8, 1e-9);
	cr_expect_eq(d->ops, 160);
	cr_expect_float_eq(d->ratio, 1.0 / 8, 1e-9, "same (job, workload, track): ratio to the first");
	cr_expect_str_eq(f->kind, "baseline");
	cr_expect_float_eq(f->ratio, 0, 0);
	c = pb_counter_find(m, "pa_alloc_pages");
	cr_assert_not_null(c);
	cr_expect(c->counted && c->value == 480);
	c = pb_counter_find(m, "atomics_per_op");
	cr_expect(c && !c->counted, "the kernel's atomics are not counted: null, not 0");
	cr_expect_not_null(strstr(m->warning, "atomics not counted"));
	cr_expect(pb_kmod_log_uncounted(L));
	c = pb_counter_find(f, "atomics_per_op");
	cr_expect(c && c->counted && c->value == 0);
	/* The job: the module's facts, its CPUs, the default seed and threshold, not emulated. */
	cr_assert_eq(s.njobs, 1);
	cr_expect(s.jobs[0].kernel_module);
	cr_expect(!s.jobs[0].emulated, "hypervisor=none");
	cr_expect_eq(s.jobs[0].seed, PB_DEFAULT_SEED);
	cr_expect_float_eq(s.jobs[0].unstable_cv, PB_DEFAULT_UNSTABLE_CV, 1e-12);
	cr_expect_eq(s.jobs[0].tsc_hz, 1e9);
	cr_expect_eq(s.jobs[0].timer_overhead_cycles, 10);
	cr_assert_eq(s.jobs[0].nthreads, 2);
	cr_expect_eq(s.jobs[0].threads[0].cpu, 0);
	cr_expect_eq(s.jobs[0].threads[1].cpu, 1);
	cr_expect_str_eq(s.jobs[0].threads[1].role, "free");
	cr_expect_gt(s.jobs[0].nfacts, 10);
	cr_expect_str_eq(s.machine.host, "guest");
	cr_expect_str_eq(s.machine.cpu_model, "Test CPU");
	cr_expect_eq(pb_kmod_log_failures(L, &first), 0);
	cr_expect_eq(pb_kmod_log_reported(L, &line), 0);
	pb_result_set_free(&s);
	pb_kmod_log_free(L);
}

/* One load of the module: a baseline (cycles @base per batch) and an alloc-free row of @order. */
static void write_load(FILE *f, unsigned load, unsigned order, unsigned base)
{
	fprintf(f, "PBK begin format=1 module=pagebench_kmod git=test\n"
		"PBK ctx cpu_model=\"Test CPU\" ncpus=2 nodes=1 tsc_khz=1000000 hypervisor=none\n"
		"PBK ctx timer_overhead=10 cpu=0 cpu2=1\n"
		"PBK rec id=1 workload=alloc-free backend=k_alloc_pages source=kernel track=- params=order=%u "
		"reps=1 ops=20 context=softirq cpu=0 bops=20\n"
		"PBK rep id=1 n=0 cycles=2000\n"
		"PBK stats id=1 atomics=0 atomics_counted=0 leaked=0 free_delta=0\n"
		"PBK rec id=2 workload=call-pair backend=- source=- track=- params=- reps=1 ops=20 "
		"context=softirq cpu=0 bops=20\n"
		"PBK rep id=2 n=0 cycles=%u\n"
		"PBK stats id=2 atomics=0 atomics_counted=1 leaked=0 free_delta=na\n"
		"PBK end failures=0\nPBKRUN load=%u insmod_rc=0\nPBK unloaded failures=0\n",
		order, base, load);
}

/*
 * Every load runs call-pair: a guest that loads the module twice measures it twice. One
 * job's baselines: the first load's record stands, the repeat is no error. A repeated
 * backend row is still refused.
 */
Test(kmod_import, a_baseline_repeated_by_a_later_load_keeps_the_first)
{
	char path[] = "/tmp/pb-kmod-XXXXXX";
	struct pb_err err = { "" };
	struct pb_result_set s;
	struct pb_kmod_log *L = NULL;
	const struct pb_result *cp;
	int fd = mkstemp(path);
	FILE *f;

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	write_load(f, 1, 3, 400);
	write_load(f, 2, 0, 800);
	fclose(f);
	import(path, NULL, &s, &L);
	cr_expect_eq(s.nrecs, 3, "order=3, order=0 and one call-pair");
	cp = pb_result_set_find(&s, "call-pair", "");
	cr_assert_not_null(cp);
	cr_expect_float_eq(cp->cycles.median, 20, 1e-9, "the first load's 400 cycles / 20 ops");
	cr_expect_not_null(pb_result_set_find(&s, "alloc-free/k_alloc_pages/order=0", ""));
	pb_result_set_free(&s);
	pb_kmod_log_free(L);

	f = fopen(path, "w");
	write_load(f, 1, 3, 400);
	write_load(f, 2, 3, 800);
	fclose(f);
	cr_assert_eq(pb_kmod_log_parse(path, &L, &err), 0, "%s", err.msg);
	cr_expect_eq(pb_kmod_log_results(L, NULL, &s, &err), -1, "a repeated backend row accepted");
	cr_expect_not_null(strstr(err.msg, "a second record named alloc-free/k_alloc_pages/order=3"), "%s", err.msg);
	pb_kmod_log_free(L);
	unlink(path);
}

Test(kmod_import, accel_decides_emulated)
{
	struct pb_result_set s;
	struct pb_kmod_log *L;

	import(data("kmod/good.log"), "tcg", &s, &L);
	cr_expect(s.jobs[0].emulated);
	pb_result_set_free(&s);
	pb_kmod_log_free(L);
}

/* The bootstrap is seeded with the job's seed: the same log gives the same interval. */
Test(kmod_import, deterministic)
{
	struct pb_result_set a, b;
	struct pb_kmod_log *L1, *L2;

	import(data("kmod/good.log"), NULL, &a, &L1);
	import(data("kmod/good.log"), NULL, &b, &L2);
	cr_expect_eq(a.recs[0].cycles.ci_lo, b.recs[0].cycles.ci_lo);
	cr_expect_eq(a.recs[0].cycles.ci_hi, b.recs[0].cycles.ci_hi);
	pb_result_set_free(&a);
	pb_result_set_free(&b);
	pb_kmod_log_free(L1);
	pb_kmod_log_free(L2);
}

/* @text as a log; the parse (or the build) must fail with @want in the message. */
static void refused(const char *text, const char *want)
{
	char path[] = "/tmp/pb-kmod-XXXXXX";
	struct pb_err err = { "" };
	struct pb_result_set s;
	struct pb_kmod_log *L = NULL;
	int fd = mkstemp(path), rc;
	FILE *f;

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	rc = pb_kmod_log_parse(path, &L, &err);
	if (!rc) {
		rc = pb_kmod_log_results(L, NULL, &s, &err);
		pb_kmod_log_free(L);
	}
	unlink(path);
	cr_assert_eq(rc, -1, "accepted: %s", text);
	cr_expect_not_null(strstr(err.msg, want), "'%s' lacks '%s'", err.msg, want);
	cr_expect_not_null(strstr(err.msg, path), "'%s' does not name the file", err.msg);
}

Test(kmod_import, bad_logs_name_the_line)
{
	refused("PBK begin format=1\nPBK ctx tsc_khz=1000\n", ":1: the run that begins here has no 'PBK end'");
	refused("PBK begin format=2\n", ":1: format=2");
	refused("PBK begin format=1\nPBK rec id=1 workload=w backend=b source=s track=- params=- "
		"reps=1 ops=3 context=c cpu=0 bops=1,1\n", ":2: bops=1,1 adds up to 2, not ops=3");
	refused("PBK begin format=1\nPBK end failures=0\n", "no 'PBK ctx' line with tsc_khz=");
	refused("nothing here\n", "no 'PBK begin' line");
}

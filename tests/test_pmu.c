/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PMU counters: event-list parsing and its one-line errors, libpfm4 encodings, counting
 * with hardware counters where this machine has them (skipped otherwise), counting with
 * software events everywhere (so that grouping, read() and the sums are exercised even
 * without a PMU), the rdpmc and read() paths against each other, and the refused-open
 * fallbacks rehearsed with a fake errno.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pmu.h"

#define LOOP_N 1000000ul

static void parse_ok(const char *list, struct pb_pmu_spec *spec)
{
	struct pb_err err = { { 0 } };

	cr_assert_eq(pb_pmu_spec_parse(list, spec, &err), 0, "'%s': %s", list, err.msg);
}

/* The parse error for @list, which must fail. */
static const char *parse_err(const char *list)
{
	static struct pb_err err;
	struct pb_pmu_spec spec;

	memset(&err, 0, sizeof(err));
	cr_assert_eq(pb_pmu_spec_parse(list, &spec, &err), -1, "'%s' parsed", list ? list : "(null)");
	cr_assert(err.msg[0] && !strchr(err.msg, '\n'), "'%s': not a one-line message: '%s'",
		  list ? list : "(null)", err.msg);
	return err.msg;
}

static void expect_mentions(const char *msg, const char *what)
{
	cr_expect(strstr(msg, what), "'%s' does not mention '%s'", msg, what);
}

static void skip_without_pmu(void)
{
	struct pb_err why = { { 0 } };

	if (!pb_pmu_available(&why))
		cr_skip_test("no usable hardware counters: %s", why.msg);
}

static void spin(unsigned long n)
{
	volatile unsigned long x = 0;

	for (unsigned long i = 0; i < n; i++)
		x++;
}

/* Writes @npages fresh anonymous pages: at least that many page faults. */
static void fault_pages(unsigned npages)
{
	long page = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, npages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(m, MAP_FAILED);
	madvise(m, npages * page, MADV_NOHUGEPAGE);	/* one huge page would be one fault */
	for (unsigned i = 0; i < npages; i++)
		((volatile char *)m)[i * page] = 1;
	munmap(m, npages * page);
}

/* ---- parsing ------------------------------------------------------------------------------ */

Test(pmu, unknown_event_is_named)
{
	const char *msg = parse_err("cycles,no_such_event_xyz");

	expect_mentions(msg, "no_such_event_xyz");
	expect_mentions(msg, "event not found");	/* libpfm4's own reason */
}

Test(pmu, empty_lists_rejected)
{
	expect_mentions(parse_err(NULL), "no events");
	expect_mentions(parse_err(""), "no events");
	expect_mentions(parse_err("  "), "no events");
	expect_mentions(parse_err("cycles,"), "empty event name");
	expect_mentions(parse_err(",cycles"), "empty event name");
	expect_mentions(parse_err("cycles,,instructions"), "empty event name");
}

static const char *const sixteen =
	"cycles,instructions,cache-misses,cache-references,branches,branch-misses,"
	"LLC-load-misses,LLC-loads,L1-dcache-load-misses,dTLB-load-misses,page-faults,"
	"minor-faults,major-faults,context-switches,cpu-migrations,task-clock";

Test(pmu, at_most_sixteen_events)
{
	struct pb_pmu_spec spec;
	char list[1024];

	parse_ok(sixteen, &spec);
	cr_expect_eq(spec.n, PB_PMU_MAX_EVENTS);
	snprintf(list, sizeof(list), "%s,cpu-clock", sixteen);
	expect_mentions(parse_err(list), "more than 16 events");
}

Test(pmu, duplicate_rejected)
{
	const char *msg = parse_err("cycles,instructions,CYCLES");

	expect_mentions(msg, "CYCLES");
	expect_mentions(msg, "twice");
}

Test(pmu, overlong_name_rejected)
{
	char list[200];

	memset(list, 'x', 100);
	list[100] = '\0';
	expect_mentions(parse_err(list), "longer than");
}

Test(pmu, generic_names_encode_for_user_space)
{
	struct pb_pmu_spec spec;

	parse_ok("cycles, instructions ,cache-misses,LLC-load-misses,branch-misses", &spec);
	cr_assert_eq(spec.n, 5);
	cr_expect_str_eq(spec.name[1], "instructions");	/* spaces trimmed */
	cr_expect_eq(spec.attr[0].type, PERF_TYPE_HARDWARE);
	cr_expect_eq(spec.attr[0].config, PERF_COUNT_HW_CPU_CYCLES);
	cr_expect_eq(spec.attr[1].config, PERF_COUNT_HW_INSTRUCTIONS);
	cr_expect_eq(spec.attr[3].type, PERF_TYPE_HW_CACHE);
	for (unsigned i = 0; i < spec.n; i++) {
		cr_expect(spec.attr[i].exclude_kernel && spec.attr[i].exclude_hv && !spec.attr[i].exclude_user,
			  "%s: not user space only", spec.name[i]);
		cr_expect_eq(spec.attr[i].read_format, PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
			     PERF_FORMAT_TOTAL_TIME_RUNNING, "%s", spec.name[i]);
		cr_expect_eq(spec.attr[i].size, sizeof(struct perf_event_attr));
	}
}

Test(pmu, kernel_only_event_rejected)
{
	expect_mentions(parse_err("cycles:k"), "user space");
}

Test(pmu, raw_spellings)
{
	static const char *const intel[] = { "r00c0", "perf_raw::r00c0", "raw:0x00c0", "raw:0xC0" };
	struct pb_pmu_spec spec;

	for (unsigned i = 0; i < sizeof(intel) / sizeof(intel[0]); i++) {
		parse_ok(intel[i], &spec);
		cr_expect_eq(spec.attr[0].type, PERF_TYPE_RAW, "%s", intel[i]);
		cr_expect_eq(spec.attr[0].config, 0xc0, "%s", intel[i]);
	}
	parse_ok("r0f25", &spec);	/* AMD Zen: retired lock instructions */
	cr_expect_eq(spec.attr[0].type, PERF_TYPE_RAW);
	cr_expect_eq(spec.attr[0].config, 0xf25);
	expect_mentions(parse_err("raw:0xzz"), "raw:0xzz");
	expect_mentions(parse_err("perf_raw::rzz"), "perf_raw::rzz");
}

Test(pmu, perf_list_spelling_of_core_event)
{
	struct pb_pmu_spec a, b;
	struct pb_err err = { { 0 } };

	if (pb_pmu_spec_parse("MEM_INST_RETIRED:LOCK_LOADS", &a, &err))
		cr_skip_test("libpfm4 has no MEM_INST_RETIRED:LOCK_LOADS here: %s", err.msg);
	parse_ok("mem_inst_retired.lock_loads", &b);
	cr_expect_eq(a.attr[0].type, b.attr[0].type);
	cr_expect_eq(a.attr[0].config, b.attr[0].config);
	cr_expect_str_eq(b.name[0], "mem_inst_retired.lock_loads");	/* reported as written */
}

Test(pmu, default_list_parses)
{
	const char *def = pb_pmu_default_events();
	struct pb_pmu_spec spec;

	cr_assert_not_null(def);
	cr_expect_eq(strncmp(def, "cycles,instructions", 19), 0, "defaults: %s", def);
	cr_expect_eq(pb_pmu_default_events(), def, "not the same table entry twice");
	parse_ok(def, &spec);
	cr_expect(spec.n == 2 || spec.n == 3, "defaults: %s", def);
}

Test(pmu, environment_knobs)
{
	struct pb_pmu_spec spec;

	setenv("PB_PMU_FAKE_ERRNO", "EACCES", 1);
	setenv("PB_PMU_NO_RDPMC", "1", 1);
	parse_ok("cycles", &spec);
	cr_expect_eq(spec.fake_errno, EACCES);
	cr_expect(spec.force_read);
	setenv("PB_PMU_FAKE_ERRNO", "EWHATEVER", 1);
	expect_mentions(parse_err("cycles"), "PB_PMU_FAKE_ERRNO=EWHATEVER");
	unsetenv("PB_PMU_FAKE_ERRNO");
	unsetenv("PB_PMU_NO_RDPMC");
	parse_ok("cycles", &spec);
	cr_expect_eq(spec.fake_errno, 0);
	cr_expect(!spec.force_read);
}

/* ---- refused opens -------------------------------------------------------------------- */

static struct pb_pmu *open_faked(const char *list, int e)
{
	struct pb_pmu_spec spec;
	struct pb_pmu *p;

	parse_ok(list, &spec);
	spec.fake_errno = e;
	p = pb_pmu_open(&spec);
	cr_assert_not_null(p);
	return p;
}

Test(pmu, eacces_marks_events_unavailable)
{
	struct pb_pmu *p = open_faked("cycles,instructions,page-faults", EACCES);
	struct pb_pmu_snap a, b;
	struct pb_pmu_totals t;
	const char *why = NULL;

	cr_expect_eq(pb_pmu_nevents(p), 3);
	for (unsigned i = 0; i < 3; i++) {
		cr_expect(!pb_pmu_event_ok(p, i, &why), "event %u counting", i);
		cr_assert_not_null(why);
		expect_mentions(why, "paranoid");
		expect_mentions(why, "Permission denied");
	}
	cr_expect_eq(pb_pmu_ngroups(p), 0);
	cr_expect(!pb_pmu_uses_rdpmc(p));
	/* The run goes on: snapshots and sums work, and say nothing was counted. */
	memset(&t, 0, sizeof(t));
	pb_pmu_snapshot(p, &a);
	pb_pmu_snapshot(p, &b);
	pb_pmu_accumulate(p, &a, &b, &t);
	cr_expect_eq(a.valid | b.valid, 0);
	for (unsigned i = 0; i < 3; i++) {
		cr_expect_eq(t.windows[i], 0);
		cr_expect_eq(t.skipped[i], 0, "an unavailable event is not a skipped window");
		cr_expect(isnan(pb_pmu_ratio(&t, i)) && isnan(pb_pmu_scaled(&t, i)));
	}
	pb_pmu_close(p);
}

Test(pmu, enoent_tells_missing_pmu_from_missing_event)
{
	struct pb_pmu *p = open_faked("cycles,page-faults", ENOENT);
	const char *why;

	cr_expect(!pb_pmu_event_ok(p, 0, &why));
	expect_mentions(why, "no PMU");	/* cycles fails too: no hardware PMU at all */
	cr_expect(!pb_pmu_event_ok(p, 1, &why));
	expect_mentions(why, "not supported by this PMU");	/* a software event */
	pb_pmu_close(p);
}

Test(pmu, enodev_and_eopnotsupp_reasons)
{
	struct pb_pmu *p = open_faked("instructions", ENODEV);
	const char *why;

	cr_expect(!pb_pmu_event_ok(p, 0, &why));
	expect_mentions(why, "no PMU");
	pb_pmu_close(p);
	p = open_faked("task-clock", EOPNOTSUPP);
	cr_expect(!pb_pmu_event_ok(p, 0, &why));
	expect_mentions(why, "not supported by this PMU");
	cr_expect(!pb_pmu_event_ok(p, 7, &why), "out-of-range index");
	pb_pmu_close(p);
}

Test(pmu, probe_gives_a_reason)
{
	struct pb_err why = { { 0 } };

	if (pb_pmu_available(&why))
		return;
	cr_expect(why.msg[0], "unavailable without a reason");
	expect_mentions(why.msg, "cycles");
}

Test(pmu, probe_obeys_fake_errno)
{
	struct pb_err why = { { 0 } };

	setenv("PB_PMU_FAKE_ERRNO", "EPERM", 1);
	cr_expect(!pb_pmu_available(&why));
	expect_mentions(why.msg, "paranoid");
	unsetenv("PB_PMU_FAKE_ERRNO");
}

/* On a machine without a PMU, the real kernel's answer and not a fake one. */
Test(pmu, real_missing_pmu_is_reported)
{
	struct pb_pmu_spec spec;
	struct pb_err probe = { { 0 } };
	struct pb_pmu *p;
	const char *why;

	if (pb_pmu_available(&probe))
		cr_skip_test("this machine has counters");
	parse_ok("cycles,instructions", &spec);
	p = pb_pmu_open(&spec);
	cr_assert_not_null(p);
	for (unsigned i = 0; i < 2; i++) {
		cr_expect(!pb_pmu_event_ok(p, i, &why));
		cr_expect(strstr(why, "PMU") || strstr(why, "paranoid"), "%s: %s", spec.name[i], why);
	}
	pb_pmu_close(p);
}

/* ---- sums ----------------------------------------------------------------------------- */

static void snap_set(struct pb_pmu_snap *s, unsigned i, uint64_t v, uint64_t en, uint64_t run)
{
	s->value[i] = v;
	s->enabled[i] = en;
	s->running[i] = run;
	s->valid |= 1u << i;
}

Test(pmu, accumulate_scales_and_reports_ratio)
{
	/* Counters never open here; only the sums over hand-made snapshots are tested. */
	struct pb_pmu *p = open_faked("cycles,instructions,branches", EACCES);
	struct pb_pmu_snap a = { .valid = 0 }, b = { .valid = 0 };
	struct pb_pmu_totals t, t2;

	memset(&t, 0, sizeof(t));
	snap_set(&a, 0, 100, 1000, 500);	/* multiplexed: ran half the time */
	snap_set(&b, 0, 300, 3000, 1500);
	snap_set(&a, 1, 50, 1000, 1000);	/* never multiplexed */
	snap_set(&b, 1, 450, 3000, 3000);
	snap_set(&a, 2, 10, 0, 0);		/* rdpmc without cap_user_time: no time */
	snap_set(&b, 2, 30, 0, 0);
	pb_pmu_accumulate(p, &a, &b, &t);

	cr_expect_eq(t.raw[0], 200);
	cr_expect_eq(t.enabled[0], 2000);
	cr_expect_eq(t.running[0], 1000);
	cr_expect_float_eq(pb_pmu_ratio(&t, 0), 0.5, 1e-12);
	cr_expect_float_eq(pb_pmu_scaled(&t, 0), 400.0, 1e-9);
	cr_expect_float_eq(pb_pmu_per_op(&t, 0, 4), 100.0, 1e-9);
	cr_expect(isnan(pb_pmu_per_op(&t, 0, 0)));

	cr_expect_float_eq(pb_pmu_ratio(&t, 1), 1.0, 0);
	cr_expect_float_eq(pb_pmu_scaled(&t, 1), 400.0, 0);
	cr_expect_float_eq(pb_pmu_ratio(&t, 2), 1.0, 0);
	cr_expect_float_eq(pb_pmu_scaled(&t, 2), 20.0, 0);

	/* A counter that went backwards, or a window never read, adds nothing. */
	snap_set(&b, 0, 50, 3000, 1500);
	b.valid &= ~(1u << 1);
	t2 = t;
	pb_pmu_accumulate(p, &a, &b, &t2);
	cr_expect_eq(t2.raw[0], 200);
	cr_expect_eq(t2.windows[0], 1);
	cr_expect_eq(t2.raw[1], 400);
	cr_expect_eq(t2.windows[1], 1);

	/* Times behind the earlier snapshot's (rdpmc without cap_user_time): the count stays. */
	memset(&t2, 0, sizeof(t2));
	snap_set(&a, 1, 10, 1000, 1000);
	snap_set(&b, 1, 20, 900, 900);
	b.valid |= 1u << 1;
	pb_pmu_accumulate(p, &a, &b, &t2);
	cr_expect_eq(t2.raw[1], 10);
	cr_expect_eq(t2.windows[1], 1);
	cr_expect_float_eq(pb_pmu_ratio(&t2, 1), 1.0, 0);
	cr_expect_float_eq(pb_pmu_scaled(&t2, 1), 10.0, 0);

	/* Never ran during its windows: no estimate rather than zero. */
	memset(&t2, 0, sizeof(t2));
	snap_set(&b, 0, 100, 3000, 500);
	b.valid = 1u << 0;
	pb_pmu_accumulate(p, &a, &b, &t2);
	cr_expect_float_eq(pb_pmu_ratio(&t2, 0), 0.0, 0);
	cr_expect(isnan(pb_pmu_scaled(&t2, 0)));

	/* Two threads' sums combine. */
	pb_pmu_totals_add(&t2, &t);
	cr_expect_eq(t2.raw[1], 400);
	cr_expect_eq(t2.windows[0], 2);
	cr_expect_eq(t2.enabled[0], 4000);
	pb_pmu_close(p);
}

/* ---- counting with software events: any machine that allows perf_event_open ------------ */

static struct pb_pmu *open_or_skip(const char *list, bool force_read)
{
	struct pb_pmu_spec spec;
	struct pb_pmu *p;
	const char *why;

	parse_ok(list, &spec);
	spec.force_read = force_read;
	p = pb_pmu_open(&spec);
	cr_assert_not_null(p);
	for (unsigned i = 0; i < spec.n; i++) {
		if (!pb_pmu_event_ok(p, i, &why)) {
			pb_pmu_close(p);
			cr_skip_test("%s: %s", spec.name[i], why);
		}
	}
	return p;
}

Test(pmu, software_events_count_page_faults)
{
	struct pb_pmu *p = open_or_skip("page-faults,task-clock", false);
	struct pb_pmu_snap a, b;
	struct pb_pmu_totals t;

	memset(&t, 0, sizeof(t));
	pb_pmu_snapshot(p, &a);
	fault_pages(64);
	spin(LOOP_N / 10);
	pb_pmu_snapshot(p, &b);
	pb_pmu_accumulate(p, &a, &b, &t);
	cr_expect_eq(pb_pmu_ngroups(p), 2, "task-clock takes a group of its own");
	cr_expect(!pb_pmu_uses_rdpmc(p), "software events have no rdpmc");
	cr_expect_eq(t.windows[0], 1);
	cr_expect_geq(t.raw[0], 64, "page-faults = %llu for 64 fresh pages", (unsigned long long)t.raw[0]);
	cr_expect_lt(t.raw[0], 64 * 4, "page-faults = %llu", (unsigned long long)t.raw[0]);
	/* task-clock counts ns on the CPU: at most the window, most of it when not preempted. */
	cr_expect_gt(t.raw[1], 0, "task-clock did not advance");
	cr_expect_leq(t.raw[1], t.enabled[1] + 1000, "task-clock %llu > enabled %llu",
		      (unsigned long long)t.raw[1], (unsigned long long)t.enabled[1]);
	cr_expect_float_eq(pb_pmu_ratio(&t, 0), 1.0, 0);
	cr_expect_float_eq(pb_pmu_scaled(&t, 0), (double)t.raw[0], 0);
	pb_pmu_close(p);
}

Test(pmu, nine_software_events_take_three_groups)
{
	/* Two full groups of four, and task-clock alone between them. */
	static const char *const list = "page-faults,faults,minor-faults,major-faults,task-clock,"
					"context-switches,cs,cpu-migrations,migrations";
	struct pb_pmu *p = open_or_skip(list, false);
	struct pb_pmu_snap a, b;
	struct pb_pmu_totals t;

	cr_expect_eq(pb_pmu_nevents(p), 9);
	cr_expect_eq(pb_pmu_ngroups(p), 3);
	memset(&t, 0, sizeof(t));
	pb_pmu_snapshot(p, &a);
	fault_pages(16);
	pb_pmu_snapshot(p, &b);
	pb_pmu_accumulate(p, &a, &b, &t);
	for (unsigned i = 0; i < 9; i++) {
		double r = pb_pmu_ratio(&t, i);

		cr_expect_eq(t.windows[i], 1, "event %u", i);
		cr_expect(r > 0 && r <= 1, "event %u: ratio %g", i, r);
	}
	cr_expect_geq(t.raw[0], 16);
	cr_expect_eq(t.raw[0], t.raw[1], "page-faults and its alias faults differ");
	cr_expect_eq(t.raw[0], t.raw[2] + t.raw[3], "page-faults != minor + major");
	cr_expect_eq(t.raw[5], t.raw[6], "context-switches and its alias cs differ");
	pb_pmu_close(p);
}

struct other_thread {
	struct pb_pmu *p;
	struct pb_pmu_snap s;
};

static void *snap_elsewhere(void *arg)
{
	struct other_thread *o = arg;

	pb_pmu_snapshot(o->p, &o->s);
	return NULL;
}

Test(pmu, snapshot_from_another_thread_reads)
{
	struct other_thread o = { .p = open_or_skip("page-faults,minor-faults", false) };
	pthread_t th;

	fault_pages(4);
	cr_assert_eq(pthread_create(&th, NULL, snap_elsewhere, &o), 0);
	pthread_join(th, NULL);
	cr_expect_eq(o.s.valid, 3);
	cr_expect_geq(o.s.value[0], 4, "counts of the opening thread, read elsewhere");
	cr_expect_eq(pb_pmu_rdpmc_reads(o.p), 0);
	pb_pmu_close(o.p);
}

/* ---- counting with hardware counters: skipped where there are none ------------------------ */

Test(pmu, instructions_of_a_known_loop)
{
	struct pb_pmu *p;
	struct pb_pmu_snap a, b;
	struct pb_pmu_totals t;

	skip_without_pmu();
	p = open_or_skip("instructions,cycles", false);
	memset(&t, 0, sizeof(t));
	pb_pmu_snapshot(p, &a);
	spin(LOOP_N);
	pb_pmu_snapshot(p, &b);
	pb_pmu_accumulate(p, &a, &b, &t);
	cr_expect_geq(pb_pmu_scaled(&t, 0), (double)LOOP_N, "instructions %g < %lu",
		      pb_pmu_scaled(&t, 0), LOOP_N);
	cr_expect_lt(pb_pmu_scaled(&t, 0), 20.0 * LOOP_N, "instructions %g >= 20 x %lu",
		     pb_pmu_scaled(&t, 0), LOOP_N);
	cr_expect_gt(t.raw[1], 0, "no cycles counted");
	cr_expect(pb_pmu_ratio(&t, 0) > 0 && pb_pmu_ratio(&t, 0) <= 1);
	pb_pmu_close(p);
}

Test(pmu, rdpmc_and_read_agree)
{
	struct pb_pmu *fast, *slow;
	struct pb_pmu_snap fa, fb, sa, sb;
	struct pb_pmu_totals ft, st;
	double f, s;

	skip_without_pmu();
	fast = open_or_skip("instructions", false);
	slow = open_or_skip("instructions", true);
	cr_expect(!pb_pmu_uses_rdpmc(slow));
	memset(&ft, 0, sizeof(ft));
	memset(&st, 0, sizeof(st));
	pb_pmu_snapshot(slow, &sa);
	pb_pmu_snapshot(fast, &fa);
	spin(LOOP_N);
	pb_pmu_snapshot(fast, &fb);
	pb_pmu_snapshot(slow, &sb);
	pb_pmu_accumulate(fast, &fa, &fb, &ft);
	pb_pmu_accumulate(slow, &sa, &sb, &st);
	cr_expect_eq(pb_pmu_rdpmc_reads(slow), 0);
	if (pb_pmu_uses_rdpmc(fast))
		cr_expect_gt(pb_pmu_rdpmc_reads(fast), 0, "rdpmc allowed but never used");
	else
		cr_log_warn("rdpmc not allowed here: both paths used read()");
	f = pb_pmu_scaled(&ft, 0);
	s = pb_pmu_scaled(&st, 0);
	/* The same loop counted twice; the outer (read) pair also counts the inner snapshots. */
	cr_expect(f >= LOOP_N && s >= LOOP_N && s < 2 * f && f < 2 * s, "rdpmc %g vs read() %g", f, s);
	pb_pmu_close(fast);
	pb_pmu_close(slow);
}

Test(pmu, nine_hardware_events_take_groups_and_report_ratios)
{
	static const char *const list = "cycles,instructions,branches,branch-misses,cache-misses,"
					"cache-references,LLC-loads,L1-dcache-load-misses,"
					"dTLB-load-misses";
	struct pb_pmu_spec spec;
	struct pb_pmu *p;
	struct pb_pmu_snap a, b;
	struct pb_pmu_totals t;
	unsigned ok = 0;

	skip_without_pmu();
	parse_ok(list, &spec);
	p = pb_pmu_open(&spec);
	cr_assert_not_null(p);
	cr_expect_geq(pb_pmu_ngroups(p), 3);
	memset(&t, 0, sizeof(t));
	for (int rep = 0; rep < 5; rep++) {
		pb_pmu_snapshot(p, &a);
		spin(LOOP_N);
		pb_pmu_snapshot(p, &b);
		pb_pmu_accumulate(p, &a, &b, &t);
	}
	for (unsigned i = 0; i < spec.n; i++) {
		const char *why;
		double r;

		if (!pb_pmu_event_ok(p, i, &why)) {
			cr_log_info("%s unavailable: %s", spec.name[i], why);
			continue;
		}
		ok++;
		r = pb_pmu_ratio(&t, i);
		cr_expect(r > 0 && r <= 1, "%s: ratio %g (enabled %llu running %llu)", spec.name[i], r,
			  (unsigned long long)t.enabled[i], (unsigned long long)t.running[i]);
	}
	cr_expect_geq(ok, 2, "cycles and instructions at least");
	pb_pmu_close(p);
}

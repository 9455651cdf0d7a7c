/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Experiment files: the shipped configs load, [global] is inherited and overridden, and
 * every problem is one line "FILE:LINE: ..." pointing at the line to fix, with nothing
 * loaded. The small files live in $PB_TESTDATA/config (default tests/data/config).
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"

static struct pb_config cfg;
static struct pb_err err;

static void teardown(void)
{
	pb_config_free(&cfg);
}

TestSuite(config, .fini = teardown);

static const char *datadir(void)
{
	const char *d = getenv("PB_TESTDATA");

	return d && *d ? d : "tests/data";
}

static const char *data(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/config/%s", datadir(), name);
	return path;
}

static void load_ok(const char *name)
{
	int rc = pb_config_load(data(name), &cfg, &err);

	cr_assert_eq(rc, 0, "%s: %s", name, err.msg);
}

/*
 * Loads @name, which must fail with one line starting "PATH:@line: " and holding every
 * one of the NULL-terminated fragments; nothing may be loaded.
 */
static void load_fails(const char *name, int line, ...)
{
	char prefix[4200];
	const char *frag;
	va_list ap;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = pb_config_load(data(name), &cfg, &err);
	cr_assert_eq(rc, -1, "%s loaded although it is wrong", name);
	cr_expect_eq(cfg.njobs, 0, "%s: %u jobs left after an error", name, cfg.njobs);
	cr_expect_null(cfg.jobs, "%s: jobs left after an error", name);
	cr_expect_null(strchr(err.msg, '\n'), "%s: message is not one line: %s", name, err.msg);
	if (line)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", data(name), line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", data(name));
	cr_expect(!strncmp(err.msg, prefix, strlen(prefix)), "%s: expected prefix '%s', got: %s", name,
		  prefix, err.msg);
	va_start(ap, line);
	while ((frag = va_arg(ap, const char *)))
		cr_expect(strstr(err.msg, frag), "%s: '%s' missing from: %s", name, frag, err.msg);
	va_end(ap);
}

static const struct pb_job *job(const char *name)
{
	for (unsigned i = 0; i < cfg.njobs; i++)
		if (!strcmp(cfg.jobs[i].name, name))
			return &cfg.jobs[i];
	cr_assert_fail("no job [%s]", name);
	return NULL;
}

static bool has_alloc(const struct pb_plan *p, const char *name)
{
	for (unsigned i = 0; i < p->nallocs; i++)
		if (!strcmp(p->allocs[i]->name, name))
			return true;
	return false;
}

Test(config, shipped_configs_load)
{
	static const char *const expected[] = { "quick.ini", "default.ini", "nightly.ini",
						"lsfmm2016.ini" };
	char pattern[4200];
	glob_t g;

	/* The configs sit two levels above the test data: tests/data -> configs. */
	snprintf(pattern, sizeof(pattern), "%s/../../configs/*.ini", datadir());
	cr_assert_eq(glob(pattern, 0, NULL, &g), 0, "no %s", pattern);
	for (size_t e = 0; e < sizeof(expected) / sizeof(expected[0]); e++) {
		bool found = false;

		for (size_t i = 0; i < g.gl_pathc; i++)
			found |= !strcmp(strrchr(g.gl_pathv[i], '/') + 1, expected[e]);
		cr_expect(found, "configs/%s is not shipped", expected[e]);
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		int rc = pb_config_load(g.gl_pathv[i], &cfg, &err);

		cr_expect_eq(rc, 0, "%s", err.msg);
		if (!rc)
			cr_expect_gt(cfg.njobs, 0, "%s: no jobs", g.gl_pathv[i]);
		pb_config_free(&cfg);
	}
	globfree(&g);
}

Test(config, global_is_inherited)
{
	const struct pb_job *j;

	load_ok("inherit.ini");
	cr_assert_eq(cfg.njobs, 3);
	cr_expect_str_eq(cfg.path, data("inherit.ini"));
	/* A section with no keys at all is a job made of [global] alone. */
	j = job("plain");
	cr_expect_eq(j, &cfg.jobs[0], "jobs are not in file order");
	cr_expect_eq(j->line, 14);
	cr_expect_str_eq(j->plan.wl->name, "alloc-free");
	cr_expect_eq(j->plan.nallocs, 2);
	cr_expect(has_alloc(&j->plan, "buddy") && has_alloc(&j->plan, "ptr_ring_pool"));
	cr_expect_eq(j->plan.reps, 7);
	cr_expect_eq(j->plan.ops, 1000);
	cr_expect_eq(j->plan.nbatches, 10);
	cr_expect_eq(j->plan.ncpus, 1);
	cr_expect_eq(j->plan.cpus[0].cpu, 1);
	cr_expect_not(j->plan.baselines);
	cr_expect_str_eq(pb_params_raw(&j->plan.params, "order"), "2");
	cr_expect_eq(j->plan.params.n, 1);
	cr_expect_str_eq(j->plan.events, "default");
	cr_expect_not(j->plan.metric_instructions);
	cr_expect_not(j->plan.allow_shared_cpus);
}

Test(config, job_overrides_global)
{
	const struct pb_job *j;

	load_ok("inherit.ini");
	j = job("override");
	cr_expect_eq(j->line, 16);
	cr_expect_str_eq(j->plan.wl->name, "cross-cpu");
	cr_expect_eq(j->plan.nallocs, 1, "alloc = buddy replaces the [global] list");
	cr_expect_str_eq(j->plan.allocs[0]->name, "buddy");
	cr_expect_eq(j->plan.reps, 3);
	cr_expect_eq(j->plan.ops, 1000, "not overridden, so inherited");
	cr_expect_eq(j->plan.ncpus, 2);
	cr_expect_eq(j->plan.cpus[0].cpu, 0);
	cr_expect_eq(j->plan.cpus[1].cpu, 1);
	cr_expect_str_eq(pb_params_raw(&j->plan.params, "order"), "3");
	cr_expect_str_eq(pb_params_raw(&j->plan.params, "handoff"), "64");
	cr_expect_eq(j->plan.params.n, 2);
}

Test(config, events_and_metric_kept)
{
	const struct pb_job *j;

	load_ok("inherit.ini");
	j = job("measured");
	cr_expect_str_eq(j->plan.events, "cycles,instructions");
	cr_expect_not(j->plan.metric_instructions);
	cr_expect(j->plan.allow_shared_cpus);
	cr_expect(j->plan.baselines);
	cr_expect_eq(j->plan.ops, 2048, "counts take the k suffix the parameters take");
	cr_expect_eq(j->plan.seed, 42);
	cr_expect_float_eq(j->plan.cv_max, 0.10, 1e-12);
	cr_expect_eq(j->plan.min_batch_ns, 0);
}

Test(config, one_metric_for_every_job)
{
	load_ok("metric.ini");
	cr_assert_eq(cfg.njobs, 2);
	cr_expect(job("a")->plan.metric_instructions);
	cr_expect(job("b")->plan.metric_instructions);
}

Test(config, two_metrics_in_one_file)
{
	load_fails("mixed_metric.ini", 9, "[counted]: metric=instructions, but [timed] has metric=time",
		   "one metric", NULL);
}

Test(config, events_none_means_no_counters)
{
	char path[] = "/tmp/pb-events-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	int rc;

	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	fputs("[j]\nalloc = buddy\nworkload = alloc-free\nevents = none\n", f);
	fclose(f);
	rc = pb_config_load(path, &cfg, &err);
	unlink(path);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_expect_str_empty(cfg.jobs[0].plan.events);
}

Test(config, plan_carries_job_name_and_run_defaults)
{
	struct pb_plan def;
	const struct pb_job *j;

	pb_plan_init(&def);
	load_ok("inherit.ini");
	j = job("plain");
	cr_expect_str_eq(j->plan.job, "plain", "records are labelled with the job");
	cr_expect_eq(j->plan.seed, def.seed);
	cr_expect_float_eq(j->plan.cv_max, def.cv_max, 1e-12);
	cr_expect_eq(j->plan.min_batch_ns, def.min_batch_ns);
}

Test(config, param_taken_by_one_backend_is_accepted)
{
	const struct pb_job *j;

	load_ok("one_backend.ini");
	j = job("drivers");
	cr_expect_eq(j->plan.nallocs, 3);
	cr_expect_str_eq(pb_params_raw(&j->plan.params, "variant"), "2016");
	cr_expect_str_eq(pb_params_raw(&j->plan.params, "order"), "1");
	cr_expect_str_eq(pb_params_raw(&j->plan.params, "n"), "64");
}

Test(config, unknown_backend)
{
	load_fails("unknown_backend.ini", 6, "[j] alloc: ", "unknown backend 'nosuch'", NULL);
}

Test(config, empty_list_item)
{
	load_fails("empty_list_item.ini", 4, "[j] alloc: 'buddy,,null': empty backend name", NULL);
}

Test(config, unknown_workload)
{
	load_fails("unknown_workload.ini", 4, "[j] workload: ", "'alloc-free-fast'", NULL);
}

Test(config, bad_value)
{
	load_fails("bad_value.ini", 7, "[j] order: ", "order=99", "between", NULL);
}

Test(config, unknown_key)
{
	load_fails("unknown_key.ini", 5, "[j] frobnicate: unknown key", "buddy", NULL);
}

Test(config, inherited_key_not_taken)
{
	/* Fine for the first job; the second has no backend taking it: blame the [global] line. */
	load_fails("inherited_key.ini", 4, "[global] order: unknown key", "inherited by [with-null]",
		   NULL);
}

Test(config, duplicate_section)
{
	load_fails("duplicate_section.ini", 10, "[j]: duplicate section", "line 2", NULL);
}

Test(config, duplicate_key)
{
	load_fails("duplicate_key.ini", 5, "[j] alloc: given twice", "line 3", NULL);
}

Test(config, no_workload)
{
	load_fails("no_workload.ini", 5, "[j]: no workload", NULL);
}

Test(config, no_alloc)
{
	load_fails("no_alloc.ini", 2, "[j]: no alloc", NULL);
}

Test(config, whole_job_problem_at_section_header)
{
	/* pb_plan_check's verdict, which belongs to no single key. */
	load_fails("whole_job.ini", 3, "[j]: ", "'ideal'", "one context", NULL);
}

Test(config, empty_file)
{
	load_fails("empty.ini", 0, "no jobs", NULL);
}

Test(config, global_only_has_no_jobs)
{
	load_fails("global_only.ini", 0, "no jobs", NULL);
}

Test(config, missing_file)
{
	load_fails("does-not-exist.ini", 0, "cannot open", NULL);
}

Test(config, unreadable_directory)
{
	load_fails("", 0, "cannot read", NULL);
}

Test(config, syntax_error)
{
	load_fails("syntax.ini", 4, NULL);
}

Test(config, indented_line)
{
	load_fails("indented.ini", 4, "indented", NULL);
}

Test(config, global_after_job)
{
	load_fails("global_after_job.ini", 5, "[global]: must come before the first job", NULL);
}

Test(config, bad_reps_in_global)
{
	load_fails("bad_reps.ini", 3, "[global] reps: '0': ", "between 1 and 1000", NULL);
}

Test(config, bad_metric)
{
	load_fails("bad_metric.ini", 5, "[j] metric: ", "time|instructions", NULL);
}

Test(config, bad_cpus)
{
	load_fails("bad_cpus.ini", 5, "[j] cpus: ", NULL);
}

Test(config, empty_value)
{
	load_fails("empty_value.ini", 5, "[j] events: empty value", NULL);
}

Test(config, hash_after_value)
{
	load_fails("hash_comment.ini", 3, "[j] alloc: ", "';'", NULL);
}

Test(config, key_outside_section)
{
	load_fails("outside.ini", 2, "reps: outside any section", NULL);
}

Test(config, bad_section_name)
{
	load_fails("section_name.ini", 5, "[two words]", NULL);
}

Test(config, long_line)
{
	load_fails("long_line.ini", 5, "longer than", NULL);
}

Test(config, all_or_nothing)
{
	load_fails("second_job_bad.ini", 9, "[bad] bulk: ", "bulk=1000", NULL);
}

Test(config, free_twice_is_safe)
{
	load_ok("one_backend.ini");
	pb_config_free(&cfg);
	pb_config_free(&cfg);
	cr_expect_eq(cfg.njobs, 0);
	cr_expect_null(cfg.jobs);
}

/*
 * compare's drift is per job: a job without its own baselines is judged on raw changes, which
 * a machine whose speed moves between runs turns into false verdicts. Every job of the
 * configs that make bench and make nightly compare measures them.
 */
Test(config, shipped_gating_configs_measure_baselines_in_every_job)
{
	static const char *const names[] = { "quick.ini", "default.ini", "nightly.ini" };
	char path[4200];

	for (unsigned k = 0; k < 3; k++) {
		snprintf(path, sizeof(path), "%s/../../configs/%s", datadir(), names[k]);
		cr_assert_eq(pb_config_load(path, &cfg, &err), 0, "%s", err.msg);
		for (unsigned i = 0; i < cfg.njobs; i++)
			cr_expect(cfg.jobs[i].plan.baselines, "%s [%s]", names[k], cfg.jobs[i].name);
		pb_config_free(&cfg);
	}
}

/* The nightly gate measures each job in at least two processes: compare needs their spread. */
Test(config, nightly_runs_every_job_in_two_processes)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/../../configs/nightly.ini", datadir());
	cr_assert_eq(pb_config_load(path, &cfg, &err), 0, "%s", err.msg);
	for (unsigned i = 0; i < cfg.njobs; i++)
		cr_expect_geq(cfg.jobs[i].plan.processes, 2, "[%s]", cfg.jobs[i].name);
	pb_config_free(&cfg);
}

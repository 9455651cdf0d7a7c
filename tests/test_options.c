/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The option table: every option is reachable from the command line and from a config file,
 * a value gives the same plan either way, and a bad value the same one-line message (only
 * the prefix saying where it came from differs).
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "options.h"

#define MAX_ARGS 24

static char tmpdir[] = "/tmp/pb-options-XXXXXX";
static char ini_path[64];
static struct pb_config cfg;

static void setup(void)
{
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(ini_path, sizeof(ini_path), "%s/j.ini", tmpdir);
}

static void teardown(void)
{
	pb_config_free(&cfg);
	unlink(ini_path);
	rmdir(tmpdir);
}

TestSuite(options, .init = setup, .fini = teardown);

/* `run` + the NULL-terminated @args through getopt into @plan; the parser's return value. */
static int from_argv(struct pb_plan *plan, struct pb_run_args *ra, struct pb_err *err, ...)
{
	char *argv[MAX_ARGS + 1] = { "run" };
	struct pb_run_args scratch;
	int argc = 1;
	va_list ap;

	va_start(ap, err);
	for (char *a; (a = va_arg(ap, char *));) {
		cr_assert_lt(argc, MAX_ARGS);
		argv[argc++] = a;
	}
	va_end(ap);
	argv[argc] = NULL;
	pb_plan_init(plan);
	memset(err, 0, sizeof(*err));
	return pb_options_parse_argv(argc, argv, plan, ra ? ra : &scratch, err);
}

/* Loads "[j]\n@body" as a config file; pb_config_load's return value. */
static int from_ini(const char *body, struct pb_err *err)
{
	FILE *f = fopen(ini_path, "w");

	cr_assert_not_null(f);
	fprintf(f, "[j]\n%s", body);
	cr_assert_eq(fclose(f), 0);
	pb_config_free(&cfg);
	memset(err, 0, sizeof(*err));
	return pb_config_load(ini_path, &cfg, err);
}

/*
 * One option given one way per front end: the value on the command line (NULL for an option
 * without argument) and the INI line meaning the same; a bad value, where both can take it.
 */
struct ocase {
	const char *name;
	const char *value;
	const char *ini;
	const char *bad;
	const char *shows;	/* what the message quotes of it; NULL: all of it */
};

static const struct ocase cases[] = {
	{ "alloc", "ptr_ring_pool,buddy", "alloc = ptr_ring_pool,buddy", "buddy,nosuch", "nosuch" },
	{ "alloc", "all", "alloc = all", "buddy,,ideal" },
	{ "alloc", "buddy,buddy", NULL, "buddy,buddy", "buddy" },
	{ "workload", "alloc-free-remote", "workload = alloc-free-remote", "nosuch" },
	{ "set", "order=3", "order = 3", NULL },
	{ "reps", "7", "reps = 7", "0" },
	{ "processes", "3", "processes = 3", "65" },
	{ "ops", "2k", "ops = 2k", "-5" },
	{ "batches", "10", "batches = 10", "100001" },
	{ "cpus", "1", "cpus = 1", "abc" },
	{ "mem-node", "0", "mem_node = 0", "256" },
	{ "allow-shared-cpus", NULL, "allow_shared_cpus = on", NULL },
	{ "no-baselines", NULL, "baselines = off", NULL },
	{ "events", "cycles,instructions", "events = cycles,instructions", NULL },
	{ "events", "none", "events = none", NULL },
	{ "metric", "instructions", "metric = instructions", "watts" },
	{ "seed", "42", "seed = 42", "x" },
	{ "unstable-cv", "10", "unstable_cv = 10", "1001" },
	{ "min-batch-us", "0", "min_batch_us = 0", "1000001" },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* What every case starts from, unless it sets that option itself. */
static bool sets(const struct ocase *c, const char *name)
{
	return !strcmp(c->name, name);
}

static int case_argv(const struct ocase *c, const char *value, struct pb_plan *plan,
		     struct pb_err *err)
{
	char opt[64];

	snprintf(opt, sizeof(opt), "--%s", c->name);
	if (sets(c, "alloc"))
		return from_argv(plan, NULL, err, "--workload", "alloc-free", opt, value, NULL);
	if (sets(c, "workload"))
		return from_argv(plan, NULL, err, "--alloc", "buddy", opt, value, NULL);
	return from_argv(plan, NULL, err, "--alloc", "buddy", "--workload", "alloc-free", opt, value,
			 NULL);
}

static int case_ini(const struct ocase *c, const char *line, struct pb_err *err)
{
	char body[512];

	snprintf(body, sizeof(body), "%s%s%s\n", sets(c, "alloc") ? "" : "alloc = buddy\n",
		 sets(c, "workload") ? "" : "workload = alloc-free\n", line);
	return from_ini(body, err);
}

/* The plan of the loaded job, less what only a job has (its name); compared byte for byte. */
static const struct pb_plan *job_plan(void)
{
	struct pb_plan *p = &cfg.jobs[0].plan;

	memset(p->job, 0, sizeof(p->job));
	return p;
}

Test(options, table_is_well_formed)
{
	for (const struct pb_option *o = pb_options; o->name; o++) {
		cr_expect_not_null(o->set, "--%s has no setter", o->name);
		cr_expect(o->help && *o->help, "--%s has no help", o->name);
		cr_expect(!o->flag_value != !o->arg, "--%s: an option takes an argument or a flag value",
			  o->name);
		cr_expect_eq(pb_option_by_name(o->name), o, "--%s is listed twice", o->name);
		if (o->key)
			cr_expect_eq(pb_option_by_key(o->key), o, "key %s is listed twice", o->key);
		for (const struct pb_option *p = o + 1; o->short_name && p->name; p++)
			cr_expect_neq(o->short_name, p->short_name, "-%c twice", o->short_name);
		/* The parser's own options are not plan options. */
		cr_expect(strcmp(o->name, "json") && strcmp(o->name, "help"));
	}
	cr_expect_null(pb_option_by_name("nosuch"));
	cr_expect_null(pb_option_by_key("order"), "a parameter is not an option");
	cr_expect_null(pb_option_by_key("set"), "--set's INI form is any other key");
}

Test(options, every_option_has_a_case_both_ways)
{
	for (const struct pb_option *o = pb_options; o->name; o++) {
		bool found = false;

		for (size_t i = 0; i < NCASES; i++)
			found |= sets(&cases[i], o->name) && cases[i].ini;
		cr_expect(found, "--%s: no case tests it through getopt and INI", o->name);
	}
}

Test(options, same_value_same_plan)
{
	struct pb_plan base, cli;
	const struct pb_plan *ini;
	struct pb_err err;

	cr_assert_eq(from_argv(&base, NULL, &err, "--alloc", "buddy", "--workload", "alloc-free",
			       NULL), 0, "%s", err.msg);
	for (size_t i = 0; i < NCASES; i++) {
		const struct ocase *c = &cases[i];

		if (!c->ini)
			continue;
		cr_assert_eq(case_argv(c, c->value, &cli, &err), 0, "--%s %s: %s", c->name,
			     c->value ? c->value : "", err.msg);
		cr_assert_eq(case_ini(c, c->ini, &err), 0, "%s: %s", c->ini, err.msg);
		ini = job_plan();
		cr_expect(memcmp(&cli, &base, sizeof(cli)), "--%s %s leaves the default plan: the case tests nothing",
			  c->name, c->value ? c->value : "");
		/* The field-level checks say what differs; memcmp catches any field not listed. */
		cr_expect_eq(cli.nallocs, ini->nallocs, "--%s: backends", c->name);
		cr_expect_eq(cli.wl, ini->wl, "--%s: workload", c->name);
		cr_expect_eq(cli.params.n, ini->params.n, "--%s: parameters", c->name);
		cr_expect_eq(cli.reps, ini->reps, "--%s: reps", c->name);
		cr_expect_eq(cli.processes, ini->processes, "--%s: processes", c->name);
		cr_expect_eq(cli.ops, ini->ops, "--%s: ops", c->name);
		cr_expect_eq(cli.nbatches, ini->nbatches, "--%s: batches", c->name);
		cr_expect_eq(cli.baselines, ini->baselines, "--%s: baselines", c->name);
		cr_expect_eq(cli.allow_shared_cpus, ini->allow_shared_cpus, "--%s: shared CPUs", c->name);
		cr_expect_eq(cli.seed, ini->seed, "--%s: seed", c->name);
		cr_expect_eq(cli.min_batch_ns, ini->min_batch_ns, "--%s: min batch", c->name);
		cr_expect_str_eq(cli.events, ini->events, "--%s: events", c->name);
		cr_expect_eq(cli.metric_instructions, ini->metric_instructions, "--%s: metric", c->name);
		cr_expect_eq(memcmp(&cli, ini, sizeof(cli)), 0,
			     "--%s %s and '%s' give different plans", c->name, c->value ? c->value : "",
			     c->ini);
	}
}

/* The message after "--NAME: " must be the one after "[j] KEY: " in "FILE:LINE: [j] KEY: ". */
Test(options, bad_value_same_message)
{
	struct pb_plan plan;
	struct pb_err cli_err, ini_err;

	for (size_t i = 0; i < NCASES; i++) {
		const struct ocase *c = &cases[i];
		const struct pb_option *o = pb_option_by_name(c->name);
		char line[256], cli_prefix[64], ini_prefix[128];

		if (!c->bad)
			continue;
		cr_assert(o && o->key);
		cr_assert_neq(case_argv(c, c->bad, &plan, &cli_err), 0, "--%s %s was taken", c->name,
			      c->bad);
		snprintf(line, sizeof(line), "%s = %s", o->key, c->bad);
		cr_assert_neq(case_ini(c, line, &ini_err), 0, "'%s' was taken", line);
		cr_expect_null(strchr(cli_err.msg, '\n'));
		cr_expect_null(strchr(ini_err.msg, '\n'));
		snprintf(cli_prefix, sizeof(cli_prefix), "--%s: ", c->name);
		/* The key is on line 3 or 4 of the file: after [j] and the base keys the case keeps. */
		snprintf(ini_prefix, sizeof(ini_prefix), "%s:%d: [j] %s: ", ini_path,
			 sets(c, "alloc") || sets(c, "workload") ? 3 : 4, o->key);
		cr_assert(!strncmp(cli_err.msg, cli_prefix, strlen(cli_prefix)), "'%s' does not start with '%s'",
			  cli_err.msg, cli_prefix);
		cr_assert(!strncmp(ini_err.msg, ini_prefix, strlen(ini_prefix)), "'%s' does not start with '%s'",
			  ini_err.msg, ini_prefix);
		cr_expect_str_eq(cli_err.msg + strlen(cli_prefix), ini_err.msg + strlen(ini_prefix));
		snprintf(line, sizeof(line), "'%s'", c->shows ? c->shows : c->bad);
		cr_expect(strstr(cli_err.msg, line), "the message does not quote %s: %s", line, cli_err.msg);
	}
}

/* Flags take no value on the command line; in a file their key takes on/off like a parameter. */
Test(options, flag_keys_refuse_other_words)
{
	struct pb_err err, direct;
	struct pb_plan plan;

	for (const struct pb_option *o = pb_options; o->name; o++) {
		char line[128], prefix[128];

		if (!o->flag_value || !o->key)
			continue;
		snprintf(line, sizeof(line), "alloc = buddy\nworkload = alloc-free\n%s = maybe\n", o->key);
		cr_assert_neq(from_ini(line, &err), 0, "%s = maybe was taken", o->key);
		pb_plan_init(&plan);
		cr_assert_neq(o->set(&plan, "maybe", &direct), 0);
		snprintf(prefix, sizeof(prefix), "%s:4: [j] %s: ", ini_path, o->key);
		cr_expect_str_eq(err.msg + strlen(prefix), direct.msg);
		cr_expect(strstr(direct.msg, "'maybe'") && strstr(direct.msg, "on or off"), "%s", direct.msg);
	}
}

Test(options, short_and_equals_forms)
{
	struct pb_plan a, b;
	struct pb_err err;

	cr_assert_eq(from_argv(&a, NULL, &err, "-a", "buddy", "-w", "alloc-free", "-r", "3", "-s",
			       "order=2", NULL), 0, "%s", err.msg);
	cr_assert_eq(from_argv(&b, NULL, &err, "--alloc=buddy", "--workload=alloc-free", "--reps=3",
			       "--set=order=2", NULL), 0, "%s", err.msg);
	cr_expect_eq(a.reps, 3);
	cr_expect_str_eq(pb_params_raw(&a.params, "order"), "2");
	cr_expect_eq(memcmp(&a, &b, sizeof(a)), 0);
}

Test(options, later_alloc_replaces_earlier)
{
	struct pb_plan p;
	struct pb_err err;

	cr_assert_eq(from_argv(&p, NULL, &err, "--alloc", "buddy,ideal", "--workload", "alloc-free",
			       "--alloc", "ptr_ring_pool", NULL), 0, "%s", err.msg);
	cr_expect_eq(p.nallocs, 1);
	cr_expect_str_eq(p.allocs[0]->name, "ptr_ring_pool");
}

Test(options, config_file_and_json)
{
	struct pb_run_args ra;
	struct pb_plan p;
	struct pb_err err;

	cr_assert_eq(from_argv(&p, &ra, &err, "x.ini", "--json", "out.json", NULL), 0, "%s", err.msg);
	cr_expect_str_eq(ra.config, "x.ini");
	cr_expect_str_eq(ra.json, "out.json");
	cr_expect_not(ra.help);
	/* --reps and --ops override the file's jobs (the CLI applies them); nothing else comes along. */
	cr_assert_eq(from_argv(&p, &ra, &err, "--reps", "3", "x.ini", "--ops", "2k", NULL), 0, "%s",
		     err.msg);
	cr_expect(ra.reps_given && ra.ops_given && !ra.processes_given);
	cr_expect_eq(p.reps, 3);
	cr_expect_eq(p.ops, 2048);
	cr_assert_eq(from_argv(&p, &ra, &err, "x.ini", "--processes", "2", NULL), 0, "%s", err.msg);
	cr_expect(ra.processes_given && !ra.reps_given);
	cr_expect_eq(p.processes, 2);
	cr_assert_neq(from_argv(&p, &ra, &err, "--seed", "3", "x.ini", NULL), 0);
	cr_expect_str_eq(err.msg, "stray argument 'x.ini': if it is a config file, it takes no --seed (only --reps, --ops, --processes and --json; put the rest in the file)");
	cr_assert_neq(from_argv(&p, &ra, &err, "x.ini", "y.ini", NULL), 0);
	cr_expect_str_eq(err.msg, "stray argument 'y.ini' (after the config file 'x.ini'; one config per run)");
}

Test(options, help_stops_the_parse)
{
	struct pb_run_args ra;
	struct pb_plan p;
	struct pb_err err;

	cr_assert_eq(from_argv(&p, &ra, &err, "--help", "--reps", "0", NULL), 0, "%s", err.msg);
	cr_expect(ra.help);
}

Test(options, command_line_errors)
{
	struct pb_plan p;
	struct pb_err err;

	cr_assert_neq(from_argv(&p, NULL, &err, "--alloc", "buddy", NULL), 0);
	cr_expect_str_eq(err.msg, "--workload is required (see pagebench list)");
	cr_assert_neq(from_argv(&p, NULL, &err, "--workload", "alloc-free", NULL), 0);
	cr_expect_str_eq(err.msg, "--alloc is required (see pagebench list)");
	cr_assert_neq(from_argv(&p, NULL, &err, "--workload", "alloc-free", "--alloc", NULL), 0);
	cr_expect_str_eq(err.msg, "--alloc needs a value");
	cr_assert_neq(from_argv(&p, NULL, &err, "-zq", NULL), 0);
	cr_expect_str_eq(err.msg, "unknown option '-z' (see pagebench run --help)");
	cr_assert_neq(from_argv(&p, NULL, &err, "--frob", NULL), 0);
	cr_expect_str_eq(err.msg, "unknown option '--frob' (see pagebench run --help)");
	cr_assert_neq(from_argv(&p, NULL, &err, "--no-baselines=off", NULL), 0);
	cr_expect(strstr(err.msg, "--no-baselines"), "%s", err.msg);
	/* The whole plan is checked too: a --set key no chosen backend takes. */
	cr_assert_neq(from_argv(&p, NULL, &err, "--alloc", "buddy", "--workload", "alloc-free",
				"--set", "frob=1", NULL), 0);
	cr_expect(strstr(err.msg, "frob"), "%s", err.msg);
}

Test(options, events_none_and_empty)
{
	struct pb_plan p;
	struct pb_err err;

	cr_assert_eq(from_argv(&p, NULL, &err, "--alloc", "buddy", "--workload", "alloc-free",
			       "--events", "none", NULL), 0, "%s", err.msg);
	cr_expect_str_empty(p.events, "none means no counters");
	cr_assert_neq(from_argv(&p, NULL, &err, "--alloc", "buddy", "--workload", "alloc-free",
				"--events", "", NULL), 0);
	cr_expect(!strncmp(err.msg, "--events: ", 10), "%s", err.msg);
}

/* --alloc all keeps what can run the workload; the rest are named with the reason. */
Test(options, alloc_all_drops_what_cannot_run)
{
	struct pb_run_args ra;
	struct pb_plan p;
	struct pb_err err;

	cr_assert_eq(from_argv(&p, &ra, &err, "--alloc", "all", "--workload", "cross-cpu", NULL), 0,
		     "%s", err.msg);
	for (unsigned i = 0; i < p.nallocs; i++) {
		cr_expect_not(p.allocs[i]->one_context, "%s kept", p.allocs[i]->name);
		cr_expect_null(p.allocs[i]->absent, "%s kept", p.allocs[i]->name);
	}
	cr_expect_not(p.alloc_all, "resolved: the plan names its backends");
	cr_expect_not_null(strstr(ra.skipped, "ideal: "), "%s", ra.skipped);
	cr_expect_not_null(strstr(ra.skipped, "one context"), "%s", ra.skipped);
	cr_expect_null(strstr(ra.skipped, "buddy"), "%s", ra.skipped);
}

/* A config's alloc = all resolves as the command line's does, to the same plan. */
Test(options, alloc_all_in_a_config_is_the_same_plan)
{
	struct pb_run_args ra;
	struct pb_config conf;
	struct pb_plan p;
	struct pb_err err;
	char path[] = "/tmp/pbopt.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	fputs("[j]\nalloc = all\nworkload = alloc-free-slow\n", f);
	fclose(f);
	cr_assert_eq(pb_config_load(path, &conf, &err), 0, "%s", err.msg);
	unlink(path);
	cr_assert_eq(from_argv(&p, &ra, &err, "--alloc", "all", "--workload", "alloc-free-slow", NULL),
		     0, "%s", err.msg);
	cr_expect_eq(conf.jobs[0].plan.nallocs, p.nallocs);
	cr_expect_eq(memcmp(conf.jobs[0].plan.allocs, p.allocs, sizeof(p.allocs)), 0);
	cr_expect_str_eq(conf.jobs[0].skipped, ra.skipped);
	cr_expect_not_null(strstr(ra.skipped, "jemalloc: "), "%s", ra.skipped);
	pb_config_free(&conf);
}

/* A --set key given twice is refused, naming both values. */
Test(options, set_key_twice)
{
	struct pb_run_args ra;
	struct pb_plan p;
	struct pb_err err;

	cr_assert_neq(from_argv(&p, &ra, &err, "--alloc", "buddy", "--workload", "alloc-free",
				"--set", "order=1", "--set", "order=2", NULL), 0);
	cr_expect_str_eq(err.msg, "--set: 'order=2': order given twice (first order=1)");
}

/* The capacity check: numbers of both sides in the message, the limit itself accepted. */
Test(options, capacity_of_buddy_memory)
{
	struct pb_run_args ra;
	struct pb_plan p;
	struct pb_err err;

	cr_assert_neq(from_argv(&p, &ra, &err, "--alloc", "buddy", "--workload", "outstanding",
				"--set", "n=2048", "--set", "mem=4M", NULL), 0);
	cr_expect_str_eq(err.msg, "--workload outstanding n=2048 holds 2048 buffers at once, but backend buddy lends at most 1024 (mem=4M: 1024 pages, 1024 blocks of order 0)");
	cr_assert_eq(from_argv(&p, &ra, &err, "--alloc", "buddy", "--workload", "outstanding",
			       "--set", "n=1024", "--set", "mem=4M", NULL), 0, "%s", err.msg);
}

/*
 * Every backend with a fixed limit refuses a workload that would hold more, with both sides'
 * numbers, before anything is created; the limit itself passes the plan.
 */
Test(options, capacity_of_every_backend)
{
	static const struct {
		const char *alloc, *set, *over, *at, *why;
	} limits[] = {
		{ "ideal", "order=0", "n=1025", "n=1024", "at most 1024 (mem=4M: 1024 pages, 1024 blocks of order 0)" },
		{ "urcu_stack", "order=1", "n=513", "n=512", "at most 512 (mem=4M: 1024 pages, 512 blocks of order 1)" },
		{ "array_cache", "size=256", "n=1025", "n=1024", "at most 1024 (mem=4M: 1024 pages, 1024 blocks of order 0)" },
		{ "jemalloc", "order=2", "n=257", "n=256", "at most 256 (mem=4M: 1024 pages, 256 blocks of order 2)" },
		{ "ptr_ring_pool", "frag=1000", "n=4097", "n=4096",
		  "at most 4096 (mem=4M: 1024 pages, 1024 blocks of order 0, 4 pieces of 1024 bytes each)" },
		{ "halfpage", "variant=bias", "n=2049", "n=2048",
		  "at most 2048 (mem=4M: 1024 pages, 1024 blocks of order 0, two halves each)" },
		{ "frag", "stride=3000", "n=1399", "n=1398", "at most 1398 (mem=4M: 1398 fragments of stride 3000 bytes)" },
	};
	struct pb_run_args ra;
	struct pb_plan p;
	struct pb_err err;

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		cr_assert_neq(from_argv(&p, &ra, &err, "--alloc", limits[i].alloc, "--workload", "outstanding",
					"--set", limits[i].set, "--set", limits[i].over, "--set", "mem=4M", NULL), 0,
			      "%s %s accepted", limits[i].alloc, limits[i].over);
		cr_expect_not_null(strstr(err.msg, limits[i].why), "%s: %s", limits[i].alloc, err.msg);
		cr_expect_not_null(strstr(err.msg, limits[i].over), "%s: %s", limits[i].alloc, err.msg);
		cr_expect_eq(from_argv(&p, &ra, &err, "--alloc", limits[i].alloc, "--workload", "outstanding",
				       "--set", limits[i].set, "--set", limits[i].at, "--set", "mem=4M", NULL), 0,
			     "%s %s: %s", limits[i].alloc, limits[i].at, err.msg);
	}
}

/* ixgbe's 2016 copybreak holds no page for a small frame: halfpage sets no limit then. */
Test(options, capacity_of_halfpage_copybreak)
{
	const struct pb_alloc_ops *hp = pb_alloc_find("halfpage");
	struct pb_params params = { 0 };
	struct pb_err err;
	char why[128];

	cr_assert_not_null(hp);
	cr_assert_eq(pb_params_add(&params, "variant=2016", &err), 0, "%s", err.msg);
	cr_assert_eq(pb_params_add(&params, "len=200", &err), 0, "%s", err.msg);
	cr_assert_eq(pb_params_add(&params, "mem=4M", &err), 0, "%s", err.msg);
	cr_expect_eq(hp->capacity(&params, why, sizeof(why)), UINT64_MAX, "%s", why);
	cr_assert_eq(pb_params_add(&params, "len=257", &err), 0, "%s", err.msg);
	cr_expect_eq(hp->capacity(&params, why, sizeof(why)), 2048, "%s", why);
}

/* Bounds read as the user writes sizes; counts stay counts. */
Test(options, bounds_with_suffixes)
{
	const struct pb_param_spec mem = { .key = "mem", .type = PB_PARAM_UINT, .min = 4u << 20,
					   .max = 64ull << 30 };
	const struct pb_param_spec cnt = { .key = "n", .type = PB_PARAM_UINT, .min = 1, .max = 4096 };
	struct pb_err err;
	uint64_t x;

	cr_assert_neq(pb_param_parse(&mem, "1k", &x, &err), 0);
	cr_expect_str_eq(err.msg, "mem=1k: must be between 4M and 64G");
	cr_assert_neq(pb_param_parse(&cnt, "5000", &x, &err), 0);
	cr_expect_str_eq(err.msg, "n=5000: must be between 1 and 4096");
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pagebench run`: parse, plan, run, print, write. Nothing is written unless the run succeeds,
 * except that a config run stopped by a failing job keeps the jobs before it, marked incomplete.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "callgrind.h"
#include "config.h"
#include "context.h"
#include "options.h"
#include "results_json.h"
#include "runner.h"

/* --help: the fixed lines around one line (and its continuations) per option of the table. */
static void print_help(FILE *f)
{
	fputs("usage: pagebench run --alloc A[,B...] --workload W [options]\n"
	      "       pagebench run CONFIG.ini [--reps N] [--ops N] [--json FILE]\n"
	      "\n"
	      "  CONFIG.ini        fio-style experiment file: [global] defaults, one section per job;\n"
	      "                    keys as the options below (see docs/configs.md); --reps and\n"
	      "                    --ops override every job's, and the results record it\n", f);
	for (const struct pb_option *o = pb_options; o->name; o++) {
		const char *h = o->help, *nl;
		char lhs[48];

		snprintf(lhs, sizeof(lhs), "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		/* Text in column 20; a name too long for the gap gets a line of its own. */
		if (strlen(lhs) > 17)
			fprintf(f, "  %s\n%20s", lhs, "");
		else
			fprintf(f, "  %-17s ", lhs);
		for (nl = strchr(h, '\n'); nl; h = nl + 1, nl = strchr(h, '\n'))
			fprintf(f, "%.*s\n%20s", (int)(nl - h), h, "");
		fprintf(f, "%s\n", h);
	}
	fputs("  --json FILE       write the results (atomically, only when the run succeeds; a config\n"
	      "                    run keeps the jobs before a failed one, marked \"incomplete\")\n"
	      "  --help            this text\n", f);
}

/* Parses argv into @plan and @args; returns -1 after a usage error was printed, 1 for --help. */
static int parse(int argc, char **argv, struct pb_plan *plan, struct pb_run_args *args)
{
	struct pb_err err;

	if (pb_options_parse_argv(argc, argv, plan, args, &err))
		return pb_cli_usage_error("run: %s", err.msg), -1;
	if (args->help) {
		print_help(stdout);
		return 1;
	}
	return 0;
}

/*
 * Progress. Seconds left come from the runs already done here, over a window of the latest
 * reports: the warm-ups come first and each costs several repetitions, so a rate since the
 * start would overstate what is left once they are over. On a terminal one line overwrites
 * itself; into a pipe or a file, a line now and then.
 */
#ifndef PROGRESS_PIPE_INTERVAL_S
#define PROGRESS_PIPE_INTERVAL_S 5.0
#endif
#define PROGRESS_WINDOW 8

struct progress {
	bool overwrite;		/* stdout and stderr are terminals */
	double t[PROGRESS_WINDOW];	/* when the latest reports came (a ring) */
	unsigned done[PROGRESS_WINDOW];	/* runs done at each */
	unsigned nreports;
	double last_shown;	/* when a line was last printed, 0 before */
	double started;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * The estimate from the rate over the window, or a negative number before there is one
 * (the first report only tells when the first warm-up ended).
 */
static double seconds_left(struct progress *p, unsigned done, unsigned total, double t)
{
	unsigned slot = p->nreports % PROGRESS_WINDOW;
	unsigned oldest = p->nreports < PROGRESS_WINDOW ? 0 : slot;
	double t0 = p->t[oldest];
	unsigned d0 = p->done[oldest];

	p->t[slot] = t;
	p->done[slot] = done;
	if (p->nreports++ == 0 || done <= d0)
		return -1;
	return (t - t0) / (double)(done - d0) * (double)(total - done);
}

static void show_progress(void *arg, unsigned done, unsigned total, double eta_s)
{
	struct progress *p = arg;
	double t = now_s(), left = seconds_left(p, done, total, t);
	char eta[32] = "";

	(void)eta_s;	/* the runner's guess: the rate measured here is better from the second run on */
	if (left >= 0)
		snprintf(eta, sizeof(eta), ", %.0f s left", left);
	if (p->overwrite) {
		if (done == total) {
			fputs("\r\033[K", stderr);
		} else if (t - p->last_shown >= 0.2) {
			fprintf(stderr, "\r\033[Krun %u/%u%s", done, total, eta);
			p->last_shown = t;
		}
		fflush(stderr);
		return;
	}
	/* Into a log: only with an estimate, the first after a few seconds, then one every few. */
	if (done == total || left < 0 ||
	    t - (p->last_shown ? p->last_shown : p->started) < PROGRESS_PIPE_INTERVAL_S)
		return;
	fprintf(stderr, "pagebench: run %u/%u%s\n", done, total, eta);
	p->last_shown = t;
}

/* The backends `--alloc all` left out, each with the reason, before the table they are not in. */
static void print_skipped(const char *skipped)
{
	for (const char *l = skipped; *l; ) {
		size_t len = strcspn(l, "\n");

		printf("skipped by --alloc all: %.*s\n", (int)len, l);
		l += len + (l[len] == '\n');
	}
}

/*
 * Runs one plan and adds its job context (with @overrides) and its records to @set. On a
 * failure @err gets the message and @set keeps what it had.
 */
static int run_plan(struct pb_plan *plan, const char *overrides, struct pb_result_set *set,
		    struct pb_err *err)
{
	struct progress prog = { .overwrite = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO),
				 .started = now_s() };
	struct pb_job_context job;
	struct pb_result *res;
	size_t n;
	int rc;

	plan->progress = show_progress;
	plan->progress_arg = &prog;
	rc = pb_run(plan, &job, &res, &n, err);
	if (rc)
		return rc == -2 ? PB_EXIT_USAGE : PB_EXIT_FAIL;
	snprintf(job.overrides, sizeof(job.overrides), "%s", overrides);
	if (plan->job[0])
		printf("[%s]\n", plan->job);
	pb_table_print(stdout, &set->machine, &job, res, n);
	if (pb_result_set_add_job(set, &job, err) || pb_result_set_add(set, res, n, err)) {
		pb_results_free(res, n);
		return PB_EXIT_FAIL;
	}
	free(res);	/* the records' arrays now belong to @set */
	return PB_EXIT_OK;
}

static bool wants_instructions(const struct pb_plan *plan, const struct pb_config *cfg)
{
	if (plan->metric_instructions)
		return true;
	for (unsigned i = 0; i < cfg->njobs; i++)
		if (cfg->jobs[i].plan.metric_instructions)
			return true;
	return false;
}

/*
 * --reps / --ops given with a config file replace every job's, each job checked again
 * (a fixed-work job takes no --ops); @overrides gets "reps=N,ops=N" for the job contexts.
 */
static int apply_overrides(struct pb_config *cfg, const struct pb_plan *cli,
			   const struct pb_run_args *args, char *overrides, size_t len,
			   struct pb_err *err)
{
	struct pb_err why;

	char reps[24] = "", ops[32] = "";

	if (args->reps_given)
		snprintf(reps, sizeof(reps), "reps=%u", cli->reps);
	if (args->ops_given)
		snprintf(ops, sizeof(ops), "ops=%llu", (unsigned long long)cli->ops);
	snprintf(overrides, len, "%s%s%s", reps, reps[0] && ops[0] ? "," : "", ops);
	for (unsigned i = 0; i < cfg->njobs; i++) {
		struct pb_job *j = &cfg->jobs[i];

		if (args->reps_given)
			j->plan.reps = cli->reps;
		if (args->ops_given)
			j->plan.ops = cli->ops;
		if (pb_plan_check(&j->plan, &why))
			return pb_err_set(err, "%s:%d: [%s]: with %s from the command line: %s",
					  cfg->path, j->line, j->name, overrides, why.msg);
	}
	return 0;
}

/* Checks all there is to check, then runs; exit status. */
static int run_checked(struct pb_plan *plan, struct pb_config *cfg, const struct pb_run_args *args,
		       int full_argc, char **full_argv)
{
	const char *json = args->json, *config = args->config;
	struct pb_result_set set = { 0 };
	char overrides[64] = "";
	struct pb_err err;
	int rc = PB_EXIT_OK;

	if (config && apply_overrides(cfg, plan, args, overrides, sizeof(overrides), &err))
		return pb_cli_usage_error("run: %s", err.msg);
	/* All that can be refused is refused before the first job runs. */
	if (config && pb_config_preflight(cfg, &err))
		return pb_cli_usage_error("run: %s", err.msg);
	if (!config && pb_plan_preflight(plan, &err))
		return pb_cli_usage_error("run: %s", err.msg);
	if (json && pb_cli_output_check("--json", json, &err))
		return pb_cli_usage_error("run: %s", err.msg);
	if (wants_instructions(plan, cfg) && !pb_callgrind_active() && !pb_pmu_counts_instructions())
		return pb_cli_run_callgrind(full_argv, json);
	if (pb_callgrind_child_json())
		json = pb_callgrind_child_json();
	/* Into a pipe or a file, each line of the table as soon as it is complete. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOLBF, 0);
	pb_machine_collect(&set.machine, full_argc, full_argv);
	if (config) {
		for (unsigned i = 0; i < cfg->njobs && !rc; i++) {
			struct pb_job *j = &cfg->jobs[i];

			print_skipped(j->skipped);
			rc = run_plan(&j->plan, overrides, &set, &err);
			if (!rc)
				continue;
			fprintf(stderr, "pagebench: run %s: %s\n", j->name, err.msg);
			/* The jobs before it keep their results, marked as an incomplete run. */
			if (rc == PB_EXIT_FAIL && set.nrecs) {
				snprintf(set.incomplete_job, sizeof(set.incomplete_job), "%s", j->name);
				snprintf(set.incomplete_error, sizeof(set.incomplete_error), "%s", err.msg);
			}
		}
	} else {
		print_skipped(args->skipped);
		rc = run_plan(plan, "", &set, &err);
		if (rc)
			fprintf(stderr, "pagebench: run: %s\n", err.msg);
	}
	if (json && (!rc || set.incomplete_job[0])) {
		if (pb_results_write(json, &set, &err)) {
			fprintf(stderr, "pagebench: %s\n", err.msg);
			rc = PB_EXIT_FAIL;
		} else {
			printf("results: %s%s\n", json, set.incomplete_job[0] ?
			       " (incomplete: the jobs before the one that failed)" : "");
		}
	}
	pb_result_set_free(&set);
	return rc;
}

int pb_cli_run(int argc, char **argv, int full_argc, char **full_argv)
{
	struct pb_plan plan;
	struct pb_config cfg = { 0 };
	struct pb_run_args args;
	struct pb_err err;
	int rc;

	pb_plan_init(&plan);
	rc = parse(argc, argv, &plan, &args);
	if (rc)
		return rc > 0 ? PB_EXIT_OK : PB_EXIT_USAGE;
	if (args.config && pb_config_load(args.config, &cfg, &err))
		return pb_cli_usage_error("run: %s", err.msg);
	rc = run_checked(&plan, &cfg, &args, full_argc, full_argv);
	pb_config_free(&cfg);
	return rc;
}

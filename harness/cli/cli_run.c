// SPDX-License-Identifier: GPL-2.0-only
/* `pagebench run`: parse, plan, run, print, write. Nothing is written unless the run succeeds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	      "       pagebench run CONFIG.ini [--json FILE]\n"
	      "\n"
	      "  CONFIG.ini        fio-style experiment file: [global] defaults, one section per job;\n"
	      "                    keys as the options below (see docs/configs.md)\n", f);
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
	fputs("  --json FILE       write the results (written atomically, only when the run succeeds)\n"
	      "  --help            this text\n", f);
}

/*
 * Parses argv into @plan and @json, or into @config when a config file is named; returns -1
 * after a usage error was printed, 1 for --help.
 */
static int parse(int argc, char **argv, struct pb_plan *plan, const char **json,
		 const char **config)
{
	struct pb_run_args args;
	struct pb_err err;

	if (pb_options_parse_argv(argc, argv, plan, &args, &err))
		return pb_cli_usage_error("run: %s", err.msg), -1;
	if (args.help) {
		print_help(stdout);
		return 1;
	}
	*json = args.json;
	*config = args.config;
	return 0;
}

/* "run 3/40, 12 s left" on one self-overwriting stderr line. */
static void show_progress(void *arg, unsigned done, unsigned total, double eta_s)
{
	fprintf(stderr, "\r\033[Krun %u/%u, %.0f s left", done, total, eta_s);
	if (done == total)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* Runs one plan and adds its job context and its records to @set. */
static int run_plan(struct pb_plan *plan, struct pb_result_set *set)
{
	struct pb_job_context job;
	struct pb_result *res;
	struct pb_err err;
	size_t n;
	int rc;

	if (isatty(STDERR_FILENO))
		plan->progress = show_progress;
	rc = pb_run(plan, &job, &res, &n, &err);
	if (rc) {
		fprintf(stderr, "pagebench: run%s%s: %s\n", plan->job[0] ? " " : "", plan->job, err.msg);
		return rc == -2 ? PB_EXIT_USAGE : PB_EXIT_FAIL;
	}
	if (plan->job[0])
		printf("[%s]\n", plan->job);
	pb_table_print(stdout, &set->machine, &job, res, n);
	if (pb_result_set_add_job(set, &job, &err) || pb_result_set_add(set, res, n, &err)) {
		pb_results_free(res, n);
		fprintf(stderr, "pagebench: %s\n", err.msg);
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

int pb_cli_run(int argc, char **argv, int full_argc, char **full_argv)
{
	struct pb_plan plan;
	struct pb_result_set set = { 0 };
	struct pb_config cfg = { 0 };
	const char *json = NULL, *config = NULL;
	struct pb_err err;
	int rc;

	pb_plan_init(&plan);
	rc = parse(argc, argv, &plan, &json, &config);
	if (rc)
		return rc > 0 ? PB_EXIT_OK : PB_EXIT_USAGE;
	if (config && pb_config_load(config, &cfg, &err))
		return pb_cli_usage_error("run: %s", err.msg);
	/* All that can be refused is refused before the first job runs. */
	if (config && pb_config_preflight(&cfg, &err)) {
		pb_config_free(&cfg);
		return pb_cli_usage_error("run: %s", err.msg);
	}
	if (!config && pb_plan_preflight(&plan, &err))
		return pb_cli_usage_error("run: %s", err.msg);
	if (json && pb_cli_output_check("--json", json, &err))
		return pb_cli_usage_error("run: %s", err.msg);
	if (wants_instructions(&plan, &cfg) && !pb_callgrind_active() && !pb_pmu_counts_instructions()) {
		pb_config_free(&cfg);
		return pb_cli_run_callgrind(full_argv, json);
	}
	if (pb_callgrind_child_json())
		json = pb_callgrind_child_json();
	pb_machine_collect(&set.machine, full_argc, full_argv);
	if (config) {
		for (unsigned i = 0; i < cfg.njobs && !rc; i++) {
			struct pb_job *j = &cfg.jobs[i];

			rc = run_plan(&j->plan, &set);
		}
		pb_config_free(&cfg);
	} else {
		rc = run_plan(&plan, &set);
	}
	if (!rc && json) {
		if (pb_results_write(json, &set, &err)) {
			fprintf(stderr, "pagebench: %s\n", err.msg);
			rc = PB_EXIT_FAIL;
		} else {
			printf("results: %s\n", json);
		}
	}
	pb_result_set_free(&set);
	return rc;
}

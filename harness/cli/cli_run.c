// SPDX-License-Identifier: GPL-2.0-only
/* `pagebench run`: parse, plan, run, print, write. Nothing is written unless the run succeeds. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "callgrind.h"
#include "config.h"
#include "context.h"
#include "results_json.h"
#include "runner.h"

static const char run_help[] =
	"usage: pagebench run --alloc A[,B...] --workload W [options]\n"
	"       pagebench run CONFIG.ini [--json FILE]\n"
	"\n"
	"  CONFIG.ini        fio-style experiment file: [global] defaults, one section per job\n"
	"  --alloc LIST      backends to compare, comma-separated, or 'all' (ratios are to the first)\n"
	"  --workload W      workload to run (pagebench list)\n"
	"  --set KEY=VALUE   parameter for the backends, the workload or the memory model; repeatable\n"
	"  --reps N          measured repetitions per backend (default 9), after one warm-up\n"
	"  --ops N           operations (pages) per repetition (default: the workload's)\n"
	"  --batches N       timed batches per repetition, the p99 samples (default 100)\n"
	"  --cpus A[,B]      OS CPUs to pin the measured thread(s) to (default: first free cores)\n"
	"  --no-baselines    skip the for-loop / atomic-inc / spin-lock baselines\n"
	"  --events LIST     PMU events (perf list / libpfm4 names, raw rXXXX); 'none' for no counters\n"
	"                    (default: cycles, instructions and a locked-instruction event if the PMU has one)\n"
	"  --metric M        time (default) or instructions: what ratios rank by; instructions use the\n"
	"                    PMU, or valgrind's callgrind when the PMU cannot count them\n"
	"  --seed N          seed of the shuffled run order and the bootstrap (default 1)\n"
	"  --unstable-cv PCT flag rows whose CV across repetitions exceeds PCT (default 5)\n"
	"  --min-batch-us N  grow operations until a timed batch lasts N us (default 20; 0 off)\n"
	"  --json FILE       write the results (written atomically, only when the run succeeds)\n"
	"  --help            this text\n";

static int parse_count(const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || errno || x < min || x > max)
		return pb_cli_usage_error("run: %s %s: expected an integer from %llu to %llu", opt, v,
					  (unsigned long long)min, (unsigned long long)max);
	*out = x;
	return 0;
}

static int parse_allocs(struct pb_plan *plan, const char *list)
{
	char buf[512], *save = NULL, *tok;

	if (!strcmp(list, "all")) {
		/* Everything built here: a backend absent from this build is not an error. */
		plan->nallocs = pb_alloc_all(plan->allocs, PB_MAX_ALLOCS);
		return 0;
	}
	if (strlen(list) >= sizeof(buf))
		return pb_cli_usage_error("run: --alloc: list too long");
	strcpy(buf, list);
	if (buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,"))
		return pb_cli_usage_error("run: --alloc %s: empty backend name in the list", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct pb_alloc_ops *o = pb_alloc_find(tok);

		if (!o)
			return pb_cli_usage_error("run: --alloc %s: unknown backend '%s' (see pagebench list)",
						  list, tok);
		for (unsigned i = 0; i < plan->nallocs; i++)
			if (plan->allocs[i] == o)
				return pb_cli_usage_error("run: --alloc %s: '%s' given twice", list, tok);
		if (plan->nallocs == PB_MAX_ALLOCS)
			return pb_cli_usage_error("run: --alloc: more than %d backends", PB_MAX_ALLOCS);
		plan->allocs[plan->nallocs++] = o;
	}
	if (!plan->nallocs)
		return pb_cli_usage_error("run: --alloc: empty list");
	return 0;
}

/*
 * Parses argv into @plan and @json, or into @config when a config file is named; returns -1
 * after a usage error was printed, 1 for --help.
 */
static int parse(int argc, char **argv, struct pb_plan *plan, const char **json,
		 const char **config)
{
	int plan_opts = 0;
	enum { O_NOBASE = 256, O_OPS, O_BATCHES, O_CPUS, O_SEED, O_CV, O_MINBATCH, O_EVENTS,
	       O_METRIC, O_SHARED };
	static const struct option opts[] = {
		{ "alloc", required_argument, NULL, 'a' },
		{ "workload", required_argument, NULL, 'w' },
		{ "set", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "ops", required_argument, NULL, O_OPS },
		{ "batches", required_argument, NULL, O_BATCHES },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "no-baselines", no_argument, NULL, O_NOBASE },
		{ "allow-shared-cpus", no_argument, NULL, O_SHARED },
		{ "seed", required_argument, NULL, O_SEED },
		{ "events", required_argument, NULL, O_EVENTS },
		{ "metric", required_argument, NULL, O_METRIC },
		{ "unstable-cv", required_argument, NULL, O_CV },
		{ "min-batch-us", required_argument, NULL, O_MINBATCH },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *alloc = NULL, *workload = NULL;
	struct pb_err err;
	uint64_t x;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":a:w:s:r:j:h", opts, NULL)) != -1) {
		if (c != 'j' && c != 'h' && c != '?' && c != ':')
			plan_opts++;
		switch (c) {
		case 'a': alloc = optarg; break;
		case 'w': workload = optarg; break;
		case 's':
			if (pb_params_add(&plan->params, optarg, &err))
				return pb_cli_usage_error("run: --set %s", err.msg), -1;
			break;
		case 'r':
			if (parse_count("--reps", optarg, 1, 1000, &x))
				return -1;
			plan->reps = (unsigned)x;
			break;
		case O_OPS:
			if (parse_count("--ops", optarg, 1, 1ull << 40, &plan->ops))
				return -1;
			break;
		case O_BATCHES:
			if (parse_count("--batches", optarg, 1, 100000, &x))
				return -1;
			plan->nbatches = (unsigned)x;
			break;
		case O_CPUS:
			if (pb_plan_parse_cpus(plan, optarg, &err))
				return pb_cli_usage_error("run: --cpus %s", err.msg), -1;
			break;
		case O_NOBASE: plan->baselines = false; break;
		case O_SHARED: plan->allow_shared_cpus = true; break;
		case O_EVENTS:
			if (strlen(optarg) >= sizeof(plan->events))
				return pb_cli_usage_error("run: --events: list too long"), -1;
			snprintf(plan->events, sizeof(plan->events), "%s",
				 strcmp(optarg, "none") ? optarg : "");
			break;
		case O_METRIC:
			if (strcmp(optarg, "time") && strcmp(optarg, "instructions"))
				return pb_cli_usage_error("run: --metric %s: must be time or instructions",
							  optarg), -1;
			plan->metric_instructions = !strcmp(optarg, "instructions");
			break;
		case O_SEED:
			if (parse_count("--seed", optarg, 0, UINT64_MAX, &plan->seed))
				return -1;
			break;
		case O_CV:
			if (parse_count("--unstable-cv", optarg, 0, 1000, &x))
				return -1;
			plan->cv_max = (double)x / 100;
			break;
		case O_MINBATCH:
			if (parse_count("--min-batch-us", optarg, 0, 1000000, &x))
				return -1;
			plan->min_batch_ns = x * 1000;
			break;
		case 'j': *json = optarg; break;
		case 'h': fputs(run_help, stdout); return 1;
		case ':':
			/* getopt moved past the option that lacks its value: name it as written. */
			return pb_cli_usage_error("run: %s needs a value", argv[optind - 1]), -1;
		default:
			/* Inside a cluster (-zq) optind has not moved on: name the option itself. */
			if (optopt)
				return pb_cli_usage_error("run: unknown option '-%c' (see pagebench run --help)",
							  optopt), -1;
			return pb_cli_usage_error("run: unknown option '%s' (see pagebench run --help)",
						  argv[optind - 1]), -1;
		}
	}
	if (optind < argc) {
		if (optind + 1 < argc)
			return pb_cli_usage_error("run: unexpected argument '%s'", argv[optind + 1]), -1;
		if (plan_opts)
			return pb_cli_usage_error("run: %s: a config file takes no other option than --json",
						  argv[optind]), -1;
		*config = argv[optind];
		return 0;
	}
	if (!workload)
		return pb_cli_usage_error("run: --workload is required (see pagebench list)"), -1;
	plan->wl = pb_workload_find(workload);
	if (!plan->wl)
		return pb_cli_usage_error("run: --workload %s: unknown workload (see pagebench list)",
					  workload), -1;
	if (alloc && parse_allocs(plan, alloc))
		return -1;
	if (!alloc && !plan->wl->baseline)
		return pb_cli_usage_error("run: --alloc is required (see pagebench list)"), -1;
	if (pb_plan_check(plan, &err))
		return pb_cli_usage_error("run: %s", err.msg), -1;
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

/* Runs one plan and appends its records to *@all. */
static int run_plan(struct pb_plan *plan, struct pb_context *ctx, struct pb_result **all,
		    size_t *nall)
{
	struct pb_result *res, *grown;
	struct pb_err err;
	size_t n;
	int rc;

	if (isatty(STDERR_FILENO))
		plan->progress = show_progress;
	rc = pb_run(plan, ctx, &res, &n, &err);
	if (rc) {
		fprintf(stderr, "pagebench: run%s%s: %s\n", plan->job[0] ? " " : "", plan->job, err.msg);
		return rc == -2 ? PB_EXIT_USAGE : PB_EXIT_FAIL;
	}
	if (plan->job[0])
		printf("[%s]\n", plan->job);
	pb_table_print(stdout, ctx, res, n);
	grown = realloc(*all, (*nall + n) * sizeof(**all));
	if (!grown) {
		pb_results_free(res, n);
		fprintf(stderr, "pagebench: out of memory\n");
		return PB_EXIT_FAIL;
	}
	memcpy(grown + *nall, res, n * sizeof(*res));
	free(res);	/* the records' arrays now belong to *all */
	*all = grown;
	*nall += n;
	return PB_EXIT_OK;
}

/* The results file can be written where asked: checked before an hour of measuring. */
static int json_target_check(const char *path, struct pb_err *err)
{
	char dir[1024];
	struct stat st;

	pb_parent_dir(path, dir, sizeof(dir));
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return pb_err_set(err, "--json %s: no directory '%s'", path, dir);
	if (access(dir, W_OK))
		return pb_err_set(err, "--json %s: cannot write in '%s': %s", path, dir, strerror(errno));
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return pb_err_set(err, "--json %s: is a directory", path);
	return 0;
}

static bool wants_instructions(const struct pb_plan *plan, const struct pb_config *cfg)
{
	if (plan->metric_instructions)
		return true;
	for (unsigned i = 0; i < cfg->njobs; i++)
		if (!strcmp(cfg->jobs[i].metric, "instructions"))
			return true;
	return false;
}

int pb_cli_run(int argc, char **argv, int full_argc, char **full_argv)
{
	struct pb_plan plan;
	struct pb_context ctx;
	struct pb_config cfg = { 0 };
	struct pb_result *all = NULL;
	const char *json = NULL, *config = NULL;
	struct pb_err err;
	size_t nall = 0;
	int rc;

	pb_plan_init(&plan);
	rc = parse(argc, argv, &plan, &json, &config);
	if (rc)
		return rc > 0 ? PB_EXIT_OK : PB_EXIT_USAGE;
	if (config && pb_config_load(config, &cfg, &err))
		return pb_cli_usage_error("run: %s", err.msg);
	/* All that can be refused is refused before the first job runs. */
	for (unsigned i = 1; i < cfg.njobs; i++) {
		/* One file, one metric: counting under callgrind makes every timing in it void. */
		if (strcmp(cfg.jobs[i].metric, cfg.jobs[0].metric)) {
			pb_cli_usage_error("run: %s:%d: [%s]: metric=%s, but [%s] has metric=%s: one config file, one metric",
					   config, cfg.jobs[i].line, cfg.jobs[i].name, cfg.jobs[i].metric,
					   cfg.jobs[0].name, cfg.jobs[0].metric);
			pb_config_free(&cfg);
			return PB_EXIT_USAGE;
		}
	}
	for (unsigned i = 0; i < cfg.njobs; i++) {
		struct pb_job *j = &cfg.jobs[i];

		snprintf(j->plan.events, sizeof(j->plan.events), "%s", j->events[0] ? j->events : "default");
		if (!strcmp(j->plan.events, "none"))
			j->plan.events[0] = '\0';
		j->plan.metric_instructions = !strcmp(j->metric, "instructions");
		if (pb_plan_preflight(&j->plan, &err)) {
			pb_config_free(&cfg);
			return pb_cli_usage_error("run: %s:%d: [%s]: %s", config, j->line, j->name, err.msg);
		}
	}
	if (!config && pb_plan_preflight(&plan, &err))
		return pb_cli_usage_error("run: %s", err.msg);
	if (json && json_target_check(json, &err))
		return pb_cli_usage_error("run: %s", err.msg);
	if (wants_instructions(&plan, &cfg) && !pb_callgrind_active() && !pb_pmu_counts_instructions()) {
		pb_config_free(&cfg);
		return pb_cli_run_callgrind(full_argv, json);
	}
	if (pb_callgrind_child_json())
		json = pb_callgrind_child_json();
	memset(&ctx, 0, sizeof(ctx));
	pb_context_collect(&ctx, full_argc, full_argv);
	if (config) {
		for (unsigned i = 0; i < cfg.njobs && !rc; i++) {
			struct pb_job *j = &cfg.jobs[i];

			rc = run_plan(&j->plan, &ctx, &all, &nall);
		}
		pb_config_free(&cfg);
	} else {
		rc = run_plan(&plan, &ctx, &all, &nall);
	}
	if (!rc && json) {
		if (pb_results_write(json, &ctx, all, nall, &err)) {
			fprintf(stderr, "pagebench: %s\n", err.msg);
			rc = PB_EXIT_FAIL;
		} else {
			printf("results: %s\n", json);
		}
	}
	pb_results_free(all, nall);
	return rc;
}

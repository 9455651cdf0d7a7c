// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pagebench run`: parse, plan, run, print, write. Nothing is written unless the run succeeds,
 * except that a config run stopped by a failing job keeps the jobs before it, marked incomplete.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "callgrind.h"
#include "config.h"
#include "context.h"
#include "merge.h"
#include "options.h"
#include "processes.h"
#include "results_json.h"
#include "runner.h"

/* --help: the fixed lines around one line (and its continuations) per option of the table. */
static void print_help(FILE *f)
{
	fputs("usage: pagebench run --alloc A[,B...] --workload W [options]\n"
	      "       pagebench run CONFIG.ini [--reps N] [--ops N] [--processes N] [--json FILE]\n"
	      "\n"
	      "  CONFIG.ini        fio-style experiment file: [global] defaults, one section per job;\n"
	      "                    keys as the options below (see docs/configs.md); --reps, --ops\n"
	      "                    and --processes override every job's, and the results record it\n", f);
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
 * Progress. Seconds left are the runner's estimate (runner_eta.h: from the runs already
 * done). On a terminal one line overwrites itself; into a pipe or a file, a line on stderr
 * now and then, so a log does not fill with them. One process of a --processes run scales
 * its line to the whole run: the processes before it are done, those after it will take as
 * long as it does.
 */
#ifndef PROGRESS_PIPE_INTERVAL_S
#define PROGRESS_PIPE_INTERVAL_S 5.0
#endif

struct progress {
	bool overwrite;		/* stdout and stderr are terminals (the parent's, for a process) */
	double interval;	/* into a pipe: seconds between lines */
	double last_shown;	/* when a line was last printed, 0 before */
	double started;
	unsigned index, count;	/* this is process index of count */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Test hook: PB_PROGRESS_INTERVAL_S=x prints into a pipe every x seconds instead of every 5. */
static double pipe_interval(void)
{
	const char *v = getenv("PB_PROGRESS_INTERVAL_S");
	double x = v && *v ? strtod(v, NULL) : 0;

	return x > 0 ? x : PROGRESS_PIPE_INTERVAL_S;
}

static void progress_init(struct progress *p)
{
	const char *tty = getenv(PB_PROCESS_TTY_ENV);

	memset(p, 0, sizeof(*p));
	p->started = now_s();
	p->interval = pipe_interval();
	if (pb_process_child(&p->index, &p->count))
		p->overwrite = tty && !strcmp(tty, "1") && isatty(STDERR_FILENO);
	else
		p->overwrite = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO);
}

static void show_progress(void *arg, unsigned done, unsigned total, double eta_s, const char *name)
{
	struct progress *p = arg;
	double t = now_s();
	char eta[32] = "";

	(void)name;
	if (p->count > 1) {
		if (eta_s >= 0)
			eta_s += (double)(p->count - 1 - p->index) * (t - p->started + eta_s);
		done += p->index * total;
		total *= p->count;
	}
	if (eta_s >= 0)
		snprintf(eta, sizeof(eta), ", %.0f s left", eta_s);
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
	if (done == total || eta_s < 0 || t - (p->last_shown ? p->last_shown : p->started) < p->interval)
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
 * failure @err gets the message and @set keeps what it had. One process of a --processes
 * run prints nothing (its output goes nowhere; the parent prints the merged tables).
 */
static int run_plan(struct pb_plan *plan, const char *overrides, struct pb_result_set *set,
		    struct pb_err *err)
{
	struct progress prog;
	struct pb_job_context job;
	struct pb_result *res;
	unsigned index, count;
	bool child = pb_process_child(&index, &count);
	size_t n;
	int rc;

	progress_init(&prog);
	if (child)
		prog.count = plan->processes;	/* this job's own count: its line ends at its end */
	plan->progress = show_progress;
	plan->progress_arg = &prog;
	rc = pb_run(plan, &job, &res, &n, err);
	if (rc)
		return rc == -2 ? PB_EXIT_USAGE : PB_EXIT_FAIL;
	snprintf(job.overrides, sizeof(job.overrides), "%s", overrides);
	if (!child) {
		if (plan->job[0])
			printf("[%s]\n", plan->job);
		pb_table_print(stdout, &set->machine, &job, res, n);
	}
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
 * --reps / --ops / --processes given with a config file replace every job's, each job
 * checked again (a fixed-work job takes no --ops); @overrides gets "reps=N,ops=N,processes=N"
 * for the job contexts.
 */
static int apply_overrides(struct pb_config *cfg, const struct pb_plan *cli,
			   const struct pb_run_args *args, char *overrides, size_t len,
			   struct pb_err *err)
{
	struct pb_err why;
	size_t off = 0;

	overrides[0] = '\0';
	if (args->reps_given)
		off += (size_t)snprintf(overrides + off, len - off, "reps=%u", cli->reps);
	if (args->ops_given && off < len)
		off += (size_t)snprintf(overrides + off, len - off, "%sops=%llu", off ? "," : "",
					(unsigned long long)cli->ops);
	if (args->processes_given && off < len)
		snprintf(overrides + off, len - off, "%sprocesses=%u", off ? "," : "", cli->processes);
	for (unsigned i = 0; i < cfg->njobs; i++) {
		struct pb_job *j = &cfg->jobs[i];

		if (args->reps_given)
			j->plan.reps = cli->reps;
		if (args->ops_given)
			j->plan.ops = cli->ops;
		if (args->processes_given)
			j->plan.processes = cli->processes;
		if (pb_plan_check(&j->plan, &why))
			return pb_err_set(err, "%s:%d: [%s]: with %s from the command line: %s",
					  cfg->path, j->line, j->name, overrides, why.msg);
	}
	return 0;
}

/* The most processes any job of the run asks for. */
static unsigned processes_wanted(const struct pb_plan *plan, const struct pb_config *cfg)
{
	unsigned most = plan->processes ? plan->processes : 1;

	if (!cfg->njobs)
		return most;
	most = 1;
	for (unsigned i = 0; i < cfg->njobs; i++)
		if (cfg->jobs[i].plan.processes > most)
			most = cfg->jobs[i].plan.processes;
	return most;
}

/*
 * Writes @set to @json (when given) and says where; a set marked incomplete is written too.
 * The exit status @rc, or PB_EXIT_OUTPUT when the file cannot be written.
 */
static int write_results(const char *json, const struct pb_result_set *set, int rc)
{
	struct pb_err err;

	if (!json || (rc && !set->incomplete_job[0] && !set->incomplete_error[0]))
		return rc;
	if (pb_results_write(json, set, &err)) {
		fprintf(stderr, "pagebench: %s\n", err.msg);
		return PB_EXIT_OUTPUT;
	}
	printf("results: %s%s\n", json, set->incomplete_job[0] || set->incomplete_error[0] ?
	       " (incomplete: what ran before the failure)" : "");
	return rc;
}

/* Removes @dir and the files in it (the processes' results). */
static void remove_dir(const char *dir, unsigned nfiles)
{
	char p[600];

	for (unsigned i = 0; i < nfiles; i++) {
		snprintf(p, sizeof(p), "%s/p%u.json", dir, i);
		unlink(p);
	}
	if (rmdir(dir))
		fprintf(stderr, "pagebench: could not remove %s\n", dir);
}

/*
 * --processes N: this same command N times as separate processes, one after another, each
 * told by environment which process it is (it runs the jobs that have that many processes,
 * with the order seed plus its index) and where to write; then one merged result set,
 * its tables and the file. A process that fails stops the run: what the processes before
 * it (and it, if it wrote a file marked incomplete) measured is kept, marked incomplete.
 */
static int run_processes(unsigned count, const char *json, char **full_argv)
{
	char dir[512], self[4096], penv[40], jenv[640], tenv[40];
	const char *tmp = getenv("TMPDIR");
	char *env[4] = { penv, jenv, tenv, NULL }, **argv;
	struct pb_result_set *parts, set = { 0 };
	unsigned nparts = 0, argc = 0;
	bool tty = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO);
	struct pb_err err;
	int rc = PB_EXIT_OK, status = 0;

	if (pb_process_self(self, sizeof(self), &err)) {
		fprintf(stderr, "pagebench: run: %s\n", err.msg);
		return PB_EXIT_FAIL;
	}
	/* $TMPDIR as mkdtemp(3) users do; a test points it at a directory it then finds empty. */
	snprintf(dir, sizeof(dir), "%s/pagebench-proc.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	while (full_argv[argc])
		argc++;
	argv = calloc(argc + 1, sizeof(*argv));
	parts = calloc(count, sizeof(*parts));
	if (!argv || !parts || !mkdtemp(dir)) {
		fprintf(stderr, "pagebench: run: cannot make a temporary directory: %s\n", strerror(errno));
		free(argv);
		free(parts);
		return PB_EXIT_FAIL;
	}
	argv[0] = self;
	for (unsigned i = 1; i < argc; i++)
		argv[i] = full_argv[i];
	/* A stop between processes too, until the temporary directory is gone. */
	pb_process_stop_begin();
	for (unsigned p = 0; p < count; p++) {
		char path[600];

		snprintf(path, sizeof(path), "%s/p%u.json", dir, p);
		snprintf(penv, sizeof(penv), "%s=%u/%u", PB_PROCESS_ENV, p, count);
		snprintf(jenv, sizeof(jenv), "%s=%s", PB_PROCESS_JSON_ENV, path);
		snprintf(tenv, sizeof(tenv), "%s=%d", PB_PROCESS_TTY_ENV, tty);
		status = pb_process_run(argv, env, &err);
		if (status < 0 && pb_process_stop_signal()) {
			status = 0;	/* stopped before it started: said below */
		} else if (status < 0) {
			fprintf(stderr, "pagebench: run: %s\n", err.msg);
			break;
		}
		if (access(path, F_OK) == 0) {
			if (pb_results_load(path, &parts[nparts], &err)) {
				fprintf(stderr, "pagebench: run: process %u: %s\n", p, err.msg);
				status = PB_EXIT_FAIL;
				break;
			}
			nparts++;
		}
		if (pb_process_stop_signal()) {
			/*
			 * A process whose file was read had finished measuring (the file is
			 * renamed into place whole) even if the signal then caught it exiting.
			 */
			bool finished = nparts == p + 1;

			fprintf(stderr, "pagebench: run: stopped by signal %d %s process %u of %u; %s\n",
				pb_process_stop_signal(), finished ? "after" : "in", p + 1, count,
				nparts ? "what the processes before it measured is kept, marked incomplete" :
					 "nothing measured to keep");
			status = status ? status : 128 + pb_process_stop_signal();
			break;
		}
		if (status) {
			fprintf(stderr, "pagebench: run: process %u of %u failed (exit status %d)\n", p + 1,
				count, status);
			break;
		}
	}
	if (status)
		rc = status == PB_EXIT_USAGE ? PB_EXIT_USAGE : PB_EXIT_FAIL;
	if (nparts && rc != PB_EXIT_USAGE) {
		if (pb_results_merge(parts, nparts, &set, &err)) {
			fprintf(stderr, "pagebench: run: %s\n", err.msg);
			rc = PB_EXIT_FAIL;
		} else {
			if (rc && !set.incomplete_job[0])
				snprintf(set.incomplete_error, sizeof(set.incomplete_error),
					 "process %u of %u failed (exit status %d)", nparts + 1, count, status);
			pb_table_print_set(stdout, &set);
			rc = write_results(json, &set, rc);
		}
	}
	for (unsigned i = 0; i < nparts; i++)
		pb_result_set_free(&parts[i]);
	pb_result_set_free(&set);
	free(parts);
	free(argv);
	remove_dir(dir, count);
	pb_process_stop_end();
	return rc;
}

/* Checks all there is to check, then runs; exit status. */
static int run_checked(struct pb_plan *plan, struct pb_config *cfg, const struct pb_run_args *args,
		       int full_argc, char **full_argv)
{
	const char *json = args->json, *config = args->config;
	struct pb_result_set set = { 0 };
	char overrides[96] = "";
	unsigned index, count;
	bool child = pb_process_child(&index, &count);
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
	/* Into a pipe or a file, each line of the table as soon as it is complete. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOLBF, 0);
	if (!child && processes_wanted(plan, cfg) > 1) {
		for (unsigned i = 0; i < cfg->njobs; i++)
			print_skipped(cfg->jobs[i].skipped);
		if (!config)
			print_skipped(args->skipped);
		return run_processes(processes_wanted(plan, cfg), json, full_argv);
	}
	if (child) {
		json = getenv(PB_PROCESS_JSON_ENV);
		if (!json || !*json)
			return pb_cli_usage_error("run: %s is set but %s is not", PB_PROCESS_ENV,
						  PB_PROCESS_JSON_ENV);
	}
	if (wants_instructions(plan, cfg) && !pb_callgrind_active() && !pb_pmu_counts_instructions())
		return pb_cli_run_callgrind(full_argv, json);
	if (pb_callgrind_child_json())
		json = pb_callgrind_child_json();
	pb_machine_collect(&set.machine, full_argc, full_argv);
	if (config) {
		for (unsigned i = 0; i < cfg->njobs && !rc; i++) {
			struct pb_job *j = &cfg->jobs[i];

			/* Process i runs the jobs that have more than i processes, each reshuffled. */
			if (child && j->plan.processes <= index)
				continue;
			j->plan.seed += index;
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
		plan->seed += index;
		rc = run_plan(plan, "", &set, &err);
		if (rc)
			fprintf(stderr, "pagebench: run: %s\n", err.msg);
	}
	rc = write_results(json, &set, rc);
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

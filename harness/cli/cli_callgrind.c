// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pagebench run --metric instructions` on a machine whose PMU cannot count instructions:
 * the same command runs again under valgrind's callgrind, each measured repetition dumps
 * its instruction count with a label, and this parent folds the counts into the child's
 * result set (callgrind_fold.c), prints the table and writes the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "callgrind.h"
#include "callgrind_fold.h"
#include "record.h"
#include "cli.h"
#include "pmu.h"
#include "results_json.h"

#define CHILD_JSON_ENV "PB_CALLGRIND_CHILD_JSON"

const char *pb_callgrind_child_json(void)
{
	return pb_callgrind_active() ? getenv(CHILD_JSON_ENV) : NULL;
}

bool pb_pmu_counts_instructions(void)
{
	struct pb_pmu_spec spec;
	struct pb_err err;
	struct pb_pmu *p;
	bool ok;

	if (pb_pmu_spec_parse("instructions", &spec, &err))
		return false;
	p = pb_pmu_open(&spec);
	ok = p && pb_pmu_event_ok(p, 0, NULL);
	if (p)
		pb_pmu_close(p);
	return ok;
}

/* Runs argv under callgrind with stdout to /dev/null; returns its exit status, or -1. */
static int run_child(char **argv, const char *dir, const char *json)
{
	char outfile[600];
	int status;
	pid_t pid;

	snprintf(outfile, sizeof(outfile), "--callgrind-out-file=%s/cg.%%p", dir);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int argc = 0, devnull = open("/dev/null", O_WRONLY);
		char **args;

		while (argv[argc])
			argc++;
		args = calloc((size_t)argc + 8, sizeof(*args));
		if (!args)
			_exit(127);
		args[0] = "valgrind";
		args[1] = "--tool=callgrind";
		args[2] = "--collect-atstart=no";
		args[3] = outfile;
		args[4] = "--quiet";
		args[5] = "/proc/self/exe";
		for (int i = 1; i <= argc; i++)
			args[5 + i] = argv[i];
		/* valgrind execs /proc/self/exe of itself otherwise: name the binary for real. */
		args[5] = realpath("/proc/self/exe", NULL);
		setenv(CHILD_JSON_ENV, json, 1);
		/* hwloc's CPUID probe cannot run under valgrind; the OS view is enough. */
		setenv("HWLOC_COMPONENTS", "-x86", 1);
		if (devnull >= 0)
			dup2(devnull, STDOUT_FILENO);
		execvp("valgrind", args);
		fprintf(stderr, "pagebench: cannot run valgrind: %s (apt-get install valgrind)\n",
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The table of each job, as `pagebench run` prints it, and what its figures mean. */
static void print_tables(const struct pb_result_set *s)
{
	pb_table_print_set(stdout, s);
	printf("instructions counted by valgrind's callgrind (this machine's PMU cannot count them), "
	       "gross of the harness loop (the null backend shows it); ratios are by instructions; "
	       "the ns and cycle figures were taken under valgrind and mean nothing\n");
}

int pb_cli_run_callgrind(char **argv, const char *json)
{
	char dir[] = "/tmp/pagebench-cg.XXXXXX", child[600], prefix[600], cmd[700];
	struct pb_callgrind_count *counts = NULL;
	struct pb_result_set set = { 0 };
	struct pb_err err;
	size_t n = 0;
	int rc;

	if (!mkdtemp(dir)) {
		fprintf(stderr, "pagebench: cannot make a temporary directory: %s\n", strerror(errno));
		return PB_EXIT_FAIL;
	}
	snprintf(child, sizeof(child), "%s/child.json", dir);
	snprintf(prefix, sizeof(prefix), "%s/cg", dir);
	fprintf(stderr, "pagebench: no PMU instruction counter here: counting under callgrind\n");
	rc = run_child(argv, dir, child);
	if (rc) {
		fprintf(stderr, "pagebench: the run under callgrind failed (status %d)\n", rc);
		rc = rc == PB_EXIT_USAGE ? PB_EXIT_USAGE : PB_EXIT_FAIL;
		goto out;
	}
	rc = PB_EXIT_FAIL;
	if (pb_results_load(child, &set, &err) || pb_callgrind_read(prefix, &counts, &n, &err) ||
	    pb_callgrind_fold(&set, counts, n, &err)) {
		fprintf(stderr, "pagebench: %s\n", err.msg);
		goto out;
	}
	print_tables(&set);
	if (json) {
		if (pb_results_write(json, &set, &err)) {
			fprintf(stderr, "pagebench: %s\n", err.msg);
			rc = PB_EXIT_OUTPUT;
			goto out;
		}
		printf("results: %s\n", json);
	}
	rc = PB_EXIT_OK;
out:
	free(counts);
	pb_result_set_free(&set);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "pagebench: could not remove %s\n", dir);
	return rc;
}

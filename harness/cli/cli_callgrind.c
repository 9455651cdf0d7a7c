// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pagebench run --metric instructions` on a machine whose PMU cannot count instructions:
 * the same command runs again under valgrind's callgrind, each measured repetition dumps
 * its instruction count with a label, and this parent folds the counts into the child's
 * result file as an "instructions" counter, re-ranks by it and prints the table.
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
#include "cli.h"
#include "pmu.h"
#include "results_json.h"
#include "summary.h"

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

/* The record the runner gave callgrind key @key, or NULL. */
static json_t *find_key(json_t *doc, const char *key)
{
	json_t *b;
	size_t i;

	json_array_foreach(json_object_get(doc, "benchmarks"), i, b) {
		const char *k = json_string_value(json_object_get(b, "callgrind_key"));

		if (k && !strcmp(k, key))
			return b;
	}
	return NULL;
}

/*
 * Folds labelled counts "pb|KEY|REP" into each record's counters.instructions, then checks
 * that every record got exactly one count per repetition: a lost or doubled dump is an error,
 * never a silently shorter sample.
 */
static int fold_counts(json_t *doc, const struct pb_callgrind_count *c, size_t n, struct pb_err *err)
{
	json_t *b;
	size_t i;

	for (i = 0; i < n; i++) {
		char label[sizeof(c[i].label)], *key, *rep, *end;
		json_t *rec, *ev, *samples;
		unsigned long r;
		double ops, reps;

		snprintf(label, sizeof(label), "%s", c[i].label);
		if (strncmp(label, "pb|", 3))
			continue;
		key = label + 3;
		rep = strchr(key, '|');
		if (!rep)
			return pb_err_set(err, "callgrind dump with a malformed label '%s'", c[i].label);
		*rep++ = '\0';
		r = strtoul(rep, &end, 10);
		rec = find_key(doc, key);
		if (*end || !rec)
			return pb_err_set(err, "callgrind dump '%s' matches no record of the results", c[i].label);
		reps = (double)json_integer_value(json_object_get(rec, "repetitions"));
		if (r >= (unsigned long)reps)
			return pb_err_set(err, "callgrind dump '%s': repetition out of range", c[i].label);
		ops = (double)json_integer_value(json_object_get(rec, "ops_measured")) / reps;
		if (!json_object_get(rec, "counters"))
			json_object_set_new(rec, "counters", json_object());
		ev = json_object_get(json_object_get(rec, "counters"), "instructions");
		if (!ev || !json_is_string(json_object_get(ev, "source"))) {
			ev = json_pack("{s:b, s:s, s:[]}", "available", 1, "source", "callgrind",
				       "samples_per_op");
			json_object_set_new(json_object_get(rec, "counters"), "instructions", ev);
		}
		samples = json_object_get(ev, "samples_per_op");
		while (json_array_size(samples) < (size_t)reps)
			json_array_append_new(samples, json_null());
		if (!json_is_null(json_array_get(samples, r)))
			return pb_err_set(err, "callgrind dump '%s' seen twice", c[i].label);
		json_array_set_new(samples, r, json_real(ops ? (double)c[i].ir / ops : 0));
	}
	/* Totals and per-op medians, once every repetition is in. */
	json_array_foreach(json_object_get(doc, "benchmarks"), i, b) {
		json_t *ev = json_object_get(json_object_get(b, "counters"), "instructions");
		json_t *samples = json_object_get(ev, "samples_per_op"), *v;
		size_t k, m = 0, reps = (size_t)json_integer_value(json_object_get(b, "repetitions"));
		double vals[1024], total = 0;

		if (!json_object_get(b, "callgrind_key"))
			continue;
		json_array_foreach(samples, k, v)
			if (json_is_number(v) && m < 1024)
				vals[m++] = json_number_value(v);
		if (m != reps)
			return pb_err_set(err, "%s: %zu of %zu repetitions counted by callgrind",
					  json_string_value(json_object_get(b, "name")), m, reps);
		for (k = 0; k < m; k++)
			total += vals[k];
		json_object_set_new(ev, "per_op", json_real(pb_median(vals, m)));
		json_object_set_new(ev, "total", json_real(total * (double)json_integer_value(
			json_object_get(b, "ops_measured")) / (double)m));
		json_object_set_new(ev, "running_ratio", json_real(1.0));
	}
	return 0;
}

static const char *str_or_empty(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

/* Ratios by instructions per op, to the first backend record of the same job and track. */
static void rerank(json_t *doc)
{
	json_t *b, *first;
	size_t i, j;

	json_array_foreach(json_object_get(doc, "benchmarks"), i, b) {
		double mine, base;
		bool found = false;

		if (strcmp(str_or_empty(b, "kind"), "backend"))
			continue;
		json_array_foreach(json_object_get(doc, "benchmarks"), j, first) {
			if (!strcmp(str_or_empty(first, "kind"), "backend") &&
			    !strcmp(str_or_empty(first, "track"), str_or_empty(b, "track")) &&
			    !strcmp(str_or_empty(first, "job"), str_or_empty(b, "job"))) {
				found = true;
				break;
			}
		}
		if (!found)
			continue;
		mine = json_number_value(json_object_get(json_object_get(json_object_get(b,
			"counters"), "instructions"), "per_op"));
		base = json_number_value(json_object_get(json_object_get(json_object_get(first,
			"counters"), "instructions"), "per_op"));
		json_object_set_new(b, "ratio", json_real(base > 0 ? mine / base : 0));
	}
	json_object_set_new(json_object_get(doc, "context"), "metric", json_string("instructions"));
	/* Marks the file: its ns/cycles were taken under valgrind and mean nothing. */
	json_object_set_new(json_object_get(doc, "context"), "instructions_source",
			    json_string("callgrind"));
}

static void print_table(json_t *doc)
{
	const char *job = "";
	json_t *b;
	size_t i;

	printf("%-14s %-18s %-24s %-6s %12s %8s\n", "backend", "workload", "params", "track",
	       "instr/op", "ratio");
	json_array_foreach(json_object_get(doc, "benchmarks"), i, b) {
		const char *alloc = json_string_value(json_object_get(b, "alloc"));
		const char *track = json_string_value(json_object_get(b, "track"));
		json_t *ev = json_object_get(json_object_get(b, "counters"), "instructions");
		json_t *params = json_object_get(b, "params"), *v;
		char pbuf[128] = "";
		const char *k;
		size_t off = 0;

		if (strcmp(str_or_empty(b, "job"), job)) {
			job = str_or_empty(b, "job");
			printf("[%s]\n", job);
		}
		json_object_foreach(params, k, v)
			off += (size_t)snprintf(pbuf + off, off < sizeof(pbuf) ? sizeof(pbuf) - off : 0,
						"%s%s=%s", off ? "," : "", k, json_string_value(v));
		printf("%-14s %-18s %-24.24s %-6s ", alloc ? alloc : "(baseline)",
		       json_string_value(json_object_get(b, "workload")), pbuf[0] ? pbuf : "-",
		       track ? track : "-");
		if (ev && json_is_number(json_object_get(ev, "per_op")))
			printf("%12.1f", json_number_value(json_object_get(ev, "per_op")));
		else
			printf("%12s", track && strcmp(track, "alloc") ? "(in alloc)" : "-");
		if (json_is_number(json_object_get(b, "ratio")) && alloc)
			printf(" %8.2f\n", json_number_value(json_object_get(b, "ratio")));
		else
			printf(" %8s\n", "-");
	}
	printf("instructions counted by valgrind's callgrind (this machine's PMU cannot count them), "
	       "gross of the harness loop (the null backend shows it); the file's timings were taken "
	       "under valgrind and mean nothing\n");
}

int pb_cli_run_callgrind(char **argv, const char *json)
{
	char dir[] = "/tmp/pagebench-cg.XXXXXX", child[600], prefix[600], cmd[700];
	struct pb_callgrind_count *counts = NULL;
	json_t *doc = NULL;
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
	if (pb_results_read(child, &doc, &err) || pb_callgrind_read(prefix, &counts, &n, &err) ||
	    fold_counts(doc, counts, n, &err)) {
		fprintf(stderr, "pagebench: %s\n", err.msg);
		goto out;
	}
	rerank(doc);
	print_table(doc);
	if (json) {
		if (pb_results_write_json(json, doc, &err)) {
			fprintf(stderr, "pagebench: %s\n", err.msg);
			goto out;
		}
		printf("results: %s\n", json);
	}
	rc = PB_EXIT_OK;
out:
	free(counts);
	json_decref(doc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "pagebench: could not remove %s\n", dir);
	return rc;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pagebench kmod`: the userspace half of the kernel module (kmod/, docs/kmod.md).
 *
 *   kmod parse LOG [--json OUT]   the "PBK ..." lines of a serial log, dmesg or the debugfs
 *                                 results file -> the table and the results JSON
 *   kmod run [--kernel RELEASE] [--numa] [--set k=v]... [--json OUT] [--timeout S]
 *                                 boots the module under qemu (kmod/run-qemu.sh) in each
 *                                 kernel asked for; the last line printed per kernel is
 *                                 its JSON file
 *
 * The log parser and record builder are harness/results/kmod_log.c; this file is argv,
 * the qemu runner's exec and printing. A log that does not parse is refused whole: the
 * error names LOG:LINE and the problem, and no file is written.
 */
#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "kmod_log.h"
#include "kmod_param.h"
#include "record.h"
#include "results_json.h"
#include "trace_format.h"

static const char kmod_help[] =
	"usage: pagebench kmod parse LOG [--json OUT] [--accel tcg|kvm]\n"
	"       pagebench kmod run [--kernel RELEASE] [--numa] [--set key=value]... [--json OUT] [--timeout S]\n"
	"                          [--trace FILE]\n"
	"\n"
	"parse: turns the 'PBK' lines of a pagebench_kmod run (serial log, dmesg, or\n"
	"  /sys/kernel/debug/pagebench_kmod/results) into the results table and, with --json,\n"
	"  the results file. A malformed line is an error naming LOG:LINE (exit 2, no file).\n"
	"  Exit 1 when the module reported errors or failed checks (the file is still written).\n"
	"  --accel says how the guest ran (tcg: its figures are emulation); by default the log\n"
	"  says (an accel= fact, else the hypervisor the guest kernel saw).\n"
	"run: builds the module, boots Debian's kernel under qemu (TCG) with it, checks the\n"
	"  guest's log and converts the results; prints the JSON path last. --set passes a\n"
	"  module parameter (loops=, reps=, backends=, workloads=, mode=, node=, ...);\n"
	"  --numa boots a guest with two NUMA nodes. Figures under TCG are emulation.\n"
	"  --trace FILE replays a trace (trace gen / trace import) in the kernel (mode=replay)\n"
	"  against backends= (e.g. k_page_pool,ptr_ring_pool) and null; its records are named\n"
	"  trace:FILE as `pagebench run --workload trace:FILE` names them, so compare pairs them.\n"
	"  --kernel RELEASE (or a prefix: 6.1, 6.12) boots that Debian kernel with a module built\n"
	"  for it; without it every installed kernel with headers is booted in turn, one JSON\n"
	"  each (with --json: the newest kernel alone). The kernel is in each file's context,\n"
	"  not in its benchmark names, so `pagebench compare` pairs a 6.1 file with a 6.12 one.\n";

static int kmod_parse(int argc, char **argv)
{
	struct pb_kmod_log *L = NULL;
	const char *json = NULL, *path = NULL, *accel = NULL, *first;
	struct pb_result_set set;
	struct pb_err err;
	unsigned failures, line;
	uint64_t reported;
	int rc = PB_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "--accel")) {
			if (++i >= argc)
				return pb_cli_usage_error("kmod parse: %s needs a value", argv[i - 1]);
			if (!strcmp(argv[i - 1], "--json"))
				json = argv[i];
			else if (strcmp(argv[i], "tcg") && strcmp(argv[i], "kvm"))
				return pb_cli_usage_error("kmod parse: --accel %s: must be tcg or kvm", argv[i]);
			else
				accel = argv[i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(kmod_help, stdout);
			return PB_EXIT_OK;
		} else if (argv[i][0] == '-') {
			return pb_cli_usage_error("kmod parse: unknown option '%s' (usage: pagebench kmod parse LOG [--json OUT])",
						  argv[i]);
		} else if (path) {
			return pb_cli_usage_error("kmod parse: stray argument '%s': LOG is already '%s' (one log per parse)",
						  argv[i], path);
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return pb_cli_usage_error("kmod parse: no LOG given (usage: pagebench kmod parse LOG [--json OUT])");
	if (json && pb_cli_output_check("--json", json, &err))
		return pb_cli_usage_error("kmod parse: %s", err.msg);
	if (pb_kmod_log_parse(path, &L, &err) || pb_kmod_log_results(L, accel, &set, &err)) {
		pb_kmod_log_free(L);
		return pb_cli_usage_error("kmod parse: %s", err.msg);
	}
	pb_table_print(stdout, &set.machine, &set.jobs[0], set.recs, set.nrecs);
	/* The rows' own warning says it, once for them all (cli_table.c), and why. */
	if (set.jobs[0].emulated)
		puts("note: the guest ran under TCG: these figures are emulation, not the machine's");
	if (json && pb_results_write(json, &set, &err)) {
		fprintf(stderr, "pagebench: %s\n", err.msg);
		rc = PB_EXIT_OUTPUT;
	}
	failures = pb_kmod_log_failures(L, &first);
	reported = pb_kmod_log_reported(L, &line);
	if (failures) {
		fprintf(stderr, "pagebench: kmod parse: %s: the module reported %u failure%s (first: %s)\n",
			path, failures, failures == 1 ? "" : "s", first);
		rc = PB_EXIT_FAIL;
	} else if (reported) {
		fprintf(stderr, "pagebench: kmod parse: %s:%u: the module counted %llu failure%s but the log "
			"shows none of them (lost kernel log lines?)\n", path, line,
			(unsigned long long)reported, reported == 1 ? "" : "s");
		rc = PB_EXIT_FAIL;
	}
	pb_result_set_free(&set);
	pb_kmod_log_free(L);
	return rc;
}

/* kmod/run-qemu.sh of the tree this binary was built in (or $PB_KMOD_RUNNER). */
static int find_runner(char *buf, size_t len)
{
	const char *env = getenv("PB_KMOD_RUNNER");

	if (env && *env)
		return snprintf(buf, len, "%s", env) < (int)len ? 0 : -1;
	if (pb_cli_tree_file("kmod/run-qemu.sh", buf, len))
		return -1;
	return access(buf, X_OK) ? -1 : 0;
}

/*
 * --trace FILE: the file read through on the host (a bad one is refused here, before a
 * guest boots, with the reader's byte offset and field), then the runner's --trace and the
 * module's mode=replay, trace= and trace_as= (the userspace name, trace:FILE). 0 or -1 + @err.
 */
static int kmod_trace_args(const char *file, char **args, int *n, char *buf, size_t len,
			   struct pb_err *err)
{
	struct pb_trace_reader *rd = pb_trace_open(file, err);
	struct pb_trace_event ev;
	const char *base = strrchr(file, '/');
	size_t off;
	int rc;

	if (!rd)
		return -1;
	while ((rc = pb_trace_next(rd, &ev, err)) > 0)
		;
	pb_trace_close(rd);
	if (rc < 0)
		return -1;
	base = base ? base + 1 : file;
	/* 31: the module's record name field (kmod/pbk.h struct pbk_rec workload). */
	if (strlen(file) + 6 > 31)
		return pb_err_set(err, "--trace %s: the records would be named trace:%s, longer than the module's 31 characters (give a shorter path, e.g. from its directory)",
				  file, file);
	for (const char *c = file; *c; c++)
		if (*c == ' ' || *c == '"' || *c == ',')
			return pb_err_set(err, "--trace %s: a space, quote or comma in the name cannot pass as a module parameter", file);
	args[(*n)++] = "--trace";
	args[(*n)++] = (char *)file;
	off = (size_t)snprintf(buf, len, "trace=pagebench/%s", base) + 1;
	args[(*n)++] = buf;
	snprintf(buf + off, len - off, "trace_as=trace:%s", file);
	args[(*n)++] = buf + off;
	return 0;
}

/*
 * `kmod run`'s options @argv[1..@argc) parsed and checked as the module will take them
 * (pbk_params.def through kmod_param.c, the trace read through): the runner's arguments
 * appended to @args from *@n on (@trace_kv, of @kvlen bytes, holds the ones made here),
 * *@help set by --help (nothing else parsed then), @opts filled. 0, or -1 + @err, one line
 * beginning "kmod run: ".
 */
static int kmod_run_parse(int argc, char **argv, char **args, int *n, char *trace_kv, size_t kvlen,
			  bool *help, struct pb_kmod_run_opts *opts, struct pb_err *err)
{
	const char *trace = NULL, *mode = NULL;
	/* The module's numbers as they will be, so the rules between them are checked too. */
	struct pb_kparam_nums nums;
	struct pb_err e;
	int first = *n;

	*help = false;
	*opts = (struct pb_kmod_run_opts){ 0 };
	pb_kparam_nums_default(&nums);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			*help = true;
			return 0;
		} else if (!strcmp(a, "--numa")) {
			args[(*n)++] = argv[i];
		} else if (!strcmp(a, "--trace")) {
			if (i + 1 >= argc || trace)
				return pb_err_set(err, trace ? "kmod run: --trace given twice (one trace per run)"
						  : "kmod run: --trace needs a trace file");
			trace = argv[++i];
		} else if (!strcmp(a, "--set") || !strcmp(a, "--json") || !strcmp(a, "--timeout") ||
			   !strcmp(a, "--kernel")) {
			if (i + 1 >= argc)
				return pb_err_set(err, "kmod run: %s needs a value", a);
			if (!strcmp(a, "--set")) {
				const char *kv = argv[i + 1];
				size_t klen = strcspn(kv, "=");

				if (!strncmp(kv, "mode=", 5))
					mode = kv + 5;
				/* The module's own parser (allocators/core/kmod_param.c). */
				if (pb_kparam_set(&nums, kv, &e))
					return pb_err_set(err, "kmod run: --set %s", e.msg);
				/* As in a config file: a key given twice is a mistake, not an override. */
				for (int j = first; j < *n; j++)
					if (!strncmp(args[j], kv, klen + 1))
						return pb_err_set(err, "kmod run: --set %.*s: given twice ('%s', then '%s')",
								  (int)klen, kv, args[j], kv);
			} else if (!strcmp(a, "--json")) {
				if (pb_cli_output_check("--json", argv[i + 1], &e))
					return pb_err_set(err, "kmod run: %s", e.msg);
				opts->json = true;
				args[(*n)++] = argv[i];
			} else {
				opts->kernels += !strcmp(a, "--kernel");
				args[(*n)++] = argv[i];
			}
			args[(*n)++] = argv[++i];
		} else if (a[0] != '-') {
			return pb_err_set(err, "kmod run: stray argument '%s' (module parameters go in --set %s)",
					  a, strchr(a, '=') ? a : "key=value");
		} else {
			return pb_err_set(err, "kmod run: unknown option '%s' (try: pagebench kmod --help)", a);
		}
	}
	if (trace) {
		if (mode && !strstr(mode, "replay"))
			return pb_err_set(err, "kmod run: --trace with --set mode=%s: the replay is mode=replay (add it to the list)",
					  mode);
		if (!mode)
			args[(*n)++] = "mode=replay";
		if (kmod_trace_args(trace, args, n, trace_kv, kvlen, &e))
			return pb_err_set(err, "kmod run: %s", e.msg);
	}
	if (pb_kparam_nums_check(&nums, &e))
		return pb_err_set(err, "kmod run: --set %s", e.msg);
	return 0;
}

int pb_cli_kmod_run_check(int argc, char **argv, struct pb_kmod_run_opts *opts, struct pb_err *err)
{
	char **args = calloc((size_t)argc + 8, sizeof(*args));
	char trace_kv[2 * PATH_MAX];
	bool help;
	int n = 0, rc;

	if (!args)
		return pb_err_set(err, "kmod run: out of memory");
	rc = kmod_run_parse(argc, argv, args, &n, trace_kv, sizeof(trace_kv), &help, opts, err);
	free(args);
	if (!rc && help)
		return pb_err_set(err, "kmod run: --help asks for the usage, not a run");
	return rc;
}

static int kmod_run(int argc, char **argv)
{
	char runner[PATH_MAX], self[PATH_MAX];
	char **args = calloc((size_t)argc + 8, sizeof(*args));
	char trace_kv[2 * PATH_MAX];
	struct pb_kmod_run_opts opts;
	struct pb_err err;
	bool help;
	int n = 0;
	ssize_t len;

	if (!args)
		return pb_cli_usage_error("kmod run: out of memory");
	if (find_runner(runner, sizeof(runner))) {
		free(args);
		return pb_cli_usage_error("kmod run: cannot find kmod/run-qemu.sh next to this binary (set PB_KMOD_RUNNER)");
	}
	args[n++] = runner;
	if (kmod_run_parse(argc, argv, args, &n, trace_kv, sizeof(trace_kv), &help, &opts, &err)) {
		free(args);	/* the message may quote argv, never args */
		return pb_cli_usage_error("%s", err.msg);
	}
	if (help) {
		fputs(kmod_help, stdout);
		free(args);
		return PB_EXIT_OK;
	}
	args[n] = NULL;
	/* The runner converts the log with this very binary. */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0) {
		self[len] = '\0';
		setenv("PB_BIN", self, 1);
	}
	fflush(NULL);
	execv(runner, args);
	fprintf(stderr, "pagebench: kmod run: cannot run %s: %s\n", runner, strerror(errno));
	free(args);
	return PB_EXIT_FAIL;
}

int pb_cli_kmod(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(kmod_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? PB_EXIT_USAGE : PB_EXIT_OK;
	}
	if (!strcmp(argv[1], "parse"))
		return kmod_parse(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return kmod_run(argc - 1, argv + 1);
	return pb_cli_usage_error("kmod: unknown subcommand '%s' (parse or run)", argv[1]);
}

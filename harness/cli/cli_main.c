// SPDX-License-Identifier: GPL-2.0-only
/* pagebench entry point: dispatches to the subcommands. */
#include <stdarg.h>
#include <string.h>
#include "cli.h"
#include "git_rev.h"	/* PB_GIT_REV, generated: this file rebuilds when the revision changes */

static void usage(FILE *f)
{
	fputs("usage: pagebench <command> [options]\n"
	      "\n"
	      "commands:\n"
	      "  list                  backends and workloads, one per line, with their parameters\n"
	      "  run --alloc A[,B..] --workload W [--set k=v].. [--reps N] [--json FILE]\n"
	      "                        measure backends on a workload and print a table\n"
	      "  run CONFIG.ini [--reps N] [--ops N] [--processes N] [--json FILE]\n"
	      "                        every job of an experiment file (docs/configs.md)\n"
	      "  compare OLD.json NEW.json [--threshold PCT] [--metric time|instructions]\n"
	      "                        A/B verdicts per benchmark; exit 1 on a regression\n"
	      "  ab --old BIN_OR_CMD --new BIN_OR_CMD [run options]\n"
	      "                        two builds run alternately (ABBA, process by process), compared\n"
	      "  kmod parse LOG [--json OUT] | kmod run [--numa] [--set k=v]..\n"
	      "                        the kernel module: convert its log, or run it under qemu\n"
	      "  trace gen|show|check|import   packet traces: generate, dump, validate, import captures\n"
	      "  report FILES-OR-DIRS... -o DIR | reproduce [-o DIR] [--no-kmod]   HTML report; LSF/MM table\n"
	      "  nightly [--history DIR] [--inject JOB:KEY=VALUE]..   one night: run, file, report; exit 1\n"
	      "                        on a confirmed regression, 2 on bad input (make nightly: make's 2)\n"
	      "\n"
	      "`pagebench <command> --help` describes each command.\n", f);
}

int pb_cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("pagebench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return PB_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr), PB_EXIT_USAGE;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return PB_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("pagebench %s\n", PB_GIT_REV);
		return PB_EXIT_OK;
	}
	if (!strcmp(argv[1], "list"))
		return pb_cli_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "compare"))
		return pb_cli_compare(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ab"))
		return pb_cli_ab(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return pb_cli_run(argc - 1, argv + 1, argc, argv);
	if (!strcmp(argv[1], "kmod"))
		return pb_cli_kmod(argc - 1, argv + 1);
	if (!strcmp(argv[1], "trace"))
		return pb_cli_trace(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return pb_cli_report(argc - 1, argv + 1);
	if (!strcmp(argv[1], "reproduce"))
		return pb_cli_reproduce(argc - 1, argv + 1);
	if (!strcmp(argv[1], "nightly"))
		return pb_cli_nightly(argc - 1, argv + 1);
	return pb_cli_usage_error("unknown command '%s' (try: pagebench --help)", argv[1]);
}

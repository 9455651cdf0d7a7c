/* SPDX-License-Identifier: GPL-2.0-only */
/* The pagebench command line: one function per subcommand, each returning the exit status. */
#ifndef PB_CLI_H
#define PB_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include "result.h"

#define PB_EXIT_OK 0
#define PB_EXIT_FAIL 1		/* the run itself failed */
#define PB_EXIT_USAGE 2		/* bad input: CLI, config, parameter, file */
/* An output file could not be written (disk full...): the previous one is kept, as with bad input. */
#define PB_EXIT_OUTPUT 2

/* `pagebench list`: backends and workloads with their parameters. */
int pb_cli_list(int argc, char **argv);
/* `pagebench run`: runs backends on a workload, prints the table, writes JSON. */
int pb_cli_run(int argc, char **argv, int full_argc, char **full_argv);
/* `pagebench compare OLD NEW`: A/B verdicts; exit 1 when a benchmark got slower. */
int pb_cli_compare(int argc, char **argv);
/* `pagebench ab --old X --new Y [run options]`: two builds alternated process by process, compared. */
int pb_cli_ab(int argc, char **argv);
/* Re-runs @argv under callgrind and reports instructions per op; the exit status. */
int pb_cli_run_callgrind(char **argv, const char *json);
/* Under callgrind as the child of pb_cli_run_callgrind: where to write JSON, else NULL. */
const char *pb_callgrind_child_json(void);
/* True when this machine's PMU can count instructions for this thread. */
bool pb_pmu_counts_instructions(void);
/* `pagebench kmod parse|run`: the kernel module's results and its qemu runner. */
int pb_cli_kmod(int argc, char **argv);
/* What pb_cli_kmod_run_check saw in valid `kmod run` options. */
struct pb_kmod_run_opts {
	bool json;		/* --json OUT was given */
	unsigned kernels;	/* how many --kernel options */
};
/*
 * Checks the `kmod run` options @argv[1..@argc) (@argv[0]: "run") as `kmod run` does before
 * a guest boots, with the module's parameter table, running nothing: 0 and @opts, or -1 +
 * @err, one line beginning "kmod run: " (--help too is refused here).
 */
int pb_cli_kmod_run_check(int argc, char **argv, struct pb_kmod_run_opts *opts, struct pb_err *err);
/*
 * Checks that a results file can be written at @path (the value of option @opt, which
 * messages name) by creating and removing a temporary file beside it; -1 + @err otherwise.
 */
int pb_cli_output_check(const char *opt, const char *path, struct pb_err *err);
/* `pagebench trace gen|show|check|import`: trace files (docs/traces.md). */
int pb_cli_trace(int argc, char **argv);
/* `pagebench report FILES-OR-DIRS... -o DIR`: execs reports/report.py (the HTML report). */
int pb_cli_report(int argc, char **argv);
/* `pagebench nightly`: execs reports/nightly.py (one night; exit 0, 1 on a regression, 2 bad input). */
int pb_cli_nightly(int argc, char **argv);
/* `pagebench reproduce`: execs reports/reproduce.py (the LSF/MM 2016 reproduction table). */
int pb_cli_reproduce(int argc, char **argv);
/*
 * Execs Debian's python3 ($PB_PYTHON) on reports/@script of this binary's tree with
 * @argv[1..@argc), $PB_BIN set to this binary; returns (exit 2) only when it cannot.
 */
int pb_cli_exec_python(const char *cmd, const char *script, int argc, char **argv);
/* <tree>/@rel of the tree this binary was built in (<tree>/build/pagebench) into @buf; 0, or -1. */
int pb_cli_tree_file(const char *rel, char *buf, size_t len);
/* Prints one-line error "pagebench: <msg>" to stderr and returns PB_EXIT_USAGE. */
int pb_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Prints the result table of one job's records @r[0..n) (one row per record, baselines
 * last), its counter columns from the records' counter maps, and the machine line of @m/@job.
 */
void pb_table_print(FILE *f, const struct pb_machine *m, const struct pb_job_context *job,
		    const struct pb_result *r, size_t n);
/* Prints the table of every job of @s that has records ("[job]" above a named one's). */
void pb_table_print_set(FILE *f, const struct pb_result_set *s);

#endif

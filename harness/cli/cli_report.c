// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pagebench report FILES-OR-DIRS... -o DIR`: the HTML report. The report is Python
 * (reports/report.py, matplotlib and scipy); this file only finds it next to this binary and
 * execs it, so `pagebench report` and `make report` run the one implementation.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

int pb_cli_tree_file(const char *rel, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	/* <tree>/build/pagebench -> <tree> */
	for (int up = 0; up < 2; up++) {
		slash = strrchr(exe, '/');
		if (!slash)
			return -1;
		*slash = '\0';
	}
	return snprintf(buf, len, "%s/%s", exe, rel) < (int)len ? 0 : -1;
}

/* <tree>/reports/@script of the tree this binary was built in (or $PB_REPORTS_DIR/@script). */
static int find_script(const char *script, char *buf, size_t len)
{
	const char *env = getenv("PB_REPORTS_DIR");
	char rel[PATH_MAX];

	if (env && *env)
		return snprintf(buf, len, "%s/%s", env, script) < (int)len ? 0 : -1;
	if (snprintf(rel, sizeof(rel), "reports/%s", script) >= (int)sizeof(rel) ||
	    pb_cli_tree_file(rel, buf, len))
		return -1;
	return access(buf, R_OK) ? -1 : 0;
}

int pb_cli_exec_python(const char *cmd, const char *script, int argc, char **argv)
{
	const char *python = getenv("PB_PYTHON");
	char path[PATH_MAX], self[PATH_MAX], prog[64];
	char **args;
	ssize_t n;

	if (!python || !*python)
		python = "/usr/bin/python3";	/* Debian's, which has matplotlib and scipy */
	if (find_script(script, path, sizeof(path)))
		return pb_cli_usage_error("%s: cannot find reports/%s next to this binary (set PB_REPORTS_DIR)",
					  cmd, script);
	/* The Python side calls back into this very binary (compare --json, run). */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		setenv("PB_BIN", self, 1);
	}
	snprintf(prog, sizeof(prog), "pagebench %s", cmd);
	setenv("PB_PROG", prog, 1);	/* what the script's usage lines call it */
	args = calloc((size_t)argc + 3, sizeof(*args));
	if (!args)
		return pb_cli_usage_error("%s: out of memory", cmd);
	args[0] = (char *)python;
	args[1] = path;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	execv(python, args);
	pb_cli_usage_error("%s: cannot run %s: %s (install python3-matplotlib and python3-scipy, or set PB_PYTHON)",
			   cmd, python, strerror(errno));
	free(args);
	return PB_EXIT_USAGE;
}

int pb_cli_report(int argc, char **argv)
{
	return pb_cli_exec_python("report", "report.py", argc, argv);
}

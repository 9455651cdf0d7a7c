// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pagebench nightly [--config F] [--history DIR] [--results DIR] [-o DIR] [--inject J:K=V]..`:
 * one night (run configs/nightly.ini, file it into the history, write the report) with the
 * exit status a cron job can act on: 0 no regression, 1 a confirmed regression, 2 bad input.
 * `make nightly` runs the same script, but make turns any failure into its own 2.
 * All of it is reports/nightly.py, which this execs.
 */
#include "cli.h"

int pb_cli_nightly(int argc, char **argv)
{
	return pb_cli_exec_python("nightly", "nightly.py", argc, argv);
}

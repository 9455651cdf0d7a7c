// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pagebench reproduce [-o DIR] [--no-kmod]`: the LSF/MM 2016 reproduction table. Runs
 * configs/lsfmm2016.ini, the kernel module under qemu and the replays the claims need, then
 * prints the table and writes the page: all of it reports/reproduce.py, which this execs.
 */
#include "cli.h"

int pb_cli_reproduce(int argc, char **argv)
{
	return pb_cli_exec_python("reproduce", "reproduce.py", argc, argv);
}

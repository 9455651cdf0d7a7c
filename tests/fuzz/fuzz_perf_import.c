// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the perf-script / tracefs importer (workloads/trace_import_perf.c).
 * It writes a trace; the output goes to a scratch file that a failed import must not leave.
 * That file lives on tmpfs (/dev/shm) when there is one: the writer's whole sequence
 * (mkstemp, write, fsync, rename, directory fsync: atomic_file.c) still runs on every
 * accepted input, but on a disk the two fsyncs cost more than the parse and held the
 * target to a few hundred inputs a second.
 */
#include <stdlib.h>

#include "fuzz_input.h"
#include "trace_import.h"

static char out[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(out, sizeof(out), "%s/pb-fuzz-import-%d.pbt",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (int)getpid());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pb_trace_importer *imp = pb_trace_importer_find("perf");
	struct pb_trace_import_opts opts = { .dev = NULL };
	struct pb_trace_import_stats st;
	struct pb_err err = { { 0 } };
	char path[64];

	if (!imp)
		__builtin_trap();
	if (fuzz_as_file(data, size, path, sizeof(path)))
		return 0;
	memset(&st, 0, sizeof(st));
	if (imp->import(path, out, &opts, &st, &err)) {
		fuzz_check_refusal(&err);
		if (access(out, F_OK) == 0)
			__builtin_trap();	/* a failed import left its output behind */
	}
	unlink(out);
	return 0;
}

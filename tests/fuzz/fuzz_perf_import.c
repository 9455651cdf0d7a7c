// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the perf-script / tracefs importer (workloads/trace_import_perf.c).
 * It writes a trace; the output goes to a scratch file that a failed import must not leave.
 */
#include <stdlib.h>

#include "fuzz_input.h"
#include "trace_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[64];
	const struct pb_trace_importer *imp = pb_trace_importer_find("perf");
	struct pb_trace_import_opts opts = { .dev = NULL };
	struct pb_trace_import_stats st;
	struct pb_err err = { { 0 } };
	char path[64];

	if (!imp)
		__builtin_trap();
	if (!out[0])
		snprintf(out, sizeof(out), "/tmp/pb-fuzz-import-%d.pbt", (int)getpid());
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

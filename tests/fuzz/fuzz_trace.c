// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the trace file reader (workloads/trace_read.c) and the packet-life
 * audit `trace check` runs on what it reads (trace_audit.c).
 */
#include "fuzz_input.h"
#include "trace_audit.h"
#include "trace_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_trace_audit audit;
	struct pb_trace_event ev;
	struct pb_err err = { { 0 } };
	struct pb_trace_reader *r;
	char path[64];
	int rc;

	if (fuzz_as_file(data, size, path, sizeof(path)))
		return 0;
	r = pb_trace_open(path, &err);
	if (!r) {
		fuzz_check_refusal(&err);
		return 0;
	}
	if (pb_trace_audit_init(&audit, pb_trace_reader_header(r), &err) == 0) {
		while ((rc = pb_trace_next(r, &ev, &err)) > 0)
			if (pb_trace_audit_event(&audit, &ev, pb_trace_reader_offset(r), &err) < 0)
				break;
		if (rc < 0)
			fuzz_check_refusal(&err);
		pb_trace_audit_finish(&audit);
		pb_trace_audit_free(&audit);
	}
	pb_trace_close(r);
	return 0;
}

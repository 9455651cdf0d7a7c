// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the result-file reader, schema 1 and 2 (harness/results/results_read.c). */
#include "fuzz_input.h"
#include "record.h"
#include "results_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_result_set set;
	struct pb_err err = { { 0 } };
	char path[64];

	if (fuzz_as_file(data, size, path, sizeof(path)))
		return 0;
	memset(&set, 0, sizeof(set));
	if (pb_results_load(path, &set, &err))
		fuzz_check_refusal(&err);
	else
		pb_result_set_free(&set);
	return 0;
}

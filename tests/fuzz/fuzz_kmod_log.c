// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the kernel module's log importer and its results (harness/results/kmod_log.c). */
#include "fuzz_input.h"
#include "kmod_log.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_kmod_log *log = NULL;
	struct pb_result_set set;
	struct pb_err err = { { 0 } };
	char path[64];

	if (fuzz_as_file(data, size, path, sizeof(path)))
		return 0;
	if (pb_kmod_log_parse(path, &log, &err)) {
		fuzz_check_refusal(&err);
	} else {
		const char *first;

		memset(&set, 0, sizeof(set));
		if (pb_kmod_log_results(log, NULL, &set, &err))
			fuzz_check_refusal(&err);
		else
			pb_result_set_free(&set);
		(void)pb_kmod_log_failures(log, &first);
		pb_kmod_log_free(log);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the INI experiment-file loader and its preflight (harness/plan/config.c). */
#include "config.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_config cfg;
	struct pb_err err = { { 0 } };
	char path[64];

	if (fuzz_as_file(data, size, path, sizeof(path)))
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	if (pb_config_load(path, &cfg, &err)) {
		fuzz_check_refusal(&err);
	} else {
		if (pb_config_preflight(&cfg, &err))
			fuzz_check_refusal(&err);
		pb_config_free(&cfg);
	}
	return 0;
}

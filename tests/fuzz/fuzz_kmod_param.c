// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the kernel module's parameter parsing (allocators/core/kmod_param.c,
 * the same source kmod/pbk_param.c runs at load). The input is one key=value per line, as
 * `pagebench kmod run --set` gives them: each goes through pb_kparam_set, the numbers then
 * through the rules between them, and a backends=/workloads= value also through the name
 * list parser with a table like the module's (its names are the built module's, so a
 * fixed one stands in: the parser is what is under test).
 */
#include <stdlib.h>

#include "fuzz_input.h"
#include "kmod_param.h"

static const char *const names[] = { "k_alloc_pages", "k_page_pool", "buddy", "ptr_ring_pool",
				     "alloc-free", "cross-cpu", "for-loop", NULL };
static const struct pb_kparam_user_only user_only[] = {
	{ "jemalloc", "wraps libjemalloc" }, { "alloc_free_trace", "reads a trace file" }, { NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *p;
	struct pb_kparam_nums v;
	struct pb_err err = { { 0 } };
	unsigned lines = 0;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	pb_kparam_nums_default(&v);
	for (p = copy; p && lines < 64; lines++) {
		char *nl = strchr(p, '\n');
		uint64_t mask;

		if (nl)
			*nl = '\0';
		if (pb_kparam_set(&v, p, &err)) {
			fuzz_check_refusal(&err);
		} else if (!strncmp(p, "backends=", 9) || !strncmp(p, "workloads=", 10)) {
			const char *val = strchr(p, '=') + 1;

			if (pb_kparam_names_parse("backends", val, names, 0xf, "baselines", 0x40,
						  user_only, &mask, &err))
				fuzz_check_refusal(&err);
			else if (!mask)
				__builtin_trap();	/* accepted a list that selects nothing */
		}
		p = nl ? nl + 1 : NULL;
	}
	if (pb_kparam_nums_check(&v, &err))
		fuzz_check_refusal(&err);
	free(copy);
	return 0;
}

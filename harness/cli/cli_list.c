// SPDX-License-Identifier: GPL-2.0-only
/* `pagebench list` */
#include <string.h>
#include "allocator.h"
#include "cli.h"
#include "workload.h"

static void print_params(const struct pb_param_spec *s)
{
	for (; s && s->key; s++)
		printf("    %-14s default %-6s %s\n", s->key, s->def ? s->def : "unset", s->help);
}

int pb_cli_list(int argc, char **argv)
{
	bool verbose = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			puts("usage: pagebench list [--params]\n"
			     "Prints every backend and workload, one per line with a description;\n"
			     "--params adds the --set keys each one takes.");
			return PB_EXIT_OK;
		} else if (!strcmp(argv[i], "--params")) {
			verbose = true;
		} else {
			return pb_cli_usage_error("list: unknown option '%s'", argv[i]);
		}
	}
	puts("backends:");
	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o; o++) {
		if ((*o)->absent)
			printf("  %-18s %s [absent: %s]\n", (*o)->name, (*o)->desc, (*o)->absent);
		else
			printf("  %-18s %s\n", (*o)->name, (*o)->desc);
		if (verbose)
			print_params((*o)->params);
	}
	puts("workloads:");
	for (const struct pb_workload *const *w = pb_workload_registry; *w; w++) {
		printf("  %-18s %s\n", (*w)->name, (*w)->desc);
		if (verbose)
			print_params((*w)->params);
	}
	if (verbose) {
		puts("memory (every backend):");
		print_params(pb_mem_params);
	}
	return PB_EXIT_OK;
}

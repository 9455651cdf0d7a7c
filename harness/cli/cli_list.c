// SPDX-License-Identifier: GPL-2.0-only
/* `pagebench list` */
#include <string.h>
#include "allocator.h"
#include "cli.h"
#include "kernel_cap.h"
#include "workload.h"
#include "workload_cap.h"

/* Where else it runs: "[kernel too]", or "[userspace only: why]" (backends.def, workloads.def). */
static void print_world(const struct pb_kernel_cap *k)
{
	if (!k)
		printf(" [kernel: not in the .def]");	/* cannot happen: the registry is the .def */
	else if (k->in_kernel)
		printf(" [kernel too]");
	else
		printf(" [userspace only: %s]", k->user_only ? k->user_only : "no reason given");
}

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
			     "Prints every backend and workload, one per line with a description and\n"
			     "whether it also runs in the kernel module (make kmod) or is userspace\n"
			     "only, and why; --params adds the --set keys each one takes.");
			return PB_EXIT_OK;
		} else if (!strcmp(argv[i], "--params")) {
			verbose = true;
		} else if (argv[i][0] != '-') {
			return pb_cli_usage_error("list: stray argument '%s' (list takes no names; it prints everything)",
						  argv[i]);
		} else {
			return pb_cli_usage_error("list: unknown option '%s'", argv[i]);
		}
	}
	puts("backends:");
	for (const struct pb_alloc_ops *const *o = pb_alloc_registry; *o; o++) {
		printf("  %-18s %s", (*o)->name, (*o)->desc);
		if ((*o)->absent)
			printf(" [absent: %s]", (*o)->absent);
		print_world(pb_alloc_kernel_cap(*o));
		putchar('\n');
		if (verbose)
			print_params((*o)->params);
	}
	puts("workloads:");
	for (const struct pb_workload *const *w = pb_workload_registry; *w; w++) {
		printf("  %-18s %s", (*w)->name, (*w)->desc);
		print_world(pb_workload_kernel_cap(*w));
		putchar('\n');
		if (verbose)
			print_params((*w)->params);
	}
	if (verbose) {
		puts("memory (every backend):");
		print_params(pb_mem_params);
	}
	return PB_EXIT_OK;
}

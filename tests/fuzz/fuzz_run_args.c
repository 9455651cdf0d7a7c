// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: `pagebench run` options and --set key=value parsing (harness/plan
 * options_argv.c, options.c, allocators/core/params.c). The input is the argument list,
 * one argument per line; the plan that parses is also preflighted (capacity, memory).
 */
#include <getopt.h>
#include <stdlib.h>

#include "fuzz_input.h"
#include "options.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *argv[MAX_ARGS + 2], *p;
	struct pb_plan *plan = calloc(1, sizeof(*plan));
	struct pb_run_args args;
	struct pb_err err = { { 0 } };
	int argc = 0;

	if (!copy || !plan)
		goto out;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = "run";
	for (p = copy; argc <= MAX_ARGS && p;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		argv[argc++] = p;
		p = nl ? nl + 1 : NULL;
	}
	argv[argc] = NULL;
	memset(&args, 0, sizeof(args));
	pb_plan_init(plan);
	optind = 0;	/* glibc: start a fresh scan */
	opterr = 0;
	if (pb_options_parse_argv(argc, argv, plan, &args, &err))
		fuzz_check_refusal(&err);
	else if (!args.config && !args.help && pb_plan_preflight(plan, &err))
		fuzz_check_refusal(&err);
out:
	free(plan);
	free(copy);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/* `pagebench run` arguments: getopt_long's tables are built from pb_options, plus --json and --help. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "options.h"

#define MAX_OPTS 48
#define O_TABLE 256	/* getopt's value for pb_options[i] without a short name: O_TABLE + i */

/* Fills @lo (ending with a zero entry) and @shorts from pb_options; false if they do not fit. */
static bool build_tables(struct option *lo, char *shorts, size_t nshorts)
{
	size_t n = 0, s = 0;

	shorts[s++] = ':';	/* a missing value is reported as ':', not as an unknown option */
	for (const struct pb_option *o = pb_options; o->name; o++, n++) {
		if (n + 3 >= MAX_OPTS || s + 3 >= nshorts)
			return false;
		lo[n] = (struct option){ o->name, o->flag_value ? no_argument : required_argument,
					 NULL, o->short_name ? o->short_name : O_TABLE + (int)n };
		if (o->short_name) {
			shorts[s++] = o->short_name;
			if (!o->flag_value)
				shorts[s++] = ':';
		}
	}
	lo[n++] = (struct option){ "json", required_argument, NULL, 'j' };
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n] = (struct option){ 0 };
	if (s + 4 >= nshorts)
		return false;
	memcpy(shorts + s, "j:h", 4);
	return true;
}

static const struct pb_option *option_of(int c)
{
	if (c >= O_TABLE)
		return &pb_options[c - O_TABLE];
	for (const struct pb_option *o = pb_options; o->name; o++)
		if (o->short_name && o->short_name == c)
			return o;
	return NULL;
}

int pb_options_parse_argv(int argc, char **argv, struct pb_plan *plan, struct pb_run_args *args,
			  struct pb_err *err)
{
	struct option lo[MAX_OPTS];
	char shorts[2 * MAX_OPTS + 8];
	const char *other = NULL;	/* a plan option a config file cannot take */
	int c;

	memset(args, 0, sizeof(*args));
	if (!build_tables(lo, shorts, sizeof(shorts)))
		return pb_err_set(err, "internal error: more than %d options", MAX_OPTS - 3);
	opterr = 0;
	optind = 0;	/* 0, not 1: glibc then forgets the state of an earlier parse */
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		const struct pb_option *o = option_of(c);

		if (o) {
			if (!strcmp(o->name, "reps"))
				args->reps_given = true;
			else if (!strcmp(o->name, "processes"))
				args->processes_given = true;
			else if (!strcmp(o->name, "ops"))
				args->ops_given = true;
			else if (!other)
				other = o->name;
			if (o->set(plan, o->flag_value ? o->flag_value : optarg, err)) {
				char why[sizeof(err->msg)];

				memcpy(why, err->msg, sizeof(why));
				return pb_err_set(err, "--%s: %s", o->name, why);
			}
			continue;
		}
		switch (c) {
		case 'j':
			args->json = optarg;
			break;
		case 'h':
			args->help = true;
			return 0;
		case ':':
			/* getopt moved past the option that lacks its value: name it as written. */
			return pb_err_set(err, "%s needs a value", argv[optind - 1]);
		default:
			/* A known option given a value it does not take ("--no-baselines=off"). */
			for (const struct option *l = lo; optopt && l->name; l++)
				if (l->val == optopt)
					return pb_err_set(err, "--%s takes no value", l->name);
			/* Inside a cluster (-zq) optind has not moved on: name the option itself. */
			if (optopt)
				return pb_err_set(err, "unknown option '-%c' (see pagebench run --help)",
						  optopt);
			return pb_err_set(err, "unknown option '%s' (see pagebench run --help)",
					  argv[optind - 1]);
		}
	}
	if (optind < argc) {
		if (optind + 1 < argc)
			return pb_err_set(err, "stray argument '%s' (after the config file '%s'; one config per run)",
					  argv[optind + 1], argv[optind]);
		if (other)
			return pb_err_set(err, "stray argument '%s': if it is a config file, it takes no --%s (only --reps, --ops, --processes and --json; put the rest in the file)",
					  argv[optind], other);
		args->config = argv[optind];
		return 0;
	}
	if (!plan->wl)
		return pb_err_set(err, "--workload is required (see pagebench list)");
	if (!plan->nallocs && !plan->wl->baseline)
		return pb_err_set(err, "--alloc is required (see pagebench list)");
	if (pb_plan_drop_unfit(plan, args->skipped, sizeof(args->skipped), err))
		return -1;
	return pb_plan_check(plan, err);
}

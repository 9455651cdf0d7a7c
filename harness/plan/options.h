/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The options of a plan, once: each entry is one `pagebench run` option and, under its INI
 * key, one experiment-file key, with one setter behind both. The command line and the
 * config loader only find the entry and call its setter, so a value means the same plan and
 * a bad value gets the same message whichever way it came in. A setter's message quotes the
 * value (or the part of it at fault) and never names the option: the front end prefixes
 * where it came from ("--reps: " on the command line, "FILE:LINE: [job] reps: " in a file).
 */
#ifndef PB_OPTIONS_H
#define PB_OPTIONS_H

#include "runner.h"

struct pb_option {
	const char *name;	/* long option without "--"; NULL ends pb_options */
	const char *key;	/* INI key; NULL: none (--set: any key not in this table) */
	char short_name;	/* -x on the command line; 0: none */
	const char *flag_value;	/* takes no argument: the value it hands the setter; NULL: takes one */
	const char *arg;	/* the argument as --help shows it ("N", "LIST") */
	/* Applies @value to @plan; -1 + @err (quoting the value, not naming the option) otherwise. */
	int (*set)(struct pb_plan *plan, const char *value, struct pb_err *err);
	const char *help;	/* for --help; '\n' starts a continuation line */
};

/* Every plan option, in --help order; ends with a NULL name. */
extern const struct pb_option pb_options[];

/* The entry of long option @name (without "--"), or NULL. */
const struct pb_option *pb_option_by_name(const char *name);
/* The entry of INI key @key, or NULL: then @key is a parameter, for the "set" entry as "key=value". */
const struct pb_option *pb_option_by_key(const char *key);

/* What `pagebench run ARGS` asks for besides the plan itself. */
struct pb_run_args {
	const char *json;	/* --json FILE, else NULL */
	const char *config;	/* CONFIG.ini, else NULL (then the plan is complete and checked) */
	bool help;		/* --help came first: nothing else was looked at after it */
	char skipped[1024];	/* --alloc all: "backend: why" per line for those dropped */
	/* --reps / --ops / --processes were given: with a CONFIG.ini they override every job's. */
	bool reps_given, ops_given, processes_given;
};

/*
 * Parses `run` arguments (@argv[0] is "run"; getopt may reorder @argv) through pb_options
 * into @plan, which the caller set up with pb_plan_init, and @args. Without a CONFIG.ini the
 * plan must be complete and passes pb_plan_check; with one, only --reps, --ops and
 * --processes (into @plan, flagged in @args) and --json may come with it. 0 on success; -1 + @err (one line, with no
 * "run: " in front) otherwise. Uses getopt's globals: not for two threads at once.
 */
int pb_options_parse_argv(int argc, char **argv, struct pb_plan *plan, struct pb_run_args *args,
			  struct pb_err *err);

#endif

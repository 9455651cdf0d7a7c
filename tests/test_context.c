/* SPDX-License-Identifier: GPL-2.0-only */
/* pb_context_collect: fills what it owns, leaves the runner's fields alone, never overflows. */
#include <criterion/criterion.h>
#include <regex.h>
#include <string.h>
#include "context.h"

static int matches(const char *re, const char *s)
{
	regex_t r;
	int ok;

	cr_assert_eq(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

Test(context, collects_machine_facts)
{
	char *argv[] = { "pagebench", "run", "--reps", "5", NULL };
	struct pb_context c;

	memset(&c, 0, sizeof(c));
	pb_context_collect(&c, 4, argv);
	cr_expect_gt(strlen(c.host), 0);
	cr_expect_gt(c.num_cpus, 0);
	cr_expect(matches("^[A-Za-z]+ [0-9]", c.kernel), "kernel '%s'", c.kernel);
	cr_expect(matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
			  "[+-][0-9]{2}:[0-9]{2}$", c.date),
		  "date '%s' is not ISO 8601 with offset", c.date);
	cr_expect_str_eq(c.command_line, "pagebench run --reps 5");
	cr_expect_gt(strlen(c.git_revision), 0);
	cr_expect(matches("^((constant_tsc|nonstop_tsc)( |$))*$", c.tsc_flags),
		  "tsc_flags '%s'", c.tsc_flags);
	cr_expect(c.cache_desc[0] == '\0' || matches("^L[0-9]", c.cache_desc),
		  "caches '%s'", c.cache_desc);
	cr_expect(c.load_avg[0] >= 0.0);
}

/* The runner may set these before or after: collecting must not clobber them. */
Test(context, leaves_runner_fields_alone)
{
	struct pb_context c;

	memset(&c, 0, sizeof(c));
	c.tsc_hz = 3.0e9;
	c.measured_cpus[0] = 7;
	c.n_measured_cpus = 1;
	c.timer_overhead_cycles = 21.0;
	pb_context_collect(&c, 0, NULL);
	cr_expect_eq(c.tsc_hz, 3.0e9);
	cr_expect_eq(c.measured_cpus[0], 7);
	cr_expect_eq(c.n_measured_cpus, 1);
	cr_expect_eq(c.timer_overhead_cycles, 21.0);
	cr_expect_str_eq(c.command_line, "");
}

Test(context, long_command_line_is_truncated_and_marked)
{
	static char arg[600];
	char *argv[] = { "pagebench", arg, arg, arg, NULL };
	struct pb_context c;
	size_t n;

	memset(arg, 'x', sizeof(arg) - 1);
	memset(&c, 0, sizeof(c));
	pb_context_collect(&c, 4, argv);
	n = strlen(c.command_line);
	cr_assert_eq(n, sizeof(c.command_line) - 1);
	cr_expect_str_eq(c.command_line + n - 3, "...");
	cr_expect(strncmp(c.command_line, "pagebench xxx", 13) == 0);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/* pb_machine_collect: fills the machine facts, never overflows; pb_cpu_node reads sysfs. */
#include <criterion/criterion.h>
#include <regex.h>
#include <string.h>
#include <unistd.h>
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
	struct pb_machine c;

	memset(&c, 0, sizeof(c));
	pb_machine_collect(&c, 4, argv);
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

/* Collecting starts from nothing: no field of an earlier collection survives. */
Test(context, clears_what_it_cannot_find)
{
	struct pb_machine c;

	memset(&c, 'x', sizeof(c));
	c.command_line[sizeof(c.command_line) - 1] = '\0';
	pb_machine_collect(&c, 0, NULL);
	cr_expect_str_eq(c.command_line, "");
	cr_expect_str_eq(c.instructions_source, "");
}

/* Every online CPU is on some node where sysfs shows nodes; nonsense CPUs on none. */
Test(context, cpu_node)
{
	cr_expect_eq(pb_cpu_node(-1), -1);
	cr_expect_eq(pb_cpu_node(1 << 20), -1);
	if (!access("/sys/devices/system/cpu/cpu0/node0", F_OK))
		cr_expect_eq(pb_cpu_node(0), 0);
}

Test(context, long_command_line_is_truncated_and_marked)
{
	static char arg[600];
	char *argv[] = { "pagebench", arg, arg, arg, NULL };
	struct pb_machine c;
	size_t n;

	memset(arg, 'x', sizeof(arg) - 1);
	memset(&c, 0, sizeof(c));
	pb_machine_collect(&c, 4, argv);
	n = strlen(c.command_line);
	cr_assert_eq(n, sizeof(c.command_line) - 1);
	cr_expect_str_eq(c.command_line + n - 3, "...");
	cr_expect(strncmp(c.command_line, "pagebench xxx", 13) == 0);
}

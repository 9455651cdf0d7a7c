// SPDX-License-Identifier: GPL-2.0-only
/* Helpers of the trace tests (support_trace.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "support_trace.h"

const char *pb_ttmp(const char *name)
{
	static char dir[64], slot[8][256];
	static unsigned next;
	char *p = slot[next++ % 8];

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/pbtrace.%d.XXXXXX", (int)getpid());
		cr_assert_not_null(mkdtemp(dir));
	}
	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

void pb_twrite(const char *path, unsigned ncpus, const unsigned *roles,
	       const struct pb_trace_event *ev, size_t n)
{
	struct pb_trace_header h;
	struct pb_trace_writer *w;
	struct pb_err err;

	pb_trace_header_init(&h, "test", 7);
	for (unsigned c = 0; c < ncpus; c++)
		cr_assert_eq(pb_trace_header_add_cpu(&h, roles[c], &err), 0);
	w = pb_trace_create(path, &h, &err);
	cr_assert_not_null(w, "%s", err.msg);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(pb_trace_write(w, &ev[i], &err), 0, "%s", err.msg);
	cr_assert_eq(pb_trace_commit(w, &err), 0, "%s", err.msg);
}

int pb_trun(const char *args, char *out, size_t len)
{
	const char *bin = getenv("PB_BIN");
	char cmd[2048];
	size_t n;
	FILE *p;
	int st;

	if (!bin || !*bin)
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
